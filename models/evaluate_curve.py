"""Accuracy-speed curve of a model pair and its training-free baselines, from Python (issue 12).

    npm run evaluate -- --model demo --methods all --out docs/curve
    npm run evaluate -- --model demo --methods all --subset public/eval/demo

Backend: onnxruntime CPUExecutionProvider, batch 1 (as the page runs), ``--threads`` intra-op threads.
Methods: "deit" (the full twin; key rho "1.0", as it keeps every token), "dynamicvit", and each baseline
the DynamicViT card lists under "baselines" (key = file stem: "attentive", "random"), every pruning method
at rho 0.3, 0.4, ..., 1.0 with the card's keep-count rule.
Set: without --subset, the pair's full held-out set (the generated set its card's training block names,
regenerated into --data when missing); with --subset DIR, exactly the PNG files DIR/manifest.json lists.
Every image takes the app's path: decode -> RGB -> Pillow bicubic resize of the shorter side -> centre crop
-> /255 -> mean/std, with the card's numbers (models/preprocess.py, which also writes the reference the app's
TypeScript preprocessing is tested against pixel for pixel).

Writes
  OUT/curve.json   {method: {rho: {top1, gflops, ms}}}: top1 = share of images whose highest logit is the
                   label; gflops from models/flops.py; ms = median wall time of one session.run on this
                   machine (a shared 2-core CPU here: indicative only)
  OUT/curve.svg    top-1 against GFLOPs, one line per method (hover a point for its values)
  OUT/run.json     how it was measured: set, image count, backend, threads, time
  SUBSET/python-curve.json (with --subset): {"meta", "curve", "predictions": {method: {rho: {"top1":
                   [predicted index per image, manifest order], "margin": [top-1 minus top-2 logit]}}}}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from PIL import Image

from models.baselines import baseline_flops
from models.card import config_from_card
from models.dynamicvit import keep_counts
from models.eval_subset import held_out_arrays
from models.flops import deit_flops, dynamicvit_flops
from models.preprocess import preprocessor

ROOT = Path(__file__).resolve().parent.parent
RATIOS = [round(0.3 + 0.1 * i, 1) for i in range(8)]  # 0.3 ... 1.0
FULL_KEY = "1.0"  # the full twin keeps every token: its one point sits at rho 1.0


@dataclass
class Method:
    key: str
    card: dict
    session: ort.InferenceSession

    @property
    def pruning(self) -> bool:
        return self.card["pruning"] is not None


def load_methods(model_dir: Path, wanted: str, threads: int) -> list[Method]:
    dvit_card = json.loads((model_dir / "dynamicvit.json").read_text())
    files = {"deit": "deit.json", "dynamicvit": "dynamicvit.json"}
    files.update({Path(f).stem: f for f in dvit_card.get("baselines", [])})
    keys = list(files) if wanted == "all" else ["deit", *[k for k in wanted.split(",") if k != "deit"]]
    unknown = [k for k in keys if k not in files]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; {model_dir} has {', '.join(files)}")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    methods = []
    for key in keys:
        card = json.loads((model_dir / files[key]).read_text())
        sess = ort.InferenceSession(str(model_dir / card["onnx"]["file"]), opts, providers=["CPUExecutionProvider"])
        methods.append(Method(key, card, sess))
    return methods


def gflops(method: Method, cfg, rho: float) -> float:  # type: ignore[no-untyped-def]
    classes = len(method.card["labels"])
    family = method.card["family"]
    if family == "deit":
        return deit_flops(cfg, classes, cfg.stages).total
    if family == "dynamicvit":
        return dynamicvit_flops(cfg, rho, classes).total
    return baseline_flops(cfg, rho, classes).total


def configurations(methods: list[Method]) -> list[tuple[Method, str, list[int] | None]]:
    out: list[tuple[Method, str, list[int] | None]] = []
    for m in methods:
        if not m.pruning:
            out.append((m, FULL_KEY, None))
            continue
        arch = m.card["architecture"]
        for rho in RATIOS:
            out.append((m, f"{rho:.1f}", keep_counts(rho, arch["num_patches"], len(arch["pruning_locations"]))))
    return out


def images_of_set(card: dict, data_dir: Path, limit: int | None) -> Iterator[tuple[Image.Image, int]]:
    images, labels = held_out_arrays(card, data_dir)
    n = len(labels) if limit is None else min(limit, len(labels))
    for i in range(n):
        yield Image.fromarray(np.asarray(images[i])), int(labels[i])


def images_of_subset(subset: Path) -> tuple[dict, Iterator[tuple[Image.Image, int]]]:
    manifest = json.loads((subset / "manifest.json").read_text(encoding="utf-8"))

    def gen() -> Iterator[tuple[Image.Image, int]]:
        for e in manifest["images"]:
            with Image.open(subset / e["file"]) as im:
                yield im.convert("RGB"), int(e["label_index"])

    return manifest, gen()


def evaluate(
    methods: list[Method],
    images: Iterator[tuple[Image.Image, int]],
    preprocess,  # type: ignore[no-untyped-def]
    log=print,  # type: ignore[no-untyped-def]
) -> tuple[dict, dict, int]:
    """Run every (method, rho) on every image; returns the curve, per-image predictions and the image count."""
    confs = configurations(methods)
    correct = {(m.key, r): 0 for m, r, _ in confs}
    times: dict[tuple[str, str], list[float]] = {(m.key, r): [] for m, r, _ in confs}
    preds: dict[tuple[str, str], list[int]] = {(m.key, r): [] for m, r, _ in confs}
    margins: dict[tuple[str, str], list[float]] = {(m.key, r): [] for m, r, _ in confs}
    n = 0
    t0 = time.time()
    for img, label in images:
        x = preprocess(img)
        for m, r, counts in confs:
            feeds: dict[str, np.ndarray] = {"pixel_values": x}
            if counts is not None:
                feeds.update({f"keep_count_stage{p + 1}": np.array([k], np.int64) for p, k in enumerate(counts)})
            t = time.perf_counter()
            logits = m.session.run(["logits"], feeds)[0][0]
            times[(m.key, r)].append(time.perf_counter() - t)
            top2 = np.argsort(-logits, kind="stable")[:2]
            preds[(m.key, r)].append(int(top2[0]))
            margins[(m.key, r)].append(float(logits[top2[0]] - logits[top2[1]]))
            correct[(m.key, r)] += int(top2[0] == label)
        n += 1
        if n % 200 == 0:
            log(f"[evaluate] {n} images ({time.time() - t0:.0f}s)")
    if n == 0:
        raise ValueError("no images to evaluate")
    curve: dict[str, dict[str, dict[str, float]]] = {}
    cfg = config_from_card(([m.card for m in methods if m.pruning] or [methods[0].card])[0])  # pruning locations
    for m, r, _ in confs:
        curve.setdefault(m.key, {})[r] = {
            "top1": correct[(m.key, r)] / n,
            "gflops": gflops(m, cfg, float(r)),
            "ms": round(1000 * statistics.median(times[(m.key, r)]), 3),
        }
    predictions: dict[str, dict[str, dict[str, list]]] = {}
    for m, r, _ in confs:
        predictions.setdefault(m.key, {})[r] = {
            "top1": preds[(m.key, r)],
            "margin": [float(f"{v:.4g}") for v in margins[(m.key, r)]],
        }
    return curve, predictions, n


COLOURS = {"deit": "#222222", "dynamicvit": "#1f77b4", "attentive": "#ff7f0e", "random": "#7f7f7f"}
EXTRA_COLOURS = ["#2ca02c", "#d62728", "#9467bd", "#8c564b"]


def curve_svg(curve: dict, title: str, subtitle: str) -> str:
    """Top-1 (%) against GFLOPs: one polyline per method, the full model as one marker; <title> = hover."""
    W, H, left, right, top, bottom = 720, 460, 70, 170, 60, 55
    pts = [(v["gflops"], 100 * v["top1"]) for m in curve.values() for v in m.values()]
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    pad = 0.05 * (x1 - x0 or x1 or 1.0)
    x0, x1 = x0 - pad, x1 + pad
    y0 = max(0.0, math.floor(min(p[1] for p in pts) / 10) * 10)
    y1 = min(100.0, math.ceil(max(p[1] for p in pts) / 10) * 10) + 2  # headroom above the 100 % line

    def sx(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * (W - left - right)

    def sy(v: float) -> float:
        return H - bottom - (v - y0) / (y1 - y0) * (H - top - bottom)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        'font-family="system-ui, sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="#ffffff"/>',
        f'<text x="{left}" y="22" font-size="15" font-weight="600">{_esc(title)}</text>',
        f'<text x="{left}" y="40" fill="#555">{_esc(subtitle)}</text>',
    ]
    for gx in _ticks(x0, x1):
        out.append(f'<line x1="{sx(gx):.1f}" y1="{top}" x2="{sx(gx):.1f}" y2="{H - bottom}" stroke="#eee"/>')
        out.append(f'<text x="{sx(gx):.1f}" y="{H - bottom + 16}" text-anchor="middle">{gx:g}</text>')
    for yv in _ticks(y0, y1 - 2):
        out.append(f'<line x1="{left}" y1="{sy(yv):.1f}" x2="{W - right}" y2="{sy(yv):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{left - 6}" y="{sy(yv) + 4:.1f}" text-anchor="end">{yv:g}</text>')
    box = f'x="{left}" y="{top}" width="{W - left - right}" height="{H - top - bottom}"'
    out.append(f'<rect {box} fill="none" stroke="#999"/>')
    out.append(
        f'<text x="{(left + W - right) / 2}" y="{H - 14}" text-anchor="middle">GFLOPs (multiply-accumulates x 1e-9)'
        "</text>"
    )
    out.append(
        f'<text transform="translate(18 {(top + H - bottom) / 2}) rotate(-90)" text-anchor="middle">top-1 (%)</text>'
    )
    extra = iter(EXTRA_COLOURS)
    for li, (method, by_rho) in enumerate(curve.items()):
        colour = COLOURS.get(method) or next(extra, "#000000")
        ordered = sorted(by_rho.items(), key=lambda kv: float(kv[0]))
        if len(ordered) > 1:
            line = " ".join(f"{sx(v['gflops']):.1f},{sy(100 * v['top1']):.1f}" for _, v in ordered)
            out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for rho, v in ordered:
            cx, cy = sx(v["gflops"]), sy(100 * v["top1"])
            shape = (
                f'<rect x="{cx - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" fill="{colour}">'
                if len(ordered) == 1
                else f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{colour}">'
            )
            tip = f"{method} rho {rho}: top-1 {100 * v['top1']:.2f}%, {v['gflops']:.4f} GFLOPs, {v['ms']:.2f} ms"
            out.append(shape + f"<title>{_esc(tip)}</title>" + ("</rect>" if len(ordered) == 1 else "</circle>"))
        ly = top + 14 + 20 * li
        out.append(
            f'<line x1="{W - right + 14}" y1="{ly - 4}" x2="{W - right + 34}" y2="{ly - 4}" stroke="{colour}" stroke-width="3"/>'
        )
        out.append(f'<text x="{W - right + 40}" y="{ly}">{_esc(method)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    """Round-numbered ticks (steps of 1, 2, 2.5 or 5 x 10^n) inside [lo, hi]."""
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9)
    return [round(i * step, 10) for i in range(first, math.floor(hi / step + 1e-9) + 1)]


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def model_dir_of(model: str) -> Path:
    """--model is an id of public/models/index.json or a folder."""
    if Path(model).is_dir():
        return Path(model)
    index = json.loads((ROOT / "public" / "models" / "index.json").read_text())
    for entry in index["models"]:
        if entry["id"] == model:
            return ROOT / "public" / "models" / entry["path"]
    raise ValueError(f"no model {model!r} in public/models/index.json ({', '.join(e['id'] for e in index['models'])})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="demo", help="model id in public/models/index.json, or a folder")
    ap.add_argument(
        "--methods", default="all", help='"all" or a comma list of dynamicvit,attentive,random (deit always)'
    )
    ap.add_argument("--out", type=Path, help="folder for curve.json, curve.svg and run.json")
    ap.add_argument("--subset", type=Path, help="a folder with manifest.json: evaluate exactly its images")
    ap.add_argument("--data", type=Path, default=ROOT / "runs" / "data" / "val", help="held-out set cache")
    ap.add_argument("--limit", type=int, help="first N held-out images only (quick checks)")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    a = ap.parse_args(argv)
    if a.out is None and a.subset is None:
        ap.error("give --out, --subset, or both")
    try:
        model_dir = model_dir_of(a.model)
        methods = load_methods(model_dir, a.methods, a.threads)
        dvit_card = next((m.card for m in methods if m.card["family"] == "dynamicvit"), methods[0].card)
        preprocess = preprocessor(dvit_card)
        if a.subset is not None:
            manifest, images = images_of_subset(a.subset)
            set_name = f"{a.subset.as_posix()} ({manifest['set']})"
        else:
            images = images_of_set(dvit_card, a.data, a.limit)
            spec = dvit_card["training"]["dataset"]["held_out"]
            set_name = f"held-out generated set, seed {spec['seed']}"
        t0 = time.time()
        curve, predictions, n = evaluate(methods, images, preprocess)
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    meta: dict[str, Any] = {
        "model": model_dir.name,
        "set": set_name,
        "images": n,
        "methods": {m.key: m.card["onnx"]["file"] for m in methods},
        "keep_ratios": [f"{r:.1f}" for r in RATIOS],
        "full_model_key": f"deit is stored at rho {FULL_KEY} (it keeps every token)",
        "top1": "share of images whose highest logit is the label",
        "gflops": "models/flops.py formula (multiply-accumulates x 1e-9); baselines = DynamicViT's minus predictors",
        "ms": f"median wall time of one session.run, batch 1, onnxruntime {ort.__version__} CPUExecutionProvider, "
        f"{a.threads} intra-op thread(s), on this machine ({os.cpu_count()} CPUs, shared): indicative only",
        "preprocessing": "decode -> RGB -> Pillow bicubic resize -> centre crop -> /255 -> mean/std (card values)",
        "seconds": round(time.time() - t0, 1),
        "measured_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
    summary = {
        k: {r: round(100 * v["top1"], 2) for r, v in by.items() if r in ("0.5", "0.7", FULL_KEY)}
        for k, by in curve.items()
    }
    print(json.dumps({"images": n, "top1_%": summary}))
    if a.out is not None:
        a.out.mkdir(parents=True, exist_ok=True)
        (a.out / "curve.json").write_text(json.dumps(curve, indent=1) + "\n")
        title = f"Top-1 vs GFLOPs: {model_dir.name} pair and training-free baselines"
        sub = f"{set_name}, {n} images; onnxruntime CPU, batch 1"
        (a.out / "curve.svg").write_text(curve_svg(curve, title, sub))
        (a.out / "run.json").write_text(json.dumps(meta, indent=1) + "\n")
        print(f"wrote {a.out / 'curve.json'}, curve.svg, run.json")
    if a.subset is not None:
        doc = {"meta": meta, "curve": curve, "predictions": predictions}
        (a.subset / "python-curve.json").write_text(json.dumps(doc, separators=(",", ":")) + "\n")
        print(f"wrote {a.subset / 'python-curve.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
