"""Closed-form values of the shared law (sim/law.py), each checkable by hand."""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np
import pytest

from sim import law

LN2 = math.log(2.0)


def rel(a: Any, b: float) -> float:
    return float(abs(a - b) / abs(b))


# --------------------------------------------------------------------------------------------
# growth_integral: phi(x) = (2**x - 1)/(x ln2)
# --------------------------------------------------------------------------------------------


def test_growth_integral_hand_values() -> None:
    assert law.growth_integral(0.0) == 1.0  # exactly, not 0/0
    assert law.growth_integral(1.0) == pytest.approx(1.0 / LN2, rel=1e-15)
    assert law.growth_integral(2.0) == pytest.approx(3.0 / (2.0 * LN2), rel=1e-15)
    assert law.growth_integral(-1.0) == pytest.approx(0.5 / LN2, rel=1e-15)
    assert law.log_growth_integral(0.0) == 0.0
    assert law.log2_growth_integral(3.0) == pytest.approx(math.log2(7.0 / (3.0 * LN2)), rel=1e-14)


def test_growth_integral_is_continuous_through_zero() -> None:
    for x in (1e-300, 1e-12, -1e-12, 1e-6, -1e-6):
        # phi(x) = 1 + x ln2/2 + (x ln2)**2/6 + ...
        expected = 1.0 + x * LN2 / 2.0 + (x * LN2) ** 2 / 6.0
        assert law.growth_integral(x) == pytest.approx(expected, rel=1e-15)


def test_growth_integral_integrates_a_step_exactly() -> None:
    # The market model's use: monthly steps of E_k*dt*phi(g dt), E_k = 2**(g t_k), sum to the
    # closed form (2**(g T) - 1)/(g ln2) at any step length.
    g, years = 2.0, 5.0
    for steps in (1, 12, 60):
        dt = years / steps
        starts = np.arange(steps) * dt
        total = np.sum(2.0 ** (g * starts) * dt * law.growth_integral(g * dt))
        assert rel(total, (2.0 ** (g * years) - 1.0) / (g * LN2)) < 1e-12


def test_growth_integral_overflows_to_inf_silently_and_its_log_stays_finite() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert law.growth_integral(2000.0) == math.inf
        y = 2000.0 * LN2
        assert law.log_growth_integral(2000.0) == pytest.approx(y - math.log(y), rel=1e-15)
        assert law.log_growth_integral(-1e5) == pytest.approx(-math.log(1e5 * LN2), rel=1e-14)


def test_scalar_in_gives_float_out_and_arrays_broadcast() -> None:
    assert type(law.compute_multiple(1.0, 1.0)) is float
    assert type(law.relative_excess_loss(1, 1, 0.1)) is float
    out = law.relative_excess_loss(
        np.array([[1.0], [2.0], [3.0]]), np.array([0.0, 1.0, 2.0, 3.0]), 0.2
    )
    assert isinstance(out, np.ndarray)
    assert out.shape == (3, 4)
    assert out[1, 2] == pytest.approx(law.relative_excess_loss(2.0, 2.0, 0.2), rel=1e-15)


# --------------------------------------------------------------------------------------------
# Items 5, 6, 8: compute multiple and relative excess loss
# --------------------------------------------------------------------------------------------


def test_compute_multiple_hand_values() -> None:
    assert law.compute_multiple(1.0, 1.0) == pytest.approx(1.0 + 1.0 / LN2, rel=1e-14)
    # g = 2, t = 3: 1 + (2**6 - 1)/(2 ln2)
    assert law.compute_multiple(3.0, 2.0) == pytest.approx(1.0 + 63.0 / (2.0 * LN2), rel=1e-14)
    # tau0 = 0.5 yr, F = 3: 1 + 3*(2**2 - 1)/(1*ln2*0.5)
    value = law.compute_multiple(2.0, 1.0, tau0_years=0.5, front_load=3.0)
    assert value == pytest.approx(1.0 + 9.0 / (0.5 * LN2), rel=1e-14)
    assert law.compute_multiple(0.0, 2.0) == 1.0


