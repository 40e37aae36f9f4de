"""Work the step does once instead of several times gives the same values as doing it again:
the levers in force, the value of an R&D lead, and transfers of nothing."""

from __future__ import annotations

import numpy as np
import pytest

from sim import innovation
from sim.ledger import Accounts, Ledger
from sim.model import EfficiencyRaceModel
from sim.policies import active_policies
from sim.scenario import load_scenario


@pytest.mark.parametrize("name", ["carbon-tax", "compute-threshold", "rnd-subsidy"])
def test_policies_kept_between_lever_changes_equal_a_fresh_build(name: str) -> None:
    scenario = load_scenario(name, {"run.years": 12.0})
    model = EfficiencyRaceModel(scenario, rng=0, collect_agents=False)
    start, distinct, last = scenario.run.start_year, [], model.policies
    for _ in range(scenario.run.n_steps):
        model.step()
        year = start + (model.steps - 1) * model.dt  # the step's year, as the model has it
        assert model.policies == active_policies(scenario.policies, year)
        # firms re-plan in exactly the steps a lever starts or stops (here: its values change)
        assert model._levers_changed() == (model.steps > 1 and model.policies != last)
        last = model.policies
        if model.policies not in distinct:
            distinct.append(model.policies)
    assert len(distinct) > 1  # a lever of these scenarios starts (or stops) within the run


def test_lead_value_is_the_rnd_value_of_the_same_lead() -> None:
    spend = np.array([0.0, 1e9, -5.0, 3e11])
    erosion = np.array([0.3, 1.0, 0.0, 2.5])
    lead = innovation.lead_years(0.12, erosion, 5.0)
    value = innovation.lead_value_usd_per_doubling(spend, lead)
    assert np.array_equal(value, innovation.rnd_value_usd_per_doubling(spend, 0.12, erosion, 5.0))
    # X ln2 (1 - e^(-rho H)) / rho by hand for the second firm: rho = 1.12
    assert value[1] == pytest.approx(1e9 * np.log(2.0) * -np.expm1(-1.12 * 5.0) / 1.12)
    assert value[2] == 0.0  # negative spending counts as 0


def test_transferring_nothing_books_nothing_and_moves_no_cash() -> None:
    ledger, firms = Ledger(), Accounts("firm", [5.0, 7.0])
    ledger.open_step(firms)
    paid = ledger.transfer("fees", np.zeros(2), firms, "government")
    assert np.array_equal(paid, [0.0, 0.0])
    assert np.array_equal(firms.cash_usd, [5.0, 7.0])
    assert "fees" not in firms.outflows and np.array_equal(firms.outflow("fees"), [0.0, 0.0])
    assert ledger.external["government"] == 0.0 and ledger.imbalance_usd(firms) == 0.0
    with pytest.raises(ValueError, match="must be >= 0"):
        ledger.transfer("fees", np.array([0.0, np.nan]), firms, "government")
    ledger.transfer("fees", np.array([1.0, 0.0]), firms, "government")
    assert np.array_equal(firms.cash_usd, [4.0, 7.0]) and ledger.external["government"] == 1.0
