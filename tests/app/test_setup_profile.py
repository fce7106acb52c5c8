"""Station profiles (站点配置包): export on one machine, import on the next — secrets never travel."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app import setup_profile
from app.cli import main
from app.config import load_config
from app.errors import ConfigError, ValidationError
from app.model import AuditEvent, QueueCategory, Station
from app.services.clerks import verify_password
from app.setup_profile import CategorySpec, StationProfile
from app.storage.db import Database

PIN = "135792"
CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ==\n-----END CERTIFICATE-----\n"


def station_config(tmp_path: Path, **more: str) -> Path:
    """A configuration file as the first machine of a hall has it, secrets included."""
    ca = tmp_path / "ca.pem"
    ca.write_text(CA_PEM, encoding="utf-8")
    values: dict[str, object] = {
        "station.name": "当阳市政务服务中心",
        "station.code": "HALL01",
        "station.region_code": "420582",
        "station.mode": "hall",
        "station.window_number": 3,
        "database.url": "postgresql+psycopg://yc:s3cret@10.0.0.5:5432/yichuang",
        "sync.platform_url": "https://platform.example.gov.cn",
        "sync.ca_bundle": str(ca),
        "sync.client_key": str(tmp_path / "client.key"),
        "devices.printer": "escpos",
        "devices.printer_uri": "tcp://192.168.1.50:9100",
        "kiosk.installer_pin": setup_profile.installer_pin_hash(PIN),
        "kiosk.restart_at": "03:30",
        **more,
    }
    target = tmp_path / "first" / "config.toml"
    setup_profile.write_config(values, target)
    return target


CATEGORIES = [CategorySpec("A", "综合受理"), CategorySpec("S", "税务"), CategorySpec("GJ", "公积金")]


def test_export_then_import_gives_the_same_station_without_its_secrets(tmp_path: Path) -> None:
    first = load_config(station_config(tmp_path))
    profile_file = tmp_path / "profile.toml"
    report = setup_profile.export_profile(first, CATEGORIES, profile_file)
    text = profile_file.read_text(encoding="utf-8")
    assert "s3cret" not in text and "scrypt$" not in text and "client.key" not in text
    assert "kiosk.installer_pin（本机密钥或口令）" in report.left_out
    assert "database.url 中的密码" in report.left_out
    assert report.ca_embedded and report.categories == 3

    profile = setup_profile.read_profile(profile_file)
    assert profile.categories == tuple(CATEGORIES)
    assert profile.exported_from == "当阳市政务服务中心（HALL01）"
    second_file = tmp_path / "second" / "config.toml"
    second = setup_profile.apply_profile(profile, second_file, overrides={"station.window_number": 4})
    for name in ("station.name", "station.code", "station.region_code", "station.mode", "kiosk.restart_at"):
        assert second.get(name) == first.get(name), name
    assert second.get_str("devices.printer_uri") == "tcp://192.168.1.50:9100"
    assert second.get_int("station.window_number") == 4  # this machine's own, from --set
    assert second.get_str("database.url") == "postgresql+psycopg://yc@10.0.0.5:5432/yichuang"
    assert second.get_str("kiosk.installer_pin") == "" and second.get_str("sync.client_key") == ""
    # The CA certificate travelled inside the profile and sits next to the new configuration.
    ca = Path(second.get_str("sync.ca_bundle"))
    assert ca.parent == second_file.parent and ca.read_text(encoding="utf-8") == CA_PEM


def test_an_import_keeps_the_machines_own_secrets(tmp_path: Path) -> None:
    target = station_config(tmp_path)
    profile = StationProfile(values={"station.name": "新名称", "kiosk.restart_at": "05:00"})
    applied = setup_profile.apply_profile(profile, target)
    assert applied.get_str("station.name") == "新名称"
    assert verify_password(PIN, applied.get_str("kiosk.installer_pin"))
    assert applied.get_str("sync.client_key").endswith("client.key")
    assert applied.get_str("station.code") == ""  # everything else is the profile's


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ('[station]\nname = "x"\n', "profile.format", "不是一窗的站点配置包"),
        (
            "[profile]\nformat = 1\n[station]\nwindow_numbr = 3\n",
            "station.window_numbr",
            "station.window_number",
        ),
        (
            "[profile]\nformat = 1\n[station]\nwindow_number = 0\n",
            "station.window_number",
            "1 到 999 之间的整数",
        ),
        ('[profile]\nformat = 1\n[kiosk]\ninstaller_pin = ""\n', "kiosk.installer_pin", "不能含有密钥或口令"),
        (
            '[profile]\nformat = 1\n[[categories]]\ncode = "a1"\nname = "综合"\n',
            "categories[1].code",
            "英文大写字母",
        ),
        (
            '[profile]\nformat = 1\n[[categories]]\ncode = "A"\nname = "甲"\n[[categories]]\ncode = "A"\nname = "乙"\n',
            "categories[2].code",
            "字头 A 重复了",
        ),
        (
            '[profile]\nformat = 1\n[[categories]]\ncode = "A"\ncolour = "red"\n',
            "categories[1].colour",
            "不认识",
        ),
        (
            '[profile]\nformat = 1\nca_bundle_pem = "-----BEGIN PRIVATE KEY-----"\n',
            "profile.ca_bundle_pem",
            "私钥",
        ),
    ],
)
def test_a_bad_profile_is_refused_in_chinese_naming_the_key(
    tmp_path: Path, body: str, key: str, words: str
) -> None:
    path = tmp_path / "profile.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        setup_profile.read_profile(path)
    assert caught.value.key == key
    assert words in str(caught.value) and str(path) in str(caught.value)


def test_a_profile_that_is_not_toml_says_so(tmp_path: Path) -> None:
    path = tmp_path / "profile.toml"
    path.write_text("[profile\nformat = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="不是有效的 TOML"):
        setup_profile.read_profile(path)
    with pytest.raises(ConfigError, match="找不到站点配置包"):
        setup_profile.read_profile(tmp_path / "nowhere.toml")


def test_write_config_refuses_a_bad_value_and_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    setup_profile.write_config({"station.name": "甲站"}, target)
    before = target.read_text(encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        setup_profile.write_config({"station.name": "乙站", "kiosk.restart_at": "25:00"}, target)
    assert caught.value.key == "kiosk.restart_at" and str(target) in str(caught.value)
    assert target.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]  # no temporary file left
    text = setup_profile.config_text({"station.name": "甲站"})
    assert 'name = "甲站"' in text and "# window_number = 1" in text  # the rest documented, commented


def test_installer_pins_must_be_digits_and_not_trivial() -> None:
    assert verify_password(PIN, setup_profile.installer_pin_hash(PIN))
    for weak in ("12345", "abcdef", "111111", "123456", "987654", "1234567890123"):
        with pytest.raises(ValidationError):
            setup_profile.installer_pin_hash(weak)


def test_saving_the_station_and_its_categories_is_audited(db: Database) -> None:
    config = load_config(
        None, overrides={"station.code": "ST9", "station.name": "九站", "station.mode": "hall"}
    )
    with db.session() as s:
        setup_profile.save_station(s, config)
        setup_profile.save_categories(s, "ST9", CATEGORIES)
    with db.session() as s:
        assert setup_profile.station_categories(s, "ST9") == CATEGORIES
        setup_profile.save_categories(
            s, "ST9", [CategorySpec("S", "税务服务"), CategorySpec("A", "综合受理")]
        )
    with db.session() as s:
        assert setup_profile.station_categories(s, "ST9") == [
            CategorySpec("S", "税务服务"),
            CategorySpec("A", "综合受理"),
        ]
        dropped = s.execute(select(QueueCategory).where(QueueCategory.code == "GJ")).scalar_one()
        assert not dropped.active  # kept for today's tickets and the statistics
        station = s.execute(select(Station).where(Station.code == "ST9")).scalar_one()
        assert (station.name, station.mode) == ("九站", "hall")
        actions = [e.action for e in s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]
    assert actions == ["setup.station", "setup.categories", "setup.categories"]
    with db.session() as s, pytest.raises(ValidationError, match="至少要有一个取号类别"):
        setup_profile.save_categories(s, "ST9", [])


# --- `yichuang setup --export / --import` ----------------------------------------------------------


def test_the_cli_exports_and_imports_a_profile(
    tmp_path: Path, yc_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = station_config(tmp_path, **{"database.url": "", "storage.key_source": "file"})
    assert main(["--config", str(first), "db", "upgrade"]) == 0
    profile = tmp_path / "out" / "profile.toml"
    assert main(["--config", str(first), "setup", "--export", str(profile)]) == 0
    out = capsys.readouterr().out
    assert f"已导出站点配置包：{profile}" in out and "未导出：kiosk.installer_pin" in out
    text = profile.read_text(encoding="utf-8")
    assert "[[categories]]" not in text  # the first machine's database has none yet

    with profile.open("a", encoding="utf-8") as stream:
        stream.write(
            '\n[[categories]]\ncode = "A"\nname = "综合受理"\n\n[[categories]]\ncode = "B"\nname = "社保"\n'
        )
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("246813\n"))
    target = yc_home / "config" / "config.toml"
    code = main(
        ["--set", "station.window_number=9", "setup", "--import", str(profile), "--installer-pin-stdin"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"已导入站点配置包 {profile}（来自 当阳市政务服务中心（HALL01））" in out
    assert "本机窗口号：9" in out and "取号类别：A 综合受理、B 社保" in out
    assert "每台机器需单独向平台登记" in out
    applied = load_config(target)
    assert applied.get_int("station.window_number") == 9
    assert verify_password("246813", applied.get_str("kiosk.installer_pin"))
    db = Database(f"sqlite:///{yc_home / 'data' / 'yichuang.sqlite3'}")
    try:
        with db.session() as s:
            assert setup_profile.station_categories(s, "HALL01") == [
                CategorySpec("A", "综合受理"),
                CategorySpec("B", "社保"),
            ]
    finally:
        db.dispose()


def test_the_cli_names_the_key_of_a_bad_profile(
    tmp_path: Path, yc_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text('[profile]\nformat = 1\n[kiosk]\nrestart_at = "3点"\n', encoding="utf-8")
    assert main(["setup", "--import", str(profile)]) == 2
    err = capsys.readouterr().err
    assert "配置项 kiosk.restart_at 应为 24 小时制时间 HH:MM" in err
    assert not (yc_home / "config" / "config.toml").exists()
