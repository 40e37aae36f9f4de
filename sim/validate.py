"""The checks of the reduction to the papers (docs/model.md section 5), each giving pass, warn or fail with the measured figure.

``effrace validate`` prints them; the test suite asserts that none fails. Calibration bands
(section 4) give ``pass`` inside the observed range and ``warn`` inside a wider plausible one.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import law, production
from sim.params import HOURS_PER_YEAR
from sim.run import RunResult, simulate, simulate_model_table
from sim.scenario import load_scenario


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "pass", "warn" or "fail"
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


def _banded(
    name: str, value: float, ok: tuple[float, float], plausible: tuple[float, float], what: str
) -> Check:
    if ok[0] <= value <= ok[1]:
        status = "pass"
    elif plausible[0] <= value <= plausible[1]:
        status = "warn"
    else:
        status = "fail"
    return Check(
        name,
        status,
        f"{what} {_shown(value, ok)} (observed {ok[0]:g}-{ok[1]:g}; plausible {plausible[0]:g}-{plausible[1]:g})",
    )


def _shown(value: float, band: tuple[float, float]) -> str:
    """``value`` to three significant digits, or as many more (up to six) as it takes not to
    print a value outside ``band`` as one of its ends (1.297 against 1.3-1.5, not 1.3)."""
    inside = band[0] <= value <= band[1]
    for digits in range(3, 7):
        text = f"{value:.{digits}g}"
        if inside or float(text) not in band:
            break
    return text


# --- reduction to the papers --------------------------------------------------------------------


def mean_field_error(steps_per_year: int, years: float = 20.0) -> float:
    """Largest relative error, over all steps, of the mean-field scenario's cumulative compute
    and relative excess loss against the closed forms (item 5-6 of docs/analytic.md)."""
    scenario = load_scenario(
        "mean-field", {"run.steps_per_year": steps_per_year, "run.years": years}
    )
    result = simulate(scenario)
    firm = result.agents[result.agents["agent_type"] == "firm"]
    c0 = next(iter(result.extras["initial_compute_flop"].values()))
    t = firm["year"].to_numpy() - scenario.run.start_year
    g = (
        scenario.firms[0].algorithmic_doublings_per_year
        + scenario.vendors[0].flop_per_joule_doublings_per_year
    )
    kappa = result.extras["kappa"]
    multiple = firm["cumulative_logical_flop"].to_numpy() / c0
    err_c = np.abs(multiple / law.compute_multiple(t, g, scenario.law.tau0_years) - 1.0)
    err_x = np.abs(
        multiple ** (-kappa) / law.relative_excess_loss(t, g, kappa, scenario.law.tau0_years) - 1.0
    )
    return float(max(err_c.max(), err_x.max()))


def check_reduction() -> Check:
    errors = {spy: mean_field_error(spy) for spy in (1, 12, 52)}
    worst = max(errors.values())
    detail = ", ".join(f"{spy}/yr: {e:.1e}" for spy, e in errors.items())
    return Check(
        "reduction to the papers (mean-field)",
        "pass" if worst < 1e-9 else "fail",
        f"max relative error {detail} (limit 1e-9)",
    )


# --- accounting --------------------------------------------------------------------------------


def accounting_errors(result: RunResult) -> dict[str, float]:
    """Worst ledger imbalance relative to the step's flows, energy over capacity or cap, and the
    most negative cash [USD]."""
    m = result.model
    dt = 1.0 / result.scenario.run.steps_per_year
    # relative to the money in play: the agents' cash plus the step's sales
    cash = result.agents.groupby("step")["cash_usd"].sum().reindex(m["step"]).to_numpy()
    flows = m[["revenue_firms_usd", "revenue_vendors_usd", "revenue_suppliers_usd"]].sum(axis=1)
    imbalance = float((m["ledger_imbalance_usd"] / (flows + cash).clip(lower=1.0)).max())
    deliverable = m["energy_deliverable_mwh"]  # the mean capacity over the step x its hours
    over_capacity = float(((m["energy_delivered_mwh"] - deliverable) / deliverable).max())
    cap_mwh = m["energy_cap_mw"] * HOURS_PER_YEAR * dt
    over_cap = (
        float(((m["energy_delivered_mwh"] - cap_mwh) / cap_mwh).max())
        if m["energy_cap_mw"].notna().any()
        else -1.0
    )
    min_cash = float(result.agents["cash_usd"].min())
    return {
        "imbalance": imbalance,
        "over_capacity": over_capacity,
        "over_cap": over_cap,
        "min_cash": min_cash,
    }


def check_accounting() -> Check:
    worst = {"imbalance": 0.0, "over_capacity": -1.0, "over_cap": -1.0, "min_cash": math.inf}
    for name in ("baseline", "energy-cap"):
        errs = accounting_errors(simulate(load_scenario(name)))
        for key in ("imbalance", "over_capacity", "over_cap"):
            worst[key] = max(worst[key], errs[key])
        worst["min_cash"] = min(worst["min_cash"], errs["min_cash"])
    ok = (
        worst["imbalance"] < 1e-9
        and worst["over_capacity"] <= 1e-9
        and worst["over_cap"] <= 1e-9
        and worst["min_cash"] >= -1e-6
    )
    detail = (
        f"ledger imbalance {worst['imbalance']:.1e} of flows; energy over capacity {max(worst['over_capacity'], 0):.1e}, "
        f"over cap {max(worst['over_cap'], 0):.1e}; lowest cash {worst['min_cash']:.3g} USD"
    )
    return Check("accounting (money and energy balance)", "pass" if ok else "fail", detail)


# --- step length -------------------------------------------------------------------------------


def headline(result: RunResult) -> dict[str, float]:
    """The headline outputs compared across step lengths: prices (mean over the run), each
    sector's cumulative profit, energy delivered, logical compute, the leader's final excess
    loss, each market's concentration (mean HHI) and total and consumer surplus (cumulative)."""
    m = result.model
    return {
        "token price": float(m["price_usd_per_million_tokens"].mean()),
        "cost per logical FLOP": float(m["cost_usd_per_logical_flop"].mean()),
        "firms' profit": float(m["profit_firms_usd"].sum()),
        "vendors' profit": float(m["profit_vendors_usd"].sum()),
        "suppliers' profit": float(m["profit_suppliers_usd"].sum()),
        "energy delivered": float(m["energy_delivered_mwh"].sum()),
        "logical compute": float(m["compute_logical_flop"].sum()),
        "leader excess loss": float(m["best_loss"].iloc[-1] - result.extras["loss_floor"]),
        "HHI of AI services": float(m["hhi_ai_services"].mean()),
        "HHI of chips": float(m["hhi_chips"].mean()),
        "HHI of energy": float(m["hhi_energy"].mean()),
        "total surplus": float(m["total_surplus_usd"].sum()),
        "consumer surplus": float(m["consumer_surplus_usd"].sum()),
    }


