"""Capture ops (采集) and the :class:`PageCapture` controller behind the capture panel.

Every page goes through the page pipeline (:mod:`app.imaging.pipeline`: outline, perspective,
deskew, flattening, colour decision, blank check) and is fitted to the output profile before it
is stored with the case material. Two layers live here (the panel is :mod:`ui.counter.capture`):

- functions that block (:func:`grab_frame`, :func:`scan_sheets`) and the ops built on them. All
  device I/O happens on the device's own thread through ``DeviceManager.submit``; the pipeline
  (CPU work, up to a second on a slow PC) runs on the network lane, so the single DB writer is
  never held up by a device; only the short page writes go to the DB lane.
- :class:`PageCapture`, the controller the capture panel drives: it starts the ops, asks for the
  corners when detection is unsure, carries scan progress and 取消, and says when pages were stored.

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
from typing import Any, TypeVar

import cv2
import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QImage

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
from devices.scanner.base import ColorMode, FeederEmpty, Scanner, ScanSource
from devices.scanner.sane_scanner import PAGE_TIMEOUT_S
from ui.counter import material_operations
from ui.counter.capture_preview import camera_share
from ui.counter.material_operations import MaterialChange, decode_thumbnail
from ui.counter.page_strip import THUMB_SIZE
from ui.ops import Op, OpRunner

log = logging.getLogger(__name__)

T = TypeVar("T")

#: A frame (or a question to the scanner) takes well under this; longer means the device hangs.
DEVICE_TIMEOUT_S = 30.0
#: One sheet: longer than the SANE driver's own page timeout (and its cancel grace), so a hung
#: scanner is reported by the driver, which also cancels the scan, rather than given up on here.
SHEET_TIMEOUT_S = PAGE_TIMEOUT_S + 15.0
#: Starting a scan may try the feeder and then the glass: two sheets' worth.
SCAN_START_TIMEOUT_S = 2 * SHEET_TIMEOUT_S
#: Full-resolution frames kept so the clerk can re-adjust the corners of a page taken this visit.
KEPT_FRAMES = 4


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


def _on_scanner(devices: DeviceManager, job: Callable[[Any], T], timeout_s: float) -> T:
    """Run ``job`` on the scanner's thread; a scanner that never answers becomes DeviceUnavailable."""
    try:
        return devices.submit("scanner", job).result(timeout=timeout_s)
    except TimeoutError:
        log.error("scanner gave no page within %.0f s", timeout_s)
        raise DeviceUnavailable(
            QCoreApplication.translate(
                "PageCapture", "扫描仪 {s} 秒没有送出页面：请检查是否卡纸、断开或休眠，处理后重新扫描。"
            ).format(s=round(timeout_s)),
            device="scanner",
        ) from None


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
    _on_scanner(devices, feed.start, SCAN_START_TIMEOUT_S)
    try:
        number = 0
        while True:
            if cancel.is_set():
                raise Cancelled()
            number += 1
            if on_sheet is not None:
                on_sheet(number)
            sheet = _on_scanner(devices, feed.next_sheet, SHEET_TIMEOUT_S)
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
        self._stopping = False

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

    def stop(self) -> None:
        """The window closes: a scan stops after the sheet in the scanner, which is still stored."""
        self._stopping = True
        self.cancel_scan()

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
        if self._stopping:
            # The runner takes no more ops; a sheet that went through the scanner is not lost.
            try:
                op.run()
            except Exception:
                log.exception("a page scanned while the window closed could not be stored")
            return
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
