"""Scenario files: TOML mapped one to one onto :class:`sim.params.Scenario`.

A scenario file has the sections ``[run]``, ``[law]``, ``[market]``, ``[[firms]]``,
``[[vendors]]``, ``[[suppliers]]`` and ``[policies.<lever>]`` (``[[policies.rnd_subsidy]]`` and
``[[policies.efficiency_shock]]`` may repeat), each key a field of the matching dataclass. A file
may start from another with ``base = "baseline"`` (a shipped name or a path relative to the
file): its sections are merged key by key over the base's, and a list such as ``[[firms]]``
replaces the base's list. docs/scenarios.md describes the format.

Every mistake (missing file, TOML syntax, unknown key, wrong type, value out of range) raises
:class:`sim.errors.UserError` with a one-line message naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import tomllib
import types
import typing
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from sim.errors import UserError, suggest, suggest_or_list
from sim.params import (
    POLICY_TYPES,
    FirmParams,
    LawParams,
    MarketParams,
    PolicyParams,
    RunParams,
    Scenario,
    SupplierParams,
    VendorParams,
    plain_scalar,
)

SECTIONS: dict[str, type] = {"run": RunParams, "law": LawParams, "market": MarketParams}
GROUPS: dict[str, type] = {
    "firms": FirmParams,
    "vendors": VendorParams,
    "suppliers": SupplierParams,
}
REPEATED_POLICIES = ("rnd_subsidy", "efficiency_shock")
TOP_KEYS = ("name", "description", "base", *SECTIONS, *GROUPS, "policies")
SWEEP_ONLY_KEYS = ("scenario", "design", "factors")
"""Top-level keys of a sweep file (experiments/sweep.py) that no scenario file has: a file with
one of them (and none of :data:`SCENARIO_ONLY_KEYS`) is a sweep file given for a scenario."""
SCENARIO_ONLY_KEYS = tuple(k for k in TOP_KEYS if k != "description")
"""Top-level keys of a scenario file that no sweep file has."""


def shipped_names() -> list[str]:
    """Names of the scenarios shipped with the package, sorted."""
    folder = resources.files("sim") / "scenarios"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def resolve_path(name_or_path: str | Path) -> Path:
    """Find a scenario file: a path to a file, or the name of a shipped scenario. A bare name
    (no folder, no ``.toml``) that is a folder here is the shipped scenario of that name if there
    is one: ``effrace run energy-cap --out energy-cap`` makes such a folder."""
    path = Path(name_or_path)
    bare = path.suffix != ".toml" and len(path.parts) == 1
    try:
        shipped_folder = bare and path.is_dir() and str(name_or_path) in shipped_names()
        if not shipped_folder and (path.suffix == ".toml" or path.exists() or len(path.parts) > 1):
            if path.is_dir():
                raise UserError(f"{path} is a folder, not a scenario file")
            if not path.is_file():
                raise UserError(f"scenario file not found: {path}")
            return path
    except OSError as exc:  # a name too long, a loop of links
        raise UserError(f"scenario file {path}: {exc.strerror or exc}") from None
    names = shipped_names()
    if str(name_or_path) not in names:
        raise UserError(
            f"unknown scenario '{name_or_path}'{suggest(str(name_or_path), names)}; "
            f"shipped scenarios: {', '.join(names)}"
        )
    return Path(str(resources.files("sim") / "scenarios" / f"{name_or_path}.toml"))


def read_text(path: Path, what: str = "") -> str:
    """A text file decoded as UTF-8, a leading byte-order mark dropped; UserError (one line) if
    it cannot be read or is not UTF-8 (naming the first bad byte's line)."""
    label = f"{what} {path}" if what else str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{label}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UserError(
            f"{label}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); "
            "save it as UTF-8"
        ) from None


def read_toml(path: Path, what: str = "") -> tuple[dict[str, Any], str]:
    """A TOML file's table and text (:func:`read_text`); UserError (one line) if invalid."""
    text = read_text(path, what)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML: {exc}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path)[0]


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_raw(name_or_path: str | Path, _seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], Path]:
    """The scenario's table after following ``base``, and the file it came from."""
    path = resolve_path(name_or_path)
    if path.resolve() in _seen:
        raise UserError(f"{path}: 'base' chain loops back to itself")
    raw = _read_toml(path)
    if any(k in raw for k in SWEEP_ONLY_KEYS) and not any(k in raw for k in SCENARIO_ONLY_KEYS):
        raise UserError(
            f"{path} is a sweep file, not a scenario: run it with `effrace sweep {path}`"
        )
    base = raw.pop("base", None)
    if base is not None:
        if not isinstance(base, str) or not base.strip():
            raise UserError(f"{path}: base = {base!r} must be a scenario name or path")
        base_ref: str | Path = base
        if base not in shipped_names() or (path.parent / base).is_file():
            candidate = path.parent / base
            base_ref = candidate if candidate.exists() else base
        try:
            resolve_path(base_ref)
        except UserError as exc:  # say which file's base it is
            raise UserError(f"{path}: base: {exc}") from None
        base_raw, _ = load_raw(base_ref, (*_seen, path.resolve()))
        base_raw.pop("name", None)
        base_raw.pop("description", None)
        raw = _merge(base_raw, raw)
    return raw, path


