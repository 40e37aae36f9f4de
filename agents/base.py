"""What every agent type shares: agents of one type held as rows of arrays, and Mesa agents
that are views on those rows.

An :class:`AgentTable` holds the state of all agents of one type as a structure of arrays (one
array per quantity, one row per agent), so that decisions and markets run over all of them at
once. It is built from parameter dataclasses alone and its methods take what the agents may see
(prices, the law, the step length, the policies in force, the ledger to pay through): it can be
constructed and tested without a model.

A :class:`MarketAgent` is the Mesa face of one row: it lives in the model's AgentSets, and
``firm.cash_usd`` or ``firm.loss`` read the row's values, so users inspect, iterate and collect
agents the Mesa way while the work is vectorised.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self

import mesa
import numpy as np
from numpy.typing import NDArray

from sim import innovation
from sim.ledger import Accounts, Ledger

if TYPE_CHECKING:
    import sim.model

FloatArray = NDArray[np.float64]

#: firm-only output columns; other agent types report NaN (one tidy agents table)
FIRM_ONLY_OUTPUTS = (
    "cumulative_logical_flop",
    "loss",
    "relative_excess_loss",
    "elogical_flop_per_joule",
    "market_share",
    "installed_base",
    "compute_logical_flop",
    "training_logical_flop",
    "site_efficiency",
    "chip_flop_per_joule",
    "algorithmic_efficiency",
    "price_usd_per_million_tokens",
    "rnd_usd",
    "rnd_optimal_usd_per_year",
    "rnd_break_even_usd_per_year",
    "chip_share",
    "training_share",
    "own_data_tokens",
    "synthetic_share",
    "generated_tokens",
    "run_physical_flop",
    "largest_run_physical_flop",
    "run_power_mw",
    "run_above_threshold",
    "run_held_at_threshold",
)

#: vendor-only output columns; other agent types report NaN
VENDOR_ONLY_OUTPUTS = ("specialised",)


def column(params: Sequence[Any], name: str, dtype: type = float) -> NDArray[Any]:
    """The parameter ``name`` of every row as an array."""
    return np.array([getattr(p, name) for p in params], dtype=dtype)


class AgentTable:
    """All agents of one type as rows of arrays, with their cash in :class:`Accounts`.

    Every array attribute whose first dimension is the number of agents is a per-agent
    quantity; :meth:`keep` drops rows from all of them at once (agents that exit).
    """

    kind: ClassVar[str] = "agent"
    #: ledger reasons of the inputs bought to make the product (value added is sales less them)
    input_reasons: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Sequence[Any], names: Sequence[str]) -> None:
        self.params = list(params)
        self.names = list(names)
        # the names as a column of the agents table (object array): being a per-agent array,
        # keep and extend update it with the rest
        self.name_column = np.array(self.names, dtype=object)
        # starting cash is booked from investors by the model, through the ledger
        self.accounts = Accounts(self.kind, np.zeros(len(self.params)))
        self.profit_usd = np.zeros(len(self.params))
        self.rnd_usd_per_year = np.zeros(len(self.params))
        self.rnd_max_extra = column(params, "rnd_max_extra_doublings_per_year")
        self.rnd_half_saturation = column(params, "rnd_half_saturation_usd_per_year")
        self.views: list[MarketAgent] = []
        # the Mesa id of each row's view (-1 until it has one), kept row by row like the rest
        self.unique_ids = np.full(len(self.params), -1, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.params)

    @property
    def cash_usd(self) -> FloatArray:
        return self.accounts.cash_usd

    def revenue_usd(self) -> FloatArray:
        """Sales this step [USD]: what buyers paid the agents for their product."""
        raise NotImplementedError

    def costs_usd(self, revenue_usd: FloatArray | None = None) -> FloatArray:
        """Everything the agents' profit is net of this step [USD]: revenue plus subsidies
        less profit (inputs, R&D, taxes, fees, depreciation). ``revenue_usd``: the step's
        :meth:`revenue_usd`, if the caller has it."""
        revenue = self.revenue_usd() if revenue_usd is None else revenue_usd
        return revenue + self.accounts.inflow("R&D subsidy") - self.profit_usd

    def value_added_usd(self, revenue_usd: FloatArray | None = None) -> FloatArray:
        """Gross value added this step [USD]: sales less the inputs used up making them
        (:attr:`input_reasons`; capital goods such as chips or power plants are not inputs),
        which pays the agents' R&D, taxes, depreciation and profit. ``revenue_usd``: the
        step's :meth:`revenue_usd`, if the caller has it."""
        value = self.revenue_usd() if revenue_usd is None else revenue_usd
        for reason in self.input_reasons:
            value = value - self.accounts.outflow(reason)
        return value

    def keep(self, rows: NDArray[np.bool_]) -> list[MarketAgent]:
        """Keep the agents of ``rows`` and drop the others; returns the views of those dropped."""
        n = len(self)
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray) and value.ndim and value.shape[0] == n:
                setattr(self, name, value[rows])
        self.accounts.keep(rows)
        idx = np.flatnonzero(rows)
        dropped = [v for i, v in enumerate(self.views) if not rows[i]]
        self.params = [self.params[i] for i in idx]
        self.names = [self.names[i] for i in idx]
        self.views = [self.views[i] for i in idx if i < len(self.views)]
        for row, view in enumerate(self.views):
            view.row = row
        return dropped

    def split(self, rows: NDArray[np.bool_]) -> Self:
        """Move the agents of ``rows`` to a new table of the same type (returned) and keep the
        others (before any views exist: e.g. firms waiting to enter)."""
        moved = copy.deepcopy(self, {id(spec): spec for spec in self.params})  # (frozen: shared)
        moved.keep(rows)
        self.keep(~rows)
        return moved

    def extend(self, other: Self) -> None:
        """Append ``other``'s agents (same type, same shapes past the first axis) as new rows;
        their cash comes with them (book it through the ledger if it is new money)."""
        n = len(self)
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray) and value.ndim and value.shape[0] == n:
                setattr(self, name, np.concatenate([value, getattr(other, name)]))
        self.accounts.extend(other.accounts)
        self.params += other.params
        self.names += other.names

    # --- R&D: every agent type owns a link of the efficiency chain and funds its progress ----
    def do_rnd(
        self, ledger: Ledger, own_usd: FloatArray, subsidy_rate: float, dt: float
    ) -> tuple[FloatArray, FloatArray]:
        """Spend ``own_usd`` [USD] of their own on R&D; a subsidy pays ``subsidy_rate`` of the
        gross. Returns (gross spent, subsidy received) [USD]. The spending rate that buys
        progress is smoothed over about a year (exact exponential weights, so the smoothing
        does not depend on the step length)."""
        own = np.minimum(own_usd, np.maximum(self.cash_usd, 0.0))  # the subsidy matches spending
        gross = own / (1.0 - subsidy_rate)
        subsidy = gross - own
        if subsidy_rate != 0.0:  # (none in force: all zero, which books nothing)
            ledger.transfer("R&D subsidy", subsidy, "government", self.accounts)
        spent = ledger.transfer("R&D", gross, self.accounts, "outside")
        self.rnd_usd_per_year += (spent / dt - self.rnd_usd_per_year) * -math.expm1(-dt)
        return spent, subsidy

    def rnd_extra_doublings_per_year(self) -> FloatArray:
        """What the smoothed R&D spending adds to each agent's own doubling rate [1/yr]."""
        return innovation.rnd_extra_doublings_per_year(
            self.rnd_usd_per_year, self.rnd_max_extra, self.rnd_half_saturation
        )

    def income_statement(self) -> dict[str, FloatArray]:
        """The step's ``revenue_usd``, ``profit_usd``, ``costs_usd`` and ``value_added_usd`` of
        every agent [USD]: the columns of the agents table that the ledger writes, each a new
        array (the step's record keeps them)."""
        revenue = self.revenue_usd()
        return {
            "revenue_usd": revenue,
            "profit_usd": self.profit_usd.copy(),
            "costs_usd": self.costs_usd(revenue),
            "value_added_usd": self.value_added_usd(revenue),
        }

    def outputs(self) -> dict[str, Any]:
        """The agents' rows of the tidy agents table (columns of :data:`sim.model.AGENT_OUTPUTS`),
        :meth:`income_statement` among them."""
        nan = np.full(len(self), math.nan)
        out: dict[str, Any] = dict.fromkeys(FIRM_ONLY_OUTPUTS + VENDOR_ONLY_OUTPUTS, nan)
        out.update(
            self.income_statement(),
            agent_type=self.kind,
            name=self.name_column,
            cash_usd=self.cash_usd.copy(),
        )
        return out


