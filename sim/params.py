"""Parameters: the one source of truth.

Every parameter of the model is a field of a frozen dataclass below, with its unit in its name,
and metadata giving its allowed range, its unit, its meaning and its source. Scenario files map
onto these classes one to one (:mod:`sim.scenario`); the docs, the CLI's ``--set`` and the
dashboard's controls are generated from the same metadata. Instances validate themselves at
construction and raise :class:`sim.errors.UserError` (a ``ValueError``) naming the field, the
value and the allowed range. Variants are made with :func:`dataclasses.replace`.

A parameter's source (the ``source`` of :func:`param`, with the abbreviations its meaning
cites) is never empty. It names the works the value rests on, or says what kind of choice it is
(:data:`SOURCE_KINDS`): ``setting`` (the scenario's author describes the world to simulate),
``numerical`` (the integration, not the economics), ``assumption`` (a modelling choice no source
pins; the meaning says why the value) or ``policy lever`` (the analyst sets it; the default is an
illustrative value). A reference beside ``assumption`` gives the form, not the number.

Sources are abbreviated; docs/model.md expands them:
Hoffmann22 (arXiv 2203.15556), Besiroglu24 (arXiv 2404.10102), Kaplan20 (arXiv 2001.08361),
Lu25 (arXiv 2501.02156), Lu26 (arXiv 2603.28507), Lu26b (arXiv 2603.20654, the companion of
Lu26), EpochHW (Epoch AI, ML hardware data), Ho24 (Ho et al. 2024, algorithmic progress in
language models), EpochTC (Epoch AI, frontier training compute and power), EpochOpen24 (Epoch
AI 2024, how far behind open models are), H100 (NVIDIA H100 SXM datasheet; market reports),
NVIDIA10K (NVIDIA annual reports, fiscal 2024-2025), MFU (PaLM, Llama 3, MegaScale reports),
Jouppi23 (Jouppi et al. 2023, TPU v4), SIABCG21 (SIA and BCG 2021, semiconductor supply chain),
Uptime (Uptime Institute PUE survey), EIA (US EIA industrial electricity prices), Shehabi24
(LBNL 2024, US data-centre energy use), Cottier24 (Cottier et al. 2024, cost of frontier
models), a16z (a16z "LLMflation"; Epoch AI price per token), IEA (IEA, Energy and AI 2025),
IPCC (IPCC AR5 life-cycle emission factors), EPA23 (US EPA 2023, social cost of greenhouse
gases), HoErdil23 (Ho, Erdil and Besiroglu 2023, limits of CMOS efficiency), Landauer61
(Landauer 1961, the heat of erasing a bit), Bloom20 (Bloom et al. 2020, ideas getting harder to
find), Jones95 (Jones 1995, R&D-based growth), Villalobos24 (Villalobos et al. 2024, stock of
human text), Kim25 (arXiv 2509.14786), Muennighoff23 (data-constrained scaling), Farboodi19
(Farboodi et al. 2019, big data and firm dynamics), HagiuWright23 (Hagiu and Wright 2023,
data-enabled learning), Zelikman22 (arXiv 2203.14465, STaR), Gulcehre23 (arXiv 2308.08998,
ReST), Shumailov24 (Shumailov et al. 2024, model collapse), Gerstgrasser24 (arXiv 2404.01413),
Klemperer95 (Klemperer 1995, switching costs), Similarweb25 (Similarweb 2025, chatbot traffic),
Menlo25 (Menlo Ventures 2025, LLM market update), Damodaran24 (Damodaran, cost of capital by
industry, 2024), Hayashi82 (Hayashi 1982, marginal and average q), Gordon59 (Gordon 1959,
dividends, earnings and stock prices), Lintner56 (Lintner 1956, dividend policy), Rand24 (Rand
et al. 2024, LBNL "Queued Up", interconnection queues), EUAIAct24
(Regulation (EU) 2024/1689, the AI Act), EO14110 (US Executive Order 14110, 2023).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.errors import UserError, suggest

HOURS_PER_YEAR = 8766.0  # Julian year, so that a year is the same length for every step size
SECONDS_PER_YEAR = HOURS_PER_YEAR * 3600.0
JOULES_PER_MWH = 3.6e9

INF = math.inf

SECTORS = ("firms", "vendors", "suppliers")
"""The three sectors whose agents earn margins, by the name of their scenario section (and of the
``profit_<sector>_usd`` / ``revenue_<sector>_usd`` output columns)."""

LINK_COLUMNS = {
    "site_efficiency": "site (1/PUE, supplier)",
    "chip_flop_per_joule": "chips (FLOP/J, vendor)",
    "algorithmic_efficiency": "algorithms (logical/physical FLOP, firm)",
}
"""The efficiency chain's links as columns of a run's agents table -> what each is and who owns
it (the summary's and the figures' labels). Not :data:`LINKS`, the links a policy shock can hit."""


SOURCE_KINDS = ("setting", "numerical", "assumption", "policy lever")
"""What a parameter's ``source`` may say instead of, or beside, an abbreviation of a work: see
the module docstring and the legend of docs/model.md section 4."""


def param(
    default: Any,
    unit: str,
    doc: str,
    *,
    lo: float = -INF,
    hi: float = INF,
    lo_open: bool = False,
    source: str = "",
    choices: tuple[str, ...] = (),
    key: bool = False,
) -> Any:
    """A dataclass field carrying its unit, allowed range, meaning and source.

    ``source`` lists, comma-separated, the abbreviations of the works the value rests on (defined
    in the module docstring) and the :data:`SOURCE_KINDS` that apply; docs/_generate.py refuses a
    parameter whose source and meaning together cite nothing. ``key=True`` marks the few
    parameters the dashboard shows as controls.
    """
    meta = {
        "unit": unit,
        "doc": doc,
        "lo": lo,
        "hi": hi,
        "lo_open": lo_open,
        "source": source,
        "choices": choices,
        "key": key,
    }
    return field(default=default, metadata=meta)


def _range_text(meta: Mapping[str, Any]) -> str:
    lo, hi = meta["lo"], meta["hi"]
    left = "(" if meta["lo_open"] else "["
    return f"{left}{lo:g}, {hi:g}]"


def plain_scalar(value: Any) -> Any:
    """A numpy scalar (``np.int64``, ``np.float32``, ``np.bool_``) as the Python number it
    holds; any other value unchanged, so values from numpy arrays pass wherever numbers do."""
    if type(value).__module__ == "numpy" and getattr(value, "shape", None) == ():
        return value.item()
    return value


def check_fields(obj: Any, where: str) -> None:
    """Validate every field of a parameter dataclass against its metadata."""
    for f in dataclasses.fields(obj):
        meta = f.metadata
        if not meta:
            continue
        value = getattr(obj, f.name)
        name = f"{where}.{f.name}"
        if meta["choices"]:
            if value not in meta["choices"]:
                choices = meta["choices"]
                hint = suggest(str(value), choices)
                raise UserError(f"{name} = {value!r} is not one of {', '.join(choices)}{hint}")
            continue
        if isinstance(f.default, bool):
            if not isinstance(value, bool):
                raise UserError(f"{name} = {value!r} must be true or false")
            continue
        if isinstance(f.default, str):
            if not isinstance(value, str):
                raise UserError(f"{name} = {value!r} must be a string")
            continue
        if value is None and f.default is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserError(f"{name} = {value!r} must be a number [{meta['unit']}]")
        if isinstance(f.default, int) and not isinstance(value, int):
            raise UserError(f"{name} = {value!r} must be a whole number")
        lo, hi = meta["lo"], meta["hi"]
        bad_lo = value <= lo if meta["lo_open"] else value < lo
        if math.isnan(value) or bad_lo or value > hi:
            raise UserError(
                f"{name} = {value!r} is out of range {_range_text(meta)} [{meta['unit']}]"
            )


class _Validated:
    """Mixin: validate all fields after construction."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if plain_scalar(value) is not value:  # numpy scalars stored as plain numbers
                object.__setattr__(self, f.name, plain_scalar(value))
        check_fields(self, type(self).__name__.removesuffix("Params").lower())


