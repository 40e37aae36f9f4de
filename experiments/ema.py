"""EMA Workbench adapter: a ready ``ema_workbench.Model`` of a scenario (``pip install
'efficiency-race[ema]'``).

>>> from ema_workbench import perform_experiments
>>> from experiments import ema
>>> model = ema.model(
...     "baseline",
...     uncertainties={"law.kappa": (0.1, 0.3), "firms.cash_usd": ema.multiplier(0.5, 2.0)},
...     levers={"policies.carbon_tax.usd_per_t_co2": (0.0, 200.0)},
...     outcomes=["loss_at_year:2026", "surplus_share"],
...     years=3,
... )
>>> experiments, outcomes = perform_experiments(model, scenarios=20, policies=1)  # doctest: +SKIP

Parameters are the scenario's, by dotted key (``law.kappa``, ``firms.chip_share``: every firm
entry, ``firms.2.chip_share``: the third); EMA names them with ``__`` for each dot
(``law__kappa``; :func:`sim.scenario.overrides_from_kwargs`). A range ``(lo, hi)`` or ``None``
(the parameter's whole allowed range, if finite) declares a real or integer parameter as the
field's type says; ``choices`` and booleans become categorical and boolean parameters. Ranges
are checked against the allowed range and unit in :mod:`sim.params` (:func:`describe` lists
them). ``multiplier(lo, hi)`` varies a parameter of a group (firms, vendors, suppliers) by a
common factor applied to each entry's own value, so entries keep their differences; its EMA
name ends in ``__multiplier`` (the scenario key ``firms.cash_usd.multiplier``, which
``--set`` and sweep files take too).

Outcomes are metric names of the sweep catalogue (:mod:`experiments.outputs`), registered as
``ScalarOutcome``; ``series`` adds model columns as ``TimeSeriesOutcome`` with ``TIME``.
The seed is fixed (``seed``, default the scenario's) unless ``vary_seed=True`` makes it an
integer uncertainty named ``seed``.
"""

from __future__ import annotations

import dataclasses
import math
import typing
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sim.errors import UserError

try:
    with warnings.catch_warnings():  # EMA warns at import about evaluators it cannot offer
        warnings.filterwarnings("ignore", message=".*not installed", category=UserWarning)
        import ema_workbench as _ema
except ImportError as exc:  # the optional dependency
    raise ImportError(
        "experiments.ema needs EMA Workbench: pip install 'efficiency-race[ema]'"
    ) from exc

SEPARATOR = "__"
MULTIPLIER_SUFFIX = "__multiplier"
SEED_RANGE = (0, 2**31 - 1)


class Multiplier(NamedTuple):
    """A common factor on a group parameter's per-entry values, sampled in [lo, hi] [-]."""

    lo: float
    hi: float


def multiplier(lo: float, hi: float) -> Multiplier:
    """Vary a group parameter (e.g. ``firms.cash_usd``) by a factor in [lo, hi] applied to
    each entry's own value."""
    if not 0 <= lo < hi:
        raise UserError(f"multiplier({lo!r}, {hi!r}): needs 0 <= lo < hi")
    return Multiplier(float(lo), float(hi))


# --------------------------------------------------------------------------------------------
# Parameter metadata
# --------------------------------------------------------------------------------------------


class ParameterInfo(NamedTuple):
    """What :mod:`sim.params` says about one scenario parameter."""

    key: str
    kind: type  # float, int, bool or str
    unit: str
    lo: float
    hi: float
    lo_open: bool  # the lower bound itself is not allowed
    choices: tuple[str, ...]
    doc: str


def _field(key: str) -> dataclasses.Field[Any]:
    from experiments.sweep import parameter_type  # checks the key, with a suggestion
    from sim.params import POLICY_TYPES
    from sim.scenario import GROUPS, SECTIONS

    parameter_type(key, "ema")
    parts = key.split(".")
    cls = (
        SECTIONS.get(parts[0])
        or GROUPS.get(parts[0])
        or (POLICY_TYPES[parts[1]] if parts[0] == "policies" else None)
    )
    if cls is None:  # parameter_type raised already; this keeps the type checker informed
        raise UserError(f"ema: '{key}' is not a scenario parameter")
    return next(f for f in dataclasses.fields(cls) if f.name == parts[-1])


def info(key: str) -> ParameterInfo:
    """Type, unit, allowed range, choices and meaning of the parameter ``key``."""
    from experiments.sweep import parameter_type

    annotation = parameter_type(key, "ema")
    kinds = [k for k in (typing.get_args(annotation) or (annotation,)) if k is not type(None)]
    meta = _field(key).metadata
    return ParameterInfo(
        key,
        kinds[0],
        meta.get("unit", "-"),
        float(meta.get("lo", -math.inf)),
        float(meta.get("hi", math.inf)),
        bool(meta.get("lo_open", False)),
        tuple(meta.get("choices", ())),
        meta.get("doc", ""),
    )


