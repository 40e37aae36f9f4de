"""Scalar outcomes of one run by name: values on hand-made tables, and identity with sweeps."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from experiments import api
from experiments.outcomes import outcomes
from experiments.outputs import METRICS, parse_metric
from sim.errors import UserError
from sim.params import Scenario


class _Result:
    """The two attributes :func:`outcomes` reads, around a hand-made model table."""

    def __init__(self, model: pd.DataFrame) -> None:
        self.model = model
        self.scenario = Scenario()


def _table(firms: list[float], vendors: list[float], suppliers: list[float]) -> _Result:
    n = len(firms)
    return _Result(
        pd.DataFrame(
            {
                "step": np.arange(1, n + 1),
                "year": 2024.0 + np.arange(1, n + 1) / 12.0,
                "profit_firms_usd": firms,
                "profit_vendors_usd": vendors,
                "profit_suppliers_usd": suppliers,
                "emissions_t_co2": [1.0, np.nan, 2.5][:n],
            }
        )
    )


def test_cumulative_profit_and_capture_by_hand() -> None:
    # totals: firms -6, vendors 8, suppliers 2: total profit 4 > 0, absolute sum 16
    result = _table([-1.0, -2.0, -3.0], [2.0, 3.0, 3.0], [0.5, 0.5, 1.0])
    out = outcomes(result, ["cumulative_profit", "profit_capture", "sum:emissions_t_co2"])
    assert out["cumulative_profit_firms"] == pytest.approx(-6.0)
    assert out["cumulative_profit_vendors"] == pytest.approx(8.0)
    assert out["cumulative_profit_suppliers"] == pytest.approx(2.0)
    assert out["profit_capture_firms"] == pytest.approx(-6.0 / 16.0)
    assert out["profit_capture_vendors"] == pytest.approx(8.0 / 16.0)
    assert out["profit_capture_suppliers"] == pytest.approx(2.0 / 16.0)
    assert out["sum_emissions_t_co2"] == pytest.approx(3.5)  # the NaN step is skipped


def test_profit_capture_is_defined_when_total_profit_is_negative() -> None:
    # total profit -4: a share of the total would be undefined (and the old metric NaN)
    result = _table([-5.0, -5.0, -2.0], [3.0, 2.0, 1.0], [1.0, 0.5, 0.5])
    out = outcomes(result, ["profit_capture", "final_profit_share"])
    assert math.isnan(out["final_profit_share_vendors"])
    capture = [out[f"profit_capture_{s}"] for s in ("firms", "vendors", "suppliers")]
    assert capture == pytest.approx([-12 / 20, 6 / 20, 2 / 20])
    assert sum(capture) == pytest.approx(-4 / 20)  # total over absolute total


def test_profit_capture_equals_profit_share_when_every_sector_profits() -> None:
    result = _table([1.0, 2.0, 3.0], [2.0, 2.0, 2.0], [1.0, 1.0, 1.0])
    out = outcomes(result, ["profit_capture"])
    assert [out[f"profit_capture_{s}"] for s in ("firms", "vendors", "suppliers")] == (
        pytest.approx([6 / 15, 6 / 15, 3 / 15])
    )


def test_a_metric_is_one_catalogue_entry() -> None:
    assert {"cumulative_profit", "profit_capture", "sum"} <= set(METRICS)
    assert [m.column for m in parse_metric("sum:profit_firms_usd", "t")] == ["sum_profit_firms_usd"]
    with pytest.raises(UserError, match=r"unknown metric 'profit_captur'.*did you mean"):
        outcomes(_table([1.0], [1.0], [1.0]), ["profit_captur"])


def test_outcomes_of_a_full_run_match_the_sweep_row() -> None:
    names = ["loss_at_year:2025", "cumulative_profit", "profit_capture:vendors", "hhi:chips"]
    sweep = api.sweep(
        {
            "scenario": "baseline",
            "design": "list",
            "set": {"run.years": 2},
            "factors": {"law.preset": ["besiroglu"]},
            "outputs": {"metrics": names, "series": []},
        }
    )
    seed = int(sweep.experiments["seed"].iloc[0])
    result = api.run("baseline", seed=seed, overrides={"run.years": 2}, full=True)
    assert not result.agents.empty  # the full result, agents included
    one = outcomes(result, names)
    assert list(one) == list(sweep.outcomes.columns)
    assert [one[c] for c in one] == pytest.approx(sweep.outcomes.iloc[0].tolist(), rel=1e-12)
    # the model table alone is the same run
    assert api.run("baseline", seed=seed, overrides={"run.years": 2}).equals(result.model)
