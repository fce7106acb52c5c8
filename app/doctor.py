"""`yichuang doctor`: checks an installer or clerk can run to see what is wrong and what to do.

Each check returns a verdict with a Chinese message that says what to do: database and schema,
disk space, a CJK font, the configured devices, the provincial platform (reachable, its TLS
certificate valid and not about to expire, the clock in step with it) and the outbox backlog.

Verdicts and the exit code: ``fail`` means something does not work and must be fixed (exit code 1);
``warn`` means it works but needs attention soon (a certificate expiring within 30 days, a clock
off by more than five minutes, events waiting for more than a day); warnings are printed but the
exit code stays 0, so a scheduled doctor run only alarms for real failures.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from sqlalchemy import func, select

from app import __version__, paths
from app.config import Config
from app.model import OutboxEvent, utcnow
from app.storage.db import Database, code_heads, current_revisions, known_revisions

Verdict = Literal["ok", "warn", "fail"]
DEVICE_KINDS = ("idcard", "smartcard", "printer", "camera", "scanner", "barcode", "speech", "evaluator")
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")


@dataclass(frozen=True)
class CheckResult:
    name: str
    verdict: Verdict
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def check_database(db: Database) -> CheckResult:
    try:
        current = current_revisions(db)
    except Exception as exc:  # any driver error means the same to the user: cannot open it
        return CheckResult(
            "数据库", "fail", f"无法打开数据库：{type(exc).__name__}。请检查 database.url 和数据库服务。"
        )
    unknown = current - known_revisions(db)
    if unknown:
        return CheckResult("数据库", "fail", "数据库由更新版本的一窗创建，请升级程序。")
    if current != code_heads(db):
        return CheckResult("数据库", "warn", "数据库结构需要升级：请运行 yichuang db upgrade。")
    return CheckResult("数据库", "ok", f"{db.dialect} 数据库结构为最新版本（{'、'.join(sorted(current))}）。")


def check_disk(folder: Path, min_free_mb: int) -> CheckResult:
    probe = folder if folder.exists() else folder.parent
    while not probe.exists():
        probe = probe.parent
    free_mb = shutil.disk_usage(probe).free // (1024 * 1024)
    if free_mb < min_free_mb:
        return CheckResult(
            "磁盘空间", "fail", f"数据盘只剩 {free_mb} MB，少于要求的 {min_free_mb} MB，请清理磁盘。"
        )
    return CheckResult("磁盘空间", "ok", f"数据盘剩余 {free_mb} MB。")


def find_cjk_font(dirs: Iterable[Path] = FONT_DIRS) -> Path | None:
    """A font file that can draw Chinese (Noto CJK, WenQuanYi, or whatever fontconfig says)."""
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(
                ["fc-match", "-f", "%{file}", ":lang=zh-cn"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        if out and any(
            tag in out.lower() for tag in ("cjk", "wqy", "wenquan", "droidsansfallback", "simsun", "msyh")
        ):
            return Path(out)
    for d in dirs:
        if d.is_dir():
            for f in d.rglob("*"):
                if any(
                    tag in f.name.lower()
                    for tag in ("notosanscjk", "notoserifcjk", "wqy", "droidsansfallback")
                ):
                    return f
    return None


def check_font() -> CheckResult:
    font = find_cjk_font()
    if font is None:
        return CheckResult(
            "中文字体", "fail", "找不到中文字体，界面和小票会显示方框。请安装 fonts-noto-cjk。"
        )
    return CheckResult("中文字体", "ok", f"中文字体：{font.name}")


def check_devices(config: Config, is_known: Callable[[str, str], bool]) -> list[CheckResult]:
    results = []
    for kind in DEVICE_KINDS:
        driver = config.get_str(f"devices.{kind}")
        if driver == "none":
            results.append(CheckResult(f"设备 {kind}", "ok", "未配置（不使用）。"))
        elif is_known(kind, driver):
            results.append(CheckResult(f"设备 {kind}", "ok", f"驱动 {driver}。"))
        else:
            results.append(
                CheckResult(
                    f"设备 {kind}",
                    "fail",
                    f'devices.{kind} = "{driver}" 不是已知驱动，请改为 simulated 或 none。',
                )
            )
    return results


# --- the provincial platform ------------------------------------------------------------------

#: A doctor run must not hang on a dead link: every network step gives up after this long.
PLATFORM_TIMEOUT_S = 5.0
CERT_WARN_DAYS = 30
SKEW_WARN_S = 300.0
#: An event waiting longer than this means sync has not worked for a day.
OUTBOX_WARN_AGE = dt.timedelta(hours=24)
META_PATH = "/v1/meta"
#: Every platform response carries this header; a page without it is a captive portal or proxy.
PROTOCOL_HEADER = "X-YiChuang-Protocol"
#: OpenSSL's X509_V_ERR_CERT_HAS_EXPIRED.
_CERT_EXPIRED = 10

PLATFORM = "省级平台"
CERTIFICATE = "平台证书"
CLOCK = "本机时间"
OUTBOX = "待同步记录"


@dataclass(frozen=True)
class PlatformMeta:
    """What ``GET /v1/meta`` said, and the server clock minus ours in seconds."""

    server_time: dt.datetime
    skew_s: float
    stop: bool
    message: str


def _optional_path(config: Config, key: str) -> Path | None:
    value = config.get_str(key).strip()
    return Path(value).expanduser() if value else None


def _tls_context(config: Config) -> ssl.SSLContext:
    """Verification against ``sync.ca_bundle`` (or the system roots), with the client certificate.

    Raises OSError or ssl.SSLError when a configured file cannot be read.
    """
    ca_bundle = _optional_path(config, "sync.ca_bundle")
    context = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle is not None else None)
    client_cert = _optional_path(config, "sync.client_cert")
    if client_cert is not None:
        client_key = _optional_path(config, "sync.client_key")
        context.load_cert_chain(str(client_cert), str(client_key) if client_key is not None else None)
    return context


def _files_problem(exc: BaseException) -> CheckResult:
    return CheckResult(
        CERTIFICATE,
        "fail",
        f"无法读取同步用的证书文件（{exc}）。请检查配置项 sync.ca_bundle、sync.client_cert、sync.client_key "
        "指向的文件是否存在、是否为 PEM 格式。",
    )


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme.lower() == "https" else 80)


def _peer_certificate(host: str, port: int, context: ssl.SSLContext, timeout_s: float) -> bytes:
    with (
        socket.create_connection((host, port), timeout=timeout_s) as sock,
        context.wrap_socket(sock, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if der is None:
        raise ssl.SSLError("the server sent no certificate")
    return der


def _unverified_certificate(host: str, port: int, timeout_s: float) -> x509.Certificate | None:
    """The server's certificate without checking it: only to say when a rejected one expired."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        return x509.load_der_x509_certificate(_peer_certificate(host, port, context, timeout_s))
    except (OSError, ValueError):
        return None


