"""The dashboard in a real browser: `effrace dashboard` driven by Playwright in headless Chromium.

Needs Debian's chromium at /usr/bin/chromium (or $CHROMIUM) and the playwright package (its own
browser download is not used); skipped without them. About 30 s: the server takes a few seconds
to start.

Fails on any browser console error, HTTP status >= 400, request to a host other than this
machine (such requests are also aborted, so the test never leaves the machine), and on
"Could not load URL" (an asset missing from solara-assets) or "Traceback" in the server's log.
Screenshots at 1024x768 and 1440x900 go to $EFFRACE_DASHBOARD_SCREENSHOTS (a folder) when set
(docs/_dashboard_screenshot.py makes docs/dashboard.png).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from _dashboard_server import CHROMIUM, CHROMIUM_ARGS, MISSING, Server

from sim.scenario import load_scenario

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,  # about 25 s: the whole lesson, clicked through (CI runs it)
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set $CHROMIUM)",
    ),
    pytest.mark.skipif(bool(MISSING), reason=f"not installed: {', '.join(MISSING)}"),
]

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
LOCAL_SCHEMES = {"blob", "data", "about"}
UI_TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("dashboard") / "server.log")
    try:
        s.wait_ready()
        yield s
    finally:
        s.stop()
    s.assert_clean_log()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


# ------------------------------------------------------------------------------- browser ---
class Watch:
    """Console errors, page errors, failed or >= 400 responses, and non-local requests."""

    def __init__(self) -> None:
        self.console: list[str] = []
        self.errors: list[str] = []
        self.foreign: list[str] = []

    def attach(self, context: Any, page: Any) -> None:
        context.on("request", lambda request: self._check_url(request.url))
        # and abort them, so a regression fails here without the browser leaving the machine
        context.route("**/*", self._route)
        page.on("websocket", lambda ws: self._check_url(ws.url))
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("response", self._on_response)
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url} {r.failure}"))

    def _on_console(self, msg: Any) -> None:
        self.console.append(f"[{msg.type}] {msg.text}")
        if msg.type == "error":
            self.errors.append(f"console error: {msg.text}")

    def _on_response(self, response: Any) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status} {response.url}")

    @staticmethod
    def is_local(url: str) -> bool:
        parts = urlparse(url)
        return parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS

    def _route(self, route: Any) -> None:
        if self.is_local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def _check_url(self, url: str) -> None:
        if not self.is_local(url):
            self.foreign.append(url)

    def assert_clean(self) -> None:
        assert not self.foreign, f"requests to other hosts: {self.foreign}"
        assert not self.errors, (
            "browser errors:\n" + "\n".join(self.errors) + "\nconsole:\n" + "\n".join(self.console)
        )


def open_page(
    browser: Any, url: str, watch: Watch, width: int = 1440, height: int = 900
) -> tuple[Any, Any]:
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    watch.attach(context, page)
    page.goto(url)
    return context, page


def figure_step(page: Any, panel: str) -> int:
    """The step the browser's figure of a panel shows (set by the plot on each update)."""
    value = page.locator(f".figure-{panel} .live-plot").get_attribute("data-step")
    return -1 if value is None else int(value)


def wait_figure_step(page: Any, panel: str, step: int, timeout_s: float = 15.0) -> float:
    """Seconds until the panel's figure shows ``step``."""
    started = time.perf_counter()
    page.wait_for_selector(
        f'.figure-{panel} .live-plot[data-step="{step}"] .main-svg', timeout=timeout_s * 1000
    )
    return time.perf_counter() - started


def step_of(text: str) -> int:
    match = re.search(r"step (\d+) of", text)
    assert match, text
    return int(match.group(1))


LAYOUT_JS = """() => {
  const doc = document.documentElement;
  const sizes = [];
  for (const el of document.querySelectorAll('.live-plot text')) {
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (el.textContent.trim()) sizes.push(px);
  }
  const top = (sel) => document.querySelector(sel).getBoundingClientRect().top;
  const rect = (sel) => document.querySelector(sel).getBoundingClientRect();
  return {
    sideways: doc.scrollWidth - doc.clientWidth,
    smallestText: Math.min(...sizes),
    plotTops: [top('.figure-A .live-plot'), top('.figure-B .live-plot')],
    readoutTops: [top('.readouts-A'), top('.readouts-B')],
    rowTops: ['year', 'leader', 'price', 'profit', 'energy'].map(
      (k) => [top('.readout-' + k + '-A'), top('.readout-' + k + '-B')]),
    settingsTops: [...document.querySelectorAll('.settings-title')].map(
      (el) => el.getBoundingClientRect().top),
    plotA: [rect('.figure-A .live-plot').left, rect('.figure-A .live-plot').right],
    plotB: [rect('.figure-B .live-plot').left, rect('.figure-B .live-plot').right],
    tabs: [rect('.figtabs').left, rect('.figtabs').right],
    width: doc.clientWidth,
    height: window.innerHeight,
  };
}"""


