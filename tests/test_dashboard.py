"""The dashboard without a browser: controls generated from the dataclasses, control values to
scenarios, the export round trip, the panel's worker, the command, and per-session state."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from experiments import cli
from experiments.dashboard import controls, plots, readouts, runner, series, server
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
from sim import law
from sim.errors import UserError
from sim.params import POLICY_TYPES, Scenario
from sim.scenario import GROUPS, SECTIONS, load_scenario, shipped_names, to_toml


def _dashboard_extra_installed() -> bool:
    """The same check ``effrace dashboard`` makes (solara, its local assets, plotly)."""
    from experiments import dashboard_cli

    try:
        dashboard_cli.check_installed()
    except UserError:
        return False
    return importlib.util.find_spec("reacton") is not None


NEEDS_EXTRA = pytest.mark.skipif(
    not _dashboard_extra_installed(),
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


def test_every_control_shown_has_words_for_students() -> None:
    # a new key=True field in sim/params.py fails here until someone writes its label and
    # tooltip in controls.STUDENT_WORDS; an entry for a control no longer shown fails too
    shown = {c.key for c in controls.all_controls()}
    assert sorted(shown - set(controls.STUDENT_WORDS)) == [], "no student wording"
    assert sorted(set(controls.STUDENT_WORDS) - shown) == [], "wording for no control"
    for spec in controls.all_controls():
        words, tooltip = controls.STUDENT_WORDS[spec.key]
        assert spec.label == controls.student_label(words, spec.unit)
        assert spec.tooltip == tooltip


def test_the_words_for_students_are_plain() -> None:
    citation = re.compile(r"\b[A-Z][a-z]+\d{2}\b|EpochHW|docs/|\bNone\b|[Oo]verride|section \d")
    for spec in controls.all_controls():
        words, tooltip = controls.STUDENT_WORDS[spec.key]
        assert "_" not in words and "[" not in words, spec.key  # the unit is added from params
        assert not citation.search(words + " " + tooltip), (spec.key, tooltip)
        # one or two sentences (no abbreviations with a full stop), saying what "up" does
        assert tooltip.endswith(".") and tooltip.count(". ") <= 1, (spec.key, tooltip)
        if spec.widget == "slider":
            assert "Higher: " in tooltip, spec.key
        # the researcher's description stays in sim/params.py, for docs/model.md
        assert spec.doc != tooltip


@pytest.mark.parametrize(
    ("key", "label", "tooltip"),
    [
        (
            "run.years",
            "run length [yr]",
            "How many years the simulation runs, from the scenario's start year (the slider "
            "starts at this scenario's own length). Higher: the race goes further into the "
            "future.",
        ),
        (
            "law.kappa",
            "returns to compute (kappa)",
            "The elasticity of a model's error above the floor with respect to its training "
            "compute: 1% more compute cuts that error by about kappa %, and until you move it "
            "the slider shows the published estimate's value. Higher: each doubling of compute "
            "cuts the error by a larger percentage, and every model starts with a smaller error.",
        ),
        (
            "firms.chip_share",
            "budget share spent on chips",
            "The fraction (0 to 1) of what a lab spends, after paying for power and R&D, that "
            "buys new chips; the rest stays in cash. Higher: labs build up computing power "
            "faster and keep less cash (labs that adapt their strategy move it from this "
            "start).",
        ),
        (
            "policies.energy_cap.cap_mw",
            "power limit [MW]",
            "The most electric power all AI labs together may draw, in megawatts; when they ask "
            "for more, permits for the capped power are sold at auction and the government "
            "collects the money. Higher: a looser cap, which does nothing once it is above what "
            "the labs ask for.",
        ),
        ("policies.energy_cap.from_year", "start year [calendar year]", None),
        ("policies.carbon_tax.usd_per_t_co2", "tax rate [USD/tCO2]", None),
        ("law.preset", "published estimate", None),
        ("market.taste_noise_usd_per_task", "spread of buyers' tastes [USD/task]", None),
    ],
)
def test_a_control_reads_as_a_student_sees_it(key: str, label: str, tooltip: str | None) -> None:
    spec = next(c for c in controls.all_controls() if c.key == key)
    assert spec.label == label
    if tooltip is not None:
        assert spec.tooltip == tooltip


def test_a_control_without_student_words_keeps_its_name_and_doc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sim.params import RunParams

    field = next(f for f in dataclasses.fields(RunParams) if f.name == "years")
    monkeypatch.delitem(controls.STUDENT_WORDS, "run.years")
    spec = controls._spec(field, "run", "Run")
    assert spec.label == "years [yr]"
    assert spec.tooltip == spec.doc == field.metadata["doc"]
    assert (spec.widget, spec.slider_lo, spec.slider_hi) == ("slider", 2.0, 50.0)  # still works


def test_the_numbers_the_tooltips_quote_are_the_models() -> None:
    from sim.params import EnergyCapParams, ExportControlParams, FirmParams, VendorParams

    tip = {c.key: c.tooltip for c in controls.all_controls()}
    # the three published estimates and their returns to compute, in the tooltip's order
    kappas = ", ".join(f"{law.get_law(p).kappa:.2f}" for p in ("besiroglu", "hoffmann", "kaplan"))
    assert kappas == "0.18, 0.15, 0.05"
    assert "are 0.18, 0.15 and 0.05." in tip["law.preset"]
    # kappa is an elasticity of L - E; K and E stay the estimate's, so a higher kappa starts
    # every model (any compute above 1 FLOP) with a smaller error
    base = law.get_law("besiroglu")
    higher = law.ComputeLaw(base.loss_floor, base.k_coefficient, base.kappa + 0.02, "test")
    for flop in (1e20, 1e24, 1e28):
        assert higher.loss(flop) < base.loss(flop)
        ratio = (base.loss(1.01 * flop) - base.loss_floor) / (base.loss(flop) - base.loss_floor)
        assert 1 - ratio == pytest.approx(base.kappa / 100, rel=0.01)
    assert "the published estimate's value" in tip["law.kappa"]
    kappa = next(c for c in controls.all_controls() if c.key == "law.kappa")
    assert shown_value(load_scenario("baseline"), kappa).note == "the published estimate's value"
    # defaults the sentences quote
    algorithmic = FirmParams.__dataclass_fields__["algorithmic_doublings_per_year"].default
    assert (algorithmic, round(12 / algorithmic)) == (1.2, 10)
    assert "at 1.2 a year" in tip["firms.algorithmic_doublings_per_year"]
    assert "halves every 10 months" in tip["firms.algorithmic_doublings_per_year"]
    chip = VendorParams.__dataclass_fields__["flop_per_joule_doublings_per_year"].default
    assert (chip, round(2**chip, 2)) == (0.45, 1.37)
    assert "0.45 a year is x1.37 a year" in tip["vendors.flop_per_joule_doublings_per_year"]
    hurdle = next(c for c in controls.all_controls() if c.key == "market.hurdle_rate_per_year")
    assert hurdle.default == 0.12 and "(0.12 is 12% a year)" in hurdle.tooltip
    # the cap is sold at auction: by default (a lever switched on) and in every shipped scenario
    assert EnergyCapParams().allocation == "auction"
    for name in shipped_names():
        cap = load_scenario(name).policies.energy_cap
        assert cap is None or cap.allocation == "auction", name
    # export control: half an H100-class chip (the baseline's first vendor), and the shipped
    # scenario's limit follows the best chip three years behind
    threshold = ExportControlParams().max_flop_per_joule
    assert threshold / load_scenario("baseline").vendors[0].flop_per_joule == pytest.approx(
        0.5, abs=0.01
    )
    assert "(7e11 is about half an H100" in tip["policies.export_control.max_flop_per_joule"]
    control = load_scenario("export-control").policies.export_control
    assert control is not None and control.lag_years == 3.0
    assert "(export-control: 3)" in tip["policies.export_control.max_flop_per_joule"]
    # every region a shipped scenario's labs are in is one the region tooltip explains
    regions = {f.region for name in shipped_names() for f in load_scenario(name).firms}
    assert regions <= {"cn", "us", "eu"}, regions
    for region in ("cn (China)", "us (United States)", "eu (European Union)"):
        assert region in tip["policies.export_control.region"]


@pytest.mark.parametrize(
    ("name", "regions"),
    [
        ("baseline", ("cn", "eu", "us")),
        ("export-control", ("cn", "eu", "us")),
        ("symmetric", ("cn", "us")),
    ],
)
def test_the_region_drop_down_offers_only_regions(name: str, regions: tuple[str, ...]) -> None:
    # it offered an empty choice too: the region of the vendors and suppliers that have none
    spec = next(c for c in controls.all_controls() if c.key == "policies.export_control.region")
    assert shown_value(load_scenario(name), spec).choices == regions


def test_a_slider_snapping_to_its_grid_is_no_change() -> None:
    spec = next(c for c in controls.all_controls() if c.key == "firms.chip_share")
    shown = shown_value(build_scenario(Settings("baseline")), spec)
    assert shown.value == pytest.approx(0.675)  # the firms' mean, off the 0.002 grid
    assert controls.slider_change(spec, shown, 0.676) is None  # the browser's rounding
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
    ("key", "value", "line"),
    [
        (
            "policies.energy_cap.from_year",
            1800.0,
            "Energy cap, start year: 1800 is outside what the model accepts, 1900 to 2500 "
            "[calendar year]",
        ),
        (
            "policies.carbon_tax.for_years",
            -1.0,
            "Carbon tax, duration: -1 is outside what the model accepts, 0 or more [yr]",
        ),
        (
            "policies.export_control.from_year",
            math.nan,
            "Export control, start year: nan is outside what the model accepts, 1900 to 2500 "
            "[calendar year]",
        ),
    ],
)
def test_a_rejected_value_is_named_as_the_page_names_it(key: str, value: float, line: str) -> None:
    # the red line names the section and label a student sees, not the override key
    settings = Settings("energy-cap").with_value("policies.energy_cap.cap_mw", 3000.0)
    settings = settings.with_value(key, value)
    with pytest.raises(UserError) as info:
        build_scenario(settings)
    assert controls.rejection(settings, info.value) == line


def test_a_rejection_the_controls_cannot_name_keeps_the_models_message() -> None:
    error = UserError("energy-cap: something else went wrong")
    assert controls.rejection(Settings("energy-cap"), error) == str(error)


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


class Recorder:
    """A panel's display that records what the session sends it (runner.Display)."""

    def __init__(self) -> None:
        self.figures: list[dict[str, Any]] = []
        self.deltas: list[dict[str, Any]] = []
        self.layouts: list[dict[str, Any]] = []
        self.rows: list[dict[str, str]] = []

    def reset(self, figure: dict[str, Any]) -> None:
        self.figures.append(figure)

    def extend(self, start, step, xs, ys, traces, layout=None) -> None:  # type: ignore[no-untyped-def]
        self.deltas.append(
            {"start": start, "step": step, "x": xs, "y": ys, "traces": traces, "layout": layout}
        )

    def relayout(self, update: dict[str, Any]) -> None:
        self.layouts.append(update)

    def readouts(self, rows: list[dict[str, str]]) -> None:
        self.rows = rows

    def text(self, key: str) -> str:
        return next(r["label"] + " " + r["text"] for r in self.rows if r["key"] == key)


