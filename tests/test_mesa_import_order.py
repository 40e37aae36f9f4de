"""Mesa's core is imported before pandas: importing ``mesa.model`` inspects the call stack (its
module logger, ``inspect.stack()``), which maps every module already loaded to its file, so
after pandas it costs about 0.1 CPU-s and before it about a third of that.

Checked in a fresh interpreter, since this test process has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from sim import lazy_mesa
lazy_mesa.install()
import {module}
order = list(sys.modules)  # in the order they were imported
print(json.dumps([order.index("mesa.model"), order.index("pandas")]))
"""


@pytest.mark.parametrize("module", ["sim.run", "sim.model"])
def test_mesa_core_comes_before_pandas(module: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        check=True,
        capture_output=True,
        text=True,
    )
    mesa_at, pandas_at = json.loads(out.stdout.strip().splitlines()[-1])
    assert mesa_at < pandas_at
