"""The shared vocabulary: the codes every harmonized frame uses, with labels.

The data live in ``vocab/<dimension>.yaml`` (one file per dimension, syntax in
``vocab/README.md``); this module reads each file lazily, once, and checks it.
Nothing is read at import time and pandas is imported only by the functions that
return or take frames.

>>> codes("sex")
['F', 'M', '_T', '_U', '_O', '_N', '_Z']
>>> label("sex", "F", lang="fr")
'Féminin'
>>> label("age", "Y15T64")
'15 to 64 years'
>>> age_interval("Y15T64")
(15, 65)
>>> aliases("sex")["both sexes"]
'_T'

Age codes follow a grammar (``Y5``, ``Y15T64``, ``Y_LT15``, ``Y_GE65``) besides the
special codes ``_T``, ``_U`` and ``_Z``. Numeric intervals are half-open: the lower
bound is inclusive and the upper bound exclusive (``None`` when open-ended). ``_T``
(all ages) has the interval ``(0, None)``; ``_U`` and ``_Z`` have none.
"""

from __future__ import annotations

import re
import string
from collections.abc import Hashable, Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from ._resources import data_dir
from ._yaml import YamlDocument, as_mapping, load_yaml
from .errors import CodeFormatError, Problem, VocabularyError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "LABELLED_DIMENSIONS",
    "LANGUAGES",
    "add_labels",
    "age_code",
    "age_interval",
    "age_intervals",
    "aliases",
    "caveat_message",
    "check_codes",
    "codes",
    "definition",
    "describe",
    "dimensions",
    "info",
    "is_code",
    "label",
    "normalize",
    "primary_obs_status",
    "standard",
    "version",
]

#: Languages every label lookup accepts; en and fr labels are required for every code.
LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "pt")
_REQUIRED_LANGUAGES = ("en", "fr")

#: Columns of a harmonized frame that hold vocabulary codes, in display order.
LABELLED_DIMENSIONS: tuple[str, ...] = (
    "sex", "age", "measure", "migr_basis", "obs_status", "conf_status", "unit_measure",
    "unit_mult", "residence_rule", "source_type", "pop_type", "ref_date_type",
)

# A code's label is under `label` (caveats: `title`); its text under `definition`
# (caveats: `description`).
_LABEL_KEYS = ("label", "title")
_DEFINITION_KEYS = ("definition", "description")

# Fields some dimensions require on every code: name -> (type, allowed values or None).
_EXTRA_FIELDS: dict[str, dict[str, tuple[type, tuple[str, ...] | None]]] = {
    "obs_status": {"precedence": (int, None)},
    "unit_mult": {"exponent": (int, None), "pint": (str, None)},
    "unit_measure": {"pint": (str, None), "is_count": (bool, None)},
    "measure": {"kind": (str, ("stock", "flow"))},
    "caveat": {"template": (str, None), "severity": (str, ("info", "warning")),
               "affects": (list, None)},
}
_AGE_FORMS = ("single", "band", "under", "over")
_AGE_SPECIALS_WITHOUT_INTERVAL = ("_U", "_Z")


# --------------------------------------------------------------------------- loading

@cache
def dimensions() -> list[str]:
    """The names of the vocabulary's dimensions, sorted.

    >>> "sex" in dimensions() and "caveat" in dimensions()
    True
    """
    return sorted(p.stem for p in data_dir("vocab").glob("*.yaml"))


@cache
def version() -> str:
    """The vocabulary's version (``vocab/VERSION``), e.g. ``'2026.12.0'``.

    >>> version().count(".")
    2
    """
    return (data_dir("vocab") / "VERSION").read_text(encoding="utf-8").strip()


@cache
def _document(dimension: str) -> dict[str, Any]:
    """The checked content of ``vocab/<dimension>.yaml`` (read once)."""
    if dimension not in dimensions():
        raise VocabularyError(_unknown_message(f"'{dimension}' is not a vocabulary dimension",
                                               dimension, dimensions(), "dimensions"))
    path = data_dir("vocab") / f"{dimension}.yaml"
    doc = load_yaml(path, name=f"vocab/{dimension}.yaml")
    problems = _check_document(doc, dimension)
    if problems:
        raise VocabularyError(f"vocab/{dimension}.yaml: {len(problems)} problem(s); "
                              "see vocab/README.md for the syntax", problems=problems)
    data: dict[str, Any] = doc.data
    return data