def session_with(
    a: Scenario, b: Scenario
) -> tuple[runner.Session, dict[str, Recorder], list[tuple[str, bool, bool]]]:
    states: list[tuple[str, bool, bool]] = []
    displays = {"A": Recorder(), "B": Recorder()}
    s = runner.Session(displays, lambda *state: states.append(state))  # type: ignore[arg-type]
    s.command("load", "A", a)
    s.command("load", "B", b)
    s.process_pending()
    return s, displays, states


def test_a_session_starts_at_step_zero_with_figures_and_readouts() -> None:
    s, shown, _ = session_with(short_scenario(), short_scenario())
    fig = shown["A"].figures[-1]
    assert fig["count"] == 1 and fig["step"] == 0
    names = [t["name"] for t in fig["data"]]
    labs = [f.name for f in s.panels["A"].model.firms]
    assert names[: len(labs)] == labs
    # the closed-form curve is drawn whole from step 0, over the run's 6 steps
    curve = next(t for t in fig["data"] if t["name"] == "closed-form curve")
    assert len(curve["x"]) == 7 and curve["x"][0] == 2024.0
    assert curve["x"][-1] == pytest.approx(2024.5)
    assert [r["key"] for r in shown["A"].rows] == ["year", "leader", "price", "profit", "energy"]
    assert shown["A"].text("year") == "Year 2024.00 · step 0 of 6"
    assert "cap 5,000 MW from 2027" in shown["B"].text("energy")
    assert "nothing sold yet" in shown["A"].text("price")
    # both panels share the time axis: the whole run, from its start
    assert fig["layout"]["xaxis"]["range"] == pytest.approx([2024.0, 2024.5])


