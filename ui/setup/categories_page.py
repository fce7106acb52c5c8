"""叫号类别: the kiosk's queue categories, and how the kiosk is locked and restarted.

Categories live in the database (one list per station, shared by every kiosk and display of a
hall); the installer PIN and the daily restart time are configuration (``kiosk.*``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWizardPage,
)

from app.errors import ValidationError
from app.setup_profile import CategorySpec, check_categories, installer_pin_hash
from ui.ops import OpRunner
from ui.setup.model import SetupModel, load_categories_op

ERROR_STYLE = "color:#b71c1c"
DEFAULT_RESTART = "03:30"


class CategoriesPage(QWizardPage):
    """Page 4."""

    def __init__(self, model: SetupModel, runner: OpRunner) -> None:
        super().__init__()
        self.model = model
        self.runner = runner
        self.loaded = False
        self.setObjectName("page_categories")
        self.setTitle(self.tr("叫号类别"))
        self.setSubTitle(
            self.tr(
                "取号机上的业务类别按钮（字头是号码前的字母，如 A001 的 A），以及取号机的退出口令和每日重启时间。"
            )
        )
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("categories")
        self.table.setHorizontalHeaderLabels([self.tr("字头"), self.tr("名称")])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        buttons = QVBoxLayout()
        for name, text, slot in (
            ("category_add", self.tr("添加"), self.add_category),
            ("category_remove", self.tr("删除"), self.remove_category),
            ("category_up", self.tr("上移"), lambda: self.move_category(-1)),
            ("category_down", self.tr("下移"), lambda: self.move_category(1)),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        table_row = QHBoxLayout()
        table_row.addWidget(self.table, 1)
        table_row.addLayout(buttons)

        self.pin = QLineEdit()
        self.pin.setObjectName("installer_pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaximumWidth(240)
        self.pin_again = QLineEdit()
        self.pin_again.setObjectName("installer_pin_again")
        self.pin_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_again.setMaximumWidth(240)
        self.restart_enabled = QCheckBox(self.tr("每天自动重启取号机"))
        self.restart_enabled.setObjectName("restart_enabled")
        self.restart_at = QTimeEdit()
        self.restart_at.setObjectName("restart_at")
        self.restart_at.setDisplayFormat("HH:mm")
        self.restart_enabled.toggled.connect(self.restart_at.setEnabled)
        restart_row = QHBoxLayout()
        restart_row.addWidget(self.restart_enabled)
        restart_row.addWidget(self.restart_at)
        restart_row.addStretch(1)
        self.elderly_age = QSpinBox()
        self.elderly_age.setObjectName("elderly_age")
        self.elderly_age.setRange(50, 100)
        self.elderly_age.setMaximumWidth(120)
        kiosk = QGroupBox(self.tr("取号机"))
        form = QFormLayout(kiosk)
        form.addRow(self.tr("实施人员口令"), self.pin)
        form.addRow(self.tr("再输一次"), self.pin_again)
        form.addRow("", restart_row)
        form.addRow(self.tr("老年人优先年龄"), self.elderly_age)
        self.pin_note = QLabel()
        self.pin_note.setObjectName("pin_note")
        self.pin_note.setWordWrap(True)
        form.addRow("", self.pin_note)

        self.error = QLabel()
        self.error.setObjectName("categories_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(table_row, 1)
        layout.addWidget(kiosk)
        layout.addWidget(self.error)

    # --- loading ---------------------------------------------------------------------------------

    def start_loading(self) -> None:
        """The station's categories from the database (the usual six when it has none yet)."""
        op = load_categories_op(self.model.ctx, self.model.station_code)
        self.runner.start(op.success(self._categories_loaded).failure(self._load_failed))

    def _categories_loaded(self, categories: list[CategorySpec]) -> None:
        if not self.model.categories:
            self.model.categories = categories
        self.loaded = True
        self.show_categories(self.model.categories)

    def _load_failed(self, error: BaseException) -> None:
        self.loaded = True
        self.error.setText(
            self.tr("无法读取已有的取号类别（{error}），可以在此重新填写。").format(error=error)
        )

    def show_categories(self, categories: list[CategorySpec]) -> None:
        self.table.setRowCount(0)
        for category in categories:
            self._append(category.code, category.name)

    def _append(self, code: str, name: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        code_item = QTableWidgetItem(code)
        code_item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.setItem(row, 0, code_item)
        self.table.setItem(row, 1, QTableWidgetItem(name))

    def load(self) -> None:
        model = self.model
        if self.loaded:
            self.show_categories(model.categories)
        restart = model.get_str("kiosk.restart_at")
        self.restart_enabled.setChecked(bool(restart))
        self.restart_at.setEnabled(bool(restart))
        self.restart_at.setTime(QTime.fromString(restart or DEFAULT_RESTART, "HH:mm"))
        age = model.get("kiosk.elderly_age")
        self.elderly_age.setValue(age if isinstance(age, int) else 60)
        self.pin.clear()
        self.pin_again.clear()
        if model.get_str("kiosk.installer_pin"):
            self.pin_note.setText(self.tr("已设置口令；留空则保持不变，填写则改为新口令。"))
        else:
            self.pin_note.setText(self.tr("尚未设置：退出全屏取号机时要输入这个口令（6–12 位数字）。"))

    # --- editing ---------------------------------------------------------------------------------

    def add_category(self) -> None:
        used = {spec.code for spec in self.categories()}
        code = next((chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in used), "")
        self._append(code, self.tr("新类别"))
        self.table.setCurrentCell(self.table.rowCount() - 1, 1)

    def remove_category(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def move_category(self, step: int) -> None:
        row = self.table.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        specs = self.categories()
        specs[row], specs[target] = specs[target], specs[row]
        self.show_categories(specs)
        self.table.setCurrentCell(target, 1)

    def categories(self) -> list[CategorySpec]:
        out = []
        for row in range(self.table.rowCount()):
            code, name = self.table.item(row, 0), self.table.item(row, 1)
            out.append(CategorySpec(code.text() if code else "", name.text() if name else ""))
        return out

    # --- leaving the page ---------------------------------------------------------------------------

    def validatePage(self) -> bool:
        try:
            categories = list(check_categories(self.categories()))
            pin, again = self.pin.text(), self.pin_again.text()
            pin_hash = None
            if pin or again:
                if pin != again:
                    raise ValidationError(
                        self.tr("两次输入的口令不一样，请重新输入。"), field="installer_pin"
                    )
                pin_hash = installer_pin_hash(pin)
        except ValidationError as error:
            self.error.setText(str(error))
            return False
        self.error.clear()
        self.model.categories = categories
        if pin_hash is not None:
            self.model.put("kiosk.installer_pin", pin_hash)
            self.pin.clear()
            self.pin_again.clear()
            self.pin_note.setText(self.tr("已设置新口令。"))
        restart = self.restart_at.time().toString("HH:mm") if self.restart_enabled.isChecked() else ""
        self.model.put("kiosk.restart_at", restart)
        self.model.put("kiosk.elderly_age", self.elderly_age.value())
        return True
