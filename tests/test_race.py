"""The race emerges (issue 9): the seed and strategy decide who leads, buyers respond to price and
quality, investors want a return, R&D stops where it stops paying, and value capture is defined
in every step. Runs are short so the file stays fast; the full measurements are in the notes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.model import MODEL_OUTPUTS
from sim.run import RunResult, simulate
from sim.scenario import load_scenario, shipped_names

SURPLUS_SHARES = [c for c in MODEL_OUTPUTS if c.startswith("surplus_share_")]


def leader(result: RunResult) -> str:
    firms = result.agents[result.agents["agent_type"] == "firm"]
    last = firms[firms["step"] == firms["step"].max()]
    return str(last.loc[last["market_share"].idxmax(), "name"])


def test_identical_firms_leader_depends_on_the_seed() -> None:
    scenario = load_scenario("symmetric", {"run.years": 4})
    leaders = {leader(simulate(scenario, seed=seed)) for seed in range(8)}
    assert len(leaders) >= 3, leaders


def test_the_same_seed_gives_the_same_race() -> None:
    scenario = load_scenario("symmetric", {"run.years": 2})
    a, b = simulate(scenario, seed=5), simulate(scenario, seed=5)
    pd.testing.assert_frame_equal(a.agents, b.agents)
    assert not simulate(scenario, seed=6).agents["loss"].equals(a.agents["loss"])


def test_rnd_never_exceeds_what_pays_at_the_margin() -> None:
    result = simulate(load_scenario("baseline", {"run.years": 5}), seed=0)
    firms = result.agents[result.agents["agent_type"] == "firm"]
    dt = result.scenario.run.dt_years
    assert (firms["rnd_usd"] <= firms["rnd_optimal_usd_per_year"] * dt * (1 + 1e-9)).all()
    # the marginal rule sits below the level where R&D as a whole just pays
    spent = firms["rnd_optimal_usd_per_year"] > 0
    assert (
        firms.loc[spent, "rnd_optimal_usd_per_year"]
        < firms.loc[spent, "rnd_break_even_usd_per_year"]
    ).all()
    assert spent.any()


def test_an_energy_cap_lowers_tokens_spending_and_consumer_surplus() -> None:
    # without random breakthroughs: the cap moves tokens by ~1%, less than one lucky draw does
    overrides = {"run.years": 8, "firms.breakthrough_mean_size_doublings": 0.0}
    base = simulate(load_scenario("baseline", overrides), seed=0).model
    capped = simulate(load_scenario("energy-cap", overrides), seed=0).model
    after = base["year"] > 2027.0
    for column in ("tokens_served", "spending_usd_per_year", "consumer_surplus_usd"):
        assert capped.loc[after, column].sum() < base.loc[after, column].sum(), column
    for column in ("price_usd_per_million_tokens", "outside_option_share"):
        assert capped.loc[after, column].mean() > base.loc[after, column].mean(), column
    assert (
        capped.loc[after, "energy_delivered_mwh"].sum()
        < 0.5 * base.loc[after, "energy_delivered_mwh"].sum()
    )


def test_buyers_leave_for_the_outside_options_when_offers_are_poor() -> None:
    good = simulate(load_scenario("baseline", {"run.years": 1}), seed=0).model
    # an open model far ahead of every firm's, for almost nothing: it takes most tasks
    better_open = {"market.open_model_compute_flop": 1e32, "run.years": 1}
    poor = simulate(load_scenario("baseline", better_open), seed=0).model
    assert (poor["open_model_share"] > 0.5).all()
    # tasks that take so many tokens that no offer is worth its price: most are not bought
    long_tasks = {"market.tokens_per_task": 1e8, "run.years": 1}
    idle = simulate(load_scenario("baseline", long_tasks), seed=0).model
    assert (idle["outside_option_share"] - idle["open_model_share"] > 0.5).all()
    # in the baseline most tasks go to the firms (some are priced out while serving capacity
    # is short of demand)
    assert good["outside_option_share"].iloc[-1] < 0.5


def test_investors_stop_funding_when_returns_fall_below_the_hurdle() -> None:
    # no buyers to speak of: returns stay below any hurdle, so investors put in nothing
    broke = load_scenario("baseline", {"run.years": 2, "market.potential_tasks_per_year": 1e3})
    model = simulate(broke, seed=0).model
    assert model["investor_funding_usd"].sum() == 0.0
    assert model["dividends_usd"].sum() == 0.0
    rich = simulate(load_scenario("baseline", {"run.years": 2}), seed=0).model
    assert rich["investor_funding_usd"].sum() > 0.0


@pytest.mark.parametrize(
    "setting", [{"market.hurdle_rate_per_year": 1e-9}, {"market.funding_adjustment_years": 1e-6}]
)
def test_investors_ration_their_supply_at_extreme_settings(setting: dict[str, float]) -> None:
    # a hurdle near 0 (or an instant adjustment) makes every firm want e^(huge) its capital:
    # investors hand out what they have, pro rata, instead of overflowing
    scenario = load_scenario("baseline", {"run.years": 1, **setting})
    model = simulate(scenario, seed=0).model
    funding = model["investor_funding_usd"].to_numpy()
    assert np.isfinite(funding).all() and (funding >= 0).all() and funding.sum() > 0
    supply = scenario.market.investor_funding_usd_per_year * scenario.run.dt_years
    assert (funding <= supply * 1.5).all()  # the capital path grows within the year
    assert np.abs(model["ledger_imbalance_usd"]).max() < 1e-3


@pytest.mark.slow
@pytest.mark.parametrize("name", shipped_names())
def test_value_capture_is_defined_in_every_step(name: str) -> None:
    model = simulate(load_scenario(name, {"run.years": 3}), seed=0).model
    shares = model[SURPLUS_SHARES].to_numpy()
    assert np.isfinite(shares).all()
    # gainers' shares sum to 1 (or all are 0 when nobody gains); losers' are negative
    gains = np.clip(shares, 0.0, None).sum(axis=1)
    assert np.all((np.abs(gains - 1.0) < 1e-9) | (gains == 0.0) | (gains < 1.0))
    assert np.isfinite(model["total_surplus_usd"]).all()
    assert (model["consumer_surplus_usd"] >= 0).all()


def test_permits_are_a_tax_inside_the_firms_value_added() -> None:
    """Under an auctioned energy cap firms pay the government for permits: a cost, so in their
    energy spending and profit, but a tax on production, which gross value added is gross of
    (as the suppliers' carbon tax is). It was subtracted as an input: energy-cap's firms had a
    value added of -2.6e10 USD on revenue of 5.7e9 in a step."""
    model = simulate(load_scenario("energy-cap", {"run.years": 5}), seed=0).model
    permits = model.permit_revenue_usd
    assert (permits > 0).sum() >= 12  # the cap binds and permits are sold
    np.testing.assert_allclose(permits, model.government_revenue_usd, rtol=1e-12)
    bought = model.energy_spend_firms_usd - permits  # energy from suppliers, the input
    np.testing.assert_allclose(
        model.value_added_firms_usd, model.revenue_firms_usd - bought, rtol=1e-9, atol=1e-3
    )
    np.testing.assert_allclose(
        model.revenue_firms_usd - model.costs_firms_usd,
        model.profit_firms_usd,
        rtol=1e-9,
        atol=1e-3,
    )


def test_sector_accounts_add_up_from_the_agents_and_the_ledger() -> None:
    """Costs are what profit is net of; gross value added is sales less inputs used up (firms:
    energy; chips are capital); sector columns are the sums of the agents'."""
    result = simulate(load_scenario("baseline", {"run.years": 2}), seed=0)
    model, agents = result.model.set_index("year"), result.agents
    for kind, sector in (("firm", "firms"), ("vendor", "vendors"), ("supplier", "suppliers")):
        rows = agents[agents.agent_type == kind].groupby("year")
        for column in ("revenue_usd", "profit_usd", "costs_usd", "value_added_usd"):
            sector_column = column.replace("_usd", f"_{sector}_usd")
            np.testing.assert_allclose(
                rows[column].sum().to_numpy(), model[sector_column].to_numpy(), rtol=1e-12
            )
    firms = agents[agents.agent_type == "firm"]
    assert (firms.value_added_usd <= firms.revenue_usd).all()
    model_rows = result.model
    energy = model_rows.energy_spend_firms_usd
    np.testing.assert_allclose(
        model_rows.value_added_firms_usd, model_rows.revenue_firms_usd - energy, rtol=1e-12
    )
    np.testing.assert_allclose(
        model_rows.costs_firms_usd,
        model_rows.revenue_firms_usd - model_rows.profit_firms_usd,  # no subsidy in baseline
        rtol=1e-12,
    )


@pytest.mark.slow
def test_switching_costs_make_leads_last() -> None:
    # identical labs: with buyers leaning toward the installed base, the shares that luck spread
    # out stay more spread out than without it
    def spread(elasticity: float, seed: int) -> float:
        scenario = load_scenario(
            "symmetric", {"run.years": 8, "market.installed_base_elasticity": elasticity}
        )
        firms = simulate(scenario, seed=seed).agents
        last = firms[(firms["agent_type"] == "firm") & (firms["step"] == firms["step"].max())]
        share = last["market_share"].to_numpy()
        return float(share.std() / share.mean())

    with_base = np.mean([spread(0.9, seed) for seed in range(4)])
    without = np.mean([spread(0.0, seed) for seed in range(4)])
    assert with_base > 1.15 * without, (with_base, without)


def test_installed_base_is_the_smoothed_share_of_the_firms_tasks() -> None:
    # the baseline's labs differ, so the first step's shares (where the base starts) are not
    # equal
    result = simulate(load_scenario("baseline", {"run.years": 2}), seed=1)
    market = result.scenario.market
    firms = result.agents[result.agents["agent_type"] == "firm"]
    share = firms.pivot(index="step", columns="name", values="market_share")
    base = firms.pivot(index="step", columns="name", values="installed_base")
    weight = -np.expm1(-result.scenario.run.dt_years / market.installed_base_years)
    expected = (share.iloc[0] / share.iloc[0].sum()).to_numpy()  # the first step's users
    for step in range(1, len(share)):
        target = (share.iloc[step] / share.iloc[step].sum()).to_numpy()
        expected = expected + (target - expected) * weight
    np.testing.assert_allclose(base.iloc[-1].to_numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(base.sum(axis=1), 1.0, rtol=1e-12)
