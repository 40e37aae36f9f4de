# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 4: Policy levers and their side effects
#
# *One class period (about 50 minutes): PREDICT 10 min, RUN 15 min, DEBRIEF 15 min,
# EXERCISES 10 min in class (the harder ones as homework).*
#
# Governments reach for levers on the AI race: cap the power AI may draw, tax the carbon it
# emits, bar a region from the best chips, burden the largest training runs, subsidise R&D.
# Each acts on one link of the efficiency chain or one market, and each spreads through the
# others: prices, profits, market shares and emissions move in places the lever never touched.
#
# We run the `baseline` scenario and one scenario per lever, **with the same seed**. The
# model's randomness (demand shocks, R&D breakthroughs, imitation) then draws the same numbers
# in every run, so a
# difference between two runs is the lever's effect rather than luck: *common random
# numbers*, the simulation version of a paired experiment.
#
# **Learning goals.** By the end of the lesson you can
#
# 1. say which link or market each lever acts on, and predict its first-order effect;
# 2. compare policies with common random numbers and read a table of effects against a
#    baseline, and judge an effect against run-to-run noise;
# 3. trace at least one side effect to its mechanism: who ends up with the scarcity rent of an
#    energy cap, where market share goes under export controls;
# 4. discuss what the model leaves out before drawing policy conclusions.
#
# **Run it** as a script, `python docs/lessons/04_policy_levers.py --out DIR`
# (10-year horizon by default, `--years` to change), or open it as a notebook (`jupytext
# --to notebook ...`). Each lever's scenario file is in `sim/scenarios/`; `docs/scenarios.md`
# describes them.

# %% [markdown]
# ## PREDICT (10 min)
#
# The levers (from the scenario files; the first code cell prints their exact settings):
#
# | scenario | lever |
# |---|---|
# | `energy-cap` | AI power capped (5 GW) from 2027 |
# | `carbon-tax` | a tax per tonne of CO2 on AI power from 2026 |
# | `export-control` | labs in region `cn` get chips downgraded to half an H100's FLOP/J, same price, from 2025 |
# | `compute-threshold` | training runs above 1e27 FLOP pay compliance costs and lose 30% of training compute, from 2026 |
# | `rnd-subsidy` | government pays 40% of the labs' R&D, 2026-2036 |
# | `hardware-slowdown` | chip FLOP/J and FLOP/$ gains slow by 0.35 doublings a year from 2028 |
#
# For each lever, write an arrow (up, down, about the same) for: the leader's excess loss
# after 10 years, the price per token, the AI labs' profit, the vendors' profit, the energy
# suppliers' profit, CO2 emissions and the AI-services HHI. Then answer:
#
# - **P1.** An energy cap makes power scarce. Who should earn the scarcity rent: the energy
#   suppliers (higher prices), the AI labs (higher token prices), or nobody?
# - **P2.** Export controls hit the labs in one region. Which labs gain, and do the chip
#   vendors lose?
# - **P3.** Which lever cuts emissions most, and which costs the least progress (leader's
#   loss) per tonne saved?
# - **P4.** Two runs of the baseline with different seeds differ a little. Which of your
#   predicted effects might be smaller than that noise?

# %% [markdown]
# ## RUN (15 min)

# %%
import argparse

import numpy as np
import pandas as pd
from matplotlib import colormaps, ticker
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from experiments.lessons import Lesson
from sim.run import SECTORS, simulate
from sim.scenario import load_scenario, to_dict


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--years", type=float, default=10.0, help="horizon of every run [yr]")
    parser.add_argument("--seed", type=int, default=0, help="the common seed of every run")


lesson = Lesson("04", "Lesson 4: policy levers and side effects.", _options)
args = lesson.args
OUT, key, save = lesson.out, lesson.key, lesson.save


ARMS = (
    "baseline",
    "energy-cap",
    "carbon-tax",
    "export-control",
    "compute-threshold",
    "rnd-subsidy",
    "hardware-slowdown",
)
# this lesson studies a cap shared pro rata at posted prices; the shipped scenario sells the
# capped energy as permits by auction instead (allocation = "auction"; exercise 5)
ALLOCATION = {"energy-cap": {"policies.energy_cap.allocation": "pro_rata"}}
scenarios = {
    arm: load_scenario(arm, {"run.years": args.years, **ALLOCATION.get(arm, {})}) for arm in ARMS
}
for arm, sc in scenarios.items():
    levers = {k: v for k, v in to_dict(sc)["policies"].items() if v}
    print(f"{arm:>18}: {levers if levers else 'no policy'}")

