"""Desktop app responsiveness: event-loop stalls and redraw rates under a realistic load.

Load: 4 built-in simulated vehicles, each in its own process as real aircraft would be, connected
over TCP (telemetry streamed at the rates the link asks for, 10 Hz position), a 720p
video feed pushed at 30 fps from a worker thread (as the camera/detection threads do), a
planned search area with its path, and 50 sightings on the map. A 5 ms probe timer measures
how late the GUI thread gets to run: that lateness is the stall a pilot would feel.

Prints RESULT lines (see bench/README.md). ``ratio`` for the stall is max stall / 100 ms
(the point where a UI feels sluggish; below 1 is good); for redraws it is achieved / target Hz.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PyQt6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PyQt6.QtWidgets import QApplication  # noqa: E402

from search_patterns.geo import offset_latlon  # noqa: E402
from ui.app.dialogs import ScriptedAsker  # noqa: E402
from ui.app.main_window import MainWindow  # noqa: E402
from ui.app.models import MapMarker  # noqa: E402
from ui.app.settings import Settings  # noqa: E402

DURATION_S = float(os.environ.get("UI_BENCH_SECONDS", "20"))
HOME = (-35.363261, 149.165230, 584.0, 353.0)
N_VEHICLES = 4
VIDEO_FPS = 30.0
PROBE_MS = 5
SIM_INSTANCE0 = 37  # ports 6130…6160: away from SITL's usual 5760 block


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"sargc-ui-bench-{os.getpid()}"
    w = MainWindow(Settings(map_view=(HOME[0], HOME[1], 16.0), missions_dir=str(tmp)), tmp / "settings.json",
                   asker=ScriptedAsker())
    w.resize(1400, 900)
    w.show()
    lat, lon = HOME[:2]
    w.plan_model.set_outline([offset_latlon(lat, lon, n, e) for n, e in ((-300, -300), (-300, 300), (300, 300),
                                                                         (300, -300))])
    w.overlays.set("sightings", [MapMarker(*offset_latlon(lat, lon, 10 * i - 250, 7 * i - 170), f"#{i}", key=f"S{i}")
                                 for i in range(50)])

    sims = []
    for i in range(N_VEHICLES):
        hlat, hlon = offset_latlon(lat, lon, 40 * i, 0)
        instance = SIM_INSTANCE0 + i
        sims.append(subprocess.Popen([sys.executable, "-m", "ui.cli", "sim", "--instance", str(instance),
                                      "--sysid", str(1 + i), "--home", f"{hlat},{hlon},{HOME[2]},{HOME[3]}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT))
    time.sleep(3.0)  # let them open their ports
    for i in range(N_VEHICLES):
        w.fly_panel.connect_to(f"tcp:127.0.0.1:{5760 + 10 * (SIM_INSTANCE0 + i)}")

    stop = threading.Event()
    frames = [0]

    def video() -> None:
        rng = np.random.default_rng(1)
        base = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
        period = 1.0 / VIDEO_FPS
        nxt = time.perf_counter()
        while not stop.is_set():
            img = np.roll(base, frames[0] * 4, axis=1)
            w.sightings_panel.video_feed.push(img, captured=time.time(), index=frames[0])
            frames[0] += 1
            nxt += period
            time.sleep(max(0.0, nxt - time.perf_counter()))

    # wait (with the loop running) until all vehicles are connected
    deadline = time.time() + 60
    while len(w.fly_panel.fleet.entries) < N_VEHICLES and time.time() < deadline:
        app.processEvents()
        time.sleep(0.01)
    connected = len(w.fly_panel.fleet.entries)

    threading.Thread(target=video, daemon=True).start()
    lateness: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def probe() -> None:
        now = clock.nsecsElapsed()
        lateness.append(max(0.0, (now - last[0]) / 1e6 - PROBE_MS))
        last[0] = now

    timer = QTimer()
    timer.setInterval(PROBE_MS)
    timer.timeout.connect(probe)
    timer.start()
    # pan the map continuously, as a pilot dragging it would
    pan = QTimer()
    pan.setInterval(50)
    pan.timeout.connect(lambda: w.map_state.set_view(w.map_state.lat, w.map_state.lon + 2e-6))
    pan.start()

    map0, vid0, frames0 = w.map.paint_count, w.sightings_panel.video.paint_count, frames[0]
    def packets() -> int:
        return sum(e.snapshot.link.packets_received for e in w.fly_panel.fleet.entries.values() if e.snapshot)

    pk0 = packets()
    t0 = time.perf_counter()
    QTimer.singleShot(int(DURATION_S * 1000), app.quit)
    app.exec()
    elapsed = time.perf_counter() - t0
    stop.set()
    timer.stop()
    pan.stop()
    map_hz = (w.map.paint_count - map0) / elapsed
    vid_hz = (w.sightings_panel.video.paint_count - vid0) / elapsed
    fed_fps = (frames[0] - frames0) / elapsed
    msg_rate = (packets() - pk0) / elapsed
    lat_arr = np.array(lateness) if lateness else np.zeros(1)
    hb_ages = [e.snapshot.link.heartbeat_age for e in w.fly_panel.fleet.entries.values() if e.snapshot]
    print(f"vehicles connected: {connected}/{N_VEHICLES}; video fed at {fed_fps:.1f} fps; {elapsed:.1f} s measured")
    print(f"probe samples: {len(lateness)}; last heartbeat ages: {[round(a or -1, 2) for a in hb_ages]}")
    print(f"RESULT ui.max_stall_ms {lat_arr.max():.1f} ms ratio={lat_arr.max() / 100:.2f} baseline=100")
    print(f"RESULT ui.p99_stall_ms {np.percentile(lat_arr, 99):.1f} ms")
    print(f"RESULT ui.map_redraw_hz {map_hz:.1f} Hz ratio={map_hz / 20:.2f} baseline=20")
    print(f"RESULT ui.telemetry_msgs_per_s {msg_rate:.0f} msg/s")
    print(f"RESULT ui.video_redraw_hz {vid_hz:.1f} Hz ratio={vid_hz / VIDEO_FPS:.2f} baseline={VIDEO_FPS:g}")
    w.close()
    for s in sims:
        s.terminate()
        s.wait(10)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if connected == N_VEHICLES else 1


if __name__ == "__main__":
    sys.exit(main())
