"""站点信息: who this machine works for — station name and code, region, mode, window number."""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWizardPage,
)

from app.context import database_url
from ui.setup.model import SetupModel

_PASSWORD = re.compile(r"(://[^/:@]+):[^/@]*@")
ERROR_STYLE = "color:#b71c1c"


class StationPage(QWizardPage):
    """Page 1. The 导入站点配置包 button fills the whole wizard from a profile."""

    import_requested = Signal(str)  # path of a profile

    def __init__(self, model: SetupModel) -> None:
        super().__init__()
        self.model = model
        self.setObjectName("page_station")
        self.setTitle(self.tr("站点信息"))
        self.setSubTitle(
            self.tr("本机所属的服务站点、行政区划和窗口号。同一大厅的各台机器填写相同的站点编码。")
        )
        self.name = QLineEdit()
        self.name.setObjectName("station_name")
        self.code = QLineEdit()
        self.code.setObjectName("station_code")
        self.code.setPlaceholderText(self.tr("由省级平台分配，如 ST001；尚未分配可留空"))
        self.region = QLineEdit()
        self.region.setObjectName("region_code")
        self.region.setValidator(QRegularExpressionValidator(r"\d{0,6}", self.region))
        self.region.setPlaceholderText(self.tr("6 位数字，如 420582"))
        self.region.setMaximumWidth(240)
        self.mode = QComboBox()
        self.mode.setObjectName("station_mode")
        self.mode.addItem(self.tr("便民服务站（单机）"), "station")
        self.mode.addItem(self.tr("政务服务大厅（多台机器共用数据库）"), "hall")
        self.window_number = QSpinBox()
        self.window_number.setObjectName("window_number")
        self.window_number.setRange(1, 999)
        self.window_number.setMaximumWidth(120)
        self.demo = QCheckBox(self.tr("演示模式（演示账号和演示事项；正式使用时必须关闭）"))
        self.demo.setObjectName("ui_demo")
        self.database = QLabel()
        self.database.setObjectName("database")
        self.database.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("station_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.import_button = QPushButton(self.tr("导入站点配置包…"))
        self.import_button.setObjectName("import_profile")
        self.import_button.clicked.connect(self._choose_profile)
        self.import_note = QLabel()
        self.import_note.setObjectName("import_note")
        self.import_note.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("站点名称"), self.name)
        form.addRow(self.tr("站点编码"), self.code)
        form.addRow(self.tr("行政区划代码"), self.region)
        form.addRow(self.tr("运行方式"), self.mode)
        form.addRow(self.tr("本机窗口号"), self.window_number)
        form.addRow("", self.demo)
        form.addRow(self.tr("数据库"), self.database)
        top = QHBoxLayout()
        top.addWidget(self.import_button)
        top.addWidget(self.import_note, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def load(self) -> None:
        model = self.model
        self.name.setText(model.get_str("station.name"))
        self.code.setText(model.get_str("station.code"))
        self.region.setText(model.get_str("station.region_code"))
        self.mode.setCurrentIndex(max(0, self.mode.findData(model.get_str("station.mode"))))
        number = model.get("station.window_number")
        self.window_number.setValue(number if isinstance(number, int) else 1)
        self.demo.setChecked(model.get("ui.demo") is True)
        url = _PASSWORD.sub(r"\1:***@", database_url(model.preview()))
        hint = self.tr("（大厅多台机器共用数据库时，请用 yichuang --set database.url=… setup 指定）")
        self.database.setText(f"{url}\n{hint}")

    def show_import(self, text: str, *, error: bool = False) -> None:
        self.import_note.setStyleSheet(ERROR_STYLE if error else "color:#2e7d32")
        self.import_note.setText(text)

    def _choose_profile(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("选择站点配置包"), "", self.tr("站点配置包 (*.toml)")
        )
        if path:
            self.import_requested.emit(path)

    def store(self) -> None:
        model = self.model
        model.put("station.name", self.name.text().strip())
        model.put("station.code", self.code.text().strip())
        model.put("station.region_code", self.region.text().strip())
        model.put("station.mode", str(self.mode.currentData()))
        model.put("station.window_number", self.window_number.value())
        model.put("ui.demo", self.demo.isChecked())

    def validatePage(self) -> bool:
        region = self.region.text().strip()
        if not self.name.text().strip():
            self.error.setText(self.tr("请填写站点名称，它会印在回执和号票上。"))
            return False
        if region and len(region) != 6:
            self.error.setText(self.tr("行政区划代码应为 6 位数字，不知道可以先留空。"))
            return False
        if len(self.code.text().strip()) > 32:
            self.error.setText(self.tr("站点编码最多 32 个字符。"))
            return False
        self.error.clear()
        self.store()
        return True
