"""Write .pth files (valid and hostile) for the TypeScript checkpoint reader's tests, with what PyTorch reads.

Usage: python make_pth_fixtures.py OUT_DIR. Writes OUT_DIR/*.pth and OUT_DIR/expected.json:
{name: {"weights_only": "ok" | error text, "layout"?, "tensors"?: {key: {dtype, shape, values}}}}.
"""

import argparse
import io
import json
import os
import pickle
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import torch


class RunsAShellCommand:
    """Unpickling this would call os.system; pickling it calls nothing."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


class StorageStub:
    """Stands for storage data/<key> in a hand-made pickle (see crafted_pickle)."""

    def __init__(self, key: str, numel: int):
        self.key, self.numel = key, numel


class TensorStub:
    """A tensor of `size` elements over `storage`, written as torch writes one, but without any checks."""

    def __init__(self, storage: StorageStub, size: tuple[int, ...]):
        self.storage, self.size = storage, size

    def __reduce__(self):
        stride = tuple(int(torch.tensor(self.size[i + 1 :]).prod()) for i in range(len(self.size)))
        return (torch._utils._rebuild_tensor_v2, (self.storage, 0, self.size, stride, False, OrderedDict()))


def crafted_pickle(obj) -> bytes:
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=2)
    pickler.persistent_id = lambda o: (  # type: ignore[method-assign]
        ("storage", torch.FloatStorage, o.key, "cpu", o.numel) if isinstance(o, StorageStub) else None
    )
    pickler.dump(obj)
    return buf.getvalue()


def drop_member(src: Path, dst: Path, suffix: str) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if not info.filename.endswith(suffix):
                zout.writestr(info.filename, zin.read(info.filename))


def refusal(e: Exception) -> str:
    return f"refused: {type(e).__name__}: {' '.join(str(e).split())}"


def tensors_for_tests() -> OrderedDict:
    g = torch.Generator().manual_seed(0)
    base = torch.randn(6, 4, generator=g)
    sd = OrderedDict()
    sd["cls_token"] = torch.randn(1, 1, 8, generator=g)
    sd["blocks.0.attn.qkv.weight"] = torch.randn(24, 8, generator=g)
    sd["blocks.0.attn.qkv.bias"] = torch.randn(24, generator=g)
    sd["scalar"] = torch.tensor(1.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["bn.running_var"] = torch.rand(5, generator=g)
    sd["bn.num_batches_tracked"] = torch.tensor(123456789012, dtype=torch.int64)
    sd["view.top"] = base[:2]  # shares a storage, offset 0
    sd["view.bottom"] = base[3:]  # same storage, offset 12
    sd["view.transposed"] = base.t()  # strided, not contiguous
    return sd


def describe(sd) -> dict:
    return {
        k: {"dtype": str(v.dtype).removeprefix("torch."), "shape": list(v.shape), "values": v.flatten().tolist()}
        for k, v in sd.items()
    }


def replace_member(src: Path, dst: Path, suffix: str, data: bytes, method: int = zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            body = data if info.filename.endswith(suffix) else zin.read(info.filename)
            zout.writestr(
                info.filename, body, compress_type=method if info.filename.endswith(suffix) else zipfile.ZIP_STORED
            )


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    sd = tensors_for_tests()
    expected: dict[str, dict] = {}
    files: dict[str, object] = {
        "model.pth": {"model": sd, "epoch": 3, "best": 81.25, "notes": ["a", 2.5, None, True, False, 2**70, -(2**40)]},
        "bare.pth": sd,
        "state_dict.pth": {"state_dict": sd, "arch": "lvvit_s", "version": (1, 2)},
        "ddp.pth": {"model": OrderedDict((f"module.{k}", v) for k, v in sd.items())},
        "args.pth": {"model": sd, "args": argparse.Namespace(base_rate=0.7, model="deit-s")},
        "half.pth": {"model": OrderedDict(w=torch.ones(2, 2, dtype=torch.float16))},
        "not_tensors.pth": {"model": {"w": torch.ones(2), "lr": 0.1}},
    }
    for name, obj in files.items():
        torch.save(obj, out / name)
    torch.save(sd, out / "legacy.pth", _use_new_zipfile_serialization=False)

    good = (out / "model.pth").read_bytes()
    (out / "truncated.pth").write_bytes(good[: len(good) // 2])
    (out / "empty.pth").write_bytes(b"")
    (out / "noise.pth").write_bytes(bytes(range(256)) * 16)
    replace_member(
        out / "model.pth",
        out / "foreign_global.pth",
        "data.pkl",
        pickle.dumps({"model": RunsAShellCommand()}, protocol=2),
    )
    with zipfile.ZipFile(out / "model.pth") as z:
        pkl = z.read("model/data.pkl")
    replace_member(out / "model.pth", out / "deflated.pth", "data.pkl", pkl, zipfile.ZIP_DEFLATED)
    replace_member(out / "model.pth", out / "unaligned.pth", "data.pkl", pkl)  # members no longer 64-byte aligned
    drop_member(out / "model.pth", out / "missing_storage.pth", "data/1")
    overrun = crafted_pickle({"model": OrderedDict(w=TensorStub(StorageStub("0", 4), (10,)))})
    replace_member(out / "model.pth", out / "overrun.pth", "data.pkl", overrun)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a checkpoint")
    (out / "not_checkpoint.zip").write_bytes(buf.getvalue())

    for path in sorted(out.glob("*.pth")) + [out / "not_checkpoint.zip"]:
        entry: dict = {}
        try:
            raw = torch.load(path, map_location="cpu", weights_only=True)
            entry["weights_only"] = "ok"
            picked = next((raw[k] for k in ("model", "state_dict") if isinstance(raw.get(k), dict)), raw)
            entry["layout"] = next((k for k in ("model", "state_dict") if isinstance(raw.get(k), dict)), "bare")
            if all(isinstance(v, torch.Tensor) for v in picked.values()):
                entry["tensors"] = describe(picked)
        except Exception as e:  # noqa: BLE001 - any refusal is recorded as text
            entry["weights_only"] = refusal(e)
        expected[path.name] = entry
    (out / "expected.json").write_text(json.dumps(expected, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