def test_compute_multiple_is_exact_at_zero_growth() -> None:
    assert law.compute_multiple(3.0, 0.0) == 4.0  # 1 + t
    assert law.compute_multiple(3.0, 0.0, tau0_years=0.5, front_load=2.0) == 13.0  # 1 + F t/tau0
    assert law.compute_multiple(3.0, 1.5, resource_doublings_per_year=-1.5) == 4.0
    # and continuous: the first-order term is F t/tau0 * (g t ln2/2)
    assert law.compute_multiple(3.0, 1e-9) == pytest.approx(4.0 + 3.0 * 3e-9 * LN2 / 2, rel=1e-15)


def test_resource_growth_and_efficiency_growth_are_interchangeable() -> None:
    a = law.compute_multiple(4.0, 1.5, resource_doublings_per_year=0.5)
    assert a == law.compute_multiple(4.0, 0.5, resource_doublings_per_year=1.5)
    assert a == law.compute_multiple(4.0, 2.0)


def test_negative_total_growth_saturates_above_one() -> None:
    # r = -1: C/C0 -> 1 + 1/ln2 as t -> infinity, never below 1
    assert law.compute_multiple(1.0, -1.0) == pytest.approx(1.0 + 0.5 / LN2, rel=1e-14)
    assert law.compute_multiple(200.0, -1.0) == pytest.approx(1.0 + 1.0 / LN2, rel=1e-14)


def test_relative_excess_loss_hand_values() -> None:
    assert law.relative_excess_loss(0.0, 2.0, 0.154) == 1.0
    expected = (1.0 + 1.0 / LN2) ** -0.5
    assert law.relative_excess_loss(1.0, 1.0, 0.5) == pytest.approx(expected, rel=1e-13)
    assert law.relative_excess_loss(5.0, 0.0, 1.0) == pytest.approx(1.0 / 6.0, rel=1e-14)
    # Lu 2025's headline: g = 2, 10 yr, kappa = 0.154
    c = 1.0 + (2.0**20 - 1.0) / (2.0 * LN2)
    assert rel(law.relative_excess_loss(10.0, 2.0, 0.154), c**-0.154) < 1e-12


@pytest.mark.parametrize("doublings", [5000.0, 1e5])
@pytest.mark.parametrize("rate", [0.5, 2.0, 37.0])
def test_huge_growth_stays_finite_and_matches_the_asymptote(doublings: float, rate: float) -> None:
    years = doublings / rate
    asymptote = (doublings - math.log2(rate * LN2 * 1.0)) * math.log10(2.0)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        log10_multiple = law.log10_compute_multiple(years, rate)
        x = law.relative_excess_loss(years, rate, 0.154)
        x_small_kappa = law.relative_excess_loss(years, rate, 1e-4)
        multiple = law.compute_multiple(years, rate)
    assert math.isfinite(log10_multiple)
    assert rel(log10_multiple, asymptote) < 1e-9
    assert math.isfinite(x) and x >= 0.0
    assert rel(x_small_kappa, 10.0 ** (-1e-4 * asymptote)) < 1e-9
    assert multiple == math.inf  # documented: beyond float range; the log form is finite


def test_no_nan_anywhere_on_a_wide_grid() -> None:
    rates = np.array([-1000.0, -5.0, -1e-9, -5e-324, 0.0, 5e-324, 1e-300, 1e-9, 3.0, 1000.0])
    years = np.array([0.0, 1e-300, 1e-6, 1.0, 20.0, 1e3, 1e6])[:, None]
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        log10_m = np.asarray(law.log10_compute_multiple(years, rates))
        x = np.asarray(law.relative_excess_loss(years, rates, 0.154))
        multiple = np.asarray(law.compute_multiple(years, rates, tau0_years=0.5, front_load=2.0))
        targets = np.array([1.0, 0.5, 1e-3, 1e-300])[:, None]
        to_target = np.asarray(law.years_to_target(targets, rates, 0.05))
    assert np.isfinite(log10_m).all() and (log10_m >= 0.0).all()
    assert not np.isnan(x).any() and ((x >= 0.0) & (x <= 1.0)).all()
    assert not np.isnan(multiple).any() and (multiple >= 1.0).all()
    assert not np.isnan(to_target).any() and (to_target >= 0.0).all()