# %% [markdown]
# ### 1. Run every arm with the same seed
#
# Seven runs of the market model (plus one baseline with another seed, to measure the noise).
# `simulate(scenario, seed)` returns tables; we reduce each run to a few outcomes.

# %%
results = {arm: simulate(sc, seed=args.seed) for arm, sc in scenarios.items()}
noise_run = simulate(scenarios["baseline"], seed=args.seed + 1)
REGION_RESTRICTED = scenarios["export-control"].policies.export_control.region
REGION_COLORS = {"us": "tab:blue", "cn": "tab:red", "eu": "tab:olive"}


def outcomes(result) -> dict[str, float | str]:
    """The outcomes of one run that the lesson compares."""
    model, agents = result.model, result.agents
    firms = agents[agents["agent_type"] == "firm"]
    final = firms[firms["step"] == firms["step"].max()]
    region = {f.name: f.region for f in result.scenario.firms}
    restricted = final["name"].map(region) == REGION_RESTRICTED
    delivered = float(model["energy_delivered_mwh"].sum())
    out: dict[str, float | str] = {
        "leader": str(final.loc[final["loss"].idxmin(), "name"]),
        "leader excess loss X": float(model["best_relative_excess_loss"].iloc[-1]),
        "price per Mtoken [USD]": float(model["price_usd_per_million_tokens"].iloc[-1]),
        "profit AI labs [USD bn]": float(model["profit_firms_usd"].sum()) / 1e9,
        "profit vendors [USD bn]": float(model["profit_vendors_usd"].sum()) / 1e9,
        "profit suppliers [USD bn]": float(model["profit_suppliers_usd"].sum()) / 1e9,
    }
    for sector in SECTORS:
        revenue = float(model[f"revenue_{sector}_usd"].sum())
        out[f"margin {sector}"] = float(model[f"profit_{sector}_usd"].sum()) / revenue
    out.update(
        {
            "energy [TWh]": delivered / 1e6,
            "energy price [USD/MWh]": float(model["energy_spend_firms_usd"].sum()) / delivered,
            "emissions [Mt CO2]": float(model["emissions_t_co2"].sum()) / 1e6,
            "HHI AI services": float(model["hhi_ai_services"].iloc[-1]),
            "HHI energy": float(model["hhi_energy"].iloc[-1]),
            f"share of '{REGION_RESTRICTED}' labs": float(
                final.loc[restricted, "market_share"].sum()
            ),
        }
    )
    return out


table = pd.DataFrame({arm: outcomes(r) for arm, r in results.items()})
noise = pd.Series(outcomes(noise_run))
numeric = table.drop(index="leader").astype(float)
change = numeric.sub(numeric["baseline"], axis=0).div(numeric["baseline"].abs(), axis=0)
noise_change = (noise.drop("leader").astype(float) - numeric["baseline"]) / numeric[
    "baseline"
].abs()
with pd.option_context("display.width", 200, "display.max_columns", 20):
    print(f"\nOutcomes after {args.years:g} years, seed {args.seed} in every arm")
    print(table.to_string(float_format=lambda v: f"{v:.4g}"))
    print("\nChange against the baseline [%]; last column: baseline with another seed (noise)")
    print(
        pd.concat([change.drop(columns="baseline"), noise_change.rename("noise")], axis=1)
        .mul(100)
        .to_string(float_format=lambda v: f"{v:+.1f}")
    )

# %% [markdown]
# ### 2. Headline effects, and the side effects


# %%
def pct(arm: str, row: str) -> float:
    return 100.0 * float(change.loc[row, arm])


def direction(value: float, tolerance: float = 1.0) -> str:
    """'up 12%', 'down 40%' or 'about the same (+0.3%)' for a percentage change."""
    if abs(value) < tolerance:
        return f"about the same ({value:+.1f}%)"
    return f"{'up' if value > 0 else 'down'} {abs(value):.0f}%"


def sector_moves(arm: str) -> str:
    return ", ".join(
        f"{label} {direction(pct(arm, row))}"
        for label, row in (
            ("labs' profit", "profit AI labs [USD bn]"),
            ("vendors'", "profit vendors [USD bn]"),
            ("suppliers'", "profit suppliers [USD bn]"),
        )
    )


