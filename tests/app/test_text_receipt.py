"""Receipts as GB18030 text lines (文字模式): wrapped to the printer's columns, every field kept,
QR code and logo as rasters; and the print queue keeping that form with the job."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from app.documents import THERMAL_KINDS, ReceiptData, render_receipt, sample_data, template_for
from app.documents.content import paragraphs
from app.documents.layout import Para
from app.documents.samples import sample_ticket_slip
from app.documents.text_receipt import (
    char_columns,
    columns_for,
    para_lines,
    receipt_text,
    text_columns,
    ticket_text,
    wrap_columns,
)
from app.model import Role
from app.services import print_queue
from app.services.actor import Actor
from app.storage import crypto
from app.storage.blobs import BlobStore
from app.storage.db import Database
from devices.printer.escpos_text import line_fits_text_mode

WIDTHS = [384, 576]
RARE = "𠀀"  # CJK Ext-B: outside GB18030-2000's two-byte area
CLERK = Actor("chuangkou", Role.CLERK, display_name="王小窗")

#: Values from sample_data each kind must print (beyond what every case receipt prints).
SPECIFIC: dict[str, list[str]] = {
    "收件凭证": [
        "当阳市住房和城乡建设局",
        "收件时间：2026年11月23日 09:30",
        "建筑工程施工许可申请表",
        "不代表已受理",
    ],
    "受理回执": [
        "受理时间：2026年11月23日 09:48",
        "承诺办结：2026年12月07日（暂定）",
        "施工合同（已收，12 页）",
    ],
    "补正告知": [
        "施工图设计文件审查合格书",
        "须加盖审查机构公章，提供原件及复印件各一份",
        "请于2026年12月03日前补正。",
        "一次性告知",
    ],
    "不予受理告知": [
        "所申请的临时占道事项依法不需要取得建筑工程施工许可",
        "当阳市城市管理执法局",
        "六十日内依法申请行政复议",
        "六个月内依法向人民法院提起行政诉讼",
    ],
    "领取回执": ["领取人：张建国", "交付方式：窗口当面领取", "领取人签字："],
    "评价二维码": ["非常满意", "非常不满意", "办件编号：ST001-20261123-0007"],
}
CASE_FIELDS = [
    "ST001-20261123-0007",
    "查询密码：234765",
    "申请人：张建国",
    "证件号码：4205**********2318",
    "代办：李代办（受申请人委托）",
    "申请事项：建筑工程施工许可证核发",
]
EVERY_SLIP = [
    "3 号窗口　王晓红",
    "监督电话：0717-3212345",
    "咨询电话：0717-12345",
    "当阳市玉阳街道长坂路 88 号",
]


def flat(lines: list[str]) -> str:
    """The printed text without line breaks and half-width blanks (wrapping moves those)."""
    return "".join(lines).replace(" ", "")


def qr_payloads(rasters: list[NDArray[np.uint8]]) -> list[str]:
    detector = cv2.QRCodeDetector()
    found = []
    for raster in rasters:
        text, _, _ = detector.detectAndDecode(np.pad(raster, 24, constant_values=255))
        if text:
            found.append(text)
    return found


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", THERMAL_KINDS)
def test_every_thermal_template_fits_the_columns_and_keeps_every_field(kind: str, width: int) -> None:
    data = sample_data(kind)
    text = receipt_text(data, width_dots=width)
    columns = columns_for(width)
    assert columns == {384: 32, 576: 48}[width]
    for line in text.lines:
        assert text_columns(line) <= columns, line
        assert "\n" not in line and "\r" not in line
    printed = flat(text.lines)
    required = (CASE_FIELDS if kind != "评价二维码" else []) + EVERY_SLIP + SPECIFIC[kind]
    for value in required:
        assert value.replace(" ", "") in printed, value
    # Every text paragraph of the raster receipt is there, in the same order; the QR code's
    # caption is the last line, right above the code (rasters print after the lines).
    position = 0
    previous = Para()
    captions = []
    for para in paragraphs(data, template_for(kind)):
        caption, previous = previous.kind == "qr", para
        if caption:
            captions.append(para.text)
        elif para.kind == "text" and para.text:
            wanted = (para.label + para.text).replace(" ", "").replace("\n", "")
            found = printed.find(wanted, position)
            assert found >= 0, wanted
            position = found + len(wanted)
    assert len(captions) == 1 and printed.endswith(captions[0])
    # Only the masked ID number: no 18-character ID anywhere.
    assert not re.search(r"\d{17}[\dXx]", "".join(text.lines))
    # Plain sample text goes as text: nothing falls back to a raster.
    assert all(line_fits_text_mode(line) for line in text.lines)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", THERMAL_KINDS)
def test_the_qr_code_and_logo_are_paper_wide_rasters_and_the_qr_scans(kind: str, width: int) -> None:
    data = sample_data(kind)
    text = receipt_text(data, width_dots=width)
    assert len(text.rasters) == 2  # the QR code, then the logo
    for raster in text.rasters:
        assert raster.dtype == np.uint8 and raster.shape[1] == width
        assert set(np.unique(raster)) <= {0, 255}
    wanted = data.evaluation_url if kind == "评价二维码" else data.qr_text
    assert qr_payloads(text.rasters[:1]) == qr_payloads(text.rasters) == [wanted]
    # The pictures are a small part of the raster receipt: that is the point of text mode.
    assert sum(r.shape[0] for r in text.rasters) < render_receipt(data, width_dots=width).shape[0] / 4


def test_without_logo_or_qr_text_there_is_nothing_but_lines() -> None:
    data = dataclasses.replace(sample_data("受理回执", branded=False), qr_text="")
    text = receipt_text(data, width_dots=576)
    assert text.rasters == []
    assert "查询密码：234765" in text.lines


@pytest.mark.parametrize("width", WIDTHS)
def test_a_rare_character_survives_into_its_line_so_only_that_line_falls_back(width: int) -> None:
    data = dataclasses.replace(sample_data("收件凭证"), applicant_name=f"张{RARE}国")
    lines = receipt_text(data, width_dots=width).lines
    rare = [line for line in lines if RARE in line]
    assert rare == [f"申请人：张{RARE}国"]
    assert [line for line in lines if not line_fits_text_mode(line)] == rare


def test_titles_are_centred_and_rules_fill_the_line() -> None:
    lines = receipt_text(sample_data("受理回执"), width_dots=576).lines
    [title] = [line for line in lines if line.strip() == "受理回执"]
    assert title == " " * ((48 - 8) // 2) + "受理回执"
    assert "-" * 48 in lines
    assert " " * 19 + "【代办件】" in lines  # the 代办 marking, centred
    # A title longer than the line breaks into two balanced lines, each centred.
    template = template_for("受理回执", title="建筑工程施工许可证核发联合审批回执")
    long = receipt_text(sample_data("受理回执"), width_dots=384, template=template).lines
    at = long.index(" " * 7 + "建筑工程施工许可证")
    assert long[at + 1] == " " * 8 + "核发联合审批回执"


def test_a_long_value_hangs_under_itself() -> None:
    lines = receipt_text(sample_data("受理回执"), width_dots=384).lines
    first = lines.index("1. 建筑工程施工许可申请表（已")
    assert lines[first + 1] == "   收，已核验原件，2 页）"


def test_a_value_that_cannot_sit_beside_its_label_goes_whole_below_it() -> None:
    para = Para(text="4205**********2318", label="证件号码：")
    assert para_lines(para, 24) == ["证件号码：", "4205**********2318"]
    assert para_lines(para, 32) == ["证件号码：4205**********2318"]


def test_wrapping_follows_the_line_breaking_rules() -> None:
    assert char_columns("A") == 1 and char_columns("张") == 2 and char_columns("“") == 2
    assert char_columns("\u3000") == 2 and char_columns("ｶ") == 1 and char_columns(RARE) == 2
    # Closing punctuation never starts a line: the character before it comes along.
    assert wrap_columns("一二三四，五六", 8) == ["一二三", "四，五六"]
    # Opening punctuation never ends one.
    assert wrap_columns("一二三（四五）", 8) == ["一二三", "（四五）"]
    # A number stays whole when it fits a line, and breaks after a hyphen when it does not.
    assert wrap_columns("编号 ST001-20261123-0007", 20) == ["编号", "ST001-20261123-0007"]
    assert wrap_columns("ST001-20261123-0007", 16) == ["ST001-20261123-", "0007"]
    assert wrap_columns("甲\n乙", 8) == ["甲", "乙"]
    assert wrap_columns("甲\t乙", 8) == ["甲 乙"]
    for line in wrap_columns("中文English混排，长长长长长长长长长长的一段话。" * 3, 11):
        assert text_columns(line) <= 11


def test_a_halls_own_template_is_used() -> None:
    template = template_for("受理回执", title="建设项目受理回执", texts={"note": "本回执由窗口盖章后生效。"})
    lines = receipt_text(sample_data("受理回执"), width_dots=576, template=template).lines
    assert "建设项目受理回执" in flat(lines) and "本回执由窗口盖章后生效。" in lines


def test_a4_templates_and_odd_widths_are_refused() -> None:
    with pytest.raises(ValueError, match="A4"):
        receipt_text(sample_data("受理通知书"), width_dots=576)
    with pytest.raises(ValueError, match="multiple of 8"):
        receipt_text(sample_data("受理回执"), width_dots=580)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_queue_ticket_as_text_keeps_the_number_large(width: int) -> None:
    slip = sample_ticket_slip()
    text = ticket_text(slip, width_dots=width)
    assert all(text_columns(line) <= columns_for(width) for line in text.lines)
    printed = flat(text.lines)
    for value in (
        "当阳市政务服务中心",
        "A012",
        "综合受理（A类）",
        "【老年人优先】",
        "您前面还有3人等候",
        "09:12",
    ):
        assert value in printed
    number, qr, logo = text.rasters
    assert number.shape[1] == width and int((number < 128).sum()) > 0
    # The big number is taller than three lines of the printer's 24-dot font.
    ink_rows = np.flatnonzero((number < 128).any(axis=1))
    assert ink_rows[-1] - ink_rows[0] > 72
    assert qr_payloads([qr]) == [slip.status_key]
    assert logo.shape[1] == width and qr_payloads([logo]) == []


# --- the print queue keeps the text form -------------------------------------------------------


@pytest.fixture
def blobs(tmp_path: Path, cipher: crypto.FieldCipher) -> BlobStore:
    return BlobStore(tmp_path / "blobs", cipher)


def queue_receipt(db: Database, blobs: BlobStore, data: ReceiptData, width: int = 576) -> int:
    text = receipt_text(data, width_dots=width)
    with db.session() as s:
        return print_queue.enqueue(
            s,
            blobs,
            document=data.kind,
            rasters=[render_receipt(data, width_dots=width)],
            text_lines=text.lines,
            text_rasters=text.rasters,
        )


def test_the_queue_keeps_the_text_form_encrypted_and_gives_it_back(
    db: Database, blobs: BlobStore, tmp_path: Path
) -> None:
    data = sample_data("受理回执")
    text = receipt_text(data, width_dots=576)
    job_id = queue_receipt(db, blobs, data)
    with db.session() as s:
        loaded = print_queue.load_text_job(s, blobs, job_id)
        assert print_queue.load_text_lines(s, blobs, job_id) == text.lines
        assert print_queue.get_job(s, job_id).has_text
    assert loaded is not None and loaded.lines == text.lines
    assert len(loaded.rasters) == len(text.rasters)
    for got, sent in zip(loaded.rasters, text.rasters, strict=True):
        assert np.array_equal(got, sent)
    # The lines hold the applicant's name: nothing in the blob store shows it in the clear.
    for path in (tmp_path / "blobs").rglob("*"):
        if path.is_file():
            assert "张建国".encode() not in path.read_bytes()


def test_a_raster_only_job_has_no_text_form(db: Database, blobs: BlobStore) -> None:
    with db.session() as s:
        job_id = print_queue.enqueue(
            s, blobs, document="受理回执", rasters=[render_receipt(sample_data("受理回执"), width_dots=384)]
        )
        assert print_queue.load_text_job(s, blobs, job_id) is None
        assert print_queue.load_text_lines(s, blobs, job_id) is None
        assert not print_queue.get_job(s, job_id).has_text


def test_a_text_form_that_does_not_fit_the_job_is_refused(db: Database, blobs: BlobStore) -> None:
    raster = np.full((48, 576), 255, dtype=np.uint8)
    narrow = np.full((48, 384), 255, dtype=np.uint8)
    cases: list[tuple[dict[str, object], str]] = [
        ({"text_lines": ["甲\n乙"]}, "line breaks"),
        ({"text_lines": []}, "at least one line"),
        ({"text_lines": ["甲"], "text_rasters": [narrow]}, "as wide"),
        ({"text_rasters": [raster]}, "text_lines as well"),
    ]
    for extra, message in cases:
        with db.session() as s, pytest.raises(ValueError, match=message):
            print_queue.enqueue(s, blobs, document="受理回执", rasters=[raster], **extra)  # type: ignore[arg-type]


def test_a_reprint_of_a_text_job_carries_the_reprint_mark_in_its_lines(
    db: Database, blobs: BlobStore
) -> None:
    data = sample_data("受理回执")
    job_id = queue_receipt(db, blobs, data)
    with db.session() as s:
        assert print_queue.mark_printing(s, job_id)
    with db.session() as s:
        print_queue.mark_printed(s, job_id)
    with db.session() as s:
        again = print_queue.reprint(s, blobs, CLERK, job_id)
    with db.session() as s:
        original = print_queue.load_text_job(s, blobs, job_id)
        reprinted = print_queue.load_text_job(s, blobs, again)
    assert original is not None and reprinted is not None
    assert reprinted.lines[0].strip() == "【补打】" and "本件为补打件" in reprinted.lines[1]
    assert reprinted.lines[3:] == original.lines  # banner, time, rule, then the receipt unchanged
    assert all(text_columns(line) <= 48 for line in reprinted.lines)
    assert qr_payloads(reprinted.rasters) == [data.qr_text]
