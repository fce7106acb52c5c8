"""Counter documents: receipts (58/80 mm rasters) and A4 notices (PDF) carry what the law and the
applicant need, fit the paper, and never print a full ID number."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from app.clock import LOCAL_TZ
from app.documents import (
    A4_HEIGHT_PX,
    A4_KINDS,
    A4_WIDTH_PX,
    THERMAL_KINDS,
    CorrectionLine,
    MaterialLine,
    ReceiptData,
    clear_font_cache,
    material_line,
    material_lines,
    raster_to_png,
    receipt_data_for,
    render_a4_notice,
    render_a4_pages,
    render_receipt,
    sample_data,
    template_for,
    write_samples,
)
from app.documents import fonts as fonts_module
from app.documents.fonts import load_font, stroke_for
from app.documents.layout import Raster, Style, text_image, threshold, wrap_text
from app.documents.notices import a4_style
from app.documents.receipts import thermal_style
from app.errors import UserFacingError, ValidationError
from app.masking import mask_id_number
from app.validation import make_id_number

WIDTHS = (384, 576)
ALL_KINDS = THERMAL_KINDS + A4_KINDS
FULL_ID = make_id_number("420582", dt.date(1968, 3, 14), 231, "男")


# --- helpers ---------------------------------------------------------------------------------


def style_for(kind: str, width: int) -> Style:
    return a4_style() if kind in A4_KINDS else thermal_style(width)


def render(data: ReceiptData, width: int = 576) -> list[Raster]:
    """Every page of a document: one strip for a receipt, the pages of a notice."""
    if data.kind in A4_KINDS:
        return render_a4_pages(data)
    return [render_receipt(data, width_dots=width)]


def text_found(pages: list[Raster], text: str, style: Style, role: str = "body") -> bool:
    """True when ``text``, drawn alone in the document's font, appears pixel for pixel somewhere.

    Every label and value is drawn as its own strip, so a value that did not wrap is an exact
    sub-image of the page.
    """
    font = load_font(style.sizes[role], bold=role in style.bold_roles)
    needle = threshold(
        text_image(text, font, stroke=stroke_for(int(font.size), bold=role in style.bold_roles))
    )
    ink_rows = np.where((needle == 0).any(axis=1))[0]
    ink_cols = np.where((needle == 0).any(axis=0))[0]
    needle = needle[ink_rows[0] : ink_rows[-1] + 1, ink_cols[0] : ink_cols[-1] + 1]
    # Ink as 0/1 floats: sums of squares stay small whole numbers, so an exact match scores 0.
    ink = (needle == 0).astype(np.float32)
    for page in pages:
        if page.shape[0] < needle.shape[0] or page.shape[1] < needle.shape[1]:
            continue
        scores = cv2.matchTemplate((page == 0).astype(np.float32), ink, cv2.TM_SQDIFF)
        if float(scores.min()) < 0.5:
            return True
    return False


def decode_qr(raster: Raster) -> str:
    found, _points = cv2.QRCodeDetector().detect(raster)
    assert found, "no QR code on the page"
    text, _pts, _ = cv2.QRCodeDetector().detectAndDecode(raster)
    return str(text)


@dataclasses.dataclass(frozen=True)
class FakeCase:
    """Shaped like app.services.case_views.CaseView: holds the masked ID number only."""

    local_number: str = "ST001-20261123-0042"
    query_password: str = "581204"
    applicant_name: str = "张建国"
    applicant_id_masked: str = mask_id_number(FULL_ID)
    agent_name: str = ""
    item_names: tuple[str, ...] = ("建筑工程施工许可证核发",)
    department: str = "当阳市住房和城乡建设局"
    received_at: dt.datetime | None = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)
    accepted_at: dt.datetime | None = None
    promised_date: dt.date | None = dt.date(2026, 12, 7)
    promised_provisional: bool = False
    correction_items: tuple[CorrectionLine, ...] = ()
    correction_deadline: dt.date | None = None
    last_reason: str = ""
    competent_agency: str = ""


NOW = dt.datetime(2026, 11, 23, 9, 48, tzinfo=LOCAL_TZ)


# --- receipts: size, pixels, content ---------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", THERMAL_KINDS)
def test_receipt_is_a_printable_raster_of_the_paper_width(kind: str, width: int) -> None:
    raster = render_receipt(sample_data(kind), width_dots=width)

    assert raster.dtype == np.uint8
    assert raster.shape[1] == width
    assert raster.shape[0] % 24 == 0
    assert set(np.unique(raster)) == {0, 255}  # thresholded, not dithered or grey
    # Ink in the top third (title), the middle (fields) and the bottom third (QR, clerk, time).
    thirds = np.array_split(raster, 3)
    assert all((part == 0).any() for part in thirds)
    # Nothing is drawn into the unprintable edge: wrapping kept every line inside the margins.
    margin = thermal_style(width).margin_x
    assert (raster[:, : margin - 1] == 255).all()
    assert (raster[:, width - margin + 1 :] == 255).all()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", THERMAL_KINDS)
def test_receipt_shows_case_number_masked_id_and_a_readable_query_qr(kind: str, width: int) -> None:
    data = sample_data(kind)
    raster = render_receipt(data, width_dots=width)
    style = thermal_style(width)

    if kind == "评价二维码":
        # The evaluation slip is about the visit, not the case: number for reference, QR of the
        # evaluation page, and no applicant data beyond what the 代办 marking needs.
        assert text_found([raster], data.case_number, style)
        assert not text_found([raster], data.applicant_id_masked, style)
        assert decode_qr(raster) == data.evaluation_url
        return
    assert text_found([raster], data.case_number, style, role="big")
    assert text_found([raster], data.applicant_id_masked, style)
    assert text_found([raster], data.query_password, style)
    assert decode_qr(raster) == data.qr_text


@pytest.mark.parametrize("kind", ["收件凭证", "受理回执"])
def test_the_same_receipt_wraps_into_more_lines_on_58mm_than_on_80mm_paper(kind: str) -> None:
    name = "建设工程消防设计审查意见书（含附图、附表及说明）"
    data = dataclasses.replace(
        sample_data(kind), materials=tuple(MaterialLine(name, "已收", 3) for _ in range(10))
    )

    narrow = render_receipt(data, width_dots=384)
    wide = render_receipt(data, width_dots=576)

    assert narrow.shape[0] > wide.shape[0] + 10 * 24  # at least one more line per material


def test_long_material_list_wraps_inside_the_paper_and_makes_the_receipt_longer() -> None:
    short = sample_data("收件凭证")
    long_name = "建设工程消防设计审查意见书或者特殊建设工程消防验收意见书（含全部附图、附表及说明）"
    many = dataclasses.replace(
        short, materials=tuple(MaterialLine(f"{long_name}{n}", "已收，已核验原件", n) for n in range(1, 21))
    )

    short_raster = render_receipt(short, width_dots=384)
    long_raster = render_receipt(many, width_dots=384)

    assert long_raster.shape[1] == 384
    # 20 names of about 45 characters need 3+ lines each at 16 characters a line.
    assert long_raster.shape[0] > short_raster.shape[0] + 20 * 3 * 24
    assert (long_raster[:, :7] == 255).all() and (long_raster[:, -7:] == 255).all()


def test_receipt_rejects_a_width_no_printer_has_and_an_a4_kind() -> None:
    with pytest.raises(ValueError):
        render_receipt(sample_data("受理回执"), width_dots=100)
    with pytest.raises(ValueError):
        render_receipt(sample_data("受理回执"), width_dots=580)  # not whole bytes of dots
    with pytest.raises(ValueError):
        render_receipt(sample_data("受理通知书"), width_dots=576)
    with pytest.raises(ValueError):
        render_a4_pages(sample_data("受理回执"))


def test_png_preview_has_the_same_pixels_as_the_raster() -> None:
    raster = render_receipt(sample_data("受理回执"), width_dots=384)

    png = raster_to_png(raster)
    back = np.asarray(Image.open(io.BytesIO(png)).convert("L"))

    assert png.startswith(b"\x89PNG")
    assert np.array_equal(back, raster)


# --- A4 notices ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", A4_KINDS)
def test_a4_notice_pages_are_a4_at_200_dpi_and_carry_their_elements(kind: str) -> None:
    data = sample_data(kind)
    pages = render_a4_pages(data)
    style = a4_style()

    assert len(pages) == 1
    assert pages[0].shape == (A4_HEIGHT_PX, A4_WIDTH_PX) == (2339, 1654)
    assert set(np.unique(pages[0])) == {0, 255}
    assert text_found(pages, template_for(kind).title, style, role="title")
    assert text_found(pages, data.applicant_id_masked, style)
    assert text_found(pages, f"{data.station_name}（受理专用章）", style)  # seal line
    assert text_found(pages, "申请人签收：", style)  # the applicant signs for it


@pytest.mark.parametrize("kind", A4_KINDS)
def test_a4_notice_pdf_is_one_a4_page_per_rendered_page(kind: str) -> None:
    pdf = render_a4_notice(sample_data(kind))

    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(boxes) == 1
    width_pt, height_pt = (float(v) for v in boxes[0])
    assert width_pt == pytest.approx(595.28, abs=0.5)
    assert height_pt == pytest.approx(841.89, abs=0.5)
    assert b"/Width 1654" in pdf and b"/Height 2339" in pdf


def test_acceptance_notice_has_a_query_qr_code() -> None:
    data = sample_data("受理通知书")
    page = render_a4_pages(data)[0]

    assert decode_qr(page) == data.qr_text


def test_non_acceptance_notice_states_reason_competent_agency_and_appeal_rights() -> None:
    data = sample_data("不予受理通知书")
    pages = render_a4_pages(data)
    text = template_for("不予受理通知书").texts

    assert "六十日内" in text["rights"] and "行政复议" in text["rights"]
    assert "六个月内" in text["rights"] and "行政诉讼" in text["rights"]
    without_agency = render_a4_pages(dataclasses.replace(data, competent_agency=""))
    # The referral to the competent agency is an extra paragraph, only when there is one.
    ink = int((pages[0] == 0).sum())
    assert ink > int((without_agency[0] == 0).sum())
    with pytest.raises(ValidationError, match="理由"):
        render_a4_pages(dataclasses.replace(data, reason=""))


def test_one_time_notice_lists_every_material_with_its_standard_and_the_deadline() -> None:
    data = sample_data("一次性告知书")
    pages = render_a4_pages(data)
    style = a4_style()

    for material, requirement in data.correction_items:
        assert text_found(pages, material, style, role="heading")
        assert text_found(pages, requirement, style)
    assert text_found(pages, "要求：", style)
    with pytest.raises(ValidationError, match="补正"):
        render_a4_pages(dataclasses.replace(data, correction_items=()))
    with pytest.raises(ValidationError, match="补正"):
        render_receipt(dataclasses.replace(sample_data("补正告知"), correction_items=()), width_dots=384)


def test_a_long_correction_list_flows_onto_numbered_pages() -> None:
    items = tuple(
        CorrectionLine(f"补充材料第{n}项", "须提供加盖公章的原件及复印件各一份，复印件须清晰完整")
        for n in range(1, 31)
    )
    data = dataclasses.replace(sample_data("一次性告知书"), correction_items=items)

    pages = render_a4_pages(data)
    pdf = render_a4_notice(data)

    assert len(pages) >= 2
    assert all(p.shape == (2339, 1654) for p in pages)
    assert text_found(pages, f"第 1 页　共 {len(pages)} 页", a4_style(), role="small")
    assert text_found(pages, "补充材料第30项", a4_style(), role="heading")
    assert len(re.findall(rb"/MediaBox", pdf)) == len(pages)


# --- marks every document must carry -------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_agent_cases_are_marked_on_every_document(kind: str) -> None:
    style = style_for(kind, 384)
    with_agent = render(sample_data(kind, agent=True), 384)
    without_agent = render(sample_data(kind, agent=False), 384)

    assert text_found(with_agent, "李代办（受申请人委托）", style)
    assert not text_found(without_agent, "李代办（受申请人委托）", style)
    assert any(badge_found(p, "代办件", style) for p in with_agent)
    assert not any(badge_found(p, "代办件", style) for p in without_agent)


def badge_found(page: Raster, text: str, style: Style) -> bool:
    """The white-on-black badge: the text strip's exact negative appears on the page."""
    font = load_font(style.sizes["heading"], bold=True)
    strip = threshold(text_image(text, font, stroke=stroke_for(int(font.size), bold=True)))
    negative = (strip == 255).astype(np.float32)  # ink wherever the strip is paper
    scores = cv2.matchTemplate((page == 0).astype(np.float32), negative, cv2.TM_SQDIFF)
    return float(scores.min()) < 0.5


