"""Visit (一次办事): the applicant in front of the window right now, shared by every counter panel.

Panels never talk to each other directly; they read and write this object and redraw on
``visit_did_change``. Every attribute is a property, so a plain assignment
(``visit.applicant = view``) notifies everyone; assigning the value it already holds is silent,
which keeps panels that react to each other from looping.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QWidget

from app.model import Role
from app.services.actor import Actor
from ui.i18n import role_label, roles_text

if TYPE_CHECKING:
    from app.services.applicants import ApplicantView
    from app.services.case_views import CaseView
    from app.services.queue import TicketView


class Visit(QObject):
    """The ticket, applicant, agent, chosen item or bundle and case of the current visit."""

    visit_did_change = Signal()
    # A new visit begins (next number called, visit ended): forget typed fields and drafts too.
    visit_did_reset = Signal()

    def __init__(self, actor: Actor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._actor = actor
        self._ticket: TicketView | None = None
        self._applicant: ApplicantView | None = None
        self._agent_id: int | None = None
        self._authorization_id: int | None = None
        self._item_impl_code: str | None = None
        self._bundle_code: str | None = None
        self._case: CaseView | None = None

    def _set(self, name: str, value: Any) -> None:
        if getattr(self, name) is value or getattr(self, name) == value:
            return
        setattr(self, name, value)
        self.visit_did_change.emit()

    @property
    def actor(self) -> Actor:
        return self._actor

    @actor.setter
    def actor(self, value: Actor) -> None:
        self._set("_actor", value)

    @property
    def ticket(self) -> TicketView | None:
        return self._ticket

    @ticket.setter
    def ticket(self, value: TicketView | None) -> None:
        self._set("_ticket", value)

    @property
    def applicant(self) -> ApplicantView | None:
        return self._applicant

    @applicant.setter
    def applicant(self, value: ApplicantView | None) -> None:
        self._set("_applicant", value)

    @property
    def agent_id(self) -> int | None:
        return self._agent_id

    @agent_id.setter
    def agent_id(self, value: int | None) -> None:
        self._set("_agent_id", value)

    @property
    def authorization_id(self) -> int | None:
        return self._authorization_id

    @authorization_id.setter
    def authorization_id(self, value: int | None) -> None:
        self._set("_authorization_id", value)

    @property
    def item_impl_code(self) -> str | None:
        return self._item_impl_code

    @item_impl_code.setter
    def item_impl_code(self, value: str | None) -> None:
        self._set("_item_impl_code", value)

    @property
    def bundle_code(self) -> str | None:
        return self._bundle_code

    @bundle_code.setter
    def bundle_code(self, value: str | None) -> None:
        self._set("_bundle_code", value)

    @property
    def case(self) -> CaseView | None:
        return self._case

    @case.setter
    def case(self, value: CaseView | None) -> None:
        self._set("_case", value)

    @property
    def is_agent_visit(self) -> bool:
        """代办: someone files on the applicant's behalf."""
        return self._agent_id is not None

    def reset(self) -> None:
        """Next applicant: forget everything but the signed-in clerk.

        Emits ``visit_did_reset`` always (panels drop what was typed) and ``visit_did_change``
        once when something was set.
        """
        fields = (
            self._ticket,
            self._applicant,
            self._agent_id,
            self._authorization_id,
            self._item_impl_code,
            self._bundle_code,
            self._case,
        )
        self._ticket = None
        self._applicant = None
        self._agent_id = None
        self._authorization_id = None
        self._item_impl_code = None
        self._bundle_code = None
        self._case = None
        self.visit_did_reset.emit()
        if any(f is not None for f in fields):
            self.visit_did_change.emit()


def role_required_tip(actor: Actor, roles: frozenset[Role]) -> str:
    """Why ``actor`` may not do something: "需要窗口人员、代办员或值班长账号（当前：实施人员）"; "" when allowed."""
    if actor.role in roles:
        return ""
    return QCoreApplication.translate("Visit", "需要{roles}账号（当前：{role}）").format(
        roles=roles_text(roles), role=role_label(actor.role)
    )


def gate_by_role(widget: QWidget, actor: Actor, roles: frozenset[Role], tip: str = "") -> bool:
    """Disable ``widget`` with a tooltip naming the role needed when ``actor`` lacks it.

    Returns True when allowed; then ``tip`` (the widget's normal tooltip) is put back.
    """
    why = role_required_tip(actor, roles)
    widget.setEnabled(not why)
    widget.setToolTip(why or tip)
    return not why
