"""PlatformClient: what counts as success, how failures are classified, TLS, clock skew, uploads.

Real HTTP against the reference platform through the fault proxy where the platform can show the
behaviour; httpx's MockTransport only for answers the platform never gives on purpose (a garbled
chunk, a corrupt assembled blob, a stop order).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.config import load_config
from app.errors import IntegrityError, StorageError, SyncError
from app.model import Setting
from app.storage.crypto import FieldCipher
from app.storage.db import Database, upgrade
from sync import protocol
from sync.blobs_upload import upload_blob
from sync.client import ClientSettings, PlatformClient, PlatformError, settings_from_config
from sync.platform.seed import PREAPPLICATION_CODES, SEED_HOLDERS
from sync.token_store import DbTokenStore, KeyringTokenStore, enroll, open_token_store
from tests.sync.fault_proxy import FaultProxy, fault_proxy
from tests.sync.platform_server import PlatformServer, run_platform

CHUNK = 16 * 1024


@pytest.fixture(scope="module")
def shared_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformServer]:
    with run_platform(tmp_path_factory.mktemp("platform")) as running:
        yield running


@pytest.fixture
def platform(shared_platform: PlatformServer) -> Iterator[PlatformServer]:
    yield shared_platform
    shared_platform.clear_faults()


@pytest.fixture(scope="module")
def token(shared_platform: PlatformServer) -> str:
    return shared_platform.enroll("CLIENT01")


@pytest.fixture
def proxy(platform: PlatformServer) -> Iterator[FaultProxy]:
    with fault_proxy(platform.base_url) as p:
        yield p


@pytest.fixture
def client(proxy: FaultProxy, token: str) -> Iterator[PlatformClient]:
    with PlatformClient(ClientSettings(base_url=proxy.url, idle_timeout_s=1.0), token=token) as c:
        yield c


def _blob(size: int, seed: int) -> tuple[str, bytes]:
    data = random.Random(seed).randbytes(size)
    return hashlib.sha256(data).hexdigest(), data


# --- What counts as success -------------------------------------------------------------------


def test_meta_reports_limits_and_no_skew_warning_on_a_right_clock(client: PlatformClient) -> None:
    meta = client.meta()
    assert meta.limits.max_chunk_bytes == protocol.MAX_CHUNK_BYTES and meta.stop is False
    assert abs(meta.skew_s) < 5 and client.skew_warning is None
    client.check_usable(meta)


def test_a_platform_clock_off_by_ten_minutes_warns_the_clerk(
    platform: PlatformServer, proxy: FaultProxy, token: str
) -> None:
    seen: list[float] = []
    platform.set_faults(clock_offset_s=600)
    with PlatformClient(ClientSettings(base_url=proxy.url), token=token, on_skew=seen.append) as c:
        c.meta()
        assert c.skew_warning is not None and "慢约 10 分钟" in c.skew_warning and "校准" in c.skew_warning
        assert len(seen) == 1 and 590 < seen[0] < 610
        platform.set_faults(clock_offset_s=100)  # within 300 s: no warning
        c.meta()
        assert c.skew_warning is None and len(seen) == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>\xe8\xaf\xb7\xe7\x99\xbb\xe5\xbd\x95 Wi-Fi</body></html>", "text/html"),
        (b'{"protocol": 1, "server_time": "2026-01-01T00:00:00Z"}', "application/json"),
    ],
    ids=["login-page", "json-without-protocol-header"],
)
def test_a_captive_portal_200_is_not_success(
    client: PlatformClient, proxy: FaultProxy, body: bytes, content_type: str
) -> None:
    proxy.respond(200, match="GET /v1/meta", body=body, content_type=content_type)
    with pytest.raises(PlatformError) as caught:
        client.meta()
    assert caught.value.kind == "protocol" and "登录" in str(caught.value)


def test_a_gateway_error_page_is_a_server_failure_to_retry(client: PlatformClient, proxy: FaultProxy) -> None:
    proxy.respond(502, match="GET /v1/meta")
    with pytest.raises(PlatformError) as caught:
        client.meta()
    assert (caught.value.kind, caught.value.status) == ("server", 502)
    assert client.meta().protocol == 1  # the next request goes through


def test_the_platforms_refusals_carry_its_chinese_reason(
    client: PlatformClient, platform: PlatformServer
) -> None:
    with pytest.raises(PlatformError) as unknown:
        client.enroll("NOPE-NOPE", "ST777", "某站")
    assert (unknown.value.kind, unknown.value.code) == ("rejected", "code_unknown")
    assert "登记码不存在" in str(unknown.value)
    code = platform.new_codes(1)[0]
    assert client.enroll(code, "ST778", "某站").token
    with pytest.raises(PlatformError) as used:
        client.enroll(code, "ST779", "某站")
    assert (used.value.kind, used.value.code, used.value.status) == ("conflict", "code_used", 409)
    assert isinstance(used.value, SyncError)


def test_a_bad_or_missing_token_is_an_auth_failure(proxy: FaultProxy) -> None:
    with PlatformClient(ClientSettings(base_url=proxy.url), token="not-a-token") as c:
        with pytest.raises(PlatformError) as caught:
            c.changes(0)
        assert caught.value.kind == "auth" and "登记" in str(caught.value)
        c.token = None
        with pytest.raises(PlatformError) as missing:
            c.changes(0)
        assert missing.value.kind == "auth"


def test_no_listener_is_offline() -> None:
    settings = ClientSettings(base_url="http://127.0.0.1:9", idle_timeout_s=1)
    with PlatformClient(settings) as c, pytest.raises(PlatformError) as caught:
        c.meta()
    assert caught.value.kind == "offline" and "网络" in str(caught.value)


def test_a_stalled_link_is_cut_after_the_idle_timeout_not_waited_out(
    client: PlatformClient, proxy: FaultProxy
) -> None:
    proxy.stall(30, match="GET /v1/meta")
    started = time.monotonic()
    with pytest.raises(PlatformError) as caught:
        client.meta()
    took = time.monotonic() - started
    assert caught.value.kind == "offline" and "1 秒" in str(caught.value)
    assert 0.9 <= took < 5
    assert client.meta().protocol == 1  # a new connection works at once


def test_a_slow_link_that_keeps_moving_is_not_cut(client: PlatformClient, token: str) -> None:
    """The idle timeout is per byte moved: a reply trickling in over 1.2 s (idle 0.4 s) still arrives."""

    def trickle(request: httpx.Request) -> httpx.Response:
        def body() -> Iterator[bytes]:
            text = json.dumps({"changes": [], "next_cursor": 0}).encode()
            for i in range(0, len(text), 4):
                time.sleep(1.2 / (len(text) / 4))
                yield text[i : i + 4]

        return httpx.Response(200, headers={protocol.PROTOCOL_HEADER: "1"}, content=body())

    with (
        _served(trickle) as url,
        PlatformClient(ClientSettings(base_url=url, idle_timeout_s=0.4), token=token) as c,
    ):
        started = time.monotonic()
        assert c.changes(0).changes == []
        assert time.monotonic() - started > 1.0


def test_settings_come_from_the_sync_configuration_keys(tmp_path: Path, yc_home: Path) -> None:
    config = load_config(
        overrides={
            "sync.platform_url": "https://platform.example.gov.cn",
            "sync.ca_bundle": str(tmp_path / "ca.pem"),
            "sync.idle_timeout_s": "12.5",
        }
    )
    settings = settings_from_config(config)
    assert settings.base_url == "https://platform.example.gov.cn"
    assert settings.ca_bundle == tmp_path / "ca.pem" and settings.client_cert is None
    assert settings.idle_timeout_s == 12.5
    with pytest.raises(PlatformError, match=r"sync\.ca_bundle"):
        PlatformClient(settings)  # the CA file does not exist: said at start, not at the first send
    with pytest.raises(PlatformError, match=r"sync\.platform_url"):
        PlatformClient(settings_from_config(load_config(overrides={})))


# --- Uploads ----------------------------------------------------------------------------------


def test_an_upload_cut_mid_chunk_resumes_from_the_platforms_offset_resending_one_chunk_at_most(
    client: PlatformClient, proxy: FaultProxy, platform: PlatformServer
) -> None:
    sha, data = _blob(10 * CHUNK + 123, 1)
    proxy.cut_request_after(CHUNK // 2, match="PATCH ", count=3, every=3)  # three cuts, chunks apart
    result = upload_blob(client, sha, len(data), lambda: data, chunk_bytes=CHUNK)
    assert result.started_at == 0 and not result.already_complete
    # Each cut loses at most the chunk in flight.
    assert len(data) <= result.sent_bytes <= len(data) + 3 * CHUNK
    assert platform.blob_bytes(sha) == data


def test_a_lost_chunk_acknowledgement_costs_no_resend(
    client: PlatformClient, proxy: FaultProxy, platform: PlatformServer
) -> None:
    sha, data = _blob(4 * CHUNK, 2)
    proxy.cut_response_after(5, match="PATCH ", count=3)  # the platform stored each chunk, the reply is cut
    result = upload_blob(client, sha, len(data), lambda: data, chunk_bytes=CHUNK)
    assert result.sent_bytes == len(data)
    assert platform.blob_bytes(sha) == data


def test_an_interrupted_upload_is_resumed_by_a_later_attempt(
    client: PlatformClient, proxy: FaultProxy, platform: PlatformServer
) -> None:
    sha, data = _blob(6 * CHUNK, 3)
    proxy.cut_request_after(CHUNK // 3, match="PATCH ", count=5)
    with pytest.raises(PlatformError) as caught:
        upload_blob(client, sha, len(data), lambda: data, chunk_bytes=CHUNK)
    # The link moves nothing: after two cuts in a row the upload leaves the retry to the outbox.
    assert caught.value.kind == "offline"
    assert [r for r in proxy.requests if r.startswith("PATCH")] == [f"PATCH /v1/blobs/{sha}"] * 2
    proxy.clear()
    half = 3 * CHUNK
    reads: list[int] = []

    def read() -> bytes:
        reads.append(1)
        return data

    client.blob_create(sha, len(data))
    client.blob_patch(sha, 0, data[:half])
    result = upload_blob(client, sha, len(data), read, chunk_bytes=CHUNK)
    assert result.started_at == half and result.sent_bytes == len(data) - half
    assert platform.blob_bytes(sha) == data
    again = upload_blob(client, sha, len(data), read, chunk_bytes=CHUNK)
    assert again.already_complete and len(reads) == 1  # a complete blob is not even read


def test_a_damaged_local_copy_is_never_sent(client: PlatformClient) -> None:
    sha, data = _blob(1000, 4)
    with pytest.raises(IntegrityError, match="重新扫描"):
        upload_blob(client, sha, len(data), lambda: data[:-1] + b"x")


def test_a_garbled_chunk_is_resent_and_a_corrupt_blob_restarts_once() -> None:
    sha, data = _blob(3 * CHUNK, 5)
    stored = bytearray()
    state = {"garble": 1, "corrupt": 1}

    def platform(request: httpx.Request) -> httpx.Response:
        marked = {protocol.PROTOCOL_HEADER: "1"}
        if request.method == "POST":
            return httpx.Response(
                201,
                headers=marked,
                json={"sha256": sha, "size": len(data), "offset": len(stored), "complete": False},
            )
        offset = int(request.headers[protocol.HEADER_UPLOAD_OFFSET])
        assert offset == len(stored)
        if state["garble"]:
            state["garble"] -= 1
            return httpx.Response(460, headers=marked, json={"error": "checksum_mismatch", "message": "损坏"})
        stored.extend(request.content)
        if len(stored) == len(data) and state["corrupt"]:
            state["corrupt"] -= 1
            stored.clear()
            return httpx.Response(
                422,
                headers={**marked, protocol.HEADER_UPLOAD_OFFSET: "0"},
                json={"error": "blob_corrupt", "message": "校验不一致"},
            )
        return httpx.Response(204, headers={**marked, protocol.HEADER_UPLOAD_OFFSET: str(len(stored))})

    with PlatformClient(
        ClientSettings(base_url="http://platform.test"), token="t", transport=httpx.MockTransport(platform)
    ) as c:
        result = upload_blob(c, sha, len(data), lambda: data, chunk_bytes=CHUNK)
    assert bytes(stored) == data
    assert result.sent_bytes == len(data) + CHUNK + len(data)  # one chunk again, then the whole blob again


def test_a_too_old_client_is_told_to_stop() -> None:
    def platform(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={protocol.PROTOCOL_HEADER: "1"},
            json={
                "protocol": 1,
                "server_time": dt.datetime.now(dt.UTC).isoformat(),
                "min_client_version": "9.0",
                "limits": {},
                "stop": False,
                "message": "",
            },
        )

    with PlatformClient(
        ClientSettings(base_url="http://platform.test"), transport=httpx.MockTransport(platform)
    ) as c:
        meta = c.meta()
        with pytest.raises(PlatformError, match=r"9\.0") as caught:
            c.check_usable(meta)
    assert caught.value.kind == "protocol" and caught.value.code == "client_stopped"


# --- TLS ----------------------------------------------------------------------------------------


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer[0].subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


def _write_pem(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | None = None) -> Path:
    text = cert.public_bytes(serialization.Encoding.PEM)
    if key is not None:
        text += key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    path.write_bytes(text)
    return path


class _Meta(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"protocol": 1, "server_time": dt.datetime.now(dt.UTC).isoformat()}).encode()
        self.send_response(200)
        self.send_header(protocol.PROTOCOL_HEADER, "1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Path]:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("YiChuang Test CA", ca_key, None)
    server_key = ec.generate_private_key(ec.SECP256R1())
    station_key = ec.generate_private_key(ec.SECP256R1())
    return {
        "ca": _write_pem(tmp_path / "ca.pem", ca),
        "server": _write_pem(
            tmp_path / "server.pem", _certificate("localhost", server_key, (ca, ca_key)), server_key
        ),
        "station": _write_pem(
            tmp_path / "station.pem", _certificate("ST001", station_key, (ca, ca_key)), station_key
        ),
    }


@pytest.fixture
def tls_server(pki: dict[str, Path]) -> Iterator[str]:
    """An HTTPS meta endpoint that demands a client certificate signed by the test CA."""
    httpd = HTTPServer(("127.0.0.1", 0), _Meta)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["server"])
    context.load_verify_locations(pki["ca"])
    context.verify_mode = ssl.CERT_REQUIRED
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_tls_is_verified_against_the_configured_ca_with_the_station_certificate(
    tls_server: str, pki: dict[str, Path]
) -> None:
    settings = ClientSettings(
        base_url=tls_server, ca_bundle=pki["ca"], client_cert=pki["station"], idle_timeout_s=2
    )
    with PlatformClient(settings) as c:
        assert c.meta().protocol == 1


def test_a_server_certificate_from_an_unknown_ca_is_refused(tls_server: str, pki: dict[str, Path]) -> None:
    with (
        PlatformClient(
            ClientSettings(base_url=tls_server, client_cert=pki["station"], idle_timeout_s=2)
        ) as c,
        pytest.raises(PlatformError) as caught,
    ):
        c.meta()
    assert (
        caught.value.kind == "protocol"
        and "证书" in str(caught.value)
        and "sync.ca_bundle" in str(caught.value)
    )


def test_without_the_station_certificate_the_platform_cannot_be_used(
    tls_server: str, pki: dict[str, Path]
) -> None:
    settings = ClientSettings(base_url=tls_server, ca_bundle=pki["ca"], idle_timeout_s=2)
    with PlatformClient(settings) as c, pytest.raises(PlatformError) as caught:
        c.meta()
    assert caught.value.kind in ("protocol", "offline")


# --- helpers ------------------------------------------------------------------------------------


class _served:
    """Serve ``handler`` (an httpx-style function) over real HTTP on loopback, for odd replies."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        outer = handler

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                request = httpx.Request("GET", f"http://x{self.path}", headers=dict(self.headers))
                response = outer(request)
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding"):
                        self.send_header(key, value)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for part in response.iter_raw():
                    self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- Look-ups -------------------------------------------------------------------------------------


