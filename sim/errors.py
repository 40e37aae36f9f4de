"""Errors a user can cause, and failures of their environment. The CLI turns each into one line
on stderr: exit code 2 for a :class:`UserError`, 1 for an :class:`EnvironmentFailure`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UserError(ValueError):
    """A mistake in the user's input: a scenario file, a sweep file, an option or a value.

    The message is one line that names the problem (the file, the key, the value, the allowed
    range) and, where one exists, suggests the fix.
    """

    exit_code = 2


class EnvironmentFailure(UserError):
    """Not a mistake in the input but a failure around it: a cluster that cannot be reached or
    is not a Dask scheduler, workers or a scheduler lost mid-sweep. One line that says what
    failed and what was kept (and how to resume); exit code 1."""

    exit_code = 1


def suggest(word: str, options: Iterable[str], cutoff: float = 0.5, n: int = 1) -> str:
    """`` (did you mean 'x'?)`` naming the option closest to ``word``, or "" if none is close.

    For the end of a :class:`UserError` message; ``cutoff`` is difflib's similarity in [0, 1];
    ``n`` > 1 names up to ``n`` options, closest first and equally close ones in the order of
    ``options`` (`` (did you mean 'x' or 'y'?)``).
    """
    names = list(dict.fromkeys(options))
    close = difflib.get_close_matches(word, names, n=n, cutoff=cutoff)
    if not close:
        return ""
    # equally close ones in the order given (difflib puts ties in reverse alphabetical order)
    close.sort(key=lambda c: (-difflib.SequenceMatcher(None, c, word).ratio(), names.index(c)))
    quoted = [f"'{c}'" for c in close]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f" (did you mean {listed}?)"


def suggest_or_list(word: str, options: Iterable[str], label: str, n: int = 1) -> str:
    """:func:`suggest` (up to ``n`` names), or, when no option is close, ``; {label}: a, b, c``
    listing them all (for a short list, where the whole of it is the best hint)."""
    names = list(options)
    return suggest(word, names, n=n) or f"; {label}: {', '.join(names)}"
