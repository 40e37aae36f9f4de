"""A vendor's product choice: general-purpose or specialised (Lu 2026, arXiv 2603.20654).

Called by the market model (docs/model.md 3.3.8, "Specialised designs"): vendors choose their
design at a yearly review with :func:`choose_designs`, firms put :func:`specialised_market_share`
of their chip budgets on specialised designs, and a fleet's new chips do the firm's mix of work
:func:`mix_throughput` times as fast as an all-programmable purchase of the same budget.

The science is in :mod:`sim.law` (item 9): the threshold S_c = 1 - 1/R, the Amdahl-style run
time T(x) of a unit of work with a budget share x on a specialised substrate R times as
efficient on bounded work, and the buyers' optimal share x*(S, R). This module adds only what a
vendor needs to act on it:

- the buyers' share of chip budgets a specialised design can win is x*(S, R), zero once the
  value-scalable share of work S reaches S_c (:func:`specialised_market_share`);
- the speed-up the best mix gives buyers over an all-programmable fleet, T(0)/T(x*)
  (:func:`specialisation_speedup`), which bounds the premium a specialised design can charge;
- the choice itself (:func:`prefers_specialised`): specialise when that market share beats the
  share needed to cover the design's fixed cost; with no fixed cost this is exactly S < S_c;
- the market's value-scalable share S measured from firms' decisions
  (:func:`value_scalable_share`), the vendors' choice with one programmable design kept on sale
  (:func:`choose_designs`), and the throughput of a budget split x (:func:`mix_throughput`).

Pure, vectorised numpy (no Mesa).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim import law

FloatOrArray = float | NDArray[np.float64]


def specialised_market_share(
    value_scalable_fraction: ArrayLike, efficiency_ratio: ArrayLike
) -> FloatOrArray:
    """Share of buyers' compute budgets a specialised design wins, x*(S, R) [-] in [0, 1].

    :func:`sim.law.optimal_specialised_share`: 0 for S >= S_c = 1 - 1/R.

    Parameters
    ----------
    value_scalable_fraction : array_like
        S [-], in [0, 1]: share of the work whose value keeps scaling with compute (training and
        frontier serving), which only programmable chips run.
    efficiency_ratio : array_like
        R [-], > 0: the specialised design's efficiency over a programmable one on bounded work.
    """
    return law.optimal_specialised_share(value_scalable_fraction, efficiency_ratio)


def specialisation_speedup(
    value_scalable_fraction: ArrayLike, efficiency_ratio: ArrayLike
) -> FloatOrArray:
    """Throughput of the buyers' best mix over an all-programmable budget, T(0)/T(x*) [-], >= 1.

    Exactly 1 where specialisation does not pay (S >= S_c). Parameters as in
    :func:`specialised_market_share`.
    """
    s, r = np.asarray(value_scalable_fraction, float), np.asarray(efficiency_ratio, float)
    specialise = s < 1.0 - 1.0 / r
    r_safe = np.where(specialise, r, 2.0)
    root_s = np.sqrt(np.where(specialise, s, 0.0))
    # with D = sqrt((1-S)(R-1)) + (R-1) sqrt(S), the programmable share is 1 - x* = R sqrt(S)/D,
    # so T(x*) = sqrt(S) D/R + (1-S)/(R - (R-1)(1 - x*)), finite even where x* rounds to 1
    denominator = (
        np.sqrt((1.0 - np.where(specialise, s, 0.0)) * (r_safe - 1.0)) + (r_safe - 1.0) * root_s
    )
    programmable = r_safe * root_s / denominator
    best = root_s * denominator / r_safe + (1.0 - root_s**2) / (
        r_safe - (r_safe - 1.0) * programmable
    )
    out = np.where(specialise, 1.0 / best, 1.0)  # T(0) = 1
    return float(out) if out.ndim == 0 else out


def prefers_specialised(
    value_scalable_fraction: ArrayLike,
    efficiency_ratio: ArrayLike,
    break_even_market_share: ArrayLike = 0.0,
) -> bool | NDArray[np.bool_]:
    """Whether a vendor should offer the specialised design rather than a general-purpose one.

    True where x*(S, R) > the market share needed to recover the design's fixed cost (NRE and
    a new product line) [-]. At ``break_even_market_share = 0`` this is S < S_c = 1 - 1/R
    (Lu 2026, arXiv 2603.20654), the companion paper's threshold.

    Parameters
    ----------
    value_scalable_fraction, efficiency_ratio : array_like
        S and R, as in :func:`specialised_market_share`.
    break_even_market_share : array_like, default 0
        [-], in [0, 1).
    """
    share = np.asarray(specialised_market_share(value_scalable_fraction, efficiency_ratio))
    out = share > np.asarray(break_even_market_share, float)
    return bool(out) if out.ndim == 0 else out


def value_scalable_share(training_share: ArrayLike, compute_weight: ArrayLike) -> float:
    """The market's value-scalable share of work S [-]: firms' training shares averaged with
    weights ``compute_weight`` (their fleets' FLOP/s) [any unit, >= 0].

    Training is the work whose value keeps scaling with compute (the loss follows the shared
    law); serving a model of given quality is bounded. NaN when no firm has compute (the
    unweighted mean is used then, so a market of new firms still has an S).
    """
    share = np.asarray(training_share, float)
    weight = np.asarray(compute_weight, float)
    if share.size == 0:
        return float("nan")
    if not (weight > 0).any():
        return float(share.mean())
    weight = np.maximum(weight, 0.0)
    return float((share * weight).sum() / weight.sum())


def choose_designs(
    value_scalable_fraction: float,
    efficiency_ratio: ArrayLike,
    break_even_market_share: ArrayLike,
    sales_share: ArrayLike,
) -> NDArray[np.bool_]:
    """Each vendor's design at a review: True = specialised, by :func:`prefers_specialised`.

    Buyers need programmable chips for the value-scalable work (x* < 1 whenever S > 0), so
    when every vendor would specialise, the one with the largest ``sales_share`` [-] keeps
    its general-purpose design (the first of equals).

    Parameters
    ----------
    value_scalable_fraction : float
        S [-] of the market (:func:`value_scalable_share`).
    efficiency_ratio, break_even_market_share, sales_share : array_like
        Per vendor: R [-], the break-even share [-] and its last share of chips sold [-].
    """
    wants = np.atleast_1d(
        np.asarray(
            prefers_specialised(value_scalable_fraction, efficiency_ratio, break_even_market_share)
        )
    ).copy()
    if wants.size and wants.all():
        wants[int(np.argmax(np.asarray(sales_share, float)))] = False
    return wants


def mix_throughput(
    specialised_share: ArrayLike, value_scalable_fraction: ArrayLike, efficiency_ratio: ArrayLike
) -> FloatOrArray:
    """Work done by a chip budget split ``x`` on specialised designs over the work the same
    budget does all-programmable, T(0)/T(x) = 1/T(x) [-] (:func:`sim.law.heterogeneous_run_time`).

    Exactly 1 at x = 0; largest, :func:`specialisation_speedup`, at x = x*(S, R); below 1 for a
    split far past x*; 0 at x = 1 when S > 0 (specialised chips cannot train).

    Parameters
    ----------
    specialised_share : array_like
        x [-], in [0, 1].
    value_scalable_fraction, efficiency_ratio : array_like
        S and R, as in :func:`specialised_market_share`.
    """
    run_time = np.asarray(
        law.heterogeneous_run_time(specialised_share, value_scalable_fraction, efficiency_ratio)
    )
    # exactly 1 with nothing specialised (S + (1 - S) need not round to 1)
    out = np.where(
        np.asarray(specialised_share) == 0.0,
        1.0,
        np.where(np.isfinite(run_time), 1.0 / run_time, 0.0),
    )
    return float(out) if out.ndim == 0 else out
