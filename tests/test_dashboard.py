"""The dashboard without a browser: controls generated from the dataclasses, control values to
scenarios, the export round trip, the panel's worker, the command, and per-session state."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from experiments import cli
from experiments.dashboard import controls, runner, server
from experiments.dashboard.controls import (
    Settings,
    build_scenario,
    control_specs,
    format_number,
    label_for,
    overrides,
    shown_value,
    slider_range,
)
from sim.errors import UserError
from sim.params import POLICY_TYPES, Scenario
from sim.scenario import GROUPS, SECTIONS, load_scenario, shipped_names, to_toml

NEEDS_EXTRA = pytest.mark.skipif(
    importlib.util.find_spec("solara") is None or importlib.util.find_spec("reacton") is None,
    reason="needs the dashboard extra (pip install -e '.[dashboard]'); .ci/run installs it",
)


# --------------------------------------------------------------------------------------------
# control specs from the dataclasses
# --------------------------------------------------------------------------------------------


def test_every_key_field_has_a_control() -> None:
    keys = {c.key for c in controls.all_controls()}
    for section, cls in (*SECTIONS.items(), *GROUPS.items()):
        for f in dataclasses.fields(cls):
            if f.metadata.get("key"):
                assert f"{section}.{f.name}" in keys
    for lever, cls in POLICY_TYPES.items():
        if any(f.metadata.get("key") for f in dataclasses.fields(cls)):
            for f in dataclasses.fields(cls):
                if f.metadata.get("key") or f.name in ("from_year", "for_years"):
                    assert f"policies.{lever}.{f.name}" in keys


def test_only_key_fields_and_the_listed_extras_have_controls() -> None:
    for c in controls.all_controls():
        section, _, name = c.key.rpartition(".")
        if section.startswith("policies."):
            lever = section.split(".")[1]
            extra = controls.EXTRA_LEVER_FIELDS.get(lever, ())
            meta = {f.name: f.metadata for f in dataclasses.fields(POLICY_TYPES[lever])}
            assert meta[name]["key"] or name in extra or name in controls.SCHEDULE_FIELDS
        else:
            cls = {**SECTIONS, **GROUPS}[section]
            assert {f.name: f.metadata for f in dataclasses.fields(cls)}[name]["key"]


def test_export_control_is_offered_with_region_and_threshold() -> None:
    lever = next(s for s in control_specs() if s.lever == "export_control")
    assert [c.name for c in lever.controls] == [
        "from_year",
        "for_years",
        "region",
        "max_flop_per_joule",
    ]


@pytest.mark.parametrize("spec", controls.all_controls(), ids=lambda c: c.key)
def test_control_ranges_are_valid_and_hold_the_default(spec: controls.ControlSpec) -> None:
    default = spec.default
    if spec.widget == "slider":
        assert spec.slider_lo < spec.slider_hi
        assert spec.step > 0 and spec.step <= (spec.slider_hi - spec.slider_lo) / 50
        assert spec.slider_lo >= spec.lo and spec.slider_hi <= spec.hi
        if spec.lo_open:
            assert spec.slider_lo > spec.lo
        if default is not None:
            assert spec.slider_lo <= default <= spec.slider_hi
        else:
            assert spec.key in controls.RESOLVE_NONE, "an optional field needs its resolved value"
    elif spec.widget == "input":
        assert spec.lo <= default <= spec.hi
    elif spec.widget == "select" and spec.choices:
        assert default in spec.choices


@pytest.mark.parametrize("name", shipped_names())
def test_every_shipped_scenario_shows_in_range(name: str) -> None:
    scenario = build_scenario(Settings(name))
    for spec in controls.all_controls():
        shown = shown_value(scenario, spec)
        if spec.widget == "slider":
            assert shown.slider_lo <= shown.value <= shown.slider_hi, spec.key
            assert spec.lo <= shown.slider_lo < spec.slider_lo + spec.step, spec.key
            # the grid passes through the value: the browser has nothing to snap
            steps = (shown.value - shown.slider_lo) / spec.step
            assert steps == pytest.approx(round(steps), abs=1e-6), spec.key
        elif spec.widget == "select":
            assert shown.value in shown.choices, spec.key


@pytest.mark.parametrize(
    ("lo", "hi", "default", "lo_open", "expected"),
    [
        (0.0, 1.0, 0.7, False, (0.0, 1.0, 0.002)),  # narrow: the whole allowed range
        (-5.0, 20.0, 1.2, False, (-5.0, 20.0, 0.05)),
        (0.0, 50.0, 2.0, True, (0.1, 50.0, 0.1)),  # open lower end: one step in
        (0.0, 1e9, 1500.0, False, (150.0, 15000.0, 50.0)),  # wide: a decade either side
        (0.0, math.inf, 2000.0, False, (200.0, 20000.0, 50.0)),
        (0.0, 500.0, 20.0, True, (2.0, 200.0, 0.5)),
        (-math.inf, math.inf, 0.0, False, (-10.0, 10.0, 0.05)),  # no scale: +-10
    ],
)
def test_slider_range_rule(
    lo: float, hi: float, default: float, lo_open: bool, expected: tuple[float, float, float]
) -> None:
    assert slider_range(lo, hi, default, lo_open) == pytest.approx(expected)


def test_integer_sliders_step_by_whole_numbers() -> None:
    assert slider_range(1, 50, 12, integer=True)[2] == 1.0


@pytest.mark.parametrize(
    ("name", "unit", "label"),
    [
        ("capacity_mw", "MW", "capacity [MW]"),
        ("chip_share", "-", "chip share"),
        ("years", "yr", "years [yr]"),
        ("algorithmic_doublings_per_year", "doublings/yr", "algorithmic [doublings/yr]"),
        ("max_flop_per_joule", "FLOP/J", "max flop per joule [FLOP/J]"),
        ("usd_per_t_co2", "USD/tCO2", "carbon tax [USD/tCO2]"),
    ],
)
def test_labels_come_from_name_and_unit(name: str, unit: str, label: str) -> None:
    assert label_for(name, unit, fallback="carbon_tax") == label


def test_a_slider_snapping_to_its_grid_is_no_change() -> None:
    spec = next(c for c in controls.all_controls() if c.key == "firms.chip_share")
    shown = shown_value(build_scenario(Settings("baseline")), spec)
    assert shown.value == pytest.approx(0.66875)  # the firms' mean, off the 0.002 grid
    assert controls.slider_change(spec, shown, 0.669) is None  # the browser's rounding
    assert controls.slider_change(spec, shown, 0.666) == 0.666  # a step to the left
    assert controls.slider_change(spec, shown, 0.7000000000000001) == 0.7


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.7, "0.7"),
        (1500.0, "1,500"),
        (12.345, "12.35"),
        (7e11, "7e11"),
        (0.0009, "9e-4"),
        (0.0, "0"),
        (math.inf, "∞"),
        (math.nan, "—"),
    ],
)
def test_format_number(x: float, text: str) -> None:
    assert format_number(x) == text


# --------------------------------------------------------------------------------------------
# control values -> load_scenario overrides -> scenario
# --------------------------------------------------------------------------------------------


def test_unchanged_settings_are_the_shipped_scenario() -> None:
    for name in ("baseline", "energy-cap"):
        assert overrides(Settings(name)) == {}
        assert build_scenario(Settings(name)) == load_scenario(name)


def test_a_group_control_sets_every_entry() -> None:
    settings = Settings("baseline").with_value("firms.chip_share", 0.5)
    assert overrides(settings) == {"firms.chip_share": 0.5}
    scenario = build_scenario(settings)
    assert {f.chip_share for f in scenario.firms} == {0.5}
    assert len(scenario.firms) == len(load_scenario("baseline").firms)


def test_settings_build_what_load_scenario_builds() -> None:
    settings = (
        Settings("baseline")
        .with_value("run.years", 5.0)
        .with_value("law.kappa", 0.2)
        .with_value("suppliers.capacity_mw", 3000.0)
        .with_value("policies.carbon_tax.usd_per_t_co2", 50.0)
    )
    expected = load_scenario("baseline", overrides(settings))
    built = build_scenario(settings)
    assert built.name == "baseline-dashboard"
    assert "law.kappa = 0.2" in built.description
    assert dataclasses.replace(built, name=expected.name, description=expected.description) == (
        expected
    )


def test_switching_a_lever_on_uses_its_defaults_and_keeps_the_scenarios() -> None:
    on = Settings("baseline").with_lever("energy_cap", True)
    assert overrides(on) == {"policies.energy_cap.cap_mw": 2000.0}
    assert build_scenario(on).policies.energy_cap is not None
    # a lever the scenario already has keeps its own value
    kept = Settings("energy-cap").with_lever("energy_cap", True)
    assert overrides(kept) == {}
    cap = build_scenario(kept).policies.energy_cap
    assert cap is not None and cap.cap_mw == 5000.0


def test_switching_a_lever_off_removes_it_and_ignores_its_values() -> None:
    settings = (
        Settings("energy-cap")
        .with_value("policies.energy_cap.cap_mw", 300.0)
        .with_lever("energy_cap", False)
    )
    assert overrides(settings) == {}
    assert build_scenario(settings).policies.energy_cap is None
    back_on = settings.with_lever("energy_cap", True)
    cap = build_scenario(back_on).policies.energy_cap
    assert cap is not None and cap.cap_mw == 300.0


def test_a_rejected_value_is_a_one_line_user_error() -> None:
    settings = Settings("energy-cap").with_value("policies.energy_cap.from_year", 1800.0)
    with pytest.raises(UserError, match=r"from_year = 1800\.0 is out of range") as info:
        build_scenario(settings)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "settings",
    [
        Settings("energy-cap")
        .with_value("policies.energy_cap.cap_mw", 200.0)
        .with_value("policies.energy_cap.from_year", 2024.0),
        Settings("baseline")
        .with_value("law.preset", "hoffmann")
        .with_value("law.kappa", 0.16)
        .with_value("firms.training_share", 0.3)
        .with_lever("export_control", True)
        .with_value("policies.export_control.region", "eu"),
        Settings("export-control").with_lever("export_control", False),
    ],
    ids=["tighter-cap", "law-and-export", "lever-off"],
)
def test_exported_settings_load_back_and_run(settings: Settings, tmp_path: Path) -> None:
    scenario = build_scenario(settings)
    path = tmp_path / f"{scenario.name}.toml"
    path.write_text(to_toml(scenario))
    assert load_scenario(path) == scenario
    code = cli.main(
        [
            "run",
            str(path),
            "--years",
            "0.25",
            "--no-figures",
            "--json",
            "--out",
            str(tmp_path / "run"),
        ]
    )
    assert code == 0


# --------------------------------------------------------------------------------------------
# the panel's worker
# --------------------------------------------------------------------------------------------


def short_scenario(years: float = 0.5) -> Scenario:
    return build_scenario(Settings("energy-cap").with_value("run.years", years))


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_runner_starts_at_step_zero_with_readouts_and_no_figure() -> None:
    r = runner.PanelRunner(short_scenario())
    snap = r.initial
    assert (snap.step, snap.n_steps, snap.png) == (0, 6, None)
    assert set(snap.readouts) == {"year", "leader", "price", "profit", "energy"}
    assert snap.readouts["year"] == "Year 2024.00 · step 0 of 6"
    assert "cap 5,000 MW from 2027" in snap.readouts["energy"]
    assert "Press Step" in snap.note


def test_the_worker_steps_draws_plays_to_the_end_and_stops() -> None:
    r = runner.PanelRunner(short_scenario(), figure="energy", steps_per_frame=2)
    snaps: list[runner.Snapshot] = []
    stopped = threading.Event()
    cancel = threading.Event()
    worker = threading.Thread(target=r.run, args=(cancel, snaps.append, stopped.set))
    worker.start()
    try:
        r.request_steps(1)
        wait_for(lambda: any(s.png for s in snaps))
        drawn = next(s for s in snaps if s.png)
        assert drawn.step == 1 and drawn.figure == "energy"
        assert drawn.png is not None and drawn.png.startswith(b"\x89PNG")
        assert snaps[0].step == 1 and snaps[0].png is None  # readouts first, then the figure
        r.show("prices")
        wait_for(lambda: snaps[-1].figure == "prices")
        r.set_playing(True)
        wait_for(stopped.is_set)
        assert not r.playing and r.model.steps == 6
        assert snaps[-1].step == 6 and snaps[-1].png is not None
        r.set_playing(True)  # nothing left to play
        assert not r.playing
    finally:
        cancel.set()
        worker.join(timeout=5)
    assert not worker.is_alive()


def test_readouts_after_steps_name_the_leader_price_and_shares() -> None:
    r = runner.PanelRunner(short_scenario())
    for _ in range(3):
        r.model.step()
    text = r.snapshot(draw=False).readouts
    assert text["year"] == "Year 2024.25 · step 3 of 6"
    assert text["leader"].startswith("Leader: ") and "nats/token" in text["leader"]
    assert "USD per million tokens" in text["price"]
    assert text["profit"].startswith("Profit share so far")
    assert "MW delivered of" in text["energy"]


def test_every_figure_can_be_drawn_in_the_panel() -> None:
    r = runner.PanelRunner(short_scenario(0.25))
    for _ in range(3):
        r.model.step()
    result = runner.collect(r.model)
    for name in runner.FIGURES:
        assert runner.figure_png(result, name).startswith(b"\x89PNG")


# --------------------------------------------------------------------------------------------
# per-session state: importing the page makes no model
# --------------------------------------------------------------------------------------------


@NEEDS_EXTRA
def test_the_app_imports_without_making_a_model() -> None:
    # in a fresh interpreter with warnings as errors, as the server imports it
    code = """
