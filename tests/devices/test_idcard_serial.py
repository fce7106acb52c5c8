"""The serial SAM driver over a real pty pair, against the SAM simulator in sam_peer.py."""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from app.errors import ConfigError, DeviceUnavailable
from devices.idcard import ga467
from devices.idcard.base import CardReadFailed, IdCardData, IdCardReader, NoCardPresent
from devices.idcard.presence import PresenceThrottle
from devices.idcard.serial_sam import SerialSamReader, create, find_sam_port, probe_port
from devices.idcard.simulated import demo_cards
from devices.lifecycle import Closable, HealthAware, PresenceAware
from devices.manager import DeviceEvent, DeviceManager
from devices.registry import DriverContext
from tests.devices.sam_peer import DUMMY_PHOTO, SAM_ID_TEXT, SamPeer

CARDS = tuple(replace(card, photo=b"", photo_wlt=DUMMY_PHOTO) for card in demo_cards())
CARD = CARDS[1]


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[SamPeer]:
    sam = SamPeer(tmp_path / "ttySAM", CARD)
    yield sam
    sam.close()


@pytest.fixture
def reader(peer: SamPeer) -> Iterator[SerialSamReader]:
    device = SerialSamReader(str(peer.link), timeout_s=0.6)
    yield device
    device.close()


@pytest.mark.parametrize("card", CARDS, ids=lambda card: card.card_type)
def test_reads_every_kind_of_card(peer: SamPeer, reader: SerialSamReader, card: IdCardData) -> None:
    peer.place_card(card)
    read = reader.read_card(timeout_s=2)
    assert read == card
    assert read.photo_wlt == DUMMY_PHOTO and read.photo == b""  # no decoder configured


def test_second_read_of_the_same_card_finds_and_selects_again(peer: SamPeer, reader: SerialSamReader) -> None:
    assert reader.read_card(timeout_s=2) == CARD
    assert reader.read_card(timeout_s=2) == CARD
    assert peer.count(ga467.FIND) == 2
    assert peer.count(ga467.SELECT) == 2
    assert peer.count(ga467.READ_BASE) == 2


def test_no_card_waits_for_the_timeout_polling_no_faster_than_300_ms(
    peer: SamPeer, reader: SerialSamReader
) -> None:
    peer.remove_card()
    started = time.monotonic()
    with pytest.raises(NoCardPresent, match="未检测到证件"):
        reader.read_card(timeout_s=1.0)
    elapsed = time.monotonic() - started
    assert 0.6 < elapsed < 1.3  # stops early when no find fits before the deadline at the polling pace
    finds = peer.times(ga467.FIND)
    assert 3 <= len(finds) <= 4
    assert min(b - a for a, b in itertools.pairwise(finds)) >= 0.28


def test_card_placed_while_waiting_is_read(peer: SamPeer, reader: SerialSamReader) -> None:
    peer.remove_card()
    timer = threading.Timer(0.4, peer.place_card, args=(CARD,))
    timer.start()
    try:
        assert reader.read_card(timeout_s=3) == CARD
    finally:
        timer.join()


def test_select_failure_is_reported_with_the_sam_reason(peer: SamPeer, reader: SerialSamReader) -> None:
    peer.select_fails = True
    with pytest.raises(CardReadFailed, match="选卡失败"):
        reader.read_card(timeout_s=0.5)


def test_read_failure_is_reported_at_once(peer: SamPeer, reader: SerialSamReader) -> None:
    peer.read_fails = True
    started = time.monotonic()
    with pytest.raises(CardReadFailed) as caught:
        reader.read_card(timeout_s=3)
    assert str(caught.value) == "读卡失败，请取下证件后重新放置。"
    assert time.monotonic() - started < 1.0
    assert peer.count(ga467.READ_BASE) == 1


@pytest.mark.parametrize("fault", ["corrupt", "truncate"])
def test_one_bad_answer_is_recovered_by_sending_again(
    peer: SamPeer, reader: SerialSamReader, fault: str
) -> None:
    peer.fault(ga467.READ_BASE, fault)  # type: ignore[arg-type]
    assert reader.read_card(timeout_s=2) == CARD
    assert peer.count(ga467.READ_BASE) == 2


