"""The dashboard in a real browser: `effrace dashboard` driven by Playwright in headless Chromium.

Needs Debian's chromium at /usr/bin/chromium (or $CHROMIUM) and the playwright package (its own
browser download is not used). About 20-30 s: the server takes a few seconds to start.

Fails on any browser console error, HTTP status >= 400, request to a host other than this
machine (such requests are also aborted, so the test never leaves the machine), and on
"Could not load URL" (an asset missing from solara-assets) or "Traceback" in the server's log.
Set EFFRACE_DASHBOARD_SCREENSHOT=path.png to keep a screenshot (docs/dashboard.png is made so).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from sim.scenario import load_scenario

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set $CHROMIUM)",
    ),
]

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright is not installed (pip install -e '.[browser]'; .ci/run installs it)",
)
expect = sync_api.expect

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
LOCAL_SCHEMES = {"blob", "data", "about"}
START_TIMEOUT_S = 60.0
UI_TIMEOUT_MS = 15_000
BAD_LOG_LINES = ("Could not load URL", "Traceback")


# -------------------------------------------------------------------------------- server ---
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`effrace dashboard` in its own process group, so teardown reaches every process."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = log_path
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "experiments.cli", "dashboard", "--port", str(self.port)],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200 and b"solara" in response.read().lower():
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"dashboard not ready after {timeout:.0f} s:\n{self.log()}")

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def assert_clean_log(self) -> None:
        log = self.log()
        for bad in BAD_LOG_LINES:
            assert bad not in log, f"'{bad}' in the server's log:\n{log}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


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
    with sync_api.sync_playwright() as p:
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


def open_page(browser: Any, url: str, watch: Watch) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 2000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    watch.attach(context, page)
    page.goto(url)
    return context, page


FIGURE_HASH_JS = """async (el) => {
  const img = el.querySelector('img');
  if (!img || !img.src) return null;
  const buf = await (await fetch(img.src)).arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', buf);
  return Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, '0')).join('');
}"""


def figure_hash(locator: Any) -> str:
    locator.locator("img").first.wait_for()
    return str(locator.evaluate(FIGURE_HASH_JS))


def wait_figure_change(locator: Any, old: str, timeout_s: float = UI_TIMEOUT_MS / 1000) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        new = figure_hash(locator)
        if new and new != old:
            return new
        time.sleep(0.1)
    raise AssertionError("the figure did not change")


def step_of(text: str) -> int:
    match = re.search(r"step (\d+) of", text)
    assert match, text
    return int(match.group(1))


def timed_click(page: Any, button: str, readout: str, pattern: re.Pattern[str]) -> float:
    """Seconds from a click to the readout matching ``pattern``."""
    started = time.perf_counter()
    page.locator(button).click()
    expect(page.locator(readout)).to_contain_text(pattern)
    return time.perf_counter() - started


# --------------------------------------------------------------------------------- tests ---
def test_dashboard_in_a_browser(server: Server, browser: Any, tmp_path: Path) -> None:
    started = time.perf_counter()
    watch = Watch()
    ctx1, p1 = open_page(browser, server.url, watch)
    year_a, year_b = p1.locator(".readout-year-A"), p1.locator(".readout-year-B")
    expect(year_a).to_contain_text("Year 2024.00 · step 0 of 240")
    expect(year_b).to_contain_text("Year 2024.00 · step 0 of 240")
    energy_b = p1.locator(".readout-energy-B")
    expect(energy_b).to_contain_text("cap 5,000 MW from 2027")
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
    expect(p1.locator(".ctl-B-policies-energy_cap-cap_mw")).to_contain_text("cap [MW]: 200")
    expect(energy_b).to_contain_text("cap 200 MW")

    # a value the dataclass rejects: one line in the panel, the page goes on
    from_year.fill("1800")
    from_year.press("Enter")
    expect(p1.locator(".error-B")).to_contain_text("from_year")
    from_year.fill("2024")
    from_year.press("Enter")
    expect(p1.locator(".error-B")).to_have_count(0)

    # step B: readouts and the figure change; A is untouched
    step_s = timed_click(p1, ".step-B", ".readout-year-B", re.compile("step 1 of"))
    figure_b = p1.locator(".figure-B")
    first = figure_hash(figure_b)
    price_b = p1.locator(".readout-price-B")
    price_1 = price_b.inner_text()
    assert "USD per million tokens" in price_1
    for n in (2, 3):
        p1.locator(".step-B").click()
        expect(year_b).to_contain_text(f"step {n} of")
    wait_figure_change(figure_b, first)
    expect(price_b).not_to_have_text(price_1)
    expect(energy_b).to_contain_text("cap 200 MW (binding)")
    expect(year_a).to_contain_text("step 0 of")

    # export B's settings: a scenario file that loads and carries the changes
    with p1.expect_download() as download:
        p1.locator(".export-B button").click()
    exported = tmp_path / "exported.toml"
    shutil.copy(download.value.path(), exported)
    scenario = load_scenario(exported)
    assert scenario.policies.energy_cap is not None
    assert scenario.policies.energy_cap.cap_mw == 200.0
    assert scenario.policies.energy_cap.from_year == 2024.0
    assert scenario.name == "energy-cap-dashboard"

    # play and pause A (background thread); the page answers while it plays
    p1.locator(".play-A").click()
    expect(year_a).to_contain_text(re.compile(r"step ([6-9]|\d\d+) of"), timeout=20_000)
    pause_s = timed_click(p1, ".play-A", ".play-A", re.compile("Play", re.I))
    paused_at = step_of(year_a.inner_text())
    time.sleep(0.8)
    assert step_of(year_a.inner_text()) == paused_at
    p1.screenshot(path=str(tmp_path / "session1.png"), full_page=True)
    if os.environ.get("EFFRACE_DASHBOARD_SCREENSHOT"):
        p1.screenshot(path=os.environ["EFFRACE_DASHBOARD_SCREENSHOT"], full_page=True)

    # a second browser context is a second student: fresh models with the shipped settings
    ctx2, p2 = open_page(browser, server.url, watch)
    expect(p2.locator(".readout-year-A")).to_contain_text("Year 2024.00 · step 0 of 240")
    expect(p2.locator(".readout-year-B")).to_contain_text("Year 2024.00 · step 0 of 240")
    expect(p2.locator(".readout-energy-B")).to_contain_text("cap 5,000 MW from 2027")
    # showing every control changes nothing (a slider must not send back a rounded value)
    for panel in "AB":
        headers = p2.locator(f".controls-{panel} .v-expansion-panel-header")
        for i in range(headers.count()):
            headers.nth(i).click()
    expect(p2.locator(".ctl-B-policies-export_control-max_flop_per_joule")).to_be_visible()
    time.sleep(0.5)
    for panel in "AB":
        expect(p2.locator(f".defaults-{panel}")).to_be_disabled()
    p2.locator(".step-A").click()
    expect(p2.locator(".readout-year-A")).to_contain_text("step 1 of")
    p2.screenshot(path=str(tmp_path / "session2.png"), full_page=True)
    # ... and the first student's models did not move
    assert step_of(year_a.inner_text()) == paused_at
    expect(year_b).to_contain_text("step 3 of")

    ctx2.close()
    ctx1.close()
    time.sleep(0.5)  # the closed sessions' workers stop; nothing may go wrong on the way
    watch.assert_clean()
    server.assert_clean_log()
    print(
        f"\ndashboard timings: first page {load_s:.2f} s, step click -> readout {step_s:.2f} s, "
        f"pause click while playing -> button {pause_s:.2f} s, "
        f"test {time.perf_counter() - started:.1f} s"
    )
