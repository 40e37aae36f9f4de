"""``effrace run`` and ``effrace validate``."""

from __future__ import annotations

import argparse
import gc
import math
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from experiments.budget import MAX_RUN_SECONDS, MAX_YEARS
from sim.errors import UserError

COARSEST_CHECKED_STEPS_PER_YEAR = 12
"""Below this many steps a year ``effrace run`` warns: `effrace validate` checks that halving
monthly steps moves headline outputs under 1%, not coarser ones."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser(
        "run",
        help="run a scenario and write tables, figures and a summary",
        description="Run a scenario (a shipped name or a .toml path); print who leads and who "
        "earns the margins; write model.csv, agents.csv (and Parquet twins), manifest.json and "
        "figures to --out.",
    )
    run.add_argument(
        "scenario", help="shipped scenario name (e.g. baseline) or path to a .toml file"
    )
    run.add_argument("--seed", type=int, help="root seed (default: the scenario's run.seed)")
    run.add_argument("--years", type=float, help="simulated years (overrides run.years)")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override a parameter, e.g. --set firms.chip_share=0.5 (repeatable)",
    )
    run.add_argument(
        "--out", type=str, metavar="DIR", help="output folder (default: runs/SCENARIO)"
    )
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="replace --out even if it holds files that are not an effrace run (a folder of an "
        "older run is always replaced whole)",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help=f"run even if the run is estimated to take more than {MAX_RUN_SECONDS / 60:g} "
        f"minutes or is longer than {MAX_YEARS:g} years",
    )
    run.add_argument("--no-figures", action="store_true", help="write tables only")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.add_argument("--list", action="store_true", help=argparse.SUPPRESS)
    run.set_defaults(func=run_command)

    val = sub.add_parser(
        "validate",
        help="check the model: reduction to the papers, accounting, calibration (pass/warn/fail)",
        description="Run the model checks listed in docs/model.md section 1.1: reduction to the "
        "papers, accounting, step length, determinism and calibration bands. Exit code 1 on any "
        "fail; a warn is a figure outside its calibration band, not an error in the code.",
    )
    val.add_argument("--json", action="store_true", help="print the results as JSON")
    val.set_defaults(func=validate_command)


def check_years(years: float, steps_per_year: int, option: str = "--years") -> None:
    """UserError unless ``years`` is a whole number (at least one) of steps of 1/steps_per_year."""
    steps = years * steps_per_year
    if not steps >= 0.5:
        raise UserError(
            f"{option} {years:g}: shorter than one step (1/{steps_per_year} yr); "
            f"give at least {1 / steps_per_year:.4g}"
        )
    whole = round(steps)
    if abs(steps - whole) > 1e-6 * max(1.0, steps):
        choices = sorted({max(1, math.floor(steps)), math.ceil(steps)})
        use = " or ".join(
            f"{n / steps_per_year:.6g} ({n} step{'' if n == 1 else 's'})" for n in choices
        )
        raise UserError(
            f"{option} {years:g}: {steps:.4g} steps of 1/{steps_per_year} yr, not a whole number; "
            f"use {use}"
        )


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Python's cyclic garbage collector off (restored on exit).

    One run imports about 150,000 objects that live as long as the process (numpy, pandas,
    Mesa, matplotlib), and the collector, counting allocations, traversed them again and again:
    366 collections, 0.17 of the command's 2.4-3 CPU-s. The run itself leaves no cyclic
    garbage (0 objects found after ``simulate`` at any size: memory does not grow with the
    horizon), and its figures about 44,000 objects, freed at exit; reference counting frees
    everything else as before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def warn_idle_levers(scenario: Any, arm: str = "") -> None:
    """A warning on stderr for each lever that changes nothing in this run
    (:func:`sim.policies.idle_levers`), ``arm`` naming the comparison's scenario."""
    from sim.policies import idle_levers

    for line in idle_levers(scenario):
        print(f"effrace: warning: {arm + ': ' if arm else ''}{line}", file=sys.stderr)


