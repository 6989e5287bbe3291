"""Random DeiT-S-shaped checkpoints in the official release layout ({"model": state_dict}), for latency only.

python bench/make_checkpoints.py --out bench/work/ckpt [--seed 0]

Writes dynamicvit_small_random.pth (backbone + score_predictor.{0,1,2}) and deit_small_random.pth (the same
backbone weights, its full twin). Weights are random: the graphs have the real DeiT-S shapes and op counts,
which is all a latency benchmark needs. Never commit these files (bench/work/ is git-ignored).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from models.dynamicvit import CONFIGS, deit, dynamicvit  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("bench/work/ckpt"))
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(a.seed)
    cfg = CONFIGS["deit-s"]  # the release's DeiT-S shape (models/dynamicvit.py), ImageNet's 1000 classes
    dvit = dynamicvit(cfg, 1000).eval()
    twin = deit(cfg, 1000).eval()
    backbone = {k: v for k, v in dvit.state_dict().items() if not k.startswith("score_predictor.")}
    twin.load_state_dict(backbone, strict=True)
    torch.save({"model": dvit.state_dict()}, a.out / "dynamicvit_small_random.pth")
    torch.save({"model": twin.state_dict()}, a.out / "deit_small_random.pth")
    print(f"wrote {a.out}/dynamicvit_small_random.pth and deit_small_random.pth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
