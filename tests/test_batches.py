"""harmonize_batches gives exactly the rows of harmonize, whatever the batch size."""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migharmony
from migharmony.batches import harmonize_batch, read_dataset
from migharmony.errors import MigharmonyError, ValidationError

SEXES = ["Total", "Femmes", "Hommes", "Autre"]  # "Autre" is not mapped: rejected cells
AREAS = ["CI", "SN", "ML", "XX", ""]  # XX unmapped; "" rows are headings, excluded
VALUES = ["1 234", "56 p", "..", "7", "", "abc", "1 200,5", "0", "3 q"]

CROSSWALK: dict[str, Any] = {
    "migharmony": "crosswalk/1",
    "id": "test-batches",
    "version": "0.1",
    "title": "A wide table with every kind of cell",
    "source": {"producer": "Test office", "licence": "CC0-1.0"},
    "definitions": {"measure": "STOCK", "migr_basis": "CIT", "unit_measure": "PS",
                    "unit_mult": 0},
    "read": {"format": "csv", "header_rows": [1], "decimal": ",",
             "thousands": [" ", "\u00a0"]},
    "columns": {"Code": "code", "Sex": "sex_label", "Type": "kind"},
    "values": {"columns": ["2019", "2020"], "headers": {"1": "time_period"}},
    "dimensions": {
        "ref_area": {"from": "code", "map": {"CI": "CIV", "SN": "SEN", "ML": "MLI"}},
        "sex": {"from": "sex_label", "map": {"Total": "_T", "Femmes": "F", "Hommes": "M"}},
    },
    "rows": [{"from": "kind", "map": {"B": {}, "C": {"migr_basis": "COB",
                                                     "caveats": ["basis-citizenship"]}}}],
    "exclude_rows": [{"where": {"code": [""]}, "reason": "Heading row"}],
    "symbols": {"..": {"obs_status": "M", "caveats": ["not-available"]},
                "": {"obs_status": "M"}},
    "flags": {"p": {"obs_status": "P", "caveats": ["provisional"]}},
}


