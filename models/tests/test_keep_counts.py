from __future__ import annotations

import json
from pathlib import Path

from models.dynamicvit import keep_counts
from models.make_fixtures import keep_count_table

ROOT = Path(__file__).resolve().parents[2]


def test_official_counts() -> None:
    assert keep_counts(0.7) == [137, 96, 67]
    assert keep_counts(0.5) == [98, 49, 24]
    assert keep_counts(0.9) == [176, 158, 142]
    assert keep_counts(1.0) == [196, 196, 196]
    assert keep_counts(0.01) == [1, 1, 1]


def test_committed_table_is_current() -> None:
    committed = json.loads((ROOT / "tests/fixtures/keep_counts.json").read_text())
    assert committed == keep_count_table()
    rhos = [e["rho"] for e in committed["entries"]]
    assert rhos[0] == 0.3 and rhos[-1] == 1.0 and len(rhos) == 71
    for e in committed["entries"]:
        k = e["counts"]
        assert 1 <= k[2] <= k[1] <= k[0] <= 196
