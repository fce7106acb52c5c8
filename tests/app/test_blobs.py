"""The content-addressed encrypted blob store."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from app.errors import IntegrityError, StorageError
from app.storage.blobs import BlobInfo, BlobStore
from app.storage.crypto import FieldCipher

ID_NUMBER = b"110105194912310021"
PAGE = b"%PDF-1.7 scanned household register, holder " + ID_NUMBER + b" " + bytes(range(256)) * 40
OTHER_PAGE = b"JPEG second page of " + ID_NUMBER


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", FieldCipher(bytes(range(32))))


def blob_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_put_get_round_trip(store: BlobStore) -> None:
    info = store.put(PAGE)
    assert info == BlobInfo(sha256=hashlib.sha256(PAGE).hexdigest(), size=len(PAGE))
    assert store.get(info.sha256) == PAGE
    assert store.exists(info.sha256)
    sha = info.sha256
    assert blob_files(store.root) == [store.root / sha[:2] / sha[2:4] / sha]


def test_no_plaintext_anywhere_on_disk(store: BlobStore) -> None:
    store.put(PAGE)
    store.put(OTHER_PAGE)
    files = blob_files(store.root)
    assert len(files) == 2
    for path in files:
        assert ID_NUMBER not in path.read_bytes()


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_blob_files_are_private(store: BlobStore) -> None:
    info = store.put(PAGE)
    path = blob_files(store.root)[0]
    assert path.name == info.sha256
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_put_is_idempotent(store: BlobStore) -> None:
    first = store.put(PAGE)
    mtime = blob_files(store.root)[0].stat().st_mtime_ns
    assert store.put(PAGE) == first
    files = blob_files(store.root)
    assert len(files) == 1
    assert files[0].stat().st_mtime_ns == mtime  # not rewritten


def test_put_file(store: BlobStore, tmp_path: Path) -> None:
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(OTHER_PAGE)
    info = store.put_file(scan)
    assert store.get(info.sha256) == OTHER_PAGE
    assert scan.read_bytes() == OTHER_PAGE
    with pytest.raises(StorageError, match="无法读取文件"):
        store.put_file(tmp_path / "missing.jpg")


def test_flipped_byte_is_refused_and_reported(store: BlobStore) -> None:
    bad = store.put(PAGE).sha256
    good = store.put(OTHER_PAGE).sha256
    path = store.root / bad[:2] / bad[2:4] / bad
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match=bad[:12]):
        store.get(bad)
    assert store.verify_all() == [bad]
    assert store.get(good) == OTHER_PAGE


def test_swapped_blob_files_are_refused(store: BlobStore) -> None:
    a, b = store.put(PAGE).sha256, store.put(OTHER_PAGE).sha256
    path_a, path_b = (store.root / s[:2] / s[2:4] / s for s in (a, b))
    bytes_a, bytes_b = path_a.read_bytes(), path_b.read_bytes()
    path_a.write_bytes(bytes_b)
    path_b.write_bytes(bytes_a)
    for sha in (a, b):
        with pytest.raises(IntegrityError, match=sha[:12]):
            store.get(sha)
    assert sorted(store.verify_all()) == sorted([a, b])


def test_blob_encrypted_under_the_wrong_name_fails_the_hash_check(tmp_path: Path) -> None:
    """Even with a matching tag (aad = the name), bytes that do not hash to the name are not served."""
    cipher = FieldCipher(bytes(range(32)))
    store = BlobStore(tmp_path, cipher)
    fake = hashlib.sha256(b"what the database expects").hexdigest()
    path = tmp_path / fake[:2] / fake[2:4] / fake
    path.parent.mkdir(parents=True)
    path.write_bytes(cipher.encrypt(b"something else", aad=fake.encode()))
    with pytest.raises(IntegrityError, match=fake[:12]):
        store.get(fake)


def test_put_repairs_a_corrupt_blob(store: BlobStore) -> None:
    sha = store.put(PAGE).sha256
    path = store.root / sha[:2] / sha[2:4] / sha
    path.write_bytes(b"garbage")
    store.put(PAGE)
    assert store.get(sha) == PAGE
    assert store.verify_all() == []


def test_store_written_with_other_key_is_refused(store: BlobStore) -> None:
    sha = store.put(PAGE).sha256
    with pytest.raises(IntegrityError):
        BlobStore(store.root, FieldCipher(bytes(range(1, 33)))).get(sha)


def test_blobs_survive_a_change_of_algorithm(store: BlobStore) -> None:
    sha = store.put(PAGE).sha256
    sm4 = BlobStore(store.root, FieldCipher(bytes(range(32)), "sm4-gcm"))
    assert sm4.get(sha) == PAGE
    sha2 = sm4.put(OTHER_PAGE).sha256
    assert store.get(sha2) == OTHER_PAGE


def test_missing_blob_and_bad_names(store: BlobStore) -> None:
    absent = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(absent)
    with pytest.raises(StorageError, match=absent[:12]) as info:
        store.get(absent)
    assert not isinstance(info.value, IntegrityError)
    for name in ["../../etc/passwd", absent.upper(), absent[:-1]]:
        with pytest.raises(StorageError, match="文件编号"):
            store.get(name)


def test_delete_and_iterate(store: BlobStore) -> None:
    assert list(store) == []
    a, b = store.put(PAGE).sha256, store.put(OTHER_PAGE).sha256
    # Leftover of an interrupted write and stray files are not blobs.
    (store.root / a[:2] / a[2:4] / ".tmp-0123456789abcdef").write_bytes(b"partial")
    (store.root / "README").write_text("x")
    assert list(store) == sorted([a, b])
    store.delete(a)
    store.delete(a)
    assert not store.exists(a)
    assert list(store) == [b]
    assert store.verify_all() == []
