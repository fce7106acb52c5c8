"""Capturing pages (采集): from the 高拍仪 (document camera), the scanner or files, into a material.

Every page goes through the page pipeline (:mod:`app.imaging.pipeline`: outline, perspective,
deskew, flattening, colour decision, blank check) and is fitted to the output profile before it
is stored with the case material. Three layers live here:

- functions that block (:func:`grab_frame`, :func:`scan_sheets`) and the ops built on them. All
  device I/O happens on the device's own thread through ``DeviceManager.submit``; the pipeline
  (CPU work, up to a second on a slow PC) runs on the network lane, so the single DB writer is
  never held up by a device; only the short page writes go to the DB lane.
- :class:`PageCapture`, the controller the materials panel and the capture panel drive: it starts
  the ops, asks for the corners when detection is unsure, carries scan progress and 取消, and says
  when pages were stored.
- :class:`CapturePanel`, the capture panel of the materials step: live preview, 拍照 (Space),
  auto-capture, scanner source / resolution / colour, scan progress with 取消, 导入文件 (Ctrl+O and
  drag and drop) and the page strip with reorder, rotate, delete and per-page verdicts.

A multi-page scan is driven one sheet at a time, so a cancel request is honoured between sheets:
the sheet in the feeder is finished, the next one is not pulled.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.errors import Cancelled, DeviceUnavailable, DomainError, UserFacingError
from app.imaging.io import read_pages
from app.imaging.output import fit_page
from app.imaging.pipeline import Corners, ProcessedPage, is_blank, process_camera_frame, process_scan
from app.imaging.profiles import DEFAULT_PROFILE_KEY, PROFILES, Image, OutputProfile, PageVerdict
from app.services import materials
from app.services.actor import Actor
from app.services.materials import PageView
from devices.camera.base import Camera
from devices.manager import DeviceManager
from devices.registry import NO_DRIVER
from devices.scanner.base import ColorMode, FeederEmpty, Scanner, ScanSource
from ui.counter import material_operations
from ui.counter.capture_preview import CapturePreview, camera_share, has_camera
from ui.counter.corner_editor import CornerEditor
from ui.counter.material_operations import MaterialChange, decode_thumbnail
from ui.counter.page_strip import THUMB_SIZE, PageStrip, strip_pages
from ui.ops import Op, OpRunner

log = logging.getLogger(__name__)

#: A frame or a sheet takes well under this; longer means the device hangs.
DEVICE_TIMEOUT_S = 30.0
#: Full-resolution frames kept so the clerk can re-adjust the corners of a page taken this visit.
KEPT_FRAMES = 4
CAPTURE_KEY = "Space"
IMPORT_KEY = "Ctrl+O"
#: Files a clerk may import or drop: JPEG, PNG, TIFF and PDF.
IMPORT_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".pdf"})
ERROR_STYLE = "color: #b71c1c; font-weight: bold;"
# Texts below are source strings of the "CapturePanel" translation context.
SOURCE_LABELS = {
    "flatbed": str(QT_TRANSLATE_NOOP("CapturePanel", "平板")),
    "adf": str(QT_TRANSLATE_NOOP("CapturePanel", "自动进纸器（ADF）")),
    "adf_duplex": str(QT_TRANSLATE_NOOP("CapturePanel", "双面（ADF）")),
}
COLOUR_LABELS: tuple[tuple[ColorMode, str], ...] = (
    ("color", str(QT_TRANSLATE_NOOP("CapturePanel", "彩色"))),
    ("gray", str(QT_TRANSLATE_NOOP("CapturePanel", "灰度"))),
    ("bw", str(QT_TRANSLATE_NOOP("CapturePanel", "黑白"))),
)
STATION_SETTING = str(QT_TRANSLATE_NOOP("CapturePanel", "按本机设置"))
IMPORT_FILTER = str(QT_TRANSLATE_NOOP("CapturePanel", "图片或 PDF (*.jpg *.jpeg *.png *.tif *.tiff *.pdf)"))
NO_TARGET = str(QT_TRANSLATE_NOOP("CapturePanel", "请先在材料清单中选中要采集的材料。"))


# --- blocking device work (inside ops only) -------------------------------------------------------


def _grab(camera: Camera) -> Image:
    return camera.grab().image


def grab_frame(devices: DeviceManager) -> Image:
    """One fresh full-resolution BGR frame (DeviceUnavailable when the camera is missing or busy).

    The live preview holds the camera thread; borrowing the camera makes it step aside.
    """
    with camera_share(devices).borrow():
        return devices.submit("camera", _grab).result(timeout=DEVICE_TIMEOUT_S)


@dataclass(frozen=True)
class ScanSettings:
    """How to scan. ``source`` None takes the feeder, or the glass when the feeder is empty;
    ``dpi`` and ``color_mode`` None take the station's scanner settings."""

    source: ScanSource | None = None
    dpi: int | None = None
    color_mode: ColorMode | None = None


class _SheetFeed:
    """Holds the scanner's page iterator between jobs; touched only on the scanner's thread."""

    def __init__(self, settings: ScanSettings) -> None:
        self.settings = settings
        self.pages: Iterator[Image] | None = None
        self.source: ScanSource = "flatbed"

    def start(self, scanner: Scanner) -> None:
        dpi, mode = self.settings.dpi, self.settings.color_mode
        source = self.settings.source
        if source is None and "adf" in scanner.sources():
            # The feeder first; an empty feeder means the page lies on the glass.
            try:
                self.pages = iter(scanner.scan("adf", dpi, mode))
                self.source = "adf"
                return
            except FeederEmpty:
                pass
        self.source = source or "flatbed"
        self.pages = iter(scanner.scan(self.source, dpi, mode))

    def next_sheet(self, _scanner: Any) -> Image | None:
        assert self.pages is not None
        return next(self.pages, None)

    def close(self, _scanner: Any) -> None:
        pages, self.pages = self.pages, None
        close = getattr(pages, "close", None)
        if close is not None:
            close()


