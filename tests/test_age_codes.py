"""Age codes: the grammar, intervals, canonical codes and generated labels."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from migharmony import vocab
from migharmony.errors import CodeFormatError


@pytest.mark.parametrize(("code", "interval"), [
    ("Y15T64", (15, 65)),
    ("Y5", (5, 6)),
    ("Y0", (0, 1)),
    ("Y_LT15", (0, 15)),
    ("Y_LT1", (0, 1)),
    ("Y_GE65", (65, None)),
    ("Y_GE0", (0, None)),
    ("Y0T4", (0, 5)),
    ("Y5T5", (5, 6)),
    ("Y100T104", (100, 105)),
    ("_T", (0, None)),
])
def test_interval_of_valid_codes(code: str, interval: tuple[int, int | None]) -> None:
    assert vocab.age_interval(code) == interval
    assert vocab.is_code("age", code)


@pytest.mark.parametrize(("code", "reason"), [
    ("Y64T15", "upper bound 15 is below lower bound 64"),
    ("Y_GE", "lacks its number"),
    ("Y_LT", "lacks its number"),
    ("Y15-64", "the code is Y15T64"),
    ("15", "written Y15"),
    ("Y05", "leading zeros"),
    ("Y_LT0", "empty band"),
    ("_U", "has no age interval"),
    ("_Z", "has no age interval"),
    ("y15t64", "not a valid age code"),
    ("Y15T", "not a valid age code"),
    ("Y 15", "not a valid age code"),
    ("", "not a valid age code"),
    ("TOTAL", "not a valid age code"),
])
def test_malformed_codes_say_why(code: str, reason: str) -> None:
    with pytest.raises(CodeFormatError, match=reason):
        vocab.age_interval(code)
    if code not in ("_U", "_Z"):
        assert not vocab.is_code("age", code)


def test_code_format_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Y64T15"):
        vocab.age_interval("Y64T15")


@pytest.mark.parametrize(("interval", "code"), [
    ((15, 65), "Y15T64"),
    ((65, None), "Y_GE65"),
    ((0, 15), "Y_LT15"),
    ((5, 6), "Y5"),
    ((0, 1), "Y0"),
    ((0, 5), "Y_LT5"),
    ((0, None), "_T"),
])
def test_canonical_codes(interval: tuple[int, int | None], code: str) -> None:
    assert vocab.age_code(*interval) == code


@pytest.mark.parametrize("interval", [(-1, 5), (10, 10), (10, 5), (1.5, 3), (True, 3)])
def test_age_code_rejects_bad_intervals(interval: tuple[int, int | None]) -> None:
    with pytest.raises(CodeFormatError):
        vocab.age_code(*interval)


bounds = st.integers(min_value=0, max_value=150)


@given(low=bounds, width=st.one_of(st.none(), st.integers(min_value=1, max_value=150)))
def test_age_code_and_interval_round_trip(low: int, width: int | None) -> None:
    high = None if width is None else low + width
    code = vocab.age_code(low, high)
    assert vocab.age_interval(code) == (low, high)
    assert vocab.is_code("age", code)
    assert vocab.age_code(*vocab.age_interval(code)) == code


@given(low=bounds, top=bounds)
def test_band_codes_parse_or_explain(low: int, top: int) -> None:
    code = f"Y{low}T{top}"
    if top >= low:
        assert vocab.age_interval(code) == (low, top + 1)
    else:
        with pytest.raises(CodeFormatError, match=f"upper bound {top} is below"):
            vocab.age_interval(code)


@pytest.mark.parametrize(("code", "lang", "text"), [
    ("Y15T64", "en", "15 to 64 years"),
    ("Y_GE65", "en", "65 years and over"),
    ("Y_LT15", "en", "under 15 years"),
    ("Y5", "en", "5 years"),
    ("Y1", "en", "1 year"),
    ("Y15T64", "fr", "de 15 à 64 ans"),
    ("Y_GE65", "fr", "65 ans et plus"),
    ("Y_LT15", "fr", "moins de 15 ans"),
    ("Y1", "fr", "1 an"),
    ("Y15T64", "es", "de 15 a 64 años"),
    ("Y_GE65", "pt", "65 anos e mais"),
    ("_T", "fr", "Tous âges"),
    ("_U", "es", "Edad desconocida"),
])
def test_generated_labels(code: str, lang: str, text: str) -> None:
    assert vocab.label("age", code, lang) == text


def test_label_of_malformed_age_code_raises() -> None:
    with pytest.raises(CodeFormatError, match="below lower bound"):
        vocab.label("age", "Y64T15")


def test_age_intervals_fill_int64_columns_and_keep_the_index() -> None:
    codes = pd.Series(["Y15T64", "Y_GE65", "_U", None, "Y15T64", "_T"],
                      index=[5, 6, 7, 8, 9, 10])
    table = vocab.age_intervals(codes)
    assert list(table.index) == [5, 6, 7, 8, 9, 10]
    assert str(table["age_low"].dtype) == "Int64" and str(table["age_high"].dtype) == "Int64"
    assert table["age_low"].tolist()[:2] == [15, 65]
    assert table["age_high"].tolist()[0] == 65
    assert table["age_high"].isna().tolist() == [False, True, True, True, False, True]
    assert table["age_low"].isna().tolist() == [False, False, True, True, False, False]


def test_age_intervals_list_every_bad_code() -> None:
    with pytest.raises(CodeFormatError) as info:
        vocab.age_intervals(["Y5", "Y64T15", "Y15-64", "Y64T15"])
    message = str(info.value)
    assert message.startswith("2 age code(s) cannot be read")
    assert "Y64T15" in message and "Y15T64" in message
