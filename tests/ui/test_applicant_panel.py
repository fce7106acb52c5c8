from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.context import AppContext
from app.masking import mask_id_number
from app.model import AuditEvent, Role
from app.services import case_flow, drafts
from app.services.actor import Actor
from app.validation import make_id_number
from devices.idcard.simulated import demo_cards
from devices.manager import DeviceManager
from ui.counter.applicant_panel import ApplicantPanel
from ui.counter.operations import draft_key
from ui.counter.visit import Visit
from ui.ops import OpRunner

CLERK = Actor(username="chuangkou", role=Role.CLERK, display_name="王小窗", clerk_id=1)
INSTALLER = Actor(username="shishi", role=Role.INSTALLER, display_name="孙实施")
APPLICANT_ID = make_id_number("110101", dt.date(1980, 5, 17), 12, "女")
AGENT_ID = make_id_number("420106", dt.date(1975, 1, 2), 33, "男")
BUILDING_PERMIT = "11341122003052113M40110037000000"  # 建筑工程施工许可 in the demo catalog
RED = "#b00020"
GREEN = "#1b7f3b"


def wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


class Host(QWidget):
    def __init__(self, ctx: AppContext, actor: Actor, devices: DeviceManager | None = None) -> None:
        super().__init__()
        self.visit = Visit(actor, self)
        self.panel = ApplicantPanel(ctx, OpRunner(inline=True), self.visit, devices)
        QVBoxLayout(self).addWidget(self.panel)

    def closeEvent(self, event: object) -> None:
        self.panel.stop()


@pytest.fixture
def host(qtbot: QtBot, demo_ctx: AppContext) -> Host:
    h = Host(demo_ctx, CLERK)
    qtbot.addWidget(h)
    return h


@pytest.fixture
def reader(demo_ctx: AppContext) -> Iterator[DeviceManager]:
    manager = DeviceManager({"idcard": "simulated"}, work_dir=demo_ctx.work_dir)
    manager.start()
    yield manager
    manager.stop()


def reader_host(qtbot: QtBot, ctx: AppContext, reader: DeviceManager, actor: Actor = CLERK) -> Host:
    h = Host(ctx, actor, reader)
    qtbot.addWidget(h)
    with qtbot.waitActive(h):
        h.show()
        h.activateWindow()
    return h


def type_person(host: Host, name: str, id_number: str, mobile: str = "") -> None:
    panel = host.panel
    panel.name_field.insert(name)  # as an input method commits it (QTest types ASCII only)
    panel.id_field.edit.setText(id_number)
    panel.mobile_field.edit.setText(mobile)


# --- ID card -----------------------------------------------------------------------------------


def test_f2_fills_the_applicant_from_the_reader_with_a_masked_number(
    qtbot: QtBot, demo_ctx: AppContext, reader: DeviceManager
) -> None:
    card = demo_cards()[0]
    h = reader_host(qtbot, demo_ctx, reader)
    qtbot.keyClick(h, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: h.visit.applicant is not None, timeout=5000)
    applicant = h.visit.applicant
    assert applicant is not None
    assert applicant.name == card.name
    assert h.panel.name_field.text() == card.name
    assert h.panel.masked_id_text() == mask_id_number(card.id_number) == applicant.id_number_masked
    assert card.id_number not in h.panel.masked_id_text()
    assert h.panel.name_field.isReadOnly() and h.panel.id_field.edit.isReadOnly()
    with demo_ctx.db.session() as session:
        reads = session.execute(select(AuditEvent).where(AuditEvent.action == "idcard.read")).scalars().all()
        assert len(reads) == 1 and card.id_number not in str(reads[0].after)


def test_reading_without_a_card_says_what_to_do(
    qtbot: QtBot, demo_ctx: AppContext, reader: DeviceManager
) -> None:
    reader.submit("idcard", lambda r: r.remove_card()).result(timeout=5)
    h = reader_host(qtbot, demo_ctx, reader)
    h.panel.card_read_timeout_s = 0.1
    h.panel.read_card()
    qtbot.waitUntil(lambda: "未检测到证件" in h.panel.message.text(), timeout=5000)
    assert h.visit.applicant is None


