"""Paired policy comparisons with common random numbers.

``effrace compare BASE POLICY [POLICY ...] --replications N`` runs every scenario N times; the
r-th replication of every arm uses the same seed (common random numbers), so the paired
difference ``metric(policy, r) - metric(base, r)`` removes the noise the arms share. Every
mechanism draws from a stream of its own per step, and each firm at its own place in it
(:meth:`sim.model.EfficiencyRaceModel.step_rng`), so the arms share every draw after a lever
starts too; what still parts them is the model's own response (docs/sweeps.md says how much
the pairing narrows the intervals, measured). Reported
per policy and metric: the mean of each arm, the mean paired difference with a 95% Student-t
confidence interval, and the relative change. Fan charts show, per chosen series, the median and
the 5-95% band over replications of the paired difference against time.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.outputs import DEFAULT_METRICS, DEFAULT_SIMULATE, Outputs
from experiments.sweep import SweepSpec, check_values, parameter_type

CONFIDENCE = 0.95
FAN_QUANTILES = (0.05, 0.5, 0.95)
COMPARE_METRICS = (
    *DEFAULT_METRICS,
    "sum:energy_delivered_mwh",
    "sum:emissions_t_co2",
    "sum:government_revenue_usd",
    "cumulative_profit",
)
"""What a comparison reports without ``--metric``: a sweep's default metrics and what a policy
brief asks first, energy, emissions, the government's revenue and each sector's profit."""


def _check_distinct(arms: Sequence[str]) -> None:
    """UserError if two arms are one scenario: the same name twice, or a shipped name and the
    path of its file (a name that does not resolve is reported where the scenarios are read)."""
    from sim.errors import UserError
    from sim.scenario import resolve_path

    seen: dict[object, str] = {}
    for arm in arms:
        try:
            key: object = resolve_path(arm).resolve()
        except UserError:
            key = arm
        if key in seen:
            first = seen[key]
            same = (
                f"'{arm}' is named twice"
                if first == arm
                else f"'{first}' and '{arm}' are one file ({key})"
            )
            raise UserError(f"compare: {same}: a scenario against itself differs by nothing")
        seen[key] = arm


def compare_spec(
    base: str,
    policies: Sequence[str],
    *,
    replications: int = 20,
    years: float | None = None,
    overrides: Mapping[str, Any] | None = None,
    seed: int = 0,
    series: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    simulate: str = DEFAULT_SIMULATE,
) -> SweepSpec:
    """The sweep behind a comparison: one design point per scenario, common seeds."""
    from sim.errors import UserError

    if replications < 2:
        raise UserError(f"--replications {replications}: a confidence interval needs at least 2")
    if not policies:
        raise UserError("compare needs at least one policy scenario after the base")
    fixed = dict(overrides or {})
    for key in fixed:
        parameter_type(key, "--set")
        if key.split(".")[0] == "run" and key.endswith(".seed"):  # as a sweep file's [set]
            raise UserError(
                f"--set {key}: a comparison takes its seeds from --seed (the root seed) "
                "and --replications, not from the scenario; use --seed"
            )
    if years is not None:
        fixed["run.years"] = years
    arms = (base, *policies)
    _check_distinct(arms)
    spec = SweepSpec(
        scenarios=arms,
        replications=replications,
        seed=seed,
        fixed=fixed,
        outputs=Outputs.parse(
            list(series) if series is not None else None,
            list(metrics) if metrics is not None else list(COMPARE_METRICS),
            "compare",
            series_label="--series",
            metrics_label="--metric",
        ),
        name="compare-" + "-".join(_label(a) for a in arms),
        origin="compare",
        simulate=simulate,
    )
    check_values(spec)
    return spec


def _label(ref: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]+", "_", Path(ref).stem if ref.endswith(".toml") else ref)


def _labels(refs: Sequence[str]) -> dict[str, str]:
    """Each arm's name in tables and figures: its scenario name or file stem (:func:`_label`),
    or, where two arms share that (``v1/carbon-tax.toml`` and the shipped ``carbon-tax``), the
    reference as given, so that no two tables or fan lines carry one title."""
    short = {ref: _label(ref) for ref in refs}
    counts = Counter(short.values())
    return {ref: label if counts[label] == 1 else ref for ref, label in short.items()}


def _t_quantile(n: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))


def paired_differences(
    runs: pd.DataFrame, base: str, metric_columns: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per policy and metric: arm means and the mean paired difference with its 95% CI, and
    what the pairing gained: the arms' standard deviations and ``pairing_share``, the paired
    difference's standard deviation over that of the difference of two independent runs,
    ``diff_sd / sqrt(base_sd^2 + policy_sd^2)`` (1: pairing gains nothing; an interval as
    narrow from unpaired runs needs ``1 / pairing_share^2`` times as many).

    ``runs`` is a comparison's runs table (scenario, replication, status, metrics). Pairs where
    either run failed or the metric is NaN (e.g. a target never reached) are left out; ``n``
    counts the pairs used. Of the pairs whose runs both finished, ``base_only`` counts those in
    which only the baseline has the metric and ``policy_only`` those in which only the policy
    has it: a policy that delays a target past the horizon shows as ``base_only`` pairs, which
    the difference cannot include. Returns the summary table and the per-replication
    differences.
    """
    ok = runs[runs["status"] == "ok"]
    base_rows = ok[ok["scenario"] == base].set_index("replication")
    summary, paired = [], []
    for policy in [s for s in runs["scenario"].unique() if s != base]:
        arm = ok[ok["scenario"] == policy].set_index("replication")
        common = base_rows.index.intersection(arm.index)
        for metric in metric_columns:
            b = base_rows.loc[common, metric].to_numpy(dtype=float)
            p = arm.loc[common, metric].to_numpy(dtype=float)
            b_ok, p_ok = np.isfinite(b), np.isfinite(p)
            keep = b_ok & p_ok
            d = p[keep] - b[keep]
            n = int(d.size)
            mean = float(d.mean()) if n else math.nan
            sd = float(d.std(ddof=1)) if n > 1 else math.nan
            half = _t_quantile(n) * sd / math.sqrt(n) if n > 1 else math.nan
            base_mean = float(b[keep].mean()) if n else math.nan
            base_sd = float(b[keep].std(ddof=1)) if n > 1 else math.nan
            policy_sd = float(p[keep].std(ddof=1)) if n > 1 else math.nan
            unpaired_sd = math.hypot(base_sd, policy_sd)
            summary.append(
                {
                    "policy": policy,
                    "metric": metric,
                    "n": n,
                    "base_mean": base_mean,
                    "policy_mean": float(p[keep].mean()) if n else math.nan,
                    "diff_mean": mean,
                    "diff_sd": sd,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "relative_change": mean / abs(base_mean) if base_mean else math.nan,
                    "base_sd": base_sd,
                    "policy_sd": policy_sd,
                    "pairing_share": sd / unpaired_sd if unpaired_sd > 0 else math.nan,
                    "base_only": int((b_ok & ~p_ok).sum()),
                    "policy_only": int((p_ok & ~b_ok).sum()),
                }
            )
            paired.append(
                pd.DataFrame(
                    {
                        "policy": policy,
                        "metric": metric,
                        "replication": common[keep],
                        "difference": d,
                    }
                )
            )
    differences = pd.concat(paired, ignore_index=True) if paired else pd.DataFrame()
    return pd.DataFrame(summary), differences


