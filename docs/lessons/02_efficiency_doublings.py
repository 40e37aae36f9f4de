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
# # Lesson 2: Efficiency doublings, the turtle and the hare
#
# *One class period (about 50 minutes): PREDICT 10 min, RUN 15 min, DEBRIEF 15 min,
# EXERCISES 10 min in class (the harder ones as homework).*
#
# Lesson 1 ended with a wall: each step down the scaling law costs a multiple of all the
# compute spent so far. Lu (2025) answers with *time*. If logical efficiency (logical FLOP per
# joule) doubles $g$ times a year, $E(t) = E_0 2^{gt}$, then a constant physical resource rate
# $P_0$ [J/yr] accumulates compute
#
# $$\frac{C(t)}{C_0} = 1 + \frac{2^{gt} - 1}{g \ln 2\, \tau_0}, \qquad C_0 = E_0 P_0 \tau_0,$$
#
# and the excess loss relative to today's is the **relative-loss equation**
#
# $$X(t) = \frac{L(t) - E}{L(0) - E} = \left(\frac{C(t)}{C_0}\right)^{-\kappa}.$$
#
# A one-time *front-loaded* fleet $F$ times larger multiplies the new compute:
# $C/C_0 = 1 + F (2^{gt} - 1)/(g \ln 2\, \tau_0)$ (docs/analytic.md item 8). Which is better, a big
# fleet now (the turtle) or fast efficiency gains (the hare)?
#
# **Learning goals.** By the end of the lesson you can
#
# 1. explain why with $g = 0$ progress is logarithmically slow and with $g > 0$ it is
#    exponential, and read both off the relative-loss equation;
# 2. compute the years to a target $X^*$ at a given doubling rate;
# 3. run two agent-based scenarios (`turtle`, `hare`) with `simulate()` and check them
#    against the closed form;
# 4. compute when a faster-improving rival overtakes a front-loaded one, and how large a
#    front-load must be to hold it off.
#
# **Run it** as a script, `python docs/lessons/02_efficiency_doublings.py --out
# DIR`, or open it as a notebook (`jupytext --to notebook ...`). Sources: Lu 2025
# (arXiv 2501.02156), Lu 2026 (arXiv 2603.28507), Besiroglu et al. 2024 (arXiv 2404.10102);
# `docs/analytic.md` writes the equations out.

# %% [markdown]
# ## PREDICT (10 min)
#
# Use the Besiroglu fit, $\kappa \approx 0.178$, and $\tau_0 = 1$ year. Write your answers down.
#
# - **P1.** With no efficiency growth ($g = 0$) and constant power, $C/C_0 = 1 + t$. How many
#   years until the excess loss halves? (Lesson 1: halving needs $C/C_0 = 2^{1/\kappa}$.)
#   And with $g = 2$ doublings a year: more or less than 5 years?
# - **P2.** Sketch $X(t)$ for $g = 0$, 1 and 3 over 20 years on a *log* y-axis. Which curves
#   become straight lines, and what sets their slope?
# - **P3.** The **turtle** runs a fleet ten times the hare's, with efficiency doubling 0.5
#   times a year; the **hare** doubles 2.5 times a year. Both start with the same model. Who is
#   ahead after one year? In which year does the hare overtake? After 20 years, how many times
#   smaller is the hare's excess loss?
# - **P4.** How large a one-time fleet multiple $F$ would the turtle need to still be level
#   with the hare after 10 years: 10, 100, 10,000, a million?

# %% [markdown]
# ## RUN (15 min)
#
# Run the cells in order. Tables are printed, figures saved as PNG files in the output folder
# (`--out`, default a folder under the system's temporary folder, printed at the end), and the key numbers collected as `K1`, `K2`, ... and
# printed together at the end for the debrief.

# %%

import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from experiments.lessons import Lesson
from sim import law
from sim.params import SECONDS_PER_YEAR
from sim.run import simulate
from sim.scenario import load_scenario

