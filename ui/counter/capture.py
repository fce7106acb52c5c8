"""Capturing pages (采集): from the 高拍仪 (document camera), the scanner or files, into a material.

:class:`PageCapture` is what the materials panel drives: it starts the ops, carries scan
progress and 取消, and says when a page was stored. Grabbing a frame and fitting it to the output
profile (CPU work, up to seconds on a slow PC) run on the network lane, so the single DB writer is
never held up by a device; only the short ``add_page`` write goes to the DB lane.

:func:`grab_frame` and :func:`scan_sheets` block and run inside ops only. All device I/O happens
on the device's own thread through ``DeviceManager.submit``; they just wait for the futures. A
multi-page scan is driven one sheet at a time from here, so a cancel request is honoured between
sheets: the sheet in the feeder is finished, the next one is not pulled.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QCoreApplication, QObject, Signal

from app.context import AppContext
from app.errors import Cancelled, DeviceUnavailable, DomainError
from app.imaging.profiles import DEFAULT_PROFILE_KEY, PROFILES, fit_to_profile
from app.services.actor import Actor
from devices.camera.base import Camera
from devices.manager import DeviceManager
from devices.scanner.base import FeederEmpty, Scanner, ScanSource
from ui.counter import material_operations
from ui.ops import Op, OpRunner

log = logging.getLogger(__name__)

Image = NDArray[np.uint8]

#: A frame or a sheet takes well under this; longer means the device hangs.
DEVICE_TIMEOUT_S = 30.0
SCAN_DPI = 200


def _grab(camera: Camera) -> Image:
    return camera.grab().image


def grab_frame(devices: DeviceManager) -> Image:
    """One fresh BGR frame from the camera (DeviceUnavailable when it is missing or busy)."""
    return devices.submit("camera", _grab).result(timeout=DEVICE_TIMEOUT_S)


class _SheetFeed:
    """Holds the scanner's page iterator between jobs; touched only on the scanner's thread."""

    def __init__(self) -> None:
        self.pages: Iterator[Image] | None = None
        self.source: ScanSource = "flatbed"

    def start(self, scanner: Scanner, dpi: int) -> None:
        # The feeder first; an empty feeder means the page lies on the glass.
        if "adf" in scanner.sources():
            try:
                self.pages = iter(scanner.scan("adf", dpi))
                self.source = "adf"
                return
            except FeederEmpty:
                pass
        self.pages = iter(scanner.scan("flatbed", dpi))
        self.source = "flatbed"

    def next_sheet(self, _scanner: Any) -> Image | None:
        assert self.pages is not None
        return next(self.pages, None)

    def close(self, _scanner: Any) -> None:
        pages, self.pages = self.pages, None
        close = getattr(pages, "close", None)
        if close is not None:
            close()


def scan_sheets(devices: DeviceManager, cancel: threading.Event, *, dpi: int = SCAN_DPI) -> Iterator[Image]:
    """Pages from the feeder (or one from the glass when the feeder is empty), as they come.

    Raises :class:`Cancelled` before pulling the next sheet once ``cancel`` is set; scanner
    errors (paper jam, unplugged) propagate after the pages scanned before them.
    """
    feed = _SheetFeed()
    devices.submit("scanner", lambda scanner: feed.start(scanner, dpi)).result(timeout=DEVICE_TIMEOUT_S)
    try:
        while True:
            if cancel.is_set():
                raise Cancelled()
            sheet = devices.submit("scanner", feed.next_sheet).result(timeout=DEVICE_TIMEOUT_S)
            if sheet is None:
                return
            yield sheet
    finally:
        try:
            devices.submit("scanner", feed.close).result(timeout=DEVICE_TIMEOUT_S)
        except (DeviceUnavailable, TimeoutError, CancelledError):
            # The scanner went away or the program is stopping; the feed goes with it.
            log.warning("scanner feed could not be closed after scanning")


# --- ops ---------------------------------------------------------------------------------------


def fitted_camera_page(devices: DeviceManager, *, profile_key: str = DEFAULT_PROFILE_KEY) -> Op[bytes]:
    """Grab a frame from the 高拍仪 and fit it to the output profile (JPEG within the byte cap)."""
    profile = PROFILES[profile_key]

    def run() -> bytes:
        return fit_to_profile(grab_frame(devices), profile)

    return (
        Op(run=run, name="fitted_camera_page")
        .on_network()
        .with_progress(QCoreApplication.translate("PageCapture", "正在拍摄…"))
    )


class ScanFeedback(QObject):
    """Carries fitted pages from the scan op's thread to the UI (queued signal) and the cancel flag."""

    page_did_scan = Signal(int, object)  # sheet number (1-based), fitted JPEG bytes

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cancel = threading.Event()


@dataclass(frozen=True)
class ScanResult:
    sheets: int
    cancelled: bool


