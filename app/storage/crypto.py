"""Encryption at rest (静态数据加密): the master key, field encryption and encrypted ORM columns.

One 32-byte master key per station (or per hall database) comes from a :class:`KeyStore`: the OS
keyring or a 0600 key file. Working keys are derived from it with HKDF-SHA256, one per purpose, so
the AES key, the SM4 key (商用密码, commercial cryptography) and the blind-index key never coincide.

Ciphertext layout (every value this module writes)::

    version (1 byte) | algorithm (1 byte) | nonce (12 bytes) | ciphertext | GCM tag (16 bytes)

The algorithm byte is authoritative when decrypting: a value written under AES-GCM still decrypts
after the setting moves to SM4-GCM and vice versa, so changing the setting needs no migration.

Don'ts: never log a key or a plaintext; never compare encrypted columns for equality (the nonce is
random, so equal plaintexts give different ciphertexts) - store a :meth:`FieldCipher.blind_index`
beside the column and look that up instead.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Any, Protocol

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import LargeBinary, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from app.errors import ConfigError, IntegrityError, StorageError

log = logging.getLogger(__name__)

MASTER_KEY_BYTES = 32
FORMAT_VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
HEADER_BYTES = 2 + NONCE_BYTES

#: Setting value -> algorithm byte written into every ciphertext. The bytes are on disk: never renumber.
ALGORITHMS: dict[str, int] = {"aes-gcm": 1, "sm4-gcm": 2}

_INFO_AES = b"yichuang aes-gcm"
_INFO_SM4 = b"yichuang sm4"
_INFO_BLIND_INDEX = b"yichuang blind index"

#: Associated data for encrypted ORM columns. Constant on purpose: row ids change when rows are
#: copied between a station and the hall database, and the value must still decrypt there.
COLUMN_AAD = b"col"


def derive_key(master_key: bytes, info: bytes, length: int) -> bytes:
    """Derive a purpose-bound working key from the master key (HKDF-SHA256, no salt)."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(master_key)


