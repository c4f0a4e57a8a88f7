"""Age arithmetic: regroup the age bands of a harmonized frame into other bands.

Exact where the source bands nest into the targets (UNHCR 0-4 + 5-11 + 12-17 ->
``Y0T17``); an :class:`~migharmony.errors.AgeBandError` naming the source bands
that straddle a target boundary where they do not (UNHCR bands into ``Y0T14``);
or, when asked (``approximate=True``), a documented approximation.

>>> import pandas as pd
>>> frame = pd.DataFrame({
...     "ref_area": "PAK", "time_period": "2019", "measure": "REF", "sex": "F",
...     "age": ["Y0T4", "Y5T11", "Y12T17", "Y18T59", "Y_GE60", "_T"],
...     "obs_value": [4.0, 7.0, 6.0, 20.0, 3.0, 40.0], "source_id": "unhcr"})
>>> out = regroup_ages(frame, ["Y0T17", "Y18T59", "Y_GE60"])
>>> out[["age", "obs_value"]].to_string(index=False)
'   age  obs_value\\n Y0T17       17.0\\nY18T59       20.0\\nY_GE60        3.0\\n    _T       40.0'
>>> regroup_ages(frame, ["Y0T14"])  # doctest: +ELLIPSIS
Traceback (most recent call last):
migharmony.errors.AgeBandError: Y0T14 cannot be made from Y12T17, which straddles 15...

Approximation (``approximate=True``) assumes people are spread uniformly over the
single years of a straddling band: the part of ``Y12T17`` (6 years) that falls in
``Y0T14`` (ages 12, 13, 14) is 3/6 of its value. Open-ended bands (``Y_GE60``)
cannot be split this way and still raise. Approximated values get ``obs_status``
``E`` (unless a stronger flag such as a break ``B`` applies) and the caveat
``approximated-age-bands[<split bands>]``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._frames import add_caveat, as_frame, key_columns, require
from .errors import AgeBandError, Problem

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["AgeBand", "bands_of", "plan_regroup", "regroup_ages"]

#: Age codes that are not bands: left as they are by :func:`regroup_ages`.
SPECIAL_AGES: tuple[str, ...] = ("_T", "_U", "_Z")


@dataclass(frozen=True, order=True)
class AgeBand:
    """An age band: ``low`` inclusive, ``high`` exclusive (None when open-ended)."""

    low: int
    high: int | None
    code: str

    @property
    def top(self) -> float:
        """The exclusive upper bound, infinite when open-ended."""
        return math.inf if self.high is None else self.high

    @property
    def years(self) -> float:
        """The width of the band in years (infinite when open-ended)."""
        return self.top - self.low

    def contains(self, other: AgeBand) -> bool:
        """Whether *other* lies inside this band."""
        return self.low <= other.low and other.top <= self.top

    def overlap(self, other: AgeBand) -> float:
        """Years the two bands share."""
        return max(0.0, min(self.top, other.top) - max(self.low, other.low))


def _band(value: str | tuple[int, int | None]) -> AgeBand:
    from . import vocab

    if isinstance(value, str):
        low, high = vocab.age_interval(value)
        return AgeBand(low, high, value)
    low, high = value
    return AgeBand(low, high, vocab.age_code(low, high))


def bands_of(values: Iterable[str | tuple[int, int | None]]) -> list[AgeBand]:
    """Parse target bands given as SDMX codes or ``(low, high)`` tuples, sorted.

    Tuples are half-open like ``age_low``/``age_high``: ``(0, 18)`` is ``Y0T17`` and
    ``(60, None)`` is ``Y_GE60``. Overlapping targets are an error.

    >>> [b.code for b in bands_of([(60, None), "Y0T17", (18, 60)])]
    ['Y0T17', 'Y18T59', 'Y_GE60']
    """
    found = sorted(_band(v) for v in values)
    if not found:
        raise AgeBandError("no target age bands given")
    for before, after in itertools.pairwise(found):
        if after.low < before.top:
            raise AgeBandError(f"target bands {before.code} and {after.code} overlap; "
                               "targets must not share any age")
    if any(b.code == "_T" for b in found):
        raise AgeBandError("'_T' (all ages) is not a band to regroup into: the total row "
                           "is kept as it is")
    return found


def _tiling(target: AgeBand, sources: Sequence[AgeBand]) -> list[AgeBand] | None:
    """Source bands that exactly tile *target* (the finest such set), or None."""
    inside = sorted((s for s in sources if target.contains(s)), key=lambda b: (b.low, b.top))
    # Longest path from target.low to target.top through contiguous bands: the finest
    # tiling, so that a coarser published band never hides its finer parts.
    best: dict[float, list[AgeBand]] = {float(target.low): []}
    for band in sorted(inside, key=lambda b: (b.low, -b.top)):
        path = best.get(float(band.low))
        if path is None:
            continue
        candidate = [*path, band]
        current = best.get(band.top)
        if current is None or len(candidate) > len(current):
            best[band.top] = candidate
    return best.get(target.top)


def _minimal(sources: Sequence[AgeBand]) -> list[AgeBand]:
    """The source bands that contain no other source band (the finest layer)."""
    return [s for s in sources
            if not any(o != s and s.contains(o) for o in sources)]


def _uncovered(target: AgeBand, layer: Sequence[AgeBand]) -> list[str]:
    """Ranges of *target* that no band of *layer* covers, as text."""
    gaps: list[str] = []
    at = float(target.low)
    for band in sorted(layer, key=lambda b: b.low):
        if band.top <= at or band.low >= target.top:
            continue
        if band.low > at:
            gaps.append(_years(at, band.low))
        at = max(at, band.top)
    if at < target.top:
        gaps.append(_years(at, target.top))
    return gaps


def _years(low: float, high: float) -> str:
    return f"{int(low)} and over" if math.isinf(high) else f"{int(low)} to {int(high) - 1}"


def plan_regroup(sources: Iterable[str], targets: Sequence[AgeBand], *,
                 approximate: bool = False) -> tuple[list[tuple[str, str, float]],
                                                     list[Problem]]:
    """How to make each target from the source age codes of one group.

    Returns ``(source code, target code, weight)`` triples and the problems that
    prevent a target from being made. Exact plans have weight 1.

    >>> plan, problems = plan_regroup(["Y0T4", "Y5T11", "Y12T17"], bands_of(["Y0T17"]))
    >>> plan
    [('Y0T4', 'Y0T17', 1.0), ('Y5T11', 'Y0T17', 1.0), ('Y12T17', 'Y0T17', 1.0)]
    >>> plan_regroup(["Y0T4", "Y5T11", "Y12T17"], bands_of(["Y0T14"]))[1][0].message
    'Y0T14 cannot be made from Y12T17, which straddles 15'
    """
    bands = [_band(c) for c in dict.fromkeys(sources) if c not in SPECIAL_AGES]
    plan: list[tuple[str, str, float]] = []
    problems: list[Problem] = []
    if not bands:
        return plan, problems
    layer = sorted(_minimal(bands))
    for target in targets:
        tiles = _tiling(target, bands)
        if tiles is not None:
            plan.extend((t.code, target.code, 1.0) for t in tiles)
            continue
        straddlers = [s for s in layer if s.overlap(target) > 0 and not target.contains(s)]
        gaps = _uncovered(target, layer)
        if approximate and not gaps and all(s.high is not None for s in straddlers):
            plan.extend((s.code, target.code, s.overlap(target) / s.years)
                        for s in layer if s.overlap(target) > 0)
            continue
        problems.append(_problem(target, straddlers, gaps, approximate))
    return plan, problems


def _problem(target: AgeBand, straddlers: Sequence[AgeBand], gaps: Sequence[str],
             approximate: bool) -> Problem:
    parts: list[str] = []
    for s in straddlers:
        cuts = [b for b in (target.low, target.high)
                if b is not None and s.low < b < s.top]
        where = " and ".join(str(c) for c in cuts)
        if approximate and s.high is None:
            parts.append(f"{s.code}, which straddles {where} and is open-ended, so it "
                         "cannot be split by years")
        else:
            parts.append(f"{s.code}, which straddles {where}")
    if parts:
        message = f"{target.code} cannot be made from {'; '.join(parts)}"
    else:
        message = f"{target.code} cannot be made: no source band covers ages {', '.join(gaps)}"
    if gaps and parts:
        message += f"; and no source band covers ages {', '.join(gaps)}"
    return Problem(message, key=target.code, rule="age-bands-do-not-nest",
                   hint="" if approximate or not parts else
                   "choose bands whose limits are source limits, or pass approximate=True")


def regroup_ages(data: Any, bands: Iterable[str | tuple[int, int | None]], *,
                 approximate: bool = False) -> pd.DataFrame:
    """Regroup the age bands of *data* into *bands* (SDMX codes or ``(low, high)``).

    Within each group of observations that differ only by age, the source bands
    that nest in a target are added up with flag-aware arithmetic (statuses by
    SDMX precedence, caveats unioned, a part without a value makes the sum a
    ``lower-bound``). Rows with the special ages ``_T``, ``_U`` and ``_Z`` are
    kept unchanged; source bands outside every target are dropped. Groups without
    any age band (totals only) give no target rows.

    Raises :class:`~migharmony.errors.AgeBandError` listing every target that
    cannot be made exactly (with the straddling source bands), unless
    *approximate* is true (see the module docstring for the method).

    >>> from migharmony._doc_examples import west_africa_ages
    >>> data = west_africa_ages()                 # bands 0-14, 15-64, 65+ and all ages
    >>> out = regroup_ages(data, ["Y0T64", "Y_GE65"])
    >>> out.query("ref_area == 'SEN' and sex == '_T'")[["age", "obs_value", "caveats"]]
    ... # doctest: +NORMALIZE_WHITESPACE
           age  obs_value                           caveats
    24   Y0T64   247436.0  aggregate-of-parts[Y0T14+Y15T64]
    25  Y_GE65    27493.0
    26      _T   274929.0
    >>> regroup_ages(data, ["Y0T17", "Y18T64", "Y_GE65"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    migharmony.errors.AgeBandError: Y0T17 cannot be made from Y15T64, which straddles 18 ...
    ...
    """
    import pandas as pd

    from . import schema, vocab
    from ._flags import aggregate

    frame = as_frame(data)
    require(frame, ("age", "obs_value"), "regroup_ages")
    targets = bands_of(bands)
    by_code = {t.code: t for t in targets}
    is_band = frame["age"].notna() & ~frame["age"].isin(SPECIAL_AGES)
    rows = frame.loc[is_band]
    kept = frame.loc[frame["age"].isin(SPECIAL_AGES)]
    group_cols = [c for c in key_columns(frame) if c != "age"]
    if rows.empty:
        return kept.copy()

    gid = rows.groupby(group_cols, dropna=False, sort=False).ngroup()
    signature = rows["age"].astype("str").groupby(gid).unique().map(
        lambda v: "|".join(sorted(v)))
    plans: list[tuple[str, str, str, float]] = []
    problems: dict[str, Problem] = {}
    for sig in signature.unique():
        plan, found = plan_regroup(sig.split("|"), targets, approximate=approximate)
        plans.extend((sig, *p) for p in plan)
        for p in found:
            problems.setdefault(p.message, p)
    if problems:
        first = next(iter(problems.values()))
        raise AgeBandError(first.message + (f" (and {len(problems) - 1} more)"
                                            if len(problems) > 1 else ""),
                           problems=list(problems.values()))
    plan_frame = pd.DataFrame(plans, columns=["_sig", "age", "_target", "_weight"])
    merged = rows.assign(_sig=signature.reindex(gid).to_numpy()).merge(
        plan_frame, on=["_sig", "age"], how="inner")
    if merged.empty:
        return kept.copy()
    out = aggregate(merged.drop(columns=["_sig"]), [*group_cols, "_target"], part="age",
                    weight=merged["_weight"])
    out_gid = merged.groupby([*group_cols, "_target"], dropna=False, sort=True).ngroup()
    low_of = {code: _band(code).low for code in plan_frame["age"].unique()}
    parts = merged["age"].astype("str").groupby(out_gid).unique().map(
        lambda v: sorted(v, key=low_of.__getitem__))
    split = merged.loc[merged["_weight"] < 1, "age"].astype("str").groupby(
        out_gid[merged["_weight"] < 1]).unique().reindex(out.index)
    approx = split.notna()
    if approx.any():
        out.loc[approx, "obs_status"] = out.loc[approx, "obs_status"].map(
            lambda s: vocab.primary_obs_status([s, "E"]))
        details = split[approx].map(lambda v: ",".join(sorted(v)))
        out["caveats"] = add_caveat(out["caveats"], "approximated-age-bands[" + details + "]",
                                    approx)
    many = parts.map(len) > 1
    out["caveats"] = add_caveat(out["caveats"],
                                "aggregate-of-parts[" + parts.map("+".join) + "]", many)
    out = out.drop(columns=["_parts", "_missing", "_weight"], errors="ignore")
    out["age"] = out.pop("_target").astype("str")
    out["age_low"] = out["age"].map({c: t.low for c, t in by_code.items()}).astype("Int64")
    out["age_high"] = out["age"].map({c: t.high for c, t in by_code.items()}).astype("Int64")
    result = pd.concat([out, kept], ignore_index=True)
    columns = [c for c in frame.columns if c in result.columns]
    result = result[columns]
    result = schema.conform(result)
    lows = vocab.age_intervals(result["age"].astype(object))["age_low"].where(
        ~result["age"].isin(SPECIAL_AGES))
    return (result.assign(_low=lows)
            .sort_values([*group_cols, "_low", "age"], kind="stable", na_position="last")
            .drop(columns="_low").reset_index(drop=True))
