"""The area index: every known code and spelling, built once from pycountry and
``vocab/areas/`` (private).

Nothing here runs at import time. :func:`get_index` builds the index on first use (about
a quarter of a second) under a lock and keeps it for the life of the process.

Layout of the data (all YAML, see each file's header for its syntax)::

    vocab/areas/aliases.yaml      curated spellings per code, per language; subdivision
                                  aliases; labels that are ambiguous or need context
    vocab/areas/special.yaml      _T _U _O _Z NAT FOR STLS FOR_STLS ...
    vocab/areas/historical.yaml   ISO 3166-3 entities (SUHH, CSHH, YUCS, CSXX, ANHH, SDHH ...)
    vocab/areas/pseudo.yaml       XKX, AB9; Eurostat EL/UK/XK; UNHCR UKN/STA
    vocab/areas/groups/*.yaml     M49, SDG, EU, ECOWAS, AU, UN DESA groups with dated members
"""

from __future__ import annotations

import datetime as dt
import gettext
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._area_norm import area_key
from ._resources import data_dir
from ._yaml import YamlDocument, as_mapping, load_yaml
from .errors import MigharmonyError, Problem

__all__ = ["LANGS", "AreaIndex", "AreaRecord", "Group", "Membership", "get_index"]

#: Languages whose pycountry translations are indexed (besides English).
LANGS: tuple[str, ...] = ("en", "fr", "es", "de", "pt")

#: Kinds of area record.
COUNTRY, PSEUDO, HISTORICAL, SPECIAL, GROUP, SUBDIVISION = (
    "country", "pseudo", "historical", "special", "group", "subdivision")


@dataclass
class AreaRecord:
    """One area (or category) migharmony can output as a code."""

    code: str
    kind: str
    names: dict[str, str] = field(default_factory=dict)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    successors: tuple[str, ...] = ()
    country: str | None = None
    other_codes: tuple[str, ...] = ()
    source: str = ""
    note: str = ""

    def name(self, lang: str = "en") -> str:
        """The display name in *lang*, else English, else the code."""
        return self.names.get(lang) or self.names.get("en") or self.code


@dataclass(frozen=True)
class Membership:
    """One area's membership of a group: ``start`` inclusive, ``end`` exclusive."""

    code: str
    start: dt.date | None = None
    end: dt.date | None = None
    note: str = ""

    def active(self, on: dt.date) -> bool:
        """Whether the membership holds on *on*."""
        return (self.start is None or self.start <= on) and (self.end is None or on < self.end)


@dataclass
class Group:
    """A grouping of areas whose membership may change over time."""

    code: str
    kind: str
    also: tuple[str, ...] = ()
    includes: tuple[str, ...] = ()
    members: tuple[Membership, ...] = ()
    source_file: str = ""

    def kinds(self) -> tuple[str, ...]:
        """Its kind and the other kinds it counts as."""
        return (self.kind, *self.also)


@dataclass
class NameEntry:
    """The codes a normalised key points to, with the languages and origin of each."""

    langs: dict[str, set[str]] = field(default_factory=dict)  # code -> languages
    exact: set[str] = field(default_factory=set)  # codes for which the key is a canonical name


