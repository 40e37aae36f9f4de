"""The market model: a Mesa model whose step runs the efficiency race in explicit phases.

Each step of ``dt`` years:

1. policies in force are looked up; suppliers and vendors post offers (prices, deliverable
   energy and chips);
2. firms decide: budgets for chips and R&D, and token prices (the logit markup over the cost of
   a token);
3. the chip market clears: firms split their chip budgets over vendors by a logit on lifetime
   FLOP per dollar (export rules apply), vendors ration pro rata; chips run from this step;
4. the energy market clears (:func:`sim.markets.clear_energy`): firms ask for the energy to run
   their fleets and split it over suppliers by a logit on the price per IT MWh; suppliers
   ration pro rata when demand exceeds capacity, and so does an energy cap;
5. fleets run: each firm's logical compute is grid energy x site efficiency x chip FLOP/J x
   algorithmic efficiency, integrated exactly over the step
   (:func:`sim.production.step_logical_flop`); training moves it down the shared law;
6. the AI-services market clears within the step (:func:`sim.markets.clearing_prices`):
   buyers split their spending over firms and an outside option by a logit on quality and
   price; a firm short of capacity charges the price that clears it;
7. investors fund firms; accounts settle (R&D, compliance, costs, investment, profits);
   efficiency links advance at the rates the step was integrated with; data are collected;
   firms that ran out of money exit.

Every dollar goes through :class:`sim.ledger.Ledger`; the step's ledger imbalance and energy
balance are model outputs checked by tests and ``effrace validate``.
"""

from __future__ import annotations

import math
import operator

import mesa
import numpy as np

from agents.firm import AIFirm
from agents.supplier import EnergySupplier
from agents.vendor import HardwareVendor
from sim import law, markets, production
from sim.ledger import Ledger
from sim.params import HOURS_PER_YEAR, SECONDS_PER_YEAR, Scenario
from sim.policies import ActivePolicies, active_policies


def _names(name: str, count: int) -> list[str]:
    return [name] if count == 1 else [f"{name} {i + 1}" for i in range(count)]


