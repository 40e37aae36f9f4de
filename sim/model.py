"""The market model: a Mesa model whose step runs the efficiency race as a list of phases.

Agents of each type are rows of arrays (:mod:`agents`), so every phase works on all agents of a
type at once. Each step of ``dt`` years:

1. offers: suppliers and vendors post prices and what they can deliver;
2. decisions: firms set budgets for chips and R&D and price their tokens (the logit markup over
   the cost of a token);
3. the chip market clears (:func:`sim.markets.clear_chips`): scarcity prices and rationing
   where demand outruns vendors' capacity, export rules; chips bought now run this step, and
   vendors order capacity, which arrives after a lead time;
4. the energy market clears (:func:`sim.markets.clear_energy`): suppliers ration pro rata when
   demand exceeds capacity, and so does an energy cap;
5. production: each firm's logical compute is grid energy x site efficiency x chip FLOP/J x
   algorithmic efficiency, integrated over the step by quadrature
   (:func:`sim.production.step_logical_flop_on_nodes`; for exponential links it equals the
   closed form :func:`sim.production.step_logical_flop` to about 1e-13); training moves it
   down the shared law;
6. the AI-services market clears within the step (:func:`sim.demand.clear_services_market`):
   buyers choose among the firms, an open model and not buying; firms price at the
   Bertrand-Nash equilibrium, above it where capacity binds;
7. finance: investors fund firms whose expected returns beat their hurdle;
8. settlement: R&D, compliance, costs, investment and profits; dividends; efficiency links
   advance (algorithms with random breakthroughs and spillovers toward the frontier);
9. strategy reviews, the step's record (value capture included), and exits of firms that ran
   out of money.

Every dollar moves through :class:`sim.ledger.Ledger`; the step's ledger imbalance and energy
balance are model outputs checked by tests and ``effrace validate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
import pandas as pd

from agents.base import AgentTable, MarketAgent
from agents.firm import AIFirm, Firms
from agents.supplier import EnergySupplier, Suppliers
from agents.vendor import HardwareVendor, Vendors
from sim import data, demand, finance, innovation, law, markets, physics, production, specialisation
from sim.ledger import Accounts, Ledger
from sim.params import HOURS_PER_YEAR, Scenario
from sim.policies import ActivePolicies, active_policies, levers_in_force

Seed = int | np.random.SeedSequence | np.random.Generator

STREAMS = {"entry": 0, "demand": 1, "breakthroughs": 2, "strategy": 3}
"""Mechanisms that draw random numbers, each from a stream of its own per step
(:meth:`EfficiencyRaceModel.step_rng`; entry draws its thresholds once, at step 0) -> its
number in the stream's key."""
STREAM_TAG = 0x5EED
"""First element of the streams' keys after the seed's own: it sets them apart from the
children a seed's ``SeedSequence.spawn`` makes (keys 0, 1, ..., such as a sweep's replications
when they are given a spawned seed) as long as fewer than 24,301 are spawned."""


def _names(name: str, count: int) -> list[str]:
    return [name] if count == 1 else [f"{name} {i + 1}" for i in range(count)]


def expand_entries(entries: tuple[Any, ...]) -> tuple[list[Any], list[str]]:
    """One row per agent: an entry with ``count`` n stands for n numbered copies."""
    params, names = [], []
    for entry in entries:
        for name in _names(entry.name, entry.count):
            params.append(entry)
            names.append(name)
    return params, names


@dataclass(frozen=True)
class Offers:
    """What suppliers and vendors offer at the start of a step."""

    energy_weights: np.ndarray  # firms' split of energy over suppliers (logit on USD per IT MWh)
    usd_per_it_mwh: float  # the average price of an IT MWh at that split [USD/MWh]
    frontier: int  # the vendor with the most efficient design


@dataclass(frozen=True)
class EnergySettlement:
    demand_mwh: np.ndarray  # [firm, supplier] grid MWh asked
    delivered_mwh: np.ndarray  # [firm, supplier] grid MWh delivered
    cap_mwh: float  # the cap in force this step [grid MWh], inf for none
    suppliers_demand_mwh: np.ndarray  # [firm, supplier] asked at the permit price [grid MWh]
    cap_auctioned: bool  # a cap is sold by permits (suppliers see no cap share)


class _OutputCollector(mesa.DataCollector):
    """Mesa's DataCollector for :data:`MODEL_OUTPUTS`, attributes of the model that are plain
    numbers: :meth:`collect` appends them as they are, without the deep copy Mesa makes of
    each reporter's value (a copy of a number is the same number), the slowest part of it."""

    def collect(self, model: mesa.Model) -> None:
        steps = getattr(self, "_collection_steps", None)
        if steps is not None:  # Mesa >= 3.4 records when it collected (batch_run reads it)
            steps.append(model.time)
        values = vars(model)
        for name, column in self.model_vars.items():
            column.append(values[name])


def _totals(**columns: np.ndarray) -> dict[str, float]:
    """The sum of each of ``columns`` (arrays over the same agents), in one reduction: a row
    of a 2-D array sums to the same number as the 1-D array on its own."""
    stacked = np.array(list(columns.values()), dtype=float)
    return dict(zip(columns, stacked.sum(axis=1).tolist(), strict=True))


def _sums(record: dict[str, Any], **columns: np.ndarray) -> dict[str, float]:
    """:func:`_totals` of the agents' income statement (``revenue_usd``, ``profit_usd``,
    ``costs_usd``, ``value_added_usd`` of ``record``) and of each of ``columns``."""
    income = ("revenue_usd", "profit_usd", "costs_usd", "value_added_usd")
    return _totals(**{name: record[name] for name in income}, **columns)


