"""Sweep files: a base scenario, factors, a design, replications and outputs (docs/sweeps.md).

A sweep file is TOML::

    scenario = "baseline"            # shipped name, or a path relative to this file
    design = "sobol"                 # grid | list | lhs | sobol | morris
    samples = 128                    # lhs: points; sobol: N (N*(D+2) points); morris: trajectories
    replications = 1                 # runs per design point, seeds spawned from `seed`
    seed = 2024

    [set]                            # fixed overrides, every run
    run.years = 10

    [factors]                        # any scenario parameter, as a dotted key
    law.kappa = { min = 0.1, max = 0.3 }
    vendors.flop_per_joule_doublings_per_year = { min = 0.2, max = 0.8 }
    suppliers.capacity_mw = { min = 500, max = 5000, scale = "log" }

    [outputs]
    series = ["best_loss", "price_usd_per_million_tokens"]
    metrics = ["loss_at_year:2030", "years_to_loss:2.3", "peak_margin", "hhi:chips"]

Runs are numbered ``run_id = point_id * replications + replication``. Seeds: with
``seeds = "common"`` (the default: common random numbers across design points, which sharpens
comparisons and sensitivity indices) replication r of every point uses the seed of
``SeedSequence(seed).spawn(replications)[r]``; with ``seeds = "independent"`` run i uses
``SeedSequence(seed).spawn(n_runs)[i]``. The seed stored and passed to the model is that child's
first 64-bit word shifted right by one (a non-negative int64), so any run can be rerun alone.
Randomised designs (lhs, sobol, morris) draw from ``SeedSequence([seed, 1])``.

Every mistake raises :class:`sim.errors.UserError` with one line naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import math
import re
import typing
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.budget import MAX_SWEEP_RUNS
from experiments.outputs import DEFAULT_SIMULATE, Outputs, Runner, RunTask
from sim.errors import UserError, suggest
from sim.params import plain_scalar
from sim.scenario import (
    SCENARIO_ONLY_KEYS,
    apply_overrides,
    from_dict,
    key_suggestion,
    load_raw,
    parse_key,
    resolve_path,
    table_not_parameter,
)

DESIGNS = ("grid", "list", "lhs", "sobol", "morris")
SEED_MODES = ("common", "independent")
TOP_KEYS = (
    "scenario",
    "description",
    "design",
    "samples",
    "levels",
    "replications",
    "seed",
    "seeds",
    "set",
    "factors",
    "outputs",
)
FACTOR_KEYS = ("min", "max", "levels", "scale", "values")
OUTPUT_KEYS = ("series", "metrics")
SALIB_DESIGNS = ("sobol", "morris")


# --------------------------------------------------------------------------------------------
# Parameters addressed by dotted keys
# --------------------------------------------------------------------------------------------


def parameter_type(dotted: str, where: str) -> Any:
    """The annotated type of the parameter a dotted key names; UserError if it names none.
    A group parameter's multiplier (``firms.cash_usd.multiplier``) is a float."""
    try:
        key = parse_key(dotted, where)
    except UserError:
        key = None
    if key is None or key.cls is None:  # name and description are not for sweeping
        table = table_not_parameter(dotted)
        if table:
            raise UserError(f"{where}: '{dotted}' is {table}")
        hint = key_suggestion(dotted)
        raise UserError(f"{where}: '{dotted}' is not a scenario parameter{hint}")
    kind = typing.get_type_hints(key.cls)[key.field]
    if key.multiplier:
        kinds = typing.get_args(kind) or (kind,)
        if not ({int, float} & set(kinds)) or bool in kinds:
            raise UserError(f"{where}: '{dotted}': only a numeric parameter has a multiplier")
        return float
    return kind


