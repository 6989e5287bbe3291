"""Model card JSON (schema_version 2 of models/CONTRACT.md): the only source of model shape for the app."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from models.checkpoint import sha256_of
from models.dynamicvit import BACKBONES, CONFIGS, ModelConfig, keep_counts, make_config
from models.flops import Flops

SCHEMA_VERSION = 2
KEEP_COUNT_RULE = "k_p = min(k_{p-1}, max(1, floor(N * rho**p))), k_0 = N = num_patches, float64"
KEEP_RATIO_RANGE = [0.3, 1.0]
# graphs of the DynamicViT IO contract (keep counts in, kept positions out); the last two are the
# training-free baselines of models/baselines.py (no predictors, a "baseline" block says what ranks the tokens)
PRUNED_FAMILIES = ("dynamicvit", "evit-topk", "random-keep")
BASELINE_FAMILIES = PRUNED_FAMILIES[1:]
FAMILIES = (*PRUNED_FAMILIES, "deit")
BACKBONE_FIELDS = ("qkv_bias", "norm_eps", "skip_lam", "patch_embed", "aux_head")


class CardError(ValueError):
    """A card that does not describe a model this code can build; the message names the field."""


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
    if family in PRUNED_FAMILIES:
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
    keep_ratio_range: list[float] | None = None,
    baseline: dict[str, Any] | None = None,
    baselines: list[str] | None = None,
) -> dict[str, Any]:
    """A schema-2 card. Pruned families need ``keep_ratio`` (a baseline: its DynamicViT's); the baseline
    families need ``baseline`` (what ranks the tokens) and count no predictors; ``baselines`` (the baseline
    cards' file names beside a DynamicViT card) only goes on a "dynamicvit" card."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; expected one of {', '.join(FAMILIES)}")
    if len(labels) != num_classes:
        raise ValueError(f"{len(labels)} labels for {num_classes} classes")
    if (baseline is not None) != (family in BASELINE_FAMILIES):
        raise ValueError(f"a {family} card {'needs' if family in BASELINE_FAMILIES else 'has no'} baseline block")
    if family in BASELINE_FAMILIES and flops.predictors != 0:
        raise ValueError(f"a {family} card has no predictors, but its GFLOPs count {flops.predictors}")
    if baselines is not None and family != "dynamicvit":
        raise ValueError(f"only a dynamicvit card lists baselines, not a {family} card")
    inputs, outputs = io_spec(family, cfg, num_classes)
    pruning = None
    if family in PRUNED_FAMILIES:
        if keep_ratio is None:
            raise ValueError(f"a {family} card needs the trained keep ratio (of its DynamicViT)")
        pruning = {
            "trained_keep_ratio": keep_ratio,
            "keep_count_rule": KEEP_COUNT_RULE,
            "keep_counts_at_trained_ratio": keep_counts(keep_ratio, cfg.num_patches, cfg.stages),
            "keep_ratio_range": list(keep_ratio_range or KEEP_RATIO_RANGE),
        }
    card = {
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
    if baseline is not None:
        card["baseline"] = baseline
    if baselines is not None:
        card["baselines"] = list(baselines)
    return card


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
        "pruning_locations": list(cfg.pruning_loc) if family in PRUNED_FAMILIES else [],
        "qkv_bias": cfg.qkv_bias,
        "norm_eps": cfg.norm_eps,
        "skip_lam": cfg.skip_lam,
        "patch_embed": cfg.patch_embed,
        "patch_embed_gflops": flops.patch_embed,
        "aux_head": cfg.aux_head,
    }


def write_card(card: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(card, indent=2) + "\n")


def config_from_card(
    card: dict[str, Any], pruning_loc: tuple[int, ...] | None = None, keep_ratio: float | None = None
) -> ModelConfig:
    """The ModelConfig a card describes: schema 2, or schema 1 (DeiT layouts only: a custom DeiT).

    ``pruning_loc`` / ``keep_ratio`` replace the card's (a twin's card has neither). The card does not store
    the width of LV-ViT's conv stem: it is the release's (``arch``), and a custom LV-ViT is refused.
    """
    name, version = card.get("name"), card.get("schema_version")
    if version not in (1, SCHEMA_VERSION):
        raise CardError(f"{name}: card schema_version {version}, expected 1 or {SCHEMA_VERSION}")
    a, prep = card["architecture"], card["preprocessing"]
    arch, backbone = (a["arch"], a["backbone"]) if version == SCHEMA_VERSION else ("custom", "deit")
    if backbone not in BACKBONES:
        raise CardError(f"{name}: backbone {backbone!r}; expected one of {', '.join(BACKBONES)}")
    stem = 0
    if backbone == "lvvit":
        if arch not in CONFIGS:
            raise CardError(f"{name}: a {arch} LV-ViT's conv stem width is not in the card (releases only)")
        stem = CONFIGS[arch].stem_channels
    cfg = make_config(
        arch,
        backbone,
        embed_dim=int(a["embed_dim"]),
        num_heads=int(a["num_heads"]),
        depth=int(a["depth"]),
        mlp_ratio=float(a["mlp_ratio"]),
        img_size=int(a["img_size"]),
        patch_size=int(a["patch_size"]),
        pruning_loc=tuple(a["pruning_locations"] if pruning_loc is None else pruning_loc),
        keep_ratio=(card.get("pruning") or {}).get("trained_keep_ratio") if keep_ratio is None else keep_ratio,
        resize_shorter_side=int(prep["resize_shorter_side"]),
        stem_channels=stem,
    )
    if prep["crop_size"] != cfg.img_size:
        raise CardError(f"{name}: crop_size {prep['crop_size']} is not the input size {cfg.img_size}")
    cfg = replace(cfg, interpolation=prep["interpolation"], mean=tuple(prep["mean"]), std=tuple(prep["std"]))
    if version == SCHEMA_VERSION:
        fixed = {k: getattr(cfg, k) for k in BACKBONE_FIELDS}
        differ = {k: a[k] for k, v in fixed.items() if a[k] != v}
        if differ:
            raise CardError(f"{name}: {differ} differ from the {backbone} backbone's {fixed}")
    return cfg
