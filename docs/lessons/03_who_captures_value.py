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
# # Lesson 3: The market, who wins the race and who captures the value
#
# *One class period (about 50 minutes): PREDICT 10 min, RUN 15 min, DEBRIEF 15 min,
# EXERCISES 10 min in class (the harder ones as homework).*
#
# Lessons 1 and 2 treated efficiency as one number growing at one rate. In the economy it is a
# **chain**, and each link has an owner:
#
# grid joules → *site efficiency, 1/PUE (energy supplier)* → IT joules → *chip FLOP per
# joule (hardware vendor)* → physical FLOP → *algorithmic and systems efficiency (AI firm)* →
# logical FLOP.
#
# A firm's logical efficiency is the product of the links it uses, so its doubling rate is the
# sum of theirs. The `baseline` scenario puts eight labs, three chip vendors and three energy
# suppliers in one market for 20 years. Every step the labs buy chips and power, train down the
# shared scaling law and sell tokens to buyers who weigh quality against price. Nothing about
# who wins is scripted.
#
# **Learning goals.** By the end of the lesson you can
#
# 1. explain who leads the race and why, by decomposing each firm's efficiency growth into its
#    links;
# 2. read profit, profit shares and margins by sector and say where market power sits;
# 3. measure concentration with the Herfindahl-Hirschman index (HHI) and relate it to how
#    buyers choose;
# 4. explain why the price of a token falls more slowly than the cost of a logical FLOP.
#
# **Run it** as a script, `python docs/lessons/03_who_captures_value.py --out
# DIR`, or open it as a notebook (`jupytext --to notebook ...`). The same run is
# `effrace run baseline` (seed 0). Column meanings: `docs/outputs.md`; the model:
# `docs/model.md`.

# %% [markdown]
# ## PREDICT (10 min)
#
# Run **only the first code cell** below (set-up): it prints the eight labs' starting
# positions (fleet, cash, own algorithmic doubling rate, strategy). Then write down:
#
# - **P1.** Which lab has the lowest loss after 20 years: the largest fleet, the richest, or
#   the one with the fastest algorithmic progress? Rank your top three.
# - **P2.** Which link of the chain separates the leader from the others: site (PUE), chips
#   (FLOP per joule) or algorithms? Hint: who owns each link, and who buys from whom?
# - **P3.** Over 20 years, which sector earns the largest share of the three sectors' total
#   profit: AI firms, hardware vendors or energy suppliers? Which has the highest *margin*
#   (profit / revenue)?
# - **P4.** Will the AI-services market be more or less concentrated at the end than at the
#   start? US merger guidelines call a market with HHI above 0.18 highly concentrated.
# - **P5.** The cost of a logical FLOP falls by many orders of magnitude. Does the price of a
#   token fall faster, slower or at the same rate? Name one reason it could differ.

# %% [markdown]
# ## RUN (15 min)