STEP_LENGTH_SEEDS = 16
"""Seeds over which :func:`step_length_changes` takes the median change (see there)."""


def step_length_changes(
    years: float = 20.0, scenario: str = "baseline", seeds: int = STEP_LENGTH_SEEDS
) -> dict[str, float]:
    """Relative change of each :func:`headline` output when the step is halved (monthly to
    half-monthly), random channels off (their laws do not depend on the step, but their draws
    do, so single runs would differ by luck): the median over ``seeds`` seeds of each seed's
    absolute change. What is left random is adaptive firms' reviews, whose draws are the same
    at both step lengths: a firm copies a rival with a probability, so a small change in
    profits flips a copy only now and then, but a flip moves that run's compute by up to about
    10% (seed 5 of the baseline, before the firms' values were averaged per dollar of cost;
    seed 0 after). The step's own error moves every seed alike, a flip one seed in several:
    the median keeps the first and drops the second, which a mean of a few seeds does not
    (the mean of seeds 0-3 and of seeds 4-7 differed by 2 points). Outside the flips the
    seeds' changes of compute spread over about 0-1.3%, so the median of 16 is known to about
    0.1 point (of 8 seeds, 0-7 gave 1.0%, 8-15 0.6%).

    A sector's cumulative profit is compared as a share of its cumulative revenue (the change
    of its margin, :data:`PROFIT_SCALES`): a profit near zero, as the firms' in the baseline,
    would make its relative change meaningless."""
    noise_free = {
        "market.demand_noise": 0.0,
        "firms.breakthrough_mean_size_doublings": 0.0,
        "run.years": years,
    }

    def per_seed(steps_per_year: int) -> list[RunResult]:
        sc = load_scenario(scenario, {**noise_free, "run.steps_per_year": steps_per_year})
        return [simulate_model_table(sc, seed) for seed in range(seeds)]

    def change(monthly: RunResult, halved: RunResult) -> dict[str, float]:
        before, after = headline(monthly), headline(halved)
        return {
            k: abs(after[k] - before[k]) / float(monthly.model[PROFIT_SCALES[k]].sum())
            if k in PROFIT_SCALES
            else abs(after[k] / before[k] - 1.0)
            for k in before
        }

    changes = [change(m, h) for m, h in zip(per_seed(12), per_seed(24), strict=True)]
    return {k: statistics.median(c[k] for c in changes) for k in changes[0]}


