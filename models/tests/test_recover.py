"""Recovering the bundled demo pair's PyTorch weights from its ONNX files (models/recover_from_onnx.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from models.card import config_from_card
from models.checkpoint import load_checkpoint
from models.onnx_export import export_deit, export_dynamicvit
from models.parity import BATCH_SIZES, KEEP_RATIOS, TOLERANCE, deit_cases, dynamicvit_cases
from models.recover_from_onnx import RecoveryError, deit_config, main, qkv_scale, recover, unscale

DEMO = Path(__file__).resolve().parents[2] / "public" / "models" / "demo"


@pytest.fixture(scope="module")
def recovered():
    return {family: recover(DEMO, family) for family in ("deit", "dynamicvit")}


def test_recovered_deit_matches_its_onnx_file(recovered) -> None:
    cases = deit_cases(recovered["deit"].model, DEMO / "deit.onnx")
    assert sorted(c.batch for c in cases) == sorted(BATCH_SIZES)
    for c in cases:
        assert c.logits_max_abs_diff <= TOLERANCE, c


def test_recovered_dynamicvit_matches_its_onnx_file(recovered) -> None:
    cases = dynamicvit_cases(recovered["dynamicvit"].model, DEMO / "dynamicvit.onnx")
    assert {(c.keep_ratio, c.batch) for c in cases} == {(r, b) for r in KEEP_RATIOS for b in BATCH_SIZES}
    for c in cases:
        assert c.logits_max_abs_diff <= TOLERANCE, c
        assert c.kept_set_sym_diff == [0] * len(c.kept_set_sym_diff), c


def _initializer_bytes(path: Path) -> list[str]:
    return sorted(hashlib.sha256(t.raw_data).hexdigest() for t in onnx.load(str(path)).graph.initializer)


def test_re_export_reproduces_every_initializer_bit_for_bit(recovered, tmp_path: Path) -> None:
    """The export's transforms are undone exactly: exporting the recovered models gives the same weights."""
    export_deit(recovered["deit"].model, tmp_path / "deit.onnx")
    export_dynamicvit(recovered["dynamicvit"].model, tmp_path / "dynamicvit.onnx")
    for name in ("deit.onnx", "dynamicvit.onnx"):
        assert _initializer_bytes(tmp_path / name) == _initializer_bytes(DEMO / name), name


def test_unscale_finds_a_float32_preimage_of_the_folded_scale() -> None:
    card = json.loads((DEMO / "deit.json").read_text())
    scale = qkv_scale(config_from_card(card))
    assert scale != np.float32(2.0) ** np.round(np.log2(scale))  # not a power of two: folding is lossy here
    w = np.random.default_rng(0).standard_normal(100_000).astype(np.float32)
    stored = (w * scale).astype(np.float32)
    back = unscale(stored, scale)
    assert ((back * scale).astype(np.float32) == stored).all()
    assert np.abs(back.astype(np.float64) - w).max() <= np.spacing(np.abs(w)).max()


def test_saved_files_load_strictly_as_official_checkpoints(recovered, tmp_path: Path) -> None:
    assert main(["--model-dir", str(DEMO), "--out", str(tmp_path)]) == 0
    for family in ("deit", "dynamicvit"):
        path = tmp_path / f"{family}_demo.pth"
        raw = torch.load(path, map_location="cpu", weights_only=True)
        assert set(raw) == {"model", "config"}
        rec = recovered[family]
        loaded = load_checkpoint(path, family, num_heads=rec.config.num_heads, keep_ratio=rec.keep_ratio)
        want = rec.model.state_dict()
        assert set(loaded.model.state_dict()) == set(want)
        for key, value in loaded.model.state_dict().items():
            assert torch.equal(value, want[key]), key


def test_a_card_of_another_backbone_is_refused() -> None:
    card = json.loads((DEMO / "deit.json").read_text())
    card["architecture"]["backbone"] = "lvvit"
    with pytest.raises(RecoveryError, match="only DeiT exports"):
        deit_config(card)
