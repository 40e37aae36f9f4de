"""Markets as pure, vectorised functions: choice, pricing, rationing, concentration, growth.

Agents decide by calling these; the model clears the chip and energy markets with them (the
AI-services market, where buyers choose tasks, is :mod:`sim.demand`). Nothing here imports Mesa,
and every function is tested on hand-checkable cases.

Choice follows the multinomial logit with an outside option (McFadden 1974; Berry 1994): an
option with utility u is chosen with probability exp(u) / (1 + sum exp(u_j)). With utilities
that fall by ``sensitivity * ln(price)`` and a fixed budget spread over the options, the profit-
maximising price of an option with share s is ``cost * (1 + 1 / (sensitivity * (1 - s)))``
(:func:`logit_markup`): market power rises with share, so margins are earned, not assumed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.params import JOULES_PER_MWH, SECONDS_PER_YEAR

FloatArray = NDArray[np.float64]

MAX_EXCESS_DEMAND_RATIO = 1e9  # chip demand over capacity that a scarcity price reflects [-]
SOLD_OUT_SHARE = 1e-9
"""A vendor whose unsold chips are at most this share of what it could deliver is sold out [-]:
what pro-rata rationing leaves over is rounding (about 1e-13 of sales), not chips to spare."""


def row_sums(a: FloatArray) -> FloatArray:
    """Sums over the last axis of ``a`` (e.g. [firm, cohort] or [firm, vendor]), as one
    matrix-vector product: several times faster than ``a.sum(axis=-1)`` on short rows, and equal
    to it up to rounding (BLAS may add in another order on another CPU)."""
    return a @ _ones(a.shape[-1])


@functools.lru_cache(maxsize=64)
def _ones(length: int) -> FloatArray:
    """A read-only vector of ``length`` ones: the few lengths in use are made once."""
    ones = np.ones(length)
    ones.flags.writeable = False
    return ones


@functools.lru_cache(maxsize=64)
def _eye(size: int) -> FloatArray:
    """A read-only ``size`` x ``size`` identity matrix, made once per size."""
    eye = np.eye(size)
    eye.flags.writeable = False
    return eye


def logit_shares(utility: ArrayLike, outside_option: bool = True, axis: int = -1) -> FloatArray:
    """Choice shares of options with the given utilities [-], optionally against an outside
    option of utility 0. Stable for any magnitude (log-sum-exp); options with utility -inf get 0.

    With ``outside_option`` the shares along ``axis`` sum to less than 1, the rest being the
    outside option's.
    """
    u = np.asarray(utility, dtype=float)
    if u.ndim == 1 and u.size and axis in (0, -1):  # the common case, with fewer array calls
        top = u.max()
        top = np.maximum(top, 0.0) if outside_option else (top if math.isfinite(top) else 0.0)
        weights = np.exp(u - top)
        total = weights.sum()
        if outside_option:
            total = total + np.exp(-top)
        return weights / (total if total > 0 else 1.0)
    top = u.max(axis=axis, keepdims=True, initial=-np.inf)
    # shift by the largest utility (the outside option's 0 included) so exp cannot overflow
    top = np.maximum(top, 0.0) if outside_option else np.where(np.isfinite(top), top, 0.0)
    weights = np.exp(u - top)
    total = (
        row_sums(weights)[..., None]
        if axis in (-1, u.ndim - 1)
        else weights.sum(axis, keepdims=True)
    )
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
    s = np.minimum(np.maximum(share, 0.0), 1.0)
    elastic = sensitivity * (1.0 - s)  # a seller buyers cannot leave (0) has no finite markup
    markup = np.where(elastic != 0, 1.0 / np.where(elastic != 0, elastic, 1.0), np.inf)
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
    total = d.sum(axis=axis, keepdims=True)
    s = np.maximum(np.asarray(supply, dtype=float), 0.0)
    s = s.reshape(total.shape) if s.ndim and s.ndim < d.ndim else s  # one value per seller
    short = total > s
    if not short.any() and d.shape == np.broadcast(d, short).shape:
        return d  # enough for everyone (d is already a new array)
    fill = np.where(short, s / np.where(short, total, 1.0), 1.0)  # short: total > s >= 0
    return d * fill


def hhi(quantities: ArrayLike) -> float:
    """Herfindahl-Hirschman index [0-1] of non-negative quantities (sales, energy, chips):
    the sum of squared shares. Multiply by 10,000 for the antitrust scale. NaN when all are 0.
    """
    q = np.maximum(np.asarray(quantities, dtype=float), 0.0)
    total = q.sum()
    if total <= 0:
        return float("nan")
    return float(((q / total) ** 2).sum())


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
    span = max(abs(start_years), abs(end_years))
    if abs(doublings_per_year) * span < 1e-12:  # no growth to speak of (and no 0/0 for tiny rates)
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
    u = np.minimum(np.maximum(np.asarray(utilisation, dtype=float), 0.0), 1.0)  # np.clip
    return np.asarray(cost_usd_per_mwh) * (
        1.0 + np.asarray(base_markup) + np.asarray(scarcity_markup) * u**4
    )


def energy_offer_price_usd_per_mwh(
    pre_tax_cost_usd_per_mwh: ArrayLike,
    tax_usd_per_mwh: ArrayLike,
    utilisation: ArrayLike,
    base_markup: ArrayLike,
    scarcity_markup: ArrayLike,
) -> FloatArray:
    """A supplier's offer price [USD/MWh]: the scarcity markup on its cost before tax
    (:func:`scarcity_price`), plus the carbon tax on the MWh [USD/MWh].

    The markup is earned on generation and capital, not on the tax, so a tax adds to the price
    exactly what the supplier pays the government; how much of it buyers bear in the end is set
    by the market, as demand falls and with it utilisation and the scarcity markup.
    """
    return scarcity_price(
        pre_tax_cost_usd_per_mwh, utilisation, base_markup, scarcity_markup
    ) + np.asarray(tax_usd_per_mwh, dtype=float)


def energy_split(price_usd_per_mwh: ArrayLike, pue: ArrayLike, sensitivity: float) -> FloatArray:
    """Firms' split of their energy over suppliers [-], a logit on the price of an IT MWh,
    ``price x PUE``, with ``sensitivity`` [-] on its log and no outside option (sums to 1)."""
    price_it = np.asarray(price_usd_per_mwh, dtype=float) * np.asarray(pue, dtype=float)
    return logit_shares(-sensitivity * np.log(price_it), outside_option=False)


class _OfferSystem:
    """The suppliers' offer equations of :func:`energy_clearing_prices`, with what does not
    depend on the prices computed once (Newton's method evaluates them a few times a step):
    :meth:`residual` gives ``price - scarcity price at the utilisation that price gives`` and
    that utilisation; :meth:`jacobian` the residual's Jacobian in the prices, at the prices of
    the last :meth:`residual` (only a step that has not converged needs it)."""

    def __init__(
        self,
        need_it_mwh: float,
        deliverable_mwh: FloatArray,
        pue: FloatArray,
        sensitivity: float,
        utilisation_start: FloatArray,
        weight: float,
        cap_mwh: float,
        pre_tax: FloatArray,
        tax: FloatArray,
        base_markup: FloatArray,
        scarcity_markup: FloatArray,
    ) -> None:
        self.sensitivity = sensitivity
        self.utilisation_start, self.weight, self.cap_mwh = utilisation_start, weight, cap_mwh
        self.capped = math.isfinite(cap_mwh) and cap_mwh > 0
        # the offer at utilisation 0 and what scarcity adds at full use [USD/MWh]
        self.low = pre_tax * (1.0 + base_markup) + tax
        self.span = pre_tax * scarcity_markup
        self.slope = self.span * 4.0
        self.has_capacity = deliverable_mwh > 0
        self.all_have_capacity = bool(self.has_capacity.all())
        # utility of an IT MWh less the price's part: -sensitivity ln(price x PUE) [-]
        self.pue_utility = -sensitivity * np.log(pue)
        # grid MWh asked of each supplier [MWh], and its utilisation [-], per unit of split
        self.asked_per_split = need_it_mwh * pue
        if self.all_have_capacity:  # (the usual case: the same numbers as below)
            self.own_per_split = self.asked_per_split / deliverable_mwh
        else:
            self.own_per_split = np.where(
                self.has_capacity,
                self.asked_per_split / np.where(self.has_capacity, deliverable_mwh, 1.0),
                0.0,  # a supplier that can deliver nothing counts as full whatever it is asked
            )
        self.own_per_split_column = self.own_per_split[:, None]
        self.eye = _eye(len(pue))
        # what the last residual saw: prices, split, utilisation (raw, clipped), capped rows
        self.last: tuple[FloatArray, FloatArray, FloatArray, FloatArray, NDArray[np.bool_] | None]

    def residual(self, price: FloatArray) -> tuple[FloatArray, FloatArray]:
        # the split of energy_split, with the PUE's part of the utilities computed once
        split = logit_shares(
            self.pue_utility - self.sensitivity * np.log(price), outside_option=False
        )
        own = self.own_per_split * split
        if not self.all_have_capacity:  # a supplier that can deliver nothing counts as full
            own = np.where(self.has_capacity, own, 1.0)
        raw, by_cap = own, None
        if self.capped:
            capped = float(self.asked_per_split @ split) / self.cap_mwh
            by_cap = capped > own
            raw = np.where(by_cap, capped, own)
        u0 = self.utilisation_start
        utilisation = u0 + (raw - u0) * self.weight
        u = np.minimum(np.maximum(utilisation, 0.0), 1.0)  # np.clip, in two ufuncs
        self.last = (price, split, utilisation, u, by_cap)
        return price - self.offer(u), utilisation

    def offer(self, utilisation: FloatArray) -> FloatArray:
        """:func:`energy_offer_price_usd_per_mwh` at ``utilisation`` in [0, 1] [USD/MWh]."""
        return self.low + self.span * utilisation**4

    def jacobian(self) -> FloatArray:
        price, split, utilisation, u, by_cap = self.last
        # d split_j / d p_k = -sensitivity split_j (delta_jk - split_k) / p_k
        d_split = (self.eye * split - split[:, None] * split) * (-self.sensitivity / price)
        d_raw = self.own_per_split_column * d_split  # rows of no capacity: 0
        if by_cap is not None:
            d_capped = (self.asked_per_split @ d_split) / self.cap_mwh
            d_raw = np.where(by_cap[:, None], d_capped[None, :], d_raw)
        inside = (utilisation > 0.0) & (utilisation < 1.0)
        d_offer_du = np.where(inside, self.slope * u**3, 0.0)
        return self.eye - (d_offer_du * self.weight)[:, None] * d_raw


def energy_clearing_prices(
    need_it_mwh: float,
    deliverable_mwh: ArrayLike,
    pue: ArrayLike,
    sensitivity: float,
    utilisation_start: ArrayLike,
    weight: float,
    pre_tax_cost_usd_per_mwh: ArrayLike,
    tax_usd_per_mwh: ArrayLike,
    base_markup: ArrayLike,
    scarcity_markup: ArrayLike,
    cap_mwh: float = math.inf,
    tolerance: float = 1e-12,
) -> tuple[FloatArray, FloatArray]:
    """Suppliers' offer prices [USD/MWh] that are consistent with the demand they bring:
    each supplier's price is its scarcity price (:func:`energy_offer_price_usd_per_mwh`) at
    the utilisation the step's demand gives it when firms split ``need_it_mwh`` [IT MWh] over
    suppliers by :func:`energy_split` at these very prices. Returns (prices, utilisation [-]).

    Utilisation follows the step's own: ``u0 + (asked / deliverable - u0) x weight``, with
    ``utilisation_start`` u0 the smoothed utilisation so far and ``weight`` in [0, 1] how much
    of this step's utilisation it takes in (1 - exp(-dt / 2 tau) for the middle of a step
    of ``dt`` with memory tau; 1 for none). A supplier that can deliver nothing counts as
    full; a pro-rata cap of ``cap_mwh`` [grid MWh] counts as capacity shared in proportion to
    what is asked. A dearer supplier loses demand, so its utilisation and price fall: the
    fixed point is unique, and prices set on last step's utilisation, which firms then chase,
    go round in a cobweb that depends on the step length. Solved by Newton's method (the
    Jacobian is an M-matrix: logit shares do not change when all prices scale alike), each
    price kept between the markups' bounds, with monotone best responses as a fallback.
    """
    pue_ = np.asarray(pue, dtype=float)
    shape = pue_.shape
    pre_tax = _shaped(pre_tax_cost_usd_per_mwh, shape)
    tax = _shaped(tax_usd_per_mwh, shape)
    base = _shaped(base_markup, shape)
    scarcity = _shaped(scarcity_markup, shape)
    args = (
        float(need_it_mwh),
        _shaped(deliverable_mwh, shape),
        pue_,
        float(sensitivity),
        _shaped(utilisation_start, shape),
        float(weight),
        float(cap_mwh),
        pre_tax,
        tax,
        base,
        scarcity,
    )
    system = _OfferSystem(*args)
    low, high = system.low, system.low + system.span
    start = system.offer(np.minimum(np.maximum(system.utilisation_start, 0.0), 1.0))
    price = np.minimum(np.maximum(start, low), high)  # np.clip, in two ufuncs
    for _ in range(50):
        residual, utilisation = system.residual(price)
        if (np.abs(residual) <= tolerance * price).all():
            return price, utilisation
        step = np.linalg.solve(system.jacobian(), residual)
        price = np.minimum(np.maximum(price - step, low), high)  # np.clip, in two ufuncs
    return _energy_prices_by_best_responses(low, high, system, tolerance)


def _shaped(value: ArrayLike, shape: tuple[int, ...]) -> FloatArray:
    """``value`` as a float array of ``shape`` (broadcast, a read-only view, only if needed)."""
    array = np.asarray(value, dtype=float)
    return array if array.shape == shape else np.broadcast_to(array, shape)


def _energy_prices_by_best_responses(
    low: FloatArray, high: FloatArray, system: _OfferSystem, tolerance: float
) -> tuple[FloatArray, FloatArray]:
    """:func:`energy_clearing_prices` by best responses from the lowest prices: each supplier's
    price solves its own equation by bisection, the others held; a dearer rival raises one's
    price, so the prices rise monotonically to the fixed point."""
    price = low.copy()
    for _ in range(10_000):
        lo, hi = low.copy(), high.copy()
        for _ in range(80):
            mid = (lo + hi) / 2.0
            own = np.array(
                [
                    system.residual(np.where(np.arange(len(price)) == j, mid, price))[0][j]
                    for j in range(len(price))
                ]
            )
            lo, hi = np.where(own < 0.0, mid, lo), np.where(own < 0.0, hi, mid)
        moved = np.abs(hi - price)
        price = hi
        if np.all(moved <= tolerance * price):
            break
    return price, system.residual(price)[1]


def compute_value_usd_per_it_mwh(
    value_usd_per_logical_flop: ArrayLike,
    algorithmic_efficiency: ArrayLike,
    flop_per_joule: ArrayLike,
) -> FloatArray:
    """What an IT MWh is worth run through chips of ``flop_per_joule`` [FLOP/J] by a firm
    whose logical FLOP is worth ``value_usd_per_logical_flop`` [USD] at
    ``algorithmic_efficiency`` [logical FLOP/FLOP]: v x A x f x 3.6e9 J/MWh [USD/IT MWh].

    A chip is worth running while this beats the price of an IT MWh (its depreciation is sunk).
    """
    return (
        np.asarray(value_usd_per_logical_flop, dtype=float)
        * np.asarray(algorithmic_efficiency, dtype=float)
        * np.asarray(flop_per_joule, dtype=float)
        * JOULES_PER_MWH
    )


def cap_auction(
    quantity_mwh: ArrayLike, bid_usd_per_mwh: ArrayLike, cap_mwh: float
) -> tuple[FloatArray, float]:
    """Uniform-price auction of ``cap_mwh`` [MWh] of permits among bids for ``quantity_mwh``
    [MWh] each, at most ``bid_usd_per_mwh`` [USD/MWh] each (any shape, >= 0).

    Bids above the clearing price are filled, bids below it get nothing, and bids at it share
    what is left pro rata. The clearing price is the bid at which the demand of all higher bids
    first reaches the cap (the marginal bid, partly filled); 0 when total demand is within the
    cap (nothing is scarce). Returns (accepted [MWh], same shape as the bids; clearing price
    [USD/MWh]). The accepted total is min(cap, total demand).
    """
    q = np.maximum(np.asarray(quantity_mwh, dtype=float), 0.0)
    bid = np.broadcast_to(np.maximum(np.asarray(bid_usd_per_mwh, dtype=float), 0.0), q.shape)
    if float(q.sum()) <= cap_mwh:
        return q.copy(), 0.0
    order = np.argsort(-bid, axis=None, kind="stable")
    filled_before = np.cumsum(q.ravel()[order])
    marginal = int(np.searchsorted(filled_before, cap_mwh, side="left"))
    price = float(bid.ravel()[order][min(marginal, order.size - 1)])
    above, at = bid > price, bid == price
    left = max(cap_mwh - float(q[above].sum()), 0.0)
    at_total = float(q[at].sum())
    share = min(1.0, left / at_total) if at_total > 0 else 0.0
    return np.where(above, q, np.where(at, q * share, 0.0)), price


def auction_energy_cap(
    delivered_mwh: ArrayLike,
    cohort_share: ArrayLike,
    bid_usd_per_mwh: ArrayLike,
    cap_mwh: float,
) -> tuple[FloatArray, FloatArray, float]:
    """Allocate an energy cap by auctioning permits among firms (:func:`cap_auction`).

    ``delivered_mwh`` [firm, supplier] is what suppliers could deliver [grid MWh];
    ``cohort_share`` [firm, cohort] splits each firm's energy over its bids (rows sum to 1, or 0
    for a firm asking nothing) and ``bid_usd_per_mwh`` [firm, cohort] is what each is worth above
    the energy price [USD per grid MWh]. Returns (delivered after the cap [firm, supplier], each
    firm's filled share [0-1], the permit price [USD per grid MWh]); a firm's deliveries from
    every supplier are cut alike.
    """
    delivered = np.asarray(delivered_mwh, dtype=float)
    per_firm = delivered.sum(axis=1)
    quantity = per_firm[:, None] * np.asarray(cohort_share, dtype=float)
    accepted, price = cap_auction(quantity, bid_usd_per_mwh, cap_mwh)
    got = accepted.sum(axis=1)
    fill = np.where(per_firm > 0, np.minimum(got / np.where(per_firm > 0, per_firm, 1.0), 1.0), 1.0)
    return delivered * fill[:, None], fill, price


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


# ----------------------------------------------------------------------------------------------
# settlements: what each market's clearing moves, as arrays (the model books them in the ledger)
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChipSettlement:
    """What the chip market moved in one step, ``[firm, vendor]`` arrays unless noted."""

    chips: FloatArray  # chips delivered [chips]
    payments_usd: FloatArray  # what firms pay vendors [USD]
    flop_per_second_per_chip: FloatArray  # design delivered (downgraded where restricted) [FLOP/s]
    flop_per_joule: FloatArray  # [FLOP/J]
    price_usd: FloatArray  # [vendor] clearing price, the list price or a scarcity price [USD/chip]
    ordered_chips: FloatArray  # chips first asked at the clearing price, before rationing [chips]
    list_demand_chips: FloatArray  # [vendor] chips asked at the list prices [chips]


def chip_scarcity_price(
    list_price_usd: ArrayLike,
    demand_chips: ArrayLike,
    deliverable_chips: ArrayLike,
    pass_through: ArrayLike,
) -> FloatArray:
    """Price of a chip when demand at the list price may exceed what a vendor can deliver
    [USD/chip]: ``list price x max(1, demand / deliverable) ** pass_through``.

    Buyers spend fixed budgets (unit-elastic demand), so ``pass_through = 1`` is the price that
    clears the market (orders fall to capacity) and 0 keeps the list price and rations every
    excess chip; in between, the excess ratio r is split into a price rise r**theta and
    rationing of a share 1 - r**(theta - 1) of the orders (in 2023-2024 list prices rose far
    less than the queues for H100s grew: vendors allocated). Exactly the list price while
    capacity is slack. A vendor with nothing to deliver keeps its list price (it sells nothing);
    an excess ratio above ``MAX_EXCESS_DEMAND_RATIO`` is priced as that ratio.
    """
    k = np.asarray(deliverable_chips, dtype=float)
    has = k > 0
    # demand over capacity, at most a billion: a larger excess is priced as that (no overflow)
    excess = np.minimum(demand_chips, k * MAX_EXCESS_DEMAND_RATIO) / np.where(has, k, 1.0)
    ratio = np.where(has, np.maximum(excess, 1.0), 1.0)
    return np.asarray(list_price_usd, dtype=float) * ratio ** np.asarray(pass_through, float)


def export_threshold_flop_per_joule(
    fixed_flop_per_joule: float,
    frontier_flop_per_joule: float,
    frontier_doublings_per_year: float,
    lag_years: float,
) -> float:
    """The most efficient chip a restricted region may buy [FLOP/J].

    A fixed performance-density rule (``lag_years = inf``) keeps ``fixed_flop_per_joule``; a
    rule that follows the frontier allows what the frontier design offered ``lag_years`` ago at
    its current pace, ``frontier x 2**(-rate x lag)``, never below the fixed floor (rules
    tighten their numbers as designs improve, they do not loosen below the first one).
    """
    if math.isinf(lag_years):
        return fixed_flop_per_joule
    lagged = frontier_flop_per_joule * 2.0 ** (-max(frontier_doublings_per_year, 0.0) * lag_years)
    return max(fixed_flop_per_joule, lagged)


def _chip_orders(
    budget: FloatArray,
    price: FloatArray,
    flops: FloatArray,
    fpj: FloatArray,
    lifetime_years: FloatArray,
    energy_usd_per_it_mwh: float,
    choice_sensitivity: float,
    available: NDArray[np.bool_] | None = None,
) -> FloatArray:
    """Chips each firm asks of each vendor [firm, vendor]: its budget split by a logit on the
    lifetime FLOP per dollar of total cost of ownership, over the ``available`` vendors."""
    value = chip_value_flop_per_usd(
        flops, fpj, price, lifetime_years[:, None], energy_usd_per_it_mwh
    )
    utility = choice_sensitivity * np.log(value)
    if available is not None:
        utility = np.where(available[None, :], utility, -np.inf)
    weights = logit_shares(utility, outside_option=False)
    return budget[:, None] * weights / price


def _controlled_again(
    again: FloatArray,
    limited: NDArray[np.bool_],
    leak: float,
    legal: FloatArray,
    leaked: FloatArray,
    quota_chips: float,
    spare: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`clear_chips`' second round under an export control: the leaked and controlled
    parts of the orders placed ``again`` at vendors with ``spare`` chips, the quota applied to
    the controlled part. Returns (leaked, legal, extra chips) [chips, firm x vendor]."""
    again_leaked = np.where(limited, leak * again, 0.0)
    again_legal = again - again_leaked
    if math.isfinite(quota_chips):
        room = np.maximum(quota_chips - np.where(limited, legal, 0.0).sum(axis=1), 0.0)
        total = np.where(limited, again_legal, 0.0).sum(axis=1)
        cut = np.where(total > room, room / np.maximum(total, 1e-300), 1.0)[:, None]
        again_legal = np.where(limited, again_legal * cut, again_legal)
    extra = ration(again_leaked + again_legal, spare, axis=0)
    share = np.where(again > 0, extra / np.where(again > 0, again, 1.0), 0.0)
    return leaked + again_leaked * share, legal + again_legal * share, extra


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
    *,
    exempt_vendors: ArrayLike | None = None,
    leakage_share: float = 0.0,
    scarcity_pass_through: ArrayLike = 0.0,
) -> ChipSettlement:
    """Clear the chip market for one step.

    Each firm splits its chip budget ``budget_usd`` [USD] over vendors by a logit on the
    lifetime FLOP per dollar of total cost of ownership (:func:`chip_value_flop_per_usd`, with
    sensitivity ``choice_sensitivity`` on its log). Where demand at the list prices
    ``price_usd`` exceeds a vendor's ``deliverable_chips``, its price rises to
    :func:`chip_scarcity_price` (``scarcity_pass_through`` per vendor [-]) and firms choose
    again at the new prices; vendors then ration what is still asked pro rata, and firms spend
    what they could not place once more at the vendors with chips to spare.

    Export control: firms flagged ``restricted`` are offered each design of a vendor not in
    ``exempt_vendors`` (a vendor of their own region) downgraded to ``max_flop_per_joule``
    [FLOP/J] at the same price and watts per chip, and may buy at most ``quota_chips`` [chips]
    of them in the step. A share ``leakage_share`` [0-1] of their orders gets through at full
    specification and outside the quota (smuggling, foreign subsidiaries, cloud access).
    """
    budget = np.asarray(budget_usd, dtype=float)
    price = np.asarray(price_usd, dtype=float)
    fpj = np.asarray(flop_per_joule, dtype=float)
    flops = np.asarray(flop_per_second_per_chip, dtype=float)
    deliverable = np.asarray(deliverable_chips, dtype=float)
    limited = np.asarray(restricted, dtype=bool)[:, None]
    if exempt_vendors is not None:
        limited = limited & ~np.asarray(exempt_vendors, dtype=bool)[None, :]
    # no export control in force (the usual case): no leaked and controlled parts to track
    controls = bool(limited.any())
    leak = min(max(float(leakage_share), 0.0), 1.0)
    flops_mix, fpj_mix = flops, fpj  # what each firm expects per chip: without controls, the design
    if controls:
        fpj_down = np.where(limited, np.minimum(fpj, max_flop_per_joule), fpj)
        flops_down = flops * fpj_down / fpj  # same watts per chip, downgraded to the limit
        # what a restricted firm expects per chip: the leaked share at full specification
        flops_mix = leak * flops + (1.0 - leak) * flops_down
        fpj_mix = leak * fpj + (1.0 - leak) * fpj_down
    args = (np.asarray(lifetime_years, dtype=float), energy_usd_per_it_mwh, choice_sensitivity)
    at_list = _chip_orders(budget, price, flops_mix, fpj_mix, *args)
    list_demand = at_list.sum(axis=0)
    clearing = chip_scarcity_price(price, list_demand, deliverable, scarcity_pass_through)
    scarce = not (clearing == price).all()
    orders = _chip_orders(budget, clearing, flops_mix, fpj_mix, *args) if scarce else at_list
    if controls:
        leaked = np.where(limited, leak * orders, 0.0)
        legal = orders - leaked
        if math.isfinite(quota_chips):
            controlled = np.where(limited, legal, 0.0)
            total = controlled.sum(axis=1, keepdims=True)
            cut = np.where(total > quota_chips, quota_chips / np.maximum(total, 1e-300), 1.0)
            legal = np.where(limited, legal * cut, legal)
        orders = leaked + legal
    chips = ration(orders, deliverable, axis=0)
    if controls:
        # pro-rata rationing keeps each cell's mix of leaked and controlled chips
        fill = np.where(orders > 0, chips / np.where(orders > 0, orders, 1.0), 0.0)
        leaked, legal = leaked * fill, legal * fill
    asked = orders
    # firms turn what they could not get to vendors with chips to spare, once, at their
    # clearing prices (the export rules and the quota still apply)
    spare = deliverable - chips.sum(axis=0)
    spare = np.where(spare > SOLD_OUT_SHARE * deliverable, spare, 0.0)
    unspent = row_sums((orders - chips) * clearing)
    if (unspent > 0).any() and (spare > 0).any():
        again = _chip_orders(unspent, clearing, flops_mix, fpj_mix, *args, spare > 0)
        if controls:
            leaked, legal, extra = _controlled_again(
                again, limited, leak, legal, leaked, quota_chips, spare
            )
        else:
            extra = ration(again, spare, axis=0)
        chips = chips + extra
    if controls:
        # share at full specification; with no chips, what was offered
        bought = np.where(chips > 0, chips, 1.0)
        full = np.where(chips > 0, (leaked + np.where(limited, 0.0, legal)) / bought, leak)
        design_flops = np.where(limited, full * flops + (1.0 - full) * flops_down, flops)
        design_fpj = np.where(limited, full * fpj + (1.0 - full) * fpj_down, fpj)
    else:  # every firm gets each vendor's design as listed, one value per [firm, vendor]
        design_flops, design_fpj = np.zeros(chips.shape) + flops, np.zeros(chips.shape) + fpj
    return ChipSettlement(
        chips, chips * clearing, design_flops, design_fpj, clearing, asked, list_demand
    )
