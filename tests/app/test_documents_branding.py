"""A hall's own marks (抬头, 页脚, 标志, 热线) on every thermal slip, and the two slips added with
them: the thermal 不予受理告知单 and the 评价二维码 slip."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from app.config import load_config
from app.documents import THERMAL_KINDS, render_receipt, sample_data, template_for
from app.documents.data import (
    NO_BRANDING,
    Branding,
    ReceiptData,
    branding_from_config,
    evaluation_link,
    load_logo,
)
from app.documents.fonts import load_font, stroke_for
from app.documents.layout import Raster, Style, image_ink, text_image, threshold
from app.documents.receipts import thermal_style
from app.documents.samples import sample_logo_png, sample_ticket_slip
from app.documents.ticket import render_ticket
from app.errors import ConfigError, ValidationError
from app.services.evaluations import LEVEL_LABELS
from app.validation import make_id_number

WIDTHS = (384, 576)
SLIPS = (*THERMAL_KINDS, "排队号票")
HEADER = "欢迎来到测试大厅"
FOOTER = "周六上午照常办公"
HOTLINE = "0717-6667788"


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def make_logo() -> bytes:
    """An asymmetric logo (a thick L with a dot) on a transparent background whose hidden colour
    is black: printed without compositing onto paper, the whole box would come out black."""
    rgba = np.zeros((90, 60, 4), dtype=np.uint8)  # transparent black
    rgba[10:80, 10:22] = (20, 20, 120, 255)  # the L's stem, dark blue
    rgba[68:80, 10:50] = (20, 20, 120, 255)  # the L's foot
    rgba[10:22, 38:50] = (0, 0, 0, 255)  # the dot
    return png_bytes(Image.fromarray(rgba, "RGBA"))


BRANDING = Branding(header=HEADER, footer=FOOTER, logo_png=make_logo(), hotline=HOTLINE)


def render_slip(document: str, width: int, branding: Branding) -> Raster:
    if document == "排队号票":
        return render_ticket(dataclasses.replace(sample_ticket_slip(), branding=branding), width_dots=width)
    return render_receipt(dataclasses.replace(sample_data(document), branding=branding), width_dots=width)


def found_at(raster: Raster, text: str, style: Style, role: str) -> int | None:
    """The row where ``text``, drawn alone in the slip's font, appears pixel for pixel (or None)."""
    bold = role in style.bold_roles
    font = load_font(style.sizes[role], bold=bold)
    needle = threshold(text_image(text, font, stroke=stroke_for(int(font.size), bold=bold)))
    rows = np.where((needle == 0).any(axis=1))[0]
    cols = np.where((needle == 0).any(axis=0))[0]
    ink = (needle[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] == 0).astype(np.float32)
    scores = cv2.matchTemplate((raster == 0).astype(np.float32), ink, cv2.TM_SQDIFF)
    _low, _high, (_x, y), _at = cv2.minMaxLoc(scores)
    return int(y) if float(scores.min()) < 0.5 else None


def text_found(raster: Raster, text: str, style: Style, role: str) -> bool:
    return found_at(raster, text, style, role) is not None


# --- every slip carries the hall's marks ---------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("document", SLIPS)
def test_header_footer_hotline_and_logo_are_on_every_slip(document: str, width: int) -> None:
    style = thermal_style(width)
    branded = render_slip(document, width, BRANDING)
    plain = render_slip(document, width, NO_BRANDING)

    header_y = found_at(branded, HEADER, style, "heading")
    footer_y = found_at(branded, FOOTER, style, "small")
    hotline_y = found_at(branded, HOTLINE, style, "small")
    assert header_y is not None and footer_y is not None and hotline_y is not None
    assert not text_found(plain, HEADER, style, "heading")
    assert not text_found(plain, FOOTER, style, "small")
    # The logo is the first thing on the slip, centred, exactly the thresholded, scaled file.
    logo = np.asarray(image_ink(BRANDING.logo_png, style.content_width, style.image_height))
    top, left = style.margin_top, style.margin_x + (style.content_width - logo.shape[1]) // 2
    assert np.array_equal(branded[top : top + logo.shape[0], left : left + logo.shape[1]], logo)
    assert (branded[: top + logo.shape[0], :left] == 255).all()
    # Logo, then header, then the slip; the hotline near the end and the footer last of all.
    assert top + logo.shape[0] <= header_y < branded.shape[0] // 3
    assert hotline_y < footer_y
    assert not (branded[footer_y + style.sizes["small"] * 2 :] == 0).any()
    assert branded.shape[0] > plain.shape[0]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_logo_is_scaled_to_fit_and_its_transparency_prints_as_paper(width: int) -> None:
    style = thermal_style(width)
    logo = np.asarray(image_ink(BRANDING.logo_png, style.content_width, style.image_height))

    # 60x90 source, trimmed to its 40x70 ink, scaled up to the logo height, aspect kept.
    assert logo.shape[0] == style.image_height
    assert logo.shape[1] == round(40 * style.image_height / 70)
    assert set(np.unique(logo)) == {0, 255}
    # The transparent gap between the stem and the dot stays white; the stem is solid ink.
    scale = style.image_height / 70
    assert (logo[: int(10 * scale), int(14 * scale) : int(26 * scale)] == 255).all()
    assert (logo[int(20 * scale) : int(50 * scale), 1 : int(10 * scale)] == 0).all()


