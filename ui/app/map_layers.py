"""Painters for the map's layers, in the order they stack.

Each painter reads one model and draws it in screen coordinates through ``view.to_screen``.
Colours come from a ``MapTheme`` so the light (sunlight) and dark themes stay readable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF

if TYPE_CHECKING:
    from ui.app.map_view import MapView


def _c(code: str, alpha: int = 255) -> QColor:
    c = QColor(code)
    c.setAlpha(alpha)
    return c


@dataclass(frozen=True)
class MapTheme:
    """Map colours. High contrast first: lines are thick and dark on light, bright on dark."""

    background: QColor
    grid: QColor
    grid_text: QColor
    ink: QColor
    readout_bg: QColor
    area: QColor
    exclusion: QColor
    path: QColor
    waypoint: QColor
    vehicle: QColor
    trail: QColor
    footprint: QColor
    gap: QColor
    sighting_new: QColor
    sighting_confirmed: QColor
    sighting_rejected: QColor


LIGHT = MapTheme(
    background=_c("#f4f1e8"), grid=_c("#b9b4a6"), grid_text=_c("#3d3a33"), ink=_c("#000000"),
    readout_bg=_c("#ffffff", 220), area=_c("#0047ab"), exclusion=_c("#c00000"), path=_c("#e05a00"),
    waypoint=_c("#000000"), vehicle=_c("#7a00c2"), trail=_c("#7a00c2", 160), footprint=_c("#00a000"),
    gap=_c("#d40000"), sighting_new=_c("#ff00aa"), sighting_confirmed=_c("#008a00"),
    sighting_rejected=_c("#777777"),
)

DARK = MapTheme(
    background=_c("#1b1f24"), grid=_c("#3c4550"), grid_text=_c("#c8d0da"), ink=_c("#ffffff"),
    readout_bg=_c("#000000", 200), area=_c("#4fb3ff"), exclusion=_c("#ff5c5c"), path=_c("#ffb000"),
    waypoint=_c("#ffffff"), vehicle=_c("#e27bff"), trail=_c("#e27bff", 160), footprint=_c("#5cff5c"),
    gap=_c("#ff4040"), sighting_new=_c("#ff4fd0"), sighting_confirmed=_c("#5cff5c"),
    sighting_rejected=_c("#9a9a9a"),
)

VEHICLE_COLOURS = ("#7a00c2", "#0077cc", "#cc5500", "#008866", "#aa0055", "#556600")


def _ring(view: MapView, ring_lonlat) -> QPolygonF:
    return QPolygonF([view.to_screen(lat, lon) for lon, lat in ring_lonlat])


def paint_all(view: MapView, p: QPainter) -> None:
    """Draw every visible layer, bottom to top."""
    layers = view.layers
    if layers.visible("coverage"):
        paint_coverage(view, p)
    if layers.visible("gaps"):
        paint_gaps(view, p)
    if layers.visible("area"):
        paint_area(view, p)
    if layers.visible("plan"):
        paint_plan(view, p)
    if layers.visible("vehicles"):
        paint_tracks(view, p)
        paint_vehicles(view, p)
    if layers.visible("sightings"):
        paint_sightings(view, p)
    paint_draft(view, p)


def paint_area(view: MapView, p: QPainter) -> None:
    area, t = view.plan.area, view.theme
    if area is not None:
        path = QPainterPath()
        path.addPolygon(_ring(view, area.polygon.exterior.coords))
        for hole in area.polygon.interiors:
            path.addPolygon(_ring(view, hole.coords))
        path.setFillRule(Qt.FillRule.OddEvenFill)
        fill = QColor(t.area)
        fill.setAlpha(40)
        p.setPen(QPen(t.area, 3))
        p.setBrush(fill)
        p.drawPath(path)
        for ex in area.exclusions:
            p.setPen(QPen(t.exclusion, 3, Qt.PenStyle.DashLine))
            p.setBrush(QBrush(t.exclusion, Qt.BrushStyle.BDiagPattern))
            p.drawPolygon(_ring(view, ex.exterior.coords))
        p.setBrush(Qt.BrushStyle.NoBrush)
        # corner handles, so a pilot sees what can be dragged
        for ring, colour in [(area.polygon.exterior, t.area)] + [(e.exterior, t.exclusion) for e in area.exclusions]:
            for lon, lat in list(ring.coords)[:-1]:
                q = view.to_screen(lat, lon)
                p.setPen(QPen(colour, 2))
                p.setBrush(QColor("white"))
                p.drawRect(QRectF(q.x() - 4, q.y() - 4, 8, 8))
        p.setBrush(Qt.BrushStyle.NoBrush)
    datum = view.plan.datum
    if datum is not None:
        q = view.to_screen(datum.lat, datum.lon)
        p.setPen(QPen(t.exclusion, 3))
        p.drawLine(QPointF(q.x() - 10, q.y() - 10), QPointF(q.x() + 10, q.y() + 10))
        p.drawLine(QPointF(q.x() - 10, q.y() + 10), QPointF(q.x() + 10, q.y() - 10))
        p.drawText(QPointF(q.x() + 12, q.y() - 8), "LKP")


def paint_plan(view: MapView, p: QPainter) -> None:
    t = view.theme
    p.setFont(QFont(p.font().family(), 8, QFont.Weight.Bold))
    for k, plan in enumerate(view.plan.plans):
        pts = [view.to_screen(w.lat, w.lon) for w in plan.waypoints]
        if not pts:
            continue
        colour = t.path if k == 0 else QColor(VEHICLE_COLOURS[k % len(VEHICLE_COLOURS)])
        p.setPen(QPen(colour, 2.5))
        p.drawPolyline(QPolygonF(pts))
        last_label = None
        for i, q in enumerate(pts):
            # number every waypoint that has room; the first and last always
            roomy = last_label is None or (q - last_label).manhattanLength() > 26
            if roomy or i == len(pts) - 1:
                last_label = q
                p.setPen(QPen(t.waypoint, 1))
                p.setBrush(colour)
                p.drawEllipse(q, 7, 7)
                p.setPen(QColor("white"))
                p.drawText(QRectF(q.x() - 10, q.y() - 7, 20, 14), Qt.AlignmentFlag.AlignCenter, str(i + 1))
        p.setBrush(Qt.BrushStyle.NoBrush)


def paint_tracks(view: MapView, p: QPainter) -> None:
    t = view.theme
    p.setPen(QPen(t.trail, 2))
    for track in view.overlays.tracks:
        if len(track) >= 2:
            p.drawPolyline(QPolygonF([view.to_screen(lat, lon) for lat, lon in track]))


def paint_vehicles(view: MapView, p: QPainter) -> None:
    t = view.theme
    for k, v in enumerate(view.overlays.vehicles):
        colour = QColor(VEHICLE_COLOURS[k % len(VEHICLE_COLOURS)])
        if v.footprint:
            fill = QColor(t.footprint)
            fill.setAlpha(50)
            p.setPen(QPen(t.footprint, 2))
            p.setBrush(fill)
            p.drawPolygon(QPolygonF([view.to_screen(lat, lon) for lat, lon in v.footprint]))
        if len(v.trail) >= 2:
            trail = QColor(colour)
            trail.setAlpha(170)
            p.setPen(QPen(trail, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPolyline(QPolygonF([view.to_screen(lat, lon) for lat, lon in v.trail]))
        q = view.to_screen(v.lat, v.lon)
        a = math.radians(v.heading_deg)
        def rot(dx: float, dy: float, q=q, a=a) -> QPointF:
            return QPointF(q.x() + dx * math.cos(a) - dy * math.sin(a), q.y() + dx * math.sin(a) + dy * math.cos(a))
        arrow = QPolygonF([rot(0, -16), rot(10, 11), rot(0, 5), rot(-10, 11)])
        p.setPen(QPen(QColor("white") if v.link_ok else QColor("red"), 2))
        p.setBrush(colour)
        p.drawPolygon(arrow)
        p.setPen(t.ink)
        p.setFont(QFont(p.font().family(), 9, QFont.Weight.Bold))
        p.drawText(QPointF(q.x() + 14, q.y() + 4), v.label or v.key)
    p.setBrush(Qt.BrushStyle.NoBrush)


def paint_coverage(view: MapView, p: QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    for shape in view.overlays.coverage:
        v = max(0.0, min(1.0, shape.value))
        # POD heat: low = yellow, high = green
        c = QColor.fromHsvF(0.16 + 0.17 * v, 0.9, 0.85, 0.35 + 0.25 * v)
        p.setBrush(c)
        p.drawPolygon(_ring(view, shape.ring))
    p.setBrush(Qt.BrushStyle.NoBrush)


def paint_gaps(view: MapView, p: QPainter) -> None:
    t = view.theme
    p.setPen(QPen(t.gap, 2, Qt.PenStyle.DotLine))
    p.setBrush(QBrush(t.gap, Qt.BrushStyle.Dense6Pattern))
    for shape in view.overlays.gaps:
        p.drawPolygon(_ring(view, shape.ring))
    p.setBrush(Qt.BrushStyle.NoBrush)


def paint_sightings(view: MapView, p: QPainter) -> None:
    t = view.theme
    colours = {"confirmed": t.sighting_confirmed, "rejected": t.sighting_rejected}
    p.setFont(QFont(p.font().family(), 9, QFont.Weight.Bold))
    for m in view.overlays.sightings:
        q = view.to_screen(m.lat, m.lon)
        colour = colours.get(m.state, t.sighting_new)
        selected = m.key == view.overlays.selected
        p.setPen(QPen(QColor("black"), 4 if selected else 2))
        p.setBrush(colour)
        r = 11 if selected else 8
        diamond = QPolygonF([QPointF(q.x(), q.y() - r), QPointF(q.x() + r, q.y()),
                             QPointF(q.x(), q.y() + r), QPointF(q.x() - r, q.y())])
        p.drawPolygon(diamond)
        p.setPen(t.ink)
        p.drawText(QPointF(q.x() + r + 3, q.y() - 3), m.label)
    p.setBrush(Qt.BrushStyle.NoBrush)


def paint_draft(view: MapView, p: QPainter) -> None:
    if not view.draft:
        return
    t = view.theme
    colour = t.exclusion if view.tool == "exclusion" else t.area
    pts = [view.to_screen(lat, lon) for lat, lon in view.draft]
    cursor = view.view.cursor
    if cursor is not None:
        pts.append(view.to_screen(*cursor))
    p.setPen(QPen(colour, 2, Qt.PenStyle.DashLine))
    p.drawPolyline(QPolygonF(pts))
    p.setBrush(colour)
    for q in pts[: len(view.draft)]:
        p.drawEllipse(q, 4, 4)
    p.setBrush(Qt.BrushStyle.NoBrush)
