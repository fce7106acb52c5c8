"""Chip photo (证件照片): turning the card's 1024-byte WLT data into an image through a vendor decoder.

WLT is a proprietary wavelet format with no open-source decoder (idcard.md §2.6): a photo is shown
only when the station has the reader maker's decoder library, and callers always keep the raw WLT
(``IdCardData.photo_wlt``), so a photo can be decoded later on a station that has one.

Two documented decoder entry points are supported; the first one the library exports is used:

- ``int wlt2bmpBuffer(unsigned char *wlt, unsigned char *bmp, int bmp_size)`` (libwlt2bmp.so /
  libwlt2bmp.dll): decodes in memory into a 102×126 24-bit BMP of 38,862 bytes; 1 = success.
- ``int GetBmp(char *wlt_file, int intf)`` (WltRS.dll, beside sdtapi.dll): decodes the file
  ``*.wlt`` into ``*.bmp`` next to it; ``intf`` is the reader's interface (1 = serial, 2 = USB),
  which licence-checking builds use to ask the reader for their licence. 1 = success, 0 = call
  error, -1 decode error, -2 bad suffix, -3 open error, -4 bad format, -5 not licensed
  (软件未授权), -6 device connection error (设备连接错误).

The decoded BMP is re-encoded as PNG, the format ``IdCardData.photo`` holds. Nothing here logs
image data; failures are logged with the library's return code only.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Final, Protocol

import cv2
import numpy as np

log = logging.getLogger(__name__)

PLACEHOLDER_TEXT: Final = "照片未解码"
PHOTO_LIBRARY_KEY: Final = "devices.idcard_photo_library"

WLT_SIZE: Final = 1024
#: 102×126 pixels, 24 bit, rows padded to 308 bytes, plus the 54-byte BMP header.
BMP_SIZE: Final = (102 * 3 + 2) * 126 + 54

#: Return codes of the vendor decoders (WltRS.dll numbering), for log lines.
DECODER_CODES: Final = {
    0: "library call error",
    -1: "decode error",
    -2: "bad file suffix",
    -3: "file open error",
    -4: "bad WLT format",
    -5: "not licensed",
    -6: "device connection error",
}
_SUCCESS: Final = 1
_SERIAL_INTERFACE: Final = 1
_USB_INTERFACE: Final = 2


class PhotoDecodeError(Exception):
    """The decoder refused or failed; ``code`` is the library's return code when it gave one.

    The message is English, for the log: the clerk sees ``PLACEHOLDER_TEXT`` instead of a photo.
    """

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class WltDecoder(Protocol):
    """Turns the 1024-byte WLT of a card into image bytes (PNG here), or raises PhotoDecodeError."""

    def decode(self, wlt: bytes) -> bytes: ...


def _failure(entry_point: str, code: int) -> PhotoDecodeError:
    meaning = DECODER_CODES.get(code, "unknown code")
    return PhotoDecodeError(f"{entry_point} returned {code} ({meaning})", code=code)


def _bmp_to_png(bmp: bytes, entry_point: str) -> bytes:
    image = cv2.imdecode(np.frombuffer(bmp, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise PhotoDecodeError(f"{entry_point} reported success but its output is not a readable BMP")
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise PhotoDecodeError("re-encoding the decoded photo as PNG failed")
    return bytes(encoded.tobytes())


def _checked_wlt(wlt: bytes) -> bytes:
    if len(wlt) != WLT_SIZE:
        raise PhotoDecodeError(f"WLT photo must be {WLT_SIZE} bytes, got {len(wlt)}")
    return wlt


class BufferWltDecoder:
    """Decodes through ``wlt2bmpBuffer`` (libwlt2bmp): in memory, nothing touches the disk."""

    def __init__(self, function: Callable[..., int]) -> None:
        self._function = function

    def decode(self, wlt: bytes) -> bytes:
        source = ctypes.create_string_buffer(_checked_wlt(wlt), WLT_SIZE)
        target = ctypes.create_string_buffer(BMP_SIZE)
        code = self._function(source, target, BMP_SIZE)
        if code != _SUCCESS:
            raise _failure("wlt2bmpBuffer", code)
        return _bmp_to_png(target.raw, "wlt2bmpBuffer")


def _narrow_path(path: Path) -> bytes:
    """The path as the vendor's ``char *`` expects it: the ANSI code page on Windows (GBK on Chinese
    systems, so a user folder named in Chinese still works), the file-system encoding elsewhere."""
    encoding = "mbcs" if sys.platform == "win32" else sys.getfilesystemencoding()
    try:
        return str(path).encode(encoding)
    except UnicodeEncodeError as exc:
        raise PhotoDecodeError("the temporary folder path cannot be passed to GetBmp") from exc


class FileWltDecoder:
    """Decodes through WltRS.dll's ``GetBmp``, which only works on files.

    The WLT and the BMP live for the length of one call in a private temporary folder (mode 0700
    on Linux) that is removed straight after, so no photo stays on disk.
    """

    def __init__(self, function: Callable[..., int], *, usb: bool = True) -> None:
        self._function = function
        self._interface = _USB_INTERFACE if usb else _SERIAL_INTERFACE

    def decode(self, wlt: bytes) -> bytes:
        wlt = _checked_wlt(wlt)
        with tempfile.TemporaryDirectory(prefix="yc-wlt-") as folder:
            wlt_path = Path(folder) / "photo.wlt"
            wlt_path.write_bytes(wlt)
            code = self._function(_narrow_path(wlt_path), self._interface)
            if code != _SUCCESS:
                raise _failure("GetBmp", code)
            try:
                bmp = wlt_path.with_suffix(".bmp").read_bytes()
            except OSError as exc:
                raise PhotoDecodeError("GetBmp reported success but wrote no BMP file") from exc
        return _bmp_to_png(bmp, "GetBmp")


def load_photo_decoder(library: str, *, usb: bool = True) -> WltDecoder | None:
    """The decoder in the vendor library at path ``library``; None when ``library`` is empty.

    ``usb`` tells a licence-checking GetBmp how the reader is attached. Raises DeviceUnavailable
    with a Chinese message naming the file when it is missing, built for another platform, bit
    width or processor, or exports neither entry point.
    """
    library = library.strip()
    if not library:
        return None
    # vendor_sdk imports this module for decode_photo, so its loader is imported here, at call time.
    from devices.idcard.vendor_sdk import bind_function, library_error, load_vendor_library

    handle = load_vendor_library(library, setting_key=PHOTO_LIBRARY_KEY, role="照片解码库")
    if hasattr(handle, "wlt2bmpBuffer"):
        function = bind_function(
            handle, "wlt2bmpBuffer", ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int
        )
        log.info("photo decoder loaded (wlt2bmpBuffer)")
        return BufferWltDecoder(function)
    if hasattr(handle, "GetBmp"):
        function = bind_function(handle, "GetBmp", ctypes.c_int, ctypes.c_char_p, ctypes.c_int)
        log.info("photo decoder loaded (GetBmp)")
        return FileWltDecoder(function, usb=usb)
    raise library_error(
        f"照片解码库“{library}”中没有 wlt2bmpBuffer 或 GetBmp 函数，不是本程序支持的照片解码库。"
        f"请选择厂商 SDK 中的 WltRS.dll 或 libwlt2bmp，或清空设置 {PHOTO_LIBRARY_KEY}（证件照片将不显示）。"
    )


def decode_photo(decoder: WltDecoder | None, wlt: bytes) -> bytes:
    """The photo as PNG bytes, or b"" when there is no decoder or it fails (logged, without data).

    Never raises for a bad photo: the card's text is still good, and the UI shows PLACEHOLDER_TEXT.
    """
    if decoder is None or not wlt:
        return b""
    try:
        return decoder.decode(wlt)
    except PhotoDecodeError as exc:
        log.warning("ID card photo not decoded: %s", exc)
    except OSError as exc:  # ctypes turns a crash inside a Windows DLL into OSError
        log.warning("ID card photo decoder failed: %s", type(exc).__name__)
    return b""
