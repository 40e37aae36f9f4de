"""Steps and draws one panel's model in a background thread (no Solara here).

The page must stay responsive while a model plays: a figure takes about 0.3-0.5 s to render to
PNG (most of it matplotlib's layout and text), against about 2 ms for a model step. So each
panel has one worker thread (:meth:`PanelRunner.run`) that does all stepping and drawing,
holding :attr:`PanelRunner.lock` around both, and hands the page finished :class:`Snapshot`
objects (readout texts and PNG bytes) to show. Button handlers only post requests and return
at once; the page's render never draws a figure.

While playing, a frame is: step ``steps_per_frame`` steps, publish the readouts, draw the shown
figure, publish again; frames start at most every :data:`FRAME_INTERVAL_S`. A paused model is
drawn once per change (a step, a new figure).
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from experiments.dashboard.controls import format_number
from sim import figures
from sim.model import EfficiencyRaceModel
from sim.params import Scenario
from sim.run import SECTORS, RunResult, collect

log = logging.getLogger(__name__)

FRAME_INTERVAL_S = 0.5
"""Shortest time between the starts of two frames while playing [s]."""

IDLE_POLL_S = 0.25
"""How often an idle worker checks whether its panel has gone [s]."""

FIGURE_DPI = 80
"""Resolution of the figures on the page [dots per inch]: sim.figures' 9-inch figures come out
720 pixels wide, about a panel's width on a laptop."""

FIGURES: dict[str, Callable[[RunResult], object]] = {
    name.removesuffix(".png"): draw for name, draw in figures.FIGURES.items()
}
"""The figures of ``effrace run`` (sim.figures.FIGURES), by name without ".png"."""

FIGURE_LABELS = {name: draw.__name__.replace("_", " ") for name, draw in FIGURES.items()}

SECTOR_NAMES = {"firms": "AI firms", "vendors": "vendors", "suppliers": "energy"}

_serial = itertools.count(1)


@dataclass(frozen=True)
class Snapshot:
    """What a panel shows at one moment: readout texts, and the shown figure as PNG."""

    runner: int
    """Serial number of the runner that made it (a page ignores other runners' snapshots)."""
    step: int
    n_steps: int
    readouts: dict[str, str]
    figure: str | None = None
    png: bytes | None = None
    note: str = ""
    """Why there is no figure, or that it is being drawn."""
    draw_seconds: float = math.nan
    error: str | None = None


@dataclass
class _Requests:
    steps: int = 0
    draw: bool = False


@dataclass
class PanelRunner:
    """One panel's model, and the worker that steps and draws it.

    The model is made here, once per runner, and a runner is made per browser session (inside
    the page's components), never at module level, so every student has their own.
    """

    scenario: Scenario
    figure: str = "loss_by_firm"
    steps_per_frame: int = 3
    playing: bool = False
    model: EfficiencyRaceModel = field(init=False)
    lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    serial: int = field(init=False, default_factory=lambda: next(_serial))
    initial: Snapshot = field(init=False)
    _wake: threading.Event = field(init=False, default_factory=threading.Event)
    _requests: _Requests = field(init=False, default_factory=_Requests)
    _requests_lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _last_png: tuple[str | None, bytes | None] = field(init=False, default=(None, None))

    def __post_init__(self) -> None:
        self.model = EfficiencyRaceModel(self.scenario, rng=self.scenario.run.seed)
        self.initial = self.snapshot(draw=False)

    @property
    def n_steps(self) -> int:
        return self.scenario.run.n_steps

    @property
    def finished(self) -> bool:
        return self.model.steps >= self.n_steps

    # --- requests from the page (return at once) ----------------------------------------------
    def request_steps(self, n: int = 1) -> None:
        with self._requests_lock:
            self._requests.steps += n
        self._wake.set()

    def request_draw(self) -> None:
        with self._requests_lock:
            self._requests.draw = True
        self._wake.set()

    def show(self, figure: str) -> None:
        if figure != self.figure:
            self.figure = figure
            self.request_draw()

    def set_playing(self, playing: bool) -> None:
        self.playing = playing and not self.finished
        self._wake.set()

    def _take(self) -> tuple[int, bool]:
        with self._requests_lock:
            self._wake.clear()
            out = (self._requests.steps, self._requests.draw)
            self._requests = _Requests()
        return out

    # --- the worker ---------------------------------------------------------------------------
    def run(
        self,
        cancel: threading.Event,
        publish: Callable[[Snapshot], None],
        stopped: Callable[[], None] = lambda: None,
    ) -> None:
        """Serve requests until ``cancel`` is set: step, draw, ``publish`` each snapshot.

        ``stopped`` is called when playing stops by itself (the end of the run, or an error).
        """
        while not cancel.is_set():
            if not self.playing:
                self._wake.wait(IDLE_POLL_S)
            steps, draw = self._take()
            playing = self.playing
            if playing:
                steps, draw = steps + self.steps_per_frame, True
            if not (steps or draw) or cancel.is_set():
                continue
            started = time.monotonic()
            try:
                if steps:
                    with self.lock:
                        self._advance(steps)
                        quick = self.snapshot(draw=False)
                    publish(quick)
                with self.lock:
                    full = self.snapshot(draw=True)
            except Exception as exc:  # a model failure is shown in the panel, not raised
                log.exception("dashboard: the model failed")
                full = self._failed(exc)
            if not cancel.is_set():
                publish(full)
            if playing and (self.finished or full.error):
                self.playing = False
                stopped()
            elif playing:
                cancel.wait(max(0.0, FRAME_INTERVAL_S - (time.monotonic() - started)))

    def _advance(self, steps: int) -> None:
        for _ in range(steps):
            if self.finished:
                break
            self.model.step()

    def _failed(self, exc: Exception) -> Snapshot:
        step = self.model.steps
        run = self.scenario.run
        year = run.start_year + step * run.dt_years
        readouts = {"year": f"Year {year:.2f} · step {step} of {run.n_steps}"}
        return Snapshot(
            self.serial, step, self.n_steps, readouts, error=f"stopped at step {step}: {exc}"
        )

    # --- what the page shows (call with the lock held, or before the worker starts) -----------
    def snapshot(self, draw: bool) -> Snapshot:
        """Readouts of the model now and, if ``draw``, the shown figure (else the last one)."""
        model = self.model
        result = collect(model) if model.steps > 0 else None
        readouts = make_readouts(model, result)
        if model.steps == 0 or result is None:
            return Snapshot(
                self.serial,
                0,
                self.n_steps,
                readouts,
                note="Press Step or Play to run the model; the figures start after the first step.",
            )
        figure, png = self._last_png
        seconds = math.nan
        note = "" if figure == self.figure else "drawing…"
        if draw:
            started = time.perf_counter()
            try:
                figure, png = self.figure, figure_png(result, self.figure)
                note = ""
            except Exception as exc:  # a figure that cannot be drawn yet (say, no firms left)
                figure, png, note = self.figure, None, f"this figure cannot be drawn now: {exc}"
            seconds = time.perf_counter() - started
            self._last_png = (figure, png)
        return Snapshot(
            self.serial, model.steps, self.n_steps, readouts, figure, png, note, seconds
        )