# %%
import argparse

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from experiments.lessons import Lesson
from sim import figures, law
from sim.run import SECTORS, format_summary, simulate
from sim.scenario import load_scenario


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--years", type=float, default=None, help="horizon (default: scenario's)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0, as `effrace run`)")


lesson = Lesson("03", "Lesson 3: who wins and who captures the value.", _options)
args = lesson.args
OUT, key, save = lesson.out, lesson.key, lesson.save


def percent(share: float) -> str:
    """A share as a percentage with two significant digits below 1%: 97.7%, 0.045%."""
    return f"{share:.1%}" if share >= 0.01 else f"{share * 100:.2g}%"


def year_ranges(years: list[int]) -> str:
    """'2024-2026, 2035-2043' for a sorted list of calendar years."""
    if not years:
        return "none"
    spans, start = [], years[0]
    for prev, year in zip(years, [*years[1:], None], strict=True):
        if year != prev + 1:
            spans.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = year
    return ", ".join(spans)


overrides = {} if args.years is None else {"run.years": args.years}
scenario = load_scenario("baseline", overrides)
print(f"scenario '{scenario.name}': {scenario.run.years:g} years from {scenario.run.start_year:g}")
print(
    f"{'lab':<14}{'region':>7}{'chips':>10}{'cash':>10}{'algo dbl/yr':>12}{'chips%':>8}"
    f"{'train%':>8}{'adaptive':>9}"
)
for firm in scenario.firms:
    print(
        f"{firm.name:<14}{firm.region:>7}{firm.chips:>10,.0f}{firm.cash_usd / 1e9:>9.1f}B"
        f"{firm.algorithmic_doublings_per_year:>12.2g}{firm.chip_share:>8.0%}"
        f"{firm.training_share:>8.0%}{'yes' if firm.adaptive else 'no':>9}"
    )
print("vendors:", ", ".join(f"{v.name} ({v.flop_per_joule:.3g} FLOP/J)" for v in scenario.vendors))
print("suppliers:", ", ".join(f"{s.name} (PUE {s.pue:g})" for s in scenario.suppliers))

# %% [markdown]
# ### 1. Run the baseline and read the summary
#
# `simulate(scenario, seed)` returns a `RunResult`: `.model` has one row per step,
# `.agents` one row per agent per step, and `.summary()` the one-screen answer that
# `effrace run` prints.

# %%
result = simulate(scenario, seed=args.seed)
print(format_summary(result.summary()))
model, agents = result.model, result.agents
firms = agents[agents["agent_type"] == "firm"]
start_year = scenario.run.start_year
calendar = np.floor(model["year"].to_numpy() - scenario.run.dt_years / 2).astype(int)

# %% [markdown]
# ### 2. Who leads, and why: efficiency by link
#
# For each lab, the doublings of each link over the run: $\log_2$ of its last value over its
# first. Their sum is the doublings of the lab's logical efficiency (Elogical).

# %%
LINKS = {
    "site_efficiency": "site (1/PUE): suppliers",
    "chip_flop_per_joule": "chips (FLOP/J): vendors",
    "algorithmic_efficiency": "algorithms: the lab itself",
}
params = {f.name: f for f in scenario.firms}
rows = []
for _, d in firms.sort_values("step").groupby("agent_id"):
    first, last = d.iloc[0], d.iloc[-1]
    row = {"lab": last["name"]}
    row.update({col: float(np.log2(last[col] / first[col])) for col in LINKS})
    row["elogical"] = float(
        np.log2(last["elogical_flop_per_joule"] / first["elogical_flop_per_joule"])
    )
    row.update(
        loss=float(last["loss"]),
        share=float(last["market_share"]),
        compute=float(last["cumulative_logical_flop"]),
        chips0=params[last["name"]].chips,
        cash0=params[last["name"]].cash_usd,
        profit=float(d["profit_usd"].sum()),
        exited=int(last["step"]) < int(model["step"].iloc[-1]),
    )
    rows.append(row)
table = pd.DataFrame(rows).sort_values("loss").reset_index(drop=True)
print("doublings over the run, by link (sorted by final loss, leader first)")
print(
    table[["lab", *LINKS, "elogical", "loss", "share", "profit"]].to_string(
        index=False, float_format=lambda v: f"{v:.4g}"
    )
)

leader, runner_up = table.iloc[0], table.iloc[1]
rank_chips = int((table["chips0"] > leader["chips0"]).sum()) + 1
rank_cash = int((table["cash0"] > leader["cash0"]).sum()) + 1
n_labs = len(table)
key(
    "K1",
    f"leader: {leader['lab']} (loss {leader['loss']:.5f}, market share {leader['share']:.1%}); "
    f"it started {rank_chips} of {n_labs} by fleet and {rank_cash} of {n_labs} by cash",
)
rivals = table.iloc[1:]
gaps = {col: leader[col] - rivals[col].median() for col in LINKS}
decisive = max(gaps, key=lambda col: gaps[col])
key(
    "K2",
    "leader's doublings minus the median rival's: "
    + ", ".join(f"{LINKS[c].split(':')[0]} {gaps[c]:+.2f}" for c in LINKS)
    + f"; the decisive link is {LINKS[decisive]}",
)
key(
    "K3",
    f"runner-up {runner_up['lab']}: loss {runner_up['loss']:.5f}, only "
    f"{runner_up['loss'] - leader['loss']:.2g} nats above the leader, yet market share "
    f"{runner_up['share']:.1%}; excess losses differ by a factor of "
    f"{(runner_up['loss'] - result.extras['loss_floor']) / (leader['loss'] - result.extras['loss_floor']):.3g}",
)

# %%
fig = Figure(figsize=(12, 5.2), layout="constrained")
ax_bar, ax_size = fig.subplots(1, 2, width_ratios=[1.35, 1])
positions = np.arange(len(table))[::-1]  # leader on top
left = np.zeros(len(table))
for col, color in zip(LINKS, ("tab:green", "tab:orange", "tab:blue"), strict=True):
    ax_bar.barh(positions, table[col], left=left, color=color, label=LINKS[col], height=0.7)
    left += table[col].to_numpy()
for pos, (_, row) in zip(positions, table.iterrows(), strict=True):
    ax_bar.text(
        row["elogical"] + 0.5, pos, f"share {percent(row['share'])}", va="center", fontsize="small"
    )
ax_bar.set_yticks(positions, table["lab"])
ax_bar.set_xlim(0, table["elogical"].max() * 1.22)
ax_bar.set_xlabel(f"doublings of efficiency over {scenario.run.years:g} years")
ax_bar.set_title("Efficiency growth by link, leader (lowest loss) on top")
ax_bar.legend(
    frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize="small"
)
ax_bar.grid(True, axis="x", alpha=0.3)
ax_size.scatter(
    table["chips0"],
    table["share"].clip(lower=1e-5),
    s=20 + table["cash0"] / 1e8,
    color="tab:purple",
    alpha=0.6,
    edgecolor="black",
)
for i, (_, row) in enumerate(table.sort_values("chips0").iterrows()):
    ax_size.annotate(
        row["lab"],
        (row["chips0"], max(row["share"], 1e-5)),
        xytext=(6, 4 if i % 2 else -12),  # alternate, so neighbours' labels do not collide
        textcoords="offset points",
        fontsize="small",
    )
ax_size.set_xscale("log")
ax_size.set_yscale("log")
ax_size.xaxis.set_major_locator(ticker.LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
ax_size.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
ax_size.xaxis.set_minor_formatter(ticker.NullFormatter())
ax_size.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: percent(v)))
ax_size.set_xlabel("chips at the start (log scale); marker area grows with starting cash")
ax_size.set_ylabel("market share at the end (log scale)")
ax_size.set_title("Does starting big win?")
ax_size.grid(True, which="major", alpha=0.3)
fig.suptitle("Lesson 3, figure 1: who leads the race, and which link of the chain put them there")
save(fig, "01_links_by_firm.png")

