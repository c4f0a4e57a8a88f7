"""The YAML loader: safe, strict about duplicates, and precise about lines."""

from __future__ import annotations

import pytest

from migharmony._yaml import load_yaml
from migharmony.errors import MigharmonyError


def test_lines_are_remembered() -> None:
    doc = load_yaml("a: 1\nb:\n  c: [x, y]\n", name="demo.yaml")
    assert doc.data == {"a": 1, "b": {"c": ["x", "y"]}}
    assert doc.where(("b", "c")) == "demo.yaml line 3"
    assert doc.where(("b", "c", 1)) == "demo.yaml line 3"


def test_python_tags_are_refused_and_never_run(tmp_path) -> None:
    marker = tmp_path / "ran"
    text = f"x: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(MigharmonyError, match="not allowed"):
        load_yaml(text, name="evil.yaml")
    assert not marker.exists()


def test_duplicate_keys_are_reported_with_both_lines() -> None:
    with pytest.raises(MigharmonyError) as info:
        load_yaml("a: 1\nb: 2\na: 3\n", name="dup.yaml")
    assert "line 3" in str(info.value)
    assert "'a'" in str(info.value)


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(MigharmonyError, match="expands"):
        load_yaml("\n".join(lines) + "\n", name="bomb.yaml")


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(MigharmonyError, match="line 2"):
        load_yaml("a: 1\nb: [1, 2\nc: 3\n", name="bad.yaml")


def test_year_keys_are_text() -> None:
    assert load_yaml("1990: a\n").data == {"1990": "a"}
