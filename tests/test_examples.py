"""Every script in examples/ runs on a fresh install and produces its outputs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_example_runs(script: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    import migharmony

    # From a source checkout (PYTHONPATH=src), make the package importable from tmp too.
    package_root = str(Path(migharmony.__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH", "")]))
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": path}
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    produced = {p.suffix for p in tmp_path.iterdir()}
    assert ".png" in produced and produced & {".csv", ".parquet"}, produced
