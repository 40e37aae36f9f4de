"""``effrace analytic``: the papers' closed forms (the analytic core (docs/analytic.md)) from the command line.

Compute multiple C(T)/C0 and relative excess loss X(T) for a compute exponent kappa (given, or
from a named fit) and an efficiency doubling rate g; optionally the years and doublings to a
target X*, readable tables or JSON, and the papers' figure (X against years, one curve per g).

Input rules (each breach is a one-line ``effrace: error: ...`` and exit code 2):

- exactly one of ``--kappa`` (finite, > 0) and ``--preset`` (hoffmann, besiroglu, kaplan);
- ``--years`` finite in [0, 1e9];
- ``--doublings-per-year`` and ``--resource-growth`` finite in [-1000, 1000]. Negative rates are
  allowed: only their sum r = g + rho matters, and C/C0 stays >= 1 for any sign because
  cumulative compute never falls. For r < 0 it saturates at 1 + F/(|r| ln2 tau0), so a target
  beyond that is never reached (reported as "never" / null). The bounds keep r*T finite;
  1000 doublings a year is already far outside anything physical;
- ``--tau0-years`` and ``--front-load`` finite, > 0; ``--target-relative-loss`` in (0, 1];
- ``--plot`` ends in .png or .svg and its folder exists.

JSON never holds NaN or Infinity: a value beyond float range is ``null`` beside its log form.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from sim import law
from sim.errors import UserError

TABLE_RATES = (0.0, 0.5, 1.0, 2.0, 3.0)  # doublings per year; Lu 2025 uses 0 to 3
TABLE_YEARS = (1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 20.0)
PLOT_SUFFIXES = (".png", ".svg")
MAX_ABS_RATE = 1000.0  # doublings per year
MAX_YEARS = 1e9


class UsageError(UserError):
    """A mistake in the options of ``effrace analytic``; reported in one line, exit code 2."""


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``analytic`` sub-command to an argparse ``subparsers`` object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "analytic",
        help="closed-form compute multiple, relative excess loss and targets (no simulation)",
        description=(
            "The papers' closed forms: C(T)/C0 = 1 + F*(2^((g+rho)T) - 1)/((g+rho) ln2 tau0) and "
            "X(T) = (C(T)/C0)^-kappa (Lu 2025, arXiv 2501.02156; Lu 2026, arXiv 2603.28507)."
        ),
    )
    law_group = parser.add_argument_group("scaling law (exactly one)")
    law_group.add_argument("--kappa", type=_number, help="compute exponent kappa (> 0)")
    law_group.add_argument(
        "--preset",
        help=f"take kappa, K and the loss floor from a fit: {', '.join(sorted(law.PRESETS))}",
    )
    parser.add_argument(
        "--doublings-per-year",
        type=_number,
        required=True,
        metavar="G",
        help="efficiency doubling rate g [doublings/yr]",
    )
    parser.add_argument(
        "--years", type=_number, required=True, metavar="T", help="horizon T [yr], >= 0"
    )
    parser.add_argument(
        "--tau0-years",
        type=_number,
        default=1.0,
        metavar="Y",
        help="years of today's throughput in today's model, tau0 [yr] (default 1)",
    )
    parser.add_argument(
        "--front-load",
        type=_number,
        default=1.0,
        metavar="F",
        help="one-time fleet multiple F from today on (default 1)",
    )
    parser.add_argument(
        "--resource-growth",
        type=_number,
        default=0.0,
        metavar="RHO",
        help="growth of the physical resource rate rho [doublings/yr] (default 0)",
    )
    parser.add_argument(
        "--target-relative-loss",
        type=_number,
        metavar="X",
        help="target relative excess loss X* in (0, 1]: report years and doublings to reach it",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--plot", type=Path, metavar="FILE", help="draw X(t) per doubling rate to FILE (.png/.svg)"
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run ``effrace analytic``; return the exit code (2 for a usage error, with one line)."""
    try:
        return _run(args)
    except UsageError as exc:
        print(f"effrace: error: {exc}", file=sys.stderr)
        return 2


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise UsageError(message)


def _check_range(option: str, value: float, lo: float, hi: float, *, lo_open: bool) -> None:
    inside = math.isfinite(value) and (value > lo if lo_open else value >= lo) and value <= hi
    left = "(" if lo_open else "["
    right = ")" if math.isinf(hi) else "]"
    allowed = f"{left}{lo:g}, {hi:g}{right}"
    _require(inside, f"{option} must be a finite number in {allowed}, got {value!r}")


