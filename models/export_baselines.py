"""ONNX export of the training-free baselines (models/baselines.py) under the DynamicViT contract, with cards.

models/export.py calls ``export_baselines`` for every pair it writes (unless --no-baselines). For a pair
exported before that:

    python -m models.export_baselines --model-dir public/models/demo [--deit CKPT] [--seed 0]

reads the pair's cards (dynamicvit.json: pruning locations and keep ratios; deit.json: the twin), takes the
twin's weights from --deit (a DeiT or LV-ViT teacher checkpoint) or, for a DeiT pair, recovers them from
deit.onnx (models/recover_from_onnx.py), writes the baselines and lists them in dynamicvit.json.

Written beside the pair: attentive.onnx / random.onnx with the cards attentive.json (family "evit-topk") and
random.json (family "random-keep"), listed under "baselines" in dynamicvit.json. Inputs pixel_values +
keep_count_stage1..S, outputs logits + kept_positions_stage1..S, as dynamicvit.onnx; every node is one of
models/CONTRACT.md's WebGPU list (the export helpers of models/onnx_export.py). LV-ViT twins work the same way
(LV-ViT's blocks with skip_lam, and its aux-head prediction over the tokens left).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import onnxruntime
import torch
import torch.nn as nn

from models.baselines import METHODS, RANDOM_SEED, TokenPruningBaseline, baseline_flops
from models.card import build_card, config_from_card, onnx_entry, write_card
from models.checkpoint import CheckpointError, load_checkpoint
from models.dynamicvit import ModelConfig, VisionTransformer, deit, keep_counts
from models.flops import deit_flops
from models.onnx_export import (
    OPSET,
    _block,
    _block_and_attention,
    _embed,
    _export,
    _head,
    _patch_embed,
    _residual_scaled,
    _ScaledQKV,
    _SelectTokens,
    pruned_trace_io,
)
from models.parity import BATCH_SIZES, KEEP_RATIOS, Case, pruned_cases, summary
from models.recover_from_onnx import RecoveryError, recover_state_dict

FAMILIES = {"attentive": "evit-topk", "random": "random-keep"}
BASELINE_FILES = [f"{m}.json" for m in METHODS]  # the "baselines" list of dynamicvit.json
BACKBONE_NAMES = {"deit": "DeiT", "lvvit": "LV-ViT"}


class _GatherAtPositions(torch.autograd.Function):
    """table[b, positions[b, j]] for a float position table: int32 indices by a float Cast, because the
    WebGPU EP has no int64 Cast (the trace of ``positions.long()`` would be one)."""

    @staticmethod
    def forward(ctx, table, positions):  # type: ignore[override]
        return torch.gather(table, 1, positions.long())

    @staticmethod
    def symbolic(g, table, positions):  # type: ignore[no-untyped-def]
        return g.op("GatherElements", table, g.op("Cast", positions, to_i=6), axis_i=1)


class BaselineOnnx(nn.Module):
    """The export path of ``TokenPruningBaseline``: logits and per-stage original positions kept."""

    def __init__(self, baseline: TokenPruningBaseline):
        super().__init__()
        m = baseline.model
        self.baseline = baseline
        self.qkv = nn.ModuleList([_ScaledQKV(blk.attn) for blk in m.blocks])
        self.patch_embed = _patch_embed(m)
        self.residual = _residual_scaled(m)  # LV-ViT: 1 / skip_lam folded in

    def forward(self, pixel_values: torch.Tensor, *counts: torch.Tensor) -> tuple[torch.Tensor, ...]:
        b = self.baseline
        m, n = b.model, b.num_patches
        x = _embed(m, self.patch_embed, pixel_values)
        zeros = x[:, 1:, 0] * 0.0  # [B, N] without Shape ops
        positions = zeros + torch.arange(n, dtype=torch.float32)  # float: see onnx_export._SelectTokens
        priority = zeros + b.priority if b.method == "random" else None
        kept: list[torch.Tensor] = []
        cls_attention = None
        stage = 0
        for i, (blk, qkv) in enumerate(zip(m.blocks, self.qkv, strict=True)):
            if i in b.pruning_loc:
                score = cls_attention if priority is None else _GatherAtPositions.apply(priority, positions)
                k_prev = counts[stage - 1] if stage > 0 else None
                patches, positions = _SelectTokens.apply(
                    x[:, 1:], score, counts[stage], k_prev, positions, m.embed_dim, n
                )
                x = torch.cat([x[:, :1], patches], dim=1)
                kept.append(positions.to(torch.int32))
                stage += 1
            scaled = None if self.residual is None else self.residual[i]
            if b.method == "attentive" and i + 1 in b.pruning_loc:
                x, attention = _block_and_attention(blk, qkv, x, scaled)
                cls_attention = attention[:, :, 0, 1:].mean(dim=1)  # CLS row over the patch tokens, mean over heads
            else:
                x = _block(blk, qkv, x, scaled)
        return (_head(m, x), *kept)


def export_baseline(baseline: TokenPruningBaseline, path: Path, trace_keep_ratio: float, opset: int = OPSET) -> None:
    """Counts are graph inputs; the trace example uses those of ``trace_keep_ratio``."""
    counts = keep_counts(trace_keep_ratio, baseline.num_patches, len(baseline.pruning_loc))
    args, inputs, outputs, dyn = pruned_trace_io(baseline.model.cfg.img_size, counts)
    _export(BaselineOnnx(baseline.eval()), args, path, inputs, outputs, dyn, opset)


def baseline_cases(
    baseline: TokenPruningBaseline,
    onnx_path: Path,
    keep_ratios: tuple[float, ...] = KEEP_RATIOS,
    batches: tuple[int, ...] = BATCH_SIZES,
    seed: int = 0,
) -> list[Case]:
    """ONNX Runtime CPU vs ``forward_pruned`` on seeded standard-normal inputs (models/parity.py's cases)."""

    def reference(x: torch.Tensor, rho: float):
        ref = baseline.forward_pruned(x, rho)
        return ref.logits, ref.kept_positions, ref.scores

    def counts_for(rho: float) -> list[int]:
        return keep_counts(rho, baseline.num_patches, len(baseline.pruning_loc))

    return pruned_cases(reference, counts_for, baseline.model.cfg.img_size, onnx_path, keep_ratios, batches, seed)


def describe(method: str, seed: int, cfg: ModelConfig) -> dict[str, Any]:
    """The card's "baseline" block: what the score is and how it differs from the published method."""
    if method == "attentive":
        return {
            "method": "attentive-topk",
            "after": "EViT (Liang et al., ICLR 2022, youweiliang/evit), without its fine-tuning",
            "score": "CLS token's post-softmax attention to each patch token, mean over heads, in the block just "
            "before the pruning location",
            "fuse_inattentive": False,
            "inattentive_tokens": "dropped (EViT's option to fuse them into one extra token is off)",
            "difference_from_evit": "EViT cuts inside the block at the location, between its attention and MLP, "
            "with that block's attention; here the cut is before the block, where DynamicViT's predictors cut, so "
            "both run the same blocks on the same token counts",
            "training": f"none: the {BACKBONE_NAMES[cfg.backbone]} twin's weights as they are",
        }
    return {
        "method": "random-keep",
        "score": f"a fixed priority per original patch position: torch.randperm({cfg.num_patches}, "
        f"generator=torch.Generator().manual_seed({seed})), stored in the graph as a constant",
        "seed": seed,
        "same_set_for_every_image": True,
        "why_fixed": "no RandomUniform on onnxruntime-web's WebGPU EP, and a constant keeps the same set on every "
        "backend; every image keeps the top-k_p priorities (nested across stages)",
        "training": f"none: the {BACKBONE_NAMES[cfg.backbone]} twin's weights as they are",
    }


def baseline_card(
    method: str,
    baseline: TokenPruningBaseline,
    cfg: ModelConfig,
    onnx_path: Path,
    dvit_card: dict[str, Any],
    twin_card: dict[str, Any],
    parity: dict[str, Any],
    weights: str,
) -> dict[str, Any]:
    """The baseline graph's card (schema 2): the DynamicViT's layout (``cfg``: its pruning locations, trained
    rho and preprocessing), no predictors, and a "baseline" block."""
    classes = len(dvit_card["labels"])
    rho = float(dvit_card["pruning"]["trained_keep_ratio"])
    pair = dvit_card["name"].removeprefix("dynamicvit-")
    title = {"attentive": "Attentive top-k (EViT rule, no training)", "random": f"Random keep (seed {baseline.seed})"}
    block = describe(method, baseline.seed, cfg)
    return build_card(
        family=FAMILIES[method],
        name=f"{FAMILIES[method]}-{pair}",
        display_name=f"{title[method]} on {twin_card['display_name']}",
        twin="deit.json",
        cfg=cfg,
        num_classes=classes,
        onnx=onnx_entry(onnx_path, OPSET, "fp32"),
        labels=dvit_card["labels"],
        keep_ratio=rho,
        flops=baseline_flops(cfg, rho, classes),
        full_deit_gflops=deit_flops(cfg, classes, cfg.stages).total,
        provenance={
            "source": twin_card["provenance"]["source"],
            "weights": weights,
            "exporter": "models/export_baselines.py",
            "torch": torch.__version__.split("+")[0],
            "onnxruntime": onnxruntime.__version__,
            "exported_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        },
        parity=parity,
        notes=f"Training-free baseline on the pair's full twin: at the DynamicViT's locations and keep counts, "
        f"{block['score']}. No predictors.",
        keep_ratio_range=dvit_card["pruning"]["keep_ratio_range"],
        baseline=block,
    )


def export_baselines(
    twin: VisionTransformer,
    cfg: ModelConfig,
    out_dir: Path,
    dvit_card: dict[str, Any],
    twin_card: dict[str, Any],
    weights: str,
    seed: int = RANDOM_SEED,
    log=print,  # type: ignore[no-untyped-def]
) -> dict[str, dict[str, Any]]:
    """Write <method>.onnx and <method>.json beside the pair for every method, each checked for parity
    (ONNX Runtime CPU vs ``forward_pruned``). ``twin``: the full twin's weights; ``cfg``: the DynamicViT's
    config (locations, trained rho, preprocessing). Returns the cards by method."""
    if twin.cfg.backbone != cfg.backbone or twin.cfg.num_patches != cfg.num_patches:
        raise ValueError(f"the twin ({twin.cfg.backbone}) does not match the DynamicViT ({cfg.backbone})")
    cards = {}
    for method in METHODS:
        baseline = TokenPruningBaseline(twin, method, cfg.pruning_loc, seed)
        path = Path(out_dir) / f"{method}.onnx"
        log(f"exporting {path}")
        export_baseline(baseline, path, float(dvit_card["pruning"]["trained_keep_ratio"]))
        parity = summary(baseline_cases(baseline, path))
        parity["reference"] = f"models/baselines.py TokenPruningBaseline({method!r}).forward_pruned"
        card = baseline_card(method, baseline, cfg, path, dvit_card, twin_card, parity, weights)
        write_card(card, Path(out_dir) / f"{method}.json")
        log(
            f"  parity: logits max |diff| {parity['logits_max_abs_diff']:.2g}, kept sets identical "
            f"{parity['kept_sets_identical']}, passed {parity['passed']}"
        )
        cards[method] = card
    return cards


def load_twin(
    model_dir: Path, cfg: ModelConfig, num_classes: int, deit_ckpt: Path | None
) -> tuple[VisionTransformer, str]:
    """The full twin built with the DynamicViT's config (its pruning locations), and where its weights came from."""
    twin = deit(cfg, num_classes)
    if deit_ckpt is None:
        if cfg.backbone != "deit":
            raise ValueError(f"an {cfg.backbone} twin cannot be recovered from its ONNX file: pass --deit TEACHER.pth")
        twin_card = json.loads((model_dir / "deit.json").read_text())
        onnx_path = model_dir / twin_card["onnx"]["file"]
        twin.load_state_dict(recover_state_dict(onnx_path, cfg), strict=True)
        return twin.eval(), f"{onnx_path.name} (the pair's DeiT twin, recovered by models/recover_from_onnx.py)"
    loaded = load_checkpoint(deit_ckpt, "deit", num_heads=cfg.num_heads)
    twin.load_state_dict(loaded.model.state_dict(), strict=True)
    return twin.eval(), f"{deit_ckpt.name} (sha256 {loaded.sha256})"


def list_baselines(dvit_card_path: Path, files: list[str]) -> None:
    """Add "baselines" to an existing dynamicvit.json, leaving every other field as it is."""
    card = json.loads(dvit_card_path.read_text())
    card["baselines"] = files
    write_card(card, dvit_card_path)


def export_all(model_dir: Path, deit_ckpt: Path | None = None, seed: int = RANDOM_SEED, log=print) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    dvit_card = json.loads((model_dir / "dynamicvit.json").read_text())
    twin_card = json.loads((model_dir / "deit.json").read_text())
    cfg = config_from_card(dvit_card)
    twin, weights = load_twin(model_dir, cfg, len(dvit_card["labels"]), deit_ckpt)
    cards = export_baselines(twin, cfg, model_dir, dvit_card, twin_card, weights, seed, log)
    list_baselines(model_dir / "dynamicvit.json", BASELINE_FILES)
    return cards


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, required=True, help="a pair folder, e.g. public/models/demo")
    ap.add_argument("--deit", type=Path, help="the full twin's checkpoint (default: recovered from deit.onnx)")
    ap.add_argument("--seed", type=int, default=RANDOM_SEED, help="seed of the random baseline's priorities")
    a = ap.parse_args(argv)
    try:
        cards = export_all(a.model_dir, a.deit, a.seed)
    except (RecoveryError, CheckpointError, OSError, KeyError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0 if all(c["parity"]["passed"] for c in cards.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
