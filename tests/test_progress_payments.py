"""Capacity capex paid as it is built (``capex_down_payment_share`` < 1, the default 0.2): a
down payment at order, the rest evenly until the order arrives, whatever the step length; a cut
in flight saves what is still owed; the money is all booked. Suppliers' capacity that retires
and orders cut in flight (both on by default)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.vendor import Vendors
from sim.ledger import Ledger
from sim.model import EfficiencyRaceModel
from sim.params import HOURS_PER_YEAR, SupplierParams, VendorParams
from sim.policies import ActivePolicies
from sim.run import simulate
from sim.scenario import load_scenario
from tests._tables import suppliers


def _vendor(down: float, lead: float = 2.0) -> tuple[Vendors, Ledger]:
    params = VendorParams(
        capacity_chips_per_year=1200.0,
        capacity_doublings_per_year=0.0,
        capacity_lead_time_years=lead,
        demand_forecast_doublings_per_year=0.0,
        demand_memory_years=1e-6,  # plans for the demand just seen
        capex_down_payment_share=down,
        cash_usd=1e12,
    )
    table = Vendors([params], ["V"], 1.0)
    ledger = Ledger()
    ledger.transfer("capital", [1e12], "investors", table.accounts)
    return table, ledger


@settings(max_examples=40, deadline=None)
@given(
    owed=st.floats(1.0, 1e12),
    lead=st.floats(0.05, 6.0),
    dt=st.sampled_from([1.0 / 52.0, 1.0 / 12.0, 0.3, 1.0]),
)
def test_what_is_owed_is_paid_evenly_until_the_order_arrives(
    owed: float, lead: float, dt: float
) -> None:
    """By the end of every step t what was paid is owed x min(t/L, 1), on any step grid."""
    table, _ = _vendor(0.0, lead)
    table._place(np.array([10.0]), np.array([lead]), np.array([owed]))  # ordered at 0
    paid, years = 0.0, 0.0
    while years < lead + 2 * dt:
        paid += float(table._progress_payments_due(years, dt)[0])
        years += dt
        assert paid == pytest.approx(owed * min(years / lead, 1.0), rel=1e-9)
    assert float(table.pipeline_unpaid_usd.sum()) == pytest.approx(0.0, abs=owed * 1e-12)


def test_a_vendor_pays_the_down_payment_at_order_and_the_rest_as_it_is_built() -> None:
    table, ledger = _vendor(0.25, lead=1.0)
    dt = 1.0 / 12.0
    table.post_offer(0.0, dt)
    cash = table.cash_usd[0]
    table.invest(ledger, dt, np.array([400.0]), dt)  # 4800 chips/yr asked: a large order
    value = table.ordered_chips_per_year[0] * table.capex_usd_per_chip_per_year[0]
    assert value > 0.0
    assert cash - table.cash_usd[0] == pytest.approx(0.25 * value, rel=1e-9)
    assert table.capacity_investment_usd[0] == pytest.approx(0.25 * value, rel=1e-12)
    assert table.pipeline_unpaid_usd.sum() == pytest.approx(0.75 * value, rel=1e-12)
    # the next step pays a twelfth of the rest (the order arrives a year after it was placed),
    # into capital; demand as seen, so no new order
    capital, cash = table.capital_usd[0], table.cash_usd[0]
    table.post_offer(dt, dt)
    assert table.capex_due_usd[0] == pytest.approx(0.75 * value / 12.0, rel=1e-12)
    table.invest(ledger, 2 * dt, np.array([0.0]), dt)
    assert table.ordered_chips_per_year[0] == 0.0
    assert table.capacity_investment_usd[0] == pytest.approx(0.75 * value / 12.0, rel=1e-12)
    assert table.capital_usd[0] - capital == pytest.approx(0.75 * value / 12.0, rel=1e-9)
    assert cash - table.cash_usd[0] == pytest.approx(0.75 * value / 12.0, rel=1e-6)


def test_a_vendor_orders_only_against_cash_not_already_owed() -> None:
    """A vendor whose cash covers one order, paid a fifth down, owes the rest: its cash is
    spoken for, so it orders nothing more however much is asked."""
    table, ledger = _vendor(0.2, lead=2.0)
    dt = 1.0 / 12.0
    unit = table.capex_usd_per_chip_per_year[0]
    ledger.transfer("fabrication", table.cash_usd - 1e4 * unit, table.accounts, "outside")
    table.post_offer(0.0, dt)
    table.invest(ledger, dt, np.array([1e6]), dt)  # asks far more than the cash buys
    assert table.ordered_chips_per_year[0] == pytest.approx(1e4, rel=1e-12)
    assert table.cash_usd[0] == pytest.approx(0.8e4 * unit, rel=1e-12)  # all of it owed
    table.post_offer(dt, dt)
    table.invest(ledger, 2 * dt, np.array([1e6]), dt)
    assert table.ordered_chips_per_year[0] == 0.0
    assert table.pipeline_total_chips_per_year[0] == pytest.approx(1e4, rel=1e-12)


def test_a_cut_in_flight_saves_what_is_still_owed() -> None:
    """Demand collapses after a large order: the vendor cuts it, pays nothing more on the part
    cut, and still owes the rest of the part kept."""
    table, ledger = _vendor(0.2, lead=1.0)
    dt = 1.0 / 12.0
    table.post_offer(0.0, dt)
    table.invest(ledger, dt, np.array([400.0]), dt)
    ordered = table.pipeline_total_chips_per_year[0]
    table.post_offer(dt, dt)
    owed_before = float(table.pipeline_unpaid_usd.sum())  # after this step's payment fell due
    table.invest(ledger, 2 * dt, np.array([1.0]), dt)  # almost nothing asked: cut
    kept = table.pipeline_total_chips_per_year[0]
    # (the retiring capacity may still need some of it; here it keeps a share kept/ordered)
    assert 0.0 <= kept < ordered
    assert float(table.pipeline_unpaid_usd.sum()) == pytest.approx(
        owed_before * kept / ordered, rel=1e-9
    )


def test_a_supplier_draws_project_finance_with_each_payment() -> None:
    params = SupplierParams(
        capacity_mw=100.0,
        lead_time_years=2.0,
        capex_down_payment_share=0.1,
        cash_usd=1e12,
        cuts_orders_in_flight=False,  # the order is built though nothing more is wanted
    )
    table, ledger = suppliers(params)
    dt = 1.0 / 12.0
    table.price_usd_per_mwh = 3.0 * table.fuel_usd_per_mwh  # a margin worth building for
    table._invest(ledger, np.array([500.0]))  # MW wanted: an order
    value = table.invested_usd[0] / 0.1
    assert value > 0.0
    assert table.tranche_unpaid_usd.sum() == pytest.approx(0.9 * value, rel=1e-12)
    paid = table.invested_usd[0]
    capital = table.capital_usd[0] - paid  # before the order
    for step in range(30):  # ordered at 0, the order arrives 2 years on
        table.capex_due_usd = table._progress_payments_due(step * dt, dt)
        due = table.capex_due_usd[0]
        even = 0.9 * value * dt / 2.0 if step < 24 else 0.0  # (rounding dust at arrival)
        assert due == pytest.approx(even, rel=1e-9, abs=value * 1e-12)
        table._invest(ledger, np.array([0.0]))  # nothing more wanted: it pays what fell due
        paid += float(table.invested_usd[0])
    assert paid == pytest.approx(value, rel=1e-9)
    assert table.capital_usd[0] - capital == pytest.approx(value, rel=1e-9)  # all of it booked
    financed = ledger.totals[("investors", "supplier", "project finance")]
    spent = ledger.totals[("supplier", "outside", "capacity investment")]
    assert financed == pytest.approx(params.capex_financed_share * spent, rel=1e-12)


@pytest.mark.parametrize("down", [0.0, 0.2])
def test_a_supplier_that_lost_the_cash_it_owes_orders_nothing(down: float) -> None:
    """A loss after an order leaves a supplier less cash than its own share of what it still
    owes: it orders nothing more (never a negative order, which the ledger would refuse or
    which would take cost off the capacity it has ordered)."""
    params = SupplierParams(
        capacity_mw=100.0, lead_time_years=2.0, capex_down_payment_share=down, cash_usd=1e9
    )
    table, ledger = suppliers(params, cash_usd=1e9)
    table.price_usd_per_mwh = 3.0 * table.fuel_usd_per_mwh  # a margin worth building for
    table._invest(ledger, np.array([500.0]))  # an order, part of it still owed
    assert table.tranche_unpaid_usd.sum() > 0.0
    ledger.transfer("generation", 0.9 * table.cash_usd, table.accounts, "outside")  # a loss
    table.capex_due_usd = np.zeros(1)
    ordered, owed = table.pipeline_mw[0], table.tranche_unpaid_usd.sum()
    cost = table.capacity_cost_usd[0]
    table._invest(ledger, np.array([2000.0]))  # demand wants far more
    assert table.pipeline_mw[0] == ordered
    assert table.tranche_unpaid_usd.sum() == owed
    assert table.capacity_cost_usd[0] == cost
    assert table.invested_usd[0] == 0.0


@pytest.mark.parametrize("down", [0.0, 0.3])
def test_the_money_is_all_booked_when_capex_is_paid_as_built(down: float) -> None:
    """A baseline run with progress payments: the ledger balances every step, the vendors'
    and suppliers' capacity spending in the tables is what the ledger moved, and vendors,
    which order only against cash not already owed, never fail a payment."""
    overrides = {
        "run.years": 8,
        "vendors.capex_down_payment_share": down,
        "suppliers.capex_down_payment_share": down,
    }
    scenario = load_scenario("baseline", overrides)
    model = EfficiencyRaceModel(scenario, rng=scenario.run.seed, collect_agents=False)
    m = simulate(model.config, model=model).model
    assert float(m["ledger_imbalance_usd"].abs().max()) < 1e-3
    moved = model.ledger.totals  # down payments and progress payments, both in the tables
    for sector, column in (
        ("vendor", "chip_capacity_investment_usd"),
        ("supplier", "energy_investment_usd"),
    ):
        assert m[column].sum() == pytest.approx(
            moved[(sector, "outside", "capacity investment")], rel=1e-12
        )
    assert model.vendor_table.pipeline_unpaid_usd.sum() > 0.0  # some still owed at the end
    at_order = {f"{s}.capex_down_payment_share": 1.0 for s in ("vendors", "suppliers")}
    base = simulate(load_scenario("baseline", {"run.years": 8, **at_order}))
    spent = m["chip_capacity_investment_usd"].sum()
    spent_at_order = base.model["chip_capacity_investment_usd"].sum()
    assert 0.0 < spent < spent_at_order  # cuts and orders still being built pay less
    assert m["energy_investment_usd"].sum() <= base.model["energy_investment_usd"].sum()
    assert math.isfinite(float(m["profit_vendors_usd"].sum()))


# --- suppliers: capacity that retires, orders cut in flight ------------------------------------
def _supplier(**kwargs: object) -> tuple[object, Ledger]:
    """One supplier of 100 MW; it neither retires nor cuts unless ``kwargs`` say so."""
    options = {"capacity_retires": False, "cuts_orders_in_flight": False, **kwargs}
    params = SupplierParams(capacity_mw=100.0, lead_time_years=2.0, cash_usd=1e12, **options)  # type: ignore[arg-type]
    return suppliers(params)


def test_a_supplier_s_capacity_retires_exactly_when_it_is_told_to() -> None:
    """With no orders, capacity decays as exp(-t / asset_life) and a step delivers its mean,
    on any step grid; without ``capacity_retires`` it stands."""
    table, _ = _supplier(capacity_retires=True, asset_life_years=10.0)
    standing, _ = _supplier()
    policies = ActivePolicies()
    dt, r = 1.0 / 12.0, 0.1
    for step in range(1, 25):
        table.post_offer(step, 0.0, policies, dt)
        standing.post_offer(step, 0.0, policies, dt)
        t0 = (step - 1) * dt
        mean = 100.0 * math.exp(-r * t0) * -math.expm1(-r * dt) / (r * dt)
        assert table.deliverable_mwh[0] == pytest.approx(mean * HOURS_PER_YEAR * dt, rel=1e-12)
        assert table.capacity_mw[0] == pytest.approx(100.0 * math.exp(-r * step * dt), rel=1e-12)
        # what retired leaves the cost the price recovers: the charge per MW stays the capex's
        per_mw = table.capacity_cost_usd[0] / table.capacity_mw[0]
        assert per_mw == pytest.approx(table.p["capex_usd_per_mw"][0], rel=1e-12)
    assert standing.capacity_mw[0] == 100.0


def test_a_supplier_plans_for_what_will_still_stand() -> None:
    table, _ = _supplier(capacity_retires=True, asset_life_years=10.0)
    table._set_tranches(np.array([50.0]), np.array([1.0]), np.array([1.0]), np.array([0]))
    table.tranche_unpaid_usd = np.zeros(1)
    # an order placed now (t = 0) arrives at 2: the 100 MW built and the 50 MW lump due at 1
    # will have stood 2 and 1 years
    expected = 100.0 * math.exp(-0.2) + 50.0 * math.exp(-0.1)
    assert table._plan(np.array([0.0]))[0] == pytest.approx(expected, rel=1e-12)


def test_a_supplier_that_cuts_its_orders_saves_what_it_still_owed() -> None:
    table, ledger = _supplier(cuts_orders_in_flight=True, capex_down_payment_share=0.5)
    table.price_usd_per_mwh = 3.0 * table.fuel_usd_per_mwh  # a margin worth building for
    table._invest(ledger, np.array([500.0]))  # demand of 500 MW: a large order
    ordered, owed = table.pipeline_mw[0], table.tranche_unpaid_usd.sum()
    assert ordered > 0.0 and owed > 0.0
    cost = table.capacity_cost_usd[0]
    table.capex_due_usd = np.zeros(1)
    level = (
        150.0
        * (1.0 + table.p["capacity_growth_per_order"][0])
        / table.p["invest_above_utilisation"][0]
    )
    table._invest(ledger, np.array([150.0]))  # demand falls to 150 MW: cut down to its level
    kept = table.pipeline_mw[0]
    assert 100.0 + kept == pytest.approx(level, rel=1e-12)
    assert table.cancelled_mw[0] == pytest.approx(ordered - kept, rel=1e-12)
    assert table.tranche_unpaid_usd.sum() == pytest.approx(owed * kept / ordered, rel=1e-12)
    assert table.capacity_cost_usd[0] < cost


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["baseline", "symmetric"])
def test_suppliers_that_retire_and_cut_keep_the_books_balanced(scenario: str) -> None:
    """Every option on (the defaults), over the 20 years: the ledger balances, AI gets about the
    energy it would get with every option off (within 2%), and less power stands idle at the
    end (the boom's plant retires and orders cut when demand turns are not built)."""
    off = {
        "suppliers.capacity_retires": False,
        "suppliers.cuts_orders_in_flight": False,
        "suppliers.capex_down_payment_share": 1.0,
        "vendors.capex_down_payment_share": 1.0,
    }
    m = simulate(load_scenario(scenario)).model
    base = simulate(load_scenario(scenario, off)).model
    assert float(m["ledger_imbalance_usd"].abs().max()) < 1e-2
    energy, energy_base = m["energy_delivered_mwh"].sum(), base["energy_delivered_mwh"].sum()
    assert energy == pytest.approx(energy_base, rel=0.02)
    assert m["energy_capacity_mw"].iloc[-1] < 0.8 * base["energy_capacity_mw"].iloc[-1]
    # the tables show the cuts and what is owed; with the options off suppliers cut and owe
    # nothing, and vendors (which always cut) owe nothing
    assert (m["energy_capacity_cancelled_mw"] > 0).any()
    assert (m["energy_capex_owed_usd"] > 0).any() and (m["chip_capacity_owed_usd"] > 0).any()
    assert (m[["energy_capex_owed_usd", "chip_capacity_owed_usd"]] >= 0).all().all()
    columns = ["energy_capacity_cancelled_mw", "energy_capex_owed_usd", "chip_capacity_owed_usd"]
    assert (base[columns] == 0).all().all()
    assert (base["chip_capacity_cancelled_chips_per_year"] > 0).any()
