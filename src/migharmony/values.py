"""Read observation values as producers write them.

Numbers arrive as numbers, as text with thousands separators (``1,234``,
``1.234``, ``1 234`` with a non-breaking space), with decimal commas, quoted, in
scientific notation (``1e+05``), with flags glued on (``1234 p``, ``12.5bep``), or
not at all: a symbol (``..``, ``~``, ``:``, ``c``, ``—``) that says why. The
crosswalk's ``symbols`` and ``flags`` sections say what each means for
``obs_status``, ``conf_status`` and caveats.

Parsing works on the distinct raw values only, then maps back.

>>> import pandas as pd
>>> out = parse(pd.Series(["1,234", "56 p", "..", 7]), symbols={"..": {"obs_status": "M"}},
...             flags={"p": {"obs_status": "P"}})
>>> out["value"].tolist()[:2], out["obs_status"].tolist()
([1234.0, 56.0], ['A', 'P', 'M', 'A'])
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Parsed", "parse", "parse_one"]

_SPACES = "\u00a0\u202f\u2009 "
_NUMBER_FLAGS = re.compile(
    r"^(?P<num>[-+\u2212]?(?:\d[\d" + _SPACES + r".,']*)?\d(?:[.,]\d+)?(?:[eE][-+]?\d+)?)"
    r"\s*(?P<flags>[A-Za-z]{1,6})?$")


@dataclass
class Parsed:
    """The reading of one raw value."""

    value: float | None = None
    obs_status: str = "A"
    conf_status: str = "F"
    flags: str = ""
    caveats: list[str] = field(default_factory=list)
    problem: str | None = None  # why it cannot be read (the cell is rejected)
    rule: str = ""
    exclude: str | None = None  # a declared exclusion reason


def _to_number(text: str, decimal: str, thousands: tuple[str, ...]) -> float | None:
    s = text.replace("\u2212", "-")
    for sep in thousands:
        if sep != decimal:
            s = s.replace(sep, "")
    if decimal == ",":
        if s.count(",") > 1:
            return None
        s = s.replace(",", ".")
    elif "," in s:
        return None
    try:
        number = float(s)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _apply(parsed: Parsed, setting: Mapping[str, Any], precedence: Mapping[str, int]) -> None:
    status = setting.get("obs_status")
    # SDMX precedence: rank 1 wins over rank 2 ("A", normal, ranks last).
    if status and (parsed.obs_status == "A"
                   or precedence.get(status, 99) < precedence.get(parsed.obs_status, 99)):
        parsed.obs_status = status
    if setting.get("conf_status"):
        parsed.conf_status = setting["conf_status"]
    parsed.caveats.extend(c for c in setting.get("caveats", []) if c not in parsed.caveats)
    if "value" in setting:
        parsed.value = None if setting["value"] is None else float(setting["value"])
    if setting.get("exclude"):
        parsed.exclude = str(setting["exclude"])


def parse_one(raw: Any, *, symbols: Mapping[str, Mapping[str, Any]] | None = None,
              flags: Mapping[str, Mapping[str, Any]] | None = None, decimal: str = ".",
              thousands: tuple[str, ...] | None = None,
              precedence: Mapping[str, int] | None = None) -> Parsed:
    """Read one raw cell (see :func:`parse` for the vectorised version).

    Several flags on one cell give the status that ranks first in the SDMX precedence
    of the vocabulary (*precedence* overrides it), as :func:`parse` does.

    >>> parse_one("1 234 p", flags={"p": {"obs_status": "P"}}).value
    1234.0
    >>> parse_one("abc").problem
    "not a number: 'abc'"
    """
    symbols = symbols or {}
    flags = flags or {}
    if precedence is None:
        precedence = _precedence()
    if thousands is None:
        thousands = (",", *_SPACES, "'") if decimal == "." else (".", *_SPACES, "'")
    if isinstance(raw, bool):
        return _problem(f"not a number: {raw!r}", "value-not-number")
    if isinstance(raw, int | float) and not (isinstance(raw, float) and math.isnan(raw)):
        return _number_cell(raw)
    text = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw)
    text = text.strip(_SPACES + "\t\r\n\"")
    parsed = Parsed()
    if text in symbols:
        parsed.flags = text
        _apply(parsed, symbols[text], precedence)
        return parsed
    if text == "":
        return _problem("empty cell (declare `symbols: {'': ...}` in the crosswalk to keep "
                        "empty cells as missing observations)", "value-empty")
    letters = _split_text(parsed, text, symbols, flags, decimal, thousands, precedence)
    if parsed.problem or not letters:
        return parsed
    return _apply_flags(parsed, text, letters, flags, precedence)


def _problem(message: str, rule: str) -> Parsed:
    return Parsed(problem=message, rule=rule)


def _number_cell(raw: int | float) -> Parsed:
    """A cell the file already stores as a number (spreadsheets, typed columns)."""
    try:
        as_float = float(raw)  # an int beyond 1e308 overflows
    except OverflowError:
        as_float = math.inf
    if math.isinf(as_float):
        return _problem("an infinite or too large value", "value-not-number")
    return Parsed(value=as_float)


def _split_text(parsed: Parsed, text: str, symbols: Mapping[str, Mapping[str, Any]],
                flags: Mapping[str, Mapping[str, Any]], decimal: str,
                thousands: tuple[str, ...], precedence: Mapping[str, int]) -> str:
    """Read the number (or symbol) of *text* into *parsed*; return its flag letters."""
    match = _NUMBER_FLAGS.match(text)
    if match:
        number = _to_number(match.group("num"), decimal, thousands)
        if number is None:
            parsed.problem, parsed.rule = f"not a number: {text!r}", "value-not-number"
            return ""
        parsed.value = number
        return match.group("flags") or ""
    # A symbol followed by flags (": c", ".. u"), or flags alone ("c").
    head, _, tail = text.partition(" ")
    if head in symbols and re.fullmatch(r"[A-Za-z]{1,6}", tail.strip()):
        parsed.flags = head
        _apply(parsed, symbols[head], precedence)
        return tail.strip()
    if re.fullmatch(r"[A-Za-z]{1,6}", text) and all(ch in flags for ch in text):
        parsed.obs_status = "O"  # no value, and no specific reason unless a flag gives one
        return text
    parsed.problem, parsed.rule = f"not a number: {text!r}", "value-not-number"
    return ""


def _apply_flags(parsed: Parsed, text: str, letters: str,
                 flags: Mapping[str, Mapping[str, Any]],
                 precedence: Mapping[str, int]) -> Parsed:
    """Apply each flag letter (or a multi-letter flag declared as such)."""
    chars = [letters] if letters in flags else list(letters)
    unknown = [ch for ch in chars if ch not in flags]
    if unknown:
        parsed.problem = (f"unknown flag '{''.join(unknown)}' in {text!r}; declare it under "
                          "`flags` in the crosswalk")
        parsed.rule = "value-unknown-flag"
        return parsed
    parsed.flags = (parsed.flags + " " + letters).strip()
    for ch in chars:
        _apply(parsed, flags[ch], precedence)
    return parsed


def parse(raw: pd.Series, *, symbols: Mapping[str, Mapping[str, Any]] | None = None,
          flags: Mapping[str, Mapping[str, Any]] | None = None,
          extra_flags: pd.Series | None = None, decimal: str = ".",
          thousands: tuple[str, ...] | None = None,
          precedence: Mapping[str, int] | None = None,
          memo: dict[Any, Any] | None = None) -> pd.DataFrame:
    """Read a column of raw values; one output row per input row.

    *memo* keeps the readings of distinct values between calls with the same settings
    (the slices of one table), so that each is read once; a categorical column's
    readings are kept per category, so that the next slices only take them by code.

    Columns: ``value`` (float), ``obs_status``, ``conf_status``, ``obs_flags``,
    ``caveats`` (';'-joined), ``problem`` and ``rule`` (why a cell cannot be read),
    ``exclude`` (a declared exclusion reason). *extra_flags* holds flags written
    in a column of their own; they are appended to the value before reading.
    """
    import numpy as np
    import pandas as pd

    from ._frames import category_codes

    if precedence is None:
        precedence = _precedence()
    memo = {} if memo is None else memo
    settings = {"symbols": symbols, "flags": flags, "decimal": decimal,
                "thousands": thousands, "precedence": precedence}
    if extra_flags is None and isinstance(raw.dtype, pd.CategoricalDtype):
        # A categorical grid (read.read_grid(categorical=True)): each category read once
        # for all slices, a missing cell as "" (the last reading).
        known = memo.get(_BY_CATEGORY)
        if known is None or known[0] is not raw.dtype:
            categories = raw.cat.categories
            # Texts as they are (an object Index is looked into: its values must be str).
            texts = categories.to_numpy(dtype=object) if pd.api.types.is_string_dtype(
                categories) else np.array([str(c) for c in categories], dtype=object)
            known = memo[_BY_CATEGORY] = (raw.dtype, _Readings.of(
                np.append(texts, ""), memo, settings))
        codes = category_codes(raw)
        if (codes < 0).any():
            codes = np.where(codes < 0, len(raw.cat.categories), codes)
        return known[1].rows(codes, raw.index)
    if extra_flags is None and pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        # Text (Arrow strings): factorized as they are, no Python object per row.
        codes, found = pd.factorize(raw, use_na_sentinel=False)
        uniques = found.to_numpy(dtype=object)
    else:
        values = raw.to_numpy(dtype=object)
        if isinstance(raw.dtype, pd.CategoricalDtype) and raw.hasnans:
            values[raw.isna().to_numpy()] = None  # a missing text is an empty cell, not nan
        if extra_flags is not None:
            extra = extra_flags.fillna("").astype("str").str.strip().to_numpy(dtype=object)
            has = extra != ""
            values = values.copy()
            values[has] = [f"{v if v is not None else ''} {f}".strip()
                           for v, f in zip(values[has], extra[has], strict=True)]
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return _Readings.of(uniques, memo, settings).rows(codes, raw.index)


_BY_CATEGORY = "\0by category"  # a memo key no value has: (dtype, _Readings)


@dataclass
class _Readings:
    """The readings of distinct values, ready to be taken to the rows by value number:
    the numbers, and each text column as category codes with their categories."""

    values: Any  # float per distinct value
    texts: dict[str, tuple[Any, pd.Index]]  # column: (code per distinct value, categories)

    @classmethod
    def of(cls, uniques: Any, memo: dict[Any, Any], settings: Mapping[str, Any]
           ) -> _Readings:
        import numpy as np
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        from ._frames import code_lookup

        # Plain digits ("1234"), and digits in groups of three with one of the table's
        # thousands separators ("12,345"), are converted together, flag letters after
        # them or not ("12,345 p"): the values with the same letters share the reading
        # of one of them but for the number. The other distinct values are read one by
        # one (and remembered in *memo*).
        def one(u: Any) -> Parsed:
            key = (type(u), u)  # True and 1 are equal keys, not equal cells
            if (reading := memo.get(key)) is None:
                reading = memo[key] = parse_one(u, **settings)
            return reading

        separators = _separators(settings["decimal"], settings["thousands"])
        numbers, digits, letters = _numbers_and_flags(uniques, settings["symbols"] or {},
                                                      separators)
        first: dict[str, int] = {}  # letters -> the first number followed by them
        for i in np.flatnonzero(numbers).tolist():
            first.setdefault(letters[i], i)
        shared: dict[str, Parsed] = {}  # letters -> the reading their numbers share
        for flag, i in first.items():
            reading = _shared_reading(flag, one(uniques[i]), settings["flags"] or {})
            if reading is not None:
                shared[flag] = reading
        bulk = numbers & np.isin(letters, list(shared)) if shared else \
            np.zeros(len(uniques), dtype=bool)
        # Each distinct reading gets a number: the shared ones first (one per letters),
        # then those of the values read one by one, in their order.
        kinds = list(shared.values())
        number = {id(reading): i for i, reading in enumerate(kinds)}
        which = np.empty(len(uniques), dtype=np.intp)
        values = np.empty(len(uniques), dtype=np.float64)
        if bulk.any():  # separators dropped, then Arrow's conversion of the digits
            which[bulk] = pd.Index(list(shared)).get_indexer(letters[bulk])
            plain = pa.array(digits[bulk].tolist(), pa.large_string())
            if separators:
                plain = pc.replace_substring_regex(
                    plain, "|".join(re.escape(sep) for sep in separators), "")
            values[bulk] = plain.cast(pa.float64()).to_numpy(zero_copy_only=False)
        alone = np.flatnonzero(~bulk)
        for i, u in zip(alone.tolist(), uniques[alone].tolist(), strict=True):
            reading = one(u)
            if (n := number.get(id(reading))) is None:
                n = number[id(reading)] = len(kinds)
                kinds.append(reading)
            which[i] = n
            values[i] = np.nan if reading.value is None else reading.value
        texts: dict[str, list[str | None]] = {
            "obs_status": [r.obs_status for r in kinds],
            "conf_status": [r.conf_status for r in kinds],
            "obs_flags": [r.flags for r in kinds],
            "caveats": [";".join(r.caveats) for r in kinds],
            "problem": [r.problem for r in kinds],
            "rule": [r.rule for r in kinds],
            "exclude": [r.exclude for r in kinds]}
        return cls(values, {name: (lookup[which], categories) for name, (lookup, categories)
                            in ((n, code_lookup(column)) for n, column in texts.items())})

    def rows(self, take: Any, index: pd.Index) -> pd.DataFrame:
        """One row per entry of *take* (a distinct value's number), on *index*."""
        import numpy as np
        import pandas as pd

        from ._frames import taken

        take = np.asarray(take).astype(np.intp)  # numpy's index type: cast once for all
        out = {"value": self.values[take] if len(take) else np.zeros(0)}
        for name, (lookup, categories) in self.texts.items():
            out[name] = taken(lookup, categories, take, len(index))
        return pd.DataFrame(out, index=index, copy=False)


def _separators(decimal: str, thousands: tuple[str, ...] | None) -> tuple[str, ...]:
    """The thousands separators :func:`parse_one` drops with *decimal* and *thousands*."""
    if thousands is None:
        thousands = (",", *_SPACES, "'") if decimal == "." else (".", *_SPACES, "'")
    return tuple(sep for sep in thousands if sep and sep != decimal)


def _numbers_and_flags(uniques: Any, symbols: Mapping[str, Any],
                       separators: tuple[str, ...] = ()) -> tuple[Any, Any, Any]:
    """Which of *uniques* :func:`parse_one` reads as a bare number, flag letters after
    it or not, that can be converted together: 1 to 15 digits, or up to 15 in groups of
    three parted by one of *separators* throughout (``"1234"``, ``"12,345 p"``,
    ``"128e"``), not declared as symbols. Returns that mask, and for each value its
    number's text and its letters (object arrays; "" where there are none)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pd.Series(uniques, dtype=object)
    is_text = np.array([isinstance(t, str) for t in uniques], dtype=bool)
    numbers = np.zeros(len(texts), dtype=bool)
    digits = np.full(len(texts), "", dtype=object)
    letters = np.full(len(texts), "", dtype=object)
    if is_text.any():
        # Arrow's RE2, whose \s is ASCII white space only: a number and flags parted by
        # another space are read one by one, as parse_one reads them.
        found = pc.extract_regex(pa.array(texts[is_text].tolist(), pa.large_string()),
                                 f"^(?P<n>{_plain_forms(separators)})\\s*(?P<f>[A-Za-z]{{0,6}})$")
        numbers[is_text] = found.is_valid().to_numpy(zero_copy_only=False)
        digits[is_text] = found.field("n").fill_null("").to_numpy(zero_copy_only=False)
        letters[is_text] = found.field("f").fill_null("").to_numpy(zero_copy_only=False)
    if symbols and numbers.any():
        numbers &= ~texts.isin(list(symbols)).to_numpy()
    return numbers, digits, letters


def _shared_reading(letters: str, reading: Parsed, flags: Mapping[str, Any]) -> Parsed | None:
    """The reading that every number followed by *letters* shares but for its number
    (*reading*, that of one of them), or None when each must be read alone: a problem
    (its message quotes the cell) or a flag that sets the value."""
    chars = [letters] if letters in flags else list(letters)
    if reading.problem or any("value" in flags.get(ch, {}) for ch in chars):
        return None
    return reading


def _plain_forms(separators: tuple[str, ...]) -> str:
    """The regular expression of the numbers read together: 1 to 15 digits, or up to
    15 in groups of three parted by one of *separators* throughout."""
    return "|".join(["[0-9]{1,15}", *(f"[0-9]{{1,3}}(?:{re.escape(sep)}[0-9]{{3}}){{1,4}}"
                                       for sep in separators)])


@cache
def _precedence() -> Mapping[str, int]:
    from . import vocab

    out = {}
    for code in vocab.codes("obs_status"):
        rank = vocab.info("obs_status", code).get("precedence")
        if isinstance(rank, int):
            out[code] = rank
    return out
