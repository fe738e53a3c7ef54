"""Application themes: a high-contrast light theme for sunlight and a dark theme for night.

Big fonts and thick borders on purpose: the app is used on a laptop on a car bonnet, in gloves.
"""

from __future__ import annotations

from PyQt6.QtWidgets import QApplication

from ui.app import map_layers

_LIGHT = """
QWidget { background: #ffffff; color: #000000; font-size: 11pt; }
QMainWindow, QDockWidget { background: #f0f0f0; }
QDockWidget::title { background: #000000; color: #ffffff; padding: 4px; font-weight: bold; }
QPushButton { background: #ffffff; border: 2px solid #000000; border-radius: 4px; padding: 4px 10px; }
QPushButton:hover { background: #e6f0ff; }
QPushButton:disabled { color: #8a8a8a; border-color: #a0a0a0; }
QPushButton[flight="true"] { font-size: 14pt; font-weight: bold; min-height: 44px; min-width: 96px; }
QPushButton[danger="true"] { background: #b00000; color: #ffffff; border-color: #600000; }
QPushButton[danger="true"]:disabled { background: #d8a8a8; }
QLineEdit, QSpinBox, QDoubleSpinBox, QComboBox, QListWidget, QPlainTextEdit, QTableWidget {
  border: 2px solid #000000; background: #ffffff; selection-background-color: #0047ab; selection-color: #ffffff; }
QLabel[role="stat"] { font-size: 13pt; font-weight: bold; }
QLabel[role="error"] { color: #b00000; font-weight: bold; }
QLabel#linkLost { background: #d00000; color: #ffffff; font-size: 20pt; font-weight: bold; padding: 8px; }
QLabel#alert { background: #ffd400; color: #000000; font-size: 14pt; font-weight: bold; padding: 6px; }
QStatusBar { background: #000000; color: #ffffff; font-weight: bold; }
QTabBar::tab { padding: 8px 16px; border: 2px solid #000000; font-weight: bold; }
QTabBar::tab:selected { background: #000000; color: #ffffff; }
"""

_DARK = """
QWidget { background: #15191e; color: #f2f2f2; font-size: 11pt; }
QMainWindow, QDockWidget { background: #101318; }
QDockWidget::title { background: #2b3440; color: #ffffff; padding: 4px; font-weight: bold; }
QPushButton { background: #22303d; border: 2px solid #9fb3c8; border-radius: 4px; padding: 4px 10px; color: #ffffff; }
QPushButton:hover { background: #2f4254; }
QPushButton:disabled { color: #66707a; border-color: #444c55; }
QPushButton[flight="true"] { font-size: 14pt; font-weight: bold; min-height: 44px; min-width: 96px; }
QPushButton[danger="true"] { background: #c62828; color: #ffffff; border-color: #ff8a80; }
QPushButton[danger="true"]:disabled { background: #5a2a2a; }
QLineEdit, QSpinBox, QDoubleSpinBox, QComboBox, QListWidget, QPlainTextEdit, QTableWidget {
  border: 2px solid #9fb3c8; background: #0d1014; color: #ffffff; selection-background-color: #4fb3ff; selection-color: #000000; }
QLabel[role="stat"] { font-size: 13pt; font-weight: bold; }
QLabel[role="error"] { color: #ff7070; font-weight: bold; }
QLabel#linkLost { background: #ff1f1f; color: #ffffff; font-size: 20pt; font-weight: bold; padding: 8px; }
QLabel#alert { background: #ffd400; color: #000000; font-size: 14pt; font-weight: bold; padding: 6px; }
QStatusBar { background: #000000; color: #ffffff; font-weight: bold; }
QTabBar::tab { padding: 8px 16px; border: 2px solid #9fb3c8; font-weight: bold; }
QTabBar::tab:selected { background: #4fb3ff; color: #000000; }
"""

THEMES = {"light": (_LIGHT, map_layers.LIGHT), "dark": (_DARK, map_layers.DARK)}


def apply_theme(app: QApplication, name: str, maps=()) -> None:
    """Style the whole application and recolour the given map views."""
    sheet, palette = THEMES.get(name, THEMES["light"])
    if app.styleSheet() != sheet:  # restyling re-polishes every widget: only when it changes
        app.setStyleSheet(sheet)
    for m in maps:
        m.theme = palette
        m.update()
