"""Comparability: stack harmonized results safely and line two sources up.

:func:`combine` stacks results and refuses to mix definitions of a migrant
(``migr_basis``) within one measure unless asked; :func:`compare` puts two sources
side by side with their differences and both sides' definitions.

>>> import pandas as pd
>>> cit = pd.DataFrame({"ref_area": ["DEU"], "time_period": ["2020"], "measure": ["STOCK"],
...                     "migr_basis": ["CIT"], "obs_value": [10.0], "source_id": ["ctz"]})
>>> cob = cit.assign(migr_basis="COB", obs_value=14.0, source_id="ctb")
>>> combine([cit, cob])  # doctest: +ELLIPSIS
Traceback (most recent call last):
migharmony.errors.ComparabilityError: measure STOCK mixes definitions of a migrant: ctb (mi...
>>> combine([cob, cit], allow_mixed_definitions=True)["comparability"].tolist()
['CIT', 'COB']
>>> row = compare(cit, cob, on=("ref_area", "time_period", "measure")).iloc[0]
>>> float(row["difference"]), row["relation"], row["migr_basis_a"], row["migr_basis_b"]
(4.0, 'definition', 'CIT', 'COB')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import schema
from ._frames import DEFINITION, add_caveat, as_frame, key_columns, require
from .errors import ComparabilityError, Problem

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["combine", "compare", "family"]

_EDITION = re.compile(r"([_\-.]?(19|20)\d{2}([_\-.]?(v|ed|r)?\d+)?|[_\-.](v|ed|rev)\d+)$",
                      re.IGNORECASE)


def family(source_id: str) -> str:
    """The crosswalk family of a source: its id without the edition or year suffix.

    >>> family("undesa_ims_2020"), family("undesa_ims_2024"), family("eurostat_migr_pop1ctz")
    ('undesa_ims', 'undesa_ims', 'eurostat_migr_pop1ctz')
    """
    return _EDITION.sub("", str(source_id)) or str(source_id)


def _definitions(frame: pd.DataFrame) -> list[str]:
    return [c for c in DEFINITION if c in frame.columns]


def combine(results: Iterable[Any], *, allow_mixed_definitions: bool = False) -> pd.DataFrame:
    """Stack harmonized results (frames or objects with ``.data``) into one frame.

    Every row keeps its definition signature (``migr_basis``, ``residence_rule``,
    ``source_type``, ``ref_date_type``). When one measure is counted on different
    bases (``migr_basis``) by different sources, :class:`ComparabilityError` names
    the sources and their definitions; with *allow_mixed_definitions* a
    ``comparability`` column gives each row's basis (with the other definition
    columns that differ, as ``COB/CENSUS``) and those rows get the caveat
    ``mixed-definitions[migr_basis]``. The result is sorted by key and does not
    depend on the order of *results*; ``attrs["migharmony"]["sources"]`` lists the
    inputs' metadata by source.

    >>> from migharmony._doc_examples import west_africa
    >>> born, citizens = west_africa("COB"), west_africa("CIT")
    >>> combine([born, citizens])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    migharmony.errors.ComparabilityError: measure STOCK mixes definitions of a migrant: ...
    >>> both = combine([born, citizens], allow_mixed_definitions=True)
    >>> both.query("ref_area == 'MLI' and sex == '_T'")[
    ...     ["ref_area", "source_id", "obs_value", "comparability", "caveats"]]
      ref_area    source_id  obs_value comparability                        caveats
    2      MLI  example-cit   485829.0           CIT  mixed-definitions[migr_basis]
    5      MLI  example-cob   485829.0           COB  mixed-definitions[migr_basis]
    """
    import pandas as pd

    frames = [as_frame(r) for r in results]
    if not frames:
        raise ValueError("combine needs at least one result")
    for f in frames:
        require(f, ("measure", "source_id", "obs_value"), "combine")
    data = pd.concat(frames, ignore_index=True)
    definitions = _definitions(data)
    if "migr_basis" in data.columns:
        signature = data[["measure", "source_id", *definitions]].drop_duplicates()
        per_measure = signature.groupby("measure")
        mixed = (per_measure["migr_basis"].nunique() > 1) & (
            per_measure["source_id"].nunique() > 1)
        mixed_measures = sorted(mixed[mixed].index)
        if mixed_measures and not allow_mixed_definitions:
            problems = [_mixing_problem(signature[signature["measure"] == m], m, definitions)
                        for m in mixed_measures]
            raise ComparabilityError(
                problems[0].message + "; pass allow_mixed_definitions=True to stack them "
                "with a comparability column", problems=problems)
        if allow_mixed_definitions:
            data["comparability"] = _comparability(data, definitions)
            data["caveats"] = add_caveat(
                data["caveats"] if "caveats" in data else pd.Series("", index=data.index),
                "mixed-definitions[migr_basis]", data["measure"].isin(mixed_measures))
    keys = [c for c in key_columns(data) if c in data.columns and c != "comparability"]
    data = schema.conform(data.sort_values(keys, kind="stable").reset_index(drop=True))
    sources: dict[str, Any] = {}
    for f in frames:
        meta = f.attrs.get("migharmony")
        for sid in f["source_id"].dropna().unique():
            sources.setdefault(str(sid), meta if isinstance(meta, dict) else {})
    data.attrs = {"migharmony": {"sources": dict(sorted(sources.items()))}}
    return data


def _mixing_problem(signature: pd.DataFrame, measure: str,
                    definitions: Sequence[str]) -> Problem:
    described = []
    for sid, rows in signature.sort_values("source_id").groupby("source_id", sort=True):
        parts = [f"{c}={'/'.join(sorted(rows[c].astype('str').unique()))}"
                 for c in definitions]
        described.append(f"{sid} ({', '.join(parts)})")
    return Problem(f"measure {measure} mixes definitions of a migrant: "
                   f"{', '.join(described)}", key=str(measure), rule="mixed-definitions")


def _comparability(data: pd.DataFrame, definitions: Sequence[str]) -> pd.Series:
    """``migr_basis`` plus the other definition columns that vary within a measure."""
    varying = data.groupby("measure")[list(definitions)].transform("nunique") > 1
    label = data["migr_basis"].astype("str")
    for column in definitions:
        if column == "migr_basis":
            continue
        label = label.where(~varying[column], label + "/" + data[column].astype("str"))
    return label


def compare(a: Any, b: Any, *,
            on: Sequence[str] = ("ref_area", "time_period", "sex", "age", "measure"),
            ) -> pd.DataFrame:
    """Line up two sources on *on* and report their differences.

    One row per value of *on* found on either side, with ``value_a``, ``value_b``,
    ``difference`` (b - a), ``rel_difference`` (relative to a), ``present``
    (``both``, ``a_only``, ``b_only``), each side's ``source_id``, status, caveats
    and definition columns, ``same_definition`` and ``relation``: ``revision``
    when both sides come from one producer's crosswalk family (two editions of
    one source; see :func:`family`, or ``attrs["migharmony"]["producer"]``),
    ``definition`` when the definitions differ, else ``source``.

    Each side must have one row per value of *on*; otherwise a ValueError names the
    columns that still vary (filter them or add them to *on*).

    >>> from migharmony._doc_examples import west_africa
    >>> pair = compare(west_africa("COB"), west_africa("CIT"))
    >>> pair[["ref_area", "sex", "value_a", "value_b", "same_definition", "relation"]].head(2)
      ref_area sex   value_a   value_b  same_definition    relation
    0      MLI   F  247773.0  247773.0            False  definition
    1      MLI   M  238056.0  238056.0            False  definition
    """
    import numpy as np
    import pandas as pd

    left, right = as_frame(a), as_frame(b)
    on = list(on)
    sides = []
    for name, frame in (("a", left), ("b", right)):
        require(frame, [*on, "obs_value"], "compare")
        dup = frame.duplicated(on, keep=False)
        if dup.any():
            varying = [c for c in key_columns(frame) if c not in on
                       and frame.loc[dup].groupby(on)[c].nunique().gt(1).any()]
            raise ValueError(f"side {name} has several rows per {', '.join(on)}; they differ "
                             f"by {', '.join(varying) or 'nothing (duplicates)'}: filter "
                             "them or add them to on=")
        keep = [c for c in ("obs_value", "obs_status", "caveats", "source_id", "source_ref",
                            *DEFINITION) if c in frame.columns and c not in on]
        side = frame[[*on, *keep]].rename(columns={c: f"{c}_{name}" for c in keep})
        sides.append(side.rename(columns={f"obs_value_{name}": f"value_{name}"}))
    out = sides[0].merge(sides[1], on=on, how="outer", indicator="present")
    out["present"] = out["present"].astype("str").map(
        {"both": "both", "left_only": "a_only", "right_only": "b_only"})
    out["difference"] = out["value_b"] - out["value_a"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rel_difference"] = out["difference"] / out["value_a"].where(out["value_a"] != 0)
    same = pd.Series(True, index=out.index)
    for column in DEFINITION:
        if f"{column}_a" in out and f"{column}_b" in out:
            same &= out[f"{column}_a"].astype("str") == out[f"{column}_b"].astype("str")
    out["same_definition"] = same
    out["relation"] = np.where(_same_family(left, right, out), "revision",
                               np.where(same, "source", "definition"))
    return out.sort_values(on, kind="stable").reset_index(drop=True)


def _same_family(left: pd.DataFrame, right: pd.DataFrame, out: pd.DataFrame) -> Any:
    """Whether each row compares two editions of one producer's source."""
    producers = [f.attrs.get("migharmony", {}).get("producer") for f in (left, right)]
    if all(producers):
        return producers[0] == producers[1]
    if "source_id" not in left or "source_id" not in right:
        return False
    ids = []
    for side, frame in (("a", left), ("b", right)):
        unique = frame["source_id"].dropna().astype("str").unique()
        fallback = unique[0] if len(unique) == 1 else ""
        ids.append(out[f"source_id_{side}"].astype("str").fillna(fallback)
                   .where(out[f"source_id_{side}"].notna(), fallback))
    fam_a, fam_b = ids[0].map(family), ids[1].map(family)
    return (fam_a == fam_b) & (ids[0] != ids[1]) & (ids[0] != "") & (ids[1] != "")
