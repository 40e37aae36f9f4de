"""Global sensitivity analysis of a finished sweep: Sobol indices and Morris screening (SALib).

A sweep with ``design = "sobol"`` (Saltelli's scheme without second-order terms: N*(D+2) points)
gives, for each scalar metric, first-order indices S1 (the share of the metric's variance that a
factor explains alone) and total-order indices ST (alone and through interactions), each with a
95% bootstrap confidence half-width. ``design = "morris"`` gives elementary-effect screening:
mu* (mean absolute effect of moving a factor across its whole range), sigma (spread of the
effects: non-linearity or interactions) and mu*'s 95% half-width. Effects are per unit of the
factor's range (the design lives in [0, 1]^D), so factors with different units compare directly.

With replications, a point's value is the mean over its replications (common seeds across
points keep the noise out of the differences). Time series are analysed at every whole year,
giving indices over time. Metrics that are NaN at some point (failed runs, targets never reached)
or constant are not analysed; the result says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from experiments.store import Store
from experiments.sweep import SALIB_DESIGNS, Design, SweepSpec, design_seed, make_design
from sim.errors import UserError

CONFIDENCE = 0.95
RESAMPLES = 200


class SensitivityResult(NamedTuple):
    """Indices per metric (``indices``), per series and year (``over_time``), and ``notes``.

    Sobol columns: S1, S1_conf, ST, ST_conf; Morris columns: mu, mu_star, sigma, mu_star_conf
    (the ``_conf`` columns are 95% half-widths).
    """

    method: str
    indices: pd.DataFrame
    over_time: pd.DataFrame
    notes: list[str]


def salib_problem(spec: SweepSpec) -> dict[str, Any] | None:
    """The SALib ``problem`` of a sampled sweep (lhs, sobol, morris) in the factors' units:
    names (dotted keys), bounds and distributions (``unif``, or ``logunif`` for
    ``scale = "log"``); None for grid and list designs. Whole-number factors are sampled
    uniformly on [min, max + 1) and rounded down."""
    if spec.design not in ("lhs", *SALIB_DESIGNS) or not spec.factors:
        return None
    return {
        "num_vars": len(spec.factors),
        "names": spec.factor_keys,
        "bounds": [[f.lo, f.hi] for f in spec.factors],
        "dists": ["logunif" if f.scale == "log" else "unif" for f in spec.factors],
    }


def analyze_kwargs(spec: SweepSpec) -> dict[str, Any]:
    """Keyword arguments of ``SALib.analyze.sobol.analyze`` or ``morris.analyze`` that
    reproduce this project's indices exactly (the bootstrap seed included); {} otherwise."""
    common = {"num_resamples": RESAMPLES, "conf_level": CONFIDENCE, "seed": analysis_seed(spec)}
    if spec.design == "sobol":
        return {"calc_second_order": False, **common}
    if spec.design == "morris":
        return {"num_levels": spec.levels, **common}
    return {}


def analysis_seed(spec: SweepSpec) -> int:
    """Seed of the bootstrap confidence intervals: the design's seed plus one."""
    return design_seed(spec.seed) + 1


def salib_manifest(spec: SweepSpec) -> dict[str, Any] | None:
    """What a store's manifest records for SALib (docs/sweeps.md): the problem, the sampler and
    its settings, and the analysis keyword arguments; None for grid and list designs."""
    problem = salib_problem(spec)
    if problem is None:
        return None
    return {
        "problem": problem,
        "sampler": spec.design if spec.design != "lhs" else "latin",
        "samples": spec.samples,
        "calc_second_order": False if spec.design == "sobol" else None,
        "sample_seed": design_seed(spec.seed),
        "analyze": analyze_kwargs(spec),
        "Y": "one value per point_id, in point_id order: the mean over its replications",
    }


def _analyse(spec: SweepSpec, design: Design, y: np.ndarray) -> dict[str, np.ndarray]:
    """One output vector (one value per design point) through SALib."""
    kwargs = analyze_kwargs(spec)
    if spec.design == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(design.problem, y, **kwargs)
        keys = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        from SALib.analyze import morris

        res = morris.analyze(design.problem, design.unit, y, **kwargs)
        keys = ("mu", "mu_star", "sigma", "mu_star_conf")
    return {k: np.asarray(res[k], dtype=float) for k in keys}


def _problem_reason(y: np.ndarray) -> str | None:
    if not np.isfinite(y).all():
        return f"NaN at {int((~np.isfinite(y)).sum())} of {y.size} design points"
    if np.ptp(y) == 0:
        return "constant over the design"
    return None


