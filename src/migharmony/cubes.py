"""Read data cubes (JSON-stat, SDMX, Parquet) into long cells, one row per observation.

Spreadsheets need a layout (:mod:`migharmony.layout`) to find their data cells;
cubes already are lists of observations, each with a code per dimension. This module
turns them into the same :class:`~migharmony.layout.Cells` frame so that everything
after reading (values, flags, mapping, caveats, validation) is shared:

``_row``
    the observation's position in the message (1-based), or its row in a table;
``_ref``
    where a user finds it: ``value[275] (geo=DE, time=2020)`` for JSON-stat,
    ``obs 0:0:0:0:0:0:0:0:4`` or ``series 0:1:0 obs 5`` for SDMX-JSON,
    ``row 12`` for SDMX-CSV and Parquet, ``obs 12`` for SDMX-ML;
``_raw``
    the value as published (``None`` where the cube has no value for the position); a
    Parquet column of texts as a categorical (a missing text reads as an empty cell);
``_flags``
    the observation status as published (JSON-stat ``status``, SDMX ``OBS_STATUS``),
    read through the crosswalk's ``flags`` exactly like flags glued to a value; absent
    where the cube publishes none;
one column per source dimension and attribute, named by its id
    (``geo``, ``time``, ``citizen``; ``REF_AREA``, ``TIME_PERIOD``, ``UNIT_MULT``).
    A crosswalk names the ones it uses under ``columns`` (``{geo: geo}``,
    ``{REF_AREA: ref_area}``) and maps them under ``dimensions`` with ``from:``,
    exactly as for spreadsheet columns.

Formats, chosen by ``read.format`` or, when it is ``auto``, from the file:

* ``jsonstat``: a JSON-stat 2.0 dataset (Eurostat API, PX-Web); ``value`` and
  ``status`` as lists or dictionaries (a ``status`` string applies to every value);
  a version 1 bundle is read by its dataset name (``read.dataset``) or if it holds one.
* ``sdmx-json``: an SDMX-JSON data message, 1.0 or 2.0, series or flat observations,
  with observation, series and dataset attributes.
* ``sdmx-csv``: SDMX-CSV 1.0 (``DATAFLOW`` column) or 2.0 (``STRUCTURE``,
  ``STRUCTURE_ID``, ``ACTION``); cells written ``CODE: Label`` (``labels=both``) are
  cut to their code.
* ``sdmx-ml``: an SDMX-ML data message, read with ``pysdmx`` (the ``sdmx`` extra).
* ``parquet``: a long table with one value column (``read.value_column``); its text
  columns are read as categoricals, each distinct text kept once.

:func:`codelist_labels` reads a code list of an SDMX-ML structure message (for
example the OECD ``DSD_MIG`` structure) as labels for a crosswalk.

>>> import json, pathlib, tempfile
>>> from migharmony.crosswalk import load
>>> cube = {"version": "2.0", "class": "dataset", "id": ["geo", "time"], "size": [2, 1],
...         "dimension": {"geo": {"category": {"index": ["DE", "EL"]}},
...                       "time": {"category": {"index": ["2020"]}}},
...         "value": [10398022, None], "status": {"1": ":"}}
>>> path = pathlib.Path(tempfile.mkdtemp()) / "cube.json"
>>> _ = path.write_text(json.dumps(cube))
>>> cw = load({"migharmony": "crosswalk/1", "id": "demo", "title": "Demo",
...            "source": {"producer": "Demo", "licence": "CC0"},
...            "definitions": {"measure": "STOCK"}, "read": {"format": "jsonstat"},
...            "columns": {"geo": "geo", "time": "time"},
...            "dimensions": {"ref_area": {"from": "geo", "map": {"DE": "DEU", "EL": "GRC"}},
...                           "time_period": {"from": "time"}}})
>>> cells = cells_from_file(path, cw).frame
>>> cells[["_ref", "_raw", "_flags"]].values.tolist()
[['value[0] (geo=DE)', 10398022, ''], ['value[1] (geo=EL)', None, ':']]
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._frames import numbered
from .crosswalk import Crosswalk
from .errors import CrosswalkError, ReadError, SourceNotFoundError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .layout import Cells

__all__ = ["FORMATS", "cells_from_file", "codelist_labels", "sniff_format"]

#: Cube formats this module reads (``read.format`` values).
FORMATS = ("jsonstat", "sdmx-json", "sdmx-csv", "sdmx-ml", "parquet")
#: Largest cube (number of positions) read without ``read.max_rows``.
MAX_CELLS = 20_000_000


def sniff_format(path: Path) -> str:
    """The cube format of *path*, from its suffix and its first bytes.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.json"
    >>> _ = p.write_text('{"version": "2.0", "class": "dataset", "value": []}')
    >>> sniff_format(p)
    'jsonstat'
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    with path.open("rb") as handle:
        head = handle.read(1 << 14)
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        return "sdmx-ml"
    if text.startswith("{"):
        if '"dataSets"' in text or '"dataSet"' in text or '"structures"' in text:
            return "sdmx-json"
        return "jsonstat"
    first = text.split("\n", 1)[0].upper()
    if first.startswith(("DATAFLOW", "STRUCTURE", '"DATAFLOW', '"STRUCTURE')):
        return "sdmx-csv"
    raise ReadError(f"{path}: cannot tell which cube format this file is in; name it in the "
                    f"crosswalk (read.format: one of {', '.join(FORMATS)})")


