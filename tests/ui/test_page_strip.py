"""The page strip: paper order, verdicts against the active profile, blank badges, and the edits it asks for.

The first tests drive the strip alone with pages made up here; the last ones run it inside the
capture panel on a real case, where a key press or a drop changes the stored pages.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.imaging.profiles import PROFILES, PageVerdict
from app.model import Role
from app.services.actor import Actor
from app.services.applicants import applicant_typed
from app.services.case_flow import open_case
from app.services.materials import PageView, add_page, case_materials
from app.validation import make_id_number
from ui.counter.capture import CapturePanel
from ui.counter.page_strip import BAD_COLOUR, OK_COLOUR, PAGE_MIME, PageStrip, StripPage
from ui.ops import OpRunner

CLERK = Actor("chuangkou", Role.CLERK, display_name="王小窗")
RELIEF = "11341122003051401840510296000000"
UNUSED = PageVerdict(True, "")  # the strip judges pages itself, against its profile


def page(
    page_id: int, position: int, *, width: int = 1131, height: int = 1600, size: int = 80_000
) -> PageView:
    return PageView(page_id, position, f"sha{page_id}", width, height, size, "jpeg", 0, UNUSED)


def thumbnail() -> QImage:
    image = QImage(85, 120, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    return image


@pytest.fixture
def strip(qtbot: QtBot) -> PageStrip:
    shown = PageStrip(PROFILES["jpg-90k"])
    qtbot.addWidget(shown)
    shown.resize(900, shown.height())
    shown.show_pages(
        [
            StripPage(page(11, 0), thumbnail()),
            StripPage(page(12, 1, size=120_000), thumbnail()),  # over the 90 KB cap
            StripPage(page(13, 2), thumbnail(), blank=True),
        ],
        select=0,
    )
    return shown


def test_pages_show_in_paper_order_with_a_green_or_red_verdict_and_the_blank_badge(strip: PageStrip) -> None:
    assert strip.page_ids() == [11, 12, 13]
    captions = strip.captions()
    assert captions[0] == "第 1 页\n合格：1131×1600，80 KB"
    assert captions[1].startswith("第 2 页\n过大：120 KB，超过 90 KB，请压缩后使用或降低分辨率重拍")
    assert captions[2] == "第 3 页\n合格：1131×1600，80 KB\n疑似空白页"
    assert strip.colours() == [OK_COLOUR, BAD_COLOUR, OK_COLOUR]
    assert strip.blank_flags() == [False, False, True]
    assert "请确认是否需要" in strip.item(2).toolTip()


def test_verdicts_follow_the_active_profile(strip: PageStrip) -> None:
    strip.set_profile(PROFILES["pdf-a4"])  # 1 MB allowed, but at least 1240×1754 pixels
    assert strip.colours() == [BAD_COLOUR] * 3
    assert "像素不足：1131×1600" in strip.captions()[1]
    assert strip.currentRow() == 0  # the selection stays


def test_keys_ask_to_move_rotate_and_delete_the_selected_page(qtbot: QtBot, strip: PageStrip) -> None:
    moves: list[tuple[int, int]] = []
    turns: list[tuple[int, int]] = []
    deleted: list[int] = []
    strip.page_did_request_move.connect(lambda page_id, to: moves.append((page_id, to)))
    strip.page_did_request_rotation.connect(lambda page_id, n: turns.append((page_id, n)))
    strip.page_did_request_delete.connect(deleted.append)
    alt, ctrl, shift = (
        Qt.KeyboardModifier.AltModifier,
        Qt.KeyboardModifier.ControlModifier,
        Qt.KeyboardModifier.ShiftModifier,
    )
    QTest.keyClick(strip, Qt.Key.Key_Left, alt)  # the first page cannot go further left
    QTest.keyClick(strip, Qt.Key.Key_Right, alt)
    strip.setCurrentRow(2)
    QTest.keyClick(strip, Qt.Key.Key_Right, alt)  # nor the last one further right
    QTest.keyClick(strip, Qt.Key.Key_Left, alt)
    QTest.keyClick(strip, Qt.Key.Key_R, ctrl)
    QTest.keyClick(strip, Qt.Key.Key_R, ctrl | shift)
    QTest.keyClick(strip, Qt.Key.Key_Delete)
    assert moves == [(11, 1), (13, 1)]
    assert turns == [(13, 1), (13, -1)]
    assert deleted == [13]
    assert strip.page_ids() == [11, 12, 13]  # the strip asks; it changes nothing itself

    strip.editable = False
    QTest.keyClick(strip, Qt.Key.Key_Delete)
    assert deleted == [13]


def drop_on(strip: PageStrip, mime: QMimeData, row: int, *, right_half: bool) -> QDropEvent:
    rect = strip.visualItemRect(strip.item(row))
    x = rect.center().x() + (rect.width() // 4 if right_half else -rect.width() // 4)
    event = QDropEvent(
        QPointF(x, rect.center().y()),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    strip.dropEvent(event)
    return event


def page_mime(page_id: int) -> QMimeData:
    mime = QMimeData()
    mime.setData(PAGE_MIME, QByteArray(str(page_id).encode("ascii")))
    return mime


def test_dropping_a_thumbnail_asks_to_move_it_where_it_lands(strip: PageStrip, tmp_path: Path) -> None:
    moves: list[tuple[int, int]] = []
    strip.page_did_request_move.connect(lambda page_id, to: moves.append((page_id, to)))
    strip.show()
    drop_on(strip, page_mime(11), 2, right_half=True)  # after the last page
    drop_on(strip, page_mime(13), 0, right_half=False)  # before the first
    drop_on(strip, page_mime(12), 1, right_half=True)  # onto its own place: nothing to do
    mime = page_mime(11)
    event = drop_on(strip, mime, 2, right_half=False)  # between the second and the third
    assert moves == [(11, 2), (13, 0), (11, 1)]
    assert event.isAccepted() and strip.page_ids() == [11, 12, 13]  # the strip itself moved nothing

    files: list[object] = []
    strip.files_did_drop.connect(files.append)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "a.jpg")), QUrl.fromLocalFile(str(tmp_path / "b.docx"))])
    drop_on(strip, mime, 0, right_half=False)
    assert files == [[tmp_path / "a.jpg", tmp_path / "b.docx"]]


# --- inside the capture panel ----------------------------------------------------------------------------


def jpeg(seed: int, width: int = 1131, height: int = 1600) -> bytes:
    image = np.full((height, width, 3), 245, np.uint8)
    cv2.putText(image, f"page {seed}", (80, 300), cv2.FONT_HERSHEY_SIMPLEX, 4, (20, 20, 20), 8)
    cv2.rectangle(image, (80, 400), (80 + 60 * seed, 700), (30, 30, 30), -1)
    return bytes(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 60])[1].tobytes())


@pytest.fixture
def panel(qtbot: QtBot, demo_ctx: AppContext) -> CapturePanel:
    number = make_id_number("341122", dt.date(1980, 2, 3), 7, "男")
    with demo_ctx.db.session() as session:
        applicant = applicant_typed(session, CLERK, name="李大山", id_number=number, mobile="13905509876")
        case = open_case(
            session,
            CLERK,
            station_code=demo_ctx.station_code,
            item_impl_code=RELIEF,
            applicant_id=applicant.id,
        )
        material = case_materials(session, case.id)[0]
        for seed in (1, 2, 3):
            add_page(session, demo_ctx.blobs, CLERK, material.id, jpeg(seed))
    shown = CapturePanel(demo_ctx, OpRunner(inline=True), None, lambda: CLERK)
    qtbot.addWidget(shown)
    shown.set_material(case.id, material.id, name=material.name)
    return shown


def stored(ctx: AppContext, panel: CapturePanel) -> list[PageView]:
    assert panel.target is not None
    case_id, material_id = panel.target
    with ctx.db.session() as session:
        return list(next(m for m in case_materials(session, case_id) if m.id == material_id).pages)


def test_keys_and_drops_in_the_panel_change_the_stored_pages(
    panel: CapturePanel, demo_ctx: AppContext
) -> None:
    strip = panel.strip
    first, second, third = (p.id for p in stored(demo_ctx, panel))
    assert strip.page_ids() == [first, second, third]
    assert not strip.item(0).data(Qt.ItemDataRole.DecorationRole).isNull()  # thumbnails are shown

    strip.setCurrentRow(0)
    QTest.keyClick(strip, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert [p.id for p in stored(demo_ctx, panel)] == [second, first, third]
    assert strip.page_ids() == [second, first, third] and strip.current_page().id == first  # type: ignore[union-attr]

    strip.show()
    drop_on(strip, page_mime(third), 0, right_half=False)
    assert [p.id for p in stored(demo_ctx, panel)] == [third, second, first]
    assert strip.current_page().id == third  # type: ignore[union-attr]

    before = stored(demo_ctx, panel)[0]
    QTest.keyClick(strip, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    turned = stored(demo_ctx, panel)[0]
    assert turned.id == third and (turned.width, turned.height) == (before.height, before.width)
    assert turned.rotation == 90
    QTest.keyClick(
        strip, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert stored(demo_ctx, panel)[0].rotation == 0

    strip.setCurrentRow(1)
    QTest.keyClick(strip, Qt.Key.Key_Delete)
    assert [p.id for p in stored(demo_ctx, panel)] == [third, first]
    assert panel.status.text() == "已删除第 2 页。" and strip.currentRow() == 0
    assert strip.captions()[1].startswith("第 2 页\n合格")


def test_buttons_under_the_strip_do_what_the_keys_do(panel: CapturePanel, demo_ctx: AppContext) -> None:
    strip = panel.strip
    ids = [p.id for p in stored(demo_ctx, panel)]
    strip.setCurrentRow(2)
    assert not panel.page_buttons["later"].isEnabled() and panel.page_buttons["earlier"].isEnabled()
    panel.page_buttons["earlier"].click()
    assert [p.id for p in stored(demo_ctx, panel)] == [ids[0], ids[2], ids[1]]
    panel.page_buttons["delete"].click()
    assert [p.id for p in stored(demo_ctx, panel)] == [ids[0], ids[1]]
