"""Ops for the materials panel: the case's checklist with page thumbnails, and every page change.

Capturing (camera, scanner) lives in :mod:`ui.counter.capture`; here are the short DB writes it
ends with and every other edit. Thumbnails are decoded
into QImages inside the load op (QImage, unlike QPixmap, may be built off the UI thread), and
only for pages the panel has not seen yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QImage

from app.context import AppContext
from app.imaging.profiles import DEFAULT_PROFILE_KEY
from app.services import materials
from app.services.actor import Actor
from app.services.materials import MaterialView, PageView, ReusableSet
from ui.ops import Changes, Op

THUMBNAIL_HEIGHT = 120
MATERIAL_CHANGES = Changes(cases=True)


def thumbnail_key(page: PageView) -> str:
    """Pages with the same bytes share a thumbnail (a rotation makes new bytes, so a new key)."""
    return page.sha256


def decode_thumbnail(data: bytes, height: int = THUMBNAIL_HEIGHT) -> QImage | None:
    """A small QImage of an image page; None for bytes Qt cannot decode (a PDF page)."""
    image = QImage.fromData(data)
    if image.isNull():
        return None
    return image.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation)


@dataclass(frozen=True)
class CaseMaterials:
    """A case's checklist and the thumbnails decoded for it (by :func:`thumbnail_key`)."""

    case_id: int
    materials: tuple[MaterialView, ...]
    thumbnails: dict[str, QImage | None] = field(default_factory=dict)


@dataclass(frozen=True)
class MaterialChange:
    """Something about a case's materials changed; the panel reloads the checklist."""

    case_id: int
    pages_added: int = 0
    changes: Changes = field(default=MATERIAL_CHANGES)


def load_case_materials(
    ctx: AppContext, case_id: int, known: Collection[str] = (), *, profile_key: str = DEFAULT_PROFILE_KEY
) -> Op[CaseMaterials]:
    """The checklist with each page's verdict; thumbnails for pages not in ``known``."""
    seen = set(known)

    def run() -> CaseMaterials:
        thumbnails: dict[str, QImage | None] = {}
        with ctx.db.session() as session:
            views = materials.case_materials(session, case_id, profile_key=profile_key)
            for view in views:
                for page in view.pages:
                    key = thumbnail_key(page)
                    if key in seen or key in thumbnails:
                        continue
                    if page.format == "pdf":
                        thumbnails[key] = None
                        continue
                    thumbnails[key] = decode_thumbnail(materials.page_image(session, ctx.blobs, page.id))
        return CaseMaterials(case_id, tuple(views), thumbnails)

    return Op(run=run, name="load_case_materials")


# --- storing captured pages ----------------------------------------------------------------------


def store_page(
    ctx: AppContext,
    actor: Actor,
    case_id: int,
    material_id: int,
    data: bytes,
    *,
    source: str,
    profile_key: str = DEFAULT_PROFILE_KEY,
) -> Op[MaterialChange]:
    def run() -> MaterialChange:
        with ctx.db.session() as session:
            materials.add_page(
                session, ctx.blobs, actor, material_id, data, source=source, profile_key=profile_key
            )
        return MaterialChange(case_id, pages_added=1)

    return Op(run=run, name="store_page")


def replace_page(
    ctx: AppContext,
    actor: Actor,
    case_id: int,
    page_id: int,
    data: bytes,
    *,
    profile_key: str = DEFAULT_PROFILE_KEY,
) -> Op[MaterialChange]:
    """重拍: a new image for an existing page, same position."""

    def run() -> MaterialChange:
        with ctx.db.session() as session:
            materials.retake_page(session, ctx.blobs, actor, page_id, data, profile_key=profile_key)
        return MaterialChange(case_id)

    return Op(run=run, name="replace_page")


def import_files(
    ctx: AppContext,
    actor: Actor,
    case_id: int,
    material_id: int,
    paths: Sequence[Path],
    *,
    profile_key: str = DEFAULT_PROFILE_KEY,
) -> Op[MaterialChange]:
    """导入文件: JPG/PNG (fitted to the profile when they fail it) and PDF files, in the order given."""
    files = list(paths)

    def run() -> MaterialChange:
        added = 0
        with ctx.db.session() as session:
            for path in files:
                added += len(
                    materials.import_file(
                        session, ctx.blobs, actor, material_id, path, profile_key=profile_key
                    )
                )
        return MaterialChange(case_id, pages_added=added)

    return Op(run=run, name="import_files").with_progress(
        QCoreApplication.translate("MaterialOps", "正在导入文件…")
    )


# --- page and material edits ---------------------------------------------------------------------


def move_page(ctx: AppContext, actor: Actor, case_id: int, page_id: int, position: int) -> Op[MaterialChange]:
    def run() -> MaterialChange:
        with ctx.db.session() as session:
            materials.move_page(session, actor, page_id, position)
        return MaterialChange(case_id)

    return Op(run=run, name="move_page")


def rotate_page(
    ctx: AppContext, actor: Actor, case_id: int, page_id: int, quarter_turns: int = 1
) -> Op[MaterialChange]:
    def run() -> MaterialChange:
        with ctx.db.session() as session:
            materials.rotate_page(session, ctx.blobs, actor, page_id, quarter_turns)
        return MaterialChange(case_id)

    return Op(run=run, name="rotate_page").with_progress(
        QCoreApplication.translate("MaterialOps", "正在旋转…")
    )


def delete_page(ctx: AppContext, actor: Actor, case_id: int, page_id: int) -> Op[MaterialChange]:
    def run() -> MaterialChange:
        with ctx.db.session() as session:
            materials.delete_page(session, actor, page_id)
        return MaterialChange(case_id)

    return Op(run=run, name="delete_page")


def set_original_seen(
    ctx: AppContext, actor: Actor, case_id: int, material_id: int, seen: bool
) -> Op[MaterialChange]:
    def run() -> MaterialChange:
        with ctx.db.session() as session:
            materials.set_original_seen(session, actor, material_id, seen)
        return MaterialChange(case_id)

    return Op(run=run, name="set_original_seen")


def defer_material(
    ctx: AppContext, actor: Actor, case_id: int, material_id: int, *, due: dt.date, commitment: str
) -> Op[MaterialChange]:
    """容缺: the applicant promises in writing to bring the material by ``due``."""

    def run() -> MaterialChange:
        with ctx.db.session() as session:
            materials.defer_material(session, actor, material_id, due=due, commitment=commitment)
        return MaterialChange(case_id)

    return Op(run=run, name="defer_material")


def find_reusable(ctx: AppContext, case_id: int, material_name: str) -> Op[list[ReusableSet]]:
    def run() -> list[ReusableSet]:
        with ctx.db.session() as session:
            return materials.reusable_sets(session, case_id, material_name)

    return Op(run=run, name="find_reusable")


def reuse_pages(
    ctx: AppContext, actor: Actor, case_id: int, material_id: int, from_material_id: int
) -> Op[MaterialChange]:
    """复用: the pages of the same material from an earlier case of this applicant."""

    def run() -> MaterialChange:
        with ctx.db.session() as session:
            materials.reuse_pages(session, actor, material_id, from_material_id)
        return MaterialChange(case_id)

    return Op(run=run, name="reuse_pages")
