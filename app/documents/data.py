"""What a counter document prints (ReceiptData) and how to build it from a case view.

ReceiptData holds only what goes on paper: the applicant's ID number arrives masked and a full
18-digit ID number anywhere in it is refused at construction, so no template can print one.
:class:`Branding` is what a hall prints on every slip (抬头, 页脚, 标志, 热线), read from the
``print.*`` configuration keys by :func:`branding_from_config`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence, Sized
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import NamedTuple, Protocol
from urllib.parse import quote

from app.clock import LOCAL_TZ, local_now
from app.config import Config
from app.documents.layout import image_ink
from app.errors import ConfigError, ValidationError
from app.masking import scrub_text
from app.validation import check_id_number, check_uscc

log = logging.getLogger(__name__)


class MaterialLine(NamedTuple):
    """One line of a material list: name, what happened to it (已收 / 容缺后补 …) and page count."""

    name: str
    status_label: str
    pages: int


class CorrectionLine(NamedTuple):
    """一次性告知 line: a material to add or fix and the standard it must meet."""

    material: str
    requirement: str


@dataclass(frozen=True)
class Branding:
    """A hall's own marks on every thermal slip (小票抬头/页脚/标志/热线).

    ``header`` prints above the hall name and ``footer`` at the very bottom (newlines kept);
    ``logo_png`` is the logo file's bytes (b"" = none), drawn centred at the top in 1 bit;
    ``hotline`` is the hall's 监督/咨询电话, printed as 监督电话 when the item has none of its own.
    """

    header: str = ""
    footer: str = ""
    logo_png: bytes = b""
    hotline: str = ""


NO_BRANDING = Branding()
LOGO_KEY = "print.logo"
#: The box a logo is checked against when loaded: the widest paper and the tallest logo drawn.
_LOGO_CHECK_BOX = (576, 120)


def load_logo(path: Path) -> bytes:
    """The logo file's bytes, checked to print as something; ConfigError naming print.logo if not."""
    try:
        png = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"找不到标志图片 {path}（设置项 {LOGO_KEY}）。请把 PNG 图片放到这个位置，"
            f"或在设置中改正 {LOGO_KEY} 的路径；不需要标志请把 {LOGO_KEY} 留空。",
            key=LOGO_KEY,
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"无法读取标志图片 {path}（设置项 {LOGO_KEY}）：{exc.strerror or exc}。"
            f"请检查文件权限，或把 {LOGO_KEY} 留空。",
            key=LOGO_KEY,
        ) from exc
    try:
        image_ink(png, *_LOGO_CHECK_BOX)
    except ValueError as exc:
        if "no dark pixels" in str(exc):
            problem = "颜色太浅，转成黑白后是一片空白"
        else:
            problem = "不是能读取的 PNG 图片"
        log.warning("logo %s refused: %s", path, exc)
        raise ConfigError(
            f"标志图片 {path}（设置项 {LOGO_KEY}）{problem}。请换一张深色的 PNG 图片，或把 {LOGO_KEY} 留空。",
            key=LOGO_KEY,
        ) from exc
    return png


def branding_from_config(config: Config) -> Branding:
    """The ``print.*`` keys as Branding; a relative logo path is taken next to the config file.

    Raises ConfigError (naming print.logo) when the logo file is missing or unusable, so a wrong
    path is reported when the slip is made, never as a crash in the middle of printing.
    """
    logo = config.get_str(LOGO_KEY).strip()
    logo_png = b""
    if logo:
        path = Path(logo).expanduser()
        if not path.is_absolute():
            path = (config.source.parent if config.source is not None else Path.cwd()) / path
        logo_png = load_logo(path)
    return Branding(
        header=config.get_str("print.header").strip(),
        footer=config.get_str("print.footer").strip(),
        logo_png=logo_png,
        hotline=config.get_str("print.hotline").strip(),
    )


def evaluation_link(pattern: str, case_number: str) -> str:
    """The evaluation page for a case: ``{case_number}`` in the configured URL replaced."""
    return pattern.replace("{case_number}", quote(case_number, safe="-_.")) if pattern else ""


