"""A sweep store read by pandas, DuckDB and polars with one glob per table gives the same
numbers; missing values are Parquet nulls, as in a run's outputs; SALib reproduces the
project's indices from the manifest alone."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from experiments import api

SOBOL = {
    "scenario": "baseline",
    "design": "sobol",
    "samples": 4,
    "replications": 2,
    "seed": 11,
    "set": {"run": {"years": 1}},
    "factors": {
        "law.kappa": {"min": 0.1, "max": 0.3},
        "market.taste_noise_usd_per_task": {"min": 0.05, "max": 0.2, "scale": "log"},
    },
    "outputs": {
        "series": ["best_loss", "energy_cap_mw", "surplus_share_firms"],
        "metrics": ["final:best_loss", "years_to_loss:1.9", "surplus_share:vendors"],
    },
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("interop") / "store"
    api.sweep(SOBOL, out=out)
    return out


def _pandas(store: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(store / "runs"), pd.read_parquet(store / "timeseries")


def test_missing_values_are_parquet_nulls_in_stores_and_run_outputs(
    store: Path, tmp_path: Path
) -> None:
    series = pq.read_table(store / "timeseries")
    cap = series.column("energy_cap_mw")  # no cap in the baseline: missing at every step
    assert cap.null_count == len(series) > 0
    assert pc.sum(pc.is_nan(cap)).as_py() in (None, 0)
    for name in series.column_names:
        column = series.column(name)
        if column.type == "double":
            assert pc.sum(pc.is_nan(column)).as_py() in (None, 0), name
    # a single run's outputs use the same encoding
    from sim.run import simulate, write_outputs
    from sim.scenario import load_scenario

    result = simulate(load_scenario("baseline", {"run.years": 1}), seed=1)
    write_outputs(result, tmp_path, figures=False)
    model = pq.read_table(tmp_path / "model.parquet")
    assert model.column("energy_cap_mw").null_count == model.num_rows
    # pandas reads nulls back as NaN, as before
    runs, frame = _pandas(store)
    assert frame["energy_cap_mw"].isna().all()
    assert runs["final_best_loss"].notna().all()


def test_pandas_duckdb_and_polars_read_the_same_numbers(store: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    pl = pytest.importorskip("polars")
    runs, series = _pandas(store)
    runs_glob, series_glob = (
        str(store / "runs" / "*.parquet"),
        str(store / "timeseries" / "*.parquet"),
    )
    n_runs = 4 * (2 + 2) * 2
    assert len(runs) == n_runs

    con = duckdb.connect()  # the DB-API calls, the same in DuckDB 1.x and 2.x
    sql = con.execute(
        "SELECT count(*), avg(final_best_loss), count(years_to_loss_1_9), "
        f"avg(surplus_share_vendors), sum(\"law.kappa\") FROM read_parquet('{runs_glob}')"
    ).fetchone()
    assert sql is not None
    polars_runs = pl.read_parquet(runs_glob)
    expected = (
        n_runs,
        runs["final_best_loss"].mean(),
        int(runs["years_to_loss_1_9"].notna().sum()),
        runs["surplus_share_vendors"].mean(),
        runs["law.kappa"].sum(),
    )
    from_polars = (
        polars_runs.height,
        polars_runs["final_best_loss"].mean(),
        polars_runs["years_to_loss_1_9"].count(),  # non-null values
        polars_runs["surplus_share_vendors"].mean(),
        polars_runs["law.kappa"].sum(),
    )
    for got in (sql, from_polars):
        assert got[0] == expected[0] and got[2] == expected[2]
        assert got[1] == pytest.approx(expected[1], rel=1e-12)
        assert got[3] == pytest.approx(expected[3], rel=1e-12)
        assert got[4] == pytest.approx(expected[4], rel=1e-12)
    assert math.isfinite(expected[1])

    # the timeseries table: an all-missing column averages to null, not NaN
    ts = con.execute(
        f"SELECT count(*), sum(best_loss), avg(energy_cap_mw), count(surplus_share_firms) "
        f"FROM read_parquet('{series_glob}')"
    ).fetchone()
    polars_series = pl.read_parquet(series_glob)
    assert ts is not None
    assert ts[0] == len(series) == polars_series.height == n_runs * 12
    assert ts[1] == pytest.approx(series["best_loss"].sum(), rel=1e-12)
    assert polars_series["best_loss"].sum() == pytest.approx(ts[1], rel=1e-12)
    assert ts[2] is None and polars_series["energy_cap_mw"].mean() is None
    assert math.isnan(series["energy_cap_mw"].mean())
    assert (
        ts[3]
        == polars_series["surplus_share_firms"].count()
        == series["surplus_share_firms"].notna().sum()
    )


def test_salib_reproduces_the_indices_from_the_manifest(store: Path) -> None:
    from SALib.analyze import sobol

    manifest = json.loads((store / "manifest.json").read_text())
    salib = manifest["salib"]
    res = api.SweepResults.load(store)
    assert (
        res.salib_problem()
        == salib["problem"]
        == {
            "num_vars": 2,
            "names": ["law.kappa", "market.taste_noise_usd_per_task"],
            "bounds": [[0.1, 0.3], [0.05, 0.2]],
            "dists": ["unif", "logunif"],
        }
    )
    assert salib["calc_second_order"] is False
    assert salib["analyze"]["calc_second_order"] is False
    assert isinstance(salib["analyze"]["seed"], int)
    # Y: one value per design point, the mean of its replications
    runs = pd.read_parquet(store / "runs")
    y = runs.groupby("point_id")["final_best_loss"].mean().to_numpy()
    assert np.array_equal(y, res.point_means()["final_best_loss"].to_numpy())
    indices = sobol.analyze(salib["problem"], y, **salib["analyze"])
    ours = api.sensitivity(SOBOL, out=store).indices  # the finished store is only analysed
    ours = ours[ours["metric"] == "final_best_loss"]
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_array_equal(indices[key], ours[key].to_numpy())


def test_salib_morris_takes_the_runs_table_inputs(tmp_path: Path) -> None:
    from SALib.analyze import morris

    spec = {**SOBOL, "design": "morris", "samples": 3, "replications": 1}
    res = api.sweep(spec, out=tmp_path / "m")
    points = res.point_means(["final_best_loss"])
    x = points[res.factors].to_numpy()  # in the factors' units, as the runs table has them
    mu_star = morris.analyze(
        res.salib_problem(),
        x,
        points["final_best_loss"].to_numpy(),
        **res.manifest["salib"]["analyze"],
    )["mu_star"]
    ours = api.sensitivity(spec, out=tmp_path / "m").indices
    ours = ours[ours["metric"] == "final_best_loss"]
    np.testing.assert_allclose(mu_star, ours["mu_star"].to_numpy(), rtol=1e-12)


def test_grid_sweeps_have_no_salib_problem() -> None:
    from sim.errors import UserError

    res = api.sweep(
        {
            "scenario": "baseline",
            "set": {"run.years": 1},
            "factors": {"law.kappa": [0.15, 0.2]},
            "outputs": {"metrics": ["final:best_loss"], "series": []},
        }
    )
    assert res.manifest["salib"] is None
    with pytest.raises(UserError, match="no SALib problem"):
        res.salib_problem()
