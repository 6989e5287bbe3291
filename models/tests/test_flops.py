"""GFLOPs by the card rule (models/flops.py) against the official README's numbers."""

from __future__ import annotations

import pytest

from models.dynamicvit import CONFIGS
from models.flops import deit_flops, dynamicvit_flops, patch_embed_macs

# DynamicViT README "Model Zoo": (arch, rho, GFLOPs); full models: DeiT / LV-ViT papers
PUBLISHED = [
    ("deit-256", 0.7, 1.3),
    ("deit-s", 0.7, 2.9),
    ("deit-b", 0.7, 11.4),
    ("lvvit-s", 0.5, 3.7),
    ("lvvit-s", 0.7, 4.6),
    ("lvvit-m", 0.7, 8.5),
]
PUBLISHED_FULL = [("deit-ti", 1.3), ("deit-s", 4.6), ("deit-b", 17.6), ("lvvit-s", 6.6), ("lvvit-m", 12.7)]


@pytest.mark.parametrize(("arch", "rho", "gflops"), PUBLISHED)
def test_every_release_matches_the_readme(arch: str, rho: float, gflops: float) -> None:
    assert abs(dynamicvit_flops(CONFIGS[arch], rho, 1000).total - gflops) <= 0.1


@pytest.mark.parametrize(("arch", "gflops"), PUBLISHED_FULL)
def test_full_models(arch: str, gflops: float) -> None:
    assert abs(deit_flops(CONFIGS[arch], 1000, 3).total - gflops) <= 0.1


def test_dynamicvit_small_at_0_7() -> None:
    f = dynamicvit_flops(CONFIGS["deit-s"], 0.7, 1000)
    assert 2.9 <= f.total <= 3.0
    assert round(f.predictors, 2) == 0.10
    assert f.per_stage_tokens == [197, 138, 97, 68]


def test_lvvit_stem_and_aux_head() -> None:
    cfg = CONFIGS["lvvit-s"]
    # conv1 7x7 3->64 and conv2/3 3x3 64->64 at 112x112, proj 8x8 64->384 on the 14x14 grid
    stem = 112 * 112 * (3 * 64 * 49 + 2 * 64 * 64 * 9) + 196 * 64 * 64 * 384
    assert patch_embed_macs(cfg) == stem
    f = dynamicvit_flops(cfg, 0.7, 1000)
    assert f.patch_embed == round(stem / 1e9, 6)
    assert f.per_stage_tokens == [197, 138, 97, 68]
    # the aux head scores the 67 patch tokens left after the last stage
    no_aux = dynamicvit_flops(cfg, 0.7, 0)
    assert abs((f.total - no_aux.total) - (384 * 1000 + 67 * 384 * 1000) / 1e9) < 2e-4


def test_keep_all_costs_the_full_model_plus_predictors() -> None:
    for arch in ("deit-s", "lvvit-m"):
        cfg = CONFIGS[arch]
        f = dynamicvit_flops(cfg, 1.0, 1000)
        assert abs(f.total - f.predictors - deit_flops(cfg, 1000, 3).total) < 1e-3
