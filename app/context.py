"""AppContext: the opened database, key, page store and configuration one running program uses.

Built once by the composition root (app/cli.py) and handed to the mode being started. Opening it
checks the schema (refusing a database written by a newer version) and loads the encryption key,
so any problem is reported before a window opens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from app import paths
from app.config import Config
from app.storage import crypto
from app.storage.blobs import BlobStore
from app.storage.db import Database, check_not_newer, needs_upgrade, sqlite_url, upgrade

log = logging.getLogger(__name__)


def database_url(config: Config) -> str:
    url = config.get_str("database.url")
    return url or sqlite_url(paths.default_sqlite_path())


@dataclass
class AppContext:
    config: Config
    db: Database
    cipher: crypto.FieldCipher
    blobs: BlobStore
    work_dir: Path

    @property
    def station_code(self) -> str:
        return self.config.get_str("station.code") or "LOCAL"

    def close(self) -> None:
        self.db.dispose()
        crypto.set_active_cipher(None)


def open_context(config: Config, *, migrate: bool = True) -> AppContext:
    """Open everything; ``migrate`` brings an older schema up to date (a newer one is refused)."""
    paths.ensure_dirs()
    db = Database(database_url(config))
    check_not_newer(db)
    if migrate and needs_upgrade(db):
        upgrade(db)
    store = crypto.open_key_store(
        config.get_str("storage.key_source"),
        config.get_path("storage.key_file"),
        keyring_username=config.get_str("station.code") or "default",
    )
    cipher = crypto.FieldCipher(store.load_or_create(), config.get_str("storage.cipher"))
    crypto.set_active_cipher(cipher)
    blobs = BlobStore(paths.blob_dir(), cipher)
    log.info("opened %s database", db.dialect)
    return AppContext(config=config, db=db, cipher=cipher, blobs=blobs, work_dir=paths.data_dir())
