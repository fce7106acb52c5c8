"""The vendor-SDK ID-card reader (devices.idcard.vendor_sdk) against fake vendor libraries.

The real sdtapi/termb libraries are licence-bound binaries that need a reader attached, so these
tests compile stand-ins from tests/devices/fake_sdk/ (same export names and signatures, the SAM's
return codes) and steer them per test: normal card, no card, select failure, read failure,
reader unplugged. Header checks (wrong bitness, Windows DLL on Linux) use crafted files.
"""

from __future__ import annotations

import logging
import struct
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.errors import DeviceUnavailable
from devices.idcard import ga467
from devices.idcard.base import CardReadFailed, IdCardData, NoCardPresent
from devices.idcard.cardtext import encode_card_text
from devices.idcard.simulated import demo_cards
from devices.idcard.vendor_sdk import (
    NOT_CONFIGURED,
    SDK_LIBRARY_KEY,
    SDK_PORT_KEY,
    BinaryFormat,
    VendorSdkReader,
    binary_mismatch,
    create,
    host_binary_format,
    load_vendor_library,
    read_binary_format,
)
from devices.manager import DeviceManager
from devices.registry import DriverContext
from tests.devices.fake_sdk import (
    MODE_NO_CARD,
    MODE_NORMAL,
    MODE_READ_FAILS,
    MODE_SELECT_FAILS,
    MODE_UNPLUGGED,
    FakeReaderLibrary,
    FakeWltLibrary,
    build_library,
)

CARD = demo_cards()[1]  # a resident card with an end date
WLT = bytes([40, 80, 160]) + bytes(1021)  # the fake decoder paints the BGR colour of the first 3 bytes

LINUX_X86_64 = BinaryFormat("Linux", 64, "x86")
WINDOWS_X64 = BinaryFormat("Windows", 64, "x86")


# --- crafted headers ---------------------------------------------------------------------------


def elf_header(bits: int, machine: int) -> bytes:
    header = bytearray(64)
    header[:4] = b"\x7fELF"
    header[4] = 1 if bits == 32 else 2
    header[5] = 1  # little endian
    header[6] = 1
    header[18:20] = struct.pack("<H", machine)
    return bytes(header)


def pe_header(machine: int, magic: int) -> bytes:
    header = bytearray(0x200)
    header[:2] = b"MZ"
    header[0x3C:0x40] = struct.pack("<I", 0x80)
    header[0x80:0x84] = b"PE\0\0"
    header[0x84:0x86] = struct.pack("<H", machine)
    header[0x80 + 24 : 0x80 + 26] = struct.pack("<H", magic)
    return bytes(header)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (elf_header(32, 3), BinaryFormat("Linux", 32, "x86")),
        (elf_header(64, 62), BinaryFormat("Linux", 64, "x86")),
        (elf_header(64, 183), BinaryFormat("Linux", 64, "ARM")),
        (elf_header(64, 258), BinaryFormat("Linux", 64, "LoongArch")),
        (pe_header(0x014C, 0x010B), BinaryFormat("Windows", 32, "x86")),
        (pe_header(0x8664, 0x020B), BinaryFormat("Windows", 64, "x86")),
        (pe_header(0xAA64, 0x020B), BinaryFormat("Windows", 64, "ARM")),
        (b"just text, no library", None),
        (b"MZ" + bytes(100), None),  # a DOS stub without a PE header
    ],
)
def test_library_headers_tell_platform_bitness_and_processor(
    header: bytes, expected: BinaryFormat | None
) -> None:
    assert read_binary_format(header) == expected


def test_mismatch_messages_say_what_is_wrong_and_what_to_do() -> None:
    assert binary_mismatch(LINUX_X86_64, LINUX_X86_64) is None
    wrong_bits = binary_mismatch(BinaryFormat("Windows", 32, "x86"), WINDOWS_X64)
    assert wrong_bits is not None
    assert "32 位" in wrong_bits and "64 位" in wrong_bits and "索取" in wrong_bits
    wrong_system = binary_mismatch(WINDOWS_X64, LINUX_X86_64)
    assert wrong_system is not None
    assert "Windows" in wrong_system and ".so" in wrong_system
    wrong_cpu = binary_mismatch(BinaryFormat("Linux", 64, "ARM"), LINUX_X86_64)
    assert wrong_cpu is not None
    assert "ARM" in wrong_cpu and "飞腾" in wrong_cpu and "x86" in wrong_cpu


def test_host_format_follows_the_interpreter_bitness() -> None:
    host = host_binary_format()
    assert host.bits == (64 if sys.maxsize > 2**32 else 32)


