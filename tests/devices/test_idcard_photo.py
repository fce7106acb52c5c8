"""Chip-photo decoding through a vendor WLT decoder (devices.idcard.photo).

No vendor decoder exists on the CI machine (they are licence-bound binaries), so the decoder is
tests/devices/fake_sdk/fake_wlt.c, compiled here: it exports the two documented entry points,
``wlt2bmpBuffer`` and WltRS's ``GetBmp``, and can be told to answer -5 (not licensed), -6
(device connection error) or -1 (decode error) like the real ones.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.errors import DeviceUnavailable
from devices.idcard.photo import (
    BMP_SIZE,
    PHOTO_LIBRARY_KEY,
    PLACEHOLDER_TEXT,
    FileWltDecoder,
    PhotoDecodeError,
    WltDecoder,
    decode_photo,
    load_photo_decoder,
)
from tests.devices.fake_sdk import FakeWltLibrary, build_library

# First three bytes = the BGR colour the fake decoder paints; the rest stands in for WLT data.
WLT = bytes([10, 120, 230]) + bytes(range(256)) * 3 + bytes(253)


@pytest.fixture(scope="module")
def libraries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("wlt")
    return {
        "both": build_library("fake_wlt.c", folder / "libwlt2bmp.so"),
        "getbmp": build_library("fake_wlt.c", folder / "libWltRS.so", "NO_BUFFER"),
        "reader": build_library("fake_sdtapi.c", folder / "libsdtapi.so"),
    }


@pytest.fixture
def buffer_lib(libraries: dict[str, Path]) -> FakeWltLibrary:
    return FakeWltLibrary(libraries["both"])


@pytest.fixture
def getbmp_lib(libraries: dict[str, Path]) -> FakeWltLibrary:
    return FakeWltLibrary(libraries["getbmp"])


def _image(png: bytes) -> np.ndarray:
    assert png.startswith(b"\x89PNG"), "decoded photos are handed on as PNG"
    image = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def test_no_library_configured_means_no_decoder_and_no_photo() -> None:
    assert load_photo_decoder("") is None
    assert load_photo_decoder("   ") is None
    assert decode_photo(None, WLT) == b""
    assert PLACEHOLDER_TEXT == "照片未解码"


def test_wlt2bmpbuffer_decodes_the_chip_photo_to_a_102_by_126_png(buffer_lib: FakeWltLibrary) -> None:
    decoder = load_photo_decoder(str(buffer_lib.path))
    assert decoder is not None
    image = _image(decode_photo(decoder, WLT))
    assert image.shape == (126, 102, 3)
    assert tuple(int(v) for v in image[60, 50]) == (10, 120, 230)  # the WLT we passed, not another
    other = _image(decode_photo(decoder, bytes([1, 2, 3]) + WLT[3:]))
    assert tuple(int(v) for v in other[0, 0]) == (1, 2, 3)


def test_getbmp_decodes_through_a_temporary_file_that_does_not_stay(
    getbmp_lib: FakeWltLibrary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    decoder = load_photo_decoder(str(getbmp_lib.path), usb=True)
    assert isinstance(decoder, FileWltDecoder)
    image = _image(decode_photo(decoder, WLT))
    assert tuple(int(v) for v in image[0, 0]) == (10, 120, 230)
    assert getbmp_lib.last_interface == 2  # USB reader: the licence check asks over USB
    assert list(tmp_path.iterdir()) == []  # neither the WLT nor the BMP is left on disk

    serial_decoder = load_photo_decoder(str(getbmp_lib.path), usb=False)
    assert serial_decoder is not None
    serial_decoder.decode(WLT)
    assert getbmp_lib.last_interface == 1


@pytest.mark.parametrize(
    ("code", "meaning"), [(-5, "not licensed"), (-6, "device connection error"), (-1, "decode error")]
)
@pytest.mark.parametrize("variant", ["buffer_lib", "getbmp_lib"])
def test_decoder_refusal_gives_no_photo_and_an_english_log_line_with_the_code(
    variant: str, code: int, meaning: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    fake: FakeWltLibrary = request.getfixturevalue(variant)
    decoder = load_photo_decoder(str(fake.path))
    assert decoder is not None
    fake.set_result(code)
    try:
        with pytest.raises(PhotoDecodeError) as caught:
            decoder.decode(WLT)
        assert caught.value.code == code
        with caplog.at_level(logging.DEBUG, logger="devices.idcard.photo"):
            assert decode_photo(decoder, WLT) == b""
    finally:
        fake.set_result(1)
    assert f"returned {code} ({meaning})" in caplog.text
    assert WLT[:16].hex() not in caplog.text and repr(WLT[:16]) not in caplog.text


def test_a_wlt_of_the_wrong_size_is_refused_before_the_library_sees_it(buffer_lib: FakeWltLibrary) -> None:
    decoder = load_photo_decoder(str(buffer_lib.path))
    assert decoder is not None
    with pytest.raises(PhotoDecodeError, match="1024 bytes"):
        decoder.decode(WLT[:1000])
    assert decode_photo(decoder, WLT[:1000]) == b""
    assert decode_photo(decoder, b"") == b""


def test_success_with_garbage_output_is_a_decode_error_not_a_broken_photo() -> None:
    class Liar:
        def __call__(self, *args: object) -> int:
            return 1  # claims success, writes nothing (the output buffer stays zeros)

    from devices.idcard.photo import BufferWltDecoder

    decoder: WltDecoder = BufferWltDecoder(Liar())
    with pytest.raises(PhotoDecodeError, match="not a readable BMP"):
        decoder.decode(WLT)
    assert BMP_SIZE == 38862  # the documented 102×126 BMP size vendors fill


def test_missing_library_file_is_named_with_the_setting_to_fix(tmp_path: Path) -> None:
    missing = tmp_path / "WltRS.dll"
    with pytest.raises(DeviceUnavailable) as caught:
        load_photo_decoder(str(missing))
    message = str(caught.value)
    assert str(missing) in message and "找不到照片解码库" in message and PHOTO_LIBRARY_KEY in message


def test_library_without_a_decoder_export_is_refused_by_name(libraries: dict[str, Path]) -> None:
    with pytest.raises(DeviceUnavailable) as caught:
        load_photo_decoder(str(libraries["reader"]))
    message = str(caught.value)
    assert str(libraries["reader"]) in message
    assert "wlt2bmpBuffer" in message and "GetBmp" in message and PHOTO_LIBRARY_KEY in message


def test_a_file_that_is_no_library_is_refused(tmp_path: Path) -> None:
    text_file = tmp_path / "readme.txt"
    text_file.write_text("not a library")
    with pytest.raises(DeviceUnavailable, match="不是动态库文件"):
        load_photo_decoder(str(text_file))
