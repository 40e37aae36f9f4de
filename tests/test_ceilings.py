"""Physics binds in the market model: chips' ceiling, ideas getting harder, finite data.

The pure laws are tested in tests/test_physics.py and tests/test_data.py; these tests check that
the agents and the step call them, with values a reader can check against the closed forms.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from agents.vendor import Vendors
from sim import data, law, markets, physics
from sim.model import EfficiencyRaceModel
from sim.params import FirmParams, LawParams, Scenario, VendorParams
from sim.policies import ActivePolicies
from sim.scenario import load_scenario, shipped_names

FIT = law.CHINCHILLA_FITS["besiroglu"]


def vendor(**kwargs: float) -> Vendors:
    """One vendor without R&D (its rates are exactly its own)."""
    params = VendorParams(rnd_max_extra_doublings_per_year=0.0, **kwargs)  # type: ignore[arg-type]
    return Vendors([params], ["v"], 1.0)


def advance(vendors: Vendors, dt: float) -> None:
    """One step of the designs, as the model moves them: the step's rates, then the move."""
    vendors.fix_step_rates(ActivePolicies())
    vendors.advance(dt)


def advance_years(vendors: Vendors, years: float, steps_per_year: int) -> None:
    for _ in range(round(years * steps_per_year)):
        advance(vendors, 1.0 / steps_per_year)


# --------------------------------------------------------------------------------------------
# chips
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("steps_per_year", [1, 12, 52])
def test_chip_flop_per_joule_follows_the_ceiling_law_for_any_step(steps_per_year: int) -> None:
    v = vendor(flop_per_joule=1.41e12, flop_per_joule_doublings_per_year=0.45)
    advance_years(v, 20.0, steps_per_year)
    expected = physics.ceiling_log2_level(20.0, math.log2(1.41e12), math.log2(1.175e15), 0.45, 2.0)
    assert v.log2_flop_per_joule[0] == pytest.approx(expected, rel=1e-12)
    # the design note's table: 2.4e14 FLOP/J in 2044 at a rate of 0.248 doublings a year
    assert v.flop_per_joule[0] == pytest.approx(2.4e14, rel=0.02)


def test_the_pace_over_a_lag_is_the_one_the_design_had_near_its_ceiling() -> None:
    # an export rule "the frontier of three years ago": near the ceiling the design has
    # slowed, and the pace over the lag recovers exactly the level it had three years ago
    v = vendor(flop_per_joule=1.41e12, flop_per_joule_doublings_per_year=0.45)
    advance_years(v, 17.0, 12)
    level_17 = float(v.log2_flop_per_joule[0])
    advance_years(v, 3.0, 12)
    pace = float(v.pace_over(3.0, ActivePolicies())[0])
    assert float(v.log2_flop_per_joule[0]) - 3.0 * pace == pytest.approx(level_17, rel=1e-12)
    assert 0.2 < pace < 0.45 * 0.9  # slower than the far rate it was given
    threshold = markets.export_threshold_flop_per_joule(7e11, float(v.flop_per_joule[0]), pace, 3.0)
    assert math.log2(threshold) == pytest.approx(level_17, rel=1e-12)
    assert (v.pace_over(math.inf, ActivePolicies()) == 0.0).all()


def test_chips_never_pass_the_ceiling_and_power_per_chip_stays_physical() -> None:
    # a fast vendor for 100 years: FLOP/J reaches its ceiling, watts per chip theirs
    v = vendor(flop_per_joule_doublings_per_year=2.0, flop_per_second_doublings_per_year=3.0)
    for _ in range(100):
        advance(v, 1.0)
        assert v.flop_per_joule[0] <= 1.175e15
        watts = v.flop_per_second_per_chip[0] / v.flop_per_joule[0]
        assert watts <= 3000.0 * (1 + 1e-12)
    assert v.flop_per_joule[0] == pytest.approx(1.175e15, rel=1e-9)
    # FLOP/s per chip is FLOP/J times watts, so it is bounded too: 1.175e15 x 3000 W
    assert v.flop_per_second_per_chip[0] == pytest.approx(1.175e15 * 3000.0, rel=1e-9)
    # FLOP/s per dollar stops improving with FLOP/J: unit cost does not fall to zero
    before = v.unit_cost_usd[0]
    advance(v, 10.0)
    assert v.unit_cost_usd[0] == pytest.approx(before, rel=1e-6)


