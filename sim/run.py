"""One run of a scenario: ``simulate(scenario, seed) -> RunResult``, the seam between the model
and everything that uses it (the CLI, sweeps, comparisons, the dashboard, validation).
"""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import finance, law
from sim.model import AGENT_OUTPUTS, MODEL_OUTPUTS, EfficiencyRaceModel, expand_entries
from sim.params import LINK_COLUMNS, SECTORS, Scenario
from sim.policies import steps_in_force
from sim.scenario import to_dict
from sim.series import doublings_per_year, fold_per_year


@dataclass
class RunResult:
    """The tidy outputs of one run.

    ``model``: one row per step (columns in :data:`sim.model.MODEL_OUTPUTS` plus ``step``);
    ``agents``: one row per agent per step (``step``, ``year``, ``agent_id`` and
    :data:`sim.model.AGENT_OUTPUTS`). docs/outputs.md gives every column with its unit.
    """

    scenario: Scenario
    seed: int | None
    model: pd.DataFrame
    agents: pd.DataFrame
    extras: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return summarise(self)


def seed_of(
    seed: int | np.random.SeedSequence | None, scenario: Scenario
) -> int | np.random.SeedSequence:
    return scenario.run.seed if seed is None else seed


def simulate(
    scenario: Scenario,
    seed: int | np.random.SeedSequence | None = None,
    model: EfficiencyRaceModel | None = None,
    on_step: Callable[[int], None] | None = None,
) -> RunResult:
    """Run ``scenario`` for its horizon and return its tidy outputs.

    ``seed`` (an int or a :class:`numpy.random.SeedSequence`) overrides ``scenario.run.seed``;
    the same scenario and seed give identical results on any machine and in any process.
    ``on_step(n)``, if given, is called after each step with the number of steps done (a
    progress bar).
    """
    resolved = seed_of(seed, scenario)
    m = model if model is not None else EfficiencyRaceModel(scenario, rng=resolved)
    for done in range(1, scenario.run.n_steps + 1):
        m.step()
        if on_step is not None:
            on_step(done)
    return collect(m, resolved)


def simulate_model_table(
    scenario: Scenario, seed: int | np.random.SeedSequence | None = None
) -> RunResult:
    """:func:`simulate` without the agents table (empty): faster, for sweeps that read only
    model-level columns."""
    resolved = seed_of(seed, scenario)
    return simulate(
        scenario, seed, EfficiencyRaceModel(scenario, rng=resolved, collect_agents=False)
    )


def collect(m: EfficiencyRaceModel, seed: int | np.random.SeedSequence | None = None) -> RunResult:
    """Tidy tables of what a model has collected so far."""
    model_df = m.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    model_df.insert(0, "step", np.arange(1, len(model_df) + 1))
    agents = m.agents_dataframe()
    year_of_step = dict(zip(model_df["step"], model_df["year"], strict=True))
    agents.insert(1, "year", agents["step"].map(year_of_step))
    extras = {
        "initial_compute_flop": dict(m.initial_compute_flop),
        "kappa": m.law.kappa,
        "loss_floor": m.law.loss_floor,
        "k_coefficient": m.law.k_coefficient,
    }
    seed_value = seed if isinstance(seed, int) or seed is None else None
    return RunResult(m.config, seed_value, model_df, agents, extras)


# ----------------------------------------------------------------------------------------------
# summary: who is winning the race, and who earns the margins
# ----------------------------------------------------------------------------------------------