lesson = Lesson("02", "Lesson 2: efficiency doublings, turtle and hare.")
OUT, key, save = lesson.out, lesson.key, lesson.save


KAPPA = law.get_law("besiroglu").kappa
RATES = (0.0, 0.5, 1.0, 2.0, 3.0)  # doublings per year
RATE_COLORS = dict(
    zip(RATES, ("0.3", "tab:purple", "tab:blue", "tab:orange", "tab:red"), strict=True)
)

# %% [markdown]
# ### 1. The relative-loss equation for five doubling rates
#
# `law.relative_excess_loss(t, g, kappa)` is $X(t)$; it is exact at $g = 0$ and continuous as
# $g \to 0$.

# %%
YEARS_TABLE = (1, 2, 5, 10, 20)
print(f"X(t) for kappa = {KAPPA:.4f} (Besiroglu), tau0 = 1 yr")
print("g [doublings/yr] |" + "".join(f"{t:>9} yr" for t in YEARS_TABLE))
for g in RATES:
    row = law.relative_excess_loss(np.array(YEARS_TABLE, dtype=float), g, KAPPA)
    print(f"{g:>16g} |" + "".join(f"{x:>12.4g}" for x in row))
x10 = {g: law.relative_excess_loss(10.0, g, KAPPA) for g in RATES}
key(
    "K1",
    "X after 10 years: " + ", ".join(f"g = {g:g}: {x10[g]:.3g}" for g in RATES),
)
# for large g*t, X falls like 2^(-kappa*g*t): a factor 10 every log2(10)/(kappa*g) years
key(
    "K2",
    f"at g = 2 the excess loss eventually falls tenfold every "
    f"{np.log2(10.0) / (KAPPA * 2.0):.1f} years (X(20)/X(10) = "
    f"{law.relative_excess_loss(20.0, 2.0, KAPPA) / x10[2.0]:.3f}); at g = 0 it falls only as "
    f"(1 + t)^-kappa",
)

# %%
t = np.linspace(0.0, 20.0, 401)
fig = Figure(figsize=(9, 5), layout="constrained")
ax = fig.add_subplot()
for g in RATES:
    ax.plot(
        t,
        law.relative_excess_loss(t, g, KAPPA),
        color=RATE_COLORS[g],
        lw=2.2,
        label=f"g = {g:g} doublings/yr",
    )
ax.set_yscale("log")
ax.set_xlim(0, 20)
ax.set_xlabel("years from today")
ax.set_ylabel("relative excess loss X(t) = (L − E)/(L₀ − E), log scale")
ax.set_title(f"Constant power, efficiency doubling g times a year (κ = {KAPPA:.3f})")
ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
ax.grid(True, which="both", alpha=0.25)
ax.legend(frameon=False, loc="lower left")
fig.suptitle("Lesson 2, figure 1: the relative-loss equation (Lu 2025)")
save(fig, "01_relative_loss.png")

# %% [markdown]
# ### 2. Years to a target
#
# `law.years_to_target(X*, g, kappa)` inverts the equation (closed form for $g > 0$ and
# $g = 0$). The doublings needed at constant burden do not depend on $g$; only the time to
# achieve them does.

# %%
TARGETS = (0.5, 0.1, 0.01)
print(f"{'g':>6} |" + "".join(f"{'X* = ' + format(x, 'g'):>14}" for x in TARGETS))
years_to = {(g, x): law.years_to_target(x, g, KAPPA) for g in RATES for x in TARGETS}
for g in RATES:
    print(f"{g:>6g} |" + "".join(f"{years_to[g, x]:>14.4g}" for x in TARGETS))
key(
    "K3",
    f"years to halve the excess loss: g = 0: {years_to[0.0, 0.5]:.1f}, "
    f"g = 2: {years_to[2.0, 0.5]:.2f}; to a tenth: g = 0: {years_to[0.0, 0.1]:.3g}, "
    f"g = 2: {years_to[2.0, 0.1]:.1f}",
)
key(
    "K4",
    "efficiency doublings needed (any g): "
    + ", ".join(f"X* = {x:g}: {law.doublings_needed(1.0, x, KAPPA):.1f}" for x in TARGETS),
)

