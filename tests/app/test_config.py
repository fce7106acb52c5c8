"""Configuration: paths under YICHUANG_HOME, the TOML loader and its messages, the renderers."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from app import paths
from app.config import (
    KEYS,
    KEYS_BY_NAME,
    Config,
    load_config,
    render_config,
    write_default_config,
)
from app.errors import ConfigError


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "home"
    monkeypatch.setenv(paths.HOME_ENV, str(root))
    return root


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- paths -------------------------------------------------------------------------------------


def test_everything_lives_below_yichuang_home_and_nothing_is_created_by_asking(home: Path) -> None:
    assert paths.config_file() == home / "config" / "config.toml"
    assert paths.data_dir() == home / "data"
    assert paths.log_dir() == home / "logs"
    assert paths.cache_dir() == home / "cache"
    assert paths.blob_dir() == home / "data" / "blobs"
    assert paths.default_sqlite_path() == home / "data" / "yichuang.sqlite3"
    assert not home.exists()


def test_ensure_dirs_creates_every_folder_and_keeps_data_private(home: Path) -> None:
    (home / "data").mkdir(parents=True, mode=0o755)
    (home / "data").chmod(0o755)
    paths.ensure_dirs()
    for folder in (
        paths.config_dir(),
        paths.data_dir(),
        paths.log_dir(),
        paths.cache_dir(),
        paths.blob_dir(),
    ):
        assert folder.is_dir()
    if os.name == "posix":
        assert paths.data_dir().stat().st_mode & 0o777 == 0o700
        assert paths.blob_dir().stat().st_mode & 0o777 == 0o700


def test_without_yichuang_home_the_platform_folders_named_for_the_app_are_used(
    monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    monkeypatch.delenv(paths.HOME_ENV)
    for folder in (paths.config_dir(), paths.data_dir(), paths.log_dir(), paths.cache_dir()):
        assert "yichuang" in folder.parts
        assert home not in folder.parents


# --- loading -----------------------------------------------------------------------------------


def test_no_file_means_every_key_at_its_default(home: Path) -> None:
    config = load_config()
    assert config.source is None
    assert set(config.values) == {key.name for key in KEYS}
    assert config.get_str("station.name") == "演示便民服务站"
    assert config.get_int("ui.idle_lock_minutes") == 5
    assert config.get_bool("ui.demo") is False
    assert config.get_str("devices.idcard") == "none"
    assert config.get_path("storage.key_file") == home / "data" / "secret.key"
    assert config.get_int("devices.printer_paper_mm") == 80
    assert {config.origin(key.name) for key in KEYS} == {"default"}


def test_file_values_are_typed_and_marked_as_coming_from_the_file(home: Path) -> None:
    config_path = write(
        paths.config_file(),
        """
[station]
name = "城关镇便民服务站"
mode = "hall"
region_code = "340823"
window_number = 3

[ui]
font_scale = 2
idle_lock_minutes = 0

[storage]
key_file = "keys/station.key"

[devices]
printer = "escpos_usb"
printer_paper_mm = 58

