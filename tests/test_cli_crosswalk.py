"""`crosswalk new` drafts a loadable crosswalk; `crosswalk lint` finds what loading cannot."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from migharmony.cli import main
from migharmony.crosswalk import load
from migharmony.pipeline import harmonize

needs_areas = pytest.mark.skipif(importlib.util.find_spec("migharmony.areas") is None,
                                 reason="migharmony.areas is not merged")
TABLE = ("Country,Year,Sex,Citizenship,Persons\n"
         "Nigeria,2019,Male,Foreign,10\nGhana,2019,Female,Foreign,5\n"
         "France,2020,Total,National,7\nGermany,2020,Both sexes,Foreign,9\n"
         "Ghana,2020,Hommes et femmes?,Foreign,3\n")


@needs_areas
def test_draft_loads_once_todos_are_filled(tmp_path: Path) -> None:
    table = tmp_path / "stock.csv"
    table.write_text(TABLE, encoding="utf-8")
    draft = tmp_path / "draft.yaml"
    assert main(["crosswalk", "new", str(table), "-o", str(draft), "-q"]) == 0
    text = draft.read_text(encoding="utf-8")
    assert "TODO" in text
    assert "ref_area:\n    from: ref_area" in text  # the Country column resolved as areas
    assert '"Both sexes": _T' in text
    assert '"Hommes et femmes?": TODO' in text  # an unknown label is left for a person
    filled = text.replace('"Hommes et femmes?": TODO', '"Hommes et femmes?": _T')
    draft.write_text(filled, encoding="utf-8")
    cw = load(draft)
    result = harmonize(table, cw)
    assert len(result.data) == 5 and result.rejected.empty
    assert set(result.data["ref_area"]) == {"NGA", "GHA", "FRA", "DEU"}


def test_draft_detects_years_across_columns(tmp_path: Path) -> None:
    table = tmp_path / "wide.csv"
    table.write_text("Area,Sex,2015,2020\nNGA,M,1,2\nGHA,F,3,4\n", encoding="utf-8")
    assert main(["crosswalk", "new", str(table), "-o", str(tmp_path / "d.yaml"), "-q"]) == 0
    text = (tmp_path / "d.yaml").read_text(encoding="utf-8")
    assert 'columns: ["2015", "2020"]' in text and "1: time_period" in text


LINT_CW = r"""
migharmony: crosswalk/1
id: lint-demo
title: Lint demo
source: {producer: Demo office, licence: CC0}
definitions: {measure: STOCK}
read: {format: csv, header_rows: [1]}
columns: {country: area, year: year, sex: sex, age: age_label}
values: {columns: [value]}
dimensions:
  ref_area: {from: area, areas: {scheme: iso3}}
  time_period:
    from: year
    regex:
      - {pattern: '^(\d{4})$', code: '\1'}
      - {pattern: '^(20\d\d)$', code: '\1'}
  sex:
    from: sex
    map: {Men: M, Women: F, Total: _T}
  age:
    from: age_label
    regex:
      - {pattern: '^(\d+)-(\d+)$', code: 'Y\1T\2'}
      - {pattern: '^(\d+)\D+(\d+)$', code: 'Y\1T\2'}
      - {pattern: '^(\d+)\+$', code: 'Y_GE\1'}
      - {pattern: '^under (\d+)$', code: 'LT\1'}
"""


@needs_areas
def test_lint_finds_overlaps_shadowing_unknown_targets_unused_and_unmapped(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cw = tmp_path / "cw.yaml"
    cw.write_text(LINT_CW, encoding="utf-8")
    data = tmp_path / "t.csv"
    data.write_text("country,year,sex,age,value\nNGA,2020,Men,15-64,10\n"
                    "GHA,2020,Women,65+,5\nGHA,2020,Both,15 to 64,5\n", encoding="utf-8")
    assert main(["crosswalk", "lint", str(cw), "--data", str(data), "-f", "json"]) == 1
    found = {(f["rule"], f["severity"]) for f in json.loads(capsys.readouterr().out)}
    assert found >= {("regex-shadowed", "warning"), ("regex-overlap", "warning"),
                     ("target-not-in-vocabulary", "error"), ("unused-map-entry", "info"),
                     ("unmapped-label", "error")}


@needs_areas
def test_lint_of_shipped_crosswalk_is_clean(capsys: pytest.CaptureFixture) -> None:
    assert main(["crosswalk", "lint", "undesa-ims-2020-t1"]) == 0
    assert "0 error(s)" in capsys.readouterr().out
