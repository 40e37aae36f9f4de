"""Guards from a hand-made mutation audit of the core: each test checks values that a plausible
one-token bug in the named function changes, where no other test did (see each docstring)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _tables import suppliers

from agents.firm import Firms
from agents.supplier import UTILISATION_MEMORY_YEARS, Suppliers
from agents.vendor import Vendors
from experiments.compare import paired_differences
from experiments.sweep import Factor
from sim import capacity, finance, law, markets, physics, production, strategy
from sim.ledger import Accounts, Ledger
from sim.model import EfficiencyRaceModel
from sim.params import (
    HOURS_PER_YEAR,
    JOULES_PER_MWH,
    SECONDS_PER_YEAR,
    EfficiencyShockParams,
    FirmParams,
    MarketParams,
    PolicyParams,
    RndSubsidyParams,
    SupplierParams,
    VendorParams,
)
from sim.policies import ActivePolicies, active_policies, levers_in_force
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
    table, ledger = suppliers(
        SupplierParams(capacity_mw=100.0, capacity_retires=False), cash_usd=1e9
    )
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
    fleets, the suppliers' plants and the vendors' fabs, less the starting fleets, plants and
    fabs, which they put in in kind. (Mutant: the vendors' capital left out.) Since investors
    own every agent, it moves each step by the three sectors' summed profit, from 0: it
    counted the starting assets, 2.7e10 USD in baseline, as a gain."""
    model = EfficiencyRaceModel(load_scenario("baseline"), rng=0)
    vendors, suppliers, firms = model.vendor_table, model.supplier_table, model.firm_table
    in_kind = firms.fleet_book_usd.sum() + suppliers.capital_usd.sum() + vendors.capital_usd.sum()
    assert in_kind > 2e10
    profit = 0.0
    for _ in range(3):
        model.step()
        profit += model.profit_firms_usd + model.profit_vendors_usd + model.profit_suppliers_usd
        assert model.investors_net_return_usd == pytest.approx(profit, rel=1e-9)
    assert vendors.capital_usd.sum() > 0.0
    held = (
        vendors.cash_usd.sum()
        + suppliers.cash_usd.sum()
        + firms.cash_usd.sum()
        + firms.fleet_book_usd.sum()
        + suppliers.capital_usd.sum()
        + vendors.capital_usd.sum()
    )
    expected = model.ledger.external["investors"] + held - in_kind
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


# --- round 2 (sim/strategy, sim/policies, agents, experiments; /work/notes/mutations.md) ------


def test_training_value_off_nash_by_hand() -> None:
    """The value of a training FLOP at a hand-picked point off the Nash prices, to 1e-12 relative
    (test_strategy's closed-form checks compare numbers near 1e-19 with pytest.approx, whose
    absolute tolerance 1e-12 makes them pass for any value). ``M s (p - c) T (1 - s) / mu``
    [USD/yr per USD/task] times ``v succ kappa (L - E) / (l C)`` times the lead years.
    (Mutant: ``1 + s`` for ``1 - s``.)"""
    tasks, margin, s, mu, v, succ, excess, scale, kappa, c, years = (
        4e8,
        0.5,
        0.25,
        0.2,
        3.0,
        0.6,
        0.08,
        0.04,
        0.2,
        2e26,
        1.5,
    )
    value = strategy.training_value_usd_per_flop(
        tasks, margin, s, mu, v, succ, excess, scale, kappa, c, years
    )
    by_hand = (4e8 * 0.5 * 0.75 / 0.2) * (3.0 * 0.6 * 0.2 * 0.08 / (0.04 * 2e26)) * 1.5
    np.testing.assert_allclose(value, by_hand, rtol=1e-12, atol=0.0)


def test_a_firm_imitates_a_rival_only_in_proportion_to_how_much_better_it_did() -> None:
    """Schlag's rule: ``(pi_rival - pi_own) / (pi_max - pi_min)`` clipped to [0, 1]. Profits
    0, 10, 4 looking at rivals 1, 0, 1: 1, 0 (the rival did worse), 0.6.
    (Mutant: the gap the other way round, so firms copy rivals that did worse.)"""
    p = strategy.imitation_probability([0.0, 10.0, 4.0], [1, 0, 1])
    np.testing.assert_allclose(p, [1.0, 0.0, 0.6], rtol=1e-15)


