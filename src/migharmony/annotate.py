"""Write the problems of a validation report back into a copy of the submitted workbook.

Every cell a report names (errors and warnings by default) gets a fill colour
(red for errors, amber for warnings, blue for notes) and a comment saying what is
wrong, what was expected and how to fix it. No other cell is touched: values,
formulas and styles of every other cell stay as they were; the submitted file
itself is never modified (the copy is written atomically to a new path).

Only ``.xlsx``/``.xlsm`` workbooks can be annotated; for a CSV file the HTML or
JSON report names rows and columns instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import MigharmonyError

if TYPE_CHECKING:  # pragma: no cover
    from .report import Finding, Report

__all__ = ["AnnotateError", "annotate", "check_annotatable"]

FILLS = {"error": "FFF4B6B2", "warning": "FFFFD98A", "info": "FFBFD9F2"}
AUTHOR = "migharmony"


class AnnotateError(MigharmonyError, ValueError):
    """The source cannot be annotated (not an xlsx workbook)."""


def check_annotatable(source: str | Path) -> None:
    """Raise :class:`AnnotateError` with a clear message unless *source* is an xlsx file."""
    path = Path(source)
    head = path.read_bytes()[:4] if path.is_file() else b""
    if path.suffix.lower() not in (".xlsx", ".xlsm") and not head.startswith(b"PK\x03\x04"):
        raise AnnotateError(
            f"--annotate writes a copy of an .xlsx workbook with the problem cells marked; "
            f"{path.name} is not one. For a CSV or .xls file, use --format html or json: "
            "the report names each problem's row and column.")


def annotate(report: Report, source: str | Path, output: str | Path,
             severities: Iterable[str] = ("error", "warning")) -> tuple[Path, int]:
    """Copy *source* to *output* with the cells of *report*'s findings marked.

    Returns the path written and the number of cells annotated.
    """
    import warnings

    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    from .emit import atomic_path
    from .report import SEVERITIES, findings_at

    check_annotatable(source)
    if Path(output).resolve() == Path(source).resolve():
        raise AnnotateError("--annotate must write a new file, not over the submitted workbook")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(source, keep_vba=str(source).lower().endswith(".xlsm"))
    default_sheet = report.metadata.get("sheet") or book.sheetnames[0]
    marked = 0
    for (sheet, cell_ref), findings in findings_at(report, severities).items():
        name = sheet or default_sheet
        if name not in book.sheetnames:
            continue
        ws = book[name]
        cell = ws[cell_ref]
        if type(cell).__name__ == "MergedCell":  # a merged area: mark its top-left cell
            for rng in ws.merged_cells.ranges:
                if cell_ref in rng:
                    cell = ws.cell(rng.min_row, rng.min_col)
                    break
        worst = min((f.severity for f in findings), key=SEVERITIES.index)
        cell.fill = PatternFill(fill_type="solid", start_color=FILLS[worst],
                                end_color=FILLS[worst])
        text = _comment_text(findings)
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n\n{text}"
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 360, min(60 + 18 * text.count("\n") + len(text) // 3,
                                                 400)
        cell.comment = comment
        marked += 1
    with atomic_path(output) as tmp:
        book.save(tmp)
    return Path(output), marked


def _comment_text(findings: list[Finding]) -> str:
    parts = []
    for f in findings:
        lines = [f"{f.severity.upper()} [{f.rule}] {f.message}"]
        if f.expected and f.severity != "info":
            lines.append(f"Expected: {f.expected}")
        lines.append(f"Fix: {f.fix}")
        if len(f.affected) > 1:
            lines.append(f"This blocks {len(f.affected)} value cells in the table.")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
