"""Procedural emoji-on-clutter dataset (seeded, reproducible, no downloads).

Each sample: a 224x224 RGB image with ONE class glyph (Noto Color Emoji) at a random position, scale
(object covers 10-35% of the 14x14 patches, enforced), rotation (+-30 deg), mirror and brightness, pasted on
a cluttered background (see backgrounds.py); plus its 14x14 per-patch object mask (a patch is "object"
when >= 25% of its pixels are opaque glyph pixels) and the label.

    python -m models.data.generate --out runs/data/train --count 40000 --seed 1 --workers 2

writes images.npy (N,224,224,3 uint8), masks.npy (N,14,14 uint8), labels.npy (N, int16), meta.json.
Sample i depends only on (seed, i), so any worker split gives identical files.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from multiprocessing import Pool

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import backgrounds
from .emoji_classes import EMOJI_CLASSES, FONT_PATH, FONT_STRIKE_SIZE, LABELS, NUM_CLASSES

SIZE = 224
GRID = 14
PATCH = 16
MASK_PIXEL_FRACTION = 0.25
COVERAGE_RANGE = (0.10, 0.35)  # share of the 196 patches marked as object
ROTATION_DEG = 30.0

_GLYPHS: list[Image.Image] | None = None


def load_glyphs() -> list[Image.Image]:
    """RGBA glyph of every class, cropped to its opaque bounding box (cached per process)."""
    global _GLYPHS
    if _GLYPHS is None:
        font = ImageFont.truetype(FONT_PATH, FONT_STRIKE_SIZE)
        out = []
        for name, ch in EMOJI_CLASSES:
            canvas = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
            ImageDraw.Draw(canvas).text((10, 10), ch, font=font, embedded_color=True)
            bbox = canvas.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox()
            if bbox is None:
                raise RuntimeError(f"glyph for {name!r} rendered empty")
            out.append(canvas.crop(bbox))
        _GLYPHS = out
    return _GLYPHS


def patch_mask(alpha: np.ndarray) -> np.ndarray:
    """(224,224) alpha -> (14,14) uint8 object mask."""
    opaque = (alpha > 127).astype(np.float32)
    frac = opaque.reshape(GRID, PATCH, GRID, PATCH).mean(axis=(1, 3))
    return (frac >= MASK_PIXEL_FRACTION).astype(np.uint8)


def _place(glyph: Image.Image, rng: np.random.Generator, size: float, angle: float, flip: bool):
    g = glyph.transpose(Image.FLIP_LEFT_RIGHT) if flip else glyph
    scale = size / max(g.size)
    g = g.resize((max(4, round(g.width * scale)), max(4, round(g.height * scale))), Image.BICUBIC)
    g = g.rotate(angle, resample=Image.BICUBIC, expand=True)
    x = int(rng.integers(0, max(1, SIZE - g.width + 1)))
    y = int(rng.integers(0, max(1, SIZE - g.height + 1)))
    alpha = np.zeros((SIZE, SIZE), np.uint8)
    a = np.asarray(g.getchannel("A"))[: SIZE - y, : SIZE - x]
    alpha[y : y + a.shape[0], x : x + a.shape[1]] = a
    return g, (x, y), alpha


def render_sample(seed: int, index: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Image (224,224,3) uint8, mask (14,14) uint8, label for sample ``index`` of dataset ``seed``."""
    rng = np.random.default_rng([seed, index])
    label = int(rng.integers(0, NUM_CLASSES))
    glyph = load_glyphs()[label]
    bg = backgrounds.make_background(rng)
    angle = float(rng.uniform(-ROTATION_DEG, ROTATION_DEG))
    flip = bool(rng.random() < 0.5)
    lo, hi = 70.0, 140.0
    size = float(rng.uniform(lo, hi))
    for _ in range(8):
        g, (x, y), alpha = _place(glyph, rng, size, angle, flip)
        mask = patch_mask(alpha)
        cov = mask.mean()
        if COVERAGE_RANGE[0] <= cov <= COVERAGE_RANGE[1]:
            break
        # too small -> grow, too large -> shrink (area ~ size**2)
        target = float(rng.uniform(0.14, 0.30))
        size = float(np.clip(size * np.sqrt(target / max(cov, 1e-3)), 40, 200))
    # mild brightness / contrast jitter on the glyph only (keeps class colours)
    arr = np.asarray(g).astype(np.float32)
    gain = rng.uniform(0.8, 1.15)
    bias = rng.uniform(-15, 15)
    arr[..., :3] = np.clip(arr[..., :3] * gain + bias, 0, 255)
    g = Image.fromarray(arr.astype(np.uint8), "RGBA")
    bg.paste(g, (x, y), g)
    # a couple of thin strokes over everything (clutter that also crosses the object)
    if rng.random() < 0.5:
        d = ImageDraw.Draw(bg)
        for _ in range(int(rng.integers(1, 3))):
            pts = [tuple(int(v) for v in rng.integers(0, SIZE, 2)) for _ in range(2)]
            d.line(pts, fill=tuple(int(v) for v in rng.integers(0, 256, 3)), width=int(rng.integers(1, 3)))
    img = backgrounds.add_pixel_noise(np.asarray(bg, dtype=np.uint8), rng)
    return img, mask, label


