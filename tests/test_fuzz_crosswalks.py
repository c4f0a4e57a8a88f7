"""Crosswalks with mistakes in any key: loading and harmonizing either work or raise a
CrosswalkError (or another MigharmonyError), never a bare builtin."""

from __future__ import annotations

import contextlib
import copy
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migharmony
from migharmony.crosswalk import load
from migharmony.errors import MigharmonyError
from strategies import WideTable, examples, wide_crosswalk

ROWS = [["Area", "Sex", "2019", "2020"], ["AUT", "Men", "1", "2 p"], ["FRA", "Women", "..", "3"],
        ["World", "Both sexes", "4", "x"]]

junk = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 10**6), st.floats(allow_nan=True),
    st.text(max_size=8), st.sampled_from(["(", "[a-", "\\", "*", "A:ZZZ", "ZZ", "../x", "_T",
                                          "~(", "~^\\d+$", "B:A", "1", "0", ""]),
    st.lists(st.text(max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _set(data: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _base() -> dict:
    cw = wide_crosswalk(["2019", "2020"])
    cw["dimensions"]["ref_area"]["exclude"] = [{"values": ["World"], "reason": "a total",
                                                "pattern": "^Wor"}]
    cw["exclude_rows"] = [{"rows": [3], "reason": "duplicate", "where": {"area": ["FRA"]}}]
    cw["rows"] = [{"from": "sex_label", "map": {"Men": {}, "Women": {"caveats": ["imputed"]}},
                   "otherwise": {}}]
    cw["corrections"] = [{"cell": "C2", "value": 5, "reason": "typo", "by": "me",
                          "date": "2024-01-01"}]
    return cw


BASE = _base()
PATHS = _paths(BASE)


@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), junk), min_size=1, max_size=3))
def test_broken_crosswalks_fail_cleanly(changes: list[tuple[tuple, Any]]) -> None:
    cw = copy.deepcopy(BASE)
    for path, value in changes:
        try:
            cw = _set(cw, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed the parent
    with tempfile.TemporaryDirectory() as tmp:
        path = WideTable(rows=ROWS, crosswalk=cw).write_csv(Path(tmp) / "t.csv")
        try:
            loaded = load(cw)
        except MigharmonyError:
            return
        with contextlib.suppress(MigharmonyError):
            migharmony.harmonize(path, loaded)


def test_the_base_crosswalk_harmonizes() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = WideTable(rows=ROWS, crosswalk=BASE).write_csv(Path(tmp) / "t.csv")
        result = migharmony.harmonize(path, BASE)
    assert len(result.data) + len(result.rejected) == 6