def test_each_legend_lists_every_name_once() -> None:
    # "Who earns" draws each sector twice (profit, margin): one legend entry, toggling both
    s, shown, _ = session_with(short_scenario(), short_scenario())
    for name in series.FIGURES:
        s.command("figure", name)
        s.process_pending()
        data = shown["A"].figures[-1]["data"]
        listed = [t["name"] for t in data if t["showlegend"]]
        assert len(listed) == len(set(listed)), (name, listed)
        assert set(listed) == {t["name"] for t in data}, name
    s.command("figure", "money")
    s.process_pending()
    money = shown["A"].figures[-1]["data"]
    assert [t["name"] for t in money] == ["AI labs", "chip makers", "power companies"] * 2
    assert [t["showlegend"] for t in money] == [True] * 3 + [False] * 3
    assert [t["legendgroup"] for t in money] == [t["name"] for t in money]


def test_a_step_sends_only_the_new_points_of_each_line() -> None:
    s, shown, _ = session_with(short_scenario(), short_scenario())
    s.command("step", ("A",))
    s.process_pending()
    assert shown["B"].deltas == []  # B did not move
    delta = shown["A"].deltas[-1]
    model = s.panels["A"].model
    assert delta["start"] == 1 and delta["step"] == 1
    assert all(x == [pytest.approx(2024 + 1 / 12)] for x in delta["x"])
    firms = list(model.firms)
    assert len(delta["traces"]) == 2 * len(firms)  # loss and share per lab; the curve is fixed
    floor = model.law.loss_floor
    assert [y[0] for y in delta["y"][: len(firms)]] == pytest.approx(
        [f.loss - floor for f in firms]
    )
    shares = [y[0] for y in delta["y"][len(firms) :]]
    assert shares == pytest.approx([f.market_share for f in firms])
    assert "step 1 of 6" in shown["A"].text("year")


