"""Scanner (扫描仪) through SANE with python-sane (driver "sane", Linux).

What SANE leaves to the frontend and this driver does (imaging.md §4.1):

- Backends name their options differently. Sources are matched by words ("Flatbed", "ADF",
  "Automatic Document Feeder", "ADF Duplex" …) and colour modes likewise ("Color", "Gray",
  "Lineart" …); a scanner without a black-and-white mode scans grey and is thresholded here.
- The scan area is set to A4 (210 × 297 mm), clipped to what the bed or feeder allows.
- An ADF batch is ``sane_start`` + read per sheet until ``sane_start`` reports the feeder out of
  documents. Empty at the first sheet means nothing was loaded: :class:`FeederEmpty` is raised by
  ``scan`` itself, so the caller can fall back to the flatbed.
- SANE reports problems only as status codes; python-sane turns them into their English text,
  which :func:`error_for_status` maps to errors with Chinese messages (paper jam, cover open …).
- A backend call can block for good (a hung USB transfer). Every ``start`` and read runs on a
  helper thread and is cancelled (``sane_cancel`` may be called from another thread) after
  ``page_timeout_s``, so a scan always ends.
- SANE itself is initialised while at least one scanner is open and shut down after the last one
  closes, so the next open reads the configuration afresh (``SANE_CONFIG_DIR``, dll.conf).

Pages come out as numpy arrays: colour as BGR, grey and black-and-white as H×W.
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any, Final, NamedTuple, NoReturn, TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

from app.errors import ConfigError, DeviceUnavailable
from devices.kinds import unplugged_error_message
from devices.registry import DriverContext
from devices.scanner.base import ColorMode, FeederEmpty, PaperJam, ScanSource, SourceNotAvailable

log = logging.getLogger(__name__)

T = TypeVar("T")

#: dpi values offered when the backend gives a range instead of a list.
STANDARD_DPI: Final = (75, 100, 150, 200, 300, 400, 600, 1200)
DEFAULT_DPI: Final = 200
DEFAULT_MODE: Final[ColorMode] = "color"
#: A sheet takes seconds; a minute without one means the scanner hangs.
PAGE_TIMEOUT_S: Final = 60.0
# After sane_cancel the blocked call should return at once; wait this long before giving up on it.
_CANCEL_GRACE_S: Final = 5.0
A4_MM: Final = (210.0, 297.0)
_BW_THRESHOLD: Final = 128

# The texts of libsane's sane_strerror(), which python-sane raises as _sane.error.
NO_DOCS: Final = "Document feeder out of documents"
JAMMED: Final = "Document feeder jammed"
COVER_OPEN: Final = "Scanner cover is open"
DEVICE_BUSY: Final = "Device busy"
IO_ERROR: Final = "Error during device I/O"
ACCESS_DENIED: Final = "Access to resource has been denied"
NO_MEM: Final = "Out of memory"
CANCELLED: Final = "Operation was canceled"
INVALID: Final = "Invalid argument"
UNSUPPORTED: Final = "Operation not supported"
WARMING_UP: Final = "Lamp not ready, please retry"
HW_LOCKED: Final = "Scanner mechanism locked for transport"

_NOT_RESPONDING: Final = "扫描仪长时间没有响应：请检查扫描仪是否卡纸、数据线是否插好，然后重新扫描。"
_INCOMPLETE: Final = "扫描仪送来的页面不完整，请重新扫描这一页。"

SOURCE_PATTERNS: Final[tuple[tuple[ScanSource, re.Pattern[str]], ...]] = (
    ("adf_duplex", re.compile(r"duplex", re.IGNORECASE)),
    ("adf", re.compile(r"adf|feeder|automatic|simplex", re.IGNORECASE)),
    ("flatbed", re.compile(r"flatbed|platen|normal|glass", re.IGNORECASE)),
)
MODE_PATTERNS: Final[tuple[tuple[ColorMode, re.Pattern[str]], ...]] = (
    ("color", re.compile(r"colou?r", re.IGNORECASE)),
    ("gray", re.compile(r"gr[ae]y", re.IGNORECASE)),
    ("bw", re.compile(r"lineart|binary|black|halftone|monochrome", re.IGNORECASE)),
)


COLOR_MODES: Final[dict[str, ColorMode]] = {"color": "color", "gray": "gray", "bw": "bw"}


def parse_mode(text: str) -> ColorMode:
    """The configured colour mode (``devices.scanner_mode``); ConfigError naming the key otherwise."""
    mode = COLOR_MODES.get(text.strip() or DEFAULT_MODE)
    if mode is None:
        raise ConfigError(
            f"扫描色彩“{text}”不对，只能是 color、gray 或 bw，请在设置中改正。", key="devices.scanner_mode"
        )
    return mode


def error_for_status(text: str) -> DeviceUnavailable:
    """The error to show for a SANE status (its sane_strerror text), in Chinese with what to do."""
    if text == NO_DOCS:
        return FeederEmpty()
    if text == JAMMED:
        return PaperJam()
    if text == COVER_OPEN:
        return DeviceUnavailable("扫描仪盖板或进纸器盖没有合上，请合上后重新扫描。", device="scanner")
    if text == DEVICE_BUSY:
        return DeviceUnavailable("扫描仪正被其他程序使用，请关闭其他扫描程序后重试。", device="scanner")
    if text == WARMING_UP:
        return DeviceUnavailable("扫描仪灯管正在预热，请稍等几秒后重新扫描。", device="scanner")
    if text == HW_LOCKED:
        return DeviceUnavailable(
            "扫描仪的运输锁还锁着，请按说明书打开扫描仪底部或侧面的锁扣后重试。", device="scanner"
        )
    if text == ACCESS_DENIED:
        return DeviceUnavailable(
            "没有使用扫描仪的权限，请让管理员把本机账户加入 scanner 用户组后重新登录。", device="scanner"
        )
    if text == NO_MEM:
        return DeviceUnavailable(
            "内存不足，扫描仪无法完成扫描，请关闭其他程序或降低扫描分辨率后重试。", device="scanner"
        )
    if text in (INVALID, UNSUPPORTED):
        return DeviceUnavailable(
            "扫描仪不接受所选的扫描设置，请换一个分辨率或色彩模式后重试。", device="scanner"
        )
    if text == CANCELLED:
        return DeviceUnavailable("扫描被中途取消，请重新扫描。", device="scanner")
    # I/O errors and anything unknown: most often the cable or the power.
    return DeviceUnavailable(unplugged_error_message("scanner"), device="scanner")


def classify(names: list[str], patterns: tuple[tuple[T, re.Pattern[str]], ...]) -> dict[T, str]:
    """Which backend value stands for each of our names (first match wins, first pattern first)."""
    found: dict[T, str] = {}
    for name in names:
        for ours, pattern in patterns:
            if pattern.search(name):
                found.setdefault(ours, name)
                break
    return found


def dpi_choices(constraint: object) -> list[int]:
    """Offered dpi values from a SANE constraint: a list as is, a (min, max, step) range as the
    standard values inside it."""
    if isinstance(constraint, list):
        return sorted({round(float(v)) for v in constraint if float(v) > 0})
    if isinstance(constraint, tuple) and len(constraint) == 3:
        low, high = float(constraint[0]), float(constraint[1])
        return [dpi for dpi in STANDARD_DPI if low <= dpi <= high]
    return [DEFAULT_DPI]


def to_page(
    data: bytes | bytearray, width: int, height: int, samples: int, sample_size: int
) -> NDArray[np.uint8]:
    """python-sane's raw ``snap`` result as a page: BGR for colour, H×W for grey."""
    expected = width * height * samples * sample_size
    if width <= 0 or height <= 0 or len(data) < expected:
        raise DeviceUnavailable(_INCOMPLETE, device="scanner")
    raw = bytes(data[:expected])
    if sample_size == 2:  # 16-bit samples in host byte order: keep the high byte
        pixels: NDArray[np.uint8] = (np.frombuffer(raw, dtype=np.uint16) >> 8).astype(np.uint8)
    else:
        pixels = np.frombuffer(raw, dtype=np.uint8)
    pixels = pixels.reshape(height, width, samples)
    if samples == 1:
        return np.ascontiguousarray(pixels[:, :, 0], dtype=np.uint8)
    return np.ascontiguousarray(pixels[:, :, 2::-1], dtype=np.uint8)  # RGB -> BGR


