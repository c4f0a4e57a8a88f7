"""Cube readers: JSON-stat, SDMX-JSON, SDMX-CSV, SDMX-ML and Parquet give the same cells.

Each test writes a small cube in one format, harmonizes it with a crosswalk given
as a mapping, and checks the values, flags and locations against what it wrote.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import migharmony
from migharmony.crosswalk import load as load_crosswalk
from migharmony.cubes import cells_from_file, sniff_format
from migharmony.errors import CrosswalkError, ReadError

HERE = Path(__file__).resolve().parent


def crosswalk(fmt: str, geo: str = "geo", time: str = "time", **extra: Any) -> dict[str, Any]:
    """A crosswalk for a two-dimension cube (geo x time), Eurostat-style flags."""
    cw: dict[str, Any] = {
        "migharmony": "crosswalk/1", "id": f"test-{fmt}", "title": f"Test {fmt}",
        "source": {"producer": "Test", "licence": "CC0"},
        "definitions": {"measure": "STOCK", "migr_basis": "CIT"},
        "read": {"format": fmt},
        "columns": {geo: "geo_code", time: "period"},
        "dimensions": {"ref_area": {"from": "geo_code",
                                    "map": {"DE": "DEU", "EL": "GRC", "FR": "FRA"}},
                       "time_period": {"from": "period"}},
        "symbols": {"": {"obs_status": "O"}, ":": {"obs_status": "O"}},
        "flags": {"A": {}, "b": {"obs_status": "B"}, "e": {"obs_status": "E"},
                  "p": {"obs_status": "P"}, "E": {"obs_status": "E"},
                  "c": {"obs_status": "Q", "conf_status": "C"}},
    }
    cw.update(extra)
    return cw


def jsonstat(value: Any, status: Any = None, **more: Any) -> dict[str, Any]:
    doc = {"version": "2.0", "class": "dataset", "id": ["geo", "time"], "size": [2, 3],
           "dimension": {"geo": {"category": {"index": {"DE": 0, "EL": 1},
                                              "label": {"DE": "Germany", "EL": "Greece"}}},
                         "time": {"category": {"index": ["2019", "2020", "2021"]}}},
           "value": value}
    if status is not None:
        doc["status"] = status
    doc.update(more)
    return doc


def write(tmp_path: Path, name: str, doc: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("value", [
    [1, 2, 3, 4, None, 6],
    {"0": 1, "1": 2, "2": 3, "3": 4, "5": 6},
])
@pytest.mark.parametrize("status", [
    {"2": "bep", "4": ":"},
    [None, None, "bep", None, ":", None],
])
def test_jsonstat_values_and_status_as_list_or_dict(tmp_path: Path, value: Any,
                                                    status: Any) -> None:
    path = write(tmp_path, "cube.json", jsonstat(value, status))
    result = migharmony.harmonize(path, crosswalk("jsonstat"))
    data = result.data.set_index(["ref_area", "time_period"])
    assert len(result.data) == 6 and len(result.rejected) == 0
    assert data.loc[("DEU", "2021"), "obs_value"] == 3
    assert data.loc[("DEU", "2021"), "obs_flags"] == "bep"
    assert data.loc[("DEU", "2021"), "obs_status"] == "B"  # SDMX precedence: b before e, p
    assert data.loc[("GRC", "2020"), "obs_status"] == "O"
    assert pd.isna(data.loc[("GRC", "2020"), "obs_value"])
    assert data.loc[("GRC", "2021"), "source_ref"] == "value[5] (geo=EL, time=2021)"


def test_jsonstat_status_string_applies_to_every_value(tmp_path: Path) -> None:
    path = write(tmp_path, "cube.json", jsonstat([1, 2, 3, 4, 5, 6], "p"))
    result = migharmony.harmonize(path, crosswalk("jsonstat"))
    assert set(result.data["obs_status"]) == {"P"}


def test_jsonstat_unknown_flag_rejects_the_cell_with_a_reason(tmp_path: Path) -> None:
    path = write(tmp_path, "cube.json", jsonstat([1, 2, 3, 4, 5, 6], {"1": "x"}))
    result = migharmony.harmonize(path, crosswalk("jsonstat"))
    assert len(result.data) == 5
    assert result.rejected["source_ref"].tolist() == ["value[1] (geo=DE, time=2020)"]
    assert "declare it under `flags`" in result.rejected["reason"].iloc[0]


@pytest.mark.parametrize(("doc", "message"), [
    (jsonstat([1, 2, 3]), "3 entries"),
    (jsonstat({"9": 1}), "outside"),
    ({"foo": 1}, "not a JSON-stat dataset"),
    ({"class": "collection", "link": {}}, "collection"),
])
def test_jsonstat_errors_are_read_errors(tmp_path: Path, doc: Any, message: str) -> None:
    path = write(tmp_path, "cube.json", doc)
    with pytest.raises(ReadError, match=message):
        migharmony.harmonize(path, crosswalk("jsonstat"))


def test_unknown_column_names_the_available_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "cube.json", jsonstat([1, 2, 3, 4, 5, 6]))
    with pytest.raises(CrosswalkError, match=r"did you mean 'geo'"):
        migharmony.harmonize(path, crosswalk("jsonstat", geo="goe"))


def sdmx_json_series() -> dict[str, Any]:
    """An SDMX-JSON 1.0 message with series (REF_AREA) and observations (TIME_PERIOD)."""
    return {"header": {"id": "x"}, "dataSets": [{"action": "Information", "series": {
        "0": {"attributes": [0], "observations": {"0": [100, 0], "1": [110, 1]}},
        "1": {"attributes": [1], "observations": {"0": [None, None], "1": ["120", 0]}},
    }}], "structure": {
        "dimensions": {"series": [{"id": "REF_AREA", "values": [{"id": "DE"}, {"id": "FR"}]}],
                       "observation": [{"id": "TIME_PERIOD",
                                        "values": [{"id": "2020"}, {"id": "2021"}]}]},
        "attributes": {"series": [{"id": "UNIT_MULT", "values": [{"id": "0"}, {"id": "3"}]}],
                       "observation": [{"id": "OBS_STATUS",
                                        "values": [{"id": "A"}, {"id": "E"}]}]}}}


def test_sdmx_json_series_with_series_and_observation_attributes(tmp_path: Path) -> None:
    path = write(tmp_path, "msg.json", sdmx_json_series())
    assert sniff_format(path) == "sdmx-json"
    cw = crosswalk("sdmx-json", geo="REF_AREA", time="TIME_PERIOD",
                   rows=[{"from": "unit_mult", "map": {"0": {"unit_mult": 0},
                                                      "3": {"unit_mult": 3}}}])
    cw["columns"]["UNIT_MULT"] = "unit_mult"
    result = migharmony.harmonize(path, cw)
    data = result.data.set_index(["ref_area", "time_period"])
    assert data.loc[("DEU", "2021"), "obs_status"] == "E"
    assert data.loc[("FRA", "2021"), "obs_value"] == 120_000  # UNIT_MULT 3: thousands
    assert data.loc[("FRA", "2021"), "source_ref"] == "series 1 obs 1"
    assert pd.isna(data.loc[("FRA", "2020"), "obs_value"])
    assert len(result.data) + len(result.rejected) == 4


SDMX_CSV_1 = """DATAFLOW,geo,time,OBS_VALUE,OBS_STATUS
ESTAT:MIGR_POP1CTZ(1.0),DE,2020,10398022,
ESTAT:MIGR_POP1CTZ(1.0),EL,2020,,:
ESTAT:MIGR_POP1CTZ(1.0),FR,2020,5000,p
"""
SDMX_CSV_2 = """STRUCTURE;STRUCTURE_ID;ACTION;geo: Geopolitical entity;time: Time;OBS_VALUE;\
OBS_STATUS
dataflow;ESTAT:MIGR_POP1CTZ(1.0);I;DE: Germany;2020;10398022;
dataflow;ESTAT:MIGR_POP1CTZ(1.0);I;EL: Greece;2020;;:
dataflow;ESTAT:MIGR_POP1CTZ(1.0);I;FR: France;2020;5000;p
"""


@pytest.mark.parametrize("text", [SDMX_CSV_1, SDMX_CSV_2])
def test_sdmx_csv_1_and_2(tmp_path: Path, text: str) -> None:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    result = migharmony.harmonize(path, crosswalk("sdmx-csv"))
    data = result.data.set_index("ref_area")
    assert data.loc["DEU", "obs_value"] == 10_398_022
    assert data.loc["FRA", "obs_status"] == "P"
    assert data.loc["GRC", "obs_status"] == "O"
    assert data.loc["FRA", "source_ref"] == "row 4"  # the header is row 1


def test_sdmx_csv_refuses_an_ordinary_csv(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("geo,time,value\nDE,2020,1\n", encoding="utf-8")
    with pytest.raises(ReadError, match="ordinary CSV"):
        migharmony.harmonize(path, crosswalk("sdmx-csv"))


def test_parquet_long_table(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    pd.DataFrame({"geo": ["DE", "EL", "FR"], "time": ["2020"] * 3,
                  "value": [10398022.0, None, 5.0], "flag": ["", ":", "e"]}).to_parquet(path)
    cw = crosswalk("auto", read={"format": "auto", "value_column": "value",
                                 "status_column": "flag"})
    result = migharmony.harmonize(path, cw)
    data = result.data.set_index("ref_area")
    assert data.loc["DEU", "obs_value"] == 10_398_022
    assert data.loc["FRA", "obs_status"] == "E"
    assert data.loc["GRC", "obs_status"] == "O"
    assert data.loc["FRA", "source_ref"] == "row 3"


TEXT_VALUES = [None, "", ":", "12", " 1 234 ", "56 p", "7e", "abc", "nan", "3 c", "1.5"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(st.sampled_from(["DE", "EL", "FR", "XX", "", None]),
                               st.sampled_from(["2020", "2021", None]),
                               st.sampled_from(TEXT_VALUES),
                               st.sampled_from(["", "p", None])), min_size=1, max_size=30),
       with_flags=st.booleans())
@example(rows=[("DE", "2020", None, "p")], with_flags=True)  # a flag on a missing text
def test_parquet_texts_read_by_category_read_as_plain_texts(
        rows: list[tuple[Any, ...]], with_flags: bool) -> None:
    """Text columns of a Parquet table are read as categoricals (each distinct text
    once); what harmonize gives is what it gives for the same table read as plain
    texts, missing texts included."""
    from unittest import mock

    import pyarrow.parquet as pq

    geo, time, value, flag = zip(*rows, strict=True)
    frame = pd.DataFrame({"geo": geo, "time": time, "value": value, "flag": flag},
                         dtype="str")
    read = {"format": "parquet", "value_column": "value"}
    if with_flags:
        read["status_column"] = "flag"
    else:
        frame = frame.drop(columns="flag")
    cw = crosswalk("parquet", read=read, symbols={"": {"obs_status": "M"},
                                                  ":": {"obs_status": "O"}})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.parquet"
        frame.to_parquet(path)
        by_category = migharmony.harmonize(path, cw, on_collision="reject")
        plain_read = pq.read_table

        def read_plain(source: Any, **options: Any) -> Any:
            options.pop("read_dictionary", None)
            return plain_read(source, **options)

        with mock.patch.object(pq, "read_table", read_plain):
            plain = migharmony.harmonize(path, cw, on_collision="reject")
    pd.testing.assert_frame_equal(by_category.data, plain.data)
    pd.testing.assert_frame_equal(by_category.rejected, plain.rejected)


def test_parquet_text_columns_are_read_as_categoricals(tmp_path: Path) -> None:
    path = tmp_path / "table.parquet"
    pd.DataFrame({"geo": ["DE", "EL", None], "time": ["2020"] * 3,
                  "value": ["12", None, ":"]}, dtype="str").to_parquet(path)
    cells = cells_from_file(path, load_crosswalk(crosswalk(
        "parquet", read={"format": "parquet", "value_column": "value"}))).frame
    assert isinstance(cells["_raw"].dtype, pd.CategoricalDtype)
    assert isinstance(cells["geo_code"].dtype, pd.CategoricalDtype)
    assert cells["_raw"].isna().tolist() == [False, True, False]


def test_parquet_above_max_rows_is_refused_before_a_row_is_read(tmp_path: Path) -> None:
    from unittest import mock

    import pyarrow.parquet as pq

    path = tmp_path / "table.parquet"
    pd.DataFrame({"geo": ["DE", "EL", "FR"], "time": ["2020"] * 3,
                  "value": ["1", "2", "3"]}).to_parquet(path)
    cw = load_crosswalk(crosswalk("parquet", read={"format": "parquet", "value_column": "value",
                                                   "max_rows": 2}))
    with mock.patch.object(pq, "read_table", side_effect=AssertionError("rows were read")), \
            pytest.raises(ReadError, match=r"3 rows, above the limit of 2; set read\.max_rows"):
        cells_from_file(path, cw)
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ReadError, match="not a readable Parquet file"):
        cells_from_file(tmp_path / "broken.parquet", cw)


def test_parquet_without_value_column_says_which_key(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    pd.DataFrame({"geo": ["DE"], "time": ["2020"], "persons": [1.0]}).to_parquet(path)
    with pytest.raises(ReadError, match=r"read\.value_column"):
        cells_from_file(path, load_crosswalk(crosswalk("parquet")))


def test_sdmx_ml_generic_data_message() -> None:
    pytest.importorskip("pysdmx")
    result = migharmony.harmonize(HERE / "data" / "sdmx_ml_generic.xml",
                                  crosswalk("sdmx-ml", geo="REF_AREA", time="TIME_PERIOD"))
    data = result.data.set_index("time_period")
    assert data.loc["2020", "obs_value"] == 10_398_022
    assert data.loc["2020", "obs_status"] == "E"
    assert data.loc["2021", "source_ref"] == "obs 2"
