"""发送引擎: drains the outbox to the platform, each event exactly once, each case in order.

How a row travels (every step its own short transaction; no lock is held over the network):

1. **Claim.** The oldest due row whose earlier events of the same case are all acknowledged is
   set to "sending" with a lease (``claimed_by``, ``claimed_until``). On PostgreSQL the row is
   read ``FOR UPDATE SKIP LOCKED``, so any node of a hall may send and two nodes never take the
   same row; on SQLite the database's ``BEGIN IMMEDIATE`` serialises the claim. The first claim
   also freezes the request body into the row (``request_body``): a retry under the same
   idempotency key sends the same bytes, whatever changed locally since.
2. **Send.** Case events: every page blob is made complete on the platform (resumable upload of
   the plaintext from the BlobStore, hash-checked), then ``PUT /v1/cases/{uuid}`` with the event
   uuid as Idempotency-Key, then, once the case has been accepted at the window, ``submit``.
   Evaluation and audit events go to their own endpoints.
3. **Finish.** "sent" only after the expected 2xx body (PlatformClient checks it). A link or
   server failure leaves the row "failed" with jittered exponential backoff stored in the row
   (reset when bytes moved). A platform rejection (4xx, 409 conflicts) puts the row in
   "quarantined" with the platform's Chinese reason; it leaves quarantine only by a clerk's retry
   (:meth:`SyncEngine.requeue`) or "handled" with a note (:meth:`SyncEngine.mark_handled`),
   never by deletion. A later event of the same case waits behind it; other cases go on.

A crash anywhere leaves at worst a "sending" row whose lease runs out (or which the restarted
sender takes back at once, :meth:`SyncEngine.release_own_claims`); sending it again is safe
because every request is idempotent on the platform.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Exists, and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from app import audit
from app.errors import DomainError, StorageError
from app.model import Applicant, Case, ItemBundle, OutboxEvent, ServiceItem, Setting, new_uuid, utcnow
from app.outbox import pending_cases, pending_count
from app.storage.blobs import BlobStore
from app.storage.db import Database
from sync import protocol
from sync.blobs_upload import upload_blob
from sync.client import Meta, PlatformClient, PlatformError, Submitted

log = logging.getLogger(__name__)

STATUS_SETTING = "sync.status"
#: Outbox statuses still waiting for the platform.
WAITING = ("pending", "sending", "failed")
#: Statuses that let the next event of the same aggregate go.
DONE = ("sent", "handled")
#: Local states after which the case goes to the platform for its decision (上报/提交). Before
#: acceptance the platform only holds a draft (PUT), so pages scanned later can still be added.
SUBMIT_STATES = frozenset({"accepted", "suspended", "completed", "delivered", "evaluated"})
#: Failures in a row, within one round, after which the round stops (the link is bad right now).
_ROUND_FAILURE_LIMIT = 3

SyncState = Literal["idle", "syncing", "online", "offline", "auth", "stopped", "error"]
Outcome = Literal["sent", "failed", "quarantined", "lost"]


# --- Status (shared through the database, so the counter sees what the sender process does) ----


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows: state, backlog, last success, progress and warnings."""

    state: SyncState
    message: str
    backlog_events: int
    backlog_cases: int
    quarantined: int
    last_success_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    skew_warning: str | None
    progress_done: int
    progress_total: int


def read_status(session: Session) -> SyncStatus:
    row = session.get(Setting, STATUS_SETTING)
    raw: dict[str, Any] = row.value if row is not None and isinstance(row.value, dict) else {}
    quarantined = session.execute(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.status == "quarantined")
    ).scalar_one()
    return SyncStatus(
        state=raw.get("state", "idle"),
        message=str(raw.get("message", "")),
        backlog_events=pending_count(session),
        backlog_cases=pending_cases(session),
        quarantined=int(quarantined),
        last_success_at=_time(raw.get("last_success_at")),
        last_attempt_at=_time(raw.get("last_attempt_at")),
        skew_warning=raw.get("skew_warning") or None,
        progress_done=int(raw.get("progress_done", 0)),
        progress_total=int(raw.get("progress_total", 0)),
    )


