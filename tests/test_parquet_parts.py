"""harmonize(..., parquet=path) writes the observations slice by slice while the next
slices are harmonized, and the file is exactly what result.to_parquet(path) writes: same
rows, dtypes and embedded metadata; nothing is left behind when harmonize fails."""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migharmony
from migharmony import pipeline
from migharmony.emit import read_parquet
from migharmony.errors import ValidationError
from test_slices import CROSSWALK, DATA, table, write


def harmonize_both(monkeypatch: pytest.MonkeyPatch, folder: Path, source: Path,
                   crosswalk: Any, slice_rows: int, threads: int = 2,
                   **options: Any) -> tuple[Any, Path, Path]:
    """The file written while harmonizing, and the one written from the result."""
    folder.mkdir(exist_ok=True)
    monkeypatch.setattr(pipeline, "SLICE_ROWS", slice_rows)
    monkeypatch.setattr(pipeline, "SLICE_THREADS", threads)
    streamed = folder / "streamed.parquet"
    result = migharmony.harmonize(source, crosswalk, parquet=streamed, **options)
    monkeypatch.undo()
    return result, streamed, result.to_parquet(folder / "from_result.parquet")


def slice_size(monkeypatch: pytest.MonkeyPatch, slice_rows: int, cells: int) -> int:
    """The cells per slice harmonize used for a table of *cells* with *slice_rows*."""
    monkeypatch.setattr(pipeline, "SLICE_ROWS", slice_rows)
    rows = pipeline._slice_rows(cells)
    monkeypatch.undo()
    return rows


def assert_same_file(streamed: Path, written: Path) -> None:
    a, b = read_parquet(streamed), read_parquet(written)
    pd.testing.assert_frame_equal(a, b)  # rows, order, dtypes and categories
    assert a.attrs == b.attrs and a.attrs["migharmony"]["counts"]
    # Any Parquet reader sees the same columns and metadata, not only ours.
    assert pq.read_schema(streamed).metadata[b"migharmony"] == \
        pq.read_schema(written).metadata[b"migharmony"]
    assert [(f.name, f.nullable) for f in pq.read_schema(streamed)] == \
        [(f.name, f.nullable) for f in pq.read_schema(written)]  # the same required columns
    pd.testing.assert_frame_equal(pd.read_parquet(streamed), pd.read_parquet(written),
                                  check_categorical=False)
    # No temporary file is left beside them.
    assert sorted(p.name for p in streamed.parent.iterdir()) == \
        sorted({streamed.name, written.name})


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(n=st.integers(2, 40), slice_rows=st.integers(2, 25), seed=st.integers(0, 9),
       threads=st.sampled_from([1, 2, 4]))
