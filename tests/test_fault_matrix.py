"""The fault matrix of benchmarks/faults.py in its reduced form (first, middle and last
request; the first three local writes), run as separate `zotsync sync` processes: every faulted
run, followed by a fault-free one, ends exactly where a fault-free run ends."""

from __future__ import annotations

import sys

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

from faults import KINDS, run_matrix, table


@pytest.mark.parametrize("scenario", ["import", "two-way"])
def test_every_fault_converges_with_no_duplicate_and_no_lost_edit(scenario: str) -> None:
    rows = run_matrix([scenario], list(KINDS), quick=True, echo=lambda line: None)
    assert [row["fault"] for row in rows] == list(KINDS)
    assert all(row["runs"] >= 3 for row in rows)
    report = table(rows)
    for row in rows:
        assert row["converged"] == row["runs"], report
        assert row["duplicates"] == 0 and row["lost"] == 0 and row["stray"] == 0, report
