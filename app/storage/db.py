"""The database: engine setup for SQLite (stations) and PostgreSQL (halls), sessions and schema checks.

SQLite runs in WAL mode with ``synchronous=FULL`` because station PCs lose power; a committed case
must survive that. Foreign keys are off by default in SQLite, so they are switched on per connection.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.errors import StorageError

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is DEFERRED).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # A DEFERRED transaction that reads and then writes fails at once with "database is locked"
    # when another writer got in between (the busy timeout does not apply to that upgrade).
    # Taking the write lock up front makes writers queue behind the busy timeout instead, so two
    # windows of one station never fork the audit chain or hand out the same case number.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One database, either SQLite or PostgreSQL, with a session factory.

    ``session()`` commits on success and rolls back on any error, so a service call is one
    transaction: a case change, its audit row and its outbox row land together or not at all.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin_immediate)
        elif self.dialect == "postgresql":
            self.engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5)
        else:
            raise StorageError(
                f"不支持的数据库类型：{self.dialect}。请使用 SQLite（留空）或 postgresql+psycopg://…"
            )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        s = self._sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def pragma(self, name: str) -> Any:
        """Read one SQLite PRAGMA (used by doctor and tests)."""
        with self.engine.connect() as conn:
            return conn.execute(text(f"PRAGMA {name}")).scalar()

    def table_names(self) -> list[str]:
        return inspect(self.engine).get_table_names()

    def dispose(self) -> None:
        self.engine.dispose()


# --- Migrations ----------------------------------------------------------------------------


def _alembic_config(db: Database) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def code_heads(db: Database) -> set[str]:
    """Migration revisions this version of the program knows as newest."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(_alembic_config(db)).get_heads())


def known_revisions(db: Database) -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(_alembic_config(db)).walk_revisions()}


def current_revisions(db: Database) -> set[str]:
    """Revisions recorded in the database (empty for a new database)."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def check_not_newer(db: Database) -> None:
    """Refuse a database written by a newer YiChuang: its schema may hold data we would lose."""
    unknown = current_revisions(db) - known_revisions(db)
    if unknown:
        raise StorageError(
            "数据库由更新版本的一窗程序创建（结构版本 "
            + "、".join(sorted(unknown))
            + "），当前程序无法安全使用它。请升级本机的一窗程序后再打开；不要用旧版本覆盖数据。"
        )


def upgrade(db: Database) -> list[str]:
    """Bring the schema to the newest revision; returns the revisions applied (may be empty)."""
    from alembic import command

    check_not_newer(db)
    before = current_revisions(db)
    cfg = _alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    after = current_revisions(db)
    applied = sorted(after - before)
    if applied:
        log.info("database upgraded to %s", ", ".join(sorted(after)))
    return applied


def needs_upgrade(db: Database) -> bool:
    return current_revisions(db) != code_heads(db)
