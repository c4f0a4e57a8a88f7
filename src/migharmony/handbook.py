"""The data handbook: one page per crosswalk, in words a policy officer reads.

``write_handbook(directory, crosswalks=None)`` writes, for every shipped crosswalk
(or the ones given), ``<id>.md`` and ``<id>.html`` with the producer, edition and
licence, the definitions (measure, who counts as a migrant, residence rule,
reference date, source type) with their vocabulary labels, the coverage and its
exclusions, and every caveat the crosswalk can attach (title and text from the
vocabulary), plus ``index.md`` and ``index.html``. HTML pages are self-contained.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["crosswalk_page", "write_handbook"]

_DEFINITIONS = [("measure", "Measure"), ("migr_basis", "Who counts as a migrant"),
                ("residence_rule", "Residence rule"), ("source_type", "Kind of source"),
                ("ref_date_type", "Reference date"), ("unit_measure", "Unit")]


def _label(dimension: str, code: Any) -> str:
    from . import vocab
    from .errors import MigharmonyError

    try:
        return f"{vocab.label(dimension, str(code))} (`{code}`)"
    except MigharmonyError:  # a code outside the vocabulary is shown as it is
        return f"`{code}`"


def _caveat_codes(cw: Any) -> list[str]:
    codes: list[str] = [c["code"] for c in cw.data.get("caveats", [])]
    for rule in cw.data.get("rows", []):
        for setting in rule["map"].values():
            codes += list((setting or {}).get("caveats", []))
    for section in ("symbols", "flags"):
        for setting in cw.section(section).values():
            codes += list((setting or {}).get("caveats", []))
    if cw.section("notes"):
        codes.append(cw.section("notes").get("caveat", "source-note"))
    if cw.data.get("corrections"):
        codes.append("corrected")
    return list(dict.fromkeys(c.split("[", 1)[0] for c in codes))


def _clean(text: Any) -> str:
    return " ".join(str(text).split())


def crosswalk_page(crosswalk: Any) -> tuple[str, str]:
    """(id, Markdown page) for one crosswalk."""
    from . import vocab
    from .crosswalk import load

    cw = load(crosswalk)
    src, defs = cw.source, cw.definitions
    lines = [f"# {_clean(cw.data.get('title', cw.id))}", ""]
    if cw.data.get("description"):
        lines += [_clean(cw.data["description"]), ""]
    lines += ["## Source", "",
              f"- **Producer:** {_clean(src.get('producer', ''))}"]
    for key, title in (("title", "Title"), ("edition", "Edition"), ("document", "Document"),
                       ("published", "Published")):
        if src.get(key):
            lines.append(f"- **{title}:** {_clean(src[key])}")
    licence = _clean(src.get("licence", ""))
    if src.get("licence_url"):
        licence = f"[{licence}]({src['licence_url']})"
    lines.append(f"- **Licence:** {licence}")
    if src.get("url"):
        lines.append(f"- **Where to get it:** <{src['url']}>")
    if src.get("citation"):
        lines.append(f"- **How to cite:** {_clean(src['citation'])}")
    lines += ["", "## Definitions", ""]
    for key, title in _DEFINITIONS:
        if key in defs:
            lines.append(f"- **{title}:** {_label(key, defs[key])}")
    if defs.get("reference_date"):
        lines.append(f"- **Reference date, in words:** {_clean(defs['reference_date'])}")
    if defs.get("migrant"):
        lines.append(f"- **Migrant, as the source defines it:** {_clean(defs['migrant'])}")
    if "unit_mult" in defs and int(defs["unit_mult"]):
        lines.append(f"- **Values are in units of 10^{int(defs['unit_mult'])}**")
    basis_rows = [(label, s) for rule in cw.data.get("rows", [])
                  for label, s in rule["map"].items() if (s or {}).get("migr_basis")]
    if basis_rows:
        lines.append("- **Basis set row by row:** " + "; ".join(
            f"'{label}' → {_label('migr_basis', s['migr_basis'])}" for label, s in basis_rows))
    lines += ["", "## Coverage", "", _clean(defs.get("coverage", "Not stated."))]
    if defs.get("exclusions"):
        lines += ["", "Exclusions:", ""] + [f"- {_clean(x)}" for x in defs["exclusions"]]
    excluded = cw.data.get("exclude_rows", [])
    if excluded:
        lines += ["", "Rows set aside when harmonizing (never summed with their parts):", ""]
        lines += [f"- {_clean(x['reason'])}" for x in excluded]
    lines += ["", "## Caveats", "",
              "Caveats this source can attach to its figures (whole table or row by row):", ""]
    for code in _caveat_codes(cw):
        if vocab.is_code("caveat", code):
            lines.append(f"- **{vocab.label('caveat', code)}** (`{code}`): "
                         f"{_clean(vocab.definition('caveat', code))}")
        else:
            lines.append(f"- `{code}`")
    for c in cw.data.get("caveats", []):
        if c.get("message"):
            lines.append(f"- Whole table, `{c['code']}`: {_clean(c['message'])}")
    lines += ["", "## Crosswalk", "",
              f"- Id `{cw.id}`, version {cw.version or 'not stated'}, file `{cw.name}`",
              f"- Harmonize: `migharmony harmonize FILE -c {cw.id} -o out.parquet`",
              f"- Validate a submission: `migharmony validate FILE -c {cw.id}`", ""]
    return cw.id, "\n".join(lines)


def write_handbook(directory: str | Path,
                   crosswalks: Iterable[Any] | None = None) -> list[Path]:
    """Write the handbook pages and the index into *directory*; return the pages."""
    from . import crosswalks as shipped
    from .crosswalk import load
    from .emit import atomic_path

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    chosen = list(crosswalks) if crosswalks else shipped.list()
    pages: list[Path] = []
    index = ["# migharmony data handbook", "",
             "One page per source: who produces it, what it counts, its coverage, its "
             "caveats and its licence.", "", "| Source | Producer | Licence |",
             "|---|---|---|"]
    for item in chosen:
        cw = load(item)
        cid, text = crosswalk_page(cw)
        for suffix, body in ((".md", text), (".html", _html(text, cid))):
            with atomic_path(out / f"{cid}{suffix}") as tmp:
                tmp.write_text(body, encoding="utf-8")
        pages.append(out / f"{cid}.md")
        index.append(f"| [{_clean(cw.data.get('title', cid))}]({cid}.md) | "
                     f"{_clean(cw.source.get('producer', ''))} | "
                     f"{_clean(cw.source.get('licence', ''))} |")
    index_text = "\n".join(index) + "\n"
    with atomic_path(out / "index.md") as tmp:
        tmp.write_text(index_text, encoding="utf-8")
    with atomic_path(out / "index.html") as tmp:
        tmp.write_text(_html(index_text.replace(".md)", ".html)"), "migharmony data handbook"),
                       encoding="utf-8")
    return pages


def _inline(text: str) -> str:
    """Markdown inline markup (bold, code, links) to HTML, escaping everything else."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)",
                 lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>', out)
    out = re.sub(r"&lt;(https?://[^&\s]+)&gt;", r'<a href="\1">\1</a>', out)
    return out


