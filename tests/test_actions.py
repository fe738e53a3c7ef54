"""Flight actions a pilot uses, against the vehicle fixture (built-in sim or SITL)."""

from __future__ import annotations

import pytest
from link_helpers import HOME, eventually, small_plan, vehicle  # noqa: F401 - fixture

from groundcontrol import events as ev
from groundcontrol.errors import CommandRejected
from groundcontrol.vehicle import Vehicle
from search_patterns.geo import haversine_m, offset_latlon


@pytest.fixture
def station(vehicle):  # noqa: F811
    v = Vehicle.connect(vehicle.connection, timeout=30)
    v.speedup = vehicle.speedup
    yield v
    v.close()


def _sim_s(v, seconds: float) -> float:
    """Wall seconds for ``seconds`` of vehicle time, with a margin for a busy machine."""
    return seconds / v.speedup * 2 + 5


def test_arming_where_the_vehicle_refuses_carries_its_reason(station):
    station.wait_armable(60)
    station.set_mode("AUTO")  # accepted with no mission, but ArduCopter will not arm in it
    with pytest.raises(CommandRejected) as info:
        station.arm()
    result = info.value.result
    assert result.result == 4 and result.result_name == "FAILED"
    assert result.reason and result.reason.startswith(("Arm:", "PreArm:"))
    assert result.reason in str(info.value)
    assert not station.snapshot().armed


def test_takeoff_goto_and_rtl_bring_the_vehicle_back_home_disarmed(station):
    station.wait_armable(60)
    station.arm()
    station.takeoff(12)
    eventually(lambda: (station.snapshot().alt_rel or 0) > 11.0, _sim_s(station, 15))
    target = offset_latlon(HOME[0], HOME[1], 60, 0)
    station.set_speed(5)
    station.goto(*target, 12)
    eventually(lambda: haversine_m(station.snapshot().lat, station.snapshot().lon, *target) < 3, _sim_s(station, 30))
    s = station.snapshot()
    assert s.mode == "GUIDED" and s.alt_rel == pytest.approx(12, abs=1.0)
    station.rtl()
    s = eventually(lambda: (lambda s: s if s.landed and not s.armed else None)(station.snapshot()),
                   _sim_s(station, 90))
    assert haversine_m(s.lat, s.lon, HOME[0], HOME[1]) < 3 and s.mode == "RTL"


def test_land_puts_the_vehicle_down_where_it_is(station):
    station.wait_armable(60)
    station.arm()
    station.takeoff(8)
    eventually(lambda: (station.snapshot().alt_rel or 0) > 7.0, _sim_s(station, 15))
    station.land()
    s = eventually(lambda: (lambda s: s if s.landed and not s.armed else None)(station.snapshot()),
                   _sim_s(station, 40))
    assert s.mode == "LAND" and abs(s.alt_rel) < 0.5


def test_start_mission_takes_off_and_pause_resume_continues_the_same_waypoint(station):
    plan = small_plan(legs=((80, 0), (80, 80), (0, 80), (0, 20)), alt=15)
    items = plan.mission_items()
    station.upload_mission(items)
    station.wait_armable(60)
    got: list = []
    station.subscribe(lambda e: got.append(e) if isinstance(e, ev.WaypointReached | ev.ModeChanged) else None)
    station.arm()
    station.start_mission()
    # item 4 is the second corner (home, takeoff, wp1, wp2, …): pause on the way to it
    eventually(lambda: station.snapshot().mission_seq == 4 and (station.snapshot().groundspeed or 0) > 4,
               _sim_s(station, 60), step=0.02)
    alt_before = station.snapshot().alt_rel
    station.pause()
    s = eventually(lambda: (lambda s: s if (s.groundspeed or 9) < 0.3 else None)(station.snapshot()),
                   _sim_s(station, 10))
    assert s.mode == "BRAKE" and s.mission_seq == 4 and s.alt_rel == pytest.approx(alt_before, abs=1.0)
    assert not any(isinstance(e, ev.WaypointReached) and e.seq == 4 for e in got)
    station.resume()
    assert station.snapshot().mode == "AUTO"
    eventually(lambda: any(isinstance(e, ev.WaypointReached) and e.seq == 4 for e in got), _sim_s(station, 30))
    reached = [e.seq for e in got if isinstance(e, ev.WaypointReached)]
    assert reached[:4] == [1, 2, 3, 4]  # nothing skipped, nothing flown twice
    station.rtl()
    eventually(lambda: (lambda s: s.landed and not s.armed)(station.snapshot()), _sim_s(station, 90))


def test_station_orders_rtl_when_the_battery_reaches_the_return_home_reserve(station):
    from groundcontrol.reserve import ReservePolicy

    got: list = []
    station.subscribe(lambda e: got.append(e) if isinstance(e, ev.ReserveWarning | ev.ReserveRTL) else None)
    station.watch_reserve(ReservePolicy(floor_pct=88.0, warn_margin_pct=4.0))  # a small pack, by policy
    station.wait_armable(60)
    station.arm()
    station.takeoff(10)
    eventually(lambda: (station.snapshot().alt_rel or 0) > 9.0, _sim_s(station, 15))
    station.goto(*offset_latlon(HOME[0], HOME[1], 150, 0), 10)
    rtl = eventually(lambda: next((e for e in got if isinstance(e, ev.ReserveRTL)), None), _sim_s(station, 120))
    assert any(isinstance(e, ev.ReserveWarning) for e in got[:got.index(rtl)])  # warned first
    assert rtl.remaining_pct <= rtl.needed_pct and "returning home" in rtl.message
    eventually(lambda: station.snapshot().mode == "RTL", 10)
    s = eventually(lambda: (lambda s: s if s.landed and not s.armed else None)(station.snapshot()), _sim_s(station, 90))
    assert haversine_m(s.lat, s.lon, HOME[0], HOME[1]) < 3
