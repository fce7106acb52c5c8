"""Ops for the case workspace: the 办事指南 of an item or bundle, opening a case and deciding on it.

Each factory returns an :class:`~ui.ops.Op` whose ``run`` opens its own Session on the runner's
DB thread and returns plain values (core dataclasses or the small ones below), never ORM rows.
Widgets read the :class:`~ui.counter.visit.Visit` on the UI thread and pass the values in; a run
never touches a QObject.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.case_states import CaseAction
from app.clock import local_date
from app.context import AppContext
from app.documents.data import ReceiptData, branding_from_config, material_lines, receipt_data_for
from app.errors import DomainError
from app.model import (
    FORM_LABELS,
    NECESSITY_LABELS,
    Case,
    CaseMaterial,
    ItemBundle,
    MaterialRequirement,
    ServiceItem,
    Station,
    Window,
    utcnow,
)
from app.services import case_flow
from app.services.actor import Actor
from app.services.calendar import load_calendar
from app.services.case_views import CaseView, CorrectionItem, case_items
from app.services.cases import CaseRow, TimelineEntry, case_timeline, search_cases
from app.services.catalog import BundleSummary, list_bundles, pinyin_initials
from app.services.materials import case_materials, missing_required
from ui import core_labels
from ui.counter.visit import Visit
from ui.ops import Changes, Op

#: 法定/承诺时限单位 codes (the platform exchange's TIMEUNIT); see reference/gov-domain.md §1.6.
#: Chinese source texts of the "Limits" translation context.
LIMIT_UNIT_LABELS = {
    "1": str(QT_TRANSLATE_NOOP("Limits", "个工作日")),
    "2": str(QT_TRANSLATE_NOOP("Limits", "天")),
    "3": str(QT_TRANSLATE_NOOP("Limits", "小时")),
    "4": str(QT_TRANSLATE_NOOP("Limits", "分钟")),
    "5": str(QT_TRANSLATE_NOOP("Limits", "个月")),
}
IMMEDIATE = str(QT_TRANSLATE_NOOP("Limits", "即办"))
NO_LIMIT = str(QT_TRANSLATE_NOOP("Limits", "无"))
NO_FEE = str(QT_TRANSLATE_NOOP("Limits", "不收费"))
#: 补正 deadline the dialog proposes: five working days is the usual 一次性告知 term.
CORRECTION_WORKING_DAYS = 5
CASE_CHANGES = Changes(cases=True, outbox=True)


def _translate(text: str) -> str:
    """``text`` marked in the "Limits" context, translated (thread-safe: guides are built in ops)."""
    return QCoreApplication.translate("Limits", text)


def limit_text(amount: int, unit: str, *, zero: str = IMMEDIATE) -> str:
    """ "20 个工作日", "3 个月" or "即办" for a limit of 0, in the interface language."""
    if amount <= 0:
        return _translate(zero)
    return f"{amount} {_translate(LIMIT_UNIT_LABELS.get(unit, unit))}"


@dataclass(frozen=True)
class GuideMaterial:
    """One line of the guide's material list."""

    name: str
    necessity: str
    necessity_label: str
    copies: str
    form_label: str
    standard: str


@dataclass(frozen=True)
class ItemGuide:
    """办事指南: what the clerk reads out to the applicant, copied out of the catalog rows."""

    title: str
    code: str
    is_bundle: bool
    item_names: tuple[str, ...]
    department: str
    conditions: tuple[str, ...]
    materials: tuple[GuideMaterial, ...]
    statutory_limits: tuple[str, ...]
    promised_limits: tuple[str, ...]
    fees: tuple[str, ...]
    windows: tuple[str, ...]
    places: tuple[str, ...]
    office_hours: str
    enquiry_phones: tuple[str, ...]
    supervision_phones: tuple[str, ...]


def _copies(original: int, copies: int) -> str:
    parts = []
    if original:
        parts.append(QCoreApplication.translate("Limits", "原件 {n} 份").format(n=original))
    if copies:
        parts.append(QCoreApplication.translate("Limits", "复印件 {n} 份").format(n=copies))
    return " · ".join(parts) or "—"