def test_the_file_written_while_harmonizing_is_the_result_s_file(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, n: int,
        slice_rows: int, seed: int, threads: int) -> None:
    folder = tmp_path_factory.mktemp("out")
    source = write(folder.parent / f"{folder.name}.csv", table(n, seed))
    result, streamed, written = harmonize_both(monkeypatch, folder, source, CROSSWALK,
                                               slice_rows, threads)
    assert_same_file(streamed, written)
    cells = len(result.data) + len(result.rejected)
    rows = slice_size(monkeypatch, slice_rows, cells)
    if rows < cells:  # harmonized in slices: one row group per slice
        assert pq.ParquetFile(streamed).metadata.num_row_groups == -(-cells // rows)


@pytest.mark.parametrize(("source", "crosswalk", "row_groups"), [
    # UNHCR's zeros are marked after the slices (not_disaggregated): written at the end.
    (DATA / "unhcr_hdx_demographics.csv", "unhcr-hdx-demographics", 1),
    (DATA / "idmc_hdx_idps_download-displacement-data.csv", "idmc-hdx-displacement", None),
])
def test_real_tables_written_while_harmonized(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              source: Path, crosswalk: str,
                                              row_groups: int | None) -> None:
    result, streamed, written = harmonize_both(monkeypatch, tmp_path, source, crosswalk, 997)
    assert_same_file(streamed, written)
    cells = len(result.data) + len(result.rejected)
    rows = slice_size(monkeypatch, 997, cells)
    assert pq.ParquetFile(streamed).metadata.num_row_groups == (row_groups or -(-cells // rows))
    assert cells > 3 * rows


@pytest.mark.parametrize("threads", [1, 2])
def test_slices_are_written_while_later_slices_are_harmonized(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int) -> None:
    source = write(tmp_path / "t.csv", table(40, seed=5))
    first_written = threading.Event()
    seen_by_last_slice: list[bool] = []
    write_table = pq.ParquetWriter.write_table
    original = pipeline._to_observations

    def spy_write(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = write_table(self, *args, **kwargs)
        first_written.set()
        return out

    def spy_slice(frame: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
        if frame.index[0] >= 36:  # the last slice waits for the first to be on disk
            seen_by_last_slice.append(first_written.wait(timeout=10))
        return original(frame, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", spy_write)
    monkeypatch.setattr(pipeline, "_to_observations", spy_slice)
    _result, streamed, written = harmonize_both(monkeypatch, tmp_path / "out", source,
                                                CROSSWALK, slice_rows=4, threads=threads)
    assert seen_by_last_slice == [True]
    assert_same_file(streamed, written)


def test_a_slow_writer_still_writes_the_numbers_of_its_slice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parts given to the writer refer to the whole-table number arrays, which move
    to their final place only once written (the writer moves each part it has written;
    harmonize waits for it before moving any left). Here the writer holds its first
    part until the numbers start to move in Placed.joined (or 1 s passes)."""
    from migharmony import _frames

    source = write(tmp_path / "t.csv", table(40, seed=9))  # rejected cells: parts move
    moving = threading.Event()
    write_table, joined = pq.ParquetWriter.write_table, _frames.Placed.joined

    waited: list[bool] = []

    def slow_write(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not waited:  # the first part only
            waited.append(moving.wait(timeout=1.0))
        return write_table(self, *args, **kwargs)

    def spy_joined(self: Any) -> Any:
        moving.set()
        return joined(self)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", slow_write)
    monkeypatch.setattr(_frames.Placed, "joined", spy_joined)
    result, streamed, written = harmonize_both(monkeypatch, tmp_path / "out", source,
                                               CROSSWALK, slice_rows=3)
    assert len(result.rejected) > 0
    assert waited == [False]  # the numbers did not move while a part was unwritten
    assert_same_file(streamed, written)


def duplicating() -> dict[str, Any]:
    """Women and men both mapped to F: two cells per observation key."""
    crosswalk = copy.deepcopy(CROSSWALK)
    crosswalk["dimensions"]["sex"]["map"] = {"Total": "_T", "Women": "F", "Men": "F"}
    return crosswalk


def test_no_file_when_harmonize_refuses_duplicate_keys(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    source = write(tmp_path / "t.csv", table(40, seed=2))
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(pipeline, "SLICE_ROWS", 4)
    with pytest.raises(ValidationError, match="same observation"):
        migharmony.harmonize(source, duplicating(), parquet=out / "data.parquet")
    assert list(out.iterdir()) == []  # neither the file nor a temporary one


def test_rejected_duplicates_are_not_in_the_file(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    source = write(tmp_path / "t.csv", table(40, seed=2))
    result, streamed, written = harmonize_both(monkeypatch, tmp_path / "out", source,
                                               duplicating(), 4, on_collision="reject")
    assert (result.rejected["rule"] == "duplicate-key").any()
    assert_same_file(streamed, written)
    assert len(read_parquet(streamed)) == len(result.data)


@pytest.mark.parametrize("where", ["slice", "writer"])
def test_a_failure_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  where: str) -> None:
    source = write(tmp_path / "t.csv", table(40, seed=4))
    out = tmp_path / "out"
    out.mkdir()
    original = pipeline._to_observations

    def failing_slice(frame: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
        if frame.index[0] >= 20:
            raise MemoryError("slice 6 does not fit")
        return original(frame, *args, **kwargs)

    def failing_write(self: Any, *args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    if where == "slice":
        monkeypatch.setattr(pipeline, "_to_observations", failing_slice)
    else:
        monkeypatch.setattr(pq.ParquetWriter, "write_table", failing_write)
    monkeypatch.setattr(pipeline, "SLICE_ROWS", 4)
    with pytest.raises(MemoryError if where == "slice" else OSError):
        migharmony.harmonize(source, CROSSWALK, parquet=out / "data.parquet")
    assert list(out.iterdir()) == []
    alive = [t.name for t in threading.enumerate() if t.name == "migharmony-parquet"]
    assert alive == []  # the writer thread has stopped


def test_an_existing_file_is_kept_when_harmonize_fails(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    source = write(tmp_path / "t.csv", table(40, seed=2))
    target = tmp_path / "data.parquet"
    target.write_bytes(b"the previous good file")
    monkeypatch.setattr(pipeline, "SLICE_ROWS", 4)
    with pytest.raises(ValidationError):
        migharmony.harmonize(source, duplicating(), parquet=target)
    assert target.read_bytes() == b"the previous good file"


def test_the_command_line_writes_parquet_while_harmonizing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from migharmony.cli import main

    source = tmp_path / "t.csv"
    write(source, table(40, seed=6))
    crosswalk = tmp_path / "cw.yaml"
    crosswalk.write_text(json.dumps(CROSSWALK), encoding="utf-8")  # JSON is YAML
    out = tmp_path / "out" / "data.parquet"
    monkeypatch.setattr(pipeline, "SLICE_ROWS", 4)
    assert main(["harmonize", str(source), "-c", str(crosswalk), "-o", str(out), "-q"]) == 0
    assert pq.ParquetFile(out).metadata.num_row_groups == 10  # one per slice
    monkeypatch.undo()
    expected = migharmony.harmonize(source, crosswalk)  # in one piece, the same crosswalk file
    written = read_parquet(out)
    pd.testing.assert_frame_equal(written, expected.data)
    volatile = ("harmonized_at", "seconds")
    assert {k: v for k, v in written.attrs["migharmony"].items() if k not in volatile} == \
        {k: v for k, v in expected.metadata.items() if k not in volatile}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 300), st.booleans()),
                min_size=1, max_size=5))
def test_the_writer_s_casts_are_arrow_s(parts: list[tuple[int, int, bool]]) -> None:
    """The writer widens each part's codes into arrays it keeps from part to part: each
    cast is Arrow's own (types, values, missing codes), whatever the parts' sizes and
    code widths, and a required column with a missing value is refused as Arrow does."""
    import numpy as np
    import pyarrow as pa

    from migharmony.emit import _WideCodes

    wide = _WideCodes()
    schema = pa.schema([pa.field("sex", pa.dictionary(pa.int32(), pa.large_string()),
                                 nullable=False),
                        pa.field("obs_value", pa.float64())])
    for rows, n_categories, hole in parts:
        rng = np.random.default_rng(rows * 7 + n_categories)
        width = pa.int8() if n_categories < 127 else pa.int16()
        codes = pa.array(rng.integers(0, n_categories, rows), width)
        table = pa.table({
            "sex": pa.DictionaryArray.from_arrays(
                codes, pa.array([f"c{i}" for i in range(n_categories)], pa.large_string())),
            "obs_value": pa.array(rng.random(rows))})
        assert wide.cast(table, schema).equals(table.cast(schema))
        if hole and rows:
            holed = table.set_column(0, "sex", pa.DictionaryArray.from_arrays(
                pa.array([None, *codes.to_pylist()[1:]], width),
                table["sex"].chunk(0).dictionary))
            with pytest.raises(ValueError):
                holed.cast(schema)  # Arrow refuses it
            with pytest.raises(ValueError):
                wide.cast(holed, schema)
