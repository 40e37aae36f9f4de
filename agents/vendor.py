"""Hardware vendor: a chip design that improves, production capacity, prices with market power."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from agents.base import MarketAgent
from sim import markets
from sim.params import VendorParams

if TYPE_CHECKING:
    from sim.model import EfficiencyRaceModel
    from sim.policies import ActivePolicies


class HardwareVendor(MarketAgent):
    """Sells accelerators and owns the chip link of the chain (FLOP per joule).

    Its current design's FLOP per joule and FLOP/s per dollar of unit cost double at its own
    rates, raised by R&D with diminishing returns. It prices at unit cost times the logit markup
    of its last share of chip sales, so a vendor whose chips are better than its rivals' wins
    share and with it margin.
    """

    agent_type = "vendor"
    site_efficiency = math.nan  # a firm-only output (suppliers report their own 1/PUE)

    def __init__(
        self, model: EfficiencyRaceModel, params: VendorParams, name: str, share: float
    ) -> None:
        super().__init__(model, name, params.cash_usd)
        self.params = params
        self.log2_flop_per_joule = math.log2(params.flop_per_joule)
        self.log2_flop_per_second = math.log2(params.flop_per_second_per_chip)
        self.log2_flop_per_second_per_usd = math.log2(
            params.flop_per_second_per_chip / params.unit_cost_usd
        )
        self.capacity_chips_per_year = params.capacity_chips_per_year
        self.share = share
        self.chips_sold = 0.0
        self.price_usd = self.unit_cost_usd * (1.0 + self.markup)

    @property
    def flop_per_joule(self) -> float:
        return 2.0**self.log2_flop_per_joule

    @property
    def flop_per_second_per_chip(self) -> float:
        return 2.0**self.log2_flop_per_second

    @property
    def unit_cost_usd(self) -> float:
        return 2.0 ** (self.log2_flop_per_second - self.log2_flop_per_second_per_usd)

    @property
    def markup(self) -> float:
        return float(
            markets.logit_markup(
                self.share,
                self.model.config.market.chip_choice_sensitivity,
                self.params.max_markup,
            )
        )

    def rates(self, policies: ActivePolicies) -> tuple[float, float]:
        """This step's doubling rates of FLOP/J and of FLOP/s per dollar [doublings/yr]."""
        p = self.params
        extra = self.rnd_extra_doublings_per_year()
        shocks = policies.shock_doublings_per_year
        return (
            p.flop_per_joule_doublings_per_year + extra + shocks["chip_flop_per_joule"],
            p.flop_per_dollar_doublings_per_year + extra + shocks["chip_flop_per_dollar"],
        )

    def post_offer(self, dt: float) -> None:
        """Set this step's price [USD/chip] and deliverable chips."""
        self.price_usd = self.unit_cost_usd * (1.0 + self.markup)
        self.deliverable_chips = self.capacity_chips_per_year * dt

    def settle(self, chips_sold: float, share: float, policies: ActivePolicies, dt: float) -> None:
        """Book the step's sales (already paid by firms), pay production and R&D."""
        p = self.params
        self.chips_sold = chips_sold
        production = self.pay("outside", "fabrication", chips_sold * self.unit_cost_usd)
        rnd, subsidy = self.do_rnd(
            p.rnd_share * self.revenue_usd, policies.rnd_subsidy_rate["vendors"], dt
        )
        self.profit_usd = self.revenue_usd + subsidy - production - rnd
        if not math.isnan(share):  # NaN: nobody bought chips this step; keep the last share
            self.share = share

    def advance(self, policies: ActivePolicies, dt: float) -> None:
        """Improve the design over the step just run, and grow capacity."""
        p = self.params
        joule_rate, dollar_rate = self.rates(policies)
        self.log2_flop_per_joule += joule_rate * dt
        self.log2_flop_per_second += p.flop_per_second_doublings_per_year * dt
        self.log2_flop_per_second_per_usd += dollar_rate * dt
        self.capacity_chips_per_year *= 2.0 ** (p.capacity_doublings_per_year * dt)
