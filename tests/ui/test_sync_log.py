"""The sync log (同步记录): per-case state, 立即同步, and the quarantine view with its two actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.config import load_config
from app.context import AppContext, open_context
from app.demo.loader import load_demo
from app.model import AuditEvent, OutboxEvent, Role, utcnow
from app.services.actor import Actor
from app.services.case_flow import open_case
from sync.runner import LOCK_FILE_NAME, _hold_lock
from ui.counter.sync_log import HandledNoteDialog, SyncLogDialog
from ui.ops import OpRunner
from ui.sync_service import MODE_EXTERNAL, MODE_OWN, SyncService

CLERK = Actor(username="chuangkou", role=Role.CLERK, display_name="王小窗", clerk_id=1)
INSTALLER = Actor(username="shishi", role=Role.INSTALLER, display_name="孙实施")
BUILDING_PERMIT = "11341122003052113M40110037000000"
NO_PLATFORM = "http://127.0.0.1:9"  # nothing listens: every round ends "offline" at once
REASON = "第 2 页材料无法识别（图像损坏），请重新扫描后再报送。"


@pytest.fixture
def ctx(yc_home: Path) -> Iterator[AppContext]:
    config = load_config(
        None,
        overrides={"ui.demo": "true", "storage.key_source": "file", "sync.platform_url": NO_PLATFORM},
    )
    context = open_context(config)
    with context.db.session() as session:
        load_demo(session, station_name=config.get_str("station.name"))
    yield context
    context.close()


def new_case(ctx: AppContext) -> tuple[str, str]:
    with ctx.db.session() as s:
        view = open_case(s, CLERK, station_code=ctx.station_code, item_impl_code=BUILDING_PERMIT)
        return view.uuid, view.local_number


def set_event(ctx: AppContext, case_uuid: str, **values: object) -> None:
    with ctx.db.session() as s:
        event = s.execute(select(OutboxEvent).where(OutboxEvent.aggregate_uuid == case_uuid)).scalar_one()
        for key, value in values.items():
            setattr(event, key, value)


def event_of(ctx: AppContext, case_uuid: str) -> OutboxEvent:
    with ctx.db.session() as s:
        return s.execute(select(OutboxEvent).where(OutboxEvent.aggregate_uuid == case_uuid)).scalar_one()


@pytest.fixture
def cases(ctx: AppContext) -> dict[str, tuple[str, str]]:
    """A case sent, one waiting to retry in an hour, one refused by the platform."""
    out = {name: new_case(ctx) for name in ("sent", "retry", "refused")}
    set_event(ctx, out["sent"][0], status="sent", sent_at=utcnow())
    set_event(
        ctx,
        out["retry"][0],
        status="failed",
        attempts=4,
        next_attempt_at=utcnow() + dt.timedelta(hours=1),
        last_error="[offline] 无法连接省级平台（连接被拒绝）。请检查网络。",
    )
    set_event(
        ctx,
        out["refused"][0],
        status="quarantined",
        attempts=1,
        quarantine_reason=REASON,
        quarantined_at=utcnow(),
        last_error=f"[rejected 422 blob_corrupt] {REASON}",
    )
    return out


@pytest.fixture
def service(ctx: AppContext) -> Iterator[SyncService]:
    """The real sender on its thread, against a platform that never answers."""
    svc = SyncService(ctx, OpRunner(inline=True))
    yield svc
    svc.stop()


def make_dialog(
    qtbot: QtBot, ctx: AppContext, service: SyncService | None, actor: Actor = CLERK
) -> SyncLogDialog:
    dialog = SyncLogDialog(ctx, OpRunner(inline=True), service, actor)
    qtbot.addWidget(dialog)
    return dialog


def show_active(qtbot: QtBot, dialog: SyncLogDialog) -> None:
    """Shortcuts only fire in the active window, as on a real desktop."""
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()


def started(qtbot: QtBot, service: SyncService) -> SyncService:
    service.start()
    qtbot.waitUntil(lambda: service.rounds >= 1, timeout=5000)
    return service


def test_each_case_shows_its_state_attempts_next_try_and_error(
    qtbot: QtBot, ctx: AppContext, cases: dict[str, tuple[str, str]]
) -> None:
    dialog = make_dialog(qtbot, ctx, None)
    rows = {row[0]: row for row in dialog.log_rows()}
    refused, retry, sent = (rows[cases[k][1]] for k in ("refused", "retry", "sent"))
    assert [r[0] for r in dialog.log_rows()] == [cases[k][1] for k in ("refused", "retry", "sent")]
    assert refused[1] == "建筑工程施工许可" and refused[2:6] == ("平台退回", "0/1", "", "1")
    assert refused[7] == REASON
    assert retry[2:6] == ("等待重试", "0/1", "", "4") and retry[6] != ""  # the time of the next try
    assert retry[7] == "无法连接省级平台（连接被拒绝）。请检查网络。"
    assert sent[2:8] == ("已同步", "1/1", "", "", "", "")
    assert dialog.log_table.topLevelItem(0).background(2).color().name() == "#ffcdd2"  # type: ignore[union-attr]
    assert "待同步 1 件（1 条记录）" in dialog.state_label.text()
    assert "尚未同步成功" in dialog.state_label.text()
    assert dialog.tabs.tabText(1) == "平台退回 (1)"
    assert dialog.quarantine_rows()[0][0] == cases["refused"][1]
    assert dialog.quarantine_rows()[0][1:2] == ("收件",) and dialog.quarantine_rows()[0][3] == REASON
    assert dialog.reason_view.toPlainText() == REASON
    assert not dialog.sync_now_button.isEnabled()  # no platform for this log: nothing to wake
    dialog.resize(1100, 420)
    dialog.tabs.setCurrentIndex(1)
    assert dialog.grab().save("/tmp/sync_log_quarantine.png")
    dialog.tabs.setCurrentIndex(0)
    assert dialog.grab().save("/tmp/sync_log.png")


def test_resend_after_fixing_queues_the_change_again_and_wakes_the_sender(
    qtbot: QtBot, ctx: AppContext, cases: dict[str, tuple[str, str]], service: SyncService
) -> None:
    started(qtbot, service)
    dialog = make_dialog(qtbot, ctx, service)
    refused_uuid, number = cases["refused"]
    old_key = event_of(ctx, refused_uuid).event_uuid
    rounds = service.rounds
    dialog.requeue_button.click()
    event = event_of(ctx, refused_uuid)
    assert event.status in ("pending", "sending") and event.attempts == 0
    assert event.event_uuid != old_key  # a new idempotency key: the old one is bound to the refused body
    assert event.quarantine_reason == REASON  # the platform's words stay on the row
    assert f"办件 {number} 已重新排队" in dialog.message.text()
    assert dialog.quarantine_rows() == [] and dialog.tabs.tabText(1) == "平台退回"
    # Woken now, not after the 10 s an offline sender sleeps.
    qtbot.waitUntil(lambda: service.rounds > rounds, timeout=3000)
    with ctx.db.session() as s:
        actions = (
            s.execute(select(AuditEvent.action).where(AuditEvent.entity_id == refused_uuid)).scalars().all()
        )
    assert "sync.requeue" in actions


def test_marking_handled_needs_a_note_and_keeps_it(
    qtbot: QtBot, ctx: AppContext, cases: dict[str, tuple[str, str]]
) -> None:
    dialog = make_dialog(qtbot, ctx, None)
    refused_uuid, number = cases["refused"]
    show_active(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    note = dialog.note_dialog
    assert isinstance(note, HandledNoteDialog) and note.isVisible()
    assert REASON in " ".join(label.text() for label in note.findChildren(QLabel))
    assert not note.ok_button.isEnabled()
    note.note.setPlainText("   ")
    assert not note.ok_button.isEnabled()  # blanks are not a note
    note.note.setPlainText("已电话联系平台，由平台工作人员补录。")
    note.ok_button.click()
    event = event_of(ctx, refused_uuid)
    assert (event.status, event.handled_note, event.handled_by) == (
        "handled",
        "已电话联系平台，由平台工作人员补录。",
        CLERK.username,
    )
    assert event.quarantine_reason == REASON  # never dropped
    assert f"办件 {number} 的退回记录已标记为已处理" in dialog.message.text()
    assert dialog.quarantine_rows() == []
    assert {row[0]: row[2] for row in dialog.log_rows()}[number] == "退回已处理"
    with ctx.db.session() as s:
        reasons = s.execute(
            select(AuditEvent.reason).where(
                AuditEvent.entity_id == refused_uuid, AuditEvent.action == "sync.handled"
            )
        ).scalars()
        assert list(reasons) == ["已电话联系平台，由平台工作人员补录。"]


def test_cancelling_the_note_changes_nothing(
    qtbot: QtBot, ctx: AppContext, cases: dict[str, tuple[str, str]]
) -> None:
    dialog = make_dialog(qtbot, ctx, None)
    note = dialog.mark_handled()
    assert note is not None
    note.note.setPlainText("写了一半")
    note.reject()
    assert event_of(ctx, cases["refused"][0]).status == "quarantined"
    assert len(dialog.quarantine_rows()) == 1


def test_a_change_settled_in_another_window_is_not_settled_twice(
    qtbot: QtBot, ctx: AppContext, cases: dict[str, tuple[str, str]]
) -> None:
    dialog = make_dialog(qtbot, ctx, None)
    set_event(ctx, cases["refused"][0], status="handled", handled_note="另一窗口已处理")
    dialog.requeue_button.click()
    assert "已不在“平台退回”列表中" in dialog.message.text()
    assert event_of(ctx, cases["refused"][0]).handled_note == "另一窗口已处理"
    assert dialog.quarantine_rows() == []  # the list was read again


def test_a_role_without_case_rights_may_look_but_not_act(
    qtbot: QtBot, ctx: AppContext, cases: dict[str, tuple[str, str]]
) -> None:
    dialog = make_dialog(qtbot, ctx, None, INSTALLER)
    assert len(dialog.quarantine_rows()) == 1
    for button in (dialog.requeue_button, dialog.handled_button):
        assert not button.isEnabled() and "需要" in button.toolTip()
    dialog.requeue()
    assert dialog.mark_handled() is None
    assert event_of(ctx, cases["refused"][0]).status == "quarantined"


def test_sync_now_makes_retries_due_and_wakes_the_sender(
    qtbot: QtBot, ctx: AppContext, cases: dict[str, tuple[str, str]], service: SyncService
) -> None:
    started(qtbot, service)
    assert service.mode == MODE_OWN
    dialog = make_dialog(qtbot, ctx, service)
    assert dialog.sync_now_button.isEnabled()
    show_active(qtbot, dialog)
    rounds = service.rounds
    # Nothing is due (a retry in an hour, a refusal): the offline sender would sleep 10 s.
    with qtbot.waitSignal(service.round_did_finish, timeout=3000):
        qtbot.keyClick(
            dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        )
    assert service.rounds > rounds
    assert event_of(ctx, cases["retry"][0]).next_attempt_at is None
    assert event_of(ctx, cases["refused"][0]).status == "quarantined"  # a refusal waits for the clerk
    assert "已开始同步" in dialog.message.text()
    qtbot.waitUntil(lambda: dialog.status is not None and dialog.status.state == "offline", timeout=3000)
    assert "无法连接省级平台" in dialog.state_label.text()


def test_with_another_sync_process_sync_now_only_brings_rows_forward(
    qtbot: QtBot, ctx: AppContext, cases: dict[str, tuple[str, str]], service: SyncService
) -> None:
    lock = _hold_lock(ctx.work_dir / LOCK_FILE_NAME)  # the other process
    assert lock is not None
    try:
        service.start()
        qtbot.waitUntil(lambda: service.mode == MODE_EXTERNAL, timeout=3000)
        assert not service.running and service.rounds == 0
        service.sync_now()
        assert event_of(ctx, cases["retry"][0]).next_attempt_at is None
        assert event_of(ctx, cases["refused"][0]).status == "quarantined"
    finally:
        lock.close()
