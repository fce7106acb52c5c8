"""GA/T 467 业务终端接口 (business-terminal interface): the frames a PC exchanges with an ID-card SAM.

Pure functions and one stream reassembler, shared by the serial, USB and simulator paths
(see shared/reference/idcard.md §1). A frame is ``AA AA AA 96 69`` + a big-endian length that
counts everything after itself + body + an XOR checksum over every byte from the length on.
Success is decided on SW3, the SAM's own status byte; SW1/SW2 are the card's forwarded APDU status.

Frames carry the holder's full personal data: nothing here logs them.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from operator import xor
from types import MappingProxyType
from typing import Final

from app.errors import DeviceUnavailable
from devices.idcard.base import CardReadFailed, FrameError, NoCardPresent

PREAMBLE: Final = b"\xaa\xaa\xaa\x96\x69"
HEADER_SIZE: Final = len(PREAMBLE) + 2
#: The largest answer a SAM sends is 30 10 with a fingerprint file (2321 bytes, Len 0x090A). A larger
#: length after a preamble is noise, so the stream reader resynchronises instead of waiting for it.
MAX_BODY_LENGTH: Final = 0x1000
_MIN_REQUEST_BODY: Final = 3  # CMD Para CHK
_MIN_RESPONSE_BODY: Final = 4  # SW1 SW2 SW3 CHK

# Command pairs (CMD, Para), idcard.md §1.3.
RESET: Final = (0x10, 0xFF)
STATUS: Final = (0x11, 0xFF)
READ_SAM_ID: Final = (0x12, 0xFF)
FIND: Final = (0x20, 0x01)
SELECT: Final = (0x20, 0x02)
READ_BASE: Final = (0x30, 0x01)
READ_NEW_ADDRESS: Final = (0x30, 0x03)
READ_BASE_FP: Final = (0x30, 0x10)

# SW3 status codes, idcard.md §1.4.
SW3_OK: Final = 0x90
SW3_FOUND: Final = 0x9F
SW3_NO_CONTENT: Final = 0x91
SW3_CHECKSUM_ERROR: Final = 0x10
SW3_LENGTH_ERROR: Final = 0x11
SW3_COMMAND_ERROR: Final = 0x21
SW3_NOT_PERMITTED: Final = 0x23
SW3_UNRECOGNISED_ERROR: Final = 0x24
SW3_CARD_REJECTED_SAM: Final = 0x31
SW3_SAM_REJECTED_CARD: Final = 0x32
SW3_VERIFY_FAILED: Final = 0x33
SW3_UNKNOWN_CARD_TYPE: Final = 0x40
SW3_READ_FAILED: Final = 0x41
SW3_RANDOM_FAILED: Final = 0x47
SW3_SELF_TEST_FAILED: Final = 0x60
SW3_NOT_AUTHORISED: Final = 0x66
SW3_NO_CARD: Final = 0x80
SW3_SELECT_FAILED: Final = 0x81

_REPLACE_CARD = "请取下证件后重新放置。"
_CALL_VENDOR = "请联系设备供应商。"

#: SW3 → what the clerk sees: what happened and what to do.
STATUS_MESSAGES: Final[Mapping[int, str]] = MappingProxyType(
    {
        SW3_OK: "操作成功。",
        SW3_FOUND: "已找到证件。",
        SW3_NO_CONTENT: "证件中没有这一项内容（例如没有追加住址），无需处理。",
        SW3_CHECKSUM_ERROR: "阅读器收到的数据校验出错，请重新读卡；多次出现请检查数据线。",
        SW3_LENGTH_ERROR: "阅读器收到的数据长度出错，请重新读卡；多次出现请检查数据线。",
        SW3_COMMAND_ERROR: "阅读器不支持该命令，请确认阅读器型号与驱动设置一致，或联系设备供应商。",
        SW3_NOT_PERMITTED: "阅读器拒绝了该操作（越权操作），" + _CALL_VENDOR,
        SW3_UNRECOGNISED_ERROR: "阅读器报告未知错误，" + _REPLACE_CARD + "仍不行请重新插拔阅读器。",
        SW3_CARD_REJECTED_SAM: "证件未通过安全模块认证，" + _REPLACE_CARD + "仍不行请人工核验证件。",
        SW3_SAM_REJECTED_CARD: "安全模块认证证件失败，" + _REPLACE_CARD + "仍不行请人工核验证件。",
        SW3_VERIFY_FAILED: "证件信息验证出错，" + _REPLACE_CARD + "仍不行请人工核验证件。",
        SW3_UNKNOWN_CARD_TYPE: "无法识别的证件类型，请确认放置的是身份证、居住证或永久居留身份证。",
        SW3_READ_FAILED: "读卡失败，" + _REPLACE_CARD,
        SW3_RANDOM_FAILED: "取随机数失败，" + _REPLACE_CARD,
        SW3_SELF_TEST_FAILED: "阅读器安全模块自检失败，请重新插拔阅读器；仍不行" + _CALL_VENDOR,
        SW3_NOT_AUTHORISED: "安全模块未授权，" + _CALL_VENDOR,
        SW3_NO_CARD: "未检测到证件，请将身份证平放在阅读器上。",
        SW3_SELECT_FAILED: "选卡失败，" + _REPLACE_CARD,
    }
)


@dataclass(frozen=True, repr=False)
class SamResponse:
    """One decoded SAM answer. ``repr`` leaves out ``data``: it may hold the holder's personal data."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @property
    def ok(self) -> bool:
        return self.sw3 in (SW3_OK, SW3_FOUND)

    def __repr__(self) -> str:
        return f"SamResponse(sw3=0x{self.sw3:02X}, data=<{len(self.data)} bytes>)"


