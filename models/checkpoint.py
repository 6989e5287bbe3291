"""Load official DeiT / LV-ViT / DynamicViT checkpoints (or bare state_dicts) strictly, sizing the model from the weights."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from models.dynamicvit import (
    CONFIGS,
    TEACHER_RESIZE,
    ModelConfig,
    VisionTransformer,
    checkpoint_filter_fn,
    deit,
    dynamicvit,
    make_config,
    spread_locations,
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
    from_dynamicvit: bool = False  # the twin is the DynamicViT's backbone (no teacher file given)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read(path: Path):  # type: ignore[no-untyped-def]
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # any unpickling / zip error means "not a checkpoint"
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint ({type(e).__name__}: {e})") from None


def _saved_keep_ratio(raw) -> float | None:  # type: ignore[no-untyped-def]
    """DynamicViT's main.py saves its argparse Namespace as "args"; base_rate is the trained rho."""
    rate = getattr(raw.get("args"), "base_rate", None) if isinstance(raw, dict) else None
    return float(rate) if isinstance(rate, (int, float)) else None


def read_state_dict(path: Path, raw=None) -> dict[str, torch.Tensor]:  # type: ignore[no-untyped-def]
    """The tensors of an official file (``{"model": sd}``, ``{"state_dict": sd}``) or of a bare state_dict."""
    path = Path(path)
    if raw is None:
        raw = _read(path)
    sd = checkpoint_filter_fn(raw)
    if not isinstance(sd, dict) or not sd:
        raise CheckpointError(
            f"{path}: expected a state_dict, {{'model': state_dict}} or {{'state_dict': state_dict}}, "
            f"got {type(raw).__name__}"
        )
    not_tensors = [k for k, v in sd.items() if not isinstance(v, torch.Tensor)]
    if not_tensors:
        raise CheckpointError(f"{path}: entries that are not tensors: {_listing(not_tensors)}")
    # checkpoints saved from a DistributedDataParallel wrapper carry a uniform "module." prefix
    if all(k.startswith("module.") for k in sd):
        sd = {k[len("module.") :]: v for k, v in sd.items()}
    return sd


def detect_family(sd: dict[str, torch.Tensor]) -> str:
    return "dynamicvit" if any(k.startswith("score_predictor.") for k in sd) else "deit"


def detect_backbone(sd: dict[str, torch.Tensor]) -> str:
    return "lvvit" if "patch_embed.conv1.weight" in sd else "deit"


def _shape(sd: dict[str, torch.Tensor], key: str) -> tuple[int, ...] | None:
    return tuple(sd[key].shape) if key in sd else None


