"""Investors and payouts (sim/finance.py): closed forms and invariants with small budgets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import finance

# --------------------------------------------------------------------------------------------
# Smoothing and growth
# --------------------------------------------------------------------------------------------


def test_smooth_closed_form() -> None:
    # one time constant: 1 - 1/e of the way; tau = 0: straight to the new value
    assert finance.smooth(0.0, 1.0, 2.0, 2.0) == pytest.approx(1 - math.exp(-1), rel=1e-15)
    assert finance.smooth(5.0, 1.0, 0.1, 0.0) == 1.0


@settings(max_examples=40, deadline=None)
@given(st.floats(-1e9, 1e9), st.floats(-1e9, 1e9), st.floats(1e-3, 2.0), st.floats(1e-2, 10.0))
def test_smooth_does_not_depend_on_the_step(
    previous: float, new: float, dt: float, tau: float
) -> None:
    half = finance.smooth(finance.smooth(previous, new, dt / 2, tau), new, dt / 2, tau)
    full = finance.smooth(previous, new, dt, tau)
    assert half == pytest.approx(full, rel=1e-12, abs=1e-6)


def test_growth_rate_closed_form_and_zeros() -> None:
    np.testing.assert_allclose(
        finance.growth_rate_per_year([3.0, 1.0, 0.0, 2.0], [1.0, 2.0, 1.0, 0.0], 0.5),
        [2 * math.log(3.0), 2 * math.log(0.5), 0.0, 0.0],
        rtol=1e-15,
    )


def test_loss_streak_counts_and_resets() -> None:
    np.testing.assert_allclose(
        finance.loss_streak_years([1.0, 1.0, 0.0], [-5.0, 5.0, 0.0], 0.25), [1.25, 0.0, 0.0]
    )


# --------------------------------------------------------------------------------------------
# Expected return and funding
# --------------------------------------------------------------------------------------------


def test_expected_return_closed_form() -> None:
    # 1 B profit on 10 B capital, revenue growing 30 %/yr, no losses: 0.1 + 0.3
    r = finance.expected_return_per_year(1e9, 1e10, 0.3, 0.0)
    assert r == pytest.approx(0.4, rel=1e-15)
    # growth capped at 1/yr; after 3 years of losses (patience 3 yr) it counts 1/e
    r = finance.expected_return_per_year(-1e9, 1e10, 5.0, 3.0)
    assert r == pytest.approx(-0.1 + math.exp(-1.0), rel=1e-14)
    # falling revenue always counts in full, whatever the streak
    r = finance.expected_return_per_year(0.0, 1e10, -0.2, 10.0)
    assert r == pytest.approx(-0.2, rel=1e-15)
    # no capital: floored, so finite
    assert np.isfinite(finance.expected_return_per_year(1.0, 0.0, 0.0, 0.0))


def test_funding_demand_is_tobins_q() -> None:
    # return twice the hurdle: q = 2, so capital / adjustment time a year
    demand = finance.funding_demand_usd_per_year([1e10, 1e10, 1e10], [0.24, 0.12, 0.05], 0.12, 2.0)
    np.testing.assert_allclose(demand, [5e9, 0.0, 0.0], rtol=1e-14)


def test_allocation_is_bounded_by_supply() -> None:
    np.testing.assert_allclose(finance.allocate_funding_usd_per_year([1.0, 3.0], 8.0), [1, 3])
    np.testing.assert_allclose(finance.allocate_funding_usd_per_year([1.0, 3.0], 2.0), [0.5, 1.5])
    np.testing.assert_array_equal(finance.allocate_funding_usd_per_year([0.0, 0.0], 0.0), [0, 0])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 1e12, allow_subnormal=False), min_size=1, max_size=8),
    st.floats(0, 1e13, allow_subnormal=False),
)
def test_allocation_invariants(demand: list[float], supply: float) -> None:
    got = finance.allocate_funding_usd_per_year(demand, supply)
    assert np.all(got >= 0.0)
    assert np.all(got <= np.array(demand) * (1 + 1e-12))
    assert got.sum() <= supply * (1 + 1e-12)
    if sum(demand) <= supply:
        np.testing.assert_array_equal(got, demand)


def test_funding_of_a_firm_that_keeps_losing_money_dries_up() -> None:
    # capital 10 B losing 1 B a year while revenue grows 50 %/yr: investors credit the growth
    # less each year; r = -0.1 + 0.5 exp(-t / 3) falls below the 12 % hurdle at
    # t = 3 ln(0.5 / 0.22) = 2.46 years, after which funding stops
    dt, streak, funded = 1 / 12, 0.0, []
    for _ in range(48):
        streak = float(finance.loss_streak_years(streak, -1e9, dt))
        r = finance.expected_return_per_year(-1e9, 1e10, 0.5, streak)
        funded.append(float(finance.funding_demand_usd_per_year(1e10, r, 0.12, 2.0)))
    funded_array = np.array(funded)
    assert funded_array[0] > 0.0
    assert np.all(np.diff(funded_array) <= 0.0)
    months = np.flatnonzero(funded_array == 0.0)[0]
    assert months / 12 == pytest.approx(3 * math.log(0.5 / 0.22), abs=dt)


# --------------------------------------------------------------------------------------------
# Dividends
# --------------------------------------------------------------------------------------------


def test_dividends_closed_form() -> None:
    got = finance.dividends_usd(
        profit_usd=[10.0, 10.0, -10.0, 10.0],
        cash_usd=[100.0, 53.0, 100.0, 10.0],
        buffer_usd=[50.0, 50.0, 50.0, 50.0],
        payout_share=0.5,
    )
    # half the profit; capped by the 3 above the buffer; nothing from a loss or below the buffer
    np.testing.assert_allclose(got, [5.0, 3.0, 0.0, 0.0])
    assert finance.cash_buffer_usd([2e9, -1.0], 1.5).tolist() == [3e9, 0.0]


@settings(max_examples=40, deadline=None)
@given(st.floats(-1e10, 1e10), st.floats(0, 1e11), st.floats(0, 1e11), st.floats(0, 1))
def test_dividends_never_breach_the_buffer(
    profit: float, cash: float, buffer: float, share: float
) -> None:
    paid = float(finance.dividends_usd(profit, cash, buffer, share))
    assert 0.0 <= paid <= max(profit, 0.0) * share + 1e-9
    assert cash - paid >= min(cash, buffer) - 1e-6


# --------------------------------------------------------------------------------------------
# Who earns what
# --------------------------------------------------------------------------------------------


def test_total_surplus_closed_form() -> None:
    # 10 consumers + (3 - 1 + 2) profits + 1 government - 2 tCO2 x 0.5 = 14
    total = finance.total_surplus_usd(10.0, [3.0, -1.0, 2.0], 1.0, 2.0, 0.5)
    assert total == pytest.approx(14.0)


def test_surplus_shares_stay_defined() -> None:
    # no losers: plain shares of the total
    np.testing.assert_allclose(finance.surplus_shares([6.0, 3.0, 1.0]), [0.6, 0.3, 0.1])
    # a loser: gainers still sum to 1, the loser's share is its loss over the gross gain
    np.testing.assert_allclose(finance.surplus_shares([6.0, -3.0, 4.0]), [0.6, -0.3, 0.4])
    # a negative total is never the denominator; nobody gains: zeros, not NaN
    np.testing.assert_allclose(finance.surplus_shares([1.0, -5.0]), [1.0, -5.0])
    np.testing.assert_array_equal(
        finance.surplus_shares([[0.0, -1.0], [2.0, 2.0]]), [[0, 0], [0.5, 0.5]]
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.just(0.0) | st.floats(1e-3, 1e12) | st.floats(-1e12, -1e-3), min_size=1, max_size=7)
)
def test_surplus_shares_invariants(parts: list[float]) -> None:
    shares = finance.surplus_shares(parts)
    assert np.all(np.isfinite(shares))
    gains = shares[np.array(parts) > 0]
    if gains.size:
        assert gains.sum() == pytest.approx(1.0, rel=1e-12)
        assert np.all(np.sign(shares) == np.sign(parts))
    else:
        np.testing.assert_array_equal(shares, 0.0)


# --------------------------------------------------------------------------------------------
# Registering a training run above the compute threshold, or holding it at the threshold
# --------------------------------------------------------------------------------------------


def _pays(cost_usd: float, delay: float = 0.0, planned: float = 2e27) -> bool:
    return bool(
        finance.run_above_threshold_pays(
            [planned], 1e27, [1.0], [1e26], 0.2, [0.5], [4e9], [5.0], cost_usd, delay
        )[0]
    )


def test_run_above_threshold_pays_when_the_better_model_is_worth_the_cost() -> None:
    # by hand: the registered model has 1e26 + 2e27, the held one 1e26 + 1e27 logical FLOP;
    # excess loss lower by 1 - (2.1/1.1)^-0.2, revenue up by elasticity 0.5 times that, 5 years
    value = (1 - (2.1e27 / 1.1e27) ** -0.2) * 0.5 * 4e9 * 5.0
    assert _pays(value * 0.999)
    assert not _pays(value * 1.001)


def test_run_at_or_below_the_threshold_is_never_registered() -> None:
    assert not _pays(0.0, planned=1e27)
    assert not _pays(0.0, planned=5e26)


def test_a_delay_that_costs_more_than_the_run_gains_is_never_worth_it() -> None:
    # 2e27 with 60% lost trains 8e26 < the 1e27 the firm could train by holding: no gain
    assert not _pays(0.0, delay=0.6)
    assert _pays(0.0, delay=0.4)


@settings(max_examples=30, deadline=None)
@given(st.floats(1e24, 1e30), st.floats(0.0, 1.0), st.floats(0.0, 1e12))
def test_registering_is_monotone_in_the_cost(planned: float, delay: float, cost: float) -> None:
    # a firm that registers at some cost registers at any lower cost
    if _pays(cost, delay, planned):
        assert _pays(cost / 2, delay, planned)