@pytest.mark.parametrize(("kind", "width"), [("受理回执", 576), ("受理通知书", 0)])
def test_a_provisional_promised_date_is_marked_provisional(kind: str, width: int) -> None:
    data = sample_data(kind)
    style = style_for(kind, width)
    firm = dataclasses.replace(data, promised_provisional=False)

    assert text_found(render(data, width), "2026年12月07日（暂定）", style)
    assert text_found(render(firm, width), "2026年12月07日", style)
    assert not text_found(render(firm, width), "2026年12月07日（暂定）", style)


def test_a_reprint_is_marked_on_paper() -> None:
    data = dataclasses.replace(sample_data("受理回执"), reprint=True)

    assert text_found(render(data, 384), "（补打）", thermal_style(384), role="heading")
    assert not text_found(
        render(sample_data("受理回执"), 384), "（补打）", thermal_style(384), role="heading"
    )


# --- personal data ---------------------------------------------------------------------------


def _all_text(data: ReceiptData) -> str:
    return repr(dataclasses.asdict(data))


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_receipt_data_for_never_carries_the_full_id_number(kind: str) -> None:
    case = FakeCase(
        agent_name="李代办",
        correction_items=(CorrectionLine("身份证复印件", f"复印件号码 {FULL_ID} 不清晰，请重新复印"),),
        correction_deadline=dt.date(2026, 12, 3),
        last_reason=f"申请人 {FULL_ID} 已有同类申请在办",
    )

    data = receipt_data_for(
        kind,
        case,
        station_name="当阳市政务服务中心",
        window_number=3,
        clerk_name="王晓红",
        materials=[material_line("居民身份证", "received", 1, original_seen=True)],
        now=NOW,
    )

    assert FULL_ID not in _all_text(data)
    assert data.applicant_id_masked == mask_id_number(FULL_ID)
    assert mask_id_number(FULL_ID) in data.reason  # the clerk's text prints, masked
    assert data.is_agent_case and data.agent_name == "李代办"
    render(data, 384)  # and it renders


