"""The real reference platform on loopback for tests: uvicorn in a background thread, ephemeral port.

Use the ``platform_server`` fixture (import it into a test module or conftest), or
``run_platform(tmp_path)`` as a context manager::

    from tests.sync.platform_server import platform_server  # noqa: F401  (fixture)

    def test_x(platform_server: PlatformServer) -> None:
        token = platform_server.enroll()
        ...
        with platform_server.session() as s:
            assert s.scalar(select(func.count()).select_from(PlatformCase)) == 1
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session

from sync.platform import FaultSettings, PlatformApp, create_app
from sync.platform.blobs import blob_bytes
from sync.protocol import (
    HEADER_ADMIN_TOKEN,
    PATH_ADMIN_FAULTS,
    PATH_ENROLL,
    PROTOCOL_HEADER,
    PROTOCOL_HEADER_VALUE,
    admin_case_path,
    bearer,
)

_START_TIMEOUT_S = 10.0


@dataclass
class PlatformServer:
    """A running platform: where it listens, its admin token, and its database."""

    base_url: str
    admin_token: str
    data_dir: Path
    app: PlatformApp
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    # --- Database access for assertions -------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on the platform's own database (commits on exit, like the server's)."""
        with self.app.platform.db.session() as s:
            yield s

    def blob_bytes(self, sha256: str) -> bytes:
        with self.session() as s:
            return blob_bytes(s, sha256)

    # --- Back office ----------------------------------------------------------------------------

    def new_codes(self, count: int = 1) -> list[str]:
        """Fresh one-time enrollment codes (made directly, as `yichuang platform codes --new N`)."""
        return self.app.platform.new_codes(count)

    def headers(self, token: str | None = None) -> dict[str, str]:
        """Protocol headers, plus the station token when given."""
        out = {PROTOCOL_HEADER: PROTOCOL_HEADER_VALUE}
        if token is not None:
            out["Authorization"] = bearer(token)
        return out

    def admin_headers(self) -> dict[str, str]:
        return {HEADER_ADMIN_TOKEN: self.admin_token}

    def enroll(self, station_code: str = "ST001", station_name: str = "测试便民服务站") -> str:
        """Enroll a station with a fresh code; returns its token."""
        code = self.new_codes(1)[0]
        body = {
            "code": code,
            "station_code": station_code,
            "station_name": station_name,
            "client_version": "0.1",
        }
        r = httpx.post(self.base_url + PATH_ENROLL, json=body, headers=self.headers(), timeout=10)
        r.raise_for_status()
        return str(r.json()["token"])

    def admin(self, case_uuid: str, action: str, **body: Any) -> dict[str, Any]:
        """approve | reject | correct | result, through the real back-office endpoint."""
        r = httpx.post(
            self.base_url + admin_case_path(case_uuid, action),  # type: ignore[arg-type]
            json=body,
            headers=self.admin_headers(),
            timeout=10,
        )
        r.raise_for_status()
        result: dict[str, Any] = r.json()
        return result

    def set_faults(self, **switches: Any) -> dict[str, Any]:
        """POST /admin/faults; e.g. ``set_faults(drop_reply_after_commit=1, match="PUT ")``."""
        r = httpx.post(
            self.base_url + PATH_ADMIN_FAULTS, json=switches, headers=self.admin_headers(), timeout=10
        )
        r.raise_for_status()
        result: dict[str, Any] = r.json()
        return result

    def clear_faults(self) -> None:
        self.set_faults(drop_reply_after_commit=0, error_rate=0, stall_s=0, clock_offset_s=0, match="")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=_START_TIMEOUT_S)


@contextmanager
def run_platform(
    data_dir: Path,
    *,
    faults: FaultSettings | None = None,
    admin_token: str | None = None,
    db_url: str | None = None,
) -> Iterator[PlatformServer]:
    """Start the platform on 127.0.0.1 with an ephemeral port; stopped when the block ends.

    The database is ``data_dir/platform.db`` unless ``db_url`` (e.g. PostgreSQL) is given.
    """
    token = admin_token or secrets.token_urlsafe(16)
    if db_url is None:
        app = create_app(data_dir, admin_token=token, faults=faults)
    else:
        app = create_app(db_url=db_url, admin_token=token, faults=faults)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="platform")
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the reference platform did not start")
        time.sleep(0.01)
    running = PlatformServer(f"http://127.0.0.1:{port}", token, data_dir, app, server, thread)
    try:
        yield running
    finally:
        running.stop()
        sock.close()


@pytest.fixture
def platform_server(tmp_path: Path) -> Iterator[PlatformServer]:
    with run_platform(tmp_path / "platform") as server:
        yield server
