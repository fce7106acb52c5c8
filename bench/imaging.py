"""Page fitting against ImageMagick, and the camera-frame-to-file pipeline, on the same generated pages.

Pages come from the tests' synthetic document generator (tests/imaging/synth.py): an A4 form with
Chinese text, a table and a red seal, seen by a 5 MP document camera (perspective, shadow, colour
cast, MJPG) or by a scanner (skew, noise). Each page first goes through the page pipeline
(app.imaging.pipeline: detect + warp + flatten, or crop + deskew + flatten); then, per output
profile (jpg-90k: 1131×1600; jpg-90k-literal: 848×1200; both ≤ 90,000 bytes):

- ours: ``fit_page`` (colour test, resize, quality search with optimised Huffman tables at
  4:2:0), timed in-process;
- ImageMagick fit: ``convert page.png -resize WxH! -sampling-factor 4:2:0 -define
  jpeg:extent=90000b out.jpg`` on the same processed page (grey when ours decided grey, so both
  encode the same content), wall time per call;
- ImageMagick extent only: ``convert resized.png -define jpeg:extent=90000b`` on the page already
  at the output size, against our quality search alone on the same pixels (the fairest view of
  the two searches); ``convert resized.png null:`` is timed too, as ImageMagick's fixed cost
  (start-up + PNG read) that the in-process timing of ours does not pay.

SSIM (grey, Gaussian 11×11, σ 1.5) is measured against the flat ground truth (the clean form at
the output size); "ceiling" is the processed page before JPEG, so misregistration from the camera
geometry is visible separately from compression loss. The pipeline column is the whole camera
frame (or scan) to fitted JPEG bytes. Ratios are ours / ImageMagick. Nothing is asserted.

    python -m bench.imaging [--camera 4] [--scans 3] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

from app.imaging.output import fit_page, resize_to
from app.imaging.pipeline import ProcessedPage, process_camera_frame, process_scan
from app.imaging.profiles import PROFILES, OutputProfile, as_image, search_quality
from tests.imaging import synth

Image = NDArray[np.uint8]
T = TypeVar("T")
CAP = 90_000
DOC_WIDTH = 1654  # 200 dpi A4: the ground truth the devices look at


def ssim(a: Image, b: Image) -> float:
    """Mean SSIM of two grey images of the same size (Wang et al. 2004, Gaussian window)."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(v: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(cv2.GaussianBlur(v, (11, 11), 1.5), dtype=np.float64)

    mx, my = blur(x), blur(y)
    sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    num = (2 * mx * my + c1) * (2 * sxy + c2)
    den = (mx * mx + my * my + c1) * (sxx + syy + c2)
    return float(np.mean(num / den))


def grey(image: Image) -> Image:
    return image if image.ndim == 2 else as_image(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))


def decode(data: bytes) -> Image:
    return as_image(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED))


def timed(fn: Callable[[], T], repeat: int) -> tuple[T, float]:
    """The result and the median seconds of ``repeat`` calls."""
    samples, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t)
    assert result is not None
    return result, statistics.median(samples)


def convert(args: list[str], repeat: int) -> float:
    """Median wall seconds of one ImageMagick ``convert`` call."""
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(["convert", *args], check=True, capture_output=True)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


@dataclasses.dataclass
class Page:
    name: str
    truth: Image  # the clean form
    source: Image  # what the device delivered
    process: Callable[[Image], ProcessedPage]


def make_pages(cameras: int, scans: int) -> list[Page]:
    pages = []
    for i in range(cameras):
        doc = synth.a4_document(i, width=DOC_WIDTH)
        corners = synth.perspective_corners(
            angle_deg=(-4, 3, 7, -1)[i % 4], keystone=(0.04, 0.0, 0.06, 0.02)[i % 4]
        )
        frame, _ = synth.camera_frame(doc, corners_px=corners, shadow=(0.4, 0.25, 0.5, 0.3)[i % 4], seed=i)
        pages.append(Page(f"camera-{i}", doc, frame, lambda f: process_camera_frame(f)))
    for i in range(scans):
        doc = synth.a4_document(10 + i, seal=i % 2 == 0, width=DOC_WIDTH)
        scan = synth.scanner_page(doc, angle_deg=(2.3, -1.4, 0.7)[i % 3], seed=i)
        pages.append(Page(f"scan-{i}", doc, scan, process_scan))
    return pages


@dataclasses.dataclass
class Row:
    page: str
    profile: str
    size: str
    ours_q: int
    ours_bytes: int
    ours_ms: float
    ours_ssim: float
    ceiling: float
    im_bytes: int
    im_ms: float
    im_ssim: float
    search_ms: float
    im_extent_bytes: int
    im_extent_ms: float
    im_null_ms: float
    pipeline_ms: float