class FieldCipher:
    """Encrypts single values (a column, a blob) with AES-256-GCM or SM4-GCM.

    ``algorithm`` only chooses how *new* values are written; :meth:`decrypt` reads both.
    """

    def __init__(self, master_key: bytes, algorithm: str = "aes-gcm") -> None:
        if len(master_key) != MASTER_KEY_BYTES:
            raise StorageError(
                f"加密主密钥长度不对（应为 {MASTER_KEY_BYTES} 字节，实际 {len(master_key)} 字节），"
                "密钥文件或密钥环中的内容可能已损坏。请从备份恢复密钥。"
            )
        if algorithm not in ALGORITHMS:
            raise ConfigError(
                f"不支持的加密算法“{algorithm}”，请在配置中填写 {' 或 '.join(ALGORITHMS)}。",
                key="storage.cipher",
            )
        self.algorithm = algorithm
        self._aes = AESGCM(derive_key(master_key, _INFO_AES, 32))
        self._sm4_key = derive_key(master_key, _INFO_SM4, 16)
        self._index_key = derive_key(master_key, _INFO_BLIND_INDEX, 32)

    def encrypt(self, plain: bytes, *, aad: bytes = b"") -> bytes:
        """Encrypt ``plain``; ``aad`` is authenticated but not stored, so decrypt needs the same."""
        algorithm_id = ALGORITHMS[self.algorithm]
        nonce = os.urandom(NONCE_BYTES)
        if algorithm_id == ALGORITHMS["aes-gcm"]:
            sealed = self._aes.encrypt(nonce, plain, aad)
        else:
            encryptor = Cipher(algorithms.SM4(self._sm4_key), modes.GCM(nonce)).encryptor()
            encryptor.authenticate_additional_data(aad)
            sealed = encryptor.update(plain) + encryptor.finalize() + encryptor.tag
        return bytes((FORMAT_VERSION, algorithm_id)) + nonce + sealed

    def decrypt(self, blob: bytes, *, aad: bytes = b"") -> bytes:
        """Decrypt a value from :meth:`encrypt`; raises IntegrityError if it was altered or truncated."""
        if len(blob) < HEADER_BYTES + TAG_BYTES or blob[0] != FORMAT_VERSION:
            raise IntegrityError("加密数据格式不对或已被截断，无法解密。请从备份恢复该数据。")
        algorithm_id = blob[1]
        nonce = blob[2:HEADER_BYTES]
        sealed = blob[HEADER_BYTES:]
        try:
            if algorithm_id == ALGORITHMS["aes-gcm"]:
                return self._aes.decrypt(nonce, sealed, aad)
            if algorithm_id == ALGORITHMS["sm4-gcm"]:
                body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
                decryptor = Cipher(algorithms.SM4(self._sm4_key), modes.GCM(nonce, tag)).decryptor()
                decryptor.authenticate_additional_data(aad)
                return decryptor.update(body) + decryptor.finalize()
        except InvalidTag:
            raise IntegrityError(
                "加密数据校验失败：数据已被改动，或不是用本机密钥加密的。请从备份恢复该数据，并检查密钥是否正确。"
            ) from None
        raise IntegrityError(
            f"加密数据使用了未知的算法编号 {algorithm_id}，可能由更新版本的程序写入。请升级程序。"
        )

    def encrypt_text(self, s: str, *, aad: bytes = b"") -> str:
        """Encrypt text into URL-safe base64, fit for a TEXT column."""
        return base64.urlsafe_b64encode(self.encrypt(s.encode("utf-8"), aad=aad)).decode("ascii")

    def decrypt_text(self, token: str, *, aad: bytes = b"") -> str:
        """Inverse of :meth:`encrypt_text`; raises IntegrityError for anything it did not produce."""
        try:
            blob = base64.urlsafe_b64decode(token.encode("ascii"))
        except (UnicodeEncodeError, binascii.Error):
            raise IntegrityError("加密文本不是有效的编码，数据可能已损坏。请从备份恢复该数据。") from None
        return self.decrypt(blob, aad=aad).decode("utf-8")

    def blind_index(self, s: str) -> str:
        """Keyed hash (HMAC-SHA256, hex) for equality look-ups on an encrypted column.

        Hashes the exact UTF-8 bytes: normalise first (e.g. upper-case the ID number's check
        letter X) so the same person always gives the same index.
        """
        return hmac.new(self._index_key, s.encode("utf-8"), hashlib.sha256).hexdigest()


# --- Key stores -------------------------------------------------------------------------------


class KeyStore(Protocol):
    """Where the master key lives. Losing it makes every encrypted value unreadable."""

    def load_or_create(self) -> bytes:
        """Return the master key, creating and saving a new random one on first use."""
        ...


def _decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        key = b""
    if len(key) != MASTER_KEY_BYTES:
        raise StorageError(
            f"{where}中的加密密钥已损坏（不是 {MASTER_KEY_BYTES} 字节的 base64）。请从备份恢复密钥。"
        )
    return key


