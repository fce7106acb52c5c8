"""ID-card reading (身份证读取): the reader role, the data read from the chip, and its errors.

Three cards share one reader and one data type (see shared/reference/idcard.md §2):
the resident ID card (居民身份证), the HK/Macao/Taiwan residence permit (港澳台居民居住证) and the
foreigner permanent-residence card (外国人永久居留身份证).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol, runtime_checkable

from app.errors import DeviceUnavailable
from app.masking import mask_id_number
from devices.idcard.codes import gender_name, nation_name

CardType = Literal["resident", "hmt_residence", "foreigner_pr"]

CARD_TYPE_NAMES: dict[CardType, str] = {
    "resident": "居民身份证",
    "hmt_residence": "港澳台居民居住证",
    "foreigner_pr": "外国人永久居留身份证",
}


@dataclass(frozen=True, repr=False)
class IdCardData:
    """What one read of an ID card returns: the chip's text fields and the holder's photo.

    ``gender`` and ``nation`` keep the chip's codes (GB/T 2261.1, GB/T 3304); ``gender_name`` and
    ``nation_name`` give the printed names. ``nation`` is None on permits and PR cards, which carry
    no nation code. ``valid_until`` None means 长期 (long-term). ``photo`` holds encoded image bytes
    (JPEG or PNG), or b"" when the reader cannot decode the chip photo.

    ``repr()`` masks the ID number and leaves out the photo, so an accidental log line leaks neither.
    """

    card_type: CardType
    name: str
    gender: str
    nation: str | None
    birth_date: date
    address: str
    id_number: str
    issuer: str
    valid_from: date
    valid_until: date | None
    photo: bytes
    english_name: str | None = None
    nationality: str | None = None  # ISO 3166-1 alpha-3, PR cards only
    pass_number: str | None = None  # 通行证号码, HMT permits only
    issue_count: int | None = None  # 签发次数, HMT permits only
    photo_wlt: bytes = b""  # the chip's raw 1024-byte WLT photo, kept (encrypted) even when undecoded
    renewal_count: int | None = None  # 换证次数, 2023 PR cards only

    @property
    def gender_name(self) -> str:
        return gender_name(self.gender)

    @property
    def nation_name(self) -> str:
        return "" if self.nation is None else nation_name(self.nation)

    @property
    def card_type_name(self) -> str:
        return CARD_TYPE_NAMES[self.card_type]

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def photo_decoded(self) -> bool:
        """False when the reader returned only the raw WLT photo (no licensed decoder configured)."""
        return bool(self.photo)

    def is_valid_on(self, day: date) -> bool:
        """True when the card is within its validity period on ``day``."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def __repr__(self) -> str:
        return (
            f"IdCardData(card_type={self.card_type!r}, id_number={self.masked_id_number!r}, "
            f"valid_until={self.valid_until!r}, photo=<{len(self.photo)} bytes>)"
        )


class NoCardPresent(DeviceUnavailable):
    """No card lies on the reader (or it was taken away before the read finished)."""

    def __init__(self, message: str = "未检测到证件，请将身份证平放在阅读器上后重试。") -> None:
        super().__init__(message, device="idcard")


class CardReadFailed(DeviceUnavailable):
    """The reader found a card but could not read it; the card must be lifted and placed again."""

    def __init__(self, message: str = "读取证件失败，请取下证件后重新放置再试。") -> None:
        super().__init__(message, device="idcard")


class CardDataInvalid(CardReadFailed):
    """The chip's text could be read but does not hold together (e.g. the ID number fails its check).

    Reported to the clerk, never accepted silently: a bad read must not become an applicant record.
    """


class FrameError(ValueError):
    """A GA/T 467 frame with a bad preamble, length or checksum (see idcard.md §1.2).

    Not user-facing by itself: drivers turn it into CardReadFailed after their retries.
    """


@runtime_checkable
class IdCardReader(Protocol):
    """身份证阅读器: reads the card lying on it. Call only from the device's own thread."""

    def read_card(self, timeout_s: float = 3.0) -> IdCardData:
        """Wait up to ``timeout_s`` for a card and read it.

        Raises NoCardPresent when none arrives in time, CardReadFailed when the read fails,
        DeviceUnavailable when the reader itself is gone.
        """
        ...

    def card_present(self) -> bool:
        """True while a card lies on the reader."""
        ...