@functools.cache
def _field_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _coerce(value: Any, annotation: Any, where: str) -> Any:
    """Check a TOML value against a field's type; ints are accepted where floats are."""
    value = plain_scalar(value)
    allowed = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else ()
    kinds = allowed or (annotation,)
    is_none = value is None or (isinstance(value, str) and value.lower() == "none")
    if is_none and type(None) in kinds:
        return None
    if float in kinds and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if float in kinds and isinstance(value, str):
        try:
            return float(value)  # "1e26" from a --set or a dashboard
        except ValueError:
            pass
    expected = next(k for k in kinds if k is not type(None))
    if expected is float and isinstance(value, float):
        return value
    if expected is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if expected is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if expected is bool and isinstance(value, bool):
        return value
    if expected is str and isinstance(value, str):
        return value
    kind = {float: "a number", int: "a whole number", bool: "true or false", str: "a string"}
    raise UserError(f"{where} = {value!r} must be {kind.get(expected, expected)}")


KEYS_LISTED = 12
"""A table with at most this many keys lists them after an unknown key that is close to none."""


def _key_hint(key: str, names: list[str]) -> str:
    """The nearest key (`` (did you mean 'x'?)``) or, if none is close, the keys: listed for a
    small table, else where they are documented."""
    if len(names) <= KEYS_LISTED:
        return suggest_or_list(key, names, "keys")
    return suggest(key, names) or "; docs/model.md section 4 (Parameters) lists the keys"


def build(cls: type, table: Any, where: str) -> Any:
    """Build one parameter dataclass from a TOML table, naming ``where`` in errors."""
    if not isinstance(table, Mapping):
        raise UserError(f"{where} must be a table of keys, got {table!r}")
    types_ = _field_types(cls)
    kwargs = {}
    for key, value in table.items():
        if key not in types_:
            raise UserError(f"{where}: unknown key '{key}'{_key_hint(key, list(types_))}")
        kwargs[key] = _coerce(value, types_[key], f"{where}.{key}")
    try:
        return cls(**kwargs)
    except UserError as exc:
        # the dataclass names itself; say where in the file it was
        raise UserError(f"{where}: {str(exc).split('.', 1)[-1]}") from None


