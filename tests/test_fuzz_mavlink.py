"""Whatever arrives on the MAVLink port, the link keeps running and keeps reading the vehicle.

A radio link delivers noise, cut packets and packets from other systems; a buggy or hostile
sender can put any value in any field. We send those, as real UDP datagrams, to a running ``Link``
and to the ``.tlog`` reader, and check the link thread is alive and still tracks the vehicle.
"""

from __future__ import annotations

import math
import socket
import struct
import time

import pytest
from fuzz_helpers import HANG_S, inputs
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from groundcontrol.link import Link
from groundcontrol.tlog import iter_tlog

HANDLED = ["HEARTBEAT", "GLOBAL_POSITION_INT", "ATTITUDE", "VFR_HUD", "SYS_STATUS", "BATTERY_STATUS", "GPS_RAW_INT",
           "EKF_STATUS_REPORT", "HOME_POSITION", "MISSION_CURRENT", "MISSION_ITEM_REACHED", "STATUSTEXT",
           "EXTENDED_SYS_STATE", "MISSION_COUNT", "MISSION_REQUEST_INT", "MISSION_ITEM_INT", "MISSION_ACK",
           "COMMAND_ACK", "PARAM_VALUE", "AUTOPILOT_VERSION", "TIMESYNC"]
CLASSES = {c.msgname: c for c in mavlink.mavlink_map.values()}
_INT = {"int8_t": (-2**7, 2**7 - 1), "uint8_t": (0, 2**8 - 1), "int16_t": (-2**15, 2**15 - 1),
        "uint16_t": (0, 2**16 - 1), "int32_t": (-2**31, 2**31 - 1), "uint32_t": (0, 2**32 - 1),
        "int64_t": (-2**63, 2**63 - 1), "uint64_t": (0, 2**64 - 1)}
TALLY = {"datagrams": 0, "messages": 0}


def _value(ftype: str, length: int) -> st.SearchStrategy:
    if ftype == "char":
        return st.binary(max_size=length or 1)
    if ftype in ("float", "double"):
        one = st.floats(width=32 if ftype == "float" else 64)
    else:
        lo, hi = _INT[ftype]
        one = st.one_of(st.sampled_from([lo, hi, 0, 1, -1 if lo < 0 else 2]), st.integers(lo, hi))
    return st.lists(one, min_size=length, max_size=length) if length else one


@st.composite
def packets(draw: st.DrawFn, mav: mavlink.MAVLink) -> bytes:
    """A correctly framed MAVLink 2 packet of a random type with random field values."""
    name = draw(st.one_of(st.sampled_from(HANDLED), st.sampled_from(sorted(CLASSES))))
    cls = CLASSES[name]
    values = [draw(_value(t, n)) for t, n in zip(cls.fieldtypes, cls.array_lengths, strict=True)]
    try:
        msg = cls(*values)
        mav.srcSystem = draw(st.sampled_from([1, 1, 1, 2, 255]))
        mav.srcComponent = draw(st.sampled_from([1, 1, 0, 190]))
        return msg.pack(mav)
    except (struct.error, TypeError, ValueError, OverflowError):
        assume(False)
        raise  # not reached


def _hb(mav: mavlink.MAVLink) -> bytes:
    mav.srcSystem, mav.srcComponent = 1, 1
    return mavlink.MAVLink_heartbeat_message(mavlink.MAV_TYPE_QUADROTOR, mavlink.MAV_AUTOPILOT_ARDUPILOTMEGA,
                                             mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, 5, 4, 3).pack(mav)


def _pos(mav: mavlink.MAVLink, lat: float, lon: float) -> bytes:
    mav.srcSystem, mav.srcComponent = 1, 1
    return mavlink.MAVLink_global_position_int_message(1000, int(lat * 1e7), int(lon * 1e7), 500_000, 20_000,
                                                       0, 0, 0, 0).pack(mav)


@pytest.fixture(scope="module")
def station():
    """A real Link listening on a loopback UDP port, and a socket to throw datagrams at it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    link = Link(f"udp:127.0.0.1:{port}").start()
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    mav = mavlink.MAVLink(None, srcSystem=1, srcComponent=1)
    tx.sendto(_hb(mav), ("127.0.0.1", port))
    assert link.wait_vehicle(10) == 1
    yield link, tx, port, mav
    tx.close()
    link.close()


def _assert_still_tracks(link: Link, tx: socket.socket, port: int, mav: mavlink.MAVLink, lat: float) -> None:
    """The link thread lives and a good position sent now shows up in the snapshot."""
    deadline = time.monotonic() + HANG_S
    while time.monotonic() < deadline:
        tx.sendto(_hb(mav) + _pos(mav, lat, 8.5), ("127.0.0.1", port))
        time.sleep(0.05)
        snap = link.snapshot(1)
        if snap.lat is not None and abs(snap.lat - lat) < 1e-6:
            return
        assert link._thread is not None and link._thread.is_alive(), "the link thread died"
    pytest.fail(f"the link stopped tracking the vehicle (snapshot lat {link.snapshot(1).lat})")


HB, POS = _hb(mavlink.MAVLink(None, 1, 1)), _pos(mavlink.MAVLink(None, 1, 1), 47.0, 8.0)
GOOD = HB + POS
TLOG = struct.pack(">Q", 1_764_500_000_000_000) + HB + struct.pack(">Q", 1_764_500_000_100_000) + POS


@given(data=st.data())
@settings(max_examples=4 * settings.default.max_examples, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                                   HealthCheck.too_slow])
def test_random_bytes_and_any_field_values_never_stop_the_link(station, data):
    link, tx, port, mav = station
    burst = data.draw(st.lists(st.one_of(packets(mav), inputs(GOOD), st.binary(max_size=280)), min_size=1,
                               max_size=6))
    # sometimes all in one datagram (a serial-like stream), sometimes one per datagram
    chunks = [b"".join(burst)] if data.draw(st.booleans()) else burst
    for c in chunks:
        if c:
            tx.sendto(c, ("127.0.0.1", port))
            TALLY["datagrams"] += 1
    TALLY["messages"] += len(burst)
    assert link._thread is not None and link._thread.is_alive(), "the link thread died"


def test_after_the_noise_the_link_still_tracks_the_vehicle(station):
    link, tx, port, mav = station
    _assert_still_tracks(link, tx, port, mav, 47.123456)
    assert link.snapshot(1).mode is not None


@given(st.one_of(inputs(TLOG), st.binary(max_size=600)))
@settings(max_examples=5 * settings.default.max_examples)
def test_any_tlog_bytes_read_to_a_clean_stop(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("tlog") / "vehicle-1.tlog"
    path.write_bytes(data)
    t0 = time.perf_counter()
    records = list(iter_tlog(path))
    assert time.perf_counter() - t0 < HANG_S
    for stamp, packet in records:
        assert math.isfinite(stamp) and packet[:1] in (b"\xfd", b"\xfe")
