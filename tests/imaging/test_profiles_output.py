"""Output profiles as data and fitting pages into them: byte cap, pixel bounds, colour, DPI, PDF."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import cv2
import numpy as np
import pypdfium2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from app.errors import ConfigError, ValidationError
from app.imaging.output import (
    A4_PT,
    a4_dpi,
    fit_page,
    jpeg_info,
    pages_to_pdf,
    set_jfif_dpi,
)
from app.imaging.profiles import (
    BUILTIN_PROFILES_FILE,
    DEFAULT_PROFILE_KEY,
    PROFILES,
    check_page,
    fit_to_profile,
    load_profiles,
)
from tests.imaging import synth

JPG_90K = PROFILES["jpg-90k"]
LITERAL = PROFILES["jpg-90k-literal"]


def decode(data: bytes) -> NDArray[np.uint8]:
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


def exact_a4(width: int = 2100, *, seal: bool = True, seed: int = 0) -> NDArray[np.uint8]:
    """The synthetic form at exactly 210:297, so the expected pixel sizes are the textbook ones."""
    doc = synth.a4_document(seed, seal=seal, width=1240)
    return np.asarray(cv2.resize(doc, (width, round(width * 297 / 210)), interpolation=cv2.INTER_AREA))


# --- Profiles as data ---------------------------------------------------------------------------


def test_the_dangyang_rule_is_the_default_profile_jpg_90k() -> None:
    assert DEFAULT_PROFILE_KEY == "jpg-90k"
    p = JPG_90K
    assert (p.format, p.min_w, p.min_h, p.max_w, p.max_h, p.max_bytes) == (
        "jpeg",
        640,
        480,
        1600,
        1200,
        90_000,
    )
    assert p.grouping == "zip" and p.orientation_agnostic
    assert p.file_name(project="X", category_no=1, category="身份证", page_no=1) == "01_身份证_001.jpg"
    assert p.group_name(project="X", category_no=12, category="施工") == "12_施工"
    assert "当阳" in p.source


def test_built_in_profiles_include_pdf_and_ofd_and_old_keys_still_work() -> None:
    assert list(PROFILES) == [
        "jpg-90k",
        "jpg-90k-literal",
        "pdf-a4",
        "ofd-a4",
    ]  # aliases are not listed twice
    assert PROFILES["pdf-a4"].format == "pdf" and PROFILES["ofd-a4"].format == "ofd"
    assert PROFILES["platform_jpeg_90k"] is JPG_90K
    assert PROFILES["a4_pdf"] is PROFILES["pdf-a4"]
    assert PROFILES.get("nope") is None
    with pytest.raises(ConfigError, match="没有名为“nope”的输出规格，可用的有：jpg-90k、"):
        PROFILES.require("nope")


def test_a_configured_profile_file_sets_its_own_cap(tmp_path: Path) -> None:
    raw = json.loads(BUILTIN_PROFILES_FILE.read_text(encoding="utf-8"))
    custom = dict(raw["profiles"][0], key="jpg-90kib", aliases=[], max_bytes=92_160)
    path = tmp_path / "规格.json"
    path.write_text(json.dumps({"default": "jpg-90kib", "profiles": [custom]}, ensure_ascii=False), "utf-8")
    table, default = load_profiles(path)
    assert default == "jpg-90kib"
    assert table["jpg-90kib"].max_bytes == 92_160
    assert "92160 字节" in table["jpg-90kib"].summary()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"file_pattern": "{category}_{page}"}, "不认识的字段“{page}”"),
        ({"file_pattern": "{category.__class__}"}, "不认识的字段"),
        ({"group_pattern": "{category_no}/{category}"}, "不能用于文件名的字符"),
        ({"grouping": "file"}, "分组方式 file 只用于 PDF 或 OFD"),
        ({"min_px": [1700, 480]}, "像素范围 1700×480～1600×1200 无效"),
        ({"max_bytes": "90k"}, "max_bytes 应为整数字节数"),
        ({"colour": "color"}, "不认识的项：colour"),
    ],
)
def test_a_broken_profile_file_names_the_profile_and_the_problem(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    raw = json.loads(BUILTIN_PROFILES_FILE.read_text(encoding="utf-8"))
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"profiles": [dict(raw["profiles"][0], **change)]}), "utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_profiles(path)
    assert "jpg-90k" in str(info.value)


def test_an_unreadable_profile_file_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json", "utf-8")
    with pytest.raises(ConfigError, match="不是有效的 JSON"):
        load_profiles(bad)
    with pytest.raises(ConfigError, match="无法读取输出规格文件"):
        load_profiles(tmp_path / "missing.json")


# --- Orientation-agnostic bounds ----------------------------------------------------------------


def test_portrait_a4_is_1131_by_1600_when_orientation_agnostic_and_848_by_1200_when_literal() -> None:
    page = exact_a4()
    wide = fit_page(page, JPG_90K)
    assert (wide.width, wide.height) == (1131, 1600)
    assert decode(wide.data).shape[:2] == (1600, 1131)
    literal = fit_page(page, LITERAL)
    assert (literal.width, literal.height) == (848, 1200)
    assert decode(literal.data).shape[:2] == (1200, 848)
    # The same 1131×1600 page is fine under one reading and too tall under the other.
    assert check_page(1131, 1600, 80_000, "jpeg", JPG_90K).ok
    refused = check_page(1131, 1600, 80_000, "jpeg", LITERAL)
    assert not refused.ok and "像素过大：1131×1600，最大 1600×1200" in refused.message
    assert wide.verdict.ok and literal.verdict.ok


def test_landscape_pages_are_bounded_the_same_either_way() -> None:
    landscape = np.ascontiguousarray(np.rot90(exact_a4()))
    for profile in (JPG_90K, LITERAL):
        fitted = fit_page(landscape, profile)
        assert (fitted.width, fitted.height) == (1600, 1131)


# --- The byte cap, on generated page contents ------------------------------------------------------


@st.composite
def pages(draw: st.DrawFn) -> NDArray[np.uint8]:
    """A synthetic form (or pure noise) with random size, orientation, noise, shading and colour marks."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.integers(0, 5)) == 0:  # one in six: pure noise, the worst case for JPEG
        h, w = draw(st.integers(700, 1800)), draw(st.integers(700, 1800))
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    page = synth.a4_document(draw(st.integers(0, 2)), seal=draw(st.booleans()), width=1240).astype(np.float32)
    sigma = draw(st.floats(0.0, 25.0))
    page += rng.normal(0.0, sigma, page.shape).astype(np.float32)
    shade = draw(st.floats(0.0, 0.5))
    page *= np.linspace(1.0, 1.0 - shade, page.shape[1], dtype=np.float32)[None, :, None]
    for _ in range(draw(st.integers(0, 6))):
        x, y = int(rng.integers(0, 1100)), int(rng.integers(0, 1600))
        colour = tuple(float(c) for c in rng.integers(0, 256, 3))
        cv2.rectangle(
            page, (x, y), (x + int(rng.integers(20, 300)), y + int(rng.integers(20, 300))), colour, -1
        )
    out = np.clip(page, 0, 255).astype(np.uint8)
    scale = draw(st.floats(0.55, 1.6))
    out = np.asarray(cv2.resize(out, (round(1240 * scale), round(out.shape[0] * scale))))
    if draw(st.booleans()):
        out = np.ascontiguousarray(np.rot90(out))
    return out