def _work(args):
    out, seed, start, stop = args
    images = np.load(os.path.join(out, "images.npy"), mmap_mode="r+")
    masks = np.load(os.path.join(out, "masks.npy"), mmap_mode="r+")
    labels = np.load(os.path.join(out, "labels.npy"), mmap_mode="r+")
    for i in range(start, stop):
        img, m, lab = render_sample(seed, i)
        images[i] = img
        masks[i] = m
        labels[i] = lab
    images.flush()
    masks.flush()
    labels.flush()
    return stop - start


def generate(out: str, count: int, seed: int, workers: int = 1, chunk: int = 500) -> dict:
    os.makedirs(out, exist_ok=True)
    meta_path = os.path.join(out, "meta.json")
    if os.path.exists(meta_path):
        meta = json.load(open(meta_path))
        if meta.get("count") == count and meta.get("seed") == seed and meta.get("complete"):
            return meta
    np.lib.format.open_memmap(os.path.join(out, "images.npy"), "w+", np.uint8, (count, SIZE, SIZE, 3)).flush()
    np.lib.format.open_memmap(os.path.join(out, "masks.npy"), "w+", np.uint8, (count, GRID, GRID)).flush()
    np.lib.format.open_memmap(os.path.join(out, "labels.npy"), "w+", np.int16, (count,)).flush()
    jobs = [(out, seed, s, min(count, s + chunk)) for s in range(0, count, chunk)]
    t0 = time.time()
    done = 0
    if workers > 1:
        with Pool(workers) as pool:
            for n in pool.imap_unordered(_work, jobs):
                done += n
                print(f"[generate] {out}: {done}/{count} ({time.time() - t0:.0f}s)", flush=True)
    else:
        for j in jobs:
            done += _work(j)
            print(f"[generate] {out}: {done}/{count} ({time.time() - t0:.0f}s)", flush=True)
    masks = np.load(os.path.join(out, "masks.npy"), mmap_mode="r")
    cov = masks.reshape(count, -1).mean(1)
    meta = {
        "count": count,
        "seed": seed,
        "size": SIZE,
        "grid": GRID,
        "labels": LABELS,
        "emoji": [e for _, e in EMOJI_CLASSES],
        "mask_rule": f"patch is object when >= {MASK_PIXEL_FRACTION:.0%} of its pixels are opaque glyph",
        "coverage_range": list(COVERAGE_RANGE),
        "coverage_stats": {
            "mean": float(cov.mean()),
            "min": float(cov.min()),
            "max": float(cov.max()),
            "share_in_range": float(((cov >= COVERAGE_RANGE[0]) & (cov <= COVERAGE_RANGE[1])).mean()),
        },
        "seconds": round(time.time() - t0, 1),
        "complete": True,
    }
    tmp = meta_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(tmp, meta_path)
    return meta


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args(argv)
    meta = generate(a.out, a.count, a.seed, a.workers)
    print(json.dumps({k: meta[k] for k in ("count", "seed", "coverage_stats", "seconds")}))


if __name__ == "__main__":
    main()
