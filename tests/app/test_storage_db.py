"""Database setup: SQLite durability pragmas, migrations, and refusing a newer schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from app.errors import StorageError
from app.storage.db import Database, check_not_newer, code_heads, current_revisions, needs_upgrade, upgrade


def test_sqlite_pragmas(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    assert db.pragma("journal_mode") == "wal"
    assert db.pragma("synchronous") == 2  # FULL
    assert db.pragma("foreign_keys") == 1
    assert db.pragma("busy_timeout") == 10_000
    db.dispose()


def test_upgrade_creates_every_table_and_is_idempotent(db: Database) -> None:
    tables = set(db.table_names())
    for name in ("station", "counter_window", "clerk", "service_item", "material_requirement", "item_bundle", "applicant",
                 "agent", "agent_authorization", "service_case", "case_material", "page", "suspension", "ticket", "appointment",
                 "evaluation", "print_job", "audit_event", "outbox_event", "setting", "calendar_override"):  # fmt: skip
        assert name in tables, name
    assert current_revisions(db) == code_heads(db)
    assert not needs_upgrade(db)
    assert upgrade(db) == []


def test_foreign_keys_enforced(db: Database) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"), db.session() as s:
        s.execute(
            text(
                "INSERT INTO counter_window (station_id, number, name, categories, active) VALUES (999, 1, '', '[]', true)"
            )
        )


def _stamp_future(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))


def test_newer_database_is_refused_with_message(db: Database) -> None:
    _stamp_future(db)
    with pytest.raises(StorageError, match="更新版本"):
        check_not_newer(db)
    with pytest.raises(StorageError, match="升级"):
        upgrade(db)


def test_cli_refuses_newer_database(tmp_path: Path, yc_home: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    db = Database(url)
    upgrade(db)
    _stamp_future(db)
    db.dispose()
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "--set", f"database.url={url}", "db", "upgrade"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert r.returncode == 2
    assert "更新版本的一窗程序创建" in r.stderr


def test_migrations_match_the_model(db: Database) -> None:
    """A model change without a migration would reach users as a crash; catch it here."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from app.model import Base

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_keeps_rows_written_by_the_previous_version(tmp_path: Path) -> None:
    """A station upgrading the program keeps its windows and cases (new columns get defaults)."""
    from alembic import command

    from app.storage.db import _alembic_config

    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    cfg = _alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO station (code, name, mode, region_code, address, phone, created_at) "
                          "VALUES ('S', '站', 'station', '', '', '', '2026-01-01')"))  # fmt: skip
        conn.execute(text("INSERT INTO counter_window (station_id, number, name, categories, active) "
                          "VALUES (1, 3, '3号', '[]', 1)"))  # fmt: skip
    assert upgrade(db) != []
    with db.session() as s:
        from app.model import Window

        w = s.get(Window, 1)
        assert w is not None and w.number == 3 and w.paused is False
    db.dispose()
