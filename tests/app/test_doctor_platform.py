"""`yichuang doctor` on the platform side: reachability, TLS certificate, clock skew and the outbox.

Reachability and skew run against the real reference platform on loopback; TLS against a small
HTTPS server with certificates made here (a private CA, like a province's), since what is checked
is the certificate chain and its dates, not the platform.
"""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app import doctor
from app.cli import main
from app.config import Config, load_config
from app.model import utcnow
from app.outbox import enqueue
from app.storage.db import Database
from tests.sync.platform_server import PlatformServer, run_platform

FAST_S = 2.0


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[PlatformServer]:
    """The reference platform on loopback (tests/sync/platform_server.py)."""
    with run_platform(tmp_path / "platform") as server:
        yield server


def config_for(url: str, **more: str) -> Config:
    return load_config(None, overrides={"sync.platform_url": url, **more})


def by_name(results: list[doctor.CheckResult]) -> dict[str, doctor.CheckResult]:
    return {r.name: r for r in results}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- reachability and clock, against the reference platform ---------------------------------------


def test_no_platform_configured_is_ok_and_says_so() -> None:
    results = doctor.check_platform(load_config(None, overrides={}))
    assert [(r.name, r.verdict) for r in results] == [("省级平台", "ok")]
    assert "未配置平台地址" in results[0].message


def test_the_reference_platform_is_reachable_and_in_step(platform: PlatformServer) -> None:
    results = by_name(doctor.check_platform(config_for(platform.base_url), timeout_s=FAST_S))
    assert results["省级平台"].verdict == "ok", results["省级平台"].message
    assert platform.base_url in results["省级平台"].message
    assert results["本机时间"].verdict == "ok"
    assert "平台证书" not in results  # plain http has no certificate to check


def test_an_unreachable_platform_fails_with_what_to_check() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    results = by_name(doctor.check_platform(config_for(url), timeout_s=FAST_S))
    reach = results["省级平台"]
    assert reach.verdict == "fail"
    assert "无法连接省级平台" in reach.message and "sync.platform_url" in reach.message
    assert "本机时间" not in results


def test_a_platform_clock_ten_minutes_off_is_a_warning(platform: PlatformServer) -> None:
    platform.set_faults(clock_offset_s=600)
    results = by_name(doctor.check_platform(config_for(platform.base_url), timeout_s=FAST_S))
    clock = results["本机时间"]
    assert clock.verdict == "warn"
    assert "比省级平台慢" in clock.message and "自动对时" in clock.message
    assert results["省级平台"].verdict == "ok"
    platform.set_faults(clock_offset_s=-400)
    clock = by_name(doctor.check_platform(config_for(platform.base_url), timeout_s=FAST_S))["本机时间"]
    assert clock.verdict == "warn" and "快" in clock.message


def test_a_page_that_is_not_the_platform_fails() -> None:
    with https_server(None, protocol_header=False, tls=False) as url:
        reach = by_name(doctor.check_platform(config_for(url), timeout_s=FAST_S))["省级平台"]
    assert reach.verdict == "fail" and "不是省级平台的应答" in reach.message


def test_doctor_exit_code_is_one_for_a_failure_and_zero_for_warnings(
    yc_home: Path, capsys: pytest.CaptureFixture[str], platform: PlatformServer
) -> None:
    base = ["--set", "storage.key_source=file", "--set", "storage.min_free_mb=0"]
    assert main([*base, "--set", f"sync.platform_url=http://127.0.0.1:{closed_port()}", "doctor"]) == 1
    assert "✘ 省级平台" in capsys.readouterr().out
    platform.set_faults(clock_offset_s=900)
    assert main([*base, "db", "upgrade"]) == 0
    capsys.readouterr()
    assert main([*base, "--set", f"sync.platform_url={platform.base_url}", "doctor", "--json"]) == 0
    checks = {c["name"]: c["verdict"] for c in json.loads(capsys.readouterr().out)}
    assert checks["本机时间"] == "warn" and checks["省级平台"] == "ok" and checks["待同步记录"] == "ok"


# --- the outbox -----------------------------------------------------------------------------------


def add_event(db: Database, age: dt.timedelta, status: str = "pending") -> None:
    with db.session() as s:
        event = enqueue(s, aggregate="case", aggregate_uuid="c-1", kind="case.put", payload={})
        event.created_at = utcnow() - age
        event.status = status


def test_an_empty_outbox_is_ok(db: Database) -> None:
    result = doctor.check_outbox(db)
    assert result.verdict == "ok" and "没有待发送的记录" in result.message


