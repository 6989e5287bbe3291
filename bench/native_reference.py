"""Native onnxruntime (CPU EP) reference on the same ONNX files the browser loads.

python bench/native_reference.py --model-dir ID=DIR --counts ID@RHO=K1,K2,K3 [--batches-for ID=1,8,32]
    [--model-dir ...] [--rhos 0.7] [--threads 1,2] [--runs 20] [--max-seconds-per-cell 60] [--profile-rho 0.7]
    --out bench/work/results/native.json

Per model set, thread count, rho and batch size: one warm-up run each, then DeiT, DynamicViT (and, where present,
the no-predictor variant written by bench/variants.py) interleaved in rotating order, same input repeated to the
batch. Keep counts come from the caller (bench/run.mjs: src/engine's rule on the card), never computed here. Predictors' share two ways: (a) t(DynamicViT) - t(no-predictor variant) over t(DynamicViT); (b) ORT
profiling (enable_profiling) at --profile-rho: node kernel times of the optimised graph classified by
bench/variants.classify_nodes into backbone / predictor / selection.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))
from variants import classify_nodes  # noqa: E402


def summarize(xs: list[float]) -> dict:
    a = np.asarray(xs, dtype=np.float64)
    return {
        "n": int(a.size),
        "median": float(np.median(a)),
        "p10": float(np.quantile(a, 0.1)),
        "p90": float(np.quantile(a, 0.9)),
        "min": float(a.min()),
        "max": float(a.max()),
        "mean": float(a.mean()),
    }


def session(path: Path, threads: int, profile_prefix: str | None = None, optimized: str | None = None):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    if profile_prefix:
        so.enable_profiling = True
        so.profile_file_prefix = profile_prefix
    if optimized:
        so.optimized_model_filepath = optimized
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def feeds_for(sess, x: np.ndarray, counts: list[int]) -> dict:
    names = {i.name for i in sess.get_inputs()}
    f = {"pixel_values": x}
    for p, k in enumerate(counts, start=1):
        if f"keep_count_stage{p}" in names:
            f[f"keep_count_stage{p}"] = np.array([k], dtype=np.int64)
    return f


def timed(sess, feeds) -> float:
    t0 = time.perf_counter()
    sess.run(None, feeds)
    return (time.perf_counter() - t0) * 1e3


def bench_model(
    mid: str,
    d: Path,
    cells_wanted: list[tuple[float, int]],
    counts_of: dict[float, list[int]],
    threads: int,
    runs: int,
    max_s: float,
    image: np.ndarray,
    log,
) -> list[dict]:
    deit = session(d / "deit.onnx", threads)
    dvit = session(d / "dynamicvit.onnx", threads)
    nopred = session(d / "dynamicvit-nopred.onnx", threads) if (d / "dynamicvit-nopred.onnx").exists() else None
    cells = []
    for rho, batch in cells_wanted:
        counts = counts_of[rho]
        x = np.repeat(image, batch, axis=0)
        jobs = {"deit": (deit, {"pixel_values": x}), "dynamicvit": (dvit, feeds_for(dvit, x, counts))}
        if nopred:
            jobs["nopred"] = (nopred, feeds_for(nopred, x, counts))
        first = {k: timed(s, f) for k, (s, f) in jobs.items()}  # warm-up, excluded
        samples: dict[str, list[float]] = {k: [] for k in jobs}
        keys = list(jobs)
        t_start = time.perf_counter()
        for i in range(runs):
            order = keys[i % len(keys) :] + keys[: i % len(keys)]
            for k in order:
                samples[k].append(timed(*jobs[k]))
            if time.perf_counter() - t_start > max_s and i >= 2:
                break
        cell = {
            "rho": rho,
            "batch": batch,
            "keepCounts": counts,
            "firstRunMs": first,
            "samples": samples,
            "summary": {k: summarize(v) for k, v in samples.items()},
        }
        s = cell["summary"]
        cell["ratio"] = s["dynamicvit"]["median"] / s["deit"]["median"]
        if "nopred" in s:
            cell["predictorShareByDiff"] = (s["dynamicvit"]["median"] - s["nopred"]["median"]) / s["dynamicvit"][
                "median"
            ]
        cell["imagesPerSecond"] = {k: 1000 * batch / v["median"] for k, v in s.items()}
        log(
            f"native {mid} threads={threads} rho={rho} batch={batch}: deit {s['deit']['median']:.2f} ms, dvit {s['dynamicvit']['median']:.2f} ms, "
            f"ratio {cell['ratio']:.3f}"
            + (f", pred share(diff) {cell['predictorShareByDiff']:.3f}" if "nopred" in s else "")
            + f" ({len(samples['deit'])} runs)"
        )
        cells.append(cell)
    return cells


def profile_model(d: Path, rho: float, counts: list[int], threads: int, runs: int, x: np.ndarray) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        opt = os.path.join(tmp, "optimized.onnx")
        s = session(d / "dynamicvit.onnx", threads, os.path.join(tmp, "prof"), opt)
        f = feeds_for(s, x, counts)
        s.run(None, f)  # warm-up (profiled too: dropped below by run index)
        for _ in range(runs):
            s.run(None, f)
        events = json.load(open(s.end_profiling()))
        labels = classify_nodes(onnx.load(opt, load_external_data=False))
    # model_run events delimit runs; keep node events after the first model_run ends
    runs_ev = sorted((e for e in events if e.get("name") == "model_run"), key=lambda e: e["ts"])
    t_after = runs_ev[0]["ts"] + runs_ev[0]["dur"] if runs_ev else 0
    by_class = {"backbone": 0.0, "predictor": 0.0, "selection": 0.0, "unknown": 0.0}
    by_op: dict[str, float] = {}
    for e in events:
        if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time") or e["ts"] < t_after:
            continue
        n = e["name"][: -len("_kernel_time")]
        c = labels.get(n, "unknown")
        by_class[c] += e["dur"]
        op = e.get("args", {}).get("op_name", "?")
        by_op[f"{c}:{op}"] = by_op.get(f"{c}:{op}", 0.0) + e["dur"]
    total_nodes = sum(by_class.values())
    run_total = sum(e["dur"] for e in runs_ev[1:])
    return {
        "rho": rho,
        "threads": threads,
        "runs": runs,
        "nodeTimeUs": by_class,
        "nodeTotalUs": total_nodes,
        "runTotalUs": run_total,
        "share": {k: v / total_nodes for k, v in by_class.items() if total_nodes},
        "topOps": dict(sorted(by_op.items(), key=lambda t: -t[1])[:12]),
    }


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", action="append", required=True, help="ID=DIR")
    ap.add_argument("--counts", action="append", required=True, help="ID@RHO=K1,K2,...: keep counts per stage")
    ap.add_argument("--batches-for", action="append", default=[], help="ID=1,8,32 (default batch 1)")
    ap.add_argument("--rhos", default="0.7")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--max-seconds-per-cell", type=float, default=60)
    ap.add_argument("--profile-rho", type=float, default=0.7)
    ap.add_argument("--profile-runs", type=int, default=10)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    rhos = [float(r) for r in a.rhos.split(",") if r]
    counts: dict[str, dict[float, list[int]]] = {}
    for spec in a.counts:
        key, ks = spec.split("=", 1)
        mid, rho = key.rsplit("@", 1)
        counts.setdefault(mid, {})[float(rho)] = [int(k) for k in ks.split(",")]
    batches = {m: [int(b) for b in bs.split(",")] for m, bs in (spec.split("=", 1) for spec in a.batches_for)}
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    out = {
        "tool": "bench/native_reference.py",
        "onnxruntime": ort.__version__,
        "provider": "CPUExecutionProvider",
        "python": platform.python_version(),
        "cpu": cpu_name(),
        "cpuCount": os.cpu_count(),
        "loadavgStart": os.getloadavg(),
        "runsRequested": a.runs,
        "maxSecondsPerCell": a.max_seconds_per_cell,
        "models": {},
    }
    for spec in a.model_dir:
        mid, d = spec.split("=", 1)
        d = Path(d)
        size = json.loads((d / "dynamicvit.json").read_text())["preprocessing"]["crop_size"]
        x = np.random.default_rng(0).standard_normal((1, 3, size, size)).astype(np.float32)
        wanted = [(rho, b) for rho in rhos for b in batches.get(mid, [1])]
        entry: dict = {"dir": str(d), "threads": {}}
        for t in [int(v) for v in a.threads.split(",") if v]:
            entry["threads"][str(t)] = bench_model(
                mid, d, wanted, counts[mid], t, a.runs, a.max_seconds_per_cell, x, log
            )
        if a.profile_rho in counts[mid]:
            entry["profile"] = profile_model(d, a.profile_rho, counts[mid][a.profile_rho], 1, a.profile_runs, x)
        else:
            out["models"][mid] = entry
            continue
        sh = entry["profile"]["share"]
        log(
            f"native {mid} profile rho={a.profile_rho} 1 thread: predictor {sh['predictor']:.3f}, selection {sh['selection']:.3f}"
        )
        out["models"][mid] = entry
    out["loadavgEnd"] = os.getloadavg()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(out, indent=1))
    log(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
