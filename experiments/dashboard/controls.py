"""The dashboard's controls, generated from the parameter dataclasses (no Solara here).

Which parameters: every field marked ``key=True`` in :mod:`sim.params`, by section (``run``,
``law``, ``market``, then ``firms``, ``vendors`` and ``suppliers``, whose value is applied to
every entry through ``firms.<key>`` and so on), and each policy lever of
:data:`sim.params.POLICY_TYPES` that has a key field (plus :data:`EXTRA_LEVER_FIELDS`), with an
"on" switch and its ``from_year`` / ``for_years`` schedule.

Labels and tooltips are written for students, in :data:`STUDENT_WORDS` (keyed by the dotted key):
a few words with the field's unit added in brackets (``suppliers.capacity_mw`` [MW] -> "power
capacity per supplier [MW]"; none for a unit "-": "budget share spent on chips"), and one or two
plain sentences: what the lever means, its unit, what moving it up does. The field's ``doc`` in
sim/params.py stays the researcher's (it feeds docs/model.md). A control without an entry still
works: its label is the field name in words, a trailing spelling of the unit turned into the
unit in brackets (``capacity_mw`` -> "capacity [MW]", :func:`label_for`), and its tooltip is the
``doc``; tests/test_dashboard.py fails until the entry is written.

Widgets: ``choices`` -> a drop-down; a date (unit "calendar year") or a field whose default is
infinite (``for_years``) -> a number box (typed, Enter commits); other numbers -> a slider whose
range follows one rule:

1. the allowed range [lo, hi] of the metadata when both ends are finite and it spans at most
   :data:`NARROW_SPAN` (shares [0, 1], doubling rates [-5, 20], kappa (0, 2]);
2. otherwise one decade either side of a positive default, default/10 to default*10, cut to
   [lo, hi] (supplier capacity 150-15,000 MW, energy cap 200-20,000 MW, carbon tax 10-1,000
   USD/tCO2);
3. otherwise (a default <= 0 with an open end) the finite ends, and 10 units (or 10 x |default|)
   either side of the default for an infinite end;
4. the step is a round number (1, 2 or 5 x 10^k) near 1/400 of the range; an open lower end
   starts one step in;
5. a scenario whose value falls outside widens the slider to include it, and the slider's
   lower end moves by less than a step so that its grid passes through the value;
6. :data:`PLAUSIBLE_RANGES` replaces rules 1-3 for the parameters whose allowed range reaches
   far past what a lesson needs (a chip doubling rate of 20 a year): the slider shows the
   plausible range; the full allowed range stays open to scenario files and ``--set``.

Every value still goes through the dataclass's own validation when the scenario is built, so a
bad value (a typed date out of range, say) gives the dataclass's one-line message.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import Any, Literal

from sim import law
from sim.params import POLICY_TYPES, Scenario
from sim.scenario import (
    GROUPS,
    REPEATED_POLICIES,
    SECTIONS,
    apply_overrides,
    from_dict,
    load_raw,
)

NARROW_SPAN = 100.0
"""Widest allowed range [in the field's unit] a slider covers whole (rule 1)."""

SLIDER_POSITIONS = 400
"""About how many steps a slider has (rule 4)."""

SCHEDULE_FIELDS = ("from_year", "for_years")

PLAUSIBLE_RANGES: dict[str, tuple[float, float]] = {
    "run.years": (2.0, 50.0),
    "law.kappa": (0.03, 0.3),
    "market.loss_scale_nats_per_token": (0.01, 0.5),
    "market.taste_noise_usd_per_task": (0.01, 1.0),
    "market.hurdle_rate_per_year": (0.02, 0.4),
    "firms.algorithmic_doublings_per_year": (0.0, 3.0),
    "vendors.flop_per_joule_doublings_per_year": (0.0, 1.0),
}
"""On-screen slider ranges [in the field's unit] (rule 6): kappa from below Kaplan's 0.05 to
above the refits' 0.15-0.18; task success exp(-(L - E)/scale) with a scale from 0.01
nats/token (buyers notice a hundredth of a nat) to 0.5 (they hardly tell a 1e24 model from a
1e26 one); buyers' taste noise from 1% to 100% of a task's value (1 USD), which sets the
markups; investors' hurdle rate from 2% to 40% a year (cost of capital about 9-12%);
algorithmic progress up to 3 doublings a year (about 1.2 measured); chip FLOP per joule up to
1 doubling a year (about 0.45 measured). Beyond them the starting state stops making sense (a
kappa of 0.005 gives a loss of about 2,000 nats per token), and the model back-casts the
starting fleet at the vendors' rate, so a fast chip rate makes the first tokens dearer."""

EXTRA_LEVER_FIELDS: dict[str, tuple[str, ...]] = {
    "export_control": ("region", "max_flop_per_joule")
}
"""Lever fields shown although not marked ``key=True`` in sim/params.py. Marking them there would
make this table unnecessary (the dashboard reads the flag)."""

SECTION_TITLES = {
    "run": "Run",
    "law": "Scaling law",
    "market": "AI-services market",
    "firms": "AI firms (applied to every firm)",
    "vendors": "Hardware vendors (applied to every vendor)",
    "suppliers": "Energy suppliers (applied to every supplier)",
}

RESOLVE_NONE = {"law.kappa": lambda sc: law.get_law(sc.law.preset).kappa}
"""For optional fields (``None`` = "use the model's own value"), what that value is, so the
control can show it."""

STUDENT_WORDS: dict[str, tuple[str, str]] = {
    "run.years": (
        "run length",
        "How many years the simulation runs, from the scenario's start year (the slider starts "
        "at this scenario's own length). Higher: the race goes further into the future.",
    ),
    "law.preset": (
        "published estimate",
        "Which published estimate of how fast AI models improve with training compute all labs "
        "follow: besiroglu (a 2024 re-estimate of hoffmann), hoffmann (the 2022 'Chinchilla' "
        "study) or kaplan (2020). Their returns to compute (the setting below) are 0.18, 0.15 "
        "and 0.05.",
    ),
    "law.kappa": (
        "returns to compute (kappa)",
        "The elasticity of a model's error above the floor with respect to its training "
        "compute: 1% more compute cuts that error by about kappa %, and until you move it the "
        "slider shows the published estimate's value. Higher: each doubling of compute cuts "
        "the error by a larger percentage, and every model starts with a smaller error.",
    ),
    "market.loss_scale_nats_per_token": (
        "error tolerance of tasks",
        "How much model error buyers' tasks tolerate: a model gets a task right with "
        "probability exp(-error / this), its error above the floor measured in nats per "
        "token. Higher: every model gets more tasks right, so models look alike to buyers "
        "sooner as they improve.",
    ),
    "market.taste_noise_usd_per_task": (
        "spread of buyers' tastes",
        "How much the worth of the same AI offer differs from one buyer to another, in dollars "
        "per task. Higher: buyers react less to differences in price and quality, so labs "
        "charge bigger markups over cost (this / (1 - market share) per task).",
    ),
    "market.hurdle_rate_per_year": (
        "investors' required return",
        "The yearly return investors demand before they put money into AI labs (0.12 is 12% a "
        "year). Higher: investors fund the labs less, and new labs enter later or not at all.",
    ),
    "firms.algorithmic_doublings_per_year": (
        "algorithmic progress",
        "How many times a year better algorithms double the useful compute each lab gets from "
        "the same chips (at 1.2 a year the compute a given model needs halves every 10 "
        "months; R&D adds to it, and it slows as ideas get harder to find). Higher: models "
        "improve faster for the same chips and power.",
    ),
    "firms.chip_share": (
        "budget share spent on chips",
        "The fraction (0 to 1) of what a lab spends, after paying for power and R&D, that buys "
        "new chips; the rest stays in cash. Higher: labs build up computing power faster and "
        "keep less cash (labs that adapt their strategy move it from this start).",
    ),
    "firms.training_share": (
        "compute share used for training",
        "The fraction (0 to 1) of a lab's computing power used to train its models; the rest "
        "answers customers' requests. Higher: models improve faster but the lab has less "
        "capacity to serve customers (labs that adapt their strategy move it from this start).",
    ),
    "vendors.flop_per_joule_doublings_per_year": (
        "chip efficiency progress",
        "How many times a year chip makers double the computations a chip does per joule of "
        "electricity (0.45 a year is x1.37 a year; their R&D adds a little, and it slows near "
        "the physical limit). Higher: each computation needs less electricity, so power costs "
        "and power limits matter less.",
    ),
    "suppliers.capacity_mw": (
        "power capacity per supplier",
        "The electric power each power company can deliver to AI data centres at the start, in "
        "megawatts; they build more as demand grows, with a delay. Higher: power is more "
        "plentiful early, so it is cheaper until demand catches up.",
    ),
    "policies.energy_cap.from_year": (
        "start year",
        "The year the energy cap comes into force (type it and press Enter). A later year lets "
        "AI's power use grow unchecked for longer.",
    ),
    "policies.energy_cap.for_years": (
        "duration",
        "How many years the energy cap stays in force (type it and press Enter); inf keeps it to "
        "the end of the run.",
    ),
    "policies.energy_cap.cap_mw": (
        "power limit",
        "The most electric power all AI labs together may draw, in megawatts; when they ask for "
        "more, permits for the capped power are sold at auction and the government collects "
        "the money. Higher: a looser cap, which does nothing once it is above what the labs ask "
        "for.",
    ),
    "policies.carbon_tax.from_year": (
        "start year",
        "The year the carbon tax comes into force (type it and press Enter). A later year "
        "leaves AI's power untaxed for longer.",
    ),
    "policies.carbon_tax.for_years": (
        "duration",
        "How many years the carbon tax stays in force (type it and press Enter); inf keeps it "
        "to the end of the run.",
    ),
    "policies.carbon_tax.usd_per_t_co2": (
        "tax rate",
        "The tax on each tonne of CO2 emitted to make the power AI uses, in dollars per tonne; "
        "power companies pay it to the government and pass it on in their prices. Higher: "
        "power from coal and gas gets dearer than cleaner power, so labs turn to cleaner "
        "suppliers and pay more for energy.",
    ),
    "policies.export_control.from_year": (
        "start year",
        "The year the export control comes into force (type it and press Enter). A later year "
        "lets the restricted region's labs buy the best chips for longer.",
    ),
    "policies.export_control.for_years": (
        "duration",
        "How many years the export control stays in force (type it and press Enter); inf keeps "
        "it to the end of the run.",
    ),
    "policies.export_control.region": (
        "restricted region",
        "The region whose AI labs get chips from makers elsewhere only up to the efficiency "
        "limit below: cn (China), us (United States) or eu (European Union); the list offers "
        "the regions in this scenario.",
    ),
    "policies.export_control.max_flop_per_joule": (
        "most efficient chip allowed",
        "The most computations per joule a chip sold to the restricted region's labs may do "
        "(7e11 is about half an H100, a top chip of 2023): better chips from makers outside the "
        "region reach them cut down to this, at full price. Higher: a looser control; where a "
        "scenario lets the limit follow the best chip a few years behind (export-control: 3), "
        "this is only the lowest it goes.",
    ),
}
"""What a student reads for each control, by dotted key: (label, tooltip). The label has no
unit: the page adds the field's unit from sim/params.py in brackets. The tooltip says in one or
two plain sentences what the lever is in the world, its unit and what moving it up does;
tests/test_dashboard.py checks that every shown control has an entry and checks the numbers the
sentences quote against the model."""


def student_label(words: str, unit: str) -> str:
    """A control's label from :data:`STUDENT_WORDS`: the words, the unit in brackets unless it
    is "-" (``("power limit", "MW")`` -> "power limit [MW]")."""
    return words + (f" [{unit}]" if unit not in ("", "-") else "")


Widget = Literal["slider", "input", "select", "checkbox"]


@dataclass(frozen=True)
class ControlSpec:
    """One control: which parameter it sets, how it is labelled, and its range."""

    key: str
    """Dotted override key, as ``effrace run --set`` takes it: ``firms.chip_share``."""
    section: str
    """``run``, ``law``, ``market``, ``firms``, ``vendors``, ``suppliers`` or ``policies.<lever>``."""
    name: str
    label: str
    unit: str
    doc: str
    """The researcher's description in sim/params.py (docs/model.md prints it)."""
    tooltip: str
    """What the page shows when the pointer rests on the control: the student's words from
    :data:`STUDENT_WORDS`, or ``doc`` for a control without an entry."""
    widget: Widget
    default: Any
    lo: float = -math.inf
    """Allowed range (the dataclass's validation), lower end."""
    hi: float = math.inf
    lo_open: bool = False
    slider_lo: float = math.nan
    """Slider range and step (rules 1-4 of the module docstring); NaN for other widgets."""
    slider_hi: float = math.nan
    step: float = math.nan
    choices: tuple[str, ...] = ()
    integer: bool = False
    optional: bool = False

    @property
    def css(self) -> str:
        """CSS-safe name: ``policies-energy_cap-cap_mw``."""
        return self.key.replace(".", "-")


@dataclass(frozen=True)
class SectionSpec:
    """A group of controls: a parameter section, or a policy lever with its on switch."""

    name: str
    title: str
    controls: tuple[ControlSpec, ...]
    lever: str | None = None

    @property
    def css(self) -> str:
        return self.name.replace(".", "-")


# --------------------------------------------------------------------------------------------
# generating the specs from the dataclasses
# --------------------------------------------------------------------------------------------


def _words(text: str) -> str:
    return text.replace("_", " ").strip()


def _norm(text: str) -> str:
    out = text.lower().replace("/", "per").replace("year", "yr")
    return "".join(ch for ch in out if ch.isalnum())


def label_for(name: str, unit: str, fallback: str = "value") -> str:
    """A control's label: its name in words, a trailing spelling of the unit as ``[unit]``."""
    tokens = name.split("_")
    has_unit = unit not in ("", "-")
    if has_unit:
        for i in range(len(tokens)):
            if _norm("".join(tokens[i:])) == _norm(unit):
                head = " ".join(tokens[:i]) or _words(fallback)
                return f"{head} [{unit}]"
    return _words(name) + (f" [{unit}]" if has_unit else "")


def nice_step(x: float) -> float:
    """A round number (1, 2 or 5 x 10^k) near ``x`` > 0."""
    exponent = math.floor(math.log10(x))
    fraction = x / 10.0**exponent
    mantissa = 1 if fraction < 1.5 else 2 if fraction < 3.5 else 5 if fraction < 7.5 else 10
    return float(mantissa * 10.0**exponent)


def slider_range(
    lo: float, hi: float, default: float | None, lo_open: bool = False, integer: bool = False
) -> tuple[float, float, float]:
    """(low, high, step) of a slider for a field allowed in [lo, hi] (rules 1-4)."""
    finite_lo, finite_hi = math.isfinite(lo), math.isfinite(hi)
    d = 0.0 if default is None else float(default)
    if finite_lo and finite_hi and hi - lo <= NARROW_SPAN:
        a, b = lo, hi
    elif d > 0:
        a, b = max(lo, d / 10.0), min(hi, d * 10.0)
    else:
        reach = 10.0 * max(1.0, abs(d))
        a = lo if finite_lo else d - reach
        b = hi if finite_hi else d + reach
    step = nice_step((b - a) / SLIDER_POSITIONS)
    if integer:
        step = max(1.0, round(step))
    if lo_open and a <= lo:
        a = lo + step
    return a, b, step


def _spec(f: dataclasses.Field[Any], section: str, title: str) -> ControlSpec:
    meta = f.metadata
    default: Any = f.default
    key = f"{section}.{f.name}"
    words = STUDENT_WORDS.get(key)
    common: dict[str, Any] = {
        "key": key,
        "section": section,
        "name": f.name,
        "label": (
            student_label(words[0], meta["unit"])
            if words
            else label_for(f.name, meta["unit"], fallback=title)
        ),
        "unit": meta["unit"],
        "doc": meta["doc"],
        "tooltip": words[1] if words else meta["doc"],
        "default": default,
    }
    if meta["choices"]:
        return ControlSpec(widget="select", choices=tuple(meta["choices"]), **common)
    if isinstance(default, bool):
        return ControlSpec(widget="checkbox", **common)
    if isinstance(default, str):
        # free text in the dataclass; the page offers the values the scenario uses
        return ControlSpec(widget="select", **common)
    integer = isinstance(default, int)
    bounds = {"lo": meta["lo"], "hi": meta["hi"], "lo_open": meta["lo_open"]}
    optional = default is None
    is_date = meta["unit"] == "calendar year"
    if is_date or (default is not None and not math.isfinite(default)):
        return ControlSpec(widget="input", integer=integer, optional=optional, **bounds, **common)
    a, b, step = slider_range(meta["lo"], meta["hi"], default, meta["lo_open"], integer)
    if common["key"] in PLAUSIBLE_RANGES:  # rule 6
        a, b = PLAUSIBLE_RANGES[common["key"]]
        step = nice_step((b - a) / SLIDER_POSITIONS)
        step = max(1.0, round(step)) if integer else step
    return ControlSpec(
        widget="slider",
        slider_lo=a,
        slider_hi=b,
        step=step,
        integer=integer,
        optional=optional,
        **bounds,
        **common,
    )


def _key_fields(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if f.metadata.get("key")]


def _levers() -> list[tuple[str, list[dataclasses.Field[Any]]]]:
    """Levers with a key field (or an entry in EXTRA_LEVER_FIELDS), and the fields shown."""
    out = []
    for lever, cls in POLICY_TYPES.items():
        if lever in REPEATED_POLICIES:
            continue  # a lever that may repeat has no single value to show
        extra = EXTRA_LEVER_FIELDS.get(lever, ())
        shown = [
            f
            for f in dataclasses.fields(cls)
            if f.name not in SCHEDULE_FIELDS and (f.metadata.get("key") or f.name in extra)
        ]
        if shown:
            schedule = [f for f in dataclasses.fields(cls) if f.name in SCHEDULE_FIELDS]
            out.append((lever, schedule + shown))
    return out


@functools.cache
def control_specs() -> tuple[SectionSpec, ...]:
    """Every section of controls, in page order: parameters, then policy levers."""
    out = []
    for section, cls in (*SECTIONS.items(), *GROUPS.items()):
        fields = _key_fields(cls)
        if fields:
            title = SECTION_TITLES.get(section, _words(section))
            controls = tuple(_spec(f, section, title) for f in fields)
            out.append(SectionSpec(section, title, controls))
    for lever, fields in _levers():
        section = f"policies.{lever}"
        title = _words(lever).capitalize()
        controls = tuple(_spec(f, section, title) for f in fields)
        out.append(SectionSpec(section, title, controls, lever=lever))
    return tuple(out)


def all_controls() -> list[ControlSpec]:
    return [c for s in control_specs() for c in s.controls]


# --------------------------------------------------------------------------------------------
# control values -> scenario
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What one panel's user has chosen: a shipped scenario and the controls they changed.

    Hashable, so the page can key its model on it; ``values`` and ``levers`` keep the order in
    which the user set them.
    """

    scenario: str = "baseline"
    values: tuple[tuple[str, Any], ...] = ()
    """(dotted key, value) of each control the user changed."""
    levers: tuple[tuple[str, bool], ...] = ()
    """(lever, on) of each lever the user switched."""

    def with_value(self, key: str, value: Any) -> Settings:
        values = dict(self.values)
        values[key] = value
        return dataclasses.replace(self, values=tuple(values.items()))

    def with_lever(self, lever: str, on: bool) -> Settings:
        levers = dict(self.levers)
        levers[lever] = on
        return dataclasses.replace(self, levers=tuple(levers.items()))

    @property
    def changed(self) -> bool:
        return bool(self.values or self.levers)


def _lever_of(key: str) -> str | None:
    parts = key.split(".")
    return parts[1] if parts[0] == "policies" and len(parts) > 2 else None


def overrides(settings: Settings) -> dict[str, Any]:
    """The ``load_scenario`` overrides the settings stand for.

    The values of a lever switched off are left out. A lever switched on that the scenario
    lacks gets the default of its first shown field unless the user set one (any key of a lever
    switches it on, with the defaults for the rest).
    """
    levers = dict(settings.levers)
    out = {k: v for k, v in settings.values if levers.get(_lever_of(k) or "", True)}
    in_scenario = _raw(settings.scenario).get("policies", {})
    for section in control_specs():
        lever = section.lever
        if lever is None or not levers.get(lever) or lever in in_scenario:
            continue
        if not any(_lever_of(k) == lever for k in out):
            first = next(c for c in section.controls if c.name not in SCHEDULE_FIELDS)
            out[first.key] = first.default
    return out


def levers_off(settings: Settings) -> list[str]:
    return [lever for lever, on in settings.levers if not on]


@functools.lru_cache(maxsize=32)
def _raw(name: str) -> dict[str, Any]:
    raw, path = load_raw(name)
    raw.setdefault("name", path.stem)
    return raw


def describe_changes(settings: Settings) -> str:
    """One line listing the changes, for the exported file's description."""
    parts = [f"{k} = {_plain(v)}" for k, v in overrides(settings).items()]
    off = levers_off(settings)
    if off:
        parts.append("switched off: " + ", ".join(off))
    return "Changed in the dashboard: " + "; ".join(parts) + "."


def shown_description(settings: Settings) -> str:
    """The panel's description in words: the shipped scenario's, then the changes by section
    and label ("Changed: Energy cap: cap [MW] 200, from year 2024."), not the override keys
    that the exported file's description lists."""
    base = str(_raw(settings.scenario).get("description", ""))
    if not settings.changed:
        return base
    specs = {c.key: c for c in all_controls()}
    titles = {s.name: s.title.split(" (")[0] for s in control_specs()}
    by_section: dict[str, list[str]] = {}
    for key, value in overrides(settings).items():
        spec = specs.get(key)
        if spec is None:
            by_section.setdefault("", []).append(f"{key} {value}")
            continue
        if isinstance(value, float) and spec.unit == "calendar year":
            shown = f"{value:g}"
        else:
            shown = format_number(value) if isinstance(value, float) else str(value)
        label = spec.label.replace(" [calendar year]", "")
        by_section.setdefault(titles.get(spec.section, ""), []).append(f"{label} {shown}")
    for lever in levers_off(settings):
        by_section.setdefault(titles.get(f"policies.{lever}", lever), []).append("off")
    parts = [
        f"{title}: {', '.join(items)}" if title else ", ".join(items)
        for title, items in by_section.items()
    ]
    return f"{base} Changed: {'; '.join(parts)}.".strip()


def rejection(settings: Settings, error: Exception) -> str:
    """The panel's red line for settings the model does not accept, in the page's words.

    A value outside its control's allowed range (only a typed year can be: sliders stay in
    range) is named by section and label, with the range: "Energy cap, from year: 1800 is
    outside what the model accepts, 1900 to 2500 [calendar year]", not by the override key the
    model's message uses. Anything else keeps the model's own one-line message.
    """
    specs = {c.key: c for c in all_controls()}
    titles = {s.name: s.title.split(" (")[0] for s in control_specs()}
    for key, value in reversed(settings.values):
        spec = specs.get(key)
        if spec is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        above_lo = value > spec.lo if spec.lo_open else value >= spec.lo
        if above_lo and value <= spec.hi:
            continue
        lo = f"{'above ' if spec.lo_open else ''}{spec.lo:g}"
        allowed = f"{lo} or more" if math.isinf(spec.hi) else f"{lo} to {spec.hi:g}"
        unit = f" [{spec.unit}]" if spec.unit not in ("", "-") else ""
        label = spec.label.split(" [")[0]
        return (
            f"{titles.get(spec.section, spec.section)}, {label}: {value:g} is outside what the "
            f"model accepts, {allowed}{unit}"
        )
    return str(error)


def _plain(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@functools.lru_cache(maxsize=256)
def build_scenario(settings: Settings) -> Scenario:
    """The scenario a panel's settings stand for.

    Does what :func:`sim.scenario.load_scenario` does with :func:`overrides`, and also removes
    the levers the user switched off (overrides can only add). A changed scenario is renamed
    ``<name>-dashboard`` and its description lists the changes, so an exported file says what
    it is. Raises :class:`sim.errors.UserError` for a value the dataclasses reject. Cached:
    scenarios are immutable, so sessions can share them (never models).
    """
    raw = apply_overrides(_raw(settings.scenario), overrides(settings))
    policies = raw.get("policies", {})
    for lever in levers_off(settings):
        policies.pop(lever, None)
    if settings.changed:
        raw["name"] = f"{raw['name']}-dashboard"
        raw["description"] = f"{raw.get('description', '')} {describe_changes(settings)}".strip()
    return from_dict(raw, origin=settings.scenario)


# --------------------------------------------------------------------------------------------
# scenario -> what each control shows
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """What a control shows for a scenario: its value, whether it applies, a note, the range."""

    value: Any
    enabled: bool = True
    note: str = ""
    slider_lo: float = math.nan
    slider_hi: float = math.nan
    choices: tuple[str, ...] = ()


def _weighted_mean(values: list[float], weights: list[int]) -> float:
    return sum(v * w for v, w in zip(values, weights, strict=True)) / sum(weights)


def shown_value(scenario: Scenario, spec: ControlSpec) -> Shown:
    """The value a control shows for ``scenario`` (the scenario's own, or the default)."""
    section, _, _ = spec.key.rpartition(".")
    note = ""
    enabled = True
    if section in GROUPS:
        entries = getattr(scenario, section)
        values = [getattr(e, spec.name) for e in entries]
        value = values[0]
        if len(set(values)) > 1:
            lo, hi = min(values), max(values)
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = _weighted_mean(values, [e.count for e in entries])
                note = (
                    f"varies {_fmt(lo)}–{_fmt(hi)} by entry (shown: their mean); a change sets all"
                )
    elif section.startswith("policies."):
        lever = getattr(scenario.policies, section.split(".", 1)[1])
        enabled = lever is not None
        value = getattr(lever, spec.name) if lever is not None else spec.default
    else:
        value = getattr(getattr(scenario, section), spec.name)
    if value is None and spec.key in RESOLVE_NONE:
        value = RESOLVE_NONE[spec.key](scenario)
        note = "the published estimate's value"
    choices = spec.choices
    if spec.widget == "select" and not choices:
        choices = _used_values(scenario, spec.name, value)
    lo, hi = spec.slider_lo, spec.slider_hi
    if spec.widget == "slider" and isinstance(value, int | float):
        lo, hi = min(lo, value), max(hi, value)  # rule 5
        # the slider's grid (lo + k step) passes through the value, or the browser would snap
        # the value to the grid as the slider appears and send it back as a change
        lo = max(lo, value - math.floor((value - lo) / spec.step + 1e-9) * spec.step)
    return Shown(value, enabled, note, lo, hi, choices)


def _used_values(scenario: Scenario, name: str, current: Any) -> tuple[str, ...]:
    """Values of a free-text field the scenario's agents use (``region``: us, cn, eu); an empty
    value (an agent in no region, as the shipped vendors and suppliers) is no choice to offer."""
    found = {
        str(getattr(e, name))
        for group in GROUPS
        for e in getattr(scenario, group)
        if getattr(e, name, "") != ""
    }
    found.add(str(current))
    return tuple(sorted(found))


def _fmt(x: Any) -> str:
    return format_number(x) if isinstance(x, float) else str(x)


def format_number(x: float) -> str:
    """A number for a label: 0.7, 1,500, 7e11, inf."""
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
        mantissa, _, exponent = f"{x:.3e}".partition("e")
        return f"{float(mantissa):g}e{int(exponent)}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def slider_change(spec: ControlSpec, shown: Shown, value: float) -> float | int | None:
    """The value a slider event sets, or None for an event that is no change.

    Vuetify's slider rounds the value it is given to the decimals of its step (0.66875 becomes
    0.669 with a step of 0.002) and sends that back as the slider appears; a genuine move is at
    least about one step, so anything within half a step of the shown value is ignored.
    """
    if abs(value - shown.value) <= 0.5 * spec.step * (1 + 1e-9):
        return None
    return clean(value, spec)


def clean(value: float, spec: ControlSpec) -> float | int:
    """A slider's value on its step grid, without float noise (0.7000000000000001 -> 0.7)."""
    if spec.integer:
        return round(value)
    if math.isfinite(spec.step) and spec.step > 0:
        value = round(value / spec.step) * spec.step
    return float(f"{value:.12g}")


def lever_summary(scenario: Scenario, section: SectionSpec) -> str:
    """A lever's heading: "Energy cap: on from 2027, 5,000 MW" or "Carbon tax: off"."""
    assert section.lever is not None
    lever = getattr(scenario.policies, section.lever)
    if lever is None:
        return f"{section.title}: off"
    parts = [f"{section.title}: on from {lever.from_year:g}"]
    if math.isfinite(lever.for_years):
        parts[0] += f" for {lever.for_years:g} yr"
    for c in section.controls:
        if c.name not in SCHEDULE_FIELDS:
            name = c.label.split(" [")[0]
            text = _fmt(getattr(lever, c.name)) + (f" {c.unit}" if c.unit != "-" else "")
            parts.append(text if name == section.title else f"{name} {text}")
    return ", ".join(parts)
