"""Scalar outcomes of one run, by the names sweeps use: ``outcomes(result, ["hhi:chips"])``.

The names are the metric catalogue of :mod:`experiments.outputs` (``loss_at_year:2034``,
``cumulative_profit:firms``, ``surplus_share``, ``sum:emissions_t_co2``, ...; docs/sweeps.md
lists them with units). A name whose argument is left out expands to one outcome per sector or
market, named as the sweep store names its columns (``peak_margin`` gives
``peak_margin_firms``, ``peak_margin_vendors``, ``peak_margin_suppliers``).

>>> from sim.run import simulate
>>> from sim.scenario import load_scenario
>>> from experiments.outcomes import outcomes
>>> result = simulate(load_scenario("baseline", {"run.years": 3}), seed=1)
>>> sorted(outcomes(result, ["loss_at_year:2026", "surplus_share:vendors"]))
['loss_at_year_2026', 'surplus_share_vendors']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from experiments.outputs import DEFAULT_METRICS, Metric, parse_metric


def parse(names: Sequence[str] | str | None = None) -> list[Metric]:
    """The metrics ``names`` ask for (the default metrics if None); UserError if one is wrong."""
    if names is None:
        names = DEFAULT_METRICS
    elif isinstance(names, str):
        names = [names]
    return [m for name in names for m in parse_metric(name, "outcomes")]


def outcomes(result: Any, names: Sequence[str] | str | None = None) -> dict[str, float]:
    """Scalar outcomes of one run, as a dict of result column name -> float.

    ``result`` is a :class:`sim.run.RunResult` (or any object with ``.model``, the model table,
    and ``.scenario``); ``names`` are metric names from the catalogue (default: the sweeps'
    default metrics). A metric that is undefined in this run (a target never reached) is NaN.
    """
    start_year = float(result.scenario.run.start_year)
    return {m.column: float(m(result.model, start_year)) for m in parse(names)}
