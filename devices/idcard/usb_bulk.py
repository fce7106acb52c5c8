"""USB-bulk SAM reader (USB 身份证阅读器): GA/T 467 frames over libusb bulk endpoints, via pyusb.

Many certified readers enumerate as plain USB devices rather than serial ports (idcard.md §1.7).
They speak the same frames as the serial SAM, so ``SamSession`` does the card-reading sequence
and this module only moves frames, in one of two endpoint layouts:

- variant A (精伦 iDR style): request header (preamble + length, 7 bytes) to bulk OUT 0x02, the rest
  to OUT 0x06; answer header from IN 0x81, answer body from IN 0x85;
- variant B: the whole request to the one bulk OUT endpoint, the answer read back in 64-byte
  packets until the length in bytes 5–6 is complete (``ga467.FrameReader`` also drops padding and
  noise).

The layout is chosen from the device's endpoint descriptors, not from its VID:PID. Every USB call
has a finite timeout (libusb treats 0 as "wait forever", so it is never passed). An unplugged
reader shows as ``is_present() == False``; once it is back (with a new bus address) the next call
opens it again. On Linux non-root access needs a udev rule; the error message gives one.
Nothing read from the card is logged.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

import usb.core
import usb.util

from app.errors import DeviceUnavailable
from devices.idcard import ga467
from devices.idcard.base import IdCardData
from devices.idcard.photo import WltDecoder, load_photo_decoder
from devices.idcard.presence import MIN_PRESENCE_INTERVAL_S, PresenceThrottle
from devices.idcard.sam_session import SamSession
from devices.kinds import unplugged_error_message
from devices.registry import DriverContext

log = logging.getLogger(__name__)

#: (VID, PID) pairs of GA/T 467 USB-bulk readers seen in public code (idcard.md §1.7).
USB_READER_IDS: Final[tuple[tuple[int, int], ...]] = ((0x0400, 0xC35A), (0x0483, 0x5652))

PACKET_SIZE: Final = 64  # full-speed bulk packets
DEFAULT_TIMEOUT_S: Final = 3.0  # longest wait for one answer (reading the base info takes 2–3 s)
_DRAIN_READS: Final = 8  # stale packets dropped before a request, at most

_VARIANT_A_OUT: Final = (0x02, 0x06)
_VARIANT_A_IN: Final = (0x81, 0x85)
_BULK: Final = 0x02  # bmAttributes transfer type
_DIRECTION_IN: Final = 0x80

_IDS_TEXT: Final = "、".join(f"{vid:04X}:{pid:04X}" for vid, pid in USB_READER_IDS)
NOT_FOUND: Final = (
    f"未找到 USB 身份证阅读器（{_IDS_TEXT}）。请检查阅读器的数据线和电源；"
    "如果阅读器以串口方式连接，请在设置中改用串口驱动（devices.idcard = serial）。"
)
_NO_LIBUSB: Final = "本机缺少 libusb，无法使用 USB 身份证阅读器。请安装 libusb（Linux：libusb-1.0-0）后重试。"


def _permission_message(vid: int, pid: int) -> str:
    rule = (
        f'SUBSYSTEM=="usb", ATTR{{idVendor}}=="{vid:04x}", ATTR{{idProduct}}=="{pid:04x}", '
        'MODE="0660", GROUP="plugdev"'
    )
    return (
        f"没有权限访问 USB 身份证阅读器（{vid:04X}:{pid:04X}）。请让管理员添加 udev 规则文件 "
        f"/etc/udev/rules.d/99-idcard-reader.rules，内容：{rule}，把本机用户加入 plugdev 组，然后重新插拔阅读器。"
    )


@dataclass(frozen=True)
class BulkEndpoints:
    """Where requests go and answers come from. Variant B uses one endpoint each way."""

    variant: Literal["A", "B"]
    out_header: int
    out_body: int
    in_header: int
    in_body: int


def choose_endpoints(out_endpoints: list[int], in_endpoints: list[int]) -> BulkEndpoints:
    """Variant A when the four iDR endpoints are all there, else B on the first bulk OUT and IN."""
    if set(_VARIANT_A_OUT) <= set(out_endpoints) and set(_VARIANT_A_IN) <= set(in_endpoints):
        return BulkEndpoints("A", *_VARIANT_A_OUT, *_VARIANT_A_IN)
    if out_endpoints and in_endpoints:
        out, into = out_endpoints[0], in_endpoints[0]
        return BulkEndpoints("B", out, out, into, into)
    raise DeviceUnavailable(
        "USB 身份证阅读器没有可用的数据端点，可能不是 GA/T 467 阅读器。请改用厂商读卡库驱动（devices.idcard = sdk）。",
        device="idcard",
    )


class _LinkLost(Exception):
    """The USB device stopped answering at the transport level (unplugged, reset)."""


def _is_timeout(exc: usb.core.USBError) -> bool:
    return isinstance(exc, usb.core.USBTimeoutError) or exc.errno == errno.ETIMEDOUT


def _milliseconds(seconds: float) -> int:
    return max(1, int(seconds * 1000))  # never 0: libusb would wait forever


def _identity(device: Any) -> tuple[object, object]:
    return getattr(device, "bus", None), getattr(device, "address", None)


class UsbBulkLink:
    """One opened USB reader: sends a request frame and returns one answer frame."""

    def __init__(self, device: Any, endpoints: BulkEndpoints) -> None:
        self.device = device
        self.endpoints = endpoints
        self.identity = _identity(device)

    def exchange(self, request: bytes, timeout_s: float) -> bytes:
        """Raises TimeoutError when no complete answer arrives in ``timeout_s``, FrameError for a
        bad header (variant A), _LinkLost when the device is gone."""
        deadline = time.monotonic() + timeout_s
        ep = self.endpoints
        try:
            self._drain(ep.in_header)
            if ep.in_body != ep.in_header:
                self._drain(ep.in_body)
            if ep.variant == "A":
                self._write(ep.out_header, request[: ga467.HEADER_SIZE], deadline)
                self._write(ep.out_body, request[ga467.HEADER_SIZE :], deadline)
                header = self._read_exact(ep.in_header, ga467.HEADER_SIZE, deadline)
                body = self._read_exact(ep.in_body, ga467.frame_length(header) - ga467.HEADER_SIZE, deadline)
                return header + body
            self._write(ep.out_header, request, deadline)
            reader = ga467.FrameReader()
            while True:
                frames = reader.feed(self._read(ep.in_header, PACKET_SIZE, deadline))
                if frames:
                    return frames[0]
        except usb.core.USBError as exc:
            if _is_timeout(exc):
                raise TimeoutError("no answer from the USB reader in time") from None
            log.info("USB ID-card reader I/O failed: %s", exc.strerror or type(exc).__name__)
            raise _LinkLost() from None

    def _remaining_ms(self, deadline: float) -> int:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no answer from the USB reader in time")
        return _milliseconds(remaining)

    def _write(self, endpoint: int, data: bytes, deadline: float) -> None:
        written = self.device.write(endpoint, data, self._remaining_ms(deadline))
        if written != len(data):
            raise usb.core.USBError(f"short write: {written} of {len(data)} bytes")

    def _read(self, endpoint: int, size: int, deadline: float) -> bytes:
        return bytes(self.device.read(endpoint, size, self._remaining_ms(deadline)))

    def _read_exact(self, endpoint: int, size: int, deadline: float) -> bytes:
        data = b""
        while len(data) < size:
            wanted = -(-(size - len(data)) // PACKET_SIZE) * PACKET_SIZE  # whole packets: no overflow
            data += self._read(endpoint, wanted, deadline)
        return data[:size]

    def _drain(self, endpoint: int) -> None:
        # A late answer to an earlier, timed-out command must not pass for the answer to this one.
        for _ in range(_DRAIN_READS):
            try:
                if not self.device.read(endpoint, PACKET_SIZE, 1):
                    return
            except usb.core.USBError as exc:
                if _is_timeout(exc):
                    return
                raise

    def release(self) -> None:
        if isinstance(self.device, usb.core.Device):
            try:
                usb.util.dispose_resources(self.device)
            except usb.core.USBError:
                log.debug("releasing the USB ID-card reader failed", exc_info=True)


def open_link(device: Any) -> UsbBulkLink:
    """Prepare ``device`` for bulk I/O: detach a kernel driver, configure, pick the endpoint variant."""
    vid, pid = getattr(device, "idVendor", 0), getattr(device, "idProduct", 0)
    try:
        try:
            if device.is_kernel_driver_active(0):
                device.detach_kernel_driver(0)
                log.info("detached the kernel driver from USB ID-card reader %04X:%04X", vid, pid)
        except NotImplementedError:
            pass  # Windows/macOS backends have no kernel-driver notion
        try:
            config = device.get_active_configuration()
        except usb.core.USBError:
            config = None
        if config is None:
            device.set_configuration()
            config = device.get_active_configuration()
        interface = config[(0, 0)]
        outs: list[int] = []
        ins: list[int] = []
        for endpoint in interface:
            if endpoint.bmAttributes & 0x03 != _BULK:
                continue
            address = endpoint.bEndpointAddress
            (ins if address & _DIRECTION_IN else outs).append(address)
    except usb.core.USBError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise DeviceUnavailable(_permission_message(vid, pid), device="idcard") from None
        log.warning("cannot open USB ID-card reader %04X:%04X: %s", vid, pid, exc)
        raise DeviceUnavailable(
            f"无法打开 USB 身份证阅读器（{vid:04X}:{pid:04X}），请重新插拔阅读器后重试（详细原因见日志）。",
            device="idcard",
        ) from None
    endpoints = choose_endpoints(outs, ins)
    log.info("USB ID-card reader %04X:%04X opened (variant %s)", vid, pid, endpoints.variant)
    return UsbBulkLink(device, endpoints)


def _matches(device: Any) -> bool:
    return (device.idVendor, device.idProduct) in USB_READER_IDS


def find_first_reader() -> Any | None:
    """The first attached USB device from USB_READER_IDS, or None. DeviceUnavailable without libusb."""
    try:
        return usb.core.find(custom_match=_matches)
    except usb.core.NoBackendError:
        raise DeviceUnavailable(_NO_LIBUSB, device="idcard") from None


def find_readers() -> list[str]:
    """Attached USB ID-card readers, "VID:PID（总线 b，地址 a）" each, for ``yichuang doctor``.

    [] when none is attached. DeviceUnavailable (Chinese message) when libusb itself is missing.
    """
    try:
        devices = list(usb.core.find(find_all=True, custom_match=_matches))
    except usb.core.NoBackendError:
        raise DeviceUnavailable(_NO_LIBUSB, device="idcard") from None
    return [
        f"{device.idVendor:04X}:{device.idProduct:04X}（总线 {device.bus}，地址 {device.address}）"
        for device in devices
    ]


class UsbBulkSamReader:
    """IdCardReader + PresenceAware + HealthAware + Closable for a GA/T 467 SAM on USB bulk endpoints.

    ``locate`` finds the device (a pyusb Device, or any object with the same ``read``/``write``
    and descriptor methods); ``timeout_s`` caps the wait for any single answer. Opening fails with
    DeviceUnavailable when no reader is attached. Use from the device thread only.
    """

    def __init__(
        self,
        *,
        locate: Callable[[], Any | None] = find_first_reader,
        photo_decoder: WltDecoder | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        presence_interval_s: float = MIN_PRESENCE_INTERVAL_S,
    ) -> None:
        self._locate = locate
        self._timeout_s = timeout_s
        self._link: UsbBulkLink | None = None
        self._session = SamSession(self._exchange, photo_decoder=photo_decoder)
        self._presence = PresenceThrottle(presence_interval_s)
        self._connect()

    @property
    def variant(self) -> str | None:
        """The endpoint layout of the open reader ("A" or "B"), or None while closed."""
        return None if self._link is None else self._link.endpoints.variant

    def read_card(self, timeout_s: float = 3.0) -> IdCardData:
        return self._session.read_card(timeout_s)

    def card_present(self) -> bool:
        return self._presence.check(self._session.card_present)

    def sam_id(self) -> str:
        return self._session.sam_id()

    def health_problem(self) -> str | None:
        return self._session.health_problem()

    def is_present(self) -> bool:
        device = self._locate_quietly()
        if device is None:
            if self._link is not None:
                log.info("USB ID-card reader disappeared")
                self._drop()
            return False
        if self._link is not None and self._link.identity == _identity(device):
            return True
        self._drop()  # a re-plugged reader has a new address: the old handle is dead
        try:
            self._connect(device)
        except DeviceUnavailable:
            return False
        return True

    def close(self) -> None:
        self._drop()

    def _locate_quietly(self) -> Any | None:
        try:
            return self._locate()
        except DeviceUnavailable:
            return None

    def _connect(self, device: Any | None = None) -> UsbBulkLink:
        if device is None:
            device = self._locate()
        if device is None:
            raise DeviceUnavailable(NOT_FOUND, device="idcard")
        self._link = open_link(device)
        self._presence.forget()
        return self._link

    def _drop(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.release()
        self._presence.forget()

    def _exchange(self, request: bytes, timeout_s: float) -> bytes:
        """One request, one answer. When the link died (unplug and re-plug between two reads), the
        reader is looked up again and the request sent once more; then DeviceUnavailable."""
        for attempt in (1, 2):
            link = self._link
            if link is None:
                device = self._locate_quietly()
                if device is None:
                    break
                link = self._connect(device)
            try:
                return link.exchange(request, min(timeout_s, self._timeout_s))
            except _LinkLost:
                log.warning("USB ID-card reader link lost, attempt %d", attempt)
                self._drop()
        raise DeviceUnavailable(unplugged_error_message("idcard"), device="idcard")


def create(context: DriverContext) -> UsbBulkSamReader:
    """Factory for the DeviceManager; option ``photo_library`` (a WLT decoder, optional)."""
    decoder = load_photo_decoder(context.options.get("photo_library", ""), usb=True)
    return UsbBulkSamReader(photo_decoder=decoder)
