"""Shared fixtures: random official-format checkpoints of DeiT-Ti and DeiT-S, exported once per session
(the other releases: test_releases.py). DeiT-S goes through the CLI with its default training-free baselines
beside the pair; DeiT-Ti through export_pair without them (they add a minute or so per pair on 2 cores)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from models.checkpoint import load_checkpoint
from models.dynamicvit import CONFIGS, DynamicVisionTransformer, VisionTransformer
from models.export import ExportResult, export_pair
from models.export import main as export_main
from models.make_fixtures import random_pair, save_official

torch.set_num_threads(2)


@dataclass
class Exported:
    dvit: DynamicVisionTransformer
    deit: VisionTransformer
    dvit_ckpt: Path
    deit_ckpt: Path
    result: ExportResult


def _export(tmp: Path, size: str, seed: int, fp16: bool, via_cli: bool, baselines: bool) -> Exported:
    dvit, twin = random_pair(CONFIGS[size], 1000, seed)
    dpath = save_official(dvit, tmp / f"dynamicvit_{size}.pth")
    tpath = save_official(twin, tmp / f"{size}.pth")
    out = tmp / "models" / size
    if via_cli:  # the user's command: python -m models.export --dynamicvit ... --deit ... --out ...
        argv = ["--dynamicvit", str(dpath), "--deit", str(tpath), "--out", str(out)] + (["--fp16"] if fp16 else [])
        argv += [] if baselines else ["--no-baselines"]
        assert export_main(argv) == 0
        cards = {f: json.loads((out / f"{f}.json").read_text()) for f in ("dynamicvit", "deit")}
        result = ExportResult(out, cards)
    else:
        result = export_pair(
            load_checkpoint(dpath, "dynamicvit"),
            load_checkpoint(tpath, "deit"),
            out,
            fp16=fp16,
            baselines=baselines,
            log=lambda *_: None,
        )
    return Exported(dvit, twin, dpath, tpath, result)


@pytest.fixture(scope="session")
def tiny_export(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    return _export(tmp_path_factory.mktemp("ti"), "deit-ti", seed=1, fp16=True, via_cli=False, baselines=False)


@pytest.fixture(scope="session")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    return _export(tmp_path_factory.mktemp("s"), "deit-s", seed=2, fp16=False, via_cli=True, baselines=True)
