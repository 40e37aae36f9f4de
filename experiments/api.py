"""Python API for notebooks: run, sweep, compare and analyse, returning pandas objects.

>>> from experiments import api
>>> model = api.run("baseline", seed=1, overrides={"run.years": 5})       # one run's model table
>>> res = api.sweep("experiments/sweeps/baseline_lhs.toml", workers=2)   # a SweepResults
>>> res.experiments.head(); res.outcomes.describe()                      # inputs, outcomes
>>> cmp = api.compare("baseline", ["energy_cap"], replications=20)      # paired differences
>>> cmp.summary

Results follow EMA Workbench's shape: a table of inputs (``experiments``) and a table of
outcomes, one row per run, in the same order, so SALib takes
``X = res.experiments[res.factors].to_numpy()`` and ``Y = res.outcomes[metric].to_numpy()``
and EMA Workbench takes ``res.to_ema()``. ``out=None`` keeps nothing on disk.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments import compare as compare_mod
from experiments import sensitivity as sensitivity_mod
from experiments.backends import SweepReport, execute, make_backend
from experiments.outputs import DEFAULT_SIMULATE, resolve_simulate
from experiments.store import Store
from experiments.sweep import SweepSpec, load_sweep, parse_sweep


def run(
    scenario: str | Path = "baseline",
    *,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    model: str = DEFAULT_SIMULATE,
) -> pd.DataFrame:
    """One run's model table (one row per step); ``sim.run.simulate`` gives the agents too."""
    from sim.scenario import load_scenario

    return resolve_simulate(model)(load_scenario(scenario, overrides), seed=seed).model


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

    def to_ema(self) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """``(experiments, outcomes)`` as EMA Workbench returns them from ``perform_experiments``:
        scalar outcomes as arrays of shape (runs,), series as (runs, steps), with ``TIME``."""
        outcomes: dict[str, np.ndarray] = {
            c: self.outcomes[c].to_numpy() for c in self.outcomes.columns
        }
        if not self.series.empty:
            index = self.experiments.index
            for column in ["year", *self.manifest["series"]]:
                wide = self.series.pivot(index="run_id", columns="step", values=column)
                key = "TIME" if column == "year" else column
                outcomes[key] = wide.reindex(index).to_numpy(dtype=float)
        return self.experiments.reset_index(), outcomes


def _spec(sweep_file: str | Path | Mapping[str, Any] | SweepSpec, model: str | None) -> SweepSpec:
    if isinstance(sweep_file, SweepSpec):
        spec = sweep_file
    elif isinstance(sweep_file, Mapping):
        spec = parse_sweep(sweep_file, origin="sweep", base_dir=Path.cwd())
    else:
        spec = load_sweep(sweep_file)
    return dataclasses.replace(spec, simulate=model) if model else spec


def sweep(
    sweep_file: str | Path | Mapping[str, Any] | SweepSpec,
    *,
    out: str | Path | None = None,
    workers: int | None = 1,
    cluster: str | None = None,
    resume: bool = False,
    quiet: bool = True,
    model: str | None = None,
) -> SweepResults:
    """Run a sweep (a file, its table as a dict, or a :class:`SweepSpec`) and read it back.

    ``workers``: local processes (1: in this process; None: all cores); ``cluster``: ``"local"``
    or a Dask scheduler address; ``out``: the store directory (None: a temporary one).
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
    quiet: bool = True,
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
    quiet: bool = True,
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
