"""Disaggregation gaps: say which breakdowns a harmonized frame has, lacks, and why.

:func:`gaps` gives one row per unit (by default ``ref_area``, ``time_period``,
``measure``, ``source_id``) and breakdown dimension, with a ``status``:

``complete``
    every expected part has a value and the known parts add up to the total;
``partial``
    some parts are missing or suppressed, or part of the total falls in an unknown
    category (``_U``) or is not disaggregated at all (parts add up to less);
``total_only``
    only the total is published here, although the source breaks the dimension
    down elsewhere;
``not_collected``
    the source never breaks the dimension down (for this measure);
``suppressed``
    the parts are published without values (suppressed or confidential);
``not_applicable``
    the dimension does not apply (code ``_Z``, or every part is status ``M``);
``zero_filled``
    every part is 0 while the total is not: 0 was used for "not disaggregated"
    (UNHCR demographics), not for "nobody".

:func:`missing_cells` lists the cells of a target grid (e.g. sex x age as SDG
17.18 asks) that a frame does not give, one row each. :func:`plot_gaps` draws the
status matrix (needs matplotlib, the ``plot`` extra).

>>> import pandas as pd
>>> frame = pd.DataFrame({"ref_area": "PAK", "time_period": "2001", "measure": "ASY",
...                       "sex": ["_T", "F", "M"], "obs_value": [14.0, 0.0, 0.0]})
>>> gaps(frame, by=("sex",))[["dimension", "status"]].to_dict("records")
[{'dimension': 'sex', 'status': 'zero_filled'}]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._frames import TOTAL, as_frame, key_columns, require

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["STATUSES", "gaps", "missing_cells", "plot_gaps"]

#: Gap statuses, from best to worst (the order of the heatmap's colours).
STATUSES: tuple[str, ...] = ("complete", "partial", "zero_filled", "total_only", "suppressed",
                             "not_collected", "not_applicable")
DEFAULT_BY: tuple[str, ...] = ("sex", "age", "counterpart_area", "pop_type")
DEFAULT_PER: tuple[str, ...] = ("ref_area", "time_period", "measure", "source_id")
_NOT_APPLICABLE = "_Z"
_UNKNOWN = "_U"


def gaps(data: Any, *, by: Sequence[str] = DEFAULT_BY,
         target: Mapping[str, Sequence[str]] | None = None,
         per: Sequence[str] | None = None, tolerance: float = 0.001) -> pd.DataFrame:
    """The disaggregation status of each unit of *data* for each dimension in *by*.

    *per* sets the unit (default ``ref_area``, ``time_period``, ``measure``,
    ``source_id``; add ``counterpart_area`` to see each origin). *target* maps a
    dimension to the codes expected (``{"sex": ["F", "M"]}``); without it the
    codes expected are those the source uses for that measure anywhere. Parts add
    up to the total when they fall short of it by at most *tolerance* (a share).

    Columns: the unit, ``dimension``, ``status``, ``reason``, ``cells`` (the
    cross-classifications looked at), ``expected``, ``present``, ``missing``,
    ``suppressed`` and ``zero`` (counts of (cell, part code) pairs; a cell is one
    combination of the other key columns, e.g. each sex when the dimension is age).
    """
    import pandas as pd

    frame = as_frame(data)
    require(frame, ("obs_value",), "gaps")
    unit = [c for c in (per or DEFAULT_PER) if c in frame.columns]
    found = [_dimension(frame, d, unit, by=by, target=target, tolerance=tolerance)
             for d in by if d not in unit]
    if not found:
        return pd.DataFrame(columns=[*unit, "dimension", "status", "reason"])
    return pd.concat(found, ignore_index=True).sort_values(
        [*unit, "dimension"], kind="stable").reset_index(drop=True)


def _dimension(frame: pd.DataFrame, dim: str, unit: list[str], *, by: Sequence[str],
               target: Mapping[str, Sequence[str]] | None, tolerance: float) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    if dim not in frame.columns:
        out = frame[unit].drop_duplicates().reset_index(drop=True)
        return out.assign(dimension=dim, status="not_collected",
                          reason=f"the frame has no {dim} column", cells=0, expected=0,
                          present=0, missing=0, suppressed=0, zero=0)
    context = [c for c in key_columns(frame) if c not in unit and c != dim]
    cell_keys = [*unit, *context]
    codes = frame[dim].astype("str")
    value = frame["obs_value"].astype("float64")
    is_total = codes == TOTAL
    part = ~is_total & (codes != _NOT_APPLICABLE)
    valued = part & value.notna()
    status_m = frame["obs_status"].eq("M") if "obs_status" in frame else codes.eq("")
    family = [c for c in ("source_id", "measure") if c in frame.columns]
    expected_codes = _expected(frame, dim, part, unit, target)

    work = pd.DataFrame({
        "_total": value.where(is_total), "_parts": part, "_valued": valued,
        "_supp": part & value.isna(), "_sum": value.where(part),
        "_known": value.where(part & (codes != _UNKNOWN)),
        "_zero": part & value.eq(0), "_na": ~part & ~is_total, "_m": part & status_m,
    })
    work[cell_keys] = frame[cell_keys]
    g = work.groupby(cell_keys, dropna=False, sort=True)
    cells = pd.DataFrame({
        "total": g["_total"].sum(min_count=1), "parts": g["_parts"].sum(),
        "valued": g["_valued"].sum(), "suppressed": g["_supp"].sum(),
        "parts_sum": g["_sum"].sum(min_count=1), "known": g["_known"].sum(min_count=1),
        "zero": g["_zero"].sum(), "not_applicable": g["_na"].all(), "m": g["_m"].sum(),
    }).reset_index()
    source_has_parts = work.assign(_fam=part).groupby(family, dropna=False)["_fam"].any()
    cells = cells.merge(source_has_parts.rename("source_has").reset_index(), on=family,
                        how="left")
    present = frame.loc[valued, [*cell_keys, dim]].drop_duplicates()
    grid = cells[cell_keys].merge(expected_codes, on=unit, how="inner") if unit else (
        cells[cell_keys].merge(expected_codes, how="cross"))
    grid = grid.merge(present.assign(_here=True), on=[*cell_keys, dim], how="left")
    absent = grid[grid["_here"].isna()].groupby(cell_keys, dropna=False).size()
    n_expected = grid.groupby(cell_keys, dropna=False).size()
    cells = cells.set_index(cell_keys)
    cells["missing"] = absent.reindex(cells.index, fill_value=0)
    cells["expected"] = n_expected.reindex(cells.index, fill_value=0)
    cells = cells.reset_index()

    share = cells["known"] / cells["total"]
    short = cells["total"].gt(0) & share.lt(1 - tolerance)
    conditions = [
        cells["not_applicable"] | (cells["parts"].gt(0) & cells["m"].eq(cells["parts"])),
        cells["parts"].eq(0) & cells["source_has"].fillna(False).astype(bool),
        cells["parts"].eq(0),
        cells["valued"].eq(0),
        cells["total"].gt(0) & cells["parts_sum"].fillna(0).eq(0),
        cells["missing"].gt(0) | cells["suppressed"].gt(0) | short,
    ]
    choices = ["not_applicable", "total_only", "not_collected", "suppressed", "zero_filled",
               "partial"]
    cells["status"] = np.select(conditions, choices, default="complete")
    cells["reason"] = _reasons(cells, dim, share)

    # A total-only cell whose context is itself a total of another breakdown (age for
    # sex _T when ages are given by sex) says nothing if the unit breaks dim down.
    other_totals = [c for c in context if c in by]
    is_margin = (cells[other_totals].astype("str") == TOTAL).any(axis=1) if other_totals \
        else pd.Series(False, index=cells.index)
    unit_has = cells.groupby(unit, dropna=False)["parts"].transform("sum").gt(0)
    cells = cells[~(cells["status"].eq("total_only") & is_margin & unit_has)]
    return _summarise(cells, unit, dim, frame, part=part, totals=value.where(is_total))


def _expected(frame: pd.DataFrame, dim: str, part: pd.Series, unit: list[str],
              target: Mapping[str, Sequence[str]] | None) -> pd.DataFrame:
    """The part codes expected in each unit: the target's, or those the unit uses."""
    import pandas as pd

    if target is not None and dim in target:
        wanted = pd.DataFrame({dim: [str(c) for c in target[dim]]})
        if not unit:
            return wanted
        return frame[unit].drop_duplicates().merge(wanted, how="cross")
    seen = frame.loc[part & (frame[dim].astype("str") != _UNKNOWN), [*unit, dim]]
    return seen.drop_duplicates().astype({dim: "str"})


