"""Read ESC/POS byte streams back (for tests): split into commands, rebuild GS v 0 rasters.

Knows exactly the commands our printer code sends (ESC @, ESC d, ESC J, GS V, GS v 0, FS &, FS .,
DLE EOT, text and line feeds) and raises ValueError on anything else, so a stray byte in a job
fails the test instead of being skipped. ``StreamParser`` takes the stream in arbitrary chunks, as
a printer on a socket or serial line does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
_CONTROL = {ESC, GS, FS, DLE}


@dataclass(frozen=True)
class Command:
    """One command: ``kind`` is init, feed, cut, raster, status, chinese_on, chinese_off or text."""

    kind: str
    raw: bytes
    width_bytes: int = 0
    height: int = 0
    n: int = 0

    @property
    def raster_bits(self) -> bytes:
        return self.raw[8:] if self.kind == "raster" else b""


class StreamParser:
    """Incremental parser: ``feed(chunk)`` returns the commands completed by that chunk."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> bytes:
        """Bytes of an unfinished command at the end of the stream."""
        return bytes(self._buffer)

    def feed(self, chunk: bytes) -> list[Command]:
        self._buffer += chunk
        commands: list[Command] = []
        while self._buffer:
            parsed = _parse_one(bytes(self._buffer[:8]), self._buffer)
            if parsed is None:
                break
            command, length = parsed
            commands.append(command)
            del self._buffer[:length]
        return commands


def _parse_one(head: bytes, buffer: bytearray) -> tuple[Command, int] | None:
    """The command at the start of ``buffer`` and its length; None if it is not complete yet."""
    first = head[0]
    if first not in _CONTROL:
        end = 0
        while end < len(buffer) and buffer[end] not in _CONTROL:
            end += 1
        text = bytes(buffer[:end])
        bad = [b for b in text if b < 0x20 and b not in (0x0A, 0x0D)]
        if bad:
            raise ValueError(f"unexpected control byte 0x{bad[0]:02x} in text")
        if end == len(buffer):
            # A multi-byte GB18030 character may continue in the next chunk; text runs are
            # reported once a command follows them or at the end (see parse_stream).
            return None
        return Command("text", text), end
    if len(head) < 2:
        return None
    second = head[1]
    if first == ESC and second == ord("@"):
        return Command("init", head[:2]), 2
    if first == FS and second in (ord("&"), ord(".")):
        return Command("chinese_on" if second == ord("&") else "chinese_off", head[:2]), 2
    if first == ESC and second in (ord("d"), ord("J")):
        return (Command("feed", head[:3], n=head[2]), 3) if len(head) >= 3 else None
    if first == DLE and second == 0x04:
        if len(head) < 3:
            return None
        if head[2] not in (1, 2, 3, 4):
            raise ValueError(f"DLE EOT with n={head[2]}")
        return Command("status", head[:3], n=head[2]), 3
    if first == GS and second == ord("V"):
        if len(head) < 3:
            return None
        length = 4 if head[2] in (65, 66) else 3
        if head[2] not in (0, 1, 48, 49, 65, 66):
            raise ValueError(f"GS V with m={head[2]}")
        return (Command("cut", head[:length]), length) if len(head) >= length else None
    if first == GS and second == ord("v"):
        if len(head) < 8:
            return None
        if head[2] != ord("0"):
            raise ValueError("GS v is not followed by '0'")
        width_bytes = int.from_bytes(head[4:6], "little")
        height = int.from_bytes(head[6:8], "little")
        length = 8 + width_bytes * height
        if len(buffer) < length:
            return None
        return Command("raster", bytes(buffer[:length]), width_bytes=width_bytes, height=height), length
    raise ValueError(f"unknown command starting {head[:2].hex()}")


def parse_stream(data: bytes) -> list[Command]:
    """Every command in ``data``; ValueError for unknown bytes or a command cut off at the end."""
    parser = StreamParser()
    commands = parser.feed(data)
    rest = parser.pending
    if rest:
        if rest[0] in _CONTROL:
            raise ValueError(f"stream ends inside a command: {rest[:8].hex()}")
        commands.append(Command("text", rest))
    return commands


def raster_blocks(data: bytes) -> list[Command]:
    """The GS v 0 commands in ``data``, in order (their ``height`` is the fragment height)."""
    return [c for c in parse_stream(data) if c.kind == "raster"]


def _block_image(command: Command) -> np.ndarray:
    bits = np.frombuffer(command.raster_bits, dtype=np.uint8).reshape(command.height, command.width_bytes)
    ink = np.unpackbits(bits, axis=1).astype(bool)
    return np.where(ink, 0, 255).astype(np.uint8)


def decode_raster_stream(data: bytes) -> list[np.ndarray]:
    """The images printed by ``data``: each run of back-to-back GS v 0 blocks of one width is one
    image (0 = dot, 255 = paper), as it comes out on paper. Any other command ends the image, so a
    job of several rasters decodes as one strip equal to ``np.vstack(rasters)``."""
    images: list[np.ndarray] = []
    run: list[np.ndarray] = []
    for command in parse_stream(data):
        if command.kind == "raster":
            block = _block_image(command)
            if run and run[-1].shape[1] != block.shape[1]:
                images.append(np.vstack(run))
                run = []
            run.append(block)
        elif run:
            images.append(np.vstack(run))
            run = []
    if run:
        images.append(np.vstack(run))
    return images


def without_status_queries(data: bytes) -> bytes:
    """``data`` with the DLE EOT requests left out: what the printer is asked to print."""
    return b"".join(c.raw for c in parse_stream(data) if c.kind != "status")


def split_jobs(commands: Iterable[Command]) -> list[bytes]:
    """The printed bytes of each job, ending with its cut; status requests left out, and bytes
    after the last cut (an unfinished job) not included."""
    jobs: list[bytes] = []
    current: list[bytes] = []
    for command in commands:
        if command.kind == "status":
            continue
        current.append(command.raw)
        if command.kind == "cut":
            jobs.append(b"".join(current))
            current = []
    return jobs


def text_lines(data: bytes, encoding: str = "gb18030") -> list[str]:
    """The text printed in ``data``, split at line feeds (for text-mode tests)."""
    text = b"".join(c.raw for c in parse_stream(data) if c.kind == "text")
    return text.decode(encoding).split("\n")[:-1] if text else []
