"""The sync engine against the real reference platform over loopback HTTP, on both databases.

Also holds the station-side helpers (a catalog, cases with scanned pages) the fault-proxy and
crash tests reuse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from app import audit, outbox
from app.case_states import CaseAction
from app.config import load_config
from app.context import AppContext
from app.errors import DomainError
from app.model import (
    AuditEvent,
    CalendarOverride,
    Case,
    Clerk,
    MaterialRequirement,
    OutboxEvent,
    Page,
    PrintJob,
    Role,
    ServiceItem,
    Setting,
    Station,
    utcnow,
)
from app.services.actor import Actor
from app.services.case_flow import open_case, transition
from app.services.cases import case_timeline, search_cases
from app.services.materials import add_page
from app.storage.blobs import BlobStore
from app.storage.crypto import FieldCipher
from app.storage.db import Database, upgrade
from sync.client import ClientSettings, PlatformClient
from sync.engine import STATUS_SETTING, SyncEngine, read_status
from sync.platform.models import AuditRecord, EvaluationRecord, PlatformCase
from sync.pull import (
    CURSOR_SETTING,
    apply_calendar,
    apply_catalog,
    apply_clerks,
    pull_changes,
    pull_references,
)
from sync.purge import purge_confirmed_pages
from sync.runner import build_runner
from sync.token_store import DbTokenStore
from tests.sync.fault_proxy import FaultProxy, fault_proxy
from tests.sync.platform_server import PlatformServer, run_platform

CLERK = Actor(username="wang", role=Role.CLERK)
STATION = "ST001"  # the station in the local database
_STATION_NUMBERS = itertools.count(1)
ITEM = "IMPL-SYNC-A"
CHUNK_BYTES = 16 * 1024


# --- Station-side helpers (also used by test_fault_proxy.py and test_crash.py) ----------------


def seed_station(db: Database) -> None:
    with db.session() as s:
        s.add(Station(code=STATION, name="测试便民服务站"))
        item = ServiceItem(
            basic_code="0000000101",
            impl_code=ITEM,
            name="临时救助",
            item_type_code="01",
            department="示范县民政局",
            implementing_body="示范县民政局",
            implementing_body_code="11341122MB0000001X",
            promised_limit=5,
            promised_limit_unit="1",
        )
        item.materials.append(MaterialRequirement(position=0, name="申请人身份证", necessity="1"))
        item.materials.append(MaterialRequirement(position=1, name="困难情况说明", necessity="1"))
        s.add(item)


def page_bytes(rng: random.Random, size: int) -> bytes:
    """A "PDF" page of ``size`` random bytes (stored as given, so every byte is checked end to end)."""
    return b"%PDF-1.4\n" + rng.randbytes(max(0, size - 9))


def make_case(
    db: Database,
    blobs: BlobStore,
    rng: random.Random,
    *,
    pages: int = 2,
    size: int = 40_000,
    accept: bool = True,
) -> tuple[str, list[str]]:
    """A case received with ``pages`` scanned pages (and accepted): its uuid and page hashes.

    Pages are added before the outbox rows can be sent (one transaction), as at a busy window.
    """
    with db.session() as s:
        view = open_case(s, CLERK, station_code=STATION, item_impl_code=ITEM)
        case = s.get(Case, view.id)
        assert case is not None
        hashes = []
        for n in range(pages):
            material = case.materials[n % len(case.materials)]
            data = page_bytes(rng, size)
            add_page(s, blobs, CLERK, material.id, data)
            hashes.append(hashlib.sha256(data).hexdigest())
        if accept:
            transition(s, view.id, CaseAction.ACCEPT, CLERK)
        return view.uuid, hashes


@dataclass
class Remote:
    """The reference platform as one test's station sees it: its own station code and token.

    One platform serves a whole test module (starting one costs more than most tests); each test
    enrolls a station of its own, so it sees only its own cases and changes.
    """

    platform: PlatformServer
    code: str
    token: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.platform, name)


def platform_cases(server: Remote) -> dict[str, PlatformCase]:
    """This station's cases on the platform, by uuid."""
    with server.session() as s:
        rows = list(s.execute(select(PlatformCase).where(PlatformCase.station_code == server.code)).scalars())
        s.expunge_all()
    return {r.uuid: r for r in rows}