def summarise(result: RunResult) -> dict[str, Any]:
    """The one-screen answer: the leader and why, who gains what (levels and shares of total
    surplus), prices, doublings to a target."""
    sc = result.scenario
    model, agents = result.model, result.agents
    last_step = int(model["step"].iloc[-1])
    firms = agents[agents["agent_type"] == "firm"]
    final = firms[firms["step"] == last_step]
    out: dict[str, Any] = {
        "scenario": sc.name,
        "seed": result.seed,
        "years": [float(sc.run.start_year), float(model["year"].iloc[-1])],
        "firms_active": int(model["n_firms_active"].iloc[-1]),
        "firms_started": len(result.extras["initial_compute_flop"]),
    }
    if not final.empty:
        # the leader is the firm buyers choose most at the end
        leader = final.iloc[int(final["market_share"].to_numpy().argmax())]
        by_share = final.sort_values("market_share", ascending=False)
        out["lead_changes"] = _lead_changes(firms)
        out["leader"] = {
            "name": leader["name"],
            "loss": float(leader["loss"]),
            "relative_excess_loss": float(leader["relative_excess_loss"]),
            "cumulative_logical_flop": float(leader["cumulative_logical_flop"]),
            "market_share": float(leader["market_share"]),
            "elogical_flop_per_joule": float(leader["elogical_flop_per_joule"]),
        }
        out["efficiency_by_link"] = _links_of_leader(result, int(leader["agent_id"]))
        out["market_shares"] = {
            str(r["name"]): float(r["market_share"]) for _, r in by_share.iterrows()
        }
    cumulative = {s: float(model[f"profit_{s}_usd"].sum()) for s in SECTORS}
    out["cumulative_profit_usd"] = cumulative
    revenue = {s: float(model[f"revenue_{s}_usd"].sum()) for s in SECTORS}
    out["margin"] = {
        s: (cumulative[s] / revenue[s] if revenue[s] > 0 else math.nan) for s in SECTORS
    }
    out["surplus_usd"] = surplus = cumulative_surplus(model)
    shares = finance.surplus_shares(list(surplus.values()))
    out["surplus_share"] = dict(zip(surplus, (float(x) for x in shares), strict=True))
    out["investors_net_return_usd"] = float(model["investors_net_return_usd"].iloc[-1])
    out["dividends_usd"] = float(model["dividends_usd"].sum())
    out["investor_funding_usd"] = float(model["investor_funding_usd"].sum())
    out["final_hhi_ai_services"] = float(model["hhi_ai_services"].iloc[-1])
    first, last = model.iloc[0], model.iloc[-1]
    out["price_usd_per_million_tokens"] = [
        float(first["price_usd_per_million_tokens"]),
        float(last["price_usd_per_million_tokens"]),
    ]
    out["price_fall_per_year"] = fold_per_year(model["year"], model["price_usd_per_million_tokens"])
    out["cost_usd_per_logical_flop"] = [
        float(first["cost_usd_per_logical_flop"]),
        float(last["cost_usd_per_logical_flop"]),
    ]
    out["energy_cap_binding_share"] = float(model["energy_cap_binding"].mean())
    out["energy_delivered_mwh"] = float(model["energy_delivered_mwh"].sum())
    out["emissions_t_co2"] = float(model["emissions_t_co2"].sum())
    out["compute_threshold_firms"] = _threshold_firms(sc, model)
    out["export_control"] = _export_control_shares(sc, final)
    # doublings: achieved by the leader, and still needed for the target relative loss
    if not final.empty:
        kappa = float(result.extras["kappa"])
        lead_id = int(leader["agent_id"])
        c_now = float(leader["cumulative_logical_flop"])
        c0 = float(result.extras["initial_compute_flop"].get(lead_id, math.nan))
        x_now = float(leader["relative_excess_loss"])
        target = sc.run.target_relative_loss
        out["compute_doublings_achieved"] = math.log2(c_now / c0)
        out["target_relative_loss"] = target
        out["doublings_still_needed"] = max(0.0, float(law.doublings_needed(x_now, target, kappa)))
        # X = (C_eff / C_ref)^-kappa: the share of the leader's compute that data lets count
        log_effective = math.log(sc.law.reference_compute_flop) - math.log(x_now) / kappa
        out["leader_effective_compute_share"] = min(1.0, math.exp(log_effective - math.log(c_now)))
    return out