def test_play_both_keeps_the_panels_in_lockstep_to_the_end() -> None:
    s, shown, states = session_with(short_scenario(), short_scenario(0.25))
    s.command("speed", "a month a frame")
    s.command("play", ("A", "B"), True)
    s.process_pending()
    assert ("A", True, False) in states and ("B", True, False) in states
    for frame in range(1, 4):
        s.play_frame()
        assert s.panels["A"].model.steps == s.panels["B"].model.steps == frame
    while s.panels["A"].playing:
        s.play_frame()
    assert s.panels["A"].model.steps == 6 and s.panels["B"].model.steps == 3
    assert ("A", False, True) in states and ("B", False, True) in states
    assert shown["A"].deltas[-1]["step"] == 6


def test_same_scale_gives_both_panels_the_same_ranges() -> None:
    tight = (
        Settings("energy-cap")
        .with_value("run.years", 1.0)
        .with_value("policies.energy_cap.from_year", 2024.0)
        .with_value("policies.energy_cap.cap_mw", 300.0)
    )
    s, shown, _ = session_with(
        build_scenario(Settings("baseline").with_value("run.years", 1.0)), build_scenario(tight)
    )
    s.command("figure", "energy")
    for _ in range(6):
        s.command("step", ("A", "B"))
    s.process_pending()
    assert s.panels["A"].y_ranges == s.panels["B"].y_ranges
    a, b = shown["A"].figures[-1]["layout"], shown["B"].figures[-1]["layout"]
    assert a["yaxis"]["range"] == b["yaxis"]["range"]
    s.command("same_scale", False)
    s.process_pending()
    assert s.panels["A"].y_ranges != s.panels["B"].y_ranges


