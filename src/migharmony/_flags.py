"""Flag-aware arithmetic: add observations up without losing what their flags say.

One function, :func:`aggregate`, used by age regrouping and area aggregation:

* the sum's ``obs_status`` is the primary status of its parts by SDMX precedence
  (a break ``B`` wins over an estimate ``E``, which wins over normal ``A``);
* a part without a value (suppressed, confidential, not available) is never read
  as zero: the sum of the other parts is kept as a *lower bound* with the caveat
  ``lower-bound[<parts>]`` naming the missing parts; when every part lacks a value
  the sum is empty and keeps the parts' status;
* caveats are unioned; raw ``obs_flags`` too; ``source_ref`` lists every part;
* parts in different units cannot be added (:class:`ComparabilityError`); parts
  made on different definitions get ``migr_basis`` ``MIXED`` (other definition
  columns ``_U``) and the caveat ``mixed-definitions[<column>]``.

>>> import pandas as pd
>>> parts = pd.DataFrame({
...     "ref_area": ["SEN", "SEN", "SEN"], "age": ["Y0T4", "Y5T11", "Y12T17"],
...     "obs_value": [10.0, None, 5.0], "obs_status": ["A", "Q", "E"],
...     "caveats": ["", "", "rounded"], "source_ref": ["B2", "C2", "D2"]})
>>> out = aggregate(parts, ["ref_area"], part="age")
>>> float(out.loc[0, "obs_value"]), out.loc[0, "obs_status"], out.loc[0, "caveats"]
(15.0, 'E', 'lower-bound[Y5T11];rounded')
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from ._frames import DEFINITION, add_caveat, join_caveats, text
from .errors import ComparabilityError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CONF_ORDER", "aggregate", "is_missing_value", "precedence"]

#: Confidentiality statuses from most to least restrictive; an aggregate keeps the
#: most restrictive status among the parts that have a value.
CONF_ORDER: tuple[str, ...] = ("C", "S", "D", "A", "O", "T", "G", "M", "E", "N", "F")

#: Default values of the columns the arithmetic reads, for frames that lack them.
_DEFAULTS: dict[str, str | int] = {
    "obs_status": "A", "conf_status": "F", "obs_flags": "", "caveats": "",
    "source_ref": "", "unit_measure": "PS", "unit_mult": 0,
}


@cache
def precedence() -> dict[str, int]:
    """``obs_status`` code -> SDMX precedence (1 is the strongest flag).

    >>> precedence()["B"] < precedence()["E"] < precedence()["A"]
    True
    """
    from . import vocab

    return {code: int(vocab.info("obs_status", code)["precedence"])
            for code in vocab.codes("obs_status")}


def is_missing_value(frame: pd.DataFrame) -> pd.Series:
    """True where an observation has no usable value (empty ``obs_value``)."""
    return frame["obs_value"].isna()


def with_defaults(frame: pd.DataFrame) -> pd.DataFrame:
    """*frame* with the columns the arithmetic needs, defaults filled in."""
    out = frame.copy(deep=False)
    for name, value in _DEFAULTS.items():
        if name not in out.columns:
            out[name] = value
    fills = {n: v for n, v in _DEFAULTS.items() if n not in ("unit_mult",)}
    return out.fillna(fills) if out[list(fills)].isna().any().any() else out


def aggregate(frame: pd.DataFrame, by: Sequence[str], *, part: str,
              weight: pd.Series | None = None, sep: str = ",") -> pd.DataFrame:
    """Sum ``obs_value`` of *frame* within groups of *by*, flags and caveats included.

    *part* names the column that tells the parts of a sum apart (``age``, ``ref_area``);
    it labels missing parts in ``lower-bound[...]``. *weight* multiplies each value
    first (approximate age splits). Columns other than *by* that are not arithmetic
    columns are kept when they agree within a group. The result has one row per
    group with ``_parts`` (rows added) and ``_missing`` (parts without a value).
    """

    by = list(by)
    df = with_defaults(frame).reset_index(drop=True)
    missing = is_missing_value(df)
    values = df["obs_value"].astype("float64")
    if weight is not None:
        values = values * weight.reset_index(drop=True).astype("float64")
    gid = df.groupby(by, dropna=False, sort=True).ngroup()
    heads = gid.drop_duplicates()
    first = df.loc[heads.index].set_axis(heads.to_numpy()).sort_index()
    out = first[by].copy()

    _check_units(df, gid)
    out["obs_value"] = values.groupby(gid).sum(min_count=1)
    out["_parts"] = gid.groupby(gid).size()
    out["_missing"] = missing.groupby(gid).sum().astype("int64")
    out["obs_status"], out["conf_status"] = _statuses(df, gid, missing)
    out["caveats"] = _caveats(df, gid, missing, part=part, sep=sep, value=out["obs_value"])
    out["obs_flags"] = _union_text(df["obs_flags"], gid, " ").reindex(out.index, fill_value="")
    out["source_ref"] = _union_text(df["source_ref"], gid, " + ", keep_order=True).reindex(
        out.index, fill_value="")
    if "obs_count" in df.columns:
        counts = df["obs_count"].astype("Float64")
        summed = counts.groupby(gid).sum(min_count=1)
        complete = counts.notna().groupby(gid).all()
        out["obs_count"] = summed.where(complete).round().astype("Int64")
    _keep_other_columns(df, gid, first, out, set(by))
    out["caveats"] = join_caveats(out["caveats"])
    return out.reset_index(drop=True)


def _statuses(df: pd.DataFrame, gid: pd.Series, missing: pd.Series
              ) -> tuple[pd.Series, pd.Series]:
    """Primary obs_status by precedence and most restrictive conf_status, per group.

    Only parts with a value count, unless no part has one.
    """
    prec = df["obs_status"].map(precedence()).astype("float64")
    best = prec.where(~missing).groupby(gid).min().fillna(prec.groupby(gid).min())
    by_prec = {v: k for k, v in precedence().items()}
    status = best.map(by_prec).fillna("A").astype("str")
    rank = {c: i for i, c in enumerate(CONF_ORDER)}
    crank = df["conf_status"].map(rank).fillna(len(CONF_ORDER) - 1).astype("float64")
    conf = crank.where(~missing).groupby(gid).min().fillna(crank.groupby(gid).min())
    return status, conf.astype(int).map(dict(enumerate(CONF_ORDER))).astype("str")


def _caveats(df: pd.DataFrame, gid: pd.Series, missing: pd.Series, *, part: str, sep: str,
             value: pd.Series) -> pd.Series:
    """Union of the parts' caveats, plus ``lower-bound[...]`` naming valueless parts."""
    exploded = text(df["caveats"]).str.split(";").explode()
    exploded = exploded[exploded.str.len() > 0]
    union = exploded.groupby(gid.loc[exploded.index]).unique().map(
        lambda v: ";".join(sorted(v)))
    caveats = union.reindex(value.index, fill_value="").astype("str")
    labels = text(df.loc[missing, part]).groupby(gid[missing]).unique().map(
        lambda v: sep.join(sorted(v))).reindex(value.index)
    bound = labels.notna() & value.notna()
    return add_caveat(caveats, "lower-bound[" + labels.fillna("") + "]", bound)