@dataclass
class AreaIndex:
    """Every code and normalised spelling, precomputed."""

    records: dict[str, AreaRecord] = field(default_factory=dict)
    #: scheme -> upper-case code -> (target code, status)
    codes: dict[str, dict[str, set[tuple[str, str]]]] = field(default_factory=dict)
    #: M49 / ISO numeric / UN DESA location code -> (target, status)
    numeric: dict[int, set[tuple[str, str]]] = field(default_factory=dict)
    names: dict[str, NameEntry] = field(default_factory=dict)
    #: key -> a readable spelling of it (for "did you mean")
    spelling: dict[str, str] = field(default_factory=dict)
    #: keys that must be reported as ambiguous, with their candidates
    forced_ambiguous: dict[str, set[str]] = field(default_factory=dict)
    #: key -> (code, code that must be present in the same input)
    contextual: dict[str, tuple[str, str]] = field(default_factory=dict)
    subdivision_aliases: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    #: key words -> keys containing them (neighbour search for unknown labels)
    word_index: dict[str, set[str]] = field(default_factory=dict)
    iso2_to_iso3: dict[str, str] = field(default_factory=dict)
    iso3_to_iso2: dict[str, str] = field(default_factory=dict)
    _subdivisions: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- building helpers -------------------------------------------------------------
    def add_code(self, scheme: str, code: str, target: str, status: str) -> None:
        """Register *code* (read in *scheme*) as meaning *target*."""
        code = str(code).strip()
        if code.isdigit():
            self.numeric.setdefault(int(code), set()).add((target, status))
            return
        self.codes.setdefault(scheme, {}).setdefault(code.upper(), set()).add((target, status))

    def add_name(self, label: str, code: str, lang: str, *, exact: bool) -> None:
        """Register the spelling *label* of *code* in language *lang*."""
        key = area_key(label)
        if not key:
            return
        entry = self.names.setdefault(key, NameEntry())
        entry.langs.setdefault(code, set()).add(lang)
        if exact:
            entry.exact.add(code)
        self.spelling.setdefault(key, label)

    # -- queries ----------------------------------------------------------------------
    def subdivisions_of(self, iso3: str) -> dict[str, set[str]]:
        """Normalised subdivision name -> ISO 3166-2 codes, for one country (cached)."""
        with self._lock:
            cached = self._subdivisions.get(iso3)
        if cached is not None:
            return cached
        import pycountry

        table: dict[str, set[str]] = {}
        alpha2 = self.iso3_to_iso2.get(iso3)
        registry: Any = pycountry.subdivisions
        subs = list(registry.get(country_code=alpha2) or []) if alpha2 else []
        translators = _translators("iso3166-2")
        for sub in subs:
            spellings = {sub.name}
            for tr in translators.values():
                spellings.add(tr.gettext(sub.name))
            for spelling in spellings:
                table.setdefault(area_key(spelling, subdivision=True), set()).add(sub.code)
        for code, by_lang in self.subdivision_aliases.items():
            if code.split("-")[0] != alpha2:
                continue
            for labels in by_lang.values():
                for spelling in labels:
                    table.setdefault(area_key(spelling, subdivision=True), set()).add(code)
        table.pop("", None)
        with self._lock:
            self._subdivisions[iso3] = table
        return table


def _date(value: Any, where: str, problems: list[Problem]) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(Problem(f"'{value}' is not a date (write YYYY-MM-DD)", where=where))
        return None


def _translators(domain: str) -> dict[str, gettext.NullTranslations]:
    import pycountry

    out: dict[str, gettext.NullTranslations] = {}
    for lang in LANGS[1:]:
        try:
            out[lang] = gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang])
        except OSError:  # pragma: no cover - a pycountry without this locale
            continue
    return out


def _labels(value: Any) -> Iterable[tuple[str, str]]:
    """(lang, label) pairs from ``{en: x, fr: [y, z]}``."""
    for lang, labels in as_mapping(value).items():
        if isinstance(labels, str):
            yield lang, labels
        elif isinstance(labels, list):
            for label in labels:
                if label is not None:
                    yield lang, str(label)


def _load(folder: Path, name: str) -> YamlDocument:
    return load_yaml(folder / name, name=f"vocab/areas/{name}")



def _names(spec: Mapping[str, Any]) -> dict[str, str]:
    """The official names of an entity, by language."""
    return {lang: str(v) for lang, v in as_mapping(spec.get("name")).items()}


def _register(index: AreaIndex, record: AreaRecord, spec: Mapping[str, Any],
              status: str) -> None:
    """Add an entity of a vocab/areas file: its record, names, aliases and own code."""
    index.records[record.code] = record
    for lang, label in record.names.items():
        index.add_name(label, record.code, lang, exact=True)
    for lang, label in _labels(spec.get("aliases")):
        index.add_name(label, record.code, lang, exact=False)
    index.add_code("own", record.code, record.code, status)


