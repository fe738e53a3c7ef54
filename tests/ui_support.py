"""Helpers for the desktop-app tests: a real main window, screenshots, mouse steps on the map."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtCore import QPoint, QPointF, Qt

from ui.app.dialogs import ScriptedAsker
from ui.app.main_window import MainWindow
from ui.app.settings import Settings

SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"
CANBERRA = (-35.3632, 149.1652)


def screenshot(widget, name: str) -> Path:
    """Save what the widget shows now as build/screenshots/<name>.png (look at these)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(path)), f"could not save {path}"
    return path


@pytest.fixture
def asker() -> ScriptedAsker:
    return ScriptedAsker(yes=True)


@pytest.fixture
def window(qtbot, tmp_path, asker):
    """A main window centred on the Canberra SITL home, settings kept in tmp_path."""
    settings = Settings(map_view=(*CANBERRA, 16.0), missions_dir=str(tmp_path / "missions"))
    w = MainWindow(settings, tmp_path / "settings.json", asker=asker)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def map_point(window: MainWindow, lat: float, lon: float) -> QPoint:
    p: QPointF = window.map.to_screen(lat, lon)
    return QPoint(round(p.x()), round(p.y()))


def draw_polygon(qtbot, window: MainWindow, corners: list[tuple[float, float]], tool: str = "area") -> None:
    """Press the draw key, click the corners on the map, double-click the last one: as a pilot would."""
    window.map.setFocus()
    qtbot.keyClick(window.map, {"area": Qt.Key.Key_A, "exclusion": Qt.Key.Key_E}[tool])
    assert window.map.tool == tool
    for lat, lon in corners[:-1]:
        qtbot.mouseClick(window.map, Qt.MouseButton.LeftButton, pos=map_point(window, lat, lon))
    qtbot.mouseDClick(window.map, Qt.MouseButton.LeftButton, pos=map_point(window, *corners[-1]))
