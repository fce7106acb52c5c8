"""Manual corner adjustment (手动调整四角): the clerk puts the page's four corners on the frame.

Automatic page detection is never right every time (a white page on a white base, fingers on the
page, a page touching the frame edge; imaging.md §2.1), so when the pipeline is unsure
(``ProcessedPage.sure`` False) or the clerk asks, :class:`CornerEditor` shows the camera frame
with four handles. Drag a handle with the mouse, or pick one with Tab / 1–4 and move it with the
arrow keys (Shift: ten times faster); Enter accepts, Esc cancels. :meth:`CornerEditor.corners`
gives the corners in frame pixels, TL, TR, BR, BL, for
``process_camera_frame(frame, corners=...)``.

The dialog only shows and edits points; the caller runs the pipeline in an op.
"""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.imaging.pipeline import Corners, default_corners, order_corners
from app.imaging.profiles import Image

#: The frame is shown at most this big; handles are placed in frame pixels all the same.
DISPLAY_SIDE = 1280
HANDLE_RADIUS = 9
#: A press this close to a handle (screen pixels) picks it up.
GRAB_DISTANCE = 28
PAGE_COLOUR = QColor("#00c853")
ACTIVE_COLOUR = QColor("#ffab00")


def _display_image(frame: Image) -> tuple[QImage, float]:
    """A copy of ``frame`` small enough to show, as a QImage, and its scale to frame pixels."""
    height, width = frame.shape[:2]
    scale = min(1.0, DISPLAY_SIDE / max(width, height))
    small = frame
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = np.asarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    small = np.ascontiguousarray(small)
    if small.ndim == 2:
        image = QImage(
            small.data, small.shape[1], small.shape[0], small.strides[0], QImage.Format.Format_Grayscale8
        )
    else:
        image = QImage(
            small.data, small.shape[1], small.shape[0], small.strides[0], QImage.Format.Format_BGR888
        )
    return image.copy(), small.shape[1] / width  # copy: the QImage must not outlive the array