def test_a_card_placed_on_the_reader_is_read_by_itself(
    qtbot: QtBot, demo_ctx: AppContext, reader: DeviceManager
) -> None:
    h = reader_host(qtbot, demo_ctx, reader)
    h.panel.poll_timer.setInterval(30)
    h.panel.start_auto_read()
    qtbot.wait(150)
    assert h.visit.applicant is None  # the card already lying there is not "placed"
    reader.submit("idcard", lambda r: r.remove_card()).result(timeout=5)
    qtbot.wait(150)
    second = demo_cards()[1]
    reader.submit("idcard", lambda r: r.place_card(1)).result(timeout=5)
    qtbot.waitUntil(lambda: h.visit.applicant is not None, timeout=5000)
    assert h.visit.applicant is not None and h.visit.applicant.name == second.name
    h.panel.stop()


def test_installer_cannot_read_cards_or_register_applicants(
    qtbot: QtBot, demo_ctx: AppContext, reader: DeviceManager
) -> None:
    h = reader_host(qtbot, demo_ctx, reader, INSTALLER)
    assert not h.panel.read_button.isEnabled()
    assert "窗口人员" in h.panel.read_button.toolTip()
    assert not h.panel.confirm_button.isEnabled()
    qtbot.keyClick(h, Qt.Key.Key_F2)
    qtbot.wait(50)
    assert h.visit.applicant is None


def test_without_a_reader_f2_is_off_and_typing_is_offered(host: Host) -> None:
    assert not host.panel.read_button.isEnabled()
    assert host.panel.read_button.toolTip() == "本机未配置身份证阅读器，请手工录入"


# --- typed entry with live validation ----------------------------------------------------------


def test_typed_id_with_a_wrong_check_digit_shows_the_checksum_message(host: Host) -> None:
    field = host.panel.id_field
    field.edit.setText(wrong_check_digit(APPLICANT_ID))
    assert field.state == "invalid"
    assert f"最后一位应为{APPLICANT_ID[17]}" in field.message.text()
    assert "校验位" in field.message.text()
    assert RED in field.edit.styleSheet()
    field.edit.setText(APPLICANT_ID)
    assert field.state == "valid"
    assert GREEN in field.edit.styleSheet()
    assert "1980-05-17" in field.message.text() and "女" in field.message.text()


def test_typing_is_not_judged_before_the_number_is_complete(qtbot: QtBot, host: Host) -> None:
    field = host.panel.id_field
    qtbot.keyClicks(field.edit, "11010")
    assert field.state == "partial"
    assert field.message.text() == "已输入 5/18 位"
    assert RED not in field.edit.styleSheet()
    qtbot.keyClicks(field.edit, "A")  # a letter inside the number is wrong at once
    assert field.state == "invalid"
    assert "第6位" in field.message.text()


def test_typed_applicant_is_saved_and_shown_masked(host: Host) -> None:
    type_person(host, "李四", APPLICANT_ID, "13812345678")
    host.panel.confirm()
    applicant = host.visit.applicant
    assert applicant is not None and applicant.name == "李四"
    assert host.panel.masked_id_text() == mask_id_number(APPLICANT_ID)
    assert applicant.mobile_masked == "138****5678"
    assert host.panel.message.text().startswith("已确认：李四")


def test_confirm_names_the_first_problem(host: Host) -> None:
    type_person(host, "", APPLICANT_ID)
    host.panel.confirm()
    assert host.panel.message.text() == "请输入申请人姓名。"
    type_person(host, "李四", "", "1381234567x")
    host.panel.id_field.edit.setText(APPLICANT_ID)
    host.panel.confirm()
    assert "手机号码" in host.panel.message.text()
    assert host.visit.applicant is None


def test_mobile_is_checked_live(host: Host) -> None:
    field = host.panel.mobile_field
    field.edit.setText("1381234")
    assert field.state == "partial"
    field.edit.setText("12812345678")
    assert field.state == "invalid" and RED in field.edit.styleSheet()
    field.edit.setText("13812345678")
    assert field.state == "valid"


