"""Cluttered 224x224 backgrounds: gradients, low-frequency colour noise, stripes / checks, distractor
strokes and shapes, pixel noise. Nothing here draws a class glyph. All randomness from a numpy Generator."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = 224


def _rand_color(rng: np.random.Generator, lo: int = 0, hi: int = 256) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi, size=3))


def gradient(rng: np.random.Generator) -> np.ndarray:
    c0 = rng.uniform(0, 255, 3)
    c1 = rng.uniform(0, 255, 3)
    theta = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / (SIZE - 1)
    t = np.cos(theta) * xx + np.sin(theta) * yy
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    return c0[None, None, :] * (1 - t[..., None]) + c1[None, None, :] * t[..., None]


def lowfreq_noise(rng: np.random.Generator) -> np.ndarray:
    g = int(rng.integers(3, 12))
    small = rng.uniform(0, 255, (g, g, 3)).astype(np.uint8)
    img = Image.fromarray(small).resize((SIZE, SIZE), Image.BICUBIC)
    return np.asarray(img, dtype=np.float32)


def stripes(rng: np.random.Generator) -> np.ndarray:
    c0 = rng.uniform(0, 255, 3)
    c1 = rng.uniform(0, 255, 3)
    freq = rng.uniform(2, 14)
    theta = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE
    u = np.cos(theta) * xx + np.sin(theta) * yy
    if rng.random() < 0.35:  # checks
        v = -np.sin(theta) * xx + np.cos(theta) * yy
        t = ((np.floor(u * freq) + np.floor(v * freq)) % 2).astype(np.float32)
    else:
        t = 0.5 + 0.5 * np.sin(2 * np.pi * freq * u)
    return c0[None, None, :] * (1 - t[..., None]) + c1[None, None, :] * t[..., None]


def draw_clutter(img: Image.Image, rng: np.random.Generator, n: int) -> None:
    """Distractor strokes, arcs, ellipses, rectangles and polygons in random colours."""
    d = ImageDraw.Draw(img)
    for _ in range(n):
        kind = rng.integers(0, 5)
        col = _rand_color(rng)
        w = int(rng.integers(1, 7))
        x0, y0 = (int(v) for v in rng.integers(-20, SIZE + 20, 2))
        dx, dy = (int(v) for v in rng.integers(8, 90, 2))
        box = [x0, y0, x0 + dx, y0 + dy]
        if kind == 0:
            pts = [tuple(int(v) for v in rng.integers(-20, SIZE + 20, 2)) for _ in range(int(rng.integers(2, 5)))]
            d.line(pts, fill=col, width=w)
        elif kind == 1:
            a0 = float(rng.uniform(0, 360))
            d.arc(box, a0, a0 + float(rng.uniform(60, 300)), fill=col, width=w)
        elif kind == 2:
            if rng.random() < 0.5:
                d.ellipse(box, fill=col)
            else:
                d.ellipse(box, outline=col, width=w)
        elif kind == 3:
            if rng.random() < 0.5:
                d.rectangle(box, fill=col)
            else:
                d.rectangle(box, outline=col, width=w)
        else:
            k = int(rng.integers(3, 7))
            cx, cy, r = x0, y0, float(rng.uniform(8, 45))
            ang = np.sort(rng.uniform(0, 2 * np.pi, k))
            pts = [(cx + r * np.cos(a), cy + r * np.sin(a)) for a in ang]
            d.polygon(pts, fill=col)


def make_background(rng: np.random.Generator) -> Image.Image:
    """An RGB 224x224 cluttered background."""
    choice = rng.random()
    if choice < 0.3:
        base = gradient(rng)
    elif choice < 0.65:
        base = lowfreq_noise(rng)
    else:
        base = stripes(rng)
    if rng.random() < 0.5:  # blend a second layer
        alpha = rng.uniform(0.2, 0.5)
        base = (1 - alpha) * base + alpha * lowfreq_noise(rng)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw_clutter(img, rng, int(rng.integers(4, 16)))
    if rng.random() < 0.3:
        img = img.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.5, 2.0))))
    return img


def add_pixel_noise(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    sigma = rng.uniform(0, 12)
    if sigma < 1:
        return arr
    noisy = arr.astype(np.float32) + rng.normal(0, sigma, arr.shape).astype(np.float32)
    return np.clip(noisy, 0, 255).astype(np.uint8)
