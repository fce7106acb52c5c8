"""The USB-bulk SAM reader (devices.idcard.usb_bulk).

There is no USB SAM on the CI machine, so most tests inject a stand-in device object: it has the
pyusb ``Device`` methods the driver uses (``read``/``write`` on endpoint addresses, descriptors,
kernel-driver calls) and answers GA/T 467 frames built with ``ga467.encode_response``, in either
endpoint layout (variant A: header/body endpoints 0x02/0x06 → 0x81/0x85; variant B: one endpoint
each way, 64-byte packets). What needs no hardware runs against the real libusb: finding no
reader gives the Chinese message, and ``find_readers()`` lists nothing.
"""

from __future__ import annotations

import logging
import struct
import time
from array import array
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import usb.core

from app.errors import DeviceUnavailable
from devices.idcard import ga467
from devices.idcard.base import CardReadFailed, IdCardData, NoCardPresent
from devices.idcard.cardtext import encode_card_text
from devices.idcard.simulated import demo_cards
from devices.idcard.usb_bulk import (
    NOT_FOUND,
    USB_READER_IDS,
    BulkEndpoints,
    UsbBulkSamReader,
    choose_endpoints,
    create,
    find_readers,
)
from devices.registry import DriverContext

CARD = demo_cards()[3]  # the HK residence permit
WLT = bytes(range(256)) * 4
SAM_ID_DATA = bytes([5, 0, 1, 0]) + struct.pack("<III", 20230101, 12345, 123456789)


@dataclass
class Endpoint:
    bEndpointAddress: int
    bmAttributes: int = 0x02  # bulk


@dataclass
class Interface:
    endpoints: list[Endpoint]
    bInterfaceNumber: int = 0

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self.endpoints)


@dataclass
class Configuration:
    interface: Interface

    def __getitem__(self, key: tuple[int, int]) -> Interface:
        assert key == (0, 0)
        return self.interface


@dataclass
class FakeUsbSam:
    """A USB GA/T 467 reader: a SAM behind bulk endpoints. ``mode`` picks the SAM's behaviour."""

    variant: str = "A"
    address: int = 5
    bus: int = 1
    idVendor: int = 0x0400
    idProduct: int = 0xC35A
    mode: str = "normal"  # normal | no_card | select_fails | read_fails | silent
    garbage: bytes = b""  # sent before every answer (variant B)
    unplugged: bool = False
    kernel_driver: bool = True
    configured: bool = False
    requests: list[tuple[int, int]] = field(default_factory=list)
    _pending_out: bytes = b""
    _answers: dict[int, deque[bytes]] = field(default_factory=dict)

    # --- descriptors and setup -----------------------------------------------------------------

    def is_kernel_driver_active(self, interface: int) -> bool:
        return self.kernel_driver

    def detach_kernel_driver(self, interface: int) -> None:
        self.kernel_driver = False

    def set_configuration(self) -> None:
        self.configured = True

    def get_active_configuration(self) -> Configuration:
        if not self.configured:
            raise usb.core.USBError("Configuration not set")
        if self.variant == "A":
            return Configuration(Interface([Endpoint(0x02), Endpoint(0x06), Endpoint(0x81), Endpoint(0x85)]))
        # An interrupt IN endpoint first: only bulk endpoints may be chosen.
        return Configuration(Interface([Endpoint(0x83, bmAttributes=0x03), Endpoint(0x01), Endpoint(0x82)]))

    # --- I/O -----------------------------------------------------------------------------------

    def _check_plugged(self) -> None:
        if self.unplugged:
            raise usb.core.USBError("No such device (it may have been disconnected)", errno=19)

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        self._check_plugged()
        assert timeout > 0, "a zero timeout means 'forever' to libusb"
        if self.variant == "A":
            assert endpoint == (0x02 if not self._pending_out else 0x06)
            self._pending_out += bytes(data)
            if endpoint == 0x02:
                assert len(data) == 7  # the header alone
                return len(data)
        else:
            assert endpoint == 0x01
            self._pending_out = bytes(data)
        request, self._pending_out = self._pending_out, b""
        self._answer(request)
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int) -> array[int]:
        self._check_plugged()
        assert timeout > 0
        queue = self._answers.get(endpoint)
        if not queue:
            raise usb.core.USBTimeoutError("Operation timed out", errno=110)
        chunk = queue.popleft()
        assert len(chunk) <= size, "a packet larger than the read would overflow"
        return array("B", chunk)

    def _answer(self, request: bytes) -> None:
        cmd, para, _ = ga467.decode_request(request)
        self.requests.append((cmd, para))
        if self.mode == "silent":
            return
        response = ga467.encode_response(*self._sam(cmd, para))
        if self.variant == "A":
            self._answers.setdefault(0x81, deque()).append(response[:7])
            body = response[7:]
            self._answers.setdefault(0x85, deque()).extend(body[i : i + 64] for i in range(0, len(body), 64))
        else:
            stream = self.garbage + response
            packets = [stream[i : i + 64] for i in range(0, len(stream), 64)]
            packets[-1] = packets[-1].ljust(64, b"\0")  # the last packet is padded
            self._answers.setdefault(0x82, deque()).extend(packets)

    def _sam(self, cmd: int, para: int) -> tuple[int, bytes]:
        if (cmd, para) == ga467.STATUS:
            return ga467.SW3_OK, b""
        if (cmd, para) == ga467.READ_SAM_ID:
            return ga467.SW3_OK, SAM_ID_DATA
        if (cmd, para) == ga467.FIND:
            return (ga467.SW3_NO_CARD, b"") if self.mode == "no_card" else (ga467.SW3_FOUND, bytes(4))
        if (cmd, para) == ga467.SELECT:
            return (ga467.SW3_SELECT_FAILED, b"") if self.mode == "select_fails" else (ga467.SW3_OK, bytes(8))
        if (cmd, para) == ga467.READ_BASE:
            if self.mode == "read_fails":
                return ga467.SW3_READ_FAILED, b""
            return ga467.SW3_OK, struct.pack(">HH", 256, 1024) + encode_card_text(CARD) + WLT
        return ga467.SW3_COMMAND_ERROR, b""


