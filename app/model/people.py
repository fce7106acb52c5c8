"""Who applies and who files for them: applicants, agents (代办/委托) and authorizations.

ID numbers and photos are encrypted columns; ``id_number_index`` is a keyed blind index so an
applicant can still be found by exact ID number without storing it in clear.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.model.base import Base, UtcDateTime, utcnow
from app.storage.crypto import EncryptedBytes, EncryptedText


class Applicant(Base):
    """申请人: a natural person (by ID document) or an organisation (by USCC)."""

    __tablename__ = "applicant"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default="person")  # person | organisation
    name: Mapped[str] = mapped_column(String(200))
    id_type: Mapped[str] = mapped_column(String(8), default="111")  # GA/T 2000.156: 111 居民身份证
    id_number: Mapped[str | None] = mapped_column(EncryptedText)
    id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(String(40), default="")
    uscc: Mapped[str] = mapped_column(String(18), default="", index=True)  # organisations only
    legal_representative: Mapped[str] = mapped_column(String(100), default="")
    gender: Mapped[str] = mapped_column(String(2), default="")
    nation: Mapped[str] = mapped_column(String(20), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(EncryptedText)
    mobile: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str] = mapped_column(String(6), default="")
    photo: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    # The chip's raw 1024-byte WLT photo as last read: kept even when no licensed decoder exists.
    photo_wlt: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Agent(Base):
    """代办人/代理人: a person who files on an applicant's behalf (often village station staff)."""

    __tablename__ = "agent"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    id_type: Mapped[str] = mapped_column(String(8), default="111")
    id_number: Mapped[str | None] = mapped_column(EncryptedText)
    id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(String(40), default="")
    mobile: Mapped[str] = mapped_column(String(20), default="")
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("clerk.id"))  # set when a station worker files
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Authorization(Base):
    """委托: the applicant's authorization of an agent; the 委托书 page is a case material."""

    __tablename__ = "agent_authorization"
    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"), index=True)
    scope: Mapped[str] = mapped_column(Text, default="")  # what the agent may do
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    document_sha256: Mapped[str] = mapped_column(String(64), default="")  # scanned 委托书 page
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    applicant: Mapped[Applicant] = relationship()
    agent: Mapped[Agent] = relationship()
