"""What the dashboard's figures show, as data: one observation of the model per step (no Solara,
no plotting library here).

:func:`observe` reads the model after a step (and at step 0) into a flat dict of floats; a
:class:`History` keeps them; the figures of :data:`FIGURES` are rows of traces over those keys,
which :mod:`experiments.dashboard.figures` turns into plotly.js figures and per-step deltas.
Every key is a model output (``sim.model.MODEL_OUTPUTS``) or an agent output
(``sim.model.AGENT_OUTPUTS``) read the way the model's DataCollector reads it (the attribute of
that name), or a running sum of one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim import law
from sim.model import EfficiencyRaceModel
from sim.params import HOURS_PER_YEAR, Scenario
from sim.policies import active_policies

SECTORS = ("firms", "vendors", "suppliers")
SECTOR_WORDS = {"firms": "AI labs", "vendors": "chip makers", "suppliers": "power companies"}

PARTIES = (
    "consumers",
    "firms",
    "vendors",
    "suppliers",
    "government",
    "investors",
    "carbon_damages",
)
"""Who gains from the market, as ``sim.run.cumulative_surplus`` lists them (carbon damages as a
negative part)."""
PARTY_WORDS = {
    "consumers": "buyers",
    "firms": "AI labs",
    "vendors": "chip makers",
    "suppliers": "power companies",
    "government": "government",
    "investors": "investors",
    "carbon_damages": "climate damage",
}

MEAN_FIELD_DOUBLINGS_PER_YEAR = 2.0
"""Growth of effective compute in the closed-form reference curve [doublings/yr]: the value
``effrace run``'s loss figure uses (``sim.figures.MEAN_FIELD_DOUBLINGS_PER_YEAR``; a test keeps
them equal)."""

FIRM_OUTPUTS = (
    "loss",
    "market_share",
    "price_usd_per_million_tokens",
    "elogical_flop_per_joule",
    "chip_flop_per_joule",
)
"""Agent outputs (``sim.model.AGENT_OUTPUTS``) drawn per AI lab."""


def _num(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def observe(model: EfficiencyRaceModel, totals: dict[str, float]) -> dict[str, float]:
    """The model now, as ``{key: value}``; ``totals`` carries the running sums between steps.

    Keys: the model outputs used by the figures and readouts; ``cum_profit_<sector>_usd``
    (profit since the start [USD]); ``cum_surplus_<party>_usd`` (each party of
    :data:`PARTIES`'s gain since the start [USD], as ``sim.run.cumulative_surplus`` counts it:
    firms' profit net of the dividends they pay, carbon damages negative);
    ``power_demanded_mw`` [MW]; ``served_share`` [-];
    ``excess_loss:<id>`` [nats/token] and ``<agent output>:<id>`` for every AI lab in the market
    (labs that have left are absent). At step 0 the model's per-step outputs are NaN.
    """
    run = model.config.run
    out: dict[str, float] = {
        "step": float(model.steps),
        "year": run.start_year + model.steps * run.dt_years,
    }
    for name in (
        "price_usd_per_million_tokens",
        "power_delivered_mw",
        "energy_capacity_mw",
        "energy_cap_binding",
        "outside_option_share",
        "hhi_ai_services",
        "best_loss",
        "emissions_t_co2",
        *(f"profit_{s}_usd" for s in SECTORS),
        *(f"revenue_{s}_usd" for s in SECTORS),
        *(f"margin_{s}" for s in SECTORS),
        "consumer_surplus_usd",
        "government_revenue_usd",
        "dividends_usd",
        "carbon_damages_usd",
    ):
        out[name] = _num(getattr(model, name, math.nan))
    if model.steps == 0:
        out["energy_capacity_mw"] = float(sum(s.capacity_mw for s in model.suppliers))
    for sector in SECTORS:
        profit = out[f"profit_{sector}_usd"]
        if math.isfinite(profit):
            totals[sector] = totals.get(sector, 0.0) + profit
        out[f"cum_profit_{sector}_usd"] = totals.get(sector, 0.0)
    _add_surplus(out, totals)
    demand_mwh = _num(getattr(model, "energy_demand_mwh", math.nan))
    out["power_demanded_mw"] = demand_mwh / (HOURS_PER_YEAR * run.dt_years)
    delivered = out["power_delivered_mw"]
    demanded = out["power_demanded_mw"]
    out["served_share"] = delivered / demanded if demanded > 0 else math.nan
    floor = model.law.loss_floor
    table = model.firm_table  # the labs' rows, read whole (the views are one row each)
    ids = [view.unique_id for view in table.views]
    for name in FIRM_OUTPUTS:
        values = np.asarray(getattr(table, name), dtype=np.float64).tolist()
        out.update({f"{name}:{uid}": value for uid, value in zip(ids, values, strict=True)})
    for uid in ids:
        out[f"excess_loss:{uid}"] = out[f"loss:{uid}"] - floor
    if model.steps == 0:  # nothing sold yet: no shares or prices
        for firm in model.firms:
            out[f"market_share:{firm.unique_id}"] = math.nan
            out[f"price_usd_per_million_tokens:{firm.unique_id}"] = math.nan
    return out


def _add_surplus(out: dict[str, float], totals: dict[str, float]) -> None:
    """Running sums of each party's gain (``cum_surplus_<party>_usd``) into ``out``."""
    gains = {
        "consumers": out["consumer_surplus_usd"],
        "firms": out["profit_firms_usd"] - out["dividends_usd"],
        "vendors": out["profit_vendors_usd"],
        "suppliers": out["profit_suppliers_usd"],
        "government": out["government_revenue_usd"],
        "investors": out["dividends_usd"],
        "carbon_damages": -out["carbon_damages_usd"],
    }
    for party, gain in gains.items():
        key = f"surplus:{party}"
        if math.isfinite(gain):
            totals[key] = totals.get(key, 0.0) + gain
        out[f"cum_surplus_{party}_usd"] = totals.get(key, 0.0)


@dataclass
class History:
    """Every observation of one panel's model, step by step (step 0 first)."""

    rows: list[dict[str, float]] = field(default_factory=list)
    totals: dict[str, float] = field(default_factory=dict)

    def record(self, model: EfficiencyRaceModel) -> dict[str, float]:
        row = observe(model, self.totals)
        self.rows.append(row)
        return row

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, key: str, start: int = 0) -> list[float]:
        return [row.get(key, math.nan) for row in self.rows[start:]]

    @property
    def last(self) -> dict[str, float]:
        return self.rows[-1]


