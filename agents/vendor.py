"""Hardware vendors: chip designs that improve, production capacity, prices with market power."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agents.base import AgentTable, FloatArray, MarketAgent, column
from sim import markets, physics
from sim.ledger import Ledger
from sim.params import VendorParams
from sim.policies import ActivePolicies


class Vendors(AgentTable):
    """All hardware vendors, one row each: they sell accelerators and own the chip link of the
    chain (FLOP per joule).

    A vendor's current design's FLOP per joule and FLOP/s per dollar of unit cost double at its
    own rates, raised by R&D with diminishing returns. It prices at unit cost times the logit
    markup of its last share of chip sales, so a vendor whose chips are better than its rivals'
    wins share and with it margin.
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

    def post_offer(self, dt: float) -> None:
        """Set this step's price [USD/chip] and deliverable chips."""
        self.price_usd = self.unit_cost_usd * (1.0 + self.markup)
        self.deliverable_chips = self.capacity_chips_per_year * dt

    def settle(
        self, ledger: Ledger, chips_sold: FloatArray, policies: ActivePolicies, dt: float
    ) -> None:
        """Book the step's sales (already paid by firms), pay production and R&D, and keep the
        share of sales that sets the next price (the last one if nobody bought chips)."""
        self.chips_sold = chips_sold
        production = ledger.transfer(
            "fabrication", chips_sold * self.unit_cost_usd, self.accounts, "outside"
        )
        rnd, subsidy = self.do_rnd(
            ledger, self.rnd_share * self.revenue_usd(), policies.rnd_subsidy_rate["vendors"], dt
        )
        self.profit_usd = self.revenue_usd() + subsidy - production - rnd
        total = chips_sold.sum()
        if total > 0:
            self.share = chips_sold / total

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

    def advance(self, policies: ActivePolicies, dt: float) -> None:
        """Improve the designs over the step just run, and grow capacity.

        FLOP/J follows the ceiling law. A chip's power is FLOP/s over FLOP/J: FLOP/s per chip
        would grow at its own rate, and what FLOP/J gains do not cover comes from drawing more
        watts, which approach the package's ceiling (ceiling law, softness 1 doubling), so once
        FLOP/J stalls FLOP/s per chip stops growing too and power per chip stays physical.
        FLOP/s per dollar improves with the same headroom factor as FLOP/J (both come from
        transistor scaling), so chips do not become free once physics binds.
        """
        joule_rate, dollar_rate = self.rates(policies)
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
            self.log2_flop_per_second_per_usd + dollar_rate * headroom * dt
        )
        self.capacity_chips_per_year = self.capacity_chips_per_year * np.exp2(
            self.capacity_doublings_per_year * dt
        )


class HardwareVendor(MarketAgent):
    """One hardware vendor: a view on its row of :class:`Vendors`."""

    agent_type = "vendor"
