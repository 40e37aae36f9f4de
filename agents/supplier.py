"""Energy suppliers: power capacity with lead times, scarcity prices, site efficiency (PUE)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from agents.base import AgentTable, FloatArray, MarketAgent, column
from sim import capacity, markets
from sim.errors import UserError
from sim.ledger import Ledger
from sim.params import HOURS_PER_YEAR, SupplierParams
from sim.policies import ActivePolicies

UTILISATION_MEMORY_YEARS = 0.25


class Suppliers(AgentTable):
    """All energy suppliers, one row each: they sell grid energy to AI firms and own the first
    link of the chain, site efficiency 1/PUE.

    The overhead PUE - 1 halves every ``pue_overhead_halving_years`` (faster with R&D), so PUE
    falls towards but never below 1. A supplier orders capacity each step up to the level that
    keeps demand below its threshold share of what it has, with a margin, as far as it pays:
    each region's grid has a limit and a supply curve (the next MW costs more the nearer the
    region is to its limit; :mod:`sim.capacity`), so orders stop where a MW costs more than its
    margin earns over its life, always short of the limit. Orders arrive after a lead time in
    years, not rounded to steps (tranches, :func:`sim.capacity.capacity_over_step`), and are
    paid ``capex_down_payment_share`` at order and the rest as they are built. With
    ``capacity_retires`` capacity retires at 1/asset_life_years and the supplier plans for
    what will still stand; with ``cuts_orders_in_flight`` it cuts orders in flight when demand
    turns, saving what it still owed. Energy is priced at cost before tax times a markup that
    rises steeply with utilisation, the utilisation the step's expected demand gives at those
    prices, plus the carbon tax passed through at cost.
    """

    kind = "supplier"
    input_reasons = ("generation",)

    def __init__(
        self,
        params: Sequence[SupplierParams],
        names: Sequence[str],
        steps_per_year: int,
        energy_choice_sensitivity: float = 4.0,
    ) -> None:
        super().__init__(params, names)
        n = len(params)
        p = {
            name: column(params, name)
            for name in (
                "cost_usd_per_mwh",
                "cost_decline_per_year",
                "pue_overhead_halving_years",
                "rnd_share",
                "carbon_t_per_mwh",
                "base_markup",
                "scarcity_markup",
                "invest_above_utilisation",
                "capacity_growth_per_order",
                "capex_usd_per_mw",
                "capex_financed_share",
                "capex_down_payment_share",
                "asset_life_years",
            )
        }
        self.p = p
        self.capacity_mw = column(params, "capacity_mw")
        self.lead_time_years = column(params, "lead_time_years")
        self.region = column(params, "region", object)
        regions, self.region_index = np.unique(self.region.astype(str), return_inverse=True)
        self.region_names = [str(r) for r in regions]
        self.region_limit_mw = _regional("grid_limit_mw", column(params, "grid_limit_mw"), self)
        self.region_steepness = _regional(
            "supply_curve_steepness", column(params, "supply_curve_steepness"), self
        )
        built = self.by_region(self.capacity_mw)
        over = built > self.region_limit_mw
        if over.any():
            r = int(np.argmax(over))
            raise UserError(
                f"suppliers in region '{self.region_names[r]}' start with {built[r]:g} MW, above "
                f"its grid_limit_mw = {self.region_limit_mw[r]:g}"
            )
        # orders not yet delivered, one tranche each: amount [MW], arrival window [yr], owner
        self._set_tranches(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.intp))
        self.tranche_unpaid_usd = np.zeros(0)  # capex still to pay on each order
        retires = column(params, "capacity_retires", bool)
        self.retire_per_year = np.where(retires, 1.0 / p["asset_life_years"], 0.0)  # [1/yr]
        self.cuts_orders = column(params, "cuts_orders_in_flight", bool)
        self.cancelled_mw = np.zeros(n)  # orders in flight cut this step
        self.capex_due_usd = np.zeros(n)  # progress payments falling due this step
        self.step_end_years = 0.0
        self.capacity_cost_usd = self.capacity_mw * p["capex_usd_per_mw"]  # of built + ordered
        self.invested_usd = np.zeros(n)
        pue = column(params, "pue")
        with np.errstate(divide="ignore"):
            self._set_overhead(np.where(pue > 1.0, np.log2(np.maximum(pue - 1.0, 0.0)), -np.inf))
        self.utilisation = np.full(n, 0.5)
        self.energy_choice_sensitivity = energy_choice_sensitivity  # firms' (MarketParams)
        self.need_it_mwh_per_year = math.nan  # firms' IT energy demand last step, all of them
        self.capital_usd = self.capacity_mw * p["capex_usd_per_mw"]
        self.price_usd_per_mwh = p["cost_usd_per_mwh"].copy()
        self.unit_cost_usd_per_mwh = p["cost_usd_per_mwh"].copy()
        self.deliverable_mwh = np.zeros(n)
        self.sold_mwh = np.zeros(n)
        self.emissions_t_co2 = np.zeros(n)
        self.step_halvings_per_year = np.zeros(n)
        self.step_doublings_per_year = np.zeros(n)
        self.fuel_usd_per_mwh = p["cost_usd_per_mwh"].copy()
        self.tax_usd_per_mwh = np.zeros(n)

    # --- capacity ------------------------------------------------------------------------------
    def by_region(self, values: FloatArray) -> FloatArray:
        """Sum of a per-supplier quantity over each region [same unit], one per region."""
        sums = np.bincount(self.region_index, weights=values, minlength=len(self.region_names))
        return sums.astype(np.float64, copy=False)

    def _set_tranches(
        self,
        mw: FloatArray,
        start_years: FloatArray,
        end_years: FloatArray,
        owner: NDArray[np.intp],
    ) -> None:
        """Set the orders in the pipeline, one tranche each (amount [MW], arrival window [yr
        since the start], owning supplier), and with them ``pipeline_mw``, the capacity each
        supplier has ordered and not yet received [MW] (read twice a step)."""
        self.tranche_mw = mw
        self.tranche_start_years = start_years
        self.tranche_end_years = end_years
        self.tranche_owner = owner
        sums = np.bincount(owner, weights=mw, minlength=len(self))
        self.pipeline_mw = sums.astype(np.float64, copy=False)

    @property
    def average_capex_usd_per_mw(self) -> FloatArray:
        """Average capex per MW of the capacity built and ordered [USD/MW] (the base capex for
        a supplier with none); it rises as a region fills up."""
        committed = self.capacity_mw + self.pipeline_mw
        return np.where(
            committed > 0,
            self.capacity_cost_usd / np.where(committed > 0, committed, 1.0),
            self.p["capex_usd_per_mw"],
        )

    @property
    def capital_charge_usd_per_mwh(self) -> FloatArray:
        """Capital recovered in each MWh at full use: :attr:`average_capex_usd_per_mw` /
        (asset life x hours) [USD/MWh]."""
        return self.average_capex_usd_per_mw / (self.p["asset_life_years"] * HOURS_PER_YEAR)

    # --- the efficiency link ---------------------------------------------------------------
    def _set_overhead(self, overhead_log2: FloatArray) -> None:
        """Set log2 of the overhead PUE - 1 [-], and with it ``pue`` [-] (read several times a
        step)."""
        self.overhead_log2 = overhead_log2
        self.pue = 1.0 + np.exp2(overhead_log2)

    @property
    def site_efficiency(self) -> FloatArray:
        """IT joules per grid joule, 1/PUE [-]."""
        return 1.0 / self.pue

    def revenue_usd(self) -> FloatArray:
        return self.accounts.inflow("energy")

    def fix_step_rate(self, policies: ActivePolicies, dt: float) -> None:
        """Fix this step's overhead halving rate and the doubling rate of 1/PUE it implies
        [doublings/yr]; fleets integrate the step with it and :meth:`settle` advances by it."""
        self.step_halvings_per_year = np.maximum(
            0.0,
            1.0 / self.p["pue_overhead_halving_years"]
            + self.rnd_extra_doublings_per_year()
            + policies.shock_doublings_per_year["site"],
        )
        after = self.overhead_log2 - self.step_halvings_per_year * dt
        self.step_doublings_per_year = (np.log2(self.pue) - np.log2(1.0 + np.exp2(after))) / dt

    # --- phases ----------------------------------------------------------------------------
    def post_offer(
        self, step: int, year_offset: float, policies: ActivePolicies, dt: float
    ) -> None:
        """Take delivery of the capacity arriving within step ``step`` (which starts
        ``(step - 1) dt`` years into the run); set this step's price [USD/MWh] and the energy it
        can deliver [MWh], its mean capacity over the step x hours."""
        start = (step - 1) * dt
        self.step_end_years = start + dt
        tranches = (self.tranche_mw, self.tranche_start_years, self.tranche_end_years)
        if self.retire_per_year.any():  # exactly, as vendors' (capacity_retires)
            at_end, mean_mw, arrived, built = capacity.retiring_capacity_over_step(
                start, dt, self.capacity_mw, *tranches, self.tranche_owner, self.retire_per_year
            )
        else:
            at_end, mean_mw, arrived = capacity.capacity_over_step(
                start, dt, self.capacity_mw, *tranches, self.tranche_owner
            )
            built = None
        self.deliverable_mwh = mean_mw * HOURS_PER_YEAR * dt
        self.capex_due_usd = self._progress_payments_due(start, dt)
        if built is not None or arrived.any():
            arriving = np.bincount(
                self.tranche_owner[arrived], weights=self.tranche_mw[arrived], minlength=len(self)
            ).astype(np.float64, copy=False)
            if built is not None:
                self._retire(built, arriving)
            else:
                self.capacity_mw = self.capacity_mw + arriving
        if arrived.any():  # delivered tranches leave the pipeline
            self._keep_tranches(~arrived)
        # orders arrive whole (a lump at one date), so at the end of the step nothing is part-way
        self.capacity_mw = np.maximum(self.capacity_mw, at_end)
        p = self.p
        self.fuel_usd_per_mwh = p["cost_usd_per_mwh"] * (1.0 - p["cost_decline_per_year"]) ** (
            year_offset
        )
        self.tax_usd_per_mwh = policies.carbon_tax_usd_per_t_co2 * p["carbon_t_per_mwh"]
        self.unit_cost_usd_per_mwh = self.fuel_usd_per_mwh + self.tax_usd_per_mwh
        self.price_usd_per_mwh = self._offer_prices(policies, dt)

    def _keep_tranches(self, keep: NDArray[np.bool_]) -> None:
        """Keep only the tranches in ``keep`` in the pipeline."""
        self._set_tranches(
            self.tranche_mw[keep],
            self.tranche_start_years[keep],
            self.tranche_end_years[keep],
            self.tranche_owner[keep],
        )
        self.tranche_unpaid_usd = self.tranche_unpaid_usd[keep]

    def _retire(self, built_at_end: FloatArray, arriving_mw: FloatArray) -> None:
        """Set what is built to ``built_at_end`` [MW] (what stands at the step's end, this
        step's arrivals included, :func:`sim.capacity.retiring_capacity_over_step`) and take
        the cost of what retired out of the cost of the capacity built and ordered, at its
        average per MW: the price's capital charge is of capacity that stands (its capital is
        still depreciated as booked)."""
        retired = np.maximum(self.capacity_mw + arriving_mw - built_at_end, 0.0)
        self.capacity_cost_usd = self.capacity_cost_usd - retired * self.average_capex_usd_per_mw
        self.capacity_mw = built_at_end

    def _progress_payments_due(self, start_years: float, dt: float) -> FloatArray:
        """What falls due over the step [start_years, start_years + dt] of the capex still owed
        on orders in flight [USD], per supplier (:func:`sim.capacity.progress_payments_due`);
        it leaves what is owed."""
        unpaid = self.tranche_unpaid_usd
        if not (unpaid > 0.0).any():  # nothing owed (or all paid at order): nothing falls due
            return np.zeros(len(self))
        due = capacity.progress_payments_due(unpaid, self.tranche_end_years, start_years, dt)
        self.tranche_unpaid_usd = unpaid - due
        sums = np.bincount(self.tranche_owner, weights=due, minlength=len(self))
        return sums.astype(np.float64, copy=False)

    def _pay_progress(self, ledger: Ledger) -> FloatArray:
        """Pay the progress payments due this step [USD], per supplier, into capital, project
        finance drawn with each (what cash cannot pay is forgiven by the builder, as for
        vendors: :meth:`agents.vendor.Vendors._pay_progress`)."""
        due = self.capex_due_usd
        if not (due > 0.0).any():
            return np.zeros(len(self))
        financed = due * self.p["capex_financed_share"]
        ledger.transfer("project finance", financed, "investors", self.accounts)
        paid = ledger.transfer("capacity investment", due, self.accounts, "outside")
        self.capital_usd = self.capital_usd + paid
        return paid

    def _offer_prices(self, policies: ActivePolicies, dt: float) -> FloatArray:
        """This step's prices [USD/MWh]: the scarcity prices at the utilisation, in the middle
        of the step, that the step's demand gives each supplier at these very prices
        (:func:`sim.markets.energy_clearing_prices`), demand expected at last step's rate
        (firms' needs change slowly; capacity, known now, may arrive in lumps). Before any
        demand is seen, on the starting utilisation."""
        p = self.p
        pre_tax = self.fuel_usd_per_mwh + self.capital_charge_usd_per_mwh
        if not math.isfinite(self.need_it_mwh_per_year):
            return markets.energy_offer_price_usd_per_mwh(
                pre_tax,
                self.tax_usd_per_mwh,
                self.utilisation,
                p["base_markup"],
                p["scarcity_markup"],
            )
        pro_rata = policies.energy_cap_allocation == "pro_rata"
        cap_mwh = policies.energy_cap_mw * HOURS_PER_YEAR * dt if pro_rata else math.inf
        price, _ = markets.energy_clearing_prices(
            self.need_it_mwh_per_year * dt,
            self.deliverable_mwh,
            self.pue,
            self.energy_choice_sensitivity,
            self.utilisation,
            -math.expm1(-dt / (2.0 * UTILISATION_MEMORY_YEARS)),
            pre_tax,
            self.tax_usd_per_mwh,
            p["base_markup"],
            p["scarcity_markup"],
            cap_mwh,
        )
        return price

    def settle(
        self,
        ledger: Ledger,
        step: int,
        sold_mwh: FloatArray,
        demanded_mwh: FloatArray,
        cap_share_mwh: FloatArray,
        policies: ActivePolicies,
        dt: float,
    ) -> None:
        """Book the step's sales (already paid by firms), pay costs and tax, invest, advance.

        ``demanded_mwh`` is what firms asked of each supplier; ``cap_share_mwh`` its share of an
        energy cap shared pro rata (inf otherwise). Scarcity is measured against what it may
        sell, what it can deliver this step or its cap share, so a binding pro-rata cap raises
        its price (the cap's rent); it invests only for demand it may serve. ``step`` is kept
        for the callers' sake; orders are dated by the step's end in years."""
        p = self.p
        self.sold_mwh = sold_mwh
        self.emissions_t_co2 = sold_mwh * p["carbon_t_per_mwh"]
        fuel = ledger.transfer(
            "generation", sold_mwh * self.fuel_usd_per_mwh, self.accounts, "outside"
        )
        tax: FloatArray | float = 0.0  # no carbon tax in force: nothing to book
        if policies.carbon_tax_usd_per_t_co2 != 0.0:
            tax = ledger.transfer(
                "carbon tax",
                policies.carbon_tax_usd_per_t_co2 * self.emissions_t_co2,
                self.accounts,
                "government",
            )
        revenue = self.revenue_usd()
        rnd_gross, subsidy = self.do_rnd(
            ledger, p["rnd_share"] * revenue, policies.rnd_subsidy_rate["suppliers"], dt
        )
        depreciation = self.capital_usd * -np.expm1(-dt / p["asset_life_years"])  # exact decay
        self.capital_usd = self.capital_usd - depreciation
        self.profit_usd = revenue + subsidy - fuel - tax - rnd_gross - depreciation
        sellable_mwh = np.minimum(self.deliverable_mwh, cap_share_mwh)
        now = np.where(
            sellable_mwh > 0, demanded_mwh / np.where(sellable_mwh > 0, sellable_mwh, 1.0), 1.0
        )
        # prices follow utilisation smoothed over ~3 months (exact exponential weights, so the
        # smoothing is the same for any step length); unsmoothed, suppliers and firms'
        # choices chase each other from step to step (a cobweb)
        self.utilisation = self.utilisation + (now - self.utilisation) * -math.expm1(
            -dt / UTILISATION_MEMORY_YEARS
        )
        # firms asked need x share x PUE_j of supplier j: their IT energy, all of them
        self.need_it_mwh_per_year = float((demanded_mwh / self.pue).sum()) / dt
        self._invest(ledger, np.minimum(demanded_mwh, cap_share_mwh) / (HOURS_PER_YEAR * dt))
        self._set_overhead(self.overhead_log2 - self.step_halvings_per_year * dt)

    def _invest(self, ledger: Ledger, demand_mw: FloatArray) -> None:
        """Order capacity when demand passes the threshold share of what is built or coming,
        up to demand x (1 + margin) / threshold (:func:`sim.capacity.order_up_to`:
        orders follow demand as it grows, so what is ordered by a date does not depend on the
        step length), as far as it pays and the supplier's cash allows.

        It pays while a MW costs no more on the region's supply curve than the supplier's margin
        before tax earns over the asset life at full use (:func:`sim.capacity.
        capacity_at_marginal_capex`); the region's suppliers together stop at the highest such
        level among them, short of the grid limit. Each pays its own base capex times the
        region's average curve factor over the step's orders (:func:`sim.capacity.capex_usd`);
        orders arrive, as a lump, one lead time after the end of this step. With
        ``capacity_retires`` the capacity planned for is what will still stand a lead time on,
        and with ``cuts_orders_in_flight`` orders above the level are cut first
        (:meth:`_plan`)."""
        p = self.p
        progress = self._pay_progress(ledger)  # paid on orders in flight [USD]
        where = self.region_index
        if self.retire_per_year.any() or self.cuts_orders.any():
            planned = self._plan(demand_mw)
        else:  # built and ordered all stand when an order placed now arrives
            planned = self.capacity_mw + self.pipeline_mw
        wanted = np.asarray(
            capacity.order_up_to(
                demand_mw, planned, p["invest_above_utilisation"], p["capacity_growth_per_order"]
            )
        )
        if not (wanted > 0.0).any():  # what is built and coming serves demand: no order
            self.invested_usd = progress
            return
        limit, eta = self.region_limit_mw[where], self.region_steepness[where]
        margin = self.price_usd_per_mwh - self.tax_usd_per_mwh - self.fuel_usd_per_mwh
        worth = np.maximum(margin, 0.0) * HOURS_PER_YEAR * p["asset_life_years"]
        ceiling = np.asarray(
            capacity.capacity_at_marginal_capex(limit, p["capex_usd_per_mw"], eta, worth)
        )
        committed = self.by_region(self.capacity_mw + self.pipeline_mw)  # on the supply curve
        top = np.full(len(committed), -np.inf)
        np.maximum.at(top, where, ceiling)
        # never all the way to the limit, even when capacity is free (capex 0)
        top = np.minimum(top, self.region_limit_mw * (1.0 - 1e-9))
        room = np.maximum(top - committed, 0.0)
        asked = self.by_region(wanted)
        fit = np.where(asked > room, room / np.where(asked > 0, asked, 1.0), 1.0)
        order_mw = wanted * fit[where]
        # own cash pays the unfinanced share at the region's average curve factor; the factor
        # only falls when orders are cut, so what is finally asked is affordable
        own_capex = (1.0 - p["capex_financed_share"]) * p["capex_usd_per_mw"]
        factor = self._curve_factor(committed, self.by_region(order_mw))[where]
        cost_own = own_capex * factor
        # against the cash not already owed on orders in flight (own share); none if a loss
        # since has left less than that (an order is never negative)
        free_cash = self.cash_usd
        if self.tranche_unpaid_usd.any():
            owed = np.bincount(self.tranche_owner, self.tranche_unpaid_usd, len(self))
            free_cash = free_cash - (1.0 - p["capex_financed_share"]) * owed
        affordable = np.maximum(free_cash, 0.0) / np.where(cost_own > 0, cost_own, 1.0)
        cut = np.where(cost_own > 0, np.minimum(order_mw, affordable), order_mw)
        if not np.array_equal(cut, order_mw):  # cash cut some orders, and with them the factor
            factor = self._curve_factor(committed, self.by_region(cut))[where]
        order_mw = cut
        capex = order_mw * p["capex_usd_per_mw"] * factor
        down = p["capex_down_payment_share"]
        ledger.transfer(
            "project finance", capex * down * p["capex_financed_share"], "investors", self.accounts
        )
        paid = ledger.transfer("capacity investment", capex * down, self.accounts, "outside")
        self.invested_usd = progress + paid
        self.capital_usd = self.capital_usd + paid  # (the progress payments are in already)
        owed_new = capex * (1.0 - down)
        self.capacity_cost_usd = self.capacity_cost_usd + (paid + owed_new)
        new = order_mw > 0
        if not new.any():
            return
        arrive_start, arrive_end = capacity.order_tranche(
            self.step_end_years, 0.0, self.lead_time_years[new]
        )
        self._set_tranches(
            np.concatenate([self.tranche_mw, order_mw[new]]),
            np.concatenate([self.tranche_start_years, np.atleast_1d(arrive_start)]),
            np.concatenate([self.tranche_end_years, np.atleast_1d(arrive_end)]),
            np.concatenate([self.tranche_owner, np.flatnonzero(new)]),
        )
        self.tranche_unpaid_usd = np.concatenate([self.tranche_unpaid_usd, owed_new[new]])

    def _plan(self, demand_mw: FloatArray) -> FloatArray:
        """What will stand a lead time on, when an order placed now arrives [MW], per supplier:
        what is built and ordered, net of retirement (:func:`sim.capacity.
        standing_and_cancellable_at`); those with ``cuts_orders_in_flight`` first cut their orders in
        flight, pro rata, so that it is no more than the level they order up to for
        ``demand_mw`` (:func:`sim.capacity.cancel_to_level`), saving what they still owed on
        the part cut and taking its cost out of the cost of capacity built and ordered."""
        p, owner = self.p, self.tranche_owner
        standing, pipeline = capacity.standing_and_cancellable_at(  # (every tranche in flight)
            self.step_end_years,
            self.lead_time_years,
            self.capacity_mw,
            self.tranche_mw,
            self.tranche_start_years,
            self.tranche_end_years,
            owner,
            self.retire_per_year,
            np.ones(len(owner), dtype=bool),
        )
        if not self.cuts_orders.any():
            return standing
        if not len(owner):  # nothing in flight to cut (the same numbers as below)
            self.cancelled_mw = np.zeros(len(self))
            return standing
        level = demand_mw * (1.0 + p["capacity_growth_per_order"]) / p["invest_above_utilisation"]
        keep = np.where(
            self.cuts_orders, np.asarray(capacity.cancel_to_level(standing, level, pipeline)), 1.0
        )
        self.cancelled_mw = self.pipeline_mw * (1.0 - keep)
        if not (keep < 1.0).any():
            return standing
        self.capacity_cost_usd = self.capacity_cost_usd - (
            self.cancelled_mw * self.average_capex_usd_per_mw
        )
        self.tranche_unpaid_usd = self.tranche_unpaid_usd * keep[owner]
        self._set_tranches(
            self.tranche_mw * keep[owner], self.tranche_start_years, self.tranche_end_years, owner
        )
        return standing - (1.0 - keep) * pipeline

    def _curve_factor(self, committed_mw: FloatArray, order_mw: FloatArray) -> FloatArray:
        """Each region's average cost of its orders on its supply curve, per MW at base capex
        [-]: capex_usd(K, K + Q) / (m0 Q), 1 on a flat curve or for no order."""
        cost = np.asarray(
            capacity.capex_usd(
                committed_mw,
                committed_mw + order_mw,
                self.region_limit_mw,
                1.0,
                self.region_steepness,
            )
        )
        return np.where(order_mw > 0, cost / np.where(order_mw > 0, order_mw, 1.0), 1.0)

    def outputs(self) -> dict[str, object]:
        out = super().outputs()
        out["site_efficiency"] = self.site_efficiency  # a supplier reports the link it owns
        return out


def _regional(name: str, values: FloatArray, suppliers: Suppliers) -> FloatArray:
    """One value per region of a parameter every supplier in the region states; a one-line
    :class:`UserError` when two suppliers of a region disagree."""
    n = len(suppliers.region_names)
    lo, hi = np.full(n, np.inf), np.full(n, -np.inf)
    np.minimum.at(lo, suppliers.region_index, values)
    np.maximum.at(hi, suppliers.region_index, values)
    differ = lo != hi
    if differ.any():
        r = int(np.argmax(differ))
        raise UserError(
            f"suppliers in region '{suppliers.region_names[r]}' state different {name} "
            f"({lo[r]:g} and {hi[r]:g}); a region has one"
        )
    return lo


class EnergySupplier(MarketAgent):
    """One energy supplier: a view on its row of :class:`Suppliers`."""

    agent_type = "supplier"