def write_table(path: Path, n_rows: int, seed: int = 0) -> Path:
    """A semicolon CSV of *n_rows* rows with unique (area, sex, type) keys where mapped."""
    import random

    rng = random.Random(seed)
    lines = ["Code;Sex;Type;2019;2020"]
    combos = [(a, s, k) for a in AREAS for s in SEXES for k in ("B", "C", "Z")]
    rng.shuffle(combos)
    for i in range(n_rows):
        area, sex, kind = combos[i % len(combos)]
        if i >= len(combos):  # repeats only where they cannot collide: unmapped or excluded
            area = rng.choice(["XX", ""])
        lines.append(f"{area};{sex};{kind};{rng.choice(VALUES)};{rng.choice(VALUES)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("source_ref", kind="stable").reset_index(drop=True)


def assert_same(source: Path, crosswalk: Any, out: Path, batch_rows: int,
                on_collision: str = "raise") -> None:
    whole = migharmony.harmonize(source, crosswalk, on_collision=on_collision)
    summary = migharmony.harmonize_batches(source, crosswalk, out, batch_rows=batch_rows,
                                           on_collision=on_collision)
    data, rejected = read_dataset(out, "data"), read_dataset(out, "rejected")
    assert summary.n_data == len(whole.data) == len(data)
    assert summary.n_rejected == len(whole.rejected) == len(rejected)
    pd.testing.assert_frame_equal(_sorted(data), _sorted(whole.data))
    pd.testing.assert_frame_equal(_sorted(rejected), _sorted(whole.rejected))
    # What each label became: the same in the dataset's metadata as in the whole table's.
    assert _outcomes(data.attrs["migharmony"]["mapping"]) == \
        _outcomes(whole.metadata["mapping"]) == _outcomes(summary.metadata["mapping"])


def _outcomes(mapping: dict[str, list[dict[str, str]]]) -> dict[str, list[tuple[str, ...]]]:
    return {dim: sorted(tuple(sorted(row.items())) for row in rows)
            for dim, rows in mapping.items()}


@pytest.fixture(params=[1, 2], ids=["one-thread", "two-threads"])
def threads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Batches harmonized one after the other, or each while the one before is written."""
    from migharmony import pipeline

    monkeypatch.setattr(pipeline, "SLICE_THREADS", request.param)
    return int(request.param)


def test_tiny_batches_give_the_rows_of_harmonize(tmp_path: Path, threads: int) -> None:
    source = write_table(tmp_path / "table.csv", 80)
    assert_same(source, CROSSWALK, tmp_path / "out", batch_rows=7)
    whole = migharmony.harmonize(source, CROSSWALK)
    assert len(whole.rejected) and len(whole.data)  # the test covers both outcomes
    assert set(whole.rejected["rule"]) >= {"excluded-row", "unmapped-sex", "value-not-number"}
    sexes = {row["label"]: row for row in whole.metadata["mapping"]["sex"]}
    assert sexes["Femmes"] == {"label": "Femmes", "code": "F", "how": "map"}
    assert sexes["Autre"]["code"] == "" and sexes["Autre"]["how"] == "unmapped"
    assert "add it under dimensions.sex.map" in sexes["Autre"]["reason"]
    assert whole.mapping().query("label == 'XX'")["how"].tolist() == ["unmapped"]
    assert "labels   : 8 read (as-is 2, map 6), 2 unmapped" in whole.summary()  # XX, Autre
    parts = sorted((tmp_path / "out" / "data").glob("part-*.parquet"))
    assert len(parts) == 12  # ceil(80 / 7)
    meta = migharmony.emit.read_parquet(parts[0]).attrs["migharmony"]
    assert meta["source_id"] == "test-batches" and meta["batch"]["number"] == 0
    # Each part says what its own labels became: some of the whole table's outcomes.
    assert meta["mapping"]["sex"] and all(row in whole.metadata["mapping"]["sex"]
                                          for row in meta["mapping"]["sex"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch_rows=st.integers(min_value=1, max_value=70), n_rows=st.integers(1, 60))
def test_any_batch_size_gives_the_rows_of_harmonize(batch_rows: int, n_rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = write_table(Path(tmp) / "table.csv", n_rows, seed=n_rows)
        assert_same(source, CROSSWALK, Path(tmp) / "out", batch_rows=batch_rows)


def test_header_rows_and_row_numbers_are_kept(tmp_path: Path) -> None:
    source = tmp_path / "titled.csv"
    table = write_table(tmp_path / "table.csv", 30).read_text(encoding="utf-8")
    source.write_text("Title of the table;;;;\n;;;;\n" + table + "Footnote;;;;\n",
                      encoding="utf-8")
    crosswalk = copy.deepcopy(CROSSWALK)
    crosswalk["read"].update(header_rows=[3], last_row=33)
    crosswalk["values"]["headers"] = {"3": "time_period"}
    assert_same(source, crosswalk, tmp_path / "out", batch_rows=4)
    assert "A4" not in set(read_dataset(tmp_path / "out", "data")["source_ref"])
    assert "D4" in set(read_dataset(tmp_path / "out", "data")["source_ref"]) | set(
        read_dataset(tmp_path / "out", "rejected")["source_ref"])


def test_parquet_source_gives_the_rows_of_harmonize(tmp_path: Path) -> None:
    frame = pd.DataFrame({"geo": ["CI", "SN", "ML", "XX", "CI", "SN", "ML"],
                          "TIME_PERIOD": ["2019", "2019", "2019", "2019", "2020", "2020", "2020"],
                          "OBS_VALUE": [1.0, None, 3.0, 4.0, -5.0, 6.0, 7.0]})
    source = tmp_path / "long.parquet"
    frame.to_parquet(source, index=False)
    crosswalk = copy.deepcopy(CROSSWALK)
    crosswalk["read"] = {"format": "parquet"}
    crosswalk["columns"] = {"geo": "code", "TIME_PERIOD": "period"}
    crosswalk["dimensions"] = {"ref_area": crosswalk["dimensions"]["ref_area"],
                               "time_period": {"from": "period"}}
    for key in ("values", "rows", "exclude_rows"):
        crosswalk.pop(key)
    assert_same(source, crosswalk, tmp_path / "out", batch_rows=2)


def _colliding(tmp_path: Path) -> Path:
    source = tmp_path / "dup.csv"
    source.write_text("Code;Sex;Type;2019;2020\nCI;Total;B;1;2\nSN;Total;B;3;4\n"
                      "CI;Total;C;5;6\nCI;Total;B;7;8\n", encoding="utf-8")
    return source


def test_key_collisions_across_batches_are_found(tmp_path: Path, threads: int) -> None:
    source = _colliding(tmp_path)
    crosswalk = copy.deepcopy(CROSSWALK)
    crosswalk["rows"][0]["map"]["C"] = {}  # B and C rows now map to the same key
    with pytest.raises(ValidationError, match="more than one source cell") as caught:
        migharmony.harmonize_batches(source, crosswalk, tmp_path / "raise", batch_rows=1)
    assert any("D2" in str(p) and "D4" in str(p) for p in caught.value.problems)
    assert_same(source, crosswalk, tmp_path / "reject", batch_rows=1, on_collision="reject")
    assert_same(source, crosswalk, tmp_path / "reject3", batch_rows=3, on_collision="reject")


def test_the_batch_step_is_a_pure_function(tmp_path: Path) -> None:
    from migharmony.crosswalk import load
    from migharmony.layout import cells_from_grid
    from migharmony.read import read_grid

    source = write_table(tmp_path / "table.csv", 20)
    cw = load(CROSSWALK)
    cells = cells_from_grid(read_grid(source), cw)
    before = cells.frame.copy()
    first = harmonize_batch(cells, cw)
    second = harmonize_batch(cells, cw)
    pd.testing.assert_frame_equal(cells.frame, before)  # its input is left alone
    for one, other in zip(first, second, strict=True):  # data, rejected, mapping
        pd.testing.assert_frame_equal(one, other)


def test_a_batch_says_what_its_labels_became(tmp_path: Path) -> None:
    """A batch's mapping has the rows of harmonize's; batches' mappings joined by keeping
    each row once are the whole table's."""
    import dataclasses

    from migharmony.crosswalk import load
    from migharmony.layout import cells_from_grid
    from migharmony.read import read_grid

    source = write_table(tmp_path / "table.csv", 60)
    cw = load(CROSSWALK)
    cells = cells_from_grid(read_grid(source), cw)
    whole = migharmony.harmonize(source, CROSSWALK)
    data, rejected, mapping = harmonize_batch(cells, cw)
    pd.testing.assert_frame_equal(mapping, whole.mapping())
    assert set(mapping["how"]) >= {"map", "unmapped"}  # both outcomes are covered
    parts = [harmonize_batch(dataclasses.replace(cells, frame=cells.frame.iloc[i:i + 7],
                                                 excluded=cells.excluded.iloc[:0]), cw)
             for i in range(0, len(cells.frame), 7)]
    joined = pd.concat([part.mapping for part in parts]).drop_duplicates()
    assert sorted(map(tuple, joined.to_numpy().tolist())) == \
        sorted(map(tuple, whole.mapping().to_numpy().tolist()))
    assert sum(len(part.data) for part in parts) == len(data)
    assert sum(len(part.rejected) for part in parts) + len(cells.excluded) == len(rejected)


def test_whole_table_features_are_refused(tmp_path: Path) -> None:
    source = write_table(tmp_path / "table.csv", 5)
    crosswalk = copy.deepcopy(CROSSWALK)
    crosswalk["corrections"] = [{"cell": "D2", "value": 1, "reason": "typo", "by": "me",
                                 "date": "2026-01-01"}]
    with pytest.raises(MigharmonyError, match="corrections"):
        migharmony.harmonize_batches(source, crosswalk, tmp_path / "out")


def test_output_folder_must_be_empty(tmp_path: Path) -> None:
    source = write_table(tmp_path / "table.csv", 5)
    migharmony.harmonize_batches(source, CROSSWALK, tmp_path / "out")
    with pytest.raises(MigharmonyError, match="already holds"):
        migharmony.harmonize_batches(source, CROSSWALK, tmp_path / "out")
    shutil.rmtree(tmp_path / "out")


@pytest.mark.parametrize("irregular", [
    "Note: provisional figures\n",  # a note of one field below the table
    "Total;;\n",  # a line of three fields in a table of five
])
def test_an_irregular_line_midway_hands_over_to_the_general_reader(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, irregular: str) -> None:
    from migharmony import read

    monkeypatch.setattr(read, "ARROW_BLOCK_BYTES", 256)  # blocks of a few lines
    regular, given = read.regular_chunks, []

    def spy(*args: Any) -> Any:
        resume = yield from regular(*args)
        given.append(resume)
        return resume

    monkeypatch.setattr(read, "regular_chunks", spy)
    lines = write_table(tmp_path / "table.csv", 120).read_text(encoding="utf-8").splitlines(
        keepends=True)
    source = tmp_path / "irregular.csv"
    # Far enough into the file that Arrow has read whole blocks before it meets the line.
    source.write_text("".join(lines[:100]) + irregular + "".join(lines[100:]),
                      encoding="utf-8")
    crosswalk = copy.deepcopy(CROSSWALK)
    crosswalk["exclude_rows"].append({"rows": [101], "reason": "Note"})
    assert_same(source, crosswalk, tmp_path / "out", batch_rows=9)
    refs = set(read_dataset(tmp_path / "out", "data")["source_ref"]) | set(
        read_dataset(tmp_path / "out", "rejected")["source_ref"])
    assert "D102" in refs or "E102" in refs  # rows after the line, numbered as in the file
    assert given and given[0] is not None and 2 < given[0] <= 101  # Arrow gave rows first


def test_key_hashes_do_not_depend_on_the_categories_of_a_batch() -> None:
    from migharmony import schema
    from migharmony.batches import _KeyIndex

    frame = schema.as_text(migharmony.harmonize(
        write_table(Path(tempfile.mkdtemp()) / "t.csv", 40), CROSSWALK).data)
    one = schema.conform(frame)
    cats = list(one["sex"].cat.categories)
    # Another batch may have other categories, in another order.
    other = one.assign(sex=one["sex"].cat.add_categories(["Z"]).cat.reorder_categories(
        ["Z", *reversed(cats)]))
    assert list(other["sex"].cat.categories) != cats
    assert (_KeyIndex.hash(one) == _KeyIndex.hash(frame)).all()  # codes hash as their texts
    assert (_KeyIndex.hash(other) == _KeyIndex.hash(frame)).all()


def test_area_names_are_read_in_the_context_of_the_whole_table(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int) -> None:
    """'Congo' is COG because 'Democratic Republic of the Congo' is in the table, even
    in another batch: the batches are harmonized again with the table's area names."""
    source = tmp_path / "congo.csv"
    source.write_text("country,Total\nMali,6\nSenegal,7\nCongo,5\nNiger,4\n"
                      "Democratic Republic of the Congo,8\n", encoding="utf-8")
    crosswalk = {
        "migharmony": "crosswalk/1", "id": "congo", "title": "Congo",
        "source": {"producer": "Test office", "licence": "CC0"},
        "definitions": {"measure": "STOCK", "migr_basis": "COB"},
        "read": {"format": "csv", "header_rows": [1]},
        "columns": {"country": "country"}, "values": {"columns": ["Total"]},
        "dimensions": {"ref_area": {"from": "country", "areas": {"scheme": "name"}},
                       "time_period": {"value": "2020"}}}
    from migharmony import batches

    whole = migharmony.harmonize(source, crosswalk)
    assert whole.data["ref_area"].tolist() == ["MLI", "SEN", "COG", "NER", "COD"]
    passes: list[object] = []
    original = batches._write_batches

    def spy(*args: Any) -> Any:
        passes.append(args[6])  # the context given
        return original(*args)

    monkeypatch.setattr(batches, "_write_batches", spy)
    assert_same(source, crosswalk, tmp_path / "out", batch_rows=2)
    assert passes[0] is None and passes[1] == {"ref_area": [
        "Mali", "Senegal", "Congo", "Niger", "Democratic Republic of the Congo"]}
    # The first attempt wrote the part of the first batch, then met "Congo": removed,
    # and written again with the others.
    assert sorted(p.name for p in (tmp_path / "out" / "data").glob("*")) == [
        "part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    # Without a name that needs it, one pass only.
    passes.clear()
    plain = tmp_path / "plain.csv"
    plain.write_text("country,Total\nMali,6\nSenegal,7\nNiger,8\n", encoding="utf-8")
    assert_same(plain, crosswalk, tmp_path / "out2", batch_rows=2)
    assert passes == [None]


def test_with_threads_a_batch_is_harmonized_while_the_one_before_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from migharmony import batches, pipeline

    monkeypatch.setattr(pipeline, "SLICE_THREADS", 2)
    names: set[str] = set()
    second_started = threading.Event()
    overlapped: list[bool] = []
    harmonize_one, write_one = batches._harmonized, batches._Writer.write

    def harmonizing(cells: Any, *args: Any, **kwargs: Any) -> Any:
        names.add(threading.current_thread().name)
        if int(cells.frame["_row"].min()) > 10:  # batch 1 or later
            second_started.set()
        return harmonize_one(cells, *args, **kwargs)

    def writing(self: Any, number: int, *args: Any) -> None:
        if number == 0:  # batch 1 is harmonized while batch 0 is being written
            overlapped.append(second_started.wait(timeout=10))
        write_one(self, number, *args)

    monkeypatch.setattr(batches, "_harmonized", harmonizing)
    monkeypatch.setattr(batches._Writer, "write", writing)
    source = write_table(tmp_path / "table.csv", 40)
    assert_same(source, CROSSWALK, tmp_path / "out", batch_rows=10)
    assert overlapped == [True]
    assert names and all(name.startswith("migharmony-batch") for name in names)
    parts = sorted(p.name for p in (tmp_path / "out" / "data").glob("*.parquet"))
    assert parts == [f"part-0000{i}.parquet" for i in range(4)]


@pytest.mark.parametrize("threads", [1, 2])
def test_an_error_in_a_batch_stops_the_batches_after_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int) -> None:
    from migharmony import batches, pipeline

    monkeypatch.setattr(pipeline, "SLICE_THREADS", threads)
    harmonize_one = batches._harmonized
    started: list[int] = []

    def failing(cells: Any, *args: Any, **kwargs: Any) -> Any:
        number = int(cells.frame["_row"].min()) // 10
        started.append(number)
        if number == 1:
            raise MigharmonyError("batch 1 failed")
        return harmonize_one(cells, *args, **kwargs)

    monkeypatch.setattr(batches, "_harmonized", failing)
    source = write_table(tmp_path / "table.csv", 60)
    with pytest.raises(MigharmonyError, match="batch 1 failed"):
        migharmony.harmonize_batches(source, CROSSWALK, tmp_path / "out", batch_rows=10)
    written = sorted(p.name for p in (tmp_path / "out" / "data").glob("*.parquet"))
    assert written == ["part-00000.parquet"]  # the batches before the failing one
    assert max(started) <= 1 + threads  # at most one batch read ahead of it