# --------------------------------------------------------------------------------------------
# Run and law
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunParams(_Validated):
    """How long, from when and in what steps the simulation runs."""

    start_year: float = param(
        2024.0,
        "calendar year",
        "Calendar year of step 0 (the baseline starts in 2024, the historical scenario in "
        "2020: docs/model.md section 7).",
        lo=1900,
        hi=2200,
        source="setting",
    )
    years: float = param(
        20.0,
        "yr",
        "Simulated horizon (20 years, the horizon over which docs/model.md section 7 checks "
        "the step length).",
        lo=0.0,
        hi=500.0,
        lo_open=True,
        key=True,
        source="setting",
    )
    steps_per_year: int = param(
        12,
        "1/yr",
        "Steps per year (12 = monthly; docs/model.md section 1.3): halving the monthly step "
        "moves every headline output less than 1% (section 7).",
        lo=1,
        hi=3650,
        source="numerical",
    )
    seed: int = param(
        0, "-", "Root seed of the run's random numbers.", lo=0, hi=2**63 - 1, source="setting"
    )
    target_relative_loss: float = param(
        0.5,
        "-",
        "Target relative excess loss X* = (L* - E)/(L_ref - E) for the summary's "
        "'doublings still needed' (Lu25 relative-loss equation).",
        lo=0.0,
        hi=1.0,
        lo_open=True,
    )

    @property
    def n_steps(self) -> int:
        return max(1, round(self.years * self.steps_per_year))

    @property
    def dt_years(self) -> float:
        return 1.0 / self.steps_per_year


@dataclass(frozen=True)
class LawParams(_Validated):
    """The shared scaling law L(C) = E + K C^-kappa every firm moves along (the analytic core (docs/analytic.md))."""

    preset: str = param(
        "besiroglu",
        "-",
        "Named fit of the loss law: hoffmann (Hoffmann22), besiroglu (Besiroglu24 refit) or "
        "kaplan (Kaplan20 compute law; uses the Hoffmann22 split for model size).",
        choices=("hoffmann", "besiroglu", "kaplan"),
        key=True,
    )
    kappa: float | None = param(
        None,
        "-",
        "Override of the compute exponent kappa (None: the preset's). Lu25 explores 0.05-0.3; "
        "Kaplan20's 0.050 is the smallest fitted.",
        lo=0.001,
        hi=2.0,
        key=True,
    )
    tau0_years: float = param(
        1.0,
        "yr",
        "Years of today's resource rate already in today's model: C0 = E0 P0 tau0 (Lu25).",
        lo=0.0,
        hi=100.0,
        lo_open=True,
    )
    reference_compute_flop: float = param(
        1e24,
        "logical FLOP",
        "Compute of the reference model that defines relative excess loss X = 1 and the "
        "buyers' quality benchmark (about GPT-4-class minus one order, EpochTC).",
        lo=0.0,
        hi=1e40,
        lo_open=True,
    )
    data_tokens: float = param(
        3e14,
        "tokens",
        "Stock of usable unique training tokens at the start (effective stock of quality public "
        "human text, 90% interval 1e14-1e15: Villalobos24); inf: data never binds. Training past "
        "it follows the data-constrained law (Muennighoff23).",
        lo=0.0,
        hi=INF,
        lo_open=True,
        source="Villalobos24",
    )
    data_tokens_doublings_per_year: float = param(
        0.0426,
        "doublings/yr",
        "Growth of the usable token stock (about 3% a year, log2 1.03: Villalobos24 as "
        "summarised by Kim25).",
        lo=-1.0,
        hi=5.0,
        source="Villalobos24",
    )
    user_data_share: float = param(
        0.003,
        "-",
        "Share of the tokens a firm serves that become unique training tokens for its own "
        "models (usage logs, feedback, preference data): a firm's data stock is the public one "
        "plus what its users gave it, so a larger user base trains better data-limited models "
        "(a data feedback loop; Farboodi19, HagiuWright23). 0.003 adds about a public stock "
        "a year at the baseline's 2030s token volumes.",
        lo=0.0,
        hi=1.0,
        source="Farboodi19, HagiuWright23",
    )
    synthetic_cost_factor: float = param(
        10.0,
        "-",
        "Cost of a kept synthetic training token, in tokens the firm's model generates for it "
        "(each costs the model's serving FLOP per token, 2N): filtering that keeps one "
        "candidate in ten (rejection sampling and verifier filtering keep a few to a few tens "
        "of per cent: Zelikman22, Gulcehre23). Firms spend training compute on synthetic data "
        "where that lowers their loss more than training on (docs/model.md, Finite data).",
        lo=1.0,
        hi=1e6,
        source="Zelikman22, Gulcehre23",
    )
    synthetic_ceiling: float = param(
        10.0,
        "-",
        "Most that synthetic data can add to a firm's data stock, in multiples of its human "
        "data (public plus users'); the value of a synthetic token falls as the synthetic "
        "stock nears it. An assumption with no agreed number (model collapse, Shumailov24; "
        "avoided when synthetic data accumulates beside human data, Gerstgrasser24); "
        "inf: no ceiling; 0: no synthetic data.",
        lo=0.0,
        hi=INF,
        source="Shumailov24, Gerstgrasser24",
    )


