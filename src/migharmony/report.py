"""The validation report: every problem of a submission, located in its own cells.

:func:`validate` harmonizes a source table once and turns what could not be
harmonized (``result.rejected``), what the reader noticed (``result.problems``)
and what stopped the reading altogether into :class:`Finding` objects, each with

* a **severity**: ``error`` (the submission cannot be accepted as it stands),
  ``warning`` (accepted cells might be wrong, or a cell is ambiguous and needs a
  look) or ``info`` (cells the crosswalk sets aside on purpose: aggregates,
  duplicated rows, heading rows; nothing to fix);
* a stable **rule** code (``value-not-number``, ``unmapped-ref_area``...);
* a **location** a person finds in the file: sheet and cell (``Table 1!L81``) for
  workbooks, row and column for text files. A problem caused by one cell that
  rejects many value cells (an unknown area code in column D rejects the whole
  row) is reported once, at the cell that causes it, with the cells it affects;
* the **value** found, what was **expected**, and a suggested **fix**.

A :class:`Report` renders as text, JSON (``migharmony-validation/1``, schema in
``report_schema.json`` and ``docs/validate-a-submission.md``) and a self-contained
HTML page. The exit code policy: 1 if there is any error, else 0.

>>> classify("excluded-row"), classify("value-negative"), classify("value-empty")
('info', 'error', 'warning')
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .crosswalk import Crosswalk
    from .read import Grid
    from .result import HarmonizedResult

__all__ = ["SCHEMA_ID", "Finding", "Location", "Report", "build_report", "classify",
           "rule_info", "validate"]

SCHEMA_ID = "migharmony-validation/1"
SEVERITIES = ("error", "warning", "info")

_REF = re.compile(r"^(?:(?P<sheet>.+)!)?(?P<col>[A-Z]{1,3})(?P<row>\d+)$")
_ROWS = re.compile(r"^(?:(?P<sheet>.+)!)?(?P<row>\d+):(?P=row)$")
_WORDS = {"ref_area": "area", "counterpart_area": "partner area", "time_period": "period",
          "type_of_data": "type of data"}


# -- rules ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleInfo:
    """What a rule code means: its severity, a title, what is expected and how to fix it."""

    code: str
    severity: str
    title: str
    expected: str
    fix: str


_RULES: dict[str, tuple[str, str, str, str]] = {
    # code: (severity, title, expected, fix)
    "value-not-number": (
        "error", "Value is not a number",
        "a number, or one of the missing-value symbols the crosswalk declares",
        "Type the figure as a plain number (no words or units); if it is missing, use a "
        "declared symbol instead."),
    "value-negative": (
        "error", "Negative count",
        "a count of zero or more",
        "Check the sign: a number of people cannot be negative."),
    "value-empty": (
        "warning", "Empty value cell",
        "a number, or a missing-value symbol saying why there is none",
        "Type the figure; if it is not available, type the symbol for 'not available' so "
        "readers can tell a gap from a forgotten cell."),
    "value-unknown-flag": (
        "error", "Unknown flag next to a value",
        "a number, optionally followed by a flag the crosswalk declares",
        "Remove the letters after the number, or use one of the declared flags."),
    "duplicate-key": (
        "error", "Two cells describe the same observation",
        "one cell per area, period and breakdown",
        "Delete the duplicated row or column, or tell the two apart (another breakdown)."),
    "period-format": (
        "error", "Period is not a date",
        "a year (2020), a month (2020-07) or a quarter (2020-Q1)",
        "Write the period as a year such as 2020."),
    "crosswalk-code": (
        "error", "The crosswalk sets a code outside the vocabulary",
        "codes of the shared vocabulary",
        "This is a mistake in the crosswalk, not in your data: tell its maintainer."),
    "uncached-formula": (
        "error", "Formula without a saved value",
        "a value (the workbook saved after calculation)",
        "Open the workbook in Excel or LibreOffice, let it recalculate, and save it again."),
    "read-error": (
        "error", "The table cannot be read as the crosswalk describes it",
        "the layout the crosswalk describes (sheet, header rows, columns)",
        "Compare the file with the template or the crosswalk; do not move or rename sheets, "
        "header rows or columns."),
    "canonical-schema": (
        "error", "Observation breaks the canonical schema",
        "a valid observation", "Check the cell; if it looks right, report a bug."),
}


def classify(rule: str) -> str:
    """The severity of a rule code: the principle behind each level is in the module doc."""
    return rule_info(rule).severity


def rule_info(rule: str, crosswalk: Crosswalk | None = None) -> RuleInfo:
    """Severity, title, expectation and fix for *rule* (known or derived from its prefix)."""
    if rule in _RULES:
        sev, title, expected, fix = _RULES[rule]
        if rule == "value-not-number" and crosswalk is not None:
            symbols = [s for s in crosswalk.section("symbols") if s]
            if symbols:
                expected = ("a number, or one of the symbols "
                            + ", ".join(f"'{s}'" for s in symbols))
        return RuleInfo(rule, sev, title, expected, fix)
    if rule.startswith("excluded-"):
        what = rule.removeprefix("excluded-")
        return RuleInfo(rule, "info", f"Set aside on purpose ({what})",
                        "nothing: the crosswalk excludes these cells",
                        "Nothing to fix: the crosswalk excludes these cells on purpose "
                        "(aggregates, repeated rows, headings), so they are never summed "
                        "with their parts.")
    if rule.startswith("unmapped-"):
        what = rule.removeprefix("unmapped-")
        word = _WORDS.get(what, what.replace("_", " "))
        return RuleInfo(rule, "error", f"Unknown {word}",
                        _expected_codes(what, crosswalk),
                        f"Correct the {word} in the cell named; if it is "
                        "right, the crosswalk must learn it (ask its maintainer to add it).")
    if rule.startswith("invalid-"):
        what = rule.removeprefix("invalid-")
        return RuleInfo(rule, "error", f"Invalid {what.replace('_', ' ')}",
                        f"a valid {what.replace('_', ' ')}",
                        "Correct the cell named.")
    return RuleInfo(rule or "unknown", "error", rule or "Problem", "", "")


def _expected_codes(what: str, crosswalk: Crosswalk | None, limit: int = 8) -> str:
    if crosswalk is None:
        return f"a {what.replace('_', ' ')} the crosswalk knows"
    spec = crosswalk.dimensions().get(what)
    labels: list[str] = []
    if spec is None:  # a row rule's column (e.g. type_of_data)
        for rule in crosswalk.data.get("rows", []):
            if rule.get("from") == what:
                labels = [str(k) for k in rule["map"] if str(k).strip()]
        return _one_of(labels, limit) if labels else f"a {what} the crosswalk lists"
    if spec.get("areas") is not None:
        scheme = (spec.get("areas") or {}).get("scheme", "auto")
        kinds = {"m49": "a UN M49 numeric area code (e.g. 566 for Nigeria)",
                 "iso3": "an ISO 3166 alpha-3 code (e.g. NGA)",
                 "iso2": "an ISO 3166 alpha-2 code (e.g. NG)",
                 "name": "a country or area name (e.g. Nigeria)"}
        return kinds.get(scheme, "a country or area code or name (e.g. NGA or Nigeria)")
    labels = [str(k) for k in spec.get("map", {})]
    labels += [f"/{r['pattern']}/" for r in spec.get("regex", [])]
    if spec.get("age"):
        labels.append("an age label such as 0-4, 65+")
    return _one_of(labels, limit) if labels else f"a {what.replace('_', ' ')} code"


def _one_of(labels: Sequence[str], limit: int) -> str:
    shown = ", ".join(f"'{x}'" for x in labels[:limit])
    more = f" (and {len(labels) - limit} more)" if len(labels) > limit else ""
    return f"one of {shown}{more}"


# -- the report model -------------------------------------------------------------------

@dataclass
class Location:
    """Where a problem is: ``ref`` as a person writes it, plus its parts."""

    ref: str
    sheet: str | None = None
    cell: str | None = None       # "L81"; None for whole-row or whole-file problems
    row: int | None = None
    column: str | None = None     # the column letter
    column_name: str | None = None  # the header text or crosswalk name of the column

    def describe(self) -> str:
        if self.sheet is not None and self.cell:
            return f"{self.sheet}!{self.cell}"
        if self.cell and self.row is not None:
            name = f" ({self.column_name})" if self.column_name else ""
            return f"row {self.row}, column {self.column}{name}"
        if self.row is not None:
            return f"{self.sheet}, row {self.row}" if self.sheet else f"row {self.row}"
        return self.ref


@dataclass
class Finding:
    """One problem, at one location, possibly affecting several value cells."""

    id: str
    severity: str
    rule: str
    title: str
    message: str
    location: Location
    value: str | None
    expected: str
    fix: str
    affected: list[str] = field(default_factory=list)
    context: str = ""

    @property
    def cells(self) -> int:
        return max(1, len(self.affected))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["cells"] = self.cells
        return out


@dataclass
class Report:
    """Every finding of one validation run, with what was validated against what."""

    file: str
    crosswalk: dict[str, str]
    findings: list[Finding]
    counts: dict[str, int]
    generated_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    migharmony_version: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    # -- reading ---------------------------------------------------------------
    def by_severity(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]

    @property
    def errors(self) -> list[Finding]:
        return self.by_severity("error")

    @property
    def warnings(self) -> list[Finding]:
        return self.by_severity("warning")

    @property
    def notes(self) -> list[Finding]:
        return self.by_severity("info")

    @property
    def status(self) -> str:
        return "fail" if self.errors else "pass"

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def by_rule(self) -> dict[str, list[Finding]]:
        groups: dict[str, list[Finding]] = {}
        order = {s: i for i, s in enumerate(SEVERITIES)}
        for f in sorted(self.findings, key=lambda f: (order[f.severity], f.rule)):
            groups.setdefault(f.rule, []).append(f)
        return groups

    def summary(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "info": len(self.notes),
            "cells": self.counts.get("cells", 0),
            "observations": self.counts.get("data", 0),
            "rejected_cells": self.counts.get("rejected", 0),
            "by_rule": {rule: len(items) for rule, items in self.by_rule().items()},
        }

    def headline(self) -> str:
        s = self.summary()
        word = "FAILED" if s["errors"] else "PASSED"
        return (f"{word}: {_n(s['errors'], 'error')}, {_n(s['warnings'], 'warning')}, "
                f"{_n(s['info'], 'note')}")

    # -- rendering -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        rules = {}
        for rule, items in self.by_rule().items():
            first = items[0]
            rules[rule] = {"severity": first.severity, "title": first.title,
                           "expected": first.expected, "fix": rule_info(rule).fix,
                           "count": len(items), "cells": sum(f.cells for f in items)}
        return {
            "report": SCHEMA_ID,
            "file": self.file,
            "crosswalk": self.crosswalk,
            "generated_at": self.generated_at,
            "migharmony_version": self.migharmony_version,
            "summary": self.summary(),
            "rules": rules,
            "problems": [f.to_dict() for f in self.findings],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_text(self, *, verbose: bool = False, limit: int = 50) -> str:
        from .report_render import render_text

        return render_text(self, verbose=verbose, limit=limit)

    def to_html(self) -> str:
        from .report_render import render_html

        return render_html(self)

    def write(self, path: str | Path, fmt: str | None = None) -> Path:
        """Write the report as *fmt* (text, json or html; from the suffix if not given)."""
        from .emit import atomic_path

        target = Path(path)
        fmt = fmt or {".json": "json", ".html": "html", ".htm": "html"}.get(
            target.suffix.lower(), "text")
        body = {"json": self.to_json, "html": self.to_html}.get(fmt, self.to_text)()
        with atomic_path(target) as tmp:
            tmp.write_text(body + ("\n" if not body.endswith("\n") else ""), encoding="utf-8")
        return target


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


# -- building ----------------------------------------------------------------------------

def validate(source: str | Path, crosswalk: Any) -> Report:
    """Harmonize *source* with *crosswalk* once and report every problem found.

    Crosswalk errors (:class:`~migharmony.errors.CrosswalkError`) and a missing file
    are raised: they are not problems of the submission. A table that cannot be read
    as the crosswalk describes it becomes a report with one ``read-error``.
    """
    from .crosswalk import load
    from .errors import CrosswalkError, ReadError, SourceNotFoundError, ValidationError
    from .pipeline import harmonize

    cw = load(crosswalk)
    try:
        result = harmonize(source, cw, on_collision="reject")
    except SourceNotFoundError:
        raise
    except (ReadError, ValidationError) as exc:
        if isinstance(exc, CrosswalkError):  # pragma: no cover - not a subclass today
            raise
        return _failed_read(source, cw, exc)
    grid = _grid(source, cw)
    return build_report(result, cw, source=source, grid=grid)


def _failed_read(source: Any, cw: Crosswalk, exc: Exception) -> Report:
    from . import __version__

    info = rule_info("read-error")
    problems = getattr(exc, "problems", ()) or ()
    findings = [Finding(id="P0001", severity="error", rule="read-error", title=info.title,
                        message=getattr(exc, "message", str(exc)),
                        location=Location(ref=str(source)), value=None,
                        expected=info.expected, fix=info.fix)]
    for i, p in enumerate(problems, start=2):
        findings.append(Finding(id=f"P{i:04d}", severity=p.severity or "error",
                                rule=p.rule or "read-error", title=info.title,
                                message=p.message, location=_location(p.where or str(source)),
                                value=None, expected=info.expected, fix=info.fix))
    return Report(file=str(source), crosswalk=_cw_info(cw), findings=findings,
                  counts={}, migharmony_version=__version__)


def _grid(source: Any, cw: Crosswalk) -> Grid | None:
    """The source grid again, to name the cells that cause problems (cheap, no mapping)."""
    if not isinstance(source, str | Path):
        return None
    from .errors import MigharmonyError
    from .read import read_grid

    read = cw.section("read")
    if read.get("format", "auto") not in ("auto", "csv", "xlsx", "xls"):
        return None
    try:
        return read_grid(source, format=read.get("format", "auto"), sheet=read.get("sheet"),
                         encoding=read.get("encoding"), delimiter=read.get("delimiter"))
    except MigharmonyError:
        return None


def _cw_info(cw: Crosswalk) -> dict[str, str]:
    return {"id": cw.id, "version": cw.version, "file": cw.name}


def _location(ref: str, grid: Grid | None = None,
              names: Mapping[int, str] | None = None) -> Location:
    from .read import column_index

    match = _REF.match(ref)
    if not match:
        return Location(ref=ref)
    col, row = match.group("col"), int(match.group("row"))
    name = None
    if names is not None:
        name = names.get(column_index(col))
    return Location(ref=ref, sheet=match.group("sheet"), cell=f"{col}{row}", row=row,
                    column=col, column_name=name)


class _Layout:
    """Where the crosswalk's named columns and header dimensions are in the grid."""

    def __init__(self, cw: Crosswalk, grid: Grid | None) -> None:
        from .layout import text
        from .read import column_index

        self.grid = grid
        read = cw.section("read")
        header_rows = [int(r) for r in read.get(
            "header_rows", [1] if grid is not None and grid.kind == "csv" else [])]
        headers: dict[str, int] = {}
        if grid is not None and header_rows and header_rows[-1] in grid.cells.index:
            for c in grid.cells.columns:
                label = " ".join(text(grid.cells.at[header_rows[-1], c]).split())
                if label and label not in headers:
                    headers[label] = int(c)
        self.column_of: dict[str, int] = {}
        for key, name in cw.section("columns").items():
            if str(key) in headers:
                self.column_of[name] = headers[str(key)]
            elif re.fullmatch(r"[A-Z]{1,3}", str(key)):
                self.column_of[name] = column_index(str(key))
        self.names: dict[int, str] = {i: h for h, i in headers.items()}
        for name, i in self.column_of.items():
            self.names.setdefault(i, name)
        self.header_row_of: dict[str, int] = {
            dim: int(r) for r, dim in cw.section("values").get("headers", {}).items()}
        self.source_of: dict[str, str] = {}
        for dim, spec in cw.dimensions().items():
            src = spec.get("from", dim) if "value" not in spec or "from" in spec else None
            if src:
                self.source_of[dim] = str(src)

    def cause(self, rule: str, row: int, col: int) -> tuple[int, int] | None:
        """The (row, column) of the cell that causes *rule* for the value cell (row, col)."""
        if not rule.startswith(("unmapped-", "excluded-")) or \
                rule in {"excluded-row", "excluded-symbol"}:
            return None
        what = rule.split("-", 1)[1]
        source = self.source_of.get(what, what)
        if source in self.column_of:
            return row, self.column_of[source]
        if source in self.header_row_of:
            return self.header_row_of[source], col
        return None

    def value(self, row: int, col: int) -> str | None:
        from .layout import text

        if self.grid is None:
            return None
        cells = self.grid.cells
        if row not in cells.index or col not in cells.columns:
            return ""
        return text(cells.at[row, col])


