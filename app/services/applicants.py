"""Applicants (申请人) and agents (代办人): from an ID card, typed in, or an organisation by USCC.

Personal data rules (gov-domain.md §5): the ID number, address and chip photo live in encrypted
columns; people are found by a keyed blind index of the normalised ID number, never by the
number itself. Every card read is audited, with the masked number only. Don't put a full ID
number into an audit event, a log line or an exception message; screens get masked values.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.clock import local_date
from app.errors import DomainError, ValidationError
from app.masking import mask_id_number, mask_phone
from app.model import Agent, Applicant, Authorization, Role, utcnow
from app.services.actor import Actor
from app.storage.crypto import active_cipher
from app.validation import check_id_number, check_mobile, check_uscc

log = logging.getLogger(__name__)

_ROLES = frozenset({Role.CLERK, Role.STATION_STAFF, Role.SUPERVISOR})
#: GA/T 2000.156 code of the resident ID card; other documents come with their own code.
RESIDENT_ID_TYPE = "111"
_GENDER_CODES = {"1": "男", "2": "女"}  # GB/T 2261.1, as the chip stores them


@dataclass(frozen=True, repr=False)
class CardFields:
    """身份证信息: what the UI hands over after a card read (printed names, not chip codes).

    ``gender`` is "男"/"女" (chip codes "1"/"2" are accepted too), ``nation`` the printed name
    ("汉"). ``repr()`` masks the ID number and leaves out the address and photo.
    """

    name: str
    gender: str
    nation: str
    birth_date: dt.date | None
    address: str
    id_number: str
    id_type: str = RESIDENT_ID_TYPE
    photo: bytes | None = field(default=None)
    photo_wlt: bytes | None = field(default=None)  # raw chip photo, kept even when undecoded
    card_type: str = "resident"

    def __repr__(self) -> str:
        return f"CardFields(id_number={mask_id_number(self.id_number)!r}, id_type={self.id_type!r})"


@dataclass(frozen=True)
class ApplicantView:
    """申请人 as screens and printouts see them: the ID number, phone and address masked."""

    id: int
    kind: str  # person | organisation
    name: str
    id_type: str
    id_number_masked: str
    uscc: str
    gender: str
    nation: str
    birth_date: dt.date | None
    mobile_masked: str
    address_masked: str
    has_photo: bool


def mask_address(address: str) -> str:
    """Keep the area part only: "北京市东城区示例胡同12号" → "北京市东城区****"."""
    value = address.strip()
    if not value:
        return ""
    return value[: min(6, len(value) // 2)] + "****"


def normalize_id_number(id_number: str) -> str:
    """The form the blind index is taken of: full-width folded, spaces dropped, X upper-case."""
    return "".join(unicodedata.normalize("NFKC", id_number).split()).upper()


def id_number_index(id_number: str) -> str:
    """Keyed blind index of an ID number, for look-ups on the encrypted column."""
    return active_cipher().blind_index(normalize_id_number(id_number))


def _view(a: Applicant) -> ApplicantView:
    return ApplicantView(
        id=a.id,
        kind=a.kind,
        name=a.name,
        id_type=a.id_type,
        id_number_masked=a.id_number_masked,
        uscc=a.uscc,
        gender=a.gender,
        nation=a.nation,
        birth_date=a.birth_date,
        mobile_masked=mask_phone(a.mobile) if a.mobile else "",
        address_masked=mask_address(a.address or ""),
        has_photo=bool(a.photo),
    )


def _person_by_index(session: Session, index: str) -> Applicant | None:
    return (
        session.execute(
            select(Applicant)
            .where(Applicant.id_number_index == index, Applicant.kind == "person")
            .order_by(Applicant.id)
        )
        .scalars()
        .first()
    )


def _required_name(name: str, what: str) -> str:
    value = name.strip()
    if not value:
        raise ValidationError(f"请输入{what}姓名", field="name")
    return value


def _assign(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set changed attributes; return the names that changed (for the audit, never the values)."""
    changed = []
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed.append(key)
    return changed


def _audit_applicant(
    session: Session, actor: Actor, applicant: Applicant, action: str, after: dict[str, Any]
) -> None:
    session.flush()
    audit.append(
        session,
        actor=actor.username,
        action=action,
        entity="applicant",
        entity_id=str(applicant.id),
        after=after,
    )


def get_applicant(session: Session, applicant_id: int) -> ApplicantView:
    applicant = session.get(Applicant, applicant_id)
    if applicant is None:
        raise DomainError(f"申请人记录 {applicant_id} 不存在，请重新读卡或录入。")
    return _view(applicant)


