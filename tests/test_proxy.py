"""The faulty link: what it does to packets, and that a 650-item mission survives a bad link."""

from __future__ import annotations

import socket
import time

import pytest
from pymavlink import mavutil
from pymavlink.dialects.v20 import ardupilotmega as m

from search_patterns.geo import offset_latlon
from sitl.faulty_link import FaultyProxy, split_packets
from sitl.sim_vehicle import SimConfig, SimVehicle

PROXY_SPEEDUP = 20.0


def _echo_server() -> tuple[socket.socket, int]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    return srv, srv.getsockname()[1]


def test_split_packets_cuts_mavlink_frames_and_keeps_a_partial_tail():
    mav = m.MAVLink(None, 1, 1)
    a = m.MAVLink_heartbeat_message(2, 3, 81, 0, 3, 3).pack(mav)
    b = m.MAVLink_statustext_message(6, b"hello", 0, 0).pack(mav)
    buf = bytearray(b"\x00junk" + a + b + b[:5])
    assert split_packets(buf) == [a, b]
    assert bytes(buf) == b[:5]


def test_proxy_with_no_faults_passes_every_packet_in_order():
    srv, port = _echo_server()
    with FaultyProxy(upstream=("127.0.0.1", port), seed=3) as proxy:
        client = socket.create_connection(("127.0.0.1", proxy.port))
        up, _ = srv.accept()
        mav = m.MAVLink(None, 1, 1)
        sent = [m.MAVLink_statustext_message(6, f"msg {i}".encode(), 0, 0).pack(mav) for i in range(50)]
        client.sendall(b"".join(sent))
        got = bytearray()
        deadline = time.monotonic() + 5
        while len(got) < sum(map(len, sent)) and time.monotonic() < deadline:
            got += up.recv(65536)
        assert bytes(got) == b"".join(sent)
        client.close()
        up.close()
    srv.close()


def test_proxy_drops_duplicates_and_reorders_at_about_the_set_rates_and_blacks_out():
    srv, port = _echo_server()
    with FaultyProxy(upstream=("127.0.0.1", port), loss=0.2, duplicate=0.1, reorder=0.1, seed=7) as proxy:
        client = socket.create_connection(("127.0.0.1", proxy.port))
        up, _ = srv.accept()
        up.settimeout(0.5)
        mav = m.MAVLink(None, 1, 1)
        n = 2000
        client.sendall(b"".join(m.MAVLink_mission_item_reached_message(i).pack(mav) for i in range(n)))
        parser = m.MAVLink(None)
        seqs: list[int] = []
        try:
            while True:
                data = up.recv(65536)
                if not data:
                    break
                seqs += [x.seq for x in parser.parse_buffer(data) or []]
        except TimeoutError:
            pass
        assert 0.15 < 1 - len(set(seqs)) / n < 0.25, "about 20 % lost"
        assert len(seqs) > len(set(seqs)), "some duplicated"
        assert seqs != sorted(seqs), "some reordered"
        proxy.blackout(0.3)
        client.sendall(m.MAVLink_mission_item_reached_message(1).pack(mav))
        with pytest.raises(TimeoutError):
            up.recv(100)
        assert proxy.stats.blacked_out >= 1
        client.close()
        up.close()
    srv.close()


def _robust_upload(c, items, deadline_s: float) -> bool:
    """Upload like a careful ground station on a lossy radio: answer every request, and when the
    next request is late (lost either way), send the last requested item and the one after it again
    (ArduCopter takes an item whenever its seq is the one it waits for, and answers a stale one with
    ACK 13 without aborting). If the link goes quiet, stop and let the caller verify by downloading.
    Returns True if MISSION_ACK ACCEPTED arrived."""
    end = time.monotonic() + deadline_s
    c.mav.mission_count_send(1, 1, len(items), 0)
    last = time.monotonic()
    asked = -1

    def send(seq: int) -> None:
        if 0 <= seq < len(items):
            it = items[seq]
            c.mav.mission_item_int_send(1, 1, seq, 6, 16, 0, 1, 0, 0, 0, 0, it[0], it[1], it[2], 0)

    while time.monotonic() < end:
        msg = c.recv_match(type=["MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK"], blocking=True,
                           timeout=0.005)
        if msg is None:
            quiet = time.monotonic() - last
            if quiet > 1.0:
                return False
            if asked >= 0:
                send(asked)
                send(asked + 1)
            continue
        last = time.monotonic()
        if msg.get_type() == "MISSION_ACK":
            if msg.type == 0:
                return True
            if msg.type == 13:            # a stale or repeated item: harmless
                continue
            if msg.type == 15:            # vehicle gave up
                return False
            raise AssertionError(f"upload failed with MISSION_ACK {msg.type}")
        asked = max(asked, msg.seq)
        send(msg.seq)
    return False


