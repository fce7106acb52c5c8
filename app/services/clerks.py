"""Local clerk accounts: creation and sign-in (scrypt password hashes)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.errors import DomainError
from app.model import Clerk, Role
from app.services.actor import Actor

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt_b64), n=_N, r=_R, p=_P)
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def create_clerk(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    station_id: int | None = None,
) -> Clerk:
    if session.execute(select(Clerk).where(Clerk.username == username)).scalar_one_or_none() is not None:
        raise DomainError(f"账号 {username} 已存在，请换一个账号名。")
    clerk = Clerk(
        username=username,
        display_name=display_name,
        role=role.value,
        password_hash=hash_password(password),
        station_id=station_id,
    )
    session.add(clerk)
    session.flush()
    audit.append(
        session,
        actor="system",
        action="clerk.create",
        entity="clerk",
        entity_id=username,
        after={"role": role.value},
    )
    return clerk


def sign_in(session: Session, username: str, password: str) -> Actor:
    clerk = session.execute(select(Clerk).where(Clerk.username == username)).scalar_one_or_none()
    if clerk is None or not clerk.active or not verify_password(password, clerk.password_hash):
        audit.append(
            session,
            actor=username or "?",
            action="clerk.sign_in_failed",
            entity="clerk",
            entity_id=username or "?",
        )
        raise DomainError("账号或密码不正确，请重新输入。")
    audit.append(session, actor=username, action="clerk.sign_in", entity="clerk", entity_id=username)
    return Actor(
        username=clerk.username, role=Role(clerk.role), clerk_id=clerk.id, display_name=clerk.display_name
    )
