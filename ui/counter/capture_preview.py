"""Live preview (实时预览) of the 高拍仪 (document camera), with the page outline and auto-capture.

Three threads, each doing one thing:

- the camera's device thread runs :func:`devices.camera.stillness.watch` as one job
  (``DeviceManager.submit``): it reads preview frames, feeds the stillness detector and, with
  auto-capture on, grabs a full-resolution still when the page has been still after motion. It
  only hands frames over.
- a ``camera-preview`` thread scales the newest frame to the widget's size, finds the page
  outline on every few frames, and leaves the result in a one-frame slot.
- the UI thread paints whatever is newest in the slot. A queued signal says "there is a frame";
  while one such signal is pending no other is sent, so frames the UI had no time for are
  replaced, never queued up, and the UI is never more than one frame behind.

A still for a manual capture (拍照) needs the camera thread, which the preview job holds: the
capture borrows the camera through :func:`camera_share` (see :func:`ui.counter.capture.grab_frame`),
the preview job ends at the next frame, and starts again once the still is taken. A preview job
also ends after ``MAX_JOB_S`` seconds and is started again, so ``DeviceManager.stop`` never waits
long for it even if the preview was not stopped first.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import cv2
import numpy as np
import shiboken6
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHideEvent,
    QImage,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.errors import DeviceUnavailable
from app.imaging.pipeline import PLAUSIBLE_CONFIDENCE, Corners, detect_page
from app.imaging.profiles import Image, as_image
from devices.camera.base import Camera, Frame
from devices.camera.stillness import StillnessDetector, watch
from devices.manager import DeviceManager
from devices.registry import NO_DRIVER

log = logging.getLogger(__name__)

#: A preview job hands the camera back after this long (and is started again at once).
MAX_JOB_S = 5.0
#: After a camera error the preview tries again this often.
RETRY_MS = 1500
#: The page outline is looked for on every n-th frame (about 5 times a second at 15+ fps).
OUTLINE_EVERY = 3
#: Frames are scaled to the widget's size, but never below this (a tiny widget still detects).
MIN_PREVIEW_SIDE = 320
OUTLINE_SURE = QColor("#00e676")
OUTLINE_UNSURE = QColor("#ffab00")


# --- sharing the camera thread with one-off jobs ---------------------------------------------------


class CameraShare:
    """Lets a one-off camera job (a full-resolution still) cut into the live preview.

    ``borrow()`` around the job: while anyone borrows, the preview job ends at its next frame
    and no new one starts; the last return calls the listeners (the previews), which start again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._borrowers = 0
        self._listeners: list[Callable[[], None]] = []

    def wanted(self) -> bool:
        with self._lock:
            return self._borrowers > 0

    @contextmanager
    def borrow(self) -> Iterator[None]:
        with self._lock:
            self._borrowers += 1
        try:
            yield
        finally:
            with self._lock:
                self._borrowers -= 1
                listeners = list(self._listeners) if self._borrowers == 0 else []
            for listener in listeners:
                listener()

    def listen(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` (from the borrower's thread) each time the camera is free again."""
        with self._lock:
            self._listeners.append(callback)

        def forget() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return forget


_SHARES: weakref.WeakKeyDictionary[DeviceManager, CameraShare] = weakref.WeakKeyDictionary()
_SHARES_LOCK = threading.Lock()


def camera_share(devices: DeviceManager) -> CameraShare:
    """The one :class:`CameraShare` of ``devices``' camera."""
    with _SHARES_LOCK:
        share = _SHARES.get(devices)
        if share is None:
            share = _SHARES[devices] = CameraShare()
        return share


def has_camera(devices: DeviceManager | None) -> bool:
    return devices is not None and devices.drivers.get("camera", NO_DRIVER) != NO_DRIVER


# --- frames on their way to the screen -------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PreviewFrame:
    """One frame ready to paint: ``image`` at preview size, the page ``outline`` in its pixels
    (None when no page-like shape was found), and the auto-capture state when the frame was read."""

    image: QImage
    outline: Corners | None
    sure: bool
    waiting_for_motion: bool
    still_share: float
    timestamp: float


@dataclass(frozen=True, eq=False)
class _RawFrame:
    image: Image
    timestamp: float
    waiting_for_motion: bool
    still_share: float


def to_qimage(image: Image) -> QImage:
    """A QImage holding its own copy of a BGR or grey array (safe to use on any thread)."""
    array = np.ascontiguousarray(image)
    fmt = QImage.Format.Format_Grayscale8 if array.ndim == 2 else QImage.Format.Format_BGR888
    return QImage(array.data, array.shape[1], array.shape[0], array.strides[0], fmt).copy()


def fit_to(image: Image, width: int, height: int) -> Image:
    """``image`` scaled down to fit ``width``×``height`` (aspect kept): a whole-factor area shrink
    first, which is OpenCV's fast path, then a linear resize for the rest."""
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    if scale >= 1.0:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    factor = int(1.0 / scale)
    small = image
    if factor >= 2:
        small = as_image(
            cv2.resize(image, None, fx=1.0 / factor, fy=1.0 / factor, interpolation=cv2.INTER_AREA)
        )
    if (small.shape[1], small.shape[0]) == size:
        return small
    return as_image(cv2.resize(small, size, interpolation=cv2.INTER_LINEAR))


class PreviewFeed(QObject):
    """Gets frames from the camera thread to the UI; see the module docstring.

    ``frame_did_arrive`` (queued): call :meth:`take` for the newest frame. ``still_did_capture``
    (queued) carries a full-resolution BGR array when auto-capture fired. ``camera_did_fail``
    carries a Chinese message saying what is wrong; the feed retries by itself.
    """

    frame_did_arrive = Signal()
    still_did_capture = Signal(object)  # full-resolution BGR image (numpy array)
    camera_did_fail = Signal(str)
    _job_did_end = Signal()
    _camera_did_free = Signal()

    def __init__(self, devices: DeviceManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._devices = devices
        self._share = camera_share(devices)
        self._running = False
        self._auto = False
        self._job: Future[int] | None = None
        self._job_stop = threading.Event()
        self._detector = StillnessDetector()
        self._reset_detector = False
        self._view = (640, 480)
        # The raw frame from the camera thread, and the processed one for the UI.
        self._cond = threading.Condition()
        self._raw: _RawFrame | None = None
        self._worker: threading.Thread | None = None
        self._worker_stop = False
        self._slot_lock = threading.Lock()
        self._latest: PreviewFrame | None = None
        self._pending = False
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._submit)
        self._forget_share: Callable[[], None] | None = None
        self._job_did_end.connect(self._job_ended, Qt.ConnectionType.QueuedConnection)
        self._camera_did_free.connect(self._submit, Qt.ConnectionType.QueuedConnection)

    @property
    def running(self) -> bool:
        return self._running

    @property
    def auto_capture(self) -> bool:
        return self._auto

    def set_view_size(self, size: QSize) -> None:
        self._view = (max(size.width(), MIN_PREVIEW_SIDE), max(size.height(), MIN_PREVIEW_SIDE * 3 // 4))

    def set_auto_capture(self, on: bool) -> None:
        """Auto-capture on or off; the job running now ends so the next one takes the setting."""
        if on == self._auto:
            return
        self._auto = on
        self._reset_detector = True  # done on the camera thread, which uses the detector
        self._job_stop.set()

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._worker_stop = False
        self._worker = threading.Thread(target=self._process_frames, name="camera-preview", daemon=True)
        self._worker.start()
        self._forget_share = self._share.listen(self._emit_camera_free)
        self._submit()

    def stop(self) -> None:
        """Stop asking for frames and join the preview thread; the camera job ends at its next frame."""
        if not self._running:
            return
        self._running = False
        self._job_stop.set()
        self._retry.stop()
        if self._forget_share is not None:
            self._forget_share()
            self._forget_share = None
        with self._cond:
            self._worker_stop = True
            self._cond.notify_all()
        if self._worker is not None:
            self._worker.join(timeout=5.0)
            if self._worker.is_alive():
                log.warning("camera preview thread did not stop in time")
            self._worker = None

    def take(self) -> PreviewFrame | None:
        """The newest frame (None before the first); the next arrival will be signalled again."""
        with self._slot_lock:
            self._pending = False
            return self._latest

    # --- UI thread: the camera job --------------------------------------------------------------

    def _emit_camera_free(self) -> None:
        with suppress(RuntimeError):  # the widget is gone; nothing to restart
            self._camera_did_free.emit()

    def _submit(self) -> None:
        if not self._running or self._job is not None or self._share.wanted():
            return
        stop = threading.Event()
        self._job_stop = stop
        auto = self._auto
        try:
            job = self._devices.submit("camera", lambda camera: self._watch(camera, stop, auto))
        except DeviceUnavailable as error:
            self._failed(str(error))
            return
        self._job = job

        def ended(_future: Future[int]) -> None:
            with suppress(RuntimeError):  # the widget is gone
                self._job_did_end.emit()

        job.add_done_callback(ended)

    def _job_ended(self) -> None:
        job, self._job = self._job, None
        if job is None or not self._running:
            return
        try:
            error = job.exception()
        except CancelledError:
            error = None
        if isinstance(error, DeviceUnavailable):
            self._failed(str(error))
            return
        if error is not None:
            log.error("camera preview failed", exc_info=(type(error), error, error.__traceback__))
            self._failed(self.tr("高拍仪画面出现故障，正在重试；如果一直这样，请重新插拔高拍仪。"))
            return
        self._submit()

    def _failed(self, message: str) -> None:
        self.camera_did_fail.emit(message)
        if self._running:
            self._retry.start()

    # --- camera thread --------------------------------------------------------------------------

    def _watch(self, camera: Camera, stop: threading.Event, auto: bool) -> int:
        deadline = time.monotonic() + MAX_JOB_S
        detector = self._detector
        if self._reset_detector:
            # A page already lying there when auto-capture is switched on is not shot: it needs motion first.
            self._reset_detector = False
            detector.reset()

        def preview(frame: Frame) -> None:
            # Hand the frame over; the stop checks make the job end at the next frame.
            with self._cond:
                self._raw = _RawFrame(
                    frame.image,
                    frame.timestamp,
                    not detector.motion_seen,
                    min(1.0, detector.still_count / max(detector.still_frames, 1)),
                )
                self._cond.notify()
            if not self._running or self._share.wanted() or time.monotonic() > deadline:
                stop.set()

        def captured(frame: Frame) -> None:
            try:
                self.still_did_capture.emit(frame.image)
            except RuntimeError:
                stop.set()

        return watch(
            camera, stop, on_preview=preview, on_capture=captured if auto else None, detector=detector
        )

    # --- preview thread -------------------------------------------------------------------------

    def _process_frames(self) -> None:
        count = 0
        outline: Corners | None = None
        outline_shape: tuple[int, ...] = ()
        sure = False
        while True:
            with self._cond:
                while self._raw is None and not self._worker_stop:
                    # Timed, so a feed deleted without stop() (its widget destroyed while shown)
                    # does not leave this thread waiting for ever.
                    if not self._cond.wait(timeout=1.0) and not shiboken6.isValid(self):
                        return
                if self._worker_stop:
                    return
                raw, self._raw = self._raw, None
            assert raw is not None
            try:
                width, height = self._view
                small = fit_to(raw.image, width, height)
                if count % OUTLINE_EVERY == 0:
                    quad = detect_page(small)
                    found = quad.confidence >= PLAUSIBLE_CONFIDENCE
                    outline, sure, outline_shape = (quad.corners if found else None), quad.sure, small.shape
                count += 1
                shown = PreviewFrame(
                    to_qimage(small),
                    outline if outline_shape == small.shape else None,  # drawn on another size: wait
                    sure,
                    raw.waiting_for_motion,
                    raw.still_share,
                    raw.timestamp,
                )
            except Exception:  # a broken frame must not end the preview
                log.exception("camera preview frame could not be prepared")
                continue
            with self._slot_lock:
                self._latest = shown
                notify = not self._pending
                self._pending = True
            if notify:
                try:
                    self.frame_did_arrive.emit()
                except RuntimeError:  # the widget is gone
                    return


# --- the widget ------------------------------------------------------------------------------------


class CapturePreview(QWidget):
    """Shows the camera live while it is visible (the camera is released while hidden).

    ``frames_painted`` counts new frames that reached the screen; :meth:`fps` is the rate over
    the last second, the figure the clerk sees.
    """

    still_did_capture = Signal(object)  # full-resolution BGR array from auto-capture

    def __init__(self, devices: DeviceManager | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("capture_preview")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(360, 270)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.feed: PreviewFeed | None = None
        self._frame: PreviewFrame | None = None
        self._painted: PreviewFrame | None = None
        self._paint_times: deque[float] = deque(maxlen=120)
        self.frames_painted = 0
        if has_camera(devices):
            assert devices is not None
            self.feed = PreviewFeed(devices, self)
            self.feed.frame_did_arrive.connect(self._frame_arrived)
            self.feed.camera_did_fail.connect(self._camera_failed)
            self.feed.still_did_capture.connect(self.still_did_capture)
            self._message = self.tr("正在打开高拍仪…")
        else:
            self._message = self.tr("本机没有配置高拍仪。\n请用扫描仪扫描，或点“导入文件”。")

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    @property
    def message(self) -> str:
        """What the preview says instead of (or over) the picture: "" while frames arrive."""
        return self._message

    @property
    def frame(self) -> PreviewFrame | None:
        return self._frame

    def fps(self, window: float = 1.0) -> float:
        now = time.monotonic()
        recent = [t for t in self._paint_times if now - t <= window]
        return len(recent) / window

    def set_auto_capture(self, on: bool) -> None:
        if self.feed is not None:
            self.feed.set_auto_capture(on)

    def start(self) -> None:
        if self.feed is not None:
            self.feed.set_view_size(self.size())
            self.feed.start()

    def stop(self) -> None:
        if self.feed is not None:
            self.feed.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.stop()  # a hidden preview must not hold the camera
        super().hideEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self.feed is not None:
            self.feed.set_view_size(event.size())
        super().resizeEvent(event)

    def _frame_arrived(self) -> None:
        if self.feed is None:
            return
        frame = self.feed.take()
        if frame is not None:
            self._frame = frame
            self._message = ""
            self.update()

    def _camera_failed(self, message: str) -> None:
        self._message = message
        self._frame = None
        self.update()

    # --- painting ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1e1e1e"))
        frame = self._frame
        if frame is not None:
            image = frame.image
            scale = min(self.width() / image.width(), self.height() / image.height(), 1.0)
            target = QRectF(
                (self.width() - image.width() * scale) / 2,
                (self.height() - image.height() * scale) / 2,
                image.width() * scale,
                image.height() * scale,
            )
            painter.drawImage(target, image)
            if frame.outline is not None:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                points = [
                    QPointF(target.left() + x * scale, target.top() + y * scale) for x, y in frame.outline
                ]
                painter.setPen(QPen(OUTLINE_SURE if frame.sure else OUTLINE_UNSURE, 3))
                painter.drawPolygon(QPolygonF(points))
            if self.feed is not None and self.feed.auto_capture:
                self._banner(painter, self._auto_text(frame))
            if frame is not self._painted:
                self._painted = frame
                self.frames_painted += 1
                self._paint_times.append(time.monotonic())
        if self._message:
            painter.setPen(QColor("#eeeeee"))
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * 1.2)
            painter.setFont(font)
            painter.drawText(
                self.rect().adjusted(20, 20, -20, -20),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self._message,
            )
        painter.end()

    def _auto_text(self, frame: PreviewFrame) -> str:
        if frame.waiting_for_motion:
            return self.tr("自动拍摄：放上下一页")
        return self.tr("自动拍摄：请保持不动…")

    def _banner(self, painter: QPainter, text: str) -> None:
        metrics = painter.fontMetrics()
        box = QRectF(
            10,
            self.height() - metrics.height() - 22,
            metrics.horizontalAdvance(text) + 24,
            metrics.height() + 12,
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 160))
        painter.drawRoundedRect(box, 6, 6)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
