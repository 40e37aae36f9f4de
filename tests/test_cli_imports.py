"""``effrace run`` imports what it needs and no more: a light command (issue 8, item 4).

Checked in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("scipy", "networkx", "dask", "SALib", "experiments.sweep", "mesa.space", "matplotlib")
"""Modules ``effrace run --no-figures`` does without (SciPy and networkx came in through Mesa's
``__init__``, Dask and SALib through the sweep commands' modules)."""

MESA_CORE = """
import json, sys
from sim import lazy_mesa
lazy_mesa.install()
import mesa.agent, mesa.datacollection, mesa.model
print(json.dumps([m for m in %r if m in sys.modules]))
"""

PROBE = """
import json, sys
from experiments import cli
code = cli.main(sys.argv[1:])
print(json.dumps({"code": code, "loaded": [m for m in %r if m in sys.modules]}))
"""


def test_run_without_figures_imports_no_sweep_machinery_scipy_or_matplotlib(
    tmp_path: Path,
) -> None:
    args = ["run", "baseline", "--years", "0.25", "--no-figures", "--json", "--out", str(tmp_path)]
    out = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,), *args],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    # what Mesa's own core (model, agent, data collector) imports is not ours to avoid: newer
    # Mesa releases import more of it there
    core = subprocess.run(
        [sys.executable, "-c", MESA_CORE % (HEAVY,)], check=True, capture_output=True, text=True
    )
    unavoidable = set(json.loads(core.stdout.strip().splitlines()[-1]))
    assert result["code"] == 0
    assert set(result["loaded"]) <= unavoidable, result["loaded"]
    assert (tmp_path / "model.csv").is_file()
    assert not list(tmp_path.glob("*.png"))


def test_help_still_lists_every_command() -> None:
    from experiments.cli import COMMANDS, build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert list(commands) == list(COMMANDS)
    only_run = build_parser("run")
    run_choices = next(a for a in only_run._actions if a.dest == "command").choices
    assert set(run_choices) == {"run", "validate"}  # the commands of run's module only
