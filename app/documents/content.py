"""Template blocks to paragraphs (文书内容): what each named block prints for given data.

A block with nothing to say returns no paragraphs, so one template serves agent and non-agent
cases, cases with and without a QR text, and so on. Fixed sentences come from the template's
``texts``; a missing sentence means the block prints only its data. The hall's branding (logo,
header, hotline, footer) is made by :func:`branding_head` and :func:`branding_tail`, which the
queue ticket uses too.
"""

from __future__ import annotations

from collections.abc import Callable

from app.documents.data import Branding, ReceiptData, format_date, format_datetime
from app.documents.layout import Para
from app.documents.templates import Template
from app.errors import ValidationError
from app.services.evaluations import LEVEL_LABELS

Block = Callable[[ReceiptData, Template], list[Para]]


def _item_names(data: ReceiptData) -> str:
    return "、".join(f"“{name}”" for name in data.items) or "“（未填写事项）”"


def promised_text(data: ReceiptData) -> str:
    if data.promised_date is None:
        return ""
    text = format_date(data.promised_date)
    return text + "（暂定）" if data.promised_provisional else text


def text_values(data: ReceiptData) -> dict[str, str]:
    """Fields a template sentence may use as ``{name}``."""
    return {
        "station_name": data.station_name,
        "applicant_name": data.applicant_name,
        "agent_name": data.agent_name or "",
        "items": _item_names(data),
        "department": data.department,
        "case_number": data.case_number,
        "query_password": data.query_password,
        "received_date": format_date(data.received_at.date()),
        "received_at": format_datetime(data.received_at),
        "promised": promised_text(data),
        "deadline": format_date(data.correction_deadline) if data.correction_deadline else "",
        "reason": data.reason,
        "competent_agency": data.competent_agency,
        "clerk_name": data.clerk_name,
        "window_number": str(data.window_number or ""),
        "supervision_phone": data.supervision_phone,
    }


def _fixed(data: ReceiptData, template: Template, key: str) -> str:
    pattern = template.texts.get(key, "")
    return pattern.format_map(text_values(data)) if pattern else ""


def _field(label: str, value: str, *, role: str = "body") -> list[Para]:
    return [Para(text=value, label=label, role=role)] if value else []


def _prose(data: ReceiptData, template: Template, key: str) -> list[Para]:
    text = _fixed(data, template, key)
    if not text:
        return []
    indent = template.medium == "a4"
    return [Para(text=text, indent=indent, role="body" if indent else "small")]


def _hall(data: ReceiptData, template: Template) -> list[Para]:
    return [Para(text=data.station_name, align="center", role="small")] if data.station_name else []


def _title(data: ReceiptData, template: Template) -> list[Para]:
    return [Para(text=template.title, align="center", role="title", keep_with_next=True, fit=True)]


def _doc_number(data: ReceiptData, template: Template) -> list[Para]:
    return [Para(text=f"文书编号：{data.case_number}", align="right", role="small")]


def _reprint_mark(data: ReceiptData, template: Template) -> list[Para]:
    return [Para(text="（补打）", align="center", role="heading")] if data.reprint else []


def _agent_mark(data: ReceiptData, template: Template) -> list[Para]:
    return [Para(kind="badge", text="代办件", role="heading")] if data.is_agent_case else []


def _salutation(data: ReceiptData, template: Template) -> list[Para]:
    return [Para(text=f"{data.applicant_name}：")] if data.applicant_name else []


def _case_number(data: ReceiptData, template: Template) -> list[Para]:
    if template.medium == "thermal" and data.case_number:
        # On a receipt the number is what the applicant reads out later: big, on its own line.
        paras = [
            Para(text="办件编号", align="center", role="small", keep_with_next=True),
            Para(text=data.case_number, align="center", role="big"),
        ]
        return paras + _field("查询密码：", data.query_password)
    return _pair(template, ("办件编号：", data.case_number), ("查询密码：", data.query_password))


def _pair(template: Template, first: tuple[str, str], second: tuple[str, str]) -> list[Para]:
    """Two short fields: one line each on a receipt, side by side on A4 (keeps a notice on one page)."""
    if template.medium == "a4" and first[1] and second[1]:
        return [Para(text=f"{first[0]}{first[1]}　　{second[0]}{second[1]}")]
    return _field(*first) + _field(*second)


def _applicant(data: ReceiptData, template: Template) -> list[Para]:
    return _pair(template, ("申请人：", data.applicant_name), ("证件号码：", data.applicant_id_masked))


def _agent(data: ReceiptData, template: Template) -> list[Para]:
    return _field("代办：", f"{data.agent_name}（受申请人委托）" if data.agent_name else "")


def _items(data: ReceiptData, template: Template) -> list[Para]:
    return _field("申请事项：", "；".join(data.items))


