"""设备检测: one row per device kind — driver, its settings, a 测试 button and what the test found.

The driver list comes from the registry (``devices.registry.driver_names``) and the settings
from the configuration schema (every ``devices.<kind>_<name>`` key), so a new driver or option
shows up here without changing this page. Tests run on the device's thread (ui.setup.device_tests).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QGuiApplication, QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from app.config import KEYS, ConfigKey
from devices.kinds import DEVICE_KINDS
from devices.registry import NO_DRIVER, driver_names
from ui.core_labels import device_kind
from ui.ops import OpRunner
from ui.setup.device_tests import DeviceBench, TestOutcome, device_test_op
from ui.setup.model import SetupModel

log = logging.getLogger(__name__)

PICTURE_KINDS = ("printer", "camera", "scanner")
PICTURE_SIDE = 240
SCREEN_KEY = "devices.evaluator_screen"
OK_STYLE = "color:#2e7d32"
FAIL_STYLE = "color:#b71c1c"

#: What each driver name means, for the installer choosing one.
_DRIVER_LABELS = {
    "none": str(QT_TRANSLATE_NOOP("DevicesPage", "不使用")),
    "simulated": str(QT_TRANSLATE_NOOP("DevicesPage", "模拟设备")),
    "serial": str(QT_TRANSLATE_NOOP("DevicesPage", "串口阅读器")),
    "usb": str(QT_TRANSLATE_NOOP("DevicesPage", "USB 直连阅读器")),
    "sdk": str(QT_TRANSLATE_NOOP("DevicesPage", "厂商读卡库")),
    "pcsc": str(QT_TRANSLATE_NOOP("DevicesPage", "PC/SC 读卡器")),
    "escpos": str(QT_TRANSLATE_NOOP("DevicesPage", "ESC/POS 小票打印机")),
    "opencv": str(QT_TRANSLATE_NOOP("DevicesPage", "USB 摄像头/高拍仪")),
    "sane": str(QT_TRANSLATE_NOOP("DevicesPage", "SANE 扫描仪")),
    "wia": str(QT_TRANSLATE_NOOP("DevicesPage", "WIA 扫描仪（Windows）")),
    "wedge": str(QT_TRANSLATE_NOOP("DevicesPage", "键盘式扫码枪")),
    "espeak": str(QT_TRANSLATE_NOOP("DevicesPage", "espeak-ng 语音")),
}


def driver_label(name: str) -> str:
    label = _DRIVER_LABELS.get(name)
    return f"{QCoreApplication.translate('DevicesPage', label)}（{name}）" if label else name


def option_keys(kind: str) -> list[ConfigKey]:
    """The configuration keys of ``kind``'s settings (``devices.<kind>_…``), in schema order."""
    return [key for key in KEYS if key.section == "devices" and key.leaf.startswith(f"{kind}_")]


def option_label(key: ConfigKey) -> str:
    """A short label from the key's doc line: the words before its first colon or semicolon."""
    for mark in ("：", "；", "，", " ("):
        head, found, _rest = key.doc.partition(mark)
        if found and head:
            return head
    return key.leaf


class ScanField(QLineEdit):
    """Where a keyboard-wedge scanner types: its Enter ends a code and must not press 下一步."""

    code_entered = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            text = self.text()
            self.clear()
            event.accept()
            self.code_entered.emit(text)
            return
        super().keyPressEvent(event)


