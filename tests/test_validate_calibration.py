"""Training runs, the compute threshold on them, the calibration targets and `effrace calibrate`'s
fit (sim/validate.py, sim/calibrate.py, the run state of agents/firm.py): values, not "it runs"."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agents.firm import discretionary_budget_usd
from experiments.cli import main
from sim import calibrate, validate
from sim.run import simulate
from sim.scenario import load_scenario, resolve_path

SHORT = {"run.years": 2.0, "market.demand_noise": 0.0}


def _firms(result: Any) -> Any:
    return result.agents[result.agents["agent_type"] == "firm"]


def test_a_run_joins_the_model_when_it_ends() -> None:
    # quarterly runs on monthly steps: the model changes at steps 3, 6, 9... only, and by the
    # logical FLOP trained over the run
    result = simulate(load_scenario("baseline", {**SHORT, "firms.run_length_years": 0.25}))
    firm = _firms(result)
    first = firm[firm["name"] == "Frontier A"].set_index("step")
    c0 = result.extras["initial_compute_flop"][int(first["agent_id"].iloc[0])]
    compute = first["cumulative_logical_flop"]
    changed = compute.diff().fillna(compute.iloc[0] - c0) != 0
    assert list(changed[changed].index) == list(range(3, 25, 3))
    trained = first["training_logical_flop"].groupby((first.index - 1) // 3).sum()
    np.testing.assert_allclose(np.diff(compute.loc[[3, 6, 9, 12]]), trained.iloc[1:4], rtol=1e-12)
    # each run's physical FLOP, recorded at its end, and the largest so far never falls
    assert (first["run_physical_flop"].loc[3:] > 0).all()
    assert first["largest_run_physical_flop"].is_monotonic_increasing


def test_threshold_held_or_registered_by_the_cost_of_compliance() -> None:
    # a threshold below every run: with a prohibitive compliance cost firms hold their runs at
    # it; with a free one they register them above it and lose the delay share
    rule = {
        "policies.compute_threshold.from_year": 2024.0,
        "policies.compute_threshold.threshold_flop": 1e25,
        "policies.compute_threshold.delay_share": 0.1,
    }
    held = simulate(
        load_scenario(
            "baseline",
            {**SHORT, **rule, "policies.compute_threshold.compliance_cost_usd_per_year": 1e15},
        )
    )
    runs = _firms(held)["run_physical_flop"]
    assert runs.max() <= 1e25 * (1 + 1e-9)
    assert held.model["firms_held_at_threshold"].max() > 0
    assert held.model["firms_above_threshold"].max() == 0
    assert held.model["government_revenue_usd"].sum() == 0
    free = simulate(
        load_scenario(
            "baseline",
            {**SHORT, **rule, "policies.compute_threshold.compliance_cost_usd_per_year": 0.0},
        )
    )
    # (the first runs plan without revenue; a run planned under the threshold is still held)
    assert free.model["firms_above_threshold"].iloc[3:].min() >= 6
    held_share = held.model["firms_held_at_threshold"].mean()
    assert free.model["firms_held_at_threshold"].mean() < 0.2 * held_share
    assert _firms(free)["run_physical_flop"].max() > 10 * 1e25


def test_calibration_residuals_by_hand() -> None:
    target = validate.Target("x", "-", (1.0, 4.0), (0.5, 8.0), "test")
    inside = calibrate.residuals({"x": 2.0}, (target,))
    below = calibrate.residuals({"x": 0.5}, (target,))
    missing = calibrate.residuals({"x": math.nan}, (target,))
    # 2 is the band's geometric centre: no residual; 0.5 is ln 2 below the band and one width
    # below the centre (ln(0.5/2) / ln 4 = -1)
    assert inside[0] == pytest.approx(0.0, abs=1e-15)
    expected = calibrate.OUTSIDE_WEIGHT * math.log(2) + calibrate.CENTRE_WEIGHT * -1.0
    assert below[0] == pytest.approx(expected, rel=1e-12)
    assert missing[0] == 10.0


def test_fit_finds_the_parameter_that_puts_every_target_in_its_band(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a stand-in model: every figure is its band's centre times (chips multiplier / 2), so the
    # fit must move the multiplier from 1 to 2 and nothing else matters
    def fake(_scenario: str, values: dict[str, float]) -> dict[str, float]:
        scale = values["firms.chips.multiplier"] / 2.0
        return {t.name: math.sqrt(t.ok[0] * t.ok[1]) * scale for t in validate.TARGETS}

    monkeypatch.setattr(calibrate, "measure", fake)
    result = calibrate.fit("historical", max_evaluations=200)
    assert result.values["firms.chips.multiplier"] == pytest.approx(2.0, rel=1e-3)
    assert result.cost < 1e-4 < result.start_cost  # what remains is the move from 1 to 2


@pytest.mark.parametrize("budget", [10, 11, 19, 23, 60])
def test_fit_makes_at_most_max_evaluations_runs(
    monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    # a stand-in model far from every band, so the fit keeps going until its budget stops it
    calls: list[dict[str, float]] = []

    def fake(_scenario: str, values: dict[str, float]) -> dict[str, float]:
        calls.append(dict(values))
        scale = 1e-3 * values["firms.chips.multiplier"] * values["firms.run_share"]
        return {t.name: math.sqrt(t.ok[0] * t.ok[1]) * scale for t in validate.TARGETS}

    monkeypatch.setattr(calibrate, "measure", fake)
    result = calibrate.fit("historical", max_evaluations=budget)
    assert len(calls) == result.evaluations <= budget  # the figures reported are a run's own
    assert result.measured == fake("historical", result.values)
    assert result.cost <= result.start_cost
    with pytest.raises(ValueError, match="at least 10 runs"):
        calibrate.fit("historical", max_evaluations=len(calibrate.FITTED))


def test_fit_stops_at_the_budget_even_if_the_optimiser_asks_for_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # an optimiser that keeps asking for new points: the fit stops it at the budget and keeps
    # the best point run, its figures measured once
    import scipy.optimize

    calls: list[float] = []

    def fake(_scenario: str, values: dict[str, float]) -> dict[str, float]:
        calls.append(values["firms.run_share"])
        off = (values["firms.run_share"] / 0.3 - 1.0) ** 2 + 1.0  # best at run_share = 0.3
        return {t.name: math.sqrt(t.ok[0] * t.ok[1]) * 10.0 * off for t in validate.TARGETS}

    def greedy(objective: Any, x0: np.ndarray, **_kwargs: Any) -> Any:
        for step in np.linspace(0.0, 1.0, 100):
            objective(np.clip(x0 + step, 1.0, 2.0))
        raise AssertionError("not stopped")

    monkeypatch.setattr(calibrate, "measure", fake)
    monkeypatch.setattr(scipy.optimize, "least_squares", greedy)
    result = calibrate.fit("historical", max_evaluations=12)
    assert len(calls) == result.evaluations == 12  # no run past the budget, none to report
    assert result.values["firms.run_share"] in calls  # a point that was run
    assert result.cost < result.start_cost  # the best of them: better than the start
    assert result.measured == fake("historical", result.values)  # and its own figures


def test_write_fit_sets_scales_and_inserts(tmp_path: Path) -> None:
    path = tmp_path / "historical.toml"
    shutil.copy(resolve_path("historical"), path)
    shutil.copy(resolve_path("baseline"), tmp_path / "baseline.toml")
    before = load_scenario(str(path))
    calibrate.write_fit(
        {
            "firms.chips.multiplier": 2.0,
            "market.taste_noise_usd_per_task": 0.25,
            "firms.exit_cash_usd": 2e6,
        },
        path,
    )
    after = load_scenario(str(path))
    for old, new in zip(before.firms, after.firms, strict=True):
        assert new.chips == pytest.approx(2.0 * old.chips, rel=1e-3)  # 4 significant digits
        assert new.cash_usd == old.cash_usd
    assert after.market.taste_noise_usd_per_task == 0.25
    assert "fitted: effrace calibrate" in path.read_text()
    assert [f.exit_cash_usd for f in after.firms] == [2e6] * len(after.firms)  # inserted
    assert after.firms[0].name == before.firms[0].name


def test_historical_run_fails_no_calibration_check() -> None:
    result = simulate(load_scenario("historical"))
    measured = validate.calibration_measures(result)
    assert set(measured) == {t.name for t in validate.TARGETS}
    checks = validate.calibration_checks(result)
    assert [c.status for c in checks if c.status == "fail"] == []
    assert all("source:" in c.detail for c in checks)
    # like for like: the frontier run is a single run, far below the whole fleet's compute
    yearly = result.model.groupby(np.floor(result.model["year"] - 1e-9))
    run = yearly["largest_run_physical_flop"].max()
    assert (run < yearly["compute_logical_flop"].sum() / 0.4).all()


def test_headline_covers_every_headline_output() -> None:
    result = simulate(load_scenario("baseline", {"run.years": 0.25}))
    values = validate.headline(result)
    for word in (
        "price",
        "firms' profit",
        "vendors' profit",
        "suppliers' profit",
        "energy",
        "compute",
        "loss",
        "HHI of AI services",
        "HHI of chips",
        "HHI of energy",
        "total surplus",
    ):
        assert any(word in k for k in values), word
    assert all(math.isfinite(v) for v in values.values())


def test_run_warns_below_monthly_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "baseline", "--years", "1", "--no-figures", "--json", "--out"]
    code = main([*argv, str(tmp_path / "q"), "--set", "run.steps_per_year=4"])
    err = capsys.readouterr().err
    assert code == 0
    assert "warning: 4 steps a year" in err
    code = main([*argv, str(tmp_path / "m")])
    assert code == 0
    assert "warning" not in capsys.readouterr().err


def test_calibrate_cli_json_and_bad_budget(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fake(_scenario: str, values: dict[str, float]) -> dict[str, float]:
        return {t.name: math.sqrt(t.ok[0] * t.ok[1]) for t in validate.TARGETS}

    monkeypatch.setattr(calibrate, "measure", fake)
    assert main(["calibrate", "--json", "--max-evaluations", "20"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["fitted"]) == {p.key for p in calibrate.FITTED}
    assert out["cost"] == pytest.approx(0.0, abs=1e-20)
    assert out["written"] is None
    for budget in ("0", "9"):
        assert main(["calibrate", "--max-evaluations", budget]) == 2
        err = capsys.readouterr().err
        assert f"--max-evaluations {budget}: the fit needs at least 10 runs" in err
        assert len(err.strip().splitlines()) == 1


def test_discretionary_budget_is_exact_over_any_step() -> None:
    # dC/dt = I - r C: spent = C0 (1 - e^(-r dt)) + I (dt - (1 - e^(-r dt)) / r)
    cash, inflow, rate = np.array([100.0]), np.array([30.0]), np.array([1.0])
    whole = discretionary_budget_usd(cash, inflow, rate, 0.5)
    assert whole[0] == pytest.approx(
        100.0 * (1 - math.exp(-0.5)) + 30.0 * (0.5 - (1 - math.exp(-0.5)))
    )
    # two half steps spend what one whole step spends, with the cash left in between
    first = discretionary_budget_usd(cash, inflow, rate, 0.25)
    left = cash + inflow * 0.25 - first
    second = discretionary_budget_usd(left, inflow, rate, 0.25)
    assert first[0] + second[0] == pytest.approx(whole[0], rel=1e-12)
    assert discretionary_budget_usd(cash, inflow, np.array([0.0]), 0.5)[0] == 0.0
    assert discretionary_budget_usd(np.array([0.0]), np.array([-50.0]), rate, 0.5)[0] == 0.0


@pytest.mark.slow
def test_halving_the_step_moves_no_headline_output_by_one_percent() -> None:
    changes = validate.step_length_changes()
    assert set(changes) == set(
        validate.headline(simulate(load_scenario("baseline", {"run.years": 0.25})))
    )
    over = {k: v for k, v in changes.items() if v >= 0.01}
    assert over == {}


@pytest.mark.parametrize(
    ("value", "status", "shown"),
    [
        (1.2966, "warn", "1.297"),  # outside, and 1.30 at three digits: more digits
        (1.29999, "warn", "1.29999"),
        (1.3, "pass", "1.3"),
        (1.4213, "pass", "1.42"),
        (1.7, "warn", "1.7"),
        (30.4e9, "fail", "3.04e+10"),
    ],
)
def test_a_figure_outside_its_band_never_prints_as_the_band_end(
    value: float, status: str, shown: str
) -> None:
    check = validate._banded("x", value, (1.3, 1.5), (1.15, 1.8), "x per year")
    assert check.status == status
    assert check.detail.startswith(f"x per year {shown} (observed 1.3-1.5;")
