from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import DeviceUnavailable
from devices.idcard import ga467
from devices.idcard.base import CardReadFailed, FrameError, NoCardPresent


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# Request frames exactly as listed in idcard.md §1.3.
REQUEST_TABLE = [
    (ga467.RESET, b"", "AA AA AA 96 69 00 03 10 FF EC"),
    (ga467.STATUS, b"", "AA AA AA 96 69 00 03 11 FF ED"),
    (ga467.READ_SAM_ID, b"", "AA AA AA 96 69 00 03 12 FF EE"),
    (ga467.FIND, b"", "AA AA AA 96 69 00 03 20 01 22"),
    (ga467.SELECT, b"", "AA AA AA 96 69 00 03 20 02 21"),
    (ga467.READ_BASE, b"", "AA AA AA 96 69 00 03 30 01 32"),
    (ga467.READ_NEW_ADDRESS, b"", "AA AA AA 96 69 00 03 30 03 30"),
    (ga467.READ_BASE_FP, b"", "AA AA AA 96 69 00 03 30 10 23"),
    ((0x61, 0xFF), b"\x50", "AA AA AA 96 69 00 04 61 FF 50 CA"),
]

# Answer frames exactly as listed in idcard.md §1.5: (frame, sw3, data).
RESPONSE_TABLE = [
    ("AA AA AA 96 69 00 04 00 00 90 94", 0x90, b""),
    ("AA AA AA 96 69 00 04 00 00 60 64", 0x60, b""),
    ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, bytes(4)),
    ("AA AA AA 96 69 00 04 00 00 80 84", 0x80, b""),
    ("AA AA AA 96 69 00 0C 00 00 90" + " 00" * 8 + " 9C", 0x90, bytes(8)),
    ("AA AA AA 96 69 00 04 00 00 81 85", 0x81, b""),
    ("AA AA AA 96 69 00 04 00 00 41 45", 0x41, b""),
]

# Every SW3 of idcard.md §1.4, typed from the table.
SW3_TABLE = [
    0x90,
    0x9F,
    0x91,
    0x10,
    0x11,
    0x21,
    0x23,
    0x24,
    0x31,
    0x32,
    0x33,
    0x40,
    0x41,
    0x47,
    0x60,
    0x66,
    0x80,
    0x81,
]


@pytest.mark.parametrize(("command", "data", "frame"), REQUEST_TABLE)
def test_request_frames_match_the_reference_byte_for_byte(
    command: tuple[int, int], data: bytes, frame: str
) -> None:
    assert ga467.encode_request(*command, data) == h(frame)
    assert ga467.decode_request(h(frame)) == (*command, data)


@pytest.mark.parametrize(("frame", "sw3", "data"), RESPONSE_TABLE)
def test_literal_answers_decode_and_re_encode_byte_for_byte(frame: str, sw3: int, data: bytes) -> None:
    response = ga467.decode_response(h(frame))
    assert (response.sw1, response.sw2, response.sw3, response.data) == (0, 0, sw3, data)
    assert ga467.encode_response(sw3, data) == h(frame)
    assert ga467.frame_length(h(frame)[:7]) == len(h(frame))


def test_ok_means_success_or_card_found_only() -> None:
    assert ga467.decode_response(h("AA AA AA 96 69 00 04 00 00 90 94")).ok
    assert ga467.decode_response(h("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")).ok
    assert not ga467.decode_response(h("AA AA AA 96 69 00 04 00 00 80 84")).ok


def test_read_base_answer_has_the_documented_size_and_layout() -> None:
    text, photo = bytes(range(256)), bytes(1024)
    frame = ga467.encode_response(0x90, struct.pack(">HH", 256, 1024) + text + photo)
    assert len(frame) == 1295
    assert frame[:14] == h("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")
    assert frame[14:270] == text
    response = ga467.decode_response(frame)
    assert ga467.split_base_info(response.data) == (text, photo, b"")


@pytest.mark.parametrize(("fingerprint", "size"), [(bytes(range(256)) * 4, 2321), (b"", 1297)])
def test_read_with_fingerprint_answer_sizes(fingerprint: bytes, size: int) -> None:
    text, photo = b"t" * 256, b"p" * 1024
    data = struct.pack(">HHH", 256, 1024, len(fingerprint)) + text + photo + fingerprint
    frame = ga467.encode_response(0x90, data)
    assert len(frame) == size
    if fingerprint:
        assert frame[:10] == h("AA AA AA 96 69 09 0A 00 00 90")
    assert ga467.split_base_info(ga467.decode_response(frame).data) == (text, photo, fingerprint)


