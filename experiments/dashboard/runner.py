"""One browser session's two models, stepped together in one background thread (no Solara here).

A :class:`Session` owns panel A's and panel B's models and the widgets that show them (a
:class:`~experiments.dashboard.plot.LivePlot` and a :class:`~experiments.dashboard.readouts.
ReadoutBox` each). The page's buttons only queue commands (:meth:`Session.command`) and return
at once; the session's one worker thread (:meth:`Session.run`) steps the models and sends each
widget what changed: the new points of the shown figure and the readout texts. Because one
thread steps both panels, "play both" keeps them in lockstep.

Per update the server does little: a model step (milliseconds), one observation of the model
(:func:`~experiments.dashboard.series.observe`), and two small messages; the browser draws. The
page's own components are not re-rendered by a step.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from experiments.dashboard import plots, readouts
from experiments.dashboard.series import (
    DEFAULT_FIGURE,
    FIGURES,
    History,
    Row,
    energy_cap_schedule,
    horizon_years,
    mean_field_curve,
)
from sim.model import EfficiencyRaceModel
from sim.params import Scenario

log = logging.getLogger(__name__)

PANELS = ("A", "B")

FRAME_INTERVAL_S = 0.5
"""Shortest time between two frames while playing [s]."""

IDLE_WAIT_S = 0.5
"""How long an idle worker waits for a command before checking whether it should stop [s]."""

SPEEDS_YEARS_PER_FRAME = {
    "a month a frame": 1 / 12,
    "a quarter a frame": 0.25,
    "a year a frame": 1.0,
}
DEFAULT_SPEED = "a quarter a frame"


class Display:
    """Where a panel's updates go: the two widgets (the tests use a recording stand-in)."""

    def reset(self, figure: dict[str, Any]) -> None: ...
    def extend(
        self,
        start: int,
        step: int,
        xs: list[list[float]],
        ys: list[list[float]],
        traces: list[int],
        layout: dict[str, Any] | None = None,
    ) -> None: ...
    def relayout(self, update: dict[str, Any]) -> None: ...
    def readouts(self, rows: list[dict[str, str]]) -> None: ...


@dataclass
class Panel:
    """One scenario's model and everything drawn from it so far."""

    scenario: Scenario
    model: EfficiencyRaceModel = field(init=False)
    history: History = field(init=False, default_factory=History)
    labs: list[plots.Lab] = field(init=False)
    references: dict[str, tuple[np.ndarray, np.ndarray]] = field(init=False)
    playing: bool = False
    error: str | None = None
    sent: int = 0
    """Points per line the browser holds of the shown figure."""
    y_ranges: list[list[float] | None] = field(default_factory=list)
    data_ranges: dict[tuple[str, int], tuple[int, tuple[float, float] | None]] = field(
        default_factory=dict
    )
    """Each figure row's data range so far, and the points of history it covers."""

    def data_range(self, figure: str, i: int) -> tuple[float, float] | None:
        """Row ``i`` of ``figure``'s data range, updated with only the points new since the
        last call (the history only grows)."""
        fig = FIGURES[figure]
        seen, found = self.data_ranges.get((figure, i), (0, None))
        n = len(self.history)
        if n > seen or seen == 0:
            refs = self.row_references(figure)
            new = plots.data_range(fig.rows[i], i, fig, self.history, self.labs, refs.get(i), seen)
            found = plots.merge([found, new])
            self.data_ranges[(figure, i)] = (n, found)
        return found

    def __post_init__(self) -> None:
        self.model = EfficiencyRaceModel(
            self.scenario, rng=self.scenario.run.seed, collect_agents=False
        )
        self.labs = [plots.Lab(f.unique_id, f.name) for f in self.model.firms]
        self.references = {"mean_field": mean_field_curve(self.model)}
        years, cap = energy_cap_schedule(self.scenario)
        if np.isfinite(cap).any():
            self.references["energy_cap"] = (years, cap)
        self.history.record(self.model)

    @property
    def n_steps(self) -> int:
        return self.scenario.run.n_steps

    @property
    def finished(self) -> bool:
        return self.model.steps >= self.n_steps or self.error is not None

    def advance(self, steps: int) -> None:
        for _ in range(steps):
            if self.finished:
                return
            try:
                self.model.step()
            except Exception as exc:  # a model failure is shown in the panel, not raised
                log.exception("dashboard: the model failed")
                self.error = f"the model stopped at step {self.model.steps}: {exc}"
                self.playing = False
                return
            self.history.record(self.model)

    def row_references(self, figure: str) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        rows = FIGURES[figure].rows
        return {
            i: self.references[r.reference]
            for i, r in enumerate(rows)
            if r.reference in self.references
        }


