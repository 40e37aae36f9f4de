"""Python API for notebooks: run, sweep, compare and analyse, returning pandas objects.

>>> from experiments import api
>>> model = api.run("baseline", seed=1, overrides={"run.years": 5})       # one run's model table
>>> result = api.run("baseline", seed=1, full=True)                      # the whole RunResult
>>> api.outcomes(result, ["loss_at_year:2034", "surplus_share"])       # scalars by name
>>> res = api.sweep("experiments/sweeps/baseline_lhs.toml", workers=2)   # a SweepResults
>>> res.experiments.head(); res.outcomes.describe()                      # inputs, outcomes
>>> cmp = api.compare("baseline", ["energy-cap"], replications=20)      # paired differences
>>> cmp.summary

Results follow EMA Workbench's shape: a table of inputs (``experiments``) and a table of
outcomes, one row per run, in the same order; ``res.to_ema()`` gives exactly EMA's pair, and
SALib takes ``res.salib_problem()`` with one value per design point (``res.point_means()``).
``out=None`` keeps nothing on disk.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from experiments import compare as compare_mod
from experiments import sensitivity as sensitivity_mod
from experiments.backends import SweepReport, execute, make_backend
from experiments.outcomes import outcomes
from experiments.outputs import DEFAULT_SIMULATE, resolve_simulate
from experiments.store import Store
from experiments.sweep import SweepSpec, levers_added, load_sweep, parse_sweep
from sim.errors import UserError

__all__ = [
    "Comparison",
    "SweepResults",
    "compare",
    "comparison_of",
    "outcomes",
    "run",
    "sensitivity",
    "sweep",
]


FULL_SIMULATE = "sim.run:simulate"  # with the agents table


@overload
def run(
    scenario: str | Path = ...,
    *,
    seed: int | None = ...,
    overrides: Mapping[str, Any] | None = ...,
    model: str | None = ...,
    full: Literal[False] = ...,
) -> pd.DataFrame: ...


@overload
def run(
    scenario: str | Path = ...,
    *,
    seed: int | None = ...,
    overrides: Mapping[str, Any] | None = ...,
    model: str | None = ...,
    full: Literal[True],
) -> Any: ...


def run(
    scenario: str | Path = "baseline",
    *,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    model: str | None = None,
    full: bool = False,
) -> Any:
    """One run's model table (one row per step), or with ``full=True`` the whole
    :class:`sim.run.RunResult` (model and agents tables, scenario, seed), which
    :func:`outcomes` reduces to scalars."""
    from sim.scenario import load_scenario

    simulate = resolve_simulate(model or (FULL_SIMULATE if full else DEFAULT_SIMULATE))
    result = simulate(load_scenario(scenario, overrides), seed=seed)
    return result if full else result.model


@dataclasses.dataclass(frozen=True)
class SweepResults:
    """A sweep's results in memory.

    ``experiments``: one row per run (index run_id): point_id, scenario, replication, seed and
    the factors. ``outcomes``: one row per run (same index): the metrics. ``status``: status and
    error per run. ``series``: long table run_id, step, year and the chosen series.
    """

    experiments: pd.DataFrame
    outcomes: pd.DataFrame
    status: pd.DataFrame
    series: pd.DataFrame
    manifest: dict[str, Any]
    report: SweepReport | None = None

    @property
    def factors(self) -> list[str]:
        return [f["key"] for f in self.manifest["factors"]]

    @classmethod
    def load(cls, out: str | Path, report: SweepReport | None = None) -> SweepResults:
        """Read a store written by a sweep (``effrace sweep`` or :func:`sweep`)."""
        store = Store(out)
        if not store.is_ours():  # a run's folder: a KeyError on 'metrics' further down
            raise UserError(store.not_ours())
        manifest = store.manifest
        runs = store.runs().set_index("run_id")
        metrics = list(manifest["metrics"])
        inputs = ["point_id", "scenario", "replication", "seed"]
        inputs += [f["key"] for f in manifest["factors"]]
        return cls(
            experiments=runs[inputs],
            outcomes=runs[metrics],
            status=runs[["status", "error"]],
            series=store.series(),
            manifest=manifest,
            report=report,
        )

    BOOKKEEPING = ("run_id", "point_id", "replication", "seed")
    """Columns of :attr:`experiments` that identify a run rather than describe its inputs."""

    def to_ema(self) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """``(experiments, outcomes)`` shaped exactly as EMA Workbench's
        ``perform_experiments`` returns them, so ``save_results``, ``feature_scoring`` and
        ``prim`` take them as they are.

        ``experiments``: one row per run, the factors (named as EMA names parameters, ``__``
        for each dot: ``law__kappa``), then EMA's ``scenario`` (the design point: runs of one
        point share it), ``policy`` (the scenario file's name) and ``model``. Run ids and seeds
        stay in :attr:`experiments`. ``outcomes``: each metric as an array of shape (runs,),
        each series as (runs, steps) with ``TIME`` (``_series`` appended to a series named like a
        metric, as ``hhi_chips``). If EMA Workbench is installed, the outcomes
        are declared to it (``ScalarOutcome``, ``TimeSeriesOutcome``), which ``save_results``
        needs.
        """
        ema_exps = pd.DataFrame(index=pd.RangeIndex(len(self.experiments)))
        for key in self.factors:
            ema_exps[key.replace(".", "__")] = self.experiments[key].to_numpy()
        ema_exps["scenario"] = pd.Categorical(self.experiments["point_id"].to_numpy())
        ema_exps["policy"] = pd.Categorical(self.experiments["scenario"].astype(str))
        ema_exps["model"] = pd.Categorical(["effrace"] * len(self.experiments))
        outcomes: dict[str, np.ndarray] = {
            c: self.outcomes[c].to_numpy(dtype=float) for c in self.outcomes.columns
        }
        series: list[str] = []
        if not self.series.empty:
            index = self.experiments.index
            for column in ["year", *self.manifest["series"]]:
                wide = self.series.pivot(index="run_id", columns="step", values=column)
                key = "TIME" if column == "year" else column
                if key in self.outcomes.columns:  # a metric has the name (hhi:chips)
                    key = f"{key}_series"
                outcomes[key] = wide.reindex(index).to_numpy(dtype=float)
                series.append(key)
        if importlib.util.find_spec("ema_workbench") is not None:
            from experiments.ema import register_outcomes

            register_outcomes(list(self.outcomes.columns), series)
        return ema_exps, outcomes

    def salib_problem(self) -> dict[str, Any]:
        """The SALib ``problem`` of this sweep (names, bounds in the factors' units, ``dists``).

        The manifest's ``salib`` entry also holds ``analyze``, the keyword arguments that
        reproduce this project's indices exactly (``calc_second_order``, bootstrap ``seed``,
        ``num_resamples``, ``conf_level``, ``num_levels``); Y is one value per ``point_id``,
        the mean over its replications (:meth:`point_means`).
        """
        if "salib" not in self.manifest:
            raise UserError(
                f"sweep '{self.manifest.get('name')}' was stored before SALib problems were "
                "recorded in manifests; run it again into a new --out"
            )
        salib = self.manifest["salib"]
        if not salib:
            raise UserError(
                f"sweep '{self.manifest.get('name')}' (design '{self.manifest.get('design')}') "
                "has no SALib problem: only lhs, sobol and morris designs sample one"
            )
        return copy.deepcopy(salib["problem"])

    def point_means(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Outcomes averaged over replications, one row per design point (index point_id), with
        the factors' values: SALib's X and Y. Failed runs are left out of the means."""
        ok = self.status["status"] == "ok"
        chosen = list(columns) if columns is not None else list(self.outcomes.columns)
        table = self.experiments[["point_id", *self.factors]].join(self.outcomes[chosen])
        factors = table.groupby("point_id")[self.factors].first()
        means = table[ok].groupby("point_id")[chosen].mean()
        n_points = int(self.manifest.get("n_points", len(factors)))
        return factors.join(means).reindex(range(n_points)).rename_axis("point_id")


def _spec(sweep_file: str | Path | Mapping[str, Any] | SweepSpec, model: str | None) -> SweepSpec:
    if isinstance(sweep_file, SweepSpec):
        spec = sweep_file
    else:
        if isinstance(sweep_file, Mapping):
            spec = parse_sweep(sweep_file, origin="sweep", base_dir=Path.cwd())
        else:
            spec = load_sweep(sweep_file)
        _warn_levers_added(spec, stacklevel=4)  # the caller of sweep or sensitivity
    return dataclasses.replace(spec, simulate=model) if model else spec


def _warn_levers_added(spec: SweepSpec, stacklevel: int = 3) -> None:
    """A ``UserWarning``, at the line that called the API, for each lever a fixed key or factor
    switches on in a scenario that has none while another scenario has it
    (:func:`experiments.sweep.levers_added`)."""
    for line in levers_added(spec):
        warnings.warn(line, UserWarning, stacklevel=stacklevel)


def sweep(
    sweep_file: str | Path | Mapping[str, Any] | SweepSpec,
    *,
    out: str | Path | None = None,
    workers: int | None = 1,
    cluster: str | None = None,
    resume: bool = False,
    quiet: bool = False,
    model: str | None = None,
) -> SweepResults:
    """Run a sweep (a file, its table as a dict, or a :class:`SweepSpec`) and read it back.

    ``workers``: local processes (1: in this process; None: all cores); ``cluster``: ``"local"``
    or a Dask scheduler address; ``out``: the store directory (None: a temporary one);
    ``quiet``: no progress bar (by default one on stderr, as ``effrace sweep`` shows: runs done,
    rate and time left).
    """
    spec = _spec(sweep_file, model)
    backend = make_backend(workers, cluster)
    if out is None:
        with tempfile.TemporaryDirectory(prefix="effrace-sweep-") as tmp:
            report = execute(spec, tmp, backend=backend, quiet=quiet)
            return SweepResults.load(tmp, report)
    report = execute(spec, out, backend=backend, resume=resume, quiet=quiet)
    return SweepResults.load(out, report)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """A paired comparison: ``summary`` (per policy and metric: means, paired difference, 95%
    CI), ``differences`` (per replication), ``fan`` (quantiles of series differences by step)
    and the underlying ``results``."""

    base: str
    summary: pd.DataFrame
    differences: pd.DataFrame
    fan: pd.DataFrame
    results: SweepResults

    def table(self) -> str:
        return compare_mod.format_table(self.summary, self.base)


def compare(
    base: str,
    policies: Sequence[str],
    *,
    replications: int = 20,
    years: float | None = None,
    overrides: Mapping[str, Any] | None = None,
    seed: int = 0,
    series: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    workers: int | None = 1,
    cluster: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    quiet: bool = False,
    model: str = DEFAULT_SIMULATE,
) -> Comparison:
    """Run ``base`` and each policy scenario ``replications`` times with common seeds and
    return the paired differences (see :mod:`experiments.compare`)."""
    spec = compare_mod.compare_spec(
        base,
        policies,
        replications=replications,
        years=years,
        overrides=overrides,
        seed=seed,
        series=series,
        metrics=metrics,
        simulate=model,
    )
    _warn_levers_added(spec)
    results = sweep(spec, out=out, workers=workers, cluster=cluster, resume=resume, quiet=quiet)
    return comparison_of(results, base)


def comparison_of(results: SweepResults, base: str) -> Comparison:
    """The paired comparison in a compare sweep's results (base: the first scenario's name)."""
    runs = results.experiments.join(results.status).join(results.outcomes).reset_index()
    summary, differences = compare_mod.paired_differences(
        runs, base, list(results.outcomes.columns)
    )
    fan = compare_mod.fan_data(results.series, runs, base, results.manifest["series"])
    return Comparison(base, summary, differences, fan, results)


def sensitivity(
    sweep_file: str | Path | Mapping[str, Any] | SweepSpec,
    *,
    out: str | Path | None = None,
    workers: int | None = 1,
    cluster: str | None = None,
    resume: bool = False,
    quiet: bool = False,
    model: str | None = None,
) -> sensitivity_mod.SensitivityResult:
    """Run a Sobol or Morris sweep (what is missing of it) and return its indices."""
    spec = _spec(sweep_file, model)
    sensitivity_mod.require_design(spec)
    backend = make_backend(workers, cluster)
    if out is None:
        with tempfile.TemporaryDirectory(prefix="effrace-sensitivity-") as tmp:
            execute(spec, tmp, backend=backend, quiet=quiet)
            return sensitivity_mod.analyse(Store(tmp), spec)
    execute(spec, out, backend=backend, resume=resume, quiet=quiet)
    return sensitivity_mod.analyse(Store(out), spec)
