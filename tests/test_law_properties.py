"""Invariants of the shared law (sim/law.py), checked with hypothesis on small, stated budgets."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim import law

BUDGET = settings(max_examples=200, deadline=None)


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


years = floats(0.0, 200.0)
rates = floats(-5.0, 5.0)
kappas = floats(0.01, 1.0)
tau0s = floats(0.1, 5.0)
front_loads = floats(0.1, 10.0)


@BUDGET
@given(t1=years, t2=years, g=rates, kappa=kappas)
def test_monotone_in_time(t1: float, t2: float, g: float, kappa: float) -> None:
    early, late = sorted((t1, t2))
    assert law.compute_multiple(early, g) <= law.compute_multiple(late, g) * (1 + 1e-13)
    assert law.relative_excess_loss(late, g, kappa) <= law.relative_excess_loss(early, g, kappa) * (
        1 + 1e-13
    )


@BUDGET
@given(t=years, g1=rates, g2=rates, kappa=kappas)
def test_monotone_in_doubling_rate(t: float, g1: float, g2: float, kappa: float) -> None:
    slow, fast = sorted((g1, g2))
    assert law.log10_compute_multiple(t, slow) <= law.log10_compute_multiple(t, fast) * (1 + 1e-13)
    assert law.relative_excess_loss(t, fast, kappa) <= law.relative_excess_loss(t, slow, kappa) * (
        1 + 1e-13
    )


@BUDGET
@given(t=years, total=rates, share=floats(0.0, 1.0), tau0=tau0s, front=front_loads)
def test_only_the_sum_of_efficiency_and_resource_growth_matters(
    t: float, total: float, share: float, tau0: float, front: float
) -> None:
    g = total * share
    rho = total - g
    split = law.compute_multiple(t, g, tau0, rho, front)
    swapped = law.compute_multiple(t, rho, tau0, g, front)
    whole = law.compute_multiple(t, g + rho, tau0, 0.0, front)
    assert split == swapped
    assert math.isclose(split, whole, rel_tol=1e-12)


@BUDGET
@given(t=floats(0.0, 100.0), epsilon=floats(-1e-9, 1e-9), tau0=tau0s, front=front_loads)
def test_continuous_as_growth_vanishes(t: float, epsilon: float, tau0: float, front: float) -> None:
    at_zero = float(law.compute_multiple(t, 0.0, tau0, 0.0, front))
    assert at_zero == 1.0 + front * t / tau0
    # |C(eps) - C(0)| = F t/tau0 * |eps| t ln2/2 to first order: bound it by twice that
    nearby = float(law.compute_multiple(t, epsilon, tau0, 0.0, front))
    first_order = front * t / tau0 * abs(epsilon) * t * math.log(2.0) / 2.0
    assert abs(nearby - at_zero) <= 2.0 * first_order + 1e-15 * at_zero


@BUDGET
@given(t=floats(0.01, 100.0), g=floats(0.0, 5.0), rho=floats(-0.5, 0.5), kappa=kappas)
def test_years_to_target_inverts_relative_excess_loss(
    t: float, g: float, rho: float, kappa: float
) -> None:
    # With g + rho < 0, C/C0 saturates and t(X) grows ill-conditioned; the next test covers it.
    assume(g + rho >= 0.0)
    x = law.relative_excess_loss(t, g, kappa, 1.0, rho, 2.0)
    back = law.years_to_target(x, g, kappa, 1.0, rho, 2.0)
    assert math.isclose(back, t, rel_tol=1e-8, abs_tol=1e-9)


@BUDGET
@given(t=floats(0.01, 3.0), rate=floats(-3.0, -0.01), kappa=kappas)
def test_years_to_target_inverts_under_shrinking_compute(
    t: float, rate: float, kappa: float
) -> None:
    x = law.relative_excess_loss(t, rate, kappa)
    back = law.years_to_target(x, rate, kappa)
    assert math.isclose(back, t, rel_tol=1e-6)


@BUDGET
@given(t=years, g=rates, f1=front_loads, f2=front_loads)
def test_front_loading_increases_compute(t: float, g: float, f1: float, f2: float) -> None:
    small, large = sorted((f1, f2))
    assert law.compute_multiple(t, g, front_load=small) <= law.compute_multiple(
        t, g, front_load=large
    )


@BUDGET
@given(t=floats(0.0, 100.0), g=floats(-10.0, 10.0), rho=floats(-1.0, 1.0), kappa=kappas)
def test_relative_excess_loss_is_in_the_unit_interval(
    t: float, g: float, rho: float, kappa: float
) -> None:
    x = law.relative_excess_loss(t, g, kappa, resource_doublings_per_year=rho)
    assert 0.0 < x <= 1.0


@BUDGET
@given(t=years, g=floats(-50.0, 50.0), tau0=tau0s, front=front_loads)
def test_log_form_agrees_with_direct_form(t: float, g: float, tau0: float, front: float) -> None:
    direct = law.compute_multiple(t, g, tau0, 0.0, front)
    logged = law.log10_compute_multiple(t, g, tau0, 0.0, front)
    if math.isfinite(direct):
        assert math.isclose(math.log10(direct), logged, rel_tol=1e-12, abs_tol=1e-15)
    else:
        assert logged > 300.0


@settings(max_examples=100, deadline=None)
# S in (0, 1e-12) would put the optimum within rounding of a share of 1, where T is infinite.
@given(s=st.one_of(st.just(0.0), floats(1e-12, 1.0)), r=floats(0.5, 50.0))
def test_specialised_share_is_zero_exactly_beyond_the_threshold(s: float, r: float) -> None:
    share = law.optimal_specialised_share(s, r)
    assert 0.0 <= share <= 1.0
    assert (share == 0.0) == (s >= law.specialisation_threshold(r))
    # no share on the grid does better (T is convex in the share)
    grid = np.linspace(0.0, 0.99, 100)
    assert law.heterogeneous_run_time(share, s, r) <= np.min(
        law.heterogeneous_run_time(grid, s, r)
    ) * (1 + 1e-12)
