"""Sharing speed: how many CoT events we build and read per second, and the delay through a TAK server.

Why these numbers: a station publishes each vehicle about once a second and re-sends every
sighting now and then; on a shared 2-core laptop that must cost next to nothing. And a team
member's ATAK should see the drone move with a delay well under the one-second update interval.

Ratios: events/s divided by what a busy mission needs (5 vehicles at 1 Hz plus 200 sightings
re-sent every 5 s = 45 events/s; higher is better); TAK delay p95 divided by 1000 ms (lower is better).
Prints RESULT lines (protocol in bench/README.md).
"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shapely.geometry import box

from groundcontrol.tak import CotLink, parse_event, sighting_event, vehicle_event
from search_patterns.formats.caltopo import CaltopoShape, parse_caltopo, sighting_marker, to_caltopo

NEEDED_EVENTS_S = 5 * 1.0 + 200 / 5.0


def result(name: str, value: float, unit: str, **extra: float) -> None:
    more = " ".join(f"{k}={v:.3g}" for k, v in extra.items())
    print(f"RESULT sharing.{name} {value:.4g} {unit} {more}".rstrip(), flush=True)


def bench_build_parse(n: int = 5000) -> None:
    t0 = time.perf_counter()
    events = [vehicle_event("sargc-v1", 47.39 + i * 1e-6, 8.54, 500.0, course=i % 360, speed=6.0, callsign="Drone 1")
              for i in range(n // 2)]
    events += [sighting_event(f"s-{i}", 47.39, 8.54 + i * 1e-6, score=0.8, review="pending", sighting_id=i)
               for i in range(n // 2)]
    build = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for e in events:
        parse_event(e)
    parse = n / (time.perf_counter() - t0)
    result("cot_build_per_s", build, "events/s", ratio=build / NEEDED_EVENTS_S, baseline=NEEDED_EVENTS_S)
    result("cot_parse_per_s", parse, "events/s", ratio=parse / NEEDED_EVENTS_S, baseline=NEEDED_EVENTS_S)


def bench_caltopo(n_sightings: int = 500) -> None:
    markers = [sighting_marker(47.39 + i * 1e-5, 8.54, sighting_id=i, score=0.7) for i in range(n_sightings)]
    cov = box(8.54, 47.39, 8.55, 47.40).difference(box(8.544, 47.393, 8.546, 47.395))
    t0 = time.perf_counter()
    text = json.dumps(to_caltopo(markers=markers, shapes=[CaltopoShape(cov, "coverage")]))
    write_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    parse_caltopo(text)
    read_ms = (time.perf_counter() - t0) * 1000
    result(f"caltopo_export_{n_sightings}_sightings_ms", write_ms, "ms")
    result(f"caltopo_import_{n_sightings}_markers_ms", read_ms, "ms")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_tak_delay(n: int = 200) -> None:
    """Time from our send to a second client's receipt, through a real taky server on loopback."""
    exe = Path(sys.executable).with_name("taky")
    if not exe.exists():
        print("taky not installed: TAK delay not measured")
        return
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        conf = Path(tmp) / "taky.conf"
        conf.write_text(f"[taky]\nbind_ip = 127.0.0.1\nroot_dir = {tmp}\n\n[cot_server]\nport = {port}\n\n"
                        "[ssl]\nenabled = false\n")
        proc = subprocess.Popen([str(exe), "-c", str(conf)], cwd=tmp, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            url = f"tcp://127.0.0.1:{port}"
            deadline = time.monotonic() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        print("taky did not start")
                        return
                    time.sleep(0.1)
            with CotLink(url) as ours, CotLink(url) as team:
                ours.wait_connected(10)
                team.wait_connected(10)
                delays = []
                for i in range(n):
                    uid = f"sargc-bench-{i}"
                    t0 = time.perf_counter()
                    ours.send(vehicle_event(uid, 47.39, 8.54 + i * 1e-6, 500.0, course=90, speed=5))
                    while (m := team.get(timeout=2.0)) is not None and m.uid != uid:
                        pass
                    if m is not None:
                        delays.append((time.perf_counter() - t0) * 1000)
                    time.sleep(0.01)
            if len(delays) < n // 2:
                print(f"only {len(delays)} of {n} events arrived")
                return
            p50 = statistics.median(delays)
            p95 = statistics.quantiles(delays, n=20)[18]
            result("tak_server_delay_p50_ms", p50, "ms")
            result("tak_server_delay_p95_ms", p95, "ms", ratio=p95 / 1000.0, baseline=1000)
            result("tak_server_delivered", 100.0 * len(delays) / n, "%")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    bench_build_parse()
    bench_caltopo()
    bench_tak_delay()
