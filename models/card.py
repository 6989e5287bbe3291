"""Model card JSON (schema_version 1 of models/CONTRACT.md)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.checkpoint import sha256_of
from models.dynamicvit import NUM_PATCHES, PRUNING_LOCATIONS, ModelConfig, keep_counts
from models.flops import Flops

SCHEMA_VERSION = 1
KEEP_COUNT_RULE = "k_p = min(k_{p-1}, max(1, floor(196 * rho**p))), k_0 = 196, float64"
KEEP_RATIO_RANGE = [0.3, 1.0]


def io_spec(family: str, num_classes: int) -> tuple[list[dict], list[dict]]:
    inputs: list[dict[str, Any]] = [
        {
            "name": "pixel_values",
            "dtype": "float32",
            "shape": ["batch", 3, 224, 224],
            "meaning": "RGB image, resized and center-cropped to 224, scaled to [0,1], normalised with mean/std, NCHW",
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
        for p in (1, 2, 3):
            inputs.append(
                {
                    "name": f"keep_count_stage{p}",
                    "dtype": "int64",
                    "shape": [1],
                    "meaning": f"patch tokens kept by stage {p} (before block {PRUNING_LOCATIONS[p - 1]}); "
                    f"host computes it with the keep_count_rule; must satisfy 1 <= k_{p} <= k_{p - 1}",
                }
            )
        for p in (1, 2, 3):
            outputs.append(
                {
                    "name": f"kept_positions_stage{p}",
                    "dtype": "int32",
                    "shape": ["batch", f"keep_count_stage{p}"],
                    "meaning": f"original patch positions (0..195, row = pos // 14, col = pos % 14) kept after "
                    f"stage {p}, in descending keep-score order",
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
    inputs, outputs = io_spec(family, num_classes)
    grid = cfg.img_size // cfg.patch_size
    pruning = None
    if family == "dynamicvit":
        assert keep_ratio is not None
        pruning = {
            "trained_keep_ratio": keep_ratio,
            "keep_count_rule": KEEP_COUNT_RULE,
            "keep_counts_at_trained_ratio": keep_counts(keep_ratio, NUM_PATCHES),
            "keep_ratio_range": KEEP_RATIO_RANGE,
        }
    return {
        "schema_version": SCHEMA_VERSION,
        "name": name,
        "display_name": display_name,
        "family": family,
        "twin": twin,
        "architecture": {
            "embed_dim": cfg.embed_dim,
            "depth": cfg.depth,
            "num_heads": cfg.num_heads,
            "mlp_ratio": cfg.mlp_ratio,
            "img_size": cfg.img_size,
            "patch_size": cfg.patch_size,
            "grid": grid,
            "num_patches": grid * grid,
            "pruning_locations": list(PRUNING_LOCATIONS) if family == "dynamicvit" else [],
        },
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


def write_card(card: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(card, indent=2) + "\n")
