"""叫号 panel: the number being served and the queue keys (F1 叫号 … F5 暂停).

The queue module (排队叫号) is not switched on in this build, so the buttons exist with their keys
but stay disabled and say why in their tooltip; the help overlay reads the same buttons.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

NO_NUMBER = "—"
QUEUE_DISABLED_TIP = "排队叫号模块尚未启用"
NUMBER_FONT_SCALE = 3.0

#: (object name, text, key) of every queue button, in screen order.
QUEUE_ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("call_next", "叫号", "F1"),
    ("recall", "重呼", "F2"),
    ("skip", "过号", "F3"),
    ("transfer", "转移", "F4"),
    ("pause", "暂停", "F5"),
)


class QueuePanel(QGroupBox):
    """Shows the current ticket number; its buttons carry the queue shortcuts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("叫号", parent)
        self.setObjectName("queue_panel")
        self.number_label = QLabel(NO_NUMBER)
        self.number_label.setObjectName("current_number")
        self.number_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * NUMBER_FONT_SCALE)
        big.setBold(True)
        self.number_label.setFont(big)
        caption = QLabel("当前号码")
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for index, (name, text, key) in enumerate(QUEUE_ACTIONS):
            button = QPushButton(f"{text} {key}")
            button.setObjectName(name)
            button.setShortcut(QKeySequence(key))
            button.setEnabled(False)
            button.setToolTip(QUEUE_DISABLED_TIP)
            self.buttons[name] = button
            grid.addWidget(button, index // 2, index % 2)

        layout = QVBoxLayout(self)
        layout.addWidget(caption)
        layout.addWidget(self.number_label)
        layout.addLayout(grid)
        layout.addStretch(1)

    def current_number(self) -> str:
        return self.number_label.text()
