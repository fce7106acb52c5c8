"""Outbox drain over a shaped 2 Mbit/s link against a raw curl upload of the same bytes; resume after a cut.

Everything runs inside a private network namespace (bench/netns.py: ``yc-bench``, loopback up with
MTU 1500, ``tc qdisc add dev lo root tbf rate 2mbit burst 32kbit latency 400ms``), so client,
server and curl share one slow link and nothing else touches it. The namespace is removed at the
end, also after Ctrl+C or an error.

- Station: a temporary SQLite station database with ``--cases`` cases of ``--pages`` pages each,
  every case received, its pages scanned and accepted (two outbox events per case), as a village
  station has them after a day offline. Pages are real JPEGs: ``--variants`` A4 forms from the
  tests' generator (tests/imaging/synth.py, as a flatbed scan) fitted with
  app.imaging.output.fit_page to the default jpg-90k profile (≈ 88–90 KB each, the cap fills up);
  each page is one of them made unique by a JPEG comment segment (COM) naming the case and page,
  so every page is a distinct blob with realistic size and entropy. Rendering all 1,000 would
  take ~7 min on 2 cores and change nothing on the wire.
- Ours: the reference platform (``yichuang platform serve``, SQLite) and the sync engine
  (sync/engine.py, default 1 MiB chunks) drain the outbox through the link: blob create + PATCH
  per page, PUT per event, submit per case. Wall time from the first round to an empty outbox.
- Baseline, same run, same link: ``curl -T`` uploads one file holding the same page bytes,
  concatenated, in a single PUT to a minimal HTTP sink in the namespace (the platform caps a blob
  at 50 MB and a chunk at 1 MiB, so it cannot take one request of that size).
- Goodput = page bytes / wall time; ratio = ours / curl (goal ≥ 0.9). Wire bytes are loopback's
  device counter (both directions, TCP/IP headers included).
- Cut: a ``--cut-mib`` blob is uploaded once uncut, then a second one of the same size is cut in
  the middle of a chunk: the link drops every packet (``pfifo limit 0``) and both ends of the
  connection are aborted (``ss -K``), for ``--outage-s`` seconds, then the tbf link comes back.
  Re-sent = chunk bytes offered beyond the blob size, and extra wire bytes against the uncut
  upload (goal ≤ one chunk).

Nothing is asserted; the table says what was measured. Needs root, iproute2 and curl.

    python -m bench.sync [--cases 200] [--pages 5] [--rate 2mbit] [--cut-mib 4] [--outage-s 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.case_states import CaseAction
from app.imaging.output import fit_page
from app.imaging.profiles import PROFILES
from app.model import Case
from app.services.case_flow import open_case, transition
from app.services.materials import add_page
from app.storage import crypto
from app.storage.blobs import BlobStore
from app.storage.db import Database, upgrade
from bench import netns
from sync import protocol
from sync.blobs_upload import upload_blob
from sync.client import ClientSettings, PlatformClient, PlatformError
from sync.engine import SyncEngine
from sync.platform.blobs import blob_digest
from sync.platform.core import database_url_for
from sync.platform.models import Blob, PlatformCase
from tests.imaging import synth
from tests.sync.test_engine import CLERK, ITEM, STATION, seed_station

PLATFORM_PORT = 8710
SINK_PORT = 8711
HOST = "127.0.0.1"
PROFILE = "jpg-90k"
MIB = 1024 * 1024
#: Events sent per engine call between progress lines.
PROGRESS_EVENTS = 40
#: Rounds after which a drain that does not empty is abandoned (reported, not hung on).
MAX_ROUNDS = 500


def log(message: str) -> None:
    print(f"  … {message}", flush=True)


# --- Pages and the station ----------------------------------------------------------------------


def render_pages(variants: int) -> list[bytes]:
    """``variants`` distinct A4 scans fitted to the default page profile, as JPEG bytes."""
    profile = PROFILES[PROFILE]
    out = []
    for seed in range(variants):
        doc = synth.a4_document(seed, seal=seed % 2 == 0, width=1654)
        scan = synth.scanner_page(doc, angle_deg=0.0, seed=seed, noise=1.0 + seed % 3)
        out.append(fit_page(scan, profile).data)
    return out


def unique_jpeg(base: bytes, tag: str) -> bytes:
    """``base`` with a comment segment (COM) after SOI: a valid JPEG with its own sha256."""
    text = tag.encode("ascii")
    return base[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + base[2:]


@dataclass
class Station:
    db: Database
    blobs: BlobStore
    cases: dict[str, list[str]]  # case uuid -> page hashes
    page_bytes: int
    pages: int
    payload_file: Path  # the same page bytes, concatenated, for curl


def build_station(root: Path, cases: int, pages: int, variants: list[bytes]) -> Station:
    cipher = crypto.FieldCipher(secrets.token_bytes(32))
    crypto.set_active_cipher(cipher)
    db = Database(f"sqlite:///{root / 'station.sqlite3'}")
    upgrade(db)
    seed_station(db)
    blobs = BlobStore(root / "blobs", cipher)
    made: dict[str, list[str]] = {}
    total = count = 0
    payload_file = root / "payload.bin"
    with payload_file.open("wb") as payload:
        for c in range(cases):
            with db.session() as s:
                view = open_case(s, CLERK, station_code=STATION, item_impl_code=ITEM)
                case = s.get(Case, view.id)
                assert case is not None
                hashes = []
                for p in range(pages):
                    data = unique_jpeg(
                        variants[(c * pages + p) % len(variants)], f"yc-bench case {c} page {p}"
                    )
                    add_page(
                        s, blobs, CLERK, case.materials[p % len(case.materials)].id, data, source="scanner"
                    )
                    hashes.append(hashlib.sha256(data).hexdigest())
                    payload.write(data)
                    total += len(data)
                    count += 1
                transition(s, view.id, CaseAction.ACCEPT, CLERK)
            made[view.uuid] = hashes
    return Station(db, blobs, made, total, count, payload_file)


# --- Servers in the namespace -------------------------------------------------------------------


def yichuang() -> str:
    script = Path(sys.executable).with_name("yichuang")
    return str(script) if script.is_file() else "yichuang"


@contextmanager
def platform(data_dir: Path) -> Iterator[tuple[str, str]]:
    """The reference platform on HOST:PLATFORM_PORT; yields (base URL, a one-time enrollment code)."""
    data_dir.mkdir(parents=True)
    code = subprocess.run(
        [yichuang(), "platform", "codes", "--new", "1", "--data-dir", str(data_dir)],
        check=True, capture_output=True, text=True,
    ).stdout.split()[0]  # fmt: skip
    log_file = (data_dir / "serve.log").open("wb")
    proc = subprocess.Popen(
        [yichuang(), "platform", "serve", "--host", HOST, "--port", str(PLATFORM_PORT),
         "--data-dir", str(data_dir), "--admin-token", secrets.token_urlsafe(12)],
        stdout=log_file, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://{HOST}:{PLATFORM_PORT}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + protocol.PATH_META, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the reference platform did not start; see {data_dir / 'serve.log'}")
            time.sleep(0.2)
        yield base, code
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_file.close()


class _Sink(BaseHTTPRequestHandler):
    """Reads a request body to the end and throws it away: the far end of the curl baseline."""

    protocol_version = "HTTP/1.1"
    received = 0

    def do_PUT(self) -> None:
        left = int(self.headers.get("Content-Length", "0"))
        while left > 0:
            piece = self.rfile.read(min(left, 65536))
            if not piece:
                break
            left -= len(piece)
            type(self).received += len(piece)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def sink() -> Iterator[str]:
    server = ThreadingHTTPServer((HOST, SINK_PORT), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="sink")
    thread.start()
    try:
        yield f"http://{HOST}:{SINK_PORT}/upload"
    finally:
        server.shutdown()
        server.server_close()


# --- Measurements -------------------------------------------------------------------------------


@dataclass
class Transfer:
    label: str
    payload: int
    wall_s: float
    wire: int
    requests: int
    note: str = ""

    @property
    def goodput_bps(self) -> float:
        return self.payload * 8 / self.wall_s if self.wall_s > 0 else 0.0


def measure_curl(ns: str, url: str, payload_file: Path) -> Transfer:
    size = payload_file.stat().st_size
    before = netns.sent_bytes(ns)
    t = time.perf_counter()
    out = subprocess.run(
        ["curl", "-sS", "-T", str(payload_file), "-H", "Expect:", "-o", "/dev/null",
         "-w", "%{http_code} %{size_upload} %{time_total}", url],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    wall = time.perf_counter() - t
    wire = netns.sent_bytes(ns) - before
    status, uploaded = out[0], int(float(out[1]))
    note = f"HTTP {status}, {uploaded:,} bytes uploaded, curl's own time {float(out[2]):.1f} s"
    if uploaded != size or _Sink.received < size:
        note += f"  INCOMPLETE (file {size:,}, sink got {_Sink.received:,})"
    return Transfer("curl -T, one PUT", size, wall, wire, 1, note)


def measure_drain(ns: str, station: Station, client: PlatformClient) -> Transfer:
    engine = SyncEngine(station.db, client, station.blobs, station_code=STATION, node_id="bench")
    events = 2 * len(station.cases)
    before = netns.sent_bytes(ns)
    requests_before = client.counters.requests
    sent = failed = rounds = 0
    t = time.perf_counter()
    last_log = t
    while rounds < MAX_ROUNDS:
        rounds += 1
        report = engine.run_once(max_events=PROGRESS_EVENTS)
        sent, failed = sent + report.sent, failed + report.failed
        if time.perf_counter() - last_log > 20:
            last_log = time.perf_counter()
            log(f"drain: {sent}/{events} events sent after {last_log - t:.0f} s")
        if engine.next_due_in() is None:
            break
        if not report.link_ok or report.failed:
            engine.link_restored()  # what the runner does when the link answers again
    wall = time.perf_counter() - t
    wire = netns.sent_bytes(ns) - before
    note = f"{sent} events sent, {failed} failed tries, {rounds} engine calls"
    requests = client.counters.requests - requests_before
    return Transfer("outbox drain (engine)", station.page_bytes, wall, wire, requests, note)


def verify(platform_dir: Path, station: Station) -> str:
    """What arrived on the platform: cases once and submitted once, pages byte-identical."""
    engine = create_engine(database_url_for(platform_dir))
    try:
        with Session(engine) as s:
            rows = {r.uuid: r for r in s.execute(select(PlatformCase)).scalars()}
            once = sum(
                1
                for u, hashes in station.cases.items()
                if u in rows
                and rows[u].state == "submitted"
                and rows[u].submit_count == 1
                and sorted(rows[u].page_hashes) == sorted(hashes)
            )
            wanted = {h for hashes in station.cases.values() for h in hashes}
            complete = set(
                s.execute(
                    select(Blob.sha256).where(Blob.sha256.in_(wanted), Blob.complete.is_(True))
                ).scalars()
            )
            identical = sum(1 for h in complete if blob_digest(s, h) == h)
    finally:
        engine.dispose()
    extra = len(rows) - once
    return (f"{once}/{len(station.cases)} cases on the platform once, submitted once; "
            f"{identical}/{len(wanted)} pages complete and byte-identical"
            + (f"; {extra} other or incomplete case rows" if extra else ""))  # fmt: skip


class _CountingClient(PlatformClient):
    """Counts chunk bytes offered to the platform and the offsets it reported back (with when)."""

    def __init__(self, settings: ClientSettings, *, token: str | None) -> None:
        super().__init__(settings, token=token)
        self.patch_bytes = 0
        self.offsets: list[tuple[float, int]] = []

    def blob_patch(self, sha256: str, offset: int, chunk: bytes) -> int:
        self.patch_bytes += len(chunk)
        return super().blob_patch(sha256, offset, chunk)

    def blob_offset(self, sha256: str) -> int | None:
        offset = super().blob_offset(sha256)
        if offset is not None:
            self.offsets.append((time.perf_counter(), offset))
        return offset


@dataclass
class CutResult:
    size: int
    chunk: int
    clean_wall_s: float
    clean_wire: int
    cut_wall_s: float
    cut_wire: int
    cut_at_wire: int
    offered: int
    resumed_at: list[int] = field(default_factory=list)
    failures: int = 0
    resumed_after_s: float = -1.0  # from the link's return to the platform's first offset answer
    complete: bool = False


def _upload(client: PlatformClient, data: bytes, chunk: int, link_up: threading.Event) -> int:
    """Upload until complete; after an ``offline`` failure wait for the link, as the runner does."""
    sha = hashlib.sha256(data).hexdigest()
    failures = 0
    while True:
        try:
            upload_blob(client, sha, len(data), lambda: data, chunk_bytes=chunk)
            return failures
        except PlatformError as exc:
            failures += 1
            if exc.kind not in ("offline", "server") or failures > 20:
                raise
            link_up.wait(60)
            time.sleep(0.2)


def measure_cut(
    ns: str, base: str, token: str, *, size: int, chunk: int, outage_s: float, rate: str, rng: random.Random
) -> CutResult:
    settings = ClientSettings(base_url=base)
    up = threading.Event()
    up.set()
    with PlatformClient(settings, token=token) as clean:
        data = rng.randbytes(size)
        before = netns.sent_bytes(ns)
        t = time.perf_counter()
        _upload(clean, data, chunk, up)
        clean_wall, clean_wire = time.perf_counter() - t, netns.sent_bytes(ns) - before
    # Mid-chunk: half a chunk into the middle chunk, counted on the wire.
    trigger = (size // chunk // 2) * chunk + chunk // 2
    data = rng.randbytes(size)
    cut_at = 0
    restored_at = 0.0
    stop = threading.Event()

    def cutter() -> None:
        nonlocal cut_at, restored_at
        start = netns.sent_bytes(ns)
        while not stop.is_set():
            now = netns.sent_bytes(ns) - start
            if now >= trigger:
                netns.blackhole(ns)
                up.clear()
                netns.kill_connections(ns, PLATFORM_PORT)
                cut_at = netns.sent_bytes(ns) - start
                time.sleep(outage_s)
                netns.shape(ns, rate=rate)
                restored_at = time.perf_counter()
                up.set()
                return
            time.sleep(0.02)

    client = _CountingClient(settings, token=token)
    try:
        thread = threading.Thread(target=cutter, name="cutter", daemon=True)
        before = netns.sent_bytes(ns)
        t = time.perf_counter()
        thread.start()
        try:
            failures = _upload(client, data, chunk, up)
        finally:
            stop.set()
            thread.join(outage_s + 5)
            if not up.is_set():
                netns.shape(ns, rate=rate)
        wall, wire = time.perf_counter() - t, netns.sent_bytes(ns) - before
        state = client.blob_create(hashlib.sha256(data).hexdigest(), size)
        # The link is back when the platform first answers where the upload stands.
        answered = [at - restored_at for at, _ in client.offsets if restored_at and at >= restored_at]
        return CutResult(
            size, chunk, clean_wall, clean_wire, wall, wire, cut_at, client.patch_bytes,
            [o for _, o in client.offsets], failures, answered[0] if answered else -1.0, state.complete,
        )  # fmt: skip
    finally:
        client.close()


# --- Report ---------------------------------------------------------------------------------------


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f}"


def report(
    args: argparse.Namespace,
    station: Station,
    curl: Transfer,
    ours: Transfer,
    arrived: str,
    cut: CutResult | None,
) -> None:
    link = _rate_bps(args.rate)
    print(f"\nsync over a shaped link: {len(station.cases)} cases × {args.pages} pages = {station.pages} JPEG pages, "
          f"{station.page_bytes:,} bytes (mean {station.page_bytes / max(1, station.pages) / 1000:.1f} KB); "
          f"tbf {args.rate} burst {netns.BURST} latency {netns.LATENCY}, loopback MTU {netns.MTU}, "
          f"netns {netns.NAME}; {os.cpu_count()} CPUs")  # fmt: skip
    print(f"  {'':24s}{'payload MB':>11s}{'wall s':>9s}{'goodput kbit/s':>16s}{'of link':>9s}"
          f"{'wire MB':>9s}{'wire/payload':>14s}{'requests':>10s}")  # fmt: skip
    for row in (curl, ours):
        print(f"  {row.label:24s}{_mb(row.payload):>11s}{row.wall_s:9.1f}{row.goodput_bps / 1000:16.0f}"
              f"{row.goodput_bps / link:9.1%}{_mb(row.wire):>9s}{row.wire / row.payload:14.3f}{row.requests:10d}")  # fmt: skip
    print(f"  curl: {curl.note}")
    print(f"  drain: {ours.note}")
    print(f"  arrived: {arrived}")
    ratio = ours.goodput_bps / curl.goodput_bps if curl.goodput_bps else 0.0
    print(
        f"  goodput ratio (drain ÷ curl): {ratio:.3f}  (goal ≥ 0.9: {'met' if ratio >= 0.9 else 'NOT met'})"
    )
    if cut is None:
        return
    resent = cut.offered - cut.size
    extra_wire = cut.cut_wire - cut.clean_wire
    print(f"\ncut mid-blob: {cut.size / MIB:g} MiB blob in {cut.chunk / MIB:g} MiB chunks; link cut after "
          f"{cut.cut_at_wire:,} wire bytes (pfifo limit 0 + ss -K both ends) for {args.outage_s:g} s, then tbf again")  # fmt: skip
    print(f"  {'':24s}{'wall s':>9s}{'wire bytes':>14s}")
    print(f"  {'uncut upload':24s}{cut.clean_wall_s:9.1f}{cut.clean_wire:14,d}")
    print(f"  {'cut upload':24s}{cut.cut_wall_s:9.1f}{cut.cut_wire:14,d}")
    resumed = ", ".join(f"{o:,}" for o in cut.resumed_at) or "none asked"
    print(f"  resumed at platform offset(s): {resumed}, asked {cut.resumed_after_s:.1f} s after the link came back; "
          f"failed upload calls: {cut.failures}; complete on the platform: {cut.complete}")  # fmt: skip
    print(f"  chunk bytes offered beyond the blob size: {resent:,} ({resent / cut.chunk:.2f} chunk)")
    print(f"  extra wire bytes against the uncut upload: {extra_wire:,} ({extra_wire / cut.chunk:.2f} chunk)")
    worst = max(resent, extra_wire)
    print(f"  re-sent ≤ one chunk: {'met' if worst <= cut.chunk else 'NOT met'}")


def _rate_bps(rate: str) -> float:
    units = {"kbit": 1e3, "mbit": 1e6, "gbit": 1e9, "bit": 1.0}
    low = rate.lower()
    for unit, factor in units.items():
        if low.endswith(unit):
            return float(low[: -len(unit)]) * factor
    return float(low)


# --- Entry points ---------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.sync", description=__doc__.split("\n")[0] if __doc__ else ""
    )
    p.add_argument("--cases", type=int, default=200, help="cases in the backlog (default 200)")
    p.add_argument("--pages", type=int, default=5, help="pages per case (default 5)")
    p.add_argument("--variants", type=int, default=12, help="distinct rendered pages (default 12)")
    p.add_argument("--rate", default=netns.RATE, help=f"tbf rate (default {netns.RATE})")
    p.add_argument(
        "--cut-mib", type=int, default=4, help="size of the cut-test blob in MiB (0 = no cut test)"
    )
    p.add_argument(
        "--chunk-kib", type=int, default=protocol.MAX_CHUNK_BYTES // 1024, help="upload chunk size"
    )
    p.add_argument("--outage-s", type=float, default=5.0, help="how long the link stays cut")
    p.add_argument("--seed", type=int, default=8)
    return p


def run_inside(args: argparse.Namespace) -> int:
    """The measurement itself; runs in the namespace (the outer process made it and re-ran us)."""
    ns = netns.NAME
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="yc-bench-sync-")))
        os.environ["YICHUANG_HOME"] = str(tmp / "home")
        t = time.perf_counter()
        variants = render_pages(args.variants)
        station = build_station(tmp, args.cases, args.pages, variants)
        stack.callback(station.db.dispose)
        took = time.perf_counter() - t
        log(f"station ready: {station.pages} pages, {station.page_bytes:,} bytes in {took:.0f} s")
        base, code = stack.enter_context(platform(tmp / "platform"))
        sink_url = stack.enter_context(sink())
        expect_s = station.page_bytes * 8 / _rate_bps(args.rate)
        log(f"curl: {station.page_bytes:,} bytes at {args.rate} (≈ {expect_s:.0f} s)")
        curl = measure_curl(ns, sink_url, station.payload_file)
        client = stack.enter_context(PlatformClient(ClientSettings(base_url=base)))
        client.token = client.enroll(code, STATION, "基准测试便民服务站").token
        log("drain: starting")
        ours = measure_drain(ns, station, client)
        arrived = verify(tmp / "platform", station)
        cut = None
        if args.cut_mib > 0:
            log(f"cut test: {args.cut_mib} MiB blob, uncut then cut")
            cut = measure_cut(
                ns, base, client.token, size=args.cut_mib * MIB, chunk=args.chunk_kib * 1024,
                outage_s=args.outage_s, rate=args.rate, rng=random.Random(args.seed),
            )  # fmt: skip
        report(args, station, curl, ours, arrived, cut)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    # A plain `kill` cleans up like Ctrl+C: servers stopped, temp files and namespace removed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if netns.inside(netns.NAME):
        try:
            return run_inside(args)
        except KeyboardInterrupt:
            print("bench.sync: interrupted; servers stopped, temporary files removed", file=sys.stderr)
            return 130
    try:
        netns.require_tools()
        if shutil.which("curl") is None:
            raise netns.NetnsError("missing curl: apt-get install -y curl")
    except netns.NetnsError as exc:
        print(f"bench.sync: {exc}", file=sys.stderr)
        return 2
    with netns.namespace(netns.NAME, rate=args.rate):
        proc = subprocess.Popen(netns.exec_argv(netns.NAME, [sys.executable, "-m", "bench.sync", *argv]))
        try:
            return proc.wait()
        except KeyboardInterrupt:
            # The run inside got the same Ctrl+C and stops its servers; then the namespace goes.
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            return 130


if __name__ == "__main__":
    raise SystemExit(main())
