"""The whole loop at the counter against the real reference platform over loopback HTTP.

A clerk accepts a case at the window; the counter's sync service sends it (pages and all); the
platform's back office approves it and issues the result; "立即同步" pulls that back, and the case
shows under 可出件 in the case list and as 平台出具结果 on its timeline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.config import load_config
from app.context import AppContext, open_context
from app.demo.loader import load_demo
from app.model import Case, Role
from app.services.actor import Actor
from app.services.applicants import applicant_typed
from app.services.materials import add_page, case_materials
from app.validation import make_id_number
from sync.platform.models import PlatformCase
from sync.token_store import open_token_store
from tests.sync.platform_server import PlatformServer, platform_server  # noqa: F401  (fixture)
from ui.counter.decision_dialogs import ConfirmDialog, CorrectionDialog
from ui.counter.window import CounterWindow
from ui.ops import OpRunner

CLERK = Actor(username="chuangkou", role=Role.CLERK, display_name="王小窗", clerk_id=1)
UNEMPLOYMENT = "11341122003051831240510629000000"  # 失业保险金申领 in the demo catalog
SYNC_NOW = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
WAIT_MS = 15_000


@pytest.fixture
def ctx(yc_home: Path, platform_server: PlatformServer) -> Iterator[AppContext]:  # noqa: F811
    """The demo station, configured for the platform and enrolled with it."""
    config = load_config(
        None,
        overrides={
            "ui.demo": "true",
            "storage.key_source": "file",
            "sync.platform_url": platform_server.base_url,
            "sync.idle_timeout_s": "5",
        },
    )
    context = open_context(config)
    with context.db.session() as session:
        load_demo(session, station_code=context.station_code, station_name=config.get_str("station.name"))
    token = platform_server.enroll(context.station_code)
    open_token_store(config, context.db, context.cipher).save(token)
    yield context
    context.close()


def scan(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    image = rng.integers(180, 255, (1200, 900, 3), dtype=np.uint8)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return data.tobytes()


def accept_at_the_window(window: CounterWindow, ctx: AppContext) -> tuple[int, str, list[str]]:
    """收件 with every required page scanned, then 受理 through the decision bar's dialog."""
    visit = window.visit
    number = make_id_number("341122", dt.date(1988, 9, 9), 21, "男")
    with ctx.db.session() as session:
        visit.applicant = applicant_typed(session, CLERK, name="孙立新", id_number=number)
    visit.item_impl_code = UNEMPLOYMENT
    bar = window.decision_bar
    bar.request_correction()  # opens the case (收件); the correction itself is not wanted
    assert isinstance(bar.dialog, CorrectionDialog)
    bar.dialog.reject()
    assert visit.case is not None
    case_id = visit.case.id
    hashes = []
    with ctx.db.session() as session:
        for n, material in enumerate(case_materials(session, case_id)):
            if material.necessity == "1":
                data = scan(n)
                add_page(session, ctx.blobs, CLERK, material.id, data)
                hashes.append(hashlib.sha256(data).hexdigest())
    bar.buttons["accept"].click()
    assert isinstance(bar.dialog, ConfirmDialog) and bar.dialog.ok_button.isEnabled()
    bar.dialog.accept()
    assert visit.case is not None and visit.case.state_label == "已受理"
    assert bar.preview is not None
    bar.preview.close()  # the receipt was shown; the clerk closes it and goes on
    with ctx.db.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case_id, case.uuid, hashes


def activate(qtbot: QtBot, window: CounterWindow) -> None:
    """Back to the counter window with the search box focused, as after closing the other windows."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    window.item_panel.search_box.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.item_panel.search_box, timeout=2000)


def on_platform(server: PlatformServer, case_uuid: str) -> PlatformCase | None:
    with server.session() as s:
        row = s.get(PlatformCase, case_uuid)
        if row is not None:
            s.expunge(row)
        return row


def local_case(ctx: AppContext, case_uuid: str) -> Case:
    with ctx.db.session() as s:
        return s.execute(select(Case).where(Case.uuid == case_uuid)).scalar_one()


def test_a_case_accepted_at_the_counter_comes_back_with_its_result(
    qtbot: QtBot,
    ctx: AppContext,
    platform_server: PlatformServer,  # noqa: F811
) -> None:
    window = CounterWindow(ctx, OpRunner(inline=True), None, CLERK)
    qtbot.addWidget(window)
    indicator, service = window.sync_indicator, window.sync_service
    assert indicator is not None and service is not None
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    case_id, case_uuid, hashes = accept_at_the_window(window, ctx)

    window.start_watching()  # the sender starts and takes the backlog
    qtbot.waitUntil(lambda: (row := on_platform(platform_server, case_uuid)) is not None and row.state == "submitted",
                    timeout=WAIT_MS)  # fmt: skip
    arrived = on_platform(platform_server, case_uuid)
    assert arrived is not None and arrived.submit_count == 1
    assert sorted(arrived.page_hashes) == sorted(hashes)
    for sha in hashes:
        assert hashlib.sha256(platform_server.blob_bytes(sha)).hexdigest() == sha
    qtbot.waitUntil(lambda: indicator.texts()[:2] == ["平台：在线", "待同步 0 件"], timeout=WAIT_MS)
    assert local_case(ctx, case_uuid).platform_number == arrived.platform_number

    case_list = window.show_case_list()
    case_list.set_filter("result_ready")
    assert case_id not in [row.id for row in case_list.listed_rows()]

    # The platform's back office decides and issues the result.
    platform_server.admin(case_uuid, "approve", note="符合申领条件")
    platform_server.admin(
        case_uuid, "result", result_name="失业保险金核定通知书", licence_number="SY-2026-0042"
    )
    activate(qtbot, window)  # the case list stays open behind
    qtbot.keyClick(
        window.item_panel.search_box, Qt.Key.Key_S, SYNC_NOW
    )  # 立即同步: the sender wakes and pulls

    # The round that pulled the result redraws the open list by itself.
    qtbot.waitUntil(lambda: case_id in [row.id for row in case_list.listed_rows()], timeout=WAIT_MS)
    case = local_case(ctx, case_uuid)
    assert case.state == "completed" and case.result_code == "0" and "SY-2026-0042" in case.result_note
    detail = case_list.open_case(case_id)
    actions = [row[1] for row in detail.timeline_rows()]
    assert actions.index("受理") < actions.index("已报送平台") < actions.index("平台出具结果")
    assert "平台办件编号" in actions and "平台决定（准予）" in actions
    result = next(row for row in detail.timeline_rows() if row[1] == "平台出具结果")
    assert result[3] == "已受理 → 已办结"

    log = window.show_sync_log()
    row = next(r for r in log.log_rows() if r[0] == case.local_number)
    assert row[2:5] == ("已同步", "2/2", arrived.platform_number)
    assert log.quarantine_rows() == []
    window.resize(1366, 768)
    assert window.statusBar().grab().save("/tmp/sync_indicator_online.png")
    log.resize(1100, 360)
    assert log.grab().save("/tmp/sync_log_online.png")
    window.close()
    assert not service.running
