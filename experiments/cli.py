"""The ``effrace`` command: one sub-command per job, each in its own module.

Only the module of the command being run is imported, so ``effrace run`` does not pay for the
sweep machinery (Dask, SALib, SciPy) and ``effrace analytic`` not for the model; ``effrace
--help`` imports them all to list every command. Mesa comes in through :mod:`sim.lazy_mesa`
(its core only, without SciPy and networkx) except for the dashboard.

User mistakes (:class:`sim.errors.UserError`, and argparse's own) end in one line on stderr and
exit code 2; nothing a user types produces a traceback. An operating-system error no command
turned into a UserError (a full disk, a folder removed mid-run) is one line too, exit code 1.

numpy's OpenBLAS runs single-threaded (``OPENBLAS_NUM_THREADS=1``, unless the environment sets
it): starting its pool of threads cost about 0.07 CPU-s of every command's import of numpy, and
the model's arrays (a few to a few thousand elements) never reach the sizes it splits among
threads. Process-level parallelism (a sweep's workers) is unaffected; each worker inherits it.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from sim import lazy_mesa
from sim.errors import UserError

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads: see the docstring

COMMANDS: dict[str, str] = {
    "analytic": "experiments.analytic_cli",
    "run": "experiments.run_cli",
    "validate": "experiments.run_cli",
    "calibrate": "experiments.calibrate_cli",
    "sweep": "experiments.sweep_cli",
    "compare": "experiments.sweep_cli",
    "sensitivity": "experiments.sweep_cli",
    "dashboard": "experiments.dashboard_cli",
}
"""Sub-command -> the module whose ``add_parser(subparsers)`` defines it, in ``--help`` order."""

FULL_MESA = {"dashboard"}
"""Commands that use Mesa beyond its core (visualisation); the others import only the core."""


def _freeze_at_exit() -> None:
    """Move every object to the collector's permanent generation when the process ends.

    Python's finalization runs full cyclic collections over everything still alive (an
    ``effrace run`` holds about 200,000 objects: numpy, pandas, Mesa, matplotlib, the figures
    drawn), which took 0.25-0.3 CPU-s after the command had finished; frozen objects are left
    to the operating system. Exit handlers and ``weakref.finalize`` callbacks still run (they
    are exit handlers too), and every file the commands write is closed before they return."""
    gc.freeze()


atexit.register(_freeze_at_exit)  # once a process, as the CLI loads


class Terminated(KeyboardInterrupt):
    """SIGTERM (a killed job, ``timeout``, a batch scheduler's limit), raised where the command
    is, so that it stops as after Ctrl-C: a sweep stores the runs it has computed (``--resume``
    finishes), a run removes its half-written folder. Exit code 143 (128 + SIGTERM)."""


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise Terminated


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the problem (exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``effrace`` parser: with every sub-command, or only ``command``'s module's ones."""
    parser = _Parser(
        prog="effrace",
        description="The AI efficiency race: scaling laws, efficiency doublings, markets.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    # --help, no command or a misspelt one: list them all
    everything = list(dict.fromkeys(COMMANDS.values()))
    modules = [COMMANDS[command]] if command in COMMANDS else everything
    for name in modules:
        importlib.import_module(name).add_parser(sub)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv``: its first word (``effrace`` itself has no options but
    ``--help``, and with it every command is listed)."""
    return argv[0] if argv and not argv[0].startswith("-") else None


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    command = _command_of(words)
    if command not in FULL_MESA:
        lazy_mesa.install()
    parser = build_parser(command)
    args = parser.parse_args(words)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main_thread else None
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(exc))  # one line
        print(f"effrace: error: {text}", file=sys.stderr)
        return exc.exit_code
    except Terminated:
        print("effrace: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("effrace: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `effrace run baseline | head`: the reader left
        sys.stderr.close()
        return 0
    except OSError as exc:  # the disk or the system failed around the input (full, removed)
        where = f": {exc.filename}" if exc.filename else ""
        print(f"effrace: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    finally:
        if in_main_thread:  # None: a handler not set from Python, i.e. the default
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


if __name__ == "__main__":
    sys.exit(main())
