"""The ``migharmony`` command.

Exit codes: 0 no errors (warnings and notes alone do not fail), 1 errors found in
the data, 2 usage or crosswalk error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migharmony",
        description="Make migration statistics from different countries comparable.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  migharmony harmonize table.xlsx --crosswalk undesa-ims-2020-t1 -o out.csv\n"
               "  migharmony vocab sex\n"
               "  migharmony crosswalk list",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    h = sub.add_parser("harmonize", help="harmonize a table with a crosswalk",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="examples:\n"
                              "  migharmony harmonize t1.xlsx --crosswalk undesa-ims-2020-t1 "
                              "-o stock.parquet\n"
                              "  migharmony harmonize t1.xlsx --crosswalk my.yaml -o stock.csv")
    h.add_argument("file", help="the source table")
    h.add_argument("--crosswalk", "-c", required=True, help="a shipped crosswalk id or a YAML path")
    h.add_argument("--output", "-o", help="write to .parquet, .csv (with datapackage.json), "
                   ".sdmx.csv or .xlsx; without it, print a summary and the first rows")
    h.add_argument("--rejected", help="also write the rejected cells to this CSV file")

    v = sub.add_parser("vocab", help="show the vocabulary (all dimensions, or one)",
                       epilog="examples:\n  migharmony vocab\n  migharmony vocab sex --lang fr",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("dimension", nargs="?")
    v.add_argument("--lang", default="en", choices=["en", "fr", "es", "pt"])

    c = sub.add_parser("crosswalk", help="list or show the shipped crosswalks",
                       epilog="examples:\n  migharmony crosswalk list\n"
                              "  migharmony crosswalk show undesa-ims-2020-t1",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("action", choices=["list", "show"])
    c.add_argument("id", nargs="?")
    return parser


def _write(result: object, output: str) -> str:
    lower = output.lower()
    if lower.endswith(".parquet"):
        return str(result.to_parquet(output))  # type: ignore[attr-defined]
    if lower.endswith(".sdmx.csv"):
        return str(result.to_sdmx_csv(output))  # type: ignore[attr-defined]
    if lower.endswith(".csv"):
        return str(result.to_csv(output))  # type: ignore[attr-defined]
    if lower.endswith(".xlsx"):
        return str(result.to_excel(output))  # type: ignore[attr-defined]
    raise SystemExit(f"migharmony: cannot tell the format of {output}; "
                     "use .parquet, .csv, .sdmx.csv or .xlsx")


def _harmonize(args: argparse.Namespace) -> int:
    from .pipeline import harmonize

    result = harmonize(args.file, args.crosswalk)
    print(result.summary())
    if args.output:
        path = _write(result, args.output)
        print(f"wrote {len(result.data):,} observations to {path}")
    else:
        import pandas as pd

        with pd.option_context("display.width", 160, "display.max_columns", 12):
            print(result.data.head(10).to_string(index=False))
    if args.rejected:
        from .emit import atomic_path, neutralise

        with atomic_path(args.rejected) as tmp:
            neutralise(result.rejected).to_csv(tmp, index=False)
        print(f"wrote {len(result.rejected):,} rejected cells to {args.rejected}")
    return EXIT_OK


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


def _crosswalk(args: argparse.Namespace) -> int:
    from . import crosswalks

    if args.action == "list":
        for cid in crosswalks.list():
            print(cid)
        return EXIT_OK
    if not args.id:
        print("migharmony crosswalk show: give a crosswalk id", file=sys.stderr)
        return EXIT_USAGE
    print(crosswalks.path_of(args.id).read_text(encoding="utf-8"))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    from .errors import CrosswalkError, MigharmonyError, VocabularyError

    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    handlers = {"harmonize": _harmonize, "vocab": _vocab, "crosswalk": _crosswalk}
    try:
        return handlers[args.command](args)
    except (CrosswalkError, VocabularyError) as exc:
        print(f"migharmony: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MigharmonyError as exc:
        print(f"migharmony: {exc}", file=sys.stderr)
        return EXIT_DATA
    except BrokenPipeError:  # output piped into `head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
