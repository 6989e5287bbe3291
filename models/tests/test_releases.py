"""Every released DynamicViT (DeiT-256, DeiT-S, DeiT-B, LV-ViT-S, LV-ViT-M) and both LV-ViT teachers, as random
checkpoints with the official keys and real shapes: detection, strict loading, ONNX parity, cards (issue 10).

One export per arch (module scope), reused by every check; DeiT-S is conftest's session export. The exports
through the CLI (DeiT-S, LV-ViT-S) carry the training-free baselines beside the pair (the default); the others
pass baselines=False to save their export time.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from models.baselines import METHODS, baseline_flops
from models.card import config_from_card
from models.checkpoint import CheckpointError, backbone_twin, load_checkpoint
from models.dynamicvit import CONFIGS, dynamicvit
from models.export import ExportResult, export_pair
from models.export import main as export_main
from models.export_baselines import BASELINE_FILES, FAMILIES
from models.make_fixtures import random_pair, save_official
from models.parity import BATCH_SIZES, KEEP_RATIOS, TOLERANCE, count_feeds, inputs_for, model_counts, session
from models.tests.test_parity import WEBGPU_OPS

# README "Model Zoo" GFLOPs at the release rho; full twins: DeiT / LV-ViT papers
PUBLISHED_GFLOPS = {"deit-256": 1.3, "deit-s": 2.9, "deit-b": 11.4, "lvvit-s": 3.7, "lvvit-m": 8.5}
FULL_GFLOPS = {"deit-256": 2.1, "deit-s": 4.6, "deit-b": 17.6, "lvvit-s": 6.6, "lvvit-m": 12.7}
LOCATIONS = {
    "deit-256": [3, 6, 9],
    "deit-s": [3, 6, 9],
    "deit-b": [3, 6, 9],
    "lvvit-s": [4, 8, 12],
    "lvvit-m": [5, 10, 15],
}
TRAINED_RHO = {"deit-256": 0.7, "deit-s": 0.7, "deit-b": 0.7, "lvvit-s": 0.5, "lvvit-m": 0.7}  # lvvit-s: the /0.5 file
COUNTS = {0.7: [137, 96, 67], 0.5: [98, 49, 24]}
# eval transform: infer.py resizes to 256 for every DynamicViT; teachers: timm crop_pct (DeiT 0.875, LV-ViT-S 0.9,
# LV-ViT-M 1.0); DeiT-256 has no teacher, its twin is the DynamicViT's backbone
TWIN_RESIZE = {"deit-256": 256, "deit-s": 256, "deit-b": 256, "lvvit-s": 248, "lvvit-m": 224}


def official_shapes(arch: str, family: str, classes: int = 1000) -> dict[str, tuple[int, ...]]:
    """The official checkpoints' keys and shapes (dyvit.py / dylvvit.py / TokenLabeling), written out here
    independently of models/dynamicvit.py."""
    c = CONFIGS[arch]
    C, H, lv = c.embed_dim, int(c.embed_dim * c.mlp_ratio), c.backbone == "lvvit"
    s: dict[str, tuple[int, ...]] = {"cls_token": (1, 1, C), "pos_embed": (1, 197, C)}
    if lv:
        for i, (cin, k) in enumerate([(3, 7), (64, 3), (64, 3)], start=1):
            s[f"patch_embed.conv{i}.weight"] = (64, cin, k, k)
            for stat in ("weight", "bias", "running_mean", "running_var"):
                s[f"patch_embed.bn{i}.{stat}"] = (64,)
            s[f"patch_embed.bn{i}.num_batches_tracked"] = ()
        s["patch_embed.proj.weight"] = (C, 64, 8, 8)
    else:
        s["patch_embed.proj.weight"] = (C, 3, 16, 16)
    s["patch_embed.proj.bias"] = (C,)
    for b in range(c.depth):
        p = f"blocks.{b}."
        for n in ("norm1", "norm2"):
            s[p + n + ".weight"] = s[p + n + ".bias"] = (C,)
        s[p + "attn.qkv.weight"] = (3 * C, C)
        if not lv:
            s[p + "attn.qkv.bias"] = (3 * C,)
        s[p + "attn.proj.weight"], s[p + "attn.proj.bias"] = (C, C), (C,)
        s[p + "mlp.fc1.weight"], s[p + "mlp.fc1.bias"] = (H, C), (H,)
        s[p + "mlp.fc2.weight"], s[p + "mlp.fc2.bias"] = (C, H), (C,)
    s["norm.weight"] = s["norm.bias"] = (C,)
    s["head.weight"], s["head.bias"] = (classes, C), (classes,)
    if lv:
        s["aux_head.weight"], s["aux_head.bias"] = (classes, C), (classes,)
    if family == "dynamicvit":
        for k in range(3):
            p = f"score_predictor.{k}."
            s[p + "in_conv.0.weight"] = s[p + "in_conv.0.bias"] = (C,)
            s[p + "in_conv.1.weight"], s[p + "in_conv.1.bias"] = (C, C), (C,)
            s[p + "out_conv.0.weight"], s[p + "out_conv.0.bias"] = (C // 2, C), (C // 2,)
            s[p + "out_conv.2.weight"], s[p + "out_conv.2.bias"] = (C // 4, C // 2), (C // 4,)
            s[p + "out_conv.4.weight"], s[p + "out_conv.4.bias"] = (2, C // 4), (2,)
    return s


@pytest.mark.parametrize("arch", sorted(PUBLISHED_GFLOPS))
def test_models_have_the_official_keys_and_shapes(arch: str) -> None:
    with torch.device("meta"):
        sd = dynamicvit(CONFIGS[arch], 1000).state_dict()
    assert {k: tuple(v.shape) for k, v in sd.items()} == official_shapes(arch, "dynamicvit")


@dataclass
class Release:
    arch: str
    dvit_ckpt: Path
    twin_ckpt: Path | None
    result: ExportResult


def _export_release(tmp: Path, arch: str, seed: int) -> Release:
    dvit, twin = random_pair(CONFIGS[arch], 1000, seed)
    sd, twin_sd = dvit.state_dict(), twin.state_dict()
    del twin
    out = tmp / arch
    if arch in ("deit-256", "deit-b"):  # DeiT-256 has no released teacher: the twin is the backbone (DeiT-B: to
        # spare a 350 MB file; the teacher layout is DeiT-S's, conftest's small_export)
        dpath = save_official(dvit, tmp / f"dynamicvit-{arch}.pth")
        loaded = load_checkpoint(dpath, "dynamicvit")
        result = export_pair(loaded, backbone_twin(loaded), out, baselines=False, log=_quiet)
        return Release(arch, dpath, None, result)
    if arch == "lvvit-s":  # the /0.5 release through the CLI: rho from the saved training args, bare .pth.tar teacher
        dpath = tmp / "dynamicvit-lvvit-s-0.5.pth"
        torch.save({"model": sd, "epoch": 29, "args": argparse.Namespace(base_rate=0.5, model="lvvit-s")}, dpath)
        tpath = tmp / "lvvit_s-26M-224-83.3.pth.tar"
        torch.save(twin_sd, tpath)
        assert export_main(["--dynamicvit", str(dpath), "--teacher", str(tpath), "--out", str(out)]) == 0
        cards = {f: json.loads((out / f"{f}.json").read_text()) for f in ("dynamicvit", "deit")}
        return Release(arch, dpath, tpath, ExportResult(out, cards))
    dpath = save_official(dvit, tmp / f"dynamicvit-{arch}.pth")
    tpath = tmp / "lvvit_m-56M-224-84.0.pth"  # LV-ViT-M teacher in timm's training layout
    torch.save({"state_dict": twin_sd, "epoch": 300}, tpath)
    result = export_pair(
        load_checkpoint(dpath, "dynamicvit"), load_checkpoint(tpath, "deit"), out, baselines=False, log=_quiet
    )
    return Release(arch, dpath, tpath, result)


def _quiet(*_args: object) -> None:
    pass


@pytest.fixture(scope="module", params=["deit-256", "deit-s", "deit-b", "lvvit-s", "lvvit-m"])
def release(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Release:
    if request.param == "deit-s":
        e = request.getfixturevalue("small_export")
        return Release("deit-s", e.dvit_ckpt, e.deit_ckpt, e.result)
    seed = sorted(PUBLISHED_GFLOPS).index(request.param) + 20
    return _export_release(tmp_path_factory.mktemp(request.param), request.param, seed)


def test_parity_every_case(release: Release) -> None:
    for family in ("dynamicvit", "deit"):
        par = release.result.cards[family]["parity"]
        assert par["passed"] and par["logits_max_abs_diff"] <= TOLERANCE, (family, par["logits_max_abs_diff"])
        assert par["batch_sizes"] == list(BATCH_SIZES)
    cases = {(c["keep_ratio"], c["batch"]): c for c in release.result.cards["dynamicvit"]["parity"]["cases"]}
    assert set(cases) == {(r, b) for r in KEEP_RATIOS for b in BATCH_SIZES}
    for key, c in cases.items():
        assert c["logits_max_abs_diff"] <= TOLERANCE and c["kept_set_sym_diff"] == [0, 0, 0], (key, c)
        assert min(c["min_score_gap"]) > 1e-3, (key, c)  # kept sets decided by the logic, not by float noise


def test_card_facts(release: Release) -> None:
    arch = release.arch
    card, twin = release.result.cards["dynamicvit"], release.result.cards["deit"]
    a = card["architecture"]
    backbone = "lvvit" if arch.startswith("lvvit") else "deit"
    assert (a["arch"], a["backbone"], a["grid"], a["num_patches"]) == (arch, backbone, 14, 196)
    assert a["pruning_locations"] == LOCATIONS[arch] and twin["architecture"]["pruning_locations"] == []
    lv = backbone == "lvvit"
    assert (a["qkv_bias"], a["norm_eps"], a["skip_lam"], a["aux_head"]) == (
        (False, 1e-5, 2.0, True) if lv else (True, 1e-6, 1.0, False)
    )
    assert a["patch_embed"] == ("lvvit-conv-stem" if lv else "patch-conv")
    rho = TRAINED_RHO[arch]
    assert card["pruning"]["trained_keep_ratio"] == rho
    assert card["pruning"]["keep_counts_at_trained_ratio"] == COUNTS[rho]
    assert abs(card["gflops"]["total"] - PUBLISHED_GFLOPS[arch]) <= 0.1
    assert (
        abs(twin["gflops"]["total"] - FULL_GFLOPS[arch]) <= 0.1
        and card["gflops"]["full_deit"] == twin["gflops"]["total"]
    )
    assert card["gflops"]["per_stage_tokens"] == [197, *(k + 1 for k in COUNTS[rho])]
    assert card["preprocessing"]["resize_shorter_side"] == 256 and card["preprocessing"]["crop_size"] == 224
    assert twin["preprocessing"]["resize_shorter_side"] == TWIN_RESIZE[arch]
    assert [i["name"] for i in card["inputs"]] == [
        "pixel_values",
        "keep_count_stage1",
        "keep_count_stage2",
        "keep_count_stage3",
    ]
    assert card["provenance"]["checkpoint"] == release.dvit_ckpt.name
    if release.twin_ckpt is None:
        assert twin["provenance"]["weights_from"] == "dynamicvit-backbone" and "No teacher checkpoint" in twin["notes"]
    else:
        assert twin["provenance"]["checkpoint"] == release.twin_ckpt.name and "weights_from" not in twin["provenance"]


def test_graphs_use_only_webgpu_ops(release: Release) -> None:
    for name in ("dynamicvit.onnx", "deit.onnx"):
        model = onnx.load(str(release.result.out_dir / name), load_external_data=False)
        ops = {n.op_type for n in model.graph.node}
        assert ops <= WEBGPU_OPS, ops - WEBGPU_OPS
        assert ("Conv" in ops) == release.arch.startswith("lvvit")  # the LV-ViT stem stays a Conv (BN folded)
        assert "BatchNormalization" not in ops


WITH_BASELINES = {"deit-s", "lvvit-s"}  # exported through the CLI, whose default writes them


def test_baselines_beside_the_cli_exports(release: Release) -> None:
    out = release.result.out_dir
    dvit = json.loads((out / "dynamicvit.json").read_text())
    if release.arch not in WITH_BASELINES:  # exported with baselines=False: the pair alone
        assert "baselines" not in dvit and not (out / "attentive.onnx").exists()
        return
    assert dvit["baselines"] == BASELINE_FILES
    rho = dvit["pruning"]["trained_keep_ratio"]
    for method, file in zip(METHODS, dvit["baselines"], strict=True):
        card = json.loads((out / file).read_text())
        assert card["family"] == FAMILIES[method]
        # the DynamicViT's locations, counts and input (LV-ViT-S: its 256 resize, not the teacher's 248)
        for key in ("architecture", "pruning", "preprocessing", "inputs", "outputs"):
            assert card[key] == dvit[key], key
        assert card["parity"]["passed"] and card["parity"]["kept_sets_identical"], card["parity"]
        assert card["gflops"]["total"] == round(baseline_flops(config_from_card(dvit), rho, 1000).total, 3)
        ops = {n.op_type for n in onnx.load(str(out / card["onnx"]["file"])).graph.node}
        assert ops <= WEBGPU_OPS and ("Conv" in ops) == release.arch.startswith("lvvit")
        assert card["provenance"]["weights"].startswith(release.twin_ckpt.name)


def test_positions_nested_and_valid(release: Release) -> None:
    """Independent of the card: valid, unique, nested original positions at the trained ratio."""
    card = release.result.cards["dynamicvit"]
    counts = card["pruning"]["keep_counts_at_trained_ratio"]
    x = inputs_for(1, seed=99, img_size=224).numpy()
    out = session(release.result.out_dir / "dynamicvit.onnx").run(None, {"pixel_values": x, **count_feeds(counts)})
    assert out[0].shape == (1, 1000) and np.isfinite(out[0]).all()
    prev = set(range(196))
    for pos, k in zip(out[1:], counts, strict=True):
        s = set(pos[0].tolist())
        assert pos.shape == (1, k) and len(s) == k and s <= prev
        prev = s


# ------------------------------------------------------------------ loading errors and teacher layouts (cheap sizes)


@pytest.fixture(scope="module")
def lvvit_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from models.make_fixtures import FIXTURES

    tmp = tmp_path_factory.mktemp("lvvit")
    dvit, twin = random_pair(FIXTURES["fixture-lvvit-tiny"].cfg, 10, seed=5)
    sd = twin.state_dict()
    files = {"dvit": save_official(dvit, tmp / "dvit.pth"), "model": save_official(twin, tmp / "model.pth")}
    torch.save(sd, tmp / "bare.pth.tar")
    torch.save({"state_dict": sd, "epoch": 1}, tmp / "state_dict.pth")
    files.update({"bare": tmp / "bare.pth.tar", "state_dict": tmp / "state_dict.pth", "tmp": tmp})
    return files


@pytest.mark.parametrize("layout", ["bare", "model", "state_dict"])
def test_lvvit_teacher_layouts(lvvit_files: dict[str, Path], layout: str) -> None:
    loaded = load_checkpoint(lvvit_files[layout], "deit", num_heads=2)
    assert (loaded.config.backbone, loaded.config.stem_channels, loaded.config.depth) == ("lvvit", 16, 16)
    assert loaded.model.aux_head is not None


def test_lvvit_teacher_as_dynamicvit_is_named(lvvit_files: dict[str, Path]) -> None:
    with pytest.raises(CheckpointError, match="no score_predictor.*plain DeiT / LV-ViT checkpoint.*--deit"):
        load_checkpoint(lvvit_files["bare"], "dynamicvit")


def test_lvvit_strict_load_lists_every_problem(lvvit_files: dict[str, Path]) -> None:
    sd = dict(torch.load(lvvit_files["dvit"], weights_only=False)["model"])
    del sd["aux_head.weight"], sd["patch_embed.bn2.running_var"]
    sd["blocks.0.attn.qkv.bias"] = torch.zeros(72)  # a DeiT-style qkv bias
    sd["patch_embed.conv3.weight"] = torch.zeros(16, 16, 5, 5)
    path = lvvit_files["tmp"] / "broken.pth"
    torch.save({"model": sd}, path)
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(path, "dynamicvit", num_heads=2, keep_ratio=0.7)
    msg = str(err.value)
    assert "missing keys (2): patch_embed.bn2.running_var, aux_head.weight" in msg
    assert "unexpected keys (1): blocks.0.attn.qkv.bias" in msg
    assert "patch_embed.conv3.weight: checkpoint [16, 16, 5, 5] vs model [16, 16, 3, 3]" in msg


def test_custom_dynamicvit_needs_a_keep_ratio(lvvit_files: dict[str, Path]) -> None:
    with pytest.raises(CheckpointError, match="no trained keep ratio in the file: pass --keep-ratio"):
        load_checkpoint(lvvit_files["dvit"], "dynamicvit", num_heads=2)


def test_twin_must_match_the_backbone(lvvit_files: dict[str, Path]) -> None:
    from models.make_fixtures import FIXTURES

    dvit = load_checkpoint(lvvit_files["dvit"], "dynamicvit", num_heads=2, keep_ratio=0.7)
    _, deit_twin = random_pair(FIXTURES["fixture-tiny"].cfg, 10, seed=6)
    deit = load_checkpoint(save_official(deit_twin, lvvit_files["tmp"] / "deit-tiny.pth"), "deit", num_heads=2)
    with pytest.raises(CheckpointError, match="the full twin must match the DynamicViT backbone: .* is lvvit 24 wide"):
        export_pair(dvit, deit, lvvit_files["tmp"] / "out", log=_quiet)


def test_backbone_twin_is_the_dynamicvit_without_predictors(lvvit_files: dict[str, Path]) -> None:
    dvit = load_checkpoint(lvvit_files["dvit"], "dynamicvit", num_heads=2, keep_ratio=0.7)
    twin = backbone_twin(dvit)
    assert twin.family == "deit" and twin.from_dynamicvit and twin.config == dvit.config
    x = inputs_for(1, seed=3, img_size=224)
    with torch.no_grad():  # keeping every token, the DynamicViT computes its backbone exactly
        full = dvit.model.forward_pruned(x, 1.0).logits
        assert torch.allclose(twin.model(x), full, atol=1e-5)
    assert model_counts(dvit.model, 1.0) == [196, 196, 196]  # type: ignore[arg-type]