def _html(markdown: str, title: str) -> str:
    """The small subset of Markdown the pages use, as one self-contained HTML page."""
    body: list[str] = []
    in_list = in_table = False
    for line in markdown.splitlines():
        if in_list and not line.startswith("- "):
            body.append("</ul>")
            in_list = False
        if in_table and not line.startswith("|"):
            body.append("</table>")
            in_table = False
        if line.startswith("# "):
            body.append(f"<h1>{_inline(line[2:])}</h1>")
        elif line.startswith("## "):
            body.append(f"<h2>{_inline(line[3:])}</h2>")
        elif line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{_inline(line[2:])}</li>")
        elif line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if set("".join(cells)) <= {"-"}:
                continue
            tag = "th" if not in_table else "td"
            if not in_table:
                body.append("<table>")
                in_table = True
            body.append("<tr>" + "".join(f"<{tag}>{_inline(c)}</{tag}>" for c in cells)
                        + "</tr>")
        elif line.strip():
            body.append(f"<p>{_inline(line)}</p>")
    if in_list:
        body.append("</ul>")
    if in_table:
        body.append("</table>")
    css = ("body{font:16px/1.5 system-ui,sans-serif;max-width:860px;margin:2em auto;"
           "padding:0 1em;color:#1d2430}code{background:#f0f2f5;padding:0 3px}"
           "table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:4px 8px}")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{css}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")
