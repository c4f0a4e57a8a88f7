"""Hypothesis strategies and builders for canonical frames, grids and crosswalks.

Shared by the property, security and fuzz tests. A *wide table* is what producers
publish: one row per area and sex, one column per year, values that are numbers,
numbers with flags, symbols, blanks or junk. :func:`wide_crosswalk` describes such
a table; :func:`wide_tables` and :func:`crosswalks_for` generate both.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import strategies as st

AREAS = ("AUT", "BEL", "CIV", "FRA", "NGA", "PSE", "XKX")
SEXES = {"Both sexes": "_T", "Men": "M", "Women": "F"}
SYMBOLS = {"..": {"obs_status": "M"}, "x": {"obs_status": "M", "conf_status": "C"},
           "—": {"value": 0, "caveats": ["rounded-to-zero"]}}
FLAGS = {"p": {"obs_status": "P"}, "e": {"obs_status": "E"}, "c": {"conf_status": "C"}}


def wide_crosswalk(years: list[str], **changes: Any) -> dict[str, Any]:
    """A crosswalk for a wide CSV: ``Area,Sex,<year>...`` with a header in row 1."""
    cw: dict[str, Any] = {
        "migharmony": "crosswalk/1",
        "id": "test-wide",
        "version": "1.0.0",
        "title": "Generated wide table",
        "source": {"producer": "Test office", "licence": "CC0-1.0"},
        "definitions": {"measure": "STOCK", "migr_basis": "COB", "unit_measure": "PS"},
        "read": {"format": "csv", "header_rows": [1]},
        "columns": {"Area": "area", "Sex": "sex_label"},
        "values": {"columns": list(years), "headers": {"1": "time_period"}},
        "dimensions": {
            "ref_area": {"from": "area", "regex": [{"pattern": r"^([A-Z]{3})$",
                                                   "code": r"\1"}]},
            "sex": {"from": "sex_label", "map": dict(SEXES)},
            "time_period": {"regex": [{"pattern": r"^(\d{4})$", "code": r"\1"}]},
        },
        "symbols": copy.deepcopy(SYMBOLS),
        "flags": copy.deepcopy(FLAGS),
    }
    for key, value in changes.items():
        if value is None:
            cw.pop(key, None)
        else:
            cw[key] = value
    return cw


@dataclass
class WideTable:
    """A generated wide table: its cells (header row first) and its crosswalk."""

    rows: list[list[str]]
    crosswalk: dict[str, Any]

    @property
    def header(self) -> list[str]:
        return self.rows[0]

    @property
    def body(self) -> list[list[str]]:
        return self.rows[1:]

    def value_cells(self) -> list[str]:
        years = set(self.crosswalk["values"]["columns"])
        cols = [i for i, h in enumerate(self.header) if h in years]
        return [row[i] for row in self.body for i in cols]

    def write_csv(self, path: Path, *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
        import csv

        with path.open("w", encoding=encoding, newline="") as handle:
            csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(self.rows)
        return path


numbers = st.one_of(
    st.integers(min_value=0, max_value=10**9).map(str),
    st.integers(min_value=0, max_value=10**7).map(lambda n: f"{n:,}"),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False,
                allow_infinity=False).map(str),
    st.floats(min_value=0, max_value=1e12, allow_nan=False).map(repr),
)
raw_cells = st.one_of(
    numbers,
    numbers.flatmap(lambda n: st.sampled_from([f"{n} p", f"{n}e", f"{n} c", f"{n} z"])),
    st.sampled_from(["..", "x", "—", "", " ", "n/a", "-5", "1,2,3", "=1+1", "1e400"]),
    st.text(alphabet="0123456789 .,-abc", max_size=6),
)


@st.composite
def wide_tables(draw: st.DrawFn, *, max_rows: int = 8) -> WideTable:
    """A wide table and a crosswalk varied in what it excludes and declares."""
    first = draw(st.integers(min_value=1990, max_value=2015))
    years = [str(first + 5 * i) for i in range(draw(st.integers(min_value=1, max_value=4)))]
    keys = draw(st.lists(st.tuples(st.sampled_from([*AREAS, "World", "???"]),
                                   st.sampled_from([*SEXES, "Other"])),
                         min_size=0, max_size=max_rows, unique=True))
    body = [[area, sex, *(draw(raw_cells) for _ in years)] for area, sex in keys]
    cw = wide_crosswalk(years)
    if draw(st.booleans()):  # aggregates excluded by a dimension rule
        cw["dimensions"]["ref_area"]["exclude"] = [{"values": ["World"],
                                                    "reason": "a world total"}]
    if draw(st.booleans()) and body:  # a row excluded by number
        cw["exclude_rows"] = [{"rows": [draw(st.integers(2, len(body) + 1))],
                               "reason": "a duplicate row"}]
    if draw(st.booleans()):  # empty cells kept as missing observations
        cw["symbols"][""] = {"obs_status": "M"}
    return WideTable(rows=[["Area", "Sex", *years], *body], crosswalk=cw)


# -- canonical frames -------------------------------------------------------------------

AGES = ("_T", "Y0T4", "Y5T9", "Y0T14", "Y15T64", "Y_GE65", "Y_LT1", "_U")
PERIODS = ("2019", "2020", "2020-07", "2020-Q1", "2020-07-01")
CAVEATS = ("", "estimated", "refugees-added;source-note[12]", "basis-mixed;imputed")


@st.composite
def canonical_frames(draw: st.DrawFn, *, min_rows: int = 0, max_rows: int = 12) -> pd.DataFrame:
    """Canonical frames as ``harmonize`` returns them (valid against the schema, unique keys):
    every coded column drawn from its vocabulary, values with missing ones, statuses,
    flags (some starting with a formula character), caveats, unit multipliers, lineage."""
    from migharmony import schema, vocab

    def code(dimension: str) -> st.SearchStrategy[str]:
        return st.sampled_from(vocab.codes(dimension))

    row = st.fixed_dictionaries({
        "ref_area": st.sampled_from(AREAS), "counterpart_area": st.sampled_from(
            ("_T", "_U", "FOR", "NGA", "FRA")),
        "time_period": st.sampled_from(PERIODS), "measure": code("measure"),
        "migr_basis": code("migr_basis"), "residence_rule": code("residence_rule"),
        "source_type": code("source_type"), "ref_date_type": code("ref_date_type"),
        "pop_type": code("pop_type"), "sex": code("sex"), "age": st.sampled_from(AGES),
        "obs_value": st.one_of(st.none(), st.integers(0, 10**9).map(float),
                               st.floats(0, 1e12, allow_nan=False)),
        "unit_measure": code("unit_measure"), "unit_mult": st.sampled_from([0, 0, 3, 6]),
        "obs_status": code("obs_status"), "conf_status": code("conf_status"),
        "obs_flags": st.sampled_from(["", "p", "..", "-", "~", "e c"]),
        "obs_count": st.one_of(st.none(), st.integers(0, 10**6)),
        "caveats": st.sampled_from(CAVEATS),
        "source_id": st.sampled_from(["undesa-ims-2020-t1", "test-wide"]),
        "source_ref": st.sampled_from(["Table 1!L81", "C2", "row 12, column E"]),
    })
    rows = draw(st.lists(row, min_size=min_rows, max_size=max_rows,
                         unique_by=lambda r: tuple(r[k] for k in schema.KEY)))
    frame = pd.DataFrame(rows, columns=[c.name for c in schema.COLUMNS if c.name not in
                                        ("age_low", "age_high")])
    ages = vocab.age_intervals(frame["age"].fillna("_U"))
    frame["age_low"] = ages["age_low"].to_numpy()
    frame["age_high"] = ages["age_high"].to_numpy()
    for spec in schema.COLUMNS:
        frame[spec.name] = frame[spec.name].astype(schema.dtype(spec))
    return schema.conform(schema.order(frame).reset_index(drop=True))


def text_attack_values() -> st.SearchStrategy[str]:
    """Text that a spreadsheet would evaluate if written as is."""
    return st.tuples(st.sampled_from(["=", "+", "-", "@", "\t", "\r"]),
                     st.text(max_size=12)).map("".join)


def tiny_result(tmp_path: Path, rows: list[list[str]] | None = None,
                **changes: Any) -> Any:
    """Harmonize a small wide table (written as CSV in *tmp_path*)."""
    import migharmony

    rows = rows or [["Area", "Sex", "2019", "2020"],
                    ["AUT", "Men", "1,234", "1300 p"],
                    ["AUT", "Women", "..", "1400"],
                    ["FRA", "Both sexes", "12", "oops"]]
    table = WideTable(rows=rows, crosswalk=wide_crosswalk(rows[0][2:], **changes))
    path = table.write_csv(tmp_path / "table.csv")
    return migharmony.harmonize(path, table.crosswalk)


def as_frame(table: WideTable) -> pd.DataFrame:
    return pd.DataFrame(table.body, columns=table.header)


# -- settings -----------------------------------------------------------------------------

def examples(default: int) -> int:
    """Examples per property: modest in CI, more with MIGHARMONY_EXAMPLES=<n>."""
    import os

    return int(os.environ.get("MIGHARMONY_EXAMPLES", default))


def cell_ref(row: int, col: int) -> str:
    from migharmony.read import column_letter

    return f"{column_letter(col)}{row}"
