"""Read age labels as national tables write them into SDMX age codes.

>>> [parse_age_label(s) for s in ["0-4", "65+", "65 and over", "unter 1 Jahr", "17 ó menos"]]
['Y0T4', 'Y_GE65', 'Y_GE65', 'Y_LT1', 'Y_LT18']
>>> parse_age_label("Total"), parse_age_label("no age at all") is None
('_T', True)

The words around the numbers (years, "and over", "moins de"...) live in
``vocab/labels/age.yaml`` so that a statistician can add a spelling.
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["parse_age_label"]


@cache
def _words() -> dict[str, list[str]]:
    from ._resources import data_dir
    from ._yaml import load_yaml

    data = load_yaml(data_dir("vocab") / "labels" / "age.yaml").data
    return {k: sorted((str(w).casefold() for w in v), key=len, reverse=True)
            for k, v in data.items()}


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in words)


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    w = _words()
    between, under, over, less = (_alternatives(w[k]) for k in
                                  ("between", "under", "and_over", "or_less"))
    return [
        (re.compile(rf"^(\d+)\s*(?:{between})\s*(\d+)$"), "band"),
        (re.compile(rf"^(\d+)\s*(?:{over})$"), "over"),
        (re.compile(rf"^(?:{under})\s*(\d+)$"), "under"),
        (re.compile(rf"^(\d+)\s*(?:{less})$"), "or_less"),
        (re.compile(r"^(\d+)$"), "single"),
    ]


def _clean(label: str) -> str:
    text = " ".join(label.replace("\u00a0", " ").split()).casefold()
    years = _alternatives(_words()["years"])
    text = re.sub(rf"(?<=\d)\s*(?:{years})(?=\W|$)", "", text)
    text = re.sub(rf"^(?:{years})\s+", "", text)
    return " ".join(text.split()).strip(" .:")


def parse_age_label(label: str) -> str | None:
    """The SDMX age code of an age label, or None when the label is not an age band."""
    from . import vocab

    raw = str(label).strip()
    if raw and vocab.is_code("age", raw):
        return raw
    text = _clean(raw)
    words = _words()
    if text in words["total"]:
        return "_T"
    if text in words["unknown"]:
        return "_U"
    for pattern, kind in _patterns():
        match = pattern.match(text)
        if not match:
            continue
        numbers = [int(g) for g in match.groups()]
        if kind == "band":
            low, high = numbers
            return f"Y{low}T{high}" if high > low else (f"Y{low}" if high == low else None)
        if kind == "over":
            return f"Y_GE{numbers[0]}"
        if kind == "under":
            return f"Y_LT{numbers[0]}"
        if kind == "or_less":
            return f"Y_LT{numbers[0] + 1}"
        return f"Y{numbers[0]}"
    return None
