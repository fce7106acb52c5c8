from __future__ import annotations

import threading
import time
from datetime import date

import cv2
import numpy as np
import pytest

from app.errors import DeviceUnavailable
from app.validation import check_id_number
from devices.idcard.base import IdCardData, NoCardPresent
from devices.idcard.codes import NATION_NAMES
from devices.idcard.simulated import SimulatedIdCardReader, demo_cards


def test_every_simulated_card_number_passes_the_gb11643_check() -> None:
    reader = SimulatedIdCardReader(placed=None)
    for index in range(len(reader.deck)):
        reader.place_card(index)
        read = reader.read_card(timeout_s=0)
        info = check_id_number(read.id_number)
        assert info.kind == read.card_type
        assert info.birth_date == read.birth_date
        assert info.gender == read.gender_name


def test_deck_covers_the_three_card_types_with_their_own_fields() -> None:
    cards = {card.card_type: card for card in demo_cards()}
    assert set(cards) == {"resident", "hmt_residence", "foreigner_pr"}
    assert cards["resident"].nation_name in NATION_NAMES.values()
    assert cards["hmt_residence"].nation is None
    assert cards["hmt_residence"].pass_number
    assert cards["hmt_residence"].id_number.startswith("810000")
    assert cards["foreigner_pr"].english_name
    assert cards["foreigner_pr"].nationality == "USA"
    assert cards["foreigner_pr"].id_number.startswith("9")
    assert any(card.valid_until is None for card in demo_cards())  # a 长期 card


def test_photo_is_a_decodable_chip_sized_image() -> None:
    photo = demo_cards()[0].photo
    image = cv2.imdecode(np.frombuffer(photo, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    assert image.shape == (126, 102, 3)


def test_no_card_present_after_remove_card() -> None:
    reader = SimulatedIdCardReader()
    assert reader.card_present()
    reader.read_card(timeout_s=0)
    reader.remove_card()
    assert not reader.card_present()
    with pytest.raises(NoCardPresent) as caught:
        reader.read_card(timeout_s=0.05)
    assert isinstance(caught.value, DeviceUnavailable)
    assert "身份证" in str(caught.value)


def test_read_waits_for_a_card_placed_meanwhile() -> None:
    reader = SimulatedIdCardReader(placed=None)
    timer = threading.Timer(0.05, reader.place_card, args=(1,))
    timer.start()
    try:
        card = reader.read_card(timeout_s=2)
    finally:
        timer.join()
    assert card == reader.deck[1]


def test_unplugged_reader_fails_fast_with_a_chinese_message() -> None:
    reader = SimulatedIdCardReader(placed=None)
    started = time.monotonic()
    threading.Timer(0.05, reader.simulate_unplug).start()
    with pytest.raises(DeviceUnavailable, match="身份证阅读器未连接"):
        reader.read_card(timeout_s=5)
    assert time.monotonic() - started < 2
    reader.simulate_plug()
    assert not reader.card_present()


def test_repr_masks_the_id_number_and_hides_the_photo() -> None:
    card = demo_cards()[0]
    text = repr(card)
    assert card.id_number not in text
    assert card.id_number[-4:] in text
    assert "bytes>" in text


def test_validity() -> None:
    long_term = next(card for card in demo_cards() if card.valid_until is None)
    assert long_term.is_valid_on(date(2099, 1, 1))
    assert not long_term.is_valid_on(date(2000, 1, 1))
    dated = next(card for card in demo_cards() if card.valid_until is not None)
    assert dated.valid_until is not None
    assert not dated.is_valid_on(date(dated.valid_until.year + 1, 1, 1))


def test_custom_deck_must_not_be_empty() -> None:
    with pytest.raises(ValueError):
        SimulatedIdCardReader(cards=[])


def test_card_data_is_frozen() -> None:
    card: IdCardData = demo_cards()[0]
    with pytest.raises(AttributeError):
        card.name = "x"  # type: ignore[misc]
