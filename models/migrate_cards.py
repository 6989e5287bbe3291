"""Rewrite a model set's schema-1 cards as schema 2 without re-exporting (the ONNX files stay byte-identical).

python -m models.migrate_cards public/models/demo

Schema 1 only described DeiT-layout pairs, so the architecture is rebuilt as a custom DeiT config from the
card's own numbers; every measured block (onnx, parity, fp16, training, provenance) is carried over as is,
and the cards are rebuilt by models/card.py (GFLOPs recomputed by the same rule as new exports).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from models.card import build_card, config_from_card, write_card
from models.flops import deit_flops, dynamicvit_flops


def migrate(folder: Path) -> dict[str, dict[str, Any]]:
    old = {f: json.loads((folder / f"{f}.json").read_text()) for f in ("dynamicvit", "deit")}
    for family, card in old.items():
        if card["schema_version"] != 1:
            raise ValueError(f"{folder / family}.json: schema_version {card['schema_version']}, expected 1")
    locations = old["dynamicvit"]["architecture"]["pruning_locations"]
    rho = old["dynamicvit"]["pruning"]["trained_keep_ratio"]
    classes = len(old["dynamicvit"]["labels"])
    cfgs = {f: config_from_card(card, tuple(locations), rho if f == "dynamicvit" else None) for f, card in old.items()}
    full = deit_flops(cfgs["deit"], classes, len(locations))
    flops = {"dynamicvit": dynamicvit_flops(cfgs["dynamicvit"], rho, classes), "deit": full}
    new: dict[str, dict[str, Any]] = {}
    for family, card in old.items():
        new[family] = build_card(
            family=family,
            name=card["name"],
            display_name=card["display_name"],
            twin=card["twin"],
            cfg=cfgs[family],
            num_classes=classes,
            onnx=card["onnx"],
            labels=card["labels"],
            keep_ratio=rho if family == "dynamicvit" else None,
            flops=flops[family],
            full_deit_gflops=full.total,
            provenance=card["provenance"],
            parity=card["parity"],
            fp16=card["fp16"],
            training=card["training"],
            notes=card["notes"],
        )
        new[family]["preprocessing"] = card["preprocessing"]  # measured as exported (e.g. the demo's 224 resize)
        write_card(new[family], folder / f"{family}.json")
    return new


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m models.migrate_cards", description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    for folder in ap.parse_args(argv).folders:
        cards = migrate(folder)
        print(f"{folder}: schema 2, gflops {cards['dynamicvit']['gflops']} / {cards['deit']['gflops']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
