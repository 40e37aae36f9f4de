"""What a sweep keeps from each run: chosen time series and scalar metrics, and the run itself.

A metric is written in a sweep file as ``"name"`` or ``"name:argument"``; each becomes one or
more columns of the results table (``peak_margin`` gives one column per sector,
``peak_margin:vendors`` one column). The catalogue:

=========================  =================================================================
``loss_at_year:Y``         lowest loss among firms at calendar year Y [-], linear between steps
``years_to_loss:L``        years from the start until the lowest loss first reaches L [yr]
                           (NaN if it never does), linear between steps
``years_to_relative_loss:X``  the same for the relative excess loss X = (L - E)/(L_ref - E)
``peak_margin[:sector]``   highest profit/revenue of a sector over the run [-]
``surplus_share[:party]``  a party's share of the gains over the run [-] (consumers, firms,
                           vendors, suppliers, government, investors): its cumulative
                           surplus over the sum of the parties' that gain; defined in
                           every run (``sim.finance.surplus_shares``)
``hhi[:market]``           concentration (Herfindahl-Hirschman, 0-1) of ai_services, chips or
                           energy at the last step [-]
``cap_binding_share``      share of steps with the energy cap binding [-]
``cumulative_profit[:sector]``  the sector's profit summed over the run [USD]
``final:COLUMN``           any model column at the last step (``mean:``, ``max:``, ``min:``
                           over the run; ``sum:`` its total over the run, for per-step flows
                           such as ``sum:emissions_t_co2``)
=========================  =================================================================

Adding a metric is one function ``f(model, start_year, arg) -> float`` and one line in
:data:`METRICS` naming the kind of argument it takes.

:class:`Runner` turns one :class:`RunTask` (scenario, overrides, seed) into one results row and
its series; it is built once per sweep and shipped once to each worker.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from sim.errors import UserError, suggest, suggest_or_list
from sim.params import SECTORS

PARTIES = ("consumers", "firms", "vendors", "suppliers", "government", "investors")
MARKETS = ("ai_services", "chips", "energy")


@functools.cache
def model_columns() -> tuple[str, ...]:
    """Columns of the model table a sweep may keep or reduce (``sim.model.MODEL_OUTPUTS``)."""
    from sim.model import MODEL_OUTPUTS

    return tuple(name for name in MODEL_OUTPUTS if name not in ("year", "step"))


DEFAULT_SIMULATE = "sim.run:simulate_model_table"  # sweeps read model-level columns only

DEFAULT_SERIES = (
    "best_loss",
    "price_usd_per_million_tokens",
    "surplus_share_consumers",
    "surplus_share_firms",
    "surplus_share_vendors",
)
DEFAULT_METRICS = (
    "final:best_loss",
    "final:best_relative_excess_loss",
    "final:price_usd_per_million_tokens",
    "peak_margin",
    "surplus_share",
    "hhi",
    "cap_binding_share",
)


# --------------------------------------------------------------------------------------------
# Metrics: pure functions of one run's model table
# --------------------------------------------------------------------------------------------


def _crossing_years(years: np.ndarray, values: np.ndarray, target: float) -> float:
    """Years at which a falling series first reaches ``target``, linear between steps."""
    below = np.flatnonzero(values <= target)
    if below.size == 0:
        return math.nan
    i = int(below[0])
    if i == 0:
        return float(years[0])
    v0, v1 = values[i - 1], values[i]
    frac = (v0 - target) / (v0 - v1) if v0 != v1 else 1.0
    return float(years[i - 1] + frac * (years[i] - years[i - 1]))


def loss_at_year(model: pd.DataFrame, start_year: float, year: float) -> float:
    """Lowest loss among firms at calendar ``year`` [nats/token]; NaN outside the run."""
    t = model["year"].to_numpy()
    if not t[0] <= year <= t[-1]:
        return math.nan
    return float(np.interp(year, t, model["best_loss"].to_numpy()))


def years_to_loss(model: pd.DataFrame, start_year: float, target: float) -> float:
    """Years from ``start_year`` until the lowest loss first reaches ``target`` [yr]."""
    t = model["year"].to_numpy() - start_year
    return _crossing_years(t, model["best_loss"].to_numpy(), target)


def years_to_relative_loss(model: pd.DataFrame, start_year: float, target: float) -> float:
    """Years from ``start_year`` until the best relative excess loss reaches ``target`` [yr]."""
    t = model["year"].to_numpy() - start_year
    return _crossing_years(t, model["best_relative_excess_loss"].to_numpy(), target)


def peak_margin(model: pd.DataFrame, start_year: float, sector: str) -> float:
    """Highest margin (profit/revenue) of ``sector`` over the run [-]."""
    values = model[f"margin_{sector}"].to_numpy()
    return float(np.nanmax(values)) if np.isfinite(values).any() else math.nan


def surplus_share(model: pd.DataFrame, start_year: float, party: str) -> float:
    """``party``'s share of the gains over the run [-] (:func:`sim.run.cumulative_surplus`,
    :func:`sim.finance.surplus_shares`): never NaN, negative for a party that lost."""
    from sim import finance
    from sim.run import cumulative_surplus

    parts = cumulative_surplus(model)
    shares = dict(zip(parts, finance.surplus_shares(list(parts.values())), strict=True))
    return float(shares[party])


def hhi(model: pd.DataFrame, start_year: float, market: str) -> float:
    """Herfindahl-Hirschman index of ``market`` at the last step [0-1]."""
    return float(model[f"hhi_{market}"].iloc[-1])


def cap_binding_share(model: pd.DataFrame, start_year: float, _: None) -> float:
    """Share of steps in which the energy cap binds [-]."""
    return float(model["energy_cap_binding"].mean())


def cumulative_profit(model: pd.DataFrame, start_year: float, sector: str) -> float:
    """``sector``'s profit summed over the run [USD]."""
    return float(model[f"profit_{sector}_usd"].to_numpy(dtype=float).sum())