# %%
x_star = np.logspace(0, -3, 300)
fig = Figure(figsize=(9, 5), layout="constrained")
ax = fig.add_subplot()
for g in RATES:
    ax.plot(
        x_star,
        law.years_to_target(x_star, g, KAPPA),
        color=RATE_COLORS[g],
        lw=2.2,
        label=f"g = {g:g} doublings/yr",
    )
# label each reference line where no curve crosses it: "a year" at the right, below its line
for span, text, x, va in (
    (1.0, "a year", 0.0012, "top"),
    (100.0, "a century", 0.95, "bottom"),
    (10_000.0, "ten millennia", 0.95, "bottom"),
):
    ax.axhline(span, color="0.6", ls=":", lw=1)
    ax.text(
        x,
        span * (0.85 if va == "top" else 1.15),
        text,
        color="0.4",
        fontsize="small",
        ha="right" if x < 0.01 else "left",
        va=va,
    )
ax.set_xscale("log")
ax.set_yscale("log")
ax.invert_xaxis()
ax.set_ylim(0.1, 1e8)
ax.set_xlabel("target relative excess loss X* (1 = today's model)")
ax.set_ylabel("years to reach the target, log scale")
ax.set_title("Without efficiency growth (grey) targets recede into geological time")
ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
ax.grid(True, which="major", alpha=0.3)
ax.legend(frameon=False, loc="upper left")
fig.suptitle("Lesson 2, figure 2: years to a target at each doubling rate")
save(fig, "02_years_to_target.png")

# %% [markdown]
# ### 3. The turtle and the hare in the agent-based model
#
# The shipped scenarios `turtle` and `hare` are the papers' mean-field set-up (one firm, one
# vendor, one supplier, constant power, the fleet always at the frontier) with two strategies.
# We run each with `simulate()` and compute each firm's $X(t)$ relative to the *shared*
# starting model $C_0$ (both start level). From the data we read each firm's doubling rate
# and its front-load $F = E_0 P_0 \tau_0 / C_0$, and compare with the closed form.

# %%
runs = {name: simulate(load_scenario(name), seed=0) for name in ("turtle", "hare")}
tau0 = load_scenario("hare").law.tau0_years
curves = {}
for name, result in runs.items():
    firm = result.agents[result.agents["agent_type"] == "firm"].sort_values("step")
    c0 = next(iter(result.extras["initial_compute_flop"].values()))
    years = firm["year"].to_numpy() - result.scenario.run.start_year
    elogical = firm["elogical_flop_per_joule"].to_numpy()
    power_w = result.model["power_delivered_mw"].to_numpy() * 1e6
    # the first step's Elogical is the rate at its start: exact, since the mean-field run
    # integrates each step exactly from there
    g = float(np.log2(elogical[-1] / elogical[0]) / (years[-1] - years[0]))
    front_load = elogical[0] * power_w[0] * SECONDS_PER_YEAR * tau0 / c0
    multiple = firm["cumulative_logical_flop"].to_numpy() / c0
    closed = law.compute_multiple(years, g, tau0, front_load=front_load)
    curves[name] = {
        "years": years,
        "x_sim": multiple ** (-KAPPA),
        "g": g,
        "F": front_load,
        "power_mw": power_w[0] / 1e6,
        "elogical": elogical,
        "error": float(np.max(np.abs(multiple / closed - 1.0))),
        "start": result.scenario.run.start_year,
    }
    print(
        f"{name:>6}: g = {g:.3f} doublings/yr, F = {front_load:.3f}, power "
        f"{power_w[0] / 1e6:,.1f} MW, max |simulated/closed form - 1| = "
        f"{curves[name]['error']:.1e}"
    )

turtle, hare = curves["turtle"], curves["hare"]
ahead = hare["x_sim"] < turtle["x_sim"]
first = int(np.argmax(ahead)) if ahead.any() else None
start_year = turtle["start"]
STEP_YEARS = runs["hare"].scenario.run.dt_years


