"""The English interface: a complete, compiled catalogue that covers every text, and a window in English.

Chinese is the source language, so a text that never reaches tr()/translate() stays Chinese in the
English interface. The static tests below read the sources and the .ts catalogue; the last ones
build the counter window with the English catalogue installed and look at what it shows.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLineEdit,
    QTabWidget,
    QTreeWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.case_states import ACTION_LABELS, STATE_LABELS
from app.context import AppContext
from app.documents.templates import TEMPLATES
from app.model import FORM_LABELS, NECESSITY_LABELS, Role
from app.services.actor import Actor
from app.services.materials import ACTION_LABELS as MATERIAL_ACTION_LABELS
from app.services.materials import STATUS_LABELS
from devices.kinds import KIND_NAMES
from devices.status import STATE_NAMES
from ui import core_labels
from ui.application import APP_DISPLAY_NAME
from ui.counter.window import CounterWindow
from ui.i18n import catalog_path, use_language
from ui.ops import OpRunner

REPO = Path(__file__).resolve().parents[2]
UI_DIR = REPO / "ui"
CATALOGUE = UI_DIR / "translations" / "yichuang_en.ts"
#: Han characters, CJK punctuation and full-width forms: none belongs in English chrome.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
#: Separators between data values ("、" between item names): they join Chinese data, not words of ours.
PUNCTUATION_ONLY = re.compile(r"[\s\u3000-\u303f\uff00-\uffef]+")
#: Chinese that is deliberately not translated, with why.
UNTRANSLATED = {
    # Printed on the 一次性告知书 the applicant takes home (the clerk may edit it in the dialog).
    ("ui/counter/case_operations.py", "请补交该材料"),
    ("ui/counter/case_operations.py", "请按要求提交："),
    ("ui/counter/case_operations.py", "未提交"),
    ("ui/counter/case_operations.py", "已交的第 "),
    ("ui/counter/case_operations.py", " 页不符合要求"),
    # The applicant's written 容缺 commitment, recorded as said.
    ("ui/counter/decision_dialogs.py", "本人承诺在补交期限前补交“"),
    ("ui/counter/decision_dialogs.py", "”，逾期未补交的，自愿承担相应责任。"),
    # How the result was handed over, printed on the 领取回执.
    ("ui/counter/delivery_dialog.py", "当面领取"),
    ("ui/counter/delivery_dialog.py", "EMS 邮寄，单号 "),
    # A display name, like the clerks' names from the database.
    ("ui/counter/window.py", "只读"),
}
#: Files whose Chinese is not interface text: launch.py prints the smoke check's report to the console.
NOT_INTERFACE = {"ui/counter/launch.py"}
CLERK = Actor(username="chuangkou", role=Role.CLERK, display_name="王小窗", clerk_id=1)
BUILDING_PERMIT = "11341122003052113M40110037000000"  # 建筑工程施工许可 in the demo catalog


Key = tuple[str, str, str]  # context, source, disambiguation ("" when none)


def catalogue() -> dict[Key, ET.Element]:
    """(context, source, disambiguation) → its <translation> element."""
    out = {}
    for context in ET.parse(CATALOGUE).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            out[(name, message.findtext("source", ""), message.findtext("comment", ""))] = translation
    return out


def ui_sources() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(UI_DIR.rglob("*.py")):
        yield path.relative_to(REPO).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def marked_texts(tree: ast.Module) -> Iterator[tuple[Key, int]]:
    """(context, source, disambiguation) and line of every literal lupdate must collect: translate(),
    QT_TRANSLATE_NOOP(), and self.tr() whose context is the class it is written in."""

    def disambiguation(args: list[ast.expr]) -> str:
        return (_text(args[0]) or "") if args else ""

    def visit(node: ast.AST, cls: str | None) -> Iterator[tuple[Key, int]]:
        if isinstance(node, ast.ClassDef):
            cls = node.name
        if isinstance(node, ast.Call):
            name, args = _name(node), node.args
            if name in ("translate", "QT_TRANSLATE_NOOP") and len(args) >= 2:
                context, source = _text(args[0]), _text(args[1])
                if context is not None and source is not None:
                    yield (context, source, disambiguation(args[2:])), node.lineno
            elif name == "tr" and args and cls is not None and (source := _text(args[0])) is not None:
                yield (cls, source, disambiguation(args[1:])), node.lineno
        for child in ast.iter_child_nodes(node):
            yield from visit(child, cls)

    yield from visit(tree, None)


def untranslatable_literals(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Chinese string literals that no translation call sees (docstrings aside)."""
    seen: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node) in ("tr", "translate", "QT_TRANSLATE_NOOP"):
            seen.update(id(sub) for arg in node.args for sub in ast.walk(arg))
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and body:
            first = body[0]
            if isinstance(first, ast.Expr):
                seen.add(id(first.value))
    for node in ast.walk(tree):
        text = _text(node) if isinstance(node, ast.expr) else None
        if text is not None and CJK.search(text) and id(node) not in seen:
            yield getattr(node, "lineno", 0), text


# --- the catalogue ----------------------------------------------------------------------------------


