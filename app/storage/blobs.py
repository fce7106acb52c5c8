"""Blob store (加密文件库): scanned pages and other files, encrypted and named by content.

A blob's name is the SHA-256 of its *plaintext*, laid out as ``root/ab/cd/abcd…`` (full hex as the
file name). The name doubles as the GCM associated data, so a file copied or renamed onto another
blob's name fails to decrypt instead of serving the wrong page.

Guarantees: a blob file is either absent or complete (temporary file, fsync, atomic rename); files
are readable by the owner only (0600); :meth:`BlobStore.get` never returns bytes whose hash differs
from the name asked for. Don't: open blob files directly, or log their contents.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.errors import IntegrityError, StorageError
from app.storage.crypto import FieldCipher

log = logging.getLogger(__name__)

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class BlobInfo:
    """What identifies a stored blob: the plaintext's SHA-256 (hex) and its size in bytes."""

    sha256: str
    size: int


class BlobStore:
    """Content-addressed, encrypted file store under one root directory."""

    def __init__(self, root: Path, cipher: FieldCipher) -> None:
        self.root = root
        self._cipher = cipher

    def put(self, data: bytes) -> BlobInfo:
        """Store ``data``; storing the same bytes again writes nothing new.

        A corrupt file already holding that name is replaced, so re-scanning a page repairs it.
        """
        sha = hashlib.sha256(data).hexdigest()
        info = BlobInfo(sha256=sha, size=len(data))
        path = self._path(sha)
        if path.exists():
            try:
                self.get(sha)
                return info
            except IntegrityError:
                log.warning("Replacing corrupt blob %s with a fresh copy", sha[:12])
        self._write_atomically(path, self._cipher.encrypt(data, aad=sha.encode("ascii")))
        return info

    def put_file(self, path: Path) -> BlobInfo:
        """Store the contents of the file at ``path`` (the file itself is left alone)."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StorageError(f"无法读取文件 {path}：{exc}。请确认文件存在且可读。") from exc
        return self.put(data)

    def get(self, sha256: str) -> bytes:
        """The plaintext of blob ``sha256``, checked against its name.

        Raises StorageError if missing, IntegrityError if altered, swapped or undecryptable.
        """
        path = self._path(sha256)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            raise StorageError(
                f"文件库中找不到文件 {sha256[:12]}…，可能已被删除或尚未同步。请重新扫描或从备份恢复。"
            ) from None
        except OSError as exc:
            raise StorageError(f"无法读取文件库中的文件 {sha256[:12]}…：{exc}。请检查磁盘和权限。") from exc
        damaged = IntegrityError(
            f"文件库中的文件 {sha256[:12]}… 已损坏或被改动，已拒绝使用。请重新扫描该材料或从备份恢复。"
        )
        try:
            plain = self._cipher.decrypt(blob, aad=sha256.encode("ascii"))
        except IntegrityError:
            raise damaged from None
        if hashlib.sha256(plain).hexdigest() != sha256:
            raise damaged
        return plain

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        """Remove the blob; deleting a missing blob is not an error."""
        self._path(sha256).unlink(missing_ok=True)

    def verify_all(self) -> list[str]:
        """Names of blobs that are corrupt; they stay on disk (for inspection) but are never served."""
        corrupt: list[str] = []
        for sha in self:
            try:
                self.get(sha)
            except IntegrityError:
                log.warning("Blob %s failed verification", sha[:12])
                corrupt.append(sha)
        return corrupt

    def __iter__(self) -> Iterator[str]:
        """Names of all stored blobs, sorted; temporary files of unfinished writes are skipped."""
        if not self.root.is_dir():
            return
        for outer in sorted(self.root.iterdir()):
            if not outer.is_dir():
                continue
            for inner in sorted(outer.iterdir()):
                if not inner.is_dir():
                    continue
                for file in sorted(inner.iterdir()):
                    name = file.name
                    if (
                        _SHA256_HEX.fullmatch(name)
                        and name[:2] == outer.name
                        and name[2:4] == inner.name
                        and file.is_file()
                    ):
                        yield name

    def _path(self, sha256: str) -> Path:
        # Names come from the database and the sync peer; checking them keeps "../x" off the disk.
        if not _SHA256_HEX.fullmatch(sha256):
            raise StorageError(
                f"文件编号“{sha256[:70]}”无效（应为 64 位小写十六进制）。数据可能已损坏，请联系管理员。"
            )
        return self.root / sha256[:2] / sha256[2:4] / sha256

    @staticmethod
    def _write_atomically(path: Path, payload: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_name(f"{_TMP_PREFIX}{secrets.token_hex(8)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(payload)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            _fsync_dir(path.parent)
        except OSError as exc:
            raise StorageError(f"无法写入文件库 {path.parent}：{exc}。请检查磁盘空间和目录权限。") from exc


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; directories cannot be opened for fsync on Windows."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
