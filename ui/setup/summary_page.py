"""总结: everything the wizard will write, what the device tests found, and 完成 to write it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWizardPage

from app.config import Config
from app.errors import UserFacingError
from app.setup_profile import summary_lines
from devices.kinds import DEVICE_KINDS
from devices.registry import NO_DRIVER
from ui.core_labels import device_kind
from ui.ops import OpRunner
from ui.setup.model import SetupModel, save_op


class SummaryPage(QWizardPage):
    """Page 5. 完成 writes the configuration file, the station row and the categories."""

    def __init__(self, model: SetupModel, runner: OpRunner, on_saved: Callable[[Config], None]) -> None:
        super().__init__()
        self.model = model
        self.runner = runner
        self._on_saved = on_saved
        self.saving = False
        self._validating = False
        self.setObjectName("page_summary")
        self.setTitle(self.tr("总结"))
        self.setSubTitle(self.tr("请核对以下设置。点“完成”写入配置文件和取号类别；写入前可以返回修改。"))
        self.text = QPlainTextEdit()
        self.text.setObjectName("summary")
        self.text.setReadOnly(True)
        self.status = QLabel()
        self.status.setObjectName("save_status")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.status)

    def lines(self) -> list[str]:
        model = self.model
        config = model.preview()
        out = list(summary_lines(config, model.categories))
        out.append("")
        out.append(self.tr("设备测试："))
        for kind in DEVICE_KINDS:
            driver = config.get_str(f"devices.{kind}")
            if driver == NO_DRIVER:
                continue
            outcome = model.results.get(kind)
            if outcome is None:
                state = self.tr("! 未测试")
            else:
                state = ("✔ " if outcome.ok else "✘ ") + outcome.message
            out.append(f"  {device_kind(kind)}（{driver}）：{state}")
        if config.get_str("sync.platform_url"):
            out.append("")
            if model.enrolled_as:
                out.append(
                    self.tr("平台登记：已登记，平台站点号 {station}").format(station=model.enrolled_as)
                )
            else:
                out.append(self.tr("平台登记：本次未登记（已登记过的机器无需重复登记）"))
        if config.get_str("station.mode") == "hall" and not config.get_str("database.url"):
            out.append("")
            out.append(
                self.tr(
                    "注意：大厅模式下各台机器要共用一个 PostgreSQL 数据库，"
                    "请用 yichuang --set database.url=postgresql+psycopg://… setup 重新运行向导。"
                )
            )
        out.append("")
        out.append(self.tr("配置文件：{path}").format(path=model.target))
        return out

    def initializePage(self) -> None:
        self.text.setPlainText("\n".join(self.lines()))
        self.status.clear()

    def validatePage(self) -> bool:
        if self.model.saved is not None:
            return True
        if self.saving:
            return False
        self.saving = True
        self.status.setStyleSheet("")
        self.status.setText(self.tr("正在写入配置…"))
        op = save_op(self.model.ctx, self.model.values, self.model.target, self.model.categories)
        self._validating = True
        try:
            self.runner.start(op.success(self._saved).failure(self._failed))
        finally:
            self._validating = False
        return self.model.saved is not None  # an inline runner has finished already

    def _saved(self, config: Config) -> None:
        self.saving = False
        self.model.saved = config
        self.status.setStyleSheet("color:#2e7d32")
        self.status.setText(self.tr("已写入 {path}。").format(path=self.model.target))
        self._on_saved(config)
        wizard = self.wizard()
        if not self._validating and wizard is not None:
            wizard.accept()  # the write finished after 完成 was pressed: finish now

    def _failed(self, error: BaseException) -> None:
        self.saving = False
        self.status.setStyleSheet("color:#b71c1c")
        self.status.setText(str(error) if isinstance(error, UserFacingError) else self.runner.apology())