class MarketAgent(mesa.Agent):
    """A Mesa agent that is a view on one row of its :class:`AgentTable`.

    Reading ``agent.x`` returns row ``agent.row`` of the table's array ``x`` (or the value of
    the table's method ``x``, for quantities such as ``revenue_usd``); assigning to an existing
    array name writes into the row. An agent that has left the market keeps its name but reads
    NaN.
    """

    agent_type: ClassVar[str] = "agent"
    model: sim.model.EfficiencyRaceModel

    def __init__(self, model: mesa.Model, table: AgentTable, row: int) -> None:
        super().__init__(model)
        self.table = table
        self.row: int | None = row
        self.name = table.names[row]
        self.params = table.params[row]
        table.views.append(self)
        table.unique_ids[row] = self.unique_id

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: the row's value of the table's quantity
        if name.startswith("__") or name in ("table", "row"):
            raise AttributeError(name)
        value = getattr(self.table, name, None)
        if value is None and (name in FIRM_ONLY_OUTPUTS or name in VENDOR_ONLY_OUTPUTS):
            return math.nan  # a firm-only output, for one tidy agents table
        if value is None:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        if callable(value):
            value = value()
        if isinstance(value, np.ndarray) and value.ndim and len(value) == len(self.table):
            if self.row is None:
                return math.nan
            item = value[self.row]
            return item.item() if isinstance(item, np.generic) else item
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        table = self.__dict__.get("table")
        target = getattr(table, name, None) if table is not None else None
        if isinstance(target, np.ndarray) and self.row is not None:
            target[self.row] = value
        else:
            super().__setattr__(name, value)

    @property
    def cash_usd(self) -> float:
        return math.nan if self.row is None else float(self.table.cash_usd[self.row])

    def detach(self) -> None:
        """Leave the market: the view no longer has a row."""
        self.row = None
        self.remove()
