"""Replay every input that once broke migharmony (``tests/fuzz_corpus``)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).with_name("fuzz_corpus")
CASES = sorted(p for p in CORPUS.iterdir()
               if p.suffix != ".md" and not p.name.endswith(".meta.json"))


def _meta(case: Path) -> Path:
    return case.with_name(case.name[: -len(case.suffix)] + ".meta.json")


def _fuzz():  # tools/fuzz.py is a script, not part of the package
    if "migharmony_fuzz" not in sys.modules:
        spec = importlib.util.spec_from_file_location("migharmony_fuzz",
                                                      ROOT / "tools" / "fuzz.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["migharmony_fuzz"] = module
        spec.loader.exec_module(module)
    return sys.modules["migharmony_fuzz"]


def test_the_corpus_is_not_empty() -> None:
    assert len(CASES) >= 3
    for case in CASES:
        assert _meta(case).is_file(), f"{case.name} has no .meta.json beside it"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_input_harmonizes_or_fails_cleanly(case: Path) -> None:
    meta = json.loads(_meta(case).read_text(encoding="utf-8"))
    status, error, seconds, detail = _fuzz().run_input(case, meta["crosswalk"], timeout=10)
    assert status in ("ok", "error"), f"{case.name}: {error}\n{detail}"
    assert seconds < 10
