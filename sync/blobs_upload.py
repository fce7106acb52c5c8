"""续传上传: one page's bytes to the platform, resumable at the platform's offset (tus-like).

The platform keeps how many bytes of a blob it holds; we never keep our own offset, so a restart,
a crash or another hall node simply asks again (``POST /v1/blobs`` answers with the offset) and
goes on from there. Chunks are cut at the platform's offset, each with its own checksum.

After a cut in the middle of a blob (reset, stall, 5xx) the upload asks for the offset (HEAD) and
continues at once from there, so a cut costs at most the one chunk that was in flight. A link on
which the offset stops moving (two cuts in a row with no byte acknowledged) gives up and leaves
the retry to the outbox's backoff instead of hammering the platform.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from app.errors import IntegrityError
from sync import protocol
from sync.client import PlatformClient, PlatformError

log = logging.getLogger(__name__)

#: Transient kinds after which an upload resumes at once from the platform's offset.
_RESUMABLE = frozenset({"offline", "server"})
#: Immediate resumes in a row without the platform's offset moving; the next cut gives up for now.
_STUCK_LIMIT = 1
#: A chunk garbled on the way is sent again this many times before the link is declared bad.
_CHECKSUM_RETRIES = 2
#: Offset corrections in a row without progress before the platform's offsets are distrusted.
_MISMATCH_RETRIES = 3
#: Restarts from 0 after the platform found the assembled blob corrupt.
_CORRUPT_RESTARTS = 1


@dataclass(frozen=True)
class UploadResult:
    sha256: str
    size: int
    started_at: int  # the platform's offset when this upload began
    sent_bytes: int  # chunk bytes put on the wire (re-sends included)
    already_complete: bool


def upload_blob(
    client: PlatformClient,
    sha256: str,
    size: int,
    read: Callable[[], bytes],
    *,
    chunk_bytes: int = protocol.MAX_CHUNK_BYTES,
    on_progress: Callable[[int], None] | None = None,
) -> UploadResult:
    """Make the platform hold the ``size`` bytes named ``sha256`` completely.

    ``read()`` gives the plaintext and is called only when the platform still lacks bytes, so a
    page whose local file was purged after receipt costs nothing while the platform keeps it.
    ``on_progress(n)`` is told each time the platform acknowledges ``n`` more bytes. Raises
    :class:`PlatformError` when the link gives up (``offline``/``server``: retry later) or the
    platform refuses the blob (``rejected``/``conflict``); IntegrityError when the bytes read are
    not what ``sha256`` and ``size`` name (the local copy is damaged: never sent).
    """
    chunk_bytes = max(1, min(chunk_bytes, protocol.MAX_CHUNK_BYTES))
    state = client.blob_create(sha256, size)
    if state.complete:
        return UploadResult(sha256, size, state.offset, 0, True)
    data = read()
    if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
        raise IntegrityError(
            f"材料页文件 {sha256[:12]}… 与记录的校验值不符，已停止上传。请重新扫描该页后再同步。"
        )
    started_at = offset = state.offset
    sent = 0
    stuck = 0  # cuts in a row that moved the platform's offset nowhere
    checksum_failures = 0
    mismatches = 0
    restarts = 0
    while True:
        if offset >= size:
            # Everything is there but the platform has not called it complete: ask once more.
            state = client.blob_create(sha256, size)
            if state.complete:
                return UploadResult(sha256, size, started_at, sent, False)
            if state.offset >= size:
                raise PlatformError(
                    "省级平台收齐了材料文件却没有确认完成，请稍后重试；多次出现请联系平台运维人员。",
                    kind="server",
                )
            offset = state.offset
            continue
        chunk = data[offset : offset + chunk_bytes]
        try:
            new_offset = client.blob_patch(sha256, offset, chunk)
        except PlatformError as exc:
            sent += len(chunk)
            if exc.code == "offset_mismatch" and mismatches < _MISMATCH_RETRIES:
                # Another node or an earlier, cut attempt moved the offset: continue from there.
                mismatches += 1
                offset = _server_offset(client, sha256, size, exc)
                continue
            if exc.code == "checksum_mismatch" and checksum_failures < _CHECKSUM_RETRIES:
                checksum_failures += 1
                log.warning("blob %s: chunk at %d garbled on the way, sending it again", sha256[:12], offset)
                continue
            if exc.code == "blob_corrupt" and restarts < _CORRUPT_RESTARTS:
                restarts += 1
                log.warning("blob %s: platform found the assembled blob corrupt, restarting", sha256[:12])
                offset = 0
                continue
            if exc.kind in _RESUMABLE and stuck < _STUCK_LIMIT:
                stuck += 1
                log.info(
                    "blob %s: cut at %d (%s), resuming from the platform's offset",
                    sha256[:12],
                    offset,
                    exc.kind,
                )
                resumed = _current_offset(client, sha256, size)
                if resumed > offset:
                    # The chunk arrived, only its acknowledgement was lost: that is progress.
                    if on_progress is not None:
                        on_progress(resumed - offset)
                    stuck = 0
                offset = resumed
                continue
            raise
        sent += len(chunk)
        if new_offset <= offset or new_offset > size:
            raise PlatformError(
                "省级平台返回的上传位置不正确，已停止上传，请稍后重试；多次出现请联系平台运维人员。",
                kind="protocol",
            )
        if on_progress is not None:
            on_progress(new_offset - offset)
        offset = new_offset
        stuck = 0
        checksum_failures = 0
        mismatches = 0
        if offset == size:
            # The platform checks the whole blob's sha256 before answering the last chunk.
            return UploadResult(sha256, size, started_at, sent, False)


def _server_offset(client: PlatformClient, sha256: str, size: int, exc: PlatformError) -> int:
    raw = {k.lower(): v for k, v in exc.headers.items()}.get(protocol.HEADER_UPLOAD_OFFSET.lower(), "")
    if raw.isdigit() and int(raw) <= size:
        return int(raw)
    return _current_offset(client, sha256, size)


def _current_offset(client: PlatformClient, sha256: str, size: int) -> int:
    offset = client.blob_offset(sha256)
    if offset is None:
        # The platform forgot the upload (expired or reset): create it again.
        return client.blob_create(sha256, size).offset
    return offset