def _flatten(
    table: Mapping[str, Any], is_leaf: typing.Callable[[Any], bool], where: str = ""
) -> dict[str, Any]:
    """``{"law": {"kappa": x}}`` -> ``{"law.kappa": x}`` (TOML's dotted keys, quoted or not);
    UserError naming ``where`` if a key is given both ways (``law.kappa`` and ``"law.kappa"``)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        nested = isinstance(value, Mapping) and not is_leaf(value)
        items = _flatten(value, is_leaf, where).items() if nested else [("", value)]
        for sub, leaf in items:
            dotted = f"{key}.{sub}" if sub else key
            if dotted in out:
                raise UserError(f"{where}: '{dotted}' is given twice (quoted and unquoted)")
            out[dotted] = leaf
    return out


# --------------------------------------------------------------------------------------------
# Factors and the sweep specification
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Factor:
    """One scenario parameter the sweep varies.

    ``levels`` are explicit values (grid and list designs); ``lo``/``hi`` a range [the
    parameter's unit] sampled by lhs, sobol and morris (or cut into ``n_levels`` evenly spaced
    levels by a grid), on a ``linear`` or ``log`` scale. ``integer`` parameters take whole values.
    """

    key: str
    levels: tuple[Any, ...] = ()
    lo: float = math.nan
    hi: float = math.nan
    scale: str = "linear"
    integer: bool = False

    @property
    def has_range(self) -> bool:
        return not (math.isnan(self.lo) or math.isnan(self.hi))

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map coordinates in [0, 1] onto the factor's range [the parameter's unit]."""
        if self.integer:
            whole = np.floor(self.lo + u * (self.hi - self.lo + 1.0))
            return np.minimum(whole, self.hi).astype(np.int64)
        if self.scale == "log":
            return np.asarray(self.lo * (self.hi / self.lo) ** u, dtype=np.float64)
        return np.asarray(self.lo + u * (self.hi - self.lo), dtype=np.float64)

    def grid_levels(self, n: int) -> tuple[Any, ...]:
        """``n`` evenly spaced levels over the range (geometrically on a log scale)."""
        return tuple(self.from_unit(np.linspace(0.0, 1.0, n)).tolist())


