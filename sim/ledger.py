"""The ledger: every dollar that moves between accounts, with payer, payee and reason.

Agents' cash changes only through :meth:`Ledger.transfer`, and :meth:`Ledger.imbalance_usd`
checks, every step, that each agent's cash moved by exactly its recorded net flow, so a code
path that touched cash without booking it shows up as an imbalance. Accounts outside the
sectors (buyers, investors, government, outside costs) are named by strings; their balances are
kept too, so the sum over all accounts is zero by construction (double entry).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

EXTERNAL = ("buyers", "investors", "government", "outside")


class HasCash(Protocol):
    unique_id: int
    cash_usd: float


@dataclass
class Ledger:
    """Double-entry record of money flows. ``entries`` holds (step, payer, payee, reason, usd)."""

    entries: list[tuple[int, Any, Any, str, float]] = field(default_factory=list)
    external: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    _net_this_step: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    _cash_at_step_start: dict[int, float] = field(default_factory=dict)
    keep_entries: bool = True

    def open_step(self, agents: Sequence[HasCash]) -> None:
        """Remember every agent's cash at the start of a step."""
        self._net_this_step.clear()
        self._cash_at_step_start = {a.unique_id: a.cash_usd for a in agents}

    def transfer(
        self, step: int, payer: HasCash | str, payee: HasCash | str, reason: str, usd: float
    ) -> None:
        """Move ``usd`` [USD] (>= 0) from payer to payee; an agent or an external account name."""
        if not usd > 0.0:
            if usd < 0.0 or usd != usd:
                raise ValueError(f"transfer of {usd!r} USD for {reason}: amounts must be >= 0")
            return
        for account, sign in ((payer, -1.0), (payee, 1.0)):
            if isinstance(account, str):
                self.external[account] += sign * usd
            else:
                account.cash_usd += sign * usd
                self._net_this_step[account.unique_id] += sign * usd
        if self.keep_entries:
            pid = payer if isinstance(payer, str) else payer.unique_id
            qid = payee if isinstance(payee, str) else payee.unique_id
            self.entries.append((step, pid, qid, reason, usd))

    def imbalance_usd(self, agents: Sequence[HasCash]) -> float:
        """Sum over agents of |change in cash - recorded net flow| since :meth:`open_step` [USD]."""
        total = 0.0
        for a in agents:
            start = self._cash_at_step_start.get(a.unique_id, 0.0)
            total += abs((a.cash_usd - start) - self._net_this_step.get(a.unique_id, 0.0))
        return total

    def total_all_accounts(self, agents: Sequence[HasCash]) -> float:
        """Sum of all balances, agents' and external accounts': zero, since agents' starting cash
        is booked from ``investors`` like every other flow (double entry)."""
        return sum(self.external.values()) + sum(a.cash_usd for a in agents)
