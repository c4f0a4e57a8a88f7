"""Every notebook in examples/ runs: its code cells are executed in order, from the
notebook's folder, as Jupyter would (without needing Jupyter)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_runs(notebook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = [("".join(c["source"]), i) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    assert code, "a notebook without code"
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code"), \
        "commit notebooks without outputs"
    monkeypatch.chdir(notebook.parent)
    namespace: dict[str, object] = {"__name__": "__main__"}
    try:
        for source, index in code:
            exec(compile(source, f"{notebook.name}[cell {index}]", "exec"), namespace)
    finally:
        plt.close("all")
