"""Fuzzing the commands (hypothesis, small stated budgets): generated bad scenario files, sweep
files and command-line options never end in a traceback; a bad one ends in exit code 2 and one
line on stderr; one that happens to be valid runs (exit 0)."""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.cli import main
from sim import params

# Fixed examples (derandomize) so the suite is reproducible; FUZZ_RANDOM=1 FUZZ_EXAMPLES=1000
# explores further.
BUDGET = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    derandomize=os.environ.get("FUZZ_RANDOM") is None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_counter = itertools.count()
SWEEPS = Path(__file__).resolve().parent.parent / "experiments" / "sweeps"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # default output folders land here, never in the repository


def run_main(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``effrace ARGV`` in this process: (exit code, stderr). Any exception fails the test."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    _, err = capsys.readouterr()
    return code, err


def assert_clean(code: int, err: str, *, may_succeed: bool) -> None:
    if code == 0 and may_succeed:
        return
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and re.match(r"effrace( \w+)?: error: ", lines[0]), err
    assert "Traceback" not in err


# --------------------------------------------------------------------------------------------
# generated files
# --------------------------------------------------------------------------------------------

SECTIONS = {
    "run": params.RunParams,
    "law": params.LawParams,
    "market": params.MarketParams,
}
GROUPS = {
    "firms": params.FirmParams,
    "vendors": params.VendorParams,
    "suppliers": params.SupplierParams,
}

# Tiny positive values (1e-300, subnormals) inside the documented ranges of some parameters still
# break the model (a nan transfer, 0/0): a model issue reported to the lead, left out here.
bad_numbers = st.sampled_from(
    [-1, 0, -1e308, 1e308, 10**30, 2**63, -(2**63), "nan", "inf", "-inf", -1e-300, -0.5]
)
toml_values = st.one_of(
    bad_numbers.map(str),
    st.sampled_from(['"x"', '""', "true", "[]", "[1, 2]", "{}", "{ a = 1 }", "1979-05-27"]),
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=False)
    .filter(lambda v: not 0 < v < 1e-100)
    .map(
        lambda v: (
            "nan"
            if math.isnan(v)
            else ("inf" if v == math.inf else ("-inf" if v == -math.inf else repr(v)))
        )
    ),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=8).map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"'),
)


def _fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


@st.composite
def scenario_texts(draw: st.DrawFn) -> str:
    """A scenario file with a few entries, each a known or unknown key with an odd value."""
    lines = ['base = "baseline"'] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(1, 3))):
        section = draw(st.sampled_from([*SECTIONS, *GROUPS, "policies.energy_cap", "nosuch"]))
        cls = SECTIONS.get(section) or GROUPS.get(section)
        keys = _fields(cls) if cls else ["cap_mw", "from_year", "x"]
        key = draw(st.one_of(st.sampled_from(keys), st.from_regex(r"[a-z_]{1,8}", fullmatch=True)))
        value = draw(toml_values)
        header = f"[[{section}]]" if section in GROUPS else f"[{section}]"
        lines += [header, f"{key} = {value}"]
    return "\n".join(lines) + "\n"


def _write(tmp_path: Path, data: bytes | str, suffix: str = ".toml") -> Path:
    path = tmp_path / f"f{next(_counter)}{suffix}"
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _run_argv(path: Path, tmp_path: Path) -> list[str]:
    out = tmp_path / f"out{next(_counter)}"
    return ["run", str(path), "--years", "0.25", "--no-figures", "--json", "--out", str(out)]


@BUDGET
@given(text=scenario_texts())
def test_generated_scenario_files(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, text)
    code, err = run_main(_run_argv(path, tmp_path), capsys)
    assert_clean(code, err, may_succeed=True)


@BUDGET
@given(data=st.binary(max_size=120))
def test_random_bytes_as_a_scenario_file(
    data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, data)
    code, err = run_main(_run_argv(path, tmp_path), capsys)
    assert_clean(code, err, may_succeed=True)  # b"" is a valid (default) scenario


TOP = ["scenario", "design", "samples", "replications", "seed", "seeds", "levels", "nosuch"]


