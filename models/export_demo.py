"""Export the trained demo pair into the app's default model slot, with cards and gallery samples.

    python -m models.export_demo --teacher runs/teacher/ckpt.pth --student runs/student/ckpt.pth \
        --eval runs/eval.json [--out public/models/demo]
    python -m models.export_demo --samples-only      # just public/samples/ and models/labels/demo.json

Steps: write slim weight files (runs/export/*.pth, {"model": state_dict}); call models.export (ONNX +
parity + cards + the training-free baselines beside the pair, kind "demo", made the default in index.json)
with a `training` block (dataset, classes, asset licences, held-out accuracy, object recall, recipe, steps /
images seen, wall time); then set every card's preprocessing (the pair's and the baselines') to
resize_shorter_side 224 / crop 224 (the generated images are already 224x224, so the app feeds exactly what
training saw).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .data.emoji_classes import EMOJI_CLASSES, FONT_LICENSE, FONT_PACKAGE, LABELS
from .data.generate import COVERAGE_RANGE, MASK_PIXEL_FRACTION, ROTATION_DEG

ROOT = Path(__file__).resolve().parent.parent
LABELS_FILE = ROOT / "models" / "labels" / "demo.json"
SAMPLES_DIR = ROOT / "public" / "samples"

PHOTOS = [  # scikit-image sample photographs (licences from skimage.data docstrings)
    ("chelsea", "chelsea.jpg", "Chelsea the cat", "CC0 (photographer Stefan van der Walt), via scikit-image"),
    ("coffee", "coffee.jpg", "A cup of coffee", "CC0 (photographer Rachel Michetti), via scikit-image"),
    ("astronaut", "astronaut.jpg", "Astronaut Eileen Collins (NASA)", "Public domain (NASA), via scikit-image"),
    ("rocket", "rocket.jpg", "Falcon 9 rocket (SpaceX)", "Public domain (released by SpaceX), via scikit-image"),
]


def _deb_version(pkg: str) -> str:
    try:
        return subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True, check=True
        ).stdout.strip()
    except Exception:  # noqa: BLE001
        return "unknown"


def write_labels() -> Path:
    LABELS_FILE.parent.mkdir(parents=True, exist_ok=True)
    LABELS_FILE.write_text(json.dumps(LABELS, indent=1) + "\n", encoding="utf-8")
    return LABELS_FILE


def write_samples(val_dir: str = "runs/data/val", count: int = 12) -> list[dict]:
    """12 held-out generated images (distinct classes) + scikit-image photos for ImageNet checkpoints."""
    from .data.generate import render_sample

    SAMPLES_DIR.mkdir(parents=True, exist_ok=True)
    entries: list[dict] = []
    seen: set[int] = set()
    seed, i = 2, 0  # the validation set's seed: held-out images, regenerated exactly
    meta_path = Path(val_dir) / "meta.json"
    if meta_path.exists():
        seed = json.loads(meta_path.read_text())["seed"]
    while len(entries) < count:
        img, mask, label = render_sample(seed, i)
        if label not in seen:
            seen.add(label)
            name, emoji = EMOJI_CLASSES[label]
            fname = f"generated-{len(entries):02d}-{name.replace(' ', '-')}.png"
            Image.fromarray(img).save(SAMPLES_DIR / fname, optimize=True)
            pos = [int(p) for p in np.flatnonzero(mask.reshape(-1))]
            entries.append(
                {
                    "file": fname,
                    "label": name,
                    "label_index": label,
                    "emoji": emoji,
                    "kind": "generated",
                    "object_patches": pos,
                    "source": f"models/data/generate.py, held-out set seed {seed}, index {i}",
                    "note": "Generated demo image: the bundled demo model's domain.",
                }
            )
        i += 1
    for fn, fname, title, licence in PHOTOS:
        if not (SAMPLES_DIR / fname).exists():  # scikit-image only when a photo is missing (JPEG: not rewritten)
            from skimage import data as skdata

            Image.fromarray(getattr(skdata, fn)()).convert("RGB").save(SAMPLES_DIR / fname, quality=90)
        entries.append(
            {
                "file": fname,
                "label": title,
                "kind": "photo-imagenet",
                "object_patches": None,
                "source": f"skimage.data.{fn}()",
                "license": licence,
                "note": "Real photograph, meant for ImageNet checkpoints (DeiT / DynamicViT from the "
                "official releases); the bundled demo model only knows its 24 emoji classes.",
            }
        )
    text = "[\n" + ",\n".join(" " + json.dumps(e, ensure_ascii=False) for e in entries) + "\n]\n"
    (SAMPLES_DIR / "samples.json").write_text(text, encoding="utf-8")
    return entries


def slim(src: str, dst: Path) -> dict:
    ck = torch.load(src, map_location="cpu", weights_only=False)
    dst.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": ck["model"]}, dst)
    return ck


STUDENT_RECIPE = (
    "DynamicViT initialised from the teacher, predictors (PredictorLG) before blocks 3/6/9 "
    "freshly initialised; hard Gumbel-softmax decisions (tau 1) with attention masking; "
    "loss = CE(ls 0.1) + 2.0 * ratio loss (targets rho, rho^2, rho^3) + 0.5 * KL(teacher) "
    "+ 0.5 * MSE on kept final tokens; predictors lr 1e-3, backbone lr x0.01 and frozen "
    "for the first 15% of the schedule; cls_token and pos_embed frozen; teacher frozen"
)


def phase_record(ck: dict, previous: dict | None) -> dict:
    """Steps, images and minutes of one training phase from its checkpoint. A checkpoint without a training
    state (one rebuilt by models.recover_from_onnx) keeps the record of the card it was recovered from; a run
    started with --init-student is recorded as a continuation of that earlier record."""
    st, cfg = ck.get("state"), ck.get("config", {})
    if st is None:
        if previous is None:
            raise ValueError("a checkpoint without a training state needs --previous-card (the card it came from)")
        return previous
    rec = {
        "steps": st.get("step"),
        "images_seen": st.get("images_seen"),
        "wall_minutes": round(st.get("train_seconds", 0.0) / 60, 1),
        "schedule_budget_minutes": round(st.get("budget_seconds", 0.0) / 60, 1),
        "config": {k: v for k, v in cfg.items() if k not in ("labels", "train_data", "teacher")},
    }
    if cfg.get("init_student"):
        if previous is None:
            raise ValueError("a continued student (--init-student) needs --previous-card (the card it continued)")
        rec["continued_from"] = previous
        rec["images_seen_total"] = previous.get("images_seen_total", previous["images_seen"]) + rec["images_seen"]
        rec["wall_minutes_total"] = round(
            previous.get("wall_minutes_total", previous["wall_minutes"]) + rec["wall_minutes"], 1
        )
    return rec


def training_block(
    tck: dict, sck: dict, ev: dict, data_meta: dict, val_meta: dict, previous_card: dict | None = None
) -> dict:
    recipe = (previous_card or {}).get("training", {}).get("recipe", {})

    def earlier(role: str) -> dict | None:
        rec = recipe.get(role)
        return None if rec is None else {k: v for k, v in rec.items() if k != "what"}

    student = phase_record(sck, earlier("student"))  # a recovered continued student stays marked as continued
    per = ev["dynamicvit"]["per_ratio"]
    return {
        "dataset": {
            "name": "emoji-clutter-24 (generated)",
            "description": (
                "224x224 images generated by models/data/generate.py: one Noto Color Emoji glyph per image at a "
                f"random position, scale (object covers {COVERAGE_RANGE[0]:.0%}-{COVERAGE_RANGE[1]:.0%} of the 14x14 "
                f"patches, enforced), rotation (+-{ROTATION_DEG:g} deg), mirror and brightness, on cluttered "
                "backgrounds (gradients, low-frequency colour noise, stripes / checks, random strokes, arcs, "
                "ellipses, rectangles and polygons, blur, pixel noise). Each image has a 14x14 object mask "
                f"(patch = object when >= {MASK_PIXEL_FRACTION:.0%} of its pixels are opaque glyph)."
            ),
            "train": {
                "count": data_meta.get("count"),
                "seed": data_meta.get("seed"),
                "object_patch_share": data_meta.get("coverage_stats"),
            },
            "held_out": {
                "count": val_meta.get("count"),
                "seed": val_meta.get("seed"),
                "object_patch_share": val_meta.get("coverage_stats"),
            },
            "augmentation": "random horizontal flip at load time",
            "preprocessing": "images used as generated (224x224, no resize / crop), ImageNet mean/std",
        },
        "classes": [
            {"index": i, "name": n, "emoji": e, "codepoints": [f"U+{ord(c):04X}" for c in e]}
            for i, (n, e) in enumerate(EMOJI_CLASSES)
        ],
        "assets": [
            {
                "what": "class glyphs",
                "source": f"{FONT_PACKAGE} {_deb_version('fonts-noto-color-emoji')}",
                "license": FONT_LICENSE,
            }
        ],
        "evaluation": {
            "set": f"held-out generated set ({ev['val_images']} images, seed {ev.get('val_seed')}), never trained on",
            "teacher_top1": ev["teacher"]["top1"],
            "dynamicvit": {
                r: {"top1": v["top1"], "object_recall_per_stage": v["object_recall"], "keep_counts": v["keep_counts"]}
                for r, v in per.items()
            },
            "object_recall_definition": "share of object-covering patches (generator masks) still kept after each "
            "pruning stage (before blocks 3, 6, 9), pooled over the set; eval path "
            "forward_pruned = what the ONNX graph computes",
            "targets": {
                "teacher_top1": ">= 0.95",
                "dynamicvit_0.7_top1": "within 1 point of the teacher",
                "object_recall_stage3_at_0.7": ">= 0.90",
            },
            "targets_met": ev["targets"],
        },
        "recipe": {
            "teacher": {
                "what": "DeiT (timm VisionTransformer layout) trained from scratch, cross-entropy with label "
                "smoothing 0.1, AdamW wd 0.05 (none on biases / norms / cls / pos), warmup + cosine "
                "fitted to a wall-clock budget, grad clip 1.0",
                **phase_record(tck, earlier("teacher")),
            },
            "student": {
                "what": STUDENT_RECIPE
                + (
                    "; then continued with the same recipe (a new warmup + cosine schedule) from that student"
                    if "continued_from" in student
                    else ""
                ),
                **student,
            },
            "hardware": "shared 2-core x86 CPU, PyTorch " + torch.__version__.split("+")[0],
            "paper_differences": "width and data scaled down to fit a few CPU hours; no mixup / cutmix / RandAugment; "
            "batch 24 instead of 1024; wall-clock-bounded schedules instead of 30 epochs",
        },
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--teacher", default="runs/teacher/ckpt.pth")
    ap.add_argument("--student", default="runs/student/ckpt.pth")
    ap.add_argument("--eval", default="runs/eval.json")
    ap.add_argument("--data", default="runs/data/train")
    ap.add_argument("--val", default="runs/data/val")
    ap.add_argument("--out", default="public/models/demo")
    ap.add_argument("--samples-only", action="store_true")
    ap.add_argument("--fp16", action="store_true")
    ap.add_argument(
        "--previous-card",
        help="card of the pair the checkpoints were recovered from / continued (keeps the earlier training record)",
    )
    a = ap.parse_args(argv)
    labels_path = write_labels()
    write_samples(a.val)
    print(f"wrote {labels_path} and {SAMPLES_DIR}/samples.json", flush=True)
    if a.samples_only:
        return 0
    ev = json.loads(Path(a.eval).read_text())
    exp = ROOT / "runs" / "export"
    tck = slim(a.teacher, exp / "deit_demo.pth")
    sck = slim(a.student, exp / "dynamicvit_demo.pth")
    heads = int(tck.get("config", {}).get("num_heads", 1))
    rho = float(sck.get("config", {}).get("keep_ratio", 0.7))
    block = training_block(
        tck,
        sck,
        ev,
        json.loads((Path(a.data) / "meta.json").read_text()),
        json.loads((Path(a.val) / "meta.json").read_text()),
        json.loads(Path(a.previous_card).read_text()) if a.previous_card else None,
    )
    tpath = exp / "training.json"
    tpath.write_text(json.dumps(block, indent=1))
    t1 = ev["teacher"]["top1"]
    d = ev["dynamicvit"]["per_ratio"].get(f"{rho:.1f}", {})
    notes = (
        f"Demo pair trained here on generated emoji images (24 classes). Held-out top-1: DeiT {t1:.1%}, "
        f"DynamicViT at rho {rho:g} {d.get('top1', float('nan')):.1%}; object recall after stage 3 "
        f"{d.get('object_recall', [float('nan')])[-1]:.1%}. Real photographs need an ImageNet checkpoint."
    )
    from . import export as exporter

    args = [
        "--dynamicvit",
        str(exp / "dynamicvit_demo.pth"),
        "--deit",
        str(exp / "deit_demo.pth"),
        "--out",
        a.out,
        "--keep-ratio",
        str(rho),
        "--labels",
        str(labels_path),
        "--name",
        "demo",
        "--title",
        "Demo: 24 emoji classes (trained here)",
        "--kind",
        "demo",
        "--default",
        "--num-heads",
        str(heads),
        "--training",
        str(tpath),
        "--notes",
        notes,
    ]
    if a.fp16:
        args.append("--fp16")
    rc = exporter.main(args)
    if rc:
        return rc
    out = Path(a.out)
    baselines = json.loads((out / "dynamicvit.json").read_text())["baselines"]
    for file in ("dynamicvit.json", "deit.json", *baselines):
        p = out / file
        card = json.loads(p.read_text())
        card["preprocessing"]["resize_shorter_side"] = 224
        card["preprocessing"]["crop_size"] = 224
        p.write_text(json.dumps(card, indent=2) + "\n")
    idx_path = out.parent / "index.json"
    idx = json.loads(idx_path.read_text())
    idx["default"] = out.name
    idx_path.write_text(json.dumps(idx, indent=2) + "\n")
    print(f"exported {out} (default in {idx_path})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
