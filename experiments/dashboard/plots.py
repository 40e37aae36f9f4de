"""The figures of :data:`experiments.dashboard.series.FIGURES` as plotly.js figures (plain dicts),
and what each step adds to them (no Solara, no plotly Python package: the browser draws).

Every figure has two rows sharing the time axis, which spans the whole run from step 0 so that
the panels line up and lines grow from left to right. The plotting area has a fixed size
(``margin.autoexpand`` off) so that the rows of panel A and panel B stay level whatever their
legends hold. Axis ranges come from the server (:func:`y_range`), so that the "same scale"
switch can give both panels the same ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments.dashboard.series import FigureDef, History, Row

FONT_PX = 12
"""Tick labels, legends and hover text [px]: readable on a projector (>= 11 px)."""
HEIGHT_PX = 440
LAB_COLORS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
ROW_DOMAINS = ((0.56, 1.0), (0.0, 0.40))
CAP_COLOR = "#d7191c"


@dataclass(frozen=True)
class Lab:
    uid: int
    name: str


@dataclass(frozen=True)
class Line:
    """One plotted line: a trace of a row, for one lab if per lab."""

    row: int
    key: str
    """Observation key (``excess_loss:3``), or ``reference`` for a line known in advance."""
    name: str
    color: str
    dash: str
    width: float
    legend: bool


def lines(fig: FigureDef, labs: Sequence[Lab], has_reference: Iterable[int] = ()) -> list[Line]:
    """The figure's lines in drawing order; reference lines (known in advance) come last, so
    that they lie on top (an energy cap is never hidden under the power delivered).

    Each name is in the legend once: a lab's, or a sector's drawn in both rows ("Who earns":
    profit and margin), is listed for its first line only, and its legend entry shows and hides
    all of them (they share a legend group, the name)."""
    out: list[Line] = []
    lab_legend_shown = False
    in_legend: set[str] = set()
    for i, row in enumerate(fig.rows):
        for trace in row.traces:
            if trace.per_lab:
                for j, lab in enumerate(labs):
                    out.append(
                        Line(
                            i,
                            f"{trace.key}:{lab.uid}",
                            lab.name,
                            LAB_COLORS[j % len(LAB_COLORS)],
                            trace.dash,
                            trace.width,
                            not lab_legend_shown,
                        )
                    )
                lab_legend_shown = True
            else:
                shown = trace.label not in in_legend
                in_legend.add(trace.label)
                out.append(
                    Line(i, trace.key, trace.label, trace.color, trace.dash, trace.width, shown)
                )
    for i in has_reference:
        row = fig.rows[i]
        if row.reference == "mean_field":
            out.append(Line(i, "reference", "closed-form curve", "#000000", "dash", 1.6, True))
        elif row.reference == "energy_cap":
            out.append(Line(i, "reference", "energy cap", CAP_COLOR, "dash", 3.0, True))
    return out


def _axis(row: Row, y_range: Sequence[float] | None) -> dict[str, Any]:
    axis: dict[str, Any] = {
        "type": "log" if row.log else "linear",
        "tickfont": {"size": FONT_PX},
        "automargin": False,
        "gridcolor": "#e6e6e6",
        "zeroline": not row.log,
        "zerolinecolor": "#999999",
        "nticks": 6,
    }
    if row.percent:
        axis.update(tickformat=".0%", hoverformat=".1%")
    elif row.money:
        axis.update(tickprefix="$", exponentformat="B", hoverformat=".3s")
    else:
        axis.update(exponentformat="power" if row.log else "B", hoverformat=".3g")
    if y_range is not None:
        axis.update(range_props(row, y_range))
    return axis


def range_props(row: Row, y_range: Sequence[float]) -> dict[str, Any]:
    """An axis's range, and on a log axis ticks at whole decades when it spans two or more
    (plotly would otherwise label 2 and 5 of every decade too)."""
    props: dict[str, Any] = {"range": list(y_range), "autorange": False}
    if row.log:
        props["dtick"] = 1 if y_range[1] - y_range[0] >= 1.5 else "D2"
    return props


def figure(
    fig: FigureDef,
    history: History,
    labs: Sequence[Lab],
    references: dict[int, tuple[np.ndarray, np.ndarray]],
    x_range: Sequence[float],
    y_ranges: Sequence[Sequence[float] | None],
) -> dict[str, Any]:
    """The whole plotly.js figure: every line with every point so far."""
    years = history.column("year")
    data = []
    for line in lines(fig, labs, references):
        if line.key == "reference":
            x, y = references[line.row]
            xs, ys = [float(v) for v in x], [_json(v) for v in y]
        else:
            xs, ys = list(years), [_json(v) for v in history.column(line.key)]
        axis = "" if line.row == 0 else str(line.row + 1)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": xs,
                "y": ys,
                "name": line.name,
                "legendgroup": line.name,
                "showlegend": line.legend,
                "line": {"color": line.color, "dash": line.dash, "width": line.width},
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
                "hoverlabel": {"namelength": -1},
            }
        )
    layout: dict[str, Any] = {
        "height": HEIGHT_PX,
        "font": {"size": FONT_PX, "family": "Roboto, Arial, sans-serif"},
        "margin": {"l": 62, "r": 12, "t": 84, "b": 28, "autoexpand": False},
        "hovermode": "x unified",
        "showlegend": True,
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": 1.0,
            "yanchor": "top",
            "yref": "container",
            "font": {"size": FONT_PX},
            "itemwidth": 30,
            "tracegroupgap": 0,
        },
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "uirevision": fig.name,
        "annotations": [
            {
                "text": row.title,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": ROW_DOMAINS[i][1],
                "xanchor": "left",
                "yanchor": "bottom",
                "yshift": 6,
                "showarrow": False,
                "font": {"size": FONT_PX + 1, "color": "#333333"},
            }
            for i, row in enumerate(fig.rows)
        ],
    }
    for i, row in enumerate(fig.rows):
        suffix = "" if i == 0 else str(i + 1)
        y_axis = _axis(row, y_ranges[i])
        y_axis["domain"] = list(ROW_DOMAINS[i])
        y_axis["anchor"] = f"x{suffix}"
        layout[f"yaxis{suffix}"] = y_axis
        layout[f"xaxis{suffix}"] = {
            "range": list(x_range),
            "anchor": f"y{suffix}",
            "matches": None if i == 0 else "x",
            "showticklabels": i == len(fig.rows) - 1,
            "tickfont": {"size": FONT_PX},
            "tickformat": "d",
            "gridcolor": "#e6e6e6",
            "automargin": False,
            "showspikes": True,
            "spikemode": "across",
            "spikethickness": 1,
        }
    return {"data": data, "layout": layout, "config": CONFIG, "count": len(years)}


CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}


def delta(
    fig: FigureDef, history: History, labs: Sequence[Lab], start: int
) -> tuple[list[list[float]], list[list[float]], list[int]]:
    """The points after the first ``start`` of every line that grows (x, y, line indices)."""
    years = history.column("year", start)
    xs, ys, indices = [], [], []
    for i, line in enumerate(lines(fig, labs)):
        xs.append(years)
        ys.append(history.column(line.key, start))
        indices.append(i)
    return xs, ys, indices


def _json(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


# --------------------------------------------------------------------------------------------
# axis ranges
# --------------------------------------------------------------------------------------------


def data_range(
    row: Row,
    row_index: int,
    fig: FigureDef,
    history: History,
    labs: Sequence[Lab],
    reference: tuple[np.ndarray, np.ndarray] | None,
    start: int = 0,
) -> tuple[float, float] | None:
    """Smallest and largest value the row shows (positive values only on a log axis); from
    point ``start`` of the history on, reference curve included only from the first point."""
    values: list[float] = []
    for line in lines(fig, labs):
        if line.row == row_index:
            values.extend(history.column(line.key, start))
    if reference is not None and start == 0:
        values.extend(float(v) for v in reference[1])
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    if row.log:
        arr = arr[arr > 0]
    if arr.size == 0:
        return None
    return float(arr.min()), float(arr.max())


def merge(ranges: Iterable[tuple[float, float] | None]) -> tuple[float, float] | None:
    found = [r for r in ranges if r is not None]
    if not found:
        return None
    return min(r[0] for r in found), max(r[1] for r in found)


def y_range(row: Row, found: tuple[float, float] | None) -> list[float] | None:
    """The y-axis range shown for data spanning ``found``: log rows in whole half-decades
    (plotly's log ranges are in log10 units), shares from 0 to 100% (wider if the data are),
    other rows padded by 5% and rounded outwards to a round step. None: let plotly choose."""
    if found is None:
        return [0.0, 1.0] if row.percent else None
    lo, hi = found
    if row.log:
        a = math.floor(2 * math.log10(lo)) / 2
        b = math.ceil(2 * math.log10(hi)) / 2
        return [a, b if b > a else a + 0.5]
    if row.percent and lo >= 0.0 and hi <= 1.0:
        return [0.0, 1.05]
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    span = hi - lo or 1.0
    step = _round_step(span / 8)
    pad_lo = 0.05 * span if lo < 0 else 0.0  # no room below zero for data that never go there
    pad_hi = 0.05 * span if hi > 0 else 0.0
    return [math.floor((lo - pad_lo) / step) * step, math.ceil((hi + pad_hi) / step) * step]


def _round_step(x: float) -> float:
    exponent = math.floor(math.log10(x))
    fraction = x / 10.0**exponent
    mantissa = 1 if fraction < 1.5 else 2 if fraction < 3.5 else 5 if fraction < 7.5 else 10
    return float(mantissa * 10.0**exponent)
