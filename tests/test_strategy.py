"""Firms' strategy at the margin (sim.strategy): closed forms, a finite-difference check of the
value of training against the logit market, and the review rule's bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import demand, strategy
from sim.run import simulate
from sim.scenario import load_scenario

V, T, MU, SCALE, KAPPA = 2.0, 1000.0, 0.3, 0.05, 0.15


def _profit_usd_per_year(utility: np.ndarray, price: np.ndarray, cost: np.ndarray, m: float):
    shares = demand.choice_shares(utility, MU, open_utility_usd_per_task=0.5).firm
    return (price - cost) * T * m * shares, shares


def test_training_value_matches_the_logit_market_by_finite_differences():
    """dpi/dC at fixed prices, from shares computed by the logit itself, equals the closed
    form (per year, so with one year of lead)."""
    m, excess, c = 1e9, np.array([0.04, 0.06]), np.array([3e26, 1e26])
    price, cost = np.array([2e-3, 1.5e-3]), np.array([1e-3, 1e-3])

    def utility(excess_loss):
        return V * demand.task_success(excess_loss, SCALE) - T * price

    base, shares = _profit_usd_per_year(utility(excess), price, cost, m)
    rel = 1e-6  # one more FLOP in relative terms: L - E scales as C^-kappa
    moved = excess * (1.0 + rel) ** -KAPPA
    bumped, _ = _profit_usd_per_year(utility(np.array([moved[0], excess[1]])), price, cost, m)
    numeric = (bumped[0] - base[0]) / (c[0] * rel)
    closed = strategy.training_value_usd_per_flop(
        m * shares,
        (price - cost) * T,
        shares,
        MU,
        V,
        demand.task_success(excess, SCALE),
        excess,
        SCALE,
        KAPPA,
        c,
        1.0,
    )
    assert closed[0] == pytest.approx(numeric, rel=1e-4, abs=0.0)
    assert closed[0] > 0


def test_training_value_at_nash_is_tasks_times_the_utility_gain():
    """At the Nash markup (p - c) T = mu / (1 - s), dpi/dU is the tasks sold."""
    s, tasks, excess, c, years = 0.3, 5e8, 0.05, 1e27, 2.5
    value = strategy.training_value_usd_per_flop(
        tasks, MU / (1 - s), s, MU, V, 0.4, excess, SCALE, KAPPA, c, years
    )
    assert float(value) == pytest.approx(
        tasks * V * 0.4 * KAPPA * excess / (SCALE * c) * years, rel=1e-12, abs=0.0
    )


def test_training_value_is_zero_without_sales_margin_or_excess_loss():
    args = dict(
        noise_usd_per_task=MU,
        value_usd_per_task=V,
        task_success=0.5,
        loss_scale_nats_per_token=SCALE,
        kappa=KAPPA,
        cumulative_logical_flop=1e26,
        years=1.0,
    )
    assert (
        strategy.training_value_usd_per_flop(0.0, 1.0, 0.1, excess_loss_nats_per_token=0.1, **args)
        == 0
    )
    assert (
        strategy.training_value_usd_per_flop(1e9, -1.0, 0.1, excess_loss_nats_per_token=0.1, **args)
        == 0
    )
    assert (
        strategy.training_value_usd_per_flop(1e9, 1.0, 0.1, excess_loss_nats_per_token=0.0, **args)
        == 0
    )


def test_training_value_scales_with_the_elasticity_of_the_compute_that_counts():
    # past the data wall only a share eps of a FLOP's proportional effect reaches the loss
    args = dict(
        noise_usd_per_task=MU,
        value_usd_per_task=V,
        task_success=0.8,
        excess_loss_nats_per_token=0.2,
        loss_scale_nats_per_token=SCALE,
        kappa=KAPPA,
        cumulative_logical_flop=1e30,
        years=2.0,
    )
    free = strategy.training_value_usd_per_flop(1e9, 0.5, 0.2, **args)
    limited = strategy.training_value_usd_per_flop(
        1e9, 0.5, 0.2, **args, compute_elasticity=np.array([1.0, 0.25, 0.0])
    )
    np.testing.assert_allclose(limited, [free, 0.25 * free, 0.0], rtol=1e-15)


def test_cost_ratio_carries_an_average_to_todays_cost_and_is_one_when_unknown():
    ratio = strategy.cost_ratio(
        np.array([1e-27, 2e-27, np.nan, 1e-27, 0.0]), np.array([3e-27, 1e-27, 1e-27, np.nan, 1.0])
    )
    np.testing.assert_allclose(ratio, [1 / 3, 2.0, 1.0, 1.0, 1.0], rtol=1e-15)


def test_serving_value_is_the_margin_per_flop_only_where_capacity_binds():
    value = strategy.serving_value_usd_per_flop(
        np.array([3e-6, 3e-6, np.nan]), 1e-6, 2e11, np.array([True, False, True])
    )
    np.testing.assert_allclose(value, [2e-6 / 2e11, 0.0, 0.0])


def test_log_ratio_signal_direction_and_bounds():
    signal = strategy.log_ratio_signal(
        [2.0, 1.0, 5.0, 0.0, 0.0, 1.0], [1.0, 2.0, 0.0, 5.0, 0.0, 1e9]
    )
    np.testing.assert_allclose(signal, [math.log(2), -math.log(2), 1.0, -1.0, 0.0, -1.0])


@settings(max_examples=60, deadline=None)
@given(
    share=st.floats(0.0, 1.0),
    signal=st.floats(-1.0, 1.0),
    step=st.floats(0.0, 2.0),
    draw=st.floats(-4.0, 4.0),
)
def test_adjust_share_stays_inside_its_bounds_and_follows_the_signal(share, signal, step, draw):
    moved = float(strategy.adjust_share(share, signal, step, 0.0, draw))
    assert strategy.SHARE_BOUND <= moved <= 1.0 - strategy.SHARE_BOUND
    start = min(max(share, strategy.SHARE_BOUND), 1.0 - strategy.SHARE_BOUND)
    if signal * step > 1e-9:
        assert moved >= start - 1e-12
    elif signal * step < -1e-9:
        assert moved <= start + 1e-12
    else:
        assert moved == pytest.approx(start)
    noisy = float(strategy.adjust_share(share, signal, step, 0.05, draw))
    assert strategy.SHARE_BOUND <= noisy <= 1.0 - strategy.SHARE_BOUND


def test_adjust_share_step_in_log_odds():
    moved = float(strategy.adjust_share(0.5, 1.0, math.log(3.0), 0.0, 0.0))
    assert moved == pytest.approx(0.75)


@pytest.mark.slow
def test_adaptive_firms_move_their_strategies_and_non_adaptive_ones_keep_them():
    scenario = load_scenario("baseline")
    agents = simulate(scenario, 0).agents
    firms = agents[agents.agent_type == "firm"]
    start = firms[firms.year == firms.year.min()].set_index("name")
    end = firms[firms.year == firms.year.max()].set_index("name")
    adaptive = {f.name for f in scenario.firms if f.adaptive}
    assert adaptive and len(adaptive) < len(scenario.firms)
    for name in end.index.intersection(start.index):  # entrants are not there at the start
        moved = abs(end.loc[name, "training_share"] - start.loc[name, "training_share"])
        if name in adaptive:
            assert moved > 0.01
        else:
            assert moved == 0.0
