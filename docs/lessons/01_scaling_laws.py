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
# # Lesson 1: Scaling laws and diminishing returns
#
# *One class period (about 50 minutes): PREDICT 10 min, RUN 15 min, DEBRIEF 15 min,
# EXERCISES 10 min in class (the harder ones as homework).*
#
# A language model's loss falls as a power of the compute spent training it:
#
# $$L(C) = E + K\,C^{-\kappa}$$
#
# with $C$ the *logical* training compute in FLOP, $E$ the irreducible loss (the floor no amount
# of compute removes) and $\kappa$ the compute exponent. The law is reliable, and that is its
# sting: because $\kappa$ is small, every further step down the curve costs a multiple of
# everything spent so far.
#
# **Learning goals.** By the end of the lesson you can
#
# 1. read the three parts of $L(C)$ and explain why the *excess* loss $L - E$ is a straight line
#    on log-log axes;
# 2. derive $\kappa = \alpha\beta/(\alpha+\beta)$ from the Chinchilla fit
#    $L(N, D) = E + A N^{-\alpha} + B D^{-\beta}$ and compute the compute-optimal model size
#    $N_\text{opt}$ and training tokens $D_\text{opt}$ for a budget $C = 6ND$;
# 3. compute how much compute a target loss needs, $C(L^*) = (K/(L^*-E))^{1/\kappa}$, and say
#    why it explodes as $L^* \to E$;
# 4. turn compute into its physical burden, joules and dollars, at today's efficiency.
#
# **Run it** as a script, `python docs/lessons/01_scaling_laws.py --out DIR`, or
# open it as a notebook (`jupytext --to notebook docs/lessons/01_scaling_laws.py`). Sources:
# Hoffmann et al. 2022 (Chinchilla, arXiv 2203.15556), Besiroglu et al. 2024 (refit, arXiv
# 2404.10102), Kaplan et al. 2020 (arXiv 2001.08361), Lu 2025 (arXiv 2501.02156) and Lu 2026
# (arXiv 2603.28507); the project's `docs/analytic.md` writes every equation out.

# %% [markdown]
# ## PREDICT (10 min)
#
# Write your answers down *before* running anything. Rough numbers are fine; what matters is
# that you commit to them.
#
# The three fits we use:
#
# | fit | E | A | B | alpha | beta |
# |---|---|---|---|---|---|
# | Hoffmann 2022 | 1.69 | 406.4 | 410.7 | 0.34 | 0.28 |
# | Besiroglu 2024 | 1.8172 | 482.01 | 2085.43 | 0.3478 | 0.3658 |
#
# Kaplan 2020 fitted a compute-only law directly: $E = 0$ and $\kappa = 0.050$ (on another
# data set, so its loss values are not comparable with the other two; its $\kappa$ is).
#
# - **P1.** Compute $\kappa = \alpha\beta/(\alpha+\beta)$ for Hoffmann and Besiroglu by hand.
#   Which fit gives the larger cut in excess loss for each multiple of compute?
# - **P2.** With the Besiroglu fit, by what factor must compute grow to *halve* the excess loss
#   $L - E$? (Hint: solve $(C_1/C_0)^{-\kappa} = 1/2$.) And with Kaplan's $\kappa = 0.05$?
# - **P3.** Ten times more compute: by what percentage does the excess loss fall? Is that the
#   same going from $10^{24}$ to $10^{25}$ FLOP as from $10^{28}$ to $10^{29}$?
# - **P4.** A $10^{24}$ FLOP budget (a large 2023 model): how many parameters and how many
#   training tokens would you choose? How many tokens per parameter?
# - **P5.** Today's frontier model used about $10^{25}$ FLOP. A model with a *tenth* of its
#   excess loss: would the electricity to train it at today's efficiency be closer to a data
#   centre's year (~1 TWh), a country like the UK (~300 TWh a year), the US (~4,000 TWh a year)
#   or the world (~29,000 TWh a year)? And its cost: millions, billions or trillions of dollars?

# %% [markdown]
# ## RUN (15 min)
#
# Run the cells in order. Each prints a table, and the figures are saved as PNG files in the
# output folder (`--out`, default a folder under the system's temporary folder, printed at the end). The key numbers are collected as
# `K1`, `K2`, ... and printed together at the end; the debrief refers to them by label.

# %%
import math

