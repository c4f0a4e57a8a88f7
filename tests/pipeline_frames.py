"""Small crosswalks and tables shared by the pipeline tests (no area resolution needed)."""

from __future__ import annotations

from typing import Any

SMALL_CROSSWALK: dict[str, Any] = {
    "migharmony": "crosswalk/1",
    "id": "test-small-wide",
    "version": "0.1",
    "title": "A small wide table written the way national offices write them",
    "source": {"producer": "Test office", "licence": "CC0-1.0", "edition": "2020"},
    "definitions": {"measure": "STOCK", "migr_basis": "CIT", "residence_rule": "R12",
                    "source_type": "REGISTER", "ref_date_type": "JAN1", "unit_measure": "PS",
                    "unit_mult": 0},
    "read": {"format": "csv", "header_rows": [1], "decimal": ",",
             "thousands": [" ", "\u00a0"]},
    "columns": {"Country": "country", "Code": "code", "Sex": "sex_label"},
    "values": {"columns": ["2019", "2020"], "headers": {"1": "time_period"}},
    "dimensions": {
        "ref_area": {"from": "code", "map": {"CI": "CIV", "SN": "SEN"}},
        "sex": {"from": "sex_label", "map": {"Total": "_T", "Femmes": "F", "Hommes": "M"}},
    },
    "symbols": {"..": {"obs_status": "M", "caveats": ["not-available"]}},
    "flags": {"p": {"obs_status": "P", "caveats": ["provisional"]}},
}
