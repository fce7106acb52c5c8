"""Station profile (站点配置包) and the settings the setup wizard writes.

A profile is the configuration of one station, exported so that many machines can be set up the
same way (``yichuang setup --export OUT.toml`` on the first one, ``yichuang setup --import
profile.toml`` on the others). It is a TOML file with the sections of ``config.toml``, plus:

- ``[profile]``: ``format`` (1), where and when it was exported, and ``ca_bundle_pem``, the
  platform's CA certificate itself, so the copy works without copying the file next to it;
- ``[[categories]]``: the kiosk's queue categories (取号类别), ``code`` and ``name`` each.

Secrets never travel in a profile: the installer PIN hash, the client certificate's private key,
the password inside ``database.url``; tokens and enrollment codes are not configuration at all.
Each machine keeps its own (a profile that contains one is refused, naming the key). Every value
is checked by the rules of :mod:`app.config`, so a profile that imports is a configuration that
loads.

The same module writes the configuration file for the wizard (:func:`write_config`) and keeps
the station row and its queue categories in the database (:func:`save_station`,
:func:`save_categories`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, paths
from app.config import (
    KEYS,
    KEYS_BY_NAME,
    SECTIONS,
    Config,
    _bad_value_error,
    _BadValue,
    _coerce,
    _flatten_file,
    load_config,
)
from app.context import database_url
from app.errors import ConfigError, ValidationError
from app.model import QueueCategory, Station
from app.services.clerks import hash_password

PROFILE_FORMAT: Final = 1
#: Keys whose value is a secret of one machine: never exported, refused in a profile.
SECRET_KEYS: Final = frozenset({"kiosk.installer_pin", "sync.client_key"})
#: Where an imported profile's CA certificate is written (in the configuration folder).
CA_FILE_NAME: Final = "platform-ca.pem"
#: The actor of audit events written by the setup wizard and by profile imports.
SETUP_ACTOR: Final = "setup"
CATEGORY_CODE: Final = re.compile(r"[A-Z]{1,2}")
MAX_CATEGORY_NAME: Final = 20
MIN_PIN, MAX_PIN = 6, 12

_URL_PASSWORD = re.compile(r"(://[^/:@]+):[^/@]*@")
_HIDDEN_PASSWORD = r"\1:***@"
_PEM_CERT = "-----BEGIN CERTIFICATE-----"


@dataclass(frozen=True)
class CategorySpec:
    """One kiosk queue category (取号类别): its ticket prefix ("A") and name ("综合受理")."""

    code: str
    name: str


@dataclass(frozen=True)
class StationProfile:
    """A profile read from a file: configuration values (checked, in their Python types), categories,
    the platform's CA certificate."""

    values: Mapping[str, object]
    categories: tuple[CategorySpec, ...] | None = None
    ca_bundle_pem: str | None = None
    source: Path | None = None
    exported_from: str = ""


@dataclass(frozen=True)
class ExportReport:
    path: Path
    keys: int
    categories: int
    left_out: tuple[str, ...] = field(default_factory=tuple)  # what was not exported, and why
    ca_embedded: bool = False


# --- categories and the installer PIN -------------------------------------------------------------


def check_categories(categories: Sequence[CategorySpec], *, where: str = "") -> tuple[CategorySpec, ...]:
    """At least one, unique prefixes of one or two capital letters, a short name; ValidationError."""
    if not categories:
        raise ValidationError(f"至少要有一个取号类别，否则取号机无法取号。{where}", field="categories")
    seen: set[str] = set()
    out = []
    for number, category in enumerate(categories, start=1):
        code, name = category.code.strip().upper(), category.name.strip()
        if not CATEGORY_CODE.fullmatch(code):
            raise ValidationError(
                f"第 {number} 个取号类别的字头“{category.code}”不对：应为 1–2 个英文大写字母，如 A。{where}",
                field=f"categories[{number}].code",
            )
        if code in seen:
            raise ValidationError(
                f"取号类别字头 {code} 重复了，每个类别的字头必须不同。{where}",
                field=f"categories[{number}].code",
            )
        if not name or len(name) > MAX_CATEGORY_NAME:
            raise ValidationError(
                f"取号类别 {code} 的名称应为 1–{MAX_CATEGORY_NAME} 个字，现在是“{name}”。{where}",
                field=f"categories[{number}].name",
            )
        seen.add(code)
        out.append(CategorySpec(code, name))
    return tuple(out)


