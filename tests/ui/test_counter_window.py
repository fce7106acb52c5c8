from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.config import load_config
from app.context import AppContext
from app.model import Role
from app.services import case_flow, queue
from app.services.actor import Actor
from app.services.applicants import applicant_typed
from app.services.catalog import ItemSummary
from app.services.materials import case_materials
from app.validation import make_id_number
from devices.manager import DeviceManager
from devices.registry import register_driver, unregister_driver
from devices.scanner.base import ColorMode, ScanSource
from devices.scanner.simulated import SimulatedScanner
from ui.counter import item_panel as item_panel_module
from ui.counter import run_counter
from ui.counter.case_list import CaseListWindow
from ui.counter.launch import device_drivers
from ui.counter.status_bar import CounterStatusBar
from ui.counter.window import KEY_MAP, CounterWindow
from ui.ops import Changes, Op, OpRunner
from ui.signin import SignInDialog

SIMULATED = {"idcard": "simulated", "printer": "simulated"}
CLERK = Actor(username="chuangkou", role=Role.CLERK, display_name="王小窗", clerk_id=1)
INSTALLER = Actor(username="shishi", role=Role.INSTALLER, display_name="孙实施")
BUILDING_PERMIT = "11341122003052113M40110037000000"  # 建筑工程施工许可 in the demo catalog
#: Every key of the spec's key map, as the help overlay must list them.
SPEC_KEYS = ("F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "Ctrl+P", "Ctrl+L", "Ctrl+F", "F12",
             "Ctrl+Shift+L")  # fmt: skip


@pytest.fixture
def devices(demo_ctx: AppContext) -> Iterator[DeviceManager]:
    """Simulated reader and printer; not started, so a window built first sees their first reports."""
    manager = DeviceManager(SIMULATED, work_dir=demo_ctx.work_dir)
    yield manager
    manager.stop()


@pytest.fixture
def window(qtbot: QtBot, demo_ctx: AppContext) -> CounterWindow:
    w = CounterWindow(demo_ctx, OpRunner(inline=True), None, CLERK)
    qtbot.addWidget(w)
    return w


def show_active(qtbot: QtBot, window: CounterWindow) -> None:
    """Shortcuts only fire in the active window, as on a real desktop."""
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()


def test_window_has_chinese_title_and_its_panels(window: CounterWindow) -> None:
    assert window.windowTitle() == "一窗 · 综合窗口受理"
    titles = [
        p.title()
        for p in (window.queue_panel, window.applicant_panel, window.item_panel, window.materials_panel)
    ]
    assert titles == ["叫号", "申请人", "办件", "材料"]
    for panel in (window.guide_view, window.decision_bar):
        assert panel.window() is window


def test_first_search_lists_the_catalog(window: CounterWindow) -> None:
    assert window.catalog_loaded
    assert len(window.item_panel.listed_names()) > 5


def test_typing_pinyin_initials_filters_the_items(qtbot: QtBot, window: CounterWindow) -> None:
    everything = window.item_panel.listed_names()
    qtbot.keyClicks(window.item_panel.search_box, "jzgc")
    qtbot.waitUntil(lambda: window.item_panel.listed_names() != everything, timeout=3000)
    listed = window.item_panel.listed_names()
    assert "建筑工程施工许可" in listed
    assert all("建" in name for name in listed)


def test_typing_a_department_filters_by_department(qtbot: QtBot, window: CounterWindow) -> None:
    panel = window.item_panel
    panel.search_box.insert("民政")  # as an input method commits it (QTest types ASCII only)
    qtbot.waitUntil(lambda: all("民政" in item.department for item in panel.listed_items()), timeout=3000)
    assert panel.listed_items()


def test_no_match_says_so(qtbot: QtBot, window: CounterWindow) -> None:
    qtbot.keyClicks(window.item_panel.search_box, "zzzzqqq")
    qtbot.waitUntil(lambda: window.item_panel.listed_names() == [], timeout=3000)
    assert "没有找到" in window.item_panel.summary.text()


def test_f1_calls_a_ticket_and_reading_the_applicant_starts_service(
    qtbot: QtBot, window: CounterWindow, demo_ctx: AppContext
) -> None:
    show_active(qtbot, window)
    with demo_ctx.db.session() as session:
        ticket = queue.issue_ticket(session, station_code=demo_ctx.station_code, category="B")
    window.queue_panel.refresh()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.queue_panel.current_number() == ticket.number == "B001"
    assert window.visit.ticket is not None and window.visit.ticket.state == "called"
    panel = window.applicant_panel
    panel.name_field.insert("李四")
    panel.id_field.edit.setText("11010519491231002X")
    qtbot.keyClick(panel.id_field.edit, Qt.Key.Key_Return)
    assert window.visit.applicant is not None
    assert window.visit.ticket is not None and window.visit.ticket.state == "serving"


