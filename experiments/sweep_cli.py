"""``effrace sweep``, ``effrace compare`` and ``effrace sensitivity`` (docs/sweeps.md).

Each command runs its runs into a results store (``--out``, default ``results/<name>``) on local
processes (all cores by default; ``--workers 1`` runs in this process) or on a Dask cluster
(``--cluster local`` or a scheduler address), with a progress bar on stderr (``--quiet`` hides
it) and a summary on stdout. ``--resume`` finishes an interrupted store.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from experiments import compare as compare_mod
from experiments import sensitivity as sensitivity_mod
from experiments.backends import SweepReport, execute, make_backend
from experiments.budget import MAX_SWEEP_SECONDS, MAX_YEARS
from experiments.outputs import DEFAULT_SERIES, DEFAULT_SIMULATE
from experiments.store import Store
from experiments.sweep import SweepSpec, levers_added, load_sweep
from sim.errors import EnvironmentFailure, UserError


def _execution_options(
    parser: argparse.ArgumentParser,
    out_default: str = "results/NAME, NAME the sweep file's name without .toml",
) -> None:
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: all cores; 1 runs in this process; with --cluster "
        "local, the cluster's workers)",
    )
    parser.add_argument(
        "--cluster",
        metavar="local|ADDRESS",
        help="run on Dask: 'local' starts a local cluster, an address (tcp://host:8786) "
        "connects to a running scheduler",
    )
    parser.add_argument("--out", metavar="DIR", help=f"results store (default {out_default})")
    parser.add_argument(
        "--resume", action="store_true", help="finish an interrupted store: run only missing runs"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--force",
        action="store_true",
        help="run even if the runs are estimated to take more than "
        f"{MAX_SWEEP_SECONDS / 3600:g} hours, or one is longer than {MAX_YEARS:g} years",
    )
    parser.add_argument(
        "--model",
        default=DEFAULT_SIMULATE,
        metavar="MODULE:FUNCTION",
        help=f"model function to call (default {DEFAULT_SIMULATE})",
    )


def add_parser(sub: Any) -> None:
    """Register the sweep, compare and sensitivity sub-commands."""
    p = sub.add_parser(
        "sweep",
        help="run a sweep file: factors, designs, replications, into a results store",
        description="Run every run of a sweep file into a results store (docs/sweeps.md).",
    )
    p.add_argument("file", type=Path, help="sweep file (TOML)")
    _execution_options(p)
    p.set_defaults(func=cmd_sweep)

    c = sub.add_parser(
        "compare",
        help="paired comparison of policy scenarios against a base, with confidence intervals",
        description="Run BASE and each POLICY with common random numbers and report the paired "
        "differences of the metrics with 95% confidence intervals, and fan charts.",
    )
    c.add_argument("base", help="base scenario (name or path)")
    c.add_argument("policies", nargs="+", metavar="POLICY", help="policy scenarios")
    c.add_argument(
        "--replications",
        type=int,
        default=20,
        metavar="N",
        help="seeds: runs of each arm (default 20, at least 2)",
    )
    c.add_argument("--years", type=float, metavar="Y", help="horizon of every arm [yr]")
    c.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    c.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter in every arm (repeatable)",
    )
    c.add_argument(
        "--metric",
        action="append",
        metavar="SPEC",
        help="metric to compare (repeatable; replaces the default ones)",
    )
    c.add_argument(
        "--series",
        action="append",
        metavar="COLUMN",
        help="model column for a fan chart (repeatable; replaces the default ones: "
        f"{', '.join(DEFAULT_SERIES)})",
    )
    c.add_argument("--json", action="store_true", help="print the table as JSON")
    _execution_options(c, "results/compare-BASE-POLICY...")
    c.set_defaults(func=cmd_compare)

    s = sub.add_parser(
        "sensitivity",
        help="Sobol indices or Morris screening of a sweep file's metrics and series",
        description="Run a sweep file with design = 'sobol' or 'morris' (what is missing of "
        "it) and compute sensitivity indices with confidence intervals, and their figures.",
    )
    s.add_argument("file", type=Path, help="sweep file (TOML)")
    _execution_options(s)
    s.set_defaults(func=cmd_sensitivity)


def _out_folder(args: argparse.Namespace, name: str) -> Path:
    """The results folder: --out or results/NAME; UserError (one line) if it is a file, or
    cannot be created or written. Creates nothing: :func:`experiments.backends.execute` makes
    the folder once every option has been checked (and removes it again if the command stops
    before its first run is stored)."""
    from sim.atomic import check_out_path

    out = check_out_path(args.out if args.out is not None else Path("results") / name)
    there = next(p for p in (out.absolute(), *out.absolute().parents) if p.exists())
    if not there.is_dir():
        raise UserError(f"--out {out}: cannot create the folder: {there} is a file")
    if not os.access(there, os.W_OK | os.X_OK):
        if there == out.absolute():
            raise UserError(f"--out {out}: the folder is not writable")
        raise UserError(f"--out {out}: cannot create the folder: {there} is not writable")
    return out


def _check_model(path: str) -> None:
    """Import the --model function here, so that a wrong one is one line, not a broken pool."""
    from experiments.outputs import resolve_simulate

    if not re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", path):
        raise UserError(f"--model {path}: give MODULE:FUNCTION, e.g. {DEFAULT_SIMULATE}")
    if not callable(resolve_simulate(path)):
        raise UserError(f"--model {path}: not a function")


def _run(spec: SweepSpec, args: argparse.Namespace) -> tuple[Path, SweepReport]:
    backend = make_backend(args.workers, args.cluster)  # checks --workers and --cluster
    out = _out_folder(args, spec.name)
    try:
        report = execute(
            spec, out, backend=backend, resume=args.resume, quiet=args.quiet, force=args.force
        )
    except OSError as exc:  # the disk filled up, the folder was removed, ...
        raise EnvironmentFailure(
            f"--out {out}: cannot write: {exc.strerror or exc}; runs already stored are kept: "
            "rerun the same command with --resume to finish"
        ) from None
    return out, report


def _load(args: argparse.Namespace) -> SweepSpec:
    import dataclasses

    _check_model(args.model)
    spec = load_sweep(args.file)
    _warn_levers_added(spec)
    return dataclasses.replace(spec, simulate=args.model)


def _warn_levers_added(spec: SweepSpec) -> None:
    """Warn, before the runs, of each lever a fixed key or factor switches on in a scenario that
    has none while another has it (:func:`experiments.sweep.levers_added`)."""
    for line in levers_added(spec):
        print(f"effrace: warning: {line}", file=sys.stderr)


def describe(runs: pd.DataFrame, metrics: list[str]) -> str:
    """Mean, standard deviation and range of each metric over the successful runs."""
    ok = runs[runs["status"] == "ok"]
    lines = [f"  {'metric':<40} {'mean':>11} {'sd':>11} {'min':>11} {'max':>11} {'NaN':>5}"]
    for m in metrics:
        v = ok[m].astype(float)
        lines.append(
            f"  {m:<40} {v.mean():>11.4g} {v.std():>11.4g} {v.min():>11.4g} {v.max():>11.4g} "
            f"{int(v.isna().sum()):>5}"
        )
    return "\n".join(lines)


def cmd_sweep(args: argparse.Namespace) -> int:
    spec = _load(args)
    out, report = _run(spec, args)
    print(f"sweep '{spec.name}': {report.summary()}")
    metrics = spec.outputs.metric_columns
    if not metrics:
        return 0
    runs = Store(out).runs(["scenario", "status", *metrics])
    if len(spec.scenarios) == 1:
        print(describe(runs, metrics))
        return 0
    for ref in spec.scenarios:  # one table each: pooled, they would describe no scenario
        rows = runs[runs["scenario"] == ref]
        print(f"scenario '{ref}' ({len(rows)} runs):")
        print(describe(rows, metrics))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from experiments.api import SweepResults, comparison_of
    from experiments.budget import MAX_SWEEP_RUNS
    from sim.scenario import parse_overrides

    if args.seed < 0:
        raise UserError(f"--seed {args.seed}: must be >= 0")
    if args.years is not None and not (args.years > 0 and math.isfinite(args.years)):
        raise UserError(f"--years {args.years:g}: must be a positive number of years")
    n_runs = args.replications * (1 + len(args.policies))
    if n_runs > MAX_SWEEP_RUNS:
        raise UserError(
            f"--replications {args.replications}: {n_runs:,} runs, more than the "
            f"{MAX_SWEEP_RUNS:,} a results store holds; use fewer replications"
        )
    _check_model(args.model)
    spec = compare_mod.compare_spec(
        args.base,
        args.policies,
        replications=args.replications,
        years=args.years,
        overrides=parse_overrides(args.set),
        seed=args.seed,
        series=args.series,
        metrics=args.metric,
        simulate=args.model,
    )
    if args.years is not None:
        _check_arm_years(spec, args.years)
    _warn_levers_added(spec)
    out, report = _run(spec, args)
    _warn_idle_levers(spec)  # after the runs, beside the table whose zeros it explains
    comparison = comparison_of(SweepResults.load(out, report), args.base)
    figures = compare_mod.write(comparison.summary, comparison.fan, args.base, out)
    if args.json:
        records = comparison.summary.to_dict(orient="records")
        clean = [
            {
                k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in r.items()
            }
            for r in records
        ]
        print(json.dumps(clean, indent=1))
        return 0
    print(f"compare: {report.summary()}")
    print(comparison.table())
    print(f"differences: {out / 'differences.csv'}")
    print(f"fan charts: {', '.join(str(p) for p in figures) or 'none (no series to draw)'}")
    return 0


def _warn_idle_levers(spec: SweepSpec) -> None:
    """Warn of each arm's levers that change nothing in its runs (a policy starting after a
    short --years ends): its differences from the base would all be 0 without saying why."""
    from experiments.run_cli import warn_idle_levers
    from sim.scenario import apply_overrides, from_dict

    for name, raw in spec.raw_scenarios.items():
        warn_idle_levers(from_dict(apply_overrides(raw, spec.fixed), origin=name), arm=name)


def _check_arm_years(spec: SweepSpec, years: float) -> None:
    """--years must be a whole number of steps in every arm (as for ``effrace run``)."""
    from experiments.run_cli import check_years
    from sim.scenario import apply_overrides, from_dict

    for name, raw in spec.raw_scenarios.items():
        scenario = from_dict(apply_overrides(raw, spec.fixed), origin=name)
        check_years(years, scenario.run.steps_per_year)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    spec = _load(args)
    sensitivity_mod.require_design(spec)
    out, report = _run(spec, args)
    print(f"sensitivity '{spec.name}': {report.summary()}")
    result = sensitivity_mod.analyse(Store(out), spec)
    written = sensitivity_mod.write_atomic(result, out / "sensitivity")
    title = "Sobol indices" if result.method == "sobol" else "Morris screening"
    print(f"{title} ({sensitivity_mod.CONFIDENCE:.0%} CI):")
    print(sensitivity_mod.format_table(result))
    print(f"written: {', '.join(str(p) for p in written)}")
    return 0
