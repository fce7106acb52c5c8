"""A virtual smart card for vsmartcard's vpcd: it plugs into pcscd over TCP like a card into a slot.

vpcd (the pcscd driver of vsmartcard) listens on 127.0.0.1:35963 for slot "Virtual PCD 00 00".
A card that connects counts as inserted, one that disconnects as removed. Every message is a
2-byte big-endian length and a payload; 1-byte payloads are control messages (00 power off,
01 power on, 02 reset: no reply; 04 get ATR: reply the ATR), longer ones are command APDUs
answered with a response APDU (idcard.md §6.1).

The card logic here is written from the reference tables (idcard.md §4.1, §4.2) with literal bytes
and does not reuse ``devices.smartcard.simulated``, so the driver's dialogue is checked against a
second, independent implementation. No third-party code: only sockets and a thread.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Final

VPCD_HOST: Final = "127.0.0.1"
VPCD_PORT: Final = 35963

#: AID "sx1.sh.社会保障" in GBK, copied byte for byte from idcard.md §4.2.
SSSE_AID: Final = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")
EF05: Final = 0xEF05
EF06: Final = 0xEF06

_POWER_OFF, _POWER_ON, _RESET, _GET_ATR = 0x00, 0x01, 0x02, 0x04

SW_OK: Final = b"\x90\x00"
SW_WRONG_LENGTH: Final = b"\x67\x00"
SW_CONDITIONS: Final = b"\x69\x85"
SW_FUNCTION_NOT_SUPPORTED: Final = b"\x6a\x81"
SW_FILE_NOT_FOUND: Final = b"\x6a\x82"
SW_RECORD_NOT_FOUND: Final = b"\x6a\x83"
SW_INS_NOT_SUPPORTED: Final = b"\x6d\x00"
SW_CLA_NOT_SUPPORTED: Final = b"\x6e\x00"


@dataclass(frozen=True)
class CardProfile:
    """What one card answers.

    ``uid``: answer to the reader's ``FF CA`` get-UID (None: 6A 81, as contact cards and ID cards
    give). ``chip_serial``: answer to ``00 36 00 00 08`` (None: not supported). ``files``: EF05/EF06
    records (record number -> value) of the social security application; empty means the card has
    no such application (6A 82 on select). ``t0_lengths``: answer like many T=0 contact cards,
    ``6C xx`` to Le=00 and ``61 xx`` + GET RESPONSE after SELECT.
    """

    atr: bytes
    uid: bytes | None = None
    chip_serial: bytes | None = None
    files: Mapping[int, Mapping[int, bytes]] = field(default_factory=dict)
    t0_lengths: bool = False


def _bcd(digits: str) -> bytes:
    return bytes.fromhex(digits)


def _gbk(text: str, size: int) -> bytes:
    return text.encode("gbk").ljust(size, b" ")


# The holder of the test 社保卡 (a valid GB 11643 number: region 330106, born 1986-03-14, female).
HOLDER_NAME: Final = "王秀兰"
HOLDER_SSN: Final = "330106198603140843"
CARD_NUMBER: Final = "H33012345"
REGION_CODE: Final = "330100"
SOCIAL_SECURITY_UID: Final = bytes.fromhex("5A3C9E01")
ID_CARD_CHIP_SERIAL: Final = bytes.fromhex("1122334455667788")
STAFF_UID: Final = bytes.fromhex("04A1B2C3D4E580")


def social_security_card(*, t0_lengths: bool = False) -> CardProfile:
    """A third-generation 社保卡 of 杭州 (region 330100) with realistic EF05/EF06 records."""
    card_records = {
        0x01: _gbk(f"{REGION_CODE}D15600000500B3C4D5E6F708", 32),  # 卡识别码
        0x02: b"3",  # 卡类别
        0x03: b"3.00",  # 规范版本
        0x04: _bcd("330100000000"),  # 初始化机构编号
        0x05: _bcd("20210601"),  # 发卡日期
        0x06: _bcd("20310601"),  # 卡有效期
        0x07: _gbk(CARD_NUMBER, 9),  # 社会保障卡卡号
    }
    holder_records = {
        0x01: _gbk(HOLDER_SSN, 18),
        0x02: _gbk(HOLDER_NAME, 30),
        0x03: b"2",  # 女
        0x04: _bcd("01"),  # 汉
        0x05: _bcd("330106"),
        0x06: _bcd("19860314"),
    }
    return CardProfile(
        # T=0 contact card, historical bytes in the style of 社保卡
        atr=bytes.fromhex("3B6C0000" + b"SSSE".hex() + "0300000000000000"),
        uid=SOCIAL_SECURITY_UID,
        files={EF05: card_records, EF06: holder_records},
        t0_lengths=t0_lengths,
    )


def staff_card() -> CardProfile:
    """A contactless staff badge: the reader reports its UID, the card has no 社保 application."""
    return CardProfile(atr=bytes.fromhex("3B8F8001804F0CA000000306030001000000006A"), uid=STAFF_UID)


def id_card() -> CardProfile:
    """The resident ID card on a Type-B contactless reader: PUPI is zero, so only ``00 36`` helps."""
    return CardProfile(atr=bytes.fromhex("3B8880010000000000718100F9"), chip_serial=ID_CARD_CHIP_SERIAL)


class CardApplet:
    """The card's command processor: selected application, current file, a pending GET RESPONSE."""

    def __init__(self, profile: CardProfile) -> None:
        self.profile = profile
        self.reset()

    def reset(self) -> None:
        self._ssse_selected = False
        self._current_file: int | None = None
        self._pending = b""

    def answer(self, command: bytes) -> bytes:
        if command == bytes.fromhex("FFCA000000"):
            uid = self.profile.uid
            return uid + SW_OK if uid is not None else SW_FUNCTION_NOT_SUPPORTED
        if len(command) < 4:
            return SW_WRONG_LENGTH
        if command[0] != 0x00:
            return SW_CLA_NOT_SUPPORTED
        ins, p1, p2 = command[1], command[2], command[3]
        if ins == 0x36 and command == bytes.fromhex("0036000008"):
            serial = self.profile.chip_serial
            return serial + SW_OK if serial is not None else SW_INS_NOT_SUPPORTED
        if ins == 0xA4 and p1 == 0x04:
            return self._select_aid(command[5 : 5 + command[4]] if len(command) > 4 else b"")
        if ins == 0xA4 and p1 in (0x00, 0x02) and len(command) >= 7:
            return self._select_file(int.from_bytes(command[5:7], "big"))
        if ins == 0xB2 and p2 == 0x04 and len(command) == 5:
            return self._read_record(p1, command[4])
        if ins == 0xC0:
            return self._get_response(command[4] if len(command) == 5 else 0)
        return SW_INS_NOT_SUPPORTED

    def _select_aid(self, aid: bytes) -> bytes:
        if aid != SSSE_AID or not self.profile.files:
            return SW_FILE_NOT_FOUND
        self._ssse_selected = True
        self._current_file = None
        if self.profile.t0_lengths:
            # FCI template with the DF name, fetched with GET RESPONSE as T=0 requires
            self._pending = bytes([0x6F, len(aid) + 2, 0x84, len(aid)]) + aid
            return bytes([0x61, len(self._pending)])
        return SW_OK

    def _select_file(self, file_id: int) -> bytes:
        if not self._ssse_selected or file_id not in self.profile.files:
            return SW_FILE_NOT_FOUND
        self._current_file = file_id
        return SW_OK

    def _read_record(self, record: int, le: int) -> bytes:
        if self._current_file is None:
            return SW_CONDITIONS
        value = self.profile.files[self._current_file].get(record)
        if value is None:
            return SW_RECORD_NOT_FOUND
        tlv = bytes([record, len(value)]) + value
        if (le == 0 and self.profile.t0_lengths) or le not in (0, len(tlv)):
            return bytes([0x6C, len(tlv)])
        return tlv + SW_OK

    def _get_response(self, le: int) -> bytes:
        if not self._pending:
            return SW_CONDITIONS
        data, self._pending = self._pending[: le or 256], b""
        return data + SW_OK