def assert_arrived_once(server: Remote, expected: dict[str, list[str]]) -> None:
    """Each case exactly once, submitted once, every page byte-identical to what was scanned."""
    got = platform_cases(server)
    assert sorted(got) == sorted(expected)
    for case_uuid, hashes in expected.items():
        row = got[case_uuid]
        assert row.state == "submitted"
        assert row.submit_count == 1
        assert sorted(row.page_hashes) == sorted(hashes)
        for sha in hashes:
            assert hashlib.sha256(server.blob_bytes(sha)).hexdigest() == sha


def case_actions(db: Database, case_uuid: str) -> list[str]:
    """The audit actions on a case's timeline, oldest first."""
    with db.session() as s:
        return list(
            s.execute(
                select(AuditEvent.action)
                .where(AuditEvent.entity == "case", AuditEvent.entity_id == case_uuid)
                .order_by(AuditEvent.seq)
            ).scalars()
        )


def outbox_statuses(db: Database) -> dict[str, int]:
    with db.session() as s:
        rows = s.execute(select(OutboxEvent.status, func.count()).group_by(OutboxEvent.status)).all()
    return {status: int(n) for status, n in rows}


def drain(engine: SyncEngine, *, rounds: int = 60) -> None:
    """Run rounds until nothing waits; failed rows are made due at once (tests need no sleeping)."""
    for _ in range(rounds):
        engine.run_once()
        if engine.next_due_in() is None:
            return
        engine.link_restored()
    raise AssertionError(f"outbox did not drain: {outbox_statuses(engine.db)}")


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def blobs(tmp_path: Path, cipher: FieldCipher) -> BlobStore:
    return BlobStore(tmp_path / "blobs", cipher)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per run; each test gets a copy (migrating costs more than copying)."""
    path = tmp_path_factory.mktemp("template") / "station.sqlite3"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()
    return path


@pytest.fixture
def station(tmp_path: Path, cipher: FieldCipher, sqlite_template: Path) -> Iterator[Database]:
    """A station's SQLite database with the test catalog (tests about the wire, not the database)."""
    path = tmp_path / "station.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    seed_station(database)
    yield database
    database.dispose()


@pytest.fixture
def hall(db: Database) -> Database:
    """The test catalog on both databases (tests where claims, locks and transactions matter)."""
    seed_station(db)
    return db


@pytest.fixture(scope="module")
def shared_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformServer]:
    """The real reference platform on loopback (helper S1's server)."""
    with run_platform(tmp_path_factory.mktemp("platform")) as running:
        yield running


@pytest.fixture
def server(shared_platform: PlatformServer) -> Iterator[Remote]:
    """A freshly enrolled station on the shared platform; its fault switches are reset afterwards."""
    code = f"T{next(_STATION_NUMBERS):04d}"
    yield Remote(shared_platform, code, shared_platform.enroll(code))
    shared_platform.clear_faults()


@pytest.fixture
def proxy(server: Remote) -> Iterator[FaultProxy]:
    with fault_proxy(server.base_url) as p:
        yield p


def make_client(url: str, token: str | None, *, idle_timeout_s: float = 2.0) -> PlatformClient:
    return PlatformClient(ClientSettings(base_url=url, idle_timeout_s=idle_timeout_s), token=token)