def test_organisation_by_uscc(host: Host) -> None:
    panel = host.panel
    panel.org_mode.setChecked(True)
    assert panel.forms.currentIndex() == 1
    panel.uscc_field.edit.setText("91350100M000100Y44")
    assert panel.uscc_field.state == "invalid"
    panel.uscc_field.edit.setText("91350100M000100Y43")
    assert panel.uscc_field.state == "valid"
    panel.org_name_field.insert("示例科技有限公司")
    panel.legal_rep_field.insert("赵六")
    panel.confirm()
    applicant = host.visit.applicant
    assert applicant is not None
    assert (applicant.kind, applicant.uscc, applicant.name) == ("organisation", "91350100M000100Y43", "示例科技有限公司")


# --- previous cases, agent, drafts -------------------------------------------------------------


def test_previous_cases_of_the_same_applicant_are_listed_with_their_materials(
    host: Host, demo_ctx: AppContext
) -> None:
    type_person(host, "李四", APPLICANT_ID)
    host.panel.confirm()
    applicant = host.visit.applicant
    assert applicant is not None
    with demo_ctx.db.session() as session:
        case = case_flow.pre_register(
            session, CLERK, station_code=demo_ctx.station_code, item_impl_code=BUILDING_PERMIT,
            applicant_id=applicant.id,
        )  # fmt: skip
    host.panel.start_over()
    type_person(host, "李四", APPLICANT_ID)
    host.panel.confirm()
    texts = host.panel.previous_case_texts()
    assert texts == [f"{case.local_number} {case.title}"]
    top = host.panel.previous_tree.topLevelItem(0)
    assert top.childCount() > 0
    assert top.child(0).text(2) == "0 页"


def test_agent_mode_registers_the_agent_and_shows_the_badge(host: Host) -> None:
    panel = host.panel
    type_person(host, "李四", APPLICANT_ID)
    panel.confirm()
    panel.agent_check.setChecked(True)
    assert panel.agent_box.isVisibleTo(host) and panel.agent_badge.isVisibleTo(host)
    panel.agent_name_field.insert("王代办")
    panel.agent_id_field.edit.setText(AGENT_ID)
    panel.agent_mobile_field.edit.setText("13900001111")
    panel.register_agent()
    assert host.visit.agent_id is not None and host.visit.authorization_id is not None
    assert host.visit.is_agent_visit
    assert panel.agent_badge.text() == "代办：王代办"
    assert "委托书" in panel.message.text()


def test_agent_needs_a_valid_id(host: Host) -> None:
    panel = host.panel
    type_person(host, "李四", APPLICANT_ID)
    panel.confirm()
    panel.agent_check.setChecked(True)
    panel.agent_name_field.insert("王代办")
    panel.agent_id_field.edit.setText(wrong_check_digit(AGENT_ID))
    panel.agent_mobile_field.edit.setText("13900001111")
    panel.register_agent()
    assert "校验位" in panel.message.text()
    assert host.visit.agent_id is None


def test_typed_fields_are_kept_as_a_draft_and_restored(
    qtbot: QtBot, host: Host, demo_ctx: AppContext
) -> None:
    key = draft_key(1)
    type_person(host, "李四", APPLICANT_ID[:10])
    qtbot.waitUntil(lambda: load(demo_ctx, key) is not None, timeout=2000)
    payload = load(demo_ctx, key)
    assert payload is not None
    assert payload["fields"]["applicant_name"] == "李四"
    assert payload["fields"]["applicant_id_number"] == APPLICANT_ID[:10]

    again = Host(demo_ctx, CLERK)  # the counter after a crash
    qtbot.addWidget(again)
    again.panel.restore_draft()
    assert again.panel.name_field.text() == "李四"
    assert again.panel.id_field.text() == APPLICANT_ID[:10]
    assert again.panel.message.text() == "已恢复上次未保存的录入内容。"

    again.visit.reset()  # the visit ends: nothing of it stays
    assert again.panel.name_field.text() == ""
    assert load(demo_ctx, key) is None


def load(ctx: AppContext, key: str) -> dict[str, object] | None:
    with ctx.db.session() as session:
        return drafts.load_draft(session, key)
