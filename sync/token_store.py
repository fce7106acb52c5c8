"""站点凭证: where the station's platform token is kept, and enrollment with a one-time code.

The token is what the platform knows this station by; whoever holds it can submit cases in the
station's name. It is kept either in the OS keyring (a single station PC) or encrypted with the
station's master key in the database (a hall, where every node sends and shares one database;
also stations without a usable keyring). It is never logged and never written in clear.
"""

from __future__ import annotations

import logging
from typing import Protocol

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
from sqlalchemy.orm import Session

from app.config import Config
from app.errors import StorageError
from app.model import Setting, utcnow
from app.storage.crypto import FieldCipher
from app.storage.db import Database
from sync.client import Enrollment, PlatformClient

log = logging.getLogger(__name__)

TOKEN_SETTING = "sync.token"
STATION_ID_SETTING = "sync.station_id"
KEYRING_SERVICE = "yichuang-sync"
#: Associated data of the encrypted token: a value copied from another setting fails to decrypt.
_TOKEN_AAD = b"sync.token"


class TokenStore(Protocol):
    def load(self) -> str | None: ...

    def save(self, token: str) -> None: ...

    def clear(self) -> None: ...


class DbTokenStore:
    """The token encrypted (app.storage.crypto) in the ``setting`` table of the shared database."""

    def __init__(self, db: Database, cipher: FieldCipher) -> None:
        self._db = db
        self._cipher = cipher

    def load(self) -> str | None:
        with self._db.session() as s:
            row = s.get(Setting, TOKEN_SETTING)
            if row is None or not isinstance(row.value, str) or not row.value:
                return None
            return self._cipher.decrypt_text(row.value, aad=_TOKEN_AAD)

    def save(self, token: str) -> None:
        with self._db.session() as s:
            _put(s, TOKEN_SETTING, self._cipher.encrypt_text(token, aad=_TOKEN_AAD))

    def clear(self) -> None:
        with self._db.session() as s:
            row = s.get(Setting, TOKEN_SETTING)
            if row is not None:
                s.delete(row)


class KeyringTokenStore:
    """The token in the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service)."""

    def __init__(self, username: str, *, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self.username = username or "default"
        self._backend = backend

    def _keyring(self) -> keyring.backend.KeyringBackend:
        backend = self._backend if self._backend is not None else keyring.get_keyring()
        if isinstance(backend, keyring.backends.fail.Keyring):
            raise _keyring_unusable("没有可用的系统密钥环")
        return backend

    def load(self) -> str | None:
        try:
            return self._keyring().get_password(KEYRING_SERVICE, self.username)
        except keyring.errors.KeyringError as exc:
            raise _keyring_unusable(f"系统密钥环出错（{exc}）") from exc

    def save(self, token: str) -> None:
        backend = self._keyring()
        try:
            backend.set_password(KEYRING_SERVICE, self.username, token)
            # Read back: some backends accept a password and keep nothing.
            if backend.get_password(KEYRING_SERVICE, self.username) != token:
                raise _keyring_unusable("系统密钥环没有保存凭证")
        except keyring.errors.KeyringError as exc:
            raise _keyring_unusable(f"系统密钥环出错（{exc}）") from exc

    def clear(self) -> None:
        try:
            self._keyring().delete_password(KEYRING_SERVICE, self.username)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise _keyring_unusable(f"系统密钥环出错（{exc}）") from exc


def _keyring_unusable(reason: str) -> StorageError:
    return StorageError(
        f'{reason}，无法保存省级平台的登记凭证。请在配置中设置 storage.key_source = "file"'
        "（凭证改为加密保存在数据库中），或安装并解锁系统密钥环后重新登记。"
    )


def _put(session: Session, key: str, value: object) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value, updated_at=utcnow()))
    else:
        row.value = value
    session.flush()


def open_token_store(config: Config, db: Database, cipher: FieldCipher) -> TokenStore:
    """The keyring on a station whose master key is in the keyring; otherwise the database.

    A hall always uses the database: every node must find the same token there.
    """
    if config.get_str("station.mode") == "station" and config.get_str("storage.key_source") == "keyring":
        return KeyringTokenStore(config.get_str("station.code") or "default")
    return DbTokenStore(db, cipher)


def enroll(
    client: PlatformClient,
    store: TokenStore,
    db: Database,
    *,
    code: str,
    station_code: str,
    station_name: str,
) -> Enrollment:
    """登记: trade the one-time ``code`` for a token, keep it, and start using it.

    Raises PlatformError (``rejected`` for an unknown code, ``conflict`` for a used one) with the
    platform's Chinese message; nothing is stored then.
    """
    enrollment = client.enroll(code.strip(), station_code, station_name)
    store.save(enrollment.token)
    with db.session() as s:
        _put(s, STATION_ID_SETTING, enrollment.station_id)
    client.token = enrollment.token
    log.info("enrolled station %s with the platform as %s", station_code, enrollment.station_id)
    return enrollment
