"""The baseline's key outputs against a golden file, so any change to the model's numbers is
seen and deliberate. After an intended change run ``python tests/regenerate_golden.py``, check
the diff and commit the new file (tests/golden/README.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from regenerate_golden import COLUMNS, COMMAND, GOLDEN, golden_frame


def test_baseline_matches_the_golden_series() -> None:
    if not GOLDEN.is_file():
        pytest.fail(f"{GOLDEN} is missing; create it with: {COMMAND}")
    expected = pd.read_csv(GOLDEN)
    got = golden_frame()
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
                f"baseline column '{column}' differs from {GOLDEN.name}. If the model changed on "
                f"purpose, regenerate it with: {COMMAND}"
            ),
        )
