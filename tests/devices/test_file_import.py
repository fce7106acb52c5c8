"""Importing page files (导入文件): Chinese paths, every page of PDFs and TIFFs, paper order, and
broken files reported by name without losing the pages of the good ones."""

from __future__ import annotations

import io
from pathlib import Path

import img2pdf
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image as PILImage

from app.imaging.io import encode_image
from devices.file_import import FILE_DIALOG_FILTER, ImportedPage, expand_paths, import_files, iter_pages

# Pages are told apart by their grey level, which JPEG, TIFF and PDF rendering all keep.
SIZE = (170, 120)  # height, width


def _page(level: int) -> NDArray[np.uint8]:
    return np.full((*SIZE, 3), level, dtype=np.uint8)


def _level(page: ImportedPage) -> int:
    # The centre only: a rendered PDF page may have a white margin from the A4 layout.
    h, w = page.image.shape[:2]
    return round(float(page.image[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3].mean()))


def _tiff(levels: list[int]) -> bytes:
    frames = [PILImage.fromarray(_page(level)[:, :, 0]) for level in levels]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def _pdf(levels: list[int]) -> bytes:
    pdf = img2pdf.convert([encode_image(_page(level), ".jpg") for level in levels])
    assert isinstance(pdf, bytes)
    return pdf


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "申请材料" / "张三 营业执照"
    root.mkdir(parents=True)
    return root


def test_files_in_the_given_order_with_every_page(folder: Path) -> None:
    photo = folder / "身份证 正面.jpg"
    photo.write_bytes(encode_image(_page(20), ".jpg"))
    pdf = folder / "营业执照 副本.pdf"
    pdf.write_bytes(_pdf([40, 60, 80]))
    tiff = folder / "户口簿.tif"
    tiff.write_bytes(_tiff([100, 120]))
    png = folder / "承诺书.png"
    png.write_bytes(encode_image(_page(140), ".png"))

    result = import_files([photo, pdf, tiff, png], dpi=50)

    assert result.failures == [] and result.message is None
    assert [_level(page) for page in result.pages] == [20, 40, 60, 80, 100, 120, 140]
    assert [(page.source.name, page.page_number, page.page_count) for page in result.pages][1:4] == [
        ("营业执照 副本.pdf", 1, 3),
        ("营业执照 副本.pdf", 2, 3),
        ("营业执照 副本.pdf", 3, 3),
    ]
    assert all(page.image.dtype == np.uint8 and page.image.shape[2] == 3 for page in result.pages)


def test_broken_files_are_named_and_good_pages_kept(folder: Path) -> None:
    good = folder / "第1页.jpg"
    good.write_bytes(encode_image(_page(30), ".jpg"))
    broken = folder / "损坏的扫描件.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    cut_pdf = folder / "传了一半.pdf"
    cut_pdf.write_bytes(_pdf([50, 70])[:200])
    word = folder / "说明.docx"
    word.write_bytes(b"PK\x03\x04 a word document")
    also_good = folder / "第2页.png"
    also_good.write_bytes(encode_image(_page(90), ".png"))

    result = import_files([good, broken, cut_pdf, word, also_good], dpi=50)

    assert [_level(page) for page in result.pages] == [30, 90]
    assert [failure.source for failure in result.failures] == [broken, cut_pdf, word]
    assert "损坏的扫描件.jpg" in result.failures[0].message
    assert "传了一半.pdf" in result.failures[1].message
    assert "只能导入 JPEG、PNG、TIFF 图片或 PDF 文件" in result.failures[2].message
    message = result.message
    assert message is not None
    assert "“损坏的扫描件.jpg”" in message and "未能导入" in message and "2 页已导入" in message


def test_one_failure_shows_its_own_message_and_missing_files_are_reported(folder: Path) -> None:
    result = import_files([folder / "已删除.jpg"])
    assert result.pages == []
    assert result.message is not None
    assert "找不到文件“已删除.jpg”" in result.message and "没有导入任何页面" in result.message


def test_a_dropped_folder_gives_its_files_in_natural_order(folder: Path) -> None:
    for number, level in ((10, 200), (2, 40), (1, 20)):
        (folder / f"第{number}页.png").write_bytes(encode_image(_page(level), ".png"))
    (folder / ".缩略图.png").write_bytes(encode_image(_page(255), ".png"))
    (folder / "备注.txt").write_text("不是图片", encoding="utf-8")

    assert [path.name for path in expand_paths([folder])] == ["第1页.png", "第2页.png", "第10页.png"]
    pages = [item for item in iter_pages([folder]) if isinstance(item, ImportedPage)]
    assert [_level(page) for page in pages] == [20, 40, 200]


def test_file_dialog_filter_lists_the_supported_types() -> None:
    assert FILE_DIALOG_FILTER.startswith("图片和 PDF 文件 (")
    for pattern in ("*.jpg", "*.jpeg", "*.png", "*.tif", "*.tiff", "*.pdf"):
        assert pattern in FILE_DIALOG_FILTER
