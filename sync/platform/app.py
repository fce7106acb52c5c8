"""The reference platform's ASGI app: protocol header, fault switches, error bodies, routes.

The protocol header and the faults are handled in :meth:`PlatformApp.__call__`, outside
Starlette's middleware stack, because dropping a reply means resetting the very connection
uvicorn handed us; inner middleware only sees wrapped ``send`` callables.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send

from app import __version__
from sync.platform.admin import admin_router
from sync.platform.core import Platform, database_url_for
from sync.platform.errors import ApiError
from sync.platform.faults import FaultSettings
from sync.platform.routes import v1_router
from sync.protocol import (
    API_PREFIX,
    HEADER_RETRY_AFTER,
    MIN_CLIENT_VERSION,
    PATH_ENROLL,
    PATH_META,
    PROTOCOL_HEADER,
    PROTOCOL_HEADER_VALUE,
    ErrorCode,
    error_body,
)

log = logging.getLogger(__name__)

_MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_STATUS_CODES = {
    401: ErrorCode.TOKEN_MISSING,
    403: ErrorCode.ADMIN_FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
}


def _error_response(code: ErrorCode, status: int | None = None, **extra: Any) -> JSONResponse:
    error = ApiError(code, **extra)
    return JSONResponse(error.body(), status_code=status or error.status, headers=error.headers)


def _reset_connection(send: Send) -> bool:
    """Reset (TCP RST) the connection behind uvicorn's ``send``; False if it cannot be reached."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            # Linger 0 turns close into an RST, which is what a dropped link looks like to the client.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            log.debug("could not set SO_LINGER; the drop will be a FIN")
    transport.abort()
    return True


class PlatformApp(FastAPI):
    """FastAPI plus the protocol header on every response and the fault switches on /v1."""

    platform: Platform

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[PROTOCOL_HEADER] = PROTOCOL_HEADER_VALUE
            await send(message)

        method, path = scope["method"], scope["path"]
        if not path.startswith(API_PREFIX + "/"):
            await super().__call__(scope, receive, send_marked)
            return
        if path != PATH_META and Headers(scope=scope).get(PROTOCOL_HEADER) != PROTOCOL_HEADER_VALUE:
            await _error_response(ErrorCode.PROTOCOL_MISMATCH, expected=PROTOCOL_HEADER_VALUE)(
                scope, receive, send_marked
            )
            return
        faults = self.platform.faults
        if faults.applies(method, path):
            stall = faults.take_stall()
            if stall > 0:
                await asyncio.sleep(stall)
            if faults.take_error():
                response = _error_response(ErrorCode.UNAVAILABLE)
                response.headers[HEADER_RETRY_AFTER] = "1"
                await response(scope, receive, send_marked)
                return
            if method in _MUTATING and path != PATH_ENROLL and faults.take_drop():
                await self._handle_then_drop(scope, receive, send, method, path)
                return
        await super().__call__(scope, receive, send_marked)

    async def _handle_then_drop(
        self, scope: Scope, receive: Receive, send: Send, method: str, path: str
    ) -> None:
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await super().__call__(scope, receive, hold)
        status = next((m["status"] for m in held if m["type"] == "http.response.start"), None)
        log.info("fault: dropping the %s reply to %s %s after commit", status, method, path)
        if _reset_connection(send):
            # Let uvicorn see the lost connection before it notices that no reply was started.
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            return
        # No transport to reset (another server): start the reply and break it off mid-way.
        start = next(m for m in held if m["type"] == "http.response.start")
        await send(start)
        raise ConnectionAbortedError("fault: reply dropped after commit")


def create_app(
    data_dir: Path | None = None,
    *,
    db_url: str | None = None,
    admin_token: str,
    faults: FaultSettings | None = None,
    min_client_version: str = MIN_CLIENT_VERSION,
) -> PlatformApp:
    """The reference platform on ``data_dir/platform.db`` (SQLite, WAL) or on ``db_url``.

    Exactly one of ``data_dir`` and ``db_url`` is given. The database is created and seeded with
    the demo catalog, calendar, clerks, e-licences and pre-applications if it is new.
    """
    if (data_dir is None) == (db_url is None):
        raise ValueError("give exactly one of data_dir and db_url")
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        db_url = database_url_for(data_dir)
    assert db_url is not None
    platform = Platform(db_url, admin_token=admin_token, faults=faults, min_client_version=min_client_version)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        platform.close()

    app = PlatformApp(
        lifespan=lifespan,
        title="一窗 YiChuang reference platform",
        version=__version__,
        description=(
            "Protocol v1 between the YiChuang counter client and the provincial platform. Every request"
            f" and response carries `{PROTOCOL_HEADER}: {PROTOCOL_HEADER_VALUE}`; errors are"
            ' `{"error": code, "message": Chinese text}`.'
        ),
    )
    app.platform = platform
    app.state.platform = platform
    app.include_router(v1_router(platform))
    app.include_router(admin_router(platform))

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {
                "loc": [str(part) for part in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return JSONResponse(error_body(ErrorCode.BAD_REQUEST, detail=detail), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, ErrorCode.BAD_REQUEST)
        return JSONResponse(error_body(code), status_code=exc.status_code, headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error in %s %s", request.method, request.url.path)
        return JSONResponse(error_body(ErrorCode.INTERNAL), status_code=500)

    return app
