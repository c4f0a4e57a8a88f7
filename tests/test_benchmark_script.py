"""The benchmark script (issue 8) runs on a fresh machine and reports what the issue
asks for; it is run by hand for timings, so this only checks a tiny table end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.mark.skipif(not RUN.exists(), reason="benchmarks/ is not part of this checkout")
def test_benchmark_reports_the_required_figures_and_conserves_cells(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # the generated inputs are cached there
    out = subprocess.run([sys.executable, str(RUN), "--rows", "3000", "--repeat", "1",
                          "--json", "--batches", "--batch-rows", "1000"],
                         capture_output=True, text=True, env=env, timeout=300, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    print(report)  # shown when an assertion fails
    for key in ("rows", "harmonize_s", "floor_s", "ratio", "peak_mb", "frame_mb",
                "user_s", "sys_s", "floor_user_s", "floor_sys_s", "batches_s"):
        assert isinstance(report[key], int | float) and report[key] >= 0, key
    assert report["rows"] == 3000
    assert report["n_data"] + report["n_rejected"] == 3000  # every generated value, once
    assert report["n_rejected"] > 0  # the generator writes World rows the crosswalk excludes
    # harmonize over the floor (the seconds are rounded to 1 ms, the floor is ~20 ms here)
    assert report["ratio"] == pytest.approx(report["harmonize_s"] / report["floor_s"],
                                            rel=0.1)
    assert (tmp_path / "migharmony-bench" / "long-3000.csv").exists()


COMPARE = RUN.with_name("compare.py")


@pytest.mark.skipif(not COMPARE.exists(), reason="benchmarks/ is not part of this checkout")
def test_compare_runs_each_checkout_after_a_floor(tmp_path: Path) -> None:
    """benchmarks/compare.py, this checkout against itself on a tiny table: one floor
    run before each harmonize run, medians and ratios per checkout."""
    root = RUN.parents[1]
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    out = subprocess.run([sys.executable, str(COMPARE), str(root), "--rows", "3000",
                          "--rounds", "2", "--json"],
                         capture_output=True, text=True, env=env, timeout=300, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    print(report)
    assert set(report["checkouts"]) == {"this", str(root)}
    assert len(report["floor_runs_s"]) == 2 * 2  # rounds x checkouts
    for summary in report["checkouts"].values():
        assert len(summary["runs_s"]) == 2
        assert summary["ratio"] == pytest.approx(summary["harmonize_s"] / report["floor_s"],
                                                 rel=0.1)
        assert summary["peak_mb"] > 0 and summary["user_s"] >= 0
