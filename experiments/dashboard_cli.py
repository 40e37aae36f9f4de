"""``effrace dashboard``: serve the browser dashboard (docs/teachers.md)."""

from __future__ import annotations

import argparse
import errno
import importlib.metadata
import importlib.util
import math
import os
import socket

from sim.errors import UserError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
EXTRA_MESSAGE = "the dashboard needs its extra: pip install -e '.[dashboard]'"


def add_parser(sub: argparse._SubParsersAction) -> None:
    dash = sub.add_parser(
        "dashboard",
        help="serve the browser dashboard: two scenarios side by side",
        description="Serve the dashboard: two scenarios side by side with their controls, "
        "readouts and figures. Every browser tab gets its own models. Works offline. "
        "Stop it with Ctrl+C. See docs/teachers.md.",
    )
    dash.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only; "
        "0.0.0.0: every network interface, for a class)",
    )
    dash.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    dash.set_defaults(func=dashboard_command)


def check_installed() -> None:
    """Raise UserError unless the dashboard's extra is installed (solara and its local assets,
    plotly for plotly.js)."""
    if importlib.util.find_spec("solara") is None or importlib.util.find_spec("plotly") is None:
        raise UserError(EXTRA_MESSAGE)
    try:
        importlib.metadata.version("solara-assets")  # the front-end files, served locally
    except importlib.metadata.PackageNotFoundError:
        raise UserError(EXTRA_MESSAGE) from None


def check_address(host: str, port: int) -> None:
    """Raise UserError if the server could not listen on host:port (bad port, taken, unknown)."""
    if not 1 <= port <= 65535:
        raise UserError(f"--port {port}: must be between 1 and 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UserError(f"--host {host}: not an address of this machine") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:  # 8.8.8.8, say: no other port would help
                raise UserError(f"--host {host}: not an address of this machine") from None
            raise UserError(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                f"try another port, e.g. --port {port + 1}"
            ) from None


def check_cull_timeout(value: str | None) -> None:
    """Raise UserError unless ``SOLARA_KERNEL_CULL_TIMEOUT`` (how long a session whose tab went
    away is kept, docs/teachers.md) is a duration Solara can read (its own parser:
    ``30m``, ``2h``, ``1d``, ``90s`` or seconds), zero or more. Solara would otherwise stop at
    start with a traceback."""
    if value is None:
        return
    try:  # Solara reads the variable as it is imported, and fails there on a bad value
        from solara.util import parse_timedelta

        seconds = parse_timedelta(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise UserError(
            f"SOLARA_KERNEL_CULL_TIMEOUT={value}: not a duration; use e.g. 30m, 2h or 1d"
        )


def url_of(host: str, port: int) -> str:
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def dashboard_command(args: argparse.Namespace) -> int:
    check_installed()
    check_cull_timeout(os.environ.get("SOLARA_KERNEL_CULL_TIMEOUT"))
    check_address(args.host, args.port)
    from experiments.dashboard.server import serve

    print(f"Dashboard: {url_of(args.host, args.port)}  (Ctrl+C to stop)", flush=True)
    if args.host in ("0.0.0.0", "::"):
        print(
            f"Listening on every interface: students open http://<this machine's address>:"
            f"{args.port}/ (on this machine: http://127.0.0.1:{args.port}/)",
            flush=True,
        )
    return serve(args.host, args.port)
