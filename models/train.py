"""Train the bundled demo pair on the generated emoji dataset (see models/data/).

    python -m models.train teacher --data runs/data/train --val runs/data/val --out runs/teacher \
        --embed-dim 64 --heads 2 --max-minutes 75
    python -m models.train student --teacher runs/teacher/ckpt.pth --data runs/data/train \
        --val runs/data/val --out runs/student --max-minutes 30

Wall-clock bounded: the cosine schedule runs over progress = max(step / steps, train_seconds / budget),
so a run ends on time whatever the throughput. A checkpoint {"model", "optimizer", "step", ...} is written
atomically (tmp + rename) every --ckpt-minutes and at the end; rerunning the same command resumes.
Batches are drawn from (seed, step), so a resumed run sees the same data it would have seen.
Uses CUDA when available. The teacher is a DeiT (VisionTransformer) trained from scratch; the student is
DynamicViT initialised from it (predictors before blocks 3/6/9, Gumbel decisions with attention masking,
loss = CE + 2.0 ratio + 0.5 KL + 0.5 token MSE, backbone lr x0.01, frozen during a warm phase,
cls_token / pos_embed frozen).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from .dynamicvit import (
    DynamicVisionTransformer,
    ModelConfig,
    VisionTransformer,
    checkpoint_filter_fn,
    make_config,
    spread_locations,
)
from .losses import dynamicvit_loss

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


# ----------------------------------------------------------------------------------------------- data
class ArrayData:
    """The generator's .npy files, memory-mapped."""

    def __init__(self, root: str, limit: int | None = None):
        self.images = np.load(os.path.join(root, "images.npy"), mmap_mode="r")
        self.masks = np.load(os.path.join(root, "masks.npy"), mmap_mode="r")
        self.labels = np.load(os.path.join(root, "labels.npy"), mmap_mode="r")
        self.n = len(self.labels) if limit is None else min(limit, len(self.labels))
        meta_path = os.path.join(root, "meta.json")
        self.meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}

    def __len__(self) -> int:
        return self.n

    def batch(self, idx: np.ndarray, flip: np.ndarray | None = None):
        idx = np.asarray(idx)
        order = np.argsort(idx)  # sorted reads from the memmap, then back to the requested order
        imgs = np.empty((len(idx), *self.images.shape[1:]), np.uint8)
        imgs[order] = self.images[idx[order]]
        x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float().div_(255.0)
        x = (x - MEAN) / STD
        masks = torch.from_numpy(np.asarray(self.masks[idx[order]]))[torch.from_numpy(np.argsort(order))]
        y = torch.from_numpy(np.asarray(self.labels[idx]).astype(np.int64))
        if flip is not None and flip.any():
            f = torch.from_numpy(flip)
            x[f] = x[f].flip(-1)
            masks = masks.clone()
            masks[f] = masks[f].flip(-1)
        return x.contiguous(), y, masks.reshape(len(idx), -1)


def random_resized_crop(
    x: torch.Tensor, rng: np.random.Generator, min_scale: float, ratio: tuple[float, float] = (3 / 4, 4 / 3)
) -> torch.Tensor:
    """DeiT's RandomResizedCrop on a batch: per image, a box of area share U(min_scale, 1) and log-uniform
    aspect ratio at a random place, resized back to the full size (bilinear). Boxes that do not fit are
    clipped to the image. Only the training inputs change; object masks are never used in training."""
    B = x.shape[0]
    area = rng.uniform(min_scale, 1.0, B)
    aspect = np.exp(rng.uniform(np.log(ratio[0]), np.log(ratio[1]), B))
    w = np.clip(np.sqrt(area * aspect), 0.0, 1.0)  # box size as a share of the image side
    h = np.clip(np.sqrt(area / aspect), 0.0, 1.0)
    cx = rng.uniform(-(1.0 - w), 1.0 - w)  # box centre in [-1, 1] grid coordinates
    cy = rng.uniform(-(1.0 - h), 1.0 - h)
    theta = torch.zeros(B, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = torch.from_numpy(w).float(), torch.from_numpy(cx).float()
    theta[:, 1, 1], theta[:, 1, 2] = torch.from_numpy(h).float(), torch.from_numpy(cy).float()
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def normalize_uint8(imgs: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(np.ascontiguousarray(imgs)).permute(0, 3, 1, 2).float().div_(255.0)
    return (x - MEAN) / STD


# ----------------------------------------------------------------------------------------------- utils
def atomic_save(obj, path: str) -> None:
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def lr_factor(progress: float, warmup: float) -> float:
    if progress < warmup:
        return max(progress / warmup, 1e-3)
    t = (progress - warmup) / max(1e-8, 1.0 - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, t)))