def _reducer(how: str) -> Callable[[pd.DataFrame, float, str], float]:
    def reduce(model: pd.DataFrame, start_year: float, column: str) -> float:
        values = model[column].to_numpy(dtype=float)
        if how == "final":
            return float(values[-1])
        if not np.isfinite(values).any():
            return math.nan
        reducers: dict[str, Callable[[np.ndarray], Any]] = {
            "mean": np.nanmean,
            "max": np.nanmax,
            "min": np.nanmin,
            "sum": np.nansum,
        }
        return float(reducers[how](values))

    reduce.__doc__ = (
        f"{how} of a model column over the run [the column's unit]; NaN steps are skipped, "
        "and a column that is NaN at every step gives NaN."
    )
    return reduce


@dataclasses.dataclass(frozen=True)
class _Kind:
    func: Callable[[pd.DataFrame, float, Any], float]
    arg: str  # "year", "number", "sector", "party", "market", "column" or "none"
    required: bool


METRICS: dict[str, _Kind] = {
    "loss_at_year": _Kind(loss_at_year, "year", True),
    "years_to_loss": _Kind(years_to_loss, "number", True),
    "years_to_relative_loss": _Kind(years_to_relative_loss, "number", True),
    "peak_margin": _Kind(peak_margin, "sector", False),
    "surplus_share": _Kind(surplus_share, "party", False),
    "hhi": _Kind(hhi, "market", False),
    "cap_binding_share": _Kind(cap_binding_share, "none", False),
    "cumulative_profit": _Kind(cumulative_profit, "sector", False),
    "final": _Kind(_reducer("final"), "column", True),
    "mean": _Kind(_reducer("mean"), "column", True),
    "max": _Kind(_reducer("max"), "column", True),
    "min": _Kind(_reducer("min"), "column", True),
    "sum": _Kind(_reducer("sum"), "column", True),
}
"""The metric catalogue: name -> function of one run's model table, and its argument's kind."""


TARGET_RANGES: dict[str, tuple[float, float, str]] = {
    "years_to_loss": (0.0, math.inf, "a loss target [nats/token]"),
    "years_to_relative_loss": (0.0, 1.0, "a relative excess loss target [-]"),
}
"""Targets of the ``years_to_`` metrics, open below and closed above: a loss no run can reach
(0 or below: the law's floor E is positive) or a relative loss the runs start below (above 1)
makes the metric NaN or 0 in every run."""


class Metric(NamedTuple):
    """One parsed metric: its column name, catalogue entry and argument."""

    column: str
    kind: str
    arg: Any

    def __call__(self, model: pd.DataFrame, start_year: float) -> float:
        return METRICS[self.kind].func(model, start_year, self.arg)


