"""View state for the desktop app as plain Python (no Qt), napari-style.

Widgets render these models and write user input back through their methods; a model emits
an event only when a value really changes, so widget → model → widget never loops.
"""

from __future__ import annotations

from dataclasses import dataclass

from ui.app.observable import Observable

LAYERS: tuple[tuple[str, str], ...] = (
    ("area", "Search area and exclusions"),
    ("plan", "Planned path and waypoints"),
    ("vehicles", "Vehicles, trails and camera footprints"),
    ("coverage", "Coverage and POD heat"),
    ("gaps", "Coverage gaps"),
    ("sightings", "Sightings"),
    ("grid", "Coordinate grid"),
)


class MapState(Observable):
    """Where the map looks: centre (lat, lon) and a fractional Web-Mercator zoom. North is up."""

    MIN_ZOOM = 2.0
    MAX_ZOOM = 21.0

    def __init__(self, lat: float = 0.0, lon: float = 0.0, zoom: float = 15.0) -> None:
        super().__init__()
        self.lat, self.lon, self.zoom = lat, lon, zoom
        self.cursor: tuple[float, float] | None = None

    def set_view(self, lat: float, lon: float, zoom: float | None = None) -> None:
        """Move the map; emits ``"view"`` if anything changed."""
        zoom = self.zoom if zoom is None else max(self.MIN_ZOOM, min(self.MAX_ZOOM, zoom))
        lat = max(-85.0, min(85.0, lat))
        lon = (lon + 180.0) % 360.0 - 180.0
        if (lat, lon, zoom) != (self.lat, self.lon, self.zoom):
            self.lat, self.lon, self.zoom = lat, lon, zoom
            self.emit("view", (lat, lon, zoom))

    def set_cursor(self, latlon: tuple[float, float] | None) -> None:
        """The ground position under the mouse (shown in the status bar)."""
        if latlon != self.cursor:
            self.cursor = latlon
            self.emit("cursor", latlon)


class LayerState(Observable):
    """Which map layers are shown."""

    def __init__(self) -> None:
        super().__init__()
        self._visible = {name: True for name, _ in LAYERS}

    def visible(self, name: str) -> bool:
        return self._visible.get(name, True)

    def set_visible(self, name: str, on: bool) -> None:
        """Show or hide a layer; emits ``"layer"`` with ``(name, on)`` only on a change."""
        if self._visible.get(name) != on:
            self._visible[name] = on
            self.emit("layer", (name, on))

    def as_dict(self) -> dict[str, bool]:
        return dict(self._visible)


@dataclass(frozen=True)
class MapMarker:
    """A point to draw on the map (a sighting, a datum) with a label and a state colour key."""

    lat: float
    lon: float
    label: str
    kind: str = "sighting"
    state: str = "new"
    key: str = ""


@dataclass(frozen=True)
class VehicleView:
    """What the map draws for one vehicle: where it is, where it points, where it has been."""

    key: str
    lat: float
    lon: float
    heading_deg: float
    trail: tuple[tuple[float, float], ...] = ()
    footprint: tuple[tuple[float, float], ...] = ()
    label: str = ""
    link_ok: bool = True


@dataclass(frozen=True)
class Shape:
    """A lon/lat polygon ring (outer only) with a value in [0, 1] for colouring (POD, coverage)."""

    ring: tuple[tuple[float, float], ...]
    value: float = 1.0


class Overlays(Observable):
    """Live and reviewed things drawn over the map: vehicles, tracks, coverage, gaps, sightings.

    Each setter replaces one layer's content and emits the layer name; the map repaints at its
    own bounded rate.
    """

    def __init__(self) -> None:
        super().__init__()
        self.vehicles: tuple[VehicleView, ...] = ()
        self.tracks: tuple[tuple[tuple[float, float], ...], ...] = ()
        self.coverage: tuple[Shape, ...] = ()
        self.gaps: tuple[Shape, ...] = ()
        self.sightings: tuple[MapMarker, ...] = ()
        self.selected: str | None = None

    def set(self, layer: str, value) -> None:
        """Replace one layer (``"vehicles"``, ``"tracks"``, ``"coverage"``, ``"gaps"``, ``"sightings"``)."""
        value = tuple(value)
        if getattr(self, layer) != value:
            setattr(self, layer, value)
            self.emit(layer, value)

    def select(self, key: str | None) -> None:
        if key != self.selected:
            self.selected = key
            self.emit("selected", key)