def check_certificate(
    config: Config, *, timeout_s: float = PLATFORM_TIMEOUT_S, now: dt.datetime | None = None
) -> CheckResult | None:
    """The platform's TLS certificate: trusted by the configured CA bundle, and how long it is valid.

    None for a plain-http URL, and when the server cannot be reached at all (the reachability
    check says so; one cause, one line).
    """
    url = config.get_str("sync.platform_url")
    if urlsplit(url).scheme.lower() != "https":
        return None
    host, port = _host_port(url)
    try:
        context = _tls_context(config)
    except (OSError, ssl.SSLError) as exc:
        return _files_problem(exc)
    now = now or utcnow()
    try:
        certificate = x509.load_der_x509_certificate(_peer_certificate(host, port, context, timeout_s))
    except ssl.SSLCertVerificationError as exc:
        seen = _unverified_certificate(host, port, timeout_s)
        if exc.verify_code == _CERT_EXPIRED and seen is not None:
            expired = seen.not_valid_after_utc.astimezone(dt.UTC)
            return CheckResult(
                CERTIFICATE,
                "fail",
                f"平台证书已于 {expired:%Y-%m-%d} 过期，同步已无法进行。请联系省级平台管理员更换证书；"
                "若平台证书未过期，请检查本机日期是否正确。",
            )
        return CheckResult(
            CERTIFICATE,
            "fail",
            f"平台证书校验失败（{exc.verify_message}）。请确认 sync.ca_bundle 是省级平台提供的 CA 证书，"
            "sync.platform_url 中的主机名与证书一致，且本机日期正确。",
        )
    except ssl.SSLError as exc:
        return CheckResult(
            CERTIFICATE,
            "fail",
            f"与平台建立加密连接失败（{exc.reason or exc}）。请确认 sync.platform_url 的端口提供 https 服务，"
            "平台要求客户端证书时请配置 sync.client_cert。",
        )
    except OSError:
        return None
    until = certificate.not_valid_after_utc
    days = (until - now).total_seconds() / 86400
    if days < 0:  # only when this machine's clock is behind the one the handshake checked against
        return CheckResult(
            CERTIFICATE, "fail", f"平台证书已于 {until:%Y-%m-%d} 过期。请联系省级平台管理员更换证书。"
        )
    if days < CERT_WARN_DAYS:
        return CheckResult(
            CERTIFICATE,
            "warn",
            f"平台证书将于 {until:%Y-%m-%d} 过期（还有 {int(days)} 天）。请尽快联系省级平台管理员更换证书，"
            "过期后将无法同步。",
        )
    return CheckResult(CERTIFICATE, "ok", f"平台证书有效，有效期至 {until:%Y-%m-%d}（还有 {int(days)} 天）。")


