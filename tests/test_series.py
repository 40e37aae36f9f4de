"""Rates of time series (sim.series): hand-checkable cases and the edges a log axis has."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.series import doublings_per_year, fold_per_year


def test_a_price_that_halves_every_year_falls_twofold() -> None:
    years = np.array([2024.0, 2025.0, 2026.0, 2027.0])
    price = np.array([8.0, 4.0, 2.0, 1.0])
    assert doublings_per_year(years, price) == pytest.approx(-1.0, rel=1e-15)
    assert fold_per_year(years, price) == pytest.approx(2.0, rel=1e-15)


def test_a_rising_series_falls_by_less_than_one() -> None:
    # quadruples over two years: two doublings in two years
    assert doublings_per_year([0.0, 1.0, 2.0], [1.0, 3.0, 4.0]) == pytest.approx(1.0)
    assert fold_per_year([0.0, 1.0, 2.0], [1.0, 3.0, 4.0]) == pytest.approx(0.5)


def test_invalid_values_at_the_ends_are_skipped() -> None:
    # zero, NaN and negative values are not on a log scale: from 10 (t=1) to 2.5 (t=3)
    years = [0.0, 1.0, 2.0, 3.0, 4.0]
    values = [0.0, 10.0, math.nan, 2.5, -1.0]
    assert fold_per_year(years, values) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("years", "values"),
    [([0.0, 1.0], [1.0, math.nan]), ([0.0], [1.0]), ([1.0, 1.0], [1.0, 2.0]), ([], [])],
)
def test_fewer_than_two_valid_points_or_no_time_give_nan(
    years: list[float], values: list[float]
) -> None:
    assert math.isnan(doublings_per_year(years, values))
    assert math.isnan(fold_per_year(years, values))


@settings(max_examples=50, deadline=None)
@given(
    rate=st.floats(-5.0, 5.0),
    start=st.floats(1e-6, 1e6),
    n=st.integers(2, 30),
)
def test_exponential_series_give_back_their_rate(rate: float, start: float, n: int) -> None:
    years = 2024.0 + np.arange(n) / 12.0
    values = start * np.exp2(rate * (years - years[0]))
    assert doublings_per_year(years, values) == pytest.approx(rate, abs=1e-9)
    assert fold_per_year(years, values) == pytest.approx(2.0**-rate, rel=1e-9)