# --------------------------------------------------------------------------------------------
# Item 7: targets
# --------------------------------------------------------------------------------------------


def test_compute_for_target_loss_inverts_the_loss() -> None:
    # E = 1, K = 2, kappa = 0.5, L* = 1.5: (2/0.5)**2 = 16
    assert law.compute_for_target_loss(1.5, 1.0, 2.0, 0.5) == pytest.approx(16.0, rel=1e-14)
    assert law.loss_from_compute(16.0, 1.0, 2.0, 0.5) == pytest.approx(1.5, rel=1e-15)
    hoffmann = law.PRESETS["hoffmann"]
    compute = hoffmann.compute_for_target_loss(2.0)
    assert hoffmann.loss(compute) == pytest.approx(2.0, rel=1e-12)


def test_doublings_needed() -> None:
    assert law.doublings_needed(1.0, 0.5, 0.25) == pytest.approx(4.0, rel=1e-15)
    assert law.doublings_needed(0.5, 0.125, 0.5) == pytest.approx(4.0, rel=1e-15)
    assert law.doublings_needed(1.0, 1.0, 0.1) == 0.0


def test_years_to_target_closed_form() -> None:
    # kappa = 0.5, X* = 1/4 -> m = 16
    assert law.years_to_target(0.25, 1.0, 0.5) == pytest.approx(math.log2(1 + 15 * LN2), rel=1e-14)
    assert law.years_to_target(0.25, 0.0, 0.5) == pytest.approx(15.0, rel=1e-14)
    assert law.years_to_target(0.25, 0.0, 0.5, tau0_years=2.0, front_load=3.0) == pytest.approx(
        10.0, rel=1e-14
    )
    # g = 2, tau0 = 1, F = 1: t = log2(1 + 15*2 ln2)/2
    expected = math.log2(1.0 + 30.0 * LN2) / 2.0
    assert law.years_to_target(0.25, 1.5, 0.5, resource_doublings_per_year=0.5) == pytest.approx(
        expected, rel=1e-14
    )
    assert law.years_to_target(1.0, 2.0, 0.3) == 0.0


def test_years_to_target_with_shrinking_compute() -> None:
    # r = -1, m = 2 (X* = 2**-kappa): t = log2(1 - ln2)/(-1)
    kappa = 0.2
    t = law.years_to_target(2.0**-kappa, -1.0, kappa)
    assert t == pytest.approx(-math.log2(1.0 - LN2), rel=1e-13)
    # m = 3 > 1 + 1/ln2: never reached
    assert law.years_to_target(3.0**-kappa, -1.0, kappa) == math.inf


def test_years_to_target_is_continuous_down_to_subnormal_rates() -> None:
    # kappa = 0.5, X* = 1/4: 15 years at r = 0, for any r too small to matter
    for rate in (5e-324, -5e-324, 1e-300, 1e-17):
        assert law.years_to_target(0.25, rate, 0.5) == pytest.approx(15.0, rel=1e-14)


def test_years_to_target_is_finite_for_tiny_targets_with_small_kappa() -> None:
    # m = 1e300**(1/0.01) is far beyond float range, yet t = log2(m)/g roughly, about 49.8k yr
    t = law.years_to_target(1e-300, 2.0, 0.01)
    log2_m = -math.log2(1e-300) / 0.01
    assert rel(t, (log2_m + math.log2(2.0 * LN2)) / 2.0) < 1e-12


# --------------------------------------------------------------------------------------------
# Items 2 and presets
# --------------------------------------------------------------------------------------------


