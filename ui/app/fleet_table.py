"""The Fly tab's fleet table: one compact row per vehicle, the Qt side of ``fleet_status``.

It only copies :class:`~ui.app.fleet_status.FleetRow` text and colours into cells, and only the
cells that changed, so the 10 Hz status timer stays cheap. A click on a row is told through
``picked``. The selected vehicle is marked with a ▶ rather than Qt's selection colour, which
would paint over the red or amber of the very vehicle being watched.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor
from PyQt6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from ui.app.fleet_status import COLUMNS, FleetRow

TOP_LEFT = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
# level -> (background, text): strong enough for sunlight, and readable in both themes
COLOURS = {"lost": ("#c62828", "#ffffff"), "low": ("#ffb300", "#000000")}


class FleetTable(QTableWidget):
    """Every vehicle's essentials; LINK LOST rows red, battery-below-reserve rows amber."""

    picked = pyqtSignal(str)  # the key of the vehicle whose row the user clicked

    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setHorizontalHeaderLabels([heading for heading, _ in COLUMNS])
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(False)
        self.setAccessibleName("Fleet status")
        self._rows: list[tuple[FleetRow, bool]] = []  # what each row shows now, and whether it is selected
        self.cellClicked.connect(lambda r, _c: self._on_click(r))
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # always as tall as its rows
        self.horizontalScrollBar().rangeChanged.connect(lambda *_: self._fit_height())
        self._fit_height()

    def show_rows(self, rows: list[FleetRow], selected: str | None) -> None:
        """Render ``rows``, touching only the rows that changed, with ``selected``'s row marked."""
        if len(rows) != self.rowCount():
            self.setRowCount(len(rows))
            self._rows = self._rows[: len(rows)]
            self._fit_height()
        shown = [(row, row.key == selected) for row in rows]
        for r, now in enumerate(shown):
            old = self._rows[r] if r < len(self._rows) else None
            if now != old:
                self._render(r, *now, restyle=old is None or old[0].level != now[0].level or old[1] != now[1])
        self._rows = shown

    def key_at(self, row: int) -> str | None:
        """The vehicle shown in table row ``row`` (None outside the table)."""
        return self._rows[row][0].key if 0 <= row < len(self._rows) else None

    def _render(self, r: int, row: FleetRow, selected: bool, restyle: bool) -> None:
        colours = COLOURS.get(row.level)
        cells = row.cells()
        texts = (("▶ " if selected else "") + cells[0], *cells[1:])
        for c, text in enumerate(texts):
            item = self.item(r, c)
            if item is None:
                item = QTableWidgetItem()
                item.setTextAlignment(TOP_LEFT)  # line n of every cell side by side
                self.setItem(r, c, item)
                restyle = True
            if item.text() != text:
                item.setText(text)
            item.setToolTip(row.summary)
            if restyle:
                item.setBackground(QBrush(QColor(colours[0])) if colours else QBrush())
                item.setForeground(QBrush(QColor(colours[1])) if colours else QBrush())

    def _fit_height(self) -> None:
        """As tall as its rows (no scrolling for a handful of drones), so the status below keeps its room."""
        rows = max(1, self.rowCount())
        lines = max(len(names) for _, names in COLUMNS)
        self.verticalHeader().setDefaultSectionSize(lines * self.fontMetrics().lineSpacing() + 8)
        height = self.horizontalHeader().sizeHint().height() + rows * self.verticalHeader().defaultSectionSize()
        if self.horizontalScrollBar().maximum() > 0:  # a narrow window: keep the last row above the scroll bar
            height += self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(height + 2 * self.frameWidth() + 4)

    def _on_click(self, row: int) -> None:
        key = self.key_at(row)
        if key is not None:
            self.picked.emit(key)
