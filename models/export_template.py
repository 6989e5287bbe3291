"""Weightless ONNX templates of the released archs, for official checkpoints dropped into the page.

python -m models.export_template [--out public/templates] [--arch deit-s ...]

Per arch, ``<out>/<arch>/dynamicvit.onnx`` and ``deit.onnx`` (the full twin / teacher) are the graphs of
models/onnx_export.py (same wrappers, same exporter, same contract), except that every weight transform
the normal export bakes into its initializers (softmax scale folded into q, LV-ViT's 1 / skip_lam folded
into proj and fc2, the patch Conv's weight reshaped for a MatMul, BatchNorm folded into the stem's convs)
is a node of the graph here. So the template's weight initializers are the raw checkpoint tensors under
their official state-dict names, stored as external data with ``location`` = that name: the page feeds
them from the checkpoint's tensors (onnxruntime-web's ``externalData`` option) and onnxruntime folds the
transforms once, at session creation. TypeScript never re-implements a transform.

Each graph ships a schema-2 card whose ``template`` block lists the state-dict keys, dtypes and shapes the
checkpoint must have (strict, as ``model.load_state_dict(strict=True)``); ``<out>/index.json`` lists the
templates. Checked by models/tests/test_templates.py against the normal export of the same weights.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import onnx
import onnxruntime
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx.external_data_helper import set_external_data

from models.card import build_card, onnx_entry, write_card
from models.checkpoint import arch_label
from models.dynamicvit import (
    CONFIGS,
    TEACHER_RESIZE,
    Attention,
    Block,
    ModelConfig,
    VisionTransformer,
    deit,
    dynamicvit,
    keep_counts,
)
from models.export import load_labels
from models.flops import deit_flops, dynamicvit_flops
from models.lvvit import ConvStemPatchEmbed
from models.onnx_export import (
    DEIT_INPUTS,
    DEIT_OUTPUTS,
    OPSET,
    DeiTOnnx,
    DynamicViTOnnx,
    _export,
    _PatchEmbed,
    deit_dynamic_axes,
    pruned_trace_io,
)

ZOO_ARCHS = ("deit-256", "deit-s", "deit-b", "lvvit-s", "lvvit-m")
NUM_CLASSES = 1000
TEMPLATE_SCHEMA = 1
WRAPPED = "model."  # the wrappers hold the model as ``self.model``: its parameters export as "model.<key>"
# Inline constants of a template (position tables, q scales, reshape shapes) stay below this; a weight
# folded by mistake would be far larger.
MAX_INLINE_BYTES = 64 * 1024


class _QKVScaledInGraph(nn.Module):
    """qkv Linear with the softmax scale multiplied into its q rows by a graph node."""

    def __init__(self, attn: Attention):
        super().__init__()
        self.qkv = attn.qkv
        C = attn.proj.in_features
        scale = torch.ones(3 * C)
        scale[:C] = attn.scale
        self.register_buffer("scale", scale, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bias = None if self.qkv.bias is None else self.qkv.bias * self.scale
        return F.linear(x, self.qkv.weight * self.scale[:, None], bias)


class _LinearScaledInGraph(nn.Module):
    def __init__(self, linear: nn.Linear, factor: float):
        super().__init__()
        self.linear = linear
        self.factor = factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.linear.weight * self.factor, self.linear.bias * self.factor)


class _ResidualScaledInGraph(nn.Module):
    """LV-ViT's 1 / skip_lam on attn.proj and mlp.fc2, as graph nodes."""

    def __init__(self, blk: Block):
        super().__init__()
        self.proj = _LinearScaledInGraph(blk.attn.proj, 1.0 / blk.skip_lam)
        self.fc2 = _LinearScaledInGraph(blk.mlp.fc2, 1.0 / blk.skip_lam)


