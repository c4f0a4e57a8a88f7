"""The crosswalks shipped with migharmony, by id.

>>> from migharmony import crosswalks
>>> "undesa-ims-2020-t1" in crosswalks.list()
True
"""

from __future__ import annotations

import builtins
from functools import cache
from pathlib import Path

from .errors import CrosswalkError, did_you_mean

__all__ = ["get", "list", "path_of"]


@cache
def _index() -> dict[str, Path]:
    import re

    from ._resources import data_dir

    found: dict[str, Path] = {}
    pattern = re.compile(r"^id:\s*['\"]?([a-z0-9][a-z0-9._-]*)", re.MULTILINE)
    for path in sorted(data_dir("crosswalks").rglob("*.yaml")):
        match = pattern.search(path.read_text(encoding="utf-8-sig"))
        if match:
            found[match.group(1)] = path
    return found


def list() -> builtins.list[str]:
    """Ids of the shipped crosswalks, sorted."""
    return sorted(_index())


def path_of(crosswalk_id: str) -> Path:
    """The YAML file of a shipped crosswalk."""
    try:
        return _index()[crosswalk_id]
    except KeyError:
        near = did_you_mean(crosswalk_id, builtins.list(_index()))
        raise CrosswalkError(
            f"no shipped crosswalk has the id '{crosswalk_id}'"
            + (f"; did you mean '{near[0]}'?" if near else "")
            + f". Shipped: {', '.join(list())}. To use your own, pass the path of its YAML file."
        ) from None


def get(crosswalk_id: str):  # type: ignore[no-untyped-def]
    """Load and check a shipped crosswalk (see :func:`migharmony.crosswalk.load`)."""
    from .crosswalk import load

    return load(path_of(crosswalk_id))
