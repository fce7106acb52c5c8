"""Printing receipts and notices, and showing on screen exactly what went to paper.

A receipt (收件凭证, 受理回执, 补正告知, 领取回执) is rendered once by ``app.documents`` into a 1-bit
raster at the printer's dot width; the same array goes to the thermal printer and, as a QImage, to
:class:`PrintPreviewDialog`, so the clerk sees the very pixels the applicant holds. Every receipt
is first a job in the print queue (app/services/print_queue.py) and is then sent at once
(devices/printer/spooler.py). When the printer cannot take it (most often: out of paper) the job
stays queued, the window's spooler prints it when the printer is back, and the preview's 重新打印
sends it right away; the preview follows the job until it is printed. 补打 and 取消 live in the
print-jobs view (ui/counter/print_jobs.py). A4 notices become a PDF under ``<work_dir>/notices`` and are previewed with
QtPdf or opened in the desktop's PDF viewer on demand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices, QHideEvent, QImage, QPixmap, QShowEvent
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
from app.documents.text_receipt import receipt_text
from app.errors import DeviceUnavailable
from app.services import print_queue
from app.services.print_queue import PrintJobView
from devices.manager import DeviceManager
from devices.printer.base import PAPER_WIDTH_58MM, PAPER_WIDTH_80MM, PaperOut, ReceiptPrinter
from devices.printer.spooler import GB18030_TEXT_MODE, SendResult, send_job
from ui import core_labels
from ui.a4_printing import print_notice
from ui.ops import Op, OpRunner

#: How long a print op waits for the printer thread (a receipt over 9600-baud serial takes ~20 s).
PRINT_TIMEOUT_S = 60.0
# How often an open preview re-reads a job that is still waiting for the printer.
JOB_REFRESH_MS = 2000
# Chinese source strings of the "PrintPreview" translation context.
PAPER_OUT_MESSAGE = str(QT_TRANSLATE_NOOP("PrintPreview", '缺纸，请装纸后点"重新打印"'))
REPRINT_HINT = str(QT_TRANSLATE_NOOP("PrintPreview", '处理后点"重新打印"。'))
PRINTED_MESSAGE = str(QT_TRANSLATE_NOOP("PrintPreview", "已打印，请撕下交给申请人。"))
QUEUED_NOTE = str(QT_TRANSLATE_NOOP("PrintPreview", "回执已在打印队列中，打印机恢复后会自动打印。"))
PRINTING_MESSAGE = str(QT_TRANSLATE_NOOP("PrintPreview", "正在打印…"))
FAILED_HINT = str(QT_TRANSLATE_NOOP("PrintPreview", "请在“打印任务”（Ctrl+Shift+P）中选择补打或重新打印。"))
CANCELLED_MESSAGE = str(QT_TRANSLATE_NOOP("PrintPreview", "该打印任务已取消。"))
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


def text_mode_configured(ctx: AppContext) -> bool:
    """The receipt printer is set to GB18030 text mode (``devices.printer_text_mode``)."""
    return ctx.config.get_str("devices.printer_text_mode") == GB18030_TEXT_MODE


def queue_printer(ctx: AppContext) -> str:
    """The print queue's name for this workstation's receipt printer (one per counter PC)."""
    return print_queue.counter_printer(ctx.station_code, ctx.config.get_int("station.window_number"))


@dataclass(frozen=True)
class PrintOutcome:
    """A rendered receipt and what became of its print job; ``problem`` is "" when it printed.

    ``state`` is the job's state in the print queue ("queued", "printing", "printed", "failed",
    "cancelled"); ``ctx`` and ``job_id`` say where the job lives, for 重新打印 and refreshing.
    """

    title: str
    raster: Raster
    image: QImage
    problem: str
    job_id: int | None = None
    state: str = print_queue.PRINTED
    ctx: AppContext | None = None

    @property
    def printed(self) -> bool:
        return self.state == print_queue.PRINTED

    @property
    def waiting(self) -> bool:
        """The job has not reached paper yet and may still do so by itself."""
        return self.state in (print_queue.QUEUED, print_queue.PRINTING)


def problem_text(error: DeviceUnavailable) -> str:
    """What the preview says when printing failed: paper out gets the exact instruction."""
    if isinstance(error, PaperOut):
        return _tr(PAPER_OUT_MESSAGE)
    return f"{error} {_tr(REPRINT_HINT)}"


def state_text(state: str, error: str, problem: DeviceUnavailable | None = None) -> str:
    """The preview's line for a job in ``state``; "" once it printed."""
    if state == print_queue.PRINTED:
        return ""
    if state == print_queue.QUEUED:
        reason = problem_text(problem) if problem is not None else f"{error} {_tr(REPRINT_HINT)}".strip()
        return f"{reason}\n{_tr(QUEUED_NOTE)}"
    if state == print_queue.PRINTING:
        return _tr(PRINTING_MESSAGE)
    if state == print_queue.FAILED:
        return f"{error}\n{_tr(FAILED_HINT)}"
    return _tr(CANCELLED_MESSAGE)


