"""Harmonize tables larger than memory, in batches, into a Parquet dataset.

:func:`harmonize_batches` reads a large CSV (or a Parquet file or dataset of a long
table) a batch of rows at a time, harmonizes each batch with
:func:`harmonize_batch` and writes one Parquet file per batch, for the data and for
the rejected cells, with the dataset metadata embedded as :func:`migharmony.emit.
write_parquet` does. Memory is bounded by the batch, not by the table: with more than
one thread (``pipeline.SLICE_THREADS``) a batch is harmonized while the one before it
is written and the next one read, so that at most three batches are in memory.

:func:`harmonize_batch` is a pure function of the batch's cells and the crosswalk: no
state is kept between batches inside it, so the same step could run on a partitioned
engine. What needs the whole table is done outside it: observation keys are hashed
(64 bits) and compared with those of earlier batches; a hash seen before is checked
exactly against the rows already written, so a key collision across batches is
reported (or rejected) exactly as :func:`migharmony.harmonize` does within one table.

The rows are exactly those of the in-memory path (``harmonize``): same values, codes,
caveats and ``source_ref`` (rows keep their numbers in the file), in the same order
once the parts are concatenated. Area names that other names of the table settle
(``Congo`` beside ``Democratic Republic of the Congo``) are read in the context of the
whole table: when a batch holds one, the area names of the table are gathered in one
more pass and the batches are harmonized with them.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ._memory import lean_memory
from .crosswalk import Crosswalk, load
from .errors import (
    CrosswalkError,
    MigharmonyError,
    ReadError,
    SourceNotFoundError,
    ValidationError,
)

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future

    import numpy as np
    import pandas as pd

    from .layout import Cells

__all__ = ["BatchResult", "BatchSummary", "harmonize_batch", "harmonize_batches", "read_dataset"]

#: Crosswalk features that need the whole table at once.
_WHOLE_TABLE = {
    "records": "records are added up over the whole table",
    "not_disaggregated": "zeros are compared with totals that may sit in another batch",
    "corrections": "corrections name cells anywhere in the table",
}


@dataclass
class BatchSummary:
    """What :func:`harmonize_batches` wrote."""

    output_dir: Path
    data_files: list[Path] = field(default_factory=list)
    rejected_files: list[Path] = field(default_factory=list)
    n_batches: int = 0
    n_data: int = 0
    n_rejected: int = 0
    seconds: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)


class BatchResult(NamedTuple):
    """What :func:`harmonize_batch` gives for one batch: its observations, its cells set
    aside (with a reason each), and what each distinct label of each dimension became
    in it (the rows of :meth:`HarmonizedResult.mapping
    <migharmony.result.HarmonizedResult.mapping>`: dimension, label, code, how, reason).
    """

    data: pd.DataFrame
    rejected: pd.DataFrame
    mapping: pd.DataFrame


def harmonize_batch(cells: Cells, cw: Crosswalk, notes: Mapping[str, str] | None = None, *,
                    on_collision: str = "raise",
                    context: Mapping[str, list[str]] | None = None) -> BatchResult:
    r"""Harmonize the cells of one batch: its observations, rejected cells and mapping.

    A pure function of its arguments, the in-memory pipeline's steps after the read:
    values, row tags, mapping, schema checks and key collisions within the batch.
    *context* gives, per area dimension, the area names of the whole table, so that a
    name another one settles ("Congo" beside "Democratic Republic of the Congo") is
    read as in the whole table (see :func:`harmonize_batches`). The mappings of several
    batches join into the table's by keeping each of their rows once.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from migharmony.crosswalk import load
    >>> from migharmony.layout import cells_from_grid
    >>> from migharmony.read import read_grid
    >>> batch = Path(tempfile.mkdtemp()) / "batch.csv"
    >>> _ = batch.write_text("country,Total\nSenegal,274929\nAtlantis,12\n", encoding="utf-8")
    >>> crosswalk = load({
    ...     "migharmony": "crosswalk/1", "id": "example", "title": "Example",
    ...     "source": {"producer": "Example office", "licence": "CC0"},
    ...     "definitions": {"measure": "STOCK", "migr_basis": "COB"},
    ...     "read": {"header_rows": [1]},
    ...     "columns": {"country": "country"}, "values": {"columns": ["Total"]},
    ...     "dimensions": {"ref_area": {"from": "country", "areas": {"scheme": "name"}},
    ...                    "time_period": {"value": "2020"}}})
    >>> data, rejected, mapping = harmonize_batch(cells_from_grid(read_grid(batch),
    ...                                                           crosswalk), crosswalk)
    >>> data[["ref_area", "obs_value", "source_ref"]]
      ref_area  obs_value source_ref
    0      SEN   274929.0         B2
    >>> rejected[["source_ref", "rule"]]
      source_ref               rule
    0         B3  unmapped-ref_area
    >>> mapping[["dimension", "label", "code", "how"]]
      dimension     label code          how
    0  ref_area   Senegal  SEN  areas:exact
    1  ref_area  Atlantis          unmapped
    """
    from .result import mapping_frame, mapping_metadata

    data, rejected, report = _harmonized(cells, cw, notes, on_collision=on_collision,
                                         context=context)
    return BatchResult(data, rejected, mapping_frame(mapping_metadata(report)))


def _harmonized(cells: Cells, cw: Crosswalk, notes: Mapping[str, str] | None = None, *,
                on_collision: str = "raise", context: Mapping[str, list[str]] | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame]]:
    """:func:`harmonize_batch`'s frames, and the batch's mapping report per dimension."""
    import pandas as pd

    from .pipeline import _collisions, _rejected_frame, _to_observations

    excluded = cells.excluded
    rejected = [_rejected_frame(excluded, cw, excluded["reason"], excluded["rule"])]
    observations = _to_observations(cells.frame, cw, dict(notes or {}), context=context)
    data, more = observations.data, observations.rejected
    rejected.extend(more)
    rejected_frame = pd.concat(rejected, ignore_index=True)
    out = _collisions(data, rejected_frame, cw, on_collision)
    if isinstance(out, tuple):
        return (*out, observations.report)
    return out, rejected_frame, observations.report


@lean_memory()
def harmonize_batches(source: str | Path, crosswalk: str | Path | Mapping[str, Any] | Crosswalk,
                      output_dir: str | Path, *, batch_rows: int = 1_000_000,
                      on_collision: str = "raise") -> BatchSummary:
    r"""Harmonize *source* batch by batch into Parquet files under *output_dir*.

    *source* is a CSV file (``read.format: csv`` or auto) or a Parquet file or folder
    of Parquet files (``read.format: parquet``). *batch_rows* source rows are read at
    a time. Files written: ``data/part-00000.parquet``... and
    ``rejected/part-00000.parquet``..., each carrying the metadata (with the batch's
    number and counts), and ``metadata.json`` with the totals.
    :func:`read_dataset` reads them back as one frame. Memory is asked for as in
    :func:`~migharmony.harmonize` (numpy's huge-page hint off, jemalloc for Arrow, while
    it runs).

    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "big.csv").write_text("country,Total\nSenegal,274929\nMali,485829\n"
    ...                                     "Nigeria,1308568\n", encoding="utf-8")
    >>> crosswalk = {
    ...     "migharmony": "crosswalk/1", "id": "example", "title": "Example",
    ...     "source": {"producer": "Example office", "licence": "CC0"},
    ...     "definitions": {"measure": "STOCK", "migr_basis": "COB"},
    ...     "read": {"format": "csv", "header_rows": [1]},
    ...     "columns": {"country": "country"}, "values": {"columns": ["Total"]},
    ...     "dimensions": {"ref_area": {"from": "country", "areas": {"scheme": "name"}},
    ...                    "time_period": {"value": "2020"}}}
    >>> summary = harmonize_batches(folder / "big.csv", crosswalk, folder / "out", batch_rows=2)
    >>> read_dataset(folder / "out", "data")[["ref_area", "obs_value"]]
      ref_area  obs_value
    0      SEN   274929.0
    1      MLI   485829.0
    2      NGA  1308568.0
    """
    from .emit import metadata_json
    from .pipeline import _notes
    from .result import build_metadata

    started = time.perf_counter()
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    cw = load(crosswalk)
    for key, why in _WHOLE_TABLE.items():
        if cw.data.get(key):
            raise CrosswalkError(f"{cw.id}: `{key}` cannot be applied batch by batch ({why}); "
                                 "use migharmony.harmonize on the whole table")
    path = Path(source)
    if not path.exists():
        raise SourceNotFoundError(f"source {path} not found")
    out = Path(output_dir)
    if (folder := _holds_parts(out)) is not None:
        raise MigharmonyError(f"{folder} already holds parts; give an empty output folder")
    notes = _notes(source, cw)
    # Area names are read in their batch's context, unless a batch holds a name that
    # another name settles ("Congo"): then the area names of the whole table are
    # gathered (one more pass over the table) and the batches are harmonized again.
    context: dict[str, list[str]] | None = None
    while True:
        written = _write_batches(path, cw, batch_rows, out, notes, on_collision, context,
                                 source, started)
        if written is not None:
            summary, mapping = written
            break
        context = _table_context(path, cw, batch_rows)
    if not summary.n_batches:
        raise ReadError(f"{path}: no data rows to harmonize")
    summary.seconds = time.perf_counter() - started
    summary.metadata = build_metadata(cw, source, None, notes=notes, corrections=[],
                                      n_data=summary.n_data, n_rejected=summary.n_rejected,
                                      seconds=summary.seconds, mapping=mapping)
    summary.metadata["batches"] = {"count": summary.n_batches, "batch_rows": batch_rows}
    (out / "metadata.json").write_text(metadata_json(summary.metadata), encoding="utf-8")
    return summary


def _holds_parts(output_dir: str | Path) -> Path | None:
    """The folder of *output_dir* that already holds parts of a dataset, or None: the
    batches are written only into an empty output folder."""
    for sub in ("data", "rejected"):
        folder = Path(output_dir) / sub
        if folder.is_dir() and any(folder.glob("part-*.parquet")):
            return folder
    return None


def _write_batches(path: Path, cw: Crosswalk, batch_rows: int, out: Path,
                   notes: dict[str, str], on_collision: str,
                   context: dict[str, list[str]] | None, source: Any,
                   started: float
                   ) -> tuple[BatchSummary, dict[str, pd.DataFrame]] | None:
    """Harmonize and write every batch: the summary and the batches' mapping report as
    one; None (the parts written removed) when a batch needs the area names of the whole
    table and *context* is not given yet.

    With more than one thread (``pipeline.SLICE_THREADS``), a batch is harmonized in a
    worker thread while this one writes the batch before it and reads the one after:
    at most three batches are in memory. Key checks and writes stay in batch order, so
    the parts are those of one batch after the other.
    """
    import contextvars
    import functools
    from concurrent.futures import ThreadPoolExecutor

    from .mapping import joined_reports
    from .pipeline import _slice_threads

    writer = _Writer(cw, out, notes, source, started, batch_rows, on_collision,
                     BatchSummary(output_dir=out))
    ahead = _slice_threads() > 1
    pending: list[tuple[int, Any, Future[Any]]] = []  # harmonized, not yet written
    with ThreadPoolExecutor(1, thread_name_prefix="migharmony-batch") as pool:
        try:
            for number, (cells, grid) in enumerate(_batches(path, cw, batch_rows)):
                if context is None and _needs_context(cells, cw):
                    for future in (p[2] for p in pending):
                        future.cancel()
                    for part in [*writer.summary.data_files, *writer.summary.rejected_files]:
                        part.unlink()
                    return None
                job = functools.partial(_harmonized, cells, cw, notes,
                                        on_collision=on_collision, context=context)
                pending.append((number, grid, pool.submit(contextvars.copy_context().run, job)
                                if ahead else _done(job)))
                del cells, job  # held by the worker until harmonized
                while len(pending) > ahead:  # the earlier batch, while this one works
                    writer.write(*pending.pop(0))
            while pending:
                writer.write(*pending.pop(0))
        except BaseException:
            for future in (p[2] for p in pending):  # nothing more is started
                future.cancel()
            raise
    return writer.summary, joined_reports(writer.reports)


def _done(job: Callable[[], Any]) -> Future[Any]:
    """*job* run now, as a finished future (its error kept for ``result()``)."""
    from concurrent.futures import Future

    future: Future[Any] = Future()
    try:
        future.set_result(job())
    except BaseException as error:  # raised by result(), in batch order
        future.set_exception(error)
    return future


@dataclass
class _Writer:
    """Writes the harmonized batches in order, each checked against the keys before it."""

    cw: Crosswalk
    out: Path
    notes: dict[str, str]
    source: Any
    started: float
    batch_rows: int
    on_collision: str
    summary: BatchSummary
    seen: _KeyIndex = field(default_factory=lambda: _KeyIndex())  # noqa: PLW0108 - below
    reports: list[dict[str, pd.DataFrame]] = field(default_factory=list)  # mapping, by batch

    def write(self, number: int, grid: Any, harmonized: Future[Any]) -> None:
        from .emit import write_parquet
        from .result import build_metadata

        data, rejected, mapping = harmonized.result()
        data, rejected = self.seen.check(data, rejected, self.cw, self.on_collision,
                                         self.summary.data_files)
        metadata = build_metadata(self.cw, self.source, grid, notes=self.notes,
                                  corrections=[], n_data=len(data), n_rejected=len(rejected),
                                  seconds=time.perf_counter() - self.started, mapping=mapping)
        self.reports.append(mapping)
        metadata["batch"] = {"number": number, "batch_rows": self.batch_rows}
        name = f"part-{number:05d}.parquet"
        summary = self.summary
        summary.data_files.append(write_parquet(data, self.out / "data" / name, metadata))
        summary.rejected_files.append(write_parquet(rejected, self.out / "rejected" / name,
                                                    metadata))
        summary.n_batches += 1
        summary.n_data += len(data)
        summary.n_rejected += len(rejected)


def _needs_context(cells: Cells, cw: Crosswalk) -> bool:
    """Whether the batch holds an area name that other names of the table settle."""
    from .areas import depends_on_context
    from .mapping import _area_context

    context = _area_context(cells.frame, cw) or {}
    return any(depends_on_context(labels) for labels in context.values())


def _table_context(path: Path, cw: Crosswalk, batch_rows: int) -> dict[str, list[str]]:
    """The area names of the whole table, per area dimension (one pass, no harmonizing)."""
    from .mapping import _area_context

    found: dict[str, dict[str, None]] = {}
    for cells, _ in _batches(path, cw, batch_rows):
        for dim, labels in (_area_context(cells.frame, cw) or {}).items():
            found.setdefault(dim, {}).update(dict.fromkeys(labels))
    return {dim: list(labels) for dim, labels in found.items()}


def read_dataset(output_dir: str | Path, part: str = "data") -> pd.DataFrame:
    """The ``data`` (or ``rejected``) parts written by :func:`harmonize_batches`, as one
    frame in source order, metadata of the whole run in ``attrs``."""
    import pandas as pd

    from .emit import read_parquet

    folder = Path(output_dir)
    frames = [read_parquet(p) for p in sorted((folder / part).glob("part-*.parquet"))]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if "obs_value" in frame.columns:  # parts have their own categories: one set again
        from .schema import conform

        frame = conform(frame)
    meta = folder / "metadata.json"
    frame.attrs = {"migharmony": json.loads(meta.read_text(encoding="utf-8"))} \
        if meta.exists() else {}
    return frame


# ------------------------------------------------------------------ key collisions


class _KeyIndex:
    """64-bit hashes of the observation keys written so far (8 bytes per observation)."""

    def __init__(self) -> None:
        import numpy as np

        self.hashes = np.empty(0, dtype=np.uint64)

    @staticmethod
    def hash(data: pd.DataFrame) -> np.ndarray:
        from . import schema
        from ._frames import key_hashes

        hashes: np.ndarray = key_hashes(data, schema.key(data))  # alike across batches
        return hashes

    def check(self, data: pd.DataFrame, rejected: pd.DataFrame, cw: Crosswalk,
              on_collision: str, written: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
        import numpy as np

        if not len(data):
            return data, rejected
        hashes = self.hash(data)
        hit = self.seen(hashes)
        if hit.any():
            data, rejected = self._exact(data, rejected, hashes, hit, cw, on_collision, written)
            hashes = self.hash(data) if len(data) else np.empty(0, dtype=np.uint64)
        # Kept sorted: the new keys are sorted, found by binary search (in order, so the
        # search walks memory forward) and inserted in one linear pass, never a hash
        # table rebuilt over every key seen so far.
        new = np.sort(hashes)
        self.hashes = np.insert(self.hashes, np.searchsorted(self.hashes, new), new)
        return data, rejected

    def seen(self, hashes: np.ndarray) -> np.ndarray:
        """Whether each hash is one of an earlier batch."""
        import numpy as np

        if not len(self.hashes):
            return np.zeros(len(hashes), dtype=bool)
        order = np.argsort(hashes)
        ordered = hashes[order]
        pos = np.minimum(np.searchsorted(self.hashes, ordered), len(self.hashes) - 1)
        hit = np.empty(len(hashes), dtype=bool)
        hit[order] = self.hashes[pos] == ordered
        return hit

    def _exact(self, data: pd.DataFrame, rejected: pd.DataFrame, hashes: np.ndarray,
               hit: np.ndarray, cw: Crosswalk, on_collision: str,
               written: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Compare the rows whose hash was seen with the rows written before."""
        import pandas as pd
        import pyarrow.parquet as pq

        from . import schema
        from .errors import Problem

        key = schema.key(data)
        wanted = set(hashes[hit].tolist())
        earlier = []
        for file in written:
            part = pq.read_table(file, columns=[*key, "source_ref"]).to_pandas()
            part = part[[h in wanted for h in self.hash(part).tolist()]]
            earlier.append(part)
        before = pd.concat(earlier, ignore_index=True).drop_duplicates(key)
        candidates = data.loc[hit, [*key, "source_ref"]]
        as_text = [c + "_text" for c in key]
        left = candidates.reset_index().assign(**{t: candidates[c].astype("str").to_numpy()
                                                  for t, c in zip(as_text, key, strict=True)})
        right = before.assign(**{t: before[c].astype("str") for t, c in
                                 zip(as_text, key, strict=True)})
        same = left.merge(right[[*as_text, "source_ref"]], on=as_text, suffixes=("", "_first"))
        if not len(same):  # a hash collision of different keys
            return data, rejected
        if on_collision == "reject":
            later = data.loc[same["index"].to_numpy()]
            more = pd.DataFrame({
                "source_id": cw.id, "source_ref": later["source_ref"].to_numpy(),
                "source_value": later["obs_value"].astype("str").to_numpy(),
                "rule": "duplicate-key",
                "reason": [f"same observation key as {f}" for f in same["source_ref_first"]],
                "context": ""}).astype("str")
            return (data.drop(index=same["index"].tolist()).reset_index(drop=True),
                    pd.concat([rejected, more], ignore_index=True))
        problems = [Problem(f"cells {r['source_ref_first']}, {r['source_ref']} all map to the "
                            f"same observation ({', '.join(str(r[c]) for c in key)})",
                            rule="duplicate-key") for _, r in same.head(50).iterrows()]
        raise ValidationError(
            f"{cw.id}: {len(same)} observation key(s) are produced by more than one source "
            "cell; the crosswalk must tell them apart (a further dimension) or exclude one "
            "(exclude_rows)", problems=problems)


