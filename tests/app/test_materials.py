"""Case materials and pages on both databases: capture, order, rotate, delete, 容缺, reuse, verdicts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy import select

from app.case_states import CaseAction
from app.errors import ConfigError, DomainError, StorageError, ValidationError
from app.model import AuditEvent, CaseMaterial, MaterialRequirement, Role, ServiceItem, Station
from app.services.actor import Actor
from app.services.applicants import CardFields, applicant_from_card, applicant_typed
from app.services.case_flow import open_case, transition
from app.services.materials import (
    MaterialView,
    add_page,
    case_materials,
    defer_material,
    delete_page,
    import_file,
    missing_required,
    move_page,
    page_image,
    retake_page,
    reusable_sets,
    reuse_pages,
    rotate_page,
    set_original_seen,
)
from app.storage.blobs import BlobStore
from app.storage.crypto import FieldCipher
from app.storage.db import Database
from app.validation import make_id_number

CLERK = Actor(username="wang", role=Role.CLERK)
ID_A = make_id_number("110101", dt.date(1968, 3, 12), 61, "男")
ID_B = make_id_number("522601", dt.date(1990, 11, 3), 17, "女")
NOW = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)  # 10:00 Beijing time
LATER = NOW + dt.timedelta(hours=1)


def page_jpeg(label: int, width: int = 1131, height: int = 1600, quality: int = 60) -> bytes:
    """A white page with black text lines; ``label`` draws a different number of lines."""
    page = np.full((height, width, 3), 245, dtype=np.uint8)
    for i in range(5 + label):
        y = 100 + i * 40
        cv2.rectangle(page, (80, y), (width - 80 - 30 * (i % 5), y + 18), (20, 20, 20), thickness=-1)
    ok, buf = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return bytes(buf.tobytes())


def noisy_jpeg() -> bytes:
    """A 1600×1200 photo of pure noise at high quality: far over 90 KB."""
    noise = np.random.default_rng(2).integers(0, 256, (1200, 1600, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", noise, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return bytes(buf.tobytes())


def _decoded(data: bytes) -> NDArray[np.uint8]:
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


@pytest.fixture
def blobs(tmp_path: Path, cipher: FieldCipher) -> BlobStore:
    return BlobStore(tmp_path / "blobs", cipher)


@pytest.fixture
def catalog(db: Database) -> Database:
    with db.session() as s:
        s.add(Station(code="ST001", name="测试站"))
        item = ServiceItem(
            basic_code="0000000101",
            impl_code="IMPL-A",
            name="临时救助",
            item_type_code="01",
            department="示范县民政局",
            implementing_body="示范县民政局",
            implementing_body_code="11341122MB0000001X",
            promised_limit=5,
        )
        for pos, (name, necessity) in enumerate(
            [("申请人身份证", "1"), ("困难情况说明", "1"), ("收入证明", "3"), ("病历", "2")]
        ):
            item.materials.append(MaterialRequirement(position=pos, name=name, necessity=necessity))
        s.add(item)
    return db


def _card(id_number: str, name: str, birth: dt.date, gender: str) -> CardFields:
    return CardFields(name, gender, "汉", birth, "示例县示例路1号", id_number)


def _new_case(db: Database, id_number: str = ID_A) -> int:
    with db.session() as s:
        if id_number == ID_A:
            applicant = applicant_from_card(s, CLERK, _card(ID_A, "王建国", dt.date(1968, 3, 12), "男"))
        else:
            applicant = applicant_typed(s, CLERK, name="李秀英", id_number=id_number)
        return open_case(
            s, CLERK, station_code="ST001", item_impl_code="IMPL-A", applicant_id=applicant.id, now=NOW
        ).id


def _materials(db: Database, case_id: int) -> dict[str, MaterialView]:
    with db.session() as s:
        return {m.name: m for m in case_materials(s, case_id)}


def _case_events(db: Database) -> list[AuditEvent]:
    with db.session() as s:
        return list(
            s.execute(
                select(AuditEvent).where(AuditEvent.entity == "case").order_by(AuditEvent.seq)
            ).scalars()
        )


def test_first_page_makes_a_material_received_with_a_verdict_and_an_audit_event(
    catalog: Database, blobs: BlobStore
) -> None:
    case_id = _new_case(catalog)
    before = _materials(catalog, case_id)["申请人身份证"]
    assert (before.status, before.status_label, before.satisfied) == ("missing", "未收", False)
    data = page_jpeg(1)
    with catalog.session() as s:
        page = add_page(s, blobs, CLERK, before.id, data, now=LATER)
    assert (page.position, page.width, page.height, page.format, page.size) == (
        0,
        1131,
        1600,
        "jpeg",
        len(data),
    )
    assert page.verdict.ok and page.verdict.message.startswith("合格：1131×1600，")
    after = _materials(catalog, case_id)["申请人身份证"]
    assert (after.status, after.status_label, after.satisfied) == ("received", "已收", True)
    assert after.pages == (page,)
    with catalog.session() as s:
        assert page_image(s, blobs, page.id) == data
        material = s.get(CaseMaterial, before.id)
        assert material is not None and material.received_at == LATER
    with catalog.session() as s:  # a second page leaves the receipt time alone
        add_page(s, blobs, CLERK, before.id, page_jpeg(2), now=LATER + dt.timedelta(minutes=5))
        material = s.get(CaseMaterial, before.id)
        assert material is not None and material.received_at == LATER
    event = _case_events(catalog)[-1]
    assert event.action == "page.add"
    assert event.after is not None and event.after["material"] == "申请人身份证"
    assert event.after["sha256"] == blobs.put(page_jpeg(2)).sha256
    dump = json.dumps([[e.before, e.after] for e in _case_events(catalog)], ensure_ascii=False)
    assert ID_A not in dump and "王建国" not in dump


def test_pages_that_break_the_profile_get_a_chinese_verdict(catalog: Database, blobs: BlobStore) -> None:
    case_id = _new_case(catalog)
    material_id = _materials(catalog, case_id)["病历"].id
    ok, png = cv2.imencode(".png", np.full((600, 500, 3), 255, dtype=np.uint8))
    assert ok
    with catalog.session() as s:
        small = add_page(s, blobs, CLERK, material_id, bytes(png.tobytes()))
        heavy = add_page(s, blobs, CLERK, material_id, noisy_jpeg())
        pdf = add_page(s, blobs, CLERK, material_id, b"%PDF-1.4\n% test\n%%EOF\n", source="import")
    assert not small.verdict.ok
    assert small.verdict.message.startswith("格式不符：PNG，应为 JPEG")
    assert "像素不足：500×600，至少 480×640" in small.verdict.message
    assert heavy.width == 1600 and not heavy.verdict.ok and heavy.verdict.message.startswith("过大：")
    assert (pdf.format, pdf.width, pdf.height) == ("pdf", 0, 0)
    with catalog.session() as s:
        pdf_view = case_materials(s, case_id, profile_key="a4_pdf")[3].pages[2]
    assert pdf_view.verdict.ok and pdf_view.verdict.message.startswith("合格：PDF")
    with catalog.session() as s, pytest.raises(ConfigError, match="未知的输出规格"):
        case_materials(s, case_id, profile_key="nope")


def test_bytes_that_are_no_image_are_refused_in_chinese(catalog: Database, blobs: BlobStore) -> None:
    material_id = _materials(catalog, _new_case(catalog))["病历"].id
    with catalog.session() as s, pytest.raises(ValidationError, match="不支持的文件格式"):
        add_page(s, blobs, CLERK, material_id, b"GIF89a....")
    with catalog.session() as s, pytest.raises(ValidationError, match="文件已损坏或不是图片"):
        add_page(s, blobs, CLERK, material_id, b"\xff\xd8\xff\xe0 broken jpeg")
    with catalog.session() as s, pytest.raises(ValidationError, match="内容为空"):
        add_page(s, blobs, CLERK, material_id, b"")
    assert list(blobs) == []


def _add_three(db: Database, blobs: BlobStore, material_id: int) -> list[int]:
    with db.session() as s:
        return [add_page(s, blobs, CLERK, material_id, page_jpeg(i)).id for i in range(3)]


def _order(db: Database, case_id: int, name: str) -> list[tuple[int, int]]:
    return [(p.position, p.id) for p in _materials(db, case_id)[name].pages]


def test_reorder_keeps_positions_contiguous(catalog: Database, blobs: BlobStore) -> None:
    case_id = _new_case(catalog)
    material_id = _materials(catalog, case_id)["困难情况说明"].id
    a, b, c = _add_three(catalog, blobs, material_id)
    with catalog.session() as s:
        move_page(s, CLERK, c, 0)
    assert _order(catalog, case_id, "困难情况说明") == [(0, c), (1, a), (2, b)]
    with catalog.session() as s:
        move_page(s, CLERK, c, 99)  # beyond the end: goes last
    assert _order(catalog, case_id, "困难情况说明") == [(0, a), (1, b), (2, c)]
    with catalog.session() as s:
        move_page(s, CLERK, a, 1)
    assert _order(catalog, case_id, "困难情况说明") == [(0, b), (1, a), (2, c)]
    assert [e.action for e in _case_events(catalog)][-3:] == ["page.move"] * 3


def test_delete_closes_the_gap_and_the_last_delete_makes_the_material_missing_again(
    catalog: Database, blobs: BlobStore
) -> None:
    case_id = _new_case(catalog)
    material_id = _materials(catalog, case_id)["困难情况说明"].id
    a, b, c = _add_three(catalog, blobs, material_id)
    with catalog.session() as s:
        sha_b = case_materials(s, case_id)[1].pages[1].sha256
        delete_page(s, CLERK, b)
    assert _order(catalog, case_id, "困难情况说明") == [(0, a), (1, c)]
    assert blobs.exists(sha_b)  # kept: another case may have reused it
    with catalog.session() as s:
        delete_page(s, CLERK, a)
        delete_page(s, CLERK, c)
    after = _materials(catalog, case_id)["困难情况说明"]
    assert (after.status, after.satisfied, after.pages) == ("missing", False, ())
    with catalog.session() as s:
        material = s.get(CaseMaterial, material_id)
        assert material is not None and material.received_at is None
    with catalog.session() as s, pytest.raises(DomainError, match=r"材料页 \d+ 不存在"):
        delete_page(s, CLERK, a)


def test_rotation_makes_a_new_blob_keeps_the_old_and_stays_within_budget(
    catalog: Database, blobs: BlobStore
) -> None:
    case_id = _new_case(catalog)
    material_id = _materials(catalog, case_id)["困难情况说明"].id
    a, b, _ = _add_three(catalog, blobs, material_id)
    with catalog.session() as s:
        old_sha = case_materials(s, case_id)[1].pages[1].sha256
        turned = rotate_page(s, blobs, CLERK, b, 1)
    assert (turned.width, turned.height, turned.rotation) == (1600, 1131, 90)
    assert turned.sha256 != old_sha and blobs.exists(old_sha)
    assert turned.verdict.ok and turned.size <= 90_000
    with catalog.session() as s:
        image = _decoded(page_image(s, blobs, b))
        back = rotate_page(s, blobs, CLERK, b, -1)
    # Clockwise: the text lines that ran across the top now run down the right-hand side.
    assert image.shape[:2] == (1131, 1600)
    assert image[:, -300:].mean() < image[:, :300].mean()
    assert (back.width, back.height, back.rotation) == (1131, 1600, 0)
    assert _order(catalog, case_id, "困难情况说明")[:2] == [(0, a), (1, b)]
    assert _case_events(catalog)[-1].action == "page.rotate"


def test_retake_replaces_the_image_in_place(catalog: Database, blobs: BlobStore) -> None:
    case_id = _new_case(catalog)
    material_id = _materials(catalog, case_id)["困难情况说明"].id
    a, b, c = _add_three(catalog, blobs, material_id)
    with catalog.session() as s:
        rotate_page(s, blobs, CLERK, b, 2)
        new = retake_page(s, blobs, CLERK, b, page_jpeg(7, 1200, 1600))
    assert (new.id, new.position, new.rotation, new.width) == (b, 1, 0, 1200)
    with catalog.session() as s:
        assert page_image(s, blobs, b) == page_jpeg(7, 1200, 1600)
    assert _order(catalog, case_id, "困难情况说明") == [(0, a), (1, b), (2, c)]


def test_defer_only_deferrable_materials_with_commitment_and_future_date(catalog: Database) -> None:
    case_id = _new_case(catalog)
    mats = _materials(catalog, case_id)
    due = dt.date(2026, 10, 20)
    with catalog.session() as s, pytest.raises(DomainError, match="不是容缺后补材料"):
        defer_material(s, CLERK, mats["困难情况说明"].id, due=due, commitment="下周补交", now=NOW)
    with catalog.session() as s, pytest.raises(ValidationError, match="请填写申请人的容缺承诺"):
        defer_material(s, CLERK, mats["收入证明"].id, due=due, commitment="  ", now=NOW)
    with catalog.session() as s, pytest.raises(ValidationError, match="应晚于今天"):
        defer_material(s, CLERK, mats["收入证明"].id, due=dt.date(2026, 9, 30), commitment="补交", now=NOW)
    with catalog.session() as s:
        view = defer_material(
            s, CLERK, mats["收入证明"].id, due=due, commitment="10月20日前补交收入证明", now=NOW
        )
    assert (view.status, view.status_label, view.satisfied, view.deferred_due) == (
        "deferred",
        "容缺后补",
        True,
        due,
    )
    assert view.deferred_commitment == "10月20日前补交收入证明"


def test_missing_required_lists_what_blocks_acceptance(catalog: Database, blobs: BlobStore) -> None:
    case_id = _new_case(catalog)
    mats = _materials(catalog, case_id)
    with catalog.session() as s:
        assert [m.name for m in missing_required(s, case_id)] == ["申请人身份证", "困难情况说明", "收入证明"]
        add_page(s, blobs, CLERK, mats["申请人身份证"].id, page_jpeg(0))
        add_page(s, blobs, CLERK, mats["困难情况说明"].id, page_jpeg(1))
        assert [m.name for m in missing_required(s, case_id)] == ["收入证明"]
        defer_material(
            s, CLERK, mats["收入证明"].id, due=dt.date(2026, 10, 20), commitment="按期补交", now=NOW
        )
        assert missing_required(s, case_id) == []  # 病历 is optional


def test_reuse_pages_from_an_earlier_case_of_the_same_applicant(catalog: Database, blobs: BlobStore) -> None:
    first = _new_case(catalog)
    earlier = _materials(catalog, first)["申请人身份证"]
    with catalog.session() as s:
        pages = [add_page(s, blobs, CLERK, earlier.id, page_jpeg(i), now=NOW).id for i in range(2)]
        rotate_page(s, blobs, CLERK, pages[1], 1)
    second = _new_case(catalog)
    target = _materials(catalog, second)["申请人身份证"]
    with catalog.session() as s:
        sets = reusable_sets(s, second, "申请人身份证")
        assert [(x.material_id, x.page_count, x.received_at) for x in sets] == [(earlier.id, 2, NOW)]
        assert sets[0].local_number.endswith("-0001")
        assert reusable_sets(s, second, "病历") == []  # nothing captured there
        view = reuse_pages(s, CLERK, target.id, earlier.id, now=LATER)
    assert (view.status, view.status_label, view.satisfied) == ("reused", "复用", True)
    old = _materials(catalog, first)["申请人身份证"].pages
    assert [(p.position, p.sha256, p.rotation) for p in view.pages] == [
        (p.position, p.sha256, p.rotation) for p in old
    ]
    with catalog.session() as s:  # the earlier case still owns its pages
        assert page_image(s, blobs, pages[0]) == page_jpeg(0)
    event = _case_events(catalog)[-1]
    assert event.action == "material.reuse" and event.after is not None and event.after["pages"] == 2


def test_reuse_is_refused_across_different_applicants(catalog: Database, blobs: BlobStore) -> None:
    first = _new_case(catalog, ID_A)
    earlier = _materials(catalog, first)["申请人身份证"]
    with catalog.session() as s:
        add_page(s, blobs, CLERK, earlier.id, page_jpeg(0))
    other = _new_case(catalog, ID_B)
    target_id = _materials(catalog, other)["申请人身份证"].id
    with catalog.session() as s:
        assert reusable_sets(s, other, "申请人身份证") == []
        with pytest.raises(DomainError, match="只能复用同一申请人"):
            reuse_pages(s, CLERK, target_id, earlier.id)
    assert _materials(catalog, other)["申请人身份证"].pages == ()


def test_import_fits_a_large_png_and_keeps_a_pdf_as_one_page(
    catalog: Database, blobs: BlobStore, tmp_path: Path
) -> None:
    case_id = _new_case(catalog)
    material_id = _materials(catalog, case_id)["病历"].id
    rng = np.random.default_rng(5)
    scan = np.full((3508, 2480, 3), 250, dtype=np.uint8)
    for y in range(300, 3200, 70):
        cv2.rectangle(
            scan, (250, y), (250 + int(rng.integers(800, 2000)), y + 30), (10, 10, 10), thickness=-1
        )
    png_path = tmp_path / "病历 第1页.png"  # a Chinese file name, as clerks save them
    ok, buf = cv2.imencode(".png", scan)
    assert ok
    png_path.write_bytes(buf.tobytes())
    pdf_path = tmp_path / "门诊记录.pdf"
    pdf_path.write_bytes(b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n")
    with catalog.session() as s:
        [fitted] = import_file(s, blobs, CLERK, material_id, png_path)
        [pdf] = import_file(s, blobs, CLERK, material_id, pdf_path)
        with pytest.raises(StorageError, match=r"无法读取文件“missing\.png”"):
            import_file(s, blobs, CLERK, material_id, tmp_path / "missing.png")
    assert (fitted.format, fitted.width, fitted.height) == ("jpeg", 1131, 1600)
    assert fitted.verdict.ok and fitted.size <= 90_000
    assert (pdf.position, pdf.format) == (1, "pdf")


def test_materials_are_frozen_once_the_case_is_accepted(catalog: Database, blobs: BlobStore) -> None:
    case_id = _new_case(catalog)
    mats = _materials(catalog, case_id)
    with catalog.session() as s:
        first = add_page(s, blobs, CLERK, mats["申请人身份证"].id, page_jpeg(0))
        add_page(s, blobs, CLERK, mats["困难情况说明"].id, page_jpeg(1))
        seen = set_original_seen(s, CLERK, mats["申请人身份证"].id, True)
        defer_material(
            s, CLERK, mats["收入证明"].id, due=dt.date(2026, 10, 20), commitment="按期补交", now=NOW
        )
        transition(s, case_id, CaseAction.ACCEPT, CLERK, now=LATER)
    assert seen.original_seen
    with catalog.session() as s, pytest.raises(DomainError, match="办件状态为“已受理”，材料已不能修改"):
        add_page(s, blobs, CLERK, mats["病历"].id, page_jpeg(2))
    with catalog.session() as s, pytest.raises(DomainError, match="已不能修改"):
        delete_page(s, CLERK, first.id)
    assert len(_materials(catalog, case_id)["申请人身份证"].pages) == 1
