"""The frontier's growth rate per link falls as it nears each ceiling: a figure.

Runs a scenario for a century and plots, per year, the doubling rate of the frontier's chip
FLOP/J (ceiling law), algorithmic efficiency (ideas law) and site efficiency 1/PUE (PUE >= 1),
each against the headroom left (chips, sites) or the doublings already made (algorithms).

    python docs/ceilings_figure.py [scenario] [out.png]      # default: baseline, docs/ceilings.png
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.model import EfficiencyRaceModel
from sim.scenario import load_scenario


def frontier_levels(name: str, years: float = 100.0) -> dict[str, np.ndarray]:
    """Yearly log2 levels of the frontier's links, and the chips' log2 ceiling [doublings]."""
    sc = load_scenario(name)
    sc = dataclasses.replace(sc, run=dataclasses.replace(sc.run, years=years))
    model = EfficiencyRaceModel(sc, rng=0, collect_agents=False)
    rows = []
    while model.running:
        if (model.steps % sc.run.steps_per_year) == 0:
            rows.append(
                (
                    float(np.max(model.vendor_table.log2_flop_per_joule)),
                    float(np.max(model.firm_table.log2_algorithmic_efficiency)),
                    float(np.max(np.log2(model.supplier_table.site_efficiency))),
                )
            )
        model.step()
    levels = np.array(rows)
    ceiling = float(np.max(model.vendor_table.log2_flop_per_joule_ceiling))
    return {"chip": levels[:, 0], "algo": levels[:, 1], "site": levels[:, 2], "ceiling": ceiling}


def draw(name: str = "baseline") -> Figure:
    levels = frontier_levels(name)
    fig = Figure(figsize=(9.0, 3.6))
    FigureCanvasAgg(fig)
    panels = (
        ("chips: FLOP/J", levels["ceiling"] - levels["chip"], "headroom below the CMOS ceiling"),
        ("algorithms", levels["algo"] - levels["algo"][0], "doublings since the start"),
        ("sites: 1/PUE", -levels["site"], "headroom below PUE = 1 [log2 PUE]"),
    )
    for i, (title, x, label) in enumerate(panels):
        key = ("chip", "algo", "site")[i]
        rate = np.diff(levels[key])  # doublings per year, year by year
        ax = fig.add_subplot(1, 3, i + 1)
        ax.plot(x[:-1], rate, marker=".", lw=1)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(label, fontsize=8)
        ax.grid(alpha=0.3)
        if i in (0, 2):
            ax.invert_xaxis()  # time runs left to right: headroom shrinks
    fig.axes[0].set_ylabel("frontier growth [doublings/yr]")
    fig.suptitle(f"{name}, 100 years: each link slows as it nears its limit", fontsize=11)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.84, wspace=0.3)
    return fig


if __name__ == "__main__":
    scenario = sys.argv[1] if len(sys.argv) > 1 else "baseline"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).with_name("ceilings.png"))
    draw(scenario).savefig(out, dpi=90)
    print(f"wrote {out}")
