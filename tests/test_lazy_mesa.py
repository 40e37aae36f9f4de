"""sim.lazy_mesa: the CLI's light import of Mesa, checked in fresh interpreters (this process
has imported Mesa already)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from sim import lazy_mesa
installed = lazy_mesa.install()
import mesa
from sim.model import EfficiencyRaceModel
light = [m for m in ("scipy", "networkx", "mesa.space", "mesa.experimental") if m in sys.modules]
core_model = mesa.Model
version = mesa.__version__  # a name outside the core: Mesa's own __init__ runs
print(json.dumps({
    "installed": installed,
    "light": light,
    "subclass": issubclass(EfficiencyRaceModel, mesa.model.Model),
    "same_class": core_model is mesa.Model,
    "version": version,
    "space": "mesa.space" in sys.modules,
}))
"""


def probe(code: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(out.stdout)
    return result


@pytest.mark.slow
def test_the_model_imports_without_scipy_and_the_rest_of_mesa_still_works() -> None:
    from importlib import metadata

    result = probe(PROBE)
    assert result["installed"] is True
    assert result["light"] == []  # neither SciPy, networkx nor Mesa's extras before asked for
    assert result["subclass"] is True
    assert result["same_class"] is True  # the full __init__ rebinds the same class
    assert result["version"] == metadata.version("mesa")
    assert result["space"] is True  # and the rest of Mesa is there once asked for


def test_install_leaves_an_imported_mesa_alone() -> None:
    import mesa

    from sim import lazy_mesa

    assert lazy_mesa.install() is False
    assert sys.modules["mesa"] is mesa
