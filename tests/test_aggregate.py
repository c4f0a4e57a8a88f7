"""Area aggregation through time, with coverage and flag-aware sums."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib.util
import types

import pandas as pd
import pytest

from analysis_frames import canonical
from migharmony import aggregate, schema
from migharmony.aggregate import aggregate_areas
from migharmony.errors import CoverageError

ECOWAS_2020 = ["BEN", "BFA", "CIV", "CPV", "GHA", "GIN", "GMB", "GNB", "LBR", "MLI", "NER",
               "NGA", "SEN", "SLE", "TGO"]
AES = {"BFA", "MLI", "NER"}  # left ECOWAS on 29 January 2025


def ecowas_on(group: str, on: dt.date) -> list[str]:
    """A fake ``areas.members``: the Sahel states leave ECOWAS on 2025-01-29."""
    assert group == "ECOWAS"
    if on >= dt.date(2025, 1, 29):
        return [m for m in ECOWAS_2020 if m not in AES]
    return list(ECOWAS_2020)


def stock(areas: list[str], periods: tuple[str, ...] = ("2020",), **extra: object
          ) -> pd.DataFrame:
    return canonical([{"ref_area": a, "time_period": p, "sex": s,
                       "obs_value": 1000 * (i + 1) + (1 if s == "F" else 0)}
                      for p in periods for i, a in enumerate(areas) for s in ("_T", "F")],
                     measure="STOCK", migr_basis="COB", source_id="undesa_ims_2020", **extra)


def test_doctests() -> None:
    assert doctest.testmod(aggregate).failed == 0


def test_ecowas_equals_the_sum_of_its_members() -> None:
    frame = stock([*ECOWAS_2020, "FRA"])
    out = aggregate_areas(frame, "ECOWAS", members=ECOWAS_2020)
    assert schema.validate(out).empty
    expected = frame[frame["ref_area"].isin(ECOWAS_2020)].groupby("sex")["obs_value"].sum()
    assert out.set_index("sex")["obs_value"].to_dict() == expected.to_dict()
    assert (out["ref_area"] == "ECOWAS").all()
    assert out["caveats"].str.contains(r"aggregate-of-parts\[15 members\]").all()
    assert not out["caveats"].str.contains("partial-coverage").any()
    report = out.attrs["coverage"]
    assert (report["coverage"] == 1).all() and (report["members_expected"] == 15).all()


def test_nigeria_missing_refuses_by_default() -> None:
    frame = stock([a for a in ECOWAS_2020 if a != "NGA"])
    with pytest.raises(CoverageError, match="NGA") as info:
        aggregate_areas(frame, "ECOWAS", members=ECOWAS_2020)
    assert "14 of 15" in str(info.value)


def test_nigeria_missing_above_threshold_is_a_partial_coverage_caveat() -> None:
    frame = stock([a for a in ECOWAS_2020 if a != "NGA"])
    out = aggregate_areas(frame, "ECOWAS", members=ECOWAS_2020, min_coverage=0.9)
    assert out["caveats"].str.contains(r"partial-coverage\[NGA\]").all()
    assert out.attrs["coverage"]["members_missing"].eq("NGA").all()


def test_below_threshold_rows_are_dropped_with_omit() -> None:
    frame = stock(ECOWAS_2020)
    frame = frame[~((frame["ref_area"] == "NGA") & (frame["sex"] == "F"))]
    out = aggregate_areas(frame, "ECOWAS", members=ECOWAS_2020, errors="omit")
    assert out["sex"].tolist() == ["_T"]


def test_membership_follows_the_date() -> None:
    frame = stock(ECOWAS_2020, periods=("2020", "2025-07-01"))
    out = aggregate_areas(frame, "ECOWAS", members=ecowas_on).set_index(["time_period", "sex"])
    in_2020 = frame[frame["time_period"] == "2020"].groupby("sex")["obs_value"].sum()
    in_2025 = frame[(frame["time_period"] == "2025-07-01")
                    & ~frame["ref_area"].isin(AES)].groupby("sex")["obs_value"].sum()
    assert out.loc[("2020", "_T"), "obs_value"] == in_2020["_T"]
    assert out.loc[("2025-07-01", "_T"), "obs_value"] == in_2025["_T"]
    report = aggregate_areas(frame, "ECOWAS", members=ecowas_on).attrs["coverage"]
    assert sorted(report["members_expected"].unique()) == [12, 15]
    # A fixed date applies one membership to every period.
    fixed = aggregate_areas(frame, "ECOWAS", members=ecowas_on, on="2020-06-30")
    assert fixed.set_index(["time_period", "sex"]).loc[("2025-07-01", "_T"), "obs_value"] == (
        frame[(frame["time_period"] == "2025-07-01") & (frame["sex"] == "_T")]
        ["obs_value"].sum())


def test_uses_areas_members_when_no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("migharmony.areas") is None:
        fake = types.ModuleType("migharmony.areas")
        monkeypatch.setitem(__import__("sys").modules, "migharmony.areas", fake)
    import migharmony.areas as areas_module

    monkeypatch.setattr(areas_module, "members", ecowas_on,
                        raising=False)
    frame = stock(ECOWAS_2020, periods=("2025",), ref_date_type="MIDYEAR")  # 1 July 2025
    out = aggregate_areas(frame, "ECOWAS")
    assert out.attrs["coverage"]["members_expected"].eq(12).all()


def test_suppressed_member_makes_a_lower_bound_and_flags_propagate() -> None:
    frame = schema.as_text(stock(ECOWAS_2020))  # codes edited below: text, not categorical
    nga = (frame["ref_area"] == "NGA") & (frame["sex"] == "_T")
    frame.loc[nga, ["obs_value", "obs_status", "conf_status"]] = [float("nan"), "Q", "C"]
    frame.loc[(frame["ref_area"] == "SEN") & (frame["sex"] == "_T"), "obs_status"] = "E"
    frame.loc[frame["ref_area"] == "GHA", "caveats"] = "refugees-added"
    out = aggregate_areas(frame, "ECOWAS", members=ECOWAS_2020, min_coverage=0.9)
    total = out.set_index("sex").loc["_T"]
    assert total["obs_value"] == frame.loc[frame["sex"] == "_T", "obs_value"].sum()
    assert total["obs_status"] == "E"
    caveats = set(total["caveats"].split(";"))
    assert {"lower-bound[NGA]", "refugees-added"} <= caveats
    assert not any(c.startswith("partial-coverage") for c in caveats)
    report = out.attrs["coverage"].set_index("sex")
    assert report.loc["_T", "members_suppressed"] == "NGA"
    assert report.loc["_T", "members_present"] == 14


def test_mixed_bases_across_members_are_marked() -> None:
    frame = schema.as_text(stock(["SEN", "CIV"]))
    frame.loc[frame["ref_area"] == "CIV", "migr_basis"] = "CIT"
    out = aggregate_areas(frame, "PAIR", members=["SEN", "CIV"])
    assert (out["migr_basis"] == "MIXED").all()
    assert out["caveats"].str.contains(r"mixed-definitions\[migr_basis\]").all()


def test_accepts_an_object_with_data() -> None:
    result = types.SimpleNamespace(data=stock(["SEN", "CIV"]), metadata={})
    out = aggregate_areas(result, "PAIR", members=["SEN", "CIV"])
    assert len(out) == 2