# --------------------------------------------------------------------------------- tests ---
def test_dashboard_in_a_browser(server: Server, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    started = time.perf_counter()
    watch = Watch()
    ctx1, p1 = open_page(browser, server.url, watch)
    year_a, year_b = p1.locator(".readout-year-A"), p1.locator(".readout-year-B")
    expect(year_a).to_contain_text("2024.00 · step 0 of 240")
    expect(year_b).to_contain_text("2024.00 · step 0 of 240")
    energy_b = p1.locator(".readout-energy-B")
    expect(energy_b).to_contain_text("cap 5,000 MW from 2027")
    # figures from step 0: the starting state and the closed-form curve, drawn by the browser
    wait_figure_step(p1, "A", 0)
    wait_figure_step(p1, "B", 0)
    expect(p1.locator(".figure-A .live-plot")).to_contain_text("closed-form curve")
    load_s = time.perf_counter() - started

    # panel B: the energy cap from the start, tightened to the slider's lowest value
    p1.locator(".section-B-policies-energy_cap").click()
    from_year = p1.locator(".ctl-B-policies-energy_cap-from_year input")
    from_year.fill("2024")
    from_year.press("Enter")
    expect(energy_b).to_contain_text("cap 5,000 MW")
    expect(energy_b).not_to_contain_text("from 2027")
    slider = p1.locator(".ctl-B-policies-energy_cap-cap_mw [role=slider]")
    slider.focus()
    slider.press("Home")
    expect(p1.locator(".ctl-B-policies-energy_cap-cap_mw")).to_contain_text("power limit [MW]: 200")
    expect(energy_b).to_contain_text("cap 200 MW")

    # a value the dataclass rejects: one line in the panel, the page goes on
    from_year.fill("1800")
    from_year.press("Enter")
    expect(p1.locator(".error-B")).to_contain_text(
        "Not applied: Energy cap, start year: 1800 is outside what the model accepts, 1900 to 2500"
    )
    from_year.fill("2024")
    from_year.press("Enter")
    expect(p1.locator(".error-B")).to_have_count(0)

    # step both: readouts and figures move together
    click = time.perf_counter()
    p1.locator(".step-both").click()
    wait_figure_step(p1, "A", 1)
    wait_figure_step(p1, "B", 1)
    step_s = time.perf_counter() - click
    expect(year_a).to_contain_text("step 1 of")
    price_b = p1.locator(".readout-price-B")
    assert "USD per million tokens" in price_b.inner_text()
    for n in (2, 3):
        p1.locator(".step-B").click()
        wait_figure_step(p1, "B", n)
    expect(energy_b).to_contain_text("cap 200 MW (binding)")
    expect(year_a).to_contain_text("step 1 of")
    expect(year_b).to_contain_text("step 3 of")

    # every figure tab draws in both panels; the energy figure shows the cap
    for tab in ("money", "prices", "energy", "efficiency", "race"):
        p1.locator(f".tab-{tab}").click()
        p1.wait_for_timeout(300)
        wait_figure_step(p1, "B", 3)
        if tab == "energy":
            expect(p1.locator(".figure-B .live-plot")).to_contain_text("energy cap")

    # export B's settings: a scenario file that loads and carries the changes, named by
    # scenario, session and time
    with p1.expect_download() as download:
        p1.locator(".export-B button").click()
    name = download.value.suggested_filename
    assert re.fullmatch(r"energy-cap-dashboard_[0-9a-zA-Z]{1,6}_\d{8}-\d{6}\.toml", name), name
    exported = tmp_path / name
    shutil.copy(download.value.path(), exported)
    scenario = load_scenario(exported)
    assert scenario.policies.energy_cap is not None
    assert scenario.policies.energy_cap.cap_mw == 200.0
    assert scenario.policies.energy_cap.from_year == 2024.0

    # play both: the panels stay in lockstep; pause stops both
    p1.locator(".reset-both").click()
    wait_figure_step(p1, "A", 0)
    wait_figure_step(p1, "B", 0)
    p1.locator(".play-both").click()
    expect(year_a).to_contain_text(re.compile(r"step ([6-9]|\d\d+) of"), timeout=20_000)
    p1.locator(".play-both").click()
    expect(p1.locator(".play-both")).to_contain_text(re.compile("Play both", re.I))
    time.sleep(1.0)
    paused_a, paused_b = step_of(year_a.inner_text()), step_of(year_b.inner_text())
    assert paused_a == paused_b, (paused_a, paused_b)
    assert figure_step(p1, "A") == figure_step(p1, "B") == paused_a
    time.sleep(0.8)
    assert step_of(year_a.inner_text()) == paused_a

    # the same scale: identical y-ranges in A and B (on by default), own ranges when off
    ranges = "(p) => [...document.querySelectorAll(p + ' .live-plot .ytick text')].map(t => t.textContent).join(',')"
    for tab in ("money", "energy"):
        p1.locator(f".tab-{tab}").click()
        p1.wait_for_timeout(500)
        assert p1.evaluate(ranges, ".figure-A") == p1.evaluate(ranges, ".figure-B"), tab

    # projector sizes: no sideways scroll, nothing clipped, text >= 11 px, rows level
    shots = os.environ.get("EFFRACE_DASHBOARD_SCREENSHOTS")
    for width, height in ((1024, 768), (1440, 900)):
        p1.set_viewport_size({"width": width, "height": height})
        p1.locator(".tab-race").click()
        p1.wait_for_timeout(800)
        layout = p1.evaluate(LAYOUT_JS)
        assert layout["sideways"] <= 0, layout
        assert layout["smallestText"] >= 11, layout
        assert abs(layout["plotTops"][0] - layout["plotTops"][1]) < 1, layout
        assert abs(layout["readoutTops"][0] - layout["readoutTops"][1]) < 1, layout
        # row by row, though B's gains have a line more (the government's, under the cap)
        for top_a, top_b in layout["rowTops"]:
            assert abs(top_a - top_b) < 1, layout
        assert len(layout["settingsTops"]) == 2, layout
        assert abs(layout["settingsTops"][0] - layout["settingsTops"][1]) < 1, layout
        assert layout["plotA"][1] <= layout["plotB"][0] <= layout["plotB"][1] <= width, layout
        assert layout["tabs"][1] <= width, layout
        # the figures start on the first screen
        assert layout["plotTops"][0] < height / 2, layout
        path = tmp_path / f"dashboard-{width}x{height}.png"
        p1.screenshot(path=str(path))
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(shots) / path.name)

    # a second browser context is a second student: fresh models with the shipped settings
    ctx2, p2 = open_page(browser, server.url, watch)
    expect(p2.locator(".readout-year-A")).to_contain_text("2024.00 · step 0 of 240")
    expect(p2.locator(".readout-energy-B")).to_contain_text("cap 5,000 MW from 2027")
    # showing every control changes nothing (a slider must not send back a rounded value)
    for panel in "AB":
        headers = p2.locator(f".controls-{panel} .v-expansion-panel-header")
        for i in range(headers.count()):
            headers.nth(i).click()
    expect(p2.locator(".ctl-B-policies-export_control-max_flop_per_joule")).to_be_visible()
    # the pointer on a slider's label or on a drop-down shows the students' words
    for control, words in (
        (".ctl-A-law-kappa .ctl-label", "The elasticity of a model's error"),
        (".ctl-A-law-preset", "Which published estimate of how fast AI models improve"),
    ):
        p2.locator(control).hover()
        expect(p2.locator(".menuable__content__active", has_text=words)).to_be_visible()
    time.sleep(0.5)
    for panel in "AB":
        expect(p2.locator(f".defaults-{panel}")).to_be_disabled()
    p2.locator(".step-A").click()
    expect(p2.locator(".readout-year-A")).to_contain_text("step 1 of")
    # ... and the first student's models did not move
    assert step_of(year_a.inner_text()) == paused_a

    ctx2.close()
    ctx1.close()
    time.sleep(0.5)  # the closed sessions' workers stop; nothing may go wrong on the way
    watch.assert_clean()
    server.assert_clean_log()
    print(
        f"\ndashboard timings: first page with figures {load_s:.2f} s, "
        f"step both -> both figures {step_s:.2f} s, test {time.perf_counter() - started:.1f} s"
    )
