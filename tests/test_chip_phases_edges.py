"""Edge cases of the chip-market phases' arithmetic, which guards against division by zero and
overflow with safe denominators instead of silencing numpy (pytest turns any warning into an
error): the scarcity price's cap, a monopoly's markup, spending at a zero rate, R&D without a
subsidy, and the compute-weighted training share."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.firm import discretionary_budget_usd
from agents.vendor import Vendors
from sim import markets, specialisation
from sim.ledger import Ledger
from sim.params import VendorParams


def test_scarcity_price_caps_the_excess_and_keeps_the_list_price_without_capacity() -> None:
    cap = markets.MAX_EXCESS_DEMAND_RATIO
    price = markets.chip_scarcity_price(
        [10.0, 10.0, 10.0, 10.0, 10.0],
        [1e300, 5.0, 5.0, 3.0, -1.0],
        [1e-300, 0.0, math.inf, 2.0, 2.0],
        [1.0, 1.0, 1.0, 0.5, 1.0],
    )
    # a billion-fold excess at most; no capacity or infinite capacity: the list price;
    # an excess of 1.5 at pass-through 0.5: 10 x 1.5**0.5; negative demand: the list price
    np.testing.assert_allclose(price, [10.0 * cap, 10.0, 10.0, 10.0 * 1.5**0.5, 10.0])


def test_a_monopolist_has_no_finite_markup_and_a_seller_of_none_the_competitive_one() -> None:
    markup = markets.logit_markup([1.0, 0.0, 0.5, 1.2, -0.3], 2.0)
    # share clipped to [0, 1]: 1 / (2 (1 - s))
    np.testing.assert_array_equal(markup, [math.inf, 0.5, 1.0, math.inf, 0.5])
    assert markets.logit_markup(0.5, 0.0) == math.inf  # buyers who do not compare prices


def test_discretionary_budget_at_zero_and_positive_spending_rates() -> None:
    cash = np.array([100.0, 100.0, 100.0])
    inflow = np.array([12.0, 12.0, -5000.0])
    rate = np.array([0.0, 2.0, 2.0])
    dt = 0.25
    got = discretionary_budget_usd(cash, inflow, rate, dt)
    share = 1.0 - math.exp(-2.0 * dt)
    spent = 100.0 * share + 12.0 * (dt - share / 2.0)
    # nothing at r = 0; the closed form at r = 2; never negative
    np.testing.assert_allclose(got, [0.0, spent, 0.0], rtol=1e-15)


def _vendors(cash_usd: float) -> tuple[Vendors, Ledger]:
    vendors = Vendors([VendorParams()], ["v"], chip_choice_sensitivity=2.0)
    ledger = Ledger()
    ledger.open_step(vendors.accounts)
    ledger.transfer("initial capital", np.array([cash_usd]), "investors", vendors.accounts)
    return vendors, ledger


def test_rnd_without_a_subsidy_books_no_subsidy_and_with_one_books_its_share() -> None:
    vendors, ledger = _vendors(1000.0)
    spent, subsidy = vendors.do_rnd(ledger, np.array([400.0]), 0.0, 1.0)
    assert spent[0] == 400.0 and subsidy[0] == 0.0
    assert "R&D subsidy" not in vendors.accounts.inflows
    assert vendors.cash_usd[0] == 600.0
    # a 20% subsidy: the firm's 400 is 80% of a gross 500, the government pays 100
    vendors, ledger = _vendors(1000.0)
    spent, subsidy = vendors.do_rnd(ledger, np.array([400.0]), 0.2, 1.0)
    assert spent[0] == pytest.approx(500.0) and subsidy[0] == pytest.approx(100.0)
    assert vendors.accounts.inflow("R&D subsidy")[0] == pytest.approx(100.0)
    assert vendors.cash_usd[0] == pytest.approx(600.0)
    assert ledger.imbalance_usd(vendors.accounts) == pytest.approx(0.0, abs=1e-9)


def test_value_scalable_share_is_numpys_weighted_average_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    share, weight = rng.uniform(0.0, 1.0, 50), rng.lognormal(0.0, 3.0, 50)
    weight[::7] = -1.0  # negative weights count as 0
    want = float(np.average(share, weights=np.maximum(weight, 0.0)))
    assert specialisation.value_scalable_share(share, weight) == want


def test_clear_chips_without_export_rules_gives_every_firm_the_listed_designs() -> None:
    args = dict(
        budget_usd=[1000.0, 500.0],
        price_usd=[10.0, 20.0],
        flop_per_second_per_chip=[1e15, 3e15],
        flop_per_joule=[1e12, 2e12],
        lifetime_years=[4.0, 4.0],
        deliverable_chips=[30.0, 1e6],
        energy_usd_per_it_mwh=50.0,
        choice_sensitivity=2.0,
        restricted=[False, False],
        scarcity_pass_through=[0.5, 0.5],
    )
    bare = markets.clear_chips(**args)  # type: ignore[arg-type]
    exempt = markets.clear_chips(**args, exempt_vendors=[False, False])  # type: ignore[arg-type]
    for name in markets.ChipSettlement.__dataclass_fields__:
        assert np.array_equal(getattr(bare, name), getattr(exempt, name))
    np.testing.assert_array_equal(bare.flop_per_joule, [[1e12, 2e12], [1e12, 2e12]])
    np.testing.assert_array_equal(bare.flop_per_second_per_chip, [[1e15, 3e15], [1e15, 3e15]])
    # vendor 0 is short: the rest of the budgets goes to vendor 1, so every dollar is spent
    assert bare.chips[:, 0].sum() == pytest.approx(30.0)
    np.testing.assert_allclose(bare.payments_usd.sum(axis=1), [1000.0, 500.0], rtol=1e-12)