@settings(max_examples=20)
@given(page=pages(), literal=st.booleans(), cap=st.sampled_from([90_000, 90_000, 40_000, 150_000]))
def test_a_fitted_page_is_never_over_the_cap_and_always_within_the_bounds(
    page: NDArray[np.uint8], literal: bool, cap: int
) -> None:
    profile = dataclasses.replace(LITERAL if literal else JPG_90K, max_bytes=cap)
    try:
        fitted = fit_page(page, profile)
    except ValidationError as exc:
        # The only acceptable failure: too detailed even at the minimum size, said in Chinese.
        assert "这页内容过于复杂" in str(exc) and "请在光线均匀处重拍" in str(exc)
        return
    assert len(fitted.data) == fitted.size <= cap
    image = decode(fitted.data)
    assert image.shape[:2] == (fitted.height, fitted.width)
    b = profile.bounds_for(fitted.width, fitted.height)
    assert b.min_w <= fitted.width <= b.max_w and b.min_h <= fitted.height <= b.max_h
    assert fitted.verdict.ok
    assert jpeg_info(fitted.data).dpi == (fitted.dpi, fitted.dpi)


def test_a_noise_page_that_cannot_fit_is_refused_with_a_clear_message_not_sent_over() -> None:
    noise = np.random.default_rng(5).integers(0, 256, (1200, 1600, 3), dtype=np.uint8)
    # Under 90 KB even noise fits once shrunk (and is never over); under a 10 KB cap it cannot.
    assert fit_page(noise, JPG_90K).size <= 90_000
    tight = dataclasses.replace(JPG_90K, max_bytes=10_000)
    with pytest.raises(ValidationError) as info:
        fit_page(noise, tight)
    message = str(info.value)
    assert "这页内容过于复杂，缩小到最小尺寸 640×480 后仍超过 10 KB" in message
    assert "请在光线均匀处重拍" in message


