"""Record-level tables, HXL rows, flags beside values and multi-flag precedence."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import xlrd

import migharmony
from migharmony.crosswalk import load as load_crosswalk
from migharmony.errors import CrosswalkError
from migharmony.records import compress_rows

DATA = Path(__file__).resolve().parents[1] / "examples" / "data"


def base(**more: Any) -> dict[str, Any]:
    cw: dict[str, Any] = {"migharmony": "crosswalk/1", "id": "test-records", "title": "Test",
                          "source": {"producer": "Test", "licence": "CC0"},
                          "definitions": {"measure": "IMM", "migr_basis": "PREV_RES"},
                          "read": {"format": "csv"}}
    cw.update(more)
    return cw


REGISTER = """person,municipality,year,sex,citizenship,weight
1,Kiel,2020,F,SYR,1.5
2,Kiel,2020,F,SYR,1.0
3,Kiel,2020,M,SYR,2.0
4,Kiel,2021,F,TUR,1.0
5,Kiel,2020,F,SYR,0.5
6,Kiel,2020,X,SYR,1.0
7,Kiel,2021,F,TUR,
"""


def register_cw(**records: Any) -> dict[str, Any]:
    return base(columns={"year": "year", "sex": "sex_code", "citizenship": "cit",
                         "weight": "weight"},
                records=records,
                dimensions={"ref_area": {"value": "DEU"},
                            "time_period": {"from": "year"},
                            "counterpart_area": {"from": "cit", "areas": {"scheme": "iso3"}},
                            "sex": {"from": "sex_code", "map": {"F": "F", "M": "M"}}})


def test_records_counted_each_once_or_rejected(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    result = migharmony.harmonize(path, register_cw(count=True))
    data = result.data.set_index(["time_period", "sex", "counterpart_area"])
    assert data.loc[("2020", "F", "SYR"), "obs_value"] == 3
    assert data.loc[("2020", "F", "SYR"), "obs_count"] == 3
    assert data.loc[("2020", "F", "SYR"), "source_ref"] == "rows 2-3, 6"
    assert data.loc[("2021", "F", "TUR"), "obs_count"] == 2
    # Record 6 has sex X, which the crosswalk does not map: rejected on its own.
    assert result.rejected["source_ref"].tolist() == ["row 7"]
    n_records = len(REGISTER.strip().splitlines()) - 1
    assert int(result.data["obs_count"].sum()) + len(result.rejected) == n_records


def test_records_weighted(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    result = migharmony.harmonize(path, register_cw(weight="weight"))
    data = result.data.set_index(["time_period", "sex", "counterpart_area"])
    assert data.loc[("2020", "F", "SYR"), "obs_value"] == 3.0  # 1.5 + 1.0 + 0.5
    # A record without a weight is rejected, not counted as 0.
    assert set(result.rejected["source_ref"]) == {"row 7", "row 8"}
    assert int(result.data["obs_count"].sum()) + len(result.rejected) == 7


def test_records_weight_must_be_a_named_column() -> None:
    with pytest.raises(CrosswalkError, match=r"records\.weight .wieght."):
        load_crosswalk(register_cw(weight="wieght"))


def test_compress_rows() -> None:
    assert compress_rows([7]) == "row 7"
    assert compress_rows([5, 2, 3, 4, 9]) == "rows 2-5, 9"


def test_idmc_disaster_events_summed_by_hazard() -> None:
    path = DATA / "idmc_gidd_disaster_events_AFG.csv"
    cw = base(
        id="test-idmc-events",
        definitions={"measure": "DISPL_NEW", "migr_basis": "_Z", "ref_date_type": "PERIOD"},
        columns={"iso3": "iso3", "year": "year", "hazard_type_name": "hazard",
                 "new_displacement": "figure"},
        records={"weight": "figure"},
        dimensions={"ref_area": {"from": "iso3", "areas": {"scheme": "iso3"}},
                    "time_period": {"from": "year"},
                    "hazard": {"from": "hazard", "description": "hazard type"}})
    result = migharmony.harmonize(path, cw)
    with path.open(encoding="utf-8", newline="") as handle:
        events = list(csv.DictReader(handle))
    assert int(result.data["obs_count"].sum()) + len(result.rejected) == len(events)
    expected: dict[tuple[str, str], float] = {}
    for e in events:
        if e["new_displacement"]:
            key = (e["year"], e["hazard_type_name"])
            expected[key] = expected.get(key, 0) + float(e["new_displacement"])
    got = {(r.time_period, r.hazard): r.obs_value for r in result.data.itertuples()}
    assert got == expected


HXL_TABLE = """Country,Year,Refugees,IDPs
#country+code,#date+year,#affected+refugees,#affected+idps
SDN,2020,10,20
AB9,2020,,5
"""


def test_hxl_row_detected_and_hashtags_name_columns(tmp_path: Path) -> None:
    path = tmp_path / "hxl.csv"
    path.write_text(HXL_TABLE, encoding="utf-8")
    cw = base(definitions={"measure": "IDP", "migr_basis": "_Z"},
              columns={"#country+code": "iso3", "Year": "year"},
              values={"columns": ["#affected+idps"]},
              dimensions={"ref_area": {"from": "iso3", "areas": {"scheme": "auto"}},
                          "time_period": {"from": "year"}})
    result = migharmony.harmonize(path, cw)
    assert result.data["source_ref"].tolist() == ["D3", "D4"]
    assert result.data["ref_area"].tolist() == ["SDN", "AB9"]
    assert result.data["obs_value"].tolist() == [20, 5]


def test_hxl_pattern_matching_several_columns_must_pick_one(tmp_path: Path) -> None:
    path = tmp_path / "hxl.csv"
    path.write_text(HXL_TABLE, encoding="utf-8")
    cw = base(columns={"#affected": "figure", "#country+code": "iso3"},
              values={"columns": ["#affected+idps"]},
              dimensions={"ref_area": {"from": "iso3", "areas": {"scheme": "auto"}}})
    with pytest.raises(CrosswalkError, match="matches several columns"):
        migharmony.harmonize(path, cw)


def test_tgm_flags_right_of_values_and_multi_flag_precedence() -> None:
    book = xlrd.open_workbook(str(DATA / "eurostat_tgm_tps00157.xls"))
    sheet = book.sheet_by_index(0)
    result = migharmony.harmonize(DATA / "eurostat_tgm_tps00157.xls", "eurostat-tgm-tps00157")
    assert len(result.data) + len(result.rejected) == (43 - 4 + 1) * 12  # legend row excluded
    d = result.data
    for ref, value, flags in zip(d["source_ref"], d["obs_value"], d["obs_flags"], strict=True):
        col, row = ref.split("!")[1][0], int(ref.split("!")[1][1:])
        c = ord(col) - 65
        raw = sheet.cell_value(row - 1, c)
        flag = sheet.cell_value(row - 1, c + 1).strip("()")
        assert (raw == ":" and math.isnan(value)) or raw == value
        assert flags == (":" if raw == ":" else "") + flag or flags == flag
    eu = d[(d.ref_area == "EU27_2007") & (d.time_period == "2011")].iloc[0]
    assert (eu.obs_value, eu.obs_flags, eu.obs_status) == (20502067, "bdp", "B")
    assert {"break-in-series", "definition-differs", "provisional"} <= set(eu.caveats.split(";"))
    bel = d[(d.ref_area == "BEL") & (d.time_period == "2006")].iloc[0]
    assert (bel.obs_value, bel.obs_status) == (900473, "E")
    assert not d["ref_area"].str.contains("not available").any()


@pytest.mark.parametrize(("flags", "primary"), [("bep", "B"), ("ep", "E"), ("pe", "E"),
                                                ("up", "P"), ("du", "D")])
def test_multi_flag_precedence(flags: str, primary: str) -> None:
    from migharmony.values import parse

    cw = load_crosswalk("eurostat-migr_pop1ctz")
    out = parse(pd.Series([f"12 {flags}"]), symbols=cw.section("symbols"),
                flags=cw.section("flags"))
    assert out["obs_flags"].iloc[0] == flags
    assert out["obs_status"].iloc[0] == primary


def test_eipre_needs_only_a_crosswalk() -> None:
    path = DATA / "eurostat_migr_eipre.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    result = migharmony.harmonize(path, "eurostat-migr_eipre")
    assert len(result.data) + len(result.rejected) == math.prod(doc["size"])
    values = doc["value"]
    for ref, value in zip(result.data["source_ref"], result.data["obs_value"], strict=True):
        expected = values.get(ref.split("]", 1)[0].removeprefix("value["))
        assert (expected is None and math.isnan(value)) or expected == value
    d = result.data
    assert set(d["measure"]) == {"IRREG_PRES"}
    assert {"reason", "apprehension"} <= set(d.columns)
    flagged = d[d["obs_flags"] != ""]
    assert set("".join(flagged["obs_flags"])) <= {"b", "d"}
    assert set(flagged["obs_status"]) <= {"B", "D"}
