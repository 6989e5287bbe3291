"""DeiT / LV-ViT and DynamicViT (token sparsification) in PyTorch.

DynamicViT: Efficient Vision Transformers with Dynamic Token Sparsification
Rao et al., NeurIPS 2021, https://arxiv.org/abs/2106.02034

Parameter names follow the official checkpoints (timm's VisionTransformer naming, LV-ViT's conv stem and
``aux_head``, plus ``score_predictor.{0..S-1}``), so ``model.load_state_dict(torch.load(p)["model"])``
works strictly. Every shape fact (width, depth, grid, predictor locations, trained rho, LV-ViT's
differences) comes from a ``ModelConfig``; the release configs are in ``CONFIGS``.

Eval path (as in the official code): before each pruning location a predictor scores the patch tokens
(CLS is never scored); the ``int(N * rho**p)`` highest KEEP scores survive, in descending-score order,
and the rest are gone for good. Training path: hard Gumbel-softmax decisions with attention masking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from models.lvvit import ConvStemPatchEmbed


def keep_counts(keep_ratio: float, num_patches: int, stages: int) -> list[int]:
    """Patch tokens kept after each stage p = 1..S: ``int(N * rho**p)`` in float64, clamped to [1, k_{p-1}]."""
    counts: list[int] = []
    prev = num_patches
    for p in range(1, stages + 1):
        prev = min(prev, max(1, int(num_patches * keep_ratio**p)))
        counts.append(prev)
    return counts


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
    """DeiT's patch embedding: one Conv with kernel = stride = patch size."""

    def __init__(self, img_size: int, patch_size: int, embed_dim: int, in_chans: int = 3):
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
    def __init__(self, dim: int, num_heads: int, qkv_bias: bool):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
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
    """Pre-norm block; LV-ViT divides both residual branches by ``skip_lam`` (DeiT: 1)."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float, qkv_bias: bool, norm_eps: float, skip_lam: float):
        super().__init__()
        self.skip_lam = skip_lam
        self.norm1 = nn.LayerNorm(dim, eps=norm_eps)
        self.attn = Attention(dim, num_heads=num_heads, qkv_bias=qkv_bias)
        self.norm2 = nn.LayerNorm(dim, eps=norm_eps)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, policy: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), policy=policy) / self.skip_lam
        x = x + self.mlp(self.norm2(x)) / self.skip_lam
        return x


class PredictorLG(nn.Module):
    """Token keep/drop scorer: per-token (local) features joined with a mean over kept tokens (global).

    Output is log-probabilities of shape (B, N, 2); column 0 is KEEP. Its LayerNorm has torch's default
    eps in every release (DeiT and LV-ViT alike).
    """

    def __init__(self, embed_dim: int):
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
    """DeiT (timm VisionTransformer, no distillation token) or LV-ViT, as ``cfg`` says; head on CLS
    (LV-ViT adds 0.5 x the max over patch tokens of ``aux_head``)."""

    def __init__(self, cfg: ModelConfig, num_classes: int):
        super().__init__()
        self.cfg = cfg
        self.num_classes = num_classes
        self.embed_dim = C = cfg.embed_dim
        if cfg.patch_embed == "lvvit-conv-stem":
            self.patch_embed: nn.Module = ConvStemPatchEmbed(cfg.img_size, cfg.patch_size, C, cfg.stem_channels)
        else:
            self.patch_embed = PatchEmbed(cfg.img_size, cfg.patch_size, C)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, C))
        self.pos_embed = nn.Parameter(torch.zeros(1, cfg.num_patches + 1, C))
        self.blocks = nn.ModuleList(
            [Block(C, cfg.num_heads, cfg.mlp_ratio, cfg.qkv_bias, cfg.norm_eps, cfg.skip_lam) for _ in range(cfg.depth)]
        )
        self.norm = nn.LayerNorm(C, eps=cfg.norm_eps)
        self.head = nn.Linear(C, num_classes)
        self.aux_head = nn.Linear(C, num_classes) if cfg.aux_head else None
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
        logits = self.head(x[:, 0])
        if self.aux_head is not None:  # LV-ViT's eval prediction, over the patch tokens still present
            logits = logits + 0.5 * self.aux_head(x[:, 1:]).amax(dim=1)
        return logits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


@dataclass
class PruningOutput:
    """Eval-path output: logits plus, per stage, the original patch positions (0..N-1) kept."""

    logits: torch.Tensor
    kept_positions: list[torch.Tensor] = field(default_factory=list)


@dataclass
class TrainingOutput:
    """Training-path output, what the DynamicViT loss needs."""

    logits: torch.Tensor
    patch_tokens: torch.Tensor  # final normed patch tokens (B, N, C)
    final_decision: torch.Tensor  # (B, N, 1), 1 = still kept after the last stage
    stage_decisions: list[torch.Tensor]  # per stage (B, N), hard Gumbel decisions


class DynamicVisionTransformer(VisionTransformer):
    """The backbone with a PredictorLG before each of ``cfg.pruning_loc`` (DynamicViT)."""

    def __init__(self, cfg: ModelConfig, num_classes: int, keep_ratio: float | None = None):
        super().__init__(cfg, num_classes)
        if not cfg.pruning_loc:
            raise ValueError(f"config {cfg.arch} has no pruning locations")
        rho = cfg.keep_ratio if keep_ratio is None else keep_ratio
        if rho is None:
            raise ValueError(f"config {cfg.arch} has no trained keep ratio: pass keep_ratio")
        self.pruning_loc = tuple(cfg.pruning_loc)
        self.keep_ratio = rho
        self.score_predictor = nn.ModuleList([PredictorLG(self.embed_dim) for _ in self.pruning_loc])
        self.score_predictor.apply(_init_vit_weights)

    def forward_pruned(self, x: torch.Tensor, keep_ratio: float | None = None) -> PruningOutput:
        """Eval path: drop tokens by score, return logits and each stage's kept original positions."""
        rho = self.keep_ratio if keep_ratio is None else keep_ratio
        n = self.cfg.num_patches
        counts = keep_counts(rho, n, len(self.pruning_loc))
        x = self.embed(x)
        B = x.shape[0]
        positions = torch.arange(n, device=x.device).expand(B, -1)
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
    """Accept the official layouts (``{"model": sd}``, timm's ``{"state_dict": sd}``) or a bare state_dict."""
    for key in ("model", "state_dict"):
        if isinstance(checkpoint, dict) and isinstance(checkpoint.get(key), dict):
            return checkpoint[key]
    return checkpoint


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of one release (or a custom size) and the eval preprocessing of its checkpoint."""

    arch: str  # "deit-ti" | "deit-256" | "deit-s" | "deit-b" | "lvvit-s" | "lvvit-m" | "custom"
    backbone: str  # "deit" | "lvvit"
    embed_dim: int
    num_heads: int
    depth: int
    mlp_ratio: float
    img_size: int
    patch_size: int
    pruning_loc: tuple[int, ...]  # blocks with a predictor in front of them (the DynamicViT of this arch)
    keep_ratio: float | None  # rho the release was trained with (None: not known, the caller passes it)
    qkv_bias: bool
    norm_eps: float
    skip_lam: float
    patch_embed: str  # "patch-conv" | "lvvit-conv-stem"
    aux_head: bool
    stem_channels: int  # width of LV-ViT's conv stem (0 for the patch conv)
    resize_shorter_side: int
    interpolation: str = "bicubic"
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)

    @property
    def grid(self) -> int:
        return self.img_size // self.patch_size

    @property
    def num_patches(self) -> int:
        return self.grid * self.grid

    @property
    def stages(self) -> int:
        return len(self.pruning_loc)


# What the backbone fixes (official code): DeiT = timm ViT; LV-ViT = dylvvit.py / TokenLabeling lvvit_s/m.
BACKBONES: dict[str, dict] = {
    "deit": dict(qkv_bias=True, norm_eps=1e-6, skip_lam=1.0, patch_embed="patch-conv", aux_head=False),
    "lvvit": dict(qkv_bias=False, norm_eps=1e-5, skip_lam=2.0, patch_embed="lvvit-conv-stem", aux_head=True),
}


def make_config(
    arch: str,
    backbone: str,
    *,
    embed_dim: int,
    num_heads: int,
    depth: int,
    mlp_ratio: float,
    img_size: int,
    patch_size: int,
    pruning_loc: tuple[int, ...],
    keep_ratio: float | None,
    resize_shorter_side: int,
    stem_channels: int = 0,
) -> ModelConfig:
    return ModelConfig(
        arch=arch,
        backbone=backbone,
        embed_dim=embed_dim,
        num_heads=num_heads,
        depth=depth,
        mlp_ratio=mlp_ratio,
        img_size=img_size,
        patch_size=patch_size,
        pruning_loc=tuple(pruning_loc),
        keep_ratio=keep_ratio,
        stem_channels=stem_channels,
        resize_shorter_side=resize_shorter_side,
        **BACKBONES[backbone],
    )


def spread_locations(depth: int, stages: int) -> tuple[int, ...]:
    """Predictors spread evenly over the depth: block p * depth // (S + 1), p = 1..S. It gives every
    release's locations (12 blocks: 3, 6, 9; 16: 4, 8, 12; 20: 5, 10, 15); custom sizes use it too."""
    return tuple(p * depth // (stages + 1) for p in range(1, stages + 1))


def _release(arch: str, backbone: str, dim: int, heads: int, depth: int, mlp: float, stem: int = 0) -> ModelConfig:
    # infer.py evaluates every DynamicViT release at 224 with crop_pct 224/256: resize 256, center crop 224
    return make_config(
        arch,
        backbone,
        embed_dim=dim,
        num_heads=heads,
        depth=depth,
        mlp_ratio=mlp,
        img_size=224,
        patch_size=16,
        pruning_loc=spread_locations(depth, 3),
        keep_ratio=0.7,
        resize_shorter_side=256,
        stem_channels=stem,
    )


CONFIGS: dict[str, ModelConfig] = {
    "deit-ti": _release("deit-ti", "deit", 192, 3, 12, 4.0),
    "deit-256": _release("deit-256", "deit", 256, 4, 12, 4.0),
    "deit-s": _release("deit-s", "deit", 384, 6, 12, 4.0),
    "deit-b": _release("deit-b", "deit", 768, 12, 12, 4.0),
    "lvvit-s": _release("lvvit-s", "lvvit", 384, 6, 16, 3.0, stem=64),
    "lvvit-m": _release("lvvit-m", "lvvit", 512, 8, 20, 3.0, stem=64),
}

# The teachers' own eval transform (timm crop_pct): DeiT 0.875 -> 256; LV-ViT-S 0.9 -> floor(224 / 0.9) = 248;
# LV-ViT-M 1.0 -> 224 (TokenLabeling's default_cfgs).
TEACHER_RESIZE: dict[str, int] = {"deit-ti": 256, "deit-s": 256, "deit-b": 256, "lvvit-s": 248, "lvvit-m": 224}


def deit(cfg: ModelConfig, num_classes: int) -> VisionTransformer:
    return VisionTransformer(cfg, num_classes)


def dynamicvit(cfg: ModelConfig, num_classes: int, keep_ratio: float | None = None) -> DynamicVisionTransformer:
    return DynamicVisionTransformer(cfg, num_classes, keep_ratio)
