"""ONNX export of DeiT / LV-ViT / DynamicViT for onnxruntime-web's native WebGPU execution provider.

The wrappers below re-trace the eval path of ``models.dynamicvit`` so that every node lands on the
WebGPU EP (``disable_cpu_ep_fallback``; see models/CONTRACT.md for what fails there):
- no shape arithmetic: with a dynamic batch axis, ``x.reshape(B, N, ...)`` or ``t.expand(B, -1, -1)``
  trace into Shape -> Gather -> Concat subgraphs on int64 that ORT puts on the CPU EP. Reshapes use
  constant ONNX shapes with ``0`` (copy that dim), broadcasts use constant shapes or ``x * 0 + y``;
- token selection is TopK (K = the ``keep_count_stage*`` input) + GatherElements, with no int64
  arithmetic (see ``_SelectTokens``);
- the keep score is KEEP minus DROP logit (no LogSoftmax kernel on WebGPU; same order).
The parity tests check them against ``forward_pruned`` / ``forward`` of the PyTorch models.

Exporter: the TorchScript tracer (``dynamo=False``). ``autograd.Function.symbolic`` lets us write the
exact ONNX nodes of the selection step and the constant-shape reshapes, and K stays a plain graph input;
the dynamo path would have to carry data-dependent sizes (``int(k.item())``) as unbacked symbols.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from models.dynamicvit import (
    Attention,
    Block,
    DynamicVisionTransformer,
    PredictorLG,
    VisionTransformer,
    keep_counts,
)
from models.lvvit import ConvStemPatchEmbed

OPSET = 17
DEIT_INPUTS = ["pixel_values"]
DEIT_OUTPUTS = ["logits"]


def dynamicvit_inputs(stages: int) -> list[str]:
    return ["pixel_values", *(f"keep_count_stage{p}" for p in range(1, stages + 1))]


def dynamicvit_outputs(stages: int) -> list[str]:
    return ["logits", *(f"kept_positions_stage{p}" for p in range(1, stages + 1))]


class _ReshapeConst(torch.autograd.Function):
    """Reshape to a constant ONNX shape; 0 copies the input dim (ONNX semantics, allowzero=0)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:  # type: ignore[override]
        return x.reshape([x.shape[i] if s == 0 else s for i, s in enumerate(shape)])

    @staticmethod
    def symbolic(g, x, shape):  # type: ignore[no-untyped-def]
        return g.op("Reshape", x, g.op("Constant", value_t=torch.tensor(shape, dtype=torch.int64)))


def reshape_const(x: torch.Tensor, *shape: int) -> torch.Tensor:
    return _ReshapeConst.apply(x, tuple(shape))


class _ScaledQKV(nn.Module):
    """qkv Linear with the softmax scale folded into its q rows: one kernel less per block
    (exact for head dim 64, where the scale is 1/8)."""

    def __init__(self, attn: Attention):
        super().__init__()
        C = attn.proj.in_features
        scale = torch.ones(3 * C)
        scale[:C] = attn.scale
        with torch.no_grad():
            self.register_buffer("weight", attn.qkv.weight.detach() * scale[:, None])
            bias = attn.qkv.bias  # LV-ViT's qkv has none
            self.register_buffer("bias", None if bias is None else bias.detach() * scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight, self.bias)


class _ResidualScaled(nn.Module):
    """attn.proj and mlp.fc2 with LV-ViT's 1 / skip_lam folded in (exact for skip_lam 2): no Div per branch."""

    def __init__(self, blk: Block):
        super().__init__()
        s = 1.0 / blk.skip_lam
        with torch.no_grad():
            self.proj = nn.Linear(blk.attn.proj.in_features, blk.attn.proj.out_features)
            self.fc2 = nn.Linear(blk.mlp.fc2.in_features, blk.mlp.fc2.out_features)
            for dst, src in ((self.proj, blk.attn.proj), (self.fc2, blk.mlp.fc2)):
                dst.weight.copy_(src.weight * s)
                dst.bias.copy_(src.bias * s)