# --------------------------------------------------------------------------------------------
# the figures, as data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trace:
    """A line: one key of the observations (``per_lab``: one line per AI lab, key ``key:<id>``)."""

    key: str
    label: str
    color: str = ""
    dash: str = "solid"
    width: float = 2.0
    per_lab: bool = False


@dataclass(frozen=True)
class Row:
    """One subplot: its y-axis (plain words, the unit in brackets) and its lines."""

    title: str
    traces: tuple[Trace, ...]
    log: bool = False
    percent: bool = False
    money: bool = False
    reference: str = ""
    """A line known before the run (drawn whole from step 0): ``mean_field`` or ``energy_cap``."""


@dataclass(frozen=True)
class FigureDef:
    name: str
    tab: str
    """The tab's label, in plain words."""
    question: str
    """What the figure answers."""
    rows: tuple[Row, Row]


SECTOR_COLORS = {"firms": "#7b3294", "vendors": "#e66101", "suppliers": "#1a9641"}

FIGURES: dict[str, FigureDef] = {
    f.name: f
    for f in (
        FigureDef(
            "race",
            "Who leads",
            "Which lab has the best model, and how fast do models improve?",
            (
                Row(
                    "model error above the floor [nats/token], log",
                    (Trace("excess_loss", "", per_lab=True, width=1.8),),
                    log=True,
                    reference="mean_field",
                ),
                Row(
                    "share of buyers' tasks",
                    (Trace("market_share", "", per_lab=True, width=1.8),),
                    percent=True,
                ),
            ),
        ),
        FigureDef(
            "money",
            "Who earns",
            "Which sector captures the value: profit since the start, and margins.",
            (
                Row(
                    "profit since the start [USD]",
                    tuple(
                        Trace(f"cum_profit_{s}_usd", SECTOR_WORDS[s], SECTOR_COLORS[s])
                        for s in SECTORS
                    ),
                    money=True,
                ),
                Row(
                    "profit per dollar of sales (margin)",
                    tuple(
                        Trace(f"margin_{s}", SECTOR_WORDS[s], SECTOR_COLORS[s], width=1.5)
                        for s in SECTORS
                    ),
                    percent=True,
                ),
            ),
        ),
        FigureDef(
            "prices",
            "Prices",
            "What do AI services cost, and how many tasks do buyers leave to the open model or not buy?",
            (
                Row(
                    "price per million tokens [USD], log",
                    (
                        Trace("price_usd_per_million_tokens", "average paid", "#000000", width=2.6),
                        Trace("price_usd_per_million_tokens", "", per_lab=True, width=1.0),
                    ),
                    log=True,
                ),
                Row(
                    "share of tasks not bought from the labs",
                    (Trace("outside_option_share", "open model or no AI", "#000000"),),
                    percent=True,
                ),
            ),
        ),
        FigureDef(
            "energy",
            "Power",
            "Is AI short of power? Asked for, delivered, built and capped.",
            (
                Row(
                    "average power [MW], log",
                    (
                        Trace("power_demanded_mw", "asked for by labs", "#7b3294", "dot", 2.0),
                        Trace("energy_capacity_mw", "built by power companies", "#1a9641", width=3),
                        Trace("power_delivered_mw", "delivered", "#2c7bb6", width=2.0),
                    ),
                    log=True,
                    reference="energy_cap",
                ),
                Row(
                    "share of the power asked for that was delivered",
                    (Trace("served_share", "delivered / asked for", "#000000"),),
                    percent=True,
                ),
            ),
        ),
        FigureDef(
            "efficiency",
            "Efficiency",
            "How much useful compute does each lab get from a joule?",
            (
                Row(
                    "useful compute per joule [logical FLOP/J], log",
                    (Trace("elogical_flop_per_joule", "", per_lab=True, width=1.8),),
                    log=True,
                ),
                Row(
                    "chips: FLOP per joule of the fleet [FLOP/J], log",
                    (Trace("chip_flop_per_joule", "", per_lab=True, width=1.8),),
                    log=True,
                ),
            ),
        ),
    )
}
DEFAULT_FIGURE = "race"


