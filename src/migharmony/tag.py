"""Tag observations with the definitions and caveats their source rows declare.

Two kinds of row-level knowledge live in source tables beside the numbers:

* a coded column such as UN DESA's "Type of data" (B, C, B R, C B R, I...), which
  a crosswalk's ``rows`` rules turn into ``migr_basis`` and caveats row by row;
* numbered notes ("12", "3,12") pointing to a notes sheet, which become
  ``source-note[12]`` caveats whose text is kept in the result's metadata.

A row-rule label the crosswalk does not list is never ignored: its cells are
rejected with a reason naming the crosswalk key to add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .crosswalk import Crosswalk
from .mapping import normalise_label

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["RowTags", "tag_rows"]

SETTABLE = ("measure", "migr_basis", "residence_rule", "source_type", "ref_date_type",
            "pop_type", "unit_measure", "obs_status", "conf_status")


@dataclass
class RowTags:
    """Per-cell settings from row rules and notes, aligned with the cells."""

    settings: pd.DataFrame  # one column per SETTABLE (NA where the rules say nothing)
    unit_mult: pd.Series  # Int64, NA where not set
    caveats: pd.Series  # ';'-joined codes
    reason: pd.Series  # NA, or why the cell is rejected
    rule: pd.Series
    notes: dict[str, str] = field(default_factory=dict)  # note key -> text
    notes_used: set[str] = field(default_factory=set)


def _rule_table(rule: dict[str, Any], index: int) -> dict[str, dict[str, Any]]:
    return {normalise_label(k): dict(v or {}) for k, v in rule["map"].items()}


def tag_rows(cells: pd.DataFrame, crosswalk: Crosswalk, notes: dict[str, str]) -> RowTags:
    """Apply *crosswalk*'s ``rows`` rules and ``notes`` to long *cells*."""
    import numpy as np
    import pandas as pd

    from ._frames import distinct

    n = len(cells)
    # Columns are allocated when a rule first writes them: most crosswalks set few.
    arrays: dict[str, Any] = {}

    def column(name: str) -> Any:
        if name not in arrays:
            arrays[name] = np.full(n, "" if name == "_caveats" else None, dtype=object)
        return arrays[name]

    for i, rule in enumerate(crosswalk.data.get("rows", [])):
        table = _rule_table(rule, i)
        otherwise = rule.get("otherwise")
        codes, uniques = distinct(cells[rule["from"]])
        for u, label in enumerate(uniques):
            rows = codes == u
            setting = table.get(normalise_label(str(label)), otherwise)
            if setting is None:
                reason, rule_col = column("_reason"), column("_rule")
                reason[rows & (reason == None)] = (  # noqa: E711 - numpy elementwise
                    f"{rule['from']} '{str(label).strip()}' is not listed in the crosswalk's "
                    f"rows[{i}].map; add it (or an `otherwise:` entry)")
                rule_col[rows & (rule_col == None)] = f"unmapped-{rule['from']}"  # noqa: E711
                continue
            for name in SETTABLE:
                if name in setting:
                    column(name)[rows] = setting[name]
            if "unit_mult" in setting:
                column("_unit_mult")[rows] = setting["unit_mult"]
            if setting.get("exclude"):
                reason, rule_col = column("_reason"), column("_rule")
                reason[rows & (reason == None)] = str(setting["exclude"])  # noqa: E711
                rule_col[rows & (rule_col == None)] = "excluded-row"  # noqa: E711
            if setting.get("caveats"):
                joined = ";".join(setting["caveats"])
                caveats = column("_caveats")
                caveats[rows] = [f"{c};{joined}" if c else joined for c in caveats[rows]]

    used: set[str] = set()
    spec = crosswalk.section("notes")
    if spec:
        code = spec.get("caveat", "source-note")
        codes, uniques = distinct(cells[spec["from"]])
        for u, label in enumerate(uniques):
            keys = [k for k in re.split(r"[\s,;]+", str(label).strip()) if k]
            keys = [k[:-2] if k.endswith(".0") else k for k in keys]
            if not keys:
                continue
            used.update(keys)
            joined = ";".join(f"{code}[{k}]" for k in keys)
            rows = codes == u
            caveats = column("_caveats")
            caveats[rows] = [f"{c};{joined}" if c else joined for c in caveats[rows]]

    def final(name: str, dtype: Any = "str") -> Any:
        if name in arrays:
            return _text_array(arrays[name], dtype)
        return _never_set(name, dtype, cells.index)

    frame = pd.DataFrame({c: final(c) for c in SETTABLE}, index=cells.index, copy=False)
    return RowTags(
        settings=frame,
        # Fresh arrays: no copy (the Series constructor copies an array by default).
        unit_mult=pd.Series(final("_unit_mult", "Int64"), index=cells.index, copy=False),
        caveats=pd.Series(final("_caveats"), index=cells.index, copy=False),
        reason=pd.Series(final("_reason"), index=cells.index, copy=False),
        rule=pd.Series(final("_rule"), index=cells.index, copy=False),
        notes=notes, notes_used=used)


def _never_set(name: str, dtype: Any, index: pd.Index) -> Any:
    """A column no rule wrote: all missing (caveats: all empty); text as a categorical
    of at most one category, never a string per row."""
    import numpy as np
    import pandas as pd

    from ._frames import constant_codes

    if dtype == "str":
        return constant_codes("" if name == "_caveats" else None, index).array
    if str(dtype) == "Int64":  # all missing: no values to take
        return pd.arrays.IntegerArray(np.zeros(len(index), dtype=np.int64),
                                      np.ones(len(index), dtype=bool))
    return pd.array([], dtype=dtype).take(np.full(len(index), -1, dtype=np.intp),
                                          allow_fill=True)


def _text_array(values: Any, dtype: Any = "str") -> Any:
    """A *dtype* array of an object array holding few distinct values (None for missing).

    Converting the distinct values and taking them is much cheaper than converting
    every row: rules and notes hold a handful of texts for millions of cells.
    """
    import pandas as pd

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return pd.array(list(uniques), dtype=dtype).take(codes, allow_fill=True)
