"""Held-out evaluation of the demo pair on the generated validation set.

    python -m models.evaluate --teacher runs/teacher/ckpt.pth --student runs/student/ckpt.pth \
        --val runs/data/val --out runs/eval.json

Writes: teacher top-1; DynamicViT top-1 at rho 0.5 / 0.7 / 0.9; object recall after each stage = share of
object-covering patches (14x14 masks from the generator) that are still kept after that stage, pooled over
the set; plus the mean keep counts. Eval path = forward_pruned (what the ONNX graph computes).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from .dynamicvit import DynamicVisionTransformer, checkpoint_filter_fn, keep_counts
from .train import ArrayData, build_teacher, demo_config, evaluate_student, evaluate_teacher, width_from_state


def _load(path: str):
    ck = torch.load(path, map_location="cpu", weights_only=False)
    sd = checkpoint_filter_fn(ck)
    cfg = ck.get("config", {}) if isinstance(ck, dict) else {}
    meta = {k: ck.get(k) for k in ("step", "state") if isinstance(ck, dict) and k in ck}
    return sd, cfg, meta


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--teacher", required=True)
    ap.add_argument("--student", required=True)
    ap.add_argument("--val", default="runs/data/val")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--ratios", default="0.5,0.7,0.9")
    ap.add_argument("--out", default="runs/eval.json")
    ap.add_argument("--threads", type=int, default=0, help="0 = 1 or 2 by load")
    a = ap.parse_args(argv)
    # on a busy 2-core machine one thread is faster than two that wait on each other
    torch.set_num_threads(a.threads if a.threads > 0 else (1 if os.getloadavg()[0] > 3.0 else 2))
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    val = ArrayData(a.val, a.limit)
    t0 = time.time()

    tsd, tcfg, tmeta = _load(a.teacher)
    dim, classes = width_from_state(tsd)
    ssd, scfg, smeta = _load(a.student)
    # the student's saved config carries the shape (depth, patch, image size, pruning locations, rho)
    arch = {"embed_dim": dim, "num_heads": max(1, dim // 32), "stages": len(scfg.get("pruning_loc", [])), **scfg}
    cfg = demo_config(arch, float(scfg["keep_ratio"]))
    heads = cfg.num_heads
    teacher = build_teacher(cfg, classes)
    teacher.load_state_dict(tsd, strict=True)
    teacher.to(device)
    t_acc = evaluate_teacher(teacher, val, device)

    student = DynamicVisionTransformer(cfg, classes)
    student.load_state_dict(ssd, strict=True)
    student.to(device)
    per_ratio = {}
    for r in [float(v) for v in a.ratios.split(",")]:
        acc, recall = evaluate_student(student, val, device, r)
        per_ratio[f"{r:.1f}"] = {
            "top1": acc,
            "object_recall": recall,
            "keep_counts": keep_counts(r, cfg.num_patches, cfg.stages),
        }
    masks = np.asarray(val.masks[: len(val)]).reshape(len(val), -1)
    res = {
        "val_set": os.path.abspath(a.val),
        "val_images": len(val),
        "val_seed": val.meta.get("seed"),
        "object_patch_share": {
            "mean": float(masks.mean()),
            "min": float(masks.mean(1).min()),
            "max": float(masks.mean(1).max()),
        },
        "teacher": {
            "top1": t_acc,
            "checkpoint": os.path.abspath(a.teacher),
            "embed_dim": dim,
            "num_heads": heads,
            "steps": tmeta.get("step"),
            "state": tmeta.get("state"),
        },
        "dynamicvit": {
            "checkpoint": os.path.abspath(a.student),
            "trained_keep_ratio": scfg.get("keep_ratio"),
            "steps": smeta.get("step"),
            "state": smeta.get("state"),
            "per_ratio": per_ratio,
        },
        "targets": {
            "teacher_top1>=0.95": t_acc >= 0.95,
            "dynamicvit_0.7_within_1pt": ("0.7" in per_ratio and per_ratio["0.7"]["top1"] >= t_acc - 0.01),
            "object_recall_after_stage3_at_0.7>=0.90": (
                "0.7" in per_ratio and per_ratio["0.7"]["object_recall"][-1] >= 0.90
            ),
        },
        "seconds": round(time.time() - t0, 1),
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f, indent=1)
    os.replace(tmp, a.out)
    print(
        json.dumps(
            {
                "teacher": t_acc,
                **{k: (v["top1"], [round(x, 3) for x in v["object_recall"]]) for k, v in per_ratio.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