def _build() -> AreaIndex:  # noqa: PLR0915 - one readable pass over every source
    import pycountry

    index = AreaIndex()
    problems: list[Problem] = []
    folder = data_dir("vocab") / "areas"

    # 1. ISO 3166-1 countries, with their pycountry translations.
    translators = _translators("iso3166-1")
    for country in pycountry.countries:
        iso3, iso2 = country.alpha_3, country.alpha_2
        index.iso2_to_iso3[iso2] = iso3
        index.iso3_to_iso2[iso3] = iso2
        record = AreaRecord(code=iso3, kind=COUNTRY, names={"en": country.name},
                            other_codes=(iso2, country.numeric), source="ISO 3166-1 (pycountry)")
        english = [country.name, getattr(country, "official_name", None),
                   getattr(country, "common_name", None)]
        for label in english:
            if label:
                index.add_name(label, iso3, "en", exact=True)
        for lang, tr in translators.items():
            for label in english:
                if label:
                    translated = tr.gettext(label)
                    index.add_name(translated, iso3, lang, exact=True)
            record.names[lang] = tr.gettext(getattr(country, "common_name", None) or country.name)
        record.names["en"] = getattr(country, "common_name", None) or country.name
        index.records[iso3] = record
        index.add_code("iso3", iso3, iso3, "exact")
        index.add_code("iso2", iso2, iso3, "exact")
        index.add_code("m49", country.numeric, iso3, "exact")

    # 2. Special codes.
    doc = _load(folder, "special.yaml")
    for code, spec in as_mapping(doc.data.get("special")).items():
        _register(index, AreaRecord(code=code, kind=SPECIAL, names=_names(spec),
                                    source=str(spec.get("source", ""))), spec, "exact")
        for other in spec.get("codes") or []:
            index.add_code("eurostat", str(other), code, "alias")

    # 3. Historical entities and renamed countries.
    doc = _load(folder, "historical.yaml")
    for code, spec in as_mapping(doc.data.get("entities")).items():
        where = doc.where(("entities", code))
        record = AreaRecord(
            code=code, kind=HISTORICAL, names=_names(spec),
            valid_from=_date(spec.get("valid_from"), where, problems),
            valid_to=_date(spec.get("valid_to"), where, problems),
            successors=tuple(spec.get("successors") or ()),
            other_codes=tuple(str(c) for c in spec.get("codes") or ()),
            source=f"ISO 3166-3 (assigned by {spec.get('assigned_by', 'iso')})",
            note=str(spec.get("note", "")).strip())
        _register(index, record, spec, "historical")
        for item in spec.get("codes") or []:
            other = str(item)
            scheme = "iso2" if len(other) == 2 else "iso3" if len(other) == 3 else "m49"
            index.add_code(scheme, other, code, "historical")
    for old, new in as_mapping(doc.data.get("renamed")).items():
        scheme = {2: "iso2", 3: "iso3"}.get(len(old), "own")
        index.add_code(scheme, old, str(new), "alias")
    # Names of every other ISO 3166-3 entry (renamed ones resolve to today's code).
    renamed = {k: str(v) for k, v in as_mapping(doc.data.get("renamed")).items()}
    for hist in pycountry.historic_countries:
        target = (index.records.get(hist.alpha_4) and hist.alpha_4) or renamed.get(hist.alpha_4)
        if target is None:
            target = hist.alpha_4
            index.records[target] = AreaRecord(
                code=target, kind=HISTORICAL, names={"en": hist.name},
                valid_to=_date(getattr(hist, "withdrawal_date", None)
                               if len(str(getattr(hist, "withdrawal_date", ""))) == 10 else None,
                               target, problems),
                source="ISO 3166-3 (pycountry)")
            index.add_code("own", target, target, "historical")
        status = "exact" if target in index.records and index.records[target].kind == HISTORICAL \
            else "alias"
        index.add_name(hist.name, target, "en", exact=status == "exact")

    # 4. Pseudo codes.
    doc = _load(folder, "pseudo.yaml")
    for code, spec in as_mapping(doc.data.get("entities")).items():
        _register(index, AreaRecord(code=code, kind=PSEUDO, names=_names(spec),
                                    country=spec.get("country"),
                                    source=str(spec.get("source", ""))), spec, "exact")
        for other in spec.get("codes") or []:
            index.add_code("other", str(other), code, "alias")
    for scheme, table in as_mapping(doc.data.get("codes")).items():
        for other, target in as_mapping(table).items():
            index.add_code(scheme, other, str(target), "alias")

    # 5. Groups.
    for path in sorted((folder / "groups").glob("*.yaml")):
        doc = _load(folder / "groups", path.name)
        for code, spec in as_mapping(doc.data.get("groups")).items():
            where = doc.where(("groups", code))
            names = {lang: str(v) for lang, v in as_mapping(spec.get("name")).items()}
            members = []
            for i, item in enumerate(spec.get("members") or []):
                if isinstance(item, str):
                    members.append(Membership(item))
                else:
                    m = as_mapping(item)
                    w = doc.where(("groups", code, "members", i))
                    members.append(Membership(str(m.get("code")), _date(m.get("from"), w, problems),
                                              _date(m.get("to"), w, problems),
                                              str(m.get("note", ""))))
            index.groups[code] = Group(code=code, kind=str(spec.get("kind", "group")),
                                       also=tuple(spec.get("also") or ()),
                                       includes=tuple(spec.get("includes") or ()),
                                       members=tuple(members), source_file=f"groups/{path.name}")
            index.records[code] = AreaRecord(
                code=code, kind=GROUP, names=names,
                other_codes=tuple(str(c) for c in spec.get("codes") or ()),
                source=str(spec.get("source", doc.data.get("upstream", ""))),
                note=str(spec.get("note", "")))
            for lang, label in names.items():
                index.add_name(label, code, lang, exact=True)
            for lang, label in _labels(spec.get("aliases")):
                index.add_name(label, code, lang, exact=False)
            index.add_code("own", code, code, "group")
            for other in spec.get("codes") or []:
                index.add_code("m49", str(other), code, "group")
        for amb in doc.data.get("ambiguous") or []:
            for label in amb.get("labels") or []:
                index.forced_ambiguous.setdefault(area_key(str(label)), set()).update(
                    amb.get("candidates") or ())
                index.spelling.setdefault(area_key(str(label)), str(label))

    # 6. Curated aliases (any code: countries, groups, specials, historical).
    doc = _load(folder, "aliases.yaml")
    for code, by_lang in as_mapping(doc.data.get("aliases")).items():
        if code not in index.records:
            problems.append(Problem(f"alias for unknown code '{code}'",
                                    where=doc.where(("aliases", code)),
                                    hint="use an ISO alpha-3 or a code defined in vocab/areas"))
            continue
        for lang, label in _labels(by_lang):
            index.add_name(label, code, lang, exact=False)
    for code, by_lang in as_mapping(doc.data.get("subdivisions")).items():
        bucket = index.subdivision_aliases.setdefault(code, {})
        for lang, label in _labels(by_lang):
            bucket.setdefault(lang, []).append(label)
    for amb in doc.data.get("ambiguous") or []:
        for label in amb.get("labels") or []:
            index.forced_ambiguous.setdefault(area_key(str(label)), set()).update(
                amb.get("candidates") or ())
            index.spelling.setdefault(area_key(str(label)), str(label))
    for item in doc.data.get("contextual") or []:
        ctx = as_mapping(item)
        for label in ctx.get("labels") or []:
            index.contextual[area_key(str(label))] = (str(ctx["code"]), str(ctx["when_present"]))
            index.forced_ambiguous.setdefault(area_key(str(label)), set()).update(
                ctx.get("candidates") or ())
            index.spelling.setdefault(area_key(str(label)), str(label))

    # 7. Check that every code the data refers to exists.
    known = set(index.records)
    for group in index.groups.values():
        for ref in [*(m.code for m in group.members), *group.includes]:
            if ref not in known:
                problems.append(Problem(f"group {group.code} refers to unknown code '{ref}'",
                                        where=f"vocab/areas/{group.source_file}"))
    for table in index.codes.values():
        for code, targets in table.items():
            problems.extend(Problem(f"code '{code}' maps to unknown code '{t}'",
                                    where="vocab/areas")
                            for t, _ in targets if t not in known)
    for key, cands in index.forced_ambiguous.items():
        problems.extend(Problem(f"ambiguous label '{key}' lists unknown code '{c}'",
                                where="vocab/areas") for c in cands if c not in known)
    if problems:
        raise MigharmonyError(f"vocab/areas: {len(problems)} problem(s) in the area data",
                              problems=problems)

    for key in index.names:
        for word in key.split():
            index.word_index.setdefault(word, set()).add(key)
    return index


_INDEX: AreaIndex | None = None
_BUILD_LOCK = threading.Lock()


def get_index() -> AreaIndex:
    """The process-wide area index, built on first use."""
    global _INDEX  # noqa: PLW0603 - a lazily built, read-only singleton
    if _INDEX is None:
        with _BUILD_LOCK:
            if _INDEX is None:
                _INDEX = _build()
    return _INDEX


def reset_index() -> None:
    """Forget the index (tests that edit the data call this)."""
    global _INDEX  # noqa: PLW0603
    with _BUILD_LOCK:
        _INDEX = None

