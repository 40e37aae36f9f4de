"""Paired comparisons: hand-checked statistics, common random numbers, the real model end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.api import compare
from experiments.api import sweep as api_sweep
from experiments.cli import main
from experiments.compare import compare_spec, fan_data, format_table, paired_differences
from sim.errors import UserError

T_975_2DF = 4.302652729911275  # Student t, 97.5% quantile, 2 degrees of freedom


def test_paired_differences_by_hand() -> None:
    runs = pd.DataFrame(
        {
            "scenario": ["base"] * 4 + ["pol"] * 4,
            "replication": [0, 1, 2, 3] * 2,
            "status": ["ok"] * 7 + ["error"],
            "m": [1.0, 2.0, 3.0, 9.0, 2.0, 4.0, 6.0, np.nan],
            "never": [1.0, np.nan, 3.0, 4.0, 1.0, 2.0, np.nan, 4.0],
        }
    )
    summary, differences = paired_differences(runs, "base", ["m", "never"])
    row = summary.set_index("metric").loc["m"]
    # replication 3 failed in the policy arm: pairs are (1, 2), (2, 4), (3, 6) -> d = 1, 2, 3
    assert row["n"] == 3
    assert row["base_mean"] == pytest.approx(2.0) and row["policy_mean"] == pytest.approx(4.0)
    assert row["diff_mean"] == pytest.approx(2.0) and row["diff_sd"] == pytest.approx(1.0)
    half = T_975_2DF / np.sqrt(3)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((2.0 - half, 2.0 + half))
    assert row["relative_change"] == pytest.approx(1.0)
    # the arms' own spread over the same pairs: sd(1, 2, 3) = 1, sd(2, 4, 6) = 2, so two
    # independent runs would differ by sqrt(1 + 4); the pairs differ by sd(1, 2, 3) = 1
    assert (row["base_sd"], row["policy_sd"]) == pytest.approx((1.0, 2.0))
    assert row["pairing_share"] == pytest.approx(1.0 / np.sqrt(5.0))
    assert summary.set_index("metric").loc["never", "n"] == 1  # only replication 0 has both
    # of the pairs whose runs both finished (0-2), "never" is the baseline's only in replication
    # 2 and the policy's only in 1; the failed run (replication 3) counts in neither
    one_sided = summary.set_index("metric")[["base_only", "policy_only"]]
    assert one_sided.loc["never"].tolist() == [1, 1]
    assert one_sided.loc["m"].tolist() == [0, 0]
    assert np.isnan(summary.set_index("metric").loc["never", "ci_low"])
    assert differences[differences["metric"] == "m"]["difference"].tolist() == [1.0, 2.0, 3.0]


def test_the_table_says_which_arm_a_left_out_pair_had_the_metric_in() -> None:
    # a policy that delays a target past the horizon in two of three pairs
    runs = pd.DataFrame(
        {
            "scenario": ["base"] * 3 + ["slow"] * 3,
            "replication": [0, 1, 2] * 2,
            "status": "ok",
            "years_to_loss:2": [3.0, 4.0, 5.0, 6.0, np.nan, np.nan],
        }
    )
    summary, _ = paired_differences(runs, "base", ["years_to_loss:2"])
    table = format_table(summary, "base")
    assert (
        "years_to_loss:2, slow: defined in base only in 2 pairs, in the policy only in 0 pairs"
        in table
    )
    assert summary.loc[0, "n"] == 1 and summary.loc[0, "diff_mean"] == pytest.approx(3.0)
    assert "excludes zero" not in table  # one pair has no interval, so no row is starred


def test_fan_data_quantiles_by_step() -> None:
    runs = pd.DataFrame(
        {
            "run_id": [0, 1, 2, 3],
            "scenario": ["base", "base", "pol", "pol"],
            "replication": [0, 1, 0, 1],
            "status": "ok",
        }
    )
    series = pd.DataFrame(
        {
            "run_id": [0, 0, 1, 1, 2, 2, 3, 3],
            "step": [1, 2] * 4,
            "year": [2024.5, 2025.0] * 4,
            "x": [1.0, 1.0, 2.0, 2.0, 2.0, 4.0, 2.0, 6.0],
        }
    )
    fan = fan_data(series, runs, "base", ["x"])
    # differences: step 1 -> (1, 0), step 2 -> (3, 4)
    assert fan["year"].tolist() == [2024.5, 2025.0]
    assert fan["q50"].tolist() == pytest.approx([0.5, 3.5])
    assert fan["q05"].tolist() == pytest.approx([0.05, 3.05])
    assert fan["mean"].tolist() == pytest.approx([0.5, 3.5])


@pytest.fixture
def cap_scenario(tmp_path: Path) -> Path:
    path = tmp_path / "tight_cap.toml"
    path.write_text('base = "baseline"\n[policies.energy_cap]\nfrom_year = 2024\ncap_mw = 300\n')
    return path


def test_compare_uses_common_random_numbers_and_finds_the_cap(cap_scenario: Path) -> None:
    result = compare(
        "baseline",
        [str(cap_scenario)],
        replications=3,
        years=1,
        metrics=["cap_binding_share", "final:price_usd_per_million_tokens"],
        series=["price_usd_per_million_tokens"],
    )
    experiments = result.results.experiments
    seeds = experiments.pivot(index="replication", columns="scenario", values="seed")
    assert (seeds["baseline"] == seeds[str(cap_scenario)]).all()
    assert seeds["baseline"].nunique() == 3
    summary = result.summary.set_index("metric")
    assert summary.loc["cap_binding_share", "diff_mean"] == pytest.approx(1.0)
    price = summary.loc["final_price_usd_per_million_tokens"]
    assert price["ci_low"] > 0  # scarce energy raises the price of tokens
    assert "*" in result.table()
    assert set(result.fan["series"]) == {"price_usd_per_million_tokens"}
    assert len(result.fan) == 12


def test_compare_cli_prints_the_table_writes_fan_charts_and_json(
    cap_scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    args = ["compare", "baseline", str(cap_scenario), "--replications", "2", "--years", "1"]
    args += ["--workers", "1", "--out", str(out), "--quiet", "--series", "best_loss"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "tight_cap vs baseline (paired, 95% CI)" in text
    assert "cap_binding_share" in text
    assert (out / "figures" / "fan_best_loss.png").stat().st_size > 10_000
    assert (out / "differences.csv").exists()
    assert main([*args, "--json"]) == 0  # the store is complete: nothing runs again
    records = json.loads(capsys.readouterr().out)
    by_metric = {r["metric"]: r for r in records}
    assert by_metric["cap_binding_share"]["diff_mean"] == pytest.approx(1.0)
    assert by_metric["surplus_share_firms"]["n"] == 2  # defined in every run


def test_compare_mistakes() -> None:
    with pytest.raises(UserError, match="at least 2"):
        compare_spec("baseline", ["baseline"], replications=1)
    with pytest.raises(UserError, match="named twice"):
        compare_spec("baseline", ["baseline"], replications=2)
    with pytest.raises(UserError, match="did you mean 'baseline'"):
        compare_spec("baseline", ["baselin"], replications=2)
    with pytest.raises(UserError, match=r"did you mean 'law\.kappa'"):
        compare_spec("baseline", ["x"], replications=2, overrides={"law.kapa": 0.2})


def test_the_table_says_when_pairs_are_left_out() -> None:
    """A metric undefined in some pairs (a target never reached) showed n below the replications
    (or 0, with nan everywhere) and nothing said why; the table now says, and only then."""
    from experiments.compare import format_table

    def row(metric: str, n: int) -> dict[str, object]:
        value = 1.0 if n else float("nan")
        return {
            "policy": "energy-cap",
            "metric": metric,
            "n": n,
            **dict.fromkeys(["base_mean", "policy_mean", "diff_mean", "ci_low", "ci_high"], value),
        }

    full = pd.DataFrame([row("loss_at_year_2028", 3)])
    assert "n: the pairs" not in format_table(full, "baseline")
    for ns in ([3, 0], [3, 2], [0]):
        summary = pd.DataFrame([row(f"m{i}", n) for i, n in enumerate(ns)])
        assert (
            format_table(summary, "baseline")
            .splitlines()[-1]
            .startswith(
                "n: the pairs of runs a metric has; a pair in which it is undefined in either arm"
            )
        )


def test_fan_charts_label_the_unit_and_whole_years(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fan charts' y axis named the column without its unit, and the year axis was ticked
    at 2027.5, 2032.5, ...; now the unit of docs/outputs.md is in brackets (the title names the
    column) and years are whole."""
    from matplotlib.figure import Figure

    from experiments.compare import fan_charts

    years = 2024 + np.arange(1, 241) / 12
    fan = pd.DataFrame(
        {
            "series": "price_usd_per_million_tokens",
            "policy": "energy-cap",
            "year": years,
            "q05": -1.0,
            "q50": 0.0,
            "q95": 1.0,
        }
    )
    seen = []
    monkeypatch.setattr(Figure, "savefig", lambda fig, path, **kw: seen.append(fig.axes[0]))
    fan_charts(fan, "baseline", tmp_path)
    (ax,) = seen
    assert ax.get_ylabel() == "policy - baseline [USD/Mtoken]"
    ticks = ax.get_xticks()
    assert len(ticks) > 2 and np.all(ticks == np.round(ticks))


