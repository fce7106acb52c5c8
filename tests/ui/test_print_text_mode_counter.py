"""The counter's print path queues a receipt's GB18030 text form when the printer is set to text mode
(``devices.printer_text_mode``), and only then; the preview stays the raster either way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.config import load_config
from app.context import AppContext, open_context
from app.documents import render_receipt, sample_data
from app.documents.text_receipt import receipt_text
from app.services import print_queue
from devices.manager import DeviceManager
from ui.counter.print_preview import PrintOutcome, print_receipt, text_mode_configured
from ui.ops import OpRunner


def counter_ctx(text_mode: str) -> AppContext:
    overrides = {
        "ui.demo": "true",
        "storage.key_source": "file",
        "devices.printer_paper_mm": "58",
        "devices.printer_text_mode": text_mode,
    }
    return open_context(load_config(None, overrides=overrides))


@pytest.fixture(params=["raster", "gb18030"])
def ctx(request: pytest.FixtureRequest, yc_home: Path) -> Iterator[AppContext]:
    context = counter_ctx(request.param)
    yield context
    context.close()


def test_the_receipt_is_queued_with_its_text_form_only_in_text_mode(ctx: AppContext) -> None:
    data = sample_data("受理回执")
    outcomes: list[PrintOutcome] = []
    # No printer: the job stays queued, which is all this test looks at.
    OpRunner(inline=True).start(print_receipt(ctx, None, data).success(outcomes.append))
    [outcome] = outcomes
    assert outcome.job_id is not None and outcome.state == "queued"
    assert np.array_equal(outcome.raster, render_receipt(data, width_dots=384))  # the preview
    with ctx.db.session() as s:
        lines = print_queue.load_text_lines(s, ctx.blobs, outcome.job_id)
    if text_mode_configured(ctx):
        assert lines == receipt_text(data, width_dots=384).lines
    else:
        assert lines is None


def test_a_simulated_printer_prints_the_raster_of_a_text_mode_receipt(yc_home: Path) -> None:
    ctx = counter_ctx("gb18030")
    devices = DeviceManager({"printer": "simulated"}, work_dir=ctx.work_dir, poll_interval_s=None)
    devices.start()
    try:
        outcomes: list[PrintOutcome] = []
        OpRunner(inline=True).start(
            print_receipt(ctx, devices, sample_data("收件凭证")).success(outcomes.append)
        )
        [outcome] = outcomes
        assert outcome.printed
    finally:
        devices.stop()
        ctx.close()
    assert len(list((ctx.work_dir / "printer").glob("job-*.png"))) == 1