def detect_config(
    sd: dict[str, torch.Tensor],
    num_heads: int | None = None,
    pruning_loc: tuple[int, ...] | None = None,
    keep_ratio: float | None = None,
) -> tuple[ModelConfig, int]:
    """Architecture and number of classes read from the keys and tensor shapes.

    A known release (width, depth, MLP ratio, backbone) takes its config from ``CONFIGS`` (heads and
    predictor locations cannot be read from weights); anything else becomes an "custom" config with
    ``num_heads`` (default width // 64) and predictors spread evenly over the depth.
    """
    backbone = detect_backbone(sd)
    proj = _shape(sd, "patch_embed.proj.weight")
    if "cls_token" in sd:
        embed_dim = sd["cls_token"].shape[-1]
    elif "pos_embed" in sd:
        embed_dim = sd["pos_embed"].shape[-1]
    elif proj is not None:
        embed_dim = proj[0]
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
    fc1 = _shape(sd, "blocks.0.mlp.fc1.weight")
    mlp_ratio = fc1[0] / embed_dim if fc1 else 4.0
    stem = sd["patch_embed.conv1.weight"].shape[0] if backbone == "lvvit" else 0
    # patch size from the patch conv (LV-ViT: the stem halves the image first), grid from pos_embed
    patch_size = 16
    if proj is not None and len(proj) == 4:
        patch_size = proj[-1] * (2 if backbone == "lvvit" else 1)
    pos = _shape(sd, "pos_embed")
    grid = round((pos[1] - 1) ** 0.5) if pos else 224 // patch_size
    if pos and grid * grid != pos[1] - 1:
        raise CheckpointError(f"pos_embed has {pos[1]} tokens: not 1 + a square grid of patches")
    img_size = grid * patch_size
    stages = len({int(m.group(1)) for k in sd if (m := re.match(r"score_predictor\.(\d+)\.", k))})

    release = next(
        (
            c
            for c in CONFIGS.values()
            if (c.backbone, c.embed_dim, c.depth, c.mlp_ratio, c.stem_channels, c.img_size, c.patch_size)
            == (backbone, embed_dim, depth, mlp_ratio, stem, img_size, patch_size)
        ),
        None,
    )
    if release is not None and (num_heads is None or num_heads == release.num_heads):
        cfg = release
    else:
        heads = num_heads if num_heads is not None else max(1, int(embed_dim) // 64)
        if embed_dim % heads:
            raise CheckpointError(f"embed_dim {embed_dim} is not divisible by {heads} heads: pass --num-heads")
        cfg = make_config(
            "custom",
            backbone,
            embed_dim=int(embed_dim),
            num_heads=heads,
            depth=depth,
            mlp_ratio=mlp_ratio,
            img_size=img_size,
            patch_size=patch_size,
            pruning_loc=spread_locations(depth, stages),
            keep_ratio=None,
            resize_shorter_side=int(round(img_size * 256 / 224)),
            stem_channels=stem,
        )
    if pruning_loc is not None:
        if stages and len(pruning_loc) != stages:
            raise CheckpointError(
                f"{len(pruning_loc)} pruning locations given, but the checkpoint has {stages} predictors"
            )
        if list(pruning_loc) != sorted(set(pruning_loc)) or not all(0 < b < depth for b in pruning_loc):
            raise CheckpointError(
                f"pruning locations must increase strictly within 1..{depth - 1}, got {list(pruning_loc)}"
            )
        cfg = replace(cfg, pruning_loc=tuple(pruning_loc))
    if keep_ratio is not None:
        cfg = replace(cfg, keep_ratio=keep_ratio)
    return cfg, int(num_classes)


def build_model(family: str, cfg: ModelConfig, num_classes: int) -> VisionTransformer:
    if family == "dynamicvit":
        return dynamicvit(cfg, num_classes)
    return deit(cfg, num_classes)


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
    keep_ratio: float | None = None,
    pruning_loc: tuple[int, ...] | None = None,
) -> LoadedCheckpoint:
    """Load strictly. The DynamicViT's keep ratio: ``keep_ratio``, else the training args saved in the
    file (``args.base_rate``), else the release's; a custom size without any of them is refused."""
    path = Path(path)
    raw = _read(path)
    sd = read_state_dict(path, raw)
    family = detect_family(sd)
    if expect_family is not None and family != expect_family:
        if expect_family == "dynamicvit":
            hint = "it has no score_predictor.* keys: is it a plain DeiT / LV-ViT checkpoint? Pass it as --deit"
        else:
            hint = "it has score_predictor.* keys: is it a DynamicViT checkpoint? Pass it as --dynamicvit"
        raise CheckpointError(f"{path}: expected a {_family_name(expect_family)} checkpoint, but {hint}")
    if family == "dynamicvit" and keep_ratio is None:
        keep_ratio = _saved_keep_ratio(raw)
    cfg, num_classes = detect_config(sd, num_heads, pruning_loc, keep_ratio)
    if family == "dynamicvit" and cfg.keep_ratio is None:
        raise CheckpointError(
            f"{path.name}: a custom-size DynamicViT ({cfg.embed_dim} wide, {cfg.depth} blocks) and no trained keep "
            "ratio in the file: pass --keep-ratio"
        )
    if family == "deit" and cfg.arch in TEACHER_RESIZE:
        cfg = replace(cfg, resize_shorter_side=TEACHER_RESIZE[cfg.arch])
    model = build_model(family, cfg, num_classes)
    what = (
        f"{path.name} ({_family_name(family)}, {cfg.arch} {cfg.backbone}, embed_dim {cfg.embed_dim}, depth "
        f"{cfg.depth}, {cfg.num_heads} heads, {num_classes} classes)"
    )
    check_state_dict(model, sd, what)
    model.load_state_dict(sd, strict=True)
    model.eval()
    return LoadedCheckpoint(model, family, cfg, num_classes, path, sha256_of(path))


def backbone_twin(dvit: LoadedCheckpoint) -> LoadedCheckpoint:
    """The full twin when no teacher file is given (DeiT-256 has none released): the DynamicViT's own
    backbone weights without its predictors."""
    cfg = dvit.config
    model = deit(cfg, dvit.num_classes)
    sd = {k: v for k, v in dvit.model.state_dict().items() if not k.startswith("score_predictor.")}
    model.load_state_dict(sd, strict=True)
    model.eval()
    return LoadedCheckpoint(model, "deit", cfg, dvit.num_classes, dvit.path, dvit.sha256, from_dynamicvit=True)


ARCH_LABELS = {
    "deit-ti": "DeiT-Ti",
    "deit-256": "DeiT-256",
    "deit-s": "DeiT-S",
    "deit-b": "DeiT-B",
    "lvvit-s": "LV-ViT-S",
    "lvvit-m": "LV-ViT-M",
}


def arch_label(cfg: ModelConfig) -> str:
    """The backbone's name as the releases spell it: DeiT-S, LV-ViT-M; custom sizes: DeiT-48d."""
    if cfg.arch in ARCH_LABELS:
        return ARCH_LABELS[cfg.arch]
    return f"{'LV-ViT' if cfg.backbone == 'lvvit' else 'DeiT'}-{cfg.embed_dim}d"


def _family_name(family: str) -> str:
    return "DynamicViT" if family == "dynamicvit" else "full (DeiT / LV-ViT)"


def _listing(items: list[str], sep: str = ", ") -> str:
    shown = sep.join(items[:MAX_LISTED])
    return shown + (f"{sep}... and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")
