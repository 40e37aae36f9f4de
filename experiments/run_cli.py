"""``effrace run`` and ``effrace validate``."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.errors import UserError


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
    run.add_argument("--out", type=Path, help="output folder (default: runs/SCENARIO)")
    run.add_argument("--no-figures", action="store_true", help="write tables only")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.add_argument("--list", action="store_true", help=argparse.SUPPRESS)
    run.set_defaults(func=run_command)

    val = sub.add_parser(
        "validate",
        help="check the model against MODEL.md section 3 (pass/warn/fail)",
        description="Run the checks of MODEL.md section 3: reduction to the papers, accounting, "
        "step length, determinism and calibration bands. Exit code 1 on any fail.",
    )
    val.add_argument("--json", action="store_true", help="print the results as JSON")
    val.set_defaults(func=validate_command)


def run_command(args: argparse.Namespace) -> int:
    from sim.run import format_summary, simulate, to_json, write_outputs
    from sim.scenario import load_scenario, parse_overrides

    overrides = parse_overrides(args.overrides)
    if args.years is not None:
        if not args.years > 0:
            raise UserError(f"--years {args.years:g}: must be a positive number of years")
        overrides["run.years"] = args.years
    if args.seed is not None:
        if args.seed < 0:
            raise UserError(f"--seed {args.seed}: must be >= 0")
        overrides["run.seed"] = args.seed
    scenario = load_scenario(args.scenario, overrides)
    result = simulate(scenario)
    out = args.out if args.out is not None else Path("runs") / scenario.name
    try:
        written = write_outputs(result, out, figures=not args.no_figures)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    summary = result.summary()
    if args.json:
        print(to_json({**summary, "out": str(out)}))
    else:
        print(format_summary(summary))
        figures = [p.name for p in written if p.suffix == ".png"]
        print(
            f"\nWrote {len(written)} files to {out}/"
            + (f" (figures: {', '.join(figures)})" if figures else "")
        )
    return 0


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
    return 1 if any(r.status == "fail" for r in results) else 0
