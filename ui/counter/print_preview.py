"""Printing receipts and notices, and showing on screen exactly what went to paper.

A receipt (收件凭证, 受理回执, 补正告知, 领取回执) is rendered once by ``app.documents`` into a 1-bit
raster at the printer's dot width; the same array goes to the thermal printer and, as a QImage, to
:class:`PrintPreviewDialog`, so the clerk sees the very pixels the applicant holds. When the
printer fails (most often: out of paper) the preview still shows and its 重新打印 button sends the
same raster again. A4 notices become a PDF under ``<work_dir>/notices`` and are previewed with
QtPdf or opened in the desktop's PDF viewer on demand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.documents import ReceiptData, render_a4_notice, render_receipt
from app.errors import DeviceUnavailable
from devices.manager import DeviceManager
from devices.printer.base import PAPER_WIDTH_58MM, PAPER_WIDTH_80MM, PaperOut, ReceiptPrinter
from ui import core_labels
from ui.ops import Op, OpRunner

#: How long a print op waits for the printer thread before giving up (a job is a few seconds).
PRINT_TIMEOUT_S = 30.0
# Chinese source strings of the "PrintPreview" translation context.
PAPER_OUT_MESSAGE = str(QT_TRANSLATE_NOOP("PrintPreview", '缺纸，请装纸后点"重新打印"'))
REPRINT_HINT = str(QT_TRANSLATE_NOOP("PrintPreview", '处理后点"重新打印"。'))
PRINTED_MESSAGE = str(QT_TRANSLATE_NOOP("PrintPreview", "已打印，请撕下交给申请人。"))
NOTICE_DIR = "notices"
#: A4 preview width on screen, in pixels: readable without scrolling sideways.
NOTICE_PREVIEW_WIDTH = 760

Raster = NDArray[np.uint8]


def _tr(text: str) -> str:
    """``text`` (marked in the "PrintPreview" context), translated; thread-safe: also used in ops."""
    return QCoreApplication.translate("PrintPreview", text)


def raster_to_qimage(raster: Raster) -> QImage:
    """The raster as an 8-bit grayscale QImage with identical pixel values (0 = printed dot)."""
    if raster.dtype != np.uint8 or raster.ndim != 2:
        raise ValueError(f"a raster is 2-D uint8, got {raster.dtype} {raster.shape}")
    data = np.ascontiguousarray(raster)
    height, width = data.shape
    image = QImage(data.data, width, height, width, QImage.Format.Format_Grayscale8)
    return image.copy()  # own the pixels: ``data`` goes away with this frame


def qimage_to_array(image: QImage) -> Raster:
    """The pixels of a grayscale QImage as an array (for tests and comparisons)."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    buffer = np.frombuffer(gray.constBits(), dtype=np.uint8, count=stride * height)
    return buffer.reshape(height, stride)[:, :width].copy()


def fallback_width(ctx: AppContext) -> int:
    """Dots across the configured paper, for a preview when the printer cannot be asked."""
    return PAPER_WIDTH_58MM if ctx.config.get_int("devices.printer_paper_mm") == 58 else PAPER_WIDTH_80MM


@dataclass(frozen=True)
class PrintOutcome:
    """A rendered receipt and what the printer made of it; ``problem`` is "" when it printed."""

    title: str
    raster: Raster
    image: QImage
    problem: str

    @property
    def printed(self) -> bool:
        return not self.problem


def problem_text(error: DeviceUnavailable) -> str:
    """What the preview says when printing failed: paper out gets the exact instruction."""
    if isinstance(error, PaperOut):
        return _tr(PAPER_OUT_MESSAGE)
    return f"{error} {_tr(REPRINT_HINT)}"


