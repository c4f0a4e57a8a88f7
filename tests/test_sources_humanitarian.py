"""UNHCR demographics and IDMC displacement (HDX): every cell accounted for, no hashtag
row among the data, values equal to the source read independently with the csv module."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pandas as pd
import pytest

import migharmony

DATA = Path(__file__).resolve().parents[1] / "examples" / "data"
UNHCR = DATA / "unhcr_hdx_demographics.csv"
IDMC = DATA / "idmc_hdx_idps_download-displacement-data.csv"


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def cell(table: list[list[str]], ref: str) -> str:
    """The text of a cell named like 'H2' (column letters, 1-based row)."""
    letters, row = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()  # type: ignore[union-attr]
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return table[int(row) - 1][col - 1]


@pytest.fixture(scope="module")
def unhcr() -> migharmony.HarmonizedResult:
    return migharmony.harmonize(UNHCR, "unhcr-hdx-demographics")


@pytest.fixture(scope="module")
def idmc() -> migharmony.HarmonizedResult:
    return migharmony.harmonize(IDMC, "idmc-hdx-displacement")


def test_unhcr_every_cell_accounted_for(unhcr) -> None:  # type: ignore[no-untyped-def]
    table = rows(UNHCR)
    value_cols = [h for h in table[0] if re.match(r"^(Female|Male)_|^Total$", h)]
    assert len(value_cols) == 15
    assert len(unhcr.data) + len(unhcr.rejected) == (len(table) - 1) * 15
    for ref, value in zip(unhcr.data["source_ref"], unhcr.data["obs_value"], strict=True):
        assert float(cell(table, ref)) == value


def test_unhcr_sex_and_age_from_the_column_header(unhcr) -> None:  # type: ignore[no-untyped-def]
    d = unhcr.data
    row = d[(d.ref_area == "PAK") & (d.counterpart_area == "AFG") & (d.time_period == "2019")
            & (d.measure == "REF")].set_index(["sex", "age"])
    assert {"Y0T4", "Y5T11", "Y12T17", "Y18T59", "Y_GE60", "_U", "_T"} == set(
        row.loc["F"].index)
    assert row.loc[("_T", "_T"), "obs_value"] > 0
    assert row.loc[("F", "Y_GE60"), "age_low"] == 60


def test_unhcr_pseudo_codes() -> None:
    result = migharmony.harmonize(UNHCR, "unhcr-hdx-demographics")
    ukn_rows = {str(i + 1) for i, r in enumerate(rows(UNHCR)) if r[1] == "UKN"}
    row_of = result.data["source_ref"].str.replace(r"^[A-Z]+", "", regex=True)
    assert ukn_rows and set(result.data.loc[row_of.isin(ukn_rows), "counterpart_area"]) == {"_U"}
    # STA (stateless) does not occur in the shipped extract: a one-row table shows it.
    frame = pd.read_csv(UNHCR, dtype="str", keep_default_na=False).head(1)
    frame.loc[0, "ISO3CoO"] = "STA"
    assert set(migharmony.harmonize(frame, "unhcr-hdx-demographics").data[
        "counterpart_area"]) == {"STLS"}


def test_unhcr_zeros_not_disaggregated_are_marked(unhcr) -> None:  # type: ignore[no-untyped-def]
    table = rows(UNHCR)
    header = table[0]
    d = unhcr.data
    marked = d["caveats"].str.contains("zero-not-disaggregated")
    # Row 2: AFG IDP 2001, total 1,200,000 and every part 0 -> all 14 parts marked.
    assert table[1][header.index("Total")] == "1200000"
    row2 = d[d["source_ref"].str.fullmatch(r"[A-Z]+2")]
    assert marked[row2.index].sum() == 14
    assert not marked[row2[(row2.sex == "_T") & (row2.age == "_T")].index].any()
    assert (row2.loc[marked[row2.index], "obs_value"] == 0).all()  # the value stays as published
    # Row 5: IRQ REF 2001 has Female_18_59 = 5 = total: the male zeros are true zeros.
    assert table[4][header.index("Female_18_59")] == "5"
    row5 = d[d["source_ref"].str.fullmatch(r"[A-Z]+5")]
    assert not marked[row5.index].any()
    # Every marked cell is 0 in the source, and its row total is positive.
    for ref in d.loc[marked, "source_ref"]:
        r = int(re.sub(r"^[A-Z]+", "", ref))
        assert cell(table, ref) == "0" and float(table[r - 1][header.index("Total")]) > 0


def test_idmc_hashtag_row_is_never_data(idmc) -> None:  # type: ignore[no-untyped-def]
    table = rows(IDMC)
    assert table[1][0] == "#country+code"
    refs = pd.concat([idmc.data["source_ref"], idmc.rejected["source_ref"]])
    assert not refs.str.fullmatch(r"[A-Z]+[12]").any()
    assert not (idmc.data["ref_area"].str.startswith("#")).any()
    assert len(idmc.data) + len(idmc.rejected) == (len(table) - 2) * 4


def test_idmc_values_measures_and_abyei(idmc) -> None:  # type: ignore[no-untyped-def]
    table = rows(IDMC)
    d = idmc.data
    for ref, value in zip(d["source_ref"], d["obs_value"], strict=True):
        text = cell(table, ref)
        assert (text == "" and math.isnan(value)) or float(text) == value
    abyei = d[d.ref_area == "AB9"].set_index(["time_period", "measure", "cause"])
    assert abyei.loc[("2015", "IDP", "CONFLICT"), "obs_value"] == 82_000
    assert set(d["measure"]) == {"IDP", "DISPL_NEW"}
    assert set(d["cause"]) == {"CONFLICT", "DISASTER"}
    flows = d[d.measure == "DISPL_NEW"]
    assert set(flows["ref_date_type"]) == {"PERIOD"}
    assert set(d.loc[d.measure == "IDP", "ref_date_type"]) == {"DEC31"}