# %% [markdown]
# The project's own figure of the race (the same one `effrace run` draws): each lab's excess
# loss over time against the papers' mean-field curve.

# %%
save(figures.loss_by_firm(result), "02_loss_by_firm.png")

# %% [markdown]
# ### 3. Who captures the value: profit by sector
#
# Each sector's profit is revenue minus its costs (chips, energy, R&D, depreciation,
# fabrication, fuel, taxes); the *margin* is profit over revenue. Money enters from buyers of
# AI services and investors; vendors and suppliers are paid by the labs.

# %%
summary = result.summary()
print(f"{'sector':<11}{'revenue':>12}{'profit':>12}{'share':>8}{'margin':>8}")
for sector in SECTORS:
    revenue = float(model[f"revenue_{sector}_usd"].sum())
    print(
        f"{sector:<11}{revenue:>12.3g}{summary['cumulative_profit_usd'][sector]:>12.3g}"
        f"{summary['profit_share'][sector]:>8.0%}{summary['margin'][sector]:>8.0%}"
    )
yearly = (
    pd.DataFrame({f"profit_{s}": model[f"profit_{s}_usd"] for s in SECTORS})
    .assign(cal=calendar)
    .groupby("cal")
    .sum()
)
loss_years = [int(y) for y in yearly.index[yearly["profit_firms"] < 0]]
key(
    "K4",
    "cumulative profit: "
    + ", ".join(
        f"{s} {summary['cumulative_profit_usd'][s] / 1e12:+.3g}T USD "
        f"(margin {summary['margin'][s]:.0%})"
        for s in SECTORS
    ),
)
best_margin = max(SECTORS, key=lambda s: summary["margin"][s])
most_profit = max(SECTORS, key=lambda s: summary["cumulative_profit_usd"][s])
key(
    "K5",
    f"largest cumulative profit: {most_profit}; highest margin: {best_margin}; "
    f"years in which the AI firms together lost money: {year_ranges(loss_years)}",
)
vendors = agents[agents["agent_type"] == "vendor"]
vendor_profit = vendors.groupby("name")["profit_usd"].sum().sort_values(ascending=False)
chips_hhi = model["hhi_chips"]
key(
    "K6",
    f"top vendor {vendor_profit.index[0]} earns {vendor_profit.iloc[0] / vendor_profit.sum():.0%} "
    f"of the vendors' profit; chip-market HHI {chips_hhi.iloc[0]:.2f} -> {chips_hhi.iloc[-1]:.2f}",
)