def make_engine(
    db: Database,
    blobs: BlobStore,
    client: PlatformClient,
    *,
    station_code: str,
    node: str = "node-1",
    **kw: object,
) -> SyncEngine:
    return SyncEngine(
        db,
        client,
        blobs,
        station_code=station_code,
        node_id=node,
        backoff_base_s=0.05,
        backoff_cap_s=0.2,
        chunk_bytes=CHUNK_BYTES,
        rng=random.Random(7),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def engine(station: Database, blobs: BlobStore, server: Remote, proxy: FaultProxy) -> Iterator[SyncEngine]:
    client = make_client(proxy.url, server.token)
    yield make_engine(station, blobs, client, station_code=server.code)
    client.close()


@pytest.fixture
def hall_engine(hall: Database, blobs: BlobStore, server: Remote, proxy: FaultProxy) -> Iterator[SyncEngine]:
    client = make_client(proxy.url, server.token)
    yield make_engine(hall, blobs, client, station_code=server.code)
    client.close()


# --- Sending ----------------------------------------------------------------------------------


def test_cases_arrive_once_with_their_pages_and_get_the_platform_number(
    hall_engine: SyncEngine, blobs: BlobStore, server: Remote
) -> None:
    rng = random.Random(1)
    expected = dict(make_case(hall_engine.db, blobs, rng, pages=3) for _ in range(3))
    report = hall_engine.run_once()
    assert (report.sent, report.failed, report.quarantined, report.state) == (6, 0, 0, "online")
    assert_arrived_once(server, expected)
    assert outbox_statuses(hall_engine.db) == {"sent": 6}
    numbers = {u: r.platform_number for u, r in platform_cases(server).items()}
    for case_uuid, number in numbers.items():
        with hall_engine.db.session() as s:
            case = s.execute(select(Case).where(Case.uuid == case_uuid)).scalar_one()
            assert case.platform_number == number
        assert case_actions(hall_engine.db, case_uuid)[-1] == "platform.submitted"
    with hall_engine.db.session() as s:
        status = read_status(s)
    assert status.backlog_cases == 0 and status.last_success_at is not None and status.state == "online"


def test_a_case_is_submitted_only_once_accepted_so_later_scans_still_reach_the_platform(
    engine: SyncEngine, blobs: BlobStore, server: Remote
) -> None:
    rng = random.Random(2)
    case_uuid, first = make_case(engine.db, blobs, rng, pages=1, accept=False)
    engine.run_once()
    assert platform_cases(server)[case_uuid].state == "received"  # a draft, not yet for decision
    with engine.db.session() as s:
        case = s.execute(select(Case).where(Case.uuid == case_uuid)).scalar_one()
        data = page_bytes(rng, 30_000)
        add_page(s, blobs, CLERK, case.materials[1].id, data)
        transition(s, case.id, CaseAction.ACCEPT, CLERK)
    engine.run_once()
    assert_arrived_once(server, {case_uuid: [*first, hashlib.sha256(data).hexdigest()]})


def test_the_next_event_of_a_case_waits_until_the_previous_one_is_acknowledged(
    engine: SyncEngine, blobs: BlobStore, proxy: FaultProxy, server: Remote
) -> None:
    rng = random.Random(3)
    slow, _ = make_case(engine.db, blobs, rng, pages=1)
    other, _ = make_case(engine.db, blobs, rng, pages=1)
    engine.backoff_base_s = engine.backoff_cap_s = 3600.0
    proxy.respond(502, match=f"PUT /v1/cases/{slow}", count=1)
    report = engine.run_once()
    # The first event of `slow` failed; its accept event was never sent, the other case went through.
    assert report.failed == 1
    sent_puts = [r for r in proxy.requests if r.startswith("PUT")]
    assert sent_puts.count(f"PUT /v1/cases/{slow}") == 1
    assert sent_puts.count(f"PUT /v1/cases/{other}") == 2
    with engine.db.session() as s:
        rows = s.execute(
            select(
                OutboxEvent.aggregate_seq,
                OutboxEvent.status,
                OutboxEvent.attempts,
                OutboxEvent.next_attempt_at,
            )
            .where(OutboxEvent.aggregate_uuid == slow)
            .order_by(OutboxEvent.aggregate_seq)
        ).all()
    assert [(r[0], r[1]) for r in rows] == [(1, "failed"), (2, "pending")]
    assert rows[0][2] == 1 and rows[0][3] is not None  # the retry schedule lives in the row
    assert slow not in platform_cases(server)
    drain(engine)
    assert platform_cases(server)[slow].data_version == 2


def test_backoff_grows_with_jitter_and_honours_retry_after(engine: SyncEngine) -> None:
    delays = {n: [engine.backoff_delay(n) for _ in range(200)] for n in (1, 2, 3)}
    base = engine.backoff_base_s
    for n, values in delays.items():
        ceiling = min(engine.backoff_cap_s, base * 2 ** (n - 1))
        assert all(ceiling / 2 <= v <= ceiling for v in values)
        assert len(set(values)) > 100  # jittered, so stations that failed together do not retry together
    assert max(engine.backoff_delay(40) for _ in range(50)) <= engine.backoff_cap_s
    assert engine.backoff_delay(1, retry_after_s=0.15) >= 0.15


def test_link_restored_makes_waiting_rows_due_now_and_wakes_the_sender(
    engine: SyncEngine, blobs: BlobStore, proxy: FaultProxy
) -> None:
    make_case(engine.db, blobs, random.Random(4), pages=1)
    engine.backoff_base_s = engine.backoff_cap_s = 3600.0
    proxy.respond(502, match="PUT ", count=1)
    engine.run_once()
    due = engine.next_due_in()
    assert due is not None and due > 1000
    woke: list[bool] = []
    waiter = threading.Thread(target=lambda: woke.append(engine.wait(30)))
    waiter.start()
    assert engine.link_restored() == 1
    waiter.join(5)
    assert woke == [True]
    assert engine.next_due_in() == 0.0
    assert engine.run_once().sent == 2


def test_an_offline_round_is_noticed_and_the_return_of_the_link_retries_at_once(
    station: Database, blobs: BlobStore, server: Remote
) -> None:
    token = server.token
    make_case(station, blobs, random.Random(5), pages=1)
    with fault_proxy(server.base_url) as proxy:
        client = make_client(proxy.url, token)
        engine = make_engine(station, blobs, client, station_code=server.code)
        engine.backoff_base_s = engine.backoff_cap_s = 3600.0
        proxy.cut_request_after(200, match="PATCH ", count=2)  # the link dies in the middle of an upload
        first = engine.run_once()
        assert first.failed == 1 and first.state == "offline"
        proxy.respond(502, match="GET /v1/meta")  # and is still down for the next round's probe
        second = engine.run_once()
        assert second.state == "error" and engine.status().state == "error"
        # The link is back: the failed row does not wait out its hour of backoff.
        third = engine.run_once()
        assert third.sent == 2 and third.state == "online"
        client.close()


def test_a_captive_portal_200_never_marks_a_row_sent(
    engine: SyncEngine, blobs: BlobStore, proxy: FaultProxy, server: Remote
) -> None:
    make_case(engine.db, blobs, random.Random(6), pages=1)
    proxy.respond(
        200, match="PUT ", body=b'{"uuid": "x", "data_version": 1}', content_type="application/json"
    )
    report = engine.run_once()
    assert report.sent == 0 and report.failed == 1
    with engine.db.session() as s:
        row = s.execute(select(OutboxEvent).order_by(OutboxEvent.id)).scalars().first()
        assert row is not None and row.status == "failed" and "protocol" in row.last_error
    assert platform_cases(server) == {}
    drain(engine)
    assert outbox_statuses(engine.db) == {"sent": 2}


def test_a_lost_acknowledgement_is_retried_under_the_same_key_and_counted_once(
    engine: SyncEngine, blobs: BlobStore, server: Remote
) -> None:
    case_uuid, hashes = make_case(engine.db, blobs, random.Random(7), pages=2)
    server.set_faults(drop_reply_after_commit=2, match="^(PUT|POST) /v1/cases/")
    drain(engine)
    assert_arrived_once(server, {case_uuid: hashes})
    row = platform_cases(server)[case_uuid]
    assert row.put_count == 2  # one per event: the replays of a key changed nothing
    assert row.submit_requests == 1


def test_a_refusal_is_quarantined_with_the_platforms_reason_and_blocks_only_its_case(
    hall_engine: SyncEngine, blobs: BlobStore, server: Remote
) -> None:
    rng = random.Random(8)
    refused, _ = make_case(hall_engine.db, blobs, rng, pages=1)
    hall_engine.station_code = "ST999"  # not the code this token was enrolled with: 403 wrong_station
    hall_engine.run_once()
    hall_engine.station_code = server.code
    fine, fine_pages = make_case(hall_engine.db, blobs, rng, pages=1)
    drain(hall_engine)
    assert_arrived_once(server, {fine: fine_pages})
    items = hall_engine.quarantined()
    assert len(items) == 1
    item = items[0]
    assert item.aggregate_uuid == refused and item.kind == "case.receive"
    assert "其他站点" in item.reason  # the platform's own Chinese words
    with hall_engine.db.session() as s:
        statuses = s.execute(
            select(OutboxEvent.status)
            .where(OutboxEvent.aggregate_uuid == refused)
            .order_by(OutboxEvent.aggregate_seq)
        ).scalars()
        assert list(statuses) == ["quarantined", "pending"]  # never dropped, and the case waits behind it
        reasons = s.execute(
            select(AuditEvent.reason).where(
                AuditEvent.entity_id == refused, AuditEvent.action == "sync.quarantined"
            )
        ).scalars()
        assert "其他站点" in next(iter(reasons))  # on the case timeline too
    # Retry after fixing: a new key, a body rebuilt from current data; then the case goes on.
    old_key = item.event_uuid
    hall_engine.requeue(item.id, actor="zhao")
    drain(hall_engine)
    assert refused in platform_cases(server)
    with hall_engine.db.session() as s:
        row = s.get(OutboxEvent, item.id)
        assert row is not None and row.status == "sent" and row.event_uuid != old_key
        assert row.quarantine_reason is not None and "其他站点" in row.quarantine_reason
    with pytest.raises(DomainError, match="已不在"):
        hall_engine.requeue(item.id, actor="zhao")


def test_marking_a_refusal_handled_needs_a_note_keeps_it_and_releases_the_case(
    hall_engine: SyncEngine, blobs: BlobStore, server: Remote
) -> None:
    refused, _ = make_case(hall_engine.db, blobs, random.Random(9), pages=1)
    hall_engine.station_code = "ST999"
    hall_engine.run_once()
    hall_engine.station_code = server.code
    (item,) = hall_engine.quarantined()
    with pytest.raises(DomainError, match="处理说明"):
        hall_engine.mark_handled(item.id, "  ", actor="zhao")
    hall_engine.mark_handled(item.id, "已电话联系平台补录", actor="zhao")
    assert hall_engine.quarantined() == []
    drain(hall_engine)
    with hall_engine.db.session() as s:
        row = s.get(OutboxEvent, item.id)
        assert row is not None
        assert (row.status, row.handled_note, row.handled_by) == ("handled", "已电话联系平台补录", "zhao")
        later = s.execute(
            select(OutboxEvent.status).where(
                OutboxEvent.aggregate_uuid == refused, OutboxEvent.aggregate_seq == 2
            )
        ).scalar_one()
    assert later == "sent"


def test_a_damaged_local_page_is_quarantined_not_sent(
    engine: SyncEngine, blobs: BlobStore, server: Remote
) -> None:
    case_uuid, hashes = make_case(engine.db, blobs, random.Random(10), pages=1)
    path = blobs.root / hashes[0][:2] / hashes[0][2:4] / hashes[0]
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF
    path.write_bytes(bytes(raw))
    engine.run_once()
    (item,) = engine.quarantined()
    assert "损坏" in item.reason and item.aggregate_uuid == case_uuid
    assert platform_cases(server) == {}


def test_evaluations_and_audit_events_go_to_their_endpoints(engine: SyncEngine, server: Remote) -> None:
    with engine.db.session() as s:
        outbox.enqueue(
            s,
            aggregate="evaluation",
            aggregate_uuid="ev-1",
            kind="evaluation.recorded",
            payload={"evaluation_uuid": "ev-1", "level": 5, "evaluated_at": "2026-11-22T02:00:00+00:00"},
        )
        outbox.enqueue(s, aggregate="audit", aggregate_uuid="chain", kind="audit.export", payload={"seq": 1})
    assert engine.run_once().sent == 2
    with server.session() as s:
        assert s.scalar(select(func.count()).select_from(EvaluationRecord)) == 1
        assert s.scalar(select(func.count()).select_from(AuditRecord)) == 1


# --- Claims: several senders ------------------------------------------------------------------


def test_two_senders_on_two_connections_never_send_the_same_row(
    hall: Database, blobs: BlobStore, server: Remote, proxy: FaultProxy
) -> None:
    rng = random.Random(11)
    expected = dict(make_case(hall, blobs, rng, pages=1, size=4000) for _ in range(12))
    token = server.token
    # A second Database object: its own engine and connections, like a second hall node.
    other_db = Database(hall.url)
    clients = [make_client(proxy.url, token), make_client(proxy.url, token)]
    engines = [
        make_engine(hall, blobs, clients[0], station_code=server.code, node="node-a"),
        make_engine(other_db, blobs, clients[1], station_code=server.code, node="node-b"),
    ]
    threads = [threading.Thread(target=e.run_once) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for e in engines:
        if e.next_due_in() is not None:
            drain(e)
    assert_arrived_once(server, expected)
    puts = [r for r in proxy.requests if r.startswith("PUT ")]
    assert len(puts) == 24  # two events per case, each sent by exactly one node
    for case_uuid in expected:
        assert puts.count(f"PUT /v1/cases/{case_uuid}") == 2
    for c in clients:
        c.close()
    other_db.dispose()


@pytest.mark.postgres
def test_postgres_claims_skip_a_row_another_node_holds_locked(
    db: Database, blobs: BlobStore, server: Remote
) -> None:
    if db.is_sqlite:
        pytest.skip("row locks with SKIP LOCKED are PostgreSQL's; SQLite serialises the whole claim")
    seed_station(db)
    rng = random.Random(12)
    first, _ = make_case(db, blobs, rng, pages=1, accept=False)
    second, _ = make_case(db, blobs, rng, pages=1, accept=False)
    client = make_client(server.base_url, server.token)
    engine = make_engine(db, blobs, client, station_code=server.code)
    with db.engine.connect() as other:
        tx = other.begin()
        other.execute(
            text("SELECT id FROM outbox_event WHERE aggregate_uuid = :u FOR UPDATE"), {"u": first}
        ).all()
        claimed = engine._claim()  # does not wait for the lock: takes the next free row
        assert claimed is not None and claimed.aggregate_uuid == second
        tx.rollback()
    client.close()


def test_a_dead_nodes_claim_is_taken_over_when_its_lease_runs_out(
    hall_engine: SyncEngine, blobs: BlobStore, server: Remote
) -> None:
    case_uuid, hashes = make_case(hall_engine.db, blobs, random.Random(13), pages=1)
    now = utcnow()
    with hall_engine.db.session() as s:
        s.execute(
            update(OutboxEvent)
            .where(OutboxEvent.aggregate_seq == 1)
            .values(status="sending", claimed_by="dead-node", claimed_until=now + dt.timedelta(minutes=5))
        )
    assert hall_engine.run_once().sent == 0  # the lease still runs: hands off
    with hall_engine.db.session() as s:
        s.execute(update(OutboxEvent).values(claimed_until=now - dt.timedelta(seconds=1)))
    drain(hall_engine)
    assert_arrived_once(server, {case_uuid: hashes})


def test_a_restarted_sender_takes_back_its_own_claims_at_once(
    hall_engine: SyncEngine, blobs: BlobStore
) -> None:
    make_case(hall_engine.db, blobs, random.Random(14), pages=1)
    claimed = hall_engine._claim()
    assert claimed is not None
    assert hall_engine.run_once().sent == 0  # its own row, claimed "before the crash", is still leased
    assert hall_engine.release_own_claims() == 1
    assert hall_engine.run_once().sent == 2


# --- Pull ---------------------------------------------------------------------------------------


def test_platform_decisions_come_back_onto_the_case_and_its_timeline(
    hall_engine: SyncEngine, blobs: BlobStore, server: Remote
) -> None:
    rng = random.Random(15)
    corrected, _ = make_case(hall_engine.db, blobs, rng, pages=1)
    granted, _ = make_case(hall_engine.db, blobs, rng, pages=1)
    refused, _ = make_case(hall_engine.db, blobs, rng, pages=1)
    drain(hall_engine)
    server.admin(corrected, "correct", note="身份证复印件不清晰", materials=["申请人身份证"])
    server.admin(granted, "approve", note="符合条件")
    server.admin(granted, "result", result_name="救助决定书", licence_number="JZ-2026-001")
    server.admin(refused, "reject", note="不符合救助条件")
    report = pull_changes(hall_engine.db, hall_engine.client, limit=2)  # several pages of the feed
    # Per case: number + status on submit; then correct 2, approve 2, result 2, reject 2.
    assert report.changes == 3 * 2 + 2 + 2 + 2 + 2
    with hall_engine.db.session() as s:
        by_uuid = {c.uuid: c for c in s.execute(select(Case)).scalars()}
        c = by_uuid[corrected]
        assert c.state == "correction_requested"
        assert c.correction_items == [{"material": "申请人身份证", "requirement": "身份证复印件不清晰"}]
        g = by_uuid[granted]
        assert (g.state, g.result_code) == ("completed", "0") and "JZ-2026-001" in g.result_note
        assert g.decided_at is not None and g.completed_at is not None
        r = by_uuid[refused]
        assert (r.state, r.result_code, r.last_reason) == ("completed", "1", "不符合救助条件")
        ready = {row.id for row in search_cases(s, filter="result_ready")}
        assert ready == {g.id, r.id}  # the counter's "可出件" filter
        timeline = case_timeline(s, g.id)
        assert [(e.before_state, e.after_state) for e in timeline if e.before_state] == [
            ("已收件", "已受理"),
            ("已受理", "已办结"),
        ]
        assert g.platform_number == platform_cases(server)[granted].platform_number
        assert int(s.get(Setting, CURSOR_SETTING).value) > 0  # type: ignore[union-attr]
        audit_rows = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("platform.%"))
        )
    # Replaying is harmless: the cursor moved with the changes, so nothing is applied twice.
    assert pull_changes(hall_engine.db, hall_engine.client).changes == 0
    with hall_engine.db.session() as s:
        again = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("platform.%"))
        )
    assert again == audit_rows
    # The local accept/complete flow is not fed back: the platform's acts make no outbox rows.
    assert hall_engine.next_due_in() is None


