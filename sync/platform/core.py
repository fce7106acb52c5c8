"""参考平台核心: the platform's database, clock, fault switches, stations and enrollment codes.

Every operation is one transaction through :meth:`Platform.run`: a handler either commits its
whole effect together with its stored idempotent answer, or nothing. Two requests racing on the
same key (PostgreSQL) collide on a primary key; the loser is run again and finds the winner's answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.storage.db import Database, sqlite_url
from sync.platform.errors import ApiError
from sync.platform.faults import Faults, FaultSettings
from sync.platform.models import Base, EnrollmentCode, Station, StationToken
from sync.platform.seed import seed
from sync.protocol import MIN_CLIENT_VERSION, ErrorCode

log = logging.getLogger(__name__)

T = TypeVar("T")

DB_FILE = "platform.db"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read out over the phone
_RUN_ATTEMPTS = 3


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def canonical_code(code: str) -> str:
    """Enrollment codes are compared without separators and case: "k7pq-m2xd" == "K7PQM2XD"."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def display_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def database_url_for(data_dir: Path) -> str:
    return sqlite_url(data_dir / DB_FILE)


def version_tuple(version: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in version.strip().split("."))
    except ValueError:
        return None


@dataclass(frozen=True)
class StationRef:
    """The station a request's token belongs to."""

    id: str
    code: str


class Platform:
    """One running reference platform: database, admin token, fault switches and clock."""

    def __init__(
        self,
        db_url: str,
        *,
        admin_token: str,
        faults: FaultSettings | None = None,
        min_client_version: str = MIN_CLIENT_VERSION,
        seed_demo: bool = True,
    ) -> None:
        if not admin_token:
            raise ValueError("the back office needs an admin token")
        self.db = Database(db_url)
        self.admin_token = admin_token
        self.faults = Faults(faults)
        self.min_client_version = min_client_version
        Base.metadata.create_all(self.db.engine)
        if seed_demo:
            with self.db.session() as s:
                seed(s, self.now())
        log.info("reference platform database ready (%s)", self.db.dialect)

    def now(self) -> dt.datetime:
        return utcnow() + dt.timedelta(seconds=self.faults.clock_offset_s())

    def run(self, operation: Callable[[Session], T]) -> T:
        """Run ``operation`` in one transaction; on a key collision with a concurrent request, run it again."""
        for attempt in range(1, _RUN_ATTEMPTS + 1):
            try:
                with self.db.session() as s:
                    return operation(s)
            except sa_exc.IntegrityError:
                if attempt == _RUN_ATTEMPTS:
                    raise
                log.info("concurrent write collided (attempt %d), running again", attempt)
            except sa_exc.DataError as exc:
                # PostgreSQL refuses some values SQLite takes (NUL characters, out-of-range numbers).
                log.info("database refused a value: %s", type(exc.orig).__name__)
                raise ApiError(ErrorCode.BAD_REQUEST, detail="a value cannot be stored") from exc
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.db.dispose()

    # --- Enrollment and tokens ------------------------------------------------------------------

    def new_codes(self, count: int) -> list[str]:
        """``count`` fresh one-time enrollment codes, formatted ``XXXX-XXXX-XXXX``."""
        now = self.now()

        def create(s: Session) -> list[str]:
            codes = []
            for _ in range(count):
                code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
                s.add(EnrollmentCode(code=code, created_at=now))
                codes.append(display_code(code))
            return codes

        codes = self.run(create)
        log.info("created %d enrollment codes", len(codes))
        return codes

    def enroll(self, code: str, station_code: str, station_name: str, client_version: str) -> tuple[str, str]:
        """Spend ``code`` and return ``(station_id, token)``; a station re-enrolling keeps its id."""
        now = self.now()
        token = secrets.token_urlsafe(32)

        def spend(s: Session) -> str:
            row = s.get(EnrollmentCode, canonical_code(code), with_for_update=True)
            if row is None:
                raise ApiError(ErrorCode.CODE_UNKNOWN)
            if row.used_at is not None:
                raise ApiError(ErrorCode.CODE_USED)
            station = s.execute(select(Station).where(Station.code == station_code)).scalar_one_or_none()
            if station is None:
                station = Station(
                    id=str(uuid.uuid4()),
                    code=station_code,
                    name=station_name,
                    client_version=client_version,
                    enrolled_at=now,
                )
                s.add(station)
            else:
                station.name, station.client_version = station_name, client_version
            s.flush()
            s.add(StationToken(token_hash=token_hash(token), station_id=station.id, created_at=now))
            row.used_at, row.station_id = now, station.id
            return station.id

        station_id = self.run(spend)
        log.info("station %s enrolled (id %s)", station_code, station_id)
        return station_id, token

    def authenticate(self, token: str | None) -> StationRef:
        if not token:
            raise ApiError(ErrorCode.TOKEN_MISSING, headers={"WWW-Authenticate": "Bearer"})

        def look_up(s: Session) -> StationRef:
            row = s.get(StationToken, token_hash(token))
            if row is None:
                raise ApiError(ErrorCode.TOKEN_INVALID, headers={"WWW-Authenticate": "Bearer"})
            if row.revoked_at is not None:
                raise ApiError(ErrorCode.TOKEN_REVOKED, headers={"WWW-Authenticate": "Bearer"})
            station = s.get(Station, row.station_id)
            assert station is not None
            return StationRef(station.id, station.code)

        return self.run(look_up)

    def revoke(self, station_id: str) -> int:
        """Revoke every active token of a station; returns how many were revoked."""
        now = self.now()

        def revoke_all(s: Session) -> int:
            if s.get(Station, station_id) is None:
                raise ApiError(ErrorCode.NOT_FOUND)
            rows = s.execute(
                select(StationToken).where(
                    StationToken.station_id == station_id, StationToken.revoked_at.is_(None)
                )
            ).scalars()
            count = 0
            for row in rows:
                row.revoked_at = now
                count += 1
            return count

        count = self.run(revoke_all)
        log.info("revoked %d tokens of station %s", count, station_id)
        return count

    def stop_message(self, client_version: str | None) -> str:
        """Non-empty when ``client_version`` is older than the platform accepts."""
        if not client_version:
            return ""
        have, need = version_tuple(client_version), version_tuple(self.min_client_version)
        if have is None or need is None or have >= need:
            return ""
        return (
            f"一窗客户端版本过旧（{client_version}），省级平台要求至少 {self.min_client_version}。"
            "同步已暂停，请升级一窗客户端后再同步。"
        )
