"""Configuration (配置): a schema table, a TOML loader that names every mistake, and renderers.

Everything is driven by :data:`KEYS`: the loader checks names and values against it, ``yichuang config
show`` prints it with the values in force, and :func:`write_default_config` turns it into a commented
file. Adding a key means adding one row there and nothing else.

Precedence, from strongest: overrides (command line) → the TOML file → the key's default. A value
in the file is never silently ignored or "fixed": unknown names and bad values raise
:class:`~app.errors.ConfigError` naming the key and what is expected, in Chinese.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from app import paths
from app.errors import ConfigError

Kind = Literal["str", "int", "bool", "float", "enum", "path", "url"]
Origin = Literal["default", "file", "override"]

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\S*")
_DRIVER = r"[A-Za-z][A-Za-z0-9_.\-]{0,63}"
_DRIVER_DOC = "驱动名（字母开头，只含字母、数字、_ . -，如 simulated 或 none）"
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


@dataclass(frozen=True)
class ConfigKey:
    """One configuration key: its dotted name, type, default, allowed values and a doc line."""

    name: str
    kind: Kind
    default: object
    doc: str
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    # Full-match regex for "str" values, with a Chinese description of it for error messages.
    pattern: str | None = None
    pattern_doc: str | None = None
    # Defaults that depend on other keys or on the environment (YICHUANG_HOME) are computed at load
    # time from the values already resolved for keys without such a function.
    default_from: Callable[[Mapping[str, object]], object] | None = None

    @property
    def section(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def leaf(self) -> str:
        return self.name.split(".", 1)[1]

    def default_for(self, resolved: Mapping[str, object]) -> object:
        """The default in force given the other values (``resolved``)."""
        return self.default if self.default_from is None else self.default_from(resolved)

    def expected_form(self) -> str:
        """What a valid value looks like, in Chinese (used in error messages and the default file)."""
        if self.kind in ("int", "float"):
            noun = "整数" if self.kind == "int" else "数字"
            low, high = _number_text(self.minimum), _number_text(self.maximum)
            if low is not None and high is not None:
                return f"{low} 到 {high} 之间的{noun}"
            if low is not None:
                return f"不小于 {low} 的{noun}"
            if high is not None:
                return f"不大于 {high} 的{noun}"
            return noun
        if self.kind == "bool":
            return "true 或 false"
        if self.kind == "enum":
            return "、".join(self.choices or ()) + " 之一"
        if self.kind == "path":
            return "文件路径（用双引号括起来）"
        if self.kind == "url":
            return '形如 scheme://… 的地址（用双引号括起来），或留空 ""'
        return self.pattern_doc or "文本（用双引号括起来）"


def _number_text(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


def _demo_driver(values: Mapping[str, object]) -> object:
    return "simulated" if values.get("ui.demo") is True else "none"


def _default_key_file(_values: Mapping[str, object]) -> object:
    return paths.data_dir() / "secret.key"


def _driver_key(kind: str, what: str) -> ConfigKey:
    return ConfigKey(
        f"devices.{kind}",
        "str",
        "none",
        f"{what}驱动：simulated = 模拟设备，none = 不使用；演示模式下默认 simulated，否则 none ({kind} driver)",
        pattern=_DRIVER,
        pattern_doc=_DRIVER_DOC,
        default_from=_demo_driver,
    )


KEYS: tuple[ConfigKey, ...] = (
    ConfigKey(
        "database.url",
        "url",
        "",
        "数据库地址；留空 = 数据目录中的 SQLite 文件；大厅多机共用时写 "
        "postgresql+psycopg://用户@主机:5432/yichuang (database URL; empty = local SQLite file)",
    ),
    ConfigKey(
        "station.code",
        "str",
        "",
        "站点编码，向平台登记后得到；留空 = 尚未登记 (station code from enrollment)",
    ),
    ConfigKey("station.name", "str", "演示便民服务站", "站点名称，印在回执和显示屏上 (station name)"),
    ConfigKey(
        "station.mode",
        "enum",
        "station",
        "运行方式：station = 便民服务站单机，hall = 政务服务大厅多窗口共用数据库 (deployment mode)",
        choices=("station", "hall"),
    ),
    ConfigKey(
        "station.region_code",
        "str",
        "",
        "所在行政区划代码，6 位数字 (administrative division code)",
        pattern=r"(\d{6})?",
        pattern_doc='6 位数字的行政区划代码（如 110101），或留空 ""',
    ),
    ConfigKey(
        "station.window_number", "int", 1, "本机窗口号 (window number of this PC)", minimum=1, maximum=999
    ),
    ConfigKey("ui.language", "enum", "zh_CN", "界面语言 (interface language)", choices=("zh_CN", "en")),
    ConfigKey(
        "ui.idle_lock_minutes",
        "int",
        5,
        "无人操作多少分钟后锁屏，0 = 从不锁屏 (idle minutes before the screen locks; 0 = never)",
        minimum=0,
        maximum=240,
    ),
    ConfigKey(
        "ui.font_scale", "float", 1.0, "字体缩放倍数，便于老年人阅读 (font scale)", minimum=0.75, maximum=2.0
    ),
    ConfigKey(
        "ui.demo",
        "bool",
        False,
        "演示模式：载入演示账号和演示事项目录，设备默认用模拟设备；正式使用时必须关闭 "
        "(demo accounts and demo catalog)",
    ),
    ConfigKey(
        "storage.key_source",
        "enum",
        "keyring",
        "加密密钥存放处：keyring = 操作系统密钥环，file = 权限 0600 的密钥文件（无密钥环的机器用）"
        " (where the encryption key is kept)",
        choices=("keyring", "file"),
    ),
    ConfigKey(
        "storage.key_file",
        "path",
        None,
        '密钥文件路径（storage.key_source = "file" 时使用），默认在数据目录下 (key file path)',
        default_from=_default_key_file,
    ),
    ConfigKey(
        "storage.cipher",
        "enum",
        "aes-gcm",
        "个人数据加密算法：aes-gcm 或国密 sm4-gcm (cipher)",
        choices=("aes-gcm", "sm4-gcm"),
    ),
    ConfigKey(
        "storage.min_free_mb",
        "int",
        500,
        "数据所在磁盘至少保留的剩余空间（MB），不足时提示清理 (minimum free disk space, MB)",
        minimum=0,
        maximum=1_000_000,
    ),
    _driver_key("idcard", "身份证阅读器"),
    _driver_key("smartcard", "社保卡/IC 卡读卡器"),
    _driver_key("printer", "小票打印机"),
    _driver_key("camera", "高拍仪"),
    _driver_key("scanner", "扫描仪"),
    _driver_key("barcode", "扫码枪"),
    _driver_key("speech", "语音叫号"),
    _driver_key("evaluator", "评价器"),
    ConfigKey(
        "devices.idcard_port",
        "str",
        "auto",
        "身份证阅读器串口：auto = 自动查找，或 /dev/ttyUSB0、COM3 等 (ID reader serial port)",
        pattern=r"\S{1,200}",
        pattern_doc="auto 或串口名，如 /dev/ttyUSB0、COM3",
    ),
    ConfigKey(
        "devices.idcard_baud",
        "enum",
        "115200",
        "身份证阅读器串口波特率，一般为 115200 (ID reader baud rate)",
        choices=("115200", "57600", "38400", "19200", "9600"),
    ),
    ConfigKey(
        "devices.idcard_sdk_library",
        "str",
        "",
        "厂商读卡库路径（驱动 sdk 时使用），如 C:/CVR/termb.dll、/opt/sdt/libsdtapi.so (vendor SDK library)",
    ),
    ConfigKey(
        "devices.idcard_sdk_port",
        "int",
        1001,
        "厂商读卡库端口号：1–16 为串口 COM1–COM16，1001–1016 为 USB (vendor SDK port)",
        minimum=1,
        maximum=9999,
    ),
    ConfigKey(
        "devices.idcard_photo_library",
        "str",
        "",
        "证件照片解码库路径（厂商提供，需授权）；留空则不显示照片，只保存原始数据 (WLT photo decoder)",
    ),
    ConfigKey(
        "devices.smartcard_reader",
        "str",
        "",
        "社保卡读卡器名称中的一段文字，留空 = 第一个读卡器 (PC/SC reader name filter)",
    ),
    ConfigKey(
        "devices.camera_index",
        "str",
        "0",
        "高拍仪摄像头（驱动 opencv 时使用）：编号 0、1…（带人脸摄像头的高拍仪常为 1），或设备路径 /dev/video2、"
        "视频地址 (camera index, device path or URL)",
        pattern=r"\S{1,500}",
        pattern_doc="摄像头编号（如 0）、设备路径或视频地址，不含空格",
    ),
    ConfigKey(
        "devices.camera_width",
        "int",
        2592,
        "高拍仪请求的拍摄宽度（像素）；摄像头不支持时自动用它给出的分辨率，0 = 用摄像头默认 (requested width)",
        minimum=0,
        maximum=20000,
    ),
    ConfigKey(
        "devices.camera_height",
        "int",
        1944,
        "高拍仪请求的拍摄高度（像素），0 = 用摄像头默认 (requested height)",
        minimum=0,
        maximum=20000,
    ),
    ConfigKey(
        "devices.camera_backend",
        "enum",
        "auto",
        "高拍仪视频接口：auto = 自动；Windows 上 msmf 打开慢时可改 dshow；Linux 可用 v4l2 (OpenCV capture backend)",
        choices=("auto", "dshow", "msmf", "v4l2"),
    ),
    ConfigKey(
        "devices.scanner_device",
        "str",
        "",
        "扫描仪设备名，留空 = 第一台扫描仪；sane 驱动填 scanimage -L 列出的名称，wia 驱动填设备名称中的一段文字"
        " (scanner device name)",
    ),
    ConfigKey(
        "devices.scanner_resolution",
        "enum",
        "200",
        "扫描分辨率，dpi；材料上传一般 200 即可 (scan resolution)",
        choices=("100", "150", "200", "300", "400", "600"),
    ),
    ConfigKey(
        "devices.scanner_mode",
        "enum",
        "color",
        "扫描色彩：color = 彩色（有印章的材料必须用彩色），gray = 灰度，bw = 黑白 (scan colour mode)",
        choices=("color", "gray", "bw"),
    ),
    ConfigKey(
        "devices.printer_paper_mm",
        "enum",
        "80",
        "小票纸宽，毫米 (receipt paper width, mm)",
        choices=("58", "80"),
    ),
    ConfigKey(
        "devices.printer_uri",
        "str",
        "tcp://127.0.0.1:9100",
        "小票打印机地址（驱动 escpos 时使用）：tcp://IP:9100、usb://VID:PID、serial:///dev/ttyUSB0?baud=9600、"
        "file:///dev/usb/lp0、cups://队列名、win32://打印机名 (receipt printer URI)",
        pattern=r"(tcp|usb|serial|file|cups|win32)://\S+",
        pattern_doc="形如 tcp://192.168.1.50:9100 或 usb://0416:5011 的打印机地址",
    ),
    ConfigKey(
        "devices.printer_text_mode",
        "enum",
        "raster",
        "小票打印方式：raster = 图像（推荐，任何字都能打）；gb18030 = 文字模式（慢速串口打印机用，生僻字自动改用图像）"
        " (raster or GB18030 text mode)",
        choices=("raster", "gb18030"),
    ),
    ConfigKey(
        "devices.a4_printer",
        "str",
        "",
        "A4 通知书打印机名称：留空 = 每次弹出打印对话框；填写系统打印机名 = 直接打印 (A4 printer)",
    ),
    # --- print (issue 6): what every slip of this hall carries -----------------------------------
    ConfigKey(
        "print.header",
        "str",
        "",
        "小票抬头：印在每张小票和排队号票最上方的文字，可用 \\n 换行；留空 = 不印 (slip header)",
    ),
    ConfigKey(
        "print.footer",
        "str",
        "",
        "小票页脚：印在每张小票和排队号票最下方的文字，如办公时间、地址；留空 = 不印 (slip footer)",
    ),
    ConfigKey(
        "print.logo",
        "str",
        "",
        "标志图片（PNG）路径，印在小票最上方，自动缩放并转为黑白；相对路径以配置文件所在目录为准；"
        "留空 = 不印 (logo PNG)",
    ),
    ConfigKey(
        "print.hotline",
        "str",
        "",
        "大厅监督/咨询电话，印在每张小票和排队号票上，事项没有配置监督电话时即作监督电话；留空 = 不印 (hall hotline)",
        pattern=r"[0-9０-９+()（）\- /、,，转]{0,40}",
        pattern_doc="电话号码，如 0717-3212345 或 12345，多个号码用、分隔",
    ),
    ConfigKey(
        "print.evaluation_url",
        "url",
        "",
        "好差评评价页面地址，印成评价单上的二维码，其中 {case_number} 换成办件编号；"
        "留空 = 评价单只印纸质勾选项 (evaluation page URL)",
    ),
    ConfigKey(
        "calendar.fallback",
        "enum",
        "weekends_only",
        "节假日数据未覆盖的年份如何算工作日：weekends_only = 只扣周末，期限标为暂定 "
        "(working days when no holiday data covers the year)",
        choices=("weekends_only",),
    ),
    ConfigKey(
        "queue.reset_at",
        "str",
        "00:30",
        "每日清号时间（北京时间 HH:MM）：此后关闭前一天未办理的号，记录保留 (daily queue reset time)",
        pattern=r"([01]\d|2[0-3]):[0-5]\d",
        pattern_doc='24 小时制时间 HH:MM，如 "00:30"',
    ),
    ConfigKey(
        "queue.priority_burst",
        "int",
        3,
        "连续叫几个优先号后插叫一个普通号，保证普通号不会一直等 (priority calls before a normal one)",
        minimum=1,
        maximum=20,
    ),
    ConfigKey(
        "queue.max_recalls",
        "int",
        3,
        "同一个号最多重呼几次，超过后请标记过号 (recalls before no-show)",
        minimum=1,
        maximum=10,
    ),
    ConfigKey(
        "evaluation.rectify_days",
        "int",
        5,
        "差评整改期限（工作日） (working days to rectify a bad review)",
        minimum=1,
        maximum=30,
    ),
    ConfigKey(
        "kpi.wait_target_min",
        "int",
        30,
        "等候时间目标（分钟），统计超时占比用 (wait target, minutes)",
        minimum=1,
        maximum=240,
    ),
    # --- sync (issue 8): talking to the provincial platform ------------------------------------
    ConfigKey(
        "sync.platform_url",
        "url",
        "",
        "省级平台同步地址，如 https://platform.example.gov.cn；留空 = 不同步 (platform base URL; empty = no sync)",
    ),
    ConfigKey(
        "sync.ca_bundle",
        "str",
        "",
        "校验平台证书用的 CA 证书文件（PEM）；留空 = 使用系统自带的根证书 (CA bundle for the platform's TLS)",
    ),
    ConfigKey(
        "sync.client_cert",
        "str",
        "",
        "本站客户端证书文件（PEM），平台要求双向认证时填写；留空 = 不使用 (client certificate)",
    ),
    ConfigKey(
        "sync.client_key",
        "str",
        "",
        "客户端证书的私钥文件（PEM）；证书和私钥在同一文件时留空 (client certificate key)",
    ),
    ConfigKey(
        "sync.idle_timeout_s",
        "float",
        30.0,
        "连接多少秒没有任何数据往来就断开重试（不限制整个上传的总时长） (idle timeout, seconds)",
        minimum=0.1,
        maximum=600,
    ),
    ConfigKey(
        "sync.retention_days",
        "int",
        30,
        "平台确认收到后，本机材料页文件再保留多少天后清除 (days page files are kept after confirmed receipt)",
        minimum=0,
        maximum=3650,
    ),
    ConfigKey(
        "sync.interval_s",
        "int",
        60,
        "同步进程每隔多少秒检查一次待发送记录和平台变更 (seconds between sync rounds)",
        minimum=1,
        maximum=3600,
    ),
    ConfigKey(
        "kiosk.elderly_age",
        "int",
        60,
        "刷身份证取号时，达到此年龄自动享受老年人优先 (elderly priority age at the kiosk)",
        minimum=50,
        maximum=100,
    ),
    # --- kiosk hardening and the setup wizard (issue 9) ------------------------------------------
    ConfigKey(
        "kiosk.installer_pin",
        "str",
        "",
        "取号机实施人员口令的散列值，由 yichuang setup 写入（不要填写明文口令）；退出全屏取号机时须输入该口令；"
        "留空 = 未设置，隐藏组合键只需确认即可退出 (installer PIN hash for leaving the kiosk)",
        pattern=r"(scrypt\$[A-Za-z0-9+/=]{4,200}\$[A-Za-z0-9+/=]{4,200})?",
        pattern_doc='由 yichuang setup 生成的口令散列值（scrypt$…$…），或留空 ""',
    ),
    ConfigKey(
        "kiosk.restart_at",
        "str",
        "",
        "取号机每日自动重启时间（北京时间 HH:MM）：到点后程序以退出码 75 退出，由系统服务重新启动；"
        "留空 = 不自动重启 (daily kiosk restart time; exit code 75)",
        pattern=r"(([01]\d|2[0-3]):[0-5]\d)?",
        pattern_doc='24 小时制时间 HH:MM，如 "03:30"，或留空 ""',
    ),
    ConfigKey(
        "devices.evaluator_screen",
        "int",
        0,
        "评价器显示在第几块屏幕：0 = 自动（有第二块屏幕时用第二块），1 = 第一块，2 = 第二块…"
        " (screen of the evaluator; 0 = automatic)",
        minimum=0,
        maximum=9,
    ),
    ConfigKey(
        "logging.level", "enum", "INFO", "日志级别 (log level)", choices=("DEBUG", "INFO", "WARNING", "ERROR")
    ),
    ConfigKey(
        "logging.max_bytes",
        "int",
        2_000_000,
        "单个日志文件达到多少字节后轮换 (bytes before rotation)",
        minimum=10_000,
        maximum=1_000_000_000,
    ),
    ConfigKey("logging.backups", "int", 5, "保留几个旧日志文件 (rotated files kept)", minimum=1, maximum=50),
)

KEYS_BY_NAME: Mapping[str, ConfigKey] = MappingProxyType({key.name: key for key in KEYS})
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(key.section for key in KEYS))
# Keys with a computed default go last, so their default can look at the others.
_RESOLUTION_ORDER: tuple[ConfigKey, ...] = tuple(sorted(KEYS, key=lambda k: k.default_from is not None))

_ORIGIN_LABELS: Mapping[Origin, str] = {
    "default": "默认 (default)",
    "file": "配置文件 (file)",
    "override": "覆盖项 (override)",
}


@dataclass(frozen=True)
class Config:
    """The configuration in force: a value for every key, and where each value came from."""

    values: Mapping[str, object]
    source: Path | None = None
    origins: Mapping[str, Origin] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Read-only views, so a Config handed around threads cannot be changed behind anyone's back.
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "origins", MappingProxyType(dict(self.origins)))

    def get(self, name: str) -> object:
        try:
            return self.values[name]
        except KeyError:
            raise KeyError(f"unknown config key {name!r}") from None

    def origin(self, name: str) -> Origin:
        """``"default"``, ``"file"`` or ``"override"``."""
        return self.origins.get(name, "default")

    def get_str(self, name: str) -> str:
        value = self.get(name)
        if not isinstance(value, str):
            raise TypeError(f"config key {name} holds {type(value).__name__}, not str")
        return value

    def get_int(self, name: str) -> int:
        """An int; enum keys whose choices are numbers (``devices.printer_paper_mm``) are converted."""
        value = self.get(name)
        if isinstance(value, str) and value.isdigit():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"config key {name} holds {type(value).__name__}, not int")
        return value

    def get_bool(self, name: str) -> bool:
        value = self.get(name)
        if not isinstance(value, bool):
            raise TypeError(f"config key {name} holds {type(value).__name__}, not bool")
        return value

    def get_float(self, name: str) -> float:
        value = self.get(name)
        if not isinstance(value, float):
            raise TypeError(f"config key {name} holds {type(value).__name__}, not float")
        return value

    def device_options(self) -> dict[str, dict[str, str]]:
        """Driver settings per device kind: ``devices.idcard_port`` → ``{"idcard": {"port": …}}``.

        Every value becomes a string; drivers parse what they need (DriverContext.options).
        """
        kinds = {key.leaf for key in KEYS if key.section == "devices" and "_" not in key.leaf}
        options: dict[str, dict[str, str]] = {}
        for name, value in self.values.items():
            section, _, leaf = name.partition(".")
            kind, sep, option = leaf.partition("_")
            if section == "devices" and sep and kind in kinds:
                options.setdefault(kind, {})[option] = str(value)
        return options

    def get_path(self, name: str) -> Path:
        value = self.get(name)
        if not isinstance(value, Path):
            raise TypeError(f"config key {name} holds {type(value).__name__}, not Path")
        return value


class _BadValue(Exception):
    """Internal: a value does not fit its key; turned into ConfigError with the place it came from."""


def _show(raw: object) -> str:
    if isinstance(raw, dict):
        return "一个表 [...]"
    if isinstance(raw, Path):
        return _toml_string(str(raw))
    return _toml_value(raw)


def _coerce(key: ConfigKey, raw: object, base_dir: Path | None) -> object:
    """Check ``raw`` against ``key`` and return the value in its Python type, or raise _BadValue."""
    if key.kind == "int":
        value: object = _to_number(raw, integer=True)
    elif key.kind == "float":
        value = _to_number(raw, integer=False)
    elif key.kind == "bool":
        value = _to_bool(raw)
    elif key.kind == "enum":
        value = _to_choice(raw, key.choices or ())
    elif key.kind == "path":
        value = _to_path(raw, base_dir)
    elif not isinstance(raw, str):
        raise _BadValue
    elif key.kind == "url":
        if raw and not _URL.fullmatch(raw):
            raise _BadValue
        value = raw
    else:
        if key.pattern is not None and not re.fullmatch(key.pattern, raw):
            raise _BadValue
        value = raw
    if isinstance(value, int | float) and not isinstance(value, bool):
        if key.minimum is not None and value < key.minimum:
            raise _BadValue
        if key.maximum is not None and value > key.maximum:
            raise _BadValue
    return value


def _to_number(raw: object, *, integer: bool) -> int | float:
    if isinstance(raw, bool):
        raise _BadValue
    if isinstance(raw, str):
        text = raw.strip().replace("_", "")
        try:
            raw = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
        except ValueError:
            raise _BadValue from None
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise _BadValue
        if integer:
            if not raw.is_integer():
                raise _BadValue
            return int(raw)
        return raw
    if isinstance(raw, int):
        return raw if integer else float(raw)
    raise _BadValue


def _to_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _BadValue


def _to_choice(raw: object, choices: tuple[str, ...]) -> str:
    # Numbers are allowed for numeric choices (printer_paper_mm = 80); case is forgiven (level = "info").
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, str):
        for choice in choices:
            if raw.strip().lower() == choice.lower():
                return choice
    raise _BadValue


def _to_path(raw: object, base_dir: Path | None) -> Path:
    if isinstance(raw, Path):
        path = raw
    elif isinstance(raw, str) and raw.strip():
        path = Path(raw.strip())
    else:
        raise _BadValue
    path = path.expanduser()
    # A relative path in the file means "next to the config file", so a copied folder keeps working.
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    return path


def _suggest(name: str) -> list[str]:
    # Leaves are compared with leaves: on whole names the shared section prefix makes every key of
    # the section look "close". The right leaf in the wrong section counts as a match too.
    section, _, leaf = name.rpartition(".")
    same_leaf = [key.name for key in KEYS if key.leaf == leaf]
    longer = [key.name for key in KEYS if key.name.startswith(name)]
    in_section = [key.leaf for key in KEYS if key.section == section]
    close = [f"{section}.{found}" for found in difflib.get_close_matches(leaf, in_section, n=2, cutoff=0.6)]
    elsewhere = {key.leaf: key.name for key in KEYS if key.section != section}
    far = [elsewhere[found] for found in difflib.get_close_matches(leaf, elsewhere, n=2, cutoff=0.8)]
    return list(dict.fromkeys([*same_leaf, *longer, *close, *far]))[:3]


def _unknown_key_error(name: str, where: str) -> ConfigError:
    suggestions = _suggest(name)
    if suggestions:
        hint = f"你是不是想写 {' 或 '.join(suggestions)}？"
    else:
        section = name.split(".", 1)[0]
        known = [key.leaf for key in KEYS if key.section == section]
        hint = f"[{section}] 节可用的配置项：{'、'.join(known)}。" if known else ""
    return ConfigError(f"配置项 {name} 不存在。{hint}{where}", key=name)


def _unknown_section_error(section: str, where: str) -> ConfigError:
    close = difflib.get_close_matches(section, SECTIONS, n=1, cutoff=0.6)
    hint = f"你是不是想写 [{close[0]}]？" if close else ""
    return ConfigError(
        f"配置节 [{section}] 不存在。{hint}可用的节：{'、'.join(SECTIONS)}。{where}", key=section
    )


def _bad_value_error(key: ConfigKey, raw: object, where: str) -> ConfigError:
    form = key.expected_form()
    # A space between Chinese and a leading digit or Latin word, as in "应为 0 到 240 之间的整数".
    gap = " " if form[:1].isascii() else ""
    return ConfigError(f"配置项 {key.name} 应为{gap}{form}，现在是 {_show(raw)}。{where}", key=key.name)


def _read_toml(path: Path) -> dict[str, object]:
    where = f"配置文件：{path}"
    try:
        # utf-8-sig: Windows Notepad may save a BOM, which tomllib would reject.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(
            f"配置文件不是 UTF-8 编码。请用记事本“另存为”并选择 UTF-8 后重试。{where}"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"无法读取配置文件（{exc.strerror}）。请检查文件是否存在、是否有读取权限。{where}"
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        reason = re.sub(r"\s*\(at [^)]*\)\s*$", "", message)
        place = f"第 {found.group(1)} 行第 {found.group(2)} 列" if found else "末尾"
        raise ConfigError(
            f"配置文件{place}不是有效的 TOML（{reason}）。请按“名称 = 值”的写法改正，"
            f'文字要加双引号，例如 name = "某某便民服务站"。{where}'
        ) from exc


def _flatten_file(document: Mapping[str, object], where: str) -> dict[str, object]:
    flat: dict[str, object] = {}
    for section, table in document.items():
        if not isinstance(table, dict):
            # A key written above every [section] header lands at the top level.
            raise _unknown_key_error(section, where)
        if section not in SECTIONS:
            raise _unknown_section_error(section, where)
        for leaf, value in table.items():
            name = f"{section}.{leaf}"
            if name not in KEYS_BY_NAME:
                raise _unknown_key_error(name, where)
            flat[name] = value
    return flat


def load_config(path: Path | None = None, *, overrides: Mapping[str, object] | None = None) -> Config:
    """Read ``path`` (default :func:`app.paths.config_file`) and apply ``overrides`` on top.

    A missing default file means "all defaults"; a missing file named explicitly is an error, since
    someone asked for it. Override values may be text (from the command line) and are converted.
    Raises :class:`ConfigError` for unknown names, bad values and invalid TOML.
    """
    file_path = path if path is not None else paths.config_file()
    file_values: dict[str, object] = {}
    source: Path | None = None
    if path is not None and not path.is_file():
        raise ConfigError(f"找不到配置文件 {path}。请检查路径是否写错。")
    if file_path.is_file():
        source = file_path
        file_values = _flatten_file(_read_toml(file_path), f"配置文件：{file_path}")

    override_where = "来源：命令行覆盖项。"
    for name in overrides or {}:
        if name not in KEYS_BY_NAME:
            raise _unknown_key_error(name, override_where)

    values: dict[str, object] = {}
    origins: dict[str, Origin] = {}
    origin: Origin
    for key in _RESOLUTION_ORDER:
        if overrides is not None and key.name in overrides:
            raw, where, origin = overrides[key.name], override_where, "override"
            base_dir = None
        elif key.name in file_values:
            raw, where, origin = file_values[key.name], f"配置文件：{file_path}", "file"
            base_dir = file_path.parent.absolute()
        else:
            values[key.name] = key.default_for(values)
            origins[key.name] = "default"
            continue
        try:
            values[key.name] = _coerce(key, raw, base_dir)
        except _BadValue:
            raise _bad_value_error(key, raw, where) from None
        origins[key.name] = origin
    ordered = {key.name: values[key.name] for key in KEYS}
    return Config(values=ordered, source=source, origins=origins)


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


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return _toml_string(str(value))


def _without_password(url: str) -> str:
    return re.sub(r"(://[^/:@]+:)[^/@]*@", r"\1***@", url)


def render_config(config: Config) -> str:
    """Every key with its value, where the value came from and its doc line (``yichuang config show``).

    Passwords inside URLs are replaced by ``***``: this text ends up in screenshots and tickets.
    """
    if config.source is not None:
        lines = [f"# 配置文件 (config file)：{config.source}"]
    else:
        lines = ["# 配置文件 (config file)：无，使用默认值 (none, defaults in force)"]
    for section in SECTIONS:
        lines += ["", f"[{section}]"]
        for key in KEYS:
            if key.section != section:
                continue
            value = config.values.get(key.name)
            shown = _toml_value(value)
            if key.kind == "url" and isinstance(value, str):
                shown = _toml_value(_without_password(value))
            lines.append(f"{key.leaf} = {shown}    # {_ORIGIN_LABELS[config.origin(key.name)]}")
            lines.append(f"    # {key.doc}")
    return "\n".join(lines) + "\n"


def default_config_text() -> str:
    """The commented TOML that :func:`write_default_config` writes (every key commented out)."""
    resolved: dict[str, object] = {}
    for key in _RESOLUTION_ORDER:
        resolved[key.name] = key.default_for(resolved)
    lines = [
        "# 一窗 YiChuang 配置文件 (configuration file)",
        '# 要修改某项：删去该行开头的 "# "，改好数值，保存后重新启动程序。没写的项使用默认值。',
        '# 文字要加双引号，例如 name = "某某便民服务站"。查看当前生效的配置：yichuang config show',
    ]
    for section in SECTIONS:
        lines += ["", f"[{section}]"]
        for key in KEYS:
            if key.section != section:
                continue
            lines.append(f"# {key.doc}")
            lines.append(f"# 取值：{key.expected_form()}")
            lines.append(f"# {key.leaf} = {_toml_value(resolved[key.name])}")
            lines.append("")
        lines.pop()
    return "\n".join(lines) + "\n"


def write_default_config(path: Path, *, overwrite: bool = False) -> None:
    """Write the commented default configuration to ``path``, creating its folder.

    An existing file is left alone unless ``overwrite`` is true, because it may hold an installer's
    settings. The write goes through a temporary file so a crash never leaves half a file.
    """
    if path.exists() and not overwrite:
        raise ConfigError(f"配置文件 {path} 已存在，没有覆盖。要重新生成，请先把原文件改名保存。", key=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(default_config_text())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