def _reasons(cells: pd.DataFrame, dim: str, share: pd.Series) -> pd.Series:
    import numpy as np
    import pandas as pd

    pct = (share * 100).round(0).astype("Int64").astype("str")
    texts = {
        "complete": pd.Series(f"all expected {dim} parts have values", index=cells.index),
        "not_applicable": pd.Series(f"{dim} does not apply", index=cells.index),
        "total_only": pd.Series(f"only the total is given, though the source breaks "
                                f"{dim} down elsewhere", index=cells.index),
        "not_collected": pd.Series(f"the source gives no breakdown by {dim}",
                                   index=cells.index),
        "suppressed": "all " + cells["parts"].astype("str") + f" {dim} parts are withheld",
        "zero_filled": pd.Series(f"every {dim} part is 0 while the total is not: 0 used as "
                                 "'not disaggregated'", index=cells.index),
    }
    partial = pd.Series("", index=cells.index)
    partial = partial.where(cells["missing"].eq(0), partial + cells["missing"].astype("str")
                            + " of " + cells["expected"].astype("str")
                            + " expected parts absent; ")
    partial = partial.where(cells["suppressed"].eq(0), partial
                            + cells["suppressed"].astype("str") + " parts withheld; ")
    partial = partial.where(~(share < 1), partial + "known parts cover " + pct
                            + "% of the total (the rest is unknown or not disaggregated); ")
    texts["partial"] = partial.str.rstrip("; ")
    chosen: Any = np.full(len(cells), "", dtype=object)
    for status, text in texts.items():
        chosen = np.where(cells["status"] == status, text, chosen)
    return pd.Series(chosen, index=cells.index, dtype="str")


