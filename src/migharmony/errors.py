"""Errors raised by migharmony.

Every error is a :class:`MigharmonyError` and also the builtin a Python user would
expect, so ``except ValueError`` and ``except LookupError`` keep working::

    MigharmonyError(Exception)
    ├── VocabularyError(MigharmonyError, LookupError)      unknown dimension or code
    │   └── CodeFormatError(VocabularyError, ValueError)   malformed code, e.g. age 'Y64T15'
    ├── AreaError(MigharmonyError, LookupError)            a country or area label
    │   ├── UnknownAreaError(AreaError)                     no area has this label
    │   └── AmbiguousAreaError(AreaError)                   several areas have this label
    ├── CrosswalkError(MigharmonyError, ValueError)        a crosswalk file is wrong
    ├── ReadError(MigharmonyError, ValueError)             a source table cannot be read
    │   └── SourceNotFoundError(ReadError, FileNotFoundError)
    ├── ValidationError(MigharmonyError, ValueError)       data break declared rules
    ├── ComparabilityError(MigharmonyError, ValueError)    mixing incomparable definitions
    ├── AgeBandError(MigharmonyError, ValueError)          age bands that do not nest
    └── CoverageError(MigharmonyError, ValueError)         an aggregate misses too many members

Messages say what was wrong, where (file, line, sheet, cell) and how to fix it.
Errors that collect several problems keep them in ``.problems`` so a program can
read them one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "AgeBandError",
    "AmbiguousAreaError",
    "AreaError",
    "CodeFormatError",
    "ComparabilityError",
    "CoverageError",
    "CrosswalkError",
    "MigharmonyError",
    "Problem",
    "ReadError",
    "SourceNotFoundError",
    "UnknownAreaError",
    "ValidationError",
    "VocabularyError",
]


@dataclass(frozen=True)
class Problem:
    """One problem found while checking a file or a table.

    ``where`` is a human-readable location: ``crosswalks/x.yaml line 42`` or
    ``Table 1!L81``; ``key`` is the field or column concerned.

    >>> str(Problem("'T' is not a code", where="my.yaml line 42", key="sex",
    ...             hint="did you mean '_T'?"))
    "my.yaml line 42: sex: 'T' is not a code (did you mean '_T'?)"
    """

    message: str
    where: str = ""
    key: str = ""
    rule: str = ""
    severity: str = "error"
    hint: str = ""
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        head = f"{self.where}: " if self.where else ""
        key = f"{self.key}: " if self.key and self.key not in self.message else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{head}{key}{self.message}{hint}"


class MigharmonyError(Exception):
    """Base class for every error migharmony raises on purpose.

    >>> from migharmony import vocab
    >>> try:
    ...     vocab.codes("sexe")
    ... except MigharmonyError as error:                # every error migharmony raises on purpose
    ...     print(type(error).__name__, isinstance(error, LookupError))
    VocabularyError True
    """

    def __init__(self, message: str, *, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems: tuple[Problem, ...] = tuple(problems)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message]
        lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)


class VocabularyError(MigharmonyError, LookupError):
    """An unknown vocabulary dimension or code."""

    # LookupError.__str__ would quote the message like a KeyError; keep it plain.
    __str__ = MigharmonyError.__str__


class CodeFormatError(VocabularyError, ValueError):
    """A code that does not follow its grammar (for example an age code)."""


class AreaError(MigharmonyError, LookupError):
    """A country or area reference that cannot be resolved to one code."""

    __str__ = MigharmonyError.__str__


class UnknownAreaError(AreaError):
    """No known area has this label."""


class AmbiguousAreaError(AreaError):
    """Several areas share this label; the error lists the candidates."""


class CrosswalkError(MigharmonyError, ValueError):
    """A crosswalk file is malformed or refers to codes that do not exist."""


class ReadError(MigharmonyError, ValueError):
    """A source table cannot be read as its crosswalk describes it."""


class SourceNotFoundError(ReadError, FileNotFoundError):
    """The source file does not exist."""


class ValidationError(MigharmonyError, ValueError):
    """Data break the rules declared for them (raised only when asked to)."""


class ComparabilityError(MigharmonyError, ValueError):
    """Observations with different definitions would be mixed."""


class AgeBandError(MigharmonyError, ValueError):
    """Age bands cannot be regrouped exactly into the requested bands."""


class CoverageError(MigharmonyError, ValueError):
    """An aggregate would miss more members than allowed."""


def did_you_mean(value: str, choices: Sequence[str], n: int = 3) -> list[str]:
    """The closest spellings of *value* among *choices*, best first.

    >>> did_you_mean("T", ["F", "M", "_T", "_U"])
    ['_T']
    """
    import difflib

    folded = {c.casefold(): c for c in choices}
    key = value.casefold()
    if key in folded:
        return [folded[key]]
    stripped = {c.strip("_").casefold(): c for c in choices}
    if key.strip("_") in stripped:
        return [stripped[key.strip("_")]]
    close = difflib.get_close_matches(key, list(folded), n=n, cutoff=0.6)
    return [folded[c] for c in close]