def _send(devices: DeviceManager | None, raster: Raster) -> str:
    """Print and cut ``raster`` on the printer thread; "" on success, else the problem in Chinese."""
    if devices is None:
        return QCoreApplication.translate("PrintPreview", "本机未配置小票打印机，") + _tr(REPRINT_HINT)

    def job(printer: ReceiptPrinter) -> None:
        printer.print_raster(raster)
        printer.cut()

    try:
        devices.submit("printer", job).result(timeout=PRINT_TIMEOUT_S)
    except DeviceUnavailable as error:
        return problem_text(error)
    except TimeoutError:
        late = QCoreApplication.translate("PrintPreview", "小票打印机长时间没有响应，请检查打印机后")
        return late + _tr(REPRINT_HINT)
    return ""


def _width_of(printer: ReceiptPrinter) -> int:
    return printer.paper_width_dots


def _paper_width(ctx: AppContext, devices: DeviceManager | None) -> int:
    if devices is None:
        return fallback_width(ctx)
    try:
        width = devices.submit("printer", _width_of)
        return width.result(timeout=PRINT_TIMEOUT_S)
    except (DeviceUnavailable, TimeoutError):
        return fallback_width(ctx)


def print_receipt(ctx: AppContext, devices: DeviceManager | None, data: ReceiptData) -> Op[PrintOutcome]:
    """Render ``data`` at the printer's width, print and cut it; the outcome carries the preview.

    Runs on the network lane: a printer that takes seconds must not hold up database work.
    A device problem is part of the outcome, not an error, so the preview always shows.
    """

    def run() -> PrintOutcome:
        raster = render_receipt(data, width_dots=_paper_width(ctx, devices))
        problem = _send(devices, raster)
        return PrintOutcome(title=data.kind, raster=raster, image=raster_to_qimage(raster), problem=problem)

    progress = QCoreApplication.translate("PrintPreview", "正在打印…")
    return Op(run=run, name="print_receipt").on_network().with_progress(progress)


def reprint(devices: DeviceManager | None, outcome: PrintOutcome) -> Op[PrintOutcome]:
    """Send the same raster again (after paper was loaded)."""

    def run() -> PrintOutcome:
        problem = _send(devices, outcome.raster)
        return PrintOutcome(outcome.title, outcome.raster, outcome.image, problem)

    progress = QCoreApplication.translate("PrintPreview", "正在重新打印…")
    return Op(run=run, name="reprint_receipt").on_network().with_progress(progress)


def notice_path(ctx: AppContext, data: ReceiptData) -> Path:
    """``<work_dir>/notices/<case number>-<kind>.pdf``; characters unsafe in file names dropped."""
    stem = re.sub(r'[\\/:*?"<>|\s]+', "_", f"{data.case_number}-{data.kind}")
    return ctx.work_dir / NOTICE_DIR / f"{stem}.pdf"


def save_notice(ctx: AppContext, data: ReceiptData) -> Op[Path]:
    """Render the A4 notice (受理通知书, 一次性告知书, 不予受理通知书) and save it as a PDF."""

    def run() -> Path:
        pdf = render_a4_notice(data)
        path = notice_path(ctx, data)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)
        return path

    progress = QCoreApplication.translate("PrintPreview", "正在生成通知书…")
    return Op(run=run, name="save_notice").with_progress(progress)


def render_pdf_pages(path: Path, width: int = NOTICE_PREVIEW_WIDTH) -> list[QImage]:
    """Every page of a PDF as a QImage ``width`` pixels wide (QtPdf; safe off the UI thread)."""
    document = QPdfDocument()
    try:
        error = document.load(str(path))
        if error != QPdfDocument.Error.None_:
            message = QCoreApplication.translate(
                "PrintPreview", "无法打开通知书文件 {name}，请重新生成后再试。"
            ).format(name=path.name)
            raise DeviceUnavailable(message, device="printer")
        pages = []
        for index in range(document.pageCount()):
            points = document.pagePointSize(index)
            height = round(width * points.height() / points.width()) if points.width() else width
            pages.append(document.render(index, QSize(width, height)))
        return pages
    finally:
        document.close()