def test_base_info_with_lengths_that_do_not_add_up_is_a_frame_error() -> None:
    with pytest.raises(FrameError):
        ga467.split_base_info(struct.pack(">HH", 256, 1024) + bytes(100))
    with pytest.raises(FrameError):
        ga467.split_base_info(b"\x01")


@pytest.mark.parametrize(
    "frame",
    [
        "AA AA AA 96 68 00 04 00 00 90 94",  # preamble
        "AA AA AA 96 69 00 05 00 00 90 94",  # length says one byte more
        "AA AA AA 96 69 00 04 00 00 90 95",  # checksum
        "AA AA AA 96 69 00 02 00 94",  # too short to hold SW1..SW3
        "AA AA AA 96",  # not even a header
        "",
    ],
)
def test_broken_answers_raise_frame_error(frame: str) -> None:
    with pytest.raises(FrameError):
        ga467.decode_response(h(frame))


def test_frame_length_needs_a_full_header_with_preamble() -> None:
    assert ga467.frame_length(h("AA AA AA 96 69 05 08")) == 1295
    with pytest.raises(FrameError):
        ga467.frame_length(h("AA AA AA 96 69 05"))
    with pytest.raises(FrameError):
        ga467.frame_length(h("00 AA AA 96 69 05 08"))


def test_encoders_reject_values_that_are_not_bytes() -> None:
    with pytest.raises(ValueError):
        ga467.encode_request(0x100, 0x01)
    with pytest.raises(ValueError):
        ga467.encode_response(-1)


def test_every_status_code_has_an_actionable_chinese_message() -> None:
    assert set(ga467.STATUS_MESSAGES) == set(SW3_TABLE)
    for sw3 in SW3_TABLE:
        message = ga467.status_message(sw3)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), hex(sw3)
    assert ga467.status_message(0x80) == "未检测到证件，请将身份证平放在阅读器上。"
    assert ga467.status_message(0x41) == "读卡失败，请取下证件后重新放置。"
    assert ga467.status_message(0x66) == "安全模块未授权，请联系设备供应商。"


def test_unknown_status_code_gets_a_generic_message_with_its_hex_code() -> None:
    message = ga467.status_message(0x5A)
    assert "0x5A" in message
    assert "请" in message
    assert str(ga467.status_error(0x5A)) == message


def test_status_errors_are_device_errors_of_the_right_kind() -> None:
    assert isinstance(ga467.status_error(0x80), NoCardPresent)
    assert str(ga467.status_error(0x80)) == "未检测到证件，请将身份证平放在阅读器上。"
    for sw3 in (0x41, 0x81, 0x60, 0x66, 0x33):
        error = ga467.status_error(sw3)
        assert isinstance(error, CardReadFailed)
        assert isinstance(error, DeviceUnavailable)
        assert str(error) == ga467.STATUS_MESSAGES[sw3]


def test_sam_id_format_pads_the_last_two_numbers_to_nine_digits() -> None:
    data = bytes([5, 0, 1, 0]) + struct.pack("<III", 20190101, 123456, 7)
    assert ga467.format_sam_id(data) == "05.01-20190101-000123456-000000007"
    with pytest.raises(FrameError):
        ga467.format_sam_id(data[:15])


def test_response_repr_leaves_out_the_data() -> None:
    response = ga467.SamResponse(0, 0, 0x90, "张三".encode("utf-16-le"))
    assert "张三".encode("utf-16-le").hex() not in repr(response)
    assert "0x90" in repr(response)


# --- FrameReader ------------------------------------------------------------------------------

