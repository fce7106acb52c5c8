"""Sample documents (样张): fixed demo data for every kind, for previews, golden files and docs.

Times and numbers are fixed so a sample renders to the same pixels every time; the ID number is
a made-up one, already masked. Samples carry a demo hall's branding (a drawn logo, header,
hotline and footer) so the golden images show where a hall's own marks go.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
from pathlib import Path

from PIL import Image, ImageDraw

from app.clock import LOCAL_TZ
from app.documents.data import NO_BRANDING, Branding, CorrectionLine, MaterialLine, ReceiptData
from app.documents.notices import render_a4_pages
from app.documents.receipts import raster_to_png, render_receipt
from app.documents.templates import A4_KINDS, TEMPLATES, THERMAL_KINDS
from app.documents.ticket import TicketSlip

_AT = dt.datetime(2026, 11, 23, 9, 30, tzinfo=LOCAL_TZ)

# File names for the docs folder: ASCII, so every tool and web server copes with them.
SLUGS: dict[str, str] = {
    "收件凭证": "receipt-shoujian",
    "受理回执": "receipt-shouli",
    "补正告知": "receipt-buzheng",
    "不予受理告知": "receipt-buyu-shouli",
    "领取回执": "receipt-lingqu",
    "评价二维码": "receipt-pingjia",
    "受理通知书": "notice-shouli",
    "一次性告知书": "notice-yicixing-gaozhi",
    "不予受理通知书": "notice-buyu-shouli",
}


@functools.cache
def sample_logo_png() -> bytes:
    """A demo logo: a ring around a five-pointed star on a transparent background, as a PNG.

    Drawn with plain shapes (no font), so it is the same on every machine.
    """
    size = 240
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 9, size - 9), outline=(180, 20, 20, 255), width=14)
    centre, outer, inner = size / 2, 78.0, 30.0
    star = [
        (
            centre + (outer if n % 2 == 0 else inner) * math.sin(math.pi * n / 5),
            centre - (outer if n % 2 == 0 else inner) * math.cos(math.pi * n / 5),
        )
        for n in range(10)
    ]
    draw.polygon(star, fill=(180, 20, 20, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sample_branding() -> Branding:
    """The demo hall's marks: logo, a two-line header, hotline and footer."""
    return Branding(
        header="一窗受理　集成服务\n只进一扇门　最多跑一次",
        footer="办公时间：周一至周五 9:00-12:00 13:30-17:30\n地址：当阳市玉阳街道长坂路 88 号",
        logo_png=sample_logo_png(),
        hotline="0717-12345",
    )


def sample_data(kind: str, *, agent: bool = True, branded: bool = True) -> ReceiptData:
    """Demo data for ``kind``: a 代办 case by default, with a provisional promised date and the
    demo hall's branding (``branded=False``: none)."""
    if kind not in TEMPLATES:
        raise ValueError(f"unknown document kind {kind!r}")
    return ReceiptData(
        kind=kind,
        station_name="当阳市政务服务中心",
        window_number=3,
        clerk_name="王晓红",
        case_number="ST001-20261123-0007",
        query_password="234765",
        applicant_name="张建国",
        applicant_id_masked="4205**********2318",
        agent_name="李代办" if agent else None,
        items=("建筑工程施工许可证核发",),
        department="当阳市住房和城乡建设局",
        received_at=_AT,
        promised_date=dt.date(2026, 12, 7),
        promised_provisional=True,
        materials=(
            MaterialLine("建筑工程施工许可申请表", "已收，已核验原件", 2),
            MaterialLine("建设工程规划许可证", "已收", 1),
            MaterialLine("施工合同", "已收", 12),
            MaterialLine("授权委托书", "已收，已核验原件", 1),
            MaterialLine("营业执照（副本）复印件", "容缺后补（2026年11月30日前提交）", 0),
        ),
        correction_items=(
            CorrectionLine("施工图设计文件审查合格书", "须加盖审查机构公章，提供原件及复印件各一份"),
            CorrectionLine("建设工程规划许可证", "复印件字迹不清，请提供清晰复印件，并携带原件核验"),
        ),
        correction_deadline=dt.date(2026, 12, 3),
        reason="所申请的临时占道事项依法不需要取得建筑工程施工许可",
        competent_agency="当阳市城市管理执法局",
        supervision_phone="0717-3212345",
        qr_text="https://zwfw.example.gov.cn/query?no=ST001-20261123-0007",
        decided_at=_AT + dt.timedelta(minutes=18),
        printed_at=_AT + dt.timedelta(minutes=19),
        collector_name="张建国",
        delivery_note="窗口当面领取",
        evaluation_url="https://zwfw.example.gov.cn/hcp/pj?no=ST001-20261123-0007",
        branding=sample_branding() if branded else NO_BRANDING,
    )


def sample_ticket_slip(*, branded: bool = True) -> TicketSlip:
    """Demo queue ticket: an elderly applicant's A012, three people ahead, with the demo branding."""
    return TicketSlip(
        station_name="当阳市政务服务中心",
        number="A012",
        category_code="A",
        category_name="综合受理",
        priority="elderly",
        people_ahead=3,
        issued_at=dt.datetime(2026, 11, 23, 9, 12, tzinfo=LOCAL_TZ),
        status_key="YCT-ST001-20261123-A012",
        branding=sample_branding() if branded else NO_BRANDING,
    )


def write_samples(folder: Path, *, widths: tuple[int, ...] = (576,)) -> list[Path]:
    """PNG of every kind into ``folder``: receipts at each width, A4 first pages at 50 %."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for kind in THERMAL_KINDS:
        for width in widths:
            suffix = "" if len(widths) == 1 else f"-{width}"
            path = folder / f"{SLUGS[kind]}{suffix}.png"
            path.write_bytes(raster_to_png(render_receipt(sample_data(kind), width_dots=width)))
            written.append(path)
    for kind in A4_KINDS:
        page = render_a4_pages(sample_data(kind))[0]
        half = Image.fromarray(page, "L").resize(
            (page.shape[1] // 2, page.shape[0] // 2), Image.Resampling.LANCZOS
        )
        path = folder / f"{SLUGS[kind]}.png"
        half.save(path, format="PNG", optimize=True)
        written.append(path)
    return written
