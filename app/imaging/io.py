"""Page image files (图像文件读写) that work on Chinese paths.

``cv2.imread``/``cv2.imwrite`` fail silently on non-ASCII paths on Windows (imaging.md §2.5), and
clerks keep materials in folders like ``材料/身份证 正面.jpg``. So files are read and written as
bytes through Python (which uses the wide-character API) and decoded or encoded in memory.

Supported: JPEG, PNG, TIFF (all pages), BMP and WebP through OpenCV; PDF pages rendered with
pypdfium2. Images come back as 8-bit BGR: alpha is laid onto white paper, grey becomes BGR, 16-bit
is reduced, and a phone photo's EXIF orientation is applied.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pypdfium2 as pdfium
from numpy.typing import NDArray

from app.errors import StorageError, ValidationError
from app.imaging.profiles import Image

log = logging.getLogger(__name__)

#: PDF pages are rendered at this resolution: enough for any profile, A4 is 1654×2339.
PDF_DPI = 200
#: A PDF with more pages is refused: each rendered page holds ~12 MB of memory.
MAX_PDF_PAGES = 100
# A huge PDF page (a drawing on A0) is rendered smaller, so its long side stays within this.
_MAX_RENDER_SIDE = 5000

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"})
PDF_SUFFIXES = frozenset({".pdf"})


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(
            f"找不到文件“{path.name}”，请确认文件仍在原处后重新导入。", field="file"
        ) from None
    except IsADirectoryError:
        raise ValidationError(f"“{path.name}”是文件夹，请选择其中的图片或 PDF 文件。", field="file") from None
    except OSError as exc:
        log.warning("cannot read %s: %s", path.name, exc.strerror)
        raise ValidationError(
            f"无法读取文件“{path.name}”：文件被占用或没有权限，请关闭使用它的程序后重试。", field="file"
        ) from exc


def _unreadable(name: str) -> ValidationError:
    return ValidationError(
        f"无法识别“{name}”：文件已损坏，或不是 JPEG、PNG、TIFF、PDF 格式，请换一个文件或重新拍摄。",
        field="file",
    )


def _as_bgr(image: NDArray[Any]) -> Image:
    """Any decoded image as 8-bit BGR; transparency lands on white paper, not black."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    channels = image.shape[2]
    if channels == 1:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if channels == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255.0
        blended = image[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        out: Image = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
        return out
    return np.ascontiguousarray(image, dtype=np.uint8)


def decode_image(data: bytes, *, name: str = "图片") -> list[Image]:
    """The pages of an image file held in memory (one for JPEG/PNG, all of them for TIFF)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        # Unchanged keeps the alpha channel, so a transparent PNG turns white rather than black.
        png = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        if png is None:
            raise _unreadable(name)
        return [_as_bgr(np.asarray(png))]
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        ok, pages = cv2.imdecodemulti(buf, cv2.IMREAD_COLOR)
        if not ok or not pages:
            raise _unreadable(name)
        return [_as_bgr(np.asarray(p)) for p in pages]
    image = cv2.imdecode(buf, cv2.IMREAD_COLOR)  # applies EXIF orientation (phone photos)
    if image is None:
        raise _unreadable(name)
    return [_as_bgr(np.asarray(image))]


def render_pdf(
    data: bytes, *, dpi: int = PDF_DPI, name: str = "PDF", first_only: bool = False
) -> list[Image]:
    """The pages of a PDF held in memory (all, or only the first), rendered to BGR at ``dpi``."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        log.warning("cannot open PDF %s: %s", name, exc)
        raise ValidationError(
            f"无法打开 PDF“{name}”：文件已损坏或设有密码，请换一个文件或去除密码后重新导入。", field="file"
        ) from exc
    try:
        count = len(document)
        if count == 0:
            raise ValidationError(f"PDF“{name}”没有页面，请换一个文件。", field="file")
        if count > MAX_PDF_PAGES and not first_only:
            raise ValidationError(
                f"PDF“{name}”共 {count} 页，超过一次导入的上限 {MAX_PDF_PAGES} 页，请拆分后分批导入。",
                field="file",
            )
        pages: list[Image] = []
        for index in range(1 if first_only else count):
            page = document[index]
            try:
                width_pt, height_pt = page.get_size()
                scale = dpi / 72.0
                scale = min(scale, _MAX_RENDER_SIDE / max(width_pt, height_pt, 1.0))
                bitmap = page.render(scale=scale)
                try:
                    pages.append(_as_bgr(np.array(bitmap.to_numpy(), copy=True)))  # BGR by default
                finally:
                    bitmap.close()
            finally:
                page.close()
        return pages
    finally:
        document.close()


def _pages(path: str | os.PathLike[str], dpi: int, first_only: bool) -> list[Image]:
    file = Path(path)
    data = _read(file)
    if data[:5] == b"%PDF-" or (file.suffix.lower() in PDF_SUFFIXES and b"%PDF-" in data[:1024]):
        return render_pdf(data, dpi=dpi, name=file.name, first_only=first_only)
    return decode_image(data, name=file.name)


def read_pages(path: str | os.PathLike[str], *, dpi: int = PDF_DPI) -> list[Image]:
    """Every page in a file: one for a photo, all pages of a TIFF or PDF. Recognised by content,
    not by the name's suffix (a PDF saved as .jpg still opens)."""
    return _pages(path, dpi, first_only=False)


def read_image(path: str | os.PathLike[str], *, dpi: int = PDF_DPI) -> Image:
    """The first (usually only) page of an image or PDF file as BGR; :func:`read_pages` for all."""
    return _pages(path, dpi, first_only=True)[0]


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (temporary file, then rename); parent folders
    are created. A crash never leaves half a JPEG with the final name."""
    file = Path(path)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".part-", dir=file.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(temp, 0o644)  # mkstemp makes it owner-only; a saved page is an ordinary file
            os.replace(temp, file)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("cannot write %s: %s", file.name, exc.strerror)
        raise StorageError(
            f"无法保存文件“{file.name}”：磁盘已满或没有写入权限，请检查保存位置后重试。"
        ) from exc


def encode_image(image: Image, suffix: str, *, jpeg_quality: int = 95) -> bytes:
    """``image`` encoded in memory as the format named by ``suffix`` (".jpg", ".png", ".tif")."""
    ext = suffix.lower() if suffix.startswith(".") else f".{suffix.lower()}"
    if ext not in IMAGE_SUFFIXES:
        raise ValueError(f"cannot encode an image as {suffix!r}")
    params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)] if ext in (".jpg", ".jpeg") else []
    ok, buf = cv2.imencode(ext, image, params)
    if not ok:
        raise ValueError(f"OpenCV could not encode the image as {ext}")
    return bytes(buf.tobytes())


def write_image(path: str | os.PathLike[str], image: Image, *, jpeg_quality: int = 95) -> None:
    """Save ``image`` in the format its suffix names, safely on Chinese paths (see :func:`write_bytes`)."""
    file = Path(path)
    write_bytes(file, encode_image(image, file.suffix, jpeg_quality=jpeg_quality))
