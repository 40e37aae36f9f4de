"""What every agent type shares: identity, cash booked through the ledger, and accounts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import mesa

from sim import markets

if TYPE_CHECKING:
    from sim.model import EfficiencyRaceModel


class MarketAgent(mesa.Agent):
    """A Mesa agent with a name, cash and the step's accounts [USD].

    Cash changes only through ``model.ledger.transfer``. The step's ``revenue_usd`` and
    ``profit_usd`` are reset at the start of each step and read by the data collector; firm-only
    columns are NaN for other agent types, so every agent reports the same columns.
    """

    agent_type = "agent"
    model: EfficiencyRaceModel
    params: Any  # the agent's parameter dataclass (FirmParams, VendorParams, SupplierParams)

    # firm-only outputs, NaN elsewhere (tidy agents table)
    cumulative_logical_flop = math.nan
    loss = math.nan
    relative_excess_loss = math.nan
    elogical_flop_per_joule = math.nan
    market_share = math.nan
    price_usd_per_million_tokens = math.nan
    compute_logical_flop = math.nan
    training_logical_flop = math.nan
    chip_flop_per_joule = math.nan
    algorithmic_efficiency = math.nan

    def __init__(self, model: EfficiencyRaceModel, name: str, cash_usd: float) -> None:
        super().__init__(model)
        self.name = name
        self.cash_usd = 0.0
        model.ledger.transfer(0, "investors", self, "initial capital", cash_usd)
        self.revenue_usd = 0.0
        self.profit_usd = 0.0
        self.rnd_usd_per_year = 0.0

    def open_accounts(self) -> None:
        """Start the step's income statement."""
        self.revenue_usd = 0.0
        self.profit_usd = 0.0

    def pay(self, payee: MarketAgent | str, reason: str, usd: float) -> float:
        """Pay up to ``usd`` [USD] from cash (never below zero); returns what was paid."""
        amount = min(max(usd, 0.0), max(self.cash_usd, 0.0))
        self.model.ledger.transfer(self.model.steps, self, payee, reason, amount)
        return amount

    def receive(self, payer: MarketAgent | str, reason: str, usd: float) -> None:
        self.model.ledger.transfer(self.model.steps, payer, self, reason, usd)

    # --- R&D: every agent type owns a link of the efficiency chain and funds its progress ----
    def do_rnd(self, own_usd: float, subsidy_rate: float, dt: float) -> tuple[float, float]:
        """Spend ``own_usd`` [USD] of its own on R&D; a subsidy pays ``subsidy_rate`` of the
        gross. Returns (gross spent, subsidy received) [USD]. The spending rate that buys
        progress is smoothed over about a year (exact exponential weights, so the smoothing
        does not depend on the step length)."""
        own = min(own_usd, max(self.cash_usd, 0.0))  # the subsidy matches only what is spent
        gross = own / (1.0 - subsidy_rate)
        subsidy = gross - own
        self.receive("government", "R&D subsidy", subsidy)
        spent = self.pay("outside", "R&D", gross)
        self.rnd_usd_per_year += (spent / dt - self.rnd_usd_per_year) * -math.expm1(-dt)
        return spent, subsidy

    def rnd_extra_doublings_per_year(self) -> float:
        """What the smoothed R&D spending adds to the agent's own doubling rate [1/yr]."""
        p = self.params
        return float(
            markets.rnd_extra_rate(
                self.rnd_usd_per_year,
                p.rnd_max_extra_doublings_per_year,
                p.rnd_half_saturation_usd_per_year,
            )
        )
