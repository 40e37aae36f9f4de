"""Every bad input of issue 12 ends in one line on stderr: exit code 2 for a user's mistake, 1 for
a failure of the environment (a cluster that is not there or not Dask, workers lost mid-sweep),
and never a traceback; and the resource estimates that stop a typo from running for hours."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import os
import shutil
import socket
import textwrap
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from experiments import budget
from experiments.backends import SerialBackend, execute, open_store
from experiments.cli import main
from experiments.run_cli import check_years
from experiments.store import Store
from experiments.sweep import load_sweep, make_design
from sim.errors import EnvironmentFailure, UserError
from sim.scenario import load_scenario, resolve_path, shipped_names

SWEEP = """
scenario = "baseline"
replications = 2
seed = 3
[set]
run.years = 1
[factors]
firms.chip_share = [0.5, 0.7]
"""


def effrace(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``effrace ARGV`` in this process: (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def refused(
    argv: Sequence[str], capsys: pytest.CaptureFixture[str], *words: str, code: int = 2
) -> str:
    """Assert ``effrace ARGV`` fails with ``code`` and one stderr line holding every word."""
    got, _, err = effrace(argv, capsys)
    assert got == code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("effrace: error: "), err
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test in its own folder: a default --out never lands in the repository."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def sweep_file(tmp_path: Path) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(textwrap.dedent(SWEEP), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# files: UTF-8, with or without a byte-order mark
# --------------------------------------------------------------------------------------------


def test_a_scenario_file_that_is_not_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "café"\nbase = "baseline"\n'.encode("latin-1"))
    refused(["run", str(path)], capsys, "not UTF-8", "0xe9", "line 1", str(path))


def test_a_scenario_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbfname = "bom"\nbase = "baseline"\n[run]\nyears = 3\n')
    scenario = load_scenario(path)
    assert (scenario.name, scenario.run.years) == ("bom", 3.0)


def test_a_sweep_file_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sweep.toml"
    path.write_bytes(b'scenario = "baseline"\n# caf\xe9\n')
    refused(["sweep", str(path), "--out", str(tmp_path / "o")], capsys, "not UTF-8", "line 2")


def test_a_sweep_file_with_a_byte_order_mark_loads(sweep_file: Path) -> None:
    sweep_file.write_bytes(b"\xef\xbb\xbf" + sweep_file.read_bytes())
    spec = load_sweep(sweep_file)
    assert spec.replications == 2 and spec.fixed == {"run.years": 1}


# --------------------------------------------------------------------------------------------
# --out: a file, an empty name, a place that cannot be created, someone else's folder
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "sweep", "compare"])
def test_out_that_is_a_file_empty_or_impossible(
    command: str, tmp_path: Path, sweep_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = {
        "run": ["run", "baseline"],
        "sweep": ["sweep", str(sweep_file)],
        "compare": ["compare", "baseline", "hare"],
    }[command]
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    refused([*head, "--out", str(a_file)], capsys, "is a file, not a folder")
    refused([*head, "--out", ""], capsys, "--out ''")
    refused([*head, "--out", "/proc/no/such/folder"], capsys, "/proc/no/such/folder")
    refused([*head, "--out", str(a_file / "below")], capsys, "below")
    assert a_file.read_text() == "x"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_out_that_is_not_writable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    refused(["run", "baseline", "--out", str(locked / "x")], capsys, "cannot write")


def test_run_refuses_a_folder_of_other_files_unless_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    argv = ["run", "baseline", "--years", "0.25", "--no-figures", "--out", str(out)]
    refused(argv, capsys, "holds other files", "--overwrite")
    assert (out / "thesis.tex").read_text() == "precious"
    code, _, err = effrace([*argv, "--overwrite"], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["model.csv", "agents.csv", "model.parquet", "agents.parquet", "manifest.json"]
    )


# --------------------------------------------------------------------------------------------
# values: seeds, years, sizes
# --------------------------------------------------------------------------------------------


def test_negative_seeds(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    refused(["run", "baseline", "--seed", "-1"], capsys, "--seed -1", ">= 0")
    refused(["compare", "baseline", "hare", "--seed", "-1"], capsys, "--seed -1", ">= 0")
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("years", "words"),
    [
        ("1e-9", ["shorter than one step", "0.08333"]),
        ("0", ["positive"]),
        ("nan", ["positive"]),
        ("inf", ["positive"]),
        ("1.04", ["12.48 steps", "1 (12 steps)", "1.08333 (13 steps)"]),
        ("400", ["400 years", "--force"]),
    ],
)
def test_years_that_do_not_run(
    years: str, words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    refused(["run", "baseline", "--years", years], capsys, *words)


def test_check_years_accepts_whole_steps_only() -> None:
    for years, per_year in [(1.0, 12), (1.5, 12), (0.25, 4), (20.0, 12), (1 / 3, 12), (0.1, 3650)]:
        check_years(years, per_year)  # a whole number of steps: accepted
    for years, per_year in [(1.04, 12), (0.01, 12), (1.0 / 24, 12), (2.5, 1)]:
        with pytest.raises(UserError):
            check_years(years, per_year)


def test_a_horizon_under_two_steps_gets_one_suggestion() -> None:
    """--years 0.05 (0.6 monthly steps) was told 'use 0.0833333 (1 steps) or 0.0833333 (1
    steps)': the same choice twice, in the plural."""
    with pytest.raises(UserError) as caught:
        check_years(0.05, 12)
    assert str(caught.value).endswith("not a whole number; use 0.0833333 (1 step)")
    with pytest.raises(UserError) as caught:
        check_years(1.04, 12)
    assert str(caught.value).endswith("use 1 (12 steps) or 1.08333 (13 steps)")


def test_compare_years_and_replications_bounds(capsys: pytest.CaptureFixture[str]) -> None:
    refused(["compare", "baseline", "hare", "--years", "nan"], capsys, "positive")
    refused(
        ["compare", "baseline", "hare", "--replications", "1000000000"],
        capsys,
        "2,000,000,000 runs",
        "1,000,000",
    )


