"""Mutated real inputs harmonize or fail with a MigharmonyError, within a time bound.

A fixed-seed sample runs with every test run (well under a minute). The slow test
runs more when asked: ``MIGHARMONY_FUZZ_RUNS=500 pytest tests/test_fuzz_readers.py``;
or run hundreds by hand with ``tools/fuzz.py`` (see its docstring).
"""

from __future__ import annotations

import os

import pytest

from test_fuzz_corpus import _fuzz

#: Mutants per seed in the default run, and in the slow run (or MIGHARMONY_FUZZ_RUNS).
PER_SEED = 5
SLOW_RUNS = int(os.environ.get("MIGHARMONY_FUZZ_RUNS", "200"))
TIMEOUT = 10.0
SEED_NAMES = ["undesa-ims-2020-t1-small", "undesa-ims-2019-t1-small",
              "undesa-ims-2024-t1-small", "undesa-2020-csv", "small-semicolon",
              "eurostat-migr_pop1ctz", "oecd-mig-b14-sdmxjson", "eurostat-tgm-tps00157",
              "unhcr-hdx-demographics", "crosswalk-2020"]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    built = _fuzz().build_seeds(tmp_path_factory.mktemp("fuzz-seeds"))
    assert [s.name for s in built] == SEED_NAMES
    return {s.name: s for s in built}


def _check(outcomes) -> None:
    bad = [o for o in outcomes if o.status not in ("ok", "error")]
    assert not bad, "\n\n".join(f"{o.seed} {o.mutation}: {o.error}\n{o.detail}" for o in bad)
    assert max(o.seconds for o in outcomes) < TIMEOUT


def test_the_seeds_harmonize(seeds) -> None:
    fuzz = _fuzz()
    for seed in seeds.values():
        status, error, _, detail = fuzz.run_input(seed.path, seed.crosswalk)
        assert status == "ok", f"{seed.name}: {error} {detail}"


@pytest.mark.parametrize("name", SEED_NAMES)
def test_fixed_seed_sample(seeds, tmp_path, name: str) -> None:
    fuzz = _fuzz()
    outcomes = fuzz.campaign([seeds[name]], PER_SEED, seed=SEED_NAMES.index(name),
                             workdir=tmp_path, timeout=TIMEOUT)
    assert len(outcomes) == PER_SEED
    _check(outcomes)


@pytest.mark.slow
@pytest.mark.skipif("MIGHARMONY_FUZZ_RUNS" not in os.environ,
                    reason="set MIGHARMONY_FUZZ_RUNS=<n> to run n mutants")
def test_many_mutants(seeds, tmp_path) -> None:
    outcomes = _fuzz().campaign(list(seeds.values()), SLOW_RUNS, seed=12345,
                                workdir=tmp_path, timeout=TIMEOUT)
    _check(outcomes)


def test_mutators_are_deterministic(seeds) -> None:
    import random

    fuzz = _fuzz()
    seed = seeds["undesa-2020-csv"]
    data = seed.path.read_bytes()
    first = fuzz.mutate(seed, data, random.Random(7))
    assert fuzz.mutate(seed, data, random.Random(7)) == first
