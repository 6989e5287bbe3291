from __future__ import annotations

import json
from pathlib import Path

LABELS = Path(__file__).resolve().parents[1] / "labels/imagenet1k.json"


def test_imagenet_labels() -> None:
    labels = json.loads(LABELS.read_text())
    assert len(labels) == 1000 and all(isinstance(s, str) and s for s in labels)
    assert labels[0] == "tench" and labels[1] == "goldfish" and labels[999] == "toilet tissue"