def test_a_fresh_backlog_is_ok_but_a_day_old_one_is_a_warning(db: Database) -> None:
    add_event(db, dt.timedelta(minutes=5))
    add_event(db, dt.timedelta(hours=3), status="failed")
    add_event(db, dt.timedelta(days=9), status="sent")  # done long ago: not waiting
    fresh = doctor.check_outbox(db)
    assert fresh.verdict == "ok" and "2 条记录待发送" in fresh.message and "3 小时" in fresh.message
    add_event(db, dt.timedelta(hours=30))
    stale = doctor.check_outbox(db)
    assert stale.verdict == "warn"
    assert "3 条记录待发送" in stale.message and "30 小时" in stale.message and "检查网络" in stale.message


def test_events_the_platform_refused_are_a_warning(db: Database) -> None:
    add_event(db, dt.timedelta(minutes=1), status="quarantined")
    result = doctor.check_outbox(db)
    assert result.verdict == "warn" and "1 条记录被平台退回" in result.message


def test_events_created_now_count_their_age_from_now(db: Database) -> None:
    add_event(db, dt.timedelta(0))
    later = doctor.check_outbox(db, now=utcnow() + dt.timedelta(days=3))
    assert later.verdict == "warn" and "3.0 天" in later.message


# --- TLS ----------------------------------------------------------------------------------------------


class Pki:
    """A private CA and certificates it signs for 127.0.0.1, written as PEM files."""

    def __init__(self, folder: Path, name: str = "测试省级平台 CA") -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=800))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                    encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )  # fmt: skip
        self.bundle = folder / "ca.pem"
        self.bundle.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def server_files(self, *, valid_days: float, started_days_ago: float = 30) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=started_days_ago))
            .not_valid_after(now + dt.timedelta(days=valid_days))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        cert_file = self.folder / f"server-{valid_days}.pem"
        key_file = self.folder / f"server-{valid_days}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return cert_file, key_file


@contextmanager
def https_server(
    files: tuple[Path, Path] | None, *, protocol_header: bool = True, tls: bool = True
) -> Iterator[str]:
    """A stand-in platform answering GET /v1/meta; yields its base URL."""

    class Meta(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"protocol": 1, "server_time": utcnow().isoformat()}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if protocol_header:
                self.send_header("X-YiChuang-Protocol", "1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Meta)
    if tls:
        assert files is not None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(files[0]), str(files[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return Pki(tmp_path / "pki")


def test_a_certificate_from_the_configured_ca_is_ok_with_its_expiry(pki: Pki) -> None:
    with https_server(pki.server_files(valid_days=200)) as url:
        results = by_name(doctor.check_platform(config_for(url, **{"sync.ca_bundle": str(pki.bundle)})))
    cert = results["平台证书"]
    assert cert.verdict == "ok", cert.message
    assert "还有 199 天" in cert.message or "还有 200 天" in cert.message
    assert results["省级平台"].verdict == "ok" and results["本机时间"].verdict == "ok"


def test_a_certificate_expiring_within_thirty_days_is_a_warning(pki: Pki) -> None:
    with https_server(pki.server_files(valid_days=12.5)) as url:
        results = by_name(doctor.check_platform(config_for(url, **{"sync.ca_bundle": str(pki.bundle)})))
    cert = results["平台证书"]
    assert cert.verdict == "warn"
    assert "还有 12 天" in cert.message and "更换证书" in cert.message
    assert results["省级平台"].verdict == "ok"  # it still works today


def test_an_expired_certificate_fails_and_names_the_day(pki: Pki) -> None:
    with https_server(pki.server_files(valid_days=-3)) as url:
        results = by_name(doctor.check_platform(config_for(url, **{"sync.ca_bundle": str(pki.bundle)})))
    cert = results["平台证书"]
    expired = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).strftime("%Y-%m-%d")
    assert cert.verdict == "fail"
    assert f"已于 {expired} 过期" in cert.message
    assert results["省级平台"].verdict == "fail"  # no sync is possible either


def test_a_certificate_from_another_ca_fails(pki: Pki, tmp_path: Path) -> None:
    stranger = Pki(tmp_path / "other", name="别的 CA")
    with https_server(stranger.server_files(valid_days=300)) as url:
        results = by_name(doctor.check_platform(config_for(url, **{"sync.ca_bundle": str(pki.bundle)})))
    cert = results["平台证书"]
    assert cert.verdict == "fail"
    assert "校验失败" in cert.message and "sync.ca_bundle" in cert.message


def test_a_missing_ca_bundle_file_fails_naming_the_key(pki: Pki, tmp_path: Path) -> None:
    with https_server(pki.server_files(valid_days=300)) as url:
        results = by_name(
            doctor.check_platform(config_for(url, **{"sync.ca_bundle": str(tmp_path / "nowhere.pem")}))
        )
    assert results["平台证书"].verdict == "fail" and "sync.ca_bundle" in results["平台证书"].message
    assert results["省级平台"].verdict == "fail"