@pytest.mark.skipif(host_binary_format().bits != 64, reason="needs a 64-bit interpreter")
def test_a_32_bit_library_is_refused_before_loading_with_the_file_named(tmp_path: Path) -> None:
    library = tmp_path / "libsdtapi.so"
    library.write_bytes(elf_header(32, 3))
    with pytest.raises(DeviceUnavailable) as caught:
        load_vendor_library(str(library), setting_key=SDK_LIBRARY_KEY, role="厂商读卡库")
    message = str(caught.value)
    assert str(library) in message and "32 位" in message and "64 位" in message


@pytest.mark.skipif(sys.platform == "win32", reason="a PE file is the right kind on Windows")
def test_a_windows_dll_is_refused_on_linux_with_the_file_named(tmp_path: Path) -> None:
    library = tmp_path / "sdtapi.dll"
    library.write_bytes(pe_header(0x014C, 0x010B))
    with pytest.raises(DeviceUnavailable) as caught:
        create(DriverContext("idcard", tmp_path, {"sdk_library": str(library)}))
    message = str(caught.value)
    assert str(library) in message and "Windows" in message and ".so" in message


# --- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "   "])
def test_unconfigured_library_is_not_loaded_and_says_which_setting_to_fill(
    tmp_path: Path, value: str
) -> None:
    with pytest.raises(DeviceUnavailable) as caught:
        create(DriverContext("idcard", tmp_path, {"sdk_library": value}))
    assert str(caught.value) == NOT_CONFIGURED
    assert "未配置厂商读卡库" in NOT_CONFIGURED and SDK_LIBRARY_KEY in NOT_CONFIGURED
    with pytest.raises(DeviceUnavailable, match="未配置厂商读卡库"):
        create(DriverContext("idcard", tmp_path))


def test_missing_library_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "termb.dll"
    with pytest.raises(DeviceUnavailable) as caught:
        create(DriverContext("idcard", tmp_path, {"sdk_library": str(missing)}))
    assert str(missing) in str(caught.value) and "找不到厂商读卡库" in str(caught.value)


@pytest.mark.parametrize("port", ["abc", "0", "17", "2000"])
def test_bad_port_setting_is_named(tmp_path: Path, port: str) -> None:
    with pytest.raises(DeviceUnavailable) as caught:
        create(DriverContext("idcard", tmp_path, {"sdk_library": "/x/libsdtapi.so", "sdk_port": port}))
    assert SDK_PORT_KEY in str(caught.value) and port in str(caught.value)


# --- the fake libraries ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sdk")
    return {
        "sdtapi": build_library("fake_sdtapi.c", folder / "libsdtapi.so"),
        "termb": build_library("fake_termb.c", folder / "libtermb.so"),
        "synjones": build_library("fake_termb.c", folder / "libtermb_ss.so", "NO_PREFIX", "NO_READBASEMSG"),
        "old_termb": build_library("fake_termb.c", folder / "libtermb_old.so", "NO_READBASEMSG"),
        "sdtapi_incomplete": build_library("fake_sdtapi.c", folder / "libsdtapi_part.so", "NO_READBASEMSG"),
        "wlt": build_library("fake_wlt.c", folder / "libwlt2bmp.so"),
    }


@pytest.fixture(params=["sdtapi", "termb"])
def fake(request: pytest.FixtureRequest, built: dict[str, Path]) -> FakeReaderLibrary:
    library = FakeReaderLibrary(built[request.param])
    library.set_card(encode_card_text(CARD), WLT)
    return library


