"""How fast the market model runs: agent-steps per second and wall time.

    python benchmarks/bench_model.py [--repeat 5] [--firms 1000] [--profile]

Cases (20 years of monthly steps unless ``--years`` says otherwise):

- ``baseline, simulation only``: the model's steps with data collection switched off;
- ``baseline, with data collection``: :func:`sim.run.simulate`, i.e. the steps, Mesa's
  DataCollector and the tidy tables;
- ``baseline, with outputs``: the same plus model/agents CSV and Parquet and manifest.json
  (no figures);
- ``N firms, simulation only`` and ``N firms, with data collection``: the baseline with its
  firms replaced by one entry of ``count = N`` (the first baseline firm, its cash and chips
  scaled by 8/N so the market is the baseline's size).

Each figure is the median of ``--repeat`` runs (the large case runs fewer times; see
``--repeat-large``). Targets from the issue: the baseline's 20 years in under 0.1 s of
simulation on one core, 1,000 firms in under 10 s. ``--profile`` adds cProfile's top 10
functions by own time for the baseline and the large case.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import platform
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sim.model import EfficiencyRaceModel
from sim.params import Scenario
from sim.run import simulate, write_outputs
from sim.scenario import load_scenario

BASELINE_TARGET_S = 0.1
LARGE_TARGET_S = 10.0


def with_firms(scenario: Scenario, count: int) -> Scenario:
    """The scenario with its firms replaced by ``count`` copies of its first firm, whose cash
    and chips are scaled so that all of them together hold what the original firms held."""
    first = scenario.firms[0]
    scale = len(scenario.firms) / count
    firm = dataclasses.replace(
        first, name="Lab", count=count, cash_usd=first.cash_usd * scale, chips=first.chips * scale
    )
    return dataclasses.replace(scenario, name=f"{count} firms", firms=(firm,))


def n_agents(scenario: Scenario) -> int:
    return sum(
        p.count for group in (scenario.firms, scenario.vendors, scenario.suppliers) for p in group
    )


def simulation_only(scenario: Scenario) -> None:
    """Step the model over the horizon without collecting data."""
    model = EfficiencyRaceModel(scenario, rng=scenario.run.seed)
    model.datacollector.collect = lambda _model: None
    for _ in range(scenario.run.n_steps):
        model.step()


def with_collection(scenario: Scenario) -> None:
    simulate(scenario)


def with_outputs(scenario: Scenario) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_outputs(simulate(scenario), Path(folder), figures=False)


def median_seconds(work: Callable[[Scenario], None], scenario: Scenario, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work(scenario)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(label: str, scenario: Scenario, seconds: float, target: float | None = None) -> None:
    agent_steps = n_agents(scenario) * scenario.run.n_steps
    line = (
        f"{label:<36} {seconds:9.3f} s  {agent_steps / seconds:>12,.0f} agent-steps/s"
        f"  ({n_agents(scenario)} agents x {scenario.run.n_steps} steps)"
    )
    if target is not None:
        line += f"  target < {target:g} s: {'met' if seconds < target else 'NOT met'}"
    print(line, flush=True)


def profile(label: str, work: Callable[[Scenario], None], scenario: Scenario) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    work(scenario)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(10)
    body = text.getvalue()
    # drop pstats' preamble; keep the header line and the table
    start = body.find("   ncalls")
    print(f"\n--- profile: {label} (top 10 by own time) ---")
    print(body[start:].rstrip() if start >= 0 else body.rstrip())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per baseline figure (median)")
    parser.add_argument("--repeat-large", type=int, default=3, help="runs per large figure")
    parser.add_argument("--firms", type=int, default=1000, help="firms in the large case")
    parser.add_argument("--years", type=float, default=20.0, help="simulated years")
    parser.add_argument("--profile", action="store_true", help="print cProfile hotspots")
    args = parser.parse_args(argv)

    baseline = load_scenario("baseline", {"run.years": args.years})
    large = with_firms(baseline, args.firms)
    model = EfficiencyRaceModel(large, rng=large.run.seed)
    built = sum(1 for a in model.agents if a.agent_type == "firm")
    assert built == args.firms, f"count={args.firms} built {built} firms"

    print(
        f"efficiency-race benchmark: Python {platform.python_version()}, "
        f"{platform.machine()}, median of {args.repeat} (large: {args.repeat_large}) runs"
    )
    simulation_only(baseline)  # warm-up: imports, caches
    report(
        "baseline, simulation only",
        baseline,
        median_seconds(simulation_only, baseline, args.repeat),
        BASELINE_TARGET_S,
    )
    report(
        "baseline, with data collection",
        baseline,
        median_seconds(with_collection, baseline, args.repeat),
    )
    report(
        "baseline, with outputs (no figures)",
        baseline,
        median_seconds(with_outputs, baseline, args.repeat),
    )
    report(
        f"{args.firms} firms, simulation only",
        large,
        median_seconds(simulation_only, large, args.repeat_large),
        LARGE_TARGET_S,
    )
    report(
        f"{args.firms} firms, with data collection",
        large,
        median_seconds(with_collection, large, args.repeat_large),
        LARGE_TARGET_S,
    )
    if args.profile:
        profile("baseline, simulation only", simulation_only, baseline)
        profile("baseline, with data collection", with_collection, baseline)
        profile(f"{args.firms} firms, with data collection", with_collection, large)


if __name__ == "__main__":
    main()
