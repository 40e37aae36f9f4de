"""The page's two live widgets: a plotly.js figure fed with only the new points of each step
(:class:`LivePlot`), and a panel's readouts (:class:`ReadoutBox`).

The browser draws the figure (plotly.js, shipped inside the ``plotly`` Python package and served
by the dashboard's own server from ``/static/assets/plotly.min.js``, see
:mod:`experiments.dashboard.server`): the server never renders an image. The widget is an
ipyvue template (ipyvue is already part of Solara), and the server talks to it with custom
messages rather than synchronised state, so that each step sends only what is new:

- ``reset(figure)``: the whole figure (traces with their points so far, layout), sent when the
  widget appears in the browser (it asks with ``ready``), when the panel's model is replaced,
  and when the browser finds a gap;
- ``extend(delta)``: the new points of every trace (``Plotly.extendTraces``), numbered by the
  index of their first point so that the browser can tell a gap and ask for a reset;
- ``relayout(update)``: axis ranges (the "same scale" switch).

Nothing here imports Solara or the model.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

import ipyvuetify as v
import traitlets

PLOTLY_URL = "/static/assets/plotly.min.js"
"""Where the page loads plotly.js from (the server adds plotly's package data to Solara's
assets; see :func:`experiments.dashboard.server.plotly_assets_dir`)."""

TEMPLATE = """
<template>
  <div class="live-plot" ref="plot" :style="{width: '100%', height: height + 'px'}"></div>
</template>
<script>
module.exports = {
  mounted() {
    this.count = -1;  // points per trace the browser holds; -1: no figure yet
    this.queue = [];
    this.plotly = null;
    const done = (Plotly) => { this.plotly = Plotly; this.flush(); };
    if (window.Plotly) { done(window.Plotly); }
    else {
      if (!window.__effracePlotly) {
        window.__effracePlotly = new Promise((resolve, reject) => {
          // plotly.min.js registers itself with require.js when the page has it (Solara's does)
          if (window.requirejs) {
            window.requirejs([this.plotly_url], (P) => resolve(window.Plotly || P), reject);
          }
          else {
            const s = document.createElement('script');
            s.src = this.plotly_url;
            s.onload = () => resolve(window.Plotly);
            s.onerror = reject;
            document.head.appendChild(s);
          }
        });
      }
      window.__effracePlotly.then(done);
    }
    this.ready();
  },
  beforeDestroy() {
    if (this.plotly) { this.plotly.purge(this.$refs.plot); }
  },
  methods: {
    jupyter_reset(figure) { this.queue = [['reset', figure]]; this.flush(); },
    jupyter_extend(delta) { this.queue.push(['extend', delta]); this.flush(); },
    jupyter_relayout(update) { this.queue.push(['relayout', update]); this.flush(); },
    flush() {
      if (!this.plotly || !this.$refs.plot) return;
      const el = this.$refs.plot;
      while (this.queue.length) {
        const [kind, msg] = this.queue.shift();
        if (kind === 'reset') {
          this.plotly.react(el, msg.data, msg.layout, msg.config);
          this.count = msg.count;
          this.lastStep = msg.step;
          el.dataset.step = String(msg.step);
        } else if (this.count < 0) {
          continue;  // no figure yet: the reset that is on its way has these
        } else if (kind === 'extend') {
          if (msg.start !== this.count) { this.count = -1; this.ready(); this.queue = []; return; }
          this.plotly.extendTraces(el, {x: msg.x, y: msg.y}, msg.traces);
          this.count += msg.n;
          el.dataset.step = String(msg.step);
          if (msg.layout) { this.plotly.relayout(el, msg.layout); }
        } else if (kind === 'relayout') {
          this.plotly.relayout(el, msg);
        }
      }
    },
  },
};
</script>
"""


class LivePlot(v.VuetifyTemplate):
    """One plotly.js figure whose traces grow by a few points per step.

    :meth:`reset` gives it a whole figure, :meth:`extend` appends points, :meth:`relayout`
    changes the layout. Thread-safe: the panel's worker thread calls it.
    """

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    plotly_url = traitlets.Unicode(PLOTLY_URL).tag(sync=True)
    height = traitlets.Int(360).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.Lock()
        self._figure: dict[str, Any] | None = None

    # --- from the browser ---------------------------------------------------------------------
    def vue_ready(self, _data: Any = None) -> None:
        """The browser has (re)built the widget, or found a gap: send the whole figure."""
        with self._lock:
            if self._figure is not None:
                self._post("reset", self._figure)

    # --- from the server ----------------------------------------------------------------------
    def reset(self, figure: dict[str, Any]) -> None:
        """Show ``figure`` ({"data", "layout", "config", "count", "step"}), replacing all."""
        with self._lock:
            self._figure = figure
            self._post("reset", figure)

    def extend(
        self,
        start: int,
        step: int,
        xs: Sequence[Sequence[float]],
        ys: Sequence[Sequence[float | None]],
        traces: Sequence[int],
        layout: dict[str, Any] | None = None,
    ) -> None:
        """Append points to ``traces``; ``start`` is how many points each trace had before."""
        n = len(xs[0]) if xs else 0
        delta: dict[str, Any] = {
            "start": start,
            "n": n,
            "step": step,
            "x": [list(x) for x in xs],
            "y": [[clean(y) for y in ys_] for ys_ in ys],
            "traces": list(traces),
        }
        if layout:
            delta["layout"] = layout
        with self._lock:
            if self._figure is not None:
                _append(self._figure, delta)
            self._post("extend", delta)

    def relayout(self, update: dict[str, Any]) -> None:
        with self._lock:
            if self._figure is not None:
                _apply_layout(self._figure["layout"], update)
            self._post("relayout", update)

    def _post(self, method: str, payload: dict[str, Any]) -> None:
        if self.comm is not None:  # a closed widget (its tab has gone) sends nothing
            self.send({"method": method, "args": [payload]})


def clean(y: float | None) -> float | None:
    """JSON has no NaN or infinity: plotly.js draws a gap for ``null``."""
    if y is None or not math.isfinite(y):
        return None
    return float(y)


def _append(figure: dict[str, Any], delta: dict[str, Any]) -> None:
    """Keep the server's copy of the figure as the browser will have it (for a later reset)."""
    data = figure["data"]
    for x, y, i in zip(delta["x"], delta["y"], delta["traces"], strict=True):
        data[i]["x"].extend(x)
        data[i]["y"].extend(y)
    figure["count"] = delta["start"] + delta["n"]
    figure["step"] = delta["step"]
    if "layout" in delta:
        _apply_layout(figure["layout"], delta["layout"])


def _apply_layout(layout: dict[str, Any], update: dict[str, Any]) -> None:
    """Plotly's dotted relayout keys ("yaxis2.range") applied to a layout dict."""
    for key, value in update.items():
        node = layout
        *path, last = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value


READOUTS_TEMPLATE = """
<template>
  <div :class="'readouts readouts-' + panel">
    <div v-for="r in rows" :key="r.key" :title="r.tip"
         :class="['readout', 'readout-' + r.key, 'readout-' + r.key + '-' + panel,
                  r.key === 'error' ? 'panel-error error-' + panel : '']">
      <span class="readout-label">{{ r.label }}</span> {{ r.text }}
    </div>
  </div>
</template>
"""


class ReadoutBox(v.VuetifyTemplate):
    """The readout rows of one panel; the worker thread sets :attr:`rows`."""

    template = traitlets.Unicode(READOUTS_TEMPLATE).tag(sync=True)
    panel = traitlets.Unicode("A").tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