def test_the_energy_cap_line_is_the_models_own_schedule() -> None:
    scenario = build_scenario(
        Settings("energy-cap")
        .with_value("run.years", 1.0)
        .with_value("policies.energy_cap.from_year", 2024.5)
    )
    years, cap = series.energy_cap_schedule(scenario)
    model = runner.EfficiencyRaceModel(scenario, collect_agents=False)
    for k in range(1, scenario.run.n_steps + 1):
        model.step()
        assert years[k] == pytest.approx(model.year)
        expected = model.energy_cap_mw
        assert (math.isnan(cap[k]) and math.isnan(expected)) or cap[k] == expected


def test_the_closed_form_curve_starts_at_the_best_funded_lab() -> None:
    model = runner.EfficiencyRaceModel(short_scenario(), collect_agents=False)
    _, excess = series.mean_field_curve(model)
    first = max(model.firms, key=lambda f: model.initial_compute_flop[f.unique_id])
    assert excess[0] == pytest.approx(first.loss - model.law.loss_floor)
    assert (excess[1:] < excess[:-1]).all()
    # L - E falls as 2^(-kappa g t) once the doublings dominate: a hand check after 6 months
    assert excess[-1] / excess[0] == pytest.approx(
        float(law.relative_excess_loss(0.5, 2.0, model.law.kappa, model.config.law.tau0_years))
    )


def test_the_reference_curve_uses_the_same_growth_as_effrace_run() -> None:
    from sim import figures

    assert series.MEAN_FIELD_DOUBLINGS_PER_YEAR == figures.MEAN_FIELD_DOUBLINGS_PER_YEAR


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        (
            {"consumers": 3e9, "firms": 1e9, "carbon_damages": -1e9},
            ["gains $4B:", "buyers $3B (75%)", "AI labs $1B (25%)", "climate damage -$1B (-25%)"],
        ),
        (
            {"consumers": 9.7e12, "vendors": 2e11, "firms": -1e11, "government": 0.0},
            ["buyers $9.7T (98%)", "chip makers $200B (2%)", "AI labs -$100B (-1%)"],
        ),
    ],
)
def test_value_capture_shows_levels_and_shares_of_the_gains(
    levels: dict[str, float], expected: list[str]
) -> None:
    """Shares are of what the gainers gained (sim.finance.surplus_shares): a loser's share is
    negative, never a share of a negative total; a party at zero is left out."""
    text, tip = readouts.value_capture(levels)
    for part in expected:
        assert part in text, text
    assert "government" not in text
    assert "share of the gains" in tip


def test_value_capture_shows_no_shares_when_nobody_gains() -> None:
    text, _ = readouts.value_capture({"firms": -2e9, "vendors": -1e9, "carbon_damages": -1e8})
    assert "%" not in text
    assert "AI labs -$2B" in text and "chip makers -$1B" in text