def fan_data(
    series: pd.DataFrame, runs: pd.DataFrame, base: str, columns: Sequence[str]
) -> pd.DataFrame:
    """Quantiles over replications of each policy's paired difference of each series, at each
    of the base's steps: the policy's value at the same calendar time (``year``, a step's end)
    less the base's, so that an arm on another time grid (``run.steps_per_year``,
    ``run.start_year``) is paired where its steps end with the base's, and is NaN elsewhere.

    Long table: policy, series, step (the base's), year, q05, q50, q95, mean.
    """
    meta = runs[runs["status"] == "ok"][["run_id", "scenario", "replication"]]
    frame = series.merge(meta, on="run_id")
    frame["time"] = frame["year"].round(9)  # one grid's steps end at one float in every arm
    times = frame[frame["scenario"] == base].groupby("time")[["step", "year"]].first()
    out = []
    for column in columns:
        wide = frame.pivot(index="time", columns=["scenario", "replication"], values=column)
        if base not in wide.columns.get_level_values(0):
            continue
        wide = wide.reindex(times.index)
        for policy in [s for s in wide.columns.get_level_values(0).unique() if s != base]:
            policy_wide = pd.DataFrame(wide[policy])
            diff = policy_wide - pd.DataFrame(wide[base]).reindex(columns=policy_wide.columns)
            values = diff.to_numpy(dtype=float)
            finite = np.isfinite(values).any(axis=1)
            quantiles = np.full((values.shape[0], len(FAN_QUANTILES)), np.nan)
            means = np.full(values.shape[0], np.nan)
            if finite.any():
                quantiles[finite] = np.nanquantile(values[finite], FAN_QUANTILES, axis=1).T
                means[finite] = np.nanmean(values[finite], axis=1)
            out.append(
                pd.DataFrame(
                    {
                        "policy": policy,
                        "series": column,
                        "step": times["step"].to_numpy(),
                        "year": times["year"].to_numpy(),
                        "q05": quantiles[:, 0],
                        "q50": quantiles[:, 1],
                        "q95": quantiles[:, 2],
                        "mean": means,
                    }
                )
            )
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def fan_charts(fan: pd.DataFrame, base: str, out_dir: str | Path) -> list[Path]:
    """One PNG per series: median and 5-95% band of each policy's paired difference over time,
    the y axis in the column's unit (docs/outputs.md), the years whole."""
    from matplotlib import ticker
    from matplotlib.figure import Figure

    from sim.model import MODEL_OUTPUTS

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if fan.empty:  # no series kept (api.compare(series=[])): no chart, as the CLI says
        return written
    names = _labels([base, *(str(p) for p in fan["policy"].unique())])
    for column, group in fan.groupby("series", sort=False):
        if group["q50"].isna().all():
            continue  # undefined at every step (e.g. profit shares while total profit <= 0)
        fig = Figure(figsize=(7.5, 4.2), layout="constrained")
        ax = fig.subplots()
        for i, (policy, rows) in enumerate(group.groupby("policy", sort=False)):
            color = f"C{i}"
            ax.fill_between(rows["year"], rows["q05"], rows["q95"], color=color, alpha=0.25, lw=0)
            ax.plot(rows["year"], rows["q50"], color=color, label=f"{names[str(policy)]} (median)")
        ax.axhline(0.0, color="0.3", lw=0.8)
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=6, integer=True))
        unit = MODEL_OUTPUTS.get(str(column), ("-",))[0]
        ax.set_ylabel(f"policy - {names[base]} [{unit}]")  # the title names the column
        ax.set_title(f"Paired difference of {column} (median, 5-95% over replications)")
        ax.legend(loc="best", fontsize="small")
        path = out_dir / f"fan_{column}.png"
        fig.savefig(path, dpi=110)
        written.append(path)
    return written