def describe(keys: Sequence[str]) -> list[dict[str, Any]]:
    """One dict per parameter: key, EMA name, type, unit, allowed range, meaning."""
    rows = []
    for key in keys:
        p = info(key)
        rows.append(
            {
                "key": key,
                "name": ema_name(key),
                "type": p.kind.__name__,
                "unit": p.unit,
                "lo": p.lo,
                "hi": p.hi,
                "doc": p.doc,
            }
        )
    return rows


def ema_name(key: str, *, times: bool = False) -> str:
    """The EMA parameter name of a dotted key: ``law.kappa`` -> ``law__kappa``."""
    return key.replace(".", SEPARATOR) + (MULTIPLIER_SUFFIX if times else "")


def _parameter(key: str, spec: Any, where: str) -> Any:
    if isinstance(spec, Multiplier):
        if key.split(".")[0] not in ("firms", "vendors", "suppliers"):
            raise UserError(f"{where}.{key}: a multiplier applies to firms, vendors or suppliers")
        if info(key).kind not in (int, float):
            raise UserError(f"{where}.{key}: a multiplier needs a numeric parameter")
        return _ema.RealParameter(ema_name(key, times=True), spec.lo, spec.hi)
    p = info(key)
    name = ema_name(key)
    if p.kind is bool:
        return _ema.BooleanParameter(name)
    if p.choices or p.kind is str:
        options = list(spec) if spec is not None else list(p.choices)
        if not options:
            raise UserError(f"{where}.{key}: give the values to choose from, e.g. ['us', 'cn']")
        return _ema.CategoricalParameter(name, options)
    allowed = f"{'(' if p.lo_open else '['}{p.lo:g}, {p.hi:g}] [{p.unit}]"
    if spec is None:
        if not (math.isfinite(p.lo) and math.isfinite(p.hi)) or p.lo_open:
            raise UserError(
                f"{where}.{key}: its allowed range {allowed} is open or not finite; "
                "give a range (lo, hi)"
            )
        lo, hi = p.lo, p.hi
    else:
        try:
            lo, hi = (float(v) for v in spec)
        except (TypeError, ValueError):
            raise UserError(f"{where}.{key} = {spec!r}: give a range (lo, hi) or None") from None
    if not lo < hi:
        raise UserError(f"{where}.{key}: lo = {lo:g} must be below hi = {hi:g}")
    if lo < p.lo or (p.lo_open and lo == p.lo) or hi > p.hi:
        raise UserError(f"{where}.{key}: ({lo:g}, {hi:g}) leaves the allowed range {allowed}")
    if p.kind is int:
        return _ema.IntegerParameter(name, int(lo), int(hi))
    return _ema.RealParameter(name, lo, hi)


# --------------------------------------------------------------------------------------------
# The model function
# --------------------------------------------------------------------------------------------


