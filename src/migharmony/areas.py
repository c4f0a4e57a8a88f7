"""Areas: resolve any country reference in any language, and groupings on a date.

Codes migharmony outputs (see ``docs/areas.md``):

========================  ===========================================================
countries                 ISO 3166-1 alpha-3: ``GRC``, ``GBR``, ``CIV``
areas without ISO code    ``XKX`` Kosovo, ``AB9`` Abyei Area
historical entities       ISO 3166-3 alpha-4: ``SUHH`` USSR, ``CSHH`` Czechoslovakia,
                          ``YUCS`` Yugoslavia, ``CSXX`` Serbia and Montenegro,
                          ``ANHH`` Netherlands Antilles; ``SDHH`` Sudan before 2011
special categories        ``_T`` total, ``_U`` unknown, ``_O`` other, ``_Z`` not
                          applicable, ``NAT``, ``FOR``, ``STLS``, ``FOR_STLS``
groups                    ``M49_011`` (M49 regions), ``SDG_NAWA`` (SDG regions),
                          ``EU``, ``EU27_2020``, ``EU28`` ..., ``ECOWAS``, ``AFRICAN_UNION``,
                          ``AU_WEST`` ..., ``UNDESA_901`` (UN DESA aggregates)
subdivisions              ISO 3166-2: ``SN-DK``; unknown part of a country: ``SEN_U``;
                          humanitarian p-codes pass through: ``AF01``, ``SO2201``
========================  ===========================================================

Resolution is an exact lookup on normalised keys, never a fuzzy guess; a label that
could mean two areas is an error that lists them.

>>> from migharmony import areas
>>> areas.resolve(["EL", "UK", "384", "4", "Serbia and Montenegro"]).tolist()
['GRC', 'GBR', 'CIV', 'AFG', 'CSXX']
>>> areas.resolve(["Côte d'Ivoire", "Costa de Marfil", "Elfenbeinküste", "France*"]).tolist()
['CIV', 'CIV', 'CIV', 'FRA']
>>> len(areas.members("ECOWAS", on="2025-06-30"))
12
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .errors import AmbiguousAreaError, Problem, UnknownAreaError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ._area_index import AreaIndex

__all__ = [
    "STATUSES",
    "Scheme",
    "codes",
    "depends_on_context",
    "groups_of",
    "info",
    "is_group",
    "label",
    "match",
    "members",
    "resolve",
]

Scheme = Literal["auto", "iso2", "iso3", "m49", "name", "eurostat", "unhcr"]
Errors = Literal["raise", "coerce"]
DateLike = str | dt.date | None

#: Every status :func:`match` can report.
STATUSES = ("exact", "alias", "historical", "special", "group", "subdivision",
            "ambiguous", "unknown")

_SCHEMES = ("auto", "iso2", "iso3", "m49", "name", "eurostat", "unhcr")
# Which code tables each scheme reads ("own" = codes migharmony itself outputs).
_SCHEME_TABLES: dict[str, tuple[str, ...]] = {
    "auto": ("own", "iso3", "iso2", "eurostat", "unhcr", "other"),
    "iso2": ("iso2",),
    "iso3": ("iso3",),
    "m49": (),
    "name": (),
    "eurostat": ("eurostat", "iso2", "own"),
    "unhcr": ("unhcr", "iso3"),
}
_NUMBER = re.compile(r"^\s*0*(\d{1,4})(?:\.0+)?\s*$")
_PCODE = re.compile(r"^([A-Z]{2})(\d{2,})$")
_SUBDIVISION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_CODE_LIKE = re.compile(r"^[A-Za-z0-9_\-]{1,16}$")
_KIND_STATUS = {"historical": "historical", "special": "special", "group": "group",
                "subdivision": "subdivision"}


@dataclass
class _Outcome:
    label: str
    code: str | None
    status: str
    candidates: list[str] = field(default_factory=list)
    message: str = ""


# ---------------------------------------------------------------------------- helpers
def _index() -> AreaIndex:
    from ._area_index import get_index

    return get_index()


def _as_date(on: DateLike) -> dt.date:
    if on is None:
        return dt.date.today()
    if isinstance(on, dt.datetime):
        return on.date()
    if isinstance(on, dt.date):
        return on
    try:
        return dt.date.fromisoformat(str(on))
    except ValueError:
        raise ValueError(f"on={on!r} is not a date; write 'YYYY-MM-DD' or pass a date") from None


def _status_for(index: AreaIndex, code: str, base: str) -> str:
    record = index.records.get(code)
    if record is not None and record.kind in _KIND_STATUS:
        return _KIND_STATUS[record.kind]
    return base


def _describe(index: AreaIndex, code: str) -> str:
    record = index.records.get(code)
    return f"{code} ({record.name()})" if record else code


def _country_of(index: AreaIndex, within: str) -> str:
    """The ISO alpha-3 code *within* names (a code or a name of a country)."""
    outcome = _resolve_one(index, within, lang=None, scheme="auto", within=None)
    record = index.records.get(outcome.code or "")
    if record is None or record.kind != "country":
        raise UnknownAreaError(
            f"within={within!r} is not a country (it resolved to {outcome.code or 'nothing'}); "
            "pass an ISO code such as 'SEN' or a country name")
    return record.code


def _lookup_code(index: AreaIndex, raw: str, scheme: str) -> set[tuple[str, str]]:
    text = raw.strip()
    number = _NUMBER.match(text)
    if number and scheme in ("auto", "m49"):
        return set(index.numeric.get(int(number.group(1)), set()))
    if number:
        return set()
    if not _CODE_LIKE.match(text):
        return set()
    upper = text.upper()
    found: set[tuple[str, str]] = set()
    for table in _SCHEME_TABLES[scheme]:
        found |= index.codes.get(table, {}).get(upper, set())
    if not found and scheme in ("auto", "eurostat") and upper in index.forced_ambiguous:
        found = {(c, "ambiguous") for c in index.forced_ambiguous[upper]}
    return found


def _lookup_subdivision_code(index: AreaIndex, upper: str) -> _Outcome | None:
    if not _SUBDIVISION_CODE.match(upper):
        return None
    import pycountry

    subdivisions: Any = pycountry.subdivisions
    sub = subdivisions.get(code=upper)
    if sub is None:
        return None
    return _Outcome(upper, sub.code, "subdivision", message=f"ISO 3166-2 {sub.type}: {sub.name}")


def _pcode(index: AreaIndex, upper: str, country: str | None) -> _Outcome | None:
    found = _PCODE.match(upper)
    if not found:
        return None
    iso3 = index.iso2_to_iso3.get(found.group(1))
    if iso3 is None or (country is not None and iso3 != country):
        return None
    level = max(1, len(found.group(2)) // 2)
    return _Outcome(upper, upper, "subdivision",
                    message=f"administrative code of {iso3} not in ISO 3166-2 (humanitarian "
                            f"p-code, admin level {level} assumed from its length); passed through")


def _from_names(index: AreaIndex, raw: str, lang: str | None) -> _Outcome:
    from ._area_norm import area_key

    key = area_key(raw)
    if not key:
        return _Outcome(raw, None, "unknown", message="the label is empty once footnotes "
                        "and punctuation are removed")
    if key in index.contextual:
        code, other = index.contextual[key]
        cands = sorted(index.forced_ambiguous.get(key, {code, other}))
        return _Outcome(raw, None, "ambiguous", cands,
                        message=f"context: means {code} only if {other} is also present")
    if key in index.forced_ambiguous:
        cands = sorted(index.forced_ambiguous[key])
        return _Outcome(raw, None, "ambiguous", cands,
                        message="this label names several areas")
    entry = index.names.get(key)
    if entry is None:
        return _Outcome(raw, None, "unknown")
    codes = dict(entry.langs)
    if lang is not None and len(codes) > 1:
        narrowed = {c: langs for c, langs in codes.items() if lang in langs}
        if narrowed:
            codes = narrowed
    if len(codes) > 1:
        return _Outcome(raw, None, "ambiguous", sorted(codes),
                        message="this spelling names several areas" +
                        ("" if lang else "; pass lang= if they differ by language"))
    (code,) = codes
    base = "exact" if code in entry.exact else "alias"
    return _Outcome(raw, code, _status_for(index, code, base))


def _resolve_one(index: AreaIndex, value: str, *, lang: str | None, scheme: str,
                 within: str | None) -> _Outcome:
    raw = value.replace("\u00a0", " ").strip()
    if not raw:
        return _Outcome(value, None, "unknown", message="empty label")
    upper = raw.upper()
    if within is not None:
        sub = _within(index, raw, upper, within, lang)
        if sub is not None:
            return sub
    if scheme != "name":
        found = _lookup_code(index, raw, scheme)
        targets = sorted({t for t, _ in found})
        if len(targets) == 1:
            statuses = {status for _, status in found}
            status = next((s for s in ("exact", "historical", "group") if s in statuses),
                          "alias")
            target = targets[0]
            return _Outcome(value, target, _status_for(index, target, status))
        if len(targets) > 1:
            return _Outcome(value, None, "ambiguous", targets,
                            message="this code means different areas in different schemes; "
                                    "pass scheme=")
        if scheme == "auto":
            outcome = _lookup_subdivision_code(index, upper) or _pcode(index, upper, None)
            if outcome is not None:
                outcome.label = value
                return outcome
    if scheme in ("iso2", "iso3", "m49") and _CODE_LIKE.match(raw) and " " not in raw:
        return _Outcome(value, None, "unknown", message=f"not a {scheme} code")
    outcome = _from_names(index, raw, lang)
    outcome.label = value
    return outcome


def _within(index: AreaIndex, raw: str, upper: str, country: str,
            lang: str | None) -> _Outcome | None:
    from ._area_norm import area_key

    alpha2 = index.iso3_to_iso2[country]
    if upper.startswith(f"{alpha2}-"):
        found = _lookup_subdivision_code(index, upper)
        if found is not None:
            return found
    pcode = _pcode(index, upper, country)
    if pcode is not None:
        return pcode
    table = index.subdivisions_of(country)
    codes = table.get(area_key(raw, subdivision=True), set())
    if len(codes) == 1:
        return _Outcome(raw, next(iter(codes)), "subdivision")
    if len(codes) > 1:
        return _Outcome(raw, None, "ambiguous", sorted(codes),
                        message=f"several subdivisions of {country} have this name")
    general = _from_names(index, raw, lang)
    if general.code in ("_U", "_O"):
        return _Outcome(raw, f"{country}{general.code}", "special",
                        message=f"{'unknown' if general.code == '_U' else 'other'} part of "
                                f"{country}")
    if general.code == "_T":
        return _Outcome(raw, country, "exact", message=f"total of {country}")
    return None


def _values(values: Any) -> tuple[Any, Any]:
    """(pandas Index for the result, the values as a Series)."""
    import pandas as pd

    if isinstance(values, pd.Series):
        return values.index, values
    if isinstance(values, str):
        values = [values]
    series = pd.Series(list(values) if not isinstance(values, pd.Index) else values.tolist(),
                       dtype=object)
    return series.index, series


def _run(values: Any, *, lang: str | None, scheme: str,
         within: str | None) -> tuple[Any, Any, list[Any], list[_Outcome]]:
    import pandas as pd

    if scheme not in _SCHEMES:
        raise ValueError(f"scheme={scheme!r} is not one of {', '.join(_SCHEMES)}")
    index = _index()
    country = _country_of(index, within) if within is not None else None
    result_index, series = _values(values)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    outcomes: list[_Outcome] = []
    for unique in uniques:
        text = unique if isinstance(unique, str) else _text_of(unique)
        outcomes.append(_resolve_one(index, text, lang=lang, scheme=scheme, within=country))
    _apply_context(index, outcomes)
    return result_index, codes, list(uniques), outcomes


def _text_of(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def depends_on_context(labels: Iterable[str]) -> bool:
    """Whether any of *labels* is read according to the other labels of its table
    ("Congo" means COG only beside "Democratic Republic of the Congo").

    >>> depends_on_context(["Mali", "Congo"]), depends_on_context(["Mali"])
    (True, False)
    """
    from ._area_norm import area_key

    contextual = _index().contextual
    return any(area_key(str(label)) in contextual for label in labels)


def _apply_context(index: AreaIndex, outcomes: list[_Outcome]) -> None:
    """Settle labels such as "Congo" whose meaning depends on the other labels."""
    from ._area_norm import area_key

    present = {o.code for o in outcomes if o.code}
    for outcome in outcomes:
        if outcome.status != "ambiguous":
            continue
        key = area_key(outcome.label)
        if key in index.contextual:
            code, other = index.contextual[key]
            if other in present:
                outcome.code, outcome.status = code, "alias"
                outcome.candidates = []
                outcome.message = f"{code}, because {other} is also in the input"


def _suggest(index: AreaIndex, label: str) -> list[str]:
    """Nearest known spellings of an unknown *label* (for messages only)."""
    import difflib

    from ._area_norm import area_key

    key = area_key(label)
    pool: set[str] = set()
    for word in key.split():
        pool |= index.word_index.get(word, set())
        for other in index.word_index:
            if other[:4] == word[:4] and len(word) >= 4:
                pool |= index.word_index[other]
    if not pool:
        pool = set(index.names)
    close = difflib.get_close_matches(key, sorted(pool), n=3, cutoff=0.6)
    out = []
    for found in close:
        codes = sorted(index.names[found].langs)
        out.append(f"{index.spelling.get(found, found)!r} ({', '.join(codes)})")
    if not out and _CODE_LIKE.match(label.strip()) and (label.isupper() or len(label) <= 3):
        all_codes = sorted({c for table in index.codes.values() for c in table})
        out = [repr(c) for c in did_you_mean(label.strip().upper(), all_codes)]
    return out


def _problem(index: AreaIndex, outcome: _Outcome) -> Problem:
    if outcome.status == "ambiguous":
        listed = ", ".join(_describe(index, c) for c in outcome.candidates)
        return Problem(
            f"ambiguous: could be {listed}" + (f" ({outcome.message})" if outcome.message else ""),
            key=repr(outcome.label), rule="ambiguous-area",
            hint="write the full name or map this label in the crosswalk",
            extra={"candidates": list(outcome.candidates)})
    near = _suggest(index, outcome.label)
    text = "unknown area" + (f" ({outcome.message})" if outcome.message else "")
    if near:
        text += "; nearest known spellings: " + ", ".join(near)
    return Problem(text, key=repr(outcome.label), rule="unknown-area",
                   hint="add the spelling to vocab/areas/aliases.yaml if it is a real name",
                   extra={"candidates": []})


# ---------------------------------------------------------------------------- public API
def resolve(values: Any, *, lang: str | None = None, scheme: Scheme = "auto",
            errors: Errors = "raise", within: str | None = None) -> pd.Series:
    """Codes for country and area references, aligned with *values*.

    *values* may be a Series (the result keeps its index), a list, an Index or one
    string. Each distinct value is resolved once. Missing values stay ``<NA>``.

    ``scheme`` says how to read codes: ``"auto"`` (every scheme; numbers are M49 / UN
    DESA codes), ``"iso2"``, ``"iso3"``, ``"m49"``, ``"eurostat"`` (EL, UK, EU27_2020),
    ``"unhcr"`` (ISO alpha-3 plus UKN, STA) or ``"name"`` (names only). Names are read in
    every scheme except the pure code schemes when the value looks like a code.
    ``lang`` ("en", "fr", "es", "de", "pt") settles a spelling that means different
    areas in different languages. ``within`` (a country code or name) also reads
    subdivision names and codes of that country.

    With ``errors="raise"`` every label that fails is listed in one
    :class:`~migharmony.errors.UnknownAreaError` (or
    :class:`~migharmony.errors.AmbiguousAreaError` when all failures are ambiguous);
    with ``errors="coerce"`` they become ``<NA>`` (see :func:`match` for the report).

    >>> resolve(["Korea, Republic of", "Republic of Korea", "Pays-Bas 1)",
    ...          "Tchad, République du"]).tolist()
    ['KOR', 'KOR', 'NLD', 'TCD']
    >>> resolve(["Dakar", "Grand Accra"][:1], within="SEN").tolist()
    ['SN-DK']
    >>> resolve(["Congo"], errors="coerce").tolist()
    [<NA>]
    >>> resolve(["Congo", "Democratic Republic of the Congo"]).tolist()
    ['COG', 'COD']
    """
    import pandas as pd

    if errors not in ("raise", "coerce"):
        raise ValueError(f"errors={errors!r}: use 'raise' or 'coerce'")
    result_index, codes, _, outcomes = _run(values, lang=lang, scheme=scheme, within=within)
    failed = [o for o in outcomes if o.code is None]
    if failed and errors == "raise":
        index = _index()
        n_amb = sum(o.status == "ambiguous" for o in failed)
        cls = AmbiguousAreaError if n_amb == len(failed) else UnknownAreaError
        raise cls(
            f"{len(failed)} area label(s) could not be resolved ({len(failed) - n_amb} unknown, "
            f"{n_amb} ambiguous). Fix or map them, or pass errors='coerce' to get <NA> and "
            "inspect migharmony.areas.match(...)",
            problems=[_problem(index, o) for o in failed])
    mapped = [o.code for o in outcomes]
    import numpy as np

    table = np.array([*mapped, None], dtype=object)
    out = table[codes]  # code -1 (missing input) picks the trailing None
    return pd.Series(out, index=result_index, dtype="string")


def match(values: Any, *, lang: str | None = None, scheme: Scheme = "auto",
          within: str | None = None) -> pd.DataFrame:
    """One row per distinct label: what it resolved to and why.

    Columns: ``label``, ``code`` (``<NA>`` when it failed), ``status`` (one of
    :data:`STATUSES`), ``candidates`` (list of codes, for ambiguous labels) and
    ``message`` (for unknown labels: the nearest known spellings).

    >>> report = match(["France*", "Congo", "Atlantis", "Stateless"])
    >>> report[["label", "code", "status"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['France*', 'FRA', 'exact'], ['Congo', <NA>, 'ambiguous'],
     ['Atlantis', <NA>, 'unknown'], ['Stateless', 'STLS', 'special']]
    >>> report.loc[1, "candidates"]
    ['COD', 'COG']
    """
    import pandas as pd

    _, _, uniques, outcomes = _run(values, lang=lang, scheme=scheme, within=within)
    index = _index()
    rows = []
    for unique, outcome in zip(uniques, outcomes, strict=True):
        message = outcome.message
        if outcome.code is None:
            message = str(_problem(index, outcome)).split(": ", 1)[-1]
        rows.append({"label": unique, "code": outcome.code, "status": outcome.status,
                     "candidates": list(outcome.candidates), "message": message})
    frame = pd.DataFrame(rows, columns=["label", "code", "status", "candidates", "message"])
    frame["code"] = frame["code"].astype("string")
    return frame


def _group_code(group: str) -> str:
    index = _index()
    if group in index.groups:
        return group
    outcome = _resolve_one(index, str(group), lang=None, scheme="auto", within=None)
    if outcome.code in index.groups:
        return outcome.code
    known = sorted(index.groups)
    raise UnknownAreaError(
        f"{group!r} is not a group; known groups include "
        f"{', '.join(did_you_mean(str(group).upper(), known) or known[:8])} "
        "(see docs/areas.md for the full list)")


def _members(index: AreaIndex, code: str, on: dt.date, seen: frozenset[str]) -> set[str]:
    group = index.groups[code]
    out = {m.code for m in group.members if m.active(on)}
    for included in group.includes:
        if included not in seen:
            out |= _members(index, included, on, seen | {included})
    return out


def members(group: str, on: DateLike = None) -> list[str]:
    """The codes of the members of *group* on the date *on* (default: today), sorted.

    *group* is a group code (``"ECOWAS"``, ``"EU"``, ``"M49_011"``) or anything that
    resolves to one (``"011"``, ``"Western Africa"``). Membership intervals include their
    start date and exclude their end date. Fixed aggregates such as ``EU27_2020`` or
    ``EU28`` have the same members on every date.

    >>> len(members("ECOWAS", on="2024-12-31")), "BFA" in members("ECOWAS", on="2024-12-31")
    (15, True)
    >>> "MRT" in members("ECOWAS", on="1999-06-30")
    True
    >>> len(members("EU", on="2019-12-31")), len(members("EU", on="2020-06-30"))
    (28, 27)
    >>> len(members("M49_011"))
    17
    """
    index = _index()
    code = _group_code(group)
    return sorted(_members(index, code, _as_date(on), frozenset({code})))


def groups_of(code: str, on: DateLike = None, kind: str | None = None) -> list[str]:
    """The groups *code* belongs to on *on* (default today), optionally of one *kind*.

    Kinds: ``m49_region``, ``m49_subregion``, ``m49_intermediate``, ``sdg_region``,
    ``economic_union`` (EU), ``eu_fixed`` (EU15 ... EU27_2020), ``economic_community``
    (ECOWAS), ``political_union`` (AFRICAN_UNION), ``au_region``, ``undesa_development``,
    ``undesa_income``.

    >>> groups_of("MRT", on="2024-01-01", kind="m49_intermediate")
    ['M49_011']
    >>> groups_of("MRT", on="1999-06-30", kind="economic_community")
    ['ECOWAS']
    >>> groups_of("GBR", on="2021-01-01", kind="economic_union")
    []
    """
    index = _index()
    when = _as_date(on)
    target = code if code in index.records else resolve([code]).iloc[0]
    out = []
    for gcode, group in index.groups.items():
        if kind is not None and kind not in group.kinds():
            continue
        if target in _members(index, gcode, when, frozenset({gcode})):
            out.append(gcode)
    return sorted(out)


def is_group(code: str) -> bool:
    """Whether *code* is a group code.

    >>> is_group("EU27_2020"), is_group("M49_011"), is_group("FRA")
    (True, True, False)
    """
    return code in _index().groups


def label(code: str, lang: str = "en") -> str:
    """The display name of *code* in *lang* (English when no translation exists).

    >>> label("CIV", "es")
    'Costa de Marfíl'
    >>> label("STLS", "fr")
    'Apatrides'
    >>> label("SN-DK")
    'Dakar'
    """
    index = _index()
    record = index.records.get(code)
    if record is not None:
        return record.name(lang)
    if _SUBDIVISION_CODE.match(code):
        import pycountry

        subdivisions: Any = pycountry.subdivisions
        sub = subdivisions.get(code=code)
        if sub is not None:
            return str(sub.name)
    if code.endswith(("_U", "_O")) and code[:3] in index.records:
        base = index.records[code[:3]].name(lang)
        return f"{base}: {index.records[code[3:]].name(lang).lower()}"
    if _PCODE.match(code):
        return code
    near = did_you_mean(code, list(index.records))
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise UnknownAreaError(f"{code!r} is not a code migharmony knows{hint}")


def info(code: str) -> dict[str, Any]:
    """What migharmony knows about *code*: name, kind, dates, successors, other codes.

    >>> d = info("CSXX")
    >>> d["kind"], d["successors"], d["valid_to"]
    ('historical', ['SRB', 'MNE'], '2006-06-03')
    >>> info("AF01")["country"]
    'AFG'
    """
    index = _index()
    record = index.records.get(code)
    if record is not None:
        out: dict[str, Any] = {
            "code": record.code, "name": record.name(), "kind": record.kind,
            "valid_from": record.valid_from.isoformat() if record.valid_from else None,
            "valid_to": record.valid_to.isoformat() if record.valid_to else None,
            "successors": list(record.successors), "other_codes": list(record.other_codes),
            "country": record.country, "source": record.source, "note": record.note,
        }
        if code in index.groups:
            group = index.groups[code]
            out["group_kind"] = group.kind
            out["also"] = list(group.also)
        return out
    if _SUBDIVISION_CODE.match(code):
        import pycountry

        subdivisions: Any = pycountry.subdivisions
        sub = subdivisions.get(code=code)
        if sub is not None:
            return {"code": code, "name": sub.name, "kind": "subdivision", "type": sub.type,
                    "country": index.iso2_to_iso3.get(code[:2]), "parent": sub.parent_code,
                    "source": "ISO 3166-2 (pycountry)"}
    if code.endswith(("_U", "_O")) and code[:3] in index.records:
        return {"code": code, "name": label(code), "kind": "special", "country": code[:3]}
    found = _PCODE.match(code)
    if found and found.group(1) in index.iso2_to_iso3:
        return {"code": code, "name": code, "kind": "subdivision", "type": "p-code",
                "country": index.iso2_to_iso3[found.group(1)],
                "level": max(1, len(found.group(2)) // 2),
                "source": "passed through (humanitarian p-code; level assumed from length)"}
    raise UnknownAreaError(f"{code!r} is not a code migharmony knows")


def codes(kind: str | None = None) -> list[str]:
    """Every code migharmony can output, optionally of one record *kind*
    (``country``, ``pseudo``, ``historical``, ``special``, ``group``).

    >>> "CSXX" in codes("historical")
    True
    """
    index = _index()
    return sorted(c for c, r in index.records.items() if kind is None or r.kind == kind)

