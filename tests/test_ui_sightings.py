"""Video and sightings: the simulated camera sees a person, the list and the map show it, review sticks."""

from __future__ import annotations

import itertools

import ui_support
from ui_support import CANBERRA, screenshot

from detection.store import SightingStore
from detection.types import FLAG_SCORE
from search_patterns.geo import haversine_m, offset_latlon
from search_patterns.pose import Pose
from sitl.scene import Scene, Subject

window, asker = ui_support.window, ui_support.asker  # fixtures
LAT, LON = CANBERRA


def hovering_over(lat: float, lon: float):
    """Camera poses of a drone sweeping back and forth across a point at 40 m (as telemetry gives them)."""
    steps = itertools.cycle([-20, -5, 10, 25, 10, -5])

    def poses():
        north = next(steps)
        plat, plon = offset_latlon(lat, lon, north, 0)
        return {"vehicle-1": Pose(plat, plon, 40.0, yaw=0.0, time=0.0)}

    return poses


def test_a_simulated_camera_sighting_is_listed_mapped_and_its_review_is_stored(qtbot, window, asker, tmp_path):
    window.settings.missions_dir = str(tmp_path / "missions")
    subj_lat, subj_lon = offset_latlon(LAT, LON, 60, 40)
    scene = Scene((LAT, LON), seed=3, subjects=[Subject(subj_lat, subj_lon, clothing=(230, 20, 20))])
    panel = window.sightings_panel
    window.show_tab(panel)
    panel.start_simulated(scene, hovering_over(subj_lat, subj_lon))

    def near_subject():
        placed = [r for r in panel.rows if r.lat is not None]
        best = min(placed, key=lambda r: haversine_m(r.lat, r.lon, subj_lat, subj_lon), default=None)
        return best if best and haversine_m(best.lat, best.lon, subj_lat, subj_lon) < 15 else None

    # placed where the person is, and once flagged the crew is alerted
    qtbot.waitUntil(lambda: (r := near_subject()) is not None and r.score >= FLAG_SCORE, timeout=30_000)
    row = near_subject()
    assert row.key in {m.key for m in window.overlays.sightings}
    assert window.alert.isVisible() and "NEW SIGHTING" in window.alert.text()
    assert panel.sound.played >= 1  # and the chime (or the system beep) sounded
    index = [r.id for r in panel.rows].index(row.id)
    assert not panel.list.item(index).icon().isNull()  # the picture is shown
    qtbot.waitUntil(lambda: panel.video._image is not None, timeout=5000)

    panel.list.setCurrentRow(index)  # clicking it centres the map on it
    assert abs(window.map_state.lat - row.lat) < 1e-6 and abs(window.map_state.lon - row.lon) < 1e-6
    qtbot.wait(150)
    screenshot(window, "sightings-view")

    asker.texts.append("red jacket, near the creek")
    assert panel.review("confirm")
    assert panel.review("note")
    def reviewed():
        mine = [r for r in panel.rows if r.id == row.id]
        return bool(mine) and mine[0].state == "confirmed" and bool(mine[0].note)

    qtbot.waitUntil(reviewed, timeout=5000)
    panel.stop_video()
    store_path = window.mission_folder() / "detections.sqlite"
    with SightingStore(store_path, readonly=True) as store:
        s = store.sighting(row.id)
    assert s.state == "confirmed"
    assert s.note == "red jacket, near the creek"
    assert {m.key: m.state for m in window.overlays.sightings}[row.key] == "confirmed"


def test_a_low_score_sighting_is_listed_without_alarm_and_alerts_once_it_is_flagged(qtbot, window, tmp_path):
    from detection.types import Sighting

    panel = window.sightings_panel
    path = tmp_path / "detections.sqlite"
    store = SightingStore(path)
    store.write_frame([], [Sighting(1, -35.36, 149.16, 2.0, 0.2, 1, 0.0, 0.0, None)])
    panel.open_store(path)
    qtbot.waitUntil(lambda: any(r.id == 1 for r in panel.rows), timeout=5000)  # the first read: known, no alert
    store.write_frame([], [Sighting(2, -35.361, 149.161, 2.0, 0.3, 2, 1.0, 1.0, None)])
    qtbot.waitUntil(lambda: any(r.id == 2 for r in panel.rows), timeout=5000)
    assert not window.alert.isVisible() and panel.sound.played == 0  # listed, ranked, but no alarm
    store.write_frame([], [Sighting(2, -35.361, 149.161, 2.0, 0.7, 4, 1.0, 3.0, None)])
    qtbot.waitUntil(lambda: window.alert.isVisible(), timeout=5000)
    assert "NEW SIGHTING #2" in window.alert.text() and panel.sound.played == 1
    panel.feed.stop()
    store.close()


def test_exported_sightings_are_geojson_points(qtbot, window, tmp_path):
    import json

    from ui.app.sightings_model import SightingRow

    window.sightings_panel.show_rows([SightingRow(7, -35.36, 149.16, 0.8, 0.0, "confirmed", "", 3)])
    out = window.sightings_panel.export(tmp_path / "s.geojson")
    data = json.loads(out.read_text())
    assert data["features"][0]["geometry"]["coordinates"] == [149.16, -35.36]
    assert data["features"][0]["properties"]["state"] == "confirmed"


def test_video_panel_draws_the_newest_frame_with_detection_boxes_and_fps(qtbot):
    import numpy as np

    from detection.types import Box
    from ui.app.sightings_model import VideoFeed
    from ui.app.sightings_panel import VideoWidget

    feed = VideoFeed()
    widget = VideoWidget(feed)
    qtbot.addWidget(widget)
    widget.resize(320, 180)
    widget.show()
    image = np.full((180, 320, 3), 90, np.uint8)
    for i in range(5):  # older frames are dropped: only the newest is drawn
        feed.push(image, [Box(100 + i, 60, 40, 50, 0.9, "rx")], index=i)
    qtbot.waitUntil(lambda: widget._frame is not None and widget._frame.index == 4, timeout=2000)
    shot = widget.grab().toImage()
    edge = shot.pixelColor(104, 85)  # left edge of the newest box
    assert (edge.red(), edge.green(), edge.blue()) == (255, 0, 170)
    inside = shot.pixelColor(124, 85)
    assert (inside.red(), inside.green(), inside.blue()) == (90, 90, 90)
    assert feed.fps() > 0
    widget.shutdown()


def test_the_sighting_chime_is_a_valid_wav():
    import io
    import wave

    from ui.app.alert_sound import RATE, chime_wav

    with wave.open(io.BytesIO(chime_wav())) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        assert 0.4 < w.getnframes() / RATE < 0.7