def test_without_ceilings_the_chip_keeps_its_exponential_rates() -> None:
    # the papers' links (mean-field): FLOP/J x2**(g t), FLOP/s per chip and per dollar at
    # their own rates (watts per chip fall, far from their ceiling)
    v = vendor(
        flop_per_joule_ceiling=math.inf,
        flop_per_joule_doublings_per_year=0.5,
        flop_per_second_doublings_per_year=0.37,
        flop_per_dollar_doublings_per_year=0.4,
    )
    start = (v.log2_flop_per_joule[0], v.log2_flop_per_second[0], v.unit_cost_usd[0])
    advance_years(v, 10.0, 12)
    assert v.log2_flop_per_joule[0] - start[0] == pytest.approx(5.0, rel=1e-12)
    assert v.log2_flop_per_second[0] - start[1] == pytest.approx(3.7, rel=1e-12)
    # unit cost = FLOP/s over FLOP/s per dollar: 2**(3.7 - 4.0)
    assert v.unit_cost_usd[0] == pytest.approx(start[2] * 2**-0.3, rel=1e-12)


def test_a_falling_chip_rate_feels_no_ceiling() -> None:
    v = vendor(flop_per_joule_doublings_per_year=-0.5)
    x0 = v.log2_flop_per_joule[0]
    advance_years(v, 4.0, 12)
    assert v.log2_flop_per_joule[0] == pytest.approx(x0 - 2.0, rel=1e-12)


# --------------------------------------------------------------------------------------------
# algorithms and the step's quadrature, in a run
# --------------------------------------------------------------------------------------------


def physical_mean_field(steps_per_year: int, difficulty: float = 0.2) -> Scenario:
    """mean-field with the chips' CMOS ceiling and ideas that get harder."""
    sc = load_scenario("mean-field")
    return dataclasses.replace(
        sc,
        run=dataclasses.replace(sc.run, years=10.0, steps_per_year=steps_per_year),
        firms=(dataclasses.replace(sc.firms[0], idea_difficulty_per_doubling=difficulty),),
        vendors=(dataclasses.replace(sc.vendors[0], flop_per_joule_ceiling=1.175e15),),
    )


def run(scenario: Scenario) -> EfficiencyRaceModel:
    model = EfficiencyRaceModel(scenario, rng=0, collect_agents=False)
    while model.running:
        model.step()
    return model


def test_algorithms_follow_the_ideas_law_in_a_run() -> None:
    model = run(physical_mean_field(12))
    x0 = math.log2(0.4)
    expected = physics.ideas_log2_level(10.0, x0, x0, 1.5, 0.2)
    assert model.firm_table.log2_algorithmic_efficiency[0] == pytest.approx(expected, rel=1e-12)
    # 1.5 doublings a year would give 15 doublings; ideas getting harder leave
    # log2(1 + 0.2 ln2 1.5 10) / 0.2 = log2(3.079) / 0.2 = 8.11
    assert expected - x0 == pytest.approx(8.113, abs=1e-3)
    rate = physics.ideas_doublings_per_year(expected, x0, 1.5, 0.2)
    assert rate == pytest.approx(1.5 * 2 ** (-0.2 * (expected - x0)), rel=1e-12)


@pytest.mark.slow
def test_compute_with_curved_links_does_not_depend_on_the_step_length() -> None:
    # every link on its exact law and the step integrated by quadrature: monthly, weekly and
    # yearly steps give the same cumulative compute
    monthly = run(physical_mean_field(12)).firm_table.cumulative_logical_flop[0]
    for steps_per_year in (1, 52):
        other = run(physical_mean_field(steps_per_year)).firm_table.cumulative_logical_flop[0]
        assert other == pytest.approx(monthly, rel=1e-9)


def test_the_leader_sets_the_pace_of_spillovers_on_the_ideas_law() -> None:
    # two firms with the same research rate, one a doubling behind: the follower's level can
    # only approach the leader's, never pass it, and the leader's own rate is the lower one
    sc = physical_mean_field(12)
    lab = sc.firms[0]
    sc = dataclasses.replace(
        sc,
        firms=(
            dataclasses.replace(lab, name="leader"),
            dataclasses.replace(lab, name="follower", algorithmic_efficiency=0.2),
        ),
    )
    model = EfficiencyRaceModel(sc, rng=0, collect_agents=False)
    for _ in range(60):
        model.step()
        a = model.firm_table.log2_algorithmic_efficiency
        assert a[1] <= a[0] + 1e-12
    factor = model.firm_table.ideas_rate_factor()
    assert factor[0] < factor[1] < 1.0


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------


