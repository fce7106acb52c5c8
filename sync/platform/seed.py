"""演示数据: what a fresh reference platform serves, so the whole loop runs with `yichuang demo load`.

The catalog is the client's own demo catalog (same 实施编码), the clerks are the demo accounts,
the calendar is the national schedule plus one local holiday, and a few e-licences (电子证照) and
online pre-applications (预申报) belong to made-up people whose ID numbers tests can rebuild.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.demo.loader import DEMO_ACCOUNTS, catalog_document
from app.masking import mask_name
from app.services.clerks import hash_password
from app.validation import make_id_number
from sync.platform.models import Licence, PreApplication, ReferenceDoc
from sync.protocol import canonical_hash, holder_hash

REFERENCE_NAMES = ("catalog", "calendar", "clerks")
DEMO_STATION_CODE = "LOCAL"
_REGION = "341122"

_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class SeedHolder:
    """A made-up licence holder; ``id_number`` is valid (GB 11643) and never sent in clear."""

    name: str
    id_number: str


SEED_HOLDERS: tuple[SeedHolder, ...] = (
    SeedHolder("张明", make_id_number(_REGION, dt.date(1986, 5, 17), 21, "男")),
    SeedHolder("李秀英", make_id_number(_REGION, dt.date(1972, 11, 3), 8, "女")),
)

#: (holder index, licence name, number, issuer, valid until)
_LICENCES: tuple[tuple[int, str, str, str, str], ...] = (
    (0, "结婚证", "J341122-2015-000123", "示范县民政局", "长期"),
    (0, "不动产权证书", "皖（2021）示范县不动产权第0001234号", "示范县自然资源和规划局", "长期"),
    (1, "食品经营许可证", "JY13411220012345", "示范县市场监督管理局", "2029-06-30"),
    (1, "营业执照（个体工商户）", "92341122MA2TXXXX1Q", "示范县市场监督管理局", "长期"),
)

PREAPPLICATION_CODES = ("YS2026112300001", "YS2026112300002")


def _etag(body: dict[str, Any]) -> str:
    return f'"{canonical_hash(body)[:40]}"'


def calendar_document() -> dict[str, Any]:
    """The newest year chinese_calendar knows: weekday holidays and weekend make-up days, plus a local one."""
    year = max(chinese_calendar.holidays).year
    days: list[dict[str, Any]] = []
    for day, name in sorted(chinese_calendar.holidays.items()):
        if day.year == year and day.weekday() < 5:
            days.append({"date": day.isoformat(), "workday": False, "name": _HOLIDAY_NAMES.get(name, name)})
    for day, name in sorted(chinese_calendar.workdays.items()):
        if day.year == year and day.weekday() >= 5:
            days.append(
                {"date": day.isoformat(), "workday": True, "name": f"{_HOLIDAY_NAMES.get(name, name)}调休"}
            )
    local = dt.date(year, 12, 18)
    while local.weekday() >= 5:
        local += dt.timedelta(days=1)
    days.append({"date": local.isoformat(), "workday": False, "name": "示范县建县纪念日（地方假日）"})
    days.sort(key=lambda d: d["date"])
    return {"version": 1, "region_code": _REGION, "year": year, "days": days}


def clerks_document() -> dict[str, Any]:
    """The demo accounts with scrypt password hashes (the same scheme the client verifies)."""
    clerks = [
        {
            "username": username,
            "display_name": name,
            "role": role.value,
            "station_code": DEMO_STATION_CODE,
            "password_hash": hash_password(password),
            "active": True,
        }
        for username, name, role, password in DEMO_ACCOUNTS
    ]
    return {"version": 1, "clerks": clerks}


def set_reference(session: Session, name: str, body: dict[str, Any], now: dt.datetime) -> ReferenceDoc:
    row = session.get(ReferenceDoc, name)
    if row is None:
        row = ReferenceDoc(name=name, body=body, etag=_etag(body), updated_at=now)
        session.add(row)
    else:
        row.body, row.etag, row.updated_at = body, _etag(body), now
    session.flush()
    return row


def seed(session: Session, now: dt.datetime) -> None:
    """Fill whatever is missing; existing rows (maybe edited by the back office) stay as they are."""
    builders = {"catalog": catalog_document, "calendar": calendar_document, "clerks": clerks_document}
    for name in REFERENCE_NAMES:
        if session.get(ReferenceDoc, name) is None:
            set_reference(session, name, builders[name](), now)
    if session.execute(select(Licence.id).limit(1)).first() is None:
        for holder_index, name, number, issuer, valid_until in _LICENCES:
            session.add(
                Licence(
                    holder_hash=holder_hash(SEED_HOLDERS[holder_index].id_number),
                    name=name,
                    number=number,
                    issuer=issuer,
                    valid_until=valid_until,
                )
            )
    items = catalog_document()["items"]
    for index, code in enumerate(PREAPPLICATION_CODES):
        if session.get(PreApplication, code) is not None:
            continue
        item = items[index % len(items)]
        holder = SEED_HOLDERS[index % len(SEED_HOLDERS)]
        materials = [
            {"name": m["name"], "provided": n % 2 == 0, "pages": 1 if n % 2 == 0 else 0}
            for n, m in enumerate(item["materials"])
        ]
        session.add(
            PreApplication(
                code=code,
                item_impl_code=item["impl_code"],
                item_name=item["name"],
                applicant_name_masked=mask_name(holder.name),
                applicant_kind="person",
                submitted_at=now - dt.timedelta(days=index + 1),
                materials=materials,
                form={"contact_phone": "138****5678", "address": "示范县城关镇人民路"},
                note="网上预申报，请核验原件后受理。",
            )
        )
    session.flush()
