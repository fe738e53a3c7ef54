"""The Review tab (coordinator view): open a mission folder and see what was really covered.

The folder is read on a worker (tlogs and coverage can take seconds); the result fills the
map's layers: area, plan, flown tracks, coverage / POD heat, gaps and sightings with their
review state. The gaps can be re-planned, and the layers and a report picture exported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QBuffer, QByteArray, QIODevice
from PyQt6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from shapely.geometry import Polygon, mapping

from search_patterns.area import SearchArea
from search_patterns.atomic import write_atomic
from search_patterns.errors import SargcError
from ui.app.background import Background
from ui.app.mission_review import MissionReview, load_mission

if TYPE_CHECKING:
    from ui.app.main_window import MainWindow


def _pct(v) -> str:
    return f"{100 * float(v):.0f} %" if isinstance(v, (int, float)) else "–"


class CoordinatorPanel(QWidget):
    """Mission folder summary with re-plan and export actions."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.review: MissionReview | None = None
        self.bg = Background(name="review", parent=self)
        lay = QVBoxLayout(self)
        self.open_btn = QPushButton("Open mission folder… (Ctrl+M)")
        self.open_btn.setProperty("flight", True)
        self.open_btn.clicked.connect(self.ask_open)
        lay.addWidget(self.open_btn)
        self.folder_label = QLabel("No mission open.")
        self.folder_label.setWordWrap(True)
        lay.addWidget(self.folder_label)
        box = QGroupBox("Coverage")
        f = QFormLayout(box)
        self.stats: dict[str, QLabel] = {}
        for key, title in (("covered", "Area covered"), ("pod", "Mean POD"), ("target", "Above POD target"),
                           ("gaps", "Gaps"), ("tracks", "Flown tracks"), ("sightings", "Sightings")):
            lab = QLabel("–")
            lab.setProperty("role", "stat")
            self.stats[key] = lab
            f.addRow(title, lab)
        lay.addWidget(box)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setProperty("role", "error")
        lay.addWidget(self.notes)
        row = QHBoxLayout()
        self.replan_btn = QPushButton("Re-plan gaps")
        self.export_btn = QPushButton("Export layers…")
        self.picture_btn = QPushButton("Report picture…")
        for b in (self.replan_btn, self.export_btn, self.picture_btn):
            row.addWidget(b)
            b.setEnabled(False)
        self.replan_btn.clicked.connect(self.replan_gaps)
        self.export_btn.clicked.connect(self.ask_export)
        self.picture_btn.clicked.connect(self.ask_picture)
        lay.addLayout(row)
        lay.addStretch(1)

    # ---- opening ------------------------------------------------------------------------------
    def ask_open(self) -> None:
        path = self.window.asker.open_path("Open mission folder", "", directory=True)
        if path:
            self.open(path)

    def open(self, path: str | Path) -> None:
        """Read the folder in the background; the view fills in when it is ready."""
        self.folder_label.setText(f"Reading {path} …")
        self.bg.submit(lambda: load_mission(path), self.show_review, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.folder_label.setText(f"Could not open: {exc}")

    def show_review(self, review: MissionReview) -> None:
        self.review = review
        w = self.window
        w.settings.remember("missions", str(review.root))
        self.folder_label.setText(f"{review.root}\n{review.info.get('status', '')}")
        if review.area is not None:
            w.plan_model.set_area(review.area)
        w.plan_model.show_plans(list(review.plans))  # what was planned then, not a fresh plan
        w.overlays.set("tracks", review.tracks)
        w.overlays.set("coverage", review.coverage)
        w.overlays.set("gaps", review.gaps)
        w.overlays.set("sightings", review.sightings)
        if review.sightings and hasattr(w, "sightings_panel") and (review.root / "detections.sqlite").exists():
            w.sightings_panel.open_store(review.root / "detections.sqlite")
        s = review.summary
        self.stats["covered"].setText(_pct(s.get("covered_fraction", s.get("coverage_fraction"))))
        self.stats["pod"].setText(_pct(s.get("mean_pod", s.get("pod"))))
        self.stats["target"].setText(_pct(s.get("fraction_above_target")))
        self.stats["gaps"].setText(str(len(review.gaps)))
        self.stats["tracks"].setText(str(len(review.tracks)))
        states = [m.state for m in review.sightings]
        self.stats["sightings"].setText(
            f"{len(states)} ({states.count('confirmed')} confirmed, {states.count('rejected')} rejected)")
        self.notes.setText("\n".join(review.notes))
        for b in (self.replan_btn, self.export_btn, self.picture_btn):
            b.setEnabled(True)
        self.replan_btn.setEnabled(bool(review.gaps))
        if review.area is not None:
            w.fit_area()
        elif review.tracks and review.tracks[0]:
            lats = [p[0] for t in review.tracks for p in t]
            lons = [p[1] for t in review.tracks for p in t]
            w.map.fit(min(lats), min(lons), max(lats), max(lons))

    # ---- actions ------------------------------------------------------------------------------
    def replan_gaps(self) -> None:
        """Plan legs over just the gaps (with the Plan tab's spacing, altitude and speed) and show it there."""
        r = self.review
        if r is None or not r.gaps:
            return
        model = self.window.plan_model
        targets = [Polygon(g.ring) for g in r.gaps]
        if r.area is None:  # no area in the folder: the largest gap becomes the area to plan
            model.set_area(SearchArea(max(targets, key=lambda p: p.area), (), "gap re-plan"))
        else:
            from search_patterns.replan import plan_gaps

            p = model.params
            try:
                plan = plan_gaps(r.area, targets, spacing_m=model.spacing_info(p).spacing_m, alt_m=p.alt_m,
                                 speed_m_s=p.speed_m_s, home=model.home, name="gap re-plan")
            except SargcError as exc:
                self.notes.setText(f"Gaps not re-planned: {exc}")
                return
            model.set_area(r.area)
            model.show_plans([plan])
        self.window.show_tab(self.window.plan_panel)

    def ask_export(self) -> None:
        path = self.window.asker.save_path("Export layers", "GeoJSON (*.geojson)", "review.geojson")
        if path:
            self.export_layers(path)

    def export_layers(self, path: str | Path) -> Path:
        """Coverage, gaps, tracks and sightings in one GeoJSON FeatureCollection (CalTopo / QGIS)."""
        r = self.review
        feats = []
        if r is not None:
            for layer, shapes in (("coverage", r.coverage), ("gap", r.gaps)):
                feats += [{"type": "Feature", "geometry": mapping(Polygon(s.ring)),
                           "properties": {"layer": layer, "value": s.value}} for s in shapes]
            feats += [{"type": "Feature", "properties": {"layer": "track", "vehicle": i + 1},
                       "geometry": {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in t]}}
                      for i, t in enumerate(r.tracks) if len(t) >= 2]
            feats += [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [m.lon, m.lat]},
                       "properties": {"layer": "sighting", "label": m.label, "state": m.state}}
                      for m in r.sightings]
        return write_atomic(path, json.dumps({"type": "FeatureCollection", "features": feats}, indent=1))

    def ask_picture(self) -> None:
        path = self.window.asker.save_path("Report picture", "PNG (*.png)", "review.png")
        if path:
            self.save_picture(path)

    def save_picture(self, path: str | Path) -> bool:
        """The map as it is shown now, as a PNG for the report."""
        buf = QByteArray()
        dev = QBuffer(buf)
        dev.open(QIODevice.OpenModeFlag.WriteOnly)
        if not self.window.map.grab().save(dev, "PNG"):
            self.notes.setText(f"Could not draw the picture for {path}")
            return False
        try:
            write_atomic(path, bytes(buf))
        except OSError as exc:
            self.notes.setText(f"Could not write {path}: {exc}")
            return False
        return True
