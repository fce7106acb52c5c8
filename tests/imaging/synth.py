"""Synthetic documents for imaging tests and the bench (合成材料): ground truth plus what devices make of it.

- :func:`a4_document`: a clean A4 application form (Chinese text drawn with the system CJK font, a
  table, a red round seal printed over the text) — the flat ground truth.
- :func:`camera_frame`: that page as a 高拍仪 document camera sees it, with a known perspective (the
  true corners are returned), a soft diagonal shadow, lamp colour cast, vignetting, sensor noise
  and MJPG compression.
- :func:`scanner_page`: the page from a flatbed/ADF scanner, skewed by a known angle, with noise.
- :func:`blank_page`: an empty sheet (noise, dust, optional page number or signature) for blank checks.
- :func:`desk_frame`: a camera frame with no page on it (empty mat or cluttered desk).
- :func:`perspective_corners`: plausible page corners for a camera frame.

Everything is deterministic for a given seed. Names and numbers on the form are invented.
Corners are in OpenCV pixel-centre coordinates: the page's outer edge passes through them.
"""

from __future__ import annotations

import functools
import math
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

Image = NDArray[np.uint8]
Corners = NDArray[np.float32]

A4_RATIO = 297.0 / 210.0
PAPER_RGB = (255, 255, 255)
INK_RGB = (28, 28, 32)
SEAL_RGB = (214, 30, 36)
DESK_BGR = (52, 58, 66)  # a dark mat: document-camera bases are dark so the page stands out

_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)

_TITLES = ("企业设立登记申请书", "个体工商户登记申请表", "居民身份证申领登记表", "不动产登记申请审批表")
_FIELDS = (
    ("申请人", "张小明"),
    ("证件类型", "居民身份证"),
    ("联系电话", "138 0000 0000"),
    ("住所", "湖北省当阳市玉阳街道长坂路 18 号"),
    ("经营范围", "日用百货零售；文具用品零售"),
    ("申请日期", "2024 年 5 月 20 日"),
    ("委托代理人", "李华"),
    ("邮政编码", "444100"),
)
_SENTENCES = (
    "本人承诺所提交的申请材料真实有效，并对其真实性负责。",
    "申请人应当如实填写本表，字迹清楚，不得涂改。",
    "经审查，申请材料齐全，符合法定形式，予以受理。",
    "如需补正材料，请于五个工作日内到窗口办理。",
    "本表一式两份，申请人与受理窗口各执一份。",
    "办理进度可通过政务服务网或十二三四五热线查询。",
    "委托他人办理的，应当提交授权委托书及代理人身份证明。",
    "以上信息仅用于本次行政审批，不作其他用途。",
)


@functools.cache
def cjk_font_path() -> str:
    """Path of a font that draws Chinese: a known system font, else whatever fontconfig offers."""
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found and Path(found).is_file():
            return found
    raise RuntimeError("no CJK font found: install fonts-noto-cjk (Debian) to draw Chinese test pages")


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(cjk_font_path(), size)


def _to_bgr(image: PILImage.Image) -> Image:
    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8)[:, :, ::-1])