class EfficiencyRaceModel(mesa.Model):
    """AI firms, hardware vendors and energy suppliers racing on efficiency.

    Parameters
    ----------
    scenario : the whole set-up (:class:`sim.params.Scenario`).
    rng : seed or generator for the model's random numbers; default ``scenario.run.seed``.
    """

    def __init__(
        self,
        scenario: Scenario,
        rng: int | np.random.SeedSequence | np.random.Generator | None = None,
        collect_agents: bool = True,
    ) -> None:
        super().__init__(rng=scenario.run.seed if rng is None else rng)
        self.config = scenario  # not `scenario`: Mesa >= 3.4 owns Model.scenario
        self.dt = scenario.run.dt_years
        self.ledger = Ledger(keep_entries=False)
        self.law = law.get_law(scenario.law.preset)
        if scenario.law.kappa is not None:
            self.law = law.ComputeLaw(
                loss_floor=self.law.loss_floor,
                k_coefficient=self.law.k_coefficient,
                kappa=scenario.law.kappa,
                source=f"{self.law.source}; kappa set to {scenario.law.kappa}",
            )
        fit_name = scenario.law.preset if scenario.law.preset in law.CHINCHILLA_FITS else "hoffmann"
        self.fit = law.CHINCHILLA_FITS[fit_name]
        # N_opt = G (C/6)^(beta/(alpha+beta)) as c * C^e, so firms can call it on floats cheaply
        exponent = self.fit.data_exponent / (self.fit.param_exponent + self.fit.data_exponent)
        self._optimal_params_form = (self.fit.g_coefficient / 6.0**exponent, exponent)

        self.initial_compute_flop: dict[int, float] = {}  # C0 of every firm, by agent id
        n_vendors = sum(v.count for v in scenario.vendors)
        for vp in scenario.vendors:
            for name in _names(vp.name, vp.count):
                HardwareVendor(self, vp, name, share=1.0 / n_vendors)
        for sp in scenario.suppliers:
            for name in _names(sp.name, sp.count):
                EnergySupplier(self, sp, name)
        for fp in scenario.firms:
            for name in _names(fp.name, fp.count):
                self._initial_fleet(AIFirm(self, fp, name))

        self.policies = active_policies(scenario.policies, scenario.run.start_year)
        self._reset_outputs()
        self.year = scenario.run.start_year
        self.datacollector = mesa.DataCollector(
            model_reporters={name: name for name in MODEL_OUTPUTS},
            # attrgetter rather than attribute names: Mesa wraps names in closures that
            # cannot be pickled, and a model must pickle (checkpoints, process pools)
            agent_reporters=(
                {name: operator.attrgetter(name) for name in AGENT_OUTPUTS}
                if collect_agents
                else None
            ),
        )

    # --- set-up ------------------------------------------------------------------------------
    @property
    def firms(self) -> mesa.agent.AgentSet:
        return self.agents_by_type.get(AIFirm, mesa.agent.AgentSet([], random=self.random))

    @property
    def vendors(self) -> list[HardwareVendor]:
        return list(self.agents_by_type[HardwareVendor])

    @property
    def suppliers(self) -> list[EnergySupplier]:
        return list(self.agents_by_type[EnergySupplier])

    def _initial_fleet(self, firm: AIFirm) -> None:
        """Give a firm its starting fleet and its starting model.

        The fleet was bought evenly over the last chip lifetime from the first vendor, each
        cohort with the design of its purchase date (back-cast at the vendor's own rate), so it
        ages out evenly rather than all at once.
        """
        p = firm.params
        vendor = self.vendors[0]
        life_steps = max(1, round(p.chip_lifetime_years / self.dt))
        # a frontier fleet, or one that never ages out, needs no vintages
        n_cohorts = 1 if p.fleet_at_frontier or life_steps > 10_000 else life_steps
        joule_rate = vendor.params.flop_per_joule_doublings_per_year
        for i in range(n_cohorts):
            age_years = (n_cohorts - 1 - i) * self.dt if n_cohorts > 1 else 0.0
            remaining = life_steps - (n_cohorts - 1 - i) if n_cohorts > 1 else life_steps
            chips = p.chips / n_cohorts
            flop_per_joule = vendor.flop_per_joule * 2.0 ** (-joule_rate * age_years)
            cost = chips * vendor.price_usd * remaining / life_steps
            firm.add_cohort(
                chips,
                vendor.flop_per_second_per_chip,
                flop_per_joule,
                cost,
                remaining,
                first_step=1,
            )
        if p.initial_compute_flop is not None:
            firm.cumulative_logical_flop = p.initial_compute_flop
        else:
            # the papers' C0 = E0 * P0 * tau0: tau0 years of today's fleet at today's efficiency
            supplier = self.suppliers[0]
            grid_joules_per_year = firm.watts / supplier.site_efficiency * SECONDS_PER_YEAR
            e0 = supplier.site_efficiency * 2.0 ** (
                firm.fleet_log2_flop_per_joule(vendor.log2_flop_per_joule)
                + firm.log2_algorithmic_efficiency
            )
            firm.cumulative_logical_flop = max(
                e0 * grid_joules_per_year * self.config.law.tau0_years, 1.0
            )
        self.initial_compute_flop[firm.unique_id] = firm.cumulative_logical_flop
        firm.update_quality()

    def params_per_model(self, compute_flop: float) -> float:
        """Compute-optimal parameter count N_opt of a model trained with ``compute_flop`` [FLOP]."""
        coefficient, exponent = self._optimal_params_form
        return coefficient * compute_flop**exponent

    # --- the step ----------------------------------------------------------------------------
    def _reset_outputs(self) -> None:
        for name in MODEL_OUTPUTS:
            setattr(self, name, math.nan)

    def step(self) -> None:
        scenario, dt = self.config, self.dt
        year0 = (
            scenario.run.start_year + (self.steps - 1) * dt
        )  # Mesa has already counted this step
        offset = year0 - scenario.run.start_year
        self.policies = pol = active_policies(scenario.policies, year0)
        firms = list(self.firms)
        vendors, suppliers = self.vendors, self.suppliers
        everyone = [*firms, *vendors, *suppliers]
        self._reset_outputs()  # nothing carries over from the last step (e.g. once all firms exit)
        self.ledger.open_step(everyone)
        for agent in everyone:
            agent.open_accounts()

        # 1. offers
        for s in suppliers:
            s.post_offer(offset, pol, dt)
        for v in vendors:
            v.post_offer(dt)
        market = scenario.market
        price = np.array([s.price_usd_per_mwh for s in suppliers])
        pue = np.array([s.pue for s in suppliers])
        energy_weights = markets.logit_shares(
            -market.energy_choice_sensitivity * np.log(price * pue), outside_option=False
        )
        usd_per_it_mwh = float(np.sum(energy_weights * price * pue))
        frontier = max(vendors, key=lambda v: v.log2_flop_per_joule)

        # 2. firms decide
        for f in firms:
            f.decide(usd_per_it_mwh, frontier.log2_flop_per_joule, dt)

        # 3. chip market: chips bought now run this step
        self._clear_chips(firms, vendors, usd_per_it_mwh, pol, dt)

        # 4. energy market
        for f in firms:
            f.plan_energy(usd_per_it_mwh, dt)
        cap_mwh = pol.energy_cap_mw * HOURS_PER_YEAR * dt
        demand, delivered, binding = markets.clear_energy(
            [f.energy_need_it_mwh for f in firms],
            energy_weights,
            pue,
            [s.deliverable_mwh for s in suppliers],
            cap_mwh,
        )
        self.energy_cap_binding = float(binding)
        for i, f in enumerate(firms):
            asked = float(demand[i].sum())
            f.energy_served_share = float(delivered[i].sum()) / asked if asked > 0 else 1.0
            for j, s in enumerate(suppliers):
                paid = f.pay(s, "energy", delivered[i, j] * price[j])
                s.revenue_usd += paid
                f.energy_usd += paid

        # 5. fleets run: exact integral over the step of exponentially improving links
        for s in suppliers:
            s.fix_step_rate(pol, dt)
        site_rate = np.array([s.step_doublings_per_year for s in suppliers])
        log2_site = np.log2([s.site_efficiency for s in suppliers])
        frontier_joule_rate = frontier.rates(pol)[0]
        log2_chip = np.array(
            [f.fleet_log2_flop_per_joule(frontier.log2_flop_per_joule) for f in firms]
        )
        log2_algo = np.array([f.log2_algorithmic_efficiency for f in firms])
        for f in firms:
            f.step_doublings_per_year = f.algorithmic_doublings_per_year(pol)
        firm_rate = np.array(
            [
                f.step_doublings_per_year
                + (frontier_joule_rate if f.params.fleet_at_frontier else 0.0)
                for f in firms
            ]
        )
        flop = production.step_logical_flop(
            delivered,
            production.log2_elogical(log2_site[None, :], log2_chip[:, None], log2_algo[:, None]),
            firm_rate[:, None] + site_rate[None, :],
            dt,
        )
        site = float(np.sum(energy_weights * np.exp2(log2_site)))
        for f, chip, algo, compute in zip(firms, log2_chip, log2_algo, flop, strict=True):
            f.site_efficiency = site
            f.chip_flop_per_joule = 2.0**chip
            f.algorithmic_efficiency = 2.0**algo
            f.elogical_flop_per_joule = site * 2.0 ** (chip + algo)
            f.run_fleet(float(compute), pol)

        # 6. AI-services market
        # buyers' potential spending this step, as a rate [USD/yr]: the exact mean over the step
        spending = (
            markets.logistic_integral(
                offset,
                offset + dt,
                market.spending_usd_per_year,
                market.spending_doublings_per_year,
                market.spending_ceiling_usd_per_year,
            )
            / dt
        )
        if market.demand_noise > 0:
            spending *= math.exp(
                market.demand_noise * self.rng.standard_normal() - market.demand_noise**2 / 2
            )
        self.spending_usd_per_year = float(spending)
        prices, shares = markets.clearing_prices(
            np.array([f.log_relative_excess_loss for f in firms]),
            np.array([f.price_usd_per_million_tokens for f in firms]),
            np.array([f.token_capacity for f in firms]),
            float(spending) * dt,
            market.quality_sensitivity,
            market.price_sensitivity,
            market.reference_price_usd_per_million_tokens,
        )
        offered = np.isfinite(prices)  # a firm with no serving capacity offers no tokens
        demanded_tokens = np.where(
            offered, shares * spending * dt * 1e6 / np.where(offered, prices, 1.0), 0.0
        )
        capacity = np.array([f.token_capacity for f in firms])
        served = np.minimum(demanded_tokens, capacity)
        revenue = np.where(served > 0, served * prices / 1e6, 0.0)
        for f, r, s, p in zip(firms, revenue, shares, prices, strict=True):
            f.price_usd_per_million_tokens = float(p)
            f.receive("buyers", "AI services", float(r))
            f.revenue_usd += float(r)
            f.market_share = float(s)

        # 7. funding, settlement, advance
        funding = markets.logistic_integral(
            offset,
            offset + dt,
            market.investor_funding_usd_per_year,
            market.investor_funding_doublings_per_year,
            market.investor_funding_ceiling_usd_per_year,
        )
        if firms:
            total_share = float(shares.sum())
            lead = (
                shares / total_share if total_share > 0 else np.full(len(firms), 1.0 / len(firms))
            )
            weight = market.funding_to_leaders * lead + (1 - market.funding_to_leaders) / len(firms)
            for f, w in zip(firms, weight, strict=True):
                f.receive("investors", "funding", float(funding * w))
        for f in firms:
            f.settle(pol, dt)
        sold = delivered.sum(axis=0)
        demanded = demand.sum(axis=0)
        # each supplier's share of the cap, in proportion to what firms asked of it
        if math.isfinite(cap_mwh):
            cap_share = cap_mwh * demanded / max(float(demanded.sum()), 1e-300)
        else:
            cap_share = np.full(len(suppliers), math.inf)
        for j, s in enumerate(suppliers):
            s.settle(float(sold[j]), float(demanded[j]), float(cap_share[j]), pol, dt)
        for v in vendors:
            v.advance(pol, dt)
        self._review_strategies(firms)
        self.year = year0 + dt
        self._record(firms, vendors, suppliers, delivered, demand, served, revenue, cap_mwh)
        self.datacollector.collect(self)
        for f in firms:
            if f.should_exit():
                f.pay("outside", "exit", f.cash_usd)
                f.remove()

    def _clear_chips(
        self,
        firms: list[AIFirm],
        vendors: list[HardwareVendor],
        usd_per_it_mwh: float,
        pol: ActivePolicies,
        dt: float,
    ) -> None:
        price = np.array([v.price_usd for v in vendors])
        flops = np.array([v.flop_per_second_per_chip for v in vendors])
        fpj = np.array([v.flop_per_joule for v in vendors])
        restricted = np.array([f.region == pol.export_region for f in firms], dtype=bool)
        fpj_offered = np.where(
            restricted[:, None], np.minimum(fpj, pol.export_max_flop_per_joule), fpj
        )
        flops_offered = flops * fpj_offered / fpj  # same watts per chip, downgraded to the limit
        lifetime = np.array([f.params.chip_lifetime_years for f in firms])
        value = markets.chip_value_flop_per_usd(
            flops_offered, fpj_offered, price, lifetime[:, None], usd_per_it_mwh
        )
        weights = markets.logit_shares(
            self.config.market.chip_choice_sensitivity * np.log(value), outside_option=False
        )
        budget = np.array([f.chip_budget_usd for f in firms])
        orders = budget[:, None] * weights / price
        if restricted.any() and math.isfinite(pol.export_quota_chips_per_year):
            quota = pol.export_quota_chips_per_year * dt
            total = orders.sum(axis=1)
            scale = np.where(restricted & (total > quota), quota / np.maximum(total, 1e-300), 1.0)
            orders *= scale[:, None]
        delivered = markets.ration(orders, [v.deliverable_chips for v in vendors], axis=0)
        for i, f in enumerate(firms):
            life = max(1, round(f.params.chip_lifetime_years / dt))  # runs from this step on
            for j, v in enumerate(vendors):
                if delivered[i, j] <= 0:
                    continue
                cost = f.pay(v, "chips", delivered[i, j] * price[j])
                f.chips_usd += cost
                v.revenue_usd += cost
                f.add_cohort(cost / price[j], flops_offered[i, j], fpj_offered[i, j], cost, life)
        sold = delivered.sum(axis=0)
        total = sold.sum()
        shares = sold / total if total > 0 else np.full(len(vendors), np.nan)
        for v, n, s in zip(vendors, sold, shares, strict=True):
            v.settle(float(n), float(s), pol, dt)
        self.hhi_chips = markets.hhi(sold)

    def _review_strategies(self, firms: list[AIFirm]) -> None:
        """At its reviews, an adaptive firm looks at one random rival and imitates it if the
        rival's recent profit rate is higher."""
        if len(firms) < 2:
            return
        for f in firms:
            if not f.params.adaptive:
                continue
            if self.steps % max(1, round(f.params.review_every_years / self.dt)):
                continue
            rival = firms[int(self.rng.integers(len(firms)))]
            if rival is not f:
                f.imitate(rival)

    def _record(
        self,
        firms: list[AIFirm],
        vendors: list[HardwareVendor],
        suppliers: list[EnergySupplier],
        delivered: np.ndarray,
        demand: np.ndarray,
        served: np.ndarray,
        revenue: np.ndarray,
        cap_mwh: float,
    ) -> None:
        dt = self.dt
        everyone = [*firms, *vendors, *suppliers]
        self.ledger_imbalance_usd = self.ledger.imbalance_usd(everyone)
        self.energy_delivered_mwh = float(delivered.sum())
        self.energy_demand_mwh = float(demand.sum())
        self.energy_capacity_mw = float(sum(s.capacity_mw for s in suppliers))
        self.energy_cap_mw = cap_mwh / (HOURS_PER_YEAR * dt) if math.isfinite(cap_mwh) else math.nan
        self.power_delivered_mw = self.energy_delivered_mwh / (HOURS_PER_YEAR * dt)
        self.emissions_t_co2 = float(sum(s.emissions_t_co2 for s in suppliers))
        tokens = float(served.sum())
        self.tokens_served = tokens
        self.price_usd_per_million_tokens = (
            float(revenue.sum() / tokens * 1e6) if tokens > 0 else math.nan
        )
        compute = sum(f.compute_logical_flop for f in firms)
        cost = sum(f.energy_usd + f.depreciation_usd_per_step for f in firms)
        self.cost_usd_per_logical_flop = cost / compute if compute > 0 else math.nan
        self.hhi_ai_services = markets.hhi(revenue)
        self.hhi_energy = markets.hhi(delivered.sum(axis=0))
        totals = {}
        for sector, group in (("firms", firms), ("vendors", vendors), ("suppliers", suppliers)):
            rev = sum(a.revenue_usd for a in group)
            profit = sum(a.profit_usd for a in group)
            totals[sector] = profit
            setattr(self, f"revenue_{sector}_usd", rev)
            setattr(self, f"profit_{sector}_usd", profit)
            setattr(self, f"margin_{sector}", profit / rev if rev > 0 else math.nan)
        total_profit = sum(totals.values())
        for sector, profit in totals.items():
            share = profit / total_profit if total_profit > 0 else math.nan
            setattr(self, f"profit_share_{sector}", share)
        self.n_firms_active = len(firms)
        if firms:
            best = min(firms, key=lambda f: f.loss)
            self.best_loss = best.loss
            self.best_relative_excess_loss = best.relative_excess_loss
            self.best_cumulative_logical_flop = best.cumulative_logical_flop
        self.energy_spend_firms_usd = sum(f.energy_usd for f in firms)
        self.chip_spend_firms_usd = sum(f.chips_usd for f in firms)
        self.rnd_spend_firms_usd = sum(f.rnd_usd for f in firms)
        self.compute_logical_flop = compute
        self.spending_captured_share = float(revenue.sum() / (self.spending_usd_per_year * dt))


