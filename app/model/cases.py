"""办件 and what belongs to it: items applied for, materials, pages and special procedures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.model.base import Base, UtcDateTime, new_uuid, utcnow
from app.storage.crypto import EncryptedBytes, EncryptedText


class Case(Base):
    """办件: one application by one applicant for one service item or one bundle (一件事).

    ``uuid`` is made on the client before anything is sent and is the platform's dedup key;
    ``local_number`` is our provisional number, ``platform_number`` what the platform assigns.
    State changes go only through ``app.services.case_flow`` so each one is audited.
    """

    __tablename__ = "service_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    local_number: Mapped[str] = mapped_column(String(50), unique=True)
    platform_number: Mapped[str] = mapped_column(String(50), default="", index=True)
    query_password: Mapped[str] = mapped_column(String(20), default="")
    state: Mapped[str] = mapped_column(String(24), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")  # 申报名称
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"))
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("item_bundle.id"))
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicant.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    authorization_id: Mapped[int | None] = mapped_column(ForeignKey("agent_authorization.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("counter_window.id"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("clerk.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    channel: Mapped[str] = mapped_column(String(2), default="1")  # A.5 办理形式: 1 窗口
    case_type_code: Mapped[str] = mapped_column(String(2), default="2")  # A.6
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_mobile: Mapped[str] = mapped_column(String(20), default="")
    registered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 预登记
    received_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 收件 (legally material)
    pre_reviewed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 预受理/预审
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 受理
    correction_notified_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 补正告知
    correction_received_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 补正收件
    correction_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 不予受理
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 决定 (准予/不予许可)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 办结
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 出件/邮寄 (领取或送达)
    evaluated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 评价
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 撤回
    voided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 作废
    acceptance_doc_no: Mapped[str] = mapped_column(String(50), default="")  # 受理文书编号
    promised_date: Mapped[dt.date | None] = mapped_column(Date)  # 承诺办结日
    promised_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    promised_source: Mapped[str] = mapped_column(String(20), default="")
    result_code: Mapped[str] = mapped_column(
        String(4), default=""
    )  # 办结结果 (canonical, mapped per province)
    result_note: Mapped[str] = mapped_column(Text, default="")
    delivery_method: Mapped[str] = mapped_column(String(10), default="")  # 自取 / 邮寄
    last_reason: Mapped[str] = mapped_column(Text, default="")
    # 补正 / 一次性告知: every material to add or fix, with what is required, and the deadline.
    correction_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    correction_deadline: Mapped[dt.date | None] = mapped_column(Date)
    competent_agency: Mapped[str] = mapped_column(String(200), default="")  # 不予受理: where to apply instead
    routed_department: Mapped[str] = mapped_column(String(200), default="")  # 预登记: department window
    # 出件: who collected (blind index of their ID), or where it was mailed.
    collector_name: Mapped[str] = mapped_column(String(100), default="")
    collector_id_index: Mapped[str] = mapped_column(String(64), default="")
    collector_is_agent: Mapped[bool] = mapped_column(Boolean, default=False)
    mail_address: Mapped[str | None] = mapped_column(EncryptedText)
    mail_tracking_number: Mapped[str] = mapped_column(String(40), default="")
    # The holder's card fields this case's item needs (JSON), and the raw WLT photo when it needs
    # the photo: the case carries no more of the card than its item asks for (card_reads.py).
    card_snapshot: Mapped[str | None] = mapped_column(EncryptedText)
    photo_wlt: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    data_version: Mapped[int] = mapped_column(Integer, default=1)  # DATAVER: +1 per re-report
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    materials: Mapped[list[CaseMaterial]] = relationship(
        back_populates="case",
        cascade="all, delete-orphan",
        order_by="CaseMaterial.position",
        foreign_keys="CaseMaterial.case_id",
    )
    suspensions: Mapped[list[Suspension]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Suspension.started_at"
    )


class CaseMaterialStatus:
    """CaseMaterial.status values."""

    RECEIVED = "received"  # 已收
    MISSING = "missing"  # 缺
    DEFERRED = "deferred"  # 容缺 (applicant committed to supply by due_date)
    REUSED = "reused"  # 复用 (page set of an earlier case or an e-licence)


class CaseMaterial(Base):
    """办件材料: one required or offered material in a case and what was actually received."""

    __tablename__ = "case_material"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id", ondelete="CASCADE"), index=True)
    requirement_id: Mapped[int | None] = mapped_column(ForeignKey("material_requirement.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(300))
    necessity: Mapped[str] = mapped_column(String(1), default="1")
    status: Mapped[str] = mapped_column(String(12), default=CaseMaterialStatus.MISSING)
    original_seen: Mapped[bool] = mapped_column(Boolean, default=False)  # 核验原件
    copies_received: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # 收取时间
    deferred_due: Mapped[dt.date | None] = mapped_column(Date)  # 容缺 commitment date
    deferred_commitment: Mapped[str] = mapped_column(Text, default="")
    reused_from_case_id: Mapped[int | None] = mapped_column(ForeignKey("service_case.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    case: Mapped[Case] = relationship(back_populates="materials", foreign_keys=[case_id])
    pages: Mapped[list[Page]] = relationship(
        back_populates="material", cascade="all, delete-orphan", order_by="Page.position"
    )


class Page(Base):
    """页: one scanned or imported page; the bytes live encrypted in the blob store by sha256."""

    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("material_id", "position", name="uq_page_material_position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("case_material.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(10))  # jpeg | png | pdf | ofd
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(20), default="camera")  # camera | scanner | import | reuse
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    material: Mapped[CaseMaterial] = relationship(back_populates="pages")


class Suspension(Base):
    """特别程序: a period (hearing, testing, expert review, extension) that stops the clock."""

    __tablename__ = "suspension"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id", ondelete="CASCADE"), index=True)
    kind_code: Mapped[str] = mapped_column(String(2), default="2")  # A.7: 1 延长审批 2 其他
    kind_name: Mapped[str] = mapped_column(String(50), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    approved_days: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(Text, default="")
    case: Mapped[Case] = relationship(back_populates="suspensions")
