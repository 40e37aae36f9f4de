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


def suggest(word: str, options: Iterable[str], cutoff: float = 0.5) -> str:
    """`` (did you mean 'x'?)`` naming the option closest to ``word``, or "" if none is close.

    For the end of a :class:`UserError` message; ``cutoff`` is difflib's similarity in [0, 1].
    """
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""
