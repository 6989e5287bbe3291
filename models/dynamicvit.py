"""DeiT and DynamicViT (token sparsification) in PyTorch.

DynamicViT: Efficient Vision Transformers with Dynamic Token Sparsification
Rao et al., NeurIPS 2021, https://arxiv.org/abs/2106.02034

Parameter names follow the official DeiT / DynamicViT checkpoints (timm's
VisionTransformer naming plus ``score_predictor.{0,1,2}``), so
``model.load_state_dict(torch.load(p)["model"])`` works strictly.

Eval path (as in the official code): before blocks 3, 6 and 9 a predictor
scores the patch tokens (CLS is never scored); the ``int(196 * rho**(p+1))``
highest KEEP scores survive, in descending-score order, and the rest are gone
for good. Training path: hard Gumbel-softmax decisions with attention masking.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_PATCHES = 196  # 224 / 16 = 14 x 14
PRUNING_LOCATIONS = (3, 6, 9)


def keep_counts(keep_ratio: float, num_patches: int = NUM_PATCHES, stages: int = 3) -> list[int]:
    """Patch tokens kept after each stage: ``int(N * rho**(p+1))`` in float64, clamped to [1, N]."""
    return [min(num_patches, max(1, int(num_patches * keep_ratio ** (p + 1)))) for p in range(stages)]


def softmax_with_policy(attn: torch.Tensor, policy: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Softmax over keys where dropped keys (policy 0) are masked out for every query but themselves."""
    B, N, _ = policy.shape
    key_policy = policy.reshape(B, 1, 1, N)
    eye = torch.eye(N, dtype=key_policy.dtype, device=key_policy.device).view(1, 1, N, N)
    key_policy = key_policy + (1.0 - key_policy) * eye
    attn = attn - attn.max(dim=-1, keepdim=True)[0]
    attn = attn.to(torch.float32).exp_() * key_policy.to(torch.float32)
    attn = (attn + eps / N) / (attn.sum(dim=-1, keepdim=True) + eps)
    return attn


class PatchEmbed(nn.Module):
    def __init__(self, img_size: int = 224, patch_size: int = 16, in_chans: int = 3, embed_dim: int = 768):
        super().__init__()
        self.num_patches = (img_size // patch_size) ** 2
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class Mlp(nn.Module):
    def __init__(self, in_features: int, hidden_features: int):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_features, in_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Attention(nn.Module):
    def __init__(self, dim: int, num_heads: int = 8):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, policy: torch.Tensor | None = None) -> torch.Tensor:
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * self.scale
        if policy is None:
            attn = attn.softmax(dim=-1)
        else:
            attn = softmax_with_policy(attn, policy).type_as(v)
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class Block(nn.Module):
    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads=num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, policy: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), policy=policy)
        x = x + self.mlp(self.norm2(x))
        return x


