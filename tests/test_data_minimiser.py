"""The best data-limited run is found by a coarse grid and a golden section
(``sim.data._minimise``): the grid must bracket the global minimum of the loss over ln(D/U).
These tests compare it with the minimum over a dense grid, for every fit and a range of decay
constants and compute-to-data ratios."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import data, law
from sim.law import TOKENS_PER_PARAM_FLOP

UNIQUE_TOKENS = 1e12
DENSE_POINTS = 20_001


def dense_minimum(compute_flop: float, fit: law.ChinchillaFit, r_d: float, r_n: float) -> float:
    """Smallest :func:`sim.data.data_constrained_loss` over a dense grid of ln(D/U) on the
    search range of :func:`sim.data.data_limited_run` [nats/token]."""
    d_opt = float(fit.optimal_tokens(compute_flop))
    hi = math.log(max(d_opt / UNIQUE_TOKENS, 1.0)) + math.log1p(40.0 * r_d)
    tokens = UNIQUE_TOKENS * np.exp(np.linspace(0.0, hi, DENSE_POINTS))
    params = compute_flop / (TOKENS_PER_PARAM_FLOP * tokens)
    loss = data.data_constrained_loss(params, tokens, UNIQUE_TOKENS, fit, r_d, r_n)
    return float(np.min(loss))


@pytest.mark.parametrize("name", sorted(law.CHINCHILLA_FITS))
@pytest.mark.parametrize(("r_d", "r_n"), [(15.4, 5.3), (2.0, 1.0), (40.0, 20.0), (2.0, 20.0)])
def test_the_best_run_is_the_dense_grid_minimum(name: str, r_d: float, r_n: float) -> None:
    fit = law.CHINCHILLA_FITS[name]
    c_u = float(data.compute_where_data_binds(UNIQUE_TOKENS, fit))
    compute = c_u * np.exp(np.linspace(0.05, 25.0, 12))  # from just binding to far past
    loss = np.asarray(data.data_limited_loss(compute, UNIQUE_TOKENS, fit, r_d, r_n))
    dense = np.array([dense_minimum(float(c), fit, r_d, r_n) for c in compute])
    # the search refines the grid's best point: never above the dense grid's minimum (a
    # wrong bracket would land in another valley, above it), and at most a grid step's
    # curvature below it
    assert np.all(loss <= dense * (1 + 1e-13))
    np.testing.assert_allclose(loss, dense, rtol=1e-8)


@pytest.mark.parametrize(
    ("objective", "expected"),
    [
        (lambda x: (x - 3.0) ** 2, 3.0),  # inside
        (lambda x: x, 0.0),  # at the lower end
        (lambda x: -x, 10.0),  # at the upper end
        (lambda x: np.abs(x - 9.99), 9.99),  # next to an end, between grid points
        (
            lambda x: np.where(x < 1.0, np.nan, (x - 3.0) ** 2),
            3.0,
        ),  # NaN on the grid's first points
    ],
)
def test_the_minimiser_finds_closed_form_minima(objective: object, expected: float) -> None:
    lo, hi = np.zeros(2), np.full(2, 10.0)
    found = data._minimise(objective, lo, hi)  # type: ignore[arg-type]
    np.testing.assert_allclose(found, expected, atol=1e-9)