def cells_from_file(path: str | Path, crosswalk: Crosswalk) -> Cells:
    """Long cells of the cube in *path*, as *crosswalk* names its columns."""
    path = Path(path)
    if not path.is_file():
        raise SourceNotFoundError(f"source file {path} not found")
    read = crosswalk.section("read")
    fmt = read.get("format", "auto")
    if fmt in (None, "auto"):
        fmt = sniff_format(path)
    readers = {"jsonstat": _jsonstat, "sdmx-json": _sdmx_json, "sdmx-csv": _sdmx_csv,
               "sdmx-ml": _sdmx_ml, "parquet": _parquet}
    if fmt not in readers:
        raise ReadError(f"{path}: '{fmt}' is not a cube format ({', '.join(FORMATS)})")
    frame = readers[fmt](path, read)
    return _finish(frame, crosswalk, path)


# ---------------------------------------------------------------- shared helpers


def _load_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            return json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReadError(f"{path}: not valid JSON ({exc}); download the file again") from None


def _finish(frame: pd.DataFrame, crosswalk: Crosswalk, path: Path) -> Cells:
    """Add the crosswalk's names for source columns; build the Cells."""
    import pandas as pd

    from .layout import Cells

    available = [c for c in frame.columns if not str(c).startswith("_")]
    problems = []
    for raw_key, name in crosswalk.section("columns").items():
        key = str(raw_key)
        if key in frame:
            if name != key:
                frame[name] = frame[key]
            continue
        near = did_you_mean(key, available)
        problems.append(f"{crosswalk.where('columns', key)}: the cube has no dimension or "
                        f"attribute '{key}'" + (f"; did you mean '{near[0]}'?" if near else "")
                        + f" (it has {', '.join(available)})")
    if problems:
        raise CrosswalkError(f"{crosswalk.name}: the columns named in the crosswalk are not in "
                             f"{path.name}:\n  - " + "\n  - ".join(problems))
    # A position without a value is None (never NaN, which would read as the text 'nan');
    # a categorical column of texts (Parquet) stays so: a missing one reads as "".
    if not isinstance(frame["_raw"].dtype, pd.CategoricalDtype):
        raw = frame["_raw"].astype(object)
        frame["_raw"] = raw.where(raw.notna(), None)
    frame["_col"] = 0
    excluded = pd.DataFrame({"_ref": pd.Series(dtype="str"), "_raw": pd.Series(dtype=object),
                             "reason": pd.Series(dtype="str"), "rule": pd.Series(dtype="str")})
    return Cells(frame=frame.reset_index(drop=True), excluded=excluded, header_rows=[],
                 data_rows=(1, len(frame)), value_columns=[])


