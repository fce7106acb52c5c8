"""Contact/contactless smart-card reading (智能卡读卡): the social security card (社保卡) and staff cards.

What a reader gives: the card's ATR, its chip serial (UID) and, for a social security card, the
freely readable basic fields of files EF05 (card) and EF06 (holder) — see idcard.md §4.2.
PC/SC cannot read the ID card's contents; that is the idcard kind's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

from app.errors import DeviceUnavailable
from app.masking import mask_id_number
from devices.idcard.codes import gender_name, nation_name


@dataclass(frozen=True, repr=False)
class SocialSecurityCardData:
    """社保卡基本信息: EF05 (card) and EF06 (holder) fields. ``gender``/``nation`` keep their codes.

    ``repr()`` masks the social security number (it equals the holder's ID number).
    """

    card_id_code: str  # 卡识别码: the first 6 digits are the issuing region
    card_type: str  # 卡类别
    spec_version: str  # 规范版本
    issue_date: date | None
    valid_until: date | None
    card_number: str  # 社会保障卡卡号
    social_security_number: str  # 社会保障号码
    name: str
    gender: str
    nation: str
    birth_date: date | None

    @property
    def region_code(self) -> str:
        return self.card_id_code[:6]

    @property
    def gender_name(self) -> str:
        return gender_name(self.gender)

    @property
    def nation_name(self) -> str:
        return nation_name(self.nation)

    def __repr__(self) -> str:
        return (
            f"SocialSecurityCardData(region_code={self.region_code!r}, "
            f"social_security_number={mask_id_number(self.social_security_number)!r}, "
            f"valid_until={self.valid_until!r})"
        )


@dataclass(frozen=True)
class SmartCard:
    """One read of the inserted card. ``social_security`` is None for cards without the 社保 application."""

    atr: bytes
    chip_serial: bytes
    social_security: SocialSecurityCardData | None

    @property
    def chip_serial_hex(self) -> str:
        """The serial as shown to users and stored for staff cards: upper-case hex, no spaces."""
        return self.chip_serial.hex().upper()


class NoCardInserted(DeviceUnavailable):
    """No card sits in (or on) the reader."""

    def __init__(self, message: str = "未检测到卡片，请插入社保卡或将卡片放在读卡器上后重试。") -> None:
        super().__init__(message, device="smartcard")


class CardCommandFailed(DeviceUnavailable):
    """The card answered a command with an error status; ``status`` holds SW1 SW2."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message, device="smartcard")
        self.status = status


@runtime_checkable
class SmartCardReader(Protocol):
    """社保卡/智能卡读卡器. Call only from the device's own thread."""

    def card_present(self) -> bool:
        """True while a card is inserted."""
        ...

    def read_card(self, timeout_s: float = 3.0) -> SmartCard:
        """Wait up to ``timeout_s`` for a card and read ATR, serial and social security fields.

        Raises NoCardInserted, CardCommandFailed, or DeviceUnavailable when the reader is gone.
        """
        ...
