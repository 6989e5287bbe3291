"""LV-ViT's patch embedding (Jiang et al., "All Tokens Matter", NeurIPS 2021; zihangJiang/TokenLabeling).

DynamicViT's LV-ViT releases (raoyongming/DynamicViT, models/dylvvit.py) embed patches with a 4-layer
conv stem instead of DeiT's single patch Conv: conv1 7x7 stride 2 (3 -> stem channels, no bias) + BN +
ReLU, conv2 and conv3 3x3 stride 1 (no bias) + BN + ReLU each, then proj (patch/2 x patch/2 stride
patch/2, with bias) to the embedding width. BatchNorm runs on its running statistics in eval.
Everything else LV-ViT changes (no qkv bias, residual branches divided by skip_lam, LayerNorm at
torch's default eps, the aux head) is a field of ``models.dynamicvit.ModelConfig``.
"""

from __future__ import annotations

import torch
import torch.nn as nn


class ConvStemPatchEmbed(nn.Module):
    """Keys: ``conv1..3.weight``, ``bn1..3.{weight,bias,running_mean,running_var,num_batches_tracked}``,
    ``proj.{weight,bias}`` (under ``patch_embed.``), as in the official checkpoints."""

    def __init__(self, img_size: int, patch_size: int, embed_dim: int, stem_channels: int, in_chans: int = 3):
        super().__init__()
        if patch_size % 2:
            raise ValueError(f"the conv stem halves the image first: patch_size must be even, got {patch_size}")
        self.num_patches = (img_size // patch_size) ** 2
        s = stem_channels
        self.conv1 = nn.Conv2d(in_chans, s, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(s)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(s, s, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(s)
        self.conv3 = nn.Conv2d(s, s, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(s)
        self.proj = nn.Conv2d(s, embed_dim, kernel_size=patch_size // 2, stride=patch_size // 2)

    def stages(self) -> list[tuple[nn.Conv2d, nn.BatchNorm2d]]:
        return [(self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv, bn in self.stages():
            x = self.relu(bn(conv(x)))
        return self.proj(x).flatten(2).transpose(1, 2)


def conv_stem_macs(img_size: int, patch_size: int, embed_dim: int, stem_channels: int, in_chans: int = 3) -> int:
    """Multiply-accumulates of the stem's convolutions (BatchNorm and ReLU are not counted)."""
    half = (img_size // 2) ** 2  # conv1..3 run at half resolution
    s = stem_channels
    grid = img_size // patch_size
    proj = grid * grid * s * (patch_size // 2) ** 2 * embed_dim
    return half * (in_chans * s * 7 * 7 + 2 * s * s * 3 * 3) + proj
