"""Acceptance: a backlog reaches the real platform through a hostile link, each case exactly once.

Real HTTP on loopback through the fault proxy, with every failure of the issue armed at once:
connections reset in the middle of uploads and of responses, replies dropped after the platform
committed (by the proxy and by the platform's own switch), gateway 5xx pages, and a 30 s stall
that the client's 1 s idle timeout has to cut. Afterwards every case is on the platform once,
submitted once, with every page byte-identical, and the bytes on the wire stay close to the
payload (a cut costs at most the chunk in flight).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.model import OutboxEvent
from app.storage.blobs import BlobStore
from app.storage.crypto import FieldCipher
from app.storage.db import Database
from tests.sync.fault_proxy import fault_proxy
from tests.sync.platform_server import PlatformServer, run_platform
from tests.sync.test_engine import (
    Remote,
    assert_arrived_once,
    drain,
    make_case,
    make_client,
    make_engine,
    outbox_statuses,
    platform_cases,
    seed_station,
)

CHUNK = 16 * 1024


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[PlatformServer]:
    with run_platform(tmp_path / "platform") as server:
        yield server


def test_every_case_arrives_exactly_once_with_matching_pages_through_every_fault(
    db: Database, tmp_path: Path, cipher: FieldCipher, platform: PlatformServer
) -> None:
    seed_station(db)
    blobs = BlobStore(tmp_path / "blobs", cipher)
    seed = 1 if db.is_sqlite else 2
    rng = random.Random(seed)
    expected = dict(make_case(db, blobs, rng, pages=3, size=rng.randrange(30_000, 70_000)) for _ in range(8))
    payload = sum(len(blobs.get(sha)) for hashes in expected.values() for sha in hashes)
    remote = Remote(platform, "ST001", platform.enroll("ST001"))
    with fault_proxy(platform.base_url) as proxy:
        rules = [
            proxy.cut_request_after(CHUNK // 2 + seed * 100, match="^PATCH ", count=3, every=5),
            proxy.cut_response_after(30, match="^PATCH ", count=2, every=7),
            proxy.cut_response_after(20, match="^PUT /v1/cases/", count=2, every=3),
            proxy.drop_reply(match="^POST /v1/cases/.*/submit", count=2, every=2),
            proxy.drop_reply(match="^POST /v1/blobs$", count=2, every=4),
            proxy.respond(502, match="^(PUT|POST) ", count=3, every=6),
            proxy.respond(503, match="^HEAD ", count=1),
            proxy.stall(30, match="^PUT /v1/cases/", count=1, every=2),
        ]
        # The platform's own switch too: it commits a chunk, then resets instead of answering.
        platform.set_faults(drop_reply_after_commit=2, match="^PATCH ")
        client = make_client(proxy.url, remote.token, idle_timeout_s=1.0)
        engine = make_engine(db, blobs, client, station_code="ST001")
        drain(engine, rounds=200)
        client.close()
        fired = [(r.kind, r.fired) for r in rules]
        up_bytes, requests = proxy.up_bytes, len(proxy.requests)
    assert_arrived_once(remote, expected)
    for row in platform_cases(remote).values():
        assert row.put_count == 2  # receive and accept: each event applied once, whatever was replayed
    assert outbox_statuses(db) == {"sent": 16}
    with db.session() as s:
        assert all(r.quarantine_reason is None for r in s.execute(select(OutboxEvent)).scalars())
    # Every armed fault really happened (else this test proves less than it claims).
    assert all(n >= 1 for _, n in fired), fired
    # Resumable uploads: the cuts cost at most one chunk each, plus headers and JSON.
    cuts = sum(n for kind, n in fired if kind in ("cut_up", "cut_down", "drop", "respond", "stall")) + 2
    assert up_bytes <= payload + cuts * CHUNK + requests * 1500
