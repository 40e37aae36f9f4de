"""CPU time of the ``effrace`` command as a user runs it: whole processes, start-up included.

    python benchmarks/bench_cli.py               # 3 repeats of each case (about 30 s)
    python benchmarks/bench_cli.py --repeat 5
    python benchmarks/bench_cli.py --against ../old-checkout   # ratios in the same session

Cases: ``effrace run baseline`` with figures and with ``--no-figures``; the imports ``run``
needs (``sim.run`` after :func:`sim.lazy_mesa.install`, as the CLI does it) and, for
comparison, the same imports with the whole of Mesa; the interpreter alone. Each is the
smallest CPU time (user + system, of the child process) over the repeats: on a shared machine
the smallest is the least disturbed. Aim (issue 8): ``effrace run baseline`` under 1.5 CPU-s
with figures. The load average is printed at the start and the end, since a busy machine
inflates CPU times too (shared caches and cores).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_WITH_FIGURES_S = 1.5
"""Aim for ``effrace run baseline``, whole process, with figures [CPU-s]."""


def child_cpu_seconds(command: list[str], cwd: Path) -> float:
    """CPU time (user + system) of one child process running ``command`` in ``cwd``, with
    ``cwd``'s code first on the path [s]. Python's bytecode cache is on, as on a user's
    machine (a sandbox's PYTHONDONTWRITEBYTECODE would recompile every module each time)."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cases(out: Path) -> list[tuple[str, list[str]]]:
    python = [sys.executable]
    cli = [*python, "-m", "experiments.cli", "run", "baseline", "--out", str(out)]
    light = "from sim import lazy_mesa; lazy_mesa.install(); import sim.run"
    return [
        ("effrace run baseline (with figures)", cli),
        ("effrace run baseline --no-figures", [*cli, "--no-figures"]),
        ("imports of run (Mesa's core only)", [*python, "-c", light]),
        ("imports of run (all of Mesa)", [*python, "-c", "import mesa, sim.run"]),
        ("python alone", [*python, "-c", "pass"]),
    ]


def _figures_s(results: dict[str, float]) -> float:
    """What the figures add to ``effrace run baseline`` [CPU-s]: with minus without them."""
    return (
        results["effrace run baseline (with figures)"]
        - results["effrace run baseline --no-figures"]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (smallest kept)")
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        results, against = {}, {}
        for name, command in cases(Path(tmp) / "run"):
            times, old_times = [], []
            for _ in range(args.repeat):  # alternated, so both see the same load
                times.append(child_cpu_seconds(command, root))
                if args.against:
                    old_times.append(child_cpu_seconds(command, args.against.resolve()))
            results[name] = min(times)
            line = f"{name:<40} {min(times):6.2f} CPU-s (min of {args.repeat})"
            if args.against:
                against[name] = old = min(old_times)
                line += f"; against {old:6.2f} CPU-s, {old / min(times):4.2f}x"
            print(line, flush=True)
    figures = _figures_s(results)
    line = f"figures (with minus without): {figures:.2f} CPU-s"
    if against:
        line += f"; against {_figures_s(against):.2f} CPU-s, {_figures_s(against) / figures:4.2f}x"
    print(line)
    with_figures = results["effrace run baseline (with figures)"]
    verdict = "met" if with_figures < TARGET_WITH_FIGURES_S else "not met"
    print(f"aim: run baseline with figures < {TARGET_WITH_FIGURES_S} CPU-s: {verdict}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
