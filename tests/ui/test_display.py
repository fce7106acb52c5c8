"""叫号屏: calls reach the board and the voice once, recalls are said as recalls, offline and recovery."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot
from sqlalchemy.engine import make_url

from app.context import AppContext
from app.errors import StorageError
from app.model import Role
from app.services import queue
from app.services.actor import Actor
from devices.manager import DeviceManager
from ui.display import DisplayWindow, run_display
from ui.display import board as board_module
from ui.ops import OpRunner

CLERK = Actor(username="chuangkou", role=Role.CLERK, display_name="王小窗")
POLL_S = 0.05


def issue(ctx: AppContext, category: str = "A") -> None:
    with ctx.db.session() as session:
        queue.issue_ticket(session, station_code=ctx.station_code, category=category)


def call_next(ctx: AppContext, window: int) -> None:
    with ctx.db.session() as session:
        queue.call_next(session, CLERK, station_code=ctx.station_code, window_number=window)


def recall(ctx: AppContext, window: int) -> None:
    with ctx.db.session() as session:
        queue.recall(session, CLERK, station_code=ctx.station_code, window_number=window)


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[DeviceManager]:
    manager = DeviceManager({"speech": "simulated"}, work_dir=tmp_path, poll_interval_s=None)
    manager.start()
    yield manager
    manager.stop()


def spoken(devices: DeviceManager) -> list[str]:
    texts: list[str] = devices.submit("speech", lambda speech: speech.spoken).result(timeout=5)
    return texts


@pytest.fixture
def board(qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager) -> Iterator[DisplayWindow]:
    window = DisplayWindow(demo_ctx, OpRunner(inline=True), devices, poll_interval_s=POLL_S)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    window.start_watching()
    qtbot.waitUntil(lambda: window.loaded)
    yield window
    window.close()


def settle(qtbot: QtBot, seconds: float = 0.3) -> None:
    """Let the watcher poll a few more times, so a repeated announcement would have happened."""
    qtbot.wait(int(seconds * 1000))


def test_a_called_ticket_appears_on_the_board_and_is_spoken_once(
    qtbot: QtBot, board: DisplayWindow, demo_ctx: AppContext, devices: DeviceManager
) -> None:
    assert board.current_numbers() == {}
    assert "演示便民服务站" in board.title_label.text()
    issue(demo_ctx)
    qtbot.waitUntil(lambda: board.waiting_counts().get("A") == 1)
    call_next(demo_ctx, 1)
    qtbot.waitUntil(lambda: board.current_numbers() == {1: "A001"})
    assert board.waiting_counts()["A"] == 0
    assert board.recent_numbers() == ["A001"]
    assert board.hero_label.text() == "请A001号到1号窗口办理"
    qtbot.waitUntil(lambda: spoken(devices) == ["请A001号到1号窗口办理"])
    settle(qtbot)
    assert spoken(devices) == ["请A001号到1号窗口办理"]


def test_calls_are_spoken_in_order_and_a_recall_as_a_recall(
    qtbot: QtBot, board: DisplayWindow, demo_ctx: AppContext, devices: DeviceManager
) -> None:
    issue(demo_ctx, "A")
    issue(demo_ctx, "C")
    call_next(demo_ctx, 1)
    call_next(demo_ctx, 2)  # window 2 serves C first
    qtbot.waitUntil(lambda: len(spoken(devices)) == 2)
    assert spoken(devices) == ["请A001号到1号窗口办理", "请C001号到2号窗口办理"]
    recall(demo_ctx, 1)
    qtbot.waitUntil(lambda: len(spoken(devices)) == 3)
    settle(qtbot)
    assert spoken(devices)[2:] == ["请A001号到1号窗口办理（重呼）"]
    assert board.hero_label.text() == "请A001号到1号窗口办理（重呼）"
    assert board.current_numbers() == {1: "A001", 2: "C001"}


def test_calls_made_before_the_board_started_are_shown_but_not_read_out(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager
) -> None:
    issue(demo_ctx)
    call_next(demo_ctx, 1)
    window = DisplayWindow(demo_ctx, OpRunner(inline=True), devices, poll_interval_s=POLL_S)
    qtbot.addWidget(window)
    window.start_watching()
    qtbot.waitUntil(lambda: window.loaded)
    assert window.current_numbers() == {1: "A001"}
    settle(qtbot)
    assert spoken(devices) == []
    window.close()


def test_offline_banner_when_the_database_is_unreachable_and_recovery(
    qtbot: QtBot, board: DisplayWindow, demo_ctx: AppContext, devices: DeviceManager, tmp_path: Path
) -> None:
    assert not board.is_offline()
    db_file = Path(make_url(demo_ctx.db.url).database or "")
    away = tmp_path / "unreachable.sqlite3"
    db_file.rename(away)  # the disk or share holding the database is gone
    try:
        qtbot.waitUntil(board.is_offline)
        assert board.offline_banner.text() == "数据库连接中断，正在重连…"
    finally:
        away.rename(db_file)
    qtbot.waitUntil(lambda: not board.is_offline())
    issue(demo_ctx)
    call_next(demo_ctx, 1)  # the board follows the queue again without a restart
    qtbot.waitUntil(lambda: board.current_numbers() == {1: "A001"})
    qtbot.waitUntil(lambda: spoken(devices) == ["请A001号到1号窗口办理"])


def test_a_failed_load_shows_the_banner_until_a_load_succeeds(
    board: DisplayWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*_args: object) -> str:
        raise StorageError("数据库无法连接")

    monkeypatch.setattr(board_module.calls, "station_name", unreachable)
    board.refresh()
    assert board.is_offline()
    monkeypatch.undo()
    board.refresh()
    assert not board.is_offline()


def test_the_notice_line_scrolls(qtbot: QtBot, board: DisplayWindow) -> None:
    assert "排队号" in board.ticker.text()
    before = board.ticker.grab().toImage()
    qtbot.wait(200)
    assert board.ticker.grab().toImage() != before


def test_smoke_run_saves_a_full_hd_screenshot(demo_ctx: AppContext, tmp_path: Path) -> None:
    target = tmp_path / "display.png"
    started = time.monotonic()
    assert run_display(demo_ctx, screenshot=target) == 0
    assert time.monotonic() - started < 10
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1920, 1080)