@dataclasses.dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep: what to run, how to sample it, what to keep.

    ``scenarios`` are scenario names or absolute paths; ``fixed`` maps dotted keys to values
    applied to every run; ``simulate`` is the model function as ``module:function``.
    """

    scenarios: tuple[str, ...]
    factors: tuple[Factor, ...] = ()
    design: str = "grid"
    samples: int = 0
    levels: int = 4
    replications: int = 1
    seed: int = 0
    seeds: str = "common"
    fixed: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    outputs: Outputs = dataclasses.field(default_factory=Outputs)
    name: str = "sweep"
    text: str = ""
    origin: str = "sweep"
    simulate: str = DEFAULT_SIMULATE

    @property
    def factor_keys(self) -> list[str]:
        return [f.key for f in self.factors]

    @functools.cached_property
    def raw_scenarios(self) -> dict[str, dict[str, Any]]:
        """Each scenario's table as read (base merged), read once; workers receive these."""
        out = {}
        for ref in self.scenarios:
            raw, path = load_raw(ref)
            raw.setdefault("name", path.stem)
            out[ref] = raw
        return out

    def runner(self) -> Runner:
        """The per-run function of this sweep."""
        return Runner(self.raw_scenarios, self.fixed, self.factor_keys, self.outputs, self.simulate)

    def fingerprint(self) -> str:
        """Hash of everything that determines the results (not comments or file layout)."""
        data = {
            "scenarios": self.raw_scenarios,
            "factors": [dataclasses.asdict(f) for f in self.factors],
            "design": self.design,
            "samples": self.samples,
            "levels": self.levels,
            "replications": self.replications,
            "seed": self.seed,
            "seeds": self.seeds,
            "fixed": dict(self.fixed),
            "series": list(self.outputs.series),
            "metrics": [list(m) for m in self.outputs.metrics],
            "simulate": self.simulate,
        }
        text = json.dumps(data, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Reading a sweep file
# --------------------------------------------------------------------------------------------


def _whole(
    raw: Mapping[str, Any], key: str, default: int, lo: int, where: str, hi: int | None = None
) -> int:
    value = plain_scalar(raw.get(key, default))
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise UserError(f"{where}: {key} = {value!r} must be a whole number >= {lo}")
    if hi is not None and value > hi:
        raise UserError(f"{where}: {key} = {value:,} must be at most {hi:,}")
    return value


def _choice(raw: Mapping[str, Any], key: str, options: Sequence[str], where: str) -> str:
    value = raw.get(key, options[0])
    if value not in options:
        raise UserError(
            f"{where}: {key} = {value!r} is not one of {', '.join(options)}"
            f"{suggest(str(value), options)}"
        )
    return str(value)


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and check a sweep file; UserError with one line naming the file and key if wrong."""
    from sim.scenario import read_toml

    path = Path(path)
    try:
        is_dir = path.is_dir()
    except OSError as exc:  # a name too long, a loop of links
        raise UserError(f"sweep file {path}: {exc.strerror or exc}") from None
    if is_dir:
        raise UserError(f"sweep file {path}: is a folder, not a sweep file")
    raw, text = read_toml(path, "sweep file")
    if "scenario" not in raw and any(key in raw for key in SCENARIO_ONLY_KEYS):
        raise UserError(
            f"{path} is a scenario file, not a sweep file: run it with `effrace run {path}`"
        )
    return parse_sweep(raw, text=text, origin=str(path), base_dir=path.parent, name=path.stem)


def _scenario_refs(value: Any, base_dir: Path | None, where: str) -> tuple[str, ...]:
    refs = [value] if isinstance(value, str) else value
    if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
        raise UserError(
            f"{where}: scenario = {value!r} must be a scenario name or path, or a non-empty "
            "list of them"
        )
    out: list[str] = []
    files: set[Path] = set()  # each one's file, a shipped scenario's too
    for ref in refs:
        candidate = base_dir / ref if base_dir is not None else Path(ref)
        is_path = ref.endswith(".toml") or "/" in ref
        resolved = str(candidate.resolve()) if is_path and candidate.exists() else ref
        try:
            file = Path(resolved).resolve() if is_path else resolve_path(ref).resolve()
        except UserError:  # an unknown name or a missing file: reported when it is loaded
            file = Path(resolved)
        if file in files:  # its runs would repeat the first one's, number for number
            raise UserError(f"{where}: scenario: '{ref}' is listed twice")
        files.add(file)
        out.append(resolved)
    return tuple(out)


def parse_sweep(
    raw: Mapping[str, Any],
    *,
    text: str = "",
    origin: str = "sweep",
    base_dir: Path | None = None,
    name: str = "sweep",
    simulate: str = DEFAULT_SIMULATE,
) -> SweepSpec:
    """Build a :class:`SweepSpec` from a sweep file's table (see the module docstring)."""
    where = origin
    for key in raw:
        if key not in TOP_KEYS:
            raise UserError(f"{where}: unknown key '{key}'{suggest(key, TOP_KEYS)}")
    if "scenario" not in raw:
        raise UserError(f'{where}: missing scenario = "<name or path>", e.g. scenario = "baseline"')
    scenarios = _scenario_refs(raw["scenario"], base_dir, where)
    design = _choice(raw, "design", DESIGNS, where)
    _check_design_keys(raw, design, where)
    replications = _whole(raw, "replications", 1, 1, where)
    seed = _whole(raw, "seed", 0, 0, where)
    seeds = _choice(raw, "seeds", SEED_MODES, where)
    levels = _whole(raw, "levels", 4, 2, where, MAX_SWEEP_RUNS)

    fixed_table = raw.get("set", {})
    if not isinstance(fixed_table, Mapping):
        raise UserError(f"{where}: [set] must be a table of parameter = value")
    fixed = _flatten(fixed_table, lambda _: False, f"{where}: set")
    factor_table = raw.get("factors", {})
    if not isinstance(factor_table, Mapping):
        raise UserError(f"{where}: [factors] must be a table of parameter = levels or range")
    factor_specs = _flatten(
        factor_table, lambda v: any(k in v for k in FACTOR_KEYS), f"{where}: factors"
    )
    for key in [*fixed, *factor_specs]:
        if key.split(".")[0] == "run" and key.endswith(".seed"):
            raise UserError(f"{where}: {key}: seeds come from the sweep's seed and replications")
    for key in fixed:
        parameter_type(key, f"{where}: set")
    both = sorted(set(fixed) & set(factor_specs))
    if both:
        raise UserError(f"{where}: '{both[0]}' is both in [set] and in [factors]")
    factors = tuple(_parse_factor(key, spec, design, where) for key, spec in factor_specs.items())

    samples = _whole(raw, "samples", 0, 0, where)
    _check_design(design, factors, samples, levels, scenarios, where)
    runs = point_count(design, factors, samples, len(scenarios)) * replications
    if runs > MAX_SWEEP_RUNS:  # before any design is built: a typo must not fill the memory
        raise UserError(
            f"{where}: {runs:,} runs: at most {MAX_SWEEP_RUNS:,} in one results store; "
            "use fewer levels, samples or replications"
        )

    outputs_table = raw.get("outputs", {})
    if not isinstance(outputs_table, Mapping):
        raise UserError(f"{where}: [outputs] must be a table with series and metrics")
    for key in outputs_table:
        if key not in OUTPUT_KEYS:
            raise UserError(f"{where}: outputs: unknown key '{key}'{suggest(key, OUTPUT_KEYS)}")
    outputs = Outputs.parse(
        outputs_table.get("series"), outputs_table.get("metrics"), f"{where}: outputs"
    )
    spec = SweepSpec(
        scenarios=scenarios,
        factors=factors,
        design=design,
        samples=samples,
        levels=levels,
        replications=replications,
        seed=seed,
        seeds=seeds,
        fixed=fixed,
        outputs=outputs,
        name=name,
        text=text,
        origin=origin,
        simulate=simulate,
    )
    check_values(spec)
    return spec


def _number(value: Any, where: str) -> float:
    value = plain_scalar(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"{where} = {value!r} must be a number")
    return float(value)


def _parse_factor(key: str, spec: Any, design: str, origin: str) -> Factor:
    kind = parameter_type(key, f"{origin}: factors")
    where = f"{origin}: factors.{key}"
    kinds = typing.get_args(kind) or (kind,)
    integer = int in kinds and float not in kinds
    numeric = int in kinds or float in kinds
    if isinstance(spec, list):
        spec = {"values": spec}
    if not isinstance(spec, Mapping):
        raise UserError(
            f"{where} = {spec!r} must be a list of values or a range {{ min = .., max = .. }}"
        )
    for k in spec:
        if k not in FACTOR_KEYS:
            raise UserError(f"{where}: unknown key '{k}'{suggest(k, FACTOR_KEYS)}")
    if "values" in spec:
        values = spec["values"]
        if not isinstance(values, list) or not values:
            raise UserError(f"{where}: values must be a non-empty list")
        extra = sorted(set(spec) - {"values"})
        if extra:
            raise UserError(f"{where}: give either values or a range, not both ('{extra[0]}')")
        if float in kinds:
            values = [
                float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in values
            ]
        return Factor(key, levels=tuple(values), integer=integer)
    if not numeric:
        raise UserError(f"{where}: a range needs a numeric parameter; give a list of values")
    if "min" not in spec or "max" not in spec:
        raise UserError(f"{where}: a range needs both min and max")
    lo, hi = _number(spec["min"], f"{where}.min"), _number(spec["max"], f"{where}.max")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise UserError(f"{where}: min = {lo:g} and max = {hi:g} must be finite numbers")
    if not lo < hi:
        raise UserError(f"{where}: min = {lo:g} must be below max = {hi:g}")
    scale = spec.get("scale", "linear")
    if scale not in ("linear", "log"):
        raise UserError(f"{where}: scale = {scale!r} must be 'linear' or 'log'")
    if scale == "log" and lo <= 0:
        raise UserError(f"{where}: a log scale needs min > 0")
    if integer and not (lo.is_integer() and hi.is_integer()):
        raise UserError(f"{where}: a whole-number parameter needs whole min and max")
    factor = Factor(key, lo=lo, hi=hi, scale=str(scale), integer=integer)
    if "levels" in spec:
        n = plain_scalar(spec["levels"])
        if isinstance(n, bool) or not isinstance(n, int) or n < 2:
            raise UserError(f"{where}: levels = {n!r} must be a whole number >= 2")
        if n > MAX_SWEEP_RUNS:
            raise UserError(
                f"{where}: levels = {n:,}: at most {MAX_SWEEP_RUNS:,} runs in one results store"
            )
        if design in ("grid", "list"):
            factor = dataclasses.replace(factor, levels=factor.grid_levels(n))
    elif design in ("grid", "list"):
        raise UserError(
            f"{where}: design '{design}' needs levels: a list of values or levels = n with the range"
        )
    return factor


DESIGN_KEYS = {"samples": ("lhs", "sobol", "morris"), "levels": ("morris",)}
"""The top-level keys that only some designs read, and those designs."""


def _check_design_keys(raw: Mapping[str, Any], design: str, where: str) -> None:
    """UserError for a ``samples`` or ``levels`` the design would ignore: a file that forgot
    ``design = "lhs"`` ran the grid of its lists, its samples unread."""
    for key, designs in DESIGN_KEYS.items():
        if key in raw and design not in designs:
            names = (
                designs[0] if len(designs) == 1 else f"{', '.join(designs[:-1])} and {designs[-1]}"
            )
            plural = "s" if len(designs) > 1 else ""
            default = " (the default)" if "design" not in raw else ""
            grid = (
                "; a grid factor's levels go in its range, { min = .., max = .., levels = n }"
                if key == "levels" and design in ("grid", "list")
                else ""
            )
            raise UserError(
                f"{where}: {key} = {raw[key]!r} is read only by the {names} design{plural}, and "
                f"this file's design is '{design}'{default}: set design, or remove {key}{grid}"
            )


def _check_design(
    design: str,
    factors: Sequence[Factor],
    samples: int,
    levels: int,
    scenarios: Sequence[str],
    where: str,
) -> None:
    if design in ("lhs", "sobol", "morris"):
        if not factors:
            raise UserError(f"{where}: design '{design}' needs at least one factor in [factors]")
        bad = next((f for f in factors if not f.has_range), None)
        if bad:
            raise UserError(
                f"{where}: factors.{bad.key}: design '{design}' needs a range "
                "{ min = .., max = .. }, not a list of values"
            )
        if samples < 1:
            raise UserError(f"{where}: design '{design}' needs samples = n (n >= 1)")
    if design == "sobol" and (samples < 2 or samples & (samples - 1)):
        power = 2 ** max(1, round(math.log2(max(samples, 1))))
        raise UserError(
            f"{where}: samples = {samples}: the Sobol design needs a power of 2, at least 2 "
            f"(try {power})"
        )
    if design == "morris" and levels % 2:
        raise UserError(f"{where}: levels = {levels}: Morris needs an even number of levels")
    if design in SALIB_DESIGNS and len(scenarios) > 1:
        raise UserError(f"{where}: design '{design}' analyses one scenario; give one scenario")
    if design == "list" and factors:
        lengths = {len(f.levels) for f in factors}
        if len(lengths) > 1:
            raise UserError(
                f"{where}: design 'list' pairs the factors' values row by row; "
                f"their lists differ in length ({', '.join(str(n) for n in sorted(lengths))})"
            )


def point_count(design: str, factors: Sequence[Factor], samples: int, n_scenarios: int) -> int:
    """Design points of a sweep, counted without building them (SALib's counts for sobol without
    second order, N (D + 2), and for morris, r (D + 1))."""
    if not factors:
        per_scenario = 1
    elif design == "grid":
        per_scenario = math.prod(len(f.levels) for f in factors)
    elif design == "list":
        per_scenario = len(factors[0].levels)
    elif design == "sobol":
        per_scenario = samples * (len(factors) + 2)
    elif design == "morris":
        per_scenario = samples * (len(factors) + 1)
    else:
        per_scenario = samples
    return per_scenario * n_scenarios


def check_values(spec: SweepSpec) -> None:
    """Build each scenario at every level given and at each range's ends (the levels a grid cuts
    from a range lie between them), so bad values fail before any run."""
    fixed = "--set" if spec.origin == "compare" else "set"  # a comparison's come from --set
    probes: list[tuple[str, dict[str, Any]]] = [(fixed, {})]
    for factor in spec.factors:
        ends = factor.from_unit(np.array([0.0, 1.0])).tolist() if factor.has_range else []
        values = ends or factor.levels
        probes += [(f"factors.{factor.key}", {factor.key: v}) for v in values]
    try:
        tables = spec.raw_scenarios
    except UserError as exc:
        raise UserError(f"{spec.origin}: scenario: {exc}") from None
    for ref, table in tables.items():
        try:  # the scenario file alone first: its own mistakes are the file's (as load_scenario)
            from_dict(table, ref)
        except UserError as exc:
            raise UserError(f"{spec.origin}: scenario: {exc}") from None
        for label, overrides in probes:
            try:
                scenario = from_dict(apply_overrides(table, {**spec.fixed, **overrides}), ref)
            except UserError as exc:  # the sweep's value: the file alone built above
                # the label names the key: drop '--set KEY: ', keep 'KEY = VALUE: ' (no '--set')
                message = str(exc).removeprefix(f"{ref}: ")
                message = re.sub(r"^--set (\S+ = )", r"\1", re.sub(r"^--set \S+: ", "", message))
                raise UserError(f"{spec.origin}: {label}: {message}") from None
        _check_metric_years(spec, scenario)


def levers_added(spec: SweepSpec) -> list[str]:
    """Warnings, one line each, for a lever that a key of ``[set]`` or of the factors (a
    comparison's ``--set``) switches on in a scenario that does not have it, while another
    scenario of the sweep does: the key was most likely meant for that scenario's lever (moving
    a policy's ``from_year``), but it applies to every scenario, so each gets the lever, its other
    keys at their defaults, and a comparison no longer compares the policy against its absence.
    A lever no scenario has is switched on in all of them on purpose (a background policy), and
    not reported."""
    if len(spec.scenarios) < 2:
        return []
    compare = spec.origin == "compare"
    keys = [(key, "--set" if compare else "[set]") for key in spec.fixed]
    keys += [(f.key, "factors") for f in spec.factors]
    has = {
        ref: set(raw.get("policies") or {}) for ref, raw in spec.raw_scenarios.items()
    }  # a lever switched off with for_years = 0 is there too: a key does not switch it on
    lines: list[str] = []
    seen: set[tuple[str, str]] = set()
    for key, label in keys:
        lever = parse_key(key, label).lever
        if lever is None:
            continue
        holders = [ref for ref in spec.scenarios if lever in has[ref]]
        for ref in spec.scenarios:
            if not holders or lever in has[ref] or (lever, ref) in seen:
                continue
            seen.add((lever, ref))
            lines.append(
                f"{label} {key} switches policies.{lever} on in '{ref}', which has none: every "
                f"{'arm' if compare else 'scenario'} now has the lever, its other keys at their "
                f"defaults; to change the lever of '{holders[0]}' only, give it a scenario file "
                f'with base = "{holders[0]}" and that key (docs/scenarios.md, "Inheritance")'
            )
    return lines


def _check_metric_years(spec: SweepSpec, scenario: Any) -> None:
    """Refuse a metric no run can define: a ``loss_at_year`` outside the runs, or a
    ``years_to_loss`` target at or below the law's irreducible loss E (unless a factor moves
    the years or the law)."""
    keys = {f.key for f in spec.factors}
    where = "--metric" if spec.origin == "compare" else "outputs.metrics"  # as the user wrote it
    if "law.preset" not in keys:
        from sim.law import get_law

        floor = get_law(scenario.law.preset).loss_floor
        for metric in spec.outputs.metrics:
            if metric.kind == "years_to_loss" and metric.arg <= floor:
                raise UserError(
                    f"{spec.origin}: {where}: years_to_loss:{metric.arg:g} is at or "
                    f"below the law's irreducible loss E = {floor:g} nats/token (law.preset "
                    f"'{scenario.law.preset}'): no run can reach it"
                )
    if keys & {"run.years", "run.start_year"}:
        return
    start = scenario.run.start_year
    end = start + scenario.run.n_steps / scenario.run.steps_per_year
    for metric in spec.outputs.metrics:
        if metric.kind == "loss_at_year" and not start < metric.arg <= end:
            raise UserError(
                f"{spec.origin}: {where}: loss_at_year:{metric.arg:g} is outside the "
                f"runs ({start:g} to {end:g})"
            )


# --------------------------------------------------------------------------------------------
# Designs and seeds
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Design:
    """The design points of a sweep.

    ``points`` has one row per point (``point_id``, ``scenario`` and one column per factor, in
    parameter units); ``unit`` holds the SALib sample in [0, 1]^D (sobol, morris, lhs) in the same
    row order, which the analyses read; ``problem`` is the matching SALib problem.
    """

    points: pd.DataFrame
    unit: np.ndarray | None
    problem: dict[str, Any] | None


def design_seed(root: int) -> int:
    """Seed of a randomised design (lhs, sobol, morris), independent of the runs' seeds."""
    return int(np.random.SeedSequence([root, 1]).generate_state(1, np.uint32)[0])


def make_design(spec: SweepSpec) -> Design:
    """Design points of a sweep, a pure function of the spec (so a resume rebuilds them)."""
    keys = spec.factor_keys
    unit: np.ndarray | None = None
    problem: dict[str, Any] | None = None
    if not spec.factors:
        rows: list[tuple[Any, ...]] = [()]
    elif spec.design == "grid":
        rows = list(itertools.product(*(f.levels for f in spec.factors)))
    elif spec.design == "list":
        rows = list(zip(*(f.levels for f in spec.factors), strict=True))
    else:
        problem = {"num_vars": len(keys), "names": keys, "bounds": [[0.0, 1.0]] * len(keys)}
        unit = _salib_sample(spec, problem)
        columns = [f.from_unit(unit[:, j]) for j, f in enumerate(spec.factors)]
        rows = list(zip(*(c.tolist() for c in columns), strict=True))
    points = pd.DataFrame(
        [(scenario, *row) for scenario in spec.scenarios for row in rows],
        columns=["scenario", *keys],
    )
    points.insert(0, "point_id", np.arange(len(points), dtype=np.int64))
    return Design(points, unit, problem)


def _salib_sample(spec: SweepSpec, problem: dict[str, Any]) -> np.ndarray:
    seed = design_seed(spec.seed)
    if spec.design == "sobol":
        from SALib.sample import sobol

        return np.asarray(
            sobol.sample(problem, spec.samples, calc_second_order=False, scramble=True, seed=seed)
        )
    if spec.design == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem, spec.samples, num_levels=spec.levels, seed=seed))
    from SALib.sample import latin

    return np.asarray(latin.sample(problem, spec.samples, seed=seed))


