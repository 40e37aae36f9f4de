"""How fast the market model runs: CPU seconds per case, optionally against another checkout.

    python benchmarks/bench_model.py [--repeat 5] [--firms 1000] [--huge 10000] [--profile]
    python benchmarks/bench_model.py --against ../old-checkout     # ratios in the same run

Cases (20 years of monthly steps unless ``--years`` says otherwise):

- ``baseline, simulation only``: the model's steps with data collection switched off;
- ``baseline, with data collection``: :func:`sim.run.simulate`, i.e. the steps, data collection
  and the tidy tables;
- ``N firms, simulation only``: the baseline with its firms replaced by one entry of
  ``count = N`` (the first baseline firm, its cash and chips scaled by 8/N so the market is the
  baseline's size); ``--huge`` adds a single run of a larger N;
- ``N different firms, simulation``: N entries of one firm each, the baseline's eight in turn,
  each with its cash and chips scaled by 8/N and a random factor in [0.5, 1.5]: no two alike.

Each figure is the smallest CPU time (``time.process_time``) of ``--repeat`` runs in a fresh
process: on a shared machine CPU time still grows with the load (shared caches and cores), and
the smallest is the least disturbed (as in bench_cli.py). With ``--against DIR`` the
same cases run on the code in DIR (another checkout, e.g. ``git worktree add ../old HEAD~5``) in
the same session, and the ratio old/new is printed: the figure to report, since both sides
see the same machine. ``--profile`` adds cProfile's top 10 functions for the baseline.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import json
import math
import os
import platform
import pstats
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGETS_S = {"baseline, simulation only": 0.020, "1000 firms, simulation only": 0.7}


def with_firms(scenario: Any, count: int) -> Any:
    """The scenario with its firms replaced by ``count`` copies of its first firm, whose cash
    and chips are scaled so that all of them together hold what the original firms held."""
    first = scenario.firms[0]
    scale = len(scenario.firms) / count
    firm = dataclasses.replace(
        first, name="Lab", count=count, cash_usd=first.cash_usd * scale, chips=first.chips * scale
    )
    return dataclasses.replace(scenario, name=f"{count} firms", firms=(firm,))


def with_different_firms(scenario: Any, count: int) -> Any:
    """The scenario with ``count`` firms, each its own entry: copies of the baseline firms in
    turn, their cash and chips scaled as in :func:`with_firms` and then by a factor drawn from
    [0.5, 1.5] (seed 0), so that no two firms are alike and the vectorised phases see their
    rows in no particular order."""
    import numpy as np

    factors = np.random.default_rng(0).uniform(0.5, 1.5, count) * len(scenario.firms) / count
    firms = tuple(
        dataclasses.replace(
            (kind := scenario.firms[i % len(scenario.firms)]),
            name=f"Lab {i}",
            count=1,
            cash_usd=kind.cash_usd * factor,
            chips=kind.chips * factor,
        )
        for i, factor in enumerate(factors.tolist())
    )
    return dataclasses.replace(scenario, name=f"{count} different firms", firms=firms)


def _simulation_only(scenario: Any) -> None:
    from sim.model import EfficiencyRaceModel

    model = EfficiencyRaceModel(scenario, rng=scenario.run.seed)
    model.datacollector.collect = lambda _model: None
    for _ in range(scenario.run.n_steps):
        model.step()


def _with_collection(scenario: Any) -> None:
    from sim.run import simulate

    simulate(scenario)


def child(case: str, firms: int, years: float, repeat: int) -> None:
    """Time one case in this process and print its CPU seconds as JSON."""
    from sim.scenario import load_scenario

    scenario = load_scenario("baseline", {"run.years": years})
    if firms:
        scenario = (with_different_firms if case == "different" else with_firms)(scenario, firms)
    work = _with_collection if case == "collection" else _simulation_only
    work(load_scenario("baseline", {"run.years": 1.0}))  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        start = time.process_time()
        work(scenario)
        times.append(time.process_time() - start)
    print(json.dumps({"seconds": min(times)}))


def measure(code: Path, case: str, firms: int, years: float, repeat: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(code)}
    args = [sys.executable, str(HERE / "bench_model.py"), "--child", case]
    args += ["--firms", str(firms), "--years", str(years), "--repeat", str(repeat)]
    out = subprocess.run(args, env=env, cwd=code, capture_output=True, text=True, check=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])


def interleaved(
    this: Path, other: Path, case: str, firms: int, years: float, repeat: int
) -> tuple[float, float]:
    """The smallest CPU seconds of ``repeat`` runs on each checkout, one run a process, the two
    checkouts taking turns and going first in turn, so that a change in the machine's load
    falls on both alike."""
    best = {this: math.inf, other: math.inf}
    for i in range(repeat):
        for code in (this, other) if i % 2 == 0 else (other, this):
            best[code] = min(best[code], measure(code, case, firms, years, 1))
    return best[this], best[other]


def profile_baseline() -> None:
    from sim.scenario import load_scenario

    _simulation_only(load_scenario("baseline", {"run.years": 1.0}))  # warm-up: imports, caches
    profiler = cProfile.Profile()
    profiler.enable()
    _simulation_only(load_scenario("baseline"))
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(10)
    body = text.getvalue()
    print("\n--- profile: baseline, simulation only (top 10 by own time) ---")
    print(body[body.find("   ncalls") :].rstrip())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (smallest kept)")
    parser.add_argument("--firms", type=int, default=1000, help="firms in the large case")
    parser.add_argument(
        "--huge", type=int, default=10_000, help="firms in the single huge run (0: none)"
    )
    parser.add_argument("--years", type=float, default=20.0, help="simulated years")
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--profile", action="store_true", help="print cProfile hotspots")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.firms, args.years, args.repeat)
        return

    here = HERE.parent
    cases = [
        ("baseline, simulation only", "simulation", 0, args.repeat),
        ("baseline, with data collection", "collection", 0, args.repeat),
        (f"{args.firms} firms, simulation only", "simulation", args.firms, 3),
        (f"{args.firms} different firms, simulation", "different", args.firms, 3),
        (f"{args.huge} firms, simulation only", "simulation", args.huge, 1),
    ]
    if not args.huge:  # --huge 0: no huge run
        cases.pop()
    print(
        f"efficiency-race benchmark: Python {platform.python_version()}, {platform.machine()}, "
        f"{args.years:g} years monthly; CPU seconds, smallest of the repeats"
    )
    header = f"{'case':<36} {'this':>9}"
    if args.against:
        header += f" {'against':>9} {'speed-up':>9}"
    print(header + "  target")
    for label, case, firms, repeat in cases:
        line = f"{label:<36}"
        if args.against and firms <= 2000:
            new, old = interleaved(here, args.against.resolve(), case, firms, args.years, repeat)
            line += f" {new:9.3f} {old:9.3f} {old / new:8.2f}x"
        else:
            new = measure(here, case, firms, args.years, repeat)
            line += f" {new:9.3f}"
            if args.against:  # the old code needs minutes here
                line += f" {'(skipped)':>9} {'':>9}"
        target = TARGETS_S.get(label)
        if target is not None:
            line += f"  < {target:g} s: {'met' if new < target else 'NOT met'}"
        print(line, flush=True)
    if args.profile:
        profile_baseline()


if __name__ == "__main__":
    main()