quiet = {row: 100.0 * abs(float(v)) for row, v in noise_change.items()}
key(
    "K1",
    "noise (baseline, another seed): leader excess loss "
    f"{quiet['leader excess loss X']:.1f}%, price {quiet['price per Mtoken [USD]']:.1f}%, "
    f"labs' profit {quiet['profit AI labs [USD bn]']:.1f}%, HHI {quiet['HHI AI services']:.1f}%",
)

cap = results["energy-cap"]
cap_mw = scenarios["energy-cap"].policies.energy_cap.cap_mw
cap_capacity = float(cap.model["energy_capacity_mw"].iloc[-1])
base_capacity = float(results["baseline"].model["energy_capacity_mw"].iloc[-1])
binding = float(cap.model["energy_cap_binding"].mean())
# the price per token under the cap against the baseline's, step by step while the cap is in force
cap_from = scenarios["energy-cap"].policies.energy_cap.from_year
in_force = cap.model["year"].to_numpy() >= cap_from
price_ratio = (
    cap.model["price_usd_per_million_tokens"].to_numpy()
    / results["baseline"].model["price_usd_per_million_tokens"].to_numpy()
)[in_force]
price_up = float(np.mean(price_ratio > 1.0)) if price_ratio.size else 0.0
price_premium = 100.0 * float(np.mean(price_ratio - 1.0)) if price_ratio.size else 0.0
peak = int(price_ratio.argmax()) if price_ratio.size else 0
peak_year = float(cap.model["year"].to_numpy()[in_force][peak]) if price_ratio.size else np.nan
peak_premium = 100.0 * float(price_ratio[peak] - 1.0) if price_ratio.size else 0.0
key(
    "K2",
    f"energy cap ({cap_mw:,.0f} MW, binding in {binding:.0%} of steps): while it is in force "
    f"(from {cap_from:g}) the price per token is above the baseline's in {price_up:.0%} of the "
    f"steps, by {price_premium:+.0f}% on average (at most {peak_premium:+.0f}%, in "
    f"{peak_year:.1f}); in the last step {direction(pct('energy-cap', 'price per Mtoken [USD]'))}"
    "; leader's excess loss "
    f"{direction(pct('energy-cap', 'leader excess loss X'))}, emissions "
    f"{direction(pct('energy-cap', 'emissions [Mt CO2]'))}",
)
rent = max(
    ("AI labs", "vendors", "suppliers"), key=lambda s: pct("energy-cap", f"profit {s} [USD bn]")
)
lesson.claim(
    "C1",
    cap_capacity < base_capacity,
    f"under the cap the suppliers end with less installed capacity than in the baseline "
    f"({cap_capacity:,.0f} MW against {base_capacity:,.0f} MW)",
)
lesson.claim(
    "C2",
    cap_capacity > cap_mw,
    f"under the cap the suppliers' capacity still ends above the cap itself "
    f"({cap_capacity:,.0f} MW against a cap of {cap_mw:,.0f} MW): some plant stands idle",
)
lesson.claim(
    "C3",
    abs(pct("energy-cap", "energy price [USD/MWh]")) < 15.0,
    "the cap moves the average energy price by less than 15% "
    f"({pct('energy-cap', 'energy price [USD/MWh]'):+.1f}%)",
)
key(
    "K3",
    f"energy cap, who gains: {sector_moves('energy-cap')}; suppliers' margin "
    f"{table.loc['margin suppliers', 'baseline']:.0%} -> "
    f"{table.loc['margin suppliers', 'energy-cap']:.0%}; energy price "
    f"{direction(pct('energy-cap', 'energy price [USD/MWh]'))}; suppliers' installed capacity at the end "
    f"{cap_capacity:,.0f} MW under the cap vs {base_capacity:,.0f} MW in the baseline; "
    f"the sector that gains most is {rent}",
)
share_row = f"share of '{REGION_RESTRICTED}' labs"
key(
    "K4",
    f"export control: '{REGION_RESTRICTED}' labs' market share "
    f"{table.loc[share_row, 'baseline']:.1%} -> {table.loc[share_row, 'export-control']:.1%}; "
    f"leader {table.loc['leader', 'baseline']} -> {table.loc['leader', 'export-control']}; "
    f"{sector_moves('export-control')}; HHI {direction(pct('export-control', 'HHI AI services'))}",
)
key(
    "K5",
    f"carbon tax: emissions {direction(pct('carbon-tax', 'emissions [Mt CO2]'))}, energy "
    f"{direction(pct('carbon-tax', 'energy [TWh]'))}, energy price "
    f"{direction(pct('carbon-tax', 'energy price [USD/MWh]'))}, price per token "
    f"{direction(pct('carbon-tax', 'price per Mtoken [USD]'))}, leader's excess loss "
    f"{direction(pct('carbon-tax', 'leader excess loss X'))}; energy-market HHI "
    f"{table.loc['HHI energy', 'baseline']:.2f} -> {table.loc['HHI energy', 'carbon-tax']:.2f}",
)
key(
    "K6",
    f"compute threshold: leader's excess loss "
    f"{direction(pct('compute-threshold', 'leader excess loss X'))}, price per token "
    f"{direction(pct('compute-threshold', 'price per Mtoken [USD]'))}; hardware slowdown: "
    f"leader's excess loss {direction(pct('hardware-slowdown', 'leader excess loss X'))}, energy "
    f"{direction(pct('hardware-slowdown', 'energy [TWh]'))}, vendors' profit "
    f"{direction(pct('hardware-slowdown', 'profit vendors [USD bn]'))}; R&D subsidy: leader's "
    f"excess loss {direction(pct('rnd-subsidy', 'leader excess loss X'))}, HHI "
    f"{direction(pct('rnd-subsidy', 'HHI AI services'))}",
)
lesson.claim(
    "C4",
    price_up > 0.5,
    "while the cap is in force, the price per token is above the baseline's in most steps "
    f"({price_up:.0%} of them)",
)
lesson.claim(
    "C5",
    pct("export-control", "profit vendors [USD bn]") < 0.0,
    "under export controls the vendors' profit falls "
    f"({pct('export-control', 'profit vendors [USD bn]'):+.0f}%)",
)
lesson.claim(
    "C6",
    abs(pct("compute-threshold", "leader excess loss X")) < abs(quiet["leader excess loss X"]),
    "the compute threshold moves the leader's excess loss by less than another seed does "
    f"({pct('compute-threshold', 'leader excess loss X'):+.1f}% against "
    f"{quiet['leader excess loss X']:.1f}%)",
)
saved = {
    arm: float(
        numeric.loc["emissions [Mt CO2]", "baseline"] - numeric.loc["emissions [Mt CO2]", arm]
    )
    for arm in ("energy-cap", "carbon-tax")
}
key(
    "K7",
    "emissions saved over the run: "
    + ", ".join(
        f"{arm} {saved[arm]:,.0f} Mt CO2 for a {pct(arm, 'leader excess loss X'):+.1f}% change "
        f"in the leader's excess loss"
        for arm in saved
    ),
)