def test_the_quality_search_fills_the_budget_with_optimised_huffman_tables() -> None:
    fitted = fit_page(exact_a4(), JPG_90K)
    assert 80_000 < fitted.size <= 90_000  # the cap is used, not wasted on a blurry low quality
    # Without Huffman optimisation the same quality would not fit: the optimisation is on.
    plain = cv2.imencode(
        ".jpg",
        cv2.resize(exact_a4(), (1131, 1600), interpolation=cv2.INTER_AREA),
        [
            cv2.IMWRITE_JPEG_QUALITY,
            fitted.quality,
            cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
            cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
        ],
    )[1]
    assert len(plain) > fitted.size


def test_a_page_that_fits_at_top_quality_is_not_blown_up() -> None:
    small = np.full((700, 900, 3), 250, dtype=np.uint8)
    fitted = fit_page(small, JPG_90K)
    assert (fitted.width, fitted.height, fitted.quality) == (900, 700, 95)


def test_fit_to_profile_still_returns_the_bytes_of_fit_page() -> None:
    page = exact_a4(1240, seal=False)
    assert fit_to_profile(page, JPG_90K) == fit_page(page, JPG_90K).data


# --- Colour ---------------------------------------------------------------------------------------


def test_a_red_seal_keeps_the_page_in_colour_and_red() -> None:
    fitted = fit_page(synth.a4_document(0, seal=True), JPG_90K)
    assert fitted.colour
    image = decode(fitted.data)
    assert image.ndim == 3
    assert int(synth.red_mask(image).sum()) > 2000


def test_a_page_without_colour_goes_grey_and_the_pipeline_can_decide_instead() -> None:
    plain = synth.a4_document(0, seal=False)
    assert decode(fit_page(plain, JPG_90K).data).ndim == 2
    sealed = synth.a4_document(0, seal=True)
    assert decode(fit_page(sealed, JPG_90K, colour=False).data).ndim == 2
    grey_profile = dataclasses.replace(JPG_90K, color="gray")
    assert not fit_page(sealed, grey_profile).colour


# --- Pixel-size refusals --------------------------------------------------------------------------


def test_too_small_and_too_narrow_pages_are_refused_in_chinese() -> None:
    with pytest.raises(ValidationError, match="图像只有 600×800 像素，小于要求的 640×480"):
        fit_page(np.full((800, 600, 3), 255, np.uint8), LITERAL)
    with pytest.raises(ValidationError, match="过于细长"):
        fit_page(np.full((600, 5000, 3), 255, np.uint8), JPG_90K)