def _draw_seal(width: int, height: int, centre: tuple[float, float], radius: float) -> Image:
    """A round red official seal (公章) on a white layer, to be multiplied onto the page like ink."""
    scale = 2  # drawn at twice the size and reduced, for smooth edges
    layer = PILImage.new("RGB", (width * scale, height * scale), (255, 255, 255))
    draw = ImageDraw.Draw(layer)
    cx, cy, r = centre[0] * scale, centre[1] * scale, radius * scale
    ring = max(4, round(r / 14))
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=SEAL_RGB, width=ring)
    star_r = r * 0.3
    points = []
    for i in range(10):
        rr = star_r if i % 2 == 0 else star_r * 0.4
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + rr * math.cos(angle), cy + rr * math.sin(angle)))
    draw.polygon(points, fill=SEAL_RGB)
    # The unit's name runs along the rim, each character upright towards the centre.
    name = "当阳市行政审批局业务专用章"
    char_size = max(8, round(r * 0.22))
    font = _font(char_size)
    span = math.radians(220)
    for i, char in enumerate(name):
        angle = math.radians(-90) - span / 2 + span * i / (len(name) - 1)
        tile = PILImage.new("RGBA", (char_size * 2, char_size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((char_size, char_size), char, font=font, fill=SEAL_RGB, anchor="mm")
        tile = tile.rotate(-math.degrees(angle) - 90, resample=PILImage.Resampling.BICUBIC)
        px = cx + r * 0.74 * math.cos(angle) - char_size
        py = cy + r * 0.74 * math.sin(angle) - char_size
        layer.paste(tile, (round(px), round(py)), tile)
    draw.text((cx, cy + r * 0.52), "审批专用", font=_font(max(8, round(r * 0.2))), fill=SEAL_RGB, anchor="mm")
    layer = layer.resize((width, height), PILImage.Resampling.LANCZOS)
    return _to_bgr(layer)


@functools.cache
def _document(seed: int, seal: bool, width: int) -> Image:
    rng = np.random.default_rng(seed)
    height = round(width * A4_RATIO)
    page = PILImage.new("RGB", (width, height), PAPER_RGB)
    draw = ImageDraw.Draw(page)
    unit = width / 1240  # sizes below are for a 150 dpi page and scale with it
    margin = round(110 * unit)
    title = _TITLES[int(rng.integers(len(_TITLES)))]
    draw.text((width / 2, 150 * unit), title, font=_font(round(48 * unit)), fill=INK_RGB, anchor="mm")
    body = _font(round(26 * unit))
    line = round(44 * unit)
    y = round(230 * unit)
    draw.text((margin, y), f"编号：DY{int(rng.integers(10**7, 10**8))}", font=body, fill=INK_RGB)
    y += line + round(10 * unit)
    # The table: label column and value column with ruled lines, as on printed forms.
    rows = 7
    row_h = round(64 * unit)
    split = margin + round(230 * unit)
    right = width - margin
    fields = [_FIELDS[int(i)] for i in rng.permutation(len(_FIELDS))[:rows]]
    stroke = max(2, round(2 * unit))
    for r in range(rows + 1):
        draw.line((margin, y + r * row_h, right, y + r * row_h), fill=INK_RGB, width=stroke)
    for x in (margin, split, right):
        draw.line((x, y, x, y + rows * row_h), fill=INK_RGB, width=stroke)
    for r, (label, value) in enumerate(fields):
        mid = y + r * row_h + row_h / 2
        draw.text((margin + 20 * unit, mid), label, font=body, fill=INK_RGB, anchor="lm")
        draw.text((split + 20 * unit, mid), value, font=body, fill=INK_RGB, anchor="lm")
    y += rows * row_h + round(60 * unit)
    # Body text: paragraphs of declarations, enough lines for deskew to lock onto.
    sentences = [_SENTENCES[int(i)] for i in rng.integers(0, len(_SENTENCES), size=14)]
    chars_per_line = int((width - 2 * margin) // (27 * unit))
    text = "".join(sentences)
    bottom = height - round(330 * unit)
    first = True
    while text and y < bottom:
        indent = 2 if first else 0
        chunk, text = text[: chars_per_line - indent], text[chars_per_line - indent :]
        draw.text((margin + indent * 27 * unit, y), chunk, font=body, fill=INK_RGB)
        y += line
        first = rng.random() < 0.15
    draw.text((width - margin, height - 250 * unit), "申请人（签字）：", font=body, fill=INK_RGB, anchor="rm")
    draw.text(
        (width - margin, height - 190 * unit), "2024 年 5 月 20 日", font=body, fill=INK_RGB, anchor="rm"
    )
    result = _to_bgr(page)
    if seal:
        centre = (width * 0.70, height - 260 * unit)
        layer = _draw_seal(width, height, centre, 150 * unit)
        # Stamp ink over printed text: the darker of the two wins per channel, like ink on ink.
        result = np.minimum(result, layer)
    result.flags.writeable = False
    return result


def a4_document(seed: int = 0, *, seal: bool = True, width: int = 1240) -> Image:
    """A clean A4 form (BGR, ``width`` × round(width·√2)): title, table, text and a red seal."""
    return _document(seed, seal, width).copy()


def seal_mask(seed: int = 0, *, width: int = 1240) -> NDArray[np.bool_]:
    """Where the seal's red ink is on :func:`a4_document` (``seal=True``) of the same seed and width."""
    with_seal = _document(seed, True, width).astype(np.int16)
    without = _document(seed, False, width).astype(np.int16)
    return np.asarray(np.abs(with_seal - without).max(axis=2) > 40)


def red_mask(image: Image) -> NDArray[np.bool_]:
    """Seal-red pixels by the usual HSV rule (H ≤ 10 or ≥ 156 on OpenCV's 0..180, S ≥ 43, V ≥ 46)."""
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    h, s, v = hsv[:, :, 0], hsv[:, :, 1], hsv[:, :, 2]
    return np.asarray(((h <= 10) | (h >= 156)) & (s >= 43) & (v >= 46))


def perspective_corners(
    size: tuple[int, int] = (2592, 1944),
    *,
    fill: float = 0.86,
    angle_deg: float = 0.0,
    keystone: float = 0.0,
    shift: tuple[float, float] = (0.0, 0.0),
    landscape: bool = False,
) -> Corners:
    """Corners (TL, TR, BR, BL) of an A4 page filling ``fill`` of the frame height, turned by
    ``angle_deg`` (counter-clockwise on screen), with ``keystone`` (top edge narrower by that share,
    as when the camera leans) and shifted by ``shift`` (fractions of the frame size)."""
    w, h = size
    page_h = fill * h
    page_w = page_h / A4_RATIO
    if landscape:
        page_w, page_h = page_h, page_w
    half_top = page_w / 2 * (1 - keystone)
    half_bottom = page_w / 2
    pts = np.array(
        [
            [-half_top, -page_h / 2],
            [half_top, -page_h / 2],
            [half_bottom, page_h / 2],
            [-half_bottom, page_h / 2],
        ],
        dtype=np.float64,
    )
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    pts = pts @ rot.T
    pts += (w / 2 + shift[0] * w, h / 2 + shift[1] * h)
    return np.asarray(pts, dtype=np.float32)


def _desk(size: tuple[int, int], rng: np.random.Generator) -> NDArray[np.float32]:
    w, h = size
    # Low-frequency blotches on the mat, then noise: a real mat is not a flat colour.
    blotch = cv2.resize(
        rng.normal(0.0, 6.0, (6, 8)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC
    )
    desk = np.empty((h, w, 3), dtype=np.float32)
    for c, base in enumerate(DESK_BGR):
        desk[:, :, c] = base + blotch
    return desk


def _lighting(size: tuple[int, int], shadow: float, rng: np.random.Generator) -> NDArray[np.float32]:
    """Vignetting times a soft diagonal shadow (the camera arm or the clerk's hand) over a third of the frame."""
    w, h = size
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = w / 2, h / 2
    r2 = ((xs - cx) / (w / 2)) ** 2 + ((ys - cy) / (h / 2)) ** 2
    light = 1.0 - 0.12 * r2
    if shadow > 0:
        angle = rng.uniform(math.radians(20), math.radians(70)) + (math.pi if rng.random() < 0.5 else 0.0)
        nx, ny = math.cos(angle), math.sin(angle)
        offset = 0.2 * min(w, h)  # the shadow line runs a little off centre, across the page
        dist = (xs - cx) * nx + (ys - cy) * ny - offset
        soft = 0.03 * math.hypot(w, h)
        light *= 1.0 - shadow / (1.0 + np.exp(-dist / soft))
    return np.asarray(light, dtype=np.float32)


def _finish(frame: NDArray[np.float32], rng: np.random.Generator, noise: float, jpeg_quality: int) -> Image:
    """Sensor noise, a touch of lens blur and MJPG compression, as a UVC camera delivers frames."""
    frame += rng.standard_normal(frame.shape, dtype=np.float32) * noise
    out = np.clip(frame, 0, 255).astype(np.uint8)
    out = np.asarray(cv2.GaussianBlur(out, (3, 3), 0.7), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
    if not ok:
        raise RuntimeError("JPEG encode failed")
    return np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), dtype=np.uint8)


def camera_frame(
    doc: Image,
    *,
    corners_px: Sequence[Sequence[float]] | NDArray[np.floating],
    shadow: float = 0.4,
    cast: tuple[float, float, float] = (1.0, 0.95, 0.85),
    size: tuple[int, int] = (2592, 1944),
    seed: int = 0,
) -> tuple[Image, Corners]:
    """``doc`` lying on a dark mat under a document camera: returns (BGR frame, true corners TL,TR,BR,BL).

    ``corners_px`` says where the page's corners land in the ``size`` = (width, height) frame.
    ``shadow`` darkens one side of the frame by that share (soft edge); ``cast`` is the lamp's gain
    per channel in R, G, B order (default: warm light, blue weakest).
    """
    rng = np.random.default_rng(seed)
    corners = np.asarray(corners_px, dtype=np.float32).reshape(4, 2)
    w, h = size
    dh, dw = doc.shape[:2]
    # Shrink the page first when it lands much smaller: warpPerspective samples without averaging.
    side = max(float(np.linalg.norm(corners[i] - corners[(i + 1) % 4])) for i in range(4))
    scale = side / max(dh, dw)
    src_doc = doc
    if scale < 0.8:
        src_doc = np.asarray(
            cv2.resize(doc, (round(dw * scale), round(dh * scale)), interpolation=cv2.INTER_AREA),
            dtype=np.uint8,
        )
        dh, dw = src_doc.shape[:2]
    src = np.array([[-0.5, -0.5], [dw - 0.5, -0.5], [dw - 0.5, dh - 0.5], [-0.5, dh - 0.5]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, corners)
    page = cv2.warpPerspective(
        src_doc, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    ones = np.ones((dh, dw), dtype=np.float32)
    mask = cv2.warpPerspective(ones, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=0.0)
    frame = _desk(size, rng)
    m = mask[:, :, None]
    frame = frame * (1.0 - m) + page.astype(np.float32) * 0.93 * m
    light = _lighting(size, shadow, rng)
    gains = np.array([cast[2], cast[1], cast[0]], dtype=np.float32)  # R,G,B -> B,G,R
    frame *= light[:, :, None] * gains
    return _finish(frame, rng, 3.0, 88), corners


def desk_frame(size: tuple[int, int] = (2592, 1944), *, clutter: bool = False, seed: int = 0) -> Image:
    """A camera frame with no page: the bare mat, or (``clutter``) a desk full of small things
    (pens, cards, sticky notes, a phone) none of which is a page."""
    rng = np.random.default_rng(seed)
    w, h = size
    frame = _desk(size, rng)
    if clutter:
        canvas = frame
        for _ in range(40):
            colour = tuple(float(c) for c in rng.uniform(30, 240, 3))
            cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h))
            bw, bh = float(rng.uniform(0.03, 0.22) * w), float(rng.uniform(0.02, 0.16) * h)
            box = cv2.boxPoints(((cx, cy), (bw, bh), float(rng.uniform(0, 180)))).astype(np.int32)
            kind = rng.random()
            if kind < 0.5:
                cv2.fillPoly(canvas, [box], colour, lineType=cv2.LINE_AA)
            elif kind < 0.8:
                p1 = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
                p2 = (int(p1[0] + rng.uniform(-0.3, 0.3) * w), int(p1[1] + rng.uniform(-0.3, 0.3) * h))
                cv2.line(canvas, p1, p2, colour, int(rng.integers(4, 18)), lineType=cv2.LINE_AA)
            else:
                cv2.circle(canvas, (int(cx), int(cy)), int(bh / 2), colour, -1, lineType=cv2.LINE_AA)
    light = _lighting(size, 0.3, rng)
    frame *= light[:, :, None]
    return _finish(frame, rng, 3.0, 88)


def scanner_page(
    doc: Image, *, angle_deg: float, seed: int = 0, dark_edge_px: int = 0, noise: float = 2.5
) -> Image:
    """``doc`` from a flatbed/ADF scanner, turned by ``angle_deg`` (counter-clockwise on screen).

    The scan area is 3 % larger than the page, so the lid (near white) shows round it; the page is
    rotated about its centre. ``dark_edge_px`` adds the dark band a scanner leaves along its left
    edge when the lid does not close. Sensor noise has standard deviation ``noise``.
    """
    rng = np.random.default_rng(seed)
    dh, dw = doc.shape[:2]
    pad = round(0.015 * max(dh, dw))
    w, h = dw + 2 * pad, dh + 2 * pad
    matrix = cv2.getRotationMatrix2D(((dw - 1) / 2, (dh - 1) / 2), angle_deg, 1.0)
    matrix[0, 2] += pad
    matrix[1, 2] += pad
    lid = (236, 238, 238)
    page = cv2.warpAffine(doc, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=lid)
    frame = page.astype(np.float32) * 0.97
    if dark_edge_px > 0:
        frame[:, :dark_edge_px] = rng.uniform(20, 45)
    frame += rng.standard_normal(frame.shape, dtype=np.float32) * noise
    return np.asarray(np.clip(frame, 0, 255), dtype=np.uint8)


def blank_page(
    seed: int = 0,
    *,
    width: int = 1240,
    noise: float = 2.5,
    paper_bgr: tuple[int, int, int] = (246, 248, 250),
    dust: int = 0,
    signature: bool = False,
    page_number: int | None = None,
    bleed: float = 0.0,
) -> Image:
    """An A4 sheet with nothing printed: ``noise`` (sensor σ), ``dust`` specks of 1–2 px, optional
    back-side ``bleed`` (share of the other side's ink showing through, mirrored), and optionally a
    short handwritten ``signature`` line or a printed "第 N 页" ``page_number`` — the last two are
    content a clerk must keep."""
    rng = np.random.default_rng(seed)
    height = round(width * A4_RATIO)
    page = np.empty((height, width, 3), dtype=np.float32)
    page[:] = paper_bgr
    if bleed > 0:
        back = a4_document(seed, seal=False, width=width)[:, ::-1].astype(np.float32)
        page -= bleed * (255.0 - back)
    canvas = np.clip(page, 0, 255).astype(np.uint8)
    if signature:
        # A pen scribble: a smooth random curve about a fifth of the page wide, lower right.
        n = 60
        xs = np.linspace(0.62, 0.82, n) * width
        wobble = np.cumsum(rng.normal(0, 1.0, n))
        ys = 0.8 * height + 10 * np.sin(np.linspace(0, 9, n)) + 3 * wobble
        pts = np.stack([xs, ys], axis=1).astype(np.int32)
        thickness = max(2, round(3 * width / 1240))
        cv2.polylines(canvas, [pts], False, (90, 40, 30), thickness, lineType=cv2.LINE_AA)
    if page_number is not None:
        pil = PILImage.fromarray(np.ascontiguousarray(canvas[:, :, ::-1]))
        ImageDraw.Draw(pil).text(
            (width / 2, height * 0.95),
            f"第 {page_number} 页",
            font=_font(round(22 * width / 1240)),
            fill=INK_RGB,
            anchor="mm",
        )
        canvas = _to_bgr(pil)
    out = canvas.astype(np.float32)
    for _ in range(dust):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(1, 3))
        out[max(0, y - r // 2) : y + r, max(0, x - r // 2) : x + r] = rng.uniform(60, 140)
    out += rng.standard_normal(out.shape, dtype=np.float32) * noise
    return np.clip(out, 0, 255).astype(np.uint8)
