"""Simulated smart-card reader (模拟社保卡读卡器) with a virtual card that answers real APDUs.

The virtual card speaks the same commands a real social security card does, so the simulator runs
the production dialogue in ``devices.smartcard.apdu`` end to end. Ships in the product for demo
mode and UI tests.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date
from typing import Final

from devices.idcard.simulated import demo_cards
from devices.registry import DriverContext
from devices.simulated_plug import SimulatedPlugBase
from devices.smartcard import apdu
from devices.smartcard.base import NoCardInserted, SmartCard

#: An ISO 7816 contact card ATR in the style of 社保卡 (T=0, historical bytes "SSSE").
SOCIAL_SECURITY_ATR: Final = bytes.fromhex("3B6C0000" + b"SSSE".hex() + "0300000000000000")
#: A contactless (ISO 14443-A) staff badge as a PC/SC reader reports it.
STAFF_CARD_ATR: Final = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")

_SW_OK = b"\x90\x00"
_SW_FILE_NOT_FOUND = b"\x6a\x82"
_SW_RECORD_NOT_FOUND = b"\x6a\x83"
_SW_CONDITIONS = b"\x69\x85"
_SW_INS_NOT_SUPPORTED = b"\x6d\x00"


class VirtualCard:
    """A card in memory: ATR, UID and, when ``files`` is given, an SSSE with record files.

    ``files`` maps a file id (0xEF05, 0xEF06) to its records (record number → value bytes);
    records are returned as TLV with the record number as tag, as real cards do.
    """

    def __init__(
        self, atr: bytes, uid: bytes, files: Mapping[int, Mapping[int, bytes]] | None = None
    ) -> None:
        self.atr = atr
        self.uid = uid
        self._files = {fid: dict(records) for fid, records in (files or {}).items()}
        self._ssse_selected = False
        self._current_file: int | None = None

    def reset(self) -> None:
        """Power-on: forget the selected application and file."""
        self._ssse_selected = False
        self._current_file = None

    def transmit(self, command: bytes) -> bytes:
        if command == apdu.GET_UID:
            return self.uid + _SW_OK
        if len(command) < 4:
            return b"\x67\x00"  # wrong length
        ins, p1, p2 = command[1], command[2], command[3]
        if ins == 0xA4 and p1 == 0x04:
            return self._select_aid(command[5:])
        if ins == 0xA4:
            return self._select_file(int.from_bytes(command[5:7], "big"))
        if ins == 0xB2 and p2 == 0x04:
            return self._read_record(p1)
        return _SW_INS_NOT_SUPPORTED

    def _select_aid(self, aid: bytes) -> bytes:
        if aid == apdu.SSSE_AID and self._files:
            self._ssse_selected = True
            self._current_file = None
            return _SW_OK
        return _SW_FILE_NOT_FOUND

    def _select_file(self, file_id: int) -> bytes:
        if not self._ssse_selected or file_id not in self._files:
            return _SW_FILE_NOT_FOUND
        self._current_file = file_id
        return _SW_OK

    def _read_record(self, record: int) -> bytes:
        if self._current_file is None:
            return _SW_CONDITIONS
        value = self._files[self._current_file].get(record)
        if value is None:
            return _SW_RECORD_NOT_FOUND
        return bytes([record, len(value)]) + value + _SW_OK


def _text(value: str, size: int) -> bytes:
    return value.encode("gbk").ljust(size, b" ")


def virtual_social_security_card(
    *,
    name: str,
    ssn: str,
    gender: str,
    nation: str,
    birth_date: date,
    card_number: str,
    region_code: str,
    issue_date: date,
    valid_until: date,
    uid: bytes,
) -> VirtualCard:
    """A 社保卡 with the given holder; text fields padded to their fixed sizes as on real cards."""
    card_records = {
        apdu.REC_CARD_ID_CODE: _text(f"{region_code}D156000005{uid.hex().upper()}", 32),
        apdu.REC_CARD_TYPE: _text("3", 1),
        apdu.REC_SPEC_VERSION: _text("3.00", 4),
        apdu.REC_ISSUER_ORG: bytes.fromhex(region_code + "000000"),
        apdu.REC_ISSUE_DATE: apdu.encode_bcd_date(issue_date),
        apdu.REC_VALID_UNTIL: apdu.encode_bcd_date(valid_until),
        apdu.REC_CARD_NUMBER: _text(card_number, 9),
    }
    holder_records = {
        apdu.REC_SSN: _text(ssn, 18),
        apdu.REC_NAME: _text(name, 30),
        apdu.REC_GENDER: _text(gender, 1),
        apdu.REC_NATION: bytes.fromhex(nation),
        apdu.REC_BIRTH_PLACE: bytes.fromhex(region_code),
        apdu.REC_BIRTH_DATE: apdu.encode_bcd_date(birth_date),
    }
    return VirtualCard(SOCIAL_SECURITY_ATR, uid, {apdu.EF_CARD: card_records, apdu.EF_HOLDER: holder_records})


def demo_social_security_card() -> VirtualCard:
    """The 社保卡 of the first demo ID-card holder, so demo reads of both cards agree."""
    person = demo_cards()[0]
    return virtual_social_security_card(
        name=person.name,
        ssn=person.id_number,
        gender=person.gender,
        nation=person.nation or "01",
        birth_date=person.birth_date,
        card_number="A12345678",
        region_code=person.id_number[:4] + "00",
        issue_date=date(2021, 6, 1),
        valid_until=date(2031, 6, 1),
        uid=bytes.fromhex("11223344556677"),
    )


def demo_staff_card() -> VirtualCard:
    """A contactless staff badge: UID only, no social security application."""
    return VirtualCard(STAFF_CARD_ATR, bytes.fromhex("04A1B2C3D4E580"))


class SimulatedSmartCardReader(SimulatedPlugBase):
    """A reader slot; ``insert_card(card)`` puts a virtual card in, ``remove_card()`` takes it out."""

    def __init__(self, card: VirtualCard | None = None, *, inserted: bool = True) -> None:
        super().__init__("smartcard")
        self._default_card = card if card is not None else demo_social_security_card()
        self._changed = threading.Condition()
        self._card: VirtualCard | None = None
        if inserted:
            self.insert_card()

    def insert_card(self, card: VirtualCard | None = None) -> None:
        """Insert ``card`` (default: the card this reader was built with)."""
        chosen = card if card is not None else self._default_card
        with self._changed:
            chosen.reset()
            self._card = chosen
            self._changed.notify_all()

    def remove_card(self) -> None:
        with self._changed:
            self._card = None
            self._changed.notify_all()

    def simulate_unplug(self) -> None:
        super().simulate_unplug()
        with self._changed:
            self._changed.notify_all()

    def card_present(self) -> bool:
        self._require_plugged()
        with self._changed:
            return self._card is not None

    def read_card(self, timeout_s: float = 3.0) -> SmartCard:
        self._require_plugged()
        with self._changed:
            self._changed.wait_for(
                lambda: self._card is not None or not self.is_present(), timeout=max(timeout_s, 0.0)
            )
            card = self._card
        self._require_plugged()
        if card is None:
            raise NoCardInserted()
        card.reset()
        return apdu.read_smart_card(card.atr, card.transmit)


def create(context: DriverContext) -> SimulatedSmartCardReader:
    """Factory for the DeviceManager: the demo 社保卡 inserted."""
    return SimulatedSmartCardReader()
