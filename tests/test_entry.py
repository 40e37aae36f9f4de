"""Entry from a declared pool, and re-planning when a policy lever starts."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import EfficiencyRaceModel
from sim.run import simulate
from sim.scenario import load_scenario

THRESHOLDS = (0.3, 0.4)
"""Entry thresholds set by hand (the hazard each entrant waits for, drawn Exp(1) in a run), so
that what the tests check does not hang on one seed's draws."""


def _entering(scenario, seed: int = 0) -> EfficiencyRaceModel:  # type: ignore[no-untyped-def]
    model = EfficiencyRaceModel(scenario, rng=seed)
    assert len(model._entry_thresholds) == len(THRESHOLDS)  # baseline's pool of two
    model._entry_thresholds = np.array(THRESHOLDS)
    return model


def _run(hurdle: float, years: float = 6.0):
    scenario = load_scenario(
        "baseline", {"market.hurdle_rate_per_year": hurdle, "run.years": years}
    )
    return scenario, simulate(scenario, model=_entering(scenario))


def test_entrants_enter_when_returns_beat_the_hurdle_one_a_year_behind_the_frontier():
    scenario, result = _run(hurdle=0.02)
    firms = result.agents[result.agents.agent_type == "firm"]
    pool = [f for f in scenario.firms if f.entry_year > scenario.run.start_year]
    assert pool, "baseline declares a pool of entrants"
    first_seen = firms.groupby("name").year.min()
    entrants = first_seen[first_seen > scenario.run.start_year + scenario.run.dt_years + 1e-9]
    assert len(entrants) >= 2
    assert (entrants >= pool[0].entry_year).all()
    for name, year in entrants.items():
        at_entry = firms[firms.year == year]
        assert at_entry.set_index("name").loss[name] > at_entry.loss.min()  # behind the leader
        assert at_entry.set_index("name").market_share[name] == 0.0  # no fleet yet
    counts = result.model.n_firms_active.to_numpy()
    assert counts[0] == sum(f.count for f in scenario.firms) - sum(f.count for f in pool)
    assert counts.max() == counts[0] + len(entrants)
    assert result.model.ledger_imbalance_usd.abs().max() < 1e-2  # the entrants' cash is booked


def test_entry_is_a_hazard_on_returns_above_the_hurdle():
    from sim.finance import entry_hazard_per_year

    assert entry_hazard_per_year(0.05, 0.1) == 0.0  # below the hurdle: none
    assert entry_hazard_per_year(0.15, 0.1) == pytest.approx(0.5)  # half a firm a year
    assert entry_hazard_per_year(0.5, 0.1) == 1.0  # at most one a year on average
    assert entry_hazard_per_year(0.015, 0.0) == pytest.approx(1.0)  # a 0 hurdle scales by 1%


def test_entry_dates_do_not_move_with_the_step():
    """The thresholds are drawn at the start and the hazard is integrated over time, so the
    entrants come at the same dates, to within a step, whatever the step."""
    dates = {}
    for steps in (12, 24):
        scenario = load_scenario(
            "baseline",
            {"market.hurdle_rate_per_year": 0.02, "run.years": 6.0, "run.steps_per_year": steps},
        )
        firms = simulate(scenario, model=_entering(scenario)).agents.query("agent_type == 'firm'")
        dates[steps] = firms.groupby("name").year.min().filter(like="Entrant")
    assert len(dates[12]) == 2
    np.testing.assert_allclose(dates[24], dates[12], atol=1.0 / 12 + 1e-9)


def test_no_entry_while_returns_stay_below_the_hurdle():
    _, result = _run(hurdle=2.0)
    assert result.model.n_firms_active.max() == result.model.n_firms_active.iloc[0]
    names = set(result.agents[result.agents.agent_type == "firm"].name)
    assert not any(n.startswith("Entrant") for n in names)


def test_split_and_extend_round_trip_a_table():
    model = EfficiencyRaceModel("baseline", rng=0, collect_agents=False)
    firms = model.firm_table
    before = firms.cash_usd.copy(), list(firms.names), firms.fleet_watts.copy()
    moved = firms.split(np.arange(len(firms)) >= len(firms) - 2)
    assert len(moved) == 2 and len(firms) == len(before[1]) - 2
    firms.extend(moved)
    np.testing.assert_array_equal(firms.cash_usd, before[0])
    np.testing.assert_array_equal(firms.fleet_watts, before[2])
    assert firms.names == before[1]


def test_adaptive_firms_replan_in_the_step_a_lever_starts():
    """A carbon tax starting between reviews: every adaptive firm reviews in that step."""
    overrides = {
        "run.years": 3.0,
        "policies.carbon_tax.usd_per_t_co2": 100.0,
        "policies.carbon_tax.from_year": 2025.5,
    }
    scenario = load_scenario("baseline", overrides)
    firms = simulate(scenario, 0).agents
    firms = firms[firms.agent_type == "firm"].pivot(
        index="year", columns="name", values="chip_share"
    )
    adaptive = [f.name for f in scenario.firms if f.adaptive and f.entry_year <= 2024]
    years = firms.index.to_numpy()
    start = int(np.argmin(np.abs(years - (2025.5 + scenario.run.dt_years))))
    changed = firms[adaptive].iloc[start] != firms[adaptive].iloc[start - 1]
    assert changed.all()
    quiet = firms[adaptive].iloc[start + 1] != firms[adaptive].iloc[start]
    assert not quiet.any()  # the next step is not a review


@pytest.mark.parametrize("hurdle", [0.03])
def test_entrants_pay_their_way_through_the_ledger(hurdle):
    _, result = _run(hurdle=hurdle, years=4.0)
    assert np.isfinite(result.model.total_surplus_usd).all()


def test_users_data_adds_to_each_firms_stock_in_proportion_to_tokens_served() -> None:
    scenario = load_scenario("baseline", {"run.years": 3.0, "law.user_data_share": 0.01})
    result = simulate(scenario, 0)
    firms = result.agents[result.agents.agent_type == "firm"]
    last = firms[firms.year == firms.year.max()]
    served = result.model.tokens_served.sum()
    assert last.own_data_tokens.sum() == pytest.approx(0.01 * served, rel=1e-9)
    assert (last.own_data_tokens > 0).all()
    none = simulate(load_scenario("baseline", {"run.years": 1.0, "law.user_data_share": 0.0}), 0)
    assert (none.agents.own_data_tokens.dropna() == 0).all()
