"""参考平台数据表: the reference platform's own database (created with create_all, not the app's alembic).

Blob bytes live in the database as chunk rows, so an upload's offset and its bytes are committed
in one transaction and the same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.model.base import UtcDateTime


class Base(DeclarativeBase):
    pass


class EnrollmentCode(Base):
    """登记码: a one-time code the back office hands to a station's installer."""

    __tablename__ = "enrollment_code"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    station_id: Mapped[str | None] = mapped_column(String(36))


class Station(Base):
    """站点: one enrolled station, keyed by its station code; re-enrolling keeps its cases and feed."""

    __tablename__ = "station"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    client_version: Mapped[str] = mapped_column(String(40))
    enrolled_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class StationToken(Base):
    """A station credential; only its sha256 is stored. Revoking sets ``revoked_at``."""

    __tablename__ = "station_token"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("station.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Blob(Base):
    """材料文件: one content-addressed upload; ``offset`` bytes are stored as chunks."""

    __tablename__ = "blob"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: How many times the whole-blob check failed and the upload was reset (for tests and support).
    resets: Mapped[int] = mapped_column(Integer, default=0)


class BlobChunk(Base):
    __tablename__ = "blob_chunk"
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), primary_key=True)
    start: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PlatformCase(Base):
    """办件: exactly one row per case uuid, however often it was sent."""

    __tablename__ = "platform_case"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("station.id"), index=True)
    station_code: Mapped[str] = mapped_column(String(64))
    local_number: Mapped[str] = mapped_column(String(64))
    data_version: Mapped[int] = mapped_column(Integer)
    item_impl_code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    client_state: Mapped[str] = mapped_column(String(40))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    page_hashes: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(40), default="received")
    platform_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    query_password: Mapped[str | None] = mapped_column(String(12))
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: Times the case moved into "submitted" (1 normally, +1 per resubmission after 补正).
    submit_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Submit requests under a new idempotency key (replays of a key are not counted).
    submit_requests: Mapped[int] = mapped_column(Integer, default=0)
    #: PUTs under a new idempotency key that changed the row.
    put_count: Mapped[int] = mapped_column(Integer, default=0)


class NumberSerial(Base):
    """Hands out the serial part of platform case numbers without a read-modify-write race."""

    __tablename__ = "number_serial"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_uuid: Mapped[str] = mapped_column(String(36), unique=True)


class Change(Base):
    """One entry of a station's changes feed; ``cursor`` is the feed position."""

    __tablename__ = "change"
    cursor: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("station.id"), index=True)
    case_uuid: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class IdempotencyRecord(Base):
    """The stored answer for one idempotency key of one station and operation."""

    __tablename__ = "idempotency_record"
    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class EvaluationRecord(Base):
    """好差评: one evaluation as the station pushed it."""

    __tablename__ = "evaluation_record"
    station_id: Mapped[str] = mapped_column(ForeignKey("station.id"), primary_key=True)
    uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AuditRecord(Base):
    """留痕: one audit event as the station pushed it; unique per station and event uuid."""

    __tablename__ = "audit_record"
    station_id: Mapped[str] = mapped_column(ForeignKey("station.id"), primary_key=True)
    uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ReferenceDoc(Base):
    """基础数据: the catalog, calendar and clerk documents served with an ETag."""

    __tablename__ = "reference_doc"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    etag: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Licence(Base):
    """电子证照: looked up by the sha256 of the holder's normalised ID number."""

    __tablename__ = "licence"
    __table_args__ = (UniqueConstraint("number", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    holder_hash: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str] = mapped_column(String(200))
    valid_until: Mapped[str] = mapped_column(String(10))  # ISO date, or "长期"


class PreApplication(Base):
    """预申报: an application started online, finished at the counter by its code."""

    __tablename__ = "pre_application"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    item_impl_code: Mapped[str] = mapped_column(String(64))
    item_name: Mapped[str] = mapped_column(String(200))
    applicant_name_masked: Mapped[str] = mapped_column(String(100))
    applicant_kind: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
