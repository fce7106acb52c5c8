"""The page pipeline on synthetic pages with known truth: corners, skew, seal colour, blank pages."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from app.imaging.pipeline import (
    SURE_CONFIDENCE,
    crop_margins,
    deskew,
    deskew_angle,
    detect_page,
    flatten,
    is_blank,
    process_camera_frame,
    process_scan,
    rotate,
    warp,
)
from tests.imaging import synth

SMALL = (1296, 972)  # half a 5 MP frame: the same geometry at a quarter of the test time
DIAGONAL = math.hypot(*SMALL)


@pytest.fixture(scope="module")
def doc() -> synth.Image:
    return synth.a4_document(0)


@pytest.fixture(scope="module")
def plain_doc() -> synth.Image:
    return synth.a4_document(0, seal=False)


def _corner_error(found: np.ndarray, true: np.ndarray) -> tuple[float, float]:
    distances = np.linalg.norm(found - true, axis=1)
    return float(distances.mean()), float(distances.max())


def _gray(image: synth.Image) -> synth.Image:
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


# --- Page outline on camera frames ----------------------------------------------------------------

PERSPECTIVES = {
    "straight": {},
    "turned 4° with keystone": {"angle_deg": 4.0, "keystone": 0.08},
    "turned -9° off centre": {"angle_deg": -9.0, "shift": (0.12, -0.02)},
    "strong keystone, close": {"keystone": 0.18, "fill": 0.95},
    "turned 25°, far": {"angle_deg": 25.0, "fill": 0.62},
    "landscape page": {"landscape": True, "fill": 0.6, "angle_deg": -3.0},
}


@pytest.mark.parametrize("name", list(PERSPECTIVES))
def test_detected_corners_are_within_one_percent_of_the_diagonal(doc: synth.Image, name: str) -> None:
    corners = synth.perspective_corners(SMALL, **PERSPECTIVES[name])  # type: ignore[arg-type]
    frame, true = synth.camera_frame(doc, corners_px=corners, size=SMALL, seed=3, shadow=0.45)
    quad = detect_page(frame)
    mean_err, max_err = _corner_error(quad.corners, true)
    assert mean_err < 0.01 * DIAGONAL, f"{name}: mean corner error {mean_err:.1f} px"
    assert max_err < 0.01 * DIAGONAL
    assert quad.sure and quad.confidence >= SURE_CONFIDENCE


def test_a_strong_shadow_and_cast_do_not_move_the_corners(doc: synth.Image) -> None:
    corners = synth.perspective_corners(SMALL, angle_deg=6.0, keystone=0.05)
    frame, true = synth.camera_frame(doc, corners_px=corners, size=SMALL, shadow=0.65, cast=(1.0, 0.85, 0.65))
    quad = detect_page(frame)
    assert quad.sure
    assert _corner_error(quad.corners, true)[0] < 0.005 * DIAGONAL


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_no_page_on_the_desk_is_unsure(seed: int) -> None:
    for clutter in (False, True):
        quad = detect_page(synth.desk_frame(SMALL, clutter=clutter, seed=seed))
        assert not quad.sure, f"clutter={clutter} seed={seed}: confidence {quad.confidence}"
        assert quad.confidence < 0.3
        # The manual adjustment starts from corners inside the frame.
        assert np.all(quad.corners >= 0) and np.all(quad.corners[:, 0] < SMALL[0])
        assert np.all(quad.corners[:, 1] < SMALL[1])


@pytest.mark.parametrize("shift", [(0.35, 0.0), (0.0, 0.22), (-0.3, 0.1)])
def test_page_cut_by_the_frame_edge_is_unsure(doc: synth.Image, shift: tuple[float, float]) -> None:
    corners = synth.perspective_corners(SMALL, shift=shift, angle_deg=2.0)
    frame, _ = synth.camera_frame(doc, corners_px=corners, size=SMALL, shadow=0.6)
    assert not detect_page(frame).sure


def test_unsure_frame_is_kept_whole_and_flagged(plain_doc: synth.Image) -> None:
    page = process_camera_frame(synth.desk_frame(SMALL, clutter=True, seed=5))
    assert not page.sure
    assert page.corners is not None
    # Not stretched to A4: the frame (inset 5 %) as it was, for the clerk to place the corners.
    assert page.image.shape[:2] == pytest.approx((0.9 * SMALL[1], 0.9 * SMALL[0]), abs=2)


def test_manual_corners_are_used_as_given(doc: synth.Image) -> None:
    corners = synth.perspective_corners(SMALL, angle_deg=-5.0, keystone=0.1)
    frame, true = synth.camera_frame(doc, corners_px=corners, size=SMALL)
    page = process_camera_frame(frame, corners=true.tolist())
    assert page.sure and page.confidence == 1.0
    assert page.corners is not None and np.allclose(page.corners, true)
    h, w = page.image.shape[:2]
    assert h / w == pytest.approx(math.sqrt(2), rel=0.01)
    crossed = true[[1, 0, 2, 3]]  # the clerk dragged TL past TR: the page must not come out mirrored
    assert np.array_equal(process_camera_frame(frame, corners=crossed).image, page.image)
    with pytest.raises(ValueError):
        process_camera_frame(frame, corners=[(0, 0), (1, 1)])


def test_an_id_card_keeps_its_own_proportions() -> None:
    card = np.full((540, 856, 3), 235, np.uint8)  # 85.6 × 54 mm, the 身份证 format
    cv2.putText(card, "ID 1234", (80, 300), cv2.FONT_HERSHEY_SIMPLEX, 4, (40, 40, 40), 8)
    corners = np.array([[400, 300], [828, 300], [828, 570], [400, 570]], np.float32)
    frame, true = synth.camera_frame(card, corners_px=corners, size=SMALL, shadow=0.2)
    for page in (process_camera_frame(frame, corners=true), process_camera_frame(frame)):
        h, w = page.image.shape[:2]
        assert w / h == pytest.approx(85.6 / 54, rel=0.02)


def test_warped_page_matches_the_original(doc: synth.Image) -> None:
    corners = synth.perspective_corners(SMALL, angle_deg=7.0, keystone=0.12)
    frame, true = synth.camera_frame(doc, corners_px=corners, size=SMALL)
    page = flatten(warp(frame, true))
    # Compared at a quarter of the size, 2 % border left out: the camera blurs strokes, and the
    # outermost pixels of the page blend with the mat.
    size = (310, 438)
    found = _gray(np.asarray(cv2.resize(page, size, interpolation=cv2.INTER_AREA), dtype=np.uint8))
    truth = _gray(np.asarray(cv2.resize(doc, size, interpolation=cv2.INTER_AREA), dtype=np.uint8))
    inner = (slice(9, -9), slice(6, -6))

    def difference(a: synth.Image) -> float:
        return float(np.abs(a.astype(np.int16) - truth.astype(np.int16))[inner].mean())

    assert difference(found) < 9.0
    # The same page three pixels lower differs far more: text rows line up, not just the paper.
    assert difference(np.roll(found, 3, axis=0)) > 2 * difference(found)


def test_full_resolution_frame_to_page_is_accurate(doc: synth.Image) -> None:
    # Speed is measured in bench/imaging.py (ratios, same run), not asserted here.
    size = (2592, 1944)
    corners = synth.perspective_corners(size, angle_deg=3.0, keystone=0.06)
    frame, true = synth.camera_frame(doc, corners_px=corners, size=size)
    page = process_camera_frame(frame)
    assert page.sure and page.corners is not None
    assert _corner_error(page.corners, true)[0] < 0.002 * math.hypot(*size)
    # Warped at full resolution: the A4 page keeps the ~1700 px the camera gave it.
    assert page.image.shape[0] > 1600


# --- Deskew, crop, rotate ----------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [-7.0, -4.6, -2.3, -0.7, 0.0, 0.9, 3.2, 5.5, 7.0])
def test_deskew_angle_is_within_a_third_of_a_degree(doc: synth.Image, angle: float) -> None:
    scan = synth.scanner_page(doc, angle_deg=angle, seed=int(angle * 10) % 7)
    assert abs(deskew_angle(scan) - angle) < 0.3
    assert abs(deskew_angle(deskew(scan))) < 0.3


def test_deskew_does_not_guess_on_a_page_without_lines() -> None:
    assert deskew_angle(synth.blank_page(noise=3.0, dust=40)) == 0.0
    noise = np.random.default_rng(1).integers(0, 256, (800, 600, 3), dtype=np.uint8)
    assert deskew_angle(noise) == 0.0


def test_crop_cuts_the_dark_scanner_edge_but_not_the_paper(doc: synth.Image) -> None:
    scan = synth.scanner_page(doc, angle_deg=0.0, dark_edge_px=60)
    cropped = crop_margins(scan)
    assert scan.shape[1] - 75 <= cropped.shape[1] <= scan.shape[1] - 60
    assert cropped.shape[0] == scan.shape[0]
    assert float(_gray(cropped)[:, :3].mean()) > 200  # no dark stripe left
    clean = synth.scanner_page(doc, angle_deg=0.0)
    assert crop_margins(clean).shape == clean.shape


def test_rotate_turns_clockwise_by_quarter_turns() -> None:
    image = np.full((40, 60, 3), 255, np.uint8)
    image[:5, :5] = 0  # a mark in the top-left corner
    right = rotate(image, 1)
    assert right.shape == (60, 40, 3)
    assert right[:5, -5:].max() == 0  # top-left went to top-right
    assert np.array_equal(rotate(image, -1), rotate(image, 3))
    assert np.array_equal(rotate(rotate(image, 1), 1), rotate(image, 2))
    assert np.array_equal(rotate(image, 4), image)


def test_scan_is_cropped_and_straightened(doc: synth.Image) -> None:
    page = process_scan(synth.scanner_page(doc, angle_deg=-3.4, dark_edge_px=50))
    assert page.deskew_deg == pytest.approx(-3.4, abs=0.3)
    assert abs(deskew_angle(page.image)) < 0.3
    assert page.corners is None and page.sure
    assert float(_gray(page.image)[:, :3].mean()) > 200
    assert page.colour and not page.blank_candidate


# --- Flattening keeps the seal red and removes the shadow ---------------------------------------------


def test_flatten_keeps_the_seal_red_and_removes_the_shadow(doc: synth.Image) -> None:
    corners = synth.perspective_corners(SMALL, angle_deg=2.0, keystone=0.05)
    frame, true = synth.camera_frame(doc, corners_px=corners, size=SMALL, shadow=0.5)
    h, w = doc.shape[:2]

    def to_doc_size(image: synth.Image) -> synth.Image:
        return np.asarray(cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.uint8)

    raw = to_doc_size(warp(frame, true))
    flat = to_doc_size(process_camera_frame(frame, corners=true).image)

    seal = synth.seal_mask(0)
    recall = np.count_nonzero(synth.red_mask(flat) & seal) / np.count_nonzero(synth.red_mask(doc) & seal)
    assert recall > 0.8, f"only {recall:.0%} of the seal is still red"
    hsv = cv2.cvtColor(flat, cv2.COLOR_BGR2HSV)
    seal_core = cv2.erode(seal.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    hue = hsv[:, :, 0][seal_core].astype(np.int32)
    red_hue = np.minimum(hue, 180 - hue)  # distance from red on OpenCV's 0..180 hue circle
    assert float(np.median(red_hue)) <= 8
    assert float(np.median(hsv[:, :, 1][seal_core])) > 100  # saturated, not washed out to pink

    paper = cv2.erode((_gray(doc) > 250).astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    before, after = _gray(raw)[paper], _gray(flat)[paper]
    assert float(after.std()) < 0.3 * float(before.std()), (before.std(), after.std())
    assert float(after.std()) < 6.0
    assert float(after.mean()) > 238  # near white, no grey veil where the shadow was
    # The lamp's warm cast is gone: paper is neutral.
    b, g, r = (float(flat[:, :, c][paper].mean()) for c in range(3))
    assert max(b, g, r) - min(b, g, r) < 6.0


def test_flatten_keeps_grey_pages_grey() -> None:
    page = _gray(synth.scanner_page(synth.a4_document(2, seal=False), angle_deg=0.0))
    flat = flatten(page)
    assert flat.shape == page.shape and flat.ndim == 2


# --- Colour decision ---------------------------------------------------------------------------------


def test_page_with_a_seal_stays_in_colour_and_a_plain_page_goes_grey(
    doc: synth.Image, plain_doc: synth.Image
) -> None:
    corners = synth.perspective_corners(SMALL, angle_deg=-2.0)
    sealed, _ = synth.camera_frame(doc, corners_px=corners, size=SMALL)
    plain, _ = synth.camera_frame(plain_doc, corners_px=corners, size=SMALL)  # same warm lamp cast
    assert process_camera_frame(sealed).colour
    assert not process_camera_frame(plain).colour
    assert process_scan(synth.scanner_page(doc, angle_deg=1.0)).colour
    assert not process_scan(synth.scanner_page(plain_doc, angle_deg=1.0)).colour


def test_grey_scan_input_comes_back_as_a_grey_decision(plain_doc: synth.Image) -> None:
    page = process_scan(_gray(synth.scanner_page(plain_doc, angle_deg=0.5)))
    assert page.image.ndim == 3 and not page.colour


# --- Blank-page candidates -----------------------------------------------------------------------------

BLANK_CASES = {
    "white, scanner noise": ({"noise": 2.5}, True),
    "noise and dust": ({"noise": 4.0, "dust": 60}, True),
    "yellowish recycled paper": ({"paper_bgr": (200, 232, 240)}, True),
    "bleed-through from the back": ({"bleed": 0.08}, True),
    "short handwritten line": ({"signature": True}, False),
    "page number only": ({"page_number": 3}, False),
}


@pytest.mark.parametrize("name", list(BLANK_CASES))
def test_blank_candidates(name: str) -> None:
    kwargs, blank = BLANK_CASES[name]
    page = synth.blank_page(seed=4, **kwargs)  # type: ignore[arg-type]
    assert is_blank(page) is blank
    assert process_scan(page).blank_candidate is blank


def test_a_form_is_not_blank_even_under_a_shadow(doc: synth.Image) -> None:
    corners = synth.perspective_corners(SMALL)
    frame, _ = synth.camera_frame(doc, corners_px=corners, size=SMALL, shadow=0.6)
    page = process_camera_frame(frame)
    assert not page.blank_candidate and page.blank_score > 0.01
    blank_frame, _ = synth.camera_frame(synth.blank_page(), corners_px=corners, size=SMALL, shadow=0.6)
    shot = process_camera_frame(blank_frame, corners=synth.perspective_corners(SMALL))
    assert shot.blank_candidate
