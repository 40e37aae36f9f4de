"""Physics binds: ceilings on the efficiency links, and the exact integral of a step's gain.

Called by the market model every step (docs/model.md section 3.3.18): vendors advance FLOP/J
and watts per chip on the ceiling law, firms advance algorithmic efficiency on the ideas law,
suppliers' PUE path is the ceiling law, and production integrates the step with
:func:`step_nodes` and :func:`log2_step_mean_gain`. Design notes: docs/design/physics.md.

Pure, vectorised numpy (no Mesa). Every level is carried as log2 of the link's efficiency, so
nothing overflows however long the run (the horizon may be 500 years) and ceilings compare
exactly. Arguments broadcast like numpy arrays; a scalar in gives a ``float`` out.

Two laws of motion, each with a closed-form update for any step length, so that summing
steps of any size gives the same path (to rounding) and a per-step rate held constant within
a step (the model's convention for R&D-dependent rates) is integrated exactly:

1. **Ceiling law** (chips' FLOP per joule; sites' 1/PUE). With x = log2(level), x_max =
   log2(ceiling) and headroom h = x_max - x [doublings]:

       dx/dt = g * (1 - 2**(-h/s)),

   g [doublings/yr] the rate far below the ceiling and s [doublings] the softness: the rate is
   g/2 at s doublings below the ceiling, 3g/4 at 2s, g(1 - 2**-k) at k*s. This is the
   generalised (Richards) logistic: u = 2**(h/s) obeys du/dt = -(g ln2/s)(u - 1), so

       h(t) = (s/ln2) * ln(1 + (2**(h0/s) - 1) * exp(-g ln2 t/s)),

   evaluated as ``(s/ln2) * logaddexp(0, ln(expm1(h0 ln2/s)) - g ln2 t/s)``: h >= 0 for every
   t (never above the ceiling), finite for any h0. s = 1 is the plain logistic in the level.
   An infinite ceiling gives x0 + g t exactly (the papers' exponential links). A rate g <= 0
   moves the level down exponentially, x0 + g t, without any ceiling effect.

   Site efficiency is this law exactly: 1/PUE = 1/(1 + 2**o) with the overhead o = log2(PUE - 1)
   falling at r halvings a year is the ceiling law with x_max = 0 (PUE = 1), s = 1 and g = r
   (then 2**(h/s) - 1 = 2**o). So PUE >= 1 is the same rule as the chips' ceiling.

2. **Ideas law** (algorithmic efficiency: "ideas get harder to find"; Jones 1995; Bloom, Jones,
   Van Reenen and Webb 2020). The semi-endogenous idea production function
   ``dA/dt / A = alpha S**lambda A**(-beta)`` in doublings, x = log2 A, is

       dx/dt = g * 2**(-beta (x - x_ref)),

   g [doublings/yr] the rate the current R&D buys at the reference level x_ref and beta
   [per doubling] the difficulty: each doubling reached multiplies the rate a unit of R&D buys
   by 2**-beta. Then 2**(beta x) grows linearly in time:

       x(t) = x0 + log2(1 + beta ln2 g t 2**(-beta (x0 - x_ref))) / beta,

   exactly x0 + g t at beta = 0 and continuous as beta -> 0. With constant R&D the level grows
   like a power of time; exponential growth needs R&D that itself grows (Jones 1995). A rate
   g <= 0 moves the level down exponentially.

The compute produced in a step is energy x efficiency integrated over the step. With several
links each on its own curve the product has no closed form; :func:`step_nodes` gives
composite Gauss-Legendre nodes and weights on [0, dt] and :func:`step_mean_gain` the mean of
2**(gain(t)) over them, accurate to about 1e-14 (tests compare it with the closed form
:func:`sim.law.growth_integral` for exponential links and with a twice-finer rule for ceiling
links). :func:`sim.production.step_logical_flop_on_nodes` uses it in place of
``growth_integral(g dt)``.

Sources:

- Ho, Erdil and Besiroglu 2023, "Limits to the Energy Efficiency of CMOS Microprocessors",
  IEEE ICRC 2023, arXiv 2312.08595: geometric-mean maximum CMOS efficiency 4.7e15 FP4/J
  (transistor switching, interconnect and leakage, from Landauer's principle upward).
- Landauer 1961, "Irreversibility and heat generation in the computing process", IBM J. Res.
  Dev. 5(3): erasing one bit dissipates at least k T ln 2 (2.87e-21 J at 300 K).
- Jones 1995, "R&D-based models of economic growth", J. Political Economy 103(4).
- Bloom, Jones, Van Reenen and Webb 2020, "Are ideas getting harder to find?", American
  Economic Review 110(4): for Moore's law research effort rose about 6.8% a year while the
  growth rate stayed about 35% a year, so beta = 0.068/0.35 ~ 0.2.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatOrArray = float | NDArray[np.float64]

LN2 = math.log(2.0)
BOLTZMANN_J_PER_K = 1.380649e-23  # exact in the 2019 SI
ROOM_TEMPERATURE_K = 300.0

# Ho, Erdil and Besiroglu 2023 (arXiv 2312.08595), abstract: geometric mean of their estimates of
# the maximum energy efficiency of CMOS, for 4-bit floating point operations.
CMOS_LIMIT_FP4_FLOP_PER_JOULE = 4.7e15
CMOS_LIMIT_OPERAND_BITS = 4.0
# The model counts dense 16-bit FLOP (an H100's 989 TFLOP/s BF16 at 700 W is 1.41e12 FLOP/J).
MODEL_OPERAND_BITS = 16.0

# Bloom et al. 2020, Moore's law case: research effort up ~6.8%/yr at a steady ~35%/yr growth.
MOORE_IDEA_DIFFICULTY_PER_DOUBLING = 0.068 / 0.35

# Gauss-Legendre nodes per panel, and most doublings of gain a panel may span (see step_nodes).
GAUSS_NODES_PER_PANEL = 16
MAX_DOUBLINGS_PER_PANEL = 4.0

_LOG_SPACE_FROM = 50.0
_LN_LN2 = np.log(LN2)  # ln(ln 2), as numpy computes it


def _f(value: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(value, dtype=np.float64)


def _finish(value: ArrayLike) -> FloatOrArray:
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


def _log_expm1(y: NDArray[np.float64]) -> NDArray[np.float64]:
    """ln(exp(y) - 1) for y >= 0 (-inf at 0), finite for any finite y."""
    below = y < _LOG_SPACE_FROM
    every = below.all()
    small = y if every else np.minimum(y, _LOG_SPACE_FROM)
    with np.errstate(divide="ignore"):
        direct = np.log(np.expm1(small))
    if every:
        return direct
    large = np.maximum(y, _LOG_SPACE_FROM)
    return np.where(below, direct, large + np.log1p(-np.exp(-large)))


# --------------------------------------------------------------------------------------------
# Physical bounds on chips' FLOP per joule
# --------------------------------------------------------------------------------------------


def landauer_joules_per_bit(temperature_k: ArrayLike = ROOM_TEMPERATURE_K) -> FloatOrArray:
    """Least energy to erase one bit, ``k T ln 2`` [J] (Landauer 1961); 2.87e-21 J at 300 K.

    Parameters
    ----------
    temperature_k : array_like, default 300
        Temperature of the heat sink T [K], > 0.
    """
    return _finish(BOLTZMANN_J_PER_K * _f(temperature_k) * LN2)


def landauer_flop_per_joule(
    bits_erased_per_flop: ArrayLike = 1.0, temperature_k: ArrayLike = ROOM_TEMPERATURE_K
) -> FloatOrArray:
    """Most irreversible operations per joule: ``1 / (bits erased per FLOP * k T ln 2)``.

    Parameters
    ----------
    bits_erased_per_flop : array_like, default 1
        Bits irreversibly erased per operation [bit/FLOP], > 0. One bit per operation is the
        loosest bound (3.48e20 per J at 300 K); a 16-bit result overwriting its register erases
        at least 16 (2.2e19 FLOP/J); real logic erases far more per FLOP.
    temperature_k : array_like, default 300
        Temperature [K], > 0.

    Returns
    -------
    float or ndarray
        [FLOP/J]. A bound on irreversible computing only (reversible logic evades it).
    """
    return _finish(1.0 / (_f(bits_erased_per_flop) * _f(landauer_joules_per_bit(temperature_k))))


def cmos_ceiling_flop_per_joule(
    operand_bits: ArrayLike = MODEL_OPERAND_BITS,
    fp4_limit_flop_per_joule: ArrayLike = CMOS_LIMIT_FP4_FLOP_PER_JOULE,
    bit_scaling_exponent: ArrayLike = 1.0,
) -> FloatOrArray:
    """CMOS ceiling on FLOP per joule at a given operand width [FLOP/J].

    ``limit_fp4 * (4 / bits)**p``: Ho, Erdil and Besiroglu 2023 (arXiv 2312.08595) give 4.7e15
    FP4/J; an operation on wider operands switches more transistors and moves more bits over
    the interconnect. p = 1 (energy linear in width, our assumption: data movement and adders
    scale linearly) gives 1.18e15 FLOP/J at 16 bits; p = 2 (array multipliers scale with the
    square of the mantissa) gives 2.9e14. Either is far below the Landauer bound.

    Parameters
    ----------
    operand_bits : array_like, default 16
        Operand width of the FLOP counted [bit], > 0 (the model counts dense BF16).
    fp4_limit_flop_per_joule : array_like, default 4.7e15
        The FP4 ceiling [FLOP/J].
    bit_scaling_exponent : array_like, default 1
        p [-], >= 0.
    """
    scale = (CMOS_LIMIT_OPERAND_BITS / _f(operand_bits)) ** _f(bit_scaling_exponent)
    return _finish(_f(fp4_limit_flop_per_joule) * scale)


DEFAULT_CHIP_CEILING_FLOP_PER_JOULE = float(cmos_ceiling_flop_per_joule())
"""Default chips' ceiling [FLOP/J]: the CMOS limit at 16 bits, 1.175e15 (about 830x an H100)."""


