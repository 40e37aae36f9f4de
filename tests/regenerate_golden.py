"""Regenerate the golden baseline series that tests/test_golden.py compares against.

    python tests/regenerate_golden.py

Run it when the model changes on purpose, check the diff of tests/golden/baseline_model.csv
(are the changes the ones you meant?), and commit the new file with the change.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.run import simulate
from sim.scenario import load_scenario

GOLDEN = Path(__file__).parent / "golden" / "baseline_model.csv"
COMMAND = "python tests/regenerate_golden.py"
OVERRIDES = {"run.years": 5}
EVERY = 6  # steps: twice a year
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


def golden_frame() -> pd.DataFrame:
    """The baseline's key outputs over 5 years (its own seed), every 6th step."""
    model = simulate(load_scenario("baseline", OVERRIDES)).model
    rows = model[model["step"] % EVERY == 0]
    return rows[COLUMNS].reset_index(drop=True)


def main() -> None:
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    # 17 significant digits: every float round-trips exactly
    golden_frame().to_csv(GOLDEN, index=False, float_format="%.17g")
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    main()
