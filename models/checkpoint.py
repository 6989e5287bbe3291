"""Load official DeiT / DynamicViT checkpoints (or bare state_dicts) strictly, sizing the model from the weights."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import torch

from models.dynamicvit import (
    ModelConfig,
    VisionTransformer,
    checkpoint_filter_fn,
    config_for_width,
    deit,
    dynamicvit,
)

MAX_LISTED = 8


class CheckpointError(Exception):
    """A checkpoint that cannot be loaded; the message is meant for the user as is."""


@dataclass
class LoadedCheckpoint:
    model: VisionTransformer
    family: str  # "dynamicvit" | "deit"
    config: ModelConfig
    num_classes: int
    path: Path
    sha256: str


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of an official file (``{"model": ...}``) or of a bare state_dict."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    try:
        raw = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # any unpickling / zip error means "not a checkpoint"
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint ({type(e).__name__}: {e})") from None
    sd = checkpoint_filter_fn(raw)
    if not isinstance(sd, dict) or not sd:
        raise CheckpointError(f"{path}: expected a state_dict or {{'model': state_dict}}, got {type(raw).__name__}")
    not_tensors = [k for k, v in sd.items() if not isinstance(v, torch.Tensor)]
    if not_tensors:
        raise CheckpointError(f"{path}: entries that are not tensors: {_listing(not_tensors)}")
    # checkpoints saved from a DistributedDataParallel wrapper carry a uniform "module." prefix
    if all(k.startswith("module.") for k in sd):
        sd = {k[len("module.") :]: v for k, v in sd.items()}
    return sd


def detect_family(sd: dict[str, torch.Tensor]) -> str:
    return "dynamicvit" if any(k.startswith("score_predictor.") for k in sd) else "deit"


def detect_config(sd: dict[str, torch.Tensor], num_heads: int | None = None) -> tuple[ModelConfig, int]:
    """Architecture and number of classes read from the tensor shapes."""
    if "cls_token" in sd:
        embed_dim = sd["cls_token"].shape[-1]
    elif "pos_embed" in sd:
        embed_dim = sd["pos_embed"].shape[-1]
    elif "patch_embed.proj.weight" in sd:
        embed_dim = sd["patch_embed.proj.weight"].shape[0]
    else:
        raise CheckpointError(
            "cannot tell the model width: none of cls_token, pos_embed, patch_embed.proj.weight is present "
            f"(keys found: {_listing(sorted(sd))})"
        )
    blocks = {int(m.group(1)) for k in sd if (m := re.match(r"blocks\.(\d+)\.", k))}
    if not blocks:
        raise CheckpointError(f"no transformer blocks (blocks.<i>.*) in the checkpoint (keys: {_listing(sorted(sd))})")
    depth = max(blocks) + 1
    num_classes = sd["head.weight"].shape[0] if "head.weight" in sd else 1000
    mlp_ratio = 4.0
    if "blocks.0.mlp.fc1.weight" in sd:
        mlp_ratio = sd["blocks.0.mlp.fc1.weight"].shape[0] / embed_dim
    base = config_for_width(int(embed_dim), num_heads)
    if base.num_heads <= 0 or embed_dim % base.num_heads:
        raise CheckpointError(f"embed_dim {embed_dim} is not divisible by {base.num_heads} heads: pass --num-heads")
    cfg = ModelConfig(
        base.name if depth == base.depth and mlp_ratio == base.mlp_ratio else f"vit_custom_{embed_dim}_d{depth}",
        embed_dim=int(embed_dim),
        num_heads=base.num_heads,
        depth=depth,
        mlp_ratio=mlp_ratio,
    )
    return cfg, int(num_classes)


def build_model(family: str, cfg: ModelConfig, num_classes: int, keep_ratio: float = 0.7) -> VisionTransformer:
    if family == "dynamicvit":
        return dynamicvit(cfg, keep_ratio=keep_ratio, num_classes=num_classes)
    return deit(cfg, num_classes=num_classes)


def check_state_dict(model: torch.nn.Module, sd: dict[str, torch.Tensor], what: str) -> None:
    """Raise one CheckpointError naming every missing / unexpected key and shape mismatch."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in sd]
    unexpected = [k for k in sd if k not in expected]
    shapes = [
        f"{k}: checkpoint {list(sd[k].shape)} vs model {list(v.shape)}"
        for k, v in expected.items()
        if k in sd and tuple(sd[k].shape) != tuple(v.shape)
    ]
    if not (missing or unexpected or shapes):
        return
    lines = [f"{what} does not match the model:"]
    if missing:
        lines.append(f"  missing keys ({len(missing)}): {_listing(missing)}")
    if unexpected:
        lines.append(f"  unexpected keys ({len(unexpected)}): {_listing(unexpected)}")
    if shapes:
        lines.append(f"  mismatched shapes ({len(shapes)}): {_listing(shapes, sep='; ')}")
    raise CheckpointError("\n".join(lines))


def load_checkpoint(
    path: Path | str,
    expect_family: str | None = None,
    num_heads: int | None = None,
    keep_ratio: float = 0.7,
) -> LoadedCheckpoint:
    path = Path(path)
    sd = read_state_dict(path)
    family = detect_family(sd)
    if expect_family is not None and family != expect_family:
        if expect_family == "dynamicvit":
            hint = "it has no score_predictor.* keys: is it a plain DeiT checkpoint? Pass it as --deit"
        else:
            hint = "it has score_predictor.* keys: is it a DynamicViT checkpoint? Pass it as --dynamicvit"
        raise CheckpointError(f"{path}: expected a {_family_name(expect_family)} checkpoint, but {hint}")
    cfg, num_classes = detect_config(sd, num_heads)
    model = build_model(family, cfg, num_classes, keep_ratio)
    what = (
        f"{path.name} ({_family_name(family)}, embed_dim {cfg.embed_dim}, depth {cfg.depth}, "
        f"{cfg.num_heads} heads, {num_classes} classes)"
    )
    check_state_dict(model, sd, what)
    model.load_state_dict(sd, strict=True)
    model.eval()
    return LoadedCheckpoint(model, family, cfg, num_classes, path, sha256_of(path))


def size_label(cfg: ModelConfig) -> str:
    return {"deit_tiny": "Ti", "deit_small": "S", "deit_base": "B"}.get(cfg.name, f"{cfg.embed_dim}d")


def _family_name(family: str) -> str:
    return "DynamicViT" if family == "dynamicvit" else "DeiT"


def _listing(items: list[str], sep: str = ", ") -> str:
    shown = sep.join(items[:MAX_LISTED])
    return shown + (f"{sep}... and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")