@st.composite
def sweep_texts(draw: st.DrawFn) -> str:
    lines = ['scenario = "mean-field"'] if draw(st.booleans()) else []
    for key in draw(st.lists(st.sampled_from(TOP), max_size=3, unique=True)):
        lines.append(f"{key} = {draw(toml_values)}")
    lines.append("[set]")
    lines.append('"run.years" = 0.25')
    if draw(st.booleans()):
        lines.append("[factors]")
        key = draw(st.sampled_from(["law.kappa", "firms.chip_share", "run.seed", "x.y", "law"]))
        value = draw(
            st.one_of(
                toml_values,
                st.sampled_from(["[0.1, 0.2]", "{ min = 1, max = 0 }", "{ min = 0.1 }", "[]"]),
            )
        )
        lines.append(f"{key} = {value}")
    if draw(st.booleans()):
        lines.append("[outputs]")
        key = draw(st.sampled_from(["series", "metrics", "other"]))
        value = draw(st.sampled_from(["[1]", '["nosuch"]', '"hhi"', '["hhi:x"]']))
        lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


@BUDGET
@given(text=st.one_of(sweep_texts(), st.binary(max_size=80)))
def test_generated_sweep_files(
    text: str | bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, text)
    argv = ["sweep", str(path), "--workers", "1", "--quiet", "--model", "_fake_model:simulate"]
    code, err = run_main([*argv, "--out", str(tmp_path / f"store{next(_counter)}")], capsys)
    assert_clean(code, err, may_succeed=True)


# --------------------------------------------------------------------------------------------
# generated options: valid ones around one bad one
# --------------------------------------------------------------------------------------------

BAD = {
    "--seed": ["-1", "x", "1.5", "", "-9223372036854775809"],
    "--years": ["0", "-1", "nan", "inf", "1e-9", "1.04", "x", "", "400"],
    "--workers": ["0", "-3", "x"],
    "--replications": ["0", "1", "-5", "x", "1000000000"],
    "--set": [
        "x",
        "a.b=1",
        "law.kappa=-1",
        "firms.count=0",
        "=",
        "law.kappa=",
        "run.steps_per_year=0",
    ],
    "--out": [""],
    "--metric": ["nosuch", "loss_at_year", "hhi:x", ":"],
    "--series": ["nosuch", ""],
    "--model": ["x", "x:y", ":", "sim.run:SECTORS"],
    "--cluster": ["notanaddress", "tcp://", "tcp://host:port", "host:99999"],
    "--nosuch": ["1"],
}
COMMANDS = {
    "run": (["run", "baseline"], ["--seed", "--years", "--set", "--out", "--nosuch"]),
    "compare": (
        ["compare", "mean-field", "turtle", "--quiet"],
        [
            "--seed",
            "--years",
            "--workers",
            "--replications",
            "--set",
            "--out",
            "--metric",
            "--series",
            "--model",
            "--cluster",
            "--nosuch",
        ],
    ),
    "sweep": (
        ["sweep", str(SWEEPS / "baseline_lhs.toml"), "--quiet"],
        ["--workers", "--out", "--model", "--cluster", "--nosuch"],
    ),
}
GOOD = {"--seed": "3", "--years": "0.5", "--set": "law.kappa=0.2"}


@st.composite
def bad_command_lines(draw: st.DrawFn) -> list[str]:
    head, options = COMMANDS[draw(st.sampled_from(sorted(COMMANDS)))]
    bad = draw(st.sampled_from(options))
    argv = list(head)
    for option in draw(st.lists(st.sampled_from(sorted(GOOD)), max_size=2, unique=True)):
        if option != bad:
            argv += [option, GOOD[option]]
    argv += [bad, draw(st.sampled_from(BAD[bad]))]
    return argv


@BUDGET
@given(argv=bad_command_lines())
def test_bad_options(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    here = Path.cwd()
    before = sorted(here.rglob("*"))
    code, err = run_main(argv, capsys)
    assert_clean(code, err, may_succeed=False)
    assert sorted(here.rglob("*")) == before  # a refused command creates nothing


@BUDGET
@given(name=st.text(min_size=1, max_size=20).filter(lambda t: "\x00" not in t))
def test_unknown_scenario_names(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    from sim.scenario import shipped_names

    if name in shipped_names() or Path(name).exists():
        return
    code, err = run_main(["run", name, "--years", "0.25", "--out", "o"], capsys)
    assert_clean(code, err, may_succeed=False)