def test_the_glossary_says_how_the_dashboards_energy_cap_is_shared() -> None:
    # every shipped energy cap (the only ones the dashboard loads) sells permits by auction,
    # so the words under the panels must say so, not that deliveries are cut alike (pro rata)
    caps = [load_scenario(name).policies.energy_cap for name in shipped_names()]
    assert {cap.allocation for cap in caps if cap is not None} == {"auction"}
    words = readouts.GLOSSARY["energy cap"]
    assert "auction" in words and "permit" in words and "government" in words
    assert "in proportion" not in words


def test_the_glossary_says_what_relative_excess_loss_is_measured_against() -> None:
    # the Best model tooltip shows X from step 0: the words must not say it starts at 1
    from sim.model import EfficiencyRaceModel

    words = readouts.GLOSSARY["relative excess loss (X)"]
    names = shipped_names()
    assert {load_scenario(name).law.reference_compute_flop for name in names} == {1e24}
    assert "1e24 FLOP" in words and "1 at the start" not in words
    starts = [
        firm.relative_excess_loss
        for name in names
        for firm in EfficiencyRaceModel(name, rng=0, collect_agents=False).firms
    ]
    assert "about 0.25-1.1" in words
    assert 0.24 < min(starts) < 0.26 and 1.05 < max(starts) < 1.1


def test_the_readout_sums_each_partys_gains_as_the_run_summary_does() -> None:
    """The dashboard's running sums equal sim.run.cumulative_surplus of the same run."""
    from sim.run import cumulative_surplus, simulate

    scenario = short_scenario()
    s, _, _ = session_with(scenario, scenario)
    steps = scenario.run.n_steps
    for _ in range(steps):
        s.command("step", ("A",))
    s.process_pending()
    last = s.panels["A"].history.last
    expected = cumulative_surplus(simulate(scenario, seed=scenario.run.seed).model)
    for party, value in expected.items():
        key = f"cum_surplus_{party.replace(' ', '_')}_usd"
        assert last[key] == pytest.approx(value, rel=1e-9, abs=1e-3), party


@pytest.mark.parametrize(
    ("x", "text"), [(3.5e12, "$3.5T"), (-4e9, "-$4B"), (2.05e7, "$20.5M"), (999.0, "$999")]
)
def test_money_in_words(x: float, text: str) -> None:
    assert readouts.usd(x) == text


@pytest.mark.parametrize(
    ("log", "percent", "found", "expected"),
    [
        (True, False, (2e-3, 4e-2), [-3.0, -1.0]),
        (True, False, (0.02, 0.03), [-2.0, -1.5]),
        (False, True, (0.1, 0.8), [0.0, 1.05]),
        (False, False, (0.0, 57.0), [0.0, 60.0]),
        (False, False, (-2.0, 57.0), [-5.0, 60.0]),
    ],
)
def test_axis_ranges_are_round(
    log: bool, percent: bool, found: tuple[float, float], expected: list[float]
) -> None:
    row = series.Row("y", (), log=log, percent=percent)
    assert plots.y_range(row, found) == pytest.approx(expected)


def test_export_names_carry_scenario_session_and_time() -> None:
    pytest.importorskip("solara", reason="the dashboard extra is not installed")
    from experiments.dashboard.app import export_name

    when = time.mktime((2026, 11, 29, 14, 2, 3, 0, 0, -1))
    name = export_name(short_scenario(), "3f9a1c77-aaaa", when)
    assert name == "energy-cap-dashboard_3f9a1c_20261129-140203.toml"


def test_a_live_plot_keeps_what_the_browser_holds() -> None:
    pytest.importorskip("ipyvuetify", reason="the dashboard extra is not installed")
    from experiments.dashboard.plot import LivePlot, clean

    w = LivePlot()
    w.reset({"data": [{"x": [0.0], "y": [1.0]}], "layout": {}, "count": 1, "step": 0})
    w.extend(1, 1, [[1.0, 2.0]], [[2.0, math.nan]], [0], {"yaxis.range": [0, 3]})
    assert w._figure is not None
    assert w._figure["data"][0]["y"] == [1.0, 2.0, None]
    assert w._figure["count"] == 3 and w._figure["layout"] == {"yaxis": {"range": [0, 3]}}
    assert clean(math.inf) is None and clean(2) == 2.0


