"""Request and response bodies of protocol v1 (pydantic), so /openapi.json documents every body.

Envelopes forbid unknown fields (a typo on the client fails loudly); the parts that mirror the
client's own records (applicant, events, payload, an evaluation) are open objects.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sync.protocol import (
    CHANGES_PAGE,
    MAX_BLOB_BYTES,
    MAX_CHUNK_BYTES,
    MIN_CLIENT_VERSION,
    PROTOCOL_VERSION,
    SHA256_PATTERN,
    ChangeKind,
    PlatformState,
)

Sha256 = Field(pattern=SHA256_PATTERN, description="sha256 of the bytes, lower-case hex")


def _storable(value: Any) -> Any:
    """Refuse text that cannot be stored as UTF-8 (lone surrogates, which JSON escapes can carry)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ValueError("text contains a lone surrogate (not valid UTF-8)") from exc
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


class Incoming(BaseModel):
    """Base of every body: whatever JSON carries must be storable and hashable as UTF-8."""

    @model_validator(mode="before")
    @classmethod
    def _utf8_only(cls, data: Any) -> Any:
        return _storable(data)


class Strict(Incoming):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(BaseModel):
    error: str
    message: str


class Limits(Strict):
    max_chunk_bytes: int = MAX_CHUNK_BYTES
    max_blob_bytes: int = MAX_BLOB_BYTES
    changes_page: int = CHANGES_PAGE


class MetaOut(Strict):
    protocol: int = PROTOCOL_VERSION
    server_time: str
    min_client_version: str = MIN_CLIENT_VERSION
    limits: Limits = Field(default_factory=Limits)
    stop: bool = False
    message: str = ""


class EnrollIn(Strict):
    code: str = Field(min_length=1, max_length=32)
    station_code: str = Field(min_length=1, max_length=64)
    station_name: str = Field(min_length=1, max_length=200)
    client_version: str = Field(min_length=1, max_length=40)


class EnrollOut(Strict):
    station_id: str
    token: str


class BlobIn(Strict):
    sha256: str = Sha256
    size: int = Field(ge=1, description=f"bytes; at most {MAX_BLOB_BYTES}")


class BlobOut(Strict):
    sha256: str
    size: int
    offset: int
    complete: bool


class PageIn(Strict):
    sha256: str = Sha256
    size: int = Field(ge=1, le=MAX_BLOB_BYTES)
    format: str = Field(max_length=20)
    position: int = Field(ge=0)


class MaterialIn(Strict):
    position: int = Field(ge=0)
    name: str = Field(max_length=500)
    pages: list[PageIn] = Field(max_length=1000)


class CaseIn(Strict):
    station_code: str = Field(min_length=1, max_length=64)
    local_number: str = Field(min_length=1, max_length=64)
    data_version: int = Field(ge=1, le=2**31 - 1)
    item_impl_code: str = Field(max_length=64)
    title: str = Field(max_length=500)
    state: str = Field(max_length=40)
    applicant: dict[str, Any] = Field(default_factory=dict)
    materials: list[MaterialIn] = Field(default_factory=list, max_length=500)
    events: list[dict[str, Any]] = Field(default_factory=list)
    payload: dict[str, Any] = Field(default_factory=dict)


class CaseAck(Strict):
    uuid: str
    received_at: str
    data_version: int


class SubmitOut(Strict):
    uuid: str
    state: PlatformState
    platform_number: str
    query_password: str


class MissingBlobsOut(ErrorOut):
    missing: list[str]


class CaseOut(Strict):
    uuid: str
    state: PlatformState
    platform_number: str | None
    query_password: str | None
    pages: list[str]
    submitted_at: str | None
    received_at: str
    data_version: int
    local_number: str


class ChangeOut(Strict):
    cursor: int
    case_uuid: str
    kind: ChangeKind
    data: dict[str, Any]
    at: str


class ChangesOut(Strict):
    changes: list[ChangeOut]
    next_cursor: int
    more: bool = Field(default=False, description="true when another page is waiting after next_cursor")


class EvaluationIn(Incoming):
    """The client's outbox payload of kind evaluation.recorded, as it is."""

    model_config = ConfigDict(extra="allow")
    evaluation_uuid: str | None = Field(default=None, max_length=64)
    level: int = Field(ge=1, le=5)
    evaluated_at: str = Field(max_length=40)


class EvaluationAck(Strict):
    uuid: str
    received_at: str


class AuditEventIn(Incoming):
    model_config = ConfigDict(extra="allow")
    uuid: str = Field(min_length=1, max_length=64)


class AuditIn(Strict):
    events: list[AuditEventIn] = Field(max_length=500)


class AuditOut(Strict):
    accepted: int
    duplicates: int


class LicenceOut(Strict):
    name: str
    number: str
    issuer: str
    valid_until: str


class LicencesOut(Strict):
    licences: list[LicenceOut]


class PreMaterialOut(Strict):
    name: str
    provided: bool
    pages: int = 0


class PreApplicationOut(Strict):
    code: str
    item_impl_code: str
    item_name: str
    applicant_name: str
    applicant_kind: str
    submitted_at: str
    materials: list[PreMaterialOut]
    form: dict[str, Any]
    note: str


# --- Back office ------------------------------------------------------------------------------


class AdminActionIn(Strict):
    """What the back office says with a decision; every field is optional."""

    note: str = Field(default="", max_length=2000)
    materials: list[str] = Field(default_factory=list, max_length=100, description="补正 materials")
    result_name: str = Field(default="", max_length=200)
    licence_number: str = Field(default="", max_length=64)


class AdminCaseOut(Strict):
    uuid: str
    station_code: str
    local_number: str
    title: str
    item_impl_code: str
    state: PlatformState
    platform_number: str | None
    submit_count: int
    submit_requests: int
    received_at: str
    submitted_at: str | None
    pages: int


class AdminCasesOut(Strict):
    cases: list[AdminCaseOut]


class CodesIn(Strict):
    count: int = Field(default=1, ge=1, le=1000)


class CodesOut(Strict):
    codes: list[str]


class StationOut(Strict):
    station_id: str
    code: str
    name: str
    client_version: str
    enrolled_at: str
    active_tokens: int
    revoked_tokens: int


class StationsOut(Strict):
    stations: list[StationOut]


class RevokeOut(Strict):
    station_id: str
    revoked: int


class FaultsIn(Strict):
    """Fault switches; a field left out keeps its value."""

    drop_reply_after_commit: float | None = Field(
        default=None, ge=0, description="0..1 = probability; a whole number >= 1 = that many next replies"
    )
    error_rate: float | None = Field(default=None, ge=0, le=1, description="probability of a 503")
    stall_s: float | None = Field(default=None, ge=0, le=3600, description="delay before handling")
    clock_offset_s: float | None = Field(default=None, description="added to the server clock")
    match: str | None = Field(
        default=None, max_length=200, description="regex on 'METHOD /path'; empty = every /v1 request"
    )
    seed: int | None = None


class FaultsOut(Strict):
    drop_reply_after_commit: float
    error_rate: float
    stall_s: float
    clock_offset_s: float
    match: str
    dropped: int
    errors: int
    stalls: int


class ReferenceDocIn(Incoming):
    """A whole catalog, calendar or clerk document (any JSON object)."""

    model_config = ConfigDict(extra="allow")


class ReferenceDocOut(Strict):
    name: Literal["catalog", "calendar", "clerks"]
    etag: str