def _point_means(frame: pd.DataFrame, columns: Sequence[str], n_points: int) -> pd.DataFrame:
    """Mean over replications per design point, in point order (NaN for points with no data)."""
    means = frame.groupby("point_id")[list(columns)].mean()
    return means.reindex(range(n_points))


def _year_ends(years: np.ndarray) -> np.ndarray:
    """The whole years among the series' years (all of them if none is whole)."""
    unique = np.unique(np.round(years, 9))
    whole = unique[np.isclose(unique, np.round(unique), atol=1e-6)]
    return whole if whole.size else unique


def require_design(spec: SweepSpec) -> None:
    """UserError unless the sweep's design is one the analyses read (sobol or morris)."""
    if spec.design not in ("sobol", "morris"):
        raise UserError(
            f"{spec.origin}: sensitivity needs design = 'sobol' or 'morris', not '{spec.design}'"
        )


def analyse(store: Store, spec: SweepSpec) -> SensitivityResult:
    """Sobol or Morris indices of every metric and, per whole year, of every series."""
    require_design(spec)
    design = make_design(spec)
    n_points = len(design.points)
    runs = store.runs()
    missing = int(store.manifest["n_runs"]) - len(runs)
    if missing:
        raise UserError(f"{store.root}: {missing} runs are missing; finish the sweep with --resume")
    metrics = spec.outputs.metric_columns
    ok = runs[runs["status"] == "ok"]
    notes = []
    if len(ok) < len(runs):
        notes.append(f"{len(runs) - len(ok)} runs failed; their points are NaN")
    means = _point_means(ok, metrics, n_points)
    tables = []
    for metric in metrics:
        y = means[metric].to_numpy(dtype=float)
        reason = _problem_reason(y)
        if reason:
            notes.append(f"{metric}: not analysed ({reason})")
            continue
        result = _analyse(spec, design, y)
        tables.append(pd.DataFrame({"metric": metric, "factor": spec.factor_keys, **result}))
    indices = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    over_time = _over_time(store, spec, design, ok, notes)
    return SensitivityResult(spec.design, indices, over_time, notes)


def _over_time(
    store: Store, spec: SweepSpec, design: Design, ok: pd.DataFrame, notes: list[str]
) -> pd.DataFrame:
    columns = list(spec.outputs.series)
    if not columns:
        return pd.DataFrame()
    point_of_run = ok.set_index("run_id")["point_id"]
    # keep only whole-year rows, part by part, so memory follows the number of runs x years
    parts = []
    for part in store.iter_series(["run_id", "year", *columns]):
        part = part[np.isclose(part["year"], np.round(part["year"]), atol=1e-6)]
        parts.append(part)
    if not parts:
        return pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True)
    frame["point_id"] = frame["run_id"].map(point_of_run)
    frame = frame.dropna(subset=["point_id"])
    if frame.empty:
        return pd.DataFrame()
    frame["year"] = np.round(frame["year"], 6)
    tables = []
    n_points = len(design.points)
    for year in _year_ends(frame["year"].to_numpy()):
        at = frame[frame["year"] == year]
        means = _point_means(at, columns, n_points)
        for column in columns:
            y = means[column].to_numpy(dtype=float)
            if _problem_reason(y):
                continue
            result = _analyse(spec, design, y)
            tables.append(
                pd.DataFrame({"series": column, "year": year, "factor": spec.factor_keys, **result})
            )
    analysed = {t["series"].iloc[0] for t in tables}
    for column in columns:
        if column not in analysed:
            notes.append(f"{column}: no year analysed (NaN or constant at every year)")
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


# --------------------------------------------------------------------------------------------
# Figures and text
# --------------------------------------------------------------------------------------------