def _department(data: ReceiptData, template: Template) -> list[Para]:
    return _field("承办部门：", data.department)


def _received_at(data: ReceiptData, template: Template) -> list[Para]:
    return _field("收件时间：", format_datetime(data.received_at))


def _accepted_at(data: ReceiptData, template: Template) -> list[Para]:
    return _field("受理时间：", format_datetime(data.decided_at) if data.decided_at else "")


def _notified_at(data: ReceiptData, template: Template) -> list[Para]:
    return _field("告知时间：", format_datetime(data.decided_at) if data.decided_at else "")


def _promised(data: ReceiptData, template: Template) -> list[Para]:
    return _field("承诺办结：", promised_text(data))


def _materials(data: ReceiptData, template: Template) -> list[Para]:
    paras: list[Para] = []
    if template.medium == "thermal" and data.materials:
        paras.append(Para(text=f"收取材料（共 {len(data.materials)} 项）", role="heading"))
    for n, (name, status, pages) in enumerate(data.materials, start=1):
        detail = f"{status}，{pages} 页" if pages else status
        paras.append(Para(text=f"{name}（{detail}）", label=f"{n}. "))
    return paras


def _materials_heading(data: ReceiptData, template: Template) -> list[Para]:
    if not data.materials:
        return []
    return [Para(text=_fixed(data, template, "materials_heading"), role="heading", keep_with_next=True)]


def _corrections(data: ReceiptData, template: Template) -> list[Para]:
    paras: list[Para] = []
    for n, (material, requirement) in enumerate(data.correction_items, start=1):
        paras.append(Para(text=material, label=f"{n}. ", role="heading", keep_with_next=True))
        paras.append(Para(text=requirement, label="要求："))
    return paras


def _deadline(data: ReceiptData, template: Template) -> list[Para]:
    if data.correction_deadline is None:
        return []
    return [Para(text=_fixed(data, template, "deadline"), indent=template.medium == "a4", role="heading")]


def _reason(data: ReceiptData, template: Template) -> list[Para]:
    return _prose(data, template, "reason") if data.reason else []


def _competent_agency(data: ReceiptData, template: Template) -> list[Para]:
    return _prose(data, template, "competent_agency") if data.competent_agency else []


def _delivery(data: ReceiptData, template: Template) -> list[Para]:
    when = format_datetime(data.decided_at) if data.decided_at else ""
    return (
        _field("领取人：", data.collector_name)
        + _field("交付方式：", data.delivery_note)
        + _field("交付时间：", when)
    )


def _signature(data: ReceiptData, template: Template) -> list[Para]:
    label = template.texts.get("signature", "签字：")
    space = Para(kind="space", role="small", keep_with_next=True)
    if template.medium == "a4":
        return [space, Para(text="______________　日期：______年____月____日", label=label)]
    # A receipt is narrow: name and date on lines of their own, so neither breaks in the middle.
    return [
        space,
        Para(text="______________", label=label, keep_with_next=True),
        Para(text="______年____月____日", label="日期："),
    ]


def _qr(data: ReceiptData, template: Template) -> list[Para]:
    if not data.qr_text:
        return []
    caption = _fixed(data, template, "qr")
    if template.medium == "a4":
        beside = "\n".join(x for x in (caption, f"办件编号：{data.case_number}") if x)
        return [Para(kind="qr", text=data.qr_text, label=beside)]
    paras = [Para(kind="qr", text=data.qr_text, align="center", keep_with_next=True)]
    if caption:
        paras.append(Para(text=caption, align="center", role="small"))
    return paras


def _window_clerk(data: ReceiptData, template: Template) -> list[Para]:
    window = f"{data.window_number} 号窗口" if data.window_number is not None else ""
    who = "　".join(x for x in (window, data.clerk_name) if x)
    return _field("经办：", who, role="small")


def _supervision(data: ReceiptData, template: Template) -> list[Para]:
    # The item's own supervision phone; the hall's hotline stands in where the item has none.
    return _field("监督电话：", data.supervision_phone or data.branding.hotline, role="small")


def hotline_paras(hotline: str, *, already_shown: str = "") -> list[Para]:
    """The hall's 咨询电话 line, unless the same number is already on the slip as 监督电话."""
    return [] if hotline == already_shown else _field("咨询电话：", hotline, role="small")


def branding_head(branding: Branding) -> list[Para]:
    """The logo (centred, 1 bit) and the header lines that open every slip of the hall."""
    paras: list[Para] = []
    if branding.logo_png:
        paras.append(Para(kind="image", image=branding.logo_png, align="center", keep_with_next=True))
    if branding.header:
        paras.append(Para(text=branding.header, align="center", role="heading", keep_with_next=True))
    return paras


