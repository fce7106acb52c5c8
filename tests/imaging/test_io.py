"""Reading and writing page files: Chinese paths, PDF and TIFF pages, alpha, EXIF, broken files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import cv2
import img2pdf
import numpy as np
import pytest
from PIL import Image as PILImage

from app.errors import StorageError, ValidationError
from app.imaging.io import encode_image, read_image, read_pages, write_bytes, write_image
from tests.imaging import synth


@pytest.fixture(scope="module")
def page() -> synth.Image:
    return synth.a4_document(1, width=620)


def _mean_abs(a: synth.Image, b: synth.Image) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_chinese_path_round_trip(tmp_path: Path, page: synth.Image) -> None:
    target = tmp_path / "材料" / "身份证 正面.jpg"
    write_image(target, page)  # the folder 材料 does not exist yet
    assert target.is_file()
    back = read_image(target)
    assert back.shape == page.shape
    assert _mean_abs(back, page) < 3.0  # JPEG at q95
    png = tmp_path / "材料" / "户口簿 第1页.png"
    write_image(png, page)
    assert np.array_equal(read_image(png), page)  # PNG is lossless
    assert sorted(p.name for p in (tmp_path / "材料").iterdir()) == ["户口簿 第1页.png", "身份证 正面.jpg"]


def test_write_bytes_replaces_whole_files_and_leaves_no_temporaries(tmp_path: Path) -> None:
    target = tmp_path / "输出" / "第1页.jpg"
    write_bytes(target, b"first version")
    write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["第1页.jpg"]


def test_write_into_a_file_instead_of_a_folder_says_what_to_check(tmp_path: Path) -> None:
    blocker = tmp_path / "材料"
    blocker.write_bytes(b"not a folder")
    with pytest.raises(StorageError, match="无法保存文件"):
        write_bytes(blocker / "a.jpg", b"data")


def test_pdf_pages_are_rendered_in_order(tmp_path: Path, page: synth.Image) -> None:
    second = synth.blank_page(width=620, page_number=2)
    jpegs = [encode_image(page, ".jpg"), encode_image(second, ".jpg")]
    layout = img2pdf.get_layout_fun((img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297)))
    pdf = img2pdf.convert(jpegs, layout_fun=layout)
    assert isinstance(pdf, bytes)
    path = tmp_path / "申请材料" / "营业执照 复印件.pdf"
    write_bytes(path, pdf)

    pages = read_pages(path, dpi=100)
    assert len(pages) == 2
    for rendered in pages:
        h, w = rendered.shape[:2]
        assert (w, h) == pytest.approx((827, 1169), abs=2)  # A4 at 100 dpi
        assert rendered.dtype == np.uint8 and rendered.shape[2] == 3
    first = np.asarray(
        cv2.resize(pages[0], (page.shape[1], page.shape[0]), interpolation=cv2.INTER_AREA), dtype=np.uint8
    )
    assert _mean_abs(first, page) < 8.0
    assert synth.red_mask(pages[0]).any()  # the seal is still red: BGR order is right
    assert not synth.red_mask(pages[1]).any()
    first_only = read_image(path)  # the first page, at 200 dpi by default
    assert first_only.shape == (2339, 1654, 3)
    assert synth.red_mask(first_only).any()


def test_a_pdf_with_a_wrong_suffix_still_opens(tmp_path: Path, page: synth.Image) -> None:
    pdf = img2pdf.convert([encode_image(page, ".jpg")])
    assert isinstance(pdf, bytes)
    path = tmp_path / "扫描件.jpg"
    path.write_bytes(pdf)
    assert len(read_pages(path, dpi=72)) == 1


def test_all_pages_of_a_tiff(tmp_path: Path, page: synth.Image) -> None:
    frames = [PILImage.fromarray(np.ascontiguousarray(p[:, :, ::-1])) for p in (page, page[::-1])]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    path = tmp_path / "多页.tif"
    path.write_bytes(buffer.getvalue())
    pages = read_pages(path)
    assert len(pages) == 2
    assert np.array_equal(pages[0], page) and np.array_equal(pages[1], page[::-1])


def test_transparent_png_lands_on_white_and_grey_becomes_bgr(tmp_path: Path) -> None:
    rgba = np.zeros((20, 30, 4), np.uint8)  # fully transparent black
    rgba[5:10, 5:10] = (0, 0, 255, 255)  # an opaque red square
    path = tmp_path / "透明.png"
    path.write_bytes(encode_image(rgba, ".png"))
    image = read_image(path)
    assert image.shape == (20, 30, 3)
    assert image[0, 0].tolist() == [255, 255, 255]
    assert image[7, 7].tolist() == [0, 0, 255]
    gray_path = tmp_path / "灰度.png"
    gray_path.write_bytes(encode_image(np.full((8, 9), 77, np.uint8), ".png"))
    assert read_image(gray_path).shape == (8, 9, 3)


def test_phone_photo_orientation_is_applied(tmp_path: Path) -> None:
    landscape = np.zeros((100, 200, 3), np.uint8)
    photo = PILImage.fromarray(landscape)
    exif = photo.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", exif=exif.tobytes())
    path = tmp_path / "手机拍照.jpg"
    path.write_bytes(buffer.getvalue())
    assert read_image(path).shape == (200, 100, 3)


def test_missing_and_broken_files_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=re.escape("找不到文件“不存在.jpg”")):
        read_image(tmp_path / "不存在.jpg")
    broken = tmp_path / "损坏.jpg"
    broken.write_bytes(b"\xff\xd8\xff garbage")
    with pytest.raises(ValidationError, match=re.escape("无法识别“损坏.jpg”")):
        read_image(broken)
    bad_pdf = tmp_path / "损坏.pdf"
    bad_pdf.write_bytes(b"%PDF-1.4\n broken")
    with pytest.raises(ValidationError, match="无法打开 PDF"):
        read_pages(bad_pdf)
    with pytest.raises(ValidationError, match="文件夹"):
        read_image(tmp_path)