# %%
save(figures.value_capture(result), "03_value_capture.png")

# %% [markdown]
# ### 4. Market shares and concentration
#
# Buyers choose among the labs and an *outside option* (not buying) by a logit on quality and
# price: a lab's utility is $-\theta \ln X - \beta \ln(p/p_\text{ref})$, with $X$ its relative
# excess loss. The HHI is the sum of squared shares of revenue: 1 for a monopoly, $1/n$ for
# $n$ equal firms.

# %%
hhi = model["hhi_ai_services"].to_numpy()
years = model["year"].to_numpy()
above = np.flatnonzero(hhi > figures.HHI_HIGHLY_CONCENTRATED)
theta = scenario.market.quality_sensitivity
key(
    "K7",
    f"AI-services HHI {hhi[0]:.2f} at the start, {hhi[-1]:.2f} at the end"
    + (
        f"; above {figures.HHI_HIGHLY_CONCENTRATED} (highly concentrated) from "
        f"{years[above[0]]:.1f}"
        if above.size
        else f"; never above {figures.HHI_HIGHLY_CONCENTRATED}"
    )
    + f". Quality weight theta = {theta:g}: halving X multiplies a lab's odds by {2**theta:g}",
)

# %%
save(figures.market_shares(result), "04_market_shares.png")

# %% [markdown]
# ### 5. Price per token against cost per logical FLOP
#
# A token costs about $2N$ FLOP to serve, with $N$ the model's parameters, and a
# compute-optimal model grows with its training compute (lesson 1). So the cost of serving a
# token is (cost per logical FLOP) × (FLOP per token), and the price adds the markup and the
# training that the serving revenue must pay for. We rebuild each factor from the tables:
# tokens per lab are revenue / price, FLOP per token is $2N_\text{opt}(C)$ of the lab's model.

# %%
fit = law.CHINCHILLA_FITS.get(scenario.law.preset, law.CHINCHILLA_FITS["hoffmann"])
frame = firms[["step", "revenue_usd", "price_usd_per_million_tokens", "cumulative_logical_flop"]]
price = frame["price_usd_per_million_tokens"].to_numpy()
tokens = np.where(
    price > 0, frame["revenue_usd"].to_numpy() / np.where(price > 0, price, 1) * 1e6, 0
)
flop_per_token = 2.0 * fit.optimal_params(frame["cumulative_logical_flop"].to_numpy())
per_step = (
    pd.DataFrame({"step": frame["step"], "tokens": tokens, "flop": tokens * flop_per_token})
    .groupby("step")
    .sum()
    .reindex(model["step"])
)
mean_flop_per_token = (per_step["flop"] / per_step["tokens"]).to_numpy()
price_per_token = model["price_usd_per_million_tokens"].to_numpy() / 1e6
cost_per_flop = model["cost_usd_per_logical_flop"].to_numpy()
serving_cost = cost_per_flop * mean_flop_per_token
ratio = price_per_token / serving_cost
span = years[-1] - years[0]