def test_a_set_key_that_switches_a_lever_on_in_the_base_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``compare baseline carbon-tax --set policies.carbon_tax.from_year=2025`` (meant: start the
    tax earlier) switched a 100 USD/t tax on in the baseline too, without a word, and the table
    compared two taxes; it is now warned of before the runs, once per arm and lever."""
    from experiments.sweep import levers_added

    spec = compare_spec(
        "baseline",
        ["carbon-tax"],
        replications=2,
        overrides={"policies.carbon_tax.from_year": 2025, "policies.carbon_tax.for_years": 5},
    )
    assert levers_added(spec) == [
        "--set policies.carbon_tax.from_year switches policies.carbon_tax on in 'baseline', "
        "which has none: every arm now has the lever, its other keys at their defaults; to "
        "change the lever of 'carbon-tax' only, give it a scenario file with "
        'base = "carbon-tax" and that key (docs/scenarios.md, "Inheritance")'
    ]
    # a lever no arm has is a background policy, meant for every arm; other keys are not levers
    background = {"policies.energy_cap.cap_mw": 5000.0, "law.kappa": 0.2}
    assert levers_added(compare_spec("baseline", ["carbon-tax"], overrides=background)) == []
    tax_in_both = {"policies.carbon_tax.usd_per_t_co2": 50.0}
    assert levers_added(compare_spec("carbon-tax", ["energy-cap"], overrides=tax_in_both)) == [
        line.replace("'baseline'", "'energy-cap'").replace(".from_year", ".usd_per_t_co2")
        for line in levers_added(spec)
    ]

    out = tmp_path / "cmp"
    args = ["compare", "baseline", "carbon-tax", "--replications", "2", "--years", "1"]
    args += ["--set", "policies.carbon_tax.from_year=2024.5", "--metric", "hhi:chips"]
    args += ["--workers", "1", "--out", str(out), "--quiet", "--model", "_fake_model:simulate"]
    assert main(args) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "effrace: warning: " + levers_added(spec)[0]
    assert len(err) == 1
    with pytest.warns(UserWarning, match=r"switches policies\.carbon_tax on in 'baseline'") as w:
        compare(
            "baseline",
            ["carbon-tax"],
            replications=2,
            years=1,
            overrides={"policies.carbon_tax.from_year": 2024.5},
            metrics=["hhi:chips"],
            model="_fake_model:simulate",
        )
    assert [Path(warning.filename).name for warning in w] == ["test_compare.py"]
    sweep_file = {
        "scenario": ["baseline", "carbon-tax"],
        "set": {"run.years": 1, "policies.carbon_tax.from_year": 2024.5},
        "outputs": {"metrics": ["hhi:chips"]},
    }
    with pytest.warns(UserWarning, match=r"^\[set\] policies\.carbon_tax\.from_year") as w:
        api_sweep(sweep_file, model="_fake_model:simulate", quiet=True)
    assert [Path(warning.filename).name for warning in w] == ["test_compare.py"]


def test_arms_that_share_a_file_name_keep_apart_in_the_table_and_fan_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'compare baseline v1/carbon-tax.toml carbon-tax' printed two tables both titled
    'carbon-tax vs baseline' and drew two lines labelled 'carbon-tax (median)'; arms whose names
    coincide are now named as given, the others as before."""
    from matplotlib.figure import Figure

    from experiments.compare import fan_charts

    variant = "v1/carbon-tax.toml"
    runs = pd.DataFrame(
        {
            "run_id": range(6),
            "scenario": ["baseline"] * 2 + [variant] * 2 + ["carbon-tax"] * 2,
            "replication": [0, 1] * 3,
            "status": "ok",
            "m": [1.0, 2.0, 4.0, 6.0, 1.0, 2.0],
        }
    )
    summary, _ = paired_differences(runs, "baseline", ["m"])
    titles = [line for line in format_table(summary, "baseline").splitlines() if " vs " in line]
    assert titles == [
        f"{variant} vs baseline (paired, 95% CI):",
        "carbon-tax vs baseline (paired, 95% CI):",
    ]
    assert summary["diff_mean"].tolist() == [3.5, 0.0]
    series = pd.DataFrame({"run_id": range(6), "step": 1, "year": 2024.5, "best_loss": runs["m"]})
    fan = fan_data(series, runs, "baseline", ["best_loss"])
    seen = []
    monkeypatch.setattr(Figure, "savefig", lambda fig, path, **kw: seen.append(fig.axes[0]))
    fan_charts(fan, "baseline", tmp_path)
    (ax,) = seen
    labels = [line.get_label() for line in ax.get_lines() if "median" in line.get_label()]
    assert labels == [f"{variant} (median)", "carbon-tax (median)"]
    assert ax.get_ylabel() == "policy - baseline [nats/token]"


