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
# suppliers in one market for 20 years. Every step the labs buy chips and power, spend on R&D
# as far as it pays (with lucky and unlucky breakthroughs), train down the shared scaling law
# and sell tokens to buyers who want **tasks done**: a buyer picks the lab, an open-weight
# model or no AI at all, by what a task done right is worth against its price, and leaning
# toward the model they already use. Investors fund the labs whose expected return beats
# their hurdle rate. Nothing about who wins is scripted.
#
# **Learning goals.** By the end of the lesson you can
#
# 1. explain who leads the race, when and why: early leads from large fleets, serving capacity
#    and lucky R&D; why a lead in *quality* erodes when every model nears the loss floor, while
#    a lead in *users* lasts (switching costs);
# 2. read who captures the value as each party's gain (consumer surplus, profit, taxes,
#    dividends, carbon damages) and its share of the gains, and where the margins sit;
# 3. measure concentration with the Herfindahl-Hirschman index (HHI) and relate it to how
#    buyers choose (a logit over tasks done right, tilted toward the model they already use);
# 4. explain why the price of a token falls far more slowly than the cost of a logical FLOP,
#    with the Bertrand-Nash markup.
#
# **Run it** as a script, `python docs/lessons/03_who_captures_value.py --out
# DIR`, or open it as a notebook (`jupytext --to notebook ...`). The same run is
# `effrace run baseline` (seed 0). Column meanings: `docs/outputs.md`; the model:
# `docs/model.md` (buyers 3.3.9, investors 3.3.10, innovation 3.3.16, value capture 3.3.17).

# %% [markdown]
# ## PREDICT (10 min)
#
# Run **only the first code cell** below (set-up): it prints the eight labs' starting
# positions (fleet, cash, own algorithmic doubling rate, strategy) and what buyers want. Then
# write down:
#
# - **P1.** Which lab leads (has the largest market share) after one year: the largest fleet,
#   the richest, or the one with the fastest algorithmic progress? Does the same lab still lead
#   after 20 years, and how often will the lead change hands?
# - **P2.** A buyer pays for a task done right. Two models differ by a ten-thousandth of a nat
#   per token and charge the same: how do buyers split between them? And if one of the two
#   already serves twice as many buyers as the other?
# - **P3.** Over 20 years, who gains most from AI: its buyers, the AI labs, the chip vendors,
#   the energy suppliers, investors or the government? Which producing sector has the highest
#   *margin* (profit / revenue)?
# - **P4.** Will the AI-services market be more or less concentrated at the end than at the
#   start? US merger guidelines call a market with HHI above 0.18 highly concentrated.
# - **P5.** The cost of a logical FLOP falls by many orders of magnitude. Does the price of a
#   token fall faster, slower or at the same rate? What could stop it falling?

# %% [markdown]
# ## RUN (15 min)

