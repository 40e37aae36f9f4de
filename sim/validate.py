"""The checks of the reduction to the papers (docs/model.md section 5), each giving pass, warn or fail with the measured figure.

``effrace validate`` prints them; the test suite asserts that none fails. Calibration bands
(section 4) give ``pass`` inside the observed range and ``warn`` inside a wider plausible one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import law
from sim.params import HOURS_PER_YEAR
from sim.run import RunResult, simulate
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
        f"{what} {value:.3g} (observed {ok[0]:g}-{ok[1]:g}; plausible {plausible[0]:g}-{plausible[1]:g})",
    )


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
    capacity_mwh = m["energy_capacity_mw"] * HOURS_PER_YEAR * dt
    # capacity is read at the end of the step, so allow for what arrived during it
    over_capacity = float(((m["energy_delivered_mwh"] - capacity_mwh) / capacity_mwh).max())
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
    """Outputs compared across step lengths: the leader's excess loss, all fleets' cumulative
    compute, and cumulative revenue by sector (profit, a small difference of large flows, is
    ill-conditioned as a ratio)."""
    m = result.model
    floor = result.extras["loss_floor"]
    firms = result.agents[result.agents["agent_type"] == "firm"]
    final = firms[firms["step"] == firms["step"].max()]
    return {
        "leader excess loss": float(final["loss"].min() - floor),
        "total compute": float(m["compute_logical_flop"].sum()),
        "firms' revenue": float(m["revenue_firms_usd"].sum()),
        "vendors' revenue": float(m["revenue_vendors_usd"].sum()),
        "suppliers' revenue": float(m["revenue_suppliers_usd"].sum()),
    }


def check_step_length(years: float = 10.0) -> Check:
    # the random channels off (demand shocks, R&D breakthroughs): their laws do not depend on
    # the step, but their draws do, so single runs would differ by luck
    noise_free = {
        "market.demand_noise": 0.0,
        "firms.breakthrough_mean_size_doublings": 0.0,
        "run.years": years,
    }
    monthly = headline(
        simulate(load_scenario("baseline", {**noise_free, "run.steps_per_year": 12}))
    )
    halved = headline(simulate(load_scenario("baseline", {**noise_free, "run.steps_per_year": 24})))
    changes = {k: abs(halved[k] / monthly[k] - 1.0) for k in monthly}
    worst_key = max(changes, key=changes.__getitem__)
    worst = changes[worst_key]
    status = "pass" if worst < 0.01 else ("warn" if worst < 0.05 else "fail")
    detail = f"halving the step changes headline outputs by at most {worst:.2%} ({worst_key}; baseline, {years:g} years, random channels off)"
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


def calibration_checks() -> list[Check]:
    """The historical scenario against docs/analytic.md section 4's observed trends."""
    result = simulate(load_scenario("historical"))
    m, agents = result.model, result.agents
    firms = agents[agents["agent_type"] == "firm"].copy()
    firms["calendar_year"] = np.floor(firms["year"] - 1e-9).astype(int)
    yearly = (
        firms.groupby(["calendar_year", "agent_id"])["training_logical_flop"]
        .sum()
        .groupby("calendar_year")
        .max()
    )
    years = len(yearly) - 1
    compute_growth = (
        float((yearly.iloc[-1] / yearly.iloc[0]) ** (1 / years)) if years > 0 else math.nan
    )
    m = m.assign(calendar_year=np.floor(m["year"] - 1e-9).astype(int))
    cost = m.groupby("calendar_year")["cost_usd_per_logical_flop"].mean()
    cost_fall = float((cost.iloc[0] / cost.iloc[-1]) ** (1 / years))
    spend = m[["energy_spend_firms_usd", "chip_spend_firms_usd", "rnd_spend_firms_usd"]].sum()
    energy_share = float(spend["energy_spend_firms_usd"] / spend.sum())
    power = m.groupby("calendar_year")["power_delivered_mw"].mean()
    power_growth = float((power.iloc[-1] / power.iloc[0]) ** (1 / years))
    chip = firms.groupby("calendar_year")["chip_flop_per_joule"].max()
    chip_growth = float((chip.iloc[-1] / chip.iloc[0]) ** (1 / years))
    return [
        _banded(
            "calibration: frontier training compute growth",
            compute_growth,
            (4, 5),
            (2.5, 8),
            "x per year",
        ),
        _banded(
            "calibration: cost per logical FLOP fall (price at fixed capability)",
            cost_fall,
            (5, 20),
            (2.5, 100),
            "x per year",
        ),
        _banded(
            "calibration: energy share of AI firms' spending",
            energy_share,
            (0.02, 0.06),
            (0.01, 0.15),
            "share",
        ),
        _banded("calibration: AI power growth", power_growth, (1.6, 2.6), (1.2, 4), "x per year"),
        _banded(
            "calibration: fleet FLOP per joule growth",
            chip_growth,
            (1.3, 1.5),
            (1.15, 1.8),
            "x per year",
        ),
    ]


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