def _summarise(cells: pd.DataFrame, unit: list[str], dim: str, frame: pd.DataFrame, *,
               part: pd.Series, totals: pd.Series) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    g = cells.groupby(unit, dropna=False, sort=True)
    out = pd.DataFrame({
        "cells": g.size(), "expected": g["expected"].sum(), "present": g["valued"].sum(),
        "missing": g["missing"].sum(), "suppressed": g["suppressed"].sum(),
        "zero": g["zero"].sum(), "_n_status": g["status"].nunique(),
        "status": g["status"].first(), "reason": g["reason"].first(),
    })
    counts = cells.groupby([*unit, "status"], dropna=False).size().rename("n").reset_index()
    counts["text"] = counts["n"].astype("str") + " " + counts["status"]
    listing = counts.groupby(unit, dropna=False)["text"].agg(", ".join)
    mixed = out["_n_status"] > 1
    out["status"] = out["status"].where(~mixed, "partial")
    out["reason"] = out["reason"].where(
        ~mixed, "cells differ (" + listing.reindex(out.index).fillna("") + ")")
    out["reason"] = out["reason"].where(
        mixed | out["cells"].eq(1),
        out["reason"] + " (in " + out["cells"].astype("str") + " cells)")
    # Unit-wide zero filling: no part anywhere in the unit has a non-zero value while
    # a total of the dimension does (cells whose own total is 0 hide it otherwise).
    unit_rows = frame[unit].copy()
    unit_rows["_parts"] = frame["obs_value"].astype("float64").where(part)
    unit_rows["_grand"] = totals
    ug = unit_rows.groupby(unit, dropna=False, sort=True)
    parts_sum = ug["_parts"].sum(min_count=1).reindex(out.index)
    grand_total = ug["_grand"].max().reindex(out.index)
    zero = parts_sum.eq(0) & grand_total.gt(0) & out["status"].isin(["complete", "partial"])
    out["status"] = np.where(zero, "zero_filled", out["status"])
    out["reason"] = np.where(zero, f"every {dim} part is 0 while the total is not: 0 used "
                             "as 'not disaggregated'", out["reason"])
    out.insert(0, "dimension", dim)
    out = out.drop(columns="_n_status").reset_index()
    return out[[*unit, "dimension", "status", "reason", "cells", "expected", "present",
                "missing", "suppressed", "zero"]]