def test_licences_and_pre_applications_are_looked_up_without_sending_the_id_number(
    client: PlatformClient, proxy: FaultProxy
) -> None:
    holder = SEED_HOLDERS[0]
    licences = client.licences(holder.id_number.lower())  # the check letter's case does not matter
    assert {lic.name for lic in licences} == {"结婚证", "不动产权证书"}
    assert all(holder.id_number not in r for r in proxy.requests)
    found = client.preapplication(PREAPPLICATION_CODES[0])
    assert found is not None and found["code"] == PREAPPLICATION_CODES[0]
    assert client.preapplication("YS-NO-SUCH-CODE") is None


# --- Token store and enrollment ----------------------------------------------------------------


class _MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.values.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("missing")


@pytest.fixture
def local_db(tmp_path: Path, cipher: FieldCipher) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'station.sqlite3'}")
    upgrade(database)
    yield database
    database.dispose()


def test_the_token_is_kept_encrypted_in_the_database(local_db: Database, cipher: FieldCipher) -> None:
    store = DbTokenStore(local_db, cipher)
    assert store.load() is None
    store.save("secret-station-token")
    with local_db.session() as s:
        raw = s.get(Setting, "sync.token")
        assert raw is not None and "secret-station-token" not in json.dumps(raw.value)
    assert store.load() == "secret-station-token"
    other_key = FieldCipher(b"\x01" * 32)
    with pytest.raises(IntegrityError):
        DbTokenStore(local_db, other_key).load()  # useless without the station's key
    store.clear()
    assert store.load() is None


