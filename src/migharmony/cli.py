"""The ``migharmony`` command (also ``python -m migharmony``).

Exit codes: 0 no errors (warnings and notes alone do not fail), 1 errors found in
the data, 2 usage or crosswalk error. Quiet by default: a command prints its
result and nothing else; ``--verbose`` says more, ``--quiet`` says nothing but
errors. A progress indicator appears on long work only when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2

_EXIT_HELP = ("exit codes: 0 no errors (warnings and notes alone do not fail), "
              "1 errors found in the data, 2 usage or crosswalk error")


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines) + f"\n\n{_EXIT_HELP}"


def _common(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    default: Any = False if top else argparse.SUPPRESS
    group = p.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", default=default,
                       help="print nothing but errors; rely on the exit code and output files")
    group.add_argument("-v", "--verbose", action="store_true", default=default,
                       help="say more (every note, every step)")


def _sub(sub: Any, name: str, help_text: str, description: str, *examples: str
         ) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        name, help=help_text, description=description, formatter_class=_Formatter,
        epilog=_examples(*examples))
    _common(p)
    return p


def _crosswalk_arg(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--crosswalk", "-c", required=required, metavar="ID|PATH",
                   help="a shipped crosswalk id (see `migharmony crosswalk list`) or the path "
                        "of a crosswalk YAML file")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migharmony", formatter_class=_Formatter,
        description="Make migration statistics from different countries comparable: "
                    "validate a submission, harmonize a table, draft and check crosswalks.",
        epilog=_examples(
            "migharmony validate submission.xlsx -c undesa-ims-2020-t1 --format html "
            "-o report.html",
            "migharmony validate submission.xlsx -c my-crosswalk.yaml --annotate marked.xlsx",
            "migharmony harmonize t1.xlsx -c undesa-ims-2020-t1 -o stock.parquet",
            "migharmony template -c nso-stock-template -o template.xlsx",
            "migharmony crosswalk new table.csv -o draft.yaml",
            "migharmony vocab sex"))
    parser.add_argument("--version", action="version", version=f"migharmony {_version()}")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    v = _sub(sub, "validate", "check a submission and report every problem by cell",
             "Check FILE against a crosswalk and report every problem in one run: severity "
             "(error, warning, info), rule code, the cell (sheet!cell, or row and column for "
             "CSV), the value found, what was expected and how to fix it.\n\n"
             "Errors fail the check (exit 1). Warnings (e.g. an empty value cell) and notes "
             "(cells the crosswalk sets aside on purpose, such as regional totals) do not.",
             "migharmony validate t1.xlsx -c undesa-ims-2020-t1",
             "migharmony validate t1.xlsx -c undesa-ims-2020-t1 --format json -o report.json",
             "migharmony validate t1.xlsx -c undesa-ims-2020-t1 -o report.html",
             "migharmony validate t1.xlsx -c undesa-ims-2020-t1 --annotate t1-marked.xlsx")
    v.add_argument("file", help="the submitted table (.xlsx, .xls or .csv)")
    _crosswalk_arg(v)
    v.add_argument("--format", "-f", choices=["text", "json", "html"],
                   help="report format (default: from --output's suffix, else text)")
    v.add_argument("--output", "-o", metavar="REPORT",
                   help="write the report to this file instead of standard output")
    v.add_argument("--annotate", metavar="OUT.xlsx",
                   help="also write a copy of the workbook with each problem cell highlighted "
                        "and commented (xlsx only; the submitted file is not changed)")
    v.add_argument("--annotate-notes", action="store_true",
                   help="with --annotate, also mark cells set aside on purpose (notes)")

    h = _sub(sub, "harmonize", "harmonize a table with a crosswalk",
             "Turn FILE into the canonical tidy table. The output format follows the suffix: "
             ".parquet (metadata embedded), .csv (with datapackage.json), .sdmx.csv, .xlsx.",
             "migharmony harmonize t1.xlsx -c undesa-ims-2020-t1 -o stock.parquet",
             "migharmony harmonize t1.xlsx -c my.yaml -o stock.csv --rejected rejected.csv",
             "migharmony harmonize t1.xlsx -c undesa-ims-2020-t1   # summary and first rows",
             "migharmony harmonize census.csv -c my.yaml --batches 1000000 -o census/")
    h.add_argument("file", help="the source table")
    _crosswalk_arg(h)
    h.add_argument("--output", "-o", help="write to .parquet, .csv (with datapackage.json), "
                   ".sdmx.csv or .xlsx; without it, print a summary and the first rows")
    h.add_argument("--rejected", metavar="CSV", help="also write the rejected cells to this CSV")
    h.add_argument("--batches", metavar="ROWS", type=_positive,
                   help="for tables larger than memory (CSV or Parquet): read ROWS source rows "
                        "at a time and write a Parquet dataset into the empty folder --output "
                        "(data/ and rejected/ parts, metadata.json)")

    g = _sub(sub, "gaps", "show which breakdowns a table has, and which are missing",
             "The disaggregation-gap matrix of a harmonized table (needs migharmony.gaps).",
             "migharmony gaps t1.xlsx -c undesa-ims-2020-t1",
             "migharmony gaps t1.xlsx -c undesa-ims-2020-t1 -o gaps.csv")
    g.add_argument("file")
    _crosswalk_arg(g)
    g.add_argument("--output", "-o", help="write the matrix as CSV")

    c = sub.add_parser("crosswalk", help="list, show, check or draft crosswalks",
                       description="Work with crosswalks.", formatter_class=_Formatter,
                       epilog=_examples("migharmony crosswalk list",
                                        "migharmony crosswalk show undesa-ims-2020-t1",
                                        "migharmony crosswalk lint my.yaml --data table.xlsx",
                                        "migharmony crosswalk new table.csv -o draft.yaml"))
    _common(c)
    csub = c.add_subparsers(dest="action", metavar="ACTION")
    _sub(csub, "list", "list the shipped crosswalks", "List the shipped crosswalks.",
         "migharmony crosswalk list", "migharmony crosswalk list --verbose")
    cs = _sub(csub, "show", "print a crosswalk's YAML", "Print a crosswalk's YAML.",
              "migharmony crosswalk show undesa-ims-2020-t1")
    cs.add_argument("id", metavar="ID|PATH")
    cl = _sub(csub, "lint", "find unused, overlapping and unknown rules",
              "Check a crosswalk beyond loading: regex rules that overlap or shadow each other, "
              "target codes missing from the vocabulary, and, given a data file, map entries no "
              "label uses and labels no rule maps. Exit 1 if there are errors.",
              "migharmony crosswalk lint undesa-ims-2020-t1",
              "migharmony crosswalk lint my.yaml --data table.xlsx --format json")
    cl.add_argument("id", metavar="ID|PATH")
    cl.add_argument("--data", metavar="FILE", help="a table the crosswalk should read")
    cl.add_argument("--format", "-f", choices=["text", "json"], default="text")
    cn = _sub(csub, "new", "draft a crosswalk from a table",
              "Draft a crosswalk from FILE: header rows, columns, distinct codes, a guess of "
              "the area column and of years spread across columns, with TODO comments for "
              "a person to finish.",
              "migharmony crosswalk new table.csv -o draft.yaml",
              "migharmony crosswalk new book.xlsx --sheet 'Table 1' -o draft.yaml")
    cn.add_argument("file")
    cn.add_argument("--output", "-o", help="write the draft here (default: standard output)")
    cn.add_argument("--sheet", help="the sheet of a workbook (default: the first visible)")
    cn.add_argument("--id", dest="draft_id", help="the id of the new crosswalk")

    vo = _sub(sub, "vocab", "show the vocabulary (all dimensions, or one)",
              "Show the shared vocabulary: the dimensions, or the codes of one.",
              "migharmony vocab", "migharmony vocab sex --lang fr", "migharmony vocab caveat")
    vo.add_argument("dimension", nargs="?")
    vo.add_argument("--lang", default="en", choices=["en", "fr", "es", "pt"])

    t = _sub(sub, "template", "write an xlsx submission template for a crosswalk",
             "Write a workbook an office fills in: the layout the crosswalk expects, drop-down "
             "lists of valid codes and an instructions sheet. A filled template validates "
             "with the same crosswalk.",
             "migharmony template -c nso-stock-template -o stock-template.xlsx")
    _crosswalk_arg(t)
    t.add_argument("--output", "-o", required=True, metavar="TEMPLATE.xlsx")
    t.add_argument("--rows", type=int, default=500, help="rows with drop-downs (default 500)")

    hb = _sub(sub, "handbook", "write the data handbook (a page per crosswalk)",
              "Write one Markdown and one HTML page per crosswalk (producer, definitions, "
              "coverage, caveats, licence) plus an index.",
              "migharmony handbook -o handbook/",
              "migharmony handbook -o handbook/ -c my.yaml -c undesa-ims-2020-t1")
    hb.add_argument("--output", "-o", required=True, metavar="DIR")
    hb.add_argument("--crosswalk", "-c", action="append", metavar="ID|PATH",
                    help="a crosswalk to include (repeatable; default: every shipped one)")
    return parser


def _version() -> str:
    from . import __version__

    return __version__


# -- helpers ---------------------------------------------------------------------------

def _say(args: argparse.Namespace, *lines: str) -> None:
    if not getattr(args, "quiet", False):
        for line in lines:
            print(line)


def _note(args: argparse.Namespace, text: str) -> None:
    """A side remark on stderr, only with --verbose."""
    if getattr(args, "verbose", False):
        print(text, file=sys.stderr)


@contextlib.contextmanager
def _progress(args: argparse.Namespace, label: str) -> Iterator[None]:
    """A spinner on stderr while long work runs, only when stderr is a terminal."""
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        yield
        return
    stop = threading.Event()

    def spin() -> None:
        frames = "|/-\\"
        i = 0
        while not stop.wait(0.12):
            sys.stderr.write(f"\r{frames[i % 4]} {label}")
            sys.stderr.flush()
            i += 1
        sys.stderr.write("\r" + " " * (len(label) + 2) + "\r")
        sys.stderr.flush()

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _write_result(result: Any, output: str) -> str:
    lower = output.lower()
    if lower.endswith(".parquet"):
        return str(result.to_parquet(output))
    if lower.endswith(".sdmx.csv"):
        return str(result.to_sdmx_csv(output))
    if lower.endswith(".csv"):
        return str(result.to_csv(output))
    if lower.endswith(".xlsx"):
        return str(result.to_excel(output))
    raise _UsageError(f"cannot tell the format of {output}; use .parquet, .csv, .sdmx.csv "
                      "or .xlsx")


class _UsageError(Exception):
    """A mistake in how the command was called (exit 2)."""


# -- commands ----------------------------------------------------------------------------

def _validate(args: argparse.Namespace) -> int:
    from .report import validate

    fmt = args.format
    if fmt is None and args.output:
        suffix = Path(args.output).suffix.lower()
        fmt = {".json": "json", ".html": "html", ".htm": "html"}.get(suffix, "text")
    fmt = fmt or "text"
    if args.annotate:
        from .annotate import check_annotatable

        check_annotatable(args.file)
    with _progress(args, f"validating {Path(args.file).name}"):
        report = validate(args.file, args.crosswalk)
    if args.output:
        report.write(args.output, fmt)
        _say(args, f"{report.headline()}; report written to {args.output}")
    elif not args.quiet:
        body = {"json": report.to_json, "html": report.to_html}.get(
            fmt, lambda: report.to_text(verbose=args.verbose))()
        print(body)
    if args.annotate:
        from .annotate import annotate

        levels = ("error", "warning", "info") if args.annotate_notes else ("error", "warning")
        path, n = annotate(report, args.file, args.annotate, levels)
        message = f"marked {n:,} cell(s) in {path}"
        if args.output or fmt == "text":
            _say(args, message)
        else:  # keep stdout a clean JSON/HTML document
            _note(args, message)
    return report.exit_code


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of rows, at least 1, "
                                         f"not {text!r}")
    return number


def _harmonize_batches(args: argparse.Namespace) -> int:
    from .batches import _holds_parts, harmonize_batches, read_dataset

    if not args.output or Path(args.output).suffix.lower() in (".parquet", ".csv", ".xlsx"):
        raise _UsageError("--batches writes a Parquet dataset into a folder: give the folder "
                          "with --output (e.g. -o census/)")
    if (folder := _holds_parts(args.output)) is not None:
        raise _UsageError(f"{folder} already holds parts; give an empty output folder")
    with _progress(args, f"harmonizing {Path(args.file).name} in batches of "
                         f"{args.batches:,} rows"):
        summary = harmonize_batches(args.file, args.crosswalk, args.output,
                                    batch_rows=args.batches)
    _say(args, f"wrote {summary.n_data:,} observations in {summary.n_batches:,} part(s) to "
         f"{Path(args.output) / 'data'}"
         + (f"; {summary.n_rejected:,} cells not harmonized, in "
            f"{Path(args.output) / 'rejected'}" if summary.n_rejected else ""))
    if args.rejected:
        _write_rejected(args, read_dataset(args.output, "rejected"))
    return EXIT_OK


def _write_rejected(args: argparse.Namespace, rejected: Any) -> None:
    """--rejected: the rejected cells as CSV (formulas neutralised)."""
    from .emit import atomic_path, neutralise

    with atomic_path(args.rejected) as tmp:
        neutralise(rejected).to_csv(tmp, index=False)
    _say(args, f"wrote {len(rejected):,} rejected cells to {args.rejected}")


def _harmonize(args: argparse.Namespace) -> int:
    from .pipeline import harmonize

    if args.batches:
        return _harmonize_batches(args)
    if args.output:  # refuse an unknown suffix before the work, not after
        lower = args.output.lower()
        if not lower.endswith((".parquet", ".csv", ".xlsx")):
            raise _UsageError(f"cannot tell the format of {args.output}; use .parquet, .csv, "
                              ".sdmx.csv or .xlsx")
    # Parquet is written while the table is harmonized (slice by slice for large tables).
    parquet = args.output if args.output and args.output.lower().endswith(".parquet") else None
    with _progress(args, f"harmonizing {Path(args.file).name}"):
        result = harmonize(args.file, args.crosswalk, parquet=parquet)
    if args.output:
        path = parquet or _write_result(result, args.output)
        if args.verbose:
            _say(args, result.summary())
        _say(args, f"wrote {len(result.data):,} observations to {path}"
             + (f"; {len(result.rejected):,} cells not harmonized (see --rejected, or "
                "`migharmony validate`)" if len(result.rejected) else ""))
    elif not args.quiet:
        import pandas as pd

        print(result.summary())
        with pd.option_context("display.width", 160, "display.max_columns", 12):
            print(result.data.head(10).to_string(index=False))
    if args.rejected:
        _write_rejected(args, result.rejected)
    return EXIT_OK


def _gaps(args: argparse.Namespace) -> int:
    import migharmony

    try:
        gaps = migharmony.gaps
    except (AttributeError, ImportError):
        print("migharmony gaps: the gap analysis is not part of this installation yet; "
              "update migharmony to a version that includes it", file=sys.stderr)
        return EXIT_USAGE
    from .pipeline import harmonize

    with _progress(args, f"harmonizing {Path(args.file).name}"):
        result = harmonize(args.file, args.crosswalk)
    frame = gaps(result.data)
    if args.output:
        from .emit import atomic_path, neutralise

        with atomic_path(args.output) as tmp:
            neutralise(frame).to_csv(tmp, index=False)
        _say(args, f"wrote {len(frame):,} rows of the gap matrix to {args.output}")
    elif not args.quiet:
        import pandas as pd

        print(f"disaggregation status of {result.metadata.get('source_id', '')}: units by "
              "dimension and status (-o FILE.csv writes every row with its reason)")
        counts = frame.groupby(["dimension", "status"]).size().unstack(fill_value=0)
        with pd.option_context("display.width", 160):
            print(counts.to_string())
    return EXIT_OK


def _crosswalk(args: argparse.Namespace) -> int:
    from . import crosswalks

    action = getattr(args, "action", None)
    if action is None:
        raise _UsageError("give an action: list, show, lint or new "
                          "(see `migharmony crosswalk --help`)")
    if action == "list":
        for cid in crosswalks.list():
            if args.verbose:
                from .crosswalk import load

                cw = load(cid)
                print(f"{cid:<24} {cw.data.get('title', '')}")
            else:
                print(cid)
        return EXIT_OK
    if action == "show":
        from .crosswalk import _locate

        print(_locate(args.id).read_text(encoding="utf-8"), end="")
        return EXIT_OK
    if action == "lint":
        from .lint import lint

        with _progress(args, "linting"):
            findings = lint(args.id, data=args.data)
        if args.format == "json":
            import json

            print(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
        elif not args.quiet:
            errors = sum(f.severity == "error" for f in findings)
            warnings = sum(f.severity == "warning" for f in findings)
            print(f"crosswalk lint: {errors} error(s), {warnings} warning(s), "
                  f"{len(findings) - errors - warnings} note(s)")
            for f in findings:
                print(f"  {f}")
        return EXIT_DATA if any(f.severity == "error" for f in findings) else EXIT_OK
    if action == "new":
        from .draft import draft_crosswalk

        with _progress(args, f"reading {Path(args.file).name}"):
            text = draft_crosswalk(args.file, sheet=args.sheet, crosswalk_id=args.draft_id)
        if args.output:
            from .emit import atomic_path

            with atomic_path(args.output) as tmp:
                tmp.write_text(text, encoding="utf-8")
            _say(args, f"wrote a draft crosswalk to {args.output}; finish the TODOs, then "
                       f"check it with `migharmony crosswalk lint {args.output} --data "
                       f"{args.file}`")
        else:
            print(text, end="")
        return EXIT_OK
    raise _UsageError(f"unknown action {action}")  # pragma: no cover - argparse checks


def _vocab(args: argparse.Namespace) -> int:
    from . import vocab

    if not args.dimension:
        print(f"migharmony vocabulary {vocab.version()}")
        for dim in vocab.dimensions():
            std = vocab.standard(dim)
            print(f"  {dim:<15} {len(vocab.codes(dim)):>3} codes  {std.get('name', '')} "
                  f"{std.get('version', '')}".rstrip())
        return EXIT_OK
    table = vocab.describe(args.dimension, lang=args.lang)
    print(table.to_string(index=False, max_colwidth=70))
    return EXIT_OK


def _template(args: argparse.Namespace) -> int:
    from .template import write_template

    path = write_template(args.crosswalk, args.output, rows=args.rows)
    _say(args, f"wrote the submission template {path}; fill in the 'Data' sheet and check it "
               f"with `migharmony validate {path} -c {args.crosswalk}`")
    return EXIT_OK


def _handbook(args: argparse.Namespace) -> int:
    from .handbook import write_handbook

    with _progress(args, "writing the handbook"):
        pages = write_handbook(args.output, args.crosswalk)
    _say(args, f"wrote {len(pages)} page(s) and an index to {args.output}")
    return EXIT_OK


_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "validate": _validate, "harmonize": _harmonize, "gaps": _gaps, "crosswalk": _crosswalk,
    "vocab": _vocab, "template": _template, "handbook": _handbook,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    from .errors import (
        CrosswalkError,
        MigharmonyError,
        SourceNotFoundError,
        VocabularyError,
    )

    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse printed it)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return _HANDLERS[args.command](args)
    except _UsageError as exc:
        print(f"migharmony {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (CrosswalkError, VocabularyError, SourceNotFoundError) as exc:
        print(f"migharmony {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MigharmonyError as exc:
        from .annotate import AnnotateError

        print(f"migharmony {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, AnnotateError) else EXIT_DATA
    except (PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        print(f"migharmony {args.command}: cannot write or read {exc.filename}: "
              f"{exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("migharmony: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