def scan_pages(
    devices: DeviceManager, feedback: ScanFeedback, *, profile_key: str = DEFAULT_PROFILE_KEY
) -> Op[ScanResult]:
    """Scan sheet after sheet, fit each and hand it over through ``feedback`` until the feeder is empty.

    Setting ``feedback.cancel`` stops before the next sheet; the result says how many came in.
    """
    profile = PROFILES[profile_key]

    def run() -> ScanResult:
        count = 0
        try:
            for sheet in scan_sheets(devices, feedback.cancel):
                count += 1
                feedback.page_did_scan.emit(count, fit_to_profile(sheet, profile))
        except Cancelled:
            return ScanResult(count, cancelled=True)
        return ScanResult(count, cancelled=False)

    return Op(run=run, name="scan_pages").on_network()


# --- the controller the panel drives ---------------------------------------------------------------


class PageCapture(QObject):
    """Starts capture ops for one material at a time and reports back with signals.

    ``actor`` is asked for the signed-in clerk each time (the clerk may change on the idle lock).
    """

    page_did_store = Signal(object)  # MaterialChange, after each stored page
    progress_did_change = Signal(str)  # what to tell the clerk ("" when nothing to say)
    scan_did_progress = Signal(int)  # sheets scanned so far
    scan_did_finish = Signal(object)  # ScanResult, or None when the scan failed

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        devices: DeviceManager | None,
        actor: Callable[[], Actor],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = runner
        self._devices = devices
        self._actor = actor
        self._scan: ScanFeedback | None = None
        self._scan_target = (0, 0)  # case id, material id of the scan under way

    @property
    def scanning(self) -> bool:
        return self._scan is not None

    def _require_devices(self) -> DeviceManager:
        if self._devices is None:
            raise DomainError(self.tr("本机没有配置高拍仪或扫描仪，请使用“导入文件”。"))
        return self._devices

    def camera_page(self, case_id: int, material_id: int) -> None:
        """F7: one page from the camera, appended to the material."""
        op = fitted_camera_page(self._require_devices())
        self._runner.start(
            op.success(
                lambda data: self._store(case_id, material_id, data, "camera", self.tr("已拍摄 1 页。"))
            )
        )

    def retake(self, case_id: int, page_id: int) -> None:
        """重拍: a new camera image for an existing page, same position."""

        def replace(data: bytes) -> None:
            op = material_operations.replace_page(self._ctx, self._actor(), case_id, page_id, data)
            self._runner.start(op.success(lambda change: self._stored(change, self.tr("已重拍该页。"))))

        self._runner.start(fitted_camera_page(self._require_devices()).success(replace))

    def import_paths(self, case_id: int, material_id: int, paths: Sequence[Path]) -> None:
        op = material_operations.import_files(self._ctx, self._actor(), case_id, material_id, paths)
        self._runner.start(
            op.success(
                lambda change: self._stored(change, self.tr("已导入 {n} 页。").format(n=change.pages_added))
            )
        )

    def scan(self, case_id: int, material_id: int) -> None:
        """Every sheet in the feeder into the material, each stored as it arrives."""
        if self._scan is not None:
            return
        devices = self._require_devices()
        feedback = ScanFeedback(self)
        # A bound method of this UI-thread object, not a lambda: the signal comes from the op's
        # thread and must be queued to ours (a lambda would run on the emitting thread).
        feedback.page_did_scan.connect(self._scanned)
        self._scan = feedback
        self._scan_target = (case_id, material_id)
        self.progress_did_change.emit(self.tr("正在扫描…"))
        self._runner.start(
            scan_pages(devices, feedback).success(self._scan_finished).failure(self._scan_failed)
        )

    def cancel_scan(self) -> None:
        if self._scan is not None:
            self._scan.cancel.set()
            self.progress_did_change.emit(self.tr("正在停止扫描：当前这一页扫完后停止…"))

    def _store(self, case_id: int, material_id: int, data: bytes, source: str, done: str = "") -> None:
        op = material_operations.store_page(
            self._ctx, self._actor(), case_id, material_id, data, source=source
        )
        self._runner.start(op.success(lambda change: self._stored(change, done)))

    def _stored(self, change: material_operations.MaterialChange, done: str) -> None:
        if done:
            self.progress_did_change.emit(done)
        self.page_did_store.emit(change)

    def _scanned(self, number: int, data: object) -> None:
        assert isinstance(data, bytes)
        case_id, material_id = self._scan_target
        self.progress_did_change.emit(self.tr("正在扫描：已扫描 {n} 页…（点“取消”停止）").format(n=number))
        self._store(case_id, material_id, data, "scanner")
        self.scan_did_progress.emit(number)

    def _end_scan(self) -> None:
        if self._scan is not None:
            self._scan.deleteLater()
        self._scan = None

    def _scan_finished(self, result: ScanResult) -> None:
        self._end_scan()
        if result.cancelled:
            self.progress_did_change.emit(self.tr("已取消扫描，已保存 {n} 页。").format(n=result.sheets))
        else:
            self.progress_did_change.emit(self.tr("扫描完成，共 {n} 页。").format(n=result.sheets))
        self.scan_did_finish.emit(result)

    def _scan_failed(self, error: BaseException) -> None:
        self._end_scan()
        self.progress_did_change.emit(self.tr("扫描未完成，已扫描的页面已保存。"))
        self.scan_did_finish.emit(None)
        raise error  # the runner shows what happened and what to do
