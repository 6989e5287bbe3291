"""models/preprocess.py: the Pillow pipeline behind the committed TypeScript references and the Python curve."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from models.preprocess import preprocess, preprocessor

ROOT = Path(__file__).resolve().parents[2]
REFERENCES = ROOT / "tests" / "fixtures" / "preprocess"
CARD = {
    "name": "test",
    "preprocessing": {
        "resize_shorter_side": 256,
        "crop_size": 224,
        "interpolation": "bicubic",
        "mean": [0.485, 0.456, 0.406],
        "std": [0.229, 0.224, 0.225],
        "color": "RGB",
        "layout": "NCHW",
    },
}


@pytest.mark.parametrize("entry", json.loads((REFERENCES / "meta.json").read_text()), ids=lambda e: e["name"])
def test_card_preprocessing_reproduces_the_committed_references_bit_for_bit(entry: dict) -> None:
    with Image.open(REFERENCES / f"{entry['name']}.png") as img:
        got = preprocessor(CARD)(img)
    assert got.shape == tuple(entry["shape"]) and got.dtype == np.float32
    assert got.tobytes() == (REFERENCES / f"{entry['name']}.ref.f32.bin").read_bytes()


def test_resize_and_crop_geometry() -> None:
    """A 300x200 image whose left and right thirds differ: shorter side to 224, crop 224 keeps the middle."""
    arr = np.zeros((200, 300, 3), np.uint8)
    arr[:, 100:200] = 255
    out = preprocess(Image.fromarray(arr), 224, 224, mean=(0, 0, 0), std=(1, 1, 1))
    assert out.shape == (1, 3, 224, 224)
    # resized to 336x224 (int(224 * 300 / 200)), cropped at left 56: white spans 112..224 of 336 -> 56..168
    row = out[0, 0, 112]
    assert row[60:164].min() > 0.99 and row[:52].max() < 0.01 and row[172:].max() < 0.01


def test_unsupported_preprocessing_is_refused() -> None:
    card = json.loads(json.dumps(CARD))
    card["preprocessing"]["interpolation"] = "bilinear"
    with pytest.raises(ValueError, match="bilinear"):
        preprocessor(card)
    with pytest.raises(ValueError, match="RGB"):
        preprocess(Image.new("L", (10, 10)))
