"""The one-market shortcuts of sim/demand.py (fewer numpy calls for a handful of firms) give the
same numbers, to the last bit, as the general code they stand in for: the batch path of the
shares and the masked path of the Nash solve."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import demand

UTILITIES = st.lists(st.floats(-50.0, 50.0), min_size=1, max_size=6)
OPEN = st.floats(-50.0, 50.0) | st.just(-np.inf)


@settings(max_examples=60, deadline=None)
@given(UTILITIES, st.floats(0.01, 10.0), OPEN)
def test_one_market_shares_equal_the_batch_path_bit_for_bit(
    utility: list[float], mu: float, open_utility: float
) -> None:
    one = demand.choice_shares(utility, mu, open_utility)
    # a batch of one market goes through the general (any-shape) partition
    batch = demand.choice_shares([utility], [mu], [open_utility])
    np.testing.assert_array_equal(one.firm, batch.firm[0])
    assert one.open == batch.open[0]
    assert one.none == batch.none[0]
    surplus_one = demand.consumer_surplus_usd_per_year(utility, mu, 1e6, open_utility)
    surplus_batch = demand.consumer_surplus_usd_per_year([utility], [mu], [1e6], [open_utility])
    assert surplus_one == surplus_batch[0]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.2, 2.0), st.floats(0.0, 1e-3)), min_size=1, max_size=5),
    st.floats(0.05, 1.0),
    st.floats(-1.0, 1.0) | st.just(-np.inf),
)
def test_nash_prices_with_every_firm_active_equal_the_masked_path(
    firms: list[tuple[float, float]], mu: float, open_utility: float
) -> None:
    value = np.array([v for v, _ in firms])
    cost = np.array([c for _, c in firms])
    fast = demand.bertrand_nash_prices_usd_per_token(value, cost, mu, 1000.0, open_utility)
    # a firm that offers nothing (cost NaN) sends the solve through the masked path; it adds
    # exact zeros to every sum, so the others' prices must not move by a bit
    masked = demand.bertrand_nash_prices_usd_per_token(
        np.append(value, 1.0), np.append(cost, np.nan), mu, 1000.0, open_utility
    )
    assert fast.iterations == masked.iterations
    np.testing.assert_array_equal(fast.price_usd_per_token, masked.price_usd_per_token[:-1])
    np.testing.assert_array_equal(fast.markup_over_noise, masked.markup_over_noise[:-1])
    assert np.isnan(masked.price_usd_per_token[-1])


def test_clearing_with_no_capacity_binding_stops_after_one_round() -> None:
    # ample capacity: everyone stays at the floor, and the market is the plain logit at floors
    value, floor = np.array([1.0, 0.8]), np.array([1e-4, 5e-5])
    deal = demand.clear_services_market(value, floor, [1e30, 1e30], 1e6, 1000.0, 0.1, 0.0)
    assert deal.iterations == 0
    np.testing.assert_array_equal(deal.price_usd_per_token, floor)
    shares = demand.choice_shares(value - 1000.0 * floor, 0.1, 0.0)
    np.testing.assert_allclose(deal.shares.firm, shares.firm, rtol=1e-15)
    expected_surplus = demand.consumer_surplus_usd_per_year(value - 1000.0 * floor, 0.1, 1e6, 0.0)
    assert deal.consumer_surplus_usd == float(expected_surplus)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.2, 2.0), st.floats(0.0, 1e-3)), min_size=1, max_size=5),
    st.floats(0.05, 1.0),
    st.floats(-1.0, 1.0) | st.just(-np.inf),
)
def test_nash_markups_are_the_nash_prices_without_the_shares(
    firms: list[tuple[float, float]], mu: float, open_utility: float
) -> None:
    value = np.array([v for v, _ in firms] + [1.0])
    cost = np.array([c for _, c in firms] + [np.nan])  # the last firm offers nothing
    full = demand.bertrand_nash_prices_usd_per_token(value, cost, mu, 1000.0, open_utility)
    light = demand.bertrand_nash_markups(value, cost, mu, 1000.0, open_utility)
    np.testing.assert_array_equal(light.price_usd_per_token, full.price_usd_per_token)
    np.testing.assert_array_equal(light.markup_over_noise, full.markup_over_noise)
    assert light.iterations == full.iterations
    # the utilities are those the shares are taken at: the logit of them gives the shares
    shares = demand.choice_shares(light.utility_over_noise * mu, mu, open_utility)
    np.testing.assert_array_equal(shares.firm, full.shares.firm)
    assert light.utility_over_noise[-1] == -np.inf
    # each firm's first-order condition holds at its markup: m (1 - s) = 1
    np.testing.assert_allclose(
        light.markup_over_noise[:-1] * (1.0 - shares.firm[:-1]), 1.0, rtol=1e-9
    )