def bench_page(page: Page, profile: OutputProfile, work: Path, repeat: int) -> Row:
    processed, pipe_s = timed(lambda: page.process(page.source), repeat)
    fitted, fit_s = timed(lambda: fit_page(processed.image, profile, colour=processed.colour), repeat)
    pipeline_s = pipe_s + fit_s
    w, h = fitted.width, fitted.height
    truth = grey(as_image(cv2.resize(page.truth, (w, h), interpolation=cv2.INTER_AREA)))
    content = processed.image if fitted.colour else grey(processed.image)
    resized = resize_to(content, w, h)
    _, search_s = timed(lambda: search_quality(resized, profile.max_bytes), repeat)

    src, small, out, out2 = work / "page.png", work / "resized.png", work / "im.jpg", work / "im2.jpg"
    cv2.imwrite(str(src), content)
    cv2.imwrite(str(small), resized)
    extent = f"jpeg:extent={profile.max_bytes}b"
    im_s = convert(
        [str(src), "-resize", f"{w}x{h}!", "-sampling-factor", "4:2:0", "-define", extent, str(out)], repeat
    )
    im_extent_s = convert([str(small), "-sampling-factor", "4:2:0", "-define", extent, str(out2)], repeat)
    null_s = convert([str(small), "null:"], repeat)
    im_data = out.read_bytes()
    return Row(
        page=page.name,
        profile=profile.key,
        size=f"{w}×{h}{'' if fitted.colour else ' grey'}",
        ours_q=fitted.quality,
        ours_bytes=fitted.size,
        ours_ms=fit_s * 1000,
        ours_ssim=ssim(grey(decode(fitted.data)), truth),
        ceiling=ssim(grey(resized), truth),
        im_bytes=len(im_data),
        im_ms=im_s * 1000,
        im_ssim=ssim(grey(decode(im_data)), truth),
        search_ms=search_s * 1000,
        im_extent_bytes=len(out2.read_bytes()),
        im_extent_ms=im_extent_s * 1000,
        im_null_ms=null_s * 1000,
        pipeline_ms=pipeline_s * 1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--camera", type=int, default=4, help="camera frames (default 4)")
    parser.add_argument("--scans", type=int, default=3, help="scanner pages (default 3)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (median)")
    args = parser.parse_args()
    if shutil.which("convert") is None:
        print(
            "ImageMagick `convert` not found: run tools/system-deps.sh bench (make bench does).",
            file=sys.stderr,
        )
        raise SystemExit(1)
    version = subprocess.run(["convert", "-version"], capture_output=True, text=True, check=True).stdout
    print(f"bench.imaging: {version.splitlines()[0]}; OpenCV {cv2.__version__}; cap {CAP:,} B")
    pages = make_pages(args.camera, args.scans)
    profiles = [PROFILES["jpg-90k"], PROFILES["jpg-90k-literal"]]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        warm = work / "warm.png"
        cv2.imwrite(str(warm), np.full((64, 64), 255, np.uint8))
        convert([str(warm), str(work / "warm.jpg")], 1)  # first start of ImageMagick loads its caches
        for page in pages:
            for profile in profiles:
                rows.append(bench_page(page, profile, work, args.repeat))

    head = (
        f"{'page':<9} {'profile':<16} {'size':<15} {'q':>3} {'ours B':>7} {'IM B':>7} "
        f"{'ours ms':>8} {'IM ms':>7} {'t ratio':>7} {'SSIM':>6} {'IM SSIM':>7} {'ceil':>6} "
        f"{'srch ms':>7} {'IMext ms':>8} {'IMnull':>6} {'s ratio':>7} {'pipe ms':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        over = "!" if r.im_bytes > CAP else " "
        print(
            f"{r.page:<9} {r.profile:<16} {r.size:<15} {r.ours_q:>3} {r.ours_bytes:>7,} {r.im_bytes:>6,}{over} "
            f"{r.ours_ms:>8.1f} {r.im_ms:>7.1f} {r.ours_ms / r.im_ms:>7.2f} {r.ours_ssim:>6.4f} {r.im_ssim:>7.4f} "
            f"{r.ceiling:>6.4f} {r.search_ms:>7.1f} {r.im_extent_ms:>8.1f} {r.im_null_ms:>6.1f} "
            f"{r.search_ms / r.im_extent_ms:>7.2f} {r.pipeline_ms:>7.1f}"
        )

    def med(values: list[float]) -> float:
        return statistics.median(values)

    print()
    print(f"over the cap: ours {sum(r.ours_bytes > CAP for r in rows)}/{len(rows)}, "
          f"ImageMagick {sum(r.im_bytes > CAP for r in rows)}/{len(rows)} (fit) and "
          f"{sum(r.im_extent_bytes > CAP for r in rows)}/{len(rows)} (extent only)")  # fmt: skip
    print(
        f"fit time, ours / ImageMagick (median of pages):         {med([r.ours_ms / r.im_ms for r in rows]):.2f}"
    )
    print(
        f"quality search alone, ours / ImageMagick extent only:   {med([r.search_ms / r.im_extent_ms for r in rows]):.2f}"
        f"  (ImageMagick start-up + PNG read alone: median {med([r.im_null_ms for r in rows]):.0f} ms)"
    )
    print(
        f"bytes, ours / ImageMagick:                               {med([r.ours_bytes / r.im_bytes for r in rows]):.3f}"
    )
    print(
        f"SSIM to the flat truth, ours − ImageMagick:             {med([r.ours_ssim - r.im_ssim for r in rows]):+.4f}"
        f"  (min {min(r.ours_ssim - r.im_ssim for r in rows):+.4f})"
    )
    for kind in ("camera", "scan"):
        chosen = [r.pipeline_ms for r in rows if r.page.startswith(kind) and r.profile == "jpg-90k"]
        if chosen:
            print(
                f"{kind} frame → ≤ 90 KB JPEG (whole pipeline, jpg-90k), median per page: {med(chosen):.0f} ms"
            )


if __name__ == "__main__":
    main()
