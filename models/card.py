"""Model card JSON (schema_version 2 of models/CONTRACT.md): the only source of model shape for the app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.checkpoint import sha256_of
from models.dynamicvit import ModelConfig, keep_counts
from models.flops import Flops

SCHEMA_VERSION = 2
KEEP_COUNT_RULE = "k_p = min(k_{p-1}, max(1, floor(N * rho**p))), k_0 = N = num_patches, float64"
KEEP_RATIO_RANGE = [0.3, 1.0]


def io_spec(family: str, cfg: ModelConfig, num_classes: int) -> tuple[list[dict], list[dict]]:
    n, grid, size = cfg.num_patches, cfg.grid, cfg.img_size
    inputs: list[dict[str, Any]] = [
        {
            "name": "pixel_values",
            "dtype": "float32",
            "shape": ["batch", 3, size, size],
            "meaning": f"RGB image, resized and center-cropped to {size}, scaled to [0,1], normalised with mean/std, "
            "NCHW",
        }
    ]
    outputs: list[dict[str, Any]] = [
        {
            "name": "logits",
            "dtype": "float32",
            "shape": ["batch", num_classes],
            "meaning": "class scores before softmax, index = labels index",
        }
    ]
    if family == "dynamicvit":
        stages = range(1, cfg.stages + 1)
        for p in stages:
            inputs.append(
                {
                    "name": f"keep_count_stage{p}",
                    "dtype": "int64",
                    "shape": [1],
                    "meaning": f"patch tokens kept by stage {p} (before block {cfg.pruning_loc[p - 1]}); "
                    f"host computes it with the keep_count_rule; must satisfy 1 <= k_{p} <= k_{p - 1}",
                }
            )
        for p in stages:
            outputs.append(
                {
                    "name": f"kept_positions_stage{p}",
                    "dtype": "int32",
                    "shape": ["batch", f"keep_count_stage{p}"],
                    "meaning": f"original patch positions (0..{n - 1}, row = pos // {grid}, col = pos % {grid}) kept "
                    f"after stage {p}, in descending keep-score order",
                }
            )
    return inputs, outputs


def onnx_entry(path: Path, opset: int, precision: str) -> dict[str, Any]:
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "sha256": sha256_of(path),
        "opset": opset,
        "precision": precision,
    }


def build_card(
    *,
    family: str,
    name: str,
    display_name: str,
    twin: str,
    cfg: ModelConfig,
    num_classes: int,
    onnx: dict[str, Any],
    labels: list[str],
    keep_ratio: float | None,
    flops: Flops,
    full_deit_gflops: float,
    provenance: dict[str, Any],
    parity: dict[str, Any],
    fp16: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
    notes: str = "",
) -> dict[str, Any]:
    if len(labels) != num_classes:
        raise ValueError(f"{len(labels)} labels for {num_classes} classes")
    inputs, outputs = io_spec(family, cfg, num_classes)
    pruning = None
    if family == "dynamicvit":
        if keep_ratio is None:
            raise ValueError("a DynamicViT card needs its trained keep ratio")
        pruning = {
            "trained_keep_ratio": keep_ratio,
            "keep_count_rule": KEEP_COUNT_RULE,
            "keep_counts_at_trained_ratio": keep_counts(keep_ratio, cfg.num_patches, cfg.stages),
            "keep_ratio_range": KEEP_RATIO_RANGE,
        }
    return {
        "schema_version": SCHEMA_VERSION,
        "name": name,
        "display_name": display_name,
        "family": family,
        "twin": twin,
        "architecture": architecture(cfg, family, flops),
        "onnx": onnx,
        "preprocessing": {
            "resize_shorter_side": cfg.resize_shorter_side,
            "crop_size": cfg.img_size,
            "interpolation": cfg.interpolation,
            "mean": list(cfg.mean),
            "std": list(cfg.std),
            "color": "RGB",
            "layout": "NCHW",
            "input_range": "[0,1] before normalisation",
        },
        "labels": labels,
        "pruning": pruning,
        "gflops": {
            "total": round(flops.total, 3),
            "full_deit": round(full_deit_gflops, 3),
            "predictors": round(flops.predictors, 3),
            "per_stage_tokens": flops.per_stage_tokens,
        },
        "inputs": inputs,
        "outputs": outputs,
        "provenance": provenance,
        "parity": parity,
        "fp16": fp16,
        "training": training,
        "notes": notes,
    }


def architecture(cfg: ModelConfig, family: str, flops: Flops) -> dict[str, Any]:
    return {
        "arch": cfg.arch,
        "backbone": cfg.backbone,
        "embed_dim": cfg.embed_dim,
        "depth": cfg.depth,
        "num_heads": cfg.num_heads,
        "mlp_ratio": cfg.mlp_ratio,
        "img_size": cfg.img_size,
        "patch_size": cfg.patch_size,
        "grid": cfg.grid,
        "num_patches": cfg.num_patches,
        "pruning_locations": list(cfg.pruning_loc) if family == "dynamicvit" else [],
        "qkv_bias": cfg.qkv_bias,
        "norm_eps": cfg.norm_eps,
        "skip_lam": cfg.skip_lam,
        "patch_embed": cfg.patch_embed,
        "patch_embed_gflops": flops.patch_embed,
        "aux_head": cfg.aux_head,
    }


def write_card(card: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(card, indent=2) + "\n")