def test_a_wide_logo_is_scaled_down_to_the_paper_width() -> None:
    wide = png_bytes(Image.new("L", (2000, 100), 0))
    style = thermal_style(384)

    ink = image_ink(wide, style.content_width, style.image_height)

    assert ink.size == (style.content_width, round(100 * style.content_width / 2000))


def test_rendering_a_logo_is_deterministic() -> None:
    first = render_receipt(sample_data("受理回执"), width_dots=384)
    second = render_receipt(sample_data("受理回执"), width_dots=384)

    assert np.array_equal(first, second)
    assert sample_logo_png() == sample_logo_png()


@pytest.mark.parametrize("document", SLIPS)
def test_a_long_header_wraps_inside_the_paper(document: str) -> None:
    style = thermal_style(384)
    long_header = "当阳市政务服务中心欢迎您，本中心实行一窗受理、集成服务、限时办结，请按号排队办理"
    short = render_slip(document, 384, Branding(header=HEADER))
    long = render_slip(document, 384, Branding(header=long_header))

    # About 40 characters at 14 a line: at least two more lines, and nothing in the margins.
    line = round(style.sizes["heading"] * style.line_spacing)
    assert long.shape[0] - short.shape[0] >= 2 * line - 24
    assert (long[:, : style.margin_x - 1] == 255).all()
    assert (long[:, 384 - style.margin_x + 1 :] == 255).all()


def test_header_and_footer_keep_the_halls_line_breaks() -> None:
    style = thermal_style(576)
    two_lines = Branding(header="一窗受理\n集成服务", footer="周一至周五\n9:00-17:00")

    raster = render_slip("收件凭证", 576, two_lines)

    assert text_found(raster, "一窗受理", style, "heading")
    assert text_found(raster, "集成服务", style, "heading")
    assert not text_found(raster, "一窗受理集成服务", style, "heading")
    assert text_found(raster, "9:00-17:00", style, "small")


# --- hotline -------------------------------------------------------------------------------------


def test_the_hotline_stands_in_for_a_missing_supervision_phone_and_is_not_printed_twice() -> None:
    style = thermal_style(576)
    data = dataclasses.replace(sample_data("受理回执"), branding=BRANDING)
    own_phone = render_receipt(data, width_dots=576)
    no_phone = render_receipt(dataclasses.replace(data, supervision_phone=""), width_dots=576)

    assert text_found(own_phone, data.supervision_phone, style, "small")
    assert text_found(own_phone, "咨询电话：", style, "small")
    assert text_found(no_phone, HOTLINE, style, "small")
    assert not text_found(no_phone, "咨询电话：", style, "small")  # shown once, as 监督电话


# --- configuration -------------------------------------------------------------------------------


def test_branding_comes_from_the_print_keys_with_a_logo_next_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(make_logo())
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        '[print]\nheader = "一窗受理\\n集成服务"\nfooter = "周六照常办公"\nlogo = "logo.png"\n'
        'hotline = "0717-12345"\nevaluation_url = "https://hcp.example.gov.cn/pj?no={case_number}"\n',
        encoding="utf-8",
    )

    config = load_config(config_file)
    branding = branding_from_config(config)

    assert branding == Branding("一窗受理\n集成服务", "周六照常办公", make_logo(), "0717-12345")
    assert branding_from_config(load_config(None)) == NO_BRANDING
    url = evaluation_link(config.get_str("print.evaluation_url"), "ST001-20261123-0007")
    assert url == "https://hcp.example.gov.cn/pj?no=ST001-20261123-0007"


def test_a_missing_logo_file_is_a_chinese_config_error_naming_print_logo(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-logo.png"
    config = load_config(None, overrides={"print.logo": str(missing)})

    with pytest.raises(ConfigError) as raised:
        branding_from_config(config)

    assert raised.value.key == "print.logo"
    assert "print.logo" in str(raised.value) and str(missing) in str(raised.value)
    assert "找不到标志图片" in str(raised.value)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"this is not a png", "不是能读取的 PNG 图片"),
        (png_bytes(Image.new("RGB", (80, 80), (250, 240, 200))), "颜色太浅"),
    ],
)
def test_an_unusable_logo_file_is_a_config_error(tmp_path: Path, content: bytes, said: str) -> None:
    path = tmp_path / "logo.png"
    path.write_bytes(content)

    with pytest.raises(ConfigError, match=r"print\.logo") as raised:
        load_logo(path)

    assert said in str(raised.value) and raised.value.key == "print.logo"