# --------------------------------------------------------------------------------------------
# The ceiling law (chips, sites)
# --------------------------------------------------------------------------------------------


def ceiling_rate_factor(
    log2_level: ArrayLike, log2_ceiling: ArrayLike, softness_doublings: ArrayLike
) -> FloatOrArray:
    """Share of the far-from-ceiling rate left at a level, ``1 - 2**(-h/s)`` [-].

    Parameters
    ----------
    log2_level : array_like
        x [log2 of the link's unit].
    log2_ceiling : array_like
        x_max [same], may be ``inf`` (factor 1 exactly).
    softness_doublings : array_like
        s [doublings], > 0.

    Returns
    -------
    float or ndarray
        In [0, 1]: 0 at the ceiling, rising monotonically with the headroom h = x_max - x.
    """
    headroom = np.maximum(_f(log2_ceiling) - _f(log2_level), 0.0)
    factor = -np.expm1(-headroom * LN2 / _f(softness_doublings))
    return _finish(np.where(np.isinf(headroom), 1.0, factor))


def ceiling_doublings_per_year(
    log2_level: ArrayLike,
    log2_ceiling: ArrayLike,
    far_doublings_per_year: ArrayLike,
    softness_doublings: ArrayLike,
) -> FloatOrArray:
    """Instantaneous doubling rate under the ceiling law, ``g * (1 - 2**(-h/s))`` for g > 0.

    Parameters are those of :func:`ceiling_log2_level`; ``log2_level`` is the current x.

    Returns
    -------
    float or ndarray
        dx/dt [doublings/yr]; g itself where g <= 0 (declines feel no ceiling).
    """
    g = _f(far_doublings_per_year)
    factor = _f(ceiling_rate_factor(log2_level, log2_ceiling, softness_doublings))
    return _finish(np.where(g > 0.0, g * factor, g))


