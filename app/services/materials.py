"""Case materials (办件材料) and their pages (页): capture, import, order, rotate, 容缺 and reuse.

Page bytes live in the encrypted blob store by sha256; a Page row points at them. Blobs are never
deleted here: a rotated or deleted page's old blob may still back a page of another case that
reused it, and the audit trail names it.

Guarantees: a material's page positions are always 0..n-1 without gaps; ``CaseMaterial.status``
follows its pages (received / reused), its 容缺 commitment (deferred) or neither (missing), and
``received_at`` is the time of its first page. Every change writes one audit event on the case
(``entity="case"``, the case uuid) holding no personal data. Materials can change only while the
case is being received (预登记, 已收件, 待补正).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.case_states import STATE_LABELS, CaseState
from app.clock import local_date
from app.errors import ConfigError, DomainError, StorageError, ValidationError
from app.imaging.profiles import (
    DEFAULT_PROFILE_KEY,
    PROFILES,
    Image,
    OutputProfile,
    PageVerdict,
    as_image,
    check_page,
    encode_jpeg_within,
    fit_to_profile,
)
from app.model import NECESSITY_LABELS, Case, CaseMaterial, CaseMaterialStatus, Necessity, Page, Role, utcnow
from app.services.actor import Actor
from app.storage.blobs import BlobStore

_ROLES = frozenset({Role.CLERK, Role.STATION_STAFF, Role.SUPERVISOR})
_EDITABLE_STATES = frozenset({CaseState.PRE_REGISTERED, CaseState.RECEIVED, CaseState.CORRECTION_REQUESTED})

STATUS_LABELS = {
    CaseMaterialStatus.RECEIVED: "已收",
    CaseMaterialStatus.MISSING: "未收",
    CaseMaterialStatus.DEFERRED: "容缺后补",
    CaseMaterialStatus.REUSED: "复用",
}

#: Chinese labels of the audit actions written here, for the case timeline.
ACTION_LABELS = {
    "page.add": "添加材料页",
    "page.move": "调整页序",
    "page.rotate": "旋转材料页",
    "page.delete": "删除材料页",
    "page.retake": "重拍材料页",
    "material.original_seen": "核验原件",
    "material.defer": "容缺受理承诺",
    "material.reuse": "复用历史材料",
}


@dataclass(frozen=True)
class PageView:
    id: int
    position: int
    sha256: str
    width: int
    height: int
    size: int
    format: str
    rotation: int
    verdict: PageVerdict


@dataclass(frozen=True)
class MaterialView:
    """One line of the checklist: the material, its state and its pages in order."""

    id: int
    position: int
    name: str
    necessity: str
    necessity_label: str
    status: str
    status_label: str
    original_seen: bool
    deferred_due: dt.date | None
    deferred_commitment: str
    pages: tuple[PageView, ...]
    satisfied: bool


class ReusableSet(NamedTuple):
    """A page set of an earlier case of the same applicant that can be reused."""

    material_id: int
    local_number: str
    received_at: dt.datetime | None
    page_count: int


def profile_for(key: str) -> OutputProfile:
    profile = PROFILES.get(key)
    if profile is None:
        known = "、".join(PROFILES)
        raise ConfigError(f"未知的输出规格“{key}”，可用的有：{known}。请检查配置。", key="imaging.profile")
    return profile


# --- Views ------------------------------------------------------------------------------------


def _page_view(page: Page, profile: OutputProfile) -> PageView:
    return PageView(
        id=page.id,
        position=page.position,
        sha256=page.sha256,
        width=page.width,
        height=page.height,
        size=page.size,
        format=page.format,
        rotation=page.rotation,
        verdict=check_page(page.width, page.height, page.size, page.format, profile),
    )


def _ordered(material: CaseMaterial) -> list[Page]:
    return sorted(material.pages, key=lambda p: p.position)


def _is_deferred(material: CaseMaterial) -> bool:
    return material.deferred_due is not None and bool(material.deferred_commitment.strip())


def _satisfied(material: CaseMaterial) -> bool:
    return bool(material.pages) or _is_deferred(material)


def _material_view(material: CaseMaterial, profile: OutputProfile) -> MaterialView:
    return MaterialView(
        id=material.id,
        position=material.position,
        name=material.name,
        necessity=material.necessity,
        necessity_label=NECESSITY_LABELS.get(material.necessity, material.necessity),
        status=material.status,
        status_label=STATUS_LABELS.get(material.status, material.status),
        original_seen=material.original_seen,
        deferred_due=material.deferred_due,
        deferred_commitment=material.deferred_commitment,
        pages=tuple(_page_view(p, profile) for p in _ordered(material)),
        satisfied=_satisfied(material),
    )


def case_materials(
    session: Session, case_id: int, *, profile_key: str = DEFAULT_PROFILE_KEY
) -> list[MaterialView]:
    """The checklist of a case in order, each page with its verdict against the profile."""
    profile = profile_for(profile_key)
    case = session.get(Case, case_id)
    if case is None:
        raise DomainError(f"办件 {case_id} 不存在。")
    return [_material_view(m, profile) for m in sorted(case.materials, key=lambda m: m.position)]


def missing_required(session: Session, case_id: int) -> list[MaterialView]:
    """What blocks 受理: required materials without pages, and 容缺后补 ones neither received nor promised."""
    return [
        m
        for m in case_materials(session, case_id)
        if m.necessity in (Necessity.REQUIRED, Necessity.DEFERRABLE) and not m.satisfied
    ]


# --- Helpers for changes ----------------------------------------------------------------------


def _editable_material(session: Session, actor: Actor, material_id: int, what: str) -> CaseMaterial:
    actor.require(_ROLES, what)
    material = session.get(CaseMaterial, material_id, with_for_update=True)
    if material is None:
        raise DomainError(f"材料 {material_id} 不存在，请刷新材料清单。")
    state = CaseState(material.case.state)
    if state not in _EDITABLE_STATES:
        raise DomainError(
            f"办件状态为“{STATE_LABELS[state]}”，材料已不能修改。如需更正，请值班长先撤销决定。"
        )
    return material


def _editable_page(session: Session, actor: Actor, page_id: int, what: str) -> tuple[Page, CaseMaterial]:
    page = session.get(Page, page_id)
    if page is None:
        raise DomainError(f"材料页 {page_id} 不存在，请刷新材料清单。")
    return page, _editable_material(session, actor, page.material_id, what)


def _refresh_status(material: CaseMaterial, now: dt.datetime) -> None:
    """Keep status and received_at in step with pages and the 容缺 commitment."""
    if material.pages:
        if material.reused_from_case_id is not None and all(p.source == "reuse" for p in material.pages):
            material.status = CaseMaterialStatus.REUSED
        else:
            material.status = CaseMaterialStatus.RECEIVED
        if material.received_at is None:
            material.received_at = now
        return
    material.received_at = None
    material.reused_from_case_id = None
    material.status = CaseMaterialStatus.DEFERRED if _is_deferred(material) else CaseMaterialStatus.MISSING


def _renumber(session: Session, pages: Sequence[Page]) -> None:
    """Give ``pages`` the positions 0..n-1 in the order given.

    Two flushes through negative positions: (material_id, position) is unique and checked row by
    row, so swapping two positions directly would collide halfway.
    """
    if all(p.position == i for i, p in enumerate(pages)):
        return
    for i, page in enumerate(pages):
        page.position = -(i + 1)
    session.flush()
    for i, page in enumerate(pages):
        page.position = i
    session.flush()


def _record(
    session: Session,
    actor: Actor,
    material: CaseMaterial,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: dt.datetime,
) -> None:
    session.flush()
    detail = {"material_id": material.id, "material": material.name, "status": material.status}
    audit.append(
        session,
        actor=actor.username,
        action=action,
        entity="case",
        entity_id=material.case.uuid,
        before=before,
        after={**detail, **(after or {})},
        at=now,
    )


def _page_facts(page: Page) -> dict[str, Any]:
    return {
        "page_id": page.id,
        "position": page.position,
        "sha256": page.sha256,
        "size": page.size,
        "width": page.width,
        "height": page.height,
        "format": page.format,
        "rotation": page.rotation,
    }


# --- Decoding page bytes ----------------------------------------------------------------------


def _sniff_format(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    return None


def _decode(data: bytes) -> Image:
    # ANYCOLOR keeps a greyscale page grey and applies the EXIF orientation of phone photos.
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_ANYCOLOR)
    if image is None or image.size == 0:
        raise ValidationError(
            "无法识别该图像（文件已损坏或不是图片），请重新拍摄或选择其他文件。", field="page"
        )
    return as_image(image)


@dataclass(frozen=True)
class _PageContent:
    data: bytes
    format: str
    width: int
    height: int


def _inspect(data: bytes) -> _PageContent:
    if not data:
        raise ValidationError("材料页内容为空，请重新拍摄或选择其他文件。", field="page")
    fmt = _sniff_format(data)
    if fmt is None:
        raise ValidationError("不支持的文件格式，请使用 JPG、PNG 图片或 PDF 文件。", field="page")
    if fmt == "pdf":
        return _PageContent(data, fmt, 0, 0)  # a PDF has no pixel size; it is checked by bytes only
    image = _decode(data)
    return _PageContent(data, fmt, int(image.shape[1]), int(image.shape[0]))


def _store(blobs: BlobStore, content: _PageContent) -> str:
    return blobs.put(content.data).sha256


# --- Page operations --------------------------------------------------------------------------


def _new_page(
    session: Session,
    blobs: BlobStore,
    actor: Actor,
    material: CaseMaterial,
    content: _PageContent,
    source: str,
    profile: OutputProfile,
    now: dt.datetime,
) -> PageView:
    sha = _store(blobs, content)
    page = Page(
        material_id=material.id,
        position=len(material.pages),
        sha256=sha,
        size=len(content.data),
        width=content.width,
        height=content.height,
        format=content.format,
        rotation=0,
        source=source,
        created_at=now,
    )
    material.pages.append(page)
    session.flush()
    _refresh_status(material, now)
    _record(session, actor, material, "page.add", after={**_page_facts(page), "source": source}, now=now)
    return _page_view(page, profile)


def add_page(
    session: Session,
    blobs: BlobStore,
    actor: Actor,
    material_id: int,
    data: bytes,
    *,
    source: str = "camera",
    profile_key: str = DEFAULT_PROFILE_KEY,
    now: dt.datetime | None = None,
) -> PageView:
    """Append one page (JPEG, PNG or PDF bytes, stored as given) to a material."""
    now = now or utcnow()
    profile = profile_for(profile_key)
    material = _editable_material(session, actor, material_id, "添加材料页")
    return _new_page(session, blobs, actor, material, _inspect(data), source, profile, now)


def import_file(
    session: Session,
    blobs: BlobStore,
    actor: Actor,
    material_id: int,
    path: Path,
    *,
    profile_key: str = DEFAULT_PROFILE_KEY,
    fit: bool = True,
    now: dt.datetime | None = None,
) -> list[PageView]:
    """Import a JPG/PNG image or a PDF file as pages of a material.

    With ``fit`` an image that fails the profile (too many pixels or bytes, PNG for a JPEG
    profile) is re-encoded to fit it first; a PDF is stored as one page as it is.
    """
    now = now or utcnow()
    profile = profile_for(profile_key)
    material = _editable_material(session, actor, material_id, "导入材料文件")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StorageError(
            f"无法读取文件“{path.name}”：{exc.strerror or exc}。请确认文件存在且可读。"
        ) from exc
    content = _inspect(data)
    if fit and content.format != "pdf":
        verdict = check_page(content.width, content.height, len(content.data), content.format, profile)
        if not verdict.ok:
            fitted = fit_to_profile(_decode(content.data), profile)
            image = _decode(fitted)
            content = _PageContent(fitted, "jpeg", int(image.shape[1]), int(image.shape[0]))
    return [_new_page(session, blobs, actor, material, content, "import", profile, now)]


def move_page(
    session: Session, actor: Actor, page_id: int, new_position: int, *, now: dt.datetime | None = None
) -> None:
    """Move a page within its material; positions beyond either end go to that end."""
    now = now or utcnow()
    page, material = _editable_page(session, actor, page_id, "调整页序")
    pages = _ordered(material)
    old = page.position
    target = min(max(new_position, 0), len(pages) - 1)
    if target == old:
        return
    pages.remove(page)
    pages.insert(target, page)
    _renumber(session, pages)
    _record(
        session,
        actor,
        material,
        "page.move",
        before={"page_id": page.id, "position": old},
        after={"page_id": page.id, "position": target},
        now=now,
    )


def rotate_page(
    session: Session,
    blobs: BlobStore,
    actor: Actor,
    page_id: int,
    quarter_turns: int,
    *,
    profile_key: str = DEFAULT_PROFILE_KEY,
    now: dt.datetime | None = None,
) -> PageView:
    """Turn a page by quarter turns (positive = clockwise) into a new blob; the old blob stays."""
    now = now or utcnow()
    profile = profile_for(profile_key)
    page, material = _editable_page(session, actor, page_id, "旋转材料页")
    turns = quarter_turns % 4
    if turns == 0:
        return _page_view(page, profile)
    if page.format not in ("jpeg", "png"):
        raise DomainError("PDF 文件不能在这里旋转，请在原文件中调整方向后重新导入。")
    original = blobs.get(page.sha256)
    rotated = as_image(
        cv2.rotate(
            _decode(original),
            {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}[turns],
        )
    )
    if page.format == "png":
        ok, buf = cv2.imencode(".png", rotated)
        if not ok:
            raise StorageError("旋转后的图片无法保存，请重试；如仍失败，请重拍该页。")
        data = bytes(buf.tobytes())
    else:
        # Re-encoding costs a little quality; a page that met the cap must still meet it after turning.
        encoded = encode_jpeg_within(rotated, max(profile.max_bytes, len(original)))
        if encoded is None:
            raise ValidationError("旋转后的图片无法压缩到原来的大小，请重拍该页。", field="page")
        data = encoded
    before = _page_facts(page)
    page.sha256 = blobs.put(data).sha256
    page.size = len(data)
    page.height, page.width = int(rotated.shape[0]), int(rotated.shape[1])
    page.rotation = (page.rotation + 90 * turns) % 360
    _record(session, actor, material, "page.rotate", before=before, after=_page_facts(page), now=now)
    return _page_view(page, profile)


def delete_page(session: Session, actor: Actor, page_id: int, *, now: dt.datetime | None = None) -> None:
    """Remove a page from its material and close the gap; the blob stays (other cases may use it)."""
    now = now or utcnow()
    page, material = _editable_page(session, actor, page_id, "删除材料页")
    before = _page_facts(page)
    material.pages.remove(page)
    session.delete(page)
    session.flush()
    _renumber(session, _ordered(material))
    _refresh_status(material, now)
    _record(session, actor, material, "page.delete", before=before, now=now)


def retake_page(
    session: Session,
    blobs: BlobStore,
    actor: Actor,
    page_id: int,
    data: bytes,
    *,
    source: str = "camera",
    profile_key: str = DEFAULT_PROFILE_KEY,
    now: dt.datetime | None = None,
) -> PageView:
    """Replace a page's image with a new capture at the same position."""
    now = now or utcnow()
    profile = profile_for(profile_key)
    page, material = _editable_page(session, actor, page_id, "重拍材料页")
    content = _inspect(data)
    before = _page_facts(page)
    page.sha256 = _store(blobs, content)
    page.size = len(content.data)
    page.width, page.height = content.width, content.height
    page.format = content.format
    page.rotation = 0
    page.source = source
    _refresh_status(material, now)
    _record(session, actor, material, "page.retake", before=before, after=_page_facts(page), now=now)
    return _page_view(page, profile)


