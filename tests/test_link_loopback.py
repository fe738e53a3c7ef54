"""The link layer against a scripted MAVLink peer on a real TCP socket.

The peer is plain pymavlink, driven step by step by the test, so each test can produce
exactly the condition it is about (a sequence gap, silence, a closed socket) and check
what a pilot would see in the snapshot and events.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from link_helpers import ScriptedPeer
from pymavlink import mavutil

from groundcontrol import events as ev
from groundcontrol.connection import parse_endpoint
from groundcontrol.errors import LinkError
from groundcontrol.vehicle import Vehicle
from search_patterns.errors import InputError


@pytest.fixture
def peer():
    p = ScriptedPeer()
    yield p
    p.close()


def _connect(peer: ScriptedPeer, **kw) -> Vehicle:
    result = {}

    def go():
        result["v"] = Vehicle.connect(peer.connection, timeout=5, request_telemetry=False, **kw)
    t = threading.Thread(target=go)
    t.start()
    deadline = time.monotonic() + 5
    next_beat = 0.0
    while "v" not in result and time.monotonic() < deadline:
        if peer._accepted.is_set() and time.monotonic() >= next_beat:
            peer.heartbeat()  # at 1 Hz, like a vehicle: the station paces its own heartbeat on it
            next_beat = time.monotonic() + 1.0
        time.sleep(0.02)
    t.join(5)
    return result["v"]


def _eventually(cond, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


def test_snapshot_shows_what_the_vehicle_reported(peer):
    v = _connect(peer)
    try:
        peer.send(peer.mav.global_position_int_encode(1000, -353632610, 1491652299, 604050, 19979, 250, -120, -30, 35000))
        peer.send(peer.mav.sys_status_encode(0x5371FC2F, 0x5371FC2F, 0x5771FC2F, 0, 12600, 2950, 87, 0, 0, 0, 0, 0, 0))
        peer.send(peer.mav.gps_raw_int_encode(0, 6, 0, 0, 0, 121, 200, 0, 0, 10))
        peer.heartbeat(custom_mode=3, armed=True, status=4)
        assert _eventually(lambda: v.snapshot().mode == "AUTO" and v.snapshot().gps_fix == 6)
        s = v.snapshot()
        assert s.lat == pytest.approx(-35.363261) and s.lon == pytest.approx(149.1652299)
        assert s.alt_rel == pytest.approx(19.979) and s.alt_amsl == pytest.approx(604.05)
        assert (s.vn, s.ve, s.vd) == pytest.approx((2.5, -1.2, -0.3))
        assert s.battery_voltage == pytest.approx(12.6) and s.battery_pct == 87
        assert s.battery_current == pytest.approx(29.5)
        assert s.prearm_ok is True and s.gps_satellites == 10
        assert s.armed and s.in_air
        assert s.age("position") < 2.0 and s.age("attitude") is None
    finally:
        v.close()


def test_events_report_mode_arming_texts_and_waypoints_in_order(peer):
    v = _connect(peer)
    got: list = []
    v.subscribe(got.append)
    try:
        peer.heartbeat(custom_mode=4)
        peer.heartbeat(custom_mode=4, armed=True)
        peer.send(peer.mav.statustext_encode(6, b"Mission: 2 WP"))
        peer.send(peer.mav.mission_item_reached_encode(2))
        assert _eventually(lambda: any(isinstance(e, ev.WaypointReached) for e in got))
        kinds = [type(e) for e in got if not isinstance(e, ev.SnapshotUpdated)]
        assert kinds.index(ev.ModeChanged) < kinds.index(ev.ArmedChanged) < kinds.index(ev.StatusText)
        assert [e.new for e in got if isinstance(e, ev.ModeChanged)][-1] == "GUIDED"
        assert any(isinstance(e, ev.StatusText) and e.text == "Mission: 2 WP" for e in got)
        assert v.snapshot().statustexts[-1].text == "Mission: 2 WP"
    finally:
        v.close()


def test_packet_loss_is_measured_from_sequence_gaps(peer):
    v = _connect(peer)
    try:
        for i in range(20):
            peer.send(peer.mav.heartbeat_encode(2, 3, 81, 0, 3), skip_seq=i % 2)
        assert _eventually(lambda: v.snapshot().link.packets_lost >= 10)
        assert 30 < v.snapshot().link.loss_pct < 50  # every other packet skipped one number
    finally:
        v.close()


def test_silence_is_reported_as_link_lost_and_state_survives_until_it_returns(peer):
    v = _connect(peer, link_timeout=1.0)
    got: list = []
    v.subscribe(got.append)
    try:
        peer.send(peer.mav.global_position_int_encode(1, -353632610, 1491652299, 604050, 19979, 0, 0, 0, 0))
        assert _eventually(lambda: v.snapshot().lat is not None)
        t0 = time.monotonic()
        assert _eventually(lambda: any(isinstance(e, ev.LinkLost) for e in got), timeout=3)
        assert time.monotonic() - t0 < 2.5
        s = v.snapshot()
        assert s.link.lost and s.lat == pytest.approx(-35.363261) and s.age("position") > 0.5
        peer.heartbeat()
        assert _eventually(lambda: any(isinstance(e, ev.LinkRestored) for e in got))
        assert not v.snapshot().link.lost
        restored = next(e for e in got if isinstance(e, ev.LinkRestored))
        assert restored.outage_s >= 1.0
    finally:
        v.close()


def test_a_closed_tcp_link_is_reopened(peer):
    v = _connect(peer, link_timeout=1.0)
    try:
        peer.drop_client()
        assert _eventually(lambda: peer._accepted.is_set(), timeout=5)
        peer.heartbeat(custom_mode=5)
        assert _eventually(lambda: v.snapshot().mode == "LOITER")
        assert v.snapshot().link.reconnects >= 1
    finally:
        v.close()


def test_gcs_heartbeat_is_sent_every_second(peer):
    v = _connect(peer)
    try:
        time.sleep(2.2)
        beats = [m for m in peer.received if m.get_type() == "HEARTBEAT"]
        assert 2 <= len(beats) <= 4, len(beats)
        assert beats[0].type == 6 and beats[0].get_srcSystem() == 255 and beats[0].get_srcComponent() == 190
    finally:
        v.close()


def test_tlog_holds_both_directions_and_mavutil_reads_it(peer, tmp_path):
    path = tmp_path / "vehicle-1.tlog"
    v = _connect(peer, tlog_path=path)
    peer.send(peer.mav.attitude_encode(5, 0.1, -0.2, 1.5, 0, 0, 0))
    assert _eventually(lambda: v.snapshot().roll is not None)
    v.close()
    log = mavutil.mavlink_connection(str(path))
    seen = []
    stamps = []
    while (m := log.recv_match()) is not None:
        seen.append((m.get_srcSystem(), m.get_type()))
        stamps.append(m._timestamp)
    assert (1, "ATTITUDE") in seen and (1, "HEARTBEAT") in seen and (255, "HEARTBEAT") in seen
    assert abs(stamps[0] - time.time()) < 60 and stamps == sorted(stamps)


def test_no_vehicle_gives_a_clear_error(peer):
    with pytest.raises(LinkError, match="no heartbeat"):
        Vehicle.connect(peer.connection, timeout=0.5)


def test_unreachable_address_gives_a_clear_error():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(LinkError, match=f"cannot connect to tcp:127.0.0.1:{port}"):
        Vehicle.connect(f"tcp:127.0.0.1:{port}", timeout=1)


@pytest.mark.parametrize("text,kind,port", [("tcp:127.0.0.1:5760", "tcp", 5760), ("udp:0.0.0.0:14550", "udpin", 14550),
                                            ("udpin:127.0.0.1:14551", "udpin", 14551),
                                            ("udpout:10.0.0.2:14550", "udpout", 14550)])
def test_connection_strings_pilots_know_are_accepted(text, kind, port):
    e = parse_endpoint(text)
    assert (e.kind, e.port) == (kind, port)


def test_serial_devices_take_an_optional_baud():
    assert parse_endpoint("/dev/ttyUSB0").baud == 57600
    e = parse_endpoint("/dev/ttyACM0:115200")
    assert (e.device, e.baud) == ("/dev/ttyACM0", 115200)
    assert parse_endpoint("serial:COM3:921600").device == "COM3"


@given(st.text(max_size=30))
def test_any_bad_connection_string_is_an_input_error_naming_it(text):
    try:
        parse_endpoint(text)
    except InputError as exc:
        assert "--connect" in str(exc)


def test_signing_asked_for_but_not_taken_by_the_vehicle_refuses_to_connect(peer):
    from groundcontrol.errors import SigningError

    stop = threading.Event()

    def beat():
        while not stop.is_set():
            if peer._accepted.is_set():
                peer.heartbeat()
            stop.wait(0.2)
    t = threading.Thread(target=beat, daemon=True)
    t.start()
    try:
        with pytest.raises(SigningError, match="did not start signing"):
            Vehicle.connect(peer.connection, timeout=5, signing_key=bytes(range(32)), signing_timeout=1.0,
                            request_telemetry=False)
        assert any(m.get_type() == "SETUP_SIGNING" for m in peer.received)
    finally:
        stop.set()


def test_telemetry_falls_back_to_data_streams_when_message_intervals_are_not_acknowledged(peer):
    v = _connect(peer)
    try:
        v.commander.long = _fast_no_answer(v.commander.long)
        assert v.request_telemetry() == "data_stream"
        assert _eventually(lambda: {m.req_stream_id for m in peer.received
                                    if m.get_type() == "REQUEST_DATA_STREAM"} == {2, 6, 10, 11, 12})
        asked = [m for m in peer.received if m.get_type() == "COMMAND_LONG" and m.command == 511]
        assert asked and asked[0].param1 == 33  # it did try SET_MESSAGE_INTERVAL first
    finally:
        v.close()


def _fast_no_answer(long):
    """The same command sender with a short wait, so the test does not sit out full timeouts."""
    def quick(action, command, params=(), **kw):
        return long(action, command, params, timeout=0.2, attempts=1)
    return quick


def test_gcs_heartbeat_keeps_pace_with_a_vehicle_whose_clock_runs_fast(peer):
    # A simulator at 10x sends its 1 Hz heartbeat 10 times a second; its GCS failsafe counts
    # in the same fast seconds, so our heartbeat must come as often.
    v = _connect(peer)
    try:
        for _ in range(12):
            peer.heartbeat()
            time.sleep(0.1)
        n0 = sum(1 for m in peer.received if m.get_type() == "HEARTBEAT")
        for _ in range(10):
            peer.heartbeat()
            time.sleep(0.1)
        n1 = sum(1 for m in peer.received if m.get_type() == "HEARTBEAT")
        assert 7 <= n1 - n0 <= 13  # about 10 in that second
    finally:
        v.close()
