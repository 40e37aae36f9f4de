"""Fit the historical scenario's unpinned parameters to the observed series (``effrace calibrate``).

Most parameters of the historical scenario (2020-2025) come from a source: chips' FLOP/s and
FLOP/J, run lengths, the law, prices of energy. A few are not pinned by any: the labs' fleets
and cash in 2020, the share of training compute that goes into the run a lab sells, the size of
the AI-services market, buyers' taste noise (which sets markups), how closely firms compare
chips, the power available to AI and investors' capital. :data:`FITTED` lists them, with the
range searched. :func:`fit` chooses them so that the historical run lands in the observed band
of every calibration target (:data:`sim.validate.TARGETS`, each with its source): it minimises
the squared log-distance of each measured figure outside its band, plus small pulls toward the
band's centre and toward the file's values, over the logarithms of the parameters (``scipy.optimize.least_squares``, bounded
trust region; deterministic, since the run's seed is fixed). :func:`write_fit` writes the
fitted values into the scenario file, so ``effrace validate`` checks exactly what was fitted.

Nothing here imports Mesa beyond what a run needs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import UserError
from sim.run import simulate
from sim.scenario import load_raw, load_scenario, parse_key, resolve_path
from sim.validate import TARGETS, Target, calibration_measures


@dataclass(frozen=True)
class Fitted:
    """A parameter the fit chooses: its scenario key (``.multiplier`` keys scale each entry's
    own value, so labs that differ keep differing), the range searched and why it is free."""

    key: str
    lo: float
    hi: float
    why: str


FITTED: tuple[Fitted, ...] = (
    Fitted("firms.chips.multiplier", 0.05, 5.0, "labs' 2020 fleets: reported only roughly"),
    Fitted("firms.cash_usd.multiplier", 0.05, 5.0, "labs' 2020 cash: private"),
    Fitted("firms.run_share", 0.02, 1.0, "share of training in the sold run: not reported"),
    Fitted("market.potential_tasks_per_year", 1e8, 1e12, "2020 AI-services market: no series"),
    Fitted("market.taste_noise_usd_per_task", 0.01, 10.0, "buyers' taste noise (markups)"),
    Fitted("market.chip_choice_sensitivity", 0.3, 10.0, "how closely firms compare chips"),
    Fitted("suppliers.capacity_mw.multiplier", 0.2, 10.0, "2020 power available to AI"),
    Fitted("market.investor_funding_usd_per_year", 1e8, 1e11, "2020 capital for labs"),
    Fitted(
        "market.tokens_per_task_doublings_per_year",
        0.3,
        3.0,
        "growth of the tokens a task takes: context windows grew x64 (2k to 128k) 2020-2024, "
        "usage per task has no series",
    ),
)
"""The historical scenario's parameters that no source pins, fitted by :func:`fit`."""

MIN_EVALUATIONS = len(FITTED) + 1
"""Fewest runs a fit can make: the start and one finite-difference step per parameter."""

NOT_FITTED: tuple[str, ...] = ()
"""Targets checked but not fitted (none: the fall of the price at fixed capability is pinned by
the growth of tokens per task, since a token's price is a markup per task)."""

PRIOR_WEIGHT = 0.02
"""Weight of each parameter's move from the file's value, in shares of its searched log-range:
the fit changes the file as little as it must, so a fitted file is nearly a fixed point and a
re-fit after a change to the model moves only what the change requires."""

OUTSIDE_WEIGHT = 10.0
"""Weight of a figure's log-distance outside its band."""

CENTRE_WEIGHT = 0.05
"""Weight of the pull toward each band's (geometric) centre, in band log-widths: small against
:data:`OUTSIDE_WEIGHT`, so it only chooses among fits that land inside every band."""


