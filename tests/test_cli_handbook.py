"""`migharmony handbook`: a page per crosswalk plus an index, Markdown and HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from migharmony import crosswalks
from migharmony.cli import main


def test_handbook_has_a_page_per_shipped_crosswalk_and_an_index(tmp_path: Path) -> None:
    out = tmp_path / "handbook"
    assert main(["handbook", "-o", str(out), "-q"]) == 0
    for cid in crosswalks.list():
        assert (out / f"{cid}.md").is_file() and (out / f"{cid}.html").is_file()
    index = (out / "index.md").read_text(encoding="utf-8")
    assert all(f"({cid}.md)" in index for cid in crosswalks.list())
    assert 'href="undesa-ims-2020-t1.html"' in (out / "index.html").read_text(encoding="utf-8")
    page = (out / "undesa-ims-2020-t1.md").read_text(encoding="utf-8")
    for needle in ("**Producer:** United Nations", "CC BY 3.0 IGO", "## Definitions",
                   "Country of birth (foreign-born)", "## Coverage", "## Caveats",
                   "**Refugees added** (`refugees-added`)", "Citizenship (foreign citizens)"):
        assert needle in page
    html = (out / "undesa-ims-2020-t1.html").read_text(encoding="utf-8")
    assert "<h2>Caveats</h2>" in html and "<strong>Producer:</strong>" in html


def test_handbook_for_a_given_crosswalk_only(tmp_path: Path) -> None:
    out = tmp_path / "hb"
    assert main(["handbook", "-o", str(out), "-c", "nso-stock-template", "-q"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "index.html", "index.md", "nso-stock-template.html", "nso-stock-template.md"]


def test_handbook_with_unknown_crosswalk_is_exit_2(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    assert main(["handbook", "-o", str(tmp_path), "-c", "nope"]) == 2
    assert "no shipped crosswalk" in capsys.readouterr().err
