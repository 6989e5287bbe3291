"""Graph variants of an exported dynamicvit.onnx, for the benchmark only (written next to it under bench/work/).

python bench/variants.py DIR [--static-rhos 0.5,0.7,0.9,1.0] [--out OUTDIR]

- dynamicvit-nopred.onnx: the same graph with each predictor (LayerNorm/Linear/GELU MLP + global pooling)
  replaced by a free score (channel 0 of the patch tokens): same TopK/gather/pruned blocks, no predictor work.
  t(dynamicvit) - t(nopred) is the predictors' cost on any backend, without a profiler.
- dynamicvit-k<rho>.onnx: keep counts baked in as constants (static shapes: no dynamic dims downstream of TopK),
  the "one static-k graph per rho" option.
Also: classify_nodes() labels each node backbone / predictor / selection (used for ORT profiles).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import deque
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

STAGE_INPUTS = ["keep_count_stage1", "keep_count_stage2", "keep_count_stage3"]


def _producers(g: onnx.GraphProto) -> dict[str, onnx.NodeProto]:
    return {o: n for n in g.node for o in n.output}


def _ancestors(g: onnx.GraphProto, tensors: list[str], prod: dict[str, onnx.NodeProto]) -> set[str]:
    """Names of nodes that (transitively) produce any of `tensors` (inclusive of their producers)."""
    seen: set[str] = set()
    q = deque(tensors)
    while q:
        t = q.popleft()
        n = prod.get(t)
        if n is None or n.name in seen:
            continue
        seen.add(n.name)
        q.extend(i for i in n.input if i)
    return seen


def stage_info(g: onnx.GraphProto) -> list[dict]:
    """Per stage: the TopK node, its score tensor, the patch tensor the predictor reads (data input of the
    token GatherElements fed by this TopK's indices)."""
    prod = _producers(g)
    topks = [n for n in g.node if n.op_type == "TopK" and n.input[1] in STAGE_INPUTS]
    topks.sort(key=lambda n: STAGE_INPUTS.index(n.input[1]))
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    stages = []
    for t in topks:
        # follow indices -> GatherElements(iota) -> Cast -> Unsqueeze -> Expand -> GatherElements(patches, ...)
        patches = None
        q = deque([t.output[1]])
        seen = set()
        while q and patches is None:
            x = q.popleft()
            for c in consumers.get(x, []):
                if c.name in seen:
                    continue
                seen.add(c.name)
                if (
                    c.op_type == "GatherElements"
                    and c.input[1] != t.output[1]
                    and prod.get(c.input[1])
                    and prod[c.input[1]].op_type == "Expand"
                ):
                    patches = c.input[0]
                    break
                q.extend(c.output)
        if patches is None:
            raise RuntimeError(f"could not find the patch tensor of {t.name}")
        stages.append({"topk": t, "score": t.input[0], "patches": patches})
    return stages


def classify_nodes(model: onnx.ModelProto) -> dict[str, str]:
    """node name -> 'predictor' | 'selection' | 'backbone'."""
    g = model.graph
    prod = _producers(g)
    stages = stage_info(g)
    label: dict[str, str] = {}
    for s in stages:
        backbone = _ancestors(g, [s["patches"]], prod)
        for name in _ancestors(g, [s["score"]], prod) - backbone:
            label.setdefault(name, "predictor")
    # selection: everything downstream of a TopK up to the Concat that re-attaches CLS (the next block's
    # input), i.e. index conversion, token gather, kept-position gather/cast
    topk_names = {s["topk"].name for s in stages}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    for s in stages:
        label[s["topk"].name] = "selection"
        q = deque(s["topk"].output)
        while q:
            x = q.popleft()
            for c in consumers.get(x, []):
                if c.name in label:
                    continue
                label[c.name] = "selection"
                if c.op_type != "Concat":
                    q.extend(c.output)
    # the iota helpers of the index conversion (Mul(score, 0) + Slice(arange, k_prev))
    for s in stages:
        for c in consumers.get(s["score"], []):
            if c.name not in label:
                label[c.name] = "selection"
                for cc in consumers.get(c.output[0], []):
                    label.setdefault(cc.name, "selection")
    del topk_names
    for n in g.node:
        label.setdefault(n.name, "backbone")
    # the positions/iota helpers computed once from the embedding (x[:,1:,0]*0+arange) count as selection
    return label


def _prune_dead(g: onnx.GraphProto) -> None:
    prod = _producers(g)
    live = _ancestors(g, [o.name for o in g.output], prod)
    keep = [n for n in g.node if n.name in live]
    del g.node[:]
    g.node.extend(keep)
    used = {i for n in g.node for i in n.input}
    inits = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(inits)


def no_predictor(model: onnx.ModelProto) -> onnx.ModelProto:
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    idx = numpy_helper.from_array(np.array(0, dtype=np.int64), "bench_channel0")
    g.initializer.append(idx)
    for s in stage_info(g):
        t = s["topk"]
        new_score = f"{t.name}_free_score"
        node = helper.make_node(
            "Gather", [s["patches"], "bench_channel0"], [new_score], axis=2, name=f"{t.name}_free_score_gather"
        )
        # insert right before the TopK (keeps topological order)
        pos = [i for i, n in enumerate(g.node) if n.name == t.name][0]
        g.node.insert(pos, node)
        # positions iota uses score shape via Mul(score, 0): point every consumer of the old score to the new one
        for n in g.node:
            for j, i in enumerate(n.input):
                if i == s["score"] and n.name != node.name:
                    n.input[j] = new_score
    _prune_dead(g)
    return m


def static_k(model: onnx.ModelProto, counts: list[int]) -> onnx.ModelProto:
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    keep_inputs = [i for i in g.input if i.name not in STAGE_INPUTS]
    del g.input[:]
    g.input.extend(keep_inputs)
    for name, k in zip(STAGE_INPUTS, counts, strict=True):
        g.initializer.append(numpy_helper.from_array(np.array([k], dtype=np.int64), name))
    for o in g.output:
        if o.name.startswith("kept_positions_stage"):
            p = int(o.name[-1])
            o.type.tensor_type.shape.dim[1].ClearField("dim_param")
            o.type.tensor_type.shape.dim[1].dim_value = counts[p - 1]
    return m


def fuse_gelu(model: onnx.ModelProto) -> tuple[onnx.ModelProto, int]:
    """Replace the exporter's erf GELU (Div -> Erf -> Add -> Mul(x, .) -> Mul(., 0.5), 5 kernels) by one
    com.microsoft Gelu node (a WebGPU EP kernel). ORT fuses this pattern itself only for some EPs (CPU yes)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    prod = _producers(g)
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    remove: set[str] = set()
    new_nodes: dict[str, onnx.NodeProto] = {}  # name of the last Mul -> Gelu node
    for erf in [n for n in g.node if n.op_type == "Erf"]:
        div = prod.get(erf.input[0])
        if div is None or div.op_type != "Div":
            continue
        x = div.input[0]
        add = consumers.get(erf.output[0], [None])[0]
        if add is None or add.op_type != "Add":
            continue
        mul1 = consumers.get(add.output[0], [None])[0]
        if mul1 is None or mul1.op_type != "Mul" or x not in mul1.input:
            continue
        mul2 = consumers.get(mul1.output[0], [None])[0]
        if mul2 is None or mul2.op_type != "Mul":
            continue
        chain = [div, erf, add, mul1, mul2]
        if any(len(consumers.get(n.output[0], [])) != 1 for n in chain[:-1]):
            continue
        remove.update(n.name for n in chain)
        new_nodes[mul2.name] = helper.make_node(
            "Gelu", [x], [mul2.output[0]], domain="com.microsoft", name=f"{erf.name}_fused_gelu"
        )
    out = []
    for n in g.node:
        if n.name in new_nodes:
            out.append(new_nodes[n.name])
        elif n.name not in remove:
            out.append(n)
    del g.node[:]
    g.node.extend(out)
    if not any(o.domain == "com.microsoft" for o in m.opset_import):
        m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    _prune_dead(g)
    return m, len(new_nodes)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, help="model set folder holding dynamicvit.onnx")
    ap.add_argument("--out", type=Path, help="output folder (default: DIR)")
    ap.add_argument(
        "--static-counts",
        default="",
        help="RHO=K1,K2,K3;... keep counts baked into dynamicvit-k<RHO>.onnx (from src/engine)",
    )
    ap.add_argument("--no-static", action="store_true")
    ap.add_argument(
        "--fuse-gelu", action="store_true", help="write deit.onnx / dynamicvit.onnx with fused GELU to --out first"
    )
    a = ap.parse_args()
    out = a.out or a.dir
    out.mkdir(parents=True, exist_ok=True)
    src = a.dir / "dynamicvit.onnx"
    model = onnx.load(str(src))
    if a.fuse_gelu:
        if out.resolve() == a.dir.resolve():
            raise SystemExit("--fuse-gelu needs an --out folder other than DIR")
        for f in ("deit.onnx", "dynamicvit.onnx"):
            fused, n = fuse_gelu(onnx.load(str(a.dir / f)))
            (out / f).unlink(missing_ok=True)
            onnx.save(fused, str(out / f))
            print(f"{out / f}: {n} GELUs fused")
        model = onnx.load(str(out / "dynamicvit.onnx"))
    labels = classify_nodes(model)
    counts = {k: sum(1 for v in labels.values() if v == k) for k in ("backbone", "predictor", "selection")}
    (out / "node-classes.json").write_text(json.dumps({"counts": counts, "labels": labels}, indent=0))
    onnx.save(no_predictor(model), str(out / "dynamicvit-nopred.onnx"))
    written = ["dynamicvit-nopred.onnx"]
    if not a.no_static:
        for spec in [x for x in a.static_counts.split(";") if x]:
            r, ks = spec.split("=", 1)
            f = f"dynamicvit-k{float(r):.2f}.onnx"
            onnx.save(static_k(model, [int(k) for k in ks.split(",")]), str(out / f))
            written.append(f)
    print(f"{out}: {', '.join(written)}; nodes {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