import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from experiments.lessons import Lesson
from sim import law, markets
from sim.params import JOULES_PER_MWH, FirmParams, SupplierParams, VendorParams

lesson = Lesson("01", "Lesson 1: scaling laws and diminishing returns.")
OUT, key, save = lesson.out, lesson.key, lesson.save


PRESETS = ("hoffmann", "besiroglu", "kaplan")
LABELS = {"hoffmann": "Hoffmann 2022", "besiroglu": "Besiroglu 2024", "kaplan": "Kaplan 2020"}
COLORS = {"hoffmann": "tab:blue", "besiroglu": "tab:orange", "kaplan": "tab:green"}
LAWS = {name: law.get_law(name) for name in PRESETS}

# %% [markdown]
# ### 1. The three laws, and what kappa means
#
# `law.get_law(name)` returns the compute-only law $L(C) = E + K C^{-\kappa}$ of a preset. For
# the two Chinchilla fits, $\kappa$ and $K$ are derived from $(E, A, B, \alpha, \beta)$ by the
# compute-optimal split (docs/analytic.md item 2); we recompute $\kappa$ by hand to check.

# %%
print(f"{'fit':<16}{'E':>8}{'K':>10}{'kappa':>9}{'by hand':>9}{'x to halve':>13}{'per 10x':>9}")
for name, lw in LAWS.items():
    fit = law.CHINCHILLA_FITS.get(name)
    by_hand = (
        fit.param_exponent * fit.data_exponent / (fit.param_exponent + fit.data_exponent)
        if fit
        else math.nan
    )
    halve = 2.0 ** (1.0 / lw.kappa)  # (C1/C0)^-kappa = 1/2
    per_decade = 1.0 - 10.0 ** (-lw.kappa)  # share of the excess removed by 10x compute
    print(
        f"{LABELS[name]:<16}{lw.loss_floor:>8.4g}{lw.k_coefficient:>10.5g}{lw.kappa:>9.4f}"
        f"{'-' if math.isnan(by_hand) else f'{by_hand:.4f}':>9}{halve:>13.4g}{per_decade:>9.1%}"
    )

key(
    "K1",
    f"kappa: Hoffmann {LAWS['hoffmann'].kappa:.4f}, Besiroglu {LAWS['besiroglu'].kappa:.4f}, "
    f"Kaplan {LAWS['kaplan'].kappa:.3f}",
)
key(
    "K2",
    "compute multiple to halve the excess loss: "
    + ", ".join(f"{LABELS[n]} {2.0 ** (1.0 / LAWS[n].kappa):,.0f}x" for n in PRESETS),
)
key(
    "K3",
    "share of the excess loss removed by each 10x of compute: "
    + ", ".join(f"{LABELS[n]} {1.0 - 10.0 ** (-LAWS[n].kappa):.1%}" for n in PRESETS),
)
besiroglu = LAWS["besiroglu"]
drops = [besiroglu.loss(c) - besiroglu.loss(10.0 * c) for c in (1e24, 1e28)]
key(
    "K4",
    f"Besiroglu loss drop for 10x compute: {drops[0]:.4f} nats from 1e24 to 1e25 FLOP, "
    f"{drops[1]:.4f} nats from 1e28 to 1e29 FLOP",
)

# %% [markdown]
# **Figure 1** draws the laws twice: the loss itself (linear axis), where the curves flatten
# towards their floors, and the excess loss $L - E$ on log-log axes, where each is a straight
# line of slope $-\kappa$.

# %%
compute = np.logspace(18, 34, 400)
fig = Figure(figsize=(11, 4.8), layout="constrained")
ax_loss, ax_excess = fig.subplots(1, 2)
for name, lw in LAWS.items():
    note = " (E = 0; another data set)" if lw.loss_floor == 0.0 else f" (E = {lw.loss_floor:g})"
    ax_loss.plot(compute, lw.loss(compute), color=COLORS[name], lw=2, label=LABELS[name] + note)
    ax_loss.axhline(lw.loss_floor, color=COLORS[name], ls=":", lw=1.2)
    ax_excess.plot(
        compute,
        lw.loss(compute) - lw.loss_floor,
        color=COLORS[name],
        lw=2,
        label=f"{LABELS[name]}: slope −κ = −{lw.kappa:.3f}",
    )