def ceiling_log2_level(
    years: ArrayLike,
    log2_start: ArrayLike,
    log2_ceiling: ArrayLike,
    far_doublings_per_year: ArrayLike,
    softness_doublings: ArrayLike,
) -> FloatOrArray:
    """Level after ``years`` under the ceiling law, exact for any interval.

    ``h(t) = (s/ln2) ln(1 + (2**(h0/s) - 1) exp(-g ln2 t/s))`` with h = x_max - x, worked in
    log space (module docstring). Composes exactly: advancing by t1 then t2 equals advancing by
    t1 + t2, so the path does not depend on the step length.

    Parameters
    ----------
    years : array_like
        Interval t [yr]; a negative t runs the law back, to the level t years earlier.
    log2_start : array_like
        x0 [log2 of the link's unit, e.g. log2(FLOP/J)]. A start above the ceiling is taken
        as at the ceiling (validate inputs upstream).
    log2_ceiling : array_like
        x_max [same unit]; ``inf`` gives x0 + g t exactly.
    far_doublings_per_year : array_like
        g [doublings/yr], the rate far below the ceiling (held constant over the interval).
    softness_doublings : array_like
        s [doublings], > 0: the rate is g/2 at s doublings below the ceiling.

    Returns
    -------
    float or ndarray
        x(t) [log2 unit], <= x_max for g > 0 and any t.
    """
    t, x0, x_max = _f(years), _f(log2_start), _f(log2_ceiling)
    g, s = _f(far_doublings_per_year), _f(softness_doublings)
    bounded = np.isfinite(x_max) & (g > 0.0)
    if bounded.all():  # the same sums without the masks (the common case: every link bounded)
        decay = g * LN2 * t / s
        h = s / LN2 * np.logaddexp(0.0, _log_expm1(np.maximum(x_max - x0, 0.0) * LN2 / s) - decay)
        return _finish(x_max - h)  # h involves every argument: already their common shape
    unbounded = x0 + g * t
    x_max_safe = np.where(bounded, x_max, 0.0)
    h0 = np.where(bounded, np.maximum(x_max_safe - np.minimum(x0, x_max_safe), 0.0), 1.0)
    s_safe = np.where(bounded, s, 1.0)
    decay = np.where(bounded, g, 0.0) * LN2 * t / s_safe
    h = s_safe / LN2 * np.logaddexp(0.0, _log_expm1(h0 * LN2 / s_safe) - decay)
    return _finish(np.where(bounded, x_max_safe - h, unbounded))