def _robust_download(c, deadline_s: float) -> dict[int, tuple[int, int, float, int]]:
    end = time.monotonic() + deadline_s
    count = None
    while count is None and time.monotonic() < end:
        c.mav.mission_request_list_send(1, 1, 0)
        msg = c.recv_match(type="MISSION_COUNT", blocking=True, timeout=0.3)
        count = msg.count if msg else None
    assert count is not None
    got: dict[int, tuple[int, int, float, int]] = {}
    # Ask for a window of missing items at a time (each MISSION_REQUEST_INT is answered on its own),
    # and ask again for whatever has not come back after a short wait.
    while len(got) < count and time.monotonic() < end:
        missing = [s for s in range(count) if s not in got][:16]
        for seq in missing:
            c.mav.mission_request_int_send(1, 1, seq, 0)
        t_req = time.monotonic()
        while time.monotonic() - t_req < 0.03 and not all(s in got for s in missing):
            msg = c.recv_match(type="MISSION_ITEM_INT", blocking=True, timeout=0.005)
            if msg is not None:
                got[msg.seq] = (msg.x, msg.y, msg.z, msg.frame)
    c.mav.mission_ack_send(1, 1, 0, 0)
    return got if len(got) == count else {}


def test_650_item_mission_survives_20pc_loss_5pc_duplication_and_reordering_exactly():
    lat0, lon0 = -35.363261, 149.165230
    cfg = SimConfig(speedup=PROXY_SPEEDUP, tcp_port=0, serial1_port=0, readiness="fast")
    with SimVehicle(cfg) as sim, FaultyProxy(upstream=("127.0.0.1", sim.tcp_port), loss=0.2, duplicate=0.05,
                                             reorder=0.05, seed=11) as proxy:
        c = mavutil.mavlink_connection(proxy.connection_string, source_system=255, source_component=190,
                                       autoreconnect=False)
        assert c.wait_heartbeat(timeout=10) is not None
        time.sleep(0.2)   # readiness "fast" at 50x
        items = [(round(lat0 * 1e7), round(lon0 * 1e7), 0.0)]
        for i in range(1, 650):
            la, lo = offset_latlon(lat0, lon0, 3.0 * (i % 30), 3.0 * (i // 30))
            items.append((round(la * 1e7), round(lo * 1e7), float(10 + i % 5)))
        for _attempt in range(6):
            if not _robust_upload(c, items, 60):
                got = _robust_download(c, 60)
                if len(got) != 650 or any(got[s][:3] != items[s] for s in range(1, 650)):
                    continue
            got = _robust_download(c, 60)
            if len(got) == 650 and all(got[s][:3] == items[s] for s in range(1, 650)):
                break
        else:
            raise AssertionError("mission did not round-trip through the faulty link")
        assert all(got[s][3] == 3 for s in range(1, 650))
        assert proxy.stats.dropped > 100 and proxy.stats.duplicated > 10 and proxy.stats.reordered > 10
        c.close()


def test_udp_proxy_carries_a_vehicles_udp_telemetry_and_commands_and_can_black_out():
    gcs_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    gcs_sock.bind(("127.0.0.1", 0))
    gcs_port = gcs_sock.getsockname()[1]
    gcs_sock.close()
    gcs = mavutil.mavlink_connection(f"udpin:127.0.0.1:{gcs_port}", source_system=255, source_component=190)
    with FaultyProxy(upstream=("127.0.0.1", gcs_port), transport="udp", seed=5) as proxy, \
            SimVehicle(SimConfig(speedup=20, tcp_port=0, udp_out=("127.0.0.1", proxy.port))):
        assert gcs.wait_heartbeat(timeout=5) is not None
        gcs.mav.command_long_send(1, 1, 512, 0, 148, 0, 0, 0, 0, 0, 0)
        ack = gcs.recv_match(type="COMMAND_ACK", blocking=True, timeout=5)
        assert ack is not None and ack.result == 0
        proxy.blackout(1.0)
        time.sleep(0.1)
        while gcs.recv_match(blocking=False) is not None:
            pass
        assert gcs.recv_match(type="HEARTBEAT", blocking=True, timeout=0.5) is None
        assert gcs.recv_match(type="HEARTBEAT", blocking=True, timeout=3) is not None, "back after the blackout"
    gcs.close()
