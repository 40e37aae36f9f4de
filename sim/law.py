"""The shared law: loss against logical compute, and compute against calendar time.

Every item of the analytic core (docs/analytic.md) as a pure, vectorised function. Arguments broadcast like numpy
arrays; a scalar in gives a ``float`` out, an array in gives an ``ndarray`` out. No Mesa here:
agents and experiments call these functions, never the other way round.

Sources (docs/analytic.md writes the equations out):

- Lu 2025, "The Race to Efficiency: A New Perspective on AI Scaling Laws", arXiv 2501.02156
  (the relative-loss equation, items 4-6 and 8).
- Lu 2026, "The Unreasonable Effectiveness of Scaling Laws in AI", arXiv 2603.28507 (logical
  compute, physical burden and doublings needed, items 1, 3 and 7).
- Lu 2026, "Modernizing Amdahl's Law", arXiv 2603.20654 (specialisation threshold, item 9).
- Hoffmann et al. 2022, arXiv 2203.15556; Besiroglu et al. 2024, arXiv 2404.10102; Kaplan et al.
  2020, arXiv 2001.08361 (the fits behind :data:`PRESETS`).

Numerical choices, written down once:

- Time integrals use phi(x) = (2**x - 1)/(x ln 2) (:func:`growth_integral`), evaluated with
  ``expm1`` so that it is exactly 1 at x = 0 and continuous through it, and in log space
  (:func:`log_growth_integral`) where 2**x would overflow (x above about 1024).
- Quantities that can leave float range (:func:`growth_integral`, :func:`compute_multiple`,
  :func:`compute_for_target_loss`, :func:`years_to_target`) return ``inf`` there, silently; each
  has a log form that stays finite, and user-facing output (the CLI) reports the log form and
  ``null``. :func:`relative_excess_loss` is computed from the log form, so it is never NaN: it
  is a positive float or, past about 1e-308, 0.0.
- Pure functions do not validate: they assume the documented domains. The dataclasses here and
  the CLI validate user input.
"""

from __future__ import annotations

import difflib
import functools
import math
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatOrArray: TypeAlias = float | NDArray[np.float64]

LN2 = math.log(2.0)
LN10 = math.log(10.0)
FLOP_PER_PETAFLOP_DAY = 1e15 * 86400.0  # Kaplan et al. 2020, section 2.1: 8.64e19 FLOP
TOKENS_PER_PARAM_FLOP = 6.0  # C = 6 N D, Kaplan et al. 2020 section 2.1; Hoffmann et al. 2022

# Above this many e-folds expm1 would overflow; below it the direct form is the more accurate.
_LOG_SPACE_FROM = 50.0


