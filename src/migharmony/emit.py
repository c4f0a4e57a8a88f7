"""Write harmonized frames without losing their metadata, and never half a file.

* Parquet: the metadata (JSON) is embedded in the file's key-value metadata under
  ``migharmony``; :func:`read_parquet` gives it back in ``frame.attrs``.
* CSV: a Frictionless Data Package (``datapackage.json``) beside the CSV carries
  the table schema, licence, sources and our metadata.
* SDMX-CSV 2.0: ``STRUCTURE,STRUCTURE_ID,ACTION`` then dimensions and attributes.
* Excel: data, rejected, caveats and metadata sheets.

Every write goes to a temporary file in the target folder and is renamed into
place, so a failure never leaves half a file where a good one was. Text written
to CSV and Excel is neutralised against spreadsheet formula injection: a field
starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
apostrophe (numbers are left alone).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .result import HarmonizedResult

__all__ = ["neutralise", "read_parquet", "unneutralise", "write_csv", "write_excel",
           "write_parquet", "write_sdmx_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
METADATA_KEY = b"migharmony"


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside *path*; rename it onto *path* only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); give it the mode a plain open() would,
        # or keep the mode of the file it replaces.
        tmp_path.chmod(target.stat().st_mode & 0o7777 if target.exists() else
                       0o666 & ~_umask())
        tmp_path.replace(target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of *frame* whose text cells cannot be evaluated by a spreadsheet.

    >>> import pandas as pd
    >>> neutralise(pd.DataFrame({"a": ["=1+1", "ok", "-x"], "b": [1.0, -2.0, 3.0]}))["a"].tolist()
    ["'=1+1", 'ok', "'-x"]
    """
    import pandas as pd

    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.CategoricalDtype):  # codes: the categories, once each
            cats = col.cat.categories.astype("str")
            risky_codes = cats.str.startswith(_FORMULA_START)
            if risky_codes.any():
                safe = cats.where(~risky_codes, "'" + cats)
                if safe.is_unique:
                    out[name] = col.cat.rename_categories(list(safe))
                    continue
                col = col.astype("str")
            else:
                continue
        if pd.api.types.is_string_dtype(col) or col.dtype == object:
            text = col.astype("str")
            risky = text.str.startswith(_FORMULA_START, na=False)
            if risky.any():
                out[name] = text.where(~risky, "'" + text)
    return out


def unneutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise`: drop the apostrophe before a formula character.

    >>> import pandas as pd
    >>> unneutralise(pd.DataFrame({"a": ["'=1+1", "ok", "'-x", "'plain"]}))["a"].tolist()
    ['=1+1', 'ok', '-x', "'plain"]
    """
    import pandas as pd

    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype("str")
        if pd.api.types.is_string_dtype(col) or col.dtype == object:
            text = col.astype("str")
            escaped = text.str.match(r"'[=+\-@\t\r]", na=False)
            if escaped.any():
                col = col.astype(object)
                col[escaped] = text[escaped].str[1:]
                out[name] = col
    return out


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def metadata_json(metadata: Mapping[str, Any]) -> str:
    return json.dumps(metadata, ensure_ascii=False, default=_json_default, sort_keys=True)


#: Canonical text columns written without min/max statistics: readers filter on the key
#: dimensions and the numbers, not on these, and their statistics cost a quarter of the
#: write. ``source_ref`` (one value per cell) is also written without a dictionary.
_NO_STATISTICS = frozenset({"obs_status", "conf_status", "obs_flags", "caveats",
                            "unit_measure", "source_ref"})


def write_parquet(frame: pd.DataFrame, path: str | Path, metadata: Mapping[str, Any]) -> Path:
    """Parquet with *metadata* embedded; returns the path written.

    Every column has min/max statistics (so that a reader can skip row groups when it
    filters on them) except the text attributes ``obs_status``, ``conf_status``,
    ``obs_flags``, ``caveats``, ``unit_measure`` and ``source_ref``.
    """
    import pyarrow.parquet as pq

    table = _arrow(frame)
    table = table.cast(_required(table.schema, table))
    table = table.replace_schema_metadata(_with_metadata(table.schema, metadata))
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, **_parquet_options(table.column_names))
    return Path(path)


def _arrow(frame: pd.DataFrame) -> Any:
    """*frame* as the Arrow table ``pa.Table.from_pandas(frame, preserve_index=False)``
    gives (types, values, pandas metadata), without the attrs.

    The canonical dtypes are taken column by column, each array as it is: categorical
    codes as dictionary indices, numbers with a validity bitmap packed by numpy only
    where values are missing, Arrow text as its chunks. pyarrow would build a bitmap
    from every column's mask and start a pool of threads per call: 27 ms of CPU for a
    1M-row slice, against 4 ms. A column of another dtype sends the whole frame through
    ``from_pandas``.
    """
    import pyarrow as pa

    clean = frame.copy(deep=False)  # copy-on-write: the attrs are cleared, no data copied
    clean.attrs = {}
    if clean.columns.is_unique and len(clean):
        schema = pa.Schema.from_pandas(clean.iloc[:0], preserve_index=False)
        try:
            arrays = [_arrow_column(clean[field.name], field.type) for field in schema]
            if all(array is not None for array in arrays):
                return pa.Table.from_arrays(arrays, schema=schema)
        except (pa.ArrowException, TypeError, ValueError):
            pass  # an unusual column (categories of no text type...): pyarrow's own way
    return pa.Table.from_pandas(clean, preserve_index=False, nthreads=1)


def _arrow_column(column: pd.Series, kind: Any) -> Any:
    """One canonical column as an Arrow array of type *kind*, or None for a dtype this
    does not take (then ``from_pandas`` converts the frame)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from ._frames import category_codes

    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype) and pa.types.is_dictionary(kind):
        codes = category_codes(column)
        values = pa.array(column.array.categories.array, kind.value_type)
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        return pa.DictionaryArray.from_arrays(_with_nulls(codes, codes < 0, kind.index_type),
                                              values, ordered=kind.ordered, safe=False)
    if dtype == np.float64 and kind == pa.float64():  # NaN is missing, as from_pandas has it
        numbers = column.to_numpy()
        return _with_nulls(numbers, np.isnan(numbers), kind)
    if isinstance(dtype, pd.Int64Dtype) and kind == pa.int64():
        masked = column.array
        return _with_nulls(masked._data, masked._mask, kind)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" \
            and kind == pa.large_string():
        return pa.array(column.array, kind)
    return None


def _with_nulls(values: Any, missing: Any, kind: Any) -> Any:
    """The numpy array *values* as an Arrow array of type *kind* (no copy), missing where
    *missing* is true: the validity bitmap packed by numpy, and only when needed."""
    import numpy as np
    import pyarrow as pa

    values = np.ascontiguousarray(values)
    nulls = int(np.count_nonzero(missing))
    if not nulls:
        return pa.array(values, kind)
    valid = np.packbits(~missing, bitorder="little")
    return pa.Array.from_buffers(kind, len(values), [pa.py_buffer(valid), pa.py_buffer(values)],
                                 null_count=nulls)


def _with_metadata(schema: Any, metadata: Mapping[str, Any]) -> dict[bytes, bytes]:
    meta = dict(schema.metadata or {})
    meta[METADATA_KEY] = metadata_json(metadata).encode("utf-8")
    return meta


#: Rows handed to Parquet's column writers at a time. Arrow's default, 1,024, makes the
#: writer find the categories in use (for the statistics) and check the page size a
#: thousand times per million rows: 64k rows at a time wrote a million observations in
#: 144 ms instead of 170, with the same statistics and file size (a data page may hold
#: up to 64k rows before its size is checked).
WRITE_BATCH_ROWS = 1 << 16


def _parquet_options(names: list[str]) -> dict[str, Any]:
    return {"write_statistics": [n for n in names if n not in _NO_STATISTICS],
            "use_dictionary": [n for n in names if n != "source_ref"],
            "write_batch_size": WRITE_BATCH_ROWS}


class ParquetParts:
    """One Parquet file written part by part while the next parts are being made (used
    by ``harmonize(..., parquet=...)``; not part of the public API).

    :func:`migharmony.harmonize` with ``parquet=`` gives it the observations of each
    slice as soon as the slice is harmonized; a thread of its own writes them, in
    their order (one row group each), while the next slices are harmonized. The file
    is the one :func:`write_parquet` would write from the joined parts (the same rows,
    columns, statistics and embedded metadata), and it appears at *path* only when
    :meth:`finish` succeeds: :meth:`abort`, or any failure, leaves no file and no
    temporary file behind.
    """

    def __init__(self, path: str | Path) -> None:
        import threading

        self.path = Path(path)
        self.parts = 0  # parts given so far
        self._stack = contextlib.ExitStack()
        self._tmp = self._stack.enter_context(atomic_path(self.path))
        self._ready: dict[int, Any] = {}
        self._written = 0
        self._writer: Any = None
        self._schema: Any = None
        self._error: BaseException | None = None
        self._codes = _WideCodes()  # the writer's 32-bit codes, in arrays kept from part to part
        self._stop = False
        self._closed = False
        #: Called by the writer with each part's number once it is written (in order).
        self.on_written: Callable[[int], None] | None = None
        self._turn = threading.Condition()
        self._thread = threading.Thread(target=self._write, name="migharmony-parquet",
                                        daemon=True)
        self._thread.start()

    def put(self, number: int, frame: pd.DataFrame) -> None:
        """Part *number* (0, 1, 2...; each exactly once, in any order) of the rows."""
        table = _arrow(frame)  # in the caller's thread: the slices convert in parallel
        with self._turn:
            if self._error is not None:  # the file cannot be written: stop the work now
                raise self._error
            if number == 0:  # the file's schema: that of the first part (written first)
                self._schema = _part_schema(_required(table.schema, table))
            # Kept with its narrow codes until written: cast to the file's 32-bit codes in
            # the slice's thread, the parts waiting for the writer took 60 MB more at 3M.
            self._ready[number] = table
            self.parts += 1
            self._turn.notify_all()

    def _write(self) -> None:
        import pyarrow.parquet as pq

        try:
            while True:
                with self._turn:
                    while self._written not in self._ready and not self._stop:
                        self._turn.wait()
                    if self._written not in self._ready:  # stopped, nothing left to write
                        return
                    table = self._ready.pop(self._written)
                    schema = self._schema
                if self._writer is None:
                    self._writer = pq.ParquetWriter(self._tmp, schema,
                                                    **_parquet_options(schema.names))
                self._writer.write_table(self._codes.cast(table, schema))
                del table
                if self.on_written is not None:
                    self.on_written(self._written)
                with self._turn:
                    self._written += 1
                    self._turn.notify_all()
        except BaseException as error:  # given to the caller by finish()
            with self._turn:
                self._error = error
                self._turn.notify_all()

    def flush(self) -> None:
        """Wait until every part given so far is written (the caller may then change
        the arrays they were made of); raises the writer's error, if any."""
        with self._turn:
            while self._written < self.parts and self._error is None:
                self._turn.wait()
            if self._error is not None:
                raise self._error

    def finish(self, metadata: Mapping[str, Any]) -> Path:
        """Wait for every part given to be written, embed *metadata*, put the file in
        place; returns its path."""
        import base64

        try:
            self.flush()
        except BaseException:
            self.abort()
            raise
        with self._turn:
            self._stop = True
            self._turn.notify_all()
        self._thread.join()
        try:
            if self._error is not None:
                raise self._error
            if self._writer is None or self._written != self.parts:
                raise RuntimeError(f"{self.path}: parts 0 to {self.parts - 1} were not all "
                                   "given; this is a bug in migharmony, please report it")
            # Arrow reads a file's schema metadata from the schema it stored when the file
            # was opened (key ARROW:schema): store it again, with the metadata now known.
            final = self._schema.with_metadata(_with_metadata(self._schema, metadata))
            self._writer.add_key_value_metadata({
                METADATA_KEY: final.metadata[METADATA_KEY],
                b"ARROW:schema": base64.b64encode(final.serialize().to_pybytes())})
            self._writer.close()
            self._writer = None
        except BaseException:
            self.abort()
            raise
        self._closed = True
        self._stack.close()  # renamed into place
        return self.path

    def abort(self) -> None:
        """Stop writing and remove the temporary file; nothing is left at *path*."""
        if self._closed:
            return
        self._closed = True
        with self._turn:
            self._stop = True
            self._ready.clear()
            self._turn.notify_all()
        self._thread.join()
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
            self._writer = None
        self._stack.__exit__(RuntimeError, RuntimeError("aborted"), None)  # file removed


class _WideCodes:
    """Casts of the parts to the file's schema, the narrow category codes widened to 32
    bits in arrays kept from one part to the next (the writer's thread writes one part
    at a time, and Parquet holds nothing of a part once it is written): a million rows
    took 60 MB of fresh memory per part through ``Table.cast``."""

    def __init__(self) -> None:
        self._arrays: dict[str, Any] = {}

    def cast(self, table: Any, schema: Any) -> Any:
        """*table* with *schema*'s types (``table.cast(schema)``, nulls checked alike),
        valid until the next call: its widened codes are in the kept arrays."""
        import numpy as np
        import pyarrow as pa

        columns = []
        for field, column in zip(schema, table.columns, strict=True):
            if not field.nullable and column.null_count:
                raise ValueError(f"column {field.name} has missing values, but the file "
                                 "declares it required; this is a bug in migharmony, "
                                 "please report it")
            kind = column.type
            if pa.types.is_dictionary(kind) and pa.types.is_dictionary(field.type) \
                    and kind.value_type == field.type.value_type \
                    and field.type.index_type == pa.int32() and column.num_chunks == 1 \
                    and column.chunk(0).indices.null_count == 0:
                chunk = column.chunk(0)
                n = len(chunk)
                wide = self._arrays.get(field.name)
                if wide is None or len(wide) < n:
                    wide = self._arrays[field.name] = np.empty(n, dtype=np.int32)
                np.copyto(wide[:n], chunk.indices.to_numpy(zero_copy_only=True),
                          casting="unsafe")  # narrow codes: every value fits
                columns.append(pa.DictionaryArray.from_arrays(
                    pa.array(wide[:n]), chunk.dictionary, ordered=field.type.ordered,
                    safe=False))
            else:
                columns.append(column.cast(field.type))
        return pa.Table.from_arrays(columns, schema=schema)


def _required(schema: Any, table: Any) -> Any:
    """*schema* with the observations' columns that the canonical schema never leaves
    empty (all but ``age_low``, ``age_high``, ``obs_value`` and ``obs_count``) marked
    required (not nullable), when *table* has no missing value in them.

    A required Parquet column stores no definition levels: it tells a reader that no
    value is missing, and the writer skips a run-length pass per column (a million
    observations written in 124 ms instead of 148). Other tables (rejected cells) are
    left as they are.
    """
    import pyarrow as pa

    from .schema import BY_NAME

    if "obs_value" not in schema.names:
        return schema

    def required(field: Any) -> bool:
        kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        spec = BY_NAME.get(field.name)
        return (spec is not None and not spec.nullable and not pa.types.is_null(kind)
                and table.column(field.name).null_count == 0)

    return pa.schema([field.with_nullable(False) if required(field) else field
                      for field in schema], metadata=schema.metadata)


def _part_schema(schema: Any) -> Any:
    """*schema* with every dictionary column as 32-bit codes of large text: the parts of
    one file must share a schema, and a slice's categories may need 8 or 16 bits."""
    import pyarrow as pa

    kind = pa.dictionary(pa.int32(), pa.large_string())
    return pa.schema([field.with_type(kind) if pa.types.is_dictionary(field.type) else field
                      for field in schema], metadata=schema.metadata)


def read_parquet(path: str | Path) -> pd.DataFrame:
    """Read a Parquet file written by migharmony, metadata back in ``attrs``."""
    import pyarrow.parquet as pq

    from .schema import conform

    table = pq.read_table(path)
    frame = table.to_pandas()
    if "obs_value" in frame.columns:  # observations: canonical dtypes (codes categorical)
        frame = conform(frame)
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    if raw:
        frame.attrs["migharmony"] = json.loads(raw.decode("utf-8"))
    out: pd.DataFrame = frame
    return out


def _field_type(series: pd.Series) -> str:
    import pandas as pd

    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def write_csv(frame: pd.DataFrame, path: str | Path, metadata: Mapping[str, Any]) -> Path:
    """CSV (UTF-8) and ``datapackage.json`` beside it."""
    from .schema import BY_NAME

    target = Path(path)
    src = metadata.get("source", {})
    fields = []
    for name in frame.columns:
        spec = BY_NAME.get(name)
        fields.append({"name": name, "type": _field_type(frame[name]),
                       "description": spec.description if spec else "further breakdown"})
    package = {
        "name": str(metadata.get("source_id", "migharmony")).lower(),
        "title": metadata.get("title", ""),
        "licenses": [{"name": src.get("licence", ""), "path": src.get("licence_url", "")}]
        if src.get("licence_url") else [{"name": src.get("licence", "unknown")}],
        "sources": [{"title": src.get("producer", ""), "path": src.get("url", "")}]
        if src.get("url") else [{"title": src.get("producer", "")}],
        "resources": [{
            "name": target.stem.lower().replace(" ", "-").replace(".", "-"),
            "path": target.name, "profile": "tabular-data-resource", "format": "csv",
            "encoding": "utf-8", "mediatype": "text/csv",
            "schema": {"fields": fields, "missingValues": [""]},
        }],
        "migharmony": json.loads(metadata_json(metadata)),
    }
    # Both files are written to temporary files first and renamed only when both are
    # complete, so a failure leaves the previous pair as it was.
    with atomic_path(target.with_name("datapackage.json")) as tmp_package, \
            atomic_path(target) as tmp:
        _csv(neutralise(frame), tmp)
        tmp_package.write_text(json.dumps(package, ensure_ascii=False, indent=2),
                               encoding="utf-8")
    return target


def _csv(frame: pd.DataFrame, path: Path) -> None:
    # CRLF ends records (RFC 4180): Python's csv module quotes a field holding a line
    # break only when the break is part of the line terminator, so with a bare "\n"
    # a carriage return inside a text field would split its row in every reader.
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\r\n")


#: Canonical columns written as SDMX dimensions (in order) and as attributes.
SDMX_DIMENSIONS = ("ref_area", "counterpart_area", "time_period", "measure", "migr_basis",
                   "pop_type", "sex", "age")
SDMX_ATTRIBUTES = ("unit_measure", "unit_mult", "obs_status", "conf_status", "residence_rule",
                   "source_type", "ref_date_type", "caveats", "source_ref")


def write_sdmx_csv(frame: pd.DataFrame, path: str | Path, metadata: Mapping[str, Any], *,
                   dataflow: str | None = None) -> Path:
    """SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, dimensions, OBS_VALUE, attributes."""
    import pandas as pd

    from .schema import extra_dimensions

    flow = dataflow or f"MIGHARMONY:{str(metadata.get('source_id', 'DATA')).upper()}(1.0)"
    dims = [*SDMX_DIMENSIONS[:6], *extra_dimensions(frame), *SDMX_DIMENSIONS[6:]]
    out = pd.DataFrame({"STRUCTURE": "dataflow", "STRUCTURE_ID": flow, "ACTION": "I"},
                       index=frame.index)
    for name in dims:
        out[name.upper()] = frame[name]
    out["OBS_VALUE"] = frame["obs_value"]
    for name in SDMX_ATTRIBUTES:
        out[name.upper()] = frame[name]
    with atomic_path(path) as tmp:
        _csv(neutralise(out), tmp)
    return Path(path)


def write_excel(result: HarmonizedResult, path: str | Path) -> Path:
    """A workbook for people who live in spreadsheets: data, rejected, caveats, metadata
    and mapping (what each source label became: :meth:`HarmonizedResult.mapping`)."""
    import pandas as pd

    rows = _flatten({k: v for k, v in result.metadata.items() if k != "mapping"})
    meta = pd.DataFrame(rows, columns=["key", "value"])
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        data = result.data.copy()
        data.attrs = {}
        neutralise(data).to_excel(writer, sheet_name="data", index=False)
        neutralise(result.rejected).to_excel(writer, sheet_name="rejected", index=False)
        neutralise(result.caveats()).to_excel(writer, sheet_name="caveats", index=False)
        neutralise(meta).to_excel(writer, sheet_name="metadata", index=False)
        neutralise(result.mapping()).to_excel(writer, sheet_name="mapping", index=False)
    return Path(path)


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        out: list[tuple[str, str]] = []
        for k, v in value.items():
            out.extend(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        out = []
        for i, v in enumerate(value):
            out.extend(_flatten(v, f"{prefix}[{i}]"))
        return out
    return [(prefix, "" if value is None else str(value))]
