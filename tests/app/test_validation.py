"""ID numbers, credit codes, mobile numbers and bank cards: what a clerk types, what they are told."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import ValidationError
from app.regions import HMT_PERMIT_REGIONS, PROVINCES
from app.validation import (
    USCC_CHARSET,
    USCC_REGISTRATION_CATEGORIES,
    check_bank_card,
    check_id_number,
    check_mobile,
    check_uscc,
    id_check_digit,
    luhn_check_digit,
    make_id_number,
    org_code_check_char,
    uscc_check_char,
)

TODAY = datetime.date.today()


def _id_with_valid_check(first17: str) -> str:
    return first17 + id_check_digit(first17)


def _id_error(s: str, **kwargs: datetime.date) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        check_id_number(s, **kwargs)
    assert excinfo.value.field == "id_number"
    return excinfo.value


# --- ID numbers ------------------------------------------------------------------------------


def test_standard_sample_is_valid_and_decoded() -> None:
    info = check_id_number("11010519491231002X")
    assert info.number == "11010519491231002X"
    assert info.region_code == "110105"
    assert info.province == "北京市"
    assert info.birth_date == datetime.date(1949, 12, 31)
    assert info.gender == "女"  # 17th digit 2 is even
    assert info.kind == "resident"
    assert info.kind_label == "居民身份证"


def test_male_sample_from_reference() -> None:
    info = check_id_number("440308199901101512")
    assert info.gender == "男"
    assert info.province == "广东省"


def test_spaces_lowercase_x_and_full_width_input_are_normalised() -> None:
    assert check_id_number(" 110105 19491231 002x ").number == "11010519491231002X"
    assert check_id_number("１１０１０５１９４９１２３１００２Ｘ").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "region", "province"),
    [
        ("810000199408230021", "810000", "香港特别行政区"),
        ("830000199201300022", "830000", "台湾省"),
    ],
)
def test_hmt_residence_permits_are_valid(number: str, region: str, province: str) -> None:
    info = check_id_number(number)
    assert info.kind == "hmt_residence"
    assert info.region_code == region
    assert info.province == province


def test_hmt_permit_with_county_code_is_rejected() -> None:
    err = _id_error(_id_with_valid_check("81010119940823002"))
    assert "前6位应为810000" in str(err)


def test_foreigner_permanent_residence_number() -> None:
    number = make_id_number("931156", datetime.date(1985, 6, 30), 7, "男")
    info = check_id_number(number)
    assert number.startswith("931156")
    assert info.kind == "foreigner_pr"
    assert info.kind_label == "外国人永久居留身份证"
    assert info.region_code == "310000"
    assert info.province == "上海市"
    assert info.birth_date == datetime.date(1985, 6, 30)
    assert info.gender == "男"


def test_foreigner_number_with_unknown_issuing_province_is_rejected() -> None:
    err = _id_error(_id_with_valid_check("90015619850630015"))
    assert "地区代码00不是有效的省份代码" in str(err)


def test_empty_input_asks_for_a_number() -> None:
    assert str(_id_error("  ")) == "请输入身份证号码"


def test_wrong_length_says_how_many_digits() -> None:
    assert str(_id_error("11010519491231002")) == "身份证号码应为18位，现在是17位"
    assert "现在是19位" in str(_id_error("11010519491231002X1"))


def test_letter_in_the_middle_names_the_position() -> None:
    err = _id_error("11010519491231A02X")
    assert "第15位“A”不对" in str(err)


def test_wrong_check_digit_says_what_it_should_be() -> None:
    err = _id_error("110105194912310021")
    assert str(err).startswith("身份证号码校验位不对：最后一位应为X，请核对后重新输入")


def test_impossible_birth_date_is_named() -> None:
    err = _id_error(_id_with_valid_check("11010520230230001"))
    assert "出生日期20230230不存在" in str(err)


def test_birth_date_in_the_future_is_rejected() -> None:
    number = _id_with_valid_check("11010520261122001")
    err = _id_error(number, today=datetime.date(2026, 11, 21))
    assert "出生日期20261122晚于今天" in str(err)
    assert check_id_number(number, today=datetime.date(2026, 11, 22)).birth_date == datetime.date(
        2026, 11, 22
    )


def test_birth_date_before_1900_is_rejected() -> None:
    err = _id_error(_id_with_valid_check("11010518991231001"))
    assert "出生日期18991231早于1900年" in str(err)


@pytest.mark.parametrize("prefix", ["00", "19", "66", "80", "84"])
def test_unknown_province_is_named(prefix: str) -> None:
    err = _id_error(_id_with_valid_check(prefix + "010519491231002"))
    assert f"地区代码{prefix}不是有效的省份代码" in str(err)


def test_id_check_digit_known_value_and_bad_input() -> None:
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44030819990110151") == "2"
    with pytest.raises(ValueError):
        id_check_digit("1101051949123100")
    with pytest.raises(ValueError):
        id_check_digit("1101051949123100A")


def test_make_id_number_reproduces_the_standard_sample() -> None:
    assert make_id_number("110105", datetime.date(1949, 12, 31), 1, "女") == "11010519491231002X"


@pytest.mark.parametrize(
    ("region", "birth", "sequence", "gender"),
    [
        ("110105", datetime.date(1990, 1, 1), 0, "M"),
        ("110105", datetime.date(1990, 1, 1), 500, "男"),
        ("110105", datetime.date(1990, 1, 1), -1, "男"),
        ("11010", datetime.date(1990, 1, 1), 1, "男"),
        ("000000", datetime.date(1990, 1, 1), 1, "男"),
        ("110105", datetime.date(1899, 12, 31), 1, "男"),
        ("110105", TODAY + datetime.timedelta(days=1), 1, "男"),
    ],
)
def test_make_id_number_refuses_what_would_not_validate(
    region: str, birth: datetime.date, sequence: int, gender: str
) -> None:
    with pytest.raises(ValueError):
        make_id_number(region, birth, sequence, gender)


_resident_regions = st.builds(
    lambda p, rest: p + rest, st.sampled_from(sorted(PROVINCES)), st.from_regex(r"[0-9]{4}", fullmatch=True)
)
_hmt_regions = st.sampled_from([code + "0000" for code in sorted(HMT_PERMIT_REGIONS)])
_foreigner_regions = st.builds(
    lambda p, nat: "9" + p + nat,
    st.sampled_from(sorted(PROVINCES)),
    st.from_regex(r"[0-9]{3}", fullmatch=True),
)
_regions = st.one_of(_resident_regions, _hmt_regions, _foreigner_regions)
_births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY)
_genders = st.sampled_from(["男", "女"])


@given(_regions, _births, st.integers(0, 499), _genders)
def test_made_numbers_validate_and_round_trip(
    region: str, birth: datetime.date, sequence: int, gender: str
) -> None:
    info = check_id_number(make_id_number(region, birth, sequence, gender))
    assert info.birth_date == birth
    assert info.gender == gender
    if region.startswith("9"):
        assert info.kind == "foreigner_pr"
        assert info.region_code == region[1:3] + "0000"
    else:
        assert info.region_code == region
        assert info.kind == ("hmt_residence" if region[:2] in HMT_PERMIT_REGIONS else "resident")


@given(_regions, _births, st.integers(0, 499), _genders, st.data())
def test_changing_any_single_character_is_rejected(
    region: str, birth: datetime.date, sequence: int, gender: str, data: st.DataObject
) -> None:
    number = make_id_number(region, birth, sequence, gender)
    position = data.draw(st.integers(0, 17))
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    with pytest.raises(ValidationError):
        check_id_number(number[:position] + replacement + number[position + 1 :])


# --- Unified social credit codes -------------------------------------------------------------


def _complete_uscc(first16: str) -> str:
    first17 = first16 + org_code_check_char(first16[8:16])
    return first17 + uscc_check_char(first17)


def _uscc_error(s: str) -> str:
    with pytest.raises(ValidationError) as excinfo:
        check_uscc(s)
    assert excinfo.value.field == "uscc"
    return str(excinfo.value)


def test_uscc_sample_is_valid_and_normalised() -> None:
    assert check_uscc("91350100M000100Y43") == "91350100M000100Y43"
    assert check_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


def test_uscc_check_helpers_match_the_sample() -> None:
    assert org_code_check_char("M000100Y") == "4"
    assert uscc_check_char("91350100M000100Y4") == "3"
    with pytest.raises(ValueError):
        uscc_check_char("91350100M000100Y")
    with pytest.raises(ValueError):
        uscc_check_char("91350100M000100O4")


def test_uscc_national_level_region_is_accepted() -> None:
    code = _complete_uscc("11100000MB012345")
    assert check_uscc(code) == code


def test_uscc_wrong_length() -> None:
    assert _uscc_error("91350100M000100Y4") == "统一社会信用代码应为18位，现在是17位"
    assert _uscc_error("") == "请输入统一社会信用代码"


def test_uscc_forbidden_letter_is_explained() -> None:
    message = _uscc_error("91350100M000100YO3")
    assert "第17位“O”不是有效字符" in message
    assert "不使用字母I、O、Z、S、V" in message


def test_uscc_unknown_registration_department() -> None:
    assert "第1位“B”不是有效的登记管理部门代码" in _uscc_error(_complete_uscc("B1350100M000100Y"))


def test_uscc_category_not_valid_for_department() -> None:
    # 工商 (9) only has categories 1, 2, 3.
    assert "第2位“9”不是工商部门的有效机构类别代码" in _uscc_error(_complete_uscc("99350100M000100Y"))


def test_uscc_bad_region() -> None:
    assert "行政区划码990100无效" in _uscc_error(_complete_uscc("91990100M000100Y"))


def test_uscc_organisation_code_check_is_verified_on_its_own() -> None:
    first17 = "91350100M000100Y5"  # org check should be 4
    code = first17 + uscc_check_char(first17)
    assert "组织机构代码校验不对：第17位应为4" in _uscc_error(code)


def test_uscc_wrong_final_check_says_what_it_should_be() -> None:
    assert _uscc_error("91350100M000100Y44").startswith("统一社会信用代码校验位不对：最后一位应为3")


_uscc_heads = st.sampled_from(
    [dept + cat for dept, (_, cats) in USCC_REGISTRATION_CATEGORIES.items() for cat in cats]
)
_uscc_regions = st.one_of(
    st.just("100000"),
    st.builds(
        lambda p, rest: p + rest,
        st.sampled_from(sorted(PROVINCES)),
        st.from_regex(r"[0-9]{4}", fullmatch=True),
    ),
)
_org_bodies = st.text(alphabet=USCC_CHARSET, min_size=8, max_size=8)
_valid_usccs = st.builds(lambda h, r, o: _complete_uscc(h + r + o), _uscc_heads, _uscc_regions, _org_bodies)


@given(_valid_usccs)
def test_built_usccs_validate(code: str) -> None:
    assert check_uscc(code) == code
    assert check_uscc(code.lower()) == code


@given(_valid_usccs, st.integers(0, 17), st.integers(1, len(USCC_CHARSET) - 1))
def test_changing_any_single_uscc_character_is_rejected(code: str, position: int, shift: int) -> None:
    replacement = USCC_CHARSET[(USCC_CHARSET.index(code[position]) + shift) % len(USCC_CHARSET)]
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ValidationError):
        check_uscc(changed)


# --- Mobile numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "86-13812345678",
        "0086 13812345678",
    ],
)
def test_mobile_forms_are_accepted(typed: str) -> None:
    assert check_mobile(typed) == "13812345678"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", "请输入手机号码"),
        ("1381234567", "手机号码应为11位，现在是10位"),
        ("12812345678", "手机号码应以13-19开头，现在是12开头"),
        ("138a2345678", "手机号码只能包含数字"),
    ],
)
def test_bad_mobile_numbers_are_explained(typed: str, expected: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        check_mobile(typed)
    assert str(excinfo.value).startswith(expected)
    assert excinfo.value.field == "mobile"


# --- Bank cards --------------------------------------------------------------------------------


def test_luhn_check_digit_known_values() -> None:
    assert luhn_check_digit("7992739871") == "3"
    assert luhn_check_digit("411111111111111") == "1"
    with pytest.raises(ValueError):
        luhn_check_digit("")


def test_bank_card_with_spaces_is_accepted() -> None:
    assert check_bank_card("4111 1111 1111 1111") == "4111111111111111"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", "请输入银行卡号"),
        ("79927398713", "银行卡号应为12到19位数字，现在是11位"),
        ("41111111111111111110", "银行卡号应为12到19位数字，现在是20位"),
        ("4111111111111112", "银行卡号校验不通过"),
        ("4111-1111-1111-111X", "银行卡号只能包含数字"),
    ],
)
def test_bad_bank_cards_are_explained(typed: str, expected: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        check_bank_card(typed)
    assert str(excinfo.value).startswith(expected)
    assert excinfo.value.field == "bank_card"


_card_payloads = st.from_regex(r"[1-9][0-9]{10,17}", fullmatch=True)


@given(_card_payloads)
def test_luhn_cards_validate(payload: str) -> None:
    card = payload + luhn_check_digit(payload)
    assert check_bank_card(card) == card


@given(_card_payloads, st.data())
def test_changing_any_single_card_digit_is_rejected(payload: str, data: st.DataObject) -> None:
    card = payload + luhn_check_digit(payload)
    position = data.draw(st.integers(0, len(card) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != card[position]]))
    with pytest.raises(ValidationError):
        check_bank_card(card[:position] + replacement + card[position + 1 :])
