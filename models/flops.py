"""Formula-based multiply-accumulate counts (reported as "GFLOPs", as the DeiT / DynamicViT papers do).

Counted: patch embedding, every Linear, the two attention matmuls, the head, and the predictors.
Not counted (as in the papers' fvcore numbers): LayerNorm, GELU, softmax, additions, token gathering.
DeiT-S: 4.60 G; DynamicViT-S at rho 0.7: 2.98 G (predictors 0.10 G).
"""
from __future__ import annotations

from dataclasses import dataclass

from models.dynamicvit import PRUNING_LOCATIONS, ModelConfig, keep_counts


@dataclass(frozen=True)
class Flops:
    total: float  # GMACs
    predictors: float
    per_stage_tokens: list[int]  # tokens (incl. CLS) entering each group of blocks between pruning locations


def block_macs(tokens: int, dim: int, mlp_ratio: float = 4.0) -> int:
    hidden = int(dim * mlp_ratio)
    qkv = tokens * dim * 3 * dim
    attn = 2 * tokens * tokens * dim  # q @ k^T and attn @ v over all heads
    proj = tokens * dim * dim
    mlp = 2 * tokens * dim * hidden
    return qkv + attn + proj + mlp


def predictor_macs(patches: int, dim: int) -> int:
    per_token = dim * dim + dim * (dim // 2) + (dim // 2) * (dim // 4) + (dim // 4) * 2
    return patches * per_token


def _stem_and_head(cfg: ModelConfig, num_classes: int) -> int:
    grid = cfg.img_size // cfg.patch_size
    patch = grid * grid * cfg.embed_dim * 3 * cfg.patch_size * cfg.patch_size
    return patch + cfg.embed_dim * num_classes


def deit_flops(cfg: ModelConfig, num_classes: int = 1000) -> Flops:
    n = (cfg.img_size // cfg.patch_size) ** 2 + 1
    total = _stem_and_head(cfg, num_classes) + cfg.depth * block_macs(n, cfg.embed_dim, cfg.mlp_ratio)
    return Flops(round(total / 1e9, 4), 0.0, [n] * (len(PRUNING_LOCATIONS) + 1))


def dynamicvit_flops(
    cfg: ModelConfig,
    keep_ratio: float,
    num_classes: int = 1000,
    pruning_loc: tuple[int, ...] = PRUNING_LOCATIONS,
) -> Flops:
    num_patches = (cfg.img_size // cfg.patch_size) ** 2
    counts = keep_counts(keep_ratio, num_patches, len(pruning_loc))
    patches_before = [num_patches, *counts]  # patch tokens scored by each predictor, then after the last
    total = _stem_and_head(cfg, num_classes)
    pred = 0
    stage = 0
    for i in range(cfg.depth):
        if stage < len(pruning_loc) and i == pruning_loc[stage]:
            pred += predictor_macs(patches_before[stage], cfg.embed_dim)
            stage += 1
        total += block_macs(patches_before[stage] + 1, cfg.embed_dim, cfg.mlp_ratio)
    total += pred
    return Flops(round(total / 1e9, 4), round(pred / 1e9, 4), [n + 1 for n in patches_before])
