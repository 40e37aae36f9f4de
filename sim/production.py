"""Production: turning grid energy into logical compute along the efficiency chain.

grid joules -> x site efficiency (1/PUE, supplier) -> IT joules -> x chip FLOP per joule
(vendor, per cohort) -> physical FLOP -> x algorithmic efficiency (firm) -> logical FLOP.

Within a step each link follows its own law of motion (chips approach their ceiling, ideas get
harder, PUE approaches 1: :mod:`sim.physics`), so the efficiency product has no closed form; the
step's compute is energy x E(t_k) x the mean over the step of E(t)/E(t_k), integrated by
composite Gauss-Legendre quadrature (:func:`step_logical_flop_on_nodes`, about 1e-14 relative),
with the energy delivered evenly over the step. For plain exponential links
:func:`step_logical_flop` is the exact closed form (:func:`sim.law.growth_integral`). Pure
numpy; no Mesa.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim import law
from sim.markets import row_sums
from sim.params import JOULES_PER_MWH


def log2_elogical(
    log2_site: ArrayLike, log2_chip: ArrayLike, log2_algorithms: ArrayLike
) -> NDArray[np.float64]:
    """log2 of logical FLOP per grid joule: the sum of the links' log2 efficiencies
    (site [IT J/grid J], chip [FLOP/IT J], algorithms [logical FLOP/FLOP])."""
    return np.asarray(log2_site) + np.asarray(log2_chip) + np.asarray(log2_algorithms)


def site_efficiency_of_energy(
    grid_energy_mwh: ArrayLike, site_efficiency: ArrayLike, fallback_weights: ArrayLike
) -> NDArray[np.float64]:
    """Each firm's site efficiency [IT J/grid J]: the 1/PUE of the energy it bought,
    ``sum_j e_ij s_j / sum_j e_ij`` over ``grid_energy_mwh`` e [grid MWh, firm x supplier] and the
    suppliers' ``site_efficiency`` s [IT J/grid J]. A firm that got no energy has the figure of
    the split ``fallback_weights`` [any unit, per supplier, e.g. the grid MWh a firm asks of each
    supplier per IT MWh it needs]: what it would have bought."""
    e = np.asarray(grid_energy_mwh, dtype=float)
    s = np.asarray(site_efficiency, dtype=float)
    w = np.asarray(fallback_weights, dtype=float)
    total = row_sums(e)
    fallback = float((w * s).sum() / w.sum())
    got = total > 0
    return np.where(got, row_sums(e * s) / np.where(got, total, 1.0), fallback)


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


def step_logical_flop_on_nodes(
    grid_energy_mwh: ArrayLike,
    log2_elogical_at_start: ArrayLike,
    firm_log2_gain_at_nodes: NDArray[np.float64],
    supplier_log2_gain_at_nodes: NDArray[np.float64],
    weights: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Logical FLOP each firm produces in one step [FLOP], summed over its suppliers.

    ``grid_energy_mwh`` [MWh, firm x supplier] is delivered evenly over the step; efficiency
    starts at 2^``log2_elogical_at_start`` [logical FLOP/J, firm x supplier] and gains, by each
    quadrature node of :func:`sim.physics.step_nodes`, the doublings of the firm's links (chips
    and algorithms, ``firm_log2_gain_at_nodes`` [firm, node]) plus those of the supplier's
    site (``supplier_log2_gain_at_nodes`` [supplier, node]). The step's compute is energy x
    E(0) x the mean of 2^gain over the step, ``sum_j w_j 2^a_f(t_j) 2^b_s(t_j)``: the gains
    add, so the mean is one matrix product of the firms' and the suppliers' factors, each
    shifted so it cannot overflow: by the larger of its gains at the first and the last node,
    its largest where it grows or falls over the step, and within the step's few doublings of
    it otherwise (as :func:`sim.physics.log2_step_mean_gain`). Exact to about 1e-14
    relative; for linear gains it equals :func:`step_logical_flop`.
    """
    e = np.asarray(grid_energy_mwh, dtype=float)
    firm_top = np.maximum(firm_log2_gain_at_nodes[:, 0], firm_log2_gain_at_nodes[:, -1])
    supplier_top = np.maximum(supplier_log2_gain_at_nodes[:, 0], supplier_log2_gain_at_nodes[:, -1])
    firm_factor = firm_log2_gain_at_nodes - firm_top[:, None]  # (in place: firms x nodes)
    np.exp2(firm_factor, out=firm_factor)
    firm_factor *= weights
    supplier_factor = np.exp2(supplier_log2_gain_at_nodes - supplier_top[:, None])
    mean = (firm_factor @ supplier_factor.T) / weights.sum()
    log2_mean = np.log2(mean) + firm_top[:, None] + supplier_top[None, :]
    per_mwh = JOULES_PER_MWH * np.exp2(np.asarray(log2_elogical_at_start) + log2_mean)
    return row_sums(np.where(e > 0, e * per_mwh, 0.0))