MODEL_OUTPUTS = {
    "year": ("calendar year", "Calendar time at the end of the step."),
    "ledger_imbalance_usd": (
        "USD",
        "Sum over agents of |change in cash - booked net flow| this step; 0 up to rounding.",
    ),
    "energy_demand_mwh": ("MWh", "Grid energy firms asked for this step (before rationing)."),
    "energy_delivered_mwh": ("MWh", "Grid energy delivered to AI firms this step."),
    "power_delivered_mw": ("MW", "Average power delivered this step."),
    "energy_capacity_mw": ("MW", "Suppliers' installed capacity at the end of the step."),
    "energy_cap_mw": ("MW", "Energy cap in force (NaN when none)."),
    "energy_cap_binding": ("0/1", "1 when the cap cut deliveries this step."),
    "emissions_t_co2": ("tCO2", "Emissions of the energy delivered this step."),
    "spending_usd_per_year": (
        "USD/yr",
        "Buyers' potential spending on AI services (after the demand shock).",
    ),
    "spending_captured_share": (
        "-",
        "Share of potential spending that firms earned (the rest went to the outside option or was unserved).",
    ),
    "tokens_served": ("tokens", "Tokens served this step, all firms."),
    "price_usd_per_million_tokens": ("USD/Mtoken", "Average price paid for tokens this step."),
    "cost_usd_per_logical_flop": (
        "USD/logical FLOP",
        "Firms' energy and chip depreciation per logical FLOP produced.",
    ),
    "hhi_ai_services": (
        "0-1",
        "Herfindahl index of AI-services revenue (x10,000 for the antitrust scale).",
    ),
    "hhi_chips": ("0-1", "Herfindahl index of chips sold."),
    "hhi_energy": ("0-1", "Herfindahl index of energy sold."),
    "revenue_firms_usd": ("USD", "Revenue of all AI firms this step."),
    "revenue_vendors_usd": ("USD", "Revenue of all hardware vendors this step."),
    "revenue_suppliers_usd": ("USD", "Revenue of all energy suppliers this step."),
    "profit_firms_usd": (
        "USD",
        "Profit of all AI firms this step (revenue + subsidies - costs - depreciation).",
    ),
    "profit_vendors_usd": ("USD", "Profit of all hardware vendors this step."),
    "profit_suppliers_usd": ("USD", "Profit of all energy suppliers this step."),
    "margin_firms": ("-", "Profit / revenue of the AI firms (NaN without revenue)."),
    "margin_vendors": ("-", "Profit / revenue of the vendors."),
    "margin_suppliers": ("-", "Profit / revenue of the suppliers."),
    "profit_share_firms": (
        "-",
        "Firms' share of the three sectors' total profit (NaN when the total is <= 0).",
    ),
    "profit_share_vendors": ("-", "Vendors' share of total profit."),
    "profit_share_suppliers": ("-", "Suppliers' share of total profit."),
    "energy_spend_firms_usd": ("USD", "Firms' spending on energy this step."),
    "chip_spend_firms_usd": ("USD", "Firms' spending on chips this step."),
    "rnd_spend_firms_usd": ("USD", "Firms' gross R&D spending this step."),
    "compute_logical_flop": ("logical FLOP", "Logical compute produced by all fleets this step."),
    "n_firms_active": ("firms", "Firms still in the market before exits this step."),
    "best_loss": ("nats/token", "Lowest loss among firms."),
    "best_relative_excess_loss": ("-", "Relative excess loss of the leader, (L - E)/(L_ref - E)."),
    "best_cumulative_logical_flop": ("logical FLOP", "Training compute of the leader."),
}

