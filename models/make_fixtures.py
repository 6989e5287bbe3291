"""Regenerate the committed test fixtures: public/models/fixture-tiny/, public/models/fixture-lvvit-tiny/
and tests/fixtures/keep_counts.json.

python -m models.make_fixtures [--models-dir public/models] [--only fixture-tiny|fixture-lvvit-tiny]

Each fixture pair has a real graph structure (224 input, 196 patches; fixture-tiny: DeiT, 12 blocks,
predictors before blocks 3/6/9; fixture-lvvit-tiny: LV-ViT's conv stem, no qkv bias, skip_lam 2, aux
head, LayerNorm eps 1e-5, 16 blocks, predictors before 4/8/12) at a tiny width, random weights, and
predictors re-initialised so that keep scores are far apart: kept sets are then decided by the logic,
not by float noise, on any backend.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from models.checkpoint import load_checkpoint
from models.dynamicvit import (
    CONFIGS,
    DynamicVisionTransformer,
    ModelConfig,
    VisionTransformer,
    deit,
    dynamicvit,
    keep_counts,
    make_config,
)
from models.export import export_pair
from models.parity import KEEP_RATIOS, count_feeds, model_counts, score_gap, session, torch_pruned

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CLASSES = 10
SCORE_STD = 20.0  # spread of KEEP-minus-DROP logits
SCORE_MEAN = -70.0  # negative: log_softmax(KEEP) ~ the logit difference, far from saturating at 0


@dataclass(frozen=True)
class FixtureSpec:
    name: str
    cfg: ModelConfig
    notes: str
    score_mean: float = SCORE_MEAN  # calibrated on noise; the smooth fixture image shifts LV-ViT's scores by ~+150


def _tiny(backbone: str, dim: int, heads: int, depth: int, mlp: float, locations: tuple[int, ...], stem: int = 0):
    return make_config(
        "custom",
        backbone,
        embed_dim=dim,
        num_heads=heads,
        depth=depth,
        mlp_ratio=mlp,
        img_size=224,
        patch_size=16,
        pruning_loc=locations,
        keep_ratio=0.7,
        resize_shorter_side=256,
        stem_channels=stem,
    )


FIXTURES = {
    "fixture-tiny": FixtureSpec(
        "fixture-tiny",
        _tiny("deit", 16, 2, 12, 4.0, (3, 6, 9)),
        "Random weights (16-dim, 2 heads, 12 blocks, 10 classes); predictors re-initialised for "
        "well-separated keep scores. For tests only: predictions are meaningless.",
    ),
    "fixture-lvvit-tiny": FixtureSpec(
        "fixture-lvvit-tiny",
        _tiny("lvvit", 24, 2, 16, 3.0, (4, 8, 12), stem=16),
        "Random weights with LV-ViT's structure (conv stem of 16 channels with BatchNorm, no qkv bias, "
        "skip_lam 2, aux head, LayerNorm eps 1e-5; 24-dim, 2 heads, 16 blocks, predictors before blocks 4, 8, 12; "
        "10 classes); predictors re-initialised for well-separated keep scores. For tests only.",
        score_mean=-300.0,
    ),
}


@torch.no_grad()
def separate_scores(model: DynamicVisionTransformer, seed: int = 0, score_mean: float = SCORE_MEAN) -> None:
    """Re-initialise the predictors so keep scores spread widely (std SCORE_STD) and never saturate."""
    g = torch.Generator().manual_seed(seed)
    size = model.cfg.img_size
    x = model.embed(torch.randn(4, 3, size, size, generator=g))
    stage = 0
    for i, blk in enumerate(model.blocks):
        if i in model.pruning_loc:
            pred = model.score_predictor[stage]
            for lin in (pred.in_conv[1], pred.out_conv[0], pred.out_conv[2]):
                lin.weight.normal_(0.0, lin.in_features**-0.5, generator=g)
                lin.bias.normal_(0.0, 0.5, generator=g)
            last = pred.out_conv[4]
            last.weight.zero_()
            last.bias.zero_()
            last.weight[0].normal_(0.0, 1.0, generator=g)
            logp = pred(x[:, 1:])
            raw = logp[:, :, 0] - logp[:, :, 1]  # KEEP minus DROP logit
            gain = SCORE_STD / float(raw.std())
            last.weight[0] *= gain
            last.bias[0] = score_mean - gain * float(raw.mean())
            stage += 1
        x = blk(x)


def random_pair(
    cfg: ModelConfig, num_classes: int, seed: int = 0, score_mean: float = SCORE_MEAN
) -> tuple[DynamicVisionTransformer, VisionTransformer]:
    """A DynamicViT with well-separated keep scores and its full twin (same backbone weights)."""
    torch.manual_seed(seed)
    dvit = dynamicvit(cfg, num_classes).eval()  # eval before calibrating: LV-ViT's BatchNorm statistics
    _randomise(dvit, seed)
    separate_scores(dvit, seed, score_mean)
    twin = deit(cfg, num_classes=num_classes)
    backbone = {k: v for k, v in dvit.state_dict().items() if not k.startswith("score_predictor.")}
    twin.load_state_dict(backbone, strict=True)
    return dvit.eval(), twin.eval()


@torch.no_grad()
def _randomise(model: VisionTransformer, seed: int) -> None:
    """Unit-gain Linears (DeiT's std 0.02 init makes the output nearly independent of the image) and
    non-trivial biases / LayerNorm affines, so that every parameter is exercised by the parity tests."""
    g = torch.Generator().manual_seed(seed + 1)
    for name, mod in model.named_modules():
        if isinstance(mod, torch.nn.Linear) and not name.startswith("score_predictor"):
            mod.weight.normal_(0.0, mod.in_features**-0.5, generator=g)
    for name, p in model.named_parameters():
        if name.endswith("bias") or ".norm" in name or name.startswith("norm."):
            p.add_(torch.randn(p.shape, generator=g) * 0.1)
    for mod in model.modules():  # LV-ViT stem: eval BatchNorm statistics that the export must fold in
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.weight.add_(torch.randn(mod.weight.shape, generator=g) * 0.1)
            mod.running_mean.normal_(0.0, 0.1, generator=g)
            mod.running_var.uniform_(0.5, 1.5, generator=g)


def save_official(model: torch.nn.Module, path: Path) -> Path:
    """The layout of the official release files: {"model": state_dict}."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict()}, path)
    return path


def keep_count_table(cfg: ModelConfig = CONFIGS["deit-s"]) -> dict:
    """Counts of the releases' grid (N = 196, S = 3) for rho 0.30..1.00, from the Python float64 rule."""
    rhos = [round(0.30 + i * 0.01, 2) for i in range(71)]
    n, stages = cfg.num_patches, cfg.stages
    return {
        "rule": "k_p = min(k_{p-1}, max(1, floor(N * rho**p))), k_0 = N; Python float64: int(N * rho ** p)",
        "num_patches": n,
        "stages": stages,
        "entries": [{"rho": r, "counts": keep_counts(r, n, stages)} for r in rhos],
    }


def fixture_input(size: int) -> np.ndarray:
    """A deterministic image-like input: smooth colour gradients and a disc, normalised like ImageNet."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / (size - 1)
    r = 0.5 + 0.4 * np.sin(6.0 * xx + 2.0 * yy)
    g = 0.5 + 0.4 * np.cos(5.0 * yy - 3.0 * xx)
    b = 0.3 + 0.6 * (((xx - 0.6) ** 2 + (yy - 0.4) ** 2) < 0.05)
    img = np.stack([r, g, b])
    mean = np.array([0.485, 0.456, 0.406])[:, None, None]
    std = np.array([0.229, 0.224, 0.225])[:, None, None]
    return ((img - mean) / std).astype(np.float32)[None]


def write_expected(out_dir: Path, dvit: DynamicVisionTransformer) -> dict:
    """Top-5 and kept positions of the exported graphs on the fixture input (onnxruntime CPU)."""
    x = fixture_input(dvit.cfg.img_size)
    (out_dir / "input.bin").write_bytes(x.tobytes())
    deit_logits = session(out_dir / "deit.onnx").run(None, {"pixel_values": x})[0][0]
    dsess = session(out_dir / "dynamicvit.onnx")
    expected: dict = {
        "input": {"file": "input.bin", "dtype": "float32", "shape": list(x.shape), "source": "models/make_fixtures.py"},
        "deit": {"top5": _top5(deit_logits), "logits": _round(deit_logits)},
        "dynamicvit": {},
    }
    for rho in KEEP_RATIOS:
        counts = model_counts(dvit, rho)
        out = dsess.run(None, {"pixel_values": x, **count_feeds(counts)})
        _, scores = torch_pruned(dvit, torch.from_numpy(x), rho)
        gaps = [score_gap(s, k) for s, k in zip(scores, counts, strict=True)]
        expected["dynamicvit"][str(rho)] = {
            "keep_counts": counts,
            "top5": _top5(out[0][0]),
            "logits": _round(out[0][0]),
            "kept_positions": [o[0].tolist() for o in out[1:]],
            "min_score_gap": [round(g, 4) for g in gaps],
        }
    (out_dir / "expected.json").write_text(json.dumps(expected) + "\n")
    return expected


def _top5(logits: np.ndarray) -> list[int]:
    return [int(i) for i in np.argsort(-logits, kind="stable")[:5]]


def _round(a: np.ndarray) -> list[float]:
    return [float(f"{v:.6g}") for v in a.tolist()]


def make_fixture(spec: FixtureSpec, out_dir: Path, seed: int = 0) -> None:
    dvit, twin = random_pair(spec.cfg, FIXTURE_CLASSES, seed, spec.score_mean)
    with tempfile.TemporaryDirectory() as tmp:
        dpath = save_official(dvit, Path(tmp) / f"{spec.name}-dynamicvit-seed{seed}.pth")
        tpath = save_official(twin, Path(tmp) / f"{spec.name}-deit-seed{seed}.pth")
        heads, locations = spec.cfg.num_heads, spec.cfg.pruning_loc
        export_pair(
            load_checkpoint(dpath, "dynamicvit", heads, spec.cfg.keep_ratio, locations),
            load_checkpoint(tpath, "deit", heads),
            out_dir,
            name=spec.name,
            title=f"Tiny random {'LV-ViT ' if spec.cfg.backbone == 'lvvit' else ''}fixture (tests only)",
            kind="fixture",
            notes=spec.notes,
        )
    write_expected(out_dir, dvit)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m models.make_fixtures", description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", type=Path, default=ROOT / "public/models")
    ap.add_argument("--only", choices=sorted(FIXTURES), help="regenerate one fixture (default: all)")
    ap.add_argument("--keep-counts", type=Path, default=ROOT / "tests/fixtures/keep_counts.json")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    args.keep_counts.parent.mkdir(parents=True, exist_ok=True)
    args.keep_counts.write_text(json.dumps(keep_count_table(), indent=1) + "\n")
    for name in [args.only] if args.only else sorted(FIXTURES):
        out = args.models_dir / name
        make_fixture(FIXTURES[name], out, args.seed)
        for f in sorted(out.iterdir()):
            print(f"{f.relative_to(ROOT) if f.is_relative_to(ROOT) else f}: {f.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