def _column_name(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_")


def parse_metric(text: Any, where: str) -> list[Metric]:
    """Parse ``"name"`` or ``"name:argument"`` into its result columns; UserError if wrong."""
    if not isinstance(text, str):
        raise UserError(f"{where} = {text!r} must be a string such as 'loss_at_year:2035'")
    name, _, arg_text = text.partition(":")
    name, arg_text = name.strip(), arg_text.strip()
    if name not in METRICS:
        raise UserError(
            f"{where}: unknown metric '{name}'{suggest(name, list(METRICS))}; "
            f"metrics: {', '.join(METRICS)}"
        )
    kind = METRICS[name]
    if not arg_text:
        if kind.required:
            example = {"year": "2035", "number": "2.0", "column": "best_loss"}[kind.arg]
            raise UserError(f"{where}: metric '{name}' needs an argument, e.g. '{name}:{example}'")
        if kind.arg == "none":
            return [Metric(name, name, None)]
        expand = {"sector": SECTORS, "party": PARTIES}.get(kind.arg, MARKETS)
        return [Metric(f"{name}_{o}", name, o) for o in expand]
    if kind.arg == "none":
        raise UserError(f"{where}: metric '{name}' takes no argument")
    if kind.arg in ("year", "number"):
        try:
            value = float(arg_text)
        except ValueError:
            raise UserError(f"{where}: '{text}': '{arg_text}' is not a number") from None
        if not math.isfinite(value):
            raise UserError(f"{where}: '{text}': '{arg_text}' is not a finite number")
        lo, hi, what = TARGET_RANGES.get(name, (-math.inf, math.inf, ""))
        if not lo < value <= hi:
            bound = f"> {lo:g}" if hi == math.inf else f"in ({lo:g}, {hi:g}]"
            raise UserError(f"{where}: '{text}': {what} must be {bound}")
        return [Metric(_column_name(text), name, value)]
    options = {"sector": SECTORS, "market": MARKETS, "party": PARTIES}.get(
        kind.arg
    ) or model_columns()
    if arg_text not in options:
        hint = suggest_or_list(arg_text, options, f"{kind.arg}s", n=3)
        raise UserError(f"{where}: '{text}': unknown {kind.arg} '{arg_text}'{hint}")
    return [Metric(_column_name(text), name, arg_text)]


def parse_series(names: Any, where: str) -> tuple[str, ...]:
    """Check a list of model column names to keep as time series."""
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise UserError(f"{where} must be a list of model column names, e.g. ['best_loss']")
    columns = model_columns()
    for name in names:
        if name not in columns:
            hint = suggest_or_list(name, columns, "model columns", n=3)
            raise UserError(f"{where}: unknown model column '{name}'{hint}")
    if len(set(names)) != len(names):
        raise UserError(f"{where}: a column is listed twice")
    return tuple(names)


@dataclasses.dataclass(frozen=True)
class Outputs:
    """The time series and scalar metrics a sweep keeps from each run."""

    series: tuple[str, ...] = DEFAULT_SERIES
    metrics: tuple[Metric, ...] = ()

    @property
    def metric_columns(self) -> list[str]:
        return [m.column for m in self.metrics]

    @classmethod
    def parse(
        cls,
        series: Any,
        metrics: Any,
        where: str,
        *,
        series_label: str | None = None,
        metrics_label: str | None = None,
    ) -> Outputs:
        """Outputs from a sweep file's ``series`` and ``metrics`` lists (defaults if None).
        Errors name ``where.series`` and ``where.metrics``, or the labels given (the options
        the user typed them with, such as ``--metric``)."""
        series_label = series_label or f"{where}.series"
        metrics_label = metrics_label or f"{where}.metrics"
        chosen_series = DEFAULT_SERIES if series is None else parse_series(series, series_label)
        texts = list(DEFAULT_METRICS) if metrics is None else metrics
        if not isinstance(texts, list):
            raise UserError(f"{metrics_label} must be a list of strings such as 'hhi'")
        parsed = [m for text in texts for m in parse_metric(text, metrics_label)]
        columns = [m.column for m in parsed]
        duplicate = next((c for c in columns if columns.count(c) > 1), None)
        if duplicate:
            raise UserError(f"{metrics_label}: '{duplicate}' is listed twice")
        return cls(chosen_series, tuple(parsed))


# --------------------------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------------------------


class RunTask(NamedTuple):
    """One run of a sweep: which scenario, which parameter values, which seed."""

    run_id: int
    point_id: int
    replication: int
    seed: int
    scenario: str
    values: tuple[Any, ...]  # one per factor, in the sweep's factor order


class RunRecord(NamedTuple):
    """What one run leaves: a results row and its time series (None if it failed)."""

    row: dict[str, Any]
    series: dict[str, np.ndarray] | None


def resolve_simulate(path: str) -> Callable[..., Any]:
    """Import ``module:function``, the model function a sweep calls."""
    module_name, _, func_name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, func_name)
    except (ImportError, AttributeError) as exc:
        raise UserError(f"cannot load the model function '{path}': {exc}") from None