class VirtualCard:
    """A card held in vpcd's slot while inserted; use as a context manager or insert()/remove().

    The connection runs in a daemon thread. While inserted, a dropped connection (pcscd restarted)
    is re-established, as a card stays in the slot when the service restarts.
    """

    def __init__(self, profile: CardProfile, *, host: str = VPCD_HOST, port: int = VPCD_PORT) -> None:
        self.applet = CardApplet(profile)
        self._address = (host, port)
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        #: Command APDUs received, for tests that check how the driver talked to the card.
        self.commands: list[bytes] = []

    def insert(self) -> None:
        if self._thread is not None:
            raise RuntimeError("card already inserted")
        self._stop.clear()
        self.applet.reset()
        self._thread = threading.Thread(target=self._run, name="vpcd-card", daemon=True)
        self._thread.start()

    def remove(self, timeout_s: float = 5.0) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        with self._lock:
            if self._sock is not None:
                # unblocks the thread's recv(); vpcd sees EOF = card removed
                self._sock.shutdown(socket.SHUT_RDWR)
        thread.join(timeout_s)
        if thread.is_alive():
            raise RuntimeError("virtual card thread did not stop")

    def wait_connected(self, timeout_s: float) -> bool:
        """True once vpcd accepted the card's connection (pcscd still has to notice it)."""
        return self._connected.wait(timeout_s)

    def __enter__(self) -> VirtualCard:
        self.insert()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.remove()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sock = socket.create_connection(self._address, timeout=0.5)
            except OSError:
                self._stop.wait(0.05)  # pcscd not (yet) listening
                continue
            with self._lock:
                if self._stop.is_set():
                    sock.close()
                    return
                self._sock = sock
            sock.settimeout(None)
            self._connected.set()
            try:
                self._serve(sock)
            except OSError:
                pass  # pcscd went away or remove() shut the socket down
            finally:
                self._connected.clear()
                with self._lock:
                    self._sock = None
                sock.close()

    def _serve(self, sock: socket.socket) -> None:
        while True:
            header = _recv_exact(sock, 2)
            if header is None:
                return
            (length,) = struct.unpack("!H", header)
            payload = _recv_exact(sock, length)
            if payload is None:
                return
            if len(payload) == 1:
                control = payload[0]
                if control == _GET_ATR:
                    _send(sock, self.applet.profile.atr)
                elif control in (_POWER_ON, _RESET, _POWER_OFF):
                    self.applet.reset()
                continue
            self.commands.append(payload)
            _send(sock, self.applet.answer(payload))


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack("!H", len(payload)) + payload)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data