PROFIT_SCALES = {
    "firms' profit": "revenue_firms_usd",
    "vendors' profit": "revenue_vendors_usd",
    "suppliers' profit": "revenue_suppliers_usd",
}
"""Headline profits and the revenue column each is measured against across step lengths."""


def check_step_length(years: float = 20.0) -> Check:
    changes = step_length_changes(years)
    worst_key = max(changes, key=changes.__getitem__)
    worst = changes[worst_key]
    status = "pass" if worst < 0.01 else ("warn" if worst < 0.05 else "fail")
    over = ", ".join(f"{k} {v:.2%}" for k, v in changes.items() if v >= 0.01)
    detail = (
        f"halving the step changes the {len(changes)} headline outputs by at most {worst:.2%} "
        f"({worst_key}; limit 1%; baseline, {years:g} years, random channels off, median of "
        f"{STEP_LENGTH_SEEDS} seeds' changes)" + (f"; over the limit: {over}" if over else "")
    )
    return Check("step length (monthly vs half-monthly)", status, detail)


# --- determinism -------------------------------------------------------------------------------


def check_determinism() -> Check:
    scenario = load_scenario("baseline", {"run.years": 5.0})
    a, b, c = simulate(scenario, seed=1), simulate(scenario, seed=1), simulate(scenario, seed=2)
    same = a.model.equals(b.model) and a.agents.equals(b.agents)
    differs = not a.model.equals(c.model)
    status = "pass" if same and differs else "fail"
    return Check(
        "determinism (same seed identical, other seed differs)",
        status,
        f"seed 1 twice identical: {same}; seed 2 differs: {differs}",
    )