def scan_sheets(
    devices: DeviceManager,
    cancel: threading.Event,
    *,
    settings: ScanSettings | None = None,
    on_sheet: Callable[[int], object] | None = None,
) -> Iterator[Image]:
    """Pages from the scanner as they come; ``on_sheet(n)`` is called before sheet n is pulled.

    Raises :class:`Cancelled` before pulling the next sheet once ``cancel`` is set; scanner
    errors (empty feeder, paper jam, unplugged) propagate after the pages scanned before them.
    """
    feed = _SheetFeed(settings or ScanSettings())
    devices.submit("scanner", feed.start).result(timeout=DEVICE_TIMEOUT_S)
    try:
        number = 0
        while True:
            if cancel.is_set():
                raise Cancelled()
            number += 1
            if on_sheet is not None:
                on_sheet(number)
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


# --- pipeline results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FittedCapture:
    """A page through the pipeline and fitted to the profile: the bytes to store and what to tell."""

    data: bytes
    blank: bool
    verdict: PageVerdict


def fit_processed(processed: ProcessedPage, profile: OutputProfile) -> FittedCapture:
    fitted = fit_page(processed.image, profile, colour=processed.colour)
    return FittedCapture(fitted.data, processed.blank_candidate, fitted.verdict)


@dataclass(frozen=True, eq=False)
class CameraShot:
    """A camera frame and the pipeline's result; ``fitted`` is None while the corners wait for the clerk."""

    frame: Image
    processed: ProcessedPage
    fitted: FittedCapture | None


def looks_blank(data: bytes) -> bool:
    """Whether stored page bytes look like an empty sheet (False for what cannot be decoded, e.g. PDF)."""
    gray = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_2)
    return gray is not None and gray.size > 0 and is_blank(np.asarray(gray, dtype=np.uint8))


# --- ops ------------------------------------------------------------------------------------------


def camera_shot(
    devices: DeviceManager | None,
    profile: OutputProfile,
    *,
    frame: Image | None = None,
    ask_when_unsure: bool = False,
) -> Op[CameraShot]:
    """Grab a frame (or take ``frame``, an auto-capture still), run the pipeline and, unless the
    outline is unsure and the clerk is to be asked, fit it to the profile."""

    def run() -> CameraShot:
        if frame is not None:
            image = frame
        elif devices is not None:
            image = grab_frame(devices)
        else:
            raise DomainError(
                QCoreApplication.translate("PageCapture", "本机没有配置高拍仪，请使用扫描仪或“导入文件”。")
            )
        processed = process_camera_frame(image)
        ask = ask_when_unsure and not processed.sure
        return CameraShot(image, processed, None if ask else fit_processed(processed, profile))

    return (
        Op(run=run, name="camera_shot")
        .on_network()
        .with_progress(QCoreApplication.translate("PageCapture", "正在拍摄…"))
    )


def cornered_page(frame: Image, corners: Corners, profile: OutputProfile) -> Op[FittedCapture]:
    """The frame cut along the clerk's corners, through the pipeline and fitted."""

    def run() -> FittedCapture:
        return fit_processed(process_camera_frame(frame, corners=corners), profile)

    return (
        Op(run=run, name="cornered_page")
        .on_network()
        .with_progress(QCoreApplication.translate("PageCapture", "正在处理页面…"))
    )


class ScanFeedback(QObject):
    """Carries pages from the scan op's thread to the UI (queued signals) and the cancel flag."""

    sheet_will_scan = Signal(int)  # number of the sheet the scanner takes now (1-based)
    page_did_scan = Signal(int, object)  # sheet number, FittedCapture

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cancel = threading.Event()


@dataclass(frozen=True)
class ScanResult:
    sheets: int
    cancelled: bool
    error: str = ""


def scan_pages(
    devices: DeviceManager,
    feedback: ScanFeedback,
    profile: OutputProfile,
    settings: ScanSettings | None = None,
) -> Op[ScanResult]:
    """Scan sheet after sheet, each through the pipeline and fitted, handed over through ``feedback``.

    Setting ``feedback.cancel`` stops before the next sheet; the result says how many came in.
    """

    def run() -> ScanResult:
        count = 0
        try:
            for sheet in scan_sheets(
                devices, feedback.cancel, settings=settings, on_sheet=feedback.sheet_will_scan.emit
            ):
                count += 1
                feedback.page_did_scan.emit(count, fit_processed(process_scan(sheet), profile))
        except Cancelled:
            return ScanResult(count, cancelled=True)
        return ScanResult(count, cancelled=False)

    return Op(run=run, name="scan_pages").on_network()


@dataclass(frozen=True)
class ImportResult:
    """Pages read from files, in order, and one message per file that could not be used."""

    pages: tuple[FittedCapture, ...]
    problems: tuple[str, ...]


