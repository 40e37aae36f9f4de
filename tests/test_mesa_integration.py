"""Mesa's own tools on the model, with the code Mesa's docs suggest: ``batch_run`` and a
SolaraViz page with a slider per parameter.

They need the Mesa-style constructor ``EfficiencyRaceModel(scenario="baseline", *, rng=None,
**kwargs)`` (parameters as keywords, ``law__kappa``; :func:`sim.scenario.overrides_from_kwargs`)
and skip until the model has one.
"""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path

import pandas as pd
import pytest

from sim.model import EfficiencyRaceModel


def _takes_parameters_as_keywords(cls: type) -> bool:
    kinds = [p.kind for p in inspect.signature(cls).parameters.values()]
    return inspect.Parameter.VAR_KEYWORD in kinds


pytestmark = pytest.mark.skipif(
    not _takes_parameters_as_keywords(EfficiencyRaceModel),
    reason="EfficiencyRaceModel does not take scenario parameters as keywords yet",
)


def _run_to_end(model: EfficiencyRaceModel) -> int:
    steps = 0
    while model.running:
        model.step()
        steps += 1
        assert steps <= 1000, "the model never stops"
    return steps


def test_running_turns_false_at_the_horizon() -> None:
    model = EfficiencyRaceModel(run__years=0.5)  # 6 monthly steps
    assert _run_to_end(model) == 6
    assert model.datacollector.get_model_vars_dataframe()["year"].iloc[-1] == pytest.approx(2024.5)


def test_parameters_are_keywords_recorded_as_attributes() -> None:
    model = EfficiencyRaceModel("baseline", law__kappa=0.2, firms__0__chip_share=0.5, run__years=1)
    assert model.law__kappa == 0.2 and model.firms__0__chip_share == 0.5
    assert model.config.law.kappa == 0.2
    assert model.config.firms[0].chip_share == 0.5
    assert model.config.firms[1].chip_share != 0.5  # only the first firm entry


def test_rng_none_draws_a_fresh_seed_and_records_it() -> None:
    first, second = EfficiencyRaceModel(run__years=1), EfficiencyRaceModel(run__years=1)
    assert first.seed != second.seed
    again = EfficiencyRaceModel(run__years=1, rng=first.seed)
    _run_to_end(first)
    _run_to_end(second)
    _run_to_end(again)
    table = first.datacollector.get_model_vars_dataframe()
    assert table.equals(again.datacollector.get_model_vars_dataframe())
    assert not table.equals(second.datacollector.get_model_vars_dataframe())


def test_batch_run(tmp_path: Path) -> None:
    import mesa

    # two runs per parameter point: Mesa >= 3.4 takes one rng per run, older Mesa `iterations`
    newer = "rng" in inspect.signature(mesa.batch_run).parameters
    repeat: dict[str, object] = {"rng": [None, None]} if newer else {"iterations": 2}
    results = mesa.batch_run(
        EfficiencyRaceModel,
        parameters={"scenario": "baseline", "run__years": 1, "law__kappa": [0.15, 0.25]},
        **repeat,
        max_steps=36,  # more than the horizon: the model stops itself after 12
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    runs = pd.DataFrame(results).drop_duplicates("RunId").set_index("RunId")  # one row per agent
    assert len(runs) == 4
    assert sorted(runs["law__kappa"]) == [0.15, 0.15, 0.25, 0.25]
    assert (runs["year"] == 2025.0).all()  # the last step is the horizon, not max_steps
    by_kappa = runs.groupby("law__kappa")["best_loss"].mean()
    assert by_kappa[0.25] < by_kappa[0.15]  # a steeper law lowers the loss
    # iterations draw fresh seeds: the same parameters give different demand paths
    low = runs[runs["law__kappa"] == 0.15]
    assert low["spending_usd_per_year"].nunique() == 2
    runs.to_parquet(tmp_path / "batch.parquet")  # no object columns
    back = pd.read_parquet(tmp_path / "batch.parquet")
    assert back["law__kappa"].tolist() == runs["law__kappa"].tolist()


@pytest.mark.filterwarnings("ignore:Failed to validate hooks:UserWarning")
def test_solara_viz_page_builds_with_a_slider_per_parameter() -> None:
    pytest.importorskip("altair", reason="Mesa's visualization needs mesa[viz]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # solara's hook checks on Mesa's own components
        import ipyvuetify
        import solara
        from mesa.visualization import SolaraViz
        from mesa.visualization.solara_viz import ModelCreator

    params = {
        "scenario": "baseline",
        "run__years": 1,
        "law__kappa": {
            "type": "SliderFloat",
            "value": 0.2,
            "min": 0.1,
            "max": 0.3,
            "step": 0.01,
            "label": "kappa [-]",
        },
    }
    model = EfficiencyRaceModel(run__years=1, law__kappa=0.2)
    drawn: list[EfficiencyRaceModel] = []
    solara.render(
        SolaraViz(model, components=[drawn.append], model_params=params, name="Efficiency race"),
        handle_error=False,
    )
    assert drawn and drawn[-1] is model
    # the parameter panel: Mesa checks params against the constructor, then draws a slider
    chosen = solara.reactive(dict[str, object]())
    _, rc = solara.render(
        ModelCreator(solara.reactive(model), params, model_parameters=chosen), handle_error=False
    )
    slider = rc.find(ipyvuetify.Slider).widget
    assert (slider.label, slider.v_model, slider.min, slider.max) == ("kappa [-]", 0.2, 0.1, 0.3)
    slider.v_model = 0.25
    assert chosen.value == {"scenario": "baseline", "run__years": 1, "law__kappa": 0.25}
    remade = type(model)(**chosen.value)  # what the page's reset button does
    assert remade.config.law.kappa == 0.25 and remade.law__kappa == 0.25
