"""Plain Python: numpy scalars pass wherever numbers do, parameters as keyword arguments, and a
script without a main guard is told the one line to add."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.errors import UserError
from sim.params import FirmParams, LawParams, RunParams
from sim.scenario import load_scenario, overrides_from_kwargs, to_toml


def test_numpy_scalars_are_numbers() -> None:
    law = LawParams(kappa=np.float32(0.25))
    assert type(law.kappa) is float and law.kappa == pytest.approx(0.25)
    run = RunParams(years=np.int64(3), steps_per_year=np.int64(4))
    assert type(run.steps_per_year) is int and run.n_steps == 12
    firm = FirmParams(adaptive=np.bool_(True), chip_share=np.float64(0.5))
    assert firm.adaptive is True and type(firm.chip_share) is float
    with pytest.raises(UserError, match=r"chip_share = 1\.5 is out of range"):
        FirmParams(chip_share=np.float32(1.5))
    # through scenario overrides, as from a numpy array of sampled values
    values = np.array([0.2, 0.3])
    scenario = load_scenario(
        "baseline",
        {"law.kappa": values[0], "run.years": np.int64(2), "firms.adaptive": np.bool_(False)},
    )
    assert scenario.law.kappa == 0.2 and scenario.run.years == 2.0
    assert all(f.adaptive is False for f in scenario.firms)
    assert "kappa = 0.2" in to_toml(scenario)  # stored as plain numbers


def test_overrides_from_kwargs() -> None:
    assert overrides_from_kwargs(
        {
            "law__kappa": 0.2,
            "run__years": np.int64(3),
            "firms__chip_share": 0.6,
            "firms__2__chip_share": 0.4,
            "policies__carbon_tax__usd_per_t_co2": 50.0,
            "policies__rnd_subsidy__1__rate": 0.2,
            "market.taste_noise_usd_per_task": 2.5,  # already dotted
        }
    ) == {
        "law.kappa": 0.2,
        "run.years": 3,
        "firms.chip_share": 0.6,
        "firms.2.chip_share": 0.4,
        "policies.carbon_tax.usd_per_t_co2": 50.0,
        "policies.rnd_subsidy.1.rate": 0.2,
        "market.taste_noise_usd_per_task": 2.5,
    }
    assert type(overrides_from_kwargs({"run__years": np.int64(3)})["run.years"]) is int
    scenario = load_scenario("baseline", overrides_from_kwargs({"law__kappa": 0.2}))
    assert scenario.law.kappa == 0.2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"law__kapa": 0.2}, r"law__kapa: unknown key 'kapa' \(did you mean 'kappa'\?\)"),
        ({"kappa": 0.2}, r"kappa: not a scenario parameter; spell section\.key as section__key"),
        ({"firms__x__chip_share": 0.2}, r"firms__x__chip_share: 'x' is not an entry of firms"),
        (
            {"law__kappa": 0.2, "law.kappa": 0.3},
            r"law\.kappa: the parameter 'law\.kappa' is given twice",
        ),
    ],
)
def test_overrides_from_kwargs_names_the_keyword(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(UserError, match=message):
        overrides_from_kwargs(kwargs)


@pytest.mark.slow
def test_a_script_without_main_guard_is_told_what_to_add(tmp_path: Path) -> None:
    script = tmp_path / "sweep_script.py"
    script.write_text(
        textwrap.dedent(
            """
            from experiments import api

            sweep = {"scenario": "baseline", "set": {"run.years": 0.5},
                     "factors": {"law.kappa": [0.15, 0.2]}}
            api.sweep(sweep, workers=2)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert 'if __name__ == "__main__":' in done.stderr.splitlines()[-1]
    assert "UserError" in done.stderr.splitlines()[-1]
    assert "BrokenProcessPool" not in done.stderr
    assert "another process is writing" not in done.stderr


def test_a_sweep_table_may_hold_numpy_numbers() -> None:
    from experiments.sweep import make_design, parse_sweep

    spec = parse_sweep(
        {
            "scenario": "baseline",
            "design": "lhs",
            "samples": np.int64(3),
            "seed": 1,
            "factors": {"law.kappa": {"min": np.float32(0.125), "max": np.float64(0.25)}},
        }
    )
    points = make_design(spec).points["law.kappa"]
    assert len(points) == 3 and points.between(0.125, 0.25).all()


def test_a_multiplier_scales_each_entrys_own_value() -> None:
    from sim.scenario import parse_overrides

    base = load_scenario("baseline")
    scaled = load_scenario(
        "baseline",
        {
            **parse_overrides(["firms.cash_usd.multiplier=1.5"]),
            "firms.2.chips.multiplier": np.float32(2.0),
            "vendors.count.multiplier": 3,  # whole-number fields stay whole
        },
    )
    assert [f.cash_usd for f in scaled.firms] == pytest.approx(
        [1.5 * f.cash_usd for f in base.firms]
    )
    assert scaled.firms[2].chips == 2 * base.firms[2].chips
    assert scaled.firms[1].chips == base.firms[1].chips
    assert [v.count for v in scaled.vendors] == [3 * v.count for v in base.vendors]
    # a value set first is what the multiplier scales
    both = load_scenario("baseline", {"firms.cash_usd": 1e9, "firms.cash_usd.multiplier": 2})
    assert {f.cash_usd for f in both.firms} == {2e9}
    assert overrides_from_kwargs({"firms__cash_usd__multiplier": 2}) == {
        "firms.cash_usd.multiplier": 2
    }
    with pytest.raises(UserError, match="a multiplier must be a number >= 0"):
        load_scenario("baseline", {"firms.cash_usd.multiplier": -1})
    with pytest.raises(UserError, match="adaptive is not a number"):
        load_scenario("baseline", {"firms.adaptive.multiplier": 2})
    with pytest.raises(UserError, match=r"law\.kappa\.multiplier: not a parameter"):
        load_scenario("baseline", {"law.kappa.multiplier": 2})


def test_a_sweep_factor_may_be_a_multiplier() -> None:
    from experiments import api
    from sim.errors import UserError as Error

    res = api.sweep(
        {
            "scenario": "baseline",
            "set": {"run.years": 0.5},
            "factors": {"firms.cash_usd.multiplier": [0.5, 2.0]},
            "outputs": {"metrics": ["final:best_loss", "cumulative_profit:firms"], "series": []},
        }
    )
    assert res.experiments["firms.cash_usd.multiplier"].tolist() == [0.5, 2.0]
    assert (res.status["status"] == "ok").all()
    profits = res.outcomes["cumulative_profit_firms"]
    assert profits.iloc[0] != profits.iloc[1]  # richer firms spend differently
    with pytest.raises(Error, match="only a numeric parameter has a multiplier"):
        api.sweep({"scenario": "baseline", "factors": {"firms.adaptive.multiplier": [1, 2]}})