def test_exploration_noise_is_a_share_deviation_near_the_share() -> None:
    """``noise`` is the standard deviation in share units near s: in log-odds it is
    ``noise / (s (1 - s))``. At s = 0.5 with no signal, noise 0.01 and a draw of 1 the
    log-odds move by 0.04. (Mutant: ``noise * s (1 - s)``, 16 times too little exploration.)"""
    moved = float(strategy.adjust_share(0.5, 0.0, 0.3, 0.01, 1.0))
    assert moved == pytest.approx(1.0 / (1.0 + math.exp(-0.04)), rel=1e-12, abs=0.0)
    # a small move near s is about noise * draw in share units
    assert moved - 0.5 == pytest.approx(0.01, rel=1e-3)


def test_levers_in_force_stack_and_start_on_their_first_year() -> None:
    """Two R&D subsidies for the firms in force at once add up (0.3 + 0.4), capped at 0.95 with
    a third; two shocks to one link add up; a lever is in force from ``from_year`` itself
    (inclusive) to ``from_year + for_years`` (exclusive). (Mutants: a later subsidy or shock
    replacing an earlier one; a lever not in force in its first instant.)"""
    subsidy = tuple(
        RndSubsidyParams(from_year=2025.0, for_years=2.0, sector="firms", rate=r)
        for r in (0.3, 0.4)
    )
    shock = tuple(
        EfficiencyShockParams(
            from_year=2025.0, for_years=2.0, link="chip_flop_per_joule", delta_doublings_per_year=d
        )
        for d in (-0.3, 0.5)
    )
    levers = PolicyParams(rnd_subsidy=subsidy, efficiency_shock=shock)
    for year in (2025.0, 2026.5):
        on = active_policies(levers, year)
        assert on.rnd_subsidy_rate == pytest.approx(
            {"firms": 0.7, "vendors": 0.0, "suppliers": 0.0}
        )
        assert on.shock_doublings_per_year["chip_flop_per_joule"] == pytest.approx(0.2)
    off = active_policies(levers, 2027.0)
    assert off.rnd_subsidy_rate["firms"] == 0.0
    assert off.shock_doublings_per_year["chip_flop_per_joule"] == 0.0
    assert levers_in_force(levers, 2025.0) == {
        "rnd_subsidy[0]",
        "rnd_subsidy[1]",
        "efficiency_shock[0]",
        "efficiency_shock[1]",
    }
    assert levers_in_force(levers, 2024.999) == frozenset()
    third = RndSubsidyParams(from_year=2025.0, for_years=2.0, sector="firms", rate=0.5)
    capped = active_policies(PolicyParams(rnd_subsidy=(*subsidy, third)), 2025.0)
    assert capped.rnd_subsidy_rate["firms"] == 0.95


def test_a_vendors_capex_per_chip_follows_its_unit_cost() -> None:
    """New capacity costs ``capex_at_start * unit_cost / unit_cost_at_start`` per chip a year:
    a design whose FLOP/s per dollar doubles (unit cost halves) halves it.
    (Mutant: the ratio of unit costs upside down, so cheaper chips need dearer fabs.)"""
    vendors = Vendors([VendorParams()], ["v"], chip_choice_sensitivity=2.0)
    start = vendors.capex_usd_per_chip_per_year.copy()
    np.testing.assert_allclose(start, vendors.capex_at_start_usd_per_chip_per_year, rtol=1e-15)
    vendors.log2_flop_per_second_per_usd = vendors.log2_flop_per_second_per_usd + 1.0
    np.testing.assert_allclose(vendors.capex_usd_per_chip_per_year, start / 2.0, rtol=1e-12)


def test_fuel_costs_fall_at_their_yearly_rate() -> None:
    """A supplier's fuel cost ``years`` into the run is ``cost * (1 - decline) ** years``:
    3% a year over two years leaves 0.97**2 of it. (Mutant: ``1 + decline``, costs rising.)"""
    params = SupplierParams(cost_usd_per_mwh=50.0, cost_decline_per_year=0.03)
    table = Suppliers([params], ["grid"], steps_per_year=12)
    table.post_offer(25, 2.0, ActivePolicies(), DT)
    np.testing.assert_allclose(table.fuel_usd_per_mwh, [50.0 * 0.97**2], rtol=1e-14)


