"""A sweep stores, for each run, exactly the numbers `effrace run` writes for the same scenario,
parameters and seed: its series are the run's model columns bit for bit, and its metrics are the
catalogue's functions of the run's model table. The sweep's model function skips the agents
table and reduces each run in its worker; neither may change a stored number."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.backends import execute
from experiments.cli import main
from experiments.store import Store
from experiments.sweep import load_sweep
from sim.scenario import load_scenario

SERIES = ["best_loss", "price_usd_per_million_tokens", "margin_vendors", "hhi_ai_services"]
SWEEP = f"""
scenario = "baseline"
design = "list"
replications = 2
seed = 7
[set]
run.years = 1
[factors]
law.kappa = [0.15, 0.21]
suppliers.cost_usd_per_mwh = [60.0, 150.0]
[outputs]
series = {SERIES!r}
metrics = [
    "loss_at_year:2024.5",
    "years_to_relative_loss:0.27",
    "peak_margin",
    "hhi",
    "final:price_usd_per_million_tokens",
    "surplus_share",
]
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "sweep.toml").write_text(textwrap.dedent(SWEEP))
    report = execute(load_sweep(folder / "sweep.toml"), folder / "out", quiet=True)
    assert (report.ran, report.failed) == (4, 0)
    return folder


def _effrace_run(row: pd.Series, out: Path) -> pd.DataFrame:
    """`effrace run` of one sweep run (its seed and factor values); its model table."""
    code = main(
        [
            "run",
            "baseline",
            "--seed",
            str(int(row["seed"])),
            "--years",
            "1",
            "--set",
            f"law.kappa={float(row['law.kappa'])!r}",
            "--set",
            f"suppliers.cost_usd_per_mwh={float(row['suppliers.cost_usd_per_mwh'])!r}",
            "--no-figures",
            "--json",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    return pd.read_parquet(out / "model.parquet")


def test_stored_series_and_metrics_are_those_of_effrace_run(swept: Path, tmp_path: Path) -> None:
    spec = load_sweep(swept / "sweep.toml")
    store = Store(swept / "out")
    runs, series = store.runs(), store.series()
    start_year = load_scenario("baseline").run.start_year
    assert runs["seed"].nunique() == 2 and runs["law.kappa"].nunique() == 2
    for _, row in runs.iterrows():
        model = _effrace_run(row, tmp_path / f"run-{row['run_id']}")
        stored = series[series["run_id"] == row["run_id"]].reset_index(drop=True)
        pd.testing.assert_frame_equal(
            stored[["step", "year", *SERIES]],
            model[["step", "year", *SERIES]],
            check_exact=True,
        )
        for metric in spec.outputs.metrics:
            expected = metric(model, start_year)
            got = float(row[metric.column])
            assert got == expected or (math.isnan(got) and math.isnan(expected)), metric.column
        # the metrics are not all NaN or alike: the comparison above compares numbers
        finite = ["loss_at_year_2024_5", "years_to_relative_loss_0_27", "hhi_ai_services"]
        assert np.isfinite(row[finite].to_numpy(float)).all()
