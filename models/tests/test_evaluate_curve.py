"""The shipped evaluation subset and curves (models/eval_subset.py, models/evaluate_curve.py) match the models."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from models.baselines import baseline_flops
from models.card import config_from_card
from models.evaluate_curve import RATIOS, evaluate, images_of_subset, load_methods
from models.flops import deit_flops, dynamicvit_flops
from models.preprocess import preprocessor

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "public" / "models" / "demo"
SUBSET = ROOT / "public" / "eval" / "demo"
CURVE = ROOT / "docs" / "curve"


@pytest.fixture(scope="module")
def dvit_card() -> dict:
    return json.loads((DEMO / "dynamicvit.json").read_text())


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((SUBSET / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def python_curve() -> dict:
    return json.loads((SUBSET / "python-curve.json").read_text())


def test_subset_has_ten_labelled_pngs_per_class(dvit_card: dict, manifest: dict) -> None:
    labels = dvit_card["labels"]
    per_class = [sum(e["label_index"] == c for e in manifest["images"]) for c in range(len(labels))]
    assert min(per_class) >= 10
    assert all(e["label"] == labels[e["label_index"]] for e in manifest["images"])
    files = [SUBSET / e["file"] for e in manifest["images"]]
    assert all(f.suffix == ".png" and f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for f in files)
    assert manifest["bytes_total"] == sum(f.stat().st_size for f in files)
    assert manifest["count"] == len(files) == len({f.name for f in files})


def _expected_keys(dvit_card: dict) -> list[str]:
    return ["deit", "dynamicvit", *(Path(f).stem for f in dvit_card["baselines"])]


def test_python_curve_top1_is_the_share_of_correct_predictions(manifest: dict, python_curve: dict, dvit_card) -> None:
    labels = [e["label_index"] for e in manifest["images"]]
    assert list(python_curve["curve"]) == _expected_keys(dvit_card)
    assert python_curve["meta"]["images"] == len(labels)
    for method, by_rho in python_curve["predictions"].items():
        for rho, pred in by_rho.items():
            assert len(pred["top1"]) == len(pred["margin"]) == len(labels)
            share = sum(p == y for p, y in zip(pred["top1"], labels, strict=True)) / len(labels)
            assert python_curve["curve"][method][rho]["top1"] == share, (method, rho)


def test_shipped_predictions_are_reproduced(manifest: dict, python_curve: dict) -> None:
    """Re-evaluating every 20th subset image gives the committed predictions exactly (onnxruntime CPU)."""
    methods = load_methods(DEMO, "all", threads=1)
    preprocess = preprocessor(methods[1].card)
    _, images = images_of_subset(SUBSET)
    picked = list(images)[::20]
    _, predictions, n = evaluate(methods, iter(picked), preprocess, log=lambda *_: None)
    assert n == len(picked) == len(manifest["images"][::20])
    for method, by_rho in predictions.items():
        for rho, pred in by_rho.items():
            assert pred["top1"] == python_curve["predictions"][method][rho]["top1"][::20], (method, rho)


@pytest.mark.parametrize("doc", ["docs", "subset"])
def test_curves_cover_every_method_and_ratio_with_the_flops_rule(doc: str, dvit_card: dict, python_curve) -> None:
    curve = json.loads((CURVE / "curve.json").read_text()) if doc == "docs" else python_curve["curve"]
    cfg, classes = config_from_card(dvit_card), len(dvit_card["labels"])
    assert list(curve) == _expected_keys(dvit_card)
    assert list(curve["deit"]) == ["1.0"]
    assert curve["deit"]["1.0"]["gflops"] == deit_flops(cfg, classes, cfg.stages).total
    for method in list(curve)[1:]:
        assert list(curve[method]) == [f"{r:.1f}" for r in RATIOS]
        for rho, point in curve[method].items():
            flops = dynamicvit_flops if method == "dynamicvit" else baseline_flops
            assert point["gflops"] == flops(cfg, float(rho), classes).total
            assert 0 <= point["top1"] <= 1 and point["ms"] > 0


def test_svg_draws_one_line_per_pruning_method(dvit_card: dict) -> None:
    svg = (CURVE / "curve.svg").read_text()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert svg.count("<polyline") == len(_expected_keys(dvit_card)) - 1
    assert len(re.findall(r"<title>deit rho 1\.0: top-1", svg)) == 1
