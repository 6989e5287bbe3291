"""Learning curve of a student run: held-out top-1 and object recall per stage against training images.

    python -m models.learning_curve --run runs/student2 --start runs/student2/start_eval.json \
        --out docs/training/student-continued

Reads the run's log.jsonl (the "checkpoint" and "done" events models/train.py writes, each with a
validation record) and, optionally, a models.evaluate JSON of the starting weights as the point at 0 images.
Writes OUT.json ({"points": [{images_seen, top1, object_recall: [per stage]}], ...}) and OUT.svg.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]


def read_points(run: Path, start: Path | None, keep_ratio: str) -> list[dict]:
    points = []
    if start is not None:
        ev = json.loads(start.read_text())["dynamicvit"]["per_ratio"][keep_ratio]
        points.append({"images_seen": 0, "top1": ev["top1"], "object_recall": ev["object_recall"]})
    for line in (run / "log.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec.get("event") in ("checkpoint", "done") and "object_recall" in rec:
            points.append(
                {"images_seen": rec["images_seen"], "top1": rec["val_acc"], "object_recall": rec["object_recall"]}
            )
    return points


def svg(points: list[dict], title: str, target: float) -> str:
    w, h, left, right, top, bottom = 560, 300, 50, 130, 30, 40
    xmax = max(p["images_seen"] for p in points) or 1

    def x(v: float) -> float:
        return left + (w - left - right) * v / xmax

    def y(v: float) -> float:  # 0.6 .. 1.0
        return top + (h - top - bottom) * (1.0 - (v - 0.6) / 0.4)

    series = [("held-out top-1", [p["top1"] for p in points])]
    stages = len(points[0]["object_recall"])
    series += [(f"recall after stage {s + 1}", [p["object_recall"][s] for p in points]) for s in range(stages)]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">']
    out.append(f'<text x="{left}" y="16" font-size="12">{title}</text>')
    for v in (0.6, 0.7, 0.8, 0.9, 1.0):
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.1f}</text>')
    out.append(
        f'<line x1="{left}" x2="{w - right}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="#999" stroke-dasharray="4 3"/>'
    )
    out.append(f'<text x="{(left + w - right) / 2:.0f}" y="{h - 8}" text-anchor="middle">training images seen</text>')
    out.append(f'<text x="{w - right}" y="{h - bottom + 14}" text-anchor="end">{xmax}</text>')
    out.append(f'<text x="{left}" y="{h - bottom + 14}">0</text>')
    for i, (name, values) in enumerate(series):
        pts = " ".join(f"{x(p['images_seen']):.1f},{y(v):.1f}" for p, v in zip(points, values, strict=True))
        out.append(f'<polyline fill="none" stroke="{COLORS[i % len(COLORS)]}" stroke-width="2" points="{pts}"/>')
        for p, v in zip(points, values, strict=True):
            out.append(
                f'<circle cx="{x(p["images_seen"]):.1f}" cy="{y(v):.1f}" r="2.5" fill="{COLORS[i % len(COLORS)]}">'
                f"<title>{name}: {v:.3f} after {p['images_seen']} images</title></circle>"
            )
        out.append(f'<text x="{w - right + 8}" y="{top + 14 * i + 4}" fill="{COLORS[i % len(COLORS)]}">{name}</text>')
    out.append(f'<text x="{w - right + 8}" y="{top + 14 * len(series) + 4}" fill="#999">goal {target:.2f}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, type=Path)
    ap.add_argument("--start", type=Path, help="models.evaluate JSON of the starting weights (point at 0 images)")
    ap.add_argument("--keep-ratio", default="0.7")
    ap.add_argument("--target", type=float, default=0.9, help="object recall goal drawn as a line")
    ap.add_argument("--title", default="DynamicViT demo student, continued training (rho 0.7, held-out set)")
    ap.add_argument("--out", required=True, type=Path)
    args = ap.parse_args(argv)
    points = read_points(args.run, args.start, args.keep_ratio)
    if not points:
        raise SystemExit(f"{args.run}/log.jsonl has no checkpoint with a validation record yet")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    summary = {"run": str(args.run), "keep_ratio": float(args.keep_ratio), "points": points}
    args.out.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n")
    args.out.with_suffix(".svg").write_text(svg(points, args.title, args.target))
    print(f"wrote {args.out.with_suffix('.json')} and .svg ({len(points)} points)")


if __name__ == "__main__":
    main()
