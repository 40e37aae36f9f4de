"""The real model on every backend: identical results bit for bit, and resume after a kill."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments.backends import DaskBackend, ProcessBackend, SerialBackend, execute, make_backend
from experiments.outputs import PARTIES
from experiments.store import Store
from experiments.sweep import load_sweep
from sim.errors import UserError

SWEEP = """
scenario = "baseline"
design = "lhs"
samples = 4
replications = 2
seed = 11
[set]
run.years = 1
[factors]
law.kappa = { min = 0.12, max = 0.25 }
firms.chip_share = { min = 0.4, max = 0.8 }
[outputs]
series = ["best_loss", "price_usd_per_million_tokens", "surplus_share_vendors"]
metrics = ["final:best_loss", "peak_margin", "surplus_share", "hhi", "cap_binding_share"]
"""


def assert_same_store(a: Path, b: Path) -> None:
    pd.testing.assert_frame_equal(Store(a).runs(), Store(b).runs(), check_exact=True)
    pd.testing.assert_frame_equal(Store(a).series(), Store(b).series(), check_exact=True)


@pytest.fixture(scope="module")
def serial_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serial")
    (folder / "sweep.toml").write_text(textwrap.dedent(SWEEP))
    report = execute(load_sweep(folder / "sweep.toml"), folder / "out", quiet=True)
    assert (report.ran, report.failed) == (8, 0)
    return folder


def test_serial_results_are_real_model_runs(serial_store: Path) -> None:
    runs = Store(serial_store / "out").runs()
    assert (runs["status"] == "ok").all()
    # replications share the point's parameters and differ only by seed
    first = runs[runs["point_id"] == 0]
    assert first["law.kappa"].nunique() == 1 and first["seed"].nunique() == 2
    assert runs["final_best_loss"].between(1.5, 4.0).all()
    shares = runs[[f"surplus_share_{p}" for p in PARTIES]]
    assert shares.notna().all().all()  # defined in every run
    # gainers' shares sum to 1, losers' are negative: the sum is at most 1
    assert (shares.sum(axis=1) <= 1.0 + 1e-12).all()
    assert (shares.clip(lower=0.0).sum(axis=1) <= 1.0 + 1e-12).all()


@pytest.mark.slow
def test_process_pool_gives_identical_results(serial_store: Path, tmp_path: Path) -> None:
    spec = load_sweep(serial_store / "sweep.toml")
    report = execute(spec, tmp_path / "out", backend=ProcessBackend(2), quiet=True)
    assert (report.backend, report.workers, report.ran) == ("process", 2, 8)
    assert_same_store(serial_store / "out", tmp_path / "out")


@pytest.mark.slow
def test_dask_cluster_gives_identical_results(serial_store: Path, tmp_path: Path) -> None:
    from dask.distributed import LocalCluster

    spec = load_sweep(serial_store / "sweep.toml")
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        report = execute(
            spec, tmp_path / "address", backend=DaskBackend(cluster.scheduler_address), quiet=True
        )
    assert (report.backend, report.workers, report.ran) == ("dask", 2, 8)
    assert_same_store(serial_store / "out", tmp_path / "address")
    # --cluster local starts (and stops) its own cluster
    execute(spec, tmp_path / "local", backend=make_backend(2, "local"), quiet=True)
    assert_same_store(serial_store / "out", tmp_path / "local")


def test_closing_a_dask_cluster_keeps_its_shutdown_chatter_from_the_user(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # what a LocalCluster's nanny and scheduler log while a Ctrl-C closes them mid-run
    class Closing:
        def close(self) -> None:
            logging.getLogger("distributed.nanny").warning("Worker process still alive")
            logging.getLogger("distributed.scheduler").error("broadcast failed: Stream is closed")

    backend = DaskBackend()
    backend._client, backend._cluster = Closing(), Closing()
    level = logging.getLogger("distributed").level
    with caplog.at_level(logging.DEBUG):
        backend.close()
        assert caplog.records == []
        assert (backend._client, backend._cluster) == (None, None)
        # Dask speaks again once it is closed
        assert logging.getLogger("distributed").level == level
        logging.getLogger("distributed.scheduler").error("after")
    assert [r.getMessage() for r in caplog.records] == ["after"]


def test_backend_choice() -> None:
    assert isinstance(make_backend(1), SerialBackend)
    assert isinstance(make_backend(3), ProcessBackend) and make_backend(3).workers == 3
    assert isinstance(make_backend(None, "tcp://10.0.0.1:8786"), DaskBackend)
    with pytest.raises(UserError, match="--workers 0"):
        make_backend(0)


@pytest.mark.slow
def test_resume_after_the_sweep_process_is_killed(tmp_path: Path) -> None:
    body = SWEEP.replace('design = "lhs"\nsamples = 4\nreplications = 2', "replications = 60")
    body = body.replace("run.years = 1\n", "run.years = 0.25\n")  # a quarter: 120 quick runs
    body = body.replace("law.kappa = { min = 0.12, max = 0.25 }\n", "")
    body = body.replace(
        "firms.chip_share = { min = 0.4, max = 0.8 }", "firms.chip_share = [0.5, 0.7]"
    )
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(textwrap.dedent(body))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "experiments.cli", "sweep", str(sweep), "--out", str(out)]
    proc = subprocess.Popen(
        [*command, "--workers", "2", "--quiet"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not list((out / "runs").glob("part-*.parquet")) and time.monotonic() < deadline:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-way
        proc.wait()
    done = int(Store(out).done_mask().sum())
    assert 0 < done < 120
    refused = subprocess.run([*command, "--quiet"], capture_output=True, text=True)
    assert refused.returncode == 2 and "pass --resume" in refused.stderr
    resumed = subprocess.run(
        [*command, "--resume", "--workers", "2"], capture_output=True, text=True, check=True
    )
    assert f"resumed: {done} were done" in resumed.stdout
    assert "it/s" not in resumed.stdout and "run/s" in resumed.stderr  # progress bar on stderr
    runs = Store(out).runs()
    assert runs["run_id"].tolist() == list(range(120))
    execute(load_sweep(sweep), tmp_path / "whole", quiet=True)
    assert_same_store(out, tmp_path / "whole")
