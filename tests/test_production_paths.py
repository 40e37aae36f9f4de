"""The production and data shortcuts give the same numbers, bit for bit, as the general paths:
the synthetic-data grid only for the firms data binds, and in blocks of firms, the growth
integral without its log-space branch, the step-mean gain's largest gain reduced over a leading
axis. Each case is computed both ways and compared with ``array_equal``, not a tolerance."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import data, law, physics

FIT = law.CHINCHILLA_FITS["besiroglu"]


def _generation_batch(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """Firms from far below to far above the compute where their data binds."""
    trained = 10.0 ** rng.uniform(20.0, 33.0, n)
    step = trained * 10.0 ** rng.uniform(-4.0, 0.5, n)
    human = 10.0 ** rng.uniform(10.0, 16.0, n)
    human[rng.random(n) < 0.2] = math.inf
    generated = np.where(rng.random(n) < 0.3, 0.0, human * 10.0 ** rng.uniform(-3.0, 1.0, n))
    cost = 10.0 ** rng.uniform(10.0, 16.0, n)
    return trained, step, human, generated, cost


@pytest.mark.parametrize("ceiling", [0.5, 10.0, math.inf])
def test_generation_share_of_a_batch_equals_each_firm_alone(ceiling: float) -> None:
    rng = np.random.default_rng(11)
    batch = _generation_batch(rng, 40)
    shares = data.synthetic_generation_share(*batch, ceiling, FIT)
    alone = [
        data.synthetic_generation_share(*(a[i] for a in batch), ceiling, FIT) for i in range(40)
    ]
    assert np.array_equal(shares, alone)
    # where data does not bind with all of the step training, nothing is generated
    log_c_u = np.log(data.compute_where_data_binds(batch[2], FIT))
    free = ~(np.log(batch[0] + batch[1]) > log_c_u)
    assert free.any() and (~free).any()  # both paths are taken
    assert (np.asarray(shares)[free] == 0.0).all()


@pytest.mark.parametrize("ceiling", [0.5, math.inf])
def test_generation_share_in_blocks_equals_one_grid(
    ceiling: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(13)
    batch = _generation_batch(rng, 300)
    one_grid = data.synthetic_generation_share(*batch, ceiling, FIT)
    monkeypatch.setattr(data, "GENERATION_GRID_FIRMS", 7)  # blocks, the last one short
    blocks = data.synthetic_generation_share(*batch, ceiling, FIT)
    assert np.array_equal(blocks, one_grid)
    assert (np.asarray(one_grid) > 0).sum() > 7  # more firms generate than a block holds


def test_generation_share_keeps_the_inputs_shape() -> None:
    rng = np.random.default_rng(12)
    trained, step, human, generated, cost = _generation_batch(rng, 6)
    flat = data.synthetic_generation_share(trained, step, human, generated, cost, 10.0, FIT)
    square = data.synthetic_generation_share(
        trained.reshape(2, 3), step.reshape(2, 3), human.reshape(2, 3), 0.0, cost[0], 10.0, FIT
    )
    assert np.shape(square) == (2, 3)
    mixed = data.synthetic_generation_share(trained, step, human, 0.0, cost[0], 10.0, FIT)
    assert np.array_equal(np.ravel(square), mixed)
    assert np.shape(flat) == (6,)


def test_growth_integral_without_the_log_branch_equals_the_mixed_path() -> None:
    doublings = np.array([-3.0, -1e-9, 0.0, 1e-12, 0.08, 1.0, 40.0])
    direct = law.growth_integral(doublings)
    # an element past the log-space threshold forces the general path for the others
    mixed = law.growth_integral(np.append(doublings, 1000.0))
    assert np.array_equal(direct, mixed[:-1])
    assert direct[2] == 1.0
    x = doublings[doublings != 0.0]
    expected = np.expm1(x * math.log(2.0)) / (x * math.log(2.0))
    assert np.allclose(law.growth_integral(x), expected, rtol=1e-15, atol=0.0)
    assert mixed[-1] == pytest.approx(math.exp(float(law.log_growth_integral(1000.0))))


def test_step_mean_gain_on_either_axis_is_the_same_weighted_log_sum() -> None:
    years, weights = physics.step_nodes(1.0 / 12.0, 0.4)
    rng = np.random.default_rng(13)
    rates = rng.uniform(-2.0, 6.0, (5, 3))
    gain = rates[..., None] * years  # nodes last
    last = physics.log2_step_mean_gain(gain, weights, axis=-1)
    first = physics.log2_step_mean_gain(np.moveaxis(gain, -1, 0), weights, axis=0)
    assert np.array_equal(last, first)
    # a linear gain g t averages 2**(g t) over the step: log2 of the growth integral
    exact = np.log2(law.growth_integral(rates / 12.0))
    assert np.allclose(last, exact, rtol=0.0, atol=1e-13)
    assert np.array_equal(physics.log2_step_mean_gain(np.zeros((2, 16)), weights, axis=-1), [0, 0])
