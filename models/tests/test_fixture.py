"""The committed fixture pair (public/models/fixture-tiny) is current and reproduces expected.json."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from models.dynamicvit import NUM_PATCHES, keep_counts
from models.parity import count_feeds, session

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "public/models/fixture-tiny"


def test_index_has_fixture() -> None:
    index = json.loads((ROOT / "public/models/index.json").read_text())
    entry = next(m for m in index["models"] if m["id"] == "fixture-tiny")
    assert entry == {"id": "fixture-tiny", "title": entry["title"], "path": "fixture-tiny", "kind": "fixture"}
    assert index["default"] in {m["id"] for m in index["models"]}


def test_cards_describe_committed_files() -> None:
    for family in ("dynamicvit", "deit"):
        card = json.loads((FIXTURE / f"{family}.json").read_text())
        onnx_file = FIXTURE / card["onnx"]["file"]
        assert hashlib.sha256(onnx_file.read_bytes()).hexdigest() == card["onnx"]["sha256"]
        assert card["parity"]["passed"] and card["provenance"]["source"] == "random-fixture"
        assert onnx_file.stat().st_size < 1_000_000
        assert card["architecture"]["depth"] == 12 and card["architecture"]["num_patches"] == NUM_PATCHES


def test_expected_json_reproduces() -> None:
    expected = json.loads((FIXTURE / "expected.json").read_text())
    x = np.fromfile(FIXTURE / expected["input"]["file"], dtype=np.float32).reshape(expected["input"]["shape"])
    deit = session(FIXTURE / "deit.onnx").run(None, {"pixel_values": x})[0][0]
    assert np.argsort(-deit, kind="stable")[:5].tolist() == expected["deit"]["top5"]
    sess = session(FIXTURE / "dynamicvit.onnx")
    for rho, exp in expected["dynamicvit"].items():
        out = sess.run(None, {"pixel_values": x, **count_feeds(float(rho))})
        assert exp["keep_counts"] == keep_counts(float(rho))
        assert np.argsort(-out[0][0], kind="stable")[:5].tolist() == exp["top5"]
        assert [o[0].tolist() for o in out[1:]] == exp["kept_positions"]
        assert min(exp["min_score_gap"]) > 1e-3