ax_loss.set_xscale("log")
ax_loss.set_ylim(0.0, 4.0)
ax_loss.set_xlabel("logical training compute C [FLOP]")
ax_loss.set_ylabel("loss L [nats/token]")
ax_loss.set_title("Loss flattens towards its floor E (dotted)")
ax_loss.legend(frameon=False)
ax_excess.set_xscale("log")
ax_excess.set_yscale("log")
ax_excess.set_xlabel("logical training compute C [FLOP]")
ax_excess.set_ylabel("excess loss L − E [nats/token], log scale")
ax_excess.set_title("Excess loss is a power law: a straight line on log-log axes")
ax_excess.legend(frameon=False, fontsize="small")
for ax in (ax_loss, ax_excess):
    ax.grid(True, which="major", alpha=0.3)
    ax.axvspan(1e24, 1e26, color="0.85", alpha=0.5, lw=0)
ax_loss.text(1.2e24, 0.15, "frontier\n2023-25", fontsize="small", color="0.3")
fig.suptitle(r"Lesson 1, figure 1: the scaling law $L(C) = E + K\,C^{-\kappa}$ for three fits")
save(fig, "01_loss_vs_compute.png")

# %% [markdown]
# ### 2. Where kappa comes from: the compute-optimal split
#
# Chinchilla fits loss to parameters $N$ and tokens $D$. A training run costs about
# $C = 6ND$ FLOP, so for a fixed budget there is a best split. Minimising $L(N, D)$ at fixed
# $C$ gives $N_\text{opt} = G (C/6)^{\beta/(\alpha+\beta)}$ and $D_\text{opt} = C/(6N_\text{opt})$;
# putting them back gives the compute-only law with $\kappa = \alpha\beta/(\alpha+\beta)$.

# %%
fits = {n: law.CHINCHILLA_FITS[n] for n in ("hoffmann", "besiroglu")}
print(f"{'fit':<16}{'C [FLOP]':>10}{'N_opt':>12}{'D_opt':>12}{'D/N':>8}")
for name, fit in fits.items():
    for c in (1e21, 1e24, 1e27):
        n_opt, d_opt = fit.optimal_params(c), fit.optimal_tokens(c)
        print(f"{LABELS[name]:<16}{c:>10.0e}{n_opt:>12.3g}{d_opt:>12.3g}{d_opt / n_opt:>8.1f}")
ratio_exponent = {
    n: (f.param_exponent - f.data_exponent) / (f.param_exponent + f.data_exponent)
    for n, f in fits.items()
}
for name, fit in fits.items():
    n_opt, d_opt = fit.optimal_params(1e24), fit.optimal_tokens(1e24)
    key(
        "K5" if name == "hoffmann" else "K6",
        f"{LABELS[name]} at C = 1e24 FLOP: N_opt = {n_opt:.3g} parameters, D_opt = "
        f"{d_opt:.3g} tokens, {d_opt / n_opt:.0f} tokens per parameter "
        f"(D/N grows as C^{ratio_exponent[name]:+.3f})",
    )

# %%
compute = np.logspace(20, 30, 200)
fig = Figure(figsize=(11, 4.6), layout="constrained")
ax_nd, ax_ratio = fig.subplots(1, 2)
for name, fit in fits.items():
    n_opt, d_opt = fit.optimal_params(compute), fit.optimal_tokens(compute)
    ax_nd.plot(compute, n_opt, color=COLORS[name], lw=2, label=f"{LABELS[name]}: parameters N")
    ax_nd.plot(compute, d_opt, color=COLORS[name], lw=2, ls="--", label=f"{LABELS[name]}: tokens D")
    ax_ratio.plot(compute, d_opt / n_opt, color=COLORS[name], lw=2, label=LABELS[name])
ax_ratio.axhline(20.0, color="0.4", ls=":", label="the '20 tokens per parameter' rule")
for ax in (ax_nd, ax_ratio):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training compute C [FLOP]")
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False, fontsize="small")
ax_nd.set_ylabel("parameters or tokens")
ax_nd.set_title("Compute-optimal model size and data, C = 6·N·D")
ax_ratio.set_ylabel("tokens per parameter D/N")
ax_ratio.set_title("How much data per parameter?")
ax_ratio.set_yticks([10, 20, 50, 100, 200, 500], ["10", "20", "50", "100", "200", "500"])
ax_ratio.yaxis.set_minor_formatter(ticker.NullFormatter())
fig.suptitle("Lesson 1, figure 2: the compute-optimal split behind κ = αβ/(α+β)")
save(fig, "02_compute_optimal.png")