def import_pages(paths: Sequence[Path], profile: OutputProfile) -> Op[ImportResult]:
    """Every page of the files (all pages of a TIFF or PDF), through the pipeline and fitted."""
    files = list(paths)

    def run() -> ImportResult:
        pages: list[FittedCapture] = []
        problems: list[str] = []
        for path in files:
            try:
                images = read_pages(path)
                fitted = [fit_processed(process_scan(image), profile) for image in images]
            except UserFacingError as error:
                problems.append(
                    QCoreApplication.translate("PageCapture", "“{name}”没有导入：{problem}").format(
                        name=path.name, problem=error
                    )
                )
                continue
            pages.extend(fitted)
        return ImportResult(tuple(pages), tuple(problems))

    return (
        Op(run=run, name="import_pages")
        .on_network()
        .with_progress(QCoreApplication.translate("PageCapture", "正在导入文件…"))
    )


@dataclass(frozen=True)
class StoredPages(MaterialChange):
    """Pages appended to a material, with their new ids in paper order."""

    page_ids: tuple[int, ...] = ()


def store_pages(
    ctx: AppContext,
    actor: Actor,
    case_id: int,
    material_id: int,
    pages: Sequence[bytes],
    *,
    source: str,
    profile_key: str = DEFAULT_PROFILE_KEY,
) -> Op[StoredPages]:
    """Append ``pages`` to the material in the order given, in one transaction."""
    data = list(pages)

    def run() -> StoredPages:
        with ctx.db.session() as session:
            ids = tuple(
                materials.add_page(
                    session, ctx.blobs, actor, material_id, page, source=source, profile_key=profile_key
                ).id
                for page in data
            )
        return StoredPages(case_id, pages_added=len(ids), page_ids=ids)

    return Op(run=run, name="store_pages")


@dataclass(frozen=True)
class MaterialPages:
    """One material's pages with thumbnails and blank flags (by sha256) for those not seen yet."""

    case_id: int
    material_id: int
    pages: tuple[PageView, ...]
    thumbnails: dict[str, QImage | None] = field(default_factory=dict)
    blank: dict[str, bool] = field(default_factory=dict)


def load_material_pages(
    ctx: AppContext,
    case_id: int,
    material_id: int,
    known: Collection[str] = (),
    *,
    profile_key: str = DEFAULT_PROFILE_KEY,
) -> Op[MaterialPages]:
    seen = set(known)

    def run() -> MaterialPages:
        thumbnails: dict[str, QImage | None] = {}
        blank: dict[str, bool] = {}
        with ctx.db.session() as session:
            views = materials.case_materials(session, case_id, profile_key=profile_key)
            material = next((v for v in views if v.id == material_id), None)
            if material is None:
                raise DomainError(
                    QCoreApplication.translate("PageCapture", "该材料已不在办件中，请刷新材料清单。")
                )
            for page in material.pages:
                key = page.sha256
                if key in seen or key in thumbnails:
                    continue
                if page.format == "pdf":
                    thumbnails[key], blank[key] = None, False
                    continue
                data = materials.page_image(session, ctx.blobs, page.id)
                thumbnails[key] = decode_thumbnail(data, THUMB_SIZE.height())
                blank[key] = looks_blank(data)
        return MaterialPages(case_id, material_id, material.pages, thumbnails, blank)

    return Op(run=run, name="load_material_pages")


@dataclass(frozen=True)
class ScannerOptions:
    sources: tuple[str, ...]
    resolutions: tuple[int, ...]


def scanner_options(devices: DeviceManager) -> Op[ScannerOptions]:
    """What the scanner offers: its sources and resolutions."""

    def ask(scanner: Scanner) -> ScannerOptions:
        return ScannerOptions(tuple(scanner.sources()), tuple(scanner.resolutions()))

    def run() -> ScannerOptions:
        return devices.submit("scanner", ask).result(timeout=DEVICE_TIMEOUT_S)

    return Op(run=run, name="scanner_options").on_network()


# --- the controller ---------------------------------------------------------------------------------

#: Asks the clerk for the page corners on ``frame`` (starting at ``corners``; ``unsure`` says
#: why) and calls ``done`` with the chosen corners, or None when the clerk gave up.
CornerPrompt = Callable[[Image, Corners | None, bool, Callable[[Corners | None], None]], None]


@dataclass(frozen=True)
class _Target:
    """Where a camera page goes: appended to a material, or replacing a page (重拍)."""

    case_id: int
    material_id: int | None = None
    page_id: int | None = None
    recut: bool = False  # the same frame cut along new corners, not a new picture