def test_installer_sees_the_counter_keys_disabled_with_the_role_needed(
    qtbot: QtBot, demo_ctx: AppContext
) -> None:
    w = CounterWindow(demo_ctx, OpRunner(inline=True), None, INSTALLER)
    qtbot.addWidget(w)
    assert not w.queue_panel.buttons["call_next"].isEnabled()
    lines = w.help_overlay.lines_text()
    f1 = next(line for line in lines if line.startswith("F1 "))
    assert "需要窗口人员、代办员或值班长账号（当前：实施人员）" in f1
    assert w.status_bar.clerk_label.text() == "孙实施（实施人员）"


def test_installer_cannot_open_cases(qtbot: QtBot, demo_ctx: AppContext) -> None:
    w = CounterWindow(demo_ctx, OpRunner(inline=True), None, INSTALLER)
    qtbot.addWidget(w)
    for panel in (w.materials_panel, w.decision_bar):
        assert not panel.isEnabled()
        assert panel.toolTip() == "需要窗口人员、代办员或值班长账号（当前：实施人员）"
    assert not any(button.isEnabled() for button in w.decision_bar.buttons.values())
    w.item_panel.search("jzgc")  # looking things up stays allowed
    assert "建筑工程施工许可" in w.item_panel.listed_names()


def test_a_window_opened_without_sign_in_is_read_only(qtbot: QtBot, demo_ctx: AppContext) -> None:
    w = CounterWindow(demo_ctx, OpRunner(inline=True))
    qtbot.addWidget(w)
    assert w.actor.role is Role.INSTALLER
    assert not w.queue_panel.buttons["call_next"].isEnabled()


