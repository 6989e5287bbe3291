"""Model cards follow models/CONTRACT.md and describe the graphs next to them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import onnx
import pytest

from models.baselines import METHODS, baseline_flops
from models.card import SCHEMA_VERSION, CardError, build_card, config_from_card
from models.dynamicvit import CONFIGS
from models.export import parse_args
from models.export_baselines import BASELINE_FILES, FAMILIES
from models.flops import deit_flops, dynamicvit_flops
from models.tests.test_parity import WEBGPU_OPS

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
        assert set(card) == CARD_KEYS | ({"baselines"} if family == "dynamicvit" else set())
        assert card["schema_version"] == SCHEMA_VERSION
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


def test_baseline_cards_beside_the_pair(small_export) -> None:
    """The CLI's default: attentive / random graphs on the twin, at the DynamicViT's locations and counts."""
    out = small_export.result.out_dir
    dvit = json.loads((out / "dynamicvit.json").read_text())
    assert dvit["baselines"] == BASELINE_FILES == ["attentive.json", "random.json"]
    cfg = config_from_card(dvit)
    for method, file in zip(METHODS, dvit["baselines"], strict=True):
        card = json.loads((out / file).read_text())
        assert set(card) == CARD_KEYS | {"baseline"} and card["family"] == FAMILIES[method]
        for key in ("architecture", "preprocessing", "labels", "pruning", "inputs", "outputs", "schema_version"):
            assert card[key] == dvit[key], key
        model = onnx.load(str(out / card["onnx"]["file"]))
        assert [i["name"] for i in card["inputs"]] == [i.name for i in model.graph.input]
        assert [o["name"] for o in card["outputs"]] == [o.name for o in model.graph.output]
        assert {n.op_type for n in model.graph.node} <= WEBGPU_OPS
        assert card["onnx"]["sha256"] == _sha(out / card["onnx"]["file"])
        assert card["gflops"]["predictors"] == 0
        assert card["gflops"]["total"] == round(baseline_flops(cfg, 0.7, 1000).total, 3)
        assert card["gflops"]["per_stage_tokens"] == dvit["gflops"]["per_stage_tokens"]
        assert card["parity"]["passed"] and card["parity"]["kept_sets_identical"]
        assert card["provenance"]["weights"].startswith(small_export.deit_ckpt.name)
    assert json.loads((out / "attentive.json").read_text())["baseline"]["fuse_inattentive"] is False
    assert json.loads((out / "random.json").read_text())["baseline"]["seed"] == 0


def test_no_baselines_writes_the_pair_only(tiny_export) -> None:
    out = tiny_export.result.out_dir
    assert "baselines" not in json.loads((out / "dynamicvit.json").read_text())
    assert not any((out / f"{m}{ext}").exists() for m in METHODS for ext in (".onnx", ".json"))
    argv = ["--dynamicvit", "d.pth", "--out", "o"]
    assert parse_args(argv).baselines is True and parse_args([*argv, "--no-baselines"]).baselines is False


def test_baseline_flops_are_exact_without_predictors() -> None:
    """Summed without predictors and rounded once, not DynamicViT's rounded total minus rounded predictors."""
    for arch in ("deit-s", "lvvit-s"):
        cfg = CONFIGS[arch]
        full = deit_flops(cfg, 1000, cfg.stages).total
        assert baseline_flops(cfg, 1.0, 1000).total == full
        for rho in (0.3, 0.4, 0.5, 0.7, 0.9):
            f = baseline_flops(cfg, rho, 1000)
            assert f.predictors == 0 and f.per_stage_tokens == dynamicvit_flops(cfg, rho, 1000).per_stage_tokens
    # DeiT-S at 0.4: 1.868749... G exactly; 1.8688 by subtracting the two rounded numbers
    assert baseline_flops(CONFIGS["deit-s"], 0.4, 1000).total == 1.8687


def _card(family: str, **kw):  # type: ignore[no-untyped-def]
    cfg = CONFIGS["deit-s"]
    flops = kw.pop("flops", dynamicvit_flops(cfg, 0.7, 2, predictors=family == "dynamicvit"))
    args = dict(
        family=family,
        name="x",
        display_name="x",
        twin="deit.json",
        cfg=cfg,
        num_classes=2,
        onnx={},
        labels=["a", "b"],
        keep_ratio=0.7,
        flops=flops,
        full_deit_gflops=4.6,
        provenance={},
        parity={},
    )
    return build_card(**(args | kw))


def test_card_builder_families() -> None:
    for family in ("evit-topk", "random-keep"):
        card = _card(family, baseline={"method": family})
        assert card["family"] == family and card["baseline"] == {"method": family}
        assert (
            card["architecture"]["pruning_locations"] == [3, 6, 9] and card["pruning"]["keep_counts_at_trained_ratio"]
        )
        assert [i["name"] for i in card["inputs"]][1:] == [
            "keep_count_stage1",
            "keep_count_stage2",
            "keep_count_stage3",
        ]
        with pytest.raises(ValueError, match="needs baseline block"):
            _card(family)
        with pytest.raises(ValueError, match="no predictors"):
            _card(family, baseline={}, flops=dynamicvit_flops(CONFIGS["deit-s"], 0.7, 2))
    assert _card("dynamicvit", baselines=["attentive.json"])["baselines"] == ["attentive.json"]
    assert "baselines" not in _card("dynamicvit")
    with pytest.raises(ValueError, match="only a dynamicvit card lists baselines"):
        _card("evit-topk", baseline={}, baselines=["random.json"])
    with pytest.raises(ValueError, match="has no baseline block"):
        _card("dynamicvit", baseline={})
    with pytest.raises(ValueError, match="unknown family"):
        _card("tome")


def test_config_from_card_round_trips_the_releases(small_export) -> None:
    card = small_export.result.cards["dynamicvit"]
    assert config_from_card(card) == replace(CONFIGS["deit-s"], keep_ratio=0.7)
    twin = small_export.result.cards["deit"]
    assert config_from_card(twin, (3, 6, 9), 0.5) == replace(CONFIGS["deit-s"], keep_ratio=0.5)
    lvvit = json.loads(json.dumps(card))
    lvvit["architecture"] |= {
        "arch": "lvvit-s", "backbone": "lvvit", "depth": 16, "mlp_ratio": 3.0, "pruning_locations": [4, 8, 12],
        "qkv_bias": False, "norm_eps": 1e-5, "skip_lam": 2.0, "patch_embed": "lvvit-conv-stem", "aux_head": True,
    }  # fmt: skip
    assert config_from_card(lvvit) == replace(CONFIGS["lvvit-s"], keep_ratio=0.7)
    lvvit["architecture"]["arch"] = "custom"
    with pytest.raises(CardError, match="conv stem width"):
        config_from_card(lvvit)
    card = json.loads(json.dumps(card))
    card["architecture"]["qkv_bias"] = False
    with pytest.raises(CardError, match="differ from the deit backbone"):
        config_from_card(card)
    card["schema_version"] = 3
    with pytest.raises(CardError, match="schema_version 3"):
        config_from_card(card)
