"""Sending MAVLink commands and getting the vehicle's answer, with its reason.

A COMMAND_ACK says only "FAILED"; ArduPilot explains why in a STATUSTEXT sent around the
same moment ("Arm: Need Position Estimate", "Mode change to AUTO failed: init failed").
:class:`Commander` collects both, retries lost commands (incrementing ``confirmation``
as MAVLink asks), and returns a :class:`CommandResult`. Nothing here raises on a refusal;
the facade decides (``CommandRejected``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from groundcontrol.link import Link

MAV_RESULT_NAMES = {
    0: "ACCEPTED", 1: "TEMPORARILY_REJECTED", 2: "DENIED", 3: "UNSUPPORTED", 4: "FAILED",
    5: "IN_PROGRESS", 6: "CANCELLED", 7: "COMMAND_LONG_ONLY", 8: "COMMAND_INT_ONLY",
    9: "UNSUPPORTED_MAV_FRAME",
}
MAV_RESULT_ACCEPTED = 0
MAV_RESULT_IN_PROGRESS = 5
REASON_PREFIXES = ("Arm:", "PreArm:", "Disarm:", "Mode change", "Mode ", "Takeoff", "No ")
REASON_WAIT_S = 0.4  # how long after a refusal we keep listening for its STATUSTEXT
MIN_ATTEMPTS, MAX_ATTEMPTS = 3, 8  # sends of one command when the caller does not say


def attempts_for_loss(loss_pct: float, miss: float = 0.005) -> int:
    """How many sends make "the vehicle did not answer" rarer than ``miss`` on a link losing
    ``loss_pct`` % of packets each way.

    A command is answered only if it and its ACK both get through. Three sends are plenty on a
    clean link, but at 30 % loss each round trip succeeds only about half the time and three
    sends fail one command in eight (measured in tests/test_faults_flight.py: MISSION_START
    went unanswered); so the count grows with the loss the link measures, up to MAX_ATTEMPTS.
    """
    p_ok = (1.0 - min(max(loss_pct, 0.0), 100.0) / 100.0) ** 2
    if p_ok >= 1.0:
        return MIN_ATTEMPTS
    if p_ok <= 0.0:
        return MAX_ATTEMPTS
    return max(MIN_ATTEMPTS, min(MAX_ATTEMPTS, math.ceil(math.log(miss) / math.log(1.0 - p_ok))))


@dataclass(frozen=True)
class CommandResult:
    """What the vehicle answered to one command.

    ``result`` is MAV_RESULT (0 accepted) or None if no COMMAND_ACK came at all;
    ``reason`` is the vehicle's STATUSTEXT explaining a refusal, when it sent one.
    """

    action: str
    command: int
    result: int | None
    reason: str | None = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.result == MAV_RESULT_ACCEPTED

    @property
    def result_name(self) -> str:
        if self.result is None:
            return "NO_ANSWER"
        return MAV_RESULT_NAMES.get(self.result, str(self.result))

    def describe(self) -> str:
        if self.ok:
            return f"{self.action}: accepted"
        if self.result is None:
            text = f"{self.action}: the vehicle did not answer ({self.attempts} attempts)"
        else:
            text = f"{self.action} refused by the vehicle ({self.result_name})"
        return f"{text}: {self.reason}" if self.reason else text


class Commander:
    """Sends COMMAND_LONG / COMMAND_INT to one vehicle and waits for the matching ACK."""

    def __init__(self, link: Link, system_id: int, component_id: int = 1) -> None:
        self.link = link
        self.system_id = system_id
        self.component_id = component_id

    def _ack_or_text(self, command: int):
        sysid = self.system_id

        def pred(m) -> bool:
            if m.get_srcSystem() != sysid:
                return False
            t = m.get_type()
            if t == "COMMAND_ACK":
                return m.command == command and m.target_system in (0, self.link.mav.srcSystem)
            return t == "STATUSTEXT"
        return pred

    def long(self, action: str, command: int, params: tuple[float, ...] = (), *, timeout: float = 1.5,
             attempts: int | None = None) -> CommandResult:
        """COMMAND_LONG with up to ``attempts`` sends, ``timeout`` seconds apart (default: from
        the link's measured loss, see :func:`attempts_for_loss`)."""
        p = (tuple(float(x) for x in params) + (0.0,) * 7)[:7]

        def make(confirmation: int):
            return self.link.mav.command_long_encode(self.system_id, self.component_id, command,
                                                     confirmation, *p)
        return self._run(action, command, make, timeout, attempts)

    def int_(self, action: str, command: int, frame: int, params: tuple[float, ...], x: int, y: int,
             z: float, *, timeout: float = 1.5, attempts: int | None = None) -> CommandResult:
        """COMMAND_INT (positions as 1e7 integers); it has no confirmation field."""
        p = (tuple(float(v) for v in params) + (0.0,) * 4)[:4]

        def make(confirmation: int):
            return self.link.mav.command_int_encode(self.system_id, self.component_id, frame, command,
                                                    0, 0, *p, x, y, z)
        return self._run(action, command, make, timeout, attempts)

    def _attempts(self) -> int:
        try:
            return attempts_for_loss(self.link.snapshot(self.system_id).link.loss_pct)
        except KeyError:  # no heartbeat from this vehicle yet
            return MIN_ATTEMPTS

    def _run(self, action, command, make, timeout, attempts) -> CommandResult:
        attempts = self._attempts() if attempts is None else attempts
        texts: list[tuple[float, int, str]] = []
        with self.link.expect(self._ack_or_text(command)) as w:
            for attempt in range(attempts):
                self.link.send(make(attempt))
                deadline = time.monotonic() + timeout
                while True:
                    m = w.get(deadline - time.monotonic())
                    if m is None:
                        break
                    if m.get_type() == "STATUSTEXT":
                        texts.append((time.monotonic(), m.severity, _text(m)))
                        continue
                    if m.result == MAV_RESULT_IN_PROGRESS:
                        deadline = time.monotonic() + max(timeout, 5.0)
                        continue
                    if m.result != MAV_RESULT_ACCEPTED:
                        end = time.monotonic() + REASON_WAIT_S
                        while not _has_reason(texts) and time.monotonic() < end:
                            t = w.get(end - time.monotonic())
                            if t is not None and t.get_type() == "STATUSTEXT":
                                texts.append((time.monotonic(), t.severity, _text(t)))
                    return CommandResult(action, command, m.result,
                                         None if m.result == MAV_RESULT_ACCEPTED else _pick_reason(texts),
                                         attempt + 1)
        return CommandResult(action, command, None, _pick_reason(texts), attempts)


def _text(m) -> str:
    t = m.text if isinstance(m.text, str) else m.text.decode("utf-8", "replace")
    return t.rstrip("\x00")


def _has_reason(texts) -> bool:
    return any(t.startswith(REASON_PREFIXES) for _, _, t in texts)


def _pick_reason(texts) -> str | None:
    """The vehicle's explanation: a text that looks like one, else the most severe warning."""
    for _, _, t in reversed(texts):
        if t.startswith(REASON_PREFIXES):
            return t
    warnings = [(sev, t) for _, sev, t in texts if sev <= 4]
    return min(warnings)[1] if warnings else None