def _outcome(title: str, raster: Raster, result: SendResult, ctx: AppContext) -> PrintOutcome:
    text = state_text(result.state, result.error, result.problem)
    return PrintOutcome(title, raster, raster_to_qimage(raster), text, result.job_id, result.state, ctx)


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
    """Render ``data`` at the printer's width, queue it and send it; the outcome carries the preview.

    Runs on the network lane: a printer that takes seconds must not hold up database work.
    A device problem is part of the outcome, not an error, so the preview always shows; the job
    stays queued and the window's spooler prints it once the printer is back.
    """
    printer = queue_printer(ctx)

    def run() -> PrintOutcome:
        width = _paper_width(ctx, devices)
        raster = render_receipt(data, width_dots=width)
        # A printer in GB18030 text mode gets the receipt as lines (devices/printer/spooler.py);
        # the raster stays the preview and what any other printer gets.
        text = receipt_text(data, width_dots=width) if text_mode_configured(ctx) else None
        with ctx.db.session() as session:
            case_id = print_queue.case_id_for_number(session, data.case_number)
            job_id = print_queue.enqueue(
                session,
                ctx.blobs,
                document=data.kind,
                rasters=[raster],
                case_id=case_id,
                printer=printer,
                text_lines=None if text is None else text.lines,
                text_rasters=() if text is None else text.rasters,
            )
        result = send_job(ctx.db, ctx.blobs, devices, job_id, timeout_s=PRINT_TIMEOUT_S)
        return _outcome(data.kind, raster, result, ctx)

    progress = QCoreApplication.translate("PrintPreview", "正在打印…")
    return Op(run=run, name="print_receipt").on_network().with_progress(progress)


def reprint(devices: DeviceManager | None, outcome: PrintOutcome) -> Op[PrintOutcome]:
    """重新打印: send the outcome's queued job now (after paper was loaded), not a second copy.

    A job that printed or failed meanwhile is left alone: the outcome then says where it is.
    """

    def run() -> PrintOutcome:
        ctx, job_id = outcome.ctx, outcome.job_id
        if ctx is None or job_id is None:
            raise ValueError("this print outcome has no print job to send again")
        result = send_job(ctx.db, ctx.blobs, devices, job_id, timeout_s=PRINT_TIMEOUT_S)
        return _outcome(outcome.title, outcome.raster, result, ctx)

    progress = QCoreApplication.translate("PrintPreview", "正在重新打印…")
    return Op(run=run, name="reprint_receipt").on_network().with_progress(progress)


def load_job(ctx: AppContext, job_id: int) -> Op[PrintJobView]:
    """The print job as it is now (the spooler may have printed it meanwhile)."""

    def run() -> PrintJobView:
        with ctx.db.session() as session:
            return print_queue.get_job(session, job_id)

    return Op(run=run, name="load_print_job")


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
    """Shows a receipt (the same raster as the paper) and where its print job is.

    While the job waits for the printer the dialog re-reads it every :data:`JOB_REFRESH_MS`, so
    "printed" shows as soon as the spooler got it onto paper; 重新打印 sends a waiting job now.
    """

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
        self.reprint_button.setToolTip(
            self.tr("立即再试一次打印这张回执；补打和取消请在“打印任务”（Ctrl+Shift+P）中操作")
        )
        self.reprint_button.clicked.connect(self.reprint)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(JOB_REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
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
        self._refresh_timer.stop()
        self.status.setText(self.tr("正在重新打印…"))
        self._runner.start(reprint(self._devices, self.outcome).success(self._show_outcome))

    def refresh(self) -> None:
        """Re-read the job: the spooler may have printed it since."""
        ctx, job_id = self.outcome.ctx, self.outcome.job_id
        if ctx is not None and job_id is not None:
            self._runner.start(load_job(ctx, job_id).success(self._job_loaded))

    def _job_loaded(self, job: PrintJobView) -> None:
        if job.id != self.outcome.job_id or job.state == self.outcome.state:
            return  # unchanged: keep the more precise text of the send that set it
        self._show_outcome(replace(self.outcome, state=job.state, problem=state_text(job.state, job.error)))

    def _show_outcome(self, outcome: PrintOutcome) -> None:
        self.outcome = outcome
        # Only a job still in the queue can be sent now; 补打 of a printed one is a decision
        # with an audit record, taken in the print-jobs view.
        self.reprint_button.setEnabled(outcome.state == print_queue.QUEUED)
        if outcome.printed:
            self.status.setText(_tr(PRINTED_MESSAGE))
            self.status.setStyleSheet("color: #1b5e20;")
        else:
            self.status.setText(outcome.problem)
            self.status.setStyleSheet("color: #b71c1c; font-weight: bold;")
        if outcome.waiting and outcome.job_id is not None and self.isVisible():
            self._refresh_timer.start()
        else:
            self._refresh_timer.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.outcome.waiting and self.outcome.job_id is not None:
            self._refresh_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._refresh_timer.stop()  # nobody looks: no polling (and no timer outliving the dialog)
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._refresh_timer.stop()
        super().closeEvent(event)


class NoticePreviewDialog(QDialog):
    """An A4 notice's pages on screen, with a button to open it in the PDF viewer for printing."""

    def __init__(
        self, runner: OpRunner, path: Path, parent: QWidget | None = None, *, a4_printer: str = ""
    ) -> None:
        super().__init__(parent)
        self.setObjectName("notice_preview")
        self.a4_printer = a4_printer  # devices.a4_printer: "" = ask in the print dialog
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
        self.print_button = QPushButton(self.tr("打印"))
        self.print_button.setObjectName("print_notice")
        self.print_button.clicked.connect(self.send_to_printer)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
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

    def send_to_printer(self) -> None:
        """The A4 printer named in 设置, or the system print dialog (ui.a4_printing)."""
        try:
            pages = print_notice(self.path, printer_name=self.a4_printer, parent=self)
        except DeviceUnavailable as error:
            self.status.setText(str(error))
            return
        if pages:
            self.status.setText(self.tr("已送往打印机：{pages} 页。").format(pages=pages))

    def _open(self) -> None:
        if not open_in_viewer(self.path):
            self.status.setText(self.tr("无法打开 PDF 阅读器。文件已保存在：{path}").format(path=self.path))
