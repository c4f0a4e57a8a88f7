"""The documentation site builds with warnings as errors, runs the tutorial's code, and
its generated reference pages cover the vocabulary, the crosswalk schema and every
shipped crosswalk."""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
TOOLS = ROOT / "tools"

pytestmark = pytest.mark.skipif(not (ROOT / "mkdocs.yml").is_file(),
                                reason="not a source checkout (no mkdocs.yml)")


def _load(name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nav_files(node: object) -> list[str]:
    if isinstance(node, str):
        return [node] if node.endswith(".md") else []
    if isinstance(node, list):
        return [f for item in node for f in _nav_files(item)]
    if isinstance(node, dict):
        return [f for value in node.values() for f in _nav_files(value)]
    return []


def _config() -> dict[str, object]:
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may hold !ENV or !!python tags; none is needed to read the nav
    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for module in ("mkdocs", "material", "mkdocstrings_handlers.python", "markdown_exec"):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            pytest.skip(f"{module} is not installed; pip install '.[docs]' (or '.[test]')")
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                           "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    return out


def test_every_nav_page_exists_or_is_generated() -> None:
    generated = {"reference/vocabulary-codes.md", "reference/crosswalk-keys.md",
                 "handbook/index.md"}
    for page in _nav_files(_config()["nav"]):
        assert (DOCS / page).is_file() or page in generated, f"nav lists missing {page}"


def test_site_builds_strict_and_runs_the_tutorial(site: Path) -> None:
    tutorial = (site / "tutorial" / "index.html").read_text(encoding="utf-8")
    # printed by the executed code, not written in the page
    assert "10,398,022" in tutorial and "15,040,708" in tutorial
    assert "mixes definitions of a migrant" in tutorial
    assert "aggregate-of-parts[15 members]" in tutorial
    assert "<svg" in tutorial, "the figure was not drawn"
    source = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    assert "10,398,022" not in source


def test_reference_pages_are_generated(site: Path) -> None:
    from migharmony import crosswalks, vocab

    codes = (site / "reference" / "vocabulary-codes" / "index.html").read_text("utf-8")
    for dim in vocab.dimensions():
        for code in vocab.codes(dim):
            assert f"<code>{code}</code>" in codes, f"{dim} {code} missing"
    caveats = (site / "explanation" / "caveats" / "index.html").read_text("utf-8")
    for code in vocab.codes("caveat"):
        assert f"<code>{code}</code>" in caveats
    for cid in crosswalks.list():
        assert (site / "handbook" / cid / "index.html").is_file(), cid
    api = (site / "reference" / "api" / "index.html").read_text("utf-8")
    for name in ("harmonize", "HarmonizedResult", "combine", "compare", "gaps",
                 "regroup_ages", "aggregate_areas"):
        assert name in api


def test_every_schema_key_is_documented() -> None:
    gen = _load("docs_gen")
    rows = gen.schema_rows()  # type: ignore[attr-defined]
    table = gen.schema_reference()  # type: ignore[attr-defined]
    guide = (DOCS / "crosswalk-format.md").read_text(encoding="utf-8")
    schema = yaml.safe_load((ROOT / "src" / "migharmony" / "crosswalk_schema.yaml")
                            .read_text(encoding="utf-8"))
    top = set(schema["properties"])
    assert top <= {path.split(".")[0].split("[")[0] for path, *_ in rows}
    missing = []
    for path, *_ in rows:
        assert f"`{path}`" in table
        leaf = re.split(r"[.\[\]]+", path.replace("[]", ""))[-1]
        if f"`{leaf}`" not in guide and not re.search(rf"\b{re.escape(leaf)}:", guide):
            missing.append(path)
    assert not missing, f"crosswalk-format.md does not explain {missing}"


def test_griffe_extension_fences_doctests() -> None:
    pytest.importorskip("griffe")
    module = _load("griffe_doctest")
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]