def _status_text(series: pd.Series) -> pd.Series:
    """Status codes as text, '' where none; several codes (a list) joined by spaces."""
    import pandas as pd

    def one(v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        if isinstance(v, list | tuple):
            return " ".join(str(x) for x in v if x is not None)
        return str(v).strip()

    return pd.Series([one(v) for v in series.to_numpy(dtype=object)], index=series.index,
                     dtype="str")


# ---------------------------------------------------------------- JSON-stat


def _jsonstat_dataset(doc: Any, path: Path, read: Mapping[str, Any]) -> Mapping[str, Any]:
    if not isinstance(doc, Mapping):
        raise ReadError(f"{path}: a JSON-stat file holds an object, not {type(doc).__name__}")
    if doc.get("class") == "dataset" or ("value" in doc and "dimension" in doc):
        return doc
    if doc.get("class") == "collection":
        raise ReadError(f"{path}: a JSON-stat collection links to datasets; download one "
                        "dataset (class 'dataset') and harmonize that")
    # JSON-stat 1.x bundle: {"name": {dataset}, ...}
    datasets = {k: v for k, v in doc.items() if isinstance(v, Mapping) and "value" in v}
    wanted = read.get("dataset")
    if wanted is not None:
        if wanted not in datasets:
            raise ReadError(f"{path}: no dataset '{wanted}' in the bundle "
                            f"(datasets: {', '.join(datasets)}); check read.dataset")
        return datasets[wanted]
    if len(datasets) == 1:
        return next(iter(datasets.values()))
    raise ReadError(f"{path}: not a JSON-stat dataset (no 'value' and 'dimension')"
                    + (f"; the bundle holds {', '.join(datasets)}: name one in read.dataset"
                       if datasets else ""))


def _category_codes(dim_id: str, dim: Mapping[str, Any], size: int, path: Path) -> list[str]:
    category = dim.get("category") or {}
    index = category.get("index")
    if isinstance(index, list):
        codes = [str(c) for c in index]
    elif isinstance(index, Mapping):
        codes = [""] * len(index)
        for code, pos in index.items():
            if not isinstance(pos, int) or not 0 <= pos < len(index):
                raise ReadError(f"{path}: dimension {dim_id}: category '{code}' has the "
                                f"position {pos!r}, outside 0..{len(index) - 1}")
            codes[pos] = str(code)
    elif isinstance(category.get("label"), Mapping) and len(category["label"]) == 1:
        codes = [str(next(iter(category["label"])))]  # one category: the index may be left out
    else:
        raise ReadError(f"{path}: dimension {dim_id} has no category index")
    if len(codes) != size:
        raise ReadError(f"{path}: dimension {dim_id} has {len(codes)} categories but its size "
                        f"is {size}")
    return codes


def _positional(name: str, data: Any, n: int, path: Path, default: Any) -> list[Any]:
    """JSON-stat ``value``/``status`` as a list of *n* (list, dict of positions, or scalar)."""
    if data is None:
        return [default] * n
    if isinstance(data, list):
        if len(data) != n and not (name == "status" and len(data) == 1):
            raise ReadError(f"{path}: '{name}' has {len(data)} entries but the dimensions "
                            f"multiply to {n} positions")
        return data * n if len(data) == 1 and n != 1 else list(data)
    if isinstance(data, Mapping):
        out = [default] * n
        for key, v in data.items():
            try:
                pos = int(key)
            except ValueError:
                raise ReadError(f"{path}: '{name}' key {key!r} is not a position") from None
            if not 0 <= pos < n:
                raise ReadError(f"{path}: '{name}' position {pos} is outside 0..{n - 1}")
            out[pos] = v
        return out
    if name == "status" and isinstance(data, str):
        return [data] * n
    raise ReadError(f"{path}: '{name}' is a {type(data).__name__}, not a list or an object")


def _jsonstat(path: Path, read: Mapping[str, Any]) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    ds = _jsonstat_dataset(_load_json(path), path, read)
    ids = ds.get("id")
    sizes = ds.get("size")
    dims = ds.get("dimension") or {}
    if not isinstance(ids, list) or not isinstance(sizes, list) or len(ids) != len(sizes):
        raise ReadError(f"{path}: a JSON-stat 2.0 dataset needs 'id' and 'size' lists of the "
                        "same length")
    n = math.prod(int(s) for s in sizes)
    limit = int(read.get("max_rows", MAX_CELLS))
    if n > limit:
        raise ReadError(f"{path}: the cube has {n:,} positions, above the limit of {limit:,}; "
                        "set read.max_rows if you trust the file")
    codes = {d: _category_codes(d, dims.get(d) or {}, int(s), path)
             for d, s in zip(ids, sizes, strict=True)}
    values = _positional("value", ds.get("value"), n, path, None)
    status = _positional("status", ds.get("status"), n, path, "")
    frame = pd.DataFrame({"_row": np.arange(1, n + 1), "_raw": pd.Series(values, dtype=object)})
    # Row-major order: the last dimension varies fastest.
    ref = pd.Series([f"value[{i}]" for i in range(n)], dtype="str")
    varying = []
    inner = n
    for d, size in zip(ids, sizes, strict=True):
        s = int(size)
        inner //= max(s, 1)
        outer = n // (s * inner) if s else 0
        pos = np.tile(np.repeat(np.arange(s), inner), outer)
        column = pd.array(codes[d], dtype="str").take(pos) if n else pd.array([], dtype="str")
        frame[str(d)] = column
        if s > 1:
            varying.append(str(d))
    if varying:
        detail = frame[varying[0]].radd(f"{varying[0]}=")
        for d in varying[1:]:
            detail = detail + f", {d}=" + frame[d]
        ref = ref + " (" + detail + ")"
    frame["_ref"] = ref.to_numpy()
    frame["_flags"] = _status_text(pd.Series(status, dtype=object)).to_numpy()
    return frame


# ---------------------------------------------------------------- SDMX-JSON


def _sdmx_json_parts(doc: Any, path: Path) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """(structure, dataset) of an SDMX-JSON 1.0 or 2.0 data message."""
    if not isinstance(doc, Mapping):
        raise ReadError(f"{path}: an SDMX-JSON message is a JSON object")
    data = doc.get("data", doc)
    datasets = data.get("dataSets")
    if not isinstance(datasets, list) or not datasets:
        raise ReadError(f"{path}: no dataSets in this SDMX-JSON message (is it a structure "
                        "message? read code lists with migharmony.cubes.codelist_labels)")
    if len(datasets) > 1:
        raise ReadError(f"{path}: the message holds {len(datasets)} datasets; split it, one "
                        "dataset per file")
    dataset = datasets[0]
    if "structures" in data:  # 2.0
        index = dataset.get("structure", 0)
        structure = data["structures"][index]
    else:  # 1.0
        structure = data.get("structure") or doc.get("structure")
    if not isinstance(structure, Mapping):
        raise ReadError(f"{path}: the SDMX-JSON message carries no structure; download it "
                        "with the structure included (dimensionAtObservation=AllDimensions)")
    return structure, dataset


def _sdmx_json(path: Path, read: Mapping[str, Any]) -> pd.DataFrame:
    import pandas as pd

    structure, dataset = _sdmx_json_parts(_load_json(path), path)
    dims = structure.get("dimensions") or {}
    attrs = structure.get("attributes") or {}
    ds_dims = list(dims.get("dataSet") or [])
    series_dims = list(dims.get("series") or [])
    obs_dims = list(dims.get("observation") or [])
    series_attrs = list(attrs.get("series") or [])
    obs_attrs = list(attrs.get("observation") or [])

    def value_id(component: Mapping[str, Any], index: Any) -> str | None:
        values = component.get("values") or []
        if index is None:
            return None
        try:
            item = values[int(index)]
        except (IndexError, ValueError, TypeError):
            raise ReadError(f"{path}: {component.get('id')} has no value number {index!r}"
                            ) from None
        return str(item.get("id", item.get("value", ""))) if isinstance(item, Mapping) \
            else str(item)

    fixed: dict[str, str | None] = {}
    for d in ds_dims:
        fixed[str(d["id"])] = value_id(d, 0) if d.get("values") else None
    for a in attrs.get("dataSet") or []:
        fixed[str(a["id"])] = value_id(a, 0) if a.get("values") else None

    rows: list[dict[str, Any]] = []

    def add_obs(key: str, obs: Any, base: dict[str, Any], ref: str) -> None:
        row = dict(base)
        parts = [p for p in str(key).split(":") if p != ""] if key != "" else []
        if len(parts) != len(obs_dims):
            raise ReadError(f"{path}: {ref}: the observation key has {len(parts)} parts but "
                            f"the structure has {len(obs_dims)} observation dimensions")
        for d, p in zip(obs_dims, parts, strict=True):
            row[str(d["id"])] = value_id(d, p)
        obs = obs if isinstance(obs, list) else [obs]
        row["_raw"] = obs[0] if obs else None
        for a, index in zip(obs_attrs, obs[1:], strict=False):
            row[str(a["id"])] = value_id(a, index)
        row["_ref"] = ref
        rows.append(row)

    if "series" in dataset:
        for skey, series in (dataset.get("series") or {}).items():
            base: dict[str, Any] = dict(fixed)
            sparts = str(skey).split(":")
            if len(sparts) != len(series_dims):
                raise ReadError(f"{path}: series {skey}: the key has {len(sparts)} parts but "
                                f"the structure has {len(series_dims)} series dimensions")
            for d, p in zip(series_dims, sparts, strict=True):
                base[str(d["id"])] = value_id(d, p)
            for a, index in zip(series_attrs, series.get("attributes") or [], strict=False):
                base[str(a["id"])] = value_id(a, index)
            for okey, obs in (series.get("observations") or {}).items():
                add_obs(okey, obs, base, f"series {skey} obs {okey}")
    else:
        for okey, obs in (dataset.get("observations") or {}).items():
            add_obs(okey, obs, dict(fixed), f"obs {okey}")

    columns = [str(c["id"]) for c in (*ds_dims, *series_dims, *obs_dims, *series_attrs,
                                      *obs_attrs, *(attrs.get("dataSet") or []))]
    frame = pd.DataFrame(rows, columns=list(dict.fromkeys([*columns, "_raw", "_ref"])))
    frame["_raw"] = frame["_raw"].astype(object)
    for c in columns:
        frame[c] = frame[c].astype("str")
    frame.insert(0, "_row", range(1, len(frame) + 1))
    status = read.get("status_column", "OBS_STATUS")
    if status in frame:
        frame["_flags"] = _status_text(frame[status].astype(object))
    return frame


# ---------------------------------------------------------------- SDMX-CSV and Parquet


def _long_table(frame: pd.DataFrame, path: Path, read: Mapping[str, Any],
                default_value: Sequence[str], first_row: int) -> pd.DataFrame:
    """Cells of a long table: one value column, the others dimensions and attributes."""
    import pandas as pd

    value = read.get("value_column")
    if value is None:
        value = next((c for c in default_value if c in frame), None)
    if value is None or value not in frame:
        near = did_you_mean(str(value or default_value[0]), [str(c) for c in frame.columns])
        raise ReadError(f"{path}: no value column '{value or default_value[0]}'"
                        + (f"; did you mean '{near[0]}'?" if near else "")
                        + " (set read.value_column in the crosswalk)")
    out = frame.drop(columns=[value])
    for c in out.columns:  # dimension columns as text codes (categoricals stay so)
        if out[c].dtype != "str" and not isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype("str")
    out.insert(0, "_raw", frame[value])  # missing values become None in _finish
    out.insert(0, "_row", range(first_row, first_row + len(frame)))
    out["_ref"] = numbered("row ", out["_row"])
    status = read.get("status_column", "OBS_STATUS")
    if status in out:
        out["_flags"] = _status_text(frame[status].astype(object)).to_numpy()
    return out


def _sdmx_csv(path: Path, read: Mapping[str, Any]) -> pd.DataFrame:
    import pandas as pd

    from .read import detect_encoding, sniff_delimiter

    sample = path.read_bytes()[: 1 << 16]
    enc = read.get("encoding") or detect_encoding(sample)
    delim = read.get("delimiter") or sniff_delimiter(sample.decode(enc, errors="replace"))
    try:
        frame = pd.read_csv(path, sep=delim, dtype="str", keep_default_na=False, encoding=enc)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise ReadError(f"{path}: not a readable SDMX-CSV file ({exc})") from None
    frame.columns = [str(c).split(":", 1)[0].strip() for c in frame.columns]
    upper = [c.upper() for c in frame.columns]
    if not upper or upper[0] not in ("DATAFLOW", "STRUCTURE"):
        raise ReadError(f"{path}: an SDMX-CSV file starts with a DATAFLOW (1.0) or STRUCTURE "
                        "(2.0) column; this looks like an ordinary CSV table (use "
                        "read.format: csv)")
    if upper[0] == "STRUCTURE" and "ACTION" in upper:
        deleted = frame[frame.columns[upper.index("ACTION")]].str.upper() == "D"
        if deleted.any():
            raise ReadError(f"{path}: the file deletes observations (ACTION D); harmonize "
                            "a complete dataset, not an update")
    # labels=both writes "CODE: Label"; keep the code.
    for c in frame.columns:
        if c.upper() not in ("OBS_VALUE", "STRUCTURE_ID", "DATAFLOW"):
            frame[c] = frame[c].str.replace(r"^([^:\s]+): .*$", r"\1", regex=True)
    return _long_table(frame, path, read, ("OBS_VALUE",), first_row=2)


def _parquet(path: Path, read: Mapping[str, Any]) -> pd.DataFrame:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        raise ReadError(f"{path}: reading Parquet needs pyarrow") from None
    def unreadable(exc: Exception) -> ReadError:  # pyarrow raises ArrowInvalid, OSError...
        return ReadError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})")

    try:
        metadata = pq.read_metadata(path)
        schema = metadata.schema.to_arrow_schema()
    except Exception as exc:
        raise unreadable(exc) from None
    limit = int(read.get("max_rows", MAX_CELLS))
    if metadata.num_rows > limit:  # refused from the footer, before any row is read
        raise ReadError(f"{path}: {metadata.num_rows:,} rows, above the limit of {limit:,}; "
                        "set read.max_rows if you trust the file")
    # Text columns come as categoricals: each distinct label or value is kept, and later
    # read, once (a 3M-row table took 530 MB as plain texts).
    texts = [field.name for field in schema
             if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)]
    try:
        table = pq.read_table(path, read_dictionary=texts)
    except Exception as exc:
        raise unreadable(exc) from None
    frame = table.to_pandas()
    return _long_table(frame, path, read, ("OBS_VALUE", "obs_value", "value", "VALUE"),
                       first_row=1)