class FileKeyStore:
    """Master key in a file readable by the owner only (mode 0600), base64 on one line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load_or_create(self) -> bytes:
        if not self.path.exists():
            self._create()
        self._check_permissions()
        try:
            text = self.path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise StorageError(
                f"无法读取密钥文件 {self.path}：{exc}。请检查文件是否存在、是否可读。"
            ) from exc
        return _decode_key(text, f"密钥文件 {self.path} ")

    def _check_permissions(self) -> None:
        # Windows has no POSIX mode bits (st_mode reports 0o666); there the profile directory's ACL
        # protects the file.
        if os.name == "nt":
            return
        mode = stat.S_IMODE(self.path.stat().st_mode)
        if mode & 0o077:
            raise StorageError(
                f"密钥文件 {self.path} 可被其他用户读取（权限 {mode:o}），程序拒绝使用。"
                f"请执行 chmod 600 {self.path} 后重新启动。"
            )

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        encoded = base64.b64encode(secrets.token_bytes(MASTER_KEY_BYTES)) + b"\n"
        # Written to a private temporary name and linked into place, so a crash never leaves a
        # half-written key file and two programs starting at once agree on one key (link fails
        # if the name exists, and nothing ever overwrites a key).
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(encoded)
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                return
            log.warning(
                "Created a new master key file at %s; back it up or encrypted data is lost with it", self.path
            )
        except OSError as exc:
            raise StorageError(f"无法创建密钥文件 {self.path}：{exc}。请检查该目录是否可写。") from exc
        finally:
            tmp.unlink(missing_ok=True)


class KeyringKeyStore:
    """Master key in the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service)."""

    def __init__(
        self,
        service: str = "yichuang",
        username: str = "default",
        *,
        backend: keyring.backend.KeyringBackend | None = None,
    ) -> None:
        self.service = service
        self.username = username
        self._backend = backend

    def load_or_create(self) -> bytes:
        backend = self._backend if self._backend is not None else keyring.get_keyring()
        if isinstance(backend, keyring.backends.fail.Keyring):
            raise self._unusable("没有可用的系统密钥环")
        try:
            stored = backend.get_password(self.service, self.username)
            if stored is None:
                backend.set_password(
                    self.service,
                    self.username,
                    base64.b64encode(secrets.token_bytes(MASTER_KEY_BYTES)).decode("ascii"),
                )
                # Read back: some backends (e.g. the null one) accept a password and keep nothing.
                stored = backend.get_password(self.service, self.username)
                if stored is None:
                    raise self._unusable("系统密钥环没有保存密钥")
                log.warning(
                    "Created a new master key in the OS keyring (service %s, user %s)",
                    self.service,
                    self.username,
                )
        except keyring.errors.KeyringError as exc:
            raise self._unusable(f"系统密钥环出错（{exc}）") from exc
        return _decode_key(stored, "系统密钥环")

    @staticmethod
    def _unusable(reason: str) -> StorageError:
        return StorageError(
            f'{reason}，无法保存加密密钥。请在配置中设置 storage.key_source = "file" 改用密钥文件，'
            "或安装并解锁系统密钥环后重试。"
        )


def open_key_store(source: str, key_file: Path, *, keyring_username: str = "default") -> KeyStore:
    """Pick the key store named by the ``storage.key_source`` setting ("keyring" or "file")."""
    if source == "file":
        return FileKeyStore(key_file)
    if source == "keyring":
        return KeyringKeyStore(username=keyring_username)
    raise ConfigError(
        f'storage.key_source 的值“{source}”无效，请填写 "keyring"（系统密钥环）或 "file"（密钥文件）。',
        key="storage.key_source",
    )


# --- The cipher the ORM columns use -----------------------------------------------------------

_active: FieldCipher | None = None


def set_active_cipher(c: FieldCipher | None) -> None:
    """Install the cipher the encrypted columns use (None unloads it, e.g. on sign-out or in tests)."""
    global _active
    _active = c


def active_cipher() -> FieldCipher:
    """The installed cipher; StorageError if the key has not been loaded yet."""
    if _active is None:
        raise StorageError(
            "加密密钥尚未加载，无法读写个人信息。请重新启动程序；如仍出现，请联系管理员检查密钥配置。"
        )
    return _active


class EncryptedText(TypeDecorator[str]):
    """TEXT column stored encrypted (URL-safe base64). Equality filters do not work on it."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else active_cipher().encrypt_text(value, aad=COLUMN_AAD)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> str | None:
        return None if value is None else active_cipher().decrypt_text(str(value), aad=COLUMN_AAD)


class EncryptedBytes(TypeDecorator[bytes]):
    """Binary column stored encrypted (e.g. the ID-card chip photo, sensitive personal data)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else active_cipher().encrypt(bytes(value), aad=COLUMN_AAD)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> bytes | None:
        return None if value is None else active_cipher().decrypt(bytes(value), aad=COLUMN_AAD)
