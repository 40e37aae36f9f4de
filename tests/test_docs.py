"""The docs are generated from the code and cover all of it.

If a test here fails after you changed parameters, outputs, scenarios or the CLI, run
``python docs/_generate.py`` and commit the docs it rewrites.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from sim.model import AGENT_OUTPUTS, MODEL_OUTPUTS
from sim.params import POLICY_TYPES
from sim.run import simulate, summarise
from sim.scenario import GROUPS, SECTIONS, load_scenario, shipped_names

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def block(filename: str, name: str) -> str:
    """The text of one generated block of a docs file."""
    text = (DOCS / filename).read_text()
    match = re.search(
        rf"<!-- BEGIN GENERATED: {re.escape(name)} -->\n(.*?)<!-- END GENERATED -->", text, re.S
    )
    assert match, f"docs/{filename} has no generated block '{name}'"
    return match.group(1)


def documented_names(text: str) -> set[str]:
    """Names written as the first cell of a markdown table row: | `name` | or | **`name`** |."""
    return set(re.findall(r"^\| (?:\*\*)?`([^`]+)`", text, re.M))


def test_generated_docs_are_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    # `python docs/_generate.py --check`, run in this process: a fresh interpreter would spend
    # seconds importing again what the tests have imported already
    spec = importlib.util.spec_from_file_location("_generate", DOCS / "_generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    code = generate.main(["--check"])
    assert code == 0, f"run `python docs/_generate.py`:\n{capsys.readouterr().err}"


@pytest.mark.parametrize("section", [*SECTIONS, *GROUPS])
def test_every_parameter_is_in_the_model_docs(section: str) -> None:
    cls = {**SECTIONS, **GROUPS}[section]
    names = documented_names(block("model.md", f"params-{section}"))
    missing = {f.name for f in dataclasses.fields(cls)} - names
    assert not missing, f"[{section}] parameters missing from docs/model.md: {sorted(missing)}"


@pytest.mark.parametrize("lever", list(POLICY_TYPES))
def test_every_policy_parameter_is_in_the_model_docs(lever: str) -> None:
    text = block("model.md", "params-policies")
    part = re.search(rf"#### `\[\[?policies\.{lever}\]\]?`\n(.*?)(?=\n#### |\Z)", text, re.S)
    assert part, f"policy lever '{lever}' has no table in docs/model.md"
    missing = {f.name for f in dataclasses.fields(POLICY_TYPES[lever])} - documented_names(
        part.group(1)
    )
    assert not missing, f"policies.{lever} parameters missing from docs/model.md: {missing}"


def test_every_source_abbreviation_is_expanded() -> None:
    sys.path.insert(0, str(DOCS))
    try:
        from _generate import source_abbreviations
    finally:
        sys.path.remove(str(DOCS))
    text = (DOCS / "model.md").read_text()
    sources = text.partition("\n## Sources")[2]
    assert sources, "docs/model.md has no '## Sources' section"
    abbreviations = source_abbreviations()
    assert len(abbreviations) > 10
    missing = [a for a in abbreviations if f"**{a}**" not in sources]
    assert not missing, f"abbreviations of sim/params.py not expanded in docs/model.md: {missing}"


@pytest.fixture(scope="module")
def short_run():  # type: ignore[no-untyped-def]
    """One year of the baseline: every column and summary key a real run produces."""
    return simulate(load_scenario("baseline", {"run.years": 1.0}))


def test_every_output_column_is_in_the_outputs_docs(short_run) -> None:  # type: ignore[no-untyped-def]
    model_cols = documented_names(block("outputs.md", "outputs-model"))
    agent_cols = documented_names(block("outputs.md", "outputs-agents"))
    assert set(MODEL_OUTPUTS) | {"step"} <= model_cols
    assert set(AGENT_OUTPUTS) | {"step", "year", "agent_id"} <= agent_cols
    assert not set(short_run.model.columns) - model_cols
    assert not set(short_run.agents.columns) - agent_cols


def test_the_outputs_docs_list_no_column_a_run_lacks(short_run) -> None:  # type: ignore[no-untyped-def]
    # the other way round: every documented column is in a real run's tables, in their order
    model_cols = re.findall(r"^\| `([^`]+)`", block("outputs.md", "outputs-model"), re.M)
    agent_cols = re.findall(r"^\| `([^`]+)`", block("outputs.md", "outputs-agents"), re.M)
    assert model_cols == list(short_run.model.columns)
    assert agent_cols == list(short_run.agents.columns)


def test_columns_of_one_kind_of_agent_are_nan_for_the_others(short_run) -> None:  # type: ignore[no-untyped-def]
    # docs/outputs.md (Conventions): a column whose meaning starts "Firms:" ("Vendors:") is NaN
    # in every other agent's rows, but for site_efficiency, which suppliers report too
    agents = short_run.agents
    owners = {"Firms:": "firm", "Vendors:": "vendor", "Suppliers:": "supplier"}
    reporting = {"site_efficiency": {"firm", "supplier"}}
    checked = 0
    for column, (_, meaning) in AGENT_OUTPUTS.items():
        owner = next((kind for word, kind in owners.items() if meaning.startswith(word)), None)
        if owner is None:
            continue
        kinds = reporting.get(column, {owner})
        for kind, rows in agents.groupby("agent_type")[column]:
            assert rows.isna().all() != (kind in kinds), (column, kind)
        checked += 1
    assert checked > 20


def test_every_summary_key_is_in_the_outputs_docs(short_run) -> None:  # type: ignore[no-untyped-def]
    summary = summarise(short_run)
    text = (DOCS / "outputs.md").read_text().partition("## The summary")[2]
    keys = documented_names(text)
    assert not set(summary) - keys, f"summary keys not in docs/outputs.md: {set(summary) - keys}"
    extra = keys - set(summary) - {"out"}  # `out` is added by `effrace run --json`
    assert not extra, f"docs/outputs.md documents summary keys a run lacks: {extra}"
    for key in summary.get("leader", {}):
        assert f"`{key}`" in text, f"summary key leader.{key} not in docs/outputs.md"


def test_the_manifest_keys_are_those_documented(tmp_path: Path) -> None:
    import json

    from experiments.cli import main

    out = tmp_path / "run"
    assert main(["run", "baseline", "--years", "0.25", "--no-figures", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    text = (DOCS / "outputs.md").read_text().partition("## manifest.json")[2].partition("\n## ")[0]
    assert set(manifest) == documented_names(text)
    assert set(manifest["versions"]) == {"python", "efficiency-race", "mesa", "numpy", "pandas"}
    # the parameters in the layout of a scenario file, as the manifest's row lists them
    layout = ["name", "description", "run", "law", "market", "firms", "vendors", "suppliers"]
    assert list(manifest["parameters"]) == [*layout, "policies"]


def test_the_sweep_file_keys_are_those_documented() -> None:
    from experiments.sweep import TOP_KEYS

    text = (DOCS / "sweeps.md").read_text().partition("## The sweep file")[2]
    table = text.partition("\n\n**Keys**")[0]
    keys = {name.strip("[]") for name in documented_names(table)}
    assert keys == set(TOP_KEYS)


def test_the_metric_column_names_are_as_documented() -> None:
    from experiments.outputs import parse_metric

    text = " ".join((DOCS / "sweeps.md").read_text().split())
    examples = re.findall(r"`([a-z_]+:[0-9.]+)` gives `(\w+)`", text)
    assert len(examples) >= 2
    for metric, column in examples:
        assert [m.column for m in parse_metric(metric, "test")] == [column]


def test_every_key_of_a_store_manifest_is_in_the_sweeps_docs(tmp_path: Path) -> None:
    import json

    from experiments.cli import main

    sweep = tmp_path / "one.toml"
    sweep.write_text(
        'scenario = "baseline"\ndesign = "lhs"\nsamples = 2\n[set]\nrun.years = 0.25\n'
        "[factors]\nlaw.kappa = { min = 0.15, max = 0.2 }\n"
    )
    out = tmp_path / "store"
    assert main(["sweep", str(sweep), "--workers", "1", "--quiet", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    text = (DOCS / "sweeps.md").read_text().partition("## The results store")[2]
    described = text.partition("`manifest.json` holds:")[2].partition("\n\n")[0]
    assert not [key for key in manifest if f"`{key}`" not in described]
    salib = text.partition("**The manifest's `salib` entry**")[2].partition("```")[0]
    assert not [key for key in manifest["salib"] if f"`{key}`" not in salib]


def test_the_inheritance_example_counts_baseline_s_firm_entries() -> None:
    from sim.scenario import load_raw

    firms = load_raw("baseline")[0]["firms"]
    number = {8: "eight", 9: "nine", 10: "ten"}[len(firms)]
    text = " ".join((DOCS / "scenarios.md").read_text().split())
    assert f"copy all {number} of its `[[firms]]` entries" in text
    assert sum(1 for entry in firms if "count" not in entry) == 8  # "eight labs"


def test_section_numbers_the_docs_cite_exist() -> None:
    # "docs/model.md section 7", "docs/analytic.md 4": each names a numbered heading of that file
    cited = re.compile(r"docs/(\w+)\.md,? (?:section )?(\d+(?:\.\d+)*)\b")
    files = [ROOT / "README.md", *DOCS.rglob("*.md")]
    files += [*(ROOT / "sim").rglob("*.py"), *(ROOT / "experiments").rglob("*.py")]
    bad = []
    for path in files:
        for name, number in cited.findall(" ".join(path.read_text().split())):
            heads = re.findall(r"^#+ (\d+(?:\.\d+)*)\.? ", (DOCS / f"{name}.md").read_text(), re.M)
            if number not in heads:
                bad.append(f"{path.relative_to(ROOT)}: docs/{name}.md section {number}")
    assert not bad


def test_every_shipped_scenario_is_listed() -> None:
    names = documented_names(block("scenarios.md", "scenarios-shipped"))
    assert set(shipped_names()) <= names


def test_every_subcommand_has_its_usage() -> None:
    from experiments.cli import build_parser

    text = block("cli.md", "cli-usage")
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name in commands:
        assert f"$ effrace {name} --help" in text, f"effrace {name} missing from docs/cli.md"


def test_the_columns_the_store_examples_read_are_in_the_example_store() -> None:
    # docs/sweeps.md and the README read results/baseline_sobol (and results/sobol, the same
    # file run from Python): each column their code names must be one that sweep file stores,
    # or a reader who copies the example gets DuckDB's "Referenced column not found"
    from experiments.sweep import load_sweep

    spec = load_sweep(ROOT / "experiments" / "sweeps" / "baseline_sobol.toml")
    columns = {"run_id", "point_id", "replication", "seed", *spec.outputs.metric_columns}
    columns |= {factor.key for factor in spec.factors}
    named = []
    for path in (DOCS / "sweeps.md", ROOT / "README.md"):
        for code in re.findall(r"```python\n(.*?)```", path.read_text(), re.S):
            if "results/baseline_sobol" in code or "results/sobol" in code:
                named += re.findall(r"\b(?:avg|count|sum|min|max)\((\w+)\)", code)
                named += re.findall(r"(?:points|point_means\(\))\[\"(\w+)\"\]", code)
    assert len(named) >= 3
    assert not [name for name in named if name not in columns]
