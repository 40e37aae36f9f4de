"""step_logical_flop_on_nodes: the firms' and suppliers' gains add, so their mean factors."""

import numpy as np

from sim import physics, production
from sim.params import JOULES_PER_MWH


def test_matches_the_mean_of_the_summed_gains() -> None:
    rng = np.random.default_rng(3)
    years, weights = physics.step_nodes(1 / 12, 6.0)  # several panels
    firm_gain = rng.normal(0.0, 2.0, (5, years.size)) + 700.0  # large: shifted, no overflow
    supplier_gain = rng.normal(0.0, 0.5, (3, years.size))
    energy = rng.random((5, 3))
    energy[0, 1] = 0.0
    log2_start = rng.normal(0.0, 1.0, (5, 3)) - 700.0
    # the same quadrature on the full [firm, supplier, node] array of summed gains
    gain = firm_gain[:, None, :] + supplier_gain[None, :, :]
    mean = np.exp2(gain + log2_start[..., None]) @ weights
    expected = (energy * JOULES_PER_MWH * mean).sum(axis=1)
    got = production.step_logical_flop_on_nodes(
        energy, log2_start, firm_gain, supplier_gain, weights
    )
    np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_zero_gains_give_energy_times_starting_efficiency() -> None:
    _, weights = physics.step_nodes(1 / 12)
    energy = np.array([[2.0, 0.0], [0.5, 1.0]])
    log2_start = np.array([[3.0, 1.0], [0.0, -1.0]])
    got = production.step_logical_flop_on_nodes(
        energy, log2_start, np.zeros((2, weights.size)), np.zeros((2, weights.size)), weights
    )
    np.testing.assert_allclose(got, JOULES_PER_MWH * np.array([16.0, 0.5 + 0.5]), rtol=1e-14)


def test_gains_that_peak_within_the_step_do_not_overflow() -> None:
    # 2**1100 overflows a float; the shift (the larger end of each row) keeps the factors
    # finite even where the gain peaks between the nodes at the ends, 3 doublings above them
    years, weights = physics.step_nodes(1.0, 6.0)
    hump = 3.0 * np.sin(np.pi * years)  # 0 at both ends of the step, 3 in its middle
    firm_gain = np.vstack([1100.0 + hump, 1100.0 - hump, hump])
    supplier_gain = np.zeros((1, years.size))
    log2_start = np.array([[-1100.0], [-1100.0], [0.0]])
    got = production.step_logical_flop_on_nodes(
        np.ones((3, 1)), log2_start, firm_gain, supplier_gain, weights
    )
    expected = JOULES_PER_MWH * np.array(
        [np.exp2(hump) @ weights, np.exp2(-hump) @ weights, np.exp2(hump) @ weights]
    )
    np.testing.assert_allclose(got, expected, rtol=1e-13)
