"""Investors and payouts as pure, vectorised functions (arrays over firms).

Money wants a return. Investors estimate each firm's expected return on the capital it employs
from what they can see: its recent profit and the growth of its revenue, the latter credited
less the longer the firm has been losing money (:func:`expected_return_per_year`). They fund a
firm in proportion to how far that return beats their hurdle rate, Tobin's q theory of
investment (:func:`funding_demand_usd_per_year`), within a limited supply of capital
(:func:`allocate_funding_usd_per_year`); funding of a firm, or a sector, whose returns stay
below the hurdle dries up. Profitable firms pay out a share of profit above a cash buffer
(:func:`dividends_usd`). "Recent" is an exponential moving average integrated exactly over a
step (:func:`smooth`), so nothing here depends on the step length.

Investors' net return, cumulative, is dividends received minus all they paid in (funding, the
agents' starting cash and, in kind, their starting assets), plus the equity they still hold at
book value (cash, fleets, plants, fabs), all in USD (the model's ``investors_net_return_usd``).

Sources: Gordon (1959), expected return = yield + growth; Tobin (1969) and Hayashi (1982),
investment rate = (q - 1) / adjustment time; Lintner (1956), dividends as a target share of
earnings; hurdle rates: Damodaran's cost-of-capital tables (software and semiconductors
about 9-12 %/yr in 2024; venture targets 25 %/yr and more). Nothing here imports Mesa.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def smooth(
    previous: ArrayLike, new: ArrayLike, dt_years: float, time_constant_years: ArrayLike
) -> FloatArray:
    """Exponential moving average over a step: ``previous + (new - previous)(1 - e^(-dt/tau))``
    [unit of ``new``], the exact solution over ``dt_years`` of ``dx/dt = (new - x) / tau`` with
    ``new`` held over the step, so two half steps with the same input equal one full step.
    ``time_constant_years`` tau [yr] is the memory of "recent"; tau = 0 returns ``new``."""
    if isinstance(time_constant_years, float | int):  # one memory for all: no array of weights
        weight: Any = _smoothing_weight(dt_years, float(time_constant_years))
    else:
        tau = np.asarray(time_constant_years, dtype=float)
        weight = np.where(tau > 0, -np.expm1(-dt_years / np.where(tau > 0, tau, 1.0)), 1.0)
    prev = np.asarray(previous, dtype=float)
    return prev + (np.asarray(new, dtype=float) - prev) * weight


@functools.lru_cache(maxsize=64)
def _smoothing_weight(dt_years: float, tau_years: float) -> float:
    """:func:`smooth`'s weight of the new value, ``1 - e^(-dt/tau)`` (1 at tau = 0): the same
    few (step, memory) pairs recur every step, so each is computed once."""
    return float(-np.expm1(-dt_years / tau_years)) if tau_years > 0 else 1.0


def smooth_from_start(
    total: ArrayLike, weight: ArrayLike, new: ArrayLike, dt_years: float, tau_years: float
) -> tuple[FloatArray, FloatArray]:
    """One step of an average over the time since the start, recent time weighted more [unit of
    ``new``]: ``total`` and ``weight`` are exponential moving averages (:func:`smooth`) of
    ``new`` and of 1, both from 0; the average is ``total / weight``. So the first steps count
    for their length, not for the memory ``tau_years``: starting the average at the first
    step's value would give that step a year's weight, and make what follows depend on how
    long the first step was. Returns the new (total, weight)."""
    return smooth(total, new, dt_years, tau_years), smooth(weight, 1.0, dt_years, tau_years)


def growth_rate_per_year(current: ArrayLike, previous: ArrayLike, dt_years: float) -> FloatArray:
    """Continuous growth rate ``ln(current / previous) / dt`` [1/yr] of a positive quantity
    (e.g. smoothed revenue [USD/yr]); 0 where either is not positive (no growth is measurable
    for a firm without revenue)."""
    cur = np.asarray(current, dtype=float)
    prev = np.asarray(previous, dtype=float)
    ok = (cur > 0) & (prev > 0)
    return np.where(ok, np.log(np.where(ok, cur, 1.0) / np.where(ok, prev, 1.0)), 0.0) / dt_years


def loss_streak_years(
    previous_years: ArrayLike, profit_usd_per_year: ArrayLike, dt_years: float
) -> FloatArray:
    """Years a firm has been losing money [yr]: grows by ``dt_years`` while its (smoothed)
    profit [USD/yr] is negative, back to 0 as soon as it is not."""
    return np.where(
        np.asarray(profit_usd_per_year) < 0, np.asarray(previous_years, dtype=float) + dt_years, 0.0
    )


def expected_return_per_year(
    profit_usd_per_year: ArrayLike,
    capital_usd: ArrayLike,
    revenue_growth_per_year: ArrayLike,
    loss_streak_years: ArrayLike,
    max_growth_per_year: float = 1.0,
    growth_patience_years: float = 3.0,
    min_capital_usd: float = 1e6,
) -> FloatArray:
    """Investors' expected return on a firm's capital [1/yr]: profit yield plus credited growth,
    ``r = profit / capital + growth_credit``.

    Gordon (1959): the return of holding a claim on earnings that grow at g is its yield plus g.
    ``profit_usd_per_year`` is the firm's recent (smoothed) profit, ``capital_usd`` the capital it
    employs (floored at ``min_capital_usd`` [USD] so a firm without capital is not infinitely
    attractive), ``revenue_growth_per_year`` the recent growth rate of its revenue [1/yr].
    Growth is capped at ``max_growth_per_year`` [1/yr] (Gordon's formula needs g below the
    discount rate; investors extrapolate at most this much) and, when positive, credited with
    weight ``exp(-loss_streak / growth_patience_years)``: investors fund losses for growth, but
    for a limited time (``loss_streak_years`` [yr], :func:`loss_streak_years`). Falling revenue
    is always counted in full.
    """
    capital = np.maximum(np.asarray(capital_usd, dtype=float), min_capital_usd)
    growth = np.minimum(
        np.maximum(np.asarray(revenue_growth_per_year, dtype=float), -max_growth_per_year),
        max_growth_per_year,
    )
    patience = np.exp(-np.asarray(loss_streak_years, dtype=float) / growth_patience_years)
    credited = np.where(growth > 0, growth * patience, growth)
    return np.asarray(profit_usd_per_year, dtype=float) / capital + credited


def funding_demand_usd_per_year(
    capital_usd: ArrayLike,
    expected_return_per_year: ArrayLike,
    hurdle_rate_per_year: float = 0.12,
    adjustment_years: float = 2.0,
) -> FloatArray:
    """Funding investors want to put into each firm [USD/yr]:
    ``capital * max(0, r / hurdle - 1) / adjustment_years``.

    Tobin's q theory with adjustment costs (Tobin 1969; Hayashi 1982): a firm earning r on its
    capital forever is worth ``q = r / hurdle`` times that capital to investors who require the
    hurdle rate [1/yr]; capital flows in at ``(q - 1) / adjustment_years`` of the capital a
    year while q > 1, so in proportion to the excess of the expected return over the hurdle,
    and not at all below it. ``adjustment_years`` [yr] is how long investors take to close the
    gap (quadratic adjustment cost). Negative capital counts as none.
    """
    capital = np.maximum(np.asarray(capital_usd, dtype=float), 0.0)
    excess = np.maximum(np.asarray(expected_return_per_year) / hurdle_rate_per_year - 1.0, 0.0)
    return capital * excess / adjustment_years


def allocate_funding_usd_per_year(
    demand_usd_per_year: ArrayLike, supply_usd_per_year: float
) -> FloatArray:
    """Funding each firm receives [USD/yr]: its demand (:func:`funding_demand_usd_per_year`),
    scaled down alike when the total exceeds the supply of capital ``supply_usd_per_year``
    [USD/yr] (pro-rata rationing; the supply is an upper bound, not a flow that must be
    spent). Never negative, never above demand, total never above supply."""
    d = np.maximum(np.asarray(demand_usd_per_year, dtype=float), 0.0)
    total = float(d.sum())
    supply = max(float(supply_usd_per_year), 0.0)
    # shares first, then the supply: no underflow when the supply is tiny
    return d / total * supply if total > supply else d


def cash_buffer_usd(costs_usd_per_year: ArrayLike, buffer_years: float = 1.0) -> FloatArray:
    """Cash a firm keeps before paying out [USD]: ``buffer_years`` [yr] of its costs
    [USD/yr] (a year of operating spending is a common rule for growth firms)."""
    return np.maximum(np.asarray(costs_usd_per_year, dtype=float), 0.0) * buffer_years


def dividends_usd(
    profit_usd: ArrayLike, cash_usd: ArrayLike, buffer_usd: ArrayLike, payout_share: float = 0.5
) -> FloatArray:
    """Dividends paid this step [USD]: ``payout_share`` of the step's profit [USD] when positive,
    but never more than the cash above the buffer: ``min(share * max(profit, 0),
    max(cash - buffer, 0))``. Lintner (1956): firms pay out a stable target share of earnings
    (about half); a loss-making firm pays nothing, and no payout drives cash below the buffer.
    Linear in the profit, so the total over a year does not depend on the step length while the
    buffer does not bind."""
    profit = np.maximum(np.asarray(profit_usd, dtype=float), 0.0)
    room = np.maximum(np.asarray(cash_usd, dtype=float) - np.asarray(buffer_usd), 0.0)
    return np.minimum(payout_share * profit, room)


def run_above_threshold_pays(
    planned_physical_flop: ArrayLike,
    threshold_physical_flop: float,
    logical_per_physical: ArrayLike,
    model_logical_flop: ArrayLike,
    kappa: float,
    success_elasticity: ArrayLike,
    revenue_usd_per_year: ArrayLike,
    horizon_years: ArrayLike,
    compliance_cost_usd: ArrayLike,
    delay_share: float,
) -> NDArray[np.bool_]:
    """Whether a firm registers a training run above the compute threshold rather than hold it
    at the threshold: True where the better model is worth more than the compliance cost.

    A run planned at ``planned_physical_flop`` [physical FLOP] above
    ``threshold_physical_flop`` adds ``planned (1 - delay_share)`` physical FLOP (times
    ``logical_per_physical`` [logical/physical FLOP]) to a model of ``model_logical_flop``
    [logical FLOP] if registered, and ``threshold`` if held at it. On the shared law the
    registered model's excess loss is lower by the share
    ``gain = 1 - ((C + dC_registered) / (C + dC_held))^-kappa``. Buyers' task success falls
    with excess loss at ``success_elasticity`` [-] (``(L - E) / loss scale`` for
    ``exp(-(L - E)/scale)``), so revenue [USD/yr] rises by about ``elasticity * gain`` of itself;
    the firm counts that over ``horizon_years`` [yr] and compares it with
    ``compliance_cost_usd`` [USD] for the run (registering when they are equal: a free
    registration of a better model is taken). A run planned at or below the threshold is never
    registered; a delay that costs more compute than the run gains is never worth it."""
    planned = np.asarray(planned_physical_flop, dtype=float)
    per = np.asarray(logical_per_physical, dtype=float)
    model = np.maximum(np.asarray(model_logical_flop, dtype=float), 1.0)
    above = planned > threshold_physical_flop
    held = min(threshold_physical_flop, 1e300)
    with np.errstate(invalid="ignore", over="ignore"):
        ratio = (model + planned * (1.0 - delay_share) * per) / (model + held * per)
        gain = -np.expm1(-kappa * np.log(np.where(above, ratio, 1.0)))
        value = (
            gain
            * np.asarray(success_elasticity, dtype=float)
            * np.asarray(revenue_usd_per_year, dtype=float)
            * np.asarray(horizon_years, dtype=float)
        )
    worth = np.nan_to_num(value) >= np.asarray(compliance_cost_usd, dtype=float)
    return above & (gain > 0) & worth


# --------------------------------------------------------------------------------------------
# Who earns what: total surplus and shares that stay defined
# --------------------------------------------------------------------------------------------


def total_surplus_usd(
    consumer_surplus_usd: ArrayLike,
    profit_usd: ArrayLike,
    government_revenue_usd: ArrayLike,
    carbon_t_co2: ArrayLike,
    social_cost_usd_per_t_co2: float = 190.0,
) -> FloatArray:
    """Total surplus [USD]: consumers' surplus plus every sector's profit (summed over the last
    axis of ``profit_usd``, e.g. firms, vendors, suppliers) plus government revenue (taxes
    less subsidies) minus carbon damages, emissions [tCO2] times the social cost of carbon
    [USD/tCO2]. Transfers between the parties (prices, taxes, dividends) cancel; what remains
    is value created less damage done. Default social cost: US EPA (2023), 190 USD/tCO2
    (2020 dollars, 2 % discount rate)."""
    return (
        np.asarray(consumer_surplus_usd, dtype=float)
        + np.asarray(profit_usd, dtype=float).sum(axis=-1)
        + np.asarray(government_revenue_usd, dtype=float)
        - np.asarray(carbon_t_co2, dtype=float) * social_cost_usd_per_t_co2
    )


def surplus_shares(parts_usd: ArrayLike) -> FloatArray:
    """Each party's share of the gains [-] (parties along the last axis: consumers, firms,
    vendors, suppliers, government, investors, and carbon damages as a negative part):
    ``x_i / sum_j max(x_j, 0)``.

    The denominator is the gross gain of the parties that gain, which is never negative, so a
    share is never taken of a negative total: gainers' shares sum to 1, a party that loses has
    a negative share (its loss as a fraction of what the gainers gained), and when nobody
    gains every share is 0 rather than NaN. Equals the plain share of total surplus whenever no
    part is negative."""
    x = np.asarray(parts_usd, dtype=float)
    gross = np.maximum(x, 0.0).sum(axis=-1, keepdims=True)
    return np.where(gross > 0, x / np.where(gross > 0, gross, 1.0), 0.0)


def entry_hazard_per_year(return_on_capital_per_year: float, hurdle_rate_per_year: float) -> float:
    """Rate at which a waiting entrant comes into the market [1/yr]: ``clip((r - h)/h, 0, 1)``.

    Potential entrants differ in what entering costs them, so entry grows smoothly with the
    sector's return on capital ``r`` [1/yr] past investors' hurdle ``h`` [1/yr] (a dynamic
    oligopoly's entry with random entry costs, Ericson and Pakes 1995): none at or below the
    hurdle, one a year on average at twice it. ``h`` below 1% a year counts as 1%.
    """
    scale = max(hurdle_rate_per_year, 0.01)
    excess = (return_on_capital_per_year - hurdle_rate_per_year) / scale
    return min(max(excess, 0.0), 1.0)
