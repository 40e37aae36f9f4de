"""What every lesson in docs/lessons shares: its command line, its key numbers and the claims
its debrief makes, and saving its figures.

Part of the installed package, so that a lesson runs from any folder, as a script
(``python 01_scaling_laws.py --out DIR``) or as a notebook (jupytext), also when a teacher
hands out the lesson file alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure


def default_out(number: str) -> Path:
    """Where a lesson's figures go without ``--out``: a folder under the system's temporary
    folder (``/tmp/effrace-lessons/01``), so that running a lesson never leaves files in the
    folder it runs from."""
    return Path(tempfile.gettempdir()) / "effrace-lessons" / number


class Lesson:
    """A lesson's output folder (``--out``, default :func:`default_out`), its extra options,
    the key numbers its debrief refers to (``K1``...) and the claims it makes (``C1``...)."""

    def __init__(
        self,
        number: str,
        description: str,
        add_options: Callable[[argparse.ArgumentParser], None] | None = None,
    ) -> None:
        parser = argparse.ArgumentParser(description=description)
        parser.add_argument(
            "--out",
            type=Path,
            default=default_out(number),
            help=f"folder for the PNG figures (default {default_out(number)})",
        )
        if add_options is not None:
            add_options(parser)
        self.args, _ = parser.parse_known_args()  # Jupyter adds arguments of its own
        self.number = number
        self.out: Path = self.args.out
        self._check_options(parser.prog)
        self.key_numbers: dict[str, str] = {}
        self.claims: dict[str, tuple[bool, str]] = {}

    def _check_options(self, prog: str) -> None:
        """Check the options the lessons share before anything runs, with the checks the
        ``effrace`` commands use (a mistake is one line on stderr and exit code 2, not a
        traceback): ``--years`` a run's length [yr] in whole steps of the baseline, ``--seed``
        >= 0, ``--out`` a folder; then make the folder."""
        from experiments.run_cli import check_years
        from sim.atomic import check_out_path
        from sim.errors import UserError
        from sim.scenario import load_scenario

        years = getattr(self.args, "years", None)
        seed = getattr(self.args, "seed", None)
        try:
            if years is not None:
                try:
                    scenario = load_scenario("baseline", {"run.years": years})
                except UserError as exc:  # "baseline with run.years set: run: years = ..."
                    raise UserError(f"--years {years:g}: {str(exc).split(': ', 1)[-1]}") from None
                check_years(years, scenario.run.steps_per_year)
            if seed is not None and seed < 0:
                raise UserError(f"--seed {seed}: must be >= 0")
            check_out_path(self.out)
            try:
                self.out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # a folder it may not write
                raise UserError(
                    f"--out {self.out}: cannot make the folder ({exc.strerror or exc})"
                ) from None
        except UserError as exc:
            print(f"{prog}: error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None

    def key(self, label: str, text: str) -> None:
        """Record a key number for the debrief and print it."""
        self.key_numbers[label] = text
        print(f"{label}: {text}")

    def claim(self, label: str, holds: bool, statement: str) -> None:
        """Record whether a statement of the debrief holds in this run, and print it.

        The debrief cites it by label (``C1``); the lessons' test fails when a cited claim does
        not hold, so the text cannot drift from what the model does.
        """
        self.claims[label] = (bool(holds), statement)
        print(f"{label} ({'holds' if holds else 'DOES NOT HOLD'}): {statement}")

    def save(self, fig: Figure, name: str) -> None:
        """Save a figure as PNG into the output folder; in Jupyter, also show it below the cell."""
        path = self.out / name
        fig.savefig(path, dpi=110)
        print(f"saved {path}")
        ipython = sys.modules.get("IPython")
        if ipython is not None and ipython.get_ipython() is not None:
            from IPython.display import Image, display

            display(Image(filename=str(path)))

    def print_key_numbers(self) -> None:
        """The block the debrief refers to."""
        print(f"\n=== KEY NUMBERS (lesson {self.number}) ===")
        for label, text in self.key_numbers.items():
            print(f"{label}: {text}")
        for label, (holds, statement) in self.claims.items():
            print(f"{label} ({'holds' if holds else 'DOES NOT HOLD'}): {statement}")
        print(f"figures in {self.out}")
