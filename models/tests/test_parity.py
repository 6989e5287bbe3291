"""ONNX Runtime vs PyTorch for random official-format DeiT-Ti and DeiT-S checkpoints (issue 2, point 5);
the other releases: test_releases.py."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

from models.parity import (
    BATCH_SIZES,
    KEEP_RATIOS,
    TOLERANCE,
    count_feeds,
    inputs_for,
    model_counts,
    session,
    torch_pruned,
)

# ops of models/CONTRACT.md: each runs on onnxruntime-web's native WebGPU EP (scripts/check-webgpu.mjs);
# Conv, Relu and ReduceMax come with LV-ViT (conv stem, aux head)
WEBGPU_OPS = {
    "Add", "Cast", "Concat", "Constant", "Conv", "Div", "Erf", "Expand", "Gather", "GatherElements", "Gemm",
    "Identity", "LayerNormalization", "MatMul", "Mul", "ReduceMax", "ReduceMean", "Relu", "Reshape", "Slice",
    "Softmax", "Split", "Squeeze", "Sub", "TopK", "Transpose", "Unsqueeze",
}  # fmt: skip


@pytest.fixture(params=["tiny_export", "small_export"])
def exported(request: pytest.FixtureRequest):
    return request.getfixturevalue(request.param)


def test_dynamicvit_parity_every_case(exported) -> None:
    par = exported.result.cards["dynamicvit"]["parity"]
    cases = {(c["keep_ratio"], c["batch"]): c for c in par["cases"]}
    assert set(cases) == {(r, b) for r in KEEP_RATIOS for b in BATCH_SIZES}
    for (rho, b), c in cases.items():
        assert c["logits_max_abs_diff"] <= TOLERANCE, (rho, b, c)
        assert c["kept_set_sym_diff"] == [0, 0, 0], (rho, b, c)
        # the kept sets are decided by the logic: no score near a tie at any cut
        assert min(c["min_score_gap"]) > 1e-3, (rho, b, c)
    assert par["passed"] and par["kept_sets_identical"]


def test_deit_parity(exported) -> None:
    par = exported.result.cards["deit"]["parity"]
    assert par["batch_sizes"] == list(BATCH_SIZES)
    assert par["logits_max_abs_diff"] <= TOLERANCE and par["passed"]


def test_kept_positions_are_original_positions_in_score_order(tiny_export) -> None:
    """Independent of the card: positions are valid, unique, nested across stages, descending score."""
    sess = session(tiny_export.result.out_dir / "dynamicvit.onnx")
    cfg = tiny_export.dvit.cfg
    x = inputs_for(2, seed=11, img_size=cfg.img_size)
    counts = model_counts(tiny_export.dvit, 0.7)
    got = sess.run(None, {"pixel_values": x.numpy(), **count_feeds(counts)})
    ref, scores = torch_pruned(tiny_export.dvit, x, 0.7)
    for p, k in enumerate(counts):
        pos = got[1 + p]
        assert pos.shape == (2, k) and pos.dtype == np.int32
        assert pos.min() >= 0 and pos.max() < cfg.num_patches
        for i in range(2):
            assert len(set(pos[i].tolist())) == k
            if p > 0:
                assert set(pos[i].tolist()) <= set(got[p][i].tolist())  # a dropped token never returns
            assert pos[i].tolist() == ref.kept_positions[p][i].tolist()  # same order as PyTorch (no ties)


def test_keep_all_tokens_equals_deit(tiny_export) -> None:
    """k = N at every stage keeps everything: the logits are DeiT's (attention is order-invariant)."""
    cfg = tiny_export.dvit.cfg
    x = inputs_for(1, seed=5, img_size=cfg.img_size)
    full = count_feeds([cfg.num_patches] * cfg.stages)
    out = session(tiny_export.result.out_dir / "dynamicvit.onnx").run(None, {"pixel_values": x.numpy(), **full})
    with torch.no_grad():
        deit_logits = tiny_export.deit(x).numpy()
    assert np.abs(out[0] - deit_logits).max() <= TOLERANCE
    for pos in out[1:]:
        assert sorted(pos[0].tolist()) == list(range(cfg.num_patches))


def test_smallest_keep_counts(tiny_export) -> None:
    ones = count_feeds([1, 1, 1])
    out = session(tiny_export.result.out_dir / "dynamicvit.onnx").run(
        None, {"pixel_values": inputs_for(3, seed=7, img_size=224).numpy(), **ones}
    )
    assert [o.shape for o in out[1:]] == [(3, 1)] * 3
    assert np.isfinite(out[0]).all()


def test_graph_interface_and_webgpu_ops(tiny_export) -> None:
    out = tiny_export.result.out_dir
    for name, inputs, outputs in (
        ("dynamicvit.onnx", ["pixel_values"] + [f"keep_count_stage{p}" for p in (1, 2, 3)],
         ["logits"] + [f"kept_positions_stage{p}" for p in (1, 2, 3)]),
        ("deit.onnx", ["pixel_values"], ["logits"]),
    ):  # fmt: skip
        model = onnx.load(str(out / name))
        assert [i.name for i in model.graph.input] == inputs
        assert [o.name for o in model.graph.output] == outputs
        batch = model.graph.input[0].type.tensor_type.shape.dim[0]
        assert batch.dim_param == "batch"
        ops = {n.op_type for n in model.graph.node}
        assert ops <= WEBGPU_OPS, ops - WEBGPU_OPS
        assert all(n.domain in ("", "ai.onnx") for n in model.graph.node)


def test_fp16_variant_measured(tiny_export) -> None:
    card = tiny_export.result.cards["dynamicvit"]
    fp16 = card["fp16"]
    assert fp16["precision"] == "fp16" and fp16["requires"] == "shader-f16"
    assert (tiny_export.result.out_dir / fp16["file"]).stat().st_size < 0.6 * card["onnx"]["bytes"]
    par = fp16["parity"]
    assert par["logits_max_abs_diff"] < 0.1
    assert all(len(c["kept_set_sym_diff"]) == 3 for c in par["cases"])
    deit16 = tiny_export.result.cards["deit"]["fp16"]
    assert deit16["parity"]["logits_max_abs_diff"] < 0.1