# --------------------------------------------------------------------------------------------
# per-session state: importing the page makes no model
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
@NEEDS_EXTRA
def test_the_app_imports_without_making_a_model() -> None:
    pytest.importorskip("solara", reason="the dashboard extra is not installed")
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
from experiments.dashboard.runner import Session
assert not made, "a model was made at import"
assert not [k for k, v in vars(app).items() if isinstance(v, (m.EfficiencyRaceModel, Session))]
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
    for fig in series.FIGURES.values():
        assert f"**{fig.tab}**" in text, f"docs/teachers.md does not explain the figure {fig.tab}"


def test_the_teachers_guide_names_settings_and_scenarios_as_the_page_does() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "teachers.md").read_text()
    rows = {m[1]: m[0] for m in re.findall(r"^\| ([^|]+?) \| `([\w.]+)` \|", text, re.M)}
    for spec in controls.all_controls():
        if not spec.key.startswith("policies."):  # a lever's row names its fields together
            assert rows.get(spec.key) == spec.label, (spec.key, rows.get(spec.key), spec.label)
    # the settings table's run length and the bar's step name every shipped exception
    years_row = next(line for line in text.splitlines() if "| `run.years` |" in line)
    step = text.partition("**The bar on top**")[2].partition("**Step both**")[2].partition(")")[0]
    for name in shipped_names():
        run = load_scenario(name).run
        if run.years != 20:
            assert f"`{name}`, {run.years:g}" in years_row, (name, years_row)
        if run.steps_per_year != 12:
            assert f"`{name}`" in step, (name, step)


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
    pytest.importorskip("plotly", reason="the dashboard extra is not installed")
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


@NEEDS_EXTRA
def test_dashboard_on_an_address_of_another_machine_is_a_user_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): never this machine's; binding sends nothing
    assert cli.main(["dashboard", "--host", "192.0.2.1"]) == 2
    err = capsys.readouterr().err
    assert err == "effrace: error: --host 192.0.2.1: not an address of this machine\n"


