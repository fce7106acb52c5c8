"""Vendor SDK reader (厂商读卡库驱动): reads ID cards through the reader maker's own library via ctypes.

For readers that speak neither plain serial GA/T 467 nor USB bulk, or where the hall insists on
the certified SDK. Which library family is loaded is told by its exports (idcard.md §3):

- 公安部一所 ``sdtapi.dll`` / ``libsdtapi.so`` (``SDT_*``): every call returns the SAM's SW3 code,
  so the GA/T 467 status table applies as is. The port is opened once (``iIfOpen = 0`` after).
- 华视 ``termb.dll`` / ``libtermb.so`` (``CVR_*``) with the in-memory ``CVR_ReadBaseMsg``
  (mode 1: UCS-2 text + undecoded photo). Returns 1 for success, its own codes otherwise.
- The 神思 TERMB flavour without the ``CVR_`` prefix, and old termb builds without
  ``CVR_ReadBaseMsg``, are recognised and refused with a message: they can only write the card
  into files (WZ.TXT, ZP.BMP) in the working folder, which would leave personal data on disk.

Both supported families hand back the raw 256-byte UCS-2 text and 1024-byte WLT photo, parsed by
``cardtext`` exactly as on the serial path (``create_string_buffer`` + UTF-16LE, never
``create_unicode_buffer``, whose size follows the platform's ``wchar_t``).

A library is loaded only when configured, and only after its file header shows it fits this
process: a 32-bit DLL cannot load into 64-bit Python (WinError 193), a Windows DLL not on Linux,
an ARM build not on x86. Each case gets a Chinese message naming the file and what to do.
Windows libraries use stdcall (``WinDLL``), and their folder joins the DLL search path because
they load sibling DLLs (WltRS.dll, licence helpers).

Nothing of the card is logged: log lines carry return codes and function names only.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

from app.errors import DeviceUnavailable
from devices.idcard import ga467
from devices.idcard.base import CardReadFailed, IdCardData
from devices.idcard.cardtext import TEXT_SIZE, decode_card_text
from devices.idcard.photo import WltDecoder, decode_photo, load_photo_decoder
from devices.idcard.presence import PresenceThrottle
from devices.registry import DriverContext

log = logging.getLogger(__name__)

SDK_LIBRARY_KEY: Final = "devices.idcard_sdk_library"
SDK_PORT_KEY: Final = "devices.idcard_sdk_port"
DEFAULT_PORT: Final = 1001  # the first USB reader; 1–16 are COM1–COM16, 1001–1016 USB readers

NOT_CONFIGURED: Final = (
    f"未配置厂商读卡库：请在设置中填写 {SDK_LIBRARY_KEY}（厂商 SDK 中 sdtapi 或 termb 库文件的路径），"
    "或改用本程序的 USB、串口驱动。"
)
_SWITCH_DRIVER: Final = "或改用本程序的 USB、串口驱动（devices.idcard = usb / serial）"

# Generous buffers: a library writing past a buffer corrupts memory silently; the lengths it
# reports say how much is card data (256 bytes of text, 1024 of photo).
_TEXT_BUFFER: Final = 2048
_PHOTO_BUFFER: Final = 4096
_SAM_ID_BUFFER: Final = 256
#: Between two find-card attempts while waiting for a card (vendors advise > 300 ms, §1.6).
POLL_INTERVAL_S: Final = 0.3


# --- does the library fit this process? -----------------------------------------------------


@dataclass(frozen=True)
class BinaryFormat:
    """What a library file (or this Python process) was built for."""

    system: str  # "Windows" (PE files) or "Linux" (ELF files); platform.system() for the host
    bits: int
    arch: str  # processor family: "x86", "ARM", "LoongArch", "MIPS", "RISC-V", or as reported


_ELF_MACHINES: Final = {
    3: "x86", 62: "x86", 40: "ARM", 183: "ARM", 258: "LoongArch", 8: "MIPS", 243: "RISC-V",
}  # fmt: skip
_PE_MACHINES: Final = {0x014C: "x86", 0x8664: "x86", 0x01C4: "ARM", 0xAA64: "ARM"}
_PE_OPTIONAL_MAGIC_BITS: Final = {0x010B: 32, 0x020B: 64}

#: Processor families as a Chinese clerk or technician knows them (domestic CPUs named).
ARCH_NAMES: Final = {
    "x86": "x86（Intel、AMD、兆芯、海光）",
    "ARM": "ARM（飞腾、鲲鹏等）",
    "LoongArch": "龙芯 LoongArch",
    "MIPS": "MIPS（早期龙芯）",
    "RISC-V": "RISC-V",
}
_LIBRARY_SUFFIX: Final = {"Windows": ".dll", "Linux": ".so"}


def _machine_family(machine: str) -> str:
    lowered = machine.lower()
    if lowered in ("x86_64", "amd64", "x86", "i386", "i486", "i586", "i686", "x64"):
        return "x86"
    if lowered.startswith(("arm", "aarch64")):
        return "ARM"
    if lowered.startswith("loongarch"):
        return "LoongArch"
    if lowered.startswith("mips"):
        return "MIPS"
    if lowered.startswith("riscv"):
        return "RISC-V"
    return machine


def host_binary_format() -> BinaryFormat:
    """This Python process: bit width from ``sys.maxsize`` (``platform.machine()`` names the OS's
    processor, which a 32-bit Python on 64-bit Windows does not share), family from the machine."""
    bits = 64 if sys.maxsize > 2**32 else 32
    return BinaryFormat(platform.system(), bits, _machine_family(platform.machine()))


def read_binary_format(header: bytes) -> BinaryFormat | None:
    """What the ELF or PE file starting with ``header`` was built for; None for anything else.

    ELF: class at byte 4 (1 = 32-bit, 2 = 64-bit), e_machine at 18. PE: "MZ", the PE header offset
    at 0x3C, "PE\\0\\0", the COFF machine, then the optional-header magic (0x10B PE32, 0x20B PE32+).
    """
    if header[:4] == b"\x7fELF" and len(header) >= 20:
        bits = {1: 32, 2: 64}.get(header[4])
        byte_order = {1: "little", 2: "big"}.get(header[5])
        if bits is None or byte_order is None:
            return None
        machine = int.from_bytes(header[18:20], "little" if byte_order == "little" else "big")
        return BinaryFormat("Linux", bits, _ELF_MACHINES.get(machine, f"ELF 0x{machine:X}"))
    if header[:2] == b"MZ" and len(header) >= 0x40:
        pe = int.from_bytes(header[0x3C:0x40], "little")
        if len(header) < pe + 26 or header[pe : pe + 4] != b"PE\0\0":
            return None
        machine = int.from_bytes(header[pe + 4 : pe + 6], "little")
        bits = _PE_OPTIONAL_MAGIC_BITS.get(int.from_bytes(header[pe + 24 : pe + 26], "little"))
        if bits is None:
            return None
        return BinaryFormat("Windows", bits, _PE_MACHINES.get(machine, f"PE 0x{machine:X}"))
    return None


def binary_mismatch(library: BinaryFormat, host: BinaryFormat) -> str | None:
    """Why ``library`` cannot load into ``host`` and what to do (Chinese), or None when it fits."""
    if library.system != host.system:
        suffix = _LIBRARY_SUFFIX.get(host.system, "")
        return (
            f"是 {library.system} 系统的库，不能在本机（{host.system}）上使用。"
            f"请向厂商索取 {host.system} 版本（{suffix} 文件）后在设置中重新选择。"
        )
    if library.bits != host.bits:
        return (
            f"是 {library.bits} 位的库，而本程序是 {host.bits} 位，无法加载。"
            f"请向厂商索取 {host.bits} 位版本，或联系技术支持安装 {library.bits} 位版本的本程序。"
        )
    if library.arch != host.arch:
        library_arch = ARCH_NAMES.get(library.arch, library.arch)
        host_arch = ARCH_NAMES.get(host.arch, host.arch)
        return (
            f"是为 {library_arch} 处理器编译的，而本机是 {host_arch}，无法加载。"
            "请向厂商索取适合本机处理器的版本。"
        )
    return None


def library_error(message: str) -> DeviceUnavailable:
    """The error for a library that cannot be used (the message names the file and the fix)."""
    return DeviceUnavailable(message, device="idcard")


# Handles from os.add_dll_directory: the directory leaves the search path when its handle closes.
_dll_directories: dict[str, object] = {}


def _open_library(path: Path) -> ctypes.CDLL:
    if sys.platform == "win32":
        folder = str(path.parent)
        if folder not in _dll_directories:
            _dll_directories[folder] = os.add_dll_directory(folder)
        return ctypes.WinDLL(str(path))
    return ctypes.CDLL(str(path))


def load_vendor_library(library: str, *, setting_key: str, role: str) -> ctypes.CDLL:
    """Load the vendor library at ``library`` after checking that it exists and fits this process.

    ``role`` names it in messages ("厂商读卡库", "照片解码库"), ``setting_key`` is the setting to fix.
    Raises DeviceUnavailable with a Chinese message naming the file for every failure.
    """
    path = Path(library).expanduser()
    if not path.exists():
        raise library_error(f"找不到{role}文件“{path}”。请确认文件存在，或在设置中改正 {setting_key}。")
    if path.is_dir():
        raise library_error(
            f"“{path}”是文件夹，不是{role}文件。请在设置 {setting_key} 中填写库文件本身的路径。"
        )
    try:
        with path.open("rb") as file:
            header = file.read(0x10000)
    except OSError as exc:
        log.warning("cannot read vendor library header: %s", exc)
        raise library_error(f"无法读取{role}文件“{path}”，请检查文件权限后重试。") from exc
    binary = read_binary_format(header)
    if binary is None:
        raise library_error(
            f"“{path}”不是动态库文件（.dll 或 .so）。请在设置 {setting_key} 中选择厂商 SDK 中的{role}。"
        )
    problem = binary_mismatch(binary, host_binary_format())
    if problem is not None:
        log.warning("vendor library does not fit this process: %s vs %s", binary, host_binary_format())
        raise library_error(f"{role}“{path}”{problem}")
    try:
        handle = _open_library(path.resolve())
    except OSError as exc:
        log.warning("loading vendor library %s failed: %s", path.name, exc)
        raise library_error(
            f"无法加载{role}“{path}”：它依赖的其他文件可能缺失（详细原因见日志）。"
            "请把厂商 SDK 的全部文件放在同一文件夹后重试。"
        ) from exc
    log.info("vendor library %s loaded (%s, %d-bit)", path.name, binary.system, binary.bits)
    return handle


def bind_function(handle: ctypes.CDLL, name: str, restype: Any, *argtypes: Any) -> Callable[..., int]:
    """The export ``name`` with explicit argument and return types (ctypes would guess otherwise)."""
    function = getattr(handle, name)
    function.restype = restype
    function.argtypes = list(argtypes)
    return function  # type: ignore[no-any-return]


# --- the two library families ---------------------------------------------------------------

_P_UINT: Final = ctypes.POINTER(ctypes.c_uint)
_P_INT: Final = ctypes.POINTER(ctypes.c_int)
_c_int, _c_char_p = ctypes.c_int, ctypes.c_char_p

# Export name → (restype, *argtypes), from the public headers quoted in idcard.md §3.
SDTAPI_SIGNATURES: Final[dict[str, tuple[Any, ...]]] = {
    "SDT_OpenPort": (_c_int, _c_int),
    "SDT_ClosePort": (_c_int, _c_int),
    "SDT_StartFindIDCard": (_c_int, _c_int, _c_char_p, _c_int),
    "SDT_SelectIDCard": (_c_int, _c_int, _c_char_p, _c_int),
    "SDT_ReadBaseMsg": (_c_int, _c_int, _c_char_p, _P_UINT, _c_char_p, _P_UINT, _c_int),
}
SDTAPI_OPTIONAL: Final[dict[str, tuple[Any, ...]]] = {
    "SDT_GetSAMStatus": (_c_int, _c_int, _c_int),
    "SDT_GetSAMIDToStr": (_c_int, _c_int, _c_char_p, _c_int),
    "SDT_GetSAMID": (_c_int, _c_int, _c_char_p, _c_int),
}
TERMB_SIGNATURES: Final[dict[str, tuple[Any, ...]]] = {
    "CVR_InitComm": (_c_int, _c_int),
    "CVR_CloseComm": (_c_int,),
    "CVR_Authenticate": (_c_int,),
    "CVR_ReadBaseMsg": (_c_int, _c_char_p, _P_INT, _c_char_p, _P_INT, _c_int),
}
TERMB_OPTIONAL: Final[dict[str, tuple[Any, ...]]] = {"CVR_GetSAMID": (_c_int, _c_char_p)}


def _bind_all(
    handle: ctypes.CDLL, required: dict[str, tuple[Any, ...]], optional: dict[str, tuple[Any, ...]]
) -> dict[str, Callable[..., int]]:
    functions = {name: bind_function(handle, name, *types) for name, types in required.items()}
    for name, types in optional.items():
        if hasattr(handle, name):
            functions[name] = bind_function(handle, name, *types)
    return functions


def _link_lost(code: int) -> DeviceUnavailable:
    return DeviceUnavailable(
        f"与身份证阅读器通信失败（厂商库返回 {code}），请检查阅读器的数据线和电源后重试。", device="idcard"
    )


class _Backend(Protocol):
    family: str

    def open(self) -> None: ...
    def close(self) -> None: ...
    def alive(self) -> bool: ...
    def find_card(self) -> int: ...  # SW3-style: SW3_FOUND, SW3_NO_CARD or another failing SW3
    def select_card(self) -> int: ...  # SW3-style: SW3_OK, SW3_SELECT_FAILED or another failing SW3
    def read_base(self) -> tuple[bytes, bytes]: ...  # (text, wlt) of the card selected last
    def sam_id(self) -> str: ...


def _open_failed(port: int) -> DeviceUnavailable:
    return DeviceUnavailable(
        f"无法打开身份证阅读器（端口 {port}）。请检查阅读器已连接；端口号在设置 {SDK_PORT_KEY} 中"
        "（USB 阅读器为 1001–1016，串口为 1–16）。",
        device="idcard",
    )


class SdtApiBackend:
    """公安部一所 sdtapi: open the port once, then find → select → read, each returning SW3."""

    family = "sdtapi"

    def __init__(self, functions: dict[str, Callable[..., int]], port: int) -> None:
        self._fn = functions
        self._port = port
        self._open = False

    def open(self) -> None:
        code = self._fn["SDT_OpenPort"](self._port)
        if code != ga467.SW3_OK:
            log.info("SDT_OpenPort(%d) returned 0x%02X", self._port, code)
            raise _open_failed(self._port)
        self._open = True

    def close(self) -> None:
        if self._open:
            self._open = False
            self._fn["SDT_ClosePort"](self._port)

    def alive(self) -> bool:
        if not self._open:
            try:
                self.open()
            except DeviceUnavailable:
                return False
            return True
        status = self._fn.get("SDT_GetSAMStatus")
        if status is None:
            return True  # no status call in this build: an unplug shows at the next command
        if status(self._port, 0) == ga467.SW3_OK:
            return True
        self.close()
        return False

    def _ensure_open(self) -> None:
        if not self._open:
            self.open()

    def _fail(self, function: str, code: int) -> DeviceUnavailable:
        """The error for ``code``: SW3 codes by the GA/T 467 table, anything else a lost link."""
        log.info("%s returned 0x%02X", function, code)
        if code in ga467.STATUS_MESSAGES:
            return ga467.status_error(code)
        self.close()  # reopened on the next call, which is how a re-plugged reader comes back
        return _link_lost(code)

    def find_card(self) -> int:
        self._ensure_open()
        iin = ctypes.create_string_buffer(16)
        code = self._fn["SDT_StartFindIDCard"](self._port, iin, 0)
        if code in (ga467.SW3_FOUND, ga467.SW3_NO_CARD):
            return code
        if code in ga467.STATUS_MESSAGES:
            log.info("SDT_StartFindIDCard returned 0x%02X", code)
            return code
        raise self._fail("SDT_StartFindIDCard", code)

    def select_card(self) -> int:
        self._ensure_open()
        serial = ctypes.create_string_buffer(16)
        code = self._fn["SDT_SelectIDCard"](self._port, serial, 0)
        if code in ga467.STATUS_MESSAGES:
            return code
        raise self._fail("SDT_SelectIDCard", code)

    def read_base(self) -> tuple[bytes, bytes]:
        self._ensure_open()
        text = ctypes.create_string_buffer(_TEXT_BUFFER)
        photo = ctypes.create_string_buffer(_PHOTO_BUFFER)
        text_len, photo_len = ctypes.c_uint(0), ctypes.c_uint(0)
        code = self._fn["SDT_ReadBaseMsg"](
            self._port, text, ctypes.byref(text_len), photo, ctypes.byref(photo_len), 0
        )
        if code != ga467.SW3_OK:
            raise self._fail("SDT_ReadBaseMsg", code)
        return _slice(text, text_len.value), _slice(photo, photo_len.value)

    def sam_id(self) -> str:
        self._ensure_open()
        if "SDT_GetSAMIDToStr" in self._fn:
            buffer = ctypes.create_string_buffer(_SAM_ID_BUFFER)
            code = self._fn["SDT_GetSAMIDToStr"](self._port, buffer, 0)
            if code != ga467.SW3_OK:
                raise self._fail("SDT_GetSAMIDToStr", code)
            return buffer.value.decode("ascii", "replace").strip()
        if "SDT_GetSAMID" in self._fn:
            buffer = ctypes.create_string_buffer(_SAM_ID_BUFFER)
            code = self._fn["SDT_GetSAMID"](self._port, buffer, 0)
            if code != ga467.SW3_OK:
                raise self._fail("SDT_GetSAMID", code)
            return ga467.format_sam_id(buffer.raw[:16])
        raise DeviceUnavailable(
            "此厂商读卡库不提供安全模块号查询（缺少 SDT_GetSAMIDToStr）。", device="idcard"
        )


class TermbBackend:
    """华视 termb: InitComm once, Authenticate (= find + select), then CVR_ReadBaseMsg into memory.

    termb documents no status call, so an unplug shows at the next Authenticate (0 = "not
    initialised", or the port failing to reopen) rather than at the manager's presence poll.
    """

    family = "termb"
    # CVR_Authenticate: 1 OK, 2 no card, 3 select failed, 0 port not initialised.
    _AUTHENTICATE: Final = {1: ga467.SW3_FOUND, 2: ga467.SW3_NO_CARD, 3: ga467.SW3_SELECT_FAILED}

    def __init__(self, functions: dict[str, Callable[..., int]], port: int) -> None:
        self._fn = functions
        self._port = port
        self._open = False

    def open(self) -> None:
        code = self._fn["CVR_InitComm"](self._port)
        if code == 1:
            self._open = True
            return
        log.info("CVR_InitComm(%d) returned %d", self._port, code)
        if code == 3:  # the library failed to load one of its own DLLs
            raise DeviceUnavailable(
                "厂商读卡库缺少它依赖的文件，请把厂商 SDK 的全部文件放在同一文件夹后重试。", device="idcard"
            )
        raise _open_failed(self._port)

    def close(self) -> None:
        if self._open:
            self._open = False
            self._fn["CVR_CloseComm"]()

    def alive(self) -> bool:
        if self._open:
            return True
        try:
            self.open()
        except DeviceUnavailable:
            return False
        return True

    def find_card(self) -> int:
        if not self._open:
            self.open()
        code = self._fn["CVR_Authenticate"]()
        status = self._AUTHENTICATE.get(code)
        if status is None:
            log.info("CVR_Authenticate returned %d", code)
            self.close()
            raise _link_lost(code)
        return status

    def select_card(self) -> int:
        return ga467.SW3_OK  # CVR_Authenticate has selected the card already

    def read_base(self) -> tuple[bytes, bytes]:
        text = ctypes.create_string_buffer(_TEXT_BUFFER)
        photo = ctypes.create_string_buffer(_PHOTO_BUFFER)
        text_len, photo_len = ctypes.c_int(_TEXT_BUFFER), ctypes.c_int(_PHOTO_BUFFER)
        code = self._fn["CVR_ReadBaseMsg"](text, ctypes.byref(text_len), photo, ctypes.byref(photo_len), 1)
        if code != 1:
            log.info("CVR_ReadBaseMsg returned %d", code)
            raise ga467.status_error(ga467.SW3_READ_FAILED)
        return _slice(text, text_len.value), _slice(photo, photo_len.value)

    def sam_id(self) -> str:
        get_sam_id = self._fn.get("CVR_GetSAMID")
        if get_sam_id is None:
            raise DeviceUnavailable(
                "此厂商读卡库不提供安全模块号查询（缺少 CVR_GetSAMID）。", device="idcard"
            )
        if not self._open:
            self.open()
        buffer = ctypes.create_string_buffer(_SAM_ID_BUFFER)
        code = get_sam_id(buffer)
        if code != 1:
            log.info("CVR_GetSAMID returned %d", code)
            raise _link_lost(code)
        return buffer.value.decode("ascii", "replace").strip()


def _slice(buffer: ctypes.Array[ctypes.c_char], length: int) -> bytes:
    return buffer.raw[: max(0, min(length, len(buffer)))]


def _exports(handle: ctypes.CDLL, names: tuple[str, ...] | dict[str, Any]) -> list[str]:
    return [name for name in names if hasattr(handle, name)]


def open_backend(handle: ctypes.CDLL, library: str, port: int) -> _Backend:
    """The backend for whichever family ``handle`` exports; DeviceUnavailable naming what is missing."""
    if _exports(handle, SDTAPI_SIGNATURES):
        missing = [name for name in SDTAPI_SIGNATURES if not hasattr(handle, name)]
        if missing:
            raise library_error(
                f"厂商读卡库“{library}”缺少函数 {'、'.join(missing)}，版本不完整。"
                f"请向厂商索取完整的 sdtapi 库后在设置 {SDK_LIBRARY_KEY} 中重新选择。"
            )
        return SdtApiBackend(_bind_all(handle, SDTAPI_SIGNATURES, SDTAPI_OPTIONAL), port)
    if _exports(handle, TERMB_SIGNATURES):
        missing = [name for name in TERMB_SIGNATURES if not hasattr(handle, name)]
        if missing == ["CVR_ReadBaseMsg"]:
            raise library_error(
                f"厂商读卡库“{library}”是旧版 termb，没有 CVR_ReadBaseMsg，只能把证件信息写成文件，本程序不使用这种方式。"
                f"请向厂商索取新版 SDK，{_SWITCH_DRIVER}。"
            )
        if missing:
            raise library_error(
                f"厂商读卡库“{library}”缺少函数 {'、'.join(missing)}，版本不完整。"
                f"请向厂商索取完整的 termb 库后在设置 {SDK_LIBRARY_KEY} 中重新选择。"
            )
        return TermbBackend(_bind_all(handle, TERMB_SIGNATURES, TERMB_OPTIONAL), port)
    if _exports(handle, ("InitComm", "Authenticate", "Read_Content")):
        raise library_error(
            f"“{library}”是神思无前缀版 termb 库，只能把证件信息写成文件（不能读入内存），本程序不使用这种方式。"
            f"请向厂商索取 sdtapi 版读卡库，{_SWITCH_DRIVER}。"
        )
    raise library_error(
        f"“{library}”不是本程序支持的读卡库（需要 sdtapi 的 SDT_ 函数或华视 termb 的 CVR_ 函数）。"
        f"请在设置 {SDK_LIBRARY_KEY} 中选择厂商 SDK 中的 sdtapi 或 termb 库。"
    )


# --- the reader -----------------------------------------------------------------------------


class VendorSdkReader:
    """An IdCardReader (+ PresenceAware, Closable) on a vendor library. Use on the device thread only.

    ``port`` is the vendor's port number (1001–1016 USB, 1–16 COM). The port opens here, so a
    reader that is not connected fails ``create`` and the DeviceManager retries at its next poll.
    """

    def __init__(
        self,
        library: str,
        port: int = DEFAULT_PORT,
        *,
        photo_decoder: WltDecoder | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        handle = load_vendor_library(library, setting_key=SDK_LIBRARY_KEY, role="厂商读卡库")
        self._backend = open_backend(handle, library, port)
        self._photo_decoder = photo_decoder
        self._sleep = sleep
        self._clock = clock
        self._presence = PresenceThrottle(clock=clock)
        self._backend.open()
        log.info("ID card reader opened through vendor library (%s, port %d)", self._backend.family, port)

    @property
    def family(self) -> str:
        """Which vendor interface the library offers: "sdtapi" or "termb"."""
        return self._backend.family

    def is_present(self) -> bool:
        present = self._backend.alive()
        if not present:
            self._presence.forget()
        return present

    def card_present(self) -> bool:
        return self._presence.check(self._probe_card)

    def _probe_card(self) -> bool:
        # A card that fails to select is still lying there; anything else (weird SW3) counts as none.
        return self._backend.find_card() in (ga467.SW3_FOUND, ga467.SW3_SELECT_FAILED)

    def read_card(self, timeout_s: float = 3.0) -> IdCardData:
        """Wait up to ``timeout_s`` for a card, select and read it, as SamSession does on the wire.

        A card that fails to select is tried again until the deadline (often it is still sliding
        into the field); a failed read is not: the SAM wants the card placed again.
        """
        deadline = self._clock() + max(timeout_s, 0.0)
        while (waiting_on := self._find_and_select()) is not None:
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise ga467.status_error(waiting_on)
            self._sleep(min(POLL_INTERVAL_S, remaining))
        text, wlt = self._backend.read_base()
        if len(text) < TEXT_SIZE:
            log.warning("vendor library returned %d text bytes, expected %d", len(text), TEXT_SIZE)
            raise CardReadFailed(ga467.status_message(ga467.SW3_READ_FAILED))
        wlt = wlt[:1024]
        return decode_card_text(text[:TEXT_SIZE], photo_wlt=wlt, photo=decode_photo(self._photo_decoder, wlt))

    def _find_and_select(self) -> int | None:
        """None when a card is selected; the SW3 worth waiting on (80 no card, 81 select failed)."""
        found = self._backend.find_card()
        if found in (ga467.SW3_NO_CARD, ga467.SW3_SELECT_FAILED):
            return found
        if found != ga467.SW3_FOUND:
            raise ga467.status_error(found)
        selected = self._backend.select_card()
        if selected == ga467.SW3_OK:
            return None
        if selected == ga467.SW3_SELECT_FAILED:
            return selected
        raise ga467.status_error(selected)

    def sam_id(self) -> str:
        """The reader's SAM number (安全模块号), as printed on its label."""
        return self._backend.sam_id()

    def close(self) -> None:
        self._backend.close()


def _port_option(text: str) -> int:
    try:
        port = int(text.strip() or DEFAULT_PORT)
    except ValueError:
        port = -1
    if not (1 <= port <= 16 or 1001 <= port <= 1016):
        raise DeviceUnavailable(
            f"设置 {SDK_PORT_KEY} 的值“{text}”不是有效的端口号（USB 阅读器为 1001–1016，串口为 1–16），请在设置中改正。",
            device="idcard",
        )
    return port


def create(context: DriverContext) -> VendorSdkReader:
    """Factory for the DeviceManager: options ``sdk_library``, ``sdk_port``, ``photo_library``."""
    library = context.options.get("sdk_library", "").strip()
    if not library:
        raise DeviceUnavailable(NOT_CONFIGURED, device="idcard")
    port = _port_option(context.options.get("sdk_port", str(DEFAULT_PORT)))
    decoder = load_photo_decoder(context.options.get("photo_library", ""), usb=port >= 1001)
    return VendorSdkReader(library, port, photo_decoder=decoder)