def crossover_years(front_load, slow_rate, fast_rate, tau0_years=1.0):
    """Time [yr] at which a fleet F times larger at the slow rate is caught by the fast rate.

    Solves F*phi(slow*t) = phi(fast*t) by bisection in log space (phi = law.growth_integral;
    tau0 and ln 2 cancel). Vectorised over ``front_load``.
    """
    front = np.atleast_1d(np.asarray(front_load, dtype=float))
    low, high = np.full_like(front, 1e-9), np.full_like(front, 1e4)
    for _ in range(200):
        mid = 0.5 * (low + high)
        gap = (
            np.log(front)
            + law.log_growth_integral(slow_rate * mid)
            - law.log_growth_integral(fast_rate * mid)
        )
        low, high = np.where(gap > 0, mid, low), np.where(gap > 0, high, mid)
    return 0.5 * (low + high)


t_cross = float(crossover_years(turtle["F"], turtle["g"], hare["g"])[0])
key(
    "K5",
    f"turtle: F = {turtle['F']:.3g}, g = {turtle['g']:.3g}; hare: F = {hare['F']:.3g}, "
    f"g = {hare['g']:.3g}; simulation matches the closed form to "
    f"{max(turtle['error'], hare['error']):.1e} (relative)",
)
lesson.claim(
    "C1",
    max(turtle["error"], hare["error"]) < 1e-9,
    "the turtle's and the hare's runs reproduce the closed form to better than 1e-9 (relative)",
)
i1 = int(np.argmin(np.abs(turtle["years"] - 1.0)))
leader_1 = "turtle" if turtle["x_sim"][i1] < hare["x_sim"][i1] else "hare"
key(
    "K6",
    f"after 1 year the {leader_1} leads: X = {turtle['x_sim'][i1]:.3f} (turtle) vs "
    f"{hare['x_sim'][i1]:.3f} (hare)",
)
if first is not None:
    key(
        "K7",
        f"the hare overtakes the turtle in {start_year + hare['years'][first]:.2f} (in the step "
        f"ending {hare['years'][first]:.2f} years in); closed form: t = {t_cross:.2f} years, "
        f"{hare['years'][first] - t_cross:.3f} yr before the end of that step (one step is "
        f"{STEP_YEARS:.3f} yr)",
    )
else:
    key("K7", f"the hare does not overtake within the run; closed form: t = {t_cross:.2f} years")
lesson.claim(
    "C2",
    first is not None and 0.0 <= hare["years"][first] - t_cross < STEP_YEARS,
    "the step in which the hare overtakes is the one that contains the closed form's crossover",
)
key(
    "K8",
    f"after {turtle['years'][-1]:.0f} years: X = {turtle['x_sim'][-1]:.3g} (turtle) vs "
    f"{hare['x_sim'][-1]:.3g} (hare), the hare's excess loss "
    f"{turtle['x_sim'][-1] / hare['x_sim'][-1]:.3g} times smaller",
)

# %%
fig = Figure(figsize=(11, 8.5), layout="constrained")
axes = fig.subplot_mosaic([["zoom", "full"], ["eff", "eff"]])
ax_zoom, ax_full, ax_e = axes["zoom"], axes["full"], axes["eff"]
ZOOM_YEARS = 5.0
styles = {"turtle": ("tab:green", "Turtle"), "hare": ("tab:brown", "Hare")}
cross_year = start_year + t_cross
for name, curve in curves.items():
    color, label = styles[name]
    cal = curve["start"] + np.concatenate([[0.0], curve["years"]])
    x_sim = np.concatenate([[1.0], curve["x_sim"]])
    tt = np.linspace(0.0, curve["years"][-1], 600)
    closed = law.relative_excess_loss(tt, curve["g"], KAPPA, tau0, front_load=curve["F"])
    for ax in (ax_zoom, ax_full):
        ax.plot(
            cal,
            x_sim,
            color=color,
            lw=2.5,
            label=f"{label}: simulated (F = {curve['F']:.3g}, g = {curve['g']:.2g}/yr)",
        )
        ax.plot(curve["start"] + tt, closed, color="black", ls="--", lw=1.0)
    ax_e.plot(
        curve["start"] + curve["years"],
        curve["elogical"],
        color=color,
        lw=2.5,
        label=f"{label}: {curve['power_mw']:,.0f} MW of power, constant",
    )