class PredictorLG(nn.Module):
    """Token keep/drop scorer: per-token (local) features joined with a mean over kept tokens (global).

    Output is log-probabilities of shape (B, N, 2); column 0 is KEEP.
    """

    def __init__(self, embed_dim: int = 384):
        super().__init__()
        self.in_conv = nn.Sequential(nn.LayerNorm(embed_dim), nn.Linear(embed_dim, embed_dim), nn.GELU())
        self.out_conv = nn.Sequential(
            nn.Linear(embed_dim, embed_dim // 2),
            nn.GELU(),
            nn.Linear(embed_dim // 2, embed_dim // 4),
            nn.GELU(),
            nn.Linear(embed_dim // 4, 2),
            nn.LogSoftmax(dim=-1),
        )

    def forward(self, x: torch.Tensor, policy: torch.Tensor | None = None) -> torch.Tensor:
        x = self.in_conv(x)
        B, N, C = x.shape
        local_x = x[:, :, : C // 2]
        if policy is None:
            global_x = x[:, :, C // 2 :].mean(dim=1, keepdim=True)
        else:
            global_x = (x[:, :, C // 2 :] * policy).sum(dim=1, keepdim=True) / policy.sum(dim=1, keepdim=True)
        x = torch.cat([local_x, global_x.expand(B, N, C // 2)], dim=-1)
        return self.out_conv(x)


class VisionTransformer(nn.Module):
    """DeiT (timm VisionTransformer) without distillation token; head on the CLS token."""

    def __init__(
        self,
        img_size: int = 224,
        patch_size: int = 16,
        in_chans: int = 3,
        num_classes: int = 1000,
        embed_dim: int = 768,
        depth: int = 12,
        num_heads: int = 12,
        mlp_ratio: float = 4.0,
    ):
        super().__init__()
        self.num_classes = num_classes
        self.embed_dim = embed_dim
        self.patch_embed = PatchEmbed(img_size, patch_size, in_chans, embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.patch_embed.num_patches + 1, embed_dim))
        self.blocks = nn.ModuleList([Block(embed_dim, num_heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.head = nn.Linear(embed_dim, num_classes) if num_classes > 0 else nn.Identity()
        self.init_weights()

    def init_weights(self) -> None:
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.apply(_init_vit_weights)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        return x + self.pos_embed

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.embed(x)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x[:, 0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


@dataclass
class PruningOutput:
    """Eval-path output: logits plus, per stage, the original patch positions (0..195) kept."""

    logits: torch.Tensor
    kept_positions: list[torch.Tensor] = field(default_factory=list)


@dataclass
class TrainingOutput:
    """Training-path output, what the DynamicViT loss needs."""

    logits: torch.Tensor
    patch_tokens: torch.Tensor  # final normed patch tokens (B, 196, C)
    final_decision: torch.Tensor  # (B, 196, 1), 1 = still kept after the last stage
    stage_decisions: list[torch.Tensor]  # per stage (B, 196), hard Gumbel decisions


class DynamicVisionTransformer(VisionTransformer):
    """DeiT with a PredictorLG before each pruning location (DynamicViT)."""

    def __init__(
        self,
        keep_ratio: float = 0.7,
        pruning_loc: tuple[int, ...] = PRUNING_LOCATIONS,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.pruning_loc = tuple(pruning_loc)
        self.keep_ratio = keep_ratio
        self.score_predictor = nn.ModuleList([PredictorLG(self.embed_dim) for _ in self.pruning_loc])
        self.score_predictor.apply(_init_vit_weights)

    def forward_pruned(self, x: torch.Tensor, keep_ratio: float | None = None) -> PruningOutput:
        """Eval path: drop tokens by score, return logits and each stage's kept original positions."""
        rho = self.keep_ratio if keep_ratio is None else keep_ratio
        counts = keep_counts(rho, self.patch_embed.num_patches, len(self.pruning_loc))
        x = self.embed(x)
        B = x.shape[0]
        positions = torch.arange(self.patch_embed.num_patches, device=x.device).expand(B, -1)
        kept: list[torch.Tensor] = []
        stage = 0
        for i, blk in enumerate(self.blocks):
            if i in self.pruning_loc:
                score = self.score_predictor[stage](x[:, 1:])[:, :, 0]
                k = min(counts[stage], score.shape[1])
                keep_idx = torch.argsort(score, dim=1, descending=True)[:, :k]
                patches = torch.gather(x[:, 1:], 1, keep_idx.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
                x = torch.cat([x[:, :1], patches], dim=1)
                positions = torch.gather(positions, 1, keep_idx)
                kept.append(positions)
                stage += 1
            x = blk(x)
        x = self.norm(x)
        return PruningOutput(logits=self.forward_head(x), kept_positions=kept)

    def forward_train(self, x: torch.Tensor, tau: float = 1.0) -> TrainingOutput:
        """Training path: hard Gumbel-softmax keep decisions; dropped tokens masked out of attention."""
        x = self.embed(x)
        B, N1, _ = x.shape
        n = N1 - 1
        prev_decision = torch.ones(B, n, 1, dtype=x.dtype, device=x.device)
        policy = torch.ones(B, N1, 1, dtype=x.dtype, device=x.device)
        cls_policy = torch.ones(B, 1, 1, dtype=x.dtype, device=x.device)
        stage_decisions: list[torch.Tensor] = []
        stage = 0
        for i, blk in enumerate(self.blocks):
            if i in self.pruning_loc:
                log_probs = self.score_predictor[stage](x[:, 1:], prev_decision)
                decision = F.gumbel_softmax(log_probs, tau=tau, hard=True)[:, :, 0:1] * prev_decision
                stage_decisions.append(decision.reshape(B, n))
                policy = torch.cat([cls_policy, decision], dim=1)
                prev_decision = decision
                stage += 1
            x = blk(x, policy=policy)
        x = self.norm(x)
        return TrainingOutput(
            logits=self.forward_head(x),
            patch_tokens=x[:, 1:],
            final_decision=prev_decision.detach(),
            stage_decisions=stage_decisions,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_pruned(x).logits


def _init_vit_weights(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


def checkpoint_filter_fn(checkpoint: dict) -> dict[str, torch.Tensor]:
    """Accept the official file layout (``{"model": state_dict, ...}``) or a bare state_dict."""
    if isinstance(checkpoint, dict) and "model" in checkpoint and isinstance(checkpoint["model"], dict):
        return checkpoint["model"]
    if isinstance(checkpoint, dict) and "state_dict" in checkpoint and isinstance(checkpoint["state_dict"], dict):
        return checkpoint["state_dict"]
    return checkpoint


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of one size; preprocessing as the official eval path does it."""

    name: str
    embed_dim: int
    num_heads: int
    depth: int = 12
    mlp_ratio: float = 4.0
    patch_size: int = 16
    img_size: int = 224
    resize_shorter_side: int = 256  # crop_pct 0.875
    interpolation: str = "bicubic"
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)

    def arch_kwargs(self) -> dict:
        return dict(
            img_size=self.img_size,
            patch_size=self.patch_size,
            embed_dim=self.embed_dim,
            depth=self.depth,
            num_heads=self.num_heads,
            mlp_ratio=self.mlp_ratio,
        )


CONFIGS: dict[str, ModelConfig] = {
    "deit_tiny": ModelConfig("deit_tiny", embed_dim=192, num_heads=3),
    "deit_small": ModelConfig("deit_small", embed_dim=384, num_heads=6),
    "deit_base": ModelConfig("deit_base", embed_dim=768, num_heads=12),
}


def config_for_width(embed_dim: int, num_heads: int | None = None) -> ModelConfig:
    """The named config of that width, or an ad-hoc one (demo and fixture models)."""
    for cfg in CONFIGS.values():
        if cfg.embed_dim == embed_dim and (num_heads is None or cfg.num_heads == num_heads):
            return cfg
    heads = num_heads if num_heads is not None else max(1, embed_dim // 64)
    return ModelConfig(f"deit_custom_{embed_dim}", embed_dim=embed_dim, num_heads=heads)


def deit(cfg: ModelConfig, num_classes: int = 1000) -> VisionTransformer:
    return VisionTransformer(num_classes=num_classes, **cfg.arch_kwargs())


def dynamicvit(cfg: ModelConfig, keep_ratio: float = 0.7, num_classes: int = 1000) -> DynamicVisionTransformer:
    return DynamicVisionTransformer(keep_ratio=keep_ratio, num_classes=num_classes, **cfg.arch_kwargs())


def deit_tiny_patch16_224(**kwargs) -> VisionTransformer:
    return deit(CONFIGS["deit_tiny"], **kwargs)


def deit_small_patch16_224(**kwargs) -> VisionTransformer:
    return deit(CONFIGS["deit_small"], **kwargs)


def deit_base_patch16_224(**kwargs) -> VisionTransformer:
    return deit(CONFIGS["deit_base"], **kwargs)


def dynamicvit_tiny_patch16_224(**kwargs) -> DynamicVisionTransformer:
    return dynamicvit(CONFIGS["deit_tiny"], **kwargs)


def dynamicvit_small_patch16_224(**kwargs) -> DynamicVisionTransformer:
    return dynamicvit(CONFIGS["deit_small"], **kwargs)


def dynamicvit_base_patch16_224(**kwargs) -> DynamicVisionTransformer:
    return dynamicvit(CONFIGS["deit_base"], **kwargs)