def run_command(args: argparse.Namespace) -> int:
    with _without_cycle_collection():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from experiments.budget import check_run
    from sim.atomic import check_out_path, replace_folder
    from sim.run import format_summary, is_run_folder, to_json, write_run_files
    from sim.scenario import load_scenario, parse_overrides

    overrides = parse_overrides(args.overrides)
    if args.years is not None:
        if not (args.years > 0 and math.isfinite(args.years)):
            raise UserError(f"--years {args.years:g}: must be a positive number of years")
        overrides["run.years"] = args.years
    if args.seed is not None:
        if args.seed < 0:
            raise UserError(f"--seed {args.seed}: must be >= 0")
        overrides["run.seed"] = args.seed
    scenario = load_scenario(args.scenario, overrides)
    option = "--years" if args.years is not None else "run.years"
    check_years(scenario.run.years, scenario.run.steps_per_year, option)
    check_run(scenario, force=args.force)
    if scenario.run.steps_per_year < COARSEST_CHECKED_STEPS_PER_YEAR:
        print(
            f"effrace: warning: {scenario.run.steps_per_year} steps a year is coarser than "
            f"monthly; `effrace validate` checks step-length robustness from "
            f"{COARSEST_CHECKED_STEPS_PER_YEAR} a year (quarterly steps move profits by several %)",
            file=sys.stderr,
        )
    default = re.sub(r"[^\w.-]+", "_", scenario.name).strip("._") or "unnamed"
    out = check_out_path(args.out if args.out is not None else Path("runs") / default)
    with replace_folder(out, owned=is_run_folder, overwrite=args.overwrite) as tmp:
        warn_idle_levers(scenario)  # once every check has passed: a refusal stays one line
        result = _simulate_with_progress(scenario, quiet=args.json)
        summary = result.summary()
        try:
            names = write_run_files(result, tmp, figures=not args.no_figures, summary=summary)
        except OSError as exc:
            raise UserError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    if args.json:
        print(to_json({**summary, "out": str(out)}))
    else:
        print(format_summary(summary))
        figures = [n for n in names if n.endswith(".png")]
        print(
            f"\nWrote {len(names)} files to {out}/"
            + (f" (figures: {', '.join(figures)})" if figures else "")
        )
    return 0


def _simulate_with_progress(scenario: Any, quiet: bool) -> Any:
    """Simulate with a progress bar on stderr (shown only on a terminal, and only if the run
    takes more than two seconds); an overflow becomes one line naming the horizon."""
    from tqdm import tqdm

    from sim.run import simulate

    with tqdm(
        total=scenario.run.n_steps,
        unit="step",
        desc=scenario.name,
        file=sys.stderr,
        delay=2.0,
        disable=True if quiet else None,
        leave=False,
        dynamic_ncols=True,
    ) as bar:
        try:
            return simulate(scenario, on_step=lambda _: bar.update(1))
        except OverflowError as exc:
            raise UserError(
                f"the run overflowed the floating-point range after {bar.n} of "
                f"{scenario.run.n_steps} steps ({exc}); use a shorter horizon (--years)"
            ) from None


def validate_command(args: argparse.Namespace) -> int:
    from sim.run import to_json
    from sim.validate import run_checks

    results = run_checks(progress=not args.json)
    if args.json:
        print(to_json([r.as_dict() for r in results]))
    else:
        width = max(len(r.name) for r in results)
        for r in results:
            print(f"{r.status.upper():<5} {r.name:<{width}}  {r.detail}")
        counts = {s: sum(r.status == s for r in results) for s in ("pass", "warn", "fail")}
        print(f"\n{counts['pass']} passed, {counts['warn']} warned, {counts['fail']} failed")
        if counts["warn"]:
            print(
                "(warn: a measured figure outside its calibration band, a known limit of the "
                "model's calibration, not a bug; fail: a broken invariant. docs/model.md sections 1.1 and 7 "
                "list the checks.)"
            )
    return 1 if any(r.status == "fail" for r in results) else 0
