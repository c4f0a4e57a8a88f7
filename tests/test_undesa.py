"""UN DESA International Migrant Stock, Table 1, three editions: one vocabulary, three crosswalks.

Every check compares the harmonized frame with the workbook read independently
through openpyxl, cell by cell.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import migharmony

EXAMPLES = Path(__file__).parents[1] / "examples" / "data"
EDITIONS = {
    "2019": ("undesa_pd_2019_migrant_stock_total_dataset.xlsx", 17, 299, "F", "Z"),
    "2020": ("undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx", 12, 294, "F", "Z"),
    "2024": ("UN_DESA_IMS2024_stock_by_sex_and_destination.xlsx", 12, 298, "F", "AC"),
}


@pytest.fixture(scope="module", params=sorted(EDITIONS))
def edition(request: pytest.FixtureRequest) -> tuple[str, migharmony.HarmonizedResult]:
    year = request.param
    return year, migharmony.harmonize(EXAMPLES / EDITIONS[year][0], f"undesa-ims-{year}-t1")


@pytest.fixture(scope="module")
def r2020() -> migharmony.HarmonizedResult:
    return migharmony.harmonize(EXAMPLES / EDITIONS["2020"][0], "undesa-ims-2020-t1")


def _sheet(year: str) -> dict[str, object]:
    ws = openpyxl.load_workbook(EXAMPLES / EDITIONS[year][0], read_only=True,
                                data_only=True)["Table 1"]
    cells = {}
    for row in ws.iter_rows():
        for cell in row:
            if getattr(cell, "coordinate", None):
                cells[cell.coordinate] = cell.value
    return cells


def _one(data: pd.DataFrame, **key: str) -> pd.Series:
    mask = pd.Series(True, index=data.index)
    for column, value in key.items():
        mask &= data[column] == value
    rows = data[mask]
    assert len(rows) == 1, f"{len(rows)} rows for {key}"
    return rows.iloc[0]


def test_nigeria_2020_citizens_with_refugees_added(r2020) -> None:
    row = _one(r2020.data, ref_area="NGA", time_period="2020", sex="_T")
    assert row["obs_value"] == 1_308_568
    assert row["migr_basis"] == "CIT"
    caveats = row["caveats"].split(";")
    assert "refugees-added" in caveats and "basis-citizenship" in caveats


def test_cote_divoire_mixed_basis_has_a_caveat(r2020) -> None:
    row = _one(r2020.data, ref_area="CIV", time_period="2020", sex="_T")
    assert row["migr_basis"] not in ("COB", "CIT")
    assert "basis-mixed" in row["caveats"].split(";")
    assert "country of birth and citizenship" in " ".join(r2020.explain(row["caveats"]))


def test_france_carries_note_12_text(r2020) -> None:
    row = _one(r2020.data, ref_area="FRA", time_period="2020", sex="_T")
    assert "source-note[12]" in row["caveats"].split(";")
    notes = openpyxl.load_workbook(EXAMPLES / EDITIONS["2020"][0], read_only=True)["Notes"]
    note_12 = next(r[1] for r in notes.iter_rows(values_only=True) if r[0] in (12, "12"))
    assert " ".join(note_12.split()) in r2020.explain(row["caveats"])[-1]


def test_every_cell_exactly_once_and_equal_to_its_source(edition) -> None:
    year, result = edition
    _, first, last, c0, c1 = EDITIONS[year]
    cols = range(openpyxl.utils.column_index_from_string(c0),
                 openpyxl.utils.column_index_from_string(c1) + 1)
    expected = {f"Table 1!{openpyxl.utils.get_column_letter(c)}{r}"
                for r in range(first, last + 1) for c in cols}
    refs = [*result.data["source_ref"], *result.rejected["source_ref"]]
    assert len(refs) == len(set(refs)) == len(expected)
    assert set(refs) == expected
    if year in ("2019", "2020"):
        assert len(expected) == 5_943
    cells = _sheet(year)
    for ref, value in zip(result.data["source_ref"], result.data["obs_value"], strict=True):
        source = cells[ref.split("!")[1]]
        if isinstance(source, int | float):
            assert value == source, ref
        else:
            assert pd.isna(value) or value == 0, ref


def test_missing_and_rejected_cells_say_why(edition) -> None:
    _, result = edition
    assert result.rejected["reason"].str.len().gt(10).all()
    missing = result.data[result.data["obs_value"].isna()]
    assert (missing["obs_status"] == "O").all()  # SDMX: missing, no specific reason
    assert missing["caveats"].str.contains("not-available").all()


def test_duplicate_aggregate_rows_are_excluded_with_equal_figures(edition) -> None:
    year, result = edition
    cells = _sheet(year)
    excluded = result.rejected[result.rejected["reason"].str.contains("appears twice")]
    assert len(excluded)
    for ref, reason in zip(excluded["source_ref"], excluded["reason"], strict=True):
        col = re.match(r"Table 1!([A-Z]+)\d+", ref).group(1)
        assert re.search(r"rows? \d+", reason)  # the reason names the kept row
        kept = result.data[result.data["source_ref"].str.match(rf"Table 1!{col}\d+$")]
        assert cells[ref.split("!")[1]] in set(kept["obs_value"]) | {"..", None}


def test_type_of_data_sets_basis_in_every_edition(edition) -> None:
    _year, result = edition
    data = result.data
    assert set(data["migr_basis"]) <= {"COB", "CIT", "MIXED"}
    assert (data.loc[data["caveats"].str.contains("basis-citizenship"), "migr_basis"]
            == "CIT").all()
    assert (data.loc[data["caveats"].str.contains("basis-mixed"), "migr_basis"]
            == "MIXED").all()
    # The same country is comparable across editions: Nigeria is always a citizens count.
    nga = data[(data["ref_area"] == "NGA") & (data["sex"] == "_T")]
    assert set(nga["migr_basis"]) == {"CIT"}
    assert set(data.loc[data["ref_area"] == "M49_001", "sex"]) == {"_T", "M", "F"}


def test_editions_share_one_vocabulary() -> None:
    frames = {y: migharmony.harmonize(EXAMPLES / EDITIONS[y][0], f"undesa-ims-{y}-t1").data
              for y in EDITIONS}
    columns = {tuple(f.columns) for f in frames.values()}
    assert len(columns) == 1
    world = {y: _one(f, ref_area="M49_001", time_period="2015", sex="_T")["obs_value"]
             for y, f in frames.items()}
    # Revisions between editions are real (and modest): within 10 %.
    assert max(world.values()) / min(world.values()) < 1.1
