"""Every shipped scenario's summary reads well: no nan or inf, no absurd percentage; figures a
scenario does not define (shares with one firm, a price with no sales) are explained instead."""

from __future__ import annotations

import re

import pytest

from sim.run import MAX_SHOWN_MARGIN, format_summary, simulate
from sim.scenario import load_scenario, shipped_names

PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)%")


@pytest.fixture(scope="module", params=shipped_names())
def summary_text(request: pytest.FixtureRequest) -> tuple[str, str, dict]:
    scenario = load_scenario(request.param, {"run.years": 1})
    summary = simulate(scenario).summary()
    return request.param, format_summary(summary), summary


def test_no_nan_inf_or_absurd_percentages(summary_text: tuple[str, str, dict]) -> None:
    name, text, _ = summary_text
    lowered = text.lower()
    for word in ("nan", "inf"):
        assert not re.search(rf"\b{word}\b", lowered), (name, text)
    for match in PERCENT.finditer(text):
        assert abs(float(match.group(1))) <= 100 * MAX_SHOWN_MARGIN, (name, match.group(0))


def test_market_shares_are_shares(summary_text: tuple[str, str, dict]) -> None:
    _name, text, summary = summary_text
    if summary["firms_started"] == 1:
        assert "one firm: no race between firms" in text
        assert "market shares:" not in text and "HHI" not in text
    else:
        for line in text.splitlines():
            if "market shares:" in line:
                values = [float(v) for v in PERCENT.findall(line)]
                assert all(0.0 <= v <= 100.0 for v in values), line
                assert sum(values) <= 100.0 + 0.05 * len(values), line  # rounding


def test_a_price_is_shown_or_its_absence_explained(summary_text: tuple[str, str, dict]) -> None:
    _, text, summary = summary_text
    _p0, p1 = summary["price_usd_per_million_tokens"]
    price_lines = [line for line in text.splitlines() if line.startswith("Price per million")]
    assert len(price_lines) == 1
    if p1 == p1:  # a price at the end
        assert f"{p1:.3g} USD" in price_lines[0]
    else:
        assert "no AI services were sold" in price_lines[0]


def test_the_summary_says_when_data_binds_the_leader() -> None:
    from sim.run import summarise

    # no data limit (mean-field): all of the leader's compute counts, and nothing is said
    free = summarise(simulate(load_scenario("mean-field", {"run.years": 2})))
    assert free["leader_effective_compute_share"] == pytest.approx(1.0, rel=1e-9)
    assert "data binds" not in format_summary(free)
    # its one lab short of data: the share from the leader's X is 1 - the model's own
    # data_limited_share (1 - C_eff / C, from the lab's effective compute), and it is said
    overrides = {"run.years": 10, "law.data_tokens": 1e12, "run.target_relative_loss": 1e-6}
    result = simulate(load_scenario("mean-field", overrides))
    short = summarise(result)
    limited = float(result.model["data_limited_share"].iloc[-1])
    assert short["leader_effective_compute_share"] == pytest.approx(1.0 - limited, rel=1e-6)
    assert short["leader_effective_compute_share"] < 0.5
    assert "data binds the leader" in format_summary(short)


def test_the_leaders_compute_is_in_logical_flop_and_lead_changes_read_as_english() -> None:
    """The leader's line said 'training compute 2.5e+39 FLOP' of what docs/outputs.md gives in
    logical FLOP (physical FLOP, the compute threshold's unit, are fewer by the algorithms'
    multiple, 2e8 at the end of baseline), and a run whose lead changed once said 'changed
    hands 1 times'."""
    summary = simulate(load_scenario("baseline", {"run.years": 1}), seed=0).summary()
    text = format_summary(summary)
    flop = summary["leader"]["cumulative_logical_flop"]
    assert f"training compute {flop:.3g} logical FLOP, market share" in text
    for n, words in [(0, "the lead never changed hands"), (1, "the lead changed hands once")]:
        assert words in format_summary({**summary, "lead_changes": n})
    assert "the lead changed hands 8 times" in format_summary({**summary, "lead_changes": 8})