# %% [markdown]
# **Figure 1** summarises the table: each cell is a policy's effect on one outcome, in
# percent of the baseline (red: up, blue: down; colours saturate at ±100%).

# %%
ROWS = [
    "leader excess loss X",
    "price per Mtoken [USD]",
    "profit AI labs [USD bn]",
    "profit vendors [USD bn]",
    "profit suppliers [USD bn]",
    "energy [TWh]",
    "energy price [USD/MWh]",
    "emissions [Mt CO2]",
    "HHI AI services",
    "HHI energy",
    share_row,
]
policies = [arm for arm in ARMS if arm != "baseline"]
grid = 100.0 * change.loc[ROWS, policies].to_numpy(dtype=float)
grid_noise = 100.0 * noise_change.loc[ROWS].to_numpy(dtype=float)
fig = Figure(figsize=(12, 6.8), layout="constrained")
ax = fig.add_subplot()
image = ax.imshow(
    np.clip(np.column_stack([grid, grid_noise]), -100, 100),
    cmap=colormaps["RdBu_r"],
    norm=TwoSlopeNorm(vcenter=0.0, vmin=-100.0, vmax=100.0),
    aspect="auto",
)
values = np.column_stack([grid, grid_noise])
for (i, j), value in np.ndenumerate(values):
    ax.text(
        j,
        i,
        f"{value:+.0f}%" if abs(value) >= 1 else f"{value:+.1f}%",
        ha="center",
        va="center",
        fontsize="small",
        color="white" if abs(value) > 60 else "black",
    )