for ax in (ax_zoom, ax_full):
    ax.plot(
        [], [], color="black", ls="--", lw=1.0, label="closed form (docs/analytic.md item 5, 6, 8)"
    )
    ax.axvline(cross_year, color="0.5", ls=":", lw=1.2)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("calendar year")
ax_zoom.annotate(
    f"hare overtakes\n{cross_year:.1f}",
    (cross_year, law.relative_excess_loss(t_cross, hare["g"], KAPPA, tau0)),
    xytext=(25, 30),
    textcoords="offset points",
    arrowprops={"arrowstyle": "->", "color": "0.3"},
    fontsize="small",
)
ax_zoom.set_xlim(start_year, start_year + ZOOM_YEARS)
ax_zoom.set_ylim(0.2, 1.1)
ax_zoom.set_ylabel("relative excess loss X(t), log scale\n(1 = the shared starting model)")
ax_zoom.set_title(f"The first {ZOOM_YEARS:g} years: the turtle starts ahead")
ax_zoom.legend(frameon=False, loc="lower left", fontsize="small")
ax_full.yaxis.set_minor_formatter(ticker.NullFormatter())
ax_full.set_xlim(start_year, start_year + turtle["years"][-1])
ax_full.set_title(f"All {turtle['years'][-1]:.0f} years: the hare pulls away (lower is better)")
ax_e.set_yscale("log")
ax_e.set_ylabel("Elogical [logical FLOP per joule], log scale")
ax_e.set_xlabel("calendar year")
ax_e.set_xlim(start_year, start_year + turtle["years"][-1])
ax_e.set_title("Why: the hare's efficiency doubles five times as fast")
ax_e.legend(frameon=False, loc="upper left", fontsize="small")
for ax in (ax_zoom, ax_full, ax_e):
    ax.grid(True, which="major", alpha=0.3)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
fig.suptitle("Lesson 2, figure 3: the turtle (big fleet, slow gains) and the hare (small, fast)")
save(fig, "03_turtle_hare.png")

# %% [markdown]
# ### 4. Front-load GPUs or invest in efficiency?
#
# To stay level with a rival growing at $g_\text{fast}$ until year $T$, a turtle at
# $g_\text{slow}$ needs $F\,T\,\phi(g_\text{slow}T) = T\,\phi(g_\text{fast}T)$, i.e.
# $F = \phi(g_\text{fast}T)/\phi(g_\text{slow}T)$ with $\phi(x) = (2^x - 1)/(x \ln 2)$
# (`law.growth_integral`). Conversely, a given $F$ holds the rival off until the crossover
# time.

# %%
horizon = np.linspace(0.01, 20.0, 400)
gaps = ((0.5, 1.0), (0.5, 1.5), (0.5, 2.5), (1.5, 2.5))
needed_f = {
    pair: law.growth_integral(pair[1] * horizon) / law.growth_integral(pair[0] * horizon)
    for pair in gaps
}
for years_ahead in (5.0, 10.0, 20.0):
    f_needed = law.growth_integral(hare["g"] * years_ahead) / law.growth_integral(
        turtle["g"] * years_ahead
    )
    print(f"F needed to stay level with the hare for {years_ahead:g} years: {f_needed:.3g}")
f_10 = law.growth_integral(hare["g"] * 10.0) / law.growth_integral(turtle["g"] * 10.0)
key(
    "K9",
    f"to stay level with the hare for 10 years the turtle needs F = {f_10:.3g} "
    f"(it has {turtle['F']:.3g})",
)
fronts = np.logspace(0, 6, 200)
cross = crossover_years(fronts, turtle["g"], hare["g"])
for f in (10.0, 100.0, 1000.0):
    print(
        f"F = {f:g}: the hare overtakes after {crossover_years(f, turtle['g'], hare['g'])[0]:.2f} yr"
    )
