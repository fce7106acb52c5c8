"""OFD writer (版式文档, GB/T 33190-2016): page images as an OFD document, each JPEG stored verbatim.

An OFD file is a zip (imaging.md §5.2)::

    OFD.xml                          DocBody: DocInfo (DocID, Title, CreationDate, Creator) + DocRoot
    Doc_0/Document.xml               CommonData (MaxUnitID, PageArea, PublicRes, DocumentRes) + Pages
    Doc_0/PublicRes.xml              document-wide public resources (none needed for images: empty)
    Doc_0/DocumentRes.xml            Res BaseLoc="Res": one MultiMedia Type="Image" Format="JPEG" per page
    Doc_0/Pages/Page_N/Content.xml   Area (PhysicalBox in mm) + Layer with one ImageObject
    Doc_0/Res/Image_N.jpg            the page JPEG, byte for byte

Every element is in the namespace http://www.ofdspec.org/2016 with the required ``Version="1.0"``
and ``DocType="OFD"``; sizes are ST_Box "x y w h" in millimetres. We write our own because easyofd
re-encodes JPEGs as PNG and uses a wrong namespace (imaging.md §5.1). Pages carry no signature (签章).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from xml.etree import ElementTree as ET

from app import __version__
from app.errors import ValidationError
from app.imaging.output import A4_MM, MM_PER_INCH, jpeg_info

NAMESPACE = "http://www.ofdspec.org/2016"
DOC_ROOT = "Doc_0/Document.xml"
ET.register_namespace("ofd", NAMESPACE)

Box = tuple[float, float, float, float]


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _el(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, _tag(name), attrs)
    if text is not None:
        child.text = text
    return child


def _num(value: float) -> str:
    """A length in mm as OFD writes it: up to 3 decimals, no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _box(box: Box) -> str:
    return " ".join(_num(v) for v in box)


def _xml(root: ET.Element) -> bytes:
    return bytes(ET.tostring(root, encoding="UTF-8", xml_declaration=True))


def page_geometry(width_px: int, height_px: int, dpi: float | None) -> tuple[Box, Box]:
    """(page PhysicalBox, image Boundary) in mm for one page image.

    Without ``dpi`` the page is an A4 sheet turned to the image's orientation, the image fitted in
    and centred; with ``dpi`` the page is exactly the image at that resolution.
    """
    if dpi is not None:
        if dpi <= 0:
            raise ValueError(f"dpi must be positive, got {dpi}")
        w, h = width_px / dpi * MM_PER_INCH, height_px / dpi * MM_PER_INCH
        return (0.0, 0.0, w, h), (0.0, 0.0, w, h)
    page_w, page_h = (A4_MM[1], A4_MM[0]) if width_px > height_px else A4_MM
    mm_per_px = min(page_w / width_px, page_h / height_px)
    w, h = width_px * mm_per_px, height_px * mm_per_px
    return (0.0, 0.0, page_w, page_h), ((page_w - w) / 2, (page_h - h) / 2, w, h)


def _ids() -> Iterator[int]:
    n = 0
    while True:
        n += 1
        yield n


def pages_to_ofd(
    jpegs: Sequence[bytes],
    *,
    dpi: float | None = None,
    title: str = "",
    doc_id: str | None = None,
    created: dt.date | None = None,
) -> bytes:
    """An OFD document with one page per JPEG (stored verbatim), as bytes.

    ``dpi`` None: A4 pages with the image fitted in; a number: page size = image size at that DPI.
    Raises ValidationError (Chinese, naming the page) when a page is not a readable JPEG.
    """
    if not jpegs:
        raise ValidationError("没有可以写入 OFD 的页面。请先添加材料页。", field="pages")
    sizes: list[tuple[int, int]] = []
    for number, data in enumerate(jpegs, start=1):
        try:
            info = jpeg_info(data)
        except ValidationError as exc:
            raise ValidationError(f"第 {number} 页：{exc}", field="pages") from exc
        sizes.append((info.width, info.height))

    ids = _ids()
    parts: list[tuple[str, bytes]] = []

    res = ET.Element(_tag("Res"), {"BaseLoc": "Res"})
    medias = _el(res, "MultiMedias")
    pages_meta: list[tuple[int, str]] = []
    first_area: Box | None = None
    for index, ((width, height), data) in enumerate(zip(sizes, jpegs, strict=True)):
        page_id, media_id, layer_id, object_id = next(ids), next(ids), next(ids), next(ids)
        media_file = f"Image_{index}.jpg"
        media = _el(medias, "MultiMedia", ID=str(media_id), Type="Image", Format="JPEG")
        _el(media, "MediaFile", media_file)
        parts.append((f"Doc_0/Res/{media_file}", data))

        area, boundary = page_geometry(width, height, dpi)
        first_area = first_area or area
        page = ET.Element(_tag("Page"))
        _el(_el(page, "Area"), "PhysicalBox", _box(area))
        layer = _el(_el(page, "Content"), "Layer", ID=str(layer_id), Type="Body")
        # An image is drawn into the unit square; the CTM stretches it to the boundary's size.
        ctm = f"{_num(boundary[2])} 0 0 {_num(boundary[3])} 0 0"
        _el(
            layer,
            "ImageObject",
            ID=str(object_id),
            ResourceID=str(media_id),
            Boundary=_box(boundary),
            CTM=ctm,
        )
        location = f"Pages/Page_{index}/Content.xml"
        parts.append((f"Doc_0/{location}", _xml(page)))
        pages_meta.append((page_id, location))
    max_id = next(ids) - 1
    assert first_area is not None  # at least one page

    document = ET.Element(_tag("Document"))
    common = _el(document, "CommonData")
    _el(common, "MaxUnitID", str(max_id))
    _el(_el(common, "PageArea"), "PhysicalBox", _box(first_area))
    _el(common, "PublicRes", "PublicRes.xml")
    _el(common, "DocumentRes", "DocumentRes.xml")
    pages = _el(document, "Pages")
    for page_id, location in pages_meta:
        _el(pages, "Page", ID=str(page_id), BaseLoc=location)

    ofd = ET.Element(_tag("OFD"), {"Version": "1.0", "DocType": "OFD"})
    body = _el(ofd, "DocBody")
    info_el = _el(body, "DocInfo")
    _el(info_el, "DocID", doc_id or uuid.uuid4().hex)
    if title:
        _el(info_el, "Title", title)
    _el(info_el, "CreationDate", (created or dt.date.today()).isoformat())
    _el(info_el, "Creator", "YiChuang 一窗")
    _el(info_el, "CreatorVersion", __version__)
    _el(body, "DocRoot", DOC_ROOT)

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        # OFD.xml first: readers find the entry point without scanning the directory.
        zf.writestr("OFD.xml", _xml(ofd), compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr(DOC_ROOT, _xml(document), compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("Doc_0/PublicRes.xml", _xml(ET.Element(_tag("Res"), {"BaseLoc": "Res"})),
                    compress_type=zipfile.ZIP_DEFLATED)  # fmt: skip
        zf.writestr("Doc_0/DocumentRes.xml", _xml(res), compress_type=zipfile.ZIP_DEFLATED)
        for name, data in parts:
            # JPEGs are stored, not deflated: they are compressed already and must stay byte-exact.
            kind = zipfile.ZIP_STORED if name.endswith(".jpg") else zipfile.ZIP_DEFLATED
            zf.writestr(name, data, compress_type=kind)
    return out.getvalue()
