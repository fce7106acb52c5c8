"""Card reads (读卡) and what of a card a case keeps.

Two rules from the privacy requirements:

- Every read of an ID card is audited (who, when, for which case or none, why), with the masked
  number only — never the name, address, photo or full number.
- A case keeps only the holder's card fields its service item needs (``ServiceItem.card_fields``;
  None means :data:`DEFAULT_CARD_FIELDS`). The applicant register keeps the person; the case, which
  travels to the provincial platform, carries the item's share of it and nothing more.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Final, Literal

from sqlalchemy.orm import Session

from app import audit
from app.errors import ValidationError
from app.masking import mask_id_number
from app.model import Applicant, Case, ServiceItem
from app.services.actor import Actor

#: Every card field an item may ask for, with its Chinese label (for the catalog editor and notes).
CARD_FIELD_LABELS: Final = {
    "name": "姓名",
    "id_number": "证件号码",
    "gender": "性别",
    "nation": "民族",
    "birth_date": "出生日期",
    "address": "住址",
    "photo": "证件照片",
}
#: What an item that says nothing keeps: identity and address, no photo, no nation.
DEFAULT_CARD_FIELDS: Final = ("name", "id_number", "gender", "birth_date", "address")

ReadPurpose = Literal["applicant", "agent", "delivery", "ticket", "doctor"]
PURPOSE_LABELS: Final[dict[str, str]] = {
    "applicant": "登记申请人",
    "agent": "登记代办人",
    "delivery": "出件核验领取人",
    "ticket": "取号",
    "doctor": "设备检测",
}


def check_card_fields(fields: Iterable[str]) -> list[str]:
    """Validate an item's ``card_fields`` list (catalog import); ValidationError names the bad one."""
    result = []
    for name in fields:
        if name not in CARD_FIELD_LABELS:
            known = "、".join(CARD_FIELD_LABELS)
            raise ValidationError(f"事项的读卡字段“{name}”不存在，可选：{known}。", field="card_fields")
        if name not in result:
            result.append(name)
    return result


def fields_for_items(items: Iterable[ServiceItem]) -> tuple[str, ...]:
    """The union of the card fields the items need, in the order of CARD_FIELD_LABELS."""
    wanted: set[str] = set()
    for item in items:
        wanted.update(item.card_fields if item.card_fields is not None else DEFAULT_CARD_FIELDS)
    return tuple(name for name in CARD_FIELD_LABELS if name in wanted)


def card_snapshot(applicant: Applicant, fields: Iterable[str]) -> dict[str, Any]:
    """The applicant's values of ``fields`` (photo excluded: it is kept raw, see keep_on_case)."""
    values: dict[str, Any] = {
        "name": applicant.name,
        "id_number": applicant.id_number or "",
        "gender": applicant.gender,
        "nation": applicant.nation,
        "birth_date": applicant.birth_date.isoformat() if applicant.birth_date else "",
        "address": applicant.address or "",
    }
    return {name: values[name] for name in fields if name in values}


def keep_on_case(case: Case, applicant: Applicant | None, items: Iterable[ServiceItem]) -> None:
    """Store on ``case`` the applicant's card fields its items need (encrypted columns)."""
    if applicant is None or applicant.kind != "person":
        return
    fields = fields_for_items(items)
    case.card_snapshot = json.dumps(card_snapshot(applicant, fields), ensure_ascii=False)
    case.photo_wlt = applicant.photo_wlt if "photo" in fields else None


def kept_fields(case: Case) -> dict[str, Any]:
    """What ``keep_on_case`` stored (empty when the case has no card holder)."""
    if not case.card_snapshot:
        return {}
    loaded = json.loads(case.card_snapshot)
    return loaded if isinstance(loaded, dict) else {}


def record_card_read(
    session: Session,
    actor: Actor | str,
    *,
    id_number: str,
    card_type: str,
    purpose: ReadPurpose,
    case_id: int | None = None,
    source: str = "idcard_reader",
    outcome: str = "ok",
) -> None:
    """Audit one ID-card read: who (actor, or "kiosk"), when, which case or none, and why."""
    if purpose not in PURPOSE_LABELS:
        raise ValueError(f"unknown card read purpose {purpose!r}")
    # Case events are keyed by the case's uuid, so the read shows on the case timeline.
    case = session.get(Case, case_id) if case_id is not None else None
    audit.append(
        session,
        actor=actor if isinstance(actor, str) else actor.username,
        action="idcard.read",
        entity="case" if case is not None else "card_read",
        entity_id=case.uuid if case is not None else "",
        after={
            "id_number_masked": mask_id_number(id_number) if id_number else "",
            "card_type": card_type,
            "purpose": purpose,
            "case_id": case_id,
            "source": source,
            "outcome": outcome,
        },
    )
