"""Quantities the step computes once and keeps (suppliers' PUE), phases that skip what has
nothing to do (no order, no delivery, no subsidy or tax), and the small helpers the markets
share: each checked against the value it stands for."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _tables import suppliers

from agents.vendor import Vendors
from sim import markets
from sim.ledger import Ledger
from sim.model import EfficiencyRaceModel
from sim.params import HOURS_PER_YEAR, SupplierParams, VendorParams
from sim.policies import ActivePolicies
from sim.scenario import load_scenario

DT = 1.0 / 12.0


@pytest.fixture(scope="module")
def model() -> EfficiencyRaceModel:
    run = EfficiencyRaceModel(load_scenario("baseline", {"run.years": 1.0}), rng=5)
    for _ in range(12):
        run.step()
    return run


def test_the_kept_pue_is_one_plus_the_overhead(model: EfficiencyRaceModel) -> None:
    suppliers = model.supplier_table
    np.testing.assert_array_equal(suppliers.pue, 1.0 + np.exp2(suppliers.overhead_log2))
    np.testing.assert_array_equal(suppliers.site_efficiency, 1.0 / suppliers.pue)
    assert (suppliers.pue > 1.0).all()


def test_a_supplier_with_enough_capacity_orders_nothing_and_books_no_investment() -> None:
    table, ledger = suppliers(SupplierParams(capacity_mw=100.0), cash_usd=1e9)
    policies = ActivePolicies()
    table.post_offer(1, 0.0, policies, DT)
    table.fix_step_rate(policies, DT)
    capital = table.capital_usd.copy()
    little = np.array([1.0 * HOURS_PER_YEAR * DT])  # 1 MW asked of 100 MW
    table.settle(ledger, 1, little, little, np.array([math.inf]), policies, DT)
    np.testing.assert_array_equal(table.invested_usd, [0.0])
    assert table.pipeline_mw[0] == 0.0 and len(table.tranche_mw) == 0
    # capital only depreciates: exp(-dt / life) of itself
    life = SupplierParams().asset_life_years
    np.testing.assert_allclose(table.capital_usd, capital * math.exp(-DT / life), rtol=1e-15)
    assert "capacity investment" not in table.accounts.outflows
    assert "carbon tax" not in table.accounts.outflows  # no tax in force: nothing booked


def test_a_vendor_whose_capacity_serves_demand_orders_nothing() -> None:
    table = Vendors([VendorParams()], ["v"], chip_choice_sensitivity=2.0)
    ledger = Ledger()
    ledger.transfer("capital", [1e12], "investors", table.accounts)
    capital = table.capital_usd.copy()
    table.invest(ledger, DT, np.array([0.0]), DT)  # nobody asked for chips
    np.testing.assert_array_equal(table.ordered_chips_per_year, [0.0])
    np.testing.assert_array_equal(table.capacity_investment_usd, [0.0])
    np.testing.assert_array_equal(table.capital_usd, capital)
    assert "capacity investment" not in table.accounts.outflows


def test_row_sums_equal_sums_and_share_read_only_ones() -> None:
    rng = np.random.default_rng(1)
    a = rng.uniform(0.0, 1.0, (5, 7))
    np.testing.assert_allclose(markets.row_sums(a), a.sum(axis=-1), rtol=1e-15)
    np.testing.assert_allclose(markets.row_sums(a[0]), a[0].sum(), rtol=1e-15)
    ones = markets._ones(7)
    assert ones is markets._ones(7) and not ones.flags.writeable
    with pytest.raises(ValueError):
        ones[0] = 2.0


def test_ration_gives_each_seller_its_supply_pro_rata() -> None:
    demand = np.array([[3.0, 1.0], [1.0, 1.0]])  # [buyer, seller]
    got = markets.ration(demand, [2.0, 5.0], axis=0)
    # seller 0 has 2 for 4 asked: half of each order; seller 1 has enough
    np.testing.assert_allclose(got, [[1.5, 1.0], [0.5, 1.0]], rtol=1e-15)
    # along the other axis: rows are sellers
    np.testing.assert_allclose(markets.ration(demand.T, [2.0, 5.0], axis=1), got.T, rtol=1e-15)
