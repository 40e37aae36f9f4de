"""What every lesson script shares: its command line, its key numbers, saving its figures.

Each lesson runs as a plain script (``python docs/lessons/01_scaling_laws.py --out DIR``) and
opens as a notebook with jupytext; this module sits beside the lessons, so both find it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure


class Lesson:
    """A lesson's output folder (``--out``, default ``lesson_output/NN``), its extra options,
    and the key numbers its debrief refers to."""

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
            default=Path(f"lesson_output/{number}"),
            help="folder for the PNG figures",
        )
        if add_options is not None:
            add_options(parser)
        self.args, _ = parser.parse_known_args()  # Jupyter adds arguments of its own
        self.number = number
        self.out: Path = self.args.out
        self.out.mkdir(parents=True, exist_ok=True)
        self.key_numbers: dict[str, str] = {}

    def key(self, label: str, text: str) -> None:
        """Record a key number for the debrief and print it."""
        self.key_numbers[label] = text
        print(f"{label}: {text}")

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
        print(f"figures in {self.out}")
