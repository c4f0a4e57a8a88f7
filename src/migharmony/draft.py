"""``crosswalk new``: draft a crosswalk from a table, for a person to finish.

The draft is a guess, written down so that a statistician corrects it rather than
starting from a blank page:

* the **header row** is the last mostly-text row above the first block of rows
  that carry numbers; the data rows follow it;
* **columns** whose header is a year (1990, 2020) and whose cells are numbers are
  value columns spread across years: ``values.headers`` gives them ``time_period``;
  otherwise numeric columns are value columns;
* the column whose distinct values resolve best as countries or areas (with
  :mod:`migharmony.areas`, when available) becomes ``ref_area``; a column whose
  values are sex labels becomes ``sex`` (mapped through the vocabulary's aliases);
  a column of years becomes ``time_period``; other text columns are listed with
  their distinct codes and a TODO;
* identity, provenance and definitions are TODO placeholders.

Every guess carries a ``# TODO`` comment. Once the TODO codes are filled in the
draft loads with :func:`migharmony.crosswalk.load`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["draft_crosswalk"]

_YEAR = re.compile(r"^(19|20)\d\d$")
_MAX_CODES = 40


def _text(value: Any) -> str:
    from .layout import text

    return " ".join(text(value).split())


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return not math.isnan(value)
    s = _text(value).replace(",", "").replace(" ", "")
    return bool(re.fullmatch(r"[-+]?\d+(\.\d+)?", s))


def _slug(label: str, taken: set[str]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "column"
    if not slug[0].isalpha():
        slug = f"c_{slug}"
    base, n = slug, 2
    while slug in taken:
        slug, n = f"{base}_{n}", n + 1
    taken.add(slug)
    return slug


def _q(value: str) -> str:
    """A YAML-safe double-quoted scalar."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _find_header(cells: pd.DataFrame) -> tuple[int, int]:
    """(header row, first data row), 1-based."""
    rows = list(cells.index)
    filled = {r: [c for c in cells.columns if _text(cells.at[r, c])] for r in rows}
    widest = max((len(v) for v in filled.values()), default=0)
    for r in rows:
        numeric = [_text(cells.at[r, c]) for c in filled[r] if _is_number(cells.at[r, c])]
        if len(numeric) >= 2 and all(_YEAR.match(v) for v in numeric):
            continue  # a row of years is a header row
        if numeric and len(filled[r]) >= max(2, widest // 2):
            above = [x for x in rows if x < r and filled[x]]
            if above:
                return above[-1], r
            return r, r + 1  # no header: the first row is taken as one
    return rows[0], rows[0] + 1


def _area_share(values: list[str]) -> float:
    try:
        from . import areas
    except ImportError:
        return 0.0
    sample = [v for v in values if v][:200]
    if not sample:
        return 0.0
    found = areas.match(sample)
    return float(found["code"].notna().mean())


def _sex_map(values: list[str]) -> dict[str, str | None]:
    from . import vocab

    aliases = vocab.aliases("sex")
    codes = set(vocab.codes("sex"))
    out: dict[str, str | None] = {}
    for v in values:
        out[v] = v if v in codes else aliases.get(vocab.normalize(v))
    return out


def draft_crosswalk(path: str | Path, *, sheet: str | None = None,  # noqa: PLR0915
                    crosswalk_id: str | None = None) -> str:
    """The text of a draft crosswalk (YAML with TODO comments) for the table at *path*."""
    from .read import column_letter, read_grid

    grid = read_grid(path, sheet=sheet)
    cells = grid.cells
    header_row, first = _find_header(cells)
    is_csv = grid.kind == "csv"
    data = cells.loc[first:]
    cid = crosswalk_id or _slug(Path(path).stem, set()).replace("_", "-")

    taken: set[str] = set()
    columns: list[dict[str, Any]] = []
    for c in cells.columns:
        header = _text(cells.at[header_row, c]) if header_row in cells.index else ""
        values = [_text(v) for v in data[c].tolist()]
        present = [v for v in values if v]
        if not header and not present:
            continue
        numeric = sum(_is_number(v) for v in present) / max(1, len(present))
        distinct = list(dict.fromkeys(present))
        columns.append({"index": int(c), "letter": column_letter(int(c)), "header": header,
                        "numeric": numeric >= 0.8, "distinct": distinct,
                        "year_header": bool(_YEAR.match(header))})

    year_cols = [col for col in columns if col["year_header"] and col["numeric"]]
    label_cols = [col for col in columns if col not in year_cols]
    roles: dict[int, str] = {}
    # the area column: the best-resolving column of labels or codes
    best, share = None, 0.0
    for col in label_cols:
        if col["distinct"] and not all(_YEAR.match(v) for v in col["distinct"]):
            s = _area_share(col["distinct"])
            if s > share:
                best, share = col, s
    if best is not None and share >= 0.5:
        roles[best["index"]] = "ref_area"
    for col in label_cols:
        if col["index"] in roles:
            continue
        if col["distinct"] and all(_YEAR.match(v) for v in col["distinct"]):
            roles[col["index"]] = "time_period"
        elif col["distinct"] and not col["numeric"] and \
                sum(v is not None for v in _sex_map(col["distinct"]).values()) \
                >= max(1, len(col["distinct"]) // 2):
            roles[col["index"]] = "sex"
    value_cols = year_cols or [col for col in label_cols
                               if col["numeric"] and col["index"] not in roles]

    lines = [
        f"# Draft crosswalk for {Path(path).name}, written by `migharmony crosswalk new`.",
        "# Every guess is marked TODO: check it, fill it in, then run",
        f"#   migharmony crosswalk lint {cid}.yaml --data {Path(path).name}",
        "# Format reference: docs/crosswalk-format.md",
        "migharmony: crosswalk/1",
        f"id: {cid}",
        'version: "0.1.0"',
        f"title: {_q('TODO: what the table shows')}",
        "",
        "source:",
        f"  producer: {_q('TODO: who publishes the table')}",
        f"  licence: {_q('TODO: the licence, e.g. CC BY 4.0')}",
        f"  files: [{_q(Path(path).name)}]",
        "",
        "definitions:",
        "  measure: STOCK     # TODO: STOCK, INFLOW, OUTFLOW... (migharmony vocab measure)",
        "  migr_basis: COB    # TODO: COB (born abroad) or CIT (foreign citizens)",
        "",
        "read:",
        f"  format: {grid.kind}",
    ]
    if grid.sheet is not None:
        lines.append(f"  sheet: {_q(grid.sheet)}")
    lines += [f"  header_rows: [{header_row}]      # TODO: check (the row of column headings)",
              f"  first_row: {first}", ""]

    lines.append("columns:")
    names: dict[int, str] = {}
    for col in label_cols:
        if col in value_cols:
            continue
        key = col["header"] if is_csv else col["letter"]
        if not key:
            continue
        name = _slug(roles.get(col["index"], col["header"] or col["letter"]), taken)
        names[col["index"]] = name
        shown = ", ".join(col["distinct"][:5])
        lines.append(f"  {_q(key)}: {name}    # {col['header'] or col['letter']}: {shown}"[:160])
    lines.append("")
    lines.append("values:")
    if year_cols:
        first_l, last_l = year_cols[0]["letter"], year_cols[-1]["letter"]
        contiguous = [c["index"] for c in year_cols] == list(
            range(year_cols[0]["index"], year_cols[-1]["index"] + 1))
        if contiguous and not is_csv:
            lines.append(f"  columns: {first_l}:{last_l}    # years spread across columns")
        else:
            keys = [c["header"] if is_csv else c["letter"] for c in year_cols]
            lines.append(f"  columns: [{', '.join(_q(k) for k in keys)}]")
        lines += ["  headers:", f"    {header_row}: time_period"]
    elif value_cols:
        keys = [c["header"] if is_csv else c["letter"] for c in value_cols]
        lines.append(f"  columns: [{', '.join(_q(k) for k in keys)}]    # TODO: check")
    else:
        lines.append('  columns: [TODO]    # TODO: no column of numbers found; name it')
    lines += ["", "dimensions:"]

    period_done = bool(year_cols)
    for col in label_cols:
        role = roles.get(col["index"])
        col_name = names.get(col["index"])
        if role is None or col_name is None:
            continue
        if role == "ref_area":
            lines += ["  ref_area:", f"    from: {col_name}",
                      "    areas: {scheme: auto}    # TODO: iso3, iso2, m49 or name if "
                      "the column holds only one kind"]
        elif role == "time_period" and not period_done:
            lines += ["  time_period:", f"    from: {col_name}", "    regex:",
                      "      - {pattern: '^((19|20)\\d\\d)$', code: '\\1'}"]
            period_done = True
        elif role == "sex":
            lines += ["  sex:", f"    from: {col_name}", "    map:"]
            for label, code in _sex_map(col["distinct"]).items():
                lines.append(f"      {_q(label)}: {code if code else 'TODO'}"
                             + ("" if code else "    # TODO: F, M, _T... (migharmony vocab sex)"))
    if year_cols:
        lines += ["  time_period:", "    regex:",
                  "      - {pattern: '^((19|20)\\d\\d)$', code: '\\1'}"]
    if "ref_area" not in roles.values():
        lines += ["  ref_area:    # TODO: no column resolved as areas; name the one that holds "
                  "them", "    value: TODO"]
    others = [c for c in label_cols if c["index"] in names and c["index"] not in roles]
    if others:
        lines += ["", "# TODO: these columns are read but not used yet. Map each to a dimension",
                  "# (dimensions: <dim>: {from: <name>, map: {...}}), use it in a `rows:` rule,",
                  "# or delete it from `columns`. Their distinct values:"]
        for col in others:
            codes = col["distinct"][:_MAX_CODES]
            more = f" (+{len(col['distinct']) - _MAX_CODES} more)" \
                if len(col["distinct"]) > _MAX_CODES else ""
            lines.append(f"#   {names[col['index']]}: {', '.join(codes)}{more}"[:400])
    lines += ["", "symbols:", '  "..": {obs_status: M, caveats: [not-available]}    '
              "# TODO: the table's own missing-value symbols", ""]
    return "\n".join(lines)