def test_a_level_beyond_its_ceiling_stops_and_does_not_turn_back() -> None:
    """Above its ceiling (a scenario may start a link past it) the rate factor is 0, not
    negative: improvement stops there, it never reverses. (Mutant: the headroom not clipped
    at 0, so a link above its ceiling would lose efficiency at a positive far rate.)"""
    assert physics.ceiling_rate_factor(11.0, 10.0, 1.0) == 0.0
    assert physics.ceiling_doublings_per_year(11.0, 10.0, 2.0, 1.0) == 0.0
    assert physics.ceiling_rate_factor(9.0, 10.0, 1.0) == pytest.approx(0.5, rel=1e-15)


def _firms(n: int = 2, **kwargs: Any) -> Firms:
    return Firms(
        [FirmParams(**kwargs)] * n, [f"f{i}" for i in range(n)], FIT, FIT.compute_law(), 1e24, DT
    )


def test_dividends_are_the_payout_share_of_a_steps_profit() -> None:
    """A firm earning 1.2e9 USD a year (smoothed) with cash well above its buffer pays
    ``payout_share * 1.2e9 * dt`` in a step: 0.5 x 1e8 in a month.
    (Mutant: the profit of a year paid out every step.)"""
    firms = _firms(1)
    ledger = Ledger()
    ledger.transfer("capital", [1e12], "investors", firms.accounts)
    ledger.open_step(firms.accounts)
    firms.recent_profit_usd_per_year = np.array([1.2e9])
    market = MarketParams(payout_share=0.5)
    paid = firms.pay_dividends(ledger, market, DT)
    np.testing.assert_allclose(paid, [0.5 * 1.2e9 * DT], rtol=1e-14)


