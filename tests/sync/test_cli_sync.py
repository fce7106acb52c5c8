"""`yichuang sync enroll CODE` and `yichuang sync run --once` against the reference platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from tests.sync.platform_server import PlatformServer

pytest_plugins = ["tests.sync.platform_server"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform_server: PlatformServer) -> Path:
    home = tmp_path / "yc"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(
        f'[ui]\ndemo = true\n[storage]\nkey_source = "file"\n[sync]\nplatform_url = "{platform_server.base_url}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("YICHUANG_HOME", str(home))
    return home


def test_enroll_then_one_sync_round(
    home: Path, platform_server: PlatformServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "load"]) == 0
    code = platform_server.new_codes(1)[0]
    assert main(["sync", "enroll", code]) == 0
    assert "本站已登记" in capsys.readouterr().out
    assert main(["sync", "run", "--once"]) == 0
    # The one-time code cannot be used twice: the platform refuses and says so in Chinese.
    assert main(["sync", "enroll", code]) != 0


def test_sync_without_a_platform_url_says_which_key_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("YICHUANG_HOME", str(tmp_path / "bare"))
    assert main(["sync", "run", "--once"]) == 2
    assert "sync.platform_url" in capsys.readouterr().err