def test_idle_lock_covers_the_counter_and_keys_do_nothing_meanwhile(
    qtbot: QtBot, window: CounterWindow, demo_ctx: AppContext
) -> None:
    show_active(qtbot, window)
    with demo_ctx.db.session() as session:
        queue.issue_ticket(session, station_code=demo_ctx.station_code, category="A")
    window.queue_panel.refresh()
    qtbot.keyClick(
        window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    lock = window.idle_lock
    assert lock.locked
    assert lock.screen.geometry() == window.rect()
    qtbot.keyClick(lock.screen.password, Qt.Key.Key_F1)
    qtbot.keyClick(lock.screen.password, Qt.Key.Key_F12)
    assert window.visit.ticket is None and not window.help_overlay.isVisible()
    qtbot.keyClicks(lock.screen.password, "123456")
    qtbot.keyClick(lock.screen.password, Qt.Key.Key_Return)
    assert not lock.locked
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.queue_panel.current_number() == "A001"


def test_idle_lock_uses_the_configured_minutes(window: CounterWindow) -> None:
    assert window.idle_lock.timeout_ms == 5 * 60_000  # ui.idle_lock_minutes default


def test_ctrl_l_opens_the_case_list(qtbot: QtBot, window: CounterWindow) -> None:
    show_active(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(window.case_list, CaseListWindow)
    assert window.case_list.isVisible()


def test_sync_backlog_follows_case_changes(window: CounterWindow, demo_ctx: AppContext) -> None:
    assert window.status_bar.outbox_label.text() == "待同步 0 件"
    with demo_ctx.db.session() as session:
        case_flow.pre_register(
            session, CLERK, station_code=demo_ctx.station_code, item_impl_code=BUILDING_PERMIT
        )
    window._runner.operation_did_execute.emit(Changes(cases=True))
    assert window.status_bar.outbox_label.text() != "待同步 0 件"


def test_status_refreshes_on_a_timer(qtbot: QtBot, window: CounterWindow, demo_ctx: AppContext) -> None:
    window._status_timer.setInterval(30)
    window.start_watching()
    with demo_ctx.db.session() as session:
        queue.issue_ticket(session, station_code=demo_ctx.station_code, category="A")
    qtbot.waitUntil(lambda: window.queue_panel.waiting_counts().get("A") == 1, timeout=2000)
    window.close()


def test_f12_and_question_mark_toggle_the_help_overlay(qtbot: QtBot, window: CounterWindow) -> None:
    show_active(qtbot, window)
    overlay = window.help_overlay
    assert not overlay.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_F12)
    assert overlay.isVisible()
    assert overlay.geometry() == window.centralWidget().rect()
    qtbot.keyClick(window, Qt.Key.Key_F12)
    assert not overlay.isVisible()
    window.item_panel.results.setFocus()  # the list would take "?" for type-ahead search
    qtbot.keyClick(window.item_panel.results, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)
    assert overlay.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not overlay.isVisible()
    qtbot.keyClick(window.item_panel.results, "?")
    assert overlay.isVisible()
    qtbot.keyClick(window.item_panel.results, "?")
    assert not overlay.isVisible()


def test_question_mark_in_the_search_box_is_text_not_a_shortcut(qtbot: QtBot, window: CounterWindow) -> None:
    show_active(qtbot, window)
    qtbot.keyClicks(window.item_panel.search_box, "?")
    assert window.item_panel.search_box.text() == "?"
    assert not window.help_overlay.isVisible()
    qtbot.waitUntil(lambda: window.item_panel.summary.text() != "", timeout=3000)


def test_help_overlay_lists_every_key_of_the_key_map(window: CounterWindow) -> None:
    lines = window.help_overlay.lines_text()
    keys = [line.split("  ")[0] for line in lines]
    for key in SPEC_KEYS:
        assert any(k == key or k.startswith(f"{key} ") for k in keys), key
    assert len(lines) == len(KEY_MAP)
    assert any(line.startswith("F1 ") and "叫号" in line for line in lines)
    assert any(line.startswith("Ctrl+F") and "搜索事项" in line for line in lines)
    assert not any("需要" in line for line in lines)  # a clerk may use every key


def test_status_bar_shows_station_window_platform_and_backlog(window: CounterWindow) -> None:
    bar = window.status_bar
    assert bar.station_label.text() == "演示便民服务站"
    assert bar.window_label.text() == "1 号窗口"
    assert bar.platform_label.text() == "平台：未配置"
    assert bar.outbox_label.text() == "待同步 0 件"
    assert bar.clerk_label.text() == "王小窗（窗口人员）"


def test_status_bar_lists_simulated_devices_as_ready(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager
) -> None:
    w = CounterWindow(demo_ctx, OpRunner(inline=True), devices, CLERK)
    qtbot.addWidget(w)
    assert not w.loaded  # devices have not reported yet
    devices.start()
    qtbot.waitUntil(lambda: w.loaded, timeout=5000)
    assert sorted(w.status_bar.device_texts()) == sorted(["身份证阅读器：就绪", "小票打印机：就绪"])


def test_unplugging_a_device_shows_in_the_status_bar(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager
) -> None:
    w = CounterWindow(demo_ctx, OpRunner(inline=True), devices, CLERK)
    qtbot.addWidget(w)
    devices.start()
    qtbot.waitUntil(lambda: w.loaded, timeout=5000)
    devices.submit("idcard", lambda reader: reader.simulate_unplug()).result(timeout=5)
    devices.poll()
    qtbot.waitUntil(lambda: "身份证阅读器：未连接" in w.status_bar.device_texts(), timeout=5000)
    strip = w.status_bar.devices
    assert "身份证阅读器未连接" in strip.toolTip()
    assert "font-weight:bold" in strip.full_html()  # not colour alone


def test_device_strip_shortens_to_a_summary_when_space_runs_out(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager
) -> None:
    # The status bar alone in a window: the counter's panels have their own minimum width.
    w = QMainWindow()
    bar = CounterStatusBar()
    w.setStatusBar(bar)
    qtbot.addWidget(w)
    for status in devices.statuses():
        bar.show_device(dataclasses.replace(status, state="ready") if status.state != "absent" else status)
    bar.show_clerk(CLERK)
    w.resize(1600, 600)
    w.show()
    qtbot.waitUntil(lambda: not bar.devices.compact, timeout=3000)
    assert "身份证阅读器：就绪" in bar.devices.text()
    w.resize(400, 600)
    qtbot.waitUntil(lambda: bar.devices.compact, timeout=3000)
    assert bar.devices.text() == "设备：2 台就绪"
    assert w.width() <= 600  # the status bar no longer forces the window wider than asked


def test_device_drivers_come_from_config(demo_ctx: AppContext) -> None:
    drivers = device_drivers(demo_ctx)
    assert drivers["idcard"] == "simulated"  # demo mode default
    assert set(drivers) >= {"idcard", "printer", "camera"}


def test_run_counter_smoke_saves_a_screenshot(
    qtbot: QtBot, demo_ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: boxes.append(str(args)))
    target = tmp_path / "shots" / "counter.png"
    assert run_counter(demo_ctx, smoke=True, screenshot=target) == 0
    image = QImage(str(target))
    assert not image.isNull()
    assert image.width() >= 1000
    assert boxes == []


def test_search_box_has_focus_when_the_window_opens(qtbot: QtBot, window: CounterWindow) -> None:
    show_active(qtbot, window)
    assert QApplication.focusWidget() is window.item_panel.search_box


def test_an_older_search_finishing_late_is_not_shown(
    qtbot: QtBot, demo_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    real_search = item_panel_module.search_catalog

    def slow_first_query(ctx: AppContext, query: str, limit: int = 50) -> Op[list[ItemSummary]]:
        op = real_search(ctx, query, limit)
        if query == "临时":
            fast_run = op.run
            op.run = lambda: gate.wait(5) and fast_run()
        return op

    monkeypatch.setattr(item_panel_module, "search_catalog", slow_first_query)
    runner = OpRunner()
    try:
        w = CounterWindow(demo_ctx, runner, None, CLERK)
        qtbot.addWidget(w)
        qtbot.waitUntil(lambda: w.catalog_loaded, timeout=5000)
        shown: list[list[str]] = []
        w.item_panel.results_did_load.connect(lambda _n: shown.append(w.item_panel.listed_names()))
        w.item_panel.search("临时")
        w.item_panel.search("jzgc")
        gate.set()
        qtbot.waitUntil(lambda: bool(shown), timeout=5000)
        qtbot.wait(50)  # give a wrongly delivered late result the chance to show up
        assert len(shown) == 1
        assert "建筑工程施工许可" in shown[0] and "临时救助" not in shown[0]
    finally:
        runner.shutdown()


def test_run_counter_signs_in_then_runs_until_the_clerk_closes_the_window(
    qtbot: QtBot, demo_ctx: AppContext
) -> None:
    closed: list[str] = []

    def sign_in_then_close(tries_left: int = 200) -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, SignInDialog) and w.isVisible()]
        if dialogs:
            dialogs[0].username.setText("chuangkou")
            dialogs[0].password.setText("123456")
            dialogs[0].submit()
        windows = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, CounterWindow) and w.isVisible()
        ]
        if (windows and windows[0].loaded) or tries_left == 0:
            closed.extend(w.actor.username for w in windows)
            for w in windows:
                w.close()
            return
        QTimer.singleShot(20, lambda: sign_in_then_close(tries_left - 1))

    QTimer.singleShot(0, sign_in_then_close)
    assert run_counter(demo_ctx) == 0
    assert closed == ["chuangkou"]