def _to_mode(page: NDArray[np.uint8], color_mode: ColorMode) -> NDArray[np.uint8]:
    """What the caller asked for, whatever the scanner delivered."""
    if color_mode == "color":
        if page.ndim == 2:
            return np.asarray(cv2.cvtColor(page, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
        return page
    grey = page if page.ndim == 2 else np.asarray(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    if color_mode == "gray":
        return grey
    return np.where(grey < _BW_THRESHOLD, 0, 255).astype(np.uint8)


class _Sane(NamedTuple):
    module: ModuleType  # python-sane's ``sane``
    error: type[Exception]  # ``_sane.error``, raised with the sane_strerror() text


class _Library:
    """sane.init() while any scanner is open, sane.exit() after the last one closes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0

    def acquire(self) -> _Sane:
        try:
            module = importlib.import_module("sane")
            error: type[Exception] = importlib.import_module("_sane").error
        except ImportError:
            raise DeviceUnavailable(
                "未安装扫描仪组件 python-sane，请运行 tools/system-deps.sh 安装后重启程序。", device="scanner"
            ) from None
        with self._lock:
            if self._users == 0:
                version = module.init()
                log.info("SANE initialised, version %s", version)
            self._users += 1
        return _Sane(module, error)

    def release(self, sane: _Sane) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                sane.module.exit()


_LIBRARY: Final = _Library()


class SaneScanner:
    """A SANE scanner; see the module docstring. Opens in the constructor.

    ``device_name`` is a SANE device name ("" = the first one found). ``backend_options`` are set
    on the device by their SANE names after opening (e.g. ``{"swdeskew": True}`` for a backend
    that can deskew). Call only from the device's own thread.
    """

    def __init__(
        self,
        device_name: str = "",
        *,
        default_dpi: int = DEFAULT_DPI,
        default_mode: ColorMode = DEFAULT_MODE,
        page_timeout_s: float = PAGE_TIMEOUT_S,
        backend_options: Mapping[str, object] | None = None,
    ) -> None:
        self._default_dpi = default_dpi
        self._default_mode: ColorMode = default_mode
        self._page_timeout_s = page_timeout_s
        self._backend_options = dict(backend_options or {})
        self._problem: str | None = None
        self._sane = _LIBRARY.acquire()
        self._device: Any = None
        try:
            self._name = device_name or self._first_device()
            self._device = self._open_device()
        except BaseException:
            _LIBRARY.release(self._sane)
            raise

    @property
    def name(self) -> str:
        """The SANE device name in use (e.g. ``genesys:libusb:001:004``)."""
        return self._name

    # --- opening -------------------------------------------------------------------------------

    def _first_device(self) -> str:
        devices = self._sane.module.get_devices()
        if not devices:
            raise DeviceUnavailable(
                "未找到扫描仪：请检查扫描仪电源和数据线；若已连接，请确认已安装扫描仪的 SANE 驱动。",
                device="scanner",
            )
        name = str(devices[0][0])
        log.info("using the first SANE device: %s (%s %s)", name, devices[0][1], devices[0][2])
        return name

    def _open_device(self) -> Any:
        try:
            device = self._sane.module.open(self._name)
        except self._sane.error as exc:
            log.warning("cannot open SANE device %s: %s", self._name, exc)
            if str(exc) in (DEVICE_BUSY, ACCESS_DENIED):
                raise error_for_status(str(exc)) from exc
            raise DeviceUnavailable(
                f"无法打开扫描仪“{self._name}”：请检查扫描仪电源和数据线，"
                "或在设置中改正扫描仪设备名（devices.scanner_device，留空 = 第一台扫描仪）。",
                device="scanner",
            ) from exc
        try:
            for option, value in self._backend_options.items():
                self._set(device, option, value)
        except DeviceUnavailable:
            device.close()
            raise
        return device

    def _require_device(self) -> Any:
        # A device that failed with an I/O error is reopened here (cable plugged back).
        if self._device is None:
            self._device = self._open_device()
        return self._device

    def _set(self, device: Any, option: str, value: object) -> None:
        name = option.replace("-", "_")
        try:
            if name not in device.opt:  # python-sane would silently keep it as a plain attribute
                raise AttributeError(f"no SANE option {option!r}")
            setattr(device, name, value)
        except (AttributeError, TypeError, self._sane.error) as exc:
            log.warning("SANE option %s not set: %s", option, exc)
            raise DeviceUnavailable(
                "扫描仪不支持所选的扫描设置，请在设置中换一个分辨率或色彩模式后重试。", device="scanner"
            ) from exc

    @staticmethod
    def _constraint(device: Any, option: str) -> Any:
        opt = device.opt.get(option)
        return None if opt is None or not opt.is_active() else opt.constraint

    def _source_names(self) -> dict[ScanSource, str]:
        device = self._require_device()
        constraint = self._constraint(device, "source")
        if not isinstance(constraint, list):
            return {"flatbed": ""}  # no source option: a plain flatbed
        return classify([str(name) for name in constraint], SOURCE_PATTERNS)

    # --- Scanner protocol ----------------------------------------------------------------------

    def sources(self) -> list[ScanSource]:
        found = self._source_names()
        return [source for source in ("flatbed", "adf", "adf_duplex") if source in found]

    def resolutions(self) -> list[int]:
        return dpi_choices(self._constraint(self._require_device(), "resolution"))

    def scan(
        self, source: ScanSource = "flatbed", dpi: int | None = None, color_mode: ColorMode | None = None
    ) -> Iterator[NDArray[np.uint8]]:
        dpi = self._default_dpi if dpi is None else dpi
        color_mode = color_mode or self._default_mode
        names = self._source_names()
        if source not in names:
            raise SourceNotAvailable(source)
        if dpi not in self.resolutions():
            raise ValueError(f"unsupported dpi {dpi}; choose one of {self.resolutions()}")
        device = self._require_device()
        device.cancel()  # ends a batch a caller left unfinished; harmless when idle
        self._configure(device, names[source], dpi, color_mode)
        # The first sheet is started now: an empty feeder is reported by this call, not later.
        self._start(device)
        return self._pages(device, source, color_mode)

    def _configure(self, device: Any, source_name: str, dpi: int, color_mode: ColorMode) -> None:
        if source_name:
            self._set(device, "source", source_name)
        modes = classify([str(m) for m in self._constraint(device, "mode") or []], MODE_PATTERNS)
        mode_name = modes.get(color_mode) or modes.get("gray") or modes.get("color")
        if mode_name:
            self._set(device, "mode", mode_name)
        depths = self._constraint(device, "depth")
        if isinstance(depths, list) and 8 in depths:
            self._set(device, "depth", 8)
        resolution = device.opt.get("resolution")
        if resolution is not None and resolution.is_active():
            self._set(device, "resolution", dpi)
        self._set_area(device)
        log.info("SANE scan: source %r, mode %r, %d dpi", source_name or "default", mode_name, dpi)

    def _set_area(self, device: Any) -> None:
        """A4 from the top-left corner, clipped to the largest area the backend allows."""
        for option, wanted in (("tl_x", 0.0), ("tl_y", 0.0), ("br_x", A4_MM[0]), ("br_y", A4_MM[1])):
            limits = self._constraint(device, option)
            if isinstance(limits, tuple) and len(limits) == 3:
                self._set(device, option, float(min(max(wanted, limits[0]), limits[1])))
        for option, wanted in (("page_width", A4_MM[0]), ("page_height", A4_MM[1])):
            limits = self._constraint(device, option)
            if isinstance(limits, tuple) and len(limits) == 3:
                self._set(device, option, float(min(max(wanted, limits[0]), limits[1])))

    def _pages(self, device: Any, source: ScanSource, color_mode: ColorMode) -> Iterator[NDArray[np.uint8]]:
        count = 0
        try:
            while True:
                data, width, height, samples, sample_size = self._bounded(
                    lambda: device.dev.snap(True, True, None)
                )
                count += 1
                yield _to_mode(to_page(data, width, height, samples, sample_size), color_mode)
                if source == "flatbed":
                    return
                try:
                    self._start(device)
                except FeederEmpty:
                    log.info("SANE feeder empty after %d pages", count)
                    return
        finally:
            # Ends the batch (also when the caller stopped early or a sheet failed).
            try:
                device.cancel()
            except self._sane.error as exc:
                log.warning("SANE cancel after %d pages failed: %s", count, exc)

    def _start(self, device: Any) -> None:
        self._bounded(device.start)
        self._problem = None

    def _bounded(self, call: Callable[[], T]) -> T:
        """Run a blocking backend call on a helper thread; cancel it after the page timeout."""
        outcome: list[T] = []
        failure: list[BaseException] = []

        def run() -> None:
            try:
                outcome.append(call())
            except BaseException as exc:
                failure.append(exc)

        worker = threading.Thread(target=run, name="sane-io", daemon=True)
        worker.start()
        worker.join(self._page_timeout_s)
        if worker.is_alive():
            log.warning(
                "SANE device %s did not answer within %.1f s; cancelling", self._name, self._page_timeout_s
            )
            if self._device is not None:
                self._device.cancel()
            worker.join(_CANCEL_GRACE_S)
            if worker.is_alive():
                # Still blocked inside the backend: never touch that handle again, open anew next time.
                log.error("SANE device %s ignores cancel; abandoning the handle", self._name)
                self._device = None
            self._problem = _NOT_RESPONDING
            raise DeviceUnavailable(_NOT_RESPONDING, device="scanner")
        if failure:
            exc = failure[0]
            if isinstance(exc, self._sane.error):
                self._status_failed(str(exc), exc)
            raise exc
        return outcome[0]

    def _status_failed(self, text: str, exc: BaseException) -> NoReturn:
        error = error_for_status(text)
        if isinstance(error, FeederEmpty):
            raise error from exc
        log.warning("SANE device %s: %s", self._name, text)
        self._problem = str(error)
        if text == IO_ERROR:
            self._drop_device()
        raise error from exc

    def _drop_device(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            try:
                device.close()
            except self._sane.error as exc:
                log.warning("SANE close after an I/O error failed: %s", exc)

    # --- DeviceManager abilities ---------------------------------------------------------------

    def health_problem(self) -> str | None:
        """The last scan's failure (jam, cover open, no answer …) until a sheet starts again."""
        return self._problem

    def close(self) -> None:
        self._drop_device()
        _LIBRARY.release(self._sane)


def create(context: DriverContext) -> SaneScanner:
    """Factory for the DeviceManager: options ``device``, ``resolution`` (dpi), ``mode``."""
    options = context.options
    text = options.get("resolution", str(DEFAULT_DPI)).strip() or str(DEFAULT_DPI)
    if not text.isdigit() or int(text) <= 0:
        raise ConfigError(
            f"扫描分辨率“{text}”不对，应为 dpi 数值（如 200），请在设置中改正。",
            key="devices.scanner_resolution",
        )
    mode = parse_mode(options.get("mode", DEFAULT_MODE))
    return SaneScanner(options.get("device", "").strip(), default_dpi=int(text), default_mode=mode)