def model_code_hash(simulate: str) -> str:
    """Hash of the model's source: the ``sim`` and ``agents`` packages and the module of
    ``simulate``, so that a store is never resumed with different model code."""
    from importlib.util import find_spec

    files: set[Path] = set()
    for name in ("sim", "agents", simulate.partition(":")[0]):
        found = find_spec(name)
        if found is None or found.origin is None:
            continue
        origin = Path(found.origin)
        if found.submodule_search_locations:
            for folder in found.submodule_search_locations:
                files.update(Path(folder).rglob("*.py"))
        else:
            files.add(origin)
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class Runner:
    """Turns tasks into records: build the scenario, simulate, reduce to metrics and series.

    Parameters: ``scenarios`` maps each scenario name of the sweep to its raw table (as read
    by :func:`sim.scenario.load_raw`, with ``name`` set); ``fixed`` are overrides applied to every
    run; ``factors`` are the dotted keys a task's ``values`` set; ``simulate`` is the model
    function as ``module:function``, imported in the worker.
    """

    def __init__(
        self,
        scenarios: Mapping[str, Mapping[str, Any]],
        fixed: Mapping[str, Any],
        factors: Sequence[str],
        outputs: Outputs,
        simulate: str = DEFAULT_SIMULATE,
    ) -> None:
        self.scenarios = {k: dict(v) for k, v in scenarios.items()}
        self.fixed = dict(fixed)
        self.factors = tuple(factors)
        self.outputs = outputs
        self.simulate_path = simulate
        self._simulate: Callable[..., Any] | None = None
        self._last: tuple[tuple[str, tuple[Any, ...]], Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_simulate"] = state["_last"] = None
        return state

    def warm_up(self) -> Callable[..., Any]:
        """The model function, imported (with Mesa, pandas) on first use."""
        if self._simulate is None:
            self._simulate = resolve_simulate(self.simulate_path)
        return self._simulate

    def scenario(self, task: RunTask) -> Any:
        """The :class:`sim.params.Scenario` of one task (kept for the next replication)."""
        from sim.scenario import apply_overrides, from_dict

        key = (task.scenario, task.values)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        overrides = {**self.fixed, **dict(zip(self.factors, task.values, strict=True))}
        raw = apply_overrides(self.scenarios[task.scenario], overrides)
        scenario = from_dict(raw, origin=task.scenario)
        self._last = (key, scenario)
        return scenario

    def run(self, task: RunTask) -> RunRecord:
        """Run one task; an exception is recorded in the row, never raised."""
        simulate = self.warm_up()
        row: dict[str, Any] = {
            "run_id": task.run_id,
            "point_id": task.point_id,
            "scenario": task.scenario,
            "replication": task.replication,
            "seed": task.seed,
            **dict(zip(self.factors, task.values, strict=True)),
        }
        try:
            scenario = self.scenario(task)
            result = simulate(scenario, seed=task.seed)
            model = result.model
            start = scenario.run.start_year
            metrics = {m.column: m(model, start) for m in self.outputs.metrics}
            series = {
                "step": model["step"].to_numpy(dtype=np.int64),
                "year": model["year"].to_numpy(dtype=np.float64),
                **{c: model[c].to_numpy(dtype=np.float64) for c in self.outputs.series},
            }
        except Exception as exc:  # a failing run is data: record it and go on
            message = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
            row.update(status="error", error=message)
            row.update(dict.fromkeys(self.outputs.metric_columns, math.nan))
            return RunRecord(row, None)
        row.update(status="ok", error=None, **metrics)
        return RunRecord(row, series)

    def run_chunk(self, tasks: Sequence[RunTask]) -> list[RunRecord]:
        """Run several tasks in order (the unit of work sent to a worker)."""
        return [self.run(task) for task in tasks]
