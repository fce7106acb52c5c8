from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.printer.escpos_printer import EscposPrinter
from devices.printer.escpos_text import (
    FS_CHINESE_OFF,
    FS_CHINESE_ON,
    encode_text_job,
    fits_text_mode,
    fragment_heights,
    raster_commands,
)
from devices.printer.render import render_text_lines
from tests.devices.escpos_decode import decode_raster_stream, parse_stream, raster_blocks, text_lines
from tests.devices.printer_peer import PrinterPeer


@given(st.integers(min_value=0, max_value=5000), st.sampled_from([100, 120, 127, 128, 1, 47, 50]))
def test_fragments_cover_the_image_and_avoid_the_firmware_bug(total: int, rows: int) -> None:
    heights = fragment_heights(total, rows)
    assert sum(heights) == total
    assert all(0 < h <= rows and h % 48 for h in heights)


@pytest.mark.parametrize(
    ("total", "expected"), [(96, [95, 1]), (216, [120, 95, 1]), (240, [120, 120]), (0, [])]
)
def test_a_remainder_of_96_rows_is_not_sent_as_one_block(total: int, expected: list[int]) -> None:
    assert fragment_heights(total) == expected


@pytest.mark.parametrize("rows", [0, 48, 96, 129, 960])
def test_fragment_sizes_that_break_printers_are_refused(rows: int) -> None:
    with pytest.raises(ValueError):
        fragment_heights(500, rows)


def test_raster_commands_hold_the_exact_dots() -> None:
    rng = np.random.default_rng(7)
    image = np.where(rng.random((250, 384)) < 0.3, 0, 255).astype(np.uint8)
    data = b"".join(raster_commands(image))
    assert [b.height for b in raster_blocks(data)] == [120, 120, 10]
    assert all(b.width_bytes == 48 for b in raster_blocks(data))
    [decoded] = decode_raster_stream(data)
    assert np.array_equal(decoded, image)


def test_raster_width_must_be_whole_bytes() -> None:
    with pytest.raises(ValueError, match="multiple of 8"):
        raster_commands(np.zeros((10, 380), dtype=np.uint8))


@pytest.mark.parametrize(
    ("char", "fits"),
    [
        ("A", True),
        ("中", True),
        ("堃", True),  # GBK, not GB2312: still two bytes
        ("〇", True),
        ("：", True),
        ("€", True),
        ("𠀀", False),  # CJK Ext-B: four bytes
        ("㐀", False),  # Ext-A: four bytes in GB18030
        ("😀", False),
        ("\ue000", False),  # user-defined area: no glyph in the printer
        ("\t", False),
    ],
)
def test_which_characters_the_printer_font_has(char: str, fits: bool) -> None:
    assert fits_text_mode(char) is fits


def test_text_mode_sends_gb18030_lines_inside_chinese_mode() -> None:
    lines = ["当阳市政务服务中心", "排队号：A001", "：，。（）【】", "Café 3 × 4"]
    data = encode_text_job(lines, 384)
    assert data.startswith(FS_CHINESE_ON) and data.endswith(FS_CHINESE_OFF)
    assert "排队号：A001\n".encode("gb18030") in data
    assert text_lines(data) == lines
    assert raster_blocks(data) == []


def test_a_line_with_a_rare_character_falls_back_to_a_raster_line() -> None:
    lines = ["申请人：张三", "代办人：𠀀明", "办件编号：ST001-0007", "满意 😀"]
    data = encode_text_job(lines, 576)
    assert text_lines(data) == ["申请人：张三", "办件编号：ST001-0007"]
    images = decode_raster_stream(data)
    assert len(images) == 2  # one raster per fallback line
    assert np.array_equal(images[0], render_text_lines(["代办人：𠀀明"], 576, font_size=24))
    assert np.array_equal(images[1], render_text_lines(["满意 😀"], 576, font_size=24))
    kinds = [c.kind for c in parse_stream(data) if c.kind in ("text", "raster")]
    assert kinds == ["text", "raster", "text", "raster"]  # each line where it was on paper
    assert "𠀀".encode("gb18030") not in data


def test_a_line_break_inside_a_line_is_refused() -> None:
    with pytest.raises(ValueError, match="line breaks"):
        encode_text_job(["第一行\n第二行"], 384)


def test_gb18030_printer_gets_text_then_the_qr_raster() -> None:
    qr_part = np.full((130, 384), 255, dtype=np.uint8)
    qr_part[20:110, 150:240] = 0
    with PrinterPeer() as peer:
        printer = EscposPrinter(peer.uri, paper_width_dots=384, text_mode="gb18030", timeout_s=1)
        printer.print_job([qr_part], text_lines=["受理回执", "办件编号：ST001-0007"])
        [job] = peer.jobs()
    commands = parse_stream(job)
    assert [c.kind for c in commands][:3] == ["init", "chinese_on", "text"]
    assert text_lines(job) == ["受理回执", "办件编号：ST001-0007"]
    [image] = decode_raster_stream(job)
    assert np.array_equal(image, qr_part)
    assert commands[-1].kind == "cut"


def test_raster_printer_renders_the_text_lines_above_the_rasters() -> None:
    qr_part = np.zeros((30, 384), dtype=np.uint8)
    with PrinterPeer() as peer:
        printer = EscposPrinter(peer.uri, paper_width_dots=384, timeout_s=1)
        printer.print_job([qr_part], text_lines=["受理回执"])
        [job] = peer.jobs()
    assert text_lines(job) == []
    [image] = decode_raster_stream(job)
    assert np.array_equal(image, np.vstack([render_text_lines(["受理回执"], 384), qr_part]))
