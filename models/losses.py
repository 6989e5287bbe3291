"""DynamicViT training loss (Rao et al., 2021, Sec. 3.3), as the official DistillDiffPruningLoss computes it:

    loss = CE(student, y)
         + ratio_weight   * mean_p  mean_b (keep_rate_{b,p} - rho**(p+1))**2
         + distill_weight * KL(teacher || student logits, batchmean, both as log-probs)
         + token_weight   * MSE(student final tokens, teacher final tokens) over tokens still kept

keep_rate_{b,p} is the mean over patches of sample b's hard decision at stage p (decisions are cumulative).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class LossParts:
    total: torch.Tensor
    ce: torch.Tensor
    ratio: torch.Tensor
    kl: torch.Tensor
    mse: torch.Tensor


def ratio_loss(stage_decisions: list[torch.Tensor], keep_ratio: float) -> torch.Tensor:
    """Mean over stages of the batch-mean squared gap between each sample's keep rate and rho**(p+1)."""
    total = stage_decisions[0].new_zeros(())
    for p, d in enumerate(stage_decisions):
        rate = d.reshape(d.shape[0], -1).mean(dim=1)
        total = total + ((rate - keep_ratio ** (p + 1)) ** 2).mean()
    return total / len(stage_decisions)


def dynamicvit_loss(
    logits: torch.Tensor,
    tokens: torch.Tensor,
    final_decision: torch.Tensor,
    stage_decisions: list[torch.Tensor],
    labels: torch.Tensor,
    teacher_logits: torch.Tensor,
    teacher_tokens: torch.Tensor,
    *,
    keep_ratio: float,
    ratio_weight: float = 2.0,
    distill_weight: float = 0.5,
    token_weight: float = 0.5,
    label_smoothing: float = 0.1,
) -> LossParts:
    ce = F.cross_entropy(logits, labels, label_smoothing=label_smoothing)
    r = ratio_loss(stage_decisions, keep_ratio)
    kl = F.kl_div(
        F.log_softmax(logits, dim=-1),
        F.log_softmax(teacher_logits.detach(), dim=-1),
        reduction="batchmean",
        log_target=True,
    )
    B, N, C = tokens.shape
    keep = final_decision.reshape(B * N) > 0.5
    if keep.sum() < 1:
        mse = tokens.new_zeros(())
    else:
        mse = F.mse_loss(tokens.reshape(B * N, C)[keep], teacher_tokens.detach().reshape(B * N, C)[keep])
    total = ce + ratio_weight * r + distill_weight * kl + token_weight * mse
    return LossParts(total=total, ce=ce, ratio=r, kl=kl, mse=mse)
