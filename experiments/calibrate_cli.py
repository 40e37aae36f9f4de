"""``effrace calibrate``: fit the historical scenario's unpinned parameters (:mod:`sim.calibrate`)."""

from __future__ import annotations

import argparse
import sys

from sim.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> None:
    cal = sub.add_parser(
        "calibrate",
        help="fit the historical scenario's unpinned parameters to the observed trends and levels",
        description="Fit the parameters of the historical scenario that no source pins (the "
        "labs' 2020 fleets and cash, the share of training in the sold run, the market's size, "
        "buyers' taste noise, chip choice, power available, investors' capital and the growth "
        "of the tokens a task takes) to the "
        "observed bands that `effrace validate` checks, each with its source; print the fit. "
        "With --write, write the fitted values into the scenario file. docs/model.md "
        "(calibration) describes the procedure.",
    )
    cal.add_argument(
        "--scenario",
        default="historical",
        help="scenario to fit (a shipped name or a .toml path; default: historical)",
    )
    cal.add_argument(
        "--max-evaluations",
        type=int,
        default=160,
        metavar="N",
        help="most runs of the scenario the fit may make: at least one per fitted parameter and "
        "one more (default: 160, about a minute)",
    )
    cal.add_argument(
        "--write", action="store_true", help="write the fitted values into the scenario file"
    )
    cal.add_argument("--json", action="store_true", help="print the fit as JSON")
    cal.set_defaults(func=calibrate_command)


def calibrate_command(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.calibrate import FITTED, MIN_EVALUATIONS, NOT_FITTED, fit, write_fit
    from sim.run import to_json
    from sim.validate import TARGETS

    if args.max_evaluations < MIN_EVALUATIONS:
        raise UserError(
            f"--max-evaluations {args.max_evaluations}: the fit needs at least "
            f"{MIN_EVALUATIONS} runs (the start and one per fitted parameter)"
        )
    with tqdm(
        desc="calibrating", unit="run", file=sys.stderr, delay=2.0, disable=args.json or None
    ) as bar:
        result = fit(args.scenario, args.max_evaluations, lambda _n, _c: bar.update(1))
    written = str(write_fit(result.values, args.scenario)) if args.write else None
    if args.json:
        print(
            to_json(
                {
                    "scenario": result.scenario,
                    "fitted": result.values,
                    "start": result.start,
                    "measured": result.measured,
                    "cost": result.cost,
                    "start_cost": result.start_cost,
                    "evaluations": result.evaluations,
                    "written": written,
                }
            )
        )
        return 0
    print(f"Fitted {len(FITTED)} parameters of '{result.scenario}' in {result.evaluations} runs")
    print(f"(sum of squared residuals {result.start_cost:.4g} -> {result.cost:.4g}):\n")
    width = max(len(p.key) for p in FITTED)
    for p in FITTED:
        print(
            f"  {p.key:<{width}}  {result.start[p.key]:>10.4g} -> {result.values[p.key]:<10.4g}"
            f"  [{p.lo:g}, {p.hi:g}]  {p.why}"
        )
    print("\nTargets (observed band; * checked, not fitted):\n")
    name_width = max(len(t.name) for t in TARGETS)
    for t in TARGETS:
        value = result.measured[t.name]
        inside = t.ok[0] <= value <= t.ok[1]
        mark = "*" if t.name in NOT_FITTED else " "
        print(
            f"  {'pass' if inside else 'OUT '} {t.name:<{name_width}}{mark} {value:>10.4g}  "
            f"[{t.ok[0]:g}, {t.ok[1]:g}] {t.unit}; {t.source}"
        )
    if written:
        print(f"\nWrote the fitted values to {written}")
    else:
        print("\nRun again with --write to write them into the scenario file.")
    return 0