extra = (
    crossover_years(100.0, turtle["g"], hare["g"])[0]
    - crossover_years(10.0, turtle["g"], hare["g"])[0]
)
key(
    "K10",
    f"each tenfold front-load buys the turtle only about {extra:.2f} more years "
    f"(from F = 10 to F = 100); the gap in rates is {hare['g'] - turtle['g']:.2g} doublings/yr",
)

# %%
fig = Figure(figsize=(11, 4.8), layout="constrained")
ax_f, ax_t = fig.subplots(1, 2)
for (slow, fast), values in needed_f.items():
    ax_f.plot(horizon, values, lw=2, label=f"slow g = {slow:g} vs fast g = {fast:g}")
ax_f.set_yscale("log")
ax_f.set_xlabel("horizon T [years]")
ax_f.set_ylabel("front-load F needed to stay level, log scale")
ax_f.set_title("The front-load that matches a faster rival until T")
ax_f.legend(frameon=False, fontsize="small")
ax_t.plot(
    fronts,
    cross,
    color="tab:brown",
    lw=2.2,
    label=f"turtle g = {turtle['g']:.2g} vs hare g = {hare['g']:.2g}",
)
ax_t.plot(turtle["F"], t_cross, "o", color="tab:green", ms=8, label="the shipped turtle")
ax_t.set_xscale("log")
ax_t.set_xlabel("turtle's front-load F (fleet multiple), log scale")
ax_t.set_ylabel("years until the hare overtakes")
ax_t.set_title("What a bigger fleet buys: years, growing only with log F")
ax_t.legend(frameon=False, fontsize="small", loc="upper left")
for ax in (ax_f, ax_t):
    ax.grid(True, which="major", alpha=0.3)
ax_t.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
fig.suptitle(
    "Lesson 2, figure 4: front-load GPUs or invest in efficiency? (docs/analytic.md item 8)"
)
save(fig, "04_front_loading.png")

# %%
lesson.print_key_numbers()

# %% [markdown]
# ## DEBRIEF (15 min)
#
# Check your predictions against the key numbers printed above (`K1`-`K10`).
#
# **Logarithmic against exponential (P1, P2; K1-K3, figures 1 and 2).** With $g = 0$ the
# compute grows linearly, $C/C_0 = 1 + t$, so the excess loss falls only as $(1+t)^{-\kappa}$:
# halving it takes the decades in K3, and a tenth of it is out of reach for any human time
# scale. With $g > 0$ the $2^{gt}$ term soon dominates, $X \approx 2^{-\kappa g t}$ up to a
# constant, and on a log axis the curves of figure 1 become straight lines of slope
# $-\kappa g$: K2 gives the years per tenfold cut at $g = 2$. The *number* of doublings a
# target needs does not depend on $g$ (K4); $g$ only sets how fast they arrive.
#
# **The turtle and the hare (P3; K5-K8, figure 3).** The agent-based runs reproduce the closed
# form to the precision in K5 (C1): the market model, stripped to the papers' assumptions, *is* the
# relative-loss equation. The turtle's ten-fold fleet buys it a head start (K6): in the first
# months its new compute is about $F$ times the hare's. But the hare's efficiency compounds
# faster, and it overtakes at the time in K7; the simulation (which records the state once a
# step) and the bisection on the closed form agree to within one step (C2). After 20 years the hare's excess loss is smaller by the
# factor in K8, because by then its compute is dominated by the last few years, when its
# Elogical (lower panel) is orders of magnitude above the turtle's.
#
# **Front-loading (P4; K9, K10, figure 4).** A one-time multiple enters the compute
# *linearly*, an efficiency rate *exponentially*. To stay level for $T$ years the front-load
# must grow like $2^{(g_\text{fast} - g_\text{slow})T}$ (left panel; K9 for ten years), and
# each tenfold increase of the fleet buys only a fixed number of extra years, about
# $\log_2 10 / (g_\text{fast} - g_\text{slow})$ once the crossover is late (K10 and the
# straight line on the log-x right panel). Buying GPUs is a race you can only stay ahead in by
# buying *exponentially* more of them.
#
# **Caveats.** The mean-field set-up holds power constant, keeps the whole fleet at the
# frontier and gives each firm a fixed doubling rate. In the market model (lessons 3 and 4)
# fleets age, cash runs out, and doubling rates are bought with R&D, so the front-load is not
# free and the hare's rate is not guaranteed. Also, 2.5 doublings a year of *logical*
# efficiency for 20 years is 50 doublings, a factor of about $10^{15}$: an extrapolation no
# one should take literally; the point is the shape, not the numbers at the far end.

