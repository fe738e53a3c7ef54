"""How fast the built-in simulated vehicle runs.

Prints RESULT lines (see bench/README.md):
- sim.speedup_<N>_x: sim seconds per wall second achieved when asked for N, with every stream at
  4 Hz going to a client; ratio = achieved / asked.
- sim.upload_650_s: wall time of a 650-item upload at speed-up 1; ratio = ours / ArduCopter SITL's
  measured 3.40 s (ardupilot-facts §5).
- sim.search_15min_wall_s: wall time to fly a ≈15-minute lawnmower search in AUTO at speed-up 20,
  ratio = wall / 120 s (the issue asks for under two minutes).
- sim.cpu_pct_at_20x: CPU use of this process while flying that search.
"""

from __future__ import annotations

import threading
import time

from pymavlink import mavutil

from search_patterns.geo import offset_latlon
from sitl.sim_vehicle import SimConfig, SimVehicle

HOME = (-35.363261, 149.165230, 584.0, 353.0)


def connect(sim: SimVehicle):
    c = mavutil.mavlink_connection(sim.connection_string, source_system=255, source_component=190)
    c.wait_heartbeat(timeout=10)
    return c


def drain(c, stop: threading.Event) -> None:
    while not stop.is_set():
        c.recv_match(blocking=True, timeout=0.05)


def achieved_speedup(n: float) -> float:
    with SimVehicle(SimConfig(speedup=n, tcp_port=0, serial1_port=0)) as sim:
        c = connect(sim)
        c.mav.request_data_stream_send(1, 1, 0, 4, 1)
        stop = threading.Event()
        t = threading.Thread(target=drain, args=(c, stop), daemon=True)
        t.start()
        time.sleep(0.5)
        s0, w0 = sim.sim_time, time.monotonic()
        time.sleep(4.0)
        rate = (sim.sim_time - s0) / (time.monotonic() - w0)
        stop.set()
        t.join()
        c.close()
    return rate


def upload(c, items: list[tuple[int, float, float, float]]) -> float:
    t0 = time.monotonic()
    c.mav.mission_count_send(1, 1, len(items), 0)
    while True:
        m = c.recv_match(type=["MISSION_REQUEST", "MISSION_ACK"], blocking=True, timeout=10)
        if m is None:
            raise RuntimeError("upload stalled")
        if m.get_type() == "MISSION_ACK":
            if m.type == 13:
                continue   # our answer to a re-request arrived twice: harmless
            if m.type != 0:
                raise RuntimeError(f"upload refused: {m.type}")
            return time.monotonic() - t0
        cmd, lat, lon, z = items[m.seq]
        c.mav.mission_item_int_send(1, 1, m.seq, 6, cmd, 0, 1, 0, 0, 0, 0, round(lat * 1e7), round(lon * 1e7), z, 0)


def upload_650() -> float:
    with SimVehicle(SimConfig(speedup=1.0, tcp_port=0, serial1_port=0)) as sim:
        c = connect(sim)
        time.sleep(2.5)
        items = [(16, HOME[0], HOME[1], 0.0)]
        for i in range(1, 650):
            la, lo = offset_latlon(HOME[0], HOME[1], 5.0 * (i % 40), 5.0 * (i // 40))
            items.append((16, la, lo, 20.0))
        dt = upload(c, items)
        c.close()
    return dt


def search_15min() -> tuple[float, float, float]:
    """Lawnmower 600 m legs, 40 m spacing, 14 legs ≈ 8.9 km ≈ 15 min at 10 m/s. Returns wall, sim, cpu%."""
    items = [(16, HOME[0], HOME[1], 0.0), (22, 0.0, 0.0, 40.0)]
    for leg in range(14):
        e = 40.0 * leg
        for n in ((0.0, 600.0) if leg % 2 == 0 else (600.0, 0.0)):
            la, lo = offset_latlon(HOME[0], HOME[1], n, e)
            items.append((16, la, lo, 40.0))
    items.append((20, 0.0, 0.0, 0.0))
    with SimVehicle(SimConfig(speedup=20.0, tcp_port=0, serial1_port=0)) as sim:
        c = connect(sim)
        c.mav.request_data_stream_send(1, 1, 0, 4, 1)
        time.sleep(0.3)
        upload(c, items)
        c.mav.command_long_send(1, 1, 176, 0, 1, 4, 0, 0, 0, 0, 0)
        c.mav.command_long_send(1, 1, 400, 0, 1, 0, 0, 0, 0, 0, 0)
        c.mav.command_long_send(1, 1, 300, 0, 0, 0, 0, 0, 0, 0, 0)
        w0, s0, cpu0 = time.monotonic(), sim.sim_time, time.process_time()
        armed_seen = False
        while time.monotonic() - w0 < 300:
            m = c.recv_match(type="HEARTBEAT", blocking=True, timeout=1)
            if m is None or m.get_srcSystem() != 1:
                continue
            if m.base_mode & 128:
                armed_seen = True
            elif armed_seen:
                break
        wall = time.monotonic() - w0
        cpu = (time.process_time() - cpu0) / wall * 100.0
        simt = sim.sim_time - s0
        c.close()
    return wall, simt, cpu


def main() -> None:
    for n in (10.0, 20.0, 50.0):
        got = achieved_speedup(n)
        print(f"RESULT sim.speedup_{int(n)}_x {got:.1f} x ratio={got / n:.2f} baseline={n:g}")
    up = upload_650()
    print(f"RESULT sim.upload_650_s {up:.2f} s ratio={up / 3.40:.2f} baseline=3.40")
    wall, simt, cpu = search_15min()
    print(f"# flew {simt / 60:.1f} min of sim time (takeoff, 14 legs, RTL, landing) in {wall:.1f} s")
    print(f"RESULT sim.search_15min_wall_s {wall:.1f} s ratio={wall / 120:.2f} baseline=120")
    print(f"RESULT sim.cpu_pct_at_20x {cpu:.0f} %")


if __name__ == "__main__":
    main()
