"""The PC/SC driver against a real pcscd with vsmartcard's vpcd and virtual cards written in the tests.

Slot "Virtual PCD 00 00" is where ``tests.devices.vcard`` cards go; "Virtual PCD 00 01" stays empty.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.errors import DeviceUnavailable
from devices.manager import DeviceEvent, DeviceManager
from devices.registry import DriverContext
from devices.smartcard.base import NoCardInserted, SmartCard
from devices.smartcard.pcsc import PcscSmartCardReader, create, list_readers, service_down_message
from tests.devices import vcard

if TYPE_CHECKING:
    from tests.devices.pcscd_fixture import Pcscd

# imported as a plugin (not directly) so pytest rewrites its asserts and finds the ``pcscd`` fixture
pytest_plugins = ["tests.devices.pcscd_fixture"]

SLOT = "Virtual PCD 00 00"
EMPTY_SLOT = "Virtual PCD 00 01"
#: pcscd notices a vpcd card within about 0.4-2 s; generous so a busy CI box does not flake.
NOTICE_S = 8.0


def wait_until(condition: Callable[[], bool], timeout_s: float = NOTICE_S) -> float:
    """Seconds it took ``condition`` to hold; fails the test when it does not within ``timeout_s``."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout_s:
            pytest.fail(f"condition not met within {timeout_s} s")
        time.sleep(0.05)
    return time.monotonic() - start


def card_present(reader: PcscSmartCardReader) -> bool:
    try:
        return reader.card_present()
    except DeviceUnavailable:
        return False


def smartcard_state(manager: DeviceManager) -> str:
    return next(status.state for status in manager.statuses() if status.kind == "smartcard")


class Slot:
    """Puts virtual cards into vpcd's first slot and takes them out, waiting until pcscd noticed."""

    def __init__(self) -> None:
        self.observer = PcscSmartCardReader(SLOT)
        self.card: vcard.VirtualCard | None = None

    def insert(self, profile: vcard.CardProfile, *, wait: bool = True) -> vcard.VirtualCard:
        """Insert a card; with ``wait``, return only once pcscd reports it."""
        self.remove()
        self.card = vcard.VirtualCard(profile)
        self.card.insert()
        if wait:
            wait_until(lambda: card_present(self.observer))
        return self.card

    def pull_out(self) -> None:
        """Take the card out without waiting for pcscd to notice."""
        card, self.card = self.card, None
        if card is not None:
            card.remove()

    def remove(self) -> None:
        card, self.card = self.card, None
        if card is not None:
            card.remove()
            wait_until(lambda: not card_present(self.observer))


@pytest.fixture
def slot(pcscd: Pcscd) -> Iterator[Slot]:
    s = Slot()
    try:
        yield s
    finally:
        s.remove()
        s.observer.close()


@pytest.fixture
def reader(pcscd: Pcscd) -> Iterator[PcscSmartCardReader]:
    r = PcscSmartCardReader()
    try:
        yield r
    finally:
        r.close()


def assert_social_security_card(card: SmartCard) -> None:
    assert card.atr == vcard.social_security_card().atr
    assert card.chip_serial_hex == "5A3C9E01"
    ss = card.social_security
    assert ss is not None
    assert ss.name == "王秀兰"
    assert ss.social_security_number == "330106198603140843"
    assert ss.card_number == "H33012345"
    assert ss.region_code == "330100"
    assert ss.gender_name == "女"
    assert ss.nation_name == "汉"
    assert ss.birth_date == date(1986, 3, 14)
    assert ss.issue_date == date(2021, 6, 1)
    assert ss.valid_until == date(2031, 6, 1)
    assert ss.card_type == "3"


def test_lists_the_virtual_readers(pcscd: Pcscd) -> None:
    assert list_readers() == [SLOT, EMPTY_SLOT]


def test_reader_filter_picks_a_slot_by_part_of_its_name(pcscd: Pcscd) -> None:
    assert PcscSmartCardReader().reader_name() == SLOT
    second = PcscSmartCardReader("pcd 00 01")
    assert second.reader_name() == EMPTY_SLOT
    assert second.is_present()


