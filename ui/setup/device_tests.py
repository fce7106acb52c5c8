"""设备测试: what the 测试 button of each device kind does in the setup wizard.

Each test runs on the device's own thread through a :class:`~devices.manager.DeviceManager` (one
manager per kind, :class:`DeviceBench`, so choosing another driver restarts only that device) and
returns a :class:`TestOutcome`: passed or not, a Chinese sentence saying what happened or what to
do, and a picture when there is one (the printed test page, the camera still, the scanned page).

- printer: the test page of ``yichuang doctor --print-test-page`` (devices.printer.render);
- ID card: one read, audited like doctor's (purpose "doctor"), the masked number shown;
- smart card: one read, the chip serial shown;
- camera: a live preview for :data:`PREVIEW_S` seconds, then a full-resolution still;
- scanner: one page from the flatbed (or the first source the scanner has);
- speech: the call phrase the display will say for this window;
- evaluator: the chosen screen is named on itself, and the device asks for one rating;
- barcode: the scanner is listened to; a code scanned into the wizard is shown.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QImage

from app.context import AppContext
from app.errors import DeviceUnavailable, UserFacingError
from app.services.calls import CallView, announcement_text
from app.services.card_reads import record_card_read
from app.setup_profile import SETUP_ACTOR
from devices.barcode.base import BarcodeScanner
from devices.camera.base import Camera
from devices.evaluator.base import Evaluator
from devices.idcard.base import IdCardData, IdCardReader
from devices.manager import DeviceManager
from devices.printer.base import ReceiptPrinter
from devices.printer.render import render_test_page
from devices.registry import NO_DRIVER
from devices.scanner.base import Scanner
from devices.smartcard.base import SmartCardReader
from devices.speech.base import SpeechOutput
from ui.counter.capture_preview import fit_to, to_qimage
from ui.ops import Op

log = logging.getLogger(__name__)

#: How long the camera preview of the test runs before the still is taken.
PREVIEW_S = 1.5
PREVIEW_SIDE = 360
CARD_WAIT_S = 5.0
RATING_WAIT_S = 20.0
#: A test waits this long for the device thread (opening a driver can take a few seconds).
RESULT_WAIT_S = CARD_WAIT_S + RATING_WAIT_S + 10.0


@dataclass(frozen=True)
class TestOutcome:
    """One device test: passed or not, what happened (or what to do), and a picture if any."""

    __test__ = False  # not a pytest test class, whatever its name

    kind: str
    ok: bool
    message: str
    picture: QImage | None = None


def _picture(image: Any) -> QImage:
    return to_qimage(fit_to(image, PREVIEW_SIDE, PREVIEW_SIDE))


class DeviceBench(QObject):
    """The wizard's devices: one running DeviceManager per kind, rebuilt when its driver changes.

    Camera frames and scanned codes come from device threads; they arrive as signals on the UI
    thread. Call :meth:`stop` before the wizard goes away.
    """

    frame_did_arrive = Signal(QImage)
    code_did_arrive = Signal(str)

    def __init__(self, work_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work_dir = work_dir
        self._managers: dict[str, tuple[str, dict[str, str], DeviceManager]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._unsubscribe: Callable[[], None] | None = None

    def manager(self, kind: str, driver: str, options: Mapping[str, str]) -> DeviceManager:
        """The running manager of ``kind`` with this driver and options (a new one if they changed)."""
        current = self._managers.get(kind)
        if current is not None and current[0] == driver and current[1] == dict(options):
            return current[2]
        self.release(kind)
        manager = DeviceManager(
            {kind: driver}, work_dir=self._work_dir, poll_interval_s=None, options={kind: dict(options)}
        )
        manager.start()
        self._managers[kind] = (driver, dict(options), manager)
        return manager

    def release(self, kind: str) -> None:
        """Stop the device of ``kind`` (its driver is about to change)."""
        current = self._managers.pop(kind, None)
        if current is None:
            return
        if kind == "barcode" and self._unsubscribe is not None:
            unsubscribe, self._unsubscribe = self._unsubscribe, None
            unsubscribe()  # as the kiosk does: the scanner's subscriber list is thread-safe
        current[2].stop()

    def stop(self) -> None:
        with self._lock:
            self._closed = True
        for kind in list(self._managers):
            self.release(kind)

    # --- from device threads -------------------------------------------------------------------

    def deliver_frame(self, image: QImage) -> None:
        with self._lock:
            if not self._closed:
                self.frame_did_arrive.emit(image)

    def deliver_code(self, code: str) -> None:
        with self._lock:
            if not self._closed:
                self.code_did_arrive.emit(code)

    # --- the barcode scanner --------------------------------------------------------------------

    def listen_for_codes(self, manager: DeviceManager) -> None:
        """Subscribe to the scanner once; codes arrive as :attr:`code_did_arrive`."""
        if self._unsubscribe is not None:
            return
        self._unsubscribe = manager.submit(
            "barcode", lambda scanner: scanner.subscribe(self.deliver_code)
        ).result(timeout=RESULT_WAIT_S)

    def feed_scanner(self, manager: DeviceManager, text: str) -> None:
        """Keystrokes a wedge scanner typed into the wizard go to the scanner driver to decode."""
        manager.submit("barcode", lambda scanner: scanner.feed(text + "\r"))


# --- the jobs, on the device thread --------------------------------------------------------------


def print_test_page(printer: ReceiptPrinter) -> TestOutcome:
    printer.status().raise_for_problem()
    page = render_test_page(printer.paper_width_dots)
    printer.print_raster(page)
    printer.cut()
    message = QCoreApplication.translate(
        "DeviceTests", "已打印测试页（纸宽 {dots} 点），请查看字迹是否清楚完整、切纸是否正常。"
    )
    return TestOutcome("printer", True, message.format(dots=printer.paper_width_dots), _picture(page))


def read_id_card(reader: IdCardReader) -> IdCardData:
    return reader.read_card(CARD_WAIT_S)


def read_smart_card(reader: SmartCardReader) -> TestOutcome:
    card = reader.read_card(CARD_WAIT_S)
    kind = (
        QCoreApplication.translate("DeviceTests", "社保卡")
        if card.social_security is not None
        else QCoreApplication.translate("DeviceTests", "卡片")
    )
    message = QCoreApplication.translate("DeviceTests", "读卡成功：{kind}，芯片号 {serial}。").format(
        kind=kind, serial=card.chip_serial_hex
    )
    return TestOutcome("smartcard", True, message)


def preview_and_capture(camera: Camera, deliver: Callable[[QImage], None]) -> TestOutcome:
    until = time.monotonic() + PREVIEW_S
    for frame in camera.frames():
        deliver(_picture(frame.image))
        if time.monotonic() >= until:
            break
    still = camera.grab()
    message = QCoreApplication.translate(
        "DeviceTests", "预览正常，已拍摄测试照片：{size} 像素。请查看画面是否清楚、方向是否正确。"
    )
    return TestOutcome("camera", True, message.format(size=str(still.resolution)), _picture(still.image))


def scan_test_page(scanner: Scanner) -> TestOutcome:
    sources = scanner.sources()
    source = "flatbed" if "flatbed" in sources else sources[0]
    pages = scanner.scan(source)
    try:
        page = next(iter(pages))
    finally:
        close = getattr(pages, "close", None)
        if callable(close):
            close()  # an ADF would scan on: the test takes one sheet
    height, width = page.shape[:2]
    message = QCoreApplication.translate(
        "DeviceTests", "扫描成功：{width}×{height} 像素。请查看画面是否完整清楚。"
    )
    return TestOutcome("scanner", True, message.format(width=width, height=height), _picture(page))


def speech_phrase(window_number: int) -> str:
    """What the display will say when it calls a ticket to this window."""
    return announcement_text(CallView("A001", window_number, dt.datetime.now(dt.UTC), 0, ""))


def say_test_phrase(speech: SpeechOutput, phrase: str) -> TestOutcome:
    speech.say(phrase)
    message = QCoreApplication.translate("DeviceTests", "已播报“{phrase}”。请确认大厅里能听清，音量合适。")
    return TestOutcome("speech", True, message.format(phrase=phrase))


def ask_test_rating(evaluator: Evaluator) -> TestOutcome:
    rating = evaluator.ask_rating(
        QCoreApplication.translate("DeviceTests", "设备测试：请按任意一个评价键"), RATING_WAIT_S
    )
    if rating is None:
        message = QCoreApplication.translate(
            "DeviceTests", "{seconds} 秒内没有收到评价。请检查评价器的连接，测试时请按一下评价键。"
        )
        return TestOutcome("evaluator", False, message.format(seconds=f"{RATING_WAIT_S:g}"))
    return TestOutcome(
        "evaluator",
        True,
        QCoreApplication.translate("DeviceTests", "评价器正常，收到评价：{label}。").format(
            label=rating.label
        ),
    )


# --- the ops -------------------------------------------------------------------------------------


def _wait(manager: DeviceManager, kind: str, job: Callable[[Any], Any]) -> Any:
    try:
        return manager.submit(kind, job).result(timeout=RESULT_WAIT_S)
    except FutureTimeout:
        raise DeviceUnavailable(
            QCoreApplication.translate(
                "DeviceTests", "设备在 {seconds} 秒内没有应答，请检查连接和驱动设置后重试。"
            ).format(seconds=f"{RESULT_WAIT_S:g}"),
            device=kind,
        ) from None


def _failed(kind: str, error: BaseException) -> TestOutcome:
    if isinstance(error, UserFacingError):
        return TestOutcome(kind, False, str(error))
    log.error("device test of %s failed", kind, exc_info=(type(error), error, error.__traceback__))
    return TestOutcome(
        kind, False, QCoreApplication.translate("DeviceTests", "测试出错，请检查驱动设置（详细原因见日志）。")
    )


def device_test_op(
    ctx: AppContext,
    bench: DeviceBench,
    kind: str,
    driver: str,
    options: Mapping[str, str],
    *,
    window_number: int = 1,
) -> Op[TestOutcome]:
    """The test of ``kind`` with ``driver``; failures come back as an outcome, never as an error."""
    if driver == NO_DRIVER:
        return Op(
            run=lambda: TestOutcome(
                kind, False, QCoreApplication.translate("DeviceTests", "未选择驱动，本机不使用这种设备。")
            ),
            name="setup_test",
        )
    manager = bench.manager(kind, driver, options)

    def run() -> TestOutcome:
        try:
            return _run_test(ctx, bench, manager, kind, window_number)
        except Exception as error:
            return _failed(kind, error)

    return Op(run=run, name=f"setup_test_{kind}").on_network()


def _run_test(
    ctx: AppContext, bench: DeviceBench, manager: DeviceManager, kind: str, window_number: int
) -> TestOutcome:
    if kind == "printer":
        outcome: TestOutcome = _wait(manager, kind, print_test_page)
        return outcome
    if kind == "idcard":
        card: IdCardData = _wait(manager, kind, read_id_card)
        # A test read is a read like any other: audited, with the masked number only.
        with ctx.db.session() as session:
            record_card_read(
                session, SETUP_ACTOR, id_number=card.id_number, card_type=card.card_type, purpose="doctor"
            )
        photo = (
            QCoreApplication.translate("DeviceTests", "照片已解码")
            if card.photo
            else QCoreApplication.translate("DeviceTests", "照片未解码（未配置照片解码库）")
        )
        message = QCoreApplication.translate(
            "DeviceTests", "读卡成功：{type} {number}，{photo}。已记入审计日志。"
        )
        return TestOutcome(
            kind, True, message.format(type=card.card_type_name, number=card.masked_id_number, photo=photo)
        )
    if kind == "smartcard":
        outcome = _wait(manager, kind, read_smart_card)
        return outcome
    if kind == "camera":
        outcome = _wait(manager, kind, lambda camera: preview_and_capture(camera, bench.deliver_frame))
        return outcome
    if kind == "scanner":
        outcome = _wait(manager, kind, scan_test_page)
        return outcome
    if kind == "speech":
        phrase = speech_phrase(window_number)
        outcome = _wait(manager, kind, lambda speech: say_test_phrase(speech, phrase))
        return outcome
    if kind == "evaluator":
        outcome = _wait(manager, kind, ask_test_rating)
        return outcome
    if kind == "barcode":
        bench.listen_for_codes(manager)
        scanner_ok: bool = _wait(manager, kind, lambda scanner: isinstance(scanner, BarcodeScanner))
        if not scanner_ok:
            return TestOutcome(
                kind, False, QCoreApplication.translate("DeviceTests", "所选驱动不是扫码枪驱动。")
            )
        return TestOutcome(
            kind,
            True,
            QCoreApplication.translate(
                "DeviceTests", "扫码枪已连接：请扫描任意条码或二维码，扫到的内容会显示在下面。"
            ),
        )
    raise ValueError(f"unknown device kind {kind!r}")