# %% [markdown]
# ### 3. The compute a target loss needs
#
# Invert the law: $C(L^*) = (K/(L^* - E))^{1/\kappa}$. We take a frontier model of
# $C_\text{now} = 10^{25}$ FLOP (GPT-4 was about $2\times10^{25}$, Epoch AI) and ask for models
# whose excess loss is a fraction $X^*$ of today's. Then
# $C/C_\text{now} = X^{*\,-1/\kappa}$, which is $\log_2$ of that many efficiency doublings if the
# physical burden is to stay the same (`law.doublings_needed`).

# %%
C_NOW = 1e25
TARGETS = np.array([1.0, 0.5, 0.25, 0.1, 0.05, 0.01])
print(f"Besiroglu fit, today's model C = {C_NOW:.0e} FLOP, loss {besiroglu.loss(C_NOW):.4f}")
print(f"{'X*':>6}{'target loss':>13}{'compute [FLOP]':>16}{'multiple':>11}{'doublings':>11}")
excess_now = besiroglu.loss(C_NOW) - besiroglu.loss_floor
target_loss = besiroglu.loss_floor + TARGETS * excess_now
needed = besiroglu.compute_for_target_loss(target_loss)
doublings = law.doublings_needed(1.0, TARGETS, besiroglu.kappa)
for x, lt, c, d in zip(TARGETS, target_loss, needed, doublings, strict=True):
    print(f"{x:>6g}{lt:>13.4f}{c:>16.3g}{c / C_NOW:>11.3g}{d:>11.1f}")
i_tenth = int(np.argmin(np.abs(TARGETS - 0.1)))
key(
    "K7",
    f"Besiroglu: a tenth of today's excess loss (L* = {target_loss[i_tenth]:.4f}) needs "
    f"{needed[i_tenth]:.3g} FLOP, {needed[i_tenth] / C_NOW:.3g}x today's model, "
    f"{doublings[i_tenth]:.1f} efficiency doublings at constant burden",
)
tenth = {n: law.doublings_needed(1.0, 0.1, LAWS[n].kappa) for n in PRESETS}
key(
    "K8",
    "doublings needed for a tenth of today's excess loss: "
    + ", ".join(f"{LABELS[n]} {tenth[n]:.1f}" for n in PRESETS),
)

# %%
fig = Figure(figsize=(11, 4.8), layout="constrained")
ax_c, ax_d = fig.subplots(1, 2)
for name in ("hoffmann", "besiroglu"):
    lw = LAWS[name]
    gap = np.logspace(-4, math.log10(lw.loss(1e20) - lw.loss_floor), 300)  # L* - E
    ax_c.plot(
        lw.loss_floor + gap,
        lw.compute_for_target_loss(lw.loss_floor + gap),
        color=COLORS[name],
        lw=2,
        label=LABELS[name],
    )
    ax_c.axvline(lw.loss_floor, color=COLORS[name], ls=":", lw=1.2)
    ax_c.plot(lw.loss(C_NOW), C_NOW, "o", color=COLORS[name], ms=7)
ax_c.annotate(
    "today's model, 1e25 FLOP",
    (besiroglu.loss(C_NOW), C_NOW),
    xytext=(12, -4),
    textcoords="offset points",
    fontsize="small",
)
ax_c.text(besiroglu.loss_floor + 0.003, 1e40, "floor E\n(dotted)", fontsize="small")
ax_c.set_yscale("log")
ax_c.set_xlim(1.65, 2.25)
ax_c.set_ylim(1e20, 1e45)
ax_c.set_xlabel("target loss L* [nats/token]")
ax_c.set_ylabel("compute needed C(L*) [FLOP], log scale")
ax_c.set_title("Compute for a target loss explodes as L* → E")
ax_c.legend(frameon=False, loc="upper right")

x_star = np.logspace(0, -3, 200)
for name in PRESETS:
    ax_d.plot(
        x_star,
        law.doublings_needed(1.0, x_star, LAWS[name].kappa),
        color=COLORS[name],
        lw=2,
        label=f"{LABELS[name]} (κ = {LAWS[name].kappa:.3f})",
    )
