"""Page strip (页面条): a material's pages as thumbnails in paper order, with their verdicts.

Each thumbnail carries the page number, a green or red verdict of the page against the active
output profile (:func:`app.imaging.profiles.check_page`, the reason in Chinese as the core words
it) and, for a page that looks empty, the badge "疑似空白页": blank candidates are shown to the
clerk, never dropped.

The strip changes nothing itself. Dragging a thumbnail to another place, Alt+←/→, Ctrl+R,
Ctrl+Shift+R and Delete become signals (``page_did_request_move`` …) that the capture panel turns
into ops; the strip is redrawn from the stored pages afterwards, so what it shows is always what
was saved. Files dropped on it arrive as ``files_did_drop``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QByteArray,
    QCoreApplication,
    QEvent,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QTextLayout,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.imaging.profiles import OutputProfile, PageVerdict, check_page
from app.services.materials import PageView

OK_COLOUR = "#1b5e20"
BAD_COLOUR = "#b71c1c"
BLANK_COLOUR = "#e65100"
THUMB_SIZE = QSize(118, 128)
CELL_SIZE = QSize(176, 206)
#: Drag payload between thumbnails: the dragged page's id.
PAGE_MIME = "application/x-yichuang-page-id"

PAGE_ID_ROLE = Qt.ItemDataRole.UserRole
BLANK_ROLE = Qt.ItemDataRole.UserRole + 1
OK_ROLE = Qt.ItemDataRole.UserRole + 2
VERDICT_ROLE = Qt.ItemDataRole.UserRole + 3

# Source strings of the "PageStrip" context, kept here so the delegate can name them too.
BLANK_BADGE = str(QT_TRANSLATE_NOOP("PageStrip", "疑似空白页"))
KEY_HINT = str(
    QT_TRANSLATE_NOOP(
        "PageStrip",
        "拖动缩略图或按 Alt+←/→ 调整顺序；Ctrl+R 顺时针旋转，Ctrl+Shift+R 逆时针旋转；Delete 删除",
    )
)


def _translate(text: str) -> str:
    return QCoreApplication.translate("PageStrip", text)


@dataclass(frozen=True)
class StripPage:
    """One thumbnail: the stored page, its small image (None for a PDF page) and whether it looks blank."""

    page: PageView
    thumbnail: QImage | None = None
    blank: bool = False


def page_caption(number: int, verdict: PageVerdict, blank: bool) -> str:
    """ "第 2 页", the verdict, and "疑似空白页" when the page looks empty (one line each)."""
    lines = [QCoreApplication.translate("PageStrip", "第 {n} 页").format(n=number), verdict.message]
    if blank:
        lines.append(_translate(BLANK_BADGE))
    return "\n".join(lines)


def wrapped(text: str, font: QFont, width: int, max_lines: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` pixels; past ``max_lines`` the last line ends
    in "…" (the whole text is in the tooltip)."""
    layout = QTextLayout(text, font)
    layout.beginLayout()
    spans: list[tuple[int, int]] = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    lines = [text[start : start + length].rstrip() for start, length in spans]
    if len(lines) <= max_lines:
        return lines
    rest = text[spans[max_lines - 1][0] :]
    last = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return [*lines[: max_lines - 1], last]


