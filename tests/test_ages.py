"""Age arithmetic: exact regrouping, refusals naming straddling bands, approximation."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_frames import canonical, unhcr_demographics
from migharmony import ages, schema
from migharmony.ages import regroup_ages
from migharmony.errors import AgeBandError

UNHCR_TARGETS = ["Y0T17", "Y18T59", "Y_GE60"]


def test_doctests() -> None:
    assert doctest.testmod(ages).failed == 0


def _band_sum(frame: pd.DataFrame) -> pd.Series:
    keys = ["ref_area", "counterpart_area", "time_period", "measure", "sex"]
    bands = frame[~frame["age"].isin(["_T", "_U", "_Z"])]
    return bands.groupby(keys)["obs_value"].sum()


def test_unhcr_bands_regroup_exactly_into_0_17_18_59_60_plus() -> None:
    source = unhcr_demographics()
    out = regroup_ages(source, UNHCR_TARGETS)
    assert set(out["age"]) == {"Y0T17", "Y18T59", "Y_GE60", "_T", "_U"}
    pd.testing.assert_series_equal(_band_sum(out), _band_sum(source))
    assert schema.validate(out).empty
    row = out[(out["ref_area"] == "PAK") & (out["counterpart_area"] == "AFG")
              & (out["time_period"] == "2012") & (out["measure"] == "REF")
              & (out["sex"] == "F") & (out["age"] == "Y0T17")].iloc[0]
    assert row["obs_value"] == 100102 + 183165 + 123261
    assert row["obs_status"] == "A"
    assert "aggregate-of-parts[Y0T4+Y5T11+Y12T17]" in row["caveats"]
    assert (row["age_low"], row["age_high"]) == (0, 18)
    assert "row" in row["source_ref"] and " + " in row["source_ref"]
    # Totals and unknown ages pass through untouched.
    kept = out[out["age"].isin(["_T", "_U"])].reset_index(drop=True)
    expected = source[source["age"].isin(["_T", "_U"])].reset_index(drop=True)
    # Both categorical; the source's columns have more categories (the bands regrouped).
    pd.testing.assert_frame_equal(kept, expected[kept.columns], check_categorical=False)


def test_tuples_are_half_open_like_age_low_age_high() -> None:
    # (0, 18) is written Y_LT18, the canonical code of that band (Y0T17 is its synonym).
    by_codes = regroup_ages(unhcr_demographics(), ["Y_LT18", "Y18T59", "Y_GE60"])
    by_tuples = regroup_ages(unhcr_demographics(), [(0, 18), (18, 60), (60, None)])
    pd.testing.assert_frame_equal(by_codes, by_tuples)


def test_refuses_0_14_naming_the_straddling_band() -> None:
    with pytest.raises(AgeBandError) as info:
        regroup_ages(unhcr_demographics(), ["Y0T14", "Y15T59"])
    message = str(info.value)
    assert "Y0T14 cannot be made from Y12T17, which straddles 15" in message
    assert "Y15T59 cannot be made from Y12T17, which straddles 15" in message
    assert len(info.value.problems) == 2


def test_gap_in_source_bands_is_named() -> None:
    frame = canonical([{"age": a, "obs_value": 1} for a in ("Y0T4", "Y10T14")],
                      ref_area="SEN", time_period="2020", measure="STOCK")
    with pytest.raises(AgeBandError, match="no source band covers ages 5 to 9"):
        regroup_ages(frame, ["Y0T14"])


def test_approximation_splits_uniformly_and_marks_estimates() -> None:
    frame = canonical([{"age": a, "obs_value": v} for a, v in
                       (("Y0T4", 10), ("Y5T11", 14), ("Y12T17", 12), ("Y_GE18", 50))],
                      ref_area="SEN", time_period="2020", measure="STOCK")
    out = regroup_ages(frame, ["Y0T14", "Y15T17", "Y_GE18"], approximate=True)
    values = out.set_index("age")["obs_value"]
    assert values["Y0T14"] == 10 + 14 + 12 * 3 / 6
    assert values["Y15T17"] == 12 * 3 / 6
    assert values.sum() == frame["obs_value"].sum()
    status = out.set_index("age")["obs_status"]
    assert status["Y0T14"] == "E" and status["Y15T17"] == "E" and status["Y_GE18"] == "A"
    caveats = out.set_index("age")["caveats"]
    assert "approximated-age-bands[Y12T17]" in caveats["Y0T14"]
    assert "approximated" not in caveats["Y_GE18"]


def test_open_ended_band_cannot_be_split_even_approximately() -> None:
    frame = canonical([{"age": a, "obs_value": 1} for a in ("Y0T59", "Y_GE60")],
                      ref_area="SEN", time_period="2020", measure="STOCK")
    with pytest.raises(AgeBandError, match="Y_GE60, which straddles 65 and is open-ended"):
        regroup_ages(frame, ["Y0T64", "Y_GE65"], approximate=True)
    out = regroup_ages(frame, ["Y_GE60"])
    assert out.set_index("age").loc["Y_GE60", "obs_value"] == 1


def test_flags_break_wins_and_suppressed_part_makes_a_lower_bound() -> None:
    frame = canonical([
        {"age": "Y0T4", "obs_value": 5, "obs_status": "E", "caveats": "rounded"},
        {"age": "Y5T9", "obs_value": None, "obs_status": "Q", "conf_status": "C"},
        {"age": "Y10T14", "obs_value": 7, "obs_status": "B"},
    ], ref_area="SEN", time_period="2020", measure="STOCK")
    row = regroup_ages(frame, ["Y0T14"]).iloc[0]
    assert row["obs_value"] == 12
    assert row["obs_status"] == "B"
    assert row["conf_status"] == "F"
    assert {"lower-bound[Y5T9]", "rounded"} <= set(row["caveats"].split(";"))


def test_finest_tiling_is_used_when_bands_overlap() -> None:
    frame = canonical([{"age": a, "obs_value": v} for a, v in
                       (("Y0T4", 1), ("Y5T9", 2), ("Y0T9", 3), ("Y_GE10", 4))],
                      ref_area="SEN", time_period="2020", measure="STOCK")
    out = regroup_ages(frame, ["Y0T9"]).set_index("age")
    assert out.loc["Y0T9", "obs_value"] == 3  # the published band itself... or its parts
    assert out.loc["Y0T9", "caveats"] == "aggregate-of-parts[Y0T4+Y5T9]"


@st.composite
def _partition(draw: st.DrawFn) -> tuple[list[int], list[float]]:
    cuts = sorted(draw(st.sets(st.integers(1, 99), min_size=1, max_size=12)))
    values = draw(st.lists(st.integers(0, 10**6), min_size=len(cuts) + 1,
                           max_size=len(cuts) + 1))
    return [0, *cuts], [float(v) for v in values]


def _frame(lows: list[int], values: list[float]) -> pd.DataFrame:
    bands = [(lo, hi) for lo, hi in zip(lows, [*lows[1:], None], strict=True)]
    from migharmony import vocab

    return canonical([{"age": vocab.age_code(lo, hi), "obs_value": v}
                      for (lo, hi), v in zip(bands, values, strict=True)],
                     ref_area="SEN", time_period="2020", measure="STOCK")


@settings(max_examples=60, deadline=None)
@given(_partition(), st.data())
def test_exact_regrouping_conserves_totals(part: tuple[list[int], list[float]],
                                           data: st.DataObject) -> None:
    lows, values = part
    chosen = sorted(data.draw(st.sets(st.sampled_from(lows[1:]), min_size=1)) | {0})
    targets = [(lo, hi) for lo, hi in zip(chosen, [*chosen[1:], None], strict=True)]
    out = regroup_ages(_frame(lows, values), targets)
    assert out["obs_value"].sum() == sum(values)
    assert len(out) == len(targets)


@settings(max_examples=60, deadline=None)
@given(_partition(), st.sets(st.integers(1, 120), max_size=6))
def test_approximate_regrouping_conserves_totals(part: tuple[list[int], list[float]],
                                                 cuts: set[int]) -> None:
    lows, values = part
    top = lows[-1]
    chosen = sorted({0, *(c for c in cuts if c < top)} | {top})
    targets = [(lo, hi) for lo, hi in zip(chosen, [*chosen[1:], None], strict=True)]
    out = regroup_ages(_frame(lows, values), targets, approximate=True)
    assert out["obs_value"].sum() == pytest.approx(sum(values), rel=1e-9)
