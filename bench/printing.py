"""Receipt printing: render + encode per receipt, and kiosk tap to last byte on the socket, against
python-escpos printing the same content as plain text.

1. Per receipt (the four counter receipts and the queue ticket, sample data, 80 mm / 576 dots):
   ours = ``render_receipt`` / ``render_ticket`` + ``encode_raster_job`` (the bytes sent), and our
   GB18030 text mode (``encode_text_job`` of the same lines); baseline = python-escpos 3.1 ``Dummy``
   printing the same paragraphs as plain text (``text()`` per line, native QR, ``cut()``), which
   is what a text-only client does. Bytes per receipt and their time on a 9600-baud link are shown too.
2. Kiosk tap to last byte: the kiosk's issue op (``ui.kiosk.operations.take_ticket``: printer status
   check on the device thread, ticket transaction, render, job over TCP) with the ``escpos`` driver
   pointed at a loopback printer peer (tests/devices/printer_peer.py), timed until the peer holds the
   whole job (its cut). Baseline: python-escpos ``Network`` to the same peer, the ticket's text + cut.

The ratios say what pixel-exact raster output (and, for the tap, the queue transaction and the
status check that stops a ticket from being issued into an empty printer) costs over plain text.

    python -m bench.printing [--repeat 30] [--taps 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

WIDTH = 576
BAUD = 9600


def _paragraph_lines(paras: Sequence[Any]) -> list[tuple[str, str]]:
    """(kind, text) per paragraph, the way a text-only receipt would print it."""
    out: list[tuple[str, str]] = []
    for p in paras:
        if p.kind == "rule":
            out.append(("text", "-" * 32))
        elif p.kind == "qr":
            out.append(("qr", p.text))
            out += [("text", line) for line in p.label.split("\n") if line]
        elif p.kind == "space":
            out.append(("text", ""))
        else:
            out.append(("text", f"{p.label}{p.text}"))
    return out


def _text_lines(lines: list[tuple[str, str]]) -> list[str]:
    return [text if kind == "text" else f"[二维码] {text}" for kind, text in lines]


def _escpos_plain(printer: Any, lines: list[tuple[str, str]]) -> None:
    printer.hw("INIT")
    for kind, text in lines:
        if kind == "qr":
            printer.qr(text, native=True)
        else:
            printer.text(text + "\n")
    printer.cut()


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: font loading, caches
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def per_receipt(repeat: int) -> list[str]:
    from app.cli import print_templates, render_sample, sample_slip
    from app.documents import sample_data, template_for
    from app.documents.content import paragraphs
    from app.documents.ticket import ticket_paragraphs
    from devices.printer.escpos_printer import encode_raster_job, load_escpos
    from devices.printer.escpos_text import encode_text_job

    escpos = load_escpos()
    rows = [
        f"render + encode per receipt, {WIDTH} dots, median of {repeat}; bytes per receipt, seconds at {BAUD} Bd",
        f"{'raster ms':>10}{'text ms':>9}{'escpos ms':>10}{'ratio':>7}"
        f"{'raster B':>10}{'text B':>8}{'escpos B':>9}{'raster s':>10}  template",
    ]
    ratios = []
    for template in (t for t in print_templates() if t.medium == "thermal"):
        if template.name == "ticket":
            paras = ticket_paragraphs(sample_slip())
        else:
            paras = paragraphs(sample_data(template.label), template_for(template.label))
        lines = _paragraph_lines(paras)

        def ours(template: Any = template) -> bytes:
            return encode_raster_job(render_sample(template, width_dots=WIDTH))

        def text_mode(lines: list[tuple[str, str]] = lines) -> bytes:
            return encode_text_job(_text_lines(lines), WIDTH)

        def plain(lines: list[tuple[str, str]] = lines) -> bytes:
            dummy = escpos.Dummy()
            _escpos_plain(dummy, lines)
            return bytes(dummy.output)

        raster_ms, text_ms, plain_ms = (_median_ms(f, repeat) for f in (ours, text_mode, plain))
        raster_b, text_b, plain_b = len(ours()), len(text_mode()), len(plain())
        ratios.append(raster_ms / plain_ms)
        rows.append(
            f"{raster_ms:10.2f}{text_ms:9.2f}{plain_ms:10.3f}{raster_ms / plain_ms:7.0f}"
            f"{raster_b:10d}{text_b:8d}{plain_b:9d}{raster_b * 10 / BAUD:10.1f}  {template.label}"
        )
    rows.append(
        f"ratio raster render+encode / python-escpos text (median over templates): {statistics.median(ratios):.0f}"
    )
    return rows


class _Sink:
    """A loopback TCP printer that only reads: counts connections read to their end (EOF).

    The baseline's python-escpos ``text()`` sends code-page switches (ESC t) and native QR
    (GS ( k) that the scripted printer peer's strict parser refuses, so it prints here instead.
    """

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self.finished = 0
        self._done = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with conn:
                while conn.recv(65536):
                    pass
            with self._done:
                self.finished += 1
                self._done.notify_all()

    def wait(self, count: int, timeout_s: float = 10.0) -> None:
        with self._done:
            if not self._done.wait_for(lambda: self.finished >= count, timeout=timeout_s):
                raise TimeoutError(f"the sink finished {self.finished} jobs, expected {count}")

    def close(self) -> None:
        self._server.close()
        self._thread.join(timeout=5)


def _wait_jobs(peer: Any, count: int, timeout_s: float = 10.0) -> None:
    end = time.perf_counter() + timeout_s
    while len(peer.jobs()) < count:
        if time.perf_counter() > end:
            raise TimeoutError(f"the printer peer got {len(peer.jobs())} jobs, expected {count}")
        time.sleep(0.0005)


def kiosk_tap(taps: int) -> list[str]:
    home = Path(tempfile.mkdtemp(prefix="yc-bench-print-"))
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text('[storage]\nkey_source = "file"\n')
    os.environ["YICHUANG_HOME"] = str(home)

    from app.config import load_config
    from app.context import open_context
    from app.demo.loader import load_demo
    from app.documents.ticket import slip_for, ticket_paragraphs
    from app.services import queue
    from devices.manager import DeviceManager
    from devices.printer.escpos_printer import load_escpos
    from tests.devices.printer_peer import PrinterPeer
    from ui.kiosk.operations import take_ticket

    escpos = load_escpos()
    ctx = open_context(load_config())
    station = ctx.config.get_str("station.name")
    with ctx.db.session() as s:
        load_demo(s, station_code=ctx.station_code, station_name=station)
        queue.ensure_default_categories(s, ctx.station_code)
    ours: list[float] = []  # seconds per tap
    plain: list[float] = []
    sink = _Sink()
    with PrinterPeer() as peer:
        uri = f"tcp://127.0.0.1:{peer.port}"
        devices = DeviceManager(
            {"printer": "escpos"}, work_dir=ctx.work_dir, options={"printer": {"uri": uri, "paper_mm": "80"}}
        )
        devices.start()
        try:
            for tap in range(taps + 1):  # the first tap warms up (escpos import, fonts)
                before = len(peer.jobs())
                t = time.perf_counter()
                outcome = take_ticket(ctx, devices, "A", "normal", station_name=station).run()
                _wait_jobs(peer, before + 1)
                elapsed = time.perf_counter() - t
                if outcome.issued is None or outcome.print_error:
                    raise RuntimeError(f"kiosk did not print: {outcome.printer.state} {outcome.print_error}")
                lines = _paragraph_lines(ticket_paragraphs(slip_for(outcome.issued, station)))
                t_plain = time.perf_counter()
                printer = escpos.Network("127.0.0.1", port=sink.port, timeout=5)
                _escpos_plain(printer, lines)
                printer.close()
                sink.wait(tap + 1)
                plain_elapsed = time.perf_counter() - t_plain
                if tap:
                    ours.append(elapsed)
                    plain.append(plain_elapsed)
        finally:
            devices.stop()
            ctx.close()
            sink.close()
            shutil.rmtree(home, ignore_errors=True)
    o, p = statistics.median(ours) * 1000, statistics.median(plain) * 1000
    return [
        f"kiosk tap to last byte on the socket (tcp loopback peer), median of {taps}",
        f"{'python-escpos Network, text + cut':40s}{p:9.1f} ms",
        f"{'kiosk take_ticket (status, DB, raster)':40s}{o:9.1f} ms   ratio {o / p:6.1f}",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.printing", description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=30, help="timed renders per template (default 30)")
    ap.add_argument("--taps", type=int, default=20, help="timed kiosk taps (default 20)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    for line in per_receipt(args.repeat):
        print(line)
    print()
    for line in kiosk_tap(args.taps):
        print(line)
    print(f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