def test_compare_refuses_a_seed_set_as_a_parameter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the replications' seeds come from --seed: a --set run.seed was silently ignored, and the
    # comparison repeated the default seeds' results
    head = ["compare", "mean-field", "turtle", "--years", "0.25", "--replications", "2"]
    out = tmp_path / "cmp"
    refused([*head, "--set", "run.seed=3", "--out", str(out)], capsys, "--set run.seed", "--seed")
    assert not out.exists()
    with pytest.raises(UserError, match="use --seed"):
        from experiments.compare import compare_spec

        compare_spec("mean-field", ["turtle"], overrides={"run.seed": 3})


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--metric", "loss_at_yr:2030"], ["--metric: unknown metric", "'loss_at_year'"]),
        (["--metric", "final:best_los"], ["--metric: 'final:best_los'", "'best_loss'"]),
        (["--metric", "hhi", "--metric", "hhi:chips"], ["--metric: 'hhi_chips' is listed twice"]),
        (["--series", "best_los"], ["--series: unknown model column", "'best_loss'"]),
    ],
)
def test_compare_metric_and_series_errors_name_the_option(
    option: list[str], words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # they said 'compare.metrics:' and 'compare.series:', names the user never typed
    line = refused(["compare", "mean-field", "turtle", *option], capsys, *words)
    assert "compare." not in line


def test_a_mistake_in_a_swept_or_compared_scenario_file_names_that_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # it was reported as the sweep file's '[set]' ('sweep.toml: set: law: unknown key') or as
    # 'compare: set:', where the key is not, and the file that holds it went unnamed
    (tmp_path / "mine.toml").write_text('base = "baseline"\n[law]\nkapa = 0.2\n')
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('scenario = "mine.toml"\n[set]\nrun.years = 1\n[factors]\nlaw.kappa = [0.1]\n')
    words = ["mine.toml: law: unknown key 'kapa'", "(did you mean 'kappa'?)"]
    line = refused(["sweep", str(sweep), "--out", str(tmp_path / "o")], capsys, *words)
    assert line.startswith(f"effrace: error: {sweep}: scenario: ") and " set:" not in line
    line = refused(["compare", "baseline", str(tmp_path / "mine.toml")], capsys, *words)
    assert line.startswith("effrace: error: compare: scenario: ") and " set:" not in line
    # a value the sweep sets stays the sweep's mistake
    sweep.write_text('scenario = "baseline"\n[set]\nrun.years = -2\n')
    refused(["sweep", str(sweep), "--out", str(tmp_path / "o")], capsys, "sweep.toml: set: run:")
    assert not (tmp_path / "o").exists()


def test_a_value_close_to_one_of_the_choices_gets_it_suggested(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # law.preset = 'hofman' listed the choices but did not point at the one meant
    refused(["run", "baseline", "--set", "law.preset=hofman"], capsys, "(did you mean 'hoffmann'?)")
    sweep = tmp_path / "presets.toml"
    sweep.write_text('scenario = "baseline"\n[factors]\nlaw.preset = ["besiroglu", "kaplna"]\n')
    line = refused(
        ["sweep", str(sweep), "--out", str(tmp_path / "o")], capsys, "factors.law.preset"
    )
    assert line.endswith("is not one of hoffmann, besiroglu, kaplan (did you mean 'kaplan'?)")
    line = refused(["run", "baseline", "--set", "law.preset=zzz"], capsys, "is not one of")
    assert "did you mean" not in line  # nothing close: the list alone


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_a_cluster_close_to_local_gets_local_suggested(
    command: str, sweep_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = {"sweep": ["sweep", str(sweep_file)], "compare": ["compare", "mean-field", "turtle"]}
    argv = [*head[command], "--quiet", "--out", str(tmp_path / "out"), "--cluster"]
    line = refused([*argv, "locl"], capsys, "--cluster locl:", "(did you mean 'local'?)")
    assert "tcp://locl" not in line  # the option as typed, not as parsed
    line = refused([*argv, "localhost"], capsys, "--cluster localhost:", "tcp://host:8786")
    assert "did you mean" not in line  # a host without its port: no 'local' offered
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--set", "firms.count=1000000"], ["9,000,006 agents", "memory"]),
        (["--years", "500", "--set", "run.steps_per_year=3650"], ["500 years", "--force"]),
        (["--years", "500", "--set", "run.steps_per_year=3650", "--force"], ["1,825,000 steps"]),
        (["--years", "100", "--set", "run.steps_per_year=3650"], ["365,000 steps", "--force"]),
        (["--years", "150", "--set", "firms.count=20000"], ["180,006 agents", "memory"]),
    ],
)
def test_runs_too_big_for_the_machine(
    argv: list[str],
    words: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(budget, "memory_bytes", lambda: 16e9)
    refused(["run", "baseline", *argv], capsys, *words)


def test_run_estimate_is_agents_times_steps() -> None:
    scenario = load_scenario("baseline", {"run.years": 10})
    estimate = budget.estimate_run(scenario)
    # eight labs and a pool of two potential entrants (counted: they may enter)
    assert (estimate.agents, estimate.steps) == (8 + 2 + 3 + 3, 120)
    assert estimate.seconds == pytest.approx(budget.SECONDS_PER_AGENT_STEP * 16 * 120)
    assert estimate.bytes == pytest.approx(
        budget.BASE_BYTES + 2000.0 * 16 + 400.0 * 120 + budget.BYTES_PER_AGENT_STEP * 16 * 120
    )
    # the shipped scenarios all run well inside the limits
    for name in shipped_names():
        assert budget.estimate_run(load_scenario(name)).seconds < budget.MAX_RUN_SECONDS / 10


def test_sweep_estimate_and_force() -> None:
    scenario = load_scenario("baseline")
    per_run = budget.estimate_run(scenario, agents_table=False).seconds
    n = math.ceil(budget.MAX_SWEEP_SECONDS / per_run) * 2  # twice the limit on one worker
    with pytest.raises(UserError, match="--force"):
        budget.check_sweep([scenario], n, 1, force=False)
    assert budget.check_sweep([scenario], n, 1, force=True) == pytest.approx(per_run * n)
    assert budget.check_sweep([scenario], n, 4, force=False) == pytest.approx(per_run * n / 4)
    with pytest.raises(UserError, match="at most 1,000,000"):
        budget.check_sweep([scenario], budget.MAX_SWEEP_RUNS + 1, 64, force=True)


def test_sweep_runs_that_do_not_fit_in_memory_together_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each local worker holds a run: a sweep whose runs fit one at a time but not four at
    once is refused on four processes, with or without --force; a remote cluster's workers
    hold theirs elsewhere (processes=0)."""
    scenario = load_scenario("baseline")
    run_bytes = budget.estimate_run(scenario, agents_table=False).bytes
    monkeypatch.setattr(budget, "memory_bytes", lambda: 2.5 * run_bytes)
    budget.check_sweep([scenario], 10, 2, force=False, processes=2)
    with pytest.raises(UserError, match="4 at once need more than") as caught:
        budget.check_sweep([scenario], 10, 4, force=True, processes=4)
    assert "fewer --workers" in str(caught.value)
    budget.check_sweep([scenario], 10, 4, force=False, processes=0)


def test_a_local_sweep_counts_every_process_in_memory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Through the command: runs of 100,000 firms fit in this machine's memory two at a time
    (stand-in: 2.5 runs' worth), so three workers are refused, though three bare interpreters
    would fit (:func:`experiments.budget.check_workers`)."""
    path = tmp_path / "big.toml"
    path.write_text(SWEEP.replace("run.years = 1", "run.years = 1\nfirms.count = 100000"))
    scenario = load_scenario("baseline", {"run.years": 1, "firms.count": 100000})
    run_bytes = budget.estimate_run(scenario, agents_table=False).bytes
    monkeypatch.setattr(budget, "memory_bytes", lambda: 2.5 * run_bytes)
    monkeypatch.setattr("experiments.backends.available_cores", lambda: 8)
    refused(
        ["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "3"],
        capsys,
        "3 at once need more than",
    )
    assert not (tmp_path / "out").exists()


def test_an_overflow_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import sim.run

    def overflowing(scenario: object, on_step: object = None) -> None:
        raise OverflowError("(34, 'Numerical result out of range')")

    monkeypatch.setattr(sim.run, "simulate", overflowing)
    out = tmp_path / "o"
    refused(["run", "baseline", "--out", str(out)], capsys, "overflowed", "--years")
    assert not out.exists() and not list(tmp_path.glob(".o.tmp-*"))


# --------------------------------------------------------------------------------------------
# the model function, clusters, lost workers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["nosuch:fn", "sim.run:nosuch", "sim.run", "sim.run:SECTORS"])
def test_a_bad_model_with_process_workers(
    model: str, sweep_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["sweep", str(sweep_file), "--workers", "2", "--model", model, "--out", str(out)]
    refused(argv, capsys, model)
    refused(["compare", "baseline", "hare", "--workers", "2", "--model", model], capsys, model)
    assert not out.exists()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and says nothing (like an HTTP server)."""
    server = socket.create_server(("127.0.0.1", 0))
    conns: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conns.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in conns:
        conn.close()
    server.close()


@pytest.mark.slow
def test_clusters_that_are_not_dask_schedulers(
    silent_server: int,
    sweep_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import experiments.backends

    monkeypatch.setattr(experiments.backends, "PROBE_SECONDS", 0.5)
    head = ["sweep", str(sweep_file), "--out", str(tmp_path / "out"), "--cluster"]
    refused([*head, f"tcp://127.0.0.1:{silent_server}"], capsys, "not a Dask scheduler", code=1)
    refused([*head, f"127.0.0.1:{silent_server}"], capsys, "not a Dask scheduler", code=1)
    refused([*head, "tls://127.0.0.1:9"], capsys, "cannot connect", code=1)
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    refused([*head, f"tcp://127.0.0.1:{port}"], capsys, "cannot connect", code=1)
    refused([*head, "tcp://"], capsys, "give an address")


class _DyingBackend(SerialBackend):
    """Runs the first chunk, then fails as a cluster does when its workers are killed."""

    name = "dask"

    def map_unordered(self, chunks):  # type: ignore[no-untyped-def]
        source = iter(chunks)
        yield self.runner.run_chunk(next(source))
        raise RuntimeError("FutureCancelledError: lost all workers")


def test_workers_lost_mid_sweep_keep_what_is_stored(tmp_path: Path, sweep_file: Path) -> None:
    spec = dataclasses.replace(load_sweep(sweep_file), simulate="_fake_model:simulate")
    out = tmp_path / "out"
    with pytest.raises(EnvironmentFailure, match="--resume") as info:
        execute(spec, out, backend=_DyingBackend(), quiet=True, flush_runs=1)
    assert info.value.exit_code == 1
    done = int(Store(out).done_mask().sum())
    assert 0 < done < 4 and f"{done} of 4 runs are stored" in str(info.value)
    report = execute(spec, out, resume=True, quiet=True)
    assert (report.done_before, report.ran) == (done, 4 - done)


COMPARE = ["compare", "mean-field", "turtle", "--years", "0.25", "--workers", "1", "--quiet"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of a finished comparison with 2 replications, made once for this module's
    tests; each test works on its own copy (:func:`compared_copy`)."""
    out = tmp_path_factory.mktemp("compared") / "cmp"
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main([*COMPARE, "--replications", "2", "--out", str(out)])
    assert code == 0, err.getvalue()
    assert (out / "differences.csv").is_file()
    return out


@pytest.fixture
def compared_copy(compared: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(compared, tmp_path / "cmp"))


def test_compare_message_names_compare_arguments(
    compared_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = compared_copy
    refused([*COMPARE, "--replications", "3", "--out", str(out)], capsys, "--replications")


def test_compare_and_sweep_refuse_horizons_past_the_bound(
    sweep_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refused(["compare", "mean-field", "turtle", "--years", "400"], capsys, "400 years", "--force")
    sweep_file.write_text(sweep_file.read_text().replace("run.years = 1", "run.years = 250"))
    refused(["sweep", str(sweep_file), "--workers", "1"], capsys, "250 years", "--force")


def test_a_store_without_runs_can_be_reused_for_another_comparison(
    compared_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, base = compared_copy, COMPARE
    assert len(Store(out).runs()) == 4 and Store(out).manifest["replications"] == 2
    for part in (out / "runs").glob("part-*"):  # as if interrupted before its first run
        part.unlink()
    code, _, err = effrace([*base, "--replications", "3", "--out", str(out)], capsys)
    assert code == 0, err
    assert len(Store(out).runs()) == 6 and Store(out).manifest["replications"] == 3


def test_simulate_reports_each_step() -> None:
    from sim.run import simulate

    steps: list[int] = []
    result = simulate(load_scenario("mean-field", {"run.years": 0.5}), on_step=steps.append)
    assert steps == [1, 2, 3, 4, 5, 6] and len(result.model) == 6


@pytest.mark.parametrize(("name", "folder"), [("../../escape", "escape"), ("", "unnamed")])
def test_the_default_folder_stays_under_runs(
    name: str, folder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "odd.toml"
    path.write_text(f'name = "{name}"\nbase = "mean-field"\n', encoding="utf-8")
    code, _, err = effrace(["run", str(path), "--years", "0.25", "--no-figures"], capsys)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "runs").iterdir() if not p.name.startswith(".")) == [
        folder
    ]


# --------------------------------------------------------------------------------------------
# a refused command leaves the disk as it was
# --------------------------------------------------------------------------------------------


def _tree(root: Path) -> list[str]:
    """Every file and folder below ``root`` (hidden ones too), relative to it."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture
def morris_file(tmp_path: Path) -> Path:
    path = tmp_path / "morris.toml"
    path.write_text(
        textwrap.dedent(SWEEP)
        .replace("replications = 2", 'design = "morris"\nlevels = 4\nsamples = 2')
        .replace("[0.5, 0.7]", "{ min = 0.5, max = 0.7 }"),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("command", ["sweep", "sensitivity", "compare"])
@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--workers", "0"], ["--workers 0", "at least 1"]),
        (["--workers", "-1", "--out", "out/w1"], ["--workers -1"]),
        (["--cluster", "notanaddress", "--out", "out/sw12"], ["--cluster", "give an address"]),
        (["--cluster", "tcp://host:port", "--out", "deep/er/x"], ["--cluster", "give an address"]),
        (["--out", "a_file/below"], ["a_file/below"]),
    ],
)
def test_refused_options_create_nothing(
    command: str,
    options: list[str],
    words: list[str],
    sweep_file: Path,
    morris_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    head = {
        "sweep": ["sweep", str(sweep_file)],
        "sensitivity": ["sensitivity", str(morris_file)],
        "compare": ["compare", "mean-field", "turtle", "--years", "0.25"],
    }[command]
    (tmp_path / "a_file").write_text("x")
    before = _tree(tmp_path)
    refused([*head, *options, "--quiet"], capsys, *words)
    assert _tree(tmp_path) == before


def test_a_refused_run_leaves_the_disk_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No lock file beside --out, and no folder made for it, after a run is refused."""
    import sim.run

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    before = _tree(tmp_path)
    refused(["run", "mean-field", "--out", "mine"], capsys, "holds other files")
    assert _tree(tmp_path) == before

    def overflowing(scenario: object, on_step: object = None) -> None:
        raise OverflowError("(34, 'Numerical result out of range')")

    monkeypatch.setattr(sim.run, "simulate", overflowing)
    refused(["run", "mean-field", "--out", "new/deeper/o"], capsys, "overflowed")
    refused(["run", "mean-field"], capsys, "overflowed")  # the default folder, runs/
    assert _tree(tmp_path) == before


def test_a_sweep_refused_after_its_store_was_made_leaves_nothing(
    sweep_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cluster that cannot be reached is found only when the sweep starts (after the store
    is made): the store, and the folders made for it, go again; a folder that was there stays."""
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    (tmp_path / "empty").mkdir()
    before = _tree(tmp_path)
    for out in ["new/deeper/out", "empty"]:
        argv = ["sweep", str(sweep_file), "--cluster", f"tcp://127.0.0.1:{port}", "--out", out]
        refused(argv, capsys, "cannot connect", code=1)
        assert _tree(tmp_path) == before


def test_a_sweep_over_budget_creates_nothing(
    sweep_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep_file.write_text(sweep_file.read_text().replace("run.years = 1", "run.years = 250"))
    before = _tree(tmp_path)
    refused(["sweep", str(sweep_file), "--workers", "1"], capsys, "250 years", "--force")
    assert _tree(tmp_path) == before and not (tmp_path / "results").exists()


class _FailingAtStart(SerialBackend):
    def start(self, runner: object) -> None:
        raise EnvironmentFailure("the workers could not start")


def test_execute_removes_only_a_store_it_made(tmp_path: Path, sweep_file: Path) -> None:
    spec = dataclasses.replace(load_sweep(sweep_file), simulate="_fake_model:simulate")
    out = tmp_path / "a" / "b"
    with pytest.raises(EnvironmentFailure):
        execute(spec, out, backend=_FailingAtStart(), quiet=True)
    assert not (tmp_path / "a").exists()
    # a store that was there before (an interrupted sweep's) is kept for --resume
    execute(spec, out, quiet=True, flush_runs=1)
    (out / "runs" / "part-00000.parquet").unlink()
    with pytest.raises(EnvironmentFailure):
        execute(spec, out, backend=_FailingAtStart(), quiet=True, resume=True)
    assert Store(out).exists()
    # a folder that was there (empty) stays, empty
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(EnvironmentFailure):
        execute(spec, empty, backend=_FailingAtStart(), quiet=True)
    assert empty.is_dir() and _tree(empty) == []


def _someone_elses_folder(root: Path) -> list[str]:
    """A folder of another program's files, among them a ``manifest.json``; its tree."""
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / ".env").write_text("TOKEN=1\n")
    (root / "figures").mkdir()
    (root / "figures" / "logo.svg").write_text("<svg/>")
    (root / "manifest.json").write_text('{"name": "my web app"}')
    return _tree(root)


@pytest.mark.parametrize("backend", [None, _FailingAtStart()])
def test_a_sweep_never_deletes_a_folder_with_someone_elses_manifest(
    tmp_path: Path, sweep_file: Path, backend: SerialBackend | None
) -> None:
    spec = dataclasses.replace(load_sweep(sweep_file), simulate="_fake_model:simulate")
    app = tmp_path / "webapp"
    before = _someone_elses_folder(app)
    with pytest.raises(UserError, match="not an efficiency-race results store"):
        execute(spec, app, backend=backend, quiet=True)
    assert _tree(app) == before


def test_a_sweep_never_deletes_a_store_holding_other_files(
    tmp_path: Path, sweep_file: Path
) -> None:
    # an empty store of another sweep (a start stopped before its first run), with a note of
    # the user's in it: neither is dropped to make room for this sweep
    spec = dataclasses.replace(load_sweep(sweep_file), simulate="_fake_model:simulate")
    other = dataclasses.replace(spec, replications=3)
    out = tmp_path / "st"
    open_store(other, make_design(other), out)
    (out / ".notes").write_text("mine")
    before = _tree(out)
    with pytest.raises(UserError, match="holds results of another sweep"):
        execute(spec, out, backend=_FailingAtStart(), quiet=True)
    assert _tree(out) == before


def test_an_empty_store_is_dropped_only_if_still_empty_under_its_lock(
    tmp_path: Path, sweep_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from experiments import backends

    spec = dataclasses.replace(load_sweep(sweep_file), simulate="_fake_model:simulate")
    out = tmp_path / "st"
    store = open_store(spec, make_design(spec), out)  # an empty store (a start stopped early)
    locked = Store.locked

    @contextlib.contextmanager
    def another_writer_first(self: Store) -> Iterator[None]:
        (self.root / "runs" / "part-00000.parquet").write_bytes(b"a run stored meanwhile")
        with locked(self):
            yield

    monkeypatch.setattr(Store, "locked", another_writer_first)
    backends._drop_if_empty(store)
    assert (out / "runs" / "part-00000.parquet").exists() and store.exists()


def test_a_lock_file_deleted_before_it_was_locked_locks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    store = Store(tmp_path)
    flock = fcntl.flock

    def deleted_first(handle: object, operation: int) -> None:
        (tmp_path / ".lock").unlink()  # the holder dropped the store between our open and flock
        flock(handle, operation)  # type: ignore[arg-type]

    monkeypatch.setattr(fcntl, "flock", deleted_first)
    with pytest.raises(UserError, match="another process is writing"), store.locked():
        pass


# --------------------------------------------------------------------------------------------
# help texts and suggestions
# --------------------------------------------------------------------------------------------


def test_help_texts_show_percent_signs_once(capsys: pytest.CaptureFixture[str]) -> None:
    from experiments.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, parser in sub.choices.items():  # type: ignore[attr-defined]
        assert "%%" not in parser.format_help(), name
    code, out, _ = effrace(["compare", "--help"], capsys)
    assert code == 0 and "95% confidence" in " ".join(out.split())


def test_force_help_names_every_limit_it_lifts() -> None:
    # --force lifts the time estimate and the horizon bound (budget.check_run, check_sweep)
    from experiments.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for command in ("run", "sweep", "compare", "sensitivity"):
        parser = sub.choices[command]  # type: ignore[index]
        force = next(a.help for a in parser._actions if "--force" in a.option_strings)
        assert f"longer than {budget.MAX_YEARS:g} years" in force, (command, force)
        limit = "minutes" if command == "run" else "hours"
        assert limit in force and "estimated" in force, (command, force)


def test_compare_help_gives_its_own_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    from experiments.compare import compare_spec
    from experiments.outputs import DEFAULT_SERIES

    _, out, _ = effrace(["compare", "--help"], capsys)
    text = " ".join(out.split())
    spec = compare_spec("baseline", ["energy-cap"], replications=2)
    assert spec.name == "compare-baseline-energy-cap"  # what results/compare-BASE-POLICY... says
    assert "(default results/compare-BASE-POLICY...)" in text
    assert spec.outputs.series == DEFAULT_SERIES
    assert ", ".join(DEFAULT_SERIES) in text
    assert "(default 20, at least 2)" in text
    refused(["compare", "baseline", "energy-cap", "--replications", "1"], capsys, "at least 2")


def test_calibrate_help_names_every_fitted_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    from sim.calibrate import FITTED

    words = {  # how the help names each parameter sim.calibrate fits
        "firms.chips.multiplier": "fleets",
        "firms.cash_usd.multiplier": "cash",
        "firms.run_share": "share of training in the sold run",
        "market.potential_tasks_per_year": "market's size",
        "market.taste_noise_usd_per_task": "taste noise",
        "market.chip_choice_sensitivity": "chip choice",
        "suppliers.capacity_mw.multiplier": "power available",
        "market.investor_funding_usd_per_year": "investors' capital",
        "market.tokens_per_task_doublings_per_year": "growth of the tokens a task takes",
    }
    assert [f.key for f in FITTED] == list(words), "name the new fitted parameter in the help"
    _, out, _ = effrace(["calibrate", "--help"], capsys)
    text = " ".join(out.split())
    assert all(word in text for word in words.values()), text


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("years", "(did you mean 'run.years'?)"),
        ("yeras", "(did you mean 'run.years'?)"),
        (
            "cash_usd",
            "(did you mean 'firms.cash_usd', 'vendors.cash_usd' or 'suppliers.cash_usd'?)",
        ),
        ("runs.years", "'run.years'"),
    ],
)
def test_a_key_without_its_section_suggests_the_dotted_keys(
    key: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = refused(["run", "baseline", "--set", f"{key}=5"], capsys, "not a parameter", hint)
    assert "vendors'?" not in line or "cash_usd" in line


def test_a_sweep_file_given_to_run_and_a_scenario_file_to_sweep(
    sweep_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.scenario import resolve_path

    refused(["run", str(sweep_file)], capsys, "is a sweep file", f"effrace sweep {sweep_file}")
    refused(["compare", "baseline", str(sweep_file)], capsys, "is a sweep file")
    scenario = resolve_path("carbon-tax")
    for command in ("sweep", "sensitivity"):
        refused([command, str(scenario)], capsys, "is a scenario file", f"effrace run {scenario}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.toml"]


def test_an_unknown_series_gets_the_closest_names_or_the_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from experiments.outputs import model_columns

    head = ["compare", "mean-field", "turtle", "--series"]
    refused([*head, "best_los"], capsys, "(did you mean 'best_loss'")
    line = refused([*head, "bogus"], capsys, "unknown model column 'bogus'")
    assert all(c in line for c in model_columns())


def test_suggest_names_up_to_n() -> None:
    from sim.errors import suggest

    assert suggest("yeras", ["years", "ears"]) == " (did you mean 'years'?)"
    assert suggest("x", ["a.x", "b.x"], cutoff=0, n=2) == " (did you mean 'a.x' or 'b.x'?)"
    assert suggest("c", ["c1", "c2", "c3"], n=3) == " (did you mean 'c1', 'c2' or 'c3'?)"
    assert suggest("zzz", ["years"]) == ""


def test_of_two_stores_started_at_once_in_one_folder_one_wins(
    tmp_path: Path, sweep_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from experiments import store as store_module

    spec = dataclasses.replace(load_sweep(sweep_file), simulate="_fake_model:simulate")
    out = tmp_path / "st"
    link = os.link

    def the_other_first(source: str, target: str) -> None:
        Path(target).write_text('{"format": "the other start"}')  # it got there first
        link(source, target)

    monkeypatch.setattr(store_module.os, "link", the_other_first)
    with pytest.raises(UserError, match="another process started a store here"):
        open_store(spec, make_design(spec), out)
    assert (out / "manifest.json").read_text() == '{"format": "the other start"}'
    assert not list(out.glob(".manifest.json.tmp*"))  # ours is gone, theirs is intact


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("run = [1, 2]\n", "run.years=1", ["run must be a table of keys, got [1, 2]"]),
        ("run = 5\n", "run.years=1", ["run must be a table of keys, got 5"]),
        ("[[run]]\nyears = 1\n", "run.years=1", ["run must be a table of keys"]),
        ("firms = [1, 2]\n", "firms.chip_share=0.5", ["firms[0] must be a table of keys"]),
        ("firms = 5\n", "firms.0.chip_share=0.5", ["firms must be a non-empty list"]),
        ("policies = 5\n", "policies.carbon_tax.usd_per_t_co2=5", ["policies must be a table"]),
        (
            "[policies]\ncarbon_tax = 5\n",
            "policies.carbon_tax.usd_per_t_co2=5",
            ["policies.carbon_tax must be a table of keys, got 5"],
        ),
        (
            "[policies]\nrnd_subsidy = [1]\n",
            "policies.rnd_subsidy.rate=0.1",
            ["policies.rnd_subsidy[0] must be a table of keys, got 1"],
        ),
    ],
)
def test_an_override_into_a_table_of_the_wrong_shape_names_the_file(
    text: str, key: str, words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--set`` (or ``--years``) into ``run = 5`` or ``firms = [1, 2]`` was a TypeError
    traceback; now the file's own mistake is reported, naming it."""
    path = tmp_path / "shape.toml"
    path.write_text('base = "mean-field"\n' + text, encoding="utf-8")
    refused(["run", str(path), "--set", key, "--out", "o"], capsys, str(path), *words)
    assert not (tmp_path / "o").exists()


KAPPA_RANGE = "law.kappa = { min = 0.1, max = 0.2 }\n"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            f'design = "lhs"\nsamples = 1000000000000\n[factors]\n{KAPPA_RANGE}',
            ["1,000,000,000,000 runs: at most 1,000,000 in one results store"],
        ),
        (
            f'design = "sobol"\nsamples = 1099511627776\n[factors]\n{KAPPA_RANGE}',
            ["3,298,534,883,328 runs: at most 1,000,000"],
        ),
        (
            f'design = "morris"\nsamples = 1000000000000\n[factors]\n{KAPPA_RANGE}',
            ["2,000,000,000,000 runs: at most 1,000,000"],
        ),
        (
            "[factors]\nlaw.kappa = { min = 0.1, max = 0.2, levels = 1000 }\n"
            "firms.chip_share = { min = 0.1, max = 0.2, levels = 1000 }\n"
            "run.years = { min = 1, max = 2, levels = 1000 }\n",
            ["1,000,000,000 runs: at most 1,000,000"],
        ),
        (
            "replications = 3\n[factors]\nlaw.kappa = { min = 0.1, max = 0.2, levels = 400000 }\n",
            ["1,200,000 runs: at most 1,000,000"],
        ),
        (
            f'design = "morris"\nsamples = 2\nlevels = 1000000000000\n[factors]\n{KAPPA_RANGE}',
            ["levels = 1,000,000,000,000 must be at most 1,000,000"],
        ),
        (
            "[factors]\nlaw.kappa = { min = 0.1, max = 0.2, levels = 100000000 }\n",
            ["factors.law.kappa: levels = 100,000,000: at most 1,000,000 runs"],
        ),
        (
            'design = "lhs"\nsamples = 2\n[factors]\nsuppliers.capacity_mw = { min = 1, max = inf }\n',
            ["factors.suppliers.capacity_mw: min = 1 and max = inf must be finite numbers"],
        ),
        (
            'design = "lhs"\nsamples = 2\n[factors]\nlaw.kappa = { min = -inf, max = 0.2 }\n',
            ["min = -inf and max = 0.2 must be finite numbers"],
        ),
        (
            '[factors]\nlaw.kappa = [0.1]\n"law.kappa" = [0.2]\n',
            ["factors: 'law.kappa' is given twice (quoted and unquoted)"],
        ),
        (
            '[set]\nrun.years = 1\n"run.years" = 2\n',
            ["set: 'run.years' is given twice"],
        ),
    ],
)
def test_sweeps_too_big_or_ill_posed_are_refused_before_any_design_is_built(
    body: str, words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Such files were a traceback (numpy out of memory in SALib), filled the memory (a grid of
    1e9 points took 24 GB), hung (a Morris design of 1e12 trajectories), printed numpy warnings
    and blamed a nan the user never wrote (an infinite range), or quietly dropped one of two
    spellings of a key; now one line, before anything is built or written."""
    path = tmp_path / "big.toml"
    path.write_text('scenario = "mean-field"\n' + body, encoding="utf-8")
    refused(["sweep", str(path), "--workers", "1", "--out", "store"], capsys, str(path), *words)
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize(
    "body",
    [
        "",
        "replications = 3\n[factors]\nlaw.kappa = [0.1, 0.2]\nfirms.chip_share = [0.3, 0.4, 0.5]\n",
        'scenario = ["mean-field", "hare"]\n[factors]\nlaw.kappa = [0.1, 0.2]\n',
        'design = "list"\n[factors]\nlaw.kappa = [0.1, 0.2]\nfirms.chip_share = [0.3, 0.4]\n',
        f'design = "lhs"\nsamples = 5\n[factors]\n{KAPPA_RANGE}',
        f'design = "sobol"\nsamples = 4\n[factors]\n{KAPPA_RANGE}'
        "firms.chip_share = { min = 0.3, max = 0.4 }\n",
        f'design = "morris"\nsamples = 3\n[factors]\n{KAPPA_RANGE}'
        "firms.chip_share = { min = 0.3, max = 0.4 }\n",
    ],
)
def test_the_counted_points_are_the_design_s(body: str, tmp_path: Path) -> None:
    from experiments.sweep import point_count

    path = tmp_path / "sweep.toml"
    text = body if body.startswith("scenario") else 'scenario = "mean-field"\n' + body
    path.write_text(text, encoding="utf-8")
    spec = load_sweep(path)
    count = point_count(spec.design, spec.factors, spec.samples, len(spec.scenarios))
    assert count == len(make_design(spec).points)


def test_calibrate_refuses_a_scenario_with_a_fitted_parameter_at_zero(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """mean-field has no investors' funding: the fit's log scale started from log(0), printed
    numpy warnings and then blamed a nan in the scenario the user never wrote."""
    refused(
        ["calibrate", "--scenario", "mean-field", "--max-evaluations", "10"],
        capsys,
        "mean-field: market.investor_funding_usd_per_year = 0",
        "must be > 0 and finite",
        'base = "historical"',
    )


def test_a_terminated_sweep_keeps_every_run_it_computed(
    sweep_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM (a killed job, ``timeout``) killed the process outright: the runs computed since
    the last write (up to 50 runs or 5 s of them) were lost, and ``effrace run`` left its
    half-written ``.DIR.tmp-PID`` folder. Now it stops as Ctrl-C does, exit code 143."""
    import _fake_model

    _fake_model._calls[0] = 0
    argv = ["sweep", str(sweep_file), "--workers", "1", "--quiet", "--out", "store"]
    argv += ["--model", "_fake_model:simulate_terminated"]
    code, _, err = effrace(argv, capsys)
    assert code == 143 and err.strip().splitlines()[-1] == "effrace: terminated", err
    # the two runs finished before the signal are stored, the third is not
    assert Store(tmp_path / "store").done_mask().tolist() == [True, True, False, False]
    code, _, err = effrace([*argv, "--resume"], capsys)
    assert code == 0, err
    assert Store(tmp_path / "store").done_mask().all()


def test_a_terminated_run_leaves_no_half_written_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import signal

    import sim.run

    def killed(*_args: object, **_kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the run")

    monkeypatch.setattr(sim.run, "simulate", killed)
    before = signal.getsignal(signal.SIGTERM)
    code, _, err = effrace(["run", "mean-field", "--years", "1", "--out", "o"], capsys)
    assert code == 143 and "effrace: terminated" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before  # main() put the handler back


def test_compare_refuses_a_scenario_against_its_own_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A shipped name and the path of its file were two arms of a comparison that differ by
    nothing (exit 0, every difference 0); the same name twice did not say which."""
    path = str(resolve_path("turtle"))
    options = ["--replications", "2", "--out", "cmp"]
    argv = ["compare", "mean-field", "turtle", path, *options]
    refused(argv, capsys, "'turtle' and ", path, "are one file", "differs by nothing")
    argv = ["compare", "mean-field", "turtle", "turtle", *options]
    refused(argv, capsys, "compare: 'turtle' is named twice")
    assert not Path("cmp").exists()


def test_more_workers_than_the_memory_holds_are_refused(
    sweep_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--workers 100000`` started one process per run (each ~250 MB) and divided the time
    estimate by 100000, so it also slipped past the day-long limit that asks for --force."""
    from experiments.backends import ProcessBackend, available_cores, check_budget

    monkeypatch.setattr(budget, "memory_bytes", lambda: 1e9)  # four interpreters' worth
    cores = available_cores()
    for argv in (["sweep", str(sweep_file)], ["sweep", str(sweep_file), "--cluster", "local"]):
        refused(
            [*argv, "--workers", "8", "--out", "store"],
            capsys,
            "--workers 8: as many processes need about 2.0 GB of memory",
            "more than the 1.0 GB available; use at most 4",
            f"this machine has {cores} cores",
        )
    assert not Path("store").exists()
    # the time estimate counts at most one worker per core
    spec = dataclasses.replace(load_sweep(sweep_file), fixed={})  # baseline's 20 years
    per_run = budget.estimate_run(load_scenario("baseline"), agents_table=False).seconds
    n = math.ceil(budget.MAX_SWEEP_SECONDS / per_run) * 2 * cores  # twice a day on every core
    assert n <= budget.MAX_SWEEP_RUNS
    monkeypatch.setattr(budget, "memory_bytes", lambda: 1e15)  # memory is not the question here
    with pytest.raises(UserError, match=f"on {cores} worker"):
        check_budget(spec, n, ProcessBackend(10_000), force=False)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('base = "nosuch"\n', ["base.toml: base: unknown scenario 'nosuch'", "shipped scenarios"]),
        ('base = "baselin"\n', ["base.toml: base: unknown scenario", "(did you mean 'baseline'?)"]),
        ('base = "missing.toml"\n', ["base.toml: base: scenario file not found: missing.toml"]),
        ('base = ""\n', ["base.toml: base = '' must be a scenario name or path"]),
    ],
)
def test_a_base_that_does_not_resolve_names_the_file_that_gives_it(
    text: str, words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The message named the base only (or, for base = "", the folder of the file)."""
    (tmp_path / "base.toml").write_text(text, encoding="utf-8")
    refused(["run", str(tmp_path / "base.toml"), "--out", "o"], capsys, *words)


@pytest.mark.parametrize(
    ("argv", "text", "words"),
    [
        (
            [],
            "[[policies.rnd_subsidy]]\nshare = 0.3\n",
            ["policies.rnd_subsidy[0]: unknown key 'share'; keys: from_year, for_years, sector"],
        ),
        (
            ["--set", "policies.rnd_subsidy.share=0.3"],
            "",
            ["--set policies.rnd_subsidy.share: unknown key 'share'; keys: from_year"],
        ),
        (
            [],
            "[[firms]]\nzzz = 1\n",
            ["firms[0]: unknown key 'zzz'; docs/model.md section 4 (Parameters) lists the keys"],
        ),
        (
            [],
            "[[firms]]\nchipshare = 1\n",
            ["unknown key 'chipshare' (did you mean 'chip_share'?)"],
        ),
    ],
)
def test_an_unknown_key_close_to_none_gets_the_keys(
    argv: list[str],
    text: str,
    words: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An unknown key that no key is close to ended the message with nothing to go on."""
    path = tmp_path / "keys.toml"
    path.write_text('base = "mean-field"\n' + text, encoding="utf-8")
    refused(["run", str(path), *argv, "--out", "o"], capsys, *words)


LONG = "a" * 300  # longer than a file name may be (255 bytes on Linux)
ANALYTIC = ["analytic", "--kappa", "0.2", "--doublings-per-year", "1", "--years", "1"]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["run", f"{LONG}.toml"], [f"scenario file {LONG}.toml: File name too long"]),
        (["run", LONG], ["File name too long"]),
        (["run", "mean-field", "--out", LONG], [f"--out {LONG}: File name too long"]),
        (["sweep", f"{LONG}.toml"], [f"sweep file {LONG}.toml: File name too long"]),
        (["compare", "mean-field", "turtle", "--out", LONG], ["File name too long"]),
        (
            [*ANALYTIC, "--plot", f"{LONG}.png"],
            ["cannot write --plot", "File name too long"],
        ),
        (["run", "mean-field", "--out", "f/x"], ["--out f/x: f is a file, not a folder"]),
        (["sweep", "s.toml", "--out", "f/x/y"], ["--out f/x/y: f is a file, not a folder"]),
        (["run", "mean-field", "--out", "o\udcff"], ["--out o\\udcff: the name is not UTF-8"]),
        (["sweep", "s.toml", "--out", "o\udcff"], ["the name is not UTF-8 text"]),
    ],
)
def test_names_the_system_refuses(
    argv: list[str], words: list[str], sweep_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name longer than the system allows was an OSError traceback wherever a path was looked
    at; an --out under a file said 'File exists'; an --out whose bytes are not UTF-8 (a name
    from a shell: surrogates) ran the model and then failed in pyarrow with a traceback."""
    Path("f").write_text("a file", encoding="utf-8")
    Path("s.toml").write_text(sweep_file.read_text(encoding="utf-8"), encoding="utf-8")
    refused(argv, capsys, *words)
    assert sorted(p.name for p in Path.cwd().iterdir()) == ["f", "s.toml", "sweep.toml"]


def test_an_os_error_no_command_expected_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import sim.run

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "runs/x/model.csv")

    monkeypatch.setattr(sim.run, "simulate", full)
    words = [os.strerror(errno.ENOSPC), "runs/x/model.csv"]
    refused(["run", "mean-field", "--years", "1", "--out", "o"], capsys, *words, code=1)


@pytest.mark.parametrize("value", ["-2", "0", "1e-300", "inf", "-inf", "1e308"])
def test_a_ceiling_softness_the_model_cannot_use_is_refused(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """vendors.ceiling_softness_doublings had no range: -2, inf or 1e-300 ended in numpy warnings
    and a traceback, 0 in an 'overflow' blamed on the horizon."""
    argv = ["run", "mean-field", "--set", f"vendors.ceiling_softness_doublings={value}"]
    words = ["ceiling_softness_doublings", "is out of range [0.001, 1000] [doublings]"]
    refused([*argv, "--set", "vendors.flop_per_joule_ceiling=2e12", "--out", "o"], capsys, *words)


@pytest.mark.parametrize(
    ("metric", "words"),
    [
        ("years_to_loss:-1", ["a loss target [nats/token] must be > 0"]),
        ("years_to_loss:nan", ["'years_to_loss:nan': 'nan' is not a finite number"]),
        ("loss_at_year:inf", ["'inf' is not a finite number"]),
        ("years_to_relative_loss:2", ["a relative excess loss target [-] must be in (0, 1]"]),
        ("years_to_relative_loss:0", ["must be in (0, 1]"]),
        ("peak_margin:nosuch", ["unknown sector 'nosuch'; sectors: firms, vendors, suppliers"]),
        ("hhi:zz", ["unknown market 'zz'; markets: ai_services, chips, energy"]),
    ],
)
def test_metric_targets_no_run_can_reach_are_refused(
    metric: str, words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """years_to_loss:-1 or years_to_relative_loss:2 ran and gave NaN (or 0) in every run; an
    unknown sector, market or party close to none gave no list to choose from."""
    refused([*COMPARE, "--replications", "2", "--metric", metric, "--out", "c"], capsys, *words)
    assert not Path("c").exists()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('nmae = "x"\n', ["unknown key 'nmae' (did you mean 'name'?)"]),
        ("[rnu]\nyears = 1\n", ["unknown section 'rnu' (did you mean 'run'?)"]),
        ("[[firm]]\nchips = 1\n", ["unknown section 'firm' (did you mean 'firms'?)"]),
    ],
)
def test_an_unknown_top_level_key_is_called_a_key(
    text: str, words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``nmae = "x"`` was reported as an unknown section."""
    (tmp_path / "top.toml").write_text(text, encoding="utf-8")
    refused(["run", str(tmp_path / "top.toml"), "--out", "o"], capsys, *words)


def test_a_bad_set_value_names_the_override_not_only_the_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The shipped file is fine; the message says which ``--set`` made it invalid."""
    line = refused(
        ["run", "baseline", "--set", "law.kappa=0.1", "--set", "firms.0.cash_usd=abc"],
        capsys,
        "baseline with firms.0.cash_usd set:",
        "must be a number",
    )
    assert "law.kappa" not in line
    refused(["run", "baseline", "--set", "run.years=-3"], capsys, "with run.years set:", "(0, 500]")


def test_a_fault_of_the_file_itself_is_reported_as_the_file_s(tmp_path: Path) -> None:
    """A bad file stays the file's fault, whatever is set on top of it."""
    path = tmp_path / "bad.toml"
    path.write_text("[run]\nyears = -1\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"^.*bad\.toml: run: years = -1") as caught:
        load_scenario(path, {"law.kappa": 0.1})
    assert " set:" not in str(caught.value)


def test_overrides_invalid_only_together_are_named_together() -> None:
    """When no override is wrong alone (a design moved up, its ceiling down past it), the
    message names them all."""
    overrides = {"vendors.0.flop_per_joule": 1e14, "vendors.0.flop_per_joule_ceiling": 1e13}
    for key, value in overrides.items():
        load_scenario("baseline", {key: value})  # each alone is fine
    with pytest.raises(UserError, match="above its flop_per_joule_ceiling") as caught:
        load_scenario("baseline", overrides)
    assert str(caught.value).startswith(
        "baseline with vendors.0.flop_per_joule, vendors.0.flop_per_joule_ceiling set: "
    )


def test_a_compared_scenarios_own_mistake_names_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A value out of range in a policy's scenario file was reported as 'compare: set:
    policies.energy_cap: ...', naming neither the file nor where the mistake is, and a --set
    override's as the sweep file's [set] table; now the file, and --set, are named."""
    (tmp_path / "neg.toml").write_text('base = "baseline"\n[policies.energy_cap]\ncap_mw = -5\n')
    head = ["compare", "baseline", "--replications", "2", "--years", "1"]
    line = refused([*head[:2], "neg.toml", *head[2:]], capsys, "compare: scenario: neg.toml: ")
    assert "cap_mw = -5.0 is out of range" in line
    argv = [*head[:2], "energy-cap", *head[2:], "--set", "policies.energy_cap.cap_mw=-2"]
    line = refused(argv, capsys, "compare: --set: policies.energy_cap: cap_mw = -2.0")
    assert not any(tmp_path.glob("results*"))


def test_a_whole_table_given_to_set_gets_its_keys(
    sweep_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--set policies.carbon_tax=50`, the lever rather than its rate, was answered 'did you mean
    policies.carbon_tax.from_year?' (the closest spelling, not the key meant); `--set run=5`
    got no hint. Now each says it is a table and lists its keys, in run, compare and a sweep's
    factors alike."""
    refused(
        ["run", "baseline", "--set", "policies.carbon_tax=50"],
        capsys,
        "--set policies.carbon_tax: a table, not a parameter; set one of its keys: from_year, "
        "for_years, usd_per_t_co2 (policies.carbon_tax.KEY)",
    )
    line = refused(["run", "baseline", "--set", "run=5"], capsys, "keys: start_year, years,")
    assert "did you mean" not in line
    refused(
        ["run", "baseline", "--set", "firms=2"],
        capsys,
        "--set firms: a list of entries, not a parameter",
        "(firms.KEY) or for one (firms.N.KEY, N from 0)",
    )
    argv = ["compare", "baseline", "carbon-tax", "--set", "policies.rnd_subsidy=0.3"]
    refused(argv, capsys, "--set: 'policies.rnd_subsidy' is a table", "sector, rate")
    sweep_file.write_text(sweep_file.read_text().replace("firms.chip_share", "law"))
    refused(["sweep", str(sweep_file)], capsys, "factors: 'law' is a table, not a parameter")


def test_a_sweep_into_a_run_folder_says_it_is_one(
    tmp_path: Path, sweep_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'effrace sweep FILE --out runs/baseline' said the folder's manifest.json 'is not an
    efficiency-race results store', as of another program's, and SweepResults.load of it
    stopped with KeyError: 'metrics'; both now say it is a run's."""
    run = tmp_path / "runs" / "baseline"
    args = ["run", "baseline", "--years", "1", "--no-figures", "--out", str(run)]
    assert main(args) == 0
    before = _tree(run)
    capsys.readouterr()
    args = ["sweep", str(sweep_file), "--quiet", "--workers", "1", "--out", str(run)]
    assert main([*args, "--model", "_fake_model:simulate"]) == 2
    assert capsys.readouterr().err == (
        f"effrace: error: --out {run} holds the outputs of one `effrace run` (scenario "
        "'baseline'), not a results store of a sweep; choose another --out\n"
    )
    assert _tree(run) == before
    from experiments.api import SweepResults

    with pytest.raises(UserError) as info:  # was a KeyError: 'metrics'
        SweepResults.load(run)
    assert str(info.value) == (
        f"{run} holds the outputs of one `effrace run` (scenario 'baseline'), not a results "
        "store of a sweep"
    )