import sim.model as m
made = []
init = m.EfficiencyRaceModel.__init__
def counting(self, *args, **kwargs):
    made.append(1)
    init(self, *args, **kwargs)
m.EfficiencyRaceModel.__init__ = counting
import experiments.dashboard.app as app
from experiments.dashboard.runner import PanelRunner
assert not made, "a model was made at import"
assert not [k for k, v in vars(app).items() if isinstance(v, (m.EfficiencyRaceModel, PanelRunner))]
print("ok")
"""
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_the_teachers_guide_explains_every_control_and_figure() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "teachers.md").read_text()
    for spec in controls.all_controls():
        assert f"`{spec.key}`" in text, f"docs/teachers.md does not explain {spec.key}"
    for label in runner.FIGURE_LABELS.values():
        assert f"**{label}**" in text, f"docs/teachers.md does not explain the figure {label}"


# --------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------


@NEEDS_EXTRA
def test_dashboard_command_serves_the_page_offline(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = []

    def serve(host: str, port: int) -> int:
        calls.append((host, port))
        return 0

    monkeypatch.setattr(server, "serve", serve)
    monkeypatch.setattr("experiments.dashboard_cli.check_address", lambda host, port: None)
    assert cli.main(["dashboard"]) == 0
    assert calls == [("127.0.0.1", 8765)]
    assert "http://127.0.0.1:8765/" in capsys.readouterr().out


def test_server_command_and_environment() -> None:
    command = server.solara_command("0.0.0.0", 9000)
    assert command[:5] == [sys.executable, "-m", "solara", "run", server.APP]
    for flag in ("--production", "--no-open", "--no-check-version"):
        assert flag in command
    assert command[command.index("--workers") + 1] == "1"
    env = server.server_env({"SOLARA_ASSETS_CDN": "https://cdn.jsdelivr.net/npm", "PATH": "/bin"})
    assert env["SOLARA_ASSETS_CDN"] == "http://127.0.0.1:9/"  # forced, not a default
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_ASSETS_PROXY"] == "True"
    assert env["PATH"] == "/bin"
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == "2h"  # a default ...
    assert server.server_env({"SOLARA_KERNEL_CULL_TIMEOUT": "30m"})[
        "SOLARA_KERNEL_CULL_TIMEOUT"
    ] == ("30m")  # ... that the environment overrides


def test_dashboard_without_its_extra_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = __import__("importlib.util").util.find_spec
    monkeypatch.setattr(
        "importlib.util.find_spec", lambda name, *a: None if name == "solara" else real(name, *a)
    )
    assert cli.main(["dashboard"]) == 2
    err = capsys.readouterr().err
    assert err == "effrace: error: the dashboard needs its extra: pip install -e '.[dashboard]'\n"


@NEEDS_EXTRA
def test_dashboard_on_a_taken_port_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["dashboard", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and err.count("\n") == 1


@NEEDS_EXTRA
def test_dashboard_on_a_bad_port_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["dashboard", "--port", "70000"]) == 2
    assert "--port 70000: must be between 1 and 65535" in capsys.readouterr().err
