"""MAVLink 2 signing: our key on the vehicle, on and off, as a second station sees it."""

from __future__ import annotations

import os
import stat
import time

import pytest
from link_helpers import eventually, vehicle  # noqa: F401 - fixture
from pymavlink import mavutil

from groundcontrol import signing
from groundcontrol.vehicle import Vehicle
from search_patterns.errors import InputError


def _other_station(address: str):
    """A second ground station (sysid 250) on SERIAL1, with plain pymavlink."""
    conn = mavutil.mavlink_connection(address, source_system=250, source_component=190)
    conn.wait_heartbeat(timeout=10)
    return conn


def _acknowledged(conn, timeout: float = 2.0) -> bool:
    """Does the vehicle answer a harmless command (SET_MESSAGE_INTERVAL for ATTITUDE)?"""
    conn.mav.command_long_send(1, 1, 511, 0, 30, 100000, 0, 0, 0, 0, 0)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        m = conn.recv_match(type="COMMAND_ACK", blocking=True, timeout=0.2)
        if m is not None and m.command == 511 and m.target_system == 250:
            return m.result == 0
    return False


def _newest_vehicle_stamp(conn) -> int:
    end = time.monotonic() + 5
    while time.monotonic() < end:
        m = conn.recv_match(blocking=True, timeout=0.2)
        if m is not None and m.get_header().incompat_flags & 1:
            return int.from_bytes(m.get_msgbuf()[-12:-6], "little")
    raise AssertionError("the vehicle never signed a packet")


def test_key_file_is_private_and_bad_keys_are_refused(tmp_path):
    key = signing.create_key(tmp_path / "signing.key")
    assert stat.S_IMODE(os.stat(tmp_path / "signing.key").st_mode) == 0o600
    assert signing.load_key(tmp_path / "signing.key") == key and len(key) == 32
    with pytest.raises(InputError, match="already exists"):
        signing.create_key(tmp_path / "signing.key")
    os.chmod(tmp_path / "signing.key", 0o644)
    with pytest.raises(InputError, match="chmod 600"):
        signing.load_key(tmp_path / "signing.key")
    (tmp_path / "short.key").write_text("abcd")
    os.chmod(tmp_path / "short.key", 0o600)
    with pytest.raises(InputError, match="64 hex digits"):
        signing.load_key(tmp_path / "short.key")


def test_signing_on_locks_out_unsigned_stations_and_off_lets_them_back(vehicle, tmp_path):  # noqa: F811
    key = signing.create_key(tmp_path / "signing.key")
    v = Vehicle.connect(vehicle.connection, timeout=30, signing_key=key)
    other = _other_station(vehicle.second_connection)
    try:
        eventually(lambda: v.snapshot().link.signed, 5)
        assert v.snapshot().mode is not None  # our own commands still work, signed
        v.set_message_rate(30, 5)
        assert not _acknowledged(other)  # unsigned on SERIAL1: ignored
        other.setup_signing(key, initial_timestamp=_newest_vehicle_stamp(other) + 1)
        assert _acknowledged(other)  # the same key: accepted
        v.disable_signing()
        other.disable_signing()
        time.sleep(0.3)
        assert _acknowledged(other)  # signing off: unsigned works again
    finally:
        other.close()
        v.close()