# --------------------------------------------------------------------------------------------
# The ideas law (algorithms)
# --------------------------------------------------------------------------------------------


def ideas_rate_factor(
    log2_level: ArrayLike, log2_reference: ArrayLike, difficulty_per_doubling: ArrayLike
) -> FloatOrArray:
    """Share of the reference rate a unit of R&D buys at a level, ``2**(-beta (x - x_ref))``.

    Parameters
    ----------
    log2_level : array_like
        x [log2 of the link's unit].
    log2_reference : array_like
        x_ref [same]: the level at which the R&D rate g was measured (e.g. today's frontier).
    difficulty_per_doubling : array_like
        beta [-], >= 0 (0: ideas never get harder, factor 1 exactly).

    Returns
    -------
    float or ndarray
        [-], > 0; below 1 above the reference and falling with every doubling reached.
    """
    beta = _f(difficulty_per_doubling)
    exponent = -beta * (_f(log2_level) - _f(log2_reference))
    with np.errstate(over="ignore"):
        return _finish(np.where(beta == 0.0, 1.0, np.exp2(exponent)))


def ideas_doublings_per_year(
    log2_level: ArrayLike,
    log2_reference: ArrayLike,
    doublings_per_year_at_reference: ArrayLike,
    difficulty_per_doubling: ArrayLike,
) -> FloatOrArray:
    """Instantaneous doubling rate under the ideas law, ``g 2**(-beta (x - x_ref))`` for g > 0.

    Returns
    -------
    float or ndarray
        dx/dt [doublings/yr]; g itself where g <= 0.
    """
    g = _f(doublings_per_year_at_reference)
    factor = _f(ideas_rate_factor(log2_level, log2_reference, difficulty_per_doubling))
    return _finish(np.where(g > 0.0, g * factor, g))


