"""`yichuang print` and `yichuang doctor` printer checks, against a real TCP printer peer on 127.0.0.1:
the preview is the golden image, and what reaches the printer decodes to exactly the preview."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from app.cli import main
from devices.printer import render as render_module
from devices.printer.render import render_test_page
from tests.devices.escpos_decode import decode_raster_stream
from tests.devices.printer_peer import PrinterPeer
from tools.update_goldens import (
    PINNED_FONT,
    Golden,
    environment_stamp,
    find_pinned_font,
    goldens,
    pinned_fonts,
    read_golden,
)

GOLDENS = goldens()
THERMAL = [g for g in GOLDENS if g.width is not None]


@pytest.fixture(scope="module")
def stamp() -> Iterator[dict[str, str]]:
    font = find_pinned_font()
    if font is None:
        pytest.skip(
            f"{PINNED_FONT} (fonts-noto-cjk) is not installed: previews cannot match the golden images"
        )
    with pinned_fonts(font):
        yield environment_stamp()


@pytest.fixture
def peer() -> Iterator[PrinterPeer]:
    with PrinterPeer() as p:
        yield p


def run(home: Path, *args: str, printer_uri: str | None = None) -> int:
    options = ["--home", str(home)]
    if printer_uri is not None:
        options += ["--set", "devices.printer=escpos", "--set", f"devices.printer_uri={printer_uri}"]
    return main([*options, *args])


def png_pixels(path: Path) -> NDArray[np.uint8]:
    with Image.open(io.BytesIO(path.read_bytes())) as image:
        return np.asarray(image.convert("L"), dtype=np.uint8)


def golden_pixels(golden: Golden, stamp: dict[str, str]) -> NDArray[np.uint8]:
    pixels, drawn_with = read_golden(golden.path)
    if drawn_with != stamp:
        pytest.skip(f"{golden.path.name} was drawn with {drawn_with}, this machine draws with {stamp}")
    return pixels


def test_list_names_every_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "print", "--list") == 0
    listed = {line.split("\t")[0]: line.split("\t")[1] for line in capsys.readouterr().out.splitlines()}
    assert listed["ticket"] == "排队号票"
    for name, label in [
        ("receipt-shouli", "受理回执"),
        ("receipt-lingqu", "领取回执"),
        ("notice-buyu-shouli", "不予受理通知书"),
    ]:
        assert listed[name] == label
    assert set(listed) == {g.template.name for g in GOLDENS}


@pytest.mark.parametrize("golden", GOLDENS, ids=[g.path.name for g in GOLDENS])
def test_preview_is_the_golden_image(golden: Golden, stamp: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out" / "preview.png"
    width = ["--width", str(golden.width)] if golden.width else []
    assert (
        run(tmp_path, "print", "--template", golden.template.name, "--sample", "--preview", str(out), *width)
        == 0
    )
    expected = golden_pixels(golden, stamp)
    actual = png_pixels(out)
    assert actual.shape == expected.shape and np.array_equal(actual, expected)


@pytest.mark.parametrize("golden", THERMAL, ids=[g.path.name for g in THERMAL])
def test_what_the_printer_gets_decodes_to_the_preview(
    golden: Golden, stamp: dict[str, str], peer: PrinterPeer, tmp_path: Path
) -> None:
    out = tmp_path / "preview.png"
    args = ["print", "--template", golden.template.label, "--sample", "--width", str(golden.width)]
    assert run(tmp_path, *args, "--printer", peer.uri, "--preview", str(out)) == 0
    jobs = peer.jobs()
    assert len(jobs) == 1
    [printed] = decode_raster_stream(jobs[0])
    preview = png_pixels(out)
    assert printed.shape == preview.shape == (preview.shape[0], golden.width)
    assert np.array_equal(printed, preview)
    assert np.array_equal(preview, golden_pixels(golden, stamp))


def test_width_follows_the_configured_paper(peer: PrinterPeer, tmp_path: Path) -> None:
    args = ["--set", "devices.printer_paper_mm=58", "print", "--template", "ticket", "--sample"]
    assert main(["--home", str(tmp_path), *args, "--printer", peer.uri]) == 0
    [printed] = decode_raster_stream(peer.jobs()[0])
    assert printed.shape[1] == 384


def test_paper_out_is_reported_in_chinese_and_nothing_prints(
    peer: PrinterPeer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    peer.set_paper(out=True)
    assert run(tmp_path, "print", "--template", "ticket", "--sample", "--printer", peer.uri) == 2
    assert "缺纸" in capsys.readouterr().err
    assert peer.jobs() == [] and peer.printed() == b""


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--template", "notice-shouli", "--sample", "--printer", "tcp://127.0.0.1:9"],
            "A4 通知书，不能打印到小票打印机",
        ),
        (["--template", "受理单据", "--sample", "--preview", "x.png"], "没有名为“受理单据”的模板"),
        (["--template", "ticket", "--preview", "x.png"], "请加上 --sample"),
        (["--template", "ticket", "--sample"], "--printer"),
        (["--sample", "--preview", "x.png"], "--template"),
        (["--template", "ticket", "--sample", "--printer", "lpt://1"], "打印机地址“lpt://1”不是支持的"),
    ],
)
def test_wrong_use_is_explained_in_chinese(
    args: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, "print", *args) == 2
    assert says in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_an_unreachable_printer_is_reported_with_its_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with PrinterPeer() as gone:
        uri = gone.uri
    assert run(tmp_path, "print", "--template", "ticket", "--sample", "--printer", uri) == 2
    assert "无法连接小票打印机 127.0.0.1" in capsys.readouterr().err


# --- yichuang doctor ---------------------------------------------------------------------------


class _FixedClock(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _FixedClock:
        return cls(2026, 11, 23, 9, 30, 0, tzinfo=tz)


def test_doctor_asks_the_printer_but_prints_nothing_by_default(
    peer: PrinterPeer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, "doctor", printer_uri=peer.uri) == 0
    assert "✔ 小票打印机：" in capsys.readouterr().out
    assert peer.status_queries()[:3] == [1, 2, 4]
    assert peer.printed() == b""


def test_doctor_prints_one_test_page_when_asked(
    peer: PrinterPeer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render_module, "datetime", _FixedClock)
    assert run(tmp_path, "doctor", "--print-test-page", printer_uri=peer.uri) == 0
    assert "已打印测试页" in capsys.readouterr().out
    [job] = peer.jobs()
    [printed] = decode_raster_stream(job)
    assert np.array_equal(printed, render_test_page(576, printed_at=_FixedClock.now()))


@pytest.mark.parametrize(
    ("script", "verdict", "says"),
    [
        ("paper_out", "✘", "缺纸"),
        ("cover_open", "✘", "盖"),
        ("near_end", "!", "纸将用尽"),
        ("silent", "✘", "未联机"),
    ],
)
def test_doctor_reports_what_is_wrong_with_the_printer(
    script: str,
    verdict: str,
    says: str,
    peer: PrinterPeer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if script == "paper_out":
        peer.set_paper(out=True)
    elif script == "cover_open":
        peer.set_cover(open=True)
    elif script == "near_end":
        peer.set_paper(out=False, near_end=True)
    else:
        peer.set_online(False)
    code = run(tmp_path, "doctor", "--print-test-page", printer_uri=peer.uri)
    line = next(x for x in capsys.readouterr().out.splitlines() if "小票打印机" in x)
    assert line.startswith(f"{verdict} 小票打印机：") and says in line and "127.0.0.1" in line
    assert code == (0 if verdict == "!" else 1)
    # A printer that cannot print gets no test page; one that can (paper nearly out) still does.
    assert len(peer.jobs()) == (1 if verdict == "!" else 0)
