"""Flight actions: arm, take off, start/pause/resume the mission, go to, speed, RTL, land.

Each action sends the command ArduCopter actually obeys (see ardupilot-facts sections 3–7):
DO_SET_MODE rather than SET_MODE (only the command is acknowledged), MISSION_START to take
off in AUTO (AUTO alone leaves a copter on the ground), BRAKE to pause (LOITER sinks when
no RC throttle is given). Each returns a :class:`~groundcontrol.commands.CommandResult`
and raises :class:`~groundcontrol.errors.CommandRejected` carrying it on a refusal.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from groundcontrol.commands import Commander, CommandResult
from groundcontrol.errors import CommandRejected
from groundcontrol.modes import mode_number
from groundcontrol.snapshot import VehicleSnapshot

MAV_CMD_NAV_TAKEOFF = 22
MAV_CMD_DO_SET_MODE = 176
MAV_CMD_DO_CHANGE_SPEED = 178
MAV_CMD_DO_REPOSITION = 192
MAV_CMD_DO_SET_MISSION_CURRENT = 224
MAV_CMD_MISSION_START = 300
MAV_CMD_COMPONENT_ARM_DISARM = 400
MAV_CMD_SET_MESSAGE_INTERVAL = 511
MAV_CMD_REQUEST_MESSAGE = 512
MAV_MODE_FLAG_CUSTOM_MODE_ENABLED = 1
MAV_FRAME_GLOBAL_RELATIVE_ALT_INT = 6
FORCE_DISARM_MAGIC = 21196
CONFIRM_TIMEOUT_S = 5.0


def _checked(result: CommandResult) -> CommandResult:
    if not result.ok:
        raise CommandRejected(result)
    return result


class Actions:
    """The pilot's commands for one vehicle. ``snapshot`` returns the vehicle's latest state."""

    def __init__(self, commander: Commander, snapshot: Callable[[], VehicleSnapshot]) -> None:
        self.cmd = commander
        self.snapshot = snapshot
        self.paused_at_seq: int | None = None

    def _wait(self, what: str, ok: Callable[[VehicleSnapshot], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ok(self.snapshot()):
                return True
            time.sleep(0.05)
        return False

    def set_mode(self, name: str) -> CommandResult:
        """DO_SET_MODE; returns once the vehicle's heartbeat shows the new mode."""
        snap = self.snapshot()
        number = mode_number(snap.vehicle_type, name)
        result = _checked(self.cmd.long(f"set mode {name.upper()}", MAV_CMD_DO_SET_MODE,
                                        (MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, number)))
        if not self._wait("mode", lambda s: s.custom_mode == number, CONFIRM_TIMEOUT_S):
            raise CommandRejected(CommandResult(result.action, result.command, result.result,
                                                f"accepted, but the vehicle still reports {self.snapshot().mode}"))
        return result

    def arm(self) -> CommandResult:
        if self.snapshot().armed:
            return CommandResult("arm", MAV_CMD_COMPONENT_ARM_DISARM, 0, "already armed")
        result = _checked(self.cmd.long("arm", MAV_CMD_COMPONENT_ARM_DISARM, (1,)))
        if not self._wait("armed", lambda s: s.armed, CONFIRM_TIMEOUT_S):
            raise CommandRejected(CommandResult("arm", result.command, result.result,
                                                "accepted, but the vehicle does not report armed"))
        return result

    def disarm(self, force: bool = False) -> CommandResult:
        """Disarm. ``force`` disarms even in the air (motors stop: the aircraft falls)."""
        params = (0, FORCE_DISARM_MAGIC) if force else (0,)
        result = _checked(self.cmd.long("disarm", MAV_CMD_COMPONENT_ARM_DISARM, params))
        self._wait("disarmed", lambda s: not s.armed, CONFIRM_TIMEOUT_S)
        return result

    def takeoff(self, alt_m: float) -> CommandResult:
        """GUIDED takeoff to ``alt_m`` above home; the vehicle must be armed."""
        if self.snapshot().mode != "GUIDED":
            self.set_mode("GUIDED")
        return _checked(self.cmd.long(f"takeoff to {alt_m:g} m", MAV_CMD_NAV_TAKEOFF,
                                      (0, 0, 0, float("nan"), 0, 0, alt_m)))

    def start_mission(self) -> CommandResult:
        """MISSION_START: switches to AUTO and, if armed on the ground, takes off."""
        self.paused_at_seq = None
        return _checked(self.cmd.long("start mission", MAV_CMD_MISSION_START, (0, 0)))

    def pause(self) -> CommandResult:
        """Stop and hold position (BRAKE), remembering the mission item to resume at."""
        snap = self.snapshot()
        if snap.mode == "AUTO" and snap.mission_seq is not None:
            self.paused_at_seq = snap.mission_seq
        return self.set_mode("BRAKE")

    def set_current_item(self, seq: int) -> CommandResult:
        """Make mission item ``seq`` the one the vehicle flies to next (in AUTO: at once)."""
        return self.cmd.long(f"set current mission item {seq}", MAV_CMD_DO_SET_MISSION_CURRENT, (seq,))

    def resume(self) -> CommandResult:
        """Continue the mission at the item that was interrupted by :meth:`pause`."""
        seq = self.paused_at_seq
        if seq is not None and self.snapshot().mission_seq != seq:
            _checked(self.set_current_item(seq))
        result = self.set_mode("AUTO")
        self.paused_at_seq = None
        return result

    def goto(self, lat: float, lon: float, alt_m: float) -> CommandResult:
        """Fly to a point (``alt_m`` above home) in GUIDED and hold there."""
        if self.snapshot().mode != "GUIDED":
            self.set_mode("GUIDED")
        x, y = int(round(lat * 1e7)), int(round(lon * 1e7))
        result = self.cmd.int_("go to point", MAV_CMD_DO_REPOSITION, MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
                               (-1, 1, 0, float("nan")), x, y, alt_m, attempts=2)
        if result.ok:
            return result
        if result.result not in (None, 3):  # a real refusal, not "I don't know DO_REPOSITION"
            raise CommandRejected(result)
        # Older autopilots: a position target in GUIDED (no acknowledgement exists for it).
        link = self.cmd.link
        link.send(link.mav.set_position_target_global_int_encode(
            0, self.cmd.system_id, self.cmd.component_id, MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
            0b110111111000, x, y, alt_m, 0, 0, 0, 0, 0, 0, 0, 0))
        return CommandResult("go to point", MAV_CMD_DO_REPOSITION, 0, "sent as a position target")

    def set_speed(self, m_s: float) -> CommandResult:
        """Horizontal speed for the mission and GUIDED moves (DO_CHANGE_SPEED, ground speed)."""
        return _checked(self.cmd.long(f"set speed {m_s:g} m/s", MAV_CMD_DO_CHANGE_SPEED, (1, m_s, -1)))

    def rtl(self) -> CommandResult:
        return self.set_mode("RTL")

    def land(self) -> CommandResult:
        return self.set_mode("LAND")