STATUS_OK = h("AA AA AA 96 69 00 04 00 00 90 94")
FIND_OK = h("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
BIG = ga467.encode_response(0x90, struct.pack(">HH", 256, 1024) + bytes(range(256)) + bytes(1024))


def test_reader_reassembles_a_frame_fed_byte_by_byte() -> None:
    reader = ga467.FrameReader()
    out: list[bytes] = []
    for i in range(len(BIG)):
        out += reader.feed(BIG[i : i + 1])
        assert out == ([] if i < len(BIG) - 1 else [BIG])
    assert reader.pending == 0
    assert reader.discarded == 0


def test_reader_drops_garbage_between_frames_and_counts_it() -> None:
    reader = ga467.FrameReader()
    noise = b"\x00\x13\xff\xaa\x96junk\xaa\xaa"
    assert reader.feed(noise + STATUS_OK + noise + FIND_OK + noise[:3]) == [STATUS_OK, FIND_OK]
    assert reader.discarded == 2 * len(noise) + 3


def test_reader_keeps_a_preamble_split_across_reads() -> None:
    reader = ga467.FrameReader()
    assert reader.feed(b"noise" + STATUS_OK[:3]) == []
    assert reader.pending == 3
    assert reader.feed(STATUS_OK[3:]) == [STATUS_OK]


def test_reader_recovers_the_frame_after_a_truncated_one() -> None:
    reader = ga467.FrameReader()
    assert reader.feed(BIG[:600] + BIG) == [BIG]
    assert reader.discarded == 600


def test_reader_skips_a_fake_preamble_with_an_absurd_length() -> None:
    reader = ga467.FrameReader()
    assert reader.feed(h("AA AA AA 96 69 FF FF") + STATUS_OK) == [STATUS_OK]


def test_reader_returns_a_complete_frame_with_a_bad_checksum_for_the_decoder_to_reject() -> None:
    reader = ga467.FrameReader()
    bad = STATUS_OK[:-1] + b"\x00"
    assert reader.feed(bad + FIND_OK) == [bad, FIND_OK]
    with pytest.raises(FrameError):
        ga467.decode_response(bad)


# --- property tests ---------------------------------------------------------------------------

valid_frames = st.builds(
    lambda sw1, sw2, sw3, data: ga467.encode_response(sw3, data, sw1=sw1, sw2=sw2),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    st.binary(max_size=300),
)


def _decode_or_frame_error(frame: bytes) -> None:
    try:
        response = ga467.decode_response(frame)
    except FrameError:
        return
    assert ga467.encode_response(response.sw3, response.data, sw1=response.sw1, sw2=response.sw2) == frame


@given(st.binary(max_size=400))
def test_random_bytes_decode_or_raise_frame_error(data: bytes) -> None:
    _decode_or_frame_error(data)
    _decode_or_frame_error(ga467.PREAMBLE + data)


@given(valid_frames, st.data())
def test_mutated_frames_decode_or_raise_frame_error(frame: bytes, data: st.DataObject) -> None:
    mutated = bytearray(frame)
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        position = data.draw(st.integers(0, max(len(mutated) - 1, 0)))
        if action == "flip" and mutated:
            mutated[position] ^= data.draw(st.integers(1, 255))
        elif action == "delete" and mutated:
            del mutated[position]
        elif action == "insert":
            mutated.insert(position, data.draw(st.integers(0, 255)))
        else:
            del mutated[position:]
    _decode_or_frame_error(bytes(mutated))


@given(st.lists(st.binary(max_size=64), max_size=30))
def test_reader_never_raises_and_only_emits_preamble_frames(chunks: list[bytes]) -> None:
    reader = ga467.FrameReader()
    for chunk in chunks:
        for frame in reader.feed(chunk):
            assert frame.startswith(ga467.PREAMBLE)
            assert len(frame) == ga467.frame_length(frame)
            _decode_or_frame_error(frame)


noise = st.binary(max_size=40).map(lambda b: b.replace(b"\xaa", b""))


@settings(max_examples=60)
@given(st.lists(st.tuples(noise, valid_frames), min_size=1, max_size=5), noise, st.data())
def test_reader_finds_every_frame_in_noise_however_the_stream_is_split(
    parts: list[tuple[bytes, bytes]], tail: bytes, data: st.DataObject
) -> None:
    stream = b"".join(n + f for n, f in parts) + tail
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=20)))
    reader = ga467.FrameReader()
    out: list[bytes] = []
    previous = 0
    for cut in [*cuts, len(stream)]:
        out += reader.feed(stream[previous:cut])
        previous = cut
    assert out == [f for _, f in parts]
    assert [ga467.decode_response(f).sw3 for f in out] == [f[9] for _, f in parts]