def test_reference_data_is_fetched_once_per_etag(engine: SyncEngine, proxy: FaultProxy) -> None:
    assert pull_references(engine.db, engine.client) == ["calendar", "catalog", "clerks"]
    with engine.db.session() as s:
        items = s.scalar(select(func.count()).select_from(ServiceItem))
        assert items is not None and items > 1
        assert s.get(Setting, "sync.reference.catalog") is not None
    before = proxy.down_bytes
    assert pull_references(engine.db, engine.client) == []
    assert proxy.down_bytes - before < 3000  # three 304s, no documents


# --- Purge --------------------------------------------------------------------------------------


def test_page_files_are_purged_only_after_confirmed_receipt_and_retention(
    hall_engine: SyncEngine, blobs: BlobStore, server: Remote
) -> None:
    rng = random.Random(16)
    sent_uuid, sent_pages = make_case(hall_engine.db, blobs, rng, pages=3)
    drain(hall_engine)
    waiting_uuid, waiting_pages = make_case(hall_engine.db, blobs, rng, pages=1)  # not sent yet
    with hall_engine.db.session() as s:
        s.add(PrintJob(document="receipt", blob_refs=[sent_pages[1]]))  # shared with a print job
        audit.append(  # the same bytes kept as a saved notice
            s,
            actor="wang",
            action="notice.save",
            entity="case",
            entity_id=sent_uuid,
            after={"blob": sent_pages[2]},
        )
    assert purge_confirmed_pages(hall_engine.db, blobs, retention_days=30).files == 0  # too recent
    later = utcnow() + dt.timedelta(days=31)
    report = purge_confirmed_pages(hall_engine.db, blobs, retention_days=30, now=later)
    assert report.files == 1 and report.cases == 1
    assert case_actions(hall_engine.db, sent_uuid)[-1] == "sync.pages_purged"
    assert not blobs.exists(sent_pages[0])
    assert all(blobs.exists(sha) for sha in (sent_pages[1], sent_pages[2], waiting_pages[0]))
    assert purge_confirmed_pages(hall_engine.db, blobs, retention_days=30, now=later).files == 0
    with hall_engine.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Page)) == 4  # the page rows stay
        case = s.execute(select(Case).where(Case.uuid == sent_uuid)).scalar_one()
        # A later event of that case needs nothing local: the platform holds the page.
        transition(s, case.id, CaseAction.COMPLETE, CLERK)
    drain(hall_engine)
    assert outbox_statuses(hall_engine.db) == {"sent": 5}
    assert waiting_uuid in platform_cases(server)