def page_image(session: Session, blobs: BlobStore, page_id: int) -> bytes:
    """The stored bytes of a page (checked against its sha256 by the blob store)."""
    page = session.get(Page, page_id)
    if page is None:
        raise DomainError(f"材料页 {page_id} 不存在，请刷新材料清单。")
    return blobs.get(page.sha256)


# --- Material-level operations ----------------------------------------------------------------


def set_original_seen(
    session: Session, actor: Actor, material_id: int, seen: bool, *, now: dt.datetime | None = None
) -> MaterialView:
    """Mark that the clerk has (or has not) checked the paper original (核验原件)."""
    now = now or utcnow()
    material = _editable_material(session, actor, material_id, "核验原件")
    if material.original_seen != seen:
        material.original_seen = seen
        _record(session, actor, material, "material.original_seen", after={"original_seen": seen}, now=now)
    return _material_view(material, profile_for(DEFAULT_PROFILE_KEY))


def defer_material(
    session: Session,
    actor: Actor,
    material_id: int,
    *,
    due: dt.date,
    commitment: str,
    now: dt.datetime | None = None,
) -> MaterialView:
    """容缺受理: accept without a 容缺后补 material on the applicant's written promise to bring it by ``due``."""
    now = now or utcnow()
    material = _editable_material(session, actor, material_id, "办理容缺")
    if material.necessity != Necessity.DEFERRABLE:
        raise DomainError(f"“{material.name}”不是容缺后补材料，不能容缺。请收取该材料，或发出补正告知。")
    text = commitment.strip()
    if not text:
        raise ValidationError("请填写申请人的容缺承诺内容（承诺补交的材料和期限）。", field="commitment")
    if due <= local_date(now):
        raise ValidationError("承诺补交日期应晚于今天，请重新选择日期。", field="due")
    material.deferred_due = due
    material.deferred_commitment = text
    _refresh_status(material, now)
    _record(session, actor, material, "material.defer", after={"deferred_due": due.isoformat()}, now=now)
    return _material_view(material, profile_for(DEFAULT_PROFILE_KEY))