def log(out: str, rec: dict) -> None:
    rec = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **rec}
    print(json.dumps(rec), flush=True)
    with open(os.path.join(out, "log.jsonl"), "a") as f:
        f.write(json.dumps(rec) + "\n")


@torch.no_grad()
def evaluate_teacher(model, data: ArrayData, device, bs: int = 64) -> float:
    model.eval()
    correct = 0
    for s in range(0, len(data), bs):
        idx = np.arange(s, min(len(data), s + bs))
        x, y, _ = data.batch(idx)
        correct += (model(x.to(device)).argmax(-1).cpu() == y).sum().item()
    model.train()
    return correct / max(1, len(data))


@torch.no_grad()
def evaluate_student(model: DynamicVisionTransformer, data: ArrayData, device, keep_ratio: float, bs: int = 64):
    """Accuracy and object recall per stage (share of object patches still kept after the stage)."""
    model.eval()
    correct = 0
    kept_obj = None
    total_obj = 0
    for s in range(0, len(data), bs):
        idx = np.arange(s, min(len(data), s + bs))
        x, y, m = data.batch(idx)
        out = model.forward_pruned(x.to(device), keep_ratio)
        correct += (out.logits.argmax(-1).cpu() == y).sum().item()
        m = m.bool()
        if kept_obj is None:
            kept_obj = [0] * len(out.kept_positions)
        for p, pos in enumerate(out.kept_positions):
            keep = torch.zeros_like(m)
            keep.scatter_(1, pos.cpu(), True)
            kept_obj[p] += (keep & m).sum().item()
        total_obj += m.sum().item()
    model.train()
    return correct / max(1, len(data)), [k / max(1, total_obj) for k in kept_obj]


class ThreadTuner:
    """On a shared 2-core CPU, 2 intra-op threads are ~2x faster when the machine is idle and ~3x slower
    when other processes compete (threads wait on each other). Measure both, use the faster, re-probe."""

    def __init__(self, choices=(1, 2), window: int = 8, explore_every: int = 120):
        self.choices, self.window, self.explore_every = choices, window, explore_every
        self.speed = {c: None for c in choices}
        self.current = torch.get_num_threads()
        self.times: list[float] = []
        self.exploring = False

    def before_step(self, step: int) -> None:
        if not self.times and step > 0 and step % self.explore_every == 0 and not self.exploring:
            other = [c for c in self.choices if c != self.current][0]
            self.exploring, self.current = True, other
            torch.set_num_threads(other)

    def after_step(self, seconds: float) -> None:
        self.times.append(seconds)
        if len(self.times) < self.window:
            return
        t = float(np.median(self.times[1:]))  # first step after a switch is a warm-up
        self.times = []
        self.speed[self.current] = t
        known = {c: v for c, v in self.speed.items() if v is not None}
        if len(known) < len(self.choices):
            nxt = [c for c in self.choices if self.speed[c] is None][0]
        else:
            nxt = min(known, key=known.get)
        self.exploring = False
        if nxt != self.current:
            self.current = nxt
            torch.set_num_threads(nxt)


def validation_record(model, teacher, val, device, keep_ratio: float) -> dict:
    """Held-out progress numbers: accuracy, plus object recall per stage for the student."""
    if val is None:
        return {}
    if teacher is None:
        return {"val_acc": evaluate_teacher(model, val, device)}
    acc, recall = evaluate_student(model, val, device, keep_ratio)
    return {"val_acc": acc, "object_recall": [round(r, 3) for r in recall]}


def demo_config(cfg: dict, keep_ratio: float | None = None) -> ModelConfig:
    """The demo pair's architecture from a checkpoint's (or this run's) "config" block: DeiT layout, the
    image size of the generated data, predictors spread over the depth as the releases place them."""
    depth = int(cfg["depth"])
    locations = cfg.get("pruning_loc") or spread_locations(depth, int(cfg["stages"]))
    return make_config(
        "custom",
        "deit",
        embed_dim=int(cfg["embed_dim"]),
        num_heads=int(cfg["num_heads"]),
        depth=depth,
        mlp_ratio=4.0,
        img_size=int(cfg["img_size"]),
        patch_size=int(cfg["patch_size"]),
        pruning_loc=tuple(locations),
        keep_ratio=keep_ratio,
        resize_shorter_side=int(cfg["img_size"]),  # the generated images are used as they are
    )


