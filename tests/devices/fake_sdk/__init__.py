"""Fake vendor libraries for the ID-card SDK and photo tests: C sources compiled with gcc at test time.

No vendor SDK ships on the CI machine (they are licence-bound Windows DLLs), so these stand in:
``fake_sdtapi.c`` (SDT_* of idcard.md §3.3), ``fake_termb.c`` (CVR_* of §3.1, and the 神思 flavour
without prefix) and ``fake_wlt.c`` (the WLT decoders of §2.6). Each keeps its state in statics, so
a test controls the copy the driver loaded by loading the same path itself (the dynamic loader
hands out one handle per path): ``fake_set_mode(MODE_…)``, ``fake_set_card(text, photo)``.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path
from typing import Final

import pytest

SOURCES: Final = Path(__file__).parent

# Behaviours of fake_sdtapi.c / fake_termb.c (their enum, in order).
MODE_NORMAL: Final = 0
MODE_NO_CARD: Final = 1
MODE_SELECT_FAILS: Final = 2
MODE_READ_FAILS: Final = 3
MODE_UNPLUGGED: Final = 4


def build_library(source: str, target: Path, *defines: str) -> Path:
    """Compile ``source`` (a file in this folder) into the shared library ``target``."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is needed to build the fake vendor libraries")
    command = [
        gcc,
        "-shared",
        "-fPIC",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-o",
        str(target),
        str(SOURCES / source),
    ]
    command += [f"-D{define}" for define in defines]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return target


class FakeReaderLibrary:
    """The test's handle on a fake sdtapi/termb library that a driver has loaded (or will load)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lib = ctypes.CDLL(str(path))
        self._lib.fake_set_mode.argtypes = [ctypes.c_int]
        self._lib.fake_set_card.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        self.reset()

    def reset(self) -> None:
        self._lib.fake_reset()

    def set_mode(self, mode: int) -> None:
        self._lib.fake_set_mode(mode)

    def set_card(self, text: bytes, photo: bytes) -> None:
        assert len(text) == 256 and len(photo) == 1024
        self._lib.fake_set_card(text, photo)

    @property
    def open_count(self) -> int:
        return int(self._lib.fake_open_count())

    @property
    def port_is_open(self) -> bool:
        return bool(self._lib.fake_port_is_open())


class FakeWltLibrary:
    """The test's handle on a fake WLT decoder: ``set_result(-5)`` makes it refuse (not licensed)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lib = ctypes.CDLL(str(path))
        self._lib.fake_set_result.argtypes = [ctypes.c_int]
        self.set_result(1)

    def set_result(self, code: int) -> None:
        self._lib.fake_set_result(code)

    @property
    def last_interface(self) -> int:
        return int(self._lib.fake_last_intf())
