"""The setup wizard walked page by page with simulated devices and the reference platform, and with
a station profile: what an installer fills in ends up in the configuration file and the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTimeEdit,
    QWidget,
    QWizard,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.config import Config, load_config
from app.context import AppContext
from app.model import AuditEvent, QueueCategory, Station
from app.services.clerks import verify_password
from app.setup_profile import CategorySpec, export_profile
from devices.kinds import DEVICE_KINDS
from sync.token_store import DbTokenStore
from tests.sync.platform_server import PlatformServer, run_platform
from ui.ops import OpRunner
from ui.setup import SetupWizard

WAIT_MS = 15000
PIN = "135792"
SHOTS = Path("/tmp/yichuang-setup-shots")


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[PlatformServer]:
    """The reference platform on loopback (tests/sync/platform_server.py)."""
    with run_platform(tmp_path / "platform") as server:
        yield server


class Walk:
    def __init__(self, qtbot: QtBot, wizard: SetupWizard, ctx: AppContext, target: Path) -> None:
        self.qtbot = qtbot
        self.wizard = wizard
        self.ctx = ctx
        self.target = target
        self.messages: list[str] = []

    def find(self, kind: type, name: str) -> object:
        found = self.wizard.findChild(kind, name)
        assert found is not None, name
        return found

    def line(self, name: str) -> QLineEdit:
        widget = self.find(QLineEdit, name)
        assert isinstance(widget, QLineEdit)
        return widget

    def label(self, name: str) -> QLabel:
        widget = self.find(QLabel, name)
        assert isinstance(widget, QLabel)
        return widget

    def combo(self, name: str) -> QComboBox:
        widget = self.find(QComboBox, name)
        assert isinstance(widget, QComboBox)
        return widget

    def click(self, name: str) -> None:
        button = self.find(QPushButton, name)
        assert isinstance(button, QPushButton) and button.isEnabled(), name
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def type_into(self, name: str, text: str) -> None:
        field = self.line(name)
        field.clear()
        if text.isascii():
            self.qtbot.keyClicks(field, text)
        else:  # QTest types ASCII only; an input method delivers the rest as one commit
            field.insert(text)

    def choose(self, name: str, data: object) -> None:
        combo = self.combo(name)
        index = combo.findData(data)
        assert index >= 0, (name, data)
        combo.setCurrentIndex(index)

    def next(self, expected: str) -> None:
        self.qtbot.mouseClick(self.wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
        page = self.wizard.currentPage()
        assert page is not None and page.objectName() == expected

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert self.wizard.grab().save(str(SHOTS / f"{name}.png"))

    def test_device(self, kind: str) -> str:
        self.click(f"{kind}_test")
        result = self.label(f"{kind}_result")
        self.qtbot.waitUntil(lambda: result.text()[:1] in ("✔", "✘"), timeout=WAIT_MS)
        return result.text()

    def finish(self) -> Config:
        self.qtbot.mouseClick(
            self.wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton
        )
        self.qtbot.waitUntil(lambda: self.wizard.saved is not None, timeout=WAIT_MS)
        self.qtbot.waitUntil(lambda: self.wizard.result() == QWizard.DialogCode.Accepted, timeout=WAIT_MS)
        return load_config(self.target)

    def categories(self) -> list[tuple[str, str, bool]]:
        with self.ctx.db.session() as s:
            rows = s.execute(
                select(QueueCategory.code, QueueCategory.name, QueueCategory.active)
                .join(Station, Station.id == QueueCategory.station_id)
                .where(Station.code == self.ctx_station())
                .order_by(QueueCategory.active.desc(), QueueCategory.position, QueueCategory.code)
            ).all()
        return [(code, name, active) for code, name, active in rows]

    def ctx_station(self) -> str:
        config = self.wizard.saved
        assert config is not None
        return config.get_str("station.code") or "LOCAL"


@pytest.fixture
def walk(qtbot: QtBot, demo_ctx: AppContext, tmp_path: Path) -> Iterator[Walk]:
    target = tmp_path / "config" / "config.toml"
    runner = OpRunner()
    wizard = SetupWizard(demo_ctx, runner, target)
    qtbot.addWidget(wizard)
    w = Walk(qtbot, wizard, demo_ctx, target)
    runner._show_message = w.messages.append  # a stray message box would wait for a click
    wizard.resize(960, 760)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.loaded, timeout=WAIT_MS)
    yield w
    wizard.stop_devices()
    wizard.close()
    runner.shutdown()
    assert w.messages == []


def spoken(walk: Walk) -> list[str]:
    row = walk.wizard.devices.rows["speech"]
    manager = walk.wizard.bench.manager("speech", row.driver_name, row.driver_options())
    result: list[str] = manager.submit("speech", lambda speech: speech.spoken).result(timeout=5)
    return result


def test_an_installer_walks_the_wizard_with_simulated_devices(walk: Walk, platform: PlatformServer) -> None:
    qtbot, wizard = walk.qtbot, walk.wizard
    # 站点信息
    walk.type_into("station_name", "当阳市玉阳街道便民服务中心")
    walk.type_into("station_code", "ST042")
    walk.type_into("region_code", "420582")
    spin = walk.find(QSpinBox, "window_number")
    assert isinstance(spin, QSpinBox)
    spin.setValue(7)
    demo = walk.find(QCheckBox, "ui_demo")
    assert isinstance(demo, QCheckBox) and demo.isChecked()
    walk.shot("1-station")
    walk.next("page_platform")

    # 平台连接: test the connection, then enroll with a one-time code
    walk.type_into("platform_url", platform.base_url)
    walk.click("platform_test")
    result = walk.label("platform_result")
    qtbot.waitUntil(lambda: "省级平台" in result.text() and "✔" in result.text(), timeout=WAIT_MS)
    assert "✘" not in result.text()
    walk.type_into("enroll_code", platform.new_codes(1)[0])
    walk.click("enroll_button")
    enrolled = walk.label("enroll_result")
    qtbot.waitUntil(lambda: "登记成功" in enrolled.text(), timeout=WAIT_MS)
    assert DbTokenStore(walk.ctx.db, walk.ctx.cipher).load()  # the token is kept, encrypted
    walk.shot("2-platform")
    walk.next("page_devices")

    # 设备检测: a test per device, on the device threads
    walk.shot("3-devices-top")
    for kind in DEVICE_KINDS:
        assert walk.combo(f"{kind}_driver").currentData() == "simulated"  # demo mode's default
    walk.choose("smartcard_driver", "none")
    assert walk.label("smartcard_result").text() == "不使用"
    walk.choose("scanner_resolution", "300")
    assert "已打印测试页" in walk.test_device("printer")
    printed = sorted((walk.ctx.work_dir / "setup-test" / "printer").glob("job-*.png"))
    assert len(printed) == 1
    idcard = walk.test_device("idcard")
    assert idcard.startswith("✔ 读卡成功") and "**********" in idcard and "已记入审计日志" in idcard
    camera = walk.test_device("camera")
    assert camera.startswith("✔ 预览正常") and "1600×1200" in camera
    picture = walk.find(QLabel, "camera_picture")
    assert isinstance(picture, QLabel) and not picture.pixmap().isNull()
    assert walk.test_device("scanner").startswith("✔ 扫描成功")
    assert "7号窗口" in walk.test_device("speech")
    assert spoken(walk) == ["请A001号到7号窗口办理"]
    assert "收到评价：非常满意" in walk.test_device("evaluator")
    assert wizard.devices.badge is None  # the screen sign closes with the test
    walk.click("barcode_test")
    qtbot.waitUntil(lambda: "请扫描任意条码" in walk.label("barcode_result").text(), timeout=WAIT_MS)
    scan = walk.line("barcode_input")
    qtbot.keyClicks(scan, "YY20250301")
    qtbot.keyClick(scan, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "收到：YY20250301" in walk.label("barcode_result").text(), timeout=WAIT_MS)
    walk.shot("3-devices")
    walk.next("page_categories")

    # 叫号类别: the demo station's six, edited; the kiosk's PIN and daily restart
    table = walk.find(QTableWidget, "categories")
    assert isinstance(table, QTableWidget)
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["A", "B", "C", "D", "E", "F"]
    table.setCurrentCell(5, 0)
    walk.click("category_remove")
    walk.click("category_add")
    assert table.item(5, 0).text() == "F"
    table.item(5, 1).setText("公积金")
    table.setCurrentCell(5, 1)
    walk.click("category_up")
    walk.type_into("installer_pin", PIN)
    walk.type_into("installer_pin_again", PIN)
    restart = walk.find(QCheckBox, "restart_enabled")
    assert isinstance(restart, QCheckBox)
    restart.setChecked(True)
    time_edit = walk.find(QTimeEdit, "restart_at")
    assert isinstance(time_edit, QTimeEdit)
    time_edit.setTime(QTime(3, 15))
    walk.shot("4-categories")
    walk.next("page_summary")

    # 总结, then 完成
    summary = walk.find(QPlainTextEdit, "summary")
    assert isinstance(summary, QPlainTextEdit)
    text = summary.toPlainText()
    assert "当阳市玉阳街道便民服务中心（编码 ST042，区划 420582" in text
    assert "本机窗口号：7" in text and "每日重启 03:15" in text and "实施人员口令已设置" in text
    assert "F 公积金、E 不动产与建设" in text
    assert "小票打印机（simulated）：✔ 已打印测试页" in text
    assert "社保卡/智能卡读卡器" not in text  # not used here
    assert "平台登记：已登记" in text
    walk.shot("5-summary")
    config = walk.finish()

    assert config.get_str("station.name") == "当阳市玉阳街道便民服务中心"
    assert config.get_str("station.code") == "ST042"
    assert config.get_str("station.region_code") == "420582"
    assert config.get_int("station.window_number") == 7
    assert config.get_str("sync.platform_url") == platform.base_url
    assert config.get_str("devices.smartcard") == "none"
    assert config.get_str("devices.printer") == "simulated"
    assert config.get_str("devices.scanner_resolution") == "300"
    assert config.get_str("kiosk.restart_at") == "03:15"
    assert verify_password(PIN, config.get_str("kiosk.installer_pin"))
    assert PIN not in walk.target.read_text(encoding="utf-8")
    assert config.origin("devices.camera_width") == "default"  # untouched options are not frozen in
    assert walk.categories()[:6] == [
        ("A", "综合受理", True),
        ("B", "社保医保", True),
        ("C", "民政残联", True),
        ("D", "市场准入", True),
        ("F", "公积金", True),
        ("E", "不动产与建设", True),
    ]
    with walk.ctx.db.session() as s:
        station = s.execute(select(Station).where(Station.code == "ST042")).scalar_one()
        assert (station.name, station.region_code) == ("当阳市玉阳街道便民服务中心", "420582")
        reads = s.execute(select(AuditEvent).where(AuditEvent.action == "idcard.read")).scalars().all()
        assert [(e.actor, e.after["purpose"]) for e in reads] == [("setup", "doctor")]


def test_an_installer_starts_from_a_station_profile(walk: Walk, tmp_path: Path) -> None:
    source = load_config(
        None,
        overrides={
            "station.name": "示范政务服务大厅",
            "station.code": "HALL09",
            "station.region_code": "420500",
            "station.window_number": "3",
            "devices.printer": "simulated",
            "devices.camera": "none",
            "kiosk.restart_at": "04:00",
        },
    )
    profile = tmp_path / "profile.toml"
    export_profile(source, [CategorySpec("A", "综合受理"), CategorySpec("S", "税务")], profile)
    walk.wizard.import_profile(profile)
    note = walk.label("import_note")
    walk.qtbot.waitUntil(lambda: "已导入站点配置包" in note.text(), timeout=WAIT_MS)
    assert "示范政务服务大厅（HALL09）" in note.text()
    assert walk.line("station_name").text() == "示范政务服务大厅"
    assert walk.line("region_code").text() == "420500"
    walk.shot("0-imported")
    spin = walk.find(QSpinBox, "window_number")
    assert isinstance(spin, QSpinBox) and spin.value() == 3
    spin.setValue(12)  # this machine's own window
    walk.next("page_platform")
    walk.next("page_devices")
    assert walk.combo("camera_driver").currentData() == "none"
    assert walk.test_device("printer").startswith("✔")
    walk.next("page_categories")
    table = walk.find(QTableWidget, "categories")
    assert isinstance(table, QTableWidget)
    assert [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())] == [
        ("A", "综合受理"),
        ("S", "税务"),
    ]
    walk.type_into("installer_pin", PIN)
    walk.type_into("installer_pin_again", PIN)
    walk.next("page_summary")
    config = walk.finish()
    assert config.get_str("station.name") == "示范政务服务大厅"
    assert config.get_str("station.code") == "HALL09"
    assert config.get_int("station.window_number") == 12
    assert config.get_str("devices.camera") == "none"
    assert config.get_str("kiosk.restart_at") == "04:00"
    assert verify_password(PIN, config.get_str("kiosk.installer_pin"))
    active = [(code, name) for code, name, on in walk.categories() if on]
    assert active == [("A", "综合受理"), ("S", "税务")]


def test_a_bad_profile_is_refused_naming_the_key(walk: Walk, tmp_path: Path) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text('[profile]\nformat = 1\n\n[station]\nwindow_number = "七"\n', encoding="utf-8")
    walk.wizard.import_profile(profile)
    note = walk.label("import_note")
    walk.qtbot.waitUntil(lambda: "station.window_number" in note.text(), timeout=WAIT_MS)
    assert "1 到 999 之间的整数" in note.text()
    assert walk.line("station_name").text() == "演示便民服务站"  # nothing was taken


def test_mistakes_keep_the_installer_on_the_page_with_a_reason(walk: Walk) -> None:
    walk.type_into("region_code", "42058")
    walk.next("page_station")
    assert "6 位数字" in walk.label("station_error").text()
    walk.type_into("region_code", "")
    walk.next("page_platform")
    walk.type_into("platform_url", "platform.example")
    walk.next("page_platform")
    assert "https://" in walk.label("platform_error").text()
    walk.type_into("platform_url", "")
    walk.next("page_devices")
    walk.next("page_categories")
    table = walk.find(QTableWidget, "categories")
    assert isinstance(table, QTableWidget)
    table.item(1, 0).setText("A")
    walk.next("page_categories")
    assert "字头 A 重复了" in walk.label("categories_error").text()
    table.item(1, 0).setText("B")
    walk.type_into("installer_pin", "123456")
    walk.type_into("installer_pin_again", "123456")
    walk.next("page_categories")
    assert "太简单" in walk.label("categories_error").text()
    walk.type_into("installer_pin_again", "654321")
    walk.next("page_categories")
    assert "两次输入的口令不一样" in walk.label("categories_error").text()


def test_cancelling_writes_nothing(walk: Walk) -> None:
    walk.type_into("station_name", "不会保存的名字")
    walk.next("page_platform")
    walk.qtbot.mouseClick(walk.wizard.button(QWizard.WizardButton.CancelButton), Qt.MouseButton.LeftButton)
    assert walk.wizard.result() == QWizard.DialogCode.Rejected
    assert not walk.target.exists()
    assert walk.wizard.saved is None


def test_every_page_has_a_title_and_its_widgets_are_named(walk: Walk) -> None:
    titles = [walk.wizard.page(i).title() for i in walk.wizard.pageIds()]
    assert titles == ["站点信息", "平台连接", "设备检测", "叫号类别", "总结"]
    rows = [w for w in walk.wizard.findChildren(QWidget) if w.objectName().startswith("device_")]
    assert sorted(w.objectName() for w in rows) == sorted(f"device_{k}" for k in DEVICE_KINDS)
