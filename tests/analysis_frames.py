"""Small canonical frames for the analysis tests (gaps, checks, ages, aggregate, compare).

``canonical(rows)`` fills every canonical column the rows do not give with its schema
default; ``unhcr_demographics()`` turns the real UNHCR excerpt in ``tests/data`` into a
canonical frame (a stand-in for the crosswalk pipeline, which comes later).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from migharmony import schema, vocab

DATA = Path(__file__).parent / "data"
UNHCR_BANDS = {"0_4": "Y0T4", "5_11": "Y5T11", "12_17": "Y12T17", "18_59": "Y18T59",
               "60": "Y_GE60", "Unknown": "_U", "total": "_T"}


def canonical(rows: Iterable[Mapping[str, Any]], **common: Any) -> pd.DataFrame:
    """A canonical frame from partial rows; *common* values apply to every row."""
    frame = pd.DataFrame([{**common, **row} for row in rows])
    n = len(frame)
    for spec in schema.COLUMNS:
        if spec.name not in frame.columns:
            if spec.name == "source_ref":
                frame[spec.name] = [f"row {i + 2}" for i in range(n)]
            elif spec.name == "source_id":
                frame[spec.name] = "test"
            elif spec.default is not None:
                frame[spec.name] = spec.default
            else:
                frame[spec.name] = pd.NA
    ages = vocab.age_intervals(frame["age"].astype(object))
    frame["age_low"], frame["age_high"] = ages["age_low"], ages["age_high"]
    frame["obs_value"] = pd.to_numeric(frame["obs_value"]).astype("float64")
    extra = schema.extra_dimensions(frame)
    frame = schema.order(frame, extra)
    for spec in schema.COLUMNS:
        frame[spec.name] = frame[spec.name].astype(schema.dtype(spec))
    return frame


def unhcr_demographics(path: Path = DATA / "unhcr_demographics_excerpt.csv") -> pd.DataFrame:
    """The UNHCR demographics excerpt in canonical form (sex x age by column)."""
    raw = pd.read_csv(path, dtype={"Year": str})
    raw["row"] = range(2, len(raw) + 2)
    columns = {f"{sex}_{band}": (code, age) for sex, code in (("Female", "F"), ("Male", "M"))
               for band, age in UNHCR_BANDS.items()}
    columns["Total"] = ("_T", "_T")
    long = raw.melt(id_vars=["Year", "ISO3CoO", "ISO3CoA", "PT", "row"],
                    value_vars=list(columns), var_name="column", value_name="obs_value")
    letters = {c: chr(ord("A") + i) for i, c in enumerate(pd.read_csv(path, nrows=0).columns)}
    long["sex"] = long["column"].map(lambda c: columns[c][0])
    long["age"] = long["column"].map(lambda c: columns[c][1])
    frame = canonical(
        [{"ref_area": r.ISO3CoA, "counterpart_area": r.ISO3CoO, "time_period": r.Year,
          "measure": r.PT, "sex": r.sex, "age": r.age, "obs_value": r.obs_value,
          "source_ref": f"row {r.row}, column {letters[r.column]}"}
         for r in long.itertuples()],
        migr_basis="LEGAL", source_type="ADMIN", ref_date_type="DEC31",
        source_id="unhcr_demographics")
    return frame.sort_values(schema.key(frame)).reset_index(drop=True)
