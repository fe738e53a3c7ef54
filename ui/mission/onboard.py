"""The mission a run put on a vehicle, and checking it again after a reconnect or a restart.

A restarted autopilot may come back without its mission (or another station may have replaced
it while the link was down), and flying on then flies something nobody planned. ``sargc fly``
and the mission runner's :class:`~ui.mission.flight.Sortie` both react the same way, with the
code here: wait for fresh telemetry (so a restart has been noticed), read the mission back,
and if it changed upload what is left (:func:`ui.mission.remaining.rest_of_plan`) and continue
from there. Each decision is handed to a ``say(kind, text, severity)`` callback: the CLI prints
it, the runner writes it to the mission timeline. No Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from groundcontrol.events import VehicleRebooted
from search_patterns.errors import SargcError
from search_patterns.mission_items import MissionItem
from search_patterns.plan import Plan
from ui.mission.remaining import rest_of_plan

Say = Callable[[str, str, str], None]  # kind, text, severity ("info" | "warning" | "critical")

FRESH_AFTER_RECONNECT_S = 5.0
# A vehicle restarting faster than LINK LOST comes back disarmed on the ground before its position
# streams again (the station asks again once it has been stale for TELEMETRY_STALE_S, 5 s).
FRESH_ON_GROUND_S = 8.0


@dataclass(frozen=True)
class OnBoard:
    """The mission this run put on the vehicle: what it is checked against after a reconnect.

    ``first_wp`` is the number (1-based) of ``plan.waypoints[0]`` in the plan the run started
    from, so what is left can be named in the pilot's terms and progress on a re-uploaded rest
    can be counted against the whole plan.
    """

    plan: Plan
    items: list[MissionItem]
    first_wp: int = 1

    @classmethod
    def of(cls, plan: Plan, first_wp: int = 1) -> OnBoard:
        """The mission items of ``plan`` (what an upload of it sends)."""
        return cls(plan, plan.mission_items(), first_wp)

    @property
    def last_wp(self) -> int:
        """Number (1-based, like ``first_wp``) of the plan's last waypoint."""
        return self.first_wp + len(self.plan.waypoints) - 1


@dataclass(frozen=True)
class Checked:
    """What :func:`check_mission` found and did.

    ``holds_plan`` is True when the vehicle was read back holding ``mission`` (unchanged, or the
    rest just re-uploaded); False when that could not be established, so flying on is a guess.
    """

    mission: OnBoard
    holds_plan: bool
    reuploaded: bool = False


def reboot_text(e: VehicleRebooted) -> str:
    """The line that tells the pilot the vehicle restarted, and why that matters."""
    return (f"VEHICLE REBOOTED: its clock went back from {e.previous_boot_s:.0f} s to {e.boot_s:.0f} s "
            "since boot (power loss, crash or power-cycle); its flight was cut short")


def wait_fresh(vehicle: Any, *, on_ground: bool = False) -> None:
    """Wait (bounded) until telemetry is fresh again, so a restart has been noticed before deciding.

    After a reconnect the snapshot still holds the old vehicle's values until new ones arrive;
    deciding on those would, say, command RTL to a drone that is already on the ground. With
    ``on_ground`` it waits for a fresh position after a landing-and-disarm, which is there at
    once after a normal landing but late after a quick restart. Times out silently: the caller
    goes on with what it has.
    """
    if on_ground:
        cond, timeout, what = (lambda s: (s.age("position") or 99.0) < 0.5), FRESH_ON_GROUND_S, "a fresh position"
    else:
        cond, timeout, what = (lambda s: not s.link.lost and (s.age("position") or 99.0) < 1.0,
                               FRESH_AFTER_RECONNECT_S, "fresh telemetry")
    try:
        vehicle.wait_for(cond, timeout, what)
    except SargcError:
        pass


def check_mission(vehicle: Any, mission: OnBoard, reached: int, say: Say) -> Checked:
    """Read the vehicle's mission back; if it changed, upload what is left and continue from it.

    ``reached`` counts the waypoints of ``mission.plan`` reached. What is left starts at the leg
    the vehicle was on (:func:`rest_of_plan`, as ``sargc mission --resume`` counts it). A vehicle
    still flying in AUTO is pointed at the first waypoint of the re-uploaded part; one on the
    ground keeps it for whoever flies on.
    """
    try:
        problems = vehicle.verify_mission(mission.items)
    except SargcError as exc:
        say("mission-unreadable", f"could not read the mission back from the vehicle ({exc}); "
                                  "it may not hold the plan", "critical")
        return Checked(mission, holds_plan=False)
    if not problems:
        say("mission-verified", f"Mission on the vehicle checked after the reconnect: unchanged "
                                f"({len(mission.items)} items).", "info")
        return Checked(mission, holds_plan=True)
    say("mission-changed", "MISSION ON THE VEHICLE CHANGED: " + "; ".join(problems), "warning")
    start, rest = rest_of_plan(mission.plan, reached)
    after = OnBoard.of(rest, mission.first_wp + start)
    try:
        vehicle.upload_mission(after.items)
    except SargcError as exc:
        say("mission-reupload-failed", f"could not re-upload the rest of the plan ({exc}); "
                                       "the vehicle holds no usable mission", "critical")
        return Checked(mission, holds_plan=False)
    say("mission-reuploaded", f"Re-uploaded and verified the rest of the plan: waypoints {after.first_wp}-"
                              f"{after.last_wp} ({len(rest.waypoints)} waypoints, {len(after.items)} items).", "info")
    s = vehicle.snapshot()
    if s.armed and not s.landed and s.mode == "AUTO":
        result = vehicle.set_current_item(rest.first_waypoint_seq)
        if result.ok:
            say("mission-continue", f"Continuing from waypoint {after.first_wp}.", "info")
        else:
            say("mission-continue-refused", f"the vehicle refused to continue from waypoint {after.first_wp} "
                                            f"({result.result_name})", "critical")
    return Checked(after, holds_plan=True, reuploaded=True)
