"""The notebook API: pandas out, shaped for EMA Workbench and SALib."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from experiments import api

SOBOL = {
    "scenario": "baseline",
    "design": "sobol",
    "samples": 2,
    "replications": 2,
    "set": {"run": {"years": 1}},
    "factors": {
        "law": {"kappa": {"min": 0.12, "max": 0.25}},
        "firms.chip_share": {"min": 0.4, "max": 0.8},
    },
    "outputs": {"series": ["best_loss", "hhi_chips"], "metrics": ["final:best_loss", "hhi:chips"]},
}


def test_run_returns_the_model_table() -> None:
    model = api.run("baseline", seed=3, overrides={"run.years": 1})
    assert len(model) == 12
    assert {"year", "step", "best_loss", "hhi_chips", "energy_cap_binding"} <= set(model.columns)
    again = api.run("baseline", seed=3, overrides={"run.years": 1})
    assert model.equals(again)


@pytest.mark.slow
def test_sweep_returns_inputs_and_outcomes_one_row_per_run(tmp_path: Path) -> None:
    res = api.sweep(SOBOL, out=tmp_path / "out")
    n_runs = 2 * (2 + 2) * 2
    assert res.factors == ["law.kappa", "firms.chip_share"]
    assert res.experiments.index.tolist() == list(range(n_runs))
    assert res.outcomes.index.equals(res.experiments.index)
    assert list(res.outcomes.columns) == ["final_best_loss", "hhi_chips"]
    assert (res.status["status"] == "ok").all()
    assert res.report is not None and res.report.ran == n_runs
    # the same in memory without a store
    in_memory = api.sweep(SOBOL)
    assert in_memory.outcomes.equals(res.outcomes)
    assert api.SweepResults.load(tmp_path / "out").series.equals(res.series)


def test_results_feed_ema_workbench_and_salib(tmp_path: Path) -> None:
    from SALib.analyze import sobol

    res = api.sweep(SOBOL, out=tmp_path / "out")
    experiments, outcomes = res.to_ema()
    n_runs = len(res.experiments)
    # EMA's columns: inputs, then scenario (the design point), policy and model
    assert list(experiments.columns) == [
        "law__kappa",
        "firms__chip_share",
        "scenario",
        "policy",
        "model",
    ]
    assert experiments["scenario"].tolist() == res.experiments["point_id"].tolist()
    assert set(experiments["policy"]) == {"baseline"}
    np.testing.assert_array_equal(experiments["law__kappa"], res.experiments["law.kappa"])
    assert outcomes["final_best_loss"].shape == (n_runs,)
    assert outcomes["best_loss"].shape == (n_runs, 12)
    assert outcomes["TIME"][0, -1] == pytest.approx(2025.0)
    np.testing.assert_array_equal(outcomes["best_loss"][:, -1], outcomes["final_best_loss"])
    # the metric hhi:chips keeps its name; the series of the same name gets "_series"
    assert outcomes["hhi_chips"].shape == (n_runs,)
    np.testing.assert_array_equal(outcomes["hhi_chips_series"][:, -1], outcomes["hhi_chips"])
    # SALib: one value per design point (the mean over replications), in point order
    means = res.outcomes.groupby(res.experiments["point_id"]).mean()
    problem = res.salib_problem()
    assert problem["bounds"] == [[0.12, 0.25], [0.4, 0.8]]
    indices = sobol.analyze(
        problem, means["final_best_loss"].to_numpy(), **res.manifest["salib"]["analyze"]
    )
    assert indices["ST"].shape == (2,)


def test_sensitivity_and_compare_return_tables(tmp_path: Path) -> None:
    result = api.sensitivity(SOBOL)
    assert result.method == "sobol"
    assert set(result.indices["factor"]) == {"law.kappa", "firms.chip_share"}
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(result.indices.columns)
    tax = tmp_path / "tax.toml"
    tax.write_text(
        'base = "baseline"\n[policies.carbon_tax]\nusd_per_t_co2 = 200\nfrom_year = 2024\n'
    )
    comparison = api.compare(
        "baseline",
        [str(tax)],
        replications=2,
        years=1,
        metrics=["final:best_loss"],
        series=["best_loss"],
    )
    assert list(comparison.summary["metric"]) == ["final_best_loss"]
    assert comparison.summary["n"].iloc[0] == 2
    assert set(comparison.fan["policy"]) == {str(tax)}


def test_the_api_shows_the_progress_bar_unless_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """api.sweep, compare and sensitivity ran silently by default: a notebook's 1,024-run Sobol
    sweep showed nothing for minutes. They now show the command's bar on stderr; quiet=True
    hides it."""
    spec = {**SOBOL, "replications": 1}  # 2 x (2 + 2) = 8 runs
    res = api.sweep(spec, out=tmp_path / "a", model="_fake_model:simulate")
    assert len(res.outcomes) == 8
    err = capsys.readouterr().err
    assert "sweep: 100%" in err and "8/8" in err
    api.sweep(spec, out=tmp_path / "b", model="_fake_model:simulate", quiet=True)
    assert capsys.readouterr().err == ""