def _check_document(doc: YamlDocument, dimension: str) -> list[Problem]:
    """Every problem in one vocabulary file (the file is checked as a whole)."""
    data = as_mapping(doc.data)
    problems: list[Problem] = []

    def add(path: tuple[str, ...], message: str) -> None:
        problems.append(Problem(message, where=doc.where(path), key=".".join(path)))

    if data.get("dimension") != dimension:
        add(("dimension",), f"'dimension' must be '{dimension}', the file's name")
    problems.extend(_check_languages(doc, ("title",), data.get("title")))
    if not isinstance(as_mapping(data.get("description")).get("en"), str):
        add(("description",), "'description' needs an English text under 'en'")
    std = as_mapping(data.get("standard"))
    for key in ("name", "version"):
        if not isinstance(std.get(key), str):
            add(("standard", key), f"'standard' needs a '{key}' (text)")
    entries = data.get("codes")
    if not isinstance(entries, Mapping) or not entries:
        add(("codes",), "'codes' must map each code to its record")
        return problems
    for code, record in entries.items():
        problems.extend(_check_code(doc, dimension, str(code), as_mapping(record)))
    if dimension == "age":
        problems.extend(_check_age_grammar(doc, data))
    return problems


def _check_languages(doc: YamlDocument, path: tuple[str, ...], value: object) -> list[Problem]:
    where = doc.where(path)
    if not isinstance(value, Mapping):
        return [Problem("must map languages to text, e.g. {en: ..., fr: ...}", where=where,
                        key=".".join(path))]
    out = [Problem(f"the '{lang}' text is missing", where=where, key=".".join(path))
           for lang in _REQUIRED_LANGUAGES if not isinstance(value.get(lang), str)]
    out.extend(Problem(f"unknown language '{lang}' (use {', '.join(LANGUAGES)})",
                       where=where, key=".".join(path))
               for lang in value if lang not in LANGUAGES)
    return out


def _check_code(doc: YamlDocument, dimension: str, code: str,
                record: Mapping[str, Any]) -> list[Problem]:
    path = ("codes", code)
    label_key = next((k for k in _LABEL_KEYS if k in record), "label")
    problems = _check_languages(doc, (*path, label_key), record.get(label_key))
    if not any(isinstance(record.get(k), str) for k in _DEFINITION_KEYS):
        problems.append(Problem("the code needs a 'definition' (English text)",
                                where=doc.where(path), key=code))
    found = record.get("aliases", [])
    if not isinstance(found, list) or not all(isinstance(a, str) for a in found):
        problems.append(Problem("'aliases' must be a list of texts",
                                where=doc.where((*path, "aliases")), key=code))
    for name, (kind, allowed) in _EXTRA_FIELDS.get(dimension, {}).items():
        value = record.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problems.append(Problem(f"'{name}' must be a {kind.__name__}, found {value!r}",
                                    where=doc.where((*path, name)), key=code))
        elif allowed is not None and value not in allowed:
            problems.append(Problem(f"'{name}' must be one of {', '.join(allowed)}, "
                                    f"found {value!r}", where=doc.where((*path, name)),
                                    key=code))
    return problems