# ---------------------------------------------------------------- SDMX-ML


def _sdmx_ml(path: Path, read: Mapping[str, Any]) -> pd.DataFrame:
    try:
        from pysdmx.io import read_sdmx
    except ImportError:
        raise ReadError(f"{path}: reading SDMX-ML data messages needs pysdmx; install it with "
                        "`pip install 'migharmony[sdmx]'` (or download the data as SDMX-CSV "
                        "or SDMX-JSON, which migharmony reads itself)") from None
    try:
        message = read_sdmx(str(path))
        datasets = message.get_datasets()
    except Exception as exc:  # pysdmx raises several kinds on invalid files
        raise ReadError(f"{path}: pysdmx cannot read this SDMX-ML data message "
                        f"({type(exc).__name__}: {exc}); a structure message holds no data: "
                        "read its code lists with migharmony.cubes.codelist_labels") from None
    if len(datasets) != 1:
        raise ReadError(f"{path}: the message holds {len(datasets)} datasets; split it, one "
                        "dataset per file")
    frame = datasets[0].data.reset_index(drop=True)
    out = _long_table(frame, path, read, ("OBS_VALUE",), first_row=1)
    out["_ref"] = numbered("obs ", out["_row"])
    return out


# ---------------------------------------------------------------- code lists


def codelist_labels(path: str | Path, codelist_id: str, *, lang: str = "en") -> dict[str, str]:
    """Code -> label of one code list in an SDMX-ML 2.1 structure message.

    Use it to label codes, or to write a crosswalk map from labels to codes, for
    example with the OECD ``DSD_MIG`` structure::

        labels = codelist_labels("DSD_MIG_dataflow_metadata.xml", "CL_MEASURE_MIG")
        labels["B14"]   # 'Stocks of foreign-born population'

    >>> import pathlib, tempfile
    >>> xml = '''<m:Structure xmlns:m="urn:m" xmlns:s="urn:s" xmlns:c="urn:c">
    ... <s:Codelist id="CL_SEX"><s:Code id="F"><c:Name xml:lang="en">Female</c:Name>
    ... </s:Code></s:Codelist></m:Structure>'''
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.xml"
    >>> _ = p.write_text(xml)
    >>> codelist_labels(p, "CL_SEX")
    {'F': 'Female'}
    """
    import xml.etree.ElementTree as ET

    path = Path(path)
    if not path.is_file():
        raise SourceNotFoundError(f"structure file {path} not found")
    lang_attr = "{http://www.w3.org/XML/1998/namespace}lang"

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    found: list[str] = []
    labels: dict[str, str] = {}
    fallback: dict[str, str] = {}
    inside = False
    code: str | None = None
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            name = local(elem.tag)
            if event == "start" and name == "Codelist":
                found.append(str(elem.get("id")))
                inside = elem.get("id") == codelist_id
            elif inside and event == "start" and name == "Code":
                code = elem.get("id")
            elif inside and event == "end" and name == "Name" and code is not None:
                text = " ".join((elem.text or "").split())
                if elem.get(lang_attr, "") == lang:
                    labels[code] = text
                fallback.setdefault(code, text)
            elif event == "end" and name == "Code":
                code = None
            elif event == "end" and name == "Codelist":
                if inside:
                    return {k: labels.get(k, v) for k, v in fallback.items()}
                elem.clear()
    except ET.ParseError as exc:
        raise ReadError(f"{path}: not a readable SDMX-ML structure message ({exc})") from None
    near = did_you_mean(codelist_id, found)
    raise ReadError(f"{path}: no code list '{codelist_id}'"
                    + (f"; did you mean '{near[0]}'?" if near else "")
                    + (f" (code lists: {', '.join(found)})" if found else ""))