def fold_per_year(series: np.ndarray) -> float:
    """Factor by which a series changes per year, first to last step (>1: rises)."""
    return float((series[-1] / series[0]) ** (1.0 / span))


key(
    "K8",
    f"per year: cost per logical FLOP x{fold_per_year(cost_per_flop):.3g}, FLOP per token "
    f"x{fold_per_year(mean_flop_per_token):.3g}, price per token x{fold_per_year(price_per_token):.3g}"
    f" (1/{1 / fold_per_year(price_per_token):.3g})",
)
key(
    "K9",
    f"price / serving cost per token: {ratio[0]:.2g} at the start, {np.nanmax(ratio):.2g} at its "
    f"peak ({years[np.nanargmax(ratio)]:.0f}), {ratio[-1]:.2g} at the end; "
    f"markup cap 1 + max_markup = {1 + scenario.market.max_markup:g}",
)

# %%
fig = Figure(figsize=(10, 7.5), layout="constrained")
ax_idx, ax_ratio = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
for series, label, color in (
    (cost_per_flop, "cost per logical FLOP", "tab:red"),
    (mean_flop_per_token, "FLOP per token served (2·N_opt)", "tab:blue"),
    (serving_cost, "serving cost per token = cost/FLOP × FLOP/token", "tab:purple"),
    (price_per_token, "price per token (average paid)", "black"),
):
    ax_idx.plot(
        years,
        series / series[0],
        color=color,
        lw=2.2,
        label=f"{label}: ×{fold_per_year(series):.3g}/yr",
    )
ax_idx.axhline(1.0, color="0.5", lw=0.8)
ax_idx.set_yscale("log")
ax_idx.set_ylabel("relative to the first month, log scale")
ax_idx.set_title("Cost per FLOP falls fastest; bigger models claw part of it back")
ax_idx.legend(frameon=False, fontsize="small", loc="lower left")
ax_ratio.plot(years, ratio, color="tab:brown", lw=2)
ax_ratio.axhline(
    1 + scenario.market.max_markup,
    color="0.4",
    ls=":",
    label=f"markup cap, 1 + max_markup = {1 + scenario.market.max_markup:g}",
)
ax_ratio.set_ylim(bottom=0)
ax_ratio.set_ylabel("price / serving cost")
ax_ratio.set_xlabel("calendar year")
ax_ratio.set_title("Price over serving cost: markup, plus the training it pays for")
ax_ratio.legend(frameon=False, fontsize="small")
for ax in (ax_idx, ax_ratio):
    ax.grid(True, which="major", alpha=0.3)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
fig.suptitle("Lesson 3, figure 5: why tokens get cheaper more slowly than compute")
save(fig, "05_price_vs_cost.png")

# %%
lesson.print_key_numbers()

