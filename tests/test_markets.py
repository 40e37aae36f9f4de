"""The pure market functions of sim/markets.py, on cases a reader can check by hand, plus
property-based invariants with small, explicit example budgets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim import innovation, markets
from sim.params import JOULES_PER_MWH, SECONDS_PER_YEAR

LN2 = math.log(2.0)
# quantities in a market: zero, or within a range whose products neither underflow nor overflow
QUANTITY = st.just(0.0) | st.floats(1e-6, 1e9)


# --------------------------------------------------------------------------------------------
# logit_shares
# --------------------------------------------------------------------------------------------


def test_logit_shares_with_outside_option() -> None:
    # weights e^0 = 1 and e^ln2 = 2, outside option e^0 = 1: shares 1/4 and 2/4, outside 1/4
    shares = markets.logit_shares([0.0, LN2])
    np.testing.assert_allclose(shares, [0.25, 0.5], rtol=1e-15)


def test_logit_shares_without_outside_option() -> None:
    shares = markets.logit_shares([0.0, LN2], outside_option=False)
    np.testing.assert_allclose(shares, [1 / 3, 2 / 3], rtol=1e-15)
    assert shares.sum() == pytest.approx(1.0, rel=1e-15)


def test_logit_shares_only_differences_matter_without_outside_option() -> None:
    a = markets.logit_shares([1.0, 2.0, 3.0], outside_option=False)
    b = markets.logit_shares([101.0, 102.0, 103.0], outside_option=False)
    np.testing.assert_allclose(a, b, rtol=1e-14)


def test_logit_shares_single_option_against_outside() -> None:
    # one option of utility u against the outside option: e^u / (1 + e^u), the logistic
    for u in (-3.0, 0.0, 2.0):
        assert markets.logit_shares([u])[0] == pytest.approx(1 / (1 + math.exp(-u)), rel=1e-15)


def test_logit_shares_is_stable_at_huge_and_minus_infinite_utilities() -> None:
    # exp(1e4) overflows; log-sum-exp must not (the suite turns overflow warnings into errors)
    shares = markets.logit_shares([1e4, 0.0, -np.inf])
    np.testing.assert_array_equal(shares, [1.0, 0.0, 0.0])
    shares = markets.logit_shares([1e4, 1e4 - LN2], outside_option=False)
    np.testing.assert_allclose(shares, [2 / 3, 1 / 3], rtol=1e-12)
    # options with utility -inf get nothing; all -inf gives all zeros, not NaN
    np.testing.assert_array_equal(markets.logit_shares([-np.inf, 0.0])[0], 0.0)
    np.testing.assert_array_equal(markets.logit_shares([-np.inf, -np.inf]), [0.0, 0.0])
    np.testing.assert_array_equal(
        markets.logit_shares([-np.inf, -np.inf], outside_option=False), [0.0, 0.0]
    )
    # very negative utilities all lose to the outside option
    assert markets.logit_shares([-1e4])[0] == 0.0


def test_logit_shares_along_an_axis() -> None:
    u = np.array([[0.0, LN2], [LN2, 0.0]])
    np.testing.assert_allclose(
        markets.logit_shares(u, outside_option=False, axis=1), [[1 / 3, 2 / 3], [2 / 3, 1 / 3]]
    )
    np.testing.assert_allclose(
        markets.logit_shares(u, outside_option=False, axis=0), [[1 / 3, 2 / 3], [2 / 3, 1 / 3]]
    )
    np.testing.assert_allclose(markets.logit_shares(u, axis=1), [[0.25, 0.5], [0.5, 0.25]])


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.integers(1, 8),
        elements=st.floats(-700.0, 700.0) | st.just(-np.inf),
    ),
    st.booleans(),
)
def test_logit_shares_are_probabilities(utility: np.ndarray, outside: bool) -> None:
    shares = markets.logit_shares(utility, outside_option=outside)
    assert np.all(shares >= 0.0) and np.all(shares <= 1.0)
    assert shares.sum() <= 1.0 + 1e-12
    if not outside and np.isfinite(utility).any():
        assert shares.sum() == pytest.approx(1.0, rel=1e-12)
    # a higher utility never gets a lower share
    order = np.argsort(utility, kind="stable")
    assert np.all(np.diff(shares[order]) >= -1e-15)


# --------------------------------------------------------------------------------------------
# logit_markup
# --------------------------------------------------------------------------------------------


def test_logit_markup_values() -> None:
    # 1 / (sensitivity (1 - s))
    assert markets.logit_markup(0.0, 2.0) == pytest.approx(0.5, rel=1e-15)
    assert markets.logit_markup(0.5, 2.0) == pytest.approx(1.0, rel=1e-15)
    assert markets.logit_markup(0.75, 2.0) == pytest.approx(2.0, rel=1e-15)
    assert markets.logit_markup(0.8, 1.5) == pytest.approx(1 / 0.3, rel=1e-14)
    np.testing.assert_allclose(markets.logit_markup([0.0, 0.5], 4.0), [0.25, 0.5], rtol=1e-15)


def test_logit_markup_cap() -> None:
    assert markets.logit_markup(0.9, 2.0, max_markup=4.0) == 4.0  # 5 capped at 4
    assert markets.logit_markup(0.5, 2.0, max_markup=4.0) == pytest.approx(1.0)  # under the cap
    # a monopoly (share 1) has an unbounded markup: the cap, or inf without one, never a warning
    assert markets.logit_markup(1.0, 2.0, max_markup=4.0) == 4.0
    assert markets.logit_markup(1.0, 2.0) == math.inf
    # shares outside [0, 1] are clipped
    assert markets.logit_markup(-0.5, 2.0) == pytest.approx(0.5)


def test_logit_markup_maximises_profit() -> None:
    # One seller against the outside option: share s(p) = a p^-b / (1 + a p^-b); buyers spend
    # the budget W s(p), the seller earns W s(p) (1 - c/p). Its best price on a fine grid has
    # p/c - 1 = 1 / (b (1 - s)), the derivation in the docstring.
    a, b, c = 3.0, 2.0, 1.0
    p = np.exp(np.linspace(np.log(1.01), np.log(10.0), 200_001))
    s = a * p**-b / (1 + a * p**-b)
    best = int(np.argmax(s * (1 - c / p)))
    markup = float(markets.logit_markup(s[best], b))
    assert p[best] / c - 1 == pytest.approx(markup, rel=1e-4)


# --------------------------------------------------------------------------------------------
# ration
# --------------------------------------------------------------------------------------------


def test_ration_by_hand() -> None:
    demand = [[1.0, 2.0], [3.0, 4.0]]  # [buyer, seller]; seller totals 4 and 6
    got = markets.ration(demand, [2.0, 10.0], axis=0)
    # seller 0 fills half of each order, seller 1 fills every order
    np.testing.assert_allclose(got, [[0.5, 2.0], [1.5, 4.0]], rtol=1e-15)


def test_ration_one_seller() -> None:
    np.testing.assert_allclose(markets.ration([1.0, 3.0], 2.0), [0.5, 1.5], rtol=1e-15)
    np.testing.assert_allclose(markets.ration([1.0, 3.0], 10.0), [1.0, 3.0], rtol=1e-15)
    np.testing.assert_allclose(markets.ration([1.0, 3.0], 4.0), [1.0, 3.0], rtol=1e-15)


def test_ration_never_negative() -> None:
    np.testing.assert_array_equal(markets.ration([-1.0, 2.0], 1.0), [0.0, 1.0])
    np.testing.assert_array_equal(markets.ration([1.0, 2.0], -5.0), [0.0, 0.0])
    np.testing.assert_array_equal(markets.ration([0.0, 0.0], 0.0), [0.0, 0.0])


def test_ration_along_axis_1() -> None:
    demand = np.array([[1.0, 3.0], [2.0, 2.0]])  # [seller, buyer]
    got = markets.ration(demand, [2.0, 8.0], axis=1)
    np.testing.assert_allclose(got, [[0.5, 1.5], [2.0, 2.0]], rtol=1e-15)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda n_sellers: st.tuples(
            hnp.arrays(
                np.float64, st.tuples(st.integers(1, 8), st.just(n_sellers)), elements=QUANTITY
            ),
            hnp.arrays(np.float64, n_sellers, elements=QUANTITY),
        )
    )
)
def test_ration_conserves_and_is_pro_rata(case: tuple[np.ndarray, np.ndarray]) -> None:
    demand, supply = case
    got = markets.ration(demand, supply, axis=0)
    assert got.shape == demand.shape
    assert np.all(got >= 0.0)
    assert np.all(got <= demand)  # never more than asked
    sold = got.sum(axis=0)
    assert np.all(sold <= supply * (1 + 1e-12))  # never more than there is
    # every unit goes somewhere: each seller sells min(total demand, supply)
    np.testing.assert_allclose(sold, np.minimum(demand.sum(axis=0), supply), rtol=1e-12)
    # pro rata: every buyer of a seller gets the same fraction of its order
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(demand > 0, got / demand, np.nan)
    for j in range(demand.shape[1]):
        column = fill[:, j][~np.isnan(fill[:, j])]
        if column.size:
            np.testing.assert_allclose(column, column[0], rtol=1e-12)


# --------------------------------------------------------------------------------------------
# hhi
# --------------------------------------------------------------------------------------------


def test_hhi_by_hand() -> None:
    assert markets.hhi([1.0, 1.0]) == 0.5
    assert markets.hhi([1.0, 0.0]) == 1.0
    assert markets.hhi([5.0]) == 1.0
    assert markets.hhi([1.0, 1.0, 1.0, 1.0]) == pytest.approx(0.25)
    assert markets.hhi([2.0, 1.0, 1.0]) == pytest.approx(0.5**2 + 2 * 0.25**2)
    assert markets.hhi([200.0, 100.0, 100.0]) == pytest.approx(0.375)  # scale free
    assert math.isnan(markets.hhi([0.0, 0.0]))
    assert math.isnan(markets.hhi([]))


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.integers(1, 20), elements=st.floats(0.0, 1e12, allow_subnormal=False)
    ).filter(lambda q: q.sum() > 0)
)
def test_hhi_between_one_over_n_and_one(quantities: np.ndarray) -> None:
    h = markets.hhi(quantities)
    n = quantities.size
    assert 1.0 / n - 1e-12 <= h <= 1.0 + 1e-12


# --------------------------------------------------------------------------------------------
# logistic_growth
# --------------------------------------------------------------------------------------------


def test_logistic_growth_starts_at_start() -> None:
    assert markets.logistic_growth(0.0, 1.5e10, 1.0, 3e12) == pytest.approx(1.5e10, rel=1e-15)


def test_logistic_growth_by_hand() -> None:
    # x0 = 1, g = 1, cap = 3, t = 1: 2 / (1 + 1 * (2 - 1) / 3) = 1.5
    assert markets.logistic_growth(1.0, 1.0, 1.0, 3.0) == pytest.approx(1.5, rel=1e-15)


def test_logistic_growth_is_exponential_while_small() -> None:
    # far below the ceiling it doubles g times a year
    t = np.array([0.5, 1.0, 2.0, 3.0])
    got = markets.logistic_growth(t, 1.0, 1.0, 1e12)
    np.testing.assert_allclose(got, 2.0**t, rtol=1e-10)
    # and with an infinite ceiling exactly so
    np.testing.assert_allclose(markets.logistic_growth(t, 1.0, 1.0, np.inf), 2.0**t, rtol=1e-15)


def test_logistic_growth_saturates_at_the_ceiling() -> None:
    t = np.array([0.0, 1.0, 5.0, 10.0, 20.0, 50.0, 200.0])
    got = markets.logistic_growth(t, 1.5e10, 1.0, 3e12)
    assert np.all(np.diff(got) > 0)  # rising
    assert np.all(got <= 3e12)
    assert got[-1] == pytest.approx(3e12, rel=1e-12)


# --------------------------------------------------------------------------------------------
# rnd_extra_doublings_per_year (sim.innovation)
# --------------------------------------------------------------------------------------------


def test_rnd_extra_doublings_values() -> None:
    assert innovation.rnd_extra_doublings_per_year(2e9, 0.6, 2e9) == pytest.approx(
        0.3, rel=1e-15
    )  # half
    assert innovation.rnd_extra_doublings_per_year(0.0, 0.6, 2e9) == 0.0
    assert innovation.rnd_extra_doublings_per_year(-1e9, 0.6, 2e9) == 0.0  # no negative R&D
    assert innovation.rnd_extra_doublings_per_year(6e9, 0.6, 2e9) == pytest.approx(
        0.45, rel=1e-15
    )  # 3/4
    assert innovation.rnd_extra_doublings_per_year(1e30, 0.6, 2e9) == pytest.approx(
        0.6, rel=1e-12
    )  # saturates


def test_rnd_extra_doublings_is_concave() -> None:
    spend = np.linspace(0.0, 2e10, 201)
    rate = innovation.rnd_extra_doublings_per_year(spend, 0.6, 2e9)
    assert np.all(np.diff(rate) > 0)  # more R&D buys more
    assert np.all(np.diff(rate, 2) < 0)  # but the next dollar buys less than the last


# --------------------------------------------------------------------------------------------
# scarcity_price
# --------------------------------------------------------------------------------------------


def test_scarcity_price_values() -> None:
    # cost x (1 + base + scarcity u^4)
    assert markets.scarcity_price(100.0, 0.0, 0.15, 1.0) == pytest.approx(115.0, rel=1e-15)
    assert markets.scarcity_price(100.0, 1.0, 0.15, 1.0) == pytest.approx(215.0, rel=1e-15)
    assert markets.scarcity_price(100.0, 0.5, 0.15, 1.0) == pytest.approx(121.25, rel=1e-15)
    # utilisation is clipped to [0, 1]
    assert markets.scarcity_price(100.0, 3.0, 0.15, 1.0) == pytest.approx(215.0, rel=1e-15)
    assert markets.scarcity_price(100.0, -1.0, 0.15, 1.0) == pytest.approx(115.0, rel=1e-15)
    np.testing.assert_allclose(
        markets.scarcity_price([100.0, 50.0], [0.0, 1.0], 0.0, 2.0), [100.0, 150.0], rtol=1e-15
    )


# --------------------------------------------------------------------------------------------
# chip_value_flop_per_usd
# --------------------------------------------------------------------------------------------


def test_chip_value_worked_by_hand() -> None:
    # 1e15 FLOP/s at 1e12 FLOP/J draws 1 kW; one (Julian) year of it is 8.766 MWh of IT energy,
    # 87.66 USD at 10 USD/MWh; with a 10,000 USD chip the year's 1e15 x 31,557,600 FLOP cost
    # 10,087.66 USD.
    assert SECONDS_PER_YEAR == 31_557_600.0 and JOULES_PER_MWH == 3.6e9
    value = markets.chip_value_flop_per_usd(1e15, 1e12, 10_000.0, 1.0, 10.0)
    assert value == pytest.approx(1e15 * 31_557_600.0 / 10_087.66, rel=1e-12)
    # free energy: FLOP over the life per dollar of price
    free = markets.chip_value_flop_per_usd(1e15, 1e12, 10_000.0, 4.0, 0.0)
    assert free == pytest.approx(4 * 1e15 * 31_557_600.0 / 10_000.0, rel=1e-15)


def test_chip_value_rises_with_efficiency_and_falls_with_price() -> None:
    base = markets.chip_value_flop_per_usd(1e15, 1e12, 1e4, 4.0, 100.0)
    assert markets.chip_value_flop_per_usd(1e15, 2e12, 1e4, 4.0, 100.0) > base
    assert markets.chip_value_flop_per_usd(1e15, 1e12, 2e4, 4.0, 100.0) < base
    assert markets.chip_value_flop_per_usd(1e15, 1e12, 1e4, 4.0, 200.0) < base


def test_logistic_integral_is_exact_and_continuous_at_zero_growth() -> None:
    # by hand: g = 0 gives start * (t1 - t0); tiny g is continuous with it
    assert markets.logistic_integral(1.0, 3.0, 5.0, 0.0, 100.0) == 10.0
    assert markets.logistic_integral(1.0, 3.0, 5.0, 1e-12, 100.0) == pytest.approx(10.0, rel=1e-9)
    # far below the ceiling it is the exponential integral x0 (2^(g t1) - 2^(g t0)) / (g ln 2)
    exact = (2.0**3 - 2.0**1) / math.log(2.0)
    assert markets.logistic_integral(1.0, 3.0, 1.0, 1.0, 1e30) == pytest.approx(exact, rel=1e-12)
    # summing steps equals one long step (exact integration, any step length)
    steps = sum(markets.logistic_integral(k / 12, (k + 1) / 12, 1.5, 1.0, 40.0) for k in range(120))
    assert steps == pytest.approx(markets.logistic_integral(0.0, 10.0, 1.5, 1.0, 40.0), rel=1e-12)


def test_clear_energy_rations_per_supplier_then_caps() -> None:
    # two firms need 10 and 30 IT MWh, split 50/50 over suppliers with PUE 1 and 2
    demand, delivered, binding = markets.clear_energy(
        [10.0, 30.0], [0.5, 0.5], [1.0, 2.0], [100.0, 20.0], math.inf
    )
    np.testing.assert_allclose(demand, [[5.0, 10.0], [15.0, 30.0]])
    # supplier 2 has 20 for 40 asked: half each; supplier 1 is slack
    np.testing.assert_allclose(delivered, [[5.0, 5.0], [15.0, 15.0]])
    assert not binding
    _, capped, binding = markets.clear_energy(
        [10.0, 30.0], [0.5, 0.5], [1.0, 2.0], [100.0, 20.0], 20.0
    )
    assert binding
    assert capped.sum() == pytest.approx(20.0, rel=1e-15)
    np.testing.assert_allclose(capped, delivered * 0.5)