def horizon_years(scenario: Scenario) -> np.ndarray:
    """Calendar year of every step of the run, step 0 (the start) included."""
    run = scenario.run
    return run.start_year + np.arange(run.n_steps + 1) * run.dt_years


def mean_field_curve(model: EfficiencyRaceModel) -> tuple[np.ndarray, np.ndarray]:
    """The closed-form reference for the whole run: L(t) - E = (L0 - E) X(t) [nats/token].

    Starts at the excess loss of the lab with the most compute at step 0 (as in ``effrace
    run``'s loss figure) and grows its compute at :data:`MEAN_FIELD_DOUBLINGS_PER_YEAR`.
    """
    years = horizon_years(model.config)
    firms = list(model.firms)
    if not firms:
        return years, np.full_like(years, np.nan)
    first = max(firms, key=lambda f: model.initial_compute_flop.get(f.unique_id, 0.0))
    start_excess = model.law.k_coefficient * model.initial_compute_flop[first.unique_id] ** (
        -model.law.kappa
    )
    x = np.asarray(
        law.relative_excess_loss(
            years - years[0],
            MEAN_FIELD_DOUBLINGS_PER_YEAR,
            model.law.kappa,
            tau0_years=model.config.law.tau0_years,
        ),
        dtype=np.float64,
    )
    return years, start_excess * x


def energy_cap_schedule(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """The energy cap in force during every step of the run [MW] (NaN where none), placed at the
    step's end like every output, from the model's own lookup of the levers in force
    (:func:`sim.policies.active_policies`, called with the step's start as the model does)."""
    years = horizon_years(scenario)
    starts = np.maximum(years - scenario.run.dt_years, years[0])
    cap = np.array([active_policies(scenario.policies, y).energy_cap_mw for y in starts])
    return years, np.where(np.isfinite(cap), cap, np.nan)
