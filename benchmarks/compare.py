"""Compare ``harmonize`` in two or more checkouts on the same input, interleaved (run by
hand, not in CI).

    PYTHONPATH=src python benchmarks/compare.py --rows 10000000 --rounds 6 ../old-checkout

Each round runs every checkout once, in turn (the order reversed every other round),
and each of those runs comes right after an I/O floor run (``run.py``'s ``floor``
child), as in ``run.py``. The order matters on a machine where fresh memory is dear
(docs/performance.md): a harmonize run right after another harmonize run started with
more recently touched memory than one right after a floor run, and was a second faster
at 10M rows for the same code. This checkout is always one of those compared, named
``this``; the others by their paths.

Prints, per checkout, the median seconds, the ratio to the median floor, the CPU seconds
and the peak memory (``--json``: one JSON object).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import crosswalk_path, input_path, run_child  # noqa: E402


def harmonize_in(checkout: Path, source: Path, crosswalk: Path) -> dict[str, Any]:
    """``run.py``'s harmonize child of *checkout* (its own code) on *source*."""
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    proc = subprocess.run([sys.executable, str(checkout / "benchmarks" / "run.py"), "--child",
                           "harmonize", str(source), str(crosswalk)],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"harmonize in {checkout} failed:\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def summary(runs: list[dict[str, Any]], floor_s: float) -> dict[str, Any]:
    median = statistics.median(r["harmonize_s"] for r in runs)
    return {"harmonize_s": round(median, 3), "ratio": round(median / floor_s, 2),
            "user_s": round(statistics.median(r["user_s"] for r in runs), 2),
            "sys_s": round(statistics.median(r["sys_s"] for r in runs), 2),
            "peak_mb": round(statistics.median(r["peak_mb"] for r in runs), 1),
            "runs_s": [round(r["harmonize_s"], 3) for r in runs]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("others", nargs="+", type=Path, help="other checkouts to compare")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kind", choices=["long", "unhcr"], default="long")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    source = input_path(args.kind, args.rows, args.format)
    crosswalk = crosswalk_path(args.kind, args.format)
    checkouts = {"this": ROOT, **{str(p): p.resolve() for p in args.others}}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in checkouts}
    floors: list[float] = []
    for round_ in range(args.rounds):
        names = list(checkouts) if round_ % 2 == 0 else list(checkouts)[::-1]
        for name in names:
            floors.append(run_child(["floor", str(source)])["seconds"])
            runs[name].append(harmonize_in(checkouts[name], source, crosswalk))
    floor_s = statistics.median(floors)
    report = {"rows": args.rows, "rounds": args.rounds, "floor_s": round(floor_s, 3),
              "floor_runs_s": [round(f, 3) for f in floors],
              "checkouts": {name: summary(r, floor_s) for name, r in runs.items()}}
    if args.json:
        print(json.dumps(report))
        return
    print(f"{args.rows:,} rows, {args.rounds} rounds; floor {report['floor_s']} s (median)")
    for name, s in report["checkouts"].items():
        print(f"{name}: {s['harmonize_s']} s ({s['ratio']}x the floor), CPU {s['user_s']} + "
              f"{s['sys_s']} s, peak {s['peak_mb']:,} MB; runs {s['runs_s']}")


if __name__ == "__main__":
    main()