def installer_pin_hash(pin: str) -> str:
    """The value of ``kiosk.installer_pin`` for ``pin`` (6–12 digits); ValidationError otherwise."""
    if not re.fullmatch(rf"\d{{{MIN_PIN},{MAX_PIN}}}", pin):
        raise ValidationError(
            f"实施人员口令应为 {MIN_PIN}–{MAX_PIN} 位数字（取号机触摸屏上用数字键盘输入）。",
            field="installer_pin",
        )
    if len(set(pin)) == 1 or pin in "01234567890123" or pin in "98765432109876":
        raise ValidationError(
            "实施人员口令太简单（如 111111、123456），请换一个不易猜到的数字。", field="installer_pin"
        )
    return hash_password(pin)


# --- the configuration file -------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    escaped = []
    for char in text:
        if char in ('"', "\\"):
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def toml_value(value: object) -> str:
    """``value`` as a TOML literal (bool, number, or a string; paths become strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return _toml_string(str(value))


def config_text(
    values: Mapping[str, object], *, title: str = "一窗 YiChuang 配置文件 (configuration file)"
) -> str:
    """A commented configuration file: every key documented, the ones in ``values`` set, the rest
    commented out with their default (the layout of ``yichuang config init``)."""
    lines = [
        f"# {title}",
        "# 由 yichuang setup 写入。没写的项（行首有 # ）使用默认值；修改后重新启动程序生效。",
        "# 查看当前生效的配置：yichuang config show",
    ]
    resolved: dict[str, object] = dict(values)
    for key in sorted(KEYS, key=lambda k: k.default_from is not None):
        resolved.setdefault(key.name, key.default_for(resolved))
    for section in SECTIONS:
        lines += ["", f"[{section}]"]
        for key in KEYS:
            if key.section != section:
                continue
            lines.append(f"# {key.doc}")
            if key.name in values:
                lines.append(f"{key.leaf} = {toml_value(values[key.name])}")
            else:
                lines.append(f"# {key.leaf} = {toml_value(resolved[key.name])}")
    return "\n".join(lines) + "\n"


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_config(values: Mapping[str, object], path: Path) -> Config:
    """Write ``values`` (key → value) as the configuration file ``path`` and return it loaded.

    The text is loaded by :func:`app.config.load_config` before it replaces the old file, so a
    bad value raises ConfigError naming the key and the old file stays as it was.
    """
    unknown = [name for name in values if name not in KEYS_BY_NAME]
    if unknown:
        raise ConfigError(f"配置项 {unknown[0]} 不存在。", key=unknown[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, check_name = tempfile.mkstemp(prefix=".check-", suffix=".toml", dir=path.parent)
    os.close(handle)
    check = Path(check_name)
    try:
        check.write_text(config_text(values), encoding="utf-8")
        try:
            load_config(check)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace(str(check), str(path)), key=exc.key) from None
    finally:
        check.unlink(missing_ok=True)
    _atomic_write(path, config_text(values))
    return load_config(path)


def file_values(path: Path) -> dict[str, object]:
    """The values written in the configuration file ``path`` (empty when there is none)."""
    if not path.is_file():
        return {}
    config = load_config(path)
    return {name: config.get(name) for name in KEYS_BY_NAME if config.origin(name) == "file"}


# --- export -------------------------------------------------------------------------------------------


def _exported_value(name: str, value: object) -> tuple[object | None, str | None]:
    """The value as it goes into a profile, and a note when something was left out."""
    if name in SECRET_KEYS:
        return None, f"{name}（本机密钥或口令）"
    if isinstance(value, str) and _URL_PASSWORD.search(value):
        return _URL_PASSWORD.sub(r"\1@", value), f"{name} 中的密码"
    if isinstance(value, Path):
        return str(value), None
    return value, None


def _ca_pem(config: Config) -> tuple[str | None, str | None]:
    """The CA bundle's certificates, when it holds certificates and nothing else."""
    name = config.get_str("sync.ca_bundle").strip()
    if not name:
        return None, None
    path = Path(name).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None, f"CA 证书文件 {path}（无法读取，请在每台机器上另行复制）"
    if "PRIVATE KEY" in text or _PEM_CERT not in text:
        return None, f"CA 证书文件 {path}（不是纯证书文件，请在每台机器上另行复制）"
    return text, None