def applicant_from_card(
    session: Session,
    actor: Actor,
    card: CardFields,
    *,
    source: str = "idcard_reader",
    case_id: int | None = None,
) -> ApplicantView:
    """Create or update the applicant read from an ID card; one ``idcard.read`` audit event per read.

    The event says who read it, when, for which case (``case_id``, or None before a case exists)
    and whether the register changed; the masked number only.

    The card's birth date and gender are checked against the number: a mismatch means a bad read.
    """
    actor.require(_ROLES, "读取身份证")
    info = check_id_number(card.id_number)
    if card.birth_date is not None and card.birth_date != info.birth_date:
        raise ValidationError("证件上的出生日期与证件号码不符，可能读卡出错。请取下证件后重新读卡。")
    gender = _GENDER_CODES.get(card.gender, card.gender)
    if gender in ("男", "女") and gender != info.gender:
        raise ValidationError("证件上的性别与证件号码不符，可能读卡出错。请取下证件后重新读卡。")
    name = _required_name(card.name, "证件上的")
    index = active_cipher().blind_index(info.number)
    masked = mask_id_number(info.number)
    applicant = _person_by_index(session, index)
    created = applicant is None
    if applicant is None:
        applicant = Applicant(kind="person", id_number=info.number, id_number_index=index)
        session.add(applicant)
    values: dict[str, Any] = {
        "name": name,
        "id_type": card.id_type or RESIDENT_ID_TYPE,
        "id_number_masked": masked,
        "gender": gender if gender in ("男", "女") else info.gender,
        "nation": card.nation.strip(),
        "birth_date": info.birth_date,
        "address": card.address.strip(),
    }
    if card.photo:  # a reader that cannot decode the photo must not erase the one we have
        values["photo"] = card.photo
    if card.photo_wlt:
        values["photo_wlt"] = card.photo_wlt
    changed = _assign(applicant, values)
    _audit_applicant(
        session,
        actor,
        applicant,
        "idcard.read",
        {
            "id_number_masked": masked,
            "card_type": card.card_type,
            "purpose": "applicant",
            "case_id": case_id,
            "source": source,
            "created": created,
            "changed": sorted(changed),
        },
    )
    log.info("ID card read (%s) for applicant %s, %s", source, applicant.id, masked)
    return _view(applicant)


def applicant_typed(
    session: Session,
    actor: Actor,
    *,
    name: str,
    id_number: str,
    mobile: str = "",
    address: str = "",
    id_type: str = RESIDENT_ID_TYPE,
) -> ApplicantView:
    """Create or update a person from typed fields (no card at hand); validates every field first."""
    actor.require(_ROLES, "登记申请人")
    value_name = _required_name(name, "申请人")
    info = check_id_number(id_number)
    values: dict[str, Any] = {
        "name": value_name,
        "id_type": id_type,
        "id_number_masked": mask_id_number(info.number),
        "gender": info.gender,
        "birth_date": info.birth_date,
    }
    if mobile.strip():
        values["mobile"] = check_mobile(mobile)
    if address.strip():
        values["address"] = address.strip()
    index = active_cipher().blind_index(info.number)
    applicant = _person_by_index(session, index)
    created = applicant is None
    if applicant is None:
        applicant = Applicant(kind="person", id_number=info.number, id_number_index=index)
        session.add(applicant)
    changed = _assign(applicant, values)
    _audit_applicant(
        session,
        actor,
        applicant,
        "applicant.create" if created else "applicant.update",
        {"id_number_masked": values["id_number_masked"], "source": "typed", "changed": sorted(changed)},
    )
    return _view(applicant)


def organisation_applicant(
    session: Session, actor: Actor, *, name: str, uscc: str, legal_representative: str, mobile: str = ""
) -> ApplicantView:
    """Create or update an organisation applicant, found by its unified social credit code."""
    actor.require(_ROLES, "登记单位申请人")
    code = check_uscc(uscc)
    org_name = name.strip()
    if not org_name:
        raise ValidationError("请输入单位名称", field="name")
    representative = legal_representative.strip()
    if not representative:
        raise ValidationError("请输入法定代表人（负责人）姓名", field="legal_representative")
    values: dict[str, Any] = {"name": org_name, "legal_representative": representative}
    if mobile.strip():
        values["mobile"] = check_mobile(mobile)
    applicant = (
        session.execute(
            select(Applicant)
            .where(Applicant.uscc == code, Applicant.kind == "organisation")
            .order_by(Applicant.id)
        )
        .scalars()
        .first()
    )
    created = applicant is None
    if applicant is None:
        # No personal ID document: the credit code identifies the organisation.
        applicant = Applicant(kind="organisation", uscc=code, id_type="")
        session.add(applicant)
    changed = _assign(applicant, values)
    _audit_applicant(
        session,
        actor,
        applicant,
        "applicant.create" if created else "applicant.update",
        {"uscc": code, "source": "typed", "changed": sorted(changed)},
    )
    return _view(applicant)


