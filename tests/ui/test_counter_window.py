from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.services.catalog import ItemSummary
from devices.manager import DeviceManager
from ui.counter import item_panel as item_panel_module
from ui.counter import run_counter
from ui.counter.launch import device_drivers
from ui.counter.queue_panel import NO_NUMBER, QUEUE_DISABLED_TIP
from ui.counter.window import CounterWindow
from ui.ops import Op, OpRunner

SIMULATED = {"idcard": "simulated", "printer": "simulated"}


@pytest.fixture
def devices(demo_ctx: AppContext) -> Iterator[DeviceManager]:
    """Simulated reader and printer; not started, so a window built first sees their first reports."""
    manager = DeviceManager(SIMULATED, work_dir=demo_ctx.work_dir)
    yield manager
    manager.stop()


@pytest.fixture
def window(qtbot: QtBot, demo_ctx: AppContext) -> CounterWindow:
    w = CounterWindow(demo_ctx, OpRunner(inline=True))
    qtbot.addWidget(w)
    return w


def show_active(qtbot: QtBot, window: CounterWindow) -> None:
    """Shortcuts only fire in the active window, as on a real desktop."""
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()


def test_window_has_chinese_title_and_four_panels(window: CounterWindow) -> None:
    assert window.windowTitle() == "一窗 · 综合窗口受理"
    titles = [
        p.title()
        for p in (window.queue_panel, window.applicant_panel, window.item_panel, window.materials_panel)
    ]
    assert titles == ["叫号", "申请人", "办件", "材料"]


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


def test_choosing_an_item_shows_its_material_checklist(qtbot: QtBot, window: CounterWindow) -> None:
    qtbot.keyClicks(window.item_panel.search_box, "jzgc")
    qtbot.waitUntil(lambda: "建筑工程施工许可" in window.item_panel.listed_names(), timeout=3000)
    qtbot.keyClick(window.item_panel.search_box, Qt.Key.Key_Down)  # into the list, first row chosen
    rows = window.materials_panel.rows()
    assert rows, "the checklist stays empty"
    assert {necessity for _, necessity, _, _ in rows} <= {"必要", "非必要", "容缺后补"}
    assert any(necessity == "必要" for _, necessity, _, _ in rows)
    assert all("份" in copies or copies == "—" for _, _, copies, _ in rows)
    assert window.materials_panel.heading.text().startswith(window.item_panel.listed_names()[0])


def test_queue_panel_waits_for_the_queue_module(window: CounterWindow) -> None:
    assert window.queue_panel.current_number() == NO_NUMBER
    for button in window.queue_panel.buttons.values():
        assert not button.isEnabled()
        assert button.toolTip() == QUEUE_DISABLED_TIP
    assert window.queue_panel.buttons["call_next"].shortcut().toString() == "F1"


def test_applicant_id_number_is_masked_on_screen(window: CounterWindow) -> None:
    panel = window.applicant_panel
    panel.show_applicant("张三", "11010519491231002X", "13812345678")
    assert panel.name_field.text() == "张三"
    assert panel.id_field.text() == "1101**********002X"
    assert panel.id_field.isReadOnly() and panel.name_field.isReadOnly()
    panel.clear()
    assert panel.id_field.text() == ""


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


def test_help_overlay_lists_the_keys(window: CounterWindow) -> None:
    lines = window.help_overlay.lines_text()
    assert any(line.startswith("F1") and "叫号" in line and QUEUE_DISABLED_TIP in line for line in lines)
    assert any(line.startswith("F12") for line in lines)
    assert any(line.startswith("Ctrl+F") and "查找事项" in line for line in lines)


def test_status_bar_shows_station_window_platform_and_backlog(window: CounterWindow) -> None:
    bar = window.status_bar
    assert bar.station_label.text() == "演示便民服务站"
    assert bar.window_label.text() == "1 号窗口"
    assert bar.platform_label.text() == "平台：未配置"
    assert bar.outbox_label.text() == "待同步 0 件"


def test_status_bar_lists_simulated_devices_as_ready(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager
) -> None:
    w = CounterWindow(demo_ctx, OpRunner(inline=True), devices)
    qtbot.addWidget(w)
    assert not w.loaded  # devices have not reported yet
    devices.start()
    qtbot.waitUntil(lambda: w.loaded, timeout=5000)
    assert sorted(w.status_bar.device_texts()) == sorted(["身份证阅读器：就绪", "小票打印机：就绪"])


def test_unplugging_a_device_shows_in_the_status_bar(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager
) -> None:
    w = CounterWindow(demo_ctx, OpRunner(inline=True), devices)
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
    w = CounterWindow(demo_ctx, OpRunner(inline=True), devices)
    qtbot.addWidget(w)
    devices.start()
    qtbot.waitUntil(lambda: w.loaded, timeout=5000)
    w.resize(1600, 600)
    w.show()
    qtbot.waitUntil(lambda: not w.status_bar.devices.compact, timeout=3000)
    assert "身份证阅读器：就绪" in w.status_bar.devices.text()
    w.resize(400, 600)
    qtbot.waitUntil(lambda: w.status_bar.devices.compact, timeout=3000)
    assert w.status_bar.devices.text() == "设备：2 台就绪"
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
        w = CounterWindow(demo_ctx, runner)
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


def test_run_counter_runs_until_the_clerk_closes_the_window(qtbot: QtBot, demo_ctx: AppContext) -> None:
    closed: list[bool] = []

    def close_once_loaded(tries_left: int = 200) -> None:
        windows = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, CounterWindow) and w.isVisible()
        ]
        if (windows and windows[0].loaded) or tries_left == 0:
            closed.append(bool(windows))
            for w in windows:
                w.close()
            return
        QTimer.singleShot(20, lambda: close_once_loaded(tries_left - 1))

    QTimer.singleShot(0, close_once_loaded)
    assert run_counter(demo_ctx) == 0
    assert closed == [True]