def branding_tail(branding: Branding) -> list[Para]:
    """The footer lines that close every slip of the hall."""
    return [Para(text=branding.footer, align="center", role="small")] if branding.footer else []


def _logo(data: ReceiptData, template: Template) -> list[Para]:
    return branding_head(Branding(logo_png=data.branding.logo_png))


def _header(data: ReceiptData, template: Template) -> list[Para]:
    return branding_head(Branding(header=data.branding.header))


def _hotline(data: ReceiptData, template: Template) -> list[Para]:
    shown = (data.supervision_phone or data.branding.hotline) if "supervision" in template.blocks else ""
    return hotline_paras(data.branding.hotline, already_shown=shown)


def _footer(data: ReceiptData, template: Template) -> list[Para]:
    return branding_tail(data.branding)


def _case_ref(data: ReceiptData, template: Template) -> list[Para]:
    """The case number as a plain line, for slips that are not about the case itself (评价)."""
    return _field("办件编号：", data.case_number)


def _evaluation_qr(data: ReceiptData, template: Template) -> list[Para]:
    if not data.evaluation_url:
        return []
    caption = _fixed(data, template, "evaluation_qr")
    paras = [Para(kind="qr", text=data.evaluation_url, align="center", keep_with_next=True)]
    if caption:
        paras.append(Para(text=caption, align="center", role="small"))
    return paras


def _levels(data: ReceiptData, template: Template) -> list[Para]:
    """The five 好差评 levels, best first, each with a box to tick (the paper form of GB/T 39734)."""
    intro = _fixed(data, template, "levels" if data.evaluation_url else "levels_paper")
    paras = [Para(text=intro, role="small", keep_with_next=True)] if intro else []
    codes = sorted(LEVEL_LABELS)
    for code in codes:
        paras.append(Para(text=f"□ {LEVEL_LABELS[code]}", role="heading", keep_with_next=code != codes[-1]))
    return paras


def _printed_at(data: ReceiptData, template: Template) -> list[Para]:
    return _field("打印时间：", format_datetime(data.printed_at) if data.printed_at else "", role="small")


def _seal(data: ReceiptData, template: Template) -> list[Para]:
    when = data.decided_at or data.printed_at or data.received_at
    stamp = template.texts.get("seal", "")
    return [
        Para(kind="seal", text=f"{data.station_name}{stamp}", align="right", keep_with_next=True),
        Para(text=format_date(when.date()), align="right"),
    ]


def _rule(data: ReceiptData, template: Template) -> list[Para]:
    return [Para(kind="rule")]


def _text_block(key: str) -> Block:
    def block(data: ReceiptData, template: Template) -> list[Para]:
        return _prose(data, template, key)

    return block


BLOCKS: dict[str, Block] = {
    "logo": _logo,
    "header": _header,
    "hall": _hall,
    "title": _title,
    "doc_number": _doc_number,
    "reprint_mark": _reprint_mark,
    "agent_mark": _agent_mark,
    "salutation": _salutation,
    "intro": _text_block("intro"),
    "note": _text_block("note"),
    "rights": _text_block("rights"),
    "case_number": _case_number,
    "applicant": _applicant,
    "agent": _agent,
    "items": _items,
    "department": _department,
    "received_at": _received_at,
    "accepted_at": _accepted_at,
    "notified_at": _notified_at,
    "promised": _promised,
    "materials_heading": _materials_heading,
    "materials": _materials,
    "corrections": _corrections,
    "deadline": _deadline,
    "reason": _reason,
    "competent_agency": _competent_agency,
    "delivery": _delivery,
    "signature": _signature,
    "qr": _qr,
    "window_clerk": _window_clerk,
    "supervision": _supervision,
    "hotline": _hotline,
    "footer": _footer,
    "case_ref": _case_ref,
    "evaluation_qr": _evaluation_qr,
    "levels": _levels,
    "printed_at": _printed_at,
    "seal": _seal,
    "rule": _rule,
}


def check_complete(data: ReceiptData, template: Template) -> None:
    """Refuse a document the law requires more of (gov-domain.md §3); the message says what to add."""
    unknown = [b for b in template.blocks if b not in BLOCKS]
    if unknown:
        raise ValueError(f"template {template.kind!r} names unknown blocks: {', '.join(unknown)}")
    if "corrections" in template.blocks and not data.correction_items:
        raise ValidationError(
            "补正告知必须逐项列出需要补正的材料及要求，请先填写补正内容。", field="correction_items"
        )
    if "reason" in template.blocks and not data.reason:
        raise ValidationError("不予受理必须写明具体理由，请先填写理由。", field="reason")


def paragraphs(data: ReceiptData, template: Template) -> list[Para]:
    check_complete(data, template)
    out: list[Para] = []
    for name in template.blocks:
        out.extend(BLOCKS[name](data, template))
    return out
