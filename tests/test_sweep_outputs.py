"""Metrics on small model tables whose values can be checked by hand, and the per-run function."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from experiments.outputs import Outputs, Runner, RunTask, parse_metric
from sim.errors import UserError


def table() -> pd.DataFrame:
    """Four quarterly steps of 2024 (year at the end of each step)."""
    return pd.DataFrame(
        {
            "year": [2024.25, 2024.5, 2024.75, 2025.0, 2025.25],
            "step": [1, 2, 3, 4, 5],
            "best_loss": [3.0, 2.5, 2.0, 1.9, 1.85],
            "best_relative_excess_loss": [1.0, 0.8, 0.6, 0.5, 0.45],
            "margin_firms": [0.1, 0.3, np.nan, 0.2, 0.2],
            "margin_vendors": [0.5] * 5,
            "margin_suppliers": [np.nan] * 5,
            "profit_firms_usd": [100.0, 1.0, 1.0, 1.0, 1.0],
            "profit_vendors_usd": [0.0, 2.0, 2.0, 2.0, 2.0],
            "profit_suppliers_usd": [0.0, 0.0, 0.0, 0.0, -3.0],
            "consumer_surplus_usd": [10.0, 10.0, 10.0, 10.0, 10.0],
            "dividends_usd": [0.0, 0.0, 0.0, 0.0, 4.0],
            "government_revenue_usd": [0.0] * 5,
            "carbon_damages_usd": [1.0] * 5,
            "hhi_ai_services": [0.5, 0.4, 0.3, 0.25, 0.2],
            "hhi_chips": [1.0] * 5,
            "hhi_energy": [0.6] * 5,
            "energy_cap_binding": [0.0, 1.0, 1.0, 0.0, 0.0],
            "price_usd_per_million_tokens": [10.0, 8.0, 6.0, 4.0, 2.0],
        }
    )


def value(spec: str) -> float:
    (metric,) = parse_metric(spec, "test")
    return metric(table(), 2024.0)


def test_loss_at_year_interpolates_between_steps() -> None:
    assert value("loss_at_year:2024.5") == pytest.approx(2.5)
    assert value("loss_at_year:2024.625") == pytest.approx(2.25)
    assert math.isnan(value("loss_at_year:2026"))


def test_years_to_a_target_is_linear_between_steps_and_nan_if_never_reached() -> None:
    # 2.25 is reached half-way between the steps ending at 0.5 and 0.75 years
    assert value("years_to_loss:2.25") == pytest.approx(0.625)
    assert value("years_to_loss:3.5") == pytest.approx(0.25)  # already at the first step
    assert math.isnan(value("years_to_loss:1.0"))
    assert value("years_to_relative_loss:0.7") == pytest.approx(0.625)


def test_sector_metrics() -> None:
    assert value("peak_margin:firms") == pytest.approx(0.3)  # NaN steps are skipped
    assert math.isnan(value("peak_margin:suppliers"))
    # over the run: consumers 50, firms 104 - 4 paid out, vendors 8, investors 4 gain (162);
    # suppliers lose 3 and carbon damages 5, as negative shares of the gains
    assert value("surplus_share:consumers") == pytest.approx(50.0 / 162.0)
    assert value("surplus_share:firms") == pytest.approx(100.0 / 162.0)
    assert value("surplus_share:investors") == pytest.approx(4.0 / 162.0)
    assert value("surplus_share:suppliers") == pytest.approx(-3.0 / 162.0)
    assert value("hhi:ai_services") == pytest.approx(0.2)
    assert value("cap_binding_share") == pytest.approx(0.4)


def test_column_reducers() -> None:
    assert value("final:price_usd_per_million_tokens") == 2.0
    assert value("mean:price_usd_per_million_tokens") == pytest.approx(6.0)
    assert value("max:hhi_ai_services") == 0.5
    assert value("min:best_loss") == 1.85


def test_metrics_without_argument_expand_to_every_sector_or_market() -> None:
    assert [m.column for m in parse_metric("peak_margin", "t")] == [
        "peak_margin_firms",
        "peak_margin_vendors",
        "peak_margin_suppliers",
    ]
    assert [m.column for m in parse_metric("hhi", "t")] == [
        "hhi_ai_services",
        "hhi_chips",
        "hhi_energy",
    ]
    assert parse_metric("years_to_loss:1.95", "t")[0].column == "years_to_loss_1_95"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("loss_at_year", "needs an argument, e.g. 'loss_at_year:2035'"),
        ("loss_at_year:soon", "'soon' is not a number"),
        ("cap_binding_share:2", "takes no argument"),
        ("final:bestloss", "unknown column 'bestloss' (did you mean 'best_loss'?)"),
        (3, "must be a string"),
    ],
)
def test_metric_mistakes(text: object, message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        parse_metric(text, "f.toml: outputs.metrics")


def test_duplicate_metric_columns_are_refused() -> None:
    with pytest.raises(UserError, match="'hhi_chips' is listed twice"):
        Outputs.parse(None, ["hhi", "hhi:chips"], "f.toml: outputs")


def test_runner_records_a_failing_run_and_its_parameters() -> None:
    from sim.scenario import load_raw

    raw, _ = load_raw("baseline")
    outputs = Outputs.parse(["best_loss"], ["final:best_loss"], "t")
    runner = Runner(
        {"baseline": raw},
        {"run.years": 1},
        ["law.kappa"],
        outputs,
        "_fake_model:simulate_failing",
    )
    good = runner.run(RunTask(0, 0, 0, 11, "baseline", (0.2,)))
    bad = runner.run(RunTask(1, 1, 0, 11, "baseline", (0.3,)))
    assert good.row["status"] == "ok" and good.row["error"] is None
    assert good.series is not None and len(good.series["best_loss"]) == 12
    assert bad.row["status"] == "error"
    assert bad.row["error"] == "FloatingPointError: kappa 0.300 blew up"
    assert bad.row["law.kappa"] == 0.3 and bad.row["seed"] == 11
    assert math.isnan(bad.row["final_best_loss"])
    assert bad.series is None


def test_runner_uses_the_task_seed_and_scenario() -> None:
    from sim.scenario import load_raw

    raw, _ = load_raw("baseline")
    runner = Runner(
        {"b": raw}, {"run.years": 1}, ["firms.chip_share"], Outputs.parse(None, None, "t")
    )
    scenario = runner.scenario(RunTask(0, 0, 0, 5, "b", (0.42,)))
    assert scenario.run.years == 1
    assert {f.chip_share for f in scenario.firms} == {0.42}
    a = runner.run(RunTask(0, 0, 0, 5, "b", (0.42,)))
    b = runner.run(RunTask(1, 0, 1, 5, "b", (0.42,)))
    c = runner.run(RunTask(2, 0, 2, 6, "b", (0.42,)))
    assert a.series is not None and b.series is not None and c.series is not None
    np.testing.assert_array_equal(a.series["best_loss"], b.series["best_loss"])
    assert not np.array_equal(
        a.series["price_usd_per_million_tokens"], c.series["price_usd_per_million_tokens"]
    )