def build_report(result: HarmonizedResult, crosswalk: Crosswalk, *, source: Any = None,
                 grid: Grid | None = None) -> Report:
    """Turn a harmonize result into a :class:`Report` (see the module docstring)."""
    from . import __version__
    from .read import column_index, column_letter

    layout = _Layout(crosswalk, grid)
    findings: list[Finding] = []
    seen_refs: set[str] = set()
    for p in result.problems:
        info = rule_info(p.rule or "read-problem", crosswalk)
        loc = _location(p.where, grid, layout.names)
        value = layout.value(loc.row, column_index(loc.column)) if loc.row and loc.column \
            else None
        findings.append(Finding(id="", severity=p.severity or info.severity,
                                rule=p.rule or "read-problem", title=info.title,
                                message=p.message, location=loc, value=value,
                                expected=info.expected, fix=p.hint or info.fix))
        seen_refs.add(p.where)

    rejected = _all_problems(result)
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for ref_, raw, rule_, reason_, context in zip(
            rejected["source_ref"], rejected["source_value"], rejected["rule"],
            rejected["reason"], rejected["context"], strict=True):
        ref, rule, reason = str(ref_), str(rule_), str(reason_)
        match = _REF.match(ref)
        key_ref, value = ref, str(raw)
        if match:
            sheet, row, col = match.group("sheet"), int(match.group("row")), \
                column_index(match.group("col"))
            cause = layout.cause(rule, row, col)
            if cause is not None:
                key_ref = (f"{sheet}!" if sheet else "") + f"{column_letter(cause[1])}{cause[0]}"
                cause_value = layout.value(*cause)
                value = cause_value if cause_value is not None else ""
            elif rule == "excluded-row":
                key_ref = (f"{sheet}!" if sheet else "") + f"{row}:{row}"
                value = ""
        if rule == "uncached-formula" and ref in seen_refs:
            continue
        group = groups.setdefault((rule, key_ref, reason if cause_or_row(rule) else ""), {
            "ref": key_ref, "value": value, "reason": reason, "context": str(context),
            "affected": []})
        group["affected"].append(ref)

    for (rule, key_ref, _), g in groups.items():
        info = rule_info(rule, crosswalk)
        loc = _location(key_ref, grid, layout.names)
        if loc.cell is None and (rows := _ROWS.match(key_ref)):
            loc = Location(ref=key_ref, sheet=rows.group("sheet"), row=int(rows.group("row")))
        findings.append(Finding(
            id="", severity=info.severity, rule=rule, title=info.title,
            message=g["reason"], location=loc,
            value=g["value"], expected=info.expected, fix=_fix(info, loc, g["value"]),
            affected=g["affected"] if len(g["affected"]) > 1 or g["affected"][0] != key_ref
            else [], context=g["context"]))

    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (order.get(f.severity, 0), _sort_key(f.location)))
    for i, f in enumerate(findings, start=1):
        f.id = f"P{i:04d}"
    counts = dict(result.metadata.get("counts", {}))
    return Report(file=str(source) if source is not None else
                  str(result.metadata.get("source_file", "")),
                  crosswalk=_cw_info(crosswalk), findings=findings, counts=counts,
                  migharmony_version=__version__,
                  metadata={"title": result.metadata.get("title", ""),
                            "sheet": result.metadata.get("sheet")})


