"""The `yichuang` command as a user runs it: real subprocesses, a temp YICHUANG_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "YICHUANG_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "yc"
    (h / "config").mkdir(parents=True)
    (h / "config" / "config.toml").write_text(
        '[ui]\ndemo = true\n[storage]\nkey_source = "file"\n', encoding="utf-8"
    )
    return h


def test_help_lists_commands_built_so_far(home: Path) -> None:
    r = run(home, "--help")
    assert r.returncode == 0
    for cmd in ("counter", "doctor", "db", "demo", "config", "audit"):
        assert cmd in r.stdout


def test_unknown_config_key_names_the_key_and_suggests(home: Path) -> None:
    (home / "config" / "config.toml").write_text("[ui]\nidle_lock = 5\n", encoding="utf-8")
    r = run(home, "config", "show")
    assert r.returncode == 2
    assert "ui.idle_lock" in r.stderr and "ui.idle_lock_minutes" in r.stderr


def test_bad_value_names_key_and_expected_form(home: Path) -> None:
    r = run(home, "--set", "ui.idle_lock_minutes=ten", "config", "show")
    assert r.returncode == 2
    assert "ui.idle_lock_minutes" in r.stderr and "0 到 240" in r.stderr


def test_config_show_lists_every_key_with_origin(home: Path) -> None:
    r = run(home, "config", "show")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "[ui]" in out and "[storage]" in out and "[database]" in out
    assert 'key_source = "file"    # 配置文件' in out  # from the file
    assert "idle_lock_minutes = 5    # 默认" in out  # a default, with its meaning below
    assert "无人操作多少分钟后锁屏" in out


def test_demo_load_is_idempotent_and_doctor_is_green(home: Path) -> None:
    first = run(home, "demo", "load")
    assert first.returncode == 0, first.stderr
    assert "新增事项" in first.stdout
    second = run(home, "demo", "load")
    assert "新增事项 0 个" in second.stdout
    doc = run(home, "doctor", "--json")
    assert doc.returncode == 0, doc.stdout + doc.stderr
    checks = json.loads(doc.stdout)
    assert {c["name"] for c in checks} >= {"数据库", "磁盘空间", "中文字体"}
    assert all(c["verdict"] == "ok" for c in checks)
    audit = run(home, "audit", "verify")
    assert audit.returncode == 0 and "哈希链校验通过" in audit.stdout


def test_doctor_flags_unknown_device_driver(home: Path) -> None:
    r = run(home, "--set", "devices.printer=epson_magic", "doctor")
    assert r.returncode == 1
    assert "devices.printer" in r.stdout


def test_key_file_is_private(home: Path) -> None:
    assert run(home, "demo", "load").returncode == 0
    key = home / "data" / "secret.key"
    assert key.exists()
    assert key.stat().st_mode & 0o077 == 0


def test_counter_smoke_opens_and_closes(home: Path) -> None:
    r = run(home, "counter", "--smoke", timeout=180)
    assert r.returncode == 0, r.stderr


def test_counter_without_display_says_what_to_do(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["YICHUANG_HOME"] = str(home)
    r = subprocess.run([sys.executable, "-m", "app.cli", "counter"], capture_output=True, text=True, env=env,
                       timeout=60, check=False)  # fmt: skip
    assert r.returncode == 2
    assert "DISPLAY" in r.stderr and "桌面环境" in r.stderr


def test_clerk_add_then_list_and_sign_in_outside_demo(tmp_path: Path) -> None:
    home = tmp_path / "prod"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text('[storage]\nkey_source = "file"\n', encoding="utf-8")
    env = {**os.environ, "YICHUANG_HOME": str(home)}
    add = subprocess.run(
        [sys.executable, "-m", "app.cli", "clerk", "add", "wangxc", "--name", "王小窗", "--role", "clerk",
         "--password-stdin"],
        input="s3cret-pw\n", capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    short = subprocess.run(
        [sys.executable, "-m", "app.cli", "clerk", "add", "li", "--name", "李", "--role", "clerk", "--password-stdin"],
        input="123\n", capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert short.returncode == 2 and "至少 6 位" in short.stderr
    listed = run(home, "clerk", "list")
    assert "wangxc\t王小窗\t窗口人员" in listed.stdout and "li\t" not in listed.stdout

    from app.config import load_config
    from app.context import open_context
    from app.services.clerks import sign_in

    os.environ["YICHUANG_HOME"] = str(home)
    try:
        ctx = open_context(load_config())
        with ctx.db.session() as s:
            assert sign_in(s, "wangxc", "s3cret-pw").display_name == "王小窗"
        ctx.close()
    finally:
        del os.environ["YICHUANG_HOME"]


def test_kiosk_smoke_opens_and_closes(home: Path) -> None:
    r = run(home, "kiosk", "--smoke", timeout=180)
    assert r.returncode == 0, r.stderr


def test_display_smoke_opens_and_closes(home: Path) -> None:
    r = run(home, "display", "--smoke", timeout=180)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("mode", ["evaluator", "supervisor"])
def test_evaluator_and_supervisor_smoke(home: Path, mode: str) -> None:
    r = run(home, mode, "--smoke", timeout=180)
    assert r.returncode == 0, r.stderr
