"""``sargc mission`` with a display: the app shows the run live, then its review."""

from __future__ import annotations

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication
from ui_support import screenshot

from sitl.scenario import load_scenario
from ui.app import mission_window
from ui.mission.runner import MissionOptions, MissionRunner

# a small field so the whole run (plan, fly, detect, cover, report) takes seconds
TINY = """
format: 1
name: Small field
seed: 3
home: {lat: 50.58, lon: -3.95, alt_amsl_m: 420, heading_deg: 45}
area:
  name: Field
  polygon: [[50.58018, -3.949717], [50.58018, -3.9489], [50.5806, -3.9489], [50.5806, -3.949717]]
pattern: {type: lawnmower, spacing_m: 25, alt_m: 35, speed_m_s: 10}
camera: {hfov_deg: 50, width_px: 320, height_px: 180, frame_every_m: 15, detector: rx}
vehicles:
  - {name: vehicle-1, connection: sim}
subjects:
  - {name: walker in red, north_m: 40, east_m: 30, posture: standing, clothing: red}
time_limit_s: 600
target_pod: 0.8
"""


def test_a_mission_run_is_shown_live_and_ends_in_the_review(qapp, tmp_path, monkeypatch):
    monkeypatch.setattr(mission_window, "default_path", lambda: tmp_path / "settings.json")
    scenario = tmp_path / "small-field.yaml"
    scenario.write_text(TINY)
    runner = MissionRunner(load_scenario(scenario), MissionOptions(out_dir=tmp_path / "mission", speedup=50))
    seen = {"vehicles": 0, "reviewed": False, "rows": []}

    def watch() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if w.objectName() == "SargcMainWindow"]
        if not windows:
            return
        w = windows[0]
        seen["vehicles"] = max(seen["vehicles"], len(w.overlays.vehicles))
        table = w.fly_panel.fleet_table
        seen["rows"] = [table.key_at(r) for r in range(table.rowCount())] or seen["rows"]
        if w.coordinator.review is not None and not seen["reviewed"]:
            seen["reviewed"] = True
            screenshot(w, "mission-review")
            w.close()

    timer = QTimer()
    timer.timeout.connect(watch)
    timer.start(200)
    QTimer.singleShot(170_000, lambda: [w.close() for w in QApplication.topLevelWidgets()])  # never hang
    outcome = mission_window.run_mission_in_app(runner)
    timer.stop()
    assert seen["vehicles"] == 1  # the vehicle was drawn while it flew
    assert seen["rows"] == ["vehicle-1"]  # and had its row in the Fly tab's fleet table
    assert seen["reviewed"]  # and the finished folder opened in the Review tab
    assert outcome.report.exists()
