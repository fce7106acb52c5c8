"""The status bar's sync indicator: link state, progress, backlog, refusals, last success, clock warning."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.clock import LOCAL_TZ
from app.config import load_config
from app.context import AppContext, open_context
from app.demo.loader import load_demo
from app.errors import ConfigError
from app.model import Role
from app.services import case_flow
from app.services.actor import Actor
from sync.engine import SyncStatus
from sync.runner import SyncRunner
from ui.counter.sync_log import SyncLogDialog
from ui.counter.window import CounterWindow
from ui.ops import OpRunner
from ui.sync_indicator import STATE_COLOURS, SyncIndicator
from ui.sync_service import MODE_EXTERNAL, MODE_FAILED, MODE_OWN, SyncService

CLERK = Actor(username="chuangkou", role=Role.CLERK, display_name="王小窗", clerk_id=1)
BUILDING_PERMIT = "11341122003052113M40110037000000"
NOW = dt.datetime(2026, 11, 23, 6, 30, tzinfo=dt.UTC)  # 14:30 in Beijing
#: Nothing listens on the discard port: the link is down.
NO_PLATFORM = "http://127.0.0.1:9"


def status(**changes: object) -> SyncStatus:
    base = SyncStatus(
        state="online",
        message="已连接省级平台",
        backlog_events=0,
        backlog_cases=0,
        quarantined=0,
        last_success_at=NOW - dt.timedelta(minutes=25),
        last_attempt_at=NOW - dt.timedelta(minutes=1),
        skew_warning=None,
        progress_done=0,
        progress_total=0,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def indicator(qtbot: QtBot) -> SyncIndicator:
    widget = SyncIndicator("https://platform.example.gov.cn")
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def sync_ctx(yc_home: Path) -> Iterator[AppContext]:
    """The demo station with a platform configured (one that never answers)."""
    config = load_config(
        None,
        overrides={"ui.demo": "true", "storage.key_source": "file", "sync.platform_url": NO_PLATFORM},
    )
    ctx = open_context(config)
    with ctx.db.session() as session:
        load_demo(session, station_name=config.get_str("station.name"))
    yield ctx
    ctx.close()


def test_online_shows_backlog_and_last_success(indicator: SyncIndicator) -> None:
    indicator.show_status(status(backlog_cases=3, backlog_events=5), now=NOW)
    assert indicator.texts() == ["平台：在线", "待同步 3 件", "上次同步 14:05"]
    assert indicator.dot.styleSheet() == f"color: {STATE_COLOURS['online']};"
    assert not indicator.progress.isVisibleTo(indicator)
    assert "待同步 3 件办件，共 5 条记录" in indicator.toolTip()
    assert "点击查看同步记录" in indicator.toolTip()


def test_syncing_shows_progress(indicator: SyncIndicator) -> None:
    indicator.show_status(
        status(state="syncing", progress_done=2, progress_total=7, backlog_cases=4), now=NOW
    )
    assert indicator.texts()[0] == "平台：同步中"
    assert indicator.progress.isVisibleTo(indicator)
    assert (indicator.progress.value(), indicator.progress.maximum()) == (2, 7)
    indicator.show_status(status(state="syncing"), now=NOW)
    assert indicator.progress.maximum() == 0  # not counted yet: a busy bar
    indicator.show_status(status(state="online"), now=NOW)
    assert not indicator.progress.isVisibleTo(indicator)


def test_offline_says_why_and_when_it_last_worked(indicator: SyncIndicator) -> None:
    message = "无法连接省级平台，请检查网络。数据已保存在本机，网络恢复后自动发送。"
    yesterday = NOW - dt.timedelta(hours=20)
    indicator.show_status(
        status(state="offline", message=message, backlog_cases=2, last_success_at=yesterday), now=NOW
    )
    local = yesterday.astimezone(LOCAL_TZ)
    assert indicator.texts() == ["平台：离线", "待同步 2 件", f"上次同步 {local:%m-%d %H:%M}"]
    assert message in indicator.toolTip()
    assert indicator.dot.styleSheet() == f"color: {STATE_COLOURS['offline']};"
    assert not indicator.stale


def test_a_backlog_without_success_for_a_day_turns_red(indicator: SyncIndicator) -> None:
    old = NOW - dt.timedelta(hours=25)
    indicator.show_status(status(state="offline", backlog_cases=6, last_success_at=old), now=NOW)
    assert indicator.stale
    assert "color: #c62828" in indicator.backlog_label.styleSheet()
    assert "已超过 24 小时没有同步成功" in indicator.toolTip()
    indicator.show_status(status(state="offline", backlog_cases=0, last_success_at=old), now=NOW)
    assert (
        not indicator.stale and indicator.backlog_label.styleSheet() == ""
    )  # nothing waits: nothing to fear


def test_never_synced_and_refusals_and_clock_warning(indicator: SyncIndicator) -> None:
    skew = "本机时间比省级平台慢约 12 分钟。请在系统设置中校准日期和时间（开启自动同步时间），否则办件时间可能记录错误。"
    indicator.show_status(
        status(
            state="auth", last_success_at=None, quarantined=2, skew_warning=skew, message="本站凭证已被吊销"
        ),
        now=NOW,
    )
    assert indicator.texts() == [
        "平台：未登记",
        "待同步 0 件",
        "平台退回 2 条",
        "尚未同步成功",
        "⚠ 本机时间不准",
    ]
    tip = indicator.toolTip()
    assert skew in tip and "本站凭证已被吊销" in tip and "有 2 条记录被平台退回" in tip
    indicator.show_status(status(), now=NOW)
    assert "⚠ 本机时间不准" not in indicator.texts() and "平台退回 2 条" not in indicator.texts()


def test_another_sync_process_is_named_in_the_tooltip(indicator: SyncIndicator) -> None:
    indicator.show_mode(MODE_EXTERNAL)
    assert "由本机的同步进程负责发送" in indicator.toolTip()
    indicator.show_mode(MODE_OWN)
    assert "由本机的同步进程负责发送" not in indicator.toolTip()


def test_a_click_or_enter_asks_for_the_sync_log(qtbot: QtBot, indicator: SyncIndicator) -> None:
    with qtbot.waitSignal(indicator.clicked, timeout=1000):
        qtbot.mouseClick(indicator, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(indicator.clicked, timeout=1000):
        qtbot.keyClick(indicator, Qt.Key.Key_Return)


def test_without_a_platform_the_window_has_no_indicator(qtbot: QtBot, demo_ctx: AppContext) -> None:
    window = CounterWindow(demo_ctx, OpRunner(inline=True), None, CLERK)
    qtbot.addWidget(window)
    assert window.sync_indicator is None and window.sync_service is None
    assert window.status_bar.platform_label.isVisibleTo(window.status_bar)
    assert window.status_bar.platform_label.text() == "平台：未配置"
    window.sync_now()
    assert "sync.platform_url" in window.status_bar.currentMessage()


def test_the_counter_shows_the_link_going_down_and_the_backlog(qtbot: QtBot, sync_ctx: AppContext) -> None:
    window = CounterWindow(sync_ctx, OpRunner(inline=True), None, CLERK)
    qtbot.addWidget(window)
    indicator = window.sync_indicator
    assert indicator is not None and window.sync_service is not None
    assert not window.status_bar.platform_label.isVisibleTo(window.status_bar)  # the indicator says more
    assert not window.status_bar.outbox_label.isVisibleTo(window.status_bar)
    with sync_ctx.db.session() as session:
        case_flow.pre_register(
            session, CLERK, station_code=sync_ctx.station_code, item_impl_code=BUILDING_PERMIT
        )
    window.start_watching()
    qtbot.waitUntil(lambda: window.sync_service is not None and window.sync_service.rounds >= 1, timeout=5000)
    qtbot.waitUntil(lambda: indicator.texts()[:2] == ["平台：离线", "待同步 1 件"], timeout=5000)
    assert window.sync_service.mode == MODE_OWN
    assert "无法连接省级平台" in indicator.toolTip()
    window.status_bar.resize(1366, 28)
    path = Path("/tmp/sync_indicator_offline.png")
    assert window.status_bar.grab().save(str(path))
    with qtbot.waitSignal(indicator.clicked):
        qtbot.mouseClick(indicator, Qt.MouseButton.LeftButton)
    assert isinstance(window.sync_log, SyncLogDialog) and window.sync_log.isVisible()
    window.close()
    assert window.sync_service.mode == "stopped" and not window.sync_service.running


def test_a_sender_that_cannot_start_says_why(qtbot: QtBot, sync_ctx: AppContext) -> None:
    def broken(_ctx: AppContext) -> SyncRunner:
        raise ConfigError(
            "找不到配置项 sync.ca_bundle 指定的 CA 证书文件，请检查路径。", key="sync.ca_bundle"
        )

    service = SyncService(sync_ctx, OpRunner(inline=True), build=broken)
    indicator = SyncIndicator(NO_PLATFORM)
    qtbot.addWidget(indicator)
    service.status_did_change.connect(indicator.show_status)
    service.start()
    try:
        qtbot.waitUntil(lambda: service.mode == MODE_FAILED, timeout=3000)
        qtbot.waitUntil(lambda: indicator.texts()[0] == "平台：同步出错", timeout=3000)
        assert "CA 证书文件" in indicator.toolTip()
        assert not service.running
    finally:
        service.stop()
