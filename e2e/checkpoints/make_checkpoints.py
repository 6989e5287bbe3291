"""Random official-format checkpoints per release arch and what the Python export computes from them.

python e2e/checkpoints/make_checkpoints.py OUT_DIR ARCH [ARCH ...]
Writes OUT_DIR/<arch>/: dynamicvit_70.pth ({"model": sd}, as the DynamicViT releases), the teacher as its
release ships it (DeiT: {"model": sd} .pth; LV-ViT: a bare state dict .pth.tar), input.bin (one float32 NCHW
image, already normalised) and expected.json: logits and kept positions of the NORMAL export
(models/export.py's graphs, onnxruntime CPU) of the same files at rho 0.7, for the e2e to compare with.
Also OUT_DIR/hostile/: files each of which the page must refuse with its own message.
"""

import io
import json
import os
import pickle
import sys
import zipfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from models.checkpoint import load_checkpoint  # noqa: E402
from models.dynamicvit import CONFIGS, keep_counts  # noqa: E402
from models.export import export_pair  # noqa: E402
from models.make_fixtures import fixture_input, random_pair, save_official  # noqa: E402
from models.parity import count_feeds, session  # noqa: E402

RHO = 0.7


class RunsAShellCommand:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def write_arch(out: Path, arch: str) -> None:
    folder = out / arch
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "expected.json").exists():
        return
    dvit, twin = random_pair(CONFIGS[arch], 1000, seed=11)
    dpath = save_official(dvit, folder / "dynamicvit_70.pth")
    if CONFIGS[arch].backbone == "lvvit":
        tpath = folder / f"{arch}-teacher.pth.tar"
        torch.save(twin.state_dict(), tpath)
    else:
        tpath = save_official(twin, folder / f"{arch}-teacher.pth")
    exported = export_pair(
        load_checkpoint(dpath, "dynamicvit", keep_ratio=RHO),
        load_checkpoint(tpath, "deit"),
        out / "_onnx" / arch,
        keep_ratio=RHO,
        log=lambda *_: None,
    )
    x = fixture_input(dvit.cfg.img_size)
    (folder / "input.bin").write_bytes(x.tobytes())
    counts = keep_counts(RHO, dvit.cfg.num_patches, len(dvit.pruning_loc))
    dv = session(exported.out_dir / "dynamicvit.onnx").run(None, {"pixel_values": x, **count_feeds(counts)})
    de = session(exported.out_dir / "deit.onnx").run(None, {"pixel_values": x})
    expected = {
        "rho": RHO,
        "keep_counts": counts,
        "files": [dpath.name, tpath.name],
        "dynamicvit": {"logits": dv[0][0].tolist(), "kept_positions": [k[0].tolist() for k in dv[1:]]},
        "deit": {"logits": de[0][0].tolist()},
    }
    (folder / "expected.json").write_text(json.dumps(expected))


def write_hostile(out: Path) -> None:
    folder = out / "hostile"
    folder.mkdir(parents=True, exist_ok=True)
    good = torch.nn.Linear(4, 2).state_dict()
    torch.save({"model": good}, folder / "small.pth")
    data = (folder / "small.pth").read_bytes()
    (folder / "truncated.pth").write_bytes(data[: len(data) // 2])
    (folder / "empty.pth").write_bytes(b"")
    with zipfile.ZipFile(folder / "small.pth") as zin, zipfile.ZipFile(folder / "foreign-global.pth", "w") as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename.endswith("data.pkl"):
                body = pickle.dumps({"model": RunsAShellCommand()}, protocol=2)
            zout.writestr(info.filename, body)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes/readme.txt", "not a checkpoint")
    (folder / "not-a-checkpoint.pth").write_bytes(buf.getvalue())


if __name__ == "__main__":
    torch.set_num_threads(2)
    root = Path(sys.argv[1])
    for a in sys.argv[2:]:
        write_arch(root, a)
    write_hostile(root)