def _finish(value: ArrayLike) -> FloatOrArray:
    """Return a Python float for a 0-d result and a float64 array otherwise."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr)
    return arr


def _f(value: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(value, dtype=np.float64)


def _log_expm1(y: NDArray[np.float64]) -> NDArray[np.float64]:
    """ln(exp(y) - 1) for y > 0, finite for any finite y (y = 0 gives -inf)."""
    small = np.minimum(y, _LOG_SPACE_FROM)
    large = np.maximum(y, _LOG_SPACE_FROM)
    with np.errstate(divide="ignore"):
        direct = np.log(np.expm1(small))
    return np.where(y < _LOG_SPACE_FROM, direct, large + np.log1p(-np.exp(-large)))


# --------------------------------------------------------------------------------------------
# Item 1: loss against logical compute
# --------------------------------------------------------------------------------------------


def loss_from_compute(
    compute_flop: ArrayLike, loss_floor: ArrayLike, k_coefficient: ArrayLike, kappa: ArrayLike
) -> FloatOrArray:
    """Loss reached with a given logical compute, ``L(C) = E + K * C**(-kappa)``.

    Parameters
    ----------
    compute_flop : array_like
        Cumulative logical training compute C [logical FLOP], > 0: dense, uniform-precision
        FLOP-equivalents (Lu 2026, arXiv 2603.28507).
    loss_floor : array_like
        Irreducible loss E [nats per token], >= 0.
    k_coefficient : array_like
        Scale K of the reducible loss [nats per token * FLOP**kappa], > 0.
    kappa : array_like
        Compute exponent kappa [-], > 0.

    Returns
    -------
    float or ndarray
        Loss L [nats per token].
    """
    return _finish(_f(loss_floor) + _f(k_coefficient) * _f(compute_flop) ** (-_f(kappa)))


def compute_for_target_loss(
    target_loss: ArrayLike, loss_floor: ArrayLike, k_coefficient: ArrayLike, kappa: ArrayLike
) -> FloatOrArray:
    """Logical compute needed to reach a loss, ``C(L*) = (K / (L* - E))**(1/kappa)`` (item 7).

    Parameters
    ----------
    target_loss : array_like
        Target loss L* [nats per token], > ``loss_floor``.
    loss_floor : array_like
        Irreducible loss E [nats per token].
    k_coefficient : array_like
        Scale K of the reducible loss [nats per token * FLOP**kappa], > 0.
    kappa : array_like
        Compute exponent kappa [-], > 0.

    Returns
    -------
    float or ndarray
        Compute C(L*) [logical FLOP]; ``inf`` (no warning) where it exceeds float range.

    Notes
    -----
    Lu 2026 (arXiv 2603.28507): the burden grows as (L* - E)**(-1/kappa) as L* approaches E.
    """
    log_compute = (np.log(_f(k_coefficient)) - np.log(_f(target_loss) - _f(loss_floor))) / _f(kappa)
    with np.errstate(over="ignore"):
        return _finish(np.exp(log_compute))


# --------------------------------------------------------------------------------------------
# Item 2: the compute-only law from the Chinchilla fit
# --------------------------------------------------------------------------------------------


def kappa_from_exponents(param_exponent: ArrayLike, data_exponent: ArrayLike) -> FloatOrArray:
    """Compute exponent of the compute-optimal frontier, ``kappa = alpha*beta/(alpha+beta)``.

    Parameters
    ----------
    param_exponent : array_like
        Chinchilla parameter exponent alpha [-], > 0 (the exponent of N).
    data_exponent : array_like
        Chinchilla data exponent beta [-], > 0 (the exponent of D).

    Returns
    -------
    float or ndarray
        kappa [-].
    """
    alpha, beta = _f(param_exponent), _f(data_exponent)
    return _finish(alpha * beta / (alpha + beta))


def g_coefficient_from_fit(
    a_coefficient: ArrayLike,
    b_coefficient: ArrayLike,
    param_exponent: ArrayLike,
    data_exponent: ArrayLike,
) -> FloatOrArray:
    """Scale of the optimal model size, ``G = (alpha*A / (beta*B))**(1/(alpha+beta))``.

    Parameters
    ----------
    a_coefficient : array_like
        Chinchilla A [nats per token * params**alpha], > 0.
    b_coefficient : array_like
        Chinchilla B [nats per token * tokens**beta], > 0.
    param_exponent : array_like
        alpha [-], > 0.
    data_exponent : array_like
        beta [-], > 0.

    Returns
    -------
    float or ndarray
        G [params / (FLOP/6)**(beta/(alpha+beta))]. Hoffmann et al. 2022, eq. (4) and appendix D.
    """
    a, b = _f(a_coefficient), _f(b_coefficient)
    alpha, beta = _f(param_exponent), _f(data_exponent)
    return _finish((alpha * a / (beta * b)) ** (1.0 / (alpha + beta)))


def k_coefficient_from_fit(
    a_coefficient: ArrayLike,
    b_coefficient: ArrayLike,
    param_exponent: ArrayLike,
    data_exponent: ArrayLike,
) -> FloatOrArray:
    """Scale of the compute-only law, ``K = (A*G**(-alpha) + B*G**beta) * 6**kappa``.

    Substituting the compute-optimal N and D (see :func:`optimal_params`) into
    ``L(N, D) = E + A*N**(-alpha) + B*D**(-beta)`` with ``C = 6*N*D`` gives
    ``L(C) = E + K*C**(-kappa)``.

    Parameters
    ----------
    a_coefficient, b_coefficient : array_like
        Chinchilla A and B [nats per token * params**alpha, * tokens**beta], > 0.
    param_exponent, data_exponent : array_like
        alpha and beta [-], > 0.

    Returns
    -------
    float or ndarray
        K [nats per token * FLOP**kappa].
    """
    a, b = _f(a_coefficient), _f(b_coefficient)
    alpha, beta = _f(param_exponent), _f(data_exponent)
    g = _f(g_coefficient_from_fit(a, b, alpha, beta))
    kappa = alpha * beta / (alpha + beta)
    return _finish((a * g ** (-alpha) + b * g**beta) * TOKENS_PER_PARAM_FLOP**kappa)


def optimal_params(
    compute_flop: ArrayLike,
    a_coefficient: ArrayLike,
    b_coefficient: ArrayLike,
    param_exponent: ArrayLike,
    data_exponent: ArrayLike,
) -> FloatOrArray:
    """Compute-optimal model size, ``N_opt = G * (C/6)**(beta/(alpha+beta))``.

    Parameters
    ----------
    compute_flop : array_like
        Training compute C [logical FLOP], > 0.
    a_coefficient, b_coefficient : array_like
        Chinchilla A and B, > 0.
    param_exponent, data_exponent : array_like
        alpha and beta [-], > 0.

    Returns
    -------
    float or ndarray
        N_opt [parameters]. Hoffmann et al. 2022, eq. (4).
    """
    alpha, beta = _f(param_exponent), _f(data_exponent)
    g = _f(g_coefficient_from_fit(a_coefficient, b_coefficient, alpha, beta))
    return _scaled_size(compute_flop, g, beta / (alpha + beta))


def _scaled_size(compute_flop: ArrayLike, g: FloatOrArray, exponent: FloatOrArray) -> FloatOrArray:
    """``G * (C/6)**exponent`` [params] (:func:`optimal_params`)."""
    return _finish(g * (_f(compute_flop) / TOKENS_PER_PARAM_FLOP) ** exponent)


def optimal_tokens(
    compute_flop: ArrayLike,
    a_coefficient: ArrayLike,
    b_coefficient: ArrayLike,
    param_exponent: ArrayLike,
    data_exponent: ArrayLike,
) -> FloatOrArray:
    """Compute-optimal training tokens, ``D_opt = C / (6 * N_opt)``.

    Parameters are those of :func:`optimal_params`.

    Returns
    -------
    float or ndarray
        D_opt [tokens], equal to ``G**-1 * (C/6)**(alpha/(alpha+beta))``.
    """
    n_opt = optimal_params(
        compute_flop, a_coefficient, b_coefficient, param_exponent, data_exponent
    )
    return _finish(_f(compute_flop) / (TOKENS_PER_PARAM_FLOP * _f(n_opt)))


# --------------------------------------------------------------------------------------------
# Items 3-4: burden and efficiency
# --------------------------------------------------------------------------------------------


def physical_burden_joules(
    compute_flop: ArrayLike, efficiency_flop_per_joule: ArrayLike
) -> FloatOrArray:
    """Physical burden of logical compute, ``P_T = C / Elogical`` (Lu 2026, arXiv 2603.28507).

    Parameters
    ----------
    compute_flop : array_like
        Logical compute C [logical FLOP].
    efficiency_flop_per_joule : array_like
        Logical efficiency Elogical [logical FLOP per J], > 0.

    Returns
    -------
    float or ndarray
        Energy [J].
    """
    return _finish(_f(compute_flop) / _f(efficiency_flop_per_joule))


def monetary_burden_usd(compute_flop: ArrayLike, flop_per_usd: ArrayLike) -> FloatOrArray:
    """Monetary burden of logical compute, ``C / (logical FLOP per dollar)``.

    Parameters
    ----------
    compute_flop : array_like
        Logical compute C [logical FLOP].
    flop_per_usd : array_like
        Logical FLOP bought per dollar [logical FLOP per USD], > 0.

    Returns
    -------
    float or ndarray
        Cost [USD].
    """
    return _finish(_f(compute_flop) / _f(flop_per_usd))


def efficiency_at(
    years: ArrayLike, efficiency0_flop_per_joule: ArrayLike, doublings_per_year: ArrayLike
) -> FloatOrArray:
    """Logical efficiency that doubles g times a year, ``Elogical(t) = E0 * 2**(g*t)`` (item 4).

    Parameters
    ----------
    years : array_like
        Time t since today [yr].
    efficiency0_flop_per_joule : array_like
        Today's logical efficiency E0 [logical FLOP per J], > 0.
    doublings_per_year : array_like
        Efficiency doubling rate g [doublings per yr] (Lu 2025, arXiv 2501.02156; the paper's
        gamma, Lu 2026's beta).

    Returns
    -------
    float or ndarray
        Elogical(t) [logical FLOP per J]; ``inf`` (no warning) beyond float range, where
        :func:`log2_efficiency_at` stays finite.
    """
    with np.errstate(over="ignore"):
        return _finish(_f(efficiency0_flop_per_joule) * np.exp2(_f(doublings_per_year) * _f(years)))


def log2_efficiency_at(
    years: ArrayLike, efficiency0_flop_per_joule: ArrayLike, doublings_per_year: ArrayLike
) -> FloatOrArray:
    """``log2(Elogical(t)) = log2(E0) + g*t``; arguments as in :func:`efficiency_at`.

    Returns
    -------
    float or ndarray
        log2 of the efficiency [log2(logical FLOP per J)].
    """
    return _finish(np.log2(_f(efficiency0_flop_per_joule)) + _f(doublings_per_year) * _f(years))


# --------------------------------------------------------------------------------------------
# Items 5, 6 and 8: compute and relative excess loss over calendar time
# --------------------------------------------------------------------------------------------


def log_growth_integral(doublings: ArrayLike) -> FloatOrArray:
    """Natural log of :func:`growth_integral`, finite for any finite ``doublings``.

    Parameters
    ----------
    doublings : array_like
        x = (growth rate [doublings per yr]) * (interval [yr]) [doublings], any sign.

    Returns
    -------
    float or ndarray
        ln(phi(x)); about ``x*ln2 - ln(x*ln2)`` for large x, ``-ln(-x*ln2)`` for very negative x.
    """
    y = _f(doublings) * LN2
    y_safe = np.where(y == 0.0, 1.0, y)
    small = np.minimum(y_safe, _LOG_SPACE_FROM)
    # phi > 0 on both sides of 0: expm1(y) and y share their sign.
    direct = np.log(np.expm1(small) / small)
    large = np.maximum(y_safe, _LOG_SPACE_FROM)
    log_space = large + np.log1p(-np.exp(-large)) - np.log(large)
    out = np.where(y_safe < _LOG_SPACE_FROM, direct, log_space)
    return _finish(np.where(y == 0.0, 0.0, out))


def log2_growth_integral(doublings: ArrayLike) -> FloatOrArray:
    """log2 of :func:`growth_integral` [doublings]; finite for any finite ``doublings``."""
    return _finish(_f(log_growth_integral(doublings)) / LN2)


def growth_integral(doublings: ArrayLike) -> FloatOrArray:
    """Mean of 2**s over s in [0, x]: ``phi(x) = (2**x - 1) / (x*ln2)``, phi(0) = 1.

    The building block of every time integral of exponential efficiency: over a step of length
    dt [yr] starting with efficiency E_k [FLOP/J] growing at g [doublings/yr], constant power P
    [J/yr] yields ``P * E_k * dt * growth_integral(g*dt)`` logical FLOP, exactly.

    Parameters
    ----------
    doublings : array_like
        x = g * dt [doublings], any sign.

    Returns
    -------
    float or ndarray
        phi(x) [-], > 0; exactly 1 at x = 0, continuous there (``expm1`` keeps full relative
        precision for tiny x); ``inf`` (no warning) above x of about 1030, where
        :func:`log_growth_integral` stays finite.
    """
    y = _f(doublings) * LN2
    zero = y == 0.0
    y_safe = np.where(zero, 1.0, y)
    direct = y_safe < _LOG_SPACE_FROM
    if direct.all():  # the usual case: no need for the log-space branch
        return _finish(np.where(zero, 1.0, np.expm1(y_safe) / y_safe))
    small = np.minimum(y_safe, _LOG_SPACE_FROM)
    with np.errstate(over="ignore"):
        via_log = np.exp(_f(log_growth_integral(np.maximum(y_safe, _LOG_SPACE_FROM) / LN2)))
    out = np.where(direct, np.expm1(small) / small, via_log)
    return _finish(np.where(zero, 1.0, out))


def _added_compute(
    years: ArrayLike,
    doublings_per_year: ArrayLike,
    tau0_years: ArrayLike,
    resource_doublings_per_year: ArrayLike,
    front_load: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """New compute relative to C0, F*(t/tau0)*phi((g+rho)*t), in two forms.

    Returns the direct value (valid where the mask is true), its natural log (finite wherever
    the inputs are; entries with no added compute carry a placeholder and are masked true), and
    the mask of entries where the direct form is used: no overflow there, and it is the more
    accurate (and exact at g + rho = 0).
    """
    t = _f(years)
    rate = _f(doublings_per_year) + _f(resource_doublings_per_year)
    doublings = rate * t
    added_years = _f(front_load) * t / _f(tau0_years)  # F*t/tau0, the new compute at g = 0
    positive = added_years > 0.0
    log_added = np.log(np.where(positive, added_years, 1.0)) + _f(log_growth_integral(doublings))
    direct = (doublings * LN2 < _LOG_SPACE_FROM) & (added_years < 1e250)
    clipped = np.where(direct, doublings, 0.0)
    added = np.where(direct, added_years, 0.0) * _f(growth_integral(clipped))
    return added, log_added, direct | ~positive


def _ln_compute_multiple(
    years: ArrayLike,
    doublings_per_year: ArrayLike,
    tau0_years: ArrayLike,
    resource_doublings_per_year: ArrayLike,
    front_load: ArrayLike,
) -> NDArray[np.float64]:
    """ln(C(t)/C0) = ln(1 + F*(t/tau0)*phi((g+rho)*t)), finite wherever its inputs are."""
    added, log_added, direct = _added_compute(
        years, doublings_per_year, tau0_years, resource_doublings_per_year, front_load
    )
    return np.where(direct, np.log1p(added), np.logaddexp(0.0, log_added))


def compute_multiple(
    years: ArrayLike,
    doublings_per_year: ArrayLike,
    tau0_years: ArrayLike = 1.0,
    resource_doublings_per_year: ArrayLike = 0.0,
    front_load: ArrayLike = 1.0,
) -> FloatOrArray:
    """Cumulative logical compute relative to today's, C(t)/C0 (items 5 and 8).

    ``C(t)/C0 = 1 + F * (2**((g+rho)*t) - 1) / ((g+rho) * ln2 * tau0)``, the integral of
    ``E0*2**(g s) * P0*2**(rho s)`` over s in [0, t], scaled by ``C0 = E0*P0*tau0`` (Lu 2025,
    arXiv 2501.02156, the mean-field assumption; tau0 = 1 yr and F = 1 there). Exactly
    ``1 + F*t/tau0`` at g + rho = 0 and continuous as g + rho -> 0.

    Parameters
    ----------
    years : array_like
        Time t since today [yr], >= 0.
    doublings_per_year : array_like
        Efficiency doubling rate g [doublings per yr]. Any sign: only g + rho matters.
    tau0_years : array_like, default 1.0
        Years of today's throughput already in today's model, tau0 [yr], > 0 (Lu 2025: 1 yr).
    resource_doublings_per_year : array_like, default 0.0
        Growth of the physical resource rate rho [doublings per yr], any sign (negative: a
        shrinking energy budget). 0 is the papers' constant P0.
    front_load : array_like, default 1.0
        One-time multiple F of the fleet (resource rate) from today on [-], > 0 (Lu 2025,
        "front-load GPUs or invest in efficiency").

    Returns
    -------
    float or ndarray
        C(t)/C0 [-], >= 1 and non-decreasing in t for any sign of g + rho (cumulative compute
        never falls). ``inf`` (no warning) where it exceeds float range (about
        (g+rho)*t > 1024 doublings); :func:`log10_compute_multiple` stays finite there.
    """
    added, log_added, direct = _added_compute(
        years, doublings_per_year, tau0_years, resource_doublings_per_year, front_load
    )
    with np.errstate(over="ignore"):
        via_log = np.exp(np.logaddexp(0.0, log_added))
    return _finish(np.where(direct, 1.0 + added, via_log))


def log10_compute_multiple(
    years: ArrayLike,
    doublings_per_year: ArrayLike,
    tau0_years: ArrayLike = 1.0,
    resource_doublings_per_year: ArrayLike = 0.0,
    front_load: ArrayLike = 1.0,
) -> FloatOrArray:
    """log10(C(t)/C0), finite for any finite (g+rho)*t; arguments as in :func:`compute_multiple`.

    For large (g+rho)*t it tends to ``((g+rho)*t - log2((g+rho)*ln2*tau0/F)) * log10(2)``.

    Returns
    -------
    float or ndarray
        log10 of the compute multiple [-], >= 0.
    """
    log_multiple = _ln_compute_multiple(
        years, doublings_per_year, tau0_years, resource_doublings_per_year, front_load
    )
    return _finish(log_multiple / LN10)


def relative_excess_loss(
    years: ArrayLike,
    doublings_per_year: ArrayLike,
    kappa: ArrayLike,
    tau0_years: ArrayLike = 1.0,
    resource_doublings_per_year: ArrayLike = 0.0,
    front_load: ArrayLike = 1.0,
) -> FloatOrArray:
    """Relative excess loss, ``X(t) = (L(t) - E)/(L(0) - E) = (C(t)/C0)**(-kappa)`` (item 6).

    Lu 2025 (arXiv 2501.02156) calls it R(t), the relative-loss equation. Computed as
    ``exp(-kappa * ln(C/C0))`` from the log-space multiple, so it is never NaN and never
    overflows.

    Parameters
    ----------
    years, doublings_per_year, tau0_years, resource_doublings_per_year, front_load
        As in :func:`compute_multiple`.
    kappa : array_like
        Compute exponent kappa [-], > 0.

    Returns
    -------
    float or ndarray
        X(t) [-] in [0, 1]: exactly 1 at t = 0; underflows to 0.0 only below about 1e-308.
    """
    log_multiple = _ln_compute_multiple(
        years, doublings_per_year, tau0_years, resource_doublings_per_year, front_load
    )
    return _finish(np.exp(-_f(kappa) * log_multiple))


# --------------------------------------------------------------------------------------------
# Item 7: targets
# --------------------------------------------------------------------------------------------


def doublings_needed(
    relative_loss_now: ArrayLike, relative_loss_target: ArrayLike, kappa: ArrayLike
) -> FloatOrArray:
    """Efficiency doublings needed at constant burden, ``(1/kappa) * log2(X_now / X*)``.

    Lu 2026 (arXiv 2603.28507): reaching X* from X_now needs C to grow by ``(X_now/X*)**(1/kappa)``,
    i.e. this many doublings of Elogical if the physical burden stays the same.

    Parameters
    ----------
    relative_loss_now : array_like
        X_now [-], in (0, 1] (1 for today).
    relative_loss_target : array_like
        X* [-], in (0, 1].
    kappa : array_like
        Compute exponent [-], > 0.

    Returns
    -------
    float or ndarray
        Doublings [-]; negative when the target is already passed.
    """
    log2_ratio = np.log2(_f(relative_loss_now)) - np.log2(_f(relative_loss_target))
    return _finish(log2_ratio / _f(kappa))


def years_to_target(
    relative_loss_target: ArrayLike,
    doublings_per_year: ArrayLike,
    kappa: ArrayLike,
    tau0_years: ArrayLike = 1.0,
    resource_doublings_per_year: ArrayLike = 0.0,
    front_load: ArrayLike = 1.0,
) -> FloatOrArray:
    """Years until the relative excess loss falls to X*, the inverse of :func:`compute_multiple`.

    With the required multiple ``m = X***(-1/kappa)`` and r = g + rho:
    ``t = log2(1 + (m - 1)*r*ln2*tau0/F) / r`` for r != 0 and ``t = (m - 1)*tau0/F`` for r = 0.
    Worked in log space (``ln m = -ln(X*)/kappa``, ``logaddexp``) so that it is finite wherever
    the answer is.

    Parameters
    ----------
    relative_loss_target : array_like
        Target X* [-], in (0, 1].
    doublings_per_year, kappa, tau0_years, resource_doublings_per_year, front_load
        As in :func:`relative_excess_loss`.

    Returns
    -------
    float or ndarray
        t [yr], >= 0 (0 for X* = 1). ``inf`` where the target is never reached (r < 0 bounds
        C/C0 by ``1 + F/(|r|*ln2*tau0)``) or the answer exceeds float range (only possible at
        r = 0 with an astronomically small X*).
    """
    rate = _f(doublings_per_year) + _f(resource_doublings_per_year)
    per_front = _f(tau0_years) / _f(front_load)  # tau0/F [yr]
    log_multiple = -np.log(_f(relative_loss_target)) / _f(kappa)  # ln m >= 0
    reached_now = log_multiple <= 0.0
    log_excess = _log_expm1(np.where(reached_now, 1.0, log_multiple))  # ln(m - 1)
    moving = rate != 0.0
    # q = (m - 1)*r*ln2*tau0/F, kept as its log magnitude: t = ln(1 + q)/(r ln2).
    log_abs_q = log_excess + np.log(np.where(moving, np.abs(rate), 1.0)) + np.log(LN2 * per_front)
    small_q = log_abs_q < 0.0  # |q| < 1
    q = np.where(moving & small_q, np.sign(rate) * np.exp(np.minimum(log_abs_q, 0.0)), 0.0)
    # |q| < 1 (and r = 0): t = (m - 1)*(tau0/F) * ln(1 + q)/q, accurate however small r is.
    with np.errstate(over="ignore"):
        flat = np.exp(log_excess + np.log(per_front))
    log1p_ratio = np.where(q == 0.0, 1.0, np.log1p(q) / np.where(q == 0.0, 1.0, q))
    near_flat = flat * log1p_ratio
    # |q| >= 1 with r > 0: t = logaddexp(0, ln q)/(r ln2), finite however large m is.
    rate_safe = np.where(moving & ~small_q, rate, 1.0)
    with np.errstate(over="ignore"):  # a subnormal r can put t beyond float range
        growing = np.logaddexp(0.0, log_abs_q) / LN2 / rate_safe
    # |q| >= 1 with r < 0: 1 + q <= 0, C/C0 never gets there.
    years = np.where(small_q | ~moving, near_flat, np.where(rate > 0.0, growing, np.inf))
    return _finish(np.where(reached_now, 0.0, years))


# --------------------------------------------------------------------------------------------
# Item 9: specialisation (Lu 2026, arXiv 2603.20654)
# --------------------------------------------------------------------------------------------


def specialisation_threshold(efficiency_ratio: ArrayLike) -> FloatOrArray:
    """Critical value-scalable fraction ``S_c = 1 - 1/R`` (Lu 2026, arXiv 2603.20654).

    At or above S_c the optimal budget share on a specialised substrate is zero.

    Parameters
    ----------
    efficiency_ratio : array_like
        R [-], > 0: efficiency of the specialised substrate over the programmable one on the
        work it can run.

    Returns
    -------
    float or ndarray
        S_c [-], < 1 (<= 0 when R <= 1: specialisation never pays).
    """
    return _finish(1.0 - 1.0 / _f(efficiency_ratio))


def minimum_efficiency_ratio(value_scalable_fraction: ArrayLike) -> FloatOrArray:
    """Smallest efficiency ratio that justifies specialisation, ``R_c = 1/(1 - S)``.

    Parameters
    ----------
    value_scalable_fraction : array_like
        S [-], in [0, 1).

    Returns
    -------
    float or ndarray
        R_c [-], >= 1.
    """
    return _finish(1.0 / (1.0 - _f(value_scalable_fraction)))


def heterogeneous_run_time(
    specialised_share: ArrayLike, value_scalable_fraction: ArrayLike, efficiency_ratio: ArrayLike
) -> FloatOrArray:
    """Run time of a unit of work split across two substrates, Amdahl-style (our assumption).

    ``T(x) = S/(1 - x) + (1 - S)/(1 - x + R*x)``: a budget split x on specialised and 1 - x on
    programmable compute (programmable compute per unit budget = 1). The value-scalable stage S
    (work whose marginal value keeps scaling, so it moves with the programmable frontier) runs on
    the programmable part only; the bounded stage 1 - S runs on both. Stages run one after the
    other, as serial and parallel phases do in Amdahl's law. Lu 2026 (arXiv 2603.20654) states
    the threshold S_c = 1 - 1/R, not this objective; this is the smallest objective we found
    that reproduces it exactly, and it is convex in x.

    Parameters
    ----------
    specialised_share : array_like
        x [-], budget share on the specialised substrate, in [0, 1] (at 1: inf unless S = 0).
    value_scalable_fraction : array_like
        S [-], in [0, 1].
    efficiency_ratio : array_like
        R [-], > 0.

    Returns
    -------
    float or ndarray
        T [time of the whole unit of work on an all-programmable budget].
    """
    x, s, r = _f(specialised_share), _f(value_scalable_fraction), _f(efficiency_ratio)
    programmable = 1.0 - x
    # No programmable budget leaves the scalable stage undone (inf), unless there is none (S = 0).
    scalable = s / np.where(programmable > 0.0, programmable, 1.0)
    scalable = np.where(programmable > 0.0, scalable, np.where(s > 0.0, np.inf, 0.0))
    return _finish(scalable + (1.0 - s) / (programmable + r * x))


def optimal_specialised_share(
    value_scalable_fraction: ArrayLike, efficiency_ratio: ArrayLike
) -> FloatOrArray:
    """Budget share on the specialised substrate that minimises :func:`heterogeneous_run_time`.

    Zero once ``S >= S_c = 1 - 1/R`` (Lu 2026, arXiv 2603.20654, item 9 of docs/analytic.md): T'(0) =
    S - (1 - S)*(R - 1) >= 0 exactly there and T is convex. Below S_c the first-order condition
    gives ``x* = (sqrt((1-S)(R-1)) - sqrt(S)) / (sqrt((1-S)(R-1)) + (R-1)*sqrt(S))``, which
    falls continuously to 0 at S_c and is 1 at S = 0 (all work bounded). That interior value
    rests on the Amdahl-style objective, an assumption of this project.

    Parameters
    ----------
    value_scalable_fraction : array_like
        S [-], in [0, 1].
    efficiency_ratio : array_like
        R [-], > 0.

    Returns
    -------
    float or ndarray
        x* [-], in [0, 1].
    """
    s, r = _f(value_scalable_fraction), _f(efficiency_ratio)
    specialise = s < 1.0 - 1.0 / r  # implies r > 1 and s < 1
    gain = np.sqrt(np.where(specialise, (1.0 - s) * (r - 1.0), 1.0))
    root_s = np.sqrt(np.where(specialise, s, 0.0))
    share = (gain - root_s) / (gain + np.where(specialise, r - 1.0, 1.0) * root_s)
    return _finish(np.where(specialise, share, 0.0))


# --------------------------------------------------------------------------------------------
# Fits: thin frozen dataclasses that delegate to the functions above
# --------------------------------------------------------------------------------------------


def _check_positive(owner: str, name: str, value: float, *, allow_zero: bool = False) -> None:
    ok = math.isfinite(value) and (value >= 0.0 if allow_zero else value > 0.0)
    if not ok:
        bound = "[0, inf)" if allow_zero else "(0, inf)"
        raise ValueError(f"{owner}.{name} must be a finite number in {bound}, got {value!r}")


@dataclass(frozen=True)
class ComputeLaw:
    """A compute-only loss law ``L(C) = loss_floor + k_coefficient * C**(-kappa)`` (item 1).

    Parameters
    ----------
    loss_floor : float
        Irreducible loss E [nats per token], >= 0.
    k_coefficient : float
        K [nats per token * FLOP**kappa], > 0.
    kappa : float
        Compute exponent [-], > 0.
    source : str
        Citation for the numbers.
    """

    loss_floor: float
    k_coefficient: float
    kappa: float
    source: str = ""

    def __post_init__(self) -> None:
        _check_positive("ComputeLaw", "loss_floor", self.loss_floor, allow_zero=True)
        _check_positive("ComputeLaw", "k_coefficient", self.k_coefficient)
        _check_positive("ComputeLaw", "kappa", self.kappa)

    def loss(self, compute_flop: ArrayLike) -> FloatOrArray:
        """Loss [nats per token] at logical compute ``compute_flop`` [FLOP]."""
        return loss_from_compute(compute_flop, self.loss_floor, self.k_coefficient, self.kappa)

    def compute_for_target_loss(self, target_loss: ArrayLike) -> FloatOrArray:
        """Logical compute [FLOP] to reach ``target_loss`` [nats per token] > loss_floor."""
        return compute_for_target_loss(target_loss, self.loss_floor, self.k_coefficient, self.kappa)


@dataclass(frozen=True)
class ChinchillaFit:
    """A fit of ``L(N, D) = E + A*N**(-alpha) + B*D**(-beta)`` (Hoffmann et al. 2022, eq. 2).

    Parameters
    ----------
    loss_floor : float
        E [nats per token], >= 0.
    a_coefficient : float
        A [nats per token * params**alpha], > 0.
    b_coefficient : float
        B [nats per token * tokens**beta], > 0.
    param_exponent : float
        alpha [-], > 0.
    data_exponent : float
        beta [-], > 0.
    source : str
        Citation for the numbers.
    """

    loss_floor: float
    a_coefficient: float
    b_coefficient: float
    param_exponent: float
    data_exponent: float
    source: str = ""

    def __post_init__(self) -> None:
        _check_positive("ChinchillaFit", "loss_floor", self.loss_floor, allow_zero=True)
        for name in ("a_coefficient", "b_coefficient", "param_exponent", "data_exponent"):
            _check_positive("ChinchillaFit", name, getattr(self, name))

    @property
    def _coefficients(self) -> tuple[float, float, float, float]:
        return (self.a_coefficient, self.b_coefficient, self.param_exponent, self.data_exponent)

    # the derived constants are computed once per fit (firms ask for them every step)
    @functools.cached_property
    def kappa(self) -> float:
        """Compute exponent alpha*beta/(alpha+beta) [-]."""
        return float(kappa_from_exponents(self.param_exponent, self.data_exponent))

    @functools.cached_property
    def k_coefficient(self) -> float:
        """K of the compute-only law [nats per token * FLOP**kappa]."""
        return float(k_coefficient_from_fit(*self._coefficients))

    @functools.cached_property
    def g_coefficient(self) -> float:
        """G of the optimal model size [params / (FLOP/6)**(beta/(alpha+beta))]."""
        return float(g_coefficient_from_fit(*self._coefficients))

    @functools.cached_property
    def _size_exponent(self) -> np.float64:
        """beta/(alpha+beta) [-], as :func:`optimal_params` computes it."""
        alpha, beta = _f(self.param_exponent), _f(self.data_exponent)
        return np.float64(beta / (alpha + beta))

    def optimal_params(self, compute_flop: ArrayLike) -> FloatOrArray:
        """Compute-optimal parameter count N_opt [params] for ``compute_flop`` [FLOP]."""
        return _scaled_size(compute_flop, self.g_coefficient, self._size_exponent)

    def optimal_tokens(self, compute_flop: ArrayLike) -> FloatOrArray:
        """Compute-optimal training tokens D_opt [tokens] for ``compute_flop`` [FLOP]."""
        return optimal_tokens(compute_flop, *self._coefficients)

    def loss(self, compute_flop: ArrayLike) -> FloatOrArray:
        """Loss [nats per token] on the compute-optimal frontier at ``compute_flop`` [FLOP]."""
        return loss_from_compute(compute_flop, self.loss_floor, self.k_coefficient, self.kappa)

    def compute_law(self) -> ComputeLaw:
        """The compute-only law this fit implies (item 2)."""
        return ComputeLaw(self.loss_floor, self.k_coefficient, self.kappa, self.source)


CHINCHILLA_FITS: dict[str, ChinchillaFit] = {
    "hoffmann": ChinchillaFit(
        loss_floor=1.69,
        a_coefficient=406.4,
        b_coefficient=410.7,
        param_exponent=0.34,
        data_exponent=0.28,
        source="Hoffmann et al. 2022, arXiv 2203.15556, approach 3, eq. (10)",
    ),
    "besiroglu": ChinchillaFit(
        loss_floor=1.8172,
        a_coefficient=482.01,
        b_coefficient=2085.43,
        param_exponent=0.3478,
        data_exponent=0.3658,
        source="Besiroglu et al. 2024, arXiv 2404.10102, refit of Hoffmann approach 3 (table 1)",
    ),
}

# Kaplan et al. 2020, eq. (1.3) (section 1.2, also table 6): L(C_min) = (C_c/C_min)**0.050 with
# C_c = 3.1e8 PF-days, 1 PF-day = 8.64e19 FLOP (section 2.1). So E = 0, kappa = 0.050 and
# K = (C_c [FLOP])**kappa. Their loss is nats per token on WebText2 and C excludes embeddings,
# so K is not comparable with the Chinchilla fits; kappa is what the analysis uses.
_KAPLAN_KAPPA = 0.050
_KAPLAN_CRITICAL_COMPUTE_FLOP = 3.1e8 * FLOP_PER_PETAFLOP_DAY

PRESETS: dict[str, ComputeLaw] = {
    "hoffmann": CHINCHILLA_FITS["hoffmann"].compute_law(),
    "besiroglu": CHINCHILLA_FITS["besiroglu"].compute_law(),
    "kaplan": ComputeLaw(
        loss_floor=0.0,
        k_coefficient=_KAPLAN_CRITICAL_COMPUTE_FLOP**_KAPLAN_KAPPA,
        kappa=_KAPLAN_KAPPA,
        source="Kaplan et al. 2020, arXiv 2001.08361, eq. (1.3): C_c = 3.1e8 PF-days, 0.050",
    ),
}


def get_law(name: str) -> ComputeLaw:
    """The compute-only law of a named preset (case-insensitive).

    Raises
    ------
    ValueError
        For an unknown name, listing the valid names and suggesting the nearest.
    """
    key = name.strip().lower()
    if key in PRESETS:
        return PRESETS[key]
    valid = ", ".join(sorted(PRESETS))
    close = difflib.get_close_matches(key, PRESETS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown scaling-law preset {name!r}; valid presets: {valid}{hint}")