def residuals(measured: Mapping[str, float], targets: tuple[Target, ...] = TARGETS) -> np.ndarray:
    """One residual per target: ``OUTSIDE_WEIGHT`` times the log-distance of the measured figure
    outside its observed band (0 inside), plus ``CENTRE_WEIGHT`` times its log-distance from
    the band's centre in band widths; a figure that is not finite counts as far out (10)."""
    out = []
    for t in targets:
        value = measured[t.name]
        if not (math.isfinite(value) and value > 0):
            out.append(10.0)
            continue
        lo, hi = math.log(t.ok[0]), math.log(t.ok[1])
        x = math.log(value)
        outside = lo - x if x < lo else (x - hi if x > hi else 0.0)
        centre = (x - (lo + hi) / 2) / max(hi - lo, 1e-9)
        out.append(OUTSIDE_WEIGHT * outside + CENTRE_WEIGHT * centre)
    return np.array(out)


@dataclass(frozen=True)
class Fit:
    scenario: str
    values: dict[str, float]  # fitted key -> value (multipliers relative to the file)
    start: dict[str, float]
    measured: dict[str, float]
    cost: float  # sum of squared residuals at the fit
    start_cost: float
    evaluations: int


def _start_values(scenario: str) -> dict[str, float]:
    base = load_scenario(scenario)
    out = {}
    for p in FITTED:
        if p.key.endswith(".multiplier"):
            out[p.key] = 1.0
            continue
        section, name = p.key.split(".")
        value = getattr(base, section)
        out[p.key] = float(getattr(value[0] if isinstance(value, tuple) else value, name))
        if not 0 < out[p.key] < math.inf:  # log(0) would start the fit from nan
            raise UserError(
                f"{scenario}: {p.key} = {out[p.key]:g}: the fit searches each parameter on a log "
                "scale from the scenario's value, which must be > 0 and finite (fit the "
                'historical scenario, or one with base = "historical")'
            )
    return out


def measure(scenario: str, overrides: Mapping[str, float]) -> dict[str, float]:
    """The calibration figures of ``scenario`` run with ``overrides``."""
    return calibration_measures(simulate(load_scenario(scenario, dict(overrides))))


