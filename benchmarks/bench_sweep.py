"""Sweep throughput and memory: runs per second on 1 and 2 workers and on a local Dask cluster,
peak memory of the sweep process for 200 and 2,000 runs, and the 1,000-run Sobol analysis.

    python benchmarks/bench_sweep.py                 # everything (about 5 minutes on 2 cores)
    python benchmarks/bench_sweep.py --skip-sobol    # without the 1,024-run Sobol analysis
    python benchmarks/bench_sweep.py --runs 20       # fewer baseline runs per throughput case
    python benchmarks/bench_sweep.py --overhead --runs 20   # only: what a sweep adds to a run

Aims (issue 4): 2 workers at 1.8x one worker or better; the Sobol analysis of the baseline
(experiments/sweeps/baseline_sobol.toml, 1,024 runs) within 2 minutes on a 2-core machine.
Rates exclude worker start-up, which is reported apart. Wall-clock rates depend on what else the
machine runs, so each case also reports the CPU time it spent per run (this process and its
workers, start-up subtracted): with W free cores, W workers run at W / (CPU per run) runs per
second, and the ratio of CPU per run to the serial case is the overhead of parallelism. The load
average is printed at the start and the end. Memory is the peak resident set of the process that
collects and writes the results (workers hold one run at a time).

``--overhead`` measures only what a sweep adds to its runs' simulation, in this process: in
rounds of 5 runs, the rounds' runs alone (the model a sweep builds for each, with its scenario
and seed, its data collection switched off, as in bench_model.py) and the same runs as a serial
sweep into a new store, taking turns and going first in turn, so that a change in the
machine's load falls on both alike. The difference is the sweep's own CPU per run: data
collection, the model table, metrics and series, the store, and the sweep's set-up (design,
manifest, model-code hash) shared by a round's 5 runs. It also counts the Python calls
(cProfile, the same on any machine) of 1 and 2 runs each way: a run's, and the sweep's set-up.
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
from experiments.sweep import iter_tasks, make_design, parse_sweep, run_seeds

ROOT = Path(__file__).resolve().parents[1]
SOBOL_FILE = ROOT / "experiments" / "sweeps" / "baseline_sobol.toml"


def throughput_raw(runs: int) -> dict[str, Any]:
    """The sweep table of ``runs`` full baseline runs (20 years, monthly), a replication each."""
    return {
        "scenario": "baseline",
        "replications": runs,
        "outputs": {"series": ["best_loss"], "metrics": ["final:best_loss", "hhi"]},
    }


def throughput_spec(runs: int) -> Any:
    """``runs`` full baseline runs (20 years, monthly), a replication each."""
    return parse_sweep(throughput_raw(runs), name="bench")


OVERHEAD_ROUND_RUNS = 5


def steps_alone(spec: Any) -> float:
    """CPU seconds of the model steps of ``spec``'s runs alone, in this process: the scenario
    and seed each run of the sweep gets, the model's data collection switched off."""
    from sim.model import EfficiencyRaceModel

    design = make_design(spec)
    seeds = run_seeds(spec, len(design.points))
    tasks = list(iter_tasks(spec, design, seeds))
    runner = spec.runner()
    scenarios = [runner.scenario(task) for task in tasks]  # built before the clock starts
    start = cpu_seconds()
    for task, scenario in zip(tasks, scenarios, strict=True):
        model = EfficiencyRaceModel(scenario, rng=task.seed, collect_agents=False)
        model.datacollector.collect = lambda _model: None
        for _ in range(scenario.run.n_steps):
            model.step()
    return cpu_seconds() - start


def serial_sweep(spec: Any) -> float:
    """CPU seconds of ``spec`` run as a serial sweep into a new store, in this process."""
    with tempfile.TemporaryDirectory() as tmp:
        start = cpu_seconds()
        execute(spec, Path(tmp) / "out", backend=SerialBackend(), quiet=True)
        return cpu_seconds() - start