AGENT_OUTPUTS = {
    "agent_type": ("-", "firm, vendor or supplier."),
    "name": ("-", "The agent's label."),
    "cash_usd": ("USD", "Cash at the end of the step."),
    "revenue_usd": ("USD", "Revenue this step."),
    "profit_usd": ("USD", "Profit this step."),
    "cumulative_logical_flop": ("logical FLOP", "Firms: training compute in the firm's model."),
    "loss": ("nats/token", "Firms: loss on the shared law."),
    "relative_excess_loss": ("-", "Firms: (L - E)/(L_ref - E) against the reference model."),
    "elogical_flop_per_joule": (
        "logical FLOP/J",
        "Firms: logical FLOP per grid joule this step (site x chip x algorithms).",
    ),
    "market_share": ("-", "Firms: share of buyers' potential spending chosen this step."),
    "compute_logical_flop": (
        "logical FLOP",
        "Firms: logical compute the fleet produced this step.",
    ),
    "training_logical_flop": ("logical FLOP", "Firms: compute that went into training this step."),
    "site_efficiency": ("IT J/grid J", "Firms: link 1, 1/PUE of the energy bought (weighted)."),
    "chip_flop_per_joule": ("FLOP/J", "Firms: link 2, physical FLOP per IT joule of the fleet."),
    "algorithmic_efficiency": ("logical FLOP/FLOP", "Firms: link 3, logical per physical FLOP."),
    "price_usd_per_million_tokens": ("USD/Mtoken", "Firms: price of its tokens."),
}
