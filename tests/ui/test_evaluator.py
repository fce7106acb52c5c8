"""评价器 screen: who is rated, the five levels, reasons for a bad rating, thanks and reset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.context import AppContext
from app.model import Clerk, Evaluation, Role
from app.services import evaluations, queue
from app.services.actor import Actor
from app.services.queue import TicketView
from tests.ui.test_i18n import catalogue
from ui.evaluator import window as evaluator_window
from ui.evaluator.launch import run_evaluator
from ui.evaluator.window import EvaluatorWindow
from ui.i18n import use_language
from ui.ops import OpRunner


def clerk_actor(ctx: AppContext) -> Actor:
    with ctx.db.session() as s:
        clerk = (
            s.execute(select(Clerk).where(Clerk.role == Role.CLERK.value).order_by(Clerk.id))
            .scalars()
            .first()
        )
        assert clerk is not None
        return Actor(
            username=clerk.username, role=Role.CLERK, clerk_id=clerk.id, display_name=clerk.display_name
        )


def serve(ctx: AppContext, actor: Actor) -> TicketView:
    """A001 issued and called at window 1 by ``actor``."""
    with ctx.db.session() as s:
        queue.issue_ticket(s, station_code=ctx.station_code, category="A")
    with ctx.db.session() as s:
        called = queue.call_next(s, actor, station_code=ctx.station_code, window_number=1)
    assert called is not None
    return called


def stored(ctx: AppContext) -> list[Evaluation]:
    with ctx.db.session() as s:
        rows = list(s.execute(select(Evaluation).order_by(Evaluation.id)).scalars())
        s.expunge_all()
        return rows


@pytest.fixture
def screen(qtbot: QtBot, demo_ctx: AppContext) -> EvaluatorWindow:
    w = EvaluatorWindow(demo_ctx, OpRunner(inline=True), window_number=1)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    return w


def click(qtbot: QtBot, screen: EvaluatorWindow, level: int) -> None:
    qtbot.mouseClick(screen.level_buttons[level], Qt.MouseButton.LeftButton)


def test_the_screen_names_the_window_clerk_and_number_being_rated(
    screen: EvaluatorWindow, demo_ctx: AppContext
) -> None:
    actor = clerk_actor(demo_ctx)
    serve(demo_ctx, actor)
    screen.start()
    text = screen.target_label.text()
    assert "1号综合窗口" in text and actor.display_name in text and "A001号" in text
    assert [b.text() for b in screen.level_buttons.values()] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]


def test_a_good_rating_is_recorded_at_once_and_the_visit_cannot_be_rated_again(
    qtbot: QtBot, screen: EvaluatorWindow, demo_ctx: AppContext
) -> None:
    actor = clerk_actor(demo_ctx)
    ticket = serve(demo_ctx, actor)
    screen.start()
    click(qtbot, screen, 2)
    assert screen.pages.currentWidget() is screen.thanks_page
    assert "感谢您的评价" in screen.thanks_label.text()
    (row,) = stored(demo_ctx)
    assert (row.level, row.ticket_id, row.clerk_id, row.reasons) == (2, ticket.id, actor.clerk_id, [])
    screen.reset()
    assert screen.pages.currentWidget() is screen.rate_page
    assert not any(b.isEnabled() for b in screen.level_buttons.values())
    assert "已评价" in screen.prompt_label.text()


def test_a_bad_rating_cannot_be_sent_without_a_reason(
    qtbot: QtBot, screen: EvaluatorWindow, demo_ctx: AppContext
) -> None:
    serve(demo_ctx, clerk_actor(demo_ctx))
    screen.start()
    click(qtbot, screen, 5)
    assert screen.pages.currentWidget() is screen.reason_page
    assert "非常不满意" in screen.reason_title.text()
    assert not screen.submit_button.isEnabled() and screen.reason_hint.isVisibleTo(screen)
    screen.submit_reasons()  # even a stray call records nothing
    assert stored(demo_ctx) == []
    screen.reason_boxes["多次跑动"].setChecked(True)
    screen.reason_boxes["服务态度差"].setChecked(True)
    assert screen.submit_button.isEnabled() and not screen.reason_hint.isVisibleTo(screen)
    screen.comment_edit.setPlainText("材料清单与窗口要求不一致")
    qtbot.mouseClick(screen.submit_button, Qt.MouseButton.LeftButton)
    assert screen.pages.currentWidget() is screen.thanks_page
    (row,) = stored(demo_ctx)
    assert (
        row.level == 5
        and row.reasons == ["服务态度差", "多次跑动"]
        and row.comment == "材料清单与窗口要求不一致"
    )
    assert "整改" in screen.thanks_note.text()


def test_back_from_the_reason_list_records_nothing(
    qtbot: QtBot, screen: EvaluatorWindow, demo_ctx: AppContext
) -> None:
    screen.start()
    click(qtbot, screen, 4)
    screen.reason_boxes["办事效率低"].setChecked(True)
    qtbot.mouseClick(screen.back_button, Qt.MouseButton.LeftButton)
    assert screen.pages.currentWidget() is screen.rate_page and stored(demo_ctx) == []
    click(qtbot, screen, 4)
    assert screen.chosen_reasons() == () and not screen.submit_button.isEnabled()  # a fresh list


def test_without_a_visit_the_window_itself_is_rated(
    qtbot: QtBot, screen: EvaluatorWindow, demo_ctx: AppContext
) -> None:
    screen.start()
    assert screen.target_label.text() == "1号综合窗口"
    click(qtbot, screen, 1)
    (row,) = stored(demo_ctx)
    assert row.ticket_id is None and row.window_id is not None and row.level == 1


def test_the_thanks_page_resets_by_itself(
    qtbot: QtBot, screen: EvaluatorWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluator_window, "THANKS_MS", 20)
    screen.start()
    click(qtbot, screen, 3)
    assert screen.pages.currentWidget() is screen.thanks_page
    qtbot.waitUntil(lambda: screen.pages.currentWidget() is screen.rate_page, timeout=2000)


def test_a_refused_rating_is_explained_on_the_screen(
    qtbot: QtBot, screen: EvaluatorWindow, demo_ctx: AppContext
) -> None:
    ticket = serve(demo_ctx, clerk_actor(demo_ctx))
    screen.start()
    with demo_ctx.db.session() as s:  # rated meanwhile, e.g. by the serial evaluator
        evaluations.record_evaluation(s, None, level=1, ticket_id=ticket.id)
    click(qtbot, screen, 2)
    assert "已经评价过了" in screen.error_label.text()
    assert screen.pages.currentWidget() is screen.rate_page
    assert len(stored(demo_ctx)) == 1


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    translators = use_language(qapp, "en")
    yield
    for translator in translators:
        qapp.removeTranslator(translator)


def test_levels_and_reasons_are_translated(english: None, screen: EvaluatorWindow) -> None:
    known = catalogue()
    missing = [
        label
        for label in [*evaluations.LEVEL_LABELS.values(), *evaluations.REASONS]
        if ("Evaluation", label, "") not in known
    ]
    assert missing == []
    fresh = EvaluatorWindow(screen.ctx, screen.runner, window_number=1)
    try:
        assert fresh.level_buttons[1].text() == "Very satisfied"
        assert fresh.reason_boxes["多次跑动"].text() != "多次跑动"
    finally:
        fresh.close()
        fresh.deleteLater()


def test_smoke_run_saves_a_screenshot(demo_ctx: AppContext, tmp_path: Path) -> None:
    target = tmp_path / "evaluator.png"
    assert run_evaluator(demo_ctx, screenshot=target) == 0
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1280, 800)