# --- calibration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """An observed figure the historical scenario (2020-2025) must reproduce: ``ok`` is the
    observed range (pass), ``plausible`` a wider one (warn), ``source`` where the range comes
    from. Trends compare calendar 2024 with 2020; levels are read in one calendar year."""

    name: str
    unit: str
    ok: tuple[float, float]
    plausible: tuple[float, float]
    source: str


TARGETS: tuple[Target, ...] = (
    Target(
        "frontier run compute growth",
        "x per year",
        (3.5, 5.0),
        (2.5, 8.0),
        "Epoch AI (Sevilla & Roldan 2024): frontier training compute x4-5 a year 2010-2024; "
        "2020-2024 alone, GPT-3 3.1e23 to Gemini 1.0 Ultra 5e25, x3.6-4.1",
    ),
    Target(
        "frontier run power growth",
        "x per year",
        (1.8, 2.5),
        (1.4, 3.5),
        "Epoch AI (2024): power of frontier training runs x2.1 a year",
    ),
    Target(
        "new chip design FLOP/J growth",
        "x per year",
        (1.3, 1.5),
        (1.15, 1.8),
        "Epoch AI ML hardware data: FLOP per joule x1.3-1.5 a year",
    ),
    Target(
        "price per token at fixed capability fall",
        "x per year",
        (5.0, 50.0),
        (2.5, 1000.0),
        "a16z 'LLMflation' (x10 a year); Epoch AI (Cottier et al. 2025: x9 to x900 by "
        "capability threshold)",
    ),
    Target(
        "energy share of compute cost",
        "share",
        (0.04, 0.12),
        (0.02, 0.2),
        "Cottier et al. 2024: energy 2-6% of the amortised cost of frontier training "
        "hardware and energy; accelerators are about half of that hardware, and the model's "
        "compute cost counts accelerators and energy only",
    ),
    Target(
        "largest run 2020",
        "physical FLOP",
        (5e23, 3e24),
        (1e23, 1e25),
        "GPT-3: 3.1e23 FLOP done at ~21% utilisation (Brown et al. 2020; PaLM paper), so "
        "~1.5e24 at chips' peak",
    ),
    Target(
        "largest run 2024",
        "physical FLOP",
        (6e25, 3e26),
        (1.5e25, 1e27),
        "Epoch AI: largest runs ~3.8-5e25 FLOP done (Llama 3.1 405B, Gemini 1.0 Ultra) at "
        "~40% utilisation, so ~1e26 at peak",
    ),
    Target(
        "token price 2020",
        "USD/Mtoken",
        (20.0, 100.0),
        (6.0, 200.0),
        "OpenAI API 2020: GPT-3 davinci 60 USD per million tokens (curie 6)",
    ),
    Target(
        "token price 2024",
        "USD/Mtoken",
        (3.0, 30.0),
        (1.0, 60.0),
        "frontier API list prices 2024, input/output USD per million tokens: GPT-4o 5/15, "
        "Claude 3.5 Sonnet 3/15, GPT-4 Turbo 10/30, Claude 3 Opus 15/75 (blended ~5-30)",
    ),
    Target(
        "AI power 2020",
        "MW",
        (50.0, 500.0),
        (20.0, 2000.0),
        "IEA Energy and AI (2025): accelerated servers a few % of ~300 TWh of data-centre "
        "use in 2020; the modelled labs hold a part of it",
    ),
    Target(
        "AI power 2024",
        "MW",
        (500.0, 5000.0),
        (200.0, 15000.0),
        "IEA Energy and AI (2025): accelerated servers ~15% of 415 TWh (~7 GW) in 2024; the "
        "modelled labs hold a part of it",
    ),
    Target(
        "AI-services revenue 2024",
        "USD/yr",
        (8e9, 2e10),
        (3e9, 8e10),
        "OpenAI about 3.7 bn USD in calendar 2024, Anthropic about 1 bn a year annualised at "
        "its end, Microsoft's AI business 13 bn a year annualised in January 2025 (with "
        "infrastructure, overlapping OpenAI's sales): 15-18 bn annualised, about 10 bn in 2024; "
        "the upper end, 20 bn, is the annualised rate with a little room for labs they do not "
        "name (docs/model.md section 7)",
    ),
    Target(
        "new chip design FLOP/J 2020",
        "FLOP/J",
        (6e11, 9e11),
        (3e11, 1.5e12),
        "NVIDIA A100 SXM: 312 TFLOP/s dense BF16 at 400 W = 7.8e11",
    ),
    Target(
        "new chip design FLOP/J 2024",
        "FLOP/J",
        (1.2e12, 2.3e12),
        (8e11, 4e12),
        "NVIDIA H100 SXM 1.41e12 (989 TFLOP/s at 700 W); B200 2.25e12 (2.25 PFLOP/s at 1 kW)",
    ),
)
"""The calibration targets, each with the source of its band (docs/model.md, calibration)."""


def _by_year(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(calendar_year=np.floor(frame["year"] - 1e-9).astype(int))


def price_usd_per_logical_flop(result: RunResult) -> pd.Series:
    """The market's price per logical FLOP of serving [USD/logical FLOP] by calendar year:
    firms' revenue over the FLOP their tokens took (each firm's price per token over its
    model's FLOP per token, 2 N_opt). Times a fixed model's FLOP per token, it is the price of
    a token at fixed capability."""
    preset = result.scenario.law.preset
    fit = law.CHINCHILLA_FITS[preset if preset in law.CHINCHILLA_FITS else "hoffmann"]
    firms = _by_year(result.agents[result.agents["agent_type"] == "firm"])
    firms = firms[(firms["revenue_usd"] > 0) & (firms["price_usd_per_million_tokens"] > 0)]
    tokens = firms["revenue_usd"] / firms["price_usd_per_million_tokens"] * 1e6
    flop = tokens * production.inference_flop_per_token(
        fit.optimal_params(firms["cumulative_logical_flop"].to_numpy())
    )
    grouped = pd.DataFrame(
        {"year": firms["calendar_year"], "revenue": firms["revenue_usd"], "flop": flop}
    ).groupby("year")
    return grouped["revenue"].sum() / grouped["flop"].sum()


def calibration_measures(result: RunResult) -> dict[str, float]:
    """The historical run's figure for each of :data:`TARGETS`, by name: trends from the
    first to the last calendar year of the run, levels in 2020 and 2024."""
    m = _by_year(result.model)
    yearly = m.groupby("calendar_year")
    first, last = int(m["calendar_year"].min()), int(m["calendar_year"].max())
    span = max(last - first, 1)

    def growth(series: pd.Series) -> float:
        return float((series.loc[last] / series.loc[first]) ** (1.0 / span))

    run = yearly["largest_run_physical_flop"].max()
    power = yearly["largest_run_power_mw"].max()
    design = yearly["frontier_chip_flop_per_joule"].mean()
    price = yearly["price_usd_per_million_tokens"].mean()
    ai_power = yearly["power_delivered_mw"].mean()
    compute_cost = m["cost_usd_per_logical_flop"] * m["compute_logical_flop"]  # energy + chips
    energy = m["energy_spend_firms_usd"].sum()
    revenue = yearly["revenue_firms_usd"].sum()
    out = {
        "frontier run compute growth": growth(run),
        "frontier run power growth": growth(power),
        "new chip design FLOP/J growth": growth(design),
        "price per token at fixed capability fall": 1.0
        / growth(price_usd_per_logical_flop(result)),
        "energy share of compute cost": float(energy / compute_cost.sum()),
        "AI-services revenue 2024": float(revenue.loc[2024]) if 2024 in revenue.index else math.nan,
    }
    for year in (2020, 2024):
        have = year in run.index
        out[f"largest run {year}"] = float(run.loc[year]) if have else math.nan
        out[f"token price {year}"] = float(price.loc[year]) if have else math.nan
        out[f"AI power {year}"] = float(ai_power.loc[year]) if have else math.nan
        out[f"new chip design FLOP/J {year}"] = float(design.loc[year]) if have else math.nan
    return out


def calibration_checks(result: RunResult | None = None) -> list[Check]:
    """The historical scenario (or ``result``) against :data:`TARGETS`, each with its source."""
    if result is None:
        result = simulate(load_scenario("historical"))
    measured = calibration_measures(result)
    checks = []
    for t in TARGETS:
        check = _banded(f"calibration: {t.name}", measured[t.name], t.ok, t.plausible, t.unit)
        checks.append(Check(check.name, check.status, f"{check.detail}; source: {t.source}"))
    return checks


CHECKS: tuple[Callable[[], Check | list[Check]], ...] = (
    check_reduction,
    check_accounting,
    check_step_length,
    check_determinism,
    calibration_checks,
)


def run_checks(progress: bool = False) -> list[Check]:
    """Run every check of the reduction to the papers (docs/model.md section 5), in order."""
    from tqdm import tqdm

    out: list[Check] = []
    for check in tqdm(CHECKS, desc="validating", disable=not progress, leave=False):
        result = check()
        out += result if isinstance(result, list) else [result]
    return out


def frame(checks: list[Check]) -> pd.DataFrame:
    return pd.DataFrame([c.as_dict() for c in checks])
