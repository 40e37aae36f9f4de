"""Errors a user can cause. The CLI turns each into one line on stderr and exit code 2."""


class UserError(ValueError):
    """A mistake in the user's input: a scenario file, a sweep file, an option or a value.

    The message is one line that names the problem (the file, the key, the value, the allowed
    range) and, where one exists, suggests the fix.
    """