def ideas_log2_level(
    years: ArrayLike,
    log2_start: ArrayLike,
    log2_reference: ArrayLike,
    doublings_per_year_at_reference: ArrayLike,
    difficulty_per_doubling: ArrayLike,
) -> FloatOrArray:
    """Level after ``years`` under the ideas law, exact for any interval: ``x0`` plus
    :func:`ideas_log2_gain` (same parameters).

    Returns
    -------
    float or ndarray
        x(t) [log2 unit].
    """
    x0 = _f(log2_start)
    return _finish(
        x0
        + _f(
            ideas_log2_gain(
                years, x0, log2_reference, doublings_per_year_at_reference, difficulty_per_doubling
            )
        )
    )


def ideas_log2_gain(
    years: ArrayLike,
    log2_start: ArrayLike,
    log2_reference: ArrayLike,
    doublings_per_year_at_reference: ArrayLike,
    difficulty_per_doubling: ArrayLike,
) -> FloatOrArray:
    """Doublings gained over ``years`` under the ideas law, exact for any interval.

    ``x(t) - x0 = ln(1 + beta ln2 g t 2**(-beta (x0 - x_ref))) / (beta ln2)``, evaluated with
    ``logaddexp`` so it is finite however far x0 is from x_ref; ``g t`` exactly at beta = 0
    or g <= 0.

    Parameters
    ----------
    years : array_like
        Interval t [yr], >= 0.
    log2_start : array_like
        x0 [log2 of the link's unit, e.g. log2(logical FLOP per physical FLOP)].
    log2_reference : array_like
        x_ref [same].
    doublings_per_year_at_reference : array_like
        g [doublings/yr] the R&D of this interval buys at x_ref (held constant over it).
    difficulty_per_doubling : array_like
        beta [-], >= 0 (Bloom et al. 2020: ~0.2 for Moore's law).

    Returns
    -------
    float or ndarray
        x(t) - x0 [doublings], on the common shape of the arguments.
    """
    t, x0, xr = _f(years), _f(log2_start), _f(log2_reference)
    g, beta = _f(doublings_per_year_at_reference), _f(difficulty_per_doubling)
    # the common case, every element harder, tested on the arguments before broadcasting
    every_harder = bool((beta > 0.0).all() and (g > 0.0).all() and (t > 0.0).all())
    if every_harder:
        beta_safe, g_safe, t_safe = beta, g, t
    else:
        harder = (beta > 0.0) & (g > 0.0) & (t > 0.0)
        beta_safe = np.where(harder, beta, 1.0)
        g_safe = np.where(harder, g, 1.0)
        t_safe = np.where(harder, t, 1.0)
    log_w = -beta_safe * (x0 - xr) * LN2  # ln of the rate factor at the start
    # (terms without t first: t often runs along an axis of its own)
    log_q = (np.log(beta_safe) + _LN_LN2 + np.log(g_safe) + log_w) + np.log(t_safe)
    small = log_q < 0.0
    every_small = small.all()
    if every_small or small.any():
        # q < 1: gained = g t w ln(1 + q)/q, accurate however small beta is (even subnormal)
        q = np.exp(log_q if every_small else np.minimum(log_q, 0.0))
        positive = q > 0.0
        if positive.all():
            ratio = np.log1p(q) / q
        else:
            ratio = np.where(positive, np.log1p(q) / np.where(positive, q, 1.0), 1.0)  # -> 1
        with np.errstate(over="ignore"):  # w on the shape of its arguments where it can
            w = np.exp(log_w) if every_small else np.exp(np.where(small, log_w, 0.0))
            near_linear = g_safe * w * t_safe * ratio
    if every_small:  # the usual case within a step: no need for the far branch
        gained = near_linear
    else:
        # q >= 1: gained = ln(1 + q)/(beta ln2), finite however large q is
        far = np.logaddexp(0.0, log_q) / (beta_safe * LN2)
        gained = np.where(small, near_linear, far) if small.any() else far
    if every_harder:  # gained involves every argument: already their common shape
        return _finish(gained)
    return _finish(np.where(harder, gained, g * t))


