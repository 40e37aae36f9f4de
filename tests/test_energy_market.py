"""The energy market: grid regions with limits and supply curves, capacity pipelines in years,
prices marked up before tax, firms' merit order, and an energy cap sold by permit auction.
Values are checked by hand or in closed form."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _tables import suppliers
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.firm import Firms
from agents.supplier import Suppliers
from experiments.cli import main
from sim import capacity, law, markets
from sim.errors import UserError
from sim.model import EfficiencyRaceModel
from sim.params import HOURS_PER_YEAR, JOULES_PER_MWH, FirmParams, SupplierParams
from sim.policies import ActivePolicies
from sim.run import simulate_model_table
from sim.scenario import load_scenario

DT = 1.0 / 12.0
FIT = law.CHINCHILLA_FITS["hoffmann"]

# --------------------------------------------------------------------------------------------
# pure functions
# --------------------------------------------------------------------------------------------


def test_capacity_at_marginal_capex_closed_form() -> None:
    # eta = 1: m0 / (1 - K/K_max) = w at K = K_max (1 - m0/w)
    assert capacity.capacity_at_marginal_capex(100.0, 1.0, 1.0, 2.0) == pytest.approx(50.0)
    # eta = 2: (1 - K/K_max)^-2 = 4 at half the limit
    assert capacity.capacity_at_marginal_capex(100.0, 1.0, 2.0, 4.0) == pytest.approx(50.0)
    assert capacity.capacity_at_marginal_capex(100.0, 1.0, 1.0, 0.5) == 0.0  # never pays
    assert capacity.capacity_at_marginal_capex(math.inf, 1.0, 1.0, 1.0) == math.inf  # flat
    assert capacity.capacity_at_marginal_capex(math.inf, 1.0, 1.0, 0.9) == 0.0
    assert capacity.capacity_at_marginal_capex(100.0, 0.0, 1.0, 1.0) == pytest.approx(100.0)


@settings(max_examples=60, deadline=None)
@given(
    limit=st.floats(1.0, 1e6),
    m0=st.floats(1e3, 1e7),
    eta=st.floats(1.0, 4.0),
    ratio=st.floats(1.001, 1e4),
)
def test_capacity_at_marginal_capex_inverts_the_supply_curve(
    limit: float, m0: float, eta: float, ratio: float
) -> None:
    k = float(capacity.capacity_at_marginal_capex(limit, m0, eta, m0 * ratio))
    assert 0.0 < k < limit
    assert capacity.marginal_capex_usd_per_unit(k, limit, m0, eta) == pytest.approx(
        m0 * ratio, rel=1e-6
    )


def test_offer_price_marks_up_cost_before_tax() -> None:
    # cost 100, tax 40/MWh: 100 x 1.15 + 40 at slack capacity, 100 x 2.15 + 40 at full use
    assert markets.energy_offer_price_usd_per_mwh(100.0, 40.0, 0.0, 0.15, 1.0) == pytest.approx(
        155.0, rel=1e-15
    )
    assert markets.energy_offer_price_usd_per_mwh(100.0, 40.0, 1.0, 0.15, 1.0) == pytest.approx(
        255.0, rel=1e-15
    )
    # the tax adds exactly itself at any utilisation: the supplier earns nothing on it
    u = np.linspace(0.0, 1.2, 7)
    taxed = markets.energy_offer_price_usd_per_mwh(80.0, 25.0, u, 0.15, 1.0)
    untaxed = markets.energy_offer_price_usd_per_mwh(80.0, 0.0, u, 0.15, 1.0)
    np.testing.assert_allclose(taxed - untaxed, 25.0, rtol=1e-12)


def test_compute_value_per_it_mwh() -> None:
    # 1e-18 USD per logical FLOP x 2 logical/physical x 1e12 FLOP/J x 3.6e9 J/MWh = 7,200 USD
    assert markets.compute_value_usd_per_it_mwh(1e-18, 2.0, 1e12) == pytest.approx(7200.0)


def test_cap_auction_hand_cases() -> None:
    accepted, price = markets.cap_auction([10.0, 10.0, 10.0], [5.0, 3.0, 1.0], 15.0)
    np.testing.assert_allclose(accepted, [10.0, 5.0, 0.0])
    assert price == 3.0  # the marginal bid, partly filled
    accepted, price = markets.cap_auction([10.0, 10.0], [5.0, 3.0], 25.0)
    np.testing.assert_allclose(accepted, [10.0, 10.0])
    assert price == 0.0  # a slack cap is worth nothing
    accepted, price = markets.cap_auction([10.0, 30.0, 5.0], [3.0, 3.0, 9.0], 25.0)
    np.testing.assert_allclose(accepted, [5.0, 15.0, 5.0])  # ties share what is left pro rata
    assert price == 3.0


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.tuples(st.floats(0.0, 100.0), st.floats(0.0, 1e3)), min_size=1, max_size=8),
    cap=st.floats(0.0, 500.0),
)
def test_cap_auction_invariants(data: list[tuple[float, float]], cap: float) -> None:
    q = np.array([d[0] for d in data])
    bid = np.array([d[1] for d in data])
    accepted, price = markets.cap_auction(q, bid, cap)
    assert (accepted >= 0.0).all() and (accepted <= q * (1 + 1e-12)).all()
    assert accepted.sum() == pytest.approx(min(cap, q.sum()), rel=1e-9, abs=1e-9)
    # every bid above the price is filled, every bid below it gets nothing
    np.testing.assert_allclose(accepted[bid > price], q[bid > price])
    assert (accepted[bid < price] == 0.0).all()


def test_auction_energy_cap_cuts_the_lowest_bids() -> None:
    # two firms buying from two suppliers; firm 0 values its energy 50 above the price, firm 1
    # has half its energy worth 100 and half worth 10
    delivered = np.array([[40.0, 60.0], [50.0, 50.0]])
    shares = np.array([[1.0, 0.0], [0.5, 0.5]])
    bids = np.array([[50.0, 0.0], [100.0, 10.0]])
    after, fill, price = markets.auction_energy_cap(delivered, shares, bids, 175.0)
    assert price == 10.0
    np.testing.assert_allclose(fill, [1.0, 0.75])
    np.testing.assert_allclose(after, [[40.0, 60.0], [37.5, 37.5]])


# --------------------------------------------------------------------------------------------
# suppliers
# --------------------------------------------------------------------------------------------


def test_capacity_arrives_part_way_through_a_step() -> None:
    p = SupplierParams(
        capacity_mw=100.0,
        lead_time_years=0.2,
        invest_above_utilisation=0.5,
        capacity_growth_per_order=0.0,
        capacity_retires=False,  # what stands is what was built
    )
    table, ledger = suppliers(p)
    policies = ActivePolicies()
    table.post_offer(1, 0.0, policies, DT)
    demand = np.array([100.0 * HOURS_PER_YEAR * DT])  # demand = capacity: order 100 MW more
    table.fix_step_rate(policies, DT)
    table.settle(ledger, 1, demand, demand, np.array([math.inf]), policies, DT)
    assert table.pipeline_mw[0] == pytest.approx(100.0)
    # ordered at the end of step 1 (1/12 yr), it arrives at 1/12 + 0.2 yr, 40% into step 4
    for step in (2, 3):
        table.post_offer(step, 0.0, policies, DT)
        assert table.deliverable_mwh[0] == pytest.approx(100.0 * HOURS_PER_YEAR * DT)
    table.post_offer(4, 0.0, policies, DT)
    assert table.deliverable_mwh[0] == pytest.approx((100.0 + 100.0 * 0.6) * HOURS_PER_YEAR * DT)
    assert table.capacity_mw[0] == pytest.approx(200.0)
    assert table.pipeline_mw[0] == 0.0


def test_orders_stop_where_a_mw_costs_what_it_earns_short_of_the_grid_limit() -> None:
    p = SupplierParams(
        capacity_mw=100.0,
        grid_limit_mw=1000.0,
        supply_curve_steepness=1.0,
        capex_financed_share=1.0,  # cash does not bind
        asset_life_years=20.0,
        capex_down_payment_share=1.0,  # an order's whole cost is spent when it is placed
        capacity_retires=False,
    )
    table, ledger = suppliers(p)
    policies = ActivePolicies()
    table.post_offer(1, 0.0, policies, DT)
    huge = np.array([1e6 * HOURS_PER_YEAR * DT])  # demand far beyond the limit
    table.fix_step_rate(policies, DT)
    table.settle(ledger, 1, huge, huge, np.array([math.inf]), policies, DT)
    margin = table.price_usd_per_mwh[0] - table.fuel_usd_per_mwh[0]
    worth = margin * HOURS_PER_YEAR * p.asset_life_years
    stop = 1000.0 * (1.0 - p.capex_usd_per_mw / worth)  # m0 / (1 - K/K_max) = worth
    assert table.capacity_mw[0] + table.pipeline_mw[0] == pytest.approx(stop, rel=1e-12)
    assert stop < 1000.0
    # it paid the integral of the supply curve, m0 K_max ln((1 - K1/K_max) / (1 - K2/K_max))
    paid = p.capex_usd_per_mw * 1000.0 * math.log((1 - 0.1) / (1 - stop / 1000.0))
    assert table.invested_usd[0] == pytest.approx(paid, rel=1e-9)
    assert ledger.totals[("supplier", "outside", "capacity investment")] == pytest.approx(
        paid, rel=1e-9
    )
    # and its price now recovers the dearer capacity
    assert table.capital_charge_usd_per_mwh[0] == pytest.approx(
        (100.0 * p.capex_usd_per_mw + paid) / stop / (p.asset_life_years * HOURS_PER_YEAR)
    )


def test_a_region_shares_its_limit() -> None:
    kept = {"capacity_retires": False}  # what stands is what was built
    a = SupplierParams(name="a", capacity_mw=300.0, region="x", grid_limit_mw=1000.0, **kept)
    b = SupplierParams(name="b", capacity_mw=300.0, region="x", grid_limit_mw=1000.0, **kept)
    table, ledger = suppliers(a, b)
    policies = ActivePolicies()
    huge = np.full(2, 1e6 * HOURS_PER_YEAR * DT)
    for step in range(1, 200):
        table.post_offer(step, 0.0, policies, DT)
        table.fix_step_rate(policies, DT)
        table.settle(ledger, step, huge, huge, np.full(2, math.inf), policies, DT)
        committed = table.capacity_mw.sum() + table.pipeline_mw.sum()
        assert committed < 1000.0
    assert table.capacity_mw.sum() > 600.0  # they did build, together, short of the limit


def test_region_mistakes_are_one_line_errors() -> None:
    with pytest.raises(UserError, match="state different grid_limit_mw"):
        Suppliers(
            [SupplierParams(grid_limit_mw=10.0), SupplierParams(grid_limit_mw=20.0)],
            ["a", "b"],
            12,
        )
    with pytest.raises(UserError, match="start with 30 MW, above its grid_limit_mw = 20"):
        Suppliers([SupplierParams(capacity_mw=30.0, grid_limit_mw=20.0)], ["a"], 12)


def test_cli_refuses_a_region_above_its_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[[suppliers]]\ncapacity_mw = 3000.0\ngrid_limit_mw = 2000.0\n")
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "--years", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "grid_limit_mw" in err


def test_tax_adds_to_the_price_exactly_what_the_supplier_pays() -> None:
    p = SupplierParams(carbon_t_per_mwh=0.5)
    untaxed, _ = suppliers(p)
    taxed, _ = suppliers(p)
    untaxed.post_offer(1, 0.0, ActivePolicies(), DT)
    taxed.post_offer(1, 0.0, ActivePolicies(carbon_tax_usd_per_t_co2=100.0), DT)
    assert taxed.price_usd_per_mwh[0] - untaxed.price_usd_per_mwh[0] == pytest.approx(50.0)


# --------------------------------------------------------------------------------------------
# firms: the merit order
# --------------------------------------------------------------------------------------------


def test_firms_idle_chips_whose_compute_is_worth_less_than_their_energy() -> None:
    table = Firms([FirmParams(chips=0.0)], ["a"], FIT, FIT.compute_law(), 1e24, DT)
    # two cohorts: 1e18 FLOP/s at 1e12 FLOP/J (1 MW) and at 2e12 FLOP/J (0.5 MW)
    table.add_cohorts(1, np.array([1e18]), np.array([1e6]), np.array([0.0]))
    table.age_fleet(2)
    table.add_cohorts(2, np.array([1e18]), np.array([5e5]), np.array([0.0]))
    table.age_fleet(3)  # past their first steps, which they run half of: both in full use
    table.cash_usd[:] = 1e12
    table.cumulative_logical_flop = np.array([1e24])
    # the next logical FLOP was worth 1e-18 USD (in serving) at algorithmic efficiency 1
    table.serving_value_usd_per_flop = np.array([1e-18])
    table.training_value_usd_per_flop = np.array([0.5e-18])
    table.log2_algorithmic_efficiency = np.array([0.0])
    # worth 3,600 and 7,200 USD per IT MWh: at 5,000 only the efficient cohort runs
    table.plan_energy(5000.0, 40.0, DT)
    it_mwh = 5e5 * DT * HOURS_PER_YEAR * 3600.0 / JOULES_PER_MWH
    assert table.energy_need_it_mwh[0] == pytest.approx(it_mwh)
    assert table.watts[0] == 5e5 and table.flop_per_second[0] == 1e18
    assert table.fleet_log2_flop_per_joule(40.0)[0] == pytest.approx(math.log2(2e12))
    # the running cohort bids for all of its fleet's energy, the idle one for none
    assert np.count_nonzero(table.energy_bid_it_mwh) == 1
    assert table.energy_bid_it_mwh.sum() == pytest.approx(it_mwh, rel=1e-14)
    table.plan_energy(1000.0, 40.0, DT)  # cheap energy: both run
    assert table.watts[0] == 1.5e6
    table.plan_energy(8000.0, 40.0, DT)  # dearer than either is worth: none
    assert table.energy_need_it_mwh[0] == 0.0


def test_frontier_fleets_run_every_cohort_or_none_and_bids_need_no_values() -> None:
    def table(at_frontier: bool) -> Firms:
        firms = Firms(
            [FirmParams(chips=0.0, fleet_at_frontier=at_frontier)],
            ["a"],
            FIT,
            FIT.compute_law(),
            1e24,
            DT,
        )
        firms.add_cohorts(1, np.array([1e18]), np.array([1e6]), np.array([0.0]))
        firms.age_fleet(2)
        firms.add_cohorts(2, np.array([1e18]), np.array([5e5]), np.array([0.0]))
        firms.age_fleet(3)
        firms.cash_usd[:] = 1e12
        firms.cumulative_logical_flop = np.array([1e24])
        firms.serving_value_usd_per_flop = np.array([1e-18])
        firms.log2_algorithmic_efficiency = np.array([0.0])
        return firms

    # at the frontier's 2**40 FLOP/J both cohorts are worth 1e-18 x 2**40 x 3.6e9 ~ 3,958 USD
    # per IT MWh: all of the fleet runs below that price and none of it above
    worth = 1e-18 * 2.0**40 * JOULES_PER_MWH
    frontier = table(True)
    frontier.plan_energy(0.99 * worth, 40.0, DT)
    assert frontier.watts[0] == 1.5e6
    np.testing.assert_allclose(frontier.energy_value_usd_per_it_mwh.max(), worth, rtol=1e-12)
    frontier.plan_energy(1.01 * worth, 40.0, DT)
    assert frontier.watts[0] == 0.0 and frontier.energy_need_it_mwh[0] == 0.0
    # without an auction to feed, the plan is the same and no cohort values are kept
    for price in (1000.0, 5000.0, 8000.0):
        with_values, without = table(False), table(False)
        with_values.plan_energy(price, 40.0, DT)
        without.plan_energy(price, 40.0, DT, for_auction=False)
        for name in ("energy_need_it_mwh", "energy_bid_it_mwh", "flop_per_second", "watts"):
            assert np.array_equal(getattr(with_values, name), getattr(without, name))
        assert not without.energy_value_usd_per_it_mwh.any()


# --------------------------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_ai_power_never_exceeds_a_regions_grid_limit() -> None:
    scenario = load_scenario("grid-limit")
    limits = {s.region: s.grid_limit_mw for s in scenario.suppliers}
    model = EfficiencyRaceModel(scenario, rng=0, collect_agents=False)
    near = dict.fromkeys(limits, 0.0)
    for _ in range(scenario.run.n_steps):
        model.step()
        table = model.supplier_table
        power = table.by_region(table.sold_mwh) / (HOURS_PER_YEAR * model.dt)
        built = table.by_region(table.capacity_mw + table.pipeline_mw)
        for r, region in enumerate(table.region_names):
            assert power[r] <= limits[region]
            assert built[r] < limits[region]
            near[region] = max(near[region], built[r] / limits[region])
    assert min(near.values()) > 0.8  # the limits bind: both regions build close to them
    assert model.grid_limit_mw == sum(limits.values())


@cache
def sums(name: str, allocation: str | None = None) -> dict[str, float]:
    """Each model output summed over the steps from 2027 on (seed 0)."""
    overrides = {} if allocation is None else {"policies.energy_cap.allocation": allocation}
    model = simulate_model_table(load_scenario(name, overrides), 0).model
    late = model[model["year"] > 2027 + 1e-9]
    return {c: float(late[c].sum()) for c in late.columns if c != "year"}


@pytest.mark.slow
def test_carbon_tax_lowers_emissions_and_suppliers_margin() -> None:
    base, taxed = sums("baseline"), sums("carbon-tax")
    assert taxed["emissions_t_co2"] < 0.5 * base["emissions_t_co2"]
    assert taxed["energy_delivered_mwh"] < base["energy_delivered_mwh"]
    margin = taxed["profit_suppliers_usd"] / taxed["revenue_suppliers_usd"]
    assert margin < base["profit_suppliers_usd"] / base["revenue_suppliers_usd"]
    assert taxed["government_revenue_usd"] > 0.0


@pytest.mark.slow
def test_a_cap_sold_by_auction_pays_the_government() -> None:
    auction = sums("energy-cap")
    pro_rata = sums("energy-cap", "pro_rata")
    base = sums("baseline")
    for capped in (auction, pro_rata):
        assert capped["energy_delivered_mwh"] < 0.5 * base["energy_delivered_mwh"]
    assert auction["permit_revenue_usd"] > 0.0
    assert pro_rata["permit_revenue_usd"] == 0.0
    # permits are the government's only revenue in this scenario, and counted in it
    assert auction["government_revenue_usd"] == pytest.approx(auction["permit_revenue_usd"])
    # with the rent sold as permits, suppliers no longer collect it as scarcity prices
    assert auction["profit_suppliers_usd"] < pro_rata["profit_suppliers_usd"]


def test_the_energy_figure_shows_supply_investment_and_grid_limits() -> None:
    from sim import figures

    result = simulate_model_table(load_scenario("grid-limit", {"run.years": 3}), 0)
    power = figures.energy(result).axes[0]
    lines = {line.get_label(): line for line in power.get_lines()}
    on_order = np.asarray(lines["capacity on order (suppliers' investment)"].get_ydata(), float)
    np.testing.assert_allclose(on_order, result.model["energy_pipeline_mw"].where(lambda x: x > 0))
    limit = np.asarray(lines["grid limits, all regions"].get_ydata(), float)
    np.testing.assert_allclose(limit, 23000.0)


# --------------------------------------------------------------------------------------------
# step length: prices that clear the step's demand, orders up to a level
# --------------------------------------------------------------------------------------------

CLEARING = dict(
    need_it_mwh=3000.0,
    deliverable_mwh=np.array([1000.0, 1500.0, 1000.0]),
    pue=np.array([1.12, 1.4, 1.56]),
    sensitivity=4.0,
    utilisation_start=np.array([0.9, 0.7, 0.95]),
    weight=0.15,
    pre_tax_cost_usd_per_mwh=np.array([80.0, 90.0, 70.0]),
    tax_usd_per_mwh=np.array([2.0, 20.0, 40.0]),
    base_markup=0.15,
    scarcity_markup=1.0,
)


def _check_fixed_point(price: np.ndarray, utilisation: np.ndarray, c: dict, cap: float) -> None:
    split = markets.energy_split(price, c["pue"], c["sensitivity"])
    asked = c["need_it_mwh"] * split * c["pue"]
    raw = np.maximum(asked / c["deliverable_mwh"], asked.sum() / cap)
    u0 = c["utilisation_start"]
    np.testing.assert_allclose(utilisation, u0 + (raw - u0) * c["weight"], rtol=1e-10)
    expected = markets.energy_offer_price_usd_per_mwh(
        c["pre_tax_cost_usd_per_mwh"],
        c["tax_usd_per_mwh"],
        utilisation,
        c["base_markup"],
        c["scarcity_markup"],
    )
    np.testing.assert_allclose(price, expected, rtol=1e-10)


@pytest.mark.parametrize("cap", [math.inf, 3000.0])
def test_energy_prices_are_the_scarcity_prices_of_the_demand_they_bring(cap: float) -> None:
    price, utilisation = markets.energy_clearing_prices(**CLEARING, cap_mwh=cap)
    _check_fixed_point(price, utilisation, CLEARING, cap)
    # the fallback finds the same fixed point
    c = CLEARING
    low = c["pre_tax_cost_usd_per_mwh"] * 1.15 + c["tax_usd_per_mwh"]
    high = c["pre_tax_cost_usd_per_mwh"] * 2.15 + c["tax_usd_per_mwh"]
    system = _offer_system(c["deliverable_mwh"], cap)
    slow, _ = markets._energy_prices_by_best_responses(low, high, system, 1e-12)
    np.testing.assert_allclose(price, slow, rtol=1e-9)


def _offer_system(deliverable_mwh: np.ndarray, cap: float) -> markets._OfferSystem:
    """The offer equations of :data:`CLEARING` (markups 0.15, full pass-through)."""
    c = CLEARING
    return markets._OfferSystem(
        c["need_it_mwh"],
        deliverable_mwh,
        c["pue"],
        c["sensitivity"],
        c["utilisation_start"],
        c["weight"],
        cap,
        c["pre_tax_cost_usd_per_mwh"],
        c["tax_usd_per_mwh"],
        np.full(3, 0.15),
        np.full(3, 1.0),
    )


@pytest.mark.parametrize("cap", [math.inf, 3000.0])
def test_offer_jacobian_is_the_residuals_derivative(cap: float) -> None:
    # Newton's Jacobian against central differences of the residual, column by column; one
    # supplier with nothing to deliver counts as full (without a cap its row is the identity's)
    system = _offer_system(CLEARING["deliverable_mwh"] * np.array([1.0, 1.0, 0.0]), cap)
    price = np.array([120.0, 130.0, 150.0])
    system.residual(price)
    jacobian = system.jacobian()
    if cap == math.inf:
        assert np.array_equal(jacobian[2], [0.0, 0.0, 1.0])
    for k in range(3):
        step = np.where(np.arange(3) == k, 1e-4 * price[k], 0.0)
        up, _ = system.residual(price + step)
        down, _ = system.residual(price - step)
        np.testing.assert_allclose(jacobian[:, k], (up - down) / (2 * step[k]), rtol=1e-6)


def test_energy_prices_with_no_weight_are_last_steps() -> None:
    # weight 0: the step's demand does not enter, the prices are those of u0 (today's rule)
    price, utilisation = markets.energy_clearing_prices(**{**CLEARING, "weight": 0.0})
    np.testing.assert_allclose(utilisation, CLEARING["utilisation_start"])
    expected = markets.energy_offer_price_usd_per_mwh(
        CLEARING["pre_tax_cost_usd_per_mwh"],
        CLEARING["tax_usd_per_mwh"],
        CLEARING["utilisation_start"],
        0.15,
        1.0,
    )
    np.testing.assert_allclose(price, expected, rtol=1e-12)


@given(
    need=st.floats(10.0, 1e5),
    deliverable=st.lists(st.floats(1.0, 1e4), min_size=3, max_size=3),
    u0=st.lists(st.floats(0.0, 2.0), min_size=3, max_size=3),
    weight=st.floats(0.0, 1.0),
    sensitivity=st.floats(0.0, 20.0),
)
@settings(max_examples=40, deadline=None)
def test_energy_prices_solve_for_any_demand(
    need: float, deliverable: list[float], u0: list[float], weight: float, sensitivity: float
) -> None:
    c = {
        **CLEARING,
        "need_it_mwh": need,
        "deliverable_mwh": np.array(deliverable),
        "utilisation_start": np.array(u0),
        "weight": weight,
        "sensitivity": sensitivity,
    }
    price, utilisation = markets.energy_clearing_prices(**c)
    _check_fixed_point(price, utilisation, c, math.inf)


def test_order_up_to_keeps_demand_at_the_target() -> None:
    # the level of the threshold rule, 90 x 1.25 / 0.8 = 140.625, ordered whenever below it
    assert capacity.order_up_to(90.0, 100.0, 0.8, 0.25) == pytest.approx(40.625)
    assert capacity.order_up_to(60.0, 100.0, 0.8, 0.25) == 0.0
    assert capacity.order_up_to(70.0, 100.0, 0.8, 0.25) == pytest.approx(9.375)
    # ordered step by step as demand grows, the total is what one order would have been
    planned, total = 100.0, 0.0
    for demand in np.linspace(80.0, 160.0, 9):
        order = float(capacity.order_up_to(demand, planned, 0.8, 0.0))
        planned, total = planned + order, total + order
    assert total == pytest.approx(160.0 / 0.8 - 100.0)


def test_supplier_prices_on_the_demand_it_expects() -> None:
    # after a step in which firms asked 150 MW of 100: the next step's price takes in the
    # step's expected demand at half-step weight, not last step's utilisation alone
    table, ledger = suppliers(SupplierParams(capacity_mw=100.0, capacity_growth_per_order=0.0))
    policies = ActivePolicies()
    table.post_offer(1, 0.0, policies, DT)
    asked = np.array([150.0 * HOURS_PER_YEAR * DT])
    table.fix_step_rate(policies, DT)
    table.settle(ledger, 1, asked / 1.5, asked, np.array([math.inf]), policies, DT)
    # the PUE firms saw when they asked (it falls at the end of the step)
    assert table.need_it_mwh_per_year == pytest.approx(150.0 * HOURS_PER_YEAR / 1.3)
    u_end = table.utilisation[0]
    table.post_offer(2, 0.0, policies, DT)
    raw = table.need_it_mwh_per_year * DT * table.pue[0] / table.deliverable_mwh[0]
    assert raw == pytest.approx(1.5, rel=1e-2)  # as last step, at this step's PUE
    u_mid = u_end + (raw - u_end) * -math.expm1(-DT / 0.5)
    assert u_end < u_mid < raw
    p = table.p
    pre_tax = table.fuel_usd_per_mwh[0] + table.capital_charge_usd_per_mwh[0]
    assert table.price_usd_per_mwh[0] == pytest.approx(
        pre_tax * (1.0 + p["base_markup"][0] + p["scarcity_markup"][0] * u_mid**4), rel=1e-10
    )


def test_firms_pay_in_full_for_every_permit_they_win() -> None:
    # an auctioned cap: each firm bids at most the cash it has left after the energy, spread
    # over all it asks, so the ledger never has to scale a permit payment down to the payer's
    # cash (before, firms won permits they paid a fraction of: 153 steps of a 20-year run)
    from sim.model import EfficiencyRaceModel

    scenario = load_scenario("energy-cap", {"run.years": 6})
    model = EfficiencyRaceModel(scenario, rng=0)
    transfer = model.ledger.transfer
    asked, paid = [], []

    def spy(reason: str, usd: Any, payer: Any, payee: Any) -> Any:
        out = transfer(reason, usd, payer, payee)
        if payee == "government":
            asked.append(float(np.sum(usd)))
            paid.append(float(np.sum(out)))
        return out

    model.ledger.transfer = spy  # type: ignore[method-assign]
    binding = 0
    for _ in range(scenario.run.n_steps):
        model.step()
        binding += model.permit_price_usd_per_mwh > 0
    assert binding > 12  # the cap binds and the permits have a price for a year at least
    np.testing.assert_allclose(paid, asked, rtol=1e-12)
