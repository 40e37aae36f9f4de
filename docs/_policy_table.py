"""Regenerate the policy-effects table in docs/model.md: every policy scenario against baseline,
paired over common seeds (``effrace compare``), with the direction, size and 95% interval of
each headline effect and the mechanism in one sentence.

    python docs/_policy_table.py [--replications 8] [--workers 2]

Writes between the ``<!-- policy-table -->`` markers of docs/model.md and prints the table.
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from experiments import api
from experiments.compare import _t_quantile

DOCS = Path(__file__).resolve().parent / "model.md"
START, END = "<!-- policy-table:start -->", "<!-- policy-table:end -->"

#: headline metrics: (metric, label, unit)
METRICS = (
    ("sum:energy_delivered_mwh", "energy", "MWh"),
    ("sum:emissions_t_co2", "emissions", "tCO2"),
    ("sum:compute_logical_flop", "logical compute", "FLOP"),
    ("final:best_relative_excess_loss", "best excess loss 2044", "-"),
    ("mean:price_usd_per_million_tokens", "mean token price", "USD/Mtoken"),
    ("sum:tokens_served", "tokens", "tokens"),
    ("sum:consumer_surplus_usd", "consumer surplus", "USD"),
    ("cumulative_profit:firms", "firms' profit", "USD"),
    ("cumulative_profit:vendors", "vendors' profit", "USD"),
    ("cumulative_profit:suppliers", "suppliers' profit", "USD"),
    ("sum:government_revenue_usd", "government revenue", "USD"),
    ("hhi:ai_services", "HHI AI services 2044", "0-1"),
)

#: the mechanism of each lever, in one sentence (what the code does, docs/model.md 3.3.12)
MECHANISMS = {
    "energy-cap": "AI power above 5 GW is not delivered; the government auctions permits for "
    "the capped energy, so fleets run less, serving capacity binds, token prices rise and "
    "buyers turn to the open model.",
    "carbon-tax": "Suppliers pay the tax on their emissions and add it at cost to their price, "
    "so firms buy less energy and demand moves to the low-carbon supplier.",
    "rnd-subsidy": "The government pays 40% of firms' R&D, which raises each firm's marginal "
    "R&D optimum, so algorithms improve faster while it lasts.",
    "export-control": "Firms of the restricted region get chips no better than the frontier of "
    "three years before (10% leak through) and a domestic vendor's slower chips.",
    "compute-threshold": "Training runs above 1e27 physical FLOP pay compliance and lose 30% "
    "of their compute, or the firm holds its run at the threshold and serves with the rest.",
    "algorithmic-breakthrough": "Every firm's algorithms gain one more doubling a year for "
    "three years: cheaper compute and better models, through costs, prices and shares.",
    "hardware-slowdown": "Vendors' FLOP/J and FLOP/s per dollar grow 0.35 doublings a year "
    "more slowly from 2028, so compute costs more energy and money.",
}


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:+.1%}" if abs(value) < 10 else f"{value:+.2g}x"


def table(replications: int, workers: int) -> str:
    policies = [p for p in MECHANISMS if (Path("sim/scenarios") / f"{p}.toml").exists()]
    result = api.compare(
        "baseline",
        policies,
        replications=replications,
        metrics=[m for m, _, _ in METRICS],
        series=["best_loss"],
        workers=workers,
    )
    summary = result.summary.set_index(["policy", "metric"])
    runs = result.results.experiments.join(result.results.outcomes).reset_index()
    columns = {m: label for m, label, _ in METRICS}
    units = {m: unit for m, _, unit in METRICS}
    lines = [
        f"Paired over {replications} seeds (common random numbers), 2024-2044; each cell is the "
        "change against baseline with its 95% interval: for a quantity positive in every run, "
        "the geometric mean of the paired ratios (its interval from the logs, so it never "
        "passes -100%); otherwise (a profit that can be negative, revenue that is zero without "
        "the policy) the mean paired difference itself. " + _compute_note(runs, policies),
        "",
        "| policy | mechanism | " + " | ".join(columns.values()) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for policy in policies:
        cells = []
        for metric in columns:
            column = _column(summary, policy, metric)
            row = summary.loc[(policy, column)]
            ratio = _ratio_interval(runs, policy, column)
            if ratio is not None:
                cells.append(f"{_fmt(ratio[0])} [{_fmt(ratio[1])}, {_fmt(ratio[2])}]")
            elif row["diff_mean"] == 0:
                cells.append(f"0 {units[metric]}")
            else:  # a sign change or a zero (profits, government revenue): the change itself
                cells.append(
                    f"{row['diff_mean']:+.2g} [{row['ci_low']:+.2g}, {row['ci_high']:+.2g}] "
                    f"{units[metric]}"
                )
        lines.append(f"| `{policy}` | {MECHANISMS[policy]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _compute_note(runs: pd.DataFrame, policies: list[str]) -> str:
    """What the table's caption says of logical compute: how far the baseline's own sum and the
    paired ratio spread between seeds (largest over smallest), for the policies that spread the
    ratio least and most."""
    column = "sum_compute_logical_flop"
    base = runs[runs["scenario"] == "baseline"].set_index("replication")[column]
    spread = {}
    for policy in policies:
        ratio = runs[runs["scenario"] == policy].set_index("replication")[column] / base
        spread[policy] = float(ratio.max() / ratio.min())
    least, most = min(spread, key=spread.__getitem__), max(spread, key=spread.__getitem__)
    return (
        "Logical compute, which a few large late R&D breakthroughs dominate, is heavy-tailed "
        f"(the baseline's own sum varies {float(base.max() / base.min()):.0f}-fold across the "
        "seeds): the paired ratio's largest value over its smallest across these seeds ranges "
        f"from {spread[least]:.2f} in `{least}` to {spread[most]:.0f} in `{most}`, and one "
        "breakthrough drawn in one arm and not the other can move it far in any policy (another "
        "set of seeds can give a point outside these intervals), so read its interval, not its "
        "point (docs/sweeps.md, reading the intervals)."
    )


def _ratio_interval(
    runs: pd.DataFrame, policy: str, column: str
) -> tuple[float, float, float] | None:
    """Geometric mean of the paired ratios policy/baseline, less 1, with its 95% interval from
    the t-interval of the mean log ratio; None unless every paired value is positive."""
    base = runs[runs["scenario"] == "baseline"].set_index("replication")[column]
    arm = runs[runs["scenario"] == policy].set_index("replication")[column]
    common = base.index.intersection(arm.index)
    b, p = base.loc[common].to_numpy(float), arm.loc[common].to_numpy(float)
    if len(b) < 2 or not (np.all(b > 0) and np.all(p > 0)):
        return None
    logs = np.log(p / b)
    half = _t_quantile(len(logs)) * float(logs.std(ddof=1)) / math.sqrt(len(logs))
    mean = float(logs.mean())
    return math.expm1(mean), math.expm1(mean - half), math.expm1(mean + half)


def _column(summary, policy: str, metric: str) -> str:
    """The results column a metric became (``hhi:ai_services`` -> ``hhi_ai_services``...)."""
    names = [m for p, m in summary.index if p == policy]
    wanted = re.sub(r"[^0-9a-zA-Z]+", "_", metric).strip("_")
    return next(n for n in names if re.sub(r"[^0-9a-zA-Z]+", "_", n).strip("_") == wanted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    text = table(args.replications, args.workers)
    doc = DOCS.read_text(encoding="utf-8")
    if START in doc:
        head, rest = doc.split(START, 1)
        _, tail = rest.split(END, 1)
        DOCS.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
