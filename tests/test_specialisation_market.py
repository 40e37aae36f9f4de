"""Specialised designs in the market (issue 10, item 3): vendors choose their design at a yearly
review by the companion paper's threshold S < S_c = 1 - 1/R (Lu 2026, arXiv 2603.20654), firms
put x*(S, R) of their chip budgets on it, and the chips they buy do their mix of work 1/T(x)
times as fast. Checked through the model, against the pure functions of sim.law."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import law, specialisation
from sim.model import EfficiencyRaceModel
from sim.params import Scenario
from sim.run import simulate
from sim.scenario import load_scenario, shipped_names

RATIO = 2.0  # Vendor T's R in the shipped scenario: S_c = 0.5


def scenario_with_training_share(
    share: float, ratio: float = RATIO, years: float = 1.0
) -> Scenario:
    """The specialisation scenario with every firm training ``share`` of its compute and
    Vendor T's ratio ``ratio``."""
    base = load_scenario("specialisation", {"run.years": years})
    firms = tuple(dataclasses.replace(f, training_share=share) for f in base.firms)
    vendors = tuple(
        dataclasses.replace(v, specialised_efficiency_ratio=ratio) if v.name == "Vendor T" else v
        for v in base.vendors
    )
    return dataclasses.replace(base, firms=firms, vendors=vendors)


def first_step(scenario: Scenario) -> tuple[EfficiencyRaceModel, dict[str, Any]]:
    """Run one step, capturing the chip settlement and the cohorts firms add."""
    model = EfficiencyRaceModel(scenario, rng=0, collect_agents=False)
    seen: dict[str, Any] = {}
    clear, add = model._clear_chips, model.firm_table.add_cohorts

    def clear_and_keep(*args: Any) -> Any:
        seen["deal"] = clear(*args)
        return seen["deal"]

    def add_and_keep(step: int, flops: Any, watts: Any, *rest: Any) -> None:
        seen["flops"], seen["watts"] = np.array(flops), np.array(watts)
        add(step, flops, watts, *rest)

    model._clear_chips = clear_and_keep  # type: ignore[method-assign,assignment]
    model.firm_table.add_cohorts = add_and_keep  # type: ignore[method-assign,assignment]
    model.step()
    return model, seen


# --- pure functions -------------------------------------------------------------------------


def test_mix_throughput_by_hand() -> None:
    # x = 0: exactly 1 for any S (no rounding of S + (1 - S))
    assert specialisation.mix_throughput(0.0, 0.45, 2.0) == 1.0
    # S = 0: all work bounded, x = 1 runs it R times as fast; S > 0 cannot train on it
    assert specialisation.mix_throughput(1.0, 0.0, 3.0) == pytest.approx(3.0, rel=1e-15)
    assert specialisation.mix_throughput(1.0, 0.3, 3.0) == 0.0
    # x = 1/2, S = 1/2, R = 3: T = 0.5/0.5 + 0.5/(0.5 + 1.5) = 1.25
    assert specialisation.mix_throughput(0.5, 0.5, 3.0) == pytest.approx(0.8, rel=1e-15)


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.just(0.0), st.floats(1e-6, 0.99)), st.floats(1.0, 50.0))
def test_mix_throughput_peaks_at_the_buyers_share(s: float, r: float) -> None:
    # (for 0 < S < ~1e-30 x* rounds to 1 and T(1) is inf: training shares stay far above it)
    best = specialisation.specialised_market_share(s, r)
    peak = specialisation.mix_throughput(best, s, r)
    assert peak == pytest.approx(specialisation.specialisation_speedup(s, r), rel=1e-9)
    for x in (0.0, 0.5 * best, min(1.0, best + 0.05)):
        assert specialisation.mix_throughput(x, s, r) <= peak * (1 + 1e-12)


def test_value_scalable_share_is_the_compute_weighted_training_share() -> None:
    assert specialisation.value_scalable_share([0.2, 0.8], [3.0, 1.0]) == pytest.approx(0.35)
    assert specialisation.value_scalable_share([0.2, 0.8], [0.0, 0.0]) == pytest.approx(0.5)
    assert np.isnan(specialisation.value_scalable_share([], []))


def test_one_general_purpose_design_stays_on_sale() -> None:
    # S = 0.2 < S_c for R = 2 and 4: both would specialise; the larger seller stays general
    chosen = specialisation.choose_designs(0.2, [2.0, 4.0], [0.0, 0.0], [0.7, 0.3])
    assert chosen.tolist() == [False, True]
    # a break-even share above x*(0.2, 2) = 0.4 keeps the first general on its own
    x = float(specialisation.specialised_market_share(0.2, 2.0))
    assert 0.3 < x < 0.5
    chosen = specialisation.choose_designs(0.2, [2.0, 4.0, 1.0], [x + 0.01, 0.0, 0.0], [0.5] * 3)
    assert chosen.tolist() == [False, True, False]


