"""The harmonize pipeline on a small table: values, codes, conservation, corrections."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pandas as pd
import pytest

import migharmony
from migharmony.errors import CrosswalkError, ValidationError
from pipeline_frames import SMALL_CROSSWALK

DATA = Path(__file__).parent / "data"


@pytest.fixture
def small() -> migharmony.HarmonizedResult:
    return migharmony.harmonize(DATA / "small_wide.csv", SMALL_CROSSWALK)


def test_values_codes_and_lineage(small: migharmony.HarmonizedResult) -> None:
    d = small.data.set_index("source_ref")
    assert d.loc["D2", "obs_value"] == 2_564_857
    assert d.loc["D2", "ref_area"] == "CIV"
    assert d.loc["D2", "time_period"] == "2019"
    assert d.loc["E2", "obs_value"] == 2_549_141
    assert d.loc["E2", "obs_status"] == "P"
    assert d.loc["E2", "caveats"] == "provisional"
    assert d.loc["D3", "obs_value"] == 1200.5
    assert d.loc["D3", "sex"] == "F"
    assert pd.isna(d.loc["E3", "obs_value"])
    assert d.loc["E3", "obs_status"] == "M"
    assert (small.data["migr_basis"] == "CIT").all()
    assert (small.data["age"] == "_T").all() and (small.data["age_low"] == 0).all()


def test_every_cell_once(small: migharmony.HarmonizedResult) -> None:
    refs = [*small.data["source_ref"], *small.rejected["source_ref"]]
    assert sorted(refs) == sorted(f"{c}{r}" for c in "DE" for r in (2, 3, 4))
    bad = small.rejected.set_index("source_ref").loc["E4"]
    assert bad["rule"] == "value-not-number"
    assert "=1+1" in bad["reason"]


def test_frame_source(small: migharmony.HarmonizedResult) -> None:
    frame = pd.read_csv(DATA / "small_wide.csv", sep=";", dtype=str, keep_default_na=False)
    again = migharmony.harmonize(frame, SMALL_CROSSWALK)
    pd.testing.assert_frame_equal(again.data.drop(columns="source_ref"),
                                  small.data.drop(columns="source_ref"))


def test_unmapped_label_is_rejected_with_the_key_to_add(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text((DATA / "small_wide.csv").read_text(encoding="utf-8")
                   + "Ghana;GH;Hommes;12;13\n", encoding="utf-8")
    result = migharmony.harmonize(src, SMALL_CROSSWALK)
    rej = result.rejected.set_index("source_ref")
    assert rej.loc["D5", "rule"] == "unmapped-ref_area"
    assert "dimensions.ref_area.map" in rej.loc["D5", "reason"]
    assert len(result.data) + len(result.rejected) == 8


def test_negative_value_is_rejected_not_raised(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text("Country;Code;Sex;2019;2020\nX;CI;Total;-5;6\n", encoding="utf-8")
    result = migharmony.harmonize(src, SMALL_CROSSWALK)
    assert result.rejected.set_index("source_ref").loc["D2", "rule"] == "value-negative"
    assert result.data["source_ref"].tolist() == ["E2"]


def test_key_collision_names_both_cells(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text("Country;Code;Sex;2019;2020\nA;CI;Total;1;2\nB;CI;Total;3;4\n",
                   encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        migharmony.harmonize(src, SMALL_CROSSWALK)
    assert "D2" in str(info.value) and "D3" in str(info.value)
    kept = migharmony.harmonize(src, SMALL_CROSSWALK, on_collision="reject")
    assert len(kept.data) + len(kept.rejected) == 4
    assert set(kept.rejected["rule"]) == {"duplicate-key"}


def test_correction_changes_exactly_the_named_cell(small: migharmony.HarmonizedResult) -> None:
    cw = copy.deepcopy(SMALL_CROSSWALK)
    cw["corrections"] = [{"cell": "D4", "value": 275240, "old_value": "275 239",
                          "reason": "typo found by the office", "by": "A. Statistician",
                          "date": "2026-11-30"}]
    fixed = migharmony.harmonize(DATA / "small_wide.csv", cw)
    before = small.data.set_index("source_ref")
    after = fixed.data.set_index("source_ref")
    changed = (before["obs_value"] != after["obs_value"]) & before["obs_value"].notna()
    assert changed[changed].index.tolist() == ["D4"]
    assert after.loc["D4", "obs_value"] == 275240
    assert "corrected" in after.loc["D4", "caveats"].split(";")
    lineage = fixed.metadata["corrections"][0]
    assert lineage["old_value"] == "275 239" and lineage["cell"] == "D4"
    assert lineage["reason"] == "typo found by the office"


def test_correction_of_a_missing_cell_is_a_crosswalk_error() -> None:
    cw = copy.deepcopy(SMALL_CROSSWALK)
    cw["corrections"] = [{"cell": "Z99", "value": 1, "reason": "x", "by": "y",
                          "date": "2026-11-30"}]
    with pytest.raises(CrosswalkError, match="Z99"):
        migharmony.harmonize(DATA / "small_wide.csv", cw)


def test_xlsx_formula_without_cached_value_is_reported(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "T"
    ws.append(["Country", "Code", "Sex", "2019", "2020"])
    ws.append(["A", "CI", "Total", 5, "=D2*2"])
    path = tmp_path / "f.xlsx"
    book.save(path)
    cw = copy.deepcopy(SMALL_CROSSWALK)
    cw["read"] = {"format": "xlsx", "sheet": "T", "header_rows": [1]}
    cw["columns"] = {"A": "country", "B": "code", "C": "sex_label"}
    cw["values"] = {"columns": "D:E", "headers": {"1": "time_period"}}
    result = migharmony.harmonize(path, cw)
    assert [p.where for p in result.problems] == ["T!E2"]
    rejected = result.rejected.set_index("source_ref").loc["T!E2"]
    assert rejected["rule"] == "uncached-formula"  # never read as an empty cell
    assert "=D2*2" in rejected["reason"] and "recalculate" in rejected["reason"]


def test_latin1_and_delimiter_are_detected(tmp_path: Path) -> None:
    src = tmp_path / "latin.csv"
    src.write_bytes((DATA / "small_wide.csv").read_text(encoding="utf-8")
                    .replace("=1+1", "1").encode("cp1252"))
    result = migharmony.harmonize(src, SMALL_CROSSWALK)
    assert len(result.data) == 6
    comma = tmp_path / "comma.csv"
    comma.write_text("Country,Code,Sex,2019,2020\nX,CI,Total,\"1 234,5\",2\n", encoding="utf-8-sig")
    assert migharmony.harmonize(comma, SMALL_CROSSWALK).data["obs_value"].tolist() == [1234.5, 2.0]


def test_copy_is_not_needed_for_shipped_examples(tmp_path: Path) -> None:
    # Harmonizing never modifies its source file.
    src = tmp_path / "s.csv"
    shutil.copy(DATA / "small_wide.csv", src)
    before = src.read_bytes()
    migharmony.harmonize(src, SMALL_CROSSWALK)
    assert src.read_bytes() == before


def test_result_displays_itself(small: migharmony.HarmonizedResult) -> None:
    text = repr(small)
    assert "Test office" in text and "CC0-1.0" in text
    assert "5 observations, 1 rejected" in text
    html = small._repr_html_()
    assert "<table" in html and "provisional" in html
    cav = small.caveats().set_index("caveat")
    assert cav.loc["provisional", "rows"] == 1


def test_every_problem_of_every_cell_is_collected(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text("Country;Code;Sex;2019;2020\nX;ZZ;Neither;abc;-4\nY;SN;Total;1;2\n",
                   encoding="utf-8")
    result = migharmony.harmonize(src, SMALL_CROSSWALK)
    problems = result.cell_problems
    assert sorted(problems.loc[problems["source_ref"] == "D2", "rule"]) == [
        "unmapped-ref_area", "unmapped-sex", "value-not-number"]
    assert problems.loc[(problems["source_ref"] == "D2") & (problems["rule"] ==
                        "unmapped-sex"), "value"].item() == "Neither"
    # E2 reads as a number, but -4 is negative: also reported with its unmapped codes
    assert "unmapped-ref_area" in set(problems.loc[problems["source_ref"] == "E2", "rule"])
    # one rejected row per cell (its first problem), each cell accounted once
    assert sorted(result.rejected["source_ref"]) == ["D2", "E2"]
    assert result.rejected.set_index("source_ref").loc["D2", "rule"] == "value-not-number"
    assert sorted(result.data["source_ref"]) == ["D3", "E3"]
