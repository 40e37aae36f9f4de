"""A panel's readouts in plain words, the technical term in each one's tooltip (no Solara here).

:func:`rows` turns a panel's model and history into a fixed list of rows (year, best model,
price, who earns, power), always the same rows in the same order so that panels A and B line
up. :func:`value_capture` is the one place that says who captures the value: it shows levels,
and each party's share of the gains (never a share of a negative total). :class:`experiments.dashboard.plot.ReadoutBox` shows the rows in the page.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from experiments.dashboard.controls import format_number
from experiments.dashboard.series import PARTIES, PARTY_WORDS
from sim.finance import surplus_shares
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
    "relative excess loss (X)": "A lab's error above the floor divided by that of a reference "
    "model trained with 1e24 FLOP: 1 for a model as good as that one, less for a better one "
    "(the shipped scenarios' labs start at about 0.25-1.1), falling towards 0 as compute grows.",
    "useful compute per joule (logical FLOP/J)": "The whole efficiency chain: site (share of grid "
    "power that reaches the chips, 1/PUE) x chips (FLOP per joule) x algorithms (useful FLOP "
    "per FLOP).",
    "share of buyers' tasks (market share)": "Buyers have tasks for AI to do; each picks the "
    "offer worth most to them (how often it gets the task right, times the task's value, less "
    "the price), with tastes that differ (a logit). A lab's market share is the share of all "
    "potential tasks it wins; the rest goes to the outside options: an open-weight model sold "
    "near its cost that keeps improving, or not using AI.",
    "who gains (surplus)": "Buyers gain what the tasks are worth to them above what they pay "
    "(consumer surplus); firms gain profit; the government gains taxes; investors gain "
    "dividends; emissions do damage. A party's share of the gains is its gain over the sum "
    "of what the gainers gained.",
    "profit since the start": "Revenue minus costs, summed over the run so far, for each sector: "
    "AI labs, chip makers (hardware vendors) and power companies (energy suppliers).",
    "margin": "Profit per dollar of sales in the last step.",
    "energy cap": "A limit on the power all labs together may draw. When they ask for more (the "
    "cap is 'binding'), they must buy a permit for every MWh at an auction, whose price rises "
    "until what they ask for fits the cap; the government collects what the permits sell for.",
    "HHI": "Herfindahl-Hirschman index of market concentration: the sum of squared market "
    "shares, from near 0 (many small firms) to 1 (one firm).",
}
"""Plain term -> what it means, with the technical term; shown under the panels."""


def value_capture(levels_usd: dict[str, float]) -> tuple[str, str]:
    """Who captures the value: (text, tooltip) from each party's gain since the start [USD]
    (keys of :data:`~experiments.dashboard.series.PARTIES`; carbon damages negative).

    Levels always, with each party's share of the gains (:func:`sim.finance.surplus_shares`):
    a share is of what the parties that gain have gained together, never of a negative total,
    so a party that loses shows a negative share; with no gains at all, no shares are shown.
    Parties whose level is zero are left out of the text.
    """
    parties = [p for p in PARTIES if p in levels_usd]
    values = [levels_usd[p] for p in parties]
    shares = surplus_shares(values)
    gained = sum(max(v, 0.0) for v in values)
    parts = []
    for party, value, share in zip(parties, values, shares, strict=True):
        if value == 0.0:
            continue
        part = f"{PARTY_WORDS[party]} {usd(value)}"
        if gained > 0:
            part += f" ({_percent(float(share))})"
        parts.append(part)
    text = ", ".join(parts) if parts else "nothing yet"
    if gained > 0:
        text = f"gains {usd(gained)}: " + text
    tip = (
        "What each party has gained since the start of the run: buyers' consumer surplus (what "
        "the tasks were worth to them above what they paid), the AI labs' profit after the "
        "dividends they paid, chip makers' and power companies' profit, the government's net "
        "revenue, investors' dividends, and the damage of the emissions (negative). In brackets: "
        "the party's share of the gains of those who gained; a party that lost has a negative share."
    )
    if parts:
        tip += f" Total surplus, gains less losses: {usd(sum(values))}."
    return text, tip


def _percent(share: float) -> str:
    """A share in words: 97%, 0.4%, -1%."""
    return f"{share:.0%}" if abs(share) >= 0.01 or share == 0 else f"{share:.1%}"


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
    text, tip = value_capture({p: last.get(f"cum_surplus_{p}_usd", 0.0) for p in PARTIES})
    out.append(_row("profit", "Who gains so far:", text, tip))
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
