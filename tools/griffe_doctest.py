"""Griffe extension for the docs build: show docstring examples (``>>>`` blocks) as code.

The package's docstrings hold doctest examples in plain reStructuredText style, which
Markdown would otherwise read as paragraphs (and ``['COB', 'CIT']`` as a link).
Each run of ``>>>`` lines with its output, up to a blank line, becomes a ``pycon`` fence.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_DIRECTIVE = re.compile(r"\s*# doctest:.*$")
_ROLE = re.compile(r":(?:func|class|mod|meth|attr|exc|data):`~?([^`]+)`")


def fence_doctests(text: str) -> str:
    r"""Wrap doctest blocks of *text* in fenced ``pycon`` code blocks.

    >>> fence_doctests("See :func:`~m.f`.\n\n>>> 1 + 1  # doctest: +SKIP\n2\n\nEnd.").splitlines()
    ['See `m.f`.', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'End.']
    """
    out: list[str] = []
    inside = fenced = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            fenced = not fenced
        if not fenced and not inside and stripped.startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            inside = True
        elif inside and not stripped:
            out.append(f"{indent}```")
            inside = False
        out.append(_DIRECTIVE.sub("", line) if inside else _ROLE.sub(r"`\1`", line))
    if inside:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctest examples of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
