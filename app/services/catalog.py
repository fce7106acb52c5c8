"""事项目录 queries: search by name, code, department or pinyin initials; frequent items first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.model import FORM_LABELS, NECESSITY_LABELS, ItemBundle, ServiceItem


def pinyin_initials(text: str) -> str:
    """``建筑工程施工许可`` -> ``jzgcsgxk``; letters and digits kept as they are, the rest dropped."""
    from pypinyin import Style, lazy_pinyin  # ~175 ms to import: only loading a catalog needs it

    return "".join(
        p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore") if p and p[0].isalnum()
    ).lower()


def pinyin_full(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text, errors="ignore")).lower()


@dataclass(frozen=True)
class ItemSummary:
    impl_code: str
    name: str
    department: str
    case_type_code: str
    promised_limit: int
    promised_limit_unit: str
    category: str
    window: str


@dataclass(frozen=True)
class MaterialSummary:
    name: str
    necessity: str
    necessity_label: str
    original_copies: int
    copy_copies: int
    form_label: str


@dataclass(frozen=True)
class BundleSummary:
    code: str
    name: str
    item_names: tuple[str, ...]


def _summary(item: ServiceItem) -> ItemSummary:
    return ItemSummary(
        impl_code=item.impl_code,
        name=item.name,
        department=item.department,
        case_type_code=item.case_type_code,
        promised_limit=item.promised_limit,
        promised_limit_unit=item.promised_limit_unit,
        category=item.category,
        window=item.window,
    )


def search_items(session: Session, query: str, limit: int = 50) -> list[ItemSummary]:
    """Items whose name, codes, department or pinyin contain ``query``; most used first."""
    q = query.strip()
    stmt = select(ServiceItem).where(ServiceItem.active.is_(True))
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(
                ServiceItem.name.contains(q),
                ServiceItem.impl_code.ilike(like),
                ServiceItem.basic_code.ilike(like),
                ServiceItem.department.contains(q),
                ServiceItem.pinyin_initials.like(like),
                ServiceItem.pinyin_full.like(like),
            )
        )
    rows = list(
        session.execute(stmt.order_by(ServiceItem.use_count.desc(), ServiceItem.name).limit(limit)).scalars()
    )
    if q:
        # Names or initials that match at the start rank above ones that match in the middle (stable sort).
        low = q.lower()
        rows.sort(key=lambda r: not (r.pinyin_initials.startswith(low) or r.name.startswith(q)))
    return [_summary(r) for r in rows]


def item_materials(session: Session, impl_code: str) -> list[MaterialSummary]:
    item = session.execute(select(ServiceItem).where(ServiceItem.impl_code == impl_code)).scalar_one_or_none()
    if item is None:
        raise DomainError(f"找不到实施编码为 {impl_code} 的事项。")
    return [
        MaterialSummary(
            name=m.name,
            necessity=m.necessity,
            necessity_label=NECESSITY_LABELS.get(m.necessity, m.necessity),
            original_copies=m.original_copies,
            copy_copies=m.copy_copies,
            form_label=FORM_LABELS.get(m.form, m.form),
        )
        for m in item.materials
    ]


def list_bundles(session: Session) -> list[BundleSummary]:
    return [
        BundleSummary(code=b.code, name=b.name, item_names=tuple(i.name for i in b.items))
        for b in session.execute(select(ItemBundle).order_by(ItemBundle.name)).scalars()
    ]