def test_the_summary_answers_the_policy_scenarios_questions() -> None:
    """The summaries of carbon-tax, compute-threshold and export-control said nothing of what
    those scenarios ask: no energy or emissions (only carbon damages in USD), no firms above or
    held at the threshold (which compute-threshold's description points to), no share for the
    restricted region. Each is now a line, and a summary key, from the run's own tables."""
    threshold = simulate(load_scenario("compute-threshold", {"run.years": 3}), seed=0)
    s = threshold.summary()
    model = threshold.model
    assert s["energy_delivered_mwh"] == pytest.approx(model["energy_delivered_mwh"].sum())
    assert s["emissions_t_co2"] == pytest.approx(model["emissions_t_co2"].sum())
    in_force = model["step"] > 24  # from 2026: the third year's 12 monthly steps
    firms = s["compute_threshold_firms"]
    assert firms["above"] == pytest.approx(model.loc[in_force, "firms_above_threshold"].mean())
    assert firms["held"] == pytest.approx(model.loc[in_force, "firms_held_at_threshold"].mean())
    text = format_summary(s)
    assert f"Energy delivered to AI: {s['energy_delivered_mwh']:.3g} MWh over the run" in text
    assert f"Compute threshold (from 2026): an average step has {firms['above']:.1f} firms" in text
    control = simulate(load_scenario("export-control", {"run.years": 2}), seed=0).summary()
    assert control["export_control"]["region"] == "cn"
    assert control["export_control"]["firms"] == 2
    shares = control["market_shares"]
    cn = [n for n in shares if n in ("Efficient E", "Regional H")]  # region "cn" in baseline
    assert control["export_control"]["share"] == pytest.approx(sum(shares[n] for n in cn))
    assert "Export control on region 'cn' (from 2025): its 2 firms hold" in format_summary(control)
    assert s["export_control"] is None and control["compute_threshold_firms"] is None
    # a lever in force at no step of the run has no line (the run warns of it instead)
    late = {"run.years": 1, "policies.export_control.from_year": 2060}
    idle = simulate(load_scenario("export-control", late), seed=0).summary()
    assert idle["export_control"] is None
    assert "Export control" not in format_summary(idle)


def test_small_shares_are_not_rounded_to_a_signed_zero() -> None:
    """energy-cap's summary printed carbon damages as 'share -0%' and baseline's suppliers, 0.26%
    of the gains, as '0%'; a share under 1% now shows a tenth of a percent."""
    from sim.run import _pct

    assert [_pct(x) for x in (0.0, 0.0026, -0.0015, 0.0002, -0.0002, 0.96, -0.011)] == [
        "0%",
        "0.3%",
        "-0.1%",
        "~0%",
        "~0%",
        "96%",
        "-1%",
    ]
    text = format_summary(simulate(load_scenario("energy-cap", {"run.years": 4}), seed=0).summary())
    assert "-0%" not in text


def test_a_lone_firm_is_not_called_the_largest_market_share() -> None:
    """mean-field, hare and turtle have one firm and no buyers, and the summary still called it
    'leader (largest market share)'."""
    text = format_summary(simulate(load_scenario("turtle", {"run.years": 1}), seed=0).summary())
    assert "  leader (the only firm): Turtle  loss" in text
    assert "largest market share" not in text


def test_the_summary_says_what_investors_paid_in_and_the_leaders_compute_unit() -> None:
    """The funding the summary prints is what investors put into firms after the start; they
    also paid in the agents' starting cash and assets and the suppliers' project finance, which the
    net return counts, so the line does not present the funding as all they paid in. The
    leader's training compute is logical FLOP (cumulative_logical_flop)."""
    from sim.model import EfficiencyRaceModel

    scenario = load_scenario("baseline", {"run.years": 1})
    model = EfficiencyRaceModel(scenario, rng=0)
    summary = simulate(scenario, model=model).summary()
    paid_in = sum(usd for (payer, _, _), usd in model.ledger.totals.items() if payer == "investors")
    funding = summary["investor_funding_usd"]
    assert 0.0 < funding < 0.9 * paid_in
    text = format_summary(summary)
    assert f"investors funded firms with {funding:.3g} USD and received" in text
    assert "investors paid in" not in text
    assert "starting cash and assets and the suppliers' project finance" in text
    compute = summary["leader"]["cumulative_logical_flop"]
    assert f"training compute {compute:.3g} logical FLOP" in text
