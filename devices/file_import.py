"""File import (导入文件): pages from JPEG, PNG, TIFF and PDF files, as the third page source.

Used by the materials step's 导入 button and by dropping files or folders onto it. Every page of
every readable file comes out, in the order the clerk gave the files and, inside a file, in page
order; a folder contributes its files in natural name order ("第2页" before "第10页"). A file that
cannot be read (damaged, password-protected, unsupported type) is reported by name with a Chinese
message and skipped: it never costs the pages of the good files around it.

Decoding goes through app/imaging/io.py, which reads bytes through Python and decodes in memory,
so Chinese paths work on Windows too (imaging.md §2.5).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from app.errors import UserFacingError
from app.imaging.io import IMAGE_SUFFIXES, PDF_DPI, PDF_SUFFIXES, read_pages

log = logging.getLogger(__name__)

#: What the importer accepts, by file-name suffix (content decides the decoder, see read_pages).
IMPORT_SUFFIXES: Final = frozenset(IMAGE_SUFFIXES | PDF_SUFFIXES)
#: Filter for the file dialog behind the 导入 button (Qt's "description (patterns)" form).
FILE_DIALOG_FILTER: Final = "图片和 PDF 文件 (" + " ".join(f"*{s}" for s in sorted(IMPORT_SUFFIXES)) + ")"

_NUMBER = re.compile(r"(\d+)")


@dataclass(frozen=True, eq=False)
class ImportedPage:
    """One page: ``image`` is BGR uint8; ``page_number`` counts from 1 within ``source``."""

    source: Path
    page_number: int
    page_count: int
    image: NDArray[np.uint8] = field(repr=False)


@dataclass(frozen=True)
class ImportFailure:
    """A file that gave no pages, with the Chinese message to show for it."""

    source: Path
    message: str


@dataclass
class ImportResult:
    pages: list[ImportedPage] = field(default_factory=list)
    failures: list[ImportFailure] = field(default_factory=list)

    @property
    def message(self) -> str | None:
        """A Chinese summary of what went wrong, for the status line; None when every file worked."""
        if not self.failures:
            return None
        names = "、".join(f"“{failure.source.name}”" for failure in self.failures[:3])
        more = f"等 {len(self.failures)} 个文件" if len(self.failures) > 3 else ""
        kept = f"其余文件的 {len(self.pages)} 页已导入。" if self.pages else "没有导入任何页面。"
        detail = self.failures[0].message if len(self.failures) == 1 else "请逐个检查这些文件后重新导入。"
        return f"{names}{more}未能导入：{detail}{kept}"


def natural_key(path: Path) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders numbered names as people do: page2 < page10."""
    parts = _NUMBER.split(path.name.casefold())
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts if part)


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files to import: files as given, folders replaced by their importable files (natural
    order, hidden files skipped, not recursive). Unsupported files stay in, to be reported."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = [
                child
                for child in path.iterdir()
                if child.is_file()
                and not child.name.startswith(".")
                and child.suffix.lower() in IMPORT_SUFFIXES
            ]
            files.extend(sorted(inside, key=natural_key))
        else:
            files.append(path)
    return files


def _unsupported(path: Path) -> ImportFailure:
    return ImportFailure(
        path, f"“{path.name}”不是可导入的文件类型，只能导入 JPEG、PNG、TIFF 图片或 PDF 文件。"
    )


def iter_pages(
    paths: Iterable[str | os.PathLike[str]], *, dpi: int = PDF_DPI
) -> Iterator[ImportedPage | ImportFailure]:
    """Pages one file at a time (so a caller can store them as they come), and a failure in their
    place for each file that cannot be read. PDF pages are rendered at ``dpi``."""
    for path in expand_paths(paths):
        if path.suffix.lower() not in IMPORT_SUFFIXES:
            yield _unsupported(path)
            continue
        try:
            images = read_pages(path, dpi=dpi)
        except UserFacingError as exc:
            log.warning("import: %s skipped (%s)", path.suffix or "file", type(exc).__name__)
            yield ImportFailure(path, str(exc))
            continue
        except Exception:
            # A decoder fault on a hostile file must not end the whole import.
            log.exception("import: unexpected failure reading a %s file", path.suffix or "suffix-less")
            yield ImportFailure(path, f"无法读取“{path.name}”：文件可能已损坏，请换一个文件或重新扫描。")
            continue
        for number, image in enumerate(images, start=1):
            yield ImportedPage(path, number, len(images), image)


def import_files(paths: Iterable[str | os.PathLike[str]], *, dpi: int = PDF_DPI) -> ImportResult:
    """Every page of ``paths`` (files or folders) plus the files that failed; see the module docstring."""
    result = ImportResult()
    for item in iter_pages(paths, dpi=dpi):
        if isinstance(item, ImportedPage):
            result.pages.append(item)
        else:
            result.failures.append(item)
    return result