def _resolve_law(args: argparse.Namespace) -> tuple[float, law.ComputeLaw | None]:
    """kappa, and the preset's law when one was named."""
    if args.kappa is not None and args.preset is not None:
        raise UsageError("give either --kappa or --preset, not both")
    if args.kappa is None and args.preset is None:
        names = ", ".join(sorted(law.PRESETS))
        raise UsageError(f"give --kappa K or --preset NAME (one of: {names})")
    if args.preset is not None:
        try:
            chosen = law.get_law(args.preset)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        return chosen.kappa, chosen
    _check_range("--kappa", args.kappa, 0.0, math.inf, lo_open=True)
    return float(args.kappa), None


def _validate(args: argparse.Namespace) -> None:
    _check_range("--years", args.years, 0.0, MAX_YEARS, lo_open=False)
    for option, value in (
        ("--doublings-per-year", args.doublings_per_year),
        ("--resource-growth", args.resource_growth),
    ):
        _check_range(option, value, -MAX_ABS_RATE, MAX_ABS_RATE, lo_open=False)
    _check_range("--tau0-years", args.tau0_years, 0.0, math.inf, lo_open=True)
    _check_range("--front-load", args.front_load, 0.0, math.inf, lo_open=True)
    if args.target_relative_loss is not None:
        _check_range("--target-relative-loss", args.target_relative_loss, 0.0, 1.0, lo_open=True)
    if args.plot is not None:
        path: Path = args.plot
        _require(
            path.suffix.lower() in PLOT_SUFFIXES,
            f"--plot must end in .png or .svg, got {str(path)!r}",
        )
        try:
            is_dir, folder_is_dir = path.is_dir(), path.parent.is_dir()
        except OSError as exc:  # a name too long, a loop of links
            raise UsageError(f"cannot write --plot {str(path)!r}: {exc.strerror or exc}") from None
        _require(not is_dir, f"--plot {str(path)!r} is a directory, not a file")
        folder = path.parent
        _require(folder_is_dir, f"cannot write --plot {str(path)!r}: no folder {str(folder)!r}")


# --------------------------------------------------------------------------------------------
# Computation
# --------------------------------------------------------------------------------------------


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _results(
    args: argparse.Namespace, kappa: float, chosen: law.ComputeLaw | None
) -> dict[str, Any]:
    common = {
        "tau0_years": args.tau0_years,
        "resource_doublings_per_year": args.resource_growth,
        "front_load": args.front_load,
    }
    g, years = args.doublings_per_year, args.years
    out: dict[str, Any] = {
        "inputs": {
            "kappa": args.kappa,
            "preset": None if chosen is None else args.preset.strip().lower(),
            "doublings_per_year": g,
            "years": years,
            **common,
            "target_relative_loss": args.target_relative_loss,
        },
        "compute_multiple": _finite_or_none(float(law.compute_multiple(years, g, **common))),
        "log10_compute_multiple": float(law.log10_compute_multiple(years, g, **common)),
        "relative_excess_loss": float(law.relative_excess_loss(years, g, kappa, **common)),
        "kappa": kappa,
    }
    if chosen is not None:
        out["K"] = chosen.k_coefficient
        out["loss_floor"] = chosen.loss_floor
        out["source"] = chosen.source
    target = args.target_relative_loss
    if target is not None:
        to_target = float(law.years_to_target(target, g, kappa, **common))
        out["years_to_target"] = _finite_or_none(to_target)
        out["target_reachable"] = math.isfinite(to_target)
        out["doublings_needed"] = float(law.doublings_needed(1.0, target, kappa))
    return out


def _run(args: argparse.Namespace) -> int:
    kappa, chosen = _resolve_law(args)
    _validate(args)
    results = _results(args, kappa, chosen)
    if args.json:
        print(json.dumps(results, indent=2, allow_nan=False))
    else:
        print(_report(args, kappa, chosen, results))
    if args.plot is not None:
        _plot(args, kappa)
        if not args.json:
            print(f"\nwrote {args.plot}")
    return 0


# --------------------------------------------------------------------------------------------
# Text output
# --------------------------------------------------------------------------------------------