def _all_problems(result: HarmonizedResult) -> pd.DataFrame:
    """The rejected cells plus every further problem of those cells.

    ``rejected`` holds one row per cell (its first problem); ``cell_problems`` holds
    all of them, so a cell with an unknown country *and* text for a number is
    reported twice, once per fix to make.
    """
    import pandas as pd

    rejected = result.rejected
    problems = result.cell_problems
    if problems is None or not len(problems):
        return rejected
    later = problems[problems.index.duplicated(keep="first")]
    if not len(later):
        return rejected
    more = pd.DataFrame({"source_ref": later["source_ref"].to_numpy(),
                         "source_value": later["value"].to_numpy(),
                         "rule": later["rule"].to_numpy(),
                         "reason": later["reason"].to_numpy(), "context": ""})
    return pd.concat([rejected, more], ignore_index=True)


def cause_or_row(rule: str) -> bool:
    """Group findings by reason too when one cause cell can have several reasons."""
    return rule.startswith("excluded-")


def _fix(info: RuleInfo, loc: Location, value: str | None) -> str:
    """The rule's fix, made specific where the rule allows it."""
    if info.code.startswith("unmapped-") and value not in (None, ""):
        return f"{value!r} is not known. {info.fix}"
    return info.fix


def _sort_key(loc: Location) -> tuple[str, int, int]:
    from .read import column_index

    col = column_index(loc.column) if loc.column else -1
    return (loc.sheet or "", loc.row or 0, col)


def findings_at(report: Report, severities: Iterable[str] = ("error", "warning")
                ) -> dict[tuple[str | None, str], list[Finding]]:
    """Findings by (sheet, cell) for annotation: each finding's own cell, or, for a
    row-level finding, every cell it affects."""
    wanted = set(severities)
    out: dict[tuple[str | None, str], list[Finding]] = {}
    for f in report.findings:
        if f.severity not in wanted:
            continue
        if f.location.cell:
            out.setdefault((f.location.sheet, f.location.cell), []).append(f)
            continue
        for ref in f.affected:
            loc = _location(ref)
            if loc.cell:
                out.setdefault((loc.sheet, loc.cell), []).append(f)
    return out


def rejected_frame(report: Report) -> pd.DataFrame:
    """The findings as a flat table (one row per finding)."""
    import pandas as pd

    rows = [{"id": f.id, "severity": f.severity, "rule": f.rule, "where": f.location.describe(),
             "value": f.value, "expected": f.expected, "fix": f.fix, "cells": f.cells,
             "message": f.message} for f in report.findings]
    return pd.DataFrame(rows)
