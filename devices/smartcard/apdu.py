"""APDU dialogue with a social security card (社保卡), independent of how bytes reach the card.

Every driver (pyscard, a vendor DLL pass-through, the simulator) supplies ``transmit(apdu) ->
response`` where the response ends with SW1 SW2; ``read_smart_card`` does the rest. Commands and
record numbers follow the public code summarised in idcard.md §4.2 (人社信息函〔2012〕37号); record
numbering beyond EF06 01/02 may differ by province and should be checked on real cards.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Final

from devices.smartcard.base import CardCommandFailed, SmartCard, SocialSecurityCardData

Transmit = Callable[[bytes], bytes]

SW_OK: Final = 0x9000
SW_FILE_NOT_FOUND: Final = 0x6A82
SW_RECORD_NOT_FOUND: Final = 0x6A83
SW_INS_NOT_SUPPORTED: Final = 0x6D00

#: AID "sx1.sh.社会保障" (GBK) of the social security environment (SSSE).
SSSE_AID: Final = b"sx1.sh." + "社会保障".encode("gbk")
EF_CARD: Final = 0xEF05
EF_HOLDER: Final = 0xEF06

# EF05 record numbers
REC_CARD_ID_CODE: Final = 0x01
REC_CARD_TYPE: Final = 0x02
REC_SPEC_VERSION: Final = 0x03
REC_ISSUER_ORG: Final = 0x04
REC_ISSUE_DATE: Final = 0x05
REC_VALID_UNTIL: Final = 0x06
REC_CARD_NUMBER: Final = 0x07
# EF06 record numbers
REC_SSN: Final = 0x01
REC_NAME: Final = 0x02
REC_GENDER: Final = 0x03
REC_NATION: Final = 0x04
REC_BIRTH_PLACE: Final = 0x05
REC_BIRTH_DATE: Final = 0x06


def select_aid(aid: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid


def select_file(file_id: int) -> bytes:
    return bytes([0x00, 0xA4, 0x02, 0x00, 0x02]) + file_id.to_bytes(2, "big")


def read_record(record: int) -> bytes:
    """READ RECORD with P2=04: P1 is the record number; Le=00 asks for the whole record."""
    return bytes([0x00, 0xB2, record, 0x04, 0x00])


#: PC/SC "get data" pseudo-APDU: the reader answers with the card's UID / chip serial.
GET_UID: Final = bytes([0xFF, 0xCA, 0x00, 0x00, 0x00])


def split_response(response: bytes) -> tuple[bytes, int]:
    """(data, SW1SW2) of a response APDU."""
    if len(response) < 2:
        raise CardCommandFailed("卡片应答不完整，请取出卡片后重新插入再试。", status=0)
    return response[:-2], int.from_bytes(response[-2:], "big")


def _expect_ok(transmit: Transmit, apdu: bytes) -> bytes:
    data, status = split_response(transmit(apdu))
    if status != SW_OK:
        raise CardCommandFailed(
            f"读卡失败（卡片返回状态 {status:04X}），请取出卡片后重新插入再试。", status=status
        )
    return data


def record_value(record: int, data: bytes) -> bytes:
    """The value of a record returned as TLV (tag = record number); bare values pass through."""
    if len(data) >= 2 and data[0] == record and data[1] == len(data) - 2:
        return data[2:]
    return data


def decode_text(value: bytes) -> str:
    """GBK text padded with spaces, NULs or 0xFF (unwritten bytes)."""
    return value.rstrip(b"\x00\xff ").decode("gbk", errors="replace").strip()


def decode_bcd(value: bytes) -> str:
    return value.hex().upper()


def decode_bcd_date(value: bytes) -> date | None:
    """A cn4 date (YYYYMMDD as BCD); None when empty or not a date (blank records are common)."""
    digits = decode_bcd(value)
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def encode_bcd_date(day: date) -> bytes:
    return bytes.fromhex(f"{day.year:04d}{day.month:02d}{day.day:02d}")


def _read(transmit: Transmit, record: int) -> bytes:
    return record_value(record, _expect_ok(transmit, read_record(record)))


def read_social_security(transmit: Transmit) -> SocialSecurityCardData | None:
    """EF05 and EF06 of the SSSE, or None when the card has no social security application."""
    _, status = split_response(transmit(select_aid(SSSE_AID)))
    if status in (SW_FILE_NOT_FOUND, SW_INS_NOT_SUPPORTED):
        return None
    if status != SW_OK:
        raise CardCommandFailed(
            f"读卡失败（选择社保应用时卡片返回 {status:04X}），请取出卡片后重新插入再试。", status=status
        )
    _expect_ok(transmit, select_file(EF_CARD))
    card_id_code = decode_text(_read(transmit, REC_CARD_ID_CODE))
    card_type = decode_text(_read(transmit, REC_CARD_TYPE))
    spec_version = decode_text(_read(transmit, REC_SPEC_VERSION))
    issue_date = decode_bcd_date(_read(transmit, REC_ISSUE_DATE))
    valid_until = decode_bcd_date(_read(transmit, REC_VALID_UNTIL))
    card_number = decode_text(_read(transmit, REC_CARD_NUMBER))
    _expect_ok(transmit, select_file(EF_HOLDER))
    ssn = decode_text(_read(transmit, REC_SSN))
    name = decode_text(_read(transmit, REC_NAME))
    gender = decode_text(_read(transmit, REC_GENDER))
    nation = decode_bcd(_read(transmit, REC_NATION))
    birth_date = decode_bcd_date(_read(transmit, REC_BIRTH_DATE))
    return SocialSecurityCardData(
        card_id_code=card_id_code,
        card_type=card_type,
        spec_version=spec_version,
        issue_date=issue_date,
        valid_until=valid_until,
        card_number=card_number,
        social_security_number=ssn,
        name=name,
        gender=gender,
        nation=nation,
        birth_date=birth_date,
    )


def read_smart_card(atr: bytes, transmit: Transmit) -> SmartCard:
    """Everything the program reads from an inserted card: serial first, then the 社保 fields.

    Many readers answer GET_UID only for contactless cards; a contact card then has an empty serial
    rather than failing the whole read.
    """
    serial, status = split_response(transmit(GET_UID))
    if status != SW_OK:
        serial = b""
    return SmartCard(atr=atr, chip_serial=serial, social_security=read_social_security(transmit))
