"""What a run or a sweep will cost, estimated before it starts, and the limits past which a
command asks for ``--force``.

A run's cost grows with its agent-steps (agents x steps): about 0.25 ms and, with the agents
table, about 2.5 kB of peak memory per agent-step (measured on a 2-core machine with the
baseline scenario, 14 to 2006 agents, 24 to 480 steps). The estimate is deliberately rough: it
is there to stop a typo (``--set firms.count=1000000``, ``--years 500 --set
run.steps_per_year=3650``, ``--replications 1000000000``) from filling the memory or running for
hours without a word, not to predict to the second.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sim.errors import UserError

SECONDS_PER_AGENT_STEP = 2.5e-4
"""Time of one agent for one step [s] (measured, see the module docstring)."""
BYTES_PER_AGENT_STEP = 2500.0
"""Peak memory of one agent-step with the agents table collected [B]."""
BASE_BYTES = 250e6
"""Memory of the interpreter with the model imported [B]."""

MAX_RUN_SECONDS = 15 * 60.0
"""A single run estimated longer than this needs --force [s]."""
MAX_SWEEP_SECONDS = 24 * 3600.0
"""A sweep or comparison estimated longer than this needs --force [s]."""
MAX_YEARS = 200.0
"""A horizon longer than this needs --force: efficiencies compound past anything meaningful
(the leader's compute passes 1e200 FLOP near 350 years, the floating-point range near 400) [yr]."""
MAX_SWEEP_RUNS = 10**6
"""Most runs in one store: every run's seed is listed in the manifest [runs]."""


@dataclass(frozen=True)
class Estimate:
    """A run's size: agents, steps, and the expected time [s] and peak memory [B]."""

    agents: int
    steps: int
    seconds: float
    bytes: float

    def describe(self) -> str:
        return (
            f"{self.agents:,} agents x {self.steps:,} steps: about {_duration(self.seconds)} "
            f"and {_size(self.bytes)} of memory"
        )


def agent_count(scenario: Any) -> int:
    """Firms, vendors and suppliers of a scenario, counting each entry's ``count``."""
    return sum(
        e.count for group in (scenario.firms, scenario.vendors, scenario.suppliers) for e in group
    )


def estimate_run(scenario: Any, *, agents_table: bool = True) -> Estimate:
    """Time and peak memory of one run of ``scenario`` on one core."""
    agents = agent_count(scenario)
    steps = int(scenario.run.n_steps)
    agent_steps = float(agents) * steps
    per_row = BYTES_PER_AGENT_STEP if agents_table else 0.0
    model_bytes = 2000.0 * agents + 400.0 * steps  # state, and the model table
    return Estimate(
        agents,
        steps,
        SECONDS_PER_AGENT_STEP * agent_steps,
        BASE_BYTES + model_bytes + per_row * agent_steps,
    )


def memory_bytes() -> float:
    """Memory this machine can give a run [B]: MemAvailable on Linux, else the physical memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8e9


def check_run(scenario: Any, *, force: bool) -> Estimate:
    """Refuse (UserError) a run that would not fit in memory, and without ``force`` one longer
    than :data:`MAX_YEARS` or estimated longer than :data:`MAX_RUN_SECONDS`; return the
    estimate."""
    if scenario.run.years > MAX_YEARS and not force:
        raise UserError(
            f"{scenario.run.years:g} years: over {MAX_YEARS:g} years efficiencies compound past "
            "anything meaningful (and past the floating-point range near 400); use fewer "
            "--years, or pass --force"
        )
    estimate = estimate_run(scenario)
    available = memory_bytes()
    if estimate.bytes > available:
        raise UserError(
            f"this run needs {estimate.describe()}, more than the {_size(available)} available; "
            "use fewer firms, steps or --years"
        )
    if estimate.seconds > MAX_RUN_SECONDS and not force:
        raise UserError(
            f"this run would take {estimate.describe()}; use fewer firms, steps or --years, "
            "or pass --force to run it anyway"
        )
    return estimate


def check_sweep(
    scenarios: list[Any], n_runs: int, workers: int, *, force: bool, processes: int = 1
) -> float:
    """Refuse (UserError) more than :data:`MAX_SWEEP_RUNS` runs; runs too big for ``processes``
    of them (this machine's worker processes, each holding one run; 0 for a remote cluster) to
    fit in its memory together; and without ``force`` runs longer than :data:`MAX_YEARS` or a sweep estimated longer than
    :data:`MAX_SWEEP_SECONDS` on ``workers``. Return the time estimate [s]."""
    if n_runs > MAX_SWEEP_RUNS:
        raise UserError(
            f"{n_runs:,} runs: at most {MAX_SWEEP_RUNS:,} in one results store; "
            "use fewer replications or samples"
        )
    longest = max(s.run.years for s in scenarios)
    if longest > MAX_YEARS and not force:
        raise UserError(
            f"{longest:g} years: over {MAX_YEARS:g} years efficiencies compound past anything "
            "meaningful (and past the floating-point range near 400); use fewer years, or pass "
            "--force"
        )
    estimates = [estimate_run(s, agents_table=False) for s in scenarios]
    biggest = max(estimates, key=lambda e: e.bytes)
    available = memory_bytes()
    if biggest.bytes * processes > available:
        raise UserError(
            f"each run needs {biggest.describe()}; {processes} at once need more than "
            f"the {_size(available)} available; use fewer firms, steps or --years, or fewer "
            "--workers"
        )
    per_run = max(e.seconds for e in estimates)
    seconds = per_run * n_runs / max(1, workers)
    if seconds > MAX_SWEEP_SECONDS and not force:
        raise UserError(
            f"{n_runs:,} runs of up to {_duration(per_run)} each on {workers} worker(s): about "
            f"{_duration(seconds)}; use fewer runs or shorter runs, or pass --force"
        )
    return seconds


def check_workers(workers: int, cores: int) -> None:
    """Refuse (UserError) more local worker processes than this machine's memory holds, each an
    interpreter with the model imported (:data:`BASE_BYTES`); ``cores`` is named in the hint."""
    available = memory_bytes()
    needed = workers * BASE_BYTES
    if needed > available:
        most = max(1, int(available // BASE_BYTES))
        raise UserError(
            f"--workers {workers:,}: as many processes need about {_size(needed)} of memory, "
            f"more than the {_size(available)} available; use at most {most:,} (this machine "
            f"has {cores} cores: more workers than cores run no faster)"
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.0f} days"


def _size(n_bytes: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.1f} {unit}"
    return f"{n_bytes / 1e3:.0f} kB"