@dataclass(frozen=True, kw_only=True)
class ReceiptData:
    """The facts one printed document shows (收件凭证, 受理回执, 通知书 …).

    ``agent_name`` set means a 代办 case: every kind then carries the 代办 marking. Times may be
    aware (shown in Beijing time) or naive (shown as they are). ``decided_at`` is the time of the
    decision the document records (受理 / 补正告知 / 不予受理 / 出件); ``reprint`` marks 补打.
    ``evaluation_url`` is the 好差评 page the 评价二维码 slip encodes; ``branding`` the hall's marks.
    """

    kind: str
    station_name: str
    window_number: int | None
    clerk_name: str
    case_number: str
    query_password: str
    applicant_name: str
    applicant_id_masked: str
    agent_name: str | None
    items: tuple[str, ...]
    department: str
    received_at: dt.datetime
    promised_date: dt.date | None
    promised_provisional: bool
    materials: tuple[tuple[str, str, int], ...] = ()
    correction_items: tuple[tuple[str, str], ...] = ()
    correction_deadline: dt.date | None = None
    reason: str = ""
    competent_agency: str = ""
    supervision_phone: str = ""
    qr_text: str = ""
    decided_at: dt.datetime | None = None
    printed_at: dt.datetime | None = None
    collector_name: str = ""
    delivery_note: str = ""
    reprint: bool = False
    evaluation_url: str = ""
    branding: Branding = NO_BRANDING

    def __post_init__(self) -> None:
        if not is_masked_id(self.applicant_id_masked):
            raise ValueError("ReceiptData.applicant_id_masked holds an unmasked ID number")
        for f in fields(self):
            for text in _strings(getattr(self, f.name)):
                if _contains_full_id(text):
                    raise ValueError(f"ReceiptData.{f.name} contains an unmasked ID number")

    @property
    def is_agent_case(self) -> bool:
        return bool(self.agent_name)


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for v in value:
            yield from _strings(v)
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from _strings(getattr(value, f.name))


_ID18_RUN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_FULL_ID = re.compile(r"\d{15}|\d{17}[\dXx]")


def _valid_id(candidate: str) -> bool:
    try:
        check_id_number(candidate)
    except ValidationError:
        return False
    return True


def _contains_full_id(text: str) -> bool:
    # Only checksum-valid numbers count, so a long serial or tracking number is not mistaken for one.
    return any(_valid_id(m.group(0)) for m in _ID18_RUN.finditer(text))


def is_masked_id(value: str) -> bool:
    """True unless ``value`` is a whole ID number (18 or 15 digits); an organisation's USCC is public."""
    compact = value.strip()
    if not _FULL_ID.fullmatch(compact):
        return True
    try:
        check_uscc(compact)
    except ValidationError:
        return False
    return True


class CorrectionFacts(Protocol):
    @property
    def material(self) -> str: ...
    @property
    def requirement(self) -> str: ...


class CaseFacts(Protocol):
    """What :func:`receipt_data_for` reads from a case view (``app.services.case_views.CaseView``).

    Only the masked ID number is part of it: the full number is not available to paper at all.
    """

    @property
    def local_number(self) -> str: ...
    @property
    def query_password(self) -> str: ...
    @property
    def applicant_name(self) -> str: ...
    @property
    def applicant_id_masked(self) -> str: ...
    @property
    def agent_name(self) -> str | None: ...
    @property
    def item_names(self) -> Sequence[str]: ...
    @property
    def department(self) -> str: ...
    @property
    def received_at(self) -> dt.datetime | None: ...
    @property
    def accepted_at(self) -> dt.datetime | None: ...
    @property
    def promised_date(self) -> dt.date | None: ...
    @property
    def promised_provisional(self) -> bool: ...
    @property
    def correction_items(self) -> Sequence[CorrectionFacts]: ...
    @property
    def correction_deadline(self) -> dt.date | None: ...
    @property
    def last_reason(self) -> str: ...
    @property
    def competent_agency(self) -> str: ...


class MaterialFacts(Protocol):
    """What :func:`material_lines` reads from a material view (``app.services.materials.MaterialView``)."""

    @property
    def name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def pages(self) -> Sized: ...
    @property
    def original_seen(self) -> bool: ...
    @property
    def deferred_due(self) -> dt.date | None: ...


_STATUS_LABELS = {"received": "已收", "missing": "未收", "deferred": "容缺后补", "reused": "复用已有材料"}


