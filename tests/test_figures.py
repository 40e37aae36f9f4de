"""The figures of one run: files written, what each figure shows, and edge cases drawn quietly.

pytest turns warnings into errors, so every test here also checks that drawing warns about
nothing (log axes with non-positive values, layout problems, pandas deprecations).
"""

from __future__ import annotations

import dataclasses
import io
import math
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import _pylab_helpers
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from sim import figures
from sim.run import RunResult, simulate, summarise, write_outputs
from sim.scenario import load_scenario

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LN2 = math.log(2.0)


@pytest.fixture(scope="module")
def short_run() -> RunResult:
    """Two years of the baseline: eight firms, three vendors, three suppliers, no cap."""
    return simulate(load_scenario("baseline", {"run.years": 2}))


@pytest.fixture(scope="module")
def capped_run() -> RunResult:
    """The same two years with an energy cap from mid-2025 low enough to bind."""
    overrides = {
        "run.years": 2,
        "policies.energy_cap.from_year": 2025.5,
        "policies.energy_cap.cap_mw": 1500.0,
    }
    return simulate(load_scenario("baseline", overrides))


def n_firms(result: RunResult) -> int:
    return int(result.agents.loc[result.agents["agent_type"] == "firm", "agent_id"].nunique())


def labelled_lines(ax: Axes) -> list[Line2D]:
    """Lines with a legend entry (matplotlib gives unlabelled artists names starting with _)."""
    return [line for line in ax.get_lines() if not str(line.get_label()).startswith("_")]


def labels(ax: Axes) -> list[str]:
    return [str(line.get_label()) for line in labelled_lines(ax)]


def xy(line: Line2D) -> tuple[np.ndarray, np.ndarray]:
    x, y = line.get_data()
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def suptitle(fig: Figure) -> str:
    return fig.get_suptitle()


