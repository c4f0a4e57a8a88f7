"""A cell with several problems is reported once per problem (one run, every fix)."""

from __future__ import annotations

from pathlib import Path

from migharmony.report import validate
from pipeline_frames import SMALL_CROSSWALK


def test_report_lists_each_problem_of_a_cell(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text("Country;Code;Sex;2019;2020\nX;SN;Neither;abc;1\n", encoding="utf-8")
    report = validate(src, SMALL_CROSSWALK)
    rules = sorted({f.rule for f in report.errors})
    assert rules == ["unmapped-sex", "value-not-number"]
    not_number = [f for f in report.errors if f.rule == "value-not-number"]
    assert [f.location.ref for f in not_number] == ["D2"]
    assert report.exit_code == 1
