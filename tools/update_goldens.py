"""Golden images of every printed template (样张基准图), in docs/golden/, shown by docs/printing.md.

Each thermal template (queue ticket and receipts) at 384 and 576 dots, and page 1 of each A4
notice at 200 dpi, rendered from the fixed sample data of ``yichuang print --sample`` (fixed
times, so nothing depends on the clock). tests/app/test_golden_documents.py renders them again
and compares pixel for pixel: a change to a template shows up as a failing test with a diff
image, and is accepted by running this script and committing the new PNGs.

    python tools/update_goldens.py            # rewrite docs/golden/*.png
    python tools/update_goldens.py --check    # only report which files would change

Glyph pixels depend on the font file and the FreeType/Raqm libraries, so the goldens are drawn
with a pinned font (Noto Sans CJK SC, ``NotoSansCJK-Regular.ttc`` and its Bold sibling) whatever
fontconfig prefers, and each PNG records the font and library versions it was drawn with.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import numpy as np
from numpy.typing import NDArray
from PIL import Image, PngImagePlugin, features

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.cli import PrintTemplate, print_templates, render_sample, sample_png  # noqa: E402
from app.doctor import FONT_DIRS  # noqa: E402
from app.documents import fonts  # noqa: E402

GOLDEN_DIR = ROOT / "docs" / "golden"
THERMAL_WIDTHS = (384, 576)
PINNED_FONT = "NotoSansCJK-Regular.ttc"
#: PNG text keys that record what a golden was drawn with; a different value means other glyphs.
STAMP_KEYS = ("font", "freetype", "raqm")

Raster = NDArray[np.uint8]


@dataclass(frozen=True)
class Golden:
    """One golden image: a template, its paper width (None: A4 page 1) and its file."""

    template: PrintTemplate
    width: int | None

    @property
    def path(self) -> Path:
        suffix = f"-{self.width}" if self.width is not None else "-page1"
        return GOLDEN_DIR / f"{self.template.name}{suffix}.png"

    @property
    def caption(self) -> str:
        size = f"{self.width} 点（{58 if self.width == 384 else 80} mm）" if self.width else "A4 第 1 页"
        return f"{self.template.label} · {size}"


def goldens() -> list[Golden]:
    """Every golden image, in the order docs/printing.md shows them."""
    out: list[Golden] = []
    for template in print_templates():
        if template.medium == "a4":
            out.append(Golden(template, None))
        else:
            out += [Golden(template, width) for width in THERMAL_WIDTHS]
    return out


def find_pinned_font() -> Path | None:
    """``NotoSansCJK-Regular.ttc`` where fontconfig or the usual folders have it; None if absent."""
    if shutil.which("fc-list"):
        try:
            listed = subprocess.run(
                ["fc-list", "-f", "%{file}\n"], capture_output=True, text=True, timeout=10, check=False
            ).stdout.splitlines()
        except (OSError, subprocess.TimeoutExpired):
            listed = []
        for line in sorted(listed):
            if Path(line).name == PINNED_FONT and Path(line).is_file():
                return Path(line)
    for folder in FONT_DIRS:
        if folder.is_dir():
            for found in sorted(folder.rglob(PINNED_FONT)):
                return found
    return None


@contextmanager
def pinned_fonts(font: Path) -> Iterator[None]:
    """Draw documents with ``font`` (and its Bold sibling) instead of fontconfig's choice."""
    fonts.clear_font_cache()
    try:
        with mock.patch.object(fonts, "find_cjk_font", lambda: font):
            yield
    finally:
        fonts.clear_font_cache()


def environment_stamp() -> dict[str, str]:
    """What the glyph pixels depend on: font faces and FreeType/Raqm versions (fonts pinned)."""
    pair = fonts.font_pair()
    face = f"{pair.regular.path.name}#{pair.regular.index}"
    bold = f"{pair.bold.path.name}#{pair.bold.index}" + (" synthetic" if pair.bold.synthetic_bold else "")
    return {
        "font": f"{face} / {bold}",
        "freetype": str(features.version("freetype2")),
        "raqm": str(features.version("raqm")),
    }


def render_golden(golden: Golden) -> Raster:
    """The golden's pixels as rendered now: 0 = ink, 255 = paper."""
    pages = render_sample(golden.template, width_dots=golden.width or THERMAL_WIDTHS[-1])
    return pages[0]


def golden_png(golden: Golden, raster: Raster, stamp: dict[str, str]) -> bytes:
    """The 1-bit PNG of ``raster`` with the stamp in its text chunks."""
    plain = Image.open(io.BytesIO(sample_png(golden.template, raster)))
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "YiChuang tools/update_goldens.py")
    for key, value in stamp.items():
        info.add_text(key, value)
    out = io.BytesIO()
    plain.save(out, format="PNG", pnginfo=info, dpi=plain.info.get("dpi", (203, 203)), optimize=True)
    return out.getvalue()


def read_golden(path: Path) -> tuple[Raster, dict[str, str]]:
    """A golden's pixels (0/255) and its stamp."""
    with Image.open(path) as image:
        image.load()
        stamp = {k: str(v) for k, v in image.info.items() if k in STAMP_KEYS}
        pixels = np.asarray(image.convert("L"), dtype=np.uint8)
    return pixels, stamp


def diff_image(expected: Raster, actual: Raster) -> Image.Image:
    """Red where only the golden has ink, blue where only the new render has, grey where both."""
    height = max(expected.shape[0], actual.shape[0])
    width = max(expected.shape[1], actual.shape[1])

    def padded(a: Raster) -> NDArray[np.bool_]:
        ink = np.zeros((height, width), dtype=bool)
        ink[: a.shape[0], : a.shape[1]] = a < 128
        return ink

    old, new = padded(expected), padded(actual)
    rgb = np.full((height, width, 3), 255, dtype=np.uint8)
    rgb[old & new] = (170, 170, 170)
    rgb[old & ~new] = (220, 0, 0)
    rgb[new & ~old] = (0, 60, 220)
    return Image.fromarray(rgb, "RGB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Regenerate docs/golden/*.png from the sample data.")
    ap.add_argument("--check", action="store_true", help="report changed goldens without writing")
    args = ap.parse_args(argv)
    font = find_pinned_font()
    if font is None:
        print(f"{PINNED_FONT} not found: install fonts-noto-cjk (Debian/UOS/Kylin) first", file=sys.stderr)
        return 2
    changed = 0
    with pinned_fonts(font):
        stamp = environment_stamp()
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        for golden in goldens():
            raster = render_golden(golden)
            same = golden.path.is_file() and _same(read_golden(golden.path), raster, stamp)
            if same:
                continue
            changed += 1
            rel = golden.path.relative_to(ROOT)
            if args.check:
                print(f"would change {rel}")
            else:
                golden.path.write_bytes(golden_png(golden, raster, stamp))
                print(f"wrote {rel}")
    print(
        f"{changed} of {len(goldens())} goldens {'differ' if args.check else 'updated'} (font {stamp['font']})"
    )
    return 1 if args.check and changed else 0


def _same(stored: tuple[Raster, dict[str, str]], raster: Raster, stamp: dict[str, str]) -> bool:
    pixels, stored_stamp = stored
    return stored_stamp == stamp and pixels.shape == raster.shape and bool(np.array_equal(pixels, raster))


if __name__ == "__main__":
    raise SystemExit(main())
