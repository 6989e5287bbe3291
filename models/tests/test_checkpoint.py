"""Loading official / bare checkpoints strictly, sizes from the weights, one clear message on mismatch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from models.checkpoint import CheckpointError, detect_config, detect_family, load_checkpoint
from models.dynamicvit import CONFIGS, dynamicvit
from models.make_fixtures import random_pair, save_official

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ckpts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("ckpt")
    dvit, twin = random_pair(CONFIGS["deit-ti"], 1000, seed=3)
    return {
        "dvit": save_official(dvit, tmp / "dvit.pth"),
        "deit": save_official(twin, tmp / "deit.pth"),
        "tmp": tmp,
    }


@pytest.mark.parametrize("arch", sorted(CONFIGS))
@pytest.mark.parametrize("family", ["deit", "dynamicvit"])
def test_arch_detected_from_weights(arch: str, family: str) -> None:
    cfg = CONFIGS[arch]
    with torch.device("meta"):
        model = dynamicvit(cfg, num_classes=1000)
    sd = model.state_dict()
    if family == "deit":
        sd = {k: v for k, v in sd.items() if not k.startswith("score_predictor.")}
    got, num_classes = detect_config(sd)
    assert got == cfg and num_classes == 1000  # heads and locations come from the release table
    assert detect_family(sd) == family


def test_custom_size_spreads_predictors_and_takes_heads() -> None:
    cfg = CONFIGS["deit-s"]
    with torch.device("meta"):
        sd = dynamicvit(cfg, num_classes=10).state_dict()
    sd = {k: v for k, v in sd.items() if not k.startswith(("blocks.8.", "blocks.9.", "blocks.10.", "blocks.11."))}
    got, _ = detect_config(sd, num_heads=4)
    assert (got.arch, got.depth, got.num_heads, got.pruning_loc, got.keep_ratio) == ("custom", 8, 4, (2, 4, 6), None)
    got, _ = detect_config(sd, pruning_loc=(1, 3, 5), keep_ratio=0.6)
    assert (got.num_heads, got.pruning_loc, got.keep_ratio) == (6, (1, 3, 5), 0.6)
    with pytest.raises(CheckpointError, match="2 pruning locations given, but the checkpoint has 3 predictors"):
        detect_config(sd, pruning_loc=(2, 4))


def test_official_and_bare_formats_load(ckpts: dict[str, Path]) -> None:
    official = load_checkpoint(ckpts["dvit"], "dynamicvit")
    assert official.family == "dynamicvit" and official.config.arch == "deit-ti" and official.num_classes == 1000
    bare = ckpts["tmp"] / "bare.pth"
    torch.save(torch.load(ckpts["deit"], weights_only=False)["model"], bare)
    loaded = load_checkpoint(bare, "deit")
    assert loaded.family == "deit" and loaded.config.num_heads == 3
    assert len(loaded.sha256) == 64


def test_ddp_prefix_is_stripped(ckpts: dict[str, Path]) -> None:
    sd = torch.load(ckpts["deit"], weights_only=False)["model"]
    path = ckpts["tmp"] / "ddp.pth"
    torch.save({"model": {f"module.{k}": v for k, v in sd.items()}}, path)
    assert load_checkpoint(path, "deit").family == "deit"


def test_num_heads_override(ckpts: dict[str, Path]) -> None:
    assert load_checkpoint(ckpts["deit"], "deit", num_heads=6).config.num_heads == 6


def test_wrong_family_is_named(ckpts: dict[str, Path]) -> None:
    with pytest.raises(CheckpointError, match="no score_predictor"):
        load_checkpoint(ckpts["deit"], "dynamicvit")
    with pytest.raises(CheckpointError, match="has score_predictor"):
        load_checkpoint(ckpts["dvit"], "deit")


def test_partial_checkpoint_names_missing_unexpected_and_shapes(ckpts: dict[str, Path]) -> None:
    sd = dict(torch.load(ckpts["dvit"], weights_only=False)["model"])
    dropped = sorted(k for k in sd if k.startswith("score_predictor.2."))
    for k in dropped:
        del sd[k]
    sd["head_dist.weight"] = torch.zeros(1000, 192)
    sd["blocks.0.mlp.fc2.weight"] = torch.zeros(192, 100)
    path = ckpts["tmp"] / "partial.pth"
    torch.save({"model": sd}, path)
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(path, "dynamicvit")
    msg = str(err.value)
    assert f"missing keys ({len(dropped)})" in msg and dropped[0] in msg
    assert "... and 2 more" in msg  # 10 missing keys, 8 listed
    assert "unexpected keys (1): head_dist.weight" in msg
    assert "blocks.0.mlp.fc2.weight: checkpoint [192, 100] vs model [192, 768]" in msg


def test_not_a_checkpoint(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"this is not a pickle")
    with pytest.raises(CheckpointError, match="not a readable PyTorch checkpoint"):
        load_checkpoint(junk)
    with pytest.raises(CheckpointError, match="no such file"):
        load_checkpoint(tmp_path / "missing.pth")
    torch.save({"model": {"foo": torch.zeros(1)}}, tmp_path / "foo.pth")
    with pytest.raises(CheckpointError, match="cannot tell the model width"):
        load_checkpoint(tmp_path / "foo.pth")


def test_cli_prints_one_clear_message_not_a_traceback(ckpts: dict[str, Path], tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "models.export", "--dynamicvit", str(ckpts["deit"]), "--deit", str(ckpts["deit"]),
         "--out", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert "expected a DynamicViT checkpoint" in proc.stderr
    assert not (tmp_path / "out").exists()
