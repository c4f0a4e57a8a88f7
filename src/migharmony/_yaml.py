"""Safe YAML loading that remembers where every key was written.

Crosswalks and vocabulary files come from many hands. We load them with PyYAML's
safe loader only (no Python-object tags are ever constructed), refuse duplicate
keys and runaway alias expansion, and keep a map from each key path to its line so
that an error can say ``crosswalks/x.yaml line 42``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import MigharmonyError, Problem

KeyPath = tuple[str | int, ...]

#: Alias expansion beyond this many nodes is treated as an attack ("billion laughs").
MAX_NODES = 200_000


_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


class _SafeLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's SafeLoader (libyaml's C parser when PyYAML has it: ten times faster on
    the area and vocabulary files), kept separate so nothing can register constructors
    on it."""


@dataclass
class YamlDocument:
    """A parsed YAML document and the line of every key in it."""

    data: Any
    name: str
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, path: KeyPath) -> int | None:
        """The line of *path*, or of its closest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def where(self, path: KeyPath) -> str:
        """``name line N`` for *path*, for error messages."""
        line = self.line(path)
        return f"{self.name} line {line}" if line else self.name


def _construct(loader: _SafeLoader, node: yaml.Node, path: KeyPath, doc: YamlDocument,
               problems: list[Problem], budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise MigharmonyError(
            f"{doc.name}: the YAML expands to more than {MAX_NODES} values "
            "(aliases referring to aliases?); refusing to load it"
        )
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
        raise yaml.constructor.ConstructorError(
            None, None, f"could not determine a constructor for the tag {node.tag!r}",
            node.start_mark)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                problems.append(Problem(f"a key must be text, found {type(key).__name__}",
                                        where=f"{doc.name} line {key_node.start_mark.line + 1}"))
                continue
            # Keys are always text: `1990:` and `"1990":` mean the same column heading.
            skey = str(key).lower() if isinstance(key, bool) else ("" if key is None else str(key))
            if skey in out:
                problems.append(Problem(
                    f"key '{skey}' is written twice; the second one (line "
                    f"{key_node.start_mark.line + 1}) would silently replace the first",
                    where=f"{doc.name} line {key_node.start_mark.line + 1}",
                    hint="keep one of them",
                ))
            sub = (*path, skey)
            doc.lines[sub] = key_node.start_mark.line + 1
            out[skey] = _construct(loader, value_node, sub, doc, problems, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            items.append(_construct(loader, item, (*path, i), doc, problems, budget))
        return items
    return loader.construct_object(node, deep=True)


def load_yaml(source: str | Path, *, name: str | None = None) -> YamlDocument:
    """Parse YAML text or a file safely, keeping the line of every key.

    Raises :class:`MigharmonyError` (never a PyYAML exception) for syntax errors,
    Python-object tags, duplicate keys and alias bombs.

    >>> doc = load_yaml("a: 1\\nb:\\n  c: [x, y]\\n", name="demo.yaml")
    >>> doc.data
    {'a': 1, 'b': {'c': ['x', 'y']}}
    >>> doc.where(("b", "c"))
    'demo.yaml line 3'
    """
    if isinstance(source, Path):
        label = name or str(source)
        try:
            text = source.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise MigharmonyError(f"{label}: file not found") from exc
        except UnicodeDecodeError as exc:
            raise MigharmonyError(
                f"{label}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
            ) from exc
    else:
        label = name or "<text>"
        text = source
    doc = YamlDocument(data=None, name=label)
    problems: list[Problem] = []
    try:
        loader = _SafeLoader(text)  # refuses control characters: inside the try
    except yaml.YAMLError as exc:
        raise MigharmonyError(f"{label}: this is not valid YAML text ({exc}); remove the "
                              "control characters or save the file again as UTF-8") from None
    try:
        node = loader.get_single_node()
        if node is None:
            doc.data = None
            return doc
        doc.data = _construct(loader, node, (), doc, problems, [MAX_NODES])
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        where = f"{label} line {line}" if line else label
        tag = (exc.problem or "").replace("could not determine a constructor for the tag ", "")
        raise MigharmonyError(
            f"{where}: the tag {tag} is not allowed; crosswalks and vocabulary files hold "
            "plain data (text, numbers, lists, mappings), never program objects. Remove the tag."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{label} line {mark.line + 1}" if mark is not None else label
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context_mark", None)
        if context is not None and (mark is None or context.line != mark.line):
            problem += f"; the construct started on line {context.line + 1}"
        raise MigharmonyError(
            f"{where}: this is not valid YAML ({problem}). Check the indentation and that "
            "text containing ':' or '#' is quoted."
        ) from None
    finally:
        loader.dispose()
    if problems:
        raise MigharmonyError(f"{label}: {len(problems)} problem(s) in the YAML",
                              problems=problems)
    return doc


def as_mapping(value: Any) -> Mapping[str, Any]:
    """*value* if it is a mapping, else an empty one (for tolerant lookups)."""
    return value if isinstance(value, Mapping) else {}
