"""Case packages (材料打包): a case's pages, fitted to a profile, named in paper order and zipped.

Layout, from the Dangyang (当阳) rule "以一个报建项目的工程全称命名的整套资料文件夹，分4个打包压缩文件夹，
即施工、安全、监督、散墙资料，分别建立打包压缩文件夹": one folder named after the project holding one
zip per material category. So the package is one zip with a single top folder, the project, and in
it, depending on the profile's ``grouping``::

    zip     项目/01_施工.zip  (holding 01_施工_001.jpg, 01_施工_002.jpg, ...)
    folder  项目/01_施工/01_施工_001.jpg, ...
    file    项目/01_施工.pdf  (PDF/OFD profiles: one document per category, pages in order)

Categories are numbered 1, 2, ... in the order given (a case folder: its subfolders in natural
name order); pages keep their order. A case folder (CASE_DIR) holds one subfolder per category,
named e.g. "01_施工" or "施工" (a leading number only orders, it is not part of the name), with page
images (JPEG, PNG, TIFF) or PDFs in natural file-name order ("2.jpg" before "10.jpg").

Packing is all or nothing: if any page fails its profile, no package is made and one Chinese
message lists every failing page.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app.errors import UserFacingError, ValidationError
from app.imaging.io import IMAGE_SUFFIXES, PDF_SUFFIXES, read_pages
from app.imaging.ofd import pages_to_ofd
from app.imaging.output import FittedPage, fit_page, jpeg_info, pages_to_pdf
from app.imaging.profiles import Image, OutputProfile, as_image, check_page

#: File types a category folder may hold (everything read_pages reads).
PAGE_SUFFIXES = IMAGE_SUFFIXES | PDF_SUFFIXES
# Files Windows and macOS drop into folders by themselves; never materials.
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
_ORDER_PREFIX = re.compile(r"^\s*\d+\s*[-_.、．\s]\s*")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_MAX_LISTED_PROBLEMS = 10

PageSource = Image | bytes
# A page slot that could not even be read carries the reason instead of the page.
_Slot = tuple[str, PageSource | UserFacingError]


@dataclass(frozen=True)
class PackedCategory:
    """One material category as packed: its number, name, entry name and fitted pages."""

    number: int
    name: str
    entry: str
    pages: tuple[FittedPage, ...]


@dataclass(frozen=True)
class Package:
    """A packed case: the zip bytes and what went into it."""

    data: bytes
    project: str
    categories: tuple[PackedCategory, ...]


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders "2" before "10" inside names, as the clerk numbers pages."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold()) for part in re.split(r"(\d+)", name)
    )


def safe_name(name: str) -> str:
    """A name usable as a file or folder name on Windows: no path separators or reserved characters."""
    cleaned = _UNSAFE.sub("_", name).strip().strip(".").strip()
    return cleaned or "_"


def category_name(folder_name: str) -> str:
    """The category from a folder name: "01_施工" -> "施工" (the number only sets the order)."""
    stripped = _ORDER_PREFIX.sub("", folder_name, count=1).strip()
    return stripped or folder_name.strip()


def _is_system_file(path: Path) -> bool:
    return path.name.startswith(".") or path.name.casefold() in _SYSTEM_FILES


def case_folders(case_dir: Path) -> list[tuple[str, list[Path]]]:
    """The categories of a case folder in order, each with its page files in order.

    Raises ValidationError (Chinese) when the folder is missing or empty, holds loose files
    outside a category folder, a category folder is empty, or holds files that are not pages.
    """
    if not case_dir.is_dir():
        raise ValidationError(f"找不到材料文件夹：{case_dir}。请检查路径。", field="case_dir")
    entries = sorted(
        (p for p in case_dir.iterdir() if not _is_system_file(p)), key=lambda p: natural_key(p.name)
    )
    loose = [p.name for p in entries if not p.is_dir()]
    if loose:
        raise ValidationError(
            f"材料文件夹 {case_dir.name} 里有不在类别文件夹中的文件：{'、'.join(loose[:5])}。"
            "请按材料类别建子文件夹（如“01_施工”），把页面放进对应的子文件夹。",
            field="case_dir",
        )
    categories: list[tuple[str, list[Path]]] = []
    for folder in entries:
        files = sorted(
            (p for p in folder.iterdir() if not _is_system_file(p)), key=lambda p: natural_key(p.name)
        )
        others = [p.name for p in files if p.is_dir() or p.suffix.lower() not in PAGE_SUFFIXES]
        if others:
            raise ValidationError(
                f"类别文件夹“{folder.name}”里有不能打包的内容：{'、'.join(others[:5])}。"
                "只能放 JPEG、PNG、TIFF、BMP、WebP 图片或 PDF；请转换格式或移出该文件夹。",
                field="case_dir",
            )
        if not files:
            raise ValidationError(
                f"类别文件夹“{folder.name}”是空的。请放入该类材料的页面，或删除这个文件夹。", field="case_dir"
            )
        categories.append((category_name(folder.name), files))
    if not categories:
        raise ValidationError(
            f"材料文件夹 {case_dir.name} 里没有类别子文件夹。请按材料类别建子文件夹并放入页面。",
            field="case_dir",
        )
    return categories


def _verbatim_or_fitted(page: PageSource, profile: OutputProfile) -> FittedPage:
    """Fit an image; a baseline JPEG that already meets the profile is kept byte for byte (no second loss)."""
    if isinstance(page, np.ndarray):
        return fit_page(page, profile)
    info = None
    if page.startswith(b"\xff\xd8"):
        try:
            info = jpeg_info(page)
        except ValidationError:
            info = None
    # Only a plain baseline grey or colour JPEG goes out as it is: old validators may reject
    # progressive files (imaging.md §7) and CMYK shows wrong colours in many viewers.
    if info is not None and info.baseline and info.components in (1, 3):
        verdict = check_page(info.width, info.height, len(page), "jpeg", profile)
        if verdict.ok:
            dpi = round(info.dpi[0]) if info.dpi else 0
            # Quality 0: kept as it came, its encoder's quality is unknown.
            return FittedPage(page, info.width, info.height, len(page), 0, verdict, info.components > 1, dpi)
    decoded = cv2.imdecode(np.frombuffer(page, dtype=np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise ValidationError("无法识别这页的图像数据。请重新拍摄或导入。", field="page")
    return fit_page(as_image(decoded), profile)


def _problem_list(problems: list[str]) -> str:
    shown = problems[:_MAX_LISTED_PROBLEMS]
    more = len(problems) - len(shown)
    tail = f"；另有 {more} 处问题" if more > 0 else ""
    return "；".join(shown) + tail


def _fit_category(
    name: str, pages: Iterable[_Slot], profile: OutputProfile, problems: list[str]
) -> list[FittedPage]:
    fitted: list[FittedPage] = []
    before = len(problems)
    for number, (label, page) in enumerate(pages, start=1):
        try:
            if isinstance(page, UserFacingError):
                raise page
            fitted.append(_verbatim_or_fitted(page, profile))
        except UserFacingError as exc:
            where = f"（{label}）" if label else ""
            problems.append(f"“{name}”第 {number} 页{where}：{str(exc).rstrip('。')}")
    if not fitted and len(problems) == before:
        problems.append(f"“{name}”没有页面")
    return fitted


def _pages_of_files(files: Sequence[Path]) -> Iterable[_Slot]:
    """Pages of the files in order (a PDF gives all its pages), read one file at a time."""
    for path in files:
        try:
            pages = read_pages(path)
        except UserFacingError as exc:
            yield path.name, exc
            continue
        for index, page in enumerate(pages, start=1):
            yield (f"{path.name} 第 {index} 页" if len(pages) > 1 else path.name), page


def _zip_bytes(files: Sequence[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files:
            zf.writestr(name, data, compress_type=_compression(name))
    return out.getvalue()


def _compression(name: str) -> int:
    # Page images and zips are compressed already; deflating them again only costs time.
    return (
        zipfile.ZIP_STORED
        if name.lower().endswith((".jpg", ".zip", ".pdf", ".ofd"))
        else zipfile.ZIP_DEFLATED
    )


def _category_files(
    profile: OutputProfile, project: str, number: int, name: str, pages: Sequence[FittedPage]
) -> tuple[str, list[tuple[str, bytes]]]:
    group = safe_name(profile.group_name(project=project, category_no=number, category=name))
    if profile.format == "jpeg":
        return group, [
            (
                safe_name(profile.file_name(project=project, category_no=number, category=name, page_no=i)),
                p.data,
            )
            for i, p in enumerate(pages, start=1)
        ]
    jpegs = [p.data for p in pages]
    title = f"{project} {name}"
    if profile.format == "pdf":
        document = pages_to_pdf(jpegs, a4=profile.dpi is None, title=title)
    else:
        document = pages_to_ofd(jpegs, dpi=profile.dpi, title=title)
    return group, [(f"{group}.{profile.extension}", document)]


def build_package(
    case: Path | Sequence[tuple[str, Sequence[PageSource]]],
    profile: OutputProfile,
    *,
    project: str | None = None,
) -> Package:
    """Fit every page of a case to ``profile`` and zip them in the profile's layout.

    ``case`` is a case folder (see the module docstring) or a list of (category, pages) with pages
    as images or JPEG bytes (bytes already meeting the profile are kept as they are). ``project``
    names the top folder (default: the case folder's name). Raises ValidationError listing every
    page that does not fit.
    """
    if isinstance(case, Path):
        project = project or case.name
        sources: list[tuple[str, Iterable[_Slot]]] = [
            (name, _pages_of_files(files)) for name, files in case_folders(case)
        ]
    else:
        if not case:
            raise ValidationError("没有可以打包的材料。请先添加材料页。", field="case")
        sources = [(name, [("", p) for p in pages]) for name, pages in case]
    top = safe_name((project or "").strip() or "材料")
    problems: list[str] = []
    fitted: list[tuple[str, list[FittedPage]]] = []
    for name, pages in sources:
        fitted.append((name, _fit_category(name, pages, profile, problems)))
    if problems:
        raise ValidationError(
            f"有 {len(problems)} 处页面不符合“{profile.name}”，未生成压缩包：{_problem_list(problems)}。"
            "请按提示重拍或处理这些页面后再打包。",
            field="case",
        )
    out = io.BytesIO()
    packed: list[PackedCategory] = []
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(f"{top}/", b"")  # the project folder itself, so it exists even when viewed empty
        for number, (name, category_pages) in enumerate(fitted, start=1):
            group, files = _category_files(profile, top, number, name, category_pages)
            if profile.grouping == "zip":
                entry = f"{top}/{group}.zip"
                zf.writestr(entry, _zip_bytes(files), compress_type=zipfile.ZIP_STORED)
            elif profile.grouping == "folder":
                entry = f"{top}/{group}/"
                for file_name, data in files:
                    zf.writestr(entry + file_name, data, compress_type=_compression(file_name))
            else:
                (file_name, data), *_ = files
                entry = f"{top}/{file_name}"
                zf.writestr(entry, data, compress_type=_compression(file_name))
            packed.append(PackedCategory(number, name, entry, tuple(category_pages)))
    return Package(out.getvalue(), top, tuple(packed))


def pack_case(
    case: Path | Sequence[tuple[str, Sequence[PageSource]]],
    profile: OutputProfile,
    *,
    project: str | None = None,
) -> bytes:
    """The zip bytes of :func:`build_package`."""
    return build_package(case, profile, project=project).data
