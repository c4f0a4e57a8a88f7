"""Loading crosswalks: shipped ones are valid; broken ones list every mistake by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from migharmony import crosswalks
from migharmony.crosswalk import load
from migharmony.errors import CrosswalkError

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("crosswalk_id", crosswalks.list())
def test_every_shipped_crosswalk_loads(crosswalk_id: str) -> None:
    cw = crosswalks.get(crosswalk_id)
    assert cw.id == crosswalk_id
    assert cw.source["licence"]
    assert cw.definitions["measure"]


def test_the_undesa_editions_are_shipped() -> None:
    assert {"undesa-ims-2019-t1", "undesa-ims-2020-t1", "undesa-ims-2024-t1"} <= set(
        crosswalks.list())


def test_broken_crosswalk_lists_every_mistake_with_its_line() -> None:
    with pytest.raises(CrosswalkError) as info:
        load(DATA / "broken_crosswalk.yaml")
    text = str(info.value)
    problems = {p.where.rsplit(" line ", 1)[-1]: str(p) for p in info.value.problems}
    # line 12: unknown key, with a suggestion
    assert "'sheett'" in problems["12"] and "did you mean 'sheet'" in problems["12"]
    # line 9: a basis that is not in the vocabulary
    assert "FOREIGN_BORN" in problems["9"] and "vocab/migr_basis" in problems["9"]
    # line 24: a column that is not named
    assert "'location'" in problems["24"] and "location_code" in problems["24"]
    # line 28: the issue's own example
    assert ("sex code 'Both sexes combined' maps to 'T', which is not in vocab/sex; "
            "did you mean '_T'?") in problems["28"]
    # line 33: a caveat code with a typo
    assert "refugee-added" in problems["33"] and "refugees-added" in problems["33"]
    assert "broken_crosswalk.yaml" in text
    assert len(info.value.problems) == 5


def test_python_tags_in_a_crosswalk_are_refused(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "evil.yaml"
    path.write_text(f"migharmony: crosswalk/1\nid: !!python/object/apply:os.system "
                    f"['touch {marker}']\n", encoding="utf-8")
    with pytest.raises(CrosswalkError, match="not allowed"):
        load(path)
    assert not marker.exists()


def test_unknown_id_suggests_the_nearest() -> None:
    with pytest.raises(CrosswalkError, match="did you mean 'undesa-ims-2020-t1'"):
        crosswalks.path_of("undesa-ims-2020-t")


def test_yaml_text_loads_with_lines_in_errors() -> None:
    text = (DATA / "broken_crosswalk.yaml").read_text(encoding="utf-8")
    with pytest.raises(CrosswalkError) as info:
        load(text)
    assert "<crosswalk text> line 28" in str(info.value)
    shipped = crosswalks.path_of("undesa-ims-2020-t1").read_text(encoding="utf-8")
    assert load(shipped).id == "undesa-ims-2020-t1"
