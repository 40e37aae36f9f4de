"""The results store: layout, manifest, streaming, interruption and resume, failed runs, memory."""

from __future__ import annotations

import dataclasses
import json
import shutil
import textwrap
import time
import tracemalloc
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.backends import SerialBackend, execute
from experiments.outputs import RunRecord, RunTask
from experiments.store import Store
from experiments.sweep import SweepSpec, experiments_table, load_sweep, make_design
from sim.errors import UserError

SWEEP = """
scenario = "baseline"
replications = 3
seed = 5
[set]
run.years = 1
[factors]
law.kappa = [0.15, 0.2, 0.25, 0.3]
[outputs]
series = ["best_loss", "price_usd_per_million_tokens"]
metrics = ["final:best_loss", "hhi:chips"]
"""


def fake_spec(tmp_path: Path, body: str = SWEEP, model: str = "_fake_model:simulate") -> SweepSpec:
    path = tmp_path / "sweep.toml"
    path.write_text(textwrap.dedent(body))
    return dataclasses.replace(load_sweep(path), simulate=model)


def test_layout_and_manifest(tmp_path: Path) -> None:
    spec = fake_spec(tmp_path)
    report = execute(spec, tmp_path / "out", quiet=True, flush_runs=5)
    assert (report.ran, report.failed, report.n_runs) == (12, 0, 12)
    store = Store(tmp_path / "out")
    runs_parts = sorted(p.name for p in (tmp_path / "out" / "runs").iterdir())
    assert runs_parts == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["sweep_text"] == textwrap.dedent(SWEEP)
    assert manifest["root_seed"] == 5
    assert {"python", "numpy", "mesa", "efficiency-race", "pyarrow"} <= set(manifest["versions"])
    table = experiments_table(spec, make_design(spec))
    assert manifest["run_seeds"] == table["seed"].tolist()
    runs = store.runs()
    assert runs["run_id"].tolist() == list(range(12))
    assert runs["seed"].tolist() == table["seed"].tolist()
    assert runs["law.kappa"].tolist() == table["law.kappa"].tolist()
    assert (runs["status"] == "ok").all() and runs["error"].isna().all()
    series = store.series()
    assert len(series) == 12 * 12
    assert list(series.columns) == [
        "run_id",
        "step",
        "year",
        "best_loss",
        "price_usd_per_million_tokens",
    ]
    # the store is plain Parquet: any reader sees the same runs
    plain = pd.read_parquet(tmp_path / "out" / "runs").sort_values("run_id", ignore_index=True)
    pd.testing.assert_frame_equal(plain, runs)


class Interrupted(SerialBackend):
    """Serial, but Ctrl-C arrives after ``after`` chunks."""

    def __init__(self, after: int) -> None:
        self.after = after

    def map_unordered(self, chunks: Iterable[Sequence[RunTask]]) -> Iterator[list[RunRecord]]:
        for i, records in enumerate(super().map_unordered(chunks)):
            if i == self.after:
                raise KeyboardInterrupt
            yield records


