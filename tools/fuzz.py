"""Fuzz migharmony's readers and pipeline with mutated real inputs.

Every mutated input must either harmonize or raise a ``MigharmonyError`` within a
time bound; anything else (a bare ``KeyError``, a pandas or openpyxl internal, a
hang) is a bug. Seeds are the UN DESA workbooks in ``examples/data`` (cut down to
their first rows so that a run is quick, and whole with ``--full``), a CSV written
from one of them, a small semicolon CSV, the JSON-stat, SDMX-JSON, legacy XLS and
CSV examples with their shipped crosswalks, and a crosswalk.

Run by hand::

    PYTHONPATH=src python tools/fuzz.py --runs 500 --seed 1 --save tests/fuzz_corpus

The test suite imports this module and runs a fixed-seed sample
(``tests/test_fuzz_readers.py``). Inputs that once failed are kept in
``tests/fuzz_corpus/`` and replayed by ``tests/test_fuzz_corpus.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import random
import signal
import sys
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "data"
#: Workbook, crosswalk id, rows kept in the cut-down seed.
WORKBOOKS = (
    ("undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx", "undesa-ims-2020-t1"),
    ("undesa_pd_2019_migrant_stock_total_dataset.xlsx", "undesa-ims-2019-t1"),
    ("UN_DESA_IMS2024_stock_by_sex_and_destination.xlsx", "undesa-ims-2024-t1"),
)
SEED_ROWS = 40  # data rows kept in cut-down workbooks
#: Further real inputs (file in examples/data, crosswalk id, kind of bytes).
OTHER_SEEDS = (
    ("eurostat_migr_pop1ctz.json", "eurostat-migr_pop1ctz", "json"),
    ("MEX_B14.json", "oecd-mig-b14-sdmxjson", "json"),
    ("eurostat_tgm_tps00157.xls", "eurostat-tgm-tps00157", "xls"),
    ("unhcr_hdx_demographics.csv", "unhcr-hdx-demographics", "csv"),
)
TIMEOUT = 10.0


class FuzzTimeout(Exception):
    """The input ran past the time bound."""


@dataclass
class Seed:
    """One real input: a file, how to harmonize it, and what kind of bytes it holds."""

    name: str
    path: Path
    crosswalk: dict[str, Any] | None  # None: the file *is* a crosswalk to load
    kind: str  # xlsx, csv, json, yaml


@dataclass
class Outcome:
    seed: str
    mutation: str
    status: str  # ok, error, leak, timeout
    error: str
    seconds: float
    detail: str = ""


# -- seeds ------------------------------------------------------------------------------

def _has_areas() -> bool:
    import importlib.util

    return importlib.util.find_spec("migharmony.areas") is not None


def fuzz_crosswalk(crosswalk_id: str, **read: Any) -> dict[str, Any]:
    """A shipped crosswalk as a mapping, with *read* settings replaced.

    Until area resolution is available, ``ref_area`` passes location codes
    through unchanged so that the rest of the pipeline is exercised.
    """
    from migharmony._yaml import load_yaml
    from migharmony.crosswalks import path_of

    data = copy.deepcopy(load_yaml(path_of(crosswalk_id)).data)
    data.setdefault("read", {}).update(read)
    if not _has_areas():
        for spec in data["dimensions"].values():
            if spec.pop("areas", None) is not None:
                spec["regex"] = [{"pattern": r"^\s*(\S.*?)\s*$", "code": r"\1"}]
    return data


def _cut_workbook(src: Path, dst: Path, sheet: str, last_row: int, keep: set[str]) -> None:
    """Keep the first *last_row* rows of *sheet*, the sheets in *keep* and no other."""
    import openpyxl

    book = openpyxl.load_workbook(src)
    for other in list(book.sheetnames):
        if other != sheet and other not in keep:
            del book[other]
    ws = book[sheet]
    if ws.max_row > last_row:
        ws.delete_rows(last_row + 1, ws.max_row - last_row)
    for merged in list(ws.merged_cells.ranges):
        if merged.min_row > last_row:
            ws.merged_cells.remove(merged)
    book.save(dst)


def build_seeds(workdir: Path, *, full: bool = False) -> list[Seed]:
    """Write the seed inputs into *workdir* (cached there) and describe them."""
    import pandas as pd

    from migharmony.read import read_grid

    workdir.mkdir(parents=True, exist_ok=True)
    seeds: list[Seed] = []
    for filename, cid in WORKBOOKS:
        cw = fuzz_crosswalk(cid)
        src = EXAMPLES / filename
        if full:
            seeds.append(Seed(f"{cid}-full", src, cw, "xlsx"))
            continue
        last = cw["read"]["first_row"] + SEED_ROWS - 1
        small = workdir / f"{cid}-small.xlsx"
        if not small.exists():
            _cut_workbook(src, small, cw["read"]["sheet"], last,
                          {str(cw.get("notes", {}).get("sheet"))})
        cw["read"]["last_row"] = last
        cw["exclude_rows"] = [r for r in cw.get("exclude_rows", [])
                              if all(x <= last for x in r.get("rows", []))]
        seeds.append(Seed(f"{cid}-small", small, cw, "xlsx"))

    # A CSV written from the 2020 workbook, read with the same crosswalk as text.
    csv_path = workdir / "undesa-2020.csv"
    cw = fuzz_crosswalk("undesa-ims-2020-t1", format="csv", last_row=12 + SEED_ROWS - 1)
    cw["read"].pop("sheet")
    cw["notes"].pop("sheet", None)
    cw["exclude_rows"] = []
    if not csv_path.exists():
        grid = read_grid(EXAMPLES / WORKBOOKS[0][0], sheet="Table 1")
        grid.cells.loc[1:12 + SEED_ROWS - 1].to_csv(csv_path, header=False, index=False)
    seeds.append(Seed("undesa-2020-csv", csv_path, cw, "csv"))

    # A small European-style CSV: semicolons, decimal commas, flags and symbols.
    small_csv = workdir / "small-semicolon.csv"
    small_csv.write_text(
        "Land;Geschlecht;2019;2020\n"
        "Österreich;Männer;1.234,5;1.300 p\n"
        "Österreich;Frauen;: c;1.400\n"
        "Côte d'Ivoire;Männer;12;..\n", encoding="utf-8")
    seeds.append(Seed("small-semicolon", small_csv, {
        "migharmony": "crosswalk/1", "id": "fuzz-semicolon", "title": "fuzz",
        "source": {"producer": "fuzz", "licence": "CC0"},
        "definitions": {"measure": "STOCK"},
        "read": {"format": "csv", "decimal": ",", "header_rows": [1]},
        "columns": {"Land": "land", "Geschlecht": "geschlecht"},
        "values": {"columns": ["2019", "2020"], "headers": {"1": "time_period"}},
        "dimensions": {
            "ref_area": {"from": "land", "map": {}, "regex": [
                {"pattern": "^(.)(.)", "code": r"\1\2X"}]},
            "sex": {"from": "geschlecht", "map": {"Männer": "M", "Frauen": "F"}},
        },
        "symbols": {"..": {"obs_status": "M"}, ":": {"obs_status": "M"}},
        "flags": {"p": {"obs_status": "P"}, "c": {"conf_status": "C"}},
    }, "csv"))

    # Other real inputs with their shipped crosswalks: JSON-stat, SDMX-JSON, legacy XLS, CSV.
    for filename, cid, kind in OTHER_SEEDS:
        if (EXAMPLES / filename).is_file():
            seeds.append(Seed(cid, EXAMPLES / filename, fuzz_crosswalk(cid), kind))

    # The crosswalk itself, as YAML text to load.
    from migharmony.crosswalks import path_of

    seeds.append(Seed("crosswalk-2020", path_of("undesa-ims-2020-t1"), None, "yaml"))
    del pd
    return seeds


# -- mutations --------------------------------------------------------------------------

Mutator = Callable[[bytes, random.Random], bytes]


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def random_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) + 1)] if data else data


def duplicate_chunk(data: bytes, rng: random.Random) -> bytes:
    if len(data) < 2:
        return data * 2
    i = rng.randrange(len(data) - 1)
    j = rng.randrange(i + 1, min(len(data), i + 4096) + 1)
    k = rng.randrange(len(data))
    return data[:k] + data[i:j] * rng.randint(1, 4) + data[k:]


def delete_chunk(data: bytes, rng: random.Random) -> bytes:
    if len(data) < 2:
        return b""
    i = rng.randrange(len(data) - 1)
    return data[:i] + data[rng.randrange(i + 1, min(len(data), i + 512) + 1):]


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def to_utf16(data: bytes, rng: random.Random) -> bytes:
    return _text(data).encode(rng.choice(["utf-16", "utf-16-le", "utf-16-be"]))


def to_latin1(data: bytes, rng: random.Random) -> bytes:
    text = _text(data).replace("a", rng.choice(["à", "ä", "ã"]), rng.randint(1, 20))
    return text.encode("latin-1", errors="replace")


def mixed_encoding(data: bytes, rng: random.Random) -> bytes:
    cut = rng.randrange(len(data) + 1)
    return data[:cut] + "Côte d'Ivoire, Réunion".encode("latin-1") + data[cut:]


def swap_delimiter(data: bytes, rng: random.Random) -> bytes:
    old, new = rng.sample([b",", b";", b"\t", b"|", b'"'], 2)
    return data.replace(old, new) if rng.random() < 0.7 else data.replace(old, new, 5)


def huge_cell(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    blob = rng.choice([b"9", b"x", b"=1+1", b"\"", b"1,"]) * rng.choice([10_000, 200_000,
                                                                        1_000_000])
    lines[i] = blob + b"," + lines[i]
    return b"\n".join(lines)


def weird_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(len(lines))
        lines.insert(i, rng.choice([b"", b",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,", b"\"unclosed,quote",
                                    b"\r", b"\x00\x00", b"=cmd|' /C calc'!A0", b"-1e309",
                                    b"nan,inf,-inf", b"1" * 400]))
    return b"\n".join(lines)


def line_endings(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\n"]))


def deep_json(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([1000, 50_000, 200_000])
    return b"[" * depth + b"]" * depth if rng.random() < 0.5 else \
        b'{"value":' + b"[" * depth + b"1" + b"]" * depth + b"}"


def json_types(data: bytes, rng: random.Random) -> bytes:
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError):
        return data
    if isinstance(obj, dict) and obj:
        key = rng.choice(sorted(obj))
        obj[key] = rng.choice([None, 1, "x", [], {}, [None], -1, 1e308, True])
    return json.dumps(obj).encode()


# Zip-level mutations of workbooks: keep a valid archive, damage a member.

def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def _rezip(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, payload in members:
            archive.writestr(info.filename, payload)
    return buffer.getvalue()


def _pick_xml(members: list[tuple[zipfile.ZipInfo, bytes]], rng: random.Random) -> int:
    names = [i for i, (info, _) in enumerate(members) if info.filename.endswith(".xml")]
    preferred = [i for i in names if "sheet" in members[i][0].filename
                 or "sharedStrings" in members[i][0].filename
                 or "workbook" in members[i][0].filename]
    return rng.choice(preferred or names or [0])


def xlsx_member_flip(data: bytes, rng: random.Random) -> bytes:
    members = _members(data)
    i = _pick_xml(members, rng)
    info, payload = members[i]
    members[i] = (info, rng.choice([flip_bytes, random_bytes, truncate, delete_chunk,
                                    duplicate_chunk])(payload, rng))
    return _rezip(members)


def xlsx_member_drop(data: bytes, rng: random.Random) -> bytes:
    members = _members(data)
    del members[rng.randrange(len(members))]
    return _rezip(members)


def xlsx_cell_text(data: bytes, rng: random.Random) -> bytes:
    """Replace numbers in a sheet with odd text (formulas, huge numbers, symbols)."""
    members = _members(data)
    sheets = [i for i, (info, _) in enumerate(members)
              if info.filename.startswith("xl/worksheets/sheet")]
    if not sheets:
        return data
    i = rng.choice(sheets)
    info, payload = members[i]
    text = payload.decode("utf-8", errors="replace")
    for _ in range(rng.randint(1, 20)):
        at = text.find("<v>", rng.randrange(len(text)))
        if at < 0:
            continue
        end = text.find("</v>", at)
        value = rng.choice(["1e309", "-5", "NaN", "", "abc", "9" * 400, "0x10", "-0"])
        text = text[:at + 3] + value + text[end:]
    if rng.random() < 0.3:  # an inline string cell containing a formula
        text = text.replace("<v>", "<f>SUM(A1:A2)</f><v>", 1)
    members[i] = (info, text.encode("utf-8"))
    return _rezip(members)


def xlsx_huge_dimension(data: bytes, rng: random.Random) -> bytes:
    """Claim a giant sheet in the <dimension> tag and in row numbers."""
    members = _members(data)
    for i, (info, payload) in enumerate(members):
        if info.filename.startswith("xl/worksheets/sheet"):
            text = payload.decode("utf-8", errors="replace")
            text = text.replace('<row r="1"', f'<row r="{rng.choice([1048576, 2_000_000])}"', 1)
            members[i] = (info, text.encode("utf-8"))
    return _rezip(members)


TEXT_MUTATORS: tuple[Mutator, ...] = (
    flip_bytes, random_bytes, truncate, duplicate_chunk, delete_chunk, to_utf16, to_latin1,
    mixed_encoding, swap_delimiter, huge_cell, weird_lines, line_endings)
XLSX_MUTATORS: tuple[Mutator, ...] = (
    flip_bytes, truncate, xlsx_member_flip, xlsx_member_flip, xlsx_member_drop,
    xlsx_cell_text, xlsx_cell_text, xlsx_huge_dimension)
JSON_MUTATORS: tuple[Mutator, ...] = (
    flip_bytes, truncate, deep_json, json_types, to_utf16, delete_chunk, huge_cell)
YAML_MUTATORS: tuple[Mutator, ...] = (
    flip_bytes, random_bytes, truncate, duplicate_chunk, delete_chunk, to_utf16, to_latin1,
    weird_lines, line_endings)
XLS_MUTATORS: tuple[Mutator, ...] = (
    flip_bytes, random_bytes, truncate, duplicate_chunk, delete_chunk)
MUTATORS = {"xlsx": XLSX_MUTATORS, "csv": TEXT_MUTATORS, "json": JSON_MUTATORS,
            "yaml": YAML_MUTATORS, "xls": XLS_MUTATORS}


def mutate(seed: Seed, data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One mutant of *data*: one to three mutations chained."""
    names = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        mutator = rng.choice(MUTATORS[seed.kind])
        try:
            data = mutator(data, rng)
        except Exception:
            continue
        names.append(mutator.__name__)
    return data, "+".join(names) or "none"


