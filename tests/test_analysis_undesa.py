"""Gaps and area aggregation on the real UN DESA 2020 Table 1 (issue 6 must-shows)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import migharmony
from migharmony.errors import CoverageError

TABLE = (Path(__file__).parents[1] / "examples" / "data"
         / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx")


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return migharmony.harmonize(TABLE, "undesa-ims-2020-t1").data


def _countries(data: pd.DataFrame) -> pd.DataFrame:
    return data[~data["ref_area"].map(migharmony.areas.is_group)]


def test_gaps_sex_complete_and_age_absent_for_every_country(data) -> None:
    countries = _countries(data)
    available = countries[countries["obs_value"].notna()]
    g = migharmony.gaps(available, by=("sex", "age"))
    assert set(g.loc[g["dimension"] == "age", "status"]) == {"not_collected"}
    sex = g[g["dimension"] == "sex"].set_index(["ref_area", "time_period"])["status"]
    # Complete wherever the workbook gives males and females; where it gives only the
    # total ('..' for both sexes, e.g. Bonaire, Sint Eustatius and Saba), gaps says so.
    parts = available[available["sex"] != "_T"].groupby(["ref_area", "time_period"]).size()
    has_parts = parts.reindex(sex.index, fill_value=0) == 2
    assert (sex[has_parts] == "complete").all()
    assert (sex[~has_parts] == "total_only").all()
    assert has_parts.mean() > 0.99
    assert set(g["ref_area"]) == set(available["ref_area"])


def test_gaps_say_why_when_nothing_is_available(data) -> None:
    g = migharmony.gaps(_countries(data), by=("sex",))
    missing = g[g["ref_area"] == "BLM"]  # Saint Barthelemy: '..' everywhere in 2020
    assert len(missing) and not (missing["status"] == "complete").any()


def test_ecowas_equals_the_sum_of_its_members_in_2020(data) -> None:
    y2020 = data[data["time_period"] == "2020"]
    ecowas = migharmony.aggregate_areas(y2020, "ECOWAS")
    members = migharmony.areas.members("ECOWAS", on="2020-07-01")
    assert {"BFA", "MLI", "NER", "NGA"} <= set(members) and len(members) == 15
    for sex in ("_T", "M", "F"):
        parts = y2020[(y2020["ref_area"].isin(members)) & (y2020["sex"] == sex)]
        total = ecowas.loc[ecowas["sex"] == sex, "obs_value"].item()
        assert total == parts["obs_value"].sum()
        assert len(parts) == 15


def test_ecowas_without_nigeria_refuses_or_names_nigeria(data) -> None:
    y2020 = data[(data["time_period"] == "2020") & (data["ref_area"] != "NGA")]
    with pytest.raises(CoverageError, match="NGA"):
        migharmony.aggregate_areas(y2020, "ECOWAS")
    partial = migharmony.aggregate_areas(y2020, "ECOWAS", min_coverage=0.9)
    assert partial["caveats"].str.contains(r"partial-coverage\[[^]]*NGA").all()


def test_membership_follows_the_date(data) -> None:
    shifted = data[data["time_period"] == "2020"].assign(time_period="2025")
    later = migharmony.aggregate_areas(shifted, "ECOWAS")
    members_2025 = migharmony.areas.members("ECOWAS", on="2025-07-01")
    assert not {"BFA", "MLI", "NER"} & set(members_2025)
    expected = shifted[(shifted["ref_area"].isin(members_2025)) & (shifted["sex"] == "_T")]
    assert later.loc[later["sex"] == "_T", "obs_value"].item() == expected["obs_value"].sum()
