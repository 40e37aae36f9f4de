"""``effrace run`` and ``effrace validate``: the files a run writes and what is in them, the
summary, and one line on stderr with exit code 2 for every user mistake."""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from sim.model import AGENT_OUTPUTS, MODEL_OUTPUTS
from sim.run import to_json
from sim.scenario import load_scenario, to_dict

FIGURES = [
    "loss_by_firm.png",
    "elogical_by_link.png",
    "value_capture.png",
    "prices.png",
    "market_shares.png",
    "energy.png",
]
TABLES = ["model.csv", "agents.csv", "model.parquet", "agents.parquet", "manifest.json"]
MODEL_COLUMNS = [
    "year",
    "ledger_imbalance_usd",
    "energy_delivered_mwh",
    "price_usd_per_million_tokens",
    "hhi_ai_services",
    "consumer_surplus_usd",
    "total_surplus_usd",
    "outside_option_share",
    "investor_funding_usd",
    "dividends_usd",
    "surplus_share_consumers",
    "surplus_share_firms",
    "surplus_share_vendors",
    "surplus_share_suppliers",
    "surplus_share_government",
    "surplus_share_investors",
]
AGENT_COLUMNS = [
    "year",
    "agent_id",
    "agent_type",
    "cash_usd",
    "profit_usd",
    "cumulative_logical_flop",
    "loss",
    "elogical_flop_per_joule",
    "market_share",
]
SUMMARY_KEYS = [
    "scenario",
    "seed",
    "years",
    "leader",
    "market_shares",
    "cumulative_profit_usd",
    "surplus_usd",
    "surplus_share",
    "margin",
    "price_usd_per_million_tokens",
]


