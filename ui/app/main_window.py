"""The main window: the map in the middle, Plan / Fly / Sightings / Review tabs, layers, video.

It builds the Qt-free models, hands them to the widgets, wires menus and keyboard shortcuts,
and remembers settings and window layout. It holds no flight or planning logic itself.
"""

from __future__ import annotations

import base64
from pathlib import Path

from PyQt6.QtCore import QByteArray, Qt, QTimer
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from search_patterns.errors import SargcError
from ui.app.dialogs import Asker
from ui.app.map_view import MapView
from ui.app.models import LAYERS, LayerState, MapState, Overlays
from ui.app.plan_model import PlanModel, PlanParams
from ui.app.plan_panel import PlanPanel
from ui.app.settings import Settings, default_missions_dir, save_settings
from ui.app.theme import apply_theme
from ui.app.tiles import format_latlon, open_tile_source


def _scrolling(panel: QWidget) -> QScrollArea:
    """Panels scroll rather than force the window taller than a 768-pixel laptop screen."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(panel)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setMinimumWidth(panel.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width() + 4)
    return area


class LayersPanel(QWidget):
    """One checkbox per map layer, bound to ``LayerState``."""

    def __init__(self, layers: LayerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layers = layers
        lay = QVBoxLayout(self)
        self.boxes: dict[str, QCheckBox] = {}
        for name, title in LAYERS:
            box = QCheckBox(title)
            box.setChecked(layers.visible(name))
            box.toggled.connect(lambda on, n=name: layers.set_visible(n, on))
            lay.addWidget(box)
            self.boxes[name] = box
        lay.addStretch(1)
        layers.subscribe(self._on_model)

    def _on_model(self, event: str, value) -> None:
        name, on = value
        box = self.boxes[name]
        box.blockSignals(True)
        box.setChecked(on)
        box.blockSignals(False)


class MainWindow(QMainWindow):
    """SAR Ground Control's desktop window."""

    def __init__(self, settings: Settings | None = None, settings_path: Path | None = None,
                 asker: Asker | None = None) -> None:
        super().__init__()
        self.setWindowTitle("SAR Ground Control")
        self.setObjectName("SargcMainWindow")
        self.settings = settings or Settings()
        self.settings_path = settings_path
        self.asker = asker or Asker(self)
        self._mission_dir: Path | None = None
        self._vehicle_labels: dict[str, QLabel] = {}
        s = self.settings

        lat, lon, zoom = s.map_view or (0.0, 0.0, 3.0)
        self.map_state = MapState(lat, lon, zoom)
        self.layers = LayerState()
        self.plan_model = PlanModel(params=PlanParams(spacing_m=s.spacing_m, alt_m=s.alt_m, speed_m_s=s.speed_m_s))
        self.overlays = Overlays()

        central = QWidget()
        col = QVBoxLayout(central)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        self.banner = QLabel("LINK LOST")
        self.banner.setObjectName("linkLost")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        self.alert = QLabel("")
        self.alert.setObjectName("alert")
        self.alert.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.alert.hide()
        self._alert_timer = QTimer(self)  # owned by the window: never fires on a closed one
        self._alert_timer.setSingleShot(True)
        self._alert_timer.timeout.connect(lambda: self.show_alert(None))
        self.map = MapView(self.map_state, self.layers, self.plan_model, self.overlays)
        col.addWidget(self.banner)
        col.addWidget(self.alert)
        col.addWidget(self.map, 1)
        self.setCentralWidget(central)

        self.tabs = QTabWidget()
        self.plan_panel = PlanPanel(self.plan_model, self.asker)
        self.plan_panel.toolRequested.connect(self._start_tool)
        self.plan_panel.areaLoaded.connect(self.fit_area)
        self.tabs.addTab(_scrolling(self.plan_panel), "Plan")
        self.panels_dock = self._dock("Mission", self.tabs, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.layers_panel = LayersPanel(self.layers)
        self.layers_dock = self._dock("Layers", self.layers_panel, Qt.DockWidgetArea.RightDockWidgetArea)

        self._build_flight_parts()
        self._build_menus()
        self.cursor_label = QLabel("")
        self.statusBar().addPermanentWidget(self.cursor_label)
        self.map_state.subscribe(self._on_view)

        if s.tile_source:
            try:
                self.map.set_tile_source(open_tile_source(s.tile_source))
            except SargcError as exc:
                self.statusBar().showMessage(f"Map tiles not loaded: {exc}", 10000)
        self.set_theme(s.theme)
        screen = QApplication.primaryScreen()
        avail = screen.availableGeometry() if screen is not None else None
        if avail is not None and avail.width() > 0:
            self.resize(min(1400, avail.width()), min(900, avail.height()))
        else:
            self.resize(1400, 900)
        self._sized = False
        if s.window_geometry:
            self.restoreGeometry(QByteArray(base64.b64decode(s.window_geometry)))
        if s.window_state:
            self.restoreState(QByteArray(base64.b64decode(s.window_state)))

    # ---- parts added by the fly / video / review modules ----------------------------------------
    def _build_flight_parts(self) -> None:
        """Fly, sightings/video and coordinator tabs (each module binds its own models)."""
        from ui.app.coordinator import CoordinatorPanel
        from ui.app.fly_panel import FlyPanel
        from ui.app.sightings_panel import SightingsPanel

        self.fly_panel = FlyPanel(self)
        self.tabs.addTab(_scrolling(self.fly_panel), "Fly")
        self.sightings_panel = SightingsPanel(self)
        self.tabs.addTab(_scrolling(self.sightings_panel), "Sightings")
        self.video_dock = self._dock("Video", self.sightings_panel.video, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.layers_dock, self.video_dock)
        self.video_dock.raise_()
        self.coordinator = CoordinatorPanel(self)
        self.tabs.addTab(_scrolling(self.coordinator), "Review")
        self.map.markerClicked.connect(self.sightings_panel.select)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu, text: str, shortcut: str | QKeySequence.StandardKey | None, slot) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        menu.addAction(act)
        self.addAction(act)
        return act

    def _build_menus(self) -> None:
        bar = self.menuBar()
        f = bar.addMenu("&File")
        self._action(f, "Import search area…", "Ctrl+O", self.plan_panel.ask_import)
        self.recent_menu = f.addMenu("Recent areas")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.plan_panel.fileOpened.connect(lambda p: self.settings.remember("files", p))
        self._action(f, "Save plan…", "Ctrl+S", lambda: self.plan_panel.ask_export("Save plan"))
        self._action(f, "Open map tiles (folder or .mbtiles)…", None, self.ask_tiles)
        self._action(f, "Open mission folder…", "Ctrl+M", self.coordinator.ask_open)
        f.addSeparator()
        self._action(f, "Quit", "Ctrl+Q", self.close)
        p = bar.addMenu("&Plan")
        self._action(p, "Draw search area", "A", lambda: self._start_tool("area"))
        self._action(p, "Draw no-fly zone", "E", lambda: self._start_tool("exclusion"))
        self._action(p, "Set LKP datum", "D", lambda: self._start_tool("datum"))
        v = bar.addMenu("&View")
        self._action(v, "Zoom in", "Ctrl++", lambda: self.map.zoom_by(1))
        self._action(v, "Zoom out", "Ctrl+-", lambda: self.map.zoom_by(-1))
        self._action(v, "Fit search area", "F", self.fit_area)
        self._action(v, "Toggle dark / light theme", "Ctrl+T",
                     lambda: self.set_theme("dark" if self.settings.theme == "light" else "light"))
        for i, name in enumerate(("Plan", "Fly", "Sightings", "Review")):
            self._action(v, f"Show {name}", f"Alt+{i + 1}", lambda _=False, k=i: self.tabs.setCurrentIndex(k))
        layers_menu = v.addMenu("Layers")
        for name, title in LAYERS:
            act = QAction(title, self, checkable=True, checked=self.layers.visible(name))
            act.toggled.connect(lambda on, n=name: self.layers.set_visible(n, on))
            self.layers.subscribe(lambda ev, val, a=act, n=name: a.setChecked(val[1]) if val[0] == n else None)
            layers_menu.addAction(act)
        self.fly_panel.add_menu(bar.addMenu("&Vehicle"), self._action)
        h = bar.addMenu("&Help")
        self._action(h, "Keyboard shortcuts", "F1", lambda: self.asker.inform("Keyboard shortcuts",
                                                                            self.shortcuts_text()))

    def shortcuts_text(self) -> str:
        """Every menu action with a shortcut, one per line (the F1 help)."""
        lines = [f"{a.shortcut().toString():<16} {a.text()}" for a in self.actions() if not a.shortcut().isEmpty()]
        lines += ["C / R / N        Confirm / reject / note the selected sighting",
                  "Enter, Esc       Finish / cancel drawing; Backspace removes the last corner"]
        return "\n".join(lines)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_files:
            self.recent_menu.addAction(path, lambda p=path: self.plan_panel.import_file(p))
        for path in self.settings.recent_missions:
            self.recent_menu.addAction(f"mission: {path}", lambda p=path: self.coordinator.open(p))

    # ---- behaviour ------------------------------------------------------------------------------
    def _start_tool(self, tool: str) -> None:
        self.map.set_tool(tool)
        self.map.setFocus()
        hints = {"area": "Click the corners of the search area; double-click or Enter to finish, Esc to cancel.",
                 "exclusion": "Click the corners of the no-fly zone; double-click or Enter to finish.",
                 "datum": "Click the last known position."}
        self.statusBar().showMessage(hints.get(tool, ""), 15000)

    def show_tab(self, panel: QWidget) -> None:
        """Bring the Plan / Fly / Sightings / Review panel to the front."""
        for i in range(self.tabs.count()):
            page = self.tabs.widget(i)
            if page is panel or (isinstance(page, QScrollArea) and page.widget() is panel):
                self.tabs.setCurrentIndex(i)
                return

    def fit_area(self) -> None:
        area = self.plan_model.area
        if area is not None:
            minx, miny, maxx, maxy = area.polygon.bounds
            self.map.fit(miny, minx, maxy, maxx)

    def ask_tiles(self) -> None:
        path = self.asker.open_path("Offline map tiles (XYZ folder)", "MBTiles (*.mbtiles)")
        if path:
            self.load_tiles(path)

    def load_tiles(self, path: str) -> bool:
        try:
            self.map.set_tile_source(open_tile_source(path))
        except SargcError as exc:
            self.statusBar().showMessage(str(exc), 10000)
            return False
        self.settings.tile_source = str(path)
        return True

    def mission_folder(self) -> Path:
        """This session's live mission folder (made on first use): tlogs and detections go here."""
        if self._mission_dir is None:
            from ui.mission.folder import new_mission_dir

            parent = Path(self.settings.missions_dir) if self.settings.missions_dir else default_missions_dir()
            self._mission_dir = new_mission_dir(parent)
        return self._mission_dir

    def set_theme(self, name: str) -> None:
        self.settings.theme = name if name in ("light", "dark") else "light"
        app = QApplication.instance()
        if app is not None:
            apply_theme(app, self.settings.theme, [self.map, *self.extra_maps()])

    def extra_maps(self) -> list[MapView]:
        return []

    def _on_view(self, event: str, value) -> None:
        if event == "cursor":
            self.cursor_label.setText(format_latlon(*value) if value else "")

    def vehicle_status(self, key: str, snap, link_lost: bool) -> None:
        """One compact line per vehicle in the status bar: mode, armed, battery, GPS, heartbeat age."""
        label = self._vehicle_labels.get(key)
        if label is None:
            label = self._vehicle_labels[key] = QLabel()
            self.statusBar().insertPermanentWidget(0, label)
        if snap is None:
            label.setText(f"{key}: connecting")
            return
        hb = snap.link.heartbeat_age
        parts = [key, snap.mode or "?", "ARMED" if snap.armed else "disarmed",
                 f"{snap.battery_pct:.0f}%" if snap.battery_pct is not None else "batt ?",
                 f"GPS {snap.gps_fix if snap.gps_fix is not None else '?'}/{snap.gps_satellites or 0}",
                 "LINK LOST" if link_lost else (f"hb {hb:.1f}s" if hb is not None else "hb ?")]
        label.setText("  ".join(parts) + "  |")
        label.setStyleSheet("color: #ff5050;" if link_lost else "")

    def show_link_lost(self, lost: bool, text: str = "LINK LOST") -> None:
        """The unmistakable banner over the map; hidden again when the link returns."""
        self.banner.setText(text)
        self.banner.setVisible(lost)

    def show_alert(self, text: str | None, *, clear_after_ms: int | None = None) -> None:
        """Show (or hide, with ``None``) the alert line; optionally clear it after a while.

        The clearing timer belongs to the window, so it dies with it: a free-standing
        ``QTimer.singleShot`` lambda would fire on a deleted label after the window closed.
        """
        self.alert.setText(text or "")
        self.alert.setVisible(bool(text))
        self._alert_timer.stop()
        if text and clear_after_ms:
            self._alert_timer.start(clear_after_ms)

    def save_layout(self) -> None:
        s = self.settings
        s.window_geometry = base64.b64encode(bytes(self.saveGeometry())).decode()
        s.window_state = base64.b64encode(bytes(self.saveState())).decode()
        s.map_view = (self.map_state.lat, self.map_state.lon, self.map_state.zoom)
        p = self.plan_model.params
        s.spacing_m, s.alt_m, s.speed_m_s = p.spacing_m, p.alt_m, p.speed_m_s
        try:
            save_settings(s, self.settings_path)
        except OSError as exc:  # a read-only home must not stop the app from closing
            self.statusBar().showMessage(f"Settings not saved: {exc}")

    def showEvent(self, ev) -> None:  # noqa: N802
        super().showEvent(ev)
        if not self._sized and not self.settings.window_state:
            self._sized = True  # first run: give the map the room
            side = max(280, min(380, self.width() // 4))
            self.resizeDocks([self.video_dock], [side], Qt.Orientation.Horizontal)

    def closeEvent(self, ev) -> None:  # noqa: N802
        self.save_layout()
        self.fly_panel.shutdown()
        self.sightings_panel.shutdown()
        self.map.shutdown()
        super().closeEvent(ev)
