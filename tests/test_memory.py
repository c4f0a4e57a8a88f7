"""What harmonize changes in the process while it runs (``_memory``): numpy's huge-page
hint off and jemalloc as Arrow's pool, one change shared by every call running, put back
as it was when the last one ends, and never made where the process chose for itself."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy._core.multiarray import _set_madvise_hugepage as switch

from migharmony import _memory, batches, pipeline
from migharmony._memory import lean_memory

try:
    pa.jemalloc_memory_pool()
    INSIDE_POOL = "jemalloc"
except NotImplementedError:  # pragma: no cover - pyarrow without jemalloc
    INSIDE_POOL = "mimalloc"


def hint() -> bool:
    """numpy's huge-page hint, read without changing it."""
    before: bool = switch(True)
    switch(before)
    return before


def pool() -> str:
    return str(pa.default_memory_pool().backend_name)


@pytest.fixture(autouse=True)
def arrow_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts from Arrow's own default (mimalloc) and numpy's hint on, and
    whatever it changes is put back."""
    for name in ("NUMPY_MADVISE_HUGEPAGE", "ARROW_DEFAULT_MEMORY_POOL"):
        monkeypatch.delenv(name, raising=False)
    pool_before, hint_before = pa.default_memory_pool(), switch(True)
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    yield
    pa.set_memory_pool(pool_before)
    switch(hint_before)


@pytest.mark.parametrize("hint_before", [True, False])
def test_changed_inside_and_put_back_as_it_was(hint_before: bool) -> None:
    switch(hint_before)
    with lean_memory():
        assert (hint(), pool()) == (False, INSIDE_POOL)
    assert (hint(), pool()) == (hint_before, "mimalloc")


def test_put_back_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError), lean_memory():
        raise RuntimeError("the harmonize call failed")
    assert (hint(), pool()) == (True, "mimalloc")


def test_a_change_that_fails_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A setting that cannot be changed stays as it was; the other is still changed and
    put back."""
    def failing() -> None:
        raise RuntimeError("no pool")

    monkeypatch.setattr(_memory, "_jemalloc", failing)
    with lean_memory():
        assert (hint(), pool()) == (False, "mimalloc")
    assert (hint(), pool()) == (True, "mimalloc")


@given(st.integers(1, 4).flatmap(lambda n: st.permutations(list(range(2 * n)))))
def test_overlapping_calls_share_one_change(events: list[int]) -> None:
    """Calls that start and end in any order (threads do not end in the order they
    began): changed while any runs, put back once none does."""
    holders: dict[int, Any] = {}
    for event in events:
        caller = event // 2
        if caller in holders:
            holders.pop(caller).__exit__(None, None, None)
        else:
            holders[caller] = lean_memory()
            holders[caller].__enter__()
        running = bool(holders)
        assert (hint(), pool()) == ((False, INSIDE_POOL) if running
                                    else (True, "mimalloc"))


def test_concurrent_threads_put_back_what_the_first_found() -> None:
    together = threading.Barrier(4)
    seen: list[tuple[bool, str]] = []

    def call() -> None:
        with lean_memory():
            together.wait()
            seen.append((hint(), pool()))
            together.wait()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [(False, INSIDE_POOL)] * 4
    assert (hint(), pool()) == (True, "mimalloc")


def test_a_process_that_chose_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    with lean_memory():
        assert (hint(), pool()) == (True, "mimalloc")
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
    pa.set_memory_pool(pa.system_memory_pool())  # chosen in code, not in the environment
    with lean_memory():
        assert (hint(), pool()) == (True, "system")
    assert pool() == "system"


@pytest.mark.parametrize("entry", [
    lambda: pipeline.harmonize("any.csv", "any"),
    lambda: batches.harmonize_batches("any.csv", "any", "out"),
])
def test_harmonize_runs_inside_and_puts_back(entry: Any, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    seen: list[tuple[bool, str]] = []

    def load(crosswalk: Any) -> Any:
        seen.append((hint(), pool()))
        raise LookupError("no such crosswalk")

    monkeypatch.setattr(pipeline, "load", load)
    monkeypatch.setattr(batches, "load", load)
    with pytest.raises(LookupError):
        entry()
    assert seen == [(False, INSIDE_POOL)]
    assert (hint(), pool()) == (True, "mimalloc")


def test_importing_changes_nothing() -> None:
    """Only a call changes the settings: importing migharmony and its pipeline leaves the
    hint and the pool as the process had them (a fresh interpreter)."""
    import json
    import subprocess
    import sys

    code = ("import json, pyarrow as pa\n"
            "from numpy._core.multiarray import _set_madvise_hugepage as switch\n"
            "def now():\n"
            "    hint = switch(True); switch(hint)\n"
            "    return [hint, pa.default_memory_pool().backend_name]\n"
            "before = now()\n"
            "import migharmony, migharmony.pipeline, migharmony.batches\n"
            "print(json.dumps([before, now()]))\n")
    before, after = json.loads(subprocess.run([sys.executable, "-c", code], check=True,
                                              capture_output=True, text=True).stdout)
    assert after == before
