"""`migharmony validate`: the must-shows of issue 7 on the UN DESA 2020 workbook.

The corrupted copy has three bad cells on sheet 'Table 1':

* H81 (Burkina Faso, 1995 both sexes): text, '12 thousand';
* L81 (Burkina Faso, 2015 both sexes): a negative value, -5;
* D50 (South Sudan's Location code; ref_area comes from column D): 99999, which is
  no M49 area, so the whole row is rejected: the report names D50 once, not its 21
  value cells.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from migharmony.cli import main

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "examples" / "data" / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
CROSSWALK = "undesa-ims-2020-t1"
CORRUPTED = {"H81": "12 thousand", "L81": -5, "D50": 99999}
EXPECTED = {"Table 1!H81": "value-not-number", "Table 1!L81": "value-negative",
            "Table 1!D50": "unmapped-ref_area"}

needs_areas = pytest.mark.skipif(importlib.util.find_spec("migharmony.areas") is None,
                                 reason="migharmony.areas (the areas branch) is not merged")


@pytest.fixture(scope="module")
def corrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("submission") / "t1-corrupted.xlsx"
    book = openpyxl.load_workbook(WORKBOOK)
    for ref, value in CORRUPTED.items():
        book["Table 1"][ref] = value
    book.save(path)
    return path


@pytest.fixture(scope="module")
def json_report(corrupted: Path, tmp_path_factory: pytest.TempPathFactory
                ) -> tuple[int, dict, Path]:
    out = tmp_path_factory.mktemp("reports")
    code = main(["validate", str(corrupted), "-c", CROSSWALK, "--format", "json",
                 "-o", str(out / "report.json"), "--annotate", str(out / "marked.xlsx"), "-q"])
    return code, json.loads((out / "report.json").read_text(encoding="utf-8")), out


@needs_areas
def test_corrupted_cells_are_errors_named_by_sheet_and_cell(json_report: tuple) -> None:
    code, report, _ = json_report
    assert code == 1
    assert report["report"] == "migharmony-validation/1"
    assert report["summary"]["status"] == "fail"
    errors = {p["location"]["ref"]: p for p in report["problems"] if p["severity"] == "error"}
    assert {ref: p["rule"] for ref, p in errors.items()} == EXPECTED
    for ref, problem in errors.items():
        sheet, cell = ref.split("!")
        assert problem["location"]["sheet"] == sheet
        assert problem["location"]["cell"] == cell
        assert problem["expected"] and problem["fix"] and problem["message"]
    assert errors["Table 1!H81"]["value"] == "12 thousand"
    assert errors["Table 1!L81"]["value"] == "-5"
    assert errors["Table 1!D50"]["value"] == "99999"
    assert errors["Table 1!D50"]["location"]["column_name"] == "Location code"
    assert len(errors["Table 1!D50"]["affected"]) == 21  # F50:Z50


@needs_areas
def test_excluded_rows_are_notes_not_errors(json_report: tuple) -> None:
    _, report, _ = json_report
    notes = [p for p in report["problems"] if p["rule"].startswith("excluded-")]
    assert notes and all(p["severity"] == "info" for p in notes)
    assert report["rules"]["excluded-row"]["severity"] == "info"


@needs_areas
def test_json_report_follows_its_schema(json_report: tuple) -> None:
    import jsonschema

    schema = json.loads((ROOT / "src" / "migharmony" / "report_schema.json").read_text())
    jsonschema.validate(json_report[1], schema)


@needs_areas
def test_annotated_copy_comments_exactly_the_reported_cells(json_report: tuple,
                                                           corrupted: Path) -> None:
    _, report, out = json_report
    marked = openpyxl.load_workbook(out / "marked.xlsx")
    original = openpyxl.load_workbook(corrupted)
    commented = {f"{ws.title}!{c.coordinate}" for ws in marked.worksheets
                 for row in ws.iter_rows() for c in row if c.comment is not None}
    named = {p["location"]["ref"] for p in report["problems"] if p["severity"] != "info"}
    assert commented == set(EXPECTED) == named
    assert "not a number" in marked["Table 1"]["H81"].comment.text
    # No other cell changed: every value of every sheet is the same.
    for ws in original.worksheets:
        other = marked[ws.title]
        for row in ws.iter_rows():
            for c in row:
                assert other[c.coordinate].value == c.value, f"{ws.title}!{c.coordinate}"
    assert marked["Table 1"]["H81"].fill.fgColor.rgb.endswith("F4B6B2")
    assert original["Table 1"]["H81"].comment is None  # the submitted file is untouched


@needs_areas
def test_original_workbook_validates_clean(tmp_path: Path, capsys: pytest.CaptureFixture
                                           ) -> None:
    copy = tmp_path / WORKBOOK.name
    shutil.copy(WORKBOOK, copy)
    assert main(["validate", str(copy), "-c", CROSSWALK]) == 0
    out = capsys.readouterr().out
    assert "PASSED: 0 errors" in out


@needs_areas
def test_text_report_lists_errors_with_fixes(corrupted: Path,
                                             capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", str(corrupted), "-c", CROSSWALK]) == 1
    out = capsys.readouterr().out
    assert out.startswith("migharmony validate: FAILED: 3 errors")
    for ref in EXPECTED:
        assert ref in out
    assert "fix:" in out


@needs_areas
def test_html_report_is_self_contained(corrupted: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["validate", str(corrupted), "-c", CROSSWALK, "-o", str(out), "-q"]) == 1
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "FAILED: 3 errors" in page
    assert page.index("id='summary'") < page.index("id='problems'")
    assert "type='search'" in page
    # Nothing is fetched: no external scripts, styles, images or fonts.
    for forbidden in ("<link", "src=", "url(", "@import"):
        assert forbidden not in page
    assert "default-src 'none'" in page


def test_annotate_refuses_csv(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    code = main(["validate", str(csv), "-c", CROSSWALK, "--annotate", str(tmp_path / "x.xlsx")])
    assert code == 2
    err = capsys.readouterr().err
    assert "--annotate" in err and "--format html" in err and "Traceback" not in err


@pytest.mark.parametrize(("argv", "needle"), [
    (["validate", "missing.xlsx", "-c", CROSSWALK], "not found"),
    (["validate", str(WORKBOOK), "-c", "no-such-crosswalk"], "no shipped crosswalk"),
    (["validate", str(WORKBOOK), "-c", "missing.yaml"], "not found"),
])
def test_bad_input_gives_exit_2_and_a_message(argv: list[str], needle: str,
                                              capsys: pytest.CaptureFixture) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_unreadable_layout_is_a_report_not_a_traceback(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Table 1"
    book.active["A1"] = "nothing here"
    path = tmp_path / "empty.xlsx"
    book.save(path)
    assert main(["validate", str(path), "-c", CROSSWALK, "-f", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["problems"][0]["rule"] == "read-error"
