"""Training-free token pruning on the DeiT twin: the baselines DynamicViT's learned predictors are measured against.

Same eval semantics as ``DynamicVisionTransformer.forward_pruned``: before each pruning location (the
DynamicViT's, from its config / card) the current patch tokens are ranked by a score, the ``k_p`` best survive
(``keep_counts``: the host's rule), in descending score order, the others are gone for good, and their original
positions are tracked. The same blocks then run on the same token counts, so the GFLOPs are DynamicViT's
minus its predictors. Only the score differs:

- ``attentive`` (EViT's rule, youweiliang/evit): the CLS token's post-softmax attention to each patch token,
  mean over heads, in the block just before the location (the last block those tokens went through).
  Inattentive tokens are DROPPED, not fused into one extra token (EViT's ``fuse_token`` option is off).
  EViT itself cuts inside the block at the location, between its attention and its MLP, with that block's
  attention; here the cut sits where DynamicViT's does, so both methods run identical block shapes.
- ``random``: a fixed priority per original position, ``torch.randperm(N)`` from a seeded generator; the
  score of a token is the priority of its original position. The priorities are a constant of the exported
  graph (no RandomUniform, which the WebGPU EP lacks), so every backend keeps the same set, and every image
  keeps the same positions (the top-k_p priorities; nested across stages since priorities never change).
  On the demo set an object's position is independent of that set, so the expected accuracy equals that of a
  fresh random draw per image; the seed is recorded in the card.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn

from models.dynamicvit import Block, ModelConfig, VisionTransformer, keep_counts
from models.flops import Flops, dynamicvit_flops

METHODS = ("attentive", "random")
RANDOM_SEED = 0


@dataclass
class BaselineOutput:
    """Like ``PruningOutput``, plus each stage's scores of the tokens it ranked (for tie checks)."""

    logits: torch.Tensor
    kept_positions: list[torch.Tensor] = field(default_factory=list)
    scores: list[torch.Tensor] = field(default_factory=list)


def random_priority(num_patches: int, seed: int = RANDOM_SEED) -> torch.Tensor:
    """float32 [N]: a distinct priority per original position (the highest is kept first)."""
    return torch.randperm(num_patches, generator=torch.Generator().manual_seed(seed)).to(torch.float32)


def block_with_cls_attention(blk: Block, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``blk(x)`` and the CLS row of its post-softmax attention over the patch tokens, mean over heads.

    Block.forward does not expose its attention map, so the attention is written out here, as
    Attention.forward computes it (models/tests/test_baselines.py checks the output equals ``blk(x)``).
    """
    attn = blk.attn
    B, N, C = x.shape
    H = attn.num_heads
    qkv = attn.qkv(blk.norm1(x)).reshape(B, N, 3, H, C // H).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    a = ((q @ k.transpose(-2, -1)) * attn.scale).softmax(dim=-1)
    x = x + attn.proj((a @ v).transpose(1, 2).reshape(B, N, C)) / blk.skip_lam
    x = x + blk.mlp(blk.norm2(x)) / blk.skip_lam
    return x, a[:, :, 0, 1:].mean(dim=1)


class TokenPruningBaseline(nn.Module):
    """A full model (the DeiT twin) pruned at ``pruning_loc`` by the ``method`` score, without training."""

    def __init__(self, model: VisionTransformer, method: str, pruning_loc: tuple[int, ...], seed: int = RANDOM_SEED):
        super().__init__()
        if method not in METHODS:
            raise ValueError(f"unknown baseline {method!r}; expected one of {', '.join(METHODS)}")
        locs = tuple(pruning_loc)
        if not locs or list(locs) != sorted(set(locs)) or not all(0 <= b < len(model.blocks) for b in locs):
            raise ValueError(f"pruning locations must increase strictly within 0..{len(model.blocks) - 1}: {locs}")
        if method == "attentive" and locs[0] == 0:
            raise ValueError("the attentive baseline needs a block before its first pruning location")
        self.model = model.eval()
        self.method = method
        self.pruning_loc = locs
        self.seed = seed
        self.num_patches = model.cfg.num_patches
        self.register_buffer("priority", random_priority(self.num_patches, seed) if method == "random" else None)

    @torch.no_grad()
    def forward_pruned(self, x: torch.Tensor, keep_ratio: float) -> BaselineOutput:
        m = self.model
        counts = keep_counts(keep_ratio, self.num_patches, len(self.pruning_loc))
        x = m.embed(x)
        B = x.shape[0]
        positions = torch.arange(self.num_patches, device=x.device).expand(B, -1)
        kept: list[torch.Tensor] = []
        scores: list[torch.Tensor] = []
        cls_attention = None
        stage = 0
        for i, blk in enumerate(m.blocks):
            if i in self.pruning_loc:
                score = self.priority[positions] if self.method == "random" else cls_attention
                assert score is not None and score.shape == positions.shape
                keep_idx = torch.argsort(score, dim=1, descending=True)[:, : counts[stage]]
                patches = torch.gather(x[:, 1:], 1, keep_idx.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
                x = torch.cat([x[:, :1], patches], dim=1)
                positions = torch.gather(positions, 1, keep_idx)
                kept.append(positions)
                scores.append(score)
                stage += 1
            if self.method == "attentive" and i + 1 in self.pruning_loc:
                x, cls_attention = block_with_cls_attention(blk, x)
            else:
                x = blk(x)
        return BaselineOutput(m.forward_head(m.norm(x)), kept, scores)

    def forward(self, x: torch.Tensor, keep_ratio: float) -> torch.Tensor:
        return self.forward_pruned(x, keep_ratio).logits


def baseline_flops(cfg: ModelConfig, keep_ratio: float, num_classes: int) -> Flops:
    """DynamicViT's GFLOPs at ``keep_ratio`` without its predictors: the same blocks on the same token counts."""
    return dynamicvit_flops(cfg, keep_ratio, num_classes, predictors=False)
