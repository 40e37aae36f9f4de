"""Agent tables built by hand for unit tests, with the cash their ledger gave them."""

from __future__ import annotations

from agents.supplier import Suppliers
from sim.ledger import Ledger
from sim.params import SupplierParams


def suppliers(*params: SupplierParams, cash_usd: float = 1e12) -> tuple[Suppliers, Ledger]:
    """A supplier per ``params`` (monthly steps), each with ``cash_usd`` booked from investors,
    and the ledger that booked it."""
    table = Suppliers(params, [f"s{i}" for i in range(len(params))], steps_per_year=12)
    ledger = Ledger()
    ledger.transfer("capital", [cash_usd] * len(params), "investors", table.accounts)
    return table, ledger
