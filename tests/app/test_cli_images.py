"""`yichuang images fit / pack / profiles` as a clerk or an installer runs them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from app.imaging.io import write_bytes, write_image
from app.imaging.output import jpeg_info
from tests.imaging import synth


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "材料 扫描"
    write_image(folder / "身份证.png", synth.a4_document(0, width=1240))
    write_image(folder / "小图.png", np.full((300, 400, 3), 255, np.uint8))
    write_bytes(folder / "坏.jpg", b"not a jpeg")
    write_image(folder / "户口簿.jpg", synth.a4_document(1, seal=False, width=1240), jpeg_quality=95)
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_fit_writes_one_file_per_good_input_and_reports_each_bad_one_without_stopping(
    yc_home: Path, inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "输出"
    files = [inputs / n for n in ("身份证.png", "小图.png", "坏.jpg", "户口簿.jpg")]
    code, stdout, _ = run(
        capsys, "images", "fit", "--profile", "jpg-90k", *map(str, files), "--out", str(out), "--json"
    )
    assert code == 1  # some inputs failed
    report = json.loads(stdout)
    assert (report["profile"], report["max_bytes"], report["succeeded"], report["failed"]) == (
        "jpg-90k",
        90_000,
        2,
        2,
    )
    by_name = {Path(f["input"]).name: f for f in report["files"]}
    good = by_name["身份证.png"]
    assert good["ok"] and good["error"] is None
    (page,) = good["pages"]
    assert (page["width"], page["height"]) == (1131, 1600) and page["bytes"] <= 90_000
    assert page["verdict"].startswith("合格：1131×1600")
    written = Path(good["outputs"][0])
    assert written == out / "身份证.jpg" and len(written.read_bytes()) == page["bytes"]
    assert jpeg_info(written.read_bytes())[:2] == (1131, 1600)
    assert "小于要求的 640×480" in by_name["小图.png"]["error"]
    assert "无法识别“坏.jpg”" in by_name["坏.jpg"]["error"]
    assert by_name["户口簿.jpg"]["ok"] and by_name["户口簿.jpg"]["pages"][0]["colour"] is False
    assert sorted(p.name for p in out.iterdir()) == ["户口簿.jpg", "身份证.jpg"]


def test_fit_prints_a_line_per_page_and_a_total_without_json(
    yc_home: Path, inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _ = run(capsys, "images", "fit", str(inputs / "身份证.png"), "--out", str(tmp_path / "o"))
    assert code == 0
    assert "✔ 身份证.png → 身份证.jpg：1131×1600" in stdout
    assert "共 1 个文件：成功 1 个，失败 0 个" in stdout


def test_fit_never_overwrites_its_input_and_honours_a_configured_cap(
    yc_home: Path, inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = inputs / "户口簿.jpg"
    before = source.read_bytes()
    code, stdout, _ = run(
        capsys, "images", "fit", "--max-bytes", "50000", str(source), "--out", str(inputs), "--json"
    )
    assert code == 0
    (entry,) = json.loads(stdout)["files"]
    assert source.read_bytes() == before
    assert entry["outputs"] == [str(inputs / "户口簿_2.jpg")]
    assert entry["pages"][0]["bytes"] <= 50_000


@pytest.mark.parametrize(
    ("profile", "suffix", "magic"), [("a4_pdf", ".pdf", b"%PDF-"), ("ofd-a4", ".ofd", b"PK\x03\x04")]
)
def test_fit_with_a_document_profile_writes_one_document_per_input(
    yc_home: Path,
    inputs: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    profile: str,
    suffix: str,
    magic: bytes,
) -> None:
    args = [
        "images",
        "fit",
        "--profile",
        profile,
        str(inputs / "身份证.png"),
        "--out",
        str(tmp_path),
        "--json",
    ]
    code, stdout, _ = run(capsys, *args)
    assert code == 0
    (entry,) = json.loads(stdout)["files"]
    (output,) = entry["outputs"]
    assert Path(output).name == "身份证" + suffix
    assert Path(output).read_bytes().startswith(magic)
    assert entry["pages"][0]["width"] >= 1240  # the A4 profiles keep 150 dpi or more


def test_an_unknown_profile_is_a_user_error_listing_the_known_ones(
    yc_home: Path, inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, stderr = run(
        capsys, "images", "fit", "--profile", "jpg-80k", str(inputs / "身份证.png"), "--out", str(tmp_path)
    )
    assert code == 2
    assert "没有名为“jpg-80k”的输出规格" in stderr and "jpg-90k" in stderr


def test_pack_zips_a_case_folder_per_category(
    yc_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "长坂路1号楼工程"
    write_image(case / "1_施工" / "1.png", synth.a4_document(0, width=1240))
    write_image(case / "1_施工" / "2.png", synth.a4_document(1, width=1240))
    write_image(case / "2_安全" / "1.png", synth.a4_document(2, width=1240))
    target = tmp_path / "out" / "报建.zip"
    code, stdout, _ = run(capsys, "images", "pack", "--profile", "jpg-90k", str(case), "--out", str(target))
    assert code == 0
    assert "已打包“长坂路1号楼工程”：2 类材料，共 3 页" in stdout
    with zipfile.ZipFile(target) as zf:
        assert zf.namelist() == [
            "长坂路1号楼工程/",
            "长坂路1号楼工程/01_施工.zip",
            "长坂路1号楼工程/02_安全.zip",
        ]
        inner = zipfile.ZipFile(io.BytesIO(zf.read("长坂路1号楼工程/01_施工.zip")))
        assert inner.namelist() == ["01_施工_001.jpg", "01_施工_002.jpg"]


def test_pack_refuses_a_bad_case_with_the_reason_and_writes_nothing(
    yc_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "工程"
    write_image(case / "施工" / "1.png", np.full((300, 400, 3), 255, np.uint8))
    target = tmp_path / "x.zip"
    code, _, stderr = run(capsys, "images", "pack", str(case), "--out", str(target))
    assert code == 2
    assert "“施工”第 1 页（1.png）：图像只有 400×300 像素" in stderr
    assert not target.exists()


def test_profiles_lists_every_profile_with_its_rules(
    yc_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _ = run(capsys, "images", "profiles")
    assert code == 0
    assert stdout.startswith("jpg-90k（默认）（旧名：platform_jpeg_90k）")
    for key in ("jpg-90k-literal", "pdf-a4", "ofd-a4"):
        assert f"\n{key}" in stdout
    assert "每页不超过 90 KB（90000 字节）" in stdout


def test_pack_help_documents_the_case_folder_layout() -> None:
    help_text = subprocess.run(
        [sys.executable, "-m", "app.cli", "images", "pack", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "CASE_DIR 的结构：每类材料一个子文件夹" in help_text
    assert "01_施工.zip（01_施工_001.jpg" in help_text