def _threshold_firms(sc: Scenario, model: pd.DataFrame) -> dict[str, float] | None:
    """With a compute threshold: the firms an average step has registered above it and held
    at it, over the steps it is in force (None without the lever, or when it is never in
    force)."""
    lever = sc.policies.compute_threshold
    if lever is None:
        return None
    in_force = steps_in_force(lever, sc.run)[: len(model)]
    if not in_force.any():
        return None
    return {
        "from_year": float(lever.from_year),
        "above": float(model["firms_above_threshold"].to_numpy()[in_force].mean()),
        "held": float(model["firms_held_at_threshold"].to_numpy()[in_force].mean()),
    }


def _export_control_shares(sc: Scenario, final: pd.DataFrame) -> dict[str, Any] | None:
    """With an export control: the restricted region, how many of the firms active at the
    end are in it, and their and the other firms' summed market shares then (None without the
    lever, or when it is in force at no step)."""
    lever = sc.policies.export_control
    if lever is None or not steps_in_force(lever, sc.run).any():
        return None
    params, names = expand_entries(sc.firms)
    region_of = {n: f.region for f, n in zip(params, names, strict=True)}
    restricted = final["name"].map(region_of) == lever.region
    return {
        "region": lever.region,
        "from_year": float(lever.from_year),
        "firms": int(restricted.sum()),
        "share": float(final.loc[restricted, "market_share"].sum()),
        "others_share": float(final.loc[~restricted, "market_share"].sum()),
    }


def cumulative_surplus(model: pd.DataFrame) -> dict[str, float]:
    """Each party's gain over the run [USD]: buyers' surplus, firms' profit less the dividends
    they paid, the other sectors' profit, government revenue, investors' dividends, and carbon
    damages (negative); their sum is the total surplus."""
    dividends = float(model["dividends_usd"].sum())
    return {
        "consumers": float(model["consumer_surplus_usd"].sum()),
        "firms": float(model["profit_firms_usd"].sum()) - dividends,
        "vendors": float(model["profit_vendors_usd"].sum()),
        "suppliers": float(model["profit_suppliers_usd"].sum()),
        "government": float(model["government_revenue_usd"].sum()),
        "investors": dividends,
        "carbon damages": -float(model["carbon_damages_usd"].sum()),
    }


def _lead_changes(firms: pd.DataFrame) -> int:
    """How often the firm with the largest market share changed during the run."""
    top = firms.loc[firms.groupby("step")["market_share"].idxmax(), "agent_id"].to_numpy()
    return int(np.count_nonzero(top[1:] != top[:-1]))


def _links_of_leader(result: RunResult, agent_id: int) -> dict[str, Any]:
    """The leader's efficiency by link: each link's value at the end, its doublings a year over
    the run, and the same for Elogical, their product; and the best rival's, for comparison."""
    firms = result.agents[result.agents["agent_type"] == "firm"]

    def growth(rows: pd.DataFrame, column: str) -> tuple[float, float]:
        values = rows[column].to_numpy(dtype=float)
        ok = np.flatnonzero(np.isfinite(values) & (values > 0))
        last = float(values[ok[-1]] if len(ok) >= 2 else values[-1])
        return last, doublings_per_year(rows["year"], values)

    def links_of(rows: pd.DataFrame) -> dict[str, list[float]]:
        columns = ["elogical_flop_per_joule", *LINK_COLUMNS]
        return {c: list(growth(rows, c)) for c in columns if c in rows}

    rows = firms[firms["agent_id"] == agent_id]
    out: dict[str, Any] = {"leader": links_of(rows)}
    final = firms[firms["step"] == firms["step"].max()]
    rivals = final[final["agent_id"] != agent_id]
    if not rivals.empty:
        runner_up = rivals.iloc[int(rivals["loss"].to_numpy().argmin())]
        rival_rows = firms[firms["agent_id"] == runner_up["agent_id"]]
        out["runner_up"] = {"name": str(runner_up["name"]), **links_of(rival_rows)}
    return out


