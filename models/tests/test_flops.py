from __future__ import annotations

from models.dynamicvit import CONFIGS
from models.flops import deit_flops, dynamicvit_flops


def test_deit_small_is_4_6_gflops() -> None:
    assert round(deit_flops(CONFIGS["deit_small"]).total, 1) == 4.6


def test_dynamicvit_small_at_0_7() -> None:
    f = dynamicvit_flops(CONFIGS["deit_small"], 0.7)
    assert 2.9 <= f.total <= 3.0
    assert round(f.predictors, 2) == 0.10
    assert f.per_stage_tokens == [197, 138, 97, 68]


def test_other_sizes_match_the_papers() -> None:
    assert round(deit_flops(CONFIGS["deit_tiny"]).total, 1) == 1.3
    assert round(deit_flops(CONFIGS["deit_base"]).total, 1) == 17.6
    assert 11.2 <= dynamicvit_flops(CONFIGS["deit_base"], 0.7).total <= 11.6


def test_keep_all_costs_deit_plus_predictors() -> None:
    cfg = CONFIGS["deit_small"]
    f = dynamicvit_flops(cfg, 1.0)
    assert abs(f.total - f.predictors - deit_flops(cfg).total) < 1e-3
