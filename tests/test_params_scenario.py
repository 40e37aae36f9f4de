"""Parameters and scenario files: every shipped scenario loads, every user mistake gets a
one-line message naming the file, key, value and range, ``base`` inheritance and ``--set``
overrides do what docs/scenarios.md says, and ``to_toml`` round-trips."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from sim.errors import UserError
from sim.params import (
    CarbonTaxParams,
    FirmParams,
    RunParams,
    Scenario,
    SupplierParams,
)
from sim.scenario import (
    load_scenario,
    parse_overrides,
    parse_value,
    resolve_path,
    shipped_names,
    to_dict,
    to_toml,
)

SHIPPED = shipped_names()
POLICY_SCENARIOS = (
    "energy-cap",
    "carbon-tax",
    "rnd-subsidy",
    "export-control",
    "compute-threshold",
    "hardware-slowdown",
    "algorithmic-breakthrough",
)


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def one_line(exc: pytest.ExceptionInfo[UserError]) -> str:
    message = str(exc.value)
    assert "\n" not in message, f"the message should be one line: {message!r}"
    return message


# --------------------------------------------------------------------------------------------
# shipped scenarios
# --------------------------------------------------------------------------------------------


def test_the_documented_scenarios_are_shipped() -> None:
    for name in ("baseline", "mean-field", "turtle", "hare", "historical", *POLICY_SCENARIOS):
        assert name in SHIPPED
    assert sorted(SHIPPED) == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_loads(name: str) -> None:
    scenario = load_scenario(name)
    assert isinstance(scenario, Scenario)
    assert scenario.name == name
    assert scenario.description
    assert scenario.firms and scenario.vendors and scenario.suppliers
    assert scenario.run.n_steps >= 1


def test_the_baseline_matches_its_description() -> None:
    baseline = load_scenario("baseline")
    assert (len(baseline.firms), len(baseline.vendors), len(baseline.suppliers)) == (9, 3, 3)
    pool = [f for f in baseline.firms if f.entry_year > baseline.run.start_year]
    assert [f.count for f in pool] == [2]  # eight labs and a pool of two potential entrants
    assert baseline.run.start_year == 2024.0 and baseline.run.years == 20.0
    assert baseline.run.steps_per_year == 12
    assert baseline.policies == Scenario().policies  # no lever on


# --------------------------------------------------------------------------------------------
# user mistakes: one line naming the problem
# --------------------------------------------------------------------------------------------


def test_user_error_is_a_value_error() -> None:
    assert issubclass(UserError, ValueError)
    with pytest.raises(ValueError, match="unknown scenario"):
        load_scenario("no-such-scenario")


def test_unknown_scenario_name_suggests_the_nearest() -> None:
    with pytest.raises(UserError) as exc:
        load_scenario("baselin")
    message = one_line(exc)
    assert "unknown scenario 'baselin'" in message
    assert "did you mean 'baseline'" in message


def test_unknown_key_suggests_the_nearest(tmp_path: Path) -> None:
    path = write(tmp_path, "[run]\nyeras = 5\n")
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    message = one_line(exc)
    assert str(path) in message
    assert "unknown key 'yeras'" in message and "did you mean 'years'" in message


def test_unknown_key_in_a_list_entry_names_the_entry(tmp_path: Path) -> None:
    path = write(tmp_path, '[[firms]]\nname = "A"\n\n[[firms]]\nchip_shar = 0.5\n')
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    message = one_line(exc)
    assert "firms[1]" in message and "did you mean 'chip_share'" in message


def test_unknown_section_and_policy_suggest_the_nearest(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"unknown section 'rn'.*did you mean 'run'"):
        load_scenario(write(tmp_path, "[rn]\nyears = 5\n"))
    with pytest.raises(UserError, match=r"unknown policy 'carbon_taxx'.*did you mean 'carbon_tax'"):
        load_scenario(write(tmp_path, "[policies.carbon_taxx]\nusd_per_t_co2 = 5\n", "b.toml"))


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[run]\nyears = "five"\n', r"run\.years = 'five' must be a number"),
        ("[run]\nsteps_per_year = 1.5\n", r"run\.steps_per_year = 1\.5 must be a whole number"),
        ("[[firms]]\nadaptive = 1\n", r"firms\[0\]\.adaptive = 1 must be true or false"),
        ("[[firms]]\nregion = 3\n", r"firms\[0\]\.region = 3 must be a string"),
        ("[run]\nyears = true\n", r"run\.years = True must be a number"),
        ("[run]\n[run.years]\nx = 1\n", r"run\.years = .* must be a number"),
    ],
)
def test_wrong_type(tmp_path: Path, table: str, expected: str) -> None:
    with pytest.raises(UserError, match=expected) as exc:
        load_scenario(write(tmp_path, table))
    one_line(exc)


@pytest.mark.parametrize(
    ("table", "field", "value", "allowed"),
    [
        ("[run]\nyears = -1.0\n", "years", "-1.0", "(0, 500]"),
        ("[run]\nyears = 0\n", "years", "0.0", "(0, 500]"),
        ("[[firms]]\nchip_share = 1.5\n", "chip_share", "1.5", "[0, 1]"),
        ("[[suppliers]]\npue = 0.9\n", "pue", "0.9", "[1, 5]"),
        ("[policies.carbon_tax]\nusd_per_t_co2 = -5.0\n", "usd_per_t_co2", "-5.0", "[0, 100000]"),
        ("[run]\nyears = nan\n", "years", "nan", "(0, 500]"),
    ],
)
def test_out_of_range_names_field_value_and_range(
    tmp_path: Path, table: str, field: str, value: str, allowed: str
) -> None:
    path = write(tmp_path, table)
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    message = one_line(exc)
    assert str(path) in message
    assert f"{field} = {value}" in message
    assert f"out of range {allowed}" in message


def test_parameter_classes_validate_themselves() -> None:
    with pytest.raises(UserError, match=r"run\.years = -1 is out of range \(0, 500\] \[yr\]"):
        RunParams(years=-1)
    with pytest.raises(UserError, match=r"firm\.chip_share = 2\.0 is out of range \[0, 1\]"):
        FirmParams(chip_share=2.0)
    with pytest.raises(UserError, match=r"supplier\.pue"):
        SupplierParams(pue=math.nan)
    # variants through dataclasses.replace are validated too
    with pytest.raises(UserError, match="steps_per_year"):
        dataclasses.replace(RunParams(), steps_per_year=0)
    assert dataclasses.replace(RunParams(), years=3.0).n_steps == 36
    with pytest.raises(UserError, match="at least one entry"):
        Scenario(firms=())


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="scenario file not found") as exc:
        load_scenario(tmp_path / "missing.toml")
    one_line(exc)
    with pytest.raises(UserError, match="scenario file not found"):
        load_scenario("no/such/dir/scenario")


def test_toml_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[run\nyears = \n")
    with pytest.raises(UserError, match="not valid TOML") as exc:
        load_scenario(path)
    assert str(path) in one_line(exc)


# --------------------------------------------------------------------------------------------
# base inheritance
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", POLICY_SCENARIOS)
def test_policy_scenarios_inherit_the_baseline(name: str) -> None:
    baseline, policy = load_scenario("baseline"), load_scenario(name)
    assert policy.firms == baseline.firms
    # an export control brings the restricted region's own vendor; nothing else changes
    n = len(baseline.vendors)
    assert policy.vendors[:n] == baseline.vendors
    extra = policy.vendors[n:]
    assert not extra or (name == "export-control" and all(v.region for v in extra))
    assert policy.suppliers == baseline.suppliers
    assert policy.run == baseline.run and policy.market == baseline.market
    assert policy.policies != baseline.policies  # and adds its lever
    assert policy.name == name and policy.description != baseline.description


def test_a_user_file_merges_over_its_base_key_by_key(tmp_path: Path) -> None:
    baseline = load_scenario("baseline")
    path = write(tmp_path, 'base = "baseline"\n\n[run]\nyears = 3\n')
    mine = load_scenario(path)
    assert mine.run == dataclasses.replace(baseline.run, years=3.0)  # the rest of [run] kept
    assert mine.firms == baseline.firms
    assert mine.name == "mine"  # named after the file, not the base


def test_a_list_replaces_the_base_list(tmp_path: Path) -> None:
    path = write(tmp_path, 'base = "baseline"\n\n[[firms]]\nname = "Solo"\n')
    mine = load_scenario(path)
    assert [f.name for f in mine.firms] == ["Solo"]
    assert mine.vendors == load_scenario("baseline").vendors


def test_base_relative_to_the_file_and_loops(tmp_path: Path) -> None:
    write(tmp_path, 'base = "baseline"\n\n[run]\nyears = 4\n', "parent.toml")
    child = load_scenario(write(tmp_path, 'base = "parent.toml"\n\n[run]\nseed = 3\n', "c.toml"))
    assert (child.run.years, child.run.seed) == (4.0, 3)
    with pytest.raises(UserError, match="loops back"):
        load_scenario(write(tmp_path, 'base = "loop.toml"\n', "loop.toml"))


# --------------------------------------------------------------------------------------------
# --set overrides
# --------------------------------------------------------------------------------------------


def test_override_a_section_key() -> None:
    assert load_scenario("baseline", {"run.years": 5}).run.years == 5.0
    assert load_scenario("baseline", {"law.kappa": "0.2"}).law.kappa == 0.2  # from a string


def test_override_every_firm_or_one() -> None:
    every = load_scenario("baseline", {"firms.chip_share": 0.5})
    assert [f.chip_share for f in every.firms] == [0.5] * 9
    one = load_scenario("baseline", {"firms.2.chip_share": 0.33})
    baseline = load_scenario("baseline")
    assert one.firms[2].chip_share == 0.33
    assert one.firms[:2] == baseline.firms[:2] and one.firms[3:] == baseline.firms[3:]


def test_override_switches_a_lever_on_with_its_defaults() -> None:
    scenario = load_scenario("baseline", {"policies.carbon_tax.usd_per_t_co2": 50})
    assert scenario.policies.carbon_tax == CarbonTaxParams(usd_per_t_co2=50.0)
    shock = load_scenario("baseline", {"policies.efficiency_shock.link": "algorithms"})
    assert [s.link for s in shock.policies.efficiency_shock] == ["algorithms"]
    # and changes one key of a lever a scenario already has, keeping the others
    cap = load_scenario("energy-cap", {"policies.energy_cap.cap_mw": 3000}).policies.energy_cap
    assert cap is not None and (cap.cap_mw, cap.from_year) == (3000.0, 2027.0)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"firms.99.chip_share": 0.5}, r"'99' is not an entry of firms \(0 to 8\)"),
        ({"firms.x.chip_share": 0.5}, r"'x' is not an entry of firms"),
        ({"run.yeras": 5}, r"unknown key 'yeras' \(did you mean 'years'\?\)"),
        ({"firms.chip_shar": 0.5}, r"did you mean 'chip_share'"),
        ({"rn.years": 5}, r"not a parameter.*did you mean 'run\.years'"),
        ({"policies.carbon.usd_per_t_co2": 5}, r"unknown policy 'carbon'"),
        ({"run.years": "abc"}, r"run\.years = 'abc' must be a number"),
        ({"run.years": -2}, r"years = -2\.0 is out of range"),
    ],
)
def test_bad_overrides(overrides: dict[str, object], expected: str) -> None:
    with pytest.raises(UserError, match=expected) as exc:
        load_scenario("baseline", overrides)
    one_line(exc)


def test_parse_overrides_and_values() -> None:
    assert parse_overrides(["run.years=5", " firms.region = us "]) == {
        "run.years": 5,
        "firms.region": "us",
    }
    assert parse_value("1e26") == 1e26
    assert parse_value("true") is True
    assert parse_value('"us"') == "us"
    assert parse_value("inf") == math.inf
    with pytest.raises(UserError, match=r"expected section\.key=value"):
        parse_overrides(["run.years"])
    with pytest.raises(UserError, match=r"expected section\.key=value"):
        parse_overrides(["=5"])


# --------------------------------------------------------------------------------------------
# round trip
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_to_toml_round_trips(tmp_path: Path, name: str) -> None:
    original = load_scenario(name)
    path = write(tmp_path, to_toml(original), f"{name}.toml")
    assert load_scenario(path) == original


def test_to_toml_round_trips_overrides_and_levers(tmp_path: Path) -> None:
    original = load_scenario(
        "export-control",
        {
            "firms.0.name": 'Quote "A" \\ lab',
            "law.kappa": 0.2,
            "policies.rnd_subsidy.sector": "vendors",
            "policies.export_control.quota_chips_per_year": 1e4,
        },
    )
    path = write(tmp_path, to_toml(original))
    assert load_scenario(path) == original


def test_to_dict_lists_every_parameter() -> None:
    data = to_dict(load_scenario("carbon-tax"))
    assert set(data["run"]) == {f.name for f in dataclasses.fields(RunParams)}
    assert len(data["firms"]) == 9
    assert set(data["firms"][0]) == {f.name for f in dataclasses.fields(FirmParams)}
    assert set(data["policies"]) == {"carbon_tax"}  # levers that are off are left out


def test_entry_names_must_differ_and_a_folder_is_not_a_scenario(tmp_path: Path) -> None:
    (tmp_path / "twins.toml").write_text(
        'base = "baseline"\n[[vendors]]\nname = "V"\n[[vendors]]\nname = "V"\n'
    )
    with pytest.raises(UserError, match="vendors: two entries are named 'V'"):
        load_scenario(tmp_path / "twins.toml")
    with pytest.raises(UserError, match="is a folder, not a scenario file"):
        load_scenario(tmp_path)


@pytest.mark.parametrize(
    ("dotted", "section", "lever", "index", "field"),
    [
        ("run.years", "run", None, None, "years"),
        ("firms.chip_share", "firms", None, None, "chip_share"),
        ("firms.2.chip_share", "firms", None, 2, "chip_share"),
        ("policies.carbon_tax.usd_per_t_co2", "policies", "carbon_tax", None, "usd_per_t_co2"),
        ("policies.rnd_subsidy.1.rate", "policies", "rnd_subsidy", 1, "rate"),
        ("name", "name", None, None, "name"),
    ],
)
def test_parse_key_names_section_lever_entry_and_field(
    dotted: str, section: str, lever: str | None, index: int | None, field: str
) -> None:
    from sim.scenario import parse_key

    key = parse_key(dotted, "--set")
    assert (key.section, key.lever, key.index, key.field) == (section, lever, index, field)


@pytest.mark.parametrize(
    ("dotted", "message"),
    [
        ("run.yeers", r"--set: unknown key 'yeers' \(did you mean 'years'\?\)"),
        ("firms.x.chip_share", r"'x' is not an entry of firms"),
        ("policies.carbon_taxx.usd_per_t_co2", r"unknown policy 'carbon_taxx'"),
        ("policies.carbon_tax.0.usd_per_t_co2", r"not a parameter"),  # not a repeated lever
        ("years", r"not a parameter"),
    ],
)
def test_parse_key_rejects_what_names_no_parameter(dotted: str, message: str) -> None:
    from sim.scenario import parse_key

    with pytest.raises(UserError, match=message):
        parse_key(dotted, "--set")


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            "[[vendors]]\nflop_per_joule = 1e17\n",
            r"vendors\[0\]: flop_per_joule = 1e\+17 is above its flop_per_joule_ceiling = "
            r"1\.175e\+15 \[FLOP/J\]",
        ),
        (
            "[[vendors]]\nflop_per_second_per_chip = 1e16\nwatts_per_chip_ceiling = 5000\n",
            r"vendors\[0\]: flop_per_second_per_chip / flop_per_joule = 7092\.2 is above its "
            r"watts_per_chip_ceiling = 5000 \[W\]",
        ),
    ],
)
def test_a_chip_design_cannot_start_beyond_its_physical_ceiling(
    tmp_path: Path, table: str, expected: str
) -> None:
    """Beyond a ceiling the ceiling law holds a design where it is for ever (physics'
    headroom is clipped at zero), so a scenario that starts there is refused in one line."""
    with pytest.raises(UserError, match=expected) as exc:
        load_scenario(write(tmp_path, table))
    one_line(exc)
    at_the_ceiling = "[[vendors]]\nflop_per_joule = 1.175e15\nflop_per_joule_ceiling = 1.175e15\n"
    assert load_scenario(write(tmp_path, at_the_ceiling)).vendors[0].flop_per_joule == 1.175e15


def test_a_folder_named_like_a_shipped_scenario_does_not_hide_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`effrace run energy-cap --out energy-cap` leaves a folder energy-cap/; the next
    `effrace run energy-cap` there, and a file beside it with base = "baseline" when a run
    folder baseline/ is there too, read the folder as the scenario: 'is a folder, not a
    scenario file'. A bare shipped name now means the shipped scenario; another folder is
    still refused."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "energy-cap").mkdir()
    (tmp_path / "baseline").mkdir()
    (tmp_path / "mine").mkdir()
    (tmp_path / "my.toml").write_text('base = "baseline"\n[run]\nyears = 3\n')
    assert load_scenario("energy-cap") == load_scenario(resolve_path("energy-cap"))
    assert resolve_path("energy-cap").parent.name == "scenarios"
    mine = load_scenario("my.toml")
    assert mine.run.years == 3.0
    assert mine.firms == load_scenario(resolve_path("baseline")).firms
    with pytest.raises(UserError, match="mine is a folder, not a scenario file"):
        load_scenario("mine")
    with pytest.raises(UserError, match="is a folder, not a scenario file"):
        load_scenario("./energy-cap")