def test_firms_loss_is_the_data_limited_loss() -> None:
    model = EfficiencyRaceModel("data-wall", rng=0, collect_agents=False)
    for _ in range(36):
        model.step()
    firms = model.firm_table
    assert (firms.data_tokens == 1e14).all()  # no growth, no users' data in this scenario
    exact = np.asarray(
        data.data_limited_loss(firms.cumulative_logical_flop, firms.data_tokens, FIT)
    )
    excess = firms.loss - FIT.loss_floor
    assert excess == pytest.approx(exact - FIT.loss_floor, rel=1e-5)
    assert (firms.loss > np.asarray(FIT.loss(firms.cumulative_logical_flop))).all()
    assert firms.data_limited_share == pytest.approx(
        np.asarray(data.data_limited_share(firms.cumulative_logical_flop, firms.data_tokens, FIT)),
        abs=1e-5,
    )
    share = np.sum(firms.cumulative_logical_flop * firms.data_limited_share)
    assert model.data_limited_share == pytest.approx(
        share / firms.cumulative_logical_flop.sum(), rel=1e-12
    )
    assert model.data_tokens == 1e14


def test_the_loss_bends_away_from_the_compute_law_once_data_binds() -> None:
    result = EfficiencyRaceModel("data-wall", rng=0, collect_agents=False)
    while result.running:
        result.step()
    frame = result.datacollector.get_model_vars_dataframe()
    on_law = np.asarray(FIT.loss(frame["best_cumulative_logical_flop"].to_numpy()))
    gap = frame["best_loss"].to_numpy() - on_law
    assert gap[0] < 1e-5 < gap[-1]  # on L(C) at the start, well above it at the end
    floor = data.data_limited_loss_floor(1e14, FIT)
    assert frame["best_loss"].iloc[-1] == pytest.approx(floor, rel=1e-9)
    assert frame["data_limited_share"].iloc[0] < 0.01 < 0.99 < frame["data_limited_share"].iloc[-1]


def test_synthetic_data_pushes_the_wall_back() -> None:
    """With synthetic data allowed, firms at the wall spend part of their training compute
    making tokens; their stock is the human one plus what those are worth, and they end with
    a lower loss than behind the hard wall, at the same compute spent."""
    ends = {}
    for ceiling in (0.0, 10.0):
        model = EfficiencyRaceModel(
            "data-wall", rng=0, collect_agents=False, law__synthetic_ceiling=ceiling
        )
        generating = []
        for _ in range(60):
            model.step()
            generating.append(float(model.firm_table.synthetic_share.max()))
        firms = model.firm_table
        stock = data.synthetic_stock_tokens(firms.generated_tokens, 1e14, ceiling)
        assert firms.data_tokens == pytest.approx(1e14 + np.asarray(stock), rel=1e-12)
        ends[ceiling] = (firms.loss.min(), np.array(generating), firms.generated_tokens)
    assert (ends[0.0][1] == 0.0).all() and (ends[0.0][2] == 0.0).all()
    assert ends[10.0][1].max() > 0.0 and (ends[10.0][2] > 0.0).all()
    assert ends[10.0][1][:6].max() == 0.0  # the first months: data does not bind yet
    assert ends[10.0][0] < ends[0.0][0] - 1e-4  # a visibly lower loss [nats/token]


def test_without_a_data_limit_the_loss_is_the_compute_law() -> None:
    sc = load_scenario("baseline")
    sc = dataclasses.replace(sc, law=LawParams(data_tokens=math.inf))
    model = EfficiencyRaceModel(sc, rng=0, collect_agents=False)
    for _ in range(24):
        model.step()
    firms = model.firm_table
    assert (firms.data_limited_share == 0.0).all()
    assert (firms.effective_logical_flop == firms.cumulative_logical_flop).all()
    assert firms.loss == pytest.approx(np.asarray(FIT.loss(firms.cumulative_logical_flop)))
    assert model.data_limited_share == 0.0


def test_the_stock_of_tokens_grows() -> None:
    sc = dataclasses.replace(
        load_scenario("baseline"),
        law=LawParams(data_tokens=3e14, data_tokens_doublings_per_year=0.5),
    )
    model = EfficiencyRaceModel(sc, rng=0, collect_agents=False)
    for _ in range(24):
        model.step()
    assert model.data_tokens == pytest.approx(3e14 * 2.0, rel=1e-12)  # two years at 0.5


# --------------------------------------------------------------------------------------------
# the defaults, and every scenario over a century
# --------------------------------------------------------------------------------------------