class PageDelegate(QStyledItemDelegate):
    """Draws a thumbnail with its number, the verdict in green or red, and the blank-page badge."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return CELL_SIZE

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        painter.save()
        rect = QRect(option.rect).adjusted(3, 3, -3, -3)
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        ok = bool(index.data(OK_ROLE))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(palette.highlight().color(), 3) if selected else QPen(QColor("#c8c8c8"), 1))
        painter.setBrush(palette.base())
        painter.drawRoundedRect(rect, 6, 6)

        thumb_area = QRect(rect.left(), rect.top() + 6, rect.width(), THUMB_SIZE.height())
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            scaled = pixmap.scaled(
                THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
            x = thumb_area.left() + (thumb_area.width() - scaled.width()) // 2
            painter.drawPixmap(x, thumb_area.top(), scaled)
            painter.setPen(QPen(QColor("#9e9e9e"), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(x, thumb_area.top(), scaled.width() - 1, scaled.height() - 1)
        else:
            painter.setPen(palette.placeholderText().color())
            painter.drawText(thumb_area, Qt.AlignmentFlag.AlignCenter, "PDF")
        if index.data(BLANK_ROLE):
            self._badge(painter, thumb_area, _translate(BLANK_BADGE))

        number, verdict = str(index.data(Qt.ItemDataRole.DisplayRole)).split("\n")[:2]
        text_area = QRect(rect.left() + 6, thumb_area.bottom() + 6, rect.width() - 12, 0)
        text_area.setBottom(rect.bottom() - 4)
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(palette.text().color())
        line = painter.fontMetrics().height()
        painter.drawText(text_area, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, number)
        text_area.setTop(text_area.top() + line + 2)
        painter.setFont(option.font)
        mark = "✓ " if ok else "✗ "
        painter.setPen(QColor(OK_COLOUR if ok else BAD_COLOUR))
        metrics = painter.fontMetrics()
        max_lines = max(1, text_area.height() // metrics.lineSpacing())
        top = text_area.top()
        for text in wrapped(mark + verdict, painter.font(), text_area.width(), max_lines):
            line_rect = QRect(text_area.left(), top, text_area.width(), metrics.lineSpacing())
            painter.drawText(line_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)
            top += metrics.lineSpacing() + 1
        painter.restore()

    @staticmethod
    def _badge(painter: QPainter, area: QRect, text: str) -> None:
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + 14
        badge = QRect(area.left() + (area.width() - width) // 2, area.bottom() - 26, width, 22)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(BLANK_COLOUR))
        painter.drawRoundedRect(badge, 5, 5)
        painter.setPen(QColor("white"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)


class PageStrip(QListWidget):
    """The pages of one material, left to right in paper order.

    Requests, never edits: ``page_did_request_move(page_id, new_position)`` (new position counted
    after the page left its old place, as :func:`app.services.materials.move_page` takes it),
    ``page_did_request_rotation(page_id, quarter_turns)`` (+1 clockwise, -1 counter-clockwise),
    ``page_did_request_delete(page_id)``. ``files_did_drop(list[Path])`` for files dropped on
    the strip (the capture panel imports the JPEG/PNG/TIFF/PDF ones).
    """

    page_did_request_move = Signal(int, int)
    page_did_request_rotation = Signal(int, int)
    page_did_request_delete = Signal(int)
    files_did_drop = Signal(object)  # list[Path]

    def __init__(self, profile: OutputProfile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page_strip")
        self._profile = profile
        self._pages: list[StripPage] = []
        self._drop_row: int | None = None
        self.editable = True
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setItemDelegate(PageDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setFixedHeight(
            CELL_SIZE.height() + self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent) + 8
        )
        self.setToolTip(self.tr(KEY_HINT))

    # --- what is shown ------------------------------------------------------------------------------

    @property
    def profile(self) -> OutputProfile:
        return self._profile

    def set_profile(self, profile: OutputProfile) -> None:
        """Judge the pages against another profile (the verdicts are redrawn at once)."""
        self._profile = profile
        self.show_pages(self._pages, select=self.currentRow())

    def verdict(self, page: PageView) -> PageVerdict:
        return check_page(page.width, page.height, page.size, page.format, self._profile)

    def show_pages(self, pages: Sequence[StripPage], *, select: int | None = None) -> None:
        """Show ``pages`` in their order; ``select`` a row (clamped), by default keep the current one."""
        keep = self.currentRow() if select is None else select
        self._pages = list(pages)
        self.blockSignals(True)
        self.clear()
        for number, shown in enumerate(self._pages, start=1):
            verdict = self.verdict(shown.page)
            item = QListWidgetItem(page_caption(number, verdict, shown.blank))
            item.setData(PAGE_ID_ROLE, shown.page.id)
            item.setData(BLANK_ROLE, shown.blank)
            item.setData(OK_ROLE, verdict.ok)
            item.setData(VERDICT_ROLE, verdict.message)
            item.setForeground(QBrush(QColor(OK_COLOUR if verdict.ok else BAD_COLOUR)))
            tip = verdict.message
            if shown.blank:
                tip += "\n" + self.tr("这一页看起来是空白的：请确认是否需要，不需要时按 Delete 删除。")
            item.setToolTip(tip)
            if shown.thumbnail is not None:
                item.setData(Qt.ItemDataRole.DecorationRole, QPixmap.fromImage(shown.thumbnail))
            item.setSizeHint(CELL_SIZE)
            self.addItem(item)
        self.blockSignals(False)
        if self._pages:
            self.setCurrentRow(min(max(keep, 0), len(self._pages) - 1))
        else:
            self.currentRowChanged.emit(-1)

    def pages(self) -> list[StripPage]:
        return list(self._pages)

    def page_ids(self) -> list[int]:
        return [shown.page.id for shown in self._pages]

    def captions(self) -> list[str]:
        """Each thumbnail's text: number, verdict and the blank badge, as a screen reader gets it."""
        return [self.item(i).text() for i in range(self.count())]

    def colours(self) -> list[str]:
        return [self.item(i).foreground().color().name() for i in range(self.count())]

    def blank_flags(self) -> list[bool]:
        return [bool(self.item(i).data(BLANK_ROLE)) for i in range(self.count())]

    def current_page(self) -> PageView | None:
        row = self.currentRow()
        return self._pages[row].page if 0 <= row < len(self._pages) else None

    def select_page_id(self, page_id: int) -> None:
        for row, shown in enumerate(self._pages):
            if shown.page.id == page_id:
                self.setCurrentRow(row)
                return

    # --- requests from the keyboard -------------------------------------------------------------------

    def move_current(self, step: int) -> None:
        """Alt+← / Alt+→: the selected page one place earlier or later."""
        page = self.current_page()
        if page is None or not self.editable:
            return
        target = page.position + step
        if 0 <= target < len(self._pages):
            self.page_did_request_move.emit(page.id, target)

    def rotate_current(self, quarter_turns: int) -> None:
        page = self.current_page()
        if page is not None and self.editable:
            self.page_did_request_rotation.emit(page.id, quarter_turns)

    def delete_current(self) -> None:
        page = self.current_page()
        if page is not None and self.editable:
            self.page_did_request_delete.emit(page.id)

    def _key_action(self, event: QKeyEvent) -> tuple[str, int] | None:
        key, mods = event.key(), event.modifiers()
        ctrl, shift, alt = (
            bool(mods & Qt.KeyboardModifier.ControlModifier),
            bool(mods & Qt.KeyboardModifier.ShiftModifier),
            bool(mods & Qt.KeyboardModifier.AltModifier),
        )
        if alt and not ctrl and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            return "move", -1 if key == Qt.Key.Key_Left else 1
        if ctrl and not alt and key == Qt.Key.Key_R:
            return "rotate", -1 if shift else 1
        if not (ctrl or alt or shift) and key == Qt.Key.Key_Delete:
            return "delete", 0
        return None

    def event(self, event: QEvent) -> bool:
        # Claim our keys before a window-wide shortcut with the same keys can take them.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._key_action(event) is not None
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self._key_action(event)
        if action is None:
            super().keyPressEvent(event)
            return
        name, value = action
        if name == "move":
            self.move_current(value)
        elif name == "rotate":
            self.rotate_current(value)
        else:
            self.delete_current()
        event.accept()

    # --- drag and drop ---------------------------------------------------------------------------------

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        page = self.current_page()
        if page is None or not self.editable:
            return
        mime = QMimeData()
        mime.setData(PAGE_MIME, QByteArray(str(page.id).encode("ascii")))
        drag = QDrag(self)
        drag.setMimeData(mime)
        pixmap = self.currentItem().data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            drag.setPixmap(pixmap.scaledToHeight(72, Qt.TransformationMode.SmoothTransformation))
        # The strip is redrawn from the database once the move is stored, so the result of the
        # drag itself does not matter (and Qt must not remove the dragged row on a MoveAction).
        drag.exec(Qt.DropAction.MoveAction)

    @staticmethod
    def dropped_files(mime: QMimeData) -> list[Path]:
        """The local files in a drop, in the order given (the importer says which it cannot take)."""
        if not mime.hasUrls():
            return []
        return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]

    def _accepts(self, mime: QMimeData) -> bool:
        return (mime.hasFormat(PAGE_MIME) and self.editable) or mime.hasUrls()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        mime = event.mimeData()
        if not self._accepts(mime):
            event.ignore()
            return
        self._drop_row = self.insertion_row(event.position().toPoint()) if mime.hasFormat(PAGE_MIME) else None
        self.viewport().update()
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._drop_row = None
        self.viewport().update()
        event.accept()

    def insertion_row(self, point: QPoint) -> int:
        """Where a page dropped at ``point`` (viewport coordinates) goes: before the first thumbnail
        whose middle lies right of the point, else at the end."""
        for row in range(self.count()):
            if point.x() < self.visualItemRect(self.item(row)).center().x():
                return row
        return self.count()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        self._drop_row = None
        self.viewport().update()
        if mime.hasFormat(PAGE_MIME) and self.editable:
            page_id = int(bytes(mime.data(PAGE_MIME).data()).decode("ascii"))
            old = next((i for i, shown in enumerate(self._pages) if shown.page.id == page_id), None)
            if old is None:
                event.ignore()
                return
            row = self.insertion_row(event.position().toPoint())
            target = row - 1 if row > old else row  # counted after the page left its place
            if target != old:
                self.page_did_request_move.emit(page_id, target)
            event.accept()
            return
        if mime.hasUrls():
            event.acceptProposedAction()
            self.files_did_drop.emit(self.dropped_files(mime))
            return
        event.ignore()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._drop_row is None:
            return
        if self._drop_row < self.count():
            x = self.visualItemRect(self.item(self._drop_row)).left()
        elif self.count():
            x = self.visualItemRect(self.item(self.count() - 1)).right()
        else:
            return
        painter = QPainter(self.viewport())
        painter.setPen(QPen(self.palette().highlight().color(), 4))
        painter.drawLine(x, 4, x, self.viewport().height() - 4)
        painter.end()


def strip_pages(
    pages: Sequence[PageView], thumbnails: Mapping[str, QImage | None], blank: Collection[str]
) -> list[StripPage]:
    """Thumbnails by page sha256 and the sha256s of blank-looking pages, joined to the pages."""
    return [StripPage(p, thumbnails.get(p.sha256), p.sha256 in blank) for p in pages]
