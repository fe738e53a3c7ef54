"""The map widget: offline tiles or a generated grid, layers, and mouse tools for planning.

A plain QWidget that paints everything in screen space from the Qt-free models (MapState,
LayerState, PlanModel, Overlays). Tiles are read and decoded on a worker thread; the GUI thread
only draws images it already has. Repaints happen at most ``REFRESH_HZ`` times a second, driven
by a timer that checks a dirty flag, so a flood of telemetry never floods the event loop.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor

from PyQt6.QtCore import QPointF, QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PyQt6.QtWidgets import QWidget

from search_patterns.geo import haversine_m
from ui.app import map_layers
from ui.app.models import LayerState, MapState, Overlays
from ui.app.plan_model import PlanModel
from ui.app.tiles import (
    TILE_PX,
    LruCache,
    TileSource,
    format_latlon,
    latlon_at,
    metres_per_px,
    nice_degrees,
    nice_length,
    world_px,
)

REFRESH_HZ = 20
PICK_PX = 10


class MapView(QWidget):
    """Pan with the left button, zoom with the wheel; draw areas/exclusions/datum in tool modes.

    Tools (``set_tool``): ``"pan"`` (drag corners of the area to edit it), ``"area"`` and
    ``"exclusion"`` (click corners, double-click / Enter / right-click to finish, Esc to cancel),
    ``"datum"`` (click once).
    """

    toolChanged = pyqtSignal(str)
    markerClicked = pyqtSignal(str)

    def __init__(self, view: MapState, layers: LayerState, plan: PlanModel, overlays: Overlays,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view, self.layers, self.plan, self.overlays = view, layers, plan, overlays
        self.setMinimumSize(400, 300)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.tool = "pan"
        self.draft: list[tuple[float, float]] = []
        self.theme = map_layers.LIGHT
        self._drag_from: QPointF | None = None
        self._drag_vertex: tuple[int, int] | None = None
        self._source: TileSource | None = None
        self._tiles = LruCache(384)
        self._pending: set[tuple[int, int, int]] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tiles")
        self._dirty = True
        self.paint_count = 0
        for model in (view, layers, plan, overlays):
            model.subscribe(self._on_model)
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / REFRESH_HZ))
        self._timer.timeout.connect(self._refresh)
        self._timer.start()

    # ---- model adapter: every model change just marks the map dirty -----------------------------
    def _on_model(self, event: str, value) -> None:
        if event != "cursor":
            self._dirty = True

    def _refresh(self) -> None:
        if self._dirty:
            self._dirty = False
            self.update()

    def shutdown(self) -> None:
        """Stop the refresh timer and the tile threads (called when the window closes)."""
        self._timer.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ---- tiles ---------------------------------------------------------------------------------
    def set_tile_source(self, source: TileSource | None) -> None:
        """Use offline tiles (XYZ folder / MBTiles) or ``None`` for the generated grid basemap."""
        with self._lock:
            self._source = source
            self._tiles = LruCache(384)
            self._pending.clear()
        self._dirty = True

    @property
    def tile_source(self) -> TileSource | None:
        return self._source

    def _tile_image(self, z: int, x: int, y: int) -> QImage | None:
        key = (z, x, y)
        with self._lock:
            img = self._tiles.get(key)
            if img is not None or key in self._tiles or key in self._pending:
                return img or None
            self._pending.add(key)
            source = self._source
        self._pool.submit(self._load_tile, source, key)
        return None

    def _load_tile(self, source: TileSource | None, key: tuple[int, int, int]) -> None:
        data = source.tile(*key) if source is not None else None
        img = QImage.fromData(data) if data else None
        with self._lock:
            if source is self._source:
                self._tiles.put(key, img if img is not None and not img.isNull() else False)
                self._pending.discard(key)
        self._dirty = True

    # ---- coordinates ---------------------------------------------------------------------------
    def to_screen(self, lat: float, lon: float) -> QPointF:
        cx, cy = world_px(self.view.lat, self.view.lon, self.view.zoom)
        x, y = world_px(lat, lon, self.view.zoom)
        return QPointF(x - cx + self.width() / 2, y - cy + self.height() / 2)

    def to_latlon(self, p: QPointF) -> tuple[float, float]:
        cx, cy = world_px(self.view.lat, self.view.lon, self.view.zoom)
        return latlon_at(cx + p.x() - self.width() / 2, cy + p.y() - self.height() / 2, self.view.zoom)

    def fit(self, lat_min: float, lon_min: float, lat_max: float, lon_max: float, margin: float = 0.15) -> None:
        """Centre and zoom so the box fills the widget with a margin."""
        w, h = max(self.width(), 100), max(self.height(), 100)
        z = self.view.MAX_ZOOM
        while z > self.view.MIN_ZOOM:
            x0, y0 = world_px(lat_max, lon_min, z)
            x1, y1 = world_px(lat_min, lon_max, z)
            if (x1 - x0) <= w * (1 - 2 * margin) and (y1 - y0) <= h * (1 - 2 * margin):
                break
            z -= 0.25
        self.view.set_view((lat_min + lat_max) / 2, (lon_min + lon_max) / 2, z)

    def zoom_by(self, steps: float, around: QPointF | None = None) -> None:
        """Zoom in (+) or out (−) keeping the ground under ``around`` (or the centre) in place."""
        around = around or QPointF(self.width() / 2, self.height() / 2)
        lat, lon = self.to_latlon(around)
        new_zoom = max(MapState.MIN_ZOOM, min(MapState.MAX_ZOOM, self.view.zoom + steps))
        x, y = world_px(lat, lon, new_zoom)
        cx = x - (around.x() - self.width() / 2)
        cy = y - (around.y() - self.height() / 2)
        clat, clon = latlon_at(cx, cy, new_zoom)
        self.view.set_view(clat, clon, new_zoom)

    # ---- tools ---------------------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        if tool not in ("pan", "area", "exclusion", "datum"):
            raise ValueError(f"unknown map tool {tool!r}")
        self.tool = tool
        self.draft = []
        self.setCursor(Qt.CursorShape.CrossCursor if tool != "pan" else Qt.CursorShape.ArrowCursor)
        self._dirty = True
        self.toolChanged.emit(tool)

    def finish_draft(self) -> None:
        """Close the polygon being drawn and hand it to the plan model."""
        pts, tool = [], self.tool
        for lat, lon in self.draft:  # a double click presses twice on the same corner
            q = self.to_screen(lat, lon)
            if not pts or (q - self.to_screen(*pts[-1])).manhattanLength() > 3:
                pts.append((lat, lon))
        self.draft = []
        if tool == "area":
            self.plan.set_outline(pts)
        elif tool == "exclusion":
            self.plan.add_exclusion(pts)
        self.set_tool("pan")

    def _vertex_at(self, p: QPointF) -> tuple[int, int] | None:
        area = self.plan.area
        if area is None or not self.layers.visible("area"):
            return None
        rings = [area.polygon.exterior] + [e.exterior for e in area.exclusions]
        for r, ring in enumerate(rings):
            for i, (lon, lat) in enumerate(list(ring.coords)[:-1]):
                q = self.to_screen(lat, lon)
                if abs(q.x() - p.x()) <= PICK_PX and abs(q.y() - p.y()) <= PICK_PX:
                    return r, i
        return None

    def _marker_at(self, p: QPointF) -> str | None:
        if not self.layers.visible("sightings"):
            return None
        for m in self.overlays.sightings:
            q = self.to_screen(m.lat, m.lon)
            if (q.x() - p.x()) ** 2 + (q.y() - p.y()) ** 2 <= (PICK_PX + 4) ** 2:
                return m.key
        return None

    # ---- events --------------------------------------------------------------------------------
    def mousePressEvent(self, ev) -> None:  # noqa: N802 (Qt name)
        p = ev.position()
        if ev.button() == Qt.MouseButton.RightButton and self.tool in ("area", "exclusion"):
            self.finish_draft()
            return
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        if self.tool in ("area", "exclusion"):
            self.draft.append(self.to_latlon(p))
            self._dirty = True
        elif self.tool == "datum":
            self.plan.set_datum(*self.to_latlon(p))
            self.set_tool("pan")
        else:
            key = self._marker_at(p)
            if key is not None:
                self.overlays.select(key)
                self.markerClicked.emit(key)
            self._drag_vertex = self._vertex_at(p)
            self._drag_from = p

    def mouseDoubleClickEvent(self, ev) -> None:  # noqa: N802
        if self.tool in ("area", "exclusion"):
            # the double-clicked corner counts once, whether or not its press already added it
            self.draft.append(self.to_latlon(ev.position()))
            self.finish_draft()

    def mouseMoveEvent(self, ev) -> None:  # noqa: N802
        p = ev.position()
        self.view.set_cursor(self.to_latlon(p))
        if self._drag_vertex is not None:
            lat, lon = self.to_latlon(p)
            self.plan.move_vertex(*self._drag_vertex, lat, lon)
        elif self._drag_from is not None:
            d = p - self._drag_from
            self._drag_from = p
            cx, cy = world_px(self.view.lat, self.view.lon, self.view.zoom)
            self.view.set_view(*latlon_at(cx - d.x(), cy - d.y(), self.view.zoom))
        elif self.draft:
            self._dirty = True

    def mouseReleaseEvent(self, ev) -> None:  # noqa: N802
        self._drag_from = None
        self._drag_vertex = None

    def leaveEvent(self, ev) -> None:  # noqa: N802
        self.view.set_cursor(None)

    def wheelEvent(self, ev) -> None:  # noqa: N802
        steps = ev.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(0.5 * steps, ev.position())

    def keyPressEvent(self, ev) -> None:  # noqa: N802
        k = ev.key()
        if k in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.draft:
            self.finish_draft()
        elif k == Qt.Key.Key_Escape:
            self.set_tool("pan")
        elif k == Qt.Key.Key_Backspace and self.draft:
            self.draft.pop()
            self._dirty = True
        elif k in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1)
        elif k == Qt.Key.Key_Minus:
            self.zoom_by(-1)
        else:
            super().keyPressEvent(ev)

    def resizeEvent(self, ev) -> None:  # noqa: N802
        self._dirty = True

    # ---- painting ------------------------------------------------------------------------------
    def paintEvent(self, ev) -> None:  # noqa: N802
        self.paint_count += 1
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        t = self.theme
        painter.fillRect(self.rect(), t.background)
        drew_tiles = self._paint_tiles(painter)
        if not drew_tiles or self.layers.visible("grid"):
            self._paint_grid(painter, labels=not drew_tiles or self.layers.visible("grid"))
        map_layers.paint_all(self, painter)
        self._paint_scale_bar(painter)
        self._paint_readout(painter)
        painter.end()

    def _paint_tiles(self, painter: QPainter) -> bool:
        src = self._source
        if src is None:
            return False
        z = int(round(self.view.zoom))
        z = max(src.min_zoom, min(src.max_zoom, z))
        scale = 2.0 ** (self.view.zoom - z)
        cx, cy = world_px(self.view.lat, self.view.lon, z)
        w, h = self.width(), self.height()
        size = TILE_PX * scale
        x0 = math.floor((cx - w / 2 / scale) / TILE_PX)
        x1 = math.floor((cx + w / 2 / scale) / TILE_PX)
        y0 = max(0, math.floor((cy - h / 2 / scale) / TILE_PX))
        y1 = min((1 << z) - 1, math.floor((cy + h / 2 / scale) / TILE_PX))
        any_drawn = False
        for tx in range(x0, x1 + 1):
            for ty in range(y0, y1 + 1):
                img = self._tile_image(z, tx % (1 << z), ty)
                sx = (tx * TILE_PX - cx) * scale + w / 2
                sy = (ty * TILE_PX - cy) * scale + h / 2
                if img is not None:
                    painter.drawImage(QRectF(sx, sy, size + 0.5, size + 0.5), img)
                    any_drawn = True
        return any_drawn

    def _paint_grid(self, painter: QPainter, labels: bool = True) -> None:
        """The generated basemap: a lat/lon grid at round steps, labelled at the edges."""
        t = self.theme
        w, h = self.width(), self.height()
        lat_top, lon_left = self.to_latlon(QPointF(0, 0))
        lat_bot, lon_right = self.to_latlon(QPointF(w, h))
        step = nice_degrees(max(1e-6, (lon_right - lon_left) / max(1.0, w / 140.0)))
        decimals = max(0, -math.floor(math.log10(step)))
        painter.setFont(QFont(painter.font().family(), 8))
        minor = QPen(t.grid, 1)
        painter.setPen(minor)
        lon = math.floor(lon_left / step) * step
        while lon <= lon_right:
            x = self.to_screen(lat_top, lon).x()
            painter.setPen(minor)
            painter.drawLine(QPointF(x, 0), QPointF(x, h))
            if labels and x >= 0:
                painter.setPen(t.grid_text)
                painter.drawText(QPointF(x + 3, 12), f"{lon:.{decimals}f}°")
            lon += step
        lat = math.floor(lat_bot / step) * step
        while lat <= lat_top:
            y = self.to_screen(lat, lon_left).y()
            painter.setPen(minor)
            painter.drawLine(QPointF(0, y), QPointF(w, y))
            if labels and 16 <= y <= h - 40:
                painter.setPen(t.grid_text)
                painter.drawText(QPointF(3, y - 3), f"{lat:.{decimals}f}°")
            lat += step

    def _paint_scale_bar(self, painter: QPainter) -> None:
        t = self.theme
        mpp = metres_per_px(self.view.lat, self.view.zoom)
        length_m = nice_length(mpp * 160)
        px = length_m / mpp
        x0, y0 = 14.0, self.height() - 18.0
        painter.setPen(QPen(t.ink, 3))
        painter.drawLine(QPointF(x0, y0), QPointF(x0 + px, y0))
        painter.drawLine(QPointF(x0, y0 - 6), QPointF(x0, y0))
        painter.drawLine(QPointF(x0 + px, y0 - 6), QPointF(x0 + px, y0))
        label = f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"
        painter.setFont(QFont(painter.font().family(), 9, QFont.Weight.Bold))
        painter.drawText(QPointF(x0 + 4, y0 - 6), label)
        # north arrow (the map is always north-up)
        nx, ny = self.width() - 24.0, 40.0
        painter.setPen(QPen(t.ink, 2))
        painter.drawLine(QPointF(nx, ny), QPointF(nx, ny - 22))
        painter.drawLine(QPointF(nx, ny - 22), QPointF(nx - 6, ny - 12))
        painter.drawLine(QPointF(nx, ny - 22), QPointF(nx + 6, ny - 12))
        painter.drawText(QPointF(nx - 4, ny + 14), "N")

    def _paint_readout(self, painter: QPainter) -> None:
        t = self.theme
        text = format_latlon(*self.view.cursor) if self.view.cursor else format_latlon(self.view.lat, self.view.lon)
        if self.draft and len(self.draft) >= 2:
            perim = sum(haversine_m(*a, *b) for a, b in zip(self.draft, self.draft[1:], strict=False))
            text += f"   drawing: {len(self.draft)} corners, {perim:.0f} m"
        painter.setFont(QFont(painter.font().family(), 10, QFont.Weight.Bold))
        fm = painter.fontMetrics()
        box = QRectF(self.width() - fm.horizontalAdvance(text) - 20, self.height() - 28,
                     fm.horizontalAdvance(text) + 14, 22)
        painter.fillRect(box, t.readout_bg)
        painter.setPen(t.ink)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def colour(hex_code: str, alpha: int = 255) -> QColor:
    c = QColor(hex_code)
    c.setAlpha(alpha)
    return c
