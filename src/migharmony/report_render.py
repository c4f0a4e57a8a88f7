"""Render a validation :class:`~migharmony.report.Report` as text or as one HTML page.

The HTML page is self-contained: inline CSS and JavaScript, no fonts, images or
scripts from the network (a Content-Security-Policy forbids them), so it can be
mailed to a data owner and opened offline. Summary first, then the problems
grouped by rule, with a search box that filters the rows.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .report import Finding, Report

__all__ = ["render_html", "render_text"]

_LABEL = {"error": "ERROR", "warning": "WARNING", "info": "NOTE"}


def render_text(report: Report, *, verbose: bool = False, limit: int = 50) -> str:
    """A plain-text report: a headline, then errors and warnings one by one; notes are
    counted by rule unless *verbose*."""
    s = report.summary()
    lines = [f"migharmony validate: {report.headline()}",
             f"  file      : {report.file}",
             f"  crosswalk : {report.crosswalk.get('id')} {report.crosswalk.get('version', '')}"
             .rstrip()]
    if s["cells"]:
        lines.append(f"  cells     : {s['cells']:,} data cells, {s['observations']:,} "
                     f"harmonized, {s['rejected_cells']:,} not harmonized")
    for severity in ("error", "warning"):
        items = report.by_severity(severity)
        if not items:
            continue
        lines.append("")
        lines.append(f"{_LABEL[severity]}S ({len(items):,})")
        for f in items[:limit if not verbose else None]:
            lines.extend(_text_finding(f))
        if not verbose and len(items) > limit:
            lines.append(f"  ... and {len(items) - limit:,} more (use --verbose, or "
                         "--format json/html)")
    notes = report.notes
    if notes:
        lines.append("")
        lines.append(f"NOTES ({len(notes):,}): cells set aside on purpose by the crosswalk")
        if verbose:
            for f in notes:
                lines.extend(_text_finding(f))
        else:
            counts: dict[str, int] = {}
            for f in notes:
                counts[f.rule] = counts.get(f.rule, 0) + f.cells
            for rule, n in counts.items():
                lines.append(f"  {rule}: {n:,} cells (--verbose lists them)")
    return "\n".join(lines)


def _text_finding(f: Finding) -> list[str]:
    where = f.location.describe()
    out = [f"  {where}  [{f.rule}]  {f.message}"]
    details = []
    if f.value not in (None, ""):
        details.append(f"found {f.value!r}")
    if f.expected and f.severity != "info":
        details.append(f"expected {f.expected}")
    if details:
        out.append("      " + "; ".join(details))
    if len(f.affected) > 1:
        out.append(f"      affects {len(f.affected):,} cells: {_span(f.affected)}")
    if f.severity != "info":
        out.append(f"      fix: {f.fix}")
    return out


def _span(refs: list[str], show: int = 4) -> str:
    if len(refs) <= show:
        return ", ".join(refs)
    return f"{', '.join(refs[:show])}, ... {refs[-1]}"


_CSS = """
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{padding:20px 28px;color:#fff}header.fail{background:#b3261e}header.pass{background:#1e7b34}
header h1{margin:0 0 4px;font-size:24px}header p{margin:2px 0;opacity:.92}
main{padding:18px 28px;max-width:1280px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:6px 0 18px}
.card{background:#fff;border-radius:8px;padding:10px 16px;min-width:150px;
box-shadow:0 1px 2px rgba(0,0,0,.12)}.card b{display:block;font-size:26px}
.card.error b{color:#b3261e}.card.warning b{color:#a15c00}.card.info b{color:#1f5fa8}
input[type=search]{width:100%;max-width:520px;padding:8px 10px;font-size:15px;
border:1px solid #aab;border-radius:6px;margin:6px 0 14px}
details{background:#fff;border-radius:8px;margin:10px 0;box-shadow:0 1px 2px rgba(0,0,0,.12)}
summary{cursor:pointer;padding:10px 14px;font-weight:600}
summary .sev{display:inline-block;font-size:12px;padding:1px 7px;border-radius:10px;
margin-right:8px;color:#fff;vertical-align:1px}
.sev.error{background:#b3261e}.sev.warning{background:#a15c00}.sev.info{background:#1f5fa8}
.rule{font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:400;color:#555;
margin-left:6px}.help{padding:0 14px 6px;color:#444;margin:0}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 10px;border-top:1px solid #e3e5e8;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.where{font-family:ui-monospace,Menlo,Consolas,
monospace;white-space:nowrap}td.val{font-family:ui-monospace,Menlo,Consolas,monospace}
.muted{color:#666;font-size:13px}#none{display:none;color:#666}
footer{padding:8px 28px 28px;color:#666;font-size:13px}
"""

_JS = """
(function(){var q=document.getElementById('q');if(!q)return;
q.addEventListener('input',function(){var t=q.value.toLowerCase().trim(),shown=0;
document.querySelectorAll('tr.p').forEach(function(r){var ok=!t||
r.textContent.toLowerCase().indexOf(t)>=0;r.style.display=ok?'':'none';if(ok)shown++;});
document.querySelectorAll('details.g').forEach(function(d){var n=d.querySelectorAll(
'tr.p:not([style*="none"])').length;d.style.display=n?'':'none';if(t&&n)d.open=true;
d.querySelector('.n').textContent=n;});
document.getElementById('none').style.display=shown?'none':'block';});})();
"""


def render_html(report: Report) -> str:
    """One self-contained HTML page."""
    e = html.escape
    s = report.summary()
    status = report.status
    title = f"Validation report: {report.file}"
    head = (f"<header class='{status}'><h1>{e(report.headline())}</h1>"
            f"<p>File <b>{e(report.file)}</b> checked against crosswalk "
            f"<b>{e(str(report.crosswalk.get('id')))}</b> "
            f"{e(str(report.crosswalk.get('version', '')))}</p>"
            + (f"<p>{e(str(report.metadata.get('title')))}</p>"
               if report.metadata.get("title") else "")
            + "</header>")
    verdict = ("Errors must be fixed before the submission can be accepted."
               if status == "fail" else
               "No errors: the submission can be accepted. Warnings and notes, if any, "
               "are worth a look but do not block it.")
    cards = "".join(
        f"<div class='card {cls}'><b>{n:,}</b>{e(label)}</div>" for cls, n, label in (
            ("error", s["errors"], "errors"), ("warning", s["warnings"], "warnings"),
            ("info", s["info"], "notes (set aside on purpose)"),
            ("", s["cells"], "data cells read"),
            ("", s["observations"], "values harmonized")))
    groups = []
    for rule, items in report.by_rule().items():
        first = items[0]
        rows = "".join(_html_row(f) for f in items)
        groups.append(
            f"<details class='g' {'open' if first.severity != 'info' else ''}>"
            f"<summary><span class='sev {first.severity}'>{_LABEL[first.severity]}</span>"
            f"{e(first.title)}<span class='rule'>{e(rule)}</span> "
            f"(<span class='n'>{len(items)}</span>)</summary>"
            f"<p class='help'>Expected: {e(first.expected)}</p>"
            "<table><thead><tr><th>Where</th><th>Found</th><th>Problem</th>"
            f"<th>How to fix</th></tr></thead><tbody>{rows}</tbody></table></details>")
    body = "".join(groups) or "<p>No problems found.</p>"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>{head}<main>"
        f"<section id='summary'><h2>Summary</h2><p>{e(verdict)}</p>"
        f"<div class='cards'>{cards}</div></section>"
        "<section id='problems'><h2>Problems by rule</h2>"
        "<input type='search' id='q' placeholder='Search: a cell (H81), a rule, a value…' "
        "aria-label='Search the problems'>"
        f"<p id='none'>No problem matches the search.</p>{body}</section></main>"
        f"<footer>migharmony {e(report.migharmony_version)} · report "
        f"{e(report.to_dict()['report'])} · generated {e(report.generated_at)}</footer>"
        f"<script>{_JS}</script></body></html>")


def _html_row(f: Finding) -> str:
    e = html.escape
    where = e(f.location.describe())
    more = (f"<div class='muted'>affects {len(f.affected):,} cells: {e(_span(f.affected))}</div>"
            if len(f.affected) > 1 else "")
    fix = f.fix
    return (f"<tr class='p' id='{e(f.id)}'><td class='where'>{where}</td>"
            f"<td class='val'>{e(f.value or '')}</td><td>{e(f.message)}{more}</td>"
            f"<td>{e(fix)}</td></tr>")