def test_every_entry_of_the_catalogue_is_translated() -> None:
    entries = catalogue()
    assert len(entries) > 400
    unfinished = [key for key, t in entries.items() if t.get("type") is not None]
    empty = [key for key, t in entries.items() if not (t.text or "").strip()]
    assert unfinished == [] and empty == []


def test_no_translation_keeps_chinese_or_drops_a_placeholder() -> None:
    problems = []
    for (context, source, _comment), translation in catalogue().items():
        text = translation.text or ""
        if CJK.search(text):
            problems.append((context, source, text))
        if set(re.findall(r"\{\w+\}", source)) != set(re.findall(r"\{\w+\}", text)):
            problems.append((context, source, text))
    assert problems == []


def test_every_text_marked_in_the_code_is_in_the_catalogue() -> None:
    """Fails when tools/i18n.sh was not run after adding a text (or a tr() hides inside an f-string)."""
    known = catalogue()
    missing = [
        f"{path}:{line} {key}"
        for path, tree in ui_sources()
        for key, line in marked_texts(tree)
        if key not in known
    ]
    assert missing == []


def test_no_chinese_text_bypasses_translation() -> None:
    templates = set(TEMPLATES)  # document kinds are template keys, named on screen via ui.core_labels
    stray = [
        f"{path}:{line} {text!r}"
        for path, tree in ui_sources()
        if path not in NOT_INTERFACE
        for line, text in untranslatable_literals(tree)
        if text not in templates and not PUNCTUATION_ONLY.fullmatch(text) and (path, text) not in UNTRANSLATED
    ]
    assert stray == []


def test_the_compiled_catalogue_matches_the_source(qapp: QApplication) -> None:
    translator = QTranslator()
    assert translator.load(str(catalog_path("en")))
    stale = [
        key
        for key, translation in catalogue().items()
        if translator.translate(key[0], key[1], key[2] or None) != translation.text
    ]
    assert stale == []


def test_every_label_the_core_hands_out_has_an_english_name() -> None:
    tables = {
        "CaseStates": list(STATE_LABELS.values()),
        "CaseActions": [*ACTION_LABELS.values(), *MATERIAL_ACTION_LABELS.values()],
        "Necessity": list(NECESSITY_LABELS.values()),
        "MaterialForms": list(FORM_LABELS.values()),
        "MaterialStatus": list(STATUS_LABELS.values()),
        "Documents": list(TEMPLATES),
        "Devices": [*KIND_NAMES.values(), *STATE_NAMES.values()],
    }
    assert set(tables) == set(core_labels.CONTEXTS)
    known = catalogue()
    missing = [
        (context, label)
        for context, labels in tables.items()
        for label in labels
        if (context, label, "") not in known
    ]
    assert missing == []


# --- the interface in English ---------------------------------------------------------------------------


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    translators = use_language(qapp, "en")
    assert translators, "the English catalogue did not load"
    yield
    for translator in translators:
        qapp.removeTranslator(translator)
    qapp.setApplicationDisplayName(APP_DISPLAY_NAME)


def chrome(root: QWidget) -> list[str]:
    """What the program itself names in ``root``: titles, buttons, tabs, column heads, hints."""
    texts = [root.windowTitle()]
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root):
            continue
        if isinstance(widget, QAbstractButton):
            texts += [widget.text(), widget.toolTip()]
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QTreeWidget):
            header = widget.headerItem()
            texts += [header.text(c) for c in range(widget.columnCount())]
        elif isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
    return [text for text in texts if text]


def test_the_counter_window_speaks_english(english: None, qtbot: QtBot, demo_ctx: AppContext) -> None:
    window = CounterWindow(demo_ctx, OpRunner(inline=True), None, CLERK)
    qtbot.addWidget(window)
    texts = chrome(window)
    assert "YiChuang · One-window counter" in texts and "Accept (F8)" in texts and "Materials" in texts
    assert [t for t in texts if CJK.search(t)] == []
    assert QApplication.applicationDisplayName() == "YiChuang"

    window.item_panel.search("jzgc")
    first = window.item_panel.results.topLevelItem(0)
    assert first is not None
    window.item_panel.results.setCurrentItem(first)
    assert window.visit.item_impl_code == BUILDING_PERMIT
    panel = window.materials_panel
    assert panel.rows() and panel.heading.text().startswith("建筑工程施工许可")  # the item's name is data
    # Necessity, copies and form come from the core in Chinese and are shown in English.
    assert [cell for row in panel.rows() for cell in row[1:] if CJK.search(cell)] == []
    assert {row[1] for row in panel.rows()} <= {"Required", "Optional", "May follow later"}
    guide = window.guide_view.text()
    assert "Department: " in guide and "Promised time limit" in guide and "working days" in guide
    assert [t for t in chrome(window) if CJK.search(t)] == []

    case_list = window.show_case_list()
    assert case_list.windowTitle() == "YiChuang · Cases"
    assert [t for t in chrome(case_list) if CJK.search(t)] == []
    assert core_labels.case_state("已受理") == "Accepted"
    assert core_labels.document("受理回执") == "Acceptance receipt"
