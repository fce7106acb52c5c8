"""The domain model (SQLAlchemy 2 typed ORM). Import entities from here."""

from app.model import catalog_version as _catalog_version  # noqa: F401  (registers the bump hook)
from app.model.base import Base, UtcDateTime, new_uuid, utcnow
from app.model.cases import Case, CaseMaterial, CaseMaterialStatus, Page, Suspension
from app.model.catalog import (
    FORM_LABELS,
    MATERIAL_TYPE_LABELS,
    NECESSITY_LABELS,
    Clerk,
    ItemBundle,
    MaterialRequirement,
    Necessity,
    Role,
    ServiceItem,
    Station,
    Window,
    bundle_item,
)
from app.model.hall import Appointment, Evaluation, QueueCategory, Ticket
from app.model.people import Agent, Applicant, Authorization
from app.model.records import AuditEvent, CalendarOverride, Draft, OutboxEvent, PrintJob, Setting

__all__ = [
    "FORM_LABELS",
    "MATERIAL_TYPE_LABELS",
    "NECESSITY_LABELS",
    "Agent",
    "Applicant",
    "Appointment",
    "AuditEvent",
    "Authorization",
    "Base",
    "CalendarOverride",
    "Case",
    "CaseMaterial",
    "CaseMaterialStatus",
    "Clerk",
    "Draft",
    "Evaluation",
    "ItemBundle",
    "MaterialRequirement",
    "Necessity",
    "OutboxEvent",
    "Page",
    "PrintJob",
    "QueueCategory",
    "Role",
    "ServiceItem",
    "Setting",
    "Station",
    "Suspension",
    "Ticket",
    "UtcDateTime",
    "Window",
    "bundle_item",
    "new_uuid",
    "utcnow",
]