# %% [markdown]
# ## EXERCISES
#
# 1. **(easy)** `effrace analytic --preset besiroglu --doublings-per-year 2.5 --years 10` and
#    `effrace analytic --preset besiroglu --doublings-per-year 0.5 --front-load 10 --years 10`.
#    Read "your case" X(T) for each and compare with the 2034 values in figure 3.
# 2. **(easy)** `effrace run turtle --years 5` and `effrace run hare --years 5`: compare the
#    two summaries' loss lines and `runs/*/loss_by_firm.png`. Who leads at the end of year 5?
# 3. **(medium)** Give the turtle a hundred times the hare's fleet:
#    `effrace run turtle --set firms.chips=5e6 --years 10`. First *predict* the crossover from
#    the right panel of figure 4, then check by setting the turtle's fleet in the cell of
#    section 3 (or by comparing `model.csv` of the two runs).
# 4. **(medium)** A resource that itself grows at $\rho$ doublings a year (more power each
#    year) enters only through $g + \rho$: compare
#    `effrace analytic --kappa 0.178 --doublings-per-year 1.5 --resource-growth 0.5 --years 10`
#    with `--doublings-per-year 2 --years 10`. Why must the two be equal? What does that say
#    about building power plants versus improving chips?
# 5. **(hard)** Front-loading costs money now; efficiency costs R&D every year. A turtle at
#    $g = 0.5$ can spend \$100 billion today on a tenfold fleet ($F = 10$), or spend the same
#    present value (5% discount rate) on R&D spread evenly over the horizon, which raises its
#    rate by `innovation.rnd_extra_doublings_per_year(usd_per_year, 0.6, 2e9)` doublings a year (the model's
#    diminishing returns: at most 0.6 more). With `law.relative_excess_loss`, which strategy
#    gives the lower excess loss at $T$ = 2, 5, 10 and 20 years? Where is the switch, and why
#    does it exist at all when lesson 2's message is "efficiency wins"?

# %% [markdown]
# ## Figures you should see
#
# - `01_relative_loss.png`: $X(t)$ over 20 years on a log axis for $g$ = 0, 0.5, 1, 2 and 3;
#   the grey $g = 0$ curve barely falls, the others bend into straight lines whose slope grows
#   with $g$.
# - `02_years_to_target.png`: years to reach a target $X^*$ (falling to the right) for each
#   rate on log-log axes, with dotted lines at a year, a century and ten millennia; the grey
#   $g = 0$ curve leaves the chart while the $g = 2$ and $g = 3$ curves stay within decades.
# - `03_turtle_hare.png`: top, the simulated $X(t)$ of the turtle (green) and the hare (brown)
#   with the closed forms dashed on top of them, over the first five years (left: the turtle
#   leads at first, the hare overtakes at the dotted line) and over all twenty (right: the
#   hare pulls away); bottom, each firm's Elogical on a log axis, with its constant power in
#   the legend.
# - `04_front_loading.png`: left, the front-load $F$ needed to stay level with a faster rival
#   against the horizon, rising exponentially; right, the years until the hare overtakes as a
#   function of the turtle's front-load on a log axis, the shipped turtle marked.