# ------------------------------------------------------------------ readers


def _batches(path: Path, cw: Crosswalk, batch_rows: int) -> Iterator[tuple[Cells, Any]]:
    from .pipeline import _is_cube

    read = cw.section("read")
    fmt = read.get("format", "auto")
    if path.is_dir() or _is_cube(path, fmt):
        if fmt not in ("auto", "parquet") or (path.is_file() and path.suffix != ".parquet"
                                               and fmt == "auto"):
            raise ReadError(f"{path}: batches read CSV and Parquet; '{fmt}' cubes are read "
                            "whole by migharmony.harmonize")
        yield from ((cells, None) for cells in _parquet_batches(path, cw, batch_rows))
        return
    from .read import _sniff_format

    kind = fmt if fmt != "auto" else _sniff_format(path)
    if kind != "csv":
        raise ReadError(f"{path}: batches read CSV and Parquet; a {kind} workbook is read "
                        "whole by migharmony.harmonize")
    if read.get("stop_at_blank"):
        raise CrosswalkError(f"{cw.id}: read.stop_at_blank needs the whole table; use "
                             "migharmony.harmonize or give read.last_row")
    yield from _csv_batches(path, cw, batch_rows)


def _csv_batches(path: Path, cw: Crosswalk, batch_rows: int) -> Iterator[tuple[Cells, Any]]:
    """Grids of the header rows plus *batch_rows* further rows, with their file row numbers."""
    import pandas as pd

    from . import hxl
    from .layout import cells_from_grid
    from .read import Grid, detect_encoding, regular_chunks, sniff_delimiter

    read = cw.section("read")
    with path.open("rb") as handle:
        sample = handle.read(1 << 16)
    enc = read.get("encoding") or detect_encoding(sample)
    delim = read.get("delimiter") or sniff_delimiter(sample.decode(enc, errors="replace"))
    options: dict[str, Any] = {
        "sep": delim, "header": None, "dtype": "str", "keep_default_na": False,
        "encoding": enc, "encoding_errors": "strict", "skip_blank_lines": False,
        "on_bad_lines": "error", "engine": "python" if len(delim) > 1 else "c",
        "quoting": csv.QUOTE_MINIMAL}
    header_rows = [int(r) for r in read.get("header_rows", [1])]
    n_head = max(header_rows, default=0)
    probe = pd.read_csv(path, nrows=n_head + 1, **options)
    probe.index = pd.RangeIndex(1, len(probe) + 1)
    probe.columns = range(probe.shape[1])
    hxl_row = hxl.find_row(probe, header_rows, read.get("hxl", "auto")) if len(probe) else None
    n_head = max(n_head, hxl_row or 0)
    head = probe.loc[:n_head]
    first = int(read.get("first_row", n_head + 1))
    last = int(read["last_row"]) if "last_row" in read else None
    arrow = enc in ("utf-8", "utf-8-sig") and len(delim) == 1 and delim not in "\"\r\n" \
        and probe.shape[1] > 1

    def chunks() -> Iterator[pd.DataFrame]:
        start = n_head + 1
        if arrow:  # codes straight from Arrow's reader, as harmonize reads a whole table
            rest = yield from regular_chunks(path, delim, probe.shape[1], batch_rows, n_head)
            if rest is None:
                return
            start = rest  # an irregular line: the general reader goes on from its block
        reader = pd.read_csv(path, skiprows=start - 1, chunksize=batch_rows, **options)
        with reader:
            for chunk in reader:
                chunk.index = pd.RangeIndex(start, start + len(chunk))
                start += len(chunk)
                chunk.columns = pd.RangeIndex(chunk.shape[1])
                yield chunk

    for chunk in chunks():
        if chunk.index[-1] < first:
            continue
        if last is not None and chunk.index[0] > last:
            break
        grid = Grid(cells=_below(head, chunk), sheet=None, kind="csv", path=str(path),
                    details={"encoding": enc, "delimiter": delim})
        del chunk
        cells = cells_from_grid(grid, cw)
        grid.cells = grid.cells.iloc[:0]  # cut into cells: only the grid's details remain
        yield cells, grid
        del cells, grid  # before the next chunk is read: one batch in memory at a time