def _time(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None


@dataclass(frozen=True)
class QuarantinedEvent:
    """An event the platform refused: shown to the clerk with the platform's reason."""

    id: int
    event_uuid: str
    aggregate: str
    aggregate_uuid: str
    kind: str
    local_number: str
    reason: str
    quarantined_at: dt.datetime | None
    attempts: int


@dataclass
class RoundReport:
    """What one :meth:`SyncEngine.run_once` did."""

    sent: int = 0
    failed: int = 0
    quarantined: int = 0
    state: SyncState = "idle"
    message: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def link_ok(self) -> bool:
        return self.state in ("idle", "online")


# --- Request bodies ---------------------------------------------------------------------------


def case_body(session: Session, row: OutboxEvent, station_code: str) -> dict[str, Any]:
    """The ``PUT /v1/cases/{uuid}`` body for a case event, from the case as it is now.

    ``data_version`` is the event's sequence in its case, so every later event is newer on the
    platform than every earlier one.
    """
    case = session.execute(select(Case).where(Case.uuid == row.aggregate_uuid)).scalar_one_or_none()
    if case is None:
        raise DomainError(
            f"本机找不到办件 {row.aggregate_uuid}，这条同步记录无法发送。请联系运维人员核查数据。"
        )
    item_code = ""
    if case.item_id is not None:
        item = session.get(ServiceItem, case.item_id)
        item_code = item.impl_code if item else ""
    elif case.bundle_id is not None:
        bundle = session.get(ItemBundle, case.bundle_id)
        item_code = bundle.code if bundle else ""
    events = session.execute(
        select(OutboxEvent)
        .where(
            OutboxEvent.aggregate == "case",
            OutboxEvent.aggregate_uuid == row.aggregate_uuid,
            OutboxEvent.aggregate_seq <= row.aggregate_seq,
        )
        .order_by(OutboxEvent.aggregate_seq)
    ).scalars()
    return {
        "station_code": station_code,
        "local_number": case.local_number,
        "data_version": row.aggregate_seq,
        "item_impl_code": item_code,
        "title": case.title[:500],
        "state": str(row.payload.get("state") or case.state),
        "applicant": _applicant(session, case),
        "materials": [
            {
                "position": m.position,
                "name": m.name[:500],
                "pages": [
                    {"sha256": p.sha256, "size": p.size, "format": p.format, "position": p.position}
                    for p in m.pages
                ],
            }
            for m in case.materials
        ],
        "events": [
            {"seq": e.aggregate_seq, "uuid": e.event_uuid, "kind": e.kind, **e.payload} for e in events
        ],
        "payload": dict(row.payload),
    }


def _applicant(session: Session, case: Case) -> dict[str, Any]:
    """Only what the platform needs: the name, the masked ID and a hash for e-licence look-ups."""
    applicant = session.get(Applicant, case.applicant_id) if case.applicant_id is not None else None
    if applicant is None:
        return {}
    out: dict[str, Any] = {
        "kind": applicant.kind,
        "name": applicant.name,
        "id_type": applicant.id_type,
        "id_number_masked": applicant.id_number_masked,
    }
    if applicant.uscc:
        out["uscc"] = applicant.uscc
    if applicant.id_number:
        out["holder"] = protocol.holder_hash(applicant.id_number)
    return out


def body_pages(body: dict[str, Any]) -> list[tuple[str, int]]:
    """Distinct (sha256, size) of every page in a case body, in order."""
    seen: dict[str, int] = {}
    for material in body.get("materials", []):
        for page in material.get("pages", []):
            seen.setdefault(str(page["sha256"]), int(page["size"]))
    return list(seen.items())


# --- The engine -------------------------------------------------------------------------------


class _LeaseLost(Exception):
    """Another node took the row over (our lease ran out): stop, it is theirs now."""


class SyncEngine:
    """Sends outbox rows of one database through one PlatformClient (one thread)."""

    def __init__(
        self,
        db: Database,
        client: PlatformClient,
        blobs: BlobStore,
        *,
        station_code: str,
        node_id: str,
        lease_s: float = 300.0,
        backoff_base_s: float = 5.0,
        backoff_cap_s: float = 1800.0,
        chunk_bytes: int = protocol.MAX_CHUNK_BYTES,
        rng: random.Random | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.db = db
        self.client = client
        self.blobs = blobs
        self.station_code = station_code
        self.node_id = node_id
        self.lease_s = lease_s
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.chunk_bytes = chunk_bytes
        self._rng = rng or random.Random()
        self._clock = clock
        self._wake = threading.Event()
        self._meta: Meta | None = None
        self._link_down = False

    # --- hooks for the runner and the UI ----------------------------------------------------

    def link_restored(self) -> int:
        """The link is back (or the clerk pressed 同步): every waiting row is due now.

        Returns how many rows were brought forward; wakes a runner waiting in :meth:`wait`.
        """
        with self.db.session() as s:
            result = s.execute(
                update(OutboxEvent)
                .where(OutboxEvent.status == "failed", OutboxEvent.next_attempt_at.is_not(None))
                .values(next_attempt_at=None)
                .execution_options(synchronize_session=False)
            )
            count = int(getattr(result, "rowcount", 0) or 0)
        log.info("link restored: %d waiting rows due now", count)
        self._wake.set()
        return count

    def wake(self) -> None:
        """End a :meth:`wait` now without changing any row."""
        self._wake.set()

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds; True when woken early by :meth:`link_restored`."""
        woken = self._wake.wait(timeout)
        self._wake.clear()
        return woken

    def release_own_claims(self) -> int:
        """Take back rows this node claimed before it crashed (their lease may not have run out)."""
        with self.db.session() as s:
            result = s.execute(
                update(OutboxEvent)
                .where(OutboxEvent.status == "sending", OutboxEvent.claimed_by == self.node_id)
                .values(status="pending", claimed_by=None, claimed_until=None)
                .execution_options(synchronize_session=False)
            )
            count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            log.info("took back %d rows claimed before a restart", count)
        return count

    def next_due_in(self) -> float | None:
        """Seconds until the next sendable row becomes due (0 = now), None when nothing can go.

        Rows waiting behind an earlier event of their case do not count: that earlier event's
        own time is what matters.
        """
        now = self._clock()
        with self.db.session() as s:
            rows = s.execute(
                select(OutboxEvent.status, OutboxEvent.next_attempt_at, OutboxEvent.claimed_until).where(
                    OutboxEvent.status.in_(WAITING), ~_blocked()
                )
            ).all()
        if not rows:
            return None
        times = []
        for status, next_at, claimed_until in rows:
            when = claimed_until if status == "sending" else next_at
            times.append(0.0 if when is None else max(0.0, (when - now).total_seconds()))
        return min(times)

    # --- a round ------------------------------------------------------------------------------

    def run_once(self, *, max_events: int | None = None) -> RoundReport:
        """Check the link (meta), then send every due row until none is due or the link fails."""
        report = RoundReport()
        self._set_status(state="syncing", message="正在同步", attempt=True)
        try:
            self._meta = self.client.meta()
            self.client.check_usable(self._meta)
        except PlatformError as exc:
            self._link_down = self._link_down or exc.kind == "offline"
            report.state = _state_for(exc)
            report.message = str(exc)
            self._set_status(state=report.state, message=report.message)
            return report
        if self._link_down:
            # The link is back: rows that failed while it was down are due now, not at their backoff.
            self._link_down = False
            self.link_restored()
        if not self.client.token:
            # Not enrolled yet: sending would only spend every row's retries on a certain 401.
            report.state = "auth"
            report.message = protocol.error_message("token_missing")
            self._set_status(state=report.state, message=report.message)
            return report
        failures_in_row = 0
        total = self._due_count()
        done = 0
        while max_events is None or done < max_events:
            claimed = self._claim()
            if claimed is None:
                break
            outcome, error = self._send_claimed(claimed)
            done += 1
            if outcome == "sent":
                report.sent += 1
                failures_in_row = 0
            elif outcome == "quarantined":
                report.quarantined += 1
                failures_in_row = 0
            elif outcome == "failed":
                report.failed += 1
                failures_in_row += 1
            if error is not None:
                report.errors.append(str(error))
                self._link_down = self._link_down or error.kind == "offline"
                if error.kind in ("offline", "auth", "protocol") or failures_in_row >= _ROUND_FAILURE_LIMIT:
                    report.state = _state_for(error)
                    report.message = str(error)
                    break
            self._set_status(state="syncing", message="正在同步", done=done, total=max(total, done))
        if report.state == "idle":
            report.state = "online"
            report.message = "已连接省级平台"
        self._set_status(
            state=report.state,
            message=report.message,
            success=report.state == "online",
            done=done,
            total=max(total, done),
        )
        return report

    def _due_count(self) -> int:
        now = self._clock()
        with self.db.session() as s:
            return int(
                s.execute(
                    select(func.count())
                    .select_from(OutboxEvent)
                    .where(
                        OutboxEvent.status.in_(WAITING),
                        or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now),
                    )
                ).scalar_one()
            )

    # --- claim --------------------------------------------------------------------------------

    def _claim(self) -> _Claimed | None:
        now = self._clock()
        stmt = (
            select(OutboxEvent)
            .where(
                or_(
                    and_(
                        OutboxEvent.status.in_(("pending", "failed")),
                        or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now),
                    ),
                    # A claim whose lease ran out: its sender died or hangs; the row is free again.
                    and_(OutboxEvent.status == "sending", OutboxEvent.claimed_until < now),
                ),
                ~_blocked(),
            )
            .order_by(OutboxEvent.id)
            .limit(1)
            # PostgreSQL: rows another node is claiming right now are skipped, not waited for.
            # SQLite ignores this; its BEGIN IMMEDIATE already makes the claim exclusive.
            .with_for_update(skip_locked=True, of=OutboxEvent)
        )
        with self.db.session() as s:
            row = s.execute(stmt).scalars().first()
            if row is None:
                return None
            if row.status == "sending":
                log.warning("taking over event %s: the lease of %s ran out", row.event_uuid, row.claimed_by)
            row.status = "sending"
            row.claimed_by = self.node_id
            row.claimed_until = now + dt.timedelta(seconds=self.lease_s)
            if row.request_body is None:
                try:
                    row.request_body = self._build_body(s, row)
                except (DomainError, StorageError) as exc:
                    # Nothing the platform could ever accept: the clerk must look at it.
                    self._quarantine(s, row, str(exc), now)
                    return _Claimed(
                        row.id, row.event_uuid, row.aggregate, row.aggregate_uuid, row.kind, {}, {}, True
                    )
            return _Claimed(
                row.id,
                row.event_uuid,
                row.aggregate,
                row.aggregate_uuid,
                row.kind,
                dict(row.payload),
                dict(row.request_body or {}),
                False,
            )

    def _build_body(self, session: Session, row: OutboxEvent) -> dict[str, Any]:
        if row.aggregate == "case":
            return case_body(session, row, self.station_code)
        if row.aggregate == "audit":
            return {"events": [{"uuid": row.event_uuid, "kind": row.kind, **row.payload}]}
        return dict(row.payload)

    # --- send -----------------------------------------------------------------------------------

    def _send_claimed(self, claimed: _Claimed) -> tuple[Outcome, PlatformError | None]:
        if claimed.already_quarantined:
            return "quarantined", None
        progress = _Progress(self, claimed.id)
        submitted: Submitted | None = None
        try:
            if claimed.aggregate == "case":
                submitted = self._send_case(claimed, progress)
            elif claimed.aggregate == "evaluation":
                self.client.post_evaluation(claimed.aggregate_uuid, claimed.body)
            elif claimed.aggregate == "audit":
                self.client.post_audit(list(claimed.body.get("events", [])))
            else:
                raise PlatformError(
                    f"未知的同步记录类型“{claimed.aggregate}”，请升级一窗客户端。", kind="rejected"
                )
        except _LeaseLost:
            log.warning("event %s: lease lost to another node, leaving it to them", claimed.event_uuid)
            return "lost", None
        except PlatformError as exc:
            if exc.kind in ("rejected", "conflict"):
                self._finish_quarantined(claimed, exc)
                return "quarantined", exc
            self._finish_failed(claimed, exc, moved=progress.bytes > 0)
            return "failed", exc
        except StorageError as exc:
            # The local copy of a page is missing or damaged: a clerk must rescan it.
            self._finish_quarantined(claimed, PlatformError(str(exc), kind="rejected", code="local_storage"))
            return "quarantined", None
        self._finish_sent(claimed, submitted)
        return "sent", None

    def _send_case(self, claimed: _Claimed, progress: _Progress) -> Submitted | None:
        body = claimed.body
        for sha256, size in body_pages(body):
            self._upload(sha256, size, progress)
        self.client.put_case(claimed.aggregate_uuid, body, claimed.event_uuid)
        if str(body.get("state")) not in SUBMIT_STATES:
            return None
        try:
            return self.client.submit_case(claimed.aggregate_uuid, claimed.event_uuid)
        except PlatformError as exc:
            if exc.code != "blobs_incomplete":
                raise
            # A blob was reset on the platform after we uploaded it: send what it misses, once.
            missing = [str(m) for m in exc.data.get("missing", []) if isinstance(m, str)]
            sizes = dict(body_pages(body))
            for sha256 in missing:
                if sha256 in sizes:
                    self._upload(sha256, sizes[sha256], progress)
            return self.client.submit_case(claimed.aggregate_uuid, claimed.event_uuid)

    def _upload(self, sha256: str, size: int, progress: _Progress) -> None:
        chunk = self.chunk_bytes
        if self._meta is not None:
            chunk = min(chunk, self._meta.limits.max_chunk_bytes)
        upload_blob(
            self.client,
            sha256,
            size,
            lambda: self.blobs.get(sha256),
            chunk_bytes=chunk,
            on_progress=progress.add,
        )

    # --- finish -------------------------------------------------------------------------------

    def _own_row(self, session: Session, event_id: int) -> OutboxEvent | None:
        row = session.execute(
            select(OutboxEvent).where(OutboxEvent.id == event_id).with_for_update()
        ).scalar_one_or_none()
        if row is None or row.status != "sending" or row.claimed_by != self.node_id:
            log.warning("event %s is no longer ours to finish", event_id)
            return None
        return row

    def _finish_sent(self, claimed: _Claimed, submitted: Submitted | None) -> None:
        now = self._clock()
        with self.db.session() as s:
            row = self._own_row(s, claimed.id)
            if row is None:
                return
            row.status = "sent"
            row.sent_at = now
            row.claimed_by = None
            row.claimed_until = None
            row.next_attempt_at = None
            row.last_error = ""
            if submitted is not None:
                self._note_submitted(s, claimed.aggregate_uuid, submitted, now)
        log.info("event %s (%s) acknowledged by the platform", claimed.event_uuid, claimed.kind)

    def _note_submitted(
        self, session: Session, case_uuid: str, submitted: Submitted, now: dt.datetime
    ) -> None:
        case = session.execute(
            select(Case).where(Case.uuid == case_uuid).with_for_update()
        ).scalar_one_or_none()
        if case is None:
            return
        if (
            case.platform_number == submitted.platform_number
            and case.query_password == submitted.query_password
        ):
            return
        before = {"platform_number": case.platform_number} if case.platform_number else None
        case.platform_number = submitted.platform_number
        case.query_password = submitted.query_password
        audit.append(
            session,
            actor="platform",
            action="platform.submitted",
            entity="case",
            entity_id=case.uuid,
            before=before,
            after={"platform_number": submitted.platform_number, "platform_state": submitted.state},
            at=now,
        )

    def _finish_failed(self, claimed: _Claimed, exc: PlatformError, *, moved: bool) -> None:
        now = self._clock()
        with self.db.session() as s:
            row = self._own_row(s, claimed.id)
            if row is None:
                return
            # Bytes moved: the link works, just not for long; start the backoff afresh.
            row.attempts = 1 if moved else row.attempts + 1
            delay = self.backoff_delay(row.attempts, exc.retry_after_s)
            row.status = "failed"
            row.next_attempt_at = now + dt.timedelta(seconds=delay)
            row.claimed_by = None
            row.claimed_until = None
            row.last_error = f"[{exc.kind}{' ' + exc.code if exc.code else ''}] {exc}"[:2000]
        log.info(
            "event %s failed (%s %s), attempt %s, next in %.1f s",
            claimed.event_uuid,
            exc.kind,
            exc.code or exc.status or "",
            "reset" if moved else "counted",
            delay,
        )

    def backoff_delay(self, attempts: int, retry_after_s: float | None = None) -> float:
        """Equal-jitter exponential backoff: half fixed, half random, capped; Retry-After wins if longer."""
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * 2.0 ** max(0, min(attempts - 1, 30)))
        delay = ceiling / 2 + self._rng.uniform(0, ceiling / 2)
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, self.backoff_cap_s))
        return delay

    def _finish_quarantined(self, claimed: _Claimed, exc: PlatformError) -> None:
        now = self._clock()
        with self.db.session() as s:
            row = self._own_row(s, claimed.id)
            if row is None:
                return
            row.attempts += 1
            row.last_error = f"[{exc.kind} {exc.status or ''} {exc.code}] {exc}"[:2000]
            self._quarantine(s, row, str(exc), now)
        log.warning("event %s quarantined: platform said %s %s", claimed.event_uuid, exc.status, exc.code)

    def _quarantine(self, session: Session, row: OutboxEvent, reason: str, now: dt.datetime) -> None:
        row.status = "quarantined"
        row.quarantine_reason = reason
        row.quarantined_at = now
        row.claimed_by = None
        row.claimed_until = None
        row.next_attempt_at = None
        if row.aggregate == "case":
            audit.append(
                session,
                actor="platform",
                action="sync.quarantined",
                entity="case",
                entity_id=row.aggregate_uuid,
                after={"event": row.event_uuid, "kind": row.kind},
                reason=reason,
                at=now,
            )
        session.flush()

    def renew_lease(self, event_id: int) -> None:
        """Extend our claim (long uploads on slow links); raises _LeaseLost when it is gone."""
        until = self._clock() + dt.timedelta(seconds=self.lease_s)
        with self.db.session() as s:
            result = s.execute(
                update(OutboxEvent)
                .where(
                    OutboxEvent.id == event_id,
                    OutboxEvent.status == "sending",
                    OutboxEvent.claimed_by == self.node_id,
                )
                .values(claimed_until=until)
                .execution_options(synchronize_session=False)
            )
            if not getattr(result, "rowcount", 0):
                raise _LeaseLost

    # --- quarantine actions (the clerk's) ------------------------------------------------------

    def quarantined(self) -> list[QuarantinedEvent]:
        with self.db.session() as s:
            return quarantined_events(s)

    def requeue(self, event_id: int, *, actor: str) -> None:
        """重新发送: the clerk fixed the cause; the event is rebuilt from current data and sent again."""
        with self.db.session() as s:
            requeue(s, event_id, actor=actor, now=self._clock())
        self._wake.set()

    def mark_handled(self, event_id: int, note: str, *, actor: str) -> None:
        """已处理: resolved another way (e.g. by phone with the platform); kept with the clerk's note."""
        with self.db.session() as s:
            mark_handled(s, event_id, note, actor=actor, now=self._clock())
        self._wake.set()

    # --- status -------------------------------------------------------------------------------

    def status(self) -> SyncStatus:
        with self.db.session() as s:
            return read_status(s)

    def _set_status(
        self,
        *,
        state: SyncState,
        message: str,
        attempt: bool = False,
        success: bool = False,
        done: int = 0,
        total: int = 0,
    ) -> None:
        now = self._clock().isoformat()
        with self.db.session() as s:
            row = s.get(Setting, STATUS_SETTING)
            value: dict[str, Any] = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
            value.update(
                state=state,
                message=message,
                skew_warning=self.client.skew_warning or "",
                progress_done=done,
                progress_total=total,
            )
            if attempt:
                value["last_attempt_at"] = now
            if success:
                value["last_success_at"] = now
            if row is None:
                s.add(Setting(key=STATUS_SETTING, value=value))
            else:
                row.value = value


@dataclass(frozen=True)
class _Claimed:
    id: int
    event_uuid: str
    aggregate: str
    aggregate_uuid: str
    kind: str
    payload: dict[str, Any]
    body: dict[str, Any]
    already_quarantined: bool


class _Progress:
    """Counts acknowledged bytes and keeps the lease alive during long uploads."""

    def __init__(self, engine: SyncEngine, event_id: int) -> None:
        self.engine = engine
        self.event_id = event_id
        self.bytes = 0
        self._renewed = time.monotonic()

    def add(self, n: int) -> None:
        self.bytes += n
        if time.monotonic() - self._renewed > self.engine.lease_s / 3:
            self.engine.renew_lease(self.event_id)
            self._renewed = time.monotonic()


def _blocked() -> Exists:
    """True for a row with an earlier event of the same aggregate not yet acknowledged or handled."""
    earlier = aliased(OutboxEvent)
    return (
        select(earlier.id)
        .where(
            earlier.aggregate == OutboxEvent.aggregate,
            earlier.aggregate_uuid == OutboxEvent.aggregate_uuid,
            earlier.aggregate_seq < OutboxEvent.aggregate_seq,
            earlier.status.not_in(DONE),
        )
        .exists()
    )


def _state_for(exc: PlatformError) -> SyncState:
    if exc.kind == "offline":
        return "offline"
    if exc.kind == "auth":
        return "auth"
    if exc.kind == "protocol" and exc.code == "client_stopped":
        return "stopped"
    return "error"


# --- Quarantine actions as plain functions (the UI calls them in its own session) -------------


def quarantined_events(session: Session) -> list[QuarantinedEvent]:
    rows = session.execute(
        select(OutboxEvent).where(OutboxEvent.status == "quarantined").order_by(OutboxEvent.id)
    ).scalars()
    out = []
    for row in rows:
        local_number = str(row.payload.get("local_number", "")) if row.aggregate == "case" else ""
        out.append(
            QuarantinedEvent(
                id=row.id,
                event_uuid=row.event_uuid,
                aggregate=row.aggregate,
                aggregate_uuid=row.aggregate_uuid,
                kind=row.kind,
                local_number=local_number,
                reason=row.quarantine_reason or "",
                quarantined_at=row.quarantined_at,
                attempts=row.attempts,
            )
        )
    return out


def _quarantined_row(session: Session, event_id: int) -> OutboxEvent:
    row = session.execute(
        select(OutboxEvent).where(OutboxEvent.id == event_id).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise DomainError(f"同步记录 {event_id} 不存在，请刷新列表。")
    if row.status != "quarantined":
        raise DomainError("这条同步记录已不在“平台退回”列表中（可能已被其他窗口处理），请刷新列表。")
    return row


def requeue(session: Session, event_id: int, *, actor: str, now: dt.datetime | None = None) -> None:
    """Send a quarantined event again, rebuilt from the current data under a new idempotency key.

    The new key is needed because the platform may have bound the old key to the refused body.
    The platform's reason stays in ``quarantine_reason`` and the audit trail.
    """
    now = now or utcnow()
    row = _quarantined_row(session, event_id)
    old_key = row.event_uuid
    row.event_uuid = new_uuid()
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = None
    row.request_body = None
    row.last_error = f"重新发送（原记录 {old_key}）"
    audit.append(
        session,
        actor=actor,
        action="sync.requeue",
        entity=row.aggregate,
        entity_id=row.aggregate_uuid,
        after={"event": row.event_uuid, "previous_event": old_key, "kind": row.kind},
        reason=row.quarantine_reason or "",
        at=now,
    )
    session.flush()


def mark_handled(
    session: Session, event_id: int, note: str, *, actor: str, now: dt.datetime | None = None
) -> None:
    """Close a quarantined event with the clerk's note; the row and the reason are kept for good."""
    if not note.strip():
        raise DomainError("标记为已处理时必须填写处理说明（如：已电话联系平台补录），请补充后再提交。")
    now = now or utcnow()
    row = _quarantined_row(session, event_id)
    row.status = "handled"
    row.handled_note = note.strip()
    row.handled_by = actor
    row.handled_at = now
    audit.append(
        session,
        actor=actor,
        action="sync.handled",
        entity=row.aggregate,
        entity_id=row.aggregate_uuid,
        after={"event": row.event_uuid, "kind": row.kind},
        reason=note.strip(),
        at=now,
    )
    session.flush()
