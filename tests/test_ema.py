"""EMA Workbench works on the model and on sweep results as its own docs suggest: a study of
20 experiments, PRIM, feature scoring and save_results (skipped without ema_workbench)."""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from experiments import api
from experiments.outputs import PARTIES
from sim.errors import UserError
from sim.run import simulate_model_table
from sim.scenario import load_scenario

METRICS = ["loss_at_year:2026", "surplus_share", "cumulative_profit:firms"]

# EMA 2.5.3's analyses call pandas with a keyword pandas 3.1 deprecates
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")


@pytest.fixture(scope="module")
def ema_workbench() -> ModuleType:
    """EMA Workbench with its analyses, imported by the first test that needs it (skipped
    without it). Not at the module's top: every pytest worker collects this module, and the
    import takes 2-5 s of CPU."""
    with warnings.catch_warnings():  # EMA warns at import about optional evaluators
        warnings.simplefilter("ignore")
        workbench = pytest.importorskip("ema_workbench")
        pytest.importorskip("ema_workbench.analysis")
    return workbench


@pytest.fixture(scope="module")
def ema(ema_workbench: ModuleType) -> ModuleType:
    """:mod:`experiments.ema`, which imports EMA Workbench."""
    return importlib.import_module("experiments.ema")


@pytest.mark.slow
def test_a_20_experiment_study_and_prim(ema_workbench: ModuleType, ema: ModuleType) -> None:
    model = ema.model(
        "baseline",
        uncertainties={
            "law.kappa": (0.1, 0.3),
            "firms.cash_usd": ema.multiplier(0.5, 2.0),
            "firms.chip_share": None,  # its whole allowed range, [0, 1]
        },
        levers={"policies.carbon_tax.usd_per_t_co2": (0.0, 200.0)},
        outcomes=METRICS,
        series=["best_loss"],
        years=2,
        fixed={"policies.carbon_tax.from_year": 2025},  # from 2026 it would change nothing
        seed=5,
    )
    assert [u.name for u in model.uncertainties] == [
        "law__kappa",
        "firms__cash_usd__multiplier",
        "firms__chip_share",
    ]
    assert (
        model.uncertainties["firms__chip_share"].lower_bound,
        model.uncertainties["firms__chip_share"].upper_bound,
    ) == (0.0, 1.0)
    experiments, outcomes = ema_workbench.perform_experiments(model, scenarios=10, policies=2)
    assert len(experiments) == 20
    assert {"scenario", "policy", "model"} <= set(experiments.columns)
    loss = outcomes["loss_at_year_2026"]
    assert loss.shape == (20,) and np.isfinite(loss).all()
    assert outcomes["best_loss"].shape == outcomes["TIME"].shape == (20, 24)
    capture = np.stack([outcomes[f"surplus_share_{p}"] for p in PARTIES])
    assert np.isfinite(capture).all()
    assert np.clip(capture, 0.0, None).sum(axis=0) == pytest.approx(1.0)

    # one experiment by hand: the same overrides and seed give the same outcome
    row = experiments.iloc[3]
    scenario = load_scenario("baseline", {"run.years": 2})
    overrides = {
        "run.years": 2,
        "law.kappa": row["law__kappa"],
        "firms.chip_share": row["firms__chip_share"],
        "policies.carbon_tax.usd_per_t_co2": row["policies__carbon_tax__usd_per_t_co2"],
        "policies.carbon_tax.from_year": 2025,
    }
    for i, firm in enumerate(scenario.firms):
        overrides[f"firms.{i}.cash_usd"] = firm.cash_usd * row["firms__cash_usd__multiplier"]
    by_hand = simulate_model_table(load_scenario("baseline", overrides), seed=5)
    year = by_hand.model["year"].to_numpy()
    expected = np.interp(2026.0, year, by_hand.model["best_loss"].to_numpy())
    assert loss[3] == pytest.approx(expected, rel=1e-12)

    # PRIM (EMA's sampling is its own, unseeded): the runs with the lowest loss are those
    # with the steepest scaling law, so the box it finds holds above-average kappas
    low = loss <= np.quantile(loss, 0.25)
    box = ema_workbench.analysis.prim.Prim(experiments, low, threshold=0.6).find_box()
    assert box.density >= 0.6 and box.coverage > 0
    kappa = experiments["law__kappa"].to_numpy()
    assert kappa[box.yi].mean() > kappa.mean()
    assert kappa[low].mean() > np.median(kappa)  # what PRIM should find


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:still to be tested:UserWarning")
def test_sweep_results_in_emas_shapes(tmp_path: Path, ema_workbench: ModuleType) -> None:
    res = api.sweep(
        {
            "scenario": "baseline",
            "design": "lhs",
            "samples": 20,
            "seed": 3,
            "set": {"run.years": 2},
            "factors": {
                "law.kappa": {"min": 0.1, "max": 0.3},
                "market.taste_noise_usd_per_task": {"min": 0.05, "max": 0.2},
            },
            "outputs": {"metrics": METRICS, "series": ["best_loss"]},
        }
    )
    experiments, outcomes = res.to_ema()
    # inputs only: run ids and seeds stay in res.experiments
    assert list(experiments.columns) == [
        "law__kappa",
        "market__taste_noise_usd_per_task",
        "scenario",
        "policy",
        "model",
    ]
    assert experiments["scenario"].tolist() == res.experiments["point_id"].tolist()
    assert outcomes["loss_at_year_2026"].shape == (20,)
    assert outcomes["best_loss"].shape == outcomes["TIME"].shape == (20, 24)

    ema_workbench.save_results((experiments, outcomes), tmp_path / "results.tar.gz")
    loaded_exps, loaded = ema_workbench.load_results(tmp_path / "results.tar.gz")
    np.testing.assert_allclose(loaded["loss_at_year_2026"], outcomes["loss_at_year_2026"])
    np.testing.assert_allclose(loaded["best_loss"], outcomes["best_loss"])
    np.testing.assert_allclose(loaded_exps["law__kappa"], experiments["law__kappa"])

    scalars = {k: v for k, v in outcomes.items() if v.ndim == 1}
    scores = ema_workbench.analysis.feature_scoring.get_feature_scores_all(experiments, scalars)
    assert set(scores.index) == {"law__kappa", "market__taste_noise_usd_per_task"}  # no run_id
    assert scores["loss_at_year_2026"].idxmax() == "law__kappa"
    loss = outcomes["loss_at_year_2026"]
    box = ema_workbench.analysis.prim.Prim(
        experiments, loss <= np.quantile(loss, 0.25), threshold=0.6
    ).find_box()
    kappa = experiments["law__kappa"].to_numpy()
    assert box.density >= 0.6 and kappa[box.yi].mean() > kappa.mean()