ax_d.set_xscale("log")
ax_d.invert_xaxis()
ax_d.set_xlabel("target excess loss X* as a fraction of today's (1 = today)")
ax_d.set_ylabel("efficiency doublings needed")
ax_d.set_title("Doublings needed, (1/κ)·log2(1/X*): a straight line")
ax_d.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
ax_d.legend(frameon=False)
for ax in (ax_c, ax_d):
    ax.grid(True, alpha=0.3)
fig.suptitle("Lesson 1, figure 3: diminishing returns, the price of each step down the curve")
save(fig, "03_compute_for_target.png")

# %% [markdown]
# ### 4. The physical burden: joules and dollars
#
# Logical compute is paid for in joules and dollars. At today's efficiency (the project's
# calibration: an H100-class chip at 1.41e12 FLOP/J, 40% of its FLOP useful, a site PUE of 1.3)
# one grid joule buys $E_\text{logical}$ logical FLOP, so the energy is $C/E_\text{logical}$
# (`law.physical_burden_joules`). In money, a chip bought for \$30,000 and run for four years
# at \$80 per MWh delivers a fixed number of logical FLOP per dollar of chip and electricity
# (`markets.chip_value_flop_per_usd`), and the cost is $C$ divided by it.

# %%
vendor, firm, supplier = VendorParams(), FirmParams(), SupplierParams()
CHIP_PRICE_USD = 30_000.0  # H100 SXM, $25-40k (docs/model.md, parameters)
ELECTRICITY_USD_PER_MWH = 80.0  # US industrial average (EIA)
site = 1.0 / supplier.pue
e_logical = site * vendor.flop_per_joule * firm.algorithmic_efficiency  # logical FLOP / grid J
flop_per_usd = firm.algorithmic_efficiency * markets.chip_value_flop_per_usd(
    vendor.flop_per_second_per_chip,
    vendor.flop_per_joule,
    CHIP_PRICE_USD,
    firm.chip_lifetime_years,
    ELECTRICITY_USD_PER_MWH * supplier.pue,  # per IT MWh
)
DOUBLINGS_PER_YEAR, YEARS_AHEAD = 2.0, 10.0
e_later = law.efficiency_at(YEARS_AHEAD, e_logical, DOUBLINGS_PER_YEAR)
TWH = 1e6 * JOULES_PER_MWH  # J per TWh
US_TWH, WORLD_TWH = 4_000.0, 29_000.0  # annual electricity use, about 2023 (EIA; IEA, Ember)
US_GDP_USD, WORLD_GDP_USD = 27e12, 105e12  # about 2023 (IMF)

energy_now = law.physical_burden_joules(needed, e_logical) / TWH
energy_later = law.physical_burden_joules(needed, e_later) / TWH
cost_now = law.monetary_burden_usd(needed, flop_per_usd)
print(f"Elogical today: {e_logical:.3g} logical FLOP per grid joule; {flop_per_usd:.3g} per USD")
print(f"{'X*':>6}{'compute':>11}{'TWh today':>12}{'TWh in 10 yr':>14}{'USD today':>12}")
for x, c, e0, e1, usd in zip(TARGETS, needed, energy_now, energy_later, cost_now, strict=True):
    print(f"{x:>6g}{c:>11.3g}{e0:>12.3g}{e1:>14.3g}{usd:>12.3g}")
key(
    "K9",
    f"today's efficiency: Elogical = {e_logical:.3g} logical FLOP per grid J, "
    f"{flop_per_usd:.3g} logical FLOP per USD; today's 1e25 FLOP model: "
    f"{energy_now[0] * 1e3:.3g} GWh and {cost_now[0] / 1e6:.3g} million USD of chips and power",
)
key(
    "K10",
    f"a tenth of today's excess loss at today's efficiency: {energy_now[i_tenth]:,.0f} TWh "
    f"({energy_now[i_tenth] / US_TWH:.2g}x the US's and {energy_now[i_tenth] / WORLD_TWH:.2g}x "
    f"the world's annual electricity) and {cost_now[i_tenth] / 1e12:.3g} trillion USD "
    f"({cost_now[i_tenth] / WORLD_GDP_USD:.2g}x world GDP)",
)
key(
    "K11",
    f"after {YEARS_AHEAD:g} years at {DOUBLINGS_PER_YEAR:g} doublings/yr (Elogical x"
    f"{e_later / e_logical:,.0f}) the same model needs {energy_later[i_tenth] * 1e3:.3g} GWh",
)
i_hundredth = int(np.argmin(np.abs(TARGETS - 0.01)))
key(
    "K12",
    f"a hundredth of today's excess loss at today's efficiency: "
    f"{energy_now[i_hundredth]:.3g} TWh, {energy_now[i_hundredth] / WORLD_TWH:.3g} years of "
    f"the world's electricity",
)

