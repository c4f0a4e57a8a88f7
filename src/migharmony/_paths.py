"""Resolve file names written in crosswalks without letting them escape their folder.

A crosswalk comes by email or from a portal; a file name in it (``source.files``,
a notes workbook...) is resolved against a folder the user chose: the folder of the
crosswalk or the data folder given to :func:`migharmony.harmonize`. It may name a
file in that folder or below it, never above it, never an absolute path, and never
through a symbolic link that leads outside.

>>> from pathlib import Path
>>> safe_join(Path("/data"), "undesa/table.xlsx").as_posix()
'/data/undesa/table.xlsx'
>>> safe_join(Path("/data"), "../etc/passwd")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
migharmony.errors.CrosswalkError: file name '../etc/passwd' leads outside the folder /data ...
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

from .errors import CrosswalkError

__all__ = ["path_problem", "safe_join"]


def path_problem(name: object) -> str | None:
    """Why *name* cannot be a file name in a crosswalk, or None when it can."""
    if not isinstance(name, str) or not name.strip():
        return "a file name must be non-empty text"
    if "\x00" in name:
        return "a file name cannot contain a NUL character"
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or name.startswith(
            ("/", "\\", "~")):
        return "an absolute path (or one starting with ~) is not allowed; name the file " \
               "relative to the crosswalk's folder"
    if ".." in posix.parts or ".." in windows.parts:
        return "'..' is not allowed; a crosswalk names files in its folder or below it"
    return None


def safe_join(base: str | os.PathLike[str], name: str) -> Path:
    """*base* / *name*, refusing names that lead outside *base*.

    Symbolic links are resolved before the check, so a link inside *base* that
    points elsewhere is refused too. Raises :class:`~migharmony.errors.CrosswalkError`.
    """
    root = Path(base).resolve()
    why = path_problem(name)
    if why is None:
        target = (root / name).resolve()
        if target == root or root in target.parents:
            return target
        why = "it resolves (through a link?) to a place outside the folder"
    raise CrosswalkError(f"file name {name!r} leads outside the folder {root} ({why})")
