"""Plain copies of a case for screens and paper (CaseView), built inside the caller's session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.case_states import STATE_LABELS, CaseState
from app.model import Agent, Applicant, Case, ItemBundle, ServiceItem


@dataclass(frozen=True)
class CorrectionItem:
    """一次性告知 line: one material to add or fix, and what it must look like."""

    material: str
    requirement: str


@dataclass(frozen=True)
class CaseView:
    """What screens and printouts need of a case; a plain copy, safe to hand to another thread.

    Holds only the masked ID number: a view never carries a full one.
    """

    id: int
    uuid: str
    local_number: str
    state: str
    state_label: str
    title: str
    item_names: tuple[str, ...]
    department: str
    applicant_id: int | None
    applicant_name: str
    applicant_id_masked: str
    agent_name: str
    is_agent_case: bool
    promised_date: dt.date | None
    promised_provisional: bool
    correction_count: int
    correction_items: tuple[CorrectionItem, ...]
    correction_deadline: dt.date | None
    last_reason: str
    competent_agency: str
    query_password: str
    received_at: dt.datetime | None
    accepted_at: dt.datetime | None
    materials: tuple[str, ...]


def case_items(session: Session, case: Case) -> list[ServiceItem]:
    """The service items a case applies for (one, or every item of its 一件事 bundle)."""
    if case.bundle_id is not None:
        bundle = session.get(ItemBundle, case.bundle_id)
        return list(bundle.items) if bundle else []
    item = session.get(ServiceItem, case.item_id) if case.item_id is not None else None
    return [item] if item else []


def build_view(session: Session, case: Case) -> CaseView:
    items = case_items(session, case)
    applicant = session.get(Applicant, case.applicant_id) if case.applicant_id is not None else None
    agent = session.get(Agent, case.agent_id) if case.agent_id is not None else None
    return CaseView(
        id=case.id,
        uuid=case.uuid,
        local_number=case.local_number,
        state=case.state,
        state_label=STATE_LABELS[CaseState(case.state)],
        title=case.title,
        item_names=tuple(i.name for i in items),
        department=case.routed_department or (items[0].department if items else ""),
        applicant_id=case.applicant_id,
        applicant_name=applicant.name if applicant else "",
        applicant_id_masked=applicant.id_number_masked or applicant.uscc if applicant else "",
        agent_name=agent.name if agent else "",
        is_agent_case=agent is not None,
        promised_date=case.promised_date,
        promised_provisional=case.promised_provisional,
        correction_count=case.correction_count,
        correction_items=tuple(
            CorrectionItem(material=str(c.get("material", "")), requirement=str(c.get("requirement", "")))
            for c in case.correction_items or []
        ),
        correction_deadline=case.correction_deadline,
        last_reason=case.last_reason,
        competent_agency=case.competent_agency,
        query_password=case.query_password,
        received_at=case.received_at,
        accepted_at=case.accepted_at,
        materials=tuple(m.name for m in case.materials),
    )
