"""A bad radio link between the station and the vehicle (sitl.faulty_link.FaultyProxy)."""

from __future__ import annotations

import time

import pytest
from link_helpers import eventually, lawnmower, small_plan, vehicle  # noqa: F401 - fixture

from groundcontrol import events as ev
from groundcontrol.mission import differences
from groundcontrol.vehicle import Vehicle
from sitl.faulty_link import FaultyProxy


def _proxy(vehicle, **faults) -> FaultyProxy:  # noqa: F811
    host, port = vehicle.connection.split(":")[1:]
    return FaultyProxy(upstream=(host, int(port)), seed=7, **faults).start()


def test_mission_uploads_and_verifies_at_30_percent_packet_loss(vehicle):  # noqa: F811
    proxy = _proxy(vehicle)
    v = Vehicle.connect(proxy.connection_string, timeout=30)
    try:
        v.wait_armable(60)
        proxy.set_rates(loss=0.30)
        items = lawnmower(rows=6).mission_items()
        v.upload_mission(items)  # verifies by download-and-compare, also through the lossy link
        assert differences(items, v.download_mission()) == []
        assert proxy.stats.dropped > 10
        assert v.snapshot().link.loss_pct > 5  # and the link health shows it
    finally:
        v.close()
        proxy.stop()


def test_link_blackout_is_reported_within_3_s_and_flight_state_is_intact_after(vehicle):  # noqa: F811
    proxy = _proxy(vehicle)
    v = Vehicle.connect(proxy.connection_string, timeout=30)
    got: list = []
    v.subscribe(lambda e: got.append((time.monotonic(), e)) if isinstance(e, ev.LinkLost | ev.LinkRestored) else None)
    try:
        items = small_plan(legs=((60, 0), (60, 300), (0, 300)), alt=15, speed=2.0).mission_items()
        v.upload_mission(items)
        v.wait_armable(60)
        v.arm()
        v.start_mission()
        # at 2 m/s the plan takes ≈6 minutes of vehicle time: still flying after the blackout
        eventually(lambda: (v.snapshot().mission_seq or 0) >= 4, 60)
        before = v.snapshot()
        t0 = time.monotonic()
        proxy.blackout(10.0)
        lost = eventually(lambda: next((t for t, e in got if isinstance(e, ev.LinkLost)), None), 5)
        assert lost - t0 < 3.0
        time.sleep(2)
        during = v.snapshot()
        assert during.link.lost and during.mode == before.mode and during.armed
        assert during.lat is not None and during.age("position") > 1.0  # last known, and visibly old
        restored = eventually(lambda: next((e for _, e in got if isinstance(e, ev.LinkRestored)), None), 15)
        assert 9.0 < restored.outage_s < 14.0
        after = eventually(lambda: (lambda s: s if s.age("position") < 1.0 else None)(v.snapshot()), 5)
        assert not after.link.lost and after.armed and after.mode == "AUTO" and after.in_air
        assert after.home == pytest.approx(before.home)
        assert after.mission_seq >= before.mission_seq and after.mission_total == before.mission_total
        v.rtl()  # still commandable after the outage
        eventually(lambda: (lambda s: s.landed and not s.armed)(v.snapshot()), 400 / vehicle.speedup + 30)
    finally:
        v.close()
        proxy.stop()
