"""Conformance, part 3: the mission protocol's edge cases, parameters, version, battery,
AUTO rules on the ground, LOITER with SITL's low throttle, and the GCS failsafe."""

from __future__ import annotations

from conformance.wire import AUTO, GUIDED, LOITER, RTL, Item, Wire
from search_patterns.geo import offset_latlon

WP = 16


def _send_item(w: Wire, seq: int, it: Item) -> None:
    w.conn.mav.mission_item_int_send(1, 1, seq, it.frame, it.command, 0, 1, it.p1, it.p2, it.p3, it.p4,
                                     round(it.lat * 1e7), round(it.lon * 1e7), it.z, 0)


def _ready(vehicle) -> tuple[Wire, float, float]:
    w = Wire(vehicle.connection, vehicle.speedup)
    w.wait_ready()
    home = w.home()
    return w, home.latitude * 1e-7, home.longitude * 1e-7


def test_bad_items_are_refused_with_arducopters_ack_codes(vehicle):
    w, lat, lon = _ready(vehicle)
    try:
        cases = [(Item(9999, lat, lon, 10), 3), (Item(300, 0, 0, 0), 3), (Item(WP, 91.0, lon, 10), 10),
                 (Item(WP, lat, lon, 10, frame=1), 2)]
        for bad, code in cases:
            result, _ = w.upload([Item(WP, lat, lon, 0, frame=0), bad])
            assert result == code, f"command {bad.command} frame {bad.frame}: ACK {result}, expected {code}"
        accepted = [Item(WP, lat, lon, 0, frame=0), Item(21, lat, lon, 0), Item(20), Item(19, lat, lon, 10, p1=5),
                    Item(178, p1=1, p2=5, p3=-1), Item(201, lat, lon, 0), Item(205, p1=-45, z=0),
                    Item(WP, 0.0, 0.0, 10)]
        assert w.upload(accepted)[0] == 0
        got = w.download()
        assert (got[4].param1, got[4].param2, got[4].param3) == (1, 5, -1), "DO_CHANGE_SPEED round-trips"
        assert got[6].z == 2.0, "DO_MOUNT_CONTROL comes back with z = 2"
        assert (got[7].x, got[7].y) == (0, 0), "a waypoint at 0,0 is stored as 0,0"
    finally:
        w.close()


def test_wrong_seq_is_answered_13_without_aborting_and_a_list_request_mid_upload_is_denied(vehicle):
    w, lat, lon = _ready(vehicle)
    try:
        items = [Item(WP, lat, lon, 0, frame=0)] + [Item(WP, *offset_latlon(lat, lon, 10 * i, 0), 15) for i in (1, 2)]
        w.conn.mav.mission_count_send(1, 1, 3, 0)
        req = w.recv("MISSION_REQUEST", 5)
        assert req.seq == 0
        _send_item(w, 2, items[2])
        ack = w.recv("MISSION_ACK", 5)
        assert ack.type == 13, "INVALID_SEQUENCE"
        w.conn.mav.mission_request_list_send(1, 1, 0)
        ack = w.recv("MISSION_ACK", 5)
        assert ack.type == 14, "DENIED while uploading"
        for seq in range(3):
            if seq:
                req = w.recv("MISSION_REQUEST", 5, lambda m, s=seq: m.seq == s)
                assert req is not None
            _send_item(w, seq, items[seq])
        assert w.recv("MISSION_ACK", 5, lambda m: m.type == 0) is not None
    finally:
        w.close()


def test_abandoned_upload_overwrites_the_old_mission_in_place(vehicle):
    w, lat, lon = _ready(vehicle)
    try:
        old = [Item(WP, lat, lon, 0, frame=0)] + [Item(WP, *offset_latlon(lat, lon, 10 * i, 0), 11) for i in range(1, 5)]
        new = [Item(WP, lat, lon, 0, frame=0)] + [Item(WP, *offset_latlon(lat, lon, 0, 10 * i), 22) for i in range(1, 10)]
        assert w.upload(old)[0] == 0
        w.conn.mav.mission_count_send(1, 1, len(new), 0)
        for seq in range(3):
            req = w.recv("MISSION_REQUEST", 5, lambda m, s=seq: m.seq == s)
            _send_item(w, req.seq, new[req.seq])
        ack = w.recv("MISSION_ACK", 15)
        assert ack is not None and ack.type == 15, "cancelled after 8 s"
        got = w.download()
        assert [g.z for g in got[1:]] == [22, 22, 11, 11], "[home, new1, new2, old3, old4]"
    finally:
        w.close()


def test_float_mission_request_is_answered_with_a_warning_once(vehicle):
    w, lat, lon = _ready(vehicle)
    try:
        assert w.upload([Item(WP, lat, lon, 0, frame=0), Item(WP, lat + 0.001, lon, 30)])[0] == 0
        for _ in range(2):
            w.conn.mav.mission_request_send(1, 1, 1, 0)
            it = w.recv("MISSION_ITEM", 5)
            assert it is not None and abs(it.x - (lat + 0.001)) < 1e-5 and it.z == 30
        w.collect(1.0)
        warnings = [t for t in w.texts if "use MISSION_REQUEST_INT" in t[1]]
        assert warnings == [(4, "got MISSION_REQUEST; use MISSION_REQUEST_INT!")]
    finally:
        w.close()


