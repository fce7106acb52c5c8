"""A4 notices kept with the case (通知书存档): the very PDF handed to the applicant, encrypted.

The PDF goes into the encrypted blob store (named by its SHA-256) and one audit event on the case
(``entity="case"``, the case uuid, action ``notice.save``) records which notice it was and which
blob holds it. That event is the only reference, on purpose: the record of what was issued then
sits in the hash-chained trail, where changing or removing it is detected, and no table or
migration is needed. The event holds no personal data (kind, blob name, size, case number).

The blob is written (and fsynced) before the event, inside the caller's transaction: a rolled-back
save leaves at most an unreferenced blob, never an event pointing at nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.documents.templates import A4_KINDS
from app.errors import DomainError
from app.model import AuditEvent, Case
from app.services.actor import Actor
from app.storage.blobs import BlobStore

#: The audit action of a saved notice (the case timeline labels it 通知书存档).
NOTICE_SAVED = "notice.save"
_PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class SavedNotice:
    """One A4 notice saved with a case: its kind, the blob with the PDF, who saved it and when."""

    kind: str
    blob_id: str
    size: int
    saved_at: dt.datetime
    actor: str


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise DomainError(f"办件 {case_id} 不存在，通知书未存档。请刷新办件列表后重试。")
    return case


def save_notice_with_case(
    session: Session, blobs: BlobStore, actor: Actor, case_id: int, kind: str, pdf: bytes
) -> str:
    """Keep ``pdf`` (a notice of ``kind``) with case ``case_id``; returns the blob id (SHA-256).

    Saving the same PDF twice stores the bytes once but records both saves (each is an issue of
    the notice). Raises ValueError for a kind that is not an A4 notice or bytes that are not a PDF
    (programming errors), DomainError when the case does not exist, StorageError when the blob
    store cannot be written.
    """
    if kind not in A4_KINDS:
        raise ValueError(f"{kind!r} is not an A4 notice; known: {', '.join(A4_KINDS)}")
    if not pdf.startswith(_PDF_MAGIC):
        raise ValueError("notice bytes are not a PDF")
    case = _case(session, case_id)
    info = blobs.put(pdf)
    audit.append(
        session,
        actor=actor.username,
        action=NOTICE_SAVED,
        entity="case",
        entity_id=case.uuid,
        after={
            "case_id": case.id,
            "local_number": case.local_number,
            "kind": kind,
            "blob": info.sha256,
            "size": info.size,
        },
    )
    return info.sha256


def notices_of_case(session: Session, case_id: int) -> list[SavedNotice]:
    """Every notice saved with the case, oldest first; DomainError when the case does not exist."""
    case = _case(session, case_id)
    events = session.execute(
        select(AuditEvent)
        .where(
            AuditEvent.entity == "case",
            AuditEvent.entity_id == case.uuid,
            AuditEvent.action == NOTICE_SAVED,
        )
        .order_by(AuditEvent.seq)
    ).scalars()
    out: list[SavedNotice] = []
    for ev in events:
        after = ev.after or {}
        out.append(
            SavedNotice(
                kind=str(after["kind"]),
                blob_id=str(after["blob"]),
                size=int(after["size"]),
                saved_at=ev.at,
                actor=ev.actor,
            )
        )
    return out
