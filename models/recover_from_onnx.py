"""Rebuild official-key PyTorch state dicts of an exported DeiT / DynamicViT pair from its ONNX files.

    python -m models.recover_from_onnx --model-dir public/models/demo [--out runs/recovered]

writes OUT/deit_<name>.pth and OUT/dynamicvit_<name>.pth as ``{"model": state_dict, "config": {...}}`` (the
official layout, loadable by models.checkpoint / models.train), so work can continue from a bundled pair whose
PyTorch checkpoints were not kept. The architecture comes from the cards beside the ONNX files.

What models/onnx_export.py changed, undone here:
- a Linear applied to token tensors became MatMul(x, W^T) + Add(b), the W^T initializer unnamed
  (``onnx::MatMul_N``): the Linear is identified by the named bias its Add consumes;
- the qkv Linear of block i became ``qkv.{i}.bias`` (+ its unnamed MatMul weight) with the q rows multiplied
  by the softmax scale in float32: divided back, choosing per value the float32 that the export's float32
  multiply maps onto the stored value again (so a re-export reproduces the initializers bit for bit);
- the patch Conv became ``patch_embed.weight`` = conv weight reshaped to (C, 3*p*p) and transposed;
- every other parameter keeps its name with a ``model.`` prefix (the head is a Gemm with transB=1).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from models.card import config_from_card
from models.dynamicvit import DynamicVisionTransformer, ModelConfig, VisionTransformer, deit, dynamicvit

MODEL_PREFIX = "model."


class RecoveryError(Exception):
    """An ONNX file that does not look like a models/onnx_export.py export; the message says why."""


@dataclass
class Recovered:
    family: str  # "deit" | "dynamicvit"
    model: VisionTransformer
    config: ModelConfig
    num_classes: int
    keep_ratio: float | None
    onnx_path: Path


def deit_config(card: dict) -> ModelConfig:
    """The ModelConfig of a DeiT card (models.card.config_from_card): the patch-conv export is what is undone here."""
    if card.get("architecture", {}).get("backbone") != "deit":
        raise RecoveryError(
            f"{card.get('name')}: backbone {card.get('architecture', {}).get('backbone')!r}; "
            "only DeiT exports can be recovered"
        )
    return config_from_card(card)


def qkv_scale(cfg: ModelConfig) -> np.float32:
    """The softmax scale as onnx_export._ScaledQKV applies it: (head dim) ** -0.5 stored in a float32 tensor."""
    return np.float32((cfg.embed_dim // cfg.num_heads) ** -0.5)


def unscale(stored: np.ndarray, scale: np.float32) -> np.ndarray:
    """float32 w with fl32(w * scale) == stored for every element (the nearest to stored / scale)."""
    exact = stored.astype(np.float64) / np.float64(scale)
    guess = exact.astype(np.float32)
    best = np.full(stored.shape, np.nan, dtype=np.float32)
    best_err = np.full(stored.shape, np.inf)
    for step in (0, -1, 1, -2, 2):  # a preimage lies within an ulp or two of the quotient
        cand = guess
        for _ in range(abs(step)):
            cand = np.nextafter(cand, np.float32(np.sign(step) * np.inf))
        ok = (cand * scale).astype(np.float32) == stored
        err = np.abs(cand.astype(np.float64) - exact)
        better = ok & (err < best_err)
        best[better], best_err[better] = cand[better], err[better]
    if np.isnan(best).any():
        raise RecoveryError(f"{int(np.isnan(best).sum())} scaled q values have no float32 preimage")
    return best


def _consumers(graph: onnx.GraphProto) -> dict[str, list[onnx.NodeProto]]:
    out: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            out.setdefault(name, []).append(node)
    return out


def recover_state_dict(onnx_path: Path, cfg: ModelConfig) -> dict[str, torch.Tensor]:
    graph = onnx.load(str(onnx_path)).graph
    inits = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    consumers = _consumers(graph)
    sd: dict[str, np.ndarray] = {}
    used: set[str] = set()

    def put(key: str, value: np.ndarray, *sources: str) -> None:
        if key in sd:
            raise RecoveryError(f"{onnx_path.name}: two initializers map to {key}")
        sd[key] = value
        used.update(sources)

    for node in graph.node:  # Linear = MatMul(x, W^T) -> Add(., bias)
        if node.op_type != "MatMul" or node.input[1] not in inits or node.input[1] == "patch_embed.weight":
            continue
        adds = [n for n in consumers.get(node.output[0], []) if n.op_type == "Add"]
        biases = [i for a in adds for i in a.input if i in inits]
        if len(biases) != 1:
            raise RecoveryError(f"{onnx_path.name}: MatMul {node.name} is not followed by one bias Add")
        bias_name, weight = biases[0], inits[node.input[1]].T
        if bias_name.startswith("qkv."):  # qkv.{i}.bias: q rows carry the folded softmax scale
            block = int(bias_name.split(".")[1])
            C, s = cfg.embed_dim, qkv_scale(cfg)
            weight, bias = weight.copy(), inits[bias_name].copy()
            weight[:C], bias[:C] = unscale(weight[:C], s), unscale(bias[:C], s)
            put(f"blocks.{block}.attn.qkv.weight", weight, node.input[1])
            put(f"blocks.{block}.attn.qkv.bias", bias, bias_name)
        elif bias_name.startswith(MODEL_PREFIX) and bias_name.endswith(".bias"):
            put(bias_name[len(MODEL_PREFIX) : -len("bias")] + "weight", np.ascontiguousarray(weight), node.input[1])
        else:
            raise RecoveryError(f"{onnx_path.name}: unexpected bias initializer {bias_name}")

    p = cfg.patch_size
    put("patch_embed.proj.weight", inits["patch_embed.weight"].T.reshape(cfg.embed_dim, 3, p, p), "patch_embed.weight")
    put("patch_embed.proj.bias", inits["patch_embed.bias"], "patch_embed.bias")
    for name, value in inits.items():
        if name.startswith(MODEL_PREFIX) and name not in used:
            key = name[len(MODEL_PREFIX) :]
            if key not in sd:
                put(key, value, name)
            else:
                used.add(name)
    left = sorted(set(inits) - used)
    if left:
        raise RecoveryError(f"{onnx_path.name}: initializers not accounted for: {', '.join(left[:8])}")
    return {k: torch.from_numpy(np.array(v, dtype=np.float32, order="C", copy=True)) for k, v in sorted(sd.items())}


def recover(model_dir: Path, family: str) -> Recovered:
    """The PyTorch model of ``<model_dir>/<family>.onnx`` ("deit" or "dynamicvit"), weights loaded strictly."""
    card = json.loads((Path(model_dir) / f"{family}.json").read_text())
    cfg = deit_config(card)
    num_classes = len(card["labels"])
    onnx_path = Path(model_dir) / card["onnx"]["file"]
    keep_ratio = None
    if family == "dynamicvit":
        keep_ratio = cfg.keep_ratio
        model: VisionTransformer = dynamicvit(cfg, num_classes)
    else:
        model = deit(cfg, num_classes)
    model.load_state_dict(recover_state_dict(onnx_path, cfg), strict=True)
    return Recovered(family, model.eval(), cfg, num_classes, keep_ratio, onnx_path)


def save(rec: Recovered, path: Path) -> Path:
    config = {
        "embed_dim": rec.config.embed_dim,
        "num_heads": rec.config.num_heads,
        "depth": rec.config.depth,
        "patch_size": rec.config.patch_size,
        "img_size": rec.config.img_size,
        "stages": rec.config.stages,
        "pruning_loc": list(rec.config.pruning_loc),
        "recovered_from": str(rec.onnx_path),
    }
    if isinstance(rec.model, DynamicVisionTransformer):
        config["keep_ratio"] = rec.keep_ratio
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": rec.model.state_dict(), "config": config}, path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, default=Path("public/models/demo"))
    ap.add_argument("--out", type=Path, default=Path("runs/recovered"))
    a = ap.parse_args(argv)
    try:
        for family in ("deit", "dynamicvit"):
            path = save(recover(a.model_dir, family), a.out / f"{family}_{a.model_dir.name}.pth")
            print(f"wrote {path}")
    except (RecoveryError, OSError, KeyError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
