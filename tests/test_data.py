"""Finite data and data-constrained scaling (sim/data.py): hand values, the law's limit, invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import data, law

FIT = law.CHINCHILLA_FITS["besiroglu"]
BUDGET = settings(max_examples=40, deadline=None)


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


fits = st.sampled_from(sorted(law.CHINCHILLA_FITS))
log10_compute = floats(20.0, 40.0)
log10_tokens = floats(11.0, 16.0)


# --- Muennighoff et al. 2023 by hand ---------------------------------------------------------


def test_repeated_tokens_by_hand() -> None:
    # four epochs: R_D = 3, D' = U (1 + 15.4 (1 - e^(-3/15.4))) = 3.7259 U ("almost as good as
    # unique", Muennighoff et al. 2023 section 5)
    assert data.effective_repeated(4e9, 1e9) == pytest.approx(
        1e9 * (1 + 15.4 * (1 - math.exp(-3 / 15.4))), rel=1e-14
    )
    assert data.effective_repeated(4e9, 1e9) == pytest.approx(3.7259e9, rel=1e-4)
    # R_D = R_D*: U (1 + R* (1 - 1/e))
    assert data.effective_repeated(16.4, 1.0) == pytest.approx(1 + 15.4 * (1 - math.exp(-1)))
    # nothing repeated: the count itself; saturation at U (1 + R*)
    assert data.effective_repeated(0.5, 1.0) == 0.5
    assert data.effective_repeated(1e9, 1.0) == pytest.approx(16.4, rel=1e-12)
    assert data.effective_repeated(1e9, 1.0, data.PARAM_EXCESS_DECAY) == pytest.approx(6.3)


def test_data_constrained_loss_by_hand() -> None:
    n, d, u = 1e11, 1e13, 1e12
    n_u = FIT.g_coefficient * (FIT.g_coefficient * u) ** (FIT.data_exponent / FIT.param_exponent)
    un = min(n_u, n)
    n_eff = un + un * 5.3 * (1 - math.exp(-(n / un - 1) / 5.3)) if n > un else n
    d_eff = u + u * 15.4 * (1 - math.exp(-(d / u - 1) / 15.4))
    expected = 1.8172 + 482.01 * n_eff**-0.3478 + 2085.43 * d_eff**-0.3658
    assert data.data_constrained_loss(n, d, u, FIT) == pytest.approx(expected, rel=1e-14)


def test_where_data_binds() -> None:
    u = 3e14
    c_bind = data.compute_where_data_binds(u, FIT)
    assert FIT.optimal_tokens(c_bind) == pytest.approx(u, rel=1e-12)
    assert data.unique_params_for_tokens(u, FIT) == pytest.approx(
        FIT.optimal_params(c_bind), rel=1e-12
    )
    # Villalobos et al. 2024: a stock of ~4e14 tokens is used up by non-overtrained runs of ~5e28
    assert 1e28 < c_bind < 1e29


def test_stock_and_synthetic_tokens() -> None:
    assert data.public_text_tokens(0.0) == 3e14
    assert data.public_text_tokens(10.0) == pytest.approx(3e14 * 1.03**10, rel=1e-12)
    # H S* (1 - exp(-G / (H S*))) by hand: H = 1e14, S* = 2, G = 2e14 -> 2e14 (1 - e^-1)
    assert data.synthetic_stock_tokens(2e14, 1e14, 2.0) == pytest.approx(
        2e14 * (1 - math.exp(-1.0)), rel=1e-14
    )
    # the first tokens are worth one each, the stock never passes S* human stocks
    assert data.synthetic_stock_tokens(1e6, 1e14, 2.0) == pytest.approx(1e6, rel=1e-7)
    assert data.synthetic_stock_tokens(1e30, 1e14, 2.0) == 2e14
    assert data.synthetic_stock_tokens(5e20, 1e14, math.inf) == 5e20  # no ceiling
    assert data.synthetic_stock_tokens(5e20, 1e14, 0.0) == 0.0  # no synthetic data
    assert data.synthetic_stock_tokens(0.0, 1e14, 2.0) == 0.0


# --- the unconstrained law is recovered ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(law.CHINCHILLA_FITS))
def test_equals_the_law_while_data_is_ample(name: str) -> None:
    fit = law.CHINCHILLA_FITS[name]
    compute = np.logspace(20, 30, 21)
    ample = 10.0 * np.asarray(fit.optimal_tokens(compute))
    loss, params, tokens = data.data_limited_run(compute, ample, fit)
    np.testing.assert_allclose(loss, fit.loss(compute), rtol=1e-12)
    np.testing.assert_allclose(params, fit.optimal_params(compute), rtol=1e-12)
    np.testing.assert_allclose(tokens, fit.optimal_tokens(compute), rtol=1e-12)
    np.testing.assert_array_equal(data.effective_compute_flop(compute, ample, fit), compute)
    np.testing.assert_array_equal(data.data_limited_share(compute, ample, fit), 0.0)
    assert data.data_limited_loss(1e25, math.inf, fit) == fit.loss(1e25)


def test_continuous_where_data_starts_to_bind() -> None:
    u = 3e14
    c_bind = float(data.compute_where_data_binds(u, FIT))
    for excess in (1e-9, 1e-6, 1e-4):
        c = c_bind * (1 + excess)
        assert data.data_limited_loss(c, u, FIT) == pytest.approx(FIT.loss(c), rel=1e-9)


def test_loss_bends_away_from_the_law_when_data_binds() -> None:
    u = 3e14
    compute = np.logspace(29, 36, 8)
    loss = np.asarray(data.data_limited_loss(compute, u, FIT))
    gap = loss - np.asarray(FIT.loss(compute))
    assert np.all(gap > 0) and np.all(np.diff(gap) > 0)  # the gap opens as compute grows
    floor = data.data_limited_loss_floor(u, FIT)
    assert loss[-1] == pytest.approx(floor, rel=1e-9)  # and the curve flattens onto the floor
    share = np.asarray(data.data_limited_share(compute, u, FIT))
    assert np.all(np.diff(share) > 0) and share[0] > 0 and share[-1] > 0.99


# --- invariants ------------------------------------------------------------------------------


@BUDGET
@given(name=fits, lc1=log10_compute, lc2=log10_compute, lu=log10_tokens)
def test_monotone_in_compute(name: str, lc1: float, lc2: float, lu: float) -> None:
    fit = law.CHINCHILLA_FITS[name]
    small, large = sorted((10.0**lc1, 10.0**lc2))
    u = 10.0**lu
    assert data.data_limited_loss(large, u, fit) <= data.data_limited_loss(small, u, fit) + 1e-12
    assert data.effective_compute_flop(large, u, fit) >= data.effective_compute_flop(
        small, u, fit
    ) * (1 - 1e-9)


@BUDGET
@given(name=fits, lc=log10_compute, lu1=log10_tokens, lu2=log10_tokens)
def test_monotone_in_data(name: str, lc: float, lu1: float, lu2: float) -> None:
    fit = law.CHINCHILLA_FITS[name]
    few, many = sorted((10.0**lu1, 10.0**lu2))
    c = 10.0**lc
    assert data.data_limited_loss(c, many, fit) <= data.data_limited_loss(c, few, fit) + 1e-12


@BUDGET
@given(name=fits, lc=log10_compute, lu=log10_tokens)
def test_bounded_by_the_law_and_the_floors(name: str, lc: float, lu: float) -> None:
    fit = law.CHINCHILLA_FITS[name]
    c, u = 10.0**lc, 10.0**lu
    loss = data.data_limited_loss(c, u, fit)
    assert loss >= fit.loss(c) - 1e-12  # never better than unlimited data
    assert loss >= data.data_limited_loss_floor(u, fit) - 1e-12 > fit.loss_floor
    c_eff = data.effective_compute_flop(c, u, fit)
    assert 0.0 < c_eff <= c
    assert fit.loss(c_eff) == pytest.approx(loss, rel=1e-9)
    share = data.data_limited_share(c, u, fit)
    assert 0.0 <= share <= 1.0  # 1.0 once C_eff/C is below rounding


def test_vectorised_over_firms() -> None:
    compute = np.array([1e26, 1e30, 1e34])
    loss = data.data_limited_loss(compute, 3e14, FIT)
    one_by_one = [data.data_limited_loss(c, 3e14, FIT) for c in compute]
    np.testing.assert_allclose(loss, one_by_one, rtol=1e-13)


def test_synthetic_data_is_generated_only_when_data_binds_and_it_pays() -> None:
    h = 3e14
    c_u = float(data.compute_where_data_binds(h, FIT))
    trained = np.array([c_u / 10, c_u * 1e4, c_u * 1e4, c_u * 1e4])
    cost = np.array([2e14, 2e14, 2e14, 1e30])  # the last: a token costs more than it is worth
    share = np.asarray(
        data.synthetic_generation_share(trained, trained * 0.1, h, 0.0, cost, 10.0, FIT)
    )
    assert share[0] == 0.0  # data does not bind: train
    assert 0.0 < share[1] <= 1.0
    assert share[3] == 0.0
    # unbounded human data or no synthetic data at all: train
    assert data.synthetic_generation_share(1e40, 1e39, math.inf, 0.0, 2e14, 10.0, FIT) == 0.0
    assert data.synthetic_generation_share(1e40, 1e39, h, 0.0, 2e14, 0.0, FIT) == 0.0


@BUDGET
@given(
    name=fits,
    lc=floats(26.0, 40.0),
    step=floats(-3.0, 0.0),
    lh=floats(12.0, 16.0),
    lg=floats(0.0, 17.0),
    lcost=floats(10.0, 20.0),
    ceiling=st.sampled_from([0.0, 1.0, 10.0, math.inf]),
)
def test_the_chosen_share_is_the_smallest_as_good_as_any_on_the_grid(
    name: str, lc: float, step: float, lh: float, lg: float, lcost: float, ceiling: float
) -> None:
    fit = law.CHINCHILLA_FITS[name]
    c, h, g, cost = 10**lc, 10**lh, 10**lg, 10**lcost
    dc = c * 10**step

    def log_eff(s: float) -> float:
        stock = h + float(data.synthetic_stock_tokens(g + s * dc / cost, h, ceiling))
        return float(data.log_effective_compute_flop(math.log(c + (1 - s) * dc), stock, fit))

    chosen = float(data.synthetic_generation_share(c, dc, h, g, cost, ceiling, fit))
    assert chosen in data.GENERATION_SHARES
    # the best on the grid up to the tie margin, and no smaller share is as good
    best = max(log_eff(s) for s in data.GENERATION_SHARES)
    margin = data.GENERATION_TIE_NATS
    assert log_eff(chosen) >= best - margin
    assert all(log_eff(s) < best - margin for s in data.GENERATION_SHARES if s < chosen)
    # generating never beats training when its tokens are worth nothing
    if ceiling == 0.0:
        assert chosen == 0.0


@BUDGET
@given(
    lc=floats(26.0, 40.0),
    step=floats(-3.0, 0.0),
    lh=floats(12.0, 16.0),
    lg=floats(0.0, 17.0),
    lcost=floats(10.0, 20.0),
    ceiling=st.sampled_from([1.0, 10.0, math.inf]),
)
def test_the_share_with_the_stock_given_is_the_share_that_computes_it(
    lc: float, step: float, lh: float, lg: float, lcost: float, ceiling: float
) -> None:
    # a batch of firms around the drawn one (the firm passes the stock it already holds)
    spread = np.array([0.5, 1.0, 2.0, 5.0])
    c, h, g, cost = 10**lc * spread, 10**lh * spread[::-1], 10**lg * spread, 10**lcost
    dc = c * 10**step
    stock = h + np.asarray(data.synthetic_stock_tokens(g, h, ceiling))
    given_stock = data.synthetic_generation_share(c, dc, h, g, cost, ceiling, FIT, stock)
    computed = data.synthetic_generation_share(c, dc, h, g, cost, ceiling, FIT)
    np.testing.assert_array_equal(given_stock, computed)
    one_by_one = [
        data.synthetic_generation_share(c[i], dc[i], h[i], g[i], cost, ceiling, FIT)
        for i in range(len(spread))
    ]
    np.testing.assert_array_equal(computed, one_by_one)


# --------------------------------------------------------------------------------------------
# the tabulated fast path the model uses
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["besiroglu", "hoffmann"])
@pytest.mark.parametrize("unique", [1e10, 3e14, 1e18])
def test_the_table_matches_the_exact_effective_compute(preset: str, unique: float) -> None:
    fit = law.CHINCHILLA_FITS[preset]
    compute = np.geomspace(1e20, 1e60, 300)
    exact = np.log(np.asarray(data.effective_compute_flop(compute, unique, fit)))
    fast = np.asarray(data.log_effective_compute_flop(np.log(compute), unique, fit))
    np.testing.assert_allclose(fast, exact, rtol=0.0, atol=1e-6)  # C_eff to 1e-6 relative


def test_the_even_grid_lookup_is_np_interp_in_any_order() -> None:
    grid, table = data.effective_compute_table(FIT)
    nodes = grid[[0, 1, 2000, -2, -1]]
    points = np.concatenate(
        [np.random.default_rng(0).uniform(-5.0, 25.0, 10_000), nodes, [-np.inf, np.inf, -0.0]]
    )
    for ratios in (points, points[::-1], np.sort(points)):
        np.testing.assert_allclose(
            data._interpolate_even(ratios, table, np.diff(table)),
            np.interp(ratios, grid, table),
            rtol=0,
            atol=1e-13,
        )
    np.testing.assert_array_equal(
        data._interpolate_even(nodes, table, np.diff(table)), table[[0, 1, 2000, -2, -1]]
    )
    nan = data.log_effective_compute_flop(np.array([np.nan, 80.0]), 3e14, FIT)
    assert np.isnan(nan).tolist() == [True, False]  # NaN in, NaN out, without a warning


def test_the_table_is_exact_where_data_does_not_bind() -> None:
    fit = law.CHINCHILLA_FITS["besiroglu"]
    c_u = float(data.compute_where_data_binds(3e14, fit))
    log_c = np.log(np.array([1e20, c_u * 0.999, c_u]))
    assert (data.log_effective_compute_flop(log_c, 3e14, fit) == log_c).all()
    assert (data.log_effective_compute_flop(log_c, np.inf, fit) == log_c).all()
    # past the table the data-limited floor: the loss of the saturated run
    far = float(data.log_effective_compute_flop(math.log(c_u) + 100.0, 3e14, fit))
    assert fit.loss(math.exp(far)) == pytest.approx(
        data.data_limited_loss_floor(3e14, fit), rel=1e-9
    )


def test_a_share_better_by_less_than_the_tie_margin_loses_to_training() -> None:
    # a lab deep past the data wall: generating 5% of the step gains ln C_eff by less than
    # GENERATION_TIE_NATS (1e-9), which round-off can flip, so training (s = 0) wins
    c, dc, h, g, cost = 2.4476076713951704e35, 2.056584117296545e33, 3.61e13, 9.2e15, 5.22e10
    gain = [
        float(
            data.log_effective_compute_flop(
                np.log(c + (1.0 - s) * dc),
                h + data.synthetic_stock_tokens(g + s * dc / cost, h, 10.0),
                FIT,
            )
        )
        for s in (0.0, 0.05)
    ]
    assert 0.0 < gain[1] - gain[0] < data.GENERATION_TIE_NATS  # 0.05 is better, by a hair
    assert data.synthetic_generation_share(c, dc, h, g, cost, 10.0, FIT) == 0.0


@pytest.mark.parametrize("preset", ["besiroglu", "hoffmann"])
def test_the_elasticity_is_the_slope_of_the_exact_effective_compute(preset: str) -> None:
    # d ln C_eff / d ln C by central differences of the exact (untabulated) function, against
    # the table's slope: 1 below C_u, between 0 and 1 above, falling toward the floor
    fit, unique = law.CHINCHILLA_FITS[preset], 3e14
    c_u = float(data.compute_where_data_binds(unique, fit))
    log_c = np.log(c_u) + np.array([-5.0, -0.1, 0.5, 2.0, 5.0, 10.0, 15.0])
    h = 0.05
    up, down = (
        np.log(np.asarray(data.effective_compute_flop(np.exp(log_c + s), unique, fit)))
        for s in (h, -h)
    )
    exact = (up - down) / (2 * h)
    fast = np.asarray(data.effective_compute_elasticity(log_c, unique, fit))
    np.testing.assert_allclose(fast, exact, rtol=0.0, atol=2e-3)
    assert (fast[:2] == 1.0).all()
    assert (np.diff(fast[2:-1]) < 0).all() and 0.0 < fast[-2] < fast[2] < 1.0
    assert 0.0 <= fast[-1] < 1e-5  # 15 e-folds past C_u: at the floor, to rounding


def test_the_elasticity_is_one_without_a_data_limit_and_zero_past_the_table() -> None:
    c_u = float(data.compute_where_data_binds(3e14, FIT))
    log_c = np.log(np.array([1e20, c_u]))
    assert (data.effective_compute_elasticity(log_c, np.inf, FIT) == 1.0).all()
    assert (data.effective_compute_elasticity(log_c, 3e14, FIT) == 1.0).all()
    far = math.log(c_u) + data.TABLE_LOG_RATIO_MAX + 1.0
    assert float(data.effective_compute_elasticity(far, 3e14, FIT)) == 0.0
