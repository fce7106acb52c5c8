"""Protocol v1 endpoints of the reference platform (see sync/protocol.py for names and limits).

No ``from __future__ import annotations`` here: FastAPI reads the handlers' annotations at run
time, and the dependency aliases defined inside :func:`v1_router` are only visible then.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sync.platform import blobs, cases, records
from sync.platform.core import Platform, StationRef, iso
from sync.platform.errors import ApiError
from sync.platform.idempotency import Answer, clean_key
from sync.platform.models import ReferenceDoc
from sync.platform.schemas import (
    AuditIn,
    AuditOut,
    BlobIn,
    BlobOut,
    CaseAck,
    CaseIn,
    CaseOut,
    ChangesOut,
    EnrollIn,
    EnrollOut,
    ErrorOut,
    EvaluationAck,
    EvaluationIn,
    LicencesOut,
    MetaOut,
    MissingBlobsOut,
    PreApplicationOut,
    SubmitOut,
)
from sync.protocol import (
    CHANGES_PAGE,
    CONTENT_TYPE_OFFSET,
    HEADER_ETAG,
    HEADER_IDEMPOTENCY_KEY,
    HEADER_IF_NONE_MATCH,
    HEADER_UPLOAD_CHECKSUM,
    HEADER_UPLOAD_LENGTH,
    HEADER_UPLOAD_OFFSET,
    HTTP_CHECKSUM_MISMATCH,
    MAX_BLOB_BYTES,
    MAX_CHUNK_BYTES,
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
    PATH_PREAPPLICATIONS,
    SHA256_PATTERN,
    ErrorCode,
)

#: Cursors are SQL integers; bigger values are refused instead of overflowing the driver.
MAX_CURSOR = 2**62

_bearer = HTTPBearer(
    auto_error=False, scheme_name="stationToken", description="Station token from POST /v1/enroll"
)

Sha256Path = Annotated[str, Path(pattern=SHA256_PATTERN, description="sha256 of the blob, lower-case hex")]
CaseUuid = Annotated[uuid.UUID, Path(description="the case uuid the station created")]
IdempotencyKey = Annotated[
    str | None, Header(alias=HEADER_IDEMPOTENCY_KEY, description="the outbox event uuid; required")
]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorOut} for code in codes}


def _json(answer: Answer) -> JSONResponse:
    return JSONResponse(answer.body, status_code=answer.status)


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


async def _read_chunk(request: Request) -> bytes:
    """The PATCH body, refused as soon as it grows past the chunk limit."""
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > MAX_CHUNK_BYTES:
            raise ApiError(ErrorCode.CHUNK_TOO_LARGE, max_chunk_bytes=MAX_CHUNK_BYTES)
    return bytes(body)


def v1_router(platform: Platform) -> APIRouter:
    router = APIRouter(tags=["v1"])

    def current_station(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> StationRef:
        return platform.authenticate(credentials.credentials if credentials else None)

    Station = Annotated[StationRef, Depends(current_station)]

    @router.get(PATH_META, response_model=MetaOut, summary="Server time, versions, limits, stop flag")
    def meta(
        client_version: Annotated[
            str | None, Query(max_length=40, description="the caller's version")
        ] = None,
    ) -> MetaOut:
        message = platform.stop_message(client_version)
        return MetaOut(
            server_time=iso(platform.now()),
            min_client_version=platform.min_client_version,
            stop=bool(message),
            message=message,
        )

    @router.post(
        PATH_ENROLL,
        response_model=EnrollOut,
        status_code=201,
        summary="Spend a one-time code for a station token",
        responses=_errors(404, 409),
    )
    def enroll(body: EnrollIn) -> EnrollOut:
        station_id, token = platform.enroll(
            body.code, body.station_code, body.station_name, body.client_version
        )
        return EnrollOut(station_id=station_id, token=token)

    def reference(name: str, summary: str) -> None:
        def handler(
            station: Station,
            if_none_match: Annotated[str | None, Header(alias=HEADER_IF_NONE_MATCH)] = None,
        ) -> Response:
            def load(s: Session) -> tuple[dict[str, Any], str]:
                row = s.get(ReferenceDoc, name)
                if row is None:
                    raise ApiError(ErrorCode.NOT_FOUND)
                return dict(row.body), row.etag

            body, etag = platform.run(load)
            headers = {HEADER_ETAG: etag, "Cache-Control": "no-cache"}
            if _etag_matches(if_none_match, etag):
                return Response(status_code=304, headers=headers)
            return JSONResponse(body, headers=headers)

        router.add_api_route(
            f"/v1/{name}",
            handler,
            methods=["GET"],
            summary=summary,
            response_class=JSONResponse,
            responses={
                200: {"content": {"application/json": {"schema": {"type": "object"}}}},
                304: {"description": "unchanged since the ETag given in If-None-Match"},
                **_errors(401),
            },
            name=f"get_{name}",
        )

    reference(PATH_CATALOG.rsplit("/", 1)[1], "Service catalog (事项目录)")
    reference(PATH_CALENDAR.rsplit("/", 1)[1], "Working-day calendar (工作日)")
    reference(PATH_CLERKS.rsplit("/", 1)[1], "Clerk accounts (工作人员)")

    @router.post(
        PATH_BLOBS,
        response_model=BlobOut,
        status_code=200,
        summary="Create (201) or find (200) a blob by sha256 and size",
        responses={201: {"model": BlobOut}, **_errors(401, 409, 413)},
    )
    def create_blob(body: BlobIn, station: Station) -> JSONResponse:
        created, state = platform.run(lambda s: blobs.create_blob(s, body.sha256, body.size, platform.now()))
        return JSONResponse(state.as_dict(), status_code=201 if created else 200)

    @router.head(
        f"{PATH_BLOBS}/{{sha256}}",
        summary="Upload offset of a blob",
        responses={
            200: {
                "description": "Upload-Offset and Upload-Length headers",
                "headers": {
                    HEADER_UPLOAD_OFFSET: {"schema": {"type": "integer"}},
                    HEADER_UPLOAD_LENGTH: {"schema": {"type": "integer"}},
                },
            },
            **_errors(401, 404),
        },
    )
    def head_blob(sha256: Sha256Path, station: Station) -> Response:
        state = platform.run(lambda s: blobs.blob_state(s, sha256))
        return Response(
            status_code=200,
            headers={
                HEADER_UPLOAD_OFFSET: str(state.offset),
                HEADER_UPLOAD_LENGTH: str(state.size),
                "Cache-Control": "no-store",
            },
        )

    @router.patch(
        f"{PATH_BLOBS}/{{sha256}}",
        status_code=204,
        summary="Append a chunk at Upload-Offset",
        response_class=Response,
        responses={
            204: {"description": "stored; Upload-Offset is the new offset"},
            **_errors(400, 401, 404, 409, 413, 415, 422, HTTP_CHECKSUM_MISMATCH),
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {CONTENT_TYPE_OFFSET: {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    )
    async def patch_blob(
        request: Request,
        sha256: Sha256Path,
        station: Station,
        upload_offset: Annotated[int, Header(alias=HEADER_UPLOAD_OFFSET, ge=0, le=MAX_BLOB_BYTES)],
        upload_checksum: Annotated[str, Header(alias=HEADER_UPLOAD_CHECKSUM, max_length=200)],
    ) -> Response:
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type != CONTENT_TYPE_OFFSET:
            raise ApiError(ErrorCode.UNSUPPORTED_MEDIA_TYPE)
        chunk = await _read_chunk(request)
        blobs.check_chunk(chunk, upload_checksum)
        state, corrupt = await run_in_threadpool(
            platform.run, lambda s: blobs.append_chunk(s, sha256, upload_offset, chunk, platform.now())
        )
        if corrupt:
            raise ApiError(ErrorCode.BLOB_CORRUPT, headers={HEADER_UPLOAD_OFFSET: "0"})
        return Response(status_code=204, headers={HEADER_UPLOAD_OFFSET: str(state.offset)})

    @router.put(
        "/v1/cases/{case_uuid}",
        response_model=CaseAck,
        summary="Create (201) or update (200) a case; idempotent per Idempotency-Key",
        responses={201: {"model": CaseAck}, **_errors(400, 401, 403, 409)},
    )
    def put_case(
        body: CaseIn, case_uuid: CaseUuid, station: Station, idempotency_key: IdempotencyKey = None
    ) -> JSONResponse:
        key = clean_key(idempotency_key)
        return _json(
            platform.run(lambda s: cases.put_case(s, station, str(case_uuid), key, body, platform.now()))
        )

    @router.post(
        "/v1/cases/{case_uuid}/submit",
        response_model=SubmitOut,
        summary="Submit a case once all its pages are complete blobs",
        responses={409: {"model": MissingBlobsOut}, **_errors(400, 401, 404)},
    )
    def submit_case(
        case_uuid: CaseUuid, station: Station, idempotency_key: IdempotencyKey = None
    ) -> JSONResponse:
        key = clean_key(idempotency_key)
        return _json(
            platform.run(lambda s: cases.submit_case(s, station, str(case_uuid), key, platform.now()))
        )

    @router.get(
        "/v1/cases/{case_uuid}",
        response_model=CaseOut,
        summary="What the platform knows of a case",
        responses=_errors(401, 404),
    )
    def get_case(case_uuid: CaseUuid, station: Station) -> dict[str, Any]:
        return platform.run(lambda s: cases.get_case(s, station, str(case_uuid)))

    @router.get(
        PATH_CHANGES,
        response_model=ChangesOut,
        summary="This station's changes after a cursor",
        responses=_errors(401),
    )
    def get_changes(
        station: Station,
        since: Annotated[int, Query(ge=0, le=MAX_CURSOR)] = 0,
        limit: Annotated[int, Query(ge=1, description=f"at most {CHANGES_PAGE} are returned")] = CHANGES_PAGE,
    ) -> dict[str, Any]:
        rows, more = platform.run(lambda s: cases.changes(s, station, since, min(limit, CHANGES_PAGE)))
        views = [cases.change_view(r) for r in rows]
        return {"changes": views, "next_cursor": views[-1]["cursor"] if views else since, "more": more}

    @router.post(
        PATH_EVALUATIONS,
        response_model=EvaluationAck,
        status_code=200,
        summary="Push one evaluation (好差评); Idempotency-Key = evaluation uuid",
        responses={201: {"model": EvaluationAck}, **_errors(400, 401, 409)},
    )
    def push_evaluation(
        body: EvaluationIn, station: Station, idempotency_key: IdempotencyKey = None
    ) -> JSONResponse:
        key = clean_key(idempotency_key)
        payload = body.model_dump(mode="json")
        return _json(
            platform.run(lambda s: records.push_evaluation(s, station, key, payload, platform.now()))
        )

    @router.post(
        PATH_AUDIT,
        response_model=AuditOut,
        summary="Push audit events; idempotent per event uuid",
        responses=_errors(400, 401),
    )
    def push_audit(body: AuditIn, station: Station) -> AuditOut:
        events = [e.model_dump(mode="json") for e in body.events]
        accepted, duplicates = platform.run(lambda s: records.push_audit(s, station, events, platform.now()))
        return AuditOut(accepted=accepted, duplicates=duplicates)

    @router.get(
        PATH_LICENCES,
        response_model=LicencesOut,
        summary="E-licences (电子证照) of a holder",
        responses=_errors(401),
    )
    def get_licences(
        station: Station,
        holder: Annotated[
            str, Query(pattern=SHA256_PATTERN, description="sha256 hex of the normalised ID number")
        ],
    ) -> dict[str, Any]:
        return {"licences": platform.run(lambda s: records.licences(s, holder))}

    @router.get(
        f"{PATH_PREAPPLICATIONS}/{{code}}",
        response_model=PreApplicationOut,
        summary="An online pre-application (预申报) by its code",
        responses=_errors(401, 404),
    )
    def get_preapplication(
        code: Annotated[str, Path(min_length=1, max_length=32)], station: Station
    ) -> dict[str, Any]:
        return platform.run(lambda s: records.preapplication(s, code))

    return router