# --- Status -------------------------------------------------------------------------------------


def test_status_shows_backlog_and_the_reason_the_link_is_down(station: Database, blobs: BlobStore) -> None:
    make_case(station, blobs, random.Random(17), pages=1)
    client = make_client("http://127.0.0.1:9", "token")  # nothing listens on the discard port
    engine = make_engine(station, blobs, client, station_code=STATION)
    report = engine.run_once()
    status = engine.status()
    assert report.state == status.state == "offline"
    assert "无法连接省级平台" in status.message
    assert (status.backlog_cases, status.backlog_events, status.last_success_at) == (1, 2, None)
    with station.session() as s:
        assert s.get(Setting, STATUS_SETTING) is not None
    client.close()


def test_an_unenrolled_station_spends_no_retries(
    station: Database, blobs: BlobStore, proxy: FaultProxy
) -> None:
    make_case(station, blobs, random.Random(19), pages=1)
    client = make_client(proxy.url, None)
    engine = make_engine(station, blobs, client, station_code=STATION)
    report = engine.run_once()
    assert report.state == "auth" and "登记" in report.message
    with station.session() as s:
        assert [r.attempts for r in s.execute(select(OutboxEvent)).scalars()] == [0, 0]
    assert not any(r.startswith("PUT") for r in proxy.requests)
    client.close()


