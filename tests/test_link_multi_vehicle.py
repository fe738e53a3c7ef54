"""Two vehicles on one UDP port: each gets its own state and its own mission.

Two built-in simulated vehicles (system ids 1 and 2) send to the same UDP port, as two
aircraft on one mesh radio or behind one MAVProxy hub would."""

from __future__ import annotations

import socket

import pytest
from link_helpers import HOME, eventually, small_plan

from groundcontrol.mission import differences
from groundcontrol.vehicle import Vehicle
from sitl.sim_vehicle import SimConfig, SimVehicle


def test_two_vehicles_on_one_link_keep_separate_state_and_missions():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    second_home = (HOME[0] + 0.01, HOME[1], HOME[2], 0.0)
    sims = [SimVehicle(SimConfig(home=h, sysid=i, speedup=20, tcp_port=0, serial1_port=0, readiness="fast",
                                 udp_out=("127.0.0.1", port))).start()
            for i, h in ((1, HOME), (2, second_home))]
    first = None
    try:
        first = Vehicle.connect(f"udp:127.0.0.1:{port}", timeout=20)
        eventually(lambda: len(first.link.states) == 2, 10)
        other_id = ({1, 2} - {first.system_id}).pop()
        second = Vehicle.on_link(first.link, other_id)
        second.request_telemetry()
        one = eventually(lambda: (lambda s: s if s.home is not None else None)(first.link.snapshot(1)), 10)
        two = eventually(lambda: (lambda s: s if s.home is not None else None)(first.link.snapshot(2)), 10)
        assert one.home_lat == HOME[0] and two.home_lat == pytest.approx(second_home[0], abs=1e-7)
        by_id = {first.system_id: first, second.system_id: second}
        plans = {1: small_plan(home=HOME).mission_items(),
                 2: small_plan(home=second_home, legs=((10, 10), (20, 0))).mission_items()}
        for sysid, items in plans.items():
            by_id[sysid].upload_mission(items)
        for sysid, items in plans.items():
            got = by_id[sysid].download_mission()
            assert differences(items, got) == [] and len(got) == len(items)
        assert len(plans[1]) != len(plans[2])
    finally:
        if first is not None:
            first.close()
        for sim in sims:
            sim.stop()
