"""Combining the real Eurostat pair: foreign citizens (migr_pop1ctz) and foreign-born
(migr_pop3ctb) are different definitions of a migrant (issue 6 must-show)."""

from __future__ import annotations

from pathlib import Path

import pytest

import migharmony
from migharmony import schema
from migharmony.errors import ComparabilityError

DATA = Path(__file__).parents[1] / "examples" / "data"


@pytest.fixture(scope="module")
def pair() -> tuple[migharmony.HarmonizedResult, migharmony.HarmonizedResult]:
    return (migharmony.harmonize(DATA / "eurostat_migr_pop1ctz.json", "eurostat-migr_pop1ctz"),
            migharmony.harmonize(DATA / "eurostat_migr_pop3ctb.json", "eurostat-migr_pop3ctb"))


def test_combine_refuses_mixed_definitions_naming_both(pair) -> None:
    with pytest.raises(ComparabilityError) as info:
        migharmony.combine(list(pair))
    text = str(info.value)
    assert "eurostat-migr_pop1ctz" in text and "migr_basis=CIT" in text
    assert "eurostat-migr_pop3ctb" in text and "migr_basis=COB" in text


def test_combine_allowed_marks_every_row_with_its_basis(pair) -> None:
    both = migharmony.combine(list(pair), allow_mixed_definitions=True)
    assert len(both) == len(pair[0].data) + len(pair[1].data)
    assert both["comparability"].notna().all()
    by_source = both.groupby("source_id")["migr_basis"].unique()
    assert list(by_source["eurostat-migr_pop1ctz"]) == ["CIT"]
    assert list(by_source["eurostat-migr_pop3ctb"]) == ["COB"]
    assert both["caveats"].str.contains("mixed-definitions").all()
    assert len(schema.validate(both)) == 0
    germany = both[(both["ref_area"] == "DEU") & (both["time_period"] == "2020")
                   & (both["sex"] == "_T") & (both["age"] == "_T")]
    values = dict(zip(germany["migr_basis"], germany["obs_value"], strict=True))
    assert values == {"CIT": 10_398_022, "COB": 15_040_708}


def test_combine_does_not_depend_on_order(pair) -> None:
    a = migharmony.combine(list(pair), allow_mixed_definitions=True)
    b = migharmony.combine(list(reversed(pair)), allow_mixed_definitions=True)
    assert a.equals(b)
