"""Sweep files: parsing, every design, seeds, and one-line errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from experiments.cli import main
from experiments.sweep import (
    experiments_table,
    load_sweep,
    make_design,
    run_seed,
    run_seeds,
)
from sim.errors import UserError
from sim.scenario import resolve_path


def write(tmp_path: Path, body: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def test_grid_is_the_product_of_levels_with_replications(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        scenario = "baseline"
        replications = 2
        [factors]
        law.kappa = [0.1, 0.2, 0.3]
        "firms.chip_share" = { min = 0.4, max = 0.8, levels = 3 }
        """,
    )
    spec = load_sweep(path)
    design = make_design(spec)
    assert spec.design == "grid"
    assert len(design.points) == 9
    assert design.points["law.kappa"].tolist() == [0.1] * 3 + [0.2] * 3 + [0.3] * 3
    assert design.points["firms.chip_share"].tolist() == pytest.approx([0.4, 0.6, 0.8] * 3)
    table = experiments_table(spec, design)
    assert len(table) == 18
    assert table["run_id"].tolist() == list(range(18))
    assert table["point_id"].tolist() == [i // 2 for i in range(18)]
    assert table["replication"].tolist() == [0, 1] * 9


def test_list_pairs_values_row_by_row(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        scenario = "baseline"
        design = "list"
        [factors]
        law.kappa = [0.1, 0.2]
        firms.adaptive = [true, false]
        """,
    )
    design = make_design(load_sweep(path))
    assert design.points[["law.kappa", "firms.adaptive"]].to_numpy().tolist() == [
        [0.1, True],
        [0.2, False],
    ]


def test_latin_hypercube_has_one_point_per_stratum(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        scenario = "baseline"
        design = "lhs"
        samples = 10
        [factors]
        law.kappa = { min = 0.1, max = 0.3 }
        suppliers.capacity_mw = { min = 100, max = 10000, scale = "log" }
        firms.count = { min = 1, max = 4 }
        """,
    )
    spec = load_sweep(path)
    design = make_design(spec)
    assert len(design.points) == 10
    kappa = design.points["law.kappa"].to_numpy()
    assert sorted(np.floor((kappa - 0.1) / 0.02).astype(int)) == list(range(10))
    log_capacity = np.log10(design.points["suppliers.capacity_mw"].to_numpy())
    assert sorted(np.floor((log_capacity - 2.0) / 0.2).astype(int)) == list(range(10))
    count = design.points["firms.count"]
    assert count.dtype == np.int64
    assert set(count) <= {1, 2, 3, 4}
    # a pure function of the file: the same points again
    assert make_design(spec).points.equals(design.points)


def test_sobol_design_is_saltelli_without_second_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        scenario = "baseline"
        design = "sobol"
        samples = 8
        [factors]
        law.kappa = { min = 0.1, max = 0.3 }
        vendors.flop_per_joule_doublings_per_year = { min = 0.2, max = 0.8 }
        market.potential_tasks_doublings_per_year = { min = 0.5, max = 1.5 }
        """,
    )
    design = make_design(load_sweep(path))
    assert design.unit is not None
    assert len(design.points) == 8 * (3 + 2)
    blocks = design.unit.reshape(8, 5, 3)
    a, b = blocks[:, 0], blocks[:, 4]
    for j in range(3):  # AB_j is A with column j from B
        expected = a.copy()
        expected[:, j] = b[:, j]
        np.testing.assert_array_equal(blocks[:, 1 + j], expected)
    kappa = design.points["law.kappa"].to_numpy()
    np.testing.assert_allclose(kappa, 0.1 + 0.2 * design.unit[:, 0])


def test_morris_trajectories_move_one_factor_a_step(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        scenario = "baseline"
        design = "morris"
        samples = 5
        levels = 4
        [factors]
        law.kappa = { min = 0.1, max = 0.3 }
        firms.chip_share = { min = 0.3, max = 0.9 }
        """,
    )
    design = make_design(load_sweep(path))
    assert design.unit is not None
    assert len(design.points) == 5 * 3
    steps = np.diff(design.unit.reshape(5, 3, 2), axis=1)
    assert ((np.abs(steps) > 0).sum(axis=2) == 1).all()
    np.testing.assert_allclose(np.abs(steps).max(axis=2), 2.0 / 3.0)


