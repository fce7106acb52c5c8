"""PC/SC smart-card reader (PC/SC 智能卡读卡器) through pyscard's low-level ``smartcard.scard`` API.

Reads the 社保卡 basic files, staff-card UIDs and the ID card's chip serial from any PC/SC reader
(pcscd on Linux, SCardSvr on Windows). Design choices, from idcard.md §4.4:

- No ``CardMonitor``/``ReaderMonitor``: their threads die silently on unplug or a pcscd restart.
  Every call runs on the caller's thread (the DeviceManager's device thread) and lists readers
  afresh through a PC/SC context this object owns.
- A context that failed is released; the next call establishes a new one. A call that fails on an
  old context because the service restarted retries once on a fresh one, so unplugging the reader
  or restarting pcscd never needs a program restart.
- Nothing read from the card (ATR, UID, records) is logged, at any level.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import time
from collections.abc import Callable
from typing import Any, Final, TypeVar

from smartcard import scard

from app.errors import DeviceUnavailable
from devices.registry import DriverContext
from devices.smartcard import apdu
from devices.smartcard.base import CardCommandFailed, NoCardInserted, SmartCard

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The fastest the reader is asked whether a card is in (vendor guidance: > 300 ms, idcard.md §1.6).
PRESENCE_INTERVAL_S: Final = 0.3
#: Longest single wait in SCardGetStatusChange, so a deadline is never overshot by much.
_WAIT_SLICE_MS: Final = 500
#: ID-card chip serial (居民身份证芯片序列号): the card answers 8 bytes; the reader's UID is all zeros.
GET_CHIP_SERIAL: Final = bytes([0x00, 0x36, 0x00, 0x00, 0x08])
_GET_RESPONSE: Final = bytes([0x00, 0xC0, 0x00, 0x00])
#: Bound on 61xx/6Cxx exchanges for one command, so a misbehaving card cannot loop forever.
_MAX_T0_ROUNDS: Final = 16

NO_READER_MESSAGE: Final = "未检测到读卡器，请检查读卡器的USB线是否插好，重新插拔后再试。"
CARD_REMOVED_MESSAGE: Final = "卡片在读卡过程中被取出，请重新插入卡片，读完前不要拔出。"
CARD_INTERRUPTED_MESSAGE: Final = "读卡被中断，请取出卡片后重新插入，读完前不要移动卡片。"
CARD_UNRESPONSIVE_MESSAGE: Final = "卡片无应答或无法识别，请取出卡片，确认插入方向正确后重新插入再试。"
READER_FAILED_MESSAGE: Final = "读卡器通信失败，请重新插拔读卡器后重试；仍不行请重启智能卡服务。"


def service_down_message(platform: str = sys.platform) -> str:
    """What to do when the PC/SC service does not answer; Windows stops it when the last reader goes."""
    if platform == "win32":
        return (
            "智能卡服务(Smart Card)未运行：拔掉最后一个读卡器后 Windows 会停止该服务。"
            "请插好读卡器；仍不行请在“服务”中启动“Smart Card”后重试。"
        )
    return "智能卡服务(pcscd)未运行，请启动智能卡服务后重试（sudo systemctl start pcscd）。"


def _code(hresult: Any) -> int:
    """PC/SC result codes arrive signed or unsigned depending on platform; compare them unsigned."""
    return int(hresult) & 0xFFFFFFFF


_SUCCESS: Final = _code(scard.SCARD_S_SUCCESS)
_TIMEOUT: Final = _code(scard.SCARD_E_TIMEOUT)
_NO_READERS: Final = _code(scard.SCARD_E_NO_READERS_AVAILABLE)
#: The service is gone, or was restarted under an old context (Windows stops SCardSvr when the
#: last reader leaves; a pcscd restart leaves old contexts answering NO_SERVICE / RPC errors).
_SERVICE_CODES: Final = frozenset(
    _code(c) for c in (scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_F_COMM_ERROR)
)
_STALE_CONTEXT_CODES: Final = _SERVICE_CODES | {
    _code(scard.SCARD_E_INVALID_HANDLE),
    _code(scard.SCARD_E_SYSTEM_CANCELLED),
}
_READER_GONE_CODES: Final = frozenset(
    _code(c)
    for c in (
        scard.SCARD_E_NO_READERS_AVAILABLE,
        scard.SCARD_E_UNKNOWN_READER,
        scard.SCARD_E_READER_UNAVAILABLE,
    )
)
_NO_CARD_CODES: Final = frozenset(_code(c) for c in (scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_REMOVED_CARD))
#: The card in the slot is not the one we connected to any more (removed, swapped, reset).
_INTERRUPTED_CODES: Final = frozenset(
    _code(c) for c in (scard.SCARD_W_RESET_CARD, scard.SCARD_E_NOT_TRANSACTED)
)
_CARD_CHANGED_CODES: Final = _NO_CARD_CODES | _INTERRUPTED_CODES
_BAD_CARD_CODES: Final = frozenset(
    _code(c)
    for c in (
        scard.SCARD_W_UNRESPONSIVE_CARD,
        scard.SCARD_W_UNPOWERED_CARD,
        scard.SCARD_W_UNSUPPORTED_CARD,
        scard.SCARD_E_PROTO_MISMATCH,
    )
)


_STATE_UNAWARE: Final = int(scard.SCARD_STATE_UNAWARE)
_STATE_CHANGED: Final = int(scard.SCARD_STATE_CHANGED)
_STATE_UNKNOWN: Final = int(scard.SCARD_STATE_UNKNOWN)
_STATE_UNAVAILABLE: Final = int(scard.SCARD_STATE_UNAVAILABLE)
_STATE_EMPTY: Final = int(scard.SCARD_STATE_EMPTY)
_STATE_PRESENT: Final = int(scard.SCARD_STATE_PRESENT)
_STATE_MUTE: Final = int(scard.SCARD_STATE_MUTE)
#: Failures of these calls mean the card went away in the middle of a read.
_CARD_OPERATIONS: Final = frozenset({"SCardStatus", "SCardBeginTransaction", "SCardTransmit"})


def _card_ready(state: int) -> bool:
    """A card sits in the reader and answered the power-up (MUTE: present but silent)."""
    return bool(state & _STATE_PRESENT) and not state & _STATE_MUTE


class _PcscError(Exception):
    """A PC/SC call answered an error; turned into a DeviceUnavailable before leaving this module."""

    def __init__(self, operation: str, hresult: int) -> None:
        super().__init__(f"{operation} failed: 0x{hresult:08X}")
        self.operation = operation
        self.code = hresult


def _check(hresult: Any, operation: str) -> None:
    code = _code(hresult)
    if code != _SUCCESS:
        raise _PcscError(operation, code)


def _describe(code: int) -> str:
    try:
        return str(scard.SCardGetErrorMessage(code))
    except Exception:  # an unknown code must not hide the original error
        return "unknown error"


def _user_error(error: _PcscError, *, during_read: bool = False) -> DeviceUnavailable:
    """The Chinese error for a PC/SC failure: what is wrong and what the clerk can do."""
    code = error.code
    if code in _SERVICE_CODES:
        return DeviceUnavailable(service_down_message(), device="smartcard")
    if code in _READER_GONE_CODES:
        return DeviceUnavailable(NO_READER_MESSAGE, device="smartcard")
    if code in _NO_CARD_CODES:
        return NoCardInserted(CARD_REMOVED_MESSAGE) if during_read else NoCardInserted()
    if code in _INTERRUPTED_CODES and during_read:
        return CardCommandFailed(CARD_INTERRUPTED_MESSAGE, status=0)
    if code in _BAD_CARD_CODES:
        return CardCommandFailed(CARD_UNRESPONSIVE_MESSAGE, status=0)
    return DeviceUnavailable(READER_FAILED_MESSAGE, device="smartcard")


def list_readers() -> list[str]:
    """Names of the PC/SC readers connected now (for the doctor); [] when there are none.

    Raises DeviceUnavailable with a Chinese message when the smart-card service is not running.
    """
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        _check(hresult, "SCardEstablishContext")
    except _PcscError as exc:
        # debug only: the DeviceManager retries create() at every poll while the service is down
        log.debug("PC/SC: no smart-card service: %s (%s)", exc, _describe(exc.code))
        raise _user_error(exc) from None
    try:
        hresult, names = scard.SCardListReaders(context, [])
        if _code(hresult) == _NO_READERS:
            return []
        _check(hresult, "SCardListReaders")
        return [str(name) for name in names]
    except _PcscError as exc:
        log.warning("PC/SC: listing readers failed: %s (%s)", exc, _describe(exc.code))
        raise _user_error(exc) from None
    finally:
        scard.SCardReleaseContext(context)


class PcscSmartCardReader:
    """A PC/SC reader slot (PC/SC 读卡器), chosen by name.

    ``reader_filter`` is a case-insensitive part of the reader name ("ACS", "Virtual PCD 00 00");
    "" takes the first reader PC/SC lists. Readers are looked up on every call, so a re-plugged
    reader is found again even when its name gets a new index. Use from one thread only.
    """

    def __init__(
        self,
        reader_filter: str = "",
        *,
        presence_interval_s: float = PRESENCE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reader_filter = reader_filter
        self._presence_interval_s = presence_interval_s
        self._clock = clock
        self._context: Any = None
        self._last_probe_at: float | None = None
        self._last_probe: bool | DeviceUnavailable = False
        self._logged_failure: int | None = None

    # --- public API ---------------------------------------------------------------------------

    def is_present(self) -> bool:
        """True while a reader matching the filter is connected (and the service runs)."""
        try:
            self._with_context(self._reader_name)
        except DeviceUnavailable:
            return False
        return True

    def reader_name(self) -> str:
        """The full PC/SC name of the reader in use; DeviceUnavailable when there is none."""
        return self._with_context(self._reader_name)

    def card_present(self) -> bool:
        """True while a card is in the reader. Asks the reader at most every 0.3 s; sooner calls get
        the previous answer (or its error) again."""
        now = self._clock()
        if self._last_probe_at is None or now - self._last_probe_at >= self._presence_interval_s:
            try:
                self._last_probe = self._with_context(self._probe_card)
            except DeviceUnavailable as exc:
                self._last_probe = exc
            self._last_probe_at = now
        if isinstance(self._last_probe, DeviceUnavailable):
            raise self._last_probe
        return self._last_probe

    def read_card(self, timeout_s: float = 3.0) -> SmartCard:
        """Wait up to ``timeout_s`` for a card, then read ATR, chip serial and 社保 fields.

        Raises NoCardInserted (no card in time, or pulled out while reading), CardCommandFailed
        (the card refused a command) or DeviceUnavailable (no reader, no service).
        """
        deadline = self._clock() + max(timeout_s, 0.0)
        card = self._with_context(lambda: self._wait_and_read(deadline))
        # a fresh read makes the cached presence answer stale
        self._last_probe_at = None
        return card

    def close(self) -> None:
        self._release_context()

    # --- context handling ---------------------------------------------------------------------

    def _with_context(self, operation: Callable[[], T]) -> T:
        """Run ``operation``; on a PC/SC error release the context, retrying once when the error says
        the context went stale (service restarted) and the context was not new."""
        was_established = self._context is not None
        try:
            result = operation()
        except _PcscError as exc:
            self._release_context()
            if not (was_established and exc.code in _STALE_CONTEXT_CODES):
                raise self._failure(exc) from None
            log.info("PC/SC context went stale (%s); establishing a new one", _describe(exc.code))
            try:
                result = operation()
            except _PcscError as retry_exc:
                self._release_context()
                raise self._failure(retry_exc) from None
        if self._logged_failure is not None:
            log.info("PC/SC reader (filter %r) works again", self.reader_filter)
            self._logged_failure = None
        return result

    def _context_handle(self) -> Any:
        if self._context is None:
            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            _check(hresult, "SCardEstablishContext")
            self._context = context
        return self._context

    def _release_context(self) -> None:
        context, self._context = self._context, None
        if context is not None:
            # the result does not matter: after a service restart the old context is already gone
            scard.SCardReleaseContext(context)

    def _failure(self, error: _PcscError) -> DeviceUnavailable:
        """Log ``error`` (a lasting one once, as presence is polled often) and return the user's error."""
        level = logging.DEBUG if error.code == self._logged_failure else logging.WARNING
        self._logged_failure = error.code
        log.log(level, "PC/SC reader (filter %r): %s (%s)", self.reader_filter, error, _describe(error.code))
        return _user_error(error, during_read=error.operation in _CARD_OPERATIONS)

    # --- operations (raise _PcscError; run inside _with_context) ------------------------------

    def _reader_name(self) -> str:
        hresult, names = scard.SCardListReaders(self._context_handle(), [])
        if _code(hresult) == _NO_READERS:
            names = []
        else:
            _check(hresult, "SCardListReaders")
        wanted = self.reader_filter.casefold()
        for name in names:
            if wanted in str(name).casefold():
                return str(name)
        if names and wanted:
            raise DeviceUnavailable(
                f"未找到名称包含“{self.reader_filter}”的读卡器，请检查读卡器连接，"
                "或在设置中改正智能卡读卡器名称。",
                device="smartcard",
            )
        raise DeviceUnavailable(NO_READER_MESSAGE, device="smartcard")

    def _reader_state(self, reader: str, known_state: int, wait_ms: int) -> int:
        """The state of ``reader``, after waiting up to ``wait_ms`` for it to differ from ``known_state``."""
        hresult, states = scard.SCardGetStatusChange(self._context_handle(), wait_ms, [(reader, known_state)])
        if _code(hresult) == _TIMEOUT:
            return known_state
        _check(hresult, "SCardGetStatusChange")
        event_state = int(states[0][1])
        if event_state & (_STATE_UNKNOWN | _STATE_UNAVAILABLE):
            raise _PcscError("SCardGetStatusChange", _code(scard.SCARD_E_READER_UNAVAILABLE))
        return event_state & ~_STATE_CHANGED

    def _probe_card(self) -> bool:
        return _card_ready(self._reader_state(self._reader_name(), _STATE_UNAWARE, 0))

    def _wait_and_read(self, deadline: float) -> SmartCard:
        reader = self._reader_name()
        state = self._reader_state(reader, _STATE_UNAWARE, 0)
        interrupted: _PcscError | None = None
        while True:
            if _card_ready(state):
                try:
                    return self._read_inserted(reader)
                except _PcscError as exc:
                    if exc.code not in _CARD_CHANGED_CODES:
                        raise
                    # Swapped or pulled out while we talked to it; PC/SC reports the change a
                    # moment later, so wait for the reader's state to move on and try again.
                    log.info("PC/SC: the card changed during the read (%s); retrying", _describe(exc.code))
                    interrupted = exc
            remaining_ms = int((deadline - self._clock()) * 1000)
            if remaining_ms <= 0:
                if interrupted is not None:
                    raise interrupted
                if state & _STATE_MUTE:
                    raise CardCommandFailed(CARD_UNRESPONSIVE_MESSAGE, status=0)
                raise NoCardInserted()
            state = self._reader_state(reader, state, min(remaining_ms, _WAIT_SLICE_MS))

    def _read_inserted(self, reader: str) -> SmartCard:
        hresult, card, protocol = scard.SCardConnect(
            self._context_handle(),
            reader,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        _check(hresult, "SCardConnect")
        try:
            # a transaction keeps other programs from selecting other files between our commands
            _check(scard.SCardBeginTransaction(card), "SCardBeginTransaction")
            try:
                return self._dialogue(card, protocol)
            finally:
                scard.SCardEndTransaction(card, scard.SCARD_LEAVE_CARD)
        finally:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)

    def _dialogue(self, card: Any, protocol: Any) -> SmartCard:
        hresult, _reader, _state, _protocol, atr = scard.SCardStatus(card)
        _check(hresult, "SCardStatus")

        def transmit_raw(command: bytes) -> bytes:
            hresult, response = scard.SCardTransmit(card, protocol, list(command))
            _check(hresult, "SCardTransmit")
            return bytes(response)

        transmit = t0_transmit(transmit_raw)
        result = apdu.read_smart_card(bytes(atr), transmit)
        if result.chip_serial:
            return result
        # ID cards: the reader's UID is zero or refused, the chip serial comes from the card itself
        serial, status = apdu.split_response(transmit(GET_CHIP_SERIAL))
        if status != apdu.SW_OK or not serial:
            return result
        return dataclasses.replace(result, chip_serial=serial)


def t0_transmit(transmit: apdu.Transmit) -> apdu.Transmit:
    """Wrap ``transmit`` to finish T=0 exchanges: ``61 xx`` fetches xx more bytes with GET RESPONSE,
    ``6C xx`` repeats the command with the exact length xx (common on contact 社保卡)."""

    def exchange(command: bytes) -> bytes:
        response = transmit(command)
        collected = b""
        for _ in range(_MAX_T0_ROUNDS):
            if len(response) < 2:
                break
            sw1, sw2 = response[-2], response[-1]
            if sw1 == 0x6C and len(command) >= 5:
                response = transmit(command[:-1] + bytes([sw2]))
            elif sw1 == 0x61:
                collected += response[:-2]
                response = transmit(_GET_RESPONSE + bytes([sw2]))
            else:
                break
        return collected + response

    return exchange


def create(context: DriverContext) -> PcscSmartCardReader:
    """Factory for the DeviceManager (driver "pcsc"); option ``reader`` filters the reader name.

    Fails with the service message when pcscd/SCardSvr is not running, so the status bar says so;
    a missing reader is fine here and shows as "unplugged" until one is connected.
    """
    list_readers()
    return PcscSmartCardReader(context.options.get("reader", ""))
