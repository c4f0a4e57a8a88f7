"""Record-level tables: one row per person, event or incident, counted into observations.

A register extract, a census or survey microdata sample or an incident log has no
value cells: each row *is* one record. A crosswalk's ``records`` section says so::

    records: {count: true}           # each row counts 1
    records: {weight: figure}        # each row counts the value of its column `figure`

Every record becomes one cell (value 1, or its weight) with ``_ref`` ``row N`` and
goes through the same reading, mapping and tagging as any table cell, so a record
with a label the crosswalk does not map is rejected on its own, with its row.
The kept records are then added up over the observation key (the crosswalk's
dimensions): ``obs_value`` is the count or the sum of weights, ``obs_count`` the
number of records behind it, and ``source_ref`` lists their rows (``rows 2-5, 9``).

Conservation: every record is counted in exactly one observation or rejected, so
``data.obs_count.sum() + len(rejected) == number of records``.

>>> compress_rows([2, 3, 4, 5, 9, 11, 12])
'rows 2-5, 9, 11-12'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ._frames import numbered
from .crosswalk import Crosswalk
from .errors import CrosswalkError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .layout import Cells
    from .read import Grid

__all__ = ["aggregate", "cells_from_grid", "compress_rows", "mark_records"]


def compress_rows(rows: Iterable[int]) -> str:
    """Row numbers as ranges: ``row 7`` or ``rows 2-5, 9``."""
    numbers = sorted(set(rows))
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return "rows " + ", ".join(parts)


def _key_for(crosswalk: Crosswalk, name: str) -> str:
    for key, value in crosswalk.section("columns").items():
        if value == name:
            return str(key)
    raise CrosswalkError(f"{crosswalk.where('records')}: '{name}' is not a column named under "
                         "`columns`")


def cells_from_grid(grid: Grid, crosswalk: Crosswalk) -> Cells:
    """One cell per record row of *grid*: its weight, or 1 when records are counted."""
    from .layout import cells_from_grid as layout_cells

    spec = crosswalk.section("records")
    columns = crosswalk.section("columns")
    if not columns:
        raise CrosswalkError(f"{crosswalk.where('records')}: a record table needs its columns "
                             "named under `columns`")
    # The layout reads one value column: the weight, or any named column when counting.
    value_key = _key_for(crosswalk, spec["weight"]) if "weight" in spec else \
        str(next(iter(columns)))
    data = {**crosswalk.data, "values": {**crosswalk.section("values"), "columns": [value_key]}}
    cells = layout_cells(grid, replace(crosswalk, data=data))
    return mark_records(cells, crosswalk)


def mark_records(cells: Cells, crosswalk: Crosswalk) -> Cells:
    """Record cells: value 1 when counting, ``_ref`` the row (``row 12``)."""
    spec = crosswalk.section("records")
    frame = cells.frame
    if spec.get("count"):
        frame["_raw"] = 1
    frame["_ref"] = numbered("row ", frame["_row"])
    if len(cells.excluded):
        cells.excluded["_ref"] = numbered("row ", cells.excluded["_row"])
    return cells


_STATUS_COLUMNS = ("obs_status", "conf_status")


def aggregate(data: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Add up kept records (one row each) into observations over *key*."""
    import pandas as pd

    from .values import _precedence

    if data.empty:
        return data
    rank = _precedence()
    frame = data.copy()
    frame["_rownum"] = frame["source_ref"].str.extract(r"(\d+)$")[0].astype("int64")
    frame["_rank"] = frame["obs_status"].map(lambda s: rank.get(s, 99) if s != "A" else 100)
    grouped = frame.groupby(key, sort=False, dropna=False)
    out = grouped.first()
    out["obs_value"] = grouped["obs_value"].sum(min_count=1)
    out["obs_count"] = grouped.size().astype("Int64")
    out["source_ref"] = grouped["_rownum"].agg(compress_rows)
    # The primary status: the one of highest SDMX precedence among the records.
    best = frame.loc[grouped["_rank"].idxmin().to_numpy()]
    out["obs_status"] = best["obs_status"].to_numpy()
    out["conf_status"] = grouped["conf_status"].agg(
        lambda s: next((c for c in s if c != "F"), "F"))
    out["obs_flags"] = grouped["obs_flags"].agg(_join_unique(" "))
    out["caveats"] = grouped["caveats"].agg(_join_unique(";"))
    out = out.reset_index()[list(data.columns)]
    for column in data.columns:
        out[column] = out[column].astype(data[column].dtype)
    return pd.DataFrame(out).reset_index(drop=True)


def _join_unique(sep: str) -> Any:
    def join(values: pd.Series) -> str:
        seen: list[str] = []
        for text in values.fillna("").astype("str"):
            for part in text.split(sep):
                if part and part not in seen:
                    seen.append(part)
        return sep.join(seen)

    return join