def _keep_other_columns(df: pd.DataFrame, gid: pd.Series, first: pd.DataFrame,
                        out: pd.DataFrame, by: set[str]) -> None:
    """Copy columns that agree within each group; mark those that do not."""
    import pandas as pd

    handled = by | {"obs_value", "obs_status", "conf_status", "caveats", "obs_flags",
                    "source_ref", "obs_count"}
    for column in df.columns:
        if column in handled:
            continue
        out[column] = first[column]
        varies = df[column].groupby(gid).nunique(dropna=False) > 1
        if not varies.any():
            continue
        if column in DEFINITION:
            out.loc[varies, column] = "MIXED" if column == "migr_basis" else "_U"
            out["caveats"] = add_caveat(out["caveats"], f"mixed-definitions[{column}]", varies)
        elif column == "source_id":
            out.loc[varies, column] = _union_text(df[column], gid, "+")[varies]
        else:
            out.loc[varies, column] = pd.NA


def _check_units(df: pd.DataFrame, gid: pd.Series) -> None:
    for column in ("unit_measure", "unit_mult"):
        if column not in df.columns:
            continue
        varies = df[column].groupby(gid).nunique(dropna=False) > 1
        if varies.any():
            bad = df.loc[gid.isin(varies[varies].index), column].astype("str").unique()
            raise ComparabilityError(
                f"cannot add values in different units: {column} takes the values "
                f"{', '.join(sorted(bad))} within one sum; convert them first")


def _union_text(series: pd.Series, gid: pd.Series, sep: str, *,
                keep_order: bool = False) -> pd.Series:
    values = text(series)
    values = values[values.str.len() > 0]
    grouped = values.groupby(gid.loc[values.index]).unique()
    if keep_order:
        return grouped.map(sep.join)
    return grouped.map(lambda v: sep.join(sorted(v)))