def reuse_pages(
    session: Session, actor: Actor, material_id: int, from_material_id: int, *, now: dt.datetime | None = None
) -> MaterialView:
    """Append the pages of an earlier case's material (same applicant only) without copying bytes."""
    now = now or utcnow()
    material = _editable_material(session, actor, material_id, "复用历史材料")
    source = session.get(CaseMaterial, from_material_id)
    if source is None or source.id == material.id:
        raise DomainError("要复用的材料不存在，请重新选择。")
    applicant_id = material.case.applicant_id
    if applicant_id is None or source.case.applicant_id != applicant_id:
        raise DomainError("只能复用同一申请人以前办件中的材料。请为本申请人重新拍摄或扫描。")
    if source.case_id == material.case_id:
        raise DomainError("不能复用本办件中的材料，请选择以前办件中的材料。")
    if not source.pages:
        raise DomainError(f"办件 {source.case.local_number} 的“{source.name}”没有页面可复用，请重新拍摄。")
    start = len(material.pages)
    for i, old in enumerate(_ordered(source)):
        material.pages.append(
            Page(
                material_id=material.id,
                position=start + i,
                sha256=old.sha256,
                size=old.size,
                width=old.width,
                height=old.height,
                format=old.format,
                rotation=old.rotation,
                source="reuse",
                created_at=now,
            )
        )
    material.reused_from_case_id = source.case_id
    session.flush()
    _refresh_status(material, now)
    _record(
        session,
        actor,
        material,
        "material.reuse",
        after={
            "from_case": source.case.local_number,
            "from_material_id": source.id,
            "pages": len(source.pages),
        },
        now=now,
    )
    return _material_view(material, profile_for(DEFAULT_PROFILE_KEY))


def reusable_sets(session: Session, case_id: int, material_name: str) -> list[ReusableSet]:
    """Page sets of the same material in the applicant's earlier cases, newest first (voided cases skipped)."""
    case = session.get(Case, case_id)
    if case is None:
        raise DomainError(f"办件 {case_id} 不存在。")
    if case.applicant_id is None:
        return []
    rows = session.execute(
        select(CaseMaterial, Case.local_number)
        .join(Case, CaseMaterial.case_id == Case.id)
        .where(
            Case.applicant_id == case.applicant_id,
            Case.id != case.id,
            Case.state != CaseState.VOIDED.value,
            CaseMaterial.name == material_name.strip(),
        )
    ).all()
    sets = [ReusableSet(m.id, number, m.received_at, len(m.pages)) for m, number in rows if m.pages]
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(sets, key=lambda s: (s.received_at or oldest, s.material_id), reverse=True)
