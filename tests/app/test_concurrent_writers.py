"""Several windows writing at once: the audit chain never forks and case numbers never repeat."""

from __future__ import annotations

import threading

from sqlalchemy import select

from app import audit
from app.model import Case, Role, ServiceItem, Station
from app.services.actor import Actor
from app.services.case_flow import open_case
from app.storage.db import Database

WRITERS = 4
PER_WRITER = 8


def _run_threads(target: object) -> list[BaseException]:
    errors: list[BaseException] = []

    def wrap(i: int) -> None:
        try:
            target(i)  # type: ignore[operator]
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_parallel_audit_appends_keep_one_chain(db: Database) -> None:
    def writer(i: int) -> None:
        for n in range(PER_WRITER):
            with db.session() as s:
                audit.append(s, actor=f"w{i}", action="test.write", entity="t", entity_id=f"{i}-{n}")

    assert _run_threads(writer) == []
    with db.session() as s:
        report = audit.verify(s)
    assert report.ok, report.problems
    assert report.checked == WRITERS * PER_WRITER


def test_parallel_case_opening_gives_unique_numbers(db: Database) -> None:
    with db.session() as s:
        s.add(Station(code="H1", name="大厅"))
        s.add(ServiceItem(basic_code="1", impl_code="I1", name="临时救助", item_type_code="05", department="民政",
                          implementing_body="民政", implementing_body_code="x"))  # fmt: skip
    clerk = Actor(username="c", role=Role.CLERK)

    def writer(i: int) -> None:
        for _ in range(PER_WRITER):
            with db.session() as s:
                open_case(s, clerk, station_code="H1", item_impl_code="I1")

    assert _run_threads(writer) == []
    with db.session() as s:
        numbers = list(s.execute(select(Case.local_number)).scalars())
        assert audit.verify(s).ok
    assert len(numbers) == len(set(numbers)) == WRITERS * PER_WRITER