def profile_text(
    config: Config, categories: Sequence[CategorySpec] | None, *, now: dt.datetime | None = None
) -> tuple[str, ExportReport]:
    """The profile of ``config`` (the values not left at their default) and its report."""
    values: dict[str, object] = {}
    left_out: list[str] = []
    for key in KEYS:
        if config.origin(key.name) == "default":
            continue
        value, note = _exported_value(key.name, config.get(key.name))
        if note is not None:
            left_out.append(note)
        if value is not None:
            values[key.name] = value
    pem, pem_note = _ca_pem(config)
    if pem_note is not None:
        left_out.append(pem_note)
    station = config.get_str("station.name")
    code = config.get_str("station.code") or "未登记"
    when = (now or dt.datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M")
    lines = [
        "# 一窗 YiChuang 站点配置包 (station profile)",
        "# 导入：yichuang setup --import 本文件；每台机器不同的项用 --set 指定，如 --set station.window_number=3",
        "# 不含任何密钥、口令和登记凭证：导入后请在每台机器上设置实施人员口令并向平台登记。",
        "",
        "[profile]",
        f"format = {PROFILE_FORMAT}",
        f"exported_from = {_toml_string(f'{station}（{code}）')}",
        f"exported_at = {_toml_string(when)}",
    ]
    if pem is not None:
        lines.append(f'ca_bundle_pem = """\n{pem.strip()}\n"""')
    for section in SECTIONS:
        in_section = [key for key in KEYS if key.section == section and key.name in values]
        if in_section:
            lines += ["", f"[{section}]"]
            lines += [f"{key.leaf} = {toml_value(values[key.name])}" for key in in_section]
    for category in categories or ():
        lines += [
            "",
            "[[categories]]",
            f"code = {_toml_string(category.code)}",
            f"name = {_toml_string(category.name)}",
        ]
    report = ExportReport(
        path=Path(),
        keys=len(values),
        categories=len(categories or ()),
        left_out=tuple(left_out),
        ca_embedded=pem is not None,
    )
    return "\n".join(lines) + "\n", report


def export_profile(config: Config, categories: Sequence[CategorySpec] | None, target: Path) -> ExportReport:
    """Write the profile of ``config`` to ``target``; the report says what was left out."""
    text, report = profile_text(config, categories)
    try:
        _atomic_write(target, text)
    except OSError as exc:
        raise ConfigError(f"无法写入站点配置包 {target}（{exc.strerror}）。请检查路径和权限。") from exc
    return ExportReport(target, report.keys, report.categories, report.left_out, report.ca_embedded)


# --- import -------------------------------------------------------------------------------------------


def _categories_from(raw: object, where: str) -> tuple[CategorySpec, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ConfigError(
            f"categories 应写成若干个 [[categories]] 表，每个含 code 和 name。{where}", key="categories"
        )
    specs = []
    for number, item in enumerate(raw, start=1):
        extra = set(item) - {"code", "name"}
        if extra:
            name = sorted(extra)[0]
            raise ConfigError(
                f"第 {number} 个取号类别中的 {name} 不认识，只能写 code 和 name。{where}",
                key=f"categories[{number}].{name}",
            )
        code, name = item.get("code"), item.get("name")
        if not isinstance(code, str) or not isinstance(name, str):
            raise ConfigError(
                f"第 {number} 个取号类别缺少 code 或 name（都要用双引号括起来）。{where}",
                key=f"categories[{number}]",
            )
        specs.append(CategorySpec(code, name))
    try:
        return check_categories(specs, where=where)
    except ValidationError as exc:
        raise ConfigError(str(exc), key=exc.field) from None


def read_profile(path: Path) -> StationProfile:
    """Read and check a profile; ConfigError (in Chinese, naming the key) when anything is wrong."""
    where = f"站点配置包：{path}"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"找不到站点配置包 {path}。请检查路径是否写错。") from None
    except UnicodeDecodeError:
        raise ConfigError(f"站点配置包不是 UTF-8 编码，请另存为 UTF-8 后重试。{where}") from None
    except OSError as exc:
        raise ConfigError(f"无法读取站点配置包（{exc.strerror}）。{where}") from exc
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"站点配置包不是有效的 TOML（{exc}）。请按“名称 = 值”的写法改正。{where}") from exc
    meta = document.pop("profile", None)
    if not isinstance(meta, dict) or meta.get("format") != PROFILE_FORMAT:
        raise ConfigError(
            f"这不是一窗的站点配置包（缺少 [profile] 节或 format 不是 {PROFILE_FORMAT}）。"
            f"请用 yichuang setup --export 重新导出。{where}",
            key="profile.format",
        )
    categories = _categories_from(document.pop("categories", None), where)
    flat = _flatten_file(document, where)
    for name in flat:
        if name in SECRET_KEYS:
            raise ConfigError(
                f"站点配置包不能含有密钥或口令（{name}）：请删除这一行，导入后在本机单独设置。{where}",
                key=name,
            )
    values: dict[str, object] = {}
    for name, raw in flat.items():
        key = KEYS_BY_NAME[name]
        try:
            values[name] = _coerce(key, raw, paths.config_dir())
        except _BadValue:
            raise _bad_value_error(key, raw, where) from None
    pem = meta.get("ca_bundle_pem")
    if pem is not None and (not isinstance(pem, str) or _PEM_CERT not in pem or "PRIVATE KEY" in pem):
        raise ConfigError(
            f"[profile] 中的 ca_bundle_pem 应为 PEM 格式的 CA 证书（不能含私钥）。{where}",
            key="profile.ca_bundle_pem",
        )
    return StationProfile(
        values=values,
        categories=categories,
        ca_bundle_pem=pem,
        source=path,
        exported_from=str(meta.get("exported_from", "")),
    )


