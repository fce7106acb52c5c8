"""Keyboard help (快捷键) drawn over the window: F12 or ? shows and hides it, Esc hides it.

Counter clerks work with one hand on the keyboard and the other on documents; the overlay lists
every key the window answers to, greyed out where the module behind it is not switched on.
It covers its parent completely and follows the parent's size.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

HELP_KEY = "F12"
# Characters that toggle the help outside text fields. Matched by the text a key press produces,
# not by key code, because "?" needs Shift on most layouts and is "？" with Chinese punctuation.
HELP_CHARACTERS = frozenset({"?", "？"})
SCRIM_ALPHA = 170


@dataclass(frozen=True)
class KeyHelp:
    """One line of the overlay: the key(s), what they do, and whether they work right now."""

    keys: str
    action: str
    enabled: bool = True
    why_disabled: str = ""


class HelpOverlay(QWidget):
    """A dimmed layer with a card listing :class:`KeyHelp` lines; hidden until toggled."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("help_overlay")
        self._card = QFrame(self)
        self._card.setObjectName("help_card")
        self._card.setFrameShape(QFrame.Shape.StyledPanel)
        self._card.setAutoFillBackground(True)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(self.fontMetrics().averageCharWidth() * 3)
        title = QLabel(self.tr("快捷键"))
        title_font = QFont(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.4)
        title_font.setBold(True)
        title.setFont(title_font)
        footer = QLabel(self.tr("按 F12、? 或 Esc 关闭"))
        card_layout = QVBoxLayout(self._card)
        card_layout.addWidget(title)
        card_layout.addLayout(self._grid)
        card_layout.addWidget(footer)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(self._card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        parent.installEventFilter(self)
        self.setGeometry(parent.rect())
        self.hide()

    def set_lines(self, lines: list[KeyHelp]) -> None:
        while self._grid.count():
            taken = self._grid.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        for row, line in enumerate(lines):
            key = QLabel(line.keys)
            key_font = QFont(key.font())
            key_font.setBold(True)
            key.setFont(key_font)
            action = QLabel(
                line.action
                if line.enabled
                else self.tr("{action}（{why}）").format(action=line.action, why=line.why_disabled)
            )
            for label in (key, action):
                label.setEnabled(line.enabled)
                self._grid.addWidget(label, row, 0 if label is key else 1)

    def lines_text(self) -> list[str]:
        """Each line as "key  action", as a reader of the overlay sees it."""
        texts = []
        for row in range(self._grid.rowCount()):
            cells = [self._grid.itemAtPosition(row, column) for column in (0, 1)]
            labels = [cell.widget() for cell in cells if cell is not None]
            texts.append("  ".join(label.text() for label in labels if isinstance(label, QLabel)))
        return [text for text in texts if text]

    def toggle(self) -> None:
        self.set_shown(not self.isVisible())

    def set_shown(self, shown: bool) -> None:
        if shown:
            parent = self.parentWidget()
            if parent is not None:
                self.setGeometry(parent.rect())
            self.raise_()
        self.setVisible(shown)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        parent = self.parentWidget()
        if parent is not None and watched is parent and event.type() == QEvent.Type.Resize:
            self.setGeometry(parent.rect())
        return super().eventFilter(watched, event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        scrim = QColor(self.palette().color(self.palette().ColorRole.Shadow))
        scrim.setAlpha(SCRIM_ALPHA)
        painter.fillRect(self.rect(), scrim)
        painter.end()
        super().paintEvent(event)
