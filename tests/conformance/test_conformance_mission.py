"""Conformance, part 2: the mission protocol and flying missions (facts §5–§7)."""

from __future__ import annotations

import math

from conformance.wire import AUTO, BRAKE, RTL, Item, Wire
from search_patterns.geo import haversine_m, offset_latlon

WP, TAKEOFF, RTL_CMD = 16, 22, 20


def _grid(lat: float, lon: float, n: int) -> list[Item]:
    """``n`` items: home placeholder, then waypoints on a 5 m grid (frame 6)."""
    items = [Item(WP, lat, lon, 0, frame=0)]
    for i in range(1, n):
        la, lo = offset_latlon(lat, lon, 5.0 * (i % 40), 5.0 * (i // 40))
        items.append(Item(WP, la, lo, 20 + i % 7))
    return items


def _assert_round_trip(sent: list[Item], got: list, home) -> None:
    assert len(got) == len(sent)
    h = got[0]
    assert (h.command, h.frame) == (16, 0), "seq 0 is home, frame GLOBAL"
    assert (h.x, h.y) == (home.latitude, home.longitude)
    assert abs(h.z - home.altitude / 1000.0) < 0.05
    for s, g in zip(sent[1:], got[1:], strict=True):
        assert g.command == s.command
        assert g.frame == {6: 3, 3: 3, 0: 0}[s.frame], "frame 6 comes back as 3"
        assert (g.x, g.y) == (round(s.lat * 1e7), round(s.lon * 1e7)), "lat/lon round-trip exactly"
        assert math.isclose(g.z, s.z, abs_tol=1e-4)


def test_five_item_mission_uploads_with_mission_request_and_downloads_identically(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        home = w.home()
        items = _grid(home.latitude * 1e-7, home.longitude * 1e-7, 5)
        result, asked = w.upload(items)
        assert result == 0
        assert set(asked) == {"MISSION_REQUEST"}, "ArduCopter pulls items with MISSION_REQUEST (#40)"
        assert w.wait_text("Flight plan received") is not None
        _assert_round_trip(items, w.download(), home)
    finally:
        w.close()


def test_650_items_round_trip_and_651_are_refused_with_no_space(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        home = w.home()
        items = _grid(home.latitude * 1e-7, home.longitude * 1e-7, 650)
        assert w.upload(items, sim_timeout=30)[0] == 0
        _assert_round_trip(items, w.download(), home)
        w.conn.mav.mission_count_send(1, 1, 651, 0)
        ack = w.recv("MISSION_ACK", 5)
        assert ack is not None and ack.type == 4, "NO_SPACE"
        sev, text = w.wait_text("Only 650 items are supported")
        assert sev == 4
        assert len(w.download()) == 650, "a refused upload leaves the mission alone"
    finally:
        w.close()


def test_clear_all_leaves_no_items_at_all(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        home = w.home()
        assert w.upload(_grid(home.latitude * 1e-7, home.longitude * 1e-7, 4))[0] == 0
        w.conn.mav.mission_clear_all_send(1, 1, 0)
        ack = w.recv("MISSION_ACK", 5)
        assert ack is not None and ack.type == 0
        w.conn.mav.mission_request_list_send(1, 1, 0)
        count = w.recv("MISSION_COUNT", 5)
        assert count.count == 0
    finally:
        w.close()


def test_unanswered_upload_is_re_requested_every_second_and_cancelled_after_8_s(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        w.conn.mav.mission_count_send(1, 1, 3, 0)
        reqs = []
        ack = None
        while ack is None:
            msg = w.recv(("MISSION_REQUEST", "MISSION_ACK"), 12)
            assert msg is not None, "vehicle neither re-asked nor gave up"
            if msg.get_type() == "MISSION_ACK":
                ack = msg
            else:
                reqs.append(msg)
        assert ack.type == 15, "OPERATION_CANCELLED"
        assert all(r.seq == 0 for r in reqs)
        assert 7 <= len(reqs) <= 9, f"{len(reqs)} requests in 8 s"
        assert w.wait_text("Mission upload timeout") == (4, "Mission upload timeout")
    finally:
        w.close()


def _square_mission(lat: float, lon: float, side: float, alt: float, rtl: bool) -> list[Item]:
    items = [Item(WP, lat, lon, 0, frame=0), Item(TAKEOFF, 0, 0, alt)]
    for n, e in ((side, 0), (side, side), (0, side)):
        items.append(Item(WP, *offset_latlon(lat, lon, n, e), alt))
    if rtl:
        items.append(Item(RTL_CMD, 0, 0, 0))
    return items


def test_auto_flies_the_waypoints_in_order_then_rtl_lands_and_disarms_still_in_auto(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        home = w.home()
        lat, lon = home.latitude * 1e-7, home.longitude * 1e-7
        items = _square_mission(lat, lon, 40.0, 10.0, rtl=True)
        assert w.upload(items)[0] == 0
        assert w.arm() == 0
        assert w.command(300, 0, 0) == 0, "MISSION_START takes off from the ground"
        reached = []
        positions = {}
        while len(reached) < 5:
            msg = w.recv("MISSION_ITEM_REACHED", 80)
            assert msg is not None, f"stalled after {reached}"
            reached.append(msg.seq)
            pos = w.recv("GLOBAL_POSITION_INT", 2)
            positions[msg.seq] = (pos.lat * 1e-7, pos.lon * 1e-7)
        assert reached == [1, 2, 3, 4, 5]
        for seq in (2, 3, 4):
            it = items[seq]
            assert haversine_m(*positions[seq], it.lat, it.lon) < 6.0, f"reached #{seq} near it"
        for seq in (2, 3, 4):
            assert w.wait_text(f"Reached command #{seq}") is not None
        assert w.wait_text("Mission: 5 RTL") is not None
        hb = w.heartbeat(10, cond=lambda m: not m.base_mode & 128)
        assert hb is not None and hb.custom_mode == AUTO, "mode stays AUTO after the final RTL's disarm"
        pos = w.recv("GLOBAL_POSITION_INT", 3)
        assert pos.relative_alt < 500 and haversine_m(pos.lat * 1e-7, pos.lon * 1e-7, lat, lon) < 5
        cur = w.recv("MISSION_CURRENT", 3)
        assert cur.mission_state == 5
    finally:
        w.close()


def test_brake_pauses_the_mission_and_auto_resumes_the_same_item(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        home = w.home()
        lat, lon = home.latitude * 1e-7, home.longitude * 1e-7
        assert w.upload(_square_mission(lat, lon, 120.0, 10.0, rtl=False))[0] == 0
        assert w.arm() == 0
        assert w.command(300, 0, 0) == 0
        assert w.recv("MISSION_ITEM_REACHED", 60, lambda m: m.seq == 1) is not None
        assert w.recv("VFR_HUD", 30, lambda m: m.groundspeed > 6.0) is not None, "cruising on leg 2"
        assert w.set_mode(BRAKE) == 0
        stopped = w.recv("VFR_HUD", 12, lambda m: m.groundspeed < 0.3)
        assert stopped is not None, "BRAKE stops the copter"
        assert abs(stopped.alt - home.altitude / 1000.0 - 10.0) < 1.0, "BRAKE holds altitude"
        cur = w.recv("MISSION_CURRENT", 3)
        assert (cur.seq, cur.mission_state) == (2, 2), "paused on item 2, not started"
        w.texts.clear()
        assert w.set_mode(AUTO) == 0
        assert w.wait_text("Mission: 2 WP") is not None, "AUTO resumes the same item"
        msg = w.recv("MISSION_ITEM_REACHED", 60)
        assert msg is not None and msg.seq == 2
        # DO_SET_MISSION_CURRENT jumps at once.
        w.texts.clear()
        assert w.command(224, 4) == 0
        assert w.wait_text("Mission: 4 WP") is not None
        assert w.recv("MISSION_CURRENT", 3, lambda m: m.seq == 4) is not None
    finally:
        w.close()


def test_rtl_climbs_to_rtl_alt_returns_lands_and_disarms_keeping_the_mode(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        home = w.home()
        lat, lon = home.latitude * 1e-7, home.longitude * 1e-7
        w.takeoff(8)
        # Fly 40 m north in GUIDED (position target), so RTL has somewhere to come back from.
        far = offset_latlon(lat, lon, 40.0, 0.0)
        w.conn.mav.set_position_target_global_int_send(0, 1, 1, 6, 0b110111111000, round(far[0] * 1e7),
                                                       round(far[1] * 1e7), 8, 0, 0, 0, 0, 0, 0, 0, 0)
        away = w.recv("GLOBAL_POSITION_INT", 30,
                      lambda m: haversine_m(m.lat * 1e-7, m.lon * 1e-7, *far) < 3.0)
        assert away is not None, "GUIDED position target flown"
        assert w.set_mode(RTL) == 0
        top = w.recv("GLOBAL_POSITION_INT", 20, lambda m: m.relative_alt >= 14_500)
        assert top is not None, "climbs to RTL_ALT (15 m) first"
        landed = w.recv("GLOBAL_POSITION_INT", 90, lambda m: m.relative_alt < 300)
        assert landed is not None, "lands"
        assert haversine_m(landed.lat * 1e-7, landed.lon * 1e-7, lat, lon) < 3.0, "at home"
        hb = w.heartbeat(10, cond=lambda m: not m.base_mode & 128)
        assert hb is not None and hb.custom_mode == RTL, "disarmed, still in RTL"
        assert w.wait_text("Disarming motors") is not None
    finally:
        w.close()
