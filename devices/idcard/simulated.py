"""Simulated ID-card reader (模拟身份证阅读器): ships in the product for demo mode and UI tests.

It holds a small deck of fictitious cards whose numbers pass the GB 11643 check, lets a demo or a
test place and remove a card, and behaves like a real reader otherwise: ``read_card`` waits for a
card up to its timeout, and everything raises ``DeviceUnavailable`` while the reader is unplugged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import date

import cv2
import numpy as np

from app.validation import make_id_number
from devices.idcard.base import IdCardData, NoCardPresent
from devices.registry import DriverContext
from devices.simulated_plug import SimulatedPlugBase

# Chip photos decode to 102×126 (idcard.md §2.6); the simulator keeps that size.
_PHOTO_WIDTH = 102
_PHOTO_HEIGHT = 126


def placeholder_photo(seed: int) -> bytes:
    """A JPEG head-and-shoulders silhouette on a light background; obviously not a real face."""
    rng = np.random.default_rng(seed)
    background = (235, 225, 210) if seed % 2 == 0 else (250, 250, 250)  # light blue or white, BGR
    image = np.full((_PHOTO_HEIGHT, _PHOTO_WIDTH, 3), background, dtype=np.uint8)
    tone = tuple(int(v) for v in rng.integers(60, 140, size=3))
    centre_x = _PHOTO_WIDTH // 2
    cv2.ellipse(image, (centre_x, 122), (46, 34), 0, 180, 360, tone, thickness=-1)  # shoulders
    cv2.ellipse(image, (centre_x, 56), (22, 28), 0, 0, 360, tone, thickness=-1)  # head
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise RuntimeError("cv2.imencode failed for the placeholder photo")
    return encoded.tobytes()


def demo_cards() -> tuple[IdCardData, ...]:
    """The default deck: three resident cards, one HK residence permit, one 2023 foreigner PR card.

    Names and addresses are fictitious; numbers are built, not copied from anyone.
    """
    return (
        IdCardData(
            card_type="resident",
            name="王建国",
            gender="1",
            nation="01",
            birth_date=date(1968, 3, 12),
            address="北京市东城区示例胡同12号",
            id_number=make_id_number("110101", date(1968, 3, 12), 61, "男"),
            issuer="北京市公安局东城分局",
            valid_from=date(2015, 7, 20),
            valid_until=None,  # issued after 46: 长期
            photo=placeholder_photo(0),
        ),
        IdCardData(
            card_type="resident",
            name="李秀英",
            gender="2",
            nation="06",
            birth_date=date(1990, 11, 3),
            address="贵州省凯里市示例路88号",
            id_number=make_id_number("522601", date(1990, 11, 3), 17, "女"),
            issuer="凯里市公安局",
            valid_from=date(2020, 5, 18),
            valid_until=date(2040, 5, 18),
            photo=placeholder_photo(1),
        ),
        IdCardData(
            card_type="resident",
            name="阿依古丽·买买提",
            gender="2",
            nation="05",
            birth_date=date(2004, 2, 29),
            address="新疆乌鲁木齐市天山区示例街5号",
            id_number=make_id_number("650102", date(2004, 2, 29), 3, "女"),
            issuer="乌鲁木齐市公安局天山区分局",
            valid_from=date(2021, 8, 1),
            valid_until=date(2031, 8, 1),
            photo=placeholder_photo(2),
        ),
        IdCardData(
            card_type="hmt_residence",
            name="陈嘉欣",
            gender="2",
            nation=None,
            birth_date=date(1994, 8, 23),
            address="广东省深圳市福田区示例大道100号",
            id_number=make_id_number("810000", date(1994, 8, 23), 10, "女"),
            issuer="深圳市公安局福田分局",
            valid_from=date(2023, 3, 15),
            valid_until=date(2028, 3, 15),
            photo=placeholder_photo(3),
            pass_number="H61234567",
            issue_count=1,
        ),
        IdCardData(
            card_type="foreigner_pr",
            name="史密斯·约翰",
            gender="1",
            nation=None,
            birth_date=date(1980, 5, 6),
            address="",
            id_number=make_id_number("911840", date(1980, 5, 6), 2, "男"),  # Beijing, nationality 840
            issuer="中华人民共和国国家移民管理局",
            valid_from=date(2024, 1, 10),
            valid_until=date(2034, 1, 10),
            photo=placeholder_photo(4),
            english_name="SMITH, JOHN",
            nationality="USA",
        ),
    )


class SimulatedIdCardReader(SimulatedPlugBase):
    """A reader with a deck of cards; ``place_card(i)`` lays card i on it, ``remove_card()`` lifts it.

    ``read_delay_s`` imitates the half second a real SAM needs per read. Thread-safe: a demo
    button may place a card from the UI thread while ``read_card`` waits on the device thread.
    """

    def __init__(
        self,
        cards: Sequence[IdCardData] | None = None,
        *,
        placed: int | None = 0,
        read_delay_s: float = 0.0,
    ) -> None:
        super().__init__("idcard")
        self._deck = tuple(cards) if cards is not None else demo_cards()
        if not self._deck:
            raise ValueError("the simulated reader needs at least one card")
        self._read_delay_s = read_delay_s
        self._changed = threading.Condition()
        self._current: IdCardData | None = None
        if placed is not None:
            self.place_card(placed)

    @property
    def deck(self) -> tuple[IdCardData, ...]:
        return self._deck

    def place_card(self, index: int) -> None:
        """Lay card ``index`` of the deck on the reader (replacing any card already there)."""
        card = self._deck[index]
        with self._changed:
            self._current = card
            self._changed.notify_all()

    def remove_card(self) -> None:
        with self._changed:
            self._current = None
            self._changed.notify_all()

    def simulate_unplug(self) -> None:
        super().simulate_unplug()
        with self._changed:
            self._changed.notify_all()  # wake a waiting read_card so it fails at once

    def card_present(self) -> bool:
        self._require_plugged()
        with self._changed:
            return self._current is not None

    def read_card(self, timeout_s: float = 3.0) -> IdCardData:
        self._require_plugged()
        with self._changed:
            self._changed.wait_for(
                lambda: self._current is not None or not self.is_present(), timeout=max(timeout_s, 0.0)
            )
            card = self._current
        self._require_plugged()
        if card is None:
            raise NoCardPresent()
        if self._read_delay_s > 0:
            time.sleep(self._read_delay_s)
        with self._changed:
            if self._current is not card:
                raise NoCardPresent("证件在读取过程中被移开，请重新放置并保持不动。")
        return card


def create(context: DriverContext) -> SimulatedIdCardReader:
    """Factory for the DeviceManager: the default deck, first card placed, a believable read delay."""
    return SimulatedIdCardReader(read_delay_s=0.2)