def test_hoffmann_fit_against_written_out_arithmetic() -> None:
    fit = law.CHINCHILLA_FITS["hoffmann"]
    a, b, alpha, beta = 406.4, 410.7, 0.34, 0.28
    assert fit.kappa == pytest.approx(0.34 * 0.28 / 0.62, rel=1e-15)  # 0.15355
    g = (alpha * a / (beta * b)) ** (1.0 / (alpha + beta))
    assert fit.g_coefficient == pytest.approx(g, rel=1e-14)
    k = (a * g**-alpha + b * g**beta) * 6.0 ** (alpha * beta / (alpha + beta))
    assert fit.k_coefficient == pytest.approx(k, rel=1e-14)
    compute = 1e24
    n_opt = g * (compute / 6.0) ** (beta / (alpha + beta))
    d_opt = (compute / 6.0) ** (alpha / (alpha + beta)) / g
    assert fit.optimal_params(compute) == pytest.approx(n_opt, rel=1e-13)
    assert fit.optimal_tokens(compute) == pytest.approx(d_opt, rel=1e-13)
    assert 6.0 * fit.optimal_params(compute) * fit.optimal_tokens(compute) == pytest.approx(
        compute, rel=1e-14
    )
    # The compute-only law equals the Chinchilla form on the compute-optimal frontier ...
    chinchilla = 1.69 + a * n_opt**-alpha + b * d_opt**-beta
    assert fit.loss(compute) == pytest.approx(chinchilla, rel=1e-13)
    # ... and that frontier is the minimum over N at fixed C.
    for factor in (0.9, 1.1):
        n = n_opt * factor
        assert 1.69 + a * n**-alpha + b * (compute / (6 * n)) ** -beta > chinchilla


def test_free_functions_and_methods_agree() -> None:
    fit = law.CHINCHILLA_FITS["besiroglu"]
    args = (482.01, 2085.43, 0.3478, 0.3658)
    compute = np.array([1e20, 1e24])
    assert law.kappa_from_exponents(0.3478, 0.3658) == fit.kappa
    assert law.k_coefficient_from_fit(*args) == fit.k_coefficient
    assert law.g_coefficient_from_fit(*args) == fit.g_coefficient
    np.testing.assert_array_equal(law.optimal_params(compute, *args), fit.optimal_params(compute))
    np.testing.assert_array_equal(law.optimal_tokens(compute, *args), fit.optimal_tokens(compute))
    assert fit.kappa == pytest.approx(0.178, abs=5e-4)  # MODEL.md table: kappa ~ 0.178


def test_presets() -> None:
    assert set(law.PRESETS) == {"hoffmann", "besiroglu", "kaplan"}
    assert law.PRESETS["hoffmann"] == law.CHINCHILLA_FITS["hoffmann"].compute_law()
    assert law.PRESETS["hoffmann"].loss_floor == 1.69
    assert law.PRESETS["besiroglu"].loss_floor == 1.8172
    kaplan = law.PRESETS["kaplan"]
    assert kaplan.kappa == 0.050
    assert kaplan.loss_floor == 0.0
    critical_flop = 3.1e8 * 8.64e19  # C_c = 3.1e8 PF-days
    assert kaplan.k_coefficient == pytest.approx(critical_flop**0.05, rel=1e-14)  # about 26.39
    assert kaplan.loss(critical_flop) == pytest.approx(1.0, rel=1e-14)  # (C_c/C_c)**0.05
    for preset in law.PRESETS.values():
        assert "arXiv" in preset.source


def test_get_law_finds_names_and_suggests_the_nearest() -> None:
    assert law.get_law("hoffmann") is law.PRESETS["hoffmann"]
    assert law.get_law(" Kaplan ") is law.PRESETS["kaplan"]
    with pytest.raises(ValueError, match="did you mean 'hoffmann'") as info:
        law.get_law("hofman")
    assert "besiroglu, hoffmann, kaplan" in str(info.value)
    with pytest.raises(ValueError, match="valid presets"):
        law.get_law("zzz")