def test_the_token_can_live_in_the_os_keyring() -> None:
    backend = _MemoryKeyring()
    store = KeyringTokenStore("ST001", backend=backend)
    store.save("tok")
    assert store.load() == "tok" and backend.values == {("yichuang-sync", "ST001"): "tok"}
    store.clear()
    store.clear()  # clearing twice is fine
    assert store.load() is None
    with pytest.raises(StorageError, match="key_source"):
        KeyringTokenStore("ST001", backend=keyring.backends.fail.Keyring()).save("tok")  # type: ignore[no-untyped-call]


def test_the_store_follows_the_station_setup(yc_home: Path, local_db: Database, cipher: FieldCipher) -> None:
    station = load_config(overrides={"storage.key_source": "keyring"})
    hall = load_config(overrides={"storage.key_source": "keyring", "station.mode": "hall"})
    keyless = load_config(overrides={"storage.key_source": "file"})
    assert isinstance(open_token_store(station, local_db, cipher), KeyringTokenStore)
    assert isinstance(open_token_store(hall, local_db, cipher), DbTokenStore)  # every node needs it
    assert isinstance(open_token_store(keyless, local_db, cipher), DbTokenStore)


def test_enrollment_spends_the_one_time_code_and_keeps_the_token(
    proxy: FaultProxy, platform: PlatformServer, local_db: Database, cipher: FieldCipher
) -> None:
    store = DbTokenStore(local_db, cipher)
    code = platform.new_codes(1)[0]
    with PlatformClient(ClientSettings(base_url=proxy.url)) as c:
        done = enroll(c, store, local_db, code=code.lower(), station_code="ST555", station_name="五号站")
        assert c.token == done.token == store.load()
        assert c.changes(0).changes == []  # the token works at once
        with pytest.raises(PlatformError) as again:
            enroll(c, store, local_db, code=code, station_code="ST556", station_name="六号站")
    assert again.value.code == "code_used" and "只能用一次" in str(again.value)
    assert store.load() == done.token  # a refused enrollment keeps the working token
    with local_db.session() as s:
        row = s.get(Setting, "sync.station_id")
        assert row is not None and row.value == done.station_id
