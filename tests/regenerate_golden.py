"""Regenerate the golden series that tests/test_golden.py compares against: key model outputs
of every shipped scenario.

    python tests/regenerate_golden.py

Run it when the model changes on purpose, check the diff of tests/golden/ (are the changes the
ones you meant?), and commit the new files with the change.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.run import simulate
from sim.scenario import load_scenario, shipped_names

GOLDEN_DIR = Path(__file__).parent / "golden"
COMMAND = "python tests/regenerate_golden.py"
OVERRIDES = {"run.years": 5}
"""Five years reach every shipped policy's start (the latest is 2027) and stay fast."""
EVERY = 6  # steps: twice a year at monthly steps
COLUMNS = [
    "step",
    "year",
    "energy_delivered_mwh",
    "energy_capacity_mw",
    "emissions_t_co2",
    "spending_usd_per_year",
    "tokens_served",
    "price_usd_per_million_tokens",
    "cost_usd_per_logical_flop",
    "hhi_ai_services",
    "revenue_firms_usd",
    "revenue_vendors_usd",
    "revenue_suppliers_usd",
    "profit_firms_usd",
    "profit_vendors_usd",
    "profit_suppliers_usd",
    "compute_logical_flop",
    "best_relative_excess_loss",
    "best_cumulative_logical_flop",
]


def golden_path(scenario: str) -> Path:
    return GOLDEN_DIR / f"{scenario}_model.csv"


def golden_frame(scenario: str) -> pd.DataFrame:
    """The scenario's key outputs over 5 years (its own seed), every 6th step."""
    model = simulate(load_scenario(scenario, OVERRIDES)).model
    rows = model[model["step"] % EVERY == 0]
    return rows[COLUMNS].reset_index(drop=True)


def main() -> None:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for scenario in shipped_names():
        # 17 significant digits: every float round-trips exactly
        golden_frame(scenario).to_csv(golden_path(scenario), index=False, float_format="%.17g")
        print(f"wrote {golden_path(scenario)}")


if __name__ == "__main__":
    main()
