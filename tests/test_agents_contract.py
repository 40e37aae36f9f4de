"""One contract battery that every agent type passes (the Axelrod way): identity and accounts,
solvency, pickling, same-seed reproducibility and the tidy output columns.

Each test is parametrised over the three agent classes; adding an agent type means adding it to
``AGENT_TYPES`` and nothing else.
"""

from __future__ import annotations

import math
import pickle
from typing import Any

import mesa
import numpy as np
import pytest

from agents.base import FIRM_ONLY_OUTPUTS, MarketAgent
from agents.firm import AIFirm
from agents.supplier import EnergySupplier
from agents.vendor import HardwareVendor
from sim.model import AGENT_OUTPUTS, EfficiencyRaceModel
from sim.params import FirmParams, Scenario, SupplierParams, VendorParams
from sim.scenario import load_scenario

AGENT_TYPES: dict[type[MarketAgent], tuple[str, str]] = {
    # class: (agent_type, the Scenario group its parameters come from)
    AIFirm: ("firm", "firms"),
    HardwareVendor: ("vendor", "vendors"),
    EnergySupplier: ("supplier", "suppliers"),
}
FIRM_ONLY = FIRM_ONLY_OUTPUTS
STEPS = 24  # two years of the baseline

pytestmark = pytest.mark.parametrize("cls", list(AGENT_TYPES), ids=lambda c: c.__name__)


def small_scenario() -> Scenario:
    """Two of each agent type, one entry with count=2, so names are numbered."""
    return Scenario(
        name="contract",
        firms=(FirmParams(name="Lab", cash_usd=3e9), FirmParams(name="Pair", count=2)),
        vendors=(VendorParams(name="Chips", cash_usd=7e9), VendorParams(name="Other")),
        suppliers=(SupplierParams(name="Grid", cash_usd=1e9), SupplierParams(name="Gas")),
    )


def of_type(model: EfficiencyRaceModel, cls: type[MarketAgent]) -> list[Any]:
    return sorted(model.agents_by_type[cls], key=lambda a: a.unique_id)


def state(agent: MarketAgent) -> str:
    """Everything an agent holds, as exact text: its row of every array of its table (repr
    round-trips floats, and NaN compares equal to NaN here)."""
    table = agent.table
    row = {
        name: repr(np.asarray(value[agent.row]).tolist())
        for name, value in sorted(vars(table).items())
        if isinstance(value, np.ndarray) and value.ndim and len(value) == len(table)
    }
    return repr((agent.unique_id, agent.name, agent.cash_usd, row))


def test_constructed_from_its_params(cls: type[MarketAgent]) -> None:
    agent_type, group = AGENT_TYPES[cls]
    scenario = small_scenario()
    model = EfficiencyRaceModel(scenario, rng=scenario.run.seed)
    agents = of_type(model, cls)
    entries = getattr(scenario, group)
    # an entry with count > 1 stands for numbered copies
    expected_names = {
        AIFirm: ["Lab", "Pair 1", "Pair 2"],
        HardwareVendor: ["Chips", "Other"],
        EnergySupplier: ["Grid", "Gas"],
    }[cls]
    assert [a.name for a in agents] == expected_names
    for agent in agents:
        assert isinstance(agent, mesa.Agent) and isinstance(agent, MarketAgent)
        assert agent.agent_type == agent_type
        assert isinstance(agent.name, str) and agent.name
        assert agent.params in entries
        # starting capital came in through the ledger, from investors
        assert agent.cash_usd == agent.params.cash_usd >= 0.0
        assert agent.revenue_usd == 0.0
        assert agent.profit_usd == 0.0
    assert model.ledger.total_all_accounts(*model.accounts) == 0.0


def test_cash_never_negative_in_the_baseline(cls: type[MarketAgent]) -> None:
    model = EfficiencyRaceModel(load_scenario("baseline"), rng=0)
    for _ in range(STEPS):
        model.step()
        for agent in of_type(model, cls):
            assert agent.cash_usd >= 0.0, f"{agent.name} at step {model.steps}"
            assert math.isfinite(agent.revenue_usd) and agent.revenue_usd >= 0.0
            assert math.isfinite(agent.profit_usd)


def test_pickles_and_continues_identically(cls: type[MarketAgent]) -> None:
    model = EfficiencyRaceModel(load_scenario("baseline"), rng=0)
    for _ in range(6):
        model.step()
    copy = pickle.loads(pickle.dumps(model))
    assert [state(a) for a in of_type(copy, cls)] == [state(a) for a in of_type(model, cls)]
    for _ in range(6):
        model.step()
        copy.step()
    assert [state(a) for a in of_type(copy, cls)] == [state(a) for a in of_type(model, cls)]


def test_same_seed_same_agents(cls: type[MarketAgent]) -> None:
    scenario = load_scenario("baseline")
    a, b = EfficiencyRaceModel(scenario, rng=7), EfficiencyRaceModel(scenario, rng=7)
    for _ in range(STEPS):
        a.step()
        b.step()
    assert [state(x) for x in of_type(a, cls)] == [state(y) for y in of_type(b, cls)]


def test_reports_every_output_column(cls: type[MarketAgent]) -> None:
    model = EfficiencyRaceModel(small_scenario(), rng=0)
    model.step()
    for agent in of_type(model, cls):
        for column in AGENT_OUTPUTS:
            assert hasattr(agent, column), f"{cls.__name__} lacks {column}"
        if cls is AIFirm:
            for column in FIRM_ONLY:
                assert math.isfinite(getattr(agent, column)), column
        else:
            for column in FIRM_ONLY:
                value = getattr(agent, column)
                if cls is EnergySupplier and column == "site_efficiency":
                    # a supplier owns this link and reports its own 1/PUE
                    assert value == pytest.approx(1.0 / agent.pue, rel=1e-15) and value <= 1.0
                else:
                    assert math.isnan(value), column
    table = model.agents_dataframe()
    assert list(table.columns) == ["step", "agent_id", *AGENT_OUTPUTS]
    rows = table[table["agent_type"] == AGENT_TYPES[cls][0]]
    assert len(rows) == len(of_type(model, cls))
