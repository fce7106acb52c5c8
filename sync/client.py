"""平台客户端: protocol v1 over HTTPS, with every response checked before it counts.

:class:`PlatformClient` speaks the endpoints of sync/protocol.py and nothing else. What it
guarantees to callers:

* A call either returns the body the protocol promises for success, or raises
  :class:`PlatformError` (a :class:`~app.errors.SyncError`) whose ``kind`` says what to do next:
  ``offline`` (no link, reset, stalled: retry later), ``server`` (5xx: retry later), ``protocol``
  (the answer is not from the platform, e.g. a captive portal's 200 page, or a TLS failure),
  ``auth`` (token missing or revoked: enrol again), ``conflict`` (409) and ``rejected`` (other
  4xx): the platform said no, with its Chinese reason in the message.
* A response without the ``X-YiChuang-Protocol`` header, or with a body that is not the JSON
  object expected, is never success.
* Timeouts are idle timeouts: httpx applies its read/write timeouts to each socket operation, so
  a slow link that keeps moving bytes is never cut, and a stalled one is cut after
  ``idle_timeout_s`` without a byte.
* TLS is verified against the configured CA bundle (or the system's roots); a client certificate
  is presented when configured.
* ``meta()`` measures the clock difference to the server; above 300 s ``skew_warning`` holds a
  Chinese message and ``on_skew`` is called.
"""

from __future__ import annotations

import datetime as dt
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app import __version__ as APP_VERSION
from app.config import Config
from app.errors import SyncError
from sync import protocol

log = logging.getLogger(__name__)

_TLS_HINT = "请检查配置项 sync.ca_bundle（平台的 CA 证书）和本机时间是否正确。"


class PlatformError(SyncError):
    """A failed platform call: ``kind`` plus what the platform said (if it said anything).

    ``status`` is the HTTP status (None when no response arrived), ``code`` the protocol error
    code (``""`` when unknown), ``data`` the JSON error body, ``headers`` the response headers
    (the 409 of an upload carries the server's ``Upload-Offset``), ``retry_after_s`` the
    server's ``Retry-After`` in seconds.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        status: int | None = None,
        code: str = "",
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, kind=kind)
        self.status = status
        self.code = code
        self.data: Mapping[str, Any] = dict(data or {})
        self.headers: Mapping[str, str] = dict(headers or {})
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class ClientSettings:
    """Where the platform is and how to talk to it (from the ``sync.*`` configuration keys)."""

    base_url: str
    ca_bundle: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    idle_timeout_s: float = protocol.IDLE_TIMEOUT_S
    client_version: str = APP_VERSION


@dataclass(frozen=True)
class Limits:
    max_chunk_bytes: int = protocol.MAX_CHUNK_BYTES
    max_blob_bytes: int = protocol.MAX_BLOB_BYTES
    changes_page: int = protocol.CHANGES_PAGE


@dataclass(frozen=True)
class Meta:
    """``GET /v1/meta``: the server's clock, versions, limits and stop flag."""

    protocol: int
    server_time: dt.datetime
    min_client_version: str
    limits: Limits
    stop: bool
    message: str
    skew_s: float  # server clock minus ours, in seconds


@dataclass(frozen=True)
class Enrollment:
    station_id: str
    token: str


@dataclass(frozen=True)
class BlobState:
    """What the platform holds of one blob: bytes received so far and whether it is complete."""

    sha256: str
    size: int
    offset: int
    complete: bool


@dataclass(frozen=True)
class Reference:
    """A reference document (catalog, calendar, clerks) and its ETag."""

    etag: str
    body: Any


@dataclass(frozen=True)
class Submitted:
    uuid: str
    state: str
    platform_number: str
    query_password: str


@dataclass(frozen=True)
class Change:
    cursor: int
    case_uuid: str
    kind: str
    data: Mapping[str, Any]
    at: str


@dataclass(frozen=True)
class ChangesPage:
    changes: list[Change]
    next_cursor: int


@dataclass(frozen=True)
class Licence:
    name: str
    number: str
    issuer: str
    valid_until: str


