"""OECD International Migration Database, SDMX-JSON: foreign-born (B14) vs foreign (B15).

The source values are read independently from the SDMX-JSON messages (plain json)
and compared with the harmonized frames.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import migharmony
from migharmony.cubes import codelist_labels

DATA = Path(__file__).resolve().parents[1] / "examples" / "data"


def source_series(name: str) -> dict[str, float | None]:
    """TIME_PERIOD -> value of a flat SDMX-JSON 2.0 message, read with json only."""
    data = json.loads((DATA / name).read_text(encoding="utf-8"))["data"]
    dims = data["structures"][0]["dimensions"]["observation"]
    time_pos = [d["id"] for d in dims].index("TIME_PERIOD")
    periods = [v["id"] for v in dims[time_pos]["values"]]
    out = {}
    for key, obs in data["dataSets"][0]["observations"].items():
        out[periods[int(key.split(":")[time_pos])]] = obs[0]
    return out


@pytest.mark.parametrize("country", ["MEX", "USA"])
def test_b14_foreign_born_vs_b15_foreign_nationals(country: str) -> None:
    b14 = migharmony.harmonize(DATA / f"{country}_B14.json", "oecd-mig-b14-sdmxjson")
    b15 = migharmony.harmonize(DATA / f"{country}_B15.json", "oecd-mig-b15-sdmxjson")
    for result, name, basis in ((b14, f"{country}_B14.json", "COB"),
                                (b15, f"{country}_B15.json", "CIT")):
        source = source_series(name)
        # Every observation of the message is accounted for.
        assert len(result.data) + len(result.rejected) == len(source)
        assert set(result.data["ref_area"]) == {country}
        assert set(result.data["migr_basis"]) == {basis}
        assert set(result.data["counterpart_area"]) == {"FOR"}
        got = dict(zip(result.data["time_period"], result.data["obs_value"], strict=True))
        for period, value in source.items():
            if value is None:
                assert got[period] != got[period]  # NaN: a missing observation, kept
            else:
                assert got[period] == pytest.approx(value)
    # Two definitions of "migrant", same country and year: both kept apart by the key.
    both = migharmony.harmonize(DATA / f"{country}_B14.json", "oecd-mig-b14-sdmxjson").data
    both = both.merge(b15.data, on=["ref_area", "time_period"], suffixes=("_cob", "_cit"))
    both = both.dropna(subset=["obs_value_cob", "obs_value_cit"])
    assert len(both) >= 7
    assert (both["obs_value_cob"] > both["obs_value_cit"]).all()
    # Code columns of two results have their own categories: compared as text.
    assert (both["source_id_cob"].astype("str") != both["source_id_cit"].astype("str")).all()


def test_missing_observation_of_mexico_2014_is_kept_as_missing() -> None:
    result = migharmony.harmonize(DATA / "MEX_B15.json", "oecd-mig-b15-sdmxjson")
    row = result.data.query("time_period == '2014'").iloc[0]
    assert source_series("MEX_B15.json")["2014"] is None
    assert row.obs_value != row.obs_value and row.obs_status != "A"
    assert row.source_ref == "obs 0:0:0:0:0:0:0:0:4"


def test_codelist_labels_from_the_dsd_mig_structure() -> None:
    labels = codelist_labels(DATA / "oecd_DSD_MIG_codelists_excerpt.xml", "CL_MEASURE_MIG")
    assert labels["B14"] == "Stocks of foreign-born population"
    assert labels["B15"] == "Stocks of foreign population"
    with pytest.raises(migharmony.errors.ReadError, match="CL_MEASURE_MIG"):
        codelist_labels(DATA / "oecd_DSD_MIG_codelists_excerpt.xml", "CL_MEASURE_MGI")
