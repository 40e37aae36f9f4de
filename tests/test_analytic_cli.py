"""``effrace analytic``: values against the closed forms, tables, figures and usage errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from experiments.cli import main

LN2 = math.log(2.0)


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``effrace`` in-process; return (exit code, stdout, stderr)."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = run_cli(["analytic", *argv, "--json"], capsys)
    assert (code, err) == (0, "")
    result: dict[str, Any] = json.loads(out)
    return result


def closed_multiple(t: float, r: float, tau0: float = 1.0, front: float = 1.0) -> float:
    """C(t)/C0 written out independently of sim.law."""
    if r == 0.0:
        return 1.0 + front * t / tau0
    return 1.0 + front * (2.0 ** (r * t) - 1.0) / (r * LN2 * tau0)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9)


def test_json_matches_the_closed_form(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--kappa", "0.2", "--doublings-per-year", "1.5", "--years", "7"]
    argv += ["--tau0-years", "0.5", "--front-load", "3", "--resource-growth", "0.25"]
    result = run_json([*argv, "--target-relative-loss", "0.05"], capsys)
    multiple = closed_multiple(7.0, 1.75, 0.5, 3.0)
    assert close(result["compute_multiple"], multiple)
    assert close(result["log10_compute_multiple"], math.log10(multiple))
    assert close(result["relative_excess_loss"], multiple**-0.2)
    # years: invert C/C0 = m with m = X***(-1/kappa)
    m = 0.05 ** (-1.0 / 0.2)
    years = math.log2(1.0 + (m - 1.0) * 1.75 * LN2 * 0.5 / 3.0) / 1.75
    assert close(result["years_to_target"], years)
    assert result["target_reachable"] is True
    assert close(result["doublings_needed"], math.log2(1.0 / 0.05) / 0.2)
    assert result["kappa"] == 0.2
    assert "K" not in result
    assert result["inputs"] == {
        "kappa": 0.2,
        "preset": None,
        "doublings_per_year": 1.5,
        "years": 7.0,
        "tau0_years": 0.5,
        "resource_doublings_per_year": 0.25,
        "front_load": 3.0,
        "target_relative_loss": 0.05,
    }


def test_json_with_preset_reports_the_fit(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(["--preset", "hoffmann", "--doublings-per-year", "0", "--years", "4"], capsys)
    kappa = 0.34 * 0.28 / 0.62
    assert close(result["kappa"], kappa)
    assert result["loss_floor"] == 1.69
    a, b, alpha, beta = 406.4, 410.7, 0.34, 0.28
    g = (alpha * a / (beta * b)) ** (1.0 / (alpha + beta))
    assert close(result["K"], (a * g**-alpha + b * g**beta) * 6.0**kappa)
    assert result["compute_multiple"] == 5.0  # 1 + t at g = 0, exactly
    assert close(result["relative_excess_loss"], 5.0**-kappa)
    assert result["inputs"]["preset"] == "hoffmann"
    assert "arXiv 2203.15556" in result["source"]


def test_json_beyond_float_range_is_null_beside_a_finite_log(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run_json(
        ["--preset", "kaplan", "--doublings-per-year", "1000", "--years", "5"], capsys
    )
    assert result["compute_multiple"] is None
    asymptote = (5000.0 - math.log2(1000.0 * LN2)) * math.log10(2.0)
    assert close(result["log10_compute_multiple"], asymptote)
    assert close(result["relative_excess_loss"], 10.0 ** (-0.05 * asymptote))


def test_json_unreachable_target_under_shrinking_compute(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # r = -1: C/C0 < 1 + 1/ln2 = 2.44 forever, and X* = 0.5 at kappa 1 needs m = 2 (reachable)
    # while X* = 0.1 needs m = 10 (not).
    base = ["--kappa", "1", "--doublings-per-year", "-1", "--years", "3"]
    reachable = run_json([*base, "--target-relative-loss", "0.5"], capsys)
    assert close(reachable["years_to_target"], -math.log2(1.0 - LN2))
    never = run_json([*base, "--target-relative-loss", "0.1"], capsys)
    assert never["years_to_target"] is None
    assert never["target_reachable"] is False


def test_table_output_holds_the_expected_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["analytic", "--kappa", "0.154", "--doublings-per-year", "2.5", "--years", "10"]
    code, out, err = run_cli([*argv, "--target-relative-loss", "0.1"], capsys)
    assert (code, err) == (0, "")
    table_years = (1, 2, 3, 5, 10, 15, 20)
    for rate in (0.0, 0.5, 1.0, 2.0, 3.0, 2.5):
        row = [f"{closed_multiple(t, rate) ** -0.154:.4g}" for t in table_years]
        label = f"{rate:g}" + (" (yours)" if rate == 2.5 else "")
        assert any(line.split() == [*label.split(), "|", *row] for line in out.splitlines()), row
    multiple = closed_multiple(10.0, 2.5)
    assert f"C(T)/C0 = {multiple:.6g}" in out
    assert f"X(T) = {multiple**-0.154:.6g}" in out
    m = 0.1 ** (-1.0 / 0.154)
    assert f"{(m - 1.0):.4g}" in out  # years at g = 0: (m - 1)*tau0/F
    assert f"{math.log2(1.0 + (m - 1.0) * 2.0 * LN2) / 2.0:.4g}" in out  # at g = 2
    assert f"{math.log2(10.0) / 0.154:.6g}" in out  # doublings needed


def test_table_output_with_preset_and_unreachable_target(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["analytic", "--preset", "Besiroglu", "--doublings-per-year", "-2", "--years", "1"]
    code, out, _ = run_cli([*argv, "--target-relative-loss", "0.5"], capsys)
    assert code == 0
    assert "preset besiroglu" in out and "loss floor E = 1.8172" in out
    assert "-2 (yours) | never" in out


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_writes_a_figure(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"race{suffix}"
    argv = ["analytic", "--kappa", "0.154", "--doublings-per-year", "2", "--years", "30"]
    code, out, err = run_cli([*argv, "--target-relative-loss", "0.01", "--plot", str(path)], capsys)
    assert (code, err) == (0, "")
    assert f"wrote {path}" in out
    data = path.read_bytes()
    assert len(data) > 1000
    if suffix == ".png":
        assert data.startswith(b"\x89PNG")
    else:
        assert b"<svg" in data


BAD_INPUTS = [
    (["--kappa", "-0.1"], "--kappa"),
    (["--kappa", "0"], "--kappa"),
    (["--kappa", "nan"], "--kappa"),
    (["--kappa", "inf"], "--kappa"),
    (["--kappa", "abc"], "--kappa"),
    (["--kappa", "0.1", "--preset", "kaplan"], "not both"),
    ([], "--preset"),
    (["--preset", "hofman"], "did you mean 'hoffmann'"),
    (["--kappa", "0.1", "--years", "-1"], "--years"),
    (["--kappa", "0.1", "--years", "nan"], "--years"),
    (["--kappa", "0.1", "--doublings-per-year", "inf"], "--doublings-per-year"),
    (["--kappa", "0.1", "--doublings-per-year", "5000"], "--doublings-per-year"),
    (["--kappa", "0.1", "--resource-growth", "nan"], "--resource-growth"),
    (["--kappa", "0.1", "--target-relative-loss", "0"], "--target-relative-loss"),
    (["--kappa", "0.1", "--target-relative-loss", "1.5"], "--target-relative-loss"),
    (["--kappa", "0.1", "--front-load", "0"], "--front-load"),
    (["--kappa", "0.1", "--tau0-years", "-1"], "--tau0-years"),
    (["--kappa", "0.1", "--plot", "out.pdf"], ".png or .svg"),
    (["--kappa", "0.1", "--plot", "/no/such/folder/out.png"], "no folder"),
    (["--kappa", "0.1", "--no-such-option"], "unrecognized"),
]


@pytest.mark.parametrize(("extra", "needle"), BAD_INPUTS)
def test_bad_input_is_one_line_and_exit_code_2(
    extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["analytic", "--doublings-per-year", "1", "--years", "2"]
    # later options override the base's, so a bad --years or rate replaces the good one
    code, out, err = run_cli([*base, *extra], capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("effrace") and "error:" in lines[0]
    assert needle in lines[0]
    assert "Traceback" not in err


def test_plot_into_a_directory_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "figure.png"
    folder.mkdir()
    argv = ["analytic", "--kappa", "0.1", "--doublings-per-year", "1", "--years", "2"]
    code, _, err = run_cli([*argv, "--plot", str(folder)], capsys)
    assert code == 2
    assert "is a directory" in err and len(err.strip().splitlines()) == 1


def test_console_entry_in_a_subprocess() -> None:
    command = [sys.executable, "-m", "experiments.cli", "analytic"]
    good = subprocess.run(
        [*command, "--kappa", "0.5", "--doublings-per-year", "1", "--years", "1", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    assert close(json.loads(good.stdout)["relative_excess_loss"], (1.0 + 1.0 / LN2) ** -0.5)
    bad = subprocess.run(
        [*command, "--kappa", "0", "--doublings-per-year", "1", "--years", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "effrace: error: --kappa must be a finite number in (0, inf), got 0.0"
    ]
