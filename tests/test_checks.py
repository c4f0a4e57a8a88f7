"""Consistency checks: flagged, never fixed."""

from __future__ import annotations

import doctest

import pandas as pd

from analysis_frames import canonical, unhcr_demographics
from migharmony import checks, schema
from migharmony.checks import FINDING_COLUMNS, check_consistency


def test_doctests() -> None:
    assert doctest.testmod(checks).failed == 0


def test_clean_frame_has_no_findings_and_input_is_untouched() -> None:
    frame = canonical([{"sex": s, "obs_value": v} for s, v in (("_T", 30), ("F", 14),
                                                               ("M", 16))],
                      ref_area="SEN", time_period="2020", measure="STOCK")
    before = frame.copy()
    out = check_consistency(frame)
    assert out.empty and list(out.columns) == list(FINDING_COLUMNS)
    pd.testing.assert_frame_equal(frame, before)


def test_sex_parts_tolerance_negative_and_duplicates() -> None:
    frame = canonical([
        {"sex": "_T", "obs_value": 30}, {"sex": "F", "obs_value": 14},
        {"sex": "M", "obs_value": 17},
        {"sex": "_T", "obs_value": -1, "ref_area": "MLI"},
        {"sex": "_T", "obs_value": 5, "ref_area": "NER", "source_ref": "A1"},
        {"sex": "_T", "obs_value": 6, "ref_area": "NER", "source_ref": "A2"},
    ], ref_area="SEN", time_period="2020", measure="STOCK")
    out = check_consistency(frame)
    assert set(out["rule"]) == {"parts-exceed-total", "negative-value", "duplicate-key"}
    sex = out[out["rule"] == "parts-exceed-total"].iloc[0]
    assert (sex["expected"], sex["found"], sex["dimension"]) == (30, 31, "sex")
    assert "F+M add up to 31.0" in sex["message"]
    assert out.loc[out["rule"] == "duplicate-key", "source_refs"].iloc[0] == "A1; A2"
    assert "parts-exceed-total" not in set(check_consistency(frame, tolerance=1)["rule"])


def test_age_bands_nest_by_interval_and_suppressed_parts_are_not_compared() -> None:
    frame = canonical([
        {"age": "_T", "obs_value": 100}, {"age": "Y0T14", "obs_value": 30},
        {"age": "Y0T4", "obs_value": 10}, {"age": "Y5T14", "obs_value": 15},
        {"age": "Y15T64", "obs_value": 60}, {"age": "Y_GE65", "obs_value": 10},
    ], ref_area="SEN", time_period="2020", measure="STOCK")
    out = check_consistency(frame)
    rules = out.set_index("where")["rule"].to_dict()
    assert any("age=Y0T14" in w for w in rules)  # 10 + 15 != 30
    assert (out["rule"] == "parts-below-total").all()
    frame = schema.as_text(frame)  # a new status code: edited as text
    frame.loc[frame["age"] == "Y5T14", ["obs_value", "obs_status"]] = [float("nan"), "Q"]
    assert check_consistency(frame).empty or not check_consistency(frame)["where"].str.contains(
        "Y0T14").any()


def test_unhcr_sexes_below_total_are_warnings_ages_add_up() -> None:
    out = check_consistency(unhcr_demographics())
    assert set(out["rule"]) <= {"parts-below-total"}
    assert set(out["dimension"]) == {"sex"}  # ages (with _U) always add up to the sex totals
    row = out[(out["ref_area"] == "PAK") & (out["time_period"] == "2001")
              & out["where"].str.contains("counterpart_area=AFG")].iloc[0]
    assert (row["expected"], row["found"]) == (2197821, 1509034)


def test_origins_compare_to_total_only() -> None:
    frame = canonical([{"counterpart_area": c, "obs_value": v} for c, v in
                       (("_T", 100), ("FOR", 40), ("SEN", 30), ("MLI", 5))],
                      ref_area="FRA", time_period="2020", measure="STOCK")
    out = check_consistency(frame)
    assert out["rule"].tolist() == ["parts-below-total"] and out["severity"].tolist() == ["info"]


def test_stock_flow_balance() -> None:
    frame = canonical([
        {"measure": "STOCK", "time_period": "2019", "obs_value": 1000},
        {"measure": "IMM", "time_period": "2019", "obs_value": 200},
        {"measure": "EMI", "time_period": "2019", "obs_value": 50},
        {"measure": "STOCK", "time_period": "2020", "obs_value": 1400},
    ], ref_area="DEU", migr_basis="CIT")
    out = check_consistency(frame)
    row = out[out["rule"] == "stock-flow-balance"].iloc[0]
    assert (row["expected"], row["found"], row["difference"]) == (1150, 1400, 250)
    frame.loc[frame["time_period"] == "2020", "obs_value"] = 1160
    assert "stock-flow-balance" not in set(check_consistency(frame)["rule"])
