"""Innovation as pure, vectorised functions (arrays over firms): R&D chosen at the margin,
stochastic breakthroughs, spillovers toward the frontier, and ideas that get harder to find.

A firm's algorithmic efficiency is tracked in doublings (log2). R&D spending ``S`` [USD/yr]
adds ``m S / (S + h)`` doublings a year (:func:`rnd_extra_doublings_per_year`; diminishing
returns, Michaelis-Menten), with ``m`` [doublings/yr] the most R&D can add and ``h`` [USD/yr]
the spending that buys half of it. A firm spends where the marginal dollar still pays: with
``V`` [USD/doubling] the value of a doubling to the firm (:func:`rnd_value_usd_per_doubling`),
the optimum is ``S* = max(0, sqrt(V m h / (1 - subsidy)) - h)``
(:func:`optimal_rnd_spend_usd_per_year`). The doublings actually bought arrive as Poisson
breakthroughs of random size whose mean is the deterministic rate
(:func:`breakthrough_doublings`), so leads can be won by luck. Followers catch up toward the
frontier with a lag (:func:`catch_up_log2_efficiency`), faster toward models whose weights are
open (:func:`spillover_targets`). That each doubling makes the next harder to buy (Jones 1995,
Bloom et al. 2020) is :mod:`sim.physics`'s ideas law (issue 10).

Randomness comes only through an ``rng: np.random.Generator`` argument. Nothing here imports
Mesa.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

LN2 = math.log(2.0)


# --------------------------------------------------------------------------------------------
# R&D at the margin
# --------------------------------------------------------------------------------------------


def rnd_extra_doublings_per_year(
    spend_usd_per_year: ArrayLike,
    max_extra_doublings_per_year: ArrayLike,
    half_saturation_usd_per_year: ArrayLike,
) -> FloatArray:
    """Extra doublings a year bought by R&D spending [doublings/yr]: ``m S / (S + h)``
    (Michaelis-Menten; every agent type's R&D uses it): 0 at S = 0, m/2 at
    S = h [USD/yr], m as S grows without bound, and each dollar buys less than the one before.
    Negative spending counts as 0."""
    s = np.maximum(np.asarray(spend_usd_per_year, dtype=float), 0.0)
    h = np.asarray(half_saturation_usd_per_year, dtype=float)
    return np.asarray(max_extra_doublings_per_year, dtype=float) * s / (s + h)


def rnd_value_usd_per_doubling(
    compute_spend_usd_per_year: ArrayLike,
    discount_rate_per_year: ArrayLike = 0.12,
    erosion_rate_per_year: ArrayLike = 1.0,
    horizon_years: ArrayLike = 5.0,
) -> FloatArray:
    """What one extra doubling of algorithmic efficiency is worth to a firm [USD/doubling]:
    ``X ln2 (1 - e^(-rho H)) / rho`` with ``rho = discount + erosion`` (``X ln2 H`` at rho = 0).

    Derivation (envelope argument): a firm that spends ``X`` [USD/yr] on compute (chips and
    energy) gets the same logical compute for ``X 2^-d`` after ``d`` more doublings, saving
    ``X (1 - 2^-d) ~ X ln2 d`` a year for small d. The saving lasts while the lead lasts:
    rivals catch up at ``erosion_rate_per_year`` [1/yr] (the spillover rate lambda of
    :func:`catch_up_log2_efficiency`, so open weights lower the private value of R&D), it is
    discounted at ``discount_rate_per_year`` [1/yr] (the investors' hurdle rate), and counted
    for at most ``horizon_years`` [yr] (the planning horizon). This values efficiency at its
    cost saving only, a lower bound: better models also win buyers. Negative spending counts
    as 0.
    """
    lead = lead_years(discount_rate_per_year, erosion_rate_per_year, horizon_years)
    return lead_value_usd_per_doubling(compute_spend_usd_per_year, lead)


def lead_value_usd_per_doubling(
    compute_spend_usd_per_year: ArrayLike, lead_years: ArrayLike
) -> FloatArray:
    """:func:`rnd_value_usd_per_doubling` of a lead already valued: ``X ln2 L`` [USD/doubling]
    with ``L`` the lead's discounted years [yr] (:func:`lead_years`), for callers that keep
    ``L``. Negative spending counts as 0."""
    x = np.maximum(np.asarray(compute_spend_usd_per_year, dtype=float), 0.0)
    return x * LN2 * np.asarray(lead_years, dtype=float)


def lead_years(
    discount_rate_per_year: ArrayLike, erosion_rate_per_year: ArrayLike, horizon_years: ArrayLike
) -> FloatArray:
    """Discounted years a lead is worth [yr]: ``(1 - e^(-rho H)) / rho`` with ``rho =
    discount + erosion`` [1/yr] (``H`` at rho = 0): a gain of 1 USD/yr that rivals erode at the
    erosion rate, discounted at the discount rate, counted over the horizon ``H`` [yr]."""
    rho = np.asarray(discount_rate_per_year, dtype=float) + np.asarray(erosion_rate_per_year)
    horizon = np.asarray(horizon_years, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(rho > 0, -np.expm1(-rho * horizon) / np.where(rho > 0, rho, 1.0), horizon)


def rnd_marginal_return(
    spend_usd_per_year: ArrayLike,
    value_usd_per_doubling: ArrayLike,
    max_extra_doublings_per_year: ArrayLike,
    half_saturation_usd_per_year: ArrayLike,
    subsidy_rate: ArrayLike = 0.0,
) -> FloatArray:
    """Value the next dollar of R&D returns per dollar of the firm's own money [USD/USD]:
    ``V m h / (S + h)^2 / (1 - subsidy)``, the derivative of ``V m S / (S + h)`` in S over the
    share of the dollar the firm pays (``subsidy_rate`` [0-1) is the share a subsidy pays).
    Above 1 the firm should spend more, below 1 less."""
    s = np.maximum(np.asarray(spend_usd_per_year, dtype=float), 0.0)
    h = np.asarray(half_saturation_usd_per_year, dtype=float)
    gain = np.asarray(value_usd_per_doubling) * np.asarray(max_extra_doublings_per_year) * h
    return gain / (s + h) ** 2 / (1.0 - np.asarray(subsidy_rate, dtype=float))


def optimal_rnd_spend_usd_per_year(
    value_usd_per_doubling: ArrayLike,
    max_extra_doublings_per_year: ArrayLike,
    half_saturation_usd_per_year: ArrayLike,
    subsidy_rate: ArrayLike = 0.0,
) -> FloatArray:
    """R&D spending that maximises ``V m S / (S + h) - (1 - subsidy) S`` [USD/yr]:
    ``S* = max(0, sqrt(V m h / (1 - subsidy)) - h)``.

    Derivation: the objective is concave in S; its derivative ``V m h / (S + h)^2 - (1 -
    subsidy)`` vanishes at ``(S + h)^2 = V m h / (1 - subsidy)``, where the marginal return
    (:func:`rnd_marginal_return`) is exactly 1; if that root is negative (``V m < h (1 -
    subsidy)``: even the first dollar does not pay) the optimum is the corner S = 0. ``V``
    [USD/doubling] from :func:`rnd_value_usd_per_doubling`, ``m`` [doublings/yr] (times
    the ideas-get-harder factor of :mod:`sim.physics` once it is wired), ``h`` [USD/yr]. The firm never spends
    more than this, however much cash it holds: spending far past saturation cannot pay.
    """
    h = np.asarray(half_saturation_usd_per_year, dtype=float)
    gain = np.maximum(
        np.asarray(value_usd_per_doubling, dtype=float) * np.asarray(max_extra_doublings_per_year),
        0.0,
    )
    return np.maximum(np.sqrt(gain * h / (1.0 - np.asarray(subsidy_rate, dtype=float))) - h, 0.0)


def rnd_break_even_spend_usd_per_year(
    value_usd_per_doubling: ArrayLike,
    max_extra_doublings_per_year: ArrayLike,
    half_saturation_usd_per_year: ArrayLike,
    subsidy_rate: ArrayLike = 0.0,
) -> FloatArray:
    """R&D spending at which the whole programme just pays for itself [USD/yr]:
    ``V m S / (S + h) = (1 - subsidy) S`` gives ``S = max(0, V m / (1 - subsidy) - h)``.
    Spending beyond it loses money on R&D as a whole; the optimum
    (:func:`optimal_rnd_spend_usd_per_year`) is always at or below it (AM-GM:
    ``sqrt(V m h / (1 - subsidy)) <= (V m / (1 - subsidy) + h) / 2``). The yardstick for
    reporting firms' R&D against."""
    h = np.asarray(half_saturation_usd_per_year, dtype=float)
    gain = np.asarray(value_usd_per_doubling, dtype=float) * np.asarray(
        max_extra_doublings_per_year
    )
    return np.maximum(gain / (1.0 - np.asarray(subsidy_rate, dtype=float)) - h, 0.0)


# --------------------------------------------------------------------------------------------
# Stochastic outcomes
# --------------------------------------------------------------------------------------------


SUMMED_MEAN = 30.0
"""Largest Poisson mean whose quantile :func:`poisson_quantile` finds by summing terms; above
it, SciPy's (the sum would take about the mean in passes)."""
SMALLEST_NORMAL = float(np.finfo(float).tiny)  # 2.2e-308, the smallest normal float
DRAWN_BREAKTHROUGHS = 32
"""Breakthroughs a firm draws one by one in a step; the sum of any more is drawn at once."""


def poisson_quantile(probability: ArrayLike, mean: ArrayLike) -> NDArray[np.int64]:
    """The smallest count ``k`` with ``P(N <= k) >= probability`` for ``N ~ Poisson(mean)``,
    element-wise: the inverse of the Poisson distribution function [count].

    A uniform draw in [0, 1) gives a Poisson draw (inversion), and the count it gives rises
    with the mean for a fixed draw: two runs that share the draw and differ a little in the
    mean draw the same count, or one more (common random numbers). Means up to
    :data:`SUMMED_MEAN` sum the distribution's terms until every element has its count, or
    until the terms left cannot change the sum (a probability that rounding puts above it);
    larger means use SciPy's quantile. Negative means count 0; a mean that is not finite is an
    error.
    """
    u, lam = np.asarray(probability, dtype=float), np.asarray(mean, dtype=float)
    if u.shape != lam.shape:  # (the model's draws and means come in one shape already)
        u, lam = np.broadcast_arrays(u, lam)
    if not np.isfinite(lam).all():
        raise ValueError("poisson_quantile: every mean must be finite")
    lam = np.maximum(lam, 0.0)
    summed = lam <= SUMMED_MEAN
    count = _summed_poisson_quantile(np.where(summed, u, 0.0), np.where(summed, lam, 0.0))
    if not summed.all():
        from scipy import stats

        large = stats.poisson.ppf(u, np.where(summed, 1.0, lam))
        count = np.where(summed, count, np.maximum(large, 0.0).astype(np.int64))
    return count


def _summed_poisson_quantile(u: FloatArray, lam: FloatArray) -> NDArray[np.int64]:
    """:func:`poisson_quantile` by summing ``P(N = k)`` for ``k = 0, 1, ...`` (small means)."""
    count = np.zeros(u.shape, dtype=np.int64)
    term = np.exp(-lam)  # P(N = 0)
    cdf = term.copy()
    searching = u > cdf
    while searching.any():
        count = count + searching
        term = np.where(searching, term * lam / np.maximum(count, 1), term)
        cdf = np.where(searching, cdf + term, cdf)
        # past the mode, terms below the sum's last bit can no longer reach u
        searching &= (u > cdf) & ((count < lam) | (term > cdf * 2.0**-53))
    return count


def breakthrough_doublings(
    rate_doublings_per_year: ArrayLike,
    dt_years: float,
    mean_size_doublings: ArrayLike,
    rng: np.random.Generator,
    keys: ArrayLike | None = None,
    n_keys: int | None = None,
) -> FloatArray:
    """Doublings a firm's research yields over a step [doublings], drawn as Poisson
    breakthroughs of exponential size: ``N ~ Poisson(rate dt / size)`` breakthroughs, each of
    size ``Exp(mean_size_doublings)``, so the total is ``Gamma(N, size)`` (0 when N = 0).

    The expectation is exactly ``rate * dt`` (``rate_doublings_per_year`` [doublings/yr], e.g.
    the R&D rate), the variance ``2 size rate dt``: luck matters more when breakthroughs are
    large and rare. A compound Poisson process is infinitely divisible, so the sum over two half
    steps has the same distribution as one full step: the step length changes the draws, not
    their law. Negative rates count 0. ``mean_size_doublings = 0`` (per firm) is the
    deterministic limit: exactly ``rate * dt``; when no firm draws, no random numbers are used
    (the mean-field reduction).

    Each firm's draws have a place of their own in the stream, so they do not depend on the
    other firms' rates, nor its count on anything but its own mean: one uniform per place for
    the count (:func:`poisson_quantile`), then one unit exponential per place for each
    breakthrough, column by column (beyond :data:`DRAWN_BREAKTHROUGHS`, the sum of the rest at
    once, a gamma quantile of one more uniform). ``keys`` (default: the position) is each
    firm's place among ``n_keys`` (default: the number of firms); a firm keeps its key
    whichever firms are alive, so two runs with the same stream give a firm the same draws
    (common random numbers). ``rng`` should be this mechanism's own stream for the step.
    """
    rate = np.maximum(np.asarray(rate_doublings_per_year, dtype=float), 0.0)
    size = np.asarray(mean_size_doublings, dtype=float)
    if size.shape != rate.shape:  # (the model gives one size per firm already)
        size = np.broadcast_to(size, rate.shape)
    random = size > 0.0
    if not random.any():
        return rate * dt_years
    place = np.arange(rate.size) if keys is None else np.asarray(keys, dtype=np.int64)
    width = rate.size if n_keys is None else n_keys
    scale = np.where(random, size, 1.0)
    count = poisson_quantile(
        rng.random(width)[place], np.where(random, rate * dt_years / scale, 0.0)
    )
    units = np.zeros(rate.shape)
    for k in range(min(int(count.max()), DRAWN_BREAKTHROUGHS)):
        units += np.where(count > k, rng.standard_exponential(width)[place], 0.0)
    rest = count - DRAWN_BREAKTHROUGHS
    if (rest > 0).any():
        from scipy import special

        more = special.gammaincinv(np.maximum(rest, 1), rng.random(width)[place])
        units += np.where(rest > 0, more, 0.0)
    return np.where(random, units * scale, rate * dt_years)


# --------------------------------------------------------------------------------------------
# Spillovers
# --------------------------------------------------------------------------------------------


def catch_up_log2_efficiency(
    log2_efficiency: ArrayLike,
    target_log2_efficiency: ArrayLike,
    catch_up_rate_per_year: ArrayLike,
    dt_years: float,
    own_doublings_per_year: ArrayLike = 0.0,
    target_doublings_per_year: ArrayLike = 0.0,
) -> FloatArray:
    """A follower's log2 efficiency after a step [doublings], exact for any ``dt_years``.

    Solves ``da/dt = g + lambda max(a*(t) - a, 0)`` with ``a*(t) = a*_0 + g* t``: the firm
    grows at its own rate g (``own_doublings_per_year``) and, while behind the target (the
    frontier's level, ``target_log2_efficiency``, itself growing at g* =
    ``target_doublings_per_year``), closes the gap at ``catch_up_rate_per_year`` lambda [1/yr].
    With gap ``G = a* - a`` and drift ``c = g* - g``:

    - behind (G > 0): ``G(t) = G0 e^(-lambda t) + c (1 - e^(-lambda t)) / lambda``, relaxing to
      the steady lag ``c / lambda`` doublings (``1 / lambda`` years when g = 0: lambda is the
      inverse of the mean imitation lag); if c < 0 it reaches 0 at
      ``t0 = ln(1 + lambda G0 / |c|) / lambda`` and the firm then pulls ahead at rate |c|;
    - ahead (G <= 0): ``G(t) = G0 + c t``; if c > 0 it falls behind at ``t1 = -G0 / c`` and
      catching up starts from there.

    Integrated exactly, so two half steps equal one full step (the target moves on by g* dt/2
    in between), and lambda = 0 gives pure own growth.
    """
    a = np.asarray(log2_efficiency, dtype=float)
    target = np.asarray(target_log2_efficiency, dtype=float)
    lam = np.asarray(catch_up_rate_per_year, dtype=float)
    # a rate below the smallest normal float (2.2e-308 a year) is none: a subnormal has too few
    # bits for lambda t and its ratios (lambda t underflowed to 0 and broke the half steps)
    lam = np.where(lam >= SMALLEST_NORMAL, lam, 0.0)
    g_own = np.asarray(own_doublings_per_year, dtype=float)
    g_target = np.asarray(target_doublings_per_year, dtype=float)
    drift = g_target - g_own
    gap0 = target - a

    def relax(gap: FloatArray, years: FloatArray) -> FloatArray:
        # gap e^(-lambda t) + c (1 - e^(-lambda t)) / lambda, continuous at lambda = 0
        # (called under the warnings settings below)
        span = np.where(lam > 0, -np.expm1(-lam * years) / np.where(lam > 0, lam, 1.0), years)
        return gap * np.exp(-lam * years) + drift * span

    t = np.full(np.broadcast(a, target, lam, drift).shape, float(dt_years))
    behind = gap0 > 0
    any_behind = bool(behind.any())
    all_behind = any_behind and bool(behind.all())  # False for no firms
    # a drift of a few subnormals makes the time to close a gap overflow to inf: fine
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if any_behind:
            behind_end = _behind_gap_end(gap0, drift, lam, t, relax)
        if not all_behind:
            ahead_end = _ahead_gap_end(gap0, drift, t, relax)
    if all_behind:
        gap = behind_end
    elif not any_behind:
        gap = ahead_end
    else:
        gap = np.where(behind, behind_end, ahead_end)
    return target + g_target * dt_years - gap


def _behind_gap_end(
    gap0: FloatArray,
    drift: FloatArray,
    lam: FloatArray,
    t: FloatArray,
    relax: Callable[[FloatArray, FloatArray], FloatArray],
) -> FloatArray:
    """The gap at the end of the step of a firm behind at its start (for
    :func:`catch_up_log2_efficiency`, whose warnings settings it runs under)."""
    # time to close the gap when the drift favours the follower (c < 0)
    closes = (gap0 > 0) & (drift < 0)
    if not closes.any():
        return relax(gap0, t)
    speed = np.where(closes, -drift, 1.0)
    t0 = np.where(
        lam > 0,
        np.log1p(lam * np.where(closes, gap0, 0.0) / speed) / np.where(lam > 0, lam, 1.0),
        np.where(closes, gap0, 0.0) / speed,
    )
    return np.where(closes & (t0 < t), drift * (t - np.minimum(t0, t)), relax(gap0, t))


def _ahead_gap_end(
    gap0: FloatArray,
    drift: FloatArray,
    t: FloatArray,
    relax: Callable[[FloatArray, FloatArray], FloatArray],
) -> FloatArray:
    """The gap at the end of the step of a firm level or ahead at its start (for
    :func:`catch_up_log2_efficiency`, whose warnings settings it runs under)."""
    # time to fall behind when the target is faster (c > 0)
    opens = (gap0 <= 0) & (drift > 0)
    if not opens.any():
        return gap0 + drift * t
    t1 = np.where(opens, -gap0 / np.where(opens, drift, 1.0), np.inf)
    return np.where(
        opens & (t1 < t),
        relax(np.zeros_like(t), t - np.minimum(t1, t)),
        gap0 + drift * t,
    )


def frontier_log2_efficiency(
    log2_efficiency: ArrayLike, open_weights: ArrayLike
) -> tuple[float, float]:
    """(closed frontier, open frontier) [doublings]: the highest log2 efficiency of all firms,
    and of the firms whose weights are open (-inf if none are)."""
    a = np.asarray(log2_efficiency, dtype=float)
    is_open = np.asarray(open_weights, dtype=bool)
    return float(a.max(initial=-np.inf)), float(a[is_open].max(initial=-np.inf))


class SpilloverTarget(NamedTuple):
    """Per firm: what it catches up toward, how fast, and how fast the target moves."""

    target_log2_efficiency: FloatArray  # [doublings]
    catch_up_rate_per_year: FloatArray  # [1/yr]
    target_doublings_per_year: FloatArray  # [doublings/yr]


def spillover_targets(
    log2_efficiency: ArrayLike,
    closed_frontier_log2_efficiency: float,
    open_frontier_log2_efficiency: float,
    closed_rate_per_year: float = 1.0,
    open_rate_per_year: float = 4.0,
    closed_frontier_doublings_per_year: float = 0.0,
    open_frontier_doublings_per_year: float = 0.0,
) -> SpilloverTarget:
    """Combine the two spillover channels into one target per firm for
    :func:`catch_up_log2_efficiency`.

    Knowledge leaks from the frontier at ``closed_rate_per_year`` (papers, staff moving,
    distillation of outputs), and much faster, ``open_rate_per_year``, from the best model whose
    weights are open. A follower below both feels ``da/dt = lc (a_c - a) + lo (a_o - a)``,
    which is relaxation at ``lc + lo`` toward the rate-weighted target
    ``(lc a_c + lo a_o) / (lc + lo)`` (moving at the weighted rate); a firm between the two
    frontiers feels only the closed channel; the frontier firm none. The regime is fixed for
    the step (a follower that passes the open frontier during a step switches at the next),
    so this is exact within a regime and first-order at the switch.

    Defaults: open models have trailed the closed frontier by about a year (Epoch AI 2024,
    "How far behind are open models?", 5-22 months), so the closed channel is ~1/yr; with
    weights open a follower can fine-tune or distil within months, ~4/yr (a 3-month lag).
    """
    a = np.asarray(log2_efficiency, dtype=float)
    a_c, a_o = closed_frontier_log2_efficiency, open_frontier_log2_efficiency
    lc, lo = closed_rate_per_year, open_rate_per_year
    below_open = a < a_o
    below_closed = a < a_c
    both = lc + lo
    weighted = (lc * a_c + lo * a_o) / both if both > 0 and np.isfinite(a_o) else a_c
    weighted_rate = (
        (lc * closed_frontier_doublings_per_year + lo * open_frontier_doublings_per_year) / both
        if both > 0
        else closed_frontier_doublings_per_year
    )
    target = np.where(below_open, weighted, np.where(below_closed, a_c, a))
    rate = np.where(below_open, both, np.where(below_closed, lc, 0.0))
    moving = np.where(
        below_open, weighted_rate, np.where(below_closed, closed_frontier_doublings_per_year, 0.0)
    )
    return SpilloverTarget(
        target_log2_efficiency=target,
        catch_up_rate_per_year=rate,
        target_doublings_per_year=moving,
    )
