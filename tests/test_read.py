"""Readers: sheets, merged headers, hidden sheets, encodings, bounds."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from migharmony.errors import ReadError, SourceNotFoundError
from migharmony.read import column_index, column_letter, read_grid, sniff_delimiter


def _book(path: Path) -> Path:
    book = openpyxl.Workbook()
    hidden = book.active
    hidden.title = "Lookup"
    hidden.append(["secret"])
    hidden.sheet_state = "hidden"
    ws = book.create_sheet("Data")
    ws.append([None, "Both sexes", None, "Males", None])
    ws.merge_cells("B1:C1")
    ws.merge_cells("D1:E1")
    ws.append(["Area", 2019, 2020, 2019, 2020])
    ws.append(["X", 1, 2, 3, 4])
    book.save(path)
    return path


def test_hidden_sheets_are_skipped_unless_named(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx")
    assert read_grid(path).sheet == "Data"
    assert read_grid(path, sheet="Lookup").cells.iat[0, 0] == "secret"


def test_merged_header_cells_are_filled(tmp_path: Path) -> None:
    grid = read_grid(_book(tmp_path / "b.xlsx"))
    assert grid.cells.loc[1].tolist() == [None, "Both sexes", "Both sexes", "Males", "Males"]
    assert grid.ref(3, 4) == "Data!E3"


def test_unknown_sheet_suggests_the_nearest(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="did you mean 'Data'"):
        read_grid(_book(tmp_path / "b.xlsx"), sheet="data ")


def test_missing_file_and_broken_zip(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError):
        read_grid(tmp_path / "nope.xlsx")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ReadError, match="not a readable xlsx"):
        read_grid(broken)


def test_row_bound_can_be_raised(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx")
    with pytest.raises(ReadError, match="max_rows"):
        read_grid(path, max_rows=2)
    assert len(read_grid(path, max_rows=3).cells) == 3


@pytest.mark.parametrize(("text", "delimiter"), [
    ("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2,5;3\n", ";"), ("a\tb\n1\t2\n", "\t"),
    ("a|b|c\n1|2|3\n", "|"),
])
def test_delimiters_are_sniffed(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_utf16_and_bom(tmp_path: Path) -> None:
    for encoding in ("utf-16", "utf-8-sig"):
        path = tmp_path / f"t-{encoding}.csv"
        path.write_text("Pays;Valeur\nCôte d'Ivoire;1\n", encoding=encoding)
        grid = read_grid(path)
        assert grid.cells.iat[1, 0] == "Côte d'Ivoire"
        assert grid.cells.iat[0, 0] == "Pays"


def test_column_letters_round_trip() -> None:
    for i in range(0, 2000, 37):
        assert column_index(column_letter(i)) == i