def write(summary: pd.DataFrame, fan: pd.DataFrame, base: str, out: str | Path) -> list[Path]:
    """differences.csv (replaced in one rename) and the fan charts in ``out/figures`` (replaced
    as one set, :func:`sim.atomic.replace_folder`), so a comparison re-run with other arguments
    never leaves an older chart beside new ones. Returns the fan charts' paths."""
    from sim.atomic import replace_folder, write_file_atomic

    out = Path(out)
    write_file_atomic(out / "differences.csv", lambda p: summary.to_csv(p, index=False))
    with replace_folder(out / "figures", owned=_only_figures, option="--out") as tmp:
        names = [p.name for p in fan_charts(fan, base, tmp)]
    return [out / "figures" / n for n in names]


def _only_figures(folder: Path) -> bool:
    return all(p.suffix == ".png" for p in folder.iterdir())


def format_table(summary: pd.DataFrame, base: str) -> str:
    """The comparison as a text table for the terminal."""
    lines = []
    starred = False
    names = _labels([base, *(str(p) for p in summary["policy"].unique())])
    for policy, rows in summary.groupby("policy", sort=False):
        lines.append(f"{names[str(policy)]} vs {names[base]} (paired, {CONFIDENCE:.0%} CI):")
        header = (
            f"  {'metric':<40} {'base':>11} {'policy':>11} {'difference':>11} "
            f"{'CI low':>11} {'CI high':>11} {'n':>4}"
        )
        lines.append(header)
        for row in rows.to_dict("records"):
            low, high = row["ci_low"], row["ci_high"]
            mark = " *" if np.isfinite(low) and (low > 0 or high < 0) else ""
            starred = starred or bool(mark)
            lines.append(
                f"  {row['metric']:<40} {row['base_mean']:>11.4g} {row['policy_mean']:>11.4g} "
                f"{row['diff_mean']:>11.4g} {low:>11.4g} {high:>11.4g} {row['n']:>4}{mark}"
            )
        lines.append("")
    if starred:
        lines.append("* the interval excludes zero")
    n = summary["n"]
    if len(n) and (n.min() < n.max() or n.max() == 0):
        lines.append(
            "n: the pairs of runs a metric has; a pair in which it is undefined in either arm "
            "(a target never reached, a failed run) is left out, so read a smaller n with care"
        )
    for row in summary.to_dict("records"):
        if row.get("base_only") or row.get("policy_only"):  # absent from older tables
            lines.append(
                f"  {row['metric']}, {names[str(row['policy'])]}: defined in "
                f"{names[base]} only in {_pairs(row['base_only'])}, in the policy only in "
                f"{_pairs(row['policy_only'])}: not in the difference"
            )
    return "\n".join(lines)


def _pairs(n: int) -> str:
    return f"{n} pair" + ("" if n == 1 else "s")