def fetch_meta(
    config: Config, *, timeout_s: float = PLATFORM_TIMEOUT_S
) -> tuple[CheckResult, PlatformMeta | None]:
    """``GET {sync.platform_url}/v1/meta``: is the platform there, and what does its clock say."""
    url = config.get_str("sync.platform_url").rstrip("/")
    verify: ssl.SSLContext | bool = True
    if urlsplit(url).scheme.lower() == "https":
        try:
            verify = _tls_context(config)
        except (OSError, ssl.SSLError):
            return CheckResult(
                PLATFORM, "fail", "证书文件无法读取，无法连接省级平台（见“平台证书”一项）。"
            ), None
    sent = time.time()
    try:
        response = httpx.get(
            url + META_PATH,
            params={"client_version": __version__},
            headers={PROTOCOL_HEADER: "1"},
            timeout=timeout_s,
            verify=verify,
            follow_redirects=False,
        )
    except httpx.TimeoutException:
        return CheckResult(
            PLATFORM,
            "fail",
            f"省级平台 {url} 在 {timeout_s:g} 秒内没有应答。请检查网络（政务外网）连接、防火墙，"
            "以及 sync.platform_url 是否正确。",
        ), None
    except httpx.TransportError as exc:
        if isinstance(exc.__context__ or exc.__cause__, ssl.SSLError):
            return CheckResult(PLATFORM, "fail", "无法与省级平台建立加密连接（见“平台证书”一项）。"), None
        return CheckResult(
            PLATFORM,
            "fail",
            f"无法连接省级平台 {url}（{type(exc).__name__}）。请检查网线或政务外网连接，"
            "并确认 sync.platform_url 填写正确；平台维护期间请稍后再试。",
        ), None
    received = time.time()
    body: object = None
    if response.status_code == 200 and response.headers.get(PROTOCOL_HEADER) == "1":
        try:
            body = response.json()
        except ValueError:
            body = None
    if not isinstance(body, dict) or not isinstance(body.get("server_time"), str):
        return CheckResult(
            PLATFORM,
            "fail",
            f"{url} 的应答不是省级平台的应答（HTTP {response.status_code}）。请确认 sync.platform_url 填写正确；"
            "若本机需要先在网页上登录网络或经过代理，请联系网络管理员。",
        ), None
    try:
        server_time = dt.datetime.fromisoformat(str(body["server_time"]).replace("Z", "+00:00"))
    except ValueError:
        return CheckResult(PLATFORM, "fail", f"省级平台返回的时间无法识别：{body['server_time']}。"), None
    if server_time.tzinfo is None:
        server_time = server_time.replace(tzinfo=dt.UTC)
    # The server read its clock about halfway through the round trip.
    skew = server_time.timestamp() - (sent + received) / 2
    meta = PlatformMeta(server_time, skew, bool(body.get("stop")), str(body.get("message") or ""))
    if meta.stop:
        reason = meta.message or "平台要求暂停同步。"
        return CheckResult(
            PLATFORM, "fail", f"省级平台要求本机停止同步：{reason}请按提示升级或联系平台管理员。"
        ), meta
    elapsed_ms = (received - sent) * 1000
    return CheckResult(PLATFORM, "ok", f"{url} 可以访问（{elapsed_ms:.0f} 毫秒）。"), meta


