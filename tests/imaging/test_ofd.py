"""The OFD writer checked against the GB/T 33190 structure: parts, namespace, references, pages, JPEG bytes."""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import numpy as np
import pytest

from app.errors import ValidationError
from app.imaging.ofd import NAMESPACE, pages_to_ofd
from app.imaging.output import fit_page, jpeg_info
from app.imaging.profiles import PROFILES
from tests.imaging import synth

NS = {"ofd": "http://www.ofdspec.org/2016"}


def q(name: str) -> str:
    return f"{{{NS['ofd']}}}{name}"


def box(text: str) -> tuple[float, ...]:
    return tuple(float(v) for v in text.split())


@dataclass
class OfdPage:
    area: tuple[float, ...]
    boundary: tuple[float, ...]
    ctm: tuple[float, ...]
    image: bytes


class OfdReader:
    """A strict little reader: resolves every location the way GB/T 33190 says (relative to the part)."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = self.zip.namelist()
        self.ofd = self.xml("OFD.xml")
        self.doc_root = self.ofd.findtext("ofd:DocBody/ofd:DocRoot", namespaces=NS) or ""
        self.document = self.xml(self.doc_root)

    def xml(self, name: str) -> ET.Element:
        assert name in self.names, f"{name} is referenced but missing"
        return ET.fromstring(self.zip.read(name))

    def resolve(self, base_part: str, loc: str) -> str:
        return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), loc))

    def media(self) -> dict[str, str]:
        """MultiMedia ID -> zip entry of its file, over DocumentRes and PublicRes."""
        found: dict[str, str] = {}
        for tag in ("DocumentRes", "PublicRes"):
            for loc in self.document.iterfind(f"ofd:CommonData/ofd:{tag}", NS):
                part = self.resolve(self.doc_root, loc.text or "")
                res = self.xml(part)
                assert res.tag == q("Res")
                base = posixpath.join(posixpath.dirname(part), res.attrib["BaseLoc"])
                for m in res.iterfind("ofd:MultiMedias/ofd:MultiMedia", NS):
                    assert m.attrib["Type"] == "Image" and m.attrib["Format"] == "JPEG"
                    found[m.attrib["ID"]] = posixpath.normpath(
                        posixpath.join(base, m.findtext("ofd:MediaFile", namespaces=NS) or "")
                    )
        return found

    def pages(self) -> list[OfdPage]:
        media = self.media()
        out = []
        for page in self.document.iterfind("ofd:Pages/ofd:Page", NS):
            content = self.xml(self.resolve(self.doc_root, page.attrib["BaseLoc"]))
            assert content.tag == q("Page")
            images = content.findall("ofd:Content/ofd:Layer/ofd:ImageObject", NS)
            assert len(images) == 1
            image = images[0]
            target = media[image.attrib["ResourceID"]]
            out.append(
                OfdPage(
                    area=box(content.findtext("ofd:Area/ofd:PhysicalBox", namespaces=NS) or ""),
                    boundary=box(image.attrib["Boundary"]),
                    ctm=box(image.attrib["CTM"]),
                    image=self.zip.read(target),
                )
            )
        return out


@pytest.fixture(scope="module")
def jpegs() -> list[bytes]:
    portrait = fit_page(synth.a4_document(0), PROFILES["jpg-90k"]).data
    landscape = fit_page(
        np.ascontiguousarray(np.rot90(synth.a4_document(1, seal=False))), PROFILES["jpg-90k"]
    ).data
    third = fit_page(synth.a4_document(2), PROFILES["jpg-90k-literal"]).data
    return [portrait, landscape, third]


def test_the_parts_are_the_ones_the_standard_names(jpegs: list[bytes]) -> None:
    data = pages_to_ofd(jpegs, title="营业执照")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names[0] == "OFD.xml"
    assert set(names) == {
        "OFD.xml",
        "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml",
        "Doc_0/DocumentRes.xml",
        *(f"Doc_0/Pages/Page_{i}/Content.xml" for i in range(3)),
        *(f"Doc_0/Res/Image_{i}.jpg" for i in range(3)),
    }


def test_every_part_parses_in_the_ofd_namespace_with_required_attributes(jpegs: list[bytes]) -> None:
    reader = OfdReader(pages_to_ofd(jpegs, title="<施工&安全>", created=dt.date(2024, 5, 20), doc_id="abc"))
    assert NS["ofd"] == NAMESPACE
    for name in reader.names:
        if name.endswith(".xml"):
            root = reader.xml(name)
            assert root.tag.startswith("{http://www.ofdspec.org/2016}"), name
            assert all(el.tag.startswith(f"{{{NAMESPACE}}}") for el in root.iter()), name
    ofd = reader.ofd
    assert ofd.tag == q("OFD")
    assert ofd.attrib == {"Version": "1.0", "DocType": "OFD"}
    info = ofd.find("ofd:DocBody/ofd:DocInfo", NS)
    assert info is not None
    # CT_DocInfo is a sequence: DocID, Title, ..., CreationDate, ..., Creator, CreatorVersion.
    assert [child.tag for child in info] == [
        q(t) for t in ("DocID", "Title", "CreationDate", "Creator", "CreatorVersion")
    ]
    assert info.findtext("ofd:DocID", namespaces=NS) == "abc"
    assert info.findtext("ofd:Title", namespaces=NS) == "<施工&安全>"  # escaped in, read back intact
    assert dt.date.fromisoformat(info.findtext("ofd:CreationDate", namespaces=NS) or "") == dt.date(
        2024, 5, 20
    )
    assert reader.doc_root == "Doc_0/Document.xml"


def test_document_common_data_is_in_schema_order_and_ids_are_unique(jpegs: list[bytes]) -> None:
    reader = OfdReader(pages_to_ofd(jpegs))
    common = reader.document.find("ofd:CommonData", NS)
    assert common is not None
    assert [c.tag for c in common] == [q("MaxUnitID"), q("PageArea"), q("PublicRes"), q("DocumentRes")]
    assert box(common.findtext("ofd:PageArea/ofd:PhysicalBox", namespaces=NS) or "") == (0, 0, 210, 297)
    ids = [
        int(el.attrib["ID"])
        for name in reader.names
        if name.endswith(".xml")
        for el in reader.xml(name).iter()
        if "ID" in el.attrib
    ]
    assert len(ids) == len(set(ids)) == 4 * len(jpegs)  # page, media, layer, image object per page
    assert int(common.findtext("ofd:MaxUnitID", namespaces=NS) or "0") == max(ids)
    res = reader.xml("Doc_0/PublicRes.xml")
    assert res.tag == q("Res") and "BaseLoc" in res.attrib


def test_pages_reference_existing_resources_and_hold_the_jpegs_byte_for_byte(jpegs: list[bytes]) -> None:
    data = pages_to_ofd(jpegs)
    pages = OfdReader(data).pages()
    assert len(pages) == 3
    assert [p.image for p in pages] == jpegs
    stored = zipfile.ZipFile(io.BytesIO(data)).getinfo("Doc_0/Res/Image_0.jpg")
    assert stored.compress_type == zipfile.ZIP_STORED


def test_without_dpi_each_page_is_a4_in_the_image_orientation_with_the_image_fitted(
    jpegs: list[bytes],
) -> None:
    pages = OfdReader(pages_to_ofd(jpegs)).pages()
    assert [p.area for p in pages] == [(0, 0, 210, 297), (0, 0, 297, 210), (0, 0, 210, 297)]
    for page, data in zip(pages, jpegs, strict=True):
        w, h = jpeg_info(data)[:2]
        x, y, bw, bh = page.boundary
        _, _, pw, ph = page.area
        assert min(x, y) >= 0 and x + bw <= pw + 0.01 and y + bh <= ph + 0.01  # inside the page
        assert max(bw / pw, bh / ph) == pytest.approx(1.0, abs=0.002)  # fills it one way
        assert bw / bh == pytest.approx(w / h, rel=0.002)  # not distorted
        assert page.ctm[1:3] == (0, 0) and page.ctm[4:] == (0, 0)  # no rotation, no offset
        assert page.ctm[0] == pytest.approx(bw, abs=0.001) and page.ctm[3] == pytest.approx(bh, abs=0.001)


def test_with_a_dpi_the_page_is_the_image_at_that_resolution(jpegs: list[bytes]) -> None:
    pages = OfdReader(pages_to_ofd(jpegs[:1], dpi=137)).pages()
    ((_, _, w, h),) = [p.area for p in pages]
    assert w == pytest.approx(1131 / 137 * 25.4, abs=0.001)
    assert h == pytest.approx(1600 / 137 * 25.4, abs=0.001)
    assert pages[0].boundary == pages[0].area


def test_a_page_adds_little_beyond_its_jpeg(jpegs: list[bytes]) -> None:
    data = pages_to_ofd(jpegs * 4)
    overhead = (len(data) - sum(len(j) for j in jpegs * 4)) / 12
    assert overhead < 1000  # imaging.md §5.2: ~550 B per page; easyofd re-encodes to PNG at ×2.4


def test_no_pages_or_a_bad_page_is_refused_in_chinese(jpegs: list[bytes]) -> None:
    with pytest.raises(ValidationError, match="没有可以写入 OFD 的页面"):
        pages_to_ofd([])
    with pytest.raises(ValidationError, match="第 2 页：文件不是 JPEG"):
        pages_to_ofd([jpegs[0], b"\x89PNG\r\n\x1a\n"])
