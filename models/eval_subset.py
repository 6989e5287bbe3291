"""Write the labelled held-out subset the page evaluates (issue 12): PNG files and a manifest.

    python -m models.eval_subset --model-dir public/models/demo --out public/eval/demo [--per-class 10]

Takes the first ``--per-class`` images of every class, in index order, from the pair's held-out set (the
generated set its card's training block names: models/data/generate.py, sample i depends only on (seed, i)),
and saves each as a 256-colour palette PNG (Pillow's fast-octree quantisation, no dithering): the held-out
images carry pixel noise that makes lossless RGB PNGs ~90 KB each, the palette ones ~26 KB (mean absolute
change ~5 of 255 per channel; DeiT's and DynamicViT's top-1 on the 240 images moved by at most one image). Decoding a PNG is exact in
the browser and in Pillow, so the page and models/evaluate_curve.py see the same pixels; the subset's numbers
are measured on these files (quantised), not on the original arrays.

manifest.json: {"set", "source", "encoding", "per_class", "count", "bytes_total",
                "images": [{"file", "label_index", "label", "heldout_index"}]}
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from models.data.generate import generate

PALETTE_COLOURS = 256


def held_out_spec(dvit_card: dict) -> dict:
    """{count, seed} of the pair's held-out set, from its card (only pairs trained here have one)."""
    try:
        return dvit_card["training"]["dataset"]["held_out"]
    except (KeyError, TypeError):
        raise ValueError(
            f"{dvit_card.get('name')}: the card names no held-out set (training.dataset.held_out)"
        ) from None


def held_out_arrays(dvit_card: dict, data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """images (N, H, W, 3) uint8 and labels (N,) of the held-out set, generated into data_dir when missing."""
    spec = held_out_spec(dvit_card)
    generate(str(data_dir), int(spec["count"]), int(spec["seed"]), workers=1)  # returns at once when cached
    return np.load(data_dir / "images.npy", mmap_mode="r"), np.load(data_dir / "labels.npy")


def write_subset(dvit_card: dict, data_dir: Path, out: Path, per_class: int) -> dict:
    images, labels = held_out_arrays(dvit_card, data_dir)
    names = dvit_card["labels"]
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for c, name in enumerate(names):
        idx = np.flatnonzero(labels == c)[:per_class]
        if len(idx) < per_class:
            raise ValueError(f"class {c} ({name}) has only {len(idx)} held-out images")
        for j, i in enumerate(idx):
            fname = f"{c:02d}-{name.replace(' ', '-')}-{j}.png"
            img = Image.fromarray(np.asarray(images[i])).quantize(
                PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
            )
            img.save(out / fname, optimize=True)
            entries.append({"file": fname, "label_index": c, "label": name, "heldout_index": int(i)})
    spec = held_out_spec(dvit_card)
    manifest = {
        "set": f"held-out generated set of {dvit_card['name']} (seed {spec['seed']}, {spec['count']} images), "
        f"the first {per_class} of each class in index order; never trained on",
        "source": "models/data/generate.py render_sample(seed, heldout_index); written by models/eval_subset.py",
        "encoding": f"{PALETTE_COLOURS}-colour palette PNG (fast octree, no dithering), a quarter of RGB PNG's size; "
        "the numbers on this subset are measured on these files",
        "per_class": per_class,
        "count": len(entries),
        "bytes_total": sum((out / e["file"]).stat().st_size for e in entries),
        "images": entries,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, default=Path("public/models/demo"))
    ap.add_argument("--out", type=Path, default=Path("public/eval/demo"))
    ap.add_argument("--data", type=Path, default=Path("runs/data/val"), help="where the held-out set is cached")
    ap.add_argument("--per-class", type=int, default=10)
    a = ap.parse_args(argv)
    try:
        card = json.loads((a.model_dir / "dynamicvit.json").read_text())
        m = write_subset(card, a.data, a.out, a.per_class)
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {m['count']} images ({m['bytes_total'] / 1e6:.2f} MB) and {a.out / 'manifest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
