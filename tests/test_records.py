"""The step's record: each table's income statement is computed once and feeds both the
sector totals and the agents table; the ledger rejects negative or NaN payments."""

from __future__ import annotations

import numpy as np
import pytest

from sim.ledger import Accounts, Ledger
from sim.model import EfficiencyRaceModel
from sim.scenario import load_scenario


def _model(collect_agents: bool) -> EfficiencyRaceModel:
    model = EfficiencyRaceModel(
        load_scenario("baseline", {"run.years": 0.5}), rng=3, collect_agents=collect_agents
    )
    for _ in range(6):
        model.step()
    return model


def test_income_statement_is_the_ledger_read_once() -> None:
    model = _model(collect_agents=False)
    for table in model.tables:
        books = table.income_statement()
        np.testing.assert_array_equal(books["revenue_usd"], table.revenue_usd())
        np.testing.assert_array_equal(books["profit_usd"], table.profit_usd)
        np.testing.assert_array_equal(books["costs_usd"], table.costs_usd())
        np.testing.assert_array_equal(books["value_added_usd"], table.value_added_usd())
    firms = model.firm_table
    assert model.revenue_firms_usd == float(firms.revenue_usd().sum())
    assert model.costs_firms_usd == float(firms.costs_usd().sum())
    assert model.value_added_firms_usd == float(firms.value_added_usd().sum())
    # value added is sales less energy, the firms' one input
    np.testing.assert_allclose(
        firms.value_added_usd(), firms.revenue_usd() - firms.energy_usd(), rtol=1e-15
    )


def test_sector_totals_do_not_depend_on_keeping_the_agents_table() -> None:
    kept, dropped = _model(collect_agents=True), _model(collect_agents=False)
    for sector in ("firms", "vendors", "suppliers"):
        for quantity in ("revenue", "profit", "costs", "value_added"):
            name = f"{quantity}_{sector}_usd"
            assert getattr(kept, name) == getattr(dropped, name)
    last = kept.agents_dataframe().query("step == 6 and agent_type == 'firm'")
    np.testing.assert_array_equal(last["revenue_usd"], kept.firm_table.revenue_usd())
    assert last["revenue_usd"].sum() == pytest.approx(kept.revenue_firms_usd, rel=1e-12)


def test_firm_records_are_copies_that_later_steps_do_not_touch() -> None:
    model = _model(collect_agents=True)
    record = model.firm_table.outputs()
    loss = record["loss"].copy()
    model.firm_table.loss[:] = 0.0  # a later step writing in place
    np.testing.assert_array_equal(record["loss"], loss)
    assert record["market_share"].dtype == np.float64


@pytest.mark.parametrize("amounts", [[1.0, -1.0], [np.nan, 1.0], [np.inf, 1.0]])
def test_ledger_rejects_negative_or_nan_payments(amounts: list[float]) -> None:
    ledger, firms = Ledger(), Accounts("firm", [5.0, 5.0])
    with pytest.raises(ValueError, match="must be >= 0"):
        ledger.transfer("x", amounts, firms, "outside")
    assert firms.cash_usd.tolist() == [5.0, 5.0] and not firms.outflows  # nothing was booked
    with pytest.raises(ValueError, match="must be >= 0"):  # from an outside account too
        ledger.transfer("x", amounts, "investors", firms)
    assert ledger.external["investors"] == 0.0 and not firms.inflows


def test_ledger_takes_empty_payments() -> None:
    ledger, nobody = Ledger(), Accounts("firm", [])
    paid = ledger.transfer("x", np.zeros(0), nobody, "outside")
    assert paid.shape == (0,)
    assert ledger.external["outside"] == 0.0


def test_rows_know_the_ids_of_their_views_after_exits_and_entries() -> None:
    model = _model(collect_agents=True)
    firms = model.firm_table
    leaving = np.zeros(len(firms), dtype=bool)
    leaving[[0, 3]] = True
    for view in firms.keep(~leaving):
        view.detach()
    np.testing.assert_array_equal(firms.unique_ids, [v.unique_id for v in firms.views])
    model.step()  # recorded with the rows that remain
    last = model.agents_dataframe().query("step == 7 and agent_type == 'firm'")
    assert list(last["agent_id"]) == [v.unique_id for v in firms.views]
    for table in model.tables:
        np.testing.assert_array_equal(table.unique_ids, [v.unique_id for v in table.views])
