"""Ages and gaps on the real UNHCR demographics table (issue 6 must-shows)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import migharmony
from migharmony.errors import AgeBandError

DATA = Path(__file__).parents[1] / "examples" / "data" / "unhcr_hdx_demographics.csv"
UNIT = ["ref_area", "counterpart_area", "time_period", "measure", "sex"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return migharmony.harmonize(DATA, "unhcr-hdx-demographics").data


def test_regroup_unhcr_bands_exactly(data) -> None:
    out = migharmony.regroup_ages(data, ["Y0T17", "Y18T59", "Y_GE60"])
    bands = {"Y0T4": "Y0T17", "Y5T11": "Y0T17", "Y12T17": "Y0T17", "Y18T59": "Y18T59",
             "Y_GE60": "Y_GE60"}
    source = data[data["age"].isin(bands)].assign(target=lambda f: f["age"].map(bands))
    expected = source.groupby([*UNIT, "target"])["obs_value"].sum()
    got = out[out["age"].isin(["Y0T17", "Y18T59", "Y_GE60"])].set_index([*UNIT, "age"])[
        "obs_value"]
    got.index = got.index.set_names([*UNIT, "target"])
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False,
                                   check_index_type=False, check_categorical=False)
    assert got.sum() == source["obs_value"].sum()


def test_regroup_refuses_0_14_naming_the_straddling_band(data) -> None:
    with pytest.raises(AgeBandError, match="Y12T17"):
        migharmony.regroup_ages(data, ["Y0T14"])


def test_gaps_tell_zero_filled_from_real_breakdowns(data) -> None:
    unit = ("ref_area", "counterpart_area", "time_period", "measure")
    g = migharmony.gaps(data, by=("sex", "age"), per=unit)
    g = g[g["dimension"] == "age"]
    assert {"complete", "zero_filled"} <= set(g["status"])
    # Independently: a unit is zero-filled when all its age parts (bands and unknown age)
    # are 0 but its total is not. (All people in "unknown age" is a partial breakdown.)
    ages = data[data["age"] != "_T"]
    totals = data[(data["age"] == "_T")].groupby(["ref_area", "counterpart_area",
                                                  "time_period", "measure"])["obs_value"].sum()
    parts = ages.groupby(["ref_area", "counterpart_area", "time_period", "measure"])[
        "obs_value"].sum()
    zero_filled = set(parts[(parts == 0) & (totals.reindex(parts.index) > 0)].index)
    flagged = set(g.loc[g["status"] == "zero_filled",
                        ["ref_area", "counterpart_area", "time_period", "measure"]]
                  .itertuples(index=False, name=None))
    assert flagged == zero_filled
    marked = data[data["caveats"].str.contains("zero-not-disaggregated")]
    assert (marked["obs_value"] == 0).all()
