"""Benchmark ``harmonize`` against the I/O floor (run by hand, not in CI).

    PYTHONPATH=src python benchmarks/run.py --rows 1000000 [--kind long|unhcr]
        [--format csv|parquet] [--repeat 3] [--json] [--batches]

The input is generated once by ``benchmarks/generate.py`` and cached in
``$TMPDIR/migharmony-bench``. Every measurement runs in a fresh subprocess, so that
its peak memory (``ru_maxrss`` of that process, which counts Arrow buffers, unlike
tracemalloc) and its time are its own; each is repeated ``--repeat`` times and the
median is reported.

``floor``
    pandas reads the same input (``read_csv`` or ``read_parquet``, defaults) and
    writes the same output format (Parquet), with no harmonization.
``harmonize``
    ``migharmony.harmonize(source, crosswalk, parquet=...)`` end to end (read, layout,
    values, map, tag, validate, collisions, and the observations written as Parquet
    with their metadata while the slices are harmonized), then the rejected cells
    written (``emit.write_parquet``). The read and the pandera validation inside it are timed
    by wrapping ``read.read_grid`` / ``cubes.cells_from_file`` and ``schema.validate``.
``batches`` (with ``--batches``)
    ``migharmony.harmonize_batches`` on the same input, writing a Parquet dataset.

``--json`` prints one JSON object: ``rows``, ``harmonize_s``, ``floor_s``, ``ratio``,
``peak_mb``, ``frame_mb``, ``floor_peak_mb``, ``read_s``, ``validate_s``, the CPU seconds
(``user_s``, ``sys_s``, ``floor_user_s``, ``floor_sys_s``), stage
details and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

from generate import crosswalk_for, generate  # noqa: E402


def cache_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "migharmony-bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def input_path(kind: str, rows: int, fmt: str) -> Path:
    path = cache_dir() / f"{kind}-{rows}.{fmt}"
    if not path.exists():
        generate(kind, rows, path)
    return path


def crosswalk_path(kind: str, fmt: str) -> Path:
    path = crosswalk_for(kind)
    if fmt == "parquet":
        path = path.with_name(path.stem + "-parquet.yaml")
        if not path.exists():
            raise SystemExit(f"no Parquet crosswalk for kind {kind}")
    return path


def _peak_mb() -> float:
    import resource

    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process so far: user, and system (mostly page faults here)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def _cpu_since(start: tuple[float, float]) -> dict[str, float]:
    user, system = _cpu()
    return {"user_s": user - start[0], "sys_s": system - start[1]}


# ------------------------------------------------------------------ children


def child_floor(source: Path, out: Path) -> dict[str, Any]:
    import pandas as pd

    base = _peak_mb()
    cpu = _cpu()
    t0 = time.perf_counter()
    frame = pd.read_parquet(source) if source.suffix == ".parquet" else pd.read_csv(source)
    t1 = time.perf_counter()
    frame.to_parquet(out / "floor.parquet", index=False)
    t2 = time.perf_counter()
    return {"seconds": t2 - t0, "read_s": t1 - t0, "write_s": t2 - t1, **_cpu_since(cpu),
            "peak_mb": _peak_mb(), "base_mb": base,
            "input_mb": float(frame.memory_usage(deep=True).sum()) / 2**20}


def _timed(module: Any, name: str, bucket: dict[str, float]) -> None:
    original = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            bucket[name] = bucket.get(name, 0.0) + time.perf_counter() - t

    setattr(module, name, wrapper)


def child_harmonize(source: Path, crosswalk: Path, out: Path) -> dict[str, Any]:
    import pandas as pd  # noqa: F401 - imported before timing, like the floor

    import migharmony
    from migharmony import cubes, emit, read, schema

    base = _peak_mb()
    stages: dict[str, float] = {}
    _timed(read, "read_grid", stages)
    _timed(cubes, "cells_from_file", stages)
    _timed(schema, "validate", stages)
    cpu = _cpu()
    t0 = time.perf_counter()
    # The observations are written as the slices are harmonized (what the command line
    # does with -o data.parquet); the file is the one result.to_parquet would write.
    result = migharmony.harmonize(source, crosswalk, parquet=out / "data.parquet")
    t1 = time.perf_counter()
    emit.write_parquet(result.rejected, out / "rejected.parquet", result.metadata)
    t2 = time.perf_counter()
    read_s = stages.get("read_grid", 0.0) + stages.get("cells_from_file", 0.0)
    return {"seconds": t2 - t0, "harmonize_s": t1 - t0, "rejected_write_s": t2 - t1,
            "read_s": read_s, "validate_s": stages.get("validate", 0.0), **_cpu_since(cpu),
            "peak_mb": _peak_mb(), "base_mb": base,
            "frame_mb": float(result.data.memory_usage(deep=True).sum()) / 2**20,
            "n_data": len(result.data), "n_rejected": len(result.rejected)}


def child_batches(source: Path, crosswalk: Path, out: Path, batch_rows: int) -> dict[str, Any]:
    import pandas as pd  # noqa: F401

    import migharmony

    base = _peak_mb()
    t0 = time.perf_counter()
    summary = migharmony.harmonize_batches(source, crosswalk, out / "dataset",
                                           batch_rows=batch_rows)
    t1 = time.perf_counter()
    return {"seconds": t1 - t0, "peak_mb": _peak_mb(), "base_mb": base,
            "n_data": summary.n_data, "n_rejected": summary.n_rejected,
            "batches": summary.n_batches}


# ------------------------------------------------------------------ parent


def run_child(args: list[str], pool: str = "default") -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    if pool != "default":
        env["ARROW_DEFAULT_MEMORY_POOL"] = pool
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                          text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child {args} failed:\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in runs[0]:
        values = [r[key] for r in runs]
        out[key] = statistics.median(values) if isinstance(values[0], int | float) else values[0]
    out["all_seconds"] = [round(r["seconds"], 3) for r in runs]
    return out


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform(),
                            "cpus": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 2**20, 1)
                break
        info["load_avg"] = list(os.getloadavg())
    except OSError:
        pass
    import pandas as pd
    import pandera
    import pyarrow

    info.update(pandas=pd.__version__, pyarrow=pyarrow.__version__, pandera=pandera.__version__)
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--kind", choices=("long", "unhcr"), default="long")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batches", action="store_true",
                        help="also measure harmonize_batches")
    parser.add_argument("--batch-rows", type=int, default=1_000_000)
    parser.add_argument("--arrow-pool", choices=("default", "system", "jemalloc", "mimalloc"),
                        default="default", help="ARROW_DEFAULT_MEMORY_POOL of the children "
                        "(both the floor and harmonize); see docs/performance.md")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        what, *rest = args.child
        with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
            out = Path(tmp)
            if what == "floor":
                result = child_floor(Path(rest[0]), out)
            elif what == "harmonize":
                result = child_harmonize(Path(rest[0]), Path(rest[1]), out)
            else:
                result = child_batches(Path(rest[0]), Path(rest[1]), out, int(rest[2]))
        print(json.dumps(result))
        return

    source = input_path(args.kind, args.rows, args.format)
    crosswalk = crosswalk_path(args.kind, args.format)
    floors, harms, batches = [], [], []
    for _ in range(args.repeat):  # interleaved, so that load from others hits both alike
        floors.append(run_child(["floor", str(source)], args.arrow_pool))
        harms.append(run_child(["harmonize", str(source), str(crosswalk)], args.arrow_pool))
        if args.batches:
            batches.append(run_child(["batches", str(source), str(crosswalk),
                                      str(args.batch_rows)], args.arrow_pool))
    floor, harm = median_of(floors), median_of(harms)
    report: dict[str, Any] = {
        "rows": args.rows, "kind": args.kind, "format": args.format, "repeat": args.repeat,
        "arrow_pool": args.arrow_pool,
        "input_mb": round(source.stat().st_size / 2**20, 1),
        "harmonize_s": round(harm["seconds"], 3), "floor_s": round(floor["seconds"], 3),
        "ratio": round(harm["seconds"] / floor["seconds"], 2),
        "rows_per_s": round(args.rows / harm["seconds"]),
        "floor_rows_per_s": round(args.rows / floor["seconds"]),
        "peak_mb": round(harm["peak_mb"], 1), "frame_mb": round(harm["frame_mb"], 1),
        "peak_over_frame": round(harm["peak_mb"] / harm["frame_mb"], 2),
        "floor_peak_mb": round(floor["peak_mb"], 1), "base_mb": round(harm["base_mb"], 1),
        "read_s": round(harm["read_s"], 3), "validate_s": round(harm["validate_s"], 3),
        "floor_read_s": round(floor["read_s"], 3),
        "rejected_write_s": round(harm["rejected_write_s"], 3),
        "user_s": round(harm["user_s"], 2), "sys_s": round(harm["sys_s"], 2),
        "floor_user_s": round(floor["user_s"], 2), "floor_sys_s": round(floor["sys_s"], 2),
        "n_data": harm["n_data"], "n_rejected": harm["n_rejected"],
        "harmonize_runs_s": harm["all_seconds"], "floor_runs_s": floor["all_seconds"],
        "machine": machine(),
    }
    if batches:
        b = median_of(batches)
        report.update(batches_s=round(b["seconds"], 3), batches_peak_mb=round(b["peak_mb"], 1),
                      batch_rows=args.batch_rows, batches_runs_s=b["all_seconds"],
                      batches_ratio=round(b["seconds"] / floor["seconds"], 2))
    if args.json:
        print(json.dumps(report))
        return
    m = report["machine"]
    print(f"{args.kind} table, {args.rows:,} values, {args.format} "
          f"({report['input_mb']} MB); median of {args.repeat} run(s); Arrow memory pool "
          f"{args.arrow_pool}")
    print(f"machine: {m.get('cpu', '?')}, {m['cpus']} cpus, {m.get('memory_gb', '?')} GB, "
          f"Python {m['python']}, pandas {m['pandas']}, pyarrow {m['pyarrow']}, "
          f"pandera {m['pandera']}, load {m.get('load_avg', '?')}")
    rows = [("I/O floor (pandas read + write Parquet)", report["floor_s"],
             report["floor_rows_per_s"], report["floor_peak_mb"], ""),
            ("harmonize + write Parquet", report["harmonize_s"], report["rows_per_s"],
             report["peak_mb"], f"ratio {report['ratio']}x")]
    if batches:
        rows.append((f"harmonize_batches ({args.batch_rows:,} rows/batch)", report["batches_s"],
                     round(args.rows / report["batches_s"]), report["batches_peak_mb"],
                     f"ratio {report['batches_ratio']}x"))
    header = ("measurement", "seconds", "rows/s", "peak MB", "")
    table = [header, *[(a, f"{b:.2f}", f"{c:,}", f"{d:,.0f}", e) for a, b, c, d, e in rows]]
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    for r in table:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)))
    print(f"harmonized frame: {report['frame_mb']:,} MB in memory; peak / frame = "
          f"{report['peak_over_frame']}x (interpreter and imports: {report['base_mb']} MB)")
    print(f"read inside harmonize: {report['read_s']} s; pandera validation: "
          f"{report['validate_s']} s; pandas read alone: {report['floor_read_s']} s")
    print(f"CPU seconds (user + system, the system time being mostly page faults): harmonize "
          f"{report['user_s']} + {report['sys_s']}, floor {report['floor_user_s']} + "
          f"{report['floor_sys_s']}")


if __name__ == "__main__":
    main()
