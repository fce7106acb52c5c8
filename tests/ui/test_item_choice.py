"""The visit's chosen item follows what the 办件 list shows, and the 材料 heading names what is shown."""

from __future__ import annotations

import datetime as dt

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.context import AppContext
from app.model import Role, ServiceItem
from app.services.actor import Actor
from app.services.applicants import ApplicantView, applicant_typed
from app.validation import make_id_number
from ui.counter.item_panel import ItemPanel
from ui.counter.materials_panel import NO_ITEM_HINT, MaterialsPanel
from ui.counter.visit import Visit
from ui.ops import OpRunner

BUILDING = "11341122003052113M40110037000000"  # 建筑工程施工许可
RESTAURANT = "YJS-341122-001"  # 一件事: 我要开饭店
CLERK = Actor("chuangkou", Role.CLERK, display_name="王小窗")


def new_applicant(ctx: AppContext) -> ApplicantView:
    number = make_id_number("341122", dt.date(1969, 3, 8), 17, "男")
    with ctx.db.session() as session:
        return applicant_typed(session, CLERK, name="钱建国", id_number=number, mobile="13905507777")


def item_name(ctx: AppContext, code: str) -> str:
    with ctx.db.session() as session:
        return session.execute(select(ServiceItem.name).where(ServiceItem.impl_code == code)).scalar_one()


@pytest.fixture
def visit() -> Visit:
    return Visit(CLERK)


@pytest.fixture
def items(qtbot: QtBot, demo_ctx: AppContext, visit: Visit) -> ItemPanel:
    panel = ItemPanel(demo_ctx, OpRunner(inline=True), visit)
    qtbot.addWidget(panel)
    return panel


@pytest.fixture
def materials(qtbot: QtBot, demo_ctx: AppContext, visit: Visit) -> MaterialsPanel:
    panel = MaterialsPanel(demo_ctx, OpRunner(inline=True), visit)
    qtbot.addWidget(panel)
    return panel


def choose_first(items: ItemPanel, query: str) -> None:
    items.search(query)
    first = items.results.topLevelItem(0)
    assert first is not None
    items.results.setCurrentItem(first)


def test_an_item_the_new_results_no_longer_list_is_dropped_from_the_visit(
    items: ItemPanel, materials: MaterialsPanel, visit: Visit
) -> None:
    choose_first(items, "jzgc")
    assert visit.item_impl_code == BUILDING and materials.rows()
    items.search("开饭店")
    assert BUILDING not in [i.impl_code for i in items.listed_items()]
    assert visit.item_impl_code is None
    assert materials.rows() == [] and materials.heading.text() == NO_ITEM_HINT


def test_an_item_still_listed_stays_chosen_and_selected(items: ItemPanel, visit: Visit) -> None:
    choose_first(items, "jzgc")
    items.search("")
    assert visit.item_impl_code == BUILDING
    current = items.results.currentItem()
    assert current is not None
    assert items.listed_items()[items.results.indexOfTopLevelItem(current)].impl_code == BUILDING


def test_a_bundle_the_new_results_no_longer_list_is_dropped_too(items: ItemPanel, visit: Visit) -> None:
    items.search("开饭店")
    items.choose_bundle(RESTAURANT)
    assert visit.bundle_code == RESTAURANT
    items.search("jzgc")
    assert RESTAURANT not in [b.code for b in items.listed_bundles()]
    assert visit.bundle_code is None


def test_the_item_of_an_open_case_is_kept_whatever_the_search_shows(
    items: ItemPanel, materials: MaterialsPanel, visit: Visit, demo_ctx: AppContext
) -> None:
    visit.applicant = new_applicant(demo_ctx)
    choose_first(items, "jzgc")
    materials.open_case()
    assert visit.case is not None
    items.search("开饭店")
    assert visit.item_impl_code == BUILDING and visit.case is not None


def test_the_heading_names_the_checklist_shown_never_the_hint(
    materials: MaterialsPanel, visit: Visit, demo_ctx: AppContext
) -> None:
    assert materials.heading.text() == NO_ITEM_HINT
    visit.item_impl_code = BUILDING  # as the 办件 panel sets it; nobody calls show_item
    name = item_name(demo_ctx, BUILDING)
    assert materials.rows() and materials.heading.text().startswith(name)

    visit.item_impl_code = None
    visit.bundle_code = RESTAURANT
    assert materials.rows() and materials.heading.text().startswith("我要开饭店（一件事")

    visit.bundle_code = None
    visit.applicant = new_applicant(demo_ctx)
    visit.item_impl_code = BUILDING
    materials.open_case()
    case = visit.case
    assert case is not None and materials.heading.text().startswith(case.local_number)

    visit.case = None  # the case is dropped but the item stays chosen: its checklist comes back
    assert materials.rows() and materials.heading.text().startswith(name)
    visit.reset()
    assert materials.rows() == [] and materials.heading.text() == NO_ITEM_HINT