# --------------------------------------------------------------------------------------------
# The AI-services market, investors
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketParams(_Validated):
    """Buyers of AI services and investors: where money enters the sectors."""

    potential_tasks_per_year: float = param(
        1e11,
        "tasks/yr",
        "Potential tasks buyers could give AI services at the start: the upper envelope of "
        "demand (times tokens_per_task, about 1e15 tokens a year, the 2024 industry token "
        "volume in order of magnitude; company reports). The historical scenario fits its 2020 "
        "value (docs/model.md section 7).",
        lo=0.0,
        hi=1e16,
        lo_open=True,
        source="assumption",
    )
    potential_tasks_doublings_per_year: float = param(
        1.0,
        "doublings/yr",
        "Early growth of the potential tasks (AI-lab revenues roughly tripled a year "
        "2023-2025; company reports).",
        lo=-5.0,
        hi=10.0,
        source="assumption",
    )
    potential_tasks_ceiling_per_year: float = param(
        3e12,
        "tasks/yr",
        "Logistic ceiling of the potential tasks (times value_usd_per_task, a willingness to "
        "pay of a few percent of world GDP).",
        lo=0.0,
        hi=1e17,
        lo_open=True,
        source="assumption",
    )
    value_usd_per_task: float = param(
        1.0,
        "USD/task",
        "What a task done right is worth to its buyer: 1 USD, a scale; potential tasks, tokens "
        "per task and taste noise are stated per task of this worth.",
        lo=0.0,
        hi=1e6,
        lo_open=True,
        source="assumption",
    )
    tokens_per_task: float = param(
        1e4,
        "tokens/task",
        "Tokens a task takes at the start (a chat turn ~1e3, an agentic task 1e5 and more).",
        lo=0.0,
        hi=1e9,
        lo_open=True,
        source="assumption",
    )
    tokens_per_task_doublings_per_year: float = param(
        0.0,
        "doublings/yr",
        "Growth of the tokens a task takes while far below its ceiling (longer contexts, "
        "reasoning and agents: reasoning models spend 10-100x the tokens of a chat answer); "
        "markups are per task, so the price of a token falls as tasks take more of them. The "
        "shipped scenarios set it; the historical scenario fits it (docs/model.md section 7).",
        lo=0.0,
        hi=10.0,
        source="assumption",
    )
    tokens_per_task_ceiling: float = param(
        INF,
        "tokens/task",
        "Most tokens a task comes to take (logistic growth toward it; inf: no ceiling); a "
        "scenario sets it with the growth of tokens per task.",
        lo=0.0,
        hi=INF,
        lo_open=True,
        source="assumption",
    )
    loss_scale_nats_per_token: float = param(
        0.1,
        "nats/token",
        "Task success is exp(-(L - E)/scale): a model 0.095 nats above the floor (1e25 FLOP "
        "on the Besiroglu24 law) succeeds on 39% of tasks (SWE-bench Verified, late 2024).",
        lo=0.0,
        hi=10.0,
        lo_open=True,
        key=True,
    )
    installed_base_elasticity: float = param(
        0.9,
        "-",
        "Elasticity of a firm's choice weight to its installed base, its share of the firms' "
        "recent tasks relative to an average firm's (switching costs and habit; Klemperer 1995). "
        "0: none; below 1 a lead fades at (1 - elasticity)/installed_base_years a year. 0.9 "
        "(a lead lasts about a run) is consistent with ChatGPT keeping most chat users after "
        "rivals caught up (about 80% of chatbot visits in 2025, Similarweb); enterprise API "
        "shares moved faster (Menlo Ventures 2025). An assumption, not an estimate.",
        lo=0.0,
        hi=0.99,
        source="Klemperer95, Similarweb25, Menlo25",
    )
    installed_base_years: float = param(
        2.0,
        "yr",
        "Memory of the installed base: how long buyers take to renew their choice of model "
        "(enterprise shares of LLM APIs moved by 20-25 points in 2023-2025 as leaders changed; "
        "Menlo Ventures 2025).",
        lo=0.0,
        hi=100.0,
        lo_open=True,
        source="Menlo25",
    )
    taste_noise_usd_per_task: float = param(
        0.1,
        "USD/task",
        "Scale of buyers' idiosyncratic tastes (Gumbel): sets markups mu/(1 - share) per task "
        "(API gross margins of 50-75%). The historical scenario fits it (docs/model.md section "
        "7).",
        lo=0.0,
        hi=1e6,
        lo_open=True,
        key=True,
        source="assumption",
    )
    open_model_compute_flop: float = param(
        1e24,
        "logical FLOP",
        "Training compute of the open-weight model buyers can always use, at the start "
        "(Llama-3-class, about a year behind the frontier; EpochOpen24).",
        lo=0.0,
        hi=1e40,
        lo_open=True,
        source="EpochOpen24",
    )
    open_model_doublings_per_year: float = param(
        2.0,
        "doublings/yr",
        "Growth of the open model's compute-equivalent (open models trail the frontier by "
        "about a year, EpochOpen24, so it grows at about the frontier's x4 a year, EpochTC).",
        lo=-5.0,
        hi=20.0,
        source="EpochOpen24, EpochTC",
    )
    open_model_price_usd_per_million_tokens: float = param(
        1.0,
        "USD/Mtoken",
        "Price of the open model at the start (hosted open models in 2024: 0.5-1 USD/Mtoken).",
        lo=0.0,
        hi=1e6,
        source="assumption",
    )
    open_model_price_halving_years: float = param(
        1.0,
        "yr",
        "The open model's price halves this often (serving costs fall; a16z).",
        lo=0.0,
        hi=100.0,
        lo_open=True,
    )
    demand_noise: float = param(
        0.05,
        "-",
        "Standard deviation of the log of a step's shock to the potential tasks (0.05: shocks "
        "of a few per cent a step; 0 switches the channel off).",
        lo=0.0,
        hi=2.0,
        source="assumption",
    )
    investor_funding_usd_per_year: float = param(
        4e10,
        "USD/yr",
        "Capital investors can put into AI firms at the start, an upper bound: firms get it "
        "only where expected returns beat the hurdle (2024 venture and corporate funding of "
        "frontier labs, order of magnitude). The historical scenario fits its 2020 value "
        "(docs/model.md section 7).",
        lo=0.0,
        hi=1e16,
        source="assumption",
    )
    investor_funding_doublings_per_year: float = param(
        0.5,
        "doublings/yr",
        "Growth rate of the capital available (0.5: x1.4 a year, half the early doubling rate "
        "of the potential tasks; docs/model.md 3.3.10).",
        lo=-5.0,
        hi=10.0,
        source="assumption",
    )
    investor_funding_ceiling_usd_per_year: float = param(
        1e12,
        "USD/yr",
        "Logistic ceiling of investor funding (1e12 USD a year, about 1% of world GDP).",
        lo=0.0,
        hi=1e17,
        lo_open=True,
        source="assumption",
    )
    chip_choice_sensitivity: float = param(
        1.5,
        "-",
        "Firms' elasticity to a chip's lifetime FLOP per dollar when choosing vendors; sets a "
        "vendor's markup 1/(sensitivity (1 - share)) (3.3, so a price 4.3 times cost, for a "
        "vendor with 80% of the market; H100s were reported at several times their cost). The "
        "historical scenario fits it (docs/model.md section 7).",
        lo=0.0,
        hi=50.0,
        lo_open=True,
        source="assumption",
    )
    energy_choice_sensitivity: float = param(
        4.0,
        "-",
        "Firms' elasticity to the price per IT MWh when choosing suppliers: above "
        "chip_choice_sensitivity, since electricity differs less between suppliers than chips "
        "between vendors (docs/model.md 3.3.7).",
        lo=0.0,
        hi=100.0,
        source="assumption",
    )
    hurdle_rate_per_year: float = param(
        0.12,
        "1/yr",
        "Return investors require; capital flows to firms whose expected return beats it (cost "
        "of capital of software and semiconductors 9-12%/yr in 2024; Damodaran24).",
        lo=0.0,
        hi=2.0,
        lo_open=True,
        key=True,
        source="Damodaran24",
    )
    funding_adjustment_years: float = param(
        2.0,
        "yr",
        "Years investors take to close the gap between a firm's value and its capital (Tobin's "
        "q with adjustment costs; Hayashi82; 2 years is an assumption).",
        lo=0.0,
        hi=100.0,
        lo_open=True,
        source="Hayashi82, assumption",
    )
    max_growth_per_year: float = param(
        1.0,
        "1/yr",
        "Most revenue growth investors extrapolate when they value a firm (return = yield plus "
        "growth, Gordon59; the cap, 1/yr, is an assumption).",
        lo=0.0,
        hi=10.0,
        source="Gordon59, assumption",
    )
    growth_patience_years: float = param(
        3.0,
        "yr",
        "Investors' credit for growth decays as exp(-years of losses / patience): growth is "
        "credited through a few years of losses (docs/model.md 3.3.10).",
        lo=0.0,
        hi=100.0,
        lo_open=True,
        source="assumption",
    )
    payout_share: float = param(
        0.5,
        "-",
        "Share of profit a firm pays out as dividends (a target share of earnings, Lintner56) "
        "above its cash buffer; one half is an assumption.",
        lo=0.0,
        hi=1.0,
        source="Lintner56, assumption",
    )
    cash_buffer_years: float = param(
        1.0,
        "yr",
        "Cash a firm keeps before paying dividends, in years of its costs (a year of costs: an "
        "assumption; docs/model.md 3.3.10).",
        lo=0.0,
        hi=10.0,
        source="assumption",
    )
    social_cost_usd_per_t_co2: float = param(
        190.0,
        "USD/tCO2",
        "Social cost of carbon, subtracted from total surplus (EPA23: for 2020 emissions, in "
        "2020 dollars, at a 2% discount rate).",
        lo=0.0,
        hi=1e4,
        source="EPA23",
    )
    spillover_closed_per_year: float = param(
        1.0,
        "1/yr",
        "Rate at which followers' algorithms catch up toward the best closed model's (papers, "
        "staff moving, distillation; open models trail by about a year, EpochOpen24).",
        lo=0.0,
        hi=100.0,
        source="EpochOpen24",
    )
    spillover_open_per_year: float = param(
        4.0,
        "1/yr",
        "Rate of catching up toward the best open-weight firm's algorithms (fine-tuning and "
        "distillation within months: 4/yr is a lag of about 3 months).",
        lo=0.0,
        hi=100.0,
        source="assumption",
    )
    growth_memory_years: float = param(
        0.25,
        "yr",
        "Investors judge a lab's revenue growth averaged over about this long (quarterly "
        "reports); growth over a single step would make funding depend on the step length.",
        lo=0.0,
        hi=10.0,
        lo_open=True,
        source="assumption",
    )


