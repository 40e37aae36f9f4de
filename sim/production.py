"""Production: turning grid energy into logical compute along the efficiency chain.

grid joules -> x site efficiency (1/PUE, supplier) -> IT joules -> x chip FLOP per joule
(vendor, per cohort) -> physical FLOP -> x algorithmic efficiency (firm) -> logical FLOP.

Within a step each link improves exponentially at its own rate, so the efficiency product
grows as 2^(g t) with g the sum of the rates, and the step's compute is the exact integral
(:func:`sim.law.growth_integral`): energy x E(t_k) x phi(g dt), with the energy delivered
evenly over the step. Pure numpy; no Mesa.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim import law
from sim.params import JOULES_PER_MWH


def log2_elogical(
    log2_site: ArrayLike, log2_chip: ArrayLike, log2_algorithms: ArrayLike
) -> NDArray[np.float64]:
    """log2 of logical FLOP per grid joule: the sum of the links' log2 efficiencies
    (site [IT J/grid J], chip [FLOP/IT J], algorithms [logical FLOP/FLOP])."""
    return np.asarray(log2_site) + np.asarray(log2_chip) + np.asarray(log2_algorithms)


def inference_flop_per_token(params: ArrayLike) -> NDArray[np.float64]:
    """Logical FLOP to serve one token with a model of ``params`` parameters: 2 N (a forward
    pass; Kaplan et al. 2020, section 2.1)."""
    return 2.0 * np.asarray(params, dtype=float)


def cost_usd_per_logical_flop(
    it_energy_mwh: ArrayLike,
    energy_usd_per_it_mwh: ArrayLike,
    depreciation_usd: ArrayLike,
    logical_flop: ArrayLike,
) -> NDArray[np.float64]:
    """What a step's compute costs per logical FLOP [USD/FLOP]: its energy (per IT MWh, grid
    price x PUE) plus the chips' depreciation, over the logical FLOP produced. NaN without
    compute (nothing to sell)."""
    flop = np.asarray(logical_flop, dtype=float)
    cost = np.asarray(it_energy_mwh) * energy_usd_per_it_mwh + np.asarray(depreciation_usd)
    return np.where(flop > 0, cost / np.where(flop > 0, flop, 1.0), np.nan)


def step_logical_flop(
    grid_energy_mwh: ArrayLike,
    log2_elogical_at_start: ArrayLike,
    doublings_per_year: ArrayLike,
    dt_years: float,
    axis: int = -1,
) -> NDArray[np.float64]:
    """Logical FLOP produced in one step [FLOP], summed along ``axis`` (the suppliers).

    ``grid_energy_mwh`` [MWh] is delivered evenly over the step; efficiency starts at
    2^``log2_elogical_at_start`` [logical FLOP/J] and doubles ``doublings_per_year`` times a year
    [1/yr] within the step. Exact for any step length: summing steps reproduces the closed form
    of item 5 of docs/analytic.md (see the mean-field scenario).
    """
    e = np.asarray(grid_energy_mwh, dtype=float)
    rate = np.asarray(doublings_per_year, dtype=float)
    per_mwh = (
        JOULES_PER_MWH * np.exp2(log2_elogical_at_start) * law.growth_integral(rate * dt_years)
    )
    return np.sum(np.where(e > 0, e * per_mwh, 0.0), axis=axis)