def check_clock(meta: PlatformMeta, *, limit_s: float = SKEW_WARN_S) -> CheckResult:
    """This machine's clock against the platform's: receipts and deadlines carry local times."""
    skew = meta.skew_s
    if abs(skew) <= limit_s:
        return CheckResult(CLOCK, "ok", f"与省级平台相差 {abs(skew):.0f} 秒。")
    direction = "慢" if skew > 0 else "快"
    return CheckResult(
        CLOCK,
        "warn",
        f"本机时间比省级平台{direction} {abs(skew):.0f} 秒（超过 {limit_s:.0f} 秒）。回执和期限上的时间会不准，"
        "请校准系统时间并开启自动对时（NTP）。",
    )


def check_platform(config: Config, *, timeout_s: float = PLATFORM_TIMEOUT_S) -> list[CheckResult]:
    """Reachability, certificate and clock skew; one "not configured" line when there is no platform."""
    if not config.get_str("sync.platform_url"):
        return [
            CheckResult(PLATFORM, "ok", "未配置平台地址（本机不同步；需要同步时请运行 yichuang setup）。")
        ]
    results = []
    certificate = check_certificate(config, timeout_s=timeout_s)
    if certificate is not None:
        results.append(certificate)
    reachable, meta = fetch_meta(config, timeout_s=timeout_s)
    results.append(reachable)
    if meta is not None:
        results.append(check_clock(meta))
    return results


# --- the outbox -------------------------------------------------------------------------------

_WAITING = ("pending", "sending", "failed")


def _age_text(age: dt.timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours / 24:.1f} 天" if hours >= 48 else f"{hours:.0f} 小时" if hours >= 1 else "不到 1 小时"


def check_outbox(
    db: Database, *, now: dt.datetime | None = None, warn_age: dt.timedelta = OUTBOX_WARN_AGE
) -> CheckResult:
    """How many events wait for the platform, how old the oldest is, and how many it refused."""
    try:
        with db.session() as s:
            waiting, oldest = s.execute(
                select(func.count(), func.min(OutboxEvent.created_at)).where(OutboxEvent.status.in_(_WAITING))
            ).one()
            quarantined = s.execute(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.status == "quarantined")
            ).scalar_one()
    except Exception as exc:  # the database check above names the cause
        return CheckResult(
            OUTBOX, "fail", f"无法读取待同步记录（{type(exc).__name__}），请先处理数据库一项的问题。"
        )
    now = now or utcnow()
    notes = []
    verdict: Verdict = "ok"
    if waiting:
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        age = now - oldest
        notes.append(f"{waiting} 条记录待发送，最早的已等待 {_age_text(age)}")
        if age > warn_age:
            verdict = "warn"
            notes.append(
                "说明同步已有一段时间没有成功：请检查网络和平台地址，并运行 yichuang doctor 查看平台一项"
            )
    else:
        notes.append("没有待发送的记录")
    if quarantined:
        verdict = "warn"
        notes.append(f"{quarantined} 条记录被平台退回，请在办件列表的“同步异常”中查看原因并处理")
    return CheckResult(OUTBOX, verdict, "；".join(notes) + "。")


def run_checks(
    config: Config, db: Database, is_known_driver: Callable[[str, str], bool]
) -> list[CheckResult]:
    database = check_database(db)
    # The outbox is read only from a database in shape: otherwise the database line says why.
    outbox = [check_outbox(db)] if database.verdict == "ok" else []
    return [
        database,
        check_disk(paths.data_dir(), config.get_int("storage.min_free_mb")),
        check_font(),
        *check_devices(config, is_known_driver),
        *outbox,
        *check_platform(config),
    ]