# --- The runner's round ----------------------------------------------------------------------


def test_a_round_sends_pulls_and_picks_up_a_new_enrollment(
    station: Database, blobs: BlobStore, cipher: FieldCipher, server: Remote, proxy: FaultProxy, yc_home: Path
) -> None:
    config = load_config(
        overrides={"sync.platform_url": proxy.url, "storage.key_source": "file", "station.code": server.code}
    )
    ctx = AppContext(config=config, db=station, cipher=cipher, blobs=blobs, work_dir=yc_home)
    runner = build_runner(ctx, chunk_bytes=CHUNK_BYTES, backoff_base_s=0.05)
    case_uuid, hashes = make_case(station, blobs, random.Random(20), pages=2)
    first = runner.run_once()
    assert first.send.state == "auth" and first.send.sent == 0
    DbTokenStore(station, cipher).save(server.token)  # enrolled in the counter meanwhile
    second = runner.run_once()
    assert second.send.sent == 2 and second.references == ["calendar", "catalog", "clerks"]
    assert second.pull is not None and second.pull.changes == 2  # the number and the status
    assert second.purge is not None and second.purge.files == 0
    assert_arrived_once(server, {case_uuid: hashes})
    with station.session() as s:
        case = s.execute(select(Case).where(Case.uuid == case_uuid)).scalar_one()
        assert case.platform_number == platform_cases(server)[case_uuid].platform_number
    assert runner.pause_after(second) == runner.interval_s
    runner.client.close()