# %%
import argparse

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from experiments.lessons import Lesson
from sim import demand, figures, law
from sim.run import SECTORS, format_summary, simulate
from sim.scenario import load_scenario


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--years", type=float, default=None, help="horizon (default: scenario's)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0, as `effrace run`)")


lesson = Lesson("03", "Lesson 3: who wins and who captures the value.", _options)
args = lesson.args
OUT, key, claim, save = lesson.out, lesson.key, lesson.claim, lesson.save


def percent(share: float) -> str:
    """A share as a percentage with two significant digits below 1%: 97.7%, 0.045%."""
    return f"{share:.1%}" if abs(share) >= 0.01 else f"{share * 100:.2g}%"


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
market = scenario.market
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
print(
    f"buyers: a task takes {market.tokens_per_task:,.0f} tokens at the start (growing "
    f"{market.tokens_per_task_doublings_per_year:g} doublings a year toward "
    f"{market.tokens_per_task_ceiling:,.0f}) and is worth "
    f"{market.value_usd_per_task:g} USD done right; success = exp(-(L - E) / "
    f"{market.loss_scale_nats_per_token:g}); tastes differ by {market.taste_noise_usd_per_task:g} "
    f"USD per task; they lean toward the labs they already use (installed-base elasticity "
    f"{market.installed_base_elasticity:g}, memory {market.installed_base_years:g} years); "
    f"investors' hurdle rate {market.hurdle_rate_per_year:.0%} a year"
)

# %% [markdown]
# ### 1. Run the baseline and read the summary
#
# `simulate(scenario, seed)` returns a `RunResult`: `.model` has one row per step,
# `.agents` one row per agent per step, and `.summary()` the one-screen answer that
# `effrace run` prints.

# %%
result = simulate(scenario, seed=args.seed)
summary = result.summary()
print(format_summary(summary))
model, agents = result.model, result.agents
firms = agents[agents["agent_type"] == "firm"]
start_year = scenario.run.start_year
calendar = np.floor(model["year"].to_numpy() - scenario.run.dt_years / 2).astype(int)
step_year = dict(zip(model["step"].to_numpy(), calendar, strict=True))
floor = float(result.extras["loss_floor"])


def success(loss: np.ndarray | float) -> np.ndarray:
    """Probability that a model of this loss gets a task right (docs/model.md 3.3.9) [-]."""
    return np.asarray(
        demand.task_success(np.asarray(loss) - floor, market.loss_scale_nats_per_token)
    )


# %% [markdown]
# ### 2. Who leads, when, and why
#
# The leader is the lab buyers choose most (largest market share). We follow it year by year,
# ask whether the labs that start with the largest fleets win the first years, and split each
# lab's efficiency growth over the run into the doublings of its links: a link a lab *buys*
# (site, chips) against the one it *owns* (algorithms, where R&D and its breakthroughs act and
# rivals' discoveries spill over).

# %%
LINKS = {
    "site_efficiency": "site (1/PUE): suppliers",
    "chip_flop_per_joule": "chips (FLOP/J): vendors",
    "algorithmic_efficiency": "algorithms: the lab itself",
}
params = {f.name: f for f in scenario.firms}


def entry_of(name: str):
    """The scenario entry a lab comes from ("Entrant 2" is the second of "Entrant", count 2)."""
    return params.get(name) or params[name.rsplit(" ", 1)[0]]


first_year_step = min(int(scenario.run.steps_per_year), int(model["step"].iloc[-1]))
rows = []
for _, d in firms.sort_values("step").groupby("agent_id"):
    first, last = d.iloc[0], d.iloc[-1]
    early = d[d["step"] == first_year_step]
    row = {"lab": last["name"]}
    row.update({col: float(np.log2(last[col] / first[col])) for col in LINKS})
    row["elogical"] = float(
        np.log2(last["elogical_flop_per_joule"] / first["elogical_flop_per_joule"])
    )
    row.update(
        loss0=float(first["loss"]),
        loss=float(last["loss"]),
        share_early=float(early["market_share"].iloc[0]) if len(early) else np.nan,
        share=float(last["market_share"]),
        chips0=entry_of(last["name"]).chips,
        cash0=entry_of(last["name"]).cash_usd,
        profit=float(d["profit_usd"].sum()),
    )
    rows.append(row)
table = pd.DataFrame(rows).sort_values("share", ascending=False).reset_index(drop=True)
print("doublings over the run, by link (sorted by final market share, leader first)")
print(
    table[["lab", *LINKS, "elogical", "loss", "share_early", "share", "profit"]].to_string(
        index=False, float_format=lambda v: f"{v:.4g}"
    )
)

top = firms.loc[firms.groupby("step")["market_share"].idxmax(), ["step", "name"]]
top["cal"] = top["step"].map(step_year)
by_year = top.groupby("cal")["name"].agg(lambda names: names.value_counts().index[0])
periods: list[str] = []
for name in dict.fromkeys(by_year):
    periods.append(f"{name} {year_ranges([int(y) for y in by_year.index[by_year == name]])}")
# years, counting back from the last, in which the final leader was the most-often leader
changed = np.flatnonzero(by_year.to_numpy() != by_year.iloc[-1])
held_years = len(by_year) - (int(changed[-1]) + 1 if changed.size else 0)
n_labs = len(table)
early_leader = table.sort_values("share_early", ascending=False).iloc[0]
fleet_rank = int((table["chips0"] > early_leader["chips0"]).sum()) + 1
cash_rank = int((table["cash0"] > early_leader["cash0"]).sum()) + 1
leader = summary["leader"]
key(
    "K1",
    f"after one year {early_leader['lab']} leads with {early_leader['share_early']:.1%} of the "
    f"tasks (started {fleet_rank} of {n_labs} by fleet, {cash_rank} of {n_labs} by cash); at the "
    f"end {leader['name']} with {leader['market_share']:.1%}; the lead changed hands "
    f"{summary['lead_changes']} times. Most-often leader by year: {'; '.join(periods)}; the "
    f"final leader has led the last {held_years} of {len(by_year)} years",
)
fleet_vs_early = float(table["chips0"].rank().corr(table["share_early"].rank()))
fleet_vs_end = float(table["chips0"].rank().corr(table["share"].rank()))
key(
    "K2",
    f"rank correlation of starting fleet with market share: {fleet_vs_early:+.2f} after one "
    f"year, {fleet_vs_end:+.2f} at the end (+1: the bigger the fleet, the larger the share)",
)
spread = {col: float(table[col].max() - table[col].min()) for col in LINKS}
algo = firms.pivot_table(index="step", columns="agent_id", values="algorithmic_efficiency")
gap_doublings = np.log2(algo.max(axis=1) / algo.median(axis=1))
widest = int(gap_doublings.to_numpy().argmax())
key(
    "K3",
    "spread of doublings between labs over the run (best minus worst): "
    + ", ".join(f"{LINKS[c].split(':')[0]} {spread[c]:.2f}" for c in LINKS)
    + f"; the best lab's algorithms were at most {gap_doublings.iloc[widest]:.2f} doublings "
    f"ahead of the median lab's ({step_year[algo.index[widest]]}), "
    f"{gap_doublings.iloc[-1]:.2f} at the end",
)
losses0, losses1 = table["loss0"].to_numpy(), table["loss"].to_numpy()
key(
    "K4",
    f"task success, worst to best lab: {success(losses0.max()):.1%}-{success(losses0.min()):.1%} "
    f"in the first month, {success(losses1.max()):.3%}-{success(losses1.min()):.3%} at the end "
    f"(losses {losses1.max() - losses1.min():.2g} nats apart); market shares at the end "
    f"{table['share'].min():.2%}-{table['share'].max():.2%}, after one year "
    f"{table['share_early'].min():.1%}-{table['share_early'].max():.1%}",
)
claim(
    "C1",
    summary["lead_changes"] >= 2 and by_year.nunique() >= 2 and held_years >= len(by_year) / 3,
    "the lead passes from lab to lab, then holds: the lead changes hands at least twice, at "
    "least two labs are the most-often leader of some year, and the lab that leads at the end "
    "has led every year of the run's last third",
)
claim(
    "C2",
    fleet_vs_early > 0.5 and abs(fleet_vs_end) < fleet_vs_early,
    "early market shares follow the starting fleets (rank correlation above 0.5), and less "
    "so at the end",
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
ax_bar.set_title("Efficiency growth by link, leader at the end on top")
ax_bar.legend(
    frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize="small"
)
ax_bar.grid(True, axis="x", alpha=0.3)
for column, label, style in (
    ("share_early", "after one year", {"color": "tab:purple"}),
    ("share", "at the end", {"facecolor": "none", "edgecolor": "tab:purple"}),
):
    ax_size.scatter(
        table["chips0"], table[column], s=20 + table["cash0"] / 1e8, label=label, **style
    )
for i, (_, row) in enumerate(table.sort_values("chips0").iterrows()):
    ax_size.annotate(
        row["lab"],
        (row["chips0"], row["share_early"]),
        xytext=(6, 4 if i % 2 else -12),  # alternate, so neighbours' labels do not collide
        textcoords="offset points",
        fontsize="small",
    )
ax_size.set_xscale("log")
ax_size.xaxis.set_major_locator(ticker.LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
ax_size.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
ax_size.xaxis.set_minor_formatter(ticker.NullFormatter())
ax_size.yaxis.set_major_formatter(ticker.PercentFormatter(xmax=1.0))
ax_size.set_ylim(bottom=0)
ax_size.set_xlabel("chips at the start (log scale); marker area grows with starting cash")
ax_size.set_ylabel("market share (share of potential tasks)")
ax_size.set_title("Does starting big win? Early, yes; at the end, no")
ax_size.legend(frameon=False, fontsize="small")
ax_size.grid(True, which="major", alpha=0.3)
fig.suptitle("Lesson 3, figure 1: who leads the race, and which link of the chain put them there")
save(fig, "01_links_by_firm.png")

# %% [markdown]
# The project's own figure of the race (the same one `effrace run` draws): each lab's excess
# loss over time against the papers' mean-field curve.

# %%
save(figures.loss_by_firm(result), "02_loss_by_firm.png")

# %% [markdown]
# ### 3. Who captures the value: each party's gain
#
# The market creates value for everyone it touches. **Buyers** gain their consumer surplus:
# what the tasks were worth to them above what they paid (against a world without AI).
# **Producers** gain profit: revenue minus costs (chips, energy, R&D, depreciation, fabrication,
# fuel, taxes); the AI labs' is counted after the dividends they pay to **investors**, whose
# gain is those dividends. The **government** gains taxes less subsidies, and emissions do
# **carbon damages** at the social cost of carbon. Their sum is the total surplus; prices,
# taxes and dividends move money between parties and cancel in it. A party's *share of the
# gains* is its gain over the sum of the gains of those who gain, so it is never a share of a
# negative total, and a party that loses has a negative share.

# %%
surplus, shares = summary["surplus_usd"], summary["surplus_share"]
print(f"{'party':<15}{'gain [USD]':>12}{'share':>8}{'revenue':>12}{'margin':>8}")
for party, value in surplus.items():
    line = f"{party:<15}{value:>12.3g}{percent(shares[party]):>8}"
    if party in SECTORS:
        line += f"{float(model[f'revenue_{party}_usd'].sum()):>12.3g}"
        line += f"{percent(summary['margin'][party]):>8}"
    print(line)
print(f"{'total surplus':<15}{sum(surplus.values()):>12.3g}")
key(
    "K5",
    f"total surplus {sum(surplus.values()) / 1e12:.3g}T USD (buyers paid the labs "
    f"{float(model['revenue_firms_usd'].sum()) / 1e12:.3g}T for their tasks); gains and shares: "
    + ", ".join(f"{p} {v / 1e12:+.3g}T ({percent(shares[p])})" for p, v in surplus.items()),
)
yearly = (
    pd.DataFrame(
        {
            **{f"profit_{s}": model[f"profit_{s}_usd"] for s in SECTORS},
            **{f"revenue_{s}": model[f"revenue_{s}_usd"] for s in SECTORS},
        }
    )
    .assign(cal=calendar)
    .groupby("cal")
    .sum()
)
loss_years = [int(y) for y in yearly.index[yearly["profit_firms"] < 0]]
labs_margin = yearly["profit_firms"] / yearly["revenue_firms"]
profit = summary["cumulative_profit_usd"]
best_margin = max(SECTORS, key=lambda s: summary["margin"][s])
most_profit = max(SECTORS, key=lambda s: profit[s])
key(
    "K6",
    "producers' profit: "
    + ", ".join(
        f"{s} {profit[s] / 1e12:+.3g}T (margin {percent(summary['margin'][s])})" for s in SECTORS
    )
    + f"; most profit: {most_profit}, highest margin: {best_margin}. AI labs' margin peaks at "
    f"{labs_margin.max():.0%} in {int(labs_margin.idxmax())}, is {labs_margin.iloc[-1]:.0%} in "
    f"{int(labs_margin.index[-1])}; years in which the labs together lost money: "
    f"{year_ranges(loss_years)}",
)
funding = model.groupby(calendar)["investor_funding_usd"].sum()
funded_years = [int(y) for y in funding.index[funding > 0.01 * funding.max()]]
last_funded = max(funded_years) if funded_years else None
key(
    "K7",
    f"investors funded the labs with {summary['investor_funding_usd'] / 1e12:.3g}T USD (peak "
    f"{funding.max() / 1e9:.3g}B in {int(funding.idxmax())}), funding above 1% of the peak "
    f"year's until {last_funded}; they received {summary['dividends_usd'] / 1e12:.3g}T in "
    f"dividends; net return (net of all they paid in, plus what they own) "
    f"{summary['investors_net_return_usd'] / 1e12:+.3g}T",
)
vendors = agents[agents["agent_type"] == "vendor"]
vendor_profit = vendors.groupby("name")["profit_usd"].sum().sort_values(ascending=False)
chips_hhi = model["hhi_chips"]
key(
    "K8",
    f"top vendor {vendor_profit.index[0]} earns {vendor_profit.iloc[0] / vendor_profit.sum():.0%} "
    f"of the vendors' profit; chip-market HHI {chips_hhi.iloc[0]:.2f} -> {chips_hhi.iloc[-1]:.2f}",
)
claim(
    "C3",
    max(shares, key=lambda p: shares[p]) == "consumers",
    "buyers (consumer surplus) take the largest share of the gains",
)
claim(
    "C4",
    best_margin == "vendors" and most_profit == "vendors",
    "of the producers, the hardware vendors earn the most profit and the highest margin",
)
late = funding.index >= funding.index[-1] - 4
claim(
    "C5",
    bool(funding[late].sum() < 0.01 * funding.sum()),
    "investors stop funding the labs: the last five years bring under 1% of all funding",
)

# %%
save(figures.value_capture(result), "03_value_capture.png")

# %% [markdown]
# ### 4. Market shares and concentration
#
# A buyer who gives a task to lab $f$ gets $u_f = v\\,\\text{success}_f - T p_f$ dollars: the
# task's value $v$ times the chance the model gets it right, $\\text{success}_f = e^{-(L_f -
# E)/\\ell}$ with $\\ell$ the loss scale, less the price of its $T$ tokens. Tastes differ by a
# Gumbel noise of scale $\\mu$, so the share of tasks lab $f$ wins is a logit,
# $s_f = e^{u_f/\\mu} / (1 + e^{u_\\text{open}/\\mu} + \\sum_g e^{u_g/\\mu})$, where the 1 is not
# buying and $u_\\text{open}$ an open-weight model priced near its cost. Quality is *bounded*:
# once every model gets nearly every task right, the labs' offers look alike. The HHI is the
# sum of squared shares of revenue: 1 for a monopoly, $1/n$ for $n$ equal firms.
#
# Buyers also lean toward the model they already use: **switching costs**. Their prompts,
# tools and fine-tunes are built around it, their staff know its quirks, and moving costs
# effort. Each lab has an *installed base* $b_f$, its share of the labs' tasks over about the
# last two years, and $u_f$ gains $\\lambda\\mu\\ln(n b_f)$ dollars (`docs/model.md` 3.3.9).
# A lab with an average base ($n b_f = 1$) gains nothing; one with twice the average has its
# choice weight $e^{u_f/\\mu}$ multiplied by $2^{\\lambda}$ (1.87 at the default $\\lambda =
# 0.9$, printed at the set-up); a lab without users counts as a tenth of an average one.
# Since $\\lambda < 1$, shares still drift back toward equal when quality and price no longer
# differ, but slowly: a gap shrinks each year by about $(1 - \\lambda)$ divided by the memory,
# 5% a year at the defaults.

# %%
hhi = model["hhi_ai_services"].to_numpy()
years = model["year"].to_numpy()
above = np.flatnonzero(hhi > figures.HHI_HIGHLY_CONCENTRATED)
n_active = int(model["n_firms_active"].iloc[-1])
outside = model["outside_option_share"].to_numpy()
key(
    "K9",
    f"AI-services HHI {hhi[0]:.3f} in the first month, {hhi.max():.3f} at most "
    f"({years[hhi.argmax()]:.1f}), {hhi[-1]:.3f} at the end against 1/{n_active} = "
    f"{1 / n_active:.3f} for equal shares"
    + (
        f"; above {figures.HHI_HIGHLY_CONCENTRATED} (highly concentrated) in {above.size} of "
        f"{len(years)} steps ({year_ranges(sorted({int(calendar[i]) for i in above}))})"
        if above.size
        else f"; never above {figures.HHI_HIGHLY_CONCENTRATED} (highly concentrated)"
    )
    + f". Outside options' share of tasks (open model or no AI): {outside[0]:.1%} in the first "
    f"month, {outside.max():.1%} at most ({years[outside.argmax()]:.1f}), "
    f"{outside[-1]:.1%} at the end",
)
final_step = firms[firms["step"] == firms["step"].max()]
final_shares = final_step.loc[final_step["market_share"] > 0, "market_share"]
claim(
    "C6",
    abs(hhi[-1] - 1 / n_active) < 0.1 / n_active and final_shares.max() > 1.2 * final_shares.min(),
    "at the end the labs' shares are close but not equal: the HHI is within 10% of 1/n, yet "
    "the largest share is over 1.2 times the smallest",
)

# %%
save(figures.market_shares(result), "04_market_shares.png")

# %% [markdown]
# ### 5. Price per token against the cost of serving it
#
# A token costs about $2N$ FLOP to serve, with $N$ the model's parameters, and a
# compute-optimal model grows with its training compute (lesson 1). So the cost of serving a
# token is (cost per logical FLOP) × (FLOP per token). Each lab prices at the Bertrand-Nash
# equilibrium of the logit market: its price per token is its cost plus a markup of
# $\\mu / (T (1 - s_f))$, which rises with its share and with how much tastes differ, and does
# not fall when costs do. (A lab short of serving capacity charges more, until buyers' demand
# fits what it can serve.) We rebuild both parts from the tables: tokens per lab are revenue /
# price, FLOP per token is $2N_\\text{opt}(C)$ of the lab's model.

# %%
fit = law.CHINCHILLA_FITS.get(scenario.law.preset, law.CHINCHILLA_FITS["hoffmann"])
frame = firms[
    [
        "step",
        "revenue_usd",
        "price_usd_per_million_tokens",
        "cumulative_logical_flop",
        "market_share",
    ]
]
price = frame["price_usd_per_million_tokens"].to_numpy()
tokens = np.where(
    price > 0, frame["revenue_usd"].to_numpy() / np.where(price > 0, price, 1) * 1e6, 0
)
flop_per_token = 2.0 * fit.optimal_params(frame["cumulative_logical_flop"].to_numpy())
# tasks take more tokens over time: the step's T, from the model table
task_tokens = frame["step"].map(model.set_index("step")["tokens_per_task"]).to_numpy()
nash_markup = np.asarray(
    demand.logit_markup_usd_per_token(
        frame["market_share"].to_numpy(), market.taste_noise_usd_per_task, task_tokens
    )
)
per_step = (
    pd.DataFrame(
        {
            "step": frame["step"],
            "tokens": tokens,
            "flop": tokens * flop_per_token,
            "markup": tokens * nash_markup,
        }
    )
    .groupby("step")
    .sum()
    .reindex(model["step"])
)
mean_flop_per_token = (per_step["flop"] / per_step["tokens"]).to_numpy()
mean_markup = (per_step["markup"] / per_step["tokens"]).to_numpy()  # [USD/token]
price_per_token = model["price_usd_per_million_tokens"].to_numpy() / 1e6
cost_per_flop = model["cost_usd_per_logical_flop"].to_numpy()
serving_cost = cost_per_flop * mean_flop_per_token
nash_price = serving_cost + mean_markup
# mu / T [USD/token], with the step's T
floor_markup = market.taste_noise_usd_per_task / model["tokens_per_task"].to_numpy()
span = years[-1] - years[0]


def fold_per_year(series: np.ndarray) -> float:
    """Factor by which a series changes per year, first to last step (>1: rises)."""
    return float((series[-1] / series[0]) ** (1.0 / span))


above_nash = np.flatnonzero(price_per_token > 1.05 * nash_price)
key(
    "K10",
    f"per year: cost per logical FLOP x{fold_per_year(cost_per_flop):.3g}, FLOP per token "
    f"x{fold_per_year(mean_flop_per_token):.3g}, serving cost per token "
    f"x{fold_per_year(serving_cost):.3g}, price per token x{fold_per_year(price_per_token):.3g}"
    f" (1/{1 / fold_per_year(price_per_token):.3g})",
)
key(
    "K11",
    f"price {price_per_token[0] * 1e6:.3g} -> {price_per_token[-1] * 1e6:.3g} USD per million "
    f"tokens; at the end serving cost {serving_cost[-1] * 1e6:.2g} and Nash markup "
    f"mu/(T(1-s)) {mean_markup[-1] * 1e6:.3g} USD per million tokens (its floor mu/T = "
    f"{floor_markup[-1] * 1e6:.3g}); the price stood more than 5% above cost + Nash markup (labs "
    f"short of serving capacity) in {above_nash.size} of {len(years)} steps"
    + (f", last in {years[above_nash[-1]]:.1f}" if above_nash.size else ""),
)
claim(
    "C7",
    abs(price_per_token[-1] / nash_price[-1] - 1) < 0.05 and mean_markup[-1] > 0.9 * nash_price[-1],
    "at the end the price is the serving cost plus the Nash markup (within 5%), and the markup "
    "is over 90% of it",
)

# %%
fig = Figure(figsize=(10, 7.5), layout="constrained")
ax_idx, ax_price = fig.subplots(2, 1, sharex=True, height_ratios=[1.4, 1])
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
ax_price.plot(years, price_per_token * 1e6, color="black", lw=2.4, label="price paid")
ax_price.plot(
    years, nash_price * 1e6, color="tab:brown", lw=1.6, ls="--", label="serving cost + Nash markup"
)
ax_price.plot(years, serving_cost * 1e6, color="tab:purple", lw=1.6, label="serving cost")
ax_price.plot(years, floor_markup * 1e6, color="0.4", ls=":", label="markup floor mu/T")
ax_price.set_yscale("log")
ax_price.set_ylabel("USD per million tokens, log")
ax_price.set_xlabel("calendar year")
ax_price.set_title("The price settles on the Nash markup as serving costs vanish")
ax_price.legend(frameon=False, fontsize="small", loc="lower left")
for ax in (ax_idx, ax_price):
    ax.grid(True, which="major", alpha=0.3)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
fig.suptitle("Lesson 3, figure 5: why tokens get cheaper more slowly than compute")
save(fig, "05_price_vs_cost.png")

# %%
lesson.print_key_numbers()

# %% [markdown]
# ## DEBRIEF (15 min)
#
# Check your predictions against the key numbers printed above (`K1`-`K11`) and the claims
# (`C1`-`C7`: statements of this debrief that the run checks; in the default run, 20 years
# with seed 0, each prints "holds"; with `--years` or `--seed` some may not, and which ones is
# worth a discussion).
#
# **Who leads, and when (P1; K1, K2, C1, C2, figure 1).** Early on, the labs with the largest
# fleets lead (C2, K2): compute in hand trains a better model soonest, and a better model wins
# more tasks. Then the lead passes from lab to lab (C1, K1), and two forces move it. R&D comes
# in *breakthroughs* of random size, so a lab can jump ahead by luck; and serving capacity is
# short for years (tasks take more tokens every year), so the lab with the capacity to serve
# buyers at a low price when they come back wins them (see Concentration, below). A lead in
# *efficiency* does not last: knowledge *spills over*, so followers' algorithms catch up toward
# the leader's, faster when a lab releases open weights. Figure 1's bars show the result: the
# links a lab *buys* (site, chips) are nearly the same for everyone, and even the link it owns,
# algorithms, ends only a fraction of a doubling apart across labs (about a fifth of one at
# seed 0, a tenth to a half over seeds 0-11, leaving out labs that enter late and so grow for
# fewer years), a small part of what each gained (K3): luck opens
# gaps of several doublings (K3's widest), spillovers close them again. Compare with lesson 2,
# where a faster own rate compounded into a permanent lead: here the rates are endogenous and
# leaks are fast. And yet the last lead holds (C1): the lab that leads in the 2030s leads to the
# end, if narrowly: ahead of the runner-up by 1.1 points of the market at seed 0 (from about
# a tenth of a point to about two points over seeds 0-5; K4 and the summary's market
# shares). That is seed 0's history, not a law: C1 holds at each of seeds 0-11, but at four of
# them (seed 0 among them) only two labs ever lead a year, the second taking the lead by 2030
# and keeping it, while at the other eight a third lab leads some years, at one of them until
# 2037. The leader's
# model is at best a hair better, which buyers hardly notice (next paragraph); it is ahead on
# *users*: buyers stay with the model they know.
#
# **Why buyers stop caring about quality (P2; K4, figure 2).** Buyers value a model by the share
# of tasks it gets right, $e^{-(L - E)/\ell}$: bounded at 100%. Early on models differ by
# hundredths of a nat and success rates differ visibly (K4, first month). Twenty years of
# doublings later every lab is within a tiny distance of the loss floor, every model gets
# practically every task right, and a difference of $10^{-4}$ nats is worth almost nothing:
# buyers cannot tell the labs apart by quality, and what is left to choose on is price, taste
# and habit. That is the answer to P2: at equal prices, two models that close split the buyers
# by their installed bases, evenly if they serve equally many already, and in favour of the one
# more buyers already use if not (with twice the users, it wins nearly twice the share).
# *Commoditisation*: the product became a commodity because quality saturated, not because
# anyone stopped improving; the installed base is what is left to differ.
#
# **Who captures the value (P3; K5-K8, C3-C5, figure 3).** Read K5 and C3: the buyers take
# almost all of the gains, because competition between near-identical models passes the
# falling costs on to them, and the tasks done are worth far more than what is paid for them.
# Among the producers (K6, C4), the hardware vendors earn the most and at the highest margin:
# they sell to every lab whoever wins, and labs choose between only three vendors with a logit
# whose markup rises with a vendor's share. The labs' margins are healthy while their models
# differ and collapse once they do not (K6: the peak year against the last, and the years in
# which the labs together lost money). Investors follow returns, not shares (K7, C5): they fund
# a lab while its expected return beats the hurdle rate and stop when commoditised margins no
# longer do; dividends flow back while the labs are profitable. A share of the gains is taken
# of what the gainers gained, so the carbon damages show as a small negative share rather than
# making a total negative.
#
# **Concentration (P4; K9, C6, figure 4).** The HHI starts moderate, since the fleets differ,
# and crosses the 0.18 line of "highly concentrated" only in short bursts (K9), when one lab
# pulls ahead. It ends near $1/n$, but not at it (C6): the shares are close, not equal. Two
# forces meet here. Quality no longer sets the labs apart, which pulls the shares together;
# switching costs hold them apart. Buyers lean toward the model they already use, so a lab that
# wins many buyers keeps most of them, and the gap closes only at the slow rate of section 4
# (about 5% a year): a lead won in the early 2030s is still there at the end of the run,
# shrinking (K1, C1). Switching costs also mark the boundary of the story: they keep a lead,
# they do not create one (the lab needed better quality, more capacity or a lower price to win
# the buyers first). The outside options take most of the tasks in the late 2020s (K9's peak):
# tasks take more tokens every year (a hundredfold by the early 2030s, see the set-up), the
# labs' serving fleets lag behind, labs short of capacity price high (K11 counts those steps), a
# task done by a lab costs more than it is worth to many buyers, and they turn to the open model
# or do without. When the fleets catch up (K11's last such step), buyers come back to the labs,
# and whoever serves them then keeps them. In the last years the outside options grow again: an
# open-weight model priced near its cost keeps improving, reaches the floor too, and takes the
# buyers whose tastes favour it. The chip market stays more concentrated than AI services (K8):
# vendors compete on lifetime FLOP per dollar, and the best design wins a large share of every
# lab's orders.
#
# **Price against cost (P5; K10, K11, C7, figure 5).** The cost of a logical FLOP falls
# fastest. But models grow: compute-optimal $N$ rises as about $C^{0.5}$, so the FLOP needed
# per token rises (blue line), and the serving cost per token falls more slowly than the cost
# per FLOP (K10). The price falls far more slowly still, and then stops: each lab prices at its
# cost plus the Bertrand-Nash markup $\mu/(T(1 - s))$, which does not fall with cost. With eight
# near-equal labs $s$ is small and the markup is close to its floor $\mu/T$ (K11); once serving
# costs are tiny, the price *is* the markup (C7). Early on the price can sit above cost plus
# markup: a lab short of serving capacity prices until demand fits it (K11 counts those steps).
# So "AI gets 10x cheaper a year" depends on what you hold fixed: a fixed *capability* (the open
# model, priced near cost) gets cheaper fast; the frontier's tokens carry a markup set by how
# much buyers' tastes differ.
#
# **Caveats.** Twenty years of two-plus doublings a year put the labs' compute and model sizes
# far beyond anything physical by the end (see the training compute in the summary); read the
# late years as the logic of the model, not a forecast. The buyers' value per task, the loss
# scale and the taste noise are calibrated to a few public numbers (docs/model.md 3.3.9) and
# decide much of the story: the exercises vary them. So does the strength of switching costs,
# $\lambda$, which is an assumption rather than an estimate; and the labs price without valuing
# the users they win (a forward-looking lab would price low to build its base), so the race for
# users is fought less hard here than it might be.

# %% [markdown]
# ## EXERCISES
#
# 1. **(easy)** `effrace run baseline --years 10` and compare its summary with the 10-year
#    point of figures 3 and 4. Who leads after ten years? How large are the labs' margins and
#    their share of the gains then, against the twenty-year run?
# 2. **(easy)** Luck: the `symmetric` scenario has identical labs, so any lead is earned in
#    the run. Run `effrace run symmetric --seed 1`, then `--seed 2` to `--seed 5`. Which lab
#    has the best model at the end each time (its loss and its algorithms' doublings a year
#    against the runner-up's), how often does the lead change hands, and what are the final
#    market shares and HHI (add `--json` for `final_hhi_ai_services` to four digits)? What is
#    random in the model (see `docs/model.md`, 3.3.16)?
# 3. **(easy)** Switching costs: `effrace run baseline --set
#    market.installed_base_elasticity=0` turns them off (buyers no longer lean toward the model
#    they already use). Compare with the default run: how often does the lead change hands,
#    who leads at the end and by how much, and how equal are the final shares? Which claims of
#    this debrief would no longer hold?
# 4. **(medium)** Tastes and markups: `effrace run baseline --set
#    market.taste_noise_usd_per_task=0.3`. Predict first, from the markup $\mu/(T(1-s))$: what
#    happens to the final price per million tokens, the labs' margins and the buyers' share of
#    the gains? Then check against the summary.
# 5. **(medium)** Buyers who notice small differences: `effrace run baseline --set
#    market.loss_scale_nats_per_token=0.01` (ten times more sensitive to quality). Does the
#    market stay concentrated for longer (compare the HHI and the lead changes)? Do the labs
#    keep their margins longer? Relate the answer to the success rates in K4, and to switching
#    costs (rerun adding `--set market.installed_base_elasticity=0`).
# 6. **(hard)** Investors' patience: rerun with `--set market.hurdle_rate_per_year=0.05` and
#    with `=0.25`. How much do investors pay in, what dividends come back, and until when do
#    they fund the labs (add `--json` and look at `investor_funding_usd`, or load `model.csv`
#    and sum `investor_funding_usd` per year)? Does cheaper capital change who leads or the
#    price buyers pay? Explain with the funding rule of `docs/model.md` 3.3.10.

# %% [markdown]
# ## Figures you should see
#
# - `01_links_by_firm.png`: left, one bar per lab, the leader at the end on top, split into
#   doublings of the site link (green, the same for every lab), the chip link (orange, nearly
#   the same) and the lab's own algorithms (blue), with each lab's final market share; right,
#   starting fleet (log x) against market share after one year (filled) and at the end
#   (hollow), marker area by starting cash.
# - `02_loss_by_firm.png`: each lab's excess loss $L - E$ on a log axis over the 20 years,
#   with the papers' mean-field curve dashed (from the project's `sim/figures.py`).
# - `03_value_capture.png`: each party's share of the gains since the start (buyers, AI labs,
#   vendors, suppliers, government, investors, and carbon damages below zero), producers'
#   profit per calendar year as stacked bars (losses hatched below zero), and margins per year
#   by sector.
# - `04_market_shares.png`: top, stacked market shares of the labs and the outside options
#   (open model, no AI); bottom, the HHI of AI services, chips and energy against the 0.18
#   line of the merger guidelines.
# - `05_price_vs_cost.png`: top, cost per logical FLOP, FLOP per token, serving cost per token
#   and price per token relative to the first month on a log axis, each with its factor per
#   year in the legend; bottom, in USD per million tokens, the price paid, the serving cost,
#   their sum with the Nash markup (dashed) and the markup floor $\mu/T$ (dotted).
