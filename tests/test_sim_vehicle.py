"""Things only the built-in simulator has: its in-process pose history and camera state,
the readiness settings, wind, gusts and GPS noise, several vehicles, UDP out, and the
battery failsafe with a small pack. (What SITL does too is in tests/conformance.)"""

from __future__ import annotations

import math
import socket
import time

from conformance.wire import GUIDED, RTL, Item, Wire
from pymavlink import mavutil

from search_patterns.geo import haversine_m
from sitl.sim_vehicle import SimConfig, SimVehicle

HOME = (-35.363261, 149.165230, 584.0, 353.0)


def _sim(**kw) -> SimVehicle:
    base = dict(speedup=20.0, tcp_port=0, serial1_port=0, readiness="fast")
    base.update(kw)
    return SimVehicle(SimConfig(**base)).start()


def test_realistic_readiness_refuses_guided_arming_until_the_ekf_uses_gps_at_about_42_s():
    with _sim(speedup=20.0, readiness="realistic") as sim:
        w = Wire(sim.connection_string, 20.0)
        try:
            w.request_streams(4)
            assert w.set_mode(GUIDED) == 0, "GUIDED is accepted before the EKF is ready"
            attempts: list[tuple[float, int]] = []
            while not attempts or attempts[-1][1] != 0:
                before = w.recv("ATTITUDE", 3).time_boot_ms / 1000.0
                result = w.arm()
                attempts.append((before, result))
                assert before < 60.0, "never armable"
                w.collect(1.0)
            failures = [t for t, r in attempts if r != 0]
            assert all(r in (0, 4) for _, r in attempts), "refusals are ACK 4 (FAILED)"
            assert failures and max(failures) < 42.5, "refused only until the EKF uses GPS"
            assert attempts[-1][0] >= 41.0, "not armable before ≈42 s"
            texts = [t for _, t in w.texts]
            assert "Arm: Need Position Estimate" in texts
            assert texts.index("GPS 1: detected u-blox") < texts.index("EKF3 IMU0 origin set") \
                < texts.index("EKF3 IMU0 is using GPS")
        finally:
            w.close()


def test_right_after_boot_missions_get_no_space_and_home_is_not_known_yet():
    with _sim(speedup=1.0, readiness="realistic") as sim:
        w = Wire(sim.connection_string, 1.0)
        try:
            w.conn.mav.mission_count_send(1, 1, 3, 0)
            ack = w.recv("MISSION_ACK", 2)
            assert ack is not None and ack.type == 4
            assert w.wait_text("Only 0 items are supported", 1) == (4, "Only 0 items are supported")
            assert w.command(300, 0, 0, sim_timeout=1) == 4
            assert w.wait_text("Mode change to AUTO failed: init failed", 1) is not None
            assert w.command(512, 242, sim_timeout=1) == 0, "HOME_POSITION request is accepted..."
            assert w.recv("HOME_POSITION", 1, silence=True) is None, "...but there is no home to send yet"
            assert sim.sim_time < 2.35, "all of this before 'ArduPilot Ready'"
        finally:
            w.close()


def test_pose_history_records_the_true_flight_and_interpolates_between_samples():
    with _sim() as sim:
        w = Wire(sim.connection_string, 20.0)
        try:
            w.wait_ready()
            w.takeoff(10)
        finally:
            w.close()
        poses = sim.pose_history()
        assert len(poses) > 100
        times = [p.time for p in poses]
        assert times == sorted(times) and all(b - a < 0.11 for a, b in zip(times, times[1:], strict=False))
        assert poses[0].alt_agl_m == 0.0 and poses[-1].alt_agl_m > 9.0
        a, b = poses[-30], poses[-29]
        mid = sim.pose_at((a.time + b.time) / 2)
        assert min(a.alt_agl_m, b.alt_agl_m) <= mid.alt_agl_m <= max(a.alt_agl_m, b.alt_agl_m)
        assert poses[-1].gimbal_pitch == -90.0
        assert haversine_m(poses[-1].lat, poses[-1].lon, HOME[0], HOME[1]) < 2.0


def test_mount_control_points_the_simulated_camera():
    with _sim() as sim:
        w = Wire(sim.connection_string, 20.0)
        try:
            w.wait_ready()
            assert w.command(205, -30, 0, 15) == 0
            w.collect(0.5)
        finally:
            w.close()
        assert sim.gimbal_pitch_deg == -30.0 and sim.gimbal_yaw_deg == 15.0
        assert sim.pose_at(sim.sim_time).gimbal_pitch == -30.0
        assert sim.camera.hfov_deg > 0


def _fly_north(sim: SimVehicle, w: Wire, metres: float) -> None:
    lat, lon = HOME[0] + metres / 111_320.0, HOME[1]
    w.conn.mav.set_position_target_global_int_send(0, 1, 1, 6, 0b110111111000, round(lat * 1e7),
                                                   round(lon * 1e7), 10, 0, 0, 0, 0, 0, 0, 0, 0)
    assert w.recv("VFR_HUD", 20, lambda m: m.groundspeed > 8.0) is not None


def test_wind_tilts_the_copter_into_it_and_gusts_push_it_about():
    with _sim(wind_m_s=8.0, wind_dir_deg=0.0, gust_m_s=3.0, seed=4) as sim:
        w = Wire(sim.connection_string, 20.0)
        try:
            w.wait_ready()
            w.takeoff(10)
            w.collect(5.0)
        finally:
            w.close()
        recent = [p for p in sim.pose_history() if p.time > sim.sim_time - 4.0]
        # Wind from the north: a copter facing ~353° must pitch nose-down into it to hold position.
        assert sum(p.pitch for p in recent) / len(recent) < -5.0
        spread = max(haversine_m(p.lat, p.lon, recent[0].lat, recent[0].lon) for p in recent)
        assert 0.05 < spread < 10.0, "gusts move it a little; the position controller holds it"


