"""Scanner (扫描仪) through Windows Image Acquisition (driver "wia", Windows only).

Uses WIA 2.0's scripting layer, WIA Automation (``wiaaut.dll``, part of Windows since Vista), through
pywin32's ``win32com.client``: ``WIA.DeviceManager`` lists the devices, ``DeviceInfo.Connect()``
opens one, properties are set by their numeric IDs and ``Item.Transfer(format)`` scans one page
(imaging.md §4.3). WIA was chosen over TWAIN because 64-bit Python cannot load the 32-bit-only
TWAIN sources most 高拍仪 and scanner vendors ship (imaging.md §4.2).

- Source: ``WIA_DPS_DOCUMENT_HANDLING_SELECT`` (3088) = feeder 1, flatbed 2, feeder + duplex 5;
  what the scanner has comes from ``WIA_DPS_DOCUMENT_HANDLING_CAPABILITIES`` (3086). With the
  feeder, ``WIA_DPS_PAGES`` (3096) = 1 makes each Transfer return one page (one side in duplex),
  and the batch ends when Transfer fails with ``WIA_ERROR_PAPER_EMPTY``. An empty feeder is seen
  before the first page through ``WIA_DPS_DOCUMENT_HANDLING_STATUS`` (3087, FEED_READY = 1).
- Colour: ``WIA_IPS_CUR_INTENT`` (6146: colour 1, grey 2, text 4) and ``WIA_IPA_DATATYPE``
  (4103: threshold 0, grey 2, colour 3); resolution: ``WIA_IPS_XRES``/``YRES`` (6147/6148); area:
  A4 from the top-left corner, clipped to the bed (``WIA_DPS_HORIZONTAL/VERTICAL_BED_SIZE``, 3074/3075,
  in thousandths of an inch).
- Errors arrive as COM errors carrying a WIA HRESULT (0x8021xxxx), mapped by
  :func:`error_for_hresult` to Chinese messages (paper jam, empty feeder, cover open, offline …).
- COM objects belong to the thread that made them: everything runs on the DeviceManager's scanner
  thread, which :func:`create` initialises for COM. WIA calls block inside the vendor driver and
  cannot be cancelled from Python; they end with the driver's own timeout.

**Untested here:** this project's CI runs on Linux, where neither WIA nor pywin32 exists. The module
imports anywhere, but only loads pywin32 on Windows; on other systems :func:`create` raises
DeviceUnavailable. The tests check the HRESULT mapping and the page loop against an in-memory stand-in
for the automation objects, not against a real WIA device — try it on a hall PC before relying on it.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator
from typing import Any, Final

import cv2
import numpy as np
from numpy.typing import NDArray

from app.errors import ConfigError, DeviceUnavailable
from devices.kinds import unplugged_error_message
from devices.registry import DriverContext
from devices.scanner.base import ColorMode, FeederEmpty, PaperJam, ScanSource, SourceNotAvailable
from devices.scanner.sane_scanner import DEFAULT_DPI, DEFAULT_MODE, STANDARD_DPI, parse_mode

log = logging.getLogger(__name__)

WIA_FORMAT_BMP: Final = "{B96B3CAB-0728-11D3-9D7B-0000F81EF32E}"
SCANNER_DEVICE_TYPE: Final = 1

# Property IDs (wiadef.h).
HORIZONTAL_BED_SIZE: Final = 3074
VERTICAL_BED_SIZE: Final = 3075
DOCUMENT_HANDLING_CAPABILITIES: Final = 3086
DOCUMENT_HANDLING_STATUS: Final = 3087
DOCUMENT_HANDLING_SELECT: Final = 3088
PAGES: Final = 3096
DATATYPE: Final = 4103
CUR_INTENT: Final = 6146
XRES: Final = 6147
YRES: Final = 6148
XPOS: Final = 6149
YPOS: Final = 6150
XEXTENT: Final = 6151
YEXTENT: Final = 6152

FEEDER: Final = 1
FLATBED: Final = 2
DUPLEX: Final = 4
FEED_READY: Final = 1
INTENTS: Final[dict[ColorMode, int]] = {"color": 1, "gray": 2, "bw": 4}
DATATYPES: Final[dict[ColorMode, int]] = {"color": 3, "gray": 2, "bw": 0}
# WIA Automation's Property.SubType values.
RANGE_SUBTYPE: Final = 1
LIST_SUBTYPE: Final = 2
A4_THOUSANDTHS_INCH: Final = (8268, 11693)  # 210 × 297 mm

# WIA error HRESULTs (wiadef.h), as unsigned 32-bit values.
WIA_ERROR_GENERAL_ERROR: Final = 0x80210001
WIA_ERROR_PAPER_JAM: Final = 0x80210002
WIA_ERROR_PAPER_EMPTY: Final = 0x80210003
WIA_ERROR_PAPER_PROBLEM: Final = 0x80210004
WIA_ERROR_OFFLINE: Final = 0x80210005
WIA_ERROR_BUSY: Final = 0x80210006
WIA_ERROR_WARMING_UP: Final = 0x80210007
WIA_ERROR_USER_INTERVENTION: Final = 0x80210008
WIA_ERROR_ITEM_DELETED: Final = 0x80210009
WIA_ERROR_DEVICE_COMMUNICATION: Final = 0x8021000A
WIA_ERROR_DEVICE_LOCKED: Final = 0x8021000D
WIA_S_NO_DEVICE_AVAILABLE: Final = 0x80210015
WIA_ERROR_COVER_OPEN: Final = 0x80210016
WIA_ERROR_LAMP_OFF: Final = 0x80210017
WIA_ERROR_MULTI_FEED: Final = 0x80210020
DISP_E_EXCEPTION: Final = 0x80020009

_NOT_WINDOWS: Final = (
    "WIA 扫描仪驱动只能在 Windows 上使用；本机请在设置中把扫描仪驱动（devices.scanner）改为 sane。"
)
_NO_PYWIN32: Final = "未安装 Windows 扫描组件 pywin32，请用安装程序修复安装后重启程序。"


def hresult_of(exc: BaseException) -> int | None:
    """The WIA HRESULT inside a pywin32 ``com_error`` (unsigned), or None if it carries none.

    A failing automation call usually reports DISP_E_EXCEPTION with the driver's code in the
    exception info (``excepinfo[5]``); some report the WIA code directly.
    """
    code = getattr(exc, "hresult", None)
    if code is None and exc.args and isinstance(exc.args[0], int):
        code = exc.args[0]
    if not isinstance(code, int):
        return None
    code &= 0xFFFFFFFF
    excepinfo = getattr(exc, "excepinfo", None)
    if code == DISP_E_EXCEPTION and isinstance(excepinfo, tuple) and len(excepinfo) > 5:
        inner = excepinfo[5]
        if isinstance(inner, int) and inner:
            return inner & 0xFFFFFFFF
    return code


def error_for_hresult(code: int | None) -> DeviceUnavailable:
    """The error to show for a WIA HRESULT, in Chinese with what to do."""
    if code == WIA_ERROR_PAPER_EMPTY:
        return FeederEmpty()
    if code == WIA_ERROR_PAPER_JAM:
        return PaperJam()
    if code == WIA_ERROR_MULTI_FEED:
        return PaperJam("扫描仪一次进了多张纸，请取出进纸器中的材料、理齐后重新扫描。")
    if code == WIA_ERROR_PAPER_PROBLEM:
        return PaperJam("扫描仪进纸出错，请检查进纸器中的纸张是否放正后重新扫描。")
    if code == WIA_ERROR_COVER_OPEN:
        return DeviceUnavailable("扫描仪盖板或进纸器盖没有合上，请合上后重新扫描。", device="scanner")
    if code in (WIA_ERROR_BUSY, WIA_ERROR_DEVICE_LOCKED):
        return DeviceUnavailable("扫描仪正被其他程序使用，请关闭其他扫描程序后重试。", device="scanner")
    if code in (WIA_ERROR_WARMING_UP, WIA_ERROR_LAMP_OFF):
        return DeviceUnavailable("扫描仪灯管正在预热，请稍等几秒后重新扫描。", device="scanner")
    if code == WIA_ERROR_USER_INTERVENTION:
        return DeviceUnavailable(
            "扫描仪需要处理（请查看扫描仪面板上的提示），处理后重新扫描。", device="scanner"
        )
    # Offline, communication errors, a deleted item, no device, anything unknown: cable or power.
    return DeviceUnavailable(unplugged_error_message("scanner"), device="scanner")


def load_pywin32() -> tuple[Any, type[Exception]]:
    """pywin32's ``win32com.client`` and its ``com_error``, with COM initialised on this thread.

    Windows only: elsewhere DeviceUnavailable saying to use the "sane" driver.
    """
    if sys.platform != "win32":
        raise DeviceUnavailable(_NOT_WINDOWS, device="scanner")
    try:
        pythoncom = importlib.import_module("pythoncom")
        client = importlib.import_module("win32com.client")
        com_error: type[Exception] = importlib.import_module("pywintypes").com_error
    except ImportError:
        raise DeviceUnavailable(_NO_PYWIN32, device="scanner") from None
    pythoncom.CoInitialize()  # this thread is the scanner's for the program's lifetime
    return client, com_error


def _property(owner: Any, property_id: int) -> Any | None:
    """The WIA Property with ``property_id`` of a device or item, None when it has none."""
    for prop in owner.Properties:
        if int(prop.PropertyID) == property_id:
            return prop
    return None


def _set(owner: Any, property_id: int, value: int) -> None:
    prop = _property(owner, property_id)
    if prop is not None and not prop.IsReadOnly:
        prop.Value = value


class WiaScanner:
    """A WIA scanner; see the module docstring. Opens in the constructor.

    ``name_filter`` picks the first scanner whose name contains it ("" = the first scanner).
    ``com`` is ``(win32com.client, com_error)`` as :func:`load_pywin32` returns it, or objects
    that behave the same; by default pywin32 is loaded, which works on Windows only. Call only
    from the device's own thread.
    """

    def __init__(
        self,
        name_filter: str = "",
        *,
        default_dpi: int = DEFAULT_DPI,
        default_mode: ColorMode = DEFAULT_MODE,
        com: tuple[Any, type[Exception]] | None = None,
    ) -> None:
        self._default_dpi = default_dpi
        self._default_mode: ColorMode = default_mode
        self._client, self._error = com if com is not None else load_pywin32()
        self._name = ""
        self._device = self._connect(name_filter)

    @property
    def name(self) -> str:
        return self._name

    def _connect(self, name_filter: str) -> Any:
        try:
            manager = self._client.Dispatch("WIA.DeviceManager")
            for info in manager.DeviceInfos:
                if int(info.Type) != SCANNER_DEVICE_TYPE:
                    continue
                name_prop = _property(info, 7)  # WIA_DIP_DEV_NAME
                name = str(name_prop.Value) if name_prop is not None else ""
                if name_filter and name_filter.casefold() not in name.casefold():
                    continue
                self._name = name
                log.info("WIA scanner connected")
                return info.Connect()
        except self._error as exc:
            log.warning("WIA connect failed: %s", hresult_of(exc))
            raise error_for_hresult(hresult_of(exc)) from exc
        wanted = f"名称含“{name_filter}”的" if name_filter else ""
        raise DeviceUnavailable(
            f"未找到{wanted}扫描仪：请检查扫描仪电源和数据线，并确认已安装扫描仪的 Windows 驱动"
            "（“Windows 传真和扫描”能用即可）。",
            device="scanner",
        )

    def _item(self) -> Any:
        return self._device.Items.Item(1)  # WIA collections count from 1

    # --- Scanner protocol ----------------------------------------------------------------------

    def sources(self) -> list[ScanSource]:
        caps_prop = _property(self._device, DOCUMENT_HANDLING_CAPABILITIES)
        if caps_prop is None:
            return ["flatbed"]
        caps = int(caps_prop.Value)
        found: list[ScanSource] = []
        if caps & FLATBED:
            found.append("flatbed")
        if caps & FEEDER:
            found.append("adf")
            if caps & DUPLEX:
                found.append("adf_duplex")
        return found

    def resolutions(self) -> list[int]:
        prop = _property(self._item(), XRES)
        if prop is None:
            return [DEFAULT_DPI]
        if int(prop.SubType) == RANGE_SUBTYPE:
            low, high = int(prop.SubTypeMin), int(prop.SubTypeMax)
            return [dpi for dpi in STANDARD_DPI if low <= dpi <= high]
        if int(prop.SubType) == LIST_SUBTYPE:
            return sorted({int(v) for v in prop.SubTypeValues})
        return [int(prop.Value)]

    def scan(
        self, source: ScanSource = "flatbed", dpi: int | None = None, color_mode: ColorMode | None = None
    ) -> Iterator[NDArray[np.uint8]]:
        dpi = self._default_dpi if dpi is None else dpi
        color_mode = color_mode or self._default_mode
        if source not in self.sources():
            raise SourceNotAvailable(source)
        if dpi not in self.resolutions():
            raise ValueError(f"unsupported dpi {dpi}; choose one of {self.resolutions()}")
        item = self._item()
        try:
            self._configure(item, source, dpi, color_mode)
        except self._error as exc:
            raise error_for_hresult(hresult_of(exc)) from exc
        if source != "flatbed":
            status = _property(self._device, DOCUMENT_HANDLING_STATUS)
            if status is not None and not int(status.Value) & FEED_READY:
                raise FeederEmpty()
        return self._pages(item, source, color_mode)

    def _configure(self, item: Any, source: ScanSource, dpi: int, color_mode: ColorMode) -> None:
        select = {"flatbed": FLATBED, "adf": FEEDER, "adf_duplex": FEEDER | DUPLEX}[source]
        _set(self._device, DOCUMENT_HANDLING_SELECT, select)
        if source != "flatbed":
            _set(self._device, PAGES, 1)
        # The intent first: it resets resolution and data type to the driver's defaults for it.
        _set(item, CUR_INTENT, INTENTS[color_mode])
        _set(item, DATATYPE, DATATYPES[color_mode])
        _set(item, XRES, dpi)
        _set(item, YRES, dpi)
        _set(item, XPOS, 0)
        _set(item, YPOS, 0)
        for extent_id, bed_id, a4 in (
            (XEXTENT, HORIZONTAL_BED_SIZE, A4_THOUSANDTHS_INCH[0]),
            (YEXTENT, VERTICAL_BED_SIZE, A4_THOUSANDTHS_INCH[1]),
        ):
            bed = _property(self._device, bed_id)
            size = min(a4, int(bed.Value)) if bed is not None and int(bed.Value) > 0 else a4
            _set(item, extent_id, size * dpi // 1000)
        log.info("WIA scan: source %s, %s, %d dpi", source, color_mode, dpi)

    def _pages(self, item: Any, source: ScanSource, color_mode: ColorMode) -> Iterator[NDArray[np.uint8]]:
        count = 0
        while True:
            try:
                image_file = item.Transfer(WIA_FORMAT_BMP)
            except self._error as exc:
                code = hresult_of(exc)
                if code == WIA_ERROR_PAPER_EMPTY and count > 0:
                    log.info("WIA feeder empty after %d pages", count)
                    return
                log.warning("WIA transfer failed: %s", f"0x{code:08X}" if code is not None else "no HRESULT")
                raise error_for_hresult(code) from exc
            count += 1
            yield decode_page(bytes(image_file.FileData.BinaryData), color_mode)
            if source == "flatbed":
                return


def decode_page(data: bytes, color_mode: ColorMode) -> NDArray[np.uint8]:
    """A transferred BMP as the page the caller asked for: BGR colour, H×W grey, or 0/255 black-and-white."""
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise DeviceUnavailable("扫描仪送来的页面不完整，请重新扫描这一页。", device="scanner")
    page = np.asarray(image, dtype=np.uint8)
    if color_mode == "color":
        return page
    grey = np.asarray(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    if color_mode == "gray":
        return grey
    return np.where(grey < 128, 0, 255).astype(np.uint8)


def create(context: DriverContext) -> WiaScanner:
    """Factory for the DeviceManager: options ``device`` (part of the name), ``resolution``, ``mode``.

    On anything but Windows: DeviceUnavailable saying to use the "sane" driver.
    """
    com = load_pywin32()
    options = context.options
    text = options.get("resolution", str(DEFAULT_DPI)).strip() or str(DEFAULT_DPI)
    if not text.isdigit() or int(text) <= 0:
        raise ConfigError(
            f"扫描分辨率“{text}”不对，应为 dpi 数值（如 200），请在设置中改正。",
            key="devices.scanner_resolution",
        )
    mode = parse_mode(options.get("mode", DEFAULT_MODE))
    return WiaScanner(options.get("device", "").strip(), default_dpi=int(text), default_mode=mode, com=com)
