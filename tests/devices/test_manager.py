from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.errors import ConfigError, DeviceUnavailable
from devices.kinds import DEVICE_KINDS
from devices.manager import DeviceEvent, DeviceManager
from devices.printer.simulated import SimulatedPrinter
from devices.registry import DriverContext, register_driver, unregister_driver

ALL_SIMULATED = {kind: "simulated" for kind in DEVICE_KINDS}


class EventLog:
    """Collects events (from device threads); ``wait_for`` takes the oldest matching one."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._pending: list[tuple[DeviceEvent, str]] = []
        self.count = 0

    def __call__(self, event: DeviceEvent) -> None:
        with self._changed:
            self._pending.append((event, threading.current_thread().name))
            self.count += 1
            self._changed.notify_all()

    def wait_for(self, kind: str, event: str, timeout: float = 5.0) -> tuple[DeviceEvent, str]:
        def take() -> tuple[DeviceEvent, str] | None:
            for item in self._pending:
                if item[0].kind == kind and item[0].event == event:
                    self._pending.remove(item)
                    return item
            return None

        deadline = time.monotonic() + timeout
        with self._changed:
            while (item := take()) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {event!r} event for {kind!r} within {timeout} s")
                self._changed.wait(remaining)
            return item


def _device_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("device-")}


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[DeviceManager]:
    m = DeviceManager(ALL_SIMULATED, work_dir=tmp_path / "devices", poll_interval_s=None)
    yield m
    m.stop()


def test_start_gives_one_thread_per_device_and_stop_leaves_none(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    m = DeviceManager(ALL_SIMULATED, work_dir=tmp_path)
    m.start()
    assert {t.name for t in _device_threads()} == {f"device-{kind}" for kind in DEVICE_KINDS}
    m.stop()
    assert set(threading.enumerate()) - before == set()
    m.stop()  # idempotent
    assert set(threading.enumerate()) - before == set()


def test_every_device_reports_plugged_and_ready(manager: DeviceManager) -> None:
    log = EventLog()
    manager.subscribe(log)
    manager.start()
    for kind in DEVICE_KINDS:
        event, thread_name = log.wait_for(kind, "plugged")
        assert event.status.state == "ready"
        assert thread_name == f"device-{kind}"  # callbacks run on the device's own thread
    statuses = {s.kind: s for s in manager.statuses()}
    assert statuses["idcard"].message == "身份证阅读器：就绪"
    assert all(s.state == "ready" for s in statuses.values())


def test_submit_runs_on_the_device_thread(manager: DeviceManager) -> None:
    manager.start()
    thread = manager.submit("speech", lambda device: threading.current_thread()).result(timeout=5)
    assert thread is not threading.current_thread()
    assert thread.name == "device-speech"
    manager.submit("speech", lambda speech: speech.say("请A001号到1号窗口")).result(timeout=5)
    spoken = manager.submit("speech", lambda speech: speech.spoken).result(timeout=5)
    assert spoken == ["请A001号到1号窗口"]


def test_submitted_print_job_writes_into_the_work_dir(manager: DeviceManager, tmp_path: Path) -> None:
    manager.start()
    manager.submit("printer", lambda printer: printer.print_test_page()).result(timeout=10)
    assert [p.name for p in (tmp_path / "devices" / "printer").iterdir()] == ["job-0001.png"]


def test_job_errors_reach_the_future(manager: DeviceManager) -> None:
    manager.start()

    def read_without_card(reader: Any) -> Any:
        reader.remove_card()
        return reader.read_card(timeout_s=0)

    future = manager.submit("idcard", read_without_card)
    with pytest.raises(DeviceUnavailable, match="身份证"):
        future.result(timeout=5)
    # The thread survives a failed job.
    assert manager.submit("idcard", lambda reader: reader.card_present()).result(timeout=5) is False


def test_unplug_and_plug_events_reach_subscribers(manager: DeviceManager) -> None:
    log = EventLog()
    manager.subscribe(log)
    manager.start()
    log.wait_for("camera", "plugged")
    camera = manager.submit("camera", lambda device: device).result(timeout=5)

    camera.simulate_unplug()
    manager.poll()
    event, _ = log.wait_for("camera", "unplugged")
    assert event.status.state == "offline"
    assert "高拍仪未连接" in event.status.message
    assert next(s for s in manager.statuses() if s.kind == "camera").state == "offline"
    with pytest.raises(DeviceUnavailable, match="高拍仪未连接"):
        manager.submit("camera", lambda device: device.grab()).result(timeout=5)

    camera.simulate_plug()
    manager.poll()
    event, _ = log.wait_for("camera", "plugged")
    assert event.status.state == "ready"
    frame = manager.submit("camera", lambda device: device.grab()).result(timeout=5)
    assert frame.image.shape == (1200, 1600, 3)


def test_device_threads_notice_an_unplug_without_being_asked(tmp_path: Path) -> None:
    m = DeviceManager({"speech": "simulated"}, work_dir=tmp_path, poll_interval_s=0.02)
    log = EventLog()
    m.subscribe(log)
    m.start()
    try:
        log.wait_for("speech", "plugged")
        m.submit("speech", lambda device: device.simulate_unplug()).result(timeout=5)
        log.wait_for("speech", "unplugged")
    finally:
        m.stop()


def test_out_of_paper_shows_as_an_error_state(manager: DeviceManager) -> None:
    log = EventLog()
    manager.subscribe(log)
    manager.start()
    printer: SimulatedPrinter = manager.submit("printer", lambda device: device).result(timeout=5)
    printer.run_out_of_paper()
    manager.poll()
    deadline = time.monotonic() + 5
    while True:
        event, _ = log.wait_for("printer", "state", timeout=max(0.01, deadline - time.monotonic()))
        if event.status.state == "error":
            break
    assert "缺纸" in event.status.message
    assert event.status.message.count("小票打印机") == 1


def test_unsubscribed_callbacks_and_failing_callbacks(manager: DeviceManager) -> None:
    def broken(event: DeviceEvent) -> None:
        raise RuntimeError("subscriber bug")

    manager.subscribe(broken)
    log, gone = EventLog(), EventLog()
    manager.subscribe(log)
    manager.subscribe(gone)()
    manager.start()
    log.wait_for("printer", "plugged")
    assert gone.count == 0
    assert manager.submit("printer", lambda p: p.paper_width_dots).result(timeout=5) == 576


def test_unknown_driver_raises_config_error_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"devices\.printer") as caught:
        DeviceManager({"printer": "acme-9000"}, work_dir=tmp_path)
    assert caught.value.key == "devices.printer"
    assert "acme-9000" in str(caught.value)
    with pytest.raises(ConfigError) as unknown_kind:
        DeviceManager({"fax": "simulated"}, work_dir=tmp_path)
    assert unknown_kind.value.key == "devices.fax"


def test_unconfigured_kinds_are_absent(tmp_path: Path) -> None:
    m = DeviceManager({"printer": "simulated", "camera": "none"}, work_dir=tmp_path, poll_interval_s=None)
    m.start()
    try:
        statuses = {s.kind: s for s in m.statuses()}
        assert [s.kind for s in m.statuses()] == list(DEVICE_KINDS)
        assert statuses["camera"].state == "absent"
        assert statuses["camera"].message == "高拍仪：未配置"
        assert statuses["scanner"].state == "absent"
        with pytest.raises(DeviceUnavailable, match="未配置高拍仪"):
            m.submit("camera", lambda device: device)
        assert {t.name for t in _device_threads()} == {"device-printer"}
    finally:
        m.stop()


def test_submit_before_start_and_after_stop(tmp_path: Path) -> None:
    m = DeviceManager({"speech": "simulated"}, work_dir=tmp_path, poll_interval_s=None)
    with pytest.raises(DeviceUnavailable, match="尚未启动"):
        m.submit("speech", lambda device: device)
    m.start()
    m.stop()
    with pytest.raises(DeviceUnavailable):
        m.submit("speech", lambda device: device)


def test_stop_waits_for_the_running_job_and_cancels_queued_ones(manager: DeviceManager) -> None:
    manager.start()
    started, release = threading.Event(), threading.Event()

    def slow(device: Any) -> str:
        started.set()
        release.wait(5)
        return "done"

    running = manager.submit("speech", slow)
    queued = manager.submit("speech", lambda device: "never")
    assert started.wait(5)
    stopper = threading.Thread(target=manager.stop)
    stopper.start()
    deadline = time.monotonic() + 5
    while next(s for s in manager.statuses() if s.kind == "speech").message != "语音播报：未启动":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    release.set()
    stopper.join(5)
    assert not stopper.is_alive()
    assert running.result(timeout=0) == "done"
    assert queued.cancelled()


class _FailingFactory:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def __call__(self, context: DriverContext) -> object:
        self.calls += 1
        raise self.error


@pytest.fixture
def test_driver() -> Iterator[Callable[[Callable[[DriverContext], object]], None]]:
    def register(factory: Callable[[DriverContext], object]) -> None:
        register_driver("scanner", "test-driver", factory)

    yield register
    unregister_driver("scanner", "test-driver")


def test_driver_that_cannot_open_is_an_error_and_is_retried(
    tmp_path: Path, test_driver: Callable[[Callable[[DriverContext], object]], None]
) -> None:
    factory = _FailingFactory(OSError("usb claim failed"))
    test_driver(factory)
    m = DeviceManager({"scanner": "test-driver"}, work_dir=tmp_path, poll_interval_s=None)
    log = EventLog()
    m.subscribe(log)
    m.start()
    try:
        event, _ = log.wait_for("scanner", "state")
        assert event.status.state == "error"
        assert event.status.message.startswith("扫描仪：无法打开")
        with pytest.raises(DeviceUnavailable, match="无法打开"):
            m.submit("scanner", lambda device: device).result(timeout=5)
        assert factory.calls >= 2  # the job tried to open it again
    finally:
        m.stop()


def test_driver_reporting_not_connected_is_offline(
    tmp_path: Path, test_driver: Callable[[Callable[[DriverContext], object]], None]
) -> None:
    test_driver(_FailingFactory(DeviceUnavailable("扫描仪未连接，请检查数据线。", device="scanner")))
    m = DeviceManager({"scanner": "test-driver"}, work_dir=tmp_path, poll_interval_s=None)
    log = EventLog()
    m.subscribe(log)
    m.start()
    try:
        event, _ = log.wait_for("scanner", "state")
        assert event.status.state == "offline"
        assert event.status.message == "扫描仪未连接，请检查数据线。"
    finally:
        m.stop()


def test_devices_are_closed_on_their_own_thread(
    tmp_path: Path, test_driver: Callable[[Callable[[DriverContext], object]], None]
) -> None:
    closed_on: list[str] = []

    class ClosableDevice:
        def close(self) -> None:
            closed_on.append(threading.current_thread().name)

    test_driver(lambda context: ClosableDevice())
    m = DeviceManager({"scanner": "test-driver"}, work_dir=tmp_path, poll_interval_s=None)
    m.start()
    m.submit("scanner", lambda device: None).result(timeout=5)
    m.stop()
    assert closed_on == ["device-scanner"]


def test_stop_from_a_device_thread_is_refused(manager: DeviceManager) -> None:
    manager.start()
    with pytest.raises(RuntimeError, match="device thread"):
        manager.submit("speech", lambda device: manager.stop()).result(timeout=5)


def test_configured_driver_options_reach_the_factory(tmp_path: Path, yc_home: Path) -> None:
    from app.config import load_config

    config_file = tmp_path / "config.toml"
    config_file.write_text(
        '[devices]\nidcard_port = "/dev/ttyUSB3"\nidcard_baud = "9600"\n', encoding="utf-8"
    )
    options = load_config(config_file).device_options()
    assert options["idcard"]["port"] == "/dev/ttyUSB3"
    assert options["idcard"]["baud"] == "9600"
    assert options["smartcard"] == {"reader": ""}
    seen: list[DriverContext] = []

    def factory(context: DriverContext) -> object:
        seen.append(context)
        return object()

    register_driver("idcard", "options-probe", factory)
    try:
        manager = DeviceManager({"idcard": "options-probe"}, work_dir=tmp_path, options=options)
        manager.start()
        manager.submit("idcard", lambda device: None).result(timeout=5)
        manager.stop()
    finally:
        unregister_driver("idcard", "options-probe")
    assert seen[0].options["port"] == "/dev/ttyUSB3"
