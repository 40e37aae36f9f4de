"""Firms' strategy at the margin: what the next logical FLOP is worth in training and in serving,
what the next dollar of compute returns, and the boundedly rational step a firm takes at a review.

A firm's strategy is two shares (:class:`sim.params.FirmParams`): ``training_share``, the share
of its compute that trains its next model (the rest serves tokens), and ``chip_share``, the
share of its discretionary budget left after R&D that buys chips (the rest stays in cash). At a
review an adaptive firm moves each share in the direction of the higher marginal return, by a
step in log-odds (:func:`adjust_share`), with exploration noise; it may also imitate a more
profitable rival. Every function is pure and vectorised over firms.

Units: USD, logical FLOP, tasks, years.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: shares are kept inside [SHARE_BOUND, 1 - SHARE_BOUND], so log-odds stay finite
SHARE_BOUND = 0.01


def training_value_usd_per_flop(
    tasks_sold_per_year: ArrayLike,
    margin_usd_per_task: ArrayLike,
    share: ArrayLike,
    noise_usd_per_task: float,
    value_usd_per_task: float,
    task_success: ArrayLike,
    excess_loss_nats_per_token: ArrayLike,
    loss_scale_nats_per_token: float,
    kappa: float,
    cumulative_logical_flop: ArrayLike,
    years: ArrayLike,
    compute_elasticity: ArrayLike = 1.0,
) -> FloatArray:
    """What one more logical FLOP of training is worth to the firm [USD/logical FLOP].

    Derivation: on the law, ``dL/dC = -kappa (L - E) eps / C``, with ``eps`` =
    ``compute_elasticity`` = d ln C_eff / d ln C [-] of the compute that counts once data binds
    (:func:`sim.data.effective_compute_elasticity`: 1 while it does not, toward 0 near the
    data-limited floor, where more compute hardly lowers the loss); a task's gross value is
    ``v exp(-(L - E)/l)`` (:func:`sim.demand.task_success`), so buyers' utility of the firm's
    model rises by ``dU/dC = v succ kappa (L - E) eps / (l C)`` [USD/task per FLOP]. In the logit
    market the firm's profit rate ``pi = (p - c) T M s`` moves with its utility as
    ``dpi/dU = (p - c) T M s (1 - s) / mu`` at fixed prices, which is also the total derivative
    at the Bertrand-Nash prices (envelope theorem; there ``(p - c) T = mu / (1 - s)`` and it
    reduces to the tasks sold ``M s``). The gain lasts ``years`` [yr] (an annuity factor: the
    planning horizon, discounted and eroded by rivals' catching up; see
    :func:`sim.innovation.rnd_value_usd_per_doubling`). ``tasks_sold_per_year`` is ``M s``,
    ``margin_usd_per_task`` is ``(p - c) T``.
    """
    c = np.asarray(cumulative_logical_flop, dtype=float)
    profit_per_utility = (
        np.asarray(tasks_sold_per_year, dtype=float)
        * np.maximum(np.asarray(margin_usd_per_task, dtype=float), 0.0)
        * (1.0 - np.asarray(share, dtype=float))
        / noise_usd_per_task
    )
    utility_per_flop = (
        value_usd_per_task
        * np.asarray(task_success, dtype=float)
        * kappa
        * np.maximum(np.asarray(excess_loss_nats_per_token, dtype=float), 0.0)
        * np.asarray(compute_elasticity, dtype=float)
        / (loss_scale_nats_per_token * np.where(c > 0, c, np.inf))
    )
    value = profit_per_utility * utility_per_flop * np.asarray(years, dtype=float)
    return np.where(np.isnan(value), 0.0, value)


def serving_value_usd_per_flop(
    price_usd_per_token: ArrayLike,
    cost_usd_per_token: ArrayLike,
    flop_per_token: ArrayLike,
    capacity_binds: ArrayLike,
) -> FloatArray:
    """What one more logical FLOP of serving is worth this step [USD/logical FLOP]: the margin
    on the tokens it serves, ``(p - c) / (FLOP per token)``, where the firm sells all it can
    serve; where it has idle serving capacity the next FLOP of serving sells nothing (0)."""
    margin = np.asarray(price_usd_per_token, dtype=float) - cost_usd_per_token
    sells = np.asarray(capacity_binds, dtype=bool) & (margin > 0.0)  # NaN margin: nothing
    return np.where(sells, margin / np.asarray(flop_per_token, dtype=float), 0.0)


def cost_ratio(cost_usd_per_flop: ArrayLike, previous_usd_per_flop: ArrayLike) -> FloatArray:
    """``cost / previous`` [-] where both are positive and finite, else 1: what carries an
    average of values per FLOP from the cost at which it was taken to today's, so that it
    averages values per dollar of cost (see :meth:`agents.firm.Firms.value_compute`)."""
    cost = np.asarray(cost_usd_per_flop, dtype=float)
    previous = np.asarray(previous_usd_per_flop, dtype=float)
    ok = np.isfinite(cost) & (cost > 0) & np.isfinite(previous) & (previous > 0)
    return np.where(ok, cost / np.where(ok, previous, 1.0), 1.0)


def log_ratio_signal(numerator: ArrayLike, denominator: ArrayLike) -> FloatArray:
    """``ln(numerator / denominator)`` clipped to [-1, 1]: +1 where only the numerator is
    positive, -1 where only the denominator is, 0 where neither is. The direction and (bounded)
    strength of a move toward the higher of two marginal returns."""
    a = np.maximum(np.nan_to_num(np.asarray(numerator, dtype=float)), 0.0)
    b = np.maximum(np.nan_to_num(np.asarray(denominator, dtype=float)), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log(a) - np.log(b)
    return np.clip(np.nan_to_num(ratio, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)


def imitation_probability(profit_usd_per_year: ArrayLike, rival: ArrayLike) -> FloatArray:
    """Probability [0-1] that each firm copies the firm ``rival`` (indices) it looked at:
    ``(pi_rival - pi_own) / (pi_max - pi_min)``, 0 where the rival did no better.

    Schlag's proportional imitation rule (K. Schlag 1998, "Why Imitate, and If So, How?",
    Journal of Economic Theory 78(1)): the boundedly rational rule under which a population
    of imitators follows the replicator dynamics. The chance grows smoothly with the profit
    gap (the range of profit rates among the firms sets its scale), so a tiny change in
    profits changes a firm's choice only with a tiny probability, where "copy whenever the
    rival did better" flips on any difference, however small."""
    pi = np.asarray(profit_usd_per_year, dtype=float)
    if pi.size == 0:
        return np.zeros(0)
    span = float(pi.max() - pi.min())
    if not span > 0:
        return np.zeros(pi.shape)
    return np.clip((pi[np.asarray(rival)] - pi) / span, 0.0, 1.0)


def adjust_share(
    share: ArrayLike, signal: ArrayLike, step: ArrayLike, noise: ArrayLike, draws: ArrayLike
) -> FloatArray:
    """A boundedly rational move of a share in (0, 1): in log-odds, ``signal * step`` toward
    the higher marginal return plus exploration ``noise / (s (1 - s)) * draw`` (``noise`` is
    the standard deviation in share units near ``s``; ``draws`` standard normal). Log-odds keep
    the share inside its bounds and make steps proportionate near them."""
    s = np.clip(np.asarray(share, dtype=float), SHARE_BOUND, 1.0 - SHARE_BOUND)
    slope = s * (1.0 - s)
    logit = np.log(s / (1.0 - s))
    logit = logit + np.asarray(signal) * step + np.asarray(noise) / slope * np.asarray(draws)
    return np.clip(1.0 / (1.0 + np.exp(-logit)), SHARE_BOUND, 1.0 - SHARE_BOUND)
