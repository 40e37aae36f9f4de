"""The package's layers depend one way (issue #8): the science in sim/ <- agents/ <- the model
(sim.model) <- experiments/ (CLI, sweeps, dashboard), and no two modules import each other,
directly or around a loop, at run time (imports inside functions count; those under
``if TYPE_CHECKING:`` do not). Read from the source with :mod:`ast`, nothing imported."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "agents", "experiments")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    _module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
}


def imports_of(source: str, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``source`` imports when it runs: at its top and inside
    functions, but not under ``if TYPE_CHECKING:`` (``from a import b`` counts ``a``, and
    ``a.b`` too where that is a module)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return {name for name in found if name in known}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every loop a depth-first search of ``graph`` (module -> modules it imports) meets, each
    as the modules around it, the first repeated at the end; empty if there is none."""
    state: dict[str, int] = {}  # 1 on the search's path, 2 done
    path: list[str] = []
    found: list[list[str]] = []

    def search(module: str) -> None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == 1:
                found.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                search(imported)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            search(module)
    return found


@cache  # read once for the tests below
def _graph() -> dict[str, set[str]]:
    known = set(MODULES)
    return {name: imports_of(path.read_text(), known) - {name} for name, path in MODULES.items()}


def test_the_checks_find_what_they_look_for() -> None:
    known = {"a", "b", "c", "a.x"}
    source = (
        "import a\nfrom b import thing\nfrom a import x\nif TYPE_CHECKING:\n    import c\n"
        "def f():\n    try:\n        import c\n    except ImportError:\n        pass\n"
    )
    assert imports_of(source, known) == {"a", "b", "a.x", "c"}
    assert imports_of("if TYPE_CHECKING:\n    import c\n", known) == set()
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_module_imports_itself_around_a_loop() -> None:
    assert len(MODULES) > 40  # the packages were found
    assert cycles(_graph()) == []


def test_the_layers_depend_one_way() -> None:
    graph = _graph()
    for module, imported in graph.items():
        if module.startswith(("sim", "agents")):  # the model never reaches into experiments
            assert not {m for m in imported if m.startswith("experiments")}, module
        if module.startswith("agents"):  # agents see the science, not the model that runs them
            assert not imported & {"sim.model", "sim.run"}, module
        if module.startswith("sim") and module != "sim.model":  # the science knows no agents
            assert not {m for m in imported if m.startswith("agents")}, module
