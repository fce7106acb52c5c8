"""The core's own labels (核心标签) in the interface language: case states, actions, material terms.

The core names states and terms in Chinese (``STATE_LABELS``, ``NECESSITY_LABELS`` …) because
its messages and printouts are Chinese. Screens show those labels through the functions here,
which look the Chinese label up in one translation context per table; a label this module does
not know comes back unchanged, so a new core label shows in Chinese rather than not at all.
tests/ui/test_i18n.py checks that every label of the core's tables is marked here and translated.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from devices.kinds import kind_name
from devices.status import STATE_NAMES, DeviceState

#: The core's case states (app.case_states.STATE_LABELS).
_CASE_STATES = (
    QT_TRANSLATE_NOOP("CaseStates", "新建"),
    QT_TRANSLATE_NOOP("CaseStates", "预登记"),
    QT_TRANSLATE_NOOP("CaseStates", "已收件"),
    QT_TRANSLATE_NOOP("CaseStates", "待补正"),
    QT_TRANSLATE_NOOP("CaseStates", "已受理"),
    QT_TRANSLATE_NOOP("CaseStates", "特别程序中"),
    QT_TRANSLATE_NOOP("CaseStates", "不予受理"),
    QT_TRANSLATE_NOOP("CaseStates", "已办结"),
    QT_TRANSLATE_NOOP("CaseStates", "已出件"),
    QT_TRANSLATE_NOOP("CaseStates", "已评价"),
    QT_TRANSLATE_NOOP("CaseStates", "已撤回"),
    QT_TRANSLATE_NOOP("CaseStates", "已作废"),
)
#: What the timeline says was done (app.case_states.ACTION_LABELS, app.services.materials.ACTION_LABELS).
_CASE_ACTIONS = (
    QT_TRANSLATE_NOOP("CaseActions", "预登记"),
    QT_TRANSLATE_NOOP("CaseActions", "收件"),
    QT_TRANSLATE_NOOP("CaseActions", "受理"),
    QT_TRANSLATE_NOOP("CaseActions", "补正告知"),
    QT_TRANSLATE_NOOP("CaseActions", "补正收件"),
    QT_TRANSLATE_NOOP("CaseActions", "不予受理"),
    QT_TRANSLATE_NOOP("CaseActions", "特别程序开始"),
    QT_TRANSLATE_NOOP("CaseActions", "特别程序结束"),
    QT_TRANSLATE_NOOP("CaseActions", "办结"),
    QT_TRANSLATE_NOOP("CaseActions", "出件/邮寄"),
    QT_TRANSLATE_NOOP("CaseActions", "评价"),
    QT_TRANSLATE_NOOP("CaseActions", "撤回"),
    QT_TRANSLATE_NOOP("CaseActions", "作废"),
    QT_TRANSLATE_NOOP("CaseActions", "撤销决定"),
    QT_TRANSLATE_NOOP("CaseActions", "添加材料页"),
    QT_TRANSLATE_NOOP("CaseActions", "调整页序"),
    QT_TRANSLATE_NOOP("CaseActions", "旋转材料页"),
    QT_TRANSLATE_NOOP("CaseActions", "删除材料页"),
    QT_TRANSLATE_NOOP("CaseActions", "重拍材料页"),
    QT_TRANSLATE_NOOP("CaseActions", "核验原件"),
    QT_TRANSLATE_NOOP("CaseActions", "容缺受理承诺"),
    QT_TRANSLATE_NOOP("CaseActions", "复用历史材料"),
)
#: 材料要求 (app.model.NECESSITY_LABELS), 材料形式 (FORM_LABELS) and 收取状态 (materials.STATUS_LABELS).
_NECESSITIES = (
    QT_TRANSLATE_NOOP("Necessity", "必要"),
    QT_TRANSLATE_NOOP("Necessity", "非必要"),
    QT_TRANSLATE_NOOP("Necessity", "容缺后补"),
)
_FORMS = (
    QT_TRANSLATE_NOOP("MaterialForms", "纸质"),
    QT_TRANSLATE_NOOP("MaterialForms", "电子化"),
    QT_TRANSLATE_NOOP("MaterialForms", "纸质/电子化"),
)
_MATERIAL_STATUSES = (
    QT_TRANSLATE_NOOP("MaterialStatus", "已收"),
    QT_TRANSLATE_NOOP("MaterialStatus", "未收"),
    QT_TRANSLATE_NOOP("MaterialStatus", "容缺后补"),
    QT_TRANSLATE_NOOP("MaterialStatus", "复用"),
)
#: Printed documents (keys of app.documents.templates.TEMPLATES), as dialog titles name them.
_DOCUMENTS = (
    QT_TRANSLATE_NOOP("Documents", "收件凭证"),
    QT_TRANSLATE_NOOP("Documents", "受理回执"),
    QT_TRANSLATE_NOOP("Documents", "补正告知"),
    QT_TRANSLATE_NOOP("Documents", "领取回执"),
    QT_TRANSLATE_NOOP("Documents", "受理通知书"),
    QT_TRANSLATE_NOOP("Documents", "一次性告知书"),
    QT_TRANSLATE_NOOP("Documents", "不予受理通知书"),
    QT_TRANSLATE_NOOP("Documents", "不予受理告知"),
    QT_TRANSLATE_NOOP("Documents", "评价二维码"),
)
#: Device kinds (devices.kinds.KIND_NAMES) and states (devices.status.STATE_NAMES).
_DEVICES = (
    QT_TRANSLATE_NOOP("Devices", "身份证阅读器"),
    QT_TRANSLATE_NOOP("Devices", "社保卡/智能卡读卡器"),
    QT_TRANSLATE_NOOP("Devices", "小票打印机"),
    QT_TRANSLATE_NOOP("Devices", "高拍仪"),
    QT_TRANSLATE_NOOP("Devices", "扫描仪"),
    QT_TRANSLATE_NOOP("Devices", "扫码枪"),
    QT_TRANSLATE_NOOP("Devices", "语音播报"),
    QT_TRANSLATE_NOOP("Devices", "评价器"),
    QT_TRANSLATE_NOOP("Devices", "就绪"),
    QT_TRANSLATE_NOOP("Devices", "忙碌"),
    QT_TRANSLATE_NOOP("Devices", "未连接"),
    QT_TRANSLATE_NOOP("Devices", "故障"),
    QT_TRANSLATE_NOOP("Devices", "未配置"),
)

#: Translation context of each table, for the test that checks the core's tables are all covered.
CONTEXTS = (
    "CaseStates",
    "CaseActions",
    "Necessity",
    "MaterialForms",
    "MaterialStatus",
    "Documents",
    "Devices",
)


def case_state(label: str) -> str:
    """ "已受理" / "Accepted"."""
    return QCoreApplication.translate("CaseStates", label)


def case_action(label: str) -> str:
    """ "补正收件" / "Correction received"."""
    return QCoreApplication.translate("CaseActions", label)


def necessity(label: str) -> str:
    """ "必要" / "Required"."""
    return QCoreApplication.translate("Necessity", label)


def material_form(label: str) -> str:
    """ "纸质" / "Paper"."""
    return QCoreApplication.translate("MaterialForms", label)


def material_status(label: str) -> str:
    """ "已收" / "Received"."""
    return QCoreApplication.translate("MaterialStatus", label)


def document(kind: str) -> str:
    """ "受理回执" / "Acceptance receipt": a printed document's name."""
    return QCoreApplication.translate("Documents", kind)


def device_kind(kind: str) -> str:
    """ "身份证阅读器" / "ID card reader", from the kind key ("idcard")."""
    return QCoreApplication.translate("Devices", kind_name(kind))


def device_state(state: DeviceState) -> str:
    """ "未连接" / "not connected"."""
    return QCoreApplication.translate("Devices", STATE_NAMES[state])
