"""The card-reading sequence (读卡流程) of a GA/T 467 SAM, independent of how frames travel.

Serial and USB drivers give a ``SamSession`` one function, ``exchange(request, timeout_s)``, that
sends a request frame and returns one answer frame (raising TimeoutError when none comes, or
FrameError for a broken one). The session does the rest (shared/reference/idcard.md §1.6):
find (9F) → select (90) → read base info (90), waiting for a card until the caller's timeout,
one resend on a garbled or missing answer, and SW3 codes turned into Chinese messages.

Timing: ``read_card(timeout_s)`` returns or raises within ``timeout_s`` plus at most
``MAX_OVERRUN_S``: a card found just before the deadline still gets its select and read.
Nothing read from the card is logged; log lines name commands and status codes only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

from app.errors import DeviceUnavailable
from devices.idcard import ga467
from devices.idcard.base import CardReadFailed, FrameError, IdCardData
from devices.idcard.cardtext import decode_card_text
from devices.idcard.photo import WltDecoder, decode_photo

log = logging.getLogger(__name__)

Exchange = Callable[[bytes, float], bytes]

#: Longest wait for one answer, per command (public code uses 100–1000 ms for find/select, 2–3 s to read).
STATUS_TIMEOUT_S: Final = 1.0
FIND_TIMEOUT_S: Final = 1.0
SELECT_TIMEOUT_S: Final = 1.0
READ_TIMEOUT_S: Final = 3.0
#: Shortest wait granted to a step when the deadline is (nearly) reached, and to the read of a found card.
MIN_STEP_S: Final = 0.2
MIN_READ_S: Final = 1.0
#: Pause between find attempts while waiting for a card (vendors: no faster than every 300 ms).
FIND_INTERVAL_S: Final = 0.3
#: How far past its timeout ``read_card`` may return: the pause before its first find, then a find,
#: a select and a read, each tried twice at its floor, when the card turns up right at the deadline.
MAX_OVERRUN_S: Final = FIND_INTERVAL_S + 4 * MIN_STEP_S + 2 * MIN_READ_S

_GARBLED = "与身份证阅读器通信时数据出错，请取下证件重新放置后再试；多次出现请检查数据线。"
_NO_ANSWER = "身份证阅读器没有应答，请检查阅读器的数据线和电源后重试。"


class SamSession:
    """Speaks GA/T 467 to one SAM through ``exchange``. Use from one thread (the device thread)."""

    def __init__(
        self,
        exchange: Exchange,
        *,
        photo_decoder: WltDecoder | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._exchange = exchange
        self._photo_decoder = photo_decoder
        self._clock = clock
        self._sleep = sleep
        self._last_find_at: float | None = None

    def command(
        self,
        pair: tuple[int, int],
        timeout_s: float,
        data: bytes = b"",
        *,
        deadline: float | None = None,
        floor_s: float = MIN_STEP_S,
    ) -> ga467.SamResponse:
        """Send one command and decode its answer, resending once on a garbled or missing answer.

        With ``deadline`` each attempt waits ``timeout_s`` at most but not past the deadline (and at
        least ``floor_s``). Raises CardReadFailed for a garbled answer, DeviceUnavailable for none.
        """
        cmd, para = pair
        request = ga467.encode_request(cmd, para, data)
        garbled = False
        for attempt in (1, 2):
            wait = timeout_s if deadline is None else self._step(deadline, timeout_s, floor_s)
            try:
                response = ga467.decode_response(self._exchange(request, wait))
            except FrameError as exc:
                garbled = True
                log.warning(
                    "SAM command %02X %02X: bad answer frame (%s), attempt %d", cmd, para, exc, attempt
                )
            except TimeoutError:
                garbled = False
                log.warning(
                    "SAM command %02X %02X: no answer within %.2f s, attempt %d", cmd, para, wait, attempt
                )
            else:
                log.debug("SAM command %02X %02X: SW3 %02X", cmd, para, response.sw3)
                return response
        if garbled:
            raise CardReadFailed(_GARBLED)
        raise DeviceUnavailable(_NO_ANSWER, device="idcard")

    def status(self) -> ga467.SamResponse:
        """The SAM status answer (SW3 0x90 when the SAM is ready)."""
        return self.command(ga467.STATUS, STATUS_TIMEOUT_S)

    def health_problem(self) -> str | None:
        """None when the SAM answers its status check with 0x90, else a Chinese message saying what to do."""
        try:
            response = self.status()
        except DeviceUnavailable as exc:
            return str(exc)
        return None if response.sw3 == ga467.SW3_OK else ga467.status_message(response.sw3)

    def sam_id(self) -> str:
        """The SAM number ("05.01-20190101-000123456-001234567"), as printed on the reader's label."""
        response = self.command(ga467.READ_SAM_ID, STATUS_TIMEOUT_S)
        if response.sw3 != ga467.SW3_OK:
            raise ga467.status_error(response.sw3)
        try:
            return ga467.format_sam_id(response.data)
        except FrameError:
            raise CardReadFailed(_GARBLED) from None

    def card_present(self) -> bool:
        """One find-card command: True for 9F, False for 80; other codes raise their status error."""
        response = self._find(None)
        if response.sw3 == ga467.SW3_FOUND:
            return True
        if response.sw3 == ga467.SW3_NO_CARD:
            return False
        raise ga467.status_error(response.sw3)

    def read_card(self, timeout_s: float = 3.0) -> IdCardData:
        """Wait up to ``timeout_s`` for a card, then select and read it (find/select again every time).

        NoCardPresent when none arrives in time; CardReadFailed (with the SAM's reason) when the
        card cannot be selected before the deadline or its read fails; CardDataInvalid when the text
        does not hold together. A read failure is not retried: the SAM wants the card placed again.
        """
        deadline = self._clock() + max(timeout_s, 0.0)
        while True:
            last = self._try_find_and_select(deadline)
            if last is None:
                response = self.command(
                    ga467.READ_BASE, READ_TIMEOUT_S, deadline=deadline, floor_s=MIN_READ_S
                )
                if response.sw3 != ga467.SW3_OK:
                    raise ga467.status_error(response.sw3)
                return self._card(response.data)
            if deadline - self._clock() < FIND_INTERVAL_S:
                raise ga467.status_error(last)  # no room for another find at the polling pace

    def _try_find_and_select(self, deadline: float) -> int | None:
        """None when a card is found and selected; the SW3 worth waiting on (80 or 81) otherwise."""
        found = self._find(deadline)
        if found.sw3 == ga467.SW3_NO_CARD:
            return found.sw3
        if found.sw3 != ga467.SW3_FOUND:
            raise ga467.status_error(found.sw3)
        selected = self.command(ga467.SELECT, SELECT_TIMEOUT_S, deadline=deadline)
        if selected.sw3 == ga467.SW3_OK:
            return None
        if selected.sw3 == ga467.SW3_SELECT_FAILED:
            return selected.sw3  # often a card still sliding into the field: try again until the deadline
        raise ga467.status_error(selected.sw3)

    def _find(self, deadline: float | None) -> ga467.SamResponse:
        """A find-card command, sent no sooner than FIND_INTERVAL_S after the previous one."""
        if self._last_find_at is not None:
            wait = self._last_find_at + FIND_INTERVAL_S - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_find_at = self._clock()
        return self.command(ga467.FIND, FIND_TIMEOUT_S, deadline=deadline)

    def _card(self, data: bytes) -> IdCardData:
        try:
            text, wlt, _fingerprint = ga467.split_base_info(data)
        except FrameError:
            log.warning("SAM base-info answer has inconsistent lengths")
            raise CardReadFailed(_GARBLED) from None
        return decode_card_text(text, photo_wlt=wlt, photo=decode_photo(self._photo_decoder, wlt))

    def _step(self, deadline: float, limit: float, floor: float) -> float:
        return min(limit, max(deadline - self._clock(), floor))
