"""AI firms (labs): fleets of chip cohorts, their own algorithmic efficiency, a strategy."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from agents.base import FIRM_ONLY_OUTPUTS, AgentTable, FloatArray, MarketAgent, column
from sim import data, finance, innovation, law, markets, physics, production, strategy
from sim.ledger import Ledger
from sim.params import JOULES_PER_MWH, SECONDS_PER_YEAR, FirmParams, MarketParams
from sim.policies import ActivePolicies

#: a lifetime longer than this many steps never ages out (an idealised, permanent fleet)
PERMANENT_STEPS = 10_000

#: most e-folds of its capital a firm asks investors for in one step [-]: e^600 times any
#: capital is beyond any supply of capital, so the cap only keeps absurd settings finite
MAX_FUNDING_EFOLDS = 600.0


class Firms(AgentTable):
    """All AI firms, one row each: they buy chips and energy, train down the shared law, serve
    tokens and do R&D.

    A firm owns the last link of the efficiency chain, algorithmic and systems efficiency
    (logical FLOP per physical FLOP), which doubles at its own rate plus what its R&D buys. Its
    fleet is a set of cohorts, each keeping the chip efficiency it was bought with until it ages
    out: cohorts are held by the step they expire at, in a ring of slots (``fleet_*`` arrays,
    one row per firm), so buying and ageing are array operations. Its strategy is two shares:
    of the discretionary budget that buys chips (the rest is R&D), and of compute spent
    training (the rest serves). An adaptive firm imitates more profitable rivals at reviews.
    """

    kind = "firm"
    # chips are capital (their depreciation is part of value added); permits are a tax
    input_reasons = ("energy",)

    def __init__(
        self,
        params: Sequence[FirmParams],
        names: Sequence[str],
        fit: law.ChinchillaFit,
        compute_law: law.ComputeLaw,
        reference_compute_flop: float,
        dt: float,
    ) -> None:
        super().__init__(params, names)
        n = len(params)
        self.fit, self.law, self.reference_compute_flop = fit, compute_law, reference_compute_flop
        self.region = column(params, "region", object)
        self.chip_share = column(params, "chip_share")
        self.training_share = column(params, "training_share")
        self.spend_rate = column(params, "spend_rate_per_year")
        self.own_doublings_per_year = column(params, "algorithmic_doublings_per_year")
        self.fleet_at_frontier = column(params, "fleet_at_frontier", bool)
        self.adaptive = column(params, "adaptive", bool)
        self.imitation_noise = column(params, "imitation_noise")
        self.exit_cash_usd = column(params, "exit_cash_usd")
        self.open_weights = column(params, "open_weights", bool)
        self.rnd_horizon_years = column(params, "rnd_horizon_years")
        self.breakthrough_mean_size = column(params, "breakthrough_mean_size_doublings")
        self.review_every_steps = np.maximum(
            1, np.round(column(params, "review_every_years") / dt)
        ).astype(int)
        # each firm's place in a step's random numbers (its row among the scenario's firms,
        # potential entrants included): a firm keeps it whichever firms are alive, so runs
        # that share a seed give it the same draws
        self.draw_key = np.arange(n)
        self.n_draw_keys = n
        # the step of each firm's last strategy review (0: none yet), which paces the next
        self.last_review_step = np.zeros(n, dtype=int)
        self.lifetime_years = column(params, "chip_lifetime_years")
        life = np.maximum(1, np.round(self.lifetime_years / dt)).astype(int)
        self.life_steps = life
        self.permanent = life > PERMANENT_STEPS
        # slots 0..ring-1 hold cohorts by expiry step modulo ring; the last slot never expires.
        # Chips bought through a step run half of it on average, and half of the step their
        # lifetime ends in: a cohort bought at step k runs (and depreciates) half of step k,
        # all of the next life - 1 steps and half of step k + life, and expires after it.
        self.ring = int(max([1, *life[~self.permanent]])) + 2
        self.fleet_flop_per_second = np.zeros((n, self.ring + 1))
        self.fleet_watts = np.zeros((n, self.ring + 1))
        self.fleet_depreciation_usd = np.zeros((n, self.ring + 1))
        # room for a fleet-sized temporary of a step (:meth:`plan_energy`, :meth:`running_total`),
        # kept between steps: at 10,000 firms, new 4 MB temporaries each step made glibc hand
        # the heap's top back to the system and fault it in again (about 1,000 faults a step)
        self.fleet_scratch = np.empty((n, self.ring + 1))
        self.retiring_slot = 2 % self.ring  # the cohorts in their last step (step 1's)
        self.new_cohort_slot = np.zeros(n, dtype=int)  # where this step's purchase went
        self.new_flop_per_second = np.zeros(n)  # that purchase's FLOP/s,
        self.new_watts = np.zeros(n)  # its watts
        self.new_depreciation_usd = np.zeros(n)  # and its depreciation per step
        # which cohorts run this step and the IT MWh each fleet bids per watt it runs (the
        # energy each running cohort bids for, energy_bid_it_mwh), and what its compute is
        # worth (plan_energy)
        self.cohorts_run = np.ones((n, self.ring + 1), dtype=bool)
        self.bid_it_mwh_per_watt = np.zeros(n)
        self.energy_value_usd_per_it_mwh = np.zeros((n, self.ring + 1))
        self.flop_per_second = np.zeros(n)
        self.watts = np.zeros(n)
        self.depreciation_usd_per_step = np.zeros(n)
        self.fleet_book_usd = np.zeros(n)  # cost of the fleet not yet depreciated [USD]
        self.log2_algorithmic_efficiency = np.log2(column(params, "algorithmic_efficiency"))
        # ideas get harder: rates are measured at today's frontier (the ideas law's x_ref)
        self.idea_difficulty = column(params, "idea_difficulty_per_doubling")
        self.log2_reference_algorithmic_efficiency = float(
            np.max(self.log2_algorithmic_efficiency, initial=-np.inf)
        )
        self.reference_doublings_per_year = np.zeros(n)
        self.step_ideas_rate_factor = np.ones(n)  # ideas_rate_factor at the step's decisions
        # finite data: the usable token stock (set by the model) and what it leaves effective
        self.data_tokens = np.full(n, math.inf)  # unique tokens each model may train on
        self.human_data_tokens = np.full(n, math.inf)  # of them public or from its users
        self.generated_tokens = np.zeros(n)  # synthetic tokens kept so far [tokens]
        self.synthetic_share = np.zeros(n)  # of the step's training compute that generated data
        self.synthetic_cost_factor = 10.0  # generated tokens per kept one (set by the model)
        self.synthetic_ceiling = 0.0  # synthetic stock at most this many human stocks
        self.effective_logical_flop = np.full(n, math.nan)
        # logical FLOP to serve a token with the current model [FLOP/token] (update_quality)
        self.flop_per_token = np.full(n, math.nan)
        self.data_limited_share = np.zeros(n)
        self.compute_elasticity = np.ones(n)  # d ln C_eff / d ln C (update_quality) [-]
        self.cumulative_logical_flop = np.full(n, math.nan)  # set with the starting fleet
        self.loss = np.full(n, math.nan)
        self.log_relative_excess_loss = np.full(n, math.nan)
        self.market_share = np.zeros(n)
        self.installed_base = np.zeros(n)  # share of the firms' recent tasks (0: no users yet)
        self.recent_profit_usd_per_year = np.zeros(n)  # profit rate smoothed over about a year
        self.recent_revenue_usd_per_year = np.full(n, math.nan)  # none before the first step
        self.revenue_total = np.zeros(n)  # its moving average's sum and weight, from the start
        self.revenue_weight = np.zeros(n)
        self.revenue_growth_per_year = np.zeros(n)  # of the smoothed revenue
        self.loss_streak_years = np.zeros(n)  # years of continuous (smoothed) losses
        self.cost_usd_per_token = np.full(n, math.nan)  # marginal cost of a token this step
        self.markup_over_noise = np.ones(n)  # last step's Nash markup, (p - c) T / mu
        self.rnd_optimal_usd_per_year = np.zeros(n)  # R&D where its marginal return is 1
        self.rnd_break_even_usd_per_year = np.zeros(n)  # R&D where the programme just pays
        self.compute_logical_flop = np.zeros(n)
        self.training_logical_flop = np.zeros(n)
        self.token_capacity = np.zeros(n)
        self.site_efficiency = np.full(n, math.nan)
        self.chip_flop_per_joule = np.full(n, math.nan)
        self.algorithmic_efficiency = np.full(n, math.nan)
        self.elogical_flop_per_joule = np.full(n, math.nan)
        self.energy_served_share = np.ones(n)
        # what the last step showed of the money and chips that move within a step
        self.cash_at_decide_usd = np.full(n, math.nan)  # cash when the last budget was set
        self.discretionary_usd = np.zeros(n)  # chips and R&D bought out of it [USD]
        self.last_purchase_depreciation_usd = np.zeros(n)  # per step, of last step's chips
        self.last_purchase_it_mwh = np.zeros(n)  # IT MWh a step runs them at full use
        self.rnd_step_usd_per_year = np.full(n, math.nan)  # smoothed R&D, middle of the step
        self.step_rnd_extra_doublings_per_year = np.zeros(n)  # what it buys (decide)
        self.step_doublings_per_year = np.zeros(n)
        self.above_threshold = np.zeros(n, dtype=bool)  # the run in progress is regulated
        # training runs: the training share accumulates into a run that joins the model at its end
        self.dt = dt
        self.run_share = column(params, "run_share")
        self.run_length_years = column(params, "run_length_years")
        self.run_length_doublings = column(params, "run_length_doublings_per_year")
        self.run_steps = np.maximum(1, np.round(self.run_length_years / dt)).astype(int)
        self.run_step_index = np.zeros(n, dtype=int)  # steps of the run in progress done
        self.run_physical_flop_so_far = np.zeros(n)
        self.run_logical_flop_so_far = np.zeros(n)  # after any compliance delay
        self.run_grid_joules_so_far = np.zeros(n)
        self.run_cap_physical_flop = np.full(n, math.inf)  # the most the run may take
        self.run_capped = np.zeros(n, dtype=bool)  # the cap cut training this step
        self.run_physical_flop = np.zeros(n)  # of the last run completed
        self.run_power_mw = np.zeros(n)  # grid power of the last run completed
        self.largest_run_physical_flop = np.zeros(n)  # of all runs completed
        self.run_plan_threshold_flop = math.inf  # the threshold the runs were planned under
        self.price_usd_per_million_tokens = np.full(n, math.nan)
        self.chip_budget_usd = np.zeros(n)
        self.rnd_budget_usd = np.zeros(n)
        self.energy_need_it_mwh = np.zeros(n)
        self.rnd_usd = np.zeros(n)
        self.lead_years = np.zeros(n)  # discounted years a quality or cost lead is worth
        self.tasks_sold_per_year = np.zeros(n)
        self.capacity_binds = np.zeros(n, dtype=bool)  # sold all it could serve this step
        self.strategy_step = column(params, "strategy_step")
        self.own_data_tokens = np.zeros(n)  # unique tokens its users gave it [tokens]
        self.training_value_usd_per_flop = np.zeros(n)  # marginal value of compute, this step
        self.serving_value_usd_per_flop = np.zeros(n)
        self.value_cost_usd_per_flop = np.full(n, math.nan)  # cost per FLOP the values are at
        self.values_seen = np.zeros(n, dtype=int)  # steps of market values averaged so far
        self.entry_year = column(params, "entry_year")

    # --- accounts read from the ledger ---------------------------------------------------------
    def revenue_usd(self) -> FloatArray:
        return self.accounts.inflow("AI services")

    def energy_usd(self) -> FloatArray:
        """What the firms paid for energy this step [USD], an energy cap's permits included."""
        energy = self.accounts.outflow("energy")
        permits = self.accounts.outflows.get("permits")  # none without an auctioned cap
        return energy if permits is None else energy + permits

    def chips_usd(self) -> FloatArray:
        return self.accounts.outflow("chips")

    # --- fleet -------------------------------------------------------------------------------
    def add_cohorts(
        self,
        step: int,
        flop_per_second: FloatArray,
        watts: FloatArray,
        depreciation_usd_per_step: FloatArray,
        life_steps: NDArray[np.int_] | None = None,
    ) -> None:
        """Add one cohort per firm [FLOP/s, W, USD of depreciation per step] bought through
        ``step``, which runs ``life_steps`` steps (default: each firm's chip lifetime) from the
        middle of it (one purchase a step, after :meth:`age_fleet`)."""
        life = self.life_steps if life_steps is None else life_steps
        slot = np.where(self.permanent, self.ring, (step + life + 1) % self.ring)
        rows = np.arange(len(self))
        self.fleet_flop_per_second[rows, slot] += flop_per_second
        self.fleet_watts[rows, slot] += watts
        self.fleet_depreciation_usd[rows, slot] += depreciation_usd_per_step
        self.fleet_book_usd = self.fleet_book_usd + depreciation_usd_per_step * life
        self.new_cohort_slot = slot
        self.new_flop_per_second = self.new_flop_per_second + flop_per_second
        self.new_watts = self.new_watts + watts
        self.new_depreciation_usd = self.new_depreciation_usd + depreciation_usd_per_step
        # it runs half of this step: the totals summed at age_fleet (sum_fleet) grow by half
        self.flop_per_second = self.flop_per_second + 0.5 * flop_per_second
        self.watts = self.watts + 0.5 * watts
        self.depreciation_usd_per_step = (
            self.depreciation_usd_per_step + 0.5 * depreciation_usd_per_step
        )

    def buy_starting_fleet(
        self,
        flop_per_second_per_chip: float,
        flop_per_joule: float,
        price_usd: float,
        flop_per_joule_doublings_per_year: float,
        dt: float,
    ) -> None:
        """The fleets firms start with: bought evenly over the last chip lifetime from one
        vendor [FLOP/s per chip, FLOP/J and USD per chip today], each cohort with the design of
        its purchase date (back-cast at the vendor's rate [doublings/yr]), so a fleet ages out
        evenly rather than all at once. A frontier fleet, or one that never ages out, is one
        cohort of today's design."""
        life = self.life_steps
        n_cohorts = np.where(self.fleet_at_frontier | self.permanent, 1, life)[:, None]
        age = np.arange(int(n_cohorts.max(initial=1)))[None, :]  # steps since purchase
        exists = np.broadcast_to(age < n_cohorts, (len(self), age.shape[1]))
        remaining = np.where(n_cohorts > 1, life[:, None] - age, life[:, None])
        chips = column(self.params, "chips")[:, None] / n_cohorts
        fpj = flop_per_joule * np.exp2(
            -flop_per_joule_doublings_per_year * np.where(n_cohorts > 1, age * dt, 0.0)
        )
        flops = chips * flop_per_second_per_chip
        cost = chips * price_usd * remaining / life[:, None]
        # they run all of steps 1 to remaining and half of the next; they expire after it
        slot = np.where(self.permanent[:, None], self.ring, (2 + remaining) % self.ring)
        rows = np.broadcast_to(np.arange(len(self))[:, None], slot.shape)
        steps_charged = np.where(self.permanent[:, None], remaining, remaining + 0.5)
        for target, value in (
            (self.fleet_flop_per_second, flops),
            (self.fleet_watts, flops / fpj),
            (self.fleet_depreciation_usd, cost / steps_charged),
        ):
            target[rows[exists], slot[exists]] = np.broadcast_to(value, slot.shape)[exists]
        self.fleet_book_usd = np.where(exists, cost, 0.0).sum(axis=1)
        self.sum_fleet()

    def set_starting_model(
        self, site_efficiency: float, frontier_log2_flop_per_joule: float, tau0_years: float
    ) -> None:
        """Each firm's starting training compute: its parameter, or the papers'
        C0 = E0 * P0 * tau0, tau0 years of the training share of today's fleet at today's
        efficiency (``site_efficiency`` [IT J/grid J] of the energy it buys): the resource rate
        P0 of the papers is what trains the model (its run), not what serves or experiments."""
        e0 = site_efficiency * np.exp2(
            self.fleet_log2_flop_per_joule(frontier_log2_flop_per_joule)
            + self.log2_algorithmic_efficiency
        )
        grid_joules_per_year = self.watts / site_efficiency * SECONDS_PER_YEAR
        trains = self.training_share * self.run_share
        c0 = np.maximum(e0 * grid_joules_per_year * tau0_years * trains, 1.0)
        given = [p.initial_compute_flop for p in self.params]
        self.cumulative_logical_flop = np.array(
            [c if g is None else g for g, c in zip(given, c0, strict=True)], dtype=float
        )
        self.update_quality()

    def set_entry_model(self, log2_algorithmic_efficiency: float, compute_flop: float) -> None:
        """An entrant's starting point behind the frontier: its algorithms at
        ``log2_algorithmic_efficiency`` [log2 logical FLOP/FLOP] and a model trained with
        ``compute_flop`` [logical FLOP] (e.g. the best open model's)."""
        self.log2_algorithmic_efficiency = np.full(len(self), log2_algorithmic_efficiency)
        self.cumulative_logical_flop = np.full(len(self), compute_flop)
        self.installed_base = np.zeros(len(self))  # no users yet
        self.update_quality()

    def age_fleet(self, step: int) -> None:
        """Retire the cohorts that ran half of the last step, their last; the ones whose
        lifetime ends in ``step`` run half of it."""
        slot = step % self.ring
        self.retiring_slot = (step + 1) % self.ring
        for name in ("new_flop_per_second", "new_watts", "new_depreciation_usd"):
            setattr(self, name, np.zeros(len(self)))
        self.fleet_flop_per_second[:, slot] = 0.0
        self.fleet_watts[:, slot] = 0.0
        self.fleet_depreciation_usd[:, slot] = 0.0
        self.sum_fleet()

    def running(
        self, fleet: FloatArray, new: FloatArray, runs: NDArray[np.bool_] | None = None
    ) -> FloatArray:
        """A per-cohort fleet quantity [firm, slot] as it counts this step: half of the
        cohorts in their first step (``new``, per firm) and in their last; zero where ``runs``
        [firm, slot] is False (idle cohorts)."""
        out = fleet.copy() if runs is None else fleet * runs
        out[:, self.retiring_slot] *= 0.5
        if new.any():  # (none before this step's purchase)
            rows, slot = np.arange(len(self)), self.new_cohort_slot
            out[rows, slot] -= 0.5 * (new if runs is None else new * runs[rows, slot])
        return out

    def running_total(
        self, fleet: FloatArray, new: FloatArray, runs: FloatArray | None = None
    ) -> FloatArray:
        """Each firm's total of a per-cohort fleet quantity [firm, slot] as it counts this
        step: the row sums of :meth:`running`, with ``runs`` [firm, slot] 1.0 where a cohort
        runs and 0.0 where it is idle (a float mask: multiplying by it is several times
        cheaper than by a boolean one); ``None``: every cohort runs (no copy)."""
        if runs is not None:  # idle cohorts count zero
            fleet = np.multiply(fleet, runs, out=self.fleet_scratch)
            new = new * runs[np.arange(len(self)), self.new_cohort_slot]
        return cohort_totals(fleet) - 0.5 * (fleet[:, self.retiring_slot] + new)

    def sum_fleet(self) -> None:
        """FLOP/s, watts and depreciation per step of the fleet this step (:meth:`running`)."""
        self.flop_per_second = self.running_total(
            self.fleet_flop_per_second, self.new_flop_per_second
        )
        self.watts = self.running_total(self.fleet_watts, self.new_watts)
        self.depreciation_usd_per_step = self.running_total(
            self.fleet_depreciation_usd, self.new_depreciation_usd
        )

    def fleet_log2_flop_per_joule(self, frontier_log2_flop_per_joule: float) -> FloatArray:
        """log2 of each fleet's physical FLOP per IT joule [log2(FLOP/J)]."""
        own = self.watts > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            fleet = np.log2(self.flop_per_second / np.where(own, self.watts, 1.0))
        return np.where(self.fleet_at_frontier | ~own, frontier_log2_flop_per_joule, fleet)

    def energy_need_it_mwh_at_full(self, dt: float) -> FloatArray:
        """IT energy to run each whole fleet flat out for a step [MWh]."""
        return self.watts * (dt * SECONDS_PER_YEAR / JOULES_PER_MWH)

    # --- decisions ---------------------------------------------------------------------------
    def algorithmic_doublings_per_year(self, policies: ActivePolicies) -> FloatArray:
        """Fix and return the step's research rate g at today's frontier [doublings/yr]
        (``reference_doublings_per_year``).

        It is the firm's own rate, shocks in force, and what R&D buys where it pays off
        deterministically (breakthroughs of mean size 0); random breakthroughs come as jumps at
        the end of the step. Ideas get harder: at level x the same research buys
        ``g 2**(-beta (x - x_ref))``, so the level moves on the ideas law over the step
        (:meth:`log2_algorithmic_gain`, exact), not at g.
        """
        deterministic = np.where(
            self.breakthrough_mean_size > 0, 0.0, self.rnd_extra_doublings_per_year()
        )
        self.reference_doublings_per_year = (
            self.own_doublings_per_year
            + deterministic
            + policies.shock_doublings_per_year["algorithms"]
        )
        return self.reference_doublings_per_year

    def log2_algorithmic_gain(self, years: FloatArray | float) -> FloatArray:
        """Doublings of algorithmic efficiency ``years`` [yr] into the step on the ideas law at
        the step's research rate, without spillovers or breakthroughs (rows: firms; ``years``
        may carry a trailing axis of nodes; :func:`sim.physics.ideas_log2_gain`)."""
        extra = (slice(None),) + (None,) * np.ndim(years)
        return np.asarray(
            physics.ideas_log2_gain(
                years,
                self.log2_algorithmic_efficiency[extra],
                self.log2_reference_algorithmic_efficiency,
                self.reference_doublings_per_year[extra],
                self.idea_difficulty[extra],
            )
        )

    def rnd_extra_doublings_per_year(self) -> FloatArray:
        """What R&D adds to each firm's doubling rate this step [doublings/yr], at the smoothed
        spending in the middle of the step, this step's R&D included, so the step's research
        rate does not lag its spending by a step: fixed by :meth:`decide` (paying the R&D at
        settlement moves the smoothed spending, not this)."""
        return self.step_rnd_extra_doublings_per_year

    def ideas_rate_factor(self) -> FloatArray:
        """Share of the research rate each firm's level still gets, ``2**(-beta (x - x_ref))``."""
        return np.asarray(
            physics.ideas_rate_factor(
                self.log2_algorithmic_efficiency,
                self.log2_reference_algorithmic_efficiency,
                self.idea_difficulty,
            )
        )

    def decide(
        self,
        step: int,
        energy_usd_per_it_mwh: float,
        frontier_log2_flop_per_joule: float,
        market: MarketParams,
        policies: ActivePolicies,
        dt: float,
    ) -> None:
        """Plan the step: budgets for R&D and chips, and the marginal cost of a token.

        The firm spends its cash at the rate ``spend_rate``, exactly over the step: a share
        1 - exp(-spend_rate dt) of the cash it holds, plus what it would spend, within the
        step, of the money that comes in during it (revenue and funding less energy,
        dividends and fees, expected at last step's rate; :func:`discretionary_budget_usd`),
        never more than the cash left after the step's energy (idle chips earn nothing).
        R&D gets the spending at which its marginal return is 1
        (:func:`sim.innovation.optimal_rnd_spend_usd_per_year`), as far as the budget allows:
        an extra doubling saves a share ln 2 of the firm's compute spending (the fleet that
        runs this step, this step's chips counted at last step's purchase), kept while its lead
        lasts (rivals catch up at the spillover rate) and discounted at investors' hurdle rate.
        ``chip_share`` of the rest buys chips (chips bought this step run half of it), a share
        the firm moves at its reviews by the return on compute (:meth:`review_strategies`).
        What is not spent stays in cash.
        """
        self.age_fleet(step)
        cash = self.cash_usd
        it_mwh = self.energy_need_it_mwh_at_full(dt)
        energy_cost = np.minimum(it_mwh * energy_usd_per_it_mwh, cash)
        # net money in last step, bar what the firm chose to spend: the rate it expects now
        inflow = np.where(
            np.isnan(self.cash_at_decide_usd),
            0.0,
            (cash - self.cash_at_decide_usd + self.discretionary_usd) / dt,
        )
        budget = np.minimum(
            discretionary_budget_usd(cash, inflow, self.spend_rate, dt),
            np.maximum(cash - energy_cost, 0.0),
        )
        self.cash_at_decide_usd = cash.copy()
        # the chips bought this step run half of it: counted at last step's purchase
        compute_spend = (
            self.depreciation_usd_per_step
            + self.last_purchase_depreciation_usd
            + (it_mwh + 0.5 * self.last_purchase_it_mwh) * energy_usd_per_it_mwh
        ) / dt
        erosion = market.spillover_closed_per_year + np.where(
            self.open_weights, market.spillover_open_per_year, 0.0
        )
        self.lead_years = innovation.lead_years(
            market.hurdle_rate_per_year, erosion, self.rnd_horizon_years
        )
        value = innovation.lead_value_usd_per_doubling(compute_spend, self.lead_years)
        subsidy = policies.rnd_subsidy_rate["firms"]
        # what R&D buys shrinks as ideas get harder (the same factor production applies); the
        # level moves only at the end of the step, so the breakthroughs keep this factor
        self.step_ideas_rate_factor = self.ideas_rate_factor()
        reach = self.rnd_max_extra * self.step_ideas_rate_factor
        args = (value, reach, self.rnd_half_saturation, subsidy)
        self.rnd_optimal_usd_per_year = innovation.optimal_rnd_spend_usd_per_year(*args)
        self.rnd_break_even_usd_per_year = innovation.rnd_break_even_spend_usd_per_year(*args)
        # the firm's own money pays (1 - subsidy) of gross R&D; the budget limits its own money
        self.rnd_budget_usd = np.minimum(
            budget, (1.0 - subsidy) * self.rnd_optimal_usd_per_year * dt
        )
        # chips that cannot be powered earn nothing: buy in proportion to the share of last
        # step's energy demand that was served (the rest of the chip budget stays in cash)
        self.chip_budget_usd = (
            (budget - self.rnd_budget_usd) * self.chip_share * self.energy_served_share
        )
        # R&D is spent over the step: the research rate of the step follows the smoothed
        # spending in its middle (exact exponential weights over half a step, memory 1 year)
        gross_rate = self.rnd_budget_usd / (1.0 - subsidy) / dt
        self.rnd_step_usd_per_year = self.rnd_usd_per_year + (
            gross_rate - self.rnd_usd_per_year
        ) * -math.expm1(-dt / 2.0)
        self.step_rnd_extra_doublings_per_year = innovation.rnd_extra_doublings_per_year(
            self.rnd_step_usd_per_year, self.rnd_max_extra, self.rnd_half_saturation
        )
        log2_efficiency = (
            self.fleet_log2_flop_per_joule(frontier_log2_flop_per_joule)
            + self.log2_algorithmic_efficiency
        )
        cost_per_flop = production.cost_usd_per_logical_flop(
            it_mwh,
            energy_usd_per_it_mwh,
            self.depreciation_usd_per_step,
            it_mwh * JOULES_PER_MWH * np.exp2(log2_efficiency),
        )
        self.cost_usd_per_token = cost_per_flop * self.flop_per_token
        self.plan_runs(step, market, policies)

    def plan_runs(self, step: int, market: MarketParams, policies: ActivePolicies) -> None:
        """At the start of each training run (and when the compute threshold changes), plan it.

        A run set out ``t`` years after the start lasts ``run_length * 2^(doublings t)``
        years, in whole steps. Its physical FLOP are planned as the run's share of today's
        fleet over it, ``training_share * run_share * FLOP/s * length``. A run planned above
        the compute threshold
        either complies (it pays the compliance cost while it lasts and loses the delay share of
        its compute) or is held at the threshold (the compute it does not train serves tokens).
        The firm complies when the better model is worth more than the compliance cost
        (:func:`sim.finance.run_above_threshold_pays`). A run that was not registered is always
        held at the threshold, so an unplanned run never crosses it."""
        threshold = policies.compute_threshold_flop
        start = (self.run_step_index == 0) | (threshold != self.run_plan_threshold_flop)
        self.run_plan_threshold_flop = threshold
        if not start.any():
            return
        new = self.run_step_index == 0
        years = (step - 1) * self.dt  # since the start, at the start of this step
        length = self.run_length_years * np.exp2(self.run_length_doublings * years)
        self.run_steps = np.where(
            new, np.maximum(1, np.round(length / self.dt)).astype(int), self.run_steps
        )
        run_years = self.run_steps * self.dt
        comply = np.zeros(len(self), dtype=bool)  # no threshold in force: no run is above it
        if math.isfinite(threshold):
            revenue = self.recent_revenue_usd_per_year  # NaN before the first sale
            planned = (
                self.training_share
                * self.run_share
                * self.flop_per_second
                * run_years
                * SECONDS_PER_YEAR
            )
            comply = finance.run_above_threshold_pays(
                planned,
                threshold,
                np.exp2(self.log2_algorithmic_efficiency),
                self.cumulative_logical_flop + self.run_logical_flop_so_far,
                self.law.kappa,
                (self.loss - self.law.loss_floor) / market.loss_scale_nats_per_token,
                np.where(np.isnan(revenue), 0.0, revenue),
                self.rnd_horizon_years,
                policies.compliance_cost_usd_per_year * run_years,
                policies.compliance_delay_share,
            )
        self.above_threshold = np.where(start, comply, self.above_threshold)
        self.run_cap_physical_flop = np.where(
            start, np.where(comply, math.inf, threshold), self.run_cap_physical_flop
        )

    def plan_energy(
        self,
        energy_usd_per_it_mwh: float,
        frontier_log2_flop_per_joule: float,
        dt: float,
        for_auction: bool = True,
    ) -> None:
        """Energy to run each fleet this step [IT MWh]: the chip cohorts whose compute is worth
        the energy they burn (a merit order), as far as cash allows.

        A firm values a logical FLOP at its marginal value last step, the higher of training
        and serving (:meth:`value_compute`), and at least at what a FLOP costs it at full use
        this step (chips and energy, its cost per token over FLOP per token: the value it
        showed by buying the chips). A cohort of chips at f FLOP/J then earns v x A x f x 3.6e9 per IT MWh
        (:func:`sim.markets.compute_value_usd_per_it_mwh`, A its algorithmic efficiency) and
        runs only while that is at least ``energy_usd_per_it_mwh``; its depreciation is sunk.
        Dearer energy idles the least efficient cohorts first. The fleet's ``flop_per_second``
        and ``watts`` are then those of the cohorts that run, so production counts only their
        efficiency. Each running cohort's energy is kept (``energy_bid_it_mwh``, [firm,
        cohort]) and, ``for_auction`` (a cap sold by auction), what it is worth
        (``energy_value_usd_per_it_mwh``; zeros otherwise).
        """
        at_cost = self.cost_usd_per_flop
        if not np.isfinite(at_cost).all():  # (nan_to_num costs several of these checks)
            at_cost = np.nan_to_num(at_cost)
        per_flop = np.maximum(
            np.maximum(self.training_value_usd_per_flop, self.serving_value_usd_per_flop),
            at_cost,
        )
        algorithmic = np.exp2(self.log2_algorithmic_efficiency)
        # an IT MWh's worth per FLOP/J of the chips that burn it [USD/IT MWh per FLOP/J]
        worth = markets.compute_value_usd_per_it_mwh(per_flop, algorithmic, 1.0)[:, None]
        # (a cohort at the fleet's efficiency is worth at least its energy; rounding aside)
        price = energy_usd_per_it_mwh * (1.0 - 1e-9)
        # worth x FLOP/s / W up to the price (compared without dividing; NaN worth idles);
        # idle cohorts compute nothing and burn nothing
        runs = worth * self.fleet_flop_per_second >= np.multiply(
            price, self.fleet_watts, out=self.fleet_scratch
        )
        frontier = self.fleet_at_frontier
        if frontier.any():  # these fleets count at the frontier's efficiency, every cohort
            runs[frontier] = worth[frontier] * np.exp2(frontier_log2_flop_per_joule) >= price
        self.cohorts_run = runs
        running = None if runs.all() else runs.astype(np.float64)
        self.flop_per_second = self.running_total(
            self.fleet_flop_per_second, self.new_flop_per_second, running
        )
        self.watts = self.running_total(self.fleet_watts, self.new_watts, running)
        mwh_per_watt = dt * SECONDS_PER_YEAR / JOULES_PER_MWH
        cost = self.watts * (mwh_per_watt * energy_usd_per_it_mwh)
        afford = np.minimum(1.0, self.cash_usd / np.where(cost > 0, cost, 1.0))
        share = np.where(cost > 0, afford, 0.0)  # of the energy each fleet needs, bid for
        self.bid_it_mwh_per_watt = mwh_per_watt * share
        self.energy_need_it_mwh = self.watts * self.bid_it_mwh_per_watt
        if not for_auction:
            self.energy_value_usd_per_it_mwh = np.broadcast_to(0.0, runs.shape)  # no copy
            return
        has = self.fleet_watts > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            cohort_fpj = np.where(has, self.fleet_flop_per_second / self.fleet_watts, 0.0)
        cohort_fpj = np.where(frontier[:, None], np.exp2(frontier_log2_flop_per_joule), cohort_fpj)
        value = markets.compute_value_usd_per_it_mwh(
            per_flop[:, None], algorithmic[:, None], cohort_fpj
        )
        self.energy_value_usd_per_it_mwh = np.where(has & runs, value, 0.0)

    @property
    def energy_bid_it_mwh(self) -> FloatArray:
        """The IT energy each running cohort bids for this step [MWh, firm x cohort], its
        share of its fleet's :attr:`energy_need_it_mwh`, as planned by :meth:`plan_energy`
        this step; computed when asked (only an auctioned cap needs the cohorts' bids)."""
        running_watts = self.running(self.fleet_watts, self.new_watts, self.cohorts_run)
        return running_watts * self.bid_it_mwh_per_watt[:, None]

    # --- after the markets clear -------------------------------------------------------------
    def run_fleets(self, logical_flop: FloatArray, policies: ActivePolicies) -> None:
        """Split the step's compute [logical FLOP] between training and serving; train.

        ``run_share`` of the training compute goes into the run in progress (the rest are
        experiments), up to the run's cap (the compute threshold, unless the firm registered
        the run; what the cap keeps from training serves); a registered run loses
        ``delay_share`` of its training compute (it neither trains nor serves). When the run
        ends, its logical FLOP join the firm's model."""
        self.compute_logical_flop = logical_flop
        # logical per physical FLOP over the step: algorithms improve within it
        per_physical = self.algorithmic_efficiency * law.growth_integral(
            self.step_doublings_per_year * self.dt
        )
        trains = logical_flop * self.training_share
        wanted = trains * self.run_share  # the rest are experiments: they train nothing sold
        wanted_physical = wanted / per_physical
        room = np.maximum(self.run_cap_physical_flop - self.run_physical_flop_so_far, 0.0)
        self.run_capped = wanted_physical > room
        physical = np.where(self.run_capped, room, wanted_physical)
        training = np.where(self.run_capped, room * per_physical, wanted)
        serving = (logical_flop - trains) + (wanted - training)
        if policies.compliance_delay_share > 0:
            training = np.where(
                self.above_threshold, training * (1.0 - policies.compliance_delay_share), training
            )
        training = self.generate_data(training, self.flop_per_token)
        self.training_logical_flop = training
        self.run_physical_flop_so_far = self.run_physical_flop_so_far + physical
        self.run_logical_flop_so_far = self.run_logical_flop_so_far + training
        with np.errstate(divide="ignore", invalid="ignore"):
            joules = physical / (self.chip_flop_per_joule * self.site_efficiency)
        self.run_grid_joules_so_far = self.run_grid_joules_so_far + np.where(
            physical > 0, joules, 0.0
        )
        self.run_step_index = self.run_step_index + 1
        self.token_capacity = serving / self.flop_per_token

    def set_human_data(self, tokens: FloatArray) -> None:
        """The human data each firm may train on [tokens] (public plus its users'); its data
        stock adds what its synthetic data is worth (:func:`sim.data.synthetic_stock_tokens`)."""
        self.human_data_tokens = tokens
        self.data_tokens = tokens + np.asarray(
            data.synthetic_stock_tokens(self.generated_tokens, tokens, self.synthetic_ceiling)
        )

    def generate_data(self, training: FloatArray, flop_per_token: FloatArray) -> FloatArray:
        """Spend the share of this step's training compute [logical FLOP] that lowers the loss
        more generating synthetic data than training (:func:`sim.data.synthetic_generation_
        share`); return what is left to train. Each kept token costs ``synthetic_cost_factor``
        tokens of the firm's model, ``flop_per_token`` [logical FLOP] each."""
        if self.synthetic_ceiling <= 0 or not np.isfinite(self.human_data_tokens).any():
            self.synthetic_share = np.zeros(len(self))
            return training
        cost = self.synthetic_cost_factor * flop_per_token
        trained = self.cumulative_logical_flop + self.run_logical_flop_so_far
        self.synthetic_share = np.asarray(
            data.synthetic_generation_share(
                trained,
                training,
                self.human_data_tokens,
                self.generated_tokens,
                cost,
                self.synthetic_ceiling,
                self.fit,
                self.data_tokens,
            )
        )
        generating = self.synthetic_share * training
        if not generating.any():  # nothing generated: the data stock and training stand
            return training
        self.generated_tokens = self.generated_tokens + generating / cost
        self.set_human_data(self.human_data_tokens)
        return training - generating

    def end_runs(self) -> None:
        """Runs that have lasted their length end at the end of the step: their logical FLOP
        join the model, which buyers see and which serves from the next step on, and their
        physical FLOP and grid power [MW] are recorded."""
        ended = self.run_step_index >= self.run_steps
        if not ended.any():
            return
        seconds = self.run_steps * self.dt * SECONDS_PER_YEAR
        self.cumulative_logical_flop = self.cumulative_logical_flop + np.where(
            ended, self.run_logical_flop_so_far, 0.0
        )
        self.run_physical_flop = np.where(
            ended, self.run_physical_flop_so_far, self.run_physical_flop
        )
        self.run_power_mw = np.where(
            ended, self.run_grid_joules_so_far / seconds / 1e6, self.run_power_mw
        )
        self.largest_run_physical_flop = np.maximum(
            self.largest_run_physical_flop, self.run_physical_flop
        )
        for so_far in (
            "run_physical_flop_so_far",
            "run_logical_flop_so_far",
            "run_grid_joules_so_far",
        ):
            setattr(self, so_far, np.where(ended, 0.0, getattr(self, so_far)))
        self.run_step_index = np.where(ended, 0, self.run_step_index)
        self.update_quality()

    def update_quality(self) -> None:
        """Loss on the shared law and relative excess loss against the reference model, both
        at the effective compute: all of it while the compute-optimal dataset fits in the token
        stock, less once data binds (Muennighoff et al. 2023; :mod:`sim.data`)."""
        log_c = np.log(self.cumulative_logical_flop)
        log_eff = np.asarray(data.log_effective_compute_flop(log_c, self.data_tokens, self.fit))
        # exactly C where data does not bind (exp(log C) may differ from C in the last bit)
        self.effective_logical_flop = np.where(
            log_eff < log_c, np.exp(log_eff), self.cumulative_logical_flop
        )
        self.data_limited_share = -np.expm1(log_eff - log_c)
        self.compute_elasticity = np.asarray(
            data.effective_compute_elasticity(log_c, self.data_tokens, self.fit)
        )
        # the compute-optimal model of the effective compute serves (it stops growing once
        # data binds): its FLOP per token change here only, when the model does
        self.flop_per_token = production.inference_flop_per_token(
            self.fit.optimal_params(self.effective_logical_flop)
        )
        shared = self.law
        self.loss = np.asarray(
            law.loss_from_compute(
                self.effective_logical_flop, shared.loss_floor, shared.k_coefficient, shared.kappa
            )
        )
        self.log_relative_excess_loss = -shared.kappa * (
            log_eff - math.log(self.reference_compute_flop)
        )

    @property
    def cost_usd_per_flop(self) -> FloatArray:
        """What a logical FLOP costs the firm at full use this step [USD/logical FLOP]: its
        cost per token (:meth:`decide`) over the FLOP a token takes (NaN without a fleet)."""
        return self.cost_usd_per_token / self.flop_per_token

    @property
    def relative_excess_loss(self) -> FloatArray:
        return np.exp(self.log_relative_excess_loss)

    @property
    def run_above_threshold(self) -> FloatArray:
        """1 where the run in progress is registered above the compute threshold, else 0."""
        return self.above_threshold.astype(float)

    @property
    def run_held_at_threshold(self) -> FloatArray:
        """1 where the threshold held the run's training back this step, else 0."""
        return (self.run_capped & np.isfinite(self.run_cap_physical_flop)).astype(float)

    def settle(self, ledger: Ledger, policies: ActivePolicies, dt: float) -> None:
        """R&D, compliance, depreciation and the step's profit; what investors see of it."""
        rnd, subsidy = self.do_rnd(
            ledger, self.rnd_budget_usd, policies.rnd_subsidy_rate["firms"], dt
        )
        self.rnd_usd = rnd
        # what the next step's decisions expect of this one's flows
        self.discretionary_usd = self.chips_usd() + rnd
        self.last_purchase_depreciation_usd = self.chips_usd() / self.life_steps
        # the watts of this step's chips (new_watts: :meth:`add_cohorts` since :meth:`age_fleet`)
        self.last_purchase_it_mwh = self.new_watts * (dt * SECONDS_PER_YEAR / JOULES_PER_MWH)
        # the same test as the training delay, this step
        due = np.where(self.above_threshold, policies.compliance_cost_usd_per_year * dt, 0.0)
        compliance = ledger.transfer("compliance", due, self.accounts, "government")
        self.profit_usd = (
            self.revenue_usd()
            + subsidy
            - self.energy_usd()
            - rnd
            - compliance
            - self.depreciation_usd_per_step
        )
        self.fleet_book_usd = np.maximum(self.fleet_book_usd - self.depreciation_usd_per_step, 0.0)
        self.recent_profit_usd_per_year = finance.smooth(
            self.recent_profit_usd_per_year, self.profit_usd / dt, dt, 1.0
        )
        self.loss_streak_years = finance.loss_streak_years(
            self.loss_streak_years, self.recent_profit_usd_per_year, dt
        )

    def advance_algorithms(self, market: MarketParams, rng: np.random.Generator, dt: float) -> None:
        """Algorithms move on over the step just run: each firm at the rate its compute was
        integrated with, plus its random R&D breakthroughs, while followers catch up toward the
        best closed algorithms and, faster, toward the best open-weight ones (exact over the
        step; :func:`sim.innovation.catch_up_log2_efficiency`)."""
        a = self.log2_algorithmic_efficiency
        rate = self.step_doublings_per_year
        closed, opened = innovation.frontier_log2_efficiency(a, self.open_weights)
        best = rate[np.argmax(a)] if len(a) else 0.0
        best_open = (
            rate[self.open_weights][np.argmax(a[self.open_weights])] if np.isfinite(opened) else 0.0
        )
        target = innovation.spillover_targets(
            a,
            closed,
            opened,
            market.spillover_closed_per_year,
            market.spillover_open_per_year,
            best,
            best_open,
        )
        moved = innovation.catch_up_log2_efficiency(
            a,
            target.target_log2_efficiency,
            target.catch_up_rate_per_year,
            dt,
            rate,
            target.target_doublings_per_year,
        )
        random = self.breakthrough_mean_size > 0
        # breakthroughs get harder to find too: R&D buys the ideas law's share of its rate
        # (the factor of the level at the start of the step, fixed by decide)
        jumps = innovation.breakthrough_doublings(
            np.where(
                random, self.rnd_extra_doublings_per_year() * self.step_ideas_rate_factor, 0.0
            ),
            dt,
            self.breakthrough_mean_size,
            rng,
            self.draw_key,
            self.n_draw_keys,
        )
        self.log2_algorithmic_efficiency = moved + np.where(random, jumps, 0.0)

    def capital_usd(self) -> FloatArray:
        """What investors see a firm employ [USD]: cash plus the book value of its fleet (its
        cost less the depreciation charged so far, straight-line over each cohort's life)."""
        return self.cash_usd + self.fleet_book_usd

    def raise_funding(
        self, ledger: Ledger, market: MarketParams, supply_usd: float, dt: float
    ) -> FloatArray:
        """Raise funding where expected returns beat investors' hurdle; returns it [USD].

        Investors look at this step's revenue and operating profit (revenue less energy,
        depreciation and the R&D budget), folded into the year-long averages the firm keeps
        (:func:`sim.finance.smooth`, :func:`sim.finance.smooth_from_start`), so what they see
        does not lag by a step, and at the growth of that revenue averaged over
        ``growth_memory_years`` (a growth measured over one step would depend on the step).
        The step's revenue is final here: the revenue average and its growth are updated."""
        capital = self.capital_usd()
        before = self.recent_revenue_usd_per_year
        self.revenue_total, self.revenue_weight = finance.smooth_from_start(
            self.revenue_total, self.revenue_weight, self.revenue_usd() / dt, dt, 1.0
        )
        recent = self.recent_revenue_usd_per_year = self.revenue_total / self.revenue_weight
        growth = self.revenue_growth_per_year = finance.smooth(
            self.revenue_growth_per_year,
            finance.growth_rate_per_year(recent, before, dt),
            dt,
            market.growth_memory_years,
        )
        operating = (
            self.revenue_usd() - self.energy_usd() - self.depreciation_usd_per_step
        ) - self.rnd_budget_usd
        profit = finance.smooth(self.recent_profit_usd_per_year, operating / dt, dt, 1.0)
        # growth is credited in proportion to the business that grows: revenue growth of a firm
        # whose revenue is a tenth of its capital adds a tenth of that growth to its return
        employed = np.maximum(capital, 1.0)
        scale = np.minimum(1.0, np.where(np.isnan(recent), 0.0, recent) / employed)
        streak = finance.loss_streak_years(self.loss_streak_years, profit, dt)
        expected = finance.expected_return_per_year(
            profit,
            capital,
            growth * scale,
            streak,
            market.max_growth_per_year,
            market.growth_patience_years,
        )
        wanted = finance.funding_demand_usd_per_year(
            capital, expected, market.hurdle_rate_per_year, market.funding_adjustment_years
        )
        # capital growing at the rate investors want, compounded exactly over the step, so the
        # funding of a year does not depend on the step length
        # (at most e^MAX_FUNDING_EFOLDS times the capital a step, far above any supply, so
        # that a hurdle near 0 or an instant adjustment ration the supply, not overflow)
        rate = wanted / employed
        step_amount = employed * np.expm1(np.minimum(rate * dt, MAX_FUNDING_EFOLDS))
        funding = finance.allocate_funding_usd_per_year(step_amount / dt, supply_usd / dt) * dt
        return ledger.transfer("funding", funding, "investors", self.accounts)

    def pay_dividends(self, ledger: Ledger, market: MarketParams, dt: float) -> FloatArray:
        """Profitable firms pay out a share of their profit above a cash buffer [USD].

        The payout follows the firm's profit rate averaged over about a year (Lintner 1956:
        dividends track smoothed earnings), paid pro rata over the step, so a year's dividends
        do not depend on the step length nor on a single step's swings."""
        costs_per_year = (self.energy_usd() + self.rnd_usd + self.depreciation_usd_per_step) / dt
        buffer = finance.cash_buffer_usd(costs_per_year, market.cash_buffer_years)
        due = finance.dividends_usd(
            self.recent_profit_usd_per_year * dt, self.cash_usd, buffer, market.payout_share
        )
        return ledger.transfer("dividends", due, self.accounts, "investors")

    def value_compute(
        self, market: MarketParams, tokens_per_task: float, task_success: FloatArray, dt: float
    ) -> None:
        """What the next logical FLOP is worth [USD/logical FLOP], in training and in serving
        (:mod:`sim.strategy`), from the services market just cleared (buyers' ``task_success``
        with each firm's model, :func:`sim.demand.task_success`) and averaged over about a
        review period, per dollar of the firm's cost per FLOP (carried to today's cost): the
        firm's marginal value of compute, for its reviews and energy bids."""
        shared = self.law
        # a firm that offered nothing this step (no capacity) counts on the markup of an entrant
        # with a negligible share, mu / T per token
        price = np.where(
            np.isfinite(self.price_usd_per_million_tokens),
            self.price_usd_per_million_tokens / 1e6,
            self.cost_usd_per_token + market.taste_noise_usd_per_task / tokens_per_task,
        )
        excess = self.loss - shared.loss_floor
        train = strategy.training_value_usd_per_flop(
            self.tasks_sold_per_year,
            (price - self.cost_usd_per_token) * tokens_per_task,
            self.market_share,
            market.taste_noise_usd_per_task,
            market.value_usd_per_task,
            task_success,
            excess,
            market.loss_scale_nats_per_token,
            shared.kappa,
            self.cumulative_logical_flop,
            self.lead_years,
            self.compute_elasticity,
        )
        serve = strategy.serving_value_usd_per_flop(
            price, self.cost_usd_per_token, self.flop_per_token, self.capacity_binds
        )
        # averaged over about a review period (exact exponential weights), so what a review
        # sees does not hang on whether capacity happened to bind in the step it falls on. The
        # average is of each value per dollar of the firm's own cost per FLOP, as a review
        # reads it: FLOP get cheaper by several times a year, and an average of values in
        # dollars would weigh last year's dear FLOP against today's cheap ones (it kept a
        # value for serving above cost for years after capacity last bound)
        tau = self.review_every_steps * dt
        first = self.values_seen == 0
        cost = self.cost_usd_per_flop
        rescale = strategy.cost_ratio(cost, self.value_cost_usd_per_flop)
        self.value_cost_usd_per_flop = np.where(
            np.isfinite(cost) & (cost > 0), cost, self.value_cost_usd_per_flop
        )
        for name, value in (
            ("training_value_usd_per_flop", train),
            ("serving_value_usd_per_flop", serve),
        ):
            seen = getattr(self, name) * rescale  # at today's cost per FLOP
            setattr(self, name, np.where(first, value, finance.smooth(seen, value, dt, tau)))
        self.values_seen = self.values_seen + 1

    def reviews_due(self, step: int, replan: bool = False) -> NDArray[np.bool_]:
        """The adaptive firms whose strategy review falls in ``step`` (all of them if
        ``replan``)."""
        return self.adaptive & ((step % self.review_every_steps == 0) | replan)

    def review_strategies(
        self,
        step: int,
        rng: np.random.Generator,
        market: MarketParams,
        replan: bool = False,
    ) -> None:
        """Adaptive firms review their strategy every ``review_every_years``, and all of them at
        once when a policy lever starts or stops (``replan``).

        A reviewing firm looks at one random rival and copies its shares, with noise, with a
        probability that rises with how much more profitable the rival was (proportional
        imitation, :func:`sim.strategy.imitation_probability`). Otherwise it moves each
        share toward the higher marginal return (:mod:`sim.strategy`), by ``strategy_step``
        in log-odds with exploration noise: ``training_share`` by the value of the next
        logical FLOP in training against serving, ``chip_share`` by the value of the next
        logical FLOP against what it costs (above 1 a dollar of compute returns more than a
        dollar). Every firm decides on what it saw this step, at once. A review moves at a
        pace: by the part of a review period since the firm's last review (1 at scheduled
        reviews; docs/model.md 3.3.13), so a re-plan adds no adjustment of its own.
        """
        n = len(self)
        due = self.reviews_due(step, replan)
        if n < 2 or not due.any():
            return
        # each firm's draws sit at its own place (common random numbers); the rival is a
        # uniformly chosen row of the firms alive
        place = self.draw_key
        rival = np.minimum((rng.random(self.n_draw_keys)[place] * n).astype(int), n - 1)
        draws = rng.standard_normal((2, self.n_draw_keys))[:, place]
        # strategy moves at a pace per review period: a review moves shares by the part of a
        # period since the firm's last one (1 at scheduled reviews), so a re-plan soon after a
        # review moves little and the next scheduled review the rest, and re-planning when a
        # lever starts adds no adjustment of its own
        pace = np.minimum((step - self.last_review_step) / self.review_every_steps, 1.0)
        chance = strategy.imitation_probability(self.recent_profit_usd_per_year, rival)
        chance = np.where(pace >= 1.0, chance, 1.0 - (1.0 - chance) ** pace)
        imitate = due & (rng.random(self.n_draw_keys)[place] < chance)
        self.last_review_step = np.where(due, step, self.last_review_step)
        train, serve = self.training_value_usd_per_flop, self.serving_value_usd_per_flop
        to_training = strategy.log_ratio_signal(train, serve)
        to_chips = strategy.log_ratio_signal(np.maximum(train, serve), self.cost_usd_per_flop)
        noise = self.imitation_noise
        pace_step, pace_noise = self.strategy_step * pace, noise * np.sqrt(pace)
        moved_training = strategy.adjust_share(
            self.training_share, to_training, pace_step, pace_noise, draws[0]
        )
        moved_chips = strategy.adjust_share(
            self.chip_share, to_chips, pace_step, pace_noise, draws[1]
        )
        bounds = (strategy.SHARE_BOUND, 1.0 - strategy.SHARE_BOUND)
        copied_training = np.clip(self.training_share[rival] + noise * draws[0], *bounds)
        copied_chips = np.clip(self.chip_share[rival] + noise * draws[1], *bounds)
        self.training_share = np.where(
            imitate, copied_training, np.where(due, moved_training, self.training_share)
        )
        self.chip_share = np.where(
            imitate, copied_chips, np.where(due, moved_chips, self.chip_share)
        )

    def leaving(self) -> NDArray[np.bool_]:
        """Firms that ran out of money and lost money this step."""
        return (self.cash_usd < self.exit_cash_usd) & (self.profit_usd <= 0.0)

    def outputs(self) -> dict[str, object]:
        out = super().outputs()
        # one copy of all of them (rows change next step); each column is a row of it
        block = np.array([getattr(self, name) for name in FIRM_ONLY_OUTPUTS], dtype=float)
        out.update(zip(FIRM_ONLY_OUTPUTS, block, strict=True))
        return out


