"""Every shipped scenario's key outputs against a golden file, so any change to the model's
numbers is seen and deliberate (and a refactoring that should change nothing is checked on every
scenario, not only the baseline). After an intended change run
``python tests/regenerate_golden.py``, check the diff and commit the new files
(tests/golden/README.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from regenerate_golden import COLUMNS, COMMAND, golden_frame, golden_path

from sim.scenario import shipped_names


@pytest.mark.parametrize("scenario", shipped_names())
def test_scenario_matches_its_golden_series(scenario: str) -> None:
    golden = golden_path(scenario)
    if not golden.is_file():
        pytest.fail(f"{golden} is missing; create it with: {COMMAND}")
    expected = pd.read_csv(golden)
    got = golden_frame(scenario)
    assert list(expected.columns) == COLUMNS, f"the golden columns changed; run: {COMMAND}"
    assert len(got) == len(expected), f"{len(got)} rows, golden has {len(expected)}; run: {COMMAND}"
    for column in COLUMNS:
        np.testing.assert_allclose(
            got[column].to_numpy(float),
            expected[column].to_numpy(float),
            rtol=1e-9,
            atol=0.0,
            equal_nan=True,
            err_msg=(
                f"{scenario} column '{column}' differs from {golden.name}. If the model changed "
                f"on purpose, regenerate the goldens with: {COMMAND}"
            ),
        )
