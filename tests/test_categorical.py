"""Codes as categoricals, end to end: the categorical text reader
(``read_grid(categorical=True)``) reads exactly the table and harmonize gives the same
result through either reader; the helpers that work on codes (distinct, row_keys,
repeated, join_caveats) agree with their row-by-row definitions."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import migharmony
from migharmony import read, schema
from migharmony.errors import ReadError
from migharmony.read import read_grid

DATA = Path(__file__).resolve().parents[1] / "examples" / "data"

# Texts as producers write them: separators, quotes, line breaks inside quoted fields,
# spaces, symbols, accents, empty fields.
FIELD = st.text(alphabet=st.sampled_from(list('ab1 ,;"\n\r\t.-~*éÔ')), max_size=6)


def texts(grid: read.Grid) -> list[list[str]]:
    """Every cell of *grid* as text, whatever its dtype."""
    cells = grid.cells
    return [[("" if pd.isna(v) else str(v)) for v in cells[c]] for c in cells.columns]


def is_categorical(grid: read.Grid) -> bool:
    return all(isinstance(grid.cells[c].dtype, pd.CategoricalDtype) for c in grid.cells)


def write(path: Path, table: list[list[str]], newline: str = "\n", bom: bool = False) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(table)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(width=st.integers(2, 5), data=st.data(), newline=st.sampled_from(["\n", "\r\n"]),
       bom=st.booleans())
def test_same_cells_as_the_general_reader(tmp_path: Path, width: int, data: st.DataObject,
                                          newline: str, bom: bool) -> None:
    table = data.draw(st.lists(st.lists(FIELD, min_size=width, max_size=width),
                               min_size=1, max_size=8))
    if newline == "\n":  # the csv module quotes a lone '\r' only with '\r\n' line ends
        table = [[field.replace("\r", "") for field in row] for row in table]
    path = write(tmp_path / "t.csv", table, newline, bom)
    fast = read_grid(path, delimiter=",", categorical=True)
    columns = [list(column) for column in zip(*table, strict=True)]
    assert texts(fast) == columns  # exactly the table written
    assert list(fast.cells.index) == list(range(1, len(table) + 1))
    try:
        plain = read_grid(path, delimiter=",")
    except ReadError:  # the general reader gives up on a few odd tables ('"\r",')
        event("general reader refused")
        return
    assert texts(plain) == columns
    assert fast.details == plain.details


def test_a_regular_table_is_read_as_categories(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", [["Area", "Sex", "Value"], ["Mali", "F", "1"],
                                      ["Mali", "M", "2 p"]])
    grid = read_grid(path, categorical=True)
    assert is_categorical(grid)
    assert list(grid.cells[0].cat.categories) == ["Area", "Mali"]
    assert not is_categorical(read_grid(path))  # only when asked


@pytest.mark.parametrize("content", [
    b"Table 1: stocks\nArea,Value\nMali,1\n",  # a title line above the table
    b"Area,Value\nMali,1\n\nNote: provisional\n",  # a blank line and a note below
    b"Area,Value\nMali,1,extra\n",  # a wider line
    b"Area,Value\n" + b"Mali,1\n" * 20_000 + b"C\xf4te d'Ivoire,2\n",  # not UTF-8 after 64 kB
])
def test_irregular_tables_go_to_the_general_reader(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    assert_read_as_the_general_reader_reads(path)


def assert_read_as_the_general_reader_reads(path: Path) -> None:
    """The categorical read of *path* hands it to the general reader: the same cells, or
    the same error."""
    try:
        plain = texts(read_grid(path))
    except ReadError as exc:
        with pytest.raises(ReadError, match=str(exc).split(":")[-1][:20]):
            read_grid(path, categorical=True)
        return
    grid = read_grid(path, categorical=True)
    assert not is_categorical(grid)
    assert texts(grid) == plain


def test_row_bound_applies(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", [["Area", "Value"]] + [["Mali", str(i)] for i in range(50)])
    with pytest.raises(ReadError, match="max_rows"):
        read_grid(path, categorical=True, max_rows=50)
    assert len(read_grid(path, categorical=True, max_rows=51).cells) == 51


@pytest.mark.parametrize(("source", "crosswalk"), [
    (DATA / "unhcr_hdx_demographics.csv", "unhcr-hdx-demographics"),
    (DATA / "idmc_hdx_idps_download-displacement-data.csv", "idmc-hdx-displacement"),
])
def test_harmonize_gives_the_same_result_through_either_reader(
        monkeypatch: pytest.MonkeyPatch, source: Path, crosswalk: str) -> None:
    regular = read._read_regular
    grids: list[pd.DataFrame | None] = []

    def spy(*args: object) -> pd.DataFrame | None:
        grids.append(regular(*args))  # type: ignore[arg-type]
        return grids[-1]

    monkeypatch.setattr(read, "_read_regular", spy)
    fast = migharmony.harmonize(source, crosswalk)
    assert len(grids) == 1 and grids[0] is not None  # the categorical reader was used
    monkeypatch.setattr(read, "_read_regular", lambda *args: None)
    plain = migharmony.harmonize(source, crosswalk)
    assert len(fast.data) > 0
    pd.testing.assert_frame_equal(schema.as_text(fast.data), schema.as_text(plain.data))
    pd.testing.assert_frame_equal(fast.rejected, plain.rejected)
    pd.testing.assert_frame_equal(fast.cell_problems, plain.cell_problems)


@given(st.lists(st.one_of(st.none(), st.sampled_from(["", "a", "b", " c", "Mali"])),
                max_size=30), st.booleans(), st.booleans(), st.integers(0, 40))
def test_distinct_numbers_each_row_by_its_text(values: list[str | None], categorical: bool,
                                               empty_category: bool, unused: int) -> None:
    """Every row's number points to its text; the texts are those of the rows, in order
    of first appearance, or for a categorical column in the order of its categories
    (missing as "", a category of its own after the others when "" is not one), with
    few categories (compared) or many (counted)."""
    from migharmony._frames import distinct

    plain = pd.Series(values, dtype="str")
    named = ["z", *[f"u{i}" for i in range(unused)], "Mali", "b", "a", " c"]
    categories = ["", *named] if empty_category else named
    series = pd.Series(pd.Categorical([v if v in categories else None for v in values],
                                      categories=categories)) if categorical else plain
    codes, found = distinct(series)
    used = {v or "" for v in values}
    if categorical:
        expected = [c for c in categories if c in used]
        expected += [""] if "" in used and not empty_category else []
    else:  # in order of first appearance
        expected = list(pd.factorize(plain.fillna(""), use_na_sentinel=False)[1])
    assert found == expected
    assert [found[k] for k in codes.tolist()] == [v or "" for v in values]


@given(st.integers(1, 40), st.data())
def test_as_category_keeps_the_codes_in_use_sorted(n_categories: int,
                                                   data: st.DataObject) -> None:
    """as_category drops the unused categories and sorts the rest, whatever their
    number (a few are compared one by one, many counted), values unchanged."""
    categories = [f"c{i:02d}" for i in range(n_categories)][::-1]
    values = data.draw(st.lists(st.one_of(st.none(), st.sampled_from(categories)),
                                max_size=40))
    series = pd.Series(pd.Categorical(values, categories=categories))
    out = schema.as_category(series)
    assert out.cat.categories.tolist() == sorted({v for v in values if v is not None})
    assert out.astype(object).where(out.notna(), None).tolist() == values


@given(st.lists(st.one_of(st.none(), st.sampled_from(["", "a", "b", " c", "Mali"])),
                max_size=30), st.booleans())
def test_texts_in_use_are_the_distinct_texts(values: list[str | None], categorical: bool) -> None:
    from migharmony._frames import distinct, texts_in_use

    plain = pd.Series(values, dtype="str")
    series = plain.astype(pd.CategoricalDtype(["z", "", "Mali", "b", "a", " c"])) \
        if categorical else plain
    assert texts_in_use(series) == set(distinct(series)[1]) == {v or "" for v in values}


@given(st.lists(st.one_of(st.none(), st.sampled_from(["F", "M", "X", "", "_T"])), max_size=30),
       st.sampled_from(["str", "object", "category", "category-unused"]))
def test_each_code_answers_as_the_test_row_by_row(values: list[str | None], kind: str) -> None:
    """each_code answers True only when every row passes; otherwise row by row, as the
    test on each value (missing values pass), through whatever dtype the column has."""
    allowed = {"F", "M", "_T"}
    series = pd.Series(values, dtype="str" if kind == "str" else object)
    if kind.startswith("category"):
        extra = ["X"] if kind == "category-unused" else []  # an unused failing category
        series = series.astype(pd.CategoricalDtype(sorted({v for v in values if v is not None}
                                                          | {*extra})))
    expected = [v is None or v in allowed for v in values]
    answer = schema.each_code(allowed.__contains__)(series)
    if answer is True:
        assert all(expected)
    else:
        assert answer.tolist() == expected
        assert list(answer.index) == list(series.index)
        # Arrow text and categories in use answer True at once when every row passes.
        assert kind in ("object", "category-unused") or not all(expected)


@given(st.lists(st.one_of(st.none(), st.floats(-5, 5, allow_nan=False)), max_size=30))
def test_not_negative_answers_as_row_by_row(values: list[float | None]) -> None:
    from migharmony.schema import _not_negative

    series = pd.Series(values, dtype="float64")
    answer = _not_negative(series)
    expected = [v is None or v >= 0 for v in values]
    assert answer is True if all(expected) else answer.tolist() == expected


@given(st.lists(st.one_of(st.none(), st.sampled_from(["", "_T", "Y0T4", "Y_GE65", "Y15T64",
                                                     "_U", "Y_LT1"])), max_size=30))
def test_age_bounds_through_codes_equal_those_of_each_code(values: list[str | None]) -> None:
    from migharmony import vocab
    from migharmony.pipeline import _age_bounds

    plain = pd.Series(values, dtype="str")
    categorical = plain.astype(pd.CategoricalDtype(["Y_LT1", "", "Y0T4", "_T", "Y_GE65",
                                                    "Y15T64", "_U", "Y_GE100"]))
    one_by_one = vocab.age_intervals(pd.Series([v or "_U" for v in values], dtype=object))
    for series in (plain, categorical):
        low, high = _age_bounds(series)
        for got, bound in ((low, "age_low"), (high, "age_high")):
            assert pd.Series(got, dtype="Int64").tolist() == \
                one_by_one[bound].astype("Int64").tolist()


@given(st.lists(st.tuples(st.sampled_from(["x", "y", None]), st.sampled_from(["1", "2"]),
                          st.integers(0, 2), st.sampled_from(["2019", "2020", None]),
                          st.sampled_from(["STOCK", None])), max_size=30),
       st.integers(1, 4))
def test_row_keys_tell_rows_apart_exactly_as_duplicated(rows: list[tuple], chunks: int) -> None:
    """Categoricals (with and without missing values, constant ones), text, integers,
    and Arrow text in several chunks (as the slices of a large table are joined)."""
    import pyarrow as pa

    from migharmony._frames import repeated, row_keys

    columns = ["a", "b", "c", "d", "e"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["a"] = frame["a"].astype("category")
    frame["b"] = frame["b"].astype("str")
    cut = [len(rows) * i // chunks for i in range(chunks + 1)]
    frame["d"] = pd.array(pa.chunked_array(
        [pa.array([r[3] for r in rows[i:j]], pa.large_string())
         for i, j in itertools.pairwise(cut)], pa.large_string()), dtype="str")
    frame["e"] = frame["e"].astype(pd.CategoricalDtype(["STOCK"]))
    keys = pd.Series(row_keys(frame, columns))
    assert keys.duplicated(keep=False).tolist() == \
        frame.duplicated(columns, keep=False).tolist()
    assert keys.duplicated().tolist() == frame.duplicated(columns).tolist()
    assert sorted(set(keys)) == list(range(keys.nunique()))  # dense: 0, 1, 2...
    assert repeated(row_keys(frame, columns, dense=False)).tolist() == \
        frame.duplicated(columns, keep=False).tolist()


def test_row_keys_renumber_before_overflowing() -> None:
    import numpy as np

    from migharmony._frames import repeated, row_keys

    rng = np.random.default_rng(7)
    frame = pd.DataFrame({f"c{i}": rng.integers(0, 9_000, 20_000) for i in range(6)})
    frame = pd.concat([frame, frame.iloc[::97]], ignore_index=True)  # some repeated rows
    keys = pd.Series(row_keys(frame, list(frame.columns)))
    assert (keys.duplicated(keep=False) == frame.duplicated(keep=False)).all()
    assert keys.duplicated().sum() == frame.duplicated().sum() > 0
    sparse = row_keys(frame, list(frame.columns), dense=False)
    assert (repeated(sparse) == frame.duplicated(keep=False).to_numpy()).all()


CAVEATS = st.sampled_from(["", "b;a", "a", "c[1]", "a;a[1]", None])


@given(st.integers(0, 12).flatmap(lambda n: st.tuples(
    st.lists(CAVEATS, min_size=n, max_size=n), st.lists(CAVEATS, min_size=n, max_size=n),
    st.sampled_from(["", "z", None]))), st.booleans(), st.booleans(), st.booleans())
def test_join_caveats_is_the_union_row_by_row(columns: tuple, sort: bool,
                                              categorical: bool, one_varies: bool) -> None:
    """The union of the columns' caveats, row by row: at most one column varying (the
    texts in use are the combinations) or more (row keys)."""
    from migharmony._frames import join_caveats

    left, right, constant = columns
    if one_varies:
        right = right[:1] * len(right)
    parts = [pd.Series(left, dtype="str"), pd.Series(right, dtype="str"),
             pd.Series([constant] * len(left), dtype="str")]
    if categorical:
        parts = [p.astype("category") for p in parts]
    joined = join_caveats(*parts, sort=sort)
    for i in range(len(left)):
        seen: list[str] = []
        for value in (left[i], right[i], constant):
            for code in (value or "").split(";"):
                if code and code not in seen:
                    seen.append(code)
        assert joined.iloc[i] == ";".join(sorted(seen) if sort else seen)


@pytest.mark.parametrize("whole", [True, False])
def test_both_arrow_readers_count_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       whole: bool) -> None:
    """The threaded whole-file read and the block-by-block read give the same grid and
    refuse a table beyond max_rows alike."""
    monkeypatch.setattr(read, "_surely_within", lambda path, max_rows: whole)
    monkeypatch.setattr(read, "ARROW_BLOCK_BYTES", 64)  # several blocks for the streaming
    path = write(tmp_path / "t.csv", [["Area", "Value"]] + [["Mali", str(i)] for i in range(50)])
    grid = read_grid(path, categorical=True)
    assert is_categorical(grid)
    assert texts(grid) == [["Area"] + ["Mali"] * 50, ["Value"] + [str(i) for i in range(50)]]
    with pytest.raises(ReadError, match="max_rows"):
        read_grid(path, categorical=True, max_rows=50)
    noted = tmp_path / "noted.csv"  # an irregular line: the general reader, same cells
    noted.write_text(path.read_text(encoding="utf-8") + "Note: provisional\n",
                     encoding="utf-8")
    grid = read_grid(noted, categorical=True)
    assert not is_categorical(grid) and texts(grid) == texts(read_grid(noted))
    # Bytes that are not UTF-8 beyond the 64 kB the encoding is guessed from, in a later
    # block (Arrow does not check them as it reads): the general reader, as without Arrow.
    latin = tmp_path / "latin.csv"
    latin.write_bytes(path.read_bytes() + b"Mali,1\n" * 10_000
                      + "Côte d'Ivoire,7\n".encode("cp1252"))
    assert_read_as_the_general_reader_reads(latin)


@pytest.mark.parametrize("note", ["revised\nin 2021", "revised in 2021"])
def test_quoted_line_breaks_across_arrow_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                note: str) -> None:
    """Arrow's threaded read, in blocks far smaller than the file, gives every cell as
    written, whether the quoted fields hold line breaks (found first, then read with
    care) or not (blocks cut at any line break)."""
    import pyarrow.csv as pacsv

    monkeypatch.setattr(read, "ARROW_BLOCK_BYTES", 64)
    careful: list[bool] = []
    arrow_read = pacsv.read_csv

    def spied(*args: Any, **kwargs: Any) -> Any:
        careful.append(kwargs["parse_options"].newlines_in_values)
        return arrow_read(*args, **kwargs)

    monkeypatch.setattr(pacsv, "read_csv", spied)
    table = [["Area", "Value", "Note"]] + [
        ["Congo, Rep.", f"{i:,}", note if i % 7 == 3 else ""] for i in range(995, 1060)]
    path = write(tmp_path / "t.csv", table)
    grid = read_grid(path, categorical=True)
    assert is_categorical(grid)  # Arrow's read, not the general reader's
    assert texts(grid) == [list(column) for column in zip(*table, strict=True)]
    assert careful == ["\n" in note]


@given(st.lists(st.tuples(st.sampled_from(["one", "two"]), st.integers(0, 4),
                          st.booleans()), min_size=1, max_size=5))
def test_concat_codes_joins_parts_as_concat(parts: list[tuple[str, int, bool]]) -> None:
    """Parts one below the other, as pandas joins them: a column of one code (the
    constant definitions, joined as zeros that touch no memory) or of missing values,
    and columns whose categories differ between the parts."""
    from migharmony._frames import concat_codes, constant_codes

    frames = []
    for value, n, missing in parts:
        index = pd.RangeIndex(n)
        frames.append(pd.DataFrame({
            "constant": constant_codes(None if missing else "STOCK", index),
            "mixed": pd.Series(([value, None] * n)[:n], dtype="str").astype("category"),
            "v": pd.Series(range(n), dtype="float64")}))
    expected = pd.concat([f.astype({"constant": "str", "mixed": "str"}) for f in frames],
                         ignore_index=True)
    joined = concat_codes([f.copy() for f in frames])
    assert isinstance(joined["constant"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(joined.astype({"constant": "str", "mixed": "str"}),
                                  expected)


@given(st.lists(st.integers(-1, 2), min_size=1, max_size=6), st.data())
def test_taken_gives_each_row_its_code(lookup: list[int], data: st.DataObject) -> None:
    """taken(lookup, ...) is lookup[take] as a categorical, a lookup of one code for
    all (taken without a take, as zeros that touch no memory) included."""
    import numpy as np

    from migharmony._frames import taken

    take = np.array(data.draw(st.lists(st.integers(0, len(lookup) - 1), max_size=20)),
                    dtype=np.intp)
    categories = pd.Index(["F", "M", "_T"], dtype="str")
    out = taken(np.array(lookup, dtype=np.int8), categories, take, len(take))
    expected = [None if lookup[t] < 0 else categories[lookup[t]] for t in take]
    assert [None if pd.isna(v) else v for v in out] == expected


@given(st.lists(st.sampled_from([0, 0, 3, None]), max_size=12),
       st.lists(st.sampled_from(["STOCK", None]), max_size=12), st.data())
def test_kept_rows_is_the_boolean_filter(numbers: list[int | None], codes: list[str | None],
                                         data: st.DataObject) -> None:
    """kept_rows equals array[mask]; columns of one value (zeros, all missing, one
    category) are made anew as zeros and must not differ."""
    import numpy as np

    from migharmony._frames import kept_rows

    for array in (pd.array(numbers, dtype="Int64"),
                  pd.Categorical(codes, categories=["STOCK"])):
        mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(array),
                                           max_size=len(array))), dtype=bool)
        out = kept_rows(array, mask, int(mask.sum()))
        expected = array[mask]
        assert type(out) is type(expected) and out.dtype == expected.dtype
        assert [None if pd.isna(v) else v for v in out] == \
            [None if pd.isna(v) else v for v in expected]


EDGES = [0, 1, 65_535, 65_536, 131_071, 131_072, 196_607, 196_608, 3 * 65_536 + 4]


@settings(max_examples=25, deadline=None)
@given(st.integers(33, 300), st.lists(st.tuples(
    st.one_of(st.sampled_from(EDGES), st.integers(0, 3 * 65_536 + 4)),
    st.integers(-1, 299)), max_size=12),
       st.sampled_from(["int8", "int16", "int32"]))
def test_codes_in_use_counts_across_its_chunks(n_categories: int,
                                               placed: list[tuple[int, int]],
                                               width: str) -> None:
    """Many categories are counted a chunk of codes at a time: a code anywhere in a
    long column (first chunk, last, across a boundary) is found, and nothing else."""
    import numpy as np

    from migharmony._frames import codes_in_use

    if width == "int8":
        n_categories = min(n_categories, 127)
    codes = np.full(3 * 65_536 + 5, -1, dtype=width)
    for at, code in placed:
        codes[at] = code if code < n_categories else -1
    expected = np.zeros(n_categories, dtype=bool)
    expected[codes[codes >= 0]] = True
    assert codes_in_use(codes, n_categories).tolist() == expected.tolist()


CODE = st.one_of(st.none(), st.sampled_from(["", "M", "F", "_T", "Côte", "1990", "a;b"]))


@settings(max_examples=200, deadline=None)
@given(columns=st.lists(st.tuples(st.sampled_from(["category", "one", "arrow", "float"]),
                                  st.integers(1, 3)), min_size=1, max_size=5),
       rows=st.lists(st.tuples(CODE, CODE, st.floats(allow_nan=True, width=32)),
                     min_size=0, max_size=12))
def test_key_hashes_are_pandas_hashes(columns: list[tuple[str, int]],
                                      rows: list[tuple[str | None, str | None, float]]) -> None:
    """Whatever the columns (categories with or without missing values, of one code or
    none, unused; Arrow text in several chunks, with or without missing; numbers), the
    hashes are ``hash_pandas_object``'s, row by row."""
    import numpy as np
    import pyarrow as pa

    from migharmony._frames import key_hashes

    frame = pd.DataFrame(index=range(len(rows)))
    for i, (kind, chunks) in enumerate(columns):
        texts = [row[i % 2] for row in rows]
        if kind == "category":
            used = {t for t in texts if t is not None}
            column = pd.Categorical(texts, categories=sorted({"Z", *used}))  # "Z" unused
        elif kind == "one":  # one code on every row (a definition of the source)
            column = pd.Categorical(["COB"] * len(rows))
        elif kind == "arrow":
            cut = [len(texts) * k // chunks for k in range(chunks + 1)]
            column = pd.array(pa.chunked_array(
                [pa.array(texts[a:b], pa.large_string()) for a, b in itertools.pairwise(cut)],
                pa.large_string()), dtype=pd.StringDtype("pyarrow", na_value=np.nan))
        else:
            column = np.array([row[2] for row in rows])
        frame[f"c{i}"] = column
    names = list(frame.columns)
    expected = pd.util.hash_pandas_object(frame[names], index=False).to_numpy()
    assert np.array_equal(key_hashes(frame, names), expected)


@settings(max_examples=100, deadline=None)
@given(n_categories=st.integers(0, 300), data=st.data())
def test_decode_gives_each_code_as_text(n_categories: int, data: st.DataObject) -> None:
    """A categorical column of codes as ``str``, whatever the width of its codes (8 or 16
    bits), with missing values as missing."""
    categories = [f"c{i}" for i in range(n_categories)]
    values = data.draw(st.lists(st.one_of(st.none(), st.sampled_from(categories))
                                if categories else st.none(), max_size=20))
    decoded = schema.decode(pd.Series(pd.Categorical(values, categories=categories)))
    assert str(decoded.dtype) == "str"
    assert [None if pd.isna(v) else v for v in decoded] == values
