"""How fast the link absorbs telemetry, and how long a full mission upload takes.

1. Record a tlog of a simulated flight (built-in vehicle, speed-up 20, ATTITUDE at 50 Hz).
2. Bare parse: pymavlink's ``MAVLink.parse_buffer`` over the same packets (no state, no log).
3. Absorbed: the packets sent over a real TCP socket into ``Vehicle`` (link thread, state
   model, events, tlog writing): messages per second until the last one is counted.
   ratio = absorbed / bare (1.0 would mean the station costs nothing beyond parsing).
4. Upload of 650 items (the ArduCopter maximum) to the built-in vehicle at speed-up 1,
   clean and through the faulty-link proxy at 20 % loss, with and without verification.

Run: ``.venv/bin/python bench/telemetry.py``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pymavlink.dialects.v20 import ardupilotmega as mavlink  # noqa: E402

from groundcontrol import mission as mission_protocol  # noqa: E402
from groundcontrol.tlog import iter_tlog  # noqa: E402
from groundcontrol.vehicle import Vehicle  # noqa: E402
from search_patterns import mission_items as mi  # noqa: E402
from search_patterns.geo import offset_latlon  # noqa: E402
from sitl.faulty_link import FaultyProxy  # noqa: E402
from sitl.sim_vehicle import SimConfig, SimVehicle  # noqa: E402

HOME = (-35.363261, 149.165230, 584.0, 353.0)


def record_tlog(path: Path, seconds: float) -> None:
    sim = SimVehicle(SimConfig(home=HOME, speedup=20, tcp_port=0, readiness="fast")).start()
    try:
        v = Vehicle.connect(sim.connection_string, tlog_path=path, timeout=10)
        v.wait_armable(30)
        time.sleep(0.5)
        v.set_message_rate(30, 50)
        legs = [offset_latlon(HOME[0], HOME[1], n, e) for n, e in ((300, 0), (300, 300), (0, 300), (0, 0))]
        items = [mi.MissionItem(16, 0, x=HOME[0], y=HOME[1]), mi.MissionItem(22, z=20)]
        items += [mi.MissionItem(16, x=la, y=lo, z=20) for la, lo in legs] * 3
        v.upload_mission(items)
        v.arm()
        v.start_mission()
        time.sleep(seconds)
        v.close()
    finally:
        sim.stop()


def bare_parse_rate(packets: list[bytes]) -> tuple[float, int]:
    data = b"".join(packets)
    best = 0.0
    for _ in range(3):
        mav = mavlink.MAVLink(None)
        mav.robust_parsing = True
        t = time.perf_counter()
        n = 0
        for i in range(0, len(data), 65536):
            n += len(mav.parse_buffer(data[i:i + 65536]) or [])
        best = max(best, n / (time.perf_counter() - t))
    return best, n


SENDER = """
import socket, sys, time
data = open(sys.argv[1], "rb").read()
first = open(sys.argv[2], "rb").read()
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
conn.setblocking(False)
while True:  # heartbeats until the station says go (one byte)
    conn.sendall(first)
    try:
        if conn.recv(65536):
            break
    except BlockingIOError:
        pass
    time.sleep(0.1)
conn.setblocking(True)
t = time.time()
conn.sendall(data)
print(t, flush=True)
time.sleep(30)
"""


def absorbed_rate(packets: list[bytes], tmp: Path) -> float:
    """The packets come from a separate process (as from a radio or SITL), so the sender does
    not compete with the link thread for the interpreter lock."""
    import subprocess

    first_hb = next(p for p in packets if int.from_bytes(p[7:10], "little") == 0)
    (tmp / "data.bin").write_bytes(b"".join(packets))
    (tmp / "hb.bin").write_bytes(first_hb)
    proc = subprocess.Popen([sys.executable, "-c", SENDER, str(tmp / "data.bin"), str(tmp / "hb.bin")],
                            stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        v = Vehicle.connect(f"tcp:127.0.0.1:{port}", tlog_path=tmp / "absorb.tlog", timeout=10,
                            request_telemetry=False)
        events = []
        v.subscribe(events.append)  # an observer, like the GUI, receives every event
        target = v.link.messages_in + len(packets)
        v.link.send_raw(b"\x00")  # go (not MAVLink; the sender only waits for a byte)
        started = float(proc.stdout.readline())
        give_up = time.monotonic() + 120
        while v.link.messages_in < target:
            time.sleep(0.005)  # poll gently: this thread competes with the link for the interpreter
            if time.monotonic() > give_up:
                v.close()
                return float("nan")
        elapsed = time.time() - started
        v.close()
        return len(packets) / elapsed
    finally:
        proc.kill()


def upload_time(loss: float, count: int = 650) -> tuple[float, float]:
    sim = SimVehicle(SimConfig(home=HOME, speedup=1, tcp_port=0, readiness="fast")).start()
    proxy = FaultyProxy(upstream=("127.0.0.1", sim.tcp_port), seed=3).start()
    try:
        v = Vehicle.connect(proxy.connection_string, timeout=10)
        v.wait_armable(60)
        proxy.set_rates(loss=loss)
        items = [mi.MissionItem(16, 0, x=HOME[0], y=HOME[1])]
        items += [mi.MissionItem(16, x=HOME[0] + i * 1e-5, y=HOME[1] + (i % 2) * 1e-4, z=30) for i in range(count - 1)]
        t = time.perf_counter()
        mission_protocol.upload(v.link, v.system_id, v.component_id, items)
        up = time.perf_counter() - t
        mission_protocol.verify(v.link, v.system_id, v.component_id, items)
        total = time.perf_counter() - t
        v.close()
        return up, total
    finally:
        proxy.stop()
        sim.stop()


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        tlog = tmp / "flight.tlog"
        record_tlog(tlog, 12.0)
        # what the vehicle sent (MAVLink 2, system 1); our own outgoing packets are left out
        packets = [p for _, p in iter_tlog(tlog) if p[0] == 0xFD and p[5] == 1]
        packets = packets * max(1, 60000 // max(1, len(packets)))  # at least ~60k messages
        print(f"tlog: {len(packets)} packets, {sum(map(len, packets)) / 1e6:.1f} MB")
        bare, n = bare_parse_rate(packets)
        ours = absorbed_rate(packets, tmp)
        print(f"pymavlink bare parse: {bare:,.0f} msg/s; Vehicle over TCP with state, events and tlog: "
              f"{ours:,.0f} msg/s (ratio = absorbed / bare parse)")
        print(f"RESULT telemetry.absorbed_msgs_per_s {ours:.0f} msg/s ratio={ours / bare:.2f} baseline={bare:.0f}")
    for loss in (0.0, 0.2):
        up, total = upload_time(loss)
        tag = f"{int(loss * 100)}pct_loss"
        print(f"650-item upload at {loss:.0%} loss: {up:.2f} s upload, {total:.2f} s with verification download")
        print(f"RESULT telemetry.upload_650_{tag}_s {up:.2f} s")
        print(f"RESULT telemetry.upload_verify_650_{tag}_s {total:.2f} s")


if __name__ == "__main__":
    main()
