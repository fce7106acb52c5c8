"""A4 notices reach paper whole (every page, true A4) through the dialog or a named printer, and the
very PDF handed over is kept with the case. No real printer: QPrinter writes a PDF file instead."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QImage
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app import audit
from app.documents import MaterialLine, render_a4_notice, sample_data
from app.documents.a4_print import notices_of_case, save_notice_with_case
from app.errors import DeviceUnavailable, DomainError
from app.model import Case, Role
from app.services.actor import Actor
from app.storage.blobs import BlobStore
from app.storage.crypto import FieldCipher
from app.storage.db import Database
from ui.a4_printing import named_printer, print_notice, print_pdf, print_with_dialog
from ui.counter.print_preview import NoticePreviewDialog
from ui.ops import OpRunner

CLERK = Actor(username="chuangkou", role=Role.CLERK, clerk_id=1)
A4_POINTS = (595, 842)


@pytest.fixture(scope="module")
def one_page() -> bytes:
    return render_a4_notice(sample_data("受理通知书"))


@pytest.fixture(scope="module")
def two_pages(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    long_list = tuple(MaterialLine(f"附件材料第 {i} 项（复印件）", "已收", 1) for i in range(1, 21))
    pdf = render_a4_notice(dataclasses.replace(sample_data("受理通知书"), materials=long_list))
    check = tmp_path_factory.mktemp("two") / "two.pdf"
    check.write_bytes(pdf)
    assert len(_pages(check)) == 2
    return pdf


def _pages(path: Path, width: int = 200) -> list[NDArray[np.uint8]]:
    """Every page of a PDF file as a grey array ``width`` pixels wide."""
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    out = []
    for index in range(document.pageCount()):
        points = document.pagePointSize(index)
        assert (round(points.width()), round(points.height())) == A4_POINTS
        image = document.render(index, QSize(width, round(width * points.height() / points.width())))
        gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
        buffer = np.frombuffer(gray.constBits(), dtype=np.uint8, count=gray.bytesPerLine() * gray.height())
        out.append(buffer.reshape(gray.height(), gray.bytesPerLine())[:, : gray.width()].copy())
    document.close()
    return out


def _pdf_printer(out: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    return printer


def _same_picture(printed: NDArray[np.uint8], source: NDArray[np.uint8]) -> bool:
    """Where the ink is matches closely at thumbnail size (rasterisers differ in anti-aliasing)."""
    return printed.shape == source.shape and float(np.mean(np.abs(printed.astype(int) - source))) < 6.0


def test_a_notice_prints_every_page_at_a4_with_the_same_picture(
    qapp: QApplication, tmp_path: Path, two_pages: bytes
) -> None:
    source = tmp_path / "notice.pdf"
    source.write_bytes(two_pages)
    out = tmp_path / "printed.pdf"
    assert print_pdf(source, _pdf_printer(out)) == 2
    printed, original = _pages(out), _pages(source)
    assert len(printed) == 2
    for page, expected in zip(printed, original, strict=True):
        assert (page < 128).mean() > 0.005  # not a blank sheet
        assert _same_picture(page, expected)
    # The pages keep their order: page 2 holds the end of the list, not page 1 again.
    assert not _same_picture(printed[1], original[0])


def test_a_notice_prints_from_its_bytes(qapp: QApplication, tmp_path: Path, one_page: bytes) -> None:
    out = tmp_path / "printed.pdf"
    assert print_pdf(one_page, _pdf_printer(out), document_name="受理通知书") == 1
    assert len(_pages(out)) == 1


def test_a_page_range_from_the_dialog_is_respected(
    qapp: QApplication, tmp_path: Path, two_pages: bytes
) -> None:
    out = tmp_path / "printed.pdf"
    printer = _pdf_printer(out)
    printer.setFromTo(2, 2)
    assert print_pdf(two_pages, printer) == 1
    source = tmp_path / "notice.pdf"
    source.write_bytes(two_pages)
    assert _same_picture(_pages(out)[0], _pages(source)[1])


def test_the_dialog_prints_when_accepted_and_nothing_when_cancelled(
    qapp: QApplication, tmp_path: Path, one_page: bytes
) -> None:
    def answer(accept: bool) -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QPrintDialog)
        assert dialog.windowTitle() == "打印通知书"
        dialog.accept() if accept else dialog.reject()

    cancelled = tmp_path / "cancelled.pdf"
    QTimer.singleShot(0, lambda: answer(False))
    assert print_with_dialog(one_page, None, printer=_pdf_printer(cancelled)) == 0
    assert not cancelled.exists()

    accepted = tmp_path / "accepted.pdf"
    QTimer.singleShot(0, lambda: answer(True))
    assert print_with_dialog(one_page, None, printer=_pdf_printer(accepted)) == 1
    assert len(_pages(accepted)) == 1


def test_an_unknown_configured_printer_is_named_and_the_clerk_sent_to_settings(
    qapp: QApplication, one_page: bytes
) -> None:
    with pytest.raises(DeviceUnavailable, match="设置") as raised:
        print_notice(one_page, printer_name="三楼激光打印机")
    assert "“三楼激光打印机”" in str(raised.value)
    assert "devices.a4_printer" in str(raised.value)
    with pytest.raises(DeviceUnavailable):
        named_printer("三楼激光打印机")


def test_a_damaged_notice_file_is_refused_in_chinese(qapp: QApplication, tmp_path: Path) -> None:
    with pytest.raises(DeviceUnavailable, match="重新生成通知书"):
        print_pdf(b"%PDF-1.4 not really", _pdf_printer(tmp_path / "out.pdf"))


def test_the_notice_preview_prints_through_its_button_and_shows_a_bad_printer_name(
    qtbot: QtBot, tmp_path: Path, one_page: bytes
) -> None:
    path = tmp_path / "ST001-20261123-0007-受理通知书.pdf"
    path.write_bytes(one_page)
    runner = OpRunner()
    dialog = NoticePreviewDialog(runner, path, a4_printer="三楼激光打印机")
    qtbot.addWidget(dialog)
    try:
        qtbot.waitUntil(lambda: len(dialog.pages) == 1, timeout=5000)
        dialog.print_button.click()
        assert "找不到 A4 打印机“三楼激光打印机”" in dialog.status.text()
    finally:
        runner.shutdown()


# --- kept with the case (app.documents.a4_print) -------------------------------------------------


@pytest.fixture
def blobs(tmp_path: Path, cipher: FieldCipher) -> BlobStore:
    return BlobStore(tmp_path / "blobs", cipher)


def _case(db: Database) -> int:
    with db.session() as s:
        case = Case(local_number="ST001-20261123-0007", state="accepted", title="建筑工程施工许可证核发")
        s.add(case)
        s.flush()
        return case.id


def test_a_saved_notice_is_kept_encrypted_with_the_case_and_audited(
    db: Database, blobs: BlobStore, one_page: bytes, two_pages: bytes
) -> None:
    case_id = _case(db)
    with db.session() as s:
        first = save_notice_with_case(s, blobs, CLERK, case_id, "受理通知书", one_page)
        second = save_notice_with_case(s, blobs, CLERK, case_id, "一次性告知书", two_pages)
    with db.session() as s:
        saved = notices_of_case(s, case_id)
        assert audit.verify(s).ok
    assert [(n.kind, n.blob_id, n.size, n.actor) for n in saved] == [
        ("受理通知书", first, len(one_page), "chuangkou"),
        ("一次性告知书", second, len(two_pages), "chuangkou"),
    ]
    assert blobs.get(first) == one_page and blobs.get(second) == two_pages
    # On disk the PDF is encrypted: no PDF header, no readable text.
    stored = next(p for p in (blobs.root).rglob(first))
    assert not stored.read_bytes().startswith(b"%PDF")


def test_saving_is_refused_for_a_missing_case_a_thermal_kind_or_bytes_that_are_no_pdf(
    db: Database, blobs: BlobStore, one_page: bytes
) -> None:
    case_id = _case(db)
    with db.session() as s:
        with pytest.raises(DomainError, match="不存在"):
            save_notice_with_case(s, blobs, CLERK, case_id + 99, "受理通知书", one_page)
        with pytest.raises(ValueError, match="not an A4 notice"):
            save_notice_with_case(s, blobs, CLERK, case_id, "受理回执", one_page)
        with pytest.raises(ValueError, match="not a PDF"):
            save_notice_with_case(s, blobs, CLERK, case_id, "受理通知书", b"GIF89a")
        assert notices_of_case(s, case_id) == []
    assert list(blobs) == []
