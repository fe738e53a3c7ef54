"""Errors a user can act on.

Every rejection of bad input raises one of these, with a message that names what is
wrong and where (file, line, vertex, field), so the CLI and the GUI can show it as a
single plain sentence instead of a traceback.
"""

from __future__ import annotations


class SargcError(Exception):
    """Base for every error SAR Ground Control reports to a person.

    The CLI prints ``str(error)`` as one line and exits non-zero; anything that is not a
    ``SargcError`` is a bug and gets a traceback with ``--debug``.
    """


class InputError(SargcError, ValueError):
    """Bad input: a file, a parameter or a geometry that cannot be used as given."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class PlanningError(SargcError):
    """A plan cannot be made with these settings (area too large, too many waypoints, ...)."""
