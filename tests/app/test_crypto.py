"""Encryption at rest: field cipher, key stores and the encrypted ORM columns."""

from __future__ import annotations

import base64
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring.backend
import keyring.backends.fail
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.exc import StatementError

from app.errors import ConfigError, IntegrityError, StorageError
from app.storage.crypto import (
    EncryptedBytes,
    EncryptedText,
    FieldCipher,
    FileKeyStore,
    KeyringKeyStore,
    active_cipher,
    derive_key,
    open_key_store,
    set_active_cipher,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
ID_NUMBER = "110105194912310021"
posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


@pytest.mark.parametrize("writer", ["aes-gcm", "sm4-gcm"])
@pytest.mark.parametrize("reader", ["aes-gcm", "sm4-gcm"])
def test_either_algorithm_decrypts_both(writer: str, reader: str) -> None:
    blob = FieldCipher(KEY, writer).encrypt(b"zhang san " + ID_NUMBER.encode(), aad=b"x")
    assert FieldCipher(KEY, reader).decrypt(blob, aad=b"x") == b"zhang san " + ID_NUMBER.encode()


@pytest.mark.parametrize(("algorithm", "algorithm_byte"), [("aes-gcm", 1), ("sm4-gcm", 2)])
def test_ciphertext_layout_and_fresh_nonce(algorithm: str, algorithm_byte: int) -> None:
    cipher = FieldCipher(KEY, algorithm)
    plain = ID_NUMBER.encode()
    first, second = cipher.encrypt(plain), cipher.encrypt(plain)
    assert first[:2] == bytes((1, algorithm_byte))
    assert len(first) == 2 + 12 + len(plain) + 16
    assert first != second  # random nonce: equal inputs must not be linkable
    assert plain not in first


def test_sm4_output_is_standard_sm4_gcm_with_the_documented_key() -> None:
    """Pins the on-disk format so another tool holding the master key can read SM4 values."""
    blob = FieldCipher(KEY, "sm4-gcm").encrypt(b"page", aad=b"col")
    nonce, body, tag = blob[2:14], blob[14:-16], blob[-16:]
    decryptor = Cipher(
        algorithms.SM4(derive_key(KEY, b"yichuang sm4", 16)), modes.GCM(nonce, tag)
    ).decryptor()
    decryptor.authenticate_additional_data(b"col")
    assert decryptor.update(body) + decryptor.finalize() == b"page"


@pytest.mark.parametrize("algorithm", ["aes-gcm", "sm4-gcm"])
def test_tampering_wrong_aad_or_wrong_key_is_refused(algorithm: str) -> None:
    cipher = FieldCipher(KEY, algorithm)
    blob = cipher.encrypt(b"secret", aad=b"a")
    flipped = bytearray(blob)
    flipped[20] ^= 0x01
    for bad, aad, who in [
        (bytes(flipped), b"a", cipher),
        (blob, b"b", cipher),
        (blob, b"a", FieldCipher(OTHER_KEY, algorithm)),
        (blob[:20], b"a", cipher),
        (b"\x02" + blob[1:], b"a", cipher),
    ]:
        with pytest.raises(IntegrityError, match="备份"):
            who.decrypt(bad, aad=aad)


def test_unknown_algorithm_byte_is_refused() -> None:
    blob = bytearray(FieldCipher(KEY).encrypt(b"x"))
    blob[1] = 9
    with pytest.raises(IntegrityError, match="未知的算法"):
        FieldCipher(KEY).decrypt(bytes(blob))


def test_text_round_trip_is_urlsafe_and_hides_plaintext() -> None:
    cipher = FieldCipher(KEY, "sm4-gcm")
    token = cipher.encrypt_text("张三 " + ID_NUMBER, aad=b"col")
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
    assert ID_NUMBER not in token
    assert FieldCipher(KEY).decrypt_text(token, aad=b"col") == "张三 " + ID_NUMBER
    with pytest.raises(IntegrityError):
        cipher.decrypt_text("not base64!!", aad=b"col")


def test_blind_index_is_stable_keyed_and_distinguishing() -> None:
    cipher = FieldCipher(KEY)
    index = cipher.blind_index(ID_NUMBER)
    assert index == FieldCipher(KEY, "sm4-gcm").blind_index(ID_NUMBER)
    assert len(index) == 64 and int(index, 16) >= 0
    assert index != cipher.blind_index("11010519491231002X")
    assert index != FieldCipher(OTHER_KEY).blind_index(ID_NUMBER)


def test_bad_master_key_or_algorithm_setting() -> None:
    with pytest.raises(StorageError, match="32 字节"):
        FieldCipher(b"short")
    with pytest.raises(ConfigError, match="aes-gcm") as info:
        FieldCipher(KEY, "des")
    assert info.value.key == "storage.cipher"


# --- Key stores -------------------------------------------------------------------------------


@posix_only
def test_file_key_store_creates_private_key_once(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "master.key"
    key = FileKeyStore(path).load_or_create()
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert FileKeyStore(path).load_or_create() == key
    assert [p.name for p in path.parent.iterdir()] == ["master.key"]  # no temporary left behind


def test_file_key_store_keys_differ_between_stations(tmp_path: Path) -> None:
    assert FileKeyStore(tmp_path / "a").load_or_create() != FileKeyStore(tmp_path / "b").load_or_create()


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_file_key_store_refuses_key_readable_by_others(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "master.key"
    FileKeyStore(path).load_or_create()
    path.chmod(mode)
    with pytest.raises(StorageError, match=re.escape(f"chmod 600 {path}")):
        FileKeyStore(path).load_or_create()


@posix_only
def test_file_key_store_refuses_corrupt_key(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_text("dG9vIHNob3J0\n")
    path.chmod(0o600)
    with pytest.raises(StorageError, match="已损坏"):
        FileKeyStore(path).load_or_create()


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.saved: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.saved.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.saved[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.saved[(service, username)]


class ForgetfulKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        pass


def test_keyring_store_creates_key_once_per_station() -> None:
    backend = MemoryKeyring()
    key = KeyringKeyStore(username="station-1", backend=backend).load_or_create()
    assert len(key) == 32
    assert base64.b64decode(backend.saved[("yichuang", "station-1")]) == key
    assert KeyringKeyStore(username="station-1", backend=backend).load_or_create() == key
    assert KeyringKeyStore(username="station-2", backend=backend).load_or_create() != key


@pytest.mark.parametrize(
    "backend",
    [
        keyring.backends.fail.Keyring(),  # type: ignore[no-untyped-call]
        ForgetfulKeyring(),
    ],
)
def test_unusable_keyring_says_to_use_key_file(backend: keyring.backend.KeyringBackend) -> None:
    with pytest.raises(StorageError, match=re.escape('storage.key_source = "file"')):
        KeyringKeyStore(backend=backend).load_or_create()


def test_keyring_store_uses_the_system_keyring_by_default() -> None:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        key = open_key_store("keyring", Path("unused"), keyring_username="db-7").load_or_create()
    finally:
        keyring.set_keyring(previous)
    assert base64.b64decode(backend.saved[("yichuang", "db-7")]) == key


def test_open_key_store_by_setting(tmp_path: Path) -> None:
    assert isinstance(open_key_store("file", tmp_path / "k"), FileKeyStore)
    assert isinstance(open_key_store("keyring", tmp_path / "k"), KeyringKeyStore)
    with pytest.raises(ConfigError) as info:
        open_key_store("usb", tmp_path / "k")
    assert info.value.key == "storage.key_source"


# --- ORM columns ------------------------------------------------------------------------------


@pytest.fixture
def cipher() -> Iterator[FieldCipher]:
    c = FieldCipher(KEY)
    set_active_cipher(c)
    yield c
    set_active_cipher(None)


def test_active_cipher_must_be_loaded_first() -> None:
    set_active_cipher(None)
    with pytest.raises(StorageError, match="加密密钥尚未加载"):
        active_cipher()


def test_encrypted_columns_in_sqlite(cipher: FieldCipher, tmp_path: Path) -> None:
    metadata = MetaData()
    people = Table(
        "people",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("id_number", EncryptedText()),
        Column("photo", EncryptedBytes()),
    )
    engine = create_engine(f"sqlite:///{tmp_path / 'test.db'}")
    metadata.create_all(engine)
    photo = b"\xff\xd8JPEG " + ID_NUMBER.encode()
    with engine.begin() as conn:
        conn.execute(
            insert(people),
            [{"id": 1, "id_number": ID_NUMBER, "photo": photo}, {"id": 2, "id_number": None, "photo": None}],
        )
    with engine.connect() as conn:
        rows = conn.execute(select(people.c.id_number, people.c.photo).order_by(people.c.id)).all()
        raw = conn.execute(text("select id_number, photo from people where id = 1")).one()
        raw_null = conn.execute(text("select id_number, photo from people where id = 2")).one()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(ID_NUMBER, photo), (None, None)]
    assert ID_NUMBER not in raw.id_number
    assert ID_NUMBER.encode() not in raw.photo
    assert tuple(raw_null) == (None, None)
    # Constant associated data b"col": a value copied to another row or database still decrypts.
    assert cipher.decrypt_text(raw.id_number, aad=b"col") == ID_NUMBER
    assert ID_NUMBER.encode() not in (tmp_path / "test.db").read_bytes()


def test_encrypted_column_without_key_fails_loudly() -> None:
    set_active_cipher(None)
    metadata = MetaData()
    table = Table("t", metadata, Column("id", Integer, primary_key=True), Column("v", EncryptedText()))
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    # SQLAlchemy wraps errors raised while binding; the user-facing error is kept as .orig.
    with engine.begin() as conn, pytest.raises(StatementError) as info:
        conn.execute(insert(table).values(id=1, v=ID_NUMBER))
    engine.dispose()
    assert isinstance(info.value.orig, StorageError)
    assert "加密密钥尚未加载" in str(info.value.orig)