def test_closing_the_sign_in_dialog_ends_without_a_window(qtbot: QtBot, demo_ctx: AppContext) -> None:
    seen: list[bool] = []

    def close_dialog(tries_left: int = 100) -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, SignInDialog) and w.isVisible()]
        if dialogs or tries_left == 0:
            seen.append(bool(dialogs))
            for d in dialogs:
                d.reject()
            return
        QTimer.singleShot(20, lambda: close_dialog(tries_left - 1))

    QTimer.singleShot(0, close_dialog)
    assert run_counter(demo_ctx) == 0
    assert seen == [True]
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, CounterWindow) and w.isVisible()]


def test_smoke_outside_demo_mode_runs_read_only(
    qtbot: QtBot, demo_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: boxes.append(str(args)))
    config = load_config(None, overrides={"ui.demo": "false", "storage.key_source": "file"})
    assert run_counter(dataclasses.replace(demo_ctx, config=config), smoke=True) == 0
    assert boxes == []


# --- the materials step: capture panel in the window ----------------------------------------------------


class SlowScanner(SimulatedScanner):
    """A feeder that takes a moment per sheet, so the window can be closed in the middle of a batch."""

    def scan(
        self, source: ScanSource = "flatbed", dpi: int | None = None, color_mode: ColorMode | None = None
    ) -> Iterator[np.ndarray]:
        pages = super().scan(source, dpi, color_mode)

        def slowly() -> Iterator[np.ndarray]:
            for page in pages:
                time.sleep(0.2)
                yield page

        return slowly()