class Plug:
    """What ``locate`` finds: the device while plugged in, None after ``pull()``."""

    def __init__(self, device: FakeUsbSam) -> None:
        self.device: FakeUsbSam | None = device

    def __call__(self) -> FakeUsbSam | None:
        return self.device

    def pull(self) -> FakeUsbSam:
        assert self.device is not None
        device, self.device = self.device, None
        device.unplugged = True
        return device


@pytest.fixture(params=["A", "B"])
def device(request: pytest.FixtureRequest) -> FakeUsbSam:
    return FakeUsbSam(variant=request.param)


def _reader(plug: Plug, **kwargs: Any) -> UsbBulkSamReader:
    return UsbBulkSamReader(locate=plug, **kwargs)


def _same_card(read: IdCardData) -> None:
    assert read.card_type == "hmt_residence"
    assert read.id_number == CARD.id_number and read.pass_number == CARD.pass_number
    assert read.name == CARD.name
    assert read.photo_wlt == WLT


def test_endpoint_layout_is_chosen_from_the_descriptors() -> None:
    assert choose_endpoints([0x02, 0x06], [0x81, 0x85]) == BulkEndpoints("A", 0x02, 0x06, 0x81, 0x85)
    assert choose_endpoints([0x01], [0x82]) == BulkEndpoints("B", 0x01, 0x01, 0x82, 0x82)
    assert choose_endpoints([0x02], [0x81, 0x85]).variant == "B"
    with pytest.raises(DeviceUnavailable, match="没有可用的数据端点"):
        choose_endpoints([], [0x81])


def test_vid_pid_table_holds_the_known_readers() -> None:
    assert (0x0400, 0xC35A) in USB_READER_IDS and (0x0483, 0x5652) in USB_READER_IDS


