"""The package as a user gets it: the built wheel carries the vocabulary and crosswalks,
imports fast without I/O, and every docstring example runs."""

from __future__ import annotations

import doctest
import importlib
import json
import pkgutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import migharmony

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("not a source checkout")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True)
    return next(out.glob("migharmony-*.whl"))


@pytest.mark.slow
def test_wheel_carries_vocab_and_crosswalks(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "migharmony/_data/vocab/sex.yaml" in names
    assert "migharmony/_data/crosswalks/undesa/ims-2020-t1.yaml" in names
    assert "migharmony/py.typed" in names
    assert "migharmony/crosswalk_schema.yaml" in names


@pytest.mark.slow
def test_installed_wheel_finds_its_data_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site), str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import json, migharmony; from migharmony import vocab, crosswalks; "
            "from migharmony._resources import data_dir; "
            "print(json.dumps({'file': migharmony.__file__, 'sex': vocab.codes('sex'), "
            "'cw': crosswalks.list(), 'vocab': str(data_dir('vocab'))}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, check=True,
                         capture_output=True, text=True,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}).stdout
    info = json.loads(out)
    assert info["file"].startswith(str(site))
    assert info["vocab"].startswith(str(site))
    assert info["sex"] == ["F", "M", "_T", "_U", "_O", "_N", "_Z"]
    assert "undesa-ims-2020-t1" in info["cw"]


def test_import_is_cheap_and_reads_nothing() -> None:
    code = ("import sys, builtins; opened = []; real = builtins.open\n"
            "builtins.open = lambda *a, **k: (opened.append(a[0]), real(*a, **k))[1]\n"
            "import migharmony\n"
            "heavy = [m for m in ('pandas', 'pandera', 'pint', 'pyarrow', 'openpyxl') "
            "if m in sys.modules]\n"
            "print(len(opened), heavy)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.split(maxsplit=1)
    assert out[0] == "0"
    assert out[1].strip() == "[]"


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(migharmony.__path__, "migharmony.")
                  if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional extra that is not installed
        pytest.skip(f"{name} needs an optional dependency: {exc}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_public_names_are_sorted_and_resolve() -> None:
    assert migharmony.__all__ == sorted(migharmony.__all__)
    for name in ("vocab", "crosswalks", "harmonize", "HarmonizedResult", "MigharmonyError"):
        assert getattr(migharmony, name) is not None


def test_lazy_functions_survive_submodule_imports() -> None:
    """A submodule named like a public function would replace it once imported."""
    from types import ModuleType

    for name in _modules():
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    for name, target in migharmony._LAZY.items():
        if ":" not in target:
            continue
        try:
            value = getattr(migharmony, name)
        except (AttributeError, ImportError):
            continue  # provided by a module that is not written yet
        assert not isinstance(value, ModuleType), f"migharmony.{name} became a module"
