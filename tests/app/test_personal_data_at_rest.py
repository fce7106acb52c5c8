"""ID numbers, addresses and photos never reach the disk in clear: not in the DB file, not in blobs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select, text

from app.masking import mask_id_number
from app.model import Applicant
from app.storage.blobs import BlobStore
from app.storage.crypto import FieldCipher
from app.storage.db import Database, upgrade
from app.validation import make_id_number

DEMO_ID = make_id_number("341122", dt.date(1968, 3, 15), 7, "男")
PHOTO_MARK = b"PHOTO-MARKER-" + DEMO_ID.encode()


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_grep_db_and_blobs_for_demo_id_number_finds_nothing(tmp_path: Path, cipher: FieldCipher) -> None:
    db_file = tmp_path / "data" / "yichuang.sqlite3"
    db = Database(f"sqlite:///{db_file}")
    upgrade(db)
    with db.session() as s:
        s.add(
            Applicant(
                name="张建国",
                id_number=DEMO_ID,
                id_number_index=cipher.blind_index(DEMO_ID),
                id_number_masked=mask_id_number(DEMO_ID),
                address="示范县城关镇幸福路1号",
                photo=PHOTO_MARK,
            )
        )
    store = BlobStore(tmp_path / "data" / "blobs", cipher)
    store.put(b"scanned page of ID card " + DEMO_ID.encode())
    # Checkpoint so WAL content lands in the main file too; grep both anyway.
    raw = db.engine.raw_connection()
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(FULL)")
    finally:
        raw.close()
    db.dispose()
    needles = [DEMO_ID.encode(), DEMO_ID.encode("utf-16-le"), "幸福路".encode(), b"PHOTO-MARKER"]
    files = _files_under(tmp_path / "data")
    assert any(f.suffix == ".sqlite3" for f in files)
    for f in files:
        blob = f.read_bytes()
        for n in needles:
            assert n not in blob, f"{n!r} found in clear in {f}"

    # ...and the program still reads it back, and finds the applicant by blind index.
    db = Database(f"sqlite:///{db_file}")
    with db.session() as s:
        a = s.execute(
            select(Applicant).where(Applicant.id_number_index == cipher.blind_index(DEMO_ID))
        ).scalar_one()
        assert a.id_number == DEMO_ID and a.photo == PHOTO_MARK
        assert a.id_number_masked == DEMO_ID[:4] + "*" * 10 + DEMO_ID[-4:]
    db.dispose()


def test_postgres_column_holds_ciphertext(db: Database, cipher: FieldCipher) -> None:
    with db.session() as s:
        s.add(Applicant(name="李四", id_number=DEMO_ID, id_number_index=cipher.blind_index(DEMO_ID)))
    with db.engine.connect() as conn:
        raw = conn.execute(text("SELECT id_number FROM applicant")).scalar_one()
    assert DEMO_ID not in raw
    assert cipher.decrypt_text(raw, aad=b"col") == DEMO_ID
