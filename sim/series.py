"""Rates of a run's time series, shared by the summary (:mod:`sim.run`), the figures and lessons.

Pure numpy, no model: each takes the ``year`` column and a value column of a run's table.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike


def doublings_per_year(years: ArrayLike, values: ArrayLike) -> float:
    """Doublings a year of a positive series, from its first to its last valid value [1/yr].

    Valid values are finite and > 0 (a log scale's domain). Negative when the series falls;
    NaN with fewer than two valid values or no time between them.

    Parameters
    ----------
    years : array_like
        Time of each value [yr], increasing.
    values : array_like
        The series [any unit].
    """
    t = np.asarray(years, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    valid = np.flatnonzero(np.isfinite(v) & (v > 0.0))
    if len(valid) < 2 or not t[valid[-1]] > t[valid[0]]:
        return math.nan
    first, last = valid[0], valid[-1]
    return float(np.log2(v[last] / v[first]) / (t[last] - t[first]))


def fold_per_year(years: ArrayLike, values: ArrayLike) -> float:
    """Factor by which a positive series falls a year, first to last valid value [-].

    ``(v_first / v_last) ** (1 / (t_last - t_first))``: 2 for a price that halves every year,
    below 1 for one that rises; NaN as in :func:`doublings_per_year`.
    """
    return float(2.0 ** -doublings_per_year(years, values))
