"""Live video with detection boxes, and the sighting list with review actions.

The video widget repaints from ``VideoFeed`` at most 30 times a second and shows fps and
delay; the sighting list is refreshed from ``SightingsFeed`` (the store is read on its own
thread). A sighting that reaches the flag score (``detection.types.FLAG_SCORE``) for the first
time raises the alert banner and a beep; lower ones are listed, ranked, without interrupting.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QRectF, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QIcon, QImage, QPainter, QPen, QPixmap
from PyQt6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from detection.types import FLAG_SCORE
from search_patterns.atomic import write_atomic
from ui.app.alert_sound import AlertSound
from ui.app.sightings_model import SightingRow, SightingsFeed, VideoFeed
from ui.app.tiles import format_latlon

if TYPE_CHECKING:
    from ui.app.main_window import MainWindow

VIDEO_HZ = 30
LIST_HZ = 4
STATE_TEXT = {"new": "NEW", "confirmed": "CONFIRMED", "rejected": "rejected"}


def bgr_to_qimage(image) -> QImage:
    """A BGR uint8 numpy image → QImage (copied, so the numpy buffer may be reused)."""
    h, w = image.shape[:2]
    if image.ndim == 2:
        return QImage(image.data, w, h, image.strides[0], QImage.Format.Format_Grayscale8).copy()
    return QImage(image.data, w, h, image.strides[0], QImage.Format.Format_BGR888).copy()


class VideoWidget(QWidget):
    """Paints the newest frame scaled to fit, the detector boxes, and an fps / delay readout."""

    def __init__(self, feed: VideoFeed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.feed = feed
        self.setMinimumSize(320, 200)
        self._image: QImage | None = None
        self._frame = None
        self.paint_count = 0
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / VIDEO_HZ))
        self._timer.timeout.connect(self._pull)
        self._timer.start()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(360, 240)

    def _pull(self) -> None:
        frame = self.feed.latest()
        if frame is not None:
            self._frame = frame
            self._image = bgr_to_qimage(frame.image)
            self.update()

    def paintEvent(self, ev) -> None:  # noqa: N802
        self.paint_count += 1
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("black"))
        if self._image is None:
            p.setPen(QColor("white"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No video")
            p.end()
            return
        img = self._image
        s = min(self.width() / img.width(), self.height() / img.height())
        w, h = img.width() * s, img.height() * s
        x0, y0 = (self.width() - w) / 2, (self.height() - h) / 2
        p.drawImage(QRectF(x0, y0, w, h), img)
        p.setFont(QFont(p.font().family(), 10, QFont.Weight.Bold))
        for b in self._frame.boxes:
            p.setPen(QPen(QColor("#ff00aa"), 3))
            p.drawRect(QRectF(x0 + b.x * s, y0 + b.y * s, b.w * s, b.h * s))
            p.drawText(QRectF(x0 + b.x * s, y0 + b.y * s - 18, 160, 18), f"{b.label} {b.score:.2f}")
        delay = max(0.0, time.time() - self._frame.captured)
        text = f"{self.feed.fps():.1f} fps   delay {delay * 1000:.0f} ms"
        p.fillRect(QRectF(6, 6, 210, 24), QColor(0, 0, 0, 170))
        p.setPen(QColor("white"))
        p.drawText(QRectF(6, 6, 210, 24), Qt.AlignmentFlag.AlignCenter, text)
        p.end()

    def shutdown(self) -> None:
        self._timer.stop()


class SightingsPanel(QWidget):
    """The sighting list (picture, time, position, score, state) with confirm / reject / note / export."""

    sightingSelected = pyqtSignal(int)

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.video_feed = VideoFeed()
        self.video = VideoWidget(self.video_feed)
        self.feed: SightingsFeed | None = None
        self.rows: list[SightingRow] = []
        self._known: set[int] | None = None
        self._icons: dict[tuple[int, int], QIcon] = {}
        self.sound = AlertSound()
        self.live = None
        lay = QVBoxLayout(self)
        src = QHBoxLayout()
        self.source_edit = QComboBox()
        self.source_edit.setEditable(True)
        self.source_edit.addItem("simulated camera (training)")
        self.source_edit.setToolTip("Video: 'simulated camera (training)', rtsp://…, udp://…, a file, or a device number")
        self.video_btn = QPushButton("Start video")
        self.video_btn.clicked.connect(self._toggle_video)
        src.addWidget(self.source_edit, 1)
        src.addWidget(self.video_btn)
        lay.addLayout(src)
        self.store_label = QLabel("No detection store open.")
        self.store_label.setWordWrap(True)
        lay.addWidget(self.store_label)
        self.list = QListWidget()
        self.list.setIconSize(QSize(96, 72))
        self.list.currentRowChanged.connect(self._row_changed)
        lay.addWidget(self.list, 1)
        row = QGridLayout()
        self.confirm_btn = QPushButton("Confirm (C)")
        self.reject_btn = QPushButton("Reject (R)")
        self.note_btn = QPushButton("Note… (N)")
        self.export_btn = QPushButton("Export…")
        for i, b in enumerate((self.confirm_btn, self.reject_btn, self.note_btn, self.export_btn)):
            b.setProperty("flight", True)
            row.addWidget(b, i // 2, i % 2)
        self.confirm_btn.setShortcut("C")
        self.reject_btn.setShortcut("R")
        self.note_btn.setShortcut("N")
        self.confirm_btn.clicked.connect(lambda: self.review("confirm"))
        self.reject_btn.clicked.connect(lambda: self.review("reject"))
        self.note_btn.clicked.connect(lambda: self.review("note"))
        self.export_btn.clicked.connect(self.ask_export)
        lay.addLayout(row)
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / LIST_HZ))
        self._timer.timeout.connect(self.pull)
        self._timer.start()

    # ---- live video -----------------------------------------------------------------------------
    def _toggle_video(self) -> None:
        if self.live is not None:
            self.stop_video()
        elif self.source_edit.currentText().startswith("simulated"):
            self.start_simulated()
        else:
            self.start_stream(self.source_edit.currentText())

    def _new_live(self):
        from ui.app.live_video import LiveDetection

        store = self.window.mission_folder() / "detections.sqlite"
        self.live = LiveDetection(store, self.video_feed)
        self.open_store(store)
        self.video_btn.setText("Stop video")
        return self.live

    def start_simulated(self, scene=None, poses=None) -> None:
        """Training: the simulated camera renders ``scene`` from each connected vehicle's pose.

        Without a scene, people and distractors are scattered around the first vehicle's home
        (or the map centre). ``poses`` defaults to the Fly tab's vehicles.
        """
        from sitl.scene import Scene

        if scene is None:
            centre = (self.window.map_state.lat, self.window.map_state.lon)
            for entry in self.window.fly_panel.fleet.entries.values():
                if entry.snapshot is not None and entry.snapshot.home is not None:
                    centre = entry.snapshot.home[:2]
                    break
            scene = Scene.random(centre, seed=1)
        self._new_live().start_simulated(scene, poses or self.window.fly_panel.camera_poses)

    def start_stream(self, spec: str) -> None:
        fly = self.window.fly_panel
        self._new_live().start_stream(spec, lambda t: fly.camera_poses().get(fly.current))

    def stop_video(self) -> None:
        if self.live is not None:
            live, self.live = self.live, None
            live.stop()
        self.video_btn.setText("Start video")

    # ---- store --------------------------------------------------------------------------------
    def open_store(self, path: str | Path) -> None:
        """Follow a detection store (live flight or a finished mission)."""
        if self.feed is not None:
            self.feed.stop()
        self._known = None
        self.feed = SightingsFeed(path)
        self.store_label.setText(f"Detection store: {path}")

    def pull(self) -> None:
        if self.feed is None:
            return
        rows = self.feed.latest()
        if self.feed.error:
            self.store_label.setText(f"Detection store: {self.feed.error}")
        if rows is None:
            return
        # alert once per sighting, when it first reaches the flag score: a low-score candidate
        # stays in the ranked list without interrupting the crew
        flagged = [r for r in rows if r.score >= FLAG_SCORE]
        new = [r for r in flagged if self._known is not None and r.id not in self._known]
        self._known = {r.id for r in flagged}
        self.show_rows(rows)
        if new:
            r = new[0]
            where = format_latlon(r.lat, r.lon) if r.lat is not None else "position unknown"
            self.window.show_alert(f"NEW SIGHTING #{r.id}  score {r.score:.2f}  {where}", clear_after_ms=8000)
            self.sound.play()

    def show_rows(self, rows: list[SightingRow]) -> None:
        selected = self.selected_id()
        self.rows = rows
        self.list.blockSignals(True)
        self.list.clear()
        for r in rows:
            where = format_latlon(r.lat, r.lon) if r.lat is not None else "?"
            text = (f"#{r.id}  {STATE_TEXT.get(r.state, r.state)}  score {r.score:.2f}\n"
                    f"{time.strftime('%H:%M:%S', time.localtime(r.time))}  {where}"
                    + (f"\nnote: {r.note}" if r.note else ""))
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            if r.picture:
                item.setIcon(self._icon(r))
            self.list.addItem(item)
            if r.id == selected:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.window.overlays.set("sightings", [r.marker() for r in rows if r.lat is not None])

    def _icon(self, r: SightingRow) -> QIcon:
        """Decoded pictures are kept: the list is rebuilt on every change, JPEGs are decoded once."""
        key = (r.id, hash(r.picture))
        icon = self._icons.get(key)
        if icon is None:
            pix = QPixmap()
            pix.loadFromData(r.picture)
            icon = QIcon(pix)
            self._icons[key] = icon
        return icon

    # ---- review -------------------------------------------------------------------------------
    def selected_id(self) -> int | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def select(self, key: str) -> None:
        """Select a sighting by its map key ("S<id>") and centre the map on it."""
        sid = int(key.lstrip("S")) if key.lstrip("S").isdigit() else None
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == sid:
                self.list.setCurrentRow(i)
                return

    def _row_changed(self, index: int) -> None:
        if 0 <= index < len(self.rows):
            r = self.rows[index]
            self.window.overlays.select(r.key)
            if r.lat is not None:
                self.window.map_state.set_view(r.lat, r.lon)
            self.sightingSelected.emit(r.id)

    def review(self, action: str) -> bool:
        sid = self.selected_id()
        if sid is None or self.feed is None:
            return False
        note = None
        if action == "note":
            note = self.window.asker.text("Note", f"Note for sighting #{sid}")
            if note is None:
                return False
        self.feed.review(sid, action, note)
        return True

    def ask_export(self) -> None:
        path = self.window.asker.save_path("Export sightings", "GeoJSON (*.geojson)", "sightings.geojson")
        if path:
            self.export(path)

    def export(self, path: str | Path) -> Path:
        """Sightings with position as GeoJSON points (CalTopo / QGIS)."""
        feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                  "properties": {"id": r.id, "score": r.score, "state": r.state, "note": r.note,
                                 "time": r.time, "detections": r.n_detections}}
                 for r in self.rows if r.lat is not None]
        return write_atomic(path, json.dumps({"type": "FeatureCollection", "features": feats}, indent=1))

    def shutdown(self) -> None:
        self._timer.stop()
        self.video.shutdown()
        self.stop_video()
        if self.feed is not None:
            self.feed.stop()