@pytest.mark.parametrize("fault", ["corrupt", "truncate"])
def test_two_bad_answers_fail_the_read(peer: SamPeer, reader: SerialSamReader, fault: str) -> None:
    peer.fault(ga467.READ_BASE, fault, times=2)  # type: ignore[arg-type]
    with pytest.raises(CardReadFailed, match="数据出错"):
        reader.read_card(timeout_s=2)
    assert peer.count(ga467.READ_BASE) == 2


def test_answers_split_into_small_pieces_are_reassembled(peer: SamPeer, reader: SerialSamReader) -> None:
    peer.split_chunk = 50
    peer.split_pause_s = 0.005
    assert reader.read_card(timeout_s=3) == CARD


def test_garbage_between_frames_is_skipped(peer: SamPeer, reader: SerialSamReader) -> None:
    peer.garbage = b"\x00\xff\x13noise\xaa\xaa\x96"
    assert reader.read_card(timeout_s=2) == CARD
    assert reader.card_present()


def test_slow_answers_within_the_timeout_still_read(peer: SamPeer, reader: SerialSamReader) -> None:
    peer.delay_s = 0.3
    assert reader.read_card(timeout_s=3) == CARD


def test_a_silent_sam_never_hangs_the_read(peer: SamPeer, reader: SerialSamReader) -> None:
    peer.silent = True
    started = time.monotonic()
    with pytest.raises(DeviceUnavailable, match="没有应答"):
        reader.read_card(timeout_s=1.0)
    assert time.monotonic() - started < 1.5


def test_answers_slower_than_the_timeout_fail_in_bounded_time(peer: SamPeer, reader: SerialSamReader) -> None:
    peer.delay_s = 1.5  # the reader waits 0.6 s at most per answer
    started = time.monotonic()
    with pytest.raises(DeviceUnavailable):
        reader.read_card(timeout_s=0.5)
    assert time.monotonic() - started < 1.5


def test_presence_polling_is_throttled_to_300_ms(peer: SamPeer, reader: SerialSamReader) -> None:
    started = time.monotonic()
    answers = []
    while time.monotonic() - started < 1.0:
        answers.append(reader.card_present())
        time.sleep(0.01)
    assert all(answers) and len(answers) > 20
    finds = peer.times(ga467.FIND)
    assert 2 <= len(finds) <= 4
    assert min(b - a for a, b in itertools.pairwise(finds)) >= 0.28


def test_card_present_follows_the_card(peer: SamPeer) -> None:
    reader = SerialSamReader(str(peer.link), presence_interval_s=0.0)
    try:
        assert reader.card_present()
        peer.remove_card()
        assert not reader.card_present()
    finally:
        reader.close()


def test_sam_id_and_health(peer: SamPeer, reader: SerialSamReader) -> None:
    for role in (IdCardReader, PresenceAware, HealthAware, Closable):
        assert isinstance(reader, role)
    assert reader.sam_id() == SAM_ID_TEXT
    assert reader.health_problem() is None
    peer.status_sw3 = ga467.SW3_NOT_AUTHORISED
    assert reader.health_problem() == "安全模块未授权，请联系设备供应商。"


def test_unplug_then_replug_without_a_new_object(peer: SamPeer, reader: SerialSamReader) -> None:
    assert reader.read_card(timeout_s=1) == CARD
    peer.unplug()
    assert not os.path.exists(peer.link)  # the symlink dangles, like a udev link after unplug
    with pytest.raises(DeviceUnavailable, match="未连接"):
        reader.read_card(timeout_s=1)
    assert not reader.is_present()
    peer.replug()
    assert reader.is_present()
    assert reader.read_card(timeout_s=1) == CARD


def test_replug_behind_a_stale_handle_is_recovered_on_the_next_read(
    peer: SamPeer, reader: SerialSamReader
) -> None:
    assert reader.read_card(timeout_s=1) == CARD
    peer.unplug()
    peer.replug()  # the driver never saw the gap: its handle still points at the old pty
    assert reader.read_card(timeout_s=1) == CARD


def test_missing_port_cannot_be_opened(tmp_path: Path) -> None:
    with pytest.raises(DeviceUnavailable, match="无法打开身份证阅读器串口"):
        SerialSamReader(str(tmp_path / "nothing"))


