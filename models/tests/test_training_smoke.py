"""Smoke tests of the demo-model pipeline: generator determinism / masks / labels, and a few training steps
of the teacher and DynamicViT student phases on tiny shapes (embed_dim 16, depth 12, batch 2)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.data.emoji_classes import LABELS, NUM_CLASSES
from models.data.generate import COVERAGE_RANGE, generate, render_sample
from models.dynamicvit import DynamicVisionTransformer, VisionTransformer
from models.losses import dynamicvit_loss, ratio_loss
from models.train import demo_config


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny shapes: one intra-op thread is faster (and immune to a busy shared CPU)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_classes():
    assert NUM_CLASSES >= 20 and len(set(LABELS)) == NUM_CLASSES


def test_generator_deterministic_and_masks_in_range():
    for i in range(4):
        a, ma, la = render_sample(7, i)
        b, mb, lb = render_sample(7, i)
        assert a.shape == (224, 224, 3) and a.dtype == np.uint8 and ma.shape == (14, 14)
        assert np.array_equal(a, b) and np.array_equal(ma, mb) and la == lb
        assert 0 <= la < NUM_CLASSES
        assert COVERAGE_RANGE[0] <= ma.mean() <= COVERAGE_RANGE[1]
    assert not np.array_equal(render_sample(7, 0)[0], render_sample(8, 0)[0])


def test_generate_files(tmp_path):
    meta = generate(str(tmp_path / "d"), 3, seed=3)
    imgs = np.load(tmp_path / "d" / "images.npy")
    assert imgs.shape == (3, 224, 224, 3) and meta["complete"]
    assert np.array_equal(imgs[1], render_sample(3, 1)[0])


def test_ratio_loss_targets():
    d = [torch.full((2, 196), v) for v in (0.7, 0.49, 0.343)]
    assert ratio_loss(d, 0.7).item() == pytest.approx(0.0, abs=1e-6)


TINY = demo_config(
    {"embed_dim": 16, "num_heads": 2, "depth": 12, "patch_size": 16, "img_size": 224, "stages": 3}, keep_ratio=0.7
)


def test_teacher_and_student_steps():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 224, 224)
    y = torch.tensor([1, 3])
    teacher = VisionTransformer(TINY, 5)
    opt = torch.optim.AdamW(teacher.parameters(), lr=1e-3)
    for _ in range(2):
        loss = torch.nn.functional.cross_entropy(teacher(x), y)
        assert torch.isfinite(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
    teacher.eval()
    student = DynamicVisionTransformer(TINY, 5)
    assert student.pruning_loc == (3, 6, 9)
    missing, unexpected = student.load_state_dict(teacher.state_dict(), strict=False)
    assert not unexpected and all(k.startswith("score_predictor.") for k in missing)
    pred = [p for n, p in student.named_parameters() if n.startswith("score_predictor.")]
    before = [p.detach().clone() for p in pred]
    opt = torch.optim.AdamW([{"params": pred, "lr": 1e-3}], lr=1e-3)
    for _ in range(2):
        with torch.no_grad():
            f = teacher.forward_features(x)
        out = student.forward_train(x)
        parts = dynamicvit_loss(
            out.logits,
            out.patch_tokens,
            out.final_decision,
            out.stage_decisions,
            y,
            teacher.forward_head(f),
            f[:, 1:],
            keep_ratio=0.7,
        )
        assert torch.isfinite(parts.total)
        opt.zero_grad()
        parts.total.backward()
        opt.step()
    assert any(not torch.equal(a, b.detach()) for a, b in zip(before, pred, strict=True))
    out = student.forward_pruned(x, 0.7)
    assert [p.shape[1] for p in out.kept_positions] == [137, 96, 67]


def test_train_cli_resumes(tmp_path):
    from models.train import main

    data = tmp_path / "data"
    generate(str(data), 4, seed=5)
    common = [
        "--data",
        str(data),
        "--val",
        str(data),
        "--embed-dim",
        "16",
        "--heads",
        "2",
        "--batch",
        "2",
        "--log-every",
        "1",
        "--threads",
        "1",
        "--max-steps-this-run",
        "1",
    ]
    main(["teacher", "--out", str(tmp_path / "t"), *common])
    ck = torch.load(tmp_path / "t" / "ckpt.pth", weights_only=False)
    assert ck["step"] == 1
    main(["teacher", "--out", str(tmp_path / "t"), *common[:-1], "2"])
    assert torch.load(tmp_path / "t" / "ckpt.pth", weights_only=False)["step"] == 2
    main(
        [
            "student",
            "--teacher",
            str(tmp_path / "t" / "ckpt.pth"),
            "--out",
            str(tmp_path / "s"),
            "--freeze-backbone",
            "0",
            "--keep-ratio",
            "0.7",
            *common,
        ]
    )
    assert torch.load(tmp_path / "s" / "ckpt.pth", weights_only=False)["step"] == 1


def test_random_resized_crop_is_seeded_and_stays_in_range():
    from models.train import random_resized_crop

    x = torch.linspace(-1.0, 1.0, 224).expand(2, 3, 224, 224).contiguous()  # a horizontal ramp
    a = random_resized_crop(x, np.random.default_rng(3), 0.35)
    b = random_resized_crop(x, np.random.default_rng(3), 0.35)
    assert a.shape == x.shape and torch.equal(a, b)
    assert a.min() >= -1.0 and a.max() <= 1.0  # bilinear samples of the input, border-padded
    # a crop magnifies: the ramp's step per pixel shrinks to the box width, sqrt(area * aspect) >= sqrt(0.35 * 3/4)
    width = (a[:, 0, 0, 1:] - a[:, 0, 0, :-1]).mean(-1) / (x[:, 0, 0, 1:] - x[:, 0, 0, :-1]).mean(-1)
    assert ((width >= (0.35 * 0.75) ** 0.5 - 1e-4) & (width <= 1 + 1e-4)).all()
    assert not torch.allclose(a, x)


def test_student_continues_from_a_recovered_pair(tmp_path):
    """A recovered teacher carries stages 0 in its config: the student still gets its predictors, and a
    student started with --init-student records where it continued from."""
    from models.export_demo import phase_record
    from models.train import main

    data = tmp_path / "data"
    generate(str(data), 4, seed=5)
    teacher = VisionTransformer(TINY, NUM_CLASSES)
    cfg = {"embed_dim": 16, "num_heads": 2, "depth": 12, "patch_size": 16, "img_size": 224, "stages": 0}
    torch.save({"model": teacher.state_dict(), "config": {**cfg, "pruning_loc": []}}, tmp_path / "t.pth")
    student = DynamicVisionTransformer(TINY, NUM_CLASSES)
    student.load_state_dict(teacher.state_dict(), strict=False)
    torch.save({"model": student.state_dict(), "config": {**cfg, "stages": 3}}, tmp_path / "s.pth")
    common = ["--data", str(data), "--val", str(data), "--batch", "2", "--threads", "1", "--keep-ratio", "0.7"]
    main(
        ["student", "--teacher", str(tmp_path / "t.pth"), "--init-student", str(tmp_path / "s.pth")]
        + ["--out", str(tmp_path / "run"), "--max-steps-this-run", "1", *common]
    )
    ck = torch.load(tmp_path / "run" / "ckpt.pth", weights_only=False)
    assert ck["step"] == 1 and ck["config"]["pruning_loc"] == [3, 6, 9]
    earlier = {"steps": 10, "images_seen": 240, "wall_minutes": 2.0}
    rec = phase_record(ck, earlier)
    assert rec["continued_from"] == earlier and rec["images_seen_total"] == 242
    with pytest.raises(ValueError, match="previous-card"):
        phase_record(ck, None)
    recovered = torch.load(tmp_path / "s.pth", weights_only=False)
    assert phase_record(recovered, earlier) == earlier
    with pytest.raises(ValueError, match="previous-card"):
        phase_record(recovered, None)
