"""The counter fills the applicant from the real serial SAM driver (GA/T 467 over a pty pair).

The reader is the product's `serial` driver opened by the DeviceManager from configuration
options, exactly as at a counter; only the SAM on the other end of the serial line is simulated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.context import AppContext
from app.masking import mask_id_number
from app.model import Applicant, AuditEvent, Role
from app.services.actor import Actor
from devices.idcard.simulated import demo_cards
from devices.manager import DeviceManager
from tests.devices.sam_peer import DUMMY_PHOTO, SamPeer
from ui.counter.applicant_panel import ApplicantPanel
from ui.counter.visit import Visit
from ui.ops import OpRunner

CLERK = Actor(username="chuangkou", role=Role.CLERK, display_name="王小窗", clerk_id=1)


class Host(QWidget):
    def __init__(self, ctx: AppContext, devices: DeviceManager) -> None:
        super().__init__()
        self.visit = Visit(CLERK, self)
        self.panel = ApplicantPanel(ctx, OpRunner(inline=True), self.visit, devices)
        QVBoxLayout(self).addWidget(self.panel)

    def closeEvent(self, event: object) -> None:
        self.panel.stop()


@pytest.fixture
def sam(tmp_path: Path) -> Iterator[SamPeer]:
    peer = SamPeer(tmp_path / "ttyIDR", demo_cards()[1])
    yield peer
    peer.close()


@pytest.fixture
def serial_reader(demo_ctx: AppContext, sam: SamPeer) -> Iterator[DeviceManager]:
    manager = DeviceManager(
        {"idcard": "serial"},
        work_dir=demo_ctx.work_dir,
        options={"idcard": {"port": str(sam.link), "baud": "115200", "photo_library": ""}},
    )
    manager.start()
    yield manager
    manager.stop()


def test_f2_fills_the_applicant_from_the_serial_sam_reader(
    qtbot: QtBot, demo_ctx: AppContext, serial_reader: DeviceManager
) -> None:
    card = demo_cards()[1]
    host = Host(demo_ctx, serial_reader)
    qtbot.addWidget(host)
    with qtbot.waitActive(host):
        host.show()
        host.activateWindow()
    qtbot.keyClick(host, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: host.visit.applicant is not None, timeout=10_000)
    applicant = host.visit.applicant
    assert applicant is not None and applicant.name == card.name
    assert host.panel.name_field.text() == card.name
    assert host.panel.masked_id_text() == mask_id_number(card.id_number)
    # No licensed WLT decoder here: the clerk sees the placeholder, the raw photo is kept encrypted.
    assert host.panel.photo_label.isVisible() and host.panel.photo_label.text() == "照片未解码"
    with demo_ctx.db.session() as session:
        stored = session.get(Applicant, applicant.id)
        assert stored is not None and stored.photo_wlt == DUMMY_PHOTO
        assert stored.birth_date == dt.date(1990, 11, 3)
        reads = session.execute(select(AuditEvent).where(AuditEvent.action == "idcard.read")).scalars().all()
    assert len(reads) == 1 and reads[0].after is not None
    assert reads[0].after["source"] == "idcard_reader" and card.id_number not in str(reads[0].after)


def test_no_card_on_the_serial_reader_tells_the_clerk_what_to_do(
    qtbot: QtBot, demo_ctx: AppContext, serial_reader: DeviceManager, sam: SamPeer
) -> None:
    sam.remove_card()
    host = Host(demo_ctx, serial_reader)
    qtbot.addWidget(host)
    host.panel.card_read_timeout_s = 0.8
    host.panel.read_card()
    qtbot.waitUntil(lambda: "证件" in host.panel.message.text(), timeout=10_000)
    assert host.visit.applicant is None
