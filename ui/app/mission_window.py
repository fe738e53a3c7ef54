"""Watch a ``sargc mission`` / ``make demo`` run in the desktop app.

The Qt-free ``MissionRunner`` flies on a worker thread exactly as it does headless; the app only
observes it. The runner's callbacks (timeline events, vehicle snapshots) arrive on flight
threads and are only queued here; a 10 Hz timer on the GUI thread draws them. When the run is
over the finished mission folder opens in the Review tab. Closing the window early asks the
runner to send every vehicle home and waits for it to write its report.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from typing import Any

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication, QLabel

from ui.app.fleet import TRAIL_MAX, camera_footprint
from ui.app.fleet_status import fleet_row, in_name_order
from ui.app.models import VehicleView
from ui.app.settings import default_path, load_settings


class MissionWatch:
    """Thread-safe mailbox between the runner's threads and the GUI timer."""

    def __init__(self) -> None:
        self.events: deque = deque(maxlen=5000)
        self.snapshots: dict[str, Any] = {}
        self.trails: dict[str, deque] = {}
        self.lock = threading.Lock()
        self.outcome: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()

    def on_event(self, event: Any) -> None:
        self.events.append(event)

    def on_snapshot(self, name: str, snap: Any) -> None:
        with self.lock:
            self.snapshots[name] = snap


def _chain(first, second):
    """Call both observers (the CLI's printer keeps working while the app shows the run)."""
    if first is None:
        return second

    def both(*args):
        first(*args)
        second(*args)

    return both


def run_mission_in_app(runner: Any, *, resume: bool = False) -> Any:
    """Show the run in the main window; returns the runner's outcome once it finished and the window closed."""
    from ui.app.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    settings_path = default_path()
    window = MainWindow(load_settings(settings_path), settings_path)
    watch = MissionWatch()
    runner.on_event = _chain(runner.on_event, watch.on_event)
    runner.on_snapshot = _chain(runner.on_snapshot, watch.on_snapshot)
    area = getattr(getattr(runner, "scenario", None), "area", None)
    if area is not None:
        window.plan_model.set_area(area)
        window.plan_model.show_plans([])
    window.show_tab(window.fly_panel)
    window.setWindowTitle(f"SAR Ground Control: mission {runner.folder.root}")

    def work() -> None:
        try:
            watch.outcome = runner.run_resume() if resume else runner.run()
        except BaseException as exc:  # noqa: BLE001 - shown in the window, re-raised after it closes
            watch.error = exc
        finally:
            watch.done.set()

    threading.Thread(target=work, name="mission-runner", daemon=True).start()
    covered_label = QLabel("")
    window.statusBar().addPermanentWidget(covered_label)
    store_opened = [False]
    finished_shown = [False]

    def pull() -> None:
        while watch.events:
            ev = watch.events.popleft()
            window.fly_panel.add_message(f"[{ev.t:6.1f}] {ev.vehicle}: {ev.text}", ev.severity != "info")
            if ev.severity == "critical":
                window.statusBar().showMessage(f"{ev.vehicle}: {ev.text}", 15000)
        with watch.lock:
            snaps = dict(watch.snapshots)
        views, lost = [], []
        for name, snap in snaps.items():
            if getattr(snap, "has_position", False):
                trail = watch.trails.setdefault(name, deque(maxlen=TRAIL_MAX))
                if not trail or trail[-1] != (snap.lat, snap.lon):
                    trail.append((snap.lat, snap.lon))
                views.append(VehicleView(name, snap.lat, snap.lon, snap.heading or snap.yaw or 0.0, tuple(trail),
                                         camera_footprint(window.fly_panel.fleet.camera, snap),
                                         f"{name} {snap.mode or ''}", not snap.link.lost))
            if snap.link.lost:
                lost.append(name)
            window.vehicle_status(name, snap, snap.link.lost)
        window.overlays.set("vehicles", views)
        shown = window.fly_panel.show_fleet(in_name_order(fleet_row(n, s, s.link.lost) for n, s in snaps.items()))
        if shown is not None:
            window.fly_panel.render_status(snaps[shown], snaps[shown].link.lost)
        window.show_link_lost(bool(lost), "LINK LOST: " + ", ".join(lost) if lost else "")
        live = getattr(runner, "live", None)  # running coverage, when the runner keeps one
        if live is not None and not watch.done.is_set():
            figures = live.figures()
            covered_label.setText(f"Covered so far: {100 * figures.covered_fraction:.0f} %  |")
        store = runner.folder.store
        if not store_opened[0] and store.exists():
            store_opened[0] = True
            window.sightings_panel.open_store(store)
        if watch.done.is_set() and not finished_shown[0]:
            finished_shown[0] = True
            window.show_link_lost(False)
            if watch.error is not None:
                window.show_alert(f"Mission stopped: {watch.error}")
            else:
                window.show_alert("Mission finished: review below", clear_after_ms=8000)
                window.show_tab(window.coordinator)
                window.coordinator.open(runner.folder.root)

    timer = QTimer()
    timer.setInterval(100)
    timer.timeout.connect(pull)
    timer.start()
    window.show()
    QTimer.singleShot(0, window.fit_area)  # once the window has its real size
    app.exec()
    timer.stop()
    if not watch.done.is_set():
        runner.request_stop()  # the window closed mid-flight: bring everyone home, keep the report
        watch.done.wait()
    if watch.error is not None:
        raise watch.error
    return watch.outcome
