"""Sensitivity analysis: indices of an additive model known in closed form, and the real model."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import numpy as np
import pytest

from experiments.backends import execute
from experiments.cli import main
from experiments.sensitivity import analyse
from experiments.store import Store
from experiments.sweep import SweepSpec, load_sweep
from sim.errors import UserError

ADDITIVE = """
scenario = "minimal.toml"
design = "{design}"
samples = {samples}
seed = 3
[set]
run.years = 4
run.steps_per_year = 2
[factors]
law.kappa = {{ min = 0.1, max = 0.3 }}
firms.chip_share = {{ min = 0.0, max = 1.0 }}
[outputs]
series = ["best_loss"]
metrics = ["max:margin_firms", "final:hhi_chips"]
"""


def additive(tmp_path: Path, design: str, samples: int) -> tuple[SweepSpec, Store]:
    (tmp_path / "minimal.toml").write_text('name = "minimal"\n')
    path = tmp_path / f"{design}.toml"
    path.write_text(textwrap.dedent(ADDITIVE.format(design=design, samples=samples)))
    spec = dataclasses.replace(load_sweep(path), simulate="_fake_model:simulate_additive")
    execute(spec, tmp_path / design, quiet=True)
    return spec, Store(tmp_path / design)


@pytest.mark.slow
def test_sobol_indices_of_an_additive_model(tmp_path: Path) -> None:
    spec, store = additive(tmp_path, "sobol", 256)
    result = analyse(store, spec)
    rows = result.indices.set_index(["metric", "factor"])
    margin = rows.loc["max_margin_firms"]
    # variance shares: (10 * 0.2)^2 / 12 = 4/12 for kappa, 1/12 for chip share; no interaction
    assert margin["S1"].to_numpy() == pytest.approx([0.8, 0.2], abs=0.05)
    assert margin["ST"].to_numpy() == pytest.approx([0.8, 0.2], abs=0.05)
    assert (margin["S1_conf"] > 0).all() and (margin["S1_conf"] < 0.2).all()
    assert result.notes == ["final_hhi_chips: not analysed (constant over the design)"]
    # over time: kappa's share is 4u^2 / (4u^2 + (1 - u)^2) at u = t / 4 years
    kappa = result.over_time[result.over_time["factor"] == "law.kappa"].set_index("year")
    assert kappa.index.tolist() == [2025.0, 2026.0, 2027.0, 2028.0]
    u = np.array([0.25, 0.5, 0.75, 1.0])
    expected = 4 * u**2 / (4 * u**2 + (1 - u) ** 2)
    assert kappa["ST"].to_numpy() == pytest.approx(expected, abs=0.06)


def test_morris_effects_of_an_additive_model(tmp_path: Path) -> None:
    spec, store = additive(tmp_path, "morris", 10)
    result = analyse(store, spec)
    margin = result.indices[result.indices["metric"] == "max_margin_firms"].set_index("factor")
    # an effect is the change over the factor's whole range: 10 * 0.2 for kappa, 1 for chip share
    assert margin["mu_star"].to_numpy() == pytest.approx([2.0, 1.0])
    assert margin["mu"].to_numpy() == pytest.approx([2.0, 1.0])
    assert margin["sigma"].to_numpy() == pytest.approx([0.0, 0.0], abs=1e-9)


def test_unfinished_or_unsuitable_sweeps_are_refused(tmp_path: Path) -> None:
    spec, store = additive(tmp_path, "sobol", 4)
    spec_lhs = dataclasses.replace(spec, design="lhs")
    with pytest.raises(UserError, match="needs design = 'sobol' or 'morris', not 'lhs'"):
        analyse(store, spec_lhs)
    next(iter((store.root / "runs").glob("part-*.parquet"))).unlink()
    with pytest.raises(UserError, match="16 runs are missing; finish the sweep with --resume"):
        analyse(store, spec)


@pytest.mark.slow
@pytest.mark.parametrize(("design", "runs"), [("sobol", 8), ("morris", 6)])
def test_sensitivity_cli_on_the_real_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], design: str, runs: int
) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            scenario = "baseline"
            design = "{design}"
            samples = 2
            [set]
            run.years = 2
            [factors]
            law.kappa = {{ min = 0.12, max = 0.25 }}
            vendors.flop_per_joule_doublings_per_year = {{ min = 0.2, max = 0.8 }}
            [outputs]
            series = ["best_loss"]
            metrics = ["final:best_loss", "cap_binding_share"]
            """
        )
    )
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--workers", "1", "--quiet", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"{runs} runs in" in text
    assert "final_best_loss" in text and "law.kappa" in text
    assert "cap_binding_share: not analysed (constant over the design)" in text
    figures = sorted(p.name for p in (out / "sensitivity" / "figures").iterdir())
    assert figures == [f"{design}_final_best_loss.png", f"{design}_over_time_best_loss.png"]
    assert (out / "sensitivity" / "indices.csv").read_text().count("\n") == 3


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_indices_over_time_are_drawn_against_whole_years(
    method: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The indices-over-time figures ticked the year axis at 2025.00, 2025.25, ... (a 3-year
    sweep) while the fan charts of a comparison show whole years; now they do too."""
    import pandas as pd
    from matplotlib.figure import Figure

    from experiments.sensitivity import SensitivityResult, figures

    years = [2025.0, 2026.0, 2027.0]
    over_time = pd.DataFrame(
        {
            "series": "best_loss",
            "year": years,
            "factor": "law.kappa",
            **{k: [0.5, 0.6, 0.7] for k in ("S1", "ST", "mu_star")},
            **{k: 0.1 for k in ("S1_conf", "ST_conf", "mu_star_conf")},
        }
    )
    seen = []
    monkeypatch.setattr(Figure, "savefig", lambda fig, path, **kw: seen.append(fig.axes[0]))
    figures(SensitivityResult(method, pd.DataFrame(), over_time, []), tmp_path)
    (ax,) = seen
    lo, hi = ax.get_xlim()
    shown = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert shown == [2025.0, 2026.0, 2027.0]


def test_every_column_of_the_sensitivity_files_is_documented(tmp_path: Path) -> None:
    """indices.csv and over_time.csv had no column table in docs/sweeps.md (mu, sigma, year and
    the _conf half-widths unexplained, no units); every column written is now in one."""
    import re

    import pandas as pd

    from experiments.sensitivity import write

    docs = (Path(__file__).parents[1] / "docs" / "sweeps.md").read_text()
    start = docs.index("| column | meaning [unit] |\n|---|---|\n| `metric` |")
    table = docs[start : docs.index("\n\n", start)]
    documented = set(re.findall(r"^\| `([^`]+)`(?:, `([^`]+)`)?", table, re.M))
    names = {name for pair in documented for name in pair if name}
    written = set()
    for design, samples in (("sobol", 4), ("morris", 4)):
        spec, store = additive(tmp_path, design, samples)
        write(analyse(store, spec), tmp_path / f"{design}-out")
        for name in ("indices", "over_time"):
            frame = pd.read_csv(tmp_path / f"{design}-out" / f"{name}.csv")
            assert len(frame) > 0
            written |= set(frame.columns)
    assert written == names
    assert written >= {"mu", "sigma", "mu_star_conf", "S1_conf", "year", "series"}
