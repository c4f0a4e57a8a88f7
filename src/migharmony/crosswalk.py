"""A crosswalk: one source table described in YAML, from its codes to the vocabulary.

A crosswalk is data, written by a statistician: identity and provenance, the
source's definitions, how to read the table, and a map per dimension. This module
loads one, checks it against the machine-readable schema (``crosswalk_schema.yaml``)
and against the vocabulary, and reports *every* mistake at once with its file and
line. The format is documented key by key in ``docs/crosswalk-format.md``.

>>> from migharmony.crosswalk import load
>>> cw = load("undesa-ims-2020-t1")
>>> cw.id, cw.definitions["measure"]
('undesa-ims-2020-t1', 'STOCK')
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ._yaml import KeyPath, YamlDocument, load_yaml
from .errors import CrosswalkError, MigharmonyError, Problem, did_you_mean

__all__ = ["Crosswalk", "load"]

#: Canonical columns a crosswalk may set from a dimension, a row rule or a symbol.
CODED_SETTINGS = ("measure", "migr_basis", "residence_rule", "source_type", "ref_date_type",
                  "pop_type", "unit_measure", "obs_status", "conf_status")
#: Dimensions that take area codes rather than vocabulary codes.
AREA_DIMENSIONS = ("ref_area", "counterpart_area")
_LETTERS = re.compile(r"^[A-Z]{1,3}$")


@dataclass(frozen=True)
class Crosswalk:
    """A loaded, checked crosswalk. ``data`` is the YAML as plain Python data."""

    data: Mapping[str, Any]
    name: str
    path: Path | None = None
    doc: YamlDocument | None = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def version(self) -> str:
        return str(self.data.get("version", ""))

    @property
    def definitions(self) -> Mapping[str, Any]:
        return dict(self.data.get("definitions", {}))

    @property
    def source(self) -> Mapping[str, Any]:
        return dict(self.data.get("source", {}))

    def section(self, name: str) -> Any:
        """A top-level section, or an empty mapping when the crosswalk has none."""
        return self.data.get(name) or {}

    def where(self, *path: str | int) -> str:
        """``file line N`` of a key, for messages about this crosswalk."""
        return self.doc.where(tuple(path)) if self.doc else self.name

    def dimensions(self) -> dict[str, Mapping[str, Any]]:
        """Every dimension the crosswalk produces, including those named by headers."""
        dims: dict[str, Mapping[str, Any]] = {
            dim: {} for dim in self.section("values").get("headers", {}).values()
        }
        dims.update(self.section("dimensions"))
        return dims

    def extra_dimensions(self) -> tuple[str, ...]:
        """Breakdowns beyond the canonical columns, in declaration order."""
        from .schema import BY_NAME

        return tuple(d for d in self.dimensions() if d not in BY_NAME)

    def __repr__(self) -> str:
        return f"<Crosswalk {self.id} {self.version} ({self.name})>"


def load(crosswalk: str | Path | Mapping[str, Any] | Crosswalk) -> Crosswalk:
    """Load and check a crosswalk given as a shipped id, a path, YAML text or a mapping.

    Every problem is collected before raising one :class:`CrosswalkError`.

    >>> load("undesa-ims-2020-t1").definitions["measure"]
    'STOCK'
    >>> load({"migharmony": "crosswalk/1", "id": "x", "title": "X",
    ...       "source": {"producer": "P", "licence": "CC0"},
    ...       "definitions": {"measure": "STOCK", "migr_basis": "BORN"}, "read": {"sheett": 1}})
    Traceback (most recent call last):
    ...
    migharmony.errors.CrosswalkError: <crosswalk mapping>: 2 problem(s) in the crosswalk; ...
      - <crosswalk mapping>: read.sheett: unknown key 'sheett'; did you mean 'sheet'? ...
      - <crosswalk mapping>: definitions: migr_basis maps to 'BORN', which is not in ...
    """
    if isinstance(crosswalk, Crosswalk):
        return crosswalk
    if not isinstance(crosswalk, str | Path | Mapping):
        raise CrosswalkError(f"a crosswalk is a shipped id, the path of a YAML file or a "
                             f"mapping, not {type(crosswalk).__name__}")
    if isinstance(crosswalk, Mapping):
        doc = YamlDocument(data=dict(crosswalk), name="<crosswalk mapping>")
        path = None
    elif isinstance(crosswalk, str) and "\n" in crosswalk:  # YAML text
        path = None
        try:
            doc = load_yaml(crosswalk, name="<crosswalk text>")
        except MigharmonyError as exc:
            raise CrosswalkError(exc.message, problems=exc.problems) from None
    else:
        path = _locate(crosswalk)
        try:
            doc = load_yaml(path, name=_display(path))
        except MigharmonyError as exc:
            raise CrosswalkError(exc.message, problems=exc.problems) from None
    if not isinstance(doc.data, Mapping):
        raise CrosswalkError(f"{doc.name}: a crosswalk is a YAML mapping (key: value lines); "
                             "this file holds something else")
    result = Crosswalk(data=doc.data, name=doc.name, path=path, doc=doc)
    problems = list(_schema_problems(result))
    # Meaning checks run even when the structure has mistakes, so that one load lists
    # every problem; a part too malformed to check is left to the schema messages.
    meaning = _meaning_problems(result)
    while True:
        try:
            problems.append(next(meaning))
        except StopIteration:
            break
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            if not problems:
                raise
            break
    if problems:
        raise CrosswalkError(
            f"{doc.name}: {len(problems)} problem(s) in the crosswalk; fix them and load again",
            problems=problems)
    return result


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        from ._resources import data_dir

        try:
            return "crosswalks/" + str(path.resolve().relative_to(data_dir("crosswalks")))
        except (ValueError, MigharmonyError):
            return str(path)


def _locate(crosswalk: str | Path) -> Path:
    if isinstance(crosswalk, Path) or crosswalk.endswith((".yaml", ".yml")):
        path = Path(crosswalk)
        if not path.is_file():
            raise CrosswalkError(f"crosswalk file {path} not found")
        return path
    from .crosswalks import path_of

    return path_of(crosswalk)


@cache
def _validator() -> Any:
    import jsonschema

    schema = load_yaml(Path(__file__).with_name("crosswalk_schema.yaml")).data
    return jsonschema.Draft202012Validator(schema)


def _schema_problems(cw: Crosswalk) -> Iterator[Problem]:
    for error in sorted(_validator().iter_errors(cw.data), key=lambda e: list(map(str, e.path))):
        path: KeyPath = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = list(error.schema.get("properties", {}))
            for name in sorted(set(error.instance) - set(allowed)):
                near = did_you_mean(name, allowed)
                key = ".".join(map(str, (*path, name)))
                yield Problem(f"{key}: unknown key '{name}'"
                              + (f"; did you mean '{near[0]}'?" if near else "")
                              + f" (allowed here: {', '.join(allowed)})",
                              where=cw.where(*path, name), key=key, rule="crosswalk-schema")
            continue
        yield Problem(_schema_message(error, path), where=cw.where(*path),
                      key=".".join(map(str, path)), rule="crosswalk-schema")


def _schema_message(error: Any, path: KeyPath) -> str:
    key = ".".join(map(str, path)) or "the crosswalk"
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        tips = []
        for name in extra:
            near = did_you_mean(name, allowed)
            tips.append(f"'{name}'" + (f" (did you mean '{near[0]}'?)" if near else ""))
        return f"{key}: unknown key {', '.join(tips)}; allowed keys are {', '.join(allowed)}"
    if error.validator == "required":
        return f"{key}: {error.message.replace('is a required property', 'is required')}"
    if error.validator == "enum":
        choices = ", ".join(map(str, error.validator_value))
        return f"{key}: {error.instance!r} is not one of {choices}"
    if error.validator == "const":
        return f"{key}: must be {error.validator_value!r} (found {error.instance!r})"
    return f"{key}: {error.message}"


def _vocab_problem(cw: Crosswalk, dimension: str, code: object, path: KeyPath,
                   context: str) -> Problem | None:
    from . import vocab

    if not isinstance(code, str):
        return Problem(f"{context} maps to {code!r}, which is not a code (write it as text)",
                       where=cw.where(*path), key=dimension, rule="crosswalk-code")
    if vocab.is_code(dimension, code):
        return None
    near = did_you_mean(code, vocab.codes(dimension))
    hint = (f"; did you mean '{near[0]}'?" if near
            else f"; codes are {', '.join(vocab.codes(dimension))}")
    return Problem(f"{context} maps to '{code}', which is not in vocab/{dimension}{hint}",
                   where=cw.where(*path), key=dimension, rule="crosswalk-code")


def _setting_problems(cw: Crosswalk, setting: Mapping[str, Any], path: KeyPath,
                      context: str) -> Iterator[Problem]:
    from . import vocab

    for column in CODED_SETTINGS:
        if column in setting:
            problem = _vocab_problem(cw, column, setting[column], (*path, column),
                                     f"{context} {column}")
            if problem:
                yield problem
    for i, caveat in enumerate(setting.get("caveats", [])):
        code = _caveat_code(caveat)
        if not vocab.is_code("caveat", code):
            near = did_you_mean(code, vocab.codes("caveat"))
            yield Problem(f"{context}: caveat '{caveat}' is not in vocab/caveat"
                          + (f"; did you mean '{near[0]}'?" if near else ""),
                          where=cw.where(*path, "caveats", i), key="caveats",
                          rule="crosswalk-caveat")


def _pattern_problem(cw: Crosswalk, pattern: str, path: KeyPath, key: str) -> Problem | None:
    try:
        re.compile(pattern)
    except re.error as exc:
        return Problem(f"{pattern!r} is not a valid pattern ({exc})", where=cw.where(*path),
                       key=key, rule="crosswalk-regex")
    return None


def _regex_problems(cw: Crosswalk, dim: str, spec: Mapping[str, Any],
                    path: KeyPath) -> Iterator[Problem]:
    """Patterns and replacement templates of one dimension, compiled now, not mid-run."""
    for i, rule in enumerate(spec.get("regex", [])):
        try:
            compiled = re.compile(rule["pattern"])
        except re.error as exc:
            yield Problem(f"{dim} regex {rule['pattern']!r} is not a valid pattern ({exc})",
                          where=cw.where(*path, "regex", i, "pattern"), key=dim,
                          rule="crosswalk-regex")
            continue
        try:  # the template is parsed up front, even when nothing matches
            compiled.sub(rule["code"], "")
        except (re.error, IndexError) as exc:
            yield Problem(f"{dim} regex code {rule['code']!r} is not a valid replacement "
                          f"for {rule['pattern']!r} ({exc}); \\1 inserts the first "
                          "group in parentheses", where=cw.where(*path, "regex", i, "code"),
                          key=dim, rule="crosswalk-regex")
    for i, rule in enumerate(spec.get("exclude", [])):
        if rule.get("pattern") is not None and (p := _pattern_problem(
                cw, rule["pattern"], (*path, "exclude", i, "pattern"), dim)):
            yield p


def _attribute_problems(cw: Crosswalk, named: set[str]) -> Iterator[Problem]:
    for attribute, column in cw.section("attributes").items():
        if column not in named:
            near = did_you_mean(str(column), sorted(named))
            yield Problem(f"attributes.{attribute} reads '{column}', which is not a column named "
                          "under `columns`" + (f"; did you mean '{near[0]}'?" if near else ""),
                          where=cw.where("attributes", attribute), rule="crosswalk-column")


def _value_column_problems(cw: Crosswalk) -> Iterator[Problem]:
    value_columns = cw.section("values").get("columns", [])
    for i, item in enumerate([value_columns] if isinstance(value_columns, str)
                             else value_columns):
        if str(item).startswith("~") and (p := _pattern_problem(
                cw, str(item)[1:], ("values", "columns", i), "values.columns")):
            yield p


def _file_problems(cw: Crosswalk) -> Iterator[Problem]:
    """File names in a crosswalk may not lead outside its folder (see migharmony._paths)."""
    from ._paths import path_problem

    for i, name in enumerate(cw.source.get("files", [])):
        if (why := path_problem(name)) is not None:
            yield Problem(f"source.files: {name!r}: {why}", where=cw.where("source", "files", i),
                          key="source.files", rule="crosswalk-path")


def _caveat_code(caveat: str) -> str:
    return caveat.split("[", 1)[0]


def _meaning_problems(cw: Crosswalk) -> Iterator[Problem]:
    from .schema import BY_NAME

    columns = cw.section("columns")
    # Header texts copied into a column (values.header_columns) are named columns too.
    named = set(columns.values()) | set(cw.section("values").get("header_columns", {}).values())
    header_dims = set(cw.section("values").get("headers", {}).values())

    yield from _setting_problems(cw, cw.definitions, ("definitions",), "definitions:")
    for i, caveat in enumerate(cw.data.get("caveats", [])):
        yield from _setting_problems(cw, {"caveats": [caveat["code"]]}, ("caveats", i),
                                     "caveats:")
    for row, ref in enumerate(cw.section("values").get("headers", {})):
        if not str(ref).isdigit():
            yield Problem(f"values.headers: '{ref}' is not a row number",
                          where=cw.where("values", "headers", ref), rule="crosswalk-layout")
        del row
    yield from _value_column_problems(cw)
    read = cw.section("read")
    header_rows = {str(r) for r in read.get("header_rows", [])}
    for ref in cw.section("values").get("headers", {}):
        if header_rows and str(ref) not in header_rows:
            yield Problem(f"values.headers: row {ref} is not one of read.header_rows "
                          f"({', '.join(sorted(header_rows))})",
                          where=cw.where("values", "headers", ref), rule="crosswalk-layout")
    if "first_row" in read and "last_row" in read and read["last_row"] < read["first_row"]:
        yield Problem(f"read.last_row {read['last_row']} is above read.first_row "
                      f"{read['first_row']}", where=cw.where("read", "last_row"),
                      rule="crosswalk-layout")

    for dim, spec in cw.section("dimensions").items():
        path: KeyPath = ("dimensions", dim)
        source = spec.get("from")
        if source is not None and source not in named and dim not in header_dims:
            near = did_you_mean(source, sorted(named))
            yield Problem(f"dimension {dim} comes from '{source}', which is not a column named "
                          "under `columns`" + (f"; did you mean '{near[0]}'?" if near else ""),
                          where=cw.where(*path, "from"), key=dim, rule="crosswalk-column")
        if source is None and "value" not in spec and dim not in header_dims:
            yield Problem(f"dimension {dim} says neither where it comes from (`from:`) nor its "
                          "one code (`value:`)", where=cw.where(*path), key=dim,
                          rule="crosswalk-column")
        coded = BY_NAME[dim].vocabulary if dim in BY_NAME else spec.get("vocabulary")
        if coded:
            if "value" in spec and (p := _vocab_problem(cw, coded, spec["value"], (*path, "value"),
                                                        f"{dim} value")):
                yield p
            for label, code in spec.get("map", {}).items():
                p = _vocab_problem(cw, coded, code, (*path, "map", label),
                                   f"{dim} code '{label}'")
                if p:
                    yield p
        yield from _regex_problems(cw, dim, spec, path)
        if spec.get("areas") is not None and dim not in AREA_DIMENSIONS:
            yield Problem(f"dimension {dim} asks for area resolution, which only ref_area and "
                          "counterpart_area take", where=cw.where(*path, "areas"), key=dim,
                          rule="crosswalk-column")

    for i, rule in enumerate(cw.data.get("rows", [])):
        if rule["from"] not in named:
            yield Problem(f"rows[{i}] reads '{rule['from']}', which is not a column named under "
                          "`columns`", where=cw.where("rows", i, "from"), rule="crosswalk-column")
        for label, setting in rule["map"].items():
            yield from _setting_problems(cw, setting, ("rows", i, "map", label),
                                         f"rows[{i}] '{label}'")
    for section in ("symbols", "flags"):
        for symbol, setting in cw.section(section).items():
            yield from _setting_problems(cw, setting, (section, symbol), f"{section} '{symbol}'")
    yield from _attribute_problems(cw, named)
    notes = cw.section("notes")
    if notes and notes.get("from") not in named:
        yield Problem(f"notes come from '{notes.get('from')}', which is not a column named under "
                      "`columns`", where=cw.where("notes", "from"), rule="crosswalk-column")
    if notes.get("caveat"):
        yield from _setting_problems(cw, {"caveats": [notes["caveat"]]}, ("notes", "caveat"),
                                     "notes:")
    yield from _format_problems(cw, named)

    yield from _file_problems(cw)
    for key in columns:
        if not _LETTERS.match(str(key)) and cw.section("read").get("format") in ("xlsx", "xls"):
            yield Problem(f"columns: '{key}' is not a column letter (A, B, ..., AA)",
                          where=cw.where("columns", key), rule="crosswalk-column")


def _format_problems(cw: Crosswalk, named: set[str]) -> Iterator[Problem]:
    """Checks of the keys for records and non-disaggregated zeros (docs/formats.md)."""
    weight = cw.section("records").get("weight")
    if weight is not None and weight not in named:
        near = did_you_mean(weight, sorted(named))
        yield Problem(f"records.weight '{weight}' is not a column named under `columns`"
                      + (f"; did you mean '{near[0]}'?" if near else ""),
                      where=cw.where("records", "weight"), rule="crosswalk-column")
    dims = cw.dimensions()
    for i, rule in enumerate(cw.data.get("not_disaggregated", [])):
        for dim in rule["total"]:
            if dim not in dims:
                yield Problem(f"not_disaggregated[{i}].total: '{dim}' is not a dimension of the "
                              "crosswalk", where=cw.where("not_disaggregated", i, "total", dim),
                              rule="crosswalk-column")
        if "set" in rule:
            yield from _setting_problems(cw, rule["set"], ("not_disaggregated", i, "set"),
                                         f"not_disaggregated[{i}]")