# %%
fig = Figure(figsize=(11, 4.8), layout="constrained")
ax_e, ax_usd = fig.subplots(1, 2)
positions = np.arange(len(TARGETS))
labels = [f"{x:g}" for x in TARGETS]
ax_e.bar(positions - 0.2, energy_now, width=0.4, color="tab:red", label="at today's efficiency")
ax_e.bar(
    positions + 0.2,
    energy_later,
    width=0.4,
    color="tab:green",
    label=f"after {YEARS_AHEAD:g} yr at {DOUBLINGS_PER_YEAR:g} doublings/yr",
)
ax_e.axhline(US_TWH, color="0.3", ls="--", lw=1.2)
ax_e.axhline(WORLD_TWH, color="0.3", ls=":", lw=1.5)
ax_e.text(-0.4, US_TWH / 1.3, "US electricity, a year", va="top", fontsize="small")
ax_e.text(-0.4, WORLD_TWH * 1.4, "world electricity, a year", fontsize="small")
ax_e.set_ylabel("training energy [TWh], log scale")
ax_e.set_title("Energy to train the model")
ax_usd.bar(positions, cost_now, width=0.6, color="tab:purple", label="at today's prices")
ax_usd.axhline(US_GDP_USD, color="0.3", ls="--", lw=1.2)
ax_usd.axhline(WORLD_GDP_USD, color="0.3", ls=":", lw=1.5)
ax_usd.text(-0.4, US_GDP_USD / 1.3, "US GDP, a year", va="top", fontsize="small")
ax_usd.text(-0.4, WORLD_GDP_USD * 1.4, "world GDP, a year", fontsize="small")
ax_usd.set_ylabel("chips and electricity [USD], log scale")
ax_usd.set_title("Money to train the model")
ax_usd.yaxis.set_major_formatter(
    ticker.FuncFormatter(lambda v, _: f"${v / 1e12:g}T" if v >= 1e12 else f"${v / 1e9:g}B")
)
for ax in (ax_e, ax_usd):
    ax.set_yscale("log")
    ax.set_xticks(positions, labels)
    ax.set_xlabel("target excess loss X*, as a fraction of a 1e25 FLOP model's")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(frameon=False, loc="upper left")
ax_usd.set_ylim(bottom=1e6)
fig.suptitle("Lesson 1, figure 4: the physical burden of each step down the curve (Besiroglu fit)")
save(fig, "04_physical_burden.png")

# %%
lesson.print_key_numbers()

# %% [markdown]
# ## DEBRIEF (15 min)
#
# Check your predictions against the key numbers printed above (`K1`-`K12`).
#
# **Small kappa, steep price (P1, P2; K1, K2).** $\kappa$ is the product of two exponents over
# their sum, so it is smaller than either, and small. The Besiroglu refit has the larger
# $\kappa$ of the two Chinchilla fits, so each multiple of compute buys more, yet halving the
# excess loss still takes the multiple of compute in K2, and Kaplan's $\kappa$ makes it a
# multiple of about a million. A scaling law is a statement about *ratios* of compute: a fixed gain always costs
# a fixed multiple of what was spent so far.
#
# **Same ratio, shrinking nats (P3; K3, K4).** Each tenfold increase of compute removes the
# same *share* of the excess loss (K3): that is what the straight lines of figure 1 say. But
# the excess itself shrinks, so the same tenfold step buys fewer nats later on (K4). This is the
# diminishing return in absolute terms, and it is why loss curves *look* flat on linear axes
# (left panel) while they are perfectly regular on log axes (right panel).
#
# **The split behind kappa (P4; K5, K6).** For a fixed budget, more parameters means fewer
# tokens. The two fits disagree: Hoffmann's parametric fit (approach 3) implies the number of
# tokens per parameter in K5, which grows with compute, while the Besiroglu refit gives about
# the "20 tokens per parameter" that Hoffmann et al.'s other two approaches found (K6), nearly
# constant with compute. Besiroglu et al. traced the difference to the original fit; it matters
# for inference cost, since a token costs about $2N$ FLOP to serve (lesson 3).
#
# **The floor makes targets explode (K7, K8; figure 3).** $C(L^*) \propto (L^* - E)^{-1/\kappa}$:
# as the target approaches the floor the compute goes to infinity, faster the smaller
# $\kappa$. Stated as efficiency doublings the explosion becomes a line: the doublings needed
# grow with $\log(1/X^*)$ at a slope of $1/\kappa$ (K8), which is why Lu frames progress as a
# *race of efficiency doublings* rather than of dollars.
#
# **Joules and dollars (P5; K9-K12; figure 4).** At today's efficiency a $10^{25}$ FLOP model
# costs a few GWh and millions of dollars (K9). A tenth of its excess loss at the same
# efficiency costs the energy and money in K10: compare them with the US and world lines of
# figure 4. Ten years of efficiency doublings shrink the same bill by the factor in K11. A
# hundredth of today's excess loss is out of reach on today's efficiency however rich you are
# (K12). So the scaling law alone does not say progress continues; *efficiency growth* does.
# That is the subject of lesson 2.
#
# **Caveats to raise in class.** The fits describe pre-training loss on one data mix; $E$ and
# $\kappa$ differ by data set and architecture. "Logical" compute counts FLOP in dense,
# uniform-precision equivalents, so algorithmic progress shows up as more logical FLOP per
# physical FLOP. The cost figures leave out staff, failed runs, experiments and data, so they
# understate the real bill.