def figures(result: SensitivityResult, out_dir: str | Path) -> list[Path]:
    """Bar charts with 95% whiskers per metric, and indices-over-time plots per series (the
    years whole, as on the fan charts of :mod:`experiments.compare`)."""
    from matplotlib import ticker
    from matplotlib.figure import Figure

    from sim.figures import PNG_COMPRESS_LEVEL  # the same pixels, encoded several times faster

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    sobol = result.method == "sobol"
    pairs = [("S1", "S1_conf"), ("ST", "ST_conf")] if sobol else [("mu_star", "mu_star_conf")]
    if not result.indices.empty:
        for metric, rows in result.indices.groupby("metric", sort=False):
            fig = Figure(figsize=(7.0, 1.2 + 0.45 * len(rows)), layout="constrained")
            ax = fig.subplots()
            y = np.arange(len(rows))
            height = 0.8 / len(pairs)
            for i, (key, conf) in enumerate(pairs):
                ax.barh(
                    y + (i - (len(pairs) - 1) / 2) * height,
                    rows[key],
                    height=height,
                    xerr=rows[conf],
                    capsize=3,
                    label=key,
                )
            if not sobol:
                ax.plot(rows["sigma"], y, "k|", markersize=12, label="sigma")
            ax.set_yticks(y, rows["factor"])
            ax.invert_yaxis()
            ax.set_xlabel("index (95% CI)" if sobol else "effect per factor range (95% CI)")
            ax.set_title(f"{'Sobol' if sobol else 'Morris'} sensitivity of {metric}")
            ax.legend(loc="lower right", fontsize="small")
            path = out_dir / f"{result.method}_{metric}.png"
            fig.savefig(path, dpi=110, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
            written.append(path)
    if not result.over_time.empty:
        key, conf = ("ST", "ST_conf") if sobol else ("mu_star", "mu_star_conf")
        for series, rows in result.over_time.groupby("series", sort=False):
            fig = Figure(figsize=(7.5, 4.2), layout="constrained")
            ax = fig.subplots()
            for i, (factor, f_rows) in enumerate(rows.groupby("factor", sort=False)):
                color = f"C{i}"
                ax.plot(f_rows["year"], f_rows[key], color=color, label=f"{factor} {key}")
                ax.fill_between(
                    f_rows["year"],
                    f_rows[key] - f_rows[conf],
                    f_rows[key] + f_rows[conf],
                    color=color,
                    alpha=0.2,
                    lw=0,
                )
                if sobol:
                    ax.plot(f_rows["year"], f_rows["S1"], color=color, ls="--", lw=1)
            ax.set_xlabel("year")
            ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=6, integer=True))  # 2025, not .25
            ax.set_ylabel(f"{key} (band: 95% CI)" + ("; dashed: S1" if sobol else ""))
            ax.set_title(f"Sensitivity of {series} over time")
            ax.legend(loc="best", fontsize="small")
            path = out_dir / f"{result.method}_over_time_{series}.png"
            fig.savefig(path, dpi=110, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
            written.append(path)
    return written


def format_table(result: SensitivityResult) -> str:
    """The indices as a text table for the terminal."""
    lines = []
    if result.indices.empty:
        lines.append("no metric could be analysed")
    elif result.method == "sobol":
        lines.append(f"  {'metric':<34} {'factor':<44} {'S1 (95% CI)':>17} {'ST (95% CI)':>17}")
        for r in result.indices.to_dict("records"):
            lines.append(
                f"  {r['metric']:<34} {r['factor']:<44} {_pm(r['S1'], r['S1_conf']):>17} "
                f"{_pm(r['ST'], r['ST_conf']):>17}"
            )
    else:
        lines.append(f"  {'metric':<34} {'factor':<44} {'mu* (95% CI)':>21} {'sigma':>10}")
        for r in result.indices.to_dict("records"):
            lines.append(
                f"  {r['metric']:<34} {r['factor']:<44} {_pm(r['mu_star'], r['mu_star_conf']):>21} "
                f"{r['sigma']:>10.3g}"
            )
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)


def _pm(value: float, half: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.3g} ± {half:.2g}"


SENSITIVITY_FILES = ("indices.csv", "over_time.csv", "figures")


def write_atomic(result: SensitivityResult, out_dir: str | Path) -> list[Path]:
    """:func:`write` into a temporary folder that then replaces ``out_dir`` as one set
    (:func:`sim.atomic.replace_folder`): never a mixture of two analyses, never half-written."""
    from sim.atomic import replace_folder

    out_dir = Path(out_dir)

    def owned(folder: Path) -> bool:
        return all(p.name in SENSITIVITY_FILES for p in folder.iterdir())

    with replace_folder(out_dir, owned=owned, option="--out") as tmp:
        written = write(result, tmp)
    return [out_dir / p.relative_to(tmp) for p in written]


def write(result: SensitivityResult, out_dir: str | Path) -> list[Path]:
    """indices.csv, over_time.csv and the figures, in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in (("indices", result.indices), ("over_time", result.over_time)):
        path = out_dir / f"{name}.csv"
        frame.to_csv(path, index=False)
        written.append(path)
    return written + figures(result, out_dir / "figures")
