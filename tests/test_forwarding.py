"""Forwarding to a real third-party client: a dronekit script connects through our forward
port while our station flies, and sees what we see; what it sends reaches the vehicle."""

from __future__ import annotations

import threading

import dronekit
import pytest
from link_helpers import eventually, small_plan, vehicle  # noqa: F401 - fixture

from groundcontrol import events as ev
from groundcontrol.vehicle import Vehicle
from search_patterns.errors import InputError
from search_patterns.geo import haversine_m


def test_dronekit_client_follows_our_flight_and_its_commands_reach_the_vehicle(vehicle):  # noqa: F811
    v = Vehicle.connect(vehicle.connection, timeout=30, forward=["tcpin:127.0.0.1:0"])
    dk = None
    try:
        address = v.forwarder.addresses[0]
        assert address.startswith("tcp:127.0.0.1:")
        dk = dronekit.connect(address, wait_ready=True, timeout=60, heartbeat_timeout=30)
        assert dk.parameters["WPNAV_SPEED"] == pytest.approx(v.get_param("WPNAV_SPEED"))  # asked through us
        seen: list = []
        stop = threading.Event()

        def watch() -> None:  # what a user's script would do: poll position and mode
            while not stop.is_set():
                loc = dk.location.global_relative_frame
                seen.append((loc.lat, loc.lon, loc.alt, dk.mode.name))
                stop.wait(0.02)
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()

        finished = []
        v.subscribe(lambda e: finished.append(e) if isinstance(e, ev.MissionFinished) else None)
        items = small_plan(legs=((60, 0), (60, 60)), alt=12).mission_items(rtl=False)
        v.upload_mission(items)
        v.wait_armable(60)
        v.arm()
        v.start_mission()
        # no RTL item: the vehicle ends hovering at the last waypoint in AUTO
        last = items[-1]
        eventually(lambda: haversine_m(v.snapshot().lat, v.snapshot().lon, last.x, last.y) < 2
                   and (v.snapshot().groundspeed or 9) < 0.3, 120 / vehicle.speedup + 20)
        eventually(lambda: haversine_m(dk.location.global_frame.lat, dk.location.global_frame.lon,
                                       last.x, last.y) < 2, 5)
        eventually(lambda: finished, 5)  # the station says the mission is done
        stop.set()
        watcher.join(2)
        ours = v.snapshot()
        loc = dk.location.global_relative_frame
        assert haversine_m(loc.lat, loc.lon, ours.lat, ours.lon) < 1.0
        assert loc.alt == pytest.approx(ours.alt_rel, abs=0.5)
        assert dk.mode.name == ours.mode == "AUTO" and dk.armed
        modes = {m for *_, m in seen}
        assert "AUTO" in modes
        travelled = max(haversine_m(a[0], a[1], b[0], b[1]) for a in seen[:1] for b in seen)
        assert travelled > 60  # the client watched the flight, not one frozen position
        # the client takes over: its RTL reaches the vehicle and our station sees it
        dk.mode = dronekit.VehicleMode("RTL")
        eventually(lambda: v.snapshot().mode == "RTL", 5)
        eventually(lambda: (lambda s: s.landed and not s.armed)(v.snapshot()), 120 / vehicle.speedup + 20)
    finally:
        if dk is not None:
            dk.close()
        v.close()


def test_bad_forward_endpoint_is_refused_by_name(vehicle):  # noqa: F811
    with pytest.raises(InputError, match="--forward.*cannot forward to 'tcp:nowhere'"):
        Vehicle.connect(vehicle.connection, timeout=30, forward=["tcp:nowhere"])


def test_udp_forward_reaches_a_listening_ground_station_and_its_requests_come_back(vehicle):  # noqa: F811
    from pymavlink import mavutil

    listener = mavutil.mavlink_connection("udpin:127.0.0.1:0", source_system=200)
    port = listener.port.getsockname()[1]
    v = Vehicle.connect(vehicle.connection, timeout=30, forward=[f"udpout:127.0.0.1:{port}"])
    try:
        hb = listener.wait_heartbeat(timeout=10)
        assert hb is not None and hb.get_srcSystem() == v.system_id
        listener.mav.param_request_read_send(v.system_id, 1, b"WPNAV_SPEED", -1)
        m = listener.recv_match(type="PARAM_VALUE", blocking=True, timeout=10)
        while m is not None and m.param_id != "WPNAV_SPEED":
            m = listener.recv_match(type="PARAM_VALUE", blocking=True, timeout=10)
        assert m is not None and m.param_value == v.get_param("WPNAV_SPEED")
    finally:
        v.close()
        listener.close()
