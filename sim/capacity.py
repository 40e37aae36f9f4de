"""Capacity that must be built: order pipelines with lead times, and regional supply curves.

Energy suppliers (:class:`agents.supplier.Suppliers`) hold their orders as tranches and build
on their region's supply curve with these functions; hardware vendors' fab and packaging
capacity (:class:`agents.vendor.Vendors`) runs on the pipelines, :func:`capacity_order`,
:func:`planned_demand` and :func:`fab_capex_usd`, and retires once delivered
(:func:`retiring_capacity_over_step`, :func:`retiring_capacity_at`); vendors cut orders in
flight when demand turns (:func:`cancel_to_level`). The design is in docs/design/physics.md
(issue 10).

Pure, vectorised numpy (no Mesa). The same rules serve energy suppliers (generation and grid
connection [MW]) and hardware vendors (fab and packaging capacity [chips/yr]).

**Pipelines independent of the step length.** An order placed at a steady rate over a step
[t0, t0 + dt] arrives at the same steady rate over [t0 + L, t0 + L + dt], L the lead time: a
*tranche* (amount, arrival start a, arrival end b). Capacity delivered by time t is
``amount * clip((t - a)/(b - a), 0, 1)`` (a step at a for a = b), and its integral over a step
has a closed form, so capacity and the energy (or chips) it can deliver within a step are the
same whether the orders were placed monthly or daily. Rounding lead times to whole steps, as
the present agents do, is not needed.

**Regional supply curve.** New capacity costs more per unit the closer a region is to its limit
K_max (grid, siting, permits):

    marginal capex m(K) = m0 * (1 - K/K_max)**(-eta)      [USD per MW]

with K the capacity built or ordered in the region (so orders in the pipeline count) and eta
>= 1 the steepness. The cost of going from K1 to K2 is the closed-form integral, infinite at
K_max, so no finite budget takes a region to its limit and AI power can never exceed it.
K_max = inf gives the flat cost m0 per MW exactly (today's model).

Defaults and their sources (orders of magnitude; scenario files should set regional values):

- Grid connection lead time 3-5 years in the US: projects built in 2022 took a median 5 years
  from interconnection request to operation, against 3 in 2015 (Rand et al., LBNL "Queued Up",
  2023 and 2024 editions); ~2,600 GW waited in the queues at the end of 2023 against 1,280 GW
  installed. Default 4 years for new generation plus connection, 2 years for capacity on sites
  already connected.
- Capex of power capacity: roughly USD 1-2.5M/MW for gas combined cycle or utility solar,
  ~7-8M for new nuclear (EIA, "Capital Cost and Performance Characteristics", 2024), plus grid
  connection and site; the model's existing USD 3M/MW covers the three together.
- US data-centre load: ~176 TWh in 2023 (4.4% of US electricity, ~20 GW average), 325-580 TWh
  projected for 2028 (Shehabi et al., LBNL "2024 United States Data Center Energy Usage
  Report"). A regional AI grid limit of the order of 100 GW is a scenario choice, not a
  measurement.
- Fabs: a leading-edge fab costs USD 10-20B and takes 2-3 years to build and equip (SIA and
  BCG, "Strengthening the Global Semiconductor Supply Chain", 2021); TSMC Arizona took about
  four years from announcement to volume. Advanced packaging (CoWoS), the binding stage in
  2023-2024, was expanded within 1-2 years. Default lead time 2.5 years.
- Capex per chip a year of capacity, derived (an estimate, not a quote): USD 20B for ~100k
  wafers a month is USD 200k per wafer-month of capacity; about 30 good 814 mm^2 dies per
  300 mm wafer is 360 chips a year per wafer-month, i.e. ~USD 550 per (chip/yr) of logic,
  roughly tripled by packaging and high-bandwidth memory: default USD 1,500 per (chip/yr).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatOrArray = float | NDArray[np.float64]

GRID_LEAD_TIME_YEARS = 4.0  # LBNL "Queued Up": median ~5 yr request-to-operation (2022 builds)
SITE_LEAD_TIME_YEARS = 2.0  # capacity on a site that already has its connection
FAB_LEAD_TIME_YEARS = 2.5  # SIA/BCG 2021: 2-3 yr to build and equip a fab
FAB_CAPEX_USD_PER_CHIP_PER_YEAR = 1500.0  # derived in the module docstring
POWER_CAPEX_USD_PER_MW = 3e6  # generation + grid connection + site (the model's default)
SUPPLY_CURVE_STEEPNESS = 1.0  # eta: marginal cost doubles at half the limit (assumption)


def _f(value: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(value, dtype=np.float64)


def _finish(value: ArrayLike) -> FloatOrArray:
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


# --------------------------------------------------------------------------------------------
# Pipelines
# --------------------------------------------------------------------------------------------


def order_tranche(
    order_start_years: ArrayLike, dt_years: ArrayLike, lead_time_years: ArrayLike
) -> tuple[FloatOrArray, FloatOrArray]:
    """Arrival window (a, b) [yr] of an order placed evenly over [t0, t0 + dt]:
    ``(t0 + L, t0 + dt + L)``."""
    t0, dt, lead = _f(order_start_years), _f(dt_years), _f(lead_time_years)
    return _finish(t0 + lead), _finish(t0 + dt + lead)


def tranche_delivered(
    years: ArrayLike,
    amount: ArrayLike,
    arrival_start_years: ArrayLike,
    arrival_end_years: ArrayLike,
) -> FloatOrArray:
    """Part of a tranche delivered by time t [amount's unit]: ``amount * clip((t-a)/(b-a), 0, 1)``,
    a step at a when a = b (delivered from a on)."""
    t, amount = _f(years), _f(amount)
    a, b = _f(arrival_start_years), _f(arrival_end_years)
    return _finish(amount * _delivered_share(t, a, *_windows(a, b)))


def _windows(
    a: NDArray[np.float64], b: NDArray[np.float64]
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Which tranches arrive as a ramp (b > a), and their widths b - a [yr] (1 for a step)."""
    width = b - a
    ramps = width > 0.0
    return ramps, np.where(ramps, width, 1.0)


def _delivered_share(
    t: FloatOrArray, a: NDArray[np.float64], ramps: NDArray[np.bool_], width: NDArray[np.float64]
) -> NDArray[np.float64]:
    """clip((t - a)/(b - a), 0, 1), a step at a where a = b [-] (``_windows`` gives the rest)."""
    ramp = ((t - a) / width).clip(0.0, 1.0)
    return np.where(ramps, ramp, (t >= a).astype(float))


def _delivered_antiderivative(
    t: FloatOrArray,
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    ramps: NDArray[np.bool_],
    twice_width: NDArray[np.float64],
) -> NDArray[np.float64]:
    """G(t) = integral of clip((s - a)/(b - a), 0, 1) ds from -inf to t [yr]; ``ramps`` and
    ``twice_width`` = 2 x the widths of :func:`_windows`."""
    inside = np.clip(t, a, b) - a
    return np.where(ramps, inside**2 / twice_width, 0.0) + np.maximum(t - b, 0.0)


def tranche_delivered_integral(
    start_years: ArrayLike,
    end_years: ArrayLike,
    amount: ArrayLike,
    arrival_start_years: ArrayLike,
    arrival_end_years: ArrayLike,
) -> FloatOrArray:
    """Integral over [t0, t1] of :func:`tranche_delivered` [amount's unit x yr], exact.

    For capacity in MW this is MW-years available within the step (x 8766 h/yr for MWh); for
    fab capacity in chips/yr it is the chips it can make in the step.
    """
    a, b, amount = _f(arrival_start_years), _f(arrival_end_years), _f(amount)
    ramps, width = _windows(a, b)
    twice_width = 2.0 * width
    g1 = _delivered_antiderivative(_f(end_years), a, b, ramps, twice_width)
    g0 = _delivered_antiderivative(_f(start_years), a, b, ramps, twice_width)
    return _finish(amount * (g1 - g0))


def capacity_over_step(
    start_years: float,
    dt_years: float,
    built: ArrayLike,
    amounts: ArrayLike,
    arrival_start_years: ArrayLike,
    arrival_end_years: ArrayLike,
    owners: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Capacity of each owner over a step, from what is built and the tranches in its pipeline.

    Parameters
    ----------
    start_years : float
        t0 [yr since the run's start].
    dt_years : float
        Step length [yr].
    built : array_like
        Capacity already delivered at t0, one per owner [MW or chips/yr].
    amounts, arrival_start_years, arrival_end_years : array_like
        The tranches in all pipelines (flat arrays) [capacity unit, yr, yr].
    owners : array_like of int
        Owner index of each tranche, in [0, len(built)).

    Returns
    -------
    (capacity_at_end, mean_capacity, arrived) : tuple of ndarray
        Capacity at t0 + dt per owner, its mean over the step per owner (capacity-years / dt:
        what the step can deliver), and a mask of the tranches now fully delivered (drop them
        after adding their amount to ``built``; partly delivered tranches stay in the pipeline
        and are counted in ``built`` only once complete).
    """
    base = _f(built)
    n = base.shape[0]
    amount = _f(amounts)
    a, b, who = _f(arrival_start_years), _f(arrival_end_years), np.asarray(owners, dtype=np.intp)
    t1 = start_years + dt_years
    if not (b > a).any() and a.shape == b.shape:
        # every tranche arrives as a lump at its date: G(t) = max(t - b, 0), no ramps to add
        at_end = amount * (t1 >= a).astype(float)
        integral = amount * (np.maximum(t1 - b, 0.0) - np.maximum(start_years - b, 0.0))
    else:
        ramps, width = _windows(a, b)  # shared by the two below
        at_end = amount * _delivered_share(t1, a, ramps, width)
        twice_width = 2.0 * width
        g1 = _delivered_antiderivative(t1, a, b, ramps, twice_width)
        integral = amount * (g1 - _delivered_antiderivative(start_years, a, b, ramps, twice_width))
    capacity_at_end = base + np.bincount(who, weights=at_end, minlength=n)
    mean_capacity = base + np.bincount(who, weights=integral, minlength=n) / dt_years
    arrived = b <= t1
    return capacity_at_end, mean_capacity, arrived


def _mean_decay(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(1 - exp(-z)) / z`` for z >= 0 [-]: the mean of exp(-s) over [0, z], 1 at z = 0."""
    small = z < 1e-12
    safe = np.where(small, 1.0, z)
    return np.where(small, 1.0 - z / 2.0, -np.expm1(-safe) / safe)


def _excess_over_square(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(z - 1 + exp(-z)) / z**2`` for z >= 0 [-], 1/2 at z = 0 (a series below 1e-3)."""
    small = z < 1e-3
    safe = np.where(small, 1.0, z)
    series = 0.5 - z / 6.0 + z**2 / 24.0 - z**3 / 120.0
    return np.where(small, series, (safe + np.expm1(-safe)) / safe**2)


def _retiring_tranches(
    t: FloatOrArray,
    amount: NDArray[np.float64],
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    retire_per_year: NDArray[np.float64],
    integral: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """What stands at t of tranches that retire at rate r once delivered, and (``integral``)
    its integral from -inf to t [unit, unit x yr], per tranche (else None).

    A unit delivered at s stands ``exp(-r (t - s))`` at t. A lump (a = b) stands
    ``A exp(-r x)``, x = t - a >= 0; a ramp of rate rho = A/w over [a, b], w = b - a, stands
    ``rho x m(r x)`` inside it and ``rho w m(r w) exp(-r y)`` a time y after it, with
    ``m(z) = (1 - exp(-z))/z`` (r = 0: the ramp of :func:`tranche_delivered`). ``t`` [yr]
    may be a column of times (shape ``(k, 1)``): then each result has a row per time.
    """
    r = retire_per_year
    ramps, width = _windows(a, b)
    x = np.maximum(t - a, 0.0)
    rx = r * x  # (-rx is -r * x to the bit)
    lump_level = np.where(t >= a, amount * np.exp(-rx), 0.0)
    if not ramps.any():  # lumps only (every order after the starting ramp): the same numbers
        return lump_level, (amount * x * _mean_decay(rx) if integral else None)
    inside = np.minimum(x, width)  # how much of the ramp has run [yr]
    after = np.maximum(x - width, 0.0)  # time since its last unit arrived [yr]
    delivered = amount * (inside / width)  # rho x inside, safe for the narrowest ramps
    ramp_end = delivered * _mean_decay(r * inside)  # what stands at min(t, b)
    ramp_level = ramp_end * np.exp(-r * after)
    level = np.where(ramps, ramp_level, lump_level)
    if not integral:
        return level, None
    ramp_integral = delivered * inside * _excess_over_square(r * inside) + ramp_end * after * (
        _mean_decay(r * after)
    )
    lump_integral = amount * x * _mean_decay(rx)
    return level, np.where(ramps, ramp_integral, lump_integral)


def retiring_capacity_over_step(
    start_years: float,
    dt_years: float,
    built: ArrayLike,
    amounts: ArrayLike,
    arrival_start_years: ArrayLike,
    arrival_end_years: ArrayLike,
    owners: ArrayLike,
    retire_per_year: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    """:func:`capacity_over_step` for capacity that retires at the rate r = 1/life once
    delivered (each unit stands ``exp(-r age)``), exactly: what is built decays as
    ``exp(-r dt)``, its mean over the step is ``built (1 - exp(-r dt))/(r dt)``, and each
    tranche is integrated in closed form, so nothing depends on the step length.

    Parameters are those of :func:`capacity_over_step`, plus ``retire_per_year`` r [1/yr] per
    owner (>= 0; r = 0 gives :func:`capacity_over_step`'s values).

    Returns
    -------
    (capacity_at_end, mean_capacity, arrived, built_at_end) : tuple of ndarray
        As :func:`capacity_over_step`, plus what is built at t0 + dt per owner (the built
        capacity decayed, plus what stands of the tranches now fully delivered): the new
        ``built`` once the arrived tranches leave the pipeline.
    """
    base = _f(built)
    n = base.shape[0]
    r_owner = _f(retire_per_year)
    if r_owner.shape != base.shape:  # one rate for every owner
        r_owner = r_owner * np.ones(n)
    amount, who = _f(amounts), np.asarray(owners, dtype=np.intp)
    decay = r_owner * dt_years  # r dt [-], once for the decay and its mean over the step
    decayed = base * np.exp(-decay)
    if not amount.size:  # an empty pipeline: what is built, decaying (the same numbers)
        return decayed, base * _mean_decay(decay), np.zeros(0, dtype=bool), decayed.copy()
    a, b, r = _f(arrival_start_years), _f(arrival_end_years), r_owner[who]
    t1 = start_years + dt_years
    # both ends of the step in one pass over the tranches (rows: t0, t1), the same numbers as
    # two calls with half the numpy calls
    levels, integrals = _retiring_tranches(np.array([[start_years], [t1]]), amount, a, b, r)
    assert integrals is not None  # (asked for)
    level, h1, h0 = levels[1], integrals[1], integrals[0]
    arrived = b <= t1
    built_at_end = decayed + np.bincount(who, weights=np.where(arrived, level, 0.0), minlength=n)
    capacity_at_end = decayed + np.bincount(who, weights=level, minlength=n)
    mean_capacity = (
        base * _mean_decay(decay) + np.bincount(who, weights=h1 - h0, minlength=n) / dt_years
    )
    return capacity_at_end, mean_capacity, arrived, built_at_end


def retiring_capacity_at(
    years: float,
    ahead_years: ArrayLike,
    built: ArrayLike,
    amounts: ArrayLike,
    arrival_start_years: ArrayLike,
    arrival_end_years: ArrayLike,
    owners: ArrayLike,
    retire_per_year: ArrayLike,
) -> NDArray[np.float64]:
    """Capacity each owner will have ``ahead_years`` (per owner, e.g. its lead time) after
    ``years`` [unit], from what is built now and its pipeline, net of retirement at rate r
    [1/yr] (the law of :func:`retiring_capacity_over_step`): what an order placed now joins
    when it arrives, so a planner counts only what will still stand."""
    pending = np.zeros(np.shape(amounts), dtype=bool)
    tranches = (amounts, arrival_start_years, arrival_end_years, owners)
    standing, _ = standing_and_cancellable_at(
        years, ahead_years, built, *tranches, retire_per_year, pending
    )
    return standing


def standing_and_cancellable_at(
    years: float,
    ahead_years: ArrayLike,
    built: ArrayLike,
    amounts: ArrayLike,
    arrival_start_years: ArrayLike,
    arrival_end_years: ArrayLike,
    owners: ArrayLike,
    retire_per_year: ArrayLike,
    pending: NDArray[np.bool_],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:func:`retiring_capacity_at` [unit, per owner], and the part of it that the tranches
    marked ``pending`` (the orders a planner can still cut, :func:`cancel_to_level`) will give
    [unit, per owner]; each tranche's part is evaluated once for both."""
    base = _f(built)
    n = base.shape[0]
    r_owner = _f(retire_per_year) * np.ones(n)
    ahead = _f(ahead_years) * np.ones(n)
    who = np.asarray(owners, dtype=np.intp)
    if not who.size:  # an empty pipeline: what is built, decaying (the same numbers)
        return base * np.exp(-r_owner * ahead), np.zeros(n)
    level = standing_tranches_at(
        years + ahead[who], amounts, arrival_start_years, arrival_end_years, r_owner[who]
    )
    standing = base * np.exp(-r_owner * ahead) + np.bincount(who, weights=level, minlength=n)
    cancellable = np.bincount(who, weights=np.where(pending, level, 0.0), minlength=n)
    return standing, cancellable.astype(np.float64, copy=False)


def standing_tranches_at(
    at_years: ArrayLike,
    amounts: ArrayLike,
    arrival_start_years: ArrayLike,
    arrival_end_years: ArrayLike,
    retire_per_year: ArrayLike,
) -> NDArray[np.float64]:
    """What will stand at ``at_years`` [yr] of each tranche [unit, per tranche], retiring at
    the rate r [1/yr] once delivered (both per tranche, or one for all): the pipeline's part
    of :func:`retiring_capacity_at` tranche by tranche, for a planner who also needs the part
    of some of them (the orders it can still cut)."""
    amount, a, b = _f(amounts), _f(arrival_start_years), _f(arrival_end_years)
    level, _ = _retiring_tranches(_f(at_years), amount, a, b, _f(retire_per_year), integral=False)
    return level


def progress_payments_due(
    unpaid_usd: NDArray[np.float64],
    arrival_years: NDArray[np.float64],
    start_years: float,
    dt_years: float,
) -> NDArray[np.float64]:
    """What falls due over the step [t0, t0 + dt] of the capex still owed on orders in flight
    [USD, per order]: each order's rest is paid evenly until it arrives, so the step pays
    ``unpaid x dt / (arrival - t0)``, and all that is owed in the step it arrives. Paid step
    by step, an order owing O at t0 has paid ``O min((t - t0)/(arrival - t0), 1)`` by any
    step's end t, whatever the step length."""
    left = arrival_years - start_years  # until arrival [yr]
    later = left > dt_years
    return unpaid_usd * np.where(later, dt_years / np.where(later, left, 1.0), 1.0)


def cancel_to_level(standing: ArrayLike, level: ArrayLike, cancellable: ArrayLike) -> FloatOrArray:
    """Share of the orders in flight a planner keeps [-] so that the capacity that will stand
    when a new order would arrive is no more than its target level (the level of
    :func:`capacity_order`): ``clip(1 - (standing - level)/cancellable, 0, 1)`` where standing
    exceeds the level and something can be cancelled, else 1.

    Parameters
    ----------
    standing : array_like
        Capacity that will stand then, from what is built and ordered [MW or chips/yr].
    level : array_like
        The target level [same].
    cancellable : array_like
        The part of ``standing`` from orders not yet arriving [same], >= 0: cutting them by a
        share s takes ``s x cancellable`` off ``standing``.
    """
    excess = _f(standing) - _f(level)
    spare = _f(cancellable)
    cut = np.where(spare > 0.0, excess / np.where(spare > 0.0, spare, 1.0), 0.0)
    return _finish((1.0 - np.maximum(cut, 0.0)).clip(0.0, 1.0))


def capacity_order(
    demand: ArrayLike,
    planned: ArrayLike,
    invest_above_utilisation: ArrayLike,
    growth_per_order: ArrayLike,
) -> FloatOrArray:
    """Capacity to order when demand passes a share of capacity built or coming [unit].

    ``max(0, demand (1 + margin) / threshold - planned)`` when demand > threshold x planned,
    else 0: the vendors' rule (suppliers order up to the same level every step,
    :func:`order_up_to`). The rule
    restores a level, so the total ordered depends on the step length only through the step at
    which demand crosses the threshold; place the order as one lump
    (``order_tranche(t0, 0.0, lead)``) rather than spread over the step.

    Parameters
    ----------
    demand : array_like
        Demand at this step's rate [MW or chips/yr].
    planned : array_like
        Capacity built plus in the pipeline [same].
    invest_above_utilisation : array_like
        Threshold utilisation [-], in (0, 1].
    growth_per_order : array_like
        Margin ordered above the threshold [-], >= 0.
    """
    level = _f(order_up_to(demand, planned, invest_above_utilisation, growth_per_order))
    crossed = _f(demand) > _f(invest_above_utilisation) * _f(planned)
    return _finish(np.where(crossed, level, 0.0))


def order_up_to(
    demand: ArrayLike,
    planned: ArrayLike,
    invest_above_utilisation: ArrayLike,
    growth_per_order: ArrayLike,
) -> FloatOrArray:
    """Capacity to order to keep what is built and ordered at ``demand (1 + margin) /
    threshold`` [unit]: ``max(0, demand (1 + margin) / threshold - planned)``.

    The level of :func:`capacity_order`, ordered every step rather than when demand crosses the
    threshold: orders follow demand as it grows (a continuous order-up-to rule, no fixed cost
    of ordering), so what is ordered by a date does not depend on the step length, and no lump
    hangs on the step at which demand crosses a threshold. Suppliers' rule
    (:class:`agents.supplier.Suppliers`).

    Parameters
    ----------
    demand : array_like
        Demand at this step's rate [MW or chips/yr].
    planned : array_like
        Capacity built plus in the pipeline [same].
    invest_above_utilisation : array_like
        Threshold utilisation [-], in (0, 1].
    growth_per_order : array_like
        Margin kept above the threshold [-], >= 0.
    """
    target = _f(demand) * (1.0 + _f(growth_per_order)) / _f(invest_above_utilisation)
    return _finish(np.maximum(target - _f(planned), 0.0))


# --------------------------------------------------------------------------------------------
# Regional supply curve
# --------------------------------------------------------------------------------------------


def marginal_capex_usd_per_unit(
    committed: ArrayLike, limit: ArrayLike, base_usd_per_unit: ArrayLike, steepness: ArrayLike
) -> FloatOrArray:
    """Marginal cost of new capacity, ``m0 (1 - K/K_max)**(-eta)`` [USD per MW or per chip/yr].

    Parameters
    ----------
    committed : array_like
        K, capacity built or ordered in the region [MW or chips/yr], >= 0.
    limit : array_like
        K_max [same], > 0; ``inf`` gives m0 exactly.
    base_usd_per_unit : array_like
        m0 [USD per unit], >= 0: the cost far from the limit.
    steepness : array_like
        eta [-], >= 1 for a limit no budget reaches.

    Returns
    -------
    float or ndarray
        [USD per unit]; ``inf`` at or above the limit.
    """
    k, k_max, eta = _f(committed), _f(limit), _f(steepness)
    headroom = np.where(np.isinf(k_max), 1.0, 1.0 - k / k_max)
    with np.errstate(divide="ignore"):
        scale = np.where(headroom > 0.0, np.maximum(headroom, 0.0) ** -eta, np.inf)
    return _finish(_f(base_usd_per_unit) * scale)


def capex_usd(
    committed_from: ArrayLike,
    committed_to: ArrayLike,
    limit: ArrayLike,
    base_usd_per_unit: ArrayLike,
    steepness: ArrayLike,
) -> FloatOrArray:
    """Cost of taking a region's committed capacity from K1 to K2 [USD], the integral of
    :func:`marginal_capex_usd_per_unit`.

    ``m0 K_max / (eta - 1) [(1 - K2/K_max)**(1-eta) - (1 - K1/K_max)**(1-eta)]`` for eta != 1,
    ``m0 K_max ln((1 - K1/K_max)/(1 - K2/K_max))`` for eta = 1, ``m0 (K2 - K1)`` for
    K_max = inf; ``inf`` when K2 reaches K_max (eta >= 1).
    """
    k1, k2, k_max = _f(committed_from), _f(committed_to), _f(limit)
    m0, eta = _f(base_usd_per_unit), _f(steepness)
    finite = np.isfinite(k_max)
    if not finite.any():  # no limit anywhere: the flat cost (and no curve to evaluate)
        flat = m0 * (k2 - k1)
        if flat.shape == np.broadcast(flat, k_max, eta).shape:
            return _finish(flat)
    k_max_safe = np.where(finite, k_max, 1.0)
    h1 = np.where(finite, 1.0 - k1 / k_max_safe, 1.0)
    h2 = np.where(finite, 1.0 - k2 / k_max_safe, 1.0)
    reached = h2 <= 0.0
    h1p = np.maximum(h1, 1e-300)
    # ln(h2/h1) from the added share itself, so small additions keep their precision
    added_share = np.where(finite, (k2 - k1) / k_max_safe, 0.0) / h1p
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log1p(-np.minimum(added_share, 1.0))  # ln(h2/h1), -inf at the limit
    one = np.abs(eta - 1.0) < 1e-12
    eta_safe = np.where(one, 2.0, eta)
    with np.errstate(over="ignore", invalid="ignore"):
        # (h2**(1-eta) - h1**(1-eta))/(eta-1) = h1**(1-eta) expm1((1-eta) ln(h2/h1))/(eta-1)
        power = h1p ** (1.0 - eta_safe) * np.expm1((1.0 - eta_safe) * log_ratio) / (eta_safe - 1.0)
    curve = m0 * k_max_safe * np.where(one, -log_ratio, power)
    flat = m0 * (k2 - k1)
    out = np.where(finite, np.where(reached & (eta >= 1.0), np.inf, curve), flat)
    return _finish(out)


def affordable_capacity(
    committed: ArrayLike,
    budget_usd: ArrayLike,
    limit: ArrayLike,
    base_usd_per_unit: ArrayLike,
    steepness: ArrayLike,
) -> FloatOrArray:
    """Capacity a budget adds to a region on its supply curve [MW or chips/yr], the inverse of
    :func:`capex_usd`.

    ``K_max (1 - h2) - K1`` with ``h2 = (h1**(1-eta) + B (eta-1)/(m0 K_max))**(-1/(eta-1))``,
    ``h2 = h1 exp(-B/(m0 K_max))`` at eta = 1, and ``B/m0`` for K_max = inf. Always leaves
    K1 + added < K_max for eta >= 1 (short of underflow, where it stops at K_max).

    Parameters
    ----------
    committed : array_like
        K1 [unit], < limit.
    budget_usd : array_like
        B [USD], >= 0.
    limit, base_usd_per_unit, steepness
        As in :func:`marginal_capex_usd_per_unit`; m0 > 0.
    """
    k1, budget, k_max = _f(committed), _f(budget_usd), _f(limit)
    m0, eta = _f(base_usd_per_unit), _f(steepness)
    finite = np.isfinite(k_max)
    k_max_safe = np.where(finite, k_max, 1.0)
    h1 = np.where(finite, np.maximum(1.0 - k1 / k_max_safe, 0.0), 1.0)
    spend = budget / (m0 * k_max_safe)  # budget in units of m0 K_max [-]
    one = np.abs(eta - 1.0) < 1e-12
    eta_safe = np.where(one, 2.0, eta)
    # h2/h1 = (1 + z)**(-1/(eta-1)), z = spend (eta-1) h1**(eta-1); exp(-spend) at eta = 1.
    # h1 - h2 = -h1 expm1(ln(h2/h1)) keeps its precision for small budgets.
    with np.errstate(divide="ignore", over="ignore"):
        z = spend * (eta_safe - 1.0) * h1 ** (eta_safe - 1.0)
        log_ratio = np.where(
            one, -spend, np.where(z > -1.0, -np.log1p(z) / (eta_safe - 1.0), -np.inf)
        )
    freed = -h1 * np.expm1(log_ratio)  # h1 - h2
    # never past the limit, rounding included
    added = np.clip(k_max_safe * freed, 0.0, np.maximum(k_max_safe - k1, 0.0))
    # k1 + (k_max - k1) can round one unit in the last place above k_max: step down until not
    over = finite & (k1 + added > k_max_safe)
    while np.any(over):
        added = np.where(over, np.nextafter(added, 0.0), added)
        over = finite & (k1 + added > k_max_safe)
    return _finish(np.where(finite, added, budget / m0))


def capacity_at_marginal_capex(
    limit: ArrayLike,
    base_usd_per_unit: ArrayLike,
    steepness: ArrayLike,
    worth_usd_per_unit: ArrayLike,
) -> FloatOrArray:
    """Committed capacity K* at which the next unit costs what it is worth, the inverse of
    :func:`marginal_capex_usd_per_unit` [MW or chips/yr]: building beyond K* loses money.

    ``K_max (1 - (m0/w)**(1/eta))`` for w > m0, 0 for w <= m0; for K_max = inf, inf when w >= m0
    and 0 otherwise (a flat curve: every unit or none). Below K_max for any finite worth.

    Parameters
    ----------
    limit, base_usd_per_unit, steepness
        K_max, m0 and eta, as in :func:`marginal_capex_usd_per_unit`.
    worth_usd_per_unit : array_like
        w, what a unit of new capacity earns over its life [USD per unit], e.g. the margin
        over running costs x hours x asset life for power capacity.
    """
    k_max, m0 = _f(limit), _f(base_usd_per_unit)
    eta, worth = _f(steepness), _f(worth_usd_per_unit)
    finite = np.isfinite(k_max)
    if not finite.any():  # no limit anywhere: every unit or none
        flat = np.where(worth >= m0, np.inf, 0.0)
        if flat.shape == np.broadcast(flat, k_max, eta).shape:
            return _finish(flat)
    pays = worth > m0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(pays, m0 / np.where(worth > 0.0, worth, 1.0), 1.0)
        curve = np.where(finite, k_max, 1.0) * -np.expm1(np.log(ratio) / eta)
    flat = np.where(worth >= m0, np.inf, 0.0)
    return _finish(np.where(finite, np.where(pays, curve, 0.0), flat))


def headroom_share(committed: ArrayLike, limit: ArrayLike) -> FloatOrArray:
    """Share of a region's limit still free, ``max(0, 1 - K/K_max)`` [-] (1 for no limit)."""
    k, k_max = _f(committed), _f(limit)
    return _finish(np.where(np.isinf(k_max), 1.0, np.maximum(1.0 - k / k_max, 0.0)))


def fab_capex_usd(
    order_chips_per_year: ArrayLike,
    capex_usd_per_chip_per_year: ArrayLike = FAB_CAPEX_USD_PER_CHIP_PER_YEAR,
) -> FloatOrArray:
    """Cost of new fab and packaging capacity [USD]: ``order x capex per (chip/yr)``.

    A vendor's capacity has no regional limit by default (foundries serve the world); pass a
    limit to :func:`capex_usd` for a scenario in which it has one.
    """
    return _finish(_f(order_chips_per_year) * _f(capex_usd_per_chip_per_year))


def planned_demand(
    demand: ArrayLike, forecast_doublings_per_year: ArrayLike, lead_time_years: ArrayLike
) -> FloatOrArray:
    """Demand a capacity planner expects when an order placed now arrives [demand's unit]:
    ``demand x 2**(g L)``, g the growth it forecasts [doublings/yr], L the lead time [yr].

    A planner that forecasts no growth (g = 0) orders for today's demand and is short by the
    growth over the lead time; one that forecasts the true growth keeps utilisation at its
    threshold.
    """
    exponent = _f(forecast_doublings_per_year) * _f(lead_time_years)
    return _finish(_f(demand) * np.exp2(exponent))


def pipeline_before_start(
    capacity_now: ArrayLike, doublings_per_year: ArrayLike, lead_time_years: ArrayLike
) -> FloatOrArray:
    """Capacity already ordered at the start [capacity's unit]: what growth at the past rate
    adds over one lead time, ``K0 (2**(g L) - 1)`` (0 for g <= 0), to arrive as a ramp over
    [0, L] (:func:`tranche_delivered`)."""
    growth = np.expm1(np.log(2.0) * _f(doublings_per_year) * _f(lead_time_years))
    return _finish(_f(capacity_now) * np.maximum(growth, 0.0))
