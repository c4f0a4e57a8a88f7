"""Security guarantees (issue 9): nothing runs that should not, nothing escapes its folder,
no cell of an export is evaluated by a spreadsheet, no network, nothing lost on the way out.
"""

from __future__ import annotations

import csv
import os
import socket
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import migharmony
from migharmony import emit
from migharmony._paths import path_problem, safe_join
from migharmony.crosswalk import load
from migharmony.errors import CrosswalkError, MigharmonyError, SourceNotFoundError
from strategies import text_attack_values, tiny_result, wide_crosswalk

SHIPPED = Path(__file__).resolve().parents[1] / "crosswalks" / "undesa" / "ims-2020-t1.yaml"

# -- YAML: program objects are refused and never run ------------------------------------

EVIL_TAGS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:os.system {{args: ['touch {marker}']}}",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object/apply:subprocess.check_output [['touch', '{marker}']]",
]


@pytest.mark.parametrize("tag", EVIL_TAGS)
def test_python_tags_in_a_crosswalk_are_refused_and_never_run(tmp_path, tag: str) -> None:
    marker = tmp_path / "it-ran"
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "title: International", f"evil: {tag.format(marker=marker)}\ntitle: International", 1)
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CrosswalkError, match="not allowed") as info:
        load(path)
    assert "line " in str(info.value)
    with pytest.raises(CrosswalkError):
        migharmony.harmonize(tmp_path / "any.csv", path)
    assert not marker.exists()


def test_python_tags_in_the_vocabulary_loader_are_refused(tmp_path) -> None:
    from migharmony._yaml import load_yaml

    marker = tmp_path / "it-ran"
    with pytest.raises(MigharmonyError, match="not allowed"):
        load_yaml(f"codes: !!python/object/apply:os.system ['touch {marker}']\n")
    assert not marker.exists()


# -- paths in crosswalks stay inside their folder ---------------------------------------

@pytest.mark.parametrize("name", ["../secret.csv", "a/../../b.csv", "/etc/passwd", "~/x.csv",
                                  "C:\\Windows\\win.ini", "..\\..\\x.csv", "", "a\x00b"])
def test_path_problems(name: str, tmp_path) -> None:
    assert path_problem(name) is not None
    with pytest.raises(CrosswalkError, match="leads outside"):
        safe_join(tmp_path, name)


def test_safe_join_allows_files_below_and_refuses_links_out(tmp_path) -> None:
    inside = tmp_path / "data"
    (inside / "sub").mkdir(parents=True)
    assert safe_join(inside, "sub/t.csv") == (inside / "sub" / "t.csv").resolve()
    outside = tmp_path / "outside.csv"
    outside.write_text("x", encoding="utf-8")
    (inside / "link.csv").symlink_to(outside)
    with pytest.raises(CrosswalkError, match="outside"):
        safe_join(inside, "link.csv")


def test_a_crosswalk_cannot_name_a_file_outside_its_folder(tmp_path) -> None:
    cw = wide_crosswalk(["2020"])
    cw["source"]["files"] = ["ok.csv", "../../etc/passwd"]
    with pytest.raises(CrosswalkError, match=r"source\.files") as info:
        load(cw)
    assert "'..' is not allowed" in str(info.value)


def test_a_data_folder_is_searched_for_the_named_file_only_inside(tmp_path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "table.csv").write_text("Area,Sex,2020\nAUT,Men,5\n", encoding="utf-8")
    cw = wide_crosswalk(["2020"])
    cw["source"]["files"] = ["table.csv"]
    assert migharmony.harmonize(folder, cw).data["obs_value"].tolist() == [5.0]
    cw["source"]["files"] = ["missing.csv"]
    with pytest.raises(SourceNotFoundError, match="none of the files"):
        migharmony.harmonize(folder, cw)
    # A link planted in the data folder that leads out is refused.
    (tmp_path / "elsewhere.csv").write_text("Area,Sex,2020\nAUT,Men,5\n", encoding="utf-8")
    (folder / "planted.csv").symlink_to(tmp_path / "elsewhere.csv")
    cw["source"]["files"] = ["planted.csv"]
    with pytest.raises(CrosswalkError, match="outside"):
        migharmony.harmonize(folder, cw)


# -- formula injection -------------------------------------------------------------------

ATTACKS = ["=1+1", "=HYPERLINK(\"http://x\",\"y\")", "+SUM(A1:A2)", "-2+3", "@SUM(A1)",
           "\t=1", "\r=1", "=cmd|' /C calc'!A0"]


def _attacked_result(tmp_path: Path):
    """A harmonized table in which every text field starts with a formula character."""
    rows = [["Area", "Sex", "2019", "2020"],
            ["AUT", "Men", "1", "=1+1"],  # a rejected cell whose text is a formula
            ["FRA", "Women", "2", "3"]]
    result = tiny_result(tmp_path, rows)
    data = result.data
    for i, name in enumerate(c for c in data.columns if pd.api.types.is_string_dtype(data[c])):
        data[name] = ATTACKS[i % len(ATTACKS)] + data[name].astype("str")
    result.rejected["context"] = "=EVIL()"
    result.metadata["title"] = "=TITLE()"
    result.metadata["source"]["producer"] = "@producer"
    result.metadata["mapping"]["sex"][0]["label"] = "=EVIL()"  # a source label, as read
    return result


def _is_safe(text: str) -> bool:
    return not text.startswith(emit._FORMULA_START)