def _checksum(body: bytes) -> int:
    return reduce(xor, body, 0)


def _frame(payload: bytes) -> bytes:
    length = len(payload) + 1
    if length > 0xFFFF:
        raise ValueError(f"GA/T 467 payload too long: {len(payload)} bytes")
    counted = struct.pack(">H", length) + payload
    return PREAMBLE + counted + bytes([_checksum(counted)])


def _byte(name: str, value: int) -> int:
    if not 0 <= value <= 0xFF:
        raise ValueError(f"{name} must be a byte (0..255), got {value}")
    return value


def encode_request(cmd: int, para: int, data: bytes = b"") -> bytes:
    """The full request frame, e.g. ``encode_request(*FIND)`` → ``AA AA AA 96 69 00 03 20 01 22``."""
    return _frame(bytes([_byte("cmd", cmd), _byte("para", para)]) + data)


def encode_response(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    """The full answer frame a SAM would send (for simulators and tests)."""
    return _frame(bytes([_byte("sw1", sw1), _byte("sw2", sw2), _byte("sw3", sw3)]) + data)


def frame_length(header: bytes) -> int:
    """Total frame size (7 + Len) from the first 7 bytes; FrameError on a bad preamble or short header."""
    if len(header) < HEADER_SIZE:
        raise FrameError(f"frame header needs {HEADER_SIZE} bytes, got {len(header)}")
    if header[: len(PREAMBLE)] != PREAMBLE:
        raise FrameError("frame does not start with the GA/T 467 preamble")
    (body_length,) = struct.unpack_from(">H", header, len(PREAMBLE))
    return HEADER_SIZE + int(body_length)


def _checked_body(frame: bytes, minimum: int) -> bytes:
    """The bytes between the length and the checksum, after checking preamble, length and checksum."""
    total = frame_length(frame)
    if total - HEADER_SIZE < minimum:
        raise FrameError(f"frame length field too small: {total - HEADER_SIZE} < {minimum}")
    if len(frame) != total:
        raise FrameError(f"frame length field says {total} bytes, frame has {len(frame)}")
    if _checksum(frame[len(PREAMBLE) : -1]) != frame[-1]:
        raise FrameError("frame checksum mismatch")
    return frame[HEADER_SIZE:-1]


def decode_request(frame: bytes) -> tuple[int, int, bytes]:
    """(cmd, para, data) of a request frame; FrameError on a bad preamble, length or checksum."""
    body = _checked_body(frame, _MIN_REQUEST_BODY)
    return body[0], body[1], body[2:]


def decode_response(frame: bytes) -> SamResponse:
    """The SAM answer in ``frame``; FrameError on a bad preamble, length or checksum."""
    body = _checked_body(frame, _MIN_RESPONSE_BODY)
    return SamResponse(sw1=body[0], sw2=body[1], sw3=body[2], data=body[3:])


def _checksum_ok(frame: bytes) -> bool:
    return _checksum(frame[len(PREAMBLE) : -1]) == frame[-1]


class FrameReader:
    """Reassembles frames from a byte stream that may arrive split, glued together or mixed with noise.

    ``feed`` returns every complete frame found so far (in order) and keeps the rest. Bytes before a
    preamble are dropped and counted in ``discarded``. A candidate frame whose checksum fails but
    which contains another preamble was most likely a truncated frame followed by a real one: the
    reader drops up to that inner preamble and keeps going. A bad frame with no inner preamble is
    returned as is, so the caller's decoder reports it (and the caller can ask again).
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.discarded = 0

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buffer)

    def reset(self) -> None:
        self._buffer.clear()

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buffer += chunk
        frames: list[bytes] = []
        while True:
            start = self._buffer.find(PREAMBLE)
            if start < 0:
                self._keep_partial_preamble()
                return frames
            self._drop(start)
            if len(self._buffer) < HEADER_SIZE:
                return frames
            body_length = struct.unpack_from(">H", self._buffer, len(PREAMBLE))[0]
            if not _MIN_REQUEST_BODY <= body_length <= MAX_BODY_LENGTH:
                self._drop(1)  # a preamble inside noise: look for the next one
                continue
            total = HEADER_SIZE + body_length
            if len(self._buffer) < total:
                return frames
            frame = bytes(self._buffer[:total])
            inner = frame.find(PREAMBLE, 1)
            if not _checksum_ok(frame) and inner > 0:
                self._drop(inner)
                continue
            del self._buffer[:total]
            frames.append(frame)

    def _drop(self, count: int) -> None:
        if count:
            del self._buffer[:count]
            self.discarded += count

    def _keep_partial_preamble(self) -> None:
        # Keep the longest tail that could be the start of a preamble split across two reads.
        for keep in range(min(len(PREAMBLE) - 1, len(self._buffer)), 0, -1):
            if self._buffer.endswith(PREAMBLE[:keep]):
                self._drop(len(self._buffer) - keep)
                return
        self._drop(len(self._buffer))


def status_message(sw3: int) -> str:
    """The Chinese message for ``sw3``; an unknown code gets a generic one that shows the code."""
    known = STATUS_MESSAGES.get(sw3)
    if known is not None:
        return known
    return f"身份证阅读器返回了未知状态（0x{sw3:02X}），请取下证件重新放置后再试；仍不行请联系设备供应商。"


def status_error(sw3: int) -> DeviceUnavailable:
    """The exception for a failing SW3: NoCardPresent for 0x80, CardReadFailed otherwise."""
    if sw3 == SW3_NO_CARD:
        return NoCardPresent(STATUS_MESSAGES[SW3_NO_CARD])
    return CardReadFailed(status_message(sw3))


def split_base_info(data: bytes) -> tuple[bytes, bytes, bytes]:
    """(text, photo, fingerprint) from the data of a 30 01 or 30 10 answer (idcard.md §1.5).

    30 01 data = text length, photo length (2 bytes each, big-endian) + text + photo; 30 10 adds a
    fingerprint length and the fingerprint. The two cannot be confused: the lengths must add up.
    """
    if len(data) >= 4:
        text_len, photo_len = struct.unpack_from(">HH", data)
        if len(data) == 4 + text_len + photo_len:
            return data[4 : 4 + text_len], data[4 + text_len :], b""
        if len(data) >= 6:
            (fp_len,) = struct.unpack_from(">H", data, 4)
            if len(data) == 6 + text_len + photo_len + fp_len:
                photo_at = 6 + text_len
                fp_at = photo_at + photo_len
                return data[6:photo_at], data[photo_at:fp_at], data[fp_at:]
    raise FrameError(f"base-info lengths do not add up to the {len(data)} data bytes")


def format_sam_id(data: bytes) -> str:
    """The SAM number printed on readers, "NN.NN-u32-u32-u32", from the data of a 12 FF answer.

    Layout per HslCommunication ``ExtractSafeModuleNumber`` (frame offsets 10, 12, 14, 18, 22 are
    data offsets 0, 2, 4, 8, 12 here); the last two numbers are zero-padded to 9 digits as it does.
    """
    if len(data) < 16:
        raise FrameError(f"SAM ID answer needs 16 data bytes, got {len(data)}")
    first, second, third = struct.unpack_from("<III", data, 4)
    return f"{data[0]:02d}.{data[2]:02d}-{first}-{second:09d}-{third:09d}"
