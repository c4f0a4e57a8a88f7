"""Writers keep values and metadata: Parquet, CSV + Data Package, SDMX-CSV, Excel."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import migharmony
from migharmony.emit import read_parquet
from pipeline_frames import SMALL_CROSSWALK
from strategies import canonical_frames, examples

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def result() -> migharmony.HarmonizedResult:
    return migharmony.harmonize(DATA / "small_wide.csv", SMALL_CROSSWALK)


def test_parquet_round_trip_keeps_values_and_metadata(result, tmp_path: Path) -> None:
    path = result.to_parquet(tmp_path / "out.parquet")
    back = read_parquet(path)
    pd.testing.assert_frame_equal(back.reset_index(drop=True), result.data, check_dtype=False,
                                  check_like=False)
    meta = back.attrs["migharmony"]
    assert meta["source"]["producer"] == "Test office"
    assert meta["definitions"]["migr_basis"] == "CIT"
    assert meta["crosswalk"]["id"] == "test-small-wide"
    assert meta["vocabulary_version"] == migharmony.vocab.version()


def test_parquet_keeps_statistics_where_readers_filter(result, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from migharmony import schema

    path = result.to_parquet(tmp_path / "out.parquet")
    group = pq.ParquetFile(path).metadata.row_group(0)
    columns = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    data = result.data
    for name in (*schema.KEY, "obs_value", "age_low", "age_high"):
        stats = columns[name].statistics
        assert stats is not None, name
        assert stats.has_min_max == bool(data[name].notna().any()), name
    assert columns["obs_value"].statistics.min == data["obs_value"].min()
    assert columns["ref_area"].statistics.max == data["ref_area"].astype(str).max()
    for name in ("source_ref", "caveats", "obs_flags"):
        stats = columns[name].statistics
        assert stats is None or not stats.has_min_max, name
    assert "RLE_DICTIONARY" not in columns["source_ref"].encodings
    assert "RLE_DICTIONARY" in columns["ref_area"].encodings


def test_csv_writes_a_valid_data_package(result, tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    path = result.to_csv(tmp_path / "out.csv")
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC0-1.0"
    assert package["migharmony"]["definitions"]["residence_rule"] == "R12"
    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])
    back = pd.read_csv(path, dtype={"time_period": str})
    assert back["obs_value"].sum() == pytest.approx(result.data["obs_value"].sum())


def test_sdmx_csv_is_read_back_by_an_sdmx_library(result, tmp_path: Path) -> None:
    pysdmx_io = pytest.importorskip("pysdmx.io")
    path = result.to_sdmx_csv(tmp_path / "out.sdmx.csv")
    message = pysdmx_io.read_sdmx(str(path))
    frame = message.data[0].data
    assert len(frame) == len(result.data)
    assert set(frame["REF_AREA"]) == set(result.data["ref_area"])
    values = [float(v) for v in frame["OBS_VALUE"] if str(v) not in ("", "nan", "<NA>")]
    assert sum(values) == pytest.approx(result.data["obs_value"].sum())


def test_excel_has_data_rejected_caveats_metadata_and_mapping(result, tmp_path: Path) -> None:
    path = result.to_excel(tmp_path / "out.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, keep_default_na=False, dtype=str)
    assert set(sheets) == {"data", "rejected", "caveats", "metadata", "mapping"}
    assert len(sheets["data"]) == len(result.data)
    # the mapping as a table of its own, not flattened into the metadata sheet
    assert sheets["mapping"].to_dict("records") == result.mapping().to_dict("records")
    assert len(sheets["mapping"]) and not sheets["metadata"]["key"].str.startswith(
        "mapping").any()
    # the rejected '=1+1' is written as text, never as a formula
    assert sheets["rejected"]["source_value"].tolist() == ["'=1+1"]


@settings(max_examples=examples(30), deadline=None)
@given(canonical_frames(max_rows=12), st.data())
def test_arrow_table_is_the_one_from_pandas_gives(frame: pd.DataFrame,
                                                  data: st.DataObject) -> None:
    """emit._arrow takes each canonical column as it is (codes, numbers, Arrow text):
    the table must be pyarrow's own, types, nulls and pandas metadata included; a
    column of another dtype sends the frame through pyarrow's conversion."""
    import pyarrow as pa

    from migharmony.emit import _arrow

    start = data.draw(st.integers(0, max(len(frame) - 1, 0)))
    frame = frame.iloc[start:]  # views that do not start at the arrays' beginning
    for name in data.draw(st.lists(st.sampled_from(["sex", "caveats", "time_period",
                                                    "age_high", "obs_value"]),
                                   max_size=3, unique=True)):
        blank = data.draw(st.lists(st.booleans(), min_size=len(frame), max_size=len(frame)))
        frame = frame.assign(**{name: frame[name].mask(pd.Series(blank, index=frame.index,
                                                                 dtype=bool))})
    if data.draw(st.booleans()):
        frame = frame.assign(note=pd.Series(["x"] * len(frame), index=frame.index,
                                            dtype=object))
    frame.attrs = {"migharmony": {"source_id": "test"}}
    plain = frame.copy(deep=False)
    plain.attrs = {}
    expected = pa.Table.from_pandas(plain, preserve_index=False)
    assert _arrow(frame).equals(expected, check_metadata=True)


def test_parquet_marks_never_missing_columns_required(result, tmp_path: Path) -> None:
    """The canonical columns the schema never leaves empty are required Parquet columns
    (no definition levels); the others stay optional, and any reader gets the same frame."""
    import pyarrow.parquet as pq

    from migharmony import schema

    path = result.to_parquet(tmp_path / "out.parquet")
    arrow = pq.read_schema(path)
    for field in arrow:
        spec = schema.BY_NAME[field.name]
        assert field.nullable == spec.nullable, field.name
    parquet = pq.ParquetFile(path).schema  # the Parquet repetition, not only Arrow's view
    for i, name in enumerate(parquet.names):
        assert parquet.column(i).max_definition_level == int(schema.BY_NAME[name].nullable)
    pd.testing.assert_frame_equal(pd.read_parquet(path), result.data, check_categorical=False,
                                  check_dtype=False)


@settings(max_examples=examples(20), deadline=None)
@given(canonical_frames(min_rows=1, max_rows=8), st.data())
def test_a_frame_with_holes_still_writes(frame: pd.DataFrame, data: st.DataObject) -> None:
    """A frame edited by hand may leave a never-missing column empty: that column is then
    written optional, never refused, and read back with its holes."""
    import tempfile

    import pyarrow.parquet as pq

    from migharmony import schema
    from migharmony.emit import write_parquet

    name = data.draw(st.sampled_from(["sex", "caveats", "time_period", "source_ref",
                                      "unit_mult"]))
    row = data.draw(st.integers(0, len(frame) - 1))
    holes = pd.Series(False, index=frame.index)
    holes.iloc[row] = True
    frame = frame.assign(**{name: frame[name].mask(holes)})
    with tempfile.TemporaryDirectory() as folder:
        path = write_parquet(frame, Path(folder) / "x.parquet", {"source_id": "test"})
        nullable = {f.name: f.nullable for f in pq.read_schema(path)}
        back = read_parquet(path)
    assert nullable[name]
    assert {n for n, v in nullable.items() if not v} == \
        {c.name for c in schema.COLUMNS if not c.nullable} - {name}
    assert back[name].isna().tolist() == holes.tolist()