def test_a_hotline_that_is_not_a_phone_number_is_refused_by_the_config() -> None:
    with pytest.raises(ConfigError, match=r"print\.hotline"):
        load_config(None, overrides={"print.hotline": "请拨打 <script>"})


def test_branding_may_not_carry_a_full_id_number() -> None:
    full_id = make_id_number("420582", dt.date(1968, 3, 14), 231, "男")

    with pytest.raises(ValueError, match="unmasked"):
        dataclasses.replace(sample_data("收件凭证"), branding=Branding(footer=f"值班长 {full_id}"))


# --- the thermal 不予受理告知单 ------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_non_acceptance_slip_states_reason_agency_rights_and_masked_applicant(width: int) -> None:
    style = thermal_style(width)
    data = dataclasses.replace(
        sample_data("不予受理告知"), reason="不属于本机关职权", competent_agency="市城管局"
    )
    raster = render_receipt(data, width_dots=width)
    rights = template_for("不予受理告知").texts["rights"]

    assert text_found(raster, "不予受理告知单", style, "title")
    assert text_found(raster, data.case_number, style, "big")
    assert text_found(raster, data.query_password, style, "body")
    assert text_found(raster, data.applicant_id_masked, style, "body")
    assert text_found(raster, "不予受理的理由：不属于本机关职权", style, "small")
    assert "六十日内" in rights and "行政复议" in rights and "六个月内" in rights and "行政诉讼" in rights
    assert "本告知单" in rights
    assert cv2.QRCodeDetector().detectAndDecode(raster)[0] == data.qr_text
    without_agency = render_receipt(dataclasses.replace(data, competent_agency=""), width_dots=width)
    assert without_agency.shape[0] < raster.shape[0]  # the referral prints only when there is one
    with pytest.raises(ValidationError, match="理由"):
        render_receipt(dataclasses.replace(data, reason=""), width_dots=width)


# --- the 评价二维码 slip --------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_evaluation_slip_has_title_the_five_levels_and_a_qr_of_the_evaluation_page(width: int) -> None:
    style = thermal_style(width)
    data = sample_data("评价二维码")
    raster = render_receipt(data, width_dots=width)

    # The title is shrunk to one line rather than broken in the middle of a word.
    title = "请对本次服务进行评价"
    fitted = dataclasses.replace(style, sizes={**style.sizes, "title": _fitted_title_size(style, title)})
    assert text_found(raster, title, fitted, "title")
    for label in LEVEL_LABELS.values():
        assert text_found(raster, f"□ {label}", style, "heading")
    assert text_found(raster, data.case_number, style, "body")
    assert text_found(raster, "3 号窗口　王晓红", style, "small")
    assert cv2.QRCodeDetector().detectAndDecode(raster)[0] == data.evaluation_url
    assert not text_found(raster, data.query_password, style, "body")


def _fitted_title_size(style: Style, title: str) -> int:
    size = style.sizes["title"]
    while load_font(size, bold=True).getlength(title) + 2 * stroke_for(size, bold=True) > style.content_width:
        size -= 1
    return size


def test_without_an_evaluation_page_the_slip_is_the_paper_form() -> None:
    style = thermal_style(576)
    data = dataclasses.replace(sample_data("评价二维码"), evaluation_url="")

    raster = render_receipt(data, width_dots=576)

    assert not cv2.QRCodeDetector().detect(raster)[0]
    assert text_found(raster, "请在您的评价前的方框内打“√”，交回窗口：", style, "small")
    assert text_found(raster, "□ 非常不满意", style, "heading")


def test_evaluation_url_for_a_case_comes_from_receipt_data_for() -> None:
    @dataclasses.dataclass(frozen=True)
    class Case:
        local_number: str = "ST001-20261123-0042"
        query_password: str = "581204"
        applicant_name: str = "张建国"
        applicant_id_masked: str = "4205**********2318"
        agent_name: str | None = None
        item_names: tuple[str, ...] = ("建筑工程施工许可证核发",)
        department: str = "当阳市住房和城乡建设局"
        received_at: None = None
        accepted_at: None = None
        promised_date: None = None
        promised_provisional: bool = False
        correction_items: tuple[()] = ()
        correction_deadline: None = None
        last_reason: str = ""
        competent_agency: str = ""

    from app.documents import receipt_data_for

    data: ReceiptData = receipt_data_for(
        "评价二维码",
        Case(),
        station_name="当阳市政务服务中心",
        window_number=3,
        clerk_name="王晓红",
        evaluation_url="https://hcp.example.gov.cn/pj?no={case_number}&src=window",
        branding=BRANDING,
    )

    assert data.evaluation_url == "https://hcp.example.gov.cn/pj?no=ST001-20261123-0042&src=window"
    assert data.branding == BRANDING
    assert render_receipt(data, width_dots=384).shape[1] == 384