def test_quoted_and_nested_dotted_keys_are_the_same_factor(tmp_path: Path) -> None:
    nested = write(tmp_path, 'scenario = "baseline"\n[factors]\nlaw.kappa = [0.1, 0.2]\n', "a.toml")
    quoted = write(
        tmp_path, 'scenario = "baseline"\n[factors]\n"law.kappa" = [0.1, 0.2]\n', "b.toml"
    )
    table = write(tmp_path, 'scenario = "baseline"\n[factors.law]\nkappa = [0.1, 0.2]\n', "c.toml")
    specs = [load_sweep(p) for p in (nested, quoted, table)]
    # compared as text: a factor without a range holds NaN bounds, and from Python 3.13 a
    # dataclass compares field by field, so two equal factors are not == (NaN != NaN)
    assert {repr(s.factors) for s in specs} == {repr(specs[0].factors)}
    assert specs[0].factor_keys == ["law.kappa"]
    assert specs[0].factors[0].levels == (0.1, 0.2)


def test_common_seeds_are_spawned_per_replication() -> None:
    from experiments.sweep import SweepSpec

    spec = SweepSpec(scenarios=("baseline",), replications=3, seed=42)
    seeds = run_seeds(spec, n_points=2)
    children = np.random.SeedSequence(42).spawn(3)
    expected = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
    assert seeds.tolist() == expected * 2
    assert len(set(expected)) == 3
    assert all(0 <= s < 2**63 for s in expected)
    independent = run_seeds(
        SweepSpec(scenarios=("baseline",), replications=3, seed=42, seeds="independent"), 2
    )
    assert independent[:3].tolist() == expected
    assert len(set(independent.tolist())) == 6
    assert run_seed(43, 0) != run_seed(42, 0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'scenario = "baseline"\ndesgin = "grid"\n',
            "unknown key 'desgin' (did you mean 'design'?)",
        ),
        ('scenario = "baselin"\n', "unknown scenario 'baselin' (did you mean 'baseline'?)"),
        ("design = 'grid'\n", "missing scenario"),
        (
            'scenario = "baseline"\n[factors]\nlaw.kapa = [0.1]\n',
            "'law.kapa' is not a scenario parameter (did you mean 'law.kappa'?)",
        ),
        (
            'scenario = "baseline"\n[set]\nfirms.chip_shar = 0.5\n',
            "(did you mean 'firms.chip_share'?)",
        ),
        (
            'scenario = "baseline"\ndesign = "sobol"\nsamples = 100\n'
            "[factors]\nlaw.kappa = { min = 0.1, max = 0.3 }\n",
            "samples = 100: the Sobol design needs a power of 2, at least 2 (try 128)",
        ),
        # 1 = 2^0 was refused for not being 'a power of 2'
        (
            'scenario = "baseline"\ndesign = "sobol"\nsamples = 1\n'
            "[factors]\nlaw.kappa = { min = 0.1, max = 0.3 }\n",
            "samples = 1: the Sobol design needs a power of 2, at least 2 (try 2)",
        ),
        (
            'scenario = "baseline"\ndesign = "sobol"\nsamples = 8\n[factors]\nlaw.kappa = [0.1, 0.2]\n',
            "factors.law.kappa: design 'sobol' needs a range",
        ),
        (
            'scenario = "baseline"\ndesign = "list"\n[factors]\nlaw.kappa = [0.1, 0.2]\n'
            "firms.chip_share = [0.5]\n",
            "their lists differ in length (1, 2)",
        ),
        (
            'scenario = "baseline"\n[factors]\nlaw.kappa = { min = 0.1, max = 5.0, levels = 2 }\n',
            "factors.law.kappa: law: kappa = 5.0 is out of range",
        ),
        (
            'scenario = "baseline"\n[factors]\nlaw.kappa = { min = 0.3, max = 0.1, levels = 2 }\n',
            "min = 0.3 must be below max = 0.1",
        ),
        ('scenario = "baseline"\ndesign = "latin"\n', "design = 'latin' is not one of"),
        (
            'scenario = "baseline"\n[outputs]\nmetrics = ["loss_at:2030"]\n',
            "unknown metric 'loss_at' (did you mean 'loss_at_year'?)",
        ),
        (
            'scenario = "baseline"\n[outputs]\nmetrics = ["loss_at_year:2090"]\n',
            "loss_at_year:2090 is outside the runs (2024 to 2044)",
        ),
        # a target no run can reach gave NaN in every run
        (
            'scenario = "baseline"\n[outputs]\nmetrics = ["years_to_loss:1.5"]\n',
            "years_to_loss:1.5 is at or below the law's irreducible loss E = 1.8172 nats/token",
        ),
        (
            'scenario = "baseline"\n[outputs]\nseries = ["best_los"]\n',
            "unknown model column 'best_los' (did you mean 'best_loss'?)",
        ),
        (
            'scenario = "baseline"\n[outputs]\nmetrics = ["hhi:chip"]\n',
            "unknown market 'chip' (did you mean 'chips'?)",
        ),
        ('scenario = "baseline"\n[factors]\nrun.seed = [1, 2]\n', "seeds come from the sweep"),
        (
            'scenario = "baseline"\nreplications = 0\n',
            "replications = 0 must be a whole number >= 1",
        ),
        ('scenario = "baseline\n', "not valid TOML"),
        # a scenario listed twice repeated its runs under new point ids; an empty list was
        # told to be 'a list'
        ('scenario = ["baseline", "baseline"]\n', "scenario: 'baseline' is listed twice"),
        # and a shipped name beside a path to its own file ran both
        (
            f'scenario = ["baseline", "{resolve_path("baseline").resolve()}"]\n',
            "baseline.toml' is listed twice",
        ),
        ("scenario = []\n", "or a non-empty list of them"),
        # a file that forgot design = "lhs" ran the grid of its lists, its samples unread
        (
            'scenario = "baseline"\nsamples = 50\n[factors]\nlaw.kappa = [0.1, 0.2]\n',
            "samples = 50 is read only by the lhs, sobol and morris designs, and this file's "
            "design is 'grid' (the default): set design, or remove samples",
        ),
        (
            'scenario = "baseline"\ndesign = "lhs"\nsamples = 4\nlevels = 4\n'
            "[factors]\nlaw.kappa = { min = 0.1, max = 0.2 }\n",
            "levels = 4 is read only by the morris design, and this file's design is 'lhs'",
        ),
        # a sweep file has no --set: it read 'factors.firms.cash_usd.multiplier: --set firms...'
        (
            'scenario = "baseline"\n[factors]\nfirms.cash_usd.multiplier = [-1.0, 2.0]\n',
            "factors.firms.cash_usd.multiplier: firms.cash_usd.multiplier = -1.0: a multiplier",
        ),
    ],
)
def test_mistakes_are_one_line_user_errors(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(UserError) as info:
        load_sweep(path)
    text = str(info.value)
    assert message in text
    assert "\n" not in text
    assert text.startswith(str(path)) or text.startswith("sweep file")


def test_cli_reports_a_sweep_error_in_one_line_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, 'scenario = "baseline"\n[factors]\nlaw.kapa = [0.1]\n')
    assert main(["sweep", str(path), "--quiet", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "did you mean 'law.kappa'" in err
    assert not (tmp_path / "out").exists()


def test_missing_sweep_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read"):
        load_sweep(tmp_path / "nope.toml")


def test_scenario_path_is_relative_to_the_sweep_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mine.toml").write_text('base = "baseline"\n[run]\nyears = 3\n')
    path = write(tmp_path / "sub", 'scenario = "mine.toml"\n')
    spec = load_sweep(path)
    assert spec.scenarios == (str((tmp_path / "sub" / "mine.toml").resolve()),)
    assert spec.raw_scenarios[spec.scenarios[0]]["run"]["years"] == 3


def test_a_sweep_of_several_scenarios_summarises_each_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The summary table of a sweep crossing scenarios pooled their runs, so its means and
    ranges described no scenario; it now prints one table per scenario, in the file's order."""
    import pandas as pd

    for name, kappa in (("low.toml", 0.12), ("high.toml", 0.3)):
        (tmp_path / name).write_text(f'base = "baseline"\n[law]\nkappa = {kappa}\n')
    path = write(
        tmp_path,
        """
        scenario = ["low.toml", "high.toml"]
        replications = 2
        [set]
        run.years = 1
        [factors]
        firms.chip_share = [0.4, 0.6]
        [outputs]
        metrics = ["final:best_loss"]
        """,
    )
    out = tmp_path / "out"
    args = ["sweep", str(path), "--quiet", "--workers", "1", "--out", str(out)]
    assert main([*args, "--model", "_fake_model:simulate"]) == 0
    lines = capsys.readouterr().out.splitlines()
    runs = pd.read_parquet(out / "runs")
    tables, means = [], []
    for ref in (str(tmp_path / "low.toml"), str(tmp_path / "high.toml")):
        loss = runs.loc[runs["scenario"] == ref, "final_best_loss"]
        assert len(loss) == 4
        means.append(loss.mean())
        tables += [f"scenario '{ref}' (4 runs):", lines[2]]
        tables.append(
            f"  {'final_best_loss':<40} {loss.mean():>11.4g} {loss.std():>11.4g} "
            f"{loss.min():>11.4g} {loss.max():>11.4g} {0:>5}"
        )
    assert lines[1:] == tables
    assert means[0] > means[1] + 0.01  # the scenarios differ: pooled, they would blur