def ideas_rate_from_research(
    research_usd_per_year: ArrayLike,
    reference_research_usd_per_year: ArrayLike,
    doublings_per_year_at_reference: ArrayLike,
    research_elasticity: ArrayLike = 1.0,
) -> FloatOrArray:
    """Rate the research input buys at the reference level, ``g_ref (S/S_ref)**lambda``.

    The S**lambda term of Jones's (1995) idea production function; lambda < 1 is "stepping on
    toes" (duplicated effort), lambda = 1 the baseline of Bloom et al. 2020. Feed the result to
    :func:`ideas_log2_level` as ``doublings_per_year_at_reference``.

    Parameters
    ----------
    research_usd_per_year : array_like
        Research input S [USD/yr], >= 0.
    reference_research_usd_per_year : array_like
        S_ref [USD/yr], > 0: the input at which g_ref was measured.
    doublings_per_year_at_reference : array_like
        g_ref [doublings/yr], >= 0.
    research_elasticity : array_like, default 1
        lambda [-], in (0, 1].

    Returns
    -------
    float or ndarray
        [doublings/yr], >= 0.
    """
    ratio = _f(research_usd_per_year) / _f(reference_research_usd_per_year)
    return _finish(_f(doublings_per_year_at_reference) * ratio ** _f(research_elasticity))


def ideas_steady_doublings_per_year(
    research_doublings_per_year: ArrayLike,
    difficulty_per_doubling: ArrayLike,
    research_elasticity: ArrayLike = 1.0,
) -> FloatOrArray:
    """Long-run doubling rate when research input grows at n doublings a year, ``lambda n/beta``.

    Jones 1995: growth is sustained only by growing research; Bloom et al. 2020 read it the
    other way round (research input grew while growth held steady). With beta = 0.2 and
    lambda = 1, the ~1.2 doublings/yr of algorithmic progress (Ho et al. 2024) needs research
    input growing ~0.24 doublings (x1.18) a year.

    Returns
    -------
    float or ndarray
        [doublings/yr]; ``inf`` at beta = 0 with growing input (no difficulty).
    """
    n, beta = _f(research_doublings_per_year), _f(difficulty_per_doubling)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = _f(research_elasticity) * n / beta
    return _finish(np.where(n == 0.0, 0.0, rate))


# --------------------------------------------------------------------------------------------
# Site efficiency: PUE >= 1 as a ceiling
# --------------------------------------------------------------------------------------------


def site_log2_efficiency(pue: ArrayLike) -> FloatOrArray:
    """log2 of the site link 1/PUE [log2(IT J / grid J)], <= 0 since PUE >= 1."""
    return _finish(-np.log2(_f(pue)))


def pue_after(
    years: ArrayLike, pue_start: ArrayLike, overhead_halvings_per_year: ArrayLike
) -> FloatOrArray:
    """PUE after ``years`` when the overhead PUE - 1 halves r times a year [-].

    Exactly ``1 + (PUE0 - 1) 2**(-r t)`` (the suppliers' rule), computed through the ceiling law
    with ceiling 1/PUE = 1, softness 1 doubling and far rate r, so PUE never falls below 1.
    """
    x = ceiling_log2_level(
        years, site_log2_efficiency(pue_start), 0.0, overhead_halvings_per_year, 1.0
    )
    return _finish(np.exp2(-_f(x)))


