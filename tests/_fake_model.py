"""A stand-in for ``sim.run.simulate`` with the same output contract, fast and deterministic.

The sweep machinery is tested against it where the real model would only make a test slower
without testing anything more (memory, failures, designs); everything that claims identity with
the real model uses ``sim.run.simulate``. The numbers mean nothing: they only depend on the
parameters the tests vary and on the seed, so that a test can tell runs apart.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.params import Scenario

FAIL_ABOVE_KAPPA = 0.29
"""``simulate_failing`` raises for runs whose law.kappa is above this [-]."""


@dataclass
class FakeResult:
    model: pd.DataFrame
    agents: pd.DataFrame
    scenario: Scenario


def simulate(scenario: Scenario, seed: int | np.random.SeedSequence | None = None) -> FakeResult:
    """A model table with the contract's columns, a smooth function of a few parameters plus noise."""
    rng = np.random.default_rng(seed if seed is not None else scenario.run.seed)
    run = scenario.run
    n = run.n_steps
    step = np.arange(n)
    years_in = (step + 1) / run.steps_per_year
    kappa = scenario.law.kappa if scenario.law.kappa is not None else 0.178
    g = scenario.vendors[0].flop_per_joule_doublings_per_year + 1.5
    chip_share = scenario.firms[0].chip_share
    noise = rng.normal(0.0, 0.01, n)
    relative = (1.0 + (2.0 ** (g * years_in) - 1.0) / (g * np.log(2.0))) ** (-kappa)
    loss = 1.8172 + 1.0 * relative * (1.0 + noise)
    cap = scenario.policies.energy_cap
    tax = scenario.policies.carbon_tax
    capacity = scenario.suppliers[0].capacity_mw * 2.0 ** (0.3 * years_in)
    cap_mw = np.full(n, np.nan) if cap is None else np.full(n, cap.cap_mw)
    binding = np.zeros(n) if cap is None else (capacity > cap.cap_mw).astype(float)
    tax_rate = 0.0 if tax is None else tax.usd_per_t_co2
    profits = np.stack(
        [
            1e9 * chip_share * (1.0 + rng.normal(0.0, 0.1, n)),
            2e9 * (1.0 + 0.5 * years_in) - 1e6 * tax_rate,
            5e8 * np.ones(n) - 1e6 * tax_rate,
        ]
    )
    consumers = 3e9 * (1.0 + years_in)
    parts = np.vstack([consumers, profits])
    shares = parts / np.maximum(parts, 0.0).sum(axis=0)
    model = pd.DataFrame(
        {
            "year": run.start_year + years_in,
            "step": step,
            "ledger_imbalance_usd": np.zeros(n),
            "energy_delivered_mwh": capacity * 730.5,
            "energy_capacity_mw": capacity,
            "energy_cap_mw": cap_mw,
            "energy_cap_binding": binding,
            "price_usd_per_million_tokens": 10.0 * 0.3**years_in * (1 + noise),
            "cost_usd_per_logical_flop": 1e-18 * 2.0 ** (-g * years_in),
            "hhi_ai_services": 0.3 + 0.1 * chip_share + 0.0 * noise,
            "hhi_chips": np.full(n, 1.0),
            "hhi_energy": np.full(n, 1.0),
            "profit_firms_usd": profits[0],
            "profit_vendors_usd": profits[1],
            "profit_suppliers_usd": profits[2],
            "margin_firms": 0.1 + 0.2 * chip_share + 0.01 * noise,
            "margin_vendors": 0.6 + 0.01 * years_in,
            "margin_suppliers": 0.15 - 0.001 * tax_rate,
            "consumer_surplus_usd": consumers,
            "dividends_usd": np.zeros(n),
            "government_revenue_usd": np.zeros(n),
            "carbon_damages_usd": np.zeros(n),
            "surplus_share_consumers": shares[0],
            "surplus_share_firms": shares[1],
            "surplus_share_vendors": shares[2],
            "surplus_share_suppliers": shares[3],
            "best_loss": loss,
            "best_relative_excess_loss": relative,
            "n_firms_active": np.full(n, float(len(scenario.firms))),
        }
    )
    agents = pd.DataFrame(
        {
            "year": model["year"],
            "step": step,
            "agent_id": 0,
            "agent_type": "firm",
            "name": scenario.firms[0].name,
            "cash_usd": 1e9,
            "profit_usd": profits[0],
        }
    )
    delay = float(os.environ.get("FAKE_MODEL_SECONDS", "0"))
    if delay:
        time.sleep(delay)
    return FakeResult(model, agents, scenario)


def simulate_failing(scenario: Scenario, seed: Any = None) -> FakeResult:
    """Like :func:`simulate`, but raises for a law.kappa above :data:`FAIL_ABOVE_KAPPA`."""
    kappa = scenario.law.kappa
    if kappa is not None and kappa > FAIL_ABOVE_KAPPA:
        raise FloatingPointError(f"kappa {kappa:.3f} blew up")
    return simulate(scenario, seed)


def simulate_light(scenario: Scenario, seed: Any = None) -> FakeResult:
    """The few columns a store test keeps, as cheaply as possible (for memory measurements)."""
    rng = np.random.default_rng(seed)
    n = scenario.run.n_steps
    step = np.arange(1, n + 1)
    model = pd.DataFrame(
        {
            "year": scenario.run.start_year + step / scenario.run.steps_per_year,
            "step": step,
            "best_loss": 2.0 + rng.random(n),
            "price_usd_per_million_tokens": rng.random(n),
            "hhi_ai_services": rng.random(n),
            "margin_firms": rng.random(n),
        }
    )
    return FakeResult(model, model.iloc[:0], scenario)


def simulate_additive(scenario: Scenario, seed: Any = None) -> FakeResult:
    """Outputs with known sensitivity indices, for law.kappa in [0.1, 0.3] and firms.chip_share
    in [0, 1] (uniform): ``margin_firms = 10 kappa + chip_share`` at every step (variance shares
    0.8 and 0.2), and ``best_loss = 10 kappa u + chip_share (1 - u)`` at u = step / n_steps,
    whose kappa share 4u^2 / (4u^2 + (1 - u)^2) grows from 0 to 1 over the run."""
    n = scenario.run.n_steps
    step = np.arange(1, n + 1)
    u = step / n
    kappa = scenario.law.kappa if scenario.law.kappa is not None else 0.2
    share = scenario.firms[0].chip_share
    model = pd.DataFrame(
        {
            "year": scenario.run.start_year + step / scenario.run.steps_per_year,
            "step": step,
            "margin_firms": np.full(n, 10.0 * kappa + share),
            "best_loss": 10.0 * kappa * u + share * (1.0 - u),
            "hhi_chips": np.ones(n),
        }
    )
    return FakeResult(model, model.iloc[:0], scenario)


TERMINATE_AT_CALL = 3
"""``simulate_terminated`` sends this process SIGTERM in its call of this number (from 1)."""
_calls = [0]


def simulate_terminated(scenario: Scenario, seed: Any = None) -> FakeResult:
    """``simulate``, but its third call in this process sends the process SIGTERM (a killed
    job), as if it came while that run was computing; later calls run normally."""
    _calls[0] += 1
    if _calls[0] == TERMINATE_AT_CALL:
        import signal

        os.kill(os.getpid(), signal.SIGTERM)
    return simulate(scenario, seed)
