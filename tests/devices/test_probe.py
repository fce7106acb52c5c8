"""`yichuang doctor`'s reader checks: attached readers, the configured reader's SAM ID and a test read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import load_config
from devices.idcard.base import IdCardData
from devices.idcard.simulated import demo_cards
from devices.probe import idcard_check, reader_checks
from tests.devices.sam_peer import SAM_ID_TEXT, SamPeer


@pytest.fixture
def sam(tmp_path: Path) -> Iterator[SamPeer]:
    peer = SamPeer(tmp_path / "ttyIDR", demo_cards()[0])
    yield peer
    peer.close()


def test_doctor_shows_the_sam_id_and_an_audited_masked_test_read(
    tmp_path: Path, yc_home: Path, sam: SamPeer
) -> None:
    config = load_config(overrides={"devices.idcard": "serial", "devices.idcard_port": str(sam.link)})
    audited: list[IdCardData] = []
    result = idcard_check(config, tmp_path, audited.append)
    assert result is not None and result.verdict == "ok", result
    card = demo_cards()[0]
    assert SAM_ID_TEXT in result.message
    assert "测试读卡成功" in result.message and "照片未解码" in result.message
    assert card.id_number not in result.message and card.masked_id_number in result.message
    assert [c.id_number for c in audited] == [card.id_number]


def test_doctor_says_no_card_without_failing(tmp_path: Path, yc_home: Path, sam: SamPeer) -> None:
    sam.remove_card()
    config = load_config(overrides={"devices.idcard": "serial", "devices.idcard_port": str(sam.link)})
    result = idcard_check(config, tmp_path)
    assert result is not None and result.verdict == "ok"
    assert "未放证件" in result.message


def test_doctor_fails_with_the_reason_when_the_port_is_missing(tmp_path: Path, yc_home: Path) -> None:
    config = load_config(
        overrides={"devices.idcard": "serial", "devices.idcard_port": str(tmp_path / "no-such-tty")}
    )
    result = idcard_check(config, tmp_path)
    assert result is not None and result.verdict == "fail"
    assert "no-such-tty" in result.message or "串口" in result.message


def test_reader_list_runs_without_configured_readers(tmp_path: Path, yc_home: Path) -> None:
    results = reader_checks(load_config(overrides={"devices.idcard": "none"}), tmp_path)
    names = [r.name for r in results]
    assert names == ["串口", "USB 身份证阅读器", "PC/SC 读卡器"]
    assert all(r.verdict == "ok" for r in results)
