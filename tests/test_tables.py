"""Agents as rows of arrays: each agent type's table is built and tested without a model, and
Mesa agents are views on its rows. Values are checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.firm import Firms
from agents.supplier import Suppliers
from agents.vendor import Vendors
from sim import law, markets
from sim.ledger import Ledger
from sim.model import EfficiencyRaceModel
from sim.params import (
    HOURS_PER_YEAR,
    JOULES_PER_MWH,
    SECONDS_PER_YEAR,
    FirmParams,
    SupplierParams,
    VendorParams,
)
from sim.policies import ActivePolicies
from sim.scenario import load_scenario

DT = 1.0 / 12.0
FIT = law.CHINCHILLA_FITS["hoffmann"]


def firms(*params: FirmParams) -> Firms:
    return Firms(params, [p.name for p in params], FIT, FIT.compute_law(), 1e24, DT)


def test_a_fleet_ages_out_after_its_lifetime() -> None:
    table = firms(FirmParams(name="a", chip_lifetime_years=0.25), FirmParams(name="b"))
    life = table.life_steps
    assert list(life) == [3, 48]  # 0.25 and 4 years (the default) of monthly steps
    table.age_fleet(1)
    table.add_cohorts(1, np.array([1e18, 2e18]), np.array([1e6, 1e6]), np.array([10.0, 20.0]))
    # bought through step 1: it runs (and depreciates) half of it
    np.testing.assert_array_equal(table.flop_per_second, [0.5e18, 1e18])
    np.testing.assert_array_equal(table.depreciation_usd_per_step, [5.0, 10.0])
    for step in (2, 3):
        table.age_fleet(step)
        np.testing.assert_array_equal(table.flop_per_second, [1e18, 2e18])
    table.age_fleet(4)  # its lifetime (3 steps from the middle of step 1) ends mid-step 4
    np.testing.assert_array_equal(table.flop_per_second, [0.5e18, 2e18])
    np.testing.assert_array_equal(table.depreciation_usd_per_step, [5.0, 20.0])
    table.age_fleet(5)  # gone
    np.testing.assert_array_equal(table.flop_per_second, [0.0, 2e18])
    np.testing.assert_array_equal(table.watts, [0.0, 1e6])
    np.testing.assert_array_equal(table.depreciation_usd_per_step, [0.0, 20.0])
    # physical FLOP per joule of a fleet: FLOP/s over watts
    assert table.fleet_log2_flop_per_joule(40.0)[1] == pytest.approx(math.log2(2e12))
    assert table.fleet_log2_flop_per_joule(40.0)[0] == 40.0  # no fleet: the frontier


def test_a_cohort_depreciates_exactly_what_it_cost() -> None:
    table = firms(FirmParams(name="a", chip_lifetime_years=0.5))  # 6 monthly steps
    charged = 0.0
    for step in range(1, 12):
        table.age_fleet(step)
        if step == 2:
            table.add_cohorts(step, np.array([1e18]), np.array([1e6]), np.array([100.0]))
        charged += float(table.depreciation_usd_per_step[0])
    assert charged == pytest.approx(600.0, rel=1e-15)  # 6 steps of 100: half, 5 whole, half


def test_a_permanent_fleet_never_ages_out() -> None:
    table = firms(FirmParams(chip_lifetime_years=1e4))
    table.add_cohorts(1, np.array([1e18]), np.array([1e6]), np.array([0.0]))
    for step in range(2, 500):
        table.age_fleet(step)
    assert table.flop_per_second[0] == 1e18


def test_the_starting_fleet_is_bought_evenly_over_a_lifetime() -> None:
    table = firms(FirmParams(chips=1200.0, chip_lifetime_years=1.0))  # 12 monthly cohorts
    table.buy_starting_fleet(1e15, 1e12, 30_000.0, 0.0, DT)
    assert table.flop_per_second[0] == pytest.approx(1200 * 1e15)
    # cohorts cost in proportion to the life they have left (1 to 12 steps), and run it from
    # step 1 plus half a step: the whole fleet's depreciation over its life is what it cost
    charged = 0.0
    for step in range(1, 16):
        table.age_fleet(step)
        charged += float(table.depreciation_usd_per_step[0])
    assert charged == pytest.approx(1200 * 30_000.0 * 6.5 / 12, rel=1e-12)
    assert table.flop_per_second[0] == 0.0  # all retired by step 14


def test_decide_costs_tokens_and_caps_rnd_where_it_stops_paying() -> None:
    p = FirmParams(chips=1000.0, spend_rate_per_year=100.0, chip_share=0.0)
    table = firms(p)
    table.accounts.cash_usd[:] = 1e12  # far more than R&D can use
    table.add_cohorts(1, np.array([1e18]), np.array([1e6]), np.array([1000.0]))
    table.cumulative_logical_flop = np.array([1e24])
    table.update_quality()
    market = load_scenario("baseline").market
    table.decide(1, 100.0, 40.0, market, ActivePolicies(), DT)
    it_mwh = 1e6 * DT * SECONDS_PER_YEAR / JOULES_PER_MWH
    flop = it_mwh * JOULES_PER_MWH * 1e12 * p.algorithmic_efficiency
    cost_per_flop = (it_mwh * 100.0 + 1000.0) / flop
    per_token = 2.0 * FIT.optimal_params(1e24)
    assert table.cost_usd_per_token[0] == pytest.approx(cost_per_flop * per_token, rel=1e-12)
    # R&D: a doubling saves ln 2 of the compute spending while the lead lasts
    spend = (1000.0 + it_mwh * 100.0) / DT
    rho = market.hurdle_rate_per_year + market.spillover_closed_per_year
    value = spend * math.log(2) * -math.expm1(-rho * p.rnd_horizon_years) / rho
    m, h = p.rnd_max_extra_doublings_per_year, p.rnd_half_saturation_usd_per_year
    optimal = max(0.0, math.sqrt(value * m * h) - h)
    assert table.rnd_optimal_usd_per_year[0] == pytest.approx(optimal, rel=1e-12)
    # all the budget may go to R&D (chip share 0), yet it spends no more than pays
    assert table.rnd_budget_usd[0] == pytest.approx(optimal * DT, rel=1e-12)


def test_supplier_capacity_arrives_after_its_lead_time() -> None:
    p = SupplierParams(
        capacity_mw=100.0,
        lead_time_years=0.25,
        invest_above_utilisation=0.5,
        capacity_growth_per_order=0.0,
        capex_financed_share=1.0,
        capex_down_payment_share=1.0,  # all of it paid at order
        capacity_retires=False,  # what stands is what was built
    )
    table = Suppliers([p], ["grid"], steps_per_year=12)
    ledger = Ledger()
    ledger.transfer("capital", [1e12], "investors", table.accounts)
    policies = ActivePolicies()
    table.post_offer(1, 0.0, policies, DT)
    demand_mwh = np.array([100.0 * HOURS_PER_YEAR * DT])  # demand = capacity: invest to 200 MW
    table.fix_step_rate(policies, DT)
    table.settle(ledger, 1, demand_mwh, demand_mwh, np.array([math.inf]), policies, DT)
    assert table.pipeline_mw.sum() == pytest.approx(100.0)
    for step in (2, 3):
        table.post_offer(step, 0.0, policies, DT)
        assert table.capacity_mw[0] == 100.0
    table.post_offer(4, 0.0, policies, DT)  # ordered at step 1, three steps of lead time
    assert table.capacity_mw[0] == pytest.approx(200.0)
    assert ledger.external["investors"] == pytest.approx(-1e12 - 100.0 * p.capex_usd_per_mw)


def test_vendor_keeps_its_share_when_nobody_buys() -> None:
    table = Vendors([VendorParams(), VendorParams()], ["a", "b"], chip_choice_sensitivity=2.0)
    ledger = Ledger()
    ledger.transfer("capital", [1e9, 1e9], "investors", table.accounts)
    table.settle(ledger, np.array([0.0, 0.0]), ActivePolicies(), DT)
    np.testing.assert_array_equal(table.share, [0.5, 0.5])
    table.settle(ledger, np.array([30.0, 10.0]), ActivePolicies(), DT)
    np.testing.assert_array_equal(table.share, [0.75, 0.25])


def test_clear_chips_splits_budgets_and_downgrades_restricted_buyers() -> None:
    deal = markets.clear_chips(
        budget_usd=[1000.0, 1000.0],
        price_usd=[10.0, 10.0],
        flop_per_second_per_chip=[1e15, 1e15],
        flop_per_joule=[1e12, 1e12],
        lifetime_years=[4.0, 4.0],
        deliverable_chips=[1e9, 1e9],
        energy_usd_per_it_mwh=0.0,
        choice_sensitivity=1.0,
        restricted=[False, True],
        max_flop_per_joule=5e11,
    )
    # two identical vendors: each firm buys 50 chips of each
    np.testing.assert_allclose(deal.chips, [[50.0, 50.0], [50.0, 50.0]])
    np.testing.assert_allclose(deal.payments_usd, 10.0 * deal.chips)
    # the restricted firm gets half the efficiency at the same watts, so half the FLOP/s
    np.testing.assert_array_equal(deal.flop_per_joule[1], [5e11, 5e11])
    np.testing.assert_array_equal(deal.flop_per_second_per_chip[1], [5e14, 5e14])
    short = markets.clear_chips(
        [1000.0, 1000.0], [10.0], [1e15], [1e12], [4.0, 4.0], [50.0], 0.0, 1.0, [False, False]
    )
    np.testing.assert_allclose(short.chips, [[25.0], [25.0]])  # rationed pro rata


def test_mesa_agents_are_views_on_their_rows() -> None:
    model = EfficiencyRaceModel("baseline", rng=0)
    model.step()
    table = model.firm_table
    for row, firm in enumerate(sorted(model.firms, key=lambda a: a.unique_id)):
        assert firm.row == row and firm.name == table.names[row]
        assert firm.cash_usd == table.cash_usd[row]
        assert firm.loss == table.loss[row]
        assert firm.revenue_usd == table.revenue_usd()[row]
    first = next(iter(model.firms))
    first.chip_share = 0.123  # writes go to the row
    assert table.chip_share[first.row] == 0.123
    vendor = model.vendors[0]
    assert math.isnan(vendor.loss)  # a firm-only output
    assert vendor.flop_per_joule == model.vendor_table.flop_per_joule[0]


def test_a_firm_out_of_money_leaves_and_its_view_detaches() -> None:
    scenario = load_scenario("baseline", {"run.years": 1})
    model = EfficiencyRaceModel(scenario, rng=0)
    model.step()
    table = model.firm_table
    poor = sorted(model.firms, key=lambda a: a.unique_id)[2]
    name = poor.name
    table.exit_cash_usd[poor.row] = math.inf  # it now counts as out of money
    table.profit_usd[poor.row] = -1.0
    model._exits()
    assert poor.row is None and math.isnan(poor.cash_usd)
    assert name not in table.names and len(model.firms) == 7
    assert [v.row for v in table.views] == list(range(7))
    model.step()  # the market goes on with seven firms
    assert model.n_firms_active == 7
    assert model.ledger_imbalance_usd < 1e-9 * model.revenue_firms_usd


def test_running_totals_count_new_cohorts_half_and_idle_ones_not() -> None:
    table = firms(FirmParams(name="a", chip_lifetime_years=0.25))  # cohorts live 3 steps
    table.age_fleet(1)
    table.add_cohorts(1, np.array([1e18]), np.array([1e6]), np.array([10.0]))
    table.age_fleet(2)
    table.add_cohorts(2, np.array([4e18]), np.array([2e6]), np.array([20.0]))
    flops, new = table.fleet_flop_per_second, table.new_flop_per_second
    # step 2: the first cohort runs all of it, the one bought through it half
    assert table.flop_per_second[0] == 1e18 + 0.5 * 4e18
    assert table.running_total(flops, new)[0] == 3e18
    every = np.ones(flops.shape, dtype=bool)
    first, second = flops == 1e18, flops == 4e18
    for runs, expected in ((every, 3e18), (~first, 2e18), (~second, 1e18), (~every, 0.0)):
        assert table.running_total(flops, new, runs)[0] == expected
        assert table.running(flops, new, runs).sum() == expected
