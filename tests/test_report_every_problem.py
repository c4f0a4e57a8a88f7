"""A cell with several problems is reported once per problem (one run, every fix)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from migharmony.report import validate
from pipeline_frames import SMALL_CROSSWALK


def test_report_lists_each_problem_of_a_cell(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text("Country;Code;Sex;2019;2020\nX;SN;Neither;abc;1\n", encoding="utf-8")
    report = validate(src, SMALL_CROSSWALK)
    rules = sorted({f.rule for f in report.errors})
    assert rules == ["unmapped-sex", "value-not-number"]
    not_number = [f for f in report.errors if f.rule == "value-not-number"]
    assert [f.location.ref for f in not_number] == ["D2"]
    assert report.exit_code == 1


REASONS = st.one_of(st.none(), st.sampled_from(["not a number: 'x'", "sex label '?'", "é"]))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 12), st.lists(st.tuples(st.integers(0, 14), REASONS, REASONS),
                                    max_size=20), st.booleans())
def test_first_problem_is_each_cell_s_first_listed_problem(
        n: int, listed: list[tuple[int, str | None, str | None]], shifted: bool) -> None:
    """Each cell's reason and rule are those of its first problem (missing when it has
    none, or when that problem's text is missing), whatever the cells' index."""
    import pandas as pd

    from migharmony.validate import first_problem

    start = 5 if shifted else 0
    index = pd.RangeIndex(start, start + n)
    problems = pd.DataFrame({"reason": pd.array([r for _, r, _ in listed], dtype="str"),
                             "rule": pd.array([r for _, _, r in listed], dtype="str")},
                            index=pd.Index([start + i for i, _, _ in listed]))
    reason, rule = first_problem(problems, index)
    for cell in index:
        mine = [(r, u) for i, r, u in listed if start + i == cell]
        want = mine[0] if mine else (None, None)
        got = tuple(None if pd.isna(v) else v for v in (reason[cell], rule[cell]))
        assert got == want
    assert list(reason.index) == list(index)
    assert isinstance(reason.dtype, pd.CategoricalDtype)