def test_csv_export_neutralises_every_text_field(tmp_path) -> None:
    result = _attacked_result(tmp_path)
    out = result.to_csv(tmp_path / "out" / "data.csv")
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert len(body) == len(result.data)
    text_cols = [i for i, c in enumerate(header)
                 if pd.api.types.is_string_dtype(result.data[c])]
    for row in body:
        for i in text_cols:
            assert _is_safe(row[i]), (header[i], row[i])
    for row in body:  # numbers are left alone
        float(row[header.index("obs_value")] or 0)
    sdmx = result.to_sdmx_csv(tmp_path / "out" / "sdmx.csv")
    with sdmx.open(encoding="utf-8", newline="") as handle:
        cells = [c for r in list(csv.reader(handle))[1:] for c in r]
    assert all(_is_safe(c) or _is_number(c) for c in cells)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_xlsx_export_has_no_formula_cell(tmp_path) -> None:
    result = _attacked_result(tmp_path)
    path = result.to_excel(tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(path)
    seen = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen += 1
                    assert _is_safe(cell.value), (ws.title, cell.coordinate, cell.value)
    assert seen > 50
    assert set(book.sheetnames) == {"data", "rejected", "caveats", "metadata", "mapping"}


@settings(max_examples=40, deadline=None)
@given(st.lists(text_attack_values(), min_size=1, max_size=5))
def test_neutralise_makes_any_formula_start_safe(values: list[str]) -> None:
    frame = pd.DataFrame({"t": pd.array(values, dtype="str"), "o": pd.Series(values, dtype=object),
                          "n": [-1.5] * len(values)})
    out = emit.neutralise(frame)
    assert all(_is_safe(v) for v in out["t"]) and all(_is_safe(v) for v in out["o"])
    assert out["n"].tolist() == [-1.5] * len(values)
    assert [v[1:] for v in out["t"]] == values  # only an apostrophe was added


# -- no network ---------------------------------------------------------------------------

def test_no_network_access_anywhere(tmp_path, monkeypatch) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    result = tiny_result(tmp_path)
    result.to_csv(tmp_path / "o.csv")
    result.to_parquet(tmp_path / "o.parquet")
    result.to_sdmx_csv(tmp_path / "o.sdmx.csv")
    result.to_excel(tmp_path / "o.xlsx")
    emit.read_parquet(tmp_path / "o.parquet")
    load("undesa-ims-2020-t1")
    migharmony.vocab.codes("sex")
    migharmony.areas.match(["France", "Côte d'Ivoire", "566", "Kosovo"])
    xlsx = SHIPPED.parents[2] / "examples" / "data" / \
        "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
    real = migharmony.harmonize(xlsx, "undesa-ims-2020-t1", on_collision="reject")
    assert len(real.data) > 5000
    repr(result)
    result._repr_html_()
    assert attempts == []


# -- nothing lost on the way out ----------------------------------------------------------

def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _writers(result):
    return {
        "csv": ("data.csv", result.to_csv),
        "parquet": ("data.parquet", result.to_parquet),
        "sdmx": ("data.sdmx.csv", result.to_sdmx_csv),
        "excel": ("data.xlsx", result.to_excel),
    }


@pytest.mark.parametrize("kind", ["csv", "parquet", "sdmx", "excel"])
def test_a_failed_write_leaves_the_good_file_and_no_temp_file(tmp_path, monkeypatch,
                                                              kind: str) -> None:
    out = tmp_path / "out"
    result = tiny_result(tmp_path)
    name, write = _writers(result)[kind]
    write(out / name)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def half_then_fail(self, path, *args, **kwargs):
        Path(path).write_bytes(b"half a fi")
        raise OSError("disk full")

    import pyarrow.parquet as pq

    if kind == "parquet":
        monkeypatch.setattr(pq, "write_table", lambda table, path, **kw: half_then_fail(
            None, path))
    elif kind == "excel":
        real = pd.DataFrame.to_excel
        calls = []

        def to_excel(self, writer, *args, **kwargs):
            calls.append(1)
            if len(calls) == 2:  # the data sheet is written, then the disk fills up
                raise OSError("disk full")
            return real(self, writer, *args, **kwargs)

        monkeypatch.setattr(pd.DataFrame, "to_excel", to_excel)
    else:
        monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write(out / name)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before
    assert _leftovers(out) == []


def test_a_failed_datapackage_write_leaves_both_files_as_they_were(tmp_path,
                                                                   monkeypatch) -> None:
    out = tmp_path / "out"
    result = tiny_result(tmp_path)
    result.to_csv(out / "data.csv")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {"data.csv", "datapackage.json"}
    result.data["obs_value"] = result.data["obs_value"] * 2  # a new version to write

    real = Path.write_text

    def fail_on_package(self, text, *args, **kwargs):
        if "datapackage" in self.name:
            real(self, text[: len(text) // 2], *args, **kwargs)
            raise OSError("disk full")
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", fail_on_package)
    with pytest.raises(OSError, match="disk full"):
        result.to_csv(out / "data.csv")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_written_files_get_ordinary_permissions(tmp_path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    result = tiny_result(tmp_path)
    for name, write in _writers(result).values():
        path = write(tmp_path / name)
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, name
    assert (tmp_path / "datapackage.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_line_breaks_inside_text_fields_do_not_split_rows(tmp_path) -> None:
    """Found while testing injection: a bare carriage return in a field was left unquoted
    (lines ended with "\\n" only), so every CSV reader split the row in two."""
    result = tiny_result(tmp_path)
    result.data["caveats"] = ["a\rb", "c\nd", "e\r\nf", "g", "h"][: len(result.data)]
    out = result.to_csv(tmp_path / "data.csv")
    back = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(back) == len(result.data)
    assert back["caveats"].tolist() == result.data["caveats"].tolist()
