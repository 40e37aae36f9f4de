"""Output folders are replaced as a set, by one writer at a time, and a kill at any moment never
leaves a folder a reader would take for a complete run (:mod:`sim.atomic`)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.atomic import check_out_path, replace_folder, write_file_atomic
from sim.errors import UserError
from sim.run import check_run_folder, is_run_folder, simulate, write_outputs
from sim.scenario import load_scenario


def _all_files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def _owned(folder: Path) -> bool:
    return all(p.suffix == ".txt" for p in folder.iterdir())


def _no_leftovers(parent: Path) -> bool:
    return not [p for p in parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def test_a_new_set_replaces_the_old_one_whole(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with replace_folder(target, owned=_owned) as tmp:
        (tmp / "a.txt").write_text("1")
        (tmp / "b.txt").write_text("1")
    with replace_folder(target, owned=_owned) as tmp:
        assert not target.joinpath("c.txt").exists()
        (tmp / "a.txt").write_text("2")
    assert _all_files(target) == {"a.txt": "2"}  # b.txt of the old set is gone
    assert _no_leftovers(tmp_path)


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_an_error_midway_leaves_the_old_set(tmp_path: Path, error: type[BaseException]) -> None:
    target = tmp_path / "out"
    with replace_folder(target, owned=_owned) as tmp:
        (tmp / "a.txt").write_text("old")
    with pytest.raises(error), replace_folder(target, owned=_owned) as tmp:
        (tmp / "a.txt").write_text("new, half")
        raise error()
    assert _all_files(target) == {"a.txt": "old"}
    assert _no_leftovers(tmp_path)


def test_a_second_writer_is_refused_while_the_first_writes(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with replace_folder(target, owned=_owned) as tmp:
        (tmp / "a.txt").write_text("first")
        with (
            pytest.raises(UserError, match="another effrace process is writing"),
            replace_folder(target, owned=_owned),
        ):
            pass
    assert _all_files(target) == {"a.txt": "first"}
    with replace_folder(target, owned=_owned) as tmp:  # free again once the first is done
        (tmp / "a.txt").write_text("second")
    assert _all_files(target) == {"a.txt": "second"}


def test_foreign_folders_are_refused_and_home_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "notes"
    target.mkdir()
    (target / "thesis.tex").write_text("precious")
    with pytest.raises(UserError, match="holds other files"), replace_folder(target, owned=_owned):
        pass
    assert (target / "thesis.tex").read_text() == "precious"
    monkeypatch.chdir(target)
    with (
        pytest.raises(UserError, match="current or home"),
        replace_folder(".", owned=_owned, overwrite=True),
    ):
        pass
    monkeypatch.chdir(tmp_path)
    with replace_folder(target, owned=_owned, overwrite=True) as tmp:
        (tmp / "a.txt").write_text("x")
    assert _all_files(target) == {"a.txt": "x"}


def test_leftovers_of_a_killed_writer_are_cleaned_and_an_old_folder_restored(
    tmp_path: Path,
) -> None:
    # a kill between the two renames of a non-atomic swap: target missing, old set beside it
    (tmp_path / ".out.old-123").mkdir()
    (tmp_path / ".out.old-123" / "a.txt").write_text("old")
    (tmp_path / ".out.tmp-456").mkdir()
    (tmp_path / ".out.tmp-456" / "a.txt").write_text("half")
    with replace_folder(tmp_path / "out", owned=_owned) as tmp:
        assert _all_files(tmp_path / "out") == {"a.txt": "old"}
        (tmp / "a.txt").write_text("new")
    assert _all_files(tmp_path / "out") == {"a.txt": "new"}
    assert _no_leftovers(tmp_path)


def test_check_out_path() -> None:
    assert check_out_path("runs/x") == Path("runs/x")
    for bad in ("", "  "):
        with pytest.raises(UserError, match="give a folder name"):
            check_out_path(bad)


def test_write_file_atomic_keeps_the_old_file_on_error(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("old")

    def failing(p: Path) -> None:
        p.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_file_atomic(path, failing)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["d.csv"]
    write_file_atomic(path, lambda p: p.write_text("new"))
    assert path.read_text() == "new"


def test_manifest_lists_every_file_with_its_hash(tmp_path: Path) -> None:
    result = simulate(load_scenario("mean-field", {"run.years": 0.5}))
    out = tmp_path / "run"
    written = write_outputs(result, out, figures=False)
    assert sorted(p.name for p in written) == sorted(p.name for p in out.iterdir())
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["files"]) == sorted(
        ["model.csv", "agents.csv", "model.parquet", "agents.parquet"]
    )
    assert manifest["files"]["model.csv"]["bytes"] == (out / "model.csv").stat().st_size
    assert check_run_folder(out) == [] and is_run_folder(out)
    (out / "agents.csv").write_text("step\n")
    assert check_run_folder(out) == [
        f"agents.csv: 5 bytes, manifest says {manifest['files']['agents.csv']['bytes']}"
    ]
    (out / "agents.csv").unlink()
    assert check_run_folder(out) == ["agents.csv: missing"]
    assert "no manifest.json" in check_run_folder(tmp_path)[0]


@pytest.mark.slow
def test_no_figures_into_an_older_run_leaves_no_old_figures(tmp_path: Path) -> None:
    result = simulate(load_scenario("mean-field", {"run.years": 0.5}))
    out = tmp_path / "run"
    write_outputs(result, out, figures=True)
    assert list(out.glob("*.png"))
    write_outputs(result, out, figures=False)
    assert not list(out.glob("*.png")) and check_run_folder(out) == []


# --------------------------------------------------------------------------------------------
# real processes: two writers at once, and kills at random moments
# --------------------------------------------------------------------------------------------


def _effrace(*args: str) -> list[str]:
    return [sys.executable, "-m", "experiments.cli", *args]


@pytest.mark.slow
def test_two_concurrent_runs_into_one_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    procs = [
        subprocess.Popen(
            _effrace("run", "baseline", "--years", "3", "--seed", str(seed), "--out", str(out)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    results = []
    for p in procs:
        _, err = p.communicate(timeout=300)
        results.append((p.returncode, err))
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    winner = next(i for i, (code, _) in enumerate(results) if code == 0)
    loser_err = results[1 - winner][1].strip().splitlines()
    assert len(loser_err) == 1 and "another effrace process is writing" in loser_err[0]
    assert check_run_folder(out) == []
    assert json.loads((out / "manifest.json").read_text())["seed"] == (1, 2)[winner]
    assert _no_leftovers(tmp_path)


@pytest.mark.slow
def test_a_kill_at_any_moment_never_leaves_a_mixed_or_partial_run(tmp_path: Path) -> None:
    """SIGKILL ``effrace run`` over an older run at random moments: the folder is always one
    complete run (the old one or the new one), and the next run cleans up after the kill."""
    out = tmp_path / "out"
    # the older run: the same command as the runs killed below, timed whole
    command = _effrace("run", "baseline", "--years", "2", "--out", str(out))
    started = time.monotonic()
    first = subprocess.run([*command, "--seed", "9"], capture_output=True)
    whole_run_s = time.monotonic() - started
    assert first.returncode == 0 and check_run_folder(out) == []
    rng = random.Random(12)
    killed = killed_writing = 0
    for attempt in range(4):
        proc = subprocess.Popen(
            [*command, "--seed", str(attempt)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # a moment from a quarter of the way in to about its end: start-up, the steps, and
        # the writing of tables, figures and manifest (this seed: 36% to 75% of the way)
        time.sleep(rng.uniform(0.25, 1.0) * whole_run_s)
        # the new run's files half written (its staging folder is made empty at the start)
        writing = any(any(tmp.iterdir()) for tmp in tmp_path.glob(".out.tmp-*"))
        proc.send_signal(signal.SIGKILL)
        if proc.wait() == -signal.SIGKILL:
            killed += 1
            killed_writing += writing
        assert check_run_folder(out) == [], attempt
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["seed"] in (9, *range(attempt + 1))  # the older run or a finished one
    assert killed >= 1, "every run ended before its kill: nothing was tested"
    assert killed_writing >= 1, "no kill landed while a run wrote its folder"
    final = subprocess.run(
        _effrace("run", "baseline", "--years", "1", "--no-figures", "--out", str(out)),
        capture_output=True,
    )
    assert final.returncode == 0
    assert check_run_folder(out) == [] and not list(out.glob("*.png"))
    assert _no_leftovers(tmp_path)


@pytest.mark.slow
def test_a_killed_sweep_leaves_no_worker_behind(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(
        'scenario = "baseline"\nreplications = 40\nseed = 1\n[set]\nrun.years = 2\n', "utf-8"
    )
    proc = subprocess.Popen(
        _effrace("sweep", str(sweep), "--workers", "2", "--quiet", "--out", str(tmp_path / "o")),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: list[int] = []
    deadline = time.monotonic() + 90
    while len(children) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        children = _children(proc.pid)
    assert len(children) >= 2, "the workers did not start"
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)  # the main process only, as `kill -9 PID` does
    proc.wait()
    t0 = time.monotonic()
    while any(_alive(pid) for pid in children) and time.monotonic() - t0 < 10:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children), "orphaned workers"
    assert time.monotonic() - t0 < 5


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        out += [int(c) for c in task.read_text().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_a_killed_worker_ends_the_sweep_in_one_line_and_resume_finishes(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(
        'scenario = "baseline"\nreplications = 60\nseed = 1\n[set]\nrun.years = 1\n', "utf-8"
    )
    out = tmp_path / "o"
    command = _effrace("sweep", str(sweep), "--quiet", "--out", str(out))
    proc = subprocess.Popen(
        [*command, "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while not list((out / "runs").glob("part-*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [pid for pid in _children(proc.pid) if "spawn_main" in _cmdline(pid)]
        assert workers, "no worker to kill"
        os.kill(workers[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    lines = err.strip().splitlines()
    assert proc.returncode == 1, err
    assert len(lines) == 1 and "failed mid-sweep" in lines[0] and "--resume" in lines[0], err
    resumed = subprocess.run(
        [*command, "--resume", "--workers", "1"], capture_output=True, text=True, timeout=600
    )
    assert resumed.returncode == 0, resumed.stderr
    from experiments.store import Store

    assert Store(out).runs()["run_id"].tolist() == list(range(60))


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_exchange_swaps_two_folders_in_one_call(tmp_path: Path) -> None:
    from sim.atomic import _exchange

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x.txt").write_text("from a")
    (b / "y.txt").write_text("from b")
    assert _exchange(a, b)
    assert [p.name for p in a.iterdir()] == ["y.txt"] and (b / "x.txt").read_text() == "from a"


def test_a_lock_file_deleted_before_it_was_locked_locks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    from sim.atomic import replace_folder
    from sim.errors import UserError

    flock = fcntl.flock

    def deleted_first(handle: object, operation: int) -> None:
        (tmp_path / ".out.lock").unlink()  # its maker dropped it between our open and flock
        flock(handle, operation)  # type: ignore[arg-type]

    monkeypatch.setattr(fcntl, "flock", deleted_first)
    with (
        pytest.raises(UserError, match="another effrace process is writing"),
        replace_folder(tmp_path / "out", owned=lambda _folder: True),
    ):
        pass
    assert not (tmp_path / "out").exists()
