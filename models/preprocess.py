"""The app's image preprocessing in Pillow, as a card's "preprocessing" block describes it (models/CONTRACT.md).

The DeiT eval transform as torchvision applies it to a PIL image: resize the shorter side (bicubic; the longer
side truncated: int(size * long / short)), centre crop (offsets int(round((size - crop) / 2)), Python
rounding), /255, normalise with mean / std, NCHW float32. tests/fixtures/preprocess/make_reference.py writes
the reference tensors of the app's TypeScript preprocessing (src/engine/preprocess.ts) with it, and
models/evaluate_curve.py feeds every image through it, so Python and the page see the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
INTERPOLATIONS = {"bicubic": Image.Resampling.BICUBIC}


def preprocess(
    img: Image.Image,
    resize_shorter_side: int = 256,
    crop_size: int = 224,
    mean: Sequence[float] = IMAGENET_MEAN,
    std: Sequence[float] = IMAGENET_STD,
    interpolation: str = "bicubic",
) -> np.ndarray:
    """An RGB PIL image -> float32 NCHW [1, 3, crop_size, crop_size]."""
    if img.mode != "RGB":
        raise ValueError(f"expected an RGB image, got mode {img.mode}")
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = resize_shorter_side, int(resize_shorter_side * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    img = img.resize((new_w, new_h), INTERPOLATIONS[interpolation])
    top = int(round((new_h - crop_size) / 2.0))
    left = int(round((new_w - crop_size) / 2.0))
    img = img.crop((left, top, left + crop_size, top + crop_size))
    arr = np.asarray(img, dtype=np.float32) / np.float32(255.0)
    arr = (arr - np.asarray(mean, dtype=np.float32)) / np.asarray(std, dtype=np.float32)
    return arr.transpose(2, 0, 1)[None].astype(np.float32)


def preprocessor(card: dict[str, Any]) -> Callable[[Image.Image], np.ndarray]:
    """Any PIL image -> the float32 NCHW input of the card's graph (converted to RGB first, as the app decodes)."""
    prep = card["preprocessing"]
    if prep["interpolation"] not in INTERPOLATIONS or prep["color"] != "RGB" or prep["layout"] != "NCHW":
        raise ValueError(
            f"{card.get('name')}: preprocessing {prep} is not one this code implements "
            f"({' / '.join(INTERPOLATIONS)} interpolation, RGB, NCHW)"
        )

    def run(img: Image.Image) -> np.ndarray:
        return preprocess(
            img.convert("RGB"),
            int(prep["resize_shorter_side"]),
            int(prep["crop_size"]),
            prep["mean"],
            prep["std"],
            prep["interpolation"],
        )

    return run