def update_mobile(session: Session, actor: Actor, applicant_id: int, mobile: str) -> ApplicantView:
    actor.require(_ROLES, "修改申请人联系电话")
    number = check_mobile(mobile)
    applicant = session.get(Applicant, applicant_id)
    if applicant is None:
        raise DomainError(f"申请人记录 {applicant_id} 不存在，请重新读卡或录入。")
    if applicant.mobile != number:
        applicant.mobile = number
        _audit_applicant(
            session,
            actor,
            applicant,
            "applicant.update",
            {"changed": ["mobile"], "mobile": mask_phone(number)},
        )
    return _view(applicant)


def register_agent(
    session: Session,
    actor: Actor,
    *,
    name: str,
    id_number: str,
    mobile: str,
    applicant_id: int,
    scope: str = "",
    valid_until: dt.date | None = None,
    clerk_id: int | None = None,
    today: dt.date | None = None,
) -> tuple[int, int]:
    """Record who files for whom (代办/委托): the agent and the applicant's authorization.

    Returns (agent_id, authorization_id). Registering the same agent again for the same applicant
    and scope on the same day returns the existing authorization instead of a duplicate.
    """
    actor.require(_ROLES, "登记代办")
    today = today or local_date(utcnow())
    agent_name = _required_name(name, "代办人")
    info = check_id_number(id_number)
    number = check_mobile(mobile)
    if valid_until is not None and valid_until < today:
        raise ValidationError(
            f"委托有效期 {valid_until:%Y-%m-%d} 已过，请核对委托书上的日期。", field="valid_until"
        )
    applicant = session.get(Applicant, applicant_id)
    if applicant is None:
        raise DomainError(f"申请人记录 {applicant_id} 不存在，请先读取申请人身份证。")
    index = active_cipher().blind_index(info.number)
    if applicant.id_number_index == index:
        raise DomainError("代办人与申请人是同一人，无需登记代办。请直接按本人办理。")
    masked = mask_id_number(info.number)
    agent = (
        session.execute(select(Agent).where(Agent.id_number_index == index).order_by(Agent.id))
        .scalars()
        .first()
    )
    if agent is None:
        agent = Agent(id_number=info.number, id_number_index=index)
        session.add(agent)
    _assign(agent, {"name": agent_name, "id_number_masked": masked, "mobile": number})
    if clerk_id is not None:
        agent.clerk_id = clerk_id
    session.flush()
    authorization = (
        session.execute(
            select(Authorization).where(
                Authorization.applicant_id == applicant.id,
                Authorization.agent_id == agent.id,
                Authorization.scope == scope.strip(),
                Authorization.signed_on == today,
            )
        )
        .scalars()
        .first()
    )
    if authorization is None or authorization.valid_until != valid_until:
        authorization = Authorization(
            applicant_id=applicant.id,
            agent_id=agent.id,
            scope=scope.strip(),
            signed_on=today,
            valid_until=valid_until,
        )
        session.add(authorization)
        session.flush()
        audit.append(
            session,
            actor=actor.username,
            action="agent.register",
            entity="agent_authorization",
            entity_id=str(authorization.id),
            after={
                "applicant_id": applicant.id,
                "agent_id": agent.id,
                "agent_id_masked": masked,
                "scope": authorization.scope,
                "valid_until": valid_until.isoformat() if valid_until else None,
            },
        )
    return agent.id, authorization.id


def id_matches(
    session: Session, *, id_number: str, applicant_id: int, agent_id: int | None
) -> Literal["applicant", "agent"] | None:
    """Whose ID this is, compared by blind index: the applicant's, the agent's, or nobody's (None)."""
    index = id_number_index(id_number)
    applicant = session.get(Applicant, applicant_id)
    if applicant is not None and applicant.id_number_index == index:
        return "applicant"
    if agent_id is not None:
        agent = session.get(Agent, agent_id)
        if agent is not None and agent.id_number_index == index:
            return "agent"
    return None
