from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from app.errors import DeviceUnavailable
from devices.printer.base import CoverOpen, PaperOut, PrinterOffline
from devices.printer.render import FontFile, locate_cjk_font, render_test_page, render_text_lines
from devices.printer.simulated import SimulatedPrinter


def _read_png(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return image


def test_printed_text_appears_as_dark_pixels_in_the_job_png(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path)
    raster = render_text_lines(["受理回执", "办件编号：A0001"], printer.paper_width_dots)
    printer.print_raster(raster)
    printer.cut()
    [job] = printer.jobs
    assert job.parent == tmp_path and job.suffix == ".png"
    image = _read_png(job)
    assert image.shape == raster.shape
    ink = image < 128
    assert ink.any()
    assert np.array_equal(ink, raster < 128)  # dots exactly where the text was drawn
    assert not ink[:, :4].any()  # the margin stays blank


def test_one_png_per_job_and_numbers_continue_after_restart(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path, paper_width_dots=384)
    printer.print_test_page()
    printer.print_test_page()
    printer.cut()  # a cut with nothing printed writes nothing
    again = SimulatedPrinter(tmp_path, paper_width_dots=384)
    again.print_test_page()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job-0001.png", "job-0002.png", "job-0003.png"]


def test_paper_out_raises_and_status_says_so(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path)
    printer.run_out_of_paper()
    status = printer.status()
    assert not status.paper_ok and not status.can_print
    with pytest.raises(PaperOut, match="缺纸"):
        printer.print_raster(np.full((10, printer.paper_width_dots), 255, dtype=np.uint8))
    assert printer.health_problem() is not None
    printer.load_paper()
    printer.print_raster(np.zeros((10, printer.paper_width_dots), dtype=np.uint8))
    assert printer.health_problem() is None


def test_roll_runs_out_mid_job_and_keeps_what_was_printed(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path, paper_roll_dots=150, near_end_dots=100)
    line = np.zeros((100, printer.paper_width_dots), dtype=np.uint8)
    printer.print_raster(line)
    assert printer.status().paper_near_end
    with pytest.raises(PaperOut):
        printer.print_raster(line)
    [partial] = printer.jobs
    assert _read_png(partial).shape[0] == 150


@pytest.mark.parametrize(
    ("condition", "error"),
    [({"online": False}, PrinterOffline), ({"cover_open": True}, CoverOpen)],
)
def test_offline_and_cover_open(tmp_path: Path, condition: dict[str, bool], error: type[Exception]) -> None:
    printer = SimulatedPrinter(tmp_path)
    printer.set_condition(**condition)
    with pytest.raises(error):
        printer.print_raster(np.zeros((8, printer.paper_width_dots), dtype=np.uint8))
    assert printer.jobs == []


def test_unplugged_printer_cannot_be_asked(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path)
    printer.simulate_unplug()
    with pytest.raises(DeviceUnavailable, match="小票打印机未连接"):
        printer.status()


def test_raster_must_be_paper_width(tmp_path: Path) -> None:
    printer = SimulatedPrinter(tmp_path, paper_width_dots=384)
    with pytest.raises(ValueError, match="384"):
        printer.print_raster(np.zeros((8, 576), dtype=np.uint8))


def test_long_lines_wrap_inside_the_paper() -> None:
    one = render_text_lines(["短"], 384)
    wrapped = render_text_lines(["很长的一行" * 10], 384)
    assert wrapped.shape[1] == 384
    assert wrapped.shape[0] > 2 * one.shape[0]
    assert set(np.unique(wrapped)) <= {0, 255}  # hard threshold, no grey dithering


def test_test_page_has_ink() -> None:
    page = render_test_page(576)
    assert page.shape[1] == 576
    assert (page == 0).sum() > 1000


def test_missing_cjk_font_gives_a_chinese_hint(tmp_path: Path) -> None:
    with pytest.raises(DeviceUnavailable, match="未找到中文字体") as caught:
        locate_cjk_font([FontFile(tmp_path / "nope.ttc")], use_fontconfig=False)
    assert caught.value.device == "printer"
