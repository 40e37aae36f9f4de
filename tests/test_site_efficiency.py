"""A firm's recorded site efficiency (link 1) is the 1/PUE of the energy it bought: the mean of
its suppliers' 1/PUE weighted by the grid MWh each delivered to it, not by the offers' logit
weights (which split the IT energy asked, so a high-PUE supplier delivers more grid MWh than its
weight says); Elogical and a run's grid power follow from it."""

from __future__ import annotations

import numpy as np
import pytest

from sim import production
from sim.model import EfficiencyRaceModel, EnergySettlement, Offers
from sim.policies import ActivePolicies
from sim.scenario import load_scenario


def test_each_firm_gets_the_1_over_pue_of_its_own_deliveries() -> None:
    site = np.array([0.9, 0.6])  # IT J per grid J
    delivered = np.array([[3.0, 1.0], [0.0, 2.0], [0.0, 0.0]])  # grid MWh [firm, supplier]
    got = production.site_efficiency_of_energy(delivered, site, np.array([1.0, 3.0]))
    # firm 0: (3 x 0.9 + 1 x 0.6) / 4; firm 1 only from supplier 1; firm 2 got nothing: the
    # split it would have bought, (1 x 0.9 + 3 x 0.6) / 4
    np.testing.assert_allclose(got, [3.3 / 4.0, 0.6, 2.7 / 4.0], rtol=1e-15)


class _Recording(EfficiencyRaceModel):
    """The model, keeping each step's deliveries and its suppliers' 1/PUE at the step's start."""

    def _production(
        self, offers: Offers, energy: EnergySettlement, policies: ActivePolicies
    ) -> None:
        self.seen = (
            energy.delivered_mwh.copy(),
            np.exp2(np.log2(self.supplier_table.site_efficiency)),
            offers.energy_weights.copy(),
            self.supplier_table.pue.copy(),
        )
        super()._production(offers, energy, policies)


@pytest.mark.parametrize("seed", [0, 3])
def test_the_recorded_site_efficiency_weights_suppliers_by_what_each_firm_got(seed: int) -> None:
    model = _Recording(load_scenario("baseline", {"run.years": 0.5}), rng=seed)
    for _ in range(6):
        model.step()
        delivered, site, weights, _ = model.seen
        firms = model.firm_table
        # the suppliers differ, and what firms got is not split as the offers' weights
        assert site.max() - site.min() > 0.1
        mix = delivered / delivered.sum(axis=1, keepdims=True)
        assert np.abs(mix - weights[None, :]).max() > 0.01
        expected = (delivered * site).sum(axis=1) / delivered.sum(axis=1)
        np.testing.assert_allclose(firms.site_efficiency, expected, rtol=1e-14)
        assert not np.allclose(firms.site_efficiency, np.sum(weights * site), rtol=1e-3)
        np.testing.assert_allclose(
            firms.elogical_flop_per_joule,
            expected * firms.chip_flop_per_joule * firms.algorithmic_efficiency,
            rtol=1e-14,
        )


def test_a_firm_the_auctioned_cap_leaves_without_energy_records_the_split_it_asked_for() -> None:
    # energy-cap, seed 0: the auction leaves a firm no energy from step 39 on
    model = _Recording(load_scenario("energy-cap"), rng=0)
    for _ in range(60):
        model.step()
        delivered, site, weights, pue = model.seen
        none = delivered.sum(axis=1) <= 0
        if none.any():
            break
    assert none.any() and not none.all()
    firms = model.firm_table
    # grid MWh asked of each supplier per IT MWh: w_j PUE_j, so 1 / sum_j w_j PUE_j unrationed
    asked = weights * pue
    np.testing.assert_allclose(
        firms.site_efficiency[none], np.sum(asked * site) / np.sum(asked), rtol=1e-14
    )
    np.testing.assert_allclose(firms.site_efficiency[none], 1.0 / np.sum(weights * pue), rtol=1e-12)
    got = delivered[~none]
    np.testing.assert_allclose(
        firms.site_efficiency[~none], (got * site).sum(axis=1) / got.sum(axis=1), rtol=1e-14
    )