def build_teacher(cfg: ModelConfig, num_classes: int) -> VisionTransformer:
    return VisionTransformer(cfg, num_classes)


def split_decay(named, lr_scale: float, name: str) -> list[dict]:
    """AdamW groups: no weight decay on biases, norms, cls_token and pos_embed (as DeiT does)."""
    decay = [p for n, p in named if p.ndim > 1 and n not in ("cls_token", "pos_embed")]
    no_decay = [p for n, p in named if not (p.ndim > 1 and n not in ("cls_token", "pos_embed"))]
    return [
        {"params": decay, "lr_scale": lr_scale, "name": name},
        {"params": no_decay, "lr_scale": lr_scale, "name": name, "weight_decay": 0.0},
    ]


def width_from_state(sd: dict) -> tuple[int, int]:
    dim = sd["cls_token"].shape[-1]
    classes = sd["head.weight"].shape[0]
    return dim, classes


# ----------------------------------------------------------------------------------------------- main loop
def run(args) -> None:
    torch.set_num_threads(args.threads if args.threads > 0 else 2)
    device = torch.device("cuda" if torch.cuda.is_available() and not args.cpu else "cpu")
    os.makedirs(args.out, exist_ok=True)
    train = ArrayData(args.data, args.train_limit)
    val = ArrayData(args.val, args.val_limit) if args.val else None
    num_classes = len(train.meta.get("labels", [])) or int(np.max(train.labels[: train.n])) + 1
    ckpt_path = os.path.join(args.out, "ckpt.pth")
    torch.manual_seed(args.seed)

    teacher = None
    arch = {
        "embed_dim": args.embed_dim,
        "num_heads": args.heads,
        "depth": args.depth,
        "patch_size": args.patch_size,
        "img_size": int(train.images.shape[1]),
        "stages": args.stages,
    }
    if args.phase == "teacher":
        cfg = demo_config(arch)
        model = build_teacher(cfg, num_classes).to(device)
        groups = split_decay(list(model.named_parameters()), 1.0, "all")
    else:
        tck = torch.load(args.teacher, map_location="cpu", weights_only=False)
        tsd = checkpoint_filter_fn(tck)
        embed_dim, num_classes = width_from_state(tsd)
        backbone_keys = ("embed_dim", "num_heads", "depth", "patch_size", "img_size")
        arch.update({k: v for k, v in tck.get("config", {}).items() if k in backbone_keys})  # the teacher's shape wins
        arch["embed_dim"] = embed_dim
        cfg = demo_config(arch, args.keep_ratio)
        teacher = build_teacher(cfg, num_classes)
        teacher.load_state_dict(tsd, strict=True)
        teacher.to(device).eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
        model = DynamicVisionTransformer(cfg, num_classes).to(device)
        missing, unexpected = model.load_state_dict(tsd, strict=False)
        assert not unexpected and all(k.startswith("score_predictor.") for k in missing), (missing, unexpected)
        if args.init_student:  # continue an earlier student (e.g. one recovered from the bundled ONNX)
            model.load_state_dict(checkpoint_filter_fn(torch.load(args.init_student, map_location="cpu")), strict=True)
        model.cls_token.requires_grad_(False)
        model.pos_embed.requires_grad_(False)
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        groups = split_decay([(n, p) for n, p in named if n.startswith("score_predictor.")], 1.0, "predictors")
        groups += split_decay(
            [(n, p) for n, p in named if not n.startswith("score_predictor.")], args.backbone_lr_scale, "backbone"
        )
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=args.wd)

    state = {
        "step": 0,
        "train_seconds": 0.0,
        "images_seen": 0,
        "budget_seconds": args.max_minutes * 60.0,
        "done": False,
    }
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        state.update(ck["state"])
        if args.reset_budget:
            state["budget_seconds"] = args.max_minutes * 60.0
        log(args.out, {"event": "resume", **state})
        if state["done"]:
            print("already done", flush=True)
            return
    config = {
        "phase": args.phase,
        "embed_dim": cfg.embed_dim,
        "num_heads": cfg.num_heads,
        "depth": cfg.depth,
        "patch_size": cfg.patch_size,
        "img_size": cfg.img_size,
        "stages": cfg.stages,
        "num_classes": num_classes,
        "labels": train.meta.get("labels"),
        "batch": args.batch,
        "lr": args.lr,
        "wd": args.wd,
        "warmup": args.warmup,
        "steps": args.steps,
        "max_minutes": args.max_minutes,
        "label_smoothing": args.label_smoothing,
        "train_data": os.path.abspath(args.data),
        "train_count": train.n,
        "device": str(device),
        "threads": args.threads,
        "seed": args.seed,
        "augmentation": "random horizontal flip"
        + (
            f", random resized crop (area {args.crop_min_scale:g}-1, aspect 3/4-4/3)" if args.crop_min_scale < 1 else ""
        ),
    }
    if args.phase == "student":
        config.update(
            {
                "teacher": os.path.abspath(args.teacher),
                "init_student": args.init_student,
                "keep_ratio": args.keep_ratio,
                "pruning_loc": list(cfg.pruning_loc),
                "ratio_weight": 2.0,
                "distill_weight": 0.5,
                "token_weight": 0.5,
                "backbone_lr_scale": args.backbone_lr_scale,
                "backbone_frozen_progress": args.freeze_backbone,
                "gumbel_tau": 1.0,
                "frozen": ["cls_token", "pos_embed"],
            }
        )

    def save(done: bool = False):
        state["done"] = done
        atomic_save(
            {
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "state": dict(state),
                "step": state["step"],
                "config": config,
            },
            ckpt_path,
        )

    model.train()
    deadline = None
    if args.until:
        deadline = time.mktime(time.strptime(args.until, "%Y-%m-%dT%H:%M")) - time.timezone
    if deadline is not None and state["step"] == 0:  # fresh start: fit the whole schedule before the deadline
        state["budget_seconds"] = max(60.0, min(state["budget_seconds"], deadline - time.time()))
    last_ckpt = time.time()
    t_run = time.time()
    base_seconds = state["train_seconds"]
    window = []
    tuner = ThreadTuner()
    while True:
        state["train_seconds"] = base_seconds + (time.time() - t_run)
        progress = max(state["step"] / args.steps, state["train_seconds"] / state["budget_seconds"])
        if progress >= 1.0 or (deadline is not None and time.time() >= deadline):
            break
        f = lr_factor(progress, args.warmup)
        for g in opt.param_groups:
            scale = g["lr_scale"]
            if g["name"] == "backbone" and progress < args.freeze_backbone:
                scale = 0.0
            g["lr"] = args.lr * f * scale
        if args.threads == 0 and device.type == "cpu":  # auto: pick 1 or 2 threads by measured speed
            tuner.before_step(state["step"])
        rng = np.random.default_rng([args.seed, state["step"]])
        idx = rng.integers(0, train.n, args.batch)
        flip = rng.random(args.batch) < 0.5
        t0 = time.time()
        x, y, _ = train.batch(idx, flip)
        if args.crop_min_scale < 1.0:
            x = random_resized_crop(x, rng, args.crop_min_scale)
        x, y = x.to(device, non_blocking=True), y.to(device)
        if teacher is None:
            logits = model(x)
            loss = F.cross_entropy(logits, y, label_smoothing=args.label_smoothing)
            parts = {}
        else:
            with torch.no_grad():
                feats = teacher.forward_features(x)
                t_logits, t_tokens = teacher.forward_head(feats), feats[:, 1:]
            out = model.forward_train(x)
            lp = dynamicvit_loss(
                out.logits,
                out.patch_tokens,
                out.final_decision,
                out.stage_decisions,
                y,
                t_logits,
                t_tokens,
                keep_ratio=args.keep_ratio,
                label_smoothing=args.label_smoothing,
            )
            loss, logits = lp.total, out.logits
            parts = {
                "ce": lp.ce.item(),
                "ratio": lp.ratio.item(),
                "kl": lp.kl.item(),
                "mse": lp.mse.item(),
                "keep": [round(d.mean().item(), 3) for d in out.stage_decisions],
            }
        if not torch.isfinite(loss):
            raise FloatingPointError(f"non-finite loss at step {state['step']}")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if args.clip > 0:
            torch.nn.utils.clip_grad_norm_([p for g in opt.param_groups for p in g["params"]], args.clip)
        opt.step()
        state["step"] += 1
        state["images_seen"] += args.batch
        window.append((loss.item(), (logits.argmax(-1) == y).float().mean().item(), time.time() - t0))
        if args.threads == 0 and device.type == "cpu":
            tuner.after_step(time.time() - t0)
        if state["step"] % args.log_every == 0:
            w = np.array(window)
            window = []
            log(
                args.out,
                {
                    "step": state["step"],
                    "progress": round(progress, 4),
                    "lr": opt.param_groups[0]["lr"],
                    "loss": round(float(w[:, 0].mean()), 4),
                    "train_acc": round(float(w[:, 1].mean()), 3),
                    "img_per_s": round(args.batch / float(w[:, 2].mean()), 1),
                    "threads": torch.get_num_threads(),
                    **parts,
                },
            )
        if time.time() - last_ckpt >= args.ckpt_minutes * 60 or state["step"] == args.max_steps_this_run:
            rec = {
                "event": "checkpoint",
                "step": state["step"],
                "images_seen": state["images_seen"],
                "train_minutes": round(state["train_seconds"] / 60, 1),
            }
            rec.update(validation_record(model, teacher, val, device, args.keep_ratio))
            save()
            log(args.out, rec)
            last_ckpt = time.time()
        if state["step"] == args.max_steps_this_run:
            return
    state["train_seconds"] = base_seconds + (time.time() - t_run)
    rec = {
        "event": "done",
        "step": state["step"],
        "images_seen": state["images_seen"],
        "train_minutes": round(state["train_seconds"] / 60, 1),
    }
    rec.update(validation_record(model, teacher, val, device, args.keep_ratio))
    save(done=True)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"config": config, **state, **rec}, f, indent=1)
    log(args.out, rec)


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("phase", choices=["teacher", "student"])
    ap.add_argument("--data", default="runs/data/train")
    ap.add_argument("--val", default="runs/data/val", help="progress-logging set ('' for none)")
    ap.add_argument("--val-limit", type=int, default=512, help="val images used for progress logging")
    ap.add_argument("--train-limit", type=int, default=None)
    ap.add_argument("--out", required=True)
    ap.add_argument("--teacher", help="teacher checkpoint (student phase)")
    ap.add_argument("--init-student", help="student checkpoint to start from instead of fresh predictors")
    ap.add_argument("--embed-dim", type=int, default=48)
    ap.add_argument("--heads", type=int, default=1)
    ap.add_argument("--depth", type=int, default=12, help="blocks (teacher phase; the student takes the teacher's)")
    ap.add_argument("--patch-size", type=int, default=16)
    ap.add_argument("--stages", type=int, default=3, help="pruning stages, predictors spread over the depth")
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--warmup", type=float, default=0.03, help="warmup as a share of progress")
    ap.add_argument("--steps", type=int, default=10**7, help="planned steps (cosine end if reached first)")
    ap.add_argument("--max-minutes", type=float, default=60.0, help="training-time budget for the schedule")
    ap.add_argument("--reset-budget", action="store_true", help="on resume, take --max-minutes anew")
    ap.add_argument("--until", default="", help="hard stop, UTC 'YYYY-MM-DDTHH:MM'")
    ap.add_argument("--ckpt-minutes", type=float, default=3.0)
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--label-smoothing", type=float, default=0.1)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--keep-ratio", type=float, help="target rho of the student (required for it)")
    ap.add_argument("--backbone-lr-scale", type=float, default=0.01)
    ap.add_argument("--freeze-backbone", type=float, default=0.15, help="backbone frozen for this share")
    ap.add_argument(
        "--crop-min-scale",
        type=float,
        default=1.0,
        help="RandomResizedCrop as DeiT trains, smallest area share (1 = off; DeiT uses 0.08 on ImageNet)",
    )
    ap.add_argument("--threads", type=int, default=0, help="0 = auto (1 or 2 by measured speed)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cpu", action="store_true")
    ap.add_argument("--max-steps-this-run", type=int, default=-1, help="stop (after a checkpoint) at this step")
    a = ap.parse_args(argv)
    if a.phase == "student" and not a.teacher:
        ap.error("student needs --teacher")
    if a.phase == "student" and a.keep_ratio is None:
        ap.error("student needs --keep-ratio (the demo recipe trains at 0.7)")
    return a


def main(argv=None) -> None:
    run(parse(argv))


if __name__ == "__main__":
    main()