ax.axvline(len(policies) - 0.5, color="black", lw=2)
ax.set_xticks(range(len(policies) + 1), [*policies, "noise:\nanother seed"])
ax.set_yticks(range(len(ROWS)), ROWS)
ax.tick_params(axis="x", labelrotation=0, labelsize="small")
fig.colorbar(image, ax=ax, label="change against the baseline [%]", shrink=0.8)
ax.set_title(
    f"Effects after {args.years:g} years, same seed ({args.seed}) in every run; "
    "last column: the baseline's own noise"
)
fig.suptitle("Lesson 4, figure 1: what each lever does, in percent of the baseline")
save(fig, "01_policy_effects.png")

# %% [markdown]
# ### 3. Side effect 1: who gets the scarcity rent of an energy cap?

# %%
base = results["baseline"]
years = base.model["year"].to_numpy()
start_cap = scenarios["energy-cap"].policies.energy_cap.from_year
fig = Figure(figsize=(11, 9), layout="constrained")
ax_p, ax_s, ax_t = fig.subplots(3, 1, sharex=True)
for result, style, label in ((base, "-", "baseline"), (cap, "--", "energy cap")):
    m = result.model
    ax_p.plot(
        years,
        m["energy_capacity_mw"],
        color="tab:green",
        ls=style,
        lw=3,
        alpha=0.7,
        label=f"suppliers' installed capacity, {label}",
    )
    ax_p.plot(
        years,
        m["power_delivered_mw"],
        color="tab:blue",
        ls=style,
        lw=1.5,
        zorder=3,
        label=f"power delivered, {label}",
    )
    ax_t.plot(
        years,
        m["price_usd_per_million_tokens"],
        color="black",
        ls=style,
        lw=2,
        label=f"price per million tokens, {label}",
    )
for sector, color, label in (
    ("firms", "tab:purple", "AI labs"),
    ("vendors", "tab:orange", "hardware vendors"),
    ("suppliers", "tab:green", "energy suppliers"),
):
    gap = (cap.model[f"profit_{sector}_usd"] - base.model[f"profit_{sector}_usd"]).cumsum()
    ax_s.plot(years, gap.to_numpy() / 1e9, color=color, lw=2.2, label=label)
