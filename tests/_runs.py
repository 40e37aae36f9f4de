"""Model runs that several tests read, simulated once per test process.

A run is a pure function of its scenario and seed (``test_model.py`` proves it), so tests that
only read a run's tables may share it: :func:`run` simulates a scenario once and hands every
caller its own copy of the tables (a test may add columns or sort without touching another's).
Tests that check determinism itself must call :func:`sim.run.simulate`, never these.

Under pytest-xdist each worker process has its own cache; tests sharing a run are best kept
in one module (``--dist loadscope`` keeps a module on one worker).
"""

from __future__ import annotations

import copy
import dataclasses

from sim.model import EfficiencyRaceModel
from sim.params import Scenario
from sim.run import RunResult, collect, seed_of, simulate

_RUNS: dict[tuple[Scenario, int], tuple[RunResult, EfficiencyRaceModel]] = {}


def run_and_model(
    scenario: Scenario, seed: int | None = None
) -> tuple[RunResult, EfficiencyRaceModel]:
    """The run of ``scenario`` with ``seed`` (default: the scenario's) and its model after the
    last step, simulated on the first call. The model is shared: read it, do not step it."""
    resolved = seed_of(seed, scenario)
    assert isinstance(resolved, int), "cached runs take an int seed"
    key = (scenario, resolved)
    if key not in _RUNS:
        model = EfficiencyRaceModel(scenario, rng=resolved)
        _RUNS[key] = (simulate(scenario, model=model), model)
    result, model = _RUNS[key]
    return _copy(result), model


def run(scenario: Scenario, seed: int | None = None) -> RunResult:
    """:func:`sim.run.simulate`'s result for ``scenario`` and ``seed``, simulated once."""
    return run_and_model(scenario, seed)[0]


def remember(model: EfficiencyRaceModel, seed: int) -> None:
    """Keep the run of a model a test stepped itself over its whole horizon (with checks after
    every step), so later tests read it instead of simulating the scenario again."""
    scenario = model.config
    assert model.steps == scenario.run.n_steps, "only whole runs are kept"
    _RUNS.setdefault((scenario, seed), (collect(model, seed), model))


def _copy(result: RunResult) -> RunResult:
    return dataclasses.replace(
        result,
        model=result.model.copy(),
        agents=result.agents.copy(),
        extras=copy.deepcopy(result.extras),
    )
