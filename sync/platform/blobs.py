"""材料文件上传: content-addressed, resumable blob uploads (tus-like) on the platform side.

A blob is named by the sha256 of its bytes. Chunks are appended at the stored offset; a chunk
that starts before the offset only contributes its unseen tail, so re-sending a stored range is
harmless. When the last byte arrives the whole blob is hashed; a mismatch wipes it back to 0.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sync.platform.errors import ApiError
from sync.platform.models import Blob, BlobChunk
from sync.protocol import (
    CHECKSUM_ALGORITHM,
    HEADER_UPLOAD_OFFSET,
    MAX_BLOB_BYTES,
    MAX_CHUNK_BYTES,
    ErrorCode,
    parse_upload_checksum,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BlobState:
    sha256: str
    size: int
    offset: int
    complete: bool

    def as_dict(self) -> dict[str, object]:
        return {"sha256": self.sha256, "size": self.size, "offset": self.offset, "complete": self.complete}


def _state(row: Blob) -> BlobState:
    return BlobState(row.sha256, row.size, row.offset, row.complete)


def create_blob(session: Session, sha256: str, size: int, now: dt.datetime) -> tuple[bool, BlobState]:
    """``(created, state)``; an existing blob of the same size is returned as it is."""
    if size > MAX_BLOB_BYTES:
        raise ApiError(ErrorCode.BLOB_TOO_LARGE, max_blob_bytes=MAX_BLOB_BYTES)
    row = session.get(Blob, sha256)
    if row is not None:
        if row.size != size:
            raise ApiError(ErrorCode.BLOB_SIZE_CONFLICT, size=row.size)
        return False, _state(row)
    row = Blob(sha256=sha256, size=size, offset=0, complete=False, created_at=now, resets=0)
    session.add(row)
    session.flush()
    return True, _state(row)


def blob_state(session: Session, sha256: str) -> BlobState:
    row = session.get(Blob, sha256)
    if row is None:
        raise ApiError(ErrorCode.BLOB_NOT_FOUND)
    return _state(row)


def check_chunk(chunk: bytes, checksum_header: str) -> None:
    """Refuse a chunk whose ``Upload-Checksum`` is malformed (400) or does not match (460)."""
    if len(chunk) > MAX_CHUNK_BYTES:
        raise ApiError(ErrorCode.CHUNK_TOO_LARGE, max_chunk_bytes=MAX_CHUNK_BYTES)
    parsed = parse_upload_checksum(checksum_header)
    if parsed is None or parsed[0] != CHECKSUM_ALGORITHM:
        raise ApiError(
            ErrorCode.BAD_REQUEST, detail=f"Upload-Checksum must be '{CHECKSUM_ALGORITHM} <base64>'"
        )
    if not hmac.compare_digest(hashlib.sha256(chunk).digest(), parsed[1]):
        raise ApiError(ErrorCode.CHECKSUM_MISMATCH)


def append_chunk(
    session: Session, sha256: str, offset: int, chunk: bytes, now: dt.datetime
) -> tuple[BlobState, bool]:
    """Store ``chunk`` written at ``offset``; returns ``(new state, corrupt)``. Checksum already checked.

    ``corrupt`` means the last byte arrived but the whole blob's hash did not match, and the upload
    was reset to 0. That reset must be committed although the request fails, so it is returned
    instead of raised (raising would roll it back); the caller answers 422 after the commit.
    """
    row = session.get(Blob, sha256, with_for_update=True)
    if row is None:
        raise ApiError(ErrorCode.BLOB_NOT_FOUND)
    if row.complete:
        return _state(row), False
    if offset > row.offset:
        raise ApiError(
            ErrorCode.OFFSET_MISMATCH, headers={HEADER_UPLOAD_OFFSET: str(row.offset)}, offset=row.offset
        )
    tail = chunk[row.offset - offset :]
    if not tail:
        return _state(row), False
    if row.offset + len(tail) > row.size:
        raise ApiError(ErrorCode.BAD_REQUEST, detail="chunk goes past the declared size")
    session.add(BlobChunk(sha256=sha256, start=row.offset, data=tail))
    row.offset += len(tail)
    if row.offset == row.size:
        if blob_digest(session, sha256) != sha256:
            session.execute(delete(BlobChunk).where(BlobChunk.sha256 == sha256))
            row.offset = 0
            row.resets += 1
            log.warning("blob %s failed the whole-blob check and was reset", sha256[:12])
            return _state(row), True
        row.complete, row.completed_at = True, now
    return _state(row), False


def _chunks(session: Session, sha256: str) -> list[bytes]:
    session.flush()
    return list(
        session.execute(
            select(BlobChunk.data).where(BlobChunk.sha256 == sha256).order_by(BlobChunk.start)
        ).scalars()
    )


def blob_digest(session: Session, sha256: str) -> str:
    digest = hashlib.sha256()
    for part in _chunks(session, sha256):
        digest.update(part)
    return digest.hexdigest()


def blob_bytes(session: Session, sha256: str) -> bytes:
    """The stored bytes of a blob (complete or not); for the back office and tests."""
    return b"".join(_chunks(session, sha256))


def incomplete(session: Session, hashes: list[str]) -> list[str]:
    """The hashes among ``hashes`` that are not complete blobs, in the given order."""
    if not hashes:
        return []
    done = set(
        session.execute(select(Blob.sha256).where(Blob.sha256.in_(hashes), Blob.complete.is_(True))).scalars()
    )
    return [h for h in hashes if h not in done]
