"""Errors a user can cause. The CLI turns each into one line on stderr and exit code 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UserError(ValueError):
    """A mistake in the user's input: a scenario file, a sweep file, an option or a value.

    The message is one line that names the problem (the file, the key, the value, the allowed
    range) and, where one exists, suggests the fix.
    """


def suggest(word: str, options: Iterable[str], cutoff: float = 0.5) -> str:
    """`` (did you mean 'x'?)`` naming the option closest to ``word``, or "" if none is close.

    For the end of a :class:`UserError` message; ``cutoff`` is difflib's similarity in [0, 1].
    """
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""
