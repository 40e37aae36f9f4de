"""Markets as pure, vectorised functions: choice, pricing, rationing, concentration, growth.

Agents decide by calling these; the model clears the three markets (energy, chips, AI services)
with them. Nothing here imports Mesa, and every function is tested on hand-checkable cases.

Choice follows the multinomial logit with an outside option (McFadden 1974; Berry 1994): an
option with utility u is chosen with probability exp(u) / (1 + sum exp(u_j)). With utilities
that fall by ``sensitivity * ln(price)`` and a fixed budget spread over the options, the profit-
maximising price of an option with share s is ``cost * (1 + 1 / (sensitivity * (1 - s)))``
(:func:`logit_markup`): market power rises with share, so margins are earned, not assumed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.params import JOULES_PER_MWH, SECONDS_PER_YEAR

FloatArray = NDArray[np.float64]


def logit_shares(utility: ArrayLike, outside_option: bool = True, axis: int = -1) -> FloatArray:
    """Choice shares of options with the given utilities [-], optionally against an outside
    option of utility 0. Stable for any magnitude (log-sum-exp); options with utility -inf get 0.

    With ``outside_option`` the shares along ``axis`` sum to less than 1, the rest being the
    outside option's.
    """
    u = np.asarray(utility, dtype=float)
    top = np.max(u, axis=axis, keepdims=True, initial=-np.inf)
    # shift by the largest utility (the outside option's 0 included) so exp cannot overflow
    top = np.maximum(top, 0.0) if outside_option else np.where(np.isfinite(top), top, 0.0)
    weights = np.exp(u - top)
    total = np.sum(weights, axis=axis, keepdims=True)
    if outside_option:
        total = total + np.exp(-top)
    return weights / np.where(total > 0, total, 1.0)  # all options at -inf: all shares 0


def logit_markup(
    share: ArrayLike, sensitivity: float, max_markup: ArrayLike = np.inf
) -> FloatArray:
    """Profit-maximising markup (price/cost - 1) [-] of a seller with choice share ``share``
    [0-1] when buyers' utility falls by ``sensitivity`` [-] times ln(price) and they spend a
    fixed budget: 1 / (sensitivity * (1 - share)), capped at ``max_markup``.

    Derivation: revenue s*W is fixed by the share, cost is c*s*W/p, and ds/dp = -sensitivity *
    s * (1 - s) / p; the first-order condition gives c/p = sensitivity (1-s) / (1 + sensitivity
    (1-s)).
    """
    s = np.clip(np.asarray(share, dtype=float), 0.0, 1.0)
    with np.errstate(divide="ignore"):
        markup = 1.0 / (sensitivity * (1.0 - s))
    return np.minimum(markup, max_markup)


def clear_energy(
    need_it_mwh: ArrayLike,
    supplier_weights: ArrayLike,
    pue: ArrayLike,
    deliverable_mwh: ArrayLike,
    cap_mwh: float,
) -> tuple[FloatArray, FloatArray, bool]:
    """Clear the energy market for one step.

    Firms need ``need_it_mwh`` [IT MWh] each and split it over suppliers by
    ``supplier_weights`` (logit shares, summing to 1); at supplier j that is need x weight x
    PUE_j grid MWh. Each supplier rations pro rata to what it can deliver
    (``deliverable_mwh``), then an energy cap ``cap_mwh`` [grid MWh per step, inf for none]
    scales every delivery down alike. Returns (demand, delivered, cap_binding), both
    [firm, supplier] in grid MWh.
    """
    demand = np.outer(
        np.asarray(need_it_mwh, dtype=float), np.asarray(supplier_weights) * np.asarray(pue)
    )
    delivered = ration(demand, deliverable_mwh, axis=0)
    total = float(delivered.sum())
    binding = total > cap_mwh
    if binding:
        delivered *= cap_mwh / total
    return demand, delivered, binding


def ration(demand: ArrayLike, supply: ArrayLike, axis: int = 0) -> FloatArray:
    """Pro-rata rationing: each buyer gets its demand times min(1, supply / total demand).

    ``demand`` [any unit] is non-negative, summed along ``axis`` per seller; ``supply`` is the
    sellers' available quantity in the same unit. Never negative, never above demand, and the
    total never above supply.
    """
    d = np.maximum(np.asarray(demand, dtype=float), 0.0)
    total = np.sum(d, axis=axis, keepdims=True)
    s = np.maximum(np.asarray(supply, dtype=float), 0.0)
    s = np.expand_dims(s, axis) if s.ndim and s.ndim < d.ndim else s
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(total > s, s / total, 1.0)
    return d * fill


def hhi(quantities: ArrayLike) -> float:
    """Herfindahl-Hirschman index [0-1] of non-negative quantities (sales, energy, chips):
    the sum of squared shares. Multiply by 10,000 for the antitrust scale. NaN when all are 0.
    """
    q = np.maximum(np.asarray(quantities, dtype=float), 0.0)
    total = q.sum()
    if total <= 0:
        return float("nan")
    return float(np.sum((q / total) ** 2))


def logistic_growth(
    years: ArrayLike, start: float, doublings_per_year: float, ceiling: float
) -> FloatArray:
    """A quantity that starts at ``start``, doubles ``doublings_per_year`` times a year while
    small, and saturates at ``ceiling`` (same unit): x0 2^(g t) / (1 + x0 (2^(g t) - 1) / cap).
    """
    t = np.asarray(years, dtype=float)
    growth = np.exp2(doublings_per_year * t)
    return start * growth / (1.0 + start * (growth - 1.0) / ceiling)


def logistic_integral(
    start_years: float, end_years: float, start: float, doublings_per_year: float, ceiling: float
) -> float:
    """Integral of :func:`logistic_growth` from ``start_years`` to ``end_years`` [unit x yr]:
    F(t) = cap / (g ln2) * ln(1 + x0 (2^(g t) - 1) / cap), exact for any step length, and
    x0 (t1 - t0) at g = 0."""
    if doublings_per_year == 0.0:
        return start * (end_years - start_years)
    rate = doublings_per_year * math.log(2.0)

    def antiderivative(t: float) -> float:
        return ceiling / rate * math.log1p(start * math.expm1(rate * t) / ceiling)

    return antiderivative(end_years) - antiderivative(start_years)


def scarcity_price(
    cost_usd_per_mwh: ArrayLike,
    utilisation: ArrayLike,
    base_markup: ArrayLike,
    scarcity_markup: ArrayLike,
) -> FloatArray:
    """Energy price [USD/MWh]: cost times (1 + base + scarcity * u^4), u the utilisation of
    capacity [0-1] last step, so prices stay near cost while capacity is slack and rise steeply
    as demand nears capacity (scarcity pricing).
    """
    u = np.clip(np.asarray(utilisation, dtype=float), 0.0, 1.0)
    return np.asarray(cost_usd_per_mwh) * (
        1.0 + np.asarray(base_markup) + np.asarray(scarcity_markup) * u**4
    )


def chip_value_flop_per_usd(
    flop_per_second: ArrayLike,
    flop_per_joule: ArrayLike,
    price_usd: ArrayLike,
    lifetime_years: ArrayLike,
    energy_usd_per_it_mwh: ArrayLike,
) -> FloatArray:
    """Physical FLOP a chip delivers over its life per dollar of total cost of ownership
    [FLOP/USD]: price plus the energy to run it flat out (energy priced per IT MWh, i.e. grid
    price times PUE).
    """
    flop = np.asarray(flop_per_second, dtype=float) * np.asarray(lifetime_years) * SECONDS_PER_YEAR
    energy_mwh = flop / np.asarray(flop_per_joule) / JOULES_PER_MWH
    return flop / (np.asarray(price_usd) + energy_mwh * np.asarray(energy_usd_per_it_mwh))


def services_utility(
    log_relative_excess_loss: ArrayLike,
    price_usd_per_million_tokens: ArrayLike,
    quality_sensitivity: float,
    price_sensitivity: float,
    reference_price_usd_per_million_tokens: float,
) -> FloatArray:
    """Buyers' utility [-] of a model: -theta ln X - beta ln(p / p_ref); the outside option has 0.

    X is the model's relative excess loss against the reference model (X = 1 at the
    reference compute), so a reference-quality model at the reference price ties with the
    outside option; better or cheaper models win buyers from it, so the market grows with
    quality and with falling prices.
    """
    return _utility(
        np.asarray(log_relative_excess_loss, dtype=float),
        np.log(np.asarray(price_usd_per_million_tokens, dtype=float)),
        quality_sensitivity,
        price_sensitivity,
        reference_price_usd_per_million_tokens,
    )


def clearing_prices(
    log_relative_excess_loss: ArrayLike,
    floor_price_usd_per_million_tokens: ArrayLike,
    capacity_tokens: ArrayLike,
    spending_usd: float,
    quality_sensitivity: float,
    price_sensitivity: float,
    reference_price_usd_per_million_tokens: float,
    iterations: int = 50,
) -> tuple[FloatArray, FloatArray]:
    """Prices that clear the AI-services market within a step, and the spending shares.

    Each firm charges its floor (its markup price) unless buyers' spending on it at that price
    would buy more tokens than it can serve; then it charges the price at which that spending
    buys exactly its capacity. Demand for firm f is s_f(p) * spending / p_f tokens, with s_f the
    logit share of :func:`services_utility` against the outside option.

    Solved by Newton's method in log prices over the capacity-bound firms B. With utility
    falling by beta ln p, the Jacobian of log demand is J = -(1 + beta) I + beta 1 s_B^T, a
    rank-one update of a multiple of the identity, so the Newton step has a closed form
    (Sherman-Morrison): step_f = (e_f + beta (s.e) / (1 + beta - beta sum s_B)) / (1 + beta),
    e the excess of log demand over log capacity. Prices are then kept at or above the floors.
    It converges to machine precision in a few iterations (quadratically).

    Returns ``(price_usd_per_million_tokens, share)``; shares leave the outside option's out.
    A firm without capacity or without a finite positive floor price offers nothing: its
    price is NaN and its share 0.
    """
    floor = np.asarray(floor_price_usd_per_million_tokens, dtype=float)
    capacity = np.asarray(capacity_tokens, dtype=float)
    log_x = np.asarray(log_relative_excess_loss, dtype=float)
    active = (capacity > 0) & np.isfinite(floor) & (floor > 0)
    log_floor = np.log(np.where(active, floor, 1.0))
    log_capacity = np.log(np.where(active, capacity, 1.0))
    log_budget = np.log(spending_usd * 1e6) if spending_usd > 0 else -np.inf
    theta, beta, p_ref = (
        quality_sensitivity,
        price_sensitivity,
        reference_price_usd_per_million_tokens,
    )
    log_p = log_floor
    for _ in range(iterations):
        shares = logit_shares(np.where(active, _utility(log_x, log_p, theta, beta, p_ref), -np.inf))
        excess = np.log(np.maximum(shares, 1e-300)) + log_budget - log_p - log_capacity
        bound = active & ((excess > 0) | (log_p > log_floor))
        if not bound.any():
            break  # nobody short of capacity: every firm at its floor
        e = np.where(bound, excess, 0.0)
        s_bound = np.where(bound, shares, 0.0)
        common = beta * float(np.sum(s_bound * e)) / (1.0 + beta - beta * float(np.sum(s_bound)))
        new = np.where(bound, np.maximum(log_floor, log_p + (e + common) / (1.0 + beta)), log_p)
        converged = np.max(np.abs(new - log_p)) <= 1e-13 * max(1.0, float(np.max(np.abs(log_p))))
        log_p = new
        if converged:
            break
    if bound.any():  # prices moved since the shares were computed: shares to match them
        shares = logit_shares(np.where(active, _utility(log_x, log_p, theta, beta, p_ref), -np.inf))
    return np.where(active, np.exp(log_p), np.nan), shares


def _utility(
    log_x: FloatArray, log_p: FloatArray, theta: float, beta: float, p_ref: float
) -> FloatArray:
    """:func:`services_utility` with the price already in logs."""
    return -theta * log_x - beta * (log_p - np.log(p_ref))


# ----------------------------------------------------------------------------------------------
# settlements: what each market's clearing moves, as arrays (the model books them in the ledger)
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChipSettlement:
    """What the chip market moved in one step, ``[firm, vendor]`` arrays."""

    chips: FloatArray  # chips delivered [chips]
    payments_usd: FloatArray  # what firms pay vendors [USD]
    flop_per_second_per_chip: FloatArray  # design delivered (downgraded where restricted) [FLOP/s]
    flop_per_joule: FloatArray  # [FLOP/J]


def clear_chips(
    budget_usd: ArrayLike,
    price_usd: ArrayLike,
    flop_per_second_per_chip: ArrayLike,
    flop_per_joule: ArrayLike,
    lifetime_years: ArrayLike,
    deliverable_chips: ArrayLike,
    energy_usd_per_it_mwh: float,
    choice_sensitivity: float,
    restricted: ArrayLike,
    max_flop_per_joule: float = math.inf,
    quota_chips: float = math.inf,
) -> ChipSettlement:
    """Clear the chip market for one step.

    Each firm splits its chip budget ``budget_usd`` [USD] over vendors by a logit on the
    lifetime FLOP per dollar of total cost of ownership (:func:`chip_value_flop_per_usd`, with
    sensitivity ``choice_sensitivity`` on its log). Firms flagged ``restricted`` (an export
    control) are offered each design downgraded to ``max_flop_per_joule`` [FLOP/J] at the same
    price and watts per chip, and may buy at most ``quota_chips`` [chips] in the step; vendors
    ration pro rata to ``deliverable_chips``.
    """
    budget = np.asarray(budget_usd, dtype=float)
    price = np.asarray(price_usd, dtype=float)
    fpj = np.asarray(flop_per_joule, dtype=float)
    limited = np.asarray(restricted, dtype=bool)[:, None]
    fpj_offered = np.where(limited, np.minimum(fpj, max_flop_per_joule), fpj)
    # same watts per chip, downgraded to the limit
    flops_offered = np.asarray(flop_per_second_per_chip, dtype=float) * fpj_offered / fpj
    value = chip_value_flop_per_usd(
        flops_offered,
        fpj_offered,
        price,
        np.asarray(lifetime_years, dtype=float)[:, None],
        energy_usd_per_it_mwh,
    )
    weights = logit_shares(choice_sensitivity * np.log(value), outside_option=False)
    orders = budget[:, None] * weights / price
    if math.isfinite(quota_chips) and limited.any():
        total = orders.sum(axis=1, keepdims=True)
        over = limited & (total > quota_chips)
        orders = orders * np.where(over, quota_chips / np.maximum(total, 1e-300), 1.0)
    chips = ration(orders, deliverable_chips, axis=0)
    return ChipSettlement(chips, chips * price, flops_offered, fpj_offered)


@dataclass(frozen=True)
class ServicesSettlement:
    """What the AI-services market moved in one step, arrays over firms."""

    price_usd_per_million_tokens: FloatArray  # NaN where a firm offered nothing
    share: FloatArray  # share of buyers' potential spending chosen [-]
    tokens: FloatArray  # tokens served [tokens]
    revenue_usd: FloatArray  # what buyers paid [USD]


def clear_services(
    log_relative_excess_loss: ArrayLike,
    floor_price_usd_per_million_tokens: ArrayLike,
    capacity_tokens: ArrayLike,
    spending_usd: float,
    quality_sensitivity: float,
    price_sensitivity: float,
    reference_price_usd_per_million_tokens: float,
) -> ServicesSettlement:
    """Clear the AI-services market for one step (:func:`clearing_prices`) and settle it:
    buyers spend their chosen share of ``spending_usd`` [USD] on each firm at its price; a firm
    serves at most its capacity [tokens]."""
    prices, shares = clearing_prices(
        log_relative_excess_loss,
        floor_price_usd_per_million_tokens,
        capacity_tokens,
        spending_usd,
        quality_sensitivity,
        price_sensitivity,
        reference_price_usd_per_million_tokens,
    )
    offered = np.isfinite(prices)  # a firm with no serving capacity offers no tokens
    demanded = np.where(offered, shares * spending_usd * 1e6 / np.where(offered, prices, 1.0), 0.0)
    served = np.minimum(demanded, np.asarray(capacity_tokens, dtype=float))
    revenue = np.where(served > 0, served * np.where(offered, prices, 0.0) / 1e6, 0.0)
    return ServicesSettlement(prices, shares, served, revenue)