def fit(
    scenario: str = "historical",
    max_evaluations: int = 160,
    on_evaluation: Callable[[int, float], None] | None = None,
) -> Fit:
    """Fit :data:`FITTED` to the targets from the scenario file's own values, in at most
    ``max_evaluations`` runs of the scenario (at least one more than there are parameters, for
    the start and one finite-difference step each; ValueError below that)."""
    if max_evaluations < MIN_EVALUATIONS:
        raise ValueError(
            f"the fit needs at least {MIN_EVALUATIONS} runs (the start and one per fitted "
            f"parameter), got max_evaluations={max_evaluations}"
        )
    from scipy.optimize import least_squares

    fitted_targets = tuple(t for t in TARGETS if t.name not in NOT_FITTED)
    start = _start_values(scenario)
    keys = [p.key for p in FITTED]
    # each parameter's log between its bounds, shifted to [1, 2] so that least_squares' relative
    # finite-difference steps are about the same share of every range
    lo = np.log([min(p.lo, start[p.key]) for p in FITTED])
    width = np.log([max(p.hi, start[p.key]) for p in FITTED]) - lo

    def to_values(u: np.ndarray) -> dict[str, float]:
        return dict(zip(keys, np.exp(lo + (u - 1.0) * width).tolist(), strict=True))

    u0 = np.clip(1.0 + (np.log([start[k] for k in keys]) - lo) / width, 1.0, 2.0)
    # every point run once: its residuals and its figures, by the point's bytes
    runs: dict[bytes, tuple[np.ndarray, dict[str, float], np.ndarray]] = {}

    def objective(u: np.ndarray) -> np.ndarray:
        key = np.round(u, 12).tobytes()
        if key not in runs:
            if len(runs) >= max_evaluations:
                raise _OutOfRuns
            measured = measure(scenario, to_values(u))
            misfit = residuals(measured, fitted_targets)
            runs[key] = (np.concatenate([misfit, PRIOR_WEIGHT * (u - u0)]), measured, u.copy())
            if on_evaluation is not None:
                on_evaluation(len(runs), float(np.sum(runs[key][0] ** 2)))
        return runs[key][0]

    first = objective(u0)
    try:
        solution = least_squares(
            objective,
            u0,
            bounds=(1.0, 2.0),
            diff_step=0.01,
            max_nfev=max(1, max_evaluations // (len(keys) + 1)),
            method="trf",
        )
        key = np.round(solution.x, 12).tobytes()  # a point least_squares ran
    except _OutOfRuns:  # the budget ran out mid-iteration
        key = b""
    # its solution, or else the best point run so far
    misfit, measured, best = runs.get(key) or min(
        runs.values(), key=lambda run: float(np.sum(run[0] ** 2))
    )
    return Fit(
        scenario,
        to_values(best),
        start,
        measured,
        float(np.sum(misfit**2)),
        float(np.sum(first**2)),
        len(runs),
    )


class _OutOfRuns(Exception):
    """:func:`fit`'s objective was asked for a run beyond ``max_evaluations``."""


def _number(value: float) -> str:
    text = f"{value:.4g}"
    return text if any(c in text for c in ".e") else f"{text}.0"


def _blocks(lines: list[str], header: str) -> list[tuple[int, int]]:
    """(first, end) line ranges of every table ``header`` (``[market]``, ``[[firms]]``)."""
    starts = [i for i, line in enumerate(lines) if line.strip() == header]
    out = []
    for s in starts:
        end = next(
            (j for j in range(s + 1, len(lines)) if lines[j].lstrip().startswith("[")), len(lines)
        )
        out.append((s, end))
    return out


def _set_line(
    lines: list[str], block: tuple[int, int], name: str, value: Callable[[Any], Any]
) -> None:
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=\s*([^#]*?)\s*(#.*)?$")
    first, end = block
    for i in range(first + 1, end):
        match = pattern.match(lines[i])
        if match:
            comment = f"   {match.group(2) or '# fitted: effrace calibrate'}"
            lines[i] = f"{name} = {value(match.group(1))}{comment}"
            return
    last = max(i for i in range(first, end) if lines[i].strip() and not lines[i].startswith("#"))
    lines.insert(last + 1, f"{name} = {value(None)}   # fitted: effrace calibrate")


def write_fit(values: Mapping[str, float], path: str | Path) -> Path:
    """Write fitted ``values`` into the scenario file at ``path`` (a shipped name or a path):
    a ``section.key`` sets the key of ``[section]``, a ``group.key`` that key in every
    ``[[group]]`` entry, a ``group.key.multiplier`` scales each entry's own value, which the
    file must give. Other lines and comments are kept. Returns the path written."""
    target = resolve_path(path)
    lines = target.read_text().splitlines()
    for key, value in values.items():
        parsed = parse_key(key, f"calibrate {key}")
        grouped = parsed.section in ("firms", "vendors", "suppliers")
        header = f"[[{parsed.section}]]" if grouped else f"[{parsed.section}]"
        blocks = _blocks(lines, header)
        if not blocks:
            lines += ["", header]
            blocks = _blocks(lines, header)
        for block in reversed(blocks):  # from the end, so inserted lines do not shift the rest
            if parsed.multiplier:

                def scaled(old: Any, factor: float = value, where: str = key) -> str:
                    if old is None:
                        raise ValueError(f"{where}: every entry must give its own value to scale")
                    return _number(float(old) * factor)

                _set_line(lines, block, parsed.field, scaled)
            else:

                def fixed(_old: Any, v: float = value) -> str:
                    return _number(v)

                _set_line(lines, block, parsed.field, fixed)
    target.write_text("\n".join(lines) + "\n")
    load_raw(target)  # still a readable scenario
    return target
