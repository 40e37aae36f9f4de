"""Capacity that must be built (sim/capacity.py): pipelines, supply curves, hand values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import capacity

BUDGET = settings(max_examples=150, deadline=None)


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


# --- pipelines -------------------------------------------------------------------------------


def test_tranche_by_hand() -> None:
    # 120 MW ordered evenly over [1, 2] with a 3-year lead arrives evenly over [4, 5]
    a, b = capacity.order_tranche(1.0, 1.0, 3.0)
    assert (a, b) == (4.0, 5.0)
    assert capacity.tranche_delivered(4.25, 120.0, a, b) == pytest.approx(30.0)
    assert capacity.tranche_delivered(3.9, 120.0, a, b) == 0.0
    assert capacity.tranche_delivered(6.0, 120.0, a, b) == 120.0
    # MW-years over [4, 6]: the ramp gives 60, the full year after it 120
    assert capacity.tranche_delivered_integral(4.0, 6.0, 120.0, a, b) == pytest.approx(180.0)
    # a lump arriving at 4.5 contributes half a year of its amount within [4, 5]
    assert capacity.tranche_delivered_integral(4.0, 5.0, 10.0, 4.5, 4.5) == pytest.approx(5.0)


def test_capacity_over_step_by_owner() -> None:
    built = np.array([100.0, 50.0])
    amounts = np.array([12.0, 24.0, 6.0])
    starts = np.array([0.0, 0.5, 3.0])
    ends = np.array([1.0, 0.5, 4.0])
    owners = np.array([0, 0, 1])
    at_end, mean, arrived = capacity.capacity_over_step(
        0.0, 1.0, built, amounts, starts, ends, owners
    )
    np.testing.assert_allclose(at_end, [100.0 + 12.0 + 24.0, 50.0])
    np.testing.assert_allclose(mean, [100.0 + 6.0 + 12.0, 50.0])
    np.testing.assert_array_equal(arrived, [True, True, False])


@BUDGET
@given(
    lead=floats(0.0, 6.0),
    rate=floats(0.0, 1e4),
    horizon=floats(0.5, 10.0),
    n_coarse=st.integers(1, 24),
)
def test_capacity_does_not_depend_on_the_step_length(
    lead: float, rate: float, horizon: float, n_coarse: int
) -> None:
    """Orders at a steady rate, placed per step, deliver the same capacity-years on any grid."""

    def delivered(n_steps: int) -> tuple[float, float]:
        dt = horizon / n_steps
        starts = np.arange(n_steps) * dt
        a, b = capacity.order_tranche(starts, dt, lead)
        amount = np.full(n_steps, rate * dt)
        end = 2 * horizon + lead
        total = float(np.sum(capacity.tranche_delivered(end / 2, amount, a, b)))
        integral = float(np.sum(capacity.tranche_delivered_integral(0.0, end, amount, a, b)))
        return total, integral

    coarse, fine = delivered(n_coarse), delivered(2 * n_coarse)
    assert coarse[0] == pytest.approx(fine[0], rel=1e-9, abs=1e-9)
    assert coarse[1] == pytest.approx(fine[1], rel=1e-9, abs=1e-9)


def test_capacity_order_rule() -> None:
    # demand 90 against 100 planned, threshold 0.8: order up to 90 * 1.25 / 0.8 = 140.625
    assert capacity.capacity_order(90.0, 100.0, 0.8, 0.25) == pytest.approx(40.625)
    assert capacity.capacity_order(70.0, 100.0, 0.8, 0.25) == 0.0
    np.testing.assert_allclose(
        capacity.capacity_order(np.array([90.0, 70.0]), 100.0, 0.8, 0.25), [40.625, 0.0]
    )


# --- supply curve ----------------------------------------------------------------------------


def test_supply_curve_by_hand() -> None:
    # eta = 1: marginal 2 m0 at half the limit, capex to go from 0 to K_max/2 is m0 K_max ln 2
    assert capacity.marginal_capex_usd_per_unit(50.0, 100.0, 3e6, 1.0) == pytest.approx(6e6)
    assert capacity.capex_usd(0.0, 50.0, 100.0, 3e6, 1.0) == pytest.approx(3e6 * 100 * math.log(2))
    # eta = 2: m0 K_max (1/h2 - 1/h1) = 3e6 * 100 * (2 - 1)
    assert capacity.capex_usd(0.0, 50.0, 100.0, 3e6, 2.0) == pytest.approx(3e8)
    assert capacity.marginal_capex_usd_per_unit(100.0, 100.0, 3e6, 1.0) == math.inf
    assert capacity.capex_usd(0.0, 100.0, 100.0, 3e6, 1.0) == math.inf


def test_no_limit_is_the_flat_cost_exactly() -> None:
    assert capacity.marginal_capex_usd_per_unit(1e6, math.inf, 3e6, 1.0) == 3e6
    assert capacity.capex_usd(10.0, 35.0, math.inf, 3e6, 1.0) == 3e6 * 25.0
    assert capacity.affordable_capacity(10.0, 7.5e7, math.inf, 3e6, 1.0) == 25.0
    assert capacity.fab_capex_usd(1e6) == pytest.approx(1.5e9)


@BUDGET
@given(
    k1_share=floats(0.0, 0.999),
    budget=floats(0.0, 1e15),
    eta=st.sampled_from([1.0, 1.5, 2.0, 3.0]),
    limit=floats(1.0, 1e6),
)
def test_affordable_inverts_capex_and_never_reaches_the_limit(
    k1_share: float, budget: float, eta: float, limit: float
) -> None:
    k1 = k1_share * limit
    added = capacity.affordable_capacity(k1, budget, limit, 3e6, eta)
    assert added >= 0.0
    assert k1 + added <= limit  # AI power can never exceed the grid limit
    if k1 + added < limit * (1 - 1e-9):
        # the round trip through k1 + added loses ~1e-16 of the limit's size in capacity
        slack = capacity.marginal_capex_usd_per_unit(k1 + added, limit, 3e6, eta) * limit * 1e-13
        assert capacity.capex_usd(k1, k1 + added, limit, 3e6, eta) == pytest.approx(
            budget, rel=1e-9, abs=slack
        )


@BUDGET
@given(k_a=floats(0.0, 0.99), k_b=floats(0.0, 0.99), eta=floats(1.0, 4.0))
def test_marginal_cost_rises_with_what_is_built(k_a: float, k_b: float, eta: float) -> None:
    low, high = sorted((k_a, k_b))
    assert capacity.marginal_capex_usd_per_unit(
        low, 1.0, 1.0, eta
    ) <= capacity.marginal_capex_usd_per_unit(high, 1.0, 1.0, eta)


def test_headroom_share() -> None:
    np.testing.assert_allclose(capacity.headroom_share([0.0, 25.0, 120.0], 100.0), [1.0, 0.75, 0.0])
    assert capacity.headroom_share(5.0, math.inf) == 1.0
