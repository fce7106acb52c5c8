"""`make screenshots`: the counter's main screens with demo data, saved to docs/screenshots/.

Drives the real widgets the way the end-to-end test does (simulated ID reader, camera and
printer; SQLite in a temporary YICHUANG_HOME) and grabs each screen. Runs offscreen by default;
set QT_QPA_PLATFORM=xcb with a DISPLAY (e.g. Xvfb) to grab through a real X server instead.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HOME = Path(tempfile.mkdtemp(prefix="yc-shots-"))
os.environ["YICHUANG_HOME"] = str(HOME)
(HOME / "config").mkdir(parents=True)
(HOME / "config" / "config.toml").write_text('[ui]\ndemo = true\n\n[storage]\nkey_source = "file"\n')
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from app.config import load_config  # noqa: E402
from app.context import open_context  # noqa: E402
from app.demo.loader import load_demo  # noqa: E402
from app.model import Role  # noqa: E402
from app.services import case_flow  # noqa: E402
from app.services.actor import Actor  # noqa: E402
from app.services.applicants import applicant_typed  # noqa: E402
from app.services.case_views import CorrectionItem  # noqa: E402
from app.services.queue import issue_ticket  # noqa: E402
from app.validation import make_id_number  # noqa: E402
from devices.manager import DeviceManager  # noqa: E402
from ui.application import apply_ui_font, ensure_application  # noqa: E402
from ui.counter.window import CounterWindow  # noqa: E402
from ui.ops import OpRunner  # noqa: E402
from ui.signin import SignInDialog  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CLERK = Actor("chuangkou", Role.CLERK, clerk_id=1, display_name="王小窗")
SIZE = (1366, 768)


def settle(app: QApplication, until: Callable[[], bool] = lambda: True, timeout_s: float = 15) -> None:
    end = time.monotonic() + timeout_s
    while True:
        app.processEvents()
        if until() and time.monotonic() > end - timeout_s + 0.3:
            return
        if time.monotonic() > end:
            raise TimeoutError("screen did not get ready")
        time.sleep(0.01)


def save(widget: QWidget, name: str) -> None:
    path = OUT / name
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    print(f"wrote {path.relative_to(ROOT)}")


def seed_case_list(ctx: object) -> None:
    """A few cases in different states so the list and its colours mean something."""
    from app.context import AppContext

    assert isinstance(ctx, AppContext)
    people = [("赵丽华", "女", 3), ("钱志强", "男", 5), ("孙秀兰", "女", 7), ("周建军", "男", 9)]
    with ctx.db.session() as s:
        from sqlalchemy import select

        from app.model import Case, ServiceItem

        codes = list(s.execute(select(ServiceItem.impl_code).order_by(ServiceItem.name).limit(4)).scalars())
        for (name, gender, seq), code in zip(people, codes, strict=True):
            number = make_id_number("341122", dt.date(1960 + seq, seq, seq + 1), seq, gender)
            a = applicant_typed(s, CLERK, name=name, id_number=number, mobile=f"1395550{seq:04d}")
            v = case_flow.open_case(s, CLERK, station_code=ctx.station_code, item_impl_code=code, applicant_id=a.id)
            case = s.get(Case, v.id)
            assert case is not None
            for m in case.materials:
                m.status = "received"
            if seq == 3:
                case_flow.request_correction(
                    s, CLERK, v.id, [CorrectionItem("户口簿", "提供户主页及本人页复印件")],
                    deadline=dt.date.today() + dt.timedelta(days=7),
                )  # fmt: skip
            elif seq == 5:
                case_flow.accept(s, CLERK, v.id)
                case.promised_date = dt.date.today() - dt.timedelta(days=1)  # overdue: red
            elif seq == 7:
                case_flow.accept(s, CLERK, v.id)
                case_flow.transition(s, v.id, "complete", CLERK)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = ensure_application()
    apply_ui_font(app, 1.0)
    ctx = open_context(load_config())
    with ctx.db.session() as s:
        load_demo(s, station_code=ctx.station_code)
    seed_case_list(ctx)
    devices = DeviceManager(
        {"idcard": "simulated", "camera": "simulated", "printer": "simulated", "scanner": "simulated"},
        work_dir=ctx.work_dir,
    )
    runner = OpRunner(inline=True, show_message=lambda text: print("message:", text))
    try:
        signin = SignInDialog(ctx, runner)
        signin.show()
        settle(app)
        save(signin, "signin.png")
        signin.close()

        window = CounterWindow(ctx, runner, devices, CLERK)
        devices.start()
        window.resize(*SIZE)
        window.show()
        settle(app, lambda: window.loaded)
        save(window, "counter-idle.png")

        with ctx.db.session() as s:
            issue_ticket(s, station_code=ctx.station_code, category="A")
        window.queue_panel.refresh()
        window.queue_panel.call_next()
        window.applicant_panel.read_card()
        settle(app, lambda: window.visit.applicant is not None)
        window.item_panel.search_box.setText("jzgc")
        settle(app, lambda: window.item_panel.results.topLevelItem(0) is not None)
        window.item_panel.results.setCurrentItem(window.item_panel.results.topLevelItem(0))
        settle(app, lambda: window.visit.item_impl_code is not None)
        window.materials_panel.open_case()
        settle(app, lambda: bool(window.materials_panel.materials()))
        for material in window.materials_panel.materials()[:3]:
            window.materials_panel.select_material(material.id)
            window.materials_panel.capture()
            settle(app, lambda mid=material.id: any(m.id == mid and m.pages for m in window.materials_panel.materials()))
        save(window, "counter-case.png")
        save(window.materials_panel, "materials.png")

        # The materials step: a few pages of one material from the simulated 高拍仪, live preview on.
        materials = window.materials_panel
        materials.select_material(materials.materials()[0].id)
        for _ in range(2):
            materials.capture()
        capture = materials.capture_panel
        settle(app, lambda: capture.strip.count() == 3 and capture.preview.frames_painted > 0)
        save(window, "counter-materials.png")

        window.decision_bar.accept()
        settle(app, lambda: window.decision_bar.dialog is not None and window.decision_bar.dialog.isVisible())
        dialog = window.decision_bar.dialog
        assert dialog is not None
        save(dialog, "decision.png")
        dialog.reject()

        cases = window.show_case_list()
        cases.resize(1200, 600)
        settle(app, lambda: cases.table.topLevelItemCount() > 0)
        save(cases, "case-list.png")
        first = cases.table.topLevelItem(0)  # the case this clerk just worked on: pages and all
        assert first is not None
        cases.table.itemActivated.emit(first, 0)
        settle(app, lambda: cases.detail is not None and cases.detail.isVisible())
        assert cases.detail is not None
        cases.detail.resize(900, 640)
        settle(app)
        save(cases.detail, "case-timeline.png")
        cases.detail.close()
        cases.close()
        window.close()
    finally:
        runner.shutdown()
        devices.stop()
        ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