def calls(measure: Any, spec: Any) -> int:
    """Python function calls (cProfile's count, which does not depend on the machine's load)
    that ``measure(spec)`` makes."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(measure, spec)
    return int(pstats.Stats(profiler).total_calls)  # type: ignore[attr-defined]


def overhead(rounds: int) -> dict[str, float]:
    """CPU per run of the serial sweep and of its runs' steps alone over ``rounds`` rounds
    [s] (module docstring)."""
    warm_up = parse_sweep({"scenario": "baseline", "set": {"run": {"years": 1}}}, name="warm-up")
    steps_alone(warm_up)  # the model's imports and first-call caches, as bench_model.py does
    serial_sweep(warm_up)  # the store's and the writer's
    totals = {"steps alone": 0.0, "serial sweep": 0.0}
    for i in range(rounds):
        spec = parse_sweep(
            {**throughput_raw(OVERHEAD_ROUND_RUNS), "seed": i + 1}, name=f"overhead-{i}"
        )
        cases = [("steps alone", steps_alone), ("serial sweep", serial_sweep)]
        for label, measure in cases if i % 2 == 0 else cases[::-1]:
            totals[label] += measure(spec)
    n = rounds * OVERHEAD_ROUND_RUNS
    return {label: seconds / n for label, seconds in totals.items()}


def load_average() -> list[str]:
    """The machine's load average over 1, 5 and 15 minutes, as /proc/loadavg gives it."""
    return Path("/proc/loadavg").read_text().split()[:3]


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
    parser.add_argument(
        "--overhead",
        action="store_true",
        help="only what a serial sweep adds to its runs' steps, in rounds of 5 runs",
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    if args.overhead:
        return print_overhead(args.runs, args.json)
    print(f"throughput, {args.runs} baseline runs (20 years, monthly) per case:")
    print(f"load average at the start: {load_average()}")
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
    print(f"load average at the end: {load_average()}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


def print_overhead(runs: int, json_path: Path | None) -> int:
    rounds = max(1, runs // OVERHEAD_ROUND_RUNS)
    print(
        f"what a serial sweep adds: {rounds} round{'s' if rounds > 1 else ''} of "
        f"{OVERHEAD_ROUND_RUNS} baseline runs "
        "(20 years, monthly), steps alone and serial sweep taking turns"
    )
    print(f"load average at the start: {load_average()}")
    per_run = overhead(rounds)
    alone, sweep = per_run["steps alone"], per_run["serial sweep"]
    print(f"  the runs' steps alone   CPU {alone:.3f} s/run")
    print(f"  the same runs, swept    CPU {sweep:.3f} s/run")
    print(f"  the sweep adds          CPU {sweep - alone:+.3f} s/run ({sweep / alone - 1:+.1%})")
    # calls of 1 and of 2 runs each way: their difference is a run's, the rest is set-up
    specs = [parse_sweep({**throughput_raw(n), "seed": 1}, name="calls") for n in (1, 2)]
    counts: dict[str, dict[str, int]] = {}
    for label, measure in (("steps alone", steps_alone), ("serial sweep", serial_sweep)):
        one, two = (calls(measure, spec) for spec in specs)
        counts[label] = {"per_run": two - one, "set_up": 2 * one - two}
    alone_calls, sweep_calls = counts["steps alone"], counts["serial sweep"]
    added = sweep_calls["per_run"] - alone_calls["per_run"]
    print(
        f"  calls a run (cProfile, the same on any machine): steps alone "
        f"{alone_calls['per_run']:,}, swept {sweep_calls['per_run']:,} ({added:+,}, "
        f"{added / alone_calls['per_run']:+.1%}); the sweep's set-up "
        f"{sweep_calls['set_up'] - alone_calls['set_up']:+,} once"
    )
    print(f"load average at the end: {load_average()}")
    if json_path:
        figures = {"overhead_cpu_seconds_per_run": per_run, "calls": counts}
        json_path.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
