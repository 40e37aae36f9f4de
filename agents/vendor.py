"""Hardware vendors: chip designs that improve, production capacity they must build, prices
with market power and scarcity."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from agents.base import AgentTable, FloatArray, MarketAgent, column
from sim import capacity, markets, physics, specialisation
from sim.ledger import Ledger
from sim.params import VendorParams
from sim.policies import ActivePolicies

#: fastest demand growth a vendor plans capacity for [doublings/yr]: data-centre GPU shipments
#: roughly doubled a year in 2023-2024 (market reports); a burst of orders is not a trend
MAX_FORECAST_DOUBLINGS_PER_YEAR = 1.0


class Vendors(AgentTable):
    """All hardware vendors, one row each: they sell accelerators and own the chip link of the
    chain (FLOP per joule).

    A vendor's current design's FLOP per joule and FLOP/s per dollar of unit cost double at its
    own rates, raised by R&D with diminishing returns. It prices at unit cost times the logit
    markup of its last share of chip sales, so a vendor whose chips are better than its rivals'
    wins share and with it margin; where demand exceeds what it can deliver the market raises
    the price further (:func:`sim.markets.chip_scarcity_price`) and rations the rest.

    Capacity [chips/yr] must be built: a vendor orders fab and packaging capacity with its own
    cash when the demand it forecasts for the end of the lead time passes a share of what will
    then stand of what it has built or ordered (:func:`sim.capacity.capacity_order`), and the
    order arrives after the lead time. Capacity retires at the rate its capital is depreciated,
    1/``capacity_life_years`` (:func:`sim.capacity.retiring_capacity_over_step`): a node's
    tools stop making the current design. Orders in the pipeline are tranches ``[vendor, slot]`` (amount, arrival window);
    the capacity within a step is their exact integral (:func:`sim.capacity.capacity_over_step`),
    so it does not depend on the step length. At the start the pipeline holds the orders that
    continue the past growth of orders (``capacity_doublings_per_year``) over one lead time;
    net of retirement that ramp leaves less standing than the past growth would, so vendors
    order more in their first steps. The starting ramp is never cut (it is arriving).
    """

    kind = "vendor"
    input_reasons = ("fabrication",)

    def __init__(
        self, params: Sequence[VendorParams], names: Sequence[str], chip_choice_sensitivity: float
    ) -> None:
        super().__init__(params, names)
        n = len(params)
        self.sensitivity = chip_choice_sensitivity
        self.log2_flop_per_joule = np.log2(column(params, "flop_per_joule"))
        # physics: FLOP/J approaches its ceiling; power per package is capped (cooling)
        self.log2_flop_per_joule_ceiling = np.log2(column(params, "flop_per_joule_ceiling"))
        self.ceiling_softness_doublings = column(params, "ceiling_softness_doublings")
        self.log2_watts_per_chip_ceiling = np.log2(column(params, "watts_per_chip_ceiling"))
        self.log2_flop_per_second = np.log2(column(params, "flop_per_second_per_chip"))
        self.log2_flop_per_second_per_usd = np.log2(
            column(params, "flop_per_second_per_chip") / column(params, "unit_cost_usd")
        )
        self.joule_doublings_per_year = column(params, "flop_per_joule_doublings_per_year")
        self.past_joule_doublings_per_year = column(
            params, "past_flop_per_joule_doublings_per_year"
        )
        self.second_doublings_per_year = column(params, "flop_per_second_doublings_per_year")
        self.dollar_doublings_per_year = column(params, "flop_per_dollar_doublings_per_year")
        self.capacity_doublings_per_year = column(params, "capacity_doublings_per_year")
        self.rnd_share = column(params, "rnd_share")
        self.max_markup = column(params, "max_markup")
        self.capacity_chips_per_year = column(params, "capacity_chips_per_year")
        self.share = np.full(n, 1.0 / max(n, 1))
        self.chips_sold = np.zeros(n)
        self.deliverable_chips = np.zeros(n)
        self.price_usd = self.unit_cost_usd * (1.0 + self.markup)
        self.list_price_usd = self.price_usd.copy()
        self._init_capacity(params)
        # the design on sale: general-purpose until a review finds specialising pays
        self.specialised_efficiency_ratio = column(params, "specialised_efficiency_ratio")
        self.specialisation_break_even_share = column(params, "specialisation_break_even_share")
        self.specialised = np.zeros(n, dtype=bool)
        # this step's far-from-ceiling rates (:meth:`fix_step_rates`): no R&D or shock yet
        self.step_joule_doublings_per_year = self.joule_doublings_per_year.copy()
        self.step_dollar_doublings_per_year = self.dollar_doublings_per_year.copy()

    def _init_capacity(self, params: Sequence[VendorParams]) -> None:
        n = len(params)
        self.region = np.array([p.region for p in params], dtype=object)
        self.lead_time_years = column(params, "capacity_lead_time_years")
        self.capex_at_start_usd_per_chip_per_year = column(
            params, "capacity_capex_usd_per_chip_per_year"
        )
        self.unit_cost_at_start_usd = self.unit_cost_usd
        self.capacity_life_years = column(params, "capacity_life_years")
        self.invest_above_utilisation = column(params, "invest_above_utilisation")
        self.capacity_growth_per_order = column(params, "capacity_growth_per_order")
        self.demand_forecast_doublings_per_year = column(
            params, "demand_forecast_doublings_per_year"
        )
        self.demand_memory_years = column(params, "demand_memory_years")
        self.scarcity_pass_through = column(params, "scarcity_pass_through")
        # the pipeline: one column per order in flight, an empty slot has amount 0
        self.pipeline_chips_per_year = np.asarray(
            capacity.pipeline_before_start(
                self.capacity_chips_per_year,
                self.capacity_doublings_per_year,
                self.lead_time_years,
            )
        ).reshape(n, 1)
        self.pipeline_start_years = np.zeros((n, 1))
        self.pipeline_end_years = self.lead_time_years.reshape(n, 1).copy()
        # capex still to pay on each order (paid evenly until it arrives; the starting
        # pipeline was ordered, and paid for, before the run)
        self.pipeline_unpaid_usd = np.zeros((n, 1))
        self.capex_down_payment_share = column(params, "capex_down_payment_share")
        self.capex_due_usd = np.zeros(n)  # progress payments falling due this step
        self.capacity_end_chips_per_year = self.capacity_chips_per_year.copy()
        self.capital_usd = self.capacity_chips_per_year * self.capex_at_start_usd_per_chip_per_year
        # the demand a vendor plans for starts at a share threshold / (1 + margin) of its
        # capacity (what its pipeline would serve if nothing retired; with retirement the
        # pipeline falls short, so vendors order again in their first steps)
        self.demand_chips_per_year = (
            self.capacity_chips_per_year
            * self.invest_above_utilisation
            / (1.0 + self.capacity_growth_per_order)
        )
        self.capacity_investment_usd = np.zeros(n)
        self.ordered_chips_per_year = np.zeros(n)
        self.cancelled_chips_per_year = np.zeros(n)  # orders in flight cut this step

    @property
    def flop_per_joule(self) -> FloatArray:
        return np.exp2(self.log2_flop_per_joule)

    @property
    def flop_per_second_per_chip(self) -> FloatArray:
        return np.exp2(self.log2_flop_per_second)

    @property
    def unit_cost_usd(self) -> FloatArray:
        return np.exp2(self.log2_flop_per_second - self.log2_flop_per_second_per_usd)

    @property
    def markup(self) -> FloatArray:
        return markets.logit_markup(self.share, self.sensitivity, self.max_markup)

    def revenue_usd(self) -> FloatArray:
        return self.accounts.inflow("chips")

    def rates(self, policies: ActivePolicies) -> tuple[FloatArray, FloatArray]:
        """This step's far-from-ceiling doubling rates of FLOP/J and of FLOP/s per dollar
        [doublings/yr]: own rates, plus R&D, plus shocks. Near the ceiling FLOP/J grows slower
        (:meth:`log2_flop_per_joule_after`)."""
        extra = self.rnd_extra_doublings_per_year()
        shocks = policies.shock_doublings_per_year
        return (
            self.joule_doublings_per_year + extra + shocks["chip_flop_per_joule"],
            self.dollar_doublings_per_year + extra + shocks["chip_flop_per_dollar"],
        )

    def fix_step_rates(self, policies: ActivePolicies) -> None:
        """Fix this step's :meth:`rates` once its R&D is paid (:meth:`settle`), as
        ``step_joule_doublings_per_year`` and ``step_dollar_doublings_per_year``
        [doublings/yr]: fleets integrate the step with them and :meth:`advance` moves by them."""
        self.step_joule_doublings_per_year, self.step_dollar_doublings_per_year = self.rates(
            policies
        )

    @property
    def capex_usd_per_chip_per_year(self) -> FloatArray:
        """Cost of a chip a year of new capacity [USD per chip/yr]: its value at the start,
        scaled with the design's unit cost, since the fab and packaging a chip needs are what
        makes it cost what it does (a fixed capex would outgrow chips that get cheaper)."""
        return (
            self.capex_at_start_usd_per_chip_per_year
            * self.unit_cost_usd
            / self.unit_cost_at_start_usd
        )

    @property
    def pipeline_total_chips_per_year(self) -> FloatArray:
        """Capacity ordered and not yet fully delivered [chips/yr], per vendor."""
        return self.pipeline_chips_per_year.sum(axis=1)

    def _capacity_state(
        self,
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, NDArray[np.intp], FloatArray]:
        """What :mod:`sim.capacity`'s retiring pipelines take: capacity built [chips/yr], the
        tranches (amounts [chips/yr], arrival windows [yr], owners, flat) and the rate at
        which capacity retires, 1/``capacity_life_years`` [1/yr]."""
        n, slots = self.pipeline_chips_per_year.shape
        return (
            self.capacity_chips_per_year,
            self.pipeline_chips_per_year.ravel(),
            self.pipeline_start_years.ravel(),
            self.pipeline_end_years.ravel(),
            np.arange(n).repeat(slots),  # each slot's vendor
            1.0 / self.capacity_life_years,
        )

    def post_offer(self, years: float, dt: float) -> None:
        """Take delivery of the capacity arriving over [years, years + dt] [yr since the start];
        set this step's list price [USD/chip] and the chips it can deliver (capacity integrated
        over the step)."""
        self.price_usd = self.unit_cost_usd * (1.0 + self.markup)
        self.list_price_usd = self.price_usd.copy()
        # capacity retires over the life it is depreciated over (the tools of a node stop
        # making the current design), exactly: :func:`sim.capacity.retiring_capacity_over_step`
        at_end, mean, arrived, built = capacity.retiring_capacity_over_step(
            years, dt, *self._capacity_state()
        )
        self.capex_due_usd = self._progress_payments_due(years, dt)
        self.capacity_chips_per_year = built
        if arrived.any():  # delivered orders leave the pipeline
            done = arrived.reshape(self.pipeline_chips_per_year.shape)
            self.pipeline_chips_per_year = np.where(done, 0.0, self.pipeline_chips_per_year)
        self.capacity_end_chips_per_year = at_end
        self.deliverable_chips = mean * dt

    def _progress_payments_due(self, years: float, dt: float) -> FloatArray:
        """What falls due over the step [years, years + dt] of the capex still owed on orders
        in flight [USD], per vendor (:func:`sim.capacity.progress_payments_due`); it leaves
        what is owed."""
        unpaid = self.pipeline_unpaid_usd
        if not (unpaid > 0.0).any():  # nothing owed (or all paid at order): nothing falls due
            return np.zeros(len(self))
        due = capacity.progress_payments_due(unpaid, self.pipeline_start_years, years, dt)
        self.pipeline_unpaid_usd = unpaid - due
        return due.sum(axis=1)

    def invest(self, ledger: Ledger, years: float, demand_chips: FloatArray, dt: float) -> None:
        """Order capacity with the vendor's own cash, at the end of a step ending at ``years``
        [yr since the start], from the chips firms asked for at list prices ``demand_chips``.

        The demand rate is averaged over ``demand_memory_years`` (exact exponential weights),
        projected over the lead time at the growth the vendor forecasts
        (:func:`sim.capacity.planned_demand`), and the order restores a level against the
        capacity that will still stand when it arrives, net of retirement
        (:func:`sim.capacity.capacity_order`, :func:`sim.capacity.retiring_capacity_at`), so
        what is ordered does not depend on the step length. It arrives as one lump a lead time
        later. Its capex is paid ``capex_down_payment_share`` at order and the rest evenly until
        it arrives (:meth:`_progress_payments_due`); an order is placed only against the cash
        not already owed on orders in flight."""
        progress = self._pay_progress(ledger)  # paid on orders in flight [USD]
        rate = np.asarray(demand_chips, dtype=float) / dt
        weight = -np.expm1(-dt / self.demand_memory_years)
        last = self.demand_chips_per_year
        self.demand_chips_per_year = last + (rate - last) * weight
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = np.log2(self.demand_chips_per_year / last) / dt
        growth = np.where(np.isfinite(growth), growth, 0.0)
        # the growth planned for follows the growth seen, averaged over a year
        self.demand_forecast_doublings_per_year = self.demand_forecast_doublings_per_year + (
            growth - self.demand_forecast_doublings_per_year
        ) * -math.expm1(-dt)
        expected = capacity.planned_demand(
            self.demand_chips_per_year,
            np.minimum(
                np.maximum(self.demand_forecast_doublings_per_year, 0.0),
                MAX_FORECAST_DOUBLINGS_PER_YEAR,
            ),
            self.lead_time_years,
        )
        standing = self._cancel_excess(years, np.asarray(expected))
        order = np.asarray(
            capacity.capacity_order(
                expected,
                standing,
                self.invest_above_utilisation,
                self.capacity_growth_per_order,
            )
        )
        if not (order > 0.0).any():  # what is built and coming serves demand: no order
            self.capacity_investment_usd = progress
            self.ordered_chips_per_year = order
            return
        unit = self.capex_usd_per_chip_per_year
        has_cost = unit > 0
        free_cash = self.cash_usd
        if self.pipeline_unpaid_usd.any():  # net of what is still owed on orders in flight
            free_cash = free_cash - self.pipeline_unpaid_usd.sum(axis=1)
        affordable = np.maximum(free_cash, 0.0) / np.where(has_cost, unit, 1.0)
        order = np.where(has_cost, np.minimum(order, affordable), order)
        down = self.capex_down_payment_share
        price = unit * down  # paid at order per chip/yr [USD]
        paid = ledger.transfer(
            "capacity investment", capacity.fab_capex_usd(order, price), self.accounts, "outside"
        )
        pays = price > 0
        order = np.where(pays, paid / np.where(pays, price, 1.0), order)
        self.capital_usd = self.capital_usd + paid
        self.capacity_investment_usd = progress + paid
        self.ordered_chips_per_year = order
        owed = np.asarray(capacity.fab_capex_usd(order, unit)) * (1.0 - down)
        self._place(order, years + self.lead_time_years, owed)

    def _pay_progress(self, ledger: Ledger) -> FloatArray:
        """Pay the progress payments due this step (:meth:`_progress_payments_due`) [USD], per
        vendor, into capital. Orders are placed against cash net of what is owed, so the cash
        is there; what a vendor that lost money since could not pay is forgiven by the
        builder (the ledger moves only what is paid)."""
        due = self.capex_due_usd
        if not (due > 0.0).any():
            return np.zeros(len(self))
        paid = ledger.transfer("capacity investment", due, self.accounts, "outside")
        self.capital_usd = self.capital_usd + paid
        return paid

    def _cancel_excess(self, years: float, expected: FloatArray) -> FloatArray:
        """What will still stand when an order placed now arrives, a lead time after ``years``
        [yr since the start], net of retirement (:func:`sim.capacity.retiring_capacity_at`)
        [chips/yr], after cutting the orders not yet arriving (pro rata) so that it is no
        more than the level the vendor orders up to for the demand it expects then,
        ``expected`` [chips/yr] (foundries push out and cancel tool orders when demand
        turns). What was paid for a cancelled order is sunk: it stays in capital and is
        depreciated; what was still owed on it is not paid."""
        pending = self.pipeline_start_years > years + 1e-9
        standing, cancellable = capacity.standing_and_cancellable_at(
            years, self.lead_time_years, *self._capacity_state(), pending.ravel()
        )
        n = len(standing)
        level = expected * (1.0 + self.capacity_growth_per_order) / self.invest_above_utilisation
        keep = np.asarray(capacity.cancel_to_level(standing, level, cancellable))
        if (keep == 1.0).all():  # nothing to cut (most steps): the numbers below, without the calls
            self.cancelled_chips_per_year = np.zeros(n)
            return standing
        cut = 1.0 - keep
        self.cancelled_chips_per_year = (
            np.where(pending, self.pipeline_chips_per_year, 0.0).sum(axis=1) * cut
        )
        self.pipeline_chips_per_year = np.where(
            pending, self.pipeline_chips_per_year * keep[:, None], self.pipeline_chips_per_year
        )
        if (self.pipeline_unpaid_usd > 0.0).any():
            self.pipeline_unpaid_usd = np.where(
                pending, self.pipeline_unpaid_usd * keep[:, None], self.pipeline_unpaid_usd
            )
        return standing - cut * cancellable

    def _place(self, order: FloatArray, arrival_years: FloatArray, owed_usd: FloatArray) -> None:
        """Put each vendor's order (if any) in its first free pipeline slot, adding a slot
        column when some vendor has none free, with the capex still owed on it [USD]."""
        if not (order > 0).any():
            return
        free: NDArray[np.bool_] = self.pipeline_chips_per_year <= 0.0
        if not np.all(np.any(free, axis=1)[order > 0]):
            pad = ((0, 0), (0, 1))
            self.pipeline_chips_per_year = np.pad(self.pipeline_chips_per_year, pad)
            self.pipeline_start_years = np.pad(self.pipeline_start_years, pad)
            self.pipeline_end_years = np.pad(self.pipeline_end_years, pad)
            self.pipeline_unpaid_usd = np.pad(self.pipeline_unpaid_usd, pad)
            free = self.pipeline_chips_per_year <= 0.0
        rows = np.flatnonzero(order > 0)
        slot = np.argmax(free[rows], axis=1)
        self.pipeline_chips_per_year[rows, slot] = order[rows]
        self.pipeline_start_years[rows, slot] = arrival_years[rows]
        self.pipeline_end_years[rows, slot] = arrival_years[rows]
        self.pipeline_unpaid_usd[rows, slot] = owed_usd[rows]

    def settle(
        self, ledger: Ledger, chips_sold: FloatArray, policies: ActivePolicies, dt: float
    ) -> None:
        """Book the step's sales (already paid by firms), pay production and R&D, and keep the
        share of sales that sets the next price (the last one if nobody bought chips)."""
        self.chips_sold = chips_sold
        production = ledger.transfer(
            "fabrication", chips_sold * self.unit_cost_usd, self.accounts, "outside"
        )
        revenue = self.revenue_usd()
        rnd, subsidy = self.do_rnd(
            ledger, self.rnd_share * revenue, policies.rnd_subsidy_rate["vendors"], dt
        )
        depreciation = self.capital_usd * -np.expm1(-dt / self.capacity_life_years)
        self.capital_usd = self.capital_usd - depreciation
        self.profit_usd = revenue + subsidy - production - rnd - depreciation
        total = chips_sold.sum()
        if total > 0:
            self.share = chips_sold / total

    def review_designs(self, value_scalable_fraction: float) -> None:
        """Choose each vendor's design for the coming year, given the market's value-scalable
        share of work S [-]: specialised where buyers would put more than the break-even share
        of their chip budgets on it, x*(S, R) (:func:`sim.specialisation.choose_designs`; with
        no break-even share exactly S < S_c = 1 - 1/R), else general-purpose. A vendor with
        R <= 1 never specialises."""
        self.specialised = specialisation.choose_designs(
            value_scalable_fraction,
            self.specialised_efficiency_ratio,
            self.specialisation_break_even_share,
            self.share,
        )

    def outputs(self) -> dict[str, object]:
        out = super().outputs()
        out["specialised"] = self.specialised.astype(float)  # 0/1
        return out

    def log2_flop_per_joule_after(
        self, years: FloatArray | float, joule_rate: FloatArray
    ) -> FloatArray:
        """log2 FLOP/J of each design ``years`` [yr] into the step (rows: vendors; ``years`` may
        carry a trailing axis of nodes): the ceiling law of :func:`sim.physics.ceiling_log2_level`
        at the far rate ``joule_rate`` [doublings/yr], never above the ceiling."""
        extra = (slice(None),) + (None,) * np.ndim(years)
        return np.asarray(
            physics.ceiling_log2_level(
                years,
                self.log2_flop_per_joule[extra],
                self.log2_flop_per_joule_ceiling[extra],
                joule_rate[extra],
                self.ceiling_softness_doublings[extra],
            )
        )

    def pace_over(self, years: float, policies: ActivePolicies) -> FloatArray:
        """Each design's average FLOP/J doubling rate over the last ``years`` [doublings/yr] at
        this step's :meth:`rates`: the ceiling law run back ``years``, so near the ceiling the
        pace is the slower one the design has had (0 for ``years`` 0 or infinite)."""
        if not (math.isfinite(years) and years > 0):
            return np.zeros(len(self))
        earlier = self.log2_flop_per_joule_after(-years, self.rates(policies)[0])
        return (self.log2_flop_per_joule - earlier) / years

    def advance(self, dt: float) -> None:
        """Improve the designs over the step just run at the step's rates, which
        :meth:`fix_step_rates` must have fixed first (capacity is built, not grown: see
        :meth:`invest`).

        FLOP/J follows the ceiling law. A chip's power is FLOP/s over FLOP/J: FLOP/s per chip
        would grow at its own rate, and what FLOP/J gains do not cover comes from drawing more
        watts, which approach the package's ceiling (ceiling law, softness 1 doubling), so once
        FLOP/J stalls FLOP/s per chip stops growing too and power per chip stays physical.
        FLOP/s per dollar improves with the same headroom factor as FLOP/J (both come from
        transistor scaling), so chips do not become free once physics binds.
        """
        joule_rate = self.step_joule_doublings_per_year
        before = self.log2_flop_per_joule
        headroom = np.asarray(
            physics.ceiling_rate_factor(
                before, self.log2_flop_per_joule_ceiling, self.ceiling_softness_doublings
            )
        )
        self.log2_flop_per_joule = self.log2_flop_per_joule_after(dt, joule_rate)
        gained = self.log2_flop_per_joule - before
        log2_watts = np.asarray(
            physics.ceiling_log2_level(
                dt,
                self.log2_flop_per_second - before,
                self.log2_watts_per_chip_ceiling,
                self.second_doublings_per_year - gained / dt,
                1.0,
            )
        )
        self.log2_flop_per_second = self.log2_flop_per_joule + log2_watts
        self.log2_flop_per_second_per_usd = (
            self.log2_flop_per_second_per_usd + self.step_dollar_doublings_per_year * headroom * dt
        )


class HardwareVendor(MarketAgent):
    """One hardware vendor: a view on its row of :class:`Vendors`."""

    agent_type = "vendor"