class DeviceRow(QGroupBox):
    """One device kind: driver, settings, test button, result (and picture, or scan field)."""

    def __init__(self, kind: str, page: DevicesPage) -> None:
        super().__init__(device_kind(kind))
        self.kind = kind
        self.page = page
        self.setObjectName(f"device_{kind}")
        self.driver = QComboBox()
        self.driver.setObjectName(f"{kind}_driver")
        for name in driver_names(kind):
            self.driver.addItem(driver_label(name), name)
        self.driver.currentIndexChanged.connect(self._driver_changed)
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout()
        form.addRow(self.tr("驱动"), self.driver)
        for key in option_keys(kind):
            editor = self._editor(key)
            editor.setObjectName(key.leaf)
            editor.setToolTip(key.doc)
            self.editors[key.name] = editor
            form.addRow(option_label(key), editor)
        self.test_button = QPushButton(self.tr("测试"))
        self.test_button.setObjectName(f"{kind}_test")
        self.test_button.clicked.connect(self.run_test)
        self.result = QLabel(self.tr("未测试"))
        self.result.setObjectName(f"{kind}_result")
        self.result.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.result, 1)
        form.addRow("", test_row)
        self.picture: QLabel | None = None
        if kind in PICTURE_KINDS:
            self.picture = QLabel()
            self.picture.setObjectName(f"{kind}_picture")
            self.picture.setFixedHeight(PICTURE_SIDE)
            self.picture.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self.picture.hide()  # shown with the first picture
            form.addRow("", self.picture)
        self.scan_field: ScanField | None = None
        if kind == "barcode":
            self.scan_field = ScanField()
            self.scan_field.setObjectName("barcode_input")
            self.scan_field.setPlaceholderText(self.tr("点“测试”后在此扫描任意条码"))
            self.scan_field.code_entered.connect(self._scanned)
            form.addRow(self.tr("扫描结果"), self.scan_field)
        self.setLayout(form)

    def _editor(self, key: ConfigKey) -> QWidget:
        if key.name == SCREEN_KEY:
            combo = QComboBox()
            combo.addItem(self.tr("自动（有第二块屏幕时用第二块）"), 0)
            for number, screen in enumerate(QGuiApplication.screens(), start=1):
                size = screen.geometry()
                text = self.tr("第 {number} 块屏幕：{name}（{width}×{height}）").format(
                    number=number, name=screen.name(), width=size.width(), height=size.height()
                )
                combo.addItem(text, number)
            return combo
        if key.kind == "enum":
            combo = QComboBox()
            for choice in key.choices or ():
                combo.addItem(choice, choice)
            return combo
        if key.kind == "int":
            spin = QSpinBox()
            spin.setRange(int(key.minimum or 0), int(key.maximum if key.maximum is not None else 1_000_000))
            spin.setMaximumWidth(160)
            return spin
        return QLineEdit()

    # --- values ------------------------------------------------------------------------------------

    def load(self, model: SetupModel) -> None:
        self.driver.blockSignals(True)
        self.driver.setCurrentIndex(max(0, self.driver.findData(model.get_str(f"devices.{self.kind}"))))
        self.driver.blockSignals(False)
        for name, editor in self.editors.items():
            value = model.get(name)
            if isinstance(editor, QComboBox):
                index = editor.findData(value)
                if index < 0 and name == SCREEN_KEY and isinstance(value, int):
                    editor.addItem(self.tr("第 {number} 块屏幕（未连接）").format(number=value), value)
                    index = editor.count() - 1
                editor.setCurrentIndex(max(0, index))
            elif isinstance(editor, QSpinBox):
                editor.setValue(value if isinstance(value, int) else 0)
            elif isinstance(editor, QLineEdit):
                editor.setText(str(value))
        self._sync_enabled()
        self.show_outcome(model.results.get(self.kind))

    def store(self, model: SetupModel) -> None:
        model.put(f"devices.{self.kind}", self.driver_name)
        for name, value in self.option_values().items():
            model.put(name, value)

    @property
    def driver_name(self) -> str:
        return str(self.driver.currentData())

    def option_values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                values[name] = editor.currentData()
            elif isinstance(editor, QSpinBox):
                values[name] = editor.value()
            elif isinstance(editor, QLineEdit):
                values[name] = editor.text().strip()
        return values

    def driver_options(self) -> dict[str, str]:
        """The settings as the driver gets them (DriverContext.options: prefix stripped, text)."""
        prefix = f"devices.{self.kind}_"
        return {name.removeprefix(prefix): str(value) for name, value in self.option_values().items()}

    def _sync_enabled(self) -> None:
        used = self.driver_name != NO_DRIVER
        for editor in self.editors.values():
            editor.setEnabled(used)
        self.test_button.setEnabled(used)

    def _driver_changed(self) -> None:
        self._sync_enabled()
        self.page.bench.release(self.kind)  # frees the port the old driver held
        self.page.model.results.pop(self.kind, None)  # a test of the old driver says nothing now
        self.show_outcome(None)

    # --- test ----------------------------------------------------------------------------------------

    def run_test(self) -> None:
        self.test_button.setEnabled(False)
        self.result.setStyleSheet("")
        self.result.setText(self.tr("正在测试…"))
        self.page.start_test(self)

    def show_outcome(self, outcome: TestOutcome | None) -> None:
        self.test_button.setEnabled(self.driver_name != NO_DRIVER)
        if outcome is None:
            self.result.setStyleSheet("")
            self.result.setText(self.tr("未测试") if self.driver_name != NO_DRIVER else self.tr("不使用"))
            if self.picture is not None:
                self.picture.clear()
                self.picture.hide()
            return
        self.result.setStyleSheet(OK_STYLE if outcome.ok else FAIL_STYLE)
        self.result.setText(("✔ " if outcome.ok else "✘ ") + outcome.message)
        if outcome.picture is not None:
            self.show_picture(outcome.picture)

    def show_picture(self, image: QImage) -> None:
        if self.picture is not None:
            pixmap = QPixmap.fromImage(image)
            self.picture.show()
            self.picture.setPixmap(
                pixmap.scaled(PICTURE_SIDE, PICTURE_SIDE, Qt.AspectRatioMode.KeepAspectRatio)
            )

    def _scanned(self, text: str) -> None:
        if text.strip():
            self.page.feed_scanner(self, text)


