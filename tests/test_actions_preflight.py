"""Pre-flight checks and the return-home battery reserve, on plans and vehicle states a
pilot could meet (values as the vehicle reports them)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from link_helpers import HOME, lawnmower, small_plan
from shapely.geometry import box

from groundcontrol import preflight
from groundcontrol.errors import PreflightError
from groundcontrol.reserve import ReservePolicy, ReturnReserve
from groundcontrol.snapshot import LinkHealth, VehicleSnapshot
from search_patterns import mission_items as mi
from search_patterns.geo import offset_latlon


def _snap(**kw) -> VehicleSnapshot:
    base = dict(system_id=1, time=time.monotonic(), wall_time=time.time(), link=LinkHealth(connected=True, heartbeat_age=0.2),
                lat=HOME[0], lon=HOME[1], alt_rel=0.0, home_lat=HOME[0], home_lon=HOME[1], home_alt_amsl=HOME[2],
                battery_pct=100.0, gps_fix=3, gps_satellites=10, ekf_ok=True, armed=False, in_air=False, mode="GUIDED")
    base.update(kw)
    return VehicleSnapshot(**base)


def _failed(checks) -> list[str]:
    return [c.name for c in checks if not c.ok and c.blocking]


def test_a_sane_plan_on_a_ready_vehicle_passes_every_check():
    checks = preflight.check_plan(lawnmower().mission_items(), _snap())
    assert _failed(checks) == [] and len(checks) >= 7
    preflight.require(checks)


def test_plan_in_feet_instead_of_metres_fails_the_altitude_check():
    checks = preflight.check_plan(small_plan(alt=400).mission_items(), _snap())
    assert _failed(checks) == ["altitude"]
    with pytest.raises(PreflightError, match="highest point 400 m above home"):
        preflight.require(checks)


def test_plan_for_somewhere_else_fails_distance_and_search_area():
    far = small_plan(home=(HOME[0] + 0.1, HOME[1], 0, 0))  # 11 km north
    area = box(HOME[1] - 0.002, HOME[0] - 0.002, HOME[1] + 0.002, HOME[0] + 0.002)
    failed = _failed(preflight.check_plan(far.mission_items(), _snap(), area=area))
    assert "distance from vehicle" in failed and "search area" in failed


def test_waypoints_just_outside_the_area_are_allowed_within_the_margin():
    n, e = 20.0, 0.0
    lat, lon = offset_latlon(HOME[0], HOME[1], n, e)
    area = box(HOME[1] - 0.001, HOME[0] - 0.001, HOME[1] + 0.001, lat - 1e-4)  # the plan pokes ~11 m out
    plan = small_plan(legs=((n, e),))
    assert "search area" not in _failed(preflight.check_plan(plan.mission_items(), _snap(), area=area))


def test_long_plan_on_a_half_battery_fails_endurance_and_says_by_how_much():
    plan = lawnmower(rows=20, length=900, spacing=40)
    checks = preflight.check_plan(plan.mission_items(), _snap(battery_pct=50.0))
    endurance = next(c for c in checks if c.name == "battery endurance")
    assert not endurance.ok and "50 % battery gives 5.0 min" in endurance.message


def test_no_gps_no_ekf_and_a_stale_link_each_fail():
    snap = _snap(gps_fix=1, gps_satellites=3, ekf_ok=False, link=LinkHealth(connected=True, heartbeat_age=9.0, lost=True))
    assert set(_failed(preflight.check_plan(small_plan().mission_items(), snap))) == {"GPS", "EKF", "link"}


def test_more_items_than_the_vehicle_holds_fails_the_size_check():
    items = [mi.MissionItem(16, x=HOME[0] + i * 1e-6, y=HOME[1], z=20) for i in range(700)]
    assert "mission size" in _failed(preflight.check_plan(items, _snap()))


@given(st.floats(min_value=0, max_value=500), st.floats(min_value=5, max_value=119))
def test_altitude_check_agrees_with_the_limit(alt, limit):
    plan = small_plan(alt=alt)
    ok = "altitude" not in _failed(preflight.check_plan(plan.mission_items(), None, preflight.Limits(max_alt_m=limit)))
    assert ok == (alt <= limit)


def _flying(pct: float, north_m: float, t: float, alt=30.0) -> VehicleSnapshot:
    lat, lon = offset_latlon(HOME[0], HOME[1], north_m, 0)
    return _snap(lat=lat, lon=lon, alt_rel=alt, battery_pct=pct, armed=True, in_air=True, mode="AUTO", time=t)


def test_reserve_is_ok_near_home_warns_then_orders_rtl_far_away_on_a_draining_battery():
    r = ReturnReserve(ReservePolicy(floor_pct=15, warn_margin_pct=10, full_battery_s=1200))
    assert r.update(_flying(90, 100, 0.0)).level == "ok"
    # drain measured in this flight: 1 % every 4 s (as ArduCopter SITL does)
    t, pct, levels = 0.0, 90.0, []
    while pct > 10:
        t += 4.0
        pct -= 1.0
        levels.append((pct, r.update(_flying(pct, 1500, t)).level))
    first_warn = next(p for p, lv in levels if lv == "warn")
    first_rtl = next(p for p, lv in levels if lv == "rtl")
    assert first_warn > first_rtl
    # 1.5 km at 10 m/s plus the descent is ≈220 s ≈ 55 % at this drain rate, × 1.3, + 15 % floor
    assert 75 < first_rtl < 95


def test_reserve_needs_less_battery_the_closer_the_vehicle_is_to_home():
    r = ReturnReserve()
    near = r.needed_pct(_flying(80, 50, 0.0))
    far = r.needed_pct(_flying(80, 2000, 0.0))
    assert ReservePolicy().floor_pct < near < far


def test_a_path_through_a_no_fly_zone_fails_and_one_around_it_passes():
    lat, lon = offset_latlon(HOME[0], HOME[1], 50, 0)
    zone = box(lon - 0.0002, lat - 0.0002, lon + 0.0002, lat + 0.0002)  # ≈ 40 m square, 50 m north
    through = small_plan(legs=((100, 0),))
    around = small_plan(legs=((0, 60), (100, 60), (100, 120)))  # and RTL straight home, clear of it
    failed = _failed(preflight.check_plan(through.mission_items(), _snap(), exclusions=[zone]))
    assert failed == ["no-fly zones"]
    assert _failed(preflight.check_plan(around.mission_items(), _snap(), exclusions=[zone])) == []
