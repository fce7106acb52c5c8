"""Counter document templates (文书模板) as data: title, blocks in order, fixed texts.

No national template exists for these documents (gov-domain.md §3), so each is a small plain
structure a hall can replace: :func:`template_for` takes overrides. Block names are the keys of
``app.documents.content.BLOCKS``; fixed texts are ``str.format`` patterns over the fields listed
in ``app.documents.content.text_values``.

Legal anchors for the fixed texts: 行政许可法 Art. 32 (acceptance, one-time correction notice,
non-acceptance with the competent agency), 行政复议法 (2023) Art. 20 (60 days) and 行政诉讼法
Art. 46 (6 months) for the rights stated on a 不予受理通知书 and its thermal 不予受理告知单. The
评价二维码 slip follows 国办发〔2019〕51号 (好差评): one evaluation per visit, five levels, a QR
code where the hall has an evaluation page and tick boxes as the paper form where it has none.

Every thermal template starts with the hall's logo and header and ends with its hotline and
footer (``Branding``; blocks that print nothing when the hall has not configured them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Medium = Literal["thermal", "a4"]


@dataclass(frozen=True, eq=False)
class Template:
    """One document kind: what is printed and in which order.

    ``blocks`` name content blocks (see ``content.BLOCKS``); a block with nothing to say (no agent,
    no QR text) prints nothing. ``texts`` hold the fixed sentences, keyed by block name.
    """

    kind: str
    title: str
    medium: Medium
    blocks: tuple[str, ...]
    texts: Mapping[str, str] = field(default_factory=dict)


# Shared sentences, kept in one place so the thermal and A4 versions say the same thing.
_QR_CAPTION = "微信或浏览器扫码查询办理进度"
_EXCLUDED_TIME = (
    "依法需要听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审的，所需时间不计算在承诺办结期限内，"
    "届时将书面告知。"
)


def _rights(document: str) -> str:
    return (
        f"如对本决定不服，可以自收到本{document}之日起六十日内依法申请行政复议，"
        f"或者自收到本{document}之日起六个月内依法向人民法院提起行政诉讼。"
    )


_RIGHTS = _rights("通知书")
_REJECT_REASON = "不予受理的理由：{reason}"
_REJECT_REFERRAL = "该申请事项不属于本机关职权范围，请向{competent_agency}申请。"
_RECEIPT_CLOCK = (
    "本凭证仅证明已收到上列材料，不代表已受理。自收件之日起五个工作日内未一次性告知需补正内容的，"
    "自收件之日起即为受理。"
)

_THERMAL_HEAD = ("logo", "header", "hall", "title", "reprint_mark", "agent_mark", "rule")
_THERMAL_CASE = ("case_number", "applicant", "agent", "items")
_THERMAL_END = ("window_clerk", "supervision", "hotline", "printed_at", "footer")
_THERMAL_TAIL = ("rule", "qr", *_THERMAL_END)

TEMPLATES: dict[str, Template] = {
    "收件凭证": Template(
        kind="收件凭证",
        title="收件凭证",
        medium="thermal",
        blocks=(
            *_THERMAL_HEAD,
            *_THERMAL_CASE,
            "department",
            "received_at",
            "rule",
            "materials",
            "note",
            *_THERMAL_TAIL,
        ),
        texts={"note": _RECEIPT_CLOCK, "qr": _QR_CAPTION},
    ),
    "受理回执": Template(
        kind="受理回执",
        title="受理回执",
        medium="thermal",
        blocks=(
            *_THERMAL_HEAD,
            *_THERMAL_CASE,
            "department",
            "received_at",
            "accepted_at",
            "promised",
            "rule",
            "materials",
            "note",
            *_THERMAL_TAIL,
        ),
        texts={
            "note": "请妥善保管本回执，凭办件编号和查询密码查询进度、领取结果。" + _EXCLUDED_TIME,
            "qr": _QR_CAPTION,
        },
    ),
    "补正告知": Template(
        kind="补正告知",
        title="补正材料告知单",
        medium="thermal",
        blocks=(
            *_THERMAL_HEAD,
            *_THERMAL_CASE,
            "received_at",
            "notified_at",
            "rule",
            "intro",
            "corrections",
            "deadline",
            "note",
            *_THERMAL_TAIL,
        ),
        texts={
            "intro": "经审查，您提交的申请材料需补正以下全部内容（一次性告知）：",
            "deadline": "请于{deadline}前补正。",
            "note": "请携带本告知单和补正材料到窗口办理；材料齐全后予以受理，受理日期为收到全部补正材料之日。",
            "qr": _QR_CAPTION,
        },
    ),
    "领取回执": Template(
        kind="领取回执",
        title="领取回执",
        medium="thermal",
        blocks=(
            *_THERMAL_HEAD,
            *_THERMAL_CASE,
            "delivery",
            "rule",
            "note",
            "signature",
            *_THERMAL_TAIL,
        ),
        texts={
            "note": "办理结果已交付，请当面核对。欢迎对本次服务作出评价。",
            "signature": "领取人签字：",
            "qr": _QR_CAPTION,
        },
    ),
    "不予受理告知": Template(
        kind="不予受理告知",
        title="不予受理告知单",
        medium="thermal",
        blocks=(
            *_THERMAL_HEAD,
            *_THERMAL_CASE,
            "department",
            "received_at",
            "notified_at",
            "rule",
            "intro",
            "reason",
            "competent_agency",
            "rights",
            *_THERMAL_TAIL,
        ),
        texts={
            "intro": "经审查，根据《中华人民共和国行政许可法》第三十二条第一款的规定，您的申请不予受理。",
            "reason": _REJECT_REASON,
            "competent_agency": _REJECT_REFERRAL,
            "rights": _rights("告知单"),
            "qr": _QR_CAPTION,
        },
    ),
    "评价二维码": Template(
        kind="评价二维码",
        title="请对本次服务进行评价",
        medium="thermal",
        blocks=(
            *_THERMAL_HEAD,
            "case_ref",
            "agent",
            "window_clerk",
            "rule",
            "evaluation_qr",
            "levels",
            "note",
            "rule",
            *_THERMAL_END[1:],
        ),
        texts={
            "evaluation_qr": "微信或浏览器扫码，对本次服务作出评价",
            "levels": "也可在您的评价前的方框内打“√”，交回窗口：",
            "levels_paper": "请在您的评价前的方框内打“√”，交回窗口：",
            "note": "您的评价将用于改进政务服务；对“不满意”“非常不满意”的评价，我们将回访核实并整改。",
        },
    ),
    "受理通知书": Template(
        kind="受理通知书",
        title="受理通知书",
        medium="a4",
        blocks=(
            "doc_number",
            "title",
            "reprint_mark",
            "agent_mark",
            "salutation",
            "intro",
            "case_number",
            "applicant",
            "agent",
            "department",
            "received_at",
            "accepted_at",
            "promised",
            "note",
            "materials_heading",
            "materials",
            "qr",
            "supervision",
            "seal",
            "signature",
        ),
        texts={
            "intro": (
                "你（单位）于{received_date}提交的{items}申请，申请材料齐全、符合法定形式。"
                "根据《中华人民共和国行政许可法》第三十二条的规定，决定予以受理。"
            ),
            "note": _EXCLUDED_TIME,
            "materials_heading": "申请材料接收清单",
            "qr": _QR_CAPTION,
            "seal": "（受理专用章）",
            "signature": "申请人签收：",
        },
    ),
    "一次性告知书": Template(
        kind="一次性告知书",
        title="补正材料一次性告知书",
        medium="a4",
        blocks=(
            "doc_number",
            "title",
            "reprint_mark",
            "agent_mark",
            "salutation",
            "intro",
            "corrections",
            "deadline",
            "case_number",
            "applicant",
            "agent",
            "received_at",
            "notified_at",
            "window_clerk",
            "qr",
            "supervision",
            "seal",
            "signature",
        ),
        texts={
            "intro": (
                "你（单位）于{received_date}提交的{items}申请，申请材料不齐全或者不符合法定形式。"
                "根据《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，"
                "现一次性告知需要补正的全部内容如下："
            ),
            "deadline": (
                "请于{deadline}前补正。补正材料齐全、符合法定形式后予以受理，受理日期为收到全部补正材料之日。"
            ),
            "qr": _QR_CAPTION,
            "seal": "（受理专用章）",
            "signature": "申请人签收：",
        },
    ),
    "不予受理通知书": Template(
        kind="不予受理通知书",
        title="不予受理通知书",
        medium="a4",
        blocks=(
            "doc_number",
            "title",
            "reprint_mark",
            "agent_mark",
            "salutation",
            "intro",
            "reason",
            "competent_agency",
            "rights",
            "case_number",
            "applicant",
            "agent",
            "received_at",
            "notified_at",
            "window_clerk",
            "supervision",
            "seal",
            "signature",
        ),
        texts={
            "intro": (
                "你（单位）于{received_date}提交的{items}申请，经审查，"
                "根据《中华人民共和国行政许可法》第三十二条第一款的规定，决定不予受理。"
            ),
            "reason": _REJECT_REASON,
            "competent_agency": _REJECT_REFERRAL,
            "rights": _RIGHTS,
            "seal": "（受理专用章）",
            "signature": "申请人签收：",
        },
    ),
}

THERMAL_KINDS: tuple[str, ...] = tuple(k for k, t in TEMPLATES.items() if t.medium == "thermal")
A4_KINDS: tuple[str, ...] = tuple(k for k, t in TEMPLATES.items() if t.medium == "a4")


def template_for(
    kind: str,
    *,
    title: str | None = None,
    blocks: tuple[str, ...] | None = None,
    texts: Mapping[str, str] | None = None,
) -> Template:
    """The template of ``kind``, with a hall's overrides; ``texts`` replace single sentences.

    Raises ValueError for an unknown kind (a programming error, not something a clerk can fix).
    """
    try:
        base = TEMPLATES[kind]
    except KeyError:
        raise ValueError(f"unknown document kind {kind!r}; known: {', '.join(TEMPLATES)}") from None
    return dataclasses.replace(
        base,
        title=base.title if title is None else title,
        blocks=base.blocks if blocks is None else blocks,
        texts={**base.texts, **(texts or {})},
    )