class ScreenBadge(QLabel):
    """A big "评价器屏幕" sign on the screen chosen for the evaluator, while its test runs."""

    def __init__(self, screen_number: int) -> None:
        super().__init__()
        self.setObjectName("evaluator_badge")
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background:#0d47a1;color:white;font-size:48px;font-weight:bold;padding:40px")
        self.setText(self.tr("评价器屏幕\n请在评价器上按任意评价键"))
        screens = QGuiApplication.screens()
        if 1 <= screen_number <= len(screens):
            screen = screens[screen_number - 1]
        else:  # automatic: the second screen when there is one, as the evaluator mode does
            screen = screens[1] if len(screens) > 1 else QGuiApplication.primaryScreen()
        self.screen_name = screen.name() if screen is not None else ""
        if screen is not None:
            area = screen.geometry()
            self.setGeometry(
                area.adjusted(area.width() // 6, area.height() // 4, -area.width() // 6, -area.height() // 4)
            )


class DevicesPage(QWizardPage):
    """Page 3."""

    def __init__(self, model: SetupModel, runner: OpRunner, bench: DeviceBench) -> None:
        super().__init__()
        self.model = model
        self.runner = runner
        self.bench = bench
        self.running: set[str] = set()
        self.badge: ScreenBadge | None = None
        self.setObjectName("page_devices")
        self.setTitle(self.tr("设备检测"))
        self.setSubTitle(
            self.tr(
                "为每种设备选择驱动并点“测试”：打印测试页、读一次证件、拍一张照片……不用的设备选“不使用”。"
            )
        )
        self.rows = {kind: DeviceRow(kind, self) for kind in DEVICE_KINDS}
        content = QWidget()
        column = QVBoxLayout(content)
        for row in self.rows.values():
            column.addWidget(row)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("devices_scroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        bench.frame_did_arrive.connect(self._frame)
        bench.code_did_arrive.connect(self._code)

    def load(self) -> None:
        for row in self.rows.values():
            row.load(self.model)

    def store(self) -> None:
        for row in self.rows.values():
            row.store(self.model)

    def start_test(self, row: DeviceRow) -> None:
        self.running.add(row.kind)
        self.store()
        if row.kind == "evaluator":
            screen = self.model.get(SCREEN_KEY)
            self.badge = ScreenBadge(screen if isinstance(screen, int) else 0)
            self.badge.show()
        number = self.model.get("station.window_number")
        try:
            op = device_test_op(
                self.model.ctx,
                self.bench,
                row.kind,
                row.driver_name,
                row.driver_options(),
                window_number=number if isinstance(number, int) else 1,
            )
        except Exception as error:  # a driver that cannot even be set up: say so on its row
            log.exception("device test of %s could not start", row.kind)
            self._tested(TestOutcome(row.kind, False, str(error)))
            return
        self.runner.start(op.success(self._tested))

    def close_badge(self) -> None:
        if self.badge is not None:
            self.badge.close()
            self.badge.deleteLater()
            self.badge = None

    def _tested(self, outcome: TestOutcome) -> None:
        self.running.discard(outcome.kind)
        if outcome.kind == "evaluator":
            self.close_badge()
        row = self.rows[outcome.kind]
        if outcome.kind == "barcode" and outcome.ok:
            row.show_outcome(outcome)  # passed only once a code arrives (see _code)
            if row.scan_field is not None:
                row.scan_field.setFocus()
            return
        self.model.results[outcome.kind] = outcome
        row.show_outcome(outcome)

    def feed_scanner(self, row: DeviceRow, text: str) -> None:
        manager = self.bench.manager(row.kind, row.driver_name, row.driver_options())
        self.bench.listen_for_codes(manager)
        self.bench.feed_scanner(manager, text)

    def _frame(self, image: QImage) -> None:
        self.rows["camera"].show_picture(image)

    def _code(self, code: str) -> None:
        text = QCoreApplication.translate("DevicesPage", "扫码枪正常，收到：{code}").format(code=code)
        outcome = TestOutcome("barcode", True, text)
        self.model.results["barcode"] = outcome
        self.rows["barcode"].show_outcome(outcome)

    @property
    def busy(self) -> bool:
        return bool(self.running)

    def validatePage(self) -> bool:
        if self.running:
            return False  # a test is still talking to its device
        self.store()
        return True
