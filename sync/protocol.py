"""同步协议 v1: the constants both the client engine and the reference platform speak.

Everything a request or a response is judged by lives here (paths, header names, limits, error
codes with their Chinese messages, the canonical JSON hash behind idempotency keys), so the two
ends cannot drift apart. This module is pure: no I/O, no HTTP library.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import unicodedata
from enum import StrEnum
from typing import Any, Final, Literal

# --- Versions ---------------------------------------------------------------------------------

PROTOCOL_VERSION: Final = 1
#: Sent on every request and response; a response without it is not from the platform
#: (captive portal, proxy error page) and never counts as success.
PROTOCOL_HEADER: Final = "X-YiChuang-Protocol"
PROTOCOL_HEADER_VALUE: Final = str(PROTOCOL_VERSION)
#: The oldest client version the reference platform accepts (meta.min_client_version).
MIN_CLIENT_VERSION: Final = "0.1"

# --- Paths ------------------------------------------------------------------------------------

API_PREFIX: Final = "/v1"
PATH_META: Final = "/v1/meta"
PATH_ENROLL: Final = "/v1/enroll"
PATH_CATALOG: Final = "/v1/catalog"
PATH_CALENDAR: Final = "/v1/calendar"
PATH_CLERKS: Final = "/v1/clerks"
PATH_BLOBS: Final = "/v1/blobs"
PATH_CHANGES: Final = "/v1/changes"
PATH_EVALUATIONS: Final = "/v1/evaluations"
PATH_AUDIT: Final = "/v1/audit"
PATH_LICENCES: Final = "/v1/licences"
PATH_PREAPPLICATIONS: Final = "/v1/preapplications"
PATH_OPENAPI: Final = "/openapi.json"
#: Paths that need no station token.
UNAUTHENTICATED_PATHS: Final = frozenset({PATH_META, PATH_ENROLL})

PATH_ADMIN: Final = "/admin"
PATH_ADMIN_FAULTS: Final = "/admin/faults"
PATH_ADMIN_CASES: Final = "/admin/cases"
PATH_ADMIN_CODES: Final = "/admin/codes"
PATH_ADMIN_STATIONS: Final = "/admin/stations"
AdminAction = Literal["approve", "reject", "correct", "result"]
ADMIN_ACTIONS: Final[tuple[AdminAction, ...]] = ("approve", "reject", "correct", "result")


def blob_path(sha256: str) -> str:
    return f"{PATH_BLOBS}/{sha256}"


def case_path(case_uuid: str) -> str:
    return f"/v1/cases/{case_uuid}"


def submit_path(case_uuid: str) -> str:
    return f"/v1/cases/{case_uuid}/submit"


def preapplication_path(code: str) -> str:
    return f"{PATH_PREAPPLICATIONS}/{code}"


def admin_case_path(case_uuid: str, action: AdminAction) -> str:
    return f"{PATH_ADMIN_CASES}/{case_uuid}/{action}"


def admin_revoke_path(station_id: str) -> str:
    return f"{PATH_ADMIN_STATIONS}/{station_id}/revoke"


# --- Headers ----------------------------------------------------------------------------------

HEADER_AUTHORIZATION: Final = "Authorization"
HEADER_ADMIN_TOKEN: Final = "X-Admin-Token"
HEADER_IDEMPOTENCY_KEY: Final = "Idempotency-Key"
HEADER_ETAG: Final = "ETag"
HEADER_IF_NONE_MATCH: Final = "If-None-Match"
HEADER_UPLOAD_OFFSET: Final = "Upload-Offset"
HEADER_UPLOAD_LENGTH: Final = "Upload-Length"
HEADER_UPLOAD_CHECKSUM: Final = "Upload-Checksum"
HEADER_RETRY_AFTER: Final = "Retry-After"
CONTENT_TYPE_JSON: Final = "application/json"
#: tus 1.0 chunk content type; PATCH bodies are raw bytes.
CONTENT_TYPE_OFFSET: Final = "application/offset+octet-stream"
CHECKSUM_ALGORITHM: Final = "sha256"

# --- Limits -----------------------------------------------------------------------------------

MAX_CHUNK_BYTES: Final = 1_048_576
MAX_BLOB_BYTES: Final = 52_428_800
CHANGES_PAGE: Final = 200
#: Largest audit batch one POST /v1/audit accepts.
MAX_AUDIT_BATCH: Final = 500
#: Clock difference (seconds) beyond which the clerk is warned (Anki refuses at the same value).
CLOCK_SKEW_WARN_S: Final = 300
#: Idle (no byte moved) timeout a client should use instead of a total timeout.
IDLE_TIMEOUT_S: Final = 30.0

#: Status the tus checksum extension uses for a chunk whose digest does not match.
HTTP_CHECKSUM_MISMATCH: Final = 460

# --- Changes feed -----------------------------------------------------------------------------

ChangeKind = Literal["status", "correction_request", "decision", "result", "platform_number"]
CHANGE_KINDS: Final[tuple[ChangeKind, ...]] = (
    "status",
    "correction_request",
    "decision",
    "result",
    "platform_number",
)

#: States a case has on the platform (``state`` of GET /v1/cases/{uuid}).
PlatformState = Literal["received", "submitted", "correction_requested", "approved", "rejected", "completed"]


# --- Errors -----------------------------------------------------------------------------------


class ErrorCode(StrEnum):
    """The ``error`` field of every error body."""

    BAD_REQUEST = "bad_request"
    PROTOCOL_MISMATCH = "protocol_mismatch"
    TOKEN_MISSING = "token_missing"
    TOKEN_INVALID = "token_invalid"
    TOKEN_REVOKED = "token_revoked"
    ADMIN_FORBIDDEN = "admin_forbidden"
    CODE_UNKNOWN = "code_unknown"
    CODE_USED = "code_used"
    NOT_FOUND = "not_found"
    CASE_NOT_FOUND = "case_not_found"
    BLOB_NOT_FOUND = "blob_not_found"
    PREAPPLICATION_NOT_FOUND = "preapplication_not_found"
    IDEMPOTENCY_KEY_MISSING = "idempotency_key_missing"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    STALE_VERSION = "stale_version"
    WRONG_STATION = "wrong_station"
    BLOBS_INCOMPLETE = "blobs_incomplete"
    BLOB_SIZE_CONFLICT = "blob_size_conflict"
    BLOB_TOO_LARGE = "blob_too_large"
    CHUNK_TOO_LARGE = "chunk_too_large"
    OFFSET_MISMATCH = "offset_mismatch"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    BLOB_CORRUPT = "blob_corrupt"
    ILLEGAL_STATE = "illegal_state"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


#: HTTP status of each error code.
ERROR_STATUS: Final[dict[ErrorCode, int]] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.PROTOCOL_MISMATCH: 400,
    ErrorCode.TOKEN_MISSING: 401,
    ErrorCode.TOKEN_INVALID: 401,
    ErrorCode.TOKEN_REVOKED: 401,
    ErrorCode.ADMIN_FORBIDDEN: 403,
    ErrorCode.CODE_UNKNOWN: 404,
    ErrorCode.CODE_USED: 409,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CASE_NOT_FOUND: 404,
    ErrorCode.BLOB_NOT_FOUND: 404,
    ErrorCode.PREAPPLICATION_NOT_FOUND: 404,
    ErrorCode.IDEMPOTENCY_KEY_MISSING: 400,
    ErrorCode.IDEMPOTENCY_CONFLICT: 409,
    ErrorCode.STALE_VERSION: 409,
    ErrorCode.WRONG_STATION: 403,
    ErrorCode.BLOBS_INCOMPLETE: 409,
    ErrorCode.BLOB_SIZE_CONFLICT: 409,
    ErrorCode.BLOB_TOO_LARGE: 413,
    ErrorCode.CHUNK_TOO_LARGE: 413,
    ErrorCode.OFFSET_MISMATCH: 409,
    ErrorCode.CHECKSUM_MISMATCH: HTTP_CHECKSUM_MISMATCH,
    ErrorCode.BLOB_CORRUPT: 422,
    ErrorCode.ILLEGAL_STATE: 409,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}

#: What the clerk is told for each error code (shown as is; says what is wrong and what to do).
ERROR_MESSAGES: Final[dict[ErrorCode, str]] = {
    ErrorCode.BAD_REQUEST: "发送给省级平台的数据格式不正确，请升级一窗客户端；仍有问题请联系运维人员。",
    ErrorCode.PROTOCOL_MISMATCH: "一窗客户端与省级平台的协议版本不一致，请升级一窗客户端。",
    ErrorCode.TOKEN_MISSING: "本站尚未在省级平台登记，请在“同步设置”中用登记码完成站点登记。",
    ErrorCode.TOKEN_INVALID: "省级平台不认可本站的登记凭证，请向平台管理员申请新的登记码后重新登记。",
    ErrorCode.TOKEN_REVOKED: "本站的登记凭证已被省级平台停用，请联系平台管理员，取得新的登记码后重新登记。",
    ErrorCode.ADMIN_FORBIDDEN: "管理口令不正确，无权执行后台操作。请核对管理口令。",
    ErrorCode.CODE_UNKNOWN: "登记码不存在，请核对登记码是否输入正确，或向平台管理员重新申请。",
    ErrorCode.CODE_USED: "该登记码已被使用过，每个登记码只能用一次。请向平台管理员申请新的登记码。",
    ErrorCode.NOT_FOUND: "省级平台上没有找到请求的内容，请稍后重试；仍有问题请联系运维人员。",
    ErrorCode.CASE_NOT_FOUND: "省级平台上还没有这件办件，系统会先上传办件再查询，请稍后再看。",
    ErrorCode.BLOB_NOT_FOUND: "省级平台上还没有这份材料文件，系统会重新上传，请稍候。",
    ErrorCode.PREAPPLICATION_NOT_FOUND: "没有找到这个预申报编号，请核对申请人提供的编号，或按新申请受理。",
    ErrorCode.IDEMPOTENCY_KEY_MISSING: "请求缺少幂等键，请升级一窗客户端。",
    ErrorCode.IDEMPOTENCY_CONFLICT: "同一条同步记录的内容与已上报的不一致，已暂停发送，请联系运维人员核查。",
    ErrorCode.STALE_VERSION: "省级平台上已有这件办件更新的版本，本次较旧的修改未被采用，请核对办件内容。",
    ErrorCode.WRONG_STATION: "这件办件属于其他站点，本站不能修改或查询，请核对办件编号。",
    ErrorCode.BLOBS_INCOMPLETE: "还有材料页没有传完，系统会继续上传后再提交，请保持网络连接。",
    ErrorCode.BLOB_SIZE_CONFLICT: "材料文件的大小与省级平台记录的不一致，请重新扫描该页后再提交。",
    ErrorCode.BLOB_TOO_LARGE: "材料文件超过省级平台允许的大小（50 MB），请降低扫描分辨率后重新扫描。",
    ErrorCode.CHUNK_TOO_LARGE: "上传的数据块过大，请升级一窗客户端。",
    ErrorCode.OFFSET_MISMATCH: "上传位置与省级平台不一致，系统会从平台记录的位置继续上传。",
    ErrorCode.CHECKSUM_MISMATCH: "上传的数据在传输中损坏，系统会重新发送这一段，请保持网络连接。",
    ErrorCode.BLOB_CORRUPT: "材料文件上传后校验不一致，系统会从头重新上传；多次失败请重新扫描该页。",
    ErrorCode.ILLEGAL_STATE: "办件当前的状态不允许这个操作，请刷新后按办件状态办理。",
    ErrorCode.METHOD_NOT_ALLOWED: "省级平台不支持这个请求方式，请升级一窗客户端。",
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: "上传数据的类型不正确，请升级一窗客户端。",
    ErrorCode.UNAVAILABLE: "省级平台暂时无法处理请求，系统会稍后自动重试，无需重复操作。",
    ErrorCode.INTERNAL: "省级平台内部出错，系统会稍后自动重试；长时间失败请联系平台运维人员。",
}


def error_message(code: str) -> str:
    """The Chinese message for an error code; a generic one for a code this version does not know."""
    try:
        return ERROR_MESSAGES[ErrorCode(code)]
    except ValueError:
        return f"省级平台拒绝了请求（{code}），请联系运维人员。"


def error_body(code: ErrorCode, **extra: Any) -> dict[str, Any]:
    """The JSON body of an error response: ``{"error", "message", **extra}``."""
    return {"error": code.value, "message": ERROR_MESSAGES[code], **extra}


# --- Hashes and checksums ---------------------------------------------------------------------

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
SHA256_PATTERN: Final = r"^[0-9a-f]{64}$"


def canonical_json(obj: Any) -> bytes:
    """UTF-8 JSON with sorted keys and no spaces: equal data gives equal bytes on both ends."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def canonical_hash(obj: Any) -> str:
    """sha256 hex of :func:`canonical_json`: the fingerprint an idempotency key is bound to."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def is_sha256_hex(value: str) -> bool:
    return bool(_SHA256_HEX.match(value))


def upload_checksum(chunk: bytes) -> str:
    """The ``Upload-Checksum`` header value for a chunk: ``sha256 <base64 digest>``."""
    return f"{CHECKSUM_ALGORITHM} {base64.b64encode(hashlib.sha256(chunk).digest()).decode('ascii')}"


def parse_upload_checksum(value: str) -> tuple[str, bytes] | None:
    """``(algorithm, digest)`` of an ``Upload-Checksum`` header, or None if it is malformed."""
    algorithm, sep, encoded = value.strip().partition(" ")
    if not sep:
        return None
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except ValueError:
        return None
    return algorithm.lower(), digest


def normalise_id_number(id_number: str) -> str:
    """Full-width folded, whitespace removed, check character upper-case (``x`` -> ``X``)."""
    return "".join(unicodedata.normalize("NFKC", id_number).split()).upper()


def holder_hash(id_number: str) -> str:
    """The ``holder`` of GET /v1/licences: sha256 hex of the normalised ID number (never sent in clear)."""
    return hashlib.sha256(normalise_id_number(id_number).encode("ascii", "replace")).hexdigest()


def bearer(token: str) -> str:
    return f"Bearer {token}"