class PageCapture(QObject):
    """Starts capture ops for one material at a time and reports back with signals.

    ``actor`` is asked for the signed-in clerk each time (the clerk may change on the idle lock).
    With ``confirm_corners`` set, a camera page whose outline is unsure is not stored until the
    clerk confirmed its corners; without it the pipeline's best guess is stored. With
    ``errors_inline`` device problems (no paper, paper jam, unplugged) and unusable files arrive
    as ``problem_did_occur`` instead of a message box.
    """

    page_did_store = Signal(object)  # MaterialChange (StoredPages for new pages), after each store
    progress_did_change = Signal(str)  # what to tell the clerk ("" when nothing to say)
    scan_did_progress = Signal(int)  # sheets scanned so far
    sheet_will_scan = Signal(int)  # the sheet the scanner takes now (1-based)
    scan_did_finish = Signal(object)  # ScanResult
    problem_did_occur = Signal(str)  # with errors_inline: what went wrong and what to do
    capture_did_end = Signal()  # a camera page was stored, given up or failed

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        devices: DeviceManager | None,
        actor: Callable[[], Actor],
        parent: QObject | None = None,
        *,
        profile_key: str = DEFAULT_PROFILE_KEY,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = runner
        self._devices = devices
        self.actor = actor
        self.profile_key = profile_key
        self.confirm_corners: CornerPrompt | None = None
        self.errors_inline = False
        self._scan: ScanFeedback | None = None
        self._scan_target = (0, 0)  # case id, material id of the scan under way
        self._capturing = False
        self._scanned_count = 0
        self._frames: OrderedDict[int, tuple[Image, Corners | None]] = OrderedDict()

    @property
    def profile(self) -> OutputProfile:
        return PROFILES.require(self.profile_key)

    @property
    def scanning(self) -> bool:
        return self._scan is not None

    @property
    def capturing(self) -> bool:
        """A camera page is on its way (being processed, waiting for corners or being stored)."""
        return self._capturing

    def _require_devices(self) -> DeviceManager:
        if self._devices is None:
            raise DomainError(self.tr("本机没有配置高拍仪或扫描仪，请使用“导入文件”。"))
        return self._devices

    # --- camera -----------------------------------------------------------------------------------

    def camera_page(self, case_id: int, material_id: int) -> None:
        """F7 / Space: one page from the camera, appended to the material."""
        self._shoot(_Target(case_id, material_id=material_id), None)

    def camera_frame(self, case_id: int, material_id: int, frame: Image) -> None:
        """An auto-capture still (already grabbed), appended to the material."""
        self._shoot(_Target(case_id, material_id=material_id), frame)

    def retake(self, case_id: int, page_id: int) -> None:
        """重拍: a new camera image for an existing page, same position."""
        self._shoot(_Target(case_id, page_id=page_id), None)

    def can_adjust(self, page_id: int) -> bool:
        """Whether the frame behind ``page_id`` is still here (a camera page taken this visit)."""
        return page_id in self._frames

    def adjust_corners(self, case_id: int, page_id: int) -> None:
        """Ask the clerk for the corners of a camera page again and replace the page with the new cut."""
        kept = self._frames.get(page_id)
        if kept is None or self.confirm_corners is None or self._capturing:
            return
        frame, corners = kept
        self._capturing = True
        target = _Target(case_id, page_id=page_id, recut=True)
        self.confirm_corners(
            frame, corners, False, lambda chosen: self._corners_chosen(target, frame, chosen)
        )

    def _shoot(self, target: _Target, frame: Image | None) -> None:
        if self._capturing:
            self.progress_did_change.emit(self.tr("正在处理上一页，请稍候…"))
            return
        devices = self._require_devices() if frame is None else self._devices
        self._capturing = True
        op = camera_shot(devices, self.profile, frame=frame, ask_when_unsure=self.confirm_corners is not None)
        self._runner.start(
            op.success(lambda shot: self._shot_taken(target, shot)).failure(self._capture_failed)
        )

    def _shot_taken(self, target: _Target, shot: CameraShot) -> None:
        if shot.fitted is not None:
            self._save(target, shot.fitted, shot.frame, shot.processed.corners)
            return
        assert self.confirm_corners is not None
        self.progress_did_change.emit(self.tr("没能确定纸张边缘：请调整四个角点后按 Enter。"))
        frame = shot.frame
        self.confirm_corners(
            frame, shot.processed.corners, True, lambda chosen: self._corners_chosen(target, frame, chosen)
        )

    def _corners_chosen(self, target: _Target, frame: Image, corners: Corners | None) -> None:
        if corners is None:
            self._end_capture()
            self.progress_did_change.emit(self.tr("已取消，这一页没有保存。"))
            return
        op = cornered_page(frame, corners, self.profile)
        self._runner.start(
            op.success(lambda fitted: self._save(target, fitted, frame, corners)).failure(
                self._capture_failed
            )
        )

    def _save(self, target: _Target, fitted: FittedCapture, frame: Image, corners: Corners | None) -> None:
        try:
            actor = self.actor()
        except UserFacingError as error:  # nobody signed in any more (idle lock)
            self._capture_failed(error)
            return
        op: Op[Any]
        if target.page_id is not None:
            op = material_operations.replace_page(
                self._ctx, actor, target.case_id, target.page_id, fitted.data, profile_key=self.profile_key
            )
            done = self.tr("已按新的四角重新裁切该页。") if target.recut else self.tr("已重拍该页。")
        else:
            assert target.material_id is not None
            op = store_pages(
                self._ctx,
                actor,
                target.case_id,
                target.material_id,
                [fitted.data],
                source="camera",
                profile_key=self.profile_key,
            )
            done = self.tr("已拍摄 1 页。")
        if fitted.blank:
            done += self.tr("这一页看起来是空白的，请确认是否需要。")

        def stored(change: MaterialChange) -> None:
            ids = change.page_ids if isinstance(change, StoredPages) else (target.page_id,)
            for page_id in ids:
                if page_id is not None:
                    self._keep_frame(page_id, frame, corners)
            self._end_capture()
            self._stored(change, done)

        self._runner.start(op.success(stored).failure(self._capture_failed))

    def forget_frame(self, page_id: int) -> None:
        """The page was turned or deleted: cutting its frame again would undo that (or hit a reused id)."""
        self._frames.pop(page_id, None)

    def _keep_frame(self, page_id: int, frame: Image, corners: Corners | None) -> None:
        if self.confirm_corners is None:
            return  # nobody can ask for the corners again: do not hold the frame's memory
        self._frames[page_id] = (frame, corners)
        self._frames.move_to_end(page_id)
        while len(self._frames) > KEPT_FRAMES:
            self._frames.popitem(last=False)

    def _end_capture(self) -> None:
        self._capturing = False
        self.capture_did_end.emit()

    def _capture_failed(self, error: BaseException) -> None:
        self._end_capture()
        self._problem(error)

    def _problem(self, error: BaseException) -> None:
        """Tell the clerk: inline when asked for (device problems and bad files), else the runner's box."""
        if self.errors_inline and isinstance(error, UserFacingError):
            self.problem_did_occur.emit(str(error))
            return
        raise error  # the runner shows what happened and what to do

    # --- files --------------------------------------------------------------------------------------

    def import_paths(self, case_id: int, material_id: int, paths: Sequence[Path]) -> None:
        """导入文件 as the materials panel does it: images fitted when they fail, PDFs kept as they are."""
        op = material_operations.import_files(
            self._ctx, self.actor(), case_id, material_id, paths, profile_key=self.profile_key
        )
        self._runner.start(
            op.success(
                lambda change: self._stored(change, self.tr("已导入 {n} 页。").format(n=change.pages_added))
            )
        )

    def import_files(self, case_id: int, material_id: int, paths: Sequence[Path]) -> None:
        """Every page of the files (JPEG, PNG, TIFF, PDF) through the pipeline, appended in order."""
        op = import_pages(paths, self.profile)
        self._runner.start(op.success(lambda result: self._imported(case_id, material_id, result)))

    def _imported(self, case_id: int, material_id: int, result: ImportResult) -> None:
        if result.pages:
            blank = sum(1 for page in result.pages if page.blank)
            done = self.tr("已导入 {n} 页。").format(n=len(result.pages))
            if blank:
                done += self.tr("其中 {n} 页看起来是空白的，请确认是否需要。").format(n=blank)
            op = store_pages(
                self._ctx,
                self.actor(),
                case_id,
                material_id,
                [page.data for page in result.pages],
                source="import",
                profile_key=self.profile_key,
            )
            self._runner.start(op.success(lambda change: self._stored(change, done)))
        if result.problems:
            self._problem(UserFacingError("\n".join(result.problems)))

    # --- scanner ------------------------------------------------------------------------------------

    def scan(self, case_id: int, material_id: int, settings: ScanSettings | None = None) -> None:
        """Every sheet in the feeder (or the one on the glass) into the material, each stored as it arrives."""
        if self._scan is not None:
            return
        devices = self._require_devices()
        feedback = ScanFeedback(self)
        # Bound methods of this UI-thread object, not lambdas: the signals come from the op's
        # thread and must be queued to ours (a lambda would run on the emitting thread).
        feedback.page_did_scan.connect(self._scanned)
        feedback.sheet_will_scan.connect(self.sheet_will_scan)
        self._scan = feedback
        self._scan_target = (case_id, material_id)
        self._scanned_count = 0
        self.progress_did_change.emit(self.tr("正在扫描…"))
        self._runner.start(
            scan_pages(devices, feedback, self.profile, settings)
            .success(self._scan_finished)
            .failure(self._scan_failed)
        )

    def cancel_scan(self) -> None:
        if self._scan is not None:
            self._scan.cancel.set()
            self.progress_did_change.emit(self.tr("正在停止扫描：当前这一页扫完后停止…"))

    def _store(
        self, case_id: int, material_id: int, fitted: FittedCapture, source: str, done: str = ""
    ) -> None:
        op = store_pages(
            self._ctx,
            self.actor(),
            case_id,
            material_id,
            [fitted.data],
            source=source,
            profile_key=self.profile_key,
        )
        self._runner.start(op.success(lambda change: self._stored(change, done)))

    def _stored(self, change: MaterialChange, done: str) -> None:
        if done:
            self.progress_did_change.emit(done)
        self.page_did_store.emit(change)

    def _scanned(self, number: int, fitted: object) -> None:
        assert isinstance(fitted, FittedCapture)
        case_id, material_id = self._scan_target
        self._scanned_count = number
        text = self.tr("正在扫描：已扫描 {n} 页…（点“取消”停止）").format(n=number)
        if fitted.blank:
            text += self.tr("第 {n} 页看起来是空白的，请确认是否需要。").format(n=number)
        self.progress_did_change.emit(text)
        self._store(case_id, material_id, fitted, "scanner")
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
        self.scan_did_finish.emit(ScanResult(self._scanned_count, cancelled=False, error=str(error)))
        self._problem(error)