def cohort_totals(fleet: FloatArray) -> FloatArray:
    """Each firm's total of a per-cohort fleet quantity [firm, slot], a sum along each row.

    Not :func:`sim.markets.row_sums`: its BLAS matrix-vector product is as fast on a few
    thousand firms, but on more it splits rows this long (a slot for every step of a chip's
    life) over threads, which cost several times the work on a busy machine (10,000 firms x
    51 slots: about 1 ms of CPU a call against 0.15 ms)."""
    return np.einsum("ij->i", fleet)


def discretionary_budget_usd(
    cash_usd: FloatArray,
    inflow_usd_per_year: FloatArray,
    spend_rate_per_year: FloatArray,
    dt: float,
) -> FloatArray:
    """What a firm that spends its cash at ``spend_rate_per_year`` r [1/yr] spends in a step of
    ``dt`` [yr] [USD], exactly: with cash C0 at its start and money coming in at
    ``inflow_usd_per_year`` I [USD/yr] through it, ``C0 (1 - e^(-r dt)) + I (dt - (1 -
    e^(-r dt)) / r)`` (``dC/dt = I - r C`` integrated), so two half steps spend what one
    whole step spends; nothing at r = 0. Never negative."""
    share = -np.expm1(-spend_rate_per_year * dt)
    spends = spend_rate_per_year > 0
    later = np.where(spends, dt - share / np.where(spends, spend_rate_per_year, 1.0), 0.0)
    return np.asarray(np.maximum(cash_usd * share + inflow_usd_per_year * later, 0.0))


class AIFirm(MarketAgent):
    """One AI firm: a view on its row of :class:`Firms` (``firm.cash_usd``, ``firm.loss``...)."""

    agent_type = "firm"