def test_defaults_are_the_cited_values() -> None:
    assert VendorParams().flop_per_joule_ceiling == pytest.approx(
        physics.DEFAULT_CHIP_CEILING_FLOP_PER_JOULE, rel=1e-12
    )
    assert VendorParams().flop_per_joule_ceiling < physics.landauer_flop_per_joule(16.0)
    assert LawParams().data_tokens == data.PUBLIC_TEXT_TOKENS_2024
    assert LawParams().data_tokens_doublings_per_year == pytest.approx(
        data.PUBLIC_TEXT_DOUBLINGS_PER_YEAR, abs=1e-4
    )
    assert FirmParams().idea_difficulty_per_doubling == 0.05


def test_mean_field_keeps_unbounded_exogenous_links() -> None:
    sc = load_scenario("mean-field")
    assert sc.law.data_tokens == math.inf
    assert all(f.idea_difficulty_per_doubling == 0.0 for f in sc.firms)
    assert all(v.flop_per_joule_ceiling == math.inf for v in sc.vendors)


@pytest.mark.slow
@pytest.mark.parametrize("name", shipped_names())
def test_a_century_of_every_scenario_stays_physical(name: str) -> None:
    sc = load_scenario(name)
    sc = dataclasses.replace(sc, run=dataclasses.replace(sc.run, years=100.0))
    model = EfficiencyRaceModel(sc, rng=0, collect_agents=False)
    v = model.vendor_table
    while model.running:
        model.step()
        assert (v.log2_flop_per_joule <= v.log2_flop_per_joule_ceiling).all()
        watts = v.log2_flop_per_second - v.log2_flop_per_joule
        assert (watts <= v.log2_watts_per_chip_ceiling + 1e-9).all()
        assert (model.supplier_table.pue >= 1.0).all()
    frame = model.datacollector.get_model_vars_dataframe().drop(columns="data_tokens")
    numbers = frame.select_dtypes("number").to_numpy()
    assert not np.isinf(numbers).any()
    assert np.isfinite(frame["year"]).all() and np.isfinite(frame["power_delivered_mw"]).all()
    firms = model.firm_table
    assert np.isfinite(firms.log2_algorithmic_efficiency).all()
    assert np.isfinite(firms.loss).all() and (firms.loss > FIT.loss_floor - 1e-9).all()


@pytest.mark.slow
def _yearly_frontiers(overrides: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Baseline over a century, seed 0: the best chip design and the best algorithms at the
    start of every year [log2 FLOP/J, log2 efficiency]."""
    sc = load_scenario("baseline", {"run.years": 100.0, **overrides})
    model = EfficiencyRaceModel(sc, rng=0, collect_agents=False)
    chips, algorithms = [], []
    while model.running:
        if model.steps % sc.run.steps_per_year == 0:
            chips.append(float(np.max(model.vendor_table.log2_flop_per_joule)))
            algorithms.append(float(np.max(model.firm_table.log2_algorithmic_efficiency)))
        model.step()
    return np.array(chips), np.array(algorithms)


def _quarter_rates(algorithms: np.ndarray) -> np.ndarray:
    """Mean yearly rate of each quarter-century (99 yearly rates: the first 24 of each)."""
    rate = np.diff(algorithms)
    return np.array([rate[i : i + 24].mean() for i in (0, 25, 50, 75)])


@pytest.mark.slow  # two century-long runs, about 5 s
def test_the_frontier_slows_as_it_nears_each_limit() -> None:
    # what docs/ceilings_figure.py draws: baseline over a century, yearly frontier levels
    chips, algorithms = _yearly_frontiers({})
    chip_rate = np.diff(chips)
    headroom = math.log2(1.175e15) - chips[:-1]
    # chips: the far rate (0.45 plus R&D) in the first years, then the ceiling law's
    # g (1 - 2**(-h/2)) as the headroom h goes to 0
    assert chip_rate[:5].min() > 0.4
    assert chip_rate[-10:].max() < 0.01
    late = headroom < 4.0
    assert (np.diff(chip_rate[late]) <= 1e-12).all()  # falls every year once near the ceiling
    # algorithms: the ideas law slows each quarter-century against the one before. Random
    # breakthroughs (the baseline) add noise of about 0.1-0.15 doublings a year to a quarter's
    # mean rate: enough to swap the last two quarters, whose expected rates differ by less
    # (measured 1.30, 0.67, 0.26, 0.24), so their order is checked without breakthroughs
    quarters = _quarter_rates(algorithms)
    assert quarters[0] > 1.2 and quarters[-1] < 0.6
    assert quarters[0] > quarters[1] > quarters[2]
    calm = _quarter_rates(_yearly_frontiers({"firms.breakthrough_mean_size_doublings": 0.0})[1])
    assert (np.diff(calm) < 0).all()
