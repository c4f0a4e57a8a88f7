"""``harmonize(source, crosswalk)``: one source table in, one canonical frame out.

The steps, each in its own module, follow the data:

read (:mod:`~migharmony.read`) → layout (:mod:`~migharmony.layout`) → corrections →
values (:mod:`~migharmony.values`) → map (:mod:`~migharmony.mapping`) → tag
(:mod:`~migharmony.tag`) → validate (:mod:`~migharmony.schema`) → result
(:mod:`~migharmony.result`).

Conservation holds by construction: every data cell of the source ends up exactly
once, in ``result.data`` (a missing or suppressed cell as an observation with its
status and no value) or in ``result.rejected`` with its location and a reason.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._frames import (
    any_repeated,
    constant_codes,
    distinct,
    join_caveats,
    repeated,
    row_keys,
)
from ._memory import lean_memory
from .crosswalk import Crosswalk, load
from .errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ._frames import Placed
    from .emit import ParquetParts
    from .result import HarmonizedResult

__all__ = ["harmonize"]

REJECTED_COLUMNS = ("source_id", "source_ref", "source_value", "rule", "reason", "context")


@lean_memory()
def harmonize(source: str | Path | pd.DataFrame, crosswalk: str | Path | Mapping[str, Any]
              | Crosswalk, *, on_collision: str = "raise",
              parquet: str | Path | None = None) -> HarmonizedResult:
    """Harmonize *source* (a file path, or a DataFrame of cells) with *crosswalk*.

    *crosswalk* is a shipped id (see :func:`migharmony.crosswalks.list`), a path to
    a YAML file, or a mapping. Two cells that map to the same observation key are a
    crosswalk mistake: by default a :class:`~migharmony.errors.ValidationError`
    naming both cells; ``on_collision="reject"`` keeps the first and rejects the rest.

    ``parquet="out.parquet"`` also writes the observations there, the same file as
    ``harmonize(...).to_parquet("out.parquet")``, but a large table's slices are
    written while the next ones are harmonized (on two cores, at 3 and 10 million
    cells: 7% less time, 70 MB more memory). The file appears only if ``harmonize``
    succeeds.

    While it runs, numpy's huge-page hint is off and Arrow's default memory pool is
    jemalloc, for the whole process; both are put back when it returns (a process that
    set ``NUMPY_MADVISE_HUGEPAGE`` or ``ARROW_DEFAULT_MEMORY_POOL``, or chose its own
    pool, is left alone). That saves a second of system time at 10 million cells and
    changes no result: see *Tuning* in ``docs/performance.md``.

    A file with a shipped crosswalk is
    ``harmonize("examples/data/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx",
    "undesa-ims-2020-t1")``. A small table and crosswalk in memory:

    >>> import pandas as pd
    >>> table = pd.DataFrame({"country": ["Senegal", "Mali", "Atlantis"],
    ...                       "2015": ["256200", "468230", "12"],
    ...                       "2020": ["274929", "..", "15"]})
    >>> crosswalk = {
    ...     "migharmony": "crosswalk/1", "id": "example", "title": "Migrant stock",
    ...     "source": {"producer": "Example office", "licence": "CC0"},
    ...     "definitions": {"measure": "STOCK", "migr_basis": "COB"},
    ...     "read": {"header_rows": [1], "first_row": 2},
    ...     "columns": {"country": "country"},
    ...     "values": {"columns": ["2015", "2020"], "headers": {1: "time_period"}},
    ...     "dimensions": {"ref_area": {"from": "country", "areas": {"scheme": "name"}}},
    ...     "symbols": {"..": {"obs_status": "M", "caveats": ["not-available"]}}}
    >>> result = harmonize(table, crosswalk)
    >>> result.data[["ref_area", "time_period", "obs_value", "obs_status", "caveats",
    ...              "source_ref"]]
      ref_area time_period  obs_value obs_status        caveats source_ref
    0      SEN        2015   256200.0          A                        B2
    1      SEN        2020   274929.0          A                        C2
    2      MLI        2015   468230.0          A                        B3
    3      MLI        2020        NaN          M  not-available         C3
    >>> result.rejected[["source_ref", "rule"]]
      source_ref               rule
    0         B4  unmapped-ref_area
    1         C4  unmapped-ref_area
    """
    import pandas as pd

    started = time.perf_counter()
    cw = load(crosswalk)
    if isinstance(source, str | Path) and Path(source).is_dir():
        source = _file_in(Path(source), cw)
    grid, cells = _cells(source, cw)
    _start_warm_up(source)
    if grid is not None:  # its cells are cut out: only its sheet and problems are used later
        grid.cells = grid.cells.iloc[:0]
    notes = _notes(source, cw)
    corrections = _correct(cells.frame, cw)

    frame = cells.frame
    rejected: list[pd.DataFrame] = [_rejected_frame(cells.excluded, cw, cells.excluded["reason"],
                                                    cells.excluded["rule"])]
    unreadable = {pr.where: pr.message for pr in (grid.problems if grid is not None else [])
                  if pr.rule == "uncached-formula"}
    sink = _parquet_sink(parquet, cw)
    try:
        observations = _in_slices(frame, cw, notes, unreadable, sink, cells.ref_prefix)
        data, report = _after_observations(observations.data, cw), observations.report
        rejected.extend(observations.rejected)
        rejected_frame = pd.concat(rejected, ignore_index=True)
        hashes = observations.key_hashes if data is observations.data else None
        data = _collisions(data, rejected_frame, cw, on_collision, hashes)
        streamed = not isinstance(data, tuple)  # else later duplicates were taken out
        if not streamed:
            data, rejected_frame = data

        from .result import HarmonizedResult, build_metadata

        metadata = build_metadata(cw, source, grid, notes=notes, corrections=corrections,
                                  n_data=len(data), n_rejected=len(rejected_frame),
                                  seconds=time.perf_counter() - started, mapping=report)
        if sink is not None and sink.parts and streamed:
            sink.finish(metadata)
        elif parquet is not None:
            if sink is not None:
                sink.abort()
            from .emit import write_parquet

            write_parquet(data, parquet, metadata)
    except BaseException:
        if sink is not None:
            sink.abort()
        raise
    data.attrs["migharmony"] = metadata
    return HarmonizedResult(data=data, rejected=rejected_frame, metadata=metadata,
                            problems=list(grid.problems) if grid is not None else [],
                            cell_problems=observations.problems)


#: A source file at least this large starts a thread that loads what its first slice
#: will need (:func:`_start_warm_up`).
WARM_UP_BYTES = 32 << 20


def _start_warm_up(source: Any) -> None:
    """For a large file, once it is read, load the area index, then pandera and the
    canonical schema, in a thread of their own while the first slice, which runs alone,
    begins: it would otherwise load them itself (0.35 s) with one core idle. The area
    index comes first: the slice maps its area names before it validates, and it built
    the index itself (0.12 s) while the thread was still importing pandera. Started
    during the read instead, the thread slowed the reader's threads as much as it saved.
    Loading twice is harmless (imports wait for each other; the index is built once,
    under a lock), and a failure here is left for the step that needs the thing to
    report."""
    import threading

    try:
        large = isinstance(source, str | Path) and Path(source).stat().st_size >= WARM_UP_BYTES
    except OSError:
        return
    if large:
        threading.Thread(target=_warm_up, name="migharmony-warm-up", daemon=True).start()


def _warm_up() -> None:
    from contextlib import suppress

    with suppress(Exception):
        from . import areas, schema

        areas._index()  # first: the first slice maps its area names before it validates
        schema.schema().validate(schema.empty())  # pandera imported, backends registered


def _parquet_sink(parquet: str | Path | None, cw: Crosswalk) -> ParquetParts | None:
    """Where the slices' observations are written as they are made, when the rows after
    the slices are theirs unchanged (records are added up and zeros marked afterwards)."""
    if parquet is None or cw.section("records") or cw.data.get("not_disaggregated"):
        return None
    from .emit import ParquetParts

    return ParquetParts(parquet)


def _file_in(folder: Path, cw: Crosswalk) -> Path:
    """The source file a crosswalk names (``source.files``), inside *folder* only."""
    from ._paths import safe_join
    from .errors import SourceNotFoundError

    for name in cw.source.get("files", []):
        path = safe_join(folder, str(name))
        if path.is_file():
            return path
    raise SourceNotFoundError(
        f"{folder} is a folder and none of the files the crosswalk names (source.files: "
        f"{', '.join(map(str, cw.source.get('files', []))) or 'none'}) is in it; give the "
        "path of the table itself")


def _read_cube(reader: Any, path: Path, cw: Crosswalk) -> Any:
    """Run a cube reader; a document it does not expect is a ReadError, whatever breaks.

    JSON and XML documents nest freely and their values may be of any type, so a
    damaged or hostile file can break a reader anywhere (a RecursionError on deep
    nesting, an AttributeError on a list where a mapping was expected). The user
    gets a ReadError naming the file; the reader's own mistake stays in the chain.
    """
    from .errors import MigharmonyError, ReadError

    try:
        return reader(path, cw)
    except MigharmonyError:
        raise
    except (RecursionError, ValueError, TypeError, AttributeError, KeyError, IndexError,
            OverflowError, UnicodeError) as exc:
        raise ReadError(
            f"{path}: cannot read it as the crosswalk's format ({type(exc).__name__}: "
            f"{str(exc)[:200]}); check that the file is complete and of the format the "
            "crosswalk expects. If it is, please report this as a bug in migharmony."
        ) from exc


def _cells(source: Any, cw: Crosswalk) -> tuple[Any, Any]:
    from .layout import Cells, cells_from_grid
    from .read import Grid, read_grid

    read = cw.section("read")
    if isinstance(source, str | Path) and _is_cube(Path(source), read.get("format", "auto")):
        # Cube formats (JSON-stat, SDMX, Parquet) give cells directly, with no grid.
        try:
            from .cubes import cells_from_file
        except ImportError:
            from .errors import ReadError

            raise ReadError(f"{source}: this version of migharmony cannot read JSON, SDMX "
                            "or Parquet tables; convert the table to CSV or XLSX") from None

        cube_cells = _read_cube(cells_from_file, Path(source), cw)
        if cw.section("records"):
            from .records import mark_records

            cube_cells = mark_records(cube_cells, cw)
        return None, cube_cells
    make_cells: Callable[[Grid, Crosswalk], Cells] = cells_from_grid
    if cw.section("records"):  # one row per record (migharmony.records)
        from .records import cells_from_grid as records_cells

        make_cells = records_cells
    if isinstance(source, str | Path):
        grid = read_grid(source, format=read.get("format", "auto"), sheet=read.get("sheet"),
                         encoding=read.get("encoding"), delimiter=read.get("delimiter"),
                         max_rows=read.get("max_rows"), max_bytes=read.get("max_bytes"),
                         max_columns=read.get("max_columns"),
                         # Codes are few, rows are many: the layout reads a categorical
                         # grid; records and unescaped formulas want plain text.
                         categorical=make_cells is cells_from_grid
                         and not read.get("unescape_formulas"))
        if read.get("unescape_formulas"):
            from .emit import unneutralise

            grid.cells = unneutralise(grid.cells)
        if make_cells is cells_from_grid:  # the slices write the cell references
            return grid, cells_from_grid(grid, cw, refs=bool(cw.data.get("corrections")))
        return grid, make_cells(grid, cw)
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        # A frame is taken as the grid of a text table: its header is row 1.
        header = pd.DataFrame([list(map(str, source.columns))], columns=range(source.shape[1]))
        body = source.copy()
        body.columns = pd.RangeIndex(source.shape[1])
        cells = pd.concat([header, body.astype(object)], ignore_index=True)
        cells.index = pd.RangeIndex(1, len(cells) + 1)
        grid = Grid(cells=cells, sheet=None, kind="csv", path="<DataFrame>")
        return grid, make_cells(grid, cw)
    if isinstance(source, Cells):
        return None, source
    from .errors import ReadError

    raise ReadError(f"cannot harmonize a {type(source).__name__}: give a file path or a "
                    "pandas DataFrame")


CUBE_FORMATS = ("jsonstat", "sdmx-json", "sdmx-csv", "sdmx-ml", "parquet")


def _after_observations(data: pd.DataFrame, cw: Crosswalk) -> pd.DataFrame:
    """Steps on the kept observations, before key collisions are checked (docs/formats.md).

    ``records``: one observation per record so far; add them up over the key.
    ``not_disaggregated``: mark the zero parts of positive totals.
    """
    from . import schema
    from ._frames import as_frame

    if not cw.section("records") and not cw.data.get("not_disaggregated"):
        return data
    if cw.section("records"):
        from .records import aggregate

        data = as_frame(data)  # codes as text while records are added up
        data = aggregate(data, schema.key(data))
    if cw.data.get("not_disaggregated"):
        from .zeros import mark

        # Only the columns zeros may set become text; the keys stay codes.
        data = data.assign(**{c: schema.decode(data[c])
                              for c in ("obs_status", "conf_status", "caveats") if c in data})
        data = mark(data, cw.data["not_disaggregated"], schema.key(data))
    return schema.conform(data)


def _is_cube(path: Path, fmt: str) -> bool:
    if fmt != "auto":
        return fmt in CUBE_FORMATS
    return path.suffix.lower() in (".json", ".parquet", ".xml")


def _notes(source: Any, cw: Crosswalk) -> dict[str, str]:
    spec = cw.section("notes")
    if not spec or "sheet" not in spec or not isinstance(source, str | Path):
        return {}
    from .read import read_notes

    return read_notes(source, spec["sheet"], spec.get("key_column", "A"),
                      spec.get("text_column", "B"), spec.get("first_row"), spec.get("last_row"),
                      max_rows=cw.section("read").get("max_rows"),
                      max_bytes=cw.section("read").get("max_bytes"))


def _correct(frame: pd.DataFrame, cw: Crosswalk) -> list[dict[str, Any]]:
    """Apply dated corrections to named cells; return what was changed (lineage)."""
    applied: list[dict[str, Any]] = []
    if not cw.data.get("corrections"):
        return applied
    from .errors import CrosswalkError, Problem

    problems = []
    refs = frame["_ref"]
    for i, fix in enumerate(cw.data["corrections"]):
        cell = str(fix["cell"])
        hit = refs == cell
        if not hit.any():
            problems.append(Problem(f"correction for cell {cell}: no data cell has this "
                                    "location (write it as it appears in source_ref, e.g. "
                                    "'Table 1!L81')", where=cw.where("corrections", i, "cell")))
            continue
        old = frame.loc[hit, "_raw"].iloc[0]
        if "old_value" in fix and str(fix["old_value"]) != str(old):
            problems.append(Problem(f"correction for cell {cell} expects the old value "
                                    f"{fix['old_value']!r} but the source holds {old!r}; the "
                                    "source may have been revised already",
                                    where=cw.where("corrections", i, "old_value")))
            continue
        if frame["_raw"].dtype != object:  # text sources hold str; a fix is a number
            frame["_raw"] = frame["_raw"].astype(object)
        frame.loc[hit, "_raw"] = fix["value"]
        frame.loc[hit, "_corrected"] = f"corrected[{i}]"
        applied.append({"cell": cell, "old_value": old, "new_value": fix["value"],
                        "reason": " ".join(str(fix["reason"]).split()), "by": fix["by"],
                        "date": str(fix["date"])})
    if problems:
        raise CrosswalkError(f"{cw.name}: {len(problems)} correction(s) cannot be applied",
                             problems=problems)
    return applied


def _rejected_frame(cells: pd.DataFrame, cw: Crosswalk, reason: pd.Series,
                    rule: pd.Series) -> pd.DataFrame:
    import pandas as pd

    from .layout import _as_text

    context_cols = [c for c in cw.section("columns").values() if c in cells]
    context_cols += [d for d in cw.section("values").get("headers", {}).values() if d in cells]
    if context_cols and len(cells):
        context = cells[context_cols[0]].astype("str").str.strip()
        for c in context_cols[1:]:
            context = context + " | " + cells[c].astype("str").str.strip()
    else:
        context = pd.Series("", index=cells.index, dtype="str")
    return pd.DataFrame({
        "source_id": pd.Series(cw.id, index=cells.index, dtype="str"),
        "source_ref": cells["_ref"].astype("str") if len(cells) else
        pd.Series(dtype="str"),
        "source_value": _as_text(cells["_raw"]).astype("str") if len(cells) else
        pd.Series(dtype="str"),
        "rule": rule.astype("str"),
        "reason": reason.astype("str"),
        "context": context.astype("str"),
    }, index=cells.index).reset_index(drop=True)


@dataclass
class Observations:
    """What :func:`_to_observations` makes of the cells of one table (or batch)."""

    data: pd.DataFrame  # canonical observations
    rejected: list[pd.DataFrame]  # rejected cells, one row each (their first problem)
    report: dict[str, pd.DataFrame]  # per dimension: how each distinct label was mapped
    problems: pd.DataFrame  # every problem of every cell (validate.PROBLEM_COLUMNS)
    key_hashes: Any = None  # of the observation keys, when made in slices (_frames.key_hashes)


def _to_observations(frame: pd.DataFrame, cw: Crosswalk, notes: dict[str, str], *,
                     unreadable: Mapping[str, str] | None = None,
                     context: Mapping[str, list[str]] | None = None,
                     memo: dict[str, Any] | None = None,
                     memo_filled: threading.Event | None = None,
                     placed: tuple[Placed, int] | None = None) -> Observations:
    """Cells to canonical observations; every cell kept or rejected with its reasons.

    *memo_filled* is set once the values are read and the labels mapped: what the next
    slices of the table share through *memo* is then in it. With *placed* (the whole
    table's number columns and this slice's first row), the age bounds are made in them.

    Each step contributes per-cell tests (:class:`~migharmony.validate.CellCheck`);
    they run as one lazy pandera schema over the source cells, so that every problem
    of every cell is collected, and a cell's first problem is its rejection reason.
    """
    from . import schema
    from .tag import tag_rows
    from .validate import check_cells, first_problem

    memo = {} if memo is None else memo  # readings and mappings of distinct values
    parsed = _parse_values(frame, cw, memo.setdefault("values", {}))
    checks = _formula_checks(frame, unreadable or {}) + _value_checks(parsed)
    tags = tag_rows(frame, cw, notes)
    checks += _checks_from(tags.reason, tags.rule, _row_rule_column)
    columns, report, dim_checks = _map_dimensions(frame, cw, context or {}, memo)
    if memo_filled is not None:
        memo_filled.set()
    checks += dim_checks
    result = _assemble(frame, cw, parsed, tags, columns, placed)
    del parsed, tags, columns
    if cw.section("attributes"):
        checks += _apply_attributes(result, frame, cw)
    checks += _vocabulary_checks(result)
    problems = check_cells(frame, checks)
    reason, rule = first_problem(problems, frame.index)

    extra = cw.extra_dimensions()
    candidates, result_failures, reason, rule = _canonical_check(result, reason, rule, extra,
                                                                 cw)
    del result
    problems = _with_schema_failures(problems, result_failures, frame)
    rejected_mask = reason.notna()
    kept = schema.order(candidates, extra).reset_index(drop=True)
    rejected = [_rejected_frame(frame.loc[rejected_mask], cw, reason[rejected_mask],
                                rule[rejected_mask])]
    return Observations(kept, rejected, report, problems)


#: Cells harmonized at a time by :func:`harmonize`: the intermediate arrays are those of
#: a slice, not of the table (at 10 million cells the peak fell from 2.5 to 2.0 GB), and
#: the allocator reuses their memory from slice to slice instead of mapping fresh pages.
#: A table is cut into about ten slices of half to all of this size, and a table of
#: fewer than three is one piece (:func:`_slice_rows`): the slices in flight then hold
#: a small part of the table.
SLICE_ROWS = 1_000_000

#: Slices harmonized at once, in threads (the array work releases the GIL). None: as many
#: as the CPUs this process may use, at most 4; 1: one slice after the other. Each slice
#: in flight holds its intermediate arrays, so more threads cost more memory.
SLICE_THREADS: int | None = None


def _slice_threads() -> int:
    if SLICE_THREADS is not None:
        return max(1, SLICE_THREADS)
    import os

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cpus or 1))


def _slice_rows(cells: int) -> int:
    """Cells per slice for a table of *cells*: about ten slices, of at least half and at
    most all of :data:`SLICE_ROWS` (at 3 million cells, slices of half a million took the
    peak from 930 to 770 MB in the same time; at 10 million they cost 15% more time than
    slices of a million). A table of fewer than three slices is one piece: the first
    slice runs alone, so two slices would only add work.

    >>> _slice_rows(1_000_000), _slice_rows(3_000_000), _slice_rows(7_000_000)
    (1000000, 500000, 700000)
    """
    rows = max(SLICE_ROWS // 2, min(SLICE_ROWS, -(-cells // 10)), 1)
    return rows if cells > 2 * rows else max(cells, 1)


def _in_slices(frame: pd.DataFrame, cw: Crosswalk, notes: dict[str, str],
               unreadable: Mapping[str, str], sink: ParquetParts | None = None,
               ref_prefix: str = "") -> Observations:
    """:func:`_to_observations` over slices of *frame*, combined: the same observations,
    rejections, problems and report as over the whole frame.

    Every step works cell by cell (or label by label) except area resolution, whose
    context is the whole table: it is computed once and given to every slice. A table
    whose area context depends on the period (dated regex rules) is done in one piece.
    The first slice starts alone (it reads every category of the values and fills the
    memo of mappings; for a large file, :func:`_start_warm_up` loads pandera and the
    area index beside it); once it has mapped its labels, the others start in
    :data:`SLICE_THREADS` threads (the calling thread joins them when the first slice
    is done), their results kept in order.
    Each slice's observations go to *sink* (if any) as soon as they are made. Cells
    without their references (``_ref``) get them slice by slice, *ref_prefix* first
    (:func:`~migharmony.layout.with_refs`).
    """
    import pandas as pd

    from . import schema
    from ._frames import Placed, concat_codes, key_hashes
    from .layout import with_refs
    from .mapping import _area_context, joined_reports

    rows = _slice_rows(len(frame))
    context = _area_context(frame, cw) if rows < len(frame) else None
    if context is None:  # a table of one slice, or one whose area context needs periods
        return _to_observations(with_refs(frame, ref_prefix), cw, notes,
                                unreadable=unreadable)
    memo: dict[str, Any] = {}  # each distinct value read and mapped once for all slices
    filled = threading.Event()  # set by the first slice once the memo is filled
    placed = Placed(len(frame))  # the number columns and key hashes of the whole table
    order: list[str] = []  # the columns, as the first slice done gives them (all alike)
    order_lock = threading.Lock()

    def one(start: int) -> Observations:
        part = _to_observations(with_refs(frame.iloc[start:start + rows], ref_prefix), cw,
                                notes, unreadable=unreadable, context=context, memo=memo,
                                memo_filled=filled if start == 0 else None,
                                placed=(placed, start))
        with order_lock:
            if not order:
                order.extend(part.data.columns)
        numbers = {name: part.data[name].array for name in _number_columns(part.data)}
        # Hashed here, in the slices' threads: the whole table's key check is then a sort.
        numbers[_KEY_HASH] = key_hashes(part.data, schema.key(part.data))
        placed.put(start, numbers)
        part.data = part.data.drop(columns=[n for n in numbers if n != _KEY_HASH])
        if sink is not None:  # the numbers as placed: no second copy waits to be written
            at = placed.part(start)
            sink.put(start // rows, pd.DataFrame(
                {n: at[n] if n in at else part.data[n].array for n in order}, copy=False))
        return part

    starts = range(0, len(frame), rows)
    if sink is not None:  # each part written is moved to its place in the writer's thread
        sink.on_written = lambda number: placed.settle(starts[number])
    parts = _in_threads(one, starts, _slice_threads(), after_first=filled)
    report = joined_reports([p.report for p in parts])
    joined = concat_codes([p.data for p in parts])  # codes and text; numbers are placed
    if sink is not None:
        sink.flush()  # the parts written refer to the placed numbers, which move now
    numbers = placed.joined()
    hashes = numbers.pop(_KEY_HASH)
    data = pd.DataFrame({name: numbers[name] if name in numbers else joined[name].array
                         for name in order}, copy=False)
    data.attrs = joined.attrs
    del joined
    return Observations(
        data=data,
        rejected=[r for p in parts for r in p.rejected],
        report=report,
        problems=pd.concat([p.problems for p in parts]),
        key_hashes=hashes)


_KEY_HASH = "\0key hash"  # not a column name: the slices' key hashes, placed like a column


def _number_columns(data: pd.DataFrame) -> list[str]:
    """The number columns of *data* (obs_value, the age bounds, unit_mult, obs_count)."""
    import pandas as pd

    return [name for name in data.columns if pd.api.types.is_numeric_dtype(data[name])
            and not isinstance(data[name].dtype, pd.CategoricalDtype)]


def _in_threads(work: Any, items: Sequence[Any], threads: int,
                after_first: threading.Event | None = None) -> list[Any]:
    """``[work(item) for item in items]`` on up to *threads* threads, the calling thread
    one of them (one allocator arena fewer than a pool of *threads*: at 3M rows the peak
    was 60 MB lower). Items are taken in order; each call sees the caller's context
    variables (pandera's configuration among them). When calls fail, the error raised is
    that of the first failing item, as without threads; no item is started after it.

    With *after_first*, the first item is done by the calling thread, and the other
    threads take the next items only once that event is set (by the first item's work,
    when what the items share is ready) or the first item has ended.
    """
    if threads <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    results: list[Any] = [None] * len(items)
    errors: dict[int, BaseException] = {}
    lock = threading.Lock()
    taken = [0]

    def run(i: int) -> None:
        try:
            results[i] = work(items[i])
        except BaseException as error:  # raised below, in item order
            with lock:
                errors[i] = error

    def first() -> None:
        try:
            run(0)
        finally:
            if after_first is not None:
                after_first.set()

    def drain(wait: bool = False) -> None:
        if wait and after_first is not None:
            after_first.wait()
        while True:
            with lock:
                i = taken[0]
                if i >= len(items) or errors:
                    return
                taken[0] += 1
            run(i)

    helpers = min(threads, len(items)) - 1
    with ThreadPoolExecutor(helpers, thread_name_prefix="migharmony-slice") as pool:
        if after_first is not None:
            taken[0] = 1  # the calling thread's, below; the helpers wait for the event
        for _ in range(helpers):
            pool.submit(contextvars.copy_context().run, drain, True)
        if after_first is not None:
            first()
        drain()
    if errors:
        raise errors[min(errors)]
    return results


def _formula_checks(frame: pd.DataFrame, unreadable: Mapping[str, str]) -> list[Any]:
    """Formula cells the reader could not read (no cached value): never taken as empty."""
    import pandas as pd

    from .validate import CellCheck

    if not unreadable:
        return []
    refs = frame["_ref"].astype("str")
    bad = refs.isin(list(unreadable))
    return [CellCheck("uncached-formula", "_raw", ~bad,
                      pd.Series(refs.map(unreadable), index=frame.index, dtype="str"))]


def _parse_values(frame: pd.DataFrame, cw: Crosswalk, memo: dict[Any, Any]) -> pd.DataFrame:
    from .values import parse

    read = cw.section("read")
    return parse(frame["_raw"], symbols=cw.section("symbols"), flags=cw.section("flags"),
                 extra_flags=frame.get("_flags"), decimal=read.get("decimal", "."),
                 thousands=tuple(read["thousands"]) if "thousands" in read else None,
                 memo=memo)


def _checks_from(reason: pd.Series, rule: pd.Series, column_of: Any) -> list[Any]:
    """One check per distinct rule in (*reason*, *rule*); *column_of(rule)* names its column."""
    from .validate import CellCheck

    failing = reason.notna()
    if not failing.any():
        return []
    checks = []
    for code in rule[failing].unique():
        ok = ~(failing & (rule == code)).fillna(False)
        checks.append(CellCheck(str(code), column_of(str(code)), ok, reason))
    return checks


def _row_rule_column(rule: str) -> str:
    return rule.removeprefix("unmapped-") if rule.startswith("unmapped-") else "_raw"


def _value_checks(parsed: pd.DataFrame) -> list[Any]:
    import pandas as pd

    checks = _checks_from(parsed["problem"], parsed["rule"], lambda _rule: "_raw")
    excluded = parsed["exclude"]
    if excluded.notna().any():
        checks += _checks_from(excluded, pd.Series("excluded-symbol", index=excluded.index,
                                                   dtype="str"), lambda _rule: "_raw")
    return checks


def _map_dimensions(frame: pd.DataFrame, cw: Crosswalk,
                    context: Mapping[str, list[str]], memo: dict[str, Any]) -> tuple[
        dict[str, pd.Series], dict[str, pd.DataFrame], list[Any]]:
    """Codes of every dimension, the mapping report and the checks of unmapped labels
    (*context*: area labels of the whole table, when *frame* is a slice of it)."""
    from .errors import CrosswalkError
    from .mapping import map_dimension

    report: dict[str, pd.DataFrame] = {}
    columns: dict[str, pd.Series] = {}
    checks: list[Any] = []
    dims = cw.dimensions()
    # time_period first: regex rules of other dimensions may depend on it.
    for dim in sorted(dims, key=lambda d: d != "time_period"):
        spec = dims[dim]
        if "value" in spec and "from" not in spec:
            columns[dim] = constant_codes(str(spec["value"]), frame.index)
            continue
        source_col = spec.get("from", dim)
        if source_col not in frame:
            raise CrosswalkError(f"{cw.where('dimensions', dim)}: dimension {dim} reads "
                                 f"'{source_col}', which the table does not provide")
        mapped = map_dimension(dim, frame[source_col], cw, periods=columns.get("time_period"),
                               context=context.get(dim, ()),
                               memo=memo.setdefault(f"dimension:{dim}", {}))
        report[dim] = mapped.report
        columns[dim] = mapped.codes
        checks += _checks_from(mapped.reason, mapped.rule, lambda _rule, c=source_col: c)
    return columns, report, checks


def _assemble(frame: pd.DataFrame, cw: Crosswalk, parsed: pd.DataFrame, tags: Any,
              columns: dict[str, pd.Series],
              placed: tuple[Placed, int] | None = None) -> pd.DataFrame:
    """The canonical columns of every cell (rejected ones included, filtered later).

    The frame is made once from its columns' arrays: setting them one by one on a
    frame copied each (at 10M rows, 30 MB of fresh memory per million cells).
    """
    import numpy as np
    import pandas as pd

    from . import schema
    from .tag import SETTABLE

    defs = cw.definitions
    index = frame.index
    out: dict[str, Any] = {}
    for spec in schema.COLUMNS:
        name = spec.name
        if name in columns:
            out[name] = columns[name]
        elif name in SETTABLE:
            default = defs.get(name, spec.default)
            setting = tags.settings[name]
            if isinstance(default, str) and not setting.notna().any():
                out[name] = constant_codes(default, index)  # no row rule sets it
            else:
                out[name] = setting.fillna(default) if default is not None else setting
    for name in cw.extra_dimensions():
        out[name] = columns[name]
    # Symbols and flags set statuses; row rules may too (symbols win).
    status_from_value = parsed["obs_status"].where(parsed["obs_status"] != "A")
    out["obs_status"] = _fill(status_from_value, tags.settings["obs_status"]).fillna(
        defs.get("obs_status", "A"))
    conf_from_value = parsed["conf_status"].where(parsed["conf_status"] != "F")
    out["conf_status"] = _fill(conf_from_value, tags.settings["conf_status"]).fillna("F")

    n = len(frame)
    default_mult = int(defs.get("unit_mult", 0))
    if tags.unit_mult.notna().any():  # row rules set the scale of some rows
        unit_mult = tags.unit_mult.fillna(default_mult).astype("Int64").array
        factor: Any = np.power(10.0, unit_mult.to_numpy(dtype=float))
    else:  # one scale for the whole table
        unit_mult = pd.arrays.IntegerArray(  # zeros from calloc: no page touched
            np.zeros(n, dtype=np.int64) if default_mult == 0 else
            np.full(n, default_mult, dtype=np.int64), np.zeros(n, dtype=bool))
        factor = 10.0 ** default_mult
    out["unit_mult"] = unit_mult
    values = parsed["value"].to_numpy()  # the slice's own readings: no copy when unscaled
    out["obs_value"] = values if isinstance(factor, float) and factor == 1.0 else values * factor
    out["obs_flags"] = parsed["obs_flags"]
    out["obs_count"] = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64),
                                              np.ones(n, dtype=bool))  # all <NA>
    caveat_parts = [tags.caveats, parsed["caveats"]]
    if "_corrected" in frame:
        caveat_parts.append(frame["_corrected"].where(frame["_corrected"].notna(), "")
                            .astype("str").str.replace(r"\[\d+\]", "", regex=True))
    out["caveats"] = join_caveats(*caveat_parts, sort=False)
    out["source_id"] = constant_codes(cw.id, index)
    out["source_ref"] = frame["_ref"].astype("str")
    for spec in schema.COLUMNS:  # set by nothing above; the age bounds are made below
        if spec.name not in out and spec.name not in ("age_low", "age_high"):
            out[spec.name] = pd.Series(spec.default if spec.default is not None else pd.NA,
                                       index=index)
    out["age_low"], out["age_high"] = _age_bounds(out["age"], placed)
    arrays = {name: column.array if isinstance(column, pd.Series) else column
              for name, column in out.items()}
    return pd.DataFrame(arrays, index=index, copy=False)  # canonical dtypes: _canonical_check


def _age_bounds(age: pd.Series, placed: tuple[Placed, int] | None = None) -> tuple[Any, Any]:
    """``age_low`` and ``age_high`` of each row: the intervals of the distinct age codes,
    taken back to the rows (a missing age has none); with *placed*, made straight in the
    whole table's columns (:meth:`~migharmony._frames.Placed.taken`)."""
    import numpy as np
    import pandas as pd

    from . import vocab
    from ._frames import category_codes

    if isinstance(age.dtype, pd.CategoricalDtype):  # read through the codes: no hashing
        age_codes: Any = category_codes(age)  # -1 (missing) takes the last label
        labels = [*(str(c) for c in age.cat.categories), ""]
    else:
        age_codes, labels = distinct(age)  # a missing age reads as ""
    ages = vocab.age_intervals(pd.Series([u or "_U" for u in labels], dtype=object))
    # Indexed by the codes as they are (int8 for a few ages): numpy casts them a buffer
    # at a time, where a cast to its index type first made 8 MB of fresh memory a slice.
    at = np.asarray(age_codes)
    lookups = [(bound, ages[bound].to_numpy(dtype=np.int64, na_value=0),
                ages[bound].isna().to_numpy()) for bound in ("age_low", "age_high")]
    if placed is not None:
        whole, start = placed
        return tuple(whole.taken(start, bound, values, missing, at)
                     for bound, values, missing in lookups)
    return tuple(pd.arrays.IntegerArray(values[at], missing[at])  # type: ignore[return-value]
                 for _, values, missing in lookups)


def _vocabulary_checks(result: pd.DataFrame) -> list[Any]:
    """Codes set by row rules, symbols or attributes are checked like mapped ones."""
    import pandas as pd

    from . import schema, vocab
    from .validate import CellCheck

    checks = []
    for spec in schema.COLUMNS:
        if spec.vocabulary and spec.vocabulary != "age" and spec.name in result:
            column = result[spec.name]
            known = frozenset(vocab.codes(spec.vocabulary))
            ok = schema.each_code(known.__contains__)(column)  # once per distinct code
            if ok is not True:
                why = (f"{spec.name} code '" + column.astype("str") + "' set by the crosswalk "
                       f"is not in vocab/{spec.vocabulary}")
                checks.append(CellCheck("crosswalk-code", "_raw", ok,
                                        pd.Series(why, index=result.index, dtype="str")))
    return checks


def _canonical_check(result: pd.DataFrame, reason: pd.Series, rule: pd.Series,
                     extra: tuple[str, ...], cw: Crosswalk
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """The candidate observations checked against the canonical schema.

    A cell that breaks it (a negative count, a malformed period...) is rejected with
    the check it failed, never dropped and never raised as a traceback. Returns the
    observations kept, the failures, and *reason* and *rule* with those cells added.
    """
    import numpy as np

    from . import schema

    candidate_mask = reason.isna()
    # The wide frame is filtered column by column and each column let go as soon as it
    # is filtered: the candidates never coexist with a full copy of the frame.
    candidates = _rows(result, candidate_mask.to_numpy(), consume=True) \
        if not candidate_mask.all() else result.copy(deep=False)
    candidates = schema.conform(candidates)
    failures = schema.validate(schema.order(candidates, extra), unique=False)
    if not len(failures):
        return candidates, failures, reason, rule
    located = failures[failures["index"].notna()]
    if len(located) < len(failures):
        raise ValidationError(
            f"{cw.id}: the harmonized frame breaks the canonical schema as a whole; "
            "this is a bug in migharmony, please report it",
            problems=[_failure_problem(r) for r in failures.head(20).itertuples()])
    located = located.assign(
        index=located["index"].astype("int64"),
        reason=[f"{c} {v!r}: {_check_text(k)}" for c, v, k in
                zip(located["column"], located["value"], located["check"], strict=True)],
        rule=[_check_rule(c, k) for c, k in zip(located["column"], located["check"],
                                                 strict=True)])
    first = located.drop_duplicates("index")
    idx = first["index"].to_numpy()
    reason, rule = _set_texts(reason, idx, first["reason"]), _set_texts(rule, idx, first["rule"])
    kept = _rows(candidates, ~candidates.index.isin(np.unique(idx)))
    # The codes of rejected cells are no longer categories.
    return schema.conform(kept), located, reason, rule


def _set_texts(column: pd.Series, idx: Any, texts: pd.Series) -> pd.Series:
    """*column* (categorical) with *texts* at the labels *idx*, new categories added."""
    import numpy as np

    values = [str(t) for t in texts]
    new = sorted(set(values) - set(column.cat.categories))
    column = column.cat.add_categories(new) if new else column.copy()
    column.loc[idx] = np.asarray(values, dtype=object)
    return column


def _with_schema_failures(problems: pd.DataFrame, failures: pd.DataFrame,
                          frame: pd.DataFrame) -> pd.DataFrame:
    """*problems* plus the canonical-schema failures, in cell order."""
    import pandas as pd

    if not len(failures):
        return problems
    idx = failures["index"].to_numpy()
    more = pd.DataFrame({
        "source_ref": frame["_ref"].reindex(idx).astype("str").to_numpy(),
        "column": failures["column"].astype("str").to_numpy(),
        "rule": failures["rule"].to_numpy(),
        "value": failures["value"].astype("str").to_numpy(),
        "reason": failures["reason"].to_numpy(),
    }, index=pd.Index(idx)).astype("str")
    return pd.concat([problems, more]).sort_index(kind="stable")


#: Attributes a crosswalk may read straight from a named column (``attributes:``).
ATTRIBUTES = ("obs_status", "conf_status", "obs_flags", "caveats", "unit_mult", "obs_count",
              "source_id", "source_ref")


def _apply_attributes(result: pd.DataFrame, frame: pd.DataFrame,
                      cw: Crosswalk) -> list[Any]:
    """Set canonical attributes from named columns (a table that already carries them).

    A blank cell leaves what symbols, flags and rules set. ``unit_mult`` is recorded
    as given: such a table's values are taken as already multiplied. ``caveats`` are
    added to those the crosswalk sets. Text that is not an integer where one is
    needed rejects the cell with its reason (the checks returned).
    """
    import pandas as pd

    from .layout import _as_text
    from .validate import CellCheck

    checks: list[Any] = []
    for name, column in cw.section("attributes").items():
        raw = _as_text(frame[column])
        texts = raw.str.strip()
        given = texts != ""
        if name in ("obs_flags", "source_ref", "source_id"):  # free text, kept exactly
            texts = raw
        if name == "caveats":
            result["caveats"] = join_caveats(result["caveats"], texts, sort=False)
        elif name in ("unit_mult", "obs_count"):
            numbers = pd.to_numeric(texts.where(given), errors="coerce")
            whole = numbers.notna() & (numbers == numbers.round()) & (numbers.abs() < 2**53)
            bad = given & ~whole
            if bad.any():
                why = pd.Series(f"{name} is not a whole number: ", index=texts.index,
                                dtype="str") + texts
                checks.append(CellCheck(f"invalid-{name}", column, ~bad, why))
            keep = given & whole
            merged = result[name].astype("Int64").copy()
            merged[keep] = numbers[keep].astype("int64")
            result[name] = merged
        else:
            result[name] = result[name].astype("str").where(~given, texts)
    return checks


_CHECK_TEXT = {
    "not_negative": "a count cannot be negative",
    "negative value": "a count cannot be negative",
    "str_matches": "not an ISO 8601 period (2020, 2020-07, 2020-Q1)",
    "isin": "not a code of the vocabulary",
    "age_code": "not an SDMX age code",
}


def _check_text(check: str) -> str:
    for key, text in _CHECK_TEXT.items():
        if check.startswith(key):
            return text
    return check


def _check_rule(column: str, check: str) -> str:
    if check.startswith("not_negative") or "negative" in check:
        return "value-negative"
    if column == "time_period":
        return "period-format"
    return f"invalid-{column}"


def _failure_problem(row: Any) -> Any:
    from .errors import Problem

    return Problem(f"{row.column}: {row.value!r} fails {row.check}",
                   where=str(row.source_ref), rule="canonical-schema")


def _rows(frame: pd.DataFrame, mask: Any, *, consume: bool = False) -> pd.DataFrame:
    """``frame.loc[mask]`` for a boolean array, column by column (a boolean filter of each
    Arrow array, where ``.loc`` turns the mask into a take of a million positions).

    With *consume*, each column is removed from *frame* once filtered, so that memory
    holds one filtered column more, never a second copy of the frame."""
    import pandas as pd

    from ._frames import kept_rows

    index = frame.index[mask]
    out = {}
    for name in list(frame.columns):
        out[name] = kept_rows((frame.pop(name) if consume else frame[name]).array, mask,
                              len(index))
    return pd.DataFrame(out, index=index, copy=False)


def _fill(series: pd.Series, other: pd.Series) -> pd.Series:
    """``series.fillna(other)``, skipped when nothing is missing or nothing would fill it."""
    if not series.hasnans or not other.notna().any():
        return series
    return series.astype("str").fillna(other.astype("str"))  # codes of either side


def _collisions(data: pd.DataFrame, rejected: pd.DataFrame, cw: Crosswalk,
                on_collision: str, hashes: Any = None) -> Any:
    """*data* if no two observations share a key; else, by *on_collision*, an error
    naming the cells or *data* without the later ones and *rejected* with them.
    *hashes* (:func:`~migharmony._frames.key_hashes` of *data*'s keys; sorted here), if
    given, are a quick first look: no repeated hash, no repeated key."""
    import pandas as pd

    from . import schema
    from .errors import Problem

    if hashes is not None and not any_repeated(hashes):
        return data
    key = schema.key(data)
    # Duplicates among integer row keys (categorical codes), not among tuples of texts.
    keys = row_keys(data, key, dense=False)
    dup = pd.Series(repeated(keys), index=data.index)
    if not dup.any():
        return data
    groups = data.loc[dup].groupby(key, sort=False, dropna=False,
                                   observed=True)["source_ref"].agg(list)
    if on_collision == "reject":
        later = pd.Series(False, index=data.index)
        later[dup.to_numpy()] = pd.Series(keys[dup.to_numpy()]).duplicated().to_numpy()
        first_ref = data.loc[dup & ~later].set_index(key)["source_ref"]
        extra = data.loc[later]
        firsts = [first_ref.loc[tuple(r)] for r in extra[key].itertuples(index=False)]
        more = pd.DataFrame({
            "source_id": cw.id, "source_ref": extra["source_ref"].to_numpy(),
            "source_value": extra["obs_value"].astype("str").to_numpy(),
            "rule": "duplicate-key",
            "reason": [f"same observation key as {f}" for f in firsts],
            "context": ""}).astype("str")
        return data.loc[~later].reset_index(drop=True), pd.concat([rejected, more],
                                                                  ignore_index=True)
    problems = [Problem(f"cells {', '.join(refs)} all map to the same observation "
                        f"({', '.join(str(part) for part in k)})",  # type: ignore[attr-defined]
                        rule="duplicate-key")
                for k, refs in groups.head(50).items()]
    raise ValidationError(
        f"{cw.id}: {len(groups)} observation key(s) are produced by more than one source "
        "cell; the crosswalk must tell them apart (a further dimension) or exclude one "
        "(exclude_rows)", problems=problems)
