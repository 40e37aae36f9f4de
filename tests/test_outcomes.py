"""Scalar outcomes of one run by name: values on hand-made tables, and identity with sweeps."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from experiments import api
from experiments.outcomes import outcomes
from experiments.outputs import METRICS, PARTIES, parse_metric
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
                "consumer_surplus_usd": [4.0, 4.0, 4.0][:n],
                "dividends_usd": [0.0, 0.0, 1.0][:n],
                "government_revenue_usd": [0.0, 0.0, 0.0][:n],
                "carbon_damages_usd": [0.5, 0.5, 0.5][:n],
            }
        )
    )


def test_cumulative_profit_and_surplus_share_by_hand() -> None:
    # profits: firms -6, vendors 8, suppliers 2; consumers 12; investors 1 in dividends (so
    # firms -7 net of them); carbon damages 1.5. Gains: 12 + 8 + 2 + 1 = 23
    result = _table([-1.0, -2.0, -3.0], [2.0, 3.0, 3.0], [0.5, 0.5, 1.0])
    out = outcomes(result, ["cumulative_profit", "surplus_share", "sum:emissions_t_co2"])
    assert out["cumulative_profit_firms"] == pytest.approx(-6.0)
    assert out["cumulative_profit_vendors"] == pytest.approx(8.0)
    assert out["cumulative_profit_suppliers"] == pytest.approx(2.0)
    assert out["surplus_share_consumers"] == pytest.approx(12.0 / 23.0)
    assert out["surplus_share_vendors"] == pytest.approx(8.0 / 23.0)
    assert out["surplus_share_investors"] == pytest.approx(1.0 / 23.0)
    assert out["surplus_share_firms"] == pytest.approx(-7.0 / 23.0)  # a loser's is negative
    assert out["sum_emissions_t_co2"] == pytest.approx(3.5)  # the NaN step is skipped


def test_surplus_shares_are_defined_when_total_profit_is_negative() -> None:
    # total profit -4: a share of total profit would be undefined
    result = _table([-5.0, -5.0, -2.0], [3.0, 2.0, 1.0], [1.0, 0.5, 0.5])
    out = outcomes(result, ["surplus_share"])
    shares = [out[f"surplus_share_{p}"] for p in PARTIES]
    assert all(math.isfinite(x) for x in shares)
    assert sum(max(x, 0.0) for x in shares) == pytest.approx(1.0)  # gainers' shares


def test_a_metric_is_one_catalogue_entry() -> None:
    assert {"cumulative_profit", "surplus_share", "sum"} <= set(METRICS)
    assert [m.column for m in parse_metric("sum:profit_firms_usd", "t")] == ["sum_profit_firms_usd"]
    with pytest.raises(UserError, match=r"unknown metric 'surplus_shar'.*did you mean"):
        outcomes(_table([1.0], [1.0], [1.0]), ["surplus_shar"])


def test_outcomes_of_a_full_run_match_the_sweep_row() -> None:
    names = ["loss_at_year:2025", "cumulative_profit", "surplus_share:vendors", "hhi:chips"]
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
