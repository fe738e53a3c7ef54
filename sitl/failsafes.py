"""GCS and battery failsafes, ArduCopter's way (facts §8). Both are off by default.

GCS: with FS_GCS_ENABLE set, FS_GCS_TIMEOUT seconds without a HEARTBEAT from
MAV_GCS_SYSID while armed → "GCS Failsafe" and RTL (or LAND for 4/5), unless FS_OPTIONS
says to carry on (bit 4: pilot-controlled modes, bit 1: AUTO, bit 3: landing). Heartbeats
coming back → "GCS Failsafe Cleared"; the mode is not changed back.

Battery: SITL holds 12.6 V, so only the mAh thresholds (BATT_LOW_MAH, BATT_CRT_MAH) can
fire, after BATT_LOW_TIMER seconds below them, with BATT_FS_LOW_ACT/BATT_FS_CRT_ACT.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sitl import modes as M

if TYPE_CHECKING:  # pragma: no cover
    from sitl.autopilot import Autopilot

SEV_CRITICAL, SEV_WARNING = 2, 4


class Failsafes:
    def __init__(self, ap: Autopilot) -> None:
        self.ap = ap
        self.last_gcs_heartbeat: float | None = None
        self.gcs_active = False
        self._batt_low_since: float | None = None
        self.batt_level = 0      # 0 ok, 1 low, 2 critical

    def gcs_heartbeat(self) -> None:
        self.last_gcs_heartbeat = self.ap.now
        if self.gcs_active:
            self.gcs_active = False
            self.ap.text(SEV_WARNING, "GCS Failsafe Cleared")

    def check(self) -> None:
        self._check_gcs()
        self._check_battery()

    def _check_gcs(self) -> None:
        ap, p = self.ap, self.ap.params
        if not p["FS_GCS_ENABLE"] or self.last_gcs_heartbeat is None or self.gcs_active or not ap.armed:
            return
        if ap.now - self.last_gcs_heartbeat < p["FS_GCS_TIMEOUT"]:
            return
        self.gcs_active = True
        ap.text(SEV_WARNING, "GCS Failsafe")
        if not ap.airborne:
            ap.force_disarm()
            return
        opts = int(p["FS_OPTIONS"])
        if (opts & 16 and ap.mode in M.PILOT_CONTROLLED) or (opts & 2 and ap.mode == M.AUTO) \
                or (opts & 8 and ap.landing):
            return
        ap.failsafe_mode(M.LAND if int(p["FS_GCS_ENABLE"]) in (4, 5) else M.RTL)

    def _check_battery(self) -> None:
        ap, p = self.ap, self.ap.params
        levels = ((2, p["BATT_CRT_MAH"], p["BATT_FS_CRT_ACT"], "critical"),
                  (1, p["BATT_LOW_MAH"], p["BATT_FS_LOW_ACT"], "low"))
        for level, mah, action, word in levels:
            if level <= self.batt_level or mah <= 0 or ap.battery.remaining_mah >= mah:
                continue
            if self._batt_low_since is None:
                self._batt_low_since = ap.now
            if ap.now - self._batt_low_since < p["BATT_LOW_TIMER"]:
                return
            self.batt_level = level
            b = ap.battery
            ap.text(SEV_CRITICAL, f"Battery 1 is {word} {b.voltage_mv / 1000:.2f}V used {b.consumed_mah:.0f} mAh")
            act = int(action)
            if ap.armed and ap.airborne and act:
                if act == 5:
                    ap.force_disarm()     # terminate: motors off
                else:
                    ap.failsafe_mode(M.LAND if act in (1, 4) else M.RTL)
            return
