"""Reading values as producers write them: separators, glued flags, symbols."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from migharmony.values import parse, parse_one

FLAGS = {"p": {"obs_status": "P"}, "e": {"obs_status": "E"}, "b": {"obs_status": "B"},
         "c": {"conf_status": "C", "value": None}}
SYMBOLS = {"..": {"obs_status": "M"}, ":": {"obs_status": "M"}, "~": {"conf_status": "C"}}


@pytest.mark.parametrize(("raw", "decimal", "expected"), [
    ("1,234", ".", 1234.0),
    ("1.234", ",", 1234.0),
    ("1 234", ".", 1234.0),
    ("1\u00a0234", ".", 1234.0),
    ("1\u202f234,5", ",", 1234.5),
    ("12,5", ",", 12.5),
    ("1e+05", ".", 100000.0),
    ("\"1,234\"", ".", 1234.0),
    ("-3", ".", -3.0),
    ("\u22123", ".", -3.0),
    (42, ".", 42.0),
    (2.5, ".", 2.5),
])
def test_numbers_in_every_spelling(raw: object, decimal: str, expected: float) -> None:
    assert parse_one(raw, decimal=decimal).value == expected


def test_glued_flags_are_split_and_all_kept() -> None:
    parsed = parse_one("12.5bep", flags=FLAGS, precedence={"B": 1, "E": 19, "P": 20})
    assert parsed.value == 12.5
    assert parsed.flags == "bep"
    assert parsed.obs_status == "B"  # break wins over estimated and provisional


@pytest.mark.parametrize("text", ["0pe", "0ep", "7 pe"])
def test_one_cell_follows_the_vocabulary_precedence_without_being_told(text: str) -> None:
    # Found by hypothesis: parse_one ignored the SDMX precedence unless it was passed,
    # so "0pe" read P alone and E through parse().
    from migharmony import vocab

    rank = {c: vocab.info("obs_status", c)["precedence"] for c in ("E", "P")}
    first = min(rank, key=rank.__getitem__)
    assert parse_one(text, flags=FLAGS).obs_status == first
    assert parse(pd.Series([text]), flags=FLAGS)["obs_status"].iloc[0] == first


def test_symbol_with_flag() -> None:
    parsed = parse_one(": c", symbols=SYMBOLS, flags=FLAGS)
    assert parsed.value is None
    assert parsed.obs_status == "M"
    assert parsed.conf_status == "C"
    assert parsed.flags == ": c"


@pytest.mark.parametrize(("raw", "rule"), [
    ("abc", "value-not-number"),
    ("12 x", "value-unknown-flag"),
    ("", "value-empty"),
    (None, "value-empty"),
    ("1,2,3", "value-not-number"),
    (True, "value-not-number"),
    (float("inf"), "value-not-number"),
])
def test_unreadable_cells_say_why(raw: object, rule: str) -> None:
    parsed = parse_one(raw, decimal=",", flags=FLAGS)
    assert parsed.problem
    assert parsed.rule == rule


def test_vectorised_parse_matches_one_by_one() -> None:
    raw = pd.Series(["1 234", "..", "56 p", 7, "x", "56 p"])
    out = parse(raw, symbols=SYMBOLS, flags=FLAGS)
    for i, value in enumerate(raw):
        one = parse_one(value, symbols=SYMBOLS, flags=FLAGS)
        got = out["value"].iloc[i]
        assert (pd.isna(got) and one.value is None) or got == one.value
        assert out["obs_status"].iloc[i] == one.obs_status
    assert out.index.equals(raw.index)


@pytest.mark.parametrize("categorical", [False, True])
def test_numbers_with_the_same_flags_are_read_together_as_one_by_one(categorical: bool
                                                                     ) -> None:
    """Numbers followed by the same letters share one reading but for the number, unless
    the reading names the cell (an unknown flag) or a flag sets the value (c)."""
    texts = ["12 x", "13 x", "1,000 c", "2,000c", "5 pe", "6 pe", "7e", "8\u00a0e", "9", "10"]
    raw = pd.Series(texts, dtype="category" if categorical else object)
    out = parse(raw, symbols=SYMBOLS, flags=FLAGS)
    for i, text in enumerate(texts):
        one = parse_one(text, symbols=SYMBOLS, flags=FLAGS)
        row = out.iloc[i]
        assert (pd.isna(row["value"]) and one.value is None) or row["value"] == one.value
        assert (row["obs_status"], row["conf_status"], row["obs_flags"]) == \
            (one.obs_status, one.conf_status, one.flags)
        assert (row["problem"] if pd.notna(row["problem"]) else None) == one.problem


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separators_round_trip(n: int) -> None:
    for sep, decimal in ((",", "."), (".", ","), (" ", "."), ("\u00a0", ",")):
        text = f"{n:,}".replace(",", sep)
        assert parse_one(text, decimal=decimal).value == float(n)


RAW = st.one_of(
    st.integers(0, 10**16).map(str),  # plain digits (16 digits: beyond the batch reading)
    # digits in groups of three, as producers write thousands (up to 18 digits)
    st.tuples(st.integers(0, 10**17), st.sampled_from([",", ".", " ", "\u00a0", "'", "_"]))
    .map(lambda n_sep: f"{n_sep[0]:,}".replace(",", n_sep[1])),
    st.text(alphabet="0123456789 .,-pe~:c\u00a0", max_size=8),
    st.sampled_from(["..", ":", "~", "0", "007", "1 234", "12 p", "", "3 p", "1,000c"]),
    # numbers with flag letters glued or after spaces: known, unknown (x), value-setting (c)
    st.tuples(st.integers(0, 10**7), st.sampled_from(["", " ", "  ", "\u00a0", "\u2003"]),
              st.sampled_from(["p", "e", "pe", "c", "x", "px"]), st.booleans())
    .map(lambda t: (f"{t[0]:,}" if t[3] else str(t[0])) + t[1] + t[2]),
    st.none(), st.integers(-5, 5))


@given(st.lists(RAW, max_size=25), st.sampled_from([".", ","]), st.booleans(),
       st.booleans())
def test_vectorised_parse_equals_one_by_one_everywhere(values: list[object], decimal: str,
                                                       categorical: bool,
                                                       zero_symbol: bool) -> None:
    symbols = {**SYMBOLS, "0": {"obs_status": "N", "value": 0},
               "1,000": {"obs_status": "E"}, "3 p": {"obs_status": "M"}} \
        if zero_symbol else SYMBOLS
    texts = [v for v in values if isinstance(v, str)]
    raw = pd.Series(texts, dtype="category") if categorical else pd.Series(values,
                                                                           dtype=object)
    out = parse(raw, symbols=symbols, flags=FLAGS, decimal=decimal)
    for i, value in enumerate(raw):
        one = parse_one(value, symbols=symbols, flags=FLAGS, decimal=decimal)
        got = out["value"].iloc[i]
        assert (pd.isna(got) and one.value is None) or got == one.value
        row = out.iloc[i]
        assert (row["obs_status"], row["obs_flags"], row["caveats"]) == \
            (one.obs_status, one.flags, ";".join(one.caveats))
        assert (row["rule"] if pd.notna(row["rule"]) else "") == one.rule
        assert (row["problem"] if pd.notna(row["problem"]) else None) == one.problem


@pytest.mark.parametrize("categories", [
    pd.Index(["12", "3 p", ".."]),  # Arrow text, as the categorical reader gives
    pd.Index(["12", "3 p", ".."], dtype=object),  # text in an object Index
    pd.Index([12, 3.5, True], dtype=object),  # not text: each read as str() writes it
])
def test_categories_are_read_as_the_texts_of_their_cells(categories: pd.Index) -> None:
    """A categorical column is read category by category: each cell as the same cell
    written as text would be."""
    codes = [0, 2, 1, -1, 0]
    column = pd.Series(pd.Categorical.from_codes(codes, categories=categories))
    as_text = pd.Series(["" if c < 0 else str(categories[c]) for c in codes], dtype=object)
    got = parse(column, symbols=SYMBOLS, flags=FLAGS)
    want = parse(as_text, symbols=SYMBOLS, flags=FLAGS)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True),
                                  check_categorical=False)