def figure_png(result: RunResult, name: str) -> bytes:
    """One figure of sim.figures as PNG bytes."""
    fig = figures.FIGURES[f"{name}.png"](result)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# readouts
# --------------------------------------------------------------------------------------------


def make_readouts(model: EfficiencyRaceModel, result: RunResult | None) -> dict[str, str]:
    """The panel's one-line readouts: year, leader, price, profit shares, energy."""
    run = model.config.run
    # from the step count: the model's own ``year`` is NaN until the first step
    year = run.start_year + model.steps * run.dt_years
    out = {"year": f"Year {year:.2f} · step {model.steps} of {run.n_steps}"}
    firms = list(model.firms)
    if firms:
        leader = min(firms, key=lambda f: f.loss)
        out["leader"] = (
            f"Leader: {leader.name} · loss {leader.loss:.4f} nats/token "
            f"(relative excess loss {leader.relative_excess_loss:.3g}) · "
            f"{len(firms)} firms in the market"
        )
    else:
        out["leader"] = "Leader: none (every firm has left the market)"
    price = float(getattr(model, "price_usd_per_million_tokens", math.nan))
    out["price"] = (
        f"Price: {format_number(price)} USD per million tokens (average paid this step)"
        if math.isfinite(price)
        else "Price: — (no tokens sold yet)"
    )
    out["profit"] = _profit_text(result)
    out["energy"] = _energy_text(model)
    return out


def _profit_text(result: RunResult | None) -> str:
    if result is None:
        return "Profit share so far: — (no step yet)"
    profit = {s: float(result.model[f"profit_{s}_usd"].sum()) for s in SECTORS}
    total = sum(profit.values())
    if not total > 0:
        return "Profit share so far: n/a (the sectors have lost money in total)"
    parts = [f"{SECTOR_NAMES[s]} {profit[s] / total:.0%}" for s in SECTORS]
    return "Profit share so far: " + ", ".join(parts)


def _energy_text(model: EfficiencyRaceModel) -> str:
    capacity = sum(s.capacity_mw for s in model.suppliers)
    delivered = float(getattr(model, "power_delivered_mw", math.nan))
    if math.isfinite(delivered):
        text = f"Power: {format_number(delivered)} MW delivered of {format_number(capacity)} MW capacity"
    else:
        text = f"Power: — delivered (no step yet) of {format_number(capacity)} MW capacity"
    cap = model.config.policies.energy_cap
    if cap is None:
        return text + " · no energy cap"
    in_force = np.isfinite(model.policies.energy_cap_mw)
    if model.steps > 0 and in_force:
        binding = "binding" if getattr(model, "energy_cap_binding", 0.0) > 0.5 else "not binding"
        return text + f" · cap {format_number(cap.cap_mw)} MW ({binding})"
    ends = cap.from_year + cap.for_years
    year = model.config.run.start_year + model.steps * model.config.run.dt_years
    if year < cap.from_year:
        return text + f" · cap {format_number(cap.cap_mw)} MW from {cap.from_year:g}"
    if year >= ends:
        return text + f" · cap {format_number(cap.cap_mw)} MW ended in {ends:g}"
    return text + f" · cap {format_number(cap.cap_mw)} MW"
