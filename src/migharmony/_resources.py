"""Find the data that ships with migharmony: the vocabulary and the crosswalks.

In an installed wheel they live inside the package (``migharmony/_data/vocab``);
in a source checkout (``pip install -e .``) they live at the repository root.
Nothing is read at import time.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from .errors import MigharmonyError

DataKind = Literal["vocab", "crosswalks"]


@cache
def data_dir(kind: DataKind) -> Path:
    """The folder holding the shipped *kind* of data (``vocab`` or ``crosswalks``)."""
    packaged = Path(str(resources.files("migharmony"))) / "_data" / kind
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / kind
    if checkout.is_dir():
        return checkout
    raise MigharmonyError(
        f"migharmony cannot find its {kind}/ folder (looked in {packaged} and {checkout}). "
        "The installation is incomplete: reinstall with "
        "`pip install --force-reinstall migharmony`, "
        "or from a source checkout with `pip install -e .`."
    )
