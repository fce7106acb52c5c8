"""设置向导 (setup wizard): the installer's five pages, from station identity to the written config.

站点信息 → 平台连接 → 设备检测 → 叫号类别 → 总结. Nothing is written before 完成 on the last page
(except enrollment, which the platform records the moment the code is used, and the CA file of an
imported profile). Closing the wizard stops every device it opened.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from app.config import Config
from app.context import AppContext
from app.errors import UserFacingError
from app.setup_profile import StationProfile
from ui.ops import OpRunner
from ui.setup.categories_page import CategoriesPage
from ui.setup.device_tests import DeviceBench
from ui.setup.devices_page import DevicesPage
from ui.setup.model import SetupModel, read_profile_op
from ui.setup.platform_page import PlatformPage
from ui.setup.station_page import StationPage
from ui.setup.summary_page import SummaryPage


class SetupWizard(QWizard):
    """See the module docstring. :attr:`config_did_save` carries the configuration written."""

    config_did_save = Signal(object)  # Config

    def __init__(
        self, ctx: AppContext, runner: OpRunner, target: Path, *, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("setup_wizard")
        self.setWindowTitle(self.tr("一窗设置向导"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        for button, text in (
            (QWizard.WizardButton.BackButton, self.tr("< 上一步")),
            (QWizard.WizardButton.NextButton, self.tr("下一步 >")),
            (QWizard.WizardButton.FinishButton, self.tr("完成")),
            (QWizard.WizardButton.CancelButton, self.tr("取消")),
        ):
            self.setButtonText(button, text)
        self.runner = runner
        self.model = SetupModel(ctx, target)
        self.bench = DeviceBench(ctx.work_dir / "setup-test", self)
        self.station = StationPage(self.model)
        self.platform = PlatformPage(self.model, runner)
        self.devices = DevicesPage(self.model, runner, self.bench)
        self.categories = CategoriesPage(self.model, runner)
        self.summary = SummaryPage(self.model, runner, self.config_did_save.emit)
        for page in (self.station, self.platform, self.devices, self.categories, self.summary):
            self.addPage(page)
        self.station.import_requested.connect(lambda path: self.import_profile(Path(path)))
        self._stopped = False
        self.reload()
        self.categories.start_loading()

    @property
    def loaded(self) -> bool:
        return self.categories.loaded

    def reload(self) -> None:
        """Show the model's values on every page (at start, and after a profile import)."""
        self.station.load()
        self.platform.load()
        self.devices.load()
        self.categories.load()

    def import_profile(self, path: Path) -> None:
        """Fill the wizard from a station profile (站点配置包); the device tests are then run again."""
        self.runner.start(read_profile_op(path).success(self._profile_read).failure(self._profile_failed))

    def _profile_read(self, profile: StationProfile) -> None:
        self.model.apply_profile(profile)
        self.reload()
        origin = profile.exported_from or str(profile.source)
        self.station.show_import(
            self.tr("已导入站点配置包（来自 {origin}），请核对各页并测试设备。").format(origin=origin)
        )

    def _profile_failed(self, error: BaseException) -> None:
        text = str(error) if isinstance(error, UserFacingError) else self.runner.apology()
        self.station.show_import(text, error=True)

    @property
    def saved(self) -> Config | None:
        return self.model.saved

    def stop_devices(self) -> None:
        if not self._stopped:
            self._stopped = True
            self.devices.close_badge()
            self.bench.stop()

    def done(self, result: int) -> None:
        self.stop_devices()
        super().done(result)