# --- DPI in the JFIF header -------------------------------------------------------------------------


def test_the_dpi_makes_the_page_measure_a4_and_a_fixed_dpi_is_written_as_is() -> None:
    fitted = fit_page(exact_a4(), JPG_90K)
    assert fitted.dpi == a4_dpi(1131, 1600) == 137
    assert jpeg_info(fitted.data).dpi == (137.0, 137.0)
    fixed = fit_page(exact_a4(), dataclasses.replace(JPG_90K, dpi=150))
    assert jpeg_info(fixed.data).dpi == (150.0, 150.0)


def test_set_jfif_dpi_patches_in_place_or_adds_a_header_without_touching_pixels() -> None:
    image = exact_a4(1240, seal=False)[:600, :800]
    data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()
    assert jpeg_info(data).dpi is None  # OpenCV writes no resolution
    patched = set_jfif_dpi(data, 200)
    assert len(patched) == len(data) and jpeg_info(patched).dpi == (200.0, 200.0)
    bare = data[:2] + data[20:]  # drop the 18-byte JFIF APP0 segment
    assert bare[2:4] != b"\xff\xe0"
    added = set_jfif_dpi(bare, 96)
    assert jpeg_info(added).dpi == (96.0, 96.0)
    assert np.array_equal(decode(added), decode(data))


def test_jpeg_info_refuses_what_is_not_a_jpeg() -> None:
    with pytest.raises(ValidationError, match="不是 JPEG"):
        jpeg_info(b"\x89PNG\r\n")
    good = cv2.imencode(".jpg", np.zeros((50, 60), np.uint8))[1].tobytes()
    assert jpeg_info(good)[:3] == (60, 50, 1)
    with pytest.raises(ValidationError, match="已损坏或不完整"):
        jpeg_info(good[:30])


# --- PDF ----------------------------------------------------------------------------------------


def _pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [doc[i].get_size() for i in range(len(doc))]
    finally:
        doc.close()


def test_pdf_pages_are_a4_and_hold_the_jpeg_bytes_verbatim() -> None:
    portrait = fit_page(exact_a4(), JPG_90K).data
    landscape = fit_page(np.ascontiguousarray(np.rot90(exact_a4(seal=False))), LITERAL).data
    pdf = pages_to_pdf([portrait, landscape, portrait])
    sizes = _pdf_pages(pdf)
    assert len(sizes) == 3
    for (w, h), want in zip(sizes, [A4_PT, A4_PT[::-1], A4_PT], strict=True):
        assert w == pytest.approx(want[0], abs=1.0) and h == pytest.approx(want[1], abs=1.0)
    assert portrait in pdf and landscape in pdf  # embedded as-is, not re-encoded


def test_without_the_a4_layout_the_page_size_comes_from_the_written_dpi() -> None:
    page = fit_page(exact_a4(), JPG_90K)
    ((w, h),) = _pdf_pages(pages_to_pdf([page.data], a4=False))
    assert w == pytest.approx(1131 / 137 * 72, abs=0.5)
    assert h == pytest.approx(1600 / 137 * 72, abs=0.5)
    # JFIF holds whole dpi, so this is A4 to within 0.2 % (not the 96-dpi 848×1200 pt page).
    assert w == pytest.approx(A4_PT[0], rel=0.002) and h == pytest.approx(A4_PT[1], rel=0.002)


def test_a_pdf_needs_pages_and_names_a_bad_one() -> None:
    with pytest.raises(ValidationError, match="没有可以写入 PDF 的页面"):
        pages_to_pdf([])
    good = fit_page(exact_a4(1240, seal=False), JPG_90K).data
    with pytest.raises(ValidationError, match="第 2 页：文件不是 JPEG"):
        pages_to_pdf([good, b"GIF89a"])
