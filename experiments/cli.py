"""The ``effrace`` command: one sub-command per job, each in its own module.

User mistakes (:class:`sim.errors.UserError`, and argparse's own) end in one line on stderr and
exit code 2; nothing a user types produces a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sim.errors import UserError


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the problem (exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from experiments import analytic_cli

    parser = _Parser(
        prog="effrace",
        description="The AI efficiency race: scaling laws, efficiency doublings, markets.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    analytic_cli.add_parser(sub)
    for name in ("run_cli", "validate_cli", "sweep_cli", "dashboard_cli"):
        try:
            module = __import__(f"experiments.{name}", fromlist=["add_parser"])
        except ModuleNotFoundError as exc:  # a job still being built
            if exc.name != f"experiments.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(exc))  # one line
        print(f"effrace: error: {text}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("effrace: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `effrace run baseline | head`: the reader left
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
