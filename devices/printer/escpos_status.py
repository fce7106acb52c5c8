"""Real-time status replies (实时状态, DLE EOT n) of ESC/POS printers, parsed by us.

python-escpos 3.1 reports "paper OK" when the printer does not answer (printing.md §4.1), so the
replies are read and parsed here and a missing or malformed reply counts as *unknown*, never as
fine. Bit meanings follow the Epson/Citizen tables in printing.md §4.2.
"""

from __future__ import annotations

from typing import Final, Literal

from devices.printer.base import PrinterStatus

StatusFlag = Literal[
    "offline",
    "cover_open",
    "feed_button",
    "paper_stop",
    "error",
    "cutter_error",
    "unrecoverable_error",
    "auto_recoverable_error",
    "paper_near_end",
    "paper_out",
]

#: DLE EOT n, the real-time status request for n = 1 … 4.
DLE_EOT: Final = b"\x10\x04"

# Every reply byte has the fixed pattern 0xx1xx10: bits 1 and 4 set, bits 0 and 7 clear.
_FIXED_MASK: Final = 0b1001_0011
_FIXED_BITS: Final = 0b0001_0010

_BITS: Final[dict[int, tuple[tuple[int, StatusFlag], ...]]] = {
    1: ((0x08, "offline"),),
    2: ((0x04, "cover_open"), (0x08, "feed_button"), (0x20, "paper_stop"), (0x40, "error")),
    3: ((0x08, "cutter_error"), (0x20, "unrecoverable_error"), (0x40, "auto_recoverable_error")),
    # Near end and paper end each use two bits (sensor and its copy); either one counts.
    4: ((0x0C, "paper_near_end"), (0x60, "paper_out")),
}


def status_request(n: int) -> bytes:
    """The bytes that ask for status ``n`` (1 printer, 2 offline cause, 3 error cause, 4 paper)."""
    if n not in _BITS:
        raise ValueError(f"DLE EOT n must be 1 to 4, got {n}")
    return DLE_EOT + bytes([n])


def parse_dle_eot(n: int, reply: bytes | None) -> frozenset[StatusFlag] | None:
    """The flags a DLE EOT ``n`` reply sets; None when there is no valid reply (unknown).

    A reply may carry stale bytes in front of the answer; the last byte that has the fixed status
    pattern is the answer. Bytes without that pattern (noise, an ASB block) are not status.
    """
    if n not in _BITS:
        raise ValueError(f"DLE EOT n must be 1 to 4, got {n}")
    if not reply:
        return None
    for value in reversed(reply):
        if value & _FIXED_MASK == _FIXED_BITS:
            return frozenset(flag for mask, flag in _BITS[n] if value & mask)
    return None


def status_from_replies(r1: bytes | None, r2: bytes | None, r4: bytes | None) -> PrinterStatus:
    """A PrinterStatus from the replies to DLE EOT 1, 2 and 4 (None = no reply).

    No reply to DLE EOT 1 means the printer cannot be reached: offline. A printer goes offline by
    itself when its cover opens or its paper runs out; then it stays "online" here so that the
    status names the cause the clerk can fix (CoverOpen, PaperOut) rather than a bare offline.
    A missing reply to 2 or 4 leaves that cause unknown, not reported.
    """
    printer = parse_dle_eot(1, r1)
    if printer is None:
        return PrinterStatus(online=False, paper_ok=True, paper_near_end=False, cover_open=False)
    cause = parse_dle_eot(2, r2) or frozenset()
    paper = parse_dle_eot(4, r4) or frozenset()
    cover_open = "cover_open" in cause
    paper_out = "paper_out" in paper or "paper_stop" in cause
    explained = cover_open or paper_out
    online = explained or ("offline" not in printer and "error" not in cause)
    return PrinterStatus(
        online=online,
        paper_ok=not paper_out,
        paper_near_end="paper_near_end" in paper and not paper_out,
        cover_open=cover_open,
    )
