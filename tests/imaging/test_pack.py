"""Case packages: one folder per project, a zip (or folder, or document) per material category, pages in order."""

from __future__ import annotations

import dataclasses
import functools
import io
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pypdfium2
import pytest
from numpy.typing import NDArray

from app.errors import ValidationError
from app.imaging.io import write_bytes, write_image
from app.imaging.output import fit_page, jpeg_info, pages_to_pdf
from app.imaging.pack import build_package, case_folders, category_name, natural_key, pack_case, safe_name
from app.imaging.profiles import PROFILES
from tests.imaging import synth

JPG_90K = PROFILES["jpg-90k"]
PROJECT = "当阳市玉阳街道长坂路1号楼工程"


@functools.cache
def page(seed: int, seal: bool = True) -> NDArray[np.uint8]:
    """A distinct A4 page per seed (the seed also moves a mark, so no two pages look alike)."""
    doc = synth.a4_document(seed % 3, seal=seal, width=1240)
    cv2.putText(doc, f"P{seed}", (100 + 40 * seed, 1650), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (0, 0, 0), 4)
    return doc


def fitted(seed: int, profile: object = JPG_90K) -> bytes:
    assert isinstance(profile, type(JPG_90K))
    return fit_page(page(seed), profile).data


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.namelist()


def test_pages_go_into_one_project_folder_with_a_zip_per_category_in_paper_order() -> None:
    package = build_package(
        [("身份证", [page(1), page(2)]), ("营业执照", [page(3)])], JPG_90K, project=PROJECT
    )
    assert names(package.data) == [f"{PROJECT}/", f"{PROJECT}/01_身份证.zip", f"{PROJECT}/02_营业执照.zip"]
    outer = entries(package.data)
    ids = outer[f"{PROJECT}/01_身份证.zip"]
    assert names(ids) == ["01_身份证_001.jpg", "01_身份证_002.jpg"]
    assert list(entries(ids).values()) == [fitted(1), fitted(2)]  # each page in its place, as fitted
    assert list(entries(outer[f"{PROJECT}/02_营业执照.zip"]).values()) == [fitted(3)]
    assert all(len(d) <= 90_000 for d in [*entries(ids).values()])
    assert [(c.number, c.name, len(c.pages)) for c in package.categories] == [
        (1, "身份证", 2),
        (2, "营业执照", 1),
    ]


def _write_case(root: Path) -> Path:
    case = root / PROJECT
    write_image(case / "1_施工" / "2.png", page(2))
    write_image(case / "1_施工" / "10.png", page(3))
    write_image(case / "1_施工" / "1.png", page(1))
    write_bytes(case / "1_施工" / "Thumbs.db", b"windows thumbnail cache")
    write_bytes(
        case / "2_安全" / "检查表.pdf",
        pages_to_pdf([fitted(4, PROFILES["pdf-a4"]), fitted(5, PROFILES["pdf-a4"])]),
    )
    write_image(case / "10_散墙资料" / "封面.jpg", page(6), jpeg_quality=92)
    write_bytes(case / ".DS_Store", b"mac")
    return case


def test_a_case_folder_packs_its_category_folders_in_natural_order(tmp_path: Path) -> None:
    case = _write_case(tmp_path)
    assert [(name, [f.name for f in files]) for name, files in case_folders(case)] == [
        ("施工", ["1.png", "2.png", "10.png"]),
        ("安全", ["检查表.pdf"]),
        ("散墙资料", ["封面.jpg"]),
    ]
    data = pack_case(case, JPG_90K)
    assert names(data) == [
        f"{PROJECT}/",
        f"{PROJECT}/01_施工.zip",
        f"{PROJECT}/02_安全.zip",
        f"{PROJECT}/03_散墙资料.zip",
    ]
    outer = entries(data)
    build = entries(outer[f"{PROJECT}/01_施工.zip"])
    assert list(build) == ["01_施工_001.jpg", "01_施工_002.jpg", "01_施工_003.jpg"]
    assert list(build.values()) == [fitted(1), fitted(2), fitted(3)]  # 1.png, 2.png, 10.png (PNG is lossless)
    safety = entries(outer[f"{PROJECT}/02_安全.zip"])
    assert list(safety) == ["02_安全_001.jpg", "02_安全_002.jpg"]  # both pages of the PDF
    for jpeg in [*build.values(), *safety.values(), *entries(outer[f"{PROJECT}/03_散墙资料.zip"]).values()]:
        info = jpeg_info(jpeg)
        assert len(jpeg) <= 90_000 and (info.width, info.height) == (1131, 1600)


def test_the_folder_grouping_puts_pages_in_a_folder_per_category() -> None:
    profile = dataclasses.replace(JPG_90K, grouping="folder")
    data = pack_case([("身份证", [page(1), page(2)])], profile, project="张三")
    assert names(data) == ["张三/", "张三/01_身份证/01_身份证_001.jpg", "张三/01_身份证/01_身份证_002.jpg"]
    assert entries(data)["张三/01_身份证/01_身份证_002.jpg"] == fitted(2)


