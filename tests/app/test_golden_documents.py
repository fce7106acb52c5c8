"""Every printed template renders pixel for pixel like its committed golden image (docs/golden/).

A template change therefore fails here, with the new render and a diff image written to the
test's tmp folder; if the change is intended, `python tools/update_goldens.py` accepts it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.documents import templates
from tools.update_goldens import (
    GOLDEN_DIR,
    PINNED_FONT,
    ROOT,
    Golden,
    diff_image,
    environment_stamp,
    find_pinned_font,
    goldens,
    pinned_fonts,
    read_golden,
    render_golden,
)

GOLDENS = goldens()
DOC = ROOT / "docs" / "printing.md"


@pytest.fixture(scope="module")
def stamp() -> Iterator[dict[str, str]]:
    """Fonts pinned as the goldens were drawn; skips the module when the pinned font is missing."""
    font = find_pinned_font()
    if font is None:
        pytest.skip(
            f"{PINNED_FONT} (Debian package fonts-noto-cjk) is not installed: the golden images are drawn "
            "with it, and any other font draws other pixels"
        )
    with pinned_fonts(font):
        yield environment_stamp()


def _compare(golden: Golden, stamp: dict[str, str], out: Path) -> None:
    rel = golden.path.relative_to(ROOT)
    assert golden.path.is_file(), f"{rel} is missing: run `python tools/update_goldens.py` and commit it"
    expected, drawn_with = read_golden(golden.path)
    if drawn_with != stamp:
        pytest.skip(
            f"{rel} was drawn with {drawn_with}, this machine draws with {stamp}: glyph pixels differ "
            "between fonts and FreeType/Raqm versions, so it can be compared only where it was drawn"
        )
    actual = render_golden(golden)
    if actual.shape == expected.shape and np.array_equal(actual, expected):
        return
    stem = golden.path.stem
    Image.fromarray(actual, "L").save(out / f"{stem}-new.png")
    diff = diff_image(expected, actual)
    diff.save(out / f"{stem}-diff.png")
    rgb = np.asarray(diff)
    changed = int(np.count_nonzero(np.all(rgb == (220, 0, 0), axis=2) | np.all(rgb == (0, 60, 220), axis=2)))
    pytest.fail(
        f"{golden.caption} no longer matches {rel} (golden {expected.shape[1]}x{expected.shape[0]}, "
        f"now {actual.shape[1]}x{actual.shape[0]}, {changed} pixels changed). New render and diff "
        f"(red: only in the golden, blue: only now): {out}/{stem}-new.png, {out}/{stem}-diff.png. "
        "If the change is intended, run `python tools/update_goldens.py` and commit docs/golden/."
    )


@pytest.mark.parametrize("golden", GOLDENS, ids=[g.path.name for g in GOLDENS])
def test_template_renders_exactly_like_its_golden(
    golden: Golden, stamp: dict[str, str], tmp_path: Path
) -> None:
    _compare(golden, stamp, tmp_path)


def test_every_template_has_goldens_at_both_widths_and_no_stale_files_remain() -> None:
    names = {g.path.name for g in GOLDENS}
    thermal = {g.template.name for g in GOLDENS if g.width is not None}
    assert {"ticket", "receipt-shoujian", "receipt-shouli", "receipt-buzheng", "receipt-lingqu"} <= thermal
    for name in thermal:
        assert {f"{name}-384.png", f"{name}-576.png"} <= names
    assert {
        "notice-shouli-page1.png",
        "notice-yicixing-gaozhi-page1.png",
        "notice-buyu-shouli-page1.png",
    } <= names
    on_disk = {p.name for p in GOLDEN_DIR.glob("*.png")}
    assert on_disk == names, "docs/golden/ differs from the templates: run `python tools/update_goldens.py`"


def test_docs_show_every_golden_with_its_own_line() -> None:
    text = DOC.read_text(encoding="utf-8")
    shown = re.findall(r"!\[[^\]]*\]\(golden/([^)]+\.png)\)", text)
    assert sorted(shown) == sorted(g.path.name for g in GOLDENS)


def test_a_changed_template_shows_up_as_a_diff(
    stamp: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    golden = next(g for g in GOLDENS if g.template.label == "收件凭证" and g.width == 384)
    changed = dataclasses.replace(templates.TEMPLATES["收件凭证"], title="收件凭据")
    monkeypatch.setitem(templates.TEMPLATES, "收件凭证", changed)
    with pytest.raises(pytest.fail.Exception, match=r"python tools/update_goldens\.py") as failed:
        _compare(golden, stamp, tmp_path)
    assert "收件凭证 · 384 点" in str(failed.value)
    diff = np.asarray(Image.open(tmp_path / "receipt-shoujian-384-diff.png"))
    only_golden = np.all(diff == (220, 0, 0), axis=2)
    only_new = np.all(diff == (0, 60, 220), axis=2)
    # The title row differs, and only that row near the top (below the hall's logo and header):
    # the rest of the receipt is the same.
    assert only_golden.any() and only_new.any()
    rows = np.where(only_golden | only_new)[0]
    assert rows.max() - rows.min() < 60
    assert rows.max() < diff.shape[0] // 4
    assert (tmp_path / "receipt-shoujian-384-new.png").is_file()