def test_reads_a_social_security_card_and_keeps_it_out_of_the_logs(
    slot: Slot, reader: PcscSmartCardReader, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert reader.is_present()
    assert reader.card_present() is False
    slot.insert(vcard.social_security_card(), wait=False)
    wait_until(reader.card_present)
    assert_social_security_card(reader.read_card(timeout_s=3))
    for secret in ("330106198603140843", "王秀兰", "H33012345", "5A3C9E01", "5a3c9e01"):
        assert secret not in caplog.text


def test_read_waits_for_a_card_inserted_after_the_read_began(slot: Slot, reader: PcscSmartCardReader) -> None:
    slot.insert(vcard.social_security_card(), wait=False)  # pcscd notices it while the read waits
    assert_social_security_card(reader.read_card(timeout_s=NOTICE_S))


def test_removed_card_is_reported_and_a_read_gives_up_in_time(
    slot: Slot, reader: PcscSmartCardReader
) -> None:
    slot.insert(vcard.social_security_card())
    assert reader.read_card(timeout_s=3).social_security is not None
    slot.pull_out()
    wait_until(lambda: not reader.card_present())
    start = time.monotonic()
    with pytest.raises(NoCardInserted, match="未检测到卡片"):
        reader.read_card(timeout_s=0.6)
    assert 0.5 <= time.monotonic() - start < 2.0


def test_presence_is_asked_at_most_every_300_ms(slot: Slot) -> None:
    now = [100.0]
    reader = PcscSmartCardReader(SLOT, clock=lambda: now[0])
    assert reader.card_present() is False
    slot.insert(vcard.staff_card())
    now[0] += 0.29
    assert reader.card_present() is False  # the cached answer
    now[0] += 0.01
    assert reader.card_present() is True
    reader.close()


def test_t0_card_needing_get_response_and_exact_lengths(slot: Slot, reader: PcscSmartCardReader) -> None:
    card = slot.insert(vcard.social_security_card(t0_lengths=True))
    assert_social_security_card(reader.read_card(timeout_s=3))
    sent = [command.hex().upper() for command in card.commands]
    assert "00C0000013" in sent  # GET RESPONSE for the 0x13 bytes of FCI the SELECT announced
    assert "00B2020420" in sent  # the name record re-read with its exact length (30 + tag and length)


def test_staff_card_gives_its_uid_only(slot: Slot, reader: PcscSmartCardReader) -> None:
    card = slot.insert(vcard.staff_card())
    result = reader.read_card(timeout_s=3)
    assert result.chip_serial_hex == "04A1B2C3D4E580"
    assert result.social_security is None
    assert bytes.fromhex("0036000008") not in card.commands


def test_id_card_chip_serial_comes_from_00_36(slot: Slot, reader: PcscSmartCardReader) -> None:
    card = slot.insert(vcard.id_card())
    result = reader.read_card(timeout_s=3)
    assert result.chip_serial_hex == "1122334455667788"
    assert result.social_security is None
    sent = [command.hex().upper() for command in card.commands]
    assert sent.index("FFCA000000") < sent.index("0036000008")


def test_a_quickly_swapped_card_is_read_as_the_new_card(slot: Slot, reader: PcscSmartCardReader) -> None:
    slot.insert(vcard.id_card())
    assert reader.read_card(timeout_s=3).chip_serial_hex == "1122334455667788"
    slot.pull_out()  # and the next card in at once, faster than pcscd polls the slot
    slot.insert(vcard.staff_card(), wait=False)
    assert reader.read_card(timeout_s=NOTICE_S).chip_serial_hex == "04A1B2C3D4E580"


def test_filter_matching_no_reader_is_unavailable_with_a_chinese_message(pcscd: Pcscd) -> None:
    reader = PcscSmartCardReader("ACS ACR1281")
    assert reader.is_present() is False
    with pytest.raises(DeviceUnavailable, match="未找到名称包含“ACS ACR1281”的读卡器"):
        reader.read_card(timeout_s=0)
    with pytest.raises(DeviceUnavailable, match="读卡器"):
        reader.card_present()


def test_same_reader_recovers_from_pcscd_stopping_and_crashing(
    pcscd: Pcscd, slot: Slot, reader: PcscSmartCardReader, caplog: pytest.LogCaptureFixture
) -> None:
    slot.insert(vcard.social_security_card())
    assert_social_security_card(reader.read_card(timeout_s=3))

    pcscd.stop()
    try:
        caplog.clear()
        for _ in range(3):  # the DeviceManager polls presence every few seconds
            assert reader.is_present() is False
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and "filter" in r.getMessage()]
        assert len(warnings) == 1  # a lasting outage is logged once, not at every poll
        with pytest.raises(DeviceUnavailable, match=r"智能卡服务\(pcscd\)未运行"):
            reader.read_card(timeout_s=0.5)
        with pytest.raises(DeviceUnavailable, match=r"智能卡服务\(pcscd\)未运行"):
            list_readers()
        with pytest.raises(DeviceUnavailable, match=r"智能卡服务\(pcscd\)未运行"):
            create(DriverContext(kind="smartcard", work_dir=Path()))
    finally:
        pcscd.start()
    # the card stayed in the slot: the same reader object reads it again
    assert_social_security_card(reader.read_card(timeout_s=NOTICE_S))

    pcscd.restart(crash=True)
    assert_social_security_card(reader.read_card(timeout_s=NOTICE_S))
    assert reader.is_present()


def test_device_manager_opens_the_pcsc_driver_and_reports_pcscd_going_away(
    pcscd: Pcscd, slot: Slot, tmp_path: Path
) -> None:
    events: list[DeviceEvent] = []
    manager = DeviceManager(
        {"smartcard": "pcsc"},
        work_dir=tmp_path,
        poll_interval_s=None,
        options={"smartcard": {"reader": "PCD 00 00"}},
    )
    manager.subscribe(events.append)
    manager.start()
    try:
        wait_until(lambda: smartcard_state(manager) == "ready")
        slot.insert(vcard.social_security_card())
        future: Future[SmartCard] = manager.submit("smartcard", lambda r: r.read_card(3))
        assert_social_security_card(future.result(timeout=10))

        pcscd.stop()
        try:
            manager.poll()
            wait_until(lambda: smartcard_state(manager) == "offline")
        finally:
            pcscd.start()
        manager.poll()
        wait_until(lambda: smartcard_state(manager) == "ready")
        assert [e.event for e in events if e.kind == "smartcard"][-2:] == ["unplugged", "plugged"]
        assert_social_security_card(manager.submit("smartcard", lambda r: r.read_card(NOTICE_S)).result(15))
    finally:
        manager.stop()


def test_service_message_fits_the_platform() -> None:
    assert "pcscd" in service_down_message("linux")
    windows = service_down_message("win32")
    assert "Smart Card" in windows and "pcscd" not in windows