def test_multiplier_keeps_each_entrys_own_value(ema: ModuleType) -> None:
    function = ema.ScenarioFunction("baseline", {"run.years": 1}, ["final:best_loss"], (), 1)
    overrides = function.overrides({"firms__cash_usd__multiplier": 1.5, "law__kappa": 0.2})
    assert overrides == {
        "run.years": 1,
        "firms.cash_usd.multiplier": 1.5,
        "law.kappa": 0.2,
    }
    base, scaled = load_scenario("baseline"), load_scenario("baseline", overrides)
    assert len({f.cash_usd for f in base.firms}) > 1  # entries differ, and keep differing
    assert [f.cash_usd for f in scaled.firms] == pytest.approx(
        [f.cash_usd * 1.5 for f in base.firms]
    )


def test_parameters_come_from_the_metadata(ema: ModuleType) -> None:
    rows = {r["key"]: r for r in ema.describe(["law.kappa", "suppliers.capacity_mw"])}
    assert rows["law.kappa"]["name"] == "law__kappa"
    assert rows["suppliers.capacity_mw"]["unit"] == "MW"
    with pytest.raises(
        UserError, match=r"law\.kappa: \(0\.1, 3\) leaves the allowed range \[0\.001, 2\]"
    ):
        ema.model(uncertainties={"law.kappa": (0.1, 3.0)})
    with pytest.raises(UserError, match="give a range"):
        ema.model(uncertainties={"policies.energy_cap.cap_mw": None})
    with pytest.raises(UserError, match=r"did you mean 'law\.kappa'"):
        ema.model(uncertainties={"law.kapa": (0.1, 0.2)})
    with pytest.raises(UserError, match="multiplier applies to firms, vendors or suppliers"):
        ema.model(uncertainties={"law.kappa": ema.multiplier(0.5, 2.0)})
    seeded = ema.model(uncertainties={"law.kappa": (0.1, 0.2)}, vary_seed=True)
    assert seeded.uncertainties["seed"].upper_bound == 2**31 - 1


def test_a_lever_in_force_at_no_step_is_warned_of(ema: ModuleType) -> None:
    """A carbon tax lever (from 2026) on 2-year runs changed no outcome, without a word, as
    'effrace run' and 'compare' would say; the model now warns, as they do. A lever in force
    at one end of its inputs' ranges is not warned of."""
    levers = {"policies.carbon_tax.usd_per_t_co2": (0.0, 200.0)}
    with pytest.warns(UserWarning) as caught:
        ema.model("baseline", levers=levers, outcomes=["surplus_share:government"], years=2)
    assert [str(w.message) for w in caught] == [
        "ema: policies.carbon_tax (from 2026) is in force at no step of the run (2024-2026), "
        "so it changes nothing"
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ema.model("baseline", levers=levers, outcomes=["surplus_share:government"], years=3)
        starts = {"policies.carbon_tax.from_year": (2025.0, 2030.0)}
        ema.model("baseline", levers={**levers, **starts}, years=2)


def test_a_wrong_policy_input_is_named_before_the_idle_lever_check(ema: ModuleType) -> None:
    """The idle-lever check read a policy input's ends before its spec was checked, so a
    number where a range belongs stopped with TypeError: 'int' object is not iterable."""
    with pytest.raises(UserError) as info:
        ema.model("baseline", levers={"policies.carbon_tax.usd_per_t_co2": 5}, years=3)
    assert str(info.value) == (
        "levers.policies.carbon_tax.usd_per_t_co2 = 5: give a range (lo, hi) or None"
    )
