"""Finite data: the stock of training tokens, synthetic data, and data-constrained scaling.

Called by the market model every step (docs/model.md, "Finite data"): firms' loss is
``L(C_eff)`` with C_eff from :func:`log_effective_compute_flop`, the tabulated (fast) form of
:func:`effective_compute_flop`. Firms may extend their data with synthetic tokens made by
their own models (:func:`synthetic_stock_tokens`), spending the share of training compute
that lowers their loss most (:func:`synthetic_generation_share`).

Pure, vectorised numpy (no Mesa). The loss of a training run with compute C follows the
compute-optimal law L(C) of :mod:`sim.law` while the compute-optimal dataset D_opt(C) fits in
the unique tokens U available; beyond that, tokens must be repeated and repeated tokens are
worth less (Muennighoff et al. 2023), so the loss bends away from L(C) toward a floor set by U.

Data-constrained scaling (Muennighoff et al. 2023, "Scaling Data-Constrained Language Models",
NeurIPS 2023, arXiv 2305.16264, eqs. 5-6 and section 3):

    L(N, D) = E + A / N'**alpha + B / D'**beta            (the Chinchilla form, sim.law)
    D' = U_D + U_D R_D* (1 - exp(-R_D / R_D*)),  R_D = D/U_D - 1 (repetitions past one epoch)
    N' = U_N + U_N R_N* (1 - exp(-R_N / R_N*)),  R_N = N/U_N - 1,  U_N = min(N_u(U_D), N)

with R_D* = 15.4 and R_N* = 5.3 fitted by Muennighoff et al., and N_u(U) the compute-optimal
parameter count for a dataset of U tokens (``G (G U)**(beta/alpha)`` in the notation of
:mod:`sim.law`). Four epochs of a dataset are worth 3.73 unique ones; the value of repeats
decays with a half-life of about R_D* ln 2 = 10.7 epochs. We apply their decay constants to
the project's Chinchilla fits (they refit A, B, E themselves): an assumption, written down.

A compute-optimal run with compute C and unique tokens U chooses N and D = C/(6N) to
minimise that loss (:func:`data_limited_loss`). When D_opt(C) <= U the optimum is the
unconstrained one exactly (the data-constrained loss is never below the Chinchilla loss at
the same N, D and equals it there), so the law is recovered to the last bit. Otherwise the
optimum uses every token at least once (D >= U) and is found by a vectorised grid plus
golden-section search over ln(D/U) (the loss is flat at its minimum, so it is found to
rounding).

:func:`effective_compute_flop` is the logical compute that would reach the same loss on the
unconstrained law, so a firm's cumulative-compute bookkeeping keeps working:
``loss = law.loss(effective_compute_flop(C, U))``. :func:`data_limited_share` is the share of
a run's compute that the data limit makes ineffective, 1 - C_eff/C.

Sources for the stock (:data:`PUBLIC_TEXT_TOKENS_2024`): Villalobos et al. 2024, "Will we run
out of data? Limits of LLM scaling based on human-generated data", ICML 2024, arXiv 2211.04325:
an effective stock of quality public human text of about 3e14 tokens (90% interval 1e14 to
1e15), fully used by 2026-2032 on current trends; its growth is slow (about 3% a year, as
summarised by Kim et al. 2025, arXiv 2509.14786, from Villalobos et al. 2024).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.law import TOKENS_PER_PARAM_FLOP, ChinchillaFit

FloatOrArray = float | NDArray[np.float64]

# Muennighoff et al. 2023 (arXiv 2305.16264), section 3.1 / eq. 5-6: fitted decay constants.
DATA_REPEAT_DECAY = 15.4  # R_D*: repetitions past which repeated tokens are worth 1/e as much
PARAM_EXCESS_DECAY = 5.3  # R_N*: the same for parameters beyond the data's optimal model size

# Villalobos et al. 2024 (arXiv 2211.04325): effective stock of quality public human text.
PUBLIC_TEXT_TOKENS_2024 = 3e14
# About 3% a year (Kim et al. 2025, arXiv 2509.14786, citing Villalobos et al. 2024).
PUBLIC_TEXT_DOUBLINGS_PER_YEAR = math.log2(1.03)

# the grid that brackets the best run before the golden section, a safety margin: the loss
# over ln(D/U) has one minimum in every case tried (tests/test_data_minimiser.py: the
# golden section alone finds the dense grid's minimum)
_GRID_POINTS = 17
_GOLDEN_ITERATIONS = 64  # 0.618**64 ~ 4e-14 of the bracket
_INV_PHI = (math.sqrt(5.0) - 1.0) / 2.0
# Search ln(D/U) up to ln(D_opt/U) plus this: past 40 R_D* repetitions a repeat adds e^-40.
_EXTRA_LOG_EPOCHS = math.log1p(40.0 * DATA_REPEAT_DECAY)


def _f(value: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(value, dtype=np.float64)


def _finish(value: ArrayLike) -> FloatOrArray:
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


# --------------------------------------------------------------------------------------------
# The stock of tokens
# --------------------------------------------------------------------------------------------


def public_text_tokens(
    years: ArrayLike,
    tokens_at_start: ArrayLike = PUBLIC_TEXT_TOKENS_2024,
    doublings_per_year: ArrayLike = PUBLIC_TEXT_DOUBLINGS_PER_YEAR,
) -> FloatOrArray:
    """Usable public human text after ``years`` [tokens]: ``U0 * 2**(g t)``.

    Parameters
    ----------
    years : array_like
        Time since the start [yr].
    tokens_at_start : array_like, default 3e14
        U0 [tokens] (Villalobos et al. 2024).
    doublings_per_year : array_like, default log2(1.03)
        Growth of the stock g [doublings/yr].
    """
    with np.errstate(over="ignore"):
        return _finish(_f(tokens_at_start) * np.exp2(_f(doublings_per_year) * _f(years)))


# --------------------------------------------------------------------------------------------
# Muennighoff et al. 2023
# --------------------------------------------------------------------------------------------


def effective_repeated(
    total: ArrayLike, unique: ArrayLike, decay: ArrayLike = DATA_REPEAT_DECAY
) -> FloatOrArray:
    """Effective count of a repeated resource, ``U + U R* (1 - exp(-R/R*))``, R = total/U - 1.

    Muennighoff et al. 2023, eq. 5 (tokens, R* = R_D* = 15.4) and eq. 6 (parameters,
    R* = R_N* = 5.3). Equals ``total`` when total <= unique (nothing repeated); saturates at
    ``U (1 + R*)``.

    Parameters
    ----------
    total : array_like
        D or N used [tokens or params], >= 0.
    unique : array_like
        U_D or U_N [same unit], > 0.
    decay : array_like, default 15.4
        R* [-], > 0.
    """
    d, u, r_star = _f(total), _f(unique), _f(decay)
    repeats = np.maximum(d / u - 1.0, 0.0)
    repeated = u + u * r_star * -np.expm1(-repeats / r_star)
    return _finish(np.where(d <= u, d, repeated))


def unique_params_for_tokens(unique_tokens: ArrayLike, fit: ChinchillaFit) -> FloatOrArray:
    """Compute-optimal parameter count for a dataset of U tokens, ``N_u = G (G U)**(beta/alpha)``.

    The model size whose compute-optimal dataset is exactly U (Muennighoff et al.'s U_N
    before the min with N) [params].
    """
    g = fit.g_coefficient
    ratio = fit.data_exponent / fit.param_exponent
    return _finish(g * (g * _f(unique_tokens)) ** ratio)


def compute_where_data_binds(unique_tokens: ArrayLike, fit: ChinchillaFit) -> FloatOrArray:
    """Compute whose compute-optimal dataset equals U, ``C_u = 6 (G U)**((alpha+beta)/alpha)``
    [logical FLOP]: below it data does not bind."""
    alpha, beta = fit.param_exponent, fit.data_exponent
    return _finish(
        TOKENS_PER_PARAM_FLOP * (fit.g_coefficient * _f(unique_tokens)) ** ((alpha + beta) / alpha)
    )


def data_constrained_loss(
    params: ArrayLike,
    tokens: ArrayLike,
    unique_tokens: ArrayLike,
    fit: ChinchillaFit,
    data_decay: ArrayLike = DATA_REPEAT_DECAY,
    param_decay: ArrayLike = PARAM_EXCESS_DECAY,
) -> FloatOrArray:
    """Loss of a run with N params on D tokens drawn from U unique ones [nats/token].

    ``E + A N'**-alpha + B D'**-beta`` with N', D' of :func:`effective_repeated` and
    U_N = min(N_u(U), N) (Muennighoff et al. 2023, eq. 5-6 on the Chinchilla form).

    Parameters
    ----------
    params : array_like
        N [params], > 0.
    tokens : array_like
        D [tokens], > 0.
    unique_tokens : array_like
        U [tokens], > 0.
    fit : ChinchillaFit
        E, A, B, alpha, beta (e.g. ``sim.law.CHINCHILLA_FITS["besiroglu"]``).
    data_decay, param_decay : array_like
        R_D* and R_N* [-].
    """
    n, d, u = _f(params), _f(tokens), _f(unique_tokens)
    unique_params = np.minimum(_f(unique_params_for_tokens(u, fit)), n)
    n_eff = _f(effective_repeated(n, unique_params, param_decay))
    d_eff = _f(effective_repeated(d, u, data_decay))
    return _finish(
        fit.loss_floor
        + fit.a_coefficient * n_eff ** (-fit.param_exponent)
        + fit.b_coefficient * d_eff ** (-fit.data_exponent)
    )


def data_limited_loss_floor(
    unique_tokens: ArrayLike,
    fit: ChinchillaFit,
    data_decay: ArrayLike = DATA_REPEAT_DECAY,
    param_decay: ArrayLike = PARAM_EXCESS_DECAY,
) -> FloatOrArray:
    """Lowest loss any compute reaches with U unique tokens [nats/token]:
    ``E + A (N_u (1 + R_N*))**-alpha + B (U (1 + R_D*))**-beta`` (both repeats saturated)."""
    u = _f(unique_tokens)
    n_max = _f(unique_params_for_tokens(u, fit)) * (1.0 + _f(param_decay))
    d_max = u * (1.0 + _f(data_decay))
    return _finish(
        fit.loss_floor
        + fit.a_coefficient * n_max ** (-fit.param_exponent)
        + fit.b_coefficient * d_max ** (-fit.data_exponent)
    )


def _minimise(
    objective: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Vectorised minimiser of ``objective`` over x in [lo, hi] (same shape): a grid of
    ``_GRID_POINTS`` points, then golden-section search between the best point's neighbours.
    ``objective`` takes x with one trailing axis more than ``lo`` and returns values of the
    same shape."""
    frac = np.linspace(0.0, 1.0, _GRID_POINTS)
    grid = lo[..., None] + (hi - lo)[..., None] * frac
    values = objective(grid)
    best = np.argmin(np.where(np.isnan(values), np.inf, values), axis=-1)  # (never a NaN)
    step = (hi - lo) / (_GRID_POINTS - 1)
    a = np.maximum(lo + (best - 1) * step, lo)
    b = np.minimum(lo + (best + 1) * step, hi)

    def at(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return objective(x[..., None])[..., 0]

    # golden section: the interior point kept is one of the next pair, so each iteration
    # evaluates the objective at one new point
    c = b - _INV_PHI * (b - a)
    d = a + _INV_PHI * (b - a)
    f_c, f_d = at(c), at(d)
    for _ in range(_GOLDEN_ITERATIONS):
        left = f_c < f_d  # the minimum lies in [a, d], whose upper point is c; or in [c, b]
        a, b = np.where(left, a, c), np.where(left, d, b)
        new = np.where(left, b - _INV_PHI * (b - a), a + _INV_PHI * (b - a))
        f_new = at(new)
        c, d = np.where(left, new, d), np.where(left, c, new)
        f_c, f_d = np.where(left, f_new, f_d), np.where(left, f_c, f_new)
    return 0.5 * (a + b)


def _optimal_log_epochs(
    compute_flop: NDArray[np.float64],
    unique_tokens: NDArray[np.float64],
    fit: ChinchillaFit,
    data_decay: NDArray[np.float64],
    param_decay: NDArray[np.float64],
) -> NDArray[np.float64]:
    """ln(D*/U) of the loss-minimising run, searched over [0, ln(D_opt/U) + ln(1 + 40 R_D*)]."""
    d_opt = _f(fit.optimal_tokens(compute_flop))
    hi = np.log(np.maximum(d_opt / unique_tokens, 1.0)) + _EXTRA_LOG_EPOCHS

    def loss_at(log_epochs: NDArray[np.float64]) -> NDArray[np.float64]:
        tokens = unique_tokens[..., None] * np.exp(log_epochs)
        params = compute_flop[..., None] / (TOKENS_PER_PARAM_FLOP * tokens)
        return _f(
            data_constrained_loss(
                params,
                tokens,
                unique_tokens[..., None],
                fit,
                data_decay[..., None],
                param_decay[..., None],
            )
        )

    return _minimise(loss_at, np.zeros_like(hi), hi)


def data_limited_run(
    compute_flop: ArrayLike,
    unique_tokens: ArrayLike,
    fit: ChinchillaFit,
    data_decay: ArrayLike = DATA_REPEAT_DECAY,
    param_decay: ArrayLike = PARAM_EXCESS_DECAY,
) -> tuple[FloatOrArray, FloatOrArray, FloatOrArray]:
    """The best run with compute C and U unique tokens: (loss, params, tokens).

    Parameters
    ----------
    compute_flop : array_like
        Training compute C [logical FLOP], > 0.
    unique_tokens : array_like
        U [tokens], > 0 (``inf``: data never binds).
    fit : ChinchillaFit
        The Chinchilla form whose compute-optimal frontier is L(C).
    data_decay, param_decay : array_like
        R_D*, R_N* [-] (Muennighoff et al. 2023: 15.4, 5.3).

    Returns
    -------
    (loss [nats/token], params [params], tokens [tokens]) : floats or ndarrays
        Exactly the compute-optimal (L(C), N_opt, D_opt) where D_opt(C) <= U.
    """
    c, u = np.broadcast_arrays(_f(compute_flop), _f(unique_tokens))
    r_d, r_n = np.broadcast_arrays(_f(data_decay), _f(param_decay), c)[:2]
    r_d, r_n = np.broadcast_to(r_d, c.shape), np.broadcast_to(r_n, c.shape)
    d_opt = _f(fit.optimal_tokens(c))
    binds = d_opt > u
    u_safe = np.where(binds, u, 1.0)
    c_safe = np.where(binds, c, 1.0)
    log_epochs = _optimal_log_epochs(c_safe, u_safe, fit, r_d, r_n)
    tokens = u_safe * np.exp(log_epochs)
    params = c_safe / (TOKENS_PER_PARAM_FLOP * tokens)
    loss = _f(data_constrained_loss(params, tokens, u_safe, fit, r_d, r_n))
    return (
        _finish(np.where(binds, loss, _f(fit.loss(c)))),
        _finish(np.where(binds, params, _f(fit.optimal_params(c)))),
        _finish(np.where(binds, tokens, d_opt)),
    )


def data_limited_loss(
    compute_flop: ArrayLike,
    unique_tokens: ArrayLike,
    fit: ChinchillaFit,
    data_decay: ArrayLike = DATA_REPEAT_DECAY,
    param_decay: ArrayLike = PARAM_EXCESS_DECAY,
) -> FloatOrArray:
    """Loss of the best run with compute C when only U unique tokens exist [nats/token].

    L(C) of the fit exactly while D_opt(C) <= U; above, the minimum over N (D = C/(6N)) of
    :func:`data_constrained_loss`, which bends away from L(C) toward
    :func:`data_limited_loss_floor`. Arguments as in :func:`data_limited_run`.
    """
    return data_limited_run(compute_flop, unique_tokens, fit, data_decay, param_decay)[0]


def effective_compute_flop(
    compute_flop: ArrayLike,
    unique_tokens: ArrayLike,
    fit: ChinchillaFit,
    data_decay: ArrayLike = DATA_REPEAT_DECAY,
    param_decay: ArrayLike = PARAM_EXCESS_DECAY,
) -> FloatOrArray:
    """Logical compute that reaches the data-limited loss on the unconstrained law [FLOP].

    ``C_eff = (K / (L_data(C, U) - E))**(1/kappa)``; exactly C where data does not bind, and
    <= C always, so ``fit.loss(C_eff)`` is the data-limited loss and a firm's relative excess
    loss can still be computed from a compute. Arguments as in :func:`data_limited_run`.
    """
    c = _f(compute_flop)
    loss = _f(data_limited_loss(c, unique_tokens, fit, data_decay, param_decay))
    law = fit.compute_law()
    excess = np.maximum(loss - law.loss_floor, np.finfo(float).tiny)
    log_c = (math.log(law.k_coefficient) - np.log(excess)) / law.kappa
    binds = _f(fit.optimal_tokens(c)) > _f(unique_tokens)
    return _finish(np.where(binds, np.minimum(np.exp(log_c), c), c))


def data_limited_share(
    compute_flop: ArrayLike,
    unique_tokens: ArrayLike,
    fit: ChinchillaFit,
    data_decay: ArrayLike = DATA_REPEAT_DECAY,
    param_decay: ArrayLike = PARAM_EXCESS_DECAY,
) -> FloatOrArray:
    """Share of a run's compute made ineffective by the data limit, ``1 - C_eff/C`` [-].

    0 exactly while data does not bind; rises toward 1 as compute grows past
    :func:`compute_where_data_binds`. Arguments as in :func:`data_limited_run`.
    """
    c = _f(compute_flop)
    return _finish(
        1.0 - _f(effective_compute_flop(c, unique_tokens, fit, data_decay, param_decay)) / c
    )


def synthetic_stock_tokens(
    generated_tokens: ArrayLike, human_tokens: ArrayLike, ceiling_multiple: ArrayLike
) -> FloatOrArray:
    """Unique-token equivalents of ``generated_tokens`` kept synthetic tokens [tokens].

    ``H S* (1 - exp(-G / (H S*)))`` with H the human (public plus users') stock and S* the
    ceiling multiple: the first synthetic tokens are worth one fresh token each, later ones
    less, and all of them together at most S* human stocks (``inf``: no ceiling, worth G).
    The same saturating form as Muennighoff et al.'s repeated data (:func:`effective_repeated`)
    applied to what models can add to the data they learned from: an assumption (model
    collapse, Shumailov et al. 2024, Nature 631; avoided when synthetic data accumulates
    beside human data, Gerstgrasser et al. 2024, arXiv 2404.01413), so S* is a lever.
    """
    g, h, s = _f(generated_tokens), _f(human_tokens), _f(ceiling_multiple)
    kept = s > 0
    limit = h * np.where(kept, s, 1.0)  # finite, or inf where H or S* is (shape of H and S*)
    finite = np.isfinite(limit)
    with np.errstate(invalid="ignore", divide="ignore"):  # signs moved to the smaller shape
        # in place on the one temporary of the full shape (on a grid of shares it is large)
        saturated = np.asarray(g / -np.where(finite, limit, 1.0))
        np.expm1(saturated, out=saturated)
        saturated *= -limit
    generated = g > 0
    worth = saturated if generated.all() else np.where(generated, saturated, 0.0)
    if not finite.all():  # no ceiling: worth G
        worth = np.where(finite, worth, g)
    if not kept.all():  # S* = 0: no synthetic data
        worth = np.where(kept, worth, 0.0)
    return _finish(worth)


#: shares of a step's training compute tried by :func:`synthetic_generation_share`
GENERATION_SHARES = np.linspace(0.0, 1.0, 21)
GENERATION_TIE_NATS = 1e-9
"""Shares whose ln effective compute is within this of the best tie, and the smallest wins
[ln FLOP]: at the data-limited floor several shares give the same C_eff up to round-off, and
the last bits must not decide (1e-9: a part in a billion of effective compute is no reason
to generate)."""


GENERATION_GRID_FIRMS = 2048
"""Most firms on one grid of shares in :func:`synthetic_generation_share`, which does more in
blocks: a 21 x 2,048 grid is 344 kB a temporary, about nine of them alive at once, while the
whole grid of 10,000 firms (1.7 MB a temporary) passed glibc's heap trim threshold, so the top
of the heap went back to the system and was faulted in again every step."""


def synthetic_generation_share(
    trained_flop: ArrayLike,
    step_flop: ArrayLike,
    human_tokens: ArrayLike,
    generated_tokens: ArrayLike,
    flop_per_generated_token: ArrayLike,
    ceiling_multiple: float,
    fit: ChinchillaFit,
    unique_tokens: ArrayLike | None = None,
) -> FloatOrArray:
    """Share of a step's training compute best spent generating synthetic data [-] in [0, 1].

    A firm whose model has had ``trained_flop`` C [logical FLOP] spends ``step_flop`` dC this
    step: a share s generates ``s dC / flop_per_generated_token`` kept tokens, the rest
    trains. It picks, among :data:`GENERATION_SHARES`, the s that maximises the effective
    compute after the step, ``C_eff(C + (1 - s) dC, H + synthetic(G + s dC / f))``
    (:func:`log_effective_compute_flop`, :func:`synthetic_stock_tokens`): the data margin of
    the same loss minimisation that chooses a run's parameters and tokens. 0 where data does
    not bind, and wherever generating does not pay; shares within
    :data:`GENERATION_TIE_NATS` of the best tie, and the smallest wins (training).

    Parameters
    ----------
    trained_flop, step_flop : array_like
        C and dC [logical FLOP], C > 0, dC >= 0.
    human_tokens, generated_tokens : array_like
        H and G [tokens] (H may be ``inf``).
    flop_per_generated_token : array_like
        Cost of one kept synthetic token [logical FLOP/token], > 0.
    ceiling_multiple : float
        S* of :func:`synthetic_stock_tokens` [-].
    fit : ChinchillaFit
        The Chinchilla form.
    unique_tokens : array_like, optional
        The stock before the step, ``H + synthetic_stock_tokens(G, H, S*)`` [tokens], where
        the caller holds it already (computed here otherwise).
    """
    c, dc, h, g, cost = np.broadcast_arrays(
        _f(trained_flop),
        _f(step_flop),
        _f(human_tokens),
        _f(generated_tokens),
        _f(flop_per_generated_token),
    )
    # where data does not bind even when all of dC trains (s = 0), generating cannot pay: it
    # lowers C and raises C_u, so data binds at no s and C + (1 - s) dC is best at s = 0
    if unique_tokens is None:
        unique_tokens = h + _f(synthetic_stock_tokens(g, h, ceiling_multiple))
    binds = np.log(c + dc) > _log_compute_where_data_binds(_f(unique_tokens), fit)
    share = np.zeros(binds.shape)
    if binds.any():  # the grid of shares only for the firms data binds (all: no copies)
        rows = Ellipsis if binds.all() else binds
        firms = [a[rows] for a in (c, dc, h, g, cost)]
        if binds.ndim != 1 or len(firms[0]) <= GENERATION_GRID_FIRMS:
            share[rows] = _best_generation_share(firms, ceiling_multiple, fit)
        else:  # in blocks of firms (each firm's choice is its own: the same numbers)
            share[rows] = np.concatenate(
                [
                    _best_generation_share(
                        [a[start : start + GENERATION_GRID_FIRMS] for a in firms],
                        ceiling_multiple,
                        fit,
                    )
                    for start in range(0, len(firms[0]), GENERATION_GRID_FIRMS)
                ]
            )
    return _finish(share)


def _best_generation_share(
    firms: list[NDArray[np.float64]], ceiling_multiple: float, fit: ChinchillaFit
) -> NDArray[np.float64]:
    """The share of :data:`GENERATION_SHARES` of :func:`synthetic_generation_share` [-] of
    firms that data binds, from their C, dC, H, G and cost (``firms``, arrays of one shape)."""
    c, dc, h, g, cost = firms
    # the shares down a leading axis: each operation then runs along the firms
    s = GENERATION_SHARES.reshape((-1,) + (1,) * c.ndim)
    # (in place where an operation makes a new array of the grid's shape: fewer large
    # temporaries)
    generated = s * (dc / cost)
    generated += g
    stock = _f(synthetic_stock_tokens(generated, h, ceiling_multiple))
    # freed before the next temporaries of the grid's shape: one fewer alive at the peak
    # (at 1,000 firms the peak passed glibc's trim threshold, so the heap's top went back
    # to the system and was faulted in again every step)
    del generated
    stock += h
    log_c = (1.0 - s) * dc
    log_c += c
    log_eff = _f(log_effective_compute_flop(np.log(log_c, out=log_c), stock, fit))
    near_best = log_eff >= log_eff.max(axis=0) - GENERATION_TIE_NATS
    return GENERATION_SHARES[np.argmax(near_best, axis=0)]  # the first, smallest


# --------------------------------------------------------------------------------------------
# The fast path the model uses every step
# --------------------------------------------------------------------------------------------

#: ln(C/C_u) spanned by the table; past it the data-limited loss is flat to rounding
TABLE_LOG_RATIO_MAX = 20.0
TABLE_POINTS = 4001


@functools.lru_cache(maxsize=32)
def effective_compute_table(
    fit: ChinchillaFit,
    data_decay: float = DATA_REPEAT_DECAY,
    param_decay: float = PARAM_EXCESS_DECAY,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``ln(C_eff/C_u)`` against ``ln(C/C_u)`` on [0, 20], for :func:`log_effective_compute_flop`.

    The data-constrained law is scale-free in the stock: with r = C/C_u (C_u of
    :func:`compute_where_data_binds`), the best run's excess loss is ``U**-beta * Phi(r)``
    (N_u(U)**-alpha is proportional to U**-beta too, and N/N_u = r U/D), and
    C_u**-kappa is proportional to U**-beta, so C_eff/C_u depends on r alone. One exact
    :func:`effective_compute_flop` call on 4,001 points (cached per fit and decay constants)
    then serves every step by linear interpolation (tests: within 1e-6 relative of the exact
    C_eff for stocks from 1e10 to 1e18 tokens).

    Returns
    -------
    (log_ratio, log_effective_ratio) : tuple of ndarray
        ln(C/C_u) [-] ascending from 0, and ln(C_eff/C_u) [-] (0 at the first point).
    """
    unique = 1e12
    c_u = float(compute_where_data_binds(unique, fit))
    log_ratio = np.linspace(0.0, TABLE_LOG_RATIO_MAX, TABLE_POINTS)
    compute = c_u * np.exp(log_ratio)
    c_eff = _f(effective_compute_flop(compute, unique, fit, data_decay, param_decay))
    log_eff = np.minimum(np.log(c_eff / c_u), log_ratio)
    log_eff[0] = 0.0
    return log_ratio, np.maximum.accumulate(log_eff)  # C_eff never falls as C grows


def _log_compute_where_data_binds(
    unique_tokens: NDArray[np.float64], fit: ChinchillaFit
) -> NDArray[np.float64]:
    """ln C_u [ln FLOP] of :func:`compute_where_data_binds` for the stock U [tokens], in closed
    form: ``inf`` where U is (data never binds: no ln C exceeds it, and an infinite stock
    needs no mask)."""
    alpha, beta = fit.param_exponent, fit.data_exponent
    # ln C_u = ln(6) + k ln(G U), k = (alpha + beta)/alpha, its constant part taken apart
    k = (alpha + beta) / alpha
    log_c_u = np.log(unique_tokens)
    log_c_u *= k
    log_c_u += math.log(TOKENS_PER_PARAM_FLOP) + k * math.log(fit.g_coefficient)
    return log_c_u


@functools.lru_cache(maxsize=32)
def _effective_compute_rises(
    fit: ChinchillaFit, data_decay: float, param_decay: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The table of :func:`effective_compute_table` and its rise over each interval
    (``np.diff``), cached with it: the lookup then gathers two arrays, not three."""
    _, table = effective_compute_table(fit, data_decay, param_decay)
    return table, np.diff(table)


def _interpolate_even(
    log_ratio: NDArray[np.float64], table: NDArray[np.float64], rises: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``np.interp(log_ratio, grid, table)`` on the table's even grid, clamped at its ends
    (``rises``: ``np.diff(table)``).

    The grid is even, so a point's interval is found by a division, not a search: as fast in
    any order (``np.interp`` searches from the previous point's interval, and the model asks
    for the shares of the synthetic-data grid firm after firm, so 1,000 different firms cost it
    about 6x more) and equal to ``np.interp`` within rounding (tests), except that NaN gives
    the first value (the caller keeps ``ln C`` there, so NaN in gives NaN out).
    """
    per_step = (TABLE_POINTS - 1) / TABLE_LOG_RATIO_MAX
    pos = np.asarray(log_ratio * per_step)  # (an array even for one point: clipped in place)
    np.fmax(pos, 0.0, out=pos)  # (NaN to 0: fmax and fmin drop NaN, which casts badly)
    np.fmin(pos, TABLE_POINTS - 1.0, out=pos)
    i = pos.astype(np.intp)
    np.minimum(i, TABLE_POINTS - 2, out=i)
    pos -= i  # the fraction of the interval
    # (take: cheaper than indexing with i)
    out = rises.take(i)
    out *= pos
    out += table.take(i)
    return out


def effective_compute_elasticity(
    log_compute_flop: ArrayLike,
    unique_tokens: ArrayLike,
    fit: ChinchillaFit,
    data_decay: float = DATA_REPEAT_DECAY,
    param_decay: float = PARAM_EXCESS_DECAY,
) -> FloatOrArray:
    """``d ln C_eff / d ln C`` [-]: the share of a marginal FLOP's proportional effect that
    reaches the loss, the slope of :func:`log_effective_compute_flop`.

    1 where data does not bind (C <= C_u, or U = inf); above, the slope of the scale-free
    table on the interval the point falls in (the derivative of the linear interpolation that
    :func:`log_effective_compute_flop` uses), falling toward 0 as the run nears the
    data-limited floor, and 0 past the table. On the law ``L = E + K C_eff**-kappa``,
    ``dL/dC = -kappa (L - E) / C`` times this.
    """
    log_c = _f(log_compute_flop)
    log_ratio = log_c - _log_compute_where_data_binds(_f(unique_tokens), fit)
    _, rises = _effective_compute_rises(fit, float(data_decay), float(param_decay))
    per_step = (TABLE_POINTS - 1) / TABLE_LOG_RATIO_MAX
    i = np.minimum(np.fmax(log_ratio * per_step, 0.0), TABLE_POINTS - 2).astype(np.intp)
    slope = rises.take(i) * per_step
    past = log_ratio >= TABLE_LOG_RATIO_MAX
    return _finish(np.where(log_ratio > 0.0, np.where(past, 0.0, slope), 1.0))


def log_effective_compute_flop(
    log_compute_flop: ArrayLike,
    unique_tokens: ArrayLike,
    fit: ChinchillaFit,
    data_decay: float = DATA_REPEAT_DECAY,
    param_decay: float = PARAM_EXCESS_DECAY,
) -> FloatOrArray:
    """ln of :func:`effective_compute_flop` from ln C, by the scale-free table [ln FLOP].

    Exactly ``ln C`` where data does not bind (C <= C_u, or U = inf); above, ``ln C_u`` plus
    the interpolated ``ln(C_eff/C_u)``, constant past the table (the data-limited floor).
    Working in logs keeps it finite for any compute.

    Parameters
    ----------
    log_compute_flop : array_like
        ln C [ln logical FLOP].
    unique_tokens : array_like
        U [tokens], > 0 (``inf``: data never binds).
    fit : ChinchillaFit
        The Chinchilla form.
    data_decay, param_decay : float
        R_D*, R_N* [-].
    """
    log_c = _f(log_compute_flop)
    log_c_u = _log_compute_where_data_binds(_f(unique_tokens), fit)
    log_ratio = log_c - log_c_u  # (-inf where U = inf: data does not bind)
    table, rises = _effective_compute_rises(fit, float(data_decay), float(param_decay))
    limited = _interpolate_even(log_ratio, table, rises)
    limited += log_c_u
    return _finish(np.where(log_ratio > 0.0, limited, log_c))
