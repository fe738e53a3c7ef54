"""Questions the app asks the user, behind one injectable object.

Dangerous actions (upload, arm, take off, RTL, land…) ask for confirmation and files are chosen
in dialogs. Tests and scripted demos replace ``Asker`` with one that answers by itself, so the
real widgets run unchanged under pytest-qt.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget


class Asker:
    """Asks with modal Qt dialogs (the real app)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def confirm(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self.parent)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Yes

    def open_path(self, title: str, filters: str, directory: bool = False) -> str | None:
        if directory:
            return QFileDialog.getExistingDirectory(self.parent, title) or None
        path, _ = QFileDialog.getOpenFileName(self.parent, title, "", filters)
        return path or None

    def save_path(self, title: str, filters: str, suggested: str = "") -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, title, suggested, filters)
        return path or None

    def text(self, title: str, label: str, default: str = "") -> str | None:
        value, ok = QInputDialog.getText(self.parent, title, label, text=default)
        return value if ok else None

    def inform(self, title: str, text: str) -> None:
        QMessageBox.information(self.parent, title, text)


class ScriptedAsker(Asker):
    """Answers from a script: confirmations say ``yes`` (or call ``on_confirm``), paths come from queues.

    Every question is recorded in ``asked`` so a test can check that a dangerous action did ask.
    """

    def __init__(self, yes: bool = True, paths: list[str] | None = None, texts: list[str] | None = None,
                 on_confirm: Callable[[str, str], bool] | None = None) -> None:
        super().__init__(None)
        self.yes, self.paths, self.texts = yes, list(paths or []), list(texts or [])
        self.on_confirm = on_confirm
        self.asked: list[tuple[str, str]] = []

    def confirm(self, title: str, text: str) -> bool:
        self.asked.append((title, text))
        return self.on_confirm(title, text) if self.on_confirm else self.yes

    def open_path(self, title: str, filters: str, directory: bool = False) -> str | None:
        self.asked.append((title, filters))
        return self.paths.pop(0) if self.paths else None

    def save_path(self, title: str, filters: str, suggested: str = "") -> str | None:
        self.asked.append((title, filters))
        return self.paths.pop(0) if self.paths else None

    def text(self, title: str, label: str, default: str = "") -> str | None:
        self.asked.append((title, label))
        return self.texts.pop(0) if self.texts else None

    def inform(self, title: str, text: str) -> None:
        self.asked.append((title, text))
