"""Card reads: every read audited (who, which case, why), and a case keeps only what its item needs."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, text

from app.errors import ValidationError
from app.model import Applicant, AuditEvent, Case, Role, ServiceItem
from app.services import card_reads
from app.services.actor import Actor
from app.services.applicants import CardFields, applicant_from_card
from app.services.case_flow import open_case
from app.services.cases import case_timeline
from app.services.kiosk import check_in_by_id_number
from app.storage import crypto
from app.storage.db import Database
from app.validation import make_id_number

CLERK = Actor(username="wang", role=Role.CLERK)
NUMBER = make_id_number("110101", dt.date(1968, 3, 12), 61, "男")
WLT = bytes(range(256)) * 4  # 1024 bytes standing in for the chip's raw WLT photo


def _card(**changes: object) -> CardFields:
    values: dict[str, object] = {
        "name": "王建国",
        "gender": "男",
        "nation": "汉",
        "birth_date": dt.date(1968, 3, 12),
        "address": "北京市东城区示例胡同12号",
        "id_number": NUMBER,
        "photo_wlt": WLT,
    }
    values.update(changes)
    return CardFields(**values)  # type: ignore[arg-type]


def _item_code(db: Database, name: str) -> str:
    with db.session() as s:
        return s.execute(select(ServiceItem.impl_code).where(ServiceItem.name == name)).scalar_one()


def _read_events(db: Database) -> list[dict[str, object]]:
    with db.session() as s:
        rows = s.execute(
            select(AuditEvent).where(AuditEvent.action == "idcard.read").order_by(AuditEvent.seq)
        ).scalars()
        return [dict(r.after or {}) for r in rows]


def test_read_is_audited_with_masked_number_and_raw_photo_kept_encrypted(
    demo_db: Database, cipher: crypto.FieldCipher
) -> None:
    with demo_db.session() as s:
        view = applicant_from_card(s, CLERK, _card(), case_id=None)
    events = _read_events(demo_db)
    assert len(events) == 1
    event = events[0]
    assert event["case_id"] is None and event["purpose"] == "applicant"
    assert event["card_type"] == "resident"
    assert NUMBER not in json.dumps(event, ensure_ascii=False)
    assert str(event["id_number_masked"]).startswith(NUMBER[:3])
    with demo_db.session() as s:
        applicant = s.get(Applicant, view.id)
        assert applicant is not None and applicant.photo_wlt == WLT
        stored = s.execute(text("SELECT photo_wlt FROM applicant WHERE id = :i"), {"i": view.id}).scalar_one()
    assert bytes(stored) != WLT and WLT[:64] not in bytes(stored)  # encrypted at rest


def test_a_read_without_a_photo_keeps_the_raw_photo_already_stored(
    demo_db: Database, cipher: crypto.FieldCipher
) -> None:
    with demo_db.session() as s:
        view = applicant_from_card(s, CLERK, _card())
        applicant_from_card(s, CLERK, _card(photo_wlt=None))
        applicant = s.get(Applicant, view.id)
        assert applicant is not None and applicant.photo_wlt == WLT


@pytest.mark.parametrize(
    ("item", "expected", "keeps_photo"),
    [
        ("个人所得税综合所得汇算", {"name", "id_number"}, False),
        ("社会保障卡申领", {"name", "id_number", "gender", "nation", "birth_date", "address"}, True),
        ("临时救助", set(card_reads.DEFAULT_CARD_FIELDS), False),
    ],
)
def test_case_keeps_only_the_card_fields_its_item_needs(
    demo_db: Database, cipher: crypto.FieldCipher, item: str, expected: set[str], keeps_photo: bool
) -> None:
    with demo_db.session() as s:
        applicant = applicant_from_card(s, CLERK, _card())
    with demo_db.session() as s:
        view = open_case(
            s,
            CLERK,
            station_code="ST001",
            item_impl_code=_item_code(demo_db, item),
            applicant_id=applicant.id,
        )
    with demo_db.session() as s:
        case = s.get(Case, view.id)
        assert case is not None
        kept = card_reads.kept_fields(case)
        assert set(kept) == expected
        if "address" not in expected:
            assert "示例胡同" not in json.dumps(kept, ensure_ascii=False)
        assert (case.photo_wlt == WLT) is keeps_photo
        raw = s.execute(
            text("SELECT card_snapshot FROM service_case WHERE id = :i"), {"i": view.id}
        ).scalar_one()
    assert "王建国" not in str(raw)  # the snapshot is encrypted like every other personal column


def test_unknown_card_field_in_a_catalog_is_refused_with_its_name() -> None:
    with pytest.raises(ValidationError, match="指纹"):
        card_reads.check_card_fields(["name", "指纹"])
    assert card_reads.check_card_fields(["name", "photo", "name"]) == ["name", "photo"]


def test_delivery_read_is_audited_against_its_case_and_shows_on_its_timeline(
    demo_db: Database, cipher: crypto.FieldCipher
) -> None:
    with demo_db.session() as s:
        case = open_case(s, CLERK, station_code="ST001", item_impl_code=_item_code(demo_db, "临时救助"))
    with demo_db.session() as s:
        card_reads.record_card_read(
            s, CLERK, id_number=NUMBER, card_type="resident", purpose="delivery", case_id=case.id
        )
    with demo_db.session() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "idcard.read")).scalar_one()
        assert event.actor == "wang" and event.entity == "case" and event.entity_id == case.uuid
        labels = [entry.action_label for entry in case_timeline(s, case.id)]
    assert labels[-1] == "读取身份证（出件核验领取人）"
    assert (
        _read_events(demo_db)[0]["purpose"] == "delivery" and _read_events(demo_db)[0]["case_id"] == case.id
    )
    with demo_db.session() as s, pytest.raises(ValueError):
        card_reads.record_card_read(s, CLERK, id_number=NUMBER, card_type="resident", purpose="x")  # type: ignore[arg-type]


def test_kiosk_card_check_in_is_audited_even_without_an_appointment(
    demo_db: Database, cipher: crypto.FieldCipher
) -> None:
    with demo_db.session() as s:
        assert check_in_by_id_number(s, station_code="ST001", id_number=NUMBER) is None
    events = _read_events(demo_db)
    assert [e["purpose"] for e in events] == ["ticket"]
    with demo_db.session() as s:
        actor = s.execute(select(AuditEvent.actor).where(AuditEvent.action == "idcard.read")).scalar_one()
    assert actor == "kiosk"