def test_interrupted_sweep_keeps_finished_runs_and_resume_completes_it(tmp_path: Path) -> None:
    spec = fake_spec(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        execute(spec, tmp_path / "out", backend=Interrupted(after=5), quiet=True)
    store = Store(tmp_path / "out")
    assert store.done_mask().sum() == 5  # chunks of one run; the buffer was flushed
    with pytest.raises(UserError, match=r"5 of 12 runs done\); pass --resume"):
        execute(spec, tmp_path / "out", quiet=True)
    # what a kill between the two writes of a part leaves behind
    series_dir = tmp_path / "out" / "timeseries"
    shutil.copy(series_dir / "part-00000.parquet", series_dir / "part-00042.parquet")
    (tmp_path / "out" / "runs" / ".part-00043.parquet.tmp").write_bytes(b"partial")
    report = execute(spec, tmp_path / "out", resume=True, quiet=True)
    assert (report.done_before, report.ran) == (5, 7)
    assert not (series_dir / "part-00042.parquet").exists()
    execute(spec, tmp_path / "whole", quiet=True)
    whole = Store(tmp_path / "whole")
    pd.testing.assert_frame_equal(store.runs(), whole.runs())
    pd.testing.assert_frame_equal(store.series(), whole.series())
    assert store.runs()["run_id"].is_unique


def test_a_store_started_with_other_model_code_is_not_resumed(tmp_path: Path) -> None:
    spec = fake_spec(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        execute(spec, tmp_path / "out", backend=Interrupted(after=2), quiet=True)
    manifest_path = tmp_path / "out" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["model_code"] = "0" * 16
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(UserError, match="started with other model code"):
        execute(spec, tmp_path / "out", resume=True, quiet=True)


def test_one_process_writes_a_store_at_a_time(tmp_path: Path) -> None:
    spec = fake_spec(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        execute(spec, tmp_path / "out", backend=Interrupted(after=0), quiet=True)
    store = Store(tmp_path / "out")
    assert store.done_mask().sum() == 0
    with store.locked(), pytest.raises(UserError, match="another process is writing"):
        execute(spec, tmp_path / "out", resume=True, quiet=True)
    # nothing was written yet, so nothing can be mixed: no --resume needed
    assert execute(spec, tmp_path / "out", quiet=True).ran == 12


def test_a_finished_store_is_not_run_again(tmp_path: Path) -> None:
    spec = fake_spec(tmp_path)
    execute(spec, tmp_path / "out", quiet=True)
    again = execute(spec, tmp_path / "out", quiet=True)
    assert again.ran == 0
    assert "already in" in again.summary()
    assert len(Store(tmp_path / "out").runs()) == 12


def test_another_sweep_may_not_write_into_a_store(tmp_path: Path) -> None:
    execute(fake_spec(tmp_path), tmp_path / "out", quiet=True)
    other = fake_spec(tmp_path, SWEEP.replace("0.3]", "0.35]"))
    with pytest.raises(UserError, match="holds results of another sweep"):
        execute(other, tmp_path / "out", resume=True, quiet=True)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="is not empty and is not a results store; choose an empty"):
        execute(other, tmp_path / "busy", quiet=True)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path: Path) -> None:
    spec = fake_spec(tmp_path, model="_fake_model:simulate_failing")
    report = execute(spec, tmp_path / "out", quiet=True)
    assert (report.ran, report.failed) == (12, 3)
    assert "3 failed" in report.summary()
    store = Store(tmp_path / "out")
    runs = store.runs()
    failed = runs[runs["status"] == "error"]
    assert failed["law.kappa"].tolist() == [0.3, 0.3, 0.3]
    assert failed["replication"].tolist() == [0, 1, 2]
    assert (failed["error"] == "FloatingPointError: kappa 0.300 blew up").all()
    assert failed["final_best_loss"].isna().all()
    assert runs.loc[runs["status"] == "ok", "final_best_loss"].notna().all()
    assert set(store.series()["run_id"]) == set(range(9))


def _peak_bytes(tmp_path: Path, replications: int, name: str) -> int:
    body = f"""
    scenario = "baseline"
    replications = {replications}
    [set]
    run.years = 10
    [outputs]
    series = ["best_loss", "price_usd_per_million_tokens", "hhi_ai_services", "margin_firms"]
    metrics = ["final:best_loss", "max:margin_firms"]
    """
    spec = fake_spec(tmp_path, body, model="_fake_model:simulate_light")
    tracemalloc.start()
    try:
        execute(spec, tmp_path / name, quiet=True, flush_runs=50)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(Store(tmp_path / name).runs(["run_id"])) == replications
    return peak


@pytest.mark.slow
def test_memory_does_not_grow_with_the_number_of_runs(tmp_path: Path) -> None:
    # each run keeps 120 steps x 6 columns (~6 kB) of series: holding 1800 more runs would
    # add ~10 MB; streaming holds one batch of 50 runs
    small = _peak_bytes(tmp_path, 200, "small")
    large = _peak_bytes(tmp_path, 2000, "large")
    assert large - small < 1e6, (small, large)
    series = Store(tmp_path / "large").series(["run_id"])
    assert len(series) == 2000 * 120
    assert np.array_equal(np.unique(series["run_id"]), np.arange(2000))


class WaitsForTheFirstRunOnDisk(SerialBackend):
    """Serial, but before its second chunk waits (up to ``patience`` seconds) for the first run
    to be on disk, as when the next run takes much longer than the flush interval."""

    def __init__(self, out: Path, patience: float = 20.0) -> None:
        self.out, self.patience = out, patience
        self.waited: float | None = None  # seconds until the part appeared; None: it did not

    def map_unordered(self, chunks: Iterable[Sequence[RunTask]]) -> Iterator[list[RunRecord]]:
        for i, records in enumerate(super().map_unordered(chunks)):
            if i == 1:
                start = time.monotonic()
                while time.monotonic() - start < self.patience:
                    if any((self.out / "runs").glob("part-*.parquet")):
                        self.waited = time.monotonic() - start
                        break
                    time.sleep(0.02)
            yield records


def test_a_finished_run_is_written_within_flush_seconds_while_the_next_one_runs(
    tmp_path: Path,
) -> None:
    """A run was written only when a later run finished (or the sweep stopped): with runs that
    take longer than the flush interval, a SIGKILL lost finished runs however long ago they
    finished. Now a timer writes the batch flush_seconds after its first run."""
    spec = fake_spec(tmp_path)
    backend = WaitsForTheFirstRunOnDisk(tmp_path / "out")
    report = execute(
        spec, tmp_path / "out", backend=backend, quiet=True, flush_runs=1000, flush_seconds=0.1
    )
    assert backend.waited is not None  # written while the second run was still to come
    assert report.ran == 12
    runs = Store(tmp_path / "out").runs()
    assert runs["run_id"].tolist() == list(range(12))  # each run once, none lost


def test_a_part_cut_short_by_a_crash_is_run_again_on_resume(tmp_path: Path) -> None:
    """Parts were renamed into place without being flushed to the disk, so after a power cut a
    committed part could be empty or cut short; the next start stopped with pyarrow's
    traceback ('Parquet magic bytes not found'). Now the start names the part and asks for
    --resume, which deletes it (and its twin) and runs its runs again: the store equals an
    uninterrupted one."""
    spec = fake_spec(tmp_path)
    out = tmp_path / "out"
    execute(spec, out, quiet=True, flush_runs=4)
    parts = sorted((out / "runs").glob("part-*.parquet"))
    assert len(parts) == 3
    with parts[1].open("r+b") as handle:  # a runs part cut short
        handle.truncate(100)
    series = sorted((out / "timeseries").glob("part-*.parquet"))
    series[2].write_bytes(b"")  # and a series part whose runs part is whole
    with pytest.raises(UserError) as info:
        execute(spec, out, quiet=True)
    assert str(info.value) == (
        f"{parts[1]}: not a whole Parquet file (cut short by a crash?); rerun the command "
        "with --resume, which runs its runs again"
    )
    report = execute(spec, out, resume=True, quiet=True)
    assert (report.done_before, report.ran) == (4, 8)
    execute(spec, tmp_path / "whole", quiet=True)
    store, whole = Store(out), Store(tmp_path / "whole")
    pd.testing.assert_frame_equal(store.runs(), whole.runs())
    pd.testing.assert_frame_equal(store.series(), whole.series())


def test_a_part_reaches_the_disk_before_its_name_and_series_before_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each part's data is flushed (fsync) before its rename, and the folder after it, series
    part first: a power cut cannot leave a runs part, the commit mark, without its data."""
    import os

    import experiments.store as store_module

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to name a file descriptor's file")
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str | Path, dst: str | Path) -> None:
        events.append(("replace", str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(store_module.os, "fsync", fsync)
    monkeypatch.setattr(store_module.os, "replace", replace)
    spec = fake_spec(tmp_path)
    out = (tmp_path / "out").resolve()
    execute(spec, out, quiet=True, flush_runs=12)  # one part
    part = "part-00000.parquet"
    assert [e for e in events if "manifest" not in e[1]] == [
        ("fsync", str(out / "timeseries" / f".{part}.tmp")),
        ("replace", str(out / "timeseries" / part)),
        ("fsync", str(out / "timeseries")),
        ("fsync", str(out / "runs" / f".{part}.tmp")),
        ("replace", str(out / "runs" / part)),
        ("fsync", str(out / "runs")),
    ]
