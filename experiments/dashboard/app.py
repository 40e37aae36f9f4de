"""The dashboard page: two scenarios side by side (``effrace dashboard`` serves ``Page``).

Each panel has a scenario picker, controls generated from the parameter dataclasses
(:mod:`experiments.dashboard.controls`), play/pause, step and reset, readouts, the figures of
``effrace run`` and an export of its settings as a scenario file.

Why not Mesa's ``SolaraViz``: its page is built around one model (one set of model parameters,
one step/play bar, one set of components), so it cannot show two models side by side, which is
the point of this page (a policy against its baseline). The page is built from plain Solara
components instead.

Per-session state: everything is created inside the components (``use_reactive``,
``use_memo``), so each browser tab gets its own models; nothing stateful lives at module level.
Offline: no ``solara.Markdown`` (its KaTeX assets are not in solara-assets) and no Altair, only
text, buttons, inputs and PNG images.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import reacton.ipyvuetify as rv
import solara

from experiments.dashboard.controls import (
    ControlSpec,
    SectionSpec,
    Settings,
    build_scenario,
    control_specs,
    format_number,
    lever_summary,
    shown_value,
    slider_change,
)
from experiments.dashboard.runner import FIGURE_LABELS, FIGURES, PanelRunner, Snapshot
from sim.errors import UserError
from sim.params import Scenario
from sim.scenario import shipped_names, to_toml

DEFAULT_SCENARIOS = {"A": "baseline", "B": "energy-cap"}
DEFAULT_FIGURE = "loss_by_firm"
SPEEDS_YEARS_PER_FRAME = {
    "a month a frame": 1 / 12,
    "a quarter a frame": 0.25,
    "a year a frame": 1.0,
}
DEFAULT_SPEED = "a quarter a frame"

CSS = """
.readout { display: block; font-size: 0.95rem; line-height: 1.5; }
.readout-year { font-weight: 600; }
.panel-error { display: block; color: #b00020; font-weight: 600; margin: 4px 0; }
.ctl-label { font-size: 0.85rem; }
.ctl-note { display: block; font-size: 0.75rem; color: #666; }
.scenario-description { display: block; font-size: 0.85rem; color: #555; margin-bottom: 6px; }
.figure-note { display: block; font-size: 0.85rem; color: #555; margin: 8px 0; }
.settings-title { display: block; font-weight: 600; margin: 12px 0 4px 0; }
.v-expansion-panel-content__wrap { padding-bottom: 8px; }
"""


@solara.component
def Page() -> None:
    # one set of state per browser session: Page() runs in each session's own context
    settings_a = solara.use_reactive(Settings(DEFAULT_SCENARIOS["A"]))
    settings_b = solara.use_reactive(Settings(DEFAULT_SCENARIOS["B"]))
    figure = solara.use_reactive(DEFAULT_FIGURE)  # shared: both panels show the same figure

    solara.Title("Efficiency race dashboard")
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle("The efficiency race: two scenarios side by side")
    with solara.Columns([1, 1]):
        ScenarioPanel("A", settings_a, figure)
        ScenarioPanel("B", settings_b, figure)


def _steps_per_frame(scenario: Scenario, speed: str) -> int:
    return max(1, round(SPEEDS_YEARS_PER_FRAME[speed] * scenario.run.steps_per_year))


@solara.component
def ScenarioPanel(
    panel: str, settings: solara.Reactive[Settings], figure: solara.Reactive[str]
) -> None:
    try:
        scenario = build_scenario(settings.value)
    except UserError as exc:  # only a broken shipped scenario gets here: changes are checked
        with solara.Card(f"Scenario {panel}", classes=[f"panel-{panel}"]):
            solara.Text(str(exc), classes=["panel-error", f"error-{panel}"])
        return
    LivePanel(panel, scenario, settings, figure)


@solara.component
def LivePanel(
    panel: str,
    scenario: Scenario,
    settings: solara.Reactive[Settings],
    figure: solara.Reactive[str],
) -> None:
    """One scenario's panel; its model lives in this component, so in this browser session."""
    error: solara.Reactive[str | None] = solara.use_reactive(None)  # last rejected change
    generation = solara.use_reactive(0)  # Reset: same settings, fresh model
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    snapshot: solara.Reactive[Snapshot | None] = solara.use_reactive(None)

    def make_runner() -> PanelRunner | str:
        try:
            return PanelRunner(scenario, figure.value, _steps_per_frame(scenario, speed.value))
        except Exception as exc:  # a model that cannot start: say so, keep the page
            return f"the model could not start with these settings: {exc}"

    made = solara.use_memo(make_runner, [scenario, generation.value])
    runner = made if isinstance(made, PanelRunner) else None

    def start_worker() -> Callable[[], None] | None:
        if runner is None:
            return None
        cancel = threading.Event()

        def publish(snap: Snapshot) -> None:
            if not cancel.is_set():
                snapshot.set(snap)

        def stopped() -> None:
            if not cancel.is_set():
                playing.set(False)

        # started here, inside this session's context, so it can update this session's page;
        # stopped when the runner is replaced or the session ends (the effect's cleanup)
        worker = threading.Thread(
            target=runner.run, args=(cancel, publish, stopped), daemon=True, name=f"panel-{panel}"
        )
        worker.start()
        return cancel.set

    solara.use_effect(start_worker, [runner])

    def sync_view() -> None:
        if runner is not None:
            runner.steps_per_frame = _steps_per_frame(scenario, speed.value)
            runner.show(figure.value)

    solara.use_effect(sync_view, [runner, figure.value, speed.value])

    snap = snapshot.value
    if runner is None:
        snap = None
    elif snap is None or snap.runner != runner.serial:
        snap = runner.initial
    finished = snap is None or snap.step >= snap.n_steps

    def pause() -> None:
        if runner is not None:
            runner.set_playing(False)
        playing.set(False)

    def change(new: Settings) -> None:
        try:
            build_scenario(new)
        except UserError as exc:
            error.set(str(exc))
            return
        error.set(None)
        pause()
        settings.set(new)

    def toggle_play() -> None:
        if runner is not None:
            runner.set_playing(not playing.value)
            playing.set(runner.playing)

    def step() -> None:
        if runner is not None:
            runner.request_steps(1)

    def reset() -> None:
        pause()
        generation.set(generation.value + 1)

    with solara.Card(f"Scenario {panel}", classes=[f"panel-{panel}"]):
        solara.Select(
            "Scenario",
            values=shipped_names(),
            value=settings.value.scenario,
            on_value=lambda name: change(Settings(name)),
            classes=[f"scenario-{panel}"],
        )
        solara.Text(scenario.description, classes=["scenario-description"])
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "margin-top": "8px"}):
            solara.Button(
                "Pause" if playing.value else "Play",
                on_click=toggle_play,
                color="primary",
                disabled=finished and not playing.value,
                classes=[f"play-{panel}"],
            )
            solara.Button(
                "Step",
                on_click=step,
                disabled=playing.value or finished,
                classes=[f"step-{panel}"],
            )
            solara.Button("Reset", on_click=reset, classes=[f"reset-{panel}"])
            with solara.Div(style={"width": "190px"}):
                solara.Select(
                    "Speed while playing",
                    values=list(SPEEDS_YEARS_PER_FRAME),
                    value=speed.value,
                    on_value=speed.set,
                    dense=True,
                    classes=[f"speed-{panel}"],
                )
        # always there, so what follows keeps its place (and open sections stay open)
        with solara.Column(gap="0px", classes=[f"messages-{panel}"]):
            if error.value:
                solara.Text(
                    f"Not applied: {error.value}", classes=["panel-error", f"error-{panel}"]
                )
            if isinstance(made, str):
                solara.Text(made, classes=["panel-error", f"error-{panel}"])
        if snap is not None:
            Readouts(panel, snap)
            FigureView(panel, snap, figure)
        solara.Text("Settings", classes=["settings-title"])
        Controls(panel, scenario, settings.value, change)
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button(
                "Scenario defaults",
                on_click=lambda: change(Settings(settings.value.scenario)),
                disabled=not settings.value.changed,
                classes=[f"defaults-{panel}"],
            )
            with solara.Div(classes=[f"export-{panel}"]):
                solara.FileDownload(
                    to_toml(scenario),
                    filename=f"{scenario.name}.toml",
                    label="Export settings",
                    mime_type="application/toml",
                )


@solara.component
def Readouts(panel: str, snap: Snapshot) -> None:
    with solara.Column(gap="0px", classes=[f"readouts-{panel}"]):
        for name, text in snap.readouts.items():
            solara.Text(text, classes=["readout", f"readout-{name}", f"readout-{name}-{panel}"])
        if snap.error:
            solara.Text(snap.error, classes=["panel-error", f"error-{panel}"])


@solara.component
def FigureView(panel: str, snap: Snapshot, figure: solara.Reactive[str]) -> None:
    with solara.Column(gap="4px", classes=[f"figure-{panel}"]):
        with solara.ToggleButtonsSingle(value=figure, dense=True, classes=[f"figtabs-{panel}"]):
            for name in FIGURES:
                solara.Button(FIGURE_LABELS[name], value=name, text=True, small=True)
        if snap.note:
            solara.Text(snap.note, classes=["figure-note"])
        if snap.png is not None:
            solara.Image(snap.png, width="100%")


@solara.component
def Controls(
    panel: str, scenario: Scenario, settings: Settings, change: Callable[[Settings], None]
) -> None:
    """One expansion panel per section; a lever's header says whether it is on."""
    with rv.ExpansionPanels(multiple=True, accordion=True, class_=f"controls-{panel} mb-2"):
        for section in control_specs():
            _section(panel, section, scenario, settings, change)


def _section(
    panel: str,
    section: SectionSpec,
    scenario: Scenario,
    settings: Settings,
    change: Callable[[Settings], None],
) -> None:
    title = lever_summary(scenario, section) if section.lever else section.title
    with rv.ExpansionPanel(class_=f"section-{panel}-{section.css}"):
        rv.ExpansionPanelHeader(children=[title])
        with rv.ExpansionPanelContent():
            on = True
            if section.lever is not None:
                lever = section.lever
                on = getattr(scenario.policies, lever) is not None

                def switch(on: bool, lever: str = lever) -> None:
                    change(settings.with_lever(lever, on))

                with solara.Div(classes=[f"ctl-{panel}-{section.css}-on"]):
                    solara.Checkbox(label="on", value=on, on_value=switch)
            inputs = [c for c in section.controls if c.widget == "input"]
            others = [c for c in section.controls if c.widget != "input"]
            with solara.Row(gap="16px"):  # the number boxes (a lever's schedule) side by side
                for spec in inputs:
                    _control(panel, spec, scenario, settings, change, disabled=not on)
            for spec in others:
                _control(panel, spec, scenario, settings, change, disabled=not on)


def _control(
    panel: str,
    spec: ControlSpec,
    scenario: Scenario,
    settings: Settings,
    change: Callable[[Settings], None],
    disabled: bool,
) -> None:
    shown = shown_value(scenario, spec)

    def set_value(value: Any) -> None:
        change(settings.with_value(spec.key, value))

    def moved(value: float) -> None:
        new = slider_change(spec, shown, value)
        if new is not None:
            set_value(new)

    classes = [f"ctl-{panel}-{spec.css}"]
    if spec.widget == "slider":
        with solara.Column(gap="0px", classes=classes):
            with solara.Tooltip(spec.doc):
                solara.Text(
                    f"{spec.label}: {format_number(float(shown.value))}", classes=["ctl-label"]
                )
            if shown.note:
                solara.Text(shown.note, classes=["ctl-note"])
            if spec.integer:
                solara.SliderInt(
                    "",
                    value=int(shown.value),
                    min=int(shown.slider_lo),
                    max=int(shown.slider_hi),
                    step=int(spec.step),
                    on_value=moved,
                    thumb_label=False,
                    disabled=disabled,
                )
            else:
                solara.SliderFloat(
                    "",
                    value=float(shown.value),
                    min=shown.slider_lo,
                    max=shown.slider_hi,
                    step=spec.step,
                    on_value=moved,
                    thumb_label=False,
                    disabled=disabled,
                )
    elif spec.widget == "input":

        def typed(value: float | None) -> None:
            if value is not None:  # an emptied box: keep the value
                set_value(int(value) if spec.integer else value)

        with solara.Tooltip(spec.doc), solara.Div(classes=classes, style={"flex": "1"}):
            solara.InputFloat(
                spec.label, value=float(shown.value), on_value=typed, disabled=disabled
            )
    elif spec.widget == "select":
        with solara.Div(classes=classes):
            solara.Select(
                spec.label,
                values=list(shown.choices),
                value=shown.value,
                on_value=set_value,
                disabled=disabled,
                dense=True,
            )
    else:
        with solara.Div(classes=classes):
            solara.Checkbox(
                label=spec.label, value=bool(shown.value), on_value=set_value, disabled=disabled
            )
