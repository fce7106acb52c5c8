"""The reference platform over real HTTP on loopback: protocol v1 as a station experiences it."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.demo.loader import catalog_document
from app.errors import ConfigError
from sync.platform import FaultSettings, create_app, parse_faults
from sync.platform.faults import Faults
from sync.platform.models import AuditRecord, Blob, EvaluationRecord, PlatformCase
from sync.platform.seed import PREAPPLICATION_CODES, SEED_HOLDERS
from sync.protocol import (
    CONTENT_TYPE_OFFSET,
    ERROR_MESSAGES,
    HEADER_IDEMPOTENCY_KEY,
    HEADER_IF_NONE_MATCH,
    HEADER_UPLOAD_CHECKSUM,
    HEADER_UPLOAD_LENGTH,
    HEADER_UPLOAD_OFFSET,
    PATH_AUDIT,
    PATH_BLOBS,
    PATH_CALENDAR,
    PATH_CATALOG,
    PATH_CHANGES,
    PATH_CLERKS,
    PATH_ENROLL,
    PATH_EVALUATIONS,
    PATH_LICENCES,
    PATH_META,
    PROTOCOL_HEADER,
    ErrorCode,
    admin_revoke_path,
    blob_path,
    case_path,
    holder_hash,
    preapplication_path,
    submit_path,
    upload_checksum,
)
from tests.conftest import pg_admin_url
from tests.sync.platform_server import PlatformServer, run_platform

CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformServer]:
    """One platform for the module; each test enrolls its own station, so feeds never mix."""
    with run_platform(tmp_path_factory.mktemp("platform")) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _faults_off(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "server" in request.fixturenames:
        request.getfixturevalue("server").clear_faults()


class Station:
    """A test station talking to the platform with its own token and a persistent connection."""

    def __init__(self, srv: PlatformServer, code: str | None = None) -> None:
        self.srv = srv
        self.code = code or f"ST{uuid.uuid4().hex[:6].upper()}"
        self.token = srv.enroll(self.code)
        self.http = httpx.Client(base_url=srv.base_url, headers=srv.headers(self.token), timeout=10)

    def upload(self, data: bytes, *, chunk: int = CHUNK) -> str:
        sha = hashlib.sha256(data).hexdigest()
        r = self.http.post(PATH_BLOBS, json={"sha256": sha, "size": len(data)})
        assert r.status_code in (200, 201), r.text
        offset = r.json()["offset"]
        while offset < len(data):
            r = self.patch(sha, offset, data[offset : offset + chunk])
            assert r.status_code == 204, r.text
            offset = int(r.headers[HEADER_UPLOAD_OFFSET])
        return sha

    def patch(self, sha: str, offset: int, part: bytes, *, checksum: str | None = None) -> httpx.Response:
        headers = {
            HEADER_UPLOAD_OFFSET: str(offset),
            HEADER_UPLOAD_CHECKSUM: checksum or upload_checksum(part),
            "Content-Type": CONTENT_TYPE_OFFSET,
        }
        return self.http.patch(blob_path(sha), content=part, headers=headers)

    def body(
        self, pages: list[tuple[str, int]], *, version: int = 1, title: str = "建筑工程施工许可"
    ) -> dict[str, Any]:
        return {
            "station_code": self.code,
            "local_number": f"{self.code}-20261123-0001",
            "data_version": version,
            "item_impl_code": "11341122003052113M40110037000000",
            "title": title,
            "state": "accepted",
            "applicant": {"name": "张*", "id_number": "3411**********1234"},
            "materials": [
                {
                    "position": 1,
                    "name": "申请表",
                    "pages": [
                        {"sha256": sha, "size": size, "format": "jpeg", "position": n}
                        for n, (sha, size) in enumerate(pages, start=1)
                    ],
                }
            ],
            "events": [{"kind": "case.accept", "at": "2026-11-23T09:00:00+08:00"}],
            "payload": {"state": "accepted"},
        }

    def put(self, case_uuid: str, body: dict[str, Any], key: str) -> httpx.Response:
        return self.http.put(case_path(case_uuid), json=body, headers={HEADER_IDEMPOTENCY_KEY: key})

    def submit(self, case_uuid: str, key: str) -> httpx.Response:
        return self.http.post(submit_path(case_uuid), headers={HEADER_IDEMPOTENCY_KEY: key})

    def submitted_case(self, data: bytes = b"page") -> tuple[str, dict[str, Any]]:
        """A case with one uploaded page, put and submitted; returns (uuid, submit answer)."""
        sha = self.upload(data)
        case_uuid = str(uuid.uuid4())
        assert self.put(case_uuid, self.body([(sha, len(data))]), str(uuid.uuid4())).status_code == 201
        r = self.submit(case_uuid, str(uuid.uuid4()))
        assert r.status_code == 200, r.text
        return case_uuid, r.json()

    def all_changes(self, *, limit: int = 200) -> list[dict[str, Any]]:
        since, out = 0, []
        while True:
            page = self.http.get(PATH_CHANGES, params={"since": since, "limit": limit}).json()
            out += page["changes"]
            if not page["changes"]:
                return out
            since = page["next_cursor"]


def _error(r: httpx.Response, status: int, code: ErrorCode) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["error"] == code.value
    assert body["message"] == ERROR_MESSAGES[code]
    return body


def _pages(n: int, size: int = 3000) -> list[bytes]:
    return [os.urandom(size) for _ in range(n)]


# --- meta, protocol header, enrollment --------------------------------------------------------


def test_meta_gives_time_limits_and_the_protocol_header(server: PlatformServer) -> None:
    r = httpx.get(server.base_url + PATH_META)
    assert r.status_code == 200
    assert r.headers[PROTOCOL_HEADER] == "1"
    assert (server.data_dir / "platform.db").exists()
    assert server.app.platform.db.pragma("journal_mode") == "wal"
    meta = r.json()
    assert meta["protocol"] == 1
    assert meta["limits"] == {"max_chunk_bytes": 1048576, "max_blob_bytes": 52428800, "changes_page": 200}
    server_time = dt.datetime.fromisoformat(meta["server_time"])
    assert abs((server_time - dt.datetime.now(dt.UTC)).total_seconds()) < 5
    assert meta["stop"] is False


def test_meta_tells_a_too_old_client_to_stop(server: PlatformServer) -> None:
    meta = httpx.get(server.base_url + PATH_META, params={"client_version": "0.0.9"}).json()
    assert meta["stop"] is True
    assert "升级" in meta["message"]


def test_request_without_the_protocol_header_is_refused(server: PlatformServer) -> None:
    station = Station(server)
    r = httpx.get(server.base_url + PATH_CATALOG, headers={"Authorization": f"Bearer {station.token}"})
    _error(r, 400, ErrorCode.PROTOCOL_MISMATCH)
    assert r.headers[PROTOCOL_HEADER] == "1"


def test_a_code_enrolls_once(server: PlatformServer) -> None:
    code = server.new_codes(1)[0]
    body = {"code": code.lower(), "station_code": "ST900", "station_name": "九号站", "client_version": "0.1"}
    first = httpx.post(server.base_url + PATH_ENROLL, json=body, headers=server.headers())
    assert first.status_code == 201
    assert set(first.json()) == {"station_id", "token"}
    second = httpx.post(server.base_url + PATH_ENROLL, json=body, headers=server.headers())
    _error(second, 409, ErrorCode.CODE_USED)
    unknown = httpx.post(
        server.base_url + PATH_ENROLL, json={**body, "code": "NOPE-NOPE-NOPE"}, headers=server.headers()
    )
    _error(unknown, 404, ErrorCode.CODE_UNKNOWN)


def test_missing_wrong_and_revoked_tokens_get_401(server: PlatformServer) -> None:
    station = Station(server)
    assert station.http.get(PATH_CLERKS).status_code == 200
    _error(httpx.get(server.base_url + PATH_CLERKS, headers=server.headers()), 401, ErrorCode.TOKEN_MISSING)
    _error(
        httpx.get(server.base_url + PATH_CLERKS, headers=server.headers("bogus")),
        401,
        ErrorCode.TOKEN_INVALID,
    )
    stations = httpx.get(server.base_url + "/admin/stations", headers=server.admin_headers()).json()[
        "stations"
    ]
    station_id = next(s["station_id"] for s in stations if s["code"] == station.code)
    r = httpx.post(server.base_url + admin_revoke_path(station_id), headers=server.admin_headers())
    assert r.json()["revoked"] == 1
    _error(station.http.get(PATH_CLERKS), 401, ErrorCode.TOKEN_REVOKED)
    # A new code brings the station back under the same identity.
    again = Station(server, station.code)
    assert again.http.get(PATH_CLERKS).status_code == 200
    stations = httpx.get(server.base_url + "/admin/stations", headers=server.admin_headers()).json()[
        "stations"
    ]
    assert [s["station_id"] for s in stations if s["code"] == station.code] == [station_id]


# --- reference data with ETag -----------------------------------------------------------------


def test_catalog_is_the_demo_catalog_and_answers_304_when_unchanged(server: PlatformServer) -> None:
    station = Station(server)
    r = station.http.get(PATH_CATALOG)
    assert r.status_code == 200
    etag = r.headers["ETag"]
    codes = {item["impl_code"] for item in r.json()["items"]}
    assert codes == {item["impl_code"] for item in catalog_document()["items"]}
    unchanged = station.http.get(PATH_CATALOG, headers={HEADER_IF_NONE_MATCH: etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["ETag"] == etag


def test_changed_reference_data_gets_a_new_etag(server: PlatformServer) -> None:
    station = Station(server)
    old = station.http.get(PATH_CALENDAR)
    days = old.json()["days"]
    assert any(not d["workday"] for d in days) and any(d["workday"] for d in days)
    new_doc = {**old.json(), "days": [*days, {"date": "2030-01-02", "workday": False, "name": "测试假日"}]}
    r = httpx.put(server.base_url + "/admin/reference/calendar", json=new_doc, headers=server.admin_headers())
    assert r.status_code == 200
    fresh = station.http.get(PATH_CALENDAR, headers={HEADER_IF_NONE_MATCH: old.headers["ETag"]})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != old.headers["ETag"]
    assert fresh.json()["days"][-1]["name"] == "测试假日"


def test_clerks_come_with_password_hashes_the_client_can_verify(server: PlatformServer) -> None:
    from app.services.clerks import verify_password

    clerks = Station(server).http.get(PATH_CLERKS).json()["clerks"]
    window = next(c for c in clerks if c["username"] == "chuangkou")
    assert window["display_name"] == "王小窗"
    assert verify_password("123456", window["password_hash"])


# --- blobs ------------------------------------------------------------------------------------


def test_blob_upload_resumes_from_head_and_stores_exact_bytes(server: PlatformServer) -> None:
    station = Station(server)
    data = os.urandom(200_000)
    sha = hashlib.sha256(data).hexdigest()
    created = station.http.post(PATH_BLOBS, json={"sha256": sha, "size": len(data)})
    assert created.status_code == 201
    assert created.json() == {"sha256": sha, "size": len(data), "offset": 0, "complete": False}
    assert station.patch(sha, 0, data[:70_000]).status_code == 204
    head = station.http.head(blob_path(sha))
    assert head.status_code == 200
    assert (head.headers[HEADER_UPLOAD_OFFSET], head.headers[HEADER_UPLOAD_LENGTH]) == ("70000", "200000")
    # Re-sending a stored range is harmless; an overlapping chunk adds only its new tail.
    again = station.patch(sha, 0, data[:70_000])
    assert (again.status_code, again.headers[HEADER_UPLOAD_OFFSET]) == (204, "70000")
    overlap = station.patch(sha, 50_000, data[50_000:150_000])
    assert (overlap.status_code, overlap.headers[HEADER_UPLOAD_OFFSET]) == (204, "150000")
    last = station.patch(sha, 150_000, data[150_000:])
    assert (last.status_code, last.headers[HEADER_UPLOAD_OFFSET]) == (204, "200000")
    exists = station.http.post(PATH_BLOBS, json={"sha256": sha, "size": len(data)})
    assert exists.status_code == 200
    assert exists.json()["complete"] is True
    assert server.blob_bytes(sha) == data


def test_patch_at_the_wrong_offset_gets_409_with_the_real_offset(server: PlatformServer) -> None:
    station = Station(server)
    data = os.urandom(10_000)
    sha = hashlib.sha256(data).hexdigest()
    station.http.post(PATH_BLOBS, json={"sha256": sha, "size": len(data)})
    station.patch(sha, 0, data[:4000])
    r = station.patch(sha, 6000, data[6000:])
    _error(r, 409, ErrorCode.OFFSET_MISMATCH)
    assert r.headers[HEADER_UPLOAD_OFFSET] == "4000"


def test_chunk_with_a_bad_checksum_is_refused_with_460_and_not_stored(server: PlatformServer) -> None:
    station = Station(server)
    data = os.urandom(10_000)
    sha = hashlib.sha256(data).hexdigest()
    station.http.post(PATH_BLOBS, json={"sha256": sha, "size": len(data)})
    r = station.patch(sha, 0, data[:5000], checksum=upload_checksum(b"something else"))
    _error(r, 460, ErrorCode.CHECKSUM_MISMATCH)
    assert station.http.head(blob_path(sha)).headers[HEADER_UPLOAD_OFFSET] == "0"
    _error(station.patch(sha, 0, data[:5000], checksum="md5 xyz"), 400, ErrorCode.BAD_REQUEST)


def test_whole_blob_that_does_not_match_its_name_is_reset_with_422(server: PlatformServer) -> None:
    station = Station(server)
    declared = os.urandom(8000)
    sha = hashlib.sha256(declared).hexdigest()
    station.http.post(PATH_BLOBS, json={"sha256": sha, "size": len(declared)})
    wrong = os.urandom(8000)  # every chunk's own checksum is right; the whole is not
    assert station.patch(sha, 0, wrong[:4000]).status_code == 204
    r = station.patch(sha, 4000, wrong[4000:])
    _error(r, 422, ErrorCode.BLOB_CORRUPT)
    assert station.http.head(blob_path(sha)).headers[HEADER_UPLOAD_OFFSET] == "0"
    with server.session() as s:
        blob = s.get(Blob, sha)
        assert blob is not None and blob.resets == 1 and not blob.complete
    assert station.upload(declared) == sha
    assert server.blob_bytes(sha) == declared


def test_blob_errors_unknown_too_large_wrong_type_size_conflict(server: PlatformServer) -> None:
    station = Station(server)
    unknown = "0" * 64
    assert station.http.head(blob_path(unknown)).status_code == 404
    _error(station.patch(unknown, 0, b"x"), 404, ErrorCode.BLOB_NOT_FOUND)
    _error(
        station.http.post(PATH_BLOBS, json={"sha256": "a" * 64, "size": 52428801}),
        413,
        ErrorCode.BLOB_TOO_LARGE,
    )
    sha = station.upload(b"abc")
    _error(station.http.post(PATH_BLOBS, json={"sha256": sha, "size": 4}), 409, ErrorCode.BLOB_SIZE_CONFLICT)
    r = station.http.patch(
        blob_path(sha),
        content=b"abc",
        headers={
            HEADER_UPLOAD_OFFSET: "0",
            HEADER_UPLOAD_CHECKSUM: upload_checksum(b"abc"),
            "Content-Type": "text/plain",
        },
    )
    _error(r, 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE)


# --- cases ------------------------------------------------------------------------------------


def test_put_case_is_idempotent_per_key_and_body(server: PlatformServer) -> None:
    station = Station(server)
    case_uuid, key = str(uuid.uuid4()), str(uuid.uuid4())
    body = station.body([("a" * 64, 10)])
    first = station.put(case_uuid, body, key)
    assert first.status_code == 201
    assert first.json()["uuid"] == case_uuid and first.json()["data_version"] == 1
    replay = station.put(case_uuid, body, key)
    assert (replay.status_code, replay.json()) == (201, first.json())
    _error(station.put(case_uuid, {**body, "title": "另一件事"}, key), 409, ErrorCode.IDEMPOTENCY_CONFLICT)
    _error(station.http.put(case_path(case_uuid), json=body), 400, ErrorCode.IDEMPOTENCY_KEY_MISSING)
    with server.session() as s:
        row = s.get(PlatformCase, case_uuid)
        assert row is not None and row.title == "建筑工程施工许可" and row.put_count == 1


def test_newer_data_version_updates_and_older_is_refused(server: PlatformServer) -> None:
    station = Station(server)
    case_uuid = str(uuid.uuid4())
    station.put(case_uuid, station.body([("a" * 64, 10)], version=1), "k1")
    update = station.put(case_uuid, station.body([("b" * 64, 20)], version=2, title="补正后"), "k2")
    assert (update.status_code, update.json()["data_version"]) == (200, 2)
    stale = station.put(case_uuid, station.body([("a" * 64, 10)], version=1, title="旧"), "k3")
    assert _error(stale, 409, ErrorCode.STALE_VERSION)["data_version"] == 2
    case = station.http.get(case_path(case_uuid)).json()
    assert case["pages"] == ["b" * 64]
    assert case["state"] == "received"
    with server.session() as s:
        assert (
            s.scalar(select(func.count()).select_from(PlatformCase).where(PlatformCase.uuid == case_uuid))
            == 1
        )


def test_another_station_cannot_touch_or_see_a_case(server: PlatformServer) -> None:
    owner, other = Station(server), Station(server)
    case_uuid = str(uuid.uuid4())
    owner.put(case_uuid, owner.body([]), "k")
    _error(other.put(case_uuid, other.body([], version=5), "k"), 403, ErrorCode.WRONG_STATION)
    _error(other.http.get(case_path(case_uuid)), 404, ErrorCode.CASE_NOT_FOUND)
    _error(owner.put(str(uuid.uuid4()), other.body([]), "k9"), 403, ErrorCode.WRONG_STATION)


def test_submit_waits_for_every_blob_then_numbers_the_case_once(server: PlatformServer) -> None:
    station = Station(server)
    pages = _pages(3)
    shas = [hashlib.sha256(p).hexdigest() for p in pages]
    case_uuid = str(uuid.uuid4())
    station.put(case_uuid, station.body([(sha, len(p)) for sha, p in zip(shas, pages, strict=True)]), "put-1")
    station.upload(pages[0])
    early = station.submit(case_uuid, "submit-1")
    assert _error(early, 409, ErrorCode.BLOBS_INCOMPLETE)["missing"] == shas[1:]
    for p in pages[1:]:
        station.upload(p)
    done = station.submit(case_uuid, "submit-1")
    assert done.status_code == 200
    answer = done.json()
    assert answer["state"] == "submitted"
    assert answer["platform_number"].startswith("YC") and len(answer["query_password"]) == 6
    assert station.submit(case_uuid, "submit-1").json() == answer
    # A different key (say, a re-sent event) does not submit twice or renumber.
    assert station.submit(case_uuid, "submit-2").json() == answer
    case = station.http.get(case_path(case_uuid)).json()
    assert case["pages"] == shas and case["platform_number"] == answer["platform_number"]
    assert case["submitted_at"] is not None
    with server.session() as s:
        row = s.get(PlatformCase, case_uuid)
        assert row is not None and row.submit_count == 1 and row.submit_requests == 2
    _error(station.submit(str(uuid.uuid4()), "x"), 404, ErrorCode.CASE_NOT_FOUND)


# --- back office and the changes feed ---------------------------------------------------------


def test_changes_feed_carries_back_office_decisions_in_cursor_pages(server: PlatformServer) -> None:
    station = Station(server)
    a, answer = station.submitted_case(b"page a")
    b, _ = station.submitted_case(b"page b")
    server.admin(a, "correct", note="身份证复印件不清晰", materials=["身份证复印件"])
    station.put(a, station.body([], version=2), "a-v2")
    assert station.submit(a, "a-resubmit").json()["state"] == "submitted"
    server.admin(a, "approve", note="符合条件")
    server.admin(a, "result", result_name="建筑工程施工许可证", licence_number="341122202611230001")
    server.admin(b, "reject", note="不属于本事项受理范围")

    paged = station.all_changes(limit=3)
    assert [c["cursor"] for c in paged] == sorted({c["cursor"] for c in paged})
    assert paged == station.all_changes()
    a_changes = [(c["kind"], c["data"]) for c in paged if c["case_uuid"] == a]
    kinds = [k for k, _ in a_changes]
    assert kinds == [
        "platform_number", "status",  # submit
        "correction_request", "status",
        "status",  # resubmitted
        "decision", "status",
        "result", "status",
    ]  # fmt: skip
    assert a_changes[0][1] == {
        "platform_number": answer["platform_number"],
        "query_password": answer["query_password"],
    }
    assert a_changes[2][1] == {"reason": "身份证复印件不清晰", "materials": ["身份证复印件"]}
    assert a_changes[7][1]["licence_number"] == "341122202611230001"
    assert a_changes[-1][1] == {"state": "completed", "previous": "approved"}
    b_decision = next(c["data"] for c in paged if c["case_uuid"] == b and c["kind"] == "decision")
    assert b_decision == {"decision": "rejected", "reason": "不属于本事项受理范围"}
    last = paged[-1]["cursor"]
    tail = station.http.get(PATH_CHANGES, params={"since": last}).json()
    assert tail == {"changes": [], "next_cursor": last, "more": False}
    assert Station(server).all_changes() == []  # another station's feed is its own
    with server.session() as s:
        row = s.get(PlatformCase, a)
        assert row is not None and row.submit_count == 2


def test_back_office_refuses_illegal_moves_and_strangers(server: PlatformServer) -> None:
    station = Station(server)
    case_uuid = str(uuid.uuid4())
    station.put(case_uuid, station.body([]), "k")
    r = httpx.post(f"{server.base_url}/admin/cases/{case_uuid}/approve", headers=server.admin_headers())
    _error(r, 409, ErrorCode.ILLEGAL_STATE)
    r = httpx.post(f"{server.base_url}/admin/cases/{case_uuid}/approve", headers={"X-Admin-Token": "guess"})
    _error(r, 403, ErrorCode.ADMIN_FORBIDDEN)


def test_back_office_page_lists_cases_with_their_buttons(server: PlatformServer) -> None:
    station = Station(server)
    case_uuid, answer = station.submitted_case(b"page for the page")
    login = httpx.get(server.base_url + "/admin")
    assert login.status_code == 200 and "管理口令" in login.text
    assert httpx.get(server.base_url + "/admin", params={"token": "guess"}).status_code == 403
    page = httpx.get(server.base_url + "/admin", params={"token": server.admin_token})
    assert page.status_code == 200
    assert case_uuid in page.text and answer["platform_number"] in page.text
    row = page.text[page.text.index(answer["platform_number"]) :].split("</tr>")[0]
    assert "准予" in row and "要求补正" in row and "出具结果" not in row


# --- evaluations, audit, licences, pre-applications -------------------------------------------


def test_evaluations_are_idempotent_per_uuid(server: PlatformServer) -> None:
    station = Station(server)
    ev_uuid = str(uuid.uuid4())
    payload = {
        "evaluation_uuid": ev_uuid,
        "level": 5,
        "evaluated_at": "2026-11-23T01:00:00+00:00",
        "comment": "很好",
    }
    first = station.http.post(PATH_EVALUATIONS, json=payload, headers={HEADER_IDEMPOTENCY_KEY: ev_uuid})
    assert first.status_code == 201
    replay = station.http.post(PATH_EVALUATIONS, json=payload, headers={HEADER_IDEMPOTENCY_KEY: ev_uuid})
    assert (replay.status_code, replay.json()) == (201, first.json())
    changed = station.http.post(
        PATH_EVALUATIONS, json={**payload, "level": 1}, headers={HEADER_IDEMPOTENCY_KEY: ev_uuid}
    )
    _error(changed, 409, ErrorCode.IDEMPOTENCY_CONFLICT)
    with server.session() as s:
        rows = s.scalars(select(EvaluationRecord).where(EvaluationRecord.uuid == ev_uuid)).all()
        assert [r.payload["comment"] for r in rows] == ["很好"]


def test_audit_events_are_stored_once_per_uuid(server: PlatformServer) -> None:
    station = Station(server)
    events = [{"uuid": str(uuid.uuid4()), "action": "case.accept", "n": n} for n in range(3)]
    r = station.http.post(PATH_AUDIT, json={"events": [*events, events[0]]})
    assert r.json() == {"accepted": 4, "duplicates": 1}
    again = station.http.post(PATH_AUDIT, json={"events": events})
    assert again.json() == {"accepted": 3, "duplicates": 3}
    with server.session() as s:
        uuids = {e["uuid"] for e in events}
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.uuid.in_(uuids))) == 3


def test_licences_by_holder_hash_and_preapplication_by_code(server: PlatformServer) -> None:
    station = Station(server)
    holder = holder_hash(SEED_HOLDERS[0].id_number.lower())  # normalised: x/X and spaces do not matter
    licences = station.http.get(PATH_LICENCES, params={"holder": holder}).json()["licences"]
    assert {lic["name"] for lic in licences} == {"结婚证", "不动产权证书"}
    nobody = station.http.get(PATH_LICENCES, params={"holder": hashlib.sha256(b"x").hexdigest()}).json()
    assert nobody == {"licences": []}
    _error(
        station.http.get(PATH_LICENCES, params={"holder": "110101199001011234"}), 400, ErrorCode.BAD_REQUEST
    )
    pre = station.http.get(preapplication_path(PREAPPLICATION_CODES[0])).json()
    assert pre["applicant_name"] == "张*"
    assert pre["item_impl_code"] == catalog_document()["items"][0]["impl_code"]
    assert any(m["provided"] for m in pre["materials"]) and not all(m["provided"] for m in pre["materials"])
    _error(station.http.get(preapplication_path("YS0000")), 404, ErrorCode.PREAPPLICATION_NOT_FOUND)


# --- fault switches ---------------------------------------------------------------------------


def test_dropped_reply_after_commit_resets_but_the_case_is_stored(server: PlatformServer) -> None:
    station = Station(server)
    case_uuid, key = str(uuid.uuid4()), str(uuid.uuid4())
    body = station.body([])
    server.set_faults(drop_reply_after_commit=1, match="^PUT ")
    with pytest.raises(httpx.TransportError):
        station.put(case_uuid, body, key)
    with server.session() as s:
        assert s.get(PlatformCase, case_uuid) is not None
    retry = station.put(case_uuid, body, key)  # the switch used itself up
    assert retry.status_code == 201
    with server.session() as s:
        row = s.get(PlatformCase, case_uuid)
        assert row is not None and row.put_count == 1
    faults = httpx.get(server.base_url + "/admin/faults", headers=server.admin_headers()).json()
    assert faults["dropped"] == 1 and faults["drop_reply_after_commit"] == 0


def test_drop_only_touches_matching_requests(server: PlatformServer) -> None:
    station = Station(server)
    server.set_faults(drop_reply_after_commit=2, match="/submit$")
    case_uuid = str(uuid.uuid4())
    assert station.put(case_uuid, station.body([]), "k").status_code == 201
    for _ in range(2):
        with pytest.raises(httpx.TransportError):
            station.submit(case_uuid, "s")
    assert station.submit(case_uuid, "s").status_code == 200
    with server.session() as s:
        row = s.get(PlatformCase, case_uuid)
        assert row is not None and row.submit_requests == 1


def test_error_rate_answers_503_without_handling(server: PlatformServer) -> None:
    station = Station(server)
    server.set_faults(error_rate=1)
    case_uuid = str(uuid.uuid4())
    r = station.put(case_uuid, station.body([]), "k")
    _error(r, 503, ErrorCode.UNAVAILABLE)
    assert r.headers["Retry-After"] == "1"
    with server.session() as s:
        assert s.get(PlatformCase, case_uuid) is None


def test_stall_holds_the_reply_past_a_short_timeout(server: PlatformServer) -> None:
    station = Station(server)
    server.set_faults(stall_s=0.6, match="^GET /v1/clerks")
    with pytest.raises(httpx.ReadTimeout):
        station.http.get(PATH_CLERKS, timeout=0.2)
    assert station.http.get(PATH_CATALOG, timeout=0.2 * 10).status_code == 200  # not matched
    assert station.http.get(PATH_CLERKS, timeout=5).status_code == 200


def test_clock_offset_moves_server_time(server: PlatformServer) -> None:
    server.set_faults(clock_offset_s=600)
    server_time = dt.datetime.fromisoformat(httpx.get(server.base_url + PATH_META).json()["server_time"])
    assert 590 < (server_time - dt.datetime.now(dt.UTC)).total_seconds() < 610


def test_bad_fault_switches_are_refused_in_chinese(server: PlatformServer) -> None:
    r = httpx.post(server.base_url + "/admin/faults", json={"match": "("}, headers=server.admin_headers())
    assert r.status_code == 400 and "正则" in r.json()["detail"]


def test_probabilistic_switches_hit_some_requests_and_not_others() -> None:
    faults = Faults(FaultSettings(drop_reply_after_commit=0.5, error_rate=0.3), seed=7)
    drops = [faults.take_drop() for _ in range(200)]
    errors = [faults.take_error() for _ in range(200)]
    assert 60 < sum(drops) < 140 and 30 < sum(errors) < 90
    assert faults.settings.drop_reply_after_commit == 0.5  # a probability is not used up
    assert faults.counters().dropped == sum(drops)


def test_without_uvicorn_a_dropped_reply_is_cut_off_mid_way(tmp_path: Path) -> None:
    """Under another ASGI server there is no socket to reset: the reply starts and then breaks."""
    app = create_app(tmp_path, admin_token="t", faults=FaultSettings(drop_reply_after_commit=1))
    code = app.platform.new_codes(1)[0]
    _, token = app.platform.enroll(code, "ASGI1", "无套接字站", "0.1")
    case_uuid = str(uuid.uuid4())
    body = {
        "station_code": "ASGI1", "local_number": "n", "data_version": 1,
        "item_impl_code": "x", "title": "t", "state": "accepted",
    }  # fmt: skip

    async def put() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://platform") as client:
            await client.put(
                case_path(case_uuid),
                json=body,
                headers={
                    PROTOCOL_HEADER: "1",
                    "Authorization": f"Bearer {token}",
                    HEADER_IDEMPOTENCY_KEY: "k",
                },
            )

    with pytest.raises(ConnectionAbortedError):
        asyncio.run(put())
    with app.platform.db.session() as s:
        assert s.get(PlatformCase, case_uuid) is not None
    app.platform.close()


def test_startup_fault_flags_parse_as_pairs_or_json(tmp_path: Path) -> None:
    assert parse_faults("drop_reply_after_commit=2, stall_s=0.5") == FaultSettings(
        drop_reply_after_commit=2, stall_s=0.5
    )
    assert parse_faults('{"error_rate": 0.25}') == FaultSettings(error_rate=0.25)
    for bad in ("error_rate=2", "speed=3", "stall_s=fast", "nonsense"):
        with pytest.raises(ConfigError):
            parse_faults(bad)
    with run_platform(tmp_path, faults=parse_faults("error_rate=1")) as srv:
        assert httpx.get(srv.base_url + PATH_META).status_code == 503


# --- the command line -------------------------------------------------------------------------


def test_cli_codes_enroll_and_admin_decides(
    server: PlatformServer, yc_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    assert main(["platform", "codes", "--new", "2", "--data-dir", str(server.data_dir)]) == 0
    codes = capsys.readouterr().out.split()
    assert len(codes) == 2
    body = {"code": codes[1], "station_code": "CLI01", "station_name": "命令行站", "client_version": "0.1"}
    assert httpx.post(server.base_url + PATH_ENROLL, json=body, headers=server.headers()).status_code == 201

    station = Station(server)
    case_uuid, answer = station.submitted_case(b"cli page")
    admin = ["platform", "admin", "--url", server.base_url, "--admin-token", server.admin_token]
    assert main([*admin, "list"]) == 0
    assert answer["platform_number"] in capsys.readouterr().out
    assert main([*admin, "correct", case_uuid, "--note", "缺少委托书", "--material", "授权委托书"]) == 0
    assert "待补正" in capsys.readouterr().out
    change = station.all_changes()[-2]
    assert change["data"] == {"reason": "缺少委托书", "materials": ["授权委托书"]}
    assert main([*admin, "approve", case_uuid]) == 2  # not allowed while waiting for 补正
    assert "状态不允许" in capsys.readouterr().err
    assert main([*admin, "faults", "--set", "stall_s=0"]) == 0
    assert "stall_s = 0.0" in capsys.readouterr().out
    assert main(["platform", "admin", "--url", server.base_url, "--admin-token", "guess", "list"]) == 2
    assert "管理口令不正确" in capsys.readouterr().err


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.mark.postgres
def test_platform_runs_on_postgresql(tmp_path: Path) -> None:
    admin = pg_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL not started: set YC_TEST_PG_URL (make test does this)")
    name = f"yc_platform_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        with run_platform(tmp_path, db_url=url) as srv:
            assert srv.app.platform.db.dialect == "postgresql"
            station = Station(srv)
            case_uuid, _ = station.submitted_case(os.urandom(5000))
            srv.admin(case_uuid, "approve")
            kinds = [c["kind"] for c in station.all_changes()]
            assert kinds == ["platform_number", "status", "decision", "status"]
            sha = station.upload(b"\x00" * 100)
            assert srv.blob_bytes(sha) == b"\x00" * 100
            bad = station.put(str(uuid.uuid4()), {**station.body([]), "title": "nul\x00"}, "nul")
            _error(bad, 400, ErrorCode.BAD_REQUEST)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        engine.dispose()
