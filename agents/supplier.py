"""Energy suppliers: power capacity with lead times, scarcity prices, site efficiency (PUE)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from agents.base import AgentTable, FloatArray, MarketAgent, column
from sim import markets
from sim.ledger import Ledger
from sim.params import HOURS_PER_YEAR, SupplierParams
from sim.policies import ActivePolicies

UTILISATION_MEMORY_YEARS = 0.25


class Suppliers(AgentTable):
    """All energy suppliers, one row each: they sell grid energy to AI firms and own the first
    link of the chain, site efficiency 1/PUE.

    The overhead PUE - 1 halves every ``pue_overhead_halving_years`` (faster with R&D), so PUE
    falls towards but never below 1. A supplier orders capacity when demand nears what it has,
    which arrives after a lead time (held in a ring of slots by arrival step), and prices
    energy at cost plus a markup that rises steeply with utilisation.
    """

    kind = "supplier"
    input_reasons = ("generation",)

    def __init__(
        self, params: Sequence[SupplierParams], names: Sequence[str], steps_per_year: int
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
                "asset_life_years",
            )
        }
        self.p = p
        self.capacity_mw = column(params, "capacity_mw")
        self.lead_steps = np.maximum(
            1, np.round(column(params, "lead_time_years") * steps_per_year)
        ).astype(int)
        self.ring = int(self.lead_steps.max(initial=1)) + 1
        self.pipeline_mw = np.zeros((n, self.ring))  # capacity arriving at step = slot (mod ring)
        pue = column(params, "pue")
        with np.errstate(divide="ignore"):
            self.overhead_log2 = np.where(pue > 1.0, np.log2(np.maximum(pue - 1.0, 0.0)), -np.inf)
        self.utilisation = np.full(n, 0.5)
        self.capital_usd = self.capacity_mw * p["capex_usd_per_mw"]
        self.price_usd_per_mwh = p["cost_usd_per_mwh"].copy()
        self.unit_cost_usd_per_mwh = p["cost_usd_per_mwh"].copy()
        self.deliverable_mwh = np.zeros(n)
        self.sold_mwh = np.zeros(n)
        self.emissions_t_co2 = np.zeros(n)
        self.step_halvings_per_year = np.zeros(n)
        self.step_doublings_per_year = np.zeros(n)
        # capital recovery priced into each MWh at full use: capex / (life x hours)
        self.capital_charge_usd_per_mwh = p["capex_usd_per_mw"] / (
            p["asset_life_years"] * HOURS_PER_YEAR
        )

    # --- the efficiency link ---------------------------------------------------------------
    @property
    def pue(self) -> FloatArray:
        return 1.0 + np.exp2(self.overhead_log2)

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
        """Take delivery of capacity due now; set this step's price [USD/MWh] and deliverable
        energy [MWh]."""
        slot = step % self.ring
        self.capacity_mw = self.capacity_mw + self.pipeline_mw[:, slot]
        self.pipeline_mw[:, slot] = 0.0
        p = self.p
        fuel = p["cost_usd_per_mwh"] * (1.0 - p["cost_decline_per_year"]) ** year_offset
        self.unit_cost_usd_per_mwh = (
            fuel + policies.carbon_tax_usd_per_t_co2 * p["carbon_t_per_mwh"]
        )
        self.price_usd_per_mwh = markets.scarcity_price(
            self.unit_cost_usd_per_mwh + self.capital_charge_usd_per_mwh,
            self.utilisation,
            p["base_markup"],
            p["scarcity_markup"],
        )
        self.deliverable_mwh = self.capacity_mw * HOURS_PER_YEAR * dt

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
        energy cap (inf without one). Scarcity is measured against what it may sell, capacity or
        cap share, so a binding cap raises its price (the cap's rent); it invests only for
        demand it may serve."""
        p = self.p
        tax_rate = policies.carbon_tax_usd_per_t_co2
        self.sold_mwh = sold_mwh
        self.emissions_t_co2 = sold_mwh * p["carbon_t_per_mwh"]
        fuel = ledger.transfer(
            "generation",
            sold_mwh * (self.unit_cost_usd_per_mwh - tax_rate * p["carbon_t_per_mwh"]),
            self.accounts,
            "outside",
        )
        tax = ledger.transfer(
            "carbon tax", tax_rate * self.emissions_t_co2, self.accounts, "government"
        )
        rnd_gross, subsidy = self.do_rnd(
            ledger, p["rnd_share"] * self.revenue_usd(), policies.rnd_subsidy_rate["suppliers"], dt
        )
        depreciation = self.capital_usd * -np.expm1(-dt / p["asset_life_years"])  # exact decay
        self.capital_usd = self.capital_usd - depreciation
        self.profit_usd = self.revenue_usd() + subsidy - fuel - tax - rnd_gross - depreciation
        capacity_mwh = self.capacity_mw * HOURS_PER_YEAR * dt
        sellable_mwh = np.minimum(capacity_mwh, cap_share_mwh)
        now = np.where(
            sellable_mwh > 0, demanded_mwh / np.where(sellable_mwh > 0, sellable_mwh, 1.0), 1.0
        )
        # prices follow utilisation smoothed over ~3 months (exact exponential weights, so the
        # smoothing is the same for any step length); unsmoothed, suppliers and firms'
        # choices chase each other from step to step (a cobweb)
        self.utilisation = self.utilisation + (now - self.utilisation) * -math.expm1(
            -dt / UTILISATION_MEMORY_YEARS
        )
        self._invest(ledger, step, np.minimum(demanded_mwh, cap_share_mwh) / (HOURS_PER_YEAR * dt))
        self.overhead_log2 = self.overhead_log2 - self.step_halvings_per_year * dt

    def _invest(self, ledger: Ledger, step: int, demand_mw: FloatArray) -> None:
        """Order capacity when demand passes the threshold share of what is built or coming:
        enough to bring demand back to the threshold with a margin (the order size), so the
        orders placed do not depend on the step length."""
        p = self.p
        planned = self.capacity_mw + self.pipeline_mw.sum(axis=1)
        threshold = p["invest_above_utilisation"]
        target = demand_mw * (1.0 + p["capacity_growth_per_order"]) / threshold
        order_mw = target - planned
        own_share = 1.0 - p["capex_financed_share"]
        own_capex = own_share * p["capex_usd_per_mw"]
        affordable = self.cash_usd / np.where(own_capex > 0, own_capex, 1.0)
        order_mw = np.where(own_capex > 0, np.minimum(order_mw, affordable), order_mw)
        order_mw = np.where((demand_mw > threshold * planned) & (order_mw > 0), order_mw, 0.0)
        capex = order_mw * p["capex_usd_per_mw"]
        ledger.transfer(
            "project finance", capex * p["capex_financed_share"], "investors", self.accounts
        )
        self.capital_usd = self.capital_usd + ledger.transfer(
            "capacity investment", capex, self.accounts, "outside"
        )
        rows = np.arange(len(self))
        self.pipeline_mw[rows, (step + self.lead_steps) % self.ring] += order_mw

    def outputs(self) -> dict[str, object]:
        out = super().outputs()
        out["site_efficiency"] = self.site_efficiency  # a supplier reports the link it owns
        return out


class EnergySupplier(MarketAgent):
    """One energy supplier: a view on its row of :class:`Suppliers`."""

    agent_type = "supplier"