def _check_age_grammar(doc: YamlDocument, data: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    grammar = as_mapping(data.get("grammar"))
    for form in _AGE_FORMS:
        try:
            re.compile(str(grammar[form]))
        except (KeyError, re.error) as exc:
            problems.append(Problem(f"grammar form '{form}' is missing or not a valid "
                                    f"regular expression ({exc})",
                                    where=doc.where(("grammar", form)), key=form))
    templates = as_mapping(data.get("label_templates"))
    for lang in LANGUAGES:
        missing = [f for f in _AGE_FORMS if not isinstance(as_mapping(templates.get(lang))
                                                            .get(f), str)]
        if missing:
            problems.append(Problem(f"label_templates.{lang} lacks {', '.join(missing)}",
                                    where=doc.where(("label_templates", lang)), key=lang))
    return problems


def _codes(dimension: str) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = _document(dimension)["codes"]
    return entries


def _record(dimension: str, code: str) -> dict[str, Any]:
    entries = _codes(dimension)
    if code not in entries:
        raise VocabularyError(_unknown_code_message(dimension, code))
    return entries[code]


# ------------------------------------------------------------------------ messages

def _unknown_message(head: str, value: str, choices: list[str], noun: str) -> str:
    shown = ", ".join(choices) if len(choices) <= 30 else ", ".join(choices[:30]) + ", ..."
    message = f"{head}; {noun} are {shown}"
    close = did_you_mean(value, choices)
    if close:
        message += "; did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    return message


def _unknown_code_message(dimension: str, code: object) -> str:
    """"'T' is not a code of vocab/sex; codes are F, M, ...; did you mean '_T'?"."""
    head = f"{code!r} is not a code of vocab/{dimension}"
    choices = codes(dimension)
    known = aliases(dimension).get(normalize(str(code)))
    if known is not None:
        return (f"{head}; codes are {', '.join(choices)}; did you mean '{known}' "
                f"('{code}' is one of its aliases)?")
    return _unknown_message(head, str(code), choices, "codes")


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise VocabularyError(_unknown_message(f"unknown language {lang!r}", lang,
                                               list(LANGUAGES), "languages"))


# ------------------------------------------------------------------------ lookups

def codes(dimension: str) -> list[str]:
    """The codes of *dimension*, in file order (for age: the special codes only).

    >>> codes("migr_basis")[:2]
    ['COB', 'CIT']
    """
    return list(_codes(dimension))


def is_code(dimension: str, code: object) -> bool:
    """Whether *code* is a code of *dimension* (age: a special code or the grammar).

    >>> is_code("sex", "_T"), is_code("sex", "T"), is_code("age", "Y15T64")
    (True, False, True)
    """
    if not isinstance(code, str):
        return False
    if code in _codes(dimension):
        return True
    if dimension == "age":
        try:
            _parse_age(code)
        except CodeFormatError:
            return False
        return True
    return False


def check_codes(dimension: str, values: Iterable[object]) -> list[str]:
    """The distinct values that are not codes of *dimension*, in first-seen order.

    Missing values (None, NaN, pandas NA) are skipped; other non-text values are
    checked as text, so ``3`` is a code of ``unit_mult``.

    >>> check_codes("sex", ["F", "M", "T", "F", None, "T"])
    ['T']
    """
    unique = dict.fromkeys(str(v) for v in values if not _is_missing(v))
    return [v for v in unique if not is_code(dimension, v)]


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return False
    import pandas as pd

    return bool(pd.api.types.is_scalar(value) and pd.isna(cast(Any, value)))


def info(dimension: str, code: str) -> dict[str, Any]:
    """The full record of *code* (a copy), with its ``code`` added.

    For an age code built from the grammar, the record is generated: labels in
    every language, a definition and the numeric ``interval``.

    >>> info("measure", "IDP")["kind"]
    'stock'
    >>> info("age", "Y_GE65")["interval"]
    [65, None]
    """
    if dimension == "age" and code not in _codes("age"):
        low, high = _interval_or_raise(code)
        return {"code": code,
                "label": {lang: _age_label(code, lang) for lang in LANGUAGES},
                "definition": _age_definition(low, high),
                "interval": [low, high]}
    return {"code": code, **_deep_copy(_record(dimension, code))}


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def label(dimension: str, code: str, lang: str = "en") -> str:
    """The label of *code* in *lang* (``en``, ``fr``, ``es`` or ``pt``).

    A code without a label in *lang* falls back to its English label; a language
    outside :data:`LANGUAGES` is an error. Age codes built from the grammar get a
    generated label.

    >>> label("sex", "_T", "pt")
    'Total'
    >>> label("age", "Y_GE65", "fr")
    '65 ans et plus'
    >>> label("caveat", "rounded", "es")  # no Spanish title: English
    'Rounded'
    """
    _check_lang(lang)
    if dimension == "age" and code not in _codes("age"):
        return _age_label(code, lang)
    labels = _labels(_record(dimension, code))
    return labels.get(lang) or labels["en"]


def _labels(record: Mapping[str, Any]) -> dict[str, str]:
    for key in _LABEL_KEYS:
        if key in record:
            found: dict[str, str] = record[key]
            return found
    raise AssertionError("checked at load time")  # pragma: no cover


def definition(dimension: str, code: str) -> str:
    """The English definition of *code*.

    >>> definition("sex", "_Z")
    'Sex does not apply to this observation (e.g. a figure not about persons).'
    """
    if dimension == "age" and code not in _codes("age"):
        return _age_definition(*_interval_or_raise(code))
    record = _record(dimension, code)
    text = next(record[k] for k in _DEFINITION_KEYS if k in record)
    return str(text).strip()


def standard(dimension: str) -> dict[str, Any]:
    """Where the codes of *dimension* come from: ``name``, ``agency``, ``version``...

    >>> standard("sex")["name"], standard("sex")["version"]
    ('SDMX CL_SEX', '2.1')
    """
    found: dict[str, Any] = _deep_copy(_document(dimension)["standard"])
    return found


def normalize(text: str) -> str:
    """The form aliases are compared in: case-folded, spaces trimmed and collapsed.

    >>> normalize("  Both   Sexes ")
    'both sexes'
    """
    return " ".join(text.casefold().split())


@cache
def _aliases(dimension: str) -> dict[str, str]:
    found: dict[str, str] = {}
    clashes: list[Problem] = []
    for code, record in _codes(dimension).items():
        spellings = [code, *_labels(record).values(), *record.get("aliases", [])]
        for spelling in spellings:
            key = normalize(str(spelling))
            other = found.setdefault(key, code)
            if other != code:
                clashes.append(Problem(f"'{spelling}' would mean both '{other}' and '{code}'",
                                       where=f"vocab/{dimension}.yaml", key=code,
                                       hint="remove the alias from one of the codes"))
    if clashes:
        raise VocabularyError(f"vocab/{dimension}.yaml: {len(clashes)} ambiguous alias(es)",
                              problems=clashes)
    return found


def aliases(dimension: str) -> dict[str, str]:
    """Normalised spelling (see :func:`normalize`) -> code, for auto-mapping.

    Includes every code itself, its labels in all languages and its ``aliases``.
    Raises :class:`VocabularyError` if one spelling would mean two codes.

    >>> found = aliases("sex")
    >>> found["femmes"], found["t"], found["insgesamt"]
    ('F', '_T', '_T')
    """
    return dict(_aliases(dimension))


def primary_obs_status(flags: Iterable[str]) -> str | None:
    """The flag to keep when several observation statuses apply to one value.

    Follows the SDMX observation-status hierarchy (the smallest ``precedence``
    wins); ``None`` when *flags* is empty.

    >>> primary_obs_status(["Q", "B"]), primary_obs_status(["P", "E"])
    ('B', 'E')
    """
    chosen = [(int(_record("obs_status", f)["precedence"]), f) for f in flags]
    return min(chosen)[1] if chosen else None


# --------------------------------------------------------------------------- age

@cache
def _age_grammar() -> dict[str, re.Pattern[str]]:
    grammar = _document("age")["grammar"]
    return {form: re.compile(str(grammar[form])) for form in _AGE_FORMS}


def _parse_age(code: str) -> tuple[str, int, int | None]:
    """``(form, low, high)`` with an exclusive *high*, or CodeFormatError saying why."""
    for form, pattern in _age_grammar().items():
        match = pattern.fullmatch(code)
        if match is None:
            continue
        groups = match.groupdict()
        if form == "single":
            low = int(groups["low"])
            return form, low, low + 1
        if form == "band":
            low, top = int(groups["low"]), int(groups["high"])
            if top < low:
                raise CodeFormatError(f"age code {code!r}: upper bound {top} is below lower "
                                      f"bound {low}; write Y{top}T{low}")
            return form, low, top + 1
        if form == "under":
            high = int(groups["high"])
            if high == 0:
                raise CodeFormatError(f"age code {code!r}: 'under 0 years' is an empty band")
            return form, 0, high
        return form, int(groups["low"]), None
    raise CodeFormatError(_age_format_message(code))


def _age_format_message(code: str) -> str:
    hint = "age codes are Y{n}, Y{a}T{b}, Y_LT{n}, Y_GE{n}, _T, _U or _Z"
    if re.fullmatch(r"Y\d+-\d+", code):
        low, high = code[1:].split("-")
        hint = f"Eurostat writes bands with '-'; the code is Y{low}T{high}"
    elif re.fullmatch(r"\d+", code):
        hint = f"a single year is written Y{code}"
    elif re.fullmatch(r"Y_?(LT|GE)", code):
        hint = f"'{code}' lacks its number, e.g. {code}15"
    elif re.fullmatch(r"Y(_LT|_GE)?0\d+|Y0\d+T\d+|Y\d+T0\d+", code):
        hint = "write numbers without leading zeros"
    return f"{code!r} is not a valid age code: {hint}"


def age_interval(code: str) -> tuple[int, int | None]:
    """The interval ``(low, high)`` of an age code; *high* is exclusive, None if open.

    ``_T`` (all ages) gives ``(0, None)``; ``_U`` and ``_Z`` have no interval and,
    like malformed codes, raise :class:`~migharmony.errors.CodeFormatError`.

    >>> age_interval("Y15T64"), age_interval("Y5"), age_interval("Y_LT15")
    ((15, 65), (5, 6), (0, 15))
    >>> age_interval("Y_GE65"), age_interval("_T")
    ((65, None), (0, None))
    >>> age_interval("Y64T15")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    migharmony.errors.CodeFormatError: age code 'Y64T15': upper bound 15 is below lower bound 64...
    """
    return _interval_or_raise(code)


def _interval_or_raise(code: object) -> tuple[int, int | None]:
    if code == "_T":
        return 0, None
    if not isinstance(code, str):
        raise CodeFormatError(f"{code!r} is not a valid age code: it is not text")
    if code in _AGE_SPECIALS_WITHOUT_INTERVAL:
        raise CodeFormatError(f"age code {code!r} ({label('age', code)}) has no age interval")
    _, low, high = _parse_age(code)
    return low, high


def age_code(low: int, high: int | None) -> str:
    """The canonical age code of the interval ``[low, high)``; inverse of age_interval.

    Canonical forms: open-ended -> ``Y_GE{low}`` (``_T`` from 0); one year ->
    ``Y{low}``; from 0 -> ``Y_LT{high}``; otherwise ``Y{low}T{high - 1}``.

    >>> age_code(15, 65), age_code(65, None), age_code(0, 15), age_code(5, 6)
    ('Y15T64', 'Y_GE65', 'Y_LT15', 'Y5')
    """
    if isinstance(low, bool) or not isinstance(low, int) or low < 0:
        raise CodeFormatError(f"age lower bound must be a whole number >= 0, got {low!r}")
    if high is None:
        return "_T" if low == 0 else f"Y_GE{low}"
    if isinstance(high, bool) or not isinstance(high, int) or high <= low:
        raise CodeFormatError(f"age upper bound (exclusive) must be a whole number above "
                              f"the lower bound {low}, got {high!r}")
    if high == low + 1:
        return f"Y{low}"
    if low == 0:
        return f"Y_LT{high}"
    return f"Y{low}T{high - 1}"


def age_intervals(values: Iterable[object]) -> pd.DataFrame:
    """``age_low`` and ``age_high`` (Int64) for each age code, computed once per value.

    Codes without an interval (``_U``, ``_Z``, missing) give <NA> in both columns;
    open-ended bands give <NA> in ``age_high``. Malformed codes raise one
    :class:`~migharmony.errors.CodeFormatError` listing all of them. A Series keeps
    its index.

    >>> print(age_intervals(["Y15T64", "Y_GE65", "_U"]))
       age_low  age_high
    0       15        65
    1       65      <NA>
    2     <NA>      <NA>
    """
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(list(values),
                                                                   dtype="object")
    lows: dict[Hashable, int | None] = {}
    highs: dict[Hashable, int | None] = {}
    bad: list[str] = []
    for value in series.dropna().unique():
        if value in _AGE_SPECIALS_WITHOUT_INTERVAL:
            continue
        try:
            lows[value], highs[value] = _interval_or_raise(value)
        except CodeFormatError as exc:
            bad.append(str(exc))
    if bad:
        raise CodeFormatError(f"{len(bad)} age code(s) cannot be read",
                              problems=[Problem(m) for m in bad])
    return pd.DataFrame({"age_low": series.map(lows).astype("Int64"),
                         "age_high": series.map(highs).astype("Int64")}, index=series.index)


def _age_label(code: str, lang: str) -> str:
    form, low, high = _parse_age(code)
    shown = {"single": low, "band": (high or 0) - 1, "under": high, "over": low}[form]
    templates: dict[str, str] = _document("age")["label_templates"][lang]
    template = templates.get(f"{form}_one", templates[form]) if shown == 1 else templates[form]
    top = (high - 1) if form == "band" and high is not None else high
    return template.format(low=low, high=top)


def _age_definition(low: int, high: int | None) -> str:
    if high is None:
        return f"Persons aged {low} years or over ({low} <= age)."
    return f"Persons aged {low} to {high - 1} years ({low} <= age < {high})."


# ------------------------------------------------------------------------ frames

def add_labels(frame: pd.DataFrame, lang: str = "en",
               dimensions: Iterable[str] | None = None) -> pd.DataFrame:
    """A copy of *frame* with a ``<dim>_label`` column after each vocabulary column.

    Labels are looked up once per distinct code; unknown codes get <NA>.

    >>> import pandas as pd
    >>> add_labels(pd.DataFrame({"sex": ["F", "T"], "value": [1, 2]}), "fr").columns.tolist()
    ['sex', 'sex_label', 'value']
    """
    _check_lang(lang)
    wanted = LABELLED_DIMENSIONS if dimensions is None else tuple(dimensions)
    for dim in wanted:
        _document(dim)  # unknown dimension -> VocabularyError
    out = frame.copy()
    for dim in wanted:
        if dim not in out.columns:
            continue
        column = f"{dim}_label"
        if column in out.columns:
            out = out.drop(columns=column)
        mapping = {code: label(dim, code, lang) for code in out[dim].dropna().unique()
                   if is_code(dim, code)}
        labels = out[dim].map(mapping).astype("string")
        out.insert(list(out.columns).index(dim) + 1, column, labels)
    return out


def describe(dimension: str, lang: str = "en") -> pd.DataFrame:
    """A table of the codes of *dimension*: ``code``, ``label``, ``definition``.

    >>> describe("sex", "es").loc[0, "label"]
    'Femenino'
    """
    import pandas as pd

    _check_lang(lang)
    rows = [(c, label(dimension, c, lang), definition(dimension, c)) for c in codes(dimension)]
    return pd.DataFrame(rows, columns=["code", "label", "definition"], dtype="string")


class _KeepMissing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def caveat_message(code: str, **fields: Any) -> str:
    """The English message of caveat *code* with *fields* filled in.

    A field that is not given stays readable as ``{name}``; it never raises.

    >>> caveat_message("basis-citizenship", ref_area="SEN")
    'Figures for SEN count foreign citizens, not the foreign-born'
    >>> caveat_message("imputed", ref_area="MLI")
    'The value for MLI in {time_period} was imputed by {agency}'
    """
    template = str(_record("caveat", code)["template"])
    return string.Formatter().vformat(template, (), _KeepMissing(fields))