def _fee_lines(item: ServiceItem) -> list[str]:
    if not item.fee_charged or not item.fees:
        return [_translate(NO_FEE)]
    lines = []
    for fee in item.fees:
        name = str(fee.get("name", "")).strip() or QCoreApplication.translate("Limits", "收费")
        standard = str(fee.get("standard", "")).strip()
        fee_line = QCoreApplication.translate("Limits", "{name}：{standard}")
        lines.append(fee_line.format(name=name, standard=standard) if standard else name)
    return lines


def _unique(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _guide(title: str, code: str, items: list[ServiceItem], *, is_bundle: bool) -> ItemGuide:
    labelled = len(items) > 1  # in a bundle each line says which item it belongs to

    def tag(item: ServiceItem, text: str) -> str:
        if not labelled:
            return text
        return QCoreApplication.translate("Limits", "{item}：{text}").format(item=item.name, text=text)

    def noted(text: str, note: str) -> str:
        if not note:
            return text
        return QCoreApplication.translate("Limits", "{limit}（{note}）").format(limit=text, note=note)

    requirements = {r.id: r for item in items for r in item.materials}
    materials = []
    for name, necessity, req_id in case_flow.merged_requirements(items):
        req = requirements.get(req_id) if req_id is not None else None
        materials.append(
            GuideMaterial(
                name=name,
                necessity=necessity,
                necessity_label=core_labels.necessity(NECESSITY_LABELS.get(necessity, necessity)),
                copies=_copies(req.original_copies, req.copy_copies) if req else "—",
                form_label=core_labels.material_form(FORM_LABELS.get(req.form, req.form)) if req else "",
                standard=req.acceptance_standard if req else "",
            )
        )
    statutory = []
    promised = []
    for item in items:
        text = limit_text(item.statutory_limit, item.statutory_limit_unit, zero=NO_LIMIT)
        statutory.append(tag(item, noted(text, item.statutory_limit_note)))
        text = limit_text(item.promised_limit, item.promised_limit_unit)
        promised.append(tag(item, noted(text, item.promised_limit_note)))
    return ItemGuide(
        title=title,
        code=code,
        is_bundle=is_bundle,
        item_names=tuple(i.name for i in items),
        department=items[0].department if items else "",
        conditions=_unique([tag(i, i.acceptance_conditions) for i in items if i.acceptance_conditions]),
        materials=tuple(materials),
        statutory_limits=tuple(statutory),
        promised_limits=tuple(promised),
        fees=_unique([tag(i, line) for i in items for line in _fee_lines(i)]),
        windows=_unique([i.window for i in items]),
        places=_unique([i.handling_place for i in items]),
        office_hours=next((i.office_hours for i in items if i.office_hours), ""),
        enquiry_phones=_unique([tag(i, i.enquiry_phone) for i in items if i.enquiry_phone]),
        supervision_phones=_unique([i.supervision_phone for i in items]),
    )


def load_item_guide(ctx: AppContext, impl_code: str) -> Op[ItemGuide]:
    """The guide of one service item (read only)."""

    def run() -> ItemGuide:
        with ctx.db.session() as session:
            item = session.execute(
                select(ServiceItem).where(ServiceItem.impl_code == impl_code)
            ).scalar_one_or_none()
            if item is None:
                message = QCoreApplication.translate(
                    "CaseOps", "找不到实施编码为 {code} 的事项，请刷新事项目录后重试。"
                )
                raise DomainError(message.format(code=impl_code))
            return _guide(item.name, item.impl_code, [item], is_bundle=False)

    return Op(run=run, name="load_item_guide")


def load_bundle_guide(ctx: AppContext, code: str) -> Op[ItemGuide]:
    """The merged guide of a 一件事 bundle: its items' conditions, limits and one material list."""

    def run() -> ItemGuide:
        with ctx.db.session() as session:
            bundle = session.execute(select(ItemBundle).where(ItemBundle.code == code)).scalar_one_or_none()
            if bundle is None:
                message = QCoreApplication.translate(
                    "CaseOps", "找不到编号为 {code} 的“一件事”，请刷新事项目录后重试。"
                )
                raise DomainError(message.format(code=code))
            return _guide(bundle.name, bundle.code, list(bundle.items), is_bundle=True)

    return Op(run=run, name="load_bundle_guide")


def bundle_matches(bundle: BundleSummary, query: str) -> bool:
    """True when ``query`` is in the bundle's name, one of its items' names or their pinyin initials."""
    q = query.strip().lower()
    if not q:
        return True
    texts = (bundle.name, *bundle.item_names)
    return any(q in text.lower() or q in pinyin_initials(text) for text in texts)


def search_bundles(ctx: AppContext, query: str) -> Op[list[BundleSummary]]:
    """一件事 bundles matching ``query`` (all of them for an empty query)."""

    def run() -> list[BundleSummary]:
        with ctx.db.session() as session:
            return [b for b in list_bundles(session) if bundle_matches(b, query)]

    return Op(run=run, name="search_bundles")


# --- opening a case and deciding on it ---------------------------------------------------------


@dataclass(frozen=True)
class VisitFacts:
    """What opening a case needs of the Visit, read on the UI thread and handed to the op."""

    actor: Actor
    item_impl_code: str | None
    bundle_code: str | None
    applicant_id: int | None
    agent_id: int | None
    authorization_id: int | None
    ticket_id: int | None


@dataclass(frozen=True)
class CaseResult:
    """A case after an op changed it; carries Changes so the window refreshes its counters."""

    case: CaseView
    changes: Changes = field(default=CASE_CHANGES)


def _window_id(ctx: AppContext, session: Session) -> int | None:
    number = ctx.config.get_int("station.window_number")
    return session.execute(
        select(Window.id).join(Station).where(Station.code == ctx.station_code, Window.number == number)
    ).scalar_one_or_none()


def open_visit_case(ctx: AppContext, facts: VisitFacts, *, pre_register: bool = False) -> Op[CaseResult]:
    """收件 (or 预登记 with ``pre_register``) of a new case for the visit's item or bundle."""

    def run() -> CaseResult:
        if facts.item_impl_code is None and facts.bundle_code is None:
            raise DomainError(
                QCoreApplication.translate("CaseOps", "请先在“办件”中选择要办理的事项或“一件事”。")
            )
        if facts.applicant_id is None:
            raise DomainError(
                QCoreApplication.translate("CaseOps", "请先读取申请人身份证或录入申请人信息，再开始收件。")
            )
        with ctx.db.session() as session:
            flow = case_flow.pre_register if pre_register else case_flow.open_case
            view = flow(
                session,
                facts.actor,
                station_code=ctx.station_code,
                item_impl_code=facts.item_impl_code,
                bundle_code=facts.bundle_code,
                applicant_id=facts.applicant_id,
                agent_id=facts.agent_id,
                authorization_id=facts.authorization_id,
                ticket_id=facts.ticket_id,
                window_id=_window_id(ctx, session),
            )
            return CaseResult(view)

    name = "pre_register" if pre_register else "open_case"
    return Op(run=run, name=name)


def load_case(ctx: AppContext, case_id: int) -> Op[CaseView]:
    def run() -> CaseView:
        with ctx.db.session() as session:
            return case_flow.case_view(session, case_id)

    return Op(run=run, name="load_case")


def receive_case(ctx: AppContext, actor: Actor, case_id: int) -> Op[CaseResult]:
    """收件 of a pre-registered case at the department window that will decide on it."""

    def run() -> CaseResult:
        with ctx.db.session() as session:
            return CaseResult(case_flow.transition(session, case_id, CaseAction.RECEIVE, actor))

    return Op(run=run, name="receive_case")


def accept_case(ctx: AppContext, actor: Actor, case_id: int) -> Op[CaseResult]:
    """受理: the promised date is computed by the core."""

    def run() -> CaseResult:
        with ctx.db.session() as session:
            return CaseResult(case_flow.accept(session, actor, case_id))

    return Op(run=run, name="accept_case")


def request_correction(
    ctx: AppContext, actor: Actor, case_id: int, items: Sequence[CorrectionItem], deadline: dt.date
) -> Op[CaseResult]:
    """补正告知 (一次性告知) of every listed material, to be supplied by ``deadline``."""
    lines = list(items)

    def run() -> CaseResult:
        with ctx.db.session() as session:
            return CaseResult(case_flow.request_correction(session, actor, case_id, lines, deadline=deadline))

    return Op(run=run, name="request_correction")


def reject_case(
    ctx: AppContext, actor: Actor, case_id: int, *, reason: str, competent_agency: str
) -> Op[CaseResult]:
    """不予受理 with its reason and, when known, the competent agency to apply to instead."""

    def run() -> CaseResult:
        with ctx.db.session() as session:
            view = case_flow.reject(session, actor, case_id, reason=reason, competent_agency=competent_agency)
            return CaseResult(view)

    return Op(run=run, name="reject_case")


def undo_decision(ctx: AppContext, actor: Actor, case_id: int, *, reason: str) -> Op[CaseResult]:
    """撤销决定 (supervisor only): the case goes back to 已收件."""

    def run() -> CaseResult:
        with ctx.db.session() as session:
            return CaseResult(case_flow.undo_decision(session, actor, case_id, reason=reason))

    return Op(run=run, name="undo_decision")


def receive_correction(ctx: AppContext, actor: Actor, case_id: int) -> Op[CaseResult]:
    """补正收件: the applicant brought what was asked for; the case is 已收件 again."""

    def run() -> CaseResult:
        with ctx.db.session() as session:
            return CaseResult(case_flow.receive_correction(session, actor, case_id))

    return Op(run=run, name="receive_correction")


# --- paper ---------------------------------------------------------------------------------------


def clerk_name(actor: Actor) -> str:
    """The name printed as 经办人: the display name, else the account name."""
    return actor.display_name or actor.username


def build_receipt(
    ctx: AppContext,
    case_id: int,
    kind: str,
    *,
    clerk: str,
    collector_name: str = "",
    delivery_note: str = "",
) -> Op[ReceiptData]:
    """What a receipt or notice of ``kind`` prints for the case as it is now in the database,
    with the hall's branding and evaluation page (``print.*``; a bad logo path is a ConfigError)."""
    station_name = ctx.config.get_str("station.name")
    window_number = ctx.config.get_int("station.window_number")
    evaluation_url = ctx.config.get_str("print.evaluation_url")

    def run() -> ReceiptData:
        branding = branding_from_config(ctx.config)
        with ctx.db.session() as session:
            view = case_flow.case_view(session, case_id)
            row = session.get(Case, case_id)
            items = case_items(session, row) if row is not None else []
            phone = next((i.supervision_phone for i in items if i.supervision_phone), "")
            lines = material_lines(case_materials(session, case_id))
            return receipt_data_for(
                kind,
                view,
                station_name=station_name,
                window_number=window_number,
                clerk_name=clerk,
                materials=lines,
                supervision_phone=phone,
                collector_name=collector_name,
                delivery_note=delivery_note,
                evaluation_url=evaluation_url,
                branding=branding,
            )

    return Op(run=run, name="build_receipt")


# --- the case list and a case's detail -----------------------------------------------------------


def find_cases(ctx: AppContext, text: str, filter_key: str) -> Op[list[CaseRow]]:
    """Cases matching ``text`` (number, name, ID, phone) under one filter of the case list."""

    def run() -> list[CaseRow]:
        with ctx.db.session() as session:
            return search_cases(session, text=text, filter=filter_key)

    return Op(run=run, name="find_cases")


@dataclass(frozen=True)
class CaseDetail:
    """A case with its timeline from the audit trail, for the detail window."""

    case: CaseView
    timeline: tuple[TimelineEntry, ...]


def load_case_detail(ctx: AppContext, case_id: int) -> Op[CaseDetail]:
    def run() -> CaseDetail:
        with ctx.db.session() as session:
            view = case_flow.case_view(session, case_id)
            return CaseDetail(view, tuple(case_timeline(session, case_id)))

    return Op(run=run, name="load_case_detail")


def deliver_case(
    ctx: AppContext,
    actor: Actor,
    case_id: int,
    *,
    collector_id_number: str | None,
    collector_name: str,
    mail_address: str | None = None,
    tracking_number: str = "",
) -> Op[CaseResult]:
    """出件: in person (the collector's ID is checked by the core) or by EMS with a tracking number."""

    def run() -> CaseResult:
        with ctx.db.session() as session:
            view = case_flow.deliver(
                session,
                actor,
                case_id,
                collector_id_number=collector_id_number,
                collector_name=collector_name,
                mail_address=mail_address,
                tracking_number=tracking_number,
            )
            return CaseResult(view)

    return Op(run=run, name="deliver_case")


def facts_of(visit: Visit) -> VisitFacts:
    """Read what opening a case needs off the Visit (UI thread only)."""
    return VisitFacts(
        actor=visit.actor,
        item_impl_code=visit.item_impl_code,
        bundle_code=visit.bundle_code,
        applicant_id=visit.applicant.id if visit.applicant is not None else None,
        agent_id=visit.agent_id,
        authorization_id=visit.authorization_id,
        ticket_id=visit.ticket.id if visit.ticket is not None else None,
    )


# --- what a decision will do, for its confirmation ---------------------------------------------


@dataclass(frozen=True)
class AcceptancePreview:
    """What 受理 would do now: the promised date it would set, or what still blocks it."""

    case: CaseView
    blocking: tuple[str, ...]
    promised_date: dt.date | None
    promised_provisional: bool


def preview_acceptance(ctx: AppContext, case_id: int) -> Op[AcceptancePreview]:
    """The promised date 受理 would compute today (read only; the core sets the real one)."""

    def run() -> AcceptancePreview:
        with ctx.db.session() as session:
            row = session.get(Case, case_id)
            if row is None:
                message = QCoreApplication.translate("CaseOps", "办件 {id} 不存在，请刷新后重试。")
                raise DomainError(message.format(id=case_id))
            calendar = load_calendar(session)
            today = local_date(utcnow())
            deadlines = [case_flow.promised_deadline(i, today, calendar) for i in case_items(session, row)]
            latest = max(deadlines, key=lambda d: d.date) if deadlines else None
            return AcceptancePreview(
                case=case_flow.case_view(session, case_id),
                blocking=tuple(case_flow.blocking_materials(row)),
                promised_date=latest.date if latest else None,
                promised_provisional=any(d.provisional for d in deadlines),
            )

    return Op(run=run, name="preview_acceptance")


@dataclass(frozen=True)
class CorrectionDraft:
    """The 一次性告知 the dialog proposes: every missing or defective material, and a deadline."""

    case: CaseView
    items: tuple[CorrectionItem, ...]
    deadline: dt.date


def _requirement(standard: str, problem: str) -> str:
    """What the applicant reads: what is wrong, then the material's acceptance standard.

    Not translated: the text is printed on the Chinese 一次性告知书 the applicant takes home.
    """
    wanted = f"请按要求提交：{standard}" if standard else "请补交该材料"
    return f"{problem}，{wanted}" if problem else wanted


def draft_correction(ctx: AppContext, case_id: int) -> Op[CorrectionDraft]:
    """Pre-fill the 补正 dialog: missing required materials first, then ones with failing pages."""

    def run() -> CorrectionDraft:
        with ctx.db.session() as session:
            rows = session.execute(
                select(CaseMaterial.id, MaterialRequirement.acceptance_standard)
                .join(MaterialRequirement, CaseMaterial.requirement_id == MaterialRequirement.id)
                .where(CaseMaterial.case_id == case_id)
            ).all()
            standards: dict[int, str] = {material_id: standard for material_id, standard in rows}
            missing = missing_required(session, case_id)
            missing_ids = {m.id for m in missing}
            items = [CorrectionItem(m.name, _requirement(standards.get(m.id, ""), "未提交")) for m in missing]
            for m in case_materials(session, case_id):
                bad = [p for p in m.pages if not p.verdict.ok]
                if m.id in missing_ids or not bad:
                    continue
                pages = "、".join(str(p.position + 1) for p in bad)
                problem = f"已交的第 {pages} 页不符合要求"
                items.append(CorrectionItem(m.name, _requirement(standards.get(m.id, ""), problem)))
            deadline = load_calendar(session).add_working_days(local_date(utcnow()), CORRECTION_WORKING_DAYS)
            return CorrectionDraft(case_flow.case_view(session, case_id), tuple(items), deadline.date)

    return Op(run=run, name="draft_correction")