# --- through the model ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "expected"),
    [(0.3, True), (0.49, True), (0.5, False), (0.7, False)],
    ids=["S=0.3", "S=0.49", "S=S_c", "S=0.7"],
)
def test_the_vendor_specialises_exactly_below_the_threshold(share: float, expected: bool) -> None:
    model, _ = first_step(scenario_with_training_share(share))
    vendors = model.vendor_table
    assert model.value_scalable_share == pytest.approx(share, rel=1e-12)
    assert law.specialisation_threshold(RATIO) == 0.5
    assert vendors.specialised.tolist() == [False, False, expected]  # N, M, T
    assert (model.specialised_chip_spending_share > 0) == expected


def test_firms_put_x_star_on_it_and_their_chips_do_the_speed_up() -> None:
    share = 0.3
    scenario = scenario_with_training_share(share)
    # ample capacity: nobody is rationed in the first step, so budgets are spent as split
    vendors = tuple(
        dataclasses.replace(v, capacity_chips_per_year=10 * v.capacity_chips_per_year)
        for v in scenario.vendors
    )
    model, seen = first_step(dataclasses.replace(scenario, vendors=vendors))
    deal = seen["deal"]
    assert model.chip_rationed_share == 0.0  # so every budget is spent as split
    x_star = law.optimal_specialised_share(share, RATIO)
    paid = deal.payments_usd
    buyers = paid.sum(axis=1) > 0
    assert buyers.sum() >= 5
    spent_on_t = paid[buyers, 2] / paid[buyers].sum(axis=1)
    np.testing.assert_allclose(spent_on_t, x_star, rtol=1e-9)
    assert model.specialised_chip_spending_share == pytest.approx(x_star, rel=1e-9)
    # the cohort's FLOP/s: the chips' own, times 1/T(x*) = the best speed-up; watts unchanged
    chips = paid / deal.price_usd
    nominal = (chips * deal.flop_per_second_per_chip).sum(axis=1)
    speedup = specialisation.specialisation_speedup(share, RATIO)
    assert speedup > 1.04
    np.testing.assert_allclose(seen["flops"][buyers], nominal[buyers] * speedup, rtol=1e-9)
    watts = (chips * deal.flop_per_second_per_chip / deal.flop_per_joule).sum(axis=1)
    np.testing.assert_allclose(seen["watts"], watts, rtol=1e-12)


def test_with_r_equal_to_one_the_scenario_is_the_baseline() -> None:
    """Specialisation off (R = 1, every shipped scenario but one) changes nothing."""
    off = simulate(scenario_with_training_share(0.3, ratio=1.0, years=2.0), 0).model
    on = scenario_with_training_share(0.3, ratio=1.0, years=2.0)
    base = load_scenario("baseline", {"run.years": 2.0})
    base = dataclasses.replace(base, firms=on.firms)
    same = simulate(base, 0).model
    assert (off["specialised_chip_spending_share"] == 0.0).all()
    columns = [c for c in same.columns if c != "specialised_chip_spending_share"]
    assert off[columns].equals(same[columns])


def test_only_the_specialisation_scenario_turns_it_on() -> None:
    # the mean-field reduction and the goldens rest on general-purpose designs everywhere else
    for name in shipped_names():
        ratios = [v.specialised_efficiency_ratio for v in load_scenario(name).vendors]
        assert all(r == 1.0 for r in ratios) or name == "specialisation", name


def test_the_specialisation_scenario_follows_the_threshold_review_by_review() -> None:
    result = simulate(load_scenario("specialisation"), 0)
    model, agents = result.model, result.agents
    vendor_t = agents[(agents["name"] == "Vendor T")].set_index("step")["specialised"]
    s = model.set_index("step")["value_scalable_share"]
    steps = s.index.to_numpy()
    review = 12 * ((steps - 1) // 12) + 1  # the first step of each year of the run
    expected = (s.loc[review].to_numpy() < 0.5).astype(float)
    np.testing.assert_array_equal(vendor_t.loc[steps].to_numpy(), expected)
    # both regimes appear in the run, and firms buy the design only while it is on sale
    assert 0 < expected.mean() < 1
    spending = model.set_index("step")["specialised_chip_spending_share"].to_numpy()
    assert (spending[expected == 0] == 0).all()
    assert (spending[expected == 1] > 0).mean() > 0.9
    others = agents[agents["name"].isin(["Vendor N", "Vendor M"])]["specialised"]
    assert (others == 0).all()
