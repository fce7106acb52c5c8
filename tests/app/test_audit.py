"""全程留痕: the hash chain catches edited, deleted and inserted rows, on both databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from app import audit
from app.model import AuditEvent
from app.storage.db import Database, upgrade


def _write(db: Database, n: int) -> None:
    with db.session() as s:
        for i in range(n):
            audit.append(
                s, actor="wang", action="case.accept", entity="case", entity_id=f"c{i}", after={"i": i}
            )


def test_clean_chain_verifies(db: Database) -> None:
    _write(db, 5)
    with db.session() as s:
        report = audit.verify(s)
    assert report.ok and report.checked == 5


def test_edited_row_is_detected(db: Database) -> None:
    _write(db, 5)
    with db.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="someone-else"))
    with db.session() as s:
        report = audit.verify(s)
    assert not report.ok
    assert any(p.seq == 3 and "改动" in p.message for p in report.problems)


def test_edited_row_with_recomputed_hash_breaks_the_next_link(db: Database) -> None:
    _write(db, 5)
    with db.session() as s:
        ev = s.execute(select(AuditEvent).where(AuditEvent.seq == 2)).scalar_one()
        ev.reason = "forged"
        ev.hash = audit.hash_of(ev)  # a forger who knows the scheme
    with db.session() as s:
        report = audit.verify(s)
    assert any(p.seq == 3 and "不衔接" in p.message for p in report.problems)


def test_deleted_middle_row_is_detected(db: Database) -> None:
    _write(db, 5)
    with db.session() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    with db.session() as s:
        report = audit.verify(s)
    assert any("缺失" in p.message for p in report.problems)


def test_deleted_newest_row_is_detected(db: Database) -> None:
    _write(db, 5)
    with db.session() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
    with db.session() as s:
        report = audit.verify(s)
    assert not report.ok
    assert any("末尾" in p.message for p in report.problems)


def test_cli_audit_verify_exit_codes(tmp_path: Path, yc_home: Path, cipher: object) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    db = Database(url)
    upgrade(db)
    _write(db, 3)
    cmd = [sys.executable, "-m", "app.cli", "--set", f"database.url={url}", "audit", "verify"]
    ok = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "共 3 条" in ok.stdout
    with db.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(entity_id="tampered"))
    bad = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert "第 2 条留痕记录内容被改动" in bad.stdout
    db.dispose()


@pytest.mark.parametrize("n", [1, 3])
def test_chain_survives_many_sessions(db: Database, n: int) -> None:
    for _ in range(n):
        _write(db, 2)
    with db.session() as s:
        assert audit.verify(s).checked == 2 * n