[logging]
level = "debug"
""",
    )
    config = load_config()
    assert config.source == config_path
    assert config.get_str("station.name") == "城关镇便民服务站"
    assert config.get_str("station.mode") == "hall"
    assert config.get_int("station.window_number") == 3
    assert config.get_float("ui.font_scale") == 2.0
    assert config.get_int("ui.idle_lock_minutes") == 0
    # A relative path means "next to the config file".
    assert config.get_path("storage.key_file") == config_path.parent / "keys" / "station.key"
    assert config.get_str("devices.printer") == "escpos_usb"
    assert config.get_int("devices.printer_paper_mm") == 58
    assert config.get_str("logging.level") == "DEBUG"
    assert config.origin("station.name") == "file"
    assert config.origin("station.code") == "default"


def test_demo_mode_defaults_devices_to_simulated_but_keeps_drivers_chosen_explicitly() -> None:
    write(paths.config_file(), '[ui]\ndemo = true\n[devices]\nprinter = "none"\n')
    config = load_config()
    assert config.get_str("devices.idcard") == "simulated"
    assert config.get_str("devices.camera") == "simulated"
    assert config.get_str("devices.printer") == "none"


def test_overrides_win_over_the_file_and_text_values_are_converted() -> None:
    write(paths.config_file(), "[ui]\nidle_lock_minutes = 30\n")
    config = load_config(overrides={"ui.idle_lock_minutes": "10", "ui.demo": "yes", "ui.font_scale": "1.25"})
    assert config.get_int("ui.idle_lock_minutes") == 10
    assert config.get_bool("ui.demo") is True
    assert config.get_float("ui.font_scale") == 1.25
    assert config.origin("ui.idle_lock_minutes") == "override"


def test_an_explicit_path_is_read_instead_of_the_default_file(tmp_path: Path) -> None:
    write(paths.config_file(), '[station]\nname = "默认位置"\n')
    other = write(tmp_path / "other.toml", '[station]\nname = "另一个"\n')
    assert load_config(other).get_str("station.name") == "另一个"


def test_a_windows_notepad_byte_order_mark_is_accepted() -> None:
    paths.config_file().parent.mkdir(parents=True)
    paths.config_file().write_bytes('\ufeff[station]\nname = "记事本"\n'.encode())
    assert load_config().get_str("station.name") == "记事本"


# --- mistakes ----------------------------------------------------------------------------------


def test_unknown_key_names_it_suggests_the_close_one_and_names_the_file() -> None:
    config_path = write(paths.config_file(), "[ui]\nidle_lock = 10\n")
    with pytest.raises(ConfigError) as caught:
        load_config()
    message = str(caught.value)
    assert message.startswith("配置项 ui.idle_lock 不存在。你是不是想写 ui.idle_lock_minutes？")
    assert str(config_path) in message
    assert caught.value.key == "ui.idle_lock"


def test_a_key_in_the_wrong_section_points_to_the_right_one() -> None:
    write(paths.config_file(), '[ui]\nlevel = "INFO"\n')
    with pytest.raises(ConfigError, match=r"ui\.level 不存在。你是不是想写 logging\.level"):
        load_config()


def test_a_key_above_every_section_points_to_its_section() -> None:
    write(paths.config_file(), "demo = true\n")
    with pytest.raises(ConfigError, match=r"配置项 demo 不存在。你是不是想写 ui\.demo"):
        load_config()


def test_unknown_section_suggests_the_close_one_and_lists_all() -> None:
    write(paths.config_file(), "[uii]\ndemo = true\n")
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert "配置节 [uii] 不存在。你是不是想写 [ui]？" in str(caught.value)
    assert "database、station、ui" in str(caught.value)


def test_unknown_key_without_close_match_lists_the_sections_keys() -> None:
    write(paths.config_file(), "[calendar]\nzzzz = 1\n")
    with pytest.raises(ConfigError, match=r"\[calendar\] 节可用的配置项：fallback"):
        load_config()


def test_wrong_type_names_the_key_the_expected_form_and_the_value() -> None:
    write(paths.config_file(), '[ui]\nidle_lock_minutes = "ten"\n')
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value).startswith('配置项 ui.idle_lock_minutes 应为 0 到 240 之间的整数，现在是 "ten"')
    assert caught.value.key == "ui.idle_lock_minutes"


@pytest.mark.parametrize(
    ("section", "line", "expected"),
    [
        ("ui", "idle_lock_minutes = 241", "0 到 240 之间的整数，现在是 241"),
        ("ui", "idle_lock_minutes = true", "0 到 240 之间的整数，现在是 true"),
        ("ui", "idle_lock_minutes = 2.5", "0 到 240 之间的整数，现在是 2.5"),
        ("ui", "font_scale = 3.0", "0.75 到 2 之间的数字，现在是 3.0"),
        ("ui", 'demo = "maybe"', 'true 或 false，现在是 "maybe"'),
        ("ui", 'language = "fr"', 'zh_CN、en 之一，现在是 "fr"'),
        ("station", 'mode = "village"', 'station、hall 之一，现在是 "village"'),
        (
            "station",
            'region_code = "11010"',
            '6 位数字的行政区划代码（如 110101），或留空 ""，现在是 "11010"',
        ),
        ("station", "region_code = 110101", "6 位数字的行政区划代码"),
        ("station", "window_number = 0", "1 到 999 之间的整数，现在是 0"),
        ("station", "name = 12", "文本（用双引号括起来），现在是 12"),
        (
            "devices",
            'printer = "小票机"',
            '驱动名（字母开头，只含字母、数字、_ . -，如 simulated 或 none），现在是 "小票机"',
        ),
        ("devices", "printer_paper_mm = 76", "58、80 之一，现在是 76"),
        ("database", 'url = "localhost:5432"', "形如 scheme://… 的地址"),
        ("storage", 'key_file = ""', '文件路径（用双引号括起来），现在是 ""'),
        ("logging", "backups = 0", "1 到 50 之间的整数，现在是 0"),
        ("logging", 'level = "TRACE"', 'DEBUG、INFO、WARNING、ERROR 之一，现在是 "TRACE"'),
        ("ui", "demo = { on = true }", "true 或 false，现在是 一个表"),
    ],
)
def test_bad_values_are_refused_with_the_expected_form(section: str, line: str, expected: str) -> None:
    write(paths.config_file(), f"[{section}]\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        load_config()
    name = f"{section}.{line.split(' = ')[0]}"
    assert str(caught.value).startswith(f"配置项 {name} 应为")
    assert expected in str(caught.value)


def test_invalid_toml_reports_the_line_number() -> None:
    write(paths.config_file(), '[station]\nmode = "station"\nname = 城关镇便民服务站\n')
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert "第 3 行" in str(caught.value)
    assert "加双引号" in str(caught.value)
    assert str(paths.config_file()) in str(caught.value)


def test_a_missing_file_named_explicitly_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_config(tmp_path / "nope.toml")


def test_a_file_not_in_utf8_is_refused_with_advice() -> None:
    paths.config_file().parent.mkdir(parents=True)
    paths.config_file().write_bytes('[station]\nname = "城关"\n'.encode("gbk"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config()


def test_bad_overrides_are_refused_and_say_they_came_from_the_command_line() -> None:
    with pytest.raises(ConfigError, match=r"ui\.dem 不存在.*ui\.demo.*命令行"):
        load_config(overrides={"ui.dem": "true"})
    with pytest.raises(
        ConfigError, match=r"ui\.font_scale 应为 0\.75 到 2 之间的数字，现在是 \"big\".*命令行"
    ):
        load_config(overrides={"ui.font_scale": "big"})


# --- the Config object -------------------------------------------------------------------------


def test_typed_getters_refuse_the_wrong_type_and_unknown_names() -> None:
    config = load_config()
    with pytest.raises(TypeError):
        config.get_int("station.name")
    with pytest.raises(TypeError):
        config.get_bool("ui.idle_lock_minutes")
    with pytest.raises(KeyError):
        config.get("ui.nothing")


def test_config_values_cannot_be_changed_after_loading() -> None:
    config = load_config()
    with pytest.raises(TypeError):
        config.values["ui.demo"] = True  # type: ignore[index]
    built = Config(values={"ui.demo": False})
    assert built.origin("ui.demo") == "default"


# --- rendering ---------------------------------------------------------------------------------


def test_render_shows_every_key_its_origin_and_doc_and_hides_url_passwords() -> None:
    config_path = write(paths.config_file(), "[ui]\nidle_lock_minutes = 15\n")
    config = load_config(
        overrides={"database.url": "postgresql+psycopg://clerk:s3cret@db.hall:5432/yichuang"}
    )
    text = render_config(config)
    assert str(config_path) in text
    for key in KEYS:
        assert f"\n{key.leaf} = " in text
        assert key.doc in text
    assert "idle_lock_minutes = 15    # 配置文件 (file)" in text
    assert 'name = "演示便民服务站"    # 默认 (default)' in text
    assert 'url = "postgresql+psycopg://clerk:***@db.hall:5432/yichuang"    # 覆盖项 (override)' in text
    assert "s3cret" not in text


def test_default_file_documents_every_key_commented_out_at_its_default(tmp_path: Path) -> None:
    target = tmp_path / "fresh" / "config.toml"
    write_default_config(target)
    text = target.read_text(encoding="utf-8")
    for key in KEYS:
        assert key.doc in text
        assert re.search(rf"^# {key.leaf} = ", text, re.MULTILINE), key.name
    assert not re.search(r"^[a-z_]+ = ", text, re.MULTILINE)
    loaded = load_config(target)
    assert loaded.values == load_config().values
    assert {loaded.origin(key.name) for key in KEYS} == {"default"}


def test_uncommenting_the_default_file_gives_the_same_values(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    write_default_config(target)
    uncommented = re.sub(r"^# ([a-z0-9_]+ = )", r"\1", target.read_text(encoding="utf-8"), flags=re.MULTILINE)
    target.write_text(uncommented, encoding="utf-8")
    loaded = load_config(target)
    assert loaded.values == load_config().values
    assert {loaded.origin(key.name) for key in KEYS} == {"file"}


def test_uncommenting_one_line_of_the_default_file_changes_that_key(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    write_default_config(target)
    text = target.read_text(encoding="utf-8").replace("# idle_lock_minutes = 5", "idle_lock_minutes = 20")
    target.write_text(text, encoding="utf-8")
    assert load_config(target).get_int("ui.idle_lock_minutes") == 20


def test_an_existing_config_file_is_not_overwritten_unless_asked(tmp_path: Path) -> None:
    target = write(tmp_path / "config.toml", '[station]\nname = "安装员写的"\n')
    with pytest.raises(ConfigError, match="已存在"):
        write_default_config(target)
    assert "安装员写的" in target.read_text(encoding="utf-8")
    write_default_config(target, overwrite=True)
    assert "安装员写的" not in target.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_schema_rows_are_well_formed() -> None:
    known_kinds = {"str", "int", "bool", "float", "enum", "path", "url"}
    for key in KEYS:
        assert key.kind in known_kinds, key.name
        assert key.section and key.leaf, key.name
        assert re.search(r"[\u4e00-\u9fff]", key.doc), f"{key.name} needs a Chinese doc line"
        if key.kind == "enum":
            assert key.choices and key.default in key.choices, key.name
    assert KEYS_BY_NAME["station.mode"].choices == ("station", "hall")


def test_hall_keys_have_defaults_and_reject_bad_times(tmp_path: Path) -> None:
    from app.config import load_config
    from app.errors import ConfigError

    good = tmp_path / "c.toml"
    good.write_text('[queue]\nreset_at = "01:15"\npriority_burst = 2\n', encoding="utf-8")
    c = load_config(good)
    assert c.get_str("queue.reset_at") == "01:15" and c.get_int("queue.priority_burst") == 2
    assert c.get_int("evaluation.rectify_days") == 5 and c.get_int("kpi.wait_target_min") == 30
    bad = tmp_path / "b.toml"
    bad.write_text('[queue]\nreset_at = "25:00"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(bad)
    assert "queue.reset_at" in str(err.value) and "HH:MM" in str(err.value)
