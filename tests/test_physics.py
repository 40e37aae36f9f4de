"""Ceilings on the efficiency links (sim/physics.py): closed forms, hand values, invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import law, physics

BUDGET = settings(max_examples=150, deadline=None)


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


# --- physical bounds ---------------------------------------------------------------------------


def test_landauer_bound_at_room_temperature() -> None:
    # k T ln 2 = 1.380649e-23 * 300 * 0.693147... J
    assert physics.landauer_joules_per_bit() == pytest.approx(2.870979e-21, rel=1e-6, abs=0.0)
    assert physics.landauer_flop_per_joule() == pytest.approx(3.4831e20, rel=1e-4)
    assert physics.landauer_flop_per_joule(16.0) == pytest.approx(3.4831e20 / 16, rel=1e-4)
    # colder sink, proportionally more operations
    assert physics.landauer_flop_per_joule(1.0, 150.0) == pytest.approx(2 * 3.4831e20, rel=1e-4)


def test_cmos_ceiling_scales_with_operand_width() -> None:
    assert physics.cmos_ceiling_flop_per_joule(4.0) == pytest.approx(4.7e15)
    assert physics.cmos_ceiling_flop_per_joule(16.0) == pytest.approx(4.7e15 / 4)
    assert physics.cmos_ceiling_flop_per_joule(16.0, bit_scaling_exponent=2.0) == pytest.approx(
        4.7e15 / 16
    )
    assert pytest.approx(1.175e15) == physics.DEFAULT_CHIP_CEILING_FLOP_PER_JOULE
    # the CMOS ceiling sits far below Landauer's bound even at 16 bits erased per FLOP
    assert physics.landauer_flop_per_joule(16.0) / 1e3 > physics.DEFAULT_CHIP_CEILING_FLOP_PER_JOULE


# --- ceiling law: closed forms -----------------------------------------------------------------


def test_ceiling_law_with_softness_one_is_the_logistic_in_the_level() -> None:
    # s = 1: E(t) = E_max / (1 + (E_max/E0 - 1) 2**(-g t)), checked by hand at E0 = E_max/4
    g, t = 0.5, 3.0
    x = physics.ceiling_log2_level(t, 10.0, 12.0, g, 1.0)
    expected = 2.0**12 / (1.0 + 3.0 * 2.0 ** (-g * t))
    assert 2.0**x == pytest.approx(expected, rel=1e-14)


def test_ceiling_law_reduces_to_the_exponential_without_a_ceiling() -> None:
    t = np.linspace(0.0, 500.0, 11)
    x = physics.ceiling_log2_level(t, 40.3, math.inf, 0.45, 2.0)
    np.testing.assert_array_equal(x, 40.3 + 0.45 * t)  # the existing formula, exactly
    assert physics.ceiling_rate_factor(40.0, math.inf, 2.0) == 1.0
    assert physics.ceiling_doublings_per_year(40.0, math.inf, 0.45, 2.0) == 0.45


def test_rate_is_half_at_softness_below_the_ceiling() -> None:
    assert physics.ceiling_doublings_per_year(48.0, 50.0, 0.4, 2.0) == pytest.approx(0.2)
    assert physics.ceiling_doublings_per_year(46.0, 50.0, 0.4, 2.0) == pytest.approx(0.3)
    assert physics.ceiling_doublings_per_year(50.0, 50.0, 0.4, 2.0) == 0.0


def test_declines_feel_no_ceiling() -> None:
    assert physics.ceiling_log2_level(2.0, 49.0, 50.0, -0.3, 2.0) == pytest.approx(48.4)
    assert physics.ceiling_doublings_per_year(49.9, 50.0, -0.3, 2.0) == -0.3


def test_the_rate_is_the_derivative_of_the_level() -> None:
    x0, x_max, g, s, t, eps = 30.0, 39.0, 0.6, 2.0, 7.0, 1e-5
    x = physics.ceiling_log2_level(t, x0, x_max, g, s)
    slope = (
        physics.ceiling_log2_level(t + eps, x0, x_max, g, s)
        - physics.ceiling_log2_level(t - eps, x0, x_max, g, s)
    ) / (2 * eps)
    assert slope == pytest.approx(physics.ceiling_doublings_per_year(x, x_max, g, s), rel=1e-7)


def test_pue_follows_the_suppliers_rule_and_stays_at_or_above_one() -> None:
    t = np.array([0.0, 1.0, 10.0, 37.5, 500.0])
    expected = 1.0 + 0.3 * np.exp2(-0.1 * t)
    np.testing.assert_allclose(physics.pue_after(t, 1.3, 0.1), expected, rtol=1e-14)
    assert np.all(physics.pue_after(t, 1.3, 5.0) >= 1.0)


# --- ceiling law: invariants ---------------------------------------------------------------------

levels = floats(-40.0, 120.0)
headrooms = floats(0.0, 80.0)
rates = floats(0.0, 20.0)
softness = floats(0.05, 20.0)
horizons = floats(0.0, 500.0)


@BUDGET
@given(x0=levels, room=headrooms, g=rates, s=softness, t=horizons)
def test_never_above_the_ceiling_and_never_overflows(
    x0: float, room: float, g: float, s: float, t: float
) -> None:
    x_max = x0 + room
    x = physics.ceiling_log2_level(t, x0, x_max, g, s)
    assert math.isfinite(x)
    assert x0 - 1e-12 <= x <= x_max


@BUDGET
@given(x0=levels, room=headrooms, g=rates, s=softness, t=floats(0.0, 100.0), n=st.integers(1, 64))
def test_any_step_length_gives_the_same_level(
    x0: float, room: float, g: float, s: float, t: float, n: int
) -> None:
    x_max = x0 + room
    whole = physics.ceiling_log2_level(t, x0, x_max, g, s)
    x = x0
    for _ in range(n):
        x = physics.ceiling_log2_level(t / n, x, x_max, g, s)
    assert x == pytest.approx(whole, rel=1e-12, abs=1e-9)


def test_halving_the_step_moves_the_level_after_twenty_years_by_under_1e9() -> None:
    x0, x_max = math.log2(1.41e12), math.log2(physics.DEFAULT_CHIP_CEILING_FLOP_PER_JOULE)
    levels_by_step = []
    for steps_per_year in (12, 24):
        x = x0
        for k in range(20 * steps_per_year):
            # a rate that changes from step to step (R&D) is integrated exactly within each step
            g = 0.45 + 0.1 * math.sin(k / steps_per_year)
            x = physics.ceiling_log2_level(1.0 / steps_per_year, x, x_max, g, 2.0)
        levels_by_step.append(x)
    # the rate path differs between grids (held per step), so compare with a constant rate too
    monthly = np.full(240, 1.0 / 12)
    x_m = x0
    for dt in monthly:
        x_m = physics.ceiling_log2_level(dt, x_m, x_max, 0.45, 2.0)
    x_h = x0
    for dt in np.full(480, 1.0 / 24):
        x_h = physics.ceiling_log2_level(dt, x_h, x_max, 0.45, 2.0)
    assert abs(2.0**x_m / 2.0**x_h - 1.0) < 1e-9
    assert all(math.isfinite(v) and v <= x_max for v in levels_by_step)


@BUDGET
@given(room1=headrooms, room2=headrooms, g=rates, s=softness)
def test_rate_falls_monotonically_toward_the_ceiling(
    room1: float, room2: float, g: float, s: float
) -> None:
    near, far = sorted((room1, room2))
    rate_near = physics.ceiling_doublings_per_year(50.0 - near, 50.0, g, s)
    rate_far = physics.ceiling_doublings_per_year(50.0 - far, 50.0, g, s)
    assert 0.0 <= rate_near <= rate_far <= g


def test_rate_along_a_path_falls_as_the_level_rises() -> None:
    t = np.linspace(0.0, 100.0, 401)
    x = physics.ceiling_log2_level(t, 40.0, 50.0, 0.45, 2.0)
    rate = physics.ceiling_doublings_per_year(x, 50.0, 0.45, 2.0)
    assert np.all(np.diff(x) >= 0.0)
    assert np.all(np.diff(rate) <= 0.0)
    assert rate[0] == pytest.approx(0.45 * (1 - 2.0**-5))


# --- ideas law ----------------------------------------------------------------------------------


def test_ideas_law_hand_value() -> None:
    # beta = 0.5, g = 1, start at the reference: 2**(x/2) = 1 + 0.5 ln2 t
    t = 4.0
    x = physics.ideas_log2_level(t, 0.0, 0.0, 1.0, 0.5)
    assert x == pytest.approx(2.0 * math.log2(1.0 + 0.5 * math.log(2.0) * t), rel=1e-14)


def test_ideas_law_reduces_to_the_exponential_without_difficulty() -> None:
    t = np.linspace(0.0, 500.0, 11)
    np.testing.assert_array_equal(
        physics.ideas_log2_level(t, -1.32, -1.32, 1.2, 0.0), -1.32 + 1.2 * t
    )
    # and is continuous as beta -> 0
    assert physics.ideas_log2_level(20.0, 0.0, 0.0, 1.2, 1e-12) == pytest.approx(24.0, rel=1e-9)


def test_ideas_gain_over_a_grid_of_firms_and_nodes() -> None:
    # firms down the rows, interval lengths along a trailing axis (as the model calls it)
    x0 = np.array([[0.0], [3.0], [-1.0], [2.0]])
    g = np.array([[1.0], [1.2], [0.0], [0.8]])  # a firm without research gains nothing
    beta = np.array([[0.5], [0.2], [0.2], [0.0]])  # nor one whose ideas never get harder
    t = np.array([0.0, 0.25, 4.0])
    gain = physics.ideas_log2_gain(t, x0, 0.0, g, beta)
    assert np.shape(gain) == (4, 3)
    # beta = 0.5, g = 1 at the reference: 2**(x/2) = 1 + 0.5 ln2 t
    np.testing.assert_allclose(gain[0], 2.0 * np.log2(1.0 + 0.5 * math.log(2.0) * t), rtol=1e-14)
    # 3 doublings above the reference the same research buys 2**(-0.6) of its rate
    rate = 1.2 * 2.0**-0.6
    np.testing.assert_allclose(
        gain[1], np.log1p(0.2 * math.log(2.0) * rate * t) / (0.2 * math.log(2.0)), rtol=1e-14
    )
    np.testing.assert_array_equal(gain[2], 0.0)
    np.testing.assert_array_equal(gain[3], 0.8 * t)
    np.testing.assert_array_equal(physics.ideas_log2_level(t, x0, 0.0, g, beta), x0 + gain)


@BUDGET
@given(
    x0=floats(-50.0, 200.0),
    xr=floats(-50.0, 50.0),
    g=floats(0.0, 20.0),
    beta=floats(0.0, 3.0),
    t=floats(0.0, 100.0),
    n=st.integers(1, 64),
)
def test_ideas_law_composes_and_stays_finite(
    x0: float, xr: float, g: float, beta: float, t: float, n: int
) -> None:
    whole = physics.ideas_log2_level(t, x0, xr, g, beta)
    x = x0
    for _ in range(n):
        x = physics.ideas_log2_level(t / n, x, xr, g, beta)
    assert math.isfinite(whole)
    assert whole >= x0
    if x0 >= xr:  # above the reference, never faster than without difficulty
        assert whole <= x0 + g * t + 1e-9 * (1 + abs(x0))
    assert x == pytest.approx(whole, rel=1e-12, abs=1e-9)


@BUDGET
@given(x1=floats(-20.0, 100.0), x2=floats(-20.0, 100.0), g=floats(0.0, 5.0), beta=floats(0.0, 2.0))
def test_ideas_get_harder_with_every_doubling(x1: float, x2: float, g: float, beta: float) -> None:
    low, high = sorted((x1, x2))
    assert physics.ideas_doublings_per_year(high, 0.0, g, beta) <= physics.ideas_doublings_per_year(
        low, 0.0, g, beta
    )


def test_ideas_slope_matches_the_rate() -> None:
    t, eps = 12.0, 1e-5
    x = physics.ideas_log2_level(t, 1.0, 0.0, 1.2, 0.2)
    slope = (
        physics.ideas_log2_level(t + eps, 1.0, 0.0, 1.2, 0.2)
        - physics.ideas_log2_level(t - eps, 1.0, 0.0, 1.2, 0.2)
    ) / (2 * eps)
    assert slope == pytest.approx(physics.ideas_doublings_per_year(x, 0.0, 1.2, 0.2), rel=1e-7)


def test_moore_difficulty_from_bloom_et_al() -> None:
    assert pytest.approx(0.194, abs=1e-3) == physics.MOORE_IDEA_DIFFICULTY_PER_DOUBLING


# --- the step integral --------------------------------------------------------------------------


def test_step_nodes_are_a_mean() -> None:
    t, w = physics.step_nodes(0.5, 9.0)
    assert t.shape == w.shape == (48,)  # three panels of 16
    assert np.sum(w) == pytest.approx(1.0, rel=1e-15)
    assert np.all((t > 0.0) & (t < 0.5)) and np.all(np.diff(t) > 0)


@BUDGET
@given(g=floats(-30.0, 30.0), dt=floats(1e-4, 1.0))
def test_step_gain_of_exponential_links_is_the_growth_integral(g: float, dt: float) -> None:
    t, w = physics.step_nodes(dt, g * dt)
    mean = physics.step_mean_gain(g * t, w)
    assert mean == pytest.approx(law.growth_integral(g * dt), rel=1e-13)


def test_step_gain_of_a_logistic_link_matches_its_closed_form() -> None:
    # s = 1: the mean of E(t)/E0 over [0, dt] is (E_max/E0) ln(1 + (E0/E_max)(2**(g dt) - 1))/(g ln2 dt)
    x0, x_max, g, dt = 10.0, 13.0, 6.0, 1.0
    t, w = physics.step_nodes(dt, g * dt)
    gain = physics.ceiling_log2_level(t, x0, x_max, g, 1.0) - x0
    ratio = 2.0 ** (x_max - x0)
    exact = ratio * math.log1p((2.0**g - 1.0) / ratio) / (g * math.log(2.0) * dt)
    assert physics.step_mean_gain(gain, w) == pytest.approx(exact, rel=1e-13)


@BUDGET
@given(
    room=floats(0.0, 30.0),
    g_chip=floats(0.0, 10.0),
    s=floats(0.2, 10.0),
    g_algo=floats(0.0, 10.0),
    beta=floats(0.0, 2.0),
    pue=floats(1.0, 3.0),
    dt=floats(1 / 365, 1.0),
)
def test_step_gain_of_a_chain_converges(
    room: float, g_chip: float, s: float, g_algo: float, beta: float, pue: float, dt: float
) -> None:
    def gain(t: np.ndarray) -> np.ndarray:
        chip = physics.ceiling_log2_level(t, 40.0, 40.0 + room, g_chip, s) - 40.0
        algo = physics.ideas_log2_level(t, 2.0, 0.0, g_algo, beta) - 2.0
        site = physics.ceiling_log2_level(t, -math.log2(pue), 0.0, 0.3, 1.0) + math.log2(pue)
        return np.asarray(chip + algo + site)

    span = float(gain(np.array(dt)))
    bound = (g_chip / min(1.0, s) + g_algo * 2.0 ** (-2.0 * beta) + 0.3) * dt
    coarse = physics.log2_step_mean_gain(
        gain(physics.step_nodes(dt, bound)[0]), physics.step_nodes(dt, bound)[1]
    )
    t_fine, w_fine = physics.step_nodes(dt, bound, nodes_per_panel=48)
    fine = physics.log2_step_mean_gain(gain(t_fine), w_fine)
    assert coarse == pytest.approx(fine, rel=1e-12, abs=1e-13)
    assert 0.0 <= coarse <= span + 1e-12  # a mean of a rising gain lies between its ends


def test_step_gain_is_vectorised_over_agents_and_finite_for_huge_gains() -> None:
    t, w = physics.step_nodes(1.0, 3000.0)
    rates = np.array([0.0, 1.0, 3000.0])
    log2_mean = physics.log2_step_mean_gain(t[:, None] * rates[None, :], w, axis=0)
    assert log2_mean.shape == (3,)
    assert log2_mean[0] == 0.0
    np.testing.assert_allclose(log2_mean, law.log2_growth_integral(rates), rtol=1e-12)


# --- a frontier run: the chain integrated step by step ------------------------------------------


def _frontier_compute(steps_per_year: int, years: float, chip_ceiling: float, beta: float) -> float:
    """Cumulative logical compute [FLOP] of constant power through site, chip and algorithm
    links, each advanced exactly and each step integrated with Gauss-Legendre."""
    dt = 1.0 / steps_per_year
    power_j_per_year = 1e17  # ~3 GW
    site, chip, algo = math.log2(1 / 1.3), math.log2(1.41e12), math.log2(0.4)
    chip_max = math.log2(chip_ceiling)
    g_site, g_chip, g_algo = 0.1, 0.45, 1.2
    total = 0.0
    for _ in range(round(years * steps_per_year)):
        bound = g_site + g_chip / min(1.0, 2.0) + g_algo * 2.0 ** (-beta * (algo - math.log2(0.4)))
        t, w = physics.step_nodes(dt, bound * dt)
        gain = (
            physics.ceiling_log2_level(t, site, 0.0, g_site, 1.0)
            - site
            + physics.ceiling_log2_level(t, chip, chip_max, g_chip, 2.0)
            - chip
            + physics.ideas_log2_level(t, algo, math.log2(0.4), g_algo, beta)
            - algo
        )
        total += (
            power_j_per_year * dt * 2.0 ** (site + chip + algo) * physics.step_mean_gain(gain, w)
        )
        site = physics.ceiling_log2_level(dt, site, 0.0, g_site, 1.0)
        chip = physics.ceiling_log2_level(dt, chip, chip_max, g_chip, 2.0)
        algo = physics.ideas_log2_level(dt, algo, math.log2(0.4), g_algo, beta)
    return total


def test_a_frontier_run_does_not_depend_on_the_step_length() -> None:
    monthly = _frontier_compute(12, 20.0, physics.DEFAULT_CHIP_CEILING_FLOP_PER_JOULE, 0.2)
    fortnightly = _frontier_compute(24, 20.0, physics.DEFAULT_CHIP_CEILING_FLOP_PER_JOULE, 0.2)
    yearly = _frontier_compute(1, 20.0, physics.DEFAULT_CHIP_CEILING_FLOP_PER_JOULE, 0.2)
    assert monthly == pytest.approx(fortnightly, rel=1e-11)
    assert monthly == pytest.approx(yearly, rel=1e-11)


def test_a_frontier_run_without_ceilings_is_the_papers_closed_form() -> None:
    # site overhead still halves (its ceiling is physics), so compare chip x algorithms only:
    # with the site rate 0 the chain is E0 2**((0.45 + 1.2) t) and C = P E0 t phi(g t)
    dt, years, power = 1.0 / 12, 20.0, 1e17
    chip, algo = math.log2(1.41e12), math.log2(0.4)
    total = 0.0
    for _ in range(round(years / dt)):
        t, w = physics.step_nodes(dt, 1.65 * dt)
        gain = (
            physics.ceiling_log2_level(t, chip, math.inf, 0.45, 2.0)
            - chip
            + physics.ideas_log2_level(t, algo, algo, 1.2, 0.0)
            - algo
        )
        total += power * dt * 2.0 ** (chip + algo) * physics.step_mean_gain(gain, w)
        chip = physics.ceiling_log2_level(dt, chip, math.inf, 0.45, 2.0)
        algo = physics.ideas_log2_level(dt, algo, algo, 1.2, 0.0)
    expected = power * 1.41e12 * 0.4 * years * law.growth_integral(1.65 * years)
    assert total == pytest.approx(expected, rel=1e-12)


def test_research_input_and_the_jones_steady_state() -> None:
    assert physics.ideas_rate_from_research(4e9, 2e9, 1.2, 0.5) == pytest.approx(1.2 * math.sqrt(2))
    assert physics.ideas_rate_from_research(2e9, 2e9, 1.2) == 1.2
    assert physics.ideas_steady_doublings_per_year(0.24, 0.2) == pytest.approx(1.2)
    # research growing at n doublings a year: the rate settles at lambda n / beta
    n, beta, lam, dt = 0.3, 0.2, 0.8, 0.25
    x, rate = 0.0, 0.0
    for k in range(int(400 / dt)):
        # research held at its mid-step value within each step
        g = physics.ideas_rate_from_research(2.0 ** (n * (k + 0.5) * dt), 1.0, 0.5, lam)
        x = physics.ideas_log2_level(dt, x, 0.0, g, beta)
        g_now = physics.ideas_rate_from_research(2.0 ** (n * (k + 1) * dt), 1.0, 0.5, lam)
        rate = physics.ideas_doublings_per_year(x, 0.0, g_now, beta)
    assert rate == pytest.approx(physics.ideas_steady_doublings_per_year(n, beta, lam), rel=1e-3)
