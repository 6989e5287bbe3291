"""The committed fixture pairs (public/models/fixture-tiny, fixture-lvvit-tiny) reproduce expected.json."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from models.card import SCHEMA_VERSION
from models.dynamicvit import keep_counts
from models.make_fixtures import FIXTURES
from models.parity import count_feeds, session

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=sorted(FIXTURES))
def fixture_dir(request: pytest.FixtureRequest) -> Path:
    return ROOT / "public/models" / request.param


def test_index_has_fixtures() -> None:
    index = json.loads((ROOT / "public/models/index.json").read_text())
    for name in FIXTURES:
        entry = next(m for m in index["models"] if m["id"] == name)
        assert entry == {"id": name, "title": entry["title"], "path": name, "kind": "fixture"}
    assert index["default"] in {m["id"] for m in index["models"]}


def test_cards_describe_committed_files(fixture_dir: Path) -> None:
    cfg = FIXTURES[fixture_dir.name].cfg
    for family in ("dynamicvit", "deit"):
        card = json.loads((fixture_dir / f"{family}.json").read_text())
        assert card["schema_version"] == SCHEMA_VERSION
        onnx_file = fixture_dir / card["onnx"]["file"]
        assert hashlib.sha256(onnx_file.read_bytes()).hexdigest() == card["onnx"]["sha256"]
        assert card["parity"]["passed"] and card["provenance"]["source"] == "random-fixture"
        assert onnx_file.stat().st_size < 1_000_000
        arch = card["architecture"]
        assert (arch["backbone"], arch["depth"], arch["num_patches"]) == (cfg.backbone, cfg.depth, cfg.num_patches)
        assert arch["pruning_locations"] == (list(cfg.pruning_loc) if family == "dynamicvit" else [])
        assert (arch["qkv_bias"], arch["norm_eps"], arch["skip_lam"], arch["aux_head"]) == (
            cfg.qkv_bias,
            cfg.norm_eps,
            cfg.skip_lam,
            cfg.aux_head,
        )


def test_expected_json_reproduces(fixture_dir: Path) -> None:
    cfg = FIXTURES[fixture_dir.name].cfg
    expected = json.loads((fixture_dir / "expected.json").read_text())
    x = np.fromfile(fixture_dir / expected["input"]["file"], dtype=np.float32).reshape(expected["input"]["shape"])
    deit = session(fixture_dir / "deit.onnx").run(None, {"pixel_values": x})[0][0]
    assert np.argsort(-deit, kind="stable")[:5].tolist() == expected["deit"]["top5"]
    sess = session(fixture_dir / "dynamicvit.onnx")
    for rho, exp in expected["dynamicvit"].items():
        counts = keep_counts(float(rho), cfg.num_patches, cfg.stages)
        out = sess.run(None, {"pixel_values": x, **count_feeds(counts)})
        assert exp["keep_counts"] == counts
        assert np.argsort(-out[0][0], kind="stable")[:5].tolist() == exp["top5"]
        assert [o[0].tolist() for o in out[1:]] == exp["kept_positions"]
        assert min(exp["min_score_gap"]) > 1e-3
