from __future__ import annotations

from datetime import date

import pytest

from app.errors import DeviceUnavailable
from devices.idcard.simulated import demo_cards
from devices.smartcard import apdu
from devices.smartcard.base import CardCommandFailed, NoCardInserted
from devices.smartcard.simulated import SimulatedSmartCardReader, demo_social_security_card, demo_staff_card


def test_reads_atr_serial_and_social_security_fields() -> None:
    card = SimulatedSmartCardReader().read_card(timeout_s=0)
    assert card.atr[0] == 0x3B
    assert card.chip_serial_hex == "11223344556677"
    ss = card.social_security
    assert ss is not None
    person = demo_cards()[0]
    assert ss.name == person.name
    assert ss.social_security_number == person.id_number
    assert ss.gender_name == "男"
    assert ss.nation_name == "汉"
    assert ss.birth_date == person.birth_date
    assert ss.card_number == "A12345678"
    assert ss.region_code == "110100"
    assert ss.valid_until == date(2031, 6, 1)
    assert person.id_number not in repr(ss)


def test_staff_card_has_a_serial_but_no_social_security_application() -> None:
    reader = SimulatedSmartCardReader()
    reader.insert_card(demo_staff_card())
    card = reader.read_card(timeout_s=0)
    assert card.social_security is None
    assert len(card.chip_serial) == 7


def test_no_card_after_removal() -> None:
    reader = SimulatedSmartCardReader()
    reader.remove_card()
    assert not reader.card_present()
    with pytest.raises(NoCardInserted):
        reader.read_card(timeout_s=0.01)


def test_unplugged_reader_raises() -> None:
    reader = SimulatedSmartCardReader()
    reader.simulate_unplug()
    with pytest.raises(DeviceUnavailable, match="读卡器未连接"):
        reader.read_card(timeout_s=0)


def test_card_error_status_becomes_card_command_failed() -> None:
    def broken(command: bytes) -> bytes:
        if command == apdu.GET_UID:
            return b"\x01\x02\x90\x00"
        return b"\x6f\x00"  # no precise diagnosis

    with pytest.raises(CardCommandFailed) as caught:
        apdu.read_smart_card(b"\x3b", broken)
    assert caught.value.status == 0x6F00


def test_virtual_card_refuses_files_before_the_application_is_selected() -> None:
    card = demo_social_security_card()
    assert card.transmit(apdu.select_file(apdu.EF_HOLDER))[-2:] == b"\x6a\x82"
    assert card.transmit(apdu.select_aid(apdu.SSSE_AID))[-2:] == b"\x90\x00"
    assert card.transmit(apdu.select_file(apdu.EF_HOLDER))[-2:] == b"\x90\x00"


def test_bcd_dates() -> None:
    assert apdu.decode_bcd_date(apdu.encode_bcd_date(date(2004, 2, 29))) == date(2004, 2, 29)
    assert apdu.decode_bcd_date(b"\xff\xff\xff\xff") is None
    assert apdu.decode_bcd_date(bytes.fromhex("20230231")) is None