def material_line(
    name: str, status: str, pages: int, *, original_seen: bool = False, deferred_due: dt.date | None = None
) -> MaterialLine:
    """A printable line from CaseMaterial.status (received / missing / deferred / reused)."""
    label = _STATUS_LABELS.get(status, status)
    if status == "received" and original_seen:
        label += "，已核验原件"
    if status == "deferred" and deferred_due is not None:
        label += f"（{format_date(deferred_due)}前提交）"
    return MaterialLine(name, label, pages)


def material_lines(materials: Iterable[MaterialFacts]) -> tuple[MaterialLine, ...]:
    return tuple(
        material_line(
            m.name, m.status, len(m.pages), original_seen=m.original_seen, deferred_due=m.deferred_due
        )
        for m in materials
    )


def format_date(day: dt.date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def format_datetime(moment: dt.datetime) -> str:
    local = moment.astimezone(LOCAL_TZ) if moment.tzinfo is not None else moment
    return f"{format_date(local.date())} {local:%H:%M}"


def _paper_text(text: str) -> str:
    """Free text typed by a clerk may hold an ID or mobile number; paper gets the masks."""
    return scrub_text(text.strip())


def receipt_data_for(
    kind: str,
    case: CaseFacts,
    *,
    station_name: str,
    window_number: int | None,
    clerk_name: str,
    materials: Iterable[tuple[str, str, int]] = (),
    supervision_phone: str = "",
    qr_text: str | None = None,
    reason: str | None = None,
    competent_agency: str | None = None,
    collector_name: str = "",
    delivery_note: str = "",
    reprint: bool = False,
    evaluation_url: str = "",
    branding: Branding = NO_BRANDING,
    now: dt.datetime | None = None,
) -> ReceiptData:
    """ReceiptData for a case view: the one way screens should build what they print.

    ``reason`` / ``competent_agency`` default to the case's last decision; ``qr_text`` defaults to
    the case number and query password (what a hall's query page asks for). ``collector_name`` is a
    name only: the collector's ID number never goes on paper. Free text is passed through the
    masking scrubber, so an ID number typed into a reason prints masked. ``evaluation_url`` is the
    configured 好差评 page (``print.evaluation_url``), ``{case_number}`` in it filled in.
    """
    moment = now or local_now()
    decided_at = case.accepted_at if kind in ("受理回执", "受理通知书") and case.accepted_at else moment
    if qr_text is None:
        qr_text = f"办件编号:{case.local_number} 查询密码:{case.query_password}" if case.local_number else ""
    applicant_id = case.applicant_id_masked
    if not is_masked_id(applicant_id):
        # A caller handed over a full number: paper gets the mask all the same, and the log says so.
        log.warning("receipt_data_for got an unmasked applicant ID for case %s", case.local_number)
        applicant_id = scrub_text(applicant_id)
    return ReceiptData(
        kind=kind,
        station_name=station_name,
        window_number=window_number,
        clerk_name=clerk_name,
        case_number=case.local_number,
        query_password=case.query_password,
        applicant_name=_paper_text(case.applicant_name),
        applicant_id_masked=applicant_id,
        agent_name=_paper_text(case.agent_name) if case.agent_name else None,
        items=tuple(_paper_text(i) for i in case.item_names),
        department=case.department,
        received_at=case.received_at or moment,
        promised_date=case.promised_date,
        promised_provisional=case.promised_provisional,
        materials=tuple(MaterialLine(_paper_text(n), s, p) for n, s, p in materials),
        correction_items=tuple(
            CorrectionLine(_paper_text(c.material), _paper_text(c.requirement)) for c in case.correction_items
        ),
        correction_deadline=case.correction_deadline,
        reason=_paper_text(case.last_reason if reason is None else reason),
        competent_agency=_paper_text(case.competent_agency if competent_agency is None else competent_agency),
        supervision_phone=supervision_phone,
        qr_text=qr_text,
        decided_at=decided_at,
        printed_at=moment,
        collector_name=_paper_text(collector_name),
        delivery_note=_paper_text(delivery_note),
        reprint=reprint,
        evaluation_url=evaluation_link(evaluation_url, case.local_number),
        branding=branding,
    )
