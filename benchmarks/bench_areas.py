"""Benchmark: resolve one million country labels; compare with country_converter.

    PYTHONPATH=src python benchmarks/bench_areas.py [--rows 1000000] [--coco-python PATH]
                                                     [--coco-sample 20000]

The labels are drawn (with a fixed seed) from ``tests/data/area_labels.csv``: names in
English, French, Spanish, German and Portuguese, UN DESA / UNHCR / IDMC / Eurostat
spellings and codes. migharmony resolves the full column.

country_converter (coco) breaks under pandas 3, so it runs in its own interpreter
(``--coco-python``, e.g. a venv with ``pandas<3`` and ``country_converter``) as a
subprocess, on a random sample of the same column (``--coco-sample`` rows), and its time
for one million rows is extrapolated linearly from that sample (clearly labelled).
Agreement is measured on the rows where coco returns an answer ("not found" excluded;
coco may also return a list when a label matches several regexes: counted as an answer
that disagrees);
coco's ISO3 output is compared with migharmony's code.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_COCO_SCRIPT = r"""
import json, sys, time, logging
logging.disable(logging.CRITICAL)
import country_converter as coco
labels = json.load(sys.stdin)
cc = coco.CountryConverter()
t = time.perf_counter()
out = cc.convert(labels, to="ISO3", not_found="__NOT_FOUND__")
elapsed = time.perf_counter() - t
json.dump({"seconds": elapsed, "codes": out if isinstance(out, list) else [out]}, sys.stdout)
"""


def main() -> None:  # noqa: PLR0915 - a linear script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--coco-python", default="/work/venv-coco/bin/python")
    parser.add_argument("--coco-sample", type=int, default=20_000)
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    from migharmony import areas

    table = pd.read_csv(ROOT / "tests" / "data" / "area_labels.csv", dtype=str,
                        keep_default_na=False)
    pool = table.label.to_numpy()
    rng = np.random.default_rng(2024)
    column = pd.Series(pool[rng.integers(0, len(pool), args.rows)])

    t0 = time.perf_counter()
    areas.resolve(["France"])  # build the index once (reported separately)
    build = time.perf_counter() - t0

    t0 = time.perf_counter()
    ours = areas.resolve(column, errors="coerce")
    ours_s = time.perf_counter() - t0
    distinct = column.nunique()

    rows = [("migharmony.areas.resolve", f"{args.rows:,}", f"{ours_s:.2f}",
             f"{args.rows / ours_s:,.0f}", f"{ours.notna().mean():.1%}", "measured")]

    coco_line = None
    python = Path(args.coco_python)
    if python.exists():
        sample_idx = rng.choice(args.rows, size=min(args.coco_sample, args.rows), replace=False)
        sample = column.iloc[sample_idx].tolist()
        proc = subprocess.run([str(python), "-c", _COCO_SCRIPT], input=json.dumps(sample),
                              capture_output=True, text=True, check=True)
        result = json.loads(proc.stdout)
        coco_codes = [c if isinstance(c, str) and c != "__NOT_FOUND__" else None
                      for c in result["codes"]]
        secs = result["seconds"]
        per_million = secs / len(sample) * args.rows
        answered = [(c, o) for c, o in zip(coco_codes, ours.iloc[sample_idx], strict=True)
                    if c is not None]
        agree = sum(1 for c, o in answered if isinstance(o, str) and c == o)
        ours_answered = sum(1 for _, o in answered if isinstance(o, str))
        rows.append(("country_converter.convert", f"{len(sample):,} (sample)", f"{secs:.2f}",
                     f"{len(sample) / secs:,.0f}", f"{len(answered) / len(sample):.1%}",
                     f"extrapolated to {args.rows:,} rows: {per_million:,.0f} s"))
        coco_line = (
            f"agreement where coco answers: {agree:,}/{len(answered):,} "
            f"({agree / max(len(answered), 1):.1%}); of those rows migharmony resolved "
            f"{ours_answered:,} and agreed on {agree / max(ours_answered, 1):.1%}")
        disagreements: dict[tuple[str, str, str], int] = {}
        for label, c, o in zip(sample, coco_codes, ours.iloc[sample_idx], strict=True):
            if c is not None and isinstance(o, str) and c != o:
                disagreements[(label, c, o)] = disagreements.get((label, c, o), 0) + 1
    else:
        disagreements = {}
        coco_line = f"country_converter skipped: {python} not found"

    print(f"\nlabels: {args.rows:,} rows, {distinct:,} distinct "
          f"(from {len(pool)} labels in tests/data/area_labels.csv)")
    print(f"migharmony index build (once per process): {build:.2f} s\n")
    header = ("tool", "rows", "seconds", "rows/s", "answered", "note")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)))
    print()
    print(coco_line)
    if disagreements:
        print("distinct disagreements (label: coco vs migharmony):")
        for (label, c, o), n in sorted(disagreements.items(), key=lambda kv: -kv[1])[:25]:
            print(f"  {label!r}: {c} vs {o} ({n} rows)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
