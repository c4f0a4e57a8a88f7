"""The HTML report opens in a real browser (headless chromium) and shows the summary.

Skipped when no chromium is installed (``apt-get install -y chromium`` on Debian).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from migharmony.report import Finding, Location, Report

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no headless chromium installed")


def _report() -> Report:
    findings = [
        Finding(id="P0001", severity="error", rule="value-not-number",
                title="Value is not a number", message="not a number: '12 thousand'",
                location=Location(ref="Table 1!H81", sheet="Table 1", cell="H81", row=81,
                                  column="H"),
                value="12 thousand", expected="a number", fix="Type the figure."),
        Finding(id="P0002", severity="info", rule="excluded-row", title="Set aside",
                message="a regional total", location=Location(ref="Table 1!268:268",
                                                                sheet="Table 1", row=268),
                value=None, expected="", fix="Nothing to fix.",
                affected=["Table 1!F268", "Table 1!G268"]),
    ]
    return Report(file="t1.xlsx", crosswalk={"id": "x", "version": "1", "file": "x.yaml"},
                  findings=findings, counts={"cells": 10, "data": 7, "rejected": 3},
                  migharmony_version="0")


def _dump_dom(page: Path) -> str:
    assert CHROMIUM is not None
    run = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def test_html_report_renders_headless_with_summary(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    _report().write(page)
    dom = _dump_dom(page)
    assert "FAILED: 1 error, 0 warnings, 1 note" in dom
    assert "Errors must be fixed before the submission can be accepted." in dom
    assert "Table 1!H81" in dom and "12 thousand" in dom


def test_search_box_filters_rows(tmp_path: Path) -> None:
    # Type a query through the page's own script and check which rows stay visible.
    page = tmp_path / "report.html"
    html = _report().to_html().replace(
        "</body>",
        "<script>var q=document.getElementById('q');q.value='H81';"
        "q.dispatchEvent(new Event('input'));document.body.setAttribute('data-visible',"
        "Array.from(document.querySelectorAll('tr.p')).filter(function(r){return "
        "r.style.display!=='none'}).map(function(r){return r.id}).join(','));</script></body>")
    page.write_text(html, encoding="utf-8")
    dom = _dump_dom(page)
    assert 'data-visible="P0001"' in dom