@pytest.mark.parametrize(
    ("field", "value"),
    [("param_exponent", -0.3), ("data_exponent", math.nan), ("a_coefficient", 0.0)],
)
def test_chinchilla_fit_validates_fields(field: str, value: float) -> None:
    good = law.CHINCHILLA_FITS["hoffmann"]
    with pytest.raises(ValueError, match=rf"ChinchillaFit\.{field} .*\(0, inf\), got {value!r}"):
        changes: dict[str, Any] = {field: value}
        dataclasses.replace(good, **changes)


def test_compute_law_validates_and_is_frozen() -> None:
    with pytest.raises(ValueError, match=r"ComputeLaw\.kappa .*got 0\.0"):
        law.ComputeLaw(loss_floor=1.0, k_coefficient=1.0, kappa=0.0)
    with pytest.raises(ValueError, match=r"ComputeLaw\.loss_floor .*\[0, inf\)"):
        law.ComputeLaw(loss_floor=-1.0, k_coefficient=1.0, kappa=0.1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        law.PRESETS["kaplan"].kappa = 0.1  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Items 3-4: burden and efficiency
# --------------------------------------------------------------------------------------------


def test_burdens_and_efficiency() -> None:
    assert law.physical_burden_joules(1e24, 1e12) == pytest.approx(1e12, rel=1e-15)
    assert law.monetary_burden_usd(1e24, 1e17) == pytest.approx(1e7, rel=1e-15)
    assert law.efficiency_at(2.0, 1e11, 1.5) == pytest.approx(8e11, rel=1e-15)
    assert law.log2_efficiency_at(2.0, 1024.0, 1.5) == pytest.approx(13.0, rel=1e-15)
    assert law.log2_efficiency_at(1e4, 1e11, 2.0) == pytest.approx(math.log2(1e11) + 2e4)


# --------------------------------------------------------------------------------------------
# Item 9: specialisation (Lu 2026, arXiv 2603.20654)
# --------------------------------------------------------------------------------------------


def test_specialisation_threshold_and_minimum_ratio() -> None:
    assert law.specialisation_threshold(2.0) == 0.5
    assert law.specialisation_threshold(4.0) == 0.75
    assert law.specialisation_threshold(1.0) == 0.0
    assert law.minimum_efficiency_ratio(0.75) == 4.0


def test_optimal_specialised_share() -> None:
    # S = 0.2, R = 3: (sqrt(1.6) - sqrt(0.2)) / (sqrt(1.6) + 2*sqrt(0.2))
    expected = (math.sqrt(1.6) - math.sqrt(0.2)) / (math.sqrt(1.6) + 2.0 * math.sqrt(0.2))
    assert law.optimal_specialised_share(0.2, 3.0) == pytest.approx(expected, rel=1e-14)
    assert law.optimal_specialised_share(0.0, 3.0) == pytest.approx(1.0, rel=1e-15)
    # zero at and beyond S_c = 2/3, and for R <= 1 whatever S is
    shares = law.optimal_specialised_share(np.array([2.0 / 3.0, 0.7, 1.0]), 3.0)
    np.testing.assert_array_equal(shares, 0.0)
    np.testing.assert_array_equal(law.optimal_specialised_share(np.array([0.0, 0.5]), 1.0), 0.0)
    assert 0.0 < law.optimal_specialised_share(2.0 / 3.0 - 1e-6, 3.0) < 1e-5  # continuous


def test_optimal_specialised_share_minimises_run_time() -> None:
    grid = np.linspace(0.0, 0.999, 99901)
    for s, r in [(0.1, 5.0), (0.4, 3.0), (0.6, 3.0), (0.8, 4.0), (0.9, 20.0)]:
        best = grid[np.argmin(law.heterogeneous_run_time(grid, s, r))]
        assert law.optimal_specialised_share(s, r) == pytest.approx(best, abs=2e-5)