def test_card_is_read_in_either_endpoint_layout(device: FakeUsbSam) -> None:
    reader = _reader(Plug(device))
    assert reader.variant == device.variant
    assert not device.kernel_driver and device.configured  # detached and configured on open
    card = reader.read_card(timeout_s=2)
    _same_card(card)
    assert card.photo == b""  # no decoder configured: raw WLT kept, no photo
    assert device.requests == [ga467.FIND, ga467.SELECT, ga467.READ_BASE]
    assert reader.sam_id() == "05.01-20230101-000012345-123456789"
    assert reader.health_problem() is None


def test_noise_before_an_answer_and_packet_padding_are_dropped() -> None:
    device = FakeUsbSam(variant="B", garbage=b"\x00\xff\xaa\xaa\x13" * 30)
    _same_card(_reader(Plug(device)).read_card(timeout_s=2))


def test_no_card_gives_the_sam_message_within_the_timeout(device: FakeUsbSam) -> None:
    device.mode = "no_card"
    reader = _reader(Plug(device))
    assert not reader.card_present()
    started = time.monotonic()
    with pytest.raises(NoCardPresent) as caught:
        reader.read_card(timeout_s=0.3)
    assert time.monotonic() - started < 2
    assert str(caught.value) == ga467.status_message(ga467.SW3_NO_CARD)


@pytest.mark.parametrize(("mode", "sw3"), [("select_fails", 0x81), ("read_fails", 0x41)])
def test_select_and_read_failures_carry_the_sam_message(mode: str, sw3: int) -> None:
    reader = _reader(Plug(FakeUsbSam(mode=mode)))
    with pytest.raises(CardReadFailed) as caught:
        reader.read_card(timeout_s=0.3)
    assert str(caught.value) == ga467.status_message(sw3)


def test_a_silent_reader_fails_in_bounded_time(device: FakeUsbSam) -> None:
    device.mode = "silent"
    reader = _reader(Plug(device), timeout_s=0.1)
    started = time.monotonic()
    with pytest.raises(DeviceUnavailable, match="没有应答"):
        reader.read_card(timeout_s=0.2)
    assert time.monotonic() - started < 3


def test_unplug_shows_as_absent_and_replug_is_picked_up_without_restart(device: FakeUsbSam) -> None:
    plug = Plug(device)
    reader = _reader(plug)
    assert reader.is_present()
    plug.pull()
    assert not reader.is_present()
    assert reader.variant is None
    with pytest.raises(DeviceUnavailable, match="身份证阅读器未连接"):
        reader.read_card(timeout_s=0.3)

    plug.device = FakeUsbSam(variant=device.variant, address=9)  # back, at a new bus address
    assert reader.is_present()
    _same_card(reader.read_card(timeout_s=2))


def test_replug_between_two_reads_is_recovered_in_the_next_read() -> None:
    plug = Plug(FakeUsbSam())
    reader = _reader(plug)
    plug.pull()
    plug.device = FakeUsbSam(address=7)  # replugged before any presence poll noticed
    _same_card(reader.read_card(timeout_s=2))
    assert reader.is_present()


def test_permission_denied_explains_the_udev_rule() -> None:
    class Locked(FakeUsbSam):
        def is_kernel_driver_active(self, interface: int) -> bool:
            raise usb.core.USBError("Access denied (insufficient permissions)", errno=13)

    with pytest.raises(DeviceUnavailable) as caught:
        _reader(Plug(Locked()))
    message = str(caught.value)
    assert "没有权限" in message and "udev" in message and 'ATTR{idVendor}=="0400"' in message


def test_nothing_of_the_card_reaches_the_log(device: FakeUsbSam, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        _reader(Plug(device)).read_card(timeout_s=2)
    assert caplog.records
    for secret in (CARD.id_number, CARD.id_number[-6:], CARD.name, CARD.pass_number or "?"):
        assert secret not in caplog.text


# --- real libusb, no reader attached -----------------------------------------------------------


def test_create_without_a_reader_says_so_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(DeviceUnavailable) as caught:
        create(DriverContext("idcard", tmp_path))
    assert str(caught.value) == NOT_FOUND
    assert "未找到 USB 身份证阅读器" in NOT_FOUND and "0400:C35A" in NOT_FOUND


def test_find_readers_lists_nothing_here_without_raising() -> None:
    assert find_readers() == []