class _PatchEmbedInGraph(_PatchEmbed):
    """The patch MatMul of ``_PatchEmbed`` with the Conv weight reshaped and transposed by graph nodes."""

    def __init__(self, proj: nn.Conv2d, grid: int):
        nn.Module.__init__(self)
        self.patch = proj.kernel_size[0]
        self.grid = grid
        self.in_chans = proj.in_channels
        self.proj = proj

    @property
    def weight(self) -> torch.Tensor:  # type: ignore[override]
        return self.proj.weight.reshape(self.proj.out_channels, -1).t()

    @property
    def bias(self) -> torch.Tensor:  # type: ignore[override]
        return self.proj.bias


class _ConvStemInGraph(nn.Module):
    """LV-ViT's stem with each BatchNorm (eval statistics) folded into its conv by graph nodes."""

    def __init__(self, stem: ConvStemPatchEmbed, grid: int):
        super().__init__()
        self.stem = stem
        self.proj = _PatchEmbedInGraph(stem.proj, grid)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        x = pixel_values
        for conv, bn in self.stem.stages():
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            weight = conv.weight * scale[:, None, None, None]
            bias = bn.bias - bn.running_mean * scale
            x = F.relu(F.conv2d(x, weight, bias, conv.stride, conv.padding))
        return self.proj(x)


def _in_graph(wrapper: DeiTOnnx | DynamicViTOnnx) -> nn.Module:
    """Swap the wrapper's pre-transformed weights for the same transforms as graph nodes."""
    m = wrapper.model
    wrapper.qkv = nn.ModuleList([_QKVScaledInGraph(blk.attn) for blk in m.blocks])
    pe = m.patch_embed
    grid = m.cfg.grid
    wrapper.patch_embed = (
        _ConvStemInGraph(pe, grid) if isinstance(pe, ConvStemPatchEmbed) else _PatchEmbedInGraph(pe.proj, grid)
    )
    if wrapper.residual is not None:
        wrapper.residual = nn.ModuleList([_ResidualScaledInGraph(blk) for blk in m.blocks])
    return wrapper.eval()


def export_template(model: VisionTransformer, family: str, path: Path) -> list[dict[str, Any]]:
    """Write the weightless graph to ``path``; return the state dict it expects ({name, dtype, shape} per key)."""
    model = model.eval()
    size = model.cfg.img_size
    if family == "dynamicvit":
        wrapper = _in_graph(DynamicViTOnnx(model))  # type: ignore[arg-type]
        counts = keep_counts(model.keep_ratio, model.cfg.num_patches, len(model.pruning_loc))  # type: ignore[attr-defined]
        args, inputs, outputs, dyn = pruned_trace_io(size, counts)
    else:
        wrapper = _in_graph(DeiTOnnx(model))
        args, inputs, outputs, dyn = (torch.zeros(1, 3, size, size),), DEIT_INPUTS, DEIT_OUTPUTS, deit_dynamic_axes()
    # no constant folding: it would bake the transforms into new initializers
    _export(wrapper, args, path, inputs, outputs, dyn, OPSET, constant_folding=False)
    state = model.state_dict()
    _externalise(path, state)
    return [{"name": k, "dtype": str(v.dtype).removeprefix("torch."), "shape": list(v.shape)} for k, v in state.items()]


def _externalise(path: Path, state: dict[str, torch.Tensor]) -> None:
    """Rename the weight initializers to their state-dict keys and drop their data: location = key."""
    proto = onnx.load(str(path))
    renames: dict[str, str] = {}
    for init in proto.graph.initializer:
        key = init.name.removeprefix(WRAPPED)
        if init.name.startswith(WRAPPED) and key in state:
            renames[init.name] = key
            init.name = key
            set_external_data(init, location=key, offset=0, length=len(init.raw_data))
            init.ClearField("raw_data")
            init.data_location = onnx.TensorProto.EXTERNAL
        elif len(init.raw_data) > MAX_INLINE_BYTES:
            raise RuntimeError(
                f"{path.name}: initializer {init.name} ({len(init.raw_data)} bytes) is not a checkpoint tensor"
            )
    missing = sorted(k for k, v in state.items() if v.dtype == torch.float32 and k not in renames.values())
    if missing:
        raise RuntimeError(f"{path.name}: checkpoint tensors that are not initializers of their own: {missing[:8]}")
    for node in proto.graph.node:
        node.input[:] = [renames.get(i, i) for i in node.input]
    onnx.save(proto, str(path))


