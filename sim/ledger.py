"""The ledger: every dollar that moves between accounts, booked in batches, with reasons.

Agents of one type hold their cash in one array (a column of their :class:`Accounts`); money
moves only through :meth:`Ledger.transfer`, which moves a whole vector or matrix of payments at
once: from each agent of one type to an outside account (``"buyers"``, ``"investors"``,
``"government"``, ``"outside"``), the other way, or from each agent of one type to each agent of
another (a ``[payer, payee]`` matrix). Every payment is also booked against its reason in the
payer's and payee's accounts for the step, so income statements are read from the ledger and
never written by hand.

:meth:`Ledger.imbalance_usd` checks, every step, that each agent's cash moved by exactly its
booked net flow, so a code path that touched cash without booking it shows up as an imbalance.
The outside accounts keep balances too: the sum over all accounts is zero (double entry).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.markets import row_sums

FloatArray = NDArray[np.float64]
EXTERNAL = ("buyers", "investors", "government", "outside")


class Accounts:
    """The cash of every agent of one type [USD] and what came in and went out this step, by
    reason [USD]. ``inflow("chips")`` is an array over the agents (zeros when nothing moved)."""

    def __init__(self, kind: str, cash_usd: ArrayLike) -> None:
        self.kind = kind
        self.cash_usd = np.array(cash_usd, dtype=float)
        self.inflows: dict[str, FloatArray] = {}
        self.outflows: dict[str, FloatArray] = {}

    def __len__(self) -> int:
        return len(self.cash_usd)

    def inflow(self, reason: str) -> FloatArray:
        flow = self.inflows.get(reason)
        return np.zeros(self.cash_usd.shape) if flow is None else flow

    def outflow(self, reason: str) -> FloatArray:
        flow = self.outflows.get(reason)
        return np.zeros(self.cash_usd.shape) if flow is None else flow

    def net_flow(self) -> FloatArray:
        total = np.zeros(self.cash_usd.shape)
        for flow in self.inflows.values():
            total += flow
        for flow in self.outflows.values():
            total -= flow
        return total

    def open_step(self) -> None:
        self.inflows = {}
        self.outflows = {}

    def keep(self, rows: NDArray[np.bool_]) -> None:
        """Keep only the accounts of ``rows`` (agents that leave take nothing with them)."""
        self.cash_usd = self.cash_usd[rows]
        self.inflows = {k: v[rows] for k, v in self.inflows.items()}
        self.outflows = {k: v[rows] for k, v in self.outflows.items()}

    def extend(self, other: Accounts) -> None:
        """Append ``other``'s accounts (agents that enter), flows of this step included."""
        n, m = len(self), len(other)
        self.cash_usd = np.concatenate([self.cash_usd, other.cash_usd])
        for mine, theirs in ((self.inflows, other.inflows), (self.outflows, other.outflows)):
            for reason in set(mine) | set(theirs):
                mine[reason] = np.concatenate(
                    [mine.get(reason, np.zeros(n)), theirs.get(reason, np.zeros(m))]
                )


def _checked_total_usd(reason: str, amounts: FloatArray) -> float:
    """The sum of ``amounts`` [USD]; raises if any is negative, NaN or infinite."""
    total = float(np.add.reduce(amounts, axis=None))  # NaN or infinite if any amount is
    lowest = np.minimum.reduce(amounts, axis=None, initial=0.0)  # < 0 if any amount is
    if not (math.isfinite(total) and lowest == 0.0):
        raise ValueError(f"transfer for {reason}: amounts must be >= 0 and finite, got {amounts!r}")
    return total


def _book(flows: dict[str, FloatArray], reason: str, amounts: FloatArray) -> None:
    if reason in flows:
        flows[reason] = flows[reason] + amounts
    else:
        flows[reason] = amounts


@dataclass
class Ledger:
    """Double-entry record of money flows between agents' :class:`Accounts` and the outside.

    ``totals`` holds the run's cumulative flows by (payer, payee, reason) [USD], payers and
    payees named by account kind ("firm", "vendor", "supplier") or outside account.
    """

    external: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    totals: dict[tuple[str, str, str], float] = field(default_factory=lambda: defaultdict(float))
    _cash_at_step_start: dict[str, FloatArray] = field(default_factory=dict)

    def open_step(self, *accounts: Accounts) -> None:
        """Start a step: remember every agent's cash and clear the step's flows."""
        for acc in accounts:
            acc.open_step()
            self._cash_at_step_start[acc.kind] = acc.cash_usd.copy()

    def transfer(
        self, reason: str, usd: ArrayLike, payer: Accounts | str, payee: Accounts | str
    ) -> FloatArray:
        """Move ``usd`` [USD, >= 0 and finite, else ValueError] from ``payer`` to ``payee`` and
        return what was paid.

        With two agent types, ``usd`` is a ``[payer, payee]`` matrix; with one agent type and an
        outside account, a vector over that type's agents. An agent pays at most the cash it has
        (a matrix row is scaled down alike); outside accounts pay whatever is asked.
        """
        amounts = np.asarray(usd, dtype=float)
        matrix = amounts.ndim == 2
        total = _checked_total_usd(reason, amounts)
        if total == 0.0:  # nothing moves: booking zeros would change no balance or flow
            return amounts
        if isinstance(payer, Accounts):
            paid_by = row_sums(amounts) if matrix else amounts
            cash = payer.cash_usd
            short = paid_by > cash
            if np.count_nonzero(short):
                have = np.maximum(cash, 0.0)
                scale = np.where(short, have / np.where(paid_by > 0, paid_by, 1.0), 1.0)
                amounts = amounts * (scale[:, None] if matrix else scale)
                paid_by = row_sums(amounts) if matrix else amounts
                total = float(paid_by.sum())
            payer.cash_usd -= paid_by
            _book(payer.outflows, reason, paid_by)
            payer_name = payer.kind
        else:
            self.external[payer] -= total
            payer_name = payer
        if isinstance(payee, Accounts):
            received = amounts.sum(axis=0) if matrix else amounts
            payee.cash_usd += received
            _book(payee.inflows, reason, received)
            payee_name = payee.kind
        else:
            self.external[payee] += total
            payee_name = payee
        self.totals[(payer_name, payee_name, reason)] += total
        return amounts

    def imbalance_usd(self, *accounts: Accounts) -> float:
        """Sum over agents of |change in cash - booked net flow| this step [USD]."""
        total = 0.0
        for acc in accounts:
            cash = acc.cash_usd
            start = self._cash_at_step_start.get(acc.kind)
            if start is None or start.shape != cash.shape:
                start = np.zeros(cash.shape)
            total += float(np.abs(cash - start - acc.net_flow()).sum())
        return total

    def total_all_accounts(self, *accounts: Accounts) -> float:
        """Sum of all balances, agents' and outside accounts': zero, since agents' starting
        cash is booked from ``investors`` like every other flow (double entry)."""
        return sum(self.external.values()) + sum(float(a.cash_usd.sum()) for a in accounts)
