"""The vehicle's stored mission, with ArduCopter's storage rules.

What a ground station can observe and that this reproduces (ardupilot-facts §5):
seq 0 is always home; frames are stored the way ArduCopter stores them (6 comes back as
3, 11 as 10, 2 and 5 as 0); at most 650 items including home; items are written in place
as they arrive, so an abandoned upload leaves a mix of new and old items; CLEAR_ALL leaves
nothing (count 0), and a fresh vehicle has home only (count 1).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAX_ITEMS = 650

# MAV_MISSION_RESULT values.
ACCEPTED, ERROR, UNSUPPORTED_FRAME, UNSUPPORTED, NO_SPACE = 0, 1, 2, 3, 4
INVALID_PARAM5_X, INVALID_PARAM6_Y, INVALID_SEQUENCE, DENIED, CANCELLED = 10, 11, 13, 14, 15

# Commands that carry a location (ArduPilot's "stored_in_location").
LOCATION_COMMANDS = frozenset({16, 17, 18, 19, 20, 21, 22, 30, 31, 82, 83, 84, 85, 92, 94, 179, 189,
                               195, 201, 213})
# Commands ArduCopter accepts as mission items (others: MAV_MISSION_UNSUPPORTED).
SUPPORTED_COMMANDS = LOCATION_COMMANDS | frozenset({
    93, 112, 113, 114, 115, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 188, 191, 194, 197,
    200, 202, 203, 204, 205, 206, 207, 208, 210, 211, 212, 214, 215, 216, 217, 218, 219, 220, 222,
    223, 600, 1000, 2000, 2001, 2500, 2501, 3000, 42600, 42702, 42703, 43003, 43004, 43005})
# Frames accepted on upload, and the frame they come back as.
FRAME_MAP = {0: 0, 2: 0, 3: 3, 5: 0, 6: 3, 10: 10, 11: 10}
UNSUPPORTED_FRAMES_RESULT = UNSUPPORTED_FRAME

# How ArduPilot names commands in "Mission: N <name>" texts.
COMMAND_NAMES = {16: "WP", 17: "LoitUnlim", 18: "LoitTurns", 19: "LoitTime", 20: "RTL", 21: "Land",
                 22: "Takeoff", 93: "Delay", 112: "CondDelay", 113: "CondChangeAlt", 114: "CondDist",
                 115: "CondYaw", 177: "Jump", 178: "ChangeSpeed", 179: "SetHome", 183: "SetServo",
                 184: "RepeatServo", 201: "SetROI", 203: "Digicam", 205: "MountControl",
                 206: "SetCamTrigDst", 1000: "GimbalPitchYaw", 2000: "ImageStartCapture"}


def _f32(v: float) -> float:
    """What a float survives as in ArduPilot's float32 storage."""
    return struct.unpack("<f", struct.pack("<f", v))[0]


@dataclass(frozen=True)
class StoredItem:
    """One mission item as the vehicle stores it (lat/lon as 1e-7 degree integers)."""

    command: int
    frame: int
    param1: float
    param2: float
    param3: float
    param4: float
    x: int
    y: int
    z: float
    autocontinue: int = 1

    @property
    def lat(self) -> float:
        return self.x * 1e-7

    @property
    def lon(self) -> float:
        return self.y * 1e-7

    @property
    def relative_alt(self) -> bool:
        return self.frame in (3, 10)


class ItemRejected(Exception):
    """An uploaded item the vehicle refuses; ``result`` is the MAV_MISSION_RESULT it answers."""

    def __init__(self, result: int) -> None:
        super().__init__(result)
        self.result = result


def convert_item(command: int, frame: int, params: tuple[float, float, float, float],
                 x: int, y: int, z: float, autocontinue: int = 1) -> StoredItem:
    """Check one uploaded item and turn it into what ArduCopter stores (raises ItemRejected)."""
    if command not in SUPPORTED_COMMANDS:
        raise ItemRejected(UNSUPPORTED)
    if command in LOCATION_COMMANDS:
        if frame not in FRAME_MAP:
            raise ItemRejected(UNSUPPORTED_FRAME)
        if abs(x) > 900_000_000:
            raise ItemRejected(INVALID_PARAM5_X)
        if abs(y) > 1_800_000_000:
            raise ItemRejected(INVALID_PARAM6_Y)
        stored_frame = FRAME_MAP[frame]
    else:
        stored_frame = 0
        x = y = 0
    p = tuple(_f32(v) for v in params)
    z = _f32(z)
    if command == 205:  # DO_MOUNT_CONTROL: ArduPilot stores the mount mode, returned as z = 2
        z = 2.0
    return StoredItem(command, stored_frame, *p, x=x, y=y, z=z, autocontinue=autocontinue)


class MissionStore:
    """Index 0 is home (its stored payload is never used); 1.. are the mission."""

    def __init__(self) -> None:
        self._items: list[StoredItem | None] = [None]   # None marks the home slot
        self.ready = False

    @property
    def count(self) -> int:
        return len(self._items)

    def item(self, seq: int) -> StoredItem | None:
        """The stored item at ``seq`` (None for home, which the caller fills in)."""
        return self._items[seq]

    def items(self) -> list[StoredItem]:
        """The mission without home."""
        return [i for i in self._items[1:] if i is not None]

    def max_items(self) -> int:
        return MAX_ITEMS if self.ready else 0

    def clear(self) -> None:
        self._items = []

    def truncate(self, count: int) -> None:
        del self._items[count:]

    def write(self, seq: int, item: StoredItem) -> bool:
        """Store an uploaded item in place. Returns True if the mission grew (an append)."""
        if not self._items:
            # After CLEAR_ALL the home slot is gone: ArduPilot puts it back and appends the item.
            self._items = [None, item]
            return True
        if seq == 0:
            return False
        if seq < len(self._items):
            self._items[seq] = item
            return False
        self._items.append(item)
        return True

    def home_item(self, lat: float, lon: float, alt_amsl: float) -> StoredItem:
        return StoredItem(16, 0, 0.0, 0.0, 0.0, 0.0, round(lat * 1e7), round(lon * 1e7), _f32(alt_amsl))

    def next_nav(self, seq: int) -> int | None:
        """Index of the first NAV item at or after ``seq`` (None if there is none)."""
        for i in range(max(seq, 1), len(self._items)):
            it = self._items[i]
            if it is not None and it.command < 100:
                return i
        return None
