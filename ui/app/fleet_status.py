"""One line per vehicle for the Fly tab's fleet table, without Qt.

A coordinator flying several drones must see at a glance which one needs attention, without
clicking through them. :func:`fleet_row` turns a snapshot into the words of one table row and
a ``level`` that says why the row is highlighted; the Qt table only copies text and colours,
so everything a pilot reads here is tested without a display.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Battery at or below this is shown as LOW: the default landing reserve of `sargc fly --reserve`
# and of groundcontrol.preflight.Limits (the GUI has no per-flight reserve of its own yet).
RESERVE_PCT = 25.0
GPS_FIX = {0: "no GPS", 1: "no fix", 2: "2D", 3: "3D", 4: "DGPS", 5: "RTK float", 6: "RTK fixed"}
GPS_SHORT = {**GPS_FIX, 0: "none", 5: "RTK", 6: "RTK"}
# The table's columns: a heading and the fields stacked in each cell, one a line. Nine
# single-line columns do not fit the Fly tab's width at the app's glove-sized font.
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Vehicle", ("key", "mode", "armed")),
    ("Link\nGPS", ("link", "gps")),
    ("Battery", ("battery", "volts")),
    ("Flight", ("alt", "speed", "mission")),
)


@dataclass(frozen=True)
class FleetRow:
    """What the table shows for one vehicle, as words, plus why the row is highlighted.

    ``level`` is ``"lost"`` (no heartbeat: red), ``"low"`` (battery at or below the reserve:
    amber) or ``"ok"``. The words say the same (``LINK LOST``, ``LOW``), so colour is never
    the only signal.
    """

    key: str
    link: str
    mode: str
    armed: str
    battery: str
    volts: str
    alt: str
    speed: str
    mission: str
    gps: str
    level: str = "ok"

    def cells(self) -> tuple[str, ...]:
        """One text per column of ``COLUMNS``: its fields, one a line."""
        return tuple("\n".join(getattr(self, name) for name in names) for _, names in COLUMNS)

    @property
    def summary(self) -> str:
        """The row as one line (its tooltip, and what a screen reader says)."""
        return (f"{self.key}: link {self.link}, {self.mode}, {self.armed}, battery {self.battery} {self.volts}, "
                f"{self.alt}, speed {self.speed}, mission {self.mission}, GPS {self.gps}")


def _num(value: float | None, fmt: str, unit: str) -> str:
    return "?" if value is None else f"{value:{fmt}} {unit}"


def fleet_row(key: str, snap: Any, link_lost: bool, reserve_pct: float = RESERVE_PCT) -> FleetRow:
    """The row for vehicle ``key`` from its latest snapshot (``None`` while still connecting).

    Examples
    --------
    >>> fleet_row("vehicle-2", None, False).link
    'connecting'
    """
    if snap is None:
        return FleetRow(key, "connecting", *("–",) * 8)
    hb = snap.link.heartbeat_age
    if link_lost:
        link = "LINK LOST" + (f" {hb:.0f} s" if hb is not None else "")
    else:
        link = "OK" if hb is not None else "no heartbeat yet"
    pct = snap.battery_pct
    low = pct is not None and pct <= reserve_pct
    mission = f"item {snap.mission_seq}/{snap.mission_total}" if snap.mission_seq is not None and snap.mission_total else "no mission"
    sats = snap.gps_satellites if snap.gps_satellites is not None else "?"
    gps = "?" if snap.gps_fix is None else f"{GPS_SHORT.get(snap.gps_fix, '?')}, {sats} sats"
    return FleetRow(key, link, snap.mode or "?", "ARMED" if snap.armed else "disarmed",
                    ("LOW " if low else "") + _num(pct, ".0f", "%"), _num(snap.battery_voltage, ".1f", "V"),
                    "alt " + _num(snap.alt_rel, ".0f", "m"), _num(snap.groundspeed, ".1f", "m/s"), mission, gps,
                    "lost" if link_lost else "low" if low else "ok")


def in_name_order(rows: Iterable[FleetRow]) -> list[FleetRow]:
    """Rows by vehicle name, numbers counted as numbers, so a row never moves while you reach for it.

    Vehicles connect in whatever order their links answer; the table must not follow that.

    Examples
    --------
    >>> [r.key for r in in_name_order([fleet_row(k, None, False) for k in ("vehicle-10", "vehicle-2")])]
    ['vehicle-2', 'vehicle-10']
    >>> in_name_order([])
    []
    """
    return sorted(rows, key=lambda row: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", row.key)])