class EfficiencyRaceModel(mesa.Model):
    """AI firms, hardware vendors and energy suppliers racing on efficiency.

    Parameters
    ----------
    scenario : the whole set-up (:class:`sim.params.Scenario`), or the name or path of a
        scenario file (:func:`sim.scenario.load_scenario`).
    rng : seed or generator for the model's random numbers; ``None`` draws fresh entropy (as
        Mesa does) and records it in ``model.seed``, so the run can be repeated. An int or a
        :class:`numpy.random.SeedSequence` keys every mechanism's streams (:meth:`step_rng`);
        a generator gives them entropy drawn from it.
    collect_agents : keep the agents table (one row per agent per step); sweeps that read
        model-level columns only switch it off.
    **kwargs : scenario parameters as keywords, a double underscore for each dot
        (``law__kappa=0.2``, ``firms__2__chip_share=0.5``;
        :func:`sim.scenario.overrides_from_kwargs`), so that Mesa's ``batch_run`` and SolaraViz
        can set them; each is kept as an attribute of the model (``model.law__kappa``).
    """

    def __init__(
        self,
        scenario: Scenario | str = "baseline",
        *,
        rng: Seed | None = None,
        collect_agents: bool = True,
        **kwargs: Any,
    ) -> None:
        from sim import scenario as scenarios

        overrides = scenarios.overrides_from_kwargs(kwargs)
        if isinstance(scenario, str):
            scenario = scenarios.load_scenario(scenario, overrides)
        elif overrides:
            raw = scenarios.apply_overrides(scenarios.to_dict(scenario), overrides)
            scenario = scenarios.from_dict(raw, scenario.name)
        if rng is None:
            rng = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
        super().__init__(rng=rng)
        self.seed = rng if isinstance(rng, int) else None
        # the root of every mechanism's streams (step_rng): the seed's own SeedSequence, or,
        # for a generator passed in, entropy drawn from it (two models given one generator
        # differ, as they would drawing from it in turn)
        self._stream_root: np.random.SeedSequence = (
            np.random.SeedSequence(rng.integers(2**63, size=2).tolist())
            if isinstance(rng, np.random.Generator)
            else self.rng.bit_generator.seed_seq
        )
        self.config = scenario  # not `scenario`: Mesa >= 3.4 owns Model.scenario
        for keyword, value in kwargs.items():
            setattr(self, keyword, value)  # as Mesa's batch_run reports model parameters
        self.dt = scenario.run.dt_years
        self.ledger = Ledger()
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

        self.vendor_table = Vendors(
            *expand_entries(scenario.vendors), scenario.market.chip_choice_sensitivity
        )
        self.supplier_table = Suppliers(
            *expand_entries(scenario.suppliers),
            scenario.run.steps_per_year,
            scenario.market.energy_choice_sensitivity,
        )
        self.firm_table = Firms(
            *expand_entries(scenario.firms),
            self.fit,
            self.law,
            scenario.law.reference_compute_flop,
            self.dt,
        )
        # firms that enter later wait in a pool of their own, with no cash until they enter
        self.entrant_pool = self.firm_table.split(
            self.firm_table.entry_year > scenario.run.start_year
        )
        # entry is a hazard: the next entrant comes when the hazard accumulated since the last
        # entry reaches its threshold, an Exp(1) draw made now (from a stream of its own)
        self._entry_thresholds = self.step_rng("entry").exponential(size=len(self.entrant_pool))
        self._entry_hazard = 0.0
        # Mesa agents are views on the rows, created in this order (their unique ids)
        for table, cls in (
            (self.vendor_table, HardwareVendor),
            (self.supplier_table, EnergySupplier),
            (self.firm_table, AIFirm),
        ):
            for row in range(len(table)):
                cls(self, table, row)
        self.tables: tuple[AgentTable, ...] = (
            self.vendor_table,
            self.supplier_table,
            self.firm_table,
        )
        for table in self.tables:
            self.ledger.transfer(
                "initial capital", [p.cash_usd for p in table.params], "investors", table.accounts
            )
        # the stock the first models saw
        self.firm_table.set_human_data(np.full(len(self.firm_table), scenario.law.data_tokens))
        self.firm_table.synthetic_cost_factor = scenario.law.synthetic_cost_factor
        self.firm_table.synthetic_ceiling = scenario.law.synthetic_ceiling
        self._initial_fleet()
        # what investors put in in kind: the starting fleets, power plants and chip capacity,
        # at book value (their cash came through the ledger above)
        self._assets_in_kind_usd = float(
            self.firm_table.fleet_book_usd.sum()
            + self.supplier_table.capital_usd.sum()
            + self.vendor_table.capital_usd.sum()
        )
        self.initial_compute_flop: dict[int, float] = {
            v.unique_id: float(c)
            for v, c in zip(
                self.firm_table.views, self.firm_table.cumulative_logical_flop, strict=True
            )
        }
        self.policies = active_policies(scenario.policies, scenario.run.start_year)
        self._government_balance = 0.0
        self.year = scenario.run.start_year
        self._levers = levers_in_force(scenario.policies, self.year)
        self._lever_changed = False  # whether a lever started or stopped this step
        self._reset_outputs()
        self.collect_agents = collect_agents
        self._agent_records: list[dict[str, Any]] = []
        self.datacollector = _OutputCollector(model_reporters={k: k for k in MODEL_OUTPUTS})

    # --- Mesa views --------------------------------------------------------------------------
    @property
    def firms(self) -> mesa.agent.AgentSet:
        return self.agents_by_type.get(AIFirm, mesa.agent.AgentSet([], random=self.random))

    @property
    def vendors(self) -> list[HardwareVendor]:
        return list(self.agents_by_type[HardwareVendor])

    @property
    def suppliers(self) -> list[EnergySupplier]:
        return list(self.agents_by_type[EnergySupplier])

    @property
    def accounts(self) -> tuple[Accounts, ...]:
        """Every agent type's cash and flows (:class:`sim.ledger.Accounts`)."""
        return tuple(t.accounts for t in self.tables)

    # --- set-up ------------------------------------------------------------------------------
    def _initial_fleet(self) -> None:
        """Give every firm its starting fleet, from the first vendor, and its starting model."""
        vendors, site = self.vendor_table, float(self.supplier_table.site_efficiency[0])
        self.firm_table.buy_starting_fleet(
            float(vendors.flop_per_second_per_chip[0]),
            float(vendors.flop_per_joule[0]),
            float(vendors.price_usd[0]),
            float(vendors.past_joule_doublings_per_year[0]),
            self.dt,
        )
        self.firm_table.set_starting_model(
            site, float(vendors.log2_flop_per_joule[0]), self.config.law.tau0_years
        )

    # --- the step ----------------------------------------------------------------------------
    def step(self) -> None:
        """One step of ``dt`` years, phase by phase (the module docstring says what each does)."""
        policies = self._open_step()
        offers = self._post_offers(policies)
        self.firm_table.decide(
            self.steps,
            offers.usd_per_it_mwh,
            self._frontier_log2_fpj(offers),
            self.config.market,
            policies,
            self.dt,
        )
        self._chip_market(offers, policies)
        energy = self._energy_market(offers, policies)
        self._production(offers, energy, policies)
        services = self._services_market()
        self.firm_table.end_runs()
        funding = self._funding()
        self._settle(energy, policies)
        dividends = self.firm_table.pay_dividends(self.ledger, self.config.market, self.dt)
        self.firm_table.advance_algorithms(
            self.config.market, self.step_rng("breakthroughs"), self.dt
        )
        replan = self._levers_changed()
        if self.firm_table.reviews_due(self.steps, replan).any():
            rng = self.step_rng("strategy")
            self.firm_table.review_strategies(self.steps, rng, self.config.market, replan)
        self._record(energy, services, funding, dividends)
        self._exits()
        if self.steps >= self.config.run.n_steps:
            self.running = False

    def _open_step(self) -> ActivePolicies:
        self._reset_outputs()  # nothing carries over from the last step (e.g. once all firms exit)
        run = self.config.run
        self.year = run.start_year + (self.steps - 1) * self.dt  # Mesa has counted this step
        # a lever's values are fixed while it is in force: rebuild only when the levers change
        levers = levers_in_force(self.config.policies, self.year)
        self._lever_changed = levers != self._levers
        if self._lever_changed:
            self.policies = active_policies(self.config.policies, self.year)
            self._levers = levers
        entrants = self._entry()
        self.ledger.open_step(*self.accounts)
        if entrants:
            firms = self.firm_table
            cash = [p.cash_usd for p in firms.params[-entrants:]]
            due = np.concatenate([np.zeros(len(firms) - entrants), cash])
            self.ledger.transfer("initial capital", due, "investors", firms.accounts)
        return self.policies

    def _entry(self) -> int:
        """A firm from the pool enters (returns how many did) at a hazard that rises with the
        sector's recent return on capital r, the firms' smoothed profit rate over what they
        employ, above investors' hurdle h: ``clip((r - h)/h, 0, 1)`` a year
        (:func:`sim.finance.entry_hazard_per_year`), once its entry year has come. It enters
        when the hazard accumulated since the last entry reaches its Exp(1) threshold (a
        Poisson process with that rate; the thresholds are drawn at the start, so the entry
        date moves continuously with the path and not with the step length). It starts behind
        the frontier: with the best open model (or the laggard's, if better) and the algorithms
        of the best open-weight firm (or of the laggard), no fleet, and its cash from investors
        (booked once the step opens)."""
        pool, firms = self.entrant_pool, self.firm_table
        waiting = pool.entry_year <= self.year + 1e-9
        if not waiting.any() or not len(firms):
            return 0
        capital = float(firms.capital_usd().sum())
        profit = float(firms.recent_profit_usd_per_year.sum())
        hurdle = self.config.market.hurdle_rate_per_year
        self._entry_hazard += self.dt * finance.entry_hazard_per_year(
            profit / capital if capital > 0 else -math.inf, hurdle
        )
        done = len(self._entry_thresholds) - len(pool)
        if self._entry_hazard < self._entry_thresholds[done]:
            return 0
        self._entry_hazard = 0.0
        entrant = pool.split(np.arange(len(pool)) == int(np.argmax(waiting)))
        a = firms.log2_algorithmic_efficiency
        _, best_open = innovation.frontier_log2_efficiency(a, firms.open_weights)
        open_compute = self._open_model_compute_flop(self.year - self.config.run.start_year)
        entrant.set_entry_model(
            float(best_open) if math.isfinite(best_open) else float(a.min()),
            max(open_compute, float(firms.cumulative_logical_flop.min())),
        )
        start = len(firms)
        firms.extend(entrant)
        AIFirm(self, firms, start)
        self.initial_compute_flop[firms.views[start].unique_id] = float(
            firms.cumulative_logical_flop[start]
        )
        return 1

    def step_rng(self, mechanism: str) -> np.random.Generator:
        """The random numbers of one mechanism (:data:`STREAMS`) in this step: a stream of its
        own, keyed by the run's seed, the mechanism and the time at the end of the step (in
        millionths of a year since the start, so a yearly review draws the same numbers
        whatever the step length; 0 before the first step).

        Runs that share a seed (the arms of ``effrace compare``) thus share every draw of every
        mechanism and step, however many numbers the other mechanisms or earlier steps drew
        (which depends on R&D, on the firms alive and on when firms re-plan): common random
        numbers, which narrow the paired differences of a comparison."""
        root = self._stream_root
        when = round(self.steps * self.dt * 1e6)
        key = (*root.spawn_key, STREAM_TAG, STREAMS[mechanism], when)
        return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=key))

    def _levers_changed(self) -> bool:
        """True in the step a policy lever starts or stops (firms re-plan at once; the step
        opens by looking, :meth:`_open_step`)."""
        return self._lever_changed

    def _post_offers(self, policies: ActivePolicies) -> Offers:
        suppliers = self.supplier_table
        suppliers.post_offer(self.steps, self.year - self.config.run.start_year, policies, self.dt)
        self.vendor_table.post_offer(self.year - self.config.run.start_year, self.dt)
        price_it = suppliers.price_usd_per_mwh * suppliers.pue
        weights = markets.logit_shares(
            -self.config.market.energy_choice_sensitivity * np.log(price_it), outside_option=False
        )
        return Offers(
            weights,
            float(weights @ price_it),
            int(self.vendor_table.log2_flop_per_joule.argmax()),
        )

    def _frontier_log2_fpj(self, offers: Offers) -> float:
        return float(self.vendor_table.log2_flop_per_joule[offers.frontier])

    def _chip_market(self, offers: Offers, policies: ActivePolicies) -> None:
        """Firms buy chips: scarcity prices and rationing where demand exceeds what vendors can
        deliver, an export control's rules for the restricted region; vendors then book the
        sales and order capacity."""
        firms, vendors, dt = self.firm_table, self.vendor_table, self.dt
        region = policies.export_region
        threshold = math.inf  # no export control in force: no design is limited
        if region is not None:
            lag = policies.export_lag_years
            threshold = markets.export_threshold_flop_per_joule(
                policies.export_max_flop_per_joule,
                float(vendors.flop_per_joule[offers.frontier]),
                float(vendors.pace_over(lag, policies)[offers.frontier]),
                lag,
            )
        self._review_designs()
        deal = self._clear_chips(offers, policies, threshold)
        vendors.price_usd = deal.price_usd
        paid = self.ledger.transfer("chips", deal.payments_usd, firms.accounts, vendors.accounts)
        chips = paid / deal.price_usd
        flops = chips * deal.flop_per_second_per_chip
        firms.add_cohorts(
            self.steps,
            markets.row_sums(flops) * self._mix_throughput(paid),
            markets.row_sums(flops / deal.flop_per_joule),
            markets.row_sums(paid) / firms.life_steps,
        )
        sold = chips.sum(axis=0)
        vendors.settle(self.ledger, sold, policies, dt)
        vendors.invest(
            self.ledger, self.year + dt - self.config.run.start_year, deal.list_demand_chips, dt
        )
        self.hhi_chips = markets.hhi(sold)
        self._record_chips(deal, sold, threshold if region is not None else math.nan)

    def _review_designs(self) -> None:
        """The market's value-scalable share S (firms' training shares weighted by their fleets'
        FLOP/s) and, at the first step of each year of the run, the vendors' choice of design
        (:meth:`agents.vendor.Vendors.review_designs`)."""
        firms = self.firm_table
        self.value_scalable_share = specialisation.value_scalable_share(
            firms.training_share, firms.flop_per_second
        )
        years = self.year - self.config.run.start_year
        new_year = math.floor(years + 1e-9) > math.floor(years - self.dt + 1e-9)
        if (new_year or self.steps == 1) and math.isfinite(self.value_scalable_share):
            self.vendor_table.review_designs(self.value_scalable_share)

    def _clear_chips(
        self, offers: Offers, policies: ActivePolicies, threshold: float
    ) -> markets.ChipSettlement:
        """:func:`sim.markets.clear_chips` over every vendor; with specialised designs on sale,
        once over the general-purpose designs with a share ``1 - x*`` of each firm's budget and
        once over the specialised ones with ``x* = x*(S_i, R)`` (firm i's training share S_i,
        the best R on sale), so what a firm cannot place in one stays in cash."""
        firms, vendors = self.firm_table, self.vendor_table
        region = policies.export_region
        budget = firms.chip_budget_usd
        restricted = np.zeros(len(firms), dtype=bool) if region is None else firms.region == region
        flop_per_second, flop_per_joule = vendors.flop_per_second_per_chip, vendors.flop_per_joule

        def clear(budget_usd: np.ndarray, sells: np.ndarray | slice) -> markets.ChipSettlement:
            return markets.clear_chips(
                budget_usd,
                vendors.list_price_usd[sells],
                flop_per_second[sells],
                flop_per_joule[sells],
                firms.lifetime_years,
                vendors.deliverable_chips[sells],
                offers.usd_per_it_mwh,
                self.config.market.chip_choice_sensitivity,
                restricted,
                threshold,
                policies.export_quota_chips_per_year * self.dt,
                exempt_vendors=None if region is None else vendors.region[sells] == region,
                leakage_share=policies.export_leakage_share,
                scarcity_pass_through=vendors.scarcity_pass_through[sells],
            )

        special = vendors.specialised
        if not special.any():
            return clear(budget, slice(None))  # every vendor
        ratio = float(vendors.specialised_efficiency_ratio[special].max())
        share = np.asarray(specialisation.specialised_market_share(firms.training_share, ratio))
        parts = (clear(budget * (1.0 - share), ~special), clear(budget * share, special))
        fields = {}
        for name in markets.ChipSettlement.__dataclass_fields__:
            first = getattr(parts[0], name)
            merged = np.zeros((*first.shape[:-1], len(vendors)))
            for part, sells in zip(parts, (~special, special), strict=True):
                merged[..., sells] = getattr(part, name)
            fields[name] = merged
        return markets.ChipSettlement(**fields)

    def _mix_throughput(self, paid_usd: np.ndarray) -> np.ndarray | float:
        """Per firm, the work its new chips do over the work of the same spending on
        general-purpose chips, 1/T(x) (:func:`sim.specialisation.mix_throughput`) with x its
        share of chip spending [firm, vendor] on specialised designs; 1 when none is on sale."""
        vendors = self.vendor_table
        special = vendors.specialised
        if not special.any():
            return 1.0
        on_special = paid_usd[:, special].sum(axis=1)
        total = paid_usd.sum(axis=1)
        x = np.where(total > 0, on_special / np.where(total > 0, total, 1.0), 0.0)
        ratio = np.where(
            on_special > 0,
            (paid_usd[:, special] * vendors.specialised_efficiency_ratio[special]).sum(axis=1)
            / np.where(on_special > 0, on_special, 1.0),
            1.0,
        )
        return np.asarray(specialisation.mix_throughput(x, self.firm_table.training_share, ratio))

    def _record_chips(
        self, deal: markets.ChipSettlement, sold: np.ndarray, threshold: float
    ) -> None:
        vendors = self.vendor_table
        sums = _totals(  # over the vendors
            sold=sold,
            deliverable=vendors.deliverable_chips,
            list_value=sold * vendors.list_price_usd,
            paid_value=sold * deal.price_usd,
            demand=deal.list_demand_chips,
            capacity=vendors.capacity_end_chips_per_year,
            investment=vendors.capacity_investment_usd,
        )
        total, deliverable = sums["sold"], sums["deliverable"]
        list_value, paid_value = sums["list_value"], sums["paid_value"]
        budget = float(self.firm_table.chip_budget_usd.sum())
        spent = float(deal.payments_usd.sum())
        self.chips_sold = total
        self.chip_demand_chips = sums["demand"]
        self.chip_rationed_share = max(0.0, 1.0 - spent / budget) if budget > 0 else 0.0
        self.chip_price_usd = paid_value / total if total > 0 else math.nan
        self.chip_scarcity_markup = paid_value / list_value - 1.0 if list_value > 0 else math.nan
        self.chip_capacity_chips_per_year = sums["capacity"]
        self.chip_capacity_utilisation = total / deliverable if deliverable > 0 else math.nan
        self.chip_capacity_investment_usd = sums["investment"]
        self.chip_capacity_ordered_chips_per_year = float(vendors.pipeline_chips_per_year.sum())
        self.chip_capacity_cancelled_chips_per_year = float(vendors.cancelled_chips_per_year.sum())
        self.chip_capacity_owed_usd = float(vendors.pipeline_unpaid_usd.sum())
        self.export_max_flop_per_joule = threshold
        special = vendors.specialised
        self.specialised_chip_spending_share = (
            float(deal.payments_usd[:, special].sum()) / spent if spent > 0 else math.nan
        )

    def _energy_market(self, offers: Offers, policies: ActivePolicies) -> EnergySettlement:
        """Firms ask for the energy their running chips are worth; suppliers deliver up to what
        they can; a binding cap is sold by auction (permits at the price where demand meets the
        cap, paid to the government) or cuts every delivery alike (``pro_rata``)."""
        firms, suppliers = self.firm_table, self.supplier_table
        cap_mwh = policies.energy_cap_mw * HOURS_PER_YEAR * self.dt
        auction = policies.energy_cap_allocation == "auction"
        firms.plan_energy(
            offers.usd_per_it_mwh,
            self._frontier_log2_fpj(offers),
            self.dt,
            for_auction=auction and math.isfinite(cap_mwh),
        )
        demand, delivered, binding = markets.clear_energy(
            firms.energy_need_it_mwh,
            offers.energy_weights,
            suppliers.pue,
            suppliers.deliverable_mwh,
            math.inf if auction else cap_mwh,
        )
        permit_usd_per_mwh, permits_mwh = 0.0, None  # permits: only under an auctioned cap
        asked_of_suppliers = demand
        if auction and math.isfinite(cap_mwh):
            binding = float(delivered.sum()) > cap_mwh
            need = firms.energy_need_it_mwh[:, None]
            shares = firms.energy_bid_it_mwh / np.where(need > 0, need, 1.0)
            it_per_grid_mwh = 1.0 / float(np.sum(offers.energy_weights * suppliers.pue))
            net = (firms.energy_value_usd_per_it_mwh - offers.usd_per_it_mwh) * it_per_grid_mwh
            # a firm bids no more a MWh than the cash it has left after the energy itself, spread
            # over all it asks: it can pay for every permit it wins
            energy_usd = markets.row_sums(delivered * suppliers.price_usd_per_mwh[None, :])
            asked_mwh = markets.row_sums(delivered)
            spare = np.maximum(firms.cash_usd - energy_usd, 0.0)
            net = np.minimum(net, (spare / np.where(asked_mwh > 0, asked_mwh, 1.0))[:, None])
            delivered, fill, permit_usd_per_mwh = markets.auction_energy_cap(
                delivered, shares, net, cap_mwh
            )
            permits_mwh = markets.row_sums(delivered)
            asked_of_suppliers = demand * fill[:, None]  # demand at the permit price
        self.energy_cap_binding = float(binding)
        asked = markets.row_sums(demand)
        firms.energy_served_share = np.where(
            asked > 0, markets.row_sums(delivered) / np.where(asked > 0, asked, 1.0), 1.0
        )
        self.ledger.transfer(
            "energy",
            delivered * suppliers.price_usd_per_mwh[None, :],
            firms.accounts,
            suppliers.accounts,
        )
        # permits are part of what firms pay for energy (so their profit counts them), booked
        # apart: a tax on production, which value added is gross of, as of the carbon tax; the
        # money goes to the government
        self.permit_revenue_usd = 0.0
        if permits_mwh is not None:
            permits = self.ledger.transfer(
                "permits", permit_usd_per_mwh * permits_mwh, firms.accounts, "government"
            )
            self.permit_revenue_usd = float(permits.sum())
        self.permit_price_usd_per_mwh = permit_usd_per_mwh if math.isfinite(cap_mwh) else math.nan
        return EnergySettlement(demand, delivered, cap_mwh, asked_of_suppliers, auction)

    def _production(
        self, offers: Offers, energy: EnergySettlement, policies: ActivePolicies
    ) -> None:
        """Fleets run: energy times the efficiency chain, each link on its own law of motion
        over the step (chips toward their ceiling, algorithms on the ideas law, PUE toward 1),
        integrated by quadrature (:func:`sim.production.step_logical_flop_on_nodes`); then
        training, with the loss of the data-limited effective compute."""
        firms, suppliers, vendors, dt = (
            self.firm_table,
            self.supplier_table,
            self.vendor_table,
            self.dt,
        )
        suppliers.fix_step_rate(policies, dt)
        vendors.fix_step_rates(policies)
        log2_site = np.log2(suppliers.site_efficiency)
        log2_chip = firms.fleet_log2_flop_per_joule(self._frontier_log2_fpj(offers))
        log2_algo = firms.log2_algorithmic_efficiency
        research_rate = firms.algorithmic_doublings_per_year(policies)
        joule_rate = vendors.step_joule_doublings_per_year
        # panels enough for the fastest link (physics.step_nodes); a soft ceiling bends sooner
        softness = np.minimum(1.0, vendors.ceiling_softness_doublings[offers.frontier])
        bound = dt * (
            float(np.abs(research_rate).max(initial=0.0))
            + abs(float(joule_rate[offers.frontier])) / softness
            + float(suppliers.step_halvings_per_year.max(initial=0.0))
        )
        years, weights = physics.step_nodes(dt, bound)
        site_gain = (
            np.asarray(
                physics.ceiling_log2_level(
                    years[None, :],
                    log2_site[:, None],
                    0.0,
                    suppliers.step_halvings_per_year[:, None],
                    1.0,
                )
            )
            - log2_site[:, None]
        )
        # the ideas law once, at the nodes and at the end of the step (its mean rate)
        algo_path = firms.log2_algorithmic_gain(np.concatenate((years, [dt])))
        firm_gain = algo_path[:, :-1]
        firms.step_doublings_per_year = algo_path[:, -1] / dt
        at_frontier = firms.fleet_at_frontier
        if at_frontier.any():  # fleets that count at the frontier gain with its chips
            chip_path = vendors.log2_flop_per_joule_after(years, joule_rate)[offers.frontier]
            chip_gain = chip_path - vendors.log2_flop_per_joule[offers.frontier]
            firm_gain = firm_gain + np.where(at_frontier[:, None], chip_gain[None, :], 0.0)
        flop = production.step_logical_flop_on_nodes(
            energy.delivered_mwh,
            production.log2_elogical(log2_site[None, :], log2_chip[:, None], log2_algo[:, None]),
            firm_gain,
            site_gain,
            weights,
        )
        # link 1 as each firm bought it: the 1/PUE of its energy, weighted by what each supplier
        # delivered; a firm that got none, that of the split it asked for (grid MWh per IT MWh)
        site = production.site_efficiency_of_energy(
            energy.delivered_mwh, np.exp2(log2_site), offers.energy_weights * suppliers.pue
        )
        firms.site_efficiency = site
        firms.chip_flop_per_joule = np.exp2(log2_chip)
        firms.algorithmic_efficiency = np.exp2(log2_algo)
        firms.elogical_flop_per_joule = site * np.exp2(log2_chip + log2_algo)
        law_params = self.config.law
        public = float(
            data.public_text_tokens(
                self.year + dt - self.config.run.start_year,
                law_params.data_tokens,
                law_params.data_tokens_doublings_per_year,
            )
        )
        firms.set_human_data(public + firms.own_data_tokens)  # users' data adds to the public
        firms.run_fleets(flop, policies)
        self.data_tokens = public

    def _services_market(self) -> demand.ServicesMarket:
        """Buyers choose among the firms' models, the open model and not buying (a logit on
        dollars of value per task); firms price at the Bertrand-Nash equilibrium over their
        costs, and a firm short of capacity charges the price that clears it."""
        market, dt, firms = self.config.market, self.dt, self.firm_table
        offset = self.year - self.config.run.start_year
        # potential tasks this step: the exact integral of the envelope over the step
        tasks = markets.logistic_integral(
            offset,
            offset + dt,
            market.potential_tasks_per_year,
            market.potential_tasks_doublings_per_year,
            market.potential_tasks_ceiling_per_year,
        )
        if market.demand_noise > 0:
            tasks *= math.exp(
                market.demand_noise * self.step_rng("demand").standard_normal()
                - market.demand_noise**2 / 2
            )
        self.potential_tasks_per_year = tasks / dt
        tokens = self._tokens_per_task(offset + dt / 2)
        self.tokens_per_task = tokens
        value, mu = market.value_usd_per_task, market.taste_noise_usd_per_task
        base = demand.installed_base_usd_per_task(
            firms.installed_base, mu, market.installed_base_elasticity
        )
        success = demand.task_success(
            firms.loss - self.law.loss_floor, market.loss_scale_nats_per_token
        )
        gross = value * success + base
        open_utility = self._open_model_utility(offset + dt / 2, tokens)
        nash = demand.bertrand_nash_markups(
            gross,
            firms.cost_usd_per_token,
            mu,
            tokens,
            open_utility,
            tolerance=1e-10,
            initial_markup_over_noise=firms.markup_over_noise,
        )
        firms.markup_over_noise = nash.markup_over_noise
        deal = demand.clear_services_market(
            gross, nash.price_usd_per_token, firms.token_capacity, tasks, tokens, mu, open_utility
        )
        # the installed base moves choices but is not a gain to buyers
        surplus = demand.experienced_surplus_usd(
            deal.consumer_surplus_usd, deal.shares.firm, base, tasks
        )
        deal = deal._replace(consumer_surplus_usd=float(surplus))
        firms.price_usd_per_million_tokens = deal.price_usd_per_token * 1e6
        firms.market_share = deal.shares.firm
        firms.tasks_sold_per_year = deal.shares.firm * tasks / dt
        firms.capacity_binds = deal.tokens >= firms.token_capacity * (1.0 - 1e-9)
        firms.own_data_tokens = (
            firms.own_data_tokens + self.config.law.user_data_share * deal.tokens
        )
        firms.installed_base = demand.installed_base_share_after(
            firms.installed_base, deal.shares.firm, dt, market.installed_base_years
        )
        firms.value_compute(market, tokens, success, dt)
        self.ledger.transfer("AI services", deal.spending_usd, "buyers", firms.accounts)
        return deal

    def _open_model_utility(self, years: float, tokens_per_task: float) -> float:
        """What a task of ``tokens_per_task`` tokens done by the open model is worth to a
        buyer, net of its price [USD/task], ``years`` after the start."""
        m = self.config.market
        excess = float(self.law.loss(self._open_model_compute_flop(years))) - self.law.loss_floor
        price = (
            m.open_model_price_usd_per_million_tokens
            / 1e6
            * 2.0 ** (-years / m.open_model_price_halving_years)
        )
        success = float(demand.task_success(excess, m.loss_scale_nats_per_token))
        return m.value_usd_per_task * success - tokens_per_task * price

    def _open_model_compute_flop(self, years: float) -> float:
        """Training compute of the best open-weight model ``years`` after the start [FLOP]."""
        m = self.config.market
        return m.open_model_compute_flop * 2.0 ** (m.open_model_doublings_per_year * years)

    def _tokens_per_task(self, years: float) -> float:
        """Tokens a task takes ``years`` after the start [tokens/task] (logistic growth)."""
        m = self.config.market
        return float(
            markets.logistic_growth(
                years,
                m.tokens_per_task,
                m.tokens_per_task_doublings_per_year,
                m.tokens_per_task_ceiling,
            )
        )

    def _funding(self) -> np.ndarray:
        """Investors fund firms whose expected returns beat their hurdle, within the capital
        available this step (an upper bound)."""
        market, firms = self.config.market, self.firm_table
        offset = self.year - self.config.run.start_year
        supply = markets.logistic_integral(
            offset,
            offset + self.dt,
            market.investor_funding_usd_per_year,
            market.investor_funding_doublings_per_year,
            market.investor_funding_ceiling_usd_per_year,
        )
        return firms.raise_funding(self.ledger, market, supply, self.dt)

    def _settle(self, energy: EnergySettlement, policies: ActivePolicies) -> None:
        self.firm_table.settle(self.ledger, policies, self.dt)
        demanded = energy.suppliers_demand_mwh.sum(axis=0)
        # each supplier's share of a pro-rata cap, in proportion to what firms asked of it
        if math.isfinite(energy.cap_mwh) and not energy.cap_auctioned:
            cap_share = energy.cap_mwh * demanded / max(float(demanded.sum()), 1e-300)
        else:
            cap_share = np.full(len(self.supplier_table), math.inf)
        self.supplier_table.settle(
            self.ledger,
            self.steps,
            energy.delivered_mwh.sum(axis=0),
            demanded,
            cap_share,
            policies,
            self.dt,
        )
        suppliers = self.supplier_table
        self.energy_pipeline_mw = float(suppliers.tranche_mw.sum())  # ordered, not yet received
        self.energy_investment_usd = float(suppliers.invested_usd.sum())
        self.energy_capacity_cancelled_mw = float(suppliers.cancelled_mw.sum())
        self.energy_capex_owed_usd = float(suppliers.tranche_unpaid_usd.sum())
        limits = suppliers.region_limit_mw
        self.grid_limit_mw = float(limits.sum()) if np.isfinite(limits).all() else math.nan
        self.vendor_table.advance(self.dt)

    def _exits(self) -> None:
        """Firms that ran out of money leave; their remaining cash goes outside."""
        firms = self.firm_table
        leaving = firms.leaving()
        if not leaving.any():
            return
        self.ledger.transfer(
            "exit", np.where(leaving, firms.cash_usd, 0.0), firms.accounts, "outside"
        )
        for view in firms.keep(~leaving):
            view.detach()

    # --- records -----------------------------------------------------------------------------
    def _reset_outputs(self) -> None:
        # plain attributes (no property or __setattr__ among them): one dict update a step
        self.__dict__.update(_NAN_OUTPUTS)

    def _record(
        self,
        energy: EnergySettlement,
        services: demand.ServicesMarket,
        funding: np.ndarray,
        dividends: np.ndarray,
    ) -> None:
        self.year = self.year + self.dt
        dt, firms, suppliers = self.dt, self.firm_table, self.supplier_table
        self.ledger_imbalance_usd = self.ledger.imbalance_usd(*self.accounts)
        # the agents' rows when the agents table is kept (the income statement is part of them)
        records: list[dict[str, Any]] = [
            table.outputs() if self.collect_agents else table.income_statement()
            for table in self.tables
        ]
        vendor_record, supplier_record, firm_record = records  # self.tables' order
        vendor_sums = _sums(
            vendor_record, cash=self.vendor_table.cash_usd, capital=self.vendor_table.capital_usd
        )
        supplier_sums = _sums(
            supplier_record,
            cash=suppliers.cash_usd,
            capital=suppliers.capital_usd,
            capacity=suppliers.capacity_mw,
            emissions=suppliers.emissions_t_co2,
            sold=suppliers.sold_mwh,  # the energy delivered, by supplier (settlement booked it)
            deliverable=suppliers.deliverable_mwh,
        )
        energy_usd = firms.energy_usd()
        firm_sums = _sums(
            firm_record,
            cash=firms.cash_usd,
            fleet_book=firms.fleet_book_usd,
            tokens=services.tokens,
            spending=services.spending_usd,
            compute=firms.compute_logical_flop,
            cost=energy_usd + firms.depreciation_usd_per_step,
            trained=firms.cumulative_logical_flop,
            limited=firms.cumulative_logical_flop * firms.data_limited_share,
            energy=energy_usd,
            chips=firms.chips_usd(),
            rnd=firms.rnd_usd,
            above=firms.run_above_threshold,
            held=firms.run_held_at_threshold,
            funding=funding,
            dividends=dividends,
        )
        tokens, spending = firm_sums["tokens"], firm_sums["spending"]
        compute, trained = firm_sums["compute"], firm_sums["trained"]
        self.energy_delivered_mwh = supplier_sums["sold"]
        self.energy_demand_mwh = float(energy.demand_mwh.sum())
        self.energy_deliverable_mwh = supplier_sums["deliverable"]
        self.energy_capacity_mw = supplier_sums["capacity"]
        self.energy_cap_mw = (
            energy.cap_mwh / (HOURS_PER_YEAR * dt) if math.isfinite(energy.cap_mwh) else math.nan
        )
        self.power_delivered_mw = self.energy_delivered_mwh / (HOURS_PER_YEAR * dt)
        self.emissions_t_co2 = supplier_sums["emissions"]
        self.tokens_served = tokens
        self.price_usd_per_million_tokens = spending / tokens * 1e6 if tokens > 0 else math.nan
        self.cost_usd_per_logical_flop = firm_sums["cost"] / compute if compute > 0 else math.nan
        self.hhi_ai_services = markets.hhi(services.spending_usd)
        self.hhi_energy = markets.hhi(suppliers.sold_mwh)
        totals = {}
        for sector, sums in (
            ("firms", firm_sums),
            ("vendors", vendor_sums),
            ("suppliers", supplier_sums),
        ):
            rev, profit = sums["revenue_usd"], sums["profit_usd"]
            totals[sector] = profit
            setattr(self, f"revenue_{sector}_usd", rev)
            setattr(self, f"profit_{sector}_usd", profit)
            setattr(self, f"margin_{sector}", profit / rev if rev > 0 else math.nan)
            setattr(self, f"costs_{sector}_usd", sums["costs_usd"])
            setattr(self, f"value_added_{sector}_usd", sums["value_added_usd"])
        self.n_firms_active = len(firms)
        self.data_limited_share = firm_sums["limited"] / trained if trained > 0 else math.nan
        if len(firms):
            best = int(firms.loss.argmin())
            self.best_loss = float(firms.loss[best])
            self.best_relative_excess_loss = float(firms.relative_excess_loss[best])
            self.best_cumulative_logical_flop = float(firms.cumulative_logical_flop[best])
        self.energy_spend_firms_usd = firm_sums["energy"]
        self.chip_spend_firms_usd = firm_sums["chips"]
        self.rnd_spend_firms_usd = firm_sums["rnd"]
        self.compute_logical_flop = compute
        self.spending_usd_per_year = spending / dt
        self._record_runs(firm_sums["above"], firm_sums["held"])
        # what investors hold: every agent's cash, the firms' fleets, the plants and the fabs
        cash = vendor_sums["cash"] + supplier_sums["cash"] + firm_sums["cash"]
        equity = cash + firm_sums["fleet_book"] + supplier_sums["capital"] + vendor_sums["capital"]
        self._record_value_capture(
            services, totals, firm_sums["funding"], firm_sums["dividends"], equity
        )
        self.datacollector.collect(self)
        if self.collect_agents:
            for agents, record in zip(self.tables, records, strict=True):
                record["agent_id"] = agents.unique_ids.copy()
                self._agent_records.append(record)

    def _record_runs(self, above_threshold: float, held_at_threshold: float) -> None:
        """The frontier training run (the largest last run among the firms) and the compute
        threshold's reach: firms whose run is registered above it or held at it (counted by
        the caller)."""
        firms = self.firm_table
        if len(firms):
            self.largest_run_physical_flop = float(firms.run_physical_flop.max())
            self.largest_run_power_mw = float(firms.run_power_mw.max())
        self.firms_above_threshold = above_threshold
        self.firms_held_at_threshold = held_at_threshold
        self.frontier_chip_flop_per_joule = float(self.vendor_table.flop_per_joule.max())

    def _record_value_capture(
        self,
        services: demand.ServicesMarket,
        profit: dict[str, float],
        funding: float,
        dividends: float,
        equity: float,
    ) -> None:
        """Who gains what this step: buyers' surplus, each sector's profit (firms' net of the
        dividends they pay investors), government revenue and carbon damages, and each party's
        share of the gains (:func:`sim.finance.surplus_shares`, defined in every step); and
        investors' net return, with the ``equity`` [USD] they hold at book value."""
        market, ledger = self.config.market, self.ledger
        self.consumer_surplus_usd = float(services.consumer_surplus_usd)
        self.outside_option_share = float(services.shares.open + services.shares.none)
        self.open_model_share = float(services.shares.open)
        self.investor_funding_usd = funding
        self.dividends_usd = dividends
        government = ledger.external["government"]
        self.government_revenue_usd = government - self._government_balance
        self._government_balance = government
        self.carbon_damages_usd = self.emissions_t_co2 * market.social_cost_usd_per_t_co2
        parts = {
            "consumers": self.consumer_surplus_usd,
            "firms": profit["firms"] - dividends,
            "vendors": profit["vendors"],
            "suppliers": profit["suppliers"],
            "government": self.government_revenue_usd,
            "investors": dividends,
        }
        self.total_surplus_usd = float(
            finance.total_surplus_usd(
                self.consumer_surplus_usd,
                np.array(list(profit.values())),
                self.government_revenue_usd,
                self.emissions_t_co2,
                market.social_cost_usd_per_t_co2,
            )
        )
        shares = finance.surplus_shares([*parts.values(), -self.carbon_damages_usd])
        for party, share in zip(parts, shares.tolist(), strict=False):
            setattr(self, f"surplus_share_{party}", share)
        # paid in: through the ledger, and the starting assets in kind (so 0 before any step)
        self.investors_net_return_usd = (
            ledger.external["investors"] + equity - self._assets_in_kind_usd
        )

    def agents_dataframe(self) -> pd.DataFrame:
        """One row per agent per step so far: ``step``, ``agent_id`` and :data:`AGENT_OUTPUTS`
        (empty when the model does not collect agents)."""
        records = self._agent_records
        counts = [len(r["agent_id"]) for r in records]
        per_step = len(self.tables)
        data: dict[str, Any] = {
            "step": np.repeat(np.arange(len(records)) // per_step + 1, counts),
            "agent_type": np.repeat([r["agent_type"] for r in records], counts),
        }
        for name in ["agent_id", *AGENT_OUTPUTS]:
            if name not in data:
                data[name] = np.concatenate([r[name] for r in records]) if records else []
        return pd.DataFrame(data, columns=["step", "agent_id", *AGENT_OUTPUTS])


MODEL_OUTPUTS = {
    "year": ("calendar year", "Calendar time at the end of the step."),
    "ledger_imbalance_usd": (
        "USD",
        "Sum over agents of |change in cash - booked net flow| this step; 0 up to rounding.",
    ),
    "energy_demand_mwh": ("MWh", "Grid energy firms asked for this step (before rationing)."),
    "energy_delivered_mwh": ("MWh", "Grid energy delivered to AI firms this step."),
    "energy_deliverable_mwh": (
        "MWh",
        "Grid energy suppliers could deliver this step: their mean capacity over the step "
        "(what arrives and retires within it counted exactly) x the step's hours.",
    ),
    "power_delivered_mw": ("MW", "Average power delivered this step."),
    "energy_capacity_mw": ("MW", "Suppliers' installed capacity at the end of the step."),
    "energy_cap_mw": ("MW", "Energy cap in force (NaN when none)."),
    "energy_cap_binding": ("0/1", "1 when the cap cut deliveries this step."),
    "emissions_t_co2": ("tCO2", "Emissions of the energy delivered this step."),
    "tokens_per_task": ("tokens/task", "Tokens a task takes this step (mid-step)."),
    "potential_tasks_per_year": (
        "tasks/yr",
        "Potential tasks buyers could give AI services this step (the envelope, after the shock).",
    ),
    "spending_usd_per_year": ("USD/yr", "Buyers' spending on the firms' AI services this step."),
    "outside_option_share": (
        "-",
        "Share of potential tasks that went to the open model or were not bought at all.",
    ),
    "open_model_share": ("-", "Share of potential tasks done by the open model."),
    "consumer_surplus_usd": (
        "USD",
        "Buyers' surplus this step against a world with no AI (Small-Rosen log-sum), "
        "without the installed base's pull on choices (experienced utility).",
    ),
    "tokens_served": ("tokens", "Tokens served this step, all firms."),
    "price_usd_per_million_tokens": ("USD/Mtoken", "Average price paid for tokens this step."),
    "cost_usd_per_logical_flop": (
        "USD/logical FLOP",
        "Firms' energy (energy-cap permits included) and chip depreciation per logical FLOP "
        "produced (NaN without compute).",
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
        "Profit of all AI firms this step: revenue + subsidies - costs (costs_firms_usd, chip "
        "depreciation among them).",
    ),
    "profit_vendors_usd": ("USD", "Profit of all hardware vendors this step."),
    "profit_suppliers_usd": ("USD", "Profit of all energy suppliers this step."),
    "margin_firms": ("-", "Profit / revenue of the AI firms (NaN without revenue)."),
    "margin_vendors": ("-", "Profit / revenue of the vendors."),
    "margin_suppliers": ("-", "Profit / revenue of the suppliers."),
    "costs_firms_usd": (
        "USD",
        "Costs of the AI firms this step: revenue + subsidies - profit (energy, depreciation, "
        "R&D, compliance).",
    ),
    "costs_vendors_usd": (
        "USD",
        "Costs of the vendors this step (fabrication, R&D, capacity depreciation).",
    ),
    "costs_suppliers_usd": (
        "USD",
        "Costs of the suppliers this step (generation, carbon tax, R&D, depreciation).",
    ),
    "value_added_firms_usd": (
        "USD",
        "AI firms' gross value added this step: revenue - energy bought (chips are capital, so "
        "their depreciation is part of it, and energy-cap permits are a tax on production, as "
        "the suppliers' carbon tax, so they are too, as in the national accounts).",
    ),
    "value_added_vendors_usd": ("USD", "Vendors' value added this step: revenue - fabrication."),
    "value_added_suppliers_usd": (
        "USD",
        "Suppliers' value added this step: revenue - generation (fuel and running) costs.",
    ),
    "investor_funding_usd": (
        "USD",
        "Funding investors put into firms this step (not the starting capital of agents and "
        "entrants, nor suppliers' project finance, which investors also pay in).",
    ),
    "dividends_usd": ("USD", "Dividends firms paid investors this step."),
    "investors_net_return_usd": (
        "USD",
        "Investors' cumulative net return: what they received less what they paid in (funding, "
        "the agents' starting cash, project finance, and the starting fleets, power plants and "
        "chip capacity in kind, at book value), plus the book value of what they own (agents' "
        "cash, fleets, power plants and chip capacity); 0 before the first step.",
    ),
    "government_revenue_usd": (
        "USD",
        "Carbon tax, energy-cap permits and compliance fees less subsidies this step.",
    ),
    "carbon_damages_usd": ("USD", "Emissions this step times the social cost of carbon."),
    "total_surplus_usd": (
        "USD",
        "Consumer surplus + every sector's profit + government revenue - carbon damages.",
    ),
    "surplus_share_consumers": (
        "-",
        "Buyers' share of the step's gains: a party's part over the sum of the parts that "
        "gain (a loser's share is negative; all 0 when nobody gains).",
    ),
    "surplus_share_firms": ("-", "AI firms' share of the gains (profit less dividends)."),
    "surplus_share_vendors": ("-", "Hardware vendors' share of the gains (profit)."),
    "surplus_share_suppliers": ("-", "Energy suppliers' share of the gains (profit)."),
    "surplus_share_government": ("-", "Government's share of the gains (net revenue)."),
    "surplus_share_investors": ("-", "Investors' share of the gains (dividends)."),
    "energy_spend_firms_usd": (
        "USD",
        "Firms' spending on energy this step (energy-cap permits included).",
    ),
    "chip_spend_firms_usd": ("USD", "Firms' spending on chips this step."),
    "rnd_spend_firms_usd": ("USD", "Firms' gross R&D spending this step."),
    "compute_logical_flop": ("logical FLOP", "Logical compute produced by all fleets this step."),
    "n_firms_active": ("firms", "Firms still in the market before exits this step."),
    "best_loss": ("nats/token", "Lowest loss among firms."),
    "best_relative_excess_loss": (
        "-",
        "Relative excess loss of the firm with the lowest loss (best_loss), (L - E)/(L_ref - E).",
    ),
    "best_cumulative_logical_flop": (
        "logical FLOP",
        "Training compute of the firm with the lowest loss (best_loss).",
    ),
    "energy_pipeline_mw": (
        "MW",
        "Power capacity suppliers have ordered and not yet received (end of the step).",
    ),
    "energy_investment_usd": ("USD", "Suppliers' spending on new power capacity this step."),
    "energy_capacity_cancelled_mw": (
        "MW",
        "Suppliers' orders in flight cut this step (0 unless cuts_orders_in_flight).",
    ),
    "energy_capex_owed_usd": (
        "USD",
        "What suppliers still owe on their orders in flight at the end of the step, to be paid "
        "as they are built (0 unless capex_down_payment_share < 1).",
    ),
    "grid_limit_mw": (
        "MW",
        "Sum of the regions' grid limits for AI (NaN when some region has none).",
    ),
    "permit_price_usd_per_mwh": (
        "USD/MWh",
        "Price of an energy-cap permit per grid MWh (0 when the cap is slack or shared pro "
        "rata; NaN without a cap).",
    ),
    "permit_revenue_usd": ("USD", "Government's revenue from energy-cap permits this step."),
    "data_tokens": (
        "tokens",
        "Usable unique training tokens at the end of the step (the stock grows; inf: no data "
        "limit).",
    ),
    "data_limited_share": (
        "-",
        "Share of all firms' cumulative training compute made ineffective by the data limit, "
        "1 - sum(C_eff)/sum(C) (Muennighoff et al. 2023; 0 while data does not bind).",
    ),
    "chips_sold": ("chips", "Chips vendors delivered to firms this step."),
    "chip_demand_chips": (
        "chips",
        "Chips firms asked for at the vendors' list prices this step (before scarcity prices "
        "and rationing).",
    ),
    "chip_rationed_share": (
        "-",
        "Share of firms' chip budgets that found no chips to buy this step (vendors rationed "
        "them; the rest stays in cash).",
    ),
    "chip_price_usd": ("USD/chip", "Average price paid per chip this step."),
    "chip_scarcity_markup": (
        "-",
        "Average price paid over the list price, minus 1: the scarcity premium (0 when "
        "capacity is slack).",
    ),
    "chip_capacity_chips_per_year": (
        "chips/yr",
        "Vendors' production capacity (fabs and packaging) at the end of the step.",
    ),
    "chip_capacity_utilisation": ("-", "Chips delivered over the chips vendors could deliver."),
    "chip_capacity_investment_usd": (
        "USD",
        "Vendors' spending on new capacity this step (their own cash).",
    ),
    "chip_capacity_ordered_chips_per_year": (
        "chips/yr",
        "Capacity ordered and not yet delivered (the vendors' pipelines) at the end of the step.",
    ),
    "chip_capacity_cancelled_chips_per_year": (
        "chips/yr",
        "Vendors' orders in flight cut this step, when demand turned.",
    ),
    "chip_capacity_owed_usd": (
        "USD",
        "What vendors still owe on their orders in flight at the end of the step, to be paid as "
        "they are built (0 unless capex_down_payment_share < 1).",
    ),
    "export_max_flop_per_joule": (
        "FLOP/J",
        "Export control's threshold in force: the most efficient chip the restricted region "
        "may buy (NaN when no control is in force).",
    ),
    "largest_run_physical_flop": (
        "physical FLOP",
        "The frontier training run: the largest of the firms' last completed runs (chip FLOP "
        "at peak; Epoch AI counts operations done, about 0.4 of this).",
    ),
    "largest_run_power_mw": ("MW", "Grid power of the most power-hungry last completed run."),
    "firms_above_threshold": (
        "firms",
        "Firms whose run in progress is registered above the compute threshold (pays "
        "compliance, loses the delay share).",
    ),
    "firms_held_at_threshold": (
        "firms",
        "Firms that held their run at the compute threshold this step rather than comply.",
    ),
    "frontier_chip_flop_per_joule": (
        "FLOP/J",
        "The most efficient chip design on sale at the end of the step (new designs, not fleets).",
    ),
    "value_scalable_share": (
        "-",
        "The market's value-scalable share of work S: firms' training shares weighted by their "
        "fleets' FLOP/s; vendors specialise while S < 1 - 1/R (NaN with no firms).",
    ),
    "specialised_chip_spending_share": (
        "-",
        "Share of firms' chip spending this step on specialised designs (0 when every design "
        "on sale is general-purpose; NaN when nothing was spent).",
    ),
}

_NAN_OUTPUTS = dict.fromkeys(MODEL_OUTPUTS, math.nan)

AGENT_OUTPUTS = {
    "agent_type": ("-", "firm, vendor or supplier."),
    "name": ("-", "The agent's label."),
    "cash_usd": ("USD", "Cash at the end of the step."),
    "revenue_usd": ("USD", "Revenue this step."),
    "profit_usd": ("USD", "Profit this step."),
    "costs_usd": ("USD", "Revenue + subsidies - profit this step: everything profit is net of."),
    "value_added_usd": (
        "USD",
        "Gross value added this step: revenue less the inputs used up making the product "
        "(firms: energy, without energy-cap permits, a tax; vendors: fabrication; suppliers: "
        "generation); capital goods are not inputs.",
    ),
    "cumulative_logical_flop": ("logical FLOP", "Firms: training compute in the firm's model."),
    "loss": ("nats/token", "Firms: loss on the shared law."),
    "relative_excess_loss": ("-", "Firms: (L - E)/(L_ref - E) against the reference model."),
    "elogical_flop_per_joule": (
        "logical FLOP/J",
        "Firms: logical FLOP per grid joule this step (site x chip x algorithms).",
    ),
    "market_share": (
        "-",
        "Firms: share of the step's potential tasks whose buyers chose this firm's model.",
    ),
    "installed_base": (
        "-",
        "Firms: installed base after this step, its share of the tasks bought from firms "
        "averaged over about installed_base_years (switching costs: buyers lean toward it).",
    ),
    "compute_logical_flop": (
        "logical FLOP",
        "Firms: logical compute the fleet produced this step.",
    ),
    "training_logical_flop": (
        "logical FLOP",
        "Firms: compute that trained the firm's model this step: what its run took of the "
        "training compute, less synthetic-data generation and a compute threshold's delay.",
    ),
    "site_efficiency": (
        "IT J/grid J",
        "Firms: link 1, 1/PUE of the energy bought (suppliers' 1/PUE weighted by the grid MWh "
        "each delivered); suppliers: their own site's 1/PUE.",
    ),
    "chip_flop_per_joule": ("FLOP/J", "Firms: link 2, physical FLOP per IT joule of the fleet."),
    "algorithmic_efficiency": ("logical FLOP/FLOP", "Firms: link 3, logical per physical FLOP."),
    "price_usd_per_million_tokens": (
        "USD/Mtoken",
        "Firms: price of its tokens (NaN in a step it has no capacity to serve).",
    ),
    "rnd_usd": ("USD", "Firms: gross R&D spending this step."),
    "rnd_optimal_usd_per_year": (
        "USD/yr",
        "Firms: R&D spending at which the next dollar returns a dollar (the most it will spend).",
    ),
    "rnd_break_even_usd_per_year": (
        "USD/yr",
        "Firms: R&D spending at which the R&D programme as a whole just pays for itself.",
    ),
    "chip_share": (
        "-",
        "Firms: strategy, share of the budget left after energy and R&D that buys chips.",
    ),
    "training_share": ("-", "Firms: strategy, share of compute spent training."),
    "own_data_tokens": (
        "tokens",
        "Firms: unique training tokens its users gave it (user_data_share of the tokens it "
        "served); its data stock is the public one plus these.",
    ),
    "synthetic_share": (
        "-",
        "Firms: share of this step's training compute spent generating synthetic data (the "
        "share that lowers its loss most; 0 where data does not bind).",
    ),
    "generated_tokens": (
        "tokens",
        "Firms: synthetic training tokens kept so far; their worth in unique tokens saturates "
        "at synthetic_ceiling human stocks.",
    ),
    "run_physical_flop": (
        "physical FLOP",
        "Firms: physical FLOP of the last completed training run (0 before the first ends).",
    ),
    "largest_run_physical_flop": ("physical FLOP", "Firms: the largest run completed so far."),
    "run_power_mw": ("MW", "Firms: grid power of the last completed run (energy / duration)."),
    "run_above_threshold": (
        "0/1",
        "Firms: 1 while the run in progress is registered above the compute threshold.",
    ),
    "run_held_at_threshold": (
        "0/1",
        "Firms: 1 when the firm held its run at the compute threshold this step (the training "
        "it gave up served tokens).",
    ),
    "specialised": (
        "0/1",
        "Vendors: 1 while the vendor sells a specialised design (chosen at its yearly review).",
    ),
}

__all__ = ["AGENT_OUTPUTS", "MODEL_OUTPUTS", "EfficiencyRaceModel", "MarketAgent"]