def format_summary(s: dict[str, Any]) -> str:
    """The summary as one screen of text. Figures that are undefined for a scenario (shares with
    one firm, a price with no sales, a margin on almost no revenue) are explained, not printed
    as nan."""
    lines = [
        f"efficiency-race: scenario '{s['scenario']}', seed {s['seed']}, {s['years'][0]:.0f}-{s['years'][1]:.0f}"
    ]
    lines.append(f"firms active at the end: {s['firms_active']} of {s['firms_started']}")
    one_firm = s["firms_started"] == 1
    notes: list[str] = []
    if "leader" in s:
        lead = s["leader"]
        share = lead["market_share"]
        lines += [
            "",
            "Who is winning the race",
            f"  leader ({'the only firm' if one_firm else 'largest market share'}): "
            f"{lead['name']}  loss {lead['loss']:.4f}, relative excess loss "
            f"{lead['relative_excess_loss']:.3g}, training compute {lead['cumulative_logical_flop']:.3g} logical FLOP"
            + ("" if one_firm or not _finite(share) else f", market share {share:.1%}"),
        ]
        lines += _format_links(s["efficiency_by_link"])
        if one_firm:
            lines.append("  one firm: no race between firms, so no market shares or concentration")
        else:
            shares = [(n, v) for n, v in s["market_shares"].items() if _finite(v)][:5]
            if shares:
                lines.append("  market shares: " + ", ".join(f"{n} {v:.1%}" for n, v in shares))
            if _finite(s["final_hhi_ai_services"]):
                lines.append(
                    f"  concentration (HHI of AI-services revenue): "
                    f"{s['final_hhi_ai_services']:.2f}; {_lead_changes_text(s['lead_changes'])}"
                )
            else:
                lines.append("  concentration: no AI-services revenue at the end, so none")
    lines += ["", "Who gains what (cumulative over the run; share of the gains)"]
    for party, value in s["surplus_usd"].items():
        text = f"  {party:<15} {value:>11.3g} USD   share {_pct(s['surplus_share'][party]):>6}"
        margin = s["margin"].get(party)
        if margin is not None:
            if _finite(margin) and abs(margin) > MAX_SHOWN_MARGIN:
                notes.append(
                    f"margin n/m: the {party}' {'loss' if margin < 0 else 'profit'} is "
                    f"{abs(margin):.3g} times their revenue, so a margin means little"
                )
                text += "   margin    n/m"
            else:
                text += f"   margin {_pct(margin):>6}"
        lines.append(text)
    lines.append(
        f"  total surplus   {sum(s['surplus_usd'].values()):>11.3g} USD   (a share is of the "
        "gains of those who gain; a loser's is negative)"
    )
    # funding is what investors put into firms after the start; the net return also counts
    # what else they paid in (the agents' starting cash and assets, the suppliers' project
    # finance)
    lines += [
        f"  investors funded firms with {s['investor_funding_usd']:.3g} USD and received "
        f"{s['dividends_usd']:.3g} USD in dividends; net return "
        f"{s['investors_net_return_usd']:.3g} USD",
        "    (net of all they paid in, the agents' starting cash and assets and the suppliers' "
        "project finance too, plus what they own)",
    ]
    no_revenue = [k for k, v in s["margin"].items() if not _finite(v)]
    if no_revenue:
        notes.append(f"margin n/a: no revenue for {' and '.join(no_revenue)}")
    lines += [f"  ({n})" for n in notes]
    lines.append("")
    p0, p1 = s["price_usd_per_million_tokens"]
    if _finite(p0) and _finite(p1):
        fall = s["price_fall_per_year"]
        rate = f" (falls {fall:.2f}x a year)" if _finite(fall) else ""
        lines.append(f"Price per million tokens: {p0:.3g} -> {p1:.3g} USD{rate}")
    elif _finite(p1):
        lines.append(f"Price per million tokens at the end: {p1:.3g} USD (no sales at the start)")
    else:
        lines.append(
            "Price per million tokens: none, no AI services were sold at the end (no buyers "
            "in this scenario, or no firm left selling)"
        )
    c0, c1 = s["cost_usd_per_logical_flop"]
    lines.append(f"Cost per logical FLOP: {c0:.3g} -> {c1:.3g} USD")
    lines += _energy_and_policy_lines(s)
    if "compute_doublings_achieved" in s:
        lines += [
            "",
            f"Compute doublings achieved by the leader: {s['compute_doublings_achieved']:.1f}; "
            f"still needed for relative excess loss {s['target_relative_loss']:g}: {s['doublings_still_needed']:.1f}",
        ]
        effective = s["leader_effective_compute_share"]
        if effective < DATA_BINDS_BELOW and s["doublings_still_needed"] > 0:
            lines.append(
                f"  (of effective compute: data binds the leader, only {effective:.2g} of its "
                "compute counts, so it needs data as well as compute)"
            )
    return "\n".join(lines)


