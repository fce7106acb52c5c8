"""The 办件 and 材料 side of the counter: item and bundle choice, the guide, and capturing pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import cv2
import img2pdf
import numpy as np
import pytest
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot

from app.clock import local_now
from app.context import AppContext
from app.model import Role
from app.services.actor import Actor
from app.services.applicants import ApplicantView, applicant_typed
from app.services.case_flow import open_case, transition
from app.services.materials import add_page, case_materials
from app.validation import make_id_number
from devices.manager import DeviceManager
from ui.counter.decision_dialogs import DeferDialog, ReuseDialog
from ui.counter.guide_view import GuideView
from ui.counter.item_panel import ItemPanel
from ui.counter.materials_panel import BAD_COLOUR, OK_COLOUR, MaterialsPanel
from ui.counter.visit import Visit
from ui.ops import OpRunner

RELIEF = "11341122003051401840510296000000"  # 临时救助: 必要 ×3, 非必要, 容缺后补
BUILDING = "11341122003052113M40110037000000"  # 建筑工程施工许可
CLERK = Actor("chuangkou", Role.CLERK, display_name="王小窗")
SIMULATED = {"camera": "simulated", "scanner": "simulated", "printer": "simulated", "idcard": "simulated"}


def today() -> dt.date:
    """Beijing date, as the core counts days."""
    return local_now().date()


@pytest.fixture
def devices(demo_ctx: AppContext) -> Iterator[DeviceManager]:
    manager = DeviceManager(SIMULATED, work_dir=demo_ctx.work_dir, poll_interval_s=None)
    manager.start()
    yield manager
    manager.stop()


def new_applicant(ctx: AppContext, sequence: int = 5) -> ApplicantView:
    number = make_id_number("341122", dt.date(1975, 6, 1), sequence, "女")
    with ctx.db.session() as session:
        return applicant_typed(session, CLERK, name="周桂兰", id_number=number, mobile="13905501234")


@pytest.fixture
def visit(demo_ctx: AppContext) -> Visit:
    v = Visit(CLERK)
    v.applicant = new_applicant(demo_ctx)
    v.item_impl_code = RELIEF
    return v


@pytest.fixture
def messages() -> list[str]:
    """What the runner would have shown in a message box."""
    return []


@pytest.fixture
def panel(
    qtbot: QtBot, demo_ctx: AppContext, visit: Visit, devices: DeviceManager, messages: list[str]
) -> MaterialsPanel:
    p = MaterialsPanel(demo_ctx, OpRunner(inline=True, show_message=messages.append), visit, devices)
    qtbot.addWidget(p)
    return p


def jpeg(width: int = 1200, height: int = 1600, seed: int = 0) -> bytes:
    image = np.full((height, width, 3), 245, np.uint8)
    cv2.putText(image, f"page {seed}", (80, 300), cv2.FONT_HERSHEY_SIMPLEX, 4, (20, 20, 20), 8)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    return data.tobytes()


def test_choosing_an_item_or_a_bundle_is_recorded_on_the_visit(qtbot: QtBot, demo_ctx: AppContext) -> None:
    visit = Visit(CLERK)
    panel = ItemPanel(demo_ctx, OpRunner(inline=True), visit)
    qtbot.addWidget(panel)
    panel.search("jzgc")
    first = panel.results.topLevelItem(0)
    assert first is not None
    panel.results.setCurrentItem(first)
    assert visit.item_impl_code == BUILDING and visit.bundle_code is None
    panel.search("开饭店")
    assert [b.name for b in panel.listed_bundles()] == ["我要开饭店"]
    panel.choose_bundle(panel.listed_bundles()[0].code)
    assert visit.bundle_code == "YJS-341122-001" and visit.item_impl_code is None
    assert "1 个“一件事”" in panel.summary.text()


def test_a_narrow_result_list_gives_the_names_the_room(qtbot: QtBot, demo_ctx: AppContext) -> None:
    panel = ItemPanel(demo_ctx, OpRunner(inline=True), Visit(CLERK))
    qtbot.addWidget(panel)
    panel.search("")
    panel.resize(900, 500)
    panel.show()
    qtbot.waitUntil(lambda: not panel.results.isColumnHidden(1), timeout=2000)
    panel.resize(280, 500)
    qtbot.waitUntil(lambda: panel.results.isColumnHidden(1), timeout=2000)
    first = panel.results.topLevelItem(0)
    assert first is not None and first.toolTip(0).split("\n")[1] == panel.listed_items()[0].department


def test_the_guide_shows_conditions_materials_limits_fees_and_where(
    qtbot: QtBot, demo_ctx: AppContext
) -> None:
    visit = Visit(CLERK)
    guide = GuideView(demo_ctx, OpRunner(inline=True), visit)
    qtbot.addWidget(guide)
    assert "选择事项后" in guide.text()
    visit.item_impl_code = BUILDING
    text = guide.text()
    for expected in (
        "受理条件",
        "已经办理该建筑工程用地批准手续",
        "《建筑工程施工许可证申请表》",
        "必要",
        "法定办结时限",
        "7 个工作日",
        "承诺办结时限",
        "3 个工作日",
        "不收费",
        "不动产与工程建设窗口 16号",
        "示范县政务服务中心三楼",
        "0550-5021301",
        "0550-12345",
    ):
        assert expected in text, expected


def test_a_bundle_previews_one_merged_material_list(qtbot: QtBot, demo_ctx: AppContext) -> None:
    visit = Visit(CLERK)
    panel = MaterialsPanel(demo_ctx, OpRunner(inline=True), visit)
    qtbot.addWidget(panel)
    visit.bundle_code = "YJS-341122-001"
    names = [row[0] for row in panel.rows()]
    assert len(names) == len(set(names)) > 10
    assert "申请人居民身份证" in names
    assert "一件事" in panel.heading.text()


def test_f7_opens_the_case_and_captures_a_page_with_a_green_verdict(
    panel: MaterialsPanel, visit: Visit, demo_ctx: AppContext
) -> None:
    capture = panel.capture_panel
    assert panel.start_button.isVisibleTo(panel)
    assert capture.target is None and "开始收件" in capture.idle_view.text()
    assert not capture.capture_button.isEnabled()
    assert panel.capture_shortcut.key().toString() == "F7"
    panel.capture()
    assert visit.case is not None and visit.case.state_label == "已收件"
    first = panel.current_material()
    assert first is not None and first.position == 0 and len(first.pages) == 1
    assert capture.target == (visit.case.id, first.id)
    assert capture.target_label.text() == f"采集到：{first.name}"
    page = first.pages[0]
    assert page.verdict.ok and page.size <= 90_000
    assert page.verdict.message.startswith("合格")
    assert capture.strip.captions() == [f"第 1 页\n{page.verdict.message}"]
    assert capture.strip.colours() == [OK_COLOUR]
    assert capture.strip.pages()[0].thumbnail is not None
    assert panel.rows()[0][2] == "已收 1 页" and panel.rows()[0][3] == "全部合格"
    with demo_ctx.db.session() as session:
        stored = case_materials(session, visit.case.id)
    assert len(stored[0].pages) == 1


def test_the_capture_panel_follows_the_material_chosen_in_the_checklist(
    panel: MaterialsPanel, visit: Visit
) -> None:
    panel.open_case()
    assert visit.case is not None
    first, second = panel.materials()[:2]
    panel.capture()
    panel.select_material(second.id)
    capture = panel.capture_panel
    assert capture.target == (visit.case.id, second.id) and capture.strip.count() == 0
    panel.capture()
    panel.capture()
    rows = panel.rows()
    assert rows[first.position][2] == "已收 1 页" and rows[second.position][2] == "已收 2 页"
    assert capture.strip.count() == 2
    panel.select_material(first.id)
    assert capture.target == (visit.case.id, first.id) and capture.strip.count() == 1


def test_imports_go_through_the_pipeline_and_a_too_small_image_is_refused_with_a_message(
    panel: MaterialsPanel, tmp_path: Path, messages: list[str]
) -> None:
    panel.open_case()
    capture = panel.capture_panel
    big = tmp_path / "big.png"
    noise = np.random.default_rng(1).integers(0, 255, (2400, 1800, 3), np.uint8)
    big.write_bytes(cv2.imencode(".png", noise)[1].tobytes())
    scanned = tmp_path / "scanned.pdf"
    scanned.write_bytes(img2pdf.convert(jpeg()))
    capture.import_paths([big, scanned])
    pages = panel.current_material().pages  # type: ignore[union-attr]
    # The PDF page is taken out of its PDF and fitted like any other page.
    assert [p.format for p in pages] == ["jpeg", "jpeg"]
    assert all(p.verdict.ok and p.size <= 90_000 and max(p.width, p.height) <= 1600 for p in pages)
    assert capture.strip.colours() == [OK_COLOUR, OK_COLOUR]
    assert panel.rows()[0][2] == "已收 2 页" and panel.rows()[0][3] == "全部合格"
    assert messages == []

    small = tmp_path / "small.jpg"
    small.write_bytes(jpeg(400, 300))
    capture.import_paths([small])
    assert "小于要求的 640×480" in capture.problem.text() and capture.problem.isVisibleTo(capture)
    assert messages == []  # said in the panel, not in a box
    assert len(panel.current_material().pages) == 2  # type: ignore[union-attr]


def test_scanning_the_feeder_then_rotate_move_and_delete_keep_the_order(panel: MaterialsPanel) -> None:
    panel.open_case()
    capture = panel.capture_panel
    capture.scan_button.click()
    material = panel.current_material()
    assert material is not None and [p.position for p in material.pages] == [0, 1, 2]
    assert capture.status.text() == "扫描完成，共 3 页。"
    assert panel.rows()[0][2] == "已收 3 页"
    first, second, third = (p.sha256 for p in material.pages)
    assert len({first, second, third}) == 3  # numbered sheets: three different pages

    capture.strip.setCurrentRow(1)
    capture.page_buttons["rotate"].click()
    pages = panel.current_material().pages  # type: ignore[union-attr]
    turned = pages[1]
    assert turned.sha256 not in (first, second, third) and turned.rotation == 90
    assert turned.width > turned.height  # the portrait sheet is now landscape
    assert [pages[0].sha256, pages[2].sha256] == [first, third]
    assert capture.strip.current_page() == turned  # the turned page stays selected

    capture.strip.setCurrentRow(0)
    capture.page_buttons["delete"].click()
    pages = panel.current_material().pages  # type: ignore[union-attr]
    assert [p.sha256 for p in pages] == [turned.sha256, third]
    assert [p.position for p in pages] == [0, 1]

    capture.strip.setCurrentRow(0)
    assert not capture.page_buttons["earlier"].isEnabled()
    capture.page_buttons["later"].click()
    pages = panel.current_material().pages  # type: ignore[union-attr]
    assert [p.sha256 for p in pages] == [third, turned.sha256]
    current = capture.strip.current_page()
    assert current is not None and current.sha256 == turned.sha256


def test_cancel_stops_a_scan_before_the_next_sheet(panel: MaterialsPanel) -> None:
    panel.open_case()
    capture = panel.capture_panel
    panel.scan_did_progress.connect(lambda _n: capture.cancel_scan())
    capture.scan_button.click()
    assert len(panel.current_material().pages) == 1  # type: ignore[union-attr]
    assert capture.status.text() == "已取消扫描，已保存 1 页。"
    assert not capture.cancel_button.isVisibleTo(capture)
    assert capture.scan_button.isEnabled() and panel.buttons["reuse"].isEnabled()


def test_a_scan_on_worker_threads_stores_every_sheet_in_order(
    qtbot: QtBot, demo_ctx: AppContext, visit: Visit, devices: DeviceManager
) -> None:
    runner = OpRunner()
    try:
        panel = MaterialsPanel(demo_ctx, runner, visit, devices)
        qtbot.addWidget(panel)
        capture = panel.capture_panel
        panel.open_case()
        qtbot.waitUntil(lambda: panel.current_material() is not None, timeout=5000)
        qtbot.waitUntil(lambda: capture.scan_button.isEnabled(), timeout=5000)
        progress: list[int] = []
        panel.scan_did_progress.connect(progress.append)
        capture.scan_button.click()
        assert capture.cancel_button.isVisibleTo(capture) and not capture.scan_button.isEnabled()
        assert not panel.buttons["reuse"].isEnabled()  # no reuse while sheets are coming in
        qtbot.waitUntil(lambda: len(panel.current_material().pages) == 3, timeout=10_000)  # type: ignore[union-attr]
        assert progress == [1, 2, 3]
        qtbot.waitUntil(lambda: not capture.capturer.scanning, timeout=10_000)
        assert capture.status.text() == "扫描完成，共 3 页。"
        assert not capture.cancel_button.isVisibleTo(capture) and panel.buttons["reuse"].isEnabled()
    finally:
        runner.shutdown()


def test_f7_waits_for_the_checklist_of_the_case_it_opens(
    qtbot: QtBot, demo_ctx: AppContext, visit: Visit, devices: DeviceManager
) -> None:
    runner = OpRunner()
    try:
        panel = MaterialsPanel(demo_ctx, runner, visit, devices)
        qtbot.addWidget(panel)
        panel.capture()  # opening the case and loading its checklist run on worker threads
        qtbot.waitUntil(lambda: panel.current_material() is not None, timeout=5000)
        qtbot.waitUntil(lambda: len(panel.current_material().pages) == 1, timeout=10_000)  # type: ignore[union-attr]
        qtbot.waitUntil(lambda: panel.rows()[0][2] == "已收 1 页", timeout=5000)
    finally:
        runner.shutdown()


def test_f7_scans_on_a_pc_without_a_camera(
    qtbot: QtBot, demo_ctx: AppContext, visit: Visit, messages: list[str]
) -> None:
    manager = DeviceManager({"scanner": "simulated"}, work_dir=demo_ctx.work_dir, poll_interval_s=None)
    manager.start()
    try:
        panel = MaterialsPanel(demo_ctx, OpRunner(inline=True, show_message=messages.append), visit, manager)
        qtbot.addWidget(panel)
        panel.capture()
        assert messages == []
        assert len(panel.current_material().pages) == 3  # type: ignore[union-attr]
        assert not panel.capture_panel.page_buttons["retake"].isEnabled()  # 重拍 needs the camera
    finally:
        manager.stop()


def test_f7_without_camera_or_scanner_says_what_to_use_instead(
    qtbot: QtBot, demo_ctx: AppContext, visit: Visit, messages: list[str]
) -> None:
    panel = MaterialsPanel(demo_ctx, OpRunner(inline=True, show_message=messages.append), visit)
    qtbot.addWidget(panel)
    panel.capture()
    capture = panel.capture_panel
    assert visit.case is not None and "没有配置高拍仪" in capture.problem.text()
    assert panel.current_material().pages == ()  # type: ignore[union-attr]
    assert messages == []


def test_retake_replaces_the_page_in_place(panel: MaterialsPanel, visit: Visit, demo_ctx: AppContext) -> None:
    panel.open_case()
    assert visit.case is not None
    material = panel.current_material()
    assert material is not None
    with demo_ctx.db.session() as session:
        add_page(session, demo_ctx.blobs, CLERK, material.id, jpeg(seed=1))
        add_page(session, demo_ctx.blobs, CLERK, material.id, jpeg(seed=2))
    panel.capture_panel.reload()
    before = [shown.page.sha256 for shown in panel.capture_panel.strip.pages()]
    panel.capture_panel.strip.setCurrentRow(0)
    panel.capture_panel.page_buttons["retake"].click()
    after = [p.sha256 for p in panel.current_material().pages]  # type: ignore[union-attr]
    assert len(after) == 2 and after[1] == before[1] and after[0] != before[0]
    assert panel.capture_panel.status.text() == "已重拍该页。"


def test_original_seen_and_deferral_show_in_the_status(panel: MaterialsPanel, qtbot: QtBot) -> None:
    panel.open_case()
    panel.capture()
    panel.original_seen.click()
    assert panel.rows()[0][2] == "已收 1 页，已核验原件"

    deferrable = next(m for m in panel.materials() if m.necessity == "3")
    panel.select_material(deferrable.id)
    assert panel.buttons["defer"].isEnabled()
    panel.buttons["defer"].click()
    dialog = panel.defer_dialog
    assert isinstance(dialog, DeferDialog) and dialog.isVisible()
    due = today() + dt.timedelta(days=10)
    dialog.due.setDate(QDate(due.year, due.month, due.day))
    dialog.accept()
    row = panel.rows()[deferrable.position]
    assert row[2] == f"容缺后补（{due.isoformat()} 前补交）"
    required = next(m for m in panel.materials() if m.necessity == "1")
    panel.select_material(required.id)
    assert not panel.buttons["defer"].isEnabled()  # only 容缺后补 materials may be deferred


def test_reuse_takes_the_pages_of_an_earlier_case(
    panel: MaterialsPanel, visit: Visit, demo_ctx: AppContext
) -> None:
    assert visit.applicant is not None
    with demo_ctx.db.session() as session:
        earlier = open_case(
            session,
            CLERK,
            station_code=demo_ctx.station_code,
            item_impl_code=RELIEF,
            applicant_id=visit.applicant.id,
        )
        first = case_materials(session, earlier.id)[0]
        add_page(session, demo_ctx.blobs, CLERK, first.id, jpeg(seed=7))
    panel.open_case()
    panel.buttons["reuse"].click()
    dialog = panel.reuse_dialog
    assert isinstance(dialog, ReuseDialog)
    assert dialog.choices.count() == 1 and earlier.local_number in dialog.choices.item(0).text()
    dialog.accept()
    material = panel.current_material()
    assert material is not None and len(material.pages) == 1 and material.status_label == "复用"


def test_nothing_can_be_captured_before_an_item_is_chosen(qtbot: QtBot, demo_ctx: AppContext) -> None:
    panel = MaterialsPanel(demo_ctx, OpRunner(inline=True), Visit(CLERK))
    qtbot.addWidget(panel)
    assert panel.heading.text() == "请先在左侧选择事项"
    assert not panel.capture_panel.capture_button.isEnabled()
    assert not panel.start_button.isVisibleTo(panel)
    assert panel.capture_panel.idle_view.text() == "请先在左侧选择事项"
    panel.capture()  # F7 before an item is chosen opens nothing
    assert panel.case is None


def test_an_accepted_case_shows_its_pages_but_takes_no_more(
    panel: MaterialsPanel, visit: Visit, demo_ctx: AppContext
) -> None:
    panel.open_case()
    panel.capture()
    assert visit.case is not None
    with demo_ctx.db.session() as session:
        accepted = transition(session, visit.case.id, "accept", CLERK)
    visit.case = accepted
    capture = panel.capture_panel
    assert capture.strip.count() == 1 and capture.view.currentWidget() is capture.idle_view
    assert capture.idle_view.text() == "办件已受理，材料不能再修改。"
    assert not capture.capture_button.isEnabled() and not capture.page_buttons["delete"].isEnabled()
    assert not panel.buttons["reuse"].isEnabled() and not panel.original_seen.isEnabled()
    panel.capture()
    assert capture.problem.text() == "办件已受理，材料不能再修改。"
    assert len(panel.current_material().pages) == 1  # type: ignore[union-attr]


def test_a_page_that_fails_the_profile_is_red_in_the_checklist_and_the_strip(
    panel: MaterialsPanel, demo_ctx: AppContext
) -> None:
    panel.open_case()
    material = panel.current_material()
    assert material is not None
    with demo_ctx.db.session() as session:  # e.g. reused from an older case, taken before the rule
        add_page(session, demo_ctx.blobs, CLERK, material.id, jpeg(400, 300))
    panel.reload()
    panel.capture_panel.reload()
    panel.capture()
    assert panel.rows()[0][3] == "1 页不合格"
    assert panel.table.topLevelItem(0).foreground(3).color().name() == BAD_COLOUR  # type: ignore[union-attr]
    assert panel.capture_panel.strip.colours() == [BAD_COLOUR, OK_COLOUR]
    assert "像素不足：400×300" in panel.capture_panel.strip.captions()[0]
