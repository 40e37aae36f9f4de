"""Figures of one run: who wins the efficiency race, and who captures the value.

Each ``<name>(result) -> Figure`` draws one figure of a run (a :class:`sim.run.RunResult`, or
anything with its four attributes: :class:`RunData`); :func:`draw_all` saves them all as PNG
files. They use matplotlib's object API only (:class:`matplotlib.figure.Figure` on an Agg canvas,
never ``pyplot``): no GUI backend and no global state but matplotlib's settings, which
:func:`draw_all` changes while it draws (:data:`SAVED_STYLE`), so worker processes draw at once
and threads should call :func:`draw_all` one at a time.

Drawn for speed, as ``effrace run`` draws six of them every time: margins are fixed in inches
(constrained layout drew each figure three times and took half the time), the right margin fits
the widest legend, titles sit at a fixed height, and log-axis labels are plain text (10¹², not
mathtext, whose parser cost a third of a second). Every tick is a label and three lines, so
axes carry about six; many bars are one collection; text is unhinted and the PNG encoder skips
filters that do not pay on flat colours (:func:`png_bytes`).

Conventions: time runs in calendar years (the ``year`` column, the end of each step); a quantity
that spans orders of magnitude gets a log axis, and values a log axis cannot show (zero, negative,
NaN) are left as gaps rather than clipped; each firm keeps one colour in every figure.
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import colormaps, ticker
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from sim import finance, law
from sim.params import HOURS_PER_YEAR, LINK_COLUMNS, SECTORS, Scenario
from sim.series import fold_per_year

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

DPI = 110
"""Resolution of the saved PNG files [dots per inch]."""

PNG_COMPRESS_LEVEL = 1
"""zlib level of the saved PNG files: 1 encodes several times faster than the default 6, for
files about 5% larger."""

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

SAVED_STYLE: dict[RcKeyType, Any] = {"text.hinting": "no_hinting"}
"""Matplotlib settings :func:`draw_all` draws the files with: text without FreeType's hinting
(glyph outlines fitted to the pixel grid by the font's own program, run for every glyph).
Text is about half of the drawing time, and renders a third faster unhinted; letters come out
a little softer and wider."""

WIDTH_IN = 9.0
"""Width of every figure [in]."""

MARGINS_IN = {"left": 1.0, "bottom": 0.55, "top": 0.6, "gap": 0.7, "gap_shared_x": 0.45}
"""Fixed margins [in]: left of the axes (tick labels and a two-line y label), below them, above
the first (the suptitle and a panel title), and between panels (tick labels and a title; less
when the panels share the x axis and only the lowest is labelled)."""


class RunData(Protocol):
    """What the figures read of a run; :class:`sim.run.RunResult` has it."""

    scenario: Scenario
    model: pd.DataFrame
    agents: pd.DataFrame
    extras: dict[str, Any]


MEAN_FIELD_DOUBLINGS_PER_YEAR = 2.0
"""g of the reference curves [doublings/yr]: about 2 doublings a year of Elogical in total today
(the model (docs/model.md), the sum of the links' rates)."""

HHI_HIGHLY_CONCENTRATED = 0.18
"""HHI above which a market counts as highly concentrated [0-1]: 1,800 on the 10,000 scale of the
US Department of Justice and FTC Merger Guidelines (2023), section 2.1."""

SECTOR_COLORS = {"firms": "tab:blue", "vendors": "tab:orange", "suppliers": "tab:green"}
SECTOR_LABELS = {
    "firms": "AI firms",
    "vendors": "hardware vendors",
    "suppliers": "energy suppliers",
}

_LEGEND_OUTSIDE: dict[str, Any] = {
    "loc": "upper left",
    "bbox_to_anchor": (1.01, 1.0),
    "fontsize": "small",
    "frameon": False,
}


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _panels(
    n_rows: int = 1,
    height_in: float = 4.8,
    sharex: bool = False,
    height_ratios: Sequence[float] | None = None,
) -> tuple[Figure, list[Axes]]:
    """A figure of ``n_rows`` panels stacked in one column, with the margins of :data:`MARGINS_IN`
    (the right one is set by :func:`_finish`, to fit the legends)."""
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    m = MARGINS_IN
    gap_in = m["gap_shared_x"] if sharex else m["gap"]
    panel_in = (height_in - m["top"] - m["bottom"] - (n_rows - 1) * gap_in) / n_rows
    fig.subplots_adjust(
        left=m["left"] / WIDTH_IN,
        right=0.75,
        bottom=m["bottom"] / height_in,
        top=1.0 - m["top"] / height_in,
        hspace=gap_in / panel_in,
    )
    with matplotlib.rc_context({"axes.titley": 1.0}):  # a fixed height: no search each draw
        axes = fig.subplots(n_rows, 1, sharex=sharex, squeeze=False, height_ratios=height_ratios)
    return fig, list(axes[:, 0])


_MATHTEXT_POWER = re.compile(
    r"^\$\\mathdefault\{(?:([0-9.]+)\\times\s*)?(\d+)\^\{([-−]?\d+)\}\}\$$"
)
_SUPERSCRIPT = str.maketrans("0123456789-−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻")


class _PlainLogFormatter(ticker.LogFormatterSciNotation):
    """Matplotlib's log-axis labels (which ticks, which values), as plain text: 10¹², 2×10³."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        label = super().__call__(x, pos)
        match = _MATHTEXT_POWER.match(label)
        if match is None:
            return label
        coefficient, base, exponent = match.groups()
        power = f"{base}{exponent.translate(_SUPERSCRIPT)}"
        return f"{coefficient}×{power}" if coefficient else power


def _finish(fig: Figure) -> Figure:
    """Fit the right margin to the widest legend, make log-axis labels plain text, thin the
    minor ticks of log axes (none over many decades, at 2 and 5 times each power of ten over
    a few: matplotlib puts them at 2 to 9) and put at most about six ticks on linear value
    axes (each tick is a label and three lines to draw)."""
    for ax in fig.axes:
        low, high = ax.get_ylim()
        if ax.get_yscale() == "log" and 0.0 < low < high and math.log10(high / low) > 4.0:
            ax.yaxis.set_minor_locator(ticker.NullLocator())
        elif (
            isinstance(ax.yaxis.get_minor_locator(), ticker.LogLocator)
            and getattr(ax.yaxis.get_transform(), "base", None) == 10.0
        ):
            ax.yaxis.set_minor_locator(ticker.LogLocator(base=10.0, subs=(2.0, 5.0)))
        if ax.get_yscale() == "linear":
            ax.yaxis.set_major_locator(ticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.label.get_text():  # nothing to place: no search of the tick labels
                axis.set_label_coords(0.5, 0.5)
            for get, set_ in (
                (axis.get_major_formatter, axis.set_major_formatter),
                (axis.get_minor_formatter, axis.set_minor_formatter),
            ):
                old = get()
                if type(old) is ticker.LogFormatterSciNotation:
                    new = _PlainLogFormatter(
                        getattr(old, "_base", 10.0),
                        labelOnlyBase=old.labelOnlyBase,
                        minor_thresholds=old.minor_thresholds,
                    )
                    set_(new)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    legends = [legend for ax in fig.axes if (legend := ax.get_legend()) is not None]
    legend_in = max((leg.get_window_extent(renderer).width for leg in legends), default=0.0)
    fig.subplots_adjust(right=1.0 - (legend_in / fig.dpi + 0.2) / WIDTH_IN)
    return fig


def _firms(result: RunData) -> pd.DataFrame:
    return result.agents[result.agents["agent_type"] == "firm"]


def _firm_colors(firms: pd.DataFrame) -> dict[int, Any]:
    """One colour per firm, by agent id, the same in every figure of a run."""
    ids = sorted(int(i) for i in firms["agent_id"].unique())
    palette = "tab10" if len(ids) <= 10 else "tab20"
    cmap = colormaps[palette]
    return {agent_id: cmap(i % cmap.N) for i, agent_id in enumerate(ids)}


def _by_firm(firms: pd.DataFrame) -> list[tuple[int, str, pd.DataFrame]]:
    """(agent id, name, rows in step order) for every firm, in agent-id order.

    One sort of the whole table and a slice per firm (a group-by and a sort per firm took
    four times as long, and four figures ask)."""
    if firms.empty:
        return []
    ids = firms["agent_id"].to_numpy()
    order = np.lexsort((firms["step"].to_numpy(), ids))
    rows = firms.take(order)
    ids = ids[order]
    names = rows["name"].to_numpy()
    bounds = [*np.flatnonzero(ids[1:] != ids[:-1]) + 1, len(ids)]
    starts = [0, *bounds[:-1]]
    return [
        (int(ids[a]), str(names[a]), rows.iloc[a:b]) for a, b in zip(starts, bounds, strict=True)
    ]


def _leader_id(firms: pd.DataFrame) -> int:
    """The firm with the lowest loss at the last step any firm was in (as in the summary)."""
    final = firms[firms["step"] == firms["step"].max()]
    return int(final["agent_id"].to_numpy()[np.argmin(final["loss"].to_numpy())])


def _positive(values: Any) -> np.ndarray:
    """The values as floats, with what a log axis cannot show (<= 0, NaN) made NaN."""
    arr = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(arr) & (arr > 0.0), arr, np.nan)


def _relative(values: Any) -> np.ndarray:
    """A positive series divided by its first valid value (NaN where a log axis cannot go)."""
    arr = _positive(values)
    valid = arr[np.isfinite(arr)]
    return arr / valid[0] if len(valid) else arr


def _calendar_year(result: RunData) -> np.ndarray:
    """The calendar year each step falls in (by its midpoint)."""
    dt = result.scenario.run.dt_years
    return np.floor(result.model["year"].to_numpy(dtype=np.float64) - dt / 2.0).astype(int)


def _usd(value: float, _pos: object = None) -> str:
    """Money for tick labels: $1.2T, $350B, $20M, -$4B."""
    sign = "-" if value < 0 else ""
    size = abs(value)
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= scale:
            return f"{sign}${size / scale:.3g}{suffix}"
    return f"{sign}${size:.3g}"


def _plain_log_ticks(ax: Axes) -> None:
    """Label a log y-axis in plain numbers (2,000 / 5,000 / 10,000) when it spans few decades."""
    low, high = ax.get_ylim()
    if not (0.0 < low < high) or math.log10(high / low) > 3.0:
        return
    plain = ticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:.2g}")
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_locator(ticker.LogLocator(base=10.0, subs=(2.0, 5.0)))
    ax.yaxis.set_minor_formatter(plain)


def _year_ticks() -> ticker.Locator:
    """Ticks of a calendar-year axis: whole years, at most six or so (every 4 years over the
    20-year baseline, 2024 to 2044): each tick costs a label and three lines to draw."""
    return ticker.MaxNLocator(nbins=5, steps=[1, 2, 4, 5, 10], integer=True)


def _time_axis(ax: Axes, result: RunData, label: bool = True) -> None:
    run = result.scenario.run
    ax.set_xlim(run.start_year, float(result.model["year"].iloc[-1]))
    ax.xaxis.set_major_locator(_year_ticks())
    ax.xaxis.set_major_formatter(ticker.ScalarFormatter(useOffset=False))  # "2024", not "+2.024e3"
    if label:
        ax.set_xlabel("calendar year")
    ax.grid(True, alpha=0.3)


def _bars(
    ax: Axes, x: np.ndarray, bottom: np.ndarray, height: np.ndarray, **style: Any
) -> PolyCollection:
    """Bars 0.8 wide centred on ``x``, from ``bottom`` to ``bottom + height``, as one artist
    (``Axes.bar`` makes one Rectangle per bar, each set up and drawn on its own), without
    outlines (a hatch is drawn in the edge colour). Corners in the order bottom-left,
    top-left, top-right, bottom-right."""
    left, right = x - 0.4, x + 0.4
    top = bottom + height
    corners = np.stack([[left, bottom], [left, top], [right, top], [right, bottom]])
    bars = PolyCollection(list(corners.transpose(2, 0, 1)), linewidth=0.0, **style)
    ax.add_collection(bars)
    return bars


def _spans(result: RunData, flags: np.ndarray) -> list[tuple[float, float]]:
    """Contiguous (start, end) calendar times of the steps where ``flags`` is true."""
    dt = result.scenario.run.dt_years
    ends = result.model["year"].to_numpy(dtype=np.float64)
    out: list[tuple[float, float]] = []
    for end, flag in zip(ends, flags, strict=True):
        if not flag:
            continue
        if out and abs(out[-1][1] - (end - dt)) < 1e-9:
            out[-1] = (out[-1][0], end)
        else:
            out.append((end - dt, end))
    return out


# --------------------------------------------------------------------------------------------
# 1. the race on the shared law
# --------------------------------------------------------------------------------------------


def loss_by_firm(result: RunData) -> Figure:
    """Each firm's excess loss L - E over time on a log axis, against the mean-field curve.

    The reference is the papers' relative-loss equation (Lu 2025) for the firm that starts with
    the most compute: ``L(t) - E = (L0 - E) * X(t)``, X from :func:`sim.law.relative_excess_loss`
    with g = :data:`MEAN_FIELD_DOUBLINGS_PER_YEAR`. Each firm's line starts at its initial model
    (``extras["initial_compute_flop"]``) at the start year.
    """
    extras = result.extras
    kappa, floor, k = extras["kappa"], extras["loss_floor"], extras["k_coefficient"]
    initial: dict[int, float] = extras.get("initial_compute_flop", {})
    start = result.scenario.run.start_year
    firms = _firms(result)
    colors = _firm_colors(firms)
    last_step = int(result.model["step"].iloc[-1])

    fig, (ax,) = _panels()
    exits_x: list[float] = []
    exits_y: list[float] = []
    for agent_id, name, rows in _by_firm(firms):
        years = rows["year"].to_numpy(dtype=np.float64)
        excess = rows["loss"].to_numpy(dtype=np.float64) - floor
        if agent_id in initial:
            years = np.concatenate([[start], years])
            excess = np.concatenate([[k * initial[agent_id] ** -kappa], excess])
        excess = _positive(excess)
        ax.plot(years, excess, color=colors[agent_id], linewidth=1.6, label=name)
        if int(rows["step"].iloc[-1]) < last_step:
            exits_x.append(float(years[-1]))
            exits_y.append(float(excess[-1]))
    if exits_x:
        ax.scatter(exits_x, exits_y, marker="x", color="black", zorder=3, label="exit")

    if initial:
        first_id = max(initial, key=lambda i: initial[i])
        first_name = firms.loc[firms["agent_id"] == first_id, "name"]
        who = f"{first_name.iloc[0]}'s start" if len(first_name) else "largest start"
        t = np.linspace(0.0, float(result.model["year"].iloc[-1]) - start, 200)
        g = MEAN_FIELD_DOUBLINGS_PER_YEAR
        x = np.asarray(
            law.relative_excess_loss(t, g, kappa, tau0_years=result.scenario.law.tau0_years)
        )
        ax.plot(
            start + t,
            _positive(k * initial[first_id] ** -kappa * x),
            color="black",
            linestyle="--",
            linewidth=1.2,
            label=f"mean field, g = {g:g}/yr\n(from {who})",
        )

    ax.set_yscale("log")
    ax.set_ylabel("excess loss L − E [nats/token], log scale")
    fig.suptitle("Who is winning the race? Loss on the shared scaling law", fontsize="large")
    ax.set_title(
        f"Each firm's loss above the floor E = {floor:.5g} nats/token (lower is better)",
        fontsize="medium",
    )
    _time_axis(ax, result)
    ax.grid(True, which="minor", axis="y", alpha=0.1)
    ax.legend(**_LEGEND_OUTSIDE)
    return _finish(fig)


def elogical_by_link(result: RunData) -> Figure:
    """Logical FLOP per joule per firm (log axis), and the leader's links when recorded.

    The second panel appears when the agents table has the columns of :data:`LINK_COLUMNS`: the
    leader's (lowest final loss) links, each normalised to 1 at its first step, in doublings; their
    doublings add up to the leader's Elogical's. Without them the figure keeps to what the data
    have (and prints the leader's final links if ``extras["links"]`` gives them).
    """
    firms = _firms(result)
    colors = _firm_colors(firms)
    links = [c for c in LINK_COLUMNS if c in result.agents.columns]
    two_panels = len(links) > 0 and not firms.empty
    fig, axes = _panels(2 if two_panels else 1, 7.5 if two_panels else 4.8, sharex=True)
    ax = axes[0]
    fig.suptitle("How fast does each firm turn joules into logical compute?", fontsize="large")

    per_firm = _by_firm(firms)
    for agent_id, name, rows in per_firm:
        e = _positive(rows["elogical_flop_per_joule"])
        ax.plot(rows["year"], e, color=colors[agent_id], linewidth=1.6, label=name)
    if per_firm:
        initial: dict[int, float] = result.extras.get("initial_compute_flop", {})
        ref_id = max(initial, key=lambda i: initial[i]) if initial else per_firm[0][0]
        rows = next((r for i, _, r in per_firm if i == ref_id), per_firm[0][2])
        years = rows["year"].to_numpy(dtype=np.float64)
        e0 = float(rows["elogical_flop_per_joule"].iloc[0])
        if e0 > 0:
            g = MEAN_FIELD_DOUBLINGS_PER_YEAR
            ax.plot(
                years,
                e0 * np.exp2(g * (years - years[0])),
                color="black",
                linestyle="--",
                linewidth=1.2,
                label=f"mean field, g = {g:g}/yr\n(from {rows['name'].iloc[0]}'s start)",
            )
    ax.set_yscale("log")
    ax.set_ylabel("Elogical [logical FLOP/J], log scale")
    ax.set_title(
        "Elogical per firm: site × chip × algorithms (higher is better)", fontsize="medium"
    )
    _time_axis(ax, result, label=not two_panels)
    ax.legend(**_LEGEND_OUTSIDE)

    if not two_panels:
        _note_links(ax, result, per_firm)
        return _finish(fig)

    leader_id = _leader_id(firms)
    rows = next(r for i, _, r in per_firm if i == leader_id)
    ax2 = axes[1]
    for column in links:
        ax2.plot(rows["year"], _relative(rows[column]), linewidth=1.6, label=LINK_COLUMNS[column])
    ax2.plot(
        rows["year"],
        _relative(rows["elogical_flop_per_joule"]),
        color="black",
        linewidth=2.0,
        label="Elogical (their product)",
    )
    ax2.set_yscale("log", base=2)
    ax2.yaxis.set_major_locator(ticker.LogLocator(base=2.0, numticks=7))
    ax2.yaxis.set_minor_locator(ticker.NullLocator())
    ax2.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{math.log2(v):g}"))
    ax2.set_ylabel("doublings since the start\n(log2 of value / start value)")
    ax2.set_title(
        f"The leader's chain of efficiency, link by link ({rows['name'].iloc[0]})",
        fontsize="medium",
    )
    _time_axis(ax2, result)
    ax2.legend(**_LEGEND_OUTSIDE)
    return _finish(fig)


def _note_links(ax: Axes, result: RunData, per_firm: Sequence[tuple[int, str, Any]]) -> None:
    """Without per-link columns, print the leader's final links if the run gave them."""
    links: dict[int, dict[str, float]] = result.extras.get("links", {})
    if not links or not per_firm:
        return
    firms = _firms(result)
    leader_id = _leader_id(firms)
    values = links.get(leader_id, {})
    if not values:
        return
    name = next(n for i, n, _ in per_firm if i == leader_id)
    text = "\n".join([f"{name} at the end:", *(f"{k}: {v:.3g}" for k, v in values.items())])
    ax.text(
        0.02,
        0.97,
        text,
        transform=ax.transAxes,
        va="top",
        fontsize="small",
        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "0.8"},
    )


# --------------------------------------------------------------------------------------------
# 2. who captures the value
# --------------------------------------------------------------------------------------------


PARTY_STYLE = {
    "consumers": ("buyers (consumer surplus)", "tab:purple"),
    "firms": ("AI firms (after dividends)", "tab:blue"),
    "vendors": ("hardware vendors", "tab:orange"),
    "suppliers": ("energy suppliers", "tab:green"),
    "government": ("government", "tab:gray"),
    "investors": ("investors (dividends)", "tab:brown"),
    "carbon damages": ("carbon damages", "black"),
}


def surplus_shares_over_time(model: pd.DataFrame) -> pd.DataFrame:
    """Each party's share of the gains since the start, at the end of every step [-]
    (:func:`sim.finance.surplus_shares` of the cumulative parts, as in the run summary)."""
    dividends = model["dividends_usd"].cumsum()
    parts = pd.DataFrame(
        {
            "consumers": model["consumer_surplus_usd"].cumsum(),
            "firms": model["profit_firms_usd"].cumsum() - dividends,
            "vendors": model["profit_vendors_usd"].cumsum(),
            "suppliers": model["profit_suppliers_usd"].cumsum(),
            "government": model["government_revenue_usd"].cumsum(),
            "investors": dividends,
            "carbon damages": -model["carbon_damages_usd"].cumsum(),
        }
    )
    return pd.DataFrame(finance.surplus_shares(parts.to_numpy()), columns=parts.columns)


def value_capture(result: RunData) -> Figure:
    """Who gains: each party's share of the gains since the start; producers' profit per
    calendar year (diverging stacked bars) and margins.

    Shares are of the gains of those who gain (never of a negative total), so a party that
    loses has a negative share. Losses are drawn below zero rather than netted away; margins
    are per calendar year (profit / revenue), clipped at -100% and marked.
    """
    model = result.model
    cal = _calendar_year(result)
    fig, (ax_cum, ax_year, ax_margin) = _panels(3, 9.0)
    fig.suptitle("Who captures the value? Shares of the gains, and profit", fontsize="large")

    years = model["year"].to_numpy(dtype=np.float64)
    shares = surplus_shares_over_time(model)
    for party, (label, color) in PARTY_STYLE.items():
        ax_cum.plot(years, shares[party], color=color, linewidth=1.8, label=label)
    ax_cum.axhline(0.0, color="0.3", linewidth=0.8)
    ax_cum.yaxis.set_major_formatter(ticker.PercentFormatter(xmax=1.0))
    ax_cum.set_ylabel("share of the gains since the start [-]")
    ax_cum.set_title(
        "Each party's share of the total surplus gained so far (losers below zero)",
        fontsize="medium",
    )
    _time_axis(ax_cum, result, label=False)
    ax_cum.legend(**_LEGEND_OUTSIDE)

    frame = pd.DataFrame({"cal": cal})
    for sector in SECTORS:
        frame[f"profit_{sector}"] = model[f"profit_{sector}_usd"].to_numpy()
        frame[f"revenue_{sector}"] = model[f"revenue_{sector}_usd"].to_numpy()
    yearly = frame.groupby("cal", sort=True).sum()
    years = yearly.index.to_numpy(dtype=np.float64) + 0.5
    up = np.zeros(len(yearly))
    down = np.zeros(len(yearly))
    for sector in SECTORS:
        profit = yearly[f"profit_{sector}"].to_numpy(dtype=np.float64)
        gain, loss = np.maximum(profit, 0.0), np.minimum(profit, 0.0)
        color = SECTOR_COLORS[sector]
        _bars(ax_year, years, up, gain, facecolor=color, label=SECTOR_LABELS[sector])
        _bars(ax_year, years, down, loss, facecolor=color, edgecolor="black", hatch="//", alpha=0.7)
        up += gain
        down += loss
    ax_year.use_sticky_edges = False  # stacked bars would pin the limits to their bases
    ax_year.axhline(0.0, color="0.3", linewidth=0.8)
    ax_year.yaxis.set_major_formatter(ticker.FuncFormatter(_usd))
    ax_year.set_ylabel("profit per year [USD/yr]")
    ax_year.set_title(
        "Profit per calendar year: gains stacked up, losses (hatched) stacked down",
        fontsize="medium",
    )
    _time_axis(ax_year, result, label=False)
    ax_year.set_xlim(years[0] - 0.5, years[-1] + 0.5)
    ax_year.legend(**_LEGEND_OUTSIDE)

    clipped = False
    for sector in SECTORS:
        revenue = yearly[f"revenue_{sector}"].to_numpy(dtype=np.float64)
        profit = yearly[f"profit_{sector}"].to_numpy(dtype=np.float64)
        margin = np.divide(profit, revenue, out=np.full_like(profit, np.nan), where=revenue > 0)
        below = margin < -1.0
        ax_margin.plot(
            years,
            np.where(below, np.nan, margin),
            color=SECTOR_COLORS[sector],
            marker="o",
            markersize=3.5,
            linewidth=1.6,
            label=SECTOR_LABELS[sector],
        )
        if below.any():
            ax_margin.scatter(
                years[below],
                np.full(below.sum(), -1.0),
                marker="v",
                s=30,
                color=SECTOR_COLORS[sector],
            )
            clipped = True
    ax_margin.axhline(0.0, color="0.3", linewidth=0.8)
    ax_margin.yaxis.set_major_formatter(ticker.PercentFormatter(xmax=1.0))
    ax_margin.set_ylabel("margin [profit / revenue]")
    title = "Margin per calendar year"
    if clipped:
        ax_margin.set_ylim(bottom=-1.08)
        title += " (▼: below −100%, drawn at the edge)"
    ax_margin.set_title(title, fontsize="medium")
    _time_axis(ax_margin, result)
    ax_margin.set_xlim(years[0] - 0.5, years[-1] + 0.5)
    ax_margin.legend(**_LEGEND_OUTSIDE)
    return _finish(fig)


def prices(result: RunData) -> Figure:
    """Price per million tokens (average paid and each firm's) and cost per logical FLOP."""
    model = result.model
    years = model["year"].to_numpy(dtype=np.float64)
    firms = _firms(result)
    colors = _firm_colors(firms)
    fig, (ax_price, ax_cost) = _panels(2, 7.5, sharex=True)
    fig.suptitle("How cheap is AI getting? Prices and costs, log scales", fontsize="large")

    for agent_id, name, rows in _by_firm(firms):
        ax_price.plot(
            rows["year"],
            _positive(rows["price_usd_per_million_tokens"]),
            color=colors[agent_id],
            linewidth=0.9,
            alpha=0.6,
            label=name,
        )
    average = _positive(model["price_usd_per_million_tokens"])
    fold = fold_per_year(years, average)
    ax_price.plot(
        years,
        average,
        color="black",
        linewidth=2.2,
        label=f"average paid\n(÷{fold:.3g} a year)" if math.isfinite(fold) else "average paid",
    )
    ax_price.set_yscale("log")
    ax_price.set_ylabel("price [USD per million tokens]")
    ax_price.set_title(
        "Price of AI services: each firm's list price and the average paid", fontsize="medium"
    )
    _time_axis(ax_price, result, label=False)
    ax_price.legend(**_LEGEND_OUTSIDE)

    cost = _positive(model["cost_usd_per_logical_flop"])
    fold = fold_per_year(years, cost)
    ax_cost.plot(
        years,
        cost,
        color="tab:red",
        linewidth=2.0,
        label=f"all firms\n(÷{fold:.3g} a year)" if math.isfinite(fold) else "all firms",
    )
    ax_cost.set_yscale("log")
    ax_cost.set_ylabel("cost [USD per logical FLOP]")
    ax_cost.set_title(
        "Cost of compute: energy and chip depreciation per logical FLOP", fontsize="medium"
    )
    _time_axis(ax_cost, result)
    ax_cost.legend(**_LEGEND_OUTSIDE)
    return _finish(fig)


def market_shares(result: RunData) -> Figure:
    """Shares of the potential tasks per firm (stacked; the rest goes to the outside options,
    the open model or no AI) and HHI."""
    model = result.model
    firms = _firms(result)
    colors = _firm_colors(firms)
    fig, (ax_share, ax_hhi) = _panels(2, 7.5, sharex=True)
    fig.suptitle("Is the market concentrating?", fontsize="large")

    years = model["year"].to_numpy(dtype=np.float64)
    per_firm = _by_firm(firms)
    shares = (
        firms.pivot_table(index="step", columns="agent_id", values="market_share", aggfunc="sum")
        .reindex(index=model["step"], columns=[i for i, _, _ in per_firm])
        .fillna(0.0)
        .to_numpy(dtype=np.float64)
    )
    outside = np.clip(1.0 - shares.sum(axis=1), 0.0, 1.0)
    # a share holds over its whole step: draw it from the step's start to its end
    areas = np.column_stack([shares, outside])
    ax_share.stackplot(
        np.concatenate([[result.scenario.run.start_year], years]),
        *np.vstack([areas[:1], areas]).T,
        step="pre",
        colors=[*(colors[i] for i, _, _ in per_firm), "0.88"],
        labels=[*(n for _, n, _ in per_firm), "outside options\n(open model, no AI)"],
        linewidth=0.0,
    )
    ax_share.set_ylim(0.0, 1.0)
    ax_share.yaxis.set_major_formatter(ticker.PercentFormatter(xmax=1.0))
    ax_share.set_ylabel("share of potential tasks")
    ax_share.set_title("Market share of AI services, stacked", fontsize="medium")
    _time_axis(ax_share, result, label=False)
    ax_share.legend(**_LEGEND_OUTSIDE)

    for column, label, color in (
        ("hhi_ai_services", "AI services (revenue)", "tab:blue"),
        ("hhi_chips", "chips (units sold)", "tab:orange"),
        ("hhi_energy", "energy (MWh sold)", "tab:green"),
    ):
        ax_hhi.plot(years, model[column], color=color, linewidth=1.6, label=label)
    ax_hhi.axhline(
        HHI_HIGHLY_CONCENTRATED,
        color="0.4",
        linestyle=":",
        linewidth=1.2,
        label="highly concentrated\n(> 1,800: US merger\nguidelines 2023)",
    )
    ax_hhi.set_ylim(0.0, 1.02)
    ax_hhi.set_ylabel("HHI [0–1] (×10,000 for\nthe antitrust scale)")
    ax_hhi.set_title(
        "Concentration (Herfindahl index) of each market; 1 = monopoly", fontsize="medium"
    )
    _time_axis(ax_hhi, result)
    ax_hhi.legend(**_LEGEND_OUTSIDE)
    return _finish(fig)


def energy(result: RunData) -> Figure:
    """Power asked for, delivered, installed, on order, and capped or limited by the grid [MW],
    and the share of demand served.

    Steps in which an energy cap cut deliveries are shaded; the title gives their share.
    """
    model = result.model
    dt = result.scenario.run.dt_years
    years = model["year"].to_numpy(dtype=np.float64)
    mw_per_mwh_step = 1.0 / (HOURS_PER_YEAR * dt)
    demanded = model["energy_demand_mwh"].to_numpy(dtype=np.float64) * mw_per_mwh_step
    delivered = model["power_delivered_mw"].to_numpy(dtype=np.float64)
    cap = model["energy_cap_mw"].to_numpy(dtype=np.float64)
    binding = model["energy_cap_binding"].to_numpy(dtype=np.float64) > 0.5
    has_cap = bool(np.isfinite(cap).any())

    fig, (ax_power, ax_served) = _panels(2, 7.0, sharex=True, height_ratios=[2, 1])
    if has_cap:
        headline = f"the cap binds in {binding.mean():.0%} of steps"
    else:
        headline = "no energy cap in this run"
    fig.suptitle(f"Is AI short of power? Energy for AI firms ({headline})", fontsize="large")

    ax_power.plot(
        years,
        _positive(demanded),
        color="tab:purple",
        linewidth=1.2,
        linestyle="--",
        label="asked for by firms",
    )
    ax_power.plot(
        years, _positive(delivered), color="tab:blue", linewidth=1.6, label="delivered", zorder=3
    )
    ax_power.plot(
        years,
        _positive(model["energy_capacity_mw"]),
        color="tab:green",
        linewidth=2.4,
        label="suppliers' installed capacity",
    )
    if "energy_pipeline_mw" in model:  # supply investment: capacity ordered, not yet built
        ax_power.plot(
            years,
            _positive(model["energy_pipeline_mw"]),
            color="tab:olive",
            linewidth=1.2,
            linestyle=":",
            label="capacity on order (suppliers' investment)",
        )
    if "grid_limit_mw" in model and np.isfinite(model["grid_limit_mw"].to_numpy(float)).any():
        ax_power.plot(
            years,
            _positive(model["grid_limit_mw"]),
            color="black",
            linewidth=1.2,
            linestyle="-.",
            label="grid limits, all regions",
        )
    if has_cap:
        ax_power.step(
            years,
            _positive(cap),
            where="pre",
            color="tab:red",
            linewidth=2.4,
            linestyle=(0, (4, 2)),
            label="energy cap",
        )
    ax_power.set_yscale("log")
    _plain_log_ticks(ax_power)
    ax_power.set_ylabel("average power [MW], log scale")
    ax_power.set_title(
        "Power asked for, delivered, installed" + (" and capped" if has_cap else ""),
        fontsize="medium",
    )

    with np.errstate(divide="ignore", invalid="ignore"):
        served = np.where(demanded > 0, delivered / demanded, np.nan)
    ax_served.plot(years, served, color="tab:blue", linewidth=1.6, label="demand served")
    ax_served.set_ylim(0.0, 1.05)
    ax_served.yaxis.set_major_formatter(ticker.PercentFormatter(xmax=1.0))
    ax_served.set_ylabel("energy delivered /\nenergy asked for")
    ax_served.set_title("Share of firms' energy demand served", fontsize="medium")

    for ax in (ax_power, ax_served):
        for i, (lo, hi) in enumerate(_spans(result, binding)):
            ax.axvspan(
                lo,
                hi,
                color="tab:red",
                alpha=0.12,
                linewidth=0.0,
                label="cap binds" if i == 0 else None,
            )
        _time_axis(ax, result, label=ax is ax_served)
        ax.legend(**_LEGEND_OUTSIDE)
    return _finish(fig)


# --------------------------------------------------------------------------------------------
# all of them
# --------------------------------------------------------------------------------------------

FIGURES: dict[str, Callable[[RunData], Figure]] = {
    "loss_by_firm.png": loss_by_firm,
    "elogical_by_link.png": elogical_by_link,
    "value_capture.png": value_capture,
    "prices.png": prices,
    "market_shares.png": market_shares,
    "energy.png": energy,
}
"""File name -> the function that draws it; the dashboard shows the same figures."""


def draw_all(result: RunData, out_dir: Path) -> list[Path]:
    """Draw every figure of :data:`FIGURES` for one run into ``out_dir`` as PNG files, with
    matplotlib's settings :data:`SAVED_STYLE` (restored on return).

    Returns the paths written, in the order of :data:`FIGURES`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context(SAVED_STYLE):
        for file_name, draw in FIGURES.items():
            path = out_dir / file_name
            save_png(draw(result), path)
            written.append(path)
    return written


def save_png(fig: Figure, path: Path) -> None:
    """Draw ``fig`` at its own resolution and write it to ``path`` as a PNG file (what
    ``fig.savefig(path)`` writes, pixel for pixel, in :func:`png_bytes`'s encoding)."""
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())  # type: ignore[attr-defined]
    Path(path).write_bytes(png_bytes(rgba, dpi=fig.dpi))


def png_bytes(rgba: np.ndarray, dpi: float) -> bytes:
    """An image (rows x columns x RGBA, uint8) as the bytes of a PNG file, resolution ``dpi``
    [dots per inch].

    Rows are stored unfiltered and deflated at :data:`PNG_COMPRESS_LEVEL`. Figures are mostly
    flat colour, which PNG's per-row filters do not shrink; Pillow (behind ``savefig``) tries
    every filter on every row, which more than doubles the time to encode, for files of the
    same size. The format: the PNG specification (W3C, 2003), chunks IHDR, pHYs, IDAT, IEND.
    """
    height, width, channels = rgba.shape
    if channels != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"expected rows x columns x 4 uint8 (RGBA), got {rgba.shape} {rgba.dtype}")
    rows = np.zeros((height, 1 + 4 * width), dtype=np.uint8)  # each row: filter type 0, pixels
    rows[:, 1:] = rgba.reshape(height, 4 * width)
    dots_per_metre = round(dpi / 0.0254)
    return b"".join(
        [
            _PNG_SIGNATURE,
            _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
            _png_chunk(b"pHYs", struct.pack(">IIB", dots_per_metre, dots_per_metre, 1)),
            _png_chunk(b"IDAT", zlib.compress(rows.data, PNG_COMPRESS_LEVEL)),
            _png_chunk(b"IEND", b""),
        ]
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC-32 of type and data."""
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