def test_auto_port_picks_the_port_where_a_sam_answers(peer: SamPeer, tmp_path: Path) -> None:
    master, slave = os.openpty()  # a serial port where nothing answers
    try:
        mute = os.ttyname(slave)
        assert not probe_port(mute)
        assert find_sam_port([str(tmp_path / "missing"), mute, str(peer.link)]) == str(peer.link)
        reader = SerialSamReader("auto", candidates=lambda: [mute, str(peer.link)])
        try:
            assert reader.port_path == str(peer.link)
            assert reader.read_card(timeout_s=1) == CARD
        finally:
            reader.close()
        with pytest.raises(DeviceUnavailable, match="未找到身份证阅读器"):
            SerialSamReader("auto", candidates=lambda: [mute])
    finally:
        os.close(master)
        os.close(slave)


def test_factory_reads_port_and_baud_options(peer: SamPeer, tmp_path: Path) -> None:
    context = DriverContext(
        kind="idcard", work_dir=tmp_path, options={"port": str(peer.link), "baud": "57600"}
    )
    reader = create(context)
    try:
        assert reader.read_card(timeout_s=1) == CARD
    finally:
        reader.close()
    bad = DriverContext(kind="idcard", work_dir=tmp_path, options={"port": str(peer.link), "baud": "12345"})
    with pytest.raises(ConfigError) as caught:
        create(bad)
    assert caught.value.key == "devices.idcard_baud"


def test_no_card_data_reaches_the_logs(
    peer: SamPeer, reader: SerialSamReader, caplog: pytest.LogCaptureFixture
) -> None:
    peer.fault(ga467.READ_BASE, "corrupt")  # the retry path logs too
    with caplog.at_level(logging.DEBUG):
        card = reader.read_card(timeout_s=2)
    text = caplog.text
    assert caplog.records  # the read did log (commands and status codes)
    for secret in (card.name, card.id_number, card.id_number[6:14], card.address):
        assert secret not in text
    assert card.name.encode("utf-16-le").hex() not in text.replace(" ", "").lower()


def test_through_the_device_manager_with_unplug_and_replug(peer: SamPeer, tmp_path: Path) -> None:
    events: list[DeviceEvent] = []
    manager = DeviceManager(
        {"idcard": "serial"},
        work_dir=tmp_path / "work",
        poll_interval_s=0.1,
        options={"idcard": {"port": str(peer.link)}},
    )
    manager.subscribe(events.append)
    manager.start()
    try:
        assert manager.submit("idcard", lambda r: r.read_card(1.0)).result(timeout=5) == CARD
        first = manager.submit("idcard", lambda r: r).result(timeout=5)
        peer.unplug()
        _wait_for(lambda: any(e.event == "unplugged" for e in events))
        with pytest.raises(DeviceUnavailable):
            manager.submit("idcard", lambda r: r.read_card(1.0)).result(timeout=5)
        peer.replug()
        _wait_for(lambda: events[-1].event == "plugged")
        assert manager.submit("idcard", lambda r: r.read_card(1.0)).result(timeout=5) == CARD
        assert manager.submit("idcard", lambda r: r).result(timeout=5) is first  # recovered in place
    finally:
        manager.stop()


def _wait_for(condition: object, timeout_s: float = 5.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


class _FakeDecoder:
    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def decode(self, wlt: bytes) -> bytes:
        self.seen.append(wlt)
        return b"\x89PNG decoded"


def test_configured_photo_decoder_gets_the_raw_wlt(peer: SamPeer) -> None:
    decoder = _FakeDecoder()
    reader = SerialSamReader(str(peer.link), photo_decoder=decoder)
    try:
        card = reader.read_card(timeout_s=1)
    finally:
        reader.close()
    assert decoder.seen == [DUMMY_PHOTO]
    assert card.photo == b"\x89PNG decoded" and card.photo_decoded
    assert card.photo_wlt == DUMMY_PHOTO


def test_presence_throttle_caches_within_the_interval() -> None:
    now = [100.0]
    calls: list[float] = []

    def probe() -> bool:
        calls.append(now[0])
        return len(calls) % 2 == 1

    throttle = PresenceThrottle(0.3, clock=lambda: now[0])
    assert throttle.check(probe) is True
    now[0] += 0.29
    assert throttle.check(probe) is True  # cached
    now[0] += 0.02
    assert throttle.check(probe) is False  # asked again
    throttle.forget()
    assert throttle.check(probe) is True
    assert calls == [100.0, 100.31, 100.31]