def test_funding_compounds_the_wanted_growth_of_capital_over_the_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Investors who want capital to grow at r a year put in ``K (exp(r dt) - 1)`` in a step
    (so a year's funding does not depend on the step). With r = 0.3 forced, a firm's capital K
    gets K expm1(0.3 / 12). (Mutant: ``expm1(r)``, a year's growth in every step.)"""
    firms = _firms(1)
    ledger = Ledger()
    ledger.transfer("capital", [1e9], "investors", firms.accounts)
    ledger.open_step(firms.accounts)
    capital = firms.capital_usd()
    monkeypatch.setattr(
        finance, "funding_demand_usd_per_year", lambda k, *a: 0.3 * np.maximum(k, 1.0)
    )
    funding = firms.raise_funding(ledger, MarketParams(), 1e15, DT)
    np.testing.assert_allclose(funding, np.maximum(capital, 1.0) * math.expm1(0.3 * DT), rtol=1e-12)


def test_a_policy_change_makes_every_adaptive_firm_review_at_once() -> None:
    """``replan`` (a lever starts or stops) makes adaptive firms review off their schedule;
    without it nothing moves off schedule. (Mutant: ``schedule & replan``, so a lever change
    alone moves nobody, nor does the schedule alone.) A review moves shares at a pace: by the
    part of a review period since the firm's last review, so a re-plan followed by the
    scheduled review moves them exactly as far as the scheduled review alone (no exploration
    noise, equal profits: no imitation)."""
    market = MarketParams()

    def firms_seeing_values() -> Firms:
        firms = _firms(3, adaptive=True)
        firms.imitation_noise = np.zeros(3)
        firms.training_value_usd_per_flop = np.array([2.0, 1.5, 0.5])
        firms.serving_value_usd_per_flop = np.array([1.0, 1.0, 1.0])
        return firms

    firms = firms_seeing_values()
    every = int(firms.review_every_steps[0])
    assert every > 1
    before = firms.training_share.copy()
    firms.review_strategies(1, np.random.default_rng(0), market, replan=False)
    np.testing.assert_array_equal(firms.training_share, before)
    firms.review_strategies(1, np.random.default_rng(0), market, replan=True)
    assert (firms.training_share != before).all()
    scheduled = firms_seeing_values()
    scheduled.review_strategies(every, np.random.default_rng(0), market)
    moved, full = firms.training_share - before, scheduled.training_share - before
    assert (np.abs(moved) < np.abs(full)).all()  # a re-plan a step in moves 1/every of a review
    firms.review_strategies(every, np.random.default_rng(0), market)  # the rest of the period
    np.testing.assert_allclose(firms.training_share, scheduled.training_share, rtol=1e-12)


def test_marginal_values_of_compute_are_averaged_over_a_review_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The values a review sees are smoothed with time constant ``review_every_steps * dt``
    [yr]: the first step takes the value, the next moves ``1 - exp(-dt / tau)`` of the way.
    (Mutant: ``tau`` in steps, not years.)"""
    firms = _firms(1)
    market = MarketParams()
    values = iter([3.0, 1.0])
    monkeypatch.setattr(
        strategy, "training_value_usd_per_flop", lambda *a: np.array([next(values)])
    )
    monkeypatch.setattr(strategy, "serving_value_usd_per_flop", lambda *a: np.array([0.0]))
    firms.value_compute(market, 1000.0, np.array([0.5]), DT)
    np.testing.assert_array_equal(firms.training_value_usd_per_flop, [3.0])
    firms.value_compute(market, 1000.0, np.array([0.5]), DT)
    tau = float(firms.review_every_steps[0]) * DT
    expected = 3.0 + (1.0 - 3.0) * -math.expm1(-DT / tau)
    np.testing.assert_allclose(firms.training_value_usd_per_flop, [expected], rtol=1e-14)


def test_the_average_of_marginal_values_is_taken_per_dollar_of_todays_cost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The values are averaged per dollar of the firm's cost per FLOP, so that a value seen
    when FLOP were dear weighs as its ratio to that cost: capacity that bound once, with FLOP
    getting 3x cheaper a year since, leaves a serving value whose ratio to today's cost decays
    as ``exp(-t / tau)`` and no slower. (Mutant: the average of dollar values, in which the
    memory of dear FLOP outweighed today's cost for years after capacity last bound.)"""
    firms = _firms(1)
    market = MarketParams()
    firms.flop_per_token = np.array([1.0])
    served = iter([1e-20] + [0.0] * 24)
    monkeypatch.setattr(strategy, "training_value_usd_per_flop", lambda *a: np.array([0.0]))
    monkeypatch.setattr(strategy, "serving_value_usd_per_flop", lambda *a: np.array([next(served)]))
    for step in range(25):
        firms.cost_usd_per_token = np.array([1e-21 * 3.0 ** (-step * DT)])
        firms.value_compute(market, 1000.0, np.array([0.5]), DT)
    tau = float(firms.review_every_steps[0]) * DT
    ratio = firms.serving_value_usd_per_flop / firms.cost_usd_per_token
    np.testing.assert_allclose(ratio, [10.0 * math.exp(-24 * DT / tau)], rtol=1e-12)


def test_relative_change_keeps_the_sign_of_the_difference_on_a_negative_base() -> None:
    """The relative change is ``mean difference / |base mean|``: a policy that raises a
    negative metric from -3 to -2 on average is a +1/3 change, not -1/3. (Mutant: divided by
    the signed base mean, which flips the sign a user reads for negative metrics, e.g.
    cumulative profit of a losing sector.)"""
    runs = pd.DataFrame(
        {
            "scenario": ["base", "base", "pol", "pol"],
            "replication": [0, 1, 0, 1],
            "status": ["ok"] * 4,
            "m": [-4.0, -2.0, -3.0, -1.0],
        }
    )
    summary, _ = paired_differences(runs, "base", ["m"])
    (row,) = summary.to_dict("records")
    assert row["diff_mean"] == 1.0 and row["base_mean"] == -3.0
    assert row["relative_change"] == pytest.approx(1.0 / 3.0, rel=1e-15)


def test_a_whole_number_factor_takes_each_value_of_its_range_equally_often() -> None:
    """An integer factor on [1, 3] maps the unit interval in three equal thirds onto 1, 2, 3
    (``floor(lo + u (hi - lo + 1))``, the top value kept at u = 1). (Mutant: ``hi - lo``
    without the +1, so the top value is drawn only at u = 1 exactly.)"""
    factor = Factor(key="run.steps_per_year", lo=1.0, hi=3.0, integer=True)
    u = np.array([0.0, 0.3, 0.34, 0.66, 0.67, 0.999, 1.0])
    assert factor.from_unit(u).tolist() == [1, 1, 2, 2, 3, 3, 3]
    counts = np.bincount(factor.from_unit(np.linspace(0.0, 1.0, 3000, endpoint=False)))
    assert counts[1:].tolist() == [1000, 1000, 1000]