def _energy_and_policy_lines(s: dict[str, Any]) -> list[str]:
    """Energy and emissions over the run, and a line for each lever the summary measures: how
    often the energy cap bound, the firms a compute threshold registers or holds, the
    restricted region's market share under an export control."""
    lines = [
        f"Energy delivered to AI: {s['energy_delivered_mwh']:.3g} MWh over the run; "
        f"emissions {s['emissions_t_co2']:.3g} tCO2"
    ]
    if s["energy_cap_binding_share"] > 0:
        lines.append(f"Energy cap binding in {s['energy_cap_binding_share']:.0%} of steps")
    threshold = s.get("compute_threshold_firms")
    if threshold is not None:
        lines.append(
            f"Compute threshold (from {threshold['from_year']:g}): an average step has "
            f"{threshold['above']:.1f} firms training above it (registered) and "
            f"{threshold['held']:.1f} holding their runs at it"
        )
    control = s.get("export_control")
    if control is not None:
        lines.append(
            f"Export control on region '{control['region']}' (from {control['from_year']:g}): "
            f"its {control['firms']} firm{'' if control['firms'] == 1 else 's'} hold"
            f"{'s' if control['firms'] == 1 else ''} {control['share']:.1%} of the potential "
            f"tasks at the end, the other firms {control['others_share']:.1%}"
        )
    return lines


DATA_BINDS_BELOW = 0.5
"""The summary says that data binds the leader when less than this share of its compute is
effective (``leader_effective_compute_share``)."""

MAX_SHOWN_MARGIN = 10.0
"""A margin (profit/revenue) or a share of profit beyond +-1000% is shown as 'n/m' (not
meaningful) with a note saying why."""


def _lead_changes_text(n: int) -> str:
    """'the lead changed hands 8 times', 'once', or 'the lead never changed hands'."""
    if n == 0:
        return "the lead never changed hands"
    return f"the lead changed hands {'once' if n == 1 else f'{n} times'}"


def _finite(x: Any) -> bool:
    return isinstance(x, int | float | np.floating) and math.isfinite(x)


def _format_links(links: dict[str, Any]) -> list[str]:
    """'why': the leader's efficiency by link against the runner-up's, in doublings a year."""
    lead, rival = links["leader"], links.get("runner_up")
    header = "  why, efficiency by link (value at the end; doublings/yr over the run)"
    if rival:
        header += f", against the runner-up {rival['name']} (lowest loss of the others)"
    lines = [header + ":"]
    names = {"elogical_flop_per_joule": "Elogical (logical FLOP/J, product)", **LINK_COLUMNS}
    for column, label in names.items():
        if column not in lead:
            continue
        value, rate = lead[column]
        text = f"    {label:<42} {_num(value)}  {_rate(rate)}"
        if rival and column in rival:
            text += f"   vs {_num(rival[column][0])}  {_rate(rival[column][1])}"
        lines.append(text)
    return lines


def _num(x: float) -> str:
    return f"{x:9.3g}" if _finite(x) else f"{'n/a':>9}"


def _rate(x: float) -> str:
    return f"{x:5.2f}/yr" if _finite(x) else "  n/a   "


