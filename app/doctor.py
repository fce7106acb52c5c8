"""`yichuang doctor`: checks an installer or clerk can run to see what is wrong and what to do.

Each check returns a verdict with a Chinese message that says what to do. Later issues add checks
(printer paper, platform reachability, enrollment) through :data:`Check` functions.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from app import paths
from app.config import Config
from app.storage.db import Database, code_heads, current_revisions, known_revisions

Verdict = Literal["ok", "warn", "fail"]
DEVICE_KINDS = ("idcard", "smartcard", "printer", "camera", "scanner", "barcode", "speech", "evaluator")
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")


@dataclass(frozen=True)
class CheckResult:
    name: str
    verdict: Verdict
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def check_database(db: Database) -> CheckResult:
    try:
        current = current_revisions(db)
    except Exception as exc:  # any driver error means the same to the user: cannot open it
        return CheckResult(
            "数据库", "fail", f"无法打开数据库：{type(exc).__name__}。请检查 database.url 和数据库服务。"
        )
    unknown = current - known_revisions(db)
    if unknown:
        return CheckResult("数据库", "fail", "数据库由更新版本的一窗创建，请升级程序。")
    if current != code_heads(db):
        return CheckResult("数据库", "warn", "数据库结构需要升级：请运行 yichuang db upgrade。")
    return CheckResult("数据库", "ok", f"{db.dialect} 数据库结构为最新版本（{'、'.join(sorted(current))}）。")


def check_disk(folder: Path, min_free_mb: int) -> CheckResult:
    probe = folder if folder.exists() else folder.parent
    while not probe.exists():
        probe = probe.parent
    free_mb = shutil.disk_usage(probe).free // (1024 * 1024)
    if free_mb < min_free_mb:
        return CheckResult(
            "磁盘空间", "fail", f"数据盘只剩 {free_mb} MB，少于要求的 {min_free_mb} MB，请清理磁盘。"
        )
    return CheckResult("磁盘空间", "ok", f"数据盘剩余 {free_mb} MB。")


def find_cjk_font(dirs: Iterable[Path] = FONT_DIRS) -> Path | None:
    """A font file that can draw Chinese (Noto CJK, WenQuanYi, or whatever fontconfig says)."""
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(
                ["fc-match", "-f", "%{file}", ":lang=zh-cn"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        if out and any(
            tag in out.lower() for tag in ("cjk", "wqy", "wenquan", "droidsansfallback", "simsun", "msyh")
        ):
            return Path(out)
    for d in dirs:
        if d.is_dir():
            for f in d.rglob("*"):
                if any(
                    tag in f.name.lower()
                    for tag in ("notosanscjk", "notoserifcjk", "wqy", "droidsansfallback")
                ):
                    return f
    return None


def check_font() -> CheckResult:
    font = find_cjk_font()
    if font is None:
        return CheckResult(
            "中文字体", "fail", "找不到中文字体，界面和小票会显示方框。请安装 fonts-noto-cjk。"
        )
    return CheckResult("中文字体", "ok", f"中文字体：{font.name}")


def check_devices(config: Config, is_known: Callable[[str, str], bool]) -> list[CheckResult]:
    results = []
    for kind in DEVICE_KINDS:
        driver = config.get_str(f"devices.{kind}")
        if driver == "none":
            results.append(CheckResult(f"设备 {kind}", "ok", "未配置（不使用）。"))
        elif is_known(kind, driver):
            results.append(CheckResult(f"设备 {kind}", "ok", f"驱动 {driver}。"))
        else:
            results.append(
                CheckResult(
                    f"设备 {kind}",
                    "fail",
                    f'devices.{kind} = "{driver}" 不是已知驱动，请改为 simulated 或 none。',
                )
            )
    return results


def run_checks(
    config: Config, db: Database, is_known_driver: Callable[[str, str], bool]
) -> list[CheckResult]:
    return [
        check_database(db),
        check_disk(paths.data_dir(), config.get_int("storage.min_free_mb")),
        check_font(),
        *check_devices(config, is_known_driver),
    ]
