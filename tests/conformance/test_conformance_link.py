"""Conformance, part 1: connecting, telemetry, readiness, arming, modes, takeoff, signing.

Each test runs against the built-in simulator and, when installed, ArduPilot SITL; what
passes on one must pass on the other (ardupilot-facts.md is the reference).
"""

from __future__ import annotations

import struct
import time

from conformance.wire import BRAKE, GUIDED, LOITER, RTL, Wire


def _signing_timestamp(msg) -> int:
    """The 48-bit signing timestamp of a signed packet."""
    buf = msg.get_msgbuf()
    lo, hi = struct.unpack("<IH", bytes(buf[-12:-6]))
    return lo + (hi << 32)


def test_vehicle_announces_itself_as_an_arducopter_quad_over_mavlink2(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        hb = w.heartbeat(5)
        assert hb is not None, "no HEARTBEAT"
        assert (hb.type, hb.autopilot, hb.mavlink_version) == (2, 3, 3)
        assert hb.get_srcSystem() == 1 and hb.get_srcComponent() == 1
        assert hb.get_msgbuf()[0] == 0xFD, "vehicle packets must be MAVLink 2"
        assert hb.base_mode & 1, "CUSTOM_MODE_ENABLED"
    finally:
        w.close()


def test_requested_streams_arrive_at_the_requested_rate_in_sim_time(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        w.request_streams(4)
        msgs = w.collect(6.0)
        kinds = {m.get_type() for m in msgs}
        for needed in ("SYS_STATUS", "GPS_RAW_INT", "GLOBAL_POSITION_INT", "ATTITUDE", "VFR_HUD",
                       "BATTERY_STATUS", "EKF_STATUS_REPORT", "MISSION_CURRENT"):
            assert needed in kinds, f"{needed} not streamed"
        att = [m.time_boot_ms for m in msgs if m.get_type() == "ATTITUDE"]
        span_s = (att[-1] - att[0]) / 1000.0
        rate = (len(att) - 1) / span_s
        assert 3.0 <= rate <= 5.0, f"ATTITUDE at {rate:.2f} Hz of sim time, asked for 4"
        # One message faster with SET_MESSAGE_INTERVAL (ACK 0); an unknown id is DENIED with a text.
        assert w.command(511, 33, 100_000) == 0
        pos = [m.time_boot_ms for m in w.collect(4.0, "GLOBAL_POSITION_INT")]
        rate = (len(pos) - 1) / ((pos[-1] - pos[0]) / 1000.0)
        assert 7.0 <= rate <= 12.0, f"GLOBAL_POSITION_INT at {rate:.2f} Hz, asked for 10"
        assert w.command(511, 9999, 100_000) == 2
        assert w.wait_text("No ap_message for mavlink id (9999)") is not None
    finally:
        w.close()


def test_readiness_brings_an_rtk_fix_an_ekf_position_and_home(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        gps = w.recv("GPS_RAW_INT", 5, lambda m: m.fix_type >= 3)
        assert gps is not None and gps.fix_type == 6 and gps.satellites_visible == 10
        ekf = w.recv("EKF_STATUS_REPORT", 5)
        assert ekf is not None and ekf.flags == 0x33F
        home = w.home()
        assert home is not None and home.latitude != 0
        pos = w.recv("GLOBAL_POSITION_INT", 5)
        assert abs(pos.lat - home.latitude) < 100 and abs(pos.lon - home.longitude) < 100
    finally:
        w.close()


def test_arming_is_refused_with_ack_4_and_an_arm_text_in_a_mode_that_cannot_arm(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        assert w.set_mode(BRAKE) == 0
        assert w.arm() == 4
        sev, text = w.wait_text("Arm: BRAKE mode not armable")
        assert sev == 2
        hb = w.heartbeat()
        assert not hb.base_mode & 128
    finally:
        w.close()


def test_arm_and_disarm_in_guided_with_texts_and_an_immediate_heartbeat(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        assert w.arm() == 0
        assert w.wait_text("Arming motors") is not None
        hb = w.heartbeat(cond=lambda m: m.base_mode & 128)
        assert hb is not None and hb.base_mode == 217 and hb.custom_mode == GUIDED
        assert w.disarm() == 0
        assert w.wait_text("Disarming motors") is not None
        assert w.heartbeat(cond=lambda m: not m.base_mode & 128) is not None
    finally:
        w.close()


def test_vehicle_disarms_by_itself_10_s_after_arming_without_takeoff(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        assert w.arm() == 0
        t_arm = w.recv("ATTITUDE", 3).time_boot_ms
        hb = w.heartbeat(30, cond=lambda m: not m.base_mode & 128)
        assert hb is not None, "never disarmed"
        t_disarm = w.recv("ATTITUDE", 3).time_boot_ms
        assert 8.5 <= (t_disarm - t_arm) / 1000.0 <= 12.5
        assert w.wait_text("Disarming motors") is not None
    finally:
        w.close()


def test_do_set_mode_is_acknowledged_but_set_mode_changes_mode_silently(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        assert w.set_mode(LOITER) == 0
        assert w.heartbeat(cond=lambda m: m.custom_mode == LOITER) is not None
        w.conn.mav.set_mode_send(1, 1, RTL)
        assert w.heartbeat(cond=lambda m: m.custom_mode == RTL) is not None
        assert w.recv("COMMAND_ACK", 5, silence=True) is None, "SET_MODE must not be acknowledged"
        assert w.command(176, 0, GUIDED) == 2, "DO_SET_MODE without the custom-mode flag is DENIED"
        assert w.command(176, 1, 13) == 4, "SPORT does not exist in this build"
    finally:
        w.close()


def test_takeoff_in_guided_climbs_to_the_target_and_is_refused_when_disarmed(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        assert w.command(22, 0, 0, 0, 0, 0, 0, 10) == 4, "takeoff while disarmed"
        w.takeoff(10)
        hb = w.heartbeat(3, cond=lambda m: m.system_status == 4)
        assert hb is not None, "airborne vehicle reports ACTIVE"
        msgs = w.collect(4.0, "GLOBAL_POSITION_INT")
        assert all(9.0 <= m.relative_alt / 1000 <= 11.0 for m in msgs), "holds the takeoff altitude"
        home = w.home()
        assert abs(msgs[-1].alt - home.altitude - msgs[-1].relative_alt) < 1500
    finally:
        w.close()


def test_signing_signs_everything_and_the_second_port_ignores_unsigned_commands(vehicle):
    key = bytes(range(32))
    w = Wire(vehicle.connection, vehicle.speedup)
    w2 = Wire(vehicle.second_connection, vehicle.speedup)
    try:
        w.wait_ready()
        # SETUP_SIGNING's timestamp: now, in 10 µs units since 2015-01-01.
        w.conn.mav.setup_signing_send(1, 1, key, int((time.time() - 1420070400) * 100_000))
        hb = w2.heartbeat(5, cond=lambda m: m.get_header().incompat_flags & 1)
        assert hb is not None, "vehicle packets are signed after SETUP_SIGNING"
        vehicle_ts = _signing_timestamp(hb)
        # SERIAL0 still accepts unsigned commands.
        assert w.command(511, 30, 200_000) == 0
        # SERIAL1: unsigned → ignored; wrong key → ignored; right key → accepted.
        assert w2.command(511, 30, 200_000, sim_timeout=5, silence=True) is None
        # A new signed stream must not start more than 60 s behind the vehicle's timestamp (facts §9).
        w2.conn.setup_signing(bytes(32 * [7]), sign_outgoing=True, initial_timestamp=vehicle_ts + 100)
        assert w2.command(511, 30, 200_000, sim_timeout=5, silence=True) is None
        w2.conn.setup_signing(key, sign_outgoing=True, initial_timestamp=vehicle_ts + 200)
        assert w2.command(511, 30, 200_000) == 0
        # A zero key turns signing off again.
        w2.conn.mav.setup_signing_send(1, 1, bytes(32), 0)
        w.conn.mav.setup_signing_send(1, 1, bytes(32), 0)
        hb = w.heartbeat(5, cond=lambda m: not m.get_header().incompat_flags & 1)
        assert hb is not None, "unsigned again after a zero key"
    finally:
        w.close()
        w2.close()


UNREQUESTED = {"HEARTBEAT", "STATUSTEXT", "PARAM_VALUE", "TIMESYNC", "HOME_POSITION", "GPS_GLOBAL_ORIGIN",
               "SYS_STATUS", "AUTOPILOT_VERSION", "COMMAND_ACK"}


def test_nothing_but_heartbeats_and_announcements_arrive_until_streams_are_requested(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        kinds = {m.get_type() for m in w.collect(8.0)}
        assert "HEARTBEAT" in kinds
        assert kinds <= UNREQUESTED, f"unrequested: {kinds - UNREQUESTED}"
        w.request_streams(4)
        assert w.recv("ATTITUDE", 5) is not None
        w.conn.mav.request_data_stream_send(1, 1, 0, 4, 0)   # ALL, stop
        # The vehicle handles a link's messages in order, and TCP keeps order: once the ACK of a command
        # sent after the stop has arrived, whatever was streamed before the stop has been read.
        assert w.command(512, 148) == 0
        kinds = {m.get_type() for m in w.collect(4.0)}
        assert kinds <= UNREQUESTED, f"still streaming: {kinds - UNREQUESTED}"
    finally:
        w.close()


def test_signing_cannot_be_set_up_while_armed(vehicle):
    w = Wire(vehicle.connection, vehicle.speedup)
    try:
        w.wait_ready()
        assert w.arm() == 0
        w.conn.mav.setup_signing_send(1, 1, bytes(range(32)), int((time.time() - 1420070400) * 100_000))
        assert w.wait_text("ERROR: Won't setup signing when armed") == (4, "ERROR: Won't setup signing when armed")
        hb = w.heartbeat(3)
        assert not hb.get_header().incompat_flags & 1, "still unsigned"
        assert w.disarm() == 0
    finally:
        w.close()