# %% [markdown]
# ## DEBRIEF (15 min)
#
# Check your predictions against the key numbers printed above (`K1`-`K9`).
#
# **Who leads, and why (P1, P2; K1-K3, figures 1 and 2).** Compare K1 with your ranking: is
# the leader the largest, the richest, or the one whose *own* link improves fastest? Figure 1
# answers the why. The site link is the same for every lab (they buy power from the same
# suppliers at the same mix), and the chip link differs little (they buy from the same
# vendors, with different fleet ages): links a lab *buys* are shared with its rivals and
# cannot separate them. The link a lab *owns*, its algorithms, is the one that can (K2). A
# doubling-rate advantage compounds (lesson 2), so a small lab with a faster rate overtakes
# large ones, as the hare did the turtle.
#
# Then look at K3: the runner-up's loss is a tiny fraction of a nat above the leader's, yet
# the market shares are far apart. Buyers here value *relative* excess loss, $\ln X$, with
# weight $\theta$: halving $X$ is worth as much near the floor as far from it. Is that how
# buyers behave? Near the floor, a difference of $10^{-5}$ nats is probably invisible to
# users. This modelling choice drives the winner-take-most outcome, and a good class
# discussion asks what a more realistic demand curve would do.
#
# **Who captures the value (P3; K4-K6, figure 3).** Read the sectors' cumulative profit and
# margins in K4 and K5. Vendors price with market power that rises with their share (a logit
# markup) and sell to every lab, whoever wins; suppliers earn scarcity rents when demand nears
# capacity. The labs compete their prices down as fast as their costs fall, and in the run
# the labs spend a fixed share of their cash each year on chips and R&D, funded by investors,
# whether or not it pays: check the years in K5 in which they lost money together. "Selling
# shovels in a gold rush" is one reading; another is that the labs' spending rule ignores
# returns, which real investors would not tolerate for long. Which reading do you find more
# convincing, and what evidence would tell them apart?
#
# **Concentration (P4; K7, figure 4).** The AI-services HHI moves from K7's starting value to
# its end value. The logit with a strong quality weight turns efficiency leads into market
# share, share into revenue and investor funding (half of it follows market share), and
# revenue into more chips: a feedback loop. The chip and energy markets' HHI are set by
# vendors' and suppliers' relative offers instead.
#
# **Price against cost (P5; K8, K9, figure 5).** The cost of a logical FLOP falls fastest.
# But the leader's model grows: compute-optimal $N$ rises as about $C^{0.5}$, so the FLOP
# needed per token rises (blue line), and the serving cost per token falls more slowly than
# the cost per FLOP. The price tracks the serving cost times a ratio (K9) that holds the
# markup *and* the training compute that serving revenue must pay for. So "AI gets 10x cheaper
# a year" depends on what you hold fixed: a fixed *capability* gets cheaper much faster than
# the frontier model, whose tokens carry an ever larger model.
#
# **Caveats.** Twenty years of two-plus doublings a year put the leader's compute and model
# size far beyond anything physical by the end (see its training compute in the summary); read
# the late years as the logic of the model, not a forecast.

# %% [markdown]
# ## EXERCISES
#
# 1. **(easy)** `effrace run baseline --years 10` and compare its summary with the 10-year
#    point of figures 2-4. Does the leader after ten years match the leader after twenty?
# 2. **(easy)** Rerun with another seed: `effrace run baseline --seed 3` (or
#    `--seed 3` to this script). Which key numbers move, and which stay put? What is random in
#    the model (see `docs/model.md`)?
# 3. **(medium)** Take away Efficient E's edge:
#    `effrace run baseline --set firms.4.algorithmic_doublings_per_year=1.2`. Who leads now,
#    and does the market end up less concentrated (compare the HHI in the summary)?
# 4. **(medium)** Make buyers care less about quality:
#    `effrace run baseline --set market.quality_sensitivity=2`. Predict first: what happens to
#    the HHI, the labs' margins and the leader's market share? Then check.
# 5. **(hard)** Vendors' market power: rerun with `--set market.chip_choice_sensitivity=6`
#    (labs switch vendors more readily, so vendors' logit markups fall). How do the sectors'
#    profit shares change? Relate the answer to the markup formula
#    $1/(\text{sensitivity}\,(1 - s))$ in `sim/markets.py` and to the debate about chip
#    makers' margins.

# %% [markdown]
# ## Figures you should see
#
# - `01_links_by_firm.png`: left, one bar per lab, leader on top, split into doublings of the
#   site link (green, the same for every lab), the chip link (orange, nearly the same) and the
#   lab's own algorithms (blue, where the labs differ), with each lab's final market share;
#   right, starting fleet (log x) against final market share (log y), marker area by starting
#   cash.
# - `02_loss_by_firm.png`: each lab's excess loss $L - E$ on a log axis over the 20 years,
#   with the papers' mean-field curve dashed (from the project's `sim/figures.py`).
# - `03_value_capture.png`: cumulative profit by sector, profit per calendar year as stacked
#   bars (losses hatched below zero), and margins per year by sector.
# - `04_market_shares.png`: top, stacked market shares of the labs and the outside option;
#   bottom, the HHI of AI services, chips and energy against the 0.18 line of the merger
#   guidelines.
# - `05_price_vs_cost.png`: top, cost per logical FLOP, FLOP per token, serving cost per token
#   and price per token relative to the first month on a log axis, each with its factor per
#   year in the legend; bottom, price over serving cost with the markup cap dotted.
