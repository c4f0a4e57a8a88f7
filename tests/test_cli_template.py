"""`migharmony template`: a filled template validates clean with its own crosswalk."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import openpyxl
import pytest

from migharmony.cli import main

pytestmark = pytest.mark.skipif(importlib.util.find_spec("migharmony.areas") is None,
                                reason="migharmony.areas is needed to resolve area codes")
CROSSWALK = "nso-stock-template"


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "template.xlsx"
    assert main(["template", "-c", CROSSWALK, "-o", str(path), "-q"]) == 0
    return path


def _codes(book: openpyxl.Workbook, header: str) -> list[str]:
    ws = book["Codes"]
    for col in ws.iter_cols(min_row=1):
        if col[0].value == header:
            return [c.value for c in col[1:] if c.value is not None]
    raise AssertionError(header)


def test_template_layout_dropdowns_and_instructions(template: Path) -> None:
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == ["Instructions", "Data", "Codes"]
    data = book["Data"]
    assert [c.value for c in data[1]] == ["Area (ISO3 code)", "Year", "Sex", "Age", "Basis",
                                          "Value", "Flag"]
    lists = {str(dv.sqref): dv.formula1 for dv in data.data_validations.dataValidation
             if dv.type == "list"}
    assert lists["A2:A501"].startswith("=Codes!$A$2")
    assert "NGA" in _codes(book, "Area (ISO3 code)")
    assert _codes(book, "Basis") == ["COB", "CIT", "MIXED"]
    assert set(_codes(book, "Sex")) >= {"F", "M", "_T"}
    text = " ".join(str(c.value) for row in book["Instructions"].iter_rows() for c in row
                    if c.value)
    assert "migharmony validate" in text and CROSSWALK in text


def test_filled_template_validates_clean(template: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture) -> None:
    book = openpyxl.load_workbook(template)
    areas, sexes = _codes(book, "Area (ISO3 code)"), _codes(book, "Sex")
    ages, bases = _codes(book, "Age"), _codes(book, "Basis")
    flags = _codes(book, "Flag")
    ws = book["Data"]
    rows = [("NGA", 2020, "_T", "_T", "CIT", 1308568, None),
            ("NGA", 2020, "F", "Y15T64", "CIT", 600000, "E"),
            ("GHA", 2019, "M", "65+", "COB", "..", None)]
    rows += [(areas[i * 7], 2000 + i, sexes[i % 3], ages[i % len(ages)], bases[i % 3],
              1000 + i, flags[i % len(flags)] if i % 2 else None) for i in range(20)]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value)
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    assert main(["validate", str(filled), "-c", CROSSWALK, "-f", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["errors"] == 0 and report["summary"]["warnings"] == 0
    assert report["summary"]["observations"] == len(rows)


def test_filled_template_with_mistakes_names_them(template: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    book = openpyxl.load_workbook(template)
    ws = book["Data"]
    for c, value in enumerate(("XXX", 2020, "_T", "_T", "COB", 5, None), start=1):
        ws.cell(2, c, value)
    for c, value in enumerate(("NGA", 2020, "F", "_T", "born abroad", -1, None), start=1):
        ws.cell(3, c, value)
    filled = tmp_path / "wrong.xlsx"
    book.save(filled)
    assert main(["validate", str(filled), "-c", CROSSWALK, "-f", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert {(p["location"]["ref"], p["rule"]) for p in problems} == {
        ("Data!A2", "unmapped-ref_area"), ("Data!E3", "unmapped-basis")}


def test_template_refuses_a_wide_crosswalk(tmp_path: Path,
                                           capsys: pytest.CaptureFixture) -> None:
    assert main(["template", "-c", "undesa-ims-2020-t1", "-o", str(tmp_path / "t.xlsx")]) == 2
    assert "one row per observation" in capsys.readouterr().err
