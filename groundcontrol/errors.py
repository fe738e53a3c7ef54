"""Errors the link layer reports to a person (all are ``SargcError`` so the CLI prints one line)."""

from __future__ import annotations

from search_patterns.errors import SargcError


class LinkError(SargcError):
    """The link could not be opened, or the vehicle did not answer in time."""


class CommandRejected(SargcError):
    """The vehicle refused (or never acknowledged) a command.

    ``result`` is the :class:`groundcontrol.actions.CommandResult`, which carries the
    COMMAND_ACK result and the vehicle's own reason (an ``Arm:``/``PreArm:`` text, say).
    """

    def __init__(self, result) -> None:  # noqa: ANN001 - CommandResult, avoids an import cycle
        self.result = result
        super().__init__(result.describe())


class MissionError(SargcError):
    """A mission transfer failed or the vehicle holds something other than what was sent."""


class SigningError(SargcError):
    """MAVLink 2 signing was asked for and could not be set up with this vehicle."""


class PreflightError(SargcError):
    """A pre-flight check failed; ``checks`` lists every check with its outcome."""

    def __init__(self, message: str, checks=()) -> None:  # noqa: ANN001
        self.checks = tuple(checks)
        super().__init__(message)