# --- the panel --------------------------------------------------------------------------------------


class CapturePanel(QWidget):
    """采集面板: captures pages into one material (:meth:`set_material`) and shows them in a strip.

    Emits ``material_did_change`` after every stored or edited page, so the checklist can redraw.
    """

    material_did_change = Signal(object)  # MaterialChange

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        devices: DeviceManager | None,
        actor: Callable[[], Actor],
        *,
        profile_key: str = DEFAULT_PROFILE_KEY,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("capture_panel")
        self.setAcceptDrops(True)
        self._ctx = ctx
        self._runner = runner
        self._devices = devices
        self._target: tuple[int, int] | None = None
        self._editable = False
        self._scanner_ready = False
        self._thumbnails: dict[str, QImage | None] = {}
        self._blank: dict[str, bool] = {}
        self._select_id: int | None = None
        self._select_row: int | None = None
        self.corner_editor: CornerEditor | None = None
        self.capturer = PageCapture(ctx, runner, devices, actor, self, profile_key=profile_key)
        self.capturer.errors_inline = True
        self.capturer.confirm_corners = self._ask_corners

        self.preview = CapturePreview(devices, self)
        self.preview.still_did_capture.connect(self._auto_shot)
        self.target_label = QLabel(self.tr(NO_TARGET))
        self.target_label.setObjectName("capture_target")
        self.target_label.setWordWrap(True)

        camera_box = QGroupBox(self.tr("高拍仪"))
        self.capture_button = QPushButton(self.tr("拍照 (空格)"))
        self.capture_button.setObjectName("capture_photo")
        self.capture_button.setToolTip(self.tr("拍下高拍仪下的这一页，加到选中的材料"))
        self.capture_button.clicked.connect(self.capture)
        self.auto_capture = QCheckBox(self.tr("自动拍摄"))
        self.auto_capture.setObjectName("capture_auto")
        self.auto_capture.setToolTip(self.tr("放好一页、手离开后自动拍下；换下一页后再自动拍"))
        self.auto_capture.toggled.connect(self.preview.set_auto_capture)
        self.corners_button = QPushButton(self.tr("调整四角…"))
        self.corners_button.setObjectName("capture_corners")
        self.corners_button.setToolTip(self.tr("重新调整选中页的纸张四角（仅限本次拍摄的页）"))
        self.corners_button.clicked.connect(self.adjust_corners)
        camera_layout = QVBoxLayout(camera_box)
        camera_layout.addWidget(self.capture_button)
        camera_layout.addWidget(self.auto_capture)
        camera_layout.addWidget(self.corners_button)
        camera_box.setEnabled(has_camera(devices))

        scanner_box = QGroupBox(self.tr("扫描仪"))
        self.source_box = QComboBox()
        self.source_box.setObjectName("scan_source")
        self.dpi_box = QComboBox()
        self.dpi_box.setObjectName("scan_dpi")
        self.colour_box = QComboBox()
        self.colour_box.setObjectName("scan_colour")
        self.colour_box.addItem(self.tr(STATION_SETTING), None)
        for mode, label in COLOUR_LABELS:
            self.colour_box.addItem(self.tr(label), mode)
        self.scan_button = QPushButton(self.tr("扫描"))
        self.scan_button.setObjectName("capture_scan")
        self.scan_button.clicked.connect(self.scan)
        form = QFormLayout()
        form.addRow(self.tr("来源"), self.source_box)
        form.addRow(self.tr("分辨率"), self.dpi_box)
        form.addRow(self.tr("颜色"), self.colour_box)
        scanner_layout = QVBoxLayout(scanner_box)
        scanner_layout.addLayout(form)
        scanner_layout.addWidget(self.scan_button)
        self.scanner_box = scanner_box

        self.import_button = QPushButton(self.tr("导入文件… (Ctrl+O)"))
        self.import_button.setObjectName("capture_import")
        self.import_button.setToolTip(self.tr("导入 JPEG、PNG、TIFF 或 PDF 文件；也可以把文件拖到这里"))
        self.import_button.clicked.connect(self.choose_files)

        self.status = QLabel()
        self.status.setObjectName("capture_status")
        self.status.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setObjectName("capture_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(ERROR_STYLE)
        self.problem.hide()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("scan_progress_text")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("scan_progress")
        self.progress_bar.setRange(0, 0)  # a feeder does not say how many sheets it holds
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton(self.tr("取消扫描"))
        self.cancel_button.setObjectName("scan_cancel")
        self.cancel_button.clicked.connect(self.cancel_scan)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.cancel_button)
        self._progress_widgets = (self.progress_label, self.progress_bar, self.cancel_button)
        self._show_progress(False)

        self.strip = PageStrip(self.capturer.profile)
        self.strip.page_did_request_move.connect(self._move)
        self.strip.page_did_request_rotation.connect(self._rotate)
        self.strip.page_did_request_delete.connect(self._delete)
        self.strip.files_did_drop.connect(lambda files: self.import_paths(list(files)))
        self.strip.currentRowChanged.connect(lambda _row: self._update_actions())
        self.page_buttons: dict[str, QPushButton] = {}
        strip_row = QHBoxLayout()
        for name, text, handler in (
            ("earlier", self.tr("← 前移 (Alt+←)"), lambda: self.strip.move_current(-1)),
            ("later", self.tr("后移 → (Alt+→)"), lambda: self.strip.move_current(1)),
            ("rotate", self.tr("↻ 顺时针 (Ctrl+R)"), lambda: self.strip.rotate_current(1)),
            ("rotate_back", self.tr("↺ 逆时针 (Ctrl+Shift+R)"), lambda: self.strip.rotate_current(-1)),
            ("delete", self.tr("删除 (Delete)"), self.strip.delete_current),
        ):
            button = QPushButton(text)
            button.setObjectName(f"page_{name}")
            button.clicked.connect(lambda _checked=False, h=handler: h())
            strip_row.addWidget(button)
            self.page_buttons[name] = button
        strip_row.addStretch(1)

        side = QVBoxLayout()
        side.addWidget(self.target_label)
        side.addWidget(camera_box)
        side.addWidget(scanner_box)
        side.addWidget(self.import_button)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(270)
        top = QHBoxLayout()
        top.addWidget(self.preview, 1)
        top.addWidget(side_widget)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)
        layout.addLayout(progress_row)
        layout.addWidget(self.strip)
        layout.addLayout(strip_row)

        # QShortcuts, not button.setShortcut (that clicks 100 ms later, and a held key must not take
        # a burst of pictures); they act while the focus is anywhere in this panel.
        self.capture_shortcut = QShortcut(QKeySequence(CAPTURE_KEY), self, self.capture)
        self.import_shortcut = QShortcut(QKeySequence(IMPORT_KEY), self, self.choose_files)
        for shortcut in (self.capture_shortcut, self.import_shortcut):
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.setAutoRepeat(False)

        self.capturer.page_did_store.connect(self._stored)
        self.capturer.progress_did_change.connect(self._say)
        self.capturer.problem_did_occur.connect(self._show_problem)
        self.capturer.sheet_will_scan.connect(self._sheet_started)
        self.capturer.scan_did_finish.connect(self._scan_finished)
        self.capturer.capture_did_end.connect(self._update_actions)
        self._load_scanner_options()
        self._update_actions()

    # --- what is shown ------------------------------------------------------------------------------

    @property
    def target(self) -> tuple[int, int] | None:
        """(case id, material id) pages go to, or None."""
        return self._target

    def set_material(
        self, case_id: int | None, material_id: int | None, *, name: str = "", editable: bool = True
    ) -> None:
        """Capture into this material from now on (None: nothing selected) and show its pages."""
        target = None if case_id is None or material_id is None else (case_id, material_id)
        if target is not None and self._target is not None and target[0] != self._target[0]:
            self._thumbnails.clear()  # keep the caches to one case's pages
            self._blank.clear()
        changed = target != self._target
        self._target, self._editable = target, editable and target is not None
        if target is None:
            self.target_label.setText(self.tr(NO_TARGET))
        elif editable:
            self.target_label.setText(self.tr("采集到：{name}").format(name=name))
        else:
            self.target_label.setText(self.tr("{name}（材料不能再修改）").format(name=name))
        if changed:
            self.strip.show_pages([])
            self.reload()
        self._update_actions()

    def reload(self) -> None:
        if self._target is None:
            return
        case_id, material_id = self._target
        op = load_material_pages(
            self._ctx, case_id, material_id, self._thumbnails.keys(), profile_key=self.capturer.profile_key
        )
        self._runner.start(op.success(self._show_pages))

    def _show_pages(self, loaded: MaterialPages) -> None:
        if self._target != (loaded.case_id, loaded.material_id):
            return  # another material was chosen meanwhile
        self._thumbnails.update(loaded.thumbnails)
        self._blank.update(loaded.blank)
        select = self._select_row
        self.strip.show_pages(strip_pages(loaded.pages, self._thumbnails, self._blank_keys()), select=select)
        if self._select_id is not None:
            self.strip.select_page_id(self._select_id)
        self._select_id = self._select_row = None
        self._update_actions()

    def _blank_keys(self) -> set[str]:
        return {key for key, blank in self._blank.items() if blank}

    def _update_actions(self) -> None:
        ready = self._target is not None and self._editable
        scanning = self.capturer.scanning
        capturing = self.capturer.capturing
        page = self.strip.current_page()
        self.capture_button.setEnabled(ready and not scanning and not capturing)
        self.corners_button.setEnabled(
            ready and page is not None and self.capturer.can_adjust(page.id) and not capturing
        )
        self.scan_button.setEnabled(ready and self._scanner_ready and not scanning)
        self.import_button.setEnabled(ready and not scanning)
        self.strip.editable = ready and not scanning
        for name, button in self.page_buttons.items():
            enabled = ready and not scanning and page is not None
            if page is not None and name == "earlier":
                enabled = enabled and page.position > 0
            if page is not None and name == "later":
                enabled = enabled and page.position < self.strip.count() - 1
            button.setEnabled(enabled)

    def _say(self, text: str) -> None:
        self.status.setText(text)

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def _clear_problem(self) -> None:
        self._show_problem("")

    def _require_target(self) -> tuple[int, int] | None:
        if self._target is None or not self._editable:
            self._show_problem(self.tr(NO_TARGET))
            return None
        return self._target

    # --- camera ------------------------------------------------------------------------------------

    def capture(self) -> None:
        """拍照 (Space): the page under the camera into the material."""
        target = self._require_target()
        if target is None or self.capturer.scanning:
            return
        if not has_camera(self._devices):
            self._show_problem(self.tr("本机没有配置高拍仪，请用扫描仪扫描或导入文件。"))
            return
        self._clear_problem()
        self.capturer.camera_page(*target)
        self._update_actions()

    def _auto_shot(self, frame: object) -> None:
        assert isinstance(frame, np.ndarray)
        if self._target is None or not self._editable:
            self._say(self.tr("自动拍摄：请先在材料清单中选中材料，这一页没有保存。"))
            return
        if self.capturer.capturing or self.capturer.scanning:
            return  # the clerk is still busy with the last page
        self._clear_problem()
        self.capturer.camera_frame(self._target[0], self._target[1], frame)
        self._update_actions()

    def adjust_corners(self) -> None:
        """调整四角: cut the selected camera page again along corners the clerk sets."""
        page = self.strip.current_page()
        if page is None or self._target is None or not self._editable:
            return
        self._select_id = page.id
        self.capturer.adjust_corners(self._target[0], page.id)
        self._update_actions()

    def _ask_corners(
        self, frame: Image, corners: Corners | None, unsure: bool, done: Callable[[Corners | None], None]
    ) -> None:
        if self.corner_editor is not None:
            self.corner_editor.deleteLater()
        editor = CornerEditor(frame, corners, unsure=unsure, parent=self)
        self.corner_editor = editor
        editor.accepted.connect(lambda: done(editor.corners()))
        editor.rejected.connect(lambda: done(None))
        editor.open()

    # --- scanner -----------------------------------------------------------------------------------

    def _load_scanner_options(self) -> None:
        devices = self._devices
        if devices is None or devices.drivers.get("scanner", NO_DRIVER) == NO_DRIVER:
            self.scanner_box.setEnabled(False)
            self.scanner_box.setToolTip(self.tr("本机没有配置扫描仪"))
            return
        self.scanner_box.setEnabled(False)
        self.scanner_box.setToolTip(self.tr("正在读取扫描仪…"))
        self._runner.start(
            scanner_options(devices).success(self._show_scanner_options).failure(self._no_scanner)
        )

    def _show_scanner_options(self, options: ScannerOptions) -> None:
        self.source_box.clear()
        self.source_box.addItem(self.tr("自动（进纸器优先）"), None)
        for source in options.sources:
            self.source_box.addItem(
                self.tr(SOURCE_LABELS[source]) if source in SOURCE_LABELS else source, source
            )
        self.dpi_box.clear()
        self.dpi_box.addItem(self.tr(STATION_SETTING), None)
        for dpi in options.resolutions:
            self.dpi_box.addItem(f"{dpi} dpi", dpi)
        self._scanner_ready = True
        self.scanner_box.setEnabled(True)
        self.scanner_box.setToolTip("")
        self._update_actions()

    def _no_scanner(self, error: BaseException) -> None:
        self.scanner_box.setToolTip(
            str(error) if isinstance(error, UserFacingError) else self.tr("扫描仪无法使用")
        )
        log.info("scanner options could not be read: %s", type(error).__name__)

    def scan_settings(self) -> ScanSettings:
        return ScanSettings(
            source=self.source_box.currentData(),
            dpi=self.dpi_box.currentData(),
            color_mode=self.colour_box.currentData(),
        )

    def scan(self) -> None:
        """扫描: every sheet from the chosen source into the material, with progress and 取消."""
        target = self._require_target()
        if target is None or self.capturer.scanning or not self._scanner_ready:
            return
        self._clear_problem()
        self._show_progress(True)  # before starting: an inline runner finishes within the call
        self.progress_label.setText(self.tr("正在启动扫描仪…"))
        self.capturer.scan(target[0], target[1], self.scan_settings())
        self._update_actions()

    def cancel_scan(self) -> None:
        self.capturer.cancel_scan()
        self.cancel_button.setEnabled(False)

    def _sheet_started(self, number: int) -> None:
        self.progress_label.setText(self.tr("正在扫描第 {n} 页…").format(n=number))

    def _show_progress(self, shown: bool) -> None:
        for widget in self._progress_widgets:
            widget.setVisible(shown)
        self.cancel_button.setEnabled(shown)

    def _scan_finished(self, _result: object) -> None:
        self._show_progress(False)
        self._update_actions()
        self.reload()

    # --- files ---------------------------------------------------------------------------------------

    def choose_files(self) -> None:
        """导入文件 (Ctrl+O)."""
        if self._require_target() is None:
            return
        paths, _filter = QFileDialog.getOpenFileNames(
            self, self.tr("导入材料文件"), str(Path.home()), self.tr(IMPORT_FILTER)
        )
        if paths:
            self.import_paths([Path(p) for p in paths])

    def import_paths(self, paths: Sequence[Path | str]) -> None:
        """Import the JPEG/PNG/TIFF/PDF files among ``paths``; the others are named in a message."""
        target = self._require_target()
        if target is None or self.capturer.scanning:
            return
        files = [Path(p) for p in paths]
        usable = [p for p in files if p.suffix.lower() in IMPORT_SUFFIXES]
        refused = [p.name for p in files if p.suffix.lower() not in IMPORT_SUFFIXES]
        self._clear_problem()
        if refused:
            self._show_problem(
                self.tr("不能导入：{names}。只能导入 JPEG、PNG、TIFF 或 PDF 文件。").format(
                    names="、".join(refused)
                )
            )
        if usable:
            self.capturer.import_files(target[0], target[1], usable)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = PageStrip.dropped_files(event.mimeData())
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_paths(files)

    # --- page edits ----------------------------------------------------------------------------------

    def _edit(self, op: Op[MaterialChange], done: str = "") -> None:
        self._clear_problem()

        def edited(change: MaterialChange) -> None:
            if done:
                self._say(done)
            self._changed(change)

        self._runner.start(op.success(edited))

    def _move(self, page_id: int, position: int) -> None:
        if self._target is None:
            return
        self._select_id = page_id
        self._edit(
            material_operations.move_page(
                self._ctx, self.capturer.actor(), self._target[0], page_id, position
            )
        )

    def _rotate(self, page_id: int, quarter_turns: int) -> None:
        if self._target is None:
            return
        self._select_id = page_id
        self.capturer.forget_frame(page_id)
        op = material_operations.rotate_page(
            self._ctx, self.capturer.actor(), self._target[0], page_id, quarter_turns
        )
        self._edit(op)

    def _delete(self, page_id: int) -> None:
        if self._target is None:
            return
        self._select_row = max(self.strip.currentRow() - 1, 0)
        self.capturer.forget_frame(page_id)
        number = self.strip.currentRow() + 1
        op = material_operations.delete_page(self._ctx, self.capturer.actor(), self._target[0], page_id)
        self._edit(op, self.tr("已删除第 {n} 页。").format(n=number))

    def _stored(self, change: MaterialChange) -> None:
        if isinstance(change, StoredPages) and change.page_ids:
            self._select_id = change.page_ids[-1]
        self._changed(change)

    def _changed(self, change: MaterialChange) -> None:
        if self._target is None or change.case_id != self._target[0]:
            return
        self.material_did_change.emit(change)
        self.reload()
