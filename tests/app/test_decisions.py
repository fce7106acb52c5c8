"""The window's decisions on both databases: 预登记, 受理, 补正, 不予受理, 撤销, 出件, and the case list."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.case_states import CaseState
from app.errors import DomainError, PermissionDenied
from app.masking import mask_id_number
from app.model import Agent, Applicant, Authorization, Case, CaseMaterialStatus, OutboxEvent, Role
from app.services.actor import Actor
from app.services.case_flow import (
    CorrectionItem,
    accept,
    deliver,
    pre_register,
    receive_correction,
    reject,
    request_correction,
    transition,
    undo_decision,
)
from app.services.case_flow import open_case as open_case_
from app.services.cases import case_timeline, previous_cases, search_cases
from app.services.drafts import clear_draft, load_draft, save_draft
from app.storage.crypto import FieldCipher
from app.storage.db import Database
from app.validation import make_id_number

CLERK = Actor(username="chuangkou", role=Role.CLERK)
SUPERVISOR = Actor(username="zhibanzhang", role=Role.SUPERVISOR)
NOW = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 Beijing
APPLICANT_ID = make_id_number("341122", dt.date(1970, 5, 6), 3, "男")
AGENT_ID = make_id_number("341122", dt.date(1990, 1, 2), 9, "女")
STRANGER_ID = make_id_number("110105", dt.date(1980, 8, 8), 4, "男")


def _person(cipher: FieldCipher, name: str, number: str) -> Applicant:
    return Applicant(
        name=name,
        id_number=number,
        id_number_index=cipher.blind_index(number),
        id_number_masked=mask_id_number(number),
        mobile="13812345678",
    )


def _item_code(db: Database, name: str) -> str:
    from app.model import ServiceItem

    with db.session() as s:
        return s.execute(select(ServiceItem.impl_code).where(ServiceItem.name == name)).scalar_one()


def _new_case(db: Database, cipher: FieldCipher, *, agent: bool = False) -> int:
    code = _item_code(db, "临时救助")
    with db.session() as s:
        a = _person(cipher, "张建国", APPLICANT_ID)
        s.add(a)
        s.flush()
        agent_id = auth_id = None
        if agent:
            ag = Agent(name="李代办", id_number=AGENT_ID, id_number_index=cipher.blind_index(AGENT_ID))
            s.add(ag)
            s.flush()
            auth = Authorization(applicant_id=a.id, agent_id=ag.id)
            s.add(auth)
            s.flush()
            agent_id, auth_id = ag.id, auth.id
        v = open_case_(s, CLERK, station_code="ST001", item_impl_code=code, applicant_id=a.id,
                       agent_id=agent_id, authorization_id=auth_id, now=NOW)  # fmt: skip
        return v.id


def _receive_all(db: Database, case_id: int) -> None:
    with db.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        for m in case.materials:
            m.status = CaseMaterialStatus.RECEIVED


def test_pre_register_routes_to_department(demo_db: Database, cipher: FieldCipher) -> None:
    code = _item_code(demo_db, "建筑工程施工许可")
    with demo_db.session() as s:
        v = pre_register(s, CLERK, station_code="ST001", item_impl_code=code, now=NOW)
    assert v.state == CaseState.PRE_REGISTERED
    assert v.department == "示范县住房和城乡建设局"
    assert len(v.query_password) == 6 and v.query_password.isdigit()


def test_accept_refused_while_required_materials_missing(demo_db: Database, cipher: FieldCipher) -> None:
    cid = _new_case(demo_db, cipher)
    with pytest.raises(DomainError, match="材料不齐"), demo_db.session() as s:
        accept(s, CLERK, cid, now=NOW)
    _receive_all(demo_db, cid)
    with demo_db.session() as s:
        v = accept(s, CLERK, cid, now=NOW)
    assert v.state == CaseState.ACCEPTED and v.promised_date is not None and v.promised_date > NOW.date()
    assert v.applicant_id_masked == mask_id_number(APPLICANT_ID)


def test_correction_round_trip(demo_db: Database, cipher: FieldCipher) -> None:
    cid = _new_case(demo_db, cipher)
    items = [CorrectionItem("收入证明", "需加盖村委会公章"), CorrectionItem("户口簿", "提供户主页及本人页复印件")]
    with demo_db.session() as s:
        v = request_correction(s, CLERK, cid, items, deadline=dt.date(2026, 6, 8), now=NOW)
    assert v.state == CaseState.CORRECTION_REQUESTED
    assert v.correction_items == tuple(items) and v.correction_deadline == dt.date(2026, 6, 8)
    with demo_db.session() as s:
        assert [r.id for r in search_cases(s, filter="correction", today=NOW.date())] == [cid]
        v = receive_correction(s, CLERK, cid, now=NOW)
    assert v.state == CaseState.RECEIVED and v.correction_count == 1
    _receive_all(demo_db, cid)
    with demo_db.session() as s:
        assert accept(s, CLERK, cid, now=NOW).state == CaseState.ACCEPTED
        labels = [e.action_label for e in case_timeline(s, cid)]
    assert labels == ["收件", "补正告知", "补正收件", "受理"]


def test_correction_needs_items_and_future_deadline(demo_db: Database, cipher: FieldCipher) -> None:
    cid = _new_case(demo_db, cipher)
    with pytest.raises(DomainError, match="必须列出"), demo_db.session() as s:
        request_correction(s, CLERK, cid, [], deadline=dt.date(2026, 6, 8), now=NOW)
    with pytest.raises(DomainError, match="不能早于今天"), demo_db.session() as s:
        request_correction(s, CLERK, cid, [CorrectionItem("x", "")], deadline=dt.date(2026, 5, 1), now=NOW)


def test_reject_and_supervisor_undo(demo_db: Database, cipher: FieldCipher) -> None:
    cid = _new_case(demo_db, cipher)
    with demo_db.session() as s:
        v = reject(s, CLERK, cid, reason="不属于本机关职权范围", competent_agency="示范县教育局", now=NOW)
    assert v.state == CaseState.REJECTED and v.competent_agency == "示范县教育局"
    with pytest.raises(PermissionDenied), demo_db.session() as s:
        undo_decision(s, CLERK, cid, reason="误操作")
    with demo_db.session() as s:
        v = undo_decision(s, SUPERVISOR, cid, reason="误操作", now=NOW)
    assert v.state == CaseState.RECEIVED and v.competent_agency == ""
    with demo_db.session() as s:
        assert case_timeline(s, cid)[-1].action_label == "撤销决定"


def _complete(db: Database, cid: int) -> None:
    _receive_all(db, cid)
    with db.session() as s:
        accept(s, CLERK, cid, now=NOW)
        transition(s, cid, "complete", CLERK, now=NOW)


def test_delivery_checks_collector_identity(demo_db: Database, cipher: FieldCipher) -> None:
    cid = _new_case(demo_db, cipher, agent=True)
    _complete(demo_db, cid)
    with pytest.raises(DomainError, match="不符"), demo_db.session() as s:
        deliver(s, CLERK, cid, collector_id_number=STRANGER_ID, collector_name="王五")
    with demo_db.session() as s:
        case = s.get(Case, cid)
        assert case is not None and case.state == CaseState.COMPLETED  # nothing recorded
        assert [r.id for r in search_cases(s, filter="result_ready")] == [cid]
        assert case_timeline(s, cid)[-1].action_label == "办结"
    with demo_db.session() as s:
        v = deliver(s, CLERK, cid, collector_id_number=AGENT_ID, collector_name="")
        case = s.get(Case, cid)
        assert case is not None and case.collector_is_agent and case.collector_name == "李代办"
    assert v.state == CaseState.DELIVERED and v.is_agent_case


def test_delivery_by_mail_needs_address_and_tracking(demo_db: Database, cipher: FieldCipher) -> None:
    cid = _new_case(demo_db, cipher)
    _complete(demo_db, cid)
    with pytest.raises(DomainError, match="快递单号"), demo_db.session() as s:
        deliver(s, CLERK, cid, collector_id_number=None, collector_name="张建国", mail_address="示范县幸福路1号")
    with demo_db.session() as s:
        v = deliver(s, CLERK, cid, collector_id_number=None, collector_name="张建国",
                    mail_address="示范县幸福路1号", tracking_number="EMS1234567890CN")  # fmt: skip
        case = s.get(Case, cid)
        assert case is not None and case.mail_address == "示范县幸福路1号" and case.delivery_method == "邮寄"
    assert v.state == CaseState.DELIVERED


def test_search_by_name_full_id_and_phone_and_overdue(demo_db: Database, cipher: FieldCipher) -> None:
    cid = _new_case(demo_db, cipher)
    _receive_all(demo_db, cid)
    with demo_db.session() as s:
        accept(s, CLERK, cid, now=NOW)
        assert [r.id for r in search_cases(s, text="张建国")] == [cid]
        assert [r.id for r in search_cases(s, text=APPLICANT_ID)] == [cid]
        assert [r.id for r in search_cases(s, text="1381234")] == [cid]
        assert search_cases(s, text=STRANGER_ID) == []
        row = search_cases(s, text="张建国")[0]
        assert row.applicant_name == "张**" and row.mobile_masked == "138****5678" and not row.synced
        case = s.get(Case, cid)
        assert case is not None and case.promised_date is not None
        due = case.promised_date
        assert search_cases(s, filter="overdue", today=due - dt.timedelta(days=20)) == []
        assert search_cases(s, filter="overdue", today=due)[0].overdue_level == "yellow"
        assert search_cases(s, filter="overdue", today=due + dt.timedelta(days=1))[0].overdue_level == "red"
        applicant_id = case.applicant_id
        assert applicant_id is not None
        assert [r.id for r in previous_cases(s, applicant_id)] == [cid]
        # marking the case's outbox rows as sent takes it off the 未同步 list
        assert [r.id for r in search_cases(s, filter="unsynced")] == [cid]
        for ev in s.execute(select(OutboxEvent)).scalars():
            ev.status = "sent"
        s.flush()
        assert search_cases(s, filter="unsynced") == []


def test_drafts_round_trip_encrypted(db: Database, cipher: FieldCipher) -> None:
    from sqlalchemy import text

    with db.session() as s:
        save_draft(s, "counter:window-1", "wang", {"id_number": APPLICANT_ID, "name": "张建国"})
        save_draft(s, "counter:window-1", "wang", {"id_number": APPLICANT_ID, "name": "张建国", "mobile": "1"})
    with db.session() as s:
        assert load_draft(s, "counter:window-1") == {"id_number": APPLICANT_ID, "name": "张建国", "mobile": "1"}
        raw = s.execute(text("SELECT payload FROM draft")).scalar_one()
        assert APPLICANT_ID not in raw and "张建国" not in raw
        clear_draft(s, "counter:window-1")
        assert load_draft(s, "counter:window-1") is None
