"""Check source cells against what their crosswalk declares, through one pandera schema.

Each step of the pipeline knows, for every cell, whether it passed its own test
(the value reads as a number or a declared symbol; the sex label is mapped; the
row's "Type of data" is listed...). This module turns those tests into the checks
of one lazy pandera ``DataFrameSchema`` over the raw cells, so that a single
validation collects **every** problem of **every** cell, each with its rule code,
location, value and reason; a cell with three problems is reported three times.

>>> import pandas as pd
>>> cells = pd.DataFrame({"_ref": ["A1", "A2", "A3"], "_raw": ["12", "x", None],
...                       "sex": ["T", "?", "T"]})
>>> checks = [
...     CellCheck("value-not-number", "_raw", pd.Series([True, False, True]),
...               pd.Series([None, "not a number: 'x'", None])),
...     CellCheck("value-empty", "_raw", pd.Series([True, True, False]),
...               pd.Series([None, None, "empty cell"])),
...     CellCheck("unmapped-sex", "sex", pd.Series([True, False, True]),
...               pd.Series([None, "sex label '?' is not mapped", None])),
... ]
>>> check_cells(cells, checks)[["source_ref", "rule", "value"]].values.tolist()
[['A2', 'value-not-number', 'x'], ['A2', 'unmapped-sex', '?'], ['A3', 'value-empty', '']]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["PROBLEM_COLUMNS", "CellCheck", "check_cells", "first_problem"]

PROBLEM_COLUMNS = ("source_ref", "column", "rule", "value", "reason")


@dataclass(frozen=True)
class CellCheck:
    """One test over the cells: ``ok`` is True where a cell passes; ``reason`` says why
    it fails where it does not (aligned with the cells)."""

    rule: str
    column: str
    ok: pd.Series
    reason: pd.Series


def check_cells(cells: pd.DataFrame, checks: Sequence[CellCheck]) -> pd.DataFrame:
    """Every failure of every check, in cell order then check order.

    Columns: ``source_ref``, ``column``, ``rule``, ``value`` (the cell's text in that
    column) and ``reason``; the index is the cell's index in *cells*.
    """
    import numpy as np
    import pandas as pd
    import pandera.errors as pe
    import pandera.pandas as pa

    from .layout import _as_text

    if not checks or cells.empty:
        return _empty()
    # One pandera column per (check, column) pair: pandera checks a column at a time.
    frame = pd.DataFrame(index=cells.index)
    columns: dict[str, pa.Column] = {}
    for i, check in enumerate(checks):
        key = f"{i}:{check.column}"
        frame[key] = cells.get(check.column, "")
        ok = check.ok.reindex(cells.index, fill_value=True).astype(bool)
        # ignore_na=False: an empty cell can fail a check too (e.g. value-empty).
        columns[key] = pa.Column(checks=pa.Check(lambda _s, ok=ok: ok, name=check.rule,
                                                 error=check.rule, ignore_na=False),
                                 nullable=True, coerce=False)
    schema = pa.DataFrameSchema(columns, name="source cells as the crosswalk declares them")
    try:
        schema.validate(frame, lazy=True, inplace=True)  # made here; nothing coerced
    except pe.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases[cases["index"].notna()]
        order = {f"{i}:{c.column}": i for i, c in enumerate(checks)}
        idx = cases["index"].to_numpy()
        which = cases["column"].astype("str").map(order).to_numpy(dtype=np.intp)
        value = np.full(len(idx), "", dtype=object)
        reason = np.full(len(idx), None, dtype=object)
        for w in np.unique(which):  # a column of failures per check, never a cell at a time
            at, check = which == w, checks[w]
            if check.column in cells:
                value[at] = _as_text(cells[check.column].reindex(idx[at])).astype(
                    "str").to_numpy(dtype=object)
            reason[at] = check.reason.reindex(idx[at]).to_numpy(dtype=object)
        out = pd.DataFrame({
            "source_ref": cells["_ref"].reindex(idx).astype("str").to_numpy(),
            "column": np.array([c.column for c in checks], dtype=object)[which],
            "rule": np.array([c.rule for c in checks], dtype=object)[which],
            "value": value,
            "reason": reason,
            "_order": which,
        }, index=pd.Index(idx, name=None))
        out = out.sort_index(kind="stable").sort_values("_order", kind="stable")
        out = out.sort_index(kind="stable").drop(columns="_order")
        return out.astype({"source_ref": "str", "column": "str", "rule": "str",
                           "value": "str", "reason": "str"})
    return _empty()


def first_problem(problems: pd.DataFrame, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """The first problem's reason and rule for each cell of *index* (missing where none),
    as categorical columns: a few distinct texts, one small integer per cell."""
    import numpy as np
    import pandas as pd

    from ._frames import code_lookup, constant_codes, taken
    from .schema import as_category

    first = problems[~problems.index.duplicated(keep="first")]
    if first.empty:  # no cell has a problem
        return constant_codes(None, index), constant_codes(None, index)
    if not index.is_unique:
        return (as_category(first["reason"].reindex(index)),
                as_category(first["rule"].reindex(index)))
    # Each cell's row among the (few) first problems; the last row stands for "none".
    where = np.full(len(index), len(first), dtype=np.int32 if len(first) < 2**31 - 1
                    else np.int64)
    found = index.get_indexer(first.index)
    where[found[found >= 0]] = np.flatnonzero(found >= 0)

    def spread(column: str) -> pd.Series:  # through the few distinct texts, not per problem
        numbers, texts = pd.factorize(first[column])
        lookup, categories = code_lookup([*(str(t) for t in texts), None])
        # Each first problem's code; the last, None's, for "no problem" (row len(first))
        # and for a missing text (factorize's -1, which numpy reads as the last).
        per_problem = lookup[np.append(numbers, len(texts))]
        return pd.Series(taken(per_problem, categories, where, len(index)), index=index,
                         copy=False)

    return spread("reason"), spread("rule")


def _empty() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype="str") for c in PROBLEM_COLUMNS})