class ScenarioFunction:
    """``f(**inputs) -> {outcome: value}``: one run of a scenario with EMA's inputs.

    Picklable, so EMA's multiprocessing evaluator can ship it to its workers.
    """

    def __init__(
        self,
        scenario: str,
        fixed: Mapping[str, Any],
        metrics: Sequence[str],
        series: Sequence[str],
        seed: int | None,
    ) -> None:
        from experiments.outcomes import parse
        from sim.scenario import load_raw

        raw, path = load_raw(scenario)
        raw.setdefault("name", path.stem)
        self.raw = raw
        self.fixed = dict(fixed)
        self.metrics = parse(list(metrics))
        self.series = tuple(series)
        self.seed = seed

    def overrides(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Dotted overrides of one experiment (``firms__cash_usd__multiplier`` is
        ``firms.cash_usd.multiplier``, which scales each entry's own value)."""
        from sim.scenario import overrides_from_kwargs

        return {**self.fixed, **overrides_from_kwargs(inputs)}

    def check(self) -> None:
        """Build the scenario with the fixed overrides alone (UserError if one is wrong)."""
        from sim.scenario import apply_overrides, from_dict

        from_dict(apply_overrides(self.raw, self.fixed), origin="ema")

    def __call__(self, **inputs: Any) -> dict[str, Any]:
        from sim.run import simulate_model_table
        from sim.scenario import apply_overrides, from_dict

        seed = inputs.pop("seed", self.seed)
        scenario = from_dict(apply_overrides(self.raw, self.overrides(inputs)), origin="ema")
        result = simulate_model_table(scenario, seed=None if seed is None else int(seed))
        start = scenario.run.start_year
        out: dict[str, Any] = {m.column: float(m(result.model, start)) for m in self.metrics}
        if self.series:
            out["TIME"] = result.model["year"].to_numpy(dtype=float)
            for column in self.series:
                out[column] = result.model[column].to_numpy(dtype=float)
        return out


def model(
    scenario: str = "baseline",
    *,
    uncertainties: Mapping[str, Any] | None = None,
    levers: Mapping[str, Any] | None = None,
    outcomes: Sequence[str] | None = None,
    series: Sequence[str] = (),
    years: float | None = None,
    fixed: Mapping[str, Any] | None = None,
    seed: int | None = None,
    vary_seed: bool = False,
    name: str = "effrace",
) -> Any:
    """An ``ema_workbench.Model`` running ``scenario`` (a shipped name or a file).

    ``uncertainties`` and ``levers`` map dotted keys to ``(lo, hi)``, ``None`` (the allowed
    range), a list of choices, or :func:`multiplier`; ``outcomes`` are metric names (default
    the sweeps' default metrics); ``series`` model columns kept per step; ``years`` shortens
    the runs; ``fixed`` other overrides; ``seed`` the seed of every run (None: the scenario's)
    unless ``vary_seed``.
    """
    from experiments.outcomes import parse
    from experiments.outputs import parse_series

    fixed_all = dict(fixed or {})
    if years is not None:
        fixed_all["run.years"] = years
    metrics = [m.column for m in parse(outcomes)]
    kept = parse_series(list(series), "ema: series") if series else ()
    function = ScenarioFunction(
        scenario, fixed_all, list(outcomes) if outcomes else _defaults(), kept, seed
    )
    function.check()  # fixed overrides are checked now, not in the first experiment
    ema_model = _ema.Model(name, function=function)
    declared = [_parameter(k, v, "uncertainties") for k, v in (uncertainties or {}).items()]
    if vary_seed:
        declared.append(_ema.IntegerParameter("seed", *SEED_RANGE))
    ema_model.uncertainties = declared
    ema_model.levers = [_parameter(k, v, "levers") for k, v in (levers or {}).items()]
    _warn_idle_levers(function, {**(uncertainties or {}), **(levers or {})})  # inputs checked
    register_outcomes(metrics, [series_name(c, metrics) for c in ("TIME", *kept)])
    ema_model.outcomes = [_ema.ScalarOutcome(c) for c in metrics] + [
        _ema.TimeSeriesOutcome(series_name(c, metrics), variable_name=c)
        for c in (("TIME", *kept) if kept else ())
    ]
    return ema_model


def _ends(key: str, spec: Any) -> tuple[Any, Any]:
    """The lowest and highest value an input of :func:`model` takes (its first and last choice)."""
    if spec is None:
        p = info(key)
        return (p.choices[0], p.choices[-1]) if p.choices else (p.lo, p.hi)
    values = list(spec)
    return values[0], values[-1]


def _warn_idle_levers(function: ScenarioFunction, inputs: Mapping[str, Any]) -> None:
    """A ``UserWarning`` for each policy lever, switched on by ``inputs`` or the fixed
    overrides, that is in force at no step of the runs at either end of the inputs' ranges (a
    carbon tax from 2026 in 2-year runs): its outcomes would not vary with it, and nothing would
    say why (:func:`sim.policies.idle_levers`, which ``effrace run`` and ``compare`` print)."""
    from sim.policies import idle_levers
    from sim.scenario import apply_overrides, from_dict

    policies = {k: v for k, v in inputs.items() if k.split(".")[0] == "policies"}
    found = []
    for end in (0, 1):
        probe = {**function.fixed, **{k: _ends(k, v)[end] for k, v in policies.items()}}
        try:
            scenario = from_dict(apply_overrides(function.raw, probe), origin="ema")
        except UserError:  # an end a range may take but a scenario may not: not this check's
            return
        found.append(idle_levers(scenario))
    for line in found[0]:
        if line in found[1]:
            warnings.warn(f"ema: {line}", UserWarning, stacklevel=3)


def _defaults() -> list[str]:
    from experiments.outputs import DEFAULT_METRICS

    return list(DEFAULT_METRICS)


def register_outcomes(scalars: Sequence[str], series: Sequence[str]) -> None:
    """Declare outcomes to EMA, whose ``save_results`` looks each one's class up by name in
    its process-wide register; the latest declaration of a name wins (EMA's own constructors
    refuse a name declared before with another class)."""
    from ema_workbench.em_framework.outcomes import register

    for column in scalars:
        register.outcomes[column] = _ema.ScalarOutcome
    for column in series:
        register.outcomes[column] = _ema.TimeSeriesOutcome


def series_name(column: str, scalars: Sequence[str]) -> str:
    """The outcome name of a kept series: the model column's, with ``_series`` appended when a
    scalar outcome has that name already (``hhi:chips`` and the series ``hhi_chips``)."""
    return f"{column}_series" if column in scalars else column