def from_dict(raw: Mapping[str, Any], origin: str = "scenario") -> Scenario:
    """Build a :class:`Scenario` from its TOML table (as read, after ``base`` is merged)."""
    for key in raw:
        if key not in TOP_KEYS:  # `nmae = "x"` is a key; `[rnu]` and `[[firm]]` are sections
            what = "section" if isinstance(raw[key], Mapping | list) else "key"
            raise UserError(f"{origin}: unknown {what} '{key}'{suggest(key, TOP_KEYS)}")
    kwargs: dict[str, Any] = {}
    for key in ("name", "description"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise UserError(f"{origin}: {key} = {raw[key]!r} must be a string")
            kwargs[key] = raw[key]
    for section, cls in SECTIONS.items():
        if section in raw:
            kwargs[section] = build(cls, raw[section], f"{origin}: {section}")
    for group, cls in GROUPS.items():
        if group in raw:
            entries = raw[group]
            if not isinstance(entries, list) or not entries:
                raise UserError(f"{origin}: {group} must be a non-empty list ([[{group}]] tables)")
            kwargs[group] = tuple(
                build(cls, entry, f"{origin}: {group}[{i}]") for i, entry in enumerate(entries)
            )
    if "policies" in raw:
        kwargs["policies"] = _policies(raw["policies"], origin)
    return Scenario(**kwargs)


def _policies(table: Any, origin: str) -> PolicyParams:
    if not isinstance(table, Mapping):
        raise UserError(f"{origin}: policies must be a table")
    kwargs: dict[str, Any] = {}
    for lever, value in table.items():
        if lever not in POLICY_TYPES:
            raise UserError(
                f"{origin}: unknown policy '{lever}'{suggest(lever, POLICY_TYPES)}; "
                f"levers: {', '.join(POLICY_TYPES)}"
            )
        cls = POLICY_TYPES[lever]
        where = f"{origin}: policies.{lever}"
        if lever in REPEATED_POLICIES:
            entries = value if isinstance(value, list) else [value]
            kwargs[lever] = tuple(build(cls, e, f"{where}[{i}]") for i, e in enumerate(entries))
        else:
            kwargs[lever] = build(cls, value, where)
    return PolicyParams(**kwargs)


def load_scenario(name_or_path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a shipped scenario by name, or a scenario file by path, with optional overrides.

    ``overrides`` maps dotted keys to values, as ``effrace run --set`` and sweep factors give
    them: ``run.years``, ``law.kappa``, ``firms.chip_share`` (every firm), ``firms.2.chip_share``
    (the third entry), ``firms.cash_usd.multiplier`` (each firm's own value times a factor),
    ``policies.carbon_tax.usd_per_t_co2`` (switches the lever on with its defaults for the
    other keys).
    """
    raw, path = load_raw(name_or_path)
    raw.setdefault("name", path.stem)
    if not overrides:
        return from_dict(raw, origin=str(name_or_path))
    try:
        return from_dict(apply_overrides(raw, overrides), origin=str(name_or_path))
    except UserError:
        from_dict(raw, origin=str(name_or_path))  # a fault of the file itself: its own message
        culprit = next(
            (k for k, v in overrides.items() if not _valid(apply_overrides(raw, {k: v}))),
            ", ".join(overrides),  # only the overrides together: name them all
        )
    return from_dict(apply_overrides(raw, overrides), origin=f"{name_or_path} with {culprit} set")


def _valid(raw: Mapping[str, Any]) -> bool:
    """Whether a scenario table builds (:func:`from_dict`) without a :class:`UserError`."""
    try:
        from_dict(raw, origin="")
    except UserError:
        return False
    return True


def apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of a scenario table with dotted-key overrides applied (see load_scenario)."""
    out = _deep_copy(raw)
    for dotted, value in overrides.items():
        _set_dotted(out, dotted, value)
    return out


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


@dataclasses.dataclass(frozen=True)
class ParameterKey:
    """What a dotted key names: ``run.years``, ``firms.chip_share`` (every firm),
    ``firms.2.chip_share`` (the third), ``policies.carbon_tax.usd_per_t_co2``,
    ``policies.rnd_subsidy.1.rate`` (an entry of a repeated policy), ``name``."""

    section: str
    """The top-level key: a section, a group, ``policies``, ``name`` or ``description``."""
    lever: str | None
    """The policy lever, for ``policies.<lever>...``."""
    index: int | None
    """The entry of a group or repeated policy; None for all of a group (or the first policy)."""
    field: str
    """The parameter's field name (the section's own name for ``name`` and ``description``)."""
    cls: type | None
    """The dataclass that holds the field; None for ``name`` and ``description``."""
    multiplier: bool = False
    """``firms.cash_usd.multiplier``: scale each entry's own value rather than set it."""


def parse_key(dotted: str, where: str) -> ParameterKey:
    """Parse a dotted parameter key (:class:`ParameterKey`); UserError naming ``where`` if it
    names no parameter. Whether a numbered entry exists is the caller's to check."""
    parts = dotted.split(".")
    times = parts[0] in GROUPS and len(parts) in (3, 4) and parts[-1] == MULTIPLIER
    if times:
        parts = parts[:-1]
    head, name = parts[0], parts[-1]
    index = int(parts[-2]) if len(parts) > 2 and parts[-2].isdigit() else None
    cls: type | None = None
    lever = None
    if head in SECTIONS and len(parts) == 2:
        cls = SECTIONS[head]
    elif head in GROUPS and len(parts) in (2, 3):
        if len(parts) == 3 and index is None:
            raise UserError(f"{where}: '{parts[1]}' is not an entry of {head}")
        cls = GROUPS[head]
    elif head == "policies" and len(parts) in (3, 4):
        lever = parts[1]
        if lever not in POLICY_TYPES:
            raise UserError(f"{where}: unknown policy '{lever}'{suggest(lever, POLICY_TYPES)}")
        if len(parts) == 3 or (lever in REPEATED_POLICIES and index is not None):
            cls = POLICY_TYPES[lever]
    elif head in ("name", "description") and len(parts) == 1:
        return ParameterKey(head, None, None, head, None)
    table = table_not_parameter(dotted)
    if table:  # `--set policies.carbon_tax=50`: a table, not one of its keys
        raise UserError(f"{where}: {table}")
    if cls is None:
        raise UserError(
            f"{where}: not a parameter; use section.key such as run.years, "
            f"firms.chip_share or policies.carbon_tax.usd_per_t_co2{key_suggestion(dotted)}"
        )
    names = [f.name for f in dataclasses.fields(cls)]
    if name not in names:
        raise UserError(f"{where}: unknown key '{name}'{_key_hint(name, names)}")
    return ParameterKey(head, lever, index, name, cls, times)


def table_not_parameter(dotted: str) -> str:
    """What to set instead, when ``dotted`` names a table (``run``, ``firms``,
    ``policies.carbon_tax``) rather than one of its parameters; "" otherwise."""
    parts = dotted.split(".")
    table = {**SECTIONS, **GROUPS}.get(dotted) or (
        POLICY_TYPES.get(parts[1]) if parts[0] == "policies" and len(parts) == 2 else None
    )
    if table is None:
        return ""
    names = [f.name for f in dataclasses.fields(table)]
    keys = (
        f": {', '.join(names)}"
        if len(names) <= KEYS_LISTED
        else " (docs/model.md section 4 lists them)"
    )
    if dotted in GROUPS:
        return (
            f"a list of entries, not a parameter; set one of their keys{keys}, for every "
            f"entry ({dotted}.KEY) or for one ({dotted}.N.KEY, N from 0)"
        )
    return f"a table, not a parameter; set one of its keys{keys} ({dotted}.KEY)"


def parameter_keys() -> list[str]:
    """Every dotted key a parameter has (without entry numbers), in the scenario file's order."""
    keys = [f"{s}.{f.name}" for s, cls in SECTIONS.items() for f in dataclasses.fields(cls)]
    keys += [f"{g}.{f.name}" for g, cls in GROUPS.items() for f in dataclasses.fields(cls)]
    keys += [
        f"policies.{lever}.{f.name}"
        for lever, cls in POLICY_TYPES.items()
        for f in dataclasses.fields(cls)
    ]
    return keys


def key_suggestion(dotted: str) -> str:
    """`` (did you mean 'run.years'?)`` for a dotted key that names no parameter, or "".

    A bare field name (``years``, or one close to it) gets every dotted key that ends in it (at
    most six share a name); anything else the closest dotted key, entry numbers and multipliers
    left out."""
    keys = parameter_keys()
    plain = ".".join(p for p in dotted.split(".") if not p.isdigit() and p != MULTIPLIER)
    if "." not in plain:  # a field without its section, perhaps misspelt
        fields = [k.rsplit(".", 1)[-1] for k in keys]
        field = (difflib.get_close_matches(plain, fields, n=1, cutoff=0.6) or [plain])[0]
        ending = [k for k in keys if k.rsplit(".", 1)[-1] == field]
        if ending:
            return suggest(field, ending, cutoff=0.0, n=len(ending))
    return suggest(plain, keys, cutoff=0.6)


def _holds(raw: Mapping[str, Any], key: ParameterKey) -> bool:
    """Whether the tables on ``key``'s path in ``raw`` have a scenario's shapes (or are absent).

    A file with ``run = 5`` or ``firms = [1, 2]`` cannot take an override there; it is left as
    it is, and :func:`from_dict` refuses the file in one line that names it."""
    here = raw.get(key.section)
    if key.cls is None or here is None:
        return True
    if key.section in SECTIONS:
        return isinstance(here, Mapping)
    if key.section in GROUPS:
        return isinstance(here, list) and bool(here) and all(isinstance(e, Mapping) for e in here)
    if not isinstance(here, Mapping):  # policies
        return False
    lever = here.get(typing.cast(str, key.lever))
    if lever is None:
        return True
    if key.lever in REPEATED_POLICIES:
        return all(isinstance(e, Mapping) for e in (lever if isinstance(lever, list) else [lever]))
    return isinstance(lever, Mapping)


def _set_dotted(raw: dict[str, Any], dotted: str, value: Any) -> None:
    key = parse_key(dotted, f"--set {dotted}")
    if not _holds(raw, key):
        return  # from_dict refuses the file, naming it
    if key.cls is None:  # name, description
        raw[key.section] = value
    elif key.section in SECTIONS:
        raw.setdefault(key.section, {})[key.field] = value
    elif key.section in GROUPS:
        entries = raw.setdefault(key.section, [{}])
        if key.index is not None and key.index >= len(entries):
            raise UserError(
                f"--set {dotted}: '{key.index}' is not an entry of {key.section} "
                f"(0 to {len(entries) - 1})"
            )
        targets = entries if key.index is None else [entries[key.index]]
        if key.multiplier:
            _multiply(targets, key.cls, key.field, value, dotted)
        else:
            for entry in targets:
                entry[key.field] = value
    else:
        lever = typing.cast(str, key.lever)
        policies = raw.setdefault("policies", {})
        if lever in REPEATED_POLICIES:
            entries = policies.setdefault(lever, [{}])
            entries = entries if isinstance(entries, list) else [entries]
            policies[lever] = entries
            index = key.index or 0
            if index >= len(entries):
                raise UserError(f"--set {dotted}: no entry {index} of policies.{lever}")
            entries[index][key.field] = value
        else:
            policies.setdefault(lever, {})[key.field] = value


MULTIPLIER = "multiplier"
"""Last part of a key that scales a group parameter: ``firms.cash_usd.multiplier = 1.5``
multiplies each firm entry's own cash by 1.5, so entries that differ keep differing."""


def _multiply(entries: list[dict[str, Any]], cls: type, key: str, factor: Any, dotted: str) -> None:
    """Scale ``key`` of each entry (its value in the table, or the field's default) by
    ``factor``; whole-number fields are rounded, and a None (derived) value stays None."""
    factor = plain_scalar(factor)
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not factor >= 0:
        raise UserError(f"--set {dotted} = {factor!r}: a multiplier must be a number >= 0")
    field = next(f for f in dataclasses.fields(cls) if f.name == key)
    for entry in entries:
        value = plain_scalar(entry.get(key, field.default))
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserError(f"--set {dotted}: {key} is not a number, so it has no multiplier")
        whole = _field_types(cls)[key] is int
        entry[key] = round(value * factor) if whole else value * factor


def parse_value(text: str) -> Any:
    """A ``--set`` value: a TOML value (``5``, ``1e26``, ``true``, ``"us"``, ``inf``) or a bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_overrides(items: typing.Iterable[str]) -> dict[str, Any]:
    """Turn ``["run.years=5", ...]`` into ``{"run.years": 5, ...}``."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set {item!r}: expected section.key=value, e.g. run.years=5")
        out[key.strip()] = parse_value(text.strip())
    return out


KEYWORD_SEPARATOR = "__"
"""What stands for each dot of a parameter's dotted key in a Python keyword (``law__kappa``)."""


def overrides_from_kwargs(kwargs: Mapping[str, Any]) -> dict[str, object]:
    """Keyword arguments naming scenario parameters, as the dotted overrides of
    :func:`load_scenario` and :func:`apply_overrides`.

    A keyword cannot hold a dot, so a double underscore stands for each one: ``law__kappa=0.2``
    is ``law.kappa``, ``firms__chip_share`` sets every firm entry, ``firms__2__chip_share`` the
    third, ``firms__cash_usd__multiplier=1.5`` scales each firm's own cash,
    ``policies__carbon_tax__usd_per_t_co2`` switches the lever on. A key already dotted
    (``**{"law.kappa": 0.2}``) passes as it is. Numpy scalars become Python numbers. Raises
    :class:`UserError` naming the keyword when it names no parameter; values are checked when
    the scenario is built.
    """
    out: dict[str, object] = {}
    for keyword, value in kwargs.items():
        dotted = keyword.replace(KEYWORD_SEPARATOR, ".")
        try:
            parse_key(dotted, keyword)
        except UserError as error:
            if "not a parameter" not in str(error):
                raise
            raise UserError(
                f"{keyword}: not a scenario parameter; spell section.key as section__key, e.g. "
                "law__kappa, run__years, firms__chip_share, firms__0__chip_share or "
                "policies__carbon_tax__usd_per_t_co2"
            ) from None
        if dotted in out:
            raise UserError(f"{keyword}: the parameter '{dotted}' is given twice")
        out[dotted] = plain_scalar(value)
    return out


def to_dict(scenario: Scenario) -> dict[str, Any]:
    """Every resolved parameter as plain data, in the scenario file's layout (for manifests)."""

    def plain(obj: Any) -> Any:
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        if isinstance(obj, tuple):
            return [plain(v) for v in obj]
        return obj

    out = plain(scenario)
    out["policies"] = {k: v for k, v in out["policies"].items() if v not in (None, [])}
    return out


def to_toml(scenario: Scenario) -> str:
    """A scenario file that :func:`load_scenario` reads back to an equal scenario."""
    data = to_dict(scenario)
    lines = [f"name = {_toml_value(data.pop('name'))}"]
    lines.append(f"description = {_toml_value(data.pop('description'))}")
    for section in SECTIONS:
        lines += ["", f"[{section}]", *_toml_table(data[section])]
    for group in GROUPS:
        for entry in data[group]:
            lines += ["", f"[[{group}]]", *_toml_table(entry)]
    for lever, value in data["policies"].items():
        entries = value if isinstance(value, list) else [value]
        header = f"[[policies.{lever}]]" if isinstance(value, list) else f"[policies.{lever}]"
        for entry in entries:
            lines += ["", header, *_toml_table(entry)]
    return "\n".join(lines) + "\n"


def _toml_table(table: Mapping[str, Any]) -> list[str]:
    return [f"{k} = {_toml_value(v)}" for k, v in table.items() if v is not None]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
