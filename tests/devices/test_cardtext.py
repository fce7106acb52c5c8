"""Card-text blocks built from the byte tables of idcard.md §2, by offset, independent of the encoder."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import ValidationError
from app.validation import check_foreigner_pr_number_2017, make_id_number, pr2017_check_digit
from devices.idcard.base import CardDataInvalid, IdCardData
from devices.idcard.cardtext import decode_card_text, encode_card_text
from devices.idcard.simulated import demo_cards

RESIDENT_NUMBER = make_id_number("110105", date(1949, 12, 31), 1, "女")  # 11010519491231002X
HK_NUMBER = make_id_number("810000", date(1994, 8, 23), 10, "女")
PR2023_NUMBER = make_id_number("911840", date(1980, 5, 6), 2, "男")
# Check digit worked by hand (weights 7,3,1; U=30 S=28 A=10): 210+84+10+7+3+0+0+24+0+0+15+0+42+3 = 398 → 8.
PR2017_NUMBER = "USA110080050618"


def block(fields: list[tuple[int, int, str]]) -> bytes:
    """256 bytes of UTF-16LE spaces with each (offset, size, text) written in place."""
    data = bytearray(" ".encode("utf-16-le") * 128)
    for offset, size, text in fields:
        encoded = text.encode("utf-16-le")
        assert len(encoded) <= size, text
        data[offset : offset + len(encoded)] = encoded
    return bytes(data)


def resident_block(**overrides: str) -> bytes:
    values = {
        "name": "张三丰",
        "gender": "2",
        "nation": "01",
        "birth": "19491231",
        "address": "北京市朝阳区示例路1号",
        "number": RESIDENT_NUMBER,
        "issuer": "北京市公安局朝阳分局",
        "from": "20100101",
        "until": "20300101",
    }
    values.update(overrides)
    return block(
        [
            (0, 30, values["name"]),
            (30, 2, values["gender"]),
            (32, 4, values["nation"]),
            (36, 16, values["birth"]),
            (52, 70, values["address"]),
            (122, 36, values["number"]),
            (158, 30, values["issuer"]),
            (188, 16, values["from"]),
            (204, 16, values["until"]),
        ]
    )


def test_resident_card() -> None:
    card = decode_card_text(resident_block(), photo_wlt=b"w" * 1024, photo=b"png")
    assert card.card_type == "resident"
    assert (card.name, card.gender_name, card.nation_name) == ("张三丰", "女", "汉")
    assert card.birth_date == date(1949, 12, 31)
    assert card.address == "北京市朝阳区示例路1号"
    assert card.id_number == RESIDENT_NUMBER
    assert card.issuer == "北京市公安局朝阳分局"
    assert (card.valid_from, card.valid_until) == (date(2010, 1, 1), date(2030, 1, 1))
    assert (card.photo_wlt, card.photo) == (b"w" * 1024, b"png")
    assert card.pass_number is None and card.english_name is None


def test_resident_card_with_nul_padding_instead_of_spaces() -> None:
    text = bytes(256)
    padded = bytearray(text)
    source = resident_block()
    for i in range(0, 248, 2):
        if source[i : i + 2] != b" \x00":
            padded[i : i + 2] = source[i : i + 2]
    assert decode_card_text(bytes(padded)).name == "张三丰"


def test_long_term_end_date_means_no_end() -> None:
    card = decode_card_text(resident_block(until="长期"))
    assert card.valid_until is None
    assert card.is_valid_on(date(2090, 1, 1))


def test_hk_macao_taiwan_residence_permit() -> None:
    text = block(
        [
            (0, 30, "陈嘉欣"),
            (30, 2, "2"),
            (36, 16, "19940823"),
            (52, 70, "广东省深圳市福田区示例大道100号"),
            (122, 36, HK_NUMBER),
            (158, 30, "深圳市公安局福田分局"),
            (188, 16, "20230315"),
            (204, 16, "20280315"),
            (220, 18, "H61234567"),
            (238, 4, "03"),
            (248, 2, "J"),
        ]
    )
    card = decode_card_text(text)
    assert card.card_type == "hmt_residence"
    assert card.nation is None
    assert (card.pass_number, card.issue_count) == ("H61234567", 3)
    assert card.id_number == HK_NUMBER
    assert card.valid_until == date(2028, 3, 15)


def pr2017_block(number: str = PR2017_NUMBER, birth: str = "19800506") -> bytes:
    return block(
        [
            (0, 120, "SMITH JOHN WILLIAM"),
            (120, 2, "1"),
            (122, 30, number),
            (152, 6, "USA"),
            (158, 30, "史密斯"),
            (188, 16, "20170601"),
            (204, 16, "20270601"),
            (220, 16, birth),
            (236, 4, "01"),
            (240, 8, "1100"),
            (248, 2, "I"),
        ]
    )


def test_foreigner_pr_card_2017() -> None:
    card = decode_card_text(pr2017_block())
    assert card.card_type == "foreigner_pr"
    assert (card.name, card.english_name, card.nationality) == ("史密斯", "SMITH JOHN WILLIAM", "USA")
    assert card.id_number == PR2017_NUMBER
    assert card.birth_date == date(1980, 5, 6)
    assert (card.valid_from, card.valid_until) == (date(2017, 6, 1), date(2027, 6, 1))
    assert card.gender_name == "男"
    assert card.address == ""


def test_foreigner_pr_card_2023_with_an_english_name_running_on() -> None:
    english = "MONTGOMERY-WORTHINGTON, ALEXANDER JAMES"  # 40 characters: 35 at byte 52, 5 at byte 220
    text = block(
        [
            (0, 30, "蒙哥马利"),
            (30, 2, "1"),
            (32, 4, "02"),
            (36, 16, "19800506"),
            (52, 70, english[:35]),
            (122, 36, PR2023_NUMBER),
            (188, 16, "20240110"),
            (204, 16, "20340110"),
            (220, 22, english[35:]),
            (242, 6, "USA"),
            (248, 2, "Y"),
        ]
    )
    card = decode_card_text(text)
    assert card.card_type == "foreigner_pr"
    assert card.english_name == english
    assert (card.name, card.nationality, card.renewal_count) == ("蒙哥马利", "USA", 2)
    assert card.id_number == PR2023_NUMBER
    assert card.birth_date == date(1980, 5, 6)


def _assert_invalid(text: bytes, *fragments: str, hidden: str = RESIDENT_NUMBER) -> None:
    with pytest.raises(CardDataInvalid) as caught:
        decode_card_text(text)
    message = str(caught.value)
    assert "请" in message
    for fragment in fragments:
        assert fragment in message
    assert hidden not in message and hidden[-4:] not in message


def test_number_failing_its_check_is_reported_not_accepted() -> None:
    broken = RESIDENT_NUMBER[:17] + ("0" if RESIDENT_NUMBER[17] != "0" else "1")
    _assert_invalid(resident_block(number=broken), "校验", hidden=broken)


def test_birth_date_disagreeing_with_the_number_is_reported() -> None:
    _assert_invalid(resident_block(birth="19491230"), "出生日期")


def test_gender_disagreeing_with_the_number_is_reported() -> None:
    _assert_invalid(resident_block(gender="1"), "性别")


def test_number_of_another_card_type_is_reported() -> None:
    _assert_invalid(resident_block(number=HK_NUMBER, birth="19940823"), "证件类型", hidden=HK_NUMBER)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (resident_block(birth="1949123"), "出生日期"),
        (resident_block(until="20301301"), "有效期"),
        (resident_block(gender="5"), "性别"),
        (resident_block()[:200], "长度"),
        (resident_block()[:248] + "Z".encode("utf-16-le") + resident_block()[250:], "证件类型"),
        (resident_block()[:10] + b"\x00\xd8" + resident_block()[12:], "解码"),  # lone surrogate
    ],
)
def test_unreadable_fields_are_reported(text: bytes, fragment: str) -> None:
    _assert_invalid(text, fragment)


def test_2017_number_failing_its_check_or_disagreeing_with_the_birth_date() -> None:
    _assert_invalid(pr2017_block(number=PR2017_NUMBER[:14] + "9"), "校验", hidden=PR2017_NUMBER[:14])
    _assert_invalid(pr2017_block(birth="19800507"), "出生日期", hidden=PR2017_NUMBER)


@pytest.mark.parametrize("card", demo_cards(), ids=lambda card: card.card_type)
def test_encode_then_decode_round_trips(card: IdCardData) -> None:
    card = replace(card, photo=b"")
    assert decode_card_text(encode_card_text(card)) == card


def test_round_trip_of_the_2017_layout_and_the_encoder_matches_the_table() -> None:
    card = decode_card_text(pr2017_block())
    encoded = encode_card_text(card)
    assert decode_card_text(encoded) == card
    assert encoded[248:250] == "I".encode("utf-16-le")
    assert encoded[122:152].decode("utf-16-le").strip() == PR2017_NUMBER
    assert encoded[220:236].decode("utf-16-le") == "19800506"


def test_encoder_refuses_fields_too_long_for_their_slot() -> None:
    card = replace(demo_cards()[0], name="名" * 16)
    with pytest.raises(ValueError):
        encode_card_text(card)


@given(st.binary(min_size=256, max_size=256))
def test_random_blocks_are_decoded_or_reported_never_crash(text: bytes) -> None:
    with contextlib.suppress(CardDataInvalid):
        decode_card_text(text)


# --- 2017 foreigner PR number (app.validation) -------------------------------------------------


def test_2017_pr_number_is_split_into_its_parts() -> None:
    info = check_foreigner_pr_number_2017(" usa110080050618 ")
    assert (info.number, info.nationality, info.province, info.birth_yymmdd) == (
        PR2017_NUMBER,
        "USA",
        "北京市",
        "800506",
    )
    assert pr2017_check_digit(PR2017_NUMBER[:14]) == "8"


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("", "请输入"),
        ("USA11008005061", "15位"),
        ("US1110080050618", "第3位"),
        ("USA1100800506A8", "第14位"),
        ("USA990080050618", "地区代码"),
        ("USA110080023010", "出生日期"),
        ("USA110080050617", "校验位"),
    ],
)
def test_2017_pr_number_errors_say_what_is_wrong(number: str, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        check_foreigner_pr_number_2017(number)