def test_receipt_data_for_masks_a_full_number_handed_over_by_mistake(
    caplog: pytest.LogCaptureFixture,
) -> None:
    case = FakeCase(applicant_id_masked=FULL_ID)

    with caplog.at_level(logging.WARNING):
        data = receipt_data_for(
            "收件凭证", case, station_name="中心", window_number=1, clerk_name="王", now=NOW
        )

    assert data.applicant_id_masked == mask_id_number(FULL_ID)
    assert FULL_ID not in _all_text(data)
    assert FULL_ID not in caplog.text and "unmasked" in caplog.text


def test_receipt_data_refuses_a_full_id_number_built_by_hand() -> None:
    with pytest.raises(ValueError, match="unmasked"):
        dataclasses.replace(sample_data("受理回执"), applicant_id_masked=FULL_ID)
    with pytest.raises(ValueError, match="unmasked"):
        dataclasses.replace(sample_data("受理回执"), collector_name=f"张建国 {FULL_ID}")
    # An organisation's unified social credit code is public and prints as it is.
    org = dataclasses.replace(sample_data("受理回执"), applicant_id_masked="91420582MA4F2B3X1P")
    assert org.applicant_id_masked == "91420582MA4F2B3X1P"


def test_receipt_data_for_fills_decision_time_qr_and_received_time() -> None:
    accepted = dt.datetime(2026, 11, 23, 1, 45, tzinfo=dt.UTC)
    case = FakeCase(accepted_at=accepted, promised_provisional=True)

    data = receipt_data_for("受理回执", case, station_name="中心", window_number=2, clerk_name="王", now=NOW)
    no_receipt_time = receipt_data_for(
        "收件凭证", FakeCase(received_at=None), station_name="中心", window_number=2, clerk_name="王", now=NOW
    )

    assert data.decided_at == accepted and data.printed_at == NOW
    assert "ST001-20261123-0042" in data.qr_text and "581204" in data.qr_text
    assert data.promised_provisional
    assert no_receipt_time.received_at == NOW  # a receipt always states when the materials came in


