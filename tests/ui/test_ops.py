from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.errors import Cancelled, DeviceUnavailable, UserFacingError
from ui.ops import Changes, Op, OpRunner, assert_ui_thread, changes_of, is_ui_thread


class MessageBoxRecorder:
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, parent: QWidget | None, title: str, text: str, *args: object) -> None:
        self.warnings.append(text)


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> MessageBoxRecorder:
    recorder = MessageBoxRecorder()
    monkeypatch.setattr(QMessageBox, "warning", recorder.warning)
    return recorder


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[OpRunner]:
    r = OpRunner(log_path=Path("/var/log/yichuang/yichuang.log"))
    yield r
    r.shutdown()


def boom() -> None:
    raise UserFacingError("打印机缺纸，请装纸后重试。")


def test_success_runs_off_ui_thread_and_callback_on_ui_thread(qtbot: QtBot, runner: OpRunner) -> None:
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker"] = threading.current_thread().name
        seen["worker_is_ui"] = is_ui_thread()
        return 42

    def done(value: int) -> None:
        seen["value"] = value
        seen["callback_is_ui"] = is_ui_thread()

    runner.start(Op(run=work).success(done))
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen == {"worker": seen["worker"], "worker_is_ui": False, "value": 42, "callback_is_ui": True}
    assert str(seen["worker"]).startswith("yichuang-db")


def test_network_ops_use_the_network_pool(qtbot: QtBot, runner: OpRunner) -> None:
    names: list[str] = []
    runner.start(Op(run=lambda: threading.current_thread().name).on_network().success(names.append))
    qtbot.waitUntil(lambda: bool(names), timeout=5000)
    assert names[0].startswith("yichuang-net")


def test_user_facing_error_reaches_the_message_box_as_is(
    qtbot: QtBot, runner: OpRunner, boxes: MessageBoxRecorder
) -> None:
    runner.start(Op(run=boom))
    qtbot.waitUntil(lambda: bool(boxes.warnings), timeout=5000)
    assert boxes.warnings == ["打印机缺纸，请装纸后重试。"]


def test_failure_callback_runs_on_ui_thread_instead_of_the_box(
    qtbot: QtBot, runner: OpRunner, boxes: MessageBoxRecorder
) -> None:
    failures: list[tuple[str, bool]] = []
    runner.start(Op(run=boom).failure(lambda e: failures.append((str(e), is_ui_thread()))))
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert failures == [("打印机缺纸，请装纸后重试。", True)]
    assert boxes.warnings == []


def test_device_unavailable_is_shown_as_is(qtbot: QtBot, boxes: MessageBoxRecorder) -> None:
    def unplugged() -> None:
        raise DeviceUnavailable("身份证阅读器未连接，请检查数据线。", device="idcard")

    OpRunner(inline=True).start(Op(run=unplugged))
    assert boxes.warnings == ["身份证阅读器未连接，请检查数据线。"]


def test_cancelled_is_silent(qtbot: QtBot, boxes: MessageBoxRecorder) -> None:
    def cancel() -> None:
        raise Cancelled()

    failures: list[BaseException] = []
    runner = OpRunner(inline=True)
    runner.start(Op(run=cancel))
    runner.start(Op(run=cancel).failure(failures.append))
    assert boxes.warnings == []
    assert failures == []


def test_unexpected_error_logs_traceback_and_apologises_with_log_path(
    qtbot: QtBot, boxes: MessageBoxRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise KeyError("impl_code")

    runner = OpRunner(inline=True, log_path=Path("/tmp/logs/yichuang.log"))
    with caplog.at_level(logging.ERROR, logger="ui.ops"):
        runner.start(Op(run=broken, name="search_catalog"))
    assert len(boxes.warnings) == 1
    assert "抱歉" in boxes.warnings[0]
    assert "/tmp/logs/yichuang.log" in boxes.warnings[0]
    assert "impl_code" not in boxes.warnings[0]  # internals stay in the log
    [record] = caplog.records
    assert "search_catalog" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is KeyError


def test_a_failing_success_callback_is_reported_not_swallowed(
    qtbot: QtBot, boxes: MessageBoxRecorder
) -> None:
    def bad_callback(_: int) -> None:
        raise ValueError("bug in a widget")

    OpRunner(inline=True).start(Op(run=lambda: 1).success(bad_callback))
    assert len(boxes.warnings) == 1 and "抱歉" in boxes.warnings[0]


def test_inline_mode_runs_synchronously_on_the_calling_thread(qtbot: QtBot) -> None:
    runner = OpRunner(inline=True)
    threads: list[str] = []
    results: list[str] = []
    runner.start(
        Op(run=lambda: threads.append(threading.current_thread().name) or "ok").success(results.append)
    )
    assert threads == [threading.current_thread().name]
    assert results == ["ok"]


def test_changes_emit_operation_did_execute_once(qtbot: QtBot) -> None:
    runner = OpRunner(inline=True)
    emitted: list[Changes] = []
    runner.operation_did_execute.connect(emitted.append)
    runner.start(Op(run=lambda: Changes(cases=True, outbox=True)))
    runner.start(Op(run=lambda: "no changes here"))
    assert emitted == [Changes(cases=True, outbox=True)]


def test_changes_carried_by_a_result_attribute() -> None:
    class Accepted:
        changes = Changes(queue=True)

    assert changes_of(Accepted()) == Changes(queue=True)
    assert changes_of(None) is None
    assert (Changes(cases=True) | Changes(outbox=True)) == Changes(cases=True, outbox=True)
    assert Changes().any() is False and Changes(devices=True).any() is True


def test_progress_text_is_shown_while_running_and_cleared_after(qtbot: QtBot, runner: OpRunner) -> None:
    texts: list[str] = []
    runner.progress_did_change.connect(texts.append)
    release = threading.Event()
    done: list[bool] = []
    runner.start(Op(run=lambda: release.wait(5)).success(done.append).with_progress("正在加载事项目录…"))
    assert runner.progress_text == "正在加载事项目录…"
    release.set()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert texts == ["正在加载事项目录…", ""]
    assert runner.progress_text == ""


def test_shutdown_joins_threads_and_refuses_new_ops(qtbot: QtBot) -> None:
    runner = OpRunner()
    runner.start(Op(run=lambda: threading.current_thread().name))
    runner.start(Op(run=lambda: None).on_network())
    runner.shutdown()
    assert not [t for t in threading.enumerate() if t.name.startswith(("yichuang-db", "yichuang-net"))]
    with pytest.raises(RuntimeError):
        runner.start(Op(run=lambda: None))


def test_assert_ui_thread_fails_on_a_worker_thread(qtbot: QtBot) -> None:
    errors: list[BaseException] = []

    def check() -> None:
        try:
            assert_ui_thread()
        except AssertionError as e:
            errors.append(e)

    worker = threading.Thread(target=check)
    worker.start()
    worker.join()
    assert len(errors) == 1
    assert_ui_thread()  # and passes here
