"""Training-free baselines (models/baselines.py) and their ONNX graphs (models/export_baselines.py):
ONNX Runtime vs PyTorch on random DeiT and LV-ViT fixtures and on the bundled demo teacher, the shipped files
and cards."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from models.baselines import METHODS, TokenPruningBaseline, baseline_flops, block_with_cls_attention, random_priority
from models.card import config_from_card
from models.checkpoint import sha256_of
from models.dynamicvit import keep_counts
from models.export_baselines import FAMILIES, baseline_cases, export_baseline, load_twin
from models.make_fixtures import FIXTURES, random_pair
from models.parity import BATCH_SIZES, KEEP_RATIOS, TOLERANCE, count_feeds, inputs_for, session
from models.tests.test_parity import WEBGPU_OPS

DEMO = Path(__file__).resolve().parents[2] / "public" / "models" / "demo"
FIXTURE = FIXTURES["fixture-tiny"].cfg
LVVIT = FIXTURES["fixture-lvvit-tiny"].cfg  # conv stem, no qkv bias, skip_lam 2, aux head, 16 blocks


def _dvit_card() -> dict:
    return json.loads((DEMO / "dynamicvit.json").read_text())


@pytest.fixture(scope="module")
def fixture_twin():
    return random_pair(FIXTURE, 10, seed=3)[1]


@pytest.fixture(scope="module")
def demo_twin():
    card = _dvit_card()
    cfg = config_from_card(card)
    return load_twin(DEMO, cfg, len(card["labels"]), None)[0]


@pytest.fixture(scope="module")
def lvvit_twin():
    return random_pair(LVVIT, 10, seed=4)[1]


def _export_all(twin, locations: tuple[int, ...], out: Path) -> dict:  # type: ignore[no-untyped-def]
    exported = {}
    for method in METHODS:
        baseline = TokenPruningBaseline(twin, method, locations)
        export_baseline(baseline, out / f"{method}.onnx", 0.7)
        exported[method] = (baseline, out / f"{method}.onnx")
    return exported


@pytest.fixture(scope="module")
def fixture_exports(fixture_twin, tmp_path_factory: pytest.TempPathFactory):
    return _export_all(fixture_twin, FIXTURE.pruning_loc, tmp_path_factory.mktemp("baselines"))


@pytest.fixture(scope="module")
def lvvit_exports(lvvit_twin, tmp_path_factory: pytest.TempPathFactory):
    return _export_all(lvvit_twin, LVVIT.pruning_loc, tmp_path_factory.mktemp("lvvit-baselines"))


def _assert_parity(baseline: TokenPruningBaseline, path: Path) -> None:
    cases = baseline_cases(baseline, path)
    assert {(c.keep_ratio, c.batch) for c in cases} == {(r, b) for r in KEEP_RATIOS for b in BATCH_SIZES}
    for c in cases:
        assert c.logits_max_abs_diff <= TOLERANCE, c
        assert c.kept_set_sym_diff == [0] * len(baseline.pruning_loc), c
        assert min(c.min_score_gap) > 0, c  # no tie at a cut: the sets are decided by the scores


@pytest.mark.parametrize("method", METHODS)
def test_random_fixture_onnx_matches_pytorch(fixture_exports, method: str) -> None:
    _assert_parity(*fixture_exports[method])


@pytest.mark.parametrize("method", METHODS)
def test_lvvit_onnx_matches_pytorch(lvvit_exports, method: str) -> None:
    """LV-ViT twin: 1 / skip_lam folded into the graph, attention of the block before, aux-head prediction over
    the tokens left; the graph keeps LV-ViT's conv stem (Conv, Relu) and the aux head's ReduceMax."""
    _assert_parity(*lvvit_exports[method])
    graph = onnx.load(str(lvvit_exports[method][1])).graph
    ops = {n.op_type for n in graph.node}
    assert ops <= WEBGPU_OPS and {"Conv", "Relu", "ReduceMax"} <= ops
    assert [o.name for o in graph.output] == ["logits", *(f"kept_positions_stage{p}" for p in (1, 2, 3))]


def test_lvvit_baseline_predicts_with_the_aux_head_over_the_kept_tokens(lvvit_twin) -> None:
    x = inputs_for(2, seed=9, img_size=LVVIT.img_size)
    out = TokenPruningBaseline(lvvit_twin, "random", LVVIT.pruning_loc).forward_pruned(x, 0.5)
    last = out.kept_positions[-1]
    with torch.no_grad():  # the same blocks by hand, on the random baseline's fixed positions
        h = lvvit_twin.embed(x)
        current = torch.arange(LVVIT.num_patches).expand(2, -1)  # original positions of the tokens in h
        for i, blk in enumerate(lvvit_twin.blocks):
            if i in LVVIT.pruning_loc:
                kept = out.kept_positions[LVVIT.pruning_loc.index(i)]
                rows = [h[b, 1:][_rows(kept[b], current[b])] for b in range(2)]
                h, current = torch.cat([h[:, :1], torch.stack(rows)], dim=1), kept
            h = blk(h)
        h = lvvit_twin.norm(h)
        want = lvvit_twin.head(h[:, 0]) + 0.5 * lvvit_twin.aux_head(h[:, 1:]).amax(dim=1)
    assert h.shape[1] == 1 + last.shape[1]
    assert torch.allclose(out.logits, want, atol=1e-5, rtol=0)


def _rows(positions: torch.Tensor, current: torch.Tensor) -> torch.Tensor:
    """Where each of ``positions`` sits in the current token list ``current`` (original positions)."""
    return torch.tensor([current.tolist().index(v) for v in positions.tolist()])


@pytest.mark.parametrize("method", METHODS)
def test_shipped_demo_baseline_matches_pytorch_on_the_recovered_teacher(demo_twin, method: str) -> None:
    card = _dvit_card()
    baseline = TokenPruningBaseline(demo_twin, method, tuple(card["architecture"]["pruning_locations"]))
    _assert_parity(baseline, DEMO / f"{method}.onnx")


@pytest.mark.parametrize("method", METHODS)
def test_graphs_use_only_webgpu_ops_and_the_dynamicvit_io(fixture_exports, method: str) -> None:
    demo_stages = len(_dvit_card()["architecture"]["pruning_locations"])
    for path, stages in ((fixture_exports[method][1], FIXTURE.stages), (DEMO / f"{method}.onnx", demo_stages)):
        graph = onnx.load(str(path)).graph
        assert {n.op_type for n in graph.node} <= WEBGPU_OPS, path
        assert [i.name for i in graph.input] == [
            "pixel_values",
            *(f"keep_count_stage{p}" for p in range(1, stages + 1)),
        ]
        assert [o.name for o in graph.output] == ["logits", *(f"kept_positions_stage{p}" for p in range(1, stages + 1))]


@pytest.mark.parametrize("backbone", ["deit", "lvvit"])
def test_block_with_cls_attention_is_the_block(fixture_twin, lvvit_twin, backbone: str) -> None:
    twin = fixture_twin if backbone == "deit" else lvvit_twin
    x = twin.embed(inputs_for(2, seed=4, img_size=twin.cfg.img_size))
    blk = twin.blocks[2]
    with torch.no_grad():
        out, cls = block_with_cls_attention(blk, x)
        assert torch.allclose(out, blk(x), atol=1e-5, rtol=0)
    assert cls.shape == (2, twin.cfg.num_patches)
    assert (cls > 0).all() and (cls.sum(dim=1) < 1).all()  # CLS also attends to itself


def test_keeping_every_token_gives_the_full_model(fixture_twin) -> None:
    x = inputs_for(2, seed=5, img_size=FIXTURE.img_size)
    with torch.no_grad():
        full = fixture_twin(x)
    for method in METHODS:
        out = TokenPruningBaseline(fixture_twin, method, FIXTURE.pruning_loc).forward_pruned(x, 1.0)
        assert torch.allclose(out.logits, full, atol=1e-5, rtol=0), method
        assert all(sorted(p[0].tolist()) == list(range(FIXTURE.num_patches)) for p in out.kept_positions)


def test_attentive_keeps_the_most_attended_tokens_in_score_order(fixture_twin) -> None:
    x = inputs_for(2, seed=6, img_size=FIXTURE.img_size)
    baseline = TokenPruningBaseline(fixture_twin, "attentive", FIXTURE.pruning_loc)
    out = baseline.forward_pruned(x, 0.5)
    counts = keep_counts(0.5, FIXTURE.num_patches, FIXTURE.stages)
    # stage 1 ranks all patches by the CLS attention of the block before the first location
    first = FIXTURE.pruning_loc[0]
    with torch.no_grad():
        h = fixture_twin.embed(x)
        for blk in fixture_twin.blocks[: first - 1]:
            h = blk(h)
        _, cls = block_with_cls_attention(fixture_twin.blocks[first - 1], h)
    want = torch.argsort(cls, dim=1, descending=True)[:, : counts[0]]
    assert torch.equal(out.kept_positions[0], want)
    for p, pos in enumerate(out.kept_positions):
        assert pos.shape == (2, counts[p])
        if p > 0:  # nested: a dropped token never returns
            assert all(set(pos[i].tolist()) <= set(out.kept_positions[p - 1][i].tolist()) for i in range(2))
    # image-dependent, unlike the random baseline
    other = baseline.forward_pruned(inputs_for(1, seed=7, img_size=FIXTURE.img_size), 0.5)
    assert set(other.kept_positions[0][0].tolist()) != set(out.kept_positions[0][0].tolist())


def test_random_keeps_the_same_seeded_set_for_every_image(fixture_twin, fixture_exports) -> None:
    counts = keep_counts(0.5, FIXTURE.num_patches, FIXTURE.stages)
    priority = random_priority(FIXTURE.num_patches, seed=0)
    want = torch.argsort(priority, descending=True)
    sess = session(fixture_exports["random"][1])
    x = inputs_for(3, seed=8, img_size=FIXTURE.img_size).numpy()
    got = sess.run(None, {"pixel_values": x, **count_feeds(counts)})
    for p, k in enumerate(counts):
        for i in range(3):  # three different images, one set, in priority order
            assert got[1 + p][i].tolist() == want[:k].tolist()
    other = torch.argsort(random_priority(FIXTURE.num_patches, seed=1), descending=True)
    assert set(other[: counts[0]].tolist()) != set(want[: counts[0]].tolist())


def test_shipped_cards_describe_the_baselines() -> None:
    dvit = _dvit_card()
    assert dvit["baselines"] == ["attentive.json", "random.json"]
    cfg = config_from_card(dvit)
    classes = len(dvit["labels"])
    for method, file in zip(METHODS, dvit["baselines"], strict=True):
        card = json.loads((DEMO / file).read_text())
        assert card["schema_version"] == dvit["schema_version"]
        assert card["family"] == FAMILIES[method]
        assert card["architecture"] == dvit["architecture"]
        assert card["labels"] == dvit["labels"] and card["preprocessing"] == dvit["preprocessing"]
        for key in ("trained_keep_ratio", "keep_ratio_range", "keep_counts_at_trained_ratio", "keep_count_rule"):
            assert card["pruning"][key] == dvit["pruning"][key], key
        assert card["inputs"] == dvit["inputs"] and card["outputs"] == dvit["outputs"]
        rho = dvit["pruning"]["trained_keep_ratio"]
        assert card["gflops"]["predictors"] == 0
        assert card["gflops"]["total"] == round(baseline_flops(cfg, rho, classes).total, 3)
        assert card["gflops"]["per_stage_tokens"] == dvit["gflops"]["per_stage_tokens"]
        assert card["onnx"]["sha256"] == sha256_of(DEMO / card["onnx"]["file"])
        assert card["parity"]["passed"] and card["parity"]["kept_sets_identical"]
    attentive = json.loads((DEMO / "attentive.json").read_text())
    assert attentive["baseline"]["fuse_inattentive"] is False
    random_card = json.loads((DEMO / "random.json").read_text())
    assert random_card["baseline"]["same_set_for_every_image"] is True
    assert isinstance(random_card["baseline"]["seed"], int)


def test_unknown_method_and_missing_block_are_refused(fixture_twin) -> None:
    with pytest.raises(ValueError, match="unknown baseline"):
        TokenPruningBaseline(fixture_twin, "tome", FIXTURE.pruning_loc)
    with pytest.raises(ValueError, match="block before"):
        TokenPruningBaseline(fixture_twin, "attentive", (0, 6))


def test_priority_is_a_permutation() -> None:
    p = random_priority(196, seed=0)
    assert p.dtype == torch.float32 and sorted(p.tolist()) == [float(i) for i in range(196)]
    assert np.array_equal(p.numpy(), random_priority(196, seed=0).numpy())
