"""Our snapshot says what the vehicle says: checked against a plain pymavlink reader on the
vehicle's second port, while the vehicle climbs and flies."""

from __future__ import annotations

import math
import time

import pytest
from link_helpers import HOME, eventually, vehicle  # noqa: F401 - fixture
from pymavlink import mavutil

from groundcontrol.vehicle import Vehicle
from search_patterns.geo import haversine_m, offset_latlon


def _latest(conn, kinds: set[str], seconds: float) -> dict:
    got: dict = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        m = conn.recv_match(blocking=True, timeout=0.1)
        if m is not None and m.get_srcSystem() == 1 and m.get_type() in kinds:
            got[m.get_type()] = m
    return got


def test_snapshot_values_match_the_vehicles_own_messages_in_flight(vehicle):  # noqa: F811
    v = Vehicle.connect(vehicle.connection, timeout=30)
    raw = mavutil.mavlink_connection(vehicle.second_connection, source_system=201)
    try:
        raw.wait_heartbeat(timeout=10)
        for stream in (2, 6, 10, 11):
            raw.mav.request_data_stream_send(1, 1, stream, 10, 1)
        v.wait_armable(60)
        v.arm()
        v.takeoff(12)
        eventually(lambda: (v.snapshot().alt_rel or 0) > 11.5, 30)
        target = offset_latlon(HOME[0], HOME[1], 80, 40)
        v.goto(*target, 12)
        eventually(lambda: (v.snapshot().groundspeed or 0) > 3, 20)  # moving: values change quickly
        got = _latest(raw, {"GLOBAL_POSITION_INT", "SYS_STATUS", "HEARTBEAT", "VFR_HUD", "ATTITUDE"}, 0.5)
        s = v.snapshot()
        pos, sys_status, hb = got["GLOBAL_POSITION_INT"], got["SYS_STATUS"], got["HEARTBEAT"]
        # the two readers sample a moving aircraft a few ms apart: allow what it flies in 0.3 s
        slack = 0.3 * vehicle.speedup * 10 + 2
        assert haversine_m(s.lat, s.lon, pos.lat / 1e7, pos.lon / 1e7) < slack
        assert s.alt_rel == pytest.approx(pos.relative_alt / 1000, abs=1.0)
        assert s.alt_amsl == pytest.approx(pos.alt / 1000, abs=1.0)
        assert s.battery_voltage == pytest.approx(sys_status.voltage_battery / 1000, abs=0.05)
        assert s.battery_pct == pytest.approx(sys_status.battery_remaining, abs=2)
        assert s.mode == "GUIDED" and hb.custom_mode == 4 and s.armed and hb.base_mode & 128
        assert s.in_air and s.landed is False
        assert s.heading == pytest.approx(got["VFR_HUD"].heading, abs=20)
        assert s.yaw == pytest.approx(math.degrees(got["ATTITUDE"].yaw) % 360, abs=20)
        assert s.home_lat == pytest.approx(HOME[0], abs=1e-6) and s.home_alt_amsl == pytest.approx(HOME[2], abs=0.5)
        assert all(s.age(p) < 1.0 for p in ("heartbeat", "position", "attitude", "vfr", "sys_status", "gps"))
    finally:
        raw.close()
        v.close()