def run_seed(root: int, index: int) -> int:
    """Seed of child ``index`` of ``SeedSequence(root)``, as a non-negative int64."""
    child = np.random.SeedSequence(root, spawn_key=(index,))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def run_seeds(spec: SweepSpec, n_points: int) -> np.ndarray:
    """Seed of every run, by run_id [int64]."""
    if spec.seeds == "common":
        per_rep = np.array([run_seed(spec.seed, r) for r in range(spec.replications)], np.int64)
        return np.tile(per_rep, n_points)
    return np.array(
        [run_seed(spec.seed, i) for i in range(n_points * spec.replications)], dtype=np.int64
    )


def experiments_table(spec: SweepSpec, design: Design) -> pd.DataFrame:
    """One row per run: run_id, point_id, scenario, replication, seed and the factors' values."""
    reps = spec.replications
    table = design.points.loc[design.points.index.repeat(reps)].reset_index(drop=True)
    table.insert(0, "run_id", np.arange(len(table), dtype=np.int64))
    table.insert(3, "replication", np.tile(np.arange(reps, dtype=np.int64), len(design.points)))
    table.insert(4, "seed", run_seeds(spec, len(design.points)))
    return table


def iter_tasks(
    spec: SweepSpec, design: Design, seeds: np.ndarray, skip: np.ndarray | None = None
) -> Iterator[RunTask]:
    """The sweep's runs in run_id order, without those where ``skip`` is true."""
    reps = spec.replications
    keys = spec.factor_keys
    records = design.points[["scenario", *keys]].itertuples(index=False, name=None)
    for point_id, (scenario, *values) in enumerate(records):
        for rep in range(reps):
            run_id = point_id * reps + rep
            if skip is not None and skip[run_id]:
                continue
            yield RunTask(run_id, point_id, rep, int(seeds[run_id]), scenario, tuple(values))