def render_all(result: RunResult) -> list[bytes]:
    """Every figure as PNG bytes at a low resolution: drawn in full, but quickly."""
    out = []
    for draw in figures.FIGURES.values():
        buffer = io.BytesIO()
        draw(result).savefig(buffer, format="png", dpi=40)
        out.append(buffer.getvalue())
    return out


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels from the PNG header."""
    data = path.read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------


def test_draw_all_writes_one_valid_png_per_figure(short_run: RunResult, tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder"  # created if missing
    paths = figures.draw_all(short_run, out)
    assert paths == [out / name for name in figures.FIGURES]
    assert [p.name for p in paths] == [
        "loss_by_firm.png",
        "elogical_by_link.png",
        "value_capture.png",
        "prices.png",
        "market_shares.png",
        "energy.png",
    ]
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE), path.name
        assert len(data) > 30_000, path.name  # a drawn figure, not an empty canvas
        width, height = png_size(path)
        assert width == round(9.0 * figures.DPI), path.name
        assert 4.0 * figures.DPI <= height <= 10.0 * figures.DPI, path.name


def test_png_bytes_decode_to_the_same_pixels_and_resolution() -> None:
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    data = figures.png_bytes(rgba, dpi=110.0)
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGBA" and image.size == (5, 7)
    np.testing.assert_array_equal(np.asarray(image), rgba)
    assert image.info["dpi"] == pytest.approx((110.0, 110.0), abs=0.01)  # stored per metre
    with pytest.raises(ValueError, match="RGBA"):
        figures.png_bytes(rgba[:, :, :3], dpi=110.0)


def test_save_png_writes_what_savefig_draws(short_run: RunResult, tmp_path: Path) -> None:
    fig = figures.market_shares(short_run)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    figures.save_png(fig, tmp_path / "shares.png")
    ours = np.asarray(Image.open(tmp_path / "shares.png"))
    np.testing.assert_array_equal(ours, np.asarray(Image.open(buffer)))


def test_write_outputs_includes_the_figures(short_run: RunResult, tmp_path: Path) -> None:
    written = write_outputs(short_run, tmp_path)
    for name in figures.FIGURES:
        assert tmp_path / name in written


def test_figures_leave_no_global_state(short_run: RunResult) -> None:
    before = _pylab_helpers.Gcf.get_num_fig_managers()
    for draw in figures.FIGURES.values():
        fig = draw(short_run)
        assert isinstance(fig, Figure)
    assert _pylab_helpers.Gcf.get_num_fig_managers() == before


def test_by_firm_gives_each_firms_rows_in_step_order(short_run: RunResult) -> None:
    firms = figures._firms(short_run)
    shuffled = firms.sample(frac=1.0, random_state=0)
    groups = figures._by_firm(shuffled)
    assert [agent_id for agent_id, _, _ in groups] == sorted(firms["agent_id"].unique())
    for agent_id, name, rows in groups:
        expected = firms[firms["agent_id"] == agent_id].sort_values("step")
        assert name == expected["name"].iloc[0]
        pd.testing.assert_frame_equal(rows, expected)
    assert figures._by_firm(firms.iloc[:0]) == []


def test_figures_draw_identically_from_several_threads(short_run: RunResult) -> None:
    """The dashboard draws from server threads: no shared state, so the same bytes."""

    def render(_: int) -> bytes:
        buffer = io.BytesIO()
        figures.loss_by_firm(short_run).savefig(buffer, format="png", dpi=60)
        return buffer.getvalue()

    with ThreadPoolExecutor(max_workers=4) as pool:
        images = list(pool.map(render, range(4)))
    assert images[0].startswith(PNG_SIGNATURE)
    assert all(image == images[0] for image in images)


# --------------------------------------------------------------------------------------------
# each figure
# --------------------------------------------------------------------------------------------


def test_loss_by_firm(short_run: RunResult) -> None:
    fig = figures.loss_by_firm(short_run)
    (ax,) = fig.axes
    assert "Who is winning the race" in suptitle(fig)
    assert ax.get_yscale() == "log"
    assert "L − E" in ax.get_ylabel() and "nats/token" in ax.get_ylabel()
    assert ax.get_xlabel() == "calendar year"
    names = labels(ax)
    assert len(names) == n_firms(short_run) + 1  # one line per firm plus the reference
    assert sum(name.startswith("mean field, g = 2/yr") for name in names) == 1
    assert ax.get_legend() is not None


def test_loss_by_firm_lines_start_at_each_firms_initial_model(short_run: RunResult) -> None:
    extras = short_run.extras
    kappa, k = extras["kappa"], extras["k_coefficient"]
    ax = figures.loss_by_firm(short_run).axes[0]
    by_name = {str(line.get_label()): line for line in labelled_lines(ax)}
    firms = short_run.agents[short_run.agents["agent_type"] == "firm"]
    start = short_run.scenario.run.start_year
    for agent_id, c0 in extras["initial_compute_flop"].items():
        name = firms.loc[firms["agent_id"] == agent_id, "name"].iloc[0]
        x, y = xy(by_name[name])
        assert x[0] == start
        assert y[0] == pytest.approx(k * c0**-kappa, rel=1e-12)
        last = firms[firms["agent_id"] == agent_id]["loss"].iloc[-1] - extras["loss_floor"]
        assert y[-1] == pytest.approx(last, rel=1e-9)


def test_loss_by_firm_reference_is_the_relative_loss_equation(short_run: RunResult) -> None:
    """(L(t) - E) = (L0 - E) * X(t), X(1) = (1 + (2**2 - 1)/(2 ln 2))**-kappa at g = 2, tau0 = 1."""
    extras = short_run.extras
    kappa, k = extras["kappa"], extras["k_coefficient"]
    c0 = max(extras["initial_compute_flop"].values())
    ax = figures.loss_by_firm(short_run).axes[0]
    (reference,) = [line for line in labelled_lines(ax) if "mean field" in str(line.get_label())]
    years, excess = xy(reference)
    start = short_run.scenario.run.start_year
    assert years[0] == start and years[-1] == pytest.approx(start + 2.0)
    assert excess[0] == pytest.approx(k * c0**-kappa, rel=1e-12)
    by_hand = k * c0**-kappa * (1.0 + 3.0 / (2.0 * LN2)) ** -kappa
    assert np.interp(start + 1.0, years, excess) == pytest.approx(by_hand, rel=1e-3)


def test_elogical_by_link_with_link_columns(short_run: RunResult) -> None:
    result = short_run
    if not set(figures.LINK_COLUMNS) <= set(result.agents.columns):
        result = with_synthetic_links(short_run)
    fig = figures.elogical_by_link(result)
    top, bottom = fig.axes
    assert "joules into logical compute" in suptitle(fig)
    assert top.get_yscale() == "log"
    assert "logical FLOP/J" in top.get_ylabel()
    assert len(labels(top)) == n_firms(result) + 1
    assert bottom.get_yscale() == "log"
    assert "doublings" in bottom.get_ylabel()
    assert bottom.get_xlabel() == "calendar year"
    assert "leader" in bottom.get_title()
    lines = labelled_lines(bottom)
    assert len(lines) == len(figures.LINK_COLUMNS) + 1  # three links and their product
    for line in lines:
        assert xy(line)[1][0] == pytest.approx(1.0)
    # the links' doublings add up to Elogical's
    product = np.prod([xy(line)[1] for line in lines[:-1]], axis=0)
    np.testing.assert_allclose(product, xy(lines[-1])[1], rtol=1e-9)


def test_elogical_without_link_columns_keeps_to_the_data(short_run: RunResult) -> None:
    agents = short_run.agents.drop(columns=list(figures.LINK_COLUMNS), errors="ignore")
    result = dataclasses.replace(short_run, agents=agents)
    fig = figures.elogical_by_link(result)
    (ax,) = fig.axes
    assert len(labels(ax)) == n_firms(result) + 1
    assert ax.get_xlabel() == "calendar year"
    assert not ax.texts

    firms = agents[agents["agent_type"] == "firm"]
    final = firms[firms["step"] == firms["step"].max()]
    leader = final.loc[final["loss"].idxmin()]
    links = {int(leader["agent_id"]): {"site": 0.9, "algorithms": 3.5}}
    noted = dataclasses.replace(result, extras={**result.extras, "links": links})
    (ax,) = figures.elogical_by_link(noted).axes
    (text,) = ax.texts
    assert str(leader["name"]) in text.get_text() and "algorithms: 3.5" in text.get_text()


def test_value_capture(short_run: RunResult) -> None:
    fig = figures.value_capture(short_run)
    cumulative, yearly, margin = fig.axes
    assert "Who captures the value" in suptitle(fig)
    assert len(labels(cumulative)) == 7  # six parties and carbon damages
    assert "share" in cumulative.get_ylabel() and "USD/yr" in yearly.get_ylabel()
    assert "margin" in margin.get_ylabel() and margin.get_xlabel() == "calendar year"
    # the last point of each line is the summary's share of the gains
    summary = summarise(short_run)
    for line, party in zip(labelled_lines(cumulative), summary["surplus_share"], strict=True):
        assert xy(line)[1][-1] == pytest.approx(summary["surplus_share"][party], abs=1e-12)
    # gains and losses per sector, one bar per calendar year each: (bottom, top) of each bar
    assert len(yearly.collections) == 6
    spans = np.array([[p.vertices[:2, 1] for p in bars.get_paths()] for bars in yearly.collections])
    assert spans.shape == (6, 2, 2)
    heights = spans[:, :, 1] - spans[:, :, 0]
    assert (heights[0::2] >= 0.0).all() and (heights[1::2] <= 0.0).all()
    # stacked: each sector's gains start where the previous sector's end, losses likewise
    np.testing.assert_array_equal(spans[2::2, :, 0], spans[0:-2:2, :, 1])
    np.testing.assert_array_equal(spans[3::2, :, 0], spans[1:-2:2, :, 1])
    model = short_run.model
    total = sum(model[f"profit_{s}_usd"].sum() for s in ("firms", "vendors", "suppliers"))
    assert heights.sum() == pytest.approx(total, rel=1e-9)
    assert [t.get_text() for t in yearly.get_legend().get_texts()] == [
        "AI firms",
        "hardware vendors",
        "energy suppliers",
    ]
    assert len(labels(margin)) == 3


def test_prices(short_run: RunResult) -> None:
    fig = figures.prices(short_run)
    price, cost = fig.axes
    assert "How cheap is AI getting" in suptitle(fig)
    assert price.get_yscale() == "log" and cost.get_yscale() == "log"
    assert "USD per million tokens" in price.get_ylabel()
    assert "USD per logical FLOP" in cost.get_ylabel()
    assert cost.get_xlabel() == "calendar year"
    assert len(labels(price)) == n_firms(short_run) + 1  # each firm and the average paid
    assert any(name.startswith("average paid") for name in labels(price))
    assert len(labels(cost)) == 1


def test_market_shares(short_run: RunResult) -> None:
    fig = figures.market_shares(short_run)
    shares, hhi = fig.axes
    assert "concentrating" in suptitle(fig)
    assert len(shares.collections) == n_firms(short_run) + 1  # firms and the outside options
    assert shares.get_ylim() == (0.0, 1.0)
    assert "share" in shares.get_ylabel()
    assert len(labels(hhi)) == 4  # three markets and the concentration threshold
    assert "HHI" in hhi.get_ylabel() and hhi.get_xlabel() == "calendar year"
    # the stack (firms plus outside option) fills 100% of buyers' spending
    top = np.asarray(shares.collections[-1].get_paths()[0].vertices, dtype=float)[:, 1]
    assert top.max() == pytest.approx(1.0)


def test_energy_without_cap(short_run: RunResult) -> None:
    fig = figures.energy(short_run)
    power, served = fig.axes
    assert "no energy cap" in suptitle(fig)
    assert power.get_yscale() == "log" and "MW" in power.get_ylabel()
    assert labels(power) == [
        "asked for by firms",
        "delivered",
        "suppliers' installed capacity",
        "capacity on order (suppliers' investment)",
    ]
    assert served.get_xlabel() == "calendar year"
    assert served.get_ylim() == (0.0, 1.05)


def test_energy_with_a_binding_cap(capped_run: RunResult) -> None:
    binding = capped_run.model["energy_cap_binding"].mean()
    assert 0.0 < binding < 1.0  # the scenario does what the test needs
    fig = figures.energy(capped_run)
    power, served = fig.axes
    assert f"the cap binds in {binding:.0%} of steps" in suptitle(fig)
    assert labels(power)[-1] == "energy cap"
    cap = xy(labelled_lines(power)[-1])[1]
    assert np.nanmax(cap) == pytest.approx(1500.0)
    legend = served.get_legend()
    assert legend is not None
    assert "cap binds" in [t.get_text() for t in legend.get_texts()]


# --------------------------------------------------------------------------------------------
# edge cases
# --------------------------------------------------------------------------------------------


def test_a_firm_that_exits_is_marked(short_run: RunResult) -> None:
    agents = short_run.agents
    firm_ids = sorted(agents.loc[agents["agent_type"] == "firm", "agent_id"].unique())
    gone = firm_ids[0]
    kept = agents[(agents["agent_id"] != gone) | (agents["step"] <= 6)]
    result = dataclasses.replace(short_run, agents=kept.reset_index(drop=True))
    ax = figures.loss_by_firm(result).axes[0]
    assert len(labels(ax)) == len(firm_ids) + 1
    (exits,) = ax.collections
    assert exits.get_label() == "exit"
    assert all(image.startswith(PNG_SIGNATURE) for image in render_all(result))


def test_missing_and_non_positive_values_draw_without_warnings(short_run: RunResult) -> None:
    model = short_run.model.copy()
    model["cost_usd_per_logical_flop"] = np.nan
    model["price_usd_per_million_tokens"] = 0.0
    model["hhi_chips"] = np.nan
    agents = short_run.agents.copy()
    agents.loc[agents["agent_type"] == "firm", "price_usd_per_million_tokens"] = -1.0
    result = dataclasses.replace(short_run, model=model, agents=agents)
    assert all(image.startswith(PNG_SIGNATURE) for image in render_all(result))
    price, _ = figures.prices(result).axes
    assert "average paid" in labels(price)  # no fall rate without positive prices


def with_synthetic_links(result: RunResult) -> RunResult:
    """Per-link columns whose product is Elogical, for a model that does not record them yet."""
    agents = result.agents.copy()
    elogical = agents["elogical_flop_per_joule"]
    agents["site_efficiency"] = 0.8
    agents["chip_flop_per_joule"] = 1e12
    agents["algorithmic_efficiency"] = elogical / (0.8 * 1e12)
    return dataclasses.replace(result, agents=agents)
