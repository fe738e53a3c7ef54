"""The plan panel: pattern and parameters in, live path statistics out, import / save / export.

Binds its widgets to ``PlanModel`` in one place (``_on_model``): user edits call
``model.set_params``; model events update labels with signals blocked, so nothing loops.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from PyQt6.QtCore import QSignalBlocker, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from search_patterns.errors import SargcError
from ui.app.dialogs import Asker
from ui.app.plan_model import PlanModel

IMPORT_FILTER = "Search areas (*.kml *.kmz *.geojson *.json *.plan *.gpx);;All files (*)"
EXPORT_FILTER = ("QGC plan (*.plan);;Mission Planner (*.waypoints);;KML for CalTopo (*.kml);;"
                 "GeoJSON (*.geojson);;GPX (*.gpx)")


def fmt_duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _format_fn(name: str):
    """``search_patterns.formats.<name>``, or an error naming what is missing."""
    fn = getattr(importlib.import_module("search_patterns.formats"), name, None)
    if fn is None:
        raise SargcError(f"this build cannot {name.replace('_', ' ')} files (search_patterns.formats.{name} missing)")
    return fn


class PlanPanel(QWidget):
    """Pattern, spacing, altitude, speed, angle (or auto), vehicles; statistics; file actions."""

    toolRequested = pyqtSignal(str)
    areaLoaded = pyqtSignal()
    fileOpened = pyqtSignal(str)

    def __init__(self, model: PlanModel, asker: Asker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model, self.asker = model, asker
        self.last_saved: list[Path] = []
        lay = QVBoxLayout(self)

        draw = QGroupBox("Area")
        g = QGridLayout(draw)
        self.draw_area = QPushButton("Draw area (A)")
        self.draw_exclusion = QPushButton("No-fly zone (E)")
        self.set_datum = QPushButton("Set LKP datum (D)")
        self.import_btn = QPushButton("Import… (Ctrl+O)")
        self.clear_btn = QPushButton("Clear")
        for i, b in enumerate((self.draw_area, self.draw_exclusion, self.set_datum, self.import_btn, self.clear_btn)):
            g.addWidget(b, i // 2, i % 2)
        self.draw_area.clicked.connect(lambda: self.toolRequested.emit("area"))
        self.draw_exclusion.clicked.connect(lambda: self.toolRequested.emit("exclusion"))
        self.set_datum.clicked.connect(lambda: self.toolRequested.emit("datum"))
        self.import_btn.clicked.connect(lambda: self.ask_import())
        self.clear_btn.clicked.connect(model.clear)
        self.area_label = QLabel("No area yet: draw one or import a file.")
        self.area_label.setWordWrap(True)
        g.addWidget(self.area_label, 3, 0, 1, 2)
        lay.addWidget(draw)

        params = QGroupBox("Pattern")
        f = QFormLayout(params)
        self.form = f
        self.pattern = QComboBox()
        self.pattern.addItem("Lawnmower (parallel sweeps)", "lawnmower")
        self.pattern.addItem("Expanding square (from LKP)", "expanding_square")
        self.pattern.addItem("Sector search (from LKP)", "sector")
        self.spacing_mode = QComboBox()
        self.spacing_mode.addItem("Track spacing in metres", "spacing")
        self.spacing_mode.addItem("Camera footprint − side overlap", "camera")
        self.spacing_mode.addItem("Sweep width + target POD", "pod")
        self.spacing = QDoubleSpinBox(decimals=1, minimum=2.0, maximum=2000.0, singleStep=5.0, suffix=" m")
        self.overlap = QDoubleSpinBox(decimals=0, minimum=0.0, maximum=90.0, singleStep=5.0, suffix=" %")
        self.sweep_width = QDoubleSpinBox(decimals=1, minimum=1.0, maximum=2000.0, singleStep=5.0, suffix=" m")
        self.target_pod = QDoubleSpinBox(decimals=2, minimum=0.05, maximum=0.99, singleStep=0.05)
        self.alt = QDoubleSpinBox(decimals=0, minimum=5.0, maximum=120.0, singleStep=5.0, suffix=" m")
        self.speed = QDoubleSpinBox(decimals=1, minimum=1.0, maximum=30.0, singleStep=1.0, suffix=" m/s")
        angle_row = self.angle_row = QHBoxLayout()
        angle_row.setContentsMargins(0, 0, 0, 0)
        self.angle_auto = QCheckBox("auto")
        self.angle = QDoubleSpinBox(decimals=0, minimum=0.0, maximum=179.0, singleStep=5.0, suffix=" °")
        angle_row.addWidget(self.angle)
        angle_row.addWidget(self.angle_auto)
        self.vehicles = QSpinBox(minimum=1, maximum=8)
        self.radius = QDoubleSpinBox(decimals=0, minimum=20.0, maximum=20000.0, singleStep=50.0, suffix=" m")
        f.addRow("Pattern", self.pattern)
        f.addRow("Spacing from", self.spacing_mode)
        f.addRow("Track spacing", self.spacing)
        f.addRow("Side overlap", self.overlap)
        f.addRow("Sweep width", self.sweep_width)
        f.addRow("Target POD", self.target_pod)
        f.addRow("Altitude (above home)", self.alt)
        f.addRow("Speed", self.speed)
        f.addRow("Sweep angle", angle_row)
        f.addRow("Split among vehicles", self.vehicles)
        f.addRow("Radius around the LKP", self.radius)
        lay.addWidget(params)

        stats = QGroupBox("Statistics")
        sf = QFormLayout(stats)
        self.stat_labels: dict[str, QLabel] = {}
        for key, title in (("waypoints", "Waypoints"), ("length", "Path length"), ("duration", "Flight time"),
                           ("area", "Area"), ("coverage", "Coverage"), ("pod", "Planned POD")):
            lab = QLabel("–")
            lab.setProperty("role", "stat")
            self.stat_labels[key] = lab
            sf.addRow(title, lab)
        self.error_label = QLabel("")
        self.error_label.setProperty("role", "error")
        self.error_label.setWordWrap(True)
        sf.addRow(self.error_label)
        lay.addWidget(stats)

        files = QHBoxLayout()
        self.save_btn = QPushButton("Save plan… (Ctrl+S)")
        self.export_btn = QPushButton("Export…")
        self.save_btn.clicked.connect(lambda: self.ask_export("Save plan"))
        self.export_btn.clicked.connect(lambda: self.ask_export("Export plan"))
        files.addWidget(self.save_btn)
        files.addWidget(self.export_btn)
        lay.addLayout(files)
        lay.addStretch(1)

        self._show_params()
        self.pattern.currentIndexChanged.connect(lambda _: model.set_params(pattern=self.pattern.currentData()))
        self.spacing.valueChanged.connect(lambda v: model.set_params(spacing_m=float(v)))
        self.alt.valueChanged.connect(lambda v: model.set_params(alt_m=float(v)))
        self.speed.valueChanged.connect(lambda v: model.set_params(speed_m_s=float(v)))
        self.angle.valueChanged.connect(lambda v: self._angle_changed())
        self.angle_auto.toggled.connect(lambda v: self._angle_changed())
        self.vehicles.valueChanged.connect(lambda v: model.set_params(vehicles=int(v)))
        self.radius.valueChanged.connect(lambda v: model.set_params(radius_m=float(v)))
        self.spacing_mode.currentIndexChanged.connect(
            lambda _: model.set_params(spacing_mode=self.spacing_mode.currentData()))
        self.overlap.valueChanged.connect(lambda v: model.set_params(side_overlap=float(v) / 100.0))
        self.sweep_width.valueChanged.connect(lambda v: model.set_params(sweep_width_m=float(v)))
        self.target_pod.valueChanged.connect(lambda v: model.set_params(target_pod=float(v)))
        model.subscribe(self._on_model)
        self._show_plan()

    # ---- model → widgets (the one adapter for this panel) ---------------------------------------
    def _on_model(self, event: str, value) -> None:
        if event == "params":
            self._show_params()
        elif event == "plan":
            self._show_plan()
        elif event == "error":
            self.error_label.setText(value or "")
        elif event == "area":
            self._show_area()

    def _show_params(self) -> None:
        p = self.model.params
        widgets = (self.pattern, self.spacing, self.alt, self.speed, self.angle, self.angle_auto, self.vehicles,
                   self.radius, self.spacing_mode, self.overlap, self.sweep_width, self.target_pod)
        blockers = [QSignalBlocker(w) for w in widgets]
        self.pattern.setCurrentIndex(max(0, self.pattern.findData(p.pattern)))
        self.spacing_mode.setCurrentIndex(max(0, self.spacing_mode.findData(p.spacing_mode)))
        self.spacing.setValue(p.spacing_m)
        self.spacing.setEnabled(p.spacing_mode == "spacing")
        self.overlap.setValue(100 * p.side_overlap)
        self.overlap.setEnabled(p.spacing_mode == "camera")
        self.sweep_width.setValue(p.sweep_width_m)
        self.target_pod.setValue(p.target_pod)
        for w in (self.sweep_width, self.target_pod):
            w.setEnabled(p.spacing_mode == "pod")
        # only the fields that matter for this pattern and spacing choice are shown
        lawn = p.pattern == "lawnmower"
        for widget, shown in ((self.overlap, p.spacing_mode == "camera"), (self.sweep_width, p.spacing_mode == "pod"),
                              (self.target_pod, p.spacing_mode == "pod"), (self.radius, not lawn),
                              (self.vehicles, lawn), (self.angle_row, lawn)):
            self.form.setRowVisible(widget, shown)
        self.alt.setValue(p.alt_m)
        self.speed.setValue(p.speed_m_s)
        self.angle_auto.setChecked(p.angle_deg is None)
        self.angle.setEnabled(p.angle_deg is not None)
        if p.angle_deg is not None:
            self.angle.setValue(p.angle_deg)
        self.vehicles.setValue(p.vehicles)
        self.vehicles.setEnabled(p.pattern == "lawnmower")
        self.radius.setValue(p.radius_m)
        self.radius.setEnabled(p.pattern == "expanding_square")
        self.angle.setEnabled(p.pattern == "lawnmower" and p.angle_deg is not None)
        self.angle_auto.setEnabled(p.pattern == "lawnmower")
        del blockers

    def _angle_changed(self) -> None:
        self.angle.setEnabled(not self.angle_auto.isChecked())
        self.model.set_params(angle_deg=None if self.angle_auto.isChecked() else float(self.angle.value()))

    def _show_area(self) -> None:
        a = self.model.area
        if a is None:
            self.area_label.setText("No area yet: draw one or import a file.")
        else:
            n = len(a.polygon.exterior.coords) - 1
            self.area_label.setText(f"{a.name}: {n} corners, {a.area_m2() / 1e4:.1f} ha, "
                                    f"{len(a.exclusions)} no-fly zone(s)")

    def _show_plan(self) -> None:
        plans = self.model.plans
        if not plans:
            for lab in self.stat_labels.values():
                lab.setText("–")
            self.save_btn.setEnabled(False)
            self.export_btn.setEnabled(False)
            return
        wps = sum(p.stats.waypoints or len(p.waypoints) for p in plans)
        length = sum(p.stats.length_m for p in plans)
        durations = [p.stats.duration_s for p in plans]
        area = sum(p.stats.area_m2 for p in plans)
        cov = [p.stats.coverage_fraction for p in plans]
        self.stat_labels["waypoints"].setText(str(wps))
        self.stat_labels["length"].setText(f"{length / 1000:.2f} km")
        each = " (longest)" if len(plans) > 1 else ""
        self.stat_labels["duration"].setText(fmt_duration(max(durations)) + each)
        self.stat_labels["area"].setText(f"{area / 1e4:.1f} ha" if area else "–")
        self.stat_labels["coverage"].setText(f"{100 * sum(cov) / len(cov):.0f} %" if any(cov) else "–")
        info = self.model.spacing_used
        pods = [p.stats.pod for p in plans if p.stats.pod]
        pod = sum(pods) / len(pods) if pods else (info.pod if info else 0.0)
        self.stat_labels["pod"].setText(f"{pod:.2f}" + (f"  (spacing {info.spacing_m:.1f} m)" if info else ""))
        if info is not None and self.model.params.spacing_mode != "spacing":
            blocker = QSignalBlocker(self.spacing)
            self.spacing.setValue(info.spacing_m)  # show the spacing the camera / POD gave
            del blocker
        self.save_btn.setEnabled(True)
        self.export_btn.setEnabled(True)

    # ---- files ----------------------------------------------------------------------------------
    def ask_import(self) -> None:
        path = self.asker.open_path("Import search area", IMPORT_FILTER)
        if path:
            self.import_file(path)

    def import_file(self, path: str | Path) -> bool:
        """Load a search area (KML/KMZ/GeoJSON/.plan/GPX); errors are shown, nothing is lost."""
        try:
            area = _format_fn("read_area")(Path(path))
        except (SargcError, OSError) as exc:
            self.model.report(f"Could not import {Path(path).name}: {exc}")
            return False
        self.model.set_area(area)
        self.areaLoaded.emit()
        self.fileOpened.emit(str(Path(path).resolve()))
        return True

    def ask_export(self, title: str) -> None:
        plan = self.model.plan
        path = self.asker.save_path(title, EXPORT_FILTER, f"{plan.name if plan else 'plan'}.plan")
        if path:
            self.export(path)

    def export(self, path: str | Path) -> list[Path]:
        """Write the plan (one file per vehicle when split) in the format the suffix names."""
        path = Path(path)
        plans = self.model.plans
        targets = [path] if len(plans) == 1 else [
            path.with_name(f"{path.stem}-{i + 1}{path.suffix}") for i in range(len(plans))]
        try:
            for plan, target in zip(plans, targets, strict=True):
                _format_fn("write_plan")(plan, target)
        except (SargcError, OSError) as exc:
            self.model.report(f"Could not write {path.name}: {exc}")
            return []
        self.last_saved = targets
        return targets