def test_pdf_and_ofd_profiles_make_one_document_per_category() -> None:
    case = [("身份证", [page(1), page(2)]), ("户口簿", [page(3)])]
    pdf = entries(pack_case(case, PROFILES["pdf-a4"], project="P"))
    assert list(pdf) == ["P/", "P/01_身份证.pdf", "P/02_户口簿.pdf"]
    doc = pypdfium2.PdfDocument(pdf["P/01_身份证.pdf"])
    try:
        assert len(doc) == 2
    finally:
        doc.close()
    assert fitted(1, PROFILES["pdf-a4"]) in pdf["P/01_身份证.pdf"]
    ofd = entries(pack_case(case, PROFILES["ofd-a4"], project="P"))
    assert list(ofd) == ["P/", "P/01_身份证.ofd", "P/02_户口簿.ofd"]
    inside = names(ofd["P/01_身份证.ofd"])
    assert "OFD.xml" in inside and sum(n.endswith("Content.xml") for n in inside) == 2


def test_a_baseline_jpeg_that_fits_is_kept_byte_for_byte_and_others_are_refitted() -> None:
    ready = fitted(1)
    big = cv2.imencode(".jpg", cv2.resize(page(2), (2480, 3508)), [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    assert len(big) > 90_000
    small = cv2.resize(page(3), (1131, 1600), interpolation=cv2.INTER_AREA)
    progressive = cv2.imencode(
        ".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 20, cv2.IMWRITE_JPEG_PROGRESSIVE, 1]
    )[1]
    assert len(progressive) <= 90_000 and not jpeg_info(progressive.tobytes()).baseline
    sources = [ready, big, progressive.tobytes()]
    pages = entries(entries(pack_case([("材料", sources)], JPG_90K, project="P"))["P/01_材料.zip"])
    first, second, third = pages.values()
    assert first == ready
    assert len(second) <= 90_000 and jpeg_info(second)[:2] == (1131, 1600)
    assert jpeg_info(third).baseline  # a progressive file is re-encoded as baseline


def test_every_failing_page_is_listed_and_no_package_is_made(tmp_path: Path) -> None:
    case = _write_case(tmp_path)
    write_image(case / "1_施工" / "11.png", np.full((300, 400, 3), 255, np.uint8))
    write_bytes(case / "2_安全" / "坏文件.jpg", b"not an image at all")
    with pytest.raises(ValidationError) as info:
        pack_case(case, JPG_90K)
    message = str(info.value)
    assert message.startswith("有 2 处页面不符合")
    assert "“施工”第 4 页（11.png）：图像只有 400×300 像素" in message
    assert "“安全”第 1 页（坏文件.jpg）：无法识别“坏文件.jpg”" in message  # 坏 sorts before 检
    assert "。；" not in message and "。。" not in message
    assert "未生成压缩包" in message


@pytest.mark.parametrize(
    ("arrange", "message"),
    [
        (lambda case: write_bytes(case / "说明.jpg", b"x"), "有不在类别文件夹中的文件：说明.jpg"),
        (lambda case: (case / "3_监督").mkdir(), "类别文件夹“3_监督”是空的"),
        (lambda case: write_bytes(case / "2_安全" / "说明.docx", b"x"), "不能打包的内容：说明.docx"),
    ],
)
def test_a_case_folder_in_the_wrong_shape_is_explained(tmp_path: Path, arrange: object, message: str) -> None:
    case = _write_case(tmp_path)
    assert callable(arrange)
    arrange(case)
    with pytest.raises(ValidationError, match=message):
        pack_case(case, JPG_90K)


def test_missing_or_empty_cases_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="找不到材料文件夹"):
        pack_case(tmp_path / "没有", JPG_90K)
    (tmp_path / "空").mkdir()
    with pytest.raises(ValidationError, match="没有类别子文件夹"):
        pack_case(tmp_path / "空", JPG_90K)
    with pytest.raises(ValidationError, match="没有可以打包的材料"):
        pack_case([], JPG_90K)
    with pytest.raises(ValidationError, match="“身份证”没有页面"):
        pack_case([("身份证", [])], JPG_90K)


def test_names_are_ordered_naturally_and_made_safe_for_windows() -> None:
    assert sorted(["10.jpg", "2.jpg", "1.jpg", "b.jpg", "A.jpg"], key=natural_key) == [
        "1.jpg", "2.jpg", "10.jpg", "A.jpg", "b.jpg",
    ]  # fmt: skip
    assert [category_name(n) for n in ("01_施工", "3、安全资料", "2 - 监督", "施工", "2024")] == [
        "施工", "安全资料", "监督", "施工", "2024",
    ]  # fmt: skip
    assert safe_name('甲/乙:丙*?"<>|') == "甲_乙_丙______"
    assert names(pack_case([("a/b", [fitted(1)])], JPG_90K, project="../x"))[:2] == ["_x/", "_x/01_a_b.zip"]
