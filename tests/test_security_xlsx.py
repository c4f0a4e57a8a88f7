"""Reading workbooks is bounded: damaged archives, zip bombs and giant sheets are refused.

The bounds (decompressed size, rows) have defaults that a user can raise, per call,
per crosswalk (``read.max_bytes``, ``read.max_rows``) or for the whole program
(``migharmony.read.MAX_UNZIPPED_BYTES``, ``MAX_ROWS``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

import migharmony
from migharmony import read
from migharmony.errors import ReadError
from migharmony.read import read_grid
from strategies import wide_crosswalk


def _workbook(path: Path, rows: int = 20, filler: str = "") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Data"
    ws.append(["Area", "Sex", "2019", "2020"])
    for i in range(rows):
        ws.append(["AUT" if i % 2 else "FRA", "Men" if i < rows / 2 else "Women", i, i + 1])
    for i in range(0, len(filler), 30_000):  # a cell holds at most 32,767 characters
        ws.cell(row=1 + i // 30_000, column=8, value=filler[i:i + 30_000])
    book.save(path)
    return path


def _crosswalk(**read_settings: object) -> dict:
    return wide_crosswalk(["C", "D"], columns={"A": "area", "B": "sex_label"},
                          read={"format": "xlsx", "header_rows": [1], "last_row": 3,
                                **read_settings})


def test_decompressed_size_is_bounded_and_the_bound_can_be_raised(tmp_path) -> None:
    path = _workbook(tmp_path / "big.xlsx", filler="x" * 200_000)
    with pytest.raises(ReadError, match=r"decompresses to .* above the limit"):
        read_grid(path, max_bytes=100_000)
    assert read_grid(path, max_bytes=10_000_000).cells.shape[0] == 21
    # ... in a crosswalk
    with pytest.raises(ReadError, match=r"read\.max_bytes"):
        migharmony.harmonize(path, _crosswalk(max_bytes=100_000))
    assert len(migharmony.harmonize(path, _crosswalk(max_bytes=10_000_000)).data) == 4


def test_the_program_wide_bounds_are_read_at_call_time(tmp_path, monkeypatch) -> None:
    path = _workbook(tmp_path / "big.xlsx", filler="x" * 200_000)
    monkeypatch.setattr(read, "MAX_UNZIPPED_BYTES", 100_000)
    with pytest.raises(ReadError, match="above the limit"):
        read_grid(path)
    monkeypatch.setattr(read, "MAX_UNZIPPED_BYTES", 10**9)
    monkeypatch.setattr(read, "MAX_ROWS", 5)
    with pytest.raises(ReadError, match="rows, above the limit"):
        read_grid(path)


def test_row_count_is_bounded_and_the_bound_can_be_raised(tmp_path) -> None:
    path = _workbook(tmp_path / "rows.xlsx", rows=50)
    with pytest.raises(ReadError, match="51 rows, above the limit of 10"):
        read_grid(path, max_rows=10)
    assert read_grid(path, max_rows=51).cells.shape[0] == 51
    with pytest.raises(ReadError, match="max_rows"):
        migharmony.harmonize(path, _crosswalk(max_rows=10))
    assert len(migharmony.harmonize(path, _crosswalk(max_rows=100)).data) == 4
    csv = tmp_path / "rows.csv"
    csv.write_text("Area,Sex,2019\n" + "AUT,Men,1\n" * 50, encoding="utf-8")
    with pytest.raises(ReadError, match="more than 10 rows"):
        read_grid(csv, max_rows=10)


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path, monkeypatch) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 50_000_000)
    inflated = []
    monkeypatch.setattr(zipfile.ZipFile, "testzip", lambda self: inflated.append(1))
    with pytest.raises(ReadError, match="decompresses to 50,000,000 bytes"):
        read_grid(path, max_bytes=10_000_000)
    assert not inflated, "the archive was decompressed before its size was checked"


def test_a_damaged_deflate_stream_is_a_read_error(tmp_path) -> None:
    """Found by fuzzing: zlib.error escaped from the zip check."""
    good = _workbook(tmp_path / "good.xlsx", rows=200).read_bytes()
    with zipfile.ZipFile(tmp_path / "good.xlsx") as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(12):
        data = bytearray(good)
        at = start + (info.compress_size * (k + 1)) // 14
        data[at] ^= 0xFF
        data[at + 1] ^= 0x5A
        bad = tmp_path / f"bad{k}.xlsx"
        bad.write_bytes(bytes(data))
        with pytest.raises(ReadError):
            read_grid(bad)


@pytest.mark.parametrize("payload", [b"", b"PK\x03\x04", b"PK\x03\x04" + b"\x00" * 100,
                                     b"\xd0\xcf\x11\xe0" + b"\x00" * 600])
def test_truncated_workbooks_are_read_errors(tmp_path, payload: bytes) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(payload)
    with pytest.raises(ReadError):
        read_grid(path)


def test_a_giant_line_is_refused_quickly_and_the_bound_can_be_raised(tmp_path) -> None:
    """Found by fuzzing: one line of a million commas took minutes (a column each)."""
    import time

    path = tmp_path / "wide.csv"
    path.write_text("Area,Sex,2020\n" + "1," * 1_000_000 + "\nAUT,Men,5\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ReadError, match="more than 16,384 columns"):
        read_grid(path)
    assert time.perf_counter() - started < 5
    # Commas inside quotes are not separators: such a line is not refused.
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('Area,Note\nAUT,"' + "," * 20_000 + '"\n', encoding="utf-8")
    assert read_grid(quoted).cells.shape == (2, 2)
    small = tmp_path / "small.csv"
    small.write_text("a,b,c,d\n1,2,3,4\n", encoding="utf-8")
    with pytest.raises(ReadError, match="max_columns"):
        read_grid(small, max_columns=3)
    assert read_grid(small, max_columns=4).cells.shape == (2, 4)
    xlsx = _workbook(tmp_path / "w.xlsx")
    with pytest.raises(ReadError, match="4 columns, above the limit of 3"):
        read_grid(xlsx, max_columns=3)
    with pytest.raises(ReadError, match="max_columns"):
        migharmony.harmonize(xlsx, _crosswalk(max_columns=3))