def apply_profile(
    profile: StationProfile, config_path: Path, *, overrides: Mapping[str, object] | None = None
) -> Config:
    """Make ``config_path`` the profile's configuration and return it loaded.

    The machine's own secrets in the old file stay (a profile has none); ``overrides`` (the
    command line's ``--set``, e.g. this machine's window number) win over the profile. The
    profile's CA certificate is written next to the configuration file.
    """
    values: dict[str, object] = {
        name: value for name, value in file_values(config_path).items() if name in SECRET_KEYS
    }
    values.update(profile.values)
    if profile.ca_bundle_pem is not None:
        ca_file = config_path.parent / CA_FILE_NAME
        _atomic_write(ca_file, profile.ca_bundle_pem.strip() + "\n")
        values["sync.ca_bundle"] = str(ca_file.absolute())
    values.update(overrides or {})
    return write_config(values, config_path)


# --- the station row and its categories ----------------------------------------------------------------


def save_station(session: Session, config: Config) -> None:
    """Create or update the station row this machine works for, from ``station.*``."""
    code = config.get_str("station.code") or "LOCAL"
    wanted = {
        "name": config.get_str("station.name"),
        "mode": config.get_str("station.mode"),
        "region_code": config.get_str("station.region_code"),
    }
    station = session.execute(select(Station).where(Station.code == code)).scalar_one_or_none()
    before = None
    if station is None:
        station = Station(code=code, **wanted)
        session.add(station)
    else:
        before = {"name": station.name, "mode": station.mode, "region_code": station.region_code}
        if before == wanted:
            return
        for name, value in wanted.items():
            setattr(station, name, value)
    session.flush()
    audit.append(
        session, actor=SETUP_ACTOR, action="setup.station", entity="station", entity_id=code, before=before,
        after=wanted,
    )  # fmt: skip


