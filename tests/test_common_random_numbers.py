"""Common random numbers: runs that share a seed share every mechanism's draws, step by step,
whatever the other mechanisms drew (sim.model.EfficiencyRaceModel.step_rng)."""

from __future__ import annotations

import numpy as np

from sim.model import STREAMS, EfficiencyRaceModel
from sim.run import simulate
from sim.scenario import load_scenario


def test_a_policy_that_changes_research_leaves_the_demand_draws_as_they_were() -> None:
    # the subsidy from 2026 changes every firm's R&D, hence its breakthroughs and its strategy
    # reviews; the demand shocks (the only random part of the potential tasks) stay the same
    runs = [
        simulate(load_scenario(name, {"run.years": 5.0}), 3).model
        for name in ("baseline", "rnd-subsidy")
    ]
    base, policy = (m["potential_tasks_per_year"].to_numpy() for m in runs)
    assert not np.allclose(
        runs[0]["rnd_spend_firms_usd"].to_numpy(), runs[1]["rnd_spend_firms_usd"].to_numpy()
    )
    np.testing.assert_array_equal(policy, base)


def test_each_mechanism_and_step_has_a_stream_of_its_own() -> None:
    a = EfficiencyRaceModel("baseline", rng=5, collect_agents=False)
    b = EfficiencyRaceModel("baseline", rng=5, collect_agents=False)
    a.rng.random(1_000)  # whatever else was drawn from the model's generator
    a.step()
    b.step()
    draws = {name: a.step_rng(name).random(3) for name in STREAMS}
    for name in STREAMS:
        np.testing.assert_array_equal(b.step_rng(name).random(3), draws[name])
    assert len({tuple(d) for d in draws.values()}) == len(STREAMS)  # the mechanisms differ
    b.step()
    assert not np.array_equal(b.step_rng("demand").random(3), draws["demand"])  # so do steps
    other = EfficiencyRaceModel("baseline", rng=6, collect_agents=False)
    other.step()
    assert not np.array_equal(other.step_rng("demand").random(3), draws["demand"])  # and seeds


def test_a_yearly_review_draws_the_same_numbers_whatever_the_step() -> None:
    # streams are keyed by the time at the end of the step, so halving the step (as the
    # step-length check of sim.validate does) leaves the draws of the yearly reviews alone
    draws = []
    for per_year in (12, 24):
        model = EfficiencyRaceModel(
            load_scenario("baseline", {"run.steps_per_year": per_year}), rng=2, collect_agents=False
        )
        for _ in range(per_year):
            model.step()
        draws.append(model.step_rng("strategy").random(4))
    np.testing.assert_array_equal(draws[1], draws[0])


def test_a_generator_passed_in_gives_the_streams_entropy_drawn_from_it() -> None:
    def demand_draws(rng: np.random.Generator) -> np.ndarray:
        model = EfficiencyRaceModel("baseline", rng=rng, collect_agents=False)
        model.step()
        return model.step_rng("demand").random(3)

    # a fresh generator of a seed gives the same run every time
    np.testing.assert_array_equal(
        demand_draws(np.random.default_rng(9)), demand_draws(np.random.default_rng(9))
    )
    # two models drawing in turn from one generator differ, as two runs drawing from it would
    shared = np.random.default_rng(9)
    assert not np.array_equal(demand_draws(shared), demand_draws(shared))