def test_fan_pairs_arms_on_other_time_grids_at_the_same_calendar_time() -> None:
    """A policy scenario with 24 steps a year against a monthly base was differenced step by
    step, its step 2 (2024 + 1/12) less the base's step 2 (2024 + 1/6), under the base's
    years; the fan now differences the two at each of the base's steps' ends."""
    base_years = 2024 + np.arange(1, 13) / 12
    policy_years = 2024 + np.arange(1, 25) / 24
    rows = []
    for replication in range(2):
        for years, scenario, offset in ((base_years, "base", 0.0), (policy_years, "fine", 0.5)):
            run_id = len(rows)
            rows.append((run_id, scenario, replication, years, offset + replication))
    runs = pd.DataFrame(
        [(r, s, rep, "ok") for r, s, rep, _, _ in rows],
        columns=["run_id", "scenario", "replication", "status"],
    )
    series = pd.concat(
        pd.DataFrame(
            {
                "run_id": r,
                "step": np.arange(1, len(years) + 1),
                "year": years,
                "x": 10 * (years - 2024) + offset,  # a value of calendar time, plus the arm's
            }
        )
        for r, _, _, years, offset in rows
    )
    fan = fan_data(series, runs, "base", ["x"])
    assert fan["step"].tolist() == list(range(1, 13))
    assert fan["year"].to_numpy() == pytest.approx(base_years)
    assert fan["q50"].to_numpy() == pytest.approx(np.full(12, 0.5))  # the offset only
    assert fan["mean"].to_numpy() == pytest.approx(np.full(12, 0.5))


def test_a_comparison_without_series_writes_its_table_and_no_chart(tmp_path: Path) -> None:
    """compare.write of a comparison that kept no series (api.compare(series=[])) stopped with
    KeyError: 'series'; it now writes differences.csv and no fan chart."""
    from experiments.compare import write

    result = compare(
        "baseline",
        ["carbon-tax"],
        replications=2,
        years=1,
        series=[],
        metrics=["hhi:chips"],
        model="_fake_model:simulate",
    )
    assert result.fan.empty
    assert write(result.summary, result.fan, "baseline", tmp_path) == []
    table = pd.read_csv(tmp_path / "differences.csv")
    assert table["metric"].tolist() == ["hhi_chips"] and table["n"].tolist() == [2]
    assert list((tmp_path / "figures").iterdir()) == []
