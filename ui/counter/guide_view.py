"""GuideView (办事指南): the chosen item's or bundle's guide, shown beside the form.

Acceptance conditions, the material list with each material's necessity, the statutory and the
promised time limits with their units, fees, the window and the handling place, office hours and
the enquiry and supervision phones — what the clerk reads out when an applicant asks. Loaded by an
op whenever the Visit's item or bundle changes; a guide that arrives after another choice is dropped.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QGroupBox, QTextBrowser, QVBoxLayout, QWidget

from app.context import AppContext
from devices.manager import DeviceManager
from ui.counter.case_operations import ItemGuide, load_bundle_guide, load_item_guide
from ui.counter.visit import Visit
from ui.ops import OpRunner

NO_CHOICE_HINT = str(QT_TRANSLATE_NOOP("GuideView", "选择事项后，这里显示办事指南。"))
REQUIRED = "1"


def _tr(text: str) -> str:
    """``text`` (marked in the "GuideView" context) in the interface language."""
    return QCoreApplication.translate("GuideView", text)


#: Section headings; Chinese source strings of the "GuideView" context.
BUNDLE_CODE = str(QT_TRANSLATE_NOOP("GuideView", "一件事编码"))
ITEM_CODE = str(QT_TRANSLATE_NOOP("GuideView", "事项编码"))
DEPARTMENT = str(QT_TRANSLATE_NOOP("GuideView", "实施部门"))
ITEMS = str(QT_TRANSLATE_NOOP("GuideView", "包含事项"))
CONDITIONS = str(QT_TRANSLATE_NOOP("GuideView", "受理条件"))
MATERIALS = str(QT_TRANSLATE_NOOP("GuideView", "申请材料"))
MATERIAL_COLUMNS = (
    str(QT_TRANSLATE_NOOP("GuideView", "材料")),
    str(QT_TRANSLATE_NOOP("GuideView", "要求")),
    str(QT_TRANSLATE_NOOP("GuideView", "份数")),
)
STATUTORY = str(QT_TRANSLATE_NOOP("GuideView", "法定办结时限"))
PROMISED = str(QT_TRANSLATE_NOOP("GuideView", "承诺办结时限"))
FEES = str(QT_TRANSLATE_NOOP("GuideView", "收费"))
WINDOWS = str(QT_TRANSLATE_NOOP("GuideView", "办理窗口"))
PLACES = str(QT_TRANSLATE_NOOP("GuideView", "办理地点"))
HOURS = str(QT_TRANSLATE_NOOP("GuideView", "办理时间"))
ENQUIRY = str(QT_TRANSLATE_NOOP("GuideView", "咨询电话"))
SUPERVISION = str(QT_TRANSLATE_NOOP("GuideView", "监督投诉电话"))


def _section(title: str, lines: tuple[str, ...] | list[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f"<h4>{escape(_tr(title))}</h4><ul>{items}</ul>"


def _field(label: str, value: str) -> str:
    """ "实施部门：县民政局" / "Department: …" (the colon differs between the languages)."""
    text = QCoreApplication.translate("GuideView", "{label}：{value}")
    return escape(text.format(label=_tr(label), value=value))


def guide_html(guide: ItemGuide) -> str:
    """The guide as rich text; required materials are bold so they are not missed."""
    code_label = BUNDLE_CODE if guide.is_bundle else ITEM_CODE
    parts = [f"<h3>{escape(guide.title)}</h3>", f"<p>{_field(code_label, guide.code)}<br>"]
    parts.append(f"{_field(DEPARTMENT, guide.department)}</p>")
    if guide.is_bundle:
        parts.append(_section(ITEMS, list(guide.item_names)))
    parts.append(_section(CONDITIONS, list(guide.conditions)))
    rows = []
    for m in guide.materials:
        name = escape(m.name)
        if m.necessity == REQUIRED:
            name = f"<b>{name}</b>"
        label = escape(m.necessity_label)
        rows.append(f"<tr><td>{name}</td><td>{label}</td><td>{escape(m.copies)}</td></tr>")
    if rows:
        heads = "".join(f"<th align='left'>{escape(_tr(h))}</th>" for h in MATERIAL_COLUMNS)
        parts.append(
            f"<h4>{escape(_tr(MATERIALS))}</h4><table cellspacing='0' cellpadding='2'><tr>{heads}</tr>"
            + "".join(rows)
            + "</table>"
        )
    parts.append(_section(STATUTORY, list(guide.statutory_limits)))
    parts.append(_section(PROMISED, list(guide.promised_limits)))
    parts.append(_section(FEES, list(guide.fees)))
    parts.append(_section(WINDOWS, list(guide.windows)))
    parts.append(_section(PLACES, list(guide.places)))
    if guide.office_hours:
        parts.append(_section(HOURS, [guide.office_hours]))
    parts.append(_section(ENQUIRY, list(guide.enquiry_phones)))
    parts.append(_section(SUPERVISION, list(guide.supervision_phones)))
    return "".join(parts)


class GuideView(QGroupBox):
    """Read-only guide of ``visit.item_impl_code`` or ``visit.bundle_code``."""

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        visit: Visit,
        devices: DeviceManager | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("办事指南"))
        self.setObjectName("guide_view")
        self._ctx = ctx
        self._runner = runner
        self._visit = visit
        self._shown_for: tuple[str | None, str | None] = (None, None)
        self.guide: ItemGuide | None = None
        self.browser = QTextBrowser()
        self.browser.setObjectName("guide_text")
        self.browser.setOpenExternalLinks(False)
        self.browser.setPlainText(self.tr(NO_CHOICE_HINT))
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        visit.visit_did_change.connect(self._visit_changed)
        self._visit_changed()

    def text(self) -> str:
        """What the guide shows, as plain text."""
        return self.browser.toPlainText()

    def _visit_changed(self) -> None:
        wanted = (self._visit.item_impl_code, self._visit.bundle_code)
        if wanted == self._shown_for:
            return
        self._shown_for = wanted
        item_code, bundle_code = wanted
        if item_code is None and bundle_code is None:
            self.guide = None
            self.browser.setPlainText(self.tr(NO_CHOICE_HINT))
            return
        op = (
            load_item_guide(self._ctx, item_code)
            if item_code
            else load_bundle_guide(self._ctx, str(bundle_code))
        )
        op.success(lambda guide: self._show(wanted, guide))
        self._runner.start(op.with_progress(self.tr("正在读取办事指南…")))

    def _show(self, wanted: tuple[str | None, str | None], guide: ItemGuide) -> None:
        if wanted != self._shown_for:
            return  # the clerk already chose something else
        self.guide = guide
        self.browser.setHtml(guide_html(guide))
