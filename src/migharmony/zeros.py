"""Zeros that mean "not broken down": keep them apart from true zeros.

Some producers fill every breakdown cell of a row with 0 when they have only the
total. UNHCR's demographics, for instance, give ``Total = 1,200,000`` with all of
``Female_0_4`` ... ``Male_60`` at 0: nobody is claiming that no child was displaced.
A crosswalk declares which observation is the total of its parts::

    not_disaggregated:
      - total: {sex: _T, age: _T}          # the row total, parts are all sex x age cells
      - total: {age: _T}                   # within each sex, the sex total

The *parts* of a total are the observations that share every other key column
(area, period, measure...). When the total is positive and every part is 0, the
parts get the rule's ``set`` (by default the caveat ``zero-not-disaggregated``);
their value stays the 0 the source wrote, so sums over parts are visibly incomplete
and a filter on the caveat finds them. A part that is not 0 makes every zero of its
group a true zero.

>>> import pandas as pd
>>> frame = pd.DataFrame({"ref_area": "AFG", "sex": ["_T", "F", "M"], "age": "_T",
...                       "obs_value": [5.0, 0.0, 0.0], "caveats": ""})
>>> mark(frame, [{"total": {"sex": "_T"}}], key=["ref_area", "sex", "age"])["caveats"].tolist()
['', 'zero-not-disaggregated', 'zero-not-disaggregated']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["DEFAULT_SETTING", "mark"]

DEFAULT_SETTING: Mapping[str, Any] = {"caveats": ["zero-not-disaggregated"]}


def mark(data: pd.DataFrame, rules: Sequence[Mapping[str, Any]], key: Sequence[str]
         ) -> pd.DataFrame:
    """*data* with the parts of positive totals that are all zero marked (see module doc)."""
    import numpy as np

    out = data.copy(deep=False)  # copy-on-write: only the columns set are copied
    for rule in rules:
        total_codes: Mapping[str, str] = rule["total"]
        setting = rule.get("set") or DEFAULT_SETTING
        dims = list(total_codes)
        group = [k for k in key if k not in dims and k in out]
        is_total = np.ones(len(out), dtype=bool)
        for dim, code in total_codes.items():
            is_total &= (out[dim] == code).to_numpy()
        value = out["obs_value"]
        frame = out[group] if group else out.iloc[:, :0]
        frame["_total"] = value.where(is_total)
        frame["_nonzero_part"] = (~is_total) & value.fillna(0).ne(0)
        frame["_part"] = ~is_total
        total: Any
        nonzero: Any
        if group:
            by = frame.groupby(group, dropna=False, sort=False, observed=True)
            total = by["_total"].transform("max")
            nonzero = by["_nonzero_part"].transform("any")
        else:
            total = frame["_total"].max()
            nonzero = frame["_nonzero_part"].any()
        hit = (frame["_part"] & (total > 0) & ~nonzero & value.eq(0)).to_numpy()
        if not hit.any():
            continue
        _apply(out, hit, setting)
    return out


def _apply(out: pd.DataFrame, hit: Any, setting: Mapping[str, Any]) -> None:
    import numpy as np

    for column in ("obs_status", "conf_status"):
        if setting.get(column):
            out.loc[hit, column] = setting[column]
    if "value" in setting:
        out.loc[hit, "obs_value"] = np.nan if setting["value"] is None else \
            float(setting["value"])
    codes = ";".join(setting.get("caveats", []))
    if codes:
        old = out.loc[hit, "caveats"].fillna("").astype("str")
        out.loc[hit, "caveats"] = old.where(old == "", old + ";") + codes
