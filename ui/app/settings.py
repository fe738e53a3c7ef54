"""Remembered settings: theme, tile source, recent files and connections, window layout (no Qt).

Stored as JSON in the user's config folder (platformdirs), written atomically so a crash never
leaves a half-written settings file; an unreadable file is set aside and defaults are used.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import platformdirs

from search_patterns.atomic import write_atomic

RECENT_MAX = 10


@dataclass
class Settings:
    """Everything the app remembers between runs."""

    theme: str = "light"
    tile_source: str | None = None
    recent_files: list[str] = field(default_factory=list)
    recent_connections: list[str] = field(default_factory=list)
    recent_missions: list[str] = field(default_factory=list)
    window_geometry: str | None = None  # base64 of QMainWindow.saveGeometry()
    window_state: str | None = None  # base64 of QMainWindow.saveState()
    map_view: tuple[float, float, float] | None = None  # lat, lon, zoom
    spacing_m: float = 30.0
    alt_m: float = 50.0
    speed_m_s: float = 10.0
    missions_dir: str | None = None  # where live flights write their mission folders

    def remember(self, kind: str, value: str) -> None:
        """Put ``value`` first in a recent list (``"files"``, ``"connections"``, ``"missions"``)."""
        items: list[str] = getattr(self, f"recent_{kind}")
        if value in items:
            items.remove(value)
        items.insert(0, value)
        del items[RECENT_MAX:]


def default_missions_dir() -> Path:
    """``~/.local/share/sargc/missions`` or the platform's equivalent."""
    return Path(platformdirs.user_data_dir("sargc", appauthor=False)) / "missions"


def default_path() -> Path:
    """``~/.config/sargc/settings.json`` or the platform's equivalent."""
    return Path(platformdirs.user_config_dir("sargc", appauthor=False)) / "settings.json"


def load_settings(path: Path | None = None) -> Settings:
    """Read settings; a missing or damaged file gives defaults (the damaged one is kept aside)."""
    path = path or default_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(Settings)}
        s = Settings(**{k: v for k, v in raw.items() if k in known})
        if s.map_view is not None:
            s.map_view = tuple(s.map_view)  # type: ignore[assignment]
        return s
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError, TypeError):
        try:
            path.replace(path.with_suffix(".json.bad"))
        except OSError:
            pass
        return Settings()


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write settings atomically."""
    return write_atomic(path or default_path(), json.dumps(asdict(settings), indent=2))
