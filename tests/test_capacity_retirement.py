"""Capacity that retires once delivered (sim/capacity.py, used by hardware vendors): closed
forms by hand, the no-retirement limit, independence of the step length, and a vendor's
capacity left alone."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.vendor import Vendors
from sim import capacity
from sim.ledger import Ledger
from sim.params import VendorParams

BUDGET = settings(max_examples=60, deadline=None)

BUILT = np.array([100.0, 50.0])
AMOUNTS = np.array([12.0, 24.0, 6.0])  # a ramp over [0, 1], a lump at 0.5, a ramp over [3, 4]
STARTS = np.array([0.0, 0.5, 3.0])
ENDS = np.array([1.0, 0.5, 4.0])
OWNERS = np.array([0, 0, 1])


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


def test_without_retirement_it_is_capacity_over_step() -> None:
    for start, dt in [(0.0, 1.0), (0.3, 0.2), (3.5, 1.0)]:
        at_end, mean, arrived = capacity.capacity_over_step(
            start, dt, BUILT, AMOUNTS, STARTS, ENDS, OWNERS
        )
        got = capacity.retiring_capacity_over_step(
            start, dt, BUILT, AMOUNTS, STARTS, ENDS, OWNERS, 0.0
        )
        np.testing.assert_allclose(got[0], at_end, rtol=1e-12)
        np.testing.assert_allclose(got[1], mean, rtol=1e-12)
        np.testing.assert_array_equal(got[2], arrived)
        # what is built at the end: the built capacity and the tranches fully delivered
        full = np.bincount(OWNERS, weights=np.where(arrived, AMOUNTS, 0.0), minlength=2)
        np.testing.assert_allclose(got[3], BUILT + full, rtol=1e-12)


def test_retiring_capacity_by_hand() -> None:
    r = 0.2
    at_end, mean, arrived, built = capacity.retiring_capacity_over_step(
        0.0, 1.0, BUILT, AMOUNTS, STARTS, ENDS, OWNERS, r
    )
    decay = math.exp(-r)
    # the ramp delivers 12/yr over [0, 1], each unit decaying from its arrival: 12 (1 - e^-r)/r
    ramp = 12.0 * (1.0 - decay) / r
    lump = 24.0 * math.exp(-r * 0.5)  # arrived half a year before the end
    np.testing.assert_allclose(at_end, [100.0 * decay + ramp + lump, 50.0 * decay])
    np.testing.assert_allclose(built, at_end)  # both tranches of owner 0 are in, none of 1's
    np.testing.assert_array_equal(arrived, [True, True, False])
    # means over the year: 100 (1 - e^-r)/r built; the ramp (12/r) (1 - (1 - e^-r)/r); the
    # lump 24 (1 - e^-(r/2))/r
    expected = [
        100.0 * (1.0 - decay) / r
        + 12.0 / r * (1.0 - (1.0 - decay) / r)
        + 24.0 * (1.0 - math.exp(-r / 2)) / r,
        50.0 * (1.0 - decay) / r,
    ]
    np.testing.assert_allclose(mean, expected, rtol=1e-12)


def test_retiring_capacity_matches_a_numerical_integral() -> None:
    r = 0.3

    def standing(t: float) -> float:  # owner 0 from t = 0, by quadrature over arrivals
        s = np.linspace(0.0, min(t, 1.0), 20001)
        ramp = float(np.trapezoid(12.0 * np.exp(-r * (t - s)), s)) if t > 0 else 0.0
        return (
            100.0 * math.exp(-r * t) + ramp + (24.0 * math.exp(-r * (t - 0.5)) if t >= 0.5 else 0)
        )

    start, dt = 0.7, 3.6
    at_end, mean, _, _ = capacity.retiring_capacity_over_step(
        start, dt, BUILT * math.exp(-r * start), AMOUNTS, STARTS, ENDS, OWNERS, r
    )
    ts = np.linspace(start, start + dt, 3601)
    values = np.array([standing(t) for t in ts])
    assert at_end[0] == pytest.approx(standing(start + dt), rel=1e-8)
    assert mean[0] == pytest.approx(np.trapezoid(values, ts) / dt, rel=1e-6)


def test_capacity_ahead_is_what_a_step_of_that_length_ends_with() -> None:
    r = np.array([0.2, 0.5])
    ahead = np.array([1.0, 2.0])
    got = capacity.retiring_capacity_at(0.3, ahead, BUILT, AMOUNTS, STARTS, ENDS, OWNERS, r)
    for owner in (0, 1):
        at_end = capacity.retiring_capacity_over_step(
            0.3, float(ahead[owner]), BUILT, AMOUNTS, STARTS, ENDS, OWNERS, r
        )[0]
        assert got[owner] == pytest.approx(at_end[owner], rel=1e-12)
    # by hand for owner 1: 50 e^-(0.5 x 2), its ramp arrives at 3.0, after 2.3
    assert got[1] == pytest.approx(50.0 * math.exp(-1.0))


@BUDGET
@given(
    life=floats(0.5, 50.0),
    lead=floats(0.0, 4.0),
    horizon=floats(1.0, 8.0),
    n_coarse=st.integers(1, 12),
    order_share=floats(0.0, 1.0),
)
def test_retiring_capacity_does_not_depend_on_the_step_length(
    life: float, lead: float, horizon: float, n_coarse: int, order_share: float
) -> None:
    """A ramp in the pipeline at the start and lumps ordered at fixed dates, stepped on a coarse
    and a fine grid: the same capacity at the end and the same capacity-years."""
    lumps = np.array([0.5, 1.7, 3.1]) * horizon / 4.0 + lead  # arrival dates [yr]
    r = 1.0 / life

    def run(n_steps: int) -> tuple[float, float]:
        dt = horizon / n_steps
        built = np.array([1000.0])
        amounts = np.concatenate([[400.0], order_share * np.array([300.0, 200.0, 500.0])])
        starts = np.concatenate([[0.0], lumps])
        ends = np.concatenate([[lead], lumps])
        owners = np.zeros(4, dtype=np.intp)
        made, at_end = 0.0, 0.0
        for k in range(n_steps):
            at_end_k, mean, arrived, built = capacity.retiring_capacity_over_step(
                k * dt, dt, built, amounts, starts, ends, owners, r
            )
            amounts = np.where(arrived, 0.0, amounts)
            made += float(mean[0]) * dt
            at_end = float(at_end_k[0])
        return at_end, made

    coarse, fine = run(n_coarse), run(2 * n_coarse)
    assert coarse[0] == pytest.approx(fine[0], rel=1e-9)
    assert coarse[1] == pytest.approx(fine[1], rel=1e-9)


def test_a_vendor_without_orders_keeps_what_stands_of_its_capacity() -> None:
    params = VendorParams(
        capacity_chips_per_year=1200.0,
        capacity_doublings_per_year=0.0,
        capacity_life_years=4.0,
        cash_usd=1e12,
    )
    table = Vendors([params], ["V"], 1.0)
    Ledger().transfer("capital", [1e12], "investors", table.accounts)
    dt, years, made = 0.25, 0.0, 0.0
    while years < 2.0 - 1e-9:
        table.post_offer(years, dt)
        made += float(table.deliverable_chips[0])
        years += dt
    # 1200 e^(-t/4): after 2 years 1200 e^-0.5, and 1200 x 4 (1 - e^-0.5) chips made in them
    assert table.capacity_chips_per_year[0] == pytest.approx(1200.0 * math.exp(-0.5))
    assert made == pytest.approx(1200.0 * 4.0 * -math.expm1(-0.5))


# --- orders in flight cut when demand turns ---------------------------------------------------


def test_cancel_to_level_by_hand() -> None:
    # 150 will stand against a level of 100; 80 of it from orders not yet arriving: keep 3/8
    assert capacity.cancel_to_level(150.0, 100.0, 80.0) == pytest.approx(0.375)
    assert capacity.cancel_to_level(90.0, 100.0, 80.0) == 1.0  # below the level: keep all
    assert capacity.cancel_to_level(150.0, 100.0, 0.0) == 1.0  # nothing to cancel
    assert capacity.cancel_to_level(250.0, 100.0, 80.0) == 0.0  # cancel all, still above


def test_a_vendor_cuts_its_orders_in_flight_to_the_level_when_demand_turns() -> None:
    params = VendorParams(
        capacity_chips_per_year=1200.0,
        capacity_doublings_per_year=0.0,
        capacity_lead_time_years=1.0,
        demand_forecast_doublings_per_year=0.0,
        demand_memory_years=1e-6,  # plans for the demand just seen
        cash_usd=1e12,
        capex_down_payment_share=1.0,  # all of it paid at order: a cut refunds nothing
    )
    table = Vendors([params], ["V"], 1.0)
    ledger = Ledger()
    ledger.transfer("capital", [1e12], "investors", table.accounts)
    dt = 1.0 / 12.0
    table.post_offer(0.0, dt)
    table.invest(ledger, dt, np.array([400.0]), dt)  # 4800 chips/yr asked: a large order
    ordered = table.pipeline_total_chips_per_year[0]
    assert ordered > 0.0
    cash, capital = table.cash_usd[0], table.capital_usd[0]
    table.post_offer(dt, dt)
    # demand falls back to 1200 chips/yr, still growing as seen (the forecast follows it)
    table.invest(ledger, 2 * dt, np.array([100.0]), dt)
    r = 1.0 / table.capacity_life_years[0]
    g = float(np.clip(table.demand_forecast_doublings_per_year[0], 0.0, 1.0))
    level = 1200.0 * 2.0**g * (1.0 + params.capacity_growth_per_order) / 0.8
    # what stands a lead time on: the old capacity retired, the order from its arrival at
    # 1 + 1/12 years to 1 + 2/12
    stands = 1200.0 * math.exp(-r * (1.0 + 2 * dt)) + table.pipeline_total_chips_per_year[
        0
    ] * math.exp(-r * dt)
    assert stands == pytest.approx(level, rel=1e-9)
    assert table.cancelled_chips_per_year[0] == pytest.approx(
        ordered - table.pipeline_total_chips_per_year[0]
    )
    # nothing paid back or written off at once: the capex is sunk and depreciates
    assert table.cash_usd[0] == cash
    assert table.capital_usd[0] == capital


def test_lumps_alone_give_what_they_give_beside_a_ramp() -> None:
    # a pipeline of lumps only takes a shorter path: its tranches must give what the general
    # path gives them beside a ramp (owners' sums add up; each tranche's level is the same)
    r, none = np.array([0.2, 0.2]), np.zeros(2)
    lump, ramp = [1], [0, 2]
    for start, dt in [(0.0, 1.0), (0.4, 0.25), (2.0, 3.0)]:

        def over(i: list[int], start: float = start, dt: float = dt) -> tuple[np.ndarray, ...]:
            return capacity.retiring_capacity_over_step(
                start, dt, none, AMOUNTS[i], STARTS[i], ENDS[i], OWNERS[i], r
            )

        for alone, other, both in zip(over(lump), over(ramp), over([0, 1, 2]), strict=True):
            if alone.dtype == bool:
                continue  # (which tranches arrived: per tranche, not per owner)
            np.testing.assert_allclose(alone + other, both, rtol=1e-14, atol=0)
        levels = capacity.standing_tranches_at(start + dt, AMOUNTS, STARTS, ENDS, 0.2)
        alone = capacity.standing_tranches_at(
            start + dt, AMOUNTS[lump], STARTS[lump], ENDS[lump], 0.2
        )
        assert levels[1] == alone[0] > 0.0 or start + dt < STARTS[1]
