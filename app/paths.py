"""Where YiChuang keeps its files: configuration, data, logs and cache.

The locations follow the platform's conventions (platformdirs). Setting the environment variable
``YICHUANG_HOME`` puts everything below one folder instead (``config/``, ``data/``, ``logs/``,
``cache/``), which tests, ``make run`` and portable installs use.

The functions here only compute paths; nothing is created until :func:`ensure_dirs` is called, so
asking where the log lives never leaves an empty folder behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "yichuang"
HOME_ENV = "YICHUANG_HOME"

CONFIG_FILE_NAME = "config.toml"
SQLITE_FILE_NAME = "yichuang.sqlite3"

# Data holds personal data (encrypted pages, the key file, the database): owner only.
DATA_DIR_MODE = 0o700


def _home() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    if not value:
        return None
    return Path(value).expanduser().absolute()


def config_dir() -> Path:
    """Folder holding ``config.toml``."""
    home = _home()
    if home is not None:
        return home / "config"
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The configuration file read when no other is named (``config_dir()/config.toml``)."""
    return config_dir() / CONFIG_FILE_NAME


def data_dir() -> Path:
    """Folder for the SQLite database, the page store and the key file."""
    home = _home()
    if home is not None:
        return home / "data"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Folder for rotating log files."""
    home = _home()
    if home is not None:
        return home / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Folder for things that can be rebuilt (thumbnails, downloaded catalog copies)."""
    home = _home()
    if home is not None:
        return home / "cache"
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def blob_dir() -> Path:
    """Folder of the encrypted content-addressed page store (``data_dir()/blobs``)."""
    return data_dir() / "blobs"


def default_sqlite_path() -> Path:
    """The SQLite file used when ``database.url`` is empty."""
    return data_dir() / SQLITE_FILE_NAME


def ensure_dirs() -> None:
    """Create every folder above; data folders are made (and kept) owner-only (0700).

    An existing data folder with looser permissions is tightened, because it may have been created
    by an older install or by hand. On Windows ``chmod`` only toggles read-only, so the call is
    harmless there; the per-user profile folder already restricts access.
    """
    for folder in (config_dir(), log_dir(), cache_dir()):
        folder.mkdir(parents=True, exist_ok=True)
    for folder in (data_dir(), blob_dir()):
        folder.mkdir(mode=DATA_DIR_MODE, parents=True, exist_ok=True)
        if os.name == "posix":
            folder.chmod(DATA_DIR_MODE)
