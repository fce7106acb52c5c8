"""Who is doing something: the signed-in clerk as services see them."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import PermissionDenied
from app.model.catalog import Role

ROLE_LABELS = {
    Role.CLERK: "窗口人员",
    Role.STATION_STAFF: "代办员",
    Role.SUPERVISOR: "值班长",
    Role.INSTALLER: "实施人员",
}


@dataclass(frozen=True)
class Actor:
    username: str
    role: Role
    clerk_id: int | None = None
    display_name: str = ""

    def require(self, roles: frozenset[Role], what: str) -> None:
        if self.role not in roles:
            allowed = "、".join(ROLE_LABELS[r] for r in sorted(roles))
            raise PermissionDenied(
                f"当前账号（{ROLE_LABELS[self.role]}）无权{what}，需要{allowed}账号。请联系值班长。"
            )


SYSTEM = Actor(username="system", role=Role.SUPERVISOR)