def test_parameters_read_and_set_with_arducopter_names_and_defaults(vehicle):
    w, _, _ = _ready(vehicle)
    try:
        for name, default in (("WPNAV_SPEED", 1000), ("RTL_ALT", 1500), ("FS_GCS_ENABLE", 0),
                              ("BATT_CAPACITY", 3300), ("DISARM_DELAY", 10), ("MAV_SYSID", 1)):
            w.conn.mav.param_request_read_send(1, 1, name.encode(), -1)
            pv = w.recv("PARAM_VALUE", 5, lambda m, n=name: m.param_id == n)
            assert pv is not None and pv.param_value == default, name
        w.conn.mav.param_set_send(1, 1, b"RTL_ALT", 2500, 6)
        pv = w.recv("PARAM_VALUE", 5, lambda m: m.param_id == "RTL_ALT")
        assert pv.param_value == 2500
        w.conn.mav.param_request_read_send(1, 1, b"SYSID_THISMAV", -1)
        assert w.recv("PARAM_VALUE", 3, lambda m: m.param_id == "SYSID_THISMAV", silence=True) is None
    finally:
        w.close()


def test_autopilot_version_on_request_says_arducopter_4_7_with_mavlink2_and_mission_int(vehicle):
    w, _, _ = _ready(vehicle)
    try:
        assert w.command(512, 148) == 0
        v = w.recv("AUTOPILOT_VERSION", 5)
        assert v is not None
        assert v.flight_sw_version >> 16 == 0x0407
        assert v.capabilities & 0x2000 and v.capabilities & 0x4, "MAVLINK2 and MISSION_INT"
    finally:
        w.close()


def test_auto_on_the_ground_needs_mission_start_and_cannot_be_armed(vehicle):
    w, lat, lon = _ready(vehicle)
    try:
        assert w.set_mode(AUTO) == 0, "AUTO with no mission is accepted while disarmed"
        assert w.arm() == 4
        assert w.wait_text("Arm: Mode requires mission") is not None
        items = [Item(WP, lat, lon, 0, frame=0), Item(22, 0, 0, 10), Item(WP, lat + 0.0003, lon, 10)]
        assert w.upload(items)[0] == 0
        assert w.arm() == 4
        assert w.wait_text("Arm: AUTO mode not armable") is not None
        assert w.set_mode(GUIDED) == 0 and w.arm() == 0
        assert w.set_mode(AUTO) == 0
        pos = w.collect(3.0, "GLOBAL_POSITION_INT")     # well inside the 10 s auto-disarm
        assert max(p.relative_alt for p in pos) < 300, "AUTO alone does not lift off (throttle at minimum)"
        assert w.command(300, 1, 0) == 2, "MISSION_START with p1 != 0 is DENIED"
        assert w.command(300, 0, 0) == 0
        assert w.recv("GLOBAL_POSITION_INT", 10, lambda m: m.relative_alt > 3000) is not None
    finally:
        w.close()


def test_loiter_sinks_with_sitls_low_throttle(vehicle):
    w, _, _ = _ready(vehicle)
    try:
        w.takeoff(12)
        assert w.set_mode(LOITER) == 0
        low = w.recv("GLOBAL_POSITION_INT", 12, lambda m: m.relative_alt < 6000)
        assert low is not None, "LOITER descends with the throttle stick at 1000"
    finally:
        w.close()


def test_battery_reads_12_6_v_and_drains_by_mah_in_flight(vehicle):
    w, _, _ = _ready(vehicle)
    try:
        s0 = w.recv("SYS_STATUS", 5)
        assert s0.voltage_battery == 12600 and s0.current_battery == 0 and s0.battery_remaining == 100
        w.takeoff(10)
        w.collect(20.0)
        s1 = w.recv("SYS_STATUS", 5)
        b = w.recv("BATTERY_STATUS", 5)
        assert s1.voltage_battery == 12600
        assert 2500 <= s1.current_battery <= 3500, "≈27–33 A in the air"
        assert 90 <= s1.battery_remaining < 100
        assert b.current_consumed > 100 and b.voltages[0] == 12600
    finally:
        w.close()


def test_gcs_failsafe_switches_to_rtl_5_s_after_the_last_gcs_heartbeat(vehicle):
    w, _, _ = _ready(vehicle)
    try:
        w.conn.mav.param_set_send(1, 1, b"FS_GCS_ENABLE", 1, 2)
        pv = w.recv("PARAM_VALUE", 5, lambda m: m.param_id == "FS_GCS_ENABLE")
        assert pv is not None and pv.param_value == 1
        w.takeoff(10)
        w.send_heartbeats = False
        t_stop = w.recv("ATTITUDE", 3).time_boot_ms
        assert w.wait_text("GCS Failsafe", 15) == (4, "GCS Failsafe")
        t_fs = w.recv("ATTITUDE", 3).time_boot_ms
        assert 3.5 <= (t_fs - t_stop) / 1000.0 <= 6.5, "FS_GCS_TIMEOUT is 5 s after the last heartbeat"
        assert w.heartbeat(3, cond=lambda m: m.custom_mode == RTL) is not None
        w.send_heartbeats = True
        assert w.wait_text("GCS Failsafe Cleared", 10) == (4, "GCS Failsafe Cleared")
        hb = w.heartbeat(3)
        assert hb.custom_mode == RTL, "the mode stays RTL after the failsafe clears"
    finally:
        w.close()
