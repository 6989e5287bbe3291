"""ONNX Runtime (CPU) vs the PyTorch eval path: logits difference and per-stage kept sets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import torch

from models.dynamicvit import DynamicVisionTransformer, VisionTransformer, keep_counts

TOLERANCE = 1e-4
KEEP_RATIOS = (0.5, 0.7, 0.9)
BATCH_SIZES = (1, 3)


@dataclass
class Case:
    keep_ratio: float | None
    batch: int
    logits_max_abs_diff: float
    kept_set_sym_diff: list[int]  # per stage, summed over the batch; 0 = identical sets
    min_score_gap: list[float]  # per stage, PyTorch score of the k-th minus the (k+1)-th kept token


def session(path: Path) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def inputs_for(batch: int, seed: int, img_size: int) -> torch.Tensor:
    return torch.randn(batch, 3, img_size, img_size, generator=torch.Generator().manual_seed(seed))


def model_counts(model: DynamicVisionTransformer, keep_ratio: float) -> list[int]:
    return keep_counts(keep_ratio, model.cfg.num_patches, len(model.pruning_loc))


def count_feeds(counts: list[int]) -> dict[str, np.ndarray]:
    """The graph's keep_count_stage1..S inputs."""
    return {f"keep_count_stage{p + 1}": np.array([k], dtype=np.int64) for p, k in enumerate(counts)}


def torch_pruned(model: DynamicVisionTransformer, x: torch.Tensor, keep_ratio: float):
    """forward_pruned plus each stage's keep scores (log-probability of KEEP), captured by hooks."""
    scores: list[torch.Tensor] = []
    hooks = [p.register_forward_hook(lambda _m, _i, out: scores.append(out[:, :, 0])) for p in model.score_predictor]
    try:
        with torch.no_grad():
            out = model.forward_pruned(x, keep_ratio)
    finally:
        for h in hooks:
            h.remove()
    return out, scores


def score_gap(score: torch.Tensor, k: int) -> float:
    """Smallest margin over the batch between the k-th and (k+1)-th highest score (0 = a tie at the cut)."""
    if k >= score.shape[1]:
        return float("inf")
    s = torch.sort(score.double(), dim=1, descending=True).values
    return float((s[:, k - 1] - s[:, k]).min())


def pruned_cases(
    reference: Callable[[torch.Tensor, float], tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]],
    counts_for: Callable[[float], list[int]],
    img_size: int,
    onnx_path: Path,
    keep_ratios: tuple[float, ...] = KEEP_RATIOS,
    batches: tuple[int, ...] = BATCH_SIZES,
    seed: int = 0,
) -> list[Case]:
    """ONNX Runtime CPU vs a PyTorch eval path on seeded standard-normal inputs.

    ``reference(x, rho)`` gives (logits, kept original positions per stage, keep scores per stage).
    """
    sess = session(onnx_path)
    cases = []
    for b in batches:
        x = inputs_for(b, seed + b, img_size)
        for rho in keep_ratios:
            logits, kept, scores = reference(x, rho)
            counts = counts_for(rho)
            got = sess.run(None, {"pixel_values": x.numpy(), **count_feeds(counts)})
            sym = [
                sum(len(set(kept[p][i].tolist()) ^ set(got[1 + p][i].tolist())) for i in range(b))
                for p in range(len(counts))
            ]
            gaps = [score_gap(s, k) for s, k in zip(scores, counts, strict=True)]
            cases.append(Case(rho, b, float(np.abs(logits.numpy() - got[0]).max()), sym, gaps))
    return cases


def dynamicvit_cases(
    model: DynamicVisionTransformer,
    onnx_path: Path,
    keep_ratios: tuple[float, ...] = KEEP_RATIOS,
    batches: tuple[int, ...] = BATCH_SIZES,
    seed: int = 0,
) -> list[Case]:
    def reference(x: torch.Tensor, rho: float):
        ref, scores = torch_pruned(model, x, rho)
        return ref.logits, ref.kept_positions, scores

    return pruned_cases(
        reference, lambda rho: model_counts(model, rho), model.cfg.img_size, onnx_path, keep_ratios, batches, seed
    )


def deit_cases(
    model: VisionTransformer, onnx_path: Path, batches: tuple[int, ...] = BATCH_SIZES, seed: int = 0
) -> list[Case]:
    sess = session(onnx_path)
    cases = []
    for b in batches:
        x = inputs_for(b, seed + b, model.cfg.img_size)
        with torch.no_grad():
            ref = model(x).numpy()
        got = sess.run(None, {"pixel_values": x.numpy()})[0]
        cases.append(Case(None, b, float(np.abs(ref - got).max()), [], []))
    return cases


def summary(cases: list[Case], tolerance: float | None = TOLERANCE) -> dict[str, Any]:
    """The card's parity block."""
    worst = max(c.logits_max_abs_diff for c in cases)
    identical = all(sum(c.kept_set_sym_diff) == 0 for c in cases)
    out: dict[str, Any] = {
        "backend": f"onnxruntime {ort.__version__} CPUExecutionProvider vs PyTorch {torch.__version__.split('+')[0]} eval",
        "reference": "DynamicVisionTransformer.forward_pruned (argsort of log_softmax keep scores) / "
        "VisionTransformer.forward",
        "input": "seeded standard-normal tensors",
        "tolerance": tolerance,
        "logits_max_abs_diff": float(f"{worst:.3g}"),
        "kept_sets_identical": identical,
        "keep_ratios_checked": sorted({c.keep_ratio for c in cases if c.keep_ratio is not None}),
        "batch_sizes": sorted({c.batch for c in cases}),
        "cases": [_rounded(c) for c in cases],
    }
    if tolerance is not None:
        out["passed"] = worst <= tolerance and identical
    return out


def _rounded(c: Case) -> dict[str, Any]:
    d = asdict(c)
    d["logits_max_abs_diff"] = float(f"{c.logits_max_abs_diff:.3g}")
    d["min_score_gap"] = [None if g == float("inf") else float(f"{g:.3g}") for g in c.min_score_gap]
    return d
