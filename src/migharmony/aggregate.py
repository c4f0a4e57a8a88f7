"""Area aggregation through time: sum a group's members as they were on each date.

Membership comes from :func:`migharmony.areas.members` (``members(group, on=date)``)
on each observation's reference date (see :func:`reference_date`: the start of its
``time_period``, or for a yearly stock the date its ``ref_date_type`` says, such as
1 July for ``MIDYEAR`` and 31 December for ``DEC31``), or on one fixed date *on*.
Every aggregate row says how complete it is; flags follow :mod:`migharmony._flags`
(a member without a value makes the sum a ``lower-bound``).

>>> import pandas as pd
>>> frame = pd.DataFrame({"ref_area": ["SEN", "MLI", "NER"], "time_period": "2020",
...                       "measure": "STOCK", "obs_value": [10.0, 20.0, 30.0],
...                       "source_id": "demo"})
>>> out = aggregate_areas(frame, "XX", members=["SEN", "MLI", "NER", "GMB"],
...                       min_coverage=0.5)
>>> out.loc[0, "ref_area"], float(out.loc[0, "obs_value"]), out.loc[0, "caveats"]
('XX', 60.0, 'aggregate-of-parts[3 members];partial-coverage[GMB]')
>>> report = out.attrs["coverage"]
>>> print(report[["members_expected", "members_present", "members_missing"]].to_string())
   members_expected  members_present members_missing
0                 4                3             GMB
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ._frames import DEFINITION, add_caveat, as_frame, join_caveats, key_columns, require
from .errors import CoverageError, Problem

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["aggregate_areas", "period_start", "reference_date"]

MembersFunction = Callable[[str, dt.date], Sequence[str]]

_PERIOD = re.compile(r"^(\d{4})(?:-(?:(\d{2})(?:-(\d{2}))?|Q([1-4])|S([12])|W(\d{2})))?")


def period_start(period: str) -> dt.date:
    """The first day of an ISO 8601 period (the date membership is resolved at).

    >>> [str(period_start(p)) for p in ("2020", "2020-Q3", "2020-S2", "2020-07-15", "2019/2020")]
    ['2020-01-01', '2020-07-01', '2020-07-01', '2020-07-15', '2019-01-01']
    """
    match = _PERIOD.match(str(period))
    if match is None:
        raise ValueError(f"{period!r} is not an ISO 8601 period")
    year, month, day, quarter, half, week = match.groups()
    if week:
        return dt.date.fromisocalendar(int(year), int(week), 1)
    if quarter:
        return dt.date(int(year), 3 * int(quarter) - 2, 1)
    if half:
        return dt.date(int(year), 6 * int(half) - 5, 1)
    return dt.date(int(year), int(month or 1), int(day or 1))


_YEAR_DATES = {"MIDYEAR": (7, 1), "DEC31": (12, 31), "JAN1": (1, 1)}


def reference_date(period: str, ref_date_type: str | None = None) -> dt.date:
    """The date an observation refers to: *ref_date_type* for a year, else the start.

    >>> [str(reference_date("2025", t)) for t in ("MIDYEAR", "DEC31", "_U", None)]
    ['2025-07-01', '2025-12-31', '2025-01-01', '2025-01-01']
    >>> str(reference_date("2025-Q2", "DEC31"))
    '2025-04-01'
    """
    start = period_start(period)
    if ref_date_type in _YEAR_DATES and re.fullmatch(r"\d{4}", str(period)):
        month, day = _YEAR_DATES[str(ref_date_type)]
        return dt.date(start.year, month, day)
    return start


def _resolver(group: str, members: Sequence[str] | MembersFunction | None
              ) -> MembersFunction:
    if members is None:
        import importlib

        # migharmony.areas (group membership with dates) is imported only when needed.
        areas = importlib.import_module("migharmony.areas")

        def lookup(name: str, on: dt.date) -> Sequence[str]:
            found: Sequence[str] = areas.members(name, on=on)
            return found

        return lookup
    if callable(members):
        return members
    fixed = list(members)
    return lambda _name, _on: fixed


def aggregate_areas(data: Any, group: str, *, on: dt.date | str | None = None,
                    min_coverage: float = 1.0,
                    members: Sequence[str] | MembersFunction | None = None,
                    errors: Literal["raise", "omit"] = "raise") -> pd.DataFrame:
    """Sum the members of *group* for every observation key and period.

    *members* overrides :func:`migharmony.areas.members`: a fixed list, or a function
    ``members(group, on)`` returning the members on a date. Membership is taken at
    the start of each ``time_period`` unless *on* fixes one date for all rows.

    Coverage (members with a value / members expected) is reported per aggregate
    row in ``attrs["coverage"]`` (a frame with ``members_expected``,
    ``members_present``, ``members_missing``, ``members_suppressed``, ``coverage``).
    Rows below *min_coverage* raise :class:`~migharmony.errors.CoverageError`
    naming the missing members (``errors="omit"`` drops them instead). Rows above
    it but incomplete get ``partial-coverage[<missing members>]``; members present
    without a value make the sum a ``lower-bound[<members>]``.

    >>> from migharmony._doc_examples import west_africa
    >>> stock = west_africa()                     # Senegal, Mali, Nigeria in 2020
    >>> total = aggregate_areas(stock, "WA3", members=["SEN", "MLI", "NGA"])
    >>> total[["ref_area", "sex", "obs_value", "caveats"]]
      ref_area sex  obs_value                        caveats
    0      WA3   F   995426.0  aggregate-of-parts[3 members]
    1      WA3   M  1073900.0  aggregate-of-parts[3 members]
    2      WA3  _T  2069326.0  aggregate-of-parts[3 members]
    >>> aggregate_areas(stock, "ECOWAS")  # 15 members in 2020  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    migharmony.errors.CoverageError: ECOWAS aggregate below min_coverage 100%: missing ...
    ...
    """
    import pandas as pd

    from . import schema
    from ._flags import aggregate

    frame = as_frame(data)
    require(frame, ("ref_area", "time_period", "obs_value"), "aggregate_areas")
    if not 0 <= min_coverage <= 1:
        raise ValueError(f"min_coverage is a share between 0 and 1, got {min_coverage}")
    resolve = _resolver(group, members)
    fixed = period_start(on) if isinstance(on, str) else on
    date_type = (frame["ref_date_type"].astype("str") if "ref_date_type" in frame.columns
                 else pd.Series("_U", index=frame.index))
    dated = pd.DataFrame({"time_period": frame["time_period"].astype("str"),
                          "_date_type": date_type.fillna("_U")}).drop_duplicates()
    membership = pd.DataFrame(
        [(p, t, str(m)) for p, t in dated.itertuples(index=False)
         for m in resolve(group, fixed or reference_date(p, t))],
        columns=["time_period", "_date_type", "ref_area"]).drop_duplicates()
    # Definition columns are not grouped on: members made on different definitions are
    # added (as UN DESA does) and the sum says so (migr_basis MIXED, mixed-definitions).
    keys = [c for c in key_columns(frame) if c != "ref_area" and c not in DEFINITION]

    rows = frame.assign(_date_type=date_type.fillna("_U").to_numpy()).merge(
        membership, on=["time_period", "_date_type", "ref_area"], how="inner")
    membership = membership.drop(columns="_date_type").drop_duplicates()
    if rows.empty:
        raise CoverageError(f"no observation belongs to {group}: its members are "
                            f"{', '.join(sorted(membership['ref_area'])) or 'none'}")
    out = aggregate(rows.drop(columns="_date_type"), keys, part="ref_area")
    report = _coverage(rows, out[keys], membership, keys)
    out["ref_area"] = group

    low = report["coverage"] < min_coverage
    if low.any() and errors == "raise":
        problems = [Problem(f"{r.time_period!s}: {r.members_present!s} of "
                            f"{r.members_expected!s} members with a value "
                            f"({r.coverage:.0%}); missing "
                            f"{r.members_missing or 'none'!s}, without value "
                            f"{r.members_suppressed or 'none'!s}",
                            key=str(r.time_period), rule="coverage")
                    for r in report[low].drop_duplicates(
                        ["time_period", "members_missing", "members_suppressed"]).itertuples()]
        absent = report.loc[low, "members_missing"] + "," + report.loc[
            low, "members_suppressed"]
        missing = sorted(set(absent.str.split(",").explode()) - {""})
        raise CoverageError(f"{group} aggregate below min_coverage {min_coverage:.0%}: "
                            f"missing or without value {', '.join(missing)}",
                            problems=problems)
    incomplete = report["members_missing"].str.len() > 0
    out["caveats"] = add_caveat(out["caveats"],
                                "partial-coverage[" + report["members_missing"] + "]",
                                incomplete)
    out["caveats"] = join_caveats(out["caveats"], "aggregate-of-parts["
                                  + out["_parts"].astype("str") + " members]")
    keep = ~low
    out = out.loc[keep].drop(columns=["_parts", "_missing"])
    report = report.loc[keep].reset_index(drop=True)
    columns = [*(c for c in frame.columns if c in out.columns),
               *(c for c in out.columns if c not in frame.columns)]
    out = out[columns]
    out = schema.conform(out).reset_index(drop=True)
    report.insert(0, "ref_area", group)
    out.attrs["coverage"] = report
    return out


def _coverage(rows: pd.DataFrame, groups: pd.DataFrame, membership: pd.DataFrame,
              keys: list[str]) -> pd.DataFrame:
    """Members expected, present (with a value), suppressed and missing per group."""
    import pandas as pd

    groups = groups.reset_index(drop=True).reset_index(names="_row")
    expected = groups.merge(membership, on="time_period", how="left")
    valued = rows[[*keys, "ref_area"]].assign(_valued=rows["obs_value"].notna())
    have = valued.groupby([*keys, "ref_area"], dropna=False, as_index=False)["_valued"].any()
    status = expected.merge(have, on=[*keys, "ref_area"], how="left")
    status["_state"] = "missing"
    status.loc[status["_valued"].eq(True), "_state"] = "present"
    status.loc[status["_valued"].eq(False), "_state"] = "suppressed"
    by_row = status.groupby("_row")
    report = groups[keys].copy()
    report["members_expected"] = by_row.size().reindex(groups["_row"]).to_numpy()
    counts = pd.crosstab(status["_row"], status["_state"]).reindex(groups["_row"],
                                                                  fill_value=0)
    report["members_present"] = (counts["present"].to_numpy() if "present" in counts
                                 else 0)

    def names(state: str) -> Any:
        chosen = status[status["_state"] == state]
        joined = chosen.groupby("_row")["ref_area"].agg(lambda s: ",".join(sorted(s)))
        return joined.reindex(groups["_row"], fill_value="").to_numpy()

    report["members_missing"] = names("missing")
    report["members_suppressed"] = names("suppressed")
    report["coverage"] = report["members_present"] / report["members_expected"]
    return report.astype({"members_missing": "str", "members_suppressed": "str"})