StateCallback = Callable[[str, bool, bool], None]
"""Called as (panel, playing, finished) when a panel starts or stops by itself."""


class Session:
    """Two panels' models, their displays, and the worker thread that steps and shows them."""

    def __init__(
        self,
        displays: dict[str, Display],
        on_state: StateCallback = lambda panel, playing, finished: None,
    ) -> None:
        self.displays = displays
        self.on_state = on_state
        self.panels: dict[str, Panel] = {}
        self.figure = DEFAULT_FIGURE
        self.same_scale = True
        self.years_per_frame = SPEEDS_YEARS_PER_FRAME[DEFAULT_SPEED]
        self._commands: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self.lock = threading.Lock()

    # --- commands from the page (return at once) ----------------------------------------------
    def command(self, name: str, *args: Any) -> None:
        """Queue a command for the worker: ``load`` (panel, scenario), ``step`` (panels),
        ``reset`` (panels), ``play`` (panels, on), ``figure`` (name), ``same_scale`` (on),
        ``speed`` (name), ``redraw`` ()."""
        self._commands.put((name, args))

    # --- the worker ---------------------------------------------------------------------------
    def run(self, cancel: threading.Event) -> None:
        """Serve commands and play until ``cancel`` is set."""
        next_frame = 0.0
        while not cancel.is_set():
            playing = [p for p, panel in self.panels.items() if panel.playing]
            wait = max(0.0, next_frame - time.monotonic()) if playing else IDLE_WAIT_S
            try:
                name, args = self._commands.get(timeout=wait)
            except queue.Empty:
                name, args = "", ()
            if cancel.is_set():
                return
            with self.lock:
                changed = self._do(name, args) if name else set()
                playing = [p for p, panel in self.panels.items() if panel.playing]
                if playing and time.monotonic() >= next_frame:
                    next_frame = time.monotonic() + FRAME_INTERVAL_S
                    self._play_frame(playing)
                    changed |= set(playing)
                self._show(changed)

    def process_pending(self) -> None:
        """Do every queued command now, in this thread (tests, and a page without a worker)."""
        with self.lock:
            changed: set[str] = set()
            while True:
                try:
                    name, args = self._commands.get_nowait()
                except queue.Empty:
                    break
                changed |= self._do(name, args)
            self._show(changed)

    def play_frame(self) -> None:
        """One frame of every playing panel, now (tests)."""
        with self.lock:
            playing = [p for p, panel in self.panels.items() if panel.playing]
            self._play_frame(playing)
            self._show(set(playing))

    def _steps_per_frame(self, panel: Panel) -> int:
        return max(1, round(self.years_per_frame * panel.scenario.run.steps_per_year))

    def _play_frame(self, names: Iterable[str]) -> None:
        for name in names:
            panel = self.panels[name]
            panel.advance(self._steps_per_frame(panel))
            if panel.finished:
                panel.playing = False
                self.on_state(name, False, True)

    def _do(self, name: str, args: tuple[Any, ...]) -> set[str]:
        """Apply one command; the panels whose display must be redrawn whole ("!A") or updated."""
        handlers: dict[str, Callable[..., set[str]]] = {
            "load": self._load,
            "reset": self._reset,
            "step": self._step,
            "play": self._play,
            "figure": self._set_figure,
            "same_scale": self._set_same_scale,
            "speed": self._set_speed,
            "redraw": self._redraw,
        }
        if name not in handlers:
            raise ValueError(f"unknown command {name!r}")
        return handlers[name](*args)

    def _redraw(self) -> set[str]:
        return {f"!{p}" for p in self.panels}

    def _load(self, panel_name: str, scenario: Scenario) -> set[str]:
        made = self._new_panel(panel_name, scenario)
        if made is None:
            self.panels.pop(panel_name, None)
        else:
            self.panels[panel_name] = made
        return self._redraw()

    def _reset(self, panels: Iterable[str]) -> set[str]:
        for p in panels:
            made = self._new_panel(p, self.panels[p].scenario) if p in self.panels else None
            if made is not None:
                self.panels[p] = made
        return self._redraw()

    def _step(self, panels: Iterable[str]) -> set[str]:
        names = [p for p in panels if p in self.panels]
        for p in names:
            if not self.panels[p].playing:
                self.panels[p].advance(1)
                if self.panels[p].finished:
                    self.on_state(p, False, True)
        return set(names)

    def _play(self, panels: Iterable[str], on: bool) -> set[str]:
        for p in panels:
            if p in self.panels:
                panel = self.panels[p]
                panel.playing = bool(on) and not panel.finished
                self.on_state(p, panel.playing, panel.finished)
        return set()

    def _set_figure(self, figure: str) -> set[str]:
        self.figure = figure
        return self._redraw()

    def _set_same_scale(self, on: bool) -> set[str]:
        self.same_scale = bool(on)
        return self._redraw()

    def _set_speed(self, speed: str) -> set[str]:
        self.years_per_frame = SPEEDS_YEARS_PER_FRAME[speed]
        return set()

    def _new_panel(self, name: str, scenario: Scenario) -> Panel | None:
        try:
            panel = Panel(scenario)
        except Exception as exc:  # a model that cannot start: say so, keep the page
            log.exception("dashboard: the model could not start")
            self.displays[name].readouts(
                [readouts.error_row(f"the model could not start with these settings: {exc}")]
            )
            self.on_state(name, False, True)
            return None
        self.on_state(name, False, panel.finished)
        return panel

    # --- what the displays show ---------------------------------------------------------------
    def _ranges(self) -> tuple[dict[str, list[float]], dict[str, list[list[float] | None]]]:
        """x- and y-ranges of the shown figure for each panel (shared under "same scale")."""
        fig = FIGURES[self.figure]
        found: dict[str, list[tuple[float, float] | None]] = {}
        spans: dict[str, tuple[float, float]] = {}
        for name, panel in self.panels.items():
            found[name] = [panel.data_range(self.figure, i) for i in range(len(fig.rows))]
            years = horizon_years(panel.scenario)
            spans[name] = (float(years[0]), float(years[-1]))
        if self.same_scale and len(self.panels) > 1:
            merged = [plots.merge(rows) for rows in zip(*found.values(), strict=True)]
            found = dict.fromkeys(found, merged)
            both = (min(s[0] for s in spans.values()), max(s[1] for s in spans.values()))
            spans = dict.fromkeys(spans, both)
        y = {
            name: [plots.y_range(row, f) for row, f in zip(fig.rows, rows, strict=True)]
            for name, rows in found.items()
        }
        return {name: list(s) for name, s in spans.items()}, y

    def _show(self, changed: set[str]) -> None:
        if not changed or not self.panels:
            return
        fig = FIGURES[self.figure]
        x_ranges, y_ranges = self._ranges()
        for name, panel in self.panels.items():
            display = self.displays[name]
            whole = f"!{name}" in changed
            if whole:
                figure = plots.figure(
                    fig,
                    panel.history,
                    panel.labs,
                    panel.row_references(self.figure),
                    x_ranges[name],
                    y_ranges[name],
                )
                figure["step"] = panel.model.steps
                display.reset(figure)
                panel.sent = len(panel.history)
                panel.y_ranges = y_ranges[name]
            elif name in changed or y_ranges[name] != panel.y_ranges:
                layout = _range_update(fig.rows, panel.y_ranges, y_ranges[name])
                panel.y_ranges = y_ranges[name]
                if len(panel.history) > panel.sent:
                    xs, ys, traces = plots.delta(fig, panel.history, panel.labs, panel.sent)
                    display.extend(panel.sent, panel.model.steps, xs, ys, traces, layout)
                    panel.sent = len(panel.history)
                elif layout:
                    display.relayout(layout)
            if whole or name in changed:
                display.readouts(readouts.rows(panel))


def _range_update(
    rows: tuple[Row, ...], old: list[list[float] | None], new: list[list[float] | None]
) -> dict[str, Any] | None:
    """Plotly relayout keys for the y-ranges that changed."""
    update: dict[str, Any] = {}
    for i, (row, a, b) in enumerate(zip(rows, old or [None] * len(new), new, strict=True)):
        if a != b:
            axis = "yaxis" if i == 0 else f"yaxis{i + 1}"
            if b is None:
                update[f"{axis}.autorange"] = True
            else:
                update.update({f"{axis}.{k}": v for k, v in plots.range_props(row, b).items()})
    return update or None


def release_memory() -> None:
    """Hand memory freed by a closed session back to the operating system.

    Python frees a session's models when its tab closes, but glibc keeps the freed pages in the
    process for reuse, so the server's resident memory would only ever grow; ``malloc_trim``
    returns them. A no-op where the C library has no ``malloc_trim`` (macOS, Windows, musl).
    The C library is the one the server runs on (``CDLL(None)``), not searched for:
    ``ctypes.util.find_library`` would start ``ldconfig`` from the server at every closed tab.
    """
    gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # TypeError: Windows takes no None
        return
    trim(0)