# %% [markdown]
# ## EXERCISES
#
# 1. **(easy)** Run `effrace analytic --preset hoffmann --doublings-per-year 0 --years 10
#    --target-relative-loss 0.5` and then `--preset besiroglu` and `--preset kaplan`. With no
#    efficiency growth, how many years of today's resources does each fit need to halve the
#    excess loss? Relate the three answers to K2.
# 2. **(easy)** In the cell of section 3, change `C_NOW` to `1e26`. Which of the printed
#    multiples and doublings change, and which do not? Why?
# 3. **(medium)** Derive $\kappa = \alpha\beta/(\alpha+\beta)$ yourself: minimise
#    $A N^{-\alpha} + B D^{-\beta}$ subject to $6ND = C$. Then check with the code: build
#    `law.ChinchillaFit(1.8172, 482.01, 2085.43, 0.3478, 0.3658).compute_law()` and compare
#    its `k_coefficient` with the table.
# 4. **(medium)** In section 4, set `CHIP_PRICE_USD = 10_000.0` (chips at cost, no vendor
#    margin) and `ELECTRICITY_USD_PER_MWH = 40.0`. By how much does the cost of the X* = 0.1
#    model fall? Which input matters more, and what does that say about who captures the
#    value of compute (lesson 3)?
# 5. **(hard)** Lu's "burden" argument: suppose the world is willing to spend at most 1% of
#    world GDP a year on one training run. Using `flop_per_usd` and the Besiroglu law, what is
#    the lowest loss reachable today? How many doublings a year of logical FLOP per dollar are
#    needed to reach X* = 0.01 by 2040? (Use `law.doublings_needed`.)

# %% [markdown]
# ## Figures you should see
#
# - `01_loss_vs_compute.png`: left, loss against compute for the three fits on a log x-axis,
#   flattening towards each fit's floor (dotted lines); right, the excess loss $L - E$ on
#   log-log axes, three straight lines whose slopes are $-\kappa$ (the legend gives them).
#   The grey band marks 2023-25 frontier compute.
# - `02_compute_optimal.png`: left, compute-optimal parameters (solid) and tokens (dashed)
#   rising with compute for Hoffmann and Besiroglu; right, tokens per parameter: Hoffmann's
#   climbing from about 40 to nearly 400, Besiroglu's falling gently around the dotted
#   20-tokens line.
# - `03_compute_for_target.png`: left, compute needed against target loss, rising steeply
#   to a wall at each floor, with today's 1e25 FLOP model marked; right, the efficiency
#   doublings needed against the target fraction X* (log x-axis, X* falling to the right),
#   Kaplan's line far above the two Chinchilla fits.
# - `04_physical_burden.png`: left, training energy in TWh for each target at today's
#   efficiency (red) and after ten years of two doublings a year (green), against the US and
#   world annual electricity lines; right, the money at today's prices against US and world
#   GDP.
