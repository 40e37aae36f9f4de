"""A panel's readouts in plain words, the technical term in each one's tooltip (no Solara here).

:func:`rows` turns a panel's model and history into a fixed list of rows (year, best model,
price, who earns, power), always the same rows in the same order so that panels A and B line
up. :func:`value_capture` is the one place that says who captures the value: it shows levels,
and shares only while the total is positive. :class:`experiments.dashboard.plot.ReadoutBox` shows the rows in the page.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from experiments.dashboard.controls import format_number
from experiments.dashboard.series import SECTOR_WORDS, SECTORS
from sim.policies import active_policies

if TYPE_CHECKING:
    from experiments.dashboard.runner import Panel

GLOSSARY: dict[str, str] = {
    "model error (loss)": "How badly a lab's model predicts text: its cross-entropy loss, in nats "
    "per token, on the shared scaling law L = E + K C^-kappa. Lower is better; it can never "
    "fall below the floor E.",
    "error above the floor (excess loss)": "L - E: the part of the loss that more training "
    "compute C can still remove. The 'Who leads' figure shows it on a log scale.",
    "closed-form curve (mean field)": "What the papers' formula predicts for a lab that starts "
    "with the most compute and doubles its effective compute twice a year: "
    "(L - E) = (L0 - E) (C/C0)^-kappa.",
    "relative excess loss (X)": "A lab's error above the floor divided by the reference model's: "
    "1 at the start, falling towards 0 as compute grows.",
    "useful compute per joule (logical FLOP/J)": "The whole efficiency chain: site (share of grid "
    "power that reaches the chips, 1/PUE) x chips (FLOP per joule) x algorithms (useful FLOP "
    "per FLOP).",
    "share of buyers' budget (market share)": "The share of buyers' potential spending on AI "
    "services that each lab wins; the rest goes to the outside option (not buying AI).",
    "profit since the start": "Revenue minus costs, summed over the run so far, for each sector: "
    "AI labs, chip makers (hardware vendors) and power companies (energy suppliers).",
    "margin": "Profit per dollar of sales in the last step.",
    "energy cap": "A limit on the power all labs together may draw; deliveries are cut in "
    "proportion when they ask for more (the cap is 'binding').",
    "HHI": "Herfindahl-Hirschman index of market concentration: the sum of squared market "
    "shares, from near 0 (many small firms) to 1 (one firm).",
}
"""Plain term -> what it means, with the technical term; shown under the panels."""


def value_capture(levels_usd: dict[str, float]) -> tuple[str, str]:
    """Who captures the value: (text, tooltip) from each sector's profit since the start [USD].

    Levels always; shares of the total only while the total is positive (a share of a negative
    total has no meaning). Issue 9 adds total surplus (buyers included): switch the levels
    passed here and the wording, nothing else.
    """
    total = sum(levels_usd.values())
    parts = [f"{SECTOR_WORDS[s]} {usd(levels_usd[s])}" for s in SECTORS]
    text = ", ".join(parts)
    if total > 0:
        shares = " / ".join(f"{levels_usd[s] / total:.0%}" for s in SECTORS)
        text += f" (shares {shares})"
    else:
        text += " (no shares: together they have lost money)"
    tip = (
        "Profit since the start of the run, summed over each sector's companies; "
        "shares are of the three sectors' total profit, shown only while that total is positive."
    )
    return text, tip


def usd(x: float) -> str:
    """Money in words: $1.2T, $350B, $20M, -$4.0B."""
    if not math.isfinite(x):
        return "—"
    sign = "-" if x < 0 else ""
    a = abs(x)
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= scale:
            return f"{sign}${a / scale:.3g}{suffix}"
    return f"{sign}${a:.3g}"


def _row(key: str, label: str, text: str, tip: str) -> dict[str, str]:
    return {"key": key, "label": label, "text": text, "tip": tip}


def error_row(text: str) -> dict[str, str]:
    return _row("error", "Stopped:", text, "")


def rows(panel: Panel) -> list[dict[str, str]]:
    """The panel's readouts now: year, best model, price, who earns, power (and an error)."""
    model, last = panel.model, panel.history.last
    run = panel.scenario.run
    year = run.start_year + model.steps * run.dt_years
    out = [
        _row(
            "year",
            "Year",
            f"{year:.2f} · step {model.steps} of {run.n_steps}",
            f"One step is {12 * run.dt_years:g} month(s) of simulated time.",
        )
    ]
    firms = list(model.firms)
    if firms:
        leader = min(firms, key=lambda f: f.loss)
        out.append(
            _row(
                "leader",
                "Best model:",
                f"{leader.name}, error {leader.loss:.4f} nats/token · {len(firms)} labs in the market",
                "The lab whose model has the lowest loss (cross-entropy, nats per token; lower "
                f"is better). Its relative excess loss X is {leader.relative_excess_loss:.3g}.",
            )
        )
    else:
        out.append(_row("leader", "Best model:", "none (every lab has left the market)", ""))
    price = last.get("price_usd_per_million_tokens", math.nan)
    out.append(
        _row(
            "price",
            "Price:",
            f"{format_number(price)} USD per million tokens"
            if math.isfinite(price)
            else "— (nothing sold yet)",
            "Average price buyers paid for a million tokens in the last step.",
        )
    )
    text, tip = value_capture({s: last.get(f"cum_profit_{s}_usd", 0.0) for s in SECTORS})
    out.append(_row("profit", "Profit so far:", text, tip))
    out.append(_row("energy", "Power:", *_power(panel)))
    if panel.error:
        out.append(error_row(panel.error))
    return out


def _power(panel: Panel) -> tuple[str, str]:
    """Power delivered and built, and the energy cap as the model's policy lookup has it."""
    model, last = panel.model, panel.history.last
    built = last.get("energy_capacity_mw", math.nan)
    delivered = last.get("power_delivered_mw", math.nan)
    text = (
        f"{format_number(delivered)} MW delivered of {format_number(built)} MW built"
        if math.isfinite(delivered)
        else f"— delivered (no step yet) of {format_number(built)} MW built"
    )
    tip = "Average power delivered to the labs in the last step, and the power companies' capacity."
    lever = panel.scenario.policies.energy_cap
    if lever is None:
        return text + " · no energy cap", tip
    run = panel.scenario.run
    year_now = run.start_year + model.steps * run.dt_years
    # the cap of the step just run (the model looks up the levers at a step's start)
    cap_now = active_policies(panel.scenario.policies, year_now - run.dt_years).energy_cap_mw
    cap_next = active_policies(panel.scenario.policies, year_now).energy_cap_mw
    tip += " Energy cap: a limit on the power all labs together may draw."
    if model.steps > 0 and math.isfinite(cap_now):
        binding = "binding" if last.get("energy_cap_binding", 0.0) > 0.5 else "not binding"
        return text + f" · cap {format_number(cap_now)} MW ({binding})", tip
    if math.isfinite(cap_next):
        return text + f" · cap {format_number(cap_next)} MW", tip
    if year_now < lever.from_year:
        return text + f" · cap {format_number(lever.cap_mw)} MW from {lever.from_year:g}", tip
    return text + f" · cap {format_number(lever.cap_mw)} MW ended", tip