def station_categories(session: Session, station_code: str) -> list[CategorySpec]:
    """The station's active categories in kiosk order (empty when the station has none yet)."""
    rows = session.execute(
        select(QueueCategory)
        .join(Station, Station.id == QueueCategory.station_id)
        .where(Station.code == station_code, QueueCategory.active.is_(True))
        .order_by(QueueCategory.position, QueueCategory.code)
    ).scalars()
    return [CategorySpec(row.code, row.name) for row in rows]


def save_categories(session: Session, station_code: str, categories: Sequence[CategorySpec]) -> None:
    """Make ``categories`` the kiosk's categories, in this order.

    A category left out is deactivated, not deleted: today's tickets and the statistics still
    name it. The station row must exist (:func:`save_station`).
    """
    wanted = check_categories(categories)
    station = session.execute(select(Station).where(Station.code == station_code)).scalar_one_or_none()
    if station is None:
        raise ValidationError(f"找不到站点 {station_code}，请先保存站点信息。", field="station.code")
    existing = {
        row.code: row
        for row in session.execute(
            select(QueueCategory).where(QueueCategory.station_id == station.id)
        ).scalars()
    }
    before = [{"code": c, "name": row.name} for c, row in existing.items() if row.active]
    for position, spec in enumerate(wanted):
        row = existing.pop(spec.code, None)
        if row is None:
            session.add(
                QueueCategory(station_id=station.id, code=spec.code, name=spec.name, position=position)
            )
        else:
            row.name, row.position, row.active = spec.name, position, True
    for row in existing.values():
        row.active = False
    session.flush()
    after = [{"code": spec.code, "name": spec.name} for spec in wanted]
    if after != before:
        audit.append(
            session, actor=SETUP_ACTOR, action="setup.categories", entity="station", entity_id=station_code,
            before={"categories": before}, after={"categories": after},
        )  # fmt: skip


# --- what the CLI prints --------------------------------------------------------------------------------


def summary_lines(config: Config, categories: Sequence[CategorySpec] | None) -> list[str]:
    """The settings an installer checks after setup, one line each, in Chinese."""
    devices = [
        f"{key.leaf}={config.get_str(key.name)}"
        for key in KEYS
        if key.section == "devices" and "_" not in key.leaf and config.get_str(key.name) != "none"
    ]
    platform = config.get_str("sync.platform_url") or "未配置（不同步）"
    ca = config.get_str("sync.ca_bundle") or "系统根证书"
    restart = config.get_str("kiosk.restart_at") or "不自动重启"
    pin = "已设置" if config.get_str("kiosk.installer_pin") else "未设置"
    lines = [
        f"站点：{config.get_str('station.name')}（编码 {config.get_str('station.code') or '未登记'}，"
        f"区划 {config.get_str('station.region_code') or '未填'}，"
        f"{'大厅多窗口' if config.get_str('station.mode') == 'hall' else '便民服务站单机'}）",
        f"本机窗口号：{config.get_int('station.window_number')}",
        f"数据库：{_URL_PASSWORD.sub(_HIDDEN_PASSWORD, database_url(config))}",
        f"省级平台：{platform}（CA：{ca}）",
        f"设备：{'、'.join(devices) if devices else '未配置任何设备'}",
        f"取号机：实施人员口令{pin}，每日重启 {restart}",
    ]
    if categories is not None:
        lines.append("取号类别：" + "、".join(f"{c.code} {c.name}" for c in categories))
    return lines