def _below(head: pd.DataFrame, chunk: pd.DataFrame) -> pd.DataFrame:
    """The header rows above a chunk of rows; categorical chunks stay categorical."""
    import pandas as pd

    if not len(head):
        return chunk
    if not all(isinstance(chunk[c].dtype, pd.CategoricalDtype) for c in chunk.columns):
        return pd.concat([head, chunk])
    index = head.index.append(chunk.index)
    return pd.DataFrame({
        c: pd.Series(pd.api.types.union_categoricals(
            [pd.Categorical(head[c].fillna("") if c in head else [""] * len(head)),
             chunk[c].array]), index=index)
        for c in chunk.columns}, index=index, copy=False)


def _parquet_batches(path: Path, cw: Crosswalk, batch_rows: int) -> Iterator[Cells]:
    """Cells of a long Parquet table (a file or a folder of files), *batch_rows* at a time."""
    import pyarrow.dataset as ds

    from .cubes import _finish, _long_table

    read = cw.section("read")
    try:
        dataset = ds.dataset(str(path), format="parquet")
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError...
        raise ReadError(f"{path}: not a readable Parquet dataset ({type(exc).__name__}: {exc})"
                        ) from None
    first_row = 1
    for batch in dataset.to_batches(batch_size=batch_rows):
        if not batch.num_rows:
            continue
        frame = batch.to_pandas()
        cells_frame = _long_table(frame, path, read, ("OBS_VALUE", "obs_value", "value",
                                                      "VALUE"), first_row=first_row)
        first_row += batch.num_rows
        del frame, batch
        cells = _finish(cells_frame, cw, path)
        del cells_frame
        yield cells
        del cells  # before the next batch is read