def test_reference_data_never_overrides_what_the_station_set_locally(
    station: Database, server: Remote, proxy: FaultProxy
) -> None:
    day = dt.date(2030, 3, 4)
    with station.session() as s:
        s.add(CalendarOverride(day=day, is_workday=True, source="县政府通知", from_platform=False))
        s.add(
            CalendarOverride(day=dt.date(2030, 3, 5), is_workday=False, source="旧假日", from_platform=True)
        )
        s.add(Clerk(username="chuangkou", display_name="旧名字", role=Role.CLERK.value, active=True))
    with station.session() as s:
        counts = apply_calendar(
            s,
            {
                "year": 2030,
                "days": [
                    {"date": day.isoformat(), "workday": False, "name": "平台假日"},
                    {"date": "2030-03-06", "workday": False, "name": "新假日"},
                ],
            },
        )
        assert counts == {"written": 1, "removed": 1}
        clerks = apply_clerks(
            s,
            {
                "clerks": [
                    {"username": "chuangkou", "display_name": "王小窗", "role": "clerk", "active": False},
                    {
                        "username": "newbie",
                        "display_name": "新人",
                        "role": "clerk",
                        "password_hash": "scrypt$x",
                    },
                    {"username": "bad", "role": "emperor"},
                ]
            },
        )
        assert clerks == {"added": 1, "updated": 1}
    with station.session() as s:
        kept = s.get(CalendarOverride, day)
        assert kept is not None and kept.is_workday and kept.source == "县政府通知"
        assert s.get(CalendarOverride, dt.date(2030, 3, 5)) is None  # withdrawn by the platform
        added = s.get(CalendarOverride, dt.date(2030, 3, 6))
        assert added is not None and added.from_platform
        old = s.execute(select(Clerk).where(Clerk.username == "chuangkou")).scalar_one()
        assert (old.display_name, old.active) == ("王小窗", False)  # deactivated, never deleted
        assert s.execute(select(Clerk).where(Clerk.username == "bad")).scalar_one_or_none() is None


def test_catalog_updates_keep_requirements_cases_point_at(station: Database) -> None:
    with station.session() as s:
        item = s.execute(select(ServiceItem).where(ServiceItem.impl_code == ITEM)).scalar_one()
        before = {m.name: m.id for m in item.materials}
        counts = apply_catalog(
            s,
            {
                "items": [
                    {
                        "impl_code": ITEM,
                        "name": "临时救助（急难型）",
                        "promised_limit": 3,
                        "materials": [
                            {"name": "申请人身份证", "necessity": "1"},
                            {"name": "户口簿", "order": 2},
                        ],
                    }
                ],
                "bundles": [],
            },
        )
        assert counts == {"added": 0, "updated": 1, "bundles": 0}
    with station.session() as s:
        item = s.execute(select(ServiceItem).where(ServiceItem.impl_code == ITEM)).scalar_one()
        assert item.name == "临时救助（急难型）" and item.promised_limit == 3
        after = {m.name: m.id for m in item.materials}
        assert all(after[name] == mid for name, mid in before.items())
        assert "户口簿" in after