def settings_from_config(config: Config) -> ClientSettings:
    """Client settings from the ``sync.*`` keys; empty file names mean "not used"."""

    def optional_path(key: str) -> Path | None:
        value = config.get_str(key).strip()
        return Path(value).expanduser() if value else None

    return ClientSettings(
        base_url=config.get_str("sync.platform_url"),
        ca_bundle=optional_path("sync.ca_bundle"),
        client_cert=optional_path("sync.client_cert"),
        client_key=optional_path("sync.client_key"),
        idle_timeout_s=config.get_float("sync.idle_timeout_s"),
    )


def version_tuple(version: str) -> tuple[int, ...]:
    """Dotted version as numbers ("0.1.2" → (0, 1, 2)); a part without digits counts as 0."""
    parts: list[int] = []
    for piece in version.strip().split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _ssl_context(settings: ClientSettings) -> ssl.SSLContext:
    try:
        if settings.ca_bundle is not None:
            context = ssl.create_default_context(cafile=str(settings.ca_bundle))
        else:
            context = ssl.create_default_context()
        if settings.client_cert is not None:
            key = str(settings.client_key) if settings.client_key is not None else None
            context.load_cert_chain(str(settings.client_cert), key)
    except (OSError, ssl.SSLError) as exc:
        raise PlatformError(
            f"无法读取同步用的证书文件（{exc}）。请检查配置项 sync.ca_bundle、sync.client_cert、"
            "sync.client_key 指向的文件是否存在、格式是否为 PEM。",
            kind="protocol",
        ) from exc
    return context


