"""Sweep throughput and memory: runs per second on 1 and 2 workers and on a local Dask cluster,
peak memory of the sweep process for 200 and 2,000 runs, and the 1,000-run Sobol analysis.

    python benchmarks/bench_sweep.py                 # everything (about 5 minutes on 2 cores)
    python benchmarks/bench_sweep.py --skip-sobol    # without the 1,024-run Sobol analysis
    python benchmarks/bench_sweep.py --runs 20       # fewer baseline runs per throughput case

Aims (issue 4): 2 workers at 1.8x one worker or better; the Sobol analysis of the baseline
(experiments/sweeps/baseline_sobol.toml, 1,024 runs) within 2 minutes on a 2-core machine.
Rates exclude worker start-up, which is reported apart. Wall-clock rates depend on what else the
machine runs, so each case also reports the CPU time it spent per run (this process and its
workers, start-up subtracted): with W free cores, W workers run at W / (CPU per run) runs per
second, and the ratio of CPU per run to the serial case is the overhead of parallelism. The load
average is printed at the start and the end. Memory is the peak resident set of the process that
collects and writes the results (workers hold one run at a time).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from experiments.backends import DaskBackend, ProcessBackend, SerialBackend, execute
from experiments.sweep import parse_sweep

ROOT = Path(__file__).resolve().parents[1]
SOBOL_FILE = ROOT / "experiments" / "sweeps" / "baseline_sobol.toml"


def throughput_spec(runs: int) -> Any:
    """``runs`` full baseline runs (20 years, monthly), a replication each."""
    return parse_sweep(
        {
            "scenario": "baseline",
            "replications": runs,
            "outputs": {"series": ["best_loss"], "metrics": ["final:best_loss", "hhi"]},
        },
        name="bench",
    )


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children [s]."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def throughput(runs: int) -> list[dict[str, Any]]:
    spec = throughput_spec(runs)
    rows = []
    cases: list[tuple[str, Any]] = [
        ("1 worker (in process)", SerialBackend),
        ("2 workers (processes)", lambda: ProcessBackend(2)),
        ("2 workers (Dask LocalCluster)", lambda: DaskBackend("local", 2)),
    ]
    for label, make in cases:
        cpu0 = cpu_seconds()
        idle = make()
        idle.start(spec.runner())  # start-up alone, to subtract its CPU
        idle.close()
        cpu1 = cpu_seconds()
        with tempfile.TemporaryDirectory() as tmp:
            report = execute(spec, Path(tmp) / "out", backend=make(), quiet=True)
        cpu_per_run = (cpu_seconds() - cpu1 - (cpu1 - cpu0)) / report.ran
        rows.append(
            {
                "case": label,
                "runs": report.ran,
                "runs_per_second": report.runs_per_second,
                "startup_seconds": report.startup_seconds,
                "cpu_seconds_per_run": cpu_per_run,
            }
        )
        print(
            f"  {label:<32} {report.runs_per_second:6.2f} runs/s  "
            f"CPU {cpu_per_run:.3f} s/run  (start-up {report.startup_seconds:.1f} s)"
        )
    return rows


def _memory_child(runs: int, out: str) -> None:
    """Run in a fresh process: a sweep of ``runs`` short runs; print the peak RSS [MiB]."""
    spec = parse_sweep(
        {
            "scenario": "baseline",
            "replications": runs,
            "set": {"run": {"years": 2}},
            "outputs": {
                "series": ["best_loss", "price_usd_per_million_tokens", "hhi_ai_services"],
                "metrics": ["final:best_loss", "peak_margin", "hhi"],
            },
        },
        name="memory",
    )
    execute(spec, out, backend=ProcessBackend(2), quiet=True)
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_rss_mib": kib / 1024}))


def memory(runs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        code = f"import bench_sweep as b; b._memory_child({runs}, {str(Path(tmp) / 'out')!r})"
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            check=True,
        )
    return float(json.loads(result.stdout.strip().splitlines()[-1])["peak_rss_mib"])


def sobol_seconds() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "experiments.cli",
                "sensitivity",
                str(SOBOL_FILE),
                "--workers",
                "2",
                "--quiet",
                "--out",
                str(Path(tmp) / "out"),
            ],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40, help="baseline runs per throughput case")
    parser.add_argument("--skip-sobol", action="store_true", help="skip the Sobol analysis")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    print(f"throughput, {args.runs} baseline runs (20 years, monthly) per case:")
    print(f"load average at the start: {Path('/proc/loadavg').read_text().split()[:3]}")
    rows = throughput(args.runs)
    speedup = rows[1]["runs_per_second"] / rows[0]["runs_per_second"]
    cpu_speedup = 2 * rows[0]["cpu_seconds_per_run"] / rows[1]["cpu_seconds_per_run"]
    print(f"  speed-up on 2 workers: {speedup:.2f}x measured (aim: 1.8x or better)")
    print(f"  speed-up on 2 free cores from CPU per run: {cpu_speedup:.2f}x")
    print("peak memory of the sweep process (2 workers, 2-year runs):")
    peaks = {}
    for runs in (200, 2000):
        peaks[runs] = memory(runs)
        print(f"  {runs:>5} runs: {peaks[runs]:6.1f} MiB")
    results: dict[str, Any] = {
        "throughput": rows,
        "speedup_2_workers": speedup,
        "speedup_2_free_cores_from_cpu": cpu_speedup,
        "peak_rss_mib": peaks,
    }
    if not args.skip_sobol:
        seconds = sobol_seconds()
        results["sobol_1024_runs_seconds"] = seconds
        print(
            f"Sobol analysis of the baseline, 1,024 runs on 2 workers: {seconds:.0f} s (aim: 120 s)"
        )
    print(f"load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
