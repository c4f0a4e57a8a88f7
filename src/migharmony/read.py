"""Read a source table into a grid of cells, exactly as the producer published it.

A :class:`Grid` keeps every cell with its spreadsheet coordinates, so that every
value can later be traced back (``Table 1!L81``; ``row 12, column E`` for text
files). Readers here do no interpretation: layout, codes and values are the
business of :mod:`migharmony.layout` and :mod:`migharmony.values`.

Spreadsheets: XLSX (openpyxl) and legacy XLS (xlrd, the ``xls`` extra); merged
cells are filled with their value; formula cells are read through their cached
value, and a formula without one is reported, never read as empty. Hidden sheets
are skipped unless named. Text files: encoding detected (UTF-8 with or without
BOM, else Windows-1252/Latin-1), delimiter sniffed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Problem, ReadError, SourceNotFoundError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Grid", "column_index", "column_letter", "read_grid"]

#: Refuse xlsx files whose parts decompress beyond this many bytes (raise with max_bytes=).
MAX_UNZIPPED_BYTES = 1_000_000_000
MAX_ROWS = 5_000_000
#: Bytes Arrow's text reader parses at a time (its memory beyond the table read).
ARROW_BLOCK_BYTES = 1 << 24
#: Refuse tables wider than this many columns (Excel's own limit; raise with max_columns=).
MAX_COLUMNS = 16_384


@dataclass
class Grid:
    """The cells of one sheet (or text file): ``cells`` has 1-based row numbers as index
    and 0-based column positions as columns; empty cells are ``None`` or ``""``."""

    cells: pd.DataFrame
    sheet: str | None
    kind: str  # "xlsx", "xls" or "csv"
    path: str
    problems: list[Problem] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def ref(self, row: int, col: int) -> str:
        """The location of one cell, in the form a user finds it in the file."""
        if self.sheet is not None:
            return f"{self.sheet}!{column_letter(col)}{row}"
        return f"{column_letter(col)}{row}"


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """0-based column index of spreadsheet letters.

    >>> column_index("A"), column_index("Z"), column_index("AA")
    (0, 25, 26)
    """
    value = 0
    for char in letters.upper():
        if not "A" <= char <= "Z":
            raise ValueError(f"'{letters}' is not a column letter")
        value = value * 26 + ord(char) - 64
    return value - 1


def read_grid(path: str | Path, *, format: str = "auto", sheet: str | int | None = None,
              encoding: str | None = None, delimiter: str | None = None,
              max_rows: int | None = None, max_bytes: int | None = None,
              max_columns: int | None = None, categorical: bool = False) -> Grid:
    """Read one sheet of a workbook, or a text file, into a :class:`Grid`.

    *max_rows* and *max_bytes* (decompressed size of an xlsx) bound what is read;
    they default to :data:`MAX_ROWS` and :data:`MAX_UNZIPPED_BYTES`, looked up at
    call time so that a program may raise them for every call.

    With ``categorical=True`` a regular UTF-8 text table (every line as wide as the
    first) may come back with categorical columns: the same texts, each distinct text
    stored once (Arrow's CSV reader, dictionary-encoded). Other text tables and
    workbooks come back as without it, so a caller must accept both.
    """
    max_rows = MAX_ROWS if max_rows is None else int(max_rows)
    max_bytes = MAX_UNZIPPED_BYTES if max_bytes is None else int(max_bytes)
    max_columns = MAX_COLUMNS if max_columns is None else int(max_columns)
    path = Path(path)
    if not path.is_file():
        raise SourceNotFoundError(f"source file {path} not found")
    kind = format if format != "auto" else _sniff_format(path)
    if kind == "xlsx":
        return _read_xlsx(path, sheet, max_rows, max_bytes, max_columns)
    if kind == "xls":
        return _read_xls(path, sheet, max_rows)
    if kind == "csv":
        return _read_text(path, encoding, delimiter, max_rows, max_columns, categorical)
    raise ReadError(f"{path}: cannot read format '{kind}' as a table grid")


def _sniff_format(path: Path) -> str:
    head = path.read_bytes()[:8]
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".xls":
        return "xls"
    return "csv"


def _check_zip(path: Path, max_bytes: int) -> None:
    import zlib

    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
            # The size is checked before anything is decompressed (a zip bomb is
            # refused without being inflated); the declared sizes are binding, since
            # zipfile stops at them and then fails the checksum.
            if total > max_bytes:
                raise ReadError(
                    f"{path}: the workbook decompresses to {total:,} bytes, above the limit "
                    f"of {max_bytes:,}; if you trust the file, raise the limit (read.max_bytes "
                    "in the crosswalk, or max_bytes=)")
            bad = archive.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError,
            OSError, EOFError, ValueError) as exc:
        if isinstance(exc, ReadError):
            raise
        raise ReadError(f"{path}: not a readable xlsx workbook ({exc}); open it in a "
                        "spreadsheet program and save it again as .xlsx") from None
    if bad is not None:
        raise ReadError(f"{path}: the workbook is damaged (part {bad} fails its checksum)")


def _pick_sheet(names: list[str], hidden: set[str], sheet: str | int | None,
                path: Path) -> str:
    if sheet is None:
        visible = [n for n in names if n not in hidden]
        if not visible:
            raise ReadError(f"{path}: the workbook has no visible sheet")
        return visible[0]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise ReadError(f"{path}: sheet number {sheet} does not exist "
                            f"(sheets: {', '.join(names)})")
        return names[sheet]
    if sheet not in names:
        from .errors import did_you_mean

        near = did_you_mean(sheet, names)
        raise ReadError(f"{path}: no sheet named '{sheet}'"
                        + (f"; did you mean '{near[0]}'?" if near else "")
                        + f" (sheets: {', '.join(names)})")
    return sheet


def _read_xlsx(path: Path, sheet: str | int | None, max_rows: int, max_bytes: int,
               max_columns: int) -> Grid:
    import warnings

    import openpyxl
    import pandas as pd

    _check_zip(path, max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise ReadError(f"{path}: openpyxl cannot read the workbook ({type(exc).__name__}: "
                        f"{exc}); save it again as .xlsx") from None
    hidden = {ws.title for ws in book.worksheets if ws.sheet_state != "visible"}
    name = _pick_sheet(book.sheetnames, hidden, sheet, path)
    ws = book[name]
    if ws.max_row > max_rows:
        raise ReadError(f"{path}: sheet '{name}' has {ws.max_row:,} rows, above the limit of "
                        f"{max_rows:,}; pass a larger max_rows if you trust the file")
    if ws.max_column > max_columns:
        raise ReadError(f"{path}: sheet '{name}' has {ws.max_column:,} columns, above the "
                        f"limit of {max_columns:,}; pass a larger max_columns if you trust "
                        "the file")
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    width = max((len(r) for r in rows), default=0)
    cells = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object,
                         index=pd.RangeIndex(1, len(rows) + 1), columns=range(width))
    for merged in ws.merged_cells.ranges:
        top: Any = cells.at[merged.min_row, merged.min_col - 1] \
            if merged.min_row <= len(rows) else None
        cells.loc[merged.min_row:merged.max_row,
                  merged.min_col - 1:merged.max_col - 1] = top
    grid = Grid(cells=cells, sheet=name, kind="xlsx", path=str(path))
    try:
        grid.problems.extend(_uncached_formulas(path, name, cells, grid))
    except Exception as exc:  # openpyxl's streaming reader fails in its own ways
        raise ReadError(f"{path}: openpyxl cannot read the formulas of sheet '{name}' "
                        f"({type(exc).__name__}: {exc}); save the file again as .xlsx"
                        ) from None
    return grid


def _uncached_formulas(path: Path, name: str, cells: pd.DataFrame, grid: Grid) -> list[Problem]:
    """Formula cells whose cached value is missing (the file was never recalculated)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    problems = []
    try:
        for row in book[name].iter_rows():
            for cell in row:
                if getattr(cell, "data_type", None) != "f" or cell.row is None:
                    continue
                col = cell.column - 1
                cached = cells.at[cell.row, col] if col in cells.columns else None
                if cached is None:
                    problems.append(Problem(
                        f"formula {cell.value} has no cached value; open the file in a "
                        "spreadsheet program, recalculate and save it",
                        where=grid.ref(cell.row, col), rule="uncached-formula",
                        extra={"row": cell.row, "col": col}))
    finally:
        book.close()
    return problems


def _read_xls(path: Path, sheet: str | int | None, max_rows: int) -> Grid:
    try:
        import xlrd
    except ImportError:
        raise ReadError(f"{path}: reading legacy .xls workbooks needs xlrd; install it with "
                        "`pip install 'migharmony[xls]'`") from None
    import io

    import pandas as pd

    try:
        # xlrd parses sheets lazily (on_demand): a damaged sheet fails when it is first
        # touched, so every access to the book is inside the try. Its warnings go to a
        # buffer, not to stdout.
        book = xlrd.open_workbook(str(path), formatting_info=False, on_demand=True,
                                  logfile=io.StringIO())
        hidden = {s.name for s in book.sheets() if getattr(s, "visibility", 0)}
        name = _pick_sheet(book.sheet_names(), hidden, sheet, path)
        ws = book.sheet_by_name(name)
    except ReadError:
        raise
    except Exception as exc:  # xlrd raises XLRDError, AssertionError, struct.error...
        raise ReadError(f"{path}: not a readable .xls workbook ({type(exc).__name__}: {exc})"
                        ) from None
    if ws.nrows > max_rows:
        raise ReadError(f"{path}: sheet '{name}' has {ws.nrows:,} rows, above {max_rows:,}")
    rows = []
    for r in range(ws.nrows):
        values: list[Any] = []
        for cell in ws.row(r):
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                values.append(None)
            elif cell.ctype == xlrd.XL_CELL_NUMBER and float(cell.value).is_integer():
                values.append(int(cell.value))
            else:
                values.append(cell.value)
        rows.append(values)
    width = max((len(r) for r in rows), default=0)
    cells = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object,
                         index=pd.RangeIndex(1, len(rows) + 1), columns=range(width))
    for r0, r1, c0, c1 in getattr(ws, "merged_cells", []):
        cells.loc[r0 + 1:r1, c0:c1 - 1] = cells.at[r0 + 1, c0]  # type: ignore[index,assignment]
    return Grid(cells=cells, sheet=name, kind="xls", path=str(path))


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as such, else Windows-1252.

    >>> detect_encoding("Côte d'Ivoire".encode("utf-8")), detect_encoding("Côte".encode("latin-1"))
    ('utf-8', 'cp1252')
    """
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.reason != "unexpected end of data" or exc.start < len(sample) - 3:
            return "cp1252"
    return "utf-8"


def sniff_delimiter(text: str) -> str:
    """The delimiter of a text table: the one among , ; tab | that splits lines evenly.

    Lines are compared with the most common field count, not with the first line,
    so that a title line above the table does not decide.

    >>> sniff_delimiter("a;b;c\\n1;2,5;3\\n")
    ';'
    >>> sniff_delimiter("Stock, by sex and age (thousands)\\nSex;Age;2022\\nF;0-14;12,4\\n"
    ...                 "M;0-14;13,1\\n")
    ';'
    """
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ",", -1.0
    for delim in (",", ";", "\t", "|"):
        try:
            counts = [len(next(csv.reader([line], delimiter=delim))) for line in lines]
        except (csv.Error, StopIteration):
            continue
        if not counts or max(counts) < 2:
            continue
        usual = Counter(c for c in counts if c >= 2).most_common(1)[0][0]
        consistent = sum(c == usual for c in counts) / len(counts)
        score = consistent * 10 + min(usual, 50) / 50
        if score > best_score:
            best, best_score = delim, score
    return best


def _longest_line_bytes(path: Path, chunk: int = 1 << 23) -> int:
    """The length in bytes of the longest line: a line of n bytes has at most n + 1
    fields, so a file whose lines are all short needs no field count at all.
    Vectorised over chunks of the file (numpy), whatever its size."""
    import numpy as np

    longest, carry = 0, 0
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
            if not len(ends):
                carry += len(block)
                longest = max(longest, carry)
                continue
            longest = max(longest, carry + int(ends[0]))
            if len(ends) > 1:
                longest = max(longest, int(np.diff(ends).max()) - 1)
            carry = len(block) - int(ends[-1]) - 1
        longest = max(longest, carry)
    return longest


def _widest_line(path: Path, encoding: str, delimiter: str) -> int:
    """An upper bound of the number of fields in the widest line (quotes ignored)."""
    widest = 0
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        for line in handle:
            widest = max(widest, line.count(delimiter) + 1)
    return widest


def _widest_exact(path: Path, encoding: str, delimiter: str) -> int:
    widest = 0
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        try:
            for row in csv.reader(handle, delimiter=delimiter):
                widest = max(widest, len(row))
        except csv.Error:
            return widest
    return widest


def _read_regular(path: Path, delimiter: str, width: int, max_rows: int) -> pd.DataFrame | None:
    """A regular UTF-8 table (BOM or not) as categorical columns (Arrow's CSV reader), or None.

    None, and the general reader takes over, whenever Arrow does not read the file
    exactly as the general reader would: a line wider or narrower than the first
    (titles, notes, blank lines), a first line narrower than the widest of the sample,
    bytes that are not UTF-8. Beyond *max_rows* rows the table is refused, having read
    at most one block more (all of it when its size said it would fit).
    """
    import pyarrow as pa

    too_many = ReadError(f"{path}: more than {max_rows:,} rows; pass a larger max_rows")
    if not _surely_within(path, max_rows):
        # A block at a time, to stop soon after max_rows: one chunk of max_rows + 1 rows
        # means too many; a shorter one is the whole table; none, an irregular one.
        chunk = next(regular_chunks(path, delimiter, width, max_rows + 1, 0), None)
        if chunk is not None and len(chunk) > max_rows:
            raise too_many
        return chunk
    try:  # Arrow's threaded reader, then the count
        table = _arrow_table(path, delimiter, width)
    except (pa.ArrowException, OSError, ValueError):
        return None
    if table is None:
        return None
    if table.num_rows > max_rows:
        raise too_many
    return _categorical_frame(table, 1)


def _surely_within(path: Path, max_rows: int) -> bool:
    """Whether the file likely holds at most *max_rows* rows (its size over the mean line
    length of its first 64 kB, with a fifth of room): then it is read whole by Arrow's
    threaded reader; otherwise a block at a time, to stop soon after *max_rows*. A wrong
    guess costs time, never a wrong table: the rows are counted either way."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        sample = handle.read(1 << 16)
    lines = max(sample.count(b"\n"), 1)
    return size / (len(sample) / lines) <= max_rows * 1.2


def _arrow_options(delimiter: str, width: int, *, breaks_in_quotes: bool = True
                   ) -> dict[str, Any]:
    """Options of Arrow's CSV reader: every column as dictionary-encoded text, exactly
    as written (no missing values, no type guessing), quoted line breaks honoured
    (*breaks_in_quotes* False: the file is known to have none, see :mod:`._quotes`).

    The reader does not check that the text is UTF-8 (a tenth of its CPU time at 10M
    rows): :func:`_utf8_checked` checks each block's distinct texts instead."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    text = pa.dictionary(pa.int32(), pa.string())
    return {
        "read_options": pacsv.ReadOptions(autogenerate_column_names=True,
                                          block_size=ARROW_BLOCK_BYTES),
        "parse_options": pacsv.ParseOptions(delimiter=delimiter,
                                            newlines_in_values=breaks_in_quotes,
                                            ignore_empty_lines=False),
        "convert_options": pacsv.ConvertOptions(
            column_types={f"f{i}": text for i in range(width)}, null_values=[],
            strings_can_be_null=False, quoted_strings_can_be_null=False, check_utf8=False)}


def _utf8_checked(table: Any) -> Any:
    """*table* (dictionary-encoded text read by Arrow), once every distinct text of every
    block is valid UTF-8; raises ``pyarrow.ArrowInvalid`` otherwise, as Arrow's reader
    does when it checks every cell (2 ms for the 205,000 distinct texts of a 10M-row
    table, against 0.2 s of CPU)."""
    for column in table.columns:  # a table's columns are chunked, a batch's are not
        for chunk in getattr(column, "chunks", [column]):
            chunk.dictionary.validate(full=True)
    return table


def _all_text(schema: Any, width: int) -> bool:
    import pyarrow as pa

    text = pa.dictionary(pa.int32(), pa.string())
    return len(schema) == width and all(f.type == text for f in schema)


def _arrow_table(path: Path, delimiter: str, width: int) -> Any:
    """The whole table by Arrow's threaded CSV reader, or None when the first line is
    not *width* fields wide. A file none of whose quoted fields holds a line break
    (:func:`._quotes.line_breaks_in_quotes`) is cut into blocks at any line break,
    without a first pass over its quotes by one thread (0.8 s instead of 1.0-2.3 s at
    10M rows)."""
    import pyarrow.csv as pacsv

    from ._quotes import line_breaks_in_quotes

    breaks = line_breaks_in_quotes(path, delimiter)
    table = pacsv.read_csv(path, **_arrow_options(delimiter, width, breaks_in_quotes=breaks))
    return _utf8_checked(table) if _all_text(table.schema, width) else None


def _arrow_reader(path: Path, delimiter: str, width: int) -> Any:
    """Arrow's streaming CSV reader (a block at a time), or None when the first line is
    not *width* fields wide."""
    import pyarrow.csv as pacsv

    reader = pacsv.open_csv(path, **_arrow_options(delimiter, width))
    return reader if _all_text(reader.schema, width) else None


def _categorical_frame(table: Any, first_row: int) -> pd.DataFrame:
    """An Arrow table of dictionary-encoded text as a grid: categorical columns numbered
    from 0, rows numbered from *first_row*."""
    import pandas as pd

    cells: pd.DataFrame = table.to_pandas()
    cells.index = pd.RangeIndex(first_row, first_row + len(cells))
    cells.columns = pd.RangeIndex(table.num_columns)
    return cells


def regular_chunks(path: Path, delimiter: str, width: int, chunk_rows: int,
                   skip_rows: int) -> Generator[pd.DataFrame, None, int | None]:
    """Chunks of *chunk_rows* rows of a regular UTF-8 text table, after its first
    *skip_rows* rows, as categorical grids indexed by their row numbers in the file.

    Arrow reads a block at a time, so memory holds about one chunk. At the first block
    it cannot read as such a table (a line of another width, bytes that are not UTF-8)
    it stops without error and returns the row number to go on from, so that the
    caller reads the rest with the general reader; it returns None when it read all.
    """
    import pyarrow as pa

    row = 1  # the file row number of the next row read
    try:
        reader = _arrow_reader(path, delimiter, width)
        if reader is None:
            return row + skip_rows
        pending: list[Any] = []
        n_pending, skip = 0, skip_rows
        for block in reader:
            cut = min(skip, block.num_rows)  # header rows, already read by the caller
            skip, row = skip - cut, row + cut
            _utf8_checked(block)
            pending.append(block.slice(cut) if cut else block)
            n_pending += block.num_rows - cut
            while n_pending >= chunk_rows:
                table = pa.Table.from_batches(pending, schema=reader.schema)
                yield _categorical_frame(table.slice(0, chunk_rows), row)
                row += chunk_rows
                rest = table.slice(chunk_rows)
                pending, n_pending = rest.to_batches(), rest.num_rows
    except (pa.ArrowException, OSError, ValueError):
        return max(row, skip_rows + 1)
    if n_pending:
        yield _categorical_frame(pa.Table.from_batches(pending, schema=reader.schema), row)
    return None


def _read_text(path: Path, encoding: str | None, delimiter: str | None, max_rows: int,
               max_columns: int = MAX_COLUMNS, categorical: bool = False) -> Grid:
    import pandas as pd

    with path.open("rb") as handle:
        sample = handle.read(1 << 16)
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(f"{path}: this looks like a binary file, not a text table")
    enc = encoding or detect_encoding(sample)
    try:
        head = sample.decode(enc, errors="replace")
    except LookupError:
        raise ReadError(f"{path}: unknown encoding '{enc}'") from None
    delim = delimiter or sniff_delimiter(head)
    # Title or note lines above and below the table have fewer fields than the table:
    # read as many columns as the widest line of the sample, not of the first line
    # (quoted line breaks honoured; a line cut by the end of the sample left out).
    whole = len(sample) < 1 << 16
    lines = head if whole else head[: max(head.rfind("\n"), 0)]
    try:
        width = max((len(row) for row in csv.reader(io.StringIO(lines, newline=""),
                                                     delimiter=delim) if len(delim) == 1),
                    default=0)
    except csv.Error:
        width = 0
    if categorical and enc in ("utf-8", "utf-8-sig") and 1 < width <= max_columns \
            and len(delim) == 1 and delim not in "\"\r\n":
        # Every line as wide as the first, which is no wider than max_columns.
        fast = _read_regular(path, delim, width, max_rows)
        if fast is not None:
            return Grid(cells=fast, sheet=None, kind="csv", path=str(path),
                        details={"encoding": enc, "delimiter": delim})
    # A line with a million separators would make a million columns (minutes of work
    # for pandas); count first, and count exactly (quotes honoured) only when needed.
    try:
        if _longest_line_bytes(path) >= max_columns and \
                _widest_line(path, enc, delim) > max_columns and \
                _widest_exact(path, enc, delim) > max_columns:
            raise ReadError(f"{path}: a line has more than {max_columns:,} columns separated "
                            f"by '{delim}'; check read.delimiter, or pass a larger max_columns "
                            "if you trust the file")
    except LookupError:
        raise ReadError(f"{path}: unknown encoding '{enc}'") from None
    names = list(range(width)) if width > 1 else None
    try:
        cells = pd.read_csv(path, sep=delim, header=None, names=names, dtype="str",
                            keep_default_na=False,
                            encoding=enc, encoding_errors="strict", skip_blank_lines=False,
                            nrows=max_rows + 1, on_bad_lines="error", engine="python"
                            if len(delim) > 1 else "c", quoting=csv.QUOTE_MINIMAL)
    except UnicodeDecodeError as exc:
        if encoding is None and enc.startswith("utf-8"):
            return _read_text(path, "cp1252", delim, max_rows, max_columns)
        raise ReadError(f"{path}: cannot decode the text as {enc} (byte {exc.start}); "
                        "give the encoding in the crosswalk (read.encoding)") from None
    except pd.errors.ParserError as exc:
        raise ReadError(f"{path}: the table is not regular text with '{delim}' between "
                        f"columns ({exc}); check read.delimiter in the crosswalk") from None
    except pd.errors.EmptyDataError:
        raise ReadError(f"{path}: the file is empty") from None
    except (ValueError, OSError, csv.Error) as exc:
        raise ReadError(f"{path}: cannot read it as a text table ({exc})") from None
    if len(cells) > max_rows:
        raise ReadError(f"{path}: more than {max_rows:,} rows; pass a larger max_rows")
    cells.index = pd.RangeIndex(1, len(cells) + 1)
    cells.columns = pd.RangeIndex(cells.shape[1])
    return Grid(cells=cells, sheet=None, kind="csv", path=str(path),
                details={"encoding": enc, "delimiter": delim})


def read_notes(path: str | Path, sheet: str | int, key_column: str, text_column: str,
               first_row: int | None, last_row: int | None, *, max_rows: int | None = None,
               max_bytes: int | None = None) -> dict[str, str]:
    """Numbered notes from a notes sheet: note key (as text) -> note text."""
    grid = read_grid(path, sheet=sheet, max_rows=max_rows, max_bytes=max_bytes)
    cells = grid.cells.loc[first_row or 1:last_row or len(grid.cells)]
    keys = cells.get(column_index(key_column))
    texts = cells.get(column_index(text_column))
    if keys is None or texts is None:
        return {}
    notes = {}
    for key, text in zip(keys, texts, strict=True):
        if key is None or text is None or str(key).strip() == "":
            continue
        k = str(key).strip().strip("()").strip()  # "(12)" and "12" are the same note
        notes[k[:-2] if k.endswith(".0") else k] = " ".join(str(text).split())
    return notes

