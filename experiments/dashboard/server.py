"""Starting the Solara server for the dashboard, offline.

The server runs as ``python -m solara run experiments.dashboard.app:Page`` in a process whose
environment is set before Solara is imported (Solara reads its settings at import), which is why
``effrace dashboard`` replaces itself with that process rather than importing Solara.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

APP = "experiments.dashboard.app:Page"

OFFLINE_ENV = {
    # no Mixpanel events (api.mixpanel.com) and no api.ipify.org lookup at start
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    # the browser loads the front-end bundles from this server (/_solara/cdn/...), which serves
    # them from <venv>/share/solara/cdn, installed by the solara-assets package
    "SOLARA_ASSETS_PROXY": "True",
    # on a cache miss the server would fetch from jsdelivr: point it at a closed local port so a
    # miss fails at once (and shows as "Could not load URL" in the server's log)
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    # minified assets, no hot reload, no solara.dev "check" iframe
    "SOLARA_MODE": "production",
    # no "This website runs on Solara" link
    "SOLARA_THEME_SHOW_BANNER": "False",
    # the page's own title before its script runs (tabs, bookmarks), not Solara's default
    "SOLARA_THEME_TITLE": "Efficiency race dashboard",
    # solara's hook linter reads the source of every component at start; not needed to serve
    "SOLARA_CHECK_HOOKS": "off",
}
"""Forced, not defaults: together they make the dashboard work on a machine with no internet."""


def solara_command(host: str, port: int) -> list[str]:
    """The command that serves the dashboard."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        APP,
        "--host",
        host,
        "--port",
        str(port),
        "--production",  # same as SOLARA_MODE=production
        "--no-open",  # no browser on the server machine
        "--no-check-version",  # no question to pypi.org about the newest solara
        "--workers",
        "1",  # sessions live in this process's memory: more workers would split them
        "--log-level",
        "warning",
    ]


QUIET_WARNINGS = "ignore:Cookies with samesite=none require https:UserWarning"
"""Solara warns, once per server, that over plain http (any host but "localhost") its session
cookie falls back to SameSite=Lax; that only matters when the page is embedded in another
site's iframe, which the dashboard never is."""


DEFAULT_ENV = {
    # a session whose browser went away without closing its tab (a laptop lid shut, a dropped
    # network) is kept this long for it to reconnect, then freed; Solara's own default is 24h
    "SOLARA_KERNEL_CULL_TIMEOUT": "2h",
}
"""Defaults a teacher may override in the environment."""


def plotly_assets_dir() -> Path:
    """The folder of plotly.min.js inside the installed plotly package (its ``package_data``).

    The page loads plotly.js from ``/static/assets/plotly.min.js``
    (:data:`experiments.dashboard.plot.PLOTLY_URL`): Solara serves its assets, and the folders
    named in ``SOLARA_ASSETS_EXTRA_LOCATIONS``, there. Found without importing plotly.
    """
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("plotly is not installed (pip install -e '.[dashboard]')")
    return Path(spec.origin).parent / "package_data"


def server_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {**DEFAULT_ENV, **(os.environ if base is None else base)}
    env.update(OFFLINE_ENV)
    env["SOLARA_ASSETS_EXTRA_LOCATIONS"] = str(plotly_assets_dir())
    env["PYTHONWARNINGS"] = ",".join(w for w in (env.get("PYTHONWARNINGS"), QUIET_WARNINGS) if w)
    return env


def serve(host: str, port: int) -> int:
    """Run the server until it is stopped (Ctrl+C); returns its exit code."""
    command, env = solara_command(host, port), server_env()
    if os.name == "posix":
        # become the server: Ctrl+C and SIGTERM reach it directly, and killing the command
        # leaves no orphaned server behind
        os.execve(sys.executable, command, env)
    process = subprocess.Popen(command, env=env)  # no exec on Windows
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()
