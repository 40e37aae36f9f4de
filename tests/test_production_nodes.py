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