def _pct(x: float) -> str:
    """A share or margin in whole percent; under 1% either way, to a tenth of one (a sign never
    stands on a rounded 0: -0.2%, not -0%), and under 0.05% as ~0%."""
    if not _finite(x):
        return "n/a"
    if x == 0 or abs(x) >= 0.01:
        return f"{x:.0%}"
    return f"{x:.1%}" if abs(x) >= 0.0005 else "~0%"


# ----------------------------------------------------------------------------------------------
# writing a run to disk
# ----------------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("efficiency-race", "mesa", "numpy", "pandas"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out


RUN_FILES = ("model.csv", "agents.csv", "model.parquet", "agents.parquet", "manifest.json")
"""The tables and manifest of a run folder (its figures are ``*.png``)."""


def is_run_folder(folder: Path) -> bool:
    """Whether every entry of ``folder`` is a file a run writes (so a new run may replace it)."""
    return all(p.name in RUN_FILES or p.suffix == ".png" for p in folder.iterdir())


def write_outputs(
    result: RunResult, out_dir: Path, figures: bool = True, overwrite: bool = False
) -> list[Path]:
    """Write model.csv, agents.csv, their Parquet twins, the figures and manifest.json to
    ``out_dir``, as one set (:func:`sim.atomic.replace_folder`): the folder ends up holding this
    run's files and nothing else, or, after an error or an interrupt, what it held before.

    A folder of an older run is replaced whole; any other non-empty folder is refused
    (UserError) unless ``overwrite``. Returns the paths written.
    """
    from sim.atomic import replace_folder

    with replace_folder(out_dir, owned=is_run_folder, overwrite=overwrite) as tmp:
        names = write_run_files(result, tmp, figures=figures)
    return [Path(out_dir) / name for name in names]


def write_run_files(
    result: RunResult,
    folder: Path,
    figures: bool = True,
    summary: dict[str, Any] | None = None,
) -> list[str]:
    """Write a run's files into an existing ``folder``, manifest.json last: it lists every other
    file with its size and SHA-256, so a reader can tell a complete folder from a damaged one
    (:func:`check_run_folder`). ``summary``: the run's :func:`summarise`, if the caller has it
    already. Returns the file names."""
    from sim.atomic import file_digests

    names = []
    for name, frame in (("model", result.model), ("agents", result.agents)):
        frame.to_csv(folder / f"{name}.csv", index=False)
        frame.to_parquet(folder / f"{name}.parquet", index=False)
        names += [f"{name}.csv", f"{name}.parquet"]
    if figures:
        from sim import figures as figs

        names += [p.name for p in figs.draw_all(result, folder)]
    manifest = {
        "kind": "run",
        "scenario": result.scenario.name,
        "seed": result.seed,
        "parameters": to_dict(result.scenario),
        "versions": versions(),
        "columns": {
            "model": {k: {"unit": u, "meaning": d} for k, (u, d) in MODEL_OUTPUTS.items()},
            "agents": {k: {"unit": u, "meaning": d} for k, (u, d) in AGENT_OUTPUTS.items()},
        },
        "summary": summarise(result) if summary is None else summary,
        "files": file_digests(folder, names),
    }
    (folder / "manifest.json").write_text(to_json(manifest) + "\n", encoding="utf-8")
    return [*names, "manifest.json"]


def check_run_folder(folder: Path) -> list[str]:
    """Why ``folder`` is not a complete run ([] if it is): its manifest.json must exist, parse,
    and list files that are all present with their recorded size and hash. Readers (the API,
    the dashboard) should trust a run folder only when this is empty."""
    from sim.atomic import verify_digests

    path = Path(folder) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"{folder}: no manifest.json (not a run, or an unfinished one)"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [f"{path}: unreadable: {exc}"]
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        return [f"{path}: lists no files (written by an older version)"]
    return verify_digests(Path(folder), files)


def to_json(data: Any) -> str:
    """Strict JSON (NaN and infinities become null)."""
    return json.dumps(_plain(data), indent=2, allow_nan=False)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return str(value)
