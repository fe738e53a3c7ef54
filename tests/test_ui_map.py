"""The map: offline tiles, the generated grid, wheel zoom, themes, settings remembered."""

from __future__ import annotations

import sqlite3

import cv2
import numpy as np
import ui_support
from hypothesis import given
from hypothesis import strategies as st
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtGui import QWheelEvent
from PyQt6.QtWidgets import QApplication
from ui_support import CANBERRA, draw_polygon, screenshot

from search_patterns.geo import offset_latlon
from ui.app.main_window import MainWindow
from ui.app.settings import load_settings
from ui.app.tiles import latlon_at, metres_per_px, nice_length, world_px

window, asker = ui_support.window, ui_support.asker  # fixtures
LAT, LON = CANBERRA


def png(bgr: tuple[int, int, int]) -> bytes:
    img = np.zeros((256, 256, 3), np.uint8)
    img[:] = bgr
    return cv2.imencode(".png", img)[1].tobytes()


def centre_colour(window) -> tuple[int, int, int]:
    img = window.map.grab().toImage()
    c = img.pixelColor(img.width() // 2 + 40, img.height() // 2 + 40)  # off the centre readouts
    return c.red(), c.green(), c.blue()


@given(st.floats(-80, 80), st.floats(-179.9, 179.9), st.floats(2, 21))
def test_web_mercator_pixels_round_trip(lat, lon, zoom):
    back = latlon_at(*world_px(lat, lon, zoom), zoom)
    assert abs(back[0] - lat) < 1e-7 and abs(back[1] - lon) < 1e-7


@given(st.floats(0.01, 1e7))
def test_scale_bar_lengths_are_round_and_fit(max_m):
    n = nice_length(max_m)
    assert n <= max_m * (1 + 1e-12)
    assert n > max_m / 5.01
    assert f"{n:.0e}"[0] in "125"


def test_mbtiles_file_is_drawn_under_the_layers(qtbot, window, tmp_path):
    path = tmp_path / "area.mbtiles"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE metadata (name TEXT, value TEXT);"
                     "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);")
    db.execute("INSERT INTO metadata VALUES ('name', 'test red')")
    z = 16
    x, y = (int(v // 256) for v in world_px(LAT, LON, z))
    for dx in range(-4, 5):
        for dy in range(-4, 5):
            tms_row = (1 << z) - 1 - (y + dy)  # MBTiles counts rows from the south
            db.execute("INSERT INTO tiles VALUES (?,?,?,?)", (z, x + dx, tms_row, png((0, 0, 220))))
    db.commit()
    db.close()
    assert window.load_tiles(str(path))
    qtbot.waitUntil(lambda: centre_colour(window) == (220, 0, 0), timeout=5000)
    assert window.settings.tile_source == str(path)


def test_xyz_tile_folder_is_drawn(qtbot, window, tmp_path):
    z = 16
    x, y = (int(v // 256) for v in world_px(LAT, LON, z))
    for dx in range(-4, 5):
        for dy in range(-4, 5):
            tile = tmp_path / "tiles" / str(z) / str(x + dx) / f"{y + dy}.png"
            tile.parent.mkdir(parents=True, exist_ok=True)
            tile.write_bytes(png((200, 0, 0)))
    assert window.load_tiles(str(tmp_path / "tiles"))
    qtbot.waitUntil(lambda: centre_colour(window) == (0, 0, 200), timeout=5000)


def test_without_tiles_the_generated_grid_basemap_is_drawn(qtbot, window, tmp_path):
    assert not window.load_tiles(str(tmp_path / "no-such-tiles.mbtiles"))
    assert "no such" in window.statusBar().currentMessage().lower()
    img = window.map.grab().toImage()
    colours = {img.pixelColor(x, img.height() // 2).name() for x in range(0, img.width(), 3)}
    assert len(colours) >= 2  # background and grid lines, not a blank map


def test_wheel_zoom_keeps_the_ground_under_the_cursor(qtbot, window):
    at = QPointF(200, 150)
    before = window.map.to_latlon(at)
    zoom = window.map_state.zoom
    ev = QWheelEvent(at, window.map.mapToGlobal(at), QPoint(0, 0), QPoint(0, 240), Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(window.map, ev)
    assert window.map_state.zoom == zoom + 1.0
    after = window.map.to_latlon(at)
    assert abs(after[0] - before[0]) < 1e-6 and abs(after[1] - before[1]) < 1e-6
    assert metres_per_px(LAT, window.map_state.zoom) < metres_per_px(LAT, zoom)


def test_cursor_position_is_shown_in_the_status_bar(qtbot, window):
    qtbot.mouseMove(window.map, QPoint(300, 200))
    qtbot.waitUntil(lambda: "°S" in window.cursor_label.text())
    lat, lon = window.map.to_latlon(QPointF(300, 200))
    assert f"{abs(lat):.5f}°S" in window.cursor_label.text()


def test_expanding_square_from_a_clicked_datum(qtbot, window):
    window.plan_panel.pattern.setCurrentIndex(window.plan_panel.pattern.findData("expanding_square"))
    qtbot.keyClick(window.map, Qt.Key.Key_D)
    target = offset_latlon(LAT, LON, 50, 50)
    p = window.map.to_screen(*target)
    qtbot.mouseClick(window.map, Qt.MouseButton.LeftButton, pos=QPoint(round(p.x()), round(p.y())))
    datum = window.plan_model.datum
    assert datum is not None and abs(datum.lat - target[0]) < 1e-4
    plan = window.plan_model.plan
    assert plan is not None and plan.pattern.startswith("expanding")
    first = plan.waypoints[0]
    assert abs(first.lat - datum.lat) < 2e-4 and abs(first.lon - datum.lon) < 2e-4


def test_dark_theme_and_settings_are_remembered(qtbot, window, tmp_path):
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.settings.theme == "dark"
    assert window.map.theme.background.name() == "#1b1f24"
    window.plan_panel.spacing.setValue(45)
    draw_polygon(qtbot, window, [offset_latlon(LAT, LON, n, e) for n, e in ((-200, -250), (-150, 250), (250, 200),
                                                                           (200, -200))])
    draw_polygon(qtbot, window, [offset_latlon(LAT, LON, n, e) for n, e in ((-40, -40), (-40, 60), (60, 60),
                                                                           (60, -40))], tool="exclusion")
    qtbot.wait(120)
    screenshot(window, "plan-view-dark")
    window.map_state.set_view(LAT + 0.01, LON, 14.0)
    window.layers_panel.boxes["grid"].setChecked(False)
    assert not window.layers.visible("grid")
    window.close()
    saved = load_settings(tmp_path / "settings.json")
    assert saved.theme == "dark" and saved.spacing_m == 45
    again = MainWindow(saved, tmp_path / "settings.json", asker=ui_support.ScriptedAsker())
    qtbot.addWidget(again)
    assert again.plan_panel.spacing.value() == 45
    assert abs(again.map_state.lat - (LAT + 0.01)) < 1e-9 and again.map_state.zoom == 14.0
    again.close()


def test_a_damaged_settings_file_gives_defaults_and_is_kept_aside(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    s = load_settings(path)
    assert s.theme == "light"
    assert (tmp_path / "settings.json.bad").exists()


def test_sector_search_from_the_same_datum(qtbot, window):
    window.plan_model.set_datum(*offset_latlon(LAT, LON, 50, 50))
    window.plan_panel.pattern.setCurrentIndex(window.plan_panel.pattern.findData("sector"))
    window.plan_panel.radius.setValue(200)
    plan = window.plan_model.plan
    assert plan is not None and "sector" in plan.pattern
    from search_patterns.geo import haversine_m

    far = max(haversine_m(w.lat, w.lon, *offset_latlon(LAT, LON, 50, 50)) for w in plan.waypoints)
    assert 150 < far <= 205  # legs reach out to the radius the pilot set


def test_f1_lists_the_keyboard_shortcuts(qtbot, window, asker):
    qtbot.keyClick(window, Qt.Key.Key_F1)
    title, text = asker.asked[-1]
    assert title == "Keyboard shortcuts"
    for needed in ("Ctrl+O", "Ctrl+S", "Ctrl+K", "Ctrl+Shift+H", "Ctrl+T", "Draw search area"):
        assert needed in text
