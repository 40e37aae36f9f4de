"""Every parameter has a source: a work expanded in docs/model.md's Sources, or a stated kind of
choice (``sim.params.SOURCE_KINDS``), never a blank.

If a test here fails after you added a parameter, give it ``source=`` in sim/params.py: the
abbreviation of the work its value rests on (defined in the sim.params docstring and expanded in
docs/model.md, "## Sources"), or "setting", "numerical", "assumption" or "policy lever".
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from sim.params import SOURCE_KINDS, param

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_generate_sources", DOCS / "_generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def model_md_part(after: str, before: str) -> str:
    text = (DOCS / "model.md").read_text()
    part = text.partition(after)[2].partition(before)[0]
    assert part, f"docs/model.md has no text between {after!r} and {before!r}"
    return part


def test_every_parameter_has_a_source(generate: ModuleType) -> None:
    abbreviations = generate.source_abbreviations()
    fields = list(generate.parameter_fields())
    assert len(fields) > 100  # every section and lever, not an empty loop
    blank = [name for name, f in fields if not generate.sources_of(f.metadata, abbreviations)]
    assert not blank, f"parameters with no source: {blank}"
    assert generate.source_problems() == []


def test_every_cited_work_is_expanded_in_the_sources(generate: ModuleType) -> None:
    abbreviations = generate.source_abbreviations()
    sources = (DOCS / "model.md").read_text().partition("\n## Sources")[2]
    cited = {
        item
        for _, f in generate.parameter_fields()
        for item in generate.sources_of(f.metadata, abbreviations).split(", ")
    }
    works = cited - set(SOURCE_KINDS)
    assert works <= set(abbreviations), (
        f"not in the sim.params docstring: {works - set(abbreviations)}"
    )
    missing = sorted(w for w in works if f"**{w}**" not in sources)
    assert not missing, f"cited by parameters but not expanded in docs/model.md: {missing}"


def test_every_source_kind_is_explained_in_the_parameters_legend() -> None:
    legend = model_md_part("\n## 4. Parameters\n", "<!-- BEGIN GENERATED")
    unexplained = [k for k in SOURCE_KINDS if f"- **{k}**:" not in legend]
    assert not unexplained, f"docs/model.md section 4 does not explain: {unexplained}"


def fake(**metadata: Any) -> dataclasses.Field[Any]:
    @dataclasses.dataclass(frozen=True)
    class Fake:
        x: float = param(1.0, "-", **metadata)

    return dataclasses.fields(Fake)[0]


@pytest.mark.parametrize(
    ("metadata", "problems"),
    [
        ({"doc": "Something."}, ["has no source"]),
        ({"doc": "Something.", "source": " , "}, ["has no source"]),
        ({"doc": "Something (Ho24)."}, []),  # the doc cites a work
        ({"doc": "Something.", "source": "assumption"}, []),
        ({"doc": "Something.", "source": "Hayashi82, assumption"}, []),
        ({"doc": "Something.", "source": "guess"}, ["cites 'guess'"]),
        ({"doc": "Something.", "source": "Nobody99, setting"}, ["cites 'Nobody99'"]),
    ],
)
def test_a_parameter_without_a_known_source_is_refused(
    generate: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    metadata: dict[str, Any],
    problems: list[str],
) -> None:
    monkeypatch.setattr(generate, "parameter_fields", lambda: iter([("run.x", fake(**metadata))]))
    found = generate.source_problems()
    assert len(found) == len(problems), found
    for text, expected in zip(found, problems, strict=True):
        assert text.startswith("parameter run.x ") and expected in text


def test_sources_of_lists_named_works_then_cited_ones_once(generate: ModuleType) -> None:
    abbreviations = generate.source_abbreviations()
    meta = fake(doc="Rate (Ho24; Hayashi82).", source="Hayashi82, assumption").metadata
    assert generate.sources_of(meta, abbreviations) == "Hayashi82, assumption, Ho24"