def _attention(
    attn: Attention, qkv_proj: _ScaledQKV, x: torch.Tensor, proj: nn.Linear
) -> tuple[torch.Tensor, torch.Tensor]:
    """The attention branch's output and its post-softmax attention map [B, H, N, N]."""
    C = attn.proj.in_features  # python ints: sizes read from tensors would be traced
    H = attn.num_heads
    # Split (unbind) instead of three Gathers
    q, k, v = reshape_const(qkv_proj(x), 0, -1, 3, H, C // H).permute(2, 0, 3, 1, 4).unbind(0)
    a = (q @ k.transpose(-2, -1)).softmax(dim=-1)
    return proj(reshape_const((a @ v).transpose(1, 2), 0, -1, C)), a


def _block_and_attention(
    blk: Block, qkv_proj: _ScaledQKV, x: torch.Tensor, scaled: _ResidualScaled | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The block's output and its attention map (the training-free baselines rank tokens by it)."""
    if scaled is None:
        out, a = _attention(blk.attn, qkv_proj, blk.norm1(x), blk.attn.proj)
        x = x + out
        return x + blk.mlp(blk.norm2(x)), a
    out, a = _attention(blk.attn, qkv_proj, blk.norm1(x), scaled.proj)
    x = x + out
    return x + scaled.fc2(blk.mlp.act(blk.mlp.fc1(blk.norm2(x)))), a


def _block(blk: Block, qkv_proj: _ScaledQKV, x: torch.Tensor, scaled: _ResidualScaled | None) -> torch.Tensor:
    return _block_and_attention(blk, qkv_proj, x, scaled)[0]


def _residual_scaled(model: VisionTransformer) -> nn.ModuleList | None:
    if all(blk.skip_lam == 1.0 for blk in model.blocks):
        return None
    return nn.ModuleList([_ResidualScaled(blk) for blk in model.blocks])


def _head(model: VisionTransformer, x: torch.Tensor) -> torch.Tensor:
    """head(CLS); LV-ViT adds 0.5 x the max over the remaining patch tokens of aux_head (ReduceMax)."""
    x = model.norm(x)
    logits = model.head(x[:, 0])
    if model.aux_head is not None:
        logits = logits + 0.5 * torch.amax(model.aux_head(x[:, 1:]), dim=1)
    return logits


def _keep_score(pred: PredictorLG, x: torch.Tensor) -> torch.Tensor:
    """KEEP logit minus DROP logit: same order as the official log_softmax(...)[..., 0] (a strictly
    increasing function of it) without LogSoftmax (no WebGPU kernel) and without its saturation to 0."""
    x = pred.in_conv(x)
    half = pred.in_conv[1].out_features // 2
    local_x = x[:, :, :half]
    global_x = x[:, :, half:].mean(dim=1, keepdim=True)
    # broadcast [B,1,C/2] to [B,N,C/2] without Shape ops: add a zero tensor of the target shape
    global_x = global_x + local_x * 0.0
    logits = pred.out_conv[:-1](torch.cat([local_x, global_x], dim=-1))
    return logits[:, :, 0] - logits[:, :, 1]


class _SelectTokens(torch.autograd.Function):
    """Keep the k highest-score patch tokens (descending) and map them to original positions.

    ONNX: TopK -> int64 indices. The WebGPU EP has no int64 Cast/Expand/GatherElements-on-int64-data,
    so indices are turned into float through GatherElements on a float iota / position table
    (exact for values < 2**24), and into int32 by a float Cast for the token gather.
    """

    @staticmethod
    def forward(ctx, patches, score, k, k_prev, positions, dim, num_patches):  # type: ignore[override]
        idx = torch.topk(score, int(k.reshape(()).item()), dim=1, largest=True, sorted=True).indices
        gathered = torch.gather(patches, 1, idx.unsqueeze(-1).expand(-1, -1, dim))
        return gathered, torch.gather(positions, 1, idx)

    @staticmethod
    def symbolic(g, patches, score, k, k_prev, positions, dim, num_patches):  # type: ignore[no-untyped-def]
        def const(t: torch.Tensor):  # type: ignore[no-untyped-def]
            return g.op("Constant", value_t=t)

        _, idx = g.op("TopK", score, k, axis_i=1, largest_i=1, sorted_i=1, outputs=2)
        arange = const(torch.arange(num_patches, dtype=torch.float32).reshape(1, -1))
        if k_prev is None or k_prev.node().mustBeNone():
            iota = arange
        else:  # the current list holds k_prev tokens
            iota = g.op("Slice", arange, const(torch.tensor([0])), k_prev, const(torch.tensor([1])))
        iota = g.op("Add", g.op("Mul", score, const(torch.tensor(0.0))), iota)  # [B, N]
        rel = g.op("Cast", g.op("GatherElements", iota, idx, axis_i=1), to_i=6)  # int32 [B, k]
        rel = g.op("Unsqueeze", rel, const(torch.tensor([-1])))
        rel = g.op("Expand", rel, const(torch.tensor([1, 1, dim])))
        gathered = g.op("GatherElements", patches, rel, axis_i=1)
        return gathered, g.op("GatherElements", positions, idx, axis_i=1)


class _PatchEmbed(nn.Module):
    """A patch Conv (kernel = stride = p) as reshape -> transpose -> MatMul: same result, and on software
    WebGPU (SwiftShader) the stride-16 Conv kernel alone took ~20x longer than this whole subgraph."""

    def __init__(self, proj: nn.Conv2d, grid: int):
        super().__init__()
        self.patch = proj.kernel_size[0]
        self.grid = grid
        self.in_chans = proj.in_channels
        self.register_buffer("weight", proj.weight.detach().reshape(proj.out_channels, -1).t().contiguous())
        self.register_buffer("bias", proj.bias.detach().clone())

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        g, p, c = self.grid, self.patch, self.in_chans
        x = reshape_const(pixel_values, 0, c, g, p, g, -1).permute(0, 2, 4, 1, 3, 5)  # [B, g, g, c, p, p]
        return reshape_const(x, 0, -1, c * p * p) @ self.weight + self.bias


class _ConvStem(nn.Module):
    """LV-ViT's conv stem with each BatchNorm folded into its conv (eval statistics): Conv + Relu x 3,
    then the stride-p/2 projection as a patch MatMul. Conv and Relu run on the WebGPU EP."""

    def __init__(self, stem: ConvStemPatchEmbed, grid: int):
        super().__init__()
        self.convs = nn.ModuleList()
        with torch.no_grad():
            for conv, bn in stem.stages():
                folded = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding)
                scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                folded.weight.copy_(conv.weight * scale[:, None, None, None])
                folded.bias.copy_(bn.bias - bn.running_mean * scale)
                self.convs.append(folded)
        self.proj = _PatchEmbed(stem.proj, grid)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        x = pixel_values
        for conv in self.convs:
            x = F.relu(conv(x))
        return self.proj(x)


def _patch_embed(model: VisionTransformer) -> nn.Module:
    pe = model.patch_embed
    if isinstance(pe, ConvStemPatchEmbed):
        return _ConvStem(pe, model.cfg.grid)
    return _PatchEmbed(pe.proj, model.cfg.grid)


def _embed(model: VisionTransformer, patch_embed: nn.Module, pixel_values: torch.Tensor) -> torch.Tensor:
    patches = patch_embed(pixel_values)
    cls = patches[:, :1] * 0.0 + model.cls_token  # [B,1,C] without Expand(Shape(x))
    return torch.cat([cls, patches], dim=1) + model.pos_embed


class DeiTOnnx(nn.Module):
    def __init__(self, model: VisionTransformer):
        super().__init__()
        self.model = model
        self.qkv = nn.ModuleList([_ScaledQKV(blk.attn) for blk in model.blocks])
        self.patch_embed = _patch_embed(model)
        self.residual = _residual_scaled(model)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        m = self.model
        x = _embed(m, self.patch_embed, pixel_values)
        for i, (blk, qkv) in enumerate(zip(m.blocks, self.qkv, strict=True)):
            x = _block(blk, qkv, x, None if self.residual is None else self.residual[i])
        return _head(m, x)


class DynamicViTOnnx(nn.Module):
    """Outputs logits and, per stage, the original patch positions kept (descending keep score)."""

    def __init__(self, model: DynamicVisionTransformer):
        super().__init__()
        self.model = model
        self.qkv = nn.ModuleList([_ScaledQKV(blk.attn) for blk in model.blocks])
        self.patch_embed = _patch_embed(model)
        self.residual = _residual_scaled(model)

    def forward(self, pixel_values: torch.Tensor, *counts: torch.Tensor) -> tuple[torch.Tensor, ...]:
        m = self.model
        n = m.cfg.num_patches
        x = _embed(m, self.patch_embed, pixel_values)
        # original positions as float (exact below 2**24): the WebGPU EP gathers float, not int64
        positions = x[:, 1:, 0] * 0.0 + torch.arange(n, dtype=torch.float32)
        kept: list[torch.Tensor] = []
        stage = 0
        for i, (blk, qkv) in enumerate(zip(m.blocks, self.qkv, strict=True)):
            if i in m.pruning_loc:
                patches = x[:, 1:]
                score = _keep_score(m.score_predictor[stage], patches)
                k_prev = counts[stage - 1] if stage > 0 else None
                patches, positions = _SelectTokens.apply(
                    patches, score, counts[stage], k_prev, positions, m.embed_dim, n
                )
                x = torch.cat([x[:, :1], patches], dim=1)
                kept.append(positions.to(torch.int32))
                stage += 1
            x = _block(blk, qkv, x, None if self.residual is None else self.residual[i])
        return (_head(m, x), *kept)


def _pixel_example(model: VisionTransformer) -> torch.Tensor:
    size = model.cfg.img_size
    return torch.zeros(1, 3, size, size)


def deit_dynamic_axes() -> dict[str, dict[int, str]]:
    return {"pixel_values": {0: "batch"}, "logits": {0: "batch"}}


def pruned_trace_io(img_size: int, counts: list[int]) -> tuple[tuple, list[str], list[str], dict[str, dict[int, str]]]:
    """Trace example, input and output names and dynamic axes of a graph under the DynamicViT contract."""
    stages = len(counts)
    args = (torch.zeros(1, 3, img_size, img_size), *(torch.tensor([c], dtype=torch.int64) for c in counts))
    outputs = dynamicvit_outputs(stages)
    dyn = deit_dynamic_axes()
    for p, name in enumerate(outputs[1:], start=1):
        dyn[name] = {0: "batch", 1: f"k{p}"}
    return args, dynamicvit_inputs(stages), outputs, dyn


def export_dynamicvit(model: DynamicVisionTransformer, path: Path, opset: int = OPSET) -> None:
    """Counts are graph inputs; the trace example uses the trained ratio's (any valid counts would do)."""
    model = model.eval()
    counts = keep_counts(model.keep_ratio, model.cfg.num_patches, len(model.pruning_loc))
    args, inputs, outputs, dyn = pruned_trace_io(model.cfg.img_size, counts)
    _export(DynamicViTOnnx(model), args, path, inputs, outputs, dyn, opset)


def export_deit(model: VisionTransformer, path: Path, opset: int = OPSET) -> None:
    args = (_pixel_example(model),)
    _export(DeiTOnnx(model.eval()), args, path, DEIT_INPUTS, DEIT_OUTPUTS, deit_dynamic_axes(), opset)


def _export(
    wrapper: nn.Module,
    args: tuple,
    path: Path,
    inputs: list[str],
    outputs: list[str],
    dynamic_axes: dict,
    opset: int,
    constant_folding: bool = True,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # eval first: the exporter restores the wrapper's mode afterwards, recursively, and a wrapper left in
    # training mode would switch the wrapped model's BatchNorm (LV-ViT stem) to batch statistics
    wrapper.eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper,
            args,
            str(path),
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=constant_folding,
            dynamo=False,
        )
