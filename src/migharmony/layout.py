"""Turn a grid of cells into long *cells*: one row per source data cell.

This is where a crosswalk's ``read``, ``columns`` and ``values`` sections apply:
header rows (merged or spread across columns), the block of data rows, the named
row columns, and the value columns that a wide table spreads its years or sexes
across. The result has, for every data cell:

``_row``, ``_col``
    its 1-based row and 0-based column in the source;
``_ref``
    its location as a user finds it (``Table 1!L81``);
``_raw``
    the cell content, untouched;
one column per named source column (``area_name``, ``type_of_data``...)
    the row's text in that column;
one column per header dimension (``sex``, ``time_period``...)
    the header text above the value column.

Everything is vectorised: a value column is a slice of the grid, never a loop over rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .crosswalk import Crosswalk
from .errors import CrosswalkError, Problem, ReadError
from .read import Grid, column_index, column_letter

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Cells", "cells_from_grid", "text"]

_RANGE = re.compile(r"^([A-Z]{1,3})\s*:\s*([A-Z]{1,3})$")


@dataclass
class Cells:
    """Long cells plus the rows excluded before any cell was read from them."""

    frame: pd.DataFrame
    excluded: pd.DataFrame  # _ref, _raw, reason, rule, plus the same named columns
    header_rows: list[int]
    data_rows: tuple[int, int]
    value_columns: list[int]
    #: The sheet part of the cell references (``"Table 1!"``, or ``""``), for a frame made
    #: without its ``_ref`` column (``cells_from_grid(..., refs=False)``): see :func:`with_refs`.
    ref_prefix: str = ""


def text(value: Any) -> str:
    """A cell as text: numbers without a spurious '.0', None as ''.

    >>> text(1990), text(1990.0), text(None), text("  B R ")
    ('1990', '1990', '', '  B R ')
    """
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _as_text(series: pd.Series) -> pd.Series:
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):  # a categorical grid: texts already
        if not series.hasnans:
            return series
        if "" not in series.cat.categories:
            series = series.cat.add_categories([""])
        return series.fillna("")
    if series.dtype == object:
        uniques, codes = _factorize(series)
        texts = pd.array([text(u) for u in uniques], dtype="str")
        return pd.Series(texts.take(codes) if len(codes) else texts[:0], index=series.index,
                         dtype="str").fillna("")
    return series.astype("str").fillna("")


def _nonblank(series: pd.Series) -> Any:
    """True where a text column (see :func:`_as_text`) holds more than spaces, as numpy."""
    import numpy as np
    import pandas as pd

    from ._frames import category_codes

    if isinstance(series.dtype, pd.CategoricalDtype):  # tested once per distinct text
        filled = np.asarray(series.cat.categories.str.strip() != "", dtype=bool)
        return filled[category_codes(series)]
    return (series.str.strip() != "").to_numpy(dtype=bool)


def _factorize(series: pd.Series) -> tuple[list[Any], Any]:
    import numpy as np
    import pandas as pd

    values = series.to_numpy(dtype=object)
    # Keep 1990 (int) and "1990" (text) apart only by their text: factorize on (type, value).
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return list(uniques), np.asarray(codes)


def _resolve_column(key: str, headers: dict[str, int], grid: Grid, where: str) -> int:
    if key in headers:
        return headers[key]
    if key.startswith("#"):  # an HXL hashtag (migharmony.hxl)
        from .hxl import resolve

        return resolve(key, headers, where)[0]
    if re.fullmatch(r"[A-Z]{1,3}", key):
        return column_index(key)
    raise CrosswalkError(
        f"{where}: column '{key}' is neither a column letter nor a header of the table "
        f"(headers: {', '.join(list(headers)[:20])})")


def _value_columns(spec: Any, headers: dict[str, int], grid: Grid, where: str,
                   width: int) -> list[int]:
    items = [spec] if isinstance(spec, str) else list(spec)
    columns: list[int] = []
    for item in items:
        match = _RANGE.match(str(item).strip())
        if match and str(item).strip() not in headers:
            start, stop = column_index(match.group(1)), column_index(match.group(2))
            if stop < start:
                raise CrosswalkError(f"{where}: values.columns range {item} runs backwards")
            columns.extend(range(start, stop + 1))
        elif str(item).startswith("#") and str(item) not in headers:  # HXL hashtag pattern
            from .hxl import resolve

            columns.extend(resolve(str(item), headers, where, many=True))
        elif str(item).startswith("~"):  # a pattern over header texts
            pattern = re.compile(str(item)[1:])
            columns.extend(i for h, i in headers.items() if pattern.search(h))
        else:
            columns.append(_resolve_column(str(item), headers, grid, where))
    beyond = [c for c in columns if c >= width]
    if beyond:
        raise ReadError(f"{grid.path}: value column {column_letter(beyond[0])} is beyond the "
                        f"last column of the table ({column_letter(width - 1)})")
    return columns


def cells_from_grid(grid: Grid, crosswalk: Crosswalk, *, refs: bool = True) -> Cells:
    """Cut the data block out of *grid* as *crosswalk* describes it, as long cells.

    With ``refs=False`` the cells have no ``_ref`` column yet (the excluded ones do):
    :func:`with_refs` adds it to any part of them, so that a large table's references
    are written slice by slice, in the slices' threads.
    """
    import numpy as np
    import pandas as pd

    read = crosswalk.section("read")
    cells = grid.cells
    width = cells.shape[1]
    # The last row number: the row count for a whole table; a batch of a larger table
    # (migharmony.batches) keeps the file's row numbers, after its header rows.
    n_rows = int(cells.index[-1]) if len(cells) else 0
    header_rows = [int(r) for r in read.get("header_rows", [1] if grid.kind == "csv" else [])]
    for r in header_rows:
        if r > n_rows:
            raise ReadError(f"{grid.path}: header row {r} is beyond the end of the table "
                            f"({n_rows} rows); check read.header_rows")
    # An HXL hashtag row (migharmony.hxl) is one more header row: column meaning, never data.
    header_rows, headers, hxl_row = _headers(cells, header_rows, read.get("hxl", "auto"), width)

    first, last = _data_rows(grid, read, header_rows, hxl_row, n_rows)

    named: dict[str, int] = {
        name: _resolve_column(str(key), headers, grid, crosswalk.where("columns", key))
        for key, name in crosswalk.section("columns").items()
    }
    values = crosswalk.section("values")
    value_cols = _value_columns(values.get("columns", []), headers, grid,
                                crosswalk.where("values", "columns"), width)
    flag_col = named.get(values["flags"]) if values.get("flags") else None

    block = _block(cells, first, last, bool(read.get("stop_at_blank", False)))
    # Rows that are blank in every column the crosswalk uses hold no data cell.
    used = sorted({*value_cols, *named.values()})
    used_text = {c: _as_text(block[c]) for c in used if c < width}
    # A categorical column without a blank text fills every row: no row to test.
    if any(isinstance(t.dtype, pd.CategoricalDtype)
           and not (t.cat.categories.str.strip() == "").any() for t in used_text.values()):
        keep = np.ones(len(block), dtype=bool)
    else:
        keep = np.logical_or.reduce([_nonblank(t) for t in used_text.values()]) \
            if used_text else np.zeros(len(block), dtype=bool)
    every = bool(keep.all())  # a long table: no blank row, no row to drop
    block_rows = block.index if every else block.index[keep]

    row_frame = pd.DataFrame({name: (used_text[c] if every else used_text[c][keep])
                              if c < width else "" for name, c in named.items()},
                             index=block_rows, copy=False)
    excluded_rows, reasons = _excluded_rows(crosswalk, row_frame)

    n_cols = len(value_cols)
    # Row and column numbers as 32-bit integers (a sheet has at most 2**20 rows; a text
    # table is refused beyond max_rows long before 2**31).
    row_type = np.int32 if n_rows < 2**31 else np.int64
    row_numbers = np.arange(block_rows.start, block_rows.stop, block_rows.step, dtype=row_type) \
        if isinstance(block_rows, pd.RangeIndex) else block_rows.to_numpy().astype(row_type)
    rows = row_numbers if n_cols == 1 else np.repeat(row_numbers, n_cols)
    # One value column: its number for every cell as one read-only number, not an array.
    cols = np.broadcast_to(np.int32(value_cols[0]), (len(rows),)) if n_cols == 1 else \
        np.tile(np.asarray(value_cols, dtype=np.int32), len(block_rows))
    raw = _stacked_values(cells, block, block_rows, value_cols, None if every else keep)
    # The frame is made once from its arrays: set one by one, each column was copied.
    columns: dict[str, Any] = {"_row": rows, "_col": cols, "_raw": raw}
    prefix = f"{grid.sheet}!" if grid.sheet is not None else ""
    if refs:
        columns["_ref"] = cell_refs(prefix, rows, cols)
    # Row texts repeated over the value columns: a take of the Arrow strings, never a
    # round trip through a numpy object array.
    repeat = None if n_cols == 1 else np.repeat(np.arange(len(row_frame)), n_cols)
    for name in named:
        column = row_frame[name].array
        columns[name] = column if repeat is None else column.take(repeat)
    if flag_col is not None:
        columns["_flags"] = _as_text(cells.loc[block_rows, flag_col]).to_numpy().repeat(n_cols)
    elif values.get("flags") == "right":  # an unlabeled flag column right of each value column
        columns["_flags"] = _flags_right(cells, block_rows, value_cols, width)
    # values.headers makes header texts a dimension; values.header_columns a named column.
    header_texts = {**values.get("headers", {}), **values.get("header_columns", {})}
    for row_ref, dim in header_texts.items():
        columns[dim] = _header_texts(cells, int(row_ref), value_cols, width, len(block_rows))
    frame = pd.DataFrame(columns, copy=False)

    kept, excluded = _without_rows(frame, excluded_rows, reasons, prefix)
    return Cells(frame=kept, excluded=excluded, header_rows=header_rows,
                 data_rows=(first, last), value_columns=value_cols, ref_prefix=prefix)


def _without_rows(frame: pd.DataFrame, rows: set[int], reasons: Mapping[int, str],
                  prefix: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cells of *frame* outside *rows*, and those inside with their reason."""
    import pandas as pd

    if not rows:  # no row excluded: no test of every row number
        return frame, with_refs(frame.iloc[:0], prefix).assign(
            reason=pd.Series(dtype="str"), rule="excluded-row")
    gone = frame["_row"].isin(rows)
    excluded = with_refs(frame.loc[gone], prefix).assign(
        reason=frame.loc[gone, "_row"].map(reasons), rule="excluded-row")
    return (frame.loc[~gone].reset_index(drop=True) if len(excluded) else frame), excluded


