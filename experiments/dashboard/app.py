"""The dashboard page: two scenarios side by side (``effrace dashboard`` serves ``Page``).

A bar on top drives both panels at once (play, step, reset, speed, which figure, "same scale");
each panel has a scenario picker, its own play/step/reset, the figure, plain-word readouts,
controls generated from the parameter dataclasses (:mod:`experiments.dashboard.controls`) and an
export of its settings as a scenario file.

Figures are drawn by the browser (plotly.js, :mod:`experiments.dashboard.plot`) from the points
the session's worker thread sends each step (:mod:`experiments.dashboard.runner`); readouts are
set by the same thread (:mod:`experiments.dashboard.readouts`). A step re-renders none of the
page's components: only user actions do, so the server's work per step stays small.

Why not Mesa's ``SolaraViz``: its page is built around one model, so it cannot show two models
side by side, which is the point of this page (a policy against its baseline).

Per-session state: everything is created inside the components (``use_reactive``,
``use_memo``), so each browser tab gets its own models; nothing stateful lives at module level.
Offline: no ``solara.Markdown`` (its KaTeX assets are not in solara-assets); plotly.js comes from
the plotly package, served by this server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, cast

import reacton.ipyvuetify as rv
import solara

from experiments.dashboard import plots
from experiments.dashboard.controls import (
    ControlSpec,
    SectionSpec,
    Settings,
    build_scenario,
    control_specs,
    format_number,
    lever_summary,
    rejection,
    shown_description,
    shown_value,
    slider_change,
)
from experiments.dashboard.plot import LivePlot, ReadoutBox
from experiments.dashboard.readouts import GLOSSARY
from experiments.dashboard.runner import (
    DEFAULT_SPEED,
    PANELS,
    SPEEDS_YEARS_PER_FRAME,
    Session,
    release_memory,
)
from experiments.dashboard.series import DEFAULT_FIGURE, FIGURES
from sim.errors import UserError
from sim.params import Scenario
from sim.scenario import shipped_names, to_toml

DEFAULT_SCENARIOS = {"A": "baseline", "B": "energy-cap"}

CSS = """
.v-application--wrap > .v-content, main.v-content { padding-top: 0 !important; }
.effrace-page { max-width: 100%; overflow-x: hidden; padding: 4px 8px; }
.topbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; margin: 2px 0 4px 0; }
.page-title { font-size: 1.05rem; font-weight: 600; margin-right: 8px; }
.figure-question { display: block; font-size: 0.9rem; color: #444; margin: 0 0 4px 2px; min-height: 1.3em; }
.panel-card { min-width: 0; }
.panel-head { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; }
.panel-name { font-weight: 700; font-size: 1.1rem; }
.scenario-description { display: block; font-size: 0.85rem; color: #555; height: 2.7em;
  line-height: 1.35em; overflow: hidden; margin: 2px 0 4px 0; }
.live-plot { min-width: 0; }
.readouts { font-size: 0.9rem; line-height: 1.35em; margin: 4px 0; }
.readout { min-height: 2.7em; }
.readout-year { min-height: 1.35em; font-weight: 600; }
/* who gains: 2-3 lines at projector widths (the government's line with a tax or a cap); room
   for 3, or 4 on narrower screens, keeps the rows below level across the two panels */
.readout-profit { min-height: 4.05em; }
@media (max-width: 1279px) { .readout-profit { min-height: 5.4em; } }
.readout-label { font-weight: 600; }
.panel-error { display: block; color: #b00020; font-weight: 600; margin: 4px 0; }
.ctl-label { font-size: 0.85rem; }
.ctl-note { display: block; font-size: 0.75rem; color: #666; }
.settings-title { display: block; font-weight: 600; margin: 12px 0 4px 0; }
.glossary dt { font-weight: 600; margin-top: 6px; }
.glossary dd { margin-left: 12px; font-size: 0.9rem; }
.v-expansion-panel-content__wrap { padding-bottom: 8px; }
"""


class PanelDisplay:
    """A panel's widgets, as the session's worker sees them (:class:`runner.Display`)."""

    def __init__(self, panel: str) -> None:
        self.plot = LivePlot(height=plots.HEIGHT_PX)
        self.box = ReadoutBox(panel=panel)

    def reset(self, figure: dict[str, Any]) -> None:
        self.plot.reset(figure)

    def extend(self, *args: Any, **kwargs: Any) -> None:
        self.plot.extend(*args, **kwargs)

    def relayout(self, update: dict[str, Any]) -> None:
        self.plot.relayout(update)

    def readouts(self, rows: list[dict[str, str]]) -> None:
        self.box.rows = rows


def export_name(scenario: Scenario, session_id: str, when: float | None = None) -> str:
    """The exported file's name: scenario, session and time, so a class's files never collide
    (``energy-cap-dashboard_3f9a1c_20261129-140203.toml``)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    tag = "".join(ch for ch in session_id if ch.isalnum())[:6] or "local"
    return f"{scenario.name}_{tag}_{stamp}.toml"


@solara.component
def Page() -> None:
    # one set of state per browser session: Page() runs in each session's own context
    # spelled out per panel: hooks must not be called in a loop
    settings = {
        "A": solara.use_reactive(Settings(DEFAULT_SCENARIOS["A"])),
        "B": solara.use_reactive(Settings(DEFAULT_SCENARIOS["B"])),
    }
    playing = {"A": solara.use_reactive(False), "B": solara.use_reactive(False)}
    finished = {"A": solara.use_reactive(False), "B": solara.use_reactive(False)}
    figure = solara.use_reactive(DEFAULT_FIGURE)
    same_scale = solara.use_reactive(True)
    speed = solara.use_reactive(DEFAULT_SPEED)

    def make_session() -> tuple[Session, dict[str, PanelDisplay]]:
        displays = {p: PanelDisplay(p) for p in PANELS}

        def on_state(panel: str, is_playing: bool, is_finished: bool) -> None:
            playing[panel].set(is_playing)
            finished[panel].set(is_finished)

        return Session(displays, on_state), displays  # type: ignore[arg-type]

    session, displays = solara.use_memo(make_session, [])

    def start_worker() -> Callable[[], None]:
        cancel = threading.Event()
        # started here, inside this session's context, so it can update this session's page;
        # stopped when the session ends (the effect's cleanup)
        worker = threading.Thread(target=session.run, args=(cancel,), daemon=True, name="panels")
        worker.start()

        def stop() -> None:
            cancel.set()
            worker.join(timeout=2.0)
            session.panels.clear()
            release_memory()

        return stop

    solara.use_effect(start_worker, [])

    solara.Title("Efficiency race dashboard")
    solara.Style(CSS)
    with solara.Column(gap="0px", classes=["effrace-page"]):
        TopBar(session, playing, finished, figure, same_scale, speed)
        with solara.Columns([1, 1], gutters_dense=True):
            for p in PANELS:
                ScenarioPanel(p, settings[p], session, displays[p], playing[p], finished[p])
        Glossary()


@solara.component
def TopBar(
    session: Session,
    playing: dict[str, solara.Reactive[bool]],
    finished: dict[str, solara.Reactive[bool]],
    figure: solara.Reactive[str],
    same_scale: solara.Reactive[bool],
    speed: solara.Reactive[str],
) -> None:
    any_playing = any(playing[p].value for p in PANELS)
    all_finished = all(finished[p].value for p in PANELS)

    def play_both() -> None:
        session.command("play", PANELS, not any_playing)

    def pick_figure(name: str) -> None:
        figure.set(name)
        session.command("figure", name)

    def scale(on: bool) -> None:
        same_scale.set(on)
        session.command("same_scale", on)

    def pick_speed(name: str) -> None:
        speed.set(name)
        session.command("speed", name)

    with solara.Div(classes=["topbar"]):
        solara.Text("The efficiency race", classes=["page-title"])
        solara.Button(
            "Pause both" if any_playing else "Play both",
            on_click=play_both,
            color="primary",
            disabled=all_finished and not any_playing,
            classes=["play-both"],
        )
        solara.Button(
            "Step both",
            on_click=lambda: session.command("step", PANELS),
            disabled=any_playing or all_finished,
            classes=["step-both"],
        )
        solara.Button(
            "Reset both", on_click=lambda: session.command("reset", PANELS), classes=["reset-both"]
        )
        with solara.Div(style={"width": "170px"}):
            solara.Select(
                "Speed while playing",
                values=list(SPEEDS_YEARS_PER_FRAME),
                value=speed.value,
                on_value=pick_speed,
                dense=True,
                classes=["speed"],
            )
        with solara.ToggleButtonsSingle(
            value=figure.value, on_value=pick_figure, dense=True, classes=["figtabs"]
        ):
            for name, fig in FIGURES.items():
                solara.Button(fig.tab, value=name, text=True, small=True, classes=[f"tab-{name}"])
        with solara.Tooltip("Panels A and B use the same axis ranges, so lines compare directly"):
            solara.Switch(
                label="same scale", value=same_scale.value, on_value=scale, classes=["same-scale"]
            )
    solara.Text(FIGURES[figure.value].question, classes=["figure-question"])


@solara.component
def ScenarioPanel(
    panel: str,
    settings: solara.Reactive[Settings],
    session: Session,
    display: PanelDisplay,
    playing: solara.Reactive[bool],
    finished: solara.Reactive[bool],
) -> None:
    """One scenario's panel; its model lives in the session's worker."""
    error: solara.Reactive[str | None] = solara.use_reactive(None)  # last rejected change
    try:
        scenario: Scenario | None = build_scenario(settings.value)
        broken = ""
    except UserError as exc:  # only a broken shipped scenario gets here: changes are checked
        scenario, broken = None, str(exc)

    def load() -> None:
        if scenario is not None:
            session.command("load", panel, scenario)

    solara.use_effect(load, [scenario])

    def change(new: Settings) -> None:
        try:
            build_scenario(new)
        except UserError as exc:
            error.set(rejection(new, exc))
            return
        error.set(None)
        settings.set(new)

    with solara.Card(classes=[f"panel-{panel}", "panel-card"], margin=0):
        with solara.Div(classes=["panel-head"]):
            solara.Text(panel, classes=["panel-name"])
            with solara.Div(style={"width": "190px"}):
                solara.Select(
                    "Scenario",
                    values=shipped_names(),
                    value=settings.value.scenario,
                    on_value=lambda name: change(Settings(name)),
                    dense=True,
                    classes=[f"scenario-{panel}"],
                )
            solara.Button(
                "Pause" if playing.value else "Play",
                on_click=lambda: session.command("play", (panel,), not playing.value),
                disabled=finished.value and not playing.value,
                small=True,
                classes=[f"play-{panel}"],
            )
            solara.Button(
                "Step",
                on_click=lambda: session.command("step", (panel,)),
                disabled=playing.value or finished.value,
                small=True,
                classes=[f"step-{panel}"],
            )
            solara.Button(
                "Reset",
                on_click=lambda: session.command("reset", (panel,)),
                small=True,
                classes=[f"reset-{panel}"],
            )
        description = shown_description(settings.value)
        rv.Html(
            tag="div",
            children=[description],
            class_="scenario-description",
            attributes={"title": description},
        )
        with solara.Div(classes=[f"figure-{panel}"]):
            solara.display(display.plot)
        # always there, so what follows keeps its place (and open sections stay open)
        with solara.Column(gap="0px", classes=[f"messages-{panel}"]):
            if error.value:
                solara.Text(
                    f"Not applied: {error.value}", classes=["panel-error", f"error-{panel}"]
                )
            if broken:
                solara.Text(broken, classes=["panel-error", f"error-{panel}"])
        solara.display(display.box)
        if scenario is None:
            return
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
                    lambda: to_toml(scenario),
                    filename=export_name(scenario, solara.get_session_id()),
                    label="Export settings",
                    mime_type="application/toml",
                )


@solara.component
def Glossary() -> None:
    """The words of the page, made when the panel is first opened (see :func:`Controls`)."""
    open_now = solara.use_reactive(cast(int | None, None))  # 0 when open
    made = solara.use_reactive(False)

    def toggled(index: int | None) -> None:
        open_now.set(index)
        made.set(made.value or index is not None)

    with (
        rv.ExpansionPanels(
            class_="glossary-panels mt-2", v_model=open_now.value, on_v_model=toggled
        ),
        rv.ExpansionPanel(class_="glossary"),
    ):
        rv.ExpansionPanelHeader(children=["Words used on this page"])
        with rv.ExpansionPanelContent():
            if made.value:
                with rv.Html(tag="dl", class_="glossary"):
                    for term, meaning in GLOSSARY.items():
                        rv.Html(tag="dt", children=[term])
                        rv.Html(tag="dd", children=[meaning])


@solara.component
def Controls(
    panel: str, scenario: Scenario, settings: Settings, change: Callable[[Settings], None]
) -> None:
    """One expansion panel per section; a lever's header says whether it is on.

    A section's controls are made the first time it is opened, and kept: most stay closed,
    and a page with all of them made (about 340 widgets) costs the server and the browser
    several times as much to open, which a class opening the page at once feels."""
    open_now = solara.use_reactive(list[int]())  # the sections open, by index
    made = solara.use_reactive(frozenset[int]())  # the sections ever opened

    def toggled(indices: list[int] | None) -> None:
        opened = list(indices or ())
        open_now.set(opened)
        made.set(made.value | frozenset(opened))

    with rv.ExpansionPanels(
        multiple=True,
        accordion=True,
        class_=f"controls-{panel} mb-2",
        v_model=open_now.value,
        on_v_model=toggled,
    ):
        for i, section in enumerate(control_specs()):
            _section(panel, section, scenario, settings, change, made=i in made.value)


def _section(
    panel: str,
    section: SectionSpec,
    scenario: Scenario,
    settings: Settings,
    change: Callable[[Settings], None],
    made: bool,
) -> None:
    title = lever_summary(scenario, section) if section.lever else section.title
    with rv.ExpansionPanel(class_=f"section-{panel}-{section.css}"):
        rv.ExpansionPanelHeader(children=[title])
        with rv.ExpansionPanelContent():
            if made:
                _section_controls(panel, section, scenario, settings, change)


def _section_controls(
    panel: str,
    section: SectionSpec,
    scenario: Scenario,
    settings: Settings,
    change: Callable[[Settings], None],
) -> None:
    """A section's controls: the lever's on switch, then its number boxes and sliders."""
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
            with solara.Tooltip(spec.tooltip):
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

        with solara.Tooltip(spec.tooltip), solara.Div(classes=classes, style={"flex": "1"}):
            solara.InputFloat(
                spec.label, value=float(shown.value), on_value=typed, disabled=disabled
            )
    elif spec.widget == "select":
        with solara.Tooltip(spec.tooltip), solara.Div(classes=classes):
            solara.Select(
                spec.label,
                values=list(shown.choices),
                value=shown.value,
                on_value=set_value,
                disabled=disabled,
                dense=True,
            )
    else:
        with solara.Tooltip(spec.tooltip), solara.Div(classes=classes):
            solara.Checkbox(
                label=spec.label, value=bool(shown.value), on_value=set_value, disabled=disabled
            )
