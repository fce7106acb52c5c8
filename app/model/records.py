"""Bookkeeping rows: print jobs, the audit chain, the sync outbox, settings and calendar overrides."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.model.base import Base, UtcDateTime, new_uuid, utcnow
from app.storage.crypto import EncryptedText


class PrintJob(Base):
    """打印任务: one ticket, receipt or notice sent (or to be re-sent) to a printer.

    The rendered rasters are PNGs in the encrypted blob store (``blob_refs``), so a job survives a
    restart and is sent again without re-rendering; a receipt queued for a GB18030 text-mode
    printer has its text form there too (``text_ref``: lines and QR/logo rasters). ``printer``
    names the workstation's printer, so machines sharing a hall database only ever send their own
    jobs (app/services/print_queue.py).
    """

    __tablename__ = "print_job"
    __table_args__ = (Index("ix_print_job_printer_state", "printer", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("service_case.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    document: Mapped[str] = mapped_column(String(40))  # ticket | receipt | acceptance_notice | …
    printer: Mapped[str] = mapped_column(String(100), default="")
    # queued | printing | printed | failed | cancelled
    state: Mapped[str] = mapped_column(String(16), default="queued")
    content_sha256: Mapped[str] = mapped_column(String(64), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    printed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    blob_refs: Mapped[list[str] | None] = mapped_column(JSON)  # SHA-256 of each raster's PNG, in order
    paper_width: Mapped[int | None] = mapped_column(Integer)  # dots across the rasters
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # when it last went "printing"
    reprint_of: Mapped[int | None] = mapped_column(ForeignKey("print_job.id"))
    # GB18030 text-mode form (lines + QR/logo rasters) for text-mode printers: a blob's SHA-256.
    text_ref: Mapped[str | None] = mapped_column(String(64))


class AuditEvent(Base):
    """留痕: one append-only, hash-chained audit record. Never updated or deleted by the program."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))  # clerk username or "system"
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class OutboxEvent(Base):
    """待同步事件: written in the same transaction as the change it reports; sent exactly once.

    ``status``: pending → sending (claimed by one node until ``claimed_until``) → sent; a failed
    attempt goes to "failed" with ``next_attempt_at``; a platform rejection goes to "quarantined"
    with the platform's reason, and leaves only by a clerk's retry or "handled" with a note.
    ``request_body`` is the exact body first sent, so a retry under the same idempotency key
    sends the same bytes (sync/engine.py).
    """

    __tablename__ = "outbox_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    aggregate: Mapped[str] = mapped_column(String(20))  # case | evaluation | audit
    aggregate_uuid: Mapped[str] = mapped_column(String(36), index=True)
    aggregate_seq: Mapped[int] = mapped_column(Integer)  # per-aggregate order
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # node sending it (hall: any node)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # lease; expired = free
    request_body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    quarantine_reason: Mapped[str | None] = mapped_column(Text)  # the platform's words, in Chinese
    quarantined_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    handled_note: Mapped[str | None] = mapped_column(Text)  # the clerk's note when marked handled
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Setting(Base):
    """键值设置: small station-wide values that must live in the shared database (e.g. the audit head)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class CalendarOverride(Base):
    """工作日调整: a local holiday or make-up working day that beats the packaged calendar."""

    __tablename__ = "calendar_override"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(200), default="")  # notice that set it
    from_platform: Mapped[bool] = mapped_column(Boolean, default=False)


class Draft(Base):
    """草稿: what a clerk was typing, saved as they type so a crash loses at most one field.

    The payload holds personal data (names, ID numbers), so it is an encrypted column.
    """

    __tablename__ = "draft"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # e.g. "counter:window-3"
    clerk: Mapped[str] = mapped_column(String(64), default="")
    payload: Mapped[str] = mapped_column(EncryptedText)  # JSON text
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