class CornerCanvas(QWidget):
    """The frame with the page outline and four draggable corner handles."""

    corners_did_change = Signal()

    def __init__(self, frame: Image, corners: Corners, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("corner_canvas")
        self._image, self._shown_scale = _display_image(frame)
        self._frame_size = (int(frame.shape[1]), int(frame.shape[0]))
        self._corners = np.array(corners, dtype=np.float32).reshape(4, 2)
        self._active = 0
        self._dragging = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)

    def sizeHint(self) -> QSize:
        return QSize(min(self._image.width(), 960), min(self._image.height(), 720))

    # --- geometry: frame pixels <-> widget pixels -------------------------------------------------

    def _view(self) -> tuple[float, float, float]:
        """Scale from frame pixels to widget pixels, and the top-left offset of the image."""
        width, height = self._frame_size
        scale = min(self.width() / width, self.height() / height)
        return scale, (self.width() - width * scale) / 2, (self.height() - height * scale) / 2

    def to_widget(self, x: float, y: float) -> QPointF:
        scale, ox, oy = self._view()
        return QPointF(ox + x * scale, oy + y * scale)

    def to_frame(self, point: QPointF) -> tuple[float, float]:
        scale, ox, oy = self._view()
        width, height = self._frame_size
        x = min(max((point.x() - ox) / scale, 0.0), width - 1.0)
        y = min(max((point.y() - oy) / scale, 0.0), height - 1.0)
        return x, y

    # --- the corners ----------------------------------------------------------------------------

    def corners(self) -> Corners:
        return self._corners.copy()

    def set_corners(self, corners: Corners) -> None:
        self._corners = np.array(corners, dtype=np.float32).reshape(4, 2)
        self.corners_did_change.emit()
        self.update()

    @property
    def active_handle(self) -> int:
        return self._active

    def select_handle(self, index: int) -> None:
        self._active = index % 4
        self.update()

    def move_handle(self, index: int, x: float, y: float) -> None:
        width, height = self._frame_size
        self._corners[index] = (min(max(x, 0.0), width - 1.0), min(max(y, 0.0), height - 1.0))
        self.corners_did_change.emit()
        self.update()

    def handle_at(self, point: QPointF) -> int | None:
        """The handle nearest ``point`` (widget pixels) if it is within reach."""
        best, best_distance = None, float(GRAB_DISTANCE)
        for index, (x, y) in enumerate(self._corners):
            at = self.to_widget(float(x), float(y))
            distance = float(np.hypot(at.x() - point.x(), at.y() - point.y()))
            if distance <= best_distance:
                best, best_distance = index, distance
        return best

    # --- input ------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.handle_at(event.position())
        if index is None or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._active, self._dragging = index, True
        self.update()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if not self._dragging:
            super().mouseMoveEvent(event)
            return
        self.move_handle(self._active, *self.to_frame(event.position()))
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragging = False
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        steps = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        if key in steps:
            # One step is one screen pixel (Shift: ten), whatever the frame's size.
            scale = self._view()[0]
            factor = (10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1) / scale
            dx, dy = steps[Qt.Key(key)]
            x, y = self._corners[self._active]
            self.move_handle(self._active, float(x) + dx * factor, float(y) + dy * factor)
            event.accept()
            return
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_4:
            self.select_handle(key - Qt.Key.Key_1)
            event.accept()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        # Tab walks the four handles (TL → TR → BR → BL) instead of leaving the picture.
        self.select_handle(self._active + (1 if next else -1))
        return True

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusInEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.update()
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#202020"))
        width, height = self._frame_size
        top_left = self.to_widget(0, 0)
        bottom_right = self.to_widget(width, height)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(QRectF(top_left, bottom_right), self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        points = [self.to_widget(float(x), float(y)) for x, y in self._corners]
        outline = QPolygonF(points)
        # Darken what will be cut away, so the kept page stands out.
        shade = QPainterPath()
        shade.addRect(QRectF(top_left, bottom_right))
        page = QPainterPath()
        page.addPolygon(outline)
        page.closeSubpath()
        painter.fillPath(shade.subtracted(page), QColor(0, 0, 0, 110))
        painter.setPen(QPen(PAGE_COLOUR, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolygon(outline)
        for index, point in enumerate(points):
            active = index == self._active
            painter.setPen(QPen(QColor("white"), 2))
            painter.setBrush(QBrush(ACTIVE_COLOUR if active else PAGE_COLOUR))
            radius = HANDLE_RADIUS + (3 if active and self.hasFocus() else 0)
            painter.drawEllipse(point, radius, radius)
            painter.setPen(QColor("black"))
            painter.drawText(
                QRectF(point.x() - 8, point.y() - 8, 16, 16), Qt.AlignmentFlag.AlignCenter, str(index + 1)
            )
        painter.end()


class CornerEditor(QDialog):
    """Ask the clerk for the page's corners on a camera frame; :meth:`corners` once accepted.

    ``corners`` is where the handles start (the detected outline); None starts from the frame
    inset by 5 %. ``unsure`` says why the dialog is shown (detection unsure, or asked for).
    """

    def __init__(
        self,
        frame: Image,
        corners: Corners | None = None,
        *,
        unsure: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("corner_editor")
        self.setWindowTitle(self.tr("调整纸张四角"))
        height, width = frame.shape[:2]
        start = default_corners(width, height) if corners is None else np.asarray(corners, np.float32)
        self._start = start.copy()
        self._full = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
        self.canvas = CornerCanvas(frame, start, self)
        if unsure:
            text = self.tr("没能确定纸张的边缘。请把四个角点拖到纸张的四个角上，然后按 Enter 确认。")
        else:
            text = self.tr("把四个角点拖到纸张的四个角上，然后按 Enter 确认。")
        self.hint = QLabel(
            text + "\n" + self.tr("键盘：Tab 或 1–4 选角点，方向键微调（按住 Shift 移动更快），Esc 取消。")
        )
        self.hint.setObjectName("corner_hint")
        self.hint.setWordWrap(True)
        self.reset_button = QPushButton(self.tr("恢复识别结果"))
        self.reset_button.setObjectName("corners_reset")
        self.reset_button.clicked.connect(lambda: self.canvas.set_corners(self._start))
        self.full_button = QPushButton(self.tr("使用整个画面"))
        self.full_button.setObjectName("corners_full_frame")
        self.full_button.setToolTip(self.tr("纸张铺满画面或无法看清边缘时使用"))
        self.full_button.clicked.connect(lambda: self.canvas.set_corners(self._full))
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(self.tr("确定 (Enter)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
        cancel = buttons.addButton(self.tr("取消 (Esc)"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        self.reset_button.setAutoDefault(False)
        self.full_button.setAutoDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.reset_button)
        row.addWidget(self.full_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(row)
        self.resize(1000, 820)
        self.canvas.setFocus()

    def corners(self) -> Corners:
        """The four corners in frame pixels, ordered TL, TR, BR, BL by position."""
        return order_corners(self.canvas.corners())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter accepts wherever the focus is (the canvas keeps it for the arrow keys).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept()
            return
        super().keyPressEvent(event)
