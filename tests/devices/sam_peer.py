"""A fake ID-card SAM speaking GA/T 467 over a pty pair, for the serial driver's tests.

The driver opens ``link`` (a symlink to the pty's slave side, like a udev name); the peer answers
on the master side from its own thread. Attributes script its behaviour: a card or none, select
or read failures, a status code, slow or split answers, noise before every answer, and one-off
faults per command (bad checksum, truncated answer, no answer). ``unplug()`` closes the pty, so the
device node disappears; ``replug()`` makes a new pty behind the same symlink.
"""

from __future__ import annotations

import os
import select
import struct
import threading
import time
import tty
from collections import defaultdict, deque
from pathlib import Path
from typing import Literal

from devices.idcard import ga467
from devices.idcard.base import FrameError, IdCardData
from devices.idcard.cardtext import encode_card_text

Fault = Literal["corrupt", "truncate", "drop"]

DUMMY_PHOTO = bytes((i * 7 + 3) % 256 for i in range(1024))
#: 12 FF answer data: 05.01, then three little-endian numbers (idcard.md §1.5).
SAM_ID_DATA = bytes([5, 0, 1, 0]) + struct.pack("<III", 20190101, 123456, 1234567)
SAM_ID_TEXT = "05.01-20190101-000123456-001234567"


class SamPeer:
    def __init__(self, link: Path, card: IdCardData | None = None) -> None:
        self.link = link
        self.card = card
        self.status_sw3 = ga467.SW3_OK
        self.select_fails = False
        self.read_fails = False
        self.delay_s = 0.0
        self.split_chunk = 0  # >0: write answers in chunks of this size
        self.split_pause_s = 0.01
        self.garbage = b""  # written before every answer
        self.silent = False
        self.requests: list[tuple[float, int, int]] = []  # (monotonic time, cmd, para)
        self._faults: dict[tuple[int, int], deque[Fault]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._found = False
        self._selected = False
        self._master = -1
        self._slave = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.plug()

    # --- scripting ----------------------------------------------------------------------------

    def place_card(self, card: IdCardData) -> None:
        with self._lock:
            self.card = card

    def remove_card(self) -> None:
        with self._lock:
            self.card = None
            self._found = self._selected = False

    def fault(self, command: tuple[int, int], fault: Fault, times: int = 1) -> None:
        """Spoil the next ``times`` answers to ``command``."""
        with self._lock:
            self._faults[command].extend([fault] * times)

    def count(self, command: tuple[int, int]) -> int:
        with self._lock:
            return sum(1 for _, cmd, para in self.requests if (cmd, para) == command)

    def times(self, command: tuple[int, int]) -> list[float]:
        with self._lock:
            return [at for at, cmd, para in self.requests if (cmd, para) == command]

    # --- plug ---------------------------------------------------------------------------------

    def plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        # The peer keeps the slave open too, so the driver closing its handle never hangs up the pty.
        self._master, self._slave = master, slave
        tmp = self.link.with_name(self.link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.link)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="sam-peer", daemon=True)
        self._thread.start()

    def unplug(self) -> None:
        """Close the pty: its device node goes away and the symlink dangles, as after a USB unplug."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1
        with self._lock:
            self._found = self._selected = False

    def replug(self) -> None:
        self.plug()

    def close(self) -> None:
        if self._thread is not None:
            self.unplug()
        self.link.unlink(missing_ok=True)

    # --- serving ------------------------------------------------------------------------------

    def _serve(self) -> None:
        reader = ga467.FrameReader()
        master = self._master
        while not self._stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.02)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            for frame in reader.feed(chunk):
                self._handle(master, frame)

    def _handle(self, master: int, frame: bytes) -> None:
        try:
            cmd, para, _data = ga467.decode_request(frame)
        except FrameError:
            self._send(master, ga467.encode_response(ga467.SW3_CHECKSUM_ERROR))
            return
        with self._lock:
            self.requests.append((time.monotonic(), cmd, para))
            pending = self._faults[(cmd, para)]
            fault = pending.popleft() if pending else None
            answer = self._answer((cmd, para))
        if self.silent or fault == "drop":
            return
        if fault == "corrupt":
            answer = answer[:-1] + bytes([answer[-1] ^ 0xFF])
        elif fault == "truncate":
            answer = answer[: len(answer) // 2]
        if self.delay_s:
            time.sleep(self.delay_s)
        self._send(master, self.garbage + answer)

    def _answer(self, command: tuple[int, int]) -> bytes:
        """The answer frame for ``command``; called with the lock held."""
        if command in (ga467.STATUS, ga467.RESET):
            return ga467.encode_response(self.status_sw3)
        if command == ga467.READ_SAM_ID:
            return ga467.encode_response(ga467.SW3_OK, SAM_ID_DATA)
        if command == ga467.FIND:
            # A new find starts over: the card must be selected (authenticated) again before a read.
            self._found, self._selected = self.card is not None, False
            if not self._found:
                return ga467.encode_response(ga467.SW3_NO_CARD)
            return ga467.encode_response(ga467.SW3_FOUND, bytes(4))
        if command == ga467.SELECT:
            if self.select_fails or not self._found:
                return ga467.encode_response(ga467.SW3_SELECT_FAILED)
            self._selected = True
            return ga467.encode_response(ga467.SW3_OK, bytes(8))
        if command in (ga467.READ_BASE, ga467.READ_BASE_FP):
            # The SAM keeps the card authenticated after a read (idcard.md §1.6), so a resent read
            # works; a read without find/select first fails, as it does on a real SAM.
            if self.read_fails or not self._selected or self.card is None:
                return ga467.encode_response(ga467.SW3_READ_FAILED)
            text = encode_card_text(self.card)
            if command == ga467.READ_BASE:
                data = struct.pack(">HH", len(text), len(DUMMY_PHOTO)) + text + DUMMY_PHOTO
            else:
                data = struct.pack(">HHH", len(text), len(DUMMY_PHOTO), 0) + text + DUMMY_PHOTO
            return ga467.encode_response(ga467.SW3_OK, data)
        if command == ga467.READ_NEW_ADDRESS:
            return ga467.encode_response(ga467.SW3_NO_CONTENT)
        return ga467.encode_response(ga467.SW3_COMMAND_ERROR)

    def _send(self, master: int, data: bytes) -> None:
        size = self.split_chunk or len(data)
        for start in range(0, len(data), size):
            view = data[start : start + size]
            while view:
                try:
                    written = os.write(master, view)
                except OSError:
                    return
                view = view[written:]
            if self.split_chunk:
                time.sleep(self.split_pause_s)