# --------------------------------------------------------------------------------------------
# Agents
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FirmParams(_Validated):
    """An AI firm (a lab): its starting position and its strategy."""

    name: str = param("firm", "-", "Label; with count > 1 a number is appended.", source="setting")
    count: int = param(
        1, "-", "How many identical firms this entry stands for.", lo=1, hi=10**6, source="setting"
    )
    region: str = param("us", "-", "Region, for export rules.", source="setting")
    cash_usd: float = param(
        5e9,
        "USD",
        "Cash at the start (order of magnitude of a frontier lab's; the historical scenario "
        "fits each lab's, docs/model.md section 7).",
        lo=0.0,
        hi=1e16,
        source="assumption",
    )
    chips: float = param(
        5e4,
        "chips",
        "Accelerators in the fleet at the start, bought from the first vendor listed (the "
        "incumbent) evenly over the previous chip lifetime (H100-equivalents; company reports).",
        lo=0.0,
        hi=1e12,
    )
    initial_compute_flop: float | None = param(
        None,
        "logical FLOP",
        "Training compute already in the firm's model. None: the papers' C0 = E0 P0 tau0, "
        "tau0 years of the starting fleet at today's efficiency (Lu25).",
        lo=0.0,
        hi=1e45,
        lo_open=True,
    )
    algorithmic_efficiency: float = param(
        0.4,
        "logical FLOP/physical FLOP",
        "Logical FLOP per physical FLOP at the start: model FLOP utilisation times "
        "algorithmic gains since the reference (MFU 0.3-0.55, 0.4 typical; MFU).",
        lo=0.0,
        hi=1e6,
        lo_open=True,
    )
    algorithmic_doublings_per_year: float = param(
        1.2,
        "doublings/yr",
        "Own doubling rate of algorithmic and systems efficiency without R&D (compute for "
        "fixed performance halves every ~8 months, 5-14: Ho24).",
        lo=-5.0,
        hi=20.0,
        key=True,
    )
    rnd_max_extra_doublings_per_year: float = param(
        0.6,
        "doublings/yr",
        "Most R&D can add to the algorithmic doubling rate (diminishing returns; docs/model.md "
        "3.3.4).",
        lo=0.0,
        hi=20.0,
        source="assumption",
    )
    rnd_half_saturation_usd_per_year: float = param(
        2e9,
        "USD/yr",
        "R&D spending that buys half of the maximum extra rate (docs/model.md 3.3.4).",
        lo=0.0,
        hi=1e16,
        lo_open=True,
        source="assumption",
    )
    rnd_horizon_years: float = param(
        5.0,
        "yr",
        "Planning horizon over which the firm values an extra doubling of its algorithms (what "
        "it saves on compute, discounted at the hurdle rate and eroded by spillovers; "
        "docs/model.md 3.3.5).",
        lo=0.0,
        hi=100.0,
        lo_open=True,
        source="assumption",
    )
    breakthrough_mean_size_doublings: float = param(
        0.5,
        "doublings",
        "R&D pays off in Poisson breakthroughs of exponential size with this mean, whose "
        "expected total is the R&D rate (0: deterministic; Ho24: big advances are worth about "
        "a doubling of compute).",
        lo=0.0,
        hi=10.0,
    )
    open_weights: bool = param(
        False,
        "-",
        "Strategy: the firm releases its weights, so followers catch up toward its algorithms "
        "faster (and its lead erodes faster).",
        source="setting",
    )
    spend_rate_per_year: float = param(
        1.0,
        "1/yr",
        "How fast the firm spends its cash: each step it may spend 1 - exp(-rate dt) of it "
        "(1/yr: cash is spent with a time constant of a year; docs/model.md 3.3.5).",
        lo=0.0,
        hi=100.0,
        source="assumption",
    )
    chip_share: float = param(
        0.7,
        "-",
        "Strategy: share of the budget left after energy and R&D that buys chips (the rest "
        "stays in cash); an adaptive firm moves it by the return on compute.",
        lo=0.0,
        hi=1.0,
        key=True,
        source="setting",
    )
    training_share: float = param(
        0.5,
        "-",
        "Strategy: share of the fleet's compute spent on training (the rest serves tokens); "
        "an adaptive firm moves it toward the higher marginal return.",
        lo=0.0,
        hi=1.0,
        key=True,
        source="setting",
    )
    adaptive: bool = param(
        False,
        "-",
        "Strategy is adaptive: at each review the firm imitates a more profitable rival or moves "
        "its shares toward the higher marginal return.",
        source="setting",
    )
    review_every_years: float = param(
        1.0,
        "yr",
        "Time between strategy reviews of an adaptive firm (yearly; docs/model.md 3.3.13).",
        lo=0.0,
        hi=100.0,
        lo_open=True,
        source="assumption",
    )
    imitation_noise: float = param(
        0.05,
        "-",
        "Standard deviation of the perturbation added to an imitated strategy share (small "
        "beside the shares; docs/model.md 3.3.13).",
        lo=0.0,
        hi=1.0,
        source="assumption",
    )
    chip_lifetime_years: float = param(
        4.0,
        "yr",
        "Years a chip cohort runs before it ages out (accounting lives of 4-6 years; "
        "docs/model.md 3.3.3).",
        lo=0.0,
        hi=1e9,
        lo_open=True,
        source="assumption",
    )
    fleet_at_frontier: bool = param(
        False,
        "-",
        "Idealisation of the papers: the whole fleet always has the leading vendor's current "
        "chip efficiency (mean-field reduction).",
        source="setting, Lu25",
    )
    exit_cash_usd: float = param(
        1e6,
        "USD",
        "The firm exits when its cash falls below this and it makes a loss (1e6 USD: next to "
        "nothing for a lab; docs/model.md 3.3.14).",
        lo=0.0,
        source="assumption",
    )
    entry_year: float = param(
        0.0,
        "calendar year",
        "A firm with an entry year after the run's start waits in the pool of potential "
        "entrants and from that year on enters at a rate that rises from none, while the "
        "sector's recent return on capital is at or below investors' hurdle, to one a year at "
        "twice the hurdle (docs/model.md 3.3.14), with its cash and no fleet.",
        lo=0.0,
        hi=1e5,
        source="setting",
    )
    strategy_step: float = param(
        0.3,
        "log-odds",
        "How far an adaptive firm moves a strategy share at a review toward the higher marginal "
        "return (in log-odds; 0.3 moves a share of 0.5 by about 0.07).",
        lo=0.0,
        hi=5.0,
        source="assumption",
    )
    idea_difficulty_per_doubling: float = param(
        0.05,
        "-",
        "Ideas get harder to find: each doubling of algorithmic efficiency above today's "
        "frontier multiplies the rate a given research effort buys by 2^-this (0: never harder). "
        "Effective value at the model's roughly constant research input: Bloom20's 0.2 less the "
        "share offset by AI research growing ~x1.17 a year (docs/model.md).",
        lo=0.0,
        hi=5.0,
        source="Bloom20, Jones95",
    )
    run_length_years: float = param(
        0.25,
        "yr",
        "Length of a training run: the training share of the fleet's compute accumulates into "
        "a run whose result joins the firm's model when the run ends (rounded to whole steps; "
        "0: every step, the papers' continuous training). Frontier runs took about 3 months "
        "in 2023-2024 (EpochTC).",
        lo=0.0,
        hi=100.0,
    )
    run_share: float = param(
        1.0,
        "-",
        "Share of the training compute that goes into the firm's run, the model it sells; the "
        "rest is experiments and smaller models, which train nothing that is sold (Epoch AI "
        "2024: final runs are a minority of labs' R&D compute; Llama 3.1 405B took 16k of "
        "Meta's ~350k H100s). 1: the papers' single model; the historical scenario fits it "
        "(docs/model.md section 7).",
        lo=0.0,
        hi=1.0,
        source="assumption",
    )
    run_length_doublings_per_year: float = param(
        0.0,
        "doublings/yr",
        "Growth of the run length from the start (runs set out later last longer: GPT-3 about "
        "15 days in 2020, Llama 3.1 405B 54 days and Gemini 1.0 Ultra about 100 in 2023-2024; "
        "EpochTC).",
        lo=-5.0,
        hi=5.0,
    )


