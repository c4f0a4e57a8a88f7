"""Normalised keys for area labels (private; pure functions, no I/O).

A label and a known spelling match when their *keys* are equal. The key is built so
that only presentation differences disappear, never meaning:

1. Unicode compatibility form (NFKD), accents dropped, casefolded
   (``Côte d'Ivoire`` → ``cote d'ivoire``; superscript ``¹`` → ``1``).
2. Footnote markers dropped: ``*``, ``†``, ``‡``, ``[1]``, ``(a)``, ``(1)``, ``1)``,
   ``a/`` and one or two trailing digits after a space, unless what precedes them is a
   short acronym (``Pays-Bas 1)``, ``France 2`` lose them; ``EU 15`` keeps its number).
3. Apostrophes dropped (``People's`` → ``peoples``), ``&`` read as ``and``, every other
   punctuation mark and every kind of space (NBSP, tabs) becomes one space.
4. A few abbreviations statistical offices use are spelled out (``Dem.``, ``Rep.``,
   ``St.``, ``Is.``, ``Fed.``, ``Sts.``).
5. Filler words (``the``, ``of``, ``and``, ``de``, ``du``, ``et``, ``y``, ``und`` ...)
   are dropped and the remaining words are sorted, so word order does not matter:
   ``Korea, Republic of`` = ``Republic of Korea``; ``Tchad, République du`` =
   ``République du Tchad``.

Words inside parentheses stay in the key, so qualifiers remain significant:
``Congo (Democratic Republic of the)`` ≠ ``Congo``. There is no fuzzy step: two keys
either are equal or they are not.

>>> area_key("Korea, Republic of") == area_key("Republic of Korea")
True
>>> area_key("Pays-Bas 1)") == area_key("Pays-Bas")
True
>>> area_key("France*")
'france'
>>> area_key("Guinea") == area_key("Guinea-Bissau")
False
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["FILLER", "SUBDIVISION_FILLER", "area_key", "fold"]

#: Words that carry no meaning for identifying an area, in the supported languages.
FILLER = frozenset({
    "the", "of", "and",                            # en
    "de", "du", "des", "la", "le", "les", "d", "l", "et",  # fr
    "el", "los", "las", "y", "del",                # es
    "da", "do", "das", "dos", "e",                 # pt
    "und", "der", "die", "von",                    # de
})

#: Extra words dropped from subdivision names only ("Dakar Region" = "Dakar").
SUBDIVISION_FILLER = frozenset({
    "region", "regions", "province", "provincia", "state", "estado", "etat", "county",
    "district", "departement", "department", "governorate", "wilaya", "oblast",
    "prefecture", "municipality", "commune", "canton", "bundesland", "land", "regiao",
})

_ABBREVIATIONS = {
    "dem": "democratic",
    "rep": "republic",
    "st": "saint",
    "ste": "sainte",
    "sts": "states",
    "is": "islands",
    "isl": "islands",
    "fed": "federated",
    "utd": "united",
}

_SPACES = re.compile(r"\s+")
# Footnote markers at the end (repeated): "*", "1)", "(a)", "[2]", "a/", " 12".
_TRAILING_NOTE = re.compile(
    r"(?:\s*[*†‡#]+|\s*\[\s*[0-9a-z]{1,2}\s*\]|\s*\(\s*(?:[0-9]{1,2}|[a-z])\s*\)"
    r"|\s+[0-9]{1,2}\)|\s*(?<=\S)[0-9]{1,2}\)|\s+[a-z]/)\s*$"
)
# The same markers anywhere (footnotes in the middle: "France* (metropolitan)").
# A bare trailing number ("France 2"); not stripped from short acronyms ("EU 15").
_TRAILING_NUMBER = re.compile(r"\s+[0-9]{1,2}$")
_INNER_NOTE = re.compile(r"[*†‡]+|\[\s*[0-9a-z]{1,2}\s*\]|\(\s*(?:[0-9]{1,2}|[a-z])\s*\)")
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Casefold and drop accents and compatibility variants (NFKD).

    >>> fold("Elfenbeinküste")
    'elfenbeinkuste'
    >>> fold("ＣÔTE")
    'cote'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # ß, ø, æ, œ, đ, ł have no decomposition.
    stripped = stripped.translate(_LETTERS)
    return stripped.casefold()


_LETTERS = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe",
                          "Œ": "OE", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i"})


def strip_notes(text: str) -> str:
    """Remove footnote markers from a folded label.

    >>> strip_notes("pays-bas 1)")
    'pays-bas'
    >>> strip_notes("france*")
    'france'
    >>> strip_notes("congo (a)")
    'congo'
    >>> strip_notes("eu 15"), strip_notes("tchad, republique du 3")
    ('eu 15', 'tchad, republique du')
    """
    text = _SPACES.sub(" ", text).strip()
    while True:
        new = _TRAILING_NOTE.sub("", text).strip()
        number = _TRAILING_NUMBER.search(new)
        if number and len(new[: number.start()].strip(" *†‡")) > 3:
            new = new[: number.start()].strip()
        if new == text:
            break
        text = new
    return _INNER_NOTE.sub(" ", text)


def words(label: str) -> list[str]:
    """The meaningful words of *label*, abbreviations spelled out, in order."""
    text = strip_notes(fold(label))
    text = _APOSTROPHES.sub("", text).replace("&", " and ")
    out = []
    for raw in _NON_WORD.split(text):
        if not raw:
            continue
        word = _ABBREVIATIONS.get(raw, raw)
        if word in FILLER:
            continue
        out.append(word)
    return out


def area_key(label: str, *, subdivision: bool = False) -> str:
    """The normalised lookup key of *label* (see the module docstring).

    >>> area_key("Tchad, République du") == area_key("République du Tchad")
    True
    >>> area_key("Iran (Islamic Rep. of)") == area_key("Iran, Islamic Republic of")
    True
    >>> area_key("Dakar Region", subdivision=True) == area_key("Dakar", subdivision=True)
    True
    """
    found = words(label)
    if subdivision:
        kept = [w for w in found if w not in SUBDIVISION_FILLER]
        found = kept or found
    return " ".join(sorted(found))
