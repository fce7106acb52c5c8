"""Masks shown on screen and paper, and the scrubber used by the log filter."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.masking import mask_bank_card, mask_id_number, mask_name, mask_phone, scrub_text
from app.regions import PROVINCES
from app.validation import make_id_number


def test_mask_id_number_keeps_first_and_last_four() -> None:
    assert mask_id_number("340823199001011234") == "3408**********1234"
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number("110105491231002") == "1101*******1002"


def test_mask_id_number_hides_short_values_completely() -> None:
    assert mask_id_number("12345678") == "********"
    assert mask_id_number("") == ""


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), ("买买提·艾力", "买**·**"), ("张", "*"), ("", "")],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("01012345678", "010****5678"), ("1234567", "*****67"), ("12", "**")],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_mask_bank_card_keeps_last_four() -> None:
    assert mask_bank_card("6222021234567890123") == "***************0123"
    assert mask_bank_card("6222 0212 3456 7890 123") == "***************0123"
    assert mask_bank_card("123") == "***"


def test_scrub_text_masks_ids_and_mobiles_in_a_log_line() -> None:
    line = "read card 11010519491231002X ok; old id 110105491231002; tel 13812345678."
    assert scrub_text(line) == "read card 1101**********002X ok; old id 1101*******1002; tel 138****5678."


def test_scrub_text_handles_lowercase_x_and_id_glued_to_words() -> None:
    assert scrub_text("id=11010519491231002x,") == "id=1101**********002x,"
    assert scrub_text("abc440308199901101512def") == "abc4403**********1512def"


def test_scrub_text_masks_an_id_even_when_a_digit_follows_the_x() -> None:
    assert "11010519491231002X" not in scrub_text("11010519491231002X7")


def test_scrub_text_masks_mobile_with_country_prefix() -> None:
    assert scrub_text("call +86 13812345678 now") == "call +86 138****5678 now"
    assert scrub_text("call 8613812345678") == "call 86138****5678"


@pytest.mark.parametrize(
    "text",
    [
        "card 6222021234567890123 paid",  # 19 digits: a card, not an ID
        "order 1234567890123456",  # 16 digits
        "batch 12345678901234567",  # 17 digits
        "ticket 12812345678",  # 11 digits but not a mobile
        "no numbers here at all",
        "",
    ],
)
def test_scrub_text_leaves_other_numbers_alone(text: str) -> None:
    assert scrub_text(text) == text


_ids = st.builds(
    make_id_number,
    st.builds(
        lambda p, rest: p + rest,
        st.sampled_from(sorted(PROVINCES)),
        st.from_regex(r"[0-9]{4}", fullmatch=True),
    ),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date.today()),
    st.integers(0, 499),
    st.sampled_from(["男", "女"]),
)
_no_digits = st.text(alphabet=st.characters(exclude_categories=("Nd",)), max_size=20)
# Two IDs glued together form one 36-digit run, which by design is not an ID; keep them apart.
_separators = st.text(alphabet=st.characters(exclude_categories=("Nd",)), min_size=1, max_size=20)


@given(st.lists(st.tuples(_separators, _ids), min_size=1, max_size=4), _no_digits)
def test_scrub_text_never_leaves_a_full_id_number(parts: list[tuple[str, str]], tail: str) -> None:
    text = "".join(prefix + number for prefix, number in parts) + tail
    scrubbed = scrub_text(text)
    for _, number in parts:
        assert number not in scrubbed
        assert mask_id_number(number) in scrubbed