# --------------------------------------------------------------------------------------------
# The exact integral of a step's gain
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _gauss_legendre(nodes: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gauss-Legendre nodes and weights on [-1, 1], computed once per node count."""
    x, w = np.polynomial.legendre.leggauss(nodes)
    x.flags.writeable = False
    w.flags.writeable = False
    return x, w


def step_nodes(
    dt_years: float,
    max_abs_doublings: float = 0.0,
    nodes_per_panel: int = GAUSS_NODES_PER_PANEL,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Composite Gauss-Legendre nodes [yr] on [0, dt] and weights [-] that sum to 1.

    Enough panels that none spans more than ``MAX_DOUBLINGS_PER_PANEL`` doublings of the
    largest gain in the batch; with 16 nodes a panel integrates 2**(gain(t)) to about 1e-15
    relative for exponential and ceiling-law links (tests check both).

    Parameters
    ----------
    dt_years : float
        Step length [yr], > 0.
    max_abs_doublings : float, default 0
        Bound on the doublings any link in the batch could make in the step [doublings]:
        the sum over the links of |rate at the start of the step| * dt, each ceiling link's
        term divided by min(1, softness) (a soft ceiling bends the curve within fewer
        doublings; its nearest complex singularity lies pi*s/ln2 rate-doublings away). Sets
        the number of panels.
    nodes_per_panel : int, default 16
        Gauss-Legendre order per panel.

    Returns
    -------
    (years, weights) : tuple of ndarray
        Nodes t_j [yr] in (0, dt), ascending, and weights w_j [-], sum(w) = 1, so that the mean
        of f over the step is ``sum(w * f(t))``.
    """
    panels = max(1, math.ceil(abs(max_abs_doublings) / MAX_DOUBLINGS_PER_PANEL))
    years, weights = _composite_nodes(dt_years, panels, nodes_per_panel)
    return years.copy(), weights.copy()


@functools.lru_cache(maxsize=16)
def _composite_nodes(
    dt_years: float, panels: int, nodes_per_panel: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:func:`step_nodes` for a number of panels, computed once (read-only arrays)."""
    x, w = _gauss_legendre(nodes_per_panel)
    width = dt_years / panels
    starts = np.arange(panels) * width
    years = (starts[:, None] + (x[None, :] + 1.0) * 0.5 * width).ravel()
    weights = np.tile(w * 0.5 / panels, panels)
    years.flags.writeable = False
    weights.flags.writeable = False
    return years, weights


def log2_step_mean_gain(
    log2_gain_at_nodes: ArrayLike, weights: ArrayLike, axis: int = 0
) -> FloatOrArray:
    """log2 of the mean over the step of 2**gain(t), ``log2(sum_j w_j 2**gain(t_j))``.

    Computed as a weighted log-sum-exp, so finite for any finite gains.

    Parameters
    ----------
    log2_gain_at_nodes : array_like
        gain(t_j) = log2(E(t_j)/E(0)) [doublings] at the nodes of :func:`step_nodes`, the nodes
        along ``axis``: the sum over the links used of (x_i(t_j) - x_i(0)).
    weights : array_like
        w_j [-] of :func:`step_nodes`.
    axis : int, default 0
        The node axis.

    Returns
    -------
    float or ndarray
        [doublings]; 0 for a gain that is 0 throughout.
    """
    gain = np.ascontiguousarray(np.moveaxis(_f(log2_gain_at_nodes), axis, -1))  # pairwise sums
    top = gain.max(axis=-1, keepdims=True)
    w = _f(weights)
    # dividing by sum(w) makes a zero gain give exactly 0, however many panels
    mean = (w * np.exp2(gain - top)).sum(axis=-1) / w.sum()
    return _finish(np.log2(mean) + top[..., 0])


def step_mean_gain(
    log2_gain_at_nodes: ArrayLike, weights: ArrayLike, axis: int = 0
) -> FloatOrArray:
    """Mean over the step of E(t)/E(0) [-]: what ``growth_integral(g dt)`` is for links on
    plain exponentials; ``inf`` only beyond float range (use :func:`log2_step_mean_gain`)."""
    with np.errstate(over="ignore"):
        return _finish(np.exp2(_f(log2_step_mean_gain(log2_gain_at_nodes, weights, axis))))


def equivalent_doublings_per_year(
    log2_start: ArrayLike, log2_end: ArrayLike, dt_years: ArrayLike
) -> FloatOrArray:
    """Average doubling rate over a step, ``(x(dt) - x(0)) / dt`` [doublings/yr], for reports."""
    return _finish((_f(log2_end) - _f(log2_start)) / _f(dt_years))
