"""``sargc gui``: open the desktop application."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("gui")
@click.option("--area", type=click.Path(exists=True, dir_okay=False), help="Search area file to open (KML, GeoJSON, .plan).")
@click.option("--mission", "mission_dir", type=click.Path(exists=True, file_okay=False),
              help="Mission folder to open in the Review tab.")
@click.option("--tiles", type=click.Path(exists=True), help="Offline map tiles: XYZ folder or .mbtiles file.")
@click.option("--connect", "conn", help="Connect to a vehicle at start (e.g. tcp:127.0.0.1:5760).")
@click.option("--theme", type=click.Choice(["light", "dark"]), help="Colour theme (remembered).")
@click.option("--settings", "settings_file", type=click.Path(dir_okay=False),
              help="Settings file to use instead of the per-user one.")
@click.option("--screenshot", type=click.Path(dir_okay=False),
              help="Save a PNG of the window after --wait seconds and quit (for checks).")
@click.option("--wait", default=3.0, show_default=True, help="Seconds before --screenshot is taken.")
def gui(area, mission_dir, tiles, conn, theme, settings_file, screenshot, wait) -> None:
    """Open the SAR Ground Control desktop app (map, plan, fly, sightings, review).

    \b
    Examples:
      sargc gui
      sargc gui --area search.kml --tiles ~/maps/region.mbtiles --theme dark
      sargc gui --mission missions/2026-11-30T14-05-12
    """
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from ui.app.main_window import MainWindow
    from ui.app.settings import default_path, load_settings

    settings_path = Path(settings_file) if settings_file else default_path()
    settings = load_settings(settings_path)
    if theme:
        settings.theme = theme
    if tiles:
        settings.tile_source = str(Path(tiles).resolve())
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("SAR Ground Control")
    window = MainWindow(settings, settings_path)
    if area:
        window.plan_panel.import_file(area)
    if mission_dir:
        window.show_tab(window.coordinator)
        window.coordinator.open(mission_dir)
    if conn:
        window.show_tab(window.fly_panel)
        window.fly_panel.connect_to(conn)
    window.show()
    if screenshot:
        def shoot() -> None:
            # on a real display grab the screen's pixels (what the X server shows), else render
            screen = app.primaryScreen()
            real = app.platformName() not in ("offscreen", "minimal") and screen is not None
            (screen.grabWindow(0) if real else window.grab()).save(screenshot)
            window.close()
        QTimer.singleShot(int(wait * 1000), shoot)
    app.exec()