class FakeClock:
    """Time that moves only when the reader sleeps, so waiting for a card costs no real time."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []
        self.after_sleep: Callable[[int], None] | None = None  # called with the number of naps so far

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.after_sleep is not None:
            self.after_sleep(len(self.sleeps))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def open_reader(clock: FakeClock) -> Iterator[Callable[..., VendorSdkReader]]:
    readers: list[VendorSdkReader] = []

    def make(library: Path, port: int = 1001, **kwargs: object) -> VendorSdkReader:
        reader = VendorSdkReader(str(library), port, sleep=clock.sleep, clock=clock, **kwargs)  # type: ignore[arg-type]
        readers.append(reader)
        return reader

    yield make
    for reader in readers:
        reader.close()


def _same_card(read: IdCardData) -> None:
    assert read.id_number == CARD.id_number
    assert read.name == CARD.name and read.address == CARD.address
    assert read.valid_until == CARD.valid_until
    assert read.photo_wlt == WLT  # the raw photo is always kept


def test_normal_card_is_read_into_memory_with_photo_kept_and_decoded(
    fake: FakeReaderLibrary, built: dict[str, Path], open_reader: Callable[..., VendorSdkReader]
) -> None:
    from devices.idcard.photo import load_photo_decoder

    reader = open_reader(fake.path, photo_decoder=load_photo_decoder(str(built["wlt"])))
    assert reader.family == fake.path.stem.removeprefix("lib")
    assert reader.is_present()
    assert reader.card_present()
    card = reader.read_card(timeout_s=1)
    _same_card(card)
    assert card.photo.startswith(b"\x89PNG")


def test_without_a_photo_decoder_the_text_is_read_and_the_raw_photo_kept(
    fake: FakeReaderLibrary, open_reader: Callable[..., VendorSdkReader]
) -> None:
    card = open_reader(fake.path).read_card(timeout_s=1)
    _same_card(card)
    assert card.photo == b"" and not card.photo_decoded


def test_licence_refusal_of_the_photo_decoder_still_gives_the_card(
    fake: FakeReaderLibrary, built: dict[str, Path], open_reader: Callable[..., VendorSdkReader]
) -> None:
    from devices.idcard.photo import load_photo_decoder

    wlt = FakeWltLibrary(built["wlt"])
    wlt.set_result(-5)
    try:
        card = open_reader(fake.path, photo_decoder=load_photo_decoder(str(built["wlt"]))).read_card(1)
    finally:
        wlt.set_result(1)
    _same_card(card)
    assert card.photo == b""


def test_no_card_waits_until_the_timeout_polling_no_faster_than_300_ms(
    fake: FakeReaderLibrary, clock: FakeClock, open_reader: Callable[..., VendorSdkReader]
) -> None:
    reader = open_reader(fake.path)
    fake.set_mode(MODE_NO_CARD)
    assert not reader.card_present()
    started = clock.now
    with pytest.raises(NoCardPresent) as caught:
        reader.read_card(timeout_s=2)
    assert str(caught.value) == ga467.status_message(ga467.SW3_NO_CARD)
    assert clock.now - started == pytest.approx(2.0)
    assert clock.sleeps and all(s <= 0.3 for s in clock.sleeps)
    assert sum(1 for s in clock.sleeps if s < 0.3) <= 1  # only the last nap is cut short by the deadline


def test_a_card_placed_while_waiting_is_read(
    fake: FakeReaderLibrary, clock: FakeClock, open_reader: Callable[..., VendorSdkReader]
) -> None:
    reader = open_reader(fake.path)
    fake.set_mode(MODE_NO_CARD)
    clock.after_sleep = lambda naps: fake.set_mode(MODE_NORMAL) if naps == 3 else None
    _same_card(reader.read_card(timeout_s=5))
    assert len(clock.sleeps) == 3


def test_select_failure_is_retried_until_the_deadline_then_reported(
    fake: FakeReaderLibrary, clock: FakeClock, open_reader: Callable[..., VendorSdkReader]
) -> None:
    reader = open_reader(fake.path)
    fake.set_mode(MODE_SELECT_FAILS)
    with pytest.raises(CardReadFailed) as caught:
        reader.read_card(timeout_s=1)
    assert str(caught.value) == ga467.status_message(ga467.SW3_SELECT_FAILED)
    assert "选卡失败" in str(caught.value)
    assert len(clock.sleeps) >= 3


def test_read_failure_is_reported_at_once_with_the_sam_message(
    fake: FakeReaderLibrary, clock: FakeClock, open_reader: Callable[..., VendorSdkReader]
) -> None:
    reader = open_reader(fake.path)
    fake.set_mode(MODE_READ_FAILS)
    with pytest.raises(CardReadFailed) as caught:
        reader.read_card(timeout_s=3)
    assert str(caught.value) == ga467.status_message(ga467.SW3_READ_FAILED)
    assert clock.sleeps == []  # the SAM wants the card placed again: no silent retry


def test_unplug_is_seen_and_replug_recovers_without_a_new_reader(
    fake: FakeReaderLibrary, open_reader: Callable[..., VendorSdkReader]
) -> None:
    reader = open_reader(fake.path)
    assert fake.open_count == 1
    fake.set_mode(MODE_UNPLUGGED)
    with pytest.raises(DeviceUnavailable) as caught:
        reader.read_card(timeout_s=1)
    assert not isinstance(caught.value, NoCardPresent)
    assert "阅读器" in str(caught.value) and ("数据线" in str(caught.value) or "已连接" in str(caught.value))
    assert not reader.is_present()
    assert not reader.is_present()  # stays absent while unplugged, without raising

    fake.set_mode(MODE_NORMAL)  # plugged back in
    assert reader.is_present()
    assert fake.open_count == 2 and fake.port_is_open
    _same_card(reader.read_card(timeout_s=1))


def test_card_presence_is_asked_at_most_every_300_ms(
    fake: FakeReaderLibrary, clock: FakeClock, open_reader: Callable[..., VendorSdkReader]
) -> None:
    reader = open_reader(fake.path)
    assert reader.card_present()
    fake.set_mode(MODE_NO_CARD)
    clock.now += 0.2
    assert reader.card_present()  # cached: the reader was asked 0.2 s ago
    clock.now += 0.11
    assert not reader.card_present()


def test_sam_id_is_read_from_the_library(
    fake: FakeReaderLibrary, open_reader: Callable[..., VendorSdkReader]
) -> None:
    assert open_reader(fake.path).sam_id() == "05.01-20230101-000012345-123456789"


def test_close_releases_the_port(
    fake: FakeReaderLibrary, open_reader: Callable[..., VendorSdkReader]
) -> None:
    reader = open_reader(fake.path)
    assert fake.port_is_open
    reader.close()
    assert not fake.port_is_open


def test_nothing_of_the_card_reaches_the_log(
    fake: FakeReaderLibrary, open_reader: Callable[..., VendorSdkReader], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        reader = open_reader(fake.path)
        reader.read_card(timeout_s=1)
        fake.set_mode(MODE_READ_FAILS)
        with pytest.raises(CardReadFailed):
            reader.read_card(timeout_s=1)
    text = caplog.text
    assert caplog.records  # the driver does log (return codes), just not the card
    for secret in (CARD.id_number, CARD.id_number[-8:], CARD.name, CARD.address):
        assert secret not in text


def test_port_that_does_not_open_is_reported_with_the_setting(
    built: dict[str, Path], open_reader: Callable[..., VendorSdkReader]
) -> None:
    FakeReaderLibrary(built["sdtapi"]).set_mode(MODE_UNPLUGGED)
    with pytest.raises(DeviceUnavailable) as caught:
        open_reader(built["sdtapi"])
    assert "1001" in str(caught.value) and SDK_PORT_KEY in str(caught.value)


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("synjones", "神思无前缀版"),
        ("old_termb", "CVR_ReadBaseMsg"),
        ("sdtapi_incomplete", "SDT_ReadBaseMsg"),
        ("wlt", "不是本程序支持的读卡库"),
    ],
)
def test_unusable_libraries_are_refused_naming_the_file_and_the_fix(
    built: dict[str, Path], tmp_path: Path, variant: str, expected: str
) -> None:
    with pytest.raises(DeviceUnavailable) as caught:
        create(DriverContext("idcard", tmp_path, {"sdk_library": str(built[variant])}))
    message = str(caught.value)
    assert expected in message and str(built[variant]) in message
    assert "请" in message  # says what to do


# --- through the DeviceManager -----------------------------------------------------------------


def _wait_for_state(manager: DeviceManager, state: str, saying: str = "", timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = next(s for s in manager.statuses() if s.kind == "idcard")
        if status.state == state and saying in status.message:
            return
        time.sleep(0.02)
    raise AssertionError(f"idcard never reached {state!r} saying {saying!r}: {status.message}")


def test_device_manager_opens_the_sdk_driver_from_its_options(built: dict[str, Path], tmp_path: Path) -> None:
    fake = FakeReaderLibrary(built["sdtapi"])
    fake.set_card(encode_card_text(CARD), WLT)
    options = {
        "idcard": {
            "sdk_library": str(built["sdtapi"]),
            "sdk_port": "1001",
            "photo_library": str(built["wlt"]),
        }
    }
    manager = DeviceManager({"idcard": "sdk"}, work_dir=tmp_path, poll_interval_s=None, options=options)
    manager.start()
    try:
        _wait_for_state(manager, "ready")
        card = manager.submit("idcard", lambda reader: reader.read_card(timeout_s=1)).result(timeout=5)
        _same_card(card)
        assert card.photo_decoded
    finally:
        manager.stop()
    assert not fake.port_is_open  # the manager closed the reader on its thread


def test_device_manager_shows_the_not_configured_message(tmp_path: Path) -> None:
    manager = DeviceManager({"idcard": "sdk"}, work_dir=tmp_path, poll_interval_s=None, options={})
    manager.start()
    try:
        _wait_for_state(manager, "offline", saying="未配置厂商读卡库")
        with pytest.raises(DeviceUnavailable, match="未配置厂商读卡库"):
            manager.submit("idcard", lambda reader: reader.read_card(timeout_s=0)).result(timeout=5)
    finally:
        manager.stop()