def missing_cells(data: Any, target: Mapping[str, Iterable[str]], *,
                  per: Sequence[str] | None = None) -> pd.DataFrame:
    """The cells of the *target* grid that *data* does not give, one row each.

    The grid is the product of the *target* codes (``{"sex": ["F", "M"], "age":
    [...]}``) for every unit found in *data*; the unit is *per* (default: every
    key column not in *target*). A cell is ``absent`` when no row has it and
    ``no_value`` when its row has no value (``obs_status`` says why).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"ref_area": "SEN", "time_period": "2020", "measure": "STOCK",
    ...                       "sex": ["F", "M"], "age": "_T", "obs_value": [1.0, None],
    ...                       "obs_status": ["A", "Q"]})
    >>> missing_cells(frame, {"sex": ["F", "M", "_U"]}, per=["ref_area"]).to_dict("records")
    [{'ref_area': 'SEN', 'sex': 'M', 'cell': 'no_value', 'obs_status': 'Q'}, \
{'ref_area': 'SEN', 'sex': '_U', 'cell': 'absent', 'obs_status': nan}]
    """
    import pandas as pd

    frame = as_frame(data)
    dims = list(target)
    require(frame, [*dims, "obs_value"], "missing_cells")
    unit = list(per) if per is not None else [c for c in key_columns(frame) if c not in dims]
    grid = frame[unit].drop_duplicates()
    for dim in dims:
        grid = grid.merge(pd.DataFrame({dim: [str(c) for c in target[dim]]}), how="cross")
    have = frame[[*unit, *dims, "obs_value"]].assign(
        obs_status=frame.get("obs_status", "A"))
    have = have.groupby([*unit, *dims], dropna=False, as_index=False).agg(
        obs_value=("obs_value", "max"), obs_status=("obs_status", "first"))
    cells = grid.merge(have.astype({d: "str" for d in dims}), on=[*unit, *dims], how="left",
                       indicator=True)
    cells["cell"] = "present"
    cells.loc[cells["_merge"] == "left_only", "cell"] = "absent"
    cells.loc[(cells["_merge"] == "both") & cells["obs_value"].isna(), "cell"] = "no_value"
    cells = cells[cells["cell"] != "present"]
    cells["obs_status"] = cells["obs_status"].astype(object).where(cells["cell"] == "no_value")
    return cells[[*unit, *dims, "cell", "obs_status"]].reset_index(drop=True)


def plot_gaps(gaps_frame: pd.DataFrame, ax: Any = None, *,
              rows: Sequence[str] = ("ref_area", "time_period")) -> Any:
    """Draw the gap matrix of :func:`gaps` as a heatmap (rows x dimensions).

    Needs matplotlib (``pip install migharmony[plot]``); returns the Axes.
    """
    try:
        import matplotlib.pyplot as plt
        from matplotlib.colors import ListedColormap
        from matplotlib.patches import Patch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plot_gaps needs matplotlib: pip install 'migharmony[plot]'") from exc

    index = [c for c in rows if c in gaps_frame.columns]
    codes = {s: i for i, s in enumerate(STATUSES)}
    matrix = gaps_frame.assign(_code=gaps_frame["status"].map(codes)).pivot_table(
        index=index, columns="dimension", values="_code", aggfunc="max")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 + 1.1 * matrix.shape[1],
                                      1.0 + 0.3 * matrix.shape[0]))
    colours = ["#1a9850", "#fee08b", "#d73027", "#fdae61", "#7b3294", "#bababa", "#ffffff"]
    ax.imshow(matrix.to_numpy(dtype=float), cmap=ListedColormap(colours), vmin=-0.5,
              vmax=len(STATUSES) - 0.5, aspect="auto")
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns])
    ax.set_yticks(range(matrix.shape[0]),
                  [" ".join(map(str, k)) if isinstance(k, tuple) else str(k)
                   for k in matrix.index])
    ax.legend(handles=[Patch(facecolor=c, edgecolor="grey", label=s)
                       for s, c in zip(STATUSES, colours, strict=True)],
              loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.set_title("Disaggregation gaps")
    return ax
