"""Properties of harmonizing, on generated tables and crosswalks (hypothesis).

* Conservation: every source cell ends up exactly once, in ``data`` or in
  ``rejected``; the numbers read in add up to the numbers in ``data`` plus those
  of the rejected cells; every value equals the reading of the cell it names.
* Idempotence: a canonical table written by ``to_csv`` and harmonized again with
  the identity crosswalk ``migharmony-canonical-csv`` gives the same frame.
* Round trips: Parquet and CSV (with ``datapackage.json``) keep values and metadata.

Examples per property are modest for CI; ``MIGHARMONY_EXAMPLES=500`` runs more.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migharmony
from migharmony import schema
from migharmony.emit import read_parquet
from migharmony.values import parse_one
from strategies import (
    WideTable,
    canonical_frames,
    cell_ref,
    examples,
    wide_crosswalk,
    wide_tables,
)

FAST = settings(max_examples=examples(30), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def _harmonize(table: WideTable, folder: Path, **kwargs):
    path = table.write_csv(folder / "table.csv", **kwargs)
    return migharmony.harmonize(path, table.crosswalk, on_collision="reject")


def _reading(raw: str, cw) -> float | None:
    return parse_one(raw, symbols=cw.get("symbols"), flags=cw.get("flags")).value


@FAST
@given(wide_tables(), st.sampled_from([(",", "utf-8"), (";", "utf-8-sig"), ("\t", "cp1252")]))
def test_conservation(table: WideTable, dialect: tuple[str, str]) -> None:
    delimiter, encoding = dialect
    with tempfile.TemporaryDirectory() as tmp:
        try:
            result = _harmonize(table, Path(tmp), delimiter=delimiter, encoding=encoding)
        except UnicodeEncodeError:  # "—" has no cp1252 byte in some cells: not our concern
            return
    cw = table.crosswalk
    n_years = len(cw["values"]["columns"])
    expected = {cell_ref(r + 2, 2 + c): table.body[r][2 + c]
                for r in range(len(table.body)) for c in range(n_years)}
    data_refs = result.data["source_ref"].tolist()
    rejected_refs = result.rejected["source_ref"].tolist()
    # every cell exactly once
    assert sorted(data_refs + rejected_refs) == sorted(expected)
    assert not set(data_refs) & set(rejected_refs)
    assert result.metadata["counts"]["cells"] == len(expected)
    # every value is the reading of the cell it names
    for ref, value in zip(data_refs, result.data["obs_value"], strict=True):
        reading = _reading(expected[ref], cw)
        assert (reading is None and math.isnan(value)) or reading == value, (ref, expected[ref])
    # the sums balance
    total_in = math.fsum(v for raw in expected.values() if (v := _reading(raw, cw)) is not None)
    total_data = math.fsum(result.data["obs_value"].dropna())
    total_rejected = math.fsum(v for raw in result.rejected["source_value"]
                               if (v := _reading(raw, cw)) is not None)
    assert math.isclose(total_in, total_data + total_rejected, rel_tol=1e-12, abs_tol=1e-6)
    # rejected cells say why
    assert result.rejected["reason"].str.len().gt(0).all()
    assert result.rejected["rule"].str.len().gt(0).all()


@settings(max_examples=examples(15), deadline=None)
@given(wide_tables())
def test_harmonizing_a_dataframe_is_the_same_as_its_csv(table: WideTable) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        from_file = _harmonize(table, Path(tmp))
    frame = pd.DataFrame(table.body, columns=table.header, dtype=object)
    from_frame = migharmony.harmonize(frame, table.crosswalk, on_collision="reject")
    pd.testing.assert_frame_equal(from_file.data, from_frame.data)


def _canonical_round_trip(result, folder: Path):
    result.to_csv(folder / "data.csv")
    return migharmony.harmonize(folder / "data.csv", "migharmony-canonical-csv")


@settings(max_examples=examples(20), deadline=None)
@given(wide_tables(max_rows=10))
def test_idempotence_with_the_identity_crosswalk(table: WideTable) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first = _harmonize(table, Path(tmp))
        again = _canonical_round_trip(first, Path(tmp))
        third = _canonical_round_trip(again, Path(tmp) / "third")
    assert len(again.rejected) == 0, again.rejected.to_dict("records")
    pd.testing.assert_frame_equal(first.data, again.data)
    pd.testing.assert_frame_equal(again.data, third.data)


@settings(max_examples=examples(15), deadline=None)
@given(wide_tables(), st.sampled_from(["=x", "+1", "-", "@a", "\tt", "plain", "a;b"]))
def test_idempotence_keeps_statuses_flags_caveats_and_unit_mult(table: WideTable,
                                                                text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first = _harmonize(table, Path(tmp))
        data = first.data
        if len(data):
            # what a richer source sets: multiplier, counts, flags and caveats
            data["unit_mult"] = pd.array([3] * len(data), dtype="Int64")
            data["obs_count"] = pd.array(range(len(data)), dtype="Int64")
            data["obs_flags"] = text
            data["caveats"] = "estimated;source-note[12]"
            data["conf_status"] = "C"
            first.data = schema.conform(data)  # as harmonize gives them: codes categorical
        again = _canonical_round_trip(first, Path(tmp))
    assert len(again.rejected) == 0, again.rejected.to_dict("records")
    pd.testing.assert_frame_equal(first.data, again.data)


@settings(max_examples=examples(15), deadline=None)
@given(wide_tables())
def test_parquet_and_csv_round_trips_keep_values_and_metadata(table: WideTable) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = _harmonize(table, folder)
        result.to_parquet(folder / "data.parquet")
        back = read_parquet(folder / "data.parquet")
        result.to_csv(folder / "out" / "data.csv")
        package = json.loads((folder / "out" / "datapackage.json").read_text(encoding="utf-8"))
        csv_back = pd.read_csv(folder / "out" / "data.csv", dtype=str, keep_default_na=False)
    expected = json.loads(json.dumps(result.metadata, default=str))
    assert back.attrs["migharmony"] == expected
    assert package["migharmony"] == expected
    plain = result.data.copy()
    plain.attrs = {}
    back.attrs = {}
    pd.testing.assert_frame_equal(back, plain, check_dtype=False)
    assert list(csv_back.columns) == list(result.data.columns)
    assert [f["name"] for f in package["resources"][0]["schema"]["fields"]] == \
        list(result.data.columns)
    values = pd.to_numeric(csv_back["obs_value"].replace("", None))
    pd.testing.assert_series_equal(values, result.data["obs_value"], check_names=False,
                                   check_dtype=False)


def test_a_table_with_a_header_and_no_rows_is_empty_not_an_error(tmp_path) -> None:
    """Found by the conservation property: a header-only CSV raised ReadError (and so an
    empty result written by to_csv could not be read back)."""
    table = WideTable(rows=[["Area", "Sex", "1990"]], crosswalk=wide_crosswalk(["1990"]))
    result = _harmonize(table, tmp_path)
    assert len(result.data) == len(result.rejected) == 0
    again = _canonical_round_trip(result, tmp_path)
    pd.testing.assert_frame_equal(result.data, again.data)


def test_attributes_that_are_not_whole_numbers_reject_the_cell(tmp_path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(
        "ref_area,counterpart_area,time_period,measure,migr_basis,residence_rule,source_type,"
        "ref_date_type,pop_type,sex,age,obs_value,unit_measure,unit_mult,obs_status,"
        "conf_status,obs_flags,obs_count,caveats,source_id,source_ref\r\n"
        "AUT,_T,2020,STOCK,COB,_U,_U,_U,_T,_T,_T,5.0,PS,3,A,F,,,,x,A1\r\n"
        "BEL,_T,2020,STOCK,COB,_U,_U,_U,_T,_T,_T,6.0,PS,three,A,F,,,,x,A2\r\n"
        "FRA,_T,2020,STOCK,COB,_U,_U,_U,_T,_T,_T,,PS,0,ZZ,F,,2.5,,x,A3\r\n", encoding="utf-8")
    result = migharmony.harmonize(path, "migharmony-canonical-csv")
    assert result.data["ref_area"].tolist() == ["AUT"]
    assert result.data["unit_mult"].tolist() == [3]
    assert result.data["obs_value"].tolist() == [5.0]  # recorded, not multiplied again
    assert sorted(result.rejected["rule"]) == ["invalid-obs_count", "invalid-unit_mult"]


def test_attributes_must_read_named_columns() -> None:
    import pytest

    from migharmony.crosswalk import load
    from migharmony.errors import CrosswalkError

    cw = wide_crosswalk(["2020"], attributes={"obs_status": "status"})
    with pytest.raises(CrosswalkError, match=r"attributes\.obs_status reads 'status'"):
        load(cw)
    cw = wide_crosswalk(["2020"], attributes={"colour": "area"})
    with pytest.raises(CrosswalkError, match="unknown key 'colour'"):
        load(cw)


def test_the_identity_crosswalk_reads_a_real_harmonized_table(tmp_path) -> None:
    xlsx = Path(__file__).resolve().parents[1] / "examples" / "data" / \
        "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
    first = migharmony.harmonize(xlsx, "undesa-ims-2020-t1", on_collision="reject")
    assert len(first.data) > 5000
    again = _canonical_round_trip(first, tmp_path)
    pd.testing.assert_frame_equal(first.data, again.data)
    by_folder = migharmony.harmonize(tmp_path, "migharmony-canonical-csv")  # source.files
    pd.testing.assert_frame_equal(first.data, by_folder.data)


@settings(max_examples=examples(25), deadline=None)
@given(canonical_frames(max_rows=15))
def test_any_canonical_frame_survives_csv_and_the_identity_crosswalk(frame) -> None:
    from migharmony import schema
    from migharmony.result import HarmonizedResult

    assert len(schema.validate(frame)) == 0  # the strategy makes valid frames
    result = HarmonizedResult(data=frame, rejected=pd.DataFrame(), metadata={
        "source_id": "test", "source": {"licence": "CC0-1.0"}})
    with tempfile.TemporaryDirectory() as tmp:
        again = _canonical_round_trip(result, Path(tmp))
        result.to_parquet(Path(tmp) / "f.parquet")
        from_parquet = read_parquet(Path(tmp) / "f.parquet")
    assert len(again.rejected) == 0, again.rejected.to_dict("records")
    pd.testing.assert_frame_equal(frame, again.data)
    from_parquet.attrs = {}
    pd.testing.assert_frame_equal(frame, from_parquet)


def test_free_text_attributes_keep_their_spaces(tmp_path) -> None:
    """Found by the idempotence property: an obs_flags of '\\tt' came back as 't'."""
    table = WideTable(rows=[["Area", "Sex", "2020"], ["AUT", "Men", "1"]],
                      crosswalk=wide_crosswalk(["2020"]))
    first = _harmonize(table, tmp_path)
    first.data["obs_flags"] = "\tt "
    first.data["source_ref"] = " Table 1!C2"
    again = _canonical_round_trip(first, tmp_path)
    assert again.data["obs_flags"].tolist() == ["\tt "]
    assert again.data["source_ref"].tolist() == [" Table 1!C2"]


@settings(max_examples=examples(25), deadline=None)
@given(canonical_frames(max_rows=15), st.randoms(use_true_random=False))
def test_conform_is_idempotent_and_as_text_keeps_every_code(frame, rnd) -> None:
    # Rows shuffled and half dropped: categories must still be exactly the codes used,
    # sorted, and text and categorical views must hold the same values.
    rows = [i for i in range(len(frame)) if rnd.random() < 0.5]
    part = frame.iloc[rnd.sample(rows, len(rows))]
    once = schema.conform(part)
    pd.testing.assert_frame_equal(schema.conform(once), once)
    for name in schema.CATEGORICAL & set(once.columns):
        cats = once[name].cat.categories
        assert list(cats) == sorted(set(part[name].dropna().astype("str")))
    text = schema.as_text(once)
    assert not any(str(t) == "category" for t in text.dtypes)
    pd.testing.assert_frame_equal(schema.conform(text), once)


@settings(max_examples=examples(15), deadline=None)
@given(canonical_frames(max_rows=12), st.integers(0, 11))
def test_validation_leaves_the_frame_as_it_was(frame, row: int) -> None:
    """schema.validate lets pandera check the frame itself (no copy): it must report a
    broken cell and leave every column, dtype and attribute as they were."""
    from migharmony import schema

    if len(frame):  # one value made negative: a failure to report
        frame = frame.assign(obs_value=frame["obs_value"].abs())
        frame.loc[frame.index[row % len(frame)], "obs_value"] = -1.0
    frame.attrs = {"migharmony": {"source_id": "test"}}
    before = frame.copy(deep=True)
    failures = schema.validate(frame)
    assert len(failures) == (1 if len(frame) else 0)
    pd.testing.assert_frame_equal(frame, before)
    assert frame.attrs == before.attrs
