"""Weightless templates (models/export_template.py, committed under public/templates/): the template fed
with a checkpoint's tensors is the normal export of the same checkpoint (issue 11)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from models.dynamicvit import CONFIGS
from models.export_template import MAX_INLINE_BYTES, NUM_CLASSES, ZOO_ARCHS
from models.make_fixtures import random_pair
from models.onnx_export import dynamicvit_inputs, dynamicvit_outputs, export_deit, export_dynamicvit
from models.parity import TOLERANCE, count_feeds, inputs_for, model_counts, session

TEMPLATES = Path(__file__).resolve().parents[2] / "public" / "templates"
FAMILIES = ("dynamicvit", "deit")
# numeric checks on one arch per backbone (DeiT: patch-conv reshape, q scale; LV-ViT: BatchNorm folding in
# the conv stem, 1 / skip_lam, no qkv bias, aux head); the larger archs share every wrapper with them
NUMERIC_ARCHS = ("deit-s", "lvvit-s")


def _card(arch: str, family: str) -> dict:
    return json.loads((TEMPLATES / arch / f"{family}.json").read_text())


def _fed_template(arch: str, family: str, state: dict[str, torch.Tensor], tmp: Path) -> Path:
    """The committed template next to one file per tensor, named by its key (what the page mounts)."""
    folder = tmp / f"{arch}-{family}"
    folder.mkdir()
    shutil.copy(TEMPLATES / arch / f"{family}.onnx", folder / "model.onnx")
    for key, value in state.items():
        if value.dtype == torch.float32:
            (folder / key).write_bytes(value.contiguous().numpy().tobytes())
    return folder / "model.onnx"


def test_index_lists_every_zoo_arch() -> None:
    index = json.loads((TEMPLATES / "index.json").read_text())
    assert [t["arch"] for t in index["templates"]] == list(ZOO_ARCHS)
    for t in index["templates"]:
        for family in FAMILIES:
            assert (TEMPLATES / t["path"] / f"{family}.onnx").is_file()


@pytest.mark.parametrize("arch", ZOO_ARCHS)
def test_template_expects_the_official_state_dict(arch: str) -> None:
    """The card's expected keys / dtypes / shapes are the model's state_dict, and every weight of the graph is
    external data named by its key: nothing of the weights is in the committed file."""
    dvit, twin = random_pair(CONFIGS[arch], NUM_CLASSES, seed=3)
    for family, model in (("dynamicvit", dvit), ("deit", twin)):
        card = _card(arch, family)
        state = model.state_dict()
        expected = [
            {"name": k, "dtype": str(v.dtype).removeprefix("torch."), "shape": list(v.shape)} for k, v in state.items()
        ]
        assert card["template"]["state_dict"] == expected
        assert card["architecture"]["arch"] == arch and card["family"] == family
        proto = onnx.load(str(TEMPLATES / arch / f"{family}.onnx"), load_external_data=False)
        external = {i.name: i for i in proto.graph.initializer if i.data_location == onnx.TensorProto.EXTERNAL}
        for name, init in external.items():
            location = {e.key: e.value for e in init.external_data}["location"]
            assert location == name and name in state, name
            assert list(init.dims) == list(state[name].shape) and init.data_type == onnx.TensorProto.FLOAT, name
        inline = [i for i in proto.graph.initializer if i.data_location != onnx.TensorProto.EXTERNAL]
        assert all(len(i.raw_data) <= MAX_INLINE_BYTES for i in inline)
        assert set(external) == {k for k, v in state.items() if v.dtype == torch.float32}
        stages = len(card["architecture"]["pruning_locations"])
        want_in = dynamicvit_inputs(stages) if family == "dynamicvit" else ["pixel_values"]
        want_out = dynamicvit_outputs(stages) if family == "dynamicvit" else ["logits"]
        assert [i.name for i in proto.graph.input] == want_in
        assert [o.name for o in proto.graph.output] == want_out


def _optimized_ops(path: Path, tmp: Path) -> Counter:
    """Op types after onnxruntime's basic optimisations (constant folding), as the page's session sees them."""
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    opts.optimized_model_filepath = str(tmp / f"{path.parent.name}-{path.stem}-opt.onnx")
    opts.add_session_config_entry("session.optimized_model_external_initializers_file_name", f"{path.stem}-opt.bin")
    opts.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
    ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    proto = onnx.load(opts.optimized_model_filepath, load_external_data=False)
    return Counter(n.op_type for n in proto.graph.node)


@pytest.mark.parametrize("arch", NUMERIC_ARCHS)
def test_template_with_checkpoint_tensors_equals_the_normal_export(arch: str, tmp_path: Path) -> None:
    dvit, twin = random_pair(CONFIGS[arch], NUM_CLASSES, seed=5)
    normal = {"dynamicvit": tmp_path / "dynamicvit.onnx", "deit": tmp_path / "deit.onnx"}
    export_dynamicvit(dvit, normal["dynamicvit"])
    export_deit(twin, normal["deit"])
    x = inputs_for(2, seed=7, img_size=dvit.cfg.img_size).numpy()
    for family, model in (("dynamicvit", dvit), ("deit", twin)):
        fed = _fed_template(arch, family, model.state_dict(), tmp_path)
        # onnxruntime folds the template's weight transforms at session creation: the same kernels remain
        assert _optimized_ops(fed, tmp_path) == _optimized_ops(normal[family], tmp_path), family
        ours, ref = session(fed), session(normal[family])
        if family == "deit":
            diff = np.abs(ours.run(None, {"pixel_values": x})[0] - ref.run(None, {"pixel_values": x})[0]).max()
            assert diff <= TOLERANCE, (family, diff)
            continue
        for rho in (0.5, 0.7, 0.9):
            feeds = {"pixel_values": x, **count_feeds(model_counts(dvit, rho))}
            got, want = ours.run(None, feeds), ref.run(None, feeds)
            diff = np.abs(got[0] - want[0]).max()
            assert diff <= TOLERANCE, (rho, diff)
            for stage, (g, w) in enumerate(zip(got[1:], want[1:], strict=True), start=1):
                assert [set(r) for r in g.tolist()] == [set(r) for r in w.tolist()], (rho, stage)