def test_material_lines_say_what_was_received() -> None:
    @dataclasses.dataclass(frozen=True)
    class View:
        name: str
        status: str
        pages: tuple[int, ...]
        original_seen: bool
        deferred_due: dt.date | None

    lines = material_lines(
        [
            View("申请表", "received", (1, 2), True, None),
            View("营业执照", "deferred", (), False, dt.date(2026, 11, 30)),
            View("规划许可证", "missing", (), False, None),
        ]
    )

    assert lines == (
        MaterialLine("申请表", "已收，已核验原件", 2),
        MaterialLine("营业执照", "容缺后补（2026年11月30日前提交）", 0),
        MaterialLine("规划许可证", "未收", 0),
    )


# --- wrapping --------------------------------------------------------------------------------


def test_wrapping_breaks_chinese_anywhere_but_keeps_numbers_and_words_whole() -> None:
    font = load_font(24)
    text = "联系地址：当阳市玉阳街道长坂路 Room 1203 联系电话 0717-3212345 备注 EMS1234567890CN"

    lines = wrap_text(text, font, 368)

    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(font.getlength(line) <= 368 for line in lines)
    for word in ("Room", "1203", "0717-3212345", "EMS1234567890CN"):
        assert any(word in line for line in lines), word


def test_wrapping_never_starts_a_line_with_closing_punctuation() -> None:
    font = load_font(24)
    width = int(font.getlength("一二三四五六七八九十"))

    lines = wrap_text("一二三四五六七八九十，后面还有字。（括号里）的内容也一样。", font, width)

    assert len(lines) > 1
    assert not any(line[0] in "，。）" for line in lines)
    assert not any(line[-1] == "（" for line in lines)


