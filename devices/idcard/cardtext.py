"""Card text (证件文字信息): the 256-byte UCS-2 block every ID-card reader path returns.

One parser serves the serial, USB and vendor-DLL paths (shared/reference/idcard.md §2). Bytes
248–249 name the layout: blank for the resident ID card, ``J`` for the HK/Macao/Taiwan residence
permit, ``I`` for the 2017 foreigner PR card and ``Y`` for the 2023 one. The layouts are data below.

A block that does not hold together (number failing its check, birth date or gender disagreeing
with the number, unreadable dates) raises CardDataInvalid: a bad read must never become a record.
Messages never quote the card's data, so they are safe to show and to log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Final

from app.errors import ValidationError
from app.validation import check_foreigner_pr_number_2017, check_id_number
from devices.idcard.base import CardDataInvalid, CardType, IdCardData
from devices.idcard.codes import GENDER_NAMES

TEXT_SIZE: Final = 256
MARKER: Final = (248, 2)
LONG_TERM: Final = "长期"
#: PR cards carry no issuer text; this is what their face prints.
PR_ISSUER: Final = "中华人民共和国国家移民管理局"

Layout = Mapping[str, tuple[int, int]]  # field → (byte offset, byte size)

RESIDENT_LAYOUT: Final[Layout] = MappingProxyType(
    {
        "name": (0, 30), "gender": (30, 2), "nation": (32, 4), "birth": (36, 16),
        "address": (52, 70), "number": (122, 36), "issuer": (158, 30),
        "valid_from": (188, 16), "valid_until": (204, 16),
    }
)  # fmt: skip

HMT_LAYOUT: Final[Layout] = MappingProxyType(
    {
        "name": (0, 30), "gender": (30, 2), "birth": (36, 16), "address": (52, 70),
        "number": (122, 36), "issuer": (158, 30), "valid_from": (188, 16), "valid_until": (204, 16),
        "pass_number": (220, 18), "issue_count": (238, 4),
    }
)  # fmt: skip

PR2017_LAYOUT: Final[Layout] = MappingProxyType(
    {
        "english_name": (0, 120), "gender": (120, 2), "number": (122, 30), "nationality": (152, 6),
        "name": (158, 30), "valid_from": (188, 16), "valid_until": (204, 16), "birth": (220, 16),
        "card_version": (236, 4), "authority_code": (240, 8),
    }
)  # fmt: skip

PR2023_LAYOUT: Final[Layout] = MappingProxyType(
    {
        "name": (0, 30), "gender": (30, 2), "renewal_count": (32, 4), "birth": (36, 16),
        "english_name": (52, 70), "number": (122, 36), "valid_from": (188, 16),
        "valid_until": (204, 16), "english_name_more": (220, 22), "nationality": (242, 6),
        "previous_number_link": (250, 6),
    }
)  # fmt: skip

#: Marker character at bytes 248–249 → (card type, layout); blank or NUL means resident.
LAYOUTS: Final[Mapping[str, tuple[CardType, Layout]]] = MappingProxyType(
    {
        "": ("resident", RESIDENT_LAYOUT),
        "J": ("hmt_residence", HMT_LAYOUT),
        "I": ("foreigner_pr", PR2017_LAYOUT),
        "Y": ("foreigner_pr", PR2023_LAYOUT),
    }
)

_RETRY = "，可能是读卡出错。请取下证件重新放置后再读；仍不行请人工核验证件。"
_EXPECTED_KIND: Final[Mapping[str, str]] = MappingProxyType(
    {"": "resident", "J": "hmt_residence", "Y": "foreigner_pr"}
)
_GENDER_CODES: Final[Mapping[str, str]] = MappingProxyType({"男": "1", "女": "2"})


def _invalid(problem: str) -> CardDataInvalid:
    return CardDataInvalid(problem + _RETRY)


def _raw_field(text: bytes, layout: Layout, name: str) -> str:
    offset, size = layout[name]
    return text[offset : offset + size].decode("utf-16-le")


def _field(text: bytes, layout: Layout, name: str) -> str:
    return _raw_field(text, layout, name).strip(" \x00")


def _date(value: str, what: str) -> date:
    if len(value) == 8 and value.isascii() and value.isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    raise _invalid(f"证件上的{what}无法识别")


def _count(value: str, what: str) -> int | None:
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return int(value)
    raise _invalid(f"证件上的{what}无法识别")


def decode_card_text(text: bytes, *, photo_wlt: bytes = b"", photo: bytes = b"") -> IdCardData:
    """The card in a 256-byte text block; CardDataInvalid when the block does not hold together."""
    if len(text) != TEXT_SIZE:
        raise _invalid(f"证件文字信息长度不对（{len(text)}字节，应为{TEXT_SIZE}字节）")
    try:
        marker = _field(text, {"marker": MARKER}, "marker")
        entry = LAYOUTS.get(marker)
        if entry is None:
            raise _invalid("无法识别的证件类型")
        card_type, layout = entry
        fields = {name: _field(text, layout, name) for name in layout}
        if fields.get("english_name_more"):
            # A name longer than 35 characters runs on at byte 220; a space at the cut must survive.
            fields["english_name"] = _raw_field(text, layout, "english_name")
    except UnicodeDecodeError:
        raise _invalid("证件文字信息无法解码") from None

    gender = fields["gender"]
    if gender not in GENDER_NAMES:
        raise _invalid("证件上的性别代码无法识别")
    birth = _date(fields["birth"], "出生日期")
    valid_until_text = fields["valid_until"]
    valid_until = (
        None if valid_until_text.startswith(LONG_TERM) else _date(valid_until_text, "有效期截止日期")
    )
    number = fields["number"]
    if marker == "I":
        _check_pr2017_number(number, birth)
    else:
        _check_gb11643_number(number, marker, birth, gender)

    is_pr = card_type == "foreigner_pr"
    english = (fields.get("english_name", "") + fields.get("english_name_more", "")).strip()
    return IdCardData(
        card_type=card_type,
        name=fields["name"] or english,
        gender=gender,
        nation=fields.get("nation") or None,
        birth_date=birth,
        address=fields.get("address", ""),
        id_number=number,
        issuer=PR_ISSUER if is_pr else fields["issuer"],
        valid_from=_date(fields["valid_from"], "有效期起始日期"),
        valid_until=valid_until,
        photo=photo,
        english_name=english or None,
        nationality=fields.get("nationality") or None,
        pass_number=fields.get("pass_number") or None,
        issue_count=_count(fields.get("issue_count", ""), "签发次数"),
        photo_wlt=photo_wlt,
        renewal_count=_count(fields.get("renewal_count", ""), "换证次数"),
    )


def _check_gb11643_number(number: str, marker: str, birth: date, gender: str) -> None:
    try:
        info = check_id_number(number)
    except ValidationError:
        raise _invalid("证件号码未通过校验") from None
    if info.kind != _EXPECTED_KIND[marker]:
        raise _invalid("证件号码与证件类型不符")
    if info.birth_date != birth:
        raise _invalid("证件号码中的出生日期与证件上的出生日期不一致")
    if gender in ("1", "2") and _GENDER_CODES[info.gender] != gender:
        raise _invalid("证件号码中的性别与证件上的性别不一致")


def _check_pr2017_number(number: str, birth: date) -> None:
    try:
        info = check_foreigner_pr_number_2017(number)
    except ValidationError:
        raise _invalid("永久居留身份证号码未通过校验") from None
    if info.birth_yymmdd != birth.strftime("%y%m%d"):
        raise _invalid("证件号码中的出生日期与证件上的出生日期不一致")


def _put(block: bytearray, layout: Layout, name: str, value: str) -> None:
    offset, size = layout[name]
    encoded = value.encode("utf-16-le")
    if len(encoded) > size:
        raise ValueError(f"field {name} holds {size // 2} characters, got {len(value)}")
    block[offset : offset + size] = _pad(encoded, size)


def _pad(encoded: bytes, size: int) -> bytes:
    return encoded + " ".encode("utf-16-le") * ((size - len(encoded)) // 2)


def _iso(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def encode_card_text(card: IdCardData) -> bytes:
    """The 256-byte block a SAM returns for ``card`` (for simulators and tests); the inverse of decode.

    A foreigner card whose number starts with 9 gets the 2023 layout, any other the 2017 one.
    """
    if card.card_type == "resident":
        marker, layout = "", RESIDENT_LAYOUT
    elif card.card_type == "hmt_residence":
        marker, layout = "J", HMT_LAYOUT
    else:
        marker = "Y" if card.id_number.startswith("9") else "I"
        layout = LAYOUTS[marker][1]
    block = bytearray(_pad(b"", TEXT_SIZE))
    values: dict[str, str] = {
        "name": card.name,
        "gender": card.gender,
        "birth": _iso(card.birth_date),
        "number": card.id_number,
        "valid_from": _iso(card.valid_from),
        "valid_until": LONG_TERM if card.valid_until is None else _iso(card.valid_until),
    }
    if marker in ("", "J"):
        values.update(address=card.address, issuer=card.issuer)
    if marker == "":
        values["nation"] = card.nation or ""
    if marker == "J":
        values["pass_number"] = card.pass_number or ""
        values["issue_count"] = "" if card.issue_count is None else f"{card.issue_count:02d}"
    if marker in ("I", "Y"):
        values["nationality"] = card.nationality or ""
        english = card.english_name or ""
        if marker == "Y":
            cut = PR2023_LAYOUT["english_name"][1] // 2
            values.update(english_name=english[:cut], english_name_more=english[cut:])
            values["renewal_count"] = "" if card.renewal_count is None else f"{card.renewal_count:02d}"
        else:
            values["english_name"] = english
    for name, value in values.items():
        _put(block, layout, name, value)
    _put(block, {"marker": MARKER}, "marker", marker)
    return bytes(block)
