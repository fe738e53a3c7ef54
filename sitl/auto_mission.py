"""AUTO mode: flies the stored mission the way ArduCopter does (facts §6).

"Mission: N <name>" when each command starts (DO commands start with the NAV command
before them), "Reached command #N" and MISSION_ITEM_REACHED when a waypoint or timed
loiter completes, MISSION_ITEM_REACHED without text for takeoff, and for RTL/LAND at the
disarm after touchdown. A mission without a final RTL ends hovering in AUTO with
MISSION_CURRENT state 5. Leaving AUTO and coming back resumes the same item
(MIS_RESTART=0); a completed mission starts again from item 1.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from sitl.behaviours import HoldPoint, Land, ReturnToLaunch, hold
from sitl.flight import Target
from sitl.mission_store import COMMAND_NAMES, LOCATION_COMMANDS, StoredItem

if TYPE_CHECKING:  # pragma: no cover
    from sitl.autopilot import Autopilot

TAKEOFF, WAYPOINT, LOITER_UNLIM, LOITER_TURNS, LOITER_TIME, RTL, LAND = 22, 16, 17, 18, 19, 20, 21
DO_JUMP, DO_CHANGE_SPEED, DO_SET_ROI, DO_SET_ROI_LOCATION, DO_MOUNT_CONTROL = 177, 178, 201, 195, 205
DO_GIMBAL_PITCHYAW = 1000
NO_MISSION, NOT_STARTED, ACTIVE, COMPLETE = 1, 2, 3, 5


class AutoMission:
    """Mission executor state: the current NAV item and what it is doing."""

    def __init__(self, ap: Autopilot) -> None:
        self.ap = ap
        self.current = 0            # index of the current NAV item (0 = none yet)
        self.complete = False
        self.running = False        # True while AUTO is executing (not paused in another mode)
        self._hold_until: float | None = None
        self._arrived = False
        self._leg_origin: tuple[float, float] | None = None
        self._rtl: ReturnToLaunch | None = None
        self._land: Land | None = None
        self._land_point_reached = False
        self._hold_point: HoldPoint | None = None
        self._jumps: dict[int, int] = {}
        self.speed: float | None = None   # DO_CHANGE_SPEED for this mission (m/s)

    # ---------------------------------------------------------------- state for MISSION_CURRENT
    @property
    def mission_state(self) -> int:
        if self.ap.store.count <= 1:
            return NO_MISSION
        if self.complete:
            return COMPLETE
        return ACTIVE if self.running else NOT_STARTED

    @property
    def landing(self) -> bool:
        if self._rtl is not None:
            return self._rtl.landing
        return self._land is not None and self._land_point_reached

    def _item(self, seq: int) -> StoredItem | None:
        if 0 < seq < self.ap.store.count:
            return self.ap.store.item(seq)
        return None

    # ---------------------------------------------------------------- control from outside
    def start_or_resume(self) -> bool:
        """Entering AUTO. Returns False when there is nothing to fly."""
        if self.ap.store.count <= 1:
            return False
        if self.complete or self.current == 0 or self._item(self.current) is None:
            self.complete = False
            self._jumps.clear()
            first = self._next_nav(1)
            if first is None:
                return False
            self.current = first
        self.running = True
        self._leg_origin = None        # a resumed leg starts where the copter is
        self._start_nav(self.current)
        return True

    def pause(self) -> None:
        """Leaving AUTO: the current item is kept for a later resume."""
        self.running = False

    def set_current(self, seq: int) -> bool:
        """DO_SET_MISSION_CURRENT / MISSION_SET_CURRENT."""
        if not 0 <= seq < self.ap.store.count:
            return False
        nav = self._next_nav(max(seq, 1))
        if nav is None:
            return False
        self.current = nav
        if self.complete:
            self.complete = False
        self._leg_origin = None
        if self.running:
            self._start_nav(nav)
        return True

    def mission_changed(self) -> None:
        """A new upload or a clear: start over next time."""
        if self.ap.store.count <= 1:
            self.current = 0
            self.complete = False
            self.running = False
        elif self.current >= self.ap.store.count:
            self.current = 0

    def finished_landing(self) -> None:
        """Touchdown + disarm while flying an RTL or LAND item."""
        item = self._item(self.current)
        if item is not None:
            self.ap.broadcast(mavlink.MAVLink_mission_item_reached_message(self.current))
        self.complete = True
        self.running = False
        self.current = 0
        self._rtl = self._land = None

    # ---------------------------------------------------------------- item sequencing
    def _next_nav(self, start: int) -> int | None:
        """First NAV item at or after ``start``, following DO_JUMPs."""
        seq = start
        guard = 0
        while seq < self.ap.store.count and guard < 10_000:
            guard += 1
            item = self._item(seq)
            if item is None:
                seq += 1
                continue
            if item.command == DO_JUMP:
                left = self._jumps.setdefault(seq, int(item.param2))
                if left != 0:
                    self._jumps[seq] = left - 1
                    seq = int(item.param1)
                    continue
            elif item.command < 100:
                return seq
            seq += 1
        return None

    def _start_nav(self, seq: int) -> None:
        item = self._item(seq)
        if item is None:
            return
        ap = self.ap
        ap.text(6, f"Mission: {seq} {COMMAND_NAMES.get(item.command, str(item.command))}")
        self._hold_until = None
        self._arrived = False
        self._rtl = None
        self._land = None
        self._land_point_reached = False
        self._hold_point = None
        if item.command == RTL:
            self._rtl = ReturnToLaunch(ap.flight, ap.params, ap.home_ne(), ap.now)
        # DO commands after this NAV command start with it.
        nxt = seq + 1
        while nxt < ap.store.count:
            do = self._item(nxt)
            if do is None or do.command < 100 or do.command == DO_JUMP:
                break
            ap.text(6, f"Mission: {nxt} {COMMAND_NAMES.get(do.command, str(do.command))}")
            self._run_do(do)
            nxt += 1

    def _run_do(self, item: StoredItem) -> None:
        ap = self.ap
        if item.command == DO_CHANGE_SPEED and item.param2 > 0 and int(item.param1) in (0, 1):
            self.speed = item.param2
        elif item.command in (DO_SET_ROI, DO_SET_ROI_LOCATION):
            if item.x == 0 and item.y == 0:
                ap.set_roi(None)
            else:
                ap.set_roi((item.lat, item.lon, self._alt(item)))
        elif item.command == DO_MOUNT_CONTROL:
            ap.set_gimbal(item.param1, item.param3)
        elif item.command == DO_GIMBAL_PITCHYAW:
            ap.set_gimbal(item.param1, item.param2)

    def _advance(self) -> None:
        done = self._item(self.current)
        # The next leg starts at the waypoint just reached (not 1 m short of it, where we are).
        arrived_at_point = done is not None and done.command in (WAYPOINT, LOITER_TIME) and self._arrived
        self._leg_origin = self._point(done) if arrived_at_point else None
        nxt = self._next_nav(self.current + 1)
        if nxt is None:
            # Mission done: hover here in AUTO (state COMPLETE). Not "running" any more, so that a
            # DO_SET_MISSION_CURRENT afterwards waits for MISSION_START, as ArduCopter does.
            self.complete = True
            self.running = False
            f = self.ap.flight
            self._hold_point = HoldPoint(f.north, f.east, f.alt)
            return
        self.current = nxt
        self._start_nav(nxt)

    def _reached(self, announce: bool) -> None:
        if announce:
            self.ap.text(6, f"Reached command #{self.current}")
        self.ap.broadcast(mavlink.MAVLink_mission_item_reached_message(self.current))
        self._advance()

    # ---------------------------------------------------------------- geometry helpers
    def _alt(self, item: StoredItem) -> float:
        """Item altitude in metres above home."""
        if item.relative_alt:
            return item.z
        return item.z - self.ap.home_alt_amsl()

    def _point(self, item: StoredItem) -> tuple[float, float]:
        f = self.ap.flight
        if item.x == 0 and item.y == 0:
            return f.north, f.east
        return f.to_local(item.lat, item.lon)

    def _corner_speed(self, seq: int, item: StoredItem, cruise: float) -> float:
        """Speed allowed at a waypoint: 0 if we stop there, slower the sharper the turn."""
        if item.param1 > 0:
            return 0.0
        nxt = self._next_nav(seq + 1)
        nxt_item = self._item(nxt) if nxt is not None else None
        if nxt_item is None or nxt_item.command != WAYPOINT or nxt_item.param1 > 0:
            return 0.0
        f = self.ap.flight
        n1, e1 = self._point(item)
        n2, e2 = self._point(nxt_item)
        a_in = math.atan2(e1 - f.east, n1 - f.north)
        a_out = math.atan2(e2 - e1, n2 - n1)
        turn = abs((math.degrees(a_out - a_in) + 180.0) % 360.0 - 180.0)
        if turn < 10.0:
            return cruise
        return max(0.3, cruise * 0.25 * (1.0 + math.cos(math.radians(turn))))

    # ---------------------------------------------------------------- flying
    def update(self, dt: float) -> None:
        ap, f, p = self.ap, self.ap.flight, self.ap.params
        if self.complete or not self.running:
            hp = self._hold_point or HoldPoint(f.north, f.east, f.alt)
            self._hold_point = hp
            if not f.on_ground:
                hold(f, hp, dt)
            return
        item = self._item(self.current)
        if item is None:
            return
        if f.on_ground and not ap.auto_takeoff_allowed:
            return  # armed on the ground in AUTO without MISSION_START: throttle is at minimum
        cruise = self.speed or p["WPNAV_SPEED"] / 100.0
        accel = p["WPNAV_ACCEL"] / 100.0
        up, down = p["WPNAV_SPEED_UP"] / 100.0, p["WPNAV_SPEED_DN"] / 100.0
        cmd = item.command
        if cmd == TAKEOFF:
            alt = self._alt(item)
            if self._hold_point is None:
                self._hold_point = HoldPoint(f.north, f.east, alt)
            if f.alt >= alt - 0.3:
                self._reached(announce=False)
                return
            f.horizontal_to(Target(self._hold_point.north, self._hold_point.east, 2.0), accel, dt)
            f.vertical_to(alt + 0.5, up, down, dt)
        elif cmd in (WAYPOINT, LOITER_TIME, LOITER_UNLIM, LOITER_TURNS):
            n, e = self._point(item)
            alt = self._alt(item)
            stop = cmd != WAYPOINT or item.param1 > 0
            end_speed = 0.0 if stop else self._corner_speed(self.current, item, cruise)
            if self._leg_origin is None:
                self._leg_origin = (f.north, f.east)
            f.along_leg(self._leg_origin, Target(n, e, cruise, end_speed), accel, dt)
            f.vertical_to(alt, up, down, dt)
            radius = max(0.5, 0.6 * p["WPNAV_RADIUS"] / 100.0)
            if not self._arrived and f.distance_to(n, e) <= radius and abs(f.alt - alt) < 1.5:
                self._arrived = True
                wait = item.param1 if cmd in (WAYPOINT, LOITER_TIME) else math.inf
                self._hold_until = ap.now + max(0.0, wait)
            if self._arrived and self._hold_until is not None and ap.now >= self._hold_until:
                self._reached(announce=True)
        elif cmd == RTL:
            assert self._rtl is not None
            self._rtl.update(f, dt, ap.now)
        elif cmd == LAND:
            if not self._land_point_reached:
                n, e = self._point(item)
                f.horizontal_to(Target(n, e, cruise), accel, dt)
                f.vertical_rate(0.0, dt)
                if f.distance_to(n, e) < 1.0 and f.groundspeed < 0.5:
                    self._land_point_reached = True
                    self._land = Land(f, p)
            else:
                assert self._land is not None
                self._land.update(f, dt)
        else:
            self._reached(announce=False)  # NAV commands this simulator does not fly are skipped

    def nav_target(self) -> tuple[float, float, float] | None:
        """(north, east, alt) the current item flies to, for NAV_CONTROLLER_OUTPUT."""
        item = self._item(self.current)
        if item is None or item.command not in LOCATION_COMMANDS or not self.running:
            return None
        n, e = self._point(item)
        return n, e, self._alt(item)
