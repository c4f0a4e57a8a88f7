"""HXL, the Humanitarian Exchange Language: a row of hashtags that says what columns mean.

Humanitarian tables (HDX, IDMC, OCHA) put a row such as
``#country+code, #date+year, #affected+idps+ind+stock+conflict`` under the header.
migharmony reads that row as column meaning, never as data:

* it is found just below the header rows (``read.hxl: auto``, the default), or
  declared by its row number (``read.hxl: 2``), or ignored (``read.hxl: false``);
* a crosswalk may name columns by hashtag (``columns: {"#country+code": iso3}``) and
  list value columns by hashtag pattern (``values.columns: ["#affected+idps"]``):
  a pattern matches every column with the same tag and at least its attributes,
  as in HXL's own filters.

>>> matches("#affected+idps", "#affected+idps+ind+stock+conflict")
True
>>> matches("#affected+idps+stock", "#affected+idps+ind+newdisp+conflict")
False
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import CrosswalkError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["find_row", "is_hashtag_row", "matches", "parse_tag", "resolve"]


def parse_tag(text: str) -> tuple[str, frozenset[str]] | None:
    """(tag, attributes) of a hashtag, None when *text* is not one.

    >>> parse_tag(" #Affected +IDPs +ind ")
    ('affected', frozenset({'idps', 'ind'}))
    """
    spec = "".join(str(text).split()).lower()
    if not spec.startswith("#") or len(spec) < 2:
        return None
    tag, *attributes = spec[1:].split("+")
    if not tag or not all(a for a in attributes):
        return None
    return tag, frozenset(attributes)


def matches(pattern: str, hashtag: str) -> bool:
    """Whether *hashtag* (a column's) matches *pattern* (same tag, at least its attributes)."""
    want, have = parse_tag(pattern), parse_tag(hashtag)
    return bool(want and have and want[0] == have[0] and want[1] <= have[1])


def is_hashtag_row(values: Iterable[Any]) -> bool:
    """A row whose non-empty cells are all hashtags (and there is at least one)."""
    texts = [str(v).strip() for v in values if v is not None and str(v).strip()
             and str(v).strip().lower() != "nan"]
    return bool(texts) and all(parse_tag(t) is not None for t in texts)


def find_row(cells: pd.DataFrame, header_rows: list[int], setting: Any) -> int | None:
    """The row number of the hashtag row of a grid, or None.

    *setting* is ``read.hxl``: ``auto`` looks at the row just below the header rows
    (or the first row when there are none), a number names the row, ``False`` none.
    """
    if setting is False:
        return None
    if setting is True or setting in (None, "auto"):
        row = (max(header_rows) + 1) if header_rows else 1
        if row in cells.index and is_hashtag_row(list(cells.loc[row])):
            return row
        if setting is True:
            from .errors import ReadError

            raise ReadError(f"read.hxl is true but row {row}, below the header, is not a row "
                            "of hashtags; give the row number (read.hxl: N)")
        return None
    row = int(setting)
    if row not in cells.index or not is_hashtag_row(list(cells.loc[row])):
        from .errors import ReadError

        raise ReadError(f"read.hxl names row {row}, which is not a row of hashtags (#tag+attr)")
    return row


def resolve(pattern: str, headers: Mapping[str, int], where: str, *,
            many: bool = False) -> list[int]:
    """Columns whose hashtag matches *pattern*: exactly one unless *many*."""
    if pattern in headers:
        return [headers[pattern]]
    if parse_tag(pattern) is None:
        raise CrosswalkError(f"{where}: '{pattern}' is not a hashtag (#tag+attribute)")
    hits = [(h, i) for h, i in headers.items() if h.startswith("#") and matches(pattern, h)]
    if not hits:
        tags = [h for h in headers if h.startswith("#")]
        raise CrosswalkError(f"{where}: no column has a hashtag matching '{pattern}' "
                             f"(hashtags: {', '.join(tags) or 'none; is there an HXL row?'})")
    if len(hits) > 1 and not many:
        raise CrosswalkError(f"{where}: '{pattern}' matches several columns "
                             f"({', '.join(h for h, _ in hits)}); add attributes to pick one")
    return sorted(i for _, i in hits)
