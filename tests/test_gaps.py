"""Disaggregation gaps: statuses, zero-filled UNHCR breakdowns, target grids, heatmap."""

from __future__ import annotations

import doctest
import importlib

import matplotlib
import pandas as pd

from analysis_frames import canonical, unhcr_demographics
from migharmony.disaggregation import gaps, missing_cells, plot_gaps

matplotlib.use("Agg")
PER_ORIGIN = ("ref_area", "counterpart_area", "time_period", "measure", "source_id")


def test_doctests() -> None:
    # migharmony.disaggregation is also the name of the function (lazy API); import the module.
    assert doctest.testmod(importlib.import_module("migharmony.disaggregation")).failed == 0


def _status(frame: pd.DataFrame, **where: str) -> dict[str, str]:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    return dict(zip(frame.loc[mask, "dimension"], frame.loc[mask, "status"], strict=True))


def test_unhcr_tells_real_age_breakdowns_from_zero_filled() -> None:
    out = gaps(unhcr_demographics(), by=("sex", "age"), per=PER_ORIGIN)
    # 2001, IDPs in Afghanistan: 1.2 million, every sex and age cell 0.
    assert _status(out, ref_area="AFG", counterpart_area="AFG", time_period="2001",
                   measure="IDP") == {"sex": "zero_filled", "age": "zero_filled"}
    zero = out[(out["ref_area"] == "AFG") & (out["time_period"] == "2001")
               & (out["measure"] == "IDP")]
    assert zero["reason"].str.contains("not disaggregated").all()
    # 2012, Afghan refugees in Pakistan: a real breakdown.
    assert _status(out, ref_area="PAK", counterpart_area="AFG", time_period="2012",
                   measure="REF") == {"sex": "complete", "age": "complete"}
    # 2001, Afghan refugees in Pakistan: ages known for part of the total only.
    row = out[(out["ref_area"] == "PAK") & (out["counterpart_area"] == "AFG")
              & (out["time_period"] == "2001") & (out["dimension"] == "age")].iloc[0]
    assert row["status"] == "partial" and "59%" in row["reason"]


def _desa_like() -> pd.DataFrame:
    rows = [{"ref_area": a, "sex": s, "obs_value": v}
            for a in ("SEN", "MLI") for s, v in (("_T", 30), ("F", 14), ("M", 16))]
    return canonical(rows, time_period="2020", measure="STOCK", source_id="undesa_ims_2020")


def test_sex_complete_and_age_not_collected() -> None:
    out = gaps(_desa_like(), by=("sex", "age"))
    assert set(out.loc[out["dimension"] == "sex", "status"]) == {"complete"}
    assert set(out.loc[out["dimension"] == "age", "status"]) == {"not_collected"}


def test_total_only_partial_suppressed_and_not_applicable() -> None:
    frame = canonical([
        {"ref_area": "SEN", "sex": "_T", "obs_value": 30},
        {"ref_area": "SEN", "sex": "F", "obs_value": 14},
        {"ref_area": "SEN", "sex": "M", "obs_value": 16},
        {"ref_area": "MLI", "sex": "_T", "obs_value": 30},
        {"ref_area": "NER", "sex": "_T", "obs_value": 30},
        {"ref_area": "NER", "sex": "F", "obs_value": 14},
        {"ref_area": "NER", "sex": "M", "obs_value": None, "obs_status": "Q"},
        {"ref_area": "GMB", "sex": "_T", "obs_value": 30},
        {"ref_area": "GMB", "sex": "F", "obs_value": None, "obs_status": "Q"},
        {"ref_area": "GMB", "sex": "M", "obs_value": None, "obs_status": "Q"},
        {"ref_area": "CIV", "sex": "_Z", "obs_value": 3},
    ], time_period="2020", measure="STOCK")
    out = gaps(frame, by=("sex",)).set_index("ref_area")["status"].to_dict()
    assert out == {"SEN": "complete", "MLI": "total_only", "NER": "partial",
                   "GMB": "suppressed", "CIV": "not_applicable"}


def test_target_counts_and_missing_cells() -> None:
    target = {"sex": ["F", "M"], "age": ["Y0T14", "Y15T64", "Y_GE65"]}
    out = gaps(_desa_like(), by=("sex", "age"), target=target)
    age = out[out["dimension"] == "age"]
    # counted per (cross-classification, code): 3 sex cells (F, M, _T) x 3 target ages
    assert (age["expected"] == 9).all() and (age["missing"] == 9).all()
    cells = missing_cells(_desa_like(), target)
    assert len(cells) == 2 * 6  # two countries x (2 sexes x 3 ages), none given
    assert set(cells["cell"]) == {"absent"}
    assert {"ref_area", "sex", "age"} <= set(cells.columns)


def test_plot_gaps_draws_a_heatmap() -> None:
    out = gaps(unhcr_demographics(), by=("sex", "age"))
    ax = plot_gaps(out)
    assert ax.get_title() == "Disaggregation gaps"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["age", "sex"]
