"""How memory is asked for while a table is harmonized: small pages, and jemalloc for Arrow.

Harmonizing a large table makes many arrays of several megabytes that live for one
slice. Two defaults of the libraries underneath make each of them dear on a virtual
machine whose host takes back the guest's free memory in 2 MB blocks:

- numpy asks Linux for 2 MB pages (``madvise(MADV_HUGEPAGE)``) for every array of 4 MB
  or more, and such a page, freshly taken, costs the host's fault as well as the
  guest's;
- Arrow's default allocator, mimalloc (since pyarrow 20), asks the same for its 1 GB
  arena and hands freed memory back within milliseconds, to be faulted in again by the
  next slice; jemalloc, also shipped in pyarrow's Linux and macOS wheels, keeps freed
  memory for a second and asks for ordinary pages.

At 10 million rows, with both changed, harmonize took 1.8 s of system time against
3.9 s, 5.2 s against 6.3 s and 80 MB less memory (a ``benchmarks/compare.py`` set, see
``docs/performance.md``). Neither setting changes a result: they only choose where
bytes live.

Both are settings of the whole process. :func:`lean_memory` changes them when the first
harmonize call in the process starts and puts back what was there when the last one
running ends. A process that chose for itself is left alone: numpy's hint when
``NUMPY_MADVISE_HUGEPAGE`` is set, Arrow's allocator when ``ARROW_DEFAULT_MEMORY_POOL``
is set or the default pool is not mimalloc (someone called ``pyarrow.set_memory_pool``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def _small_pages() -> Callable[[], object] | None:
    """Turn numpy's huge-page hint off; return what turns it back, or None if untouched."""
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return None
    try:
        from numpy._core import multiarray
    except ImportError:  # pragma: no cover - numpy 1, whose switch is elsewhere
        return None
    switch: Callable[[bool], bool] | None = getattr(multiarray, "_set_madvise_hugepage", None)
    if switch is None:  # pragma: no cover - a numpy without the switch
        return None
    before = switch(False)
    return lambda: switch(before)


def _jemalloc() -> Callable[[], object] | None:
    """Make jemalloc Arrow's default pool; return what puts the previous one back, or None
    if untouched (chosen by the process, or no jemalloc in this pyarrow)."""
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return None
    import pyarrow as pa

    before: Any = pa.default_memory_pool()
    if before.backend_name != "mimalloc":
        return None
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # pyarrow built without jemalloc (Windows wheels)
        return None
    return lambda: pa.set_memory_pool(before)


def _tried(change: Callable[[], Callable[[], object] | None]) -> Callable[[], object] | None:
    """*change* made, or skipped if it fails: a setting that cannot be changed stays as it
    was, and harmonize runs as it would have."""
    try:
        return change()
    except Exception:  # only a speed-up is lost
        return None


@contextmanager
def lean_memory() -> Iterator[None]:
    """Run the block with numpy's huge-page hint off and jemalloc as Arrow's pool.

    Nested and concurrent blocks share one change; the last to end puts back what the
    first found.

    >>> import pyarrow as pa
    >>> before = pa.default_memory_pool().backend_name
    >>> with lean_memory():
    ...     inside = pa.default_memory_pool().backend_name
    >>> inside in ("jemalloc", before), pa.default_memory_pool().backend_name == before
    (True, True)
    """
    _SHARED.start()
    try:
        yield
    finally:
        _SHARED.end()


class _Shared:
    """The one change that every harmonize call running in the process shares."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._undo: list[Callable[[], object]] = []

    def start(self) -> None:
        with self._lock:
            if self._running == 0:
                self._undo = [undo for undo in map(_tried, (_small_pages, _jemalloc))
                              if undo is not None]
            self._running += 1

    def end(self) -> None:
        with self._lock:
            self._running -= 1
            if self._running == 0:
                for undo in reversed(self._undo):
                    undo()
                self._undo = []


_SHARED = _Shared()
