"""Eurostat JSON-stat pair: foreign citizens (migr_pop1ctz) vs foreign-born (migr_pop3ctb).

Every check reads the JSON-stat file independently (plain json, row-major positions)
and compares with the harmonized frame, not with hard-coded outputs alone.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import migharmony

DATA = Path(__file__).resolve().parents[1] / "examples" / "data"


def source_value(name: str, **codes: str) -> tuple[float | None, str, int]:
    """(value, status, position) of one cell of a JSON-stat file, read with json only."""
    doc = json.loads((DATA / name).read_text(encoding="utf-8"))
    pos = 0
    for dim, size in zip(doc["id"], doc["size"], strict=True):
        index = doc["dimension"][dim]["category"]["index"]
        i = index[codes[dim]] if dim in codes else 0
        pos = pos * size + i
    value = doc["value"].get(str(pos)) if isinstance(doc["value"], dict) else doc["value"][pos]
    status = doc.get("status", {})
    flag = status.get(str(pos), "") if isinstance(status, dict) else status[pos] or ""
    return value, flag, pos


@pytest.fixture(scope="module")
def pop1() -> migharmony.HarmonizedResult:
    return migharmony.harmonize(DATA / "eurostat_migr_pop1ctz.json", "eurostat-migr_pop1ctz")


@pytest.fixture(scope="module")
def pop3() -> migharmony.HarmonizedResult:
    return migharmony.harmonize(DATA / "eurostat_migr_pop3ctb.json", "eurostat-migr_pop3ctb")


def one(result: migharmony.HarmonizedResult, area: str, year: str):  # type: ignore[no-untyped-def]
    rows = result.data.query("ref_area == @area and time_period == @year")
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_germany_2020_citizens_vs_born(pop1, pop3) -> None:  # type: ignore[no-untyped-def]
    cit, cob = one(pop1, "DEU", "2020"), one(pop3, "DEU", "2020")
    assert cit.obs_value == 10_398_022 == source_value("eurostat_migr_pop1ctz.json",
                                                        geo="DE", time="2020")[0]
    assert cob.obs_value == 15_040_708 == source_value("eurostat_migr_pop3ctb.json",
                                                        geo="DE", time="2020")[0]
    assert (cit.migr_basis, cob.migr_basis) == ("CIT", "COB")
    assert cit.ref_date_type == cob.ref_date_type == "JAN1"
    position = source_value("eurostat_migr_pop1ctz.json", geo="DE", time="2020")[2]
    assert cit.source_ref == f"value[{position}] (geo=DE, time=2020)"


def test_greece_is_grc_and_uk_is_gbr(pop1) -> None:  # type: ignore[no-untyped-def]
    areas = set(pop1.data["ref_area"])
    assert {"GRC", "GBR"} <= areas
    assert not {"EL", "UK"} & areas
    value, _, _ = source_value("eurostat_migr_pop1ctz.json", geo="EL", time="2019")
    assert one(pop1, "GRC", "2019").obs_value == value


def test_eu27_2021_keeps_all_flags(pop1) -> None:  # type: ignore[no-untyped-def]
    row = one(pop1, "EU27_2020", "2021")
    value, flags, _ = source_value("eurostat_migr_pop1ctz.json", geo="EU27_2020", time="2021")
    assert flags == "bep"
    assert row.obs_value == value
    assert set(row.obs_flags) == {"b", "e", "p"}
    assert row.obs_status == "B"  # a break ranks before estimated and provisional
    assert {"break-in-series", "estimated", "provisional"} <= set(row.caveats.split(";"))


@pytest.mark.parametrize(("name", "crosswalk"), [
    ("eurostat_migr_pop1ctz.json", "eurostat-migr_pop1ctz"),
    ("eurostat_migr_pop3ctb.json", "eurostat-migr_pop3ctb"),
])
def test_every_position_accounted_for(name: str, crosswalk: str) -> None:
    doc = json.loads((DATA / name).read_text(encoding="utf-8"))
    result = migharmony.harmonize(DATA / name, crosswalk)
    assert len(result.data) + len(result.rejected) == math.prod(doc["size"])
    # Each value equals the one at the position its source_ref names.
    values = doc["value"]
    for ref, value in zip(result.data["source_ref"], result.data["obs_value"], strict=True):
        pos = ref.split("]", 1)[0].removeprefix("value[")
        expected = values.get(pos)
        assert (expected is None and math.isnan(value)) or expected == value
    missing = result.data[result.data["obs_value"].isna()]
    assert len(missing) == math.prod(doc["size"]) - len(values)
    assert set(missing["obs_status"]) == {"O"}
