"""The short paths the pure functions take in common cases give the same numbers, bit for bit,
as their general paths: each case is computed both ways (the general path forced by an input
that needs it, or by the private switch) and compared with ``array_equal``, not a tolerance.
One exception, logit shares of one row, says why."""

from __future__ import annotations

import numpy as np

from sim import capacity, markets, physics

RNG = np.random.default_rng(7)


def test_ceiling_law_without_masks_equals_the_masked_path() -> None:
    years = np.array([0.0, 0.01, 0.5, 3.0])
    x0 = np.array([1.0, 5.0, 9.5, 10.0])
    rate = np.array([0.5, 1.0, 2.0, 0.3])
    bounded = physics.ceiling_log2_level(years, x0, 10.0, rate, 1.5)
    # an unbounded element alongside forces the masked path for the others
    mixed = physics.ceiling_log2_level(
        np.append(years, 1.0), np.append(x0, 0.0), 10.0, np.append(rate, -1.0), 1.5
    )
    assert np.array_equal(bounded, mixed[:-1])
    assert mixed[-1] == -1.0


def test_ideas_law_branches_equal_the_mixed_path() -> None:
    years = np.array([0.01, 0.1, 1.0])
    x0, rate, beta = np.array([0.0, 1.0, 2.0]), np.array([0.5, 1.0, 3.0]), 0.3
    small = physics.ideas_log2_level(years, x0, 0.0, rate, beta)
    far = physics.ideas_log2_level(years * 1e4, x0, 0.0, rate, beta)
    mixed = physics.ideas_log2_level(
        np.concatenate([years, years * 1e4]), np.tile(x0, 2), 0.0, np.tile(rate, 2), beta
    )
    assert np.array_equal(np.concatenate([small, far]), mixed)


def test_capacity_over_step_with_lumps_only_equals_the_ramp_path() -> None:
    built = np.array([10.0, 20.0])
    amount = np.array([1.0, 2.0, 3.0])
    start = np.array([0.05, 0.2, 1.0])
    owner = np.array([0, 1, 1])
    lumps = capacity.capacity_over_step(0.0, 0.25, built, amount, start, start, owner)
    # a ramp far in the future (nothing of it arrives) forces the general path
    ramps = capacity.capacity_over_step(
        0.0,
        0.25,
        built,
        np.append(amount, 5.0),
        np.append(start, 50.0),
        np.append(start, 60.0),
        np.append(owner, 0),
    )
    assert np.array_equal(lumps[0], ramps[0])
    assert np.array_equal(lumps[1], ramps[1])
    assert np.array_equal(lumps[2], ramps[2][:-1])


def test_flat_supply_curve_equals_a_mixed_call() -> None:
    k1, k2 = np.array([1.0, 5.0]), np.array([2.0, 9.0])
    flat = capacity.capex_usd(k1, k2, np.inf, 3e6, 1.0)
    mixed = capacity.capex_usd(
        np.append(k1, 1.0), np.append(k2, 2.0), [np.inf, np.inf, 10.0], 3e6, 1.0
    )
    assert np.array_equal(flat, mixed[:2])


def test_rationing_with_enough_supply_returns_the_demand() -> None:
    demand = RNG.uniform(0.0, 5.0, (4, 3))
    plenty = markets.ration(demand, demand.sum(axis=0) * 2.0, axis=0)
    assert np.array_equal(plenty, demand)
    assert plenty is not demand


def test_logit_shares_of_one_row_equal_those_of_a_matrix_to_rounding() -> None:
    """Not bit for bit: one row's total is numpy's sum, a matrix's a BLAS product
    (:func:`sim.markets.row_sums`), which add in another order, so about a fifth of random rows
    differ in the last bits (at most 6.7e-16 relative in 100,000 rows). Each path is the same
    on every run, so results stay deterministic. Its own generator: the module's would draw
    different rows as pytest-xdist shares the tests out differently."""
    rng = np.random.default_rng(75)
    for _ in range(200):
        u = rng.normal(0.0, 3.0, rng.integers(1, 9))
        for outside in (True, False):
            row = markets.logit_shares(u, outside_option=outside)
            matrix = markets.logit_shares(np.vstack([u, u]), outside_option=outside, axis=1)
            np.testing.assert_allclose(row, matrix[0], rtol=2e-15, atol=0.0)
            np.testing.assert_allclose(matrix[0], matrix[1], rtol=0.0, atol=0.0)
