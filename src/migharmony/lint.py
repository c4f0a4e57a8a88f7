"""``crosswalk lint``: mistakes a crosswalk can load with, found before they bite.

Loading (:func:`migharmony.crosswalk.load`) already rejects a crosswalk that breaks
its schema or maps to codes outside the vocabulary. The linter looks further:

* ``regex-overlap`` (warning): two regex rules of one dimension match the same
  label (observed in the data, or among the sample strings: the map's own labels
  and the other rules' codes), so the later one never applies to it;
* ``regex-shadowed`` (warning): a rule matches nothing that an earlier rule does
  not already match, on every sample;
* ``target-not-in-vocabulary`` (error): a regex rule's code template produces a
  code the vocabulary does not know, on the samples;
* ``unused-map-entry`` (note, needs ``--data``): a map entry (dimension map or row
  rule) whose label does not occur in the data;
* ``unmapped-label`` (error, needs ``--data``): a label in the data that no rule
  maps (the cells it would reject are listed by ``migharmony validate``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["LintFinding", "lint"]


@dataclass(frozen=True)
class LintFinding:
    severity: str
    rule: str
    message: str
    where: str = ""

    def __str__(self) -> str:
        head = f"{self.where}: " if self.where else ""
        return f"{self.severity.upper():<7} [{self.rule}] {head}{self.message}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def lint(crosswalk: Any, data: str | Path | None = None) -> list[LintFinding]:
    """Lint *crosswalk* (id, path or object), optionally against a *data* file."""
    from .crosswalk import load

    cw = load(crosswalk)
    observed: dict[str, set[str]] = {}
    result = None
    if data is not None:
        from .layout import cells_from_grid
        from .pipeline import harmonize
        from .read import read_grid

        read = cw.section("read")
        grid = read_grid(data, format=read.get("format", "auto"), sheet=read.get("sheet"),
                         encoding=read.get("encoding"), delimiter=read.get("delimiter"))
        cells = cells_from_grid(grid, cw).frame
        for name in cells.columns:
            if not str(name).startswith("_"):
                observed[str(name)] = {" ".join(str(v).split()) for v in
                                       cells[name].dropna().astype("str")}
    findings: list[LintFinding] = []
    if data is not None:
        from .errors import MigharmonyError

        try:
            result = harmonize(data, cw, on_collision="reject")
        except MigharmonyError as exc:  # the crosswalk cannot harmonize this table at all
            findings.append(LintFinding("error", "harmonize-fails",
                                        " ".join(str(exc).split()), where=str(data)))

    for dim, spec in cw.dimensions().items():
        source = str(spec.get("from", dim))
        labels = observed.get(source)
        findings += _regex_findings(cw, dim, spec, labels)
        if labels is not None:
            findings += _unused(cw, ("dimensions", dim, "map"), spec.get("map", {}), labels,
                                f"{dim} map")
    for i, rule in enumerate(cw.data.get("rows", [])):
        labels = observed.get(str(rule["from"]))
        if labels is not None:
            findings += _unused(cw, ("rows", i, "map"), rule["map"], labels,
                                f"rows[{i}] ({rule['from']})")
    if result is not None:
        rejected = result.rejected
        unmapped = rejected[rejected["rule"].str.startswith("unmapped-")]
        for rule_code, group in unmapped.groupby("rule", sort=True):
            what = str(rule_code).removeprefix("unmapped-")
            reasons = group["reason"].drop_duplicates()
            refs = group.groupby("reason", sort=False)["source_ref"].first()
            for reason in reasons.head(50):
                findings.append(LintFinding("error", "unmapped-label", str(reason),
                                            where=f"{what} (first at {refs[reason]})"))
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: order[f.severity])


def _norm(label: str) -> str:
    from .mapping import normalise_label

    return normalise_label(label)


def _unused(cw: Any, path: tuple[Any, ...], mapping: Mapping[str, Any],
            labels: Iterable[str], what: str) -> list[LintFinding]:
    seen = {_norm(x) for x in labels}
    out = []
    for key in mapping:
        if str(key).strip() and _norm(str(key)) not in seen:
            out.append(LintFinding("info", "unused-map-entry",
                                   f"{what}: '{key}' does not occur in the data",
                                   where=cw.where(*path, key)))
    return out


def _regex_findings(cw: Any, dim: str, spec: Mapping[str, Any],
                    observed: set[str] | None) -> list[LintFinding]:
    rules = list(spec.get("regex", []))
    if not rules:
        return []
    samples = set(observed or ())
    samples |= {str(k) for k in spec.get("map", {})}
    for rule in rules:  # what other rules produce is a plausible label, too
        samples.add(re.sub(r"\\\d", "", str(rule.get("code", ""))))
        samples |= set(_examples(str(rule["pattern"])))
    compiled = [re.compile(str(r["pattern"])) for r in rules]
    hits = [{s for s in samples if c.search(s)} for c in compiled]
    out: list[LintFinding] = []
    for j in range(len(rules)):
        for i in range(j):
            both = hits[i] & hits[j]
            if not both:
                continue
            dated = any(k in rules[i] or k in rules[j] for k in ("valid_from", "valid_to"))
            if hits[j] and hits[j] <= hits[i] and not dated:
                out.append(LintFinding(
                    "warning", "regex-shadowed",
                    f"{dim} regex {rules[j]['pattern']!r} matches nothing that the earlier "
                    f"{rules[i]['pattern']!r} does not match already (e.g. "
                    f"{sorted(both)[0]!r}); it never applies",
                    where=cw.where("dimensions", dim, "regex", j, "pattern")))
            elif not dated:
                out.append(LintFinding(
                    "warning", "regex-overlap",
                    f"{dim} regex rules {rules[i]['pattern']!r} and {rules[j]['pattern']!r} "
                    f"both match {', '.join(repr(s) for s in sorted(both)[:3])}; the first "
                    "wins, so the second is ignored for these labels",
                    where=cw.where("dimensions", dim, "regex", j, "pattern")))
    out += _targets(cw, dim, spec, rules, compiled=compiled, samples=samples)
    return out


def _targets(cw: Any, dim: str, spec: Mapping[str, Any], rules: list[Mapping[str, Any]], *,
             compiled: list[re.Pattern[str]], samples: set[str]) -> list[LintFinding]:
    from . import vocab
    from .schema import BY_NAME

    vocabulary = BY_NAME[dim].vocabulary if dim in BY_NAME else spec.get("vocabulary")
    if not vocabulary:
        return []
    out = []
    for i, (rule, pattern) in enumerate(zip(rules, compiled, strict=True)):
        bad = set()
        for s in samples:
            m = pattern.search(s)
            if m is None:
                continue
            try:
                code = m.expand(str(rule["code"]))
            except (re.error, IndexError):
                bad.add(f"{rule['code']} (refers to a group the pattern lacks)")
                continue
            if not vocab.is_code(str(vocabulary), code):
                bad.add(code)
        if bad:
            out.append(LintFinding(
                "error", "target-not-in-vocabulary",
                f"{dim} regex {rule['pattern']!r} produces {', '.join(sorted(bad)[:3])}, not "
                f"in vocab/{vocabulary}", where=cw.where("dimensions", dim, "regex", i, "code")))
    return out


def _examples(pattern: str) -> list[str]:
    """A few strings a simple pattern matches (digits and literal text), for overlaps."""
    out = []
    simple = pattern.strip("^$")
    for digits in ("0", "15", "1990", "2020"):
        candidate = re.sub(r"\\d\{?\d*,?\d*\}?\+?|\\d", digits, simple)
        candidate = re.sub(r"[()?]", "", candidate).replace("\\", "")
        if re.search(pattern, candidate):
            out.append(candidate)
    return out
