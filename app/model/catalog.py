"""Where service happens and what can be applied for: stations, windows, clerks and the catalog."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.model.base import Base, UtcDateTime, utcnow


class Role(enum.StrEnum):
    """Clerk roles; the role decides what a signed-in person may do."""

    CLERK = "clerk"  # 窗口人员
    STATION_STAFF = "station_staff"  # 便民服务站代办员
    SUPERVISOR = "supervisor"  # 值班长 / 大厅管理员
    INSTALLER = "installer"  # 实施人员


class Station(Base):
    """站点: a service hall (政务服务中心) or a village service station (便民服务站)."""

    __tablename__ = "station"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(16), default="station")  # station | hall
    region_code: Mapped[str] = mapped_column(String(12), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    windows: Mapped[list[Window]] = relationship(back_populates="station", cascade="all, delete-orphan")


class Window(Base):
    """窗口: one counter position of a station, with the queue categories it serves."""

    __tablename__ = "counter_window"
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100), default="")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)  # queue categories in service order
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)  # 暂停服务: no new calls
    paused_reason: Mapped[str] = mapped_column(String(200), default="")
    station: Mapped[Station] = relationship(back_populates="windows")


class Clerk(Base):
    """工作人员: a person who signs in at a window, station or as installer."""

    __tablename__ = "clerk"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), default=Role.CLERK.value)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    password_hash: Mapped[str] = mapped_column(String(200), default="")  # scrypt, see app.services.clerks
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


bundle_item = Table(
    "bundle_item",
    Base.metadata,
    Column("bundle_id", ForeignKey("item_bundle.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("service_item.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)


class ServiceItem(Base):
    """事项: one implementation-list (实施清单) entry with every element of GB/T 39046 Table 4.

    Codes are opaque strings from the provincial platform; only length and character set matter.
    """

    __tablename__ = "service_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    basic_code: Mapped[str] = mapped_column(String(12), index=True)  # 基本编码
    impl_code: Mapped[str] = mapped_column(String(36), unique=True)  # 实施编码
    handle_item_code: Mapped[str] = mapped_column(String(50), default="")  # 业务办理项编码
    name: Mapped[str] = mapped_column(String(200), index=True)
    pinyin_initials: Mapped[str] = mapped_column(String(200), default="", index=True)
    pinyin_full: Mapped[str] = mapped_column(String(800), default="")
    item_type_code: Mapped[str] = mapped_column(String(2))  # A.1
    legal_basis: Mapped[str] = mapped_column(Text, default="")  # 设定依据
    exercise_level_code: Mapped[str] = mapped_column(String(1), default="4")  # A.2 行使层级
    authority_division: Mapped[str] = mapped_column(Text, default="")  # 权限划分
    exercise_content: Mapped[str] = mapped_column(Text, default="")  # 行使内容
    department: Mapped[str] = mapped_column(String(200), index=True)
    implementing_body: Mapped[str] = mapped_column(String(200))  # 实施主体
    implementing_body_code: Mapped[str] = mapped_column(String(18))  # USCC
    implementing_body_nature_code: Mapped[str] = mapped_column(String(1), default="1")  # A.3
    statutory_limit: Mapped[int] = mapped_column(Integer, default=20)  # 法定办结时限
    statutory_limit_unit: Mapped[str] = mapped_column(String(2), default="1")
    statutory_limit_note: Mapped[str] = mapped_column(Text, default="")
    promised_limit: Mapped[int] = mapped_column(Integer, default=0)  # 承诺办结时限 (0 = 即办)
    promised_limit_unit: Mapped[str] = mapped_column(String(2), default="1")
    promised_limit_note: Mapped[str] = mapped_column(Text, default="")
    case_type_code: Mapped[str] = mapped_column(String(2), default="2")  # A.6 即办件/承诺件
    acceptance_conditions: Mapped[str] = mapped_column(Text, default="")
    procedure: Mapped[str] = mapped_column(Text, default="")  # 办理流程
    joint_departments: Mapped[str] = mapped_column(Text, default="")
    joint_department_codes: Mapped[str] = mapped_column(Text, default="")
    handling_body: Mapped[str] = mapped_column(String(200), default="")  # 承办机构
    handling_body_code: Mapped[str] = mapped_column(String(18), default="")
    intermediary_services: Mapped[str] = mapped_column(Text, default="")
    quantity_limit: Mapped[str] = mapped_column(Text, default="")
    result_name: Mapped[str] = mapped_column(String(200), default="")
    result_type: Mapped[str] = mapped_column(String(50), default="")
    result_sample: Mapped[str] = mapped_column(String(300), default="")  # blob sha256 or file name
    fee_charged: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_basis: Mapped[str] = mapped_column(Text, default="")
    fees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # name, standard, basis, reducible
    crossregion_scope: Mapped[str] = mapped_column(String(20), default="")  # 通办范围
    service_target: Mapped[str] = mapped_column(String(100), default="")
    service_target_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # A.4
    theme: Mapped[str] = mapped_column(String(200), default="")
    person_theme_code: Mapped[str] = mapped_column(String(20), default="")
    org_theme_code: Mapped[str] = mapped_column(String(20), default="")
    handling_form_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # A.5
    # Holder card fields a case of this item keeps (app/services/card_reads.py); None = the default set.
    card_fields: Mapped[list[str] | None] = mapped_column(JSON)
    special_procedures: Mapped[str] = mapped_column(Text, default="")
    jurisdiction: Mapped[str] = mapped_column(String(100), default="")
    jurisdiction_code: Mapped[str] = mapped_column(String(12), default="")
    appointment_supported: Mapped[bool] = mapped_column(Boolean, default=False)
    online_payment_supported: Mapped[bool] = mapped_column(Boolean, default=False)
    courier_supported: Mapped[bool] = mapped_column(Boolean, default=False)
    online_handling: Mapped[bool] = mapped_column(Boolean, default=False)
    online_url: Mapped[str] = mapped_column(String(300), default="")
    system_level: Mapped[str] = mapped_column(String(20), default="")
    handling_place: Mapped[str] = mapped_column(String(300), default="")
    office_hours: Mapped[str] = mapped_column(String(200), default="")
    enquiry_channels: Mapped[str] = mapped_column(String(200), default="")
    enquiry_phone: Mapped[str] = mapped_column(String(40), default="")
    supervision_phone: Mapped[str] = mapped_column(String(40), default="")
    visit_limit: Mapped[int] = mapped_column(Integer, default=1)  # 到办事现场次数
    window: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(4), default="A")  # queue category letter
    faq: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    use_count: Mapped[int] = mapped_column(Integer, default=0)  # frequent items first
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    materials: Mapped[list[MaterialRequirement]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="MaterialRequirement.position"
    )


class Necessity(enum.StrEnum):
    """材料必要性 codes as exchanged with platforms."""

    REQUIRED = "1"  # 必要
    OPTIONAL = "2"  # 非必要
    DEFERRABLE = "3"  # 容缺后补


NECESSITY_LABELS = {"1": "必要", "2": "非必要", "3": "容缺后补"}
FORM_LABELS = {"1": "纸质", "2": "电子化", "3": "纸质/电子化"}
MATERIAL_TYPE_LABELS = {"1": "证件证书证明", "2": "申请表格文书", "3": "其他"}


class MaterialRequirement(Base):
    """申请材料: one material a service item asks for, with how it is collected and checked."""

    __tablename__ = "material_requirement"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(300))
    necessity: Mapped[str] = mapped_column(String(1), default=Necessity.REQUIRED.value)
    form: Mapped[str] = mapped_column(String(1), default="3")
    material_type: Mapped[str] = mapped_column(String(1), default="3")
    original_copies: Mapped[int] = mapped_column(Integer, default=0)
    copy_copies: Mapped[int] = mapped_column(Integer, default=0)
    paper_format: Mapped[str] = mapped_column(String(20), default="A4")
    source: Mapped[str] = mapped_column(String(50), default="申请人自备")
    source_note: Mapped[str] = mapped_column(Text, default="")
    issuing_body: Mapped[str] = mapped_column(String(200), default="")  # 出具机构
    issue_date_requirement: Mapped[str] = mapped_column(String(200), default="")  # 出具时间要求
    obtain_instructions: Mapped[str] = mapped_column(Text, default="")  # 材料办理说明
    obtain_place: Mapped[str] = mapped_column(String(300), default="")  # 材料办理地点
    acceptance_standard: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    blank_form: Mapped[str] = mapped_column(String(300), default="")
    sample_form: Mapped[str] = mapped_column(String(300), default="")
    fill_instructions: Mapped[str] = mapped_column(Text, default="")
    remark: Mapped[str] = mapped_column(Text, default="")
    collection: Mapped[str] = mapped_column(String(20), default="收原件")  # 收原件 / 验原件收复印件 / …
    item: Mapped[ServiceItem] = relationship(back_populates="materials")


class ItemBundle(Base):
    """一件事: several service items applied for together with one merged material list."""

    __tablename__ = "item_bundle"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    lead_department: Mapped[str] = mapped_column(String(200), default="")
    items: Mapped[list[ServiceItem]] = relationship(secondary=bundle_item, order_by=bundle_item.c.position)
