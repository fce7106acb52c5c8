"""`yichuang demo load`: the demo station, windows, accounts and service catalog.

Loading is idempotent: items already present (same 实施编码) are left as they are, so running it
twice or on a database that already synced a real catalog never duplicates or overwrites anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.model import Clerk, ItemBundle, MaterialRequirement, Role, ServiceItem, Station, Window, bundle_item
from app.services.card_reads import check_card_fields
from app.services.catalog import pinyin_full, pinyin_initials
from app.services.clerks import create_clerk
from app.services.queue import ensure_default_categories

#: Demo accounts (username, display name, role, password). Shown on the demo sign-in screen only.
DEMO_ACCOUNTS: tuple[tuple[str, str, Role, str], ...] = (
    ("chuangkou", "王小窗", Role.CLERK, "123456"),
    ("daiban", "李代办", Role.STATION_STAFF, "123456"),
    ("zhibanzhang", "赵值班", Role.SUPERVISOR, "123456"),
    ("shishi", "孙实施", Role.INSTALLER, "123456"),
)

_ITEM_SKIP = {"materials", "pinyin_hint"}
_MATERIAL_RENAME = {"order": "position"}


@dataclass(frozen=True)
class LoadReport:
    items_added: int
    items_skipped: int
    bundles_added: int
    clerks_added: int


def catalog_document() -> dict[str, Any]:
    text = resources.files("app.demo").joinpath("catalog.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _item(raw: dict[str, Any]) -> ServiceItem:
    fields = {k: v for k, v in raw.items() if k not in _ITEM_SKIP}
    if fields.get("card_fields") is not None:
        fields["card_fields"] = check_card_fields(fields["card_fields"])
    item = ServiceItem(
        **fields, pinyin_initials=pinyin_initials(raw["name"]), pinyin_full=pinyin_full(raw["name"])
    )
    for m in raw["materials"]:
        item.materials.append(MaterialRequirement(**{_MATERIAL_RENAME.get(k, k): v for k, v in m.items()}))
    return item


def load_demo(
    session: Session, *, station_code: str = "LOCAL", station_name: str = "演示便民服务站"
) -> LoadReport:
    doc = catalog_document()
    station = session.execute(select(Station).where(Station.code == station_code)).scalar_one_or_none()
    if station is None:
        station = Station(code=station_code, name=station_name, region_code=doc.get("region_code", ""))
        for n, cats in ((1, ["A", "B"]), (2, ["C", "A"]), (3, ["D", "E", "F"])):
            station.windows.append(Window(number=n, name=f"{n}号综合窗口", categories=cats))
        session.add(station)
        session.flush()
    ensure_default_categories(session, station_code)
    clerks_added = 0
    for username, name, role, password in DEMO_ACCOUNTS:
        if session.execute(select(Clerk).where(Clerk.username == username)).scalar_one_or_none() is None:
            create_clerk(
                session,
                username=username,
                display_name=name,
                role=role,
                password=password,
                station_id=station.id,
            )
            clerks_added += 1
    existing = set(session.execute(select(ServiceItem.impl_code)).scalars())
    added = skipped = 0
    by_code: dict[str, ServiceItem] = {}
    for raw in doc["items"]:
        if raw["impl_code"] in existing:
            skipped += 1
            continue
        item = _item(raw)
        session.add(item)
        by_code[item.impl_code] = item
        added += 1
    session.flush()
    bundles_added = 0
    have_bundles = set(session.execute(select(ItemBundle.code)).scalars())
    for raw in doc["bundles"]:
        if raw["code"] in have_bundles:
            continue
        items = [
            by_code.get(code)
            or session.execute(select(ServiceItem).where(ServiceItem.impl_code == code)).scalar_one()
            for code in raw["items"]
        ]
        bundle = ItemBundle(
            code=raw["code"],
            name=raw["name"],
            description=raw["description"],
            lead_department=raw["lead_department"],
        )
        session.add(bundle)
        session.flush()
        for pos, it in enumerate(items):
            session.execute(bundle_item.insert().values(bundle_id=bundle.id, item_id=it.id, position=pos))
        bundles_added += 1
    audit.append(
        session,
        actor="system",
        action="demo.load",
        entity="catalog",
        entity_id=station_code,
        after={"items_added": added, "bundles_added": bundles_added},
    )
    return LoadReport(
        items_added=added, items_skipped=skipped, bundles_added=bundles_added, clerks_added=clerks_added
    )
