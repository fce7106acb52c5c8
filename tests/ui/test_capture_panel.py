"""The capture panel (采集面板): live preview, camera pages, auto-capture, scanner batches and file import.

Devices are the simulators (a 30 fps simulated 高拍仪 registered for the preview test) and small
cameras that show given frames: a bare desk where no page outline can be found, or a page a hand
moves over before it lies still.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import img2pdf
import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QFileDialog, QListWidget
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.imaging.output import jpeg_info
from app.model import CaseMaterial, Role
from app.services.actor import Actor
from app.services.applicants import applicant_typed
from app.services.case_flow import open_case
from app.services.materials import MaterialView, PageView, case_materials, page_image
from app.validation import make_id_number
from devices.camera.base import Frame, Resolution
from devices.camera.simulated import SimulatedCamera
from devices.manager import DeviceManager
from devices.registry import register_driver, unregister_driver
from devices.scanner.base import ColorMode, ScanSource
from devices.scanner.sane_scanner import PAGE_TIMEOUT_S
from devices.scanner.simulated import SimulatedScanner
from tests.imaging.synth import a4_document, blank_page, desk_frame
from ui.counter import capture_ops
from ui.counter.capture import SHEET_TIMEOUT_S, CapturePanel
from ui.ops import OpRunner

RELIEF = "11341122003051401840510296000000"  # 临时救助, the demo catalog's first item
CLERK = Actor("chuangkou", Role.CLERK, display_name="王小窗")
FRAME_SIZE = (1600, 1200)
WAIT_MS = 10_000


class FrameCamera:
    """A 高拍仪 showing ``frames`` one after another at ``fps``, then the last one for ever."""

    def __init__(self, frames: list[np.ndarray], fps: float = 30.0) -> None:
        self._frames = frames
        self._fps = fps
        self._index = 0
        self.grabs = 0

    def resolutions(self) -> list[Resolution]:
        return [self.resolution]

    @property
    def resolution(self) -> Resolution:
        return Resolution(self._frames[0].shape[1], self._frames[0].shape[0])

    def set_resolution(self, resolution: Resolution) -> None:
        if resolution != self.resolution:
            raise ValueError(resolution)

    def _current(self) -> np.ndarray:
        return self._frames[min(self._index, len(self._frames) - 1)]

    def grab(self) -> Frame:
        self.grabs += 1
        return Frame(self._current().copy(), time.monotonic())

    def frames(self) -> Iterator[Frame]:
        while True:
            time.sleep(1.0 / self._fps)
            self._index += 1
            yield Frame(self._current().copy(), time.monotonic())


@pytest.fixture
def material(demo_ctx: AppContext) -> MaterialView:
    """The first material of a freshly opened 临时救助 case."""
    number = make_id_number("341122", dt.date(1975, 6, 1), 5, "女")
    with demo_ctx.db.session() as session:
        applicant = applicant_typed(session, CLERK, name="周桂兰", id_number=number, mobile="13905501234")
        case = open_case(
            session,
            CLERK,
            station_code=demo_ctx.station_code,
            item_impl_code=RELIEF,
            applicant_id=applicant.id,
        )
        return case_materials(session, case.id)[0]


def case_id_of(ctx: AppContext, material: MaterialView) -> int:
    with ctx.db.session() as session:
        row = session.get(CaseMaterial, material.id)
        assert row is not None
        return row.case_id


def stored_pages(ctx: AppContext, case_id: int, material_id: int) -> list[PageView]:
    with ctx.db.session() as session:
        return list(next(m for m in case_materials(session, case_id) if m.id == material_id).pages)


@pytest.fixture
def messages() -> list[str]:
    """What the runner would have shown in a message box (the panel should say it inline instead)."""
    return []


def make_devices(ctx: AppContext, camera: str = "simulated") -> DeviceManager:
    manager = DeviceManager(
        {"camera": camera, "scanner": "simulated"}, work_dir=ctx.work_dir, poll_interval_s=None
    )
    manager.start()
    return manager


@pytest.fixture
def devices(demo_ctx: AppContext) -> Iterator[DeviceManager]:
    manager = make_devices(demo_ctx)
    yield manager
    manager.stop()


def make_panel(
    qtbot: QtBot, ctx: AppContext, devices: DeviceManager | None, runner: OpRunner, material: MaterialView
) -> CapturePanel:
    panel = CapturePanel(ctx, runner, devices, lambda: CLERK)
    qtbot.addWidget(panel)
    panel.resize(1100, 780)
    panel.set_material(case_id_of(ctx, material), material.id, name=material.name)
    return panel


@pytest.fixture
def panel(
    qtbot: QtBot,
    demo_ctx: AppContext,
    devices: DeviceManager,
    material: MaterialView,
    messages: list[str],
) -> Iterator[CapturePanel]:
    shown = make_panel(
        qtbot, demo_ctx, devices, OpRunner(inline=True, show_message=messages.append), material
    )
    yield shown
    shown.close()  # releases the camera before the devices stop


def feeder(devices: DeviceManager, sheets: int, jam_after: int | None = None) -> None:
    def load(scanner: object) -> None:
        scanner.load_feeder(sheets)  # type: ignore[attr-defined]
        scanner.jam_after(jam_after)  # type: ignore[attr-defined]

    devices.submit("scanner", load).result(timeout=5)


def choose(combo: object, data: object) -> None:
    index = combo.findData(data)  # type: ignore[attr-defined]
    assert index >= 0, data
    combo.setCurrentIndex(index)  # type: ignore[attr-defined]


# --- the live preview ----------------------------------------------------------------------------------


def test_the_live_preview_shows_at_least_15_frames_a_second_without_blocking_the_ui(
    qtbot: QtBot, demo_ctx: AppContext, material: MaterialView
) -> None:
    register_driver("camera", "simulated-30fps", lambda _ctx: SimulatedCamera(fps=30.0))
    manager = make_devices(demo_ctx, camera="simulated-30fps")
    panel = make_panel(qtbot, demo_ctx, manager, OpRunner(inline=True), material)
    try:
        panel.show()
        preview = panel.preview
        qtbot.waitUntil(lambda: preview.frames_painted > 0, timeout=WAIT_MS)
        assert preview.message == ""
        qtbot.wait(500)  # warm-up: the first frames include opening the camera

        # The UI thread keeps turning while frames arrive: a 10 ms timer must keep ticking.
        ticks: list[float] = []
        heartbeat = QTimer()
        heartbeat.setInterval(10)
        heartbeat.timeout.connect(lambda: ticks.append(time.monotonic()))
        heartbeat.start()
        start_count, start = preview.frames_painted, time.monotonic()
        qtbot.wait(1000)
        fps = (preview.frames_painted - start_count) / (time.monotonic() - start)
        heartbeat.stop()
        assert fps >= 15, f"preview ran at {fps:.1f} frames per second"
        assert len(ticks) > 40 and np.diff(ticks).max() < 0.25, "the UI thread was blocked"
        frame = preview.frame
        assert frame is not None and time.monotonic() - frame.timestamp < 0.5  # the newest, not a stale one
        assert frame.outline is not None and frame.sure  # the page outline is drawn on the preview
        panel.close()
        assert preview.feed is not None and not preview.feed.running
    finally:
        panel.close()
        manager.stop()
        unregister_driver("camera", "simulated-30fps")


def test_without_a_camera_the_preview_says_what_to_use_instead(
    qtbot: QtBot, demo_ctx: AppContext, material: MaterialView, messages: list[str]
) -> None:
    panel = make_panel(qtbot, demo_ctx, None, OpRunner(inline=True, show_message=messages.append), material)
    panel.show()
    assert "没有配置高拍仪" in panel.preview.message
    panel.capture()
    assert "没有配置高拍仪" in panel.problem.text() and panel.problem.isVisibleTo(panel)
    assert not panel.scanner_box.isEnabled()
    assert stored_pages(demo_ctx, panel.target[0], material.id) == []  # type: ignore[index]
    assert messages == []


# --- camera pages ---------------------------------------------------------------------------------------


def test_space_takes_a_page_through_the_pipeline_with_a_green_verdict(
    qtbot: QtBot, panel: CapturePanel, demo_ctx: AppContext, material: MaterialView, messages: list[str]
) -> None:
    with qtbot.waitActive(panel):
        panel.show()
        panel.activateWindow()
    panel.strip.setFocus()
    QTest.keyClick(panel.strip, Qt.Key.Key_Space)
    case_id = panel.target[0]  # type: ignore[index]
    pages = stored_pages(demo_ctx, case_id, material.id)
    assert len(pages) == 1 and pages[0].verdict.ok and pages[0].size <= 90_000
    # Straightened to A4 proportions (the simulated page lies turned on the desk).
    assert abs(pages[0].height / pages[0].width - 297 / 210) < 0.03
    assert panel.strip.captions() == [f"第 1 页\n{pages[0].verdict.message}"]
    assert panel.strip.colours() == ["#1b5e20"] and panel.status.text() == "已拍摄 1 页。"
    assert messages == []


def test_an_unsure_outline_asks_for_the_corners_and_stores_the_cut_they_give(
    qtbot: QtBot, demo_ctx: AppContext, material: MaterialView, messages: list[str]
) -> None:
    desk = desk_frame(FRAME_SIZE, seed=3)  # nothing page-like: detection cannot be sure
    register_driver("camera", "desk", lambda _ctx: FrameCamera([desk]))
    manager = make_devices(demo_ctx, camera="desk")
    panel = make_panel(
        qtbot, demo_ctx, manager, OpRunner(inline=True, show_message=messages.append), material
    )
    try:
        case_id = panel.target[0]  # type: ignore[index]
        panel.capture_button.click()
        editor = panel.corner_editor
        assert editor is not None and editor.isVisible() and "没能确定纸张的边缘" in editor.hint.text()
        assert stored_pages(demo_ctx, case_id, material.id) == []  # nothing is stored before the clerk says
        assert not panel.capture_button.isEnabled()

        QTest.keyClick(editor, Qt.Key.Key_Escape)
        assert editor.result() == QDialog.DialogCode.Rejected
        assert stored_pages(demo_ctx, case_id, material.id) == []
        assert panel.status.text() == "已取消，这一页没有保存。" and panel.capture_button.isEnabled()

        panel.capture_button.click()
        editor = panel.corner_editor
        assert editor is not None
        # A portrait A4 region of the landscape frame: the stored page must come out portrait.
        portrait = np.array([[500, 100], [1100, 100], [1100, 948], [500, 948]], np.float32)
        editor.canvas.set_corners(portrait)
        QTest.keyClick(editor.canvas, Qt.Key.Key_Return)
        assert editor.result() == QDialog.DialogCode.Accepted
        pages = stored_pages(demo_ctx, case_id, material.id)
        assert len(pages) == 1 and pages[0].height > pages[0].width and pages[0].verdict.ok
        assert messages == []
    finally:
        panel.close()
        manager.stop()
        unregister_driver("camera", "desk")


def test_corners_of_a_page_taken_this_visit_can_be_adjusted_again(
    panel: CapturePanel, demo_ctx: AppContext, material: MaterialView
) -> None:
    case_id = panel.target[0]  # type: ignore[index]
    assert not panel.corners_button.isEnabled()
    panel.capture_button.click()
    first = stored_pages(demo_ctx, case_id, material.id)[0]
    assert panel.corner_editor is None  # the simulated page is found for sure: nobody is asked
    assert panel.corners_button.isEnabled()
    panel.corners_button.click()
    editor = panel.corner_editor
    assert editor is not None and "没能确定" not in editor.hint.text()
    editor.canvas.set_corners(np.array([[300, 150], [900, 150], [900, 1000], [300, 1000]], np.float32))
    editor.accept()
    again = stored_pages(demo_ctx, case_id, material.id)
    assert len(again) == 1 and again[0].id == first.id and again[0].sha256 != first.sha256
    assert panel.status.text() == "已按新的四角重新裁切该页。"
    assert panel.corners_button.isEnabled()
    panel.page_buttons["rotate"].click()  # cutting the frame again now would undo the turn
    assert stored_pages(demo_ctx, case_id, material.id)[0].rotation == 90
    assert not panel.corners_button.isEnabled()


def test_auto_capture_takes_the_page_once_it_lies_still_after_a_hand_moved(
    qtbot: QtBot, demo_ctx: AppContext, material: MaterialView, messages: list[str]
) -> None:
    page = SimulatedCamera(angle_deg=2.0).grab().image
    moving = []
    for step in range(8):  # a hand sweeping over the page
        frame = page.copy()
        x = 100 + step * 150
        cv2.rectangle(frame, (x, 300), (x + 260, 900), (60, 90, 140), -1)
        moving.append(frame)
    camera = FrameCamera([page] * 4 + moving + [page], fps=30.0)
    register_driver("camera", "hand", lambda _ctx: camera)
    manager = make_devices(demo_ctx, camera="hand")
    panel = make_panel(
        qtbot, demo_ctx, manager, OpRunner(inline=True, show_message=messages.append), material
    )
    try:
        case_id = panel.target[0]  # type: ignore[index]
        panel.show()
        panel.auto_capture.setChecked(True)
        qtbot.waitUntil(lambda: len(stored_pages(demo_ctx, case_id, material.id)) == 1, timeout=WAIT_MS)
        qtbot.wait(700)  # the page keeps lying there: no second picture
        pages = stored_pages(demo_ctx, case_id, material.id)
        assert len(pages) == 1 and pages[0].verdict.ok and camera.grabs == 1
        assert panel.strip.count() == 1 and messages == []
    finally:
        panel.close()
        manager.stop()
        unregister_driver("camera", "hand")


# --- the scanner ----------------------------------------------------------------------------------------


def test_an_adf_batch_shows_which_sheet_is_scanned_and_stores_all_in_order(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager, material: MaterialView
) -> None:
    runner = OpRunner()
    panel = make_panel(qtbot, demo_ctx, devices, runner, material)
    try:
        case_id = panel.target[0]  # type: ignore[index]
        qtbot.waitUntil(lambda: panel.scan_button.isEnabled(), timeout=WAIT_MS)
        assert [panel.source_box.itemData(i) for i in range(panel.source_box.count())] == [
            None,
            "flatbed",
            "adf",
        ]
        assert panel.source_box.itemText(1) == "平板"
        feeder(devices, 4)
        choose(panel.source_box, "adf")
        seen: list[str] = []
        panel.capturer.sheet_will_scan.connect(lambda _n: seen.append(panel.progress_label.text()))
        panel.scan_button.click()
        assert panel.progress_bar.isVisibleTo(panel) and panel.cancel_button.isVisibleTo(panel)
        assert not panel.scan_button.isEnabled() and not panel.import_button.isEnabled()
        qtbot.waitUntil(lambda: not panel.capturer.scanning, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: panel.strip.count() == 4, timeout=WAIT_MS)
        assert "正在扫描第 4 页…" in seen and seen.index("正在扫描第 2 页…") < seen.index("正在扫描第 3 页…")
        assert not panel.progress_bar.isVisibleTo(panel) and panel.status.text() == "扫描完成，共 4 页。"
        pages = stored_pages(demo_ctx, case_id, material.id)
        assert [p.position for p in pages] == [0, 1, 2, 3] and len({p.sha256 for p in pages}) == 4
        assert all(p.verdict.ok for p in pages)
    finally:
        panel.close()
        runner.shutdown()


def test_cancel_finishes_the_sheet_in_the_feeder_and_pulls_no_more(
    panel: CapturePanel, devices: DeviceManager, demo_ctx: AppContext, material: MaterialView
) -> None:
    feeder(devices, 5)
    choose(panel.source_box, "adf")

    def cancel_at(number: int) -> None:
        if number == 2:
            panel.cancel_button.click()

    panel.capturer.sheet_will_scan.connect(cancel_at)
    panel.scan_button.click()
    assert len(stored_pages(demo_ctx, panel.target[0], material.id)) == 2  # type: ignore[index]
    assert panel.status.text() == "已取消扫描，已保存 2 页。" and not panel.cancel_button.isVisibleTo(panel)
    assert devices.submit("scanner", lambda s: s.feeder_pages).result(timeout=5) == 3


def test_an_empty_feeder_and_a_paper_jam_say_what_to_do(
    panel: CapturePanel,
    devices: DeviceManager,
    demo_ctx: AppContext,
    material: MaterialView,
    messages: list[str],
) -> None:
    case_id = panel.target[0]  # type: ignore[index]
    feeder(devices, 0)
    choose(panel.source_box, "adf")
    panel.scan_button.click()
    assert panel.problem.isVisibleTo(panel)
    assert panel.problem.text() == "扫描仪进纸器中没有材料，请放入材料后重试。"
    assert stored_pages(demo_ctx, case_id, material.id) == []

    feeder(devices, 5, jam_after=2)
    panel.scan_button.click()
    assert "卡纸" in panel.problem.text() and "取出卡住的纸张" in panel.problem.text()
    assert len(stored_pages(demo_ctx, case_id, material.id)) == 2  # the sheets before the jam are kept
    assert panel.scan_button.isEnabled() and not panel.progress_bar.isVisibleTo(panel)
    assert messages == []  # said in the panel, not in a box


def test_resolution_colour_and_flatbed_choices_reach_the_scanner(
    panel: CapturePanel, devices: DeviceManager, demo_ctx: AppContext, material: MaterialView
) -> None:
    feeder(devices, 3)
    choose(panel.source_box, "flatbed")
    choose(panel.dpi_box, 100)
    choose(panel.colour_box, "gray")
    panel.scan_button.click()
    case_id = panel.target[0]  # type: ignore[index]
    pages = stored_pages(demo_ctx, case_id, material.id)
    assert len(pages) == 1  # the glass holds one page; the loaded feeder is left alone
    assert pages[0].width < 900  # 100 dpi: an A4 page is about 827 pixels wide
    with demo_ctx.db.session() as session:
        data = page_image(session, demo_ctx.blobs, pages[0].id)
    assert jpeg_info(data).components == 1  # grey
    assert devices.submit("scanner", lambda s: s.feeder_pages).result(timeout=5) == 3


# --- files ----------------------------------------------------------------------------------------------


def png_file(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cv2.imencode(".png", image)[1].tobytes())
    return path


def test_files_are_imported_in_order_through_the_pipeline_and_others_are_named(
    panel: CapturePanel, demo_ctx: AppContext, material: MaterialView, tmp_path: Path, messages: list[str]
) -> None:
    doc = a4_document(2, width=900)
    photo = png_file(tmp_path / "材料" / "身份证 正面.png", doc)
    pdf = tmp_path / "材料" / "两页.pdf"
    jpegs = [cv2.imencode(".jpg", a4_document(s, width=900))[1].tobytes() for s in (3, 4)]
    pdf.write_bytes(img2pdf.convert(jpegs))
    letter = tmp_path / "说明.docx"
    letter.write_bytes(b"PK\x03\x04")
    panel.import_paths([photo, pdf, letter])
    pages = stored_pages(demo_ctx, panel.target[0], material.id)  # type: ignore[index]
    assert len(pages) == 3 and all(p.format == "jpeg" and p.verdict.ok for p in pages)
    assert panel.problem.text() == "不能导入：说明.docx。只能导入 JPEG、PNG、TIFF 或 PDF 文件。"
    assert panel.status.text() == "已导入 3 页。" and messages == []


def test_files_dropped_on_the_panel_or_opened_with_ctrl_o_are_imported(
    qtbot: QtBot,
    panel: CapturePanel,
    demo_ctx: AppContext,
    material: MaterialView,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = png_file(tmp_path / "一.png", a4_document(5, width=900))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(first))])
    drop = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    panel.dropEvent(drop)
    assert drop.isAccepted()
    case_id = panel.target[0]  # type: ignore[index]
    assert len(stored_pages(demo_ctx, case_id, material.id)) == 1

    second = png_file(tmp_path / "二.png", a4_document(6, width=900))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *_args: ([str(second)], ""))
    with qtbot.waitActive(panel):
        panel.show()
        panel.activateWindow()
    panel.strip.setFocus()
    QTest.keyClick(panel.strip, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert len(stored_pages(demo_ctx, case_id, material.id)) == 2


def test_a_blank_page_is_kept_with_a_badge_for_the_clerk(
    panel: CapturePanel, demo_ctx: AppContext, material: MaterialView, tmp_path: Path
) -> None:
    written = png_file(tmp_path / "a.png", a4_document(7, width=900))
    empty = png_file(tmp_path / "b.png", blank_page(1, width=900))
    panel.import_paths([written, empty])
    assert len(stored_pages(demo_ctx, panel.target[0], material.id)) == 2  # type: ignore[index]
    assert panel.strip.blank_flags() == [False, True]
    assert panel.strip.captions()[1].endswith("\n疑似空白页")
    assert "其中 1 页看起来是空白的" in panel.status.text()


def test_nothing_is_captured_without_a_chosen_material(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager, messages: list[str]
) -> None:
    panel = CapturePanel(
        demo_ctx, OpRunner(inline=True, show_message=messages.append), devices, lambda: CLERK
    )
    qtbot.addWidget(panel)
    assert not panel.capture_button.isEnabled() and not panel.import_button.isEnabled()
    panel.capture()
    assert panel.problem.text() == "请先在材料清单中选中要采集的材料。"
    assert panel.target_label.text() == "请先在材料清单中选中要采集的材料。"
    panel.close()


def test_the_panel_does_not_leave_the_camera_busy_after_it_is_hidden(
    qtbot: QtBot, panel: CapturePanel, devices: DeviceManager
) -> None:
    panel.show()
    qtbot.waitUntil(lambda: panel.preview.frames_painted > 0, timeout=WAIT_MS)
    panel.hide()
    done = threading.Event()
    # Once the preview has let go, a camera job runs within a frame or two.
    devices.submit("camera", lambda _camera: done.set())
    assert done.wait(2.0)


# --- the station's scanner settings and a scanner that hangs --------------------------------------------


class RecordingScanner(SimulatedScanner):
    """The simulated scanner, noting the dpi and colour mode each scan was asked for."""

    def __init__(self, *, hang_s: float = 0.0) -> None:
        super().__init__(feeder_pages=0)
        self.calls: list[tuple[str, int | None, str | None]] = []
        self._hang_s = hang_s

    def scan(
        self, source: ScanSource = "flatbed", dpi: int | None = None, color_mode: ColorMode | None = None
    ) -> Iterator[np.ndarray]:
        self.calls.append((source, dpi, color_mode))
        pages = super().scan(source, dpi, color_mode)
        if not self._hang_s:
            return pages
        hang = self._hang_s

        def slow() -> Iterator[np.ndarray]:
            time.sleep(hang)  # a sheet that does not come
            yield from pages

        return slow()


def scanner_devices(ctx: AppContext, scanner: RecordingScanner) -> DeviceManager:
    register_driver("scanner", "recording", lambda _ctx: scanner)
    manager = DeviceManager({"scanner": "recording"}, work_dir=ctx.work_dir, poll_interval_s=None)
    manager.start()
    return manager


def test_without_a_choice_the_scan_takes_the_station_resolution_and_colour(
    qtbot: QtBot, demo_ctx: AppContext, material: MaterialView
) -> None:
    scanner = RecordingScanner()
    manager = scanner_devices(demo_ctx, scanner)
    panel = make_panel(qtbot, demo_ctx, manager, OpRunner(inline=True), material)
    try:
        assert panel.dpi_box.currentText() == panel.colour_box.currentText() == "按本机设置"
        panel.scan_button.click()
        choose(panel.dpi_box, 150)
        choose(panel.colour_box, "bw")
        panel.scan_button.click()
        # None lets the driver use devices.scanner_resolution / devices.scanner_mode.
        # The empty feeder is tried first, then the glass; both times with what the clerk chose.
        assert scanner.calls == [
            ("adf", None, None),
            ("flatbed", None, None),
            ("adf", 150, "bw"),
            ("flatbed", 150, "bw"),
        ]
        assert len(stored_pages(demo_ctx, panel.target[0], material.id)) == 2  # type: ignore[index]
    finally:
        panel.close()
        manager.stop()
        unregister_driver("scanner", "recording")


def test_a_sheet_waits_longer_than_the_sane_driver_and_a_hung_scanner_is_reported(
    qtbot: QtBot, demo_ctx: AppContext, material: MaterialView, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The driver gives up on a sheet (and cancels it) first; the UI only then.
    assert SHEET_TIMEOUT_S > PAGE_TIMEOUT_S + 5.0
    monkeypatch.setattr(capture_ops, "SHEET_TIMEOUT_S", 1.0)
    scanner = RecordingScanner(hang_s=2.0)
    manager = scanner_devices(demo_ctx, scanner)
    messages: list[str] = []
    panel = make_panel(
        qtbot, demo_ctx, manager, OpRunner(inline=True, show_message=messages.append), material
    )
    try:
        panel.scan_button.click()
        assert "扫描仪 1 秒没有送出页面" in panel.problem.text() and panel.problem.isVisibleTo(panel)
        assert panel.scan_button.isEnabled() and not panel.capturer.scanning and messages == []
    finally:
        panel.close()
        manager.stop()
        unregister_driver("scanner", "recording")


def test_the_scanner_is_asked_again_when_it_was_not_running_yet(
    qtbot: QtBot, demo_ctx: AppContext, material: MaterialView
) -> None:
    # The counter window is built before its devices start.
    manager = DeviceManager({"scanner": "simulated"}, work_dir=demo_ctx.work_dir, poll_interval_s=None)
    panel = CapturePanel(demo_ctx, OpRunner(inline=True), manager, lambda: CLERK)
    qtbot.addWidget(panel)
    try:
        assert not panel.scanner_box.isEnabled()
        manager.start()
        panel.set_material(case_id_of(demo_ctx, material), material.id, name=material.name)
        assert panel.scanner_box.isEnabled() and panel.scan_button.isEnabled()
        assert panel.source_box.count() == 3
    finally:
        panel.close()
        manager.stop()


# --- where the panel stands ----------------------------------------------------------------------------


def test_the_preview_runs_only_while_pages_can_be_taken(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager, material: MaterialView
) -> None:
    panel = CapturePanel(demo_ctx, OpRunner(inline=True), devices, lambda: CLERK)
    qtbot.addWidget(panel)
    try:
        panel.show()
        feed = panel.preview.feed
        assert feed is not None and not feed.running  # nothing chosen: the camera is left alone
        assert panel.view.currentWidget() is panel.idle_view and not panel.target_label.isVisible()
        case_id = case_id_of(demo_ctx, material)
        panel.set_material(case_id, material.id, name=material.name)
        assert feed.running and panel.view.currentWidget() is panel.preview
        assert panel.strip_hint.isVisible() and "还没有页面" in panel.strip_hint.text()
        panel.capture()
        assert panel.strip.count() == 1 and not panel.strip_hint.isVisible()
        panel.set_material(case_id, material.id, name=material.name, editable=False, why="办件已受理。")
        assert not feed.running and panel.idle_view.text() == "办件已受理。"
        assert not panel.capture_button.isEnabled() and panel.strip.count() == 1
    finally:
        panel.close()


def test_a_widget_put_beside_the_preview_shares_its_keys_and_stop_lets_the_devices_go(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager, material: MaterialView
) -> None:
    panel = make_panel(qtbot, demo_ctx, devices, OpRunner(inline=True), material)
    beside = QListWidget()
    panel.put_beside(beside)
    assert panel.beside.widget(0) is beside and panel.beside.widget(1) is panel.view
    with qtbot.waitActive(panel):
        panel.show()
        panel.activateWindow()
    beside.setFocus()
    QTest.keyClick(beside, Qt.Key.Key_Space)  # 拍照 while the focus is in the host's widget
    assert len(stored_pages(demo_ctx, panel.target[0], material.id)) == 1  # type: ignore[index]
    qtbot.waitUntil(lambda: panel.preview.frames_painted > 0, timeout=WAIT_MS)
    panel.stop()
    feed = panel.preview.feed
    assert feed is not None and not feed.running
    done = threading.Event()
    devices.submit("camera", lambda _camera: done.set())
    assert done.wait(2.0)  # the camera thread is free for the DeviceManager to stop
