"""A vendor's specialisation choice (sim/specialisation.py) against the threshold of sim/law.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import law, specialisation

BUDGET = settings(max_examples=150, deadline=None)


def test_choice_is_the_threshold_without_fixed_cost() -> None:
    # R = 4: S_c = 0.75
    assert specialisation.prefers_specialised(0.7, 4.0)
    assert not specialisation.prefers_specialised(0.75, 4.0)
    assert not specialisation.prefers_specialised(0.9, 4.0)
    # R <= 1 never pays
    assert not specialisation.prefers_specialised(0.0, 1.0)
    np.testing.assert_array_equal(
        specialisation.prefers_specialised(np.array([0.5, 0.8]), 4.0), [True, False]
    )


def test_speedup_by_hand() -> None:
    # S = 0: all work is bounded, the whole budget goes specialised: T(1) = 1/R
    assert specialisation.specialised_market_share(0.0, 4.0) == pytest.approx(1.0)
    assert specialisation.specialisation_speedup(0.0, 4.0) == pytest.approx(4.0)
    assert specialisation.specialisation_speedup(0.8, 4.0) == 1.0


@BUDGET
@given(
    s=st.floats(0.0, 1.0),
    r=st.floats(0.1, 100.0),
    fixed=st.floats(0.0, 0.99),
)
def test_choice_matches_the_law(s: float, r: float, fixed: float) -> None:
    above_threshold = s >= law.specialisation_threshold(r)
    speedup = specialisation.specialisation_speedup(s, r)
    assert speedup >= 1.0 - 1e-12
    if above_threshold:
        assert not specialisation.prefers_specialised(s, r)
        assert speedup == 1.0
    # a fixed cost can only make specialising less attractive
    if specialisation.prefers_specialised(s, r, fixed):
        assert specialisation.prefers_specialised(s, r)


@pytest.mark.parametrize(("s", "r"), [(0.3, 4.0), (0.1, 1.5), (0.5, 10.0), (0.01, 100.0)])
def test_speedup_agrees_with_the_run_time_in_law(s: float, r: float) -> None:
    share = law.optimal_specialised_share(s, r)
    expected = law.heterogeneous_run_time(0.0, s, r) / law.heterogeneous_run_time(share, s, r)
    assert specialisation.specialisation_speedup(s, r) == pytest.approx(expected, rel=1e-12)