def _rates(args: argparse.Namespace) -> list[float]:
    rates = list(TABLE_RATES)
    if args.doublings_per_year not in rates:
        rates.append(args.doublings_per_year)
    return rates


def _years_text(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "never"


def _report(
    args: argparse.Namespace, kappa: float, chosen: law.ComputeLaw | None, results: dict[str, Any]
) -> str:
    common = {
        "tau0_years": args.tau0_years,
        "resource_doublings_per_year": args.resource_growth,
        "front_load": args.front_load,
    }
    lines = [f"kappa = {kappa:.6g}"]
    if chosen is not None:
        lines[0] += f" (preset {args.preset.strip().lower()}: {chosen.source})"
        lines.append(
            f"K = {chosen.k_coefficient:.6g}, loss floor E = {chosen.loss_floor:g} [nats/token]"
        )
    lines.append(
        f"tau0 = {args.tau0_years:g} yr, front-load F = {args.front_load:g}, "
        f"resource growth rho = {args.resource_growth:g} doublings/yr"
    )
    lines.append("")
    lines.append("Relative excess loss X(t) = (C(t)/C0)^-kappa, by efficiency doubling rate g")
    header = f"{'g [doublings/yr]':>17} |" + "".join(f"{f'{t:g} yr':>11}" for t in TABLE_YEARS)
    lines += [header, "-" * len(header)]
    for rate in _rates(args):
        values = law.relative_excess_loss(np.array(TABLE_YEARS), rate, kappa, **common)
        label = f"{rate:g}" + (" (yours)" if rate == args.doublings_per_year else "")
        lines.append(f"{label:>17} |" + "".join(f"{v:>11.4g}" for v in np.atleast_1d(values)))
    lines.append("")
    multiple = results["compute_multiple"]
    multiple_text = "beyond float range" if multiple is None else f"{multiple:.6g}"
    lines.append(f"Your case: g = {args.doublings_per_year:g} doublings/yr, T = {args.years:g} yr")
    lines.append(
        f"  compute multiple C(T)/C0 = {multiple_text} "
        f"(log10 = {results['log10_compute_multiple']:.6g})"
    )
    lines.append(f"  relative excess loss X(T) = {results['relative_excess_loss']:.6g}")
    target = args.target_relative_loss
    if target is not None:
        lines.append("")
        lines.append(f"Target X* = {target:g}")
        lines.append(
            "  efficiency doublings needed from today (X = 1) at constant burden: "
            f"{results['doublings_needed']:.6g}"
        )
        lines.append(f"{'g [doublings/yr]':>17} | years to X*")
        for rate in _rates(args):
            label = f"{rate:g}" + (" (yours)" if rate == args.doublings_per_year else "")
            to_target = float(law.years_to_target(target, rate, kappa, **common))
            lines.append(f"{label:>17} | {_years_text(to_target)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Figure
# --------------------------------------------------------------------------------------------


def _plot(args: argparse.Namespace, kappa: float) -> None:
    """Lu 2025's figure: X(t) on a log axis, one curve per doubling rate."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    common = {
        "tau0_years": args.tau0_years,
        "resource_doublings_per_year": args.resource_growth,
        "front_load": args.front_load,
    }
    horizon = max(args.years, 20.0)
    years = np.linspace(0.0, horizon, 401)
    fig = Figure(figsize=(7.0, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for rate in _rates(args):
        values = np.asarray(law.relative_excess_loss(years, rate, kappa, **common))
        shown = np.where(values > 0.0, values, np.nan)  # a log axis cannot show an underflowed 0
        ax.plot(years, shown, label=f"g = {rate:g}/yr")
    if args.target_relative_loss is not None:
        ax.axhline(args.target_relative_loss, color="grey", linestyle="--", label="target X*")
    if 0.0 < args.years <= horizon:
        ax.axvline(args.years, color="grey", linestyle=":", linewidth=1.0)
    ax.set_yscale("log")
    ax.set_xlim(0.0, horizon)
    ax.set_xlabel("years from today")
    ax.set_ylabel("relative excess loss X(t)")
    ax.set_title(f"X(t) = (C(t)/C0)^-kappa, kappa = {kappa:.4g}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")
    try:
        fig.savefig(args.plot)
    except OSError as exc:
        raise UsageError(f"cannot write --plot {str(args.plot)!r}: {exc.strerror}") from None