@NEEDS_EXTRA
@pytest.mark.parametrize("value", ["abc", "2 hours", "30m ", "-5m", "", "nan"])
def test_dashboard_with_a_bad_cull_timeout_is_a_user_error(
    value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/teachers.md: SOLARA_KERNEL_CULL_TIMEOUT=30m effrace dashboard; a value Solara cannot
    read stopped the server at start with a traceback."""
    monkeypatch.setenv("SOLARA_KERNEL_CULL_TIMEOUT", value)
    monkeypatch.setattr(server, "serve", lambda host, port: pytest.fail("served"))
    assert cli.main(["dashboard"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"effrace: error: SOLARA_KERNEL_CULL_TIMEOUT={value}: not a duration")
    assert err.count("\n") == 1


@NEEDS_EXTRA
@pytest.mark.parametrize("value", ["30m", "2h", "1d", "90s", "600", "0"])
def test_cull_timeouts_solara_reads_are_accepted(value: str) -> None:
    from experiments.dashboard_cli import check_cull_timeout

    check_cull_timeout(value)  # no error


@pytest.mark.slow
def test_two_servers_serve_side_by_side(tmp_path: Path) -> None:
    """docs/teachers.md's recipe for a bigger class: one server per group, on its own port."""
    pytest.importorskip("solara", reason="the dashboard extra is not installed")
    from _dashboard_server import Server

    servers = [Server(tmp_path / f"server{i}.log") for i in range(2)]
    try:
        for s in servers:
            s.wait_ready()
        assert servers[0].port != servers[1].port
        for s in servers:
            with urllib.request.urlopen(s.url + "static/assets/plotly.min.js", timeout=30) as r:
                assert r.status == 200 and b"plotly" in r.read(4096).lower()
            with urllib.request.urlopen(s.url, timeout=30) as r:  # the page, titled as ours
                assert b"<title>Efficiency race dashboard</title>" in r.read()
    finally:
        for s in servers:
            s.stop()
    for s in servers:
        s.assert_clean_log()
        assert s.proc.returncode is not None


def test_the_panel_describes_changes_in_words_not_keys() -> None:
    changed = (
        Settings("energy-cap")
        .with_value("policies.energy_cap.cap_mw", 200.0)
        .with_value("policies.energy_cap.from_year", 2024.0)
        .with_lever("carbon_tax", False)
    )
    text = controls.shown_description(changed)
    assert text.endswith(
        "Changed: Energy cap: power limit [MW] 200, start year 2024; Carbon tax: off."
    )
    assert "policies." not in text
    assert (
        controls.shown_description(Settings("energy-cap"))
        == load_scenario("energy-cap").description
    )


def test_a_closed_tab_frees_memory_without_starting_a_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # release_memory runs in the server at every closed tab: no ldconfig child (what
    # ctypes.util.find_library starts) from a process that holds every session's memory
    def no_child(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"started a process: {args}")

    monkeypatch.setattr(subprocess, "Popen", no_child)
    runner.release_memory()


def test_freeing_memory_is_a_no_op_where_the_c_library_cannot_be_opened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ctypes

    def no_library(name: object, *args: Any, **kwargs: Any) -> None:
        if name is None:  # Windows: LoadLibrary() takes no None
            raise TypeError("LoadLibrary() argument 1 must be str, not None")
        raise OSError(name)

    monkeypatch.setattr(ctypes, "CDLL", no_library)
    runner.release_memory()  # a closed tab on a student's Windows laptop: nothing raised


@NEEDS_EXTRA  # the page needs the extra's pinned set (ipyvuetify 1.x), not any Solara
def test_a_sections_controls_are_made_when_it_is_first_opened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ipyvuetify
    import solara

    from experiments.dashboard import app

    monkeypatch.setattr(solara, "get_session_id", lambda: "test")  # no server here
    sections = controls.control_specs()
    energy_cap = next(i for i, s in enumerate(sections) if s.lever == "energy_cap")
    _, rc = solara.render(app.Page(), handle_error=False)
    try:
        # a fresh page: every section's header, no section's controls
        assert not rc.find(ipyvuetify.Slider).widgets
        assert not rc.find(ipyvuetify.TextField).widgets
        headers = rc.find(ipyvuetify.ExpansionPanelHeader).widgets
        assert len(headers) == 2 * len(sections) + 1  # both panels' sections, the glossary
        panels_b = rc.find(ipyvuetify.ExpansionPanels, class_="controls-B mb-2").widget
        panels_b.v_model = [energy_cap]  # a student opens panel B's energy cap: its controls
        made = [c.widget for c in sections[energy_cap].controls]
        assert made.count("slider") >= 1

        def counts() -> tuple[int, int]:
            sliders = rc.find(ipyvuetify.Slider).widgets
            boxes = rc.find(ipyvuetify.TextField).widgets
            return len(sliders), len(boxes)

        assert counts() == (made.count("slider"), made.count("input"))
        panels_b.v_model = []  # closed again: they stay made, as the student left them
        assert counts() == (made.count("slider"), made.count("input"))
        # the glossary's words, made when it is opened
        glossary = rc.find(ipyvuetify.ExpansionPanels, class_="glossary-panels mt-2").widget
        assert not rc.find(ipyvuetify.Html, tag="dt").widgets
        glossary.v_model = 0
        terms = [w.children[0] for w in rc.find(ipyvuetify.Html, tag="dt").widgets]
        assert terms == list(readouts.GLOSSARY)
    finally:
        rc.close()
