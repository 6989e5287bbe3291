"""Formula-based multiply-accumulate counts (reported as "GFLOPs", as the DeiT / DynamicViT papers do).

The rule (models/CONTRACT.md; src/engine/flops.ts implements the same one):
  total = patch embedding + sum over blocks (4 N C^2 + 2 N^2 C + 2 mlp_ratio N C^2)
          + per predictor P (C^2 + C*C/2 + C/2*C/4 + C/4*2)   (P = patch tokens it scores)
          + head C*classes + (LV-ViT aux head: P_final * C * classes)
N = tokens in the block (incl. CLS). Not counted (as in the papers' numbers): norms, activations, softmax,
additions, token gathering. DeiT-S: 4.60 G; DynamicViT-S at rho 0.7: 2.98 G (predictors 0.10 G).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.dynamicvit import ModelConfig, keep_counts
from models.lvvit import conv_stem_macs


@dataclass(frozen=True)
class Flops:
    total: float  # GMACs
    predictors: float
    per_stage_tokens: list[int]  # tokens (incl. CLS) entering each group of blocks between pruning locations
    patch_embed: float  # GMACs of the patch embedding (LV-ViT: the conv stem)


def block_macs(tokens: int, dim: int, mlp_ratio: float) -> int:
    hidden = int(dim * mlp_ratio)
    qkv = tokens * dim * 3 * dim
    attn = 2 * tokens * tokens * dim  # q @ k^T and attn @ v over all heads
    proj = tokens * dim * dim
    mlp = 2 * tokens * dim * hidden
    return qkv + attn + proj + mlp


def predictor_macs(patches: int, dim: int) -> int:
    per_token = dim * dim + dim * (dim // 2) + (dim // 2) * (dim // 4) + (dim // 4) * 2
    return patches * per_token


def patch_embed_macs(cfg: ModelConfig) -> int:
    if cfg.patch_embed == "lvvit-conv-stem":
        return conv_stem_macs(cfg.img_size, cfg.patch_size, cfg.embed_dim, cfg.stem_channels)
    return cfg.num_patches * cfg.embed_dim * 3 * cfg.patch_size * cfg.patch_size


def _head_macs(cfg: ModelConfig, num_classes: int, final_patches: int) -> int:
    aux = final_patches * cfg.embed_dim * num_classes if cfg.aux_head else 0
    return cfg.embed_dim * num_classes + aux


def deit_flops(cfg: ModelConfig, num_classes: int, stages: int) -> Flops:
    """The full model (no pruning); ``per_stage_tokens`` repeats N + 1 for the S + 1 groups of its twin."""
    n = cfg.num_patches
    embed = patch_embed_macs(cfg)
    total = embed + cfg.depth * block_macs(n + 1, cfg.embed_dim, cfg.mlp_ratio) + _head_macs(cfg, num_classes, n)
    return Flops(round(total / 1e9, 4), 0.0, [n + 1] * (stages + 1), round(embed / 1e9, 6))


def dynamicvit_flops(cfg: ModelConfig, keep_ratio: float, num_classes: int, predictors: bool = True) -> Flops:
    """DynamicViT at ``keep_ratio``, predictors at ``cfg.pruning_loc``. ``predictors=False``: the same blocks on
    the same token counts without predictors (the training-free baselines), summed exactly, rounded once."""
    n = cfg.num_patches
    counts = keep_counts(keep_ratio, n, cfg.stages)
    patches_before = [n, *counts]  # patch tokens scored by each predictor, then after the last
    embed = patch_embed_macs(cfg)
    total = embed + _head_macs(cfg, num_classes, patches_before[-1])
    pred = 0
    stage = 0
    for i in range(cfg.depth):
        if stage < cfg.stages and i == cfg.pruning_loc[stage]:
            if predictors:
                pred += predictor_macs(patches_before[stage], cfg.embed_dim)
            stage += 1
        total += block_macs(patches_before[stage] + 1, cfg.embed_dim, cfg.mlp_ratio)
    total += pred
    return Flops(round(total / 1e9, 4), round(pred / 1e9, 4), [k + 1 for k in patches_before], round(embed / 1e9, 6))
