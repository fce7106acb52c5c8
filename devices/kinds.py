"""The device kinds (设备类型) this program knows, with their Chinese display names.

One table, so the status bar, the setup wizard and error messages all name a device the same way.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

KIND_NAMES: Final = MappingProxyType(
    {
        "idcard": "身份证阅读器",
        "smartcard": "社保卡/智能卡读卡器",
        "printer": "小票打印机",
        "camera": "高拍仪",
        "scanner": "扫描仪",
        "barcode": "扫码枪",
        "speech": "语音播报",
        "evaluator": "评价器",
    }
)

#: Every kind, in the order screens list them.
DEVICE_KINDS: Final[tuple[str, ...]] = tuple(KIND_NAMES)


def kind_name(kind: str) -> str:
    """The Chinese display name of ``kind``; the key itself for a kind this table does not know."""
    return KIND_NAMES.get(kind, kind)


def unplugged_error_message(kind: str) -> str:
    """The message shown when a device of ``kind`` is not connected."""
    return f"{kind_name(kind)}未连接，请检查数据线和电源后重试。"
