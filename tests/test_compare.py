"""Comparability: combine refuses mixed definitions; compare lines two sources up."""

from __future__ import annotations

import doctest
import importlib
import types

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_frames import canonical
from migharmony.comparability import combine, compare, family
from migharmony.errors import ComparabilityError

COUNTRIES = ["DEU", "FRA", "ITA"]


def eurostat(basis: str, source_id: str, factor: float) -> pd.DataFrame:
    return canonical([{"ref_area": c, "time_period": y, "sex": s,
                       "obs_value": factor * (i + 1) * (2 if s == "_T" else 1)}
                      for i, c in enumerate(COUNTRIES) for y in ("2019", "2020")
                      for s in ("_T", "F")],
                     measure="STOCK", migr_basis=basis, residence_rule="R12",
                     source_type="REGISTER", ref_date_type="JAN1", source_id=source_id)


CITIZENS = eurostat("CIT", "eurostat_migr_pop1ctz", 1000)
FOREIGN_BORN = eurostat("COB", "eurostat_migr_pop3ctb", 1500)


def test_doctests() -> None:
    # migharmony.comparability is also the name of the function (lazy API); import the module.
    assert doctest.testmod(importlib.import_module("migharmony.comparability")).failed == 0


def test_combine_refuses_citizens_with_foreign_born_naming_both_definitions() -> None:
    with pytest.raises(ComparabilityError) as info:
        combine([CITIZENS, FOREIGN_BORN])
    message = str(info.value)
    assert "eurostat_migr_pop1ctz (migr_basis=CIT" in message
    assert "eurostat_migr_pop3ctb (migr_basis=COB" in message
    assert "residence_rule=R12" in message and "STOCK" in message


def test_combine_with_mixed_definitions_marks_every_row() -> None:
    out = combine([CITIZENS, FOREIGN_BORN], allow_mixed_definitions=True)
    assert len(out) == len(CITIZENS) + len(FOREIGN_BORN)
    by_source = out.groupby("source_id")["comparability"].unique()
    assert list(by_source["eurostat_migr_pop1ctz"]) == ["CIT"]
    assert list(by_source["eurostat_migr_pop3ctb"]) == ["COB"]
    assert out["caveats"].str.contains(r"mixed-definitions\[migr_basis\]").all()
    assert set(out.attrs["migharmony"]["sources"]) == {"eurostat_migr_pop1ctz",
                                                       "eurostat_migr_pop3ctb"}


def test_comparability_names_other_varying_definition_columns() -> None:
    census = FOREIGN_BORN.assign(source_type="CENSUS", source_id="census")
    out = combine([CITIZENS, census], allow_mixed_definitions=True)
    assert set(out["comparability"]) == {"CIT/REGISTER", "COB/CENSUS"}


def test_combine_same_basis_is_fine_and_accepts_result_objects() -> None:
    other = FOREIGN_BORN.assign(source_id="oecd_dioc")
    result = types.SimpleNamespace(data=FOREIGN_BORN, metadata={"producer": "Eurostat"})
    out = combine([result, other])
    assert "comparability" not in out.columns
    assert out.attrs["migharmony"]["sources"]["eurostat_migr_pop3ctb"] == {
        "producer": "Eurostat"}


@settings(max_examples=25, deadline=None)
@given(st.permutations([CITIZENS, FOREIGN_BORN, FOREIGN_BORN.assign(source_id="x")]),
       st.booleans())
def test_combine_does_not_depend_on_input_order(frames: list[pd.DataFrame],
                                                shuffle_rows: bool) -> None:
    if shuffle_rows:
        frames = [f.sample(frac=1, random_state=1) for f in frames]
    expected = combine([CITIZENS, FOREIGN_BORN, FOREIGN_BORN.assign(source_id="x")],
                       allow_mixed_definitions=True)
    got = combine(frames, allow_mixed_definitions=True)
    pd.testing.assert_frame_equal(got, expected)


def test_compare_two_definitions() -> None:
    out = compare(CITIZENS, FOREIGN_BORN)
    assert (out["present"] == "both").all() and len(out) == len(CITIZENS)
    row = out[(out["ref_area"] == "DEU") & (out["time_period"] == "2020")
              & (out["sex"] == "_T")].iloc[0]
    assert (row["value_a"], row["value_b"], row["difference"]) == (2000, 3000, 1000)
    assert row["rel_difference"] == 0.5
    assert (row["migr_basis_a"], row["migr_basis_b"]) == ("CIT", "COB")
    assert not row["same_definition"] and row["relation"] == "definition"


def test_compare_two_editions_are_revisions() -> None:
    e2020 = FOREIGN_BORN.assign(source_id="undesa_ims_2020")
    e2024 = FOREIGN_BORN.assign(source_id="undesa_ims_2024",
                                obs_value=FOREIGN_BORN["obs_value"] + 10)
    e2024 = e2024[e2024["ref_area"] != "ITA"]
    out = compare(e2020, e2024)
    assert set(out["relation"]) == {"revision"}
    assert set(out.loc[out["ref_area"] == "ITA", "present"]) == {"a_only"}
    assert (out.loc[out["present"] == "both", "difference"] == 10).all()
    assert family("undesa_ims_2020") == family("undesa_ims_2024") == "undesa_ims"


def test_compare_requires_unique_rows_per_key() -> None:
    by_origin = canonical([{"counterpart_area": c, "obs_value": 1} for c in ("_T", "SEN")],
                          ref_area="FRA", time_period="2020", measure="STOCK")
    with pytest.raises(ValueError, match="counterpart_area"):
        compare(by_origin, by_origin)
