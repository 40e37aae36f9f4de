"""Which policy levers apply at a given time, and with what values: a pure function of the
scenario's :class:`sim.params.PolicyParams` and the calendar year."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.params import LINKS, PolicyParams, RunParams, Scenario


@dataclass(frozen=True)
class ActivePolicies:
    """The levers in force during one step. Neutral values mean "off"."""

    energy_cap_mw: float = math.inf
    energy_cap_allocation: str = "auction"
    carbon_tax_usd_per_t_co2: float = 0.0
    rnd_subsidy_rate: dict[str, float] = field(
        default_factory=lambda: {"firms": 0.0, "vendors": 0.0, "suppliers": 0.0}
    )
    export_region: str | None = None
    export_max_flop_per_joule: float = math.inf
    export_quota_chips_per_year: float = math.inf
    export_lag_years: float = math.inf
    export_leakage_share: float = 0.0
    compute_threshold_flop: float = math.inf
    compliance_cost_usd_per_year: float = 0.0
    compliance_delay_share: float = 0.0
    shock_doublings_per_year: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(LINKS, 0.0)
    )


def active_policies(policies: PolicyParams, year: float) -> ActivePolicies:
    """The levers in force at calendar time ``year`` [calendar year]."""
    kwargs: dict = {}
    cap = policies.energy_cap
    if cap is not None and cap.active(year):
        kwargs["energy_cap_mw"] = cap.cap_mw
        kwargs["energy_cap_allocation"] = cap.allocation
    tax = policies.carbon_tax
    if tax is not None and tax.active(year):
        kwargs["carbon_tax_usd_per_t_co2"] = tax.usd_per_t_co2
    subsidy = {"firms": 0.0, "vendors": 0.0, "suppliers": 0.0}
    for lever in policies.rnd_subsidy:
        if lever.active(year):
            # several subsidies for one sector do not stack beyond 95% of the spending
            subsidy[lever.sector] = min(0.95, subsidy[lever.sector] + lever.rate)
    kwargs["rnd_subsidy_rate"] = subsidy
    export = policies.export_control
    if export is not None and export.active(year):
        kwargs["export_region"] = export.region
        kwargs["export_max_flop_per_joule"] = export.max_flop_per_joule
        kwargs["export_quota_chips_per_year"] = export.quota_chips_per_year
        kwargs["export_lag_years"] = export.lag_years
        kwargs["export_leakage_share"] = export.leakage_share
    threshold = policies.compute_threshold
    if threshold is not None and threshold.active(year):
        kwargs["compute_threshold_flop"] = threshold.threshold_flop
        kwargs["compliance_cost_usd_per_year"] = threshold.compliance_cost_usd_per_year
        kwargs["compliance_delay_share"] = threshold.delay_share
    shocks = dict.fromkeys(LINKS, 0.0)
    for shock in policies.efficiency_shock:
        if shock.active(year):
            shocks[shock.link] += shock.delta_doublings_per_year
    kwargs["shock_doublings_per_year"] = shocks
    return ActivePolicies(**kwargs)


def levers_in_force(policies: PolicyParams, year: float) -> frozenset[str]:
    """Names of the levers in force at ``year`` (``"rnd_subsidy[0]"``... for repeated
    levers): what changes when a lever starts or stops, not when its value moves."""
    names: set[str] = set()
    for name in ("energy_cap", "carbon_tax", "export_control", "compute_threshold"):
        lever = getattr(policies, name)
        if lever is not None and lever.active(year):
            names.add(name)
    for name in ("rnd_subsidy", "efficiency_shock"):
        for i, lever in enumerate(getattr(policies, name)):
            if lever.active(year):
                names.add(f"{name}[{i}]")
    return frozenset(names)


def steps_in_force(lever: Any, run: RunParams) -> np.ndarray:
    """For each step of the run, whether ``lever`` (any lever's parameters) is in force at the
    step's start [calendar year], counted as the model counts it (``lever.active``, the rule
    the model applies)."""
    starts = run.start_year + np.arange(run.n_steps) * run.dt_years
    return np.array([lever.active(float(year)) for year in starts], dtype=bool)


def idle_levers(scenario: Scenario) -> list[str]:
    """Why each lever the scenario switches on changes nothing in its run, one line each: a
    lever in force at none of the run's steps (its ``from_year`` after the run ends, or its
    ``for_years`` over before the run starts; a lever switched off with ``for_years = 0`` is
    meant to be off and not listed), or an export control on a region none of the firms is in.
    ``effrace run`` and ``effrace compare`` print them as warnings: the run is valid, but a
    comparison against the lever's absence would find every difference 0."""
    run = scenario.run
    end = run.start_year + run.n_steps * run.dt_years
    policies = scenario.policies
    named = [
        (name, getattr(policies, name))
        for name in ("energy_cap", "carbon_tax", "export_control", "compute_threshold")
    ]
    for name in ("rnd_subsidy", "efficiency_shock"):
        named += [(f"{name}[{i}]", lever) for i, lever in enumerate(getattr(policies, name))]
    out = []
    for name, lever in named:
        if lever is None or lever.for_years == 0:
            continue
        if not steps_in_force(lever, run).any():
            until = "" if math.isinf(lever.for_years) else f" for {lever.for_years:g} years"
            out.append(
                f"policies.{name} (from {lever.from_year:g}{until}) is in force at no step of "
                f"the run ({run.start_year:g}-{end:g}), so it changes nothing"
            )
    control = policies.export_control
    if control is not None and control.for_years > 0:
        regions = sorted({f.region for f in scenario.firms})
        if control.region not in regions:
            out.append(
                f"policies.export_control: no firm is in region '{control.region}' (firms' "
                f"regions: {', '.join(regions)}), so it changes nothing"
            )
    return out
