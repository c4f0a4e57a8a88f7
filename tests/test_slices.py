"""harmonize works on slices of a large table (pipeline.SLICE_ROWS cells at a time) and
gives exactly what one pass over the whole table gives: same observations and dtypes,
same rejected cells and problems, area names read in the context of the whole table."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migharmony
from migharmony import pipeline, schema
from migharmony.errors import ValidationError

DATA = Path(__file__).resolve().parents[1] / "examples" / "data"

AREAS = ["Congo", "Senegal", "Atlantis", "Mali", "World", "Korea",
         "Democratic Republic of the Congo", "Cote d'Ivoire"]
VALUES = ["12", "1 234", "..", "7 p", "x", "", "0"]

CROSSWALK: dict[str, Any] = {
    "migharmony": "crosswalk/1", "id": "test-slices", "version": "0.1",
    "title": "A long table whose area names need the whole table",
    "source": {"producer": "Test office", "licence": "CC0-1.0"},
    "definitions": {"measure": "STOCK", "migr_basis": "COB"},
    "read": {"format": "csv", "header_rows": [1]},
    "columns": {"Country": "country", "Year": "year", "Sex": "sex_label"},
    "values": {"columns": ["Value"]},
    "dimensions": {
        "ref_area": {"from": "country", "areas": {"scheme": "name"},
                     "exclude": [{"values": ["World"], "reason": "World total"}]},
        "time_period": {"from": "year"},
        "sex": {"from": "sex_label", "map": {"Total": "_T", "Women": "F", "Men": "M"}},
    },
    "symbols": {"..": {"obs_status": "M", "caveats": ["not-available"]}},
    "flags": {"p": {"obs_status": "P", "caveats": ["provisional"]}},
}


def write(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    lines = ["Country,Year,Sex,Value"] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def table(n: int, seed: int) -> list[tuple[str, str, str, str]]:
    """*n* rows, "Congo" at the top and "Democratic Republic of the Congo" only at the
    bottom: only the whole table says which Congo the first one is."""
    import random

    rng = random.Random(seed)
    combos = [(a, y, s) for a in AREAS[1:-2] for y in ("2019", "2020")
              for s in ("Total", "Women", "Men", "Other")]
    rng.shuffle(combos)
    rows = [("Congo", "2018", "Total", "5")]
    for area, year, sex in combos[: max(n - 2, 0)]:
        rows.append((area, year, sex, rng.choice(VALUES)))
    return [*rows, ("Democratic Republic of the Congo", "2018", "Total", "9")]


def assert_same(monkeypatch: pytest.MonkeyPatch, source: Path, crosswalk: Any,
                slice_rows: int, threads: int = 3, **options: Any) -> migharmony.HarmonizedResult:
    whole = migharmony.harmonize(source, crosswalk, **options)
    monkeypatch.setattr(pipeline, "SLICE_ROWS", slice_rows)
    monkeypatch.setattr(pipeline, "SLICE_THREADS", threads)
    sliced = migharmony.harmonize(source, crosswalk, **options)
    monkeypatch.undo()
    pd.testing.assert_frame_equal(sliced.data, whole.data)  # dtypes and categories too
    pd.testing.assert_frame_equal(sliced.rejected, whole.rejected)
    pd.testing.assert_frame_equal(sliced.cell_problems, whole.cell_problems)
    return whole


def test_area_names_are_read_in_the_context_of_the_whole_table(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write(tmp_path / "t.csv", table(40, seed=1))
    whole = assert_same(monkeypatch, source, CROSSWALK, slice_rows=3)
    congo = whole.data.loc[whole.data["source_ref"] == "D2", "ref_area"]
    assert congo.tolist() == ["COG"]  # because COD is 40 rows further down
    assert {"unmapped-sex", "value-not-number"} <= set(whole.rejected["rule"])


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(n=st.integers(2, 40), slice_rows=st.integers(2, 25), seed=st.integers(0, 9),
       threads=st.sampled_from([1, 2, 4]))
def test_any_slice_size_gives_the_whole_table_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int, slice_rows: int,
        seed: int, threads: int) -> None:
    source = write(tmp_path / "t.csv", table(n, seed))
    assert_same(monkeypatch, source, CROSSWALK, slice_rows, threads)


@pytest.mark.parametrize(("source", "crosswalk"), [
    (DATA / "unhcr_hdx_demographics.csv", "unhcr-hdx-demographics"),
    (DATA / "idmc_hdx_idps_download-displacement-data.csv", "idmc-hdx-displacement"),
    # A workbook: its cells are referenced with the sheet name (``Table 1!G17``).
    (DATA / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx", "undesa-ims-2020-t1"),
])
def test_real_tables_in_slices(monkeypatch: pytest.MonkeyPatch, source: Path,
                               crosswalk: str) -> None:
    whole = assert_same(monkeypatch, source, crosswalk, slice_rows=997)
    assert len(whole.data) > 2 * 997  # several slices


def test_slices_in_threads_run_concurrently_and_keep_their_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    source = write(tmp_path / "t.csv", table(40, seed=3))
    names: set[str] = set()
    original = pipeline._to_observations

    def spy(frame: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
        names.add(threading.current_thread().name)
        time.sleep(0.02)  # long enough for every thread to take a slice
        return original(frame, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_to_observations", spy)
    whole = assert_same(monkeypatch, source, CROSSWALK, slice_rows=4, threads=3)
    assert threading.main_thread().name in names  # the calling thread takes slices too
    assert any(n.startswith("migharmony-slice") for n in names)
    refs = whole.data["source_ref"].str[1:].astype(int)
    assert refs.is_monotonic_increasing  # observations in the order of the table


def test_the_next_slices_start_once_the_first_has_mapped_its_labels(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first slice fills the memo the others share (readings, mappings); they start
    as soon as it has, not when it ends, and never before."""
    import threading
    import time

    source = write(tmp_path / "t.csv", table(40, seed=3))
    whole = migharmony.harmonize(source, CROSSWALK)
    events: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    map_dimensions, assemble = pipeline._map_dimensions, pipeline._assemble
    first_row = [-1]  # the first slice's first row, once it has started

    def note(what: str, frame: pd.DataFrame) -> None:
        with lock:
            if not events:
                first_row[0] = int(frame.index[0])
            events.append((what, int(frame.index[0]), time.perf_counter()))

    def slow_mapping(frame: pd.DataFrame, *args: Any) -> Any:
        if int(frame.index[0]) == first_row[0]:
            time.sleep(0.05)  # a slice that started before the memo is filled would show
        out = map_dimensions(frame, *args)
        note("mapped", frame)
        return out

    def slow_assembly(frame: pd.DataFrame, *args: Any) -> Any:
        if int(frame.index[0]) == first_row[0]:
            time.sleep(0.1)  # the first slice goes on after it has filled the memo
        return assemble(frame, *args)

    original = pipeline._to_observations

    def spy(frame: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
        note("start", frame)
        try:
            return original(frame, *args, **kwargs)
        finally:
            note("end", frame)

    monkeypatch.setattr(pipeline, "_map_dimensions", slow_mapping)
    monkeypatch.setattr(pipeline, "_assemble", slow_assembly)
    monkeypatch.setattr(pipeline, "_to_observations", spy)
    monkeypatch.setattr(pipeline, "SLICE_ROWS", 4)
    monkeypatch.setattr(pipeline, "SLICE_THREADS", 2)
    sliced = migharmony.harmonize(source, CROSSWALK)
    pd.testing.assert_frame_equal(sliced.data, whole.data)
    pd.testing.assert_frame_equal(sliced.rejected, whole.rejected)
    first = first_row[0]
    at = {(what, row): t for what, row, t in events}
    others = [t for what, row, t in events if what == "start" and row != first]
    assert len(others) > 2  # several slices
    assert min(others) >= at[("mapped", first)]
    assert min(others) < at[("end", first)]  # beside the first slice's last steps


def test_items_wait_for_the_first_even_when_it_fails() -> None:
    """A first item that fails before it says the others may start: its error, and no
    other item started (the helpers are not left waiting)."""
    import threading

    started: list[int] = []

    def work(item: int) -> int:
        started.append(item)
        if item == 0:
            raise ValueError("first failed")
        return item

    with pytest.raises(ValueError, match="first failed"):
        pipeline._in_threads(work, range(6), 3, after_first=threading.Event())
    assert started == [0]
    ready = threading.Event()
    assert pipeline._in_threads(lambda i: ready.set() or i * 2, range(6), 3,
                                after_first=ready) == [0, 2, 4, 6, 8, 10]


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_the_error_raised_is_that_of_the_first_failing_slice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int) -> None:
    import time

    source = write(tmp_path / "t.csv", table(40, seed=4))
    original = pipeline._to_observations
    started: list[int] = []

    def failing(frame: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
        number = int(frame.index[0]) // 4  # the slice's number
        started.append(number)
        if number in (3, 5):
            time.sleep(0.05 if number == 3 else 0)  # slice 5 fails first
            raise migharmony.errors.CrosswalkError(f"slice {number} failed")
        return original(frame, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_to_observations", failing)
    monkeypatch.setattr(pipeline, "SLICE_ROWS", 4)
    monkeypatch.setattr(pipeline, "SLICE_THREADS", threads)
    with pytest.raises(migharmony.errors.CrosswalkError, match="slice 3 failed"):
        migharmony.harmonize(source, CROSSWALK)
    assert max(started) <= 5 + threads - 1  # none started once one had failed (the
    # other threads may each have taken one more while slice 5 was failing)
    assert sorted(started) == list(range(len(started)))  # taken in order, each once


def colliding(rows: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
    """*rows* with one observation given twice, near the top and at the bottom: the same
    key, slices apart."""
    return [rows[0], ("Mali", "2017", "Total", "3"), *rows[1:], ("Mali", "2017", "Total", "4")]


@pytest.mark.parametrize("slice_rows", [2, 5])
def test_duplicate_keys_in_different_slices_are_found(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_rows: int) -> None:
    source = write(tmp_path / "t.csv", colliding(table(40, seed=7)))
    with pytest.raises(ValidationError) as whole:
        migharmony.harmonize(source, CROSSWALK)
    monkeypatch.setattr(pipeline, "SLICE_ROWS", slice_rows)
    with pytest.raises(ValidationError) as sliced:
        migharmony.harmonize(source, CROSSWALK)
    assert str(sliced.value) == str(whole.value)
    assert [p.message for p in sliced.value.problems] == \
        [p.message for p in whole.value.problems]
    monkeypatch.undo()
    kept = assert_same(monkeypatch, source, CROSSWALK, slice_rows, on_collision="reject")
    assert (kept.rejected["rule"] == "duplicate-key").sum() == 1


def test_key_hashes_only_point_at_rows_to_compare(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row hashed alike (the worst case of 64-bit hash collisions): the exact check
    finds no duplicate key, and the result is that of one piece."""
    import numpy as np

    from migharmony import _frames

    source = write(tmp_path / "t.csv", table(40, seed=8))
    monkeypatch.setattr(_frames, "key_hashes",
                        lambda frame, columns: np.zeros(len(frame), dtype=np.uint64))
    assert_same(monkeypatch, source, CROSSWALK, slice_rows=3)


def test_the_thread_count_follows_the_cpus_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setattr(pipeline, "SLICE_THREADS", None)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3, 4, 5, 6, 7},
                        raising=False)
    assert pipeline._slice_threads() == 4  # at most 4 slices in memory at once
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert pipeline._slice_threads() == 1
    monkeypatch.setattr(pipeline, "SLICE_THREADS", 0)
    assert pipeline._slice_threads() == 1


def test_dated_area_rules_keep_the_table_in_one_piece(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crosswalk = copy.deepcopy(CROSSWALK)
    crosswalk["dimensions"]["ref_area"]["regex"] = [
        {"pattern": "^Atlantis$", "code": "SEN", "valid_to": "2019-12-31"}]
    source = write(tmp_path / "t.csv", table(30, seed=2))
    calls: list[int] = []
    original = pipeline._to_observations

    def spy(frame: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(frame))
        return original(frame, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_to_observations", spy)
    assert_same(monkeypatch, source, crosswalk, slice_rows=4)
    assert len(calls) == 2 and calls[0] == calls[1]  # both runs over the whole table
    assert schema.validate(migharmony.harmonize(source, crosswalk).data).empty


@given(st.lists(st.lists(st.one_of(st.none(), st.integers(-5, 5)), max_size=6), min_size=1,
                max_size=8), st.randoms(use_true_random=False), st.booleans())
def test_placed_columns_equal_the_parts_joined(parts: list[list[int | None]], rng: Any,
                                               in_threads: bool) -> None:
    """Parts of up to 6 rows from slices of 6 source rows, put in any order (from
    threads or not), the first ones settled early (as the Parquet writer does), give the
    parts one after the other: numbers, missing values, dtype; parts of zeros too (not
    written: the arrays start as zeros), and -0.0 kept as such."""
    import numpy as np

    from migharmony._frames import Placed

    def signed(part: list[int | None]) -> Any:
        return np.array([-0.0 if not x else float(x) for x in part])

    placed = Placed(capacity=6 * len(parts))
    work = [(6 * i, {"n": pd.array(p, dtype="Int64"),
                     "v": np.array([np.nan if x is None else x / 2 for x in p]),
                     "z": signed(p)})
            for i, p in enumerate(parts)]
    rng.shuffle(work)
    if in_threads:
        pipeline._in_threads(lambda item: placed.put(*item), work, 3)
    else:
        for start, columns in work:
            placed.put(start, columns)
    for i in range(rng.randint(0, len(parts))):  # in the order of their rows
        placed.settle(6 * i)
    joined = placed.joined()
    flat = [x for p in parts for x in p]
    pd.testing.assert_extension_array_equal(joined["n"], pd.array(flat, dtype="Int64"))
    np.testing.assert_array_equal(joined["v"],
                                  np.array([np.nan if x is None else x / 2 for x in flat]))
    assert joined["z"].tolist() == signed(flat).tolist()
    assert np.signbit(joined["z"]).tolist() == np.signbit(signed(flat)).tolist()


@given(st.lists(st.lists(st.tuples(st.integers(-1, 3), st.booleans()), max_size=6),
                min_size=1, max_size=6),
       st.lists(st.tuples(st.sampled_from([0, 0, 15, 65]), st.booleans()), min_size=5,
                max_size=5),
       st.randoms(use_true_random=False))
def test_taken_columns_equal_the_rows_kept_joined(parts: list[list[tuple[int, bool]]],
                                                 lookup: list[tuple[int, bool]],
                                                 rng: Any) -> None:
    """Age bounds made in place (Placed.taken: slices of 6 source rows, codes -1 to 3,
    -1 taking the last of the lookup), then some rows rejected and the kept ones put:
    the parts joined are the kept rows' bounds, zeros and missing included, whatever
    the taken rows left behind the kept ones, in any order of puts and settles."""
    import numpy as np

    from migharmony._frames import Placed, kept_rows

    values = np.array([v for v, _ in lookup])
    missing = np.array([m for _, m in lookup])
    placed = Placed(capacity=6 * len(parts))
    work = []
    for i, part in enumerate(parts):
        codes = np.array([c for c, _ in part], dtype=np.int8)
        keep = np.array([k for _, k in part], dtype=bool)
        bounds = placed.taken(6 * i, "age_low", values, missing, codes)
        kept = bounds if keep.all() else kept_rows(bounds, keep, int(keep.sum()))
        work.append((6 * i, {"age_low": kept}))
    rng.shuffle(work)
    for start, columns in work:
        placed.put(start, columns)
    for i in range(rng.randint(0, len(parts))):
        placed.settle(6 * i)
    expected = [None if missing[c] else int(values[c])
                for part in parts for c, k in part if k]
    assert placed.joined()["age_low"].tolist() == [pd.NA if x is None else x
                                                   for x in expected]


@given(st.lists(st.tuples(st.integers(1, 2_000_000), st.integers(0, 800)), max_size=40),
       st.sampled_from(["", "Table 1!", "Données!"]))
def test_cell_refs_are_the_column_letter_and_row_number(cells: list[tuple[int, int]],
                                                         prefix: str) -> None:
    from migharmony.layout import cell_refs, column_letter, with_refs

    frame = pd.DataFrame({"_row": [r for r, _ in cells], "_col": [c for _, c in cells]},
                         dtype="int32")
    expected = [f"{prefix}{column_letter(c)}{r}" for r, c in cells]
    assert list(cell_refs(prefix, frame["_row"], frame["_col"])) == expected
    assert with_refs(frame, prefix)["_ref"].tolist() == expected
    assert "_ref" not in frame  # the cells given are left as they were


def test_a_failing_warm_up_changes_nothing(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A large file starts a thread that loads the schema and area index; if that
    fails, harmonize does the loading itself and gives the same result."""
    import threading

    from migharmony import areas

    source = write(tmp_path / "t.csv", table(40, seed=3))
    expected = migharmony.harmonize(source, CROSSWALK)
    original = areas._index
    seen: list[str] = []

    def failing_in_the_warm_up() -> Any:
        name = threading.current_thread().name
        seen.append(name)
        if name == "migharmony-warm-up":
            raise RuntimeError("no area index in the warm-up")
        return original()

    monkeypatch.setattr(areas, "_index", failing_in_the_warm_up)
    monkeypatch.setattr(pipeline, "WARM_UP_BYTES", 0)  # every file is large
    result = migharmony.harmonize(source, CROSSWALK)
    for thread in threading.enumerate():
        if thread.name == "migharmony-warm-up":
            thread.join()
    assert "migharmony-warm-up" in seen
    pd.testing.assert_frame_equal(result.data, expected.data)
    pd.testing.assert_frame_equal(result.rejected, expected.rejected)
