"""平台连接: the provincial platform's address, its CA certificate, a connection test and enrollment."""

from __future__ import annotations

import re

from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from app.doctor import CheckResult
from app.errors import SyncError, UserFacingError
from ui.ops import OpRunner
from ui.setup.model import Enrolled, SetupModel, enroll_op, platform_check_op

_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
MARKS = {"ok": "✔", "warn": "!", "fail": "✘"}
COLORS = {"ok": "#2e7d32", "warn": "#e65100", "fail": "#b71c1c"}


class PlatformPage(QWizardPage):
    """Page 2. The platform is optional: an empty address means this station does not sync."""

    def __init__(self, model: SetupModel, runner: OpRunner) -> None:
        super().__init__()
        self.model = model
        self.runner = runner
        self.busy = False
        self.setObjectName("page_platform")
        self.setTitle(self.tr("平台连接"))
        self.setSubTitle(
            self.tr(
                "省级平台的地址和 CA 证书，测试连接，再用平台发放的一次性登记码为本站登记。不同步可留空。"
            )
        )
        self.url = QLineEdit()
        self.url.setObjectName("platform_url")
        self.url.setPlaceholderText("https://platform.example.gov.cn")
        self.ca = QLineEdit()
        self.ca.setObjectName("ca_bundle")
        self.ca.setPlaceholderText(self.tr("留空 = 使用系统自带的根证书"))
        browse = QPushButton(self.tr("选择…"))
        browse.setObjectName("ca_browse")
        browse.clicked.connect(self._choose_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca, 1)
        ca_row.addWidget(browse)
        self.test_button = QPushButton(self.tr("测试连接"))
        self.test_button.setObjectName("platform_test")
        self.test_button.clicked.connect(self.test_connection)
        self.result = QLabel()
        self.result.setObjectName("platform_result")
        self.result.setWordWrap(True)
        self.code = QLineEdit()
        self.code.setObjectName("enroll_code")
        self.code.setPlaceholderText(self.tr("平台管理员提供的一次性登记码"))
        self.enroll_button = QPushButton(self.tr("登记"))
        self.enroll_button.setObjectName("enroll_button")
        self.enroll_button.clicked.connect(self.enroll)
        code_row = QHBoxLayout()
        code_row.addWidget(self.code, 1)
        code_row.addWidget(self.enroll_button)
        self.enroll_result = QLabel()
        self.enroll_result.setObjectName("enroll_result")
        self.enroll_result.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("platform_error")
        self.error.setStyleSheet("color:#b71c1c")
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("平台地址"), self.url)
        form.addRow(self.tr("CA 证书文件"), ca_row)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        form.addRow("", test_row)
        form.addRow("", self.result)
        form.addRow(self.tr("登记码"), code_row)
        form.addRow("", self.enroll_result)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def load(self) -> None:
        self.url.setText(self.model.get_str("sync.platform_url"))
        self.ca.setText(self.model.get_str("sync.ca_bundle"))
        self.result.clear()

    def store(self) -> None:
        self.model.put("sync.platform_url", self.url.text().strip())
        self.model.put("sync.ca_bundle", self.ca.text().strip())

    def _url_problem(self) -> str | None:
        url = self.url.text().strip()
        if url and not _URL.fullmatch(url):
            return self.tr("平台地址应以 https:// 开头，如 https://platform.example.gov.cn。")
        return None

    def _choose_ca(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("选择平台的 CA 证书"), "", self.tr("证书 (*.pem *.crt *.cer);;所有文件 (*)")
        )
        if path:
            self.ca.setText(path)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.test_button.setEnabled(not busy)
        self.enroll_button.setEnabled(not busy)

    # --- connection test ---------------------------------------------------------------------------

    def test_connection(self) -> None:
        problem = self._url_problem()
        if problem is not None:
            self.error.setText(problem)
            return
        self.error.clear()
        self.store()
        self._set_busy(True)
        self.result.setText(self.tr("正在连接省级平台…"))
        op = platform_check_op(self.model.preview())
        self.runner.start(op.success(self._tested).failure(self._test_failed))

    def _tested(self, results: list[CheckResult]) -> None:
        self._set_busy(False)
        lines = [
            f'<span style="color:{COLORS[r.verdict]}">{MARKS[r.verdict]} {r.name}：{r.message}</span>'
            for r in results
        ]
        self.result.setText("<br>".join(lines))

    def _test_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.result.setText(str(error) if isinstance(error, UserFacingError) else self.runner.apology())

    # --- enrollment --------------------------------------------------------------------------------

    def enroll(self) -> None:
        code = self.code.text().strip()
        problem = self._url_problem()
        if not self.url.text().strip():
            problem = self.tr("请先填写平台地址。")
        elif not self.model.get_str("station.code"):
            problem = self.tr("登记前请在“站点信息”页填写站点编码。")
        elif not code:
            problem = self.tr("请输入平台管理员提供的登记码。")
        if problem is not None:
            self.enroll_result.setStyleSheet("color:#b71c1c")
            self.enroll_result.setText(problem)
            return
        self.store()
        self._set_busy(True)
        self.enroll_result.setStyleSheet("")
        self.enroll_result.setText(self.tr("正在登记…"))
        op = enroll_op(self.model.ctx, self.model.preview(), code)
        self.runner.start(op.success(self._enrolled).failure(self._enroll_failed))

    def _enrolled(self, enrolled: Enrolled) -> None:
        self._set_busy(False)
        self.model.enrolled_as = enrolled.station_id
        self.code.clear()
        self.enroll_result.setStyleSheet("color:#2e7d32")
        self.enroll_result.setText(
            self.tr("登记成功：平台站点号 {station}。凭证已加密保存在本机，登记码已用掉。").format(
                station=enrolled.station_id
            )
        )

    def _enroll_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.enroll_result.setStyleSheet("color:#b71c1c")
        known = isinstance(error, UserFacingError | SyncError)
        self.enroll_result.setText(str(error) if known else self.runner.apology())

    def validatePage(self) -> bool:
        problem = self._url_problem()
        if problem is not None:
            self.error.setText(problem)
            return False
        if self.busy:
            self.error.setText(self.tr("请等连接测试或登记完成。"))
            return False
        self.error.clear()
        self.store()
        return True
