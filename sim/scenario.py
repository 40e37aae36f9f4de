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

from sim.errors import UserError
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
)

SECTIONS: dict[str, type] = {"run": RunParams, "law": LawParams, "market": MarketParams}
GROUPS: dict[str, type] = {
    "firms": FirmParams,
    "vendors": VendorParams,
    "suppliers": SupplierParams,
}
REPEATED_POLICIES = ("rnd_subsidy", "efficiency_shock")
TOP_KEYS = ("name", "description", "base", *SECTIONS, *GROUPS, "policies")


def shipped_names() -> list[str]:
    """Names of the scenarios shipped with the package, sorted."""
    folder = resources.files("sim") / "scenarios"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def _suggest(word: str, options: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def resolve_path(name_or_path: str | Path) -> Path:
    """Find a scenario file: a path to a file, or the name of a shipped scenario."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists() or len(path.parts) > 1:
        if path.is_dir():
            raise UserError(f"{path} is a folder, not a scenario file")
        if not path.is_file():
            raise UserError(f"scenario file not found: {path}")
        return path
    names = shipped_names()
    if str(name_or_path) not in names:
        raise UserError(
            f"unknown scenario '{name_or_path}'{_suggest(str(name_or_path), names)}; "
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
    base = raw.pop("base", None)
    if base is not None:
        if not isinstance(base, str):
            raise UserError(f"{path}: base = {base!r} must be a scenario name or path")
        base_ref: str | Path = base
        if base not in shipped_names() or (path.parent / base).exists():
            candidate = path.parent / base
            base_ref = candidate if candidate.exists() else base
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


def build(cls: type, table: Any, where: str) -> Any:
    """Build one parameter dataclass from a TOML table, naming ``where`` in errors."""
    if not isinstance(table, Mapping):
        raise UserError(f"{where} must be a table of keys, got {table!r}")
    types_ = _field_types(cls)
    kwargs = {}
    for key, value in table.items():
        if key not in types_:
            raise UserError(f"{where}: unknown key '{key}'{_suggest(key, types_)}")
        kwargs[key] = _coerce(value, types_[key], f"{where}.{key}")
    try:
        return cls(**kwargs)
    except UserError as exc:
        # the dataclass names itself; say where in the file it was
        raise UserError(f"{where}: {str(exc).split('.', 1)[-1]}") from None


def from_dict(raw: Mapping[str, Any], origin: str = "scenario") -> Scenario:
    """Build a :class:`Scenario` from its TOML table (as read, after ``base`` is merged)."""
    for key in raw:
        if key not in TOP_KEYS:
            raise UserError(f"{origin}: unknown section '{key}'{_suggest(key, TOP_KEYS)}")
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
                f"{origin}: unknown policy '{lever}'{_suggest(lever, POLICY_TYPES)}; "
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
    (the third entry), ``policies.carbon_tax.usd_per_t_co2`` (switches the lever on with its
    defaults for the other keys).
    """
    raw, path = load_raw(name_or_path)
    raw.setdefault("name", path.stem)
    if overrides:
        raw = apply_overrides(raw, overrides)
    return from_dict(raw, origin=str(name_or_path))


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


def _set_dotted(raw: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    head = parts[0]
    if head in SECTIONS and len(parts) == 2:
        _check_key(SECTIONS[head], parts[1], dotted)
        raw.setdefault(head, {})[parts[1]] = value
    elif head in GROUPS and len(parts) in (2, 3):
        entries = raw.setdefault(head, [{}])
        if len(parts) == 2:
            targets = entries
        else:
            if not parts[1].isdigit() or int(parts[1]) >= len(entries):
                raise UserError(
                    f"--set {dotted}: '{parts[1]}' is not an entry of {head} (0 to {len(entries) - 1})"
                )
            targets = [entries[int(parts[1])]]
        _check_key(GROUPS[head], parts[-1], dotted)
        for entry in targets:
            entry[parts[-1]] = value
    elif head == "policies" and len(parts) in (3, 4):
        lever = parts[1]
        if lever not in POLICY_TYPES:
            raise UserError(
                f"--set {dotted}: unknown policy '{lever}'{_suggest(lever, POLICY_TYPES)}"
            )
        _check_key(POLICY_TYPES[lever], parts[-1], dotted)
        policies = raw.setdefault("policies", {})
        if lever in REPEATED_POLICIES:
            entries = policies.setdefault(lever, [{}])
            entries = entries if isinstance(entries, list) else [entries]
            policies[lever] = entries
            index = int(parts[2]) if len(parts) == 4 and parts[2].isdigit() else 0
            if index >= len(entries):
                raise UserError(f"--set {dotted}: no entry {index} of policies.{lever}")
            entries[index][parts[-1]] = value
        else:
            policies.setdefault(lever, {})[parts[-1]] = value
    elif head in ("name", "description") and len(parts) == 1:
        raw[head] = value
    else:
        options = [*SECTIONS, *GROUPS, "policies"]
        raise UserError(
            f"--set {dotted}: not a parameter; use section.key such as run.years, "
            f"firms.chip_share or policies.carbon_tax.usd_per_t_co2{_suggest(head, options)}"
        )


def _check_key(cls: type, key: str, dotted: str) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    if key not in names:
        raise UserError(f"--set {dotted}: unknown key '{key}'{_suggest(key, names)}")


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
