"""Buyers (sim/demand.py): closed forms a reader can check by hand, and hypothesis invariants
with small, explicit example budgets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import demand

LN2 = math.log(2.0)
LN3 = math.log(3.0)


# --------------------------------------------------------------------------------------------
# Quality and utility
# --------------------------------------------------------------------------------------------


def test_task_success_closed_form() -> None:
    # 1 at the loss floor, 1/e at one loss scale, and negative noise counts as the floor
    np.testing.assert_allclose(
        demand.task_success([0.0, 0.1, 0.2, -1e-9], 0.1),
        [1.0, math.exp(-1), math.exp(-2), 1.0],
        rtol=1e-15,
    )


def test_task_success_is_bounded_and_insensitive_to_a_hair() -> None:
    # two models 1e-4 nats apart differ in success by at most 1e-4 / loss_scale (relative)
    a, b = demand.task_success([2.3e-5, 2.3e-5 + 1e-4], 0.1)
    assert 0.0 < b < a <= 1.0
    assert (a - b) / a <= 1e-3


def test_task_utility_closed_form() -> None:
    # v = 2 USD/task, success e^-1, T = 1000 tokens at 1e-4 USD/token: 2/e - 0.1
    u = demand.task_utility_usd_per_task(0.1, 1e-4, 2.0, 1000.0, 0.1)
    assert u == pytest.approx(2.0 / math.e - 0.1, rel=1e-15)


# --------------------------------------------------------------------------------------------
# Choice shares
# --------------------------------------------------------------------------------------------


def test_choice_shares_hand_values() -> None:
    # weights e^0 = 1 and e^ln2 = 2 against not buying (1): 1/4, 2/4, none 1/4
    shares = demand.choice_shares([0.0, LN2], 1.0)
    np.testing.assert_allclose(shares.firm, [0.25, 0.5], rtol=1e-15)
    assert shares.none == pytest.approx(0.25, rel=1e-15)
    assert shares.open == 0.0
    # with an open model of utility ln3 (weight 3): 1/7, 2/7, open 3/7, none 1/7;
    # utilities in USD/task scale with mu: the same shares at mu = 0.5 and utilities halved
    shares = demand.choice_shares([0.0, LN2 / 2], 0.5, LN3 / 2)
    np.testing.assert_allclose(shares.firm, [1 / 7, 2 / 7], rtol=1e-14)
    assert shares.open == pytest.approx(3 / 7, rel=1e-14)
    assert shares.none == pytest.approx(1 / 7, rel=1e-14)


def test_choice_shares_stable_at_any_magnitude() -> None:
    shares = demand.choice_shares([1e6, 0.0, -np.inf], 1.0, -1e6)
    np.testing.assert_array_equal(shares.firm, [1.0, 0.0, 0.0])
    assert shares.none == 0.0
    assert shares.open == 0.0
    shares = demand.choice_shares([-1e6, -1e6], 1e-3)
    assert shares.none == 1.0
    np.testing.assert_array_equal(shares.firm, [0.0, 0.0])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=8),
    st.floats(1e-3, 1e3),
    st.floats(-1e4, 1e4) | st.just(-np.inf),
)
def test_choice_shares_sum_to_one(utility: list[float], mu: float, open_utility: float) -> None:
    shares = demand.choice_shares(utility, mu, open_utility)
    total = shares.firm.sum() + shares.open + shares.none
    assert total == pytest.approx(1.0, rel=1e-12)
    assert np.all(shares.firm >= 0.0)
    assert shares.none > 0.0 or max([*utility, open_utility]) / mu > 700


def test_choice_shares_broadcast_over_a_batch() -> None:
    # rows are independent markets (e.g. steps), firms along the last axis
    batch = demand.choice_shares([[0.0, LN2], [LN2, 0.0]], [1.0, 1.0])
    np.testing.assert_allclose(batch.firm, [[0.25, 0.5], [0.5, 0.25]], rtol=1e-15)
    np.testing.assert_allclose(batch.none, [0.25, 0.25], rtol=1e-15)


# --------------------------------------------------------------------------------------------
# What the issue asks of buyers
# --------------------------------------------------------------------------------------------

# a task market of the size the draft proposes: v = 1 USD/task, T = 1000 tokens, mu = 0.1
V, T, MU, SCALE = 1.0, 1000.0, 0.1, 0.1


def test_two_firms_a_hair_apart_split_the_market_evenly() -> None:
    # the case: excess losses 2.3e-5 and 2.3e-5 + 1e-4 nats at the same price
    u = demand.task_utility_usd_per_task([2.3e-5, 1.23e-4], 2e-5, V, T, SCALE)
    share = demand.choice_shares(u, MU).firm
    split = share / share.sum()
    assert 0.49 < split[1] < split[0] < 0.51


def test_equal_offers_split_exactly() -> None:
    share = demand.choice_shares([0.3, 0.3, 0.3], MU, 0.1).firm
    np.testing.assert_allclose(share, share[0], rtol=1e-15)


def test_outside_options_are_taken_when_offers_are_poor() -> None:
    # a 2024-like model (excess loss 0.3 nats: success e^-3 = 5%) priced at 0.1 USD/task is
    # worth less than not buying: most tasks stay undone or go to the cheaper open model
    u = demand.task_utility_usd_per_task([0.3, 0.35], 1e-4, V, T, SCALE)
    u_open = demand.task_utility_usd_per_task(0.5, 1e-5, V, T, SCALE)
    shares = demand.choice_shares(u, MU, u_open)
    assert shares.none + shares.open > 0.5
    assert shares.none > 0.25
    assert shares.open > 0.25
    # a near-perfect model at a low price takes nearly all tasks
    u = demand.task_utility_usd_per_task([1e-4], 1e-5, V, T, SCALE)
    assert demand.choice_shares(u, MU, u_open).firm[0] > 0.99


def test_demand_saturates_at_the_envelope() -> None:
    m = 1e9  # potential tasks a year
    u = demand.task_utility_usd_per_task([0.0, 0.0], 0.0, V, T, SCALE)  # perfect and free
    out = demand.services_demand(demand.choice_shares(u, MU).firm, [0.0, 0.0], m, T)
    assert out.tasks.sum() == pytest.approx(m, rel=1e-4)
    assert out.tokens.sum() <= m * T


@settings(max_examples=40, deadline=None)
@given(st.floats(1e-7, 1e-3), st.floats(1.001, 3.0), st.floats(0.0, 0.5))
def test_tokens_fall_with_price_and_rise_with_quality(
    price: float, factor: float, loss: float
) -> None:
    def tokens(p: float, x: float) -> float:
        u = demand.task_utility_usd_per_task([x, 0.05], [p, 1e-5], V, T, SCALE)
        return float(demand.services_demand(demand.choice_shares(u, MU).firm, p, 1e9, T).tokens[0])

    assert tokens(price * factor, loss) <= tokens(price, loss)
    assert tokens(price, loss + 0.01) <= tokens(price, loss)


@settings(max_examples=40, deadline=None)
@given(st.floats(1e-6, 1e-3), st.floats(-1.0, 1.0), st.floats(1.001, 2.0))
def test_spending_falls_with_price_above_the_markup_price(
    cost: float, rival: float, factor: float
) -> None:
    # at the profit-maximising price P - C = mu / (1 - s) the own-price elasticity
    # P (1 - s) / mu = P / (P - C) exceeds 1, so raising the price lowers spending on the firm
    def spending(p: float) -> float:
        share = demand.choice_shares([V - T * p], MU, rival).firm
        return float(demand.services_demand(share, p, 1e6, T).spending_usd[0])

    p = float(demand.bertrand_nash_prices_usd_per_token([V], [cost], MU, T, rival)[0][0])
    assert spending(p * factor) < spending(p)


# --------------------------------------------------------------------------------------------
# Consumer surplus
# --------------------------------------------------------------------------------------------


def test_consumer_surplus_closed_form() -> None:
    # one firm of utility u against not buying: mu M ln(1 + e^(u/mu))
    cs = demand.consumer_surplus_usd_per_year([0.2], 0.1, 1e6)
    assert cs == pytest.approx(0.1 * 1e6 * math.log(1 + math.exp(2.0)), rel=1e-14)
    # all options worthless: no surplus against no AI
    assert demand.consumer_surplus_usd_per_year([-np.inf], 0.1, 1e6) == 0.0
    # huge utility: the surplus is the utility itself (a sure choice), with no overflow
    cs = demand.consumer_surplus_usd_per_year([1e5, 0.0], 0.01, 2.0)
    assert cs == pytest.approx(2.0 * 1e5, rel=1e-12)


def test_consumer_surplus_roys_identity() -> None:
    # d CS / d P_f = -M s_f: the surplus lost to a price rise is the tasks bought times the rise
    u = np.array([0.3, 0.1, -0.2])
    m, h = 1e6, 1e-7
    shares = demand.choice_shares(u, MU, 0.05).firm
    for f in range(3):
        bump = np.zeros(3)
        bump[f] = h
        up = demand.consumer_surplus_usd_per_year(u - bump, MU, m, 0.05)
        down = demand.consumer_surplus_usd_per_year(u + bump, MU, m, 0.05)
        assert (up - down) / (2 * h) == pytest.approx(-m * shares[f], rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=6), st.floats(0.01, 10), st.floats(0, 1))
def test_consumer_surplus_non_negative_and_rises_with_quality(
    utility: list[float], mu: float, better: float
) -> None:
    cs = demand.consumer_surplus_usd_per_year(utility, mu, 1e3)
    assert cs >= 0.0
    improved = np.array(utility)
    improved[0] += better
    assert demand.consumer_surplus_usd_per_year(improved, mu, 1e3) >= cs


# --------------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------------


def test_logit_markup_closed_form() -> None:
    # share 1/2: price per task exceeds cost by 2 mu; per token, divide by T
    assert demand.logit_markup_usd_per_token(0.5, 0.1, 1000.0) == pytest.approx(2e-4, rel=1e-15)
    assert demand.logit_markup_usd_per_token(0.0, 0.1, 1000.0) == pytest.approx(1e-4, rel=1e-15)
    assert demand.logit_markup_usd_per_token(1.0, 0.1, 1000.0) == np.inf
    assert demand.logit_price_usd_per_token(3e-5, 0.5, 0.1, 1000.0) == pytest.approx(2.3e-4)


def _profit(price: float, f: int, prices: np.ndarray, g: np.ndarray, cost: np.ndarray) -> float:
    p = prices.copy()
    p[f] = price
    share = demand.choice_shares(g - T * p, MU, 0.1).firm[f]
    return float(share * (price - cost[f]))


def test_nash_prices_are_best_responses() -> None:
    g = np.array([0.9, 0.8, 0.5])
    cost = np.array([1e-5, 2e-5, 1e-5])
    nash = demand.bertrand_nash_prices_usd_per_token(g, cost, MU, T, 0.1)
    # the first-order condition, and no profitable unilateral deviation on a grid
    markup = (nash.price_usd_per_token - cost) * T
    np.testing.assert_allclose(markup, MU / (1 - nash.shares.firm), rtol=1e-10)
    for f in range(3):
        best = _profit(nash.price_usd_per_token[f], f, nash.price_usd_per_token, g, cost)
        for factor in (0.9, 0.99, 1.01, 1.1):
            p = nash.price_usd_per_token[f] * factor
            assert _profit(p, f, nash.price_usd_per_token, g, cost) < best
    assert nash.iterations < 100


def test_nash_price_of_a_monopolist_is_the_lambert_closed_form() -> None:
    # against not buying only: markup / mu = 1 + W(exp(z0 - 1)), z0 = utility at cost / mu
    from scipy.special import lambertw

    z0 = (0.7 - T * 1e-4) / MU
    nash = demand.bertrand_nash_prices_usd_per_token([0.7], [1e-4], MU, T)
    expected = 1e-4 + MU / T * (1 + float(lambertw(math.exp(z0 - 1)).real))
    assert nash.price_usd_per_token[0] == pytest.approx(expected, rel=1e-12)


def test_nash_prices_of_identical_firms_are_equal_and_stable_at_extremes() -> None:
    nash = demand.bertrand_nash_prices_usd_per_token([1e4, 1e4], [1e-5, 1e-5], 1e-3, T)
    assert nash.price_usd_per_token[0] == nash.price_usd_per_token[1]
    np.testing.assert_allclose(nash.shares.firm, [0.5, 0.5], rtol=1e-12)
    # duopoly with a negligible outside option: markup 2 mu per task
    assert (nash.price_usd_per_token[0] - 1e-5) * T == pytest.approx(2e-3, rel=1e-10)
    # a firm that offers nothing: NaN price, no share
    nash = demand.bertrand_nash_prices_usd_per_token([1.0, 1.0], [1e-5, np.nan], MU, T)
    assert np.isnan(nash.price_usd_per_token[1])
    assert nash.shares.firm[1] == 0.0


# --------------------------------------------------------------------------------------------
# Clearing with capacities
# --------------------------------------------------------------------------------------------


def test_clearing_without_binding_capacity_returns_the_floors() -> None:
    g, floor = np.array([0.8, 0.6]), np.array([1e-4, 5e-5])
    out = demand.clear_services_market(g, floor, [np.inf, 1e20], 1e6, T, MU, 0.1)
    np.testing.assert_array_equal(out.price_usd_per_token, floor)
    assert out.iterations == 0
    shares = demand.choice_shares(g - T * floor, MU, 0.1)
    np.testing.assert_allclose(out.shares.firm, shares.firm, rtol=1e-15)
    cs = demand.consumer_surplus_usd_per_year(g - T * floor, MU, 1e6, 0.1)
    assert out.consumer_surplus_usd == pytest.approx(cs, rel=1e-14)


def test_clearing_with_one_firm_short_of_capacity() -> None:
    g, floor = np.array([0.8, 0.6]), np.array([1e-4, 5e-5])
    capacity = np.array([1e7, np.inf])  # firm 0 could sell 5e8 tokens at its floor
    out = demand.clear_services_market(g, floor, capacity, 1e6, T, MU, 0.1)
    assert out.tokens[0] == pytest.approx(1e7, rel=1e-9)
    assert out.price_usd_per_token[0] > floor[0]
    assert out.price_usd_per_token[1] == floor[1]
    # closed form for one bound firm: s0 / (1 - s0) = e^(u0/mu) / (weights of the rest)
    s0 = 1e7 / (1e6 * T)
    rest = math.exp((0.6 - T * 5e-5) / MU) + math.exp(0.1 / MU) + 1.0
    price = (0.8 - MU * math.log(rest * s0 / (1 - s0))) / T
    assert out.price_usd_per_token[0] == pytest.approx(price, rel=1e-12)
    # the rationed demand goes partly to the rival
    free = demand.clear_services_market(g, floor, [np.inf, np.inf], 1e6, T, MU, 0.1)
    assert out.tokens[1] > free.tokens[1]
    assert out.consumer_surplus_usd < free.consumer_surplus_usd


def test_clearing_firms_without_capacity_offer_nothing() -> None:
    out = demand.clear_services_market([0.8, 0.8], [1e-4, 1e-4], [0.0, 1e12], 1e6, T, MU)
    assert np.isnan(out.price_usd_per_token[0])
    assert out.shares.firm[0] == 0.0
    assert out.tokens[0] == 0.0
    assert out.spending_usd[0] == 0.0


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 8),
    st.integers(0, 2**32 - 1),
    st.floats(1e-3, 10.0),
    st.floats(-3.0, 3.0) | st.just(-np.inf),
)
def test_clearing_invariants(n: int, seed: int, mu: float, open_utility: float) -> None:
    rng = np.random.default_rng(seed)
    g = rng.uniform(0.0, 5.0, n)
    floor = rng.uniform(0.0, 3e-3, n)
    capacity = 10.0 ** rng.uniform(3.0, 10.0, n)
    m = 1e6
    out = demand.clear_services_market(g, floor, capacity, m, T, mu, open_utility)
    price = out.price_usd_per_token
    assert out.iterations < 10
    # prices at or above floors; demand within capacity; at capacity wherever above the floor
    assert np.all(price >= floor)
    assert np.all(out.tokens <= capacity * (1 + 1e-9))
    above = price > floor
    np.testing.assert_allclose(out.tokens[above], capacity[above], rtol=1e-9)
    # conservation: every task goes somewhere; tokens are shares of the envelope; money adds up
    total = out.shares.firm.sum() + out.shares.open + out.shares.none
    assert total == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(out.tokens, out.shares.firm * m * T, rtol=1e-12)
    np.testing.assert_allclose(out.spending_usd, out.tokens * price, rtol=1e-12)
    assert out.tokens.sum() <= m * T * (1 + 1e-12)
    # the surplus is that of the cleared prices
    cs = demand.consumer_surplus_usd_per_year(g - T * price, mu, m, open_utility)
    assert out.consumer_surplus_usd == pytest.approx(float(cs), rel=1e-12, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_a_capacity_cut_lowers_tokens_and_surplus(n: int, seed: int) -> None:
    # firms at their Nash prices; every capacity scaled down alike (an energy cap): tokens and
    # consumer surplus fall step by step. Spending need not fall for a mild cut (in a nearly
    # saturated market aggregate demand is inelastic, so scarcity raises revenue) but falls for
    # a deep one, where the taken options are priced out toward not buying
    rng = np.random.default_rng(seed)
    g, cost = rng.uniform(0.2, 2.0, n), rng.uniform(1e-6, 5e-5, n)
    mu, u_open, m, tokens = 10 ** rng.uniform(-2, 0), rng.uniform(-1, 1), 1e8, 1e4
    floor = demand.bertrand_nash_prices_usd_per_token(g, cost, mu, tokens, u_open)[0]
    free = demand.clear_services_market(g, floor, np.full(n, np.inf), m, tokens, mu, u_open)
    capacity = free.tokens * rng.uniform(0.2, 1.5, n)
    previous = free
    for factor in (1.0, 0.5, 0.1, 0.01):
        out = demand.clear_services_market(g, floor, capacity * factor, m, tokens, mu, u_open)
        assert out.tokens.sum() <= previous.tokens.sum() * (1 + 1e-12)
        assert out.consumer_surplus_usd <= previous.consumer_surplus_usd * (1 + 1e-12)
        previous = out
    deep = demand.clear_services_market(g, floor, capacity * 1e-3, m, tokens, mu, u_open)
    assert deep.spending_usd.sum() < free.spending_usd.sum()


def test_nash_prices_with_a_dominant_firm() -> None:
    # firm 0 is worth 1e4 USD/task more than firm 1 at mu = 1e-3: its rivals' weight is below
    # 1e-16 of its own at first; the best response must still use it exactly (limit pricing:
    # the leader prices just below the value gap, the follower at a competitive markup mu)
    nash = demand.bertrand_nash_prices_usd_per_token([1e4, 1.0], [1e-5, 1e-5], 1e-3, T)
    markup = (nash.price_usd_per_token - 1e-5) * T
    # 1 - s of the leader as the sum of everyone else's shares (1 - 0.9999999 loses digits);
    # the leader's utility is a difference of two numbers of 1e7 mu, so ~1e-9 is the best
    # attainable (it was 1e-7 while convergence was judged on the largest markup only)
    others = nash.shares.firm[::-1] + nash.shares.none + nash.shares.open
    np.testing.assert_allclose(markup, 1e-3 / others, rtol=1e-8)
    assert nash.shares.firm[0] > 0.999
    assert markup[1] == pytest.approx(1e-3, rel=1e-6)


# --- installed base (switching costs) --------------------------------------------------------


def test_installed_base_closed_form() -> None:
    # lambda mu ln(b / b_avg) over the firms with users: an average firm gets 0, a firm with
    # twice the average lambda mu ln 2; a firm without users counts as a tenth of an average one
    bonus = demand.installed_base_usd_per_task([0.5, 0.25, 0.25, 0.0], MU, 0.9)
    expected = 0.9 * MU * np.log([1.5, 0.75, 0.75, 0.1])
    np.testing.assert_allclose(bonus, expected, rtol=1e-15)
    # equal bases, a single firm, or no switching costs: nothing changes
    assert np.all(demand.installed_base_usd_per_task([0.2] * 5, MU, 0.9) == 0.0)
    assert np.all(demand.installed_base_usd_per_task([1.0], MU, 0.9) == 0.0)
    assert np.all(demand.installed_base_usd_per_task([0.7, 0.3], MU, 0.0) == 0.0)


def test_entry_and_exit_do_not_move_the_other_firms_installed_base() -> None:
    incumbents = demand.installed_base_usd_per_task([0.6, 0.3, 0.1], MU, 0.9)
    with_entrant = demand.installed_base_usd_per_task([0.6, 0.3, 0.1, 0.0], MU, 0.9)
    np.testing.assert_allclose(with_entrant[:3], incumbents, rtol=1e-14)
    assert with_entrant[3] == pytest.approx(0.9 * MU * math.log(0.1), rel=1e-14)
    # the firm with 0.1 leaves: the others' bases no longer sum to 1, but what counts is each
    # base against the average of those left
    after_exit = demand.installed_base_usd_per_task([0.6, 0.3], MU, 0.9)
    np.testing.assert_allclose(after_exit, 0.9 * MU * np.log([4 / 3, 2 / 3]), rtol=1e-14)


def test_experienced_surplus_leaves_out_the_installed_base() -> None:
    share, bonus = np.array([0.5, 0.2]), np.array([0.03, -0.02])
    surplus = demand.experienced_surplus_usd(100.0, share, bonus, 1000.0)
    assert surplus == pytest.approx(100.0 - 1000.0 * (0.5 * 0.03 - 0.2 * 0.02), rel=1e-15)
    assert demand.experienced_surplus_usd(100.0, share, np.zeros(2), 1000.0) == 100.0


def test_installed_base_tilts_choice_weights_by_its_elasticity() -> None:
    # at equal quality and price, choice weights go as the base to the power lambda
    u = 0.5 + demand.installed_base_usd_per_task([0.6, 0.4], MU, 0.9)
    share = demand.choice_shares(u, MU).firm
    assert share[0] / share[1] == pytest.approx(1.5**0.9, rel=1e-12)


def test_installed_base_update_is_exact_over_any_step() -> None:
    base, share = np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.1, 0.2])  # firms sell 40%
    one = demand.installed_base_share_after(base, share, 0.5, 2.0)
    two = demand.installed_base_share_after(
        demand.installed_base_share_after(base, share, 0.25, 2.0), share, 0.25, 2.0
    )
    np.testing.assert_allclose(one, two, rtol=1e-14)
    target = share / share.sum()
    np.testing.assert_allclose(one, target + (base - target) * math.exp(-0.25), rtol=1e-14)
    assert one.sum() == pytest.approx(1.0, rel=1e-14)
    # memory 0: the base is the step's share; no sales: the base stays
    np.testing.assert_allclose(demand.installed_base_share_after(base, share, 0.5, 0.0), target)
    np.testing.assert_array_equal(
        demand.installed_base_share_after(base, 0 * share, 0.5, 2.0), base
    )
