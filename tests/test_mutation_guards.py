"""Guards from a hand-made mutation audit of the core: each test checks values that a plausible
one-token bug in the named function changes, where no other test did (see each docstring)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from agents.firm import Firms
from agents.supplier import UTILISATION_MEMORY_YEARS, Suppliers
from sim import capacity, finance, law, markets, physics, production
from sim.ledger import Accounts, Ledger
from sim.model import EfficiencyRaceModel
from sim.params import HOURS_PER_YEAR, JOULES_PER_MWH, SECONDS_PER_YEAR, FirmParams, SupplierParams
from sim.policies import ActivePolicies
from sim.scenario import Scenario, load_scenario

DT = 1.0 / 12.0
FIT = law.CHINCHILLA_FITS["hoffmann"]


def test_a_payer_in_debt_pays_nothing_and_keeps_its_debt() -> None:
    """A payer whose cash is negative pays 0 of what it is asked (never a negative amount, which
    would move money the other way); one with some cash pays all of it. (Mutant: the cash limit
    without ``max(cash, 0)``.)"""
    firms, vendors = Accounts("firm", [-10.0, 4.0]), Accounts("vendor", [0.0])
    ledger = Ledger()
    ledger.open_step(firms, vendors)
    paid = ledger.transfer("chips", [[5.0], [6.0]], firms, vendors)
    np.testing.assert_array_equal(paid, [[0.0], [4.0]])
    np.testing.assert_array_equal(firms.cash_usd, [-10.0, 0.0])
    np.testing.assert_array_equal(vendors.cash_usd, [4.0])
    paid = ledger.transfer("tax", [3.0, 0.0], firms, "government")
    np.testing.assert_array_equal(paid, [0.0, 0.0])
    assert ledger.external["government"] == 0.0
    assert ledger.imbalance_usd(firms, vendors) == 0.0


def test_imbalances_of_opposite_sign_add_up_and_do_not_cancel() -> None:
    """One agent's unbooked gain does not hide another's unbooked loss: the imbalance is the
    sum of their sizes. (Mutant: the absolute value of the sum rather than the sum of the
    absolute values.)"""
    firms = Accounts("firm", [10.0, 10.0])
    ledger = Ledger()
    ledger.open_step(firms)
    firms.cash_usd += np.array([5.0, -5.0])  # unbooked, in opposite directions
    assert ledger.imbalance_usd(firms) == 10.0


def test_an_auction_that_fills_the_cap_exactly_clears_at_the_last_bid_filled() -> None:
    """When the highest bids fill the cap exactly, the clearing price is the marginal bid they
    reach it with (the last one filled, here 3), not the first bid left out (1); the accepted
    quantities are the same either way. (Mutant: ``searchsorted(..., side="right")``.)"""
    accepted, price = markets.cap_auction([10.0, 10.0, 10.0], [5.0, 3.0, 1.0], 20.0)
    np.testing.assert_array_equal(accepted, [10.0, 10.0, 0.0])
    assert price == 3.0
    # the same with ties at the marginal bid: both are filled in full
    accepted, price = markets.cap_auction([10.0, 5.0, 5.0, 10.0], [5.0, 3.0, 3.0, 1.0], 20.0)
    np.testing.assert_array_equal(accepted, [10.0, 5.0, 5.0, 0.0])
    assert price == 3.0


def test_a_free_registration_of_a_better_model_is_taken_even_when_it_earns_nothing() -> None:
    """Registering a run above the threshold is worth it when what it earns equals the
    compliance cost, as documented: here both are 0 (a firm without revenue, a rule without
    a cost), and the run is registered. (Mutant: ``value > cost``.)"""
    pays = finance.run_above_threshold_pays(
        [2e27, 2e27],
        1e27,
        [1.0, 1.0],
        [1e26, 1e26],
        0.2,
        [0.5, 0.5],
        [0.0, 4e9],
        [5.0, 5.0],
        [0.0, 0.0],
        0.0,
    )
    np.testing.assert_array_equal(pays, [True, True])


def test_step_logical_flop_is_energy_times_the_mean_efficiency_over_the_step() -> None:
    """:func:`sim.production.step_logical_flop` by hand and against the quadrature of
    :func:`sim.production.step_logical_flop_on_nodes` for linear gains, as its docstring says.
    A quarter-year step at 2 doublings/yr: efficiency 2^s grows by half a doubling, and its
    mean is (2^0.5 - 1) / (0.5 ln 2). (Mutant: ``growth_integral(rate)`` without the ``dt``,
    the mean over a year instead of over the step.)"""
    dt, rate = 0.25, np.array([[2.0, 0.0]])
    energy = np.array([[3.0, 1.0]])  # [firm, supplier] MWh
    log2_start = np.array([[10.0, 4.0]])
    mean_growth = (2.0**0.5 - 1.0) / (0.5 * np.log(2.0))
    expected = JOULES_PER_MWH * (3.0 * 2.0**10 * mean_growth + 1.0 * 2.0**4)
    got = production.step_logical_flop(energy, log2_start, rate, dt)
    np.testing.assert_allclose(got, [expected], rtol=1e-14)
    years, weights = physics.step_nodes(dt, 0.5)
    # on nodes the gains add: none of the firm's, 2 doublings/yr of the first supplier's
    supplier_gain = np.stack([2.0 * years, 0.0 * years])
    on_nodes = production.step_logical_flop_on_nodes(
        energy, log2_start, np.zeros((1, years.size)), supplier_gain, weights
    )
    np.testing.assert_allclose(on_nodes, got, rtol=1e-13)


def test_a_lump_arriving_exactly_at_the_end_of_a_step_counts_at_that_end() -> None:
    """A tranche that arrives as a lump at date a is delivered from a on (its docstring), so at
    t = a exactly it counts in full, also when other tranches in the batch arrive as ramps;
    ``capacity_over_step`` then reports it both as arrived and in the capacity at the end,
    so an owner that moves arrived tranches into what is built loses nothing. Orders are dated
    by step ends, so this tie happens every time one arrives. (Mutant: ``t > a``.)"""
    assert capacity.tranche_delivered(1.0, 5.0, 1.0, 1.0) == 5.0
    assert capacity.tranche_delivered(np.nextafter(1.0, 0.0), 5.0, 1.0, 1.0) == 0.0
    # a ramp over [0, 2] (2 units) and a lump at 1 (3 units); the step [0.5, 1]
    at_end, mean, arrived = capacity.capacity_over_step(
        0.5, 0.5, [0.0], [2.0, 3.0], [0.0, 1.0], [2.0, 1.0], [0, 0]
    )
    np.testing.assert_allclose(at_end, [2.0 * 0.5 + 3.0], rtol=1e-15)
    # the ramp's mean over the step: 2 x (1^2 - 0.5^2) / (2 x 2) / 0.5; the lump adds nothing
    np.testing.assert_allclose(mean, [0.75], rtol=1e-15)
    np.testing.assert_array_equal(arrived, [False, True])


def _training_firm(run_cap_physical_flop: float) -> Firms:
    """One firm set up by hand for :meth:`Firms.run_fleets`: algorithms at 2 logical FLOP per
    FLOP and not moving within the step, half its compute for training, 80 % of that into a
    run of one step, chips at 1e12 FLOP/J in a site with 1/PUE = 0.5, 1e9 FLOP a token."""
    firms = Firms([FirmParams(chips=0.0)], ["a"], FIT, FIT.compute_law(), 1e24, DT)
    firms.algorithmic_efficiency = np.array([2.0])
    firms.step_doublings_per_year = np.array([0.0])
    firms.training_share = np.array([0.5])
    firms.run_share = np.array([0.8])
    firms.run_steps = np.array([1])
    firms.run_cap_physical_flop = np.array([run_cap_physical_flop])
    firms.chip_flop_per_joule = np.array([1e12])
    firms.site_efficiency = np.array([0.5])
    firms.flop_per_token = np.array([1e9])
    firms.cumulative_logical_flop = np.array([1e24])
    firms.run_fleets(np.array([1e24]), ActivePolicies())
    return firms


def test_a_run_trains_its_share_and_its_grid_power_counts_the_site() -> None:
    """By hand: of 1e24 logical FLOP, 5e23 train, 4e23 of them in the run (2e23 physical FLOP
    at 2 logical per physical) and 5e23 serve (5e14 tokens). The run burns 2e23 / 1e12 FLOP/J
    = 2e11 J of IT energy, 4e11 J from the grid at 1/PUE = 0.5; over its one step that is the
    run's grid power. (Mutant: grid joules without the site's efficiency, the IT energy.)"""
    firms = _training_firm(math.inf)
    np.testing.assert_allclose(firms.training_logical_flop, [4e23], rtol=1e-15)
    np.testing.assert_allclose(firms.token_capacity, [5e14], rtol=1e-15)
    np.testing.assert_allclose(firms.run_grid_joules_so_far, [4e11], rtol=1e-15)
    firms.end_runs()
    np.testing.assert_allclose(firms.cumulative_logical_flop, [1.4e24], rtol=1e-15)
    np.testing.assert_allclose(firms.run_physical_flop, [2e23], rtol=1e-15)
    np.testing.assert_allclose(
        firms.run_power_mw, [4e11 / (DT * SECONDS_PER_YEAR) / 1e6], rtol=1e-15
    )
    assert firms.run_step_index[0] == 0 and firms.run_grid_joules_so_far[0] == 0.0


def test_what_a_compute_cap_keeps_from_a_run_serves() -> None:
    """A run capped at 1e23 physical FLOP trains 2e23 logical FLOP of the 4e23 it wanted; the
    other 2e23 serve with the 5e23 not meant for training: 7e14 tokens, so compute is only
    moved, never lost. (Mutant: serving without what the cap keeps from training.)"""
    firms = _training_firm(1e23)
    assert firms.run_capped[0]
    np.testing.assert_allclose(firms.training_logical_flop, [2e23], rtol=1e-15)
    np.testing.assert_allclose(firms.run_physical_flop_so_far, [1e23], rtol=1e-15)
    np.testing.assert_allclose(firms.token_capacity, [7e14], rtol=1e-15)
    served = firms.token_capacity * firms.flop_per_token
    np.testing.assert_allclose(served + firms.training_logical_flop + 1e23, [1e24], rtol=1e-15)


def test_a_pro_rata_cap_share_sets_a_suppliers_utilisation() -> None:
    """A supplier that may sell only its share of a pro-rata cap measures scarcity against
    that share, not against what it could deliver: 50 MW asked of a 25 MW share is a
    utilisation of 2 this step, smoothed over ``UTILISATION_MEMORY_YEARS`` (exact weights).
    (Mutant: utilisation against the deliverable energy alone, 0.5 here.)"""
    table = Suppliers([SupplierParams(capacity_mw=100.0)], ["grid"], steps_per_year=12)
    ledger = Ledger()
    ledger.transfer("capital", [1e9], "investors", table.accounts)
    policies = ActivePolicies()
    table.post_offer(1, 0.0, policies, DT)
    table.fix_step_rate(policies, DT)
    start = table.utilisation.copy()
    mwh_per_mw = HOURS_PER_YEAR * DT
    np.testing.assert_allclose(table.deliverable_mwh, [100.0 * mwh_per_mw], rtol=1e-15)
    asked = np.array([50.0 * mwh_per_mw])
    table.settle(ledger, 1, asked / 2.0, asked, np.array([25.0 * mwh_per_mw]), policies, DT)
    weight = -math.expm1(-DT / UTILISATION_MEMORY_YEARS)
    np.testing.assert_allclose(table.utilisation, start + (2.0 - start) * weight, rtol=1e-14)


def _model_in_step_two(scenario: Scenario) -> tuple[EfficiencyRaceModel, Any, ActivePolicies]:
    """A model one step in, with step 2 run up to its energy market (offers posted, firms'
    decisions taken, chips cleared). Returns (model, offers, policies)."""
    model = EfficiencyRaceModel(scenario, rng=0)
    model.step()
    model.steps += 1  # what Mesa's step wrapper counts before step() runs
    policies = model._open_step()
    offers = model._post_offers(policies)
    model.firm_table.decide(
        model.steps,
        offers.usd_per_it_mwh,
        model._frontier_log2_fpj(offers),
        model.config.market,
        policies,
        model.dt,
    )
    model._chip_market(offers, policies)
    return model, offers, policies


def test_a_firm_that_asks_for_no_energy_counts_as_fully_served() -> None:
    """A firm whose compute is worth nothing this step idles every cohort and asks for no
    energy; none of its demand went unserved, so its served share is 1 (its next chip budget
    is not cut), while the others' is what they got over what they asked. (Mutant: a served
    share of 0 for a firm that asked nothing, which stops it buying chips for good.)"""
    model, offers, policies = _model_in_step_two(load_scenario("baseline"))
    firms = model.firm_table
    firms.serving_value_usd_per_flop[0] = 0.0
    firms.training_value_usd_per_flop[0] = 0.0
    firms.cost_usd_per_token[0] = math.nan
    energy = model._energy_market(offers, policies)
    asked = energy.demand_mwh.sum(axis=1)
    got = energy.delivered_mwh.sum(axis=1)
    assert asked[0] == 0.0 and (asked[1:] > 0).all()
    assert firms.energy_served_share[0] == 1.0
    np.testing.assert_allclose(firms.energy_served_share[1:], got[1:] / asked[1:], rtol=1e-14)


def test_a_pro_rata_cap_is_shared_among_suppliers_in_proportion_to_what_they_are_asked() -> None:
    """Suppliers' shares of a binding pro-rata energy cap add up to the cap and each is in
    proportion to what firms asked of it. (Mutant: shares scaled by the largest demand, which
    hands out more than the cap.)"""
    overrides = {
        "policies.energy_cap.allocation": "pro_rata",
        "policies.energy_cap.from_year": 2024.0,
        "policies.energy_cap.cap_mw": 100.0,
    }
    model = EfficiencyRaceModel(load_scenario("energy-cap", overrides), rng=0)
    seen: list[tuple[np.ndarray, np.ndarray]] = []
    settle = model.supplier_table.settle

    def spy(
        ledger: Ledger, step: int, sold: Any, demanded: Any, cap_share: Any, *rest: Any
    ) -> None:
        seen.append((np.array(demanded), np.array(cap_share)))
        settle(ledger, step, sold, demanded, cap_share, *rest)

    model.supplier_table.settle = spy  # type: ignore[method-assign]
    model.step()
    assert model.energy_cap_binding == 1.0
    demanded, cap_share = seen[0]
    cap_mwh = 100.0 * HOURS_PER_YEAR * model.dt
    assert (demanded > 0).sum() >= 2  # a share to split
    np.testing.assert_allclose(cap_share.sum(), cap_mwh, rtol=1e-14)
    np.testing.assert_allclose(cap_share, cap_mwh * demanded / demanded.sum(), rtol=1e-14)


def test_investors_net_return_counts_every_asset_they_hold_at_book_value() -> None:
    """Investors' net return is the investors' account (what they paid in, less dividends
    and what exits took out) plus what they own at book value: every agent's cash, the firms'
    fleets, the suppliers' plants and the vendors' fabs. (Mutant: the vendors' capital left
    out.)"""
    model = EfficiencyRaceModel(load_scenario("baseline"), rng=0)
    for _ in range(2):
        model.step()
    vendors, suppliers, firms = model.vendor_table, model.supplier_table, model.firm_table
    assert vendors.capital_usd.sum() > 0.0
    held = (
        vendors.cash_usd.sum()
        + suppliers.cash_usd.sum()
        + firms.cash_usd.sum()
        + firms.fleet_book_usd.sum()
        + suppliers.capital_usd.sum()
        + vendors.capital_usd.sum()
    )
    expected = model.ledger.external["investors"] + held
    assert model.investors_net_return_usd == pytest.approx(expected, rel=1e-12, abs=1.0)


def _settled_firms() -> tuple[Firms, Ledger]:
    """Two firms settled by hand: the first registered above the compute threshold (1.2 M USD
    a year of compliance) and bought 1 MW of chips this step, the second neither."""
    firms = Firms([FirmParams(chips=0.0)] * 2, ["a", "b"], FIT, FIT.compute_law(), 1e24, DT)
    ledger = Ledger()
    ledger.transfer("capital", [1e9, 1e9], "investors", firms.accounts)
    ledger.open_step(firms.accounts)
    firms.add_cohorts(1, np.array([1e18, 0.0]), np.array([1e6, 0.0]), np.array([0.0, 0.0]))
    firms.above_threshold = np.array([True, False])
    firms.settle(ledger, ActivePolicies(compliance_cost_usd_per_year=1.2e6), DT)
    return firms, ledger


def test_compliance_is_a_cost_in_the_firms_profit() -> None:
    """A firm whose run is registered above the compute threshold pays the compliance cost for
    the step to the government, and its profit is lower by exactly that; with no other flow,
    profit is the change in its cash. (Mutant: profit without the compliance cost.)"""
    firms, ledger = _settled_firms()
    np.testing.assert_allclose(firms.profit_usd, [-1.2e6 * DT, 0.0], rtol=1e-15)
    np.testing.assert_allclose(firms.cash_usd - 1e9, firms.profit_usd, rtol=1e-15)
    assert ledger.external["government"] == pytest.approx(1.2e6 * DT, rel=1e-15)


def test_permit_bids_are_what_a_grid_mwh_is_worth_above_its_energy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In an auctioned energy cap a firm bids, per grid MWh (the cap's unit), at most what its
    compute earns above the energy price on the IT energy a grid MWh gives: (value - price)
    per IT MWh times IT MWh per grid MWh (1 / the suppliers' mean PUE, weighted by the
    split). (Mutant: the bid per IT MWh, too high by the PUE.)"""
    overrides = {"policies.energy_cap.from_year": 2024.0, "policies.energy_cap.cap_mw": 100.0}
    model, offers, policies = _model_in_step_two(load_scenario("energy-cap", overrides))
    seen: list[np.ndarray] = []
    auction = markets.auction_energy_cap

    def spy(delivered: Any, shares: Any, bids: Any, cap_mwh: float) -> Any:
        seen.append(np.array(bids))
        return auction(delivered, shares, bids, cap_mwh)

    monkeypatch.setattr(markets, "auction_energy_cap", spy)
    model._energy_market(offers, policies)
    firms = model.firm_table
    it_per_grid = 1.0 / float(np.sum(offers.energy_weights * model.supplier_table.pue))
    assert it_per_grid < 1.0 and model.permit_price_usd_per_mwh > 0.0
    worth = (firms.energy_value_usd_per_it_mwh - offers.usd_per_it_mwh) * it_per_grid
    (bids,) = seen
    assert (bids <= worth + 1e-12 * np.abs(worth)).all()
    # a firm with cash to spare bids all of it: some bids are exactly that
    assert np.isclose(bids, worth, rtol=1e-12).any()


def test_the_last_purchase_runs_its_watts_over_the_step() -> None:
    """What the chips bought this step burn in a step at full use [IT MWh], which the next
    step's budget counts: 1 MW over a month is 8766 / 12 = 730.5 MWh. (Mutant: the energy of
    a year, without the step length.)"""
    firms, _ = _settled_firms()
    np.testing.assert_allclose(firms.last_purchase_it_mwh, [HOURS_PER_YEAR * DT, 0.0], rtol=1e-14)
