import json

from models.learning_curve import read_points, svg


def test_points_come_from_validation_events_in_order(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    events = [
        {"step": 20, "loss": 0.7},
        {"event": "checkpoint", "images_seen": 480, "val_acc": 0.97, "object_recall": [0.9, 0.8, 0.7]},
        {"event": "resume", "step": 20},
        {"event": "done", "images_seen": 960, "val_acc": 0.98, "object_recall": [0.92, 0.85, 0.78]},
    ]
    (run / "log.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    start = tmp_path / "start.json"
    start.write_text(
        json.dumps({"dynamicvit": {"per_ratio": {"0.7": {"top1": 0.96, "object_recall": [0.9, 0.8, 0.6]}}}})
    )
    points = read_points(run, start, "0.7")
    assert [p["images_seen"] for p in points] == [0, 480, 960]
    assert points[2]["object_recall"] == [0.92, 0.85, 0.78]
    drawing = svg(points, "t", 0.9)
    assert drawing.count("<polyline") == 4  # top-1 and three stages
    assert "recall after stage 3: 0.780 after 960 images" in drawing
