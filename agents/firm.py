"""AI firm (a lab): a fleet of chip cohorts, its own algorithmic efficiency, a strategy."""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

from agents.base import MarketAgent
from sim import law, markets, production
from sim.params import JOULES_PER_MWH, SECONDS_PER_YEAR, FirmParams

if TYPE_CHECKING:
    from sim.model import EfficiencyRaceModel
    from sim.policies import ActivePolicies


class AIFirm(MarketAgent):
    """Buys chips and energy, trains down the shared law, serves tokens, and does R&D.

    It owns the last link of the efficiency chain, algorithmic and systems efficiency (logical
    FLOP per physical FLOP), which doubles at its own rate plus what its R&D buys. Its fleet is
    a queue of cohorts, each keeping the chip efficiency it was bought with until it ages out.
    Its strategy is two shares: of the discretionary budget that buys chips (the rest is R&D),
    and of compute spent training (the rest serves). An adaptive firm imitates more profitable
    rivals at each review.
    """

    agent_type = "firm"

    def __init__(self, model: EfficiencyRaceModel, params: FirmParams, name: str) -> None:
        super().__init__(model, name, params.cash_usd)
        self.params = params
        self.region = params.region
        self.chip_share = params.chip_share
        self.training_share = params.training_share
        self.log2_algorithmic_efficiency = math.log2(params.algorithmic_efficiency)
        # fleet: cohorts (expiry step, FLOP/s, W, depreciation USD/step), and running sums
        self.cohorts: deque[tuple[int, float, float, float]] = deque()
        self.flop_per_second = 0.0
        self.watts = 0.0
        self.depreciation_usd_per_step = 0.0
        self.cumulative_logical_flop = math.nan  # set once the fleet exists (see initial_fleet)
        self.market_share = 0.0
        self.recent_profit_usd_per_year = 0.0  # profit rate smoothed over about a year
        self.compute_logical_flop = 0.0
        self.site_efficiency = math.nan
        self.energy_served_share = 1.0
        self.step_doublings_per_year = 0.0
        self.above_threshold = False
        self.training_logical_flop = 0.0
        self.energy_usd = self.chips_usd = self.rnd_usd = 0.0

    def open_accounts(self) -> None:
        super().open_accounts()
        self.energy_usd = self.chips_usd = self.rnd_usd = 0.0

    # --- fleet -------------------------------------------------------------------------------
    def add_cohort(
        self,
        chips: float,
        flop_per_second: float,
        flop_per_joule: float,
        cost_usd: float,
        life_steps: int,
        first_step: int | None = None,
    ) -> None:
        """Add ``chips`` accelerators of one design [FLOP/s per chip, FLOP/J] bought for
        ``cost_usd``, running ``life_steps`` steps from ``first_step`` (default: this step)."""
        if chips <= 0:
            return
        flops = chips * flop_per_second
        watts = flops / flop_per_joule
        depreciation = cost_usd / life_steps
        start = self.model.steps if first_step is None else first_step
        self.cohorts.append((start + life_steps, flops, watts, depreciation))
        self.flop_per_second += flops
        self.watts += watts
        self.depreciation_usd_per_step += depreciation

    def age_fleet(self) -> None:
        """Retire the cohorts whose lifetime is over."""
        while self.cohorts and self.cohorts[0][0] <= self.model.steps:
            _, flops, watts, depreciation = self.cohorts.popleft()
            self.flop_per_second -= flops
            self.watts -= watts
            self.depreciation_usd_per_step -= depreciation
        if not self.cohorts:  # no drift from repeated subtraction
            self.flop_per_second = self.watts = self.depreciation_usd_per_step = 0.0

    def fleet_log2_flop_per_joule(self, frontier_log2_flop_per_joule: float) -> float:
        """log2 of the fleet's physical FLOP per IT joule [log2(FLOP/J)]."""
        if self.params.fleet_at_frontier or self.watts <= 0:
            return frontier_log2_flop_per_joule
        return math.log2(self.flop_per_second / self.watts)

    # --- decisions ---------------------------------------------------------------------------
    def algorithmic_doublings_per_year(self, policies: ActivePolicies) -> float:
        p = self.params
        extra = self.rnd_extra_doublings_per_year()
        return (
            p.algorithmic_doublings_per_year
            + extra
            + policies.shock_doublings_per_year["algorithms"]
        )

    def decide(self, energy_usd_per_it_mwh: float, frontier_log2_fpj: float, dt: float) -> None:
        """Plan the step: energy to run the fleet, budgets for chips and R&D, the token price.

        Energy to run the fleet comes first (idle chips earn nothing); a share
        1 - exp(-spend_rate dt) of the cash left after it is the step's discretionary budget,
        split by strategy between chips and R&D. Chips bought this step run this step.
        """
        p = self.params
        self.age_fleet()
        energy_cost = min(
            self.energy_need_it_mwh_at_full(dt) * energy_usd_per_it_mwh, self.cash_usd
        )
        budget = (self.cash_usd - energy_cost) * -math.expm1(-p.spend_rate_per_year * dt)
        # chips that cannot be powered earn nothing: buy in proportion to the share of last
        # step's energy demand that was served (the rest of the chip budget stays in cash)
        self.chip_budget_usd = budget * self.chip_share * self.energy_served_share
        self.rnd_budget_usd = budget * (1.0 - self.chip_share)
        # price tokens at the logit markup over the cost of a token from a fully used fleet
        it_mwh = self.energy_need_it_mwh_at_full(dt)
        log2_efficiency = (
            self.fleet_log2_flop_per_joule(frontier_log2_fpj) + self.log2_algorithmic_efficiency
        )
        cost_per_flop = production.cost_usd_per_logical_flop(
            it_mwh,
            energy_usd_per_it_mwh,
            self.depreciation_usd_per_step,
            it_mwh * JOULES_PER_MWH * 2.0**log2_efficiency,
        )
        market = self.model.config.market
        markup = float(
            markets.logit_markup(self.market_share, market.price_sensitivity, market.max_markup)
        )
        cost_per_token = cost_per_flop * self.flop_per_token()
        self.price_usd_per_million_tokens = 1e6 * cost_per_token * (1.0 + markup)

    def flop_per_token(self) -> float:
        """Logical FLOP to serve a token with the firm's current (compute-optimal) model."""
        n_params = self.model.params_per_model(self.cumulative_logical_flop)
        return float(production.inference_flop_per_token(n_params))

    def energy_need_it_mwh_at_full(self, dt: float) -> float:
        """IT energy to run the whole fleet flat out for a step [MWh]."""
        return self.watts * dt * SECONDS_PER_YEAR / JOULES_PER_MWH

    def plan_energy(self, energy_usd_per_it_mwh: float, dt: float) -> None:
        """Energy to run the fleet, new chips included, as far as cash allows [IT MWh]."""
        need = self.energy_need_it_mwh_at_full(dt)
        cost = need * energy_usd_per_it_mwh
        self.energy_need_it_mwh = need * min(1.0, self.cash_usd / cost) if cost > 0 else 0.0

    # --- after the markets clear -------------------------------------------------------------
    def run_fleet(self, logical_flop: float, policies: ActivePolicies) -> None:
        """Split the step's compute [logical FLOP] between training and serving; train."""
        self.compute_logical_flop = logical_flop
        training = logical_flop * self.training_share
        self.above_threshold = self.cumulative_logical_flop > policies.compute_threshold_flop
        if self.above_threshold:
            training *= 1.0 - policies.compliance_delay_share
        self.cumulative_logical_flop += training
        self.training_logical_flop = training
        self.serving_flop = logical_flop - logical_flop * self.training_share
        self.token_capacity = self.serving_flop / self.flop_per_token()
        self.update_quality()

    def update_quality(self) -> None:
        law_ = self.model.law
        self.loss = float(
            law.loss_from_compute(
                self.cumulative_logical_flop, law_.loss_floor, law_.k_coefficient, law_.kappa
            )
        )
        self.log_relative_excess_loss = -law_.kappa * math.log(
            self.cumulative_logical_flop / self.model.config.law.reference_compute_flop
        )
        self.relative_excess_loss = math.exp(self.log_relative_excess_loss)

    def settle(self, policies: ActivePolicies, dt: float) -> None:
        """R&D, compliance, depreciation and the step's profit; then advance algorithms."""
        rnd, subsidy = self.do_rnd(self.rnd_budget_usd, policies.rnd_subsidy_rate["firms"], dt)
        self.rnd_usd = rnd
        compliance = 0.0
        if self.above_threshold:  # the same test as the training delay, this step
            compliance = self.pay(
                "government", "compliance", policies.compliance_cost_usd_per_year * dt
            )
        self.profit_usd = (
            self.revenue_usd
            + subsidy
            - self.energy_usd
            - rnd
            - compliance
            - self.depreciation_usd_per_step
        )
        self.recent_profit_usd_per_year += (
            self.profit_usd / dt - self.recent_profit_usd_per_year
        ) * -math.expm1(-dt)
        # advance at the rate the step's compute was integrated with (set in the fleet phase)
        self.log2_algorithmic_efficiency += self.step_doublings_per_year * dt

    def imitate(self, rival: AIFirm) -> None:
        """Copy a more profitable rival's strategy, with noise (adaptive firms, at reviews)."""
        if rival.recent_profit_usd_per_year > self.recent_profit_usd_per_year:
            noise = self.params.imitation_noise
            rng = self.model.rng
            self.chip_share = min(1.0, max(0.0, rival.chip_share + noise * rng.standard_normal()))
            self.training_share = min(
                1.0, max(0.0, rival.training_share + noise * rng.standard_normal())
            )

    def should_exit(self) -> bool:
        return self.cash_usd < self.params.exit_cash_usd and self.profit_usd <= 0.0
