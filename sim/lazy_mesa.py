"""Mesa's core (``Model``, ``Agent``, ``DataCollector``) without the rest of the package.

Mesa 3.3's ``mesa/__init__.py`` imports every sub-package, among them ``mesa.experimental``
(which imports ``scipy.spatial``), ``mesa.space`` (``networkx``) and ``mesa.batchrunner``
(``tqdm``, ``multiprocessing``): about 0.45 of the 0.8 CPU-s that ``import mesa`` costs here,
for modules this project never uses. Python runs a package's ``__init__`` before any of its
submodules, so ``import mesa.model`` alone does not avoid it.

:func:`install` puts a stand-in ``mesa`` package in :data:`sys.modules` that finds the
submodules in Mesa's own folder (``import mesa.model`` loads only that module and what it
imports) and serves ``mesa.Model``, ``mesa.Agent`` and ``mesa.DataCollector`` from their
submodules. Any other name asked of it (``mesa.space``, ``mesa.__version__``, ``from mesa
import batch_run``) runs Mesa's real ``__init__`` into the same module first, so code that
uses the rest of Mesa works unchanged, only without the saving.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

CORE = {"Model": "mesa.model", "Agent": "mesa.agent", "DataCollector": "mesa.datacollection"}
"""The names served without Mesa's ``__init__`` -> the submodule that defines each."""


class _LazyMesa(types.ModuleType):
    """The ``mesa`` package, its ``__init__`` not run until a name outside :data:`CORE` is used."""

    def __getattr__(self, name: str) -> Any:
        if name in CORE:
            try:
                value = getattr(importlib.import_module(CORE[name]), name)
            except (ImportError, AttributeError):  # a Mesa laid out otherwise: the whole of it
                value = self._load(name)
        else:
            value = self._load(name)
        setattr(self, name, value)
        return value

    def _load(self, name: str) -> Any:
        """Run Mesa's own ``__init__`` into this module (once), then look ``name`` up."""
        if not self.__dict__.get("_lazy_mesa_loaded"):
            self.__dict__["_lazy_mesa_loaded"] = True
            self.__spec__.loader.exec_module(self)  # type: ignore[union-attr]
        if name not in self.__dict__:
            raise AttributeError(f"module 'mesa' has no attribute {name!r}")
        return self.__dict__[name]


def install() -> bool:
    """Make the next ``import mesa`` light (see the module docstring).

    Does nothing if Mesa is already imported or is not a package found on the path. Returns
    whether the stand-in was installed.
    """
    if "mesa" in sys.modules:
        return False
    spec = importlib.util.find_spec("mesa")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return False
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _LazyMesa
    sys.modules["mesa"] = module
    return True
