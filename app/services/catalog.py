"""事项目录 queries: search by name, code, department or pinyin initials; frequent items first."""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.model import FORM_LABELS, NECESSITY_LABELS, ItemBundle, ServiceItem
from app.model.catalog_version import catalog_version


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


@dataclass(frozen=True)
class _Entry:
    haystack: str  # lower-cased name, codes, department and pinyin, joined
    name: str
    initials: str
    use_count: int
    summary: ItemSummary


@dataclass(frozen=True)
class _Index:
    stamp: tuple[object, ...]
    entries: tuple[_Entry, ...]
    # Every haystack in one string, with each entry's start offset: one C-speed str.find pass per
    # keystroke instead of 20,000 Python-level ``in`` tests.
    blob: str
    starts: tuple[int, ...]


# One index per database; rebuilt when the catalog version token changes (any item write bumps it).
_indexes: dict[str, _Index] = {}
_indexes_lock = threading.Lock()


def _catalog_stamp(session: Session) -> tuple[object, ...]:
    return (catalog_version(session),)


def _build_index(session: Session, stamp: tuple[object, ...]) -> _Index:
    cols = (
        ServiceItem.impl_code,
        ServiceItem.basic_code,
        ServiceItem.name,
        ServiceItem.department,
        ServiceItem.pinyin_initials,
        ServiceItem.pinyin_full,
        ServiceItem.use_count,
        ServiceItem.case_type_code,
        ServiceItem.promised_limit,
        ServiceItem.promised_limit_unit,
        ServiceItem.category,
        ServiceItem.window,
    )
    entries = []
    for impl, basic, name, dept, initials, full, uses, ctype, limit, unit, cat, window in session.execute(
        select(*cols).where(ServiceItem.active.is_(True))
    ):
        summary = ItemSummary(impl, name, dept, ctype, limit, unit, cat, window)
        haystack = "\x1f".join((name, impl, basic, dept, initials, full)).lower()
        entries.append(_Entry(haystack, name, initials, uses, summary))
    # Most used first, then by name: the order an empty query shows and ties keep.
    entries.sort(key=lambda e: (-e.use_count, e.name))
    starts = []
    offset = 0
    for e in entries:
        starts.append(offset)
        offset += len(e.haystack) + 1
    return _Index(stamp, tuple(entries), "\n".join(e.haystack for e in entries), tuple(starts))


def _matching(index: _Index, needle: str) -> list[_Entry]:
    """Entries whose haystack contains ``needle`` (no newline), in index order."""
    found: list[_Entry] = []
    starts, blob, n = index.starts, index.blob, len(index.starts)
    pos = blob.find(needle)
    while pos != -1:
        i = bisect.bisect_right(starts, pos) - 1
        found.append(index.entries[i])
        if i + 1 >= n:
            break
        pos = blob.find(needle, starts[i + 1])
    return found


def _index_for(session: Session) -> _Index:
    key = str(session.get_bind().engine.url)
    stamp = _catalog_stamp(session)
    with _indexes_lock:
        index = _indexes.get(key)
    if index is None or index.stamp != stamp:
        index = _build_index(session, stamp)
        with _indexes_lock:
            _indexes[key] = index
    return index


def search_items(session: Session, query: str, limit: int = 50) -> list[ItemSummary]:
    """Items whose name, codes, department or pinyin contain ``query``; most used first.

    The counter searches on every keystroke, so the catalog is held as an in-memory index per
    database and scanned in Python (a 20,000-item catalog in a few milliseconds); a cheap stamp
    query notices any change and rebuilds it. Names or pinyin initials that *start* with the query
    rank first, so ``jzgc`` puts 建筑工程施工许可 on top even when it is rarely used.
    """
    q = " ".join(query.split())  # no newlines: they separate entries in the index
    index = _index_for(session)
    if not q:
        return [e.summary for e in index.entries[:limit]]
    low = q.lower()
    hits = _matching(index, low)
    prefix = [e.summary for e in hits if e.initials.startswith(low) or e.name.startswith(q)]
    other = [e.summary for e in hits if not (e.initials.startswith(low) or e.name.startswith(q))]
    return (prefix + other)[:limit]


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