ax_p.axhline(cap_mw, color="tab:red", ls=":", lw=2, label=f"the cap, {cap_mw:,.0f} MW")
ax_p.set_yscale("log")
ax_p.yaxis.set_major_locator(ticker.LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
ax_p.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
ax_p.yaxis.set_minor_formatter(ticker.NullFormatter())
ax_p.set_ylabel("MW, log scale")
ax_p.set_title("Power: under the cap, suppliers build far less capacity")
ax_s.axhline(0.0, color="0.4", lw=0.8)
ax_s.set_ylabel("cumulative profit, cap\nminus baseline [USD bn]")
ax_s.set_title("Where the money goes: who gains and who loses from the cap")
ax_t.set_yscale("log")
ax_t.set_ylabel("USD per million tokens, log")
ax_t.set_title("Price of AI services")
ax_t.set_xlabel("calendar year")
for ax in (ax_p, ax_s, ax_t):
    ax.axvspan(start_cap, years[-1], color="tab:red", alpha=0.06, lw=0)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
fig.suptitle("Lesson 4, figure 2: an energy cap (shaded: in force); solid baseline, dashed cap")
save(fig, "02_energy_cap.png")

# %% [markdown]
# ### 4. Side effect 2: export controls move market share

# %%
export = results["export-control"]
fig = Figure(figsize=(11, 7), layout="constrained")
ax_share, ax_chip = fig.subplots(2, 1, sharex=True)
for result, style, label in ((base, "-", "baseline"), (export, "--", "export control")):
    firms = result.agents[result.agents["agent_type"] == "firm"]
    region = firms["name"].map({f.name: f.region for f in result.scenario.firms})
    by_region = firms.assign(region=region).groupby(["step", "region"])
    shares = by_region["market_share"].sum().unstack("region")
    chips = by_region["chip_flop_per_joule"].mean().unstack("region")
    for reg in shares.columns:
        color = REGION_COLORS.get(reg, "0.5")
        ax_share.plot(
            years,
            shares[reg].to_numpy(),
            color=color,
            ls=style,
            lw=2,
            label=f"'{reg}' labs, {label}",
        )
        ax_chip.plot(
            years,
            chips[reg].to_numpy(),
            color=color,
            ls=style,
            lw=2,
            label=f"'{reg}' labs, {label}",
        )
limit = scenarios["export-control"].policies.export_control.max_flop_per_joule
ax_chip.axhline(limit, color="0.3", ls=":", label=f"export limit {limit:.2g} FLOP/J")
ax_share.yaxis.set_major_formatter(ticker.PercentFormatter(xmax=1.0))
ax_share.set_ylabel("market share, by region")
ax_share.set_title("Market share of AI services by the labs' region")
ax_chip.set_yscale("log")
ax_chip.set_ylabel("fleet FLOP per joule\n(mean of the region's labs), log")
ax_chip.set_title("The chip link: what each region's fleet runs on")
ax_chip.set_xlabel("calendar year")
for ax in (ax_share, ax_chip):
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
fig.suptitle(
    "Lesson 4, figure 3: export controls on region "
    f"'{REGION_RESTRICTED}'; solid baseline, dashed export control"
)
save(fig, "03_export_control.png")

# %% [markdown]
# ### 5. The carbon tax: emissions against progress

# %%
tax = results["carbon-tax"]
fig = Figure(figsize=(11, 6.5), layout="constrained")
ax_em, ax_int = fig.subplots(2, 1, sharex=True)
for result, color, label in (
    (base, "0.3", "baseline"),
    (tax, "tab:green", "carbon tax"),
    (cap, "tab:red", "energy cap"),
):
    m = result.model
    ax_em.plot(
        years,
        m["emissions_t_co2"].rolling(12, min_periods=1).sum() / 1e6,
        color=color,
        lw=2,
        label=label,
    )
    ax_int.plot(
        years, m["emissions_t_co2"] / m["energy_delivered_mwh"], color=color, lw=2, label=label
    )
ax_em.set_ylabel("Mt CO2 over the last 12 months")
ax_em.set_title("Emissions of AI's power")
ax_int.set_ylabel("t CO2 per MWh delivered")
ax_int.set_title("Carbon intensity of the power delivered")
ax_int.set_xlabel("calendar year")
ax_int.set_ylim(bottom=0)
for ax in (ax_em, ax_int):
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
fig.suptitle("Lesson 4, figure 4: two ways to cut emissions")
save(fig, "04_carbon_tax.png")

# %%
lesson.print_key_numbers()

# %% [markdown]
# ## DEBRIEF (15 min)
#
# Check your arrows against figure 1 and the key numbers printed above (`K1`-`K7`; the claims
# `C1`-`C6` are statements of this debrief that the run checks).
#
# **Noise first (P4; K1, last column of figure 1).** Before reading any effect, look at how
# much the baseline moves with another seed. An effect of the same size as that column is not
# an effect. Common random numbers shrink the noise *in the difference* between two arms: both
# see the same demand shocks. For a proper answer, replicate over many seeds and report
# confidence intervals (exercise 4).
#
# **The energy cap, and who gets its rent (P1; K2, K3, figure 2).** A binding cap rations
# power: less compute, slower training and a worse leader (K2). Economics says a
# binding quantity limit creates a *scarcity rent*; the question is who collects it. Read K3
# and the middle panel of figure 2, which accumulates each sector's profit under the cap minus
# the baseline's. Three mechanisms of the model decide the answer:
#
# - the energy market clears by *rationing at posted prices*: suppliers price on how full
#   they are against what they may sell (their capacity or their share of the cap, the
#   smaller), so a binding cap raises their price, but no higher than their largest scarcity
#   markup, and the energy price moves only a little (C3: under 15%; a permit auction, the
#   shipped cap's default, would price the scarcity instead);
# - suppliers order new capacity against the power they can *sell*: the smaller of what the
#   labs ask for and their share of the cap (`agents/supplier.py`). Under the cap their
#   capacity stops growing with the labs' demand, so it ends far below the baseline's (C1,
#   top panel): the suppliers lose the growth in sales they would have had, which is why their
#   profit falls in K3. When the cap starts they cut the orders still in flight, and the plant
#   built before it retires. Their capacity still ends above the cap itself (C2): their orders
#   keep a reserve margin, capacity at what they may sell x 1.25 / 0.8 (about 1.6 times their
#   share of the cap), and that part stands idle;
# - labs buy only the chips they can power, so the vendors sell fewer chips.
#
# If K3 names the AI labs as the sector that gains, the demand side explains it. Buyers pay
# for tasks done right, and near the loss floor a somewhat worse model still gets practically
# every task right (lesson 3), so the capped labs lose buyers to price, not to quality. Their
# price is the Bertrand-Nash markup over a serving cost that is already tiny, but with less
# power they are short of the capacity to serve, and a lab short of capacity charges the price
# that clears it (lesson 3): while the cap is in force their price stands above the
# baseline's in almost every step (C4), by about a third on average and at its peak to more
# than twice the baseline's (K2, bottom panel). Where it ends in the last step depends on when the
# capped fleets catch up, and differs from seed to seed (at seed 0 about where the
# baseline's is). Some buyers turn to the open model or do without, so the labs' revenue falls
# (by about a fifth at seed 0), but they spend far less on chips and power (about half as much
# on chips): the rent of the cap is the spending it saves the labs, with the higher price on
# top. Is it plausible? A real utility would not build plants it cannot sell from, and a cap
# run with tradeable permits would hand the rent to the permit holders, and an energy market
# that priced scarcity (a price that rises with demand over the cap) would hand it to the
# suppliers. The model's default cap does the first: run `energy-cap` as shipped
# (`allocation = "auction"`) and the permit revenue goes to the government. Here the model's
# market design, not economics in general, decides who collects
# the rent: say so whenever you present such a result (exercise 5 explores it).
#
# **Export controls (P2; K4, figure 3).** Restricted labs get chips downgraded to the export
# limit at the same price, so each dollar buys fewer FLOP and their chip link stalls at the
# limit (lower panel) while their rivals' keeps doubling. Market share moves to the
# unrestricted labs, but less than the chip gap suggests (K4): buyers choose on the share of
# tasks a model gets right, which near the loss floor hardly differs, and the rivals'
# algorithmic discoveries spill over to the restricted labs. Look at the vendors in K4: they
# sell at the same list price, yet they lose (C5). The restricted labs get fewer FLOP per
# dollar and lose buyers, their rivals do not make up the difference, and the labs together
# spend less on chips (5.6% less over the decade at seed 0, as much as their revenue falls;
# the vendors' margin slips too), which is also why the labs' profit can rise. The effect is
# small against the noise: over seeds 0-11 the vendors' profit falls in 10, the labs' chip
# spending in 11. The control can also change *who leads* (the lab with the lowest loss):
# compare the leaders in K4 (the same lab at seed 0; over seeds 0-11, another in 5 of the 12).
#
# **Carbon tax against cap (P3; K5, K7, figure 4).** The tax raises the price of dirty power
# more than that of clean power, so demand shifts to the clean supplier and the carbon
# intensity of AI's power falls (lower panel of figure 4) once the clean supplier's new
# capacity arrives; compare the fall in emissions with the fall in energy in K5. The cap cuts
# emissions by cutting *energy*, at the cost of progress. K7 sets the two side by side: tonnes
# saved against the change in the leader's excess loss. A price instrument lets the market
# find the cheapest abatement (switching supplier); a quantity cap on *energy* cannot tell
# clean joules from dirty ones. One side effect to spot in K5: by steering demand to one
# supplier, the tax *concentrates the energy market* (its HHI), handing the clean supplier
# market power it can price on.
#
# **The other levers (K6).** A compute threshold taxes the frontier directly, but at the
# shipped threshold and tax it hardly bites: the leader's excess loss moves by less than
# another seed moves it (C6), and the price per token, the Nash markup over a serving cost
# that is already tiny, hardly moves either (K6). A hardware slowdown
# makes the chip link the bottleneck and the leader's loss rises; check whether energy use and
# the vendors' profit move by more than the noise in K1. An R&D subsidy acts on the link the
# labs own: it lowers the cost of R&D, so each lab spends more before the next dollar stops
# paying (`docs/model.md` 3.3.5), but R&D has diminishing returns and its fruits spill over to
# rivals, so compare its effect on the leader's loss with the noise in K1.
#
# **Caveats.** Ten years, one seed, one calibration. The levers are switched on as announced
# with no anticipation; labs do not relocate, smuggle chips or lobby; the demand side does not
# value emissions. Treat the signs and the mechanisms as the lesson, not the magnitudes. Even
# the signs of the small effects are one seed's: at seed 4 the capped labs' last price is 4%
# *below* the baseline's (though above it in most steps while the cap is in force, which is
# what C4 checks), and at seed 9 the threshold's leader ends 6% closer to the floor, more than
# another seed moves it there (C6 fails), since which lab leads, and when it buys, differs from
# run to run (over seeds 0-11, C5 fails at seeds 1 and 11 and C6 at seed 9; C1-C4 hold at all
# twelve). For the average effect with a confidence interval, compare many seeds: `effrace
# compare baseline compute-threshold --replications 10`.

# %% [markdown]
# ## EXERCISES
#
# 1. **(easy)** Tighten and loosen the cap: `effrace run energy-cap --years 10 --set
#    policies.energy_cap.cap_mw=3000` and `...=10000`. How do the share of steps in which the
#    cap binds and the price per million tokens change?
# 2. **(easy)** Double the carbon tax: `effrace run carbon-tax --years 10 --set
#    policies.carbon_tax.usd_per_t_co2=300`. Do emissions halve again? Why not (look at the
#    carbon intensity of the cleanest supplier in `sim/scenarios/baseline.toml`)?
# 3. **(medium)** An export *quota* instead of a downgrade: `effrace run export-control
#    --years 10 --set policies.export_control.max_flop_per_joule=1e40 --set
#    policies.export_control.quota_chips_per_year=20000`. Compare the restricted labs' share
#    with the downgrade. Which instrument hurts them more per chip withheld?
# 4. **(medium)** Replicate properly: `effrace compare baseline energy-cap carbon-tax
#    export-control --replications 10 --years 10`. Which of the effects in figure 1 have
#    confidence intervals that exclude zero? Were any of your single-seed conclusions wrong?
# 5. **(hard)** Who gains, as a function of the cap: in a new cell, loop over
#    `cap_mw` in (2000, 3000, 5000, 10000, 20000, 40000), run
#    `load_scenario("energy-cap", {"run.years": args.years, "policies.energy_cap.cap_mw": cap,
#    **ALLOCATION["energy-cap"]})` (the lesson's pro-rata cap; leave the last part out for the
#    shipped auction, and compare) with the same seed, and plot each sector's cumulative
#    profit minus the baseline's against the cap. Explain the shape with two facts about demand in this model: buyers pay for
#    tasks done right, and near the loss floor a somewhat worse model does almost as well, so
#    a capped lab loses buyers through its price rather than its quality (the
#    `outside_option_share` column of `result.model` shows how many tasks go to the open model
#    or to no AI); and the labs' prices are Nash markups that do not depend on their costs,
#    unless a lab is short of the capacity to serve. Add consumer surplus (`consumer_surplus_usd`) to
#    your plot: who pays for the cap? Would the labs lobby for or against a cap?
#    *Extension, for those who read code:* the suppliers order capacity against the smaller of
#    the labs' demand and their share of the cap (in `agents/supplier.py`, where the supplier
#    calls its `_invest`). In your own copy, make them
#    order against the labs' demand alone, as a utility that expects the cap to be lifted
#    would, and rerun section 3: how much idle capacity do they build (C2), and does the rent
#    move between the sectors?

# %% [markdown]
# ## Figures you should see
#
# - `01_policy_effects.png`: a heat map, outcomes down the side and policies across, each cell
#   the percent change against the baseline (red up, blue down), and a last column with the
#   change between two baseline seeds (the noise: as large as many of the levers' effects,
#   tens of percent for the leader's excess loss and the suppliers' profit at seed 0).
# - `02_energy_cap.png`: top, power delivered (thin blue) and suppliers' installed capacity
#   (thick green) with and without the cap (dashed: cap), the cap dotted red; middle, each
#   sector's cumulative profit under the cap minus the baseline's (above zero: the sector
#   gains from the cap); bottom, the price per million tokens in both runs; the period in
#   force shaded.
# - `03_export_control.png`: top, market share of AI services by the labs' region in the
#   baseline (solid) and under export controls (dashed); bottom, the mean fleet FLOP per joule
#   of each region's labs, with the export limit dotted.
# - `04_carbon_tax.png`: top, emissions over the last 12 months in the baseline, with the
#   carbon tax and with the energy cap; bottom, the carbon intensity of the power delivered in
#   the same three runs.