def test_a_number_longer_than_the_line_breaks_after_a_hyphen() -> None:
    font = load_font(28, bold=True)
    number = "ST001-20261123-0007-ABCDEFGH"

    lines = wrap_text(number, font, int(font.getlength("ST001-20261123-00")))

    assert lines[0] == "ST001-20261123-"
    assert "".join(lines) == number


# --- templates and fonts ---------------------------------------------------------------------


def test_a_hall_can_replace_a_sentence_of_a_template() -> None:
    data = sample_data("受理回执")
    longer = template_for("受理回执", texts={"note": "本中心周六上午照常办公。" * 8})

    default = render_receipt(data, width_dots=384)
    custom = render_receipt(data, width_dots=384, template=longer)

    assert custom.shape[0] > default.shape[0]
    assert template_for("受理回执").texts["note"] != longer.texts["note"]  # the default is untouched
    with pytest.raises(ValueError):
        template_for("营业执照")
    with pytest.raises(ValueError, match="unknown blocks"):
        render_receipt(data, width_dots=384, template=template_for("受理回执", blocks=("title", "watermark")))


@pytest.fixture
def no_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(fonts_module, "find_cjk_font", lambda: None)
    clear_font_cache()
    yield
    monkeypatch.undo()
    clear_font_cache()


@pytest.mark.usefixtures("no_font")
def test_without_a_chinese_font_the_clerk_is_told_what_to_install() -> None:
    with pytest.raises(UserFacingError, match="fonts-noto-cjk"):
        render_receipt(sample_data("受理回执"), width_dots=384)


def test_the_simplified_chinese_face_of_a_font_collection_is_used() -> None:
    family, _style = load_font(24).getname()

    assert family is not None and "JP" not in family  # face 0 of Noto CJK is the Japanese one


def test_samples_are_written_for_every_kind(tmp_path: Path) -> None:
    written = write_samples(tmp_path)

    assert len(written) == len(ALL_KINDS)
    for path in written:
        image = Image.open(path)
        if path.name.startswith("notice-"):
            assert image.size == (A4_WIDTH_PX // 2, A4_HEIGHT_PX // 2)
        else:
            assert image.size[0] == 576
