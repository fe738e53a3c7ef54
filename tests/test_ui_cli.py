"""``sargc gui`` starts the real app, shows it, and remembers its settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_sargc_gui_opens_a_window_takes_a_screenshot_and_saves_settings(tmp_path):
    settings = tmp_path / "settings.json"
    shot = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-m", "ui.cli", "gui", "--settings", str(settings), "--theme", "dark",
                          "--screenshot", str(shot), "--wait", "1"], capture_output=True, text=True, timeout=120,
                         env=env)
    assert out.returncode == 0, out.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads(settings.read_text())
    assert saved["theme"] == "dark" and saved["window_geometry"]


def test_sargc_gui_with_a_missing_area_file_fails_in_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "ui.cli", "gui", "--area", str(tmp_path / "nope.kml")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr and "nope.kml" in out.stderr
