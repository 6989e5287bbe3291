from __future__ import annotations

import json
from pathlib import Path

from models.dynamicvit import keep_counts
from models.make_fixtures import keep_count_table

ROOT = Path(__file__).resolve().parents[2]


def test_official_counts() -> None:
    assert keep_counts(0.7, 196, 3) == [137, 96, 67]
    assert keep_counts(0.5, 196, 3) == [98, 49, 24]
    assert keep_counts(0.9, 196, 3) == [176, 158, 142]
    assert keep_counts(1.0, 196, 3) == [196, 196, 196]
    assert keep_counts(0.01, 196, 3) == [1, 1, 1]


def test_counts_follow_grid_and_stages() -> None:
    assert keep_counts(0.7, 144, 2) == [100, 70]  # 12 x 12 grid, two stages: int(144 * 0.7), int(144 * 0.49)
    assert keep_counts(0.5, 576, 4) == [288, 144, 72, 36]


def test_committed_table_is_current() -> None:
    committed = json.loads((ROOT / "tests/fixtures/keep_counts.json").read_text())
    assert committed == keep_count_table()
    rhos = [e["rho"] for e in committed["entries"]]
    assert rhos[0] == 0.3 and rhos[-1] == 1.0 and len(rhos) == 71
    n, stages = committed["num_patches"], committed["stages"]
    assert (n, stages) == (196, 3)
    for e in committed["entries"]:
        k = e["counts"]
        assert len(k) == stages and 1 <= k[2] <= k[1] <= k[0] <= n
