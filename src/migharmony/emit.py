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
from collections.abc import Iterator, Mapping
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
    import pyarrow as pa
    import pyarrow.parquet as pq

    clean = frame.copy(deep=False)  # copy-on-write: the attrs are cleared, no data copied
    clean.attrs = {}
    table = pa.Table.from_pandas(clean, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[METADATA_KEY] = metadata_json(metadata).encode("utf-8")
    table = table.replace_schema_metadata(meta)
    names = table.column_names
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp,
                       write_statistics=[n for n in names if n not in _NO_STATISTICS],
                       use_dictionary=[n for n in names if n != "source_ref"])
    return Path(path)


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
    """A workbook for people who live in spreadsheets: data, rejected, caveats, metadata."""
    import pandas as pd

    rows = _flatten(result.metadata)
    meta = pd.DataFrame(rows, columns=["key", "value"])
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        data = result.data.copy()
        data.attrs = {}
        neutralise(data).to_excel(writer, sheet_name="data", index=False)
        neutralise(result.rejected).to_excel(writer, sheet_name="rejected", index=False)
        neutralise(result.caveats()).to_excel(writer, sheet_name="caveats", index=False)
        neutralise(meta).to_excel(writer, sheet_name="metadata", index=False)
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