@torch.no_grad()
def _distinct_values(model: VisionTransformer) -> VisionTransformer:
    """Random positive values in every float tensor: the exporter merges initializers of equal value (the
    ones / zeros of a fresh LayerNorm), and a merged one could not be named after a single key."""
    for value in model.state_dict().values():
        if value.is_floating_point():
            value.copy_(torch.rand_like(value) + 0.5)
    return model


def _teacher_config(cfg: ModelConfig) -> ModelConfig:
    """The release teacher's own eval resize (the template's weights are random: only the graph matters)."""
    return replace(cfg, resize_shorter_side=TEACHER_RESIZE.get(cfg.arch, cfg.resize_shorter_side))


def write_arch(arch: str, out: Path, labels: list[str]) -> dict[str, Any]:
    torch.manual_seed(0)
    dvit = _distinct_values(dynamicvit(CONFIGS[arch], NUM_CLASSES).eval())
    twin = _distinct_values(deit(_teacher_config(dvit.cfg), NUM_CLASSES).eval())
    folder = out / arch
    label = arch_label(dvit.cfg)
    keep_ratio = dvit.cfg.keep_ratio
    full = deit_flops(twin.cfg, NUM_CLASSES, dvit.cfg.stages)
    flops = {"dynamicvit": dynamicvit_flops(dvit.cfg, keep_ratio, NUM_CLASSES), "deit": full}
    titles = {"dynamicvit": f"DynamicViT-{label}", "deit": label}
    for family, model in (("dynamicvit", dvit), ("deit", twin)):
        path = folder / f"{family}.onnx"
        state_dict = export_template(model, family, path)
        card = build_card(
            family=family,
            name=f"{family}-{arch}-template",
            display_name=titles[family],
            twin="deit.json" if family == "dynamicvit" else "dynamicvit.json",
            cfg=model.cfg,
            num_classes=NUM_CLASSES,
            onnx=onnx_entry(path, OPSET, "fp32"),
            labels=labels,
            keep_ratio=keep_ratio if family == "dynamicvit" else None,
            flops=flops[family],
            full_deit_gflops=full.total,
            provenance={
                "source": "official-checkpoint",
                "checkpoint": None,
                "checkpoint_sha256": None,
                "exporter": "models/export_template.py",
                "torch": torch.__version__.split("+")[0],
                "onnxruntime": onnxruntime.__version__,
                "exported_at": None,
            },
            parity=None,  # type: ignore[arg-type]
            notes="Weightless template: the weights come from the checkpoint dropped into the page.",
        )
        card["template"] = {
            "schema": TEMPLATE_SCHEMA,
            "external_data": "initializer location = state-dict key, offset 0, float32 little-endian",
            "state_dict": state_dict,
        }
        write_card(card, folder / f"{family}.json")
    return {"arch": arch, "title": f"{label} / DynamicViT-{label}", "path": arch}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m models.export_template", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("public/templates"))
    ap.add_argument("--arch", action="append", choices=ZOO_ARCHS, help="default: all of " + ", ".join(ZOO_ARCHS))
    args = ap.parse_args(argv)
    labels = load_labels(None, NUM_CLASSES)
    entries = [write_arch(arch, args.out, labels) for arch in args.arch or ZOO_ARCHS]
    index_path = args.out / "index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {"templates": []}
    kept = [t for t in index["templates"] if t["arch"] not in {e["arch"] for e in entries}]
    index["templates"] = sorted(kept + entries, key=lambda t: ZOO_ARCHS.index(t["arch"]))
    index_path.write_text(json.dumps(index, indent=2) + "\n")
    for e in entries:
        sizes = ", ".join(
            f"{f.name} {f.stat().st_size / 1e3:.0f} kB" for f in sorted((args.out / e["path"]).glob("*.onnx"))
        )
        print(f"{e['arch']}: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
