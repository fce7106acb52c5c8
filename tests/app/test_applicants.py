"""Applicants and agents on both databases: upsert by blind index, audited reads, no ID number leaks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging

import pytest
from sqlalchemy import select, text

from app.errors import DomainError, PermissionDenied, ValidationError
from app.model import Agent, Applicant, AuditEvent, Authorization, Role
from app.services.actor import Actor
from app.services.applicants import (
    CardFields,
    applicant_from_card,
    applicant_typed,
    get_applicant,
    id_matches,
    organisation_applicant,
    register_agent,
    update_mobile,
)
from app.storage.db import Database
from app.validation import make_id_number

CLERK = Actor(username="wang", role=Role.CLERK)
STAFF = Actor(username="li", role=Role.STATION_STAFF, clerk_id=None)
INSTALLER = Actor(username="sun", role=Role.INSTALLER)

ID_WANG = make_id_number("110101", dt.date(1968, 3, 12), 61, "男")
ID_LI = make_id_number("522601", dt.date(1990, 11, 3), 17, "女")
ID_AGENT = make_id_number("341122", dt.date(1985, 6, 1), 5, "男")
ID_STRANGER = make_id_number("440308", dt.date(1999, 1, 10), 151, "男")
USCC = "91350100M000100Y43"


def card(**changes: object) -> CardFields:
    base = CardFields(
        name="王建国",
        gender="男",
        nation="汉",
        birth_date=dt.date(1968, 3, 12),
        address="北京市东城区示例胡同12号",
        id_number=ID_WANG,
        photo=b"\xff\xd8\xff-photo",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _events(db: Database) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars())


def _dump(events: list[AuditEvent]) -> str:
    return json.dumps(
        [[e.action, e.entity, e.entity_id, e.before, e.after, e.reason] for e in events], ensure_ascii=False
    )


def test_reading_the_same_card_twice_gives_one_applicant_and_two_audited_reads(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with db.session() as s:
        first = applicant_from_card(s, CLERK, card())
    with db.session() as s:
        second = applicant_from_card(
            s, CLERK, card(address="北京市东城区新街口外大街1号"), source="idcard_auto"
        )
    assert first.id == second.id
    assert second.name == "王建国"
    assert second.id_number_masked == ID_WANG[:4] + "*" * 10 + ID_WANG[-4:]
    assert second.address_masked == "北京市东城区****"
    assert second.has_photo and second.gender == "男" and second.nation == "汉"
    with db.session() as s:
        assert s.execute(select(Applicant)).scalars().all().__len__() == 1
    events = _events(db)
    assert [e.action for e in events] == ["idcard.read", "idcard.read"]
    assert [e.entity_id for e in events] == [str(first.id)] * 2
    assert events[0].after is not None and events[0].after["created"] is True
    assert events[1].after is not None and events[1].after["source"] == "idcard_auto"
    assert events[1].after["changed"] == ["address"]
    assert ID_WANG not in _dump(events)
    assert ID_WANG[6:14] not in _dump(events)  # not even the birth date part
    assert ID_WANG not in caplog.text


def test_personal_data_is_encrypted_at_rest_and_found_by_blind_index(db: Database) -> None:
    with db.session() as s:
        view = applicant_from_card(s, CLERK, card())
    with db.engine.connect() as conn:
        row = conn.execute(
            text("SELECT id_number, address, photo, id_number_index FROM applicant WHERE id = :i"),
            {"i": view.id},
        ).one()
    assert ID_WANG not in str(row.id_number)
    assert "示例胡同" not in str(row.address)
    assert b"-photo" not in bytes(row.photo)
    with db.session() as s:
        # Typed in later with a lower-case x and spaces, it is the same person.
        typed = applicant_typed(s, CLERK, name="王建国", id_number=f" {ID_WANG[:6]} {ID_WANG[6:]} ")
        stored = s.get(Applicant, view.id)
        assert stored is not None and stored.id_number == ID_WANG
    assert typed.id == view.id


def test_a_card_read_with_the_wrong_birth_date_is_refused(db: Database) -> None:
    with db.session() as s, pytest.raises(ValidationError, match="出生日期与证件号码不符") as exc:
        applicant_from_card(s, CLERK, card(birth_date=dt.date(1968, 3, 13)))
    assert ID_WANG not in str(exc.value)
    with db.session() as s, pytest.raises(ValidationError, match="性别与证件号码不符"):
        applicant_from_card(s, CLERK, card(gender="2"))


def test_a_reader_without_photo_keeps_the_photo_we_have(db: Database) -> None:
    with db.session() as s:
        applicant_from_card(s, CLERK, card())
    with db.session() as s:
        view = applicant_from_card(s, CLERK, card(photo=None))
    assert view.has_photo


def test_typed_entry_validates_in_chinese_and_never_echoes_the_number(db: Database) -> None:
    wrong_check = ID_LI[:17] + ("0" if ID_LI[17] != "0" else "1")
    with db.session() as s, pytest.raises(ValidationError, match="校验位不对") as exc:
        applicant_typed(s, CLERK, name="李秀英", id_number=wrong_check)
    assert wrong_check not in str(exc.value)
    with db.session() as s, pytest.raises(ValidationError, match="手机号码应为11位"):
        applicant_typed(s, CLERK, name="李秀英", id_number=ID_LI, mobile="1381234")
    with db.session() as s, pytest.raises(ValidationError, match="请输入申请人姓名"):
        applicant_typed(s, CLERK, name="  ", id_number=ID_LI)
    with db.session() as s:
        view = applicant_typed(
            s, CLERK, name="李秀英", id_number=ID_LI, mobile="138 1234 5678", address="凯里市"
        )
    assert (view.gender, view.birth_date) == ("女", dt.date(1990, 11, 3))
    assert view.mobile_masked == "138****5678"
    assert not view.has_photo
    assert [e.action for e in _events(db)] == ["applicant.create"]


def test_update_mobile_is_validated_and_audited_masked(db: Database) -> None:
    with db.session() as s:
        view = applicant_typed(s, CLERK, name="李秀英", id_number=ID_LI)
    with db.session() as s, pytest.raises(ValidationError, match="应以13-19开头"):
        update_mobile(s, CLERK, view.id, "12012345678")
    with db.session() as s:
        updated = update_mobile(s, CLERK, view.id, "+86 139-0000-1111")
    assert updated.mobile_masked == "139****1111"
    last = _events(db)[-1]
    assert last.action == "applicant.update"
    assert "13900001111" not in _dump([last])
    with db.session() as s:
        assert get_applicant(s, view.id).mobile_masked == "139****1111"


def test_organisation_by_credit_code_is_upserted(db: Database) -> None:
    with db.session() as s:
        first = organisation_applicant(
            s, CLERK, name="示例科技有限公司", uscc=USCC, legal_representative="赵六"
        )
    with db.session() as s:
        second = organisation_applicant(
            s,
            CLERK,
            name="示例科技股份有限公司",
            uscc=USCC.lower(),
            legal_representative="赵六",
            mobile="13800001111",
        )
    assert first.id == second.id
    assert (second.kind, second.name, second.uscc, second.id_number_masked) == (
        "organisation",
        "示例科技股份有限公司",
        USCC,
        "",
    )
    with db.session() as s, pytest.raises(ValidationError, match="统一社会信用代码校验位不对"):
        organisation_applicant(s, CLERK, name="某公司", uscc=USCC[:17] + "0", legal_representative="赵六")
    with db.session() as s, pytest.raises(ValidationError, match="法定代表人"):
        organisation_applicant(s, CLERK, name="某公司", uscc=USCC, legal_representative="")


def test_an_installer_account_cannot_register_applicants(db: Database) -> None:
    with db.session() as s, pytest.raises(PermissionDenied):
        applicant_from_card(s, INSTALLER, card())


def test_register_agent_and_id_matches_applicant_agent_and_stranger(db: Database) -> None:
    today = dt.date(2026, 9, 30)
    with db.session() as s:
        applicant = applicant_from_card(s, STAFF, card())
        agent_id, auth_id = register_agent(
            s,
            STAFF,
            name="李代办",
            id_number=ID_AGENT,
            mobile="13700001111",
            applicant_id=applicant.id,
            scope="代为办理临时救助申请",
            valid_until=dt.date(2026, 12, 31),
            clerk_id=None,
            today=today,
        )
    with db.session() as s:
        again = register_agent(
            s,
            STAFF,
            name="李代办",
            id_number=ID_AGENT.lower(),
            mobile="13700001111",
            applicant_id=applicant.id,
            scope="代为办理临时救助申请",
            valid_until=dt.date(2026, 12, 31),
            today=today,
        )
        assert again == (agent_id, auth_id)  # no duplicate agent or authorization
        auth = s.get(Authorization, auth_id)
        assert auth is not None and (auth.applicant_id, auth.agent_id) == (applicant.id, agent_id)
        assert s.execute(select(Agent)).scalars().all().__len__() == 1
        assert id_matches(s, id_number=ID_WANG, applicant_id=applicant.id, agent_id=agent_id) == "applicant"
        assert id_matches(s, id_number=ID_AGENT, applicant_id=applicant.id, agent_id=agent_id) == "agent"
        assert id_matches(s, id_number=ID_STRANGER, applicant_id=applicant.id, agent_id=agent_id) is None
        # Without a registered agent, the agent's card proves nothing.
        assert id_matches(s, id_number=ID_AGENT, applicant_id=applicant.id, agent_id=None) is None
    events = _events(db)
    assert [e.action for e in events] == ["idcard.read", "agent.register"]
    assert ID_AGENT not in _dump(events)


def test_register_agent_refuses_self_expired_and_unknown_applicant(db: Database) -> None:
    today = dt.date(2026, 9, 30)
    with db.session() as s:
        applicant = applicant_from_card(s, CLERK, card())
    common = {"name": "王建国", "mobile": "13700001111", "applicant_id": applicant.id, "today": today}
    with db.session() as s, pytest.raises(DomainError, match="同一人"):
        register_agent(s, CLERK, id_number=ID_WANG, **common)  # type: ignore[arg-type]
    with db.session() as s, pytest.raises(ValidationError, match="委托有效期 2026-09-29 已过"):
        register_agent(s, CLERK, id_number=ID_AGENT, valid_until=dt.date(2026, 9, 29), **common)  # type: ignore[arg-type]
    with db.session() as s, pytest.raises(DomainError, match="请先读取申请人身份证"):
        register_agent(s, CLERK, id_number=ID_AGENT, **{**common, "applicant_id": applicant.id + 99})  # type: ignore[arg-type]
