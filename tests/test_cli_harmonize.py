"""`migharmony harmonize`, `vocab`, `crosswalk list/show`, `python -m migharmony`, `gaps`."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from migharmony.cli import main

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "examples" / "data" / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
needs_areas = pytest.mark.skipif(importlib.util.find_spec("migharmony.areas") is None,
                                 reason="migharmony.areas is not merged")


@needs_areas
def test_harmonize_writes_parquet_with_source_definitions_and_caveats(tmp_path: Path) -> None:
    out = tmp_path / "stock.parquet"
    assert main(["harmonize", str(WORKBOOK), "-c", "undesa-ims-2020-t1", "-o", str(out),
                 "-q"]) == 0
    raw = pq.read_schema(out).metadata[b"migharmony"]
    meta = json.loads(raw)
    assert meta["source"]["producer"].startswith("United Nations")
    assert meta["source"]["licence"] == "CC BY 3.0 IGO"
    assert meta["definitions"]["measure"] == "STOCK"
    assert meta["definitions"]["migr_basis"] == "COB"
    assert {c["code"] for c in meta["caveats"]} == {"estimated"}
    assert meta["notes"]  # numbered notes, the texts behind source-note[n] caveats
    assert meta["crosswalk"]["id"] == "undesa-ims-2020-t1"
    assert pq.read_table(out).num_rows == meta["counts"]["data"]


def test_harmonize_refuses_unknown_suffix_before_work(capsys: pytest.CaptureFixture) -> None:
    assert main(["harmonize", str(WORKBOOK), "-c", "undesa-ims-2020-t1", "-o", "x.txt"]) == 2
    assert "cannot tell the format" in capsys.readouterr().err


def test_quiet_is_quiet(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["vocab", "sex", "-q"]) == 0  # vocab prints its answer even so
    capsys.readouterr()
    assert main(["template", "-c", "nso-stock-template", "-o", str(tmp_path / "t.xlsx"),
                 "--quiet"]) == 0
    assert capsys.readouterr().out == ""


def test_vocab_and_crosswalk_list_show(capsys: pytest.CaptureFixture) -> None:
    assert main(["vocab"]) == 0
    assert "sex" in capsys.readouterr().out
    assert main(["vocab", "sex"]) == 0
    assert "_T" in capsys.readouterr().out
    assert main(["crosswalk", "list"]) == 0
    listed = capsys.readouterr().out.split()
    assert {"undesa-ims-2020-t1", "nso-stock-template"} <= set(listed)
    assert main(["crosswalk", "show", "nso-stock-template"]) == 0
    assert "id: nso-stock-template" in capsys.readouterr().out


def test_unknown_vocab_dimension_is_exit_2(capsys: pytest.CaptureFixture) -> None:
    assert main(["vocab", "sexx"]) == 2
    err = capsys.readouterr().err
    assert "sex" in err and "Traceback" not in err


@pytest.mark.parametrize("command", [[], ["validate"], ["harmonize"], ["crosswalk"],
                                     ["crosswalk", "lint"], ["crosswalk", "new"], ["vocab"],
                                     ["template"], ["handbook"], ["gaps"]])
def test_every_command_has_help_with_examples(command: list[str],
                                              capsys: pytest.CaptureFixture) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "migharmony" in out


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture) -> None:
    assert main(["validate"]) == 2
    assert main([]) == 2
    assert main(["crosswalk"]) == 2


def test_python_dash_m(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "migharmony", "crosswalk", "list"],
                         capture_output=True, text=True, check=False, cwd=tmp_path,
                         env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert "undesa-ims-2020-t1" in run.stdout


@needs_areas
def test_gaps_prints_status_counts_and_writes_csv(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    import migharmony

    try:
        migharmony.gaps  # noqa: B018 - the analysis module may not be merged yet
    except (AttributeError, ImportError):
        pytest.skip("migharmony.gaps is not available")
    assert main(["gaps", str(WORKBOOK), "-c", "undesa-ims-2020-t1"]) == 0
    out = capsys.readouterr().out
    assert "sex" in out and "status" in out
    csv = tmp_path / "gaps.csv"
    assert main(["gaps", str(WORKBOOK), "-c", "undesa-ims-2020-t1", "-o", str(csv), "-q"]) == 0
    assert csv.read_text(encoding="utf-8").startswith("ref_area,")


def _batch_table(tmp_path: Path) -> tuple[Path, Path]:
    """A small CSV and its crosswalk (YAML), with a cell that cannot be read."""
    import yaml

    source = tmp_path / "big.csv"
    source.write_text("country,Total\nSenegal,274929\nMali,485829\nNiger,abc\n"
                      "Nigeria,1308568\nGhana,476412\n", encoding="utf-8")
    crosswalk = tmp_path / "big.yaml"
    crosswalk.write_text(yaml.safe_dump({
        "migharmony": "crosswalk/1", "id": "big", "title": "Big table",
        "source": {"producer": "Example office", "licence": "CC0"},
        "definitions": {"measure": "STOCK", "migr_basis": "COB"},
        "read": {"format": "csv", "header_rows": [1]},
        "columns": {"country": "country"}, "values": {"columns": ["Total"]},
        "dimensions": {"ref_area": {"from": "country", "areas": {"scheme": "name"}},
                       "time_period": {"value": "2020"}}}), encoding="utf-8")
    return source, crosswalk


def test_harmonize_in_batches_writes_the_rows_of_harmonize(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import pandas as pd

    import migharmony
    from migharmony.batches import read_dataset

    source, crosswalk = _batch_table(tmp_path)
    out, rejected = tmp_path / "out", tmp_path / "rejected.csv"
    assert main(["harmonize", str(source), "-c", str(crosswalk), "--batches", "2",
                 "-o", str(out), "--rejected", str(rejected)]) == 0
    captured = capsys.readouterr()
    said = captured.err + captured.out
    assert "4 observations in 3 part(s)" in said and "1 cells not harmonized" in said
    whole = migharmony.harmonize(source, str(crosswalk))
    pd.testing.assert_frame_equal(read_dataset(out, "data"), whole.data, check_like=True)
    assert len(list((out / "data").glob("part-*.parquet"))) == 3
    assert pd.read_csv(rejected)["source_ref"].tolist() == ["B4"]


@pytest.mark.parametrize(("extra", "message"), [
    (["--batches", "2"], "give the folder with --output"),
    (["--batches", "2", "-o", "x.parquet"], "give the folder with --output"),
    (["--batches", "0", "-o", "out"], "at least 1"),
    (["--batches", "many", "-o", "out"], "at least 1"),
])
def test_harmonize_in_batches_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture,
                                           extra: list[str], message: str) -> None:
    source, crosswalk = _batch_table(tmp_path)
    assert main(["harmonize", str(source), "-c", str(crosswalk), *extra]) == 2
    assert message in capsys.readouterr().err


def test_harmonize_in_batches_refusals_are_usage_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import yaml

    source, crosswalk = _batch_table(tmp_path)
    out = tmp_path / "out"
    assert main(["harmonize", str(source), "-c", str(crosswalk), "--batches", "2", "-o",
                 str(out), "-q"]) == 0
    assert main(["harmonize", str(source), "-c", str(crosswalk), "--batches", "2", "-o",
                 str(out)]) == 2  # nothing overwritten
    assert "already holds parts" in capsys.readouterr().err
    whole_table = yaml.safe_load(crosswalk.read_text(encoding="utf-8"))
    whole_table["corrections"] = [{"cell": "B2", "value": 1, "date": "2026-01-01",
                                   "reason": "typo", "by": "NSO"}]
    crosswalk.write_text(yaml.safe_dump(whole_table), encoding="utf-8")
    assert main(["harmonize", str(source), "-c", str(crosswalk), "--batches", "2", "-o",
                 str(tmp_path / "out2")]) == 2
    assert "cannot be applied batch by batch" in capsys.readouterr().err
