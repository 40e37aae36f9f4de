"""The screenshot of the dashboard in docs/teachers.md: ``docs/dashboard.png``.

Starts ``effrace dashboard`` on 127.0.0.1 at a free port (the browser tests' server,
``tests/_dashboard_server.py``), opens it in headless Chromium at 1440x900, shows the power
figure and presses "Step both" STEPS times (each press one month in both panels, waiting for
both figures to draw it), so the picture is the same on every run: A (baseline) against B
(energy-cap) in 2033. Then it saves the screenshot and stops the server. About a minute.

Needs the ``[browser]`` extra (playwright, which drives Debian's chromium at /usr/bin/chromium
or $CHROMIUM, not its own download)::

    python docs/_dashboard_screenshot.py [out.png]      # default: docs/dashboard.png

Prints the browser's console errors and any request to another host (aborted, so the page
never leaves the machine); exits 1 if there were any, or if the server's log shows a traceback.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STEPS = 108  # months: 2024 -> 2033, the cap (from 2027) binding for six years
FIGURE = "energy"  # the "Power" tab: asked for, built, delivered, and B's cap
WIDTH, HEIGHT = 1440, 900
TIMEOUT_MS = 15_000
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def shoot(page: Any, out: Path) -> None:
    """Bring the open page to STEPS months on FIGURE and save the screenshot to ``out``."""
    for panel in "AB":
        page.wait_for_selector(f'.figure-{panel} .live-plot[data-step="0"] .main-svg')
    page.locator(f".tab-{FIGURE}").click()
    step_both = page.locator(".step-both")
    for n in range(1, STEPS + 1):
        step_both.click()
        for panel in "AB":
            page.wait_for_selector(f'.figure-{panel} .live-plot[data-step="{n}"] .main-svg')
    for panel in "AB":
        page.locator(f".readout-year-{panel}").filter(has_text=f"step {STEPS} of").wait_for()
    page.mouse.move(WIDTH - 1, HEIGHT - 1)  # no hover label or tooltip in the picture
    page.wait_for_timeout(800)  # plotly's transitions settle
    page.screenshot(path=str(out))


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    from tests._dashboard_server import BAD_LOG_LINES, CHROMIUM, CHROMIUM_ARGS, Server

    out = Path(argv[0]) if argv else DOCS / "dashboard.png"
    problems: list[str] = []

    def route(r: Any) -> None:
        if urlparse(r.request.url).hostname in LOCAL_HOSTS or r.request.url.startswith("data:"):
            r.continue_()
        else:
            problems.append(f"request to another host: {r.request.url}")
            r.abort("blockedbyclient")

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "server.log")
        try:
            server.wait_ready()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
                page.set_default_timeout(TIMEOUT_MS)
                page.route("**/*", route)
                page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
                page.on(
                    "console",
                    lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None,
                )
                page.goto(server.url)
                shoot(page, out)
                browser.close()
        finally:
            server.stop()
        log = server.log()
    problems += [f"server log: {bad}" for bad in BAD_LOG_LINES if bad in log]
    print(f"{out}: {out.stat().st_size / 1000:.0f} kB, {STEPS} steps on the {FIGURE!r} figure")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
