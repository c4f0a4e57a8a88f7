"""Every public function carries a short example in its docstring (run by
tests/test_package.py with the other doctests)."""

from __future__ import annotations

import importlib
import inspect

import pytest

import migharmony

PUBLIC_MODULES = ("vocab", "areas", "crosswalks", "schema", "errors")


def _public() -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for name in migharmony.__all__:
        obj = getattr(migharmony, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            found.append((f"migharmony.{name}", obj))
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(f"migharmony.{module_name}")
        names = getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")])
        for name in names:
            obj = getattr(module, name)
            if inspect.isfunction(obj) and obj.__module__ == module.__name__:
                found.append((f"migharmony.{module_name}.{name}", obj))
    for name, member in vars(migharmony.HarmonizedResult).items():
        if name.startswith("_"):
            continue
        func = member.fget if isinstance(member, property) else member
        if inspect.isfunction(func):
            found.append((f"migharmony.HarmonizedResult.{name}", func))
    for cls in (migharmony.MigharmonyError, migharmony.errors.Problem):
        found.append((f"migharmony.errors.{cls.__name__}", cls))
    return found


@pytest.mark.parametrize(("name", "obj"), _public(), ids=[n for n, _ in _public()])
def test_public_docstring_has_an_example(name: str, obj: object) -> None:
    doc = inspect.getdoc(obj) or ""
    assert ">>>" in doc, f"{name} has no docstring example"
    assert "doctest: +SKIP" not in doc, f"{name}: examples must run"