# -- running ----------------------------------------------------------------------------

@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`FuzzTimeout` in the main thread after *seconds* (Unix)."""
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - Windows
        yield
        return

    def _raise(signum: int, frame: Any) -> None:
        raise FuzzTimeout(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_input(path: Path, crosswalk: dict[str, Any] | None, *, timeout: float = TIMEOUT,
              out_dir: Path | None = None) -> tuple[str, str, float, str]:
    """Harmonize (or, for a crosswalk, load) *path*; return status, error, seconds, detail.

    With *out_dir*, a result is also written to CSV, Parquet and XLSX.
    """
    from migharmony.errors import MigharmonyError

    started = time.perf_counter()
    try:
        with time_limit(timeout):
            if crosswalk is None:
                from migharmony.crosswalk import load

                load(path)
            else:
                import migharmony

                result = migharmony.harmonize(path, crosswalk)
                if out_dir is not None:
                    result.to_csv(out_dir / "out.csv")
                    result.to_parquet(out_dir / "out.parquet")
        status, error, detail = "ok", "", ""
    except FuzzTimeout as exc:
        status, error, detail = "timeout", "FuzzTimeout", str(exc)
    except MigharmonyError as exc:
        status, error, detail = "error", type(exc).__name__, str(exc)[:300]
    except (Exception, RecursionError, MemoryError) as exc:
        status, error = "leak", f"{type(exc).__module__}.{type(exc).__name__}"
        detail = "".join(traceback.format_exception(exc))[-3000:]
    return status, error, time.perf_counter() - started, detail


def campaign(seeds: list[Seed], runs: int, seed: int, workdir: Path, *,
             timeout: float = TIMEOUT, save: Path | None = None,
             log: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """*runs* mutants spread over *seeds*, deterministic for a given *seed*."""
    rng = random.Random(seed)
    outcomes = []
    originals = {s.name: s.path.read_bytes() for s in seeds}
    for n in range(runs):
        s = seeds[n % len(seeds)]
        data, how = mutate(s, originals[s.name], rng)
        target = workdir / f"mutant{s.path.suffix}"
        target.write_bytes(data)
        status, error, seconds, detail = run_input(target, s.crosswalk, timeout=timeout)
        outcome = Outcome(s.name, how, status, error, seconds, detail)
        outcomes.append(outcome)
        if log:
            log(outcome)
        if save is not None and status in ("leak", "timeout"):
            save_failure(save, s, data, outcome)
    return outcomes


def save_failure(folder: Path, seed: Seed, data: bytes, outcome: Outcome) -> Path:
    """Keep a failing input (and its crosswalk) as a regression case."""
    import hashlib

    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    stem = f"{seed.name}-{outcome.error.rsplit('.', 1)[-1]}-{digest}"
    path = folder / f"{stem}{seed.path.suffix}"
    path.write_bytes(data)
    meta = {"seed": seed.name, "mutation": outcome.mutation, "found": outcome.error,
            "crosswalk": seed.crosswalk}
    (folder / f"{stem}.meta.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    return path


def summarise(outcomes: list[Outcome]) -> str:
    counts = Counter(o.status for o in outcomes)
    errors = Counter(o.error for o in outcomes if o.status == "error")
    leaks = Counter(o.error for o in outcomes if o.status in ("leak", "timeout"))
    slowest = max(outcomes, key=lambda o: o.seconds) if outcomes else None
    lines = [f"{len(outcomes)} inputs: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))]
    lines.append("  errors: " + ", ".join(f"{k} {v}" for k, v in errors.most_common()))
    if leaks:
        lines.append("  LEAKS: " + ", ".join(f"{k} {v}" for k, v in leaks.most_common()))
    if slowest:
        lines.append(f"  slowest: {slowest.seconds:.2f} s ({slowest.seed}, {slowest.mutation}, "
                     f"{slowest.status})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=TIMEOUT)
    parser.add_argument("--full", action="store_true", help="whole workbooks (slower)")
    parser.add_argument("--only", help="only seeds whose name contains this text")
    parser.add_argument("--workdir", type=Path, default=Path(".fuzz"))
    parser.add_argument("--save", type=Path, help="keep failing inputs in this folder")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)

    seeds = build_seeds(args.workdir, full=args.full)
    if args.only:
        seeds = [s for s in seeds if args.only in s.name]

    def log(o: Outcome) -> None:
        if args.verbose or o.status in ("leak", "timeout"):
            print(f"{o.status:8} {o.seconds:6.2f}s {o.seed:28} {o.mutation:40} {o.error}")
            if o.status == "leak" and args.verbose:
                print(o.detail)

    outcomes = campaign(seeds, args.runs, args.seed, args.workdir, timeout=args.timeout,
                        save=args.save, log=log)
    print(summarise(outcomes))
    return 1 if any(o.status in ("leak", "timeout") for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