def effrace(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``effrace ARGV`` in this process: (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def strict_json(text: str) -> object:
    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One in-process ``effrace run baseline --years 2`` shared by the tests that read it."""
    out = tmp_path_factory.mktemp("run") / "baseline"
    # a module-scoped fixture cannot use capsys, so capture by hand
    stdout, stderr = io.StringIO(), io.StringIO()
    frozen = gc.get_freeze_count()  # not always 0: other code in this process may freeze
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["run", "baseline", "--years", "2", "--out", str(out)])
    assert code == 0, stderr.getvalue()
    assert stderr.getvalue() == ""
    # the run switched the cyclic garbage collector off for itself only, and the freeze that
    # spares the process's exit the collector's last passes waits for the exit
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
    return out, stdout.getvalue()


# --------------------------------------------------------------------------------------------
# what a run writes
# --------------------------------------------------------------------------------------------


def test_run_writes_tables_manifest_and_figures(run_dir: tuple[Path, str]) -> None:
    out, _ = run_dir
    for name in TABLES + FIGURES:
        path = out / name
        assert path.is_file() and path.stat().st_size > 0, name
    for name in FIGURES:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_model_table_columns(run_dir: tuple[Path, str]) -> None:
    out, _ = run_dir
    model = pd.read_csv(out / "model.csv")
    for column in MODEL_COLUMNS:
        assert column in model.columns, column
    assert set(MODEL_OUTPUTS) <= set(model.columns)
    assert len(model) == 24
    np.testing.assert_allclose(model["year"], 2024 + np.arange(1, 25) / 12, rtol=1e-12)
    assert (model["ledger_imbalance_usd"].abs() < 1e-3).all()


def test_agents_table_columns(run_dir: tuple[Path, str]) -> None:
    out, _ = run_dir
    agents = pd.read_csv(out / "agents.csv")
    for column in AGENT_COLUMNS:
        assert column in agents.columns, column
    assert set(AGENT_OUTPUTS) <= set(agents.columns)
    assert set(agents["agent_type"]) == {"firm", "vendor", "supplier"}
    per_step = agents.groupby("year")["agent_id"].nunique()
    assert (per_step == 8 + 3 + 3).all()
    firms = agents[agents["agent_type"] == "firm"]
    assert (
        firms["loss"].notna().all()
        and agents.loc[agents["agent_type"] != "firm", "loss"].isna().all()
    )


def test_csv_and_parquet_agree(run_dir: tuple[Path, str]) -> None:
    out, _ = run_dir
    for name in ("model", "agents"):
        csv = pd.read_csv(out / f"{name}.csv")
        parquet = pd.read_parquet(out / f"{name}.parquet")
        assert list(csv.columns) == list(parquet.columns)
        assert len(csv) == len(parquet)
        for column in csv.columns:
            if parquet[column].dtype.kind in "fiu":
                np.testing.assert_allclose(
                    csv[column].to_numpy(float), parquet[column].to_numpy(float), rtol=1e-15
                )
            else:
                assert (csv[column].astype(str) == parquet[column].astype(str)).all(), column


def test_manifest_is_strict_json_with_every_parameter(run_dir: tuple[Path, str]) -> None:
    out, _ = run_dir
    manifest = strict_json((out / "manifest.json").read_text())
    assert isinstance(manifest, dict)
    assert manifest["scenario"] == "baseline"
    assert manifest["seed"] == 0
    expected = load_scenario("baseline", {"run.years": 2})
    parameters = manifest["parameters"]
    # strict JSON: an infinite parameter (a grid without limit) is written as null
    assert parameters == json.loads(to_json(to_dict(expected)))
    assert parameters["run"]["years"] == 2.0 and parameters["run"]["seed"] == 0
    assert len(parameters["firms"]) == 9
    for package in ("python", "efficiency-race", "mesa", "numpy", "pandas"):
        assert manifest["versions"][package], package
    assert set(manifest["columns"]["model"]) == set(MODEL_OUTPUTS)
    assert set(manifest["columns"]["agents"]) == set(AGENT_OUTPUTS)


def test_summary_text_names_the_leader_and_the_sectors(run_dir: tuple[Path, str]) -> None:
    out, text = run_dir
    summary = strict_json((out / "manifest.json").read_text())["summary"]  # type: ignore[index]
    leader = summary["leader"]["name"]
    assert leader in text
    assert f"leader (largest market share): {leader}" in text
    for party in ("consumers", "firms", "vendors", "suppliers", "government", "investors"):
        assert party in text
    assert "Who is winning the race" in text and "Who gains what" in text
    assert f"Wrote {len(TABLES) + len(FIGURES)} files" in text


def test_json_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = effrace(
        ["run", "baseline", "--years", "2", "--out", str(tmp_path), "--no-figures", "--json"],
        capsys,
    )
    assert (code, err) == (0, "")
    summary = strict_json(out)
    assert isinstance(summary, dict)
    for key in SUMMARY_KEYS:
        assert key in summary, key
    assert summary["scenario"] == "baseline" and summary["out"] == str(tmp_path)
    assert set(summary["surplus_share"]) == {
        "consumers",
        "firms",
        "vendors",
        "suppliers",
        "government",
        "investors",
        "carbon damages",
    }
    assert summary["years"] == [2024.0, pytest.approx(2026.0)]
    assert not list(tmp_path.glob("*.png"))  # --no-figures


def test_seed_and_set_reach_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = effrace(
        [
            "run",
            "baseline",
            "--years",
            "1",
            "--seed",
            "9",
            "--set",
            "firms.chip_share=0.5",
            "--set",
            "policies.carbon_tax.usd_per_t_co2=50",
            "--set",
            "policies.carbon_tax.from_year=2024",  # in force in this 1-year run: no warning
            "--out",
            str(tmp_path),
            "--no-figures",
            "--json",
        ],
        capsys,
    )
    assert (code, err) == (0, "")
    manifest = strict_json((tmp_path / "manifest.json").read_text())
    assert isinstance(manifest, dict)
    assert manifest["seed"] == 9
    parameters = manifest["parameters"]
    assert {f["chip_share"] for f in parameters["firms"]} == {0.5}
    assert parameters["policies"]["carbon_tax"]["usd_per_t_co2"] == 50.0
    assert len(pd.read_csv(tmp_path / "model.csv")) == 12


@pytest.mark.slow
def test_run_in_a_subprocess(tmp_path: Path) -> None:
    out = tmp_path / "sub"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.cli",
            "run",
            "baseline",
            "--years",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Who is winning the race" in done.stdout
    for name in TABLES + FIGURES:
        assert (out / name).is_file(), name
    # the same tables as an in-process run with the same seed
    model = pd.read_csv(out / "model.csv")
    assert len(model) == 24 and set(MODEL_COLUMNS) <= set(model.columns)


# --------------------------------------------------------------------------------------------
# user mistakes: exit code 2, one line on stderr, no traceback
# --------------------------------------------------------------------------------------------


def bad_toml(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "baselin"], "did you mean 'baseline'"),
        (["run", "{tmp}/missing.toml"], "scenario file not found"),
        (["run", "{unknown_key}"], "unknown key 'yeras' (did you mean 'years'?)"),
        (["run", "{wrong_type}"], "run.years = 'two' must be a number"),
        (["run", "{out_of_range}"], "chip_share = 1.5 is out of range [0, 1]"),
        (["run", "baseline", "--set", "run.years"], "expected section.key=value"),
        (["run", "baseline", "--set", "run.yeras=2"], "unknown key 'yeras'"),
        (["run", "baseline", "--set", "firms.12.chip_share=0.5"], "is not an entry of firms"),
        (["run", "baseline", "--years", "-1"], "--years -1: must be a positive"),
        (["run", "baseline", "--years", "0"], "--years 0: must be a positive"),
        (["run", "baseline", "--years", "two"], "invalid float value: 'two'"),
        (["run", "baseline", "--seed", "-3"], "--seed -3: must be >= 0"),
        (["run"], "the following arguments are required: scenario"),
        (["rnu", "baseline"], "invalid choice: 'rnu'"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    files = {
        "tmp": str(tmp_path),
        "unknown_key": bad_toml(tmp_path, "unknown_key", 'base = "baseline"\n[run]\nyeras = 2\n'),
        "wrong_type": bad_toml(tmp_path, "wrong_type", '[run]\nyears = "two"\n'),
        "out_of_range": bad_toml(tmp_path, "out_of_range", "[[firms]]\nchip_share = 1.5\n"),
    }
    argv = [a.format(**files) for a in argv]
    out_dir = tmp_path / "out"
    code, out, err = effrace([*argv, "--out", str(out_dir)] if len(argv) > 1 else argv, capsys)
    assert (code, out) == (2, "")
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert expected in err
    assert err.startswith("effrace")
    assert not out_dir.exists()  # nothing written


def test_user_mistake_in_a_subprocess(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "run", "baselin", "--years", "2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "did you mean 'baseline'" in done.stderr
    assert not (tmp_path / "runs").exists()


# --------------------------------------------------------------------------------------------
# effrace validate
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_validate_json(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from sim import validate

    # the step-length check over 2 years, not 20: this test reads its report's form, and
    # tests/test_validate_calibration.py checks its 20-year values (8 runs, most of the cost)
    short = functools.partial(validate.check_step_length, years=2.0)
    checks = [short if c is validate.check_step_length else c for c in validate.CHECKS]
    assert short in checks
    monkeypatch.setattr(validate, "CHECKS", tuple(checks))
    code, out, err = effrace(["validate", "--json"], capsys)
    checks = strict_json(out)
    assert isinstance(checks, list)
    by_name = {c["name"].split(" (")[0]: c for c in checks}
    for name in ("reduction to the papers", "accounting", "determinism"):
        assert by_name[name]["status"] == "pass", by_name[name]
    assert all(c["status"] in ("pass", "warn", "fail") for c in checks)
    assert all(set(c) == {"name", "status", "detail"} for c in checks)
    assert code == (1 if any(c["status"] == "fail" for c in checks) else 0)
    assert err == ""


def test_a_lever_that_changes_nothing_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A policy year outside the run (a tax from 2060 in a run to 2025, energy-cap's 2027 cap
    in a 2-year comparison), or an export control on a region with no firm, ran silently: the
    comparison printed every difference as 0 with no reason. Each is now a warning on stderr
    naming the lever; the run itself is valid (exit 0). A lever switched off with for_years = 0
    is meant to be off and gets none."""
    from sim.policies import idle_levers

    late = tmp_path / "late.toml"
    late.write_text("[policies.carbon_tax]\nfrom_year = 2060\nusd_per_t_co2 = 50\n")
    code, _, err = effrace(
        ["run", str(late), "--years", "1", "--no-figures", "--out", str(tmp_path / "r")], capsys
    )
    assert code == 0
    assert err.strip() == (
        "effrace: warning: policies.carbon_tax (from 2060) is in force at no step of the run "
        "(2024-2025), so it changes nothing"
    )
    argv = ["compare", "baseline", "energy-cap", "--replications", "2", "--years", "2"]
    code, _, err = effrace(
        [*argv, "--workers", "1", "--quiet", "--out", str(tmp_path / "c")], capsys
    )
    assert code == 0
    assert "warning: energy-cap: policies.energy_cap (from 2027) is in force at no step" in err
    (tmp_path / "a-file").write_text("")
    for command in (["run", "energy-cap"], ["compare", "baseline", "energy-cap"]):
        argv = [*command, "--years", "1", "--out", str(tmp_path / "a-file")]
        code, _, err = effrace(argv, capsys)  # a refusal stays one line, without the warning
        assert code == 2 and err.count("\n") == 1 and "is a file" in err, err
    assert idle_levers(load_scenario("export-control", {"policies.export_control.region": "x"}))
    for name in ("energy-cap", "carbon-tax", "export-control", "rnd-subsidy", "baseline"):
        assert idle_levers(load_scenario(name)) == []
    assert idle_levers(load_scenario("energy-cap", {"policies.energy_cap.for_years": 0})) == []
    assert idle_levers(load_scenario("energy-cap", {"policies.energy_cap.from_year": 2000})) == []
    past = {"run.start_year": 2030, "policies.rnd_subsidy.for_years": 4}
    assert idle_levers(load_scenario("rnd-subsidy", past)) == [
        "policies.rnd_subsidy[0] (from 2026 for 4 years) is in force at no step of the run "
        "(2030-2050), so it changes nothing"
    ]
