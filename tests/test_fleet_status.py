"""The fleet table's words, without Qt: what a coordinator reads on each vehicle's row."""

from __future__ import annotations

from dataclasses import replace

from groundcontrol.snapshot import LinkHealth, VehicleSnapshot
from ui.app.fleet_status import COLUMNS, RESERVE_PCT, fleet_row, in_name_order


def flying(**kw) -> VehicleSnapshot:
    base = VehicleSnapshot(system_id=1, time=0.0, wall_time=0.0, link=LinkHealth(connected=True, heartbeat_age=0.4),
                           mode="AUTO", armed=True, battery_pct=72.0, battery_voltage=15.4, alt_rel=35.2,
                           groundspeed=9.84, mission_seq=4, mission_total=12, gps_fix=3, gps_satellites=11)
    return replace(base, **kw)


def cells(row) -> dict[str, str]:
    return {field: getattr(row, field) for _, names in COLUMNS for field in names}


def test_a_healthy_vehicle_reads_name_link_mode_armed_battery_alt_speed_mission_gps():
    row = fleet_row("vehicle-1", flying(), link_lost=False)
    assert cells(row) == {"key": "vehicle-1", "link": "OK", "mode": "AUTO", "armed": "ARMED", "battery": "72 %",
                          "volts": "15.4 V", "alt": "alt 35 m", "speed": "9.8 m/s", "mission": "item 4/12",
                          "gps": "3D, 11 sats"}
    assert row.level == "ok"
    assert row.cells() == ("vehicle-1\nAUTO\nARMED", "OK\n3D, 11 sats", "72 %\n15.4 V", "alt 35 m\n9.8 m/s\nitem 4/12")


def test_a_lost_link_says_so_with_the_seconds_since_the_last_heartbeat_and_is_red():
    row = fleet_row("vehicle-2", flying(link=LinkHealth(connected=True, lost=True, heartbeat_age=7.6)), link_lost=True)
    assert row.link == "LINK LOST 8 s"
    assert row.level == "lost"
    assert "LINK LOST" in row.summary


def test_a_battery_at_or_below_the_reserve_says_low_and_is_amber_unless_the_link_is_lost():
    low = fleet_row("vehicle-1", flying(battery_pct=RESERVE_PCT), link_lost=False)
    assert low.battery == f"LOW {RESERVE_PCT:.0f} %"
    assert low.level == "low"
    assert fleet_row("vehicle-1", flying(battery_pct=RESERVE_PCT + 1), link_lost=False).level == "ok"
    assert fleet_row("vehicle-1", flying(battery_pct=10.0), link_lost=True).level == "lost"  # the worse news wins
    assert fleet_row("vehicle-1", flying(battery_pct=30.0), link_lost=False, reserve_pct=35.0).level == "low"


def test_unknown_parts_show_a_question_mark_or_a_dash_not_zero():
    row = fleet_row("vehicle-1", VehicleSnapshot(system_id=1, time=0.0, wall_time=0.0), link_lost=False)
    assert cells(row) == {"key": "vehicle-1", "link": "no heartbeat yet", "mode": "?", "armed": "disarmed",
                          "battery": "?", "volts": "?", "alt": "alt ?", "speed": "?", "mission": "no mission", "gps": "?"}
    assert row.level == "ok"
    assert fleet_row("vehicle-3", None, link_lost=False).link == "connecting"


def test_rows_stay_in_name_order_whatever_order_the_links_answered_in():
    rows = [fleet_row(k, flying(), False) for k in ("vehicle-10", "vehicle-2", "vehicle-1")]
    assert [r.key for r in in_name_order(rows)] == ["vehicle-1", "vehicle-2", "vehicle-10"]