@pytest.fixture
def capture_devices(demo_ctx: AppContext) -> Iterator[DeviceManager]:
    """Simulated camera and a slow-feeding scanner; not started, as in run_counter."""
    register_driver("scanner", "slow", lambda _ctx: SlowScanner(feeder_pages=6))
    manager = DeviceManager(
        {"camera": "simulated", "scanner": "slow"}, work_dir=demo_ctx.work_dir, poll_interval_s=None
    )
    yield manager
    manager.stop()
    unregister_driver("scanner", "slow")


def start_visit(ctx: AppContext, window: CounterWindow) -> None:
    number = make_id_number("341122", dt.date(1975, 6, 1), 5, "女")
    with ctx.db.session() as session:
        window.visit.applicant = applicant_typed(
            session, CLERK, name="周桂兰", id_number=number, mobile="13905501234"
        )
    window.visit.item_impl_code = BUILDING_PERMIT


def inside(window: CounterWindow, widget: QWidget) -> bool:
    return window.rect().contains(QRect(widget.mapTo(window, QPoint(0, 0)), widget.size()))


def test_f7_captures_into_the_materials_step_and_it_fits_a_1366_by_768_screen(
    qtbot: QtBot, demo_ctx: AppContext, capture_devices: DeviceManager
) -> None:
    window = CounterWindow(demo_ctx, OpRunner(inline=True), capture_devices, CLERK)
    qtbot.addWidget(window)
    capture_devices.start()
    window.resize(1366, 768)
    show_active(qtbot, window)
    start_visit(demo_ctx, window)
    panel = window.materials_panel
    capture = panel.capture_panel
    assert capture.parentWidget() is not None and capture.isVisibleTo(panel)
    qtbot.keyClick(window, Qt.Key.Key_F7)  # opens the case (收件), then takes the page
    qtbot.keyClick(window, Qt.Key.Key_F7)
    assert window.visit.case is not None
    assert capture.strip.count() == 2 and panel.rows()[0][2] == "已收 2 页"
    qtbot.waitUntil(lambda: capture.preview.frames_painted > 0, timeout=10_000)
    assert capture.preview.message == ""
    # Nothing pushes the window past the screen, and every control is on it.
    assert window.minimumSizeHint().height() <= 768 and window.minimumSizeHint().width() <= 1366
    assert window.size().height() == 768
    controls = [
        capture.capture_button,
        capture.scan_button,
        capture.import_button,
        capture.strip,
        panel.table,
    ]
    controls += [*capture.page_buttons.values(), capture.corners_button, panel.original_seen]
    assert all(inside(window, widget) and widget.isVisible() for widget in controls)
    assert capture.scan_button.isEnabled()  # the scanner was asked again once it had started


def test_closing_the_window_stops_preview_and_scan_before_the_devices_stop(
    qtbot: QtBot, demo_ctx: AppContext, capture_devices: DeviceManager
) -> None:
    runner = OpRunner()
    try:
        window = CounterWindow(demo_ctx, runner, capture_devices, CLERK)
        qtbot.addWidget(window)
        capture_devices.start()
        show_active(qtbot, window)
        start_visit(demo_ctx, window)
        panel = window.materials_panel
        capture = panel.capture_panel
        panel.open_case()
        qtbot.waitUntil(lambda: capture.target is not None, timeout=10_000)
        qtbot.waitUntil(lambda: capture.scan_button.isEnabled(), timeout=10_000)
        qtbot.waitUntil(lambda: capture.preview.frames_painted > 0, timeout=10_000)
        sheets: list[int] = []
        capture.capturer.sheet_will_scan.connect(sheets.append)
        capture.scan_button.click()  # six sheets in the feeder
        qtbot.waitUntil(lambda: len(sheets) >= 2, timeout=10_000)
        window.close()  # as ModeLaunch.close: the window first, then the runner, then the devices
        feed = capture.preview.feed
        assert feed is not None and not feed.running
        runner.shutdown()
        QApplication.processEvents()  # as ModeLaunch.close does last: pages on their way arrive
        assert len(sheets) < 6  # the feeder was not emptied after the window closed
        case = window.visit.case
        assert case is not None
        with demo_ctx.db.session() as session:  # every sheet that went through is stored
            assert len(case_materials(session, case.id)[0].pages) == len(sheets)
        done = threading.Event()
        capture_devices.submit("camera", lambda _camera: done.set())
        assert done.wait(2.0)  # the camera thread is free, so DeviceManager.stop() does not wait
    finally:
        runner.shutdown()
