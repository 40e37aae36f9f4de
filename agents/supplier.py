"""Energy supplier: power capacity with lead times, scarcity prices, site efficiency (PUE)."""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

from agents.base import MarketAgent
from sim import markets
from sim.params import HOURS_PER_YEAR, SupplierParams

if TYPE_CHECKING:
    from sim.model import EfficiencyRaceModel
    from sim.policies import ActivePolicies


UTILISATION_MEMORY_YEARS = 0.25


class EnergySupplier(MarketAgent):
    """Sells grid energy to AI firms and owns the first link of the chain, site efficiency 1/PUE.

    Its overhead PUE - 1 halves every ``pue_overhead_halving_years`` (faster with R&D), so PUE
    falls towards but never below 1. It orders capacity when demand nears what it has, which
    arrives after a lead time, and prices energy at cost plus a markup that rises steeply with
    utilisation.
    """

    agent_type = "supplier"

    def __init__(self, model: EfficiencyRaceModel, params: SupplierParams, name: str) -> None:
        super().__init__(model, name, params.cash_usd)
        self.params = params
        self.capacity_mw = params.capacity_mw
        self.pipeline: deque[tuple[int, float]] = deque()  # (arrival step, MW)
        self.overhead_log2 = math.log2(params.pue - 1.0) if params.pue > 1.0 else -math.inf
        self.utilisation = 0.5
        self.capital_usd = params.capacity_mw * params.capex_usd_per_mw
        self.price_usd_per_mwh = params.cost_usd_per_mwh
        self.sold_mwh = 0.0
        self.emissions_t_co2 = 0.0
        self.step_halvings_per_year = self.step_doublings_per_year = 0.0

    # --- the efficiency link ---------------------------------------------------------------
    @property
    def pue(self) -> float:
        return 1.0 + 2.0**self.overhead_log2

    @property
    def site_efficiency(self) -> float:
        """IT joules per grid joule, 1/PUE [-]."""
        return 1.0 / self.pue

    def overhead_halvings_per_year(self, policies: ActivePolicies) -> float:
        p = self.params
        extra = self.rnd_extra_doublings_per_year()
        return max(
            0.0,
            1.0 / p.pue_overhead_halving_years + extra + policies.shock_doublings_per_year["site"],
        )

    def fix_step_rate(self, policies: ActivePolicies, dt: float) -> None:
        """Fix this step's overhead halving rate and the doubling rate of 1/PUE it implies
        [doublings/yr]; the fleet integrates the step with it and :meth:`settle` advances by it."""
        self.step_halvings_per_year = self.overhead_halvings_per_year(policies)
        after = self.overhead_log2 - self.step_halvings_per_year * dt
        self.step_doublings_per_year = (math.log2(self.pue) - math.log2(1.0 + 2.0**after)) / dt

    # --- phases ----------------------------------------------------------------------------
    def cost_usd_per_mwh(self, year_offset: float, policies: ActivePolicies) -> float:
        p = self.params
        fuel = p.cost_usd_per_mwh * (1.0 - p.cost_decline_per_year) ** year_offset
        return fuel + policies.carbon_tax_usd_per_t_co2 * p.carbon_t_per_mwh

    @property
    def capital_charge_usd_per_mwh(self) -> float:
        """Capital recovery priced into each MWh at full use: capex / (life x hours)."""
        return self.params.capex_usd_per_mw / (self.params.asset_life_years * HOURS_PER_YEAR)

    def post_offer(self, year_offset: float, policies: ActivePolicies, dt: float) -> None:
        """Set this step's price [USD/MWh] and deliverable energy [MWh]."""
        p = self.params
        while self.pipeline and self.pipeline[0][0] <= self.model.steps:
            self.capacity_mw += self.pipeline.popleft()[1]
        self.unit_cost_usd_per_mwh = self.cost_usd_per_mwh(year_offset, policies)
        self.price_usd_per_mwh = float(
            markets.scarcity_price(
                self.unit_cost_usd_per_mwh + self.capital_charge_usd_per_mwh,
                self.utilisation,
                p.base_markup,
                p.scarcity_markup,
            )
        )
        self.deliverable_mwh = self.capacity_mw * HOURS_PER_YEAR * dt

    def settle(
        self,
        sold_mwh: float,
        demanded_mwh: float,
        cap_share_mwh: float,
        policies: ActivePolicies,
        dt: float,
    ) -> None:
        """Book the step's sales (already paid by firms), pay costs and tax, invest, advance.

        ``demanded_mwh`` is what firms asked of this supplier; ``cap_share_mwh`` its share of an
        energy cap (inf without one). Scarcity is measured against what it may sell, capacity or
        cap share, so a binding cap raises its price (the cap's rent); it invests only for
        demand it may serve."""
        p, model = self.params, self.model
        self.sold_mwh = sold_mwh
        self.emissions_t_co2 = sold_mwh * p.carbon_t_per_mwh
        fuel = sold_mwh * (
            self.unit_cost_usd_per_mwh - policies.carbon_tax_usd_per_t_co2 * p.carbon_t_per_mwh
        )
        tax = policies.carbon_tax_usd_per_t_co2 * self.emissions_t_co2
        fuel = self.pay("outside", "generation", fuel)
        tax = self.pay("government", "carbon tax", tax)
        rnd_gross, subsidy = self.do_rnd(
            p.rnd_share * self.revenue_usd, policies.rnd_subsidy_rate["suppliers"], dt
        )
        depreciation = self.capital_usd * -math.expm1(-dt / p.asset_life_years)  # exact decay
        self.capital_usd -= depreciation
        self.profit_usd = self.revenue_usd + subsidy - fuel - tax - rnd_gross - depreciation
        capacity_mwh = self.capacity_mw * HOURS_PER_YEAR * dt
        sellable_mwh = min(capacity_mwh, cap_share_mwh)
        now = demanded_mwh / sellable_mwh if sellable_mwh > 0 else 1.0
        # prices follow utilisation smoothed over ~3 months (exact exponential weights, so the
        # smoothing is the same for any step length); unsmoothed, suppliers and firms'
        # choices chase each other from step to step (a cobweb)
        self.utilisation += (now - self.utilisation) * -math.expm1(-dt / UTILISATION_MEMORY_YEARS)
        self._invest(min(demanded_mwh, cap_share_mwh) / (HOURS_PER_YEAR * dt), model)
        self.overhead_log2 -= self.step_halvings_per_year * dt

    def _invest(self, demand_mw: float, model: EfficiencyRaceModel) -> None:
        """Order capacity when demand passes the threshold share of what is built or coming:
        enough to bring demand back to the threshold with a margin (the order size), so the
        orders placed do not depend on the step length."""
        p = self.params
        planned = self.capacity_mw + sum(mw for _, mw in self.pipeline)
        if demand_mw <= p.invest_above_utilisation * planned:
            return
        target = demand_mw * (1.0 + p.capacity_growth_per_order) / p.invest_above_utilisation
        order_mw = target - planned
        own_share = 1.0 - p.capex_financed_share
        if p.capex_usd_per_mw > 0 and own_share > 0:
            order_mw = min(order_mw, self.cash_usd / (own_share * p.capex_usd_per_mw))
        if order_mw <= 0:
            return
        capex = order_mw * p.capex_usd_per_mw
        self.receive("investors", "project finance", capex * p.capex_financed_share)
        self.capital_usd += self.pay("outside", "capacity investment", capex)
        arrival = model.steps + max(1, round(p.lead_time_years * model.config.run.steps_per_year))
        self.pipeline.append((arrival, order_mw))