@dataclass(frozen=True)
class VendorParams(_Validated):
    """A hardware vendor and its current chip design."""

    name: str = param(
        "vendor", "-", "Label; with count > 1 a number is appended.", source="setting"
    )
    count: int = param(
        1,
        "-",
        "How many identical vendors this entry stands for.",
        lo=1,
        hi=10**5,
        source="setting",
    )
    cash_usd: float = param(
        1e10,
        "USD",
        "Cash at the start (order of magnitude; docs/model.md 3.3.8).",
        lo=0.0,
        hi=1e16,
        source="assumption",
    )
    flop_per_second_per_chip: float = param(
        9.89e14,
        "FLOP/s",
        "Dense BF16 peak of the current design (H100 SXM: 989 TFLOP/s; H100).",
        lo=0.0,
        hi=1e30,
        lo_open=True,
    )
    flop_per_joule: float = param(
        1.41e12,
        "FLOP/J",
        "Chip energy efficiency of the current design (H100 SXM: 989 TFLOP/s at 700 W; H100).",
        lo=0.0,
        hi=1e40,
        lo_open=True,
    )
    unit_cost_usd: float = param(
        8000.0,
        "USD/chip",
        "Cost to make one chip of the current design, paid outside the sectors (fabrication; a "
        "~$30k H100, H100, at NVIDIA's ~75% gross margin, NVIDIA10K).",
        lo=0.0,
        hi=1e9,
        lo_open=True,
        source="H100, NVIDIA10K",
    )
    flop_per_joule_doublings_per_year: float = param(
        0.45,
        "doublings/yr",
        "Own doubling rate of FLOP per joule without R&D (x1.3-1.5 a year: EpochHW).",
        lo=-5.0,
        hi=20.0,
        key=True,
    )
    past_flop_per_joule_doublings_per_year: float = param(
        0.45,
        "doublings/yr",
        "Rate at which the vendor's FLOP per joule improved before the start: back-casts the "
        "older cohorts of a starting fleet bought from it, so the starting state does not "
        "depend on the rate chosen for the future (x1.37 a year: EpochHW).",
        lo=-5.0,
        hi=20.0,
    )
    flop_per_second_doublings_per_year: float = param(
        0.37,
        "doublings/yr",
        "Doubling rate of FLOP/s per chip (x1.29 a year: EpochHW).",
        lo=-5.0,
        hi=20.0,
    )
    flop_per_dollar_doublings_per_year: float = param(
        0.4,
        "doublings/yr",
        "Own doubling rate of FLOP/s per dollar of unit cost without R&D (x1.3-1.4 a year: "
        "EpochHW).",
        lo=-5.0,
        hi=20.0,
    )
    rnd_max_extra_doublings_per_year: float = param(
        0.2,
        "doublings/yr",
        "Most R&D can add to each hardware doubling rate (docs/model.md 3.3.4).",
        lo=0.0,
        hi=20.0,
        source="assumption",
    )
    rnd_half_saturation_usd_per_year: float = param(
        1e10,
        "USD/yr",
        "R&D spending that buys half of the maximum extra rate (docs/model.md 3.3.4).",
        lo=0.0,
        hi=1e16,
        lo_open=True,
        source="assumption",
    )
    rnd_share: float = param(
        0.15,
        "-",
        "Share of revenue spent on R&D (NVIDIA: 10-14% in fiscal 2024-2025, NVIDIA10K).",
        lo=0.0,
        hi=1.0,
        source="NVIDIA10K",
    )
    capacity_chips_per_year: float = param(
        2e6,
        "chips/yr",
        "Production capacity (2024 data-centre GPU shipments, a few million; market reports).",
        lo=0.0,
        hi=1e12,
        source="assumption",
    )
    capacity_doublings_per_year: float = param(
        0.5,
        "doublings/yr",
        "Growth of capacity orders before the start: the orders already in the pipeline "
        "add K0 (2^(g L) - 1) over the first lead time (gross: vendors' capacity retires "
        "meanwhile, so what stands grows more slowly); later capacity must be bought.",
        lo=-5.0,
        hi=10.0,
        source="assumption",
    )
    max_markup: float = param(
        6.0,
        "-",
        "Cap on the markup over unit cost (price/cost - 1): 6, a price of 7 times cost, above "
        "the H100's roughly 4 (docs/model.md 3.3.8).",
        lo=0.0,
        hi=1e3,
        source="assumption",
    )
    flop_per_joule_ceiling: float = param(
        1.175e15,
        "FLOP/J",
        "Physical ceiling FLOP per joule approaches: the CMOS limit, 4.7e15 FP4/J, scaled to the "
        "16-bit FLOP counted (x4/16; HoErdil23); far below Landauer's 2.2e19 at 16 bits erased "
        "per FLOP, 300 K (Landauer61). inf: no ceiling.",
        lo=0.0,
        hi=INF,
        lo_open=True,
        source="HoErdil23",
    )
    ceiling_softness_doublings: float = param(
        2.0,
        "doublings",
        "How gently FLOP/J growth slows near the ceiling: the rate is half its far value this "
        "many doublings below it (assumption).",
        lo=1e-3,  # a thousandth of a doubling is a hard wall; 0 or below, or inf, break the run
        hi=1e3,  # a thousand doublings is no ceiling: for none, set flop_per_joule_ceiling = inf
        source="assumption",
    )
    region: str = param(
        "",
        "-",
        "Region the vendor is based in; its own region's firms buy its chips free of an export "
        "control on that region ('' for a vendor outside every restricted region).",
        source="setting",
    )
    capacity_lead_time_years: float = param(
        2.5,
        "yr",
        "Time from ordering fab and packaging capacity to using it (SIABCG21: 2-3 yr for a "
        "fab; CoWoS packaging was expanded within 1-2 yr).",
        lo=0.0,
        hi=50.0,
        source="SIABCG21",
    )
    capacity_capex_usd_per_chip_per_year: float = param(
        1500.0,
        "USD per chip/yr",
        "Cost of one chip a year of new fab and packaging capacity at the start, paid from the "
        "vendor's own cash; it then scales with the design's unit cost (derived in "
        "sim/capacity.py from a USD 20B fab of ~100k wafers a month).",
        lo=0.0,
        hi=1e9,
        source="SIABCG21, assumption",
    )
    capex_down_payment_share: float = param(
        0.2,
        "-",
        "Share of an order's capacity capex paid when it is placed; the rest is paid evenly "
        "over the lead time, and the unpaid part of an order cut in flight is saved. Tool and "
        "construction contracts take a down payment and then pay in stages as the work is done; "
        "1 pays all at order, and a cut then saves nothing (docs/model.md 3.3.8).",
        lo=0.0,
        hi=1.0,
        source="assumption",
    )
    capacity_life_years: float = param(
        5.0,
        "yr",
        "Life over which capacity investment is depreciated and capacity retires (at the rate "
        "1/life from its arrival; fab equipment, ~5 yr).",
        lo=0.0,
        hi=1e3,
        lo_open=True,
        source="assumption",
    )
    invest_above_utilisation: float = param(
        0.8,
        "-",
        "Capacity is ordered when forecast demand passes this share of the capacity built "
        "or ordered that will still stand when the order arrives; orders in flight are cut "
        "back to the same level when demand turns (assumption: foundries plan for ~80% "
        "utilisation).",
        lo=0.0,
        hi=1.0,
        lo_open=True,
        source="assumption",
    )
    capacity_growth_per_order: float = param(
        0.1,
        "-",
        "Margin ordered above the threshold [share of demand] (docs/model.md 3.3.8).",
        lo=0.0,
        hi=10.0,
        source="assumption",
    )
    demand_forecast_doublings_per_year: float = param(
        0.5,
        "doublings/yr",
        "Growth of chip demand the vendor plans for over the lead time at the start "
        "(assumption: the capacity growth of the past years); it then follows the growth of "
        "the demand it sees, averaged over a year.",
        lo=-5.0,
        hi=10.0,
        source="assumption",
    )
    demand_memory_years: float = param(
        0.5,
        "yr",
        "Time over which the vendor averages the demand it plans capacity for (docs/model.md "
        "3.3.8).",
        lo=0.0,
        hi=100.0,
        lo_open=True,
        source="assumption",
    )
    watts_per_chip_ceiling: float = param(
        3000.0,
        "W",
        "Most power one accelerator package can draw and be cooled (assumption: liquid-cooled "
        "packages of 1-2 kW in 2025); FLOP/s per chip is FLOP/J times watts. inf: no ceiling.",
        lo=0.0,
        hi=INF,
        lo_open=True,
        source="assumption",
    )
    scarcity_pass_through: float = param(
        0.5,
        "-",
        "Share (in logs) of excess demand passed into the price; the rest is rationed "
        "(0: list price and queues; 1: the market-clearing price; assumption).",
        lo=0.0,
        hi=1.0,
        source="assumption",
    )
    specialised_efficiency_ratio: float = param(
        1.0,
        "-",
        "R: efficiency (FLOP per dollar and per joule) of the specialised design the vendor "
        "could offer over its general-purpose one on bounded work (serving), which cannot run "
        "value-scalable work (training). At each yearly review it specialises while the "
        "market's value-scalable share S < S_c = 1 - 1/R. 1: general-purpose only (TPU v4 "
        "against A100: 1.2-1.9x, Jouppi23; inference ASIC makers claim 10x).",
        lo=0.0,
        hi=1e3,
        lo_open=True,
        source="Lu26b, Jouppi23",
    )
    specialisation_break_even_share: float = param(
        0.0,
        "-",
        "Share of firms' chip budgets the specialised design must win, x*(S, R), to be worth "
        "its fixed design cost; 0: the companion paper's threshold S < S_c exactly.",
        lo=0.0,
        hi=1.0,
        source="Lu26b",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        # a design starts at or below its physical ceilings (beyond one, the ceiling law would
        # hold it there for ever: a scenario that says so is a mistake, not a world)
        watts = self.flop_per_second_per_chip / self.flop_per_joule
        for what, value, ceiling, unit in (
            ("flop_per_joule", self.flop_per_joule, "flop_per_joule_ceiling", "FLOP/J"),
            ("flop_per_second_per_chip / flop_per_joule", watts, "watts_per_chip_ceiling", "W"),
        ):
            limit = getattr(self, ceiling)
            if value > limit:
                raise UserError(
                    f"vendor.{what} = {value:g} is above its {ceiling} = {limit:g} [{unit}]: "
                    "a design cannot start beyond its physical ceiling (raise the ceiling, inf "
                    "for none, or lower the design)"
                )


@dataclass(frozen=True)
class SupplierParams(_Validated):
    """An energy supplier (power plus data-centre site)."""

    name: str = param(
        "supplier", "-", "Label; with count > 1 a number is appended.", source="setting"
    )
    count: int = param(
        1,
        "-",
        "How many identical suppliers this entry stands for.",
        lo=1,
        hi=10**5,
        source="setting",
    )
    cash_usd: float = param(
        2e9,
        "USD",
        "Cash at the start (order of magnitude; docs/model.md 3.3.6).",
        lo=0.0,
        hi=1e16,
        source="assumption",
    )
    capacity_mw: float = param(
        1500.0,
        "MW",
        "Power capacity available to AI data centres (2024 AI load of a few GW in all; IEA).",
        lo=0.0,
        hi=1e9,
        key=True,
    )
    cost_usd_per_mwh: float = param(
        70.0,
        "USD/MWh",
        "Generation cost, paid outside the sectors (fuel, operations; industrial electricity "
        "~$80/MWh, $50-170 by region: EIA). Positive: firms choose suppliers on log prices.",
        lo=0.0,
        hi=1e5,
        lo_open=True,
    )
    cost_decline_per_year: float = param(
        0.01,
        "1/yr",
        "Fractional decline of generation cost per year (1%: fuel and operations change "
        "slowly; docs/model.md 3.3.6).",
        lo=-1.0,
        hi=0.99,
        source="assumption",
    )
    pue: float = param(
        1.3,
        "-",
        "Power usage effectiveness of the sites (1.1-1.2 hyperscale, ~1.56 average: Uptime).",
        lo=1.0,
        hi=5.0,
    )
    pue_overhead_halving_years: float = param(
        10.0,
        "yr",
        "Years for the overhead PUE - 1 to halve (site-efficiency gains; Uptime trend).",
        lo=0.0,
        hi=INF,
        lo_open=True,
    )
    rnd_share: float = param(
        0.02,
        "-",
        "Share of revenue spent on site R&D (docs/model.md 3.3.4).",
        lo=0.0,
        hi=1.0,
        source="assumption",
    )
    rnd_max_extra_doublings_per_year: float = param(
        0.1,
        "halvings/yr",
        "Most R&D can add to the rate at which the overhead PUE - 1 halves (docs/model.md 3.3.4).",
        lo=0.0,
        hi=20.0,
        source="assumption",
    )
    rnd_half_saturation_usd_per_year: float = param(
        2e8,
        "USD/yr",
        "R&D spending that buys half of the maximum extra rate (docs/model.md 3.3.4).",
        lo=0.0,
        hi=1e16,
        lo_open=True,
        source="assumption",
    )
    carbon_t_per_mwh: float = param(
        0.4,
        "tCO2/MWh",
        "Carbon intensity (gas ~0.45, coal ~0.9, wind/nuclear ~0.01: IPCC).",
        lo=0.0,
        hi=2.0,
    )
    base_markup: float = param(
        0.15,
        "-",
        "Markup over cost when capacity is slack (docs/model.md 3.3.6).",
        lo=0.0,
        hi=10.0,
        source="assumption",
    )
    scarcity_markup: float = param(
        1.0,
        "-",
        "Extra markup at full utilisation (scarcity pricing), rising with utilisation^4 "
        "(docs/model.md 3.3.6).",
        lo=0.0,
        hi=100.0,
        source="assumption",
    )
    invest_above_utilisation: float = param(
        0.8,
        "-",
        "Utilisation of capacity built and ordered above which the supplier orders more (it "
        "orders each step up to the level below; docs/model.md 3.3.6).",
        lo=0.0,
        hi=1.0,
        source="assumption",
    )
    capacity_growth_per_order: float = param(
        0.25,
        "-",
        "Margin of the orders: capacity built and ordered is kept at demand x (1 + margin) / "
        "threshold, ordered each step as demand grows.",
        lo=0.0,
        hi=10.0,
        source="assumption",
    )
    lead_time_years: float = param(
        2.0,
        "yr",
        "Years from ordering capacity to delivering it (2: capacity on sites already "
        "connected; new generation with its grid connection takes longer, sim/capacity.py).",
        lo=0.0,
        hi=50.0,
        source="assumption",
    )
    capex_usd_per_mw: float = param(
        3e6,
        "USD/MW",
        "Cost of new capacity, paid outside (generation, grid connection and site; IEA), "
        "recovered in the price over the asset life.",
        lo=0.0,
        hi=1e10,
    )
    capex_down_payment_share: float = param(
        0.2,
        "-",
        "Share of an order's capex paid when it is placed; the rest is paid evenly over the "
        "lead time, project finance drawn with each payment. Construction contracts take a "
        "down payment and then pay in stages as the work is done; 1 pays all at order "
        "(docs/model.md 3.3.6).",
        lo=0.0,
        hi=1.0,
        source="assumption",
    )
    capex_financed_share: float = param(
        0.7,
        "-",
        "Share of new capacity paid by investors (project finance); the supplier pays the rest "
        "from cash (docs/model.md 3.3.6).",
        lo=0.0,
        hi=1.0,
        source="assumption",
    )
    asset_life_years: float = param(
        20.0,
        "yr",
        "Depreciation life of capacity, and its retirement life: it retires at 1/asset_life_years "
        "with capacity_retires (docs/model.md 3.3.6).",
        lo=0.0,
        hi=200.0,
        lo_open=True,
        source="assumption",
    )
    capacity_retires: bool = param(
        True,
        "-",
        "Capacity retires at the rate 1/asset_life_years from its arrival, as vendors' does, and "
        "the supplier orders for the capacity that will still stand a lead time on (supply "
        "contracts run 10-20 years). Off: power capacity for AI stands for the whole run "
        "(docs/model.md 3.3.6).",
        source="assumption",
    )
    cuts_orders_in_flight: bool = param(
        True,
        "-",
        "When demand turns, the supplier cuts its orders not yet arrived, pro rata, down to the "
        "level it orders up to (most of the capacity that asks for a grid connection is "
        "withdrawn before it is built); it saves what it still owed on them "
        "(capex_down_payment_share). Off: orders are always built (docs/model.md 3.3.6).",
        source="Rand24, assumption",
    )
    region: str = param(
        "us",
        "-",
        "Grid region the supplier builds in; suppliers in one region share its grid limit and "
        "supply curve.",
        source="setting",
    )
    grid_limit_mw: float = param(
        INF,
        "MW",
        "Most power the region's grid can give AI (connection, siting, permits): capacity "
        "built and ordered in the region stays below it. Suppliers in one region state the "
        "same value. US data centres drew ~20 GW in 2023 (Shehabi24); a limit is a scenario "
        "choice. inf: no limit.",
        lo=0.0,
        hi=INF,
        lo_open=True,
        source="setting, Shehabi24",
    )
    supply_curve_steepness: float = param(
        1.0,
        "-",
        "eta of the region's supply curve: new capacity costs capex x (1 - K/K_max)^-eta per "
        "MW, K built or ordered in the region (assumption: doubles at half the limit).",
        lo=1.0,
        hi=10.0,
        source="assumption",
    )


# --------------------------------------------------------------------------------------------
# Policies: each lever is active from `from_year` for `for_years` years
# --------------------------------------------------------------------------------------------


def _schedule_fields() -> tuple[Any, Any]:
    return (
        param(
            2026.0,
            "calendar year",
            "First year the lever applies.",
            lo=1900,
            hi=2500,
            source="policy lever",
        ),
        param(
            INF,
            "yr",
            "Years the lever applies (inf: to the end).",
            lo=0.0,
            hi=INF,
            source="policy lever",
        ),
    )


class _Scheduled(_Validated):
    from_year: float
    for_years: float

    def active(self, year: float) -> bool:
        """Whether the lever applies at calendar time ``year`` [calendar year]."""
        return self.from_year <= year < self.from_year + self.for_years


@dataclass(frozen=True)
class EnergyCapParams(_Scheduled):
    """Cap on the power delivered to AI, summed over suppliers."""

    from_year: float = _schedule_fields()[0]
    for_years: float = _schedule_fields()[1]
    cap_mw: float = param(
        2000.0,
        "MW",
        "Most power AI may draw, all firms together.",
        lo=0.0,
        key=True,
        source="policy lever",
    )
    allocation: str = param(
        "auction",
        "-",
        "How a binding cap is shared: 'auction' sells permits for the capped energy at the "
        "price where firms' demand equals the cap (the rent goes to the government); "
        "'pro_rata' cuts every delivery alike and lets suppliers' scarcity prices take the rent.",
        choices=("auction", "pro_rata"),
        source="policy lever",
    )


@dataclass(frozen=True)
class CarbonTaxParams(_Scheduled):
    """Tax on the carbon emitted to power AI, paid by suppliers and passed into prices."""

    from_year: float = _schedule_fields()[0]
    for_years: float = _schedule_fields()[1]
    usd_per_t_co2: float = param(
        100.0, "USD/tCO2", "Tax rate.", lo=0.0, hi=1e5, key=True, source="policy lever"
    )


@dataclass(frozen=True)
class RndSubsidyParams(_Scheduled):
    """Government pays a share of R&D spending in one sector."""

    from_year: float = _schedule_fields()[0]
    for_years: float = _schedule_fields()[1]
    sector: str = param(
        "firms",
        "-",
        "Sector subsidised.",
        choices=("firms", "vendors", "suppliers"),
        source="policy lever",
    )
    rate: float = param(
        0.3,
        "-",
        "Share of gross R&D spending paid by government.",
        lo=0.0,
        hi=0.95,
        source="policy lever",
    )


@dataclass(frozen=True)
class ExportControlParams(_Scheduled):
    """A region's firms barred from chips above an efficiency threshold, or given a quota."""

    from_year: float = _schedule_fields()[0]
    for_years: float = _schedule_fields()[1]
    region: str = param("cn", "-", "Region whose firms are restricted.", source="policy lever")
    max_flop_per_joule: float = param(
        7e11,
        "FLOP/J",
        "Most efficient chip the region may buy: faster designs are sold downgraded to this "
        "efficiency at the same price (half an H100, like the H20-class parts).",
        lo=0.0,
        hi=1e40,
        lo_open=True,
    )
    quota_chips_per_year: float = param(
        INF,
        "chips/yr",
        "Most chips each restricted firm may buy a year.",
        lo=0.0,
        hi=INF,
        source="policy lever",
    )
    lag_years: float = param(
        INF,
        "yr",
        "inf: a fixed threshold (max_flop_per_joule, a performance-density rule); finite: the "
        "threshold follows the frontier design, the FLOP/J it had this many years earlier at "
        "its current pace, never below max_flop_per_joule.",
        lo=0.0,
        hi=INF,
        source="policy lever",
    )
    leakage_share: float = param(
        0.0,
        "-",
        "Share of restricted firms' chip orders that gets through at full specification and "
        "outside the quota (smuggling, subsidiaries abroad, cloud access).",
        lo=0.0,
        hi=1.0,
        source="policy lever",
    )


@dataclass(frozen=True)
class ComputeThresholdParams(_Scheduled):
    """Training runs above a compute threshold carry a compliance cost and a delay."""

    from_year: float = _schedule_fields()[0]
    for_years: float = _schedule_fields()[1]
    threshold_flop: float = param(
        1e26,
        "physical FLOP",
        "Physical FLOP of a single training run above which the rules apply, counted as the "
        "model counts runs: the chips' peak FLOP/s times the run's time. The legal thresholds "
        "count operations done, about 0.4 of peak at typical utilisation (EUAIAct24: 1e25 "
        "done, about 2.5e25 peak; EO14110: 1e26 done, about 2.5e26 peak). A firm may hold its "
        "run at the threshold instead.",
        lo=0.0,
        source="policy lever, EUAIAct24, EO14110",
    )
    compliance_cost_usd_per_year: float = param(
        5e8,
        "USD/yr",
        "Compliance cost of a firm while its training run is above the threshold "
        "(docs/model.md 3.3.19).",
        lo=0.0,
        source="assumption",
    )
    delay_share: float = param(
        0.2,
        "-",
        "Share of a run's training compute lost to evaluation and delay above the threshold "
        "(docs/model.md 3.3.19).",
        lo=0.0,
        hi=1.0,
        source="assumption",
    )


LINKS = ("site", "chip_flop_per_joule", "chip_flop_per_dollar", "algorithms")


@dataclass(frozen=True)
class EfficiencyShockParams(_Scheduled):
    """A change to one link's doubling rate, for every agent that owns that link."""

    from_year: float = _schedule_fields()[0]
    for_years: float = _schedule_fields()[1]
    link: str = param(
        "chip_flop_per_joule",
        "-",
        "Link of the efficiency chain.",
        choices=LINKS,
        source="policy lever",
    )
    delta_doublings_per_year: float = param(
        -0.3,
        "doublings/yr",
        "Change added to the link's doubling rate; for the site link, to the rate at which "
        "the PUE overhead (PUE - 1) halves, since 1/PUE cannot exceed 1.",
        lo=-20.0,
        hi=20.0,
        source="policy lever",
    )


@dataclass(frozen=True)
class PolicyParams:
    """The policy levers; a lever absent from the scenario is off."""

    energy_cap: EnergyCapParams | None = None
    carbon_tax: CarbonTaxParams | None = None
    rnd_subsidy: tuple[RndSubsidyParams, ...] = ()
    export_control: ExportControlParams | None = None
    compute_threshold: ComputeThresholdParams | None = None
    efficiency_shock: tuple[EfficiencyShockParams, ...] = ()


POLICY_TYPES: dict[str, type] = {
    "energy_cap": EnergyCapParams,
    "carbon_tax": CarbonTaxParams,
    "rnd_subsidy": RndSubsidyParams,
    "export_control": ExportControlParams,
    "compute_threshold": ComputeThresholdParams,
    "efficiency_shock": EfficiencyShockParams,
}
"""Each lever's parameter class; levers that may appear several times are tuples above."""


@dataclass(frozen=True)
class Scenario:
    """A whole simulation set-up: the one object the model, runs and experiments take."""

    name: str = "unnamed"
    description: str = ""
    run: RunParams = field(default_factory=RunParams)
    law: LawParams = field(default_factory=LawParams)
    market: MarketParams = field(default_factory=MarketParams)
    firms: tuple[FirmParams, ...] = (FirmParams(),)
    vendors: tuple[VendorParams, ...] = (VendorParams(),)
    suppliers: tuple[SupplierParams, ...] = (SupplierParams(),)
    policies: PolicyParams = field(default_factory=PolicyParams)

    def __post_init__(self) -> None:
        for group in ("firms", "vendors", "suppliers"):
            entries = getattr(self, group)
            if not entries:
                raise UserError(f"{group}: a scenario needs at least one entry")
            names = [e.name for e in entries]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise UserError(f"{group}: two entries are named '{twice[0]}'; names must differ")