def load_notice_pages(path: Path) -> Op[list[QImage]]:
    return Op(run=lambda: render_pdf_pages(path), name="load_notice_pages")


def open_in_viewer(path: Path) -> bool:
    """Open the PDF in the desktop's viewer (where it can also go to the A4 printer)."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


def close_button(buttons: QDialogButtonBox) -> None:
    """Name the Close button ourselves: Qt's own translations are not loaded for standard buttons."""
    button = buttons.button(QDialogButtonBox.StandardButton.Close)
    if button is not None:
        button.setText(QCoreApplication.translate("PrintPreview", "关闭"))


def _scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(False)
    area.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    return area


class PrintPreviewDialog(QDialog):
    """Shows a printed receipt (the same raster as the paper) and whether printing worked."""

    def __init__(
        self,
        runner: OpRunner,
        devices: DeviceManager | None,
        outcome: PrintOutcome,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("print_preview")
        self.setWindowTitle(self.tr("打印预览 · {kind}").format(kind=core_labels.document(outcome.title)))
        self._runner = runner
        self._devices = devices
        self.outcome = outcome
        self.picture = QLabel()
        self.picture.setObjectName("receipt_picture")
        self.picture.setPixmap(QPixmap.fromImage(outcome.image))
        self.status = QLabel()
        self.status.setObjectName("print_status")
        self.status.setWordWrap(True)
        self.reprint_button = QPushButton(self.tr("重新打印"))
        self.reprint_button.setObjectName("reprint")
        self.reprint_button.clicked.connect(self.reprint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close_button(buttons)
        buttons.addButton(self.reprint_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(_scroll(self.picture), 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(outcome.image.width() + 60, min(outcome.image.height() + 140, 760))
        self._show_outcome(outcome)

    def shown_image(self) -> QImage:
        return self.picture.pixmap().toImage()

    def reprint(self) -> None:
        self.reprint_button.setEnabled(False)
        self.status.setText(self.tr("正在重新打印…"))
        self._runner.start(reprint(self._devices, self.outcome).success(self._show_outcome))

    def _show_outcome(self, outcome: PrintOutcome) -> None:
        self.outcome = outcome
        self.reprint_button.setEnabled(True)
        if outcome.printed:
            self.status.setText(_tr(PRINTED_MESSAGE))
            self.status.setStyleSheet("color: #1b5e20;")
        else:
            self.status.setText(outcome.problem)
            self.status.setStyleSheet("color: #b71c1c; font-weight: bold;")


class NoticePreviewDialog(QDialog):
    """An A4 notice's pages on screen, with a button to open it in the PDF viewer for printing."""

    def __init__(self, runner: OpRunner, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice_preview")
        self.setWindowTitle(self.tr("通知书预览 · {name}").format(name=path.stem))
        self.path = path
        self.pages: list[QImage] = []
        self._column = QWidget()
        self._column_layout = QVBoxLayout(self._column)
        self.status = QLabel(self.tr("已保存：{path}").format(path=path))
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        open_button = QPushButton(self.tr("用 PDF 阅读器打开（可打印）"))
        open_button.setObjectName("open_notice")
        open_button.clicked.connect(self._open)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close_button(buttons)
        buttons.addButton(open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        area = QScrollArea()
        area.setWidget(self._column)
        area.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.addWidget(area, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(NOTICE_PREVIEW_WIDTH + 60, 900)
        runner.start(load_notice_pages(path).success(self._show_pages))

    def _show_pages(self, pages: list[QImage]) -> None:
        self.pages = pages
        for page in pages:
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(page))
            label.setStyleSheet("border: 1px solid #999; background: white;")
            self._column_layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)

    def _open(self) -> None:
        if not open_in_viewer(self.path):
            self.status.setText(self.tr("无法打开 PDF 阅读器。文件已保存在：{path}").format(path=self.path))
