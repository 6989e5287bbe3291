"""Export a DynamicViT checkpoint and its full twin (DeiT / LV-ViT) to ONNX with model cards, checked for parity.

python -m models.export --dynamicvit DVIT.pth [--deit TEACHER.pth] --out public/models/NAME
    [--keep-ratio RHO] [--labels FILE] [--fp16] [--name NAME] [--title TITLE]
    [--kind imagenet|demo|fixture] [--default] [--num-heads N] [--pruning-locations 3,6,9]
    [--training FILE] [--notes TEXT] [--no-baselines]

The architecture is read from the checkpoint's keys and shapes (the six DynamicViT releases and DeiT-Ti
by name, anything else as "custom"). Without --deit (alias --teacher) the twin is the DynamicViT's own
backbone without its predictors (DeiT-256 has no released teacher). Beside the pair, the training-free
baselines on the twin (models/export_baselines.py: attentive.onnx / random.onnx and their cards, listed
under "baselines" in dynamicvit.json) unless --no-baselines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import onnxruntime
import torch

from models.card import build_card, onnx_entry, write_card
from models.checkpoint import CheckpointError, LoadedCheckpoint, arch_label, backbone_twin, load_checkpoint
from models.dynamicvit import ModelConfig
from models.export_baselines import BASELINE_FILES, export_baselines
from models.flops import deit_flops, dynamicvit_flops
from models.onnx_export import OPSET, export_deit, export_dynamicvit
from models.parity import deit_cases, dynamicvit_cases, summary

LABELS_DIR = Path(__file__).parent / "labels"
SOURCES = {"imagenet": "official-checkpoint", "demo": "trained-here", "fixture": "random-fixture"}
BACKBONE_TWIN_NOTE = (
    "No teacher checkpoint was given: this full model is the DynamicViT checkpoint's own backbone with its "
    "score predictors removed (it never ran without pruning in training), not a released teacher."
)


@dataclass
class ExportResult:
    out_dir: Path
    cards: dict[str, dict[str, Any]]  # "dynamicvit" / "deit" / each baseline method ("attentive", ...) -> card


def load_labels(path: Path | None, num_classes: int) -> list[str]:
    if path is None:
        if num_classes == 1000:
            return json.loads((LABELS_DIR / "imagenet1k.json").read_text())
        return [f"class {i}" for i in range(num_classes)]
    text = Path(path).read_text()
    labels = (
        json.loads(text) if text.lstrip().startswith("[") else [ln.strip() for ln in text.splitlines() if ln.strip()]
    )
    if len(labels) != num_classes or not all(isinstance(s, str) for s in labels):
        raise CheckpointError(f"{path}: {len(labels)} labels, but the checkpoints have {num_classes} classes")
    return labels


def to_fp16(src: Path, dst: Path) -> None:
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    # TopK stays fp32 (the converter's default block list): scores are cast up just before it
    onnx.save(convert_float_to_float16(onnx.load(str(src)), keep_io_types=True), str(dst))


def _fp16_block(model: torch.nn.Module, path: Path, family: str) -> dict[str, Any]:
    if family == "dynamicvit":
        cases = dynamicvit_cases(model, path, batches=(3,))  # type: ignore[arg-type]
    else:
        cases = deit_cases(model, path, batches=(3,))  # type: ignore[arg-type]
    par = summary(cases, tolerance=None)
    par["note"] = "fp16 graph vs the fp32 PyTorch model; kept_set_sym_diff counts tokens that differ per stage"
    entry = onnx_entry(path, OPSET, "fp16")
    entry["requires"] = "shader-f16"
    entry["parity"] = par
    return entry


def update_index(index_path: Path, entry: dict[str, str], make_default: bool) -> None:
    index = json.loads(index_path.read_text()) if index_path.exists() else {"default": entry["id"], "models": []}
    models = [m for m in index.get("models", []) if m.get("id") != entry["id"]]
    models.append(entry)
    index["models"] = sorted(models, key=lambda m: m["id"])
    ids = {m["id"] for m in models}
    if make_default or index.get("default") not in ids:
        index["default"] = entry["id"]
    index_path.write_text(json.dumps(index, indent=2) + "\n")


def export_pair(
    dvit: LoadedCheckpoint,
    deit: LoadedCheckpoint,
    out_dir: Path,
    *,
    keep_ratio: float | None = None,
    labels: list[str] | None = None,
    fp16: bool = False,
    name: str | None = None,
    title: str | None = None,
    kind: str = "imagenet",
    make_default: bool = False,
    training: dict[str, Any] | None = None,
    notes: str = "",
    baselines: bool = True,
    log=print,  # type: ignore[no-untyped-def]
) -> ExportResult:
    dc, tc = dvit.config, deit.config
    shape = (dc.backbone, dc.embed_dim, dc.num_heads, dc.depth, dc.img_size, dc.patch_size, dvit.num_classes)
    twin_shape = (tc.backbone, tc.embed_dim, tc.num_heads, tc.depth, tc.img_size, tc.patch_size, deit.num_classes)
    if shape != twin_shape:
        raise CheckpointError(
            f"the full twin must match the DynamicViT backbone: {dvit.path.name} is {_describe(dc, dvit.num_classes)}; "
            f"{deit.path.name} is {_describe(tc, deit.num_classes)}"
        )
    keep_ratio = dc.keep_ratio if keep_ratio is None else keep_ratio
    if keep_ratio is None or not 0.0 < keep_ratio <= 1.0:
        raise CheckpointError(f"--keep-ratio must be in (0, 1], got {keep_ratio}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = name or out_dir.name
    labels = labels if labels is not None else load_labels(None, dvit.num_classes)
    label = arch_label(dc)
    dvit.model.keep_ratio = keep_ratio  # type: ignore[assignment]

    paths = {"dynamicvit": out_dir / "dynamicvit.onnx", "deit": out_dir / "deit.onnx"}
    log(f"exporting {paths['dynamicvit']} and {paths['deit']} (opset {OPSET})")
    export_dynamicvit(dvit.model, paths["dynamicvit"])  # type: ignore[arg-type]
    export_deit(deit.model, paths["deit"])

    log("parity: onnxruntime CPU vs PyTorch ...")
    parity = {
        "dynamicvit": summary(dynamicvit_cases(dvit.model, paths["dynamicvit"])),  # type: ignore[arg-type]
        "deit": summary(deit_cases(deit.model, paths["deit"])),
    }
    fp16_blocks: dict[str, dict[str, Any] | None] = {"dynamicvit": None, "deit": None}
    if fp16:
        for family, loaded in (("dynamicvit", dvit), ("deit", deit)):
            dst = out_dir / f"{family}-fp16.onnx"
            log(f"fp16: {dst}")
            to_fp16(paths[family], dst)
            fp16_blocks[family] = _fp16_block(loaded.model, dst, family)

    full = deit_flops(tc, deit.num_classes, dc.stages)
    flops = {"dynamicvit": dynamicvit_flops(dc, keep_ratio, dvit.num_classes), "deit": full}
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    cards: dict[str, dict[str, Any]] = {}
    for family, loaded in (("dynamicvit", dvit), ("deit", deit)):
        display = f"DynamicViT-{label} ({name}, rho {keep_ratio:g})" if family == "dynamicvit" else f"{label} ({name})"
        provenance = {
            "source": SOURCES[kind],
            "checkpoint": loaded.path.name,
            "checkpoint_sha256": loaded.sha256,
            "exporter": "models/export.py",
            "torch": torch.__version__.split("+")[0],
            "onnxruntime": onnxruntime.__version__,
            "exported_at": now,
        }
        card_notes = notes
        if loaded.from_dynamicvit:
            provenance["weights_from"] = "dynamicvit-backbone"
            card_notes = (notes + " " if notes else "") + BACKBONE_TWIN_NOTE
        card = build_card(
            family=family,
            name=f"{family}-{name}",
            display_name=display,
            twin="deit.json" if family == "dynamicvit" else "dynamicvit.json",
            cfg=loaded.config,
            num_classes=loaded.num_classes,
            onnx=onnx_entry(paths[family], OPSET, "fp32"),
            labels=labels,
            keep_ratio=keep_ratio if family == "dynamicvit" else None,
            flops=flops[family],
            full_deit_gflops=full.total,
            provenance=provenance,
            parity=parity[family],
            fp16=fp16_blocks[family],
            training=training,
            notes=card_notes,
            baselines=BASELINE_FILES if baselines and family == "dynamicvit" else None,
        )
        write_card(card, out_dir / f"{family}.json")
        cards[family] = card
    if baselines:
        weights = f"{deit.path.name} (sha256 {deit.sha256})"
        if deit.from_dynamicvit:
            weights = (
                f"{dvit.path.name}: the DynamicViT checkpoint's backbone without predictors (sha256 {deit.sha256})"
            )
        cards |= export_baselines(
            deit.model,
            replace(dc, keep_ratio=keep_ratio),
            out_dir,
            cards["dynamicvit"],
            cards["deit"],
            weights,
            log=log,
        )
    update_index(
        out_dir.parent / "index.json",
        {
            "id": out_dir.name,
            "title": title or f"{label} / DynamicViT-{label} ({name})",
            "path": out_dir.name,
            "kind": kind,
        },
        make_default,
    )
    return ExportResult(out_dir, cards)


def _describe(cfg: ModelConfig, num_classes: int) -> str:
    return (
        f"{cfg.backbone} {cfg.embed_dim} wide, {cfg.num_heads} heads, {cfg.depth} blocks, "
        f"{cfg.img_size}px / {cfg.patch_size}, {num_classes} classes"
    )


def report(result: ExportResult) -> list[str]:
    lines = []
    for family, card in result.cards.items():
        p = card["parity"]
        lines.append(
            f"{family}: {card['onnx']['file']} {card['onnx']['bytes'] / 1e6:.1f} MB, "
            f"{card['gflops']['total']:.2f} GFLOPs (full model {card['gflops']['full_deit']:.2f}), "
            f"logits max |diff| {p['logits_max_abs_diff']:.2g}"
            + (f", kept sets identical: {p['kept_sets_identical']}" if card["pruning"] is not None else "")
        )
        if family == "dynamicvit" and not p["kept_sets_identical"]:
            gaps = [g for c in p["cases"] for g in c["min_score_gap"] if g is not None]
            lines.append(
                "  warning: kept sets differ from PyTorch"
                + (" (PyTorch keep scores tie at the cut: saturated log-softmax)" if gaps and min(gaps) == 0 else "")
            )
        if card["fp16"]:
            f = card["fp16"]["parity"]
            shifts = {c["keep_ratio"]: c["kept_set_sym_diff"] for c in f["cases"]}
            lines.append(
                f"  fp16: {card['fp16']['file']} {card['fp16']['bytes'] / 1e6:.1f} MB, logits max |diff| "
                f"{f['logits_max_abs_diff']:.2g}"
                + (f", kept-set sym. diff per stage (batch 3) by rho: {shifts}" if family == "dynamicvit" else "")
            )
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m models.export", description=__doc__.splitlines()[0])
    ap.add_argument(
        "--dynamicvit", required=True, type=Path, help="DynamicViT checkpoint (official .pth or state_dict)"
    )
    ap.add_argument(
        "--deit",
        "--teacher",
        dest="deit",
        type=Path,
        help="the full twin: DeiT or LV-ViT teacher checkpoint of the same size (default: the DynamicViT's backbone)",
    )
    ap.add_argument("--out", required=True, type=Path, help="output folder, e.g. public/models/deit-s-imagenet")
    ap.add_argument(
        "--keep-ratio",
        type=float,
        help="the rho the DynamicViT was trained with (default: args.base_rate saved in the file, else the release's)",
    )
    ap.add_argument(
        "--labels", type=Path, help="JSON array or one name per line (default: ImageNet-1k for 1000 classes)"
    )
    ap.add_argument("--fp16", action="store_true", help="also write dynamicvit-fp16.onnx and deit-fp16.onnx")
    ap.add_argument("--name", help="short name used in card names (default: the --out folder name)")
    ap.add_argument("--title", help="title of the index.json entry")
    ap.add_argument("--kind", choices=sorted(SOURCES), default="imagenet", help="index.json kind")
    ap.add_argument("--default", action="store_true", help="make this the default model set in index.json")
    ap.add_argument("--num-heads", type=int, help="attention heads of a custom size (default: width // 64)")
    ap.add_argument(
        "--pruning-locations",
        type=lambda t: tuple(int(v) for v in t.split(",")),
        help="blocks with a predictor in front, e.g. 3,6,9 (default: the release's, else spread evenly)",
    )
    ap.add_argument("--training", type=Path, help="JSON file stored as the cards' training block")
    ap.add_argument("--notes", default="", help="free text for the cards")
    ap.add_argument(
        "--no-baselines",
        dest="baselines",
        action="store_false",
        help="skip the training-free baselines (attentive / random keep) beside the pair",
    )
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        dvit = load_checkpoint(args.dynamicvit, "dynamicvit", args.num_heads, args.keep_ratio, args.pruning_locations)
        deit = backbone_twin(dvit) if args.deit is None else load_checkpoint(args.deit, "deit", args.num_heads)
        labels = load_labels(args.labels, dvit.num_classes)
        training = json.loads(args.training.read_text()) if args.training else None
        result = export_pair(
            dvit,
            deit,
            args.out,
            keep_ratio=args.keep_ratio,
            labels=labels,
            fp16=args.fp16,
            name=args.name,
            title=args.title,
            kind=args.kind,
            make_default=args.default,
            training=training,
            notes=args.notes,
            baselines=args.baselines,
        )
    except (CheckpointError, OSError, ValueError) as e:  # ValueError: also json.JSONDecodeError
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("\n".join(report(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
