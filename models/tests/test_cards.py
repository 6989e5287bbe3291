"""Model cards follow models/CONTRACT.md and describe the graphs next to them."""
from __future__ import annotations

import hashlib
import json

import onnx

from models.card import SCHEMA_VERSION

CARD_KEYS = {
    "schema_version", "name", "display_name", "family", "twin", "architecture", "onnx", "preprocessing", "labels",
    "pruning", "gflops", "inputs", "outputs", "provenance", "parity", "fp16", "training", "notes",
}  # fmt: skip


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cards_match_contract_and_graphs(small_export) -> None:
    out = small_export.result.out_dir
    for family in ("dynamicvit", "deit"):
        card = json.loads((out / f"{family}.json").read_text())
        assert set(card) == CARD_KEYS and card["schema_version"] == SCHEMA_VERSION
        assert card["family"] == family
        model = onnx.load(str(out / card["onnx"]["file"]))
        assert [i["name"] for i in card["inputs"]] == [i.name for i in model.graph.input]
        assert [o["name"] for o in card["outputs"]] == [o.name for o in model.graph.output]
        assert card["onnx"]["sha256"] == _sha(out / card["onnx"]["file"])
        assert card["onnx"]["bytes"] == (out / card["onnx"]["file"]).stat().st_size
        assert card["onnx"]["opset"] == model.opset_import[0].version
        assert card["provenance"]["source"] == "official-checkpoint"
        ckpt = small_export.dvit_ckpt if family == "dynamicvit" else small_export.deit_ckpt
        assert card["provenance"]["checkpoint"] == ckpt.name
        assert card["provenance"]["checkpoint_sha256"] == _sha(ckpt)
        assert len(card["labels"]) == 1000 and card["labels"][0] == "tench"
        assert card["architecture"]["embed_dim"] == 384 and card["architecture"]["num_heads"] == 6
        assert card["architecture"]["arch"] == "deit-s" and card["architecture"]["backbone"] == "deit"
        assert card["preprocessing"]["resize_shorter_side"] == 256 and card["preprocessing"]["crop_size"] == 224
        assert card["parity"]["tolerance"] == 1e-4
        assert card["gflops"]["full_deit"] == 4.599


def test_dynamicvit_card_pruning_and_gflops(small_export) -> None:
    card = small_export.result.cards["dynamicvit"]
    assert card["architecture"]["pruning_locations"] == [3, 6, 9]
    assert card["pruning"]["trained_keep_ratio"] == 0.7
    assert card["pruning"]["keep_counts_at_trained_ratio"] == [137, 96, 67]
    assert 2.9 <= card["gflops"]["total"] <= 3.0
    assert card["gflops"]["per_stage_tokens"] == [197, 138, 97, 68]
    assert card["architecture"]["patch_embed_gflops"] == 0.057803  # 196 x 384 x 3 x 16 x 16 MACs
    assert card["twin"] == "deit.json"
    deit = small_export.result.cards["deit"]
    assert deit["pruning"] is None and deit["architecture"]["pruning_locations"] == []
    assert round(deit["gflops"]["total"], 1) == 4.6


def test_index_lists_the_export(small_export) -> None:
    index = json.loads((small_export.result.out_dir.parent / "index.json").read_text())
    entry = next(m for m in index["models"] if m["id"] == small_export.result.out_dir.name)
    assert entry["kind"] == "imagenet" and entry["path"] == "deit-s"
    assert index["default"] in {m["id"] for m in index["models"]}