def test_gps_noise_wanders_the_reported_position_but_not_the_true_pose():
    with _sim(gps_noise_m=3.0, seed=2) as sim:
        w = Wire(sim.connection_string, 20.0)
        try:
            w.wait_ready()
            reports = w.collect(20.0, "GLOBAL_POSITION_INT")
        finally:
            w.close()
        errors = [haversine_m(r.lat * 1e-7, r.lon * 1e-7, HOME[0], HOME[1]) for r in reports if r.lat]
        assert max(errors) > 0.5, "noisy"
        assert max(errors) < 15.0
        assert all(haversine_m(p.lat, p.lon, HOME[0], HOME[1]) < 0.01 for p in sim.pose_history())


def test_two_vehicles_run_side_by_side_with_their_own_system_ids():
    with _sim(sysid=1) as a, _sim(sysid=2, home=(HOME[0] + 0.001, HOME[1], 584.0, 0.0)) as b:
        for sim, sysid in ((a, 1), (b, 2)):
            c = mavutil.mavlink_connection(sim.connection_string, source_system=255, source_component=190)
            hb = c.wait_heartbeat(timeout=5)
            assert hb.get_srcSystem() == sysid
            c.close()


def test_udp_out_sends_telemetry_and_takes_commands_back():
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    port = rx.getsockname()[1]
    rx.close()
    c = mavutil.mavlink_connection(f"udpin:127.0.0.1:{port}", source_system=255, source_component=190)
    with _sim(udp_out=("127.0.0.1", port)):
        assert c.wait_heartbeat(timeout=5) is not None
        c.mav.command_long_send(1, 1, 512, 0, 148, 0, 0, 0, 0, 0, 0)
        ack = c.recv_match(type="COMMAND_ACK", blocking=True, timeout=5)
        assert ack is not None and ack.result == 0
    c.close()


def test_battery_failsafe_by_mah_triggers_rtl_when_enabled():
    with _sim(battery_mah=400, params={"BATT_LOW_MAH": 300, "BATT_FS_LOW_ACT": 2, "BATT_LOW_TIMER": 2}) as sim:
        w = Wire(sim.connection_string, 20.0)
        try:
            w.wait_ready()
            w.takeoff(10)
            text = w.wait_text("Battery 1 is low", 60)
            assert text is not None and text[0] == 2 and "12.60V" in text[1]
            assert w.heartbeat(3, cond=lambda m: m.custom_mode == RTL) is not None
        finally:
            w.close()


def test_stopping_the_vehicle_closes_its_ports():
    sim = _sim()
    port = sim.tcp_port
    sim.stop()
    time.sleep(0.05)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_a_15_minute_search_leg_takes_well_under_the_real_time_at_speedup():
    """Sim time runs at the speed-up (when the host keeps up): 10 sim seconds take ≤ ~1 s at 20x."""
    with _sim() as sim:
        t0, s0 = time.monotonic(), sim.sim_time
        time.sleep(0.5)
        rate = (sim.sim_time - s0) / (time.monotonic() - t0)
        assert 5.0 < rate <= 21.0
        assert math.isfinite(rate)



def test_mission_do_items_set_speed_and_camera_pitch_and_loiter_time_holds():
    with _sim() as sim:
        w = Wire(sim.connection_string, 20.0)
        try:
            w.wait_ready()
            lat, lon = HOME[0], HOME[1]
            far = (lat + 100 / 111_320.0, lon)
            items = [Item(16, lat, lon, 0, frame=0), Item(22, 0, 0, 10), Item(178, p1=1, p2=4.0),
                     Item(205, p1=-45.0, z=0), Item(19, *far, 10, p1=6.0), Item(16, lat, lon, 10)]
            assert w.upload(items)[0] == 0
            assert w.arm() == 0 and w.command(300, 0, 0) == 0
            assert w.wait_text("Mission: 2 ChangeSpeed", 30) is not None, "DO items start with the NAV item before"
            assert w.wait_text("Mission: 3 MountControl", 5) is not None
            hud = w.collect(12.0, "VFR_HUD")
            assert 3.5 < max(h.groundspeed for h in hud) < 4.5, "DO_CHANGE_SPEED 4 m/s"
            assert sim.gimbal_pitch_deg == -45.0, "DO_MOUNT_CONTROL pitched the camera"
            arrived = w.recv("VFR_HUD", 60, lambda m: m.groundspeed < 0.2)
            assert arrived is not None
            t0 = w.recv("ATTITUDE", 2).time_boot_ms
            assert w.recv("MISSION_ITEM_REACHED", 20, lambda m: m.seq == 4) is not None
            t1 = w.recv("ATTITUDE", 2).time_boot_ms
            assert (t1 - t0) / 1000.0 >= 4.0, "LOITER_TIME held for its 6 s"
        finally:
            w.close()


def test_a_second_ground_station_cannot_upload_while_the_first_one_is():
    with _sim() as sim:
        a = Wire(sim.connection_string, 20.0)
        b = Wire(sim.connection_string, 20.0, sysid=254)
        try:
            a.wait_ready()
            a.conn.mav.mission_count_send(1, 1, 3, 0)
            assert a.recv("MISSION_REQUEST", 5) is not None
            b.conn.mav.mission_count_send(1, 1, 2, 0)
            ack = b.recv("MISSION_ACK", 5, lambda m: m.target_system == 254)
            assert ack is not None and ack.type == 14, "DENIED"
        finally:
            a.close()
            b.close()
