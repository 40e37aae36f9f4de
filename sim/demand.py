"""Buyers of AI services as pure, vectorised functions: task success, logit choice with outside
options, demand, consumer surplus, Bertrand-Nash prices and capacity-constrained clearing.

The market is one of *tasks*. There are ``M`` potential tasks a year [tasks/yr] (the upper
envelope of demand, which grows over time); a task takes ``T`` tokens [tokens/task]. A buyer who
has a task done by model f gets ``v * success_f`` [USD/task], with ``success_f`` the probability
that the model gets the task right, a bounded function of the model's absolute excess loss
``L_f - E`` [nats/token] (:func:`task_success`). Net of price ``p_f`` [USD/token] the buyer's
utility in dollars per task is ``u_f = v * success_f - T * p_f`` (:func:`task_utility_usd_per_task`),
plus an idiosyncratic taste shock, Gumbel with scale ``mu`` [USD/task]. Each task goes to the
option of highest utility, among the firms, an *open* model (an old, open-weight model served at
its own price, whose quality improves over time) and *not buying* (utility 0). This is the
multinomial logit (McFadden 1974) with money-metric utility, so:

- shares are ``exp(u_f/mu) / (exp(u_open/mu) + 1 + sum_g exp(u_g/mu))`` (:func:`choice_shares`);
- tasks, tokens and spending follow from the shares (:func:`services_demand`); tokens never exceed
  ``M * T`` and a firm's spending never exceeds what its share of tasks is worth to buyers plus
  the taste shocks, so the exogenous envelope is an upper bound, not a spending path;
- consumer surplus is the expected maximum utility (Small and Rosen 1981; Train 2009, section 3.5):
  ``CS = mu * M * ln(exp(u_open/mu) + 1 + sum_f exp(u_f/mu))`` [USD/yr], measured against a world
  where the only option is not buying (:func:`consumer_surplus_usd_per_year`);
- a single-product firm's profit-maximising price per task exceeds its cost per task by
  ``mu / (1 - s_f)`` (:func:`logit_markup_usd_per_token`; Anderson, de Palma and Thisse
  1992), so margins grow with market share and with taste dispersion, and are earned, not
  assumed; :func:`bertrand_nash_prices_usd_per_token` solves all firms' conditions at once.

Quantities per year may be given per step instead, as long as ``M`` and capacities use the same
period: every function here is linear in them. Nothing here imports Mesa.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

# exp() of anything above this overflows a float64; ratios of choice weights are clipped to it
_MAX_EXP = 700.0


# --------------------------------------------------------------------------------------------
# Quality and utility
# --------------------------------------------------------------------------------------------


def task_success(
    excess_loss_nats_per_token: ArrayLike, loss_scale_nats_per_token: ArrayLike
) -> FloatArray:
    """Probability [0-1] that a model with absolute excess loss ``L - E`` [nats/token] does a
    task right: ``exp(-(L - E) / loss_scale)``; 1 at the loss floor, bounded, and smooth, so two
    models 1e-4 nats apart succeed equally to within 1e-4 / loss_scale.

    Derivation: the excess loss is the KL divergence per token from the true distribution p to
    the model's q. A task succeeds if its ``n`` decisive tokens follow the true distribution; the
    model's probability of the successful set S relative to an ideal model's is
    ``E_p[q/p | S] >= exp(E_p[ln(q/p) | S]) ~ exp(-n (L - E))`` (Jensen; the last step takes
    the per-token divergence on S to be the average one), so ``loss_scale = 1 / n``
    [nats/token] is the inverse of the number of decisive tokens in a task: the "every step
    must be right" model of multi-step tasks, whose success falls exponentially with task
    length at a constant per-step hazard (METR's task-length data, Kwa et al. 2025, fit that
    form; Ord 2025).
    Negative excess losses (numerical noise) count as 0.
    """
    x = np.maximum(np.asarray(excess_loss_nats_per_token, dtype=float), 0.0)
    return np.exp(-x / np.asarray(loss_scale_nats_per_token, dtype=float))


def task_utility_usd_per_task(
    excess_loss_nats_per_token: ArrayLike,
    price_usd_per_token: ArrayLike,
    value_usd_per_task: ArrayLike,
    tokens_per_task: ArrayLike,
    loss_scale_nats_per_token: ArrayLike,
) -> FloatArray:
    """A buyer's mean utility of having a task done by a model [USD/task]:
    ``v * success(L - E) - T * p``, the value of the task times the model's chance of success
    (:func:`task_success`) minus what the task's tokens cost. Not buying has utility 0.

    ``value_usd_per_task`` v [USD/task], ``tokens_per_task`` T [tokens/task],
    ``price_usd_per_token`` p [USD/token]. Money-metric (quasi-linear) utility, so a dollar of
    price is a dollar of surplus, and consumer surplus is in dollars.
    """
    success = task_success(excess_loss_nats_per_token, loss_scale_nats_per_token)
    return np.asarray(value_usd_per_task) * success - np.asarray(tokens_per_task) * np.asarray(
        price_usd_per_token, dtype=float
    )


def installed_base_usd_per_task(
    base_share: ArrayLike, noise_usd_per_task: ArrayLike, elasticity: ArrayLike
) -> FloatArray:
    """What a firm's installed base adds to buyers' mean utility of its model [USD/task]:
    ``lambda mu ln(max(b / b_avg, b_min))``, with ``b`` its share of the firms' recent tasks
    (:func:`installed_base_share_after`), ``b_avg`` the average base of the firms that have
    users (so an average firm gets 0; with one firm, or equal bases, nothing changes; an
    entrant or an exit does not move the others), ``mu`` the taste-shock scale and
    ``lambda`` [-] the elasticity of a firm's choice weight ``exp(u/mu)`` to its base.

    Switching costs and habit (Klemperer 1995; Farrell and Klemperer 2007): prompts, tools and
    fine-tunes built around one model, and buyers who stay with what they know, make a model
    worth more to buyers the more of them already use it. With ``lambda < 1`` the symmetric
    market is stable but remembers: differences in shares decay at ``(1 - lambda)`` times the
    base's renewal rate, so an early lead lasts. A firm with no base (an entrant) counts as
    ``b_min = 0.1`` of an average one. It moves choices but is not a gain to buyers: see
    :func:`experienced_surplus_usd`."""
    b = np.asarray(base_share, dtype=float)
    users = b > 0
    total, count = float(b[users].sum()), int(np.count_nonzero(users))
    relative = np.where(users, b * count / total, 0.0) if total > 0 else np.ones_like(b)
    relative = np.maximum(relative, _MIN_RELATIVE_BASE)
    return np.asarray(elasticity) * np.asarray(noise_usd_per_task) * np.log(relative)


def installed_base_share_after(
    base_share: ArrayLike, firm_share: ArrayLike, dt: float, memory_years: float
) -> FloatArray:
    """Each firm's installed base after a step [share of the firms' tasks, 0-1]: the base
    moves toward the step's share of the tasks bought from firms ``s_f / sum s`` with memory
    ``memory_years`` (exact exponential weights over the step; 0: the base becomes the step's
    share); unchanged if firms sold nothing. Before any firm has users (all bases 0, as at
    the start) the base is the step's share: the first buyers are the firms' users."""
    b = np.asarray(base_share, dtype=float)
    s = np.asarray(firm_share, dtype=float)
    total = float(s.sum())
    if not total > 0:
        return b
    if not (b > 0).any():
        return s / total
    renewed = -math.expm1(-dt / memory_years) if memory_years > 0 else 1.0
    return b + (s / total - b) * renewed


_MIN_RELATIVE_BASE = 0.1  # an entrant counts as a tenth of an average firm's base

# --------------------------------------------------------------------------------------------
# Choice, demand, surplus
# --------------------------------------------------------------------------------------------


class Shares(NamedTuple):
    """Choice shares of a task market [0-1]; firm + open + none sum to 1 (along the firm axis)."""

    firm: FloatArray  # each firm's share of potential tasks
    open: FloatArray  # the open model's share
    none: FloatArray  # the share of tasks not bought at all (no AI)


def _partition(z: FloatArray, z_open: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    """(top, total) with ``top + ln(total) = ln(exp(z_open) + 1 + sum_f exp(z_f))`` over the
    last axis and 1 <= total <= n + 2, stable for any magnitude; the 1 is not buying. Options at
    -inf count 0. Shares are ``exp(z - top) / total``, accurate to rounding even when z is
    huge (``exp(z - top - ln total)`` would lose the digits of ``top``)."""
    top = np.maximum(np.max(z, axis=-1, initial=-np.inf), np.maximum(z_open, 0.0))
    total = np.sum(np.exp(z - top[..., None]), axis=-1) + np.exp(z_open - top) + np.exp(-top)
    return top, total


def _nan_max(a: float, b: float) -> float:
    """``np.maximum`` of two Python floats (NaN if either is NaN), without a numpy call."""
    return a if a >= b or a != a else b


def _partition_1d(z: FloatArray, z_open: float) -> tuple[float, float, FloatArray]:
    """:func:`_partition` of one market (1-D ``z``, float ``z_open``), the same numbers to the
    last bit with a third of the numpy calls (this runs a few times a step on a handful of
    firms, where each call's overhead is the cost), plus the weights ``exp(z - top)``."""
    top = _nan_max(float(z.max(initial=-np.inf)), _nan_max(z_open, 0.0))
    weights = np.exp(z - top)
    total = float(weights.sum()) + float(np.exp(z_open - top)) + float(np.exp(-top))
    return top, total, weights


def _log_partition(z: FloatArray, z_open: FloatArray | float) -> FloatArray:
    """ln(exp(z_open) + 1 + sum_f exp(z_f)) over the last axis (see :func:`_partition`)."""
    if z.ndim == 1 and np.ndim(z_open) == 0:
        top_1d, total_1d, _ = _partition_1d(z, float(z_open))
        return top_1d + np.log(total_1d)
    top, total = _partition(z, z_open)
    return top + np.log(total)


def _log_partition_without_each(z: FloatArray, z_open: FloatArray) -> FloatArray:
    """For each firm f (1-D ``z``): ln of every option's weight but f's, ``ln(exp(z_open) + 1 +
    sum_{g != f} exp(z_g))``, without the cancellation of subtracting f's weight from the total
    when f dominates: the top firm's is summed directly, and for the others subtracting costs
    at most a factor 2 in relative precision (the top firm's weight remains)."""
    if z.size == 0:
        return z.copy()
    top_firm = int(np.argmax(z))
    rest = np.delete(z, top_firm)
    top, total = _partition(z, z_open)
    weights = np.exp(z - top)
    with np.errstate(divide="ignore"):  # a lone firm's "others" may weigh 0: -inf, replaced
        log_others = np.log(np.maximum(total - weights, 0.0)) + top
    log_others[top_firm] = _log_partition(rest, z_open)
    return log_others


def _scaled(
    utility_usd_per_task: ArrayLike, open_utility_usd_per_task: ArrayLike, noise: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    mu = np.asarray(noise, dtype=float)
    z = np.asarray(utility_usd_per_task, dtype=float) / mu[..., None]
    z_open = np.asarray(open_utility_usd_per_task, dtype=float) / mu
    return z, z_open


def choice_shares(
    utility_usd_per_task: ArrayLike,
    noise_usd_per_task: ArrayLike,
    open_utility_usd_per_task: ArrayLike = -np.inf,
) -> Shares:
    """Logit shares [0-1] of the firms (last axis), the open model and not buying, for buyers
    with mean utilities ``utility_usd_per_task`` [USD/task] (-inf: a firm that offers nothing),
    the open model's ``open_utility_usd_per_task`` [USD/task] (-inf: no open model) and taste
    shocks Gumbel with scale ``noise_usd_per_task`` mu [USD/task] (McFadden 1974).

    Stable for any magnitude (log-sum-exp): a firm whose utility exceeds every other option's by
    more than ~745 mu gets exactly 1 and not buying exactly 0.
    """
    return _scaled_shares(
        *_scaled(utility_usd_per_task, open_utility_usd_per_task, noise_usd_per_task)
    )


def _scaled_shares(z: FloatArray, z_open: FloatArray) -> Shares:
    """:func:`choice_shares` of utilities already over the noise, ``z = u / mu``."""
    if z.ndim == 1 and z_open.ndim == 0:  # one market: the same numbers, fewer numpy calls
        return _shares_1d(float(z_open), *_partition_1d(z, float(z_open)))
    top, total = _partition(z, z_open)
    return Shares(
        firm=np.exp(z - top[..., None]) / total[..., None],
        open=np.exp(z_open - top) / total,
        none=np.exp(-top) / total,
    )


def _shares_1d(z_open: float, top: float, total: float, weights: FloatArray) -> Shares:
    """:func:`_scaled_shares` of one market from its :func:`_partition_1d` (top, total,
    weights)."""
    return Shares(
        firm=weights / total, open=np.exp(z_open - top) / total, none=np.exp(-top) / total
    )


class Demand(NamedTuple):
    """What buyers take from each firm, per year (or per step, if ``M`` was per step)."""

    tasks: FloatArray  # [tasks/yr]
    tokens: FloatArray  # [tokens/yr]
    spending_usd: FloatArray  # [USD/yr]


def services_demand(
    firm_share: ArrayLike,
    price_usd_per_token: ArrayLike,
    potential_tasks_per_year: ArrayLike,
    tokens_per_task: ArrayLike,
) -> Demand:
    """Tasks, tokens and spending each firm sells given its share of potential tasks
    ``firm_share`` [0-1]: tasks = s M [tasks/yr], tokens = s M T [tokens/yr],
    spending = tokens x p [USD/yr]. Firms offering nothing (price NaN, share 0) sell 0."""
    s = np.asarray(firm_share, dtype=float)
    tasks = s * np.asarray(potential_tasks_per_year, dtype=float)[..., None]
    tokens = tasks * np.asarray(tokens_per_task, dtype=float)[..., None]
    price = np.asarray(price_usd_per_token, dtype=float)
    spending = np.where(tokens > 0, tokens * np.where(np.isfinite(price), price, 0.0), 0.0)
    return Demand(tasks=tasks, tokens=tokens, spending_usd=spending)


def consumer_surplus_usd_per_year(
    utility_usd_per_task: ArrayLike,
    noise_usd_per_task: ArrayLike,
    potential_tasks_per_year: ArrayLike,
    open_utility_usd_per_task: ArrayLike = -np.inf,
) -> FloatArray:
    """Buyers' surplus [USD/yr] against a world with no AI at all (only not buying):
    ``mu * M * ln(exp(u_open/mu) + 1 + sum_f exp(u_f/mu))``, the expected maximum of the
    Gumbel-perturbed utilities (Small and Rosen 1981; Train 2009, section 3.5).

    Never negative (adding options never hurts a buyer), rises with every firm's quality and
    falls with every price. The surplus due to the frontier firms alone is this minus the same
    with all firms at -inf (only the open model and not buying).
    """
    z, z_open = _scaled(utility_usd_per_task, open_utility_usd_per_task, noise_usd_per_task)
    mu = np.asarray(noise_usd_per_task, dtype=float)
    return mu * np.asarray(potential_tasks_per_year, dtype=float) * _log_partition(z, z_open)


def experienced_surplus_usd(
    surplus_usd: ArrayLike,
    firm_share: ArrayLike,
    decision_only_usd_per_task: ArrayLike,
    potential_tasks: ArrayLike,
) -> FloatArray:
    """Consumer surplus [USD] net of utility terms that move choices but are not gains to the
    buyer, such as the installed base's pull (:func:`installed_base_usd_per_task`: habit, or
    the cost a switcher avoids): the log-sum ``surplus_usd`` of
    :func:`consumer_surplus_usd_per_year` minus ``M sum_f s_f d_f``, with ``d_f``
    ``decision_only_usd_per_task`` [USD/task], ``s_f`` the firms' shares and ``M``
    ``potential_tasks`` over the same period (Leggett 2002; Train 2009, section 3.5: the
    surplus when decision and experienced utility differ)."""
    d = (np.asarray(firm_share, dtype=float) * np.asarray(decision_only_usd_per_task)).sum(-1)
    return np.asarray(surplus_usd, dtype=float) - np.asarray(potential_tasks, dtype=float) * d


# --------------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------------


def logit_markup_usd_per_token(
    share: ArrayLike, noise_usd_per_task: ArrayLike, tokens_per_task: ArrayLike
) -> FloatArray:
    """Profit-maximising markup of a single-product firm [USD/token], price minus marginal cost:
    ``mu / (T (1 - s))``, with s its share of potential tasks [0-1], mu the taste-shock scale
    [USD/task] and T [tokens/task]. Infinite at s = 1.

    Derivation (Anderson, de Palma and Thisse 1992): profit per year is
    ``M s (P - C)`` with P, C price and cost per task; ``ds/dP = -s (1 - s) / mu``, so the
    first-order condition ``s - (P - C) s (1 - s) / mu = 0`` gives ``P - C = mu / (1 - s)``;
    divide by T for the markup per token. The markup does not depend on the cost (in logit the
    pass-through of cost to price is one-for-one at a given share).
    """
    s = np.asarray(share, dtype=float).clip(0.0, 1.0)
    with np.errstate(divide="ignore"):
        return np.asarray(noise_usd_per_task) / (np.asarray(tokens_per_task) * (1.0 - s))


def logit_price_usd_per_token(
    cost_usd_per_token: ArrayLike,
    share: ArrayLike,
    noise_usd_per_task: ArrayLike,
    tokens_per_task: ArrayLike,
) -> FloatArray:
    """Profit-maximising price [USD/token] at a given share: marginal cost
    ``cost_usd_per_token`` plus :func:`logit_markup_usd_per_token`. With last step's share it is
    the adaptive rule; :func:`bertrand_nash_prices_usd_per_token` solves it at this step's
    shares."""
    return np.asarray(cost_usd_per_token, dtype=float) + logit_markup_usd_per_token(
        share, noise_usd_per_task, tokens_per_task
    )


def _w_of_exp(w: FloatArray) -> FloatArray:
    """Lambert W of exp(w), i.e. the y > 0 with y + ln y = w, for any finite w without
    overflow (Newton's method in t = ln y, where t + e^t = w is convex and increasing, so the
    iteration converges monotonically from the second step)."""
    t = np.where(w > 1.0, np.log(np.maximum(w, 1.0)), w - np.exp(np.minimum(w, 1.0)) / 2.0)
    for _ in range(100):
        y = np.exp(np.minimum(t, _MAX_EXP))
        step = (y + t - w) / (y + 1.0)
        t = t - step
        if (np.abs(step) <= 1e-15 * np.maximum(1.0, np.abs(t))).all():
            break
    return np.exp(t)


def _markup_condition(
    z0: FloatArray, z_open: float, active: NDArray[np.bool_], markup: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """(F, s): the first-order conditions ``F_f = m_f (1 - s_f) - 1`` (0 at the Nash markups,
    in units of mu) and the shares at markups ``m``; 0 for inactive firms."""
    z = np.where(active, z0 - markup, -np.inf)
    top, total = _partition(z, np.asarray(z_open))
    share = np.where(active, np.exp(z - top) / total, 0.0)
    return np.where(active, markup * (1.0 - share) - 1.0, 0.0), share


def _newton_markups(
    z0: FloatArray,
    z_open: float,
    active: NDArray[np.bool_],
    markup: FloatArray,
    tolerance: float,
    max_iterations: int = 20,
) -> tuple[FloatArray | None, int]:
    """Newton's method on the first-order conditions, from ``markup``: the Jacobian
    ``diag(1 - s + m s) - (m s) s^T`` is a diagonal plus a rank-one term, so each step is a
    Sherman-Morrison solve in O(n), and convergence is quadratic near the equilibrium (a warm
    start from last step's markups takes two or three steps). Returns (markups, iterations),
    markups None if it did not converge (then the caller falls back to the contraction)."""
    m = markup.copy()
    every = bool(active.all())
    for iteration in range(1, max_iterations + 1):
        if every:  # the same numbers as below without the masks (a firm out is the rare case)
            _, total, weights = _partition_1d(z0 - m, z_open)
            share = weights / total
            u = m * share
            others = 1.0 - share
            condition = m * others - 1.0
            diagonal = others + u
        else:
            condition, share = _markup_condition(z0, z_open, active, m)
            diagonal = np.where(active, 1.0 - share + m * share, 1.0)
            u = m * share
        a = condition / diagonal
        b = u / diagonal
        denominator = 1.0 - float(share @ b)
        if not denominator > 0.0:
            return None, iteration
        # m + the Sherman-Morrison step -(a + b (s.a) / (1 - s.b)), floored at the fringe's 1
        new = np.maximum(m - (a + b * float(share @ a) / denominator), 1.0)
        if not every:
            new = np.where(active, new, 1.0)
        if not np.isfinite(new).all():
            return None, iteration
        moved = np.abs(new - m)
        m = new
        if (moved <= tolerance * m).all():  # (markups are at least 1)
            return m, iteration
    return None, max_iterations


class NashPrices(NamedTuple):
    """Bertrand-Nash equilibrium of the logit market."""

    price_usd_per_token: FloatArray
    shares: Shares
    iterations: int
    markup_over_noise: FloatArray  # (price - cost) T / mu: a warm start for the next solve


class NashMarkups(NamedTuple):
    """Bertrand-Nash equilibrium of the logit market, without the shares at it."""

    price_usd_per_token: FloatArray  # NaN for firms that offer nothing
    markup_over_noise: FloatArray  # (price - cost) T / mu: a warm start for the next solve
    utility_over_noise: FloatArray  # buyers' (v s - T p) / mu at the prices; -inf: no offer
    iterations: int


def bertrand_nash_prices_usd_per_token(
    gross_value_usd_per_task: ArrayLike,
    cost_usd_per_token: ArrayLike,
    noise_usd_per_task: float,
    tokens_per_task: float,
    open_utility_usd_per_task: float = -np.inf,
    tolerance: float = 1e-12,
    max_iterations: int = 200,
    initial_markup_over_noise: ArrayLike | None = None,
) -> NashPrices:
    """Prices [USD/token] at which every firm's price is its best response to the others'
    (single-product Bertrand-Nash in the logit market; the open model's price is given).

    ``gross_value_usd_per_task`` is ``v * success_f`` [USD/task] (plus any installed-base
    term, :func:`installed_base_usd_per_task`), ``cost_usd_per_token`` the marginal cost
    [USD/token] (NaN or inf: the firm offers nothing). Firm f's best response has a
    closed form: with ``z0 = (v s_f - T c_f) / mu`` its utility at cost and ``D`` the sum of
    the other options' weights exp(u/mu) (open model and not buying included), the condition
    ``m / mu = 1 / (1 - s_f)`` (:func:`logit_markup_usd_per_token`) becomes
    ``y e^y = exp(z0 - 1 - ln D)`` with ``y = m / mu - 1``, so ``m = mu (1 + W(exp(z0 - 1 -
    ln D)))``, W the Lambert function. The equilibrium is found by Newton's method on the
    first-order conditions (a diagonal-plus-rank-one Jacobian, solved by Sherman-Morrison;
    two or three steps from a warm start ``initial_markup_over_noise``, e.g. last step's), and
    where Newton does not converge the best responses are iterated jointly (Jacobi), which
    always does (at most 39 iterations on 3,000 random markets of 1-7 firms). Either stops when
    every markup moves by less than ``tolerance`` of itself (in units of mu, at least 1): each
    firm to its own precision, since a dominant firm's condition is only as accurate as its
    small rivals' markups. Returns prices, the shares at them, the iteration count and the
    markups.
    """
    nash = bertrand_nash_markups(
        gross_value_usd_per_task,
        cost_usd_per_token,
        noise_usd_per_task,
        tokens_per_task,
        open_utility_usd_per_task,
        tolerance,
        max_iterations,
        initial_markup_over_noise,
    )
    mu = float(noise_usd_per_task)
    return NashPrices(
        price_usd_per_token=nash.price_usd_per_token,
        shares=choice_shares(nash.utility_over_noise * mu, mu, open_utility_usd_per_task),
        iterations=nash.iterations,
        markup_over_noise=nash.markup_over_noise,
    )


def bertrand_nash_markups(
    gross_value_usd_per_task: ArrayLike,
    cost_usd_per_token: ArrayLike,
    noise_usd_per_task: float,
    tokens_per_task: float,
    open_utility_usd_per_task: float = -np.inf,
    tolerance: float = 1e-12,
    max_iterations: int = 200,
    initial_markup_over_noise: ArrayLike | None = None,
) -> NashMarkups:
    """The equilibrium of :func:`bertrand_nash_prices_usd_per_token` (same arguments): prices
    [USD/token], markups over the taste noise [-], buyers' utilities over the noise [-] and the
    iteration count, without the shares (for a caller that clears the market at these prices
    next, e.g. :func:`clear_services_market`)."""
    g = np.asarray(gross_value_usd_per_task, dtype=float)
    cost = np.asarray(cost_usd_per_token, dtype=float)
    mu, tokens = float(noise_usd_per_task), float(tokens_per_task)
    active = np.isfinite(cost) & np.isfinite(g)
    z0 = np.where(active, (g - tokens * np.where(active, cost, 0.0)) / mu, -np.inf)
    z_open = open_utility_usd_per_task / mu
    # in units of mu: the competitive-fringe markup, 1, or a warm start (e.g. last step's
    # equilibrium, which moves little from step to step); the fixed point is the same
    start = None if initial_markup_over_noise is None else np.asarray(initial_markup_over_noise)
    if start is not None and start.shape == z0.shape:
        markup = np.where(active & np.isfinite(start) & (start >= 1.0), start, 1.0)
    else:
        markup = np.ones_like(z0)
    newton, iterations = _newton_markups(z0, z_open, active, markup, tolerance)
    converged = newton is not None
    if newton is not None:
        markup = newton
    # where Newton does not converge, the best responses iterated jointly always do
    while not converged and iterations < max_iterations:
        iterations += 1
        z = np.where(active, z0 - markup, -np.inf)
        log_others = _log_partition_without_each(z, np.asarray(z_open))
        new = 1.0 + _w_of_exp(np.where(active, z0 - 1.0 - log_others, 0.0))
        # each firm to its own precision: a dominant firm's condition is only as accurate as
        # the small rivals' markups that set its competition
        moved = np.where(active, np.abs(new - markup), 0.0)
        converged = bool((moved <= tolerance * np.maximum(1.0, new)).all())
        markup = np.where(active, new, 1.0)
        if converged:
            break
    return NashMarkups(
        price_usd_per_token=np.where(active, cost + markup * mu / tokens, np.nan),
        markup_over_noise=markup,
        utility_over_noise=np.where(active, z0 - markup, -np.inf),
        iterations=iterations,
    )


# --------------------------------------------------------------------------------------------
# Clearing with capacities
# --------------------------------------------------------------------------------------------


class ServicesMarket(NamedTuple):
    """Outcome of :func:`clear_services_market` (per year, or per step if inputs were)."""

    price_usd_per_token: FloatArray  # NaN for firms that offer nothing
    shares: Shares
    tokens: FloatArray  # [tokens/yr]
    spending_usd: FloatArray  # [USD/yr]
    consumer_surplus_usd: float  # [USD/yr], against no AI at all
    iterations: int  # active-set rounds used (0: no capacity binds at the floors)


def clear_services_market(
    gross_value_usd_per_task: ArrayLike,
    floor_price_usd_per_token: ArrayLike,
    capacity_tokens_per_year: ArrayLike,
    potential_tasks_per_year: float,
    tokens_per_task: float,
    noise_usd_per_task: float,
    open_utility_usd_per_task: float = -np.inf,
    max_rounds: int = 50,
) -> ServicesMarket:
    """Prices at which no firm sells more tokens than it can serve, and what buyers take.

    Each firm asks its floor price ``floor_price_usd_per_token`` [USD/token] (its markup price,
    e.g. :func:`logit_price_usd_per_token` or the Nash price); if buyers would then demand more
    than its capacity ``capacity_tokens_per_year`` [tokens/yr], it raises its price until demand
    equals capacity (price rations demand; no buyer is turned away at a posted price). At the
    solution every firm is either at its floor with demand <= capacity, or above its floor with
    demand exactly equal to capacity (a complementarity problem). ``gross_value_usd_per_task``
    is ``v * success_f`` [USD/task] (plus any installed-base term); buyers' utility is that
    minus ``T * price``.

    Method. For a set B of capacity-bound firms the conditions are ``s_f = K_f / (M T)`` for f
    in B. In the logit, ``s_f / s_out = exp(u_f / mu) / W_out`` with ``W_out`` the summed
    weights of every option outside B (not buying, the open model, firms at their floors), which
    does not depend on B's prices; so the system is *linear* in the log-odds and its solution is
    closed-form: ``u_f / mu = ln W_out + ln s*_f - ln(1 - sum_B s*)``. (This is Newton's method
    in the coordinates where it is exact: in share coordinates the Jacobian of ``ln s_B`` in the
    prices is ``-(I - 1 s_B^T) / mu``, rank-one plus diagonal, and its Sherman-Morrison inverse
    gives the same point in the limit; here it is reached in one step without overshoot.) The
    bound set is found by active-set rounds: add firms whose demand exceeds capacity at current
    prices, drop firms whose solved price falls below their floor, until B no longer changes
    (raising bound firms' prices only pushes demand to the others, so rounds are few: at most
    one per firm that binds, plus one). The result is exact to rounding.

    A firm without capacity, or without a finite non-negative floor or value, offers nothing:
    price NaN, share 0. Scalars except the firm arrays (1-D). Raises ValueError if the bound firms'
    capacities would exceed the whole market (impossible unless inputs are inconsistent).
    """
    g = np.asarray(gross_value_usd_per_task, dtype=float)
    floor = np.asarray(floor_price_usd_per_token, dtype=float)
    capacity = np.asarray(capacity_tokens_per_year, dtype=float)
    mu, tokens, tasks = float(noise_usd_per_task), float(tokens_per_task), potential_tasks_per_year
    active = (capacity > 0) & np.isfinite(floor) & (floor >= 0) & np.isfinite(g)
    floor_task = np.where(active, floor * tokens, 0.0)
    market_tokens = tasks * tokens
    log_market_tokens = np.log(market_tokens) if market_tokens > 0 else -np.inf
    # each firm's capacity as a share of the whole potential market (inf capacity: never binds)
    log_capacity_share = np.where(
        active, np.log(np.where(active, capacity, 1.0)) - log_market_tokens, np.inf
    )
    z_open = float(open_utility_usd_per_task / mu)
    price_task = floor_task.copy()
    bound = np.zeros(active.shape, dtype=bool)
    solves = 0
    settled = False  # z and its partition are those of the final prices
    for rounds in range(1, max_rounds + 1):
        z = np.where(active, (g - price_task) / mu, -np.inf)
        partition = _partition_1d(z, z_open)  # (top, total, weights), for the shares too
        log_total = partition[0] + np.log(partition[1])  # (:func:`_log_partition`)
        excess = z - log_total - log_capacity_share
        new_bound = (bound & (price_task > floor_task)) | (active & ~bound & (excess > 1e-12))
        if (rounds > 1 or not new_bound.any()) and (new_bound == bound).all():
            settled = True  # (nothing bound at the floors: the next round would be this one)
            break
        bound = new_bound
        if not bound.any():
            price_task = floor_task.copy()
            continue
        solves += 1
        capacity_share = np.exp(np.where(bound, log_capacity_share, -np.inf))
        room = 1.0 - float(capacity_share.sum())
        if not room > 0:
            raise ValueError("bound firms' capacities exceed the whole market")
        log_outside = _log_partition(np.where(bound, -np.inf, z), z_open)
        z_bound = log_outside + np.where(bound, log_capacity_share, 0.0) - np.log(room)
        price_task = np.where(
            bound, np.maximum(floor_task, g - mu * z_bound), np.where(active, floor_task, 0.0)
        )
    if not settled:
        z = np.where(active, (g - price_task) / mu, -np.inf)
        partition = _partition_1d(z, z_open)
        log_total = partition[0] + np.log(partition[1])
    shares = _shares_1d(z_open, *partition)
    # firms at their floor get exactly the floor back (no rounding through the per-task price)
    price = np.where(active, np.where(price_task > floor_task, price_task / tokens, floor), np.nan)
    demand = services_demand(shares.firm, price, tasks, tokens)
    surplus = float(mu * tasks * log_total)
    return ServicesMarket(
        price_usd_per_token=price,
        shares=shares,
        tokens=demand.tokens,
        spending_usd=demand.spending_usd,
        consumer_surplus_usd=surplus,
        iterations=solves,
    )
