"""清理已上报材料: local page files removed once the platform confirmed them, after a retention period.

A page file is purged only when all of these hold:

* the platform acknowledged (status "sent") a case event whose frozen request body lists the
  page, at least ``retention_days`` ago: that acknowledgement came after the platform checked
  the blob complete and hash-verified (submit refuses otherwise, and PUT follows the uploads);
* every page row holding those bytes belongs to a case confirmed that long ago, with nothing
  of that case still waiting for or refused by the platform (a later event may need to upload
  the bytes again if the platform lost them);
* no print job raster or saved notice uses the same bytes (they share the blob store).

The page rows stay: the case still lists its pages with their hashes and sizes, and the bytes
can be fetched from the platform. Each case whose files were purged gets one audit event.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.model import AuditEvent, Case, CaseMaterial, OutboxEvent, Page, PrintJob, utcnow
from app.storage.blobs import BlobStore
from app.storage.db import Database
from sync.engine import body_pages

log = logging.getLogger(__name__)

#: Audit action of a saved A4 notice (app/documents/a4_print.py); its blob must stay.
_NOTICE_ACTION = "notice.save"


@dataclass(frozen=True)
class PurgeReport:
    files: int
    bytes: int
    cases: int


def purge_confirmed_pages(
    db: Database, blobs: BlobStore, *, retention_days: int, now: dt.datetime | None = None
) -> PurgeReport:
    """Delete local page files the platform confirmed more than ``retention_days`` ago."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=retention_days)
    with db.session() as s:
        doomed = _purgeable(s, cutoff)
        files = size = 0
        per_case: dict[str, list[str]] = defaultdict(list)
        for sha256, (nbytes, case_uuids) in sorted(doomed.items()):
            if not blobs.exists(sha256):
                continue
            blobs.delete(sha256)
            files += 1
            size += nbytes
            for case_uuid in case_uuids:
                per_case[case_uuid].append(sha256)
        for case_uuid, hashes in sorted(per_case.items()):
            audit.append(
                s,
                actor="system",
                action="sync.pages_purged",
                entity="case",
                entity_id=case_uuid,
                after={"files": len(hashes), "retention_days": retention_days},
                at=now,
            )
    if files:
        log.info("purged %d page files (%d bytes) of %d cases", files, size, len(per_case))
    return PurgeReport(files=files, bytes=size, cases=len(per_case))


def _purgeable(session: Session, cutoff: dt.datetime) -> dict[str, tuple[int, set[str]]]:
    # Which cases' confirmed bodies list each page (sha256), as of before the cutoff.
    confirmed: dict[str, set[str]] = defaultdict(set)
    sizes: dict[str, int] = {}
    sent = session.execute(
        select(OutboxEvent.aggregate_uuid, OutboxEvent.request_body).where(
            OutboxEvent.aggregate == "case",
            OutboxEvent.status == "sent",
            OutboxEvent.sent_at <= cutoff,
            OutboxEvent.request_body.is_not(None),
        )
    ).all()
    for case_uuid, body in sent:
        if not isinstance(body, dict):
            continue
        for sha256, size in body_pages(body):
            confirmed[sha256].add(case_uuid)
            sizes[sha256] = size
    if not confirmed:
        return {}
    unsettled = set(
        session.execute(
            select(OutboxEvent.aggregate_uuid).where(
                OutboxEvent.aggregate == "case", OutboxEvent.status.not_in(("sent", "handled"))
            )
        ).scalars()
    )
    holders: dict[str, set[str]] = defaultdict(set)
    for sha256, case_uuid in session.execute(
        select(Page.sha256, Case.uuid)
        .join(CaseMaterial, Page.material_id == CaseMaterial.id)
        .join(Case, CaseMaterial.case_id == Case.id)
    ).all():
        holders[sha256].add(case_uuid)
    protected: set[str] = set()
    for refs in session.execute(select(PrintJob.blob_refs).where(PrintJob.blob_refs.is_not(None))).scalars():
        protected.update(refs or [])
    for after in session.execute(
        select(AuditEvent.after).where(AuditEvent.action == _NOTICE_ACTION)
    ).scalars():
        if isinstance(after, dict) and isinstance(after.get("blob"), str):
            protected.add(after["blob"])
    out: dict[str, tuple[int, set[str]]] = {}
    for sha256, size in sizes.items():
        cases = holders.get(sha256, set())
        if sha256 in protected or any(c in unsettled or c not in confirmed[sha256] for c in cases):
            continue
        # A page retaken since has no holder left; the purge is told to the cases that sent it.
        out[sha256] = (size, cases or confirmed[sha256])
    return out