def _tls_failure(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _parse_time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _protocol_error(what: str) -> PlatformError:
    return PlatformError(
        f"收到的应答不是省级平台的正常应答（{what}）。可能是网络需要先登录（如酒店、公共 Wi-Fi 的认证页）"
        "或经过了代理，请确认本机能正常访问省级平台后再同步。",
        kind="protocol",
    )


def _need(body: Mapping[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = body.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _protocol_error(f"{what} 缺少字段 {key}")
    return value


class PlatformClient:
    """One station's connection to the platform (thread-confined: one client per thread)."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        token: str | None = None,
        on_skew: Callable[[float], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not settings.base_url:
            raise PlatformError(
                "尚未设置省级平台地址，无法同步。请在配置中填写 sync.platform_url。", kind="protocol"
            )
        self.settings = settings
        self.token = token
        self.on_skew = on_skew
        self.skew_s: float | None = None
        self.skew_warning: str | None = None
        idle = settings.idle_timeout_s
        verify: ssl.SSLContext | bool = (
            _ssl_context(settings) if settings.base_url.lower().startswith("https") else True
        )
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/"),
            # Every phase is per socket operation: an idle timeout, not a cap on the whole upload.
            timeout=httpx.Timeout(idle, connect=idle, read=idle, write=idle, pool=idle),
            verify=verify,
            transport=transport,
            headers={
                protocol.PROTOCOL_HEADER: protocol.PROTOCOL_HEADER_VALUE,
                "User-Agent": f"YiChuang/{settings.client_version}",
            },
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport and classification ------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        expect: tuple[int, ...],
        json_body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if path not in protocol.UNAUTHENTICATED_PATHS:
            if not self.token:
                raise PlatformError(
                    protocol.error_message("token_missing"), kind="auth", code="token_missing"
                )
            all_headers[protocol.HEADER_AUTHORIZATION] = protocol.bearer(self.token)
        if json_body is not None:
            content = protocol.canonical_json(json_body)
            all_headers.setdefault("Content-Type", protocol.CONTENT_TYPE_JSON)
        try:
            response = self._http.request(
                method, path, content=content, headers=all_headers, params=dict(params or {})
            )
        except httpx.TimeoutException as exc:
            log.info("%s %s: no bytes moved for %.1f s (%s)", method, path, self.settings.idle_timeout_s, exc)
            raise PlatformError(
                f"与省级平台的连接超过 {self.settings.idle_timeout_s:g} 秒没有数据往来，已断开。"
                "系统会自动重试，无需重复操作。",
                kind="offline",
            ) from exc
        except httpx.TransportError as exc:
            tls = _tls_failure(exc)
            if tls is not None:
                log.warning("%s %s: TLS failure %s", method, path, tls)
                raise PlatformError(
                    f"省级平台的安全证书校验失败（{tls}），为防止数据被截取，已停止同步。{_TLS_HINT}",
                    kind="protocol",
                ) from exc
            log.info("%s %s: link failure %s: %s", method, path, type(exc).__name__, exc)
            raise PlatformError(
                "无法连接省级平台（网络中断或平台暂时不可达）。待同步的数据已保存在本机，"
                "网络恢复后会自动发送，无需重复操作。",
                kind="offline",
            ) from exc
        if response.status_code in expect:
            if response.headers.get(protocol.PROTOCOL_HEADER) != protocol.PROTOCOL_HEADER_VALUE:
                log.warning(
                    "%s %s: %d without protocol header (captive portal?)", method, path, response.status_code
                )
                raise _protocol_error(f"HTTP {response.status_code}，缺少协议标记")
            return response
        raise self._failure(method, path, response)

    def _failure(self, method: str, path: str, response: httpx.Response) -> PlatformError:
        status = response.status_code
        ours = response.headers.get(protocol.PROTOCOL_HEADER) == protocol.PROTOCOL_HEADER_VALUE
        data: dict[str, Any] = {}
        if ours and method != "HEAD":
            try:
                parsed = response.json()
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                data = parsed
        code = str(data.get("error", "")) if data else ""
        message = data.get("message") if data else None
        text = (
            message
            if isinstance(message, str) and message.strip()
            else protocol.error_message(code or "unknown")
        )
        retry_after = _retry_after(response.headers.get(protocol.HEADER_RETRY_AFTER))
        headers = dict(response.headers)
        log.info(
            "%s %s: HTTP %d %s%s", method, path, status, code or "-", "" if ours else " (not the platform)"
        )
        if status >= 500:
            if not ours:
                text = "省级平台或中间网络设备暂时出错，系统会稍后自动重试，无需重复操作。"
            return PlatformError(
                text,
                kind="server",
                status=status,
                code=code,
                data=data,
                headers=headers,
                retry_after_s=retry_after,
            )
        if not ours:
            # A 4xx without our header comes from a portal or proxy, not from the platform:
            # never a rejection of the data, so never a reason to quarantine it.
            return _protocol_error(f"HTTP {status}，缺少协议标记")
        kind = (
            "auth"
            if status in (401, 403) and code != "wrong_station"
            else "conflict"
            if status == 409
            else "rejected"
        )
        return PlatformError(
            text, kind=kind, status=status, code=code, data=data, headers=headers, retry_after_s=retry_after
        )

    @staticmethod
    def _json(response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise _protocol_error(f"{what} 不是 JSON") from None
        if not isinstance(body, dict):
            raise _protocol_error(f"{what} 不是 JSON 对象")
        return body

    # --- endpoints ------------------------------------------------------------------------

    def meta(self) -> Meta:
        """Server time, versions, limits; updates the clock-skew warning."""
        sent = time.time()
        response = self._send(
            "GET", protocol.PATH_META, expect=(200,), params={"client_version": self.settings.client_version}
        )
        received = time.time()
        body = self._json(response, "meta")
        if body.get("protocol") != protocol.PROTOCOL_VERSION:
            raise PlatformError(
                protocol.error_message("protocol_mismatch"), kind="protocol", code="protocol_mismatch"
            )
        try:
            server_time = _parse_time(_need(body, "server_time", str, "meta"))
        except ValueError:
            raise _protocol_error("meta 的 server_time 不是时间") from None
        raw_limits = body.get("limits") if isinstance(body.get("limits"), dict) else {}
        assert isinstance(raw_limits, dict)
        limits = Limits(
            max_chunk_bytes=_positive(raw_limits.get("max_chunk_bytes"), protocol.MAX_CHUNK_BYTES),
            max_blob_bytes=_positive(raw_limits.get("max_blob_bytes"), protocol.MAX_BLOB_BYTES),
            changes_page=_positive(raw_limits.get("changes_page"), protocol.CHANGES_PAGE),
        )
        # The server read its clock somewhere between our send and receive: compare with the middle.
        skew = server_time.timestamp() - (sent + received) / 2
        self._note_skew(skew)
        return Meta(
            protocol=protocol.PROTOCOL_VERSION,
            server_time=server_time,
            min_client_version=str(body.get("min_client_version", protocol.MIN_CLIENT_VERSION)),
            limits=limits,
            stop=bool(body.get("stop", False)),
            message=str(body.get("message", "")),
            skew_s=skew,
        )

    def _note_skew(self, skew: float) -> None:
        self.skew_s = skew
        if abs(skew) > protocol.CLOCK_SKEW_WARN_S:
            minutes = round(abs(skew) / 60)
            direction = "慢" if skew > 0 else "快"
            self.skew_warning = (
                f"本机时间比省级平台{direction}约 {minutes} 分钟。请在系统设置中校准日期和时间（开启自动同步时间），"
                "否则办件时间可能记录错误。"
            )
            log.warning("clock skew %.0f s against the platform", skew)
            if self.on_skew is not None:
                self.on_skew(skew)
        else:
            self.skew_warning = None

    def check_usable(self, meta: Meta) -> None:
        """Raise ``protocol`` when the platform tells this client version to stop."""
        too_old = version_tuple(self.settings.client_version) < version_tuple(meta.min_client_version)
        if meta.stop or too_old:
            text = meta.message.strip() or (
                f"省级平台要求一窗客户端至少为 {meta.min_client_version} 版，当前为 "
                f"{self.settings.client_version} 版。请升级后再同步，待同步的数据已保存在本机。"
            )
            raise PlatformError(text, kind="protocol", code="client_stopped")

    def enroll(self, code: str, station_code: str, station_name: str) -> Enrollment:
        response = self._send(
            "POST",
            protocol.PATH_ENROLL,
            expect=(201,),
            json_body={
                "code": code,
                "station_code": station_code,
                "station_name": station_name,
                "client_version": self.settings.client_version,
            },
        )
        body = self._json(response, "enroll")
        return Enrollment(
            station_id=str(_need(body, "station_id", (str, int), "enroll")),
            token=_need(body, "token", str, "enroll"),
        )

    def reference(self, path: str, etag: str | None) -> Reference | None:
        """Catalog, calendar or clerks; None when ``etag`` is still current (304)."""
        headers = {protocol.HEADER_IF_NONE_MATCH: etag} if etag else {}
        response = self._send("GET", path, expect=(200, 304), headers=headers)
        if response.status_code == 304:
            return None
        try:
            body = response.json()
        except ValueError:
            raise _protocol_error(f"{path} 不是 JSON") from None
        new_etag = response.headers.get(protocol.HEADER_ETAG, "")
        if not new_etag:
            raise _protocol_error(f"{path} 缺少 ETag")
        return Reference(etag=new_etag, body=body)

    def blob_create(self, sha256: str, size: int) -> BlobState:
        response = self._send(
            "POST", protocol.PATH_BLOBS, expect=(200, 201), json_body={"sha256": sha256, "size": size}
        )
        return self._blob_state(self._json(response, "blob"), sha256)

    def _blob_state(self, body: Mapping[str, Any], sha256: str) -> BlobState:
        state = BlobState(
            sha256=_need(body, "sha256", str, "blob"),
            size=_need(body, "size", int, "blob"),
            offset=_need(body, "offset", int, "blob"),
            complete=_need(body, "complete", bool, "blob"),
        )
        if state.sha256 != sha256:
            raise _protocol_error("blob 的 sha256 与请求不符")
        return state

    def blob_offset(self, sha256: str) -> int | None:
        """Bytes of the blob the platform holds (HEAD); None when it does not know the blob."""
        try:
            response = self._send("HEAD", protocol.blob_path(sha256), expect=(200, 204))
        except PlatformError as exc:
            if exc.status == 404 and exc.kind == "rejected":
                return None
            raise
        return _offset_header(response.headers)

    def blob_patch(self, sha256: str, offset: int, chunk: bytes) -> int:
        """Send ``chunk`` at ``offset``; returns the platform's new offset."""
        response = self._send(
            "PATCH",
            protocol.blob_path(sha256),
            expect=(204,),
            content=chunk,
            headers={
                "Content-Type": protocol.CONTENT_TYPE_OFFSET,
                protocol.HEADER_UPLOAD_OFFSET: str(offset),
                protocol.HEADER_UPLOAD_CHECKSUM: protocol.upload_checksum(chunk),
            },
        )
        return _offset_header(response.headers)

    def put_case(self, case_uuid: str, body: Mapping[str, Any], key: str) -> dict[str, Any]:
        response = self._send(
            "PUT",
            protocol.case_path(case_uuid),
            expect=(200, 201),
            json_body=dict(body),
            headers={protocol.HEADER_IDEMPOTENCY_KEY: key},
        )
        answer = self._json(response, "case")
        if _need(answer, "uuid", str, "case") != case_uuid:
            raise _protocol_error("case 应答的 uuid 与请求不符")
        _need(answer, "data_version", int, "case")
        return answer

    def submit_case(self, case_uuid: str, key: str) -> Submitted:
        response = self._send(
            "POST",
            protocol.submit_path(case_uuid),
            expect=(200,),
            headers={protocol.HEADER_IDEMPOTENCY_KEY: key},
        )
        body = self._json(response, "submit")
        done = Submitted(
            uuid=_need(body, "uuid", str, "submit"),
            state=_need(body, "state", str, "submit"),
            platform_number=_need(body, "platform_number", str, "submit"),
            query_password=_need(body, "query_password", str, "submit"),
        )
        if done.uuid != case_uuid or not done.platform_number:
            raise _protocol_error("submit 应答与请求的办件不符")
        return done

    def get_case(self, case_uuid: str) -> dict[str, Any]:
        response = self._send("GET", protocol.case_path(case_uuid), expect=(200,))
        body = self._json(response, "case")
        if _need(body, "uuid", str, "case") != case_uuid:
            raise _protocol_error("case 应答的 uuid 与请求不符")
        return body

    def changes(self, since: int, limit: int = protocol.CHANGES_PAGE) -> ChangesPage:
        response = self._send(
            "GET", protocol.PATH_CHANGES, expect=(200,), params={"since": since, "limit": limit}
        )
        body = self._json(response, "changes")
        raw = _need(body, "changes", list, "changes")
        out: list[Change] = []
        for item in raw:
            if not isinstance(item, dict):
                raise _protocol_error("changes 中有无效条目")
            data = item.get("data") if isinstance(item.get("data"), dict) else {}
            assert isinstance(data, dict)
            out.append(
                Change(
                    cursor=_need(item, "cursor", int, "change"),
                    case_uuid=_need(item, "case_uuid", str, "change"),
                    kind=_need(item, "kind", str, "change"),
                    data=data,
                    at=str(item.get("at", "")),
                )
            )
        return ChangesPage(changes=out, next_cursor=_need(body, "next_cursor", int, "changes"))

    def post_evaluation(self, evaluation_uuid: str, body: Mapping[str, Any]) -> dict[str, Any]:
        response = self._send(
            "POST",
            protocol.PATH_EVALUATIONS,
            expect=(200, 201),
            json_body=dict(body),
            headers={protocol.HEADER_IDEMPOTENCY_KEY: evaluation_uuid},
        )
        return self._json(response, "evaluation")

    def post_audit(self, events: list[Mapping[str, Any]]) -> int:
        response = self._send(
            "POST", protocol.PATH_AUDIT, expect=(200,), json_body={"events": [dict(e) for e in events]}
        )
        accepted = _need(self._json(response, "audit"), "accepted", int, "audit")
        assert isinstance(accepted, int)
        return accepted

    def licences(self, id_number: str) -> list[Licence]:
        """E-licences (电子证照) of a holder; the ID number leaves this machine only as a hash."""
        response = self._send(
            "GET", protocol.PATH_LICENCES, expect=(200,), params={"holder": protocol.holder_hash(id_number)}
        )
        raw = _need(self._json(response, "licences"), "licences", list, "licences")
        return [
            Licence(
                name=str(item.get("name", "")),
                number=str(item.get("number", "")),
                issuer=str(item.get("issuer", "")),
                valid_until=str(item.get("valid_until", "")),
            )
            for item in raw
            if isinstance(item, dict)
        ]

    def preapplication(self, code: str) -> dict[str, Any] | None:
        """The online pre-application (预申报) with this code, or None when the platform has none."""
        try:
            response = self._send("GET", protocol.preapplication_path(code), expect=(200,))
        except PlatformError as exc:
            if exc.status == 404 and exc.kind == "rejected":
                return None
            raise
        return self._json(response, "preapplication")


def _positive(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def _offset_header(headers: httpx.Headers) -> int:
    raw = headers.get(protocol.HEADER_UPLOAD_OFFSET, "")
    if not raw.isdigit():
        raise _protocol_error("缺少 Upload-Offset")
    return int(raw)


def _retry_after(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None