def with_refs(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """*frame* (cells from :func:`cells_from_grid`) with its ``_ref`` column: *prefix*
    (the sheet part) and each cell's column letter and row number; *frame* itself
    when it has one.

    >>> import pandas as pd
    >>> cells = pd.DataFrame({"_row": [7, 7, 8], "_col": [1, 2, 1]})
    >>> with_refs(cells, "Table 1!")["_ref"].tolist()
    ['Table 1!B7', 'Table 1!C7', 'Table 1!B8']
    """
    if "_ref" in frame:
        return frame
    out = frame.copy(deep=False)
    out["_ref"] = cell_refs(prefix, frame["_row"], frame["_col"])
    return out


def cell_refs(prefix: str, rows: Any, cols: Any) -> Any:
    """``Table 1!L81`` for each cell (*rows* and *cols*: its row and column numbers, as
    Series or arrays), joined by Arrow: no Python string per cell."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from ._frames import numbered

    if not len(rows):
        return pd.array([], dtype="str")
    col, row = np.asarray(cols), np.asarray(rows)
    used = np.flatnonzero(np.bincount(col))  # column numbers: small, few distinct
    if len(used) == 1:
        return numbered(prefix + column_letter(int(used[0])), row)
    number = np.zeros(int(used[-1]) + 1, dtype=np.int32)
    number[used] = np.arange(len(used), dtype=np.int32)
    heads = pa.array([prefix + column_letter(int(c)) for c in used], pa.large_string())
    return numbered(heads.take(pa.array(number[col])), row)


def _data_rows(grid: Grid, read: Any, header_rows: list[int], hxl_row: int | None,
               n_rows: int) -> tuple[int, int]:
    """The first and last data rows: below the headers (and HXL row), within the table."""
    first = int(read.get("first_row", (max(header_rows) + 1) if header_rows else 1))
    if hxl_row is not None:
        first = max(first, hxl_row + 1)
    last = int(read.get("last_row", n_rows))
    if first > n_rows and "first_row" in read:  # a header alone is an empty table
        raise ReadError(f"{grid.path}: the first data row {first} is beyond the end of the "
                        f"table ({n_rows} rows); check read.first_row")
    return first, min(last, n_rows)


def _block(cells: pd.DataFrame, first: int, last: int, stop_at_blank: bool) -> pd.DataFrame:
    """The data rows; with *stop_at_blank*, only those above the first blank row."""
    block = cells.loc[first:last]
    if stop_at_blank:
        blank = block.apply(lambda col: _as_text(col).str.strip() == "").all(axis=1)
        if blank.any():
            first_blank: int = blank.idxmax()  # type: ignore[assignment]
            block = block.loc[: first_blank - 1]
    return block


def _stacked_values(cells: pd.DataFrame, block: pd.DataFrame, block_rows: pd.Index,
                    value_cols: list[int], keep: Any) -> Any:
    """The value cells, row by row (row-major), as one array; *keep* drops blank rows."""
    import numpy as np
    import pandas as pd

    n_cols = len(value_cols)
    n_block = len(block_rows)

    def row_major() -> Any:  # the order of the stacked columns, row by row
        return (np.arange(n_block)[:, None] + np.arange(n_cols)[None, :] * n_block).ravel()

    if n_cols and all(isinstance(cells[c].dtype, pd.CategoricalDtype) for c in value_cols):
        # A categorical grid: the codes interleaved, the distinct texts once.
        parts = [(block[c] if keep is None else block[c][keep]).array for c in value_cols]
        if n_cols == 1:
            return parts[0]
        return pd.api.types.union_categoricals(parts).take(row_major())
    if n_cols and all(pd.api.types.is_string_dtype(cells[c].dtype) and cells[c].dtype != object
                      for c in value_cols):
        # Text tables: the value columns stay Arrow strings, interleaved row by row by one
        # take (a round trip through a numpy object array cost a Python string per cell).
        stacked = pd.concat([block[c] if keep is None else block[c][keep] for c in value_cols],
                            ignore_index=True).array
        return stacked if n_cols == 1 else stacked.take(row_major())
    if not n_cols:
        return np.empty(0, dtype=object)
    return cells.loc[block_rows, value_cols].to_numpy(dtype=object).ravel()


def _header_texts(cells: pd.DataFrame, row: int, value_cols: list[int], width: int,
                  n_rows: int) -> Any:
    """The header text of *row* above each value cell (carried right over empty cells)."""
    import numpy as np
    import pandas as pd

    labels = [" ".join(text(cells.at[row, c]).split()) for c in range(width)]
    filled = _fill_forward(labels)
    return pd.Series([filled[c] for c in value_cols], dtype="str").iloc[
        np.tile(np.arange(len(value_cols)), n_rows)].to_numpy()


def _headers(cells: pd.DataFrame, header_rows: list[int], hxl: Any,
             width: int) -> tuple[list[int], dict[str, int], int | None]:
    """Header rows (with the HXL row if any), header text -> column, and the HXL row.

    Labels come from the last header row; with an HXL row, hashtags come first and the
    texts of the header row above it are kept as further names of the same columns.
    """
    from .hxl import find_row

    hxl_row = find_row(cells, header_rows, hxl)
    plain_header = header_rows[-1] if header_rows else None
    if hxl_row is not None and hxl_row not in header_rows:
        header_rows = sorted([*header_rows, hxl_row])
    last_header = header_rows[-1] if header_rows else None
    headers: dict[str, int] = {}
    for row in (last_header, plain_header if hxl_row is not None else None):
        if row is None:
            continue
        for col in range(width):
            label = " ".join(text(cells.at[row, col]).split())
            if label and label not in headers:
                headers[label] = col
    return header_rows, headers, hxl_row


def _flags_right(cells: pd.DataFrame, rows: Any, value_cols: list[int], width: int) -> Any:
    """Flags written in the column right of each value, '(e)' or 'e', row-major like cells."""
    import numpy as np

    right = [c + 1 for c in value_cols]
    if any(c >= width for c in right):
        raise ReadError("values.flags is 'right' but the last value column has no column to "
                        "its right")
    block = cells.loc[rows, right]
    texts = np.column_stack([_as_text(block[c]).str.strip().str.strip("()[]").str.strip()
                             .to_numpy(dtype=object) for c in right]) if right else \
        np.empty((len(rows), 0), dtype=object)
    return texts.ravel()


def _fill_forward(labels: list[str]) -> list[str]:
    out, current = [], ""
    for label in labels:
        current = label or current
        out.append(current)
    return out


def _excluded_rows(crosswalk: Crosswalk, rows: pd.DataFrame) -> tuple[set[int], dict[int, str]]:
    reasons: dict[int, str] = {}
    for i, rule in enumerate(crosswalk.data.get("exclude_rows", [])):
        reason = " ".join(str(rule["reason"]).split())
        hit = set()
        for r in rule.get("rows", []):
            hit.add(int(r))
        for name, wanted in rule.get("where", {}).items():
            if name not in rows:
                raise CrosswalkError(
                    f"{crosswalk.where('exclude_rows', i, 'where', name)}: '{name}' is not a "
                    "column named under `columns`",
                    problems=[Problem("unknown column", key=name)])
            targets = {" ".join(text(w).split()) for w in wanted}
            mask = rows[name].str.split().str.join(" ").isin(targets)
            hit.update(int(r) for r in rows.index[mask.to_numpy()])
        for r in hit:
            reasons.setdefault(r, reason)
    return set(reasons), reasons
