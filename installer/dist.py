"""`make dist`: the PyInstaller one-folder bundle, then the .deb made from it (构建安装包).

    python -m installer.dist                      # dist/yichuang/ and dist/yichuang_<version>_<arch>.deb
    python -m installer.dist --bundle dist/yichuang --compression gzip --level 1   # repack only

The Windows installer cannot be built here: installer/README.md gives the steps on Windows.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, get_args

from installer.build_deb import ROOT, Compression, build_deb

SPEC: Final = ROOT / "installer" / "yichuang.spec"


@dataclass(frozen=True)
class DistResult:
    """What a build produced and how long each step took (seconds)."""

    bundle: Path
    deb: Path
    bundle_seconds: float
    deb_seconds: float


def build_bundle(dist_dir: Path, work_dir: Path) -> Path:
    """Run PyInstaller on installer/yichuang.spec; returns the one-folder bundle (``dist_dir/yichuang``)."""
    subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR",
            "--distpath", str(dist_dir), "--workpath", str(work_dir), str(SPEC),
        ],
        check=True,
        cwd=ROOT,
    )  # fmt: skip
    return dist_dir / "yichuang"


def build(
    out_dir: Path,
    work_dir: Path,
    *,
    bundle: Path | None = None,
    compression: Compression = "xz",
    level: int | None = None,
) -> DistResult:
    """The bundle (built unless ``bundle`` names an existing one) and the .deb, both in ``out_dir``."""
    started = time.monotonic()
    if bundle is None:
        bundle = build_bundle(out_dir, work_dir / "pyinstaller")
    bundled = time.monotonic()
    deb = build_deb(bundle, out_dir, stage=work_dir / "deb-root", compression=compression, level=level)
    return DistResult(bundle, deb, bundled - started, time.monotonic() - bundled)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m installer.dist", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="scratch folder (default: build/)")
    parser.add_argument(
        "--bundle", type=Path, help="pack this existing bundle instead of running PyInstaller"
    )
    parser.add_argument("--compression", choices=get_args(Compression), default="xz")
    parser.add_argument("--level", type=int, choices=range(10), metavar="0-9", help="compression level")
    args = parser.parse_args(argv)
    result = build(args.out, args.work, bundle=args.bundle, compression=args.compression, level=args.level)
    size_mb = result.deb.stat().st_size / 1e6
    if args.bundle is None:
        print(f"bundle: {result.bundle} ({result.bundle_seconds:.0f} s)")
    print(f"deb:    {result.deb} ({size_mb:.0f} MB, {result.deb_seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
